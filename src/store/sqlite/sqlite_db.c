/*
 * SQLite backend: opening, durability settings, schema migrations, and the
 * const backend instance.
 *
 * Durability. The file is in WAL mode and a commit is acknowledged (the
 * writer's callbacks run) only after COMMIT returns. With
 * synchronous=FULL, SQLite fsyncs the WAL at every commit, so a committed
 * batch survives a process crash, an OS crash and a power loss
 * (sqlite.org/pragma.html#pragma_synchronous: "FULL ... WAL mode ... the
 * transaction is durable across power loss"). With NORMAL the WAL is
 * fsynced only at checkpoints: a commit survives the process being killed
 * (the WAL pages are in the OS page cache, which outlives the process) but
 * the last commits may roll back on power loss. Readings are confirmed to
 * terminals, which then drop them, so FULL is the default; NORMAL is
 * offered for benchmarks and for rebuildable data. The cost of FULL is one
 * fsync per batch, which batching amortises over up to batch_max readings.
 *
 * A batch is inserted in key order (sqlite_readings.c). The WAL is checkpointed by the writer
 * connection every 16384 pages (64 MiB), not SQLite's default 1000, so that one large batch does
 * not trigger a checkpoint (and its fsync of the database file) at every commit; the WAL is reset
 * when a checkpoint finds no reader behind it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "schema.h"
#include "sqlite_int.h"

#define APPLICATION_ID 0x4D485542 /* "MHUB" in the file header: a meterhub store */
#define BUSY_TIMEOUT_MS 10000
/*
 * Page cache per connection. The writer's is large: readings arrive
 * interval by interval across all meters, so a batch touches one leaf page
 * per meter, and those pages should stay in memory from batch to batch.
 */
#define WRITER_CACHE_KIB 131072
#define QUERY_CACHE_KIB 32768
#define CHECKPOINT_CACHE_KIB 1024

static int say(char *err, size_t cap, int rc, const char *what, sqlite3 *db)
{
    if (err && cap)
        snprintf(err, cap, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
    return rc;
}

/* One integer from a query (0 if no row); MH_E* on failure. */
static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return sq_err(rc);
    rc = sqlite3_step(s);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_err(rc);
}

static int exec(sqlite3 *db, const char *sql)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sq_err(rc);
}

/* The database's schema version, inside a transaction; MH_ENOTSUP if not a meterhub store. */
static int current_version(sqlite3 *db, int *version)
{
    int64_t app, tables, v = 0;
    int rc = query_int(db, "PRAGMA application_id", &app);
    if (rc == 0)
        rc = query_int(db, "SELECT COUNT(*) FROM sqlite_schema", &tables);
    if (rc < 0)
        return rc;
    if (app != APPLICATION_ID)
        return tables ? MH_ENOTSUP : (*version = 0, 0);
    rc = query_int(db, "SELECT MAX(version) FROM schema_version", &v);
    *version = (int)v;
    return rc;
}

/* current_version, refusing (MH_ENOTSUP, with why) a foreign store or a newer schema. */
static int check_version(sqlite3 *db, int *v, char *err, size_t cap)
{
    int latest = (int)store_sqlite_migrations_n;
    int rc = current_version(db, v);
    if (rc == MH_ENOTSUP) {
        if (err && cap)
            snprintf(err, cap, "not a meterhub store (it has other tables)");
    } else if (rc == 0 && *v > latest) {
        if (err && cap)
            snprintf(err, cap,
                     "schema version %d is newer than this meterhub knows (%d): "
                     "upgrade meterhub, the file is left untouched",
                     *v, latest);
        rc = MH_ENOTSUP;
    }
    return rc;
}

