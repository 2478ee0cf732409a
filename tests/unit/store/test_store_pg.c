/*
 * PostgreSQL-specific store tests (run by pg_suite.sh against
 * MH_TEST_PG_URI; the backend-neutral suite is test_store.c):
 *   - the server restarts in the middle of an ingest (MH_TEST_PG_RESTART,
 *     from scripts/pg-test-server.sh): every acknowledged reading is
 *     stored, no batch fails, and everything appended is stored once;
 *   - readings are partitioned by month, partitions are made ahead and
 *     for a batch's new month, impossible data times have their partition;
 *   - a schema newer than the build, or a schema of someone else's
 *     tables, is refused and left untouched;
 *   - twice as many threads as the reader pool has connections query at
 *     once while the writer stores, and each gets its own rows;
 *   - a large batch is split by key over the writer connections: each
 *     connection's transaction holds one contiguous key range, a key's
 *     repeats are never split, duplicates and conflicts are counted once,
 *     the reading received later wins across batches, tickets complete in
 *     order; and the restart above with batches split over connections.
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"
#include "store_test.h"

#define DAY0 (20416 * 86400LL) /* 2025-11-24T00:00Z */
#define AE MH_ITEM_AE_IMP
#define PER_TICKET 100
#define METERS 8
#define TICKETS 3000
#define RESTART_AFTER 200 /* acknowledged tickets before the restart */

/* A direct connection to the test's database, to look behind the store. */
static PGconn *raw(const char *uri)
{
    PGconn *c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect %s: %s", uri, PQerrorMessage(c));
    return c;
}

static int64_t raw_int(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    int64_t v =
        PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return v;
}

/* ---- restart mid-ingest ---- */

static struct store_reading ticket_reading(int k, int j)
{
    int64_t t = DAY0 + (int64_t)(k / METERS) * PER_TICKET * 60 + (int64_t)j * 60;
    return store_test_reading(1 + k % METERS, AE, t, (int64_t)k * 1000 + j);
}

struct ingest {
    struct store *st;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int acked, failed, appended, append_errors;
    unsigned char ack[TICKETS];
};

/* The ingest the callbacks report to (their context is the ticket number). */
static struct ingest *g_in;

static void ticket_done(void *ctx, int status)
{
    int k = (int)(intptr_t)ctx;
    pthread_mutex_lock(&g_in->mu);
    if (status == 0) {
        g_in->ack[k] = 1;
        g_in->acked++;
    } else {
        g_in->failed++;
    }
    pthread_cond_broadcast(&g_in->cv);
    pthread_mutex_unlock(&g_in->mu);
}

static void *producer(void *arg)
{
    struct ingest *in = arg;
    struct store_reading r[PER_TICKET];
    for (int k = 0; k < TICKETS; k++) {
        for (int j = 0; j < PER_TICKET; j++)
            r[j] = ticket_reading(k, j);
        /* back-pressure while the server is away: wait, never drop */
        int rc =
            store_readings_append(in->st, r, PER_TICKET, 120000, ticket_done, (void *)(intptr_t)k);
        pthread_mutex_lock(&in->mu);
        if (rc == 0)
            in->appended++;
        else
            in->append_errors++;
        pthread_mutex_unlock(&in->mu);
    }
    return NULL;
}

