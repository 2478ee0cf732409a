/* The store benchmarks' shared rounds and subject side (store_round.h). */
#include "store_round.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"

static const char *g_prog = "bench";

void store_round_fill(struct store_reading *r, int round)
{
    int64_t t0 = 1795478400 + (int64_t)round * STORE_ROUND_INTERVALS * 900;
    size_t k = 0;
    for (int i = 0; i < STORE_ROUND_INTERVALS; i++)
        for (int m = 1; m <= STORE_ROUND_METERS; m++) {
            struct store_reading *x = &r[k++];
            x->meter = m;
            x->item = MH_ITEM_AE_IMP;
            x->t = t0 + i * 900;
            x->value = mh_dec_make(1000000 + (int64_t)m * 7 + i, -2);
            x->quality = STORE_Q_VALID;
            x->protocol = 0;
            x->terminal = 1 + m / 200;
            x->received_ms = x->t * 1000 + 30000;
        }
}

static void fail(const char *what, int rc)
{
    fprintf(stderr, "%s: %s: %s\n", g_prog, what, mh_strerror(rc));
    exit(1);
}

/* The durable callback: the latency is written in place of the send time, read after sync. */
static void acked(void *ctx, int status)
{
    uint64_t *sent = ctx;
    if (status != 0)
        fail("a batch failed", status);
    *sent = bench_now_ns() - *sent;
}

static void append_one(struct store *st, const struct store_reading *r, uint64_t *slot)
{
    *slot = bench_now_ns();
    int rc = store_readings_append(st, r, STORE_ROUND_REPORT, 10000, acked, slot);
    if (rc != 0)
        fail("append", rc);
}

static void sync_all(struct store *st)
{
    int rc = store_readings_sync(st, 600000);
    if (rc != 0)
        fail("sync", rc);
}

void store_round_append(const char *prog, struct store *st, const struct store_reading *r,
                        uint64_t *sent_ns)
{
    g_prog = prog;
    for (size_t k = 0; k < STORE_ROUND_TICKETS; k++)
        append_one(st, r + k * STORE_ROUND_REPORT, &sent_ns[k]);
    sync_all(st);
}

size_t store_round_paced(const char *prog, struct store *st, const struct store_reading *r,
                         uint64_t *sent_ns, double *lat_ms, int rate, int seconds, int warmup_s)
{
    g_prog = prog;
    size_t n = (size_t)rate * (size_t)seconds; /* at most one round's readings */
    n = (n < STORE_ROUND_READINGS ? n : STORE_ROUND_READINGS) / STORE_ROUND_REPORT;
    uint64_t gap = 1000000000ull * STORE_ROUND_REPORT / (uint64_t)rate, start = bench_now_ns();
    for (size_t k = 0; k < n; k++) {
        uint64_t due = start + k * gap;
        for (uint64_t now = bench_now_ns(); now < due; now = bench_now_ns()) {
            struct timespec ts = {0, (long)(due - now)};
            nanosleep(&ts, NULL);
        }
        append_one(st, r + k * STORE_ROUND_REPORT, &sent_ns[k]);
    }
    sync_all(st);
    size_t skip = (size_t)rate * (size_t)warmup_s / STORE_ROUND_REPORT;
    if (skip >= n)
        return 0;
    for (size_t k = skip; k < n; k++)
        lat_ms[k - skip] = (double)sent_ns[k] / 1e6;
    return n - skip;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double store_round_percentile(double *v, size_t n, int p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = n * (size_t)p / 100;
    return v[i < n ? i : n - 1];
}

void store_round_remove_db(const char *path)
{
    char side[1024];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}
