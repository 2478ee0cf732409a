/*
 * The PostgreSQL store: readings per second through meterhub's writer
 * (append from another thread, queue, binary COPY into the staging table,
 * INSERT ... ON CONFLICT with duplicate and conflict counting, durable
 * callbacks) against a bare batched binary COPY of the same rows straight
 * into the same readings table, in transactions of the same size,
 * alternating, median ratio; a round resent whole (all duplicates: the
 * staging path); commit latency (append to callback) when saturated and
 * at a steady 20 k and 100 k readings/s; then query latency on a
 * month of 15-minute curves: one meter's month through
 * store_readings_range, and an area's daily totals (SQL: the store
 * interface has no call for it yet).
 *
 *   bench_store_pg [--uri URI] [--rounds N] [--relaxed] [--query-meters N]
 *     --uri      a PostgreSQL server (default $MH_TEST_PG_URI); the bench
 *                works in a schema of its own (mh_bench_PID), dropped at the end
 *     --relaxed  synchronous_commit = off for both sides (default on, as shipped)
 *     --query-meters  meters with a month of curve for the queries (default 1000,
 *                in areas of 100: 2.98 M readings)
 */
#include <libpq-fe.h>
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

#define Q_METER0 1000000 /* query data set: meters Q_METER0 + 1 .. */
#define Q_AREA_METERS 100
#define Q_MONTH 1759276800LL /* 2025-10-01T00:00Z, 31 days */
#define Q_DAYS 31
#define Q_PER_DAY 96
#define Q_RUNS 50

