/*
 * Readings per second through the store's writer (append from another
 * thread, queue, batched transactions, idempotent insert, durable
 * callbacks) against a bare prepared INSERT into the same table of the
 * same file in transactions of the same size, alternating, median ratio.
 * Also the commit latency a front-end sees: append to callback, p50/p99.
 *
 * Each round stores ROUND_READINGS new readings: METERS meters report
 * interval after interval (the order a station receives them), so inserts
 * land all over the key space as they do in production, and the table
 * grows through the run for both sides alike.
 *
 *   bench_store [--dir DIR] [--rounds N] [--relaxed]
 *     --dir      where the database file goes (default $TMPDIR or /tmp)
 *     --relaxed  synchronous=NORMAL for both sides (default FULL, as shipped)
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"
#include "meterhub/store.h"
#include "store_round.h"

#define METERS STORE_ROUND_METERS
#define INTERVALS STORE_ROUND_INTERVALS
#define ROUND_READINGS STORE_ROUND_READINGS
#define BATCH 262144
#define REPORT STORE_ROUND_REPORT
#define TICKETS STORE_ROUND_TICKETS

struct bench_ctx {
    struct store *st;
    sqlite3 *db;
    sqlite3_stmt *ins;
    struct store_reading *r;
    int round; /* shared by both sides: every call stores new keys */
    /* latency of the subject's tickets, all rounds */
    uint64_t *sent_ns;
    double *lat_ms;
    size_t n_lat;
};

static void fill_round(struct bench_ctx *c)
{
    store_round_fill(c->r, c->round++);
}