static void restart_mid_ingest(const char *name, const struct store_options *opt)
{
    const char *restart = getenv("MH_TEST_PG_RESTART");
    if (!restart || !*restart) {
        print_message("MH_TEST_PG_RESTART not set: cannot restart the server, skipped\n");
        skip();
    }
    static struct ingest in;
    memset(&in, 0, sizeof in);
    g_in = &in;
    pthread_mutex_init(&in.mu, NULL);
    pthread_cond_init(&in.cv, NULL);
    in.st = store_test_open(store_test_uri(name), opt);
    pthread_t th;
    pthread_create(&th, NULL, producer, &in);

    pthread_mutex_lock(&in.mu);
    while (in.acked < RESTART_AFTER && in.failed == 0)
        pthread_cond_wait(&in.cv, &in.mu);
    int before = in.acked;
    pthread_mutex_unlock(&in.mu);
    assert_int_equal(system(restart), 0);
    pthread_mutex_lock(&in.mu);
    int during = in.appended;
    pthread_mutex_unlock(&in.mu);

    pthread_join(th, NULL);
    assert_int_equal(store_readings_sync(in.st, 120000), 0);
    struct store_writer_stats ws;
    store_writer_stats(in.st, &ws);
    print_message("restart after %d acknowledged tickets (%d appended by then): %llu batches,"
                  " %llu stored, %llu failed\n",
                  before, during, (unsigned long long)ws.batches, (unsigned long long)ws.stored,
                  (unsigned long long)ws.failed);
    assert_true(during < TICKETS); /* the restart happened mid-ingest */
    assert_int_equal(in.append_errors, 0);
    assert_int_equal(in.failed, 0);
    assert_int_equal(ws.failed, 0);
    assert_int_equal(in.acked, TICKETS);
    /* stored + duplicates: a batch whose COMMIT was cut off may have been committed */
    assert_int_equal(ws.stored + ws.duplicates, (uint64_t)TICKETS * PER_TICKET);
    assert_int_equal(ws.conflicts, 0);

    /* a resend after the restart takes the staging path on the new session */
    struct store_reading again[PER_TICKET];
    for (int j = 0; j < PER_TICKET; j++)
        again[j] = ticket_reading(0, j);
    uint64_t dups = ws.duplicates;
    assert_int_equal(store_readings_append(in.st, again, PER_TICKET, 1000, NULL, NULL), 0);
    assert_int_equal(store_readings_sync(in.st, 10000), 0);
    store_writer_stats(in.st, &ws);
    assert_int_equal(ws.duplicates, dups + PER_TICKET);
    assert_int_equal(ws.failed, 0);
    store_close(in.st);

    /* behind the store: every reading once, with the value its key was given */
    PGconn *c = raw(store_test_uri(name));
    assert_int_equal(raw_int(c, "SELECT count(*) FROM readings"), (int64_t)TICKETS * PER_TICKET);
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM readings WHERE mantissa <> ((data_time - %lld) / 60 / %d * %d"
             " + meter_id - 1) * 1000 + (data_time - %lld) / 60 %% %d",
             (long long)DAY0, PER_TICKET, METERS, (long long)DAY0, PER_TICKET);
    assert_int_equal(raw_int(c, sql), 0);
    PQfinish(c);
    pthread_cond_destroy(&in.cv);
    pthread_mutex_destroy(&in.mu);
}

static void test_restart_mid_ingest_loses_nothing_acknowledged(void **state)
{
    (void)state;
    /* small batches and queue: many commits span the restart, and the queue fills */
    struct store_options opt = {.queue_capacity = 20000, .batch_max = 2000};
    restart_mid_ingest("restart", &opt);
}

static void test_restart_mid_ingest_with_shares_loses_nothing(void **state)
{
    (void)state;
    /* batches large enough to be split over two connections, each cut off by the restart */
    struct store_options opt = {
        .queue_capacity = 50000, .batch_max = 16384, .writer_connections = 2};
    restart_mid_ingest("restart_shares", &opt);
}

/* ---- partitions ---- */

static int64_t partitions(PGconn *c, const char *name)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
             " WHERE i.inhparent = 'readings'::regclass AND c.relname = '%s'",
             name);
    return raw_int(c, sql);
}

