/*
 * Query latency of the store at a utility's scale: 1,000,000 meters in the
 * archive, on either backend, through the store interface:
 *   (a) one meter's month of 15-minute curve (store_readings_range),
 *   (b) an area's daily totals for a month (store_area_daily_totals),
 *   (c) a day's missing data, every page of it (store_readings_missing).
 * (a) and (b) alternate with a baseline: the same rows by bare SQL on a
 * connection of the bench's own (for (b) the differences summed by the
 * database: a self-join of the freezes, GROUP BY day); the ratio is the
 * baseline's latency over the store's.
 *
 * The data set: meters in transformer areas of 100 (one concentrator
 * each, pn 1..100), every meter with a month of daily frozen import
 * registers (32 freezes, 0.5 % of them never collected: the missing data),
 * and the first --curve-meters also with the month's 15-minute increments.
 * A month of curves for every meter would be 3 billion rows; the sample
 * gives the curve query a table and key of realistic depth.
 *
 * The archive is inserted with SQL; the readings go through the store's
 * writer, meter by meter (key order: the fastest fill, and the layout a
 * closed month has once clustered; the cost of arrival-order ingest is
 * bench_store's and bench_store_pg's). The filled database is kept and
 * reused by later runs with the same sizes: an SQLite file in --dir, a
 * PostgreSQL schema mh_query_<meters>_<curve meters> (--drop removes it).
 *
 *   bench_store_query [--backend sqlite|postgres] [--uri URI] [--dir DIR]
 *                     [--meters N] [--curve-meters N] [--runs N] [--drop]
 *     --uri   PostgreSQL server (default $MH_TEST_PG_URI)
 *     --dir   where the SQLite file is kept (default $TMPDIR or /tmp)
 */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"
#include "meterhub/store.h"
#include "store_round.h"

#define AREA_METERS 100
#define F0 1759334400LL /* 2025-10-01T16:00Z: the freeze closing 30 Sep, UTC+8 */
#define DAYS 31
#define PER_DAY 96
#define CHUNK 500 /* readings per append: one concentrator's report */

struct qb {
    int pg; /* 0: SQLite */
    struct store *st;
    sqlite3 *sq;
    PGconn *pc;
    int meters, curve_meters, runs;
    double *lat, *base; /* the subject's and the baseline's latencies, ms */
    sqlite3_stmt *bare_sq[2];
};

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_store_query: %s: %s\n", what, why);
    exit(1);
}

/* Run SQL text on the side connection; 0 or -1 (quiet: the caller expects failures). */
static int side(struct qb *b, const char *text, int quiet)
{
    if (b->pg) {
        PGresult *r = PQexec(b->pc, text);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        if (!ok && !quiet)
            die(text, PQerrorMessage(b->pc));
        PQclear(r);
        return ok ? 0 : -1;
    }
    char *msg = NULL;
    int rc = sqlite3_exec(b->sq, text, NULL, NULL, &msg);
    if (rc != SQLITE_OK && !quiet)
        die(text, msg ? msg : "?");
    sqlite3_free(msg);
    return rc == SQLITE_OK ? 0 : -1;
}

/* 0.5 % of the freezes were never collected, spread over meters and days. */
static int never_collected(int m, int d)
{
    return ((uint64_t)m * 2654435761u + (uint64_t)d * 97u) % 200 == 0;
}

/* The import register of meter m frozen at the end of day d - 1: rising by 5.00 .. 12.99 kWh a day.
 */
static int64_t register_at(int m, int d)
{
    return 100000 + (int64_t)(m % 1000) * 100 + (int64_t)d * (500 + m % 800);
}

