/*
 * What only the SQLite backend has: its file's schema versions (an older
 * file migrated forward, a newer one refused untouched, a foreign file
 * refused), URI handling, and a batch the database rejects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"
#include "schema.h"
#include "sqlite_int.h"
#include "store_test.h"

#define DAY0 (20416 * 86400LL)

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static int64_t raw_int_path(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    int64_t v = raw_int(db, sql);
    sqlite3_close(db);
    return v;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

static void expect_journal_mode(const char *path, const char *mode)
{
    sqlite3 *db = raw_open(path);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), mode);
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static void test_older_file_is_migrated_forward(void **state)
{
    (void)state;
    const char *path = store_test_sqlite_path("migrate");
    if (!path)
        skip();
    /* a file as schema 1 left it, with a reading in it */
    sqlite3 *db = raw_open(path);
    int v = 0;
    char err[256] = "";
    assert_int_equal(sq_migrate(db, 1, &v, err, sizeof err), 0);
    assert_int_equal(v, 1);
    raw_exec(db, "INSERT INTO readings (meter_id, item, data_time, mantissa, exponent, quality,"
                 " protocol, terminal_id, received_ms) VALUES (5, 16844800, 1000, 4200, -2, 0, 0,"
                 " 1, 1000000)");
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'audit'"), 0);
    sqlite3_close(db);

    struct store *st = store_test_open(store_test_uri("migrate"), NULL);
    assert_int_equal(store_schema_version(st), (int)store_sqlite_migrations_n);
    struct store_reading r;
    assert_int_equal(store_reading_latest(st, 5, 16844800, &r), 0);
    assert_int_equal(r.value.m, 4200);
    assert_int_equal(store_audit(st, "test", 1, "after migration", 0), 0);
    store_close(st);

    db = raw_open(path);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM schema_version"),
                     (int64_t)store_sqlite_migrations_n);
    assert_int_equal(raw_int(db, "PRAGMA application_id"), 0x4D485542);
    sqlite3_close(db);
    expect_journal_mode(path, "wal");
}

/*
 * Schema 3 adds api_tokens, which earlier API builds created on their own
 * in a schema 2 file: such a file migrates and keeps its tokens.
 */
static void test_api_tokens_of_a_schema_2_file_are_kept(void **state)
{
    (void)state;
    const char *path = store_test_sqlite_path("tokens2");
    if (!path)
        skip();
    sqlite3 *db = raw_open(path);
    int v = 0;
    char err[256] = "";
    assert_int_equal(sq_migrate(db, 2, &v, err, sizeof err), 0);
    assert_int_equal(v, 2);
    raw_exec(db, "CREATE TABLE IF NOT EXISTS api_tokens (id INTEGER PRIMARY KEY,"
                 " name TEXT NOT NULL UNIQUE, role INTEGER NOT NULL, hash BLOB NOT NULL UNIQUE,"
                 " created_ms INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)");
    raw_exec(db, "INSERT INTO api_tokens (name, role, hash, created_ms)"
                 " VALUES ('old', 2, zeroblob(32), 77)");
    sqlite3_close(db);

    struct store *st = store_test_open(store_test_uri("tokens2"), NULL);
    assert_true(store_schema_version(st) >= 3);
    unsigned char h[STORE_TOKEN_HASH] = {0};
    struct store_token t;
    assert_int_equal(store_token_check(st, h, &t), 0);
    assert_string_equal(t.name, "old");
    assert_int_equal(t.role, 2);
    assert_int_equal(t.created_ms, 77);
    store_close(st);
}

/*
 * A file from before events had a key, holding the same event twice and a
 * status row: the migration keeps one copy, and the row's first try is
 * its reason then.
 */