static void test_readings_are_partitioned_by_month(void **state)
{
    (void)state;
    const char *uri = store_test_uri("partitions");
    struct store *st = store_test_open(uri, NULL);
    PGconn *c = raw(uri);
    /* this month and the next two exist from the start */
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char name[32];
    for (int k = 0; k < 3; k++) {
        int m = tm.tm_mon + k;
        snprintf(name, sizeof name, "readings_%04d%02d", 1900 + tm.tm_year + m / 12, m % 12 + 1);
        assert_int_equal(partitions(c, name), 1);
    }
    assert_int_equal(partitions(c, "readings_203105"), 0);

    /* a batch reaching a new month makes its partition and the next month's */
    int64_t may2031 = 1935360000; /* 2031-05-01T00:00Z */
    struct store_reading r[4] = {
        store_test_reading(1, AE, may2031 - 1, 1),  /* 2031-04-30 23:59:59 */
        store_test_reading(1, AE, may2031, 2),      /* 2031-05-01 */
        store_test_reading(1, AE, 631152000, 3),    /* 1990: a wrong clock */
        store_test_reading(1, AE, 4200000000LL, 4), /* 2103 */
    };
    assert_int_equal(store_readings_append(st, r, 4, 1000, NULL, NULL), 0);
    assert_int_equal(store_readings_sync(st, 10000), 0);
    assert_int_equal(partitions(c, "readings_203104"), 1);
    assert_int_equal(partitions(c, "readings_203105"), 1);
    assert_int_equal(partitions(c, "readings_203106"), 1);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM readings_203104"), 1);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM readings_203105"), 1);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM readings_out_of_range"), 2);

    /* and the store reads them back across partitions */
    struct store_reading got[8];
    assert_int_equal(store_readings_range(st, 1, AE, 0, INT64_MAX, got, 8), 4);
    assert_int_equal(got[0].t, 631152000);
    assert_int_equal(got[3].t, 4200000000LL);
    assert_int_equal(store_reading_latest(st, 1, AE, got), 0);
    assert_int_equal(got[0].value.m, 4);
    store_close(st);

    /* a month's curve prunes to its partition */
    PGresult *res = PQexec(c, "EXPLAIN SELECT * FROM readings WHERE meter_id = 1 AND item = 1"
                              " AND data_time >= 1935360000 AND data_time < 1938038400");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    int scanned = 0;
    for (int i = 0; i < PQntuples(res); i++)
        scanned += strstr(PQgetvalue(res, i, 0), " on readings_") != NULL;
    assert_int_equal(scanned, 1);
    PQclear(res);
    PQfinish(c);
}

/* ---- the reader pool ---- */

#define READERS 8 /* twice the pool: callers wait for a connection */
#define QUERIES 100

struct reader {
    struct store *st;
    int64_t meter;
    int bad;
};

static void *read_loop(void *arg)
{
    struct reader *r = arg;
    struct store_reading got[PER_TICKET];
    for (int i = 0; i < QUERIES; i++) {
        int n = store_readings_range(r->st, r->meter, AE, DAY0, DAY0 + 86400, got, PER_TICKET);
        /* the meter's 96 readings, each holding its own value */
        if (n != 96)
            r->bad++;
        for (int j = 0; j < n; j++)
            if (got[j].value.m != r->meter * 1000 + j || got[j].t != DAY0 + j * 900)
                r->bad++;
    }
    return NULL;
}

static void test_pool_serves_threads_at_once(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("pool"), NULL);
    static struct store_reading day[READERS * 96];
    for (int m = 0; m < READERS; m++)
        for (int j = 0; j < 96; j++)
            day[m * 96 + j] = store_test_reading(m + 1, AE, DAY0 + j * 900, (m + 1) * 1000 + j);
    assert_int_equal(store_readings_append(st, day, READERS * 96, 1000, NULL, NULL), 0);
    assert_int_equal(store_readings_sync(st, 10000), 0);
    pthread_t th[READERS];
    struct reader rd[READERS];
    for (int i = 0; i < READERS; i++) {
        rd[i] = (struct reader){st, i + 1, 0};
        pthread_create(&th[i], NULL, read_loop, &rd[i]);
    }
    /* the writer keeps going meanwhile: other days of the same meters */
    for (int k = 1; k <= 20; k++) {
        for (int m = 0; m < READERS * 96; m++)
            day[m].t += 86400;
        assert_int_equal(store_readings_append(st, day, READERS * 96, 10000, NULL, NULL), 0);
    }
    for (int i = 0; i < READERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rd[i].bad, 0);
    }
    assert_int_equal(store_readings_sync(st, 30000), 0);
    struct store_writer_stats ws;
    store_writer_stats(st, &ws);
    assert_int_equal(ws.stored, 21 * READERS * 96);
    store_close(st);
}

/* ---- a batch over several writer connections ---- */

#define SPLIT_METERS 100
#define SPLIT_TIMES 200
#define SPLIT_KEYS (SPLIT_METERS * SPLIT_TIMES)

static struct store_reading split_reading(int key, int64_t value, int64_t received_ms)
{
    struct store_reading r = store_test_reading(1 + key / SPLIT_TIMES, AE,
                                                DAY0 + (int64_t)(key % SPLIT_TIMES) * 900, value);
    r.received_ms = received_ms;
    return r;
}