/* The archive: areas QA1.., one concentrator each, meters 1..N at pn 1..100. */
static void fill_archive(struct qb *b)
{
    char series[160], text[1024];
    int areas = b->meters / AREA_METERS;
    /* rows 1..n: PostgreSQL's generate_series, SQLite's recursive CTE */
#define SERIES(n)                                                                                  \
    (b->pg ? snprintf(series, sizeof series, "generate_series(1, %d) AS s(x)", (n))                \
           : snprintf(series, sizeof series,                                                       \
                      "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c"            \
                      " WHERE x < %d) SELECT x FROM c) AS s",                                      \
                      (n)))
    SERIES(areas);
    snprintf(text, sizeof text,
             "INSERT INTO areas (id, code, region) SELECT x, 'QA' || x, 369 FROM %s;"
             "INSERT INTO terminals (id, region, address, kind, protocol, channel_group)"
             " SELECT x, 369, 'T' || x, 0, 0, 'G1' FROM %s",
             series, series);
    side(b, text, 0);
    SERIES(b->meters);
    snprintf(text, sizeof text,
             "INSERT INTO meters (id, address, protocol, phases, ct, pt, rated_voltage_v,"
             " contract_w, tariff, pv, pv_peak_w, area_id, area_meter)"
             " SELECT x, 300000000000 + x, 0, 1, 1, 1, 220, 8000, 'TOU4', 0, 0,"
             " (x - 1) / %d + 1, 0 FROM %s;"
             "INSERT INTO points (terminal_id, pn, meter_id)"
             " SELECT (x - 1) / %d + 1, (x - 1) %% %d + 1, x FROM %s",
             AREA_METERS, series, AREA_METERS, AREA_METERS, series);
    side(b, text, 0);
#undef SERIES
}

struct feed {
    struct store *st;
    struct store_reading buf[CHUNK];
    size_t n;
    uint64_t total;
};

static void feed_flush(struct feed *f)
{
    if (f->n == 0)
        return;
    int rc = store_readings_append(f->st, f->buf, f->n, 600000, NULL, NULL);
    if (rc != 0)
        die("append", mh_strerror(rc));
    f->total += f->n;
    f->n = 0;
}

static void feed(struct feed *f, int m, uint32_t item, int64_t t, int64_t mantissa)
{
    struct store_reading *r = &f->buf[f->n++];
    memset(r, 0, sizeof *r);
    r->meter = m;
    r->item = item;
    r->t = t;
    r->value = mh_dec_make(mantissa, -2);
    r->quality = STORE_Q_VALID;
    r->terminal = (m - 1) / AREA_METERS + 1;
    r->received_ms = t * 1000 + 30000;
    if (f->n == CHUNK)
        feed_flush(f);
}

/* Every reading through the writer, meter by meter; returns their number. */
static uint64_t fill_readings(struct qb *b)
{
    static struct feed f;
    f.st = b->st;
    for (int m = 1; m <= b->meters; m++) {
        for (int d = 0; d <= DAYS; d++)
            if (!never_collected(m, d))
                feed(&f, m, MH_ITEM_AE_IMP, F0 + d * 86400LL, register_at(m, d));
        for (int i = 0; m <= b->curve_meters && i < DAYS * PER_DAY; i++)
            feed(&f, m, MH_ITEM_AE_IMP_INC, F0 + i * 900LL, 1 + (m * 31 + i) % 50);
    }
    feed_flush(&f);
    int rc = store_readings_sync(b->st, 3600 * 1000);
    if (rc != 0)
        die("sync", mh_strerror(rc));
    return f.total;
}

/* Fill unless a previous run left the same data set complete. */
static void ensure_filled(struct qb *b)
{
    char text[160];
    snprintf(text, sizeof text, "SELECT 1 FROM mh_bench_fill WHERE meters = %d AND curve = %d",
             b->meters, b->curve_meters);
    if (side(b, text, 1) == 0) {
        printf("# reusing the filled database\n");
        return;
    }
    uint64_t t0 = bench_now_ns();
    fill_archive(b);
    uint64_t n = fill_readings(b);
    /* PostgreSQL's bare ANALYZE would read every schema of the database */
    side(b, b->pg ? "ANALYZE areas, terminals, meters, points, readings" : "ANALYZE", 0);
    snprintf(text, sizeof text,
             "CREATE TABLE mh_bench_fill (meters integer, curve integer);"
             "INSERT INTO mh_bench_fill VALUES (%d, %d)",
             b->meters, b->curve_meters);
    side(b, text, 0);
    double s = (double)(bench_now_ns() - t0) / 1e9;
    printf("# filled %llu readings in %.0f s\n", (unsigned long long)n, s);
    bench_report("fill_readings_through_writer", (double)n / s, "readings/s", -1);
}