static void test_events_once_migration_keeps_one_copy(void **state)
{
    (void)state;
    const char *path = store_test_sqlite_path("events_once");
    if (!path)
        skip();
    int before = 0;
    for (size_t i = 0; i < store_sqlite_migrations_n; i++)
        if (strcmp(store_sqlite_migrations[i].name, "events_once_first_try") == 0)
            before = store_sqlite_migrations[i].version - 1;
    assert_true(before >= 2);
    sqlite3 *db = raw_open(path);
    int v = 0;
    char err[256] = "";
    assert_int_equal(sq_migrate(db, before, &v, err, sizeof err), 0);
    raw_exec(db, "INSERT INTO events (meter_id, terminal_id, code, start_s) VALUES"
                 " (NULL, 4, 14, 1000), (NULL, 4, 14, 1000), (NULL, 4, 14, 1060), (2, 4, 14, 1000)");
    raw_exec(db, "INSERT INTO collection_status VALUES (20416, 0, 2, 6, 1, 1)");
    sqlite3_close(db);

    struct store *st = store_test_open(store_test_uri("events_once"), NULL);
    assert_int_equal(store_schema_version(st), (int)store_sqlite_migrations_n);
    struct store_event e = {.terminal = 4, .code = 14, .start_s = 1000};
    assert_int_equal(store_event_insert(st, &e), 0); /* already there */
    store_close(st);
    db = raw_open(path);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM events"), 3);
    assert_int_equal(raw_int(db, "SELECT first_reason FROM collection_status"), 6);
    sqlite3_close(db);
}

static void test_newer_file_is_refused_untouched(void **state)
{
    (void)state;
    const char *path = store_test_sqlite_path("newer");
    if (!path)
        skip();
    struct store *st = store_test_open(store_test_uri("newer"), NULL);
    store_close(st);
    sqlite3 *db = raw_open(path);
    char sql[160];
    snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (%d, 'future', 'x')",
             (int)store_sqlite_migrations_n + 1);
    raw_exec(db, sql);
    sqlite3_close(db);

    char err[256] = "";
    assert_int_equal(store_open(store_test_uri("newer"), NULL, &st, err, sizeof err), MH_ENOTSUP);
    assert_null(st);
    if (!strstr(err, "newer"))
        fail_msg("error '%s' does not say the schema is newer", err);
    db = raw_open(path);
    assert_int_equal(raw_int(db, "SELECT MAX(version) FROM schema_version"),
                     (int64_t)store_sqlite_migrations_n + 1);
    sqlite3_close(db);
}

static void test_foreign_file_and_unknown_schemes_are_refused(void **state)
{
    (void)state;
    const char *path = store_test_sqlite_path("foreign");
    if (!path)
        skip();
    sqlite3 *db = raw_open(path);
    raw_exec(db, "CREATE TABLE customers (name TEXT)");
    sqlite3_close(db);
    struct store *st = NULL;
    char err[256] = "";
    assert_int_equal(store_open(path, NULL, &st, err, sizeof err), MH_ENOTSUP);
    assert_non_null(strstr(err, "not a meterhub store"));
    expect_journal_mode(path, "delete"); /* not even switched to WAL */

    /* postgres:// is the PostgreSQL backend, not a file name: nothing listens on port 1 */
    assert_int_equal(store_open("postgres://127.0.0.1:1/meterhub?connect_timeout=5", NULL, &st,
                                err, sizeof err),
                     MH_EIO);
    assert_non_null(strstr(err, "PostgreSQL"));
    assert_int_equal(store_open("mysql://localhost/x", NULL, &st, err, sizeof err), MH_ENOTSUP);
    assert_int_equal(store_open("sqlite:", NULL, &st, err, sizeof err), MH_EINVAL);
    assert_int_equal(store_open("", NULL, &st, err, sizeof err), MH_EINVAL);
    assert_int_equal(store_open("/nonexistent-dir/x/y.db", NULL, &st, err, sizeof err), MH_EIO);
    assert_null(st);

    /* a plain path is an SQLite file */
    st = store_test_open(store_test_sqlite_path("plainpath"), NULL);
    assert_string_equal(store_backend_name(st), "sqlite");
    store_close(st);
}

