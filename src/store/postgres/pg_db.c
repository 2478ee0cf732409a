/*
 * PostgreSQL backend: opening and closing, and the const backend instance.
 *
 * The URI is handed to libpq as it is ("postgres://user@host:port/db?..."
 * is a libpq connection URI; passwords come from ~/.pgpass or PGPASSWORD
 * rather than the URI, as usual). Open connects the pool, migrates the
 * schema, connects the writer's connections (store_options
 * .writer_connections, default 2) with their staging tables and starts
 * their threads, and creates the partitions of this month and the next ones.
 *
 * Durability: COMMIT returns once the commit record is flushed to the
 * server's WAL (synchronous_commit = on, pg_conn.c), and only then does
 * the writer run the callbacks. relaxed_durability sets
 * synchronous_commit = off for the writer's session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "pg_int.h"

/*
 * The writer's staging table: a batch is COPYed here (temporary: no WAL,
 * no index, emptied at every commit) and moved into readings by INSERT ...
 * SELECT ... ON CONFLICT. round is the occurrence of the key in the batch
 * (1 for the first): repeats are applied after, in arrival order.
 */
static const char stage_sql[] =
    "CREATE TEMPORARY TABLE mh_stage (round smallint NOT NULL, meter_id bigint NOT NULL,"
    " item bigint NOT NULL, data_time bigint NOT NULL, mantissa bigint NOT NULL,"
    " exponent smallint NOT NULL, quality smallint NOT NULL, protocol smallint NOT NULL,"
    " terminal_id bigint NOT NULL, received_ms bigint NOT NULL) ON COMMIT DELETE ROWS";

static void pg_close(struct store_be *be)
{
    if (!be)
        return;
    pg_writers_close(be);
    for (int i = 0; i < PG_POOL_SIZE; i++)
        pg_disconnect(&be->pool[i]);
    pthread_cond_destroy(&be->cv);
    pthread_mutex_destroy(&be->mu);
    pthread_cond_destroy(&be->wcv);
    pthread_mutex_destroy(&be->wmu);
    free(be->conninfo);
    free(be->spans);
    free(be);
}

int pg_writer_session(struct pg_writer *wr)
{
    if (wr->stage_ready)
        return 0;
    int rc = pg_simple(&wr->c, stage_sql);
    wr->stage_ready = rc == 0;
    return rc;
}

static int pg_open(const char *uri, const struct store_options *opt, struct store_be **out,
                   char *err, size_t cap)
{
    struct store_be *be = calloc(1, sizeof *be);
    if (!be || !(be->conninfo = strdup(uri))) {
        free(be);
        if (err && cap)
            snprintf(err, cap, "out of memory");
        return MH_ENOMEM;
    }
    pthread_mutex_init(&be->mu, NULL);
    pthread_cond_init(&be->cv, NULL);
    pthread_mutex_init(&be->wmu, NULL);
    pthread_cond_init(&be->wcv, NULL);
    be->relaxed = opt && opt->relaxed_durability;
    int writers = opt && opt->writer_connections ? opt->writer_connections : PG_WRITERS_DEFAULT;
    if (writers < 1 || writers > PG_WRITERS_MAX) {
        if (err && cap)
            snprintf(err, cap, "writer_connections: 1 to %d", PG_WRITERS_MAX);
        pg_close(be);
        return MH_EINVAL;
    }
    int rc = 0;
    for (int i = 0; i < PG_POOL_SIZE && rc == 0; i++)
        rc = pg_connect(&be->pool[i], uri, be->relaxed, err, cap);
    if (rc == 0)
        rc = pg_migrate(&be->pool[0], &be->version, err, cap);
    if (rc == 0)
        rc = pg_writers_open(be, writers, err, cap);
    if (rc == 0 && (rc = pg_partitions_ahead(be, (int64_t)time(NULL))) < 0 && err && cap)
        snprintf(err, cap, "creating the readings partitions: %s", PQerrorMessage(be->wr[0].c.c));
    if (rc < 0) {
        pg_close(be);
        return rc;
    }
    *out = be;
    return 0;
}

static int pg_schema_version(struct store_be *be)
{
    return be->version;
}

const struct store_backend store_backend_postgres = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .schema_version = pg_schema_version,
    .write_readings = pg_write_readings,
    .readings_range = pg_readings_range,
    .reading_latest = pg_reading_latest,
    .readings_missing = pg_readings_missing,
    .status_upsert = pg_status_upsert,
    .success_rate = pg_success_rate,
    .failure_reasons = pg_failure_reasons,
    .archive_import = pg_archive_import,
    .terminal_lookup = pg_terminal_lookup,
    .terminal_points = pg_terminal_points,
    .event_insert = pg_event_insert,
    .terminal_links = pg_terminal_links,
    .write_rows = pg_write_rows,
    .terminal_online_seconds = pg_terminal_online_seconds,
    .audit = pg_audit,
    .token_add = pg_token_add,
    .token_check = pg_token_check,
    .token_list = pg_token_list,
    .token_revoke = pg_token_revoke,
    .list = pg_list,
    .protect_add = pg_protect_add,
    .protect_remove = pg_protect_remove,
    .protect_get = pg_protect_get,
    .protect_list = pg_protect_list,
    .control_insert = pg_control_insert,
    .control_update = pg_control_update,
    .control_list = pg_control_list,
    .control_target_put = pg_control_target_put,
    .control_targets = pg_control_targets,
    .prepay_put = pg_prepay_put,
    .prepay_get = pg_prepay_get,
    .prepay_payment = pg_prepay_payment,
    .exec = pg_exec_rows,
    .prepay_list = pg_prepay_list,
    .tx = pg_tx,
    .write_events = pg_write_events,
};