static void must(int ok, const char *what, sqlite3 *db)
{
    if (!ok) {
        fprintf(stderr, "bench_store: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
        exit(1);
    }
}

/* Baseline: bind and step a prepared plain INSERT, COMMIT every BATCH rows. */
static void run_bare(void *arg)
{
    struct bench_ctx *c = arg;
    fill_round(c);
    for (size_t i = 0; i < ROUND_READINGS; i++) {
        if (i % BATCH == 0)
            must(sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK, "begin",
                 c->db);
        const struct store_reading *r = &c->r[i];
        sqlite3_bind_int64(c->ins, 1, r->meter);
        sqlite3_bind_int64(c->ins, 2, r->item);
        sqlite3_bind_int64(c->ins, 3, r->t);
        sqlite3_bind_int64(c->ins, 4, r->value.m);
        sqlite3_bind_int(c->ins, 5, r->value.exp);
        sqlite3_bind_int(c->ins, 6, r->quality);
        sqlite3_bind_int(c->ins, 7, r->protocol);
        sqlite3_bind_int64(c->ins, 8, r->terminal);
        sqlite3_bind_int64(c->ins, 9, r->received_ms);
        must(sqlite3_step(c->ins) == SQLITE_DONE, "insert", c->db);
        sqlite3_reset(c->ins);
        if (i % BATCH == BATCH - 1 || i + 1 == ROUND_READINGS)
            must(sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK, "commit", c->db);
    }
}

/* Subject: append reports of REPORT readings, then wait for the last commit. */
static void run_store(void *arg)
{
    struct bench_ctx *c = arg;
    fill_round(c);
    store_round_append("bench_store", c->st, c->r, c->sent_ns);
    for (size_t k = 0; k < TICKETS; k++)
        c->lat_ms[c->n_lat++] = (double)c->sent_ns[k] / 1e6;
}

/*
 * Commit latency at a steady load below capacity, as a station sees it:
 * PACED_RATE readings/s in reports of REPORT for PACED_SECONDS, the first
 * WARMUP_SECONDS not counted (the checkpoint of what the saturated rounds
 * left in the WAL is still running then). The latency under saturation
 * (the comparison above) is mostly queueing.
 */
#define PACED_RATE 20000
#define PACED_SECONDS 6
#define WARMUP_SECONDS 1

static size_t run_paced(struct bench_ctx *c)
{
    fill_round(c);
    return store_round_paced("bench_store", c->st, c->r, c->sent_ns, c->lat_ms, PACED_RATE,
                             PACED_SECONDS, WARMUP_SECONDS);
}

/*
 * The engine's own ceiling on this machine, for scale: 1M rows generated
 * inside SQLite (no binding, no steps from C) and inserted in key order,
 * each new meter's rows after the last one's, in one transaction: no
 * B-tree search is ever far, every page is written once. Readings do not
 * arrive like that; the comparison above is the figure that matters.
 */
static double run_ceiling(sqlite3 *db)
{
    uint64_t t0 = bench_now_ns();
    must(sqlite3_exec(db,
                      "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c"
                      " WHERE x < 999999) INSERT INTO readings (meter_id, item, data_time,"
                      " mantissa, exponent, quality, protocol, terminal_id, received_ms)"
                      " SELECT 100000000 + x / 96, 16844800, 1795478400 + x % 96 * 900, x, -2,"
                      " 0, 0, 1, 0 FROM c",
                      NULL, NULL, NULL) == SQLITE_OK,
         "ceiling", db);
    return 1e6 / ((double)(bench_now_ns() - t0) / 1e9);
}

static void pragmas(sqlite3 *db, int relaxed)
{
    /* the store's own settings (src/store/sqlite/sqlite_db.c), so only the code path differs */
    must(sqlite3_exec(db, relaxed ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL",
                      NULL, NULL, NULL) == SQLITE_OK &&
             sqlite3_exec(db,
                          "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 16384;"
                          "PRAGMA cache_size = -131072; PRAGMA busy_timeout = 10000",
                          NULL, NULL, NULL) == SQLITE_OK,
         "pragmas", db);
}

int main(int argc, char **argv)
{
    const char *dir = getenv("TMPDIR");
    int rounds = 5, relaxed = 0;
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1000)
                return 2;
            rounds = (int)v;
        } else if (strcmp(argv[i], "--relaxed") == 0) {
            relaxed = 1;
        } else {
            fputs("usage: bench_store [--dir DIR] [--rounds N] [--relaxed]\n", stderr);
            return 2;
        }
    }
    char path[512];
    snprintf(path, sizeof path, "%s/bench_store-%d.db", dir && *dir ? dir : "/tmp", (int)getpid());

    struct bench_ctx c = {0};
    struct store_options opt = {.batch_max = BATCH, /* the default queue */
                                .relaxed_durability = relaxed};
    char err[256] = "";
    if (store_open(path, &opt, &c.st, err, sizeof err) != 0) {
        fprintf(stderr, "bench_store: %s\n", err);
        return 1;
    }
    must(sqlite3_open(path, &c.db) == SQLITE_OK, path, c.db);
    pragmas(c.db, relaxed);
    must(sqlite3_prepare_v2(c.db,
                            "INSERT INTO readings (meter_id, item, data_time, mantissa, exponent,"
                            " quality, protocol, terminal_id, received_ms)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                            -1, &c.ins, NULL) == SQLITE_OK,
         "prepare", c.db);
    c.r = malloc(sizeof *c.r * ROUND_READINGS);
    c.sent_ns = malloc(sizeof *c.sent_ns * TICKETS);
    c.lat_ms = malloc(sizeof *c.lat_ms * TICKETS * (size_t)(rounds + 1));
    _Static_assert((size_t)PACED_RATE * PACED_SECONDS / REPORT <= TICKETS, "paced run fits");
    must(c.r && c.sent_ns && c.lat_ms, "out of memory", NULL);

    /* one untimed round each: the file and the caches warm up */
    run_bare(&c);
    run_store(&c);
    c.n_lat = 0;
    double base_rate = 0, store_rate = 0;
    double ratio =
        bench_compare(run_bare, &c, run_store, &c, ROUND_READINGS, rounds, &base_rate, &store_rate);
    struct store_writer_stats ws;
    store_writer_stats(c.st, &ws);

    printf("# %d readings per round (%d meters x %d intervals), %d rounds, appends of %d, "
           "batches up to %d, synchronous=%s, %s\n",
           ROUND_READINGS, METERS, INTERVALS, rounds, REPORT, BATCH, relaxed ? "NORMAL" : "FULL",
           path);
    bench_report("store_bare_prepared_insert", base_rate, "readings/s", -1);
    bench_report("store_writer_append", store_rate, "readings/s", ratio);
    bench_report("store_batch_mean_saturated",
                 ws.batches ? (double)ws.stored / (double)ws.batches : 0, "readings", -1);
    bench_report("store_commit_latency_p50_saturated",
                 store_round_percentile(c.lat_ms, c.n_lat, 50), "ms", -1);
    bench_report("store_commit_latency_p99_saturated",
                 store_round_percentile(c.lat_ms, c.n_lat, 99), "ms", -1);

    bench_report("sqlite_sequential_insert_ceiling", run_ceiling(c.db), "readings/s", -1);

    size_t n = run_paced(&c);
    char name[64];
    snprintf(name, sizeof name, "store_commit_latency_p50_at_%dk/s", PACED_RATE / 1000);
    bench_report(name, store_round_percentile(c.lat_ms, n, 50), "ms", -1);
    snprintf(name, sizeof name, "store_commit_latency_p99_at_%dk/s", PACED_RATE / 1000);
    bench_report(name, store_round_percentile(c.lat_ms, n, 99), "ms", -1);
    snprintf(name, sizeof name, "store_commit_latency_max_at_%dk/s", PACED_RATE / 1000);
    bench_report(name, store_round_percentile(c.lat_ms, n, 100), "ms", -1);

    sqlite3_finalize(c.ins);
    sqlite3_close(c.db);
    store_close(c.st);
    free(c.r);
    free(c.sent_ns);
    free(c.lat_ms);
    store_round_remove_db(path);
    return 0;
}