int sq_migrate(sqlite3 *db, int target, int *version, char *err, size_t cap)
{
    int latest = (int)store_sqlite_migrations_n;
    if (target <= 0 || target > latest)
        target = latest;
    for (;;) {
        /*
         * Read the version inside the write transaction: another process
         * opening the same file at the same time waits here, then sees the
         * steps already applied.
         */
        int v = 0, rc = exec(db, "BEGIN IMMEDIATE");
        if (rc < 0)
            return say(err, cap, rc, "cannot lock the database", db);
        rc = check_version(db, &v, err, cap);
        if (rc == MH_ENOTSUP) {
            exec(db, "ROLLBACK");
            return rc;
        }
        if (rc < 0) {
            exec(db, "ROLLBACK");
            return say(err, cap, rc, "reading the schema version", db);
        }
        if (v >= target) {
            *version = v;
            return exec(db, "COMMIT") < 0 ? say(err, cap, MH_EIO, "commit", db) : 0;
        }
        const struct store_migration *m = &store_sqlite_migrations[v];
        char text[160];
        if (v == 0) {
            snprintf(text, sizeof text,
                     "CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
                     " name TEXT NOT NULL, applied_at TEXT NOT NULL);"
                     "PRAGMA application_id = %d",
                     APPLICATION_ID);
            rc = exec(db, text);
        }
        if (rc == 0)
            rc = exec(db, m->sql);
        if (rc == 0) {
            snprintf(text, sizeof text,
                     "INSERT INTO schema_version VALUES (%d, '%s', datetime('now'))", m->version,
                     m->name);
            rc = exec(db, text);
        }
        if (rc == 0)
            rc = exec(db, "COMMIT");
        if (rc < 0) {
            snprintf(text, sizeof text, "migration %d (%s)", m->version, m->name);
            say(err, cap, rc, text, db);
            exec(db, "ROLLBACK");
            return rc;
        }
        mh_info("store", "sqlite: schema migrated to version %d (%s)", m->version, m->name);
    }
}

/*
 * Open a connection and set it up. With check, a file this build must not
 * use (another application's, a newer schema) is refused before anything
 * is written to it, journal mode included; sq_migrate checks again inside
 * its transaction.
 */
static int sq_connect(const char *path, int relaxed, int cache_kib, int check, struct sq_busy *busy,
                      sqlite3 **out, char *err, size_t cap)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                                 SQLITE_OPEN_EXRESCODE,
                             NULL);
    if (rc != SQLITE_OK) {
        say(err, cap, MH_EIO, path, db);
        sqlite3_close(db);
        return MH_EIO;
    }
    sqlite3_busy_handler(db, sq_busy, busy);
    int v;
    if (check && (rc = check_version(db, &v, err, cap)) < 0) {
        if (rc != MH_ENOTSUP)
            say(err, cap, rc, path, db);
        sqlite3_close(db);
        return rc;
    }
    char cache[48];
    snprintf(cache, sizeof cache, "PRAGMA cache_size = -%d", cache_kib);
    if (exec(db, "PRAGMA journal_mode = WAL") < 0 ||
        exec(db, relaxed ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL") < 0 ||
        exec(db, "PRAGMA journal_size_limit = 67108864; PRAGMA temp_store = MEMORY;"
                 "PRAGMA foreign_keys = ON") < 0 ||
        exec(db, cache) < 0) {
        say(err, cap, MH_EIO, path, db);
        sqlite3_close(db);
        return MH_EIO;
    }
    *out = db;
    return 0;
}

static void sq_close(struct store_be *be)
{
    if (!be)
        return;
    sq_checkpointer_stop(&be->ck);
    for (int i = 0; i < SQ_COUNT_; i++)
        sqlite3_finalize(be->qs[i]);
    for (int i = 0; i < SW_COUNT_; i++)
        sqlite3_finalize(be->ws[i]);
    sqlite3_close(be->c);
    sqlite3_close(be->q);
    sqlite3_close(be->w);
    sq_turns_close(&be->turns);
    pthread_mutex_destroy(&be->mu);
    free(be->sorted);
    free(be->taken);
    free(be);
}

