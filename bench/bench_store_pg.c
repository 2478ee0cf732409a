/*
 * The PostgreSQL store: readings per second through meterhub's writer
 * (append from another thread, queue, sort, binary COPY straight into
 * readings, the staging path only when a key exists, durable callbacks)
 * against a bare batched binary COPY of the same rows straight into the
 * same readings table, in transactions of the same size, alternating,
 * median ratio; and against the same bare COPY over two connections at
 * once (each transaction's rows split by meter into two halves, one per
 * connection, both committed before the next), as the writer does with
 * two writer connections; and the writer on one writer connection (one
 * transaction per batch) in the same rounds; a round resent whole (all
 * duplicates: the staging path); commit latency (append to callback) when
 * saturated and at a steady 20 k and 100 k readings/s. Query latency at
 * scale is bench_store_query's.
 *
 *   bench_store_pg [--uri URI] [--rounds N] [--relaxed] [--writers N]
 *     --uri      a PostgreSQL server (default $MH_TEST_PG_URI); the bench
 *                works in a schema of its own (mh_bench_PID), dropped at the end
 *     --relaxed  synchronous_commit = off for both sides (default on, as shipped)
 *     --writers  the writer's connections (store_options.writer_connections;
 *                default the store's, 2)
 */
#include <libpq-fe.h>
#include <pthread.h>
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
#include "pg_int.h"

#define METERS STORE_ROUND_METERS
#define INTERVALS STORE_ROUND_INTERVALS
#define ROUND_READINGS STORE_ROUND_READINGS
#define BATCH 262144
#define REPORT STORE_ROUND_REPORT
#define TICKETS STORE_ROUND_TICKETS
#define PACED_RATE 20000
#define PACED_RATE_HIGH 100000
#define PACED_SECONDS 6
#define WARMUP_SECONDS 1

/* One bare COPY connection: its rows of a transaction and its encoding buffer. */
struct bare_conn {
    PGconn *db;
    const struct store_reading **ptr;
    size_t n;
    char *copybuf;
    size_t copycap;
    pthread_t thread;
};

#define BARE_CONNS 2

struct bench_ctx {
    struct store *st, *st1;
    PGconn *db;
    struct store_reading *r;
    struct bare_conn bare[BARE_CONNS];
    int round;
    uint64_t *sent_ns;
    double *lat_ms;
    size_t n_lat;
};

static void must(int ok, const char *what, PGconn *db)
{
    if (!ok) {
        fprintf(stderr, "bench_store_pg: %s: %s\n", what, db ? PQerrorMessage(db) : "");
        exit(1);
    }
}

static void sql(PGconn *db, const char *text)
{
    PGresult *r = PQexec(db, text);
    must(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK, text, db);
    PQclear(r);
}

static void fill_round(struct bench_ctx *c)
{
    store_round_fill(c->r, c->round++);
}

/* COPY b's rows (arrival order) straight into readings in one transaction. */
static void bare_copy(struct bare_conn *b)
{
    long len = pg_copy_encode(b->ptr, NULL, b->n, 0, &b->copybuf, &b->copycap);
    must(len > 0, "encode", NULL);
    sql(b->db, "BEGIN");
    PGresult *res = PQexec(b->db, "COPY readings (meter_id, item, data_time, mantissa, exponent,"
                                  " quality, protocol, terminal_id, received_ms)"
                                  " FROM STDIN (FORMAT binary)");
    must(PQresultStatus(res) == PGRES_COPY_IN, "copy", b->db);
    PQclear(res);
    must(PQputCopyData(b->db, b->copybuf, (int)len) == 1 && PQputCopyEnd(b->db, NULL) == 1,
         "copy data", b->db);
    while ((res = PQgetResult(b->db)) != NULL) {
        must(PQresultStatus(res) == PGRES_COMMAND_OK, "copy end", b->db);
        PQclear(res);
    }
    sql(b->db, "COMMIT");
}

static void *bare_thread(void *arg)
{
    bare_copy(arg);
    return NULL;
}

/*
 * Baseline: the round in transactions of BATCH rows, each one bare COPY
 * on `conns` connections at once, a connection's share chosen by meter
 * (the lower meter ids on the first) so no two transactions touch one key.
 */
static void run_bare_on(struct bench_ctx *c, int conns)
{
    fill_round(c);
    for (size_t i = 0; i < ROUND_READINGS; i += BATCH) {
        size_t n = ROUND_READINGS - i < BATCH ? ROUND_READINGS - i : BATCH;
        for (int k = 0; k < conns; k++)
            c->bare[k].n = 0;
        for (size_t j = i; j < i + n; j++) {
            struct bare_conn *b = &c->bare[(c->r[j].meter - 1) * conns / METERS];
            b->ptr[b->n++] = &c->r[j];
        }
        for (int k = 1; k < conns; k++)
            must(pthread_create(&c->bare[k].thread, NULL, bare_thread, &c->bare[k]) == 0, "thread",
                 NULL);
        bare_copy(&c->bare[0]);
        for (int k = 1; k < conns; k++)
            pthread_join(c->bare[k].thread, NULL);
    }
}