struct outcome {
    int n;
    int status[8];
};

static void record(void *ctx, int status)
{
    struct outcome *o = ctx;
    o->status[o->n++] = status;
}

static void test_failed_batch_fails_only_its_tickets(void **state)
{
    (void)state;
    const char *path = store_test_sqlite_path("failbatch");
    if (!path)
        skip();
    struct store_options opt = {.batch_max = 4};
    struct store *st = store_test_open(store_test_uri("failbatch"), &opt);
    /* the database refuses meter 666 */
    sqlite3 *db = raw_open(path);
    raw_exec(db, "CREATE TRIGGER refuse BEFORE INSERT ON readings WHEN NEW.meter_id = 666"
                 " BEGIN SELECT RAISE(ABORT, 'refused'); END");
    sqlite3_close(db);

    struct store_reading r[12];
    for (int i = 0; i < 12; i++)
        r[i] = store_test_reading(1, MH_ITEM_AE_IMP, DAY0 + i, i);
    r[5].meter = 666; /* second batch: readings 4..7 */
    struct store_reading held = store_test_reading(2, MH_ITEM_AE_IMP, DAY0, 0);
    struct store_test_gate *g = store_test_hold(st, &held);
    struct outcome o = {0};
    /* queued behind the held writer, so batches are exactly 4 readings; tickets: [0,2) [2,6) spans
     * batches 1 and 2, [6,8) in 2, [8,12) in 3 */
    assert_int_equal(store_readings_append(st, r, 2, 1000, record, &o), 0);
    assert_int_equal(store_readings_append(st, r + 2, 4, 1000, record, &o), 0);
    assert_int_equal(store_readings_append(st, r + 6, 2, 1000, record, &o), 0);
    assert_int_equal(store_readings_append(st, r + 8, 4, 1000, record, &o), 0);
    store_test_release(g);
    assert_int_equal(store_readings_sync(st, 10000), 0);
    assert_int_equal(o.n, 4);
    assert_int_equal(o.status[0], 0);
    assert_int_equal(o.status[1], MH_EINVAL);
    assert_int_equal(o.status[2], MH_EINVAL);
    assert_int_equal(o.status[3], 0);
    struct store_writer_stats ws;
    store_writer_stats(st, &ws);
    assert_int_equal(ws.failed, 4);
    assert_int_equal(ws.stored, 9);
    struct store_reading got[12];
    assert_int_equal(store_readings_range(st, 1, MH_ITEM_AE_IMP, DAY0, DAY0 + 12, got, 12), 8);
    store_close(st);
}

/*
 * Another process's writer holds the file (serve --procs: one writer per
 * worker) for longer than the busy timeout: the batch is kept and tried
 * again, its ticket waits and then succeeds, nothing is lost.
 */
static void test_busy_database_retried_not_lost(void **state)
{
    (void)state;
    const char *path = store_test_sqlite_path("busy");
    if (!path)
        skip();
    struct store_options opt = {.busy_timeout_ms = 50};
    struct store *st = store_test_open(store_test_uri("busy"), &opt);
    sqlite3 *other = raw_open(path);
    raw_exec(other, "BEGIN IMMEDIATE"); /* the other writer's transaction */
    struct store_reading r[3];
    for (int i = 0; i < 3; i++)
        r[i] = store_test_reading(1, MH_ITEM_AE_IMP, DAY0 + i, 100 + i);
    struct outcome o = {0};
    assert_int_equal(store_readings_append(st, r, 3, 1000, record, &o), 0);
    /* Several busy timeouts pass while the lock is held. */
    assert_int_equal(store_readings_sync(st, 400), MH_ETIMEDOUT);
    assert_int_equal(o.n, 0); /* neither acknowledged nor failed while busy */
    struct store_writer_stats ws;
    store_writer_stats(st, &ws);
    assert_true(ws.busy_retries >= 1);
    assert_int_equal(ws.failed, 0);
    raw_exec(other, "COMMIT");
    sqlite3_close(other);
    assert_int_equal(store_readings_sync(st, 10000), 0);
    assert_int_equal(o.n, 1);
    assert_int_equal(o.status[0], 0);
    store_writer_stats(st, &ws);
    assert_int_equal(ws.stored, 3);
    assert_int_equal(ws.failed, 0);
    struct store_reading got[3];
    assert_int_equal(store_readings_range(st, 1, MH_ITEM_AE_IMP, DAY0, DAY0 + 3, got, 3), 3);
    store_close(st);
}

