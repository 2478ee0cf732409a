/*
 * The PostgreSQL backend's private state.
 *
 * Connections (libpq, one thread at a time each):
 *   wr[]    the writer's (pg_writers.c): readings batches; wr[0] also
 *           creates partitions. The store's writer thread uses wr[0], and
 *           a large batch is split by key over wr[1..] too, each share
 *           written by a thread of its own in its own transaction, all
 *           committed before the batch returns; nothing else touches them;
 *   pool[]  a small pool for every other call (queries, archive import,
 *           status, events, audit); a caller takes one with pg_acquire,
 *           waiting when all are busy, and gives it back with pg_release.
 * Statements are prepared on each connection on first use from one const
 * table of SQL text (pg_sql.c) and prepared again after a reconnection.
 *
 * A connection the server dropped (restart, failover, network) is reset
 * the next time it is used. The writer retries a batch that failed because
 * the connection was lost until the server is back; meanwhile readings
 * wait in the writer's bounded queue and appenders see back-pressure.
 */
#ifndef MH_STORE_PG_INT_H
#define MH_STORE_PG_INT_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "store_int.h"

#define PG_POOL_SIZE 4
#define PG_WRITERS_DEFAULT 2
#define PG_WRITERS_MAX 8
#define PG_MAX_PARAMS 16

/* Every statement the backend prepares (SQL in pg_sql.c). */
enum pg_query {
    PQ_RANGE,
    PQ_LATEST,
    PQ_MISSING,
    PQ_STATUS_UPSERT,
    PQ_RATE_KIND,
    PQ_RATE_TPROTO,
    PQ_RATE_MPROTO,
    PQ_RATE_CHANNEL,
    PQ_RATE_REGION,
    PQ_REASONS,
    PQ_AREA_UPSERT,
    PQ_CUSTOMER_UPSERT,
    PQ_TERMINAL_UPSERT,
    PQ_METER_UPDATE,
    PQ_METER_TOUCH,
    PQ_METER_INSERT,
    PQ_POINT_INSERT,
    PQ_TERMINAL_LOOKUP,
    PQ_TERMINAL_FIND,
    PQ_TERMINAL_POINTS,
    PQ_EVENT_INSERT,
    PQ_LINK_INSERT,
    PQ_LINK_BEFORE,
    PQ_LINK_RANGE,
    PQ_AUDIT_INSERT,
    PQ_TOKEN_ADD,
    PQ_TOKEN_CHECK,
    PQ_TOKEN_LIST,
    PQ_TOKEN_REVOKE,
    /* listings: in enum store_list_query's order (list.c reads their columns) */
    PQ_L_TERMINALS,
    PQ_L_TERMINAL_GET,
    PQ_L_LINKS,
    PQ_L_METERS,
    PQ_L_METER_GET,
    PQ_L_EXPORT,
    PQ_L_EVENTS,
    PQ_L_AUDIT,
    PQ_L_STATUS,
    PQ_L_AREAS,
    PQ_L_AREA_GET,
    PQ_L_READINGS_SCAN,
    PQ_L_CONSUMPTION,
    PQ_L_LINELOSS,
    PQ_L_ALARMS,
    PQ_L_ALARM_GET,
    PQ_L_QUALITY,
    PQ_L_AREA_DAYS,
    PQ_L_PLAN_PUT,
    PQ_L_PLAN_GET,
    PQ_L_PLAN_USERS,
    PQ_L_CUSTOMERS,
    PQ_L_CUSTOMER_GET,
    PQ_L_POINTS,
    PQ_L_POINT_GET,
    PQ_L_PLAN_RUN_GET,
    PQ_L_PLAN_RUNS,
    PQ_L_PLANS,
    PQ_L_EVENT_COUNTER_GET,
    PQ_L_EVENT_COUNTER_PUT,
    /* analytics writes: in enum store_exec_query's order */
    PQ_X_CONSUMPTION_PUT,
    PQ_X_LINELOSS_PUT,
    PQ_X_ALARM_PUT,
    PQ_X_ALARM_ACK,
    PQ_X_QUALITY_PUT,
    PQ_X_PLAN_USER_PUT,
    PQ_X_PLAN_RUN_PUT,
    PQ_COUNTER_PUT, /* an event counter's value without RETURNING: the writer's rows */
    /* the writer's */
    PQ_W_INSERT_NEW,
    PQ_W_RESOLVE,
    PQ_W_PARTITION,
    PQ_COUNT_
};

/* Listings are PQ_L_TERMINALS + enum store_list_query, writes PQ_X_CONSUMPTION_PUT +
 * enum store_exec_query: the runs must stay in step with store_int.h's enums. */
_Static_assert(PQ_L_TERMINALS + (int)SL_COUNT_ == PQ_X_CONSUMPTION_PUT,
               "PQ_L_* out of step with enum store_list_query");