/* The tickets' completions, in the order the writer ran them. */
static struct {
    int n, out_of_order, failed;
    int seen[8];
} g_order;

static void split_done(void *ctx, int status)
{
    int k = (int)(intptr_t)ctx;
    if (status != 0)
        g_order.failed++;
    if (g_order.n > 0 && g_order.seen[g_order.n - 1] > k)
        g_order.out_of_order++;
    if (g_order.n < 8)
        g_order.seen[g_order.n++] = k;
}

/* The key number split_reading gave a row, in SQL (%lld: DAY0). */
#define SPLIT_KEY "(meter_id - 1) * 200 + (data_time - %lld) / 900"

/* "SELECT count(*) FROM readings WHERE " cond, cond's %lld (at most one) being DAY0. */
static const char *split_sql(const char *cond)
{
    static char where[256], text[512];
    snprintf(where, sizeof where, cond, (long long)DAY0);
    snprintf(text, sizeof text, "SELECT count(*) FROM readings WHERE %s", where);
    return text;
}

/* Rows of readings whose transaction differs from the row before it in key order. */
static int64_t xact_changes(PGconn *c)
{
    return raw_int(c, "SELECT count(*) FROM (SELECT xmin::text AS x, lag(xmin::text) OVER"
                      " (ORDER BY meter_id, item, data_time) AS p FROM readings) s"
                      " WHERE p IS NOT NULL AND x <> p");
}

static void test_writer_connections_split_a_batch_by_key(void **state)
{
    (void)state;
    const char *uri = store_test_uri("shares");
    struct store_options opt = {
        .queue_capacity = 100000, .batch_max = 2 * SPLIT_KEYS + 1, .writer_connections = 2};
    struct store *st = store_test_open(uri, &opt);
    PGconn *c = raw(uri);
    static struct store_reading b[2 * SPLIT_KEYS + 1];
    memset(&g_order, 0, sizeof g_order);

    /* every key new: two transactions, one contiguous key range each */
    for (int k = 0; k < SPLIT_KEYS; k++)
        b[k] = split_reading(k, 1000 + k, 1000);
    assert_int_equal(store_readings_append(st, b, SPLIT_KEYS, 1000, split_done, (void *)0), 0);
    assert_int_equal(store_readings_sync(st, 30000), 0);
    struct store_writer_stats ws;
    store_writer_stats(st, &ws);
    assert_int_equal(ws.batches, 1);
    assert_int_equal(ws.stored, SPLIT_KEYS);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM readings"), SPLIT_KEYS);
    assert_int_equal(raw_int(c, "SELECT count(DISTINCT xmin::text) FROM readings"), 2);
    assert_int_equal(xact_changes(c), 1);

    /*
     * Sent again, each key twice (the same value, then a conflicting one
     * received later) and the first key three times: a cut in the middle
     * of the batch falls inside a key's repeats and must move past them.
     */
    size_t n = 0;
    for (int k = 0; k < SPLIT_KEYS; k++) {
        b[n++] = split_reading(k, 1000 + k, 2000);
        b[n++] = split_reading(k, 2000 + k, 3000);
        if (k == 0)
            b[n++] = split_reading(k, 7, 4000);
    }
    assert_int_equal(n, 2 * SPLIT_KEYS + 1);
    assert_int_equal(store_readings_append(st, b, n, 1000, split_done, (void *)1), 0);
    assert_int_equal(store_readings_sync(st, 30000), 0);
    store_writer_stats(st, &ws);
    assert_int_equal(ws.batches, 2);
    assert_int_equal(ws.stored, SPLIT_KEYS);
    assert_int_equal(ws.duplicates, SPLIT_KEYS);
    assert_int_equal(ws.conflicts, SPLIT_KEYS + 1);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM readings"), SPLIT_KEYS);
    assert_int_equal(raw_int(c, "SELECT count(DISTINCT xmin::text) FROM readings"), 2);
    assert_int_equal(xact_changes(c), 1);
    assert_int_equal(raw_int(c, split_sql("revisions = 1 AND mantissa = 2000 + " SPLIT_KEY)),
                     SPLIT_KEYS - 1);
    assert_int_equal(raw_int(c, split_sql("revisions = 2 AND mantissa = 7 AND received_ms = 4000"
                                          " AND meter_id = 1 AND data_time = %lld")),
                     1);

    /* two later sends of every key: whether one batch or two, the later one wins */
    for (int k = 0; k < SPLIT_KEYS; k++)
        b[k] = split_reading(k, 3000 + k, 5000);
    assert_int_equal(store_readings_append(st, b, SPLIT_KEYS, 1000, split_done, (void *)2), 0);
    for (int k = 0; k < SPLIT_KEYS; k++)
        b[k] = split_reading(k, 4000 + k, 6000);
    assert_int_equal(store_readings_append(st, b, SPLIT_KEYS, 1000, split_done, (void *)3), 0);
    store_close(st);
    assert_int_equal(raw_int(c, split_sql("received_ms = 6000 AND mantissa = 4000 + " SPLIT_KEY)),
                     SPLIT_KEYS);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM readings"), SPLIT_KEYS);
    assert_int_equal(g_order.n, 4);
    assert_int_equal(g_order.out_of_order, 0);
    assert_int_equal(g_order.failed, 0);
    PQfinish(c);
}