/*
 * Turns at the write lock (sqlite_turns.c). BULK readings make a batch
 * that holds the lock for a good while; `other` (busy timeout 0) sees when
 * it does: its BEGIN IMMEDIATE fails. Fails the test if the batch ends
 * first.
 */
#define BULK 300000

static struct store_reading *bulk_readings(void)
{
    struct store_reading *r = calloc(BULK, sizeof *r);
    assert_non_null(r);
    for (int i = 0; i < BULK; i++)
        r[i] = store_test_reading(10 + i % 1000, MH_ITEM_AE_IMP, DAY0 + (i / 1000) * 60, i);
    return r;
}

static void wait_batch_holds_lock(const char *path, const struct outcome *bulk)
{
    sqlite3 *other = raw_open(path);
    for (int i = 0; i < 20000 && bulk->n == 0; i++) {
        int rc = sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc == SQLITE_BUSY) {
            sqlite3_close(other);
            return;
        }
        if (rc == SQLITE_OK)
            raw_exec(other, "ROLLBACK");
        struct timespec ts = {0, 500000};
        nanosleep(&ts, NULL);
    }
    fail_msg("the batch of %d readings never held the lock while it was written", BULK);
}

/* An operator's reading queued while a large batch is being written is committed before that batch ends. */
static void test_batch_gives_way_to_an_urgent_reading(void **state)
{
    (void)state;
    const char *path = store_test_sqlite_path("urgentturn");
    if (!path)
        skip();
    struct store_options opt = {.queue_capacity = BULK, .batch_max = BULK};
    struct store *st = store_test_open(store_test_uri("urgentturn"), &opt);
    struct store_reading *r = bulk_readings();
    struct outcome bulk = {0}, urgent = {0};
    assert_int_equal(store_readings_append(st, r, BULK, 1000, record, &bulk), 0);
    wait_batch_holds_lock(path, &bulk);
    struct store_reading u = store_test_reading(1, MH_ITEM_AE_IMP, DAY0, 4200);
    assert_int_equal(store_readings_append_urgent(st, &u, 1, 1000, record, &urgent), 0);
    for (int i = 0; i < 10000 && urgent.n == 0; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(urgent.n, 1);
    assert_int_equal(urgent.status[0], 0);
    assert_int_equal(bulk.n, 0); /* committed while the batch was still being written */
    assert_int_equal(store_readings_sync(st, 60000), 0);
    assert_int_equal(bulk.n, 1);
    assert_int_equal(bulk.status[0], 0);
    struct store_writer_stats ws;
    store_writer_stats(st, &ws);
    assert_true(ws.yields >= 1);
    assert_true(ws.batches >= 3); /* the batch's first part, the urgent reading, the rest */
    assert_int_equal(ws.stored, BULK + 1);
    assert_int_equal(ws.failed, 0);
    assert_int_equal(raw_int_path(path, "SELECT COUNT(*) FROM readings"), BULK + 1);
    store_close(st);
    free(r);
}

/*
 * Another process on the same file (here a second store, with its own
 * connections and its own mapping of the shared turn file): its small
 * write goes in while the first one's large batch is being written,
 * instead of after it.
 */
static void test_other_writers_get_a_turn_during_a_batch(void **state)
{
    (void)state;
    const char *path = store_test_sqlite_path("otherturn");
    if (!path)
        skip();
    struct store_options opt = {.queue_capacity = BULK, .batch_max = BULK};
    struct store *a = store_test_open(store_test_uri("otherturn"), &opt);
    struct store *b = store_test_open(store_test_uri("otherturn"), NULL);
    struct store_reading *r = bulk_readings();
    struct outcome bulk = {0};
    assert_int_equal(store_readings_append(a, r, BULK, 1000, record, &bulk), 0);
    wait_batch_holds_lock(path, &bulk);
    assert_int_equal(store_audit(b, "operator-a", 1000, "read meter 1", 0), 0);
    assert_int_equal(bulk.n, 0); /* the audit row did not wait for the whole batch */
    assert_int_equal(store_readings_sync(a, 60000), 0);
    assert_int_equal(bulk.n, 1);
    assert_int_equal(bulk.status[0], 0);
    struct store_writer_stats ws;
    store_writer_stats(a, &ws);
    assert_true(ws.yields >= 1);
    assert_int_equal(ws.stored, BULK);
    assert_int_equal(raw_int_path(path, "SELECT COUNT(*) FROM readings"), BULK);
    assert_int_equal(raw_int_path(path, "SELECT COUNT(*) FROM audit"), 1);
    char turn[1100];
    snprintf(turn, sizeof turn, "%s-turn", path);
    store_close(b);
    assert_int_equal(access(turn, F_OK), 0); /* a still has it */
    store_close(a);
    assert_int_equal(access(turn, F_OK), -1); /* the last to close removes it */
    free(r);
}

/*
 * The writer's own waits claim the turn while an operator's reading is
 * queued: store a's writer waits for the lock behind store b's large batch
 * (another process) with a batch of its own when an urgent reading is
 * appended to a; it is committed before b's batch ends, not after.
 */
static void test_writer_waiting_behind_another_claims_for_its_urgent_reading(void **state)
{
    (void)state;
    const char *path = store_test_sqlite_path("writerturn");
    if (!path)
        skip();
    struct store_options opt = {.queue_capacity = BULK, .batch_max = BULK};
    struct store *a = store_test_open(store_test_uri("writerturn"), &opt);
    struct store *b = store_test_open(store_test_uri("writerturn"), &opt);
    struct store_reading *r = bulk_readings();
    struct outcome bulk = {0}, mine = {0}, urgent = {0};
    assert_int_equal(store_readings_append(b, r, BULK, 1000, record, &bulk), 0);
    wait_batch_holds_lock(path, &bulk);
    struct store_reading own[100];
    for (int i = 0; i < 100; i++)
        own[i] = store_test_reading(5000 + i, MH_ITEM_AE_IMP, DAY0, i);
    assert_int_equal(store_readings_append(a, own, 100, 1000, record, &mine), 0);
    struct timespec ts = {0, 50000000}; /* a's writer is now waiting for the lock, claiming nothing */
    nanosleep(&ts, NULL);
    assert_int_equal(bulk.n, 0);
    struct store_reading u = store_test_reading(1, MH_ITEM_AE_IMP, DAY0, 4200);
    assert_int_equal(store_readings_append_urgent(a, &u, 1, 1000, record, &urgent), 0);
    for (int i = 0; i < 10000 && urgent.n == 0; i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    assert_int_equal(urgent.n, 1);
    assert_int_equal(urgent.status[0], 0);
    assert_int_equal(bulk.n, 0); /* b gave way in the middle of its batch */
    assert_int_equal(store_readings_sync(a, 60000), 0);
    assert_int_equal(store_readings_sync(b, 60000), 0);
    assert_int_equal(bulk.status[0], 0);
    assert_int_equal(mine.status[0], 0);
    assert_int_equal(raw_int_path(path, "SELECT COUNT(*) FROM readings"), BULK + 100 + 1);
    store_close(b);
    store_close(a);
    free(r);
}

static void test_archive_import_is_all_or_nothing(void **state)
{
    (void)state;
    const char *path = store_test_sqlite_path("importfail");
    if (!path)
        skip();
    struct store *st = store_test_open(store_test_uri("importfail"), NULL);
    char *csv = store_test_archive_csv(3);
    struct store_import_stats s;
    store_test_import(st, csv, &s);
    free(csv);
    /* the database refuses one meter of the next file, after earlier rows went in */
    sqlite3 *db = raw_open(path);
    raw_exec(db, "CREATE TRIGGER refuse BEFORE INSERT ON meters WHEN NEW.address = 100000000005"
                 " BEGIN SELECT RAISE(ABORT, 'refused'); END");
    sqlite3_close(db);
    csv = store_test_archive_csv(6);
    struct archive *a = NULL;
    char err[256] = "";
    assert_int_equal(archive_csv_parse(csv, strlen(csv), &a, err, sizeof err), 0);
    assert_int_equal(store_archive_import(st, a, &s, err, sizeof err), MH_EINVAL);
    assert_non_null(strstr(err, "line 7:"));
    archive_free(a);
    free(csv);
    store_close(st);

    db = raw_open(path);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM meters"), 5);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM points"), 5);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM meters WHERE active = 1"), 5);
    sqlite3_close(db);
}