_Static_assert(PQ_L_AREA_DAYS - PQ_L_TERMINALS == (int)SL_AREA_DAYS,
               "PQ_L_AREA_DAYS out of step with SL_AREA_DAYS");
struct pg_conn {
    PGconn *c;
    uint8_t prepared[(PQ_COUNT_ + 7) / 8]; /* bit q % 8 of byte q / 8: statement q is prepared on c */
};

/* Text parameters of one statement. */
struct pg_params {
    int n;
    const char *v[PG_MAX_PARAMS];
    char buf[PG_MAX_PARAMS][24];
};

/* A [lo, hi) span of data times known to have a partition. */
struct pg_span {
    int64_t lo, hi;
};

/*
 * One writer connection and its share of the batch being written. Shares
 * wr[1..] are handed to their threads under store_be.wmu (busy set by the
 * store's writer thread, cleared by the share's thread when done).
 */
struct pg_writer {
    struct store_be *be;
    struct pg_conn c;
    int stage_ready; /* this session has its staging table */
    char *copybuf;
    size_t copycap;
    /* the share: n sorted readings (key order) with their rounds */
    const struct store_reading *const *sorted;
    const uint8_t *round;
    size_t n;
    struct store_batch_result res;
    int rc;
    int busy;
    pthread_t thread;
    int started; /* thread is running (wr[1..] only) */
};

struct store_be {
    char *conninfo;
    int relaxed;
    int version;
    /* the writer: connections, the batch in key order, share threads */
    struct pg_writer wr[PG_WRITERS_MAX];
    int nwriters;
    const struct store_reading **sorted;
    uint8_t *round; /* occurrence of each sorted reading's key in the batch: 1, 2, ... */
    size_t sorted_cap;
    pthread_mutex_t wmu;
    pthread_cond_t wcv;
    int wquit;
    struct pg_span *spans; /* sorted by lo */
    size_t nspans, spancap;
    /* the pool */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pg_conn pool[PG_POOL_SIZE];
    int busy[PG_POOL_SIZE];
};

/* ---- connections and statements (pg_conn.c) ---- */

/* Connect pc to conninfo and set its session up; 0 or MH_EIO with err. */
int pg_connect(struct pg_conn *pc, const char *conninfo, int relaxed, char *err, size_t cap);
/* Reset a dropped connection (statements will be prepared again); 0 or MH_EIO. */
int pg_reconnect(struct pg_conn *pc, int relaxed);
void pg_disconnect(struct pg_conn *pc);
/* Nonzero when the connection was lost (the server went away). */
int pg_lost(const struct pg_conn *pc);

/* Take a pool connection (waits while all are busy) / give it back. */
struct pg_conn *pg_acquire(struct store_be *be);
void pg_release(struct store_be *be, struct pg_conn *pc);

void pp_i64(struct pg_params *p, int64_t x);
void pp_text(struct pg_params *p, const char *s); /* NULL: SQL NULL; s borrowed */

/* Execute prepared statement q (preparing it first on this connection). Never NULL. */
PGresult *pg_exec(struct pg_conn *pc, enum pg_query q, const struct pg_params *p);
/* Run SQL text with no parameters (BEGIN, COMMIT, DDL ...): 0 or MH_E*. */
int pg_simple(struct pg_conn *pc, const char *sql);
/* 0 if res succeeded (a command, or rows), else MH_E* from its SQLSTATE (logged). */
int pg_check(struct pg_conn *pc, const PGresult *res, const char *what);
/* Column col of row as an integer (0 when NULL) / rows changed by a command. */
int64_t pg_i64(const PGresult *res, int row, int col);
int64_t pg_changed(const PGresult *res);

/*
 * Run one statement on a pool connection, retrying once on a fresh
 * connection when the server dropped the first. rows (may be NULL) reads
 * the result; its return value is returned. Otherwise 0 or MH_E*.
 */
int pg_one(struct store_be *be, enum pg_query q, const struct pg_params *p,
           int (*rows)(void *ctx, const PGresult *res), void *ctx);

/* ---- schema (pg_schema.c) ---- */

/* Apply the migrations after the database's version up to the latest; *version reached. */
int pg_migrate(struct pg_conn *pc, int *version, char *err, size_t cap);

/* SQL of statement q (pg_sql.c). */
const char *pg_sql(enum pg_query q);

/* Create a writer connection's staging table (at open and after a reconnection, pg_db.c). */
int pg_writer_session(struct pg_writer *wr);

/* ---- readings (pg_readings.c, pg_partition.c) ---- */

/* Make sure every data time of the batch has its partition (writer connection). */
int pg_partitions_ensure(struct store_be *be, const struct store_reading *const *r, size_t n);
/* Create the current month's partition and the next ones ahead (writer connection). */
int pg_partitions_ahead(struct store_be *be, int64_t now);

/*
 * The binary COPY stream of the batch into mh_stage: header, one tuple per
 * reading (its round, the key, the value and its source), trailer. Returns
 * the length written into *buf (grown as needed) or MH_ENOMEM.
 */