static void test_writer_connections_option_is_checked(void **state)
{
    (void)state;
    struct store_options opt = {.writer_connections = 9};
    struct store *st = NULL;
    char err[256] = "";
    assert_int_equal(store_open(store_test_uri("writers9"), &opt, &st, err, sizeof err), MH_EINVAL);
    assert_null(st);
    assert_non_null(strstr(err, "writer_connections"));
    /* one connection: a large batch in one transaction */
    opt.writer_connections = 1;
    const char *uri = store_test_uri("writers1");
    st = store_test_open(uri, &opt);
    static struct store_reading b[SPLIT_KEYS];
    for (int k = 0; k < SPLIT_KEYS; k++)
        b[k] = split_reading(k, k, 1000);
    assert_int_equal(store_readings_append(st, b, SPLIT_KEYS, 1000, NULL, NULL), 0);
    store_close(st);
    PGconn *c = raw(uri);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM readings"), SPLIT_KEYS);
    assert_int_equal(raw_int(c, "SELECT count(DISTINCT xmin::text) FROM readings"), 1);
    PQfinish(c);
}

/* ---- schema versions ---- */

static void test_newer_and_foreign_schemas_are_refused(void **state)
{
    (void)state;
    const char *uri = store_test_uri("newer");
    struct store *st = store_test_open(uri, NULL);
    int latest = store_schema_version(st);
    assert_true(latest >= 2);
    assert_string_equal(store_backend_name(st), "postgres");
    store_close(st);
    PGconn *c = raw(uri);
    raw_int(c, "INSERT INTO schema_version (version, name) VALUES (99, 'future')");
    char err[256] = "";
    st = NULL;
    assert_int_equal(store_open(uri, NULL, &st, err, sizeof err), MH_ENOTSUP);
    assert_non_null(strstr(err, "newer"));
    assert_null(st);
    assert_int_equal(raw_int(c, "SELECT max(version) FROM schema_version"), 99);
    PQfinish(c);

    uri = store_test_uri("alien");
    c = raw(uri);
    raw_int(c, "CREATE SCHEMA alien; CREATE TABLE alien.customers (name text)");
    PQfinish(c);
    assert_int_equal(store_open(uri, NULL, &st, err, sizeof err), MH_ENOTSUP);
    assert_non_null(strstr(err, "not a meterhub store"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readings_are_partitioned_by_month),
        cmocka_unit_test(test_newer_and_foreign_schemas_are_refused),
        cmocka_unit_test(test_pool_serves_threads_at_once),
        cmocka_unit_test(test_restart_mid_ingest_loses_nothing_acknowledged),
        cmocka_unit_test(test_writer_connections_split_a_batch_by_key),
        cmocka_unit_test(test_writer_connections_option_is_checked),
        cmocka_unit_test(test_restart_mid_ingest_with_shares_loses_nothing),
    };
    const char *u = getenv("MH_TEST_STORE_URI");
    if (!u || (strncmp(u, "postgres://", 11) != 0 && strncmp(u, "postgresql://", 13) != 0)) {
        printf("SKIPPED: MH_TEST_STORE_URI is not a PostgreSQL URI (run through pg_suite.sh)\n");
        return 77;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