/*
 * p50 and p99 of the subject (b->lat) and, when with_base, of the baseline
 * (b->base); the subject's ratio is the baseline's latency over its own.
 */
static void report(struct qb *b, const char *what, size_t n, int with_base)
{
    static const int pct[2] = {50, 99};
    for (int k = 0; k < 2; k++) {
        char name[96];
        double v = store_round_percentile(b->lat, n, pct[k]), base = -1;
        if (with_base) {
            base = store_round_percentile(b->base, n, pct[k]);
            snprintf(name, sizeof name, "%s_bare_sql_%s_p%d", b->pg ? "pg" : "sqlite", what,
                     pct[k]);
            bench_report(name, base, "ms", -1);
        }
        snprintf(name, sizeof name, "%s_%s_p%d", b->pg ? "pg" : "sqlite", what, pct[k]);
        bench_report(name, v, "ms", with_base ? base / v : -1);
    }
}

/*
 * The baselines: the same rows by bare SQL on the side connection, no
 * store in between. Parameters $1.. in order of first use, which SQLite
 * numbers the same way.
 */
enum { BARE_CURVE, BARE_AREA };
static const char *const bare_sql[2] = {
    [BARE_CURVE] = "SELECT data_time, mantissa, exponent, quality, protocol, terminal_id,"
                   " received_ms FROM readings WHERE meter_id = $1 AND item = $2"
                   " AND data_time >= $3 AND data_time < $4 ORDER BY data_time",
    /* every value has exponent -2 here: the sum of mantissas is exact */
    [BARE_AREA] = "SELECT b.data_time, sum(b.mantissa - a.mantissa), count(*) FROM areas ar"
                  " JOIN meters m ON ar.code = $1 AND m.area_id = ar.id AND m.active = 1"
                  " AND m.area_meter = 0 JOIN readings a ON a.meter_id = m.id AND a.item = $2"
                  " AND a.data_time >= $3 AND a.data_time < $4 AND (a.data_time - $3) % 86400 = 0"
                  " JOIN readings b ON b.meter_id = m.id AND b.item = a.item"
                  " AND b.data_time = a.data_time + 86400 GROUP BY b.data_time ORDER BY 1",
};

/* Run bare query q with (text, int, int, int) or (int, int, int, int); returns the row count. */
static int bare(struct qb *b, int q, const char *text, const int64_t *arg)
{
    if (b->pg) {
        char v[4][24];
        const char *vp[4];
        for (int i = 0; i < 4; i++) {
            snprintf(v[i], sizeof v[i], "%lld", (long long)arg[i]);
            vp[i] = v[i];
        }
        if (text)
            vp[0] = text;
        static const char *const names[2] = {"bare_curve", "bare_area"};
        PGresult *r = PQexecPrepared(b->pc, names[q], 4, vp, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            die(bare_sql[q], PQerrorMessage(b->pc));
        int n = PQntuples(r), cols = PQnfields(r);
        uint64_t sum = 0; /* every value read, as the store reads them */
        for (int i = 0; i < n; i++)
            for (int c = 0; c < cols; c++)
                sum += (uint64_t)strtoll(PQgetvalue(r, i, c), NULL, 10);
        bench_sink(sum);
        PQclear(r);
        return n;
    }
    sqlite3_stmt *st = b->bare_sq[q];
    for (int i = 0; i < 4; i++)
        sqlite3_bind_int64(st, i + 1, arg[i]);
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    int n = 0, rc, cols = sqlite3_column_count(st);
    uint64_t sum = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < cols; c++)
            sum += (uint64_t)sqlite3_column_int64(st, c);
        n++;
    }
    bench_sink(sum);
    if (rc != SQLITE_DONE)
        die(bare_sql[q], sqlite3_errmsg(b->sq));
    sqlite3_reset(st);
    return n;
}