long pg_copy_encode(const struct store_reading *const *r, const uint8_t *round, size_t n,
                    int with_round, char **buf, size_t *cap);

/*
 * Write wr's share (wr->sorted, wr->round, wr->n) in one transaction on
 * wr's connection, sent again after a lost connection until the server
 * answers; result in wr->res. Returns 0 or MH_E* (pg_readings.c).
 */
int pg_write_share(struct store_be *be, struct pg_writer *wr);
/* After a lost connection: log, wait *delay_ms (doubled, capped), reconnect wr. */
void pg_writer_backoff(struct store_be *be, struct pg_writer *wr, int *delay_ms, size_t n);

/* pg_writers.c: connect the writer connections and start their threads / stop and free them. */
int pg_writers_open(struct store_be *be, int n, char *err, size_t cap);
void pg_writers_close(struct store_be *be);
/* The backend's write_readings: sort, partitions, shares in parallel, results summed. */
int pg_write_readings(struct store_be *be, const struct store_reading *r, size_t n,
                      struct store_batch_result *res);
int pg_readings_range(struct store_be *be, int64_t meter, uint32_t item, int64_t from, int64_t to,
                      struct store_reading *out, size_t cap);
int pg_reading_latest(struct store_be *be, int64_t meter, uint32_t item, struct store_reading *out);
int pg_readings_missing(struct store_be *be, uint32_t item, int64_t from, int64_t to, int64_t after,
                        struct store_meter_ref *out, size_t cap);

/* ---- everything else (pg_archive.c, pg_status.c) ---- */

int pg_status_upsert(struct store_be *be, const struct store_status *s, size_t n);
int pg_success_rate(struct store_be *be, int64_t day, int item_class, int group,
                    struct store_rate *out, size_t cap);
int pg_failure_reasons(struct store_be *be, int64_t day, int item_class, uint64_t *out);
int pg_archive_import(struct store_be *be, const struct archive *a, struct store_import_stats *out,
                      char *err, size_t cap);
int pg_terminal_lookup(struct store_be *be, uint16_t region, const char *address,
                       struct store_terminal *out);
int pg_terminal_points(struct store_be *be, int64_t terminal, struct store_point *out, size_t cap);
int pg_event_insert(struct store_be *be, const struct store_event *e);
int pg_write_events(struct store_be *be, const struct store_event *e, size_t n, uint64_t *stored);
int pg_terminal_links(struct store_be *be, const struct store_link_change *l, size_t n);
int pg_write_rows(struct store_be *be, const struct store_status *s, size_t ns,
                  const struct store_link_change *l, size_t nl, const struct store_counter_set *c,
                  size_t nc);
int pg_terminal_online_seconds(struct store_be *be, int64_t terminal, int64_t from, int64_t to,
                               int64_t *out);
int pg_audit(struct store_be *be, const char *who, int64_t t_ms, const char *what, int result);
int pg_token_add(struct store_be *be, const char *name, int role, const unsigned char *hash,
                 int64_t created_ms);
int pg_token_check(struct store_be *be, const unsigned char *hash, struct store_token *out);
int pg_token_list(struct store_be *be, struct store_token *out, size_t cap);
int pg_token_revoke(struct store_be *be, const char *name);
int pg_tx(struct store_be *be, int (*fn)(void *ctx, struct store_tx *tx), void *ctx);
int pg_exec_rows(struct store_be *be, enum store_exec_query q, const struct store_arg *a,
                 int n_args, size_t n_rows);
int pg_list(struct store_be *be, enum store_list_query q, const struct store_arg *a, int n,
            int (*row)(void *ctx, const struct store_cols *c), void *ctx);

/* pg_control.c: protect list and load-management commands. */
int pg_protect_add(struct store_be *be, const struct store_protect *p);
int pg_protect_remove(struct store_be *be, int kind, const char *ref);
int pg_protect_get(struct store_be *be, int kind, const char *ref, struct store_protect *out);
int pg_protect_list(struct store_be *be, struct store_protect *out, size_t cap);
int pg_control_insert(struct store_be *be, struct store_control *c);
int pg_control_update(struct store_be *be, const struct store_control *c);
int pg_control_list(struct store_be *be, int64_t id, int64_t after, struct store_control *out, size_t cap);
int pg_control_target_put(struct store_be *be, int64_t command, const struct store_control_target *t);
int pg_control_targets(struct store_be *be, int64_t command, struct store_control_target *out, size_t cap);
int pg_prepay_put(struct store_be *be, const struct store_prepay *a);
int pg_prepay_get(struct store_be *be, int64_t meter, struct store_prepay *out);
int pg_prepay_list(struct store_be *be, int64_t after, struct store_prepay *out, size_t cap);
int pg_prepay_payment(struct store_be *be, int64_t meter, int64_t amount_e4, const char *who, const char *ref,
                      int64_t t_ms);

#endif