static void run_bare(void *arg)
{
    run_bare_on(arg, 1);
}

static void run_bare2(void *arg)
{
    run_bare_on(arg, 2);
}

static void run_store(void *arg)
{
    struct bench_ctx *c = arg;
    fill_round(c);
    store_round_append("bench_store_pg", c->st, c->r, c->sent_ns);
    for (size_t k = 0; k < TICKETS; k++)
        c->lat_ms[c->n_lat++] = (double)c->sent_ns[k] / 1e6;
}

/* The writer with one writer connection (one transaction per batch), as a reference. */
static void run_store1(void *arg)
{
    struct bench_ctx *c = arg;
    fill_round(c);
    store_round_append("bench_store_pg", c->st1, c->r, c->sent_ns);
}

enum { BARE, BARE2, STORE, STORE1, SIDES };

/*
 * bench_compare over several sides: each round runs the bare COPY on one
 * connection, on two, the writer, and the writer on one connection, back
 * to back under the same load. rate[]: median readings/s of each side;
 * ratio[k]: the median over rounds of side num[k]'s rate / side den[k]'s.
 */
#define RATIOS 4
static const int num[RATIOS] = {STORE, STORE, STORE1, STORE};
static const int den[RATIOS] = {BARE, BARE2, BARE, STORE1};

static void compare_sides(struct bench_ctx *c, int rounds, double rate[SIDES], double ratio[RATIOS])
{
    void (*const side[SIDES])(void *) = {run_bare, run_bare2, run_store, run_store1};
    double *v = malloc(sizeof *v * (size_t)rounds * (SIDES + RATIOS));
    must(v != NULL, "out of memory", NULL);
    for (int i = 0; i < rounds; i++) {
        double r[SIDES];
        for (int k = 0; k < SIDES; k++) {
            uint64_t t0 = bench_now_ns();
            side[k](c);
            r[k] = ROUND_READINGS / ((double)(bench_now_ns() - t0 + 1) / 1e9);
            v[k * rounds + i] = r[k];
        }
        for (int k = 0; k < RATIOS; k++)
            v[(SIDES + k) * rounds + i] = r[num[k]] / r[den[k]];
    }
    for (int k = 0; k < SIDES + RATIOS; k++) {
        double m = bench_median(v + k * rounds, (size_t)rounds);
        if (k < SIDES)
            rate[k] = m;
        else
            ratio[k - SIDES] = m;
    }
    free(v);
}

static size_t run_paced(struct bench_ctx *c, int rate)
{
    fill_round(c);
    return store_round_paced("bench_store_pg", c->st, c->r, c->sent_ns, c->lat_ms, rate,
                             PACED_SECONDS, WARMUP_SECONDS);
}