/*
 * The queries a station runs all day use the keys the schema was designed
 * for: no full scan of readings, status, link history, points or
 * terminals. Only the success rate walks the meters (it counts all of them).
 */
static void test_queries_search_by_key(void **state)
{
    (void)state;
    const char *path = store_test_sqlite_path("plans");
    if (!path)
        skip();
    store_close(store_test_open(store_test_uri("plans"), NULL));
    static const struct {
        enum sq_query q;
        const char *may_scan; /* alias a plan may scan, or NULL */
    } cases[] = {
        {SQ_RANGE, NULL},         {SQ_LATEST, NULL},          {SQ_MISSING, NULL},
        {SQ_RATE_KIND, "SCAN m"}, {SQ_RATE_REGION, "SCAN m"}, {SQ_RATE_CHANNEL, "SCAN m"},
        {SQ_REASONS, NULL},       {SQ_TERMINAL_LOOKUP, NULL}, {SQ_TERMINAL_POINTS, NULL},
        {SQ_LINK_BEFORE, NULL},   {SQ_LINK_RANGE, NULL},
    };
    sqlite3 *db = raw_open(path);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char sql[2048];
        snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", sq_sql_text(cases[i].q));
        sqlite3_stmt *s;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
        int searched = 0;
        while (sqlite3_step(s) == SQLITE_ROW) {
            const char *detail = (const char *)sqlite3_column_text(s, 3);
            searched += strncmp(detail, "SEARCH ", 7) == 0;
            if (strncmp(detail, "SCAN ", 5) == 0 &&
                !(cases[i].may_scan && strcmp(detail, cases[i].may_scan) == 0))
                fail_msg("query %d: '%s' in the plan of %s", (int)cases[i].q, detail,
                         sq_sql_text(cases[i].q));
        }
        sqlite3_finalize(s);
        assert_true(searched > 0);
    }
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_older_file_is_migrated_forward),
        cmocka_unit_test(test_api_tokens_of_a_schema_2_file_are_kept),
        cmocka_unit_test(test_events_once_migration_keeps_one_copy),
        cmocka_unit_test(test_newer_file_is_refused_untouched),
        cmocka_unit_test(test_foreign_file_and_unknown_schemes_are_refused),
        cmocka_unit_test(test_failed_batch_fails_only_its_tickets),
        cmocka_unit_test(test_busy_database_retried_not_lost),
        cmocka_unit_test(test_batch_gives_way_to_an_urgent_reading),
        cmocka_unit_test(test_other_writers_get_a_turn_during_a_batch),
        cmocka_unit_test(test_writer_waiting_behind_another_claims_for_its_urgent_reading),
        cmocka_unit_test(test_archive_import_is_all_or_nothing),
        cmocka_unit_test(test_queries_search_by_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