static void bare_prepare(struct qb *b)
{
    static const char *const names[2] = {"bare_curve", "bare_area"};
    for (int q = 0; q < 2; q++) {
        if (b->pg) {
            PGresult *r = PQprepare(b->pc, names[q], bare_sql[q], 0, NULL);
            if (PQresultStatus(r) != PGRES_COMMAND_OK)
                die(bare_sql[q], PQerrorMessage(b->pc));
            PQclear(r);
        } else if (sqlite3_prepare_v2(b->sq, bare_sql[q], -1, &b->bare_sq[q], NULL) != SQLITE_OK) {
            die(bare_sql[q], sqlite3_errmsg(b->sq));
        }
    }
}

static double since_ms(uint64_t t0)
{
    return (double)(bench_now_ns() - t0) / 1e6;
}

static void run_queries(struct qb *b)
{
    static struct store_reading curve[DAYS * PER_DAY];
    bare_prepare(b);
    /* alternating: the baseline on one meter, then the store on another of the same kind */
    for (int i = 0; b->curve_meters > 0 && i < b->runs; i++) {
        int64_t meter = 1 + (int64_t)(i * 7919LL % b->curve_meters);
        const int64_t arg[4] = {1 + (meter % b->curve_meters), MH_ITEM_AE_IMP_INC, F0,
                                F0 + DAYS * 86400LL};
        uint64_t t0 = bench_now_ns();
        int nb = bare(b, BARE_CURVE, NULL, arg);
        b->base[i] = since_ms(t0);
        t0 = bench_now_ns();
        int n = store_readings_range(b->st, meter, MH_ITEM_AE_IMP_INC, F0, F0 + DAYS * 86400LL,
                                     curve, DAYS * PER_DAY);
        b->lat[i] = since_ms(t0);
        if (n != DAYS * PER_DAY || nb != n)
            die("a meter's month of curve", n < 0 ? mh_strerror(n) : "short");
    }
    if (b->curve_meters > 0)
        report(b, "meter_month_curve", (size_t)b->runs, 1);

    struct store_area_day days[DAYS];
    int areas = b->meters / AREA_METERS;
    for (int i = 0; i < b->runs; i++) {
        char code[24];
        char other[24];
        snprintf(code, sizeof code, "QA%d", 1 + (int)(i * 104729LL % areas));
        snprintf(other, sizeof other, "QA%d", 1 + (int)((i * 104729LL + 1) % areas));
        const int64_t arg[4] = {0, MH_ITEM_AE_IMP, F0, F0 + DAYS * 86400LL};
        uint64_t t0 = bench_now_ns();
        int nb = bare(b, BARE_AREA, other, arg);
        b->base[i] = since_ms(t0);
        t0 = bench_now_ns();
        int n = store_area_daily_totals(b->st, code, MH_ITEM_AE_IMP, F0, DAYS, days);
        b->lat[i] = since_ms(t0);
        if (n != DAYS || nb != DAYS || days[0].meters != AREA_METERS ||
            days[0].counted + days[0].missing != AREA_METERS)
            die("an area's month", n < 0 ? mh_strerror(n) : "wrong totals");
    }
    report(b, "area_daily_totals_month", (size_t)b->runs, 1);

    /* every page of a day's missing meters, as patch collection reads them */
    static struct store_meter_ref miss[1000];
    int days_run = b->runs < DAYS ? b->runs : DAYS;
    if (days_run > 10)
        days_run = 10; /* each reads the whole archive */
    for (int d = 1; d <= days_run; d++) {
        int expect = 0, found = 0, n;
        for (int m = 1; m <= b->meters; m++)
            expect += never_collected(m, d);
        int64_t after = 0, from = F0 + d * 86400LL;
        uint64_t t0 = bench_now_ns();
        while ((n = store_readings_missing(b->st, MH_ITEM_AE_IMP, from, from + 86400, after, miss,
                                           1000)) > 0) {
            found += n;
            after = miss[n - 1].meter;
        }
        b->lat[d - 1] = since_ms(t0);
        if (n < 0 || found != expect)
            die("a day's missing data", n < 0 ? mh_strerror(n) : "wrong count");
    }
    report(b, "missing_day_all_pages", (size_t)days_run, 0);
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    struct qb b = {.meters = 1000000, .curve_meters = 2000, .runs = 200};
    const char *server = getenv("MH_TEST_PG_URI"), *dir = getenv("TMPDIR");
    int drop = 0, bad = 0;
    for (int i = 1; i < argc && !bad; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--drop") == 0)
            drop = 1;
        else if (!v)
            bad = 1;
        else if (strcmp(a, "--backend") == 0 &&
                 (strcmp(v, "sqlite") == 0 || strcmp(v, "postgres") == 0))
            b.pg = v[0] == 'p';
        else if (strcmp(a, "--uri") == 0)
            server = v;
        else if (strcmp(a, "--dir") == 0)
            dir = v;
        else if (strcmp(a, "--meters") == 0)
            bad = parse_int(v, AREA_METERS, 10000000, &b.meters);
        else if (strcmp(a, "--curve-meters") == 0)
            bad = parse_int(v, 0, 100000, &b.curve_meters);
        else if (strcmp(a, "--runs") == 0)
            bad = parse_int(v, 1, 100000, &b.runs);
        else
            bad = 1;
        i += strcmp(a, "--drop") != 0;
    }
    if (bad) {
        fputs("usage: bench_store_query [--backend sqlite|postgres] [--uri URI] [--dir DIR]"
              " [--meters N] [--curve-meters N] [--runs N] [--drop]\n",
              stderr);
        return 2;
    }
    b.meters -= b.meters % AREA_METERS;
    b.curve_meters = b.curve_meters < b.meters ? b.curve_meters : b.meters;
    char uri[1024], name[64];
    snprintf(name, sizeof name, "mh_query_%d_%d", b.meters, b.curve_meters);
    if (b.pg) {
        if (!server || !*server)
            die("no server",
                "--uri or MH_TEST_PG_URI (eval \"$(scripts/pg-test-server.sh start)\")");
        snprintf(uri, sizeof uri, "%s%soptions=-csearch_path%%3D%s", server,
                 strchr(server, '?') ? "&" : "?", name);
    } else {
        snprintf(uri, sizeof uri, "%s/%s.db", dir && *dir ? dir : "/tmp", name);
    }
    char err[256] = "";
    if (store_open(uri, NULL, &b.st, err, sizeof err) != 0)
        die("open", err);
    if (b.pg) {
        b.pc = PQconnectdb(uri);
        if (PQstatus(b.pc) != CONNECTION_OK)
            die("connect", PQerrorMessage(b.pc));
        side(&b, "SET client_min_messages = warning", 0);
    } else if (sqlite3_open(uri, &b.sq) != SQLITE_OK || sqlite3_busy_timeout(b.sq, 60000)) {
        die("open", sqlite3_errmsg(b.sq));
    }
    b.lat = malloc(sizeof *b.lat * (size_t)b.runs);
    b.base = malloc(sizeof *b.base * (size_t)b.runs);
    if (!b.lat || !b.base)
        die("memory", "out of memory");
    printf("# %s: %d meters in areas of %d, a month of daily freezes each (0.5 %% never"
           " collected), %d with a month of 15-minute curve; %d runs; %s\n",
           b.pg ? "postgres" : "sqlite", b.meters, AREA_METERS, b.curve_meters, b.runs,
           b.pg ? name : uri);
    ensure_filled(&b);
    run_queries(&b);
    store_close(b.st);
    if (b.pg && drop) {
        char text[96];
        snprintf(text, sizeof text, "DROP SCHEMA %s CASCADE", name);
        side(&b, text, 0);
    }
    if (b.pg)
        PQfinish(b.pc);
    for (int q = 0; q < 2; q++)
        sqlite3_finalize(b.bare_sq[q]);
    if (!b.pg)
        sqlite3_close(b.sq);
    if (!b.pg && drop)
        remove(uri);
    free(b.lat);
    free(b.base);
    return 0;
}