int main(int argc, char **argv)
{
    const char *server = getenv("MH_TEST_PG_URI");
    int rounds = 5, relaxed = 0, writers = 0;
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "--uri") == 0 && i + 1 < argc) {
            server = argv[++i];
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 100000)
                return 2;
            rounds = (int)v;
        } else if (strcmp(argv[i], "--writers") == 0 && i + 1 < argc) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 8)
                return 2;
            writers = (int)v;
        } else if (strcmp(argv[i], "--relaxed") == 0) {
            relaxed = 1;
        } else {
            fputs("usage: bench_store_pg [--uri URI] [--rounds N] [--relaxed] [--writers N]\n",
                  stderr);
            return 2;
        }
    }
    if (!server || !*server) {
        fputs("bench_store_pg: no server: --uri or MH_TEST_PG_URI"
              " (eval \"$(scripts/pg-test-server.sh start)\")\n",
              stderr);
        return 2;
    }
    char uri[1024], schema[64];
    snprintf(schema, sizeof schema, "mh_bench_%d", (int)getpid());
    snprintf(uri, sizeof uri, "%s%soptions=-csearch_path%%3D%s", server,
             strchr(server, '?') ? "&" : "?", schema);

    struct bench_ctx c = {0};
    struct store_options opt = {
        .batch_max = BATCH, .relaxed_durability = relaxed, .writer_connections = writers};
    char err[256] = "";
    struct store_options opt1 = opt;
    opt1.writer_connections = 1;
    if (store_open(uri, &opt, &c.st, err, sizeof err) != 0 ||
        store_open(uri, &opt1, &c.st1, err, sizeof err) != 0) {
        fprintf(stderr, "bench_store_pg: %s\n", err);
        return 1;
    }
    c.db = PQconnectdb(uri);
    must(PQstatus(c.db) == CONNECTION_OK, "connect", c.db);
    sql(c.db, "SET client_min_messages = warning");
    for (int k = 0; k < BARE_CONNS; k++) {
        struct bare_conn *b = &c.bare[k];
        b->db = PQconnectdb(uri);
        must(PQstatus(b->db) == CONNECTION_OK, "connect", b->db);
        sql(b->db, relaxed ? "SET synchronous_commit = off" : "SET synchronous_commit = on");
        b->ptr = malloc(sizeof *b->ptr * BATCH);
        must(b->ptr != NULL, "out of memory", NULL);
    }
    _Static_assert(ROUND_READINGS >= BATCH, "a round holds a load batch");
    c.r = malloc(sizeof *c.r * ROUND_READINGS);
    c.sent_ns = malloc(sizeof *c.sent_ns * TICKETS);
    c.lat_ms = malloc(sizeof *c.lat_ms * TICKETS * (size_t)(rounds + 1));
    must(c.r && c.sent_ns && c.lat_ms, "out of memory", NULL);

    /* the months the rounds reach, for the bare side (the store makes its own) */
    char text[128];
    for (int m = 0; m < 3; m++) {
        snprintf(text, sizeof text, "SELECT mh_readings_partition(%lld)",
                 1795478400LL + (long long)m * 31 * 86400);
        sql(c.db, text);
    }

    run_bare(&c);
    run_bare2(&c);
    run_store(&c);
    run_store1(&c);
    c.n_lat = 0;
    double rate[SIDES], ratio[RATIOS];
    compare_sides(&c, rounds, rate, ratio);
    struct store_writer_stats ws;
    store_writer_stats(c.st, &ws);

    printf("# %d readings per round (%d meters x %d intervals), %d rounds, appends of %d, "
           "batches up to %d, writer connections %d, synchronous_commit=%s, PostgreSQL %d\n",
           ROUND_READINGS, METERS, INTERVALS, rounds, REPORT, BATCH,
           writers ? writers : PG_WRITERS_DEFAULT, relaxed ? "off" : "on", PQserverVersion(c.db));
    bench_report("pg_bare_copy", rate[BARE], "readings/s", -1);
    bench_report("pg_bare_copy_2conn", rate[BARE2], "readings/s", -1);
    bench_report("pg_store_writer_append", rate[STORE], "readings/s", ratio[0]);
    bench_report("pg_store_writer_append_vs_2conn", rate[STORE], "readings/s", ratio[1]);
    bench_report("pg_store_writer_append_1conn", rate[STORE1], "readings/s", ratio[2]);
    bench_report("pg_store_writer_append_vs_1conn", rate[STORE], "readings/s", ratio[3]);
    bench_report("pg_batch_mean_saturated", ws.batches ? (double)ws.stored / (double)ws.batches : 0,
                 "readings", -1);
    bench_report("pg_commit_latency_p50_saturated", store_round_percentile(c.lat_ms, c.n_lat, 50),
                 "ms", -1);
    bench_report("pg_commit_latency_p99_saturated", store_round_percentile(c.lat_ms, c.n_lat, 99),
                 "ms", -1);

    /*
     * A terminal resending what was stored: the last round again, every
     * reading a duplicate, through the staging path.
     */
    c.round--;
    uint64_t t0 = bench_now_ns();
    c.n_lat = 0;
    run_store(&c);
    bench_report("pg_store_resend_all_duplicates",
                 ROUND_READINGS / ((double)(bench_now_ns() - t0) / 1e9), "readings/s", -1);

    char name[64];
    static const int rates[] = {PACED_RATE, PACED_RATE_HIGH};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        size_t n = run_paced(&c, rates[i]);
        snprintf(name, sizeof name, "pg_commit_latency_p50_at_%dk/s", rates[i] / 1000);
        bench_report(name, store_round_percentile(c.lat_ms, n, 50), "ms", -1);
        snprintf(name, sizeof name, "pg_commit_latency_p99_at_%dk/s", rates[i] / 1000);
        bench_report(name, store_round_percentile(c.lat_ms, n, 99), "ms", -1);
    }

    store_close(c.st);
    store_close(c.st1);
    snprintf(text, sizeof text, "DROP SCHEMA %s CASCADE", schema);
    sql(c.db, text);
    PQfinish(c.db);
    for (int k = 0; k < BARE_CONNS; k++) {
        PQfinish(c.bare[k].db);
        free(c.bare[k].ptr);
        free(c.bare[k].copybuf);
    }
    free(c.r);
    free(c.sent_ns);
    free(c.lat_ms);
    return 0;
}