struct bench_ctx {
    struct store *st;
    PGconn *db;
    struct store_reading *r;
    const struct store_reading **ptr;
    char *copybuf;
    size_t copycap;
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

/* COPY n readings (arrival order) straight into readings in one transaction. */
static void bare_copy(struct bench_ctx *c, const struct store_reading *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        c->ptr[i] = &r[i];
    long len = pg_copy_encode(c->ptr, NULL, n, 0, &c->copybuf, &c->copycap);
    must(len > 0, "encode", NULL);
    sql(c->db, "BEGIN");
    PGresult *res = PQexec(c->db, "COPY readings (meter_id, item, data_time, mantissa, exponent,"
                                  " quality, protocol, terminal_id, received_ms)"
                                  " FROM STDIN (FORMAT binary)");
    must(PQresultStatus(res) == PGRES_COPY_IN, "copy", c->db);
    PQclear(res);
    must(PQputCopyData(c->db, c->copybuf, (int)len) == 1 && PQputCopyEnd(c->db, NULL) == 1,
         "copy data", c->db);
    while ((res = PQgetResult(c->db)) != NULL) {
        must(PQresultStatus(res) == PGRES_COMMAND_OK, "copy end", c->db);
        PQclear(res);
    }
    sql(c->db, "COMMIT");
}

/* Baseline: the round in transactions of BATCH rows, each one bare COPY. */
static void run_bare(void *arg)
{
    struct bench_ctx *c = arg;
    fill_round(c);
    for (size_t i = 0; i < ROUND_READINGS; i += BATCH)
        bare_copy(c, c->r + i, ROUND_READINGS - i < BATCH ? ROUND_READINGS - i : BATCH);
}

static void run_store(void *arg)
{
    struct bench_ctx *c = arg;
    fill_round(c);
    store_round_append("bench_store_pg", c->st, c->r, c->sent_ns);
    for (size_t k = 0; k < TICKETS; k++)
        c->lat_ms[c->n_lat++] = (double)c->sent_ns[k] / 1e6;
}

static size_t run_paced(struct bench_ctx *c, int rate)
{
    fill_round(c);
    return store_round_paced("bench_store_pg", c->st, c->r, c->sent_ns, c->lat_ms, rate,
                             PACED_SECONDS, WARMUP_SECONDS);
}

/* The query data set: areas of Q_AREA_METERS meters, a month of 15-minute increments each. */
static void load_month(struct bench_ctx *c, int meters)
{
    char text[512];
    snprintf(text, sizeof text,
             "INSERT INTO areas (id, code, region) SELECT a, 'QA' || a, 369"
             " FROM generate_series(1, %d) a;"
             "INSERT INTO meters (id, address, protocol, phases, ct, pt, rated_voltage_v,"
             " contract_w, tariff, pv, pv_peak_w, area_id, area_meter)"
             " SELECT %d + m, 300000000000 + m, 0, 1, 1, 1, 220, 8000, 'TOU4', 0, 0,"
             " (m - 1) / %d + 1, 0 FROM generate_series(1, %d) m;"
             "SELECT mh_readings_partition(%lld)",
             meters / Q_AREA_METERS, Q_METER0, Q_AREA_METERS, meters, (long long)Q_MONTH);
    sql(c->db, text);
    size_t k = 0;
    for (int m = 1; m <= meters; m++)
        for (int i = 0; i < Q_DAYS * Q_PER_DAY; i++) {
            struct store_reading *r = &c->r[k++];
            r->meter = Q_METER0 + m;
            r->item = MH_ITEM_AE_IMP_INC;
            r->t = Q_MONTH + (int64_t)i * 900;
            r->value = mh_dec_make(10 + (m * 31 + i) % 50, -2);
            r->quality = STORE_Q_VALID;
            r->protocol = 0;
            r->terminal = 1;
            r->received_ms = r->t * 1000 + 30000;
            if (k == BATCH) {
                bare_copy(c, c->r, k);
                k = 0;
            }
        }
    if (k)
        bare_copy(c, c->r, k);
    sql(c->db, "ANALYZE readings");
}

static void run_queries(struct bench_ctx *c, int meters)
{
    double lat[Q_RUNS];
    struct store_reading *out = malloc(sizeof *out * Q_DAYS * Q_PER_DAY);
    must(out != NULL, "out of memory", NULL);
    for (int i = 0; i < Q_RUNS; i++) {
        int64_t meter = Q_METER0 + 1 + (i * 7919) % meters;
        uint64_t t0 = bench_now_ns();
        int n = store_readings_range(c->st, meter, MH_ITEM_AE_IMP_INC, Q_MONTH,
                                     Q_MONTH + Q_DAYS * 86400LL, out, Q_DAYS * Q_PER_DAY);
        lat[i] = (double)(bench_now_ns() - t0) / 1e6;
        must(n == Q_DAYS * Q_PER_DAY, "a meter's month", NULL);
    }
    bench_report("query_meter_month_curve_p50", store_round_percentile(lat, Q_RUNS, 50), "ms", -1);
    bench_report("query_meter_month_curve_p99", store_round_percentile(lat, Q_RUNS, 99), "ms", -1);
    free(out);

    char text[64];
    snprintf(text, sizeof text, "%u", MH_ITEM_AE_IMP_INC);
    PGresult *p =
        PQprepare(c->db, "area_days",
                  /* exact: integer sums per day and exponent (one exponent per item in practice) */
                  "SELECT r.data_time / 86400 AS day, r.exponent, sum(r.mantissa)"
                  " FROM meters m JOIN readings r ON r.meter_id = m.id"
                  " WHERE m.area_id = $1 AND m.active = 1 AND r.item = $2"
                  " AND r.data_time >= $3 AND r.data_time < $4 GROUP BY 1, 2 ORDER BY 1, 2",
                  4, NULL);
    must(PQresultStatus(p) == PGRES_COMMAND_OK, "prepare", c->db);
    PQclear(p);
    int areas = meters / Q_AREA_METERS;
    char area[24], from[24], to[24];
    snprintf(from, sizeof from, "%lld", (long long)Q_MONTH);
    snprintf(to, sizeof to, "%lld", (long long)(Q_MONTH + Q_DAYS * 86400LL));
    for (int i = 0; i < Q_RUNS; i++) {
        snprintf(area, sizeof area, "%d", 1 + i % areas);
        const char *v[4] = {area, text, from, to};
        uint64_t t0 = bench_now_ns();
        p = PQexecPrepared(c->db, "area_days", 4, v, NULL, NULL, 0);
        lat[i] = (double)(bench_now_ns() - t0) / 1e6;
        must(PQresultStatus(p) == PGRES_TUPLES_OK && PQntuples(p) == Q_DAYS, "area days", c->db);
        PQclear(p);
    }
    bench_report("query_area_daily_totals_month_p50", store_round_percentile(lat, Q_RUNS, 50), "ms",
                 -1);
    bench_report("query_area_daily_totals_month_p99", store_round_percentile(lat, Q_RUNS, 99), "ms",
                 -1);
}

int main(int argc, char **argv)
{
    const char *server = getenv("MH_TEST_PG_URI");
    int rounds = 5, relaxed = 0, qmeters = 1000;
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "--uri") == 0 && i + 1 < argc) {
            server = argv[++i];
        } else if ((strcmp(argv[i], "--rounds") == 0 || strcmp(argv[i], "--query-meters") == 0) &&
                   i + 1 < argc) {
            int *dst = argv[i][2] == 'r' ? &rounds : &qmeters;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 100000)
                return 2;
            *dst = (int)v;
        } else if (strcmp(argv[i], "--relaxed") == 0) {
            relaxed = 1;
        } else {
            fputs("usage: bench_store_pg [--uri URI] [--rounds N] [--relaxed] [--query-meters N]\n",
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
    qmeters = qmeters < Q_AREA_METERS ? Q_AREA_METERS : qmeters / Q_AREA_METERS * Q_AREA_METERS;
    char uri[1024], schema[64];
    snprintf(schema, sizeof schema, "mh_bench_%d", (int)getpid());
    snprintf(uri, sizeof uri, "%s%soptions=-csearch_path%%3D%s", server,
             strchr(server, '?') ? "&" : "?", schema);

    struct bench_ctx c = {0};
    struct store_options opt = {.batch_max = BATCH, .relaxed_durability = relaxed};
    char err[256] = "";
    if (store_open(uri, &opt, &c.st, err, sizeof err) != 0) {
        fprintf(stderr, "bench_store_pg: %s\n", err);
        return 1;
    }
    c.db = PQconnectdb(uri);
    must(PQstatus(c.db) == CONNECTION_OK, "connect", c.db);
    sql(c.db, relaxed ? "SET synchronous_commit = off" : "SET synchronous_commit = on");
    sql(c.db, "SET client_min_messages = warning");
    _Static_assert(ROUND_READINGS >= BATCH, "a round holds a load batch");
    c.r = malloc(sizeof *c.r * ROUND_READINGS);
    c.ptr = malloc(sizeof *c.ptr * ROUND_READINGS);
    c.sent_ns = malloc(sizeof *c.sent_ns * TICKETS);
    c.lat_ms = malloc(sizeof *c.lat_ms * TICKETS * (size_t)(rounds + 1));
    must(c.r && c.ptr && c.sent_ns && c.lat_ms, "out of memory", NULL);

    /* the months the rounds reach, for the bare side (the store makes its own) */
    char text[128];
    for (int m = 0; m < 3; m++) {
        snprintf(text, sizeof text, "SELECT mh_readings_partition(%lld)",
                 1795478400LL + (long long)m * 31 * 86400);
        sql(c.db, text);
    }

    run_bare(&c);
    run_store(&c);
    c.n_lat = 0;
    double base_rate = 0, store_rate = 0;
    double ratio =
        bench_compare(run_bare, &c, run_store, &c, ROUND_READINGS, rounds, &base_rate, &store_rate);
    struct store_writer_stats ws;
    store_writer_stats(c.st, &ws);

    printf("# %d readings per round (%d meters x %d intervals), %d rounds, appends of %d, "
           "batches up to %d, synchronous_commit=%s, PostgreSQL %d\n",
           ROUND_READINGS, METERS, INTERVALS, rounds, REPORT, BATCH, relaxed ? "off" : "on",
           PQserverVersion(c.db));
    bench_report("pg_bare_copy", base_rate, "readings/s", -1);
    bench_report("pg_store_writer_append", store_rate, "readings/s", ratio);
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

    printf("# queries: %d meters in areas of %d, a month of 15-minute increments each"
           " (%d readings)\n",
           qmeters, Q_AREA_METERS, qmeters * Q_DAYS * Q_PER_DAY);
    load_month(&c, qmeters);
    run_queries(&c, qmeters);

    store_close(c.st);
    snprintf(text, sizeof text, "DROP SCHEMA %s CASCADE", schema);
    sql(c.db, text);
    PQfinish(c.db);
    free(c.r);
    free(c.ptr);
    free(c.sent_ns);
    free(c.lat_ms);
    free(c.copybuf);
    return 0;
}