static int sq_open(const char *path, const struct store_options *opt, struct store_be **out,
                   char *err, size_t cap)
{
    struct store_be *be = calloc(1, sizeof *be);
    if (!be)
        return say(err, cap, MH_ENOMEM, path, NULL);
    pthread_mutex_init(&be->mu, NULL);
    sq_turns_open(&be->turns, path);
    /* the query connection serves the API and the loop: someone waits on each of its writes */
    be->bq = (struct sq_busy){.turns = &be->turns, .timeout_ms = BUSY_TIMEOUT_MS, .waited_on = 1};
    be->bw = (struct sq_busy){.turns = &be->turns, .timeout_ms = BUSY_TIMEOUT_MS};
    be->bc = be->bw;
    if (opt && opt->busy_timeout_ms)
        be->bw.timeout_ms = (int)opt->busy_timeout_ms;
    int relaxed = opt && opt->relaxed_durability;
    int rc = sq_connect(path, relaxed, QUERY_CACHE_KIB, 1, &be->bq, &be->q, err, cap);
    if (rc == 0)
        rc = sq_migrate(be->q, 0, &be->version, err, cap);
    if (rc == 0)
        rc = sq_connect(path, relaxed, WRITER_CACHE_KIB, 0, &be->bw, &be->w, err, cap);
    if (rc == 0)
        rc = sq_connect(path, relaxed, CHECKPOINT_CACHE_KIB, 0, &be->bc, &be->c, err, cap);
    if (rc == 0 && (rc = sq_checkpointer_start(&be->ck, be->c)) < 0)
        say(err, cap, rc, "cannot start the checkpointer", NULL);
    if (rc == 0) {
        be->hw = (struct sq_hook){&be->ck, &be->bw};
        be->hq = (struct sq_hook){&be->ck, &be->bq};
        sqlite3_wal_hook(be->w, sq_wal_hook, &be->hw);
        sqlite3_wal_hook(be->q, sq_wal_hook, &be->hq);
    }
    if (rc < 0) {
        sq_close(be);
        return rc;
    }
    *out = be;
    return 0;
}

static void sq_writer_flag(struct store_be *be, const atomic_int *flag)
{
    be->bw.writer_flag = flag;
}

static int sq_schema_version(struct store_be *be)
{
    return be->version;
}

const struct store_backend store_backend_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .schema_version = sq_schema_version,
    .write_readings = sq_write_readings,
    .write_readings_part = sq_write_readings_part,
    .writer_flag = sq_writer_flag,
    .readings_range = sq_readings_range,
    .reading_latest = sq_reading_latest,
    .readings_missing = sq_readings_missing,
    .status_upsert = sq_status_upsert,
    .success_rate = sq_success_rate,
    .failure_reasons = sq_failure_reasons,
    .archive_import = sq_archive_import,
    .terminal_lookup = sq_terminal_lookup,
    .terminal_points = sq_terminal_points,
    .event_insert = sq_event_insert,
    .terminal_links = sq_terminal_links,
    .write_rows = sq_write_rows,
    .terminal_online_seconds = sq_terminal_online_seconds,
    .audit = sq_audit,
    .token_add = sq_token_add,
    .token_check = sq_token_check,
    .token_list = sq_token_list,
    .token_revoke = sq_token_revoke,
    .list = sq_list,
    .protect_add = sq_protect_add,
    .protect_remove = sq_protect_remove,
    .protect_get = sq_protect_get,
    .protect_list = sq_protect_list,
    .control_insert = sq_control_insert,
    .control_update = sq_control_update,
    .control_list = sq_control_list,
    .control_target_put = sq_control_target_put,
    .control_targets = sq_control_targets,
    .prepay_put = sq_prepay_put,
    .prepay_get = sq_prepay_get,
    .prepay_payment = sq_prepay_payment,
    .exec = sq_exec_rows,
    .prepay_list = sq_prepay_list,
    .tx = sq_tx,
    .write_events = sq_write_events,
};
