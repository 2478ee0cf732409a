/*
 * The SQLite backend's private state.
 *
 * Three connections to one WAL-mode file: `w` belongs to the writer thread
 * (readings batches, nothing else touches it), `q` serves every other call
 * under `mu` (queries, archive import, status, events, audit), `c` runs
 * the checkpoints on a thread of its own. In WAL mode
 * readers never block the writer nor the writer them; the writing
 * connections (of this process and of others on the same file) take turns
 * on SQLite's single write lock, each waiting up to its busy timeout, and
 * the writes someone waits on go ahead of the reading batches
 * (sqlite_turns.c).
 *
 * Statements are prepared once, lazily, from a const table of SQL text
 * (sq_stmt), and reset after use.
 */
#ifndef MH_STORE_SQLITE_INT_H
#define MH_STORE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "store_int.h"

/* Statements of the `q` connection (index into the SQL table in sqlite_db.c). */
enum sq_query {
    SQ_BEGIN,
    SQ_COMMIT,
    SQ_ROLLBACK,
    SQ_RANGE,
    SQ_LATEST,
    SQ_MISSING,
    SQ_STATUS_UPSERT,
    SQ_RATE_KIND,
    SQ_RATE_TPROTO,
    SQ_RATE_MPROTO,
    SQ_RATE_CHANNEL,
    SQ_RATE_REGION,
    SQ_REASONS,
    SQ_AREA_UPSERT,
    SQ_CUSTOMER_UPSERT,
    SQ_TERMINAL_UPSERT,
    SQ_METER_UPDATE,
    SQ_METER_TOUCH,
    SQ_METER_INSERT,
    SQ_POINT_INSERT,
    SQ_TERMINAL_LOOKUP,
    SQ_TERMINAL_POINTS,
    SQ_EVENT_INSERT,
    SQ_LINK_INSERT,
    SQ_LINK_BEFORE,
    SQ_LINK_RANGE,
    SQ_AUDIT_INSERT,
    SQ_TERMINAL_FIND,
    SQ_TOKEN_ADD,
    SQ_TOKEN_CHECK,
    SQ_TOKEN_LIST,
    SQ_TOKEN_REVOKE,
    /* listings: in enum store_list_query's order (list.c reads their columns) */
    SQ_L_TERMINALS,
    SQ_L_TERMINAL_GET,
    SQ_L_LINKS,
    SQ_L_METERS,
    SQ_L_METER_GET,
    SQ_L_EXPORT,
    SQ_L_EVENTS,
    SQ_L_AUDIT,
    SQ_L_STATUS,
    SQ_L_AREAS,
    SQ_L_AREA_GET,
    SQ_L_READINGS_SCAN,
    SQ_L_CONSUMPTION,
    SQ_L_LINELOSS,
    SQ_L_ALARMS,
    SQ_L_ALARM_GET,
    SQ_L_QUALITY,
    SQ_L_AREA_DAYS,
    SQ_L_PLAN_PUT,
    SQ_L_PLAN_GET,
    SQ_L_PLAN_USERS,
    SQ_L_CUSTOMERS,
    SQ_L_CUSTOMER_GET,
    SQ_L_POINTS,
    SQ_L_POINT_GET,
    SQ_L_PLAN_RUN_GET,
    SQ_L_PLAN_RUNS,
    SQ_L_PLANS,
    SQ_L_EVENT_COUNTER_GET,
    SQ_L_EVENT_COUNTER_PUT,
    /* analytics writes: in enum store_exec_query's order */
    SQ_X_CONSUMPTION_PUT,
    SQ_X_LINELOSS_PUT,
    SQ_X_ALARM_PUT,
    SQ_X_ALARM_ACK,
    SQ_X_QUALITY_PUT,
    SQ_X_PLAN_USER_PUT,
    SQ_X_PLAN_RUN_PUT,
    SQ_COUNTER_PUT, /* an event counter's value without RETURNING: the writer's rows */
    SQ_COUNT_
};

/* Listings are SQ_L_TERMINALS + enum store_list_query, writes SQ_X_CONSUMPTION_PUT +
 * enum store_exec_query: the runs must stay in step with store_int.h's enums. */
_Static_assert(SQ_L_TERMINALS + (int)SL_COUNT_ == SQ_X_CONSUMPTION_PUT,
               "SQ_L_* out of step with enum store_list_query");
_Static_assert(SQ_L_AREA_DAYS - SQ_L_TERMINALS == (int)SL_AREA_DAYS,
               "SQ_L_AREA_DAYS out of step with SL_AREA_DAYS");


/* Statements of the writer connection. */
enum sq_wquery {
    SW_BEGIN, SW_COMMIT, SW_ROLLBACK, SW_INSERT, SW_EXISTING, SW_REPLACE, SW_EVENT,
    SW_STATUS, SW_LINK, SW_COUNTER, /* the query connection's SQL (sq_sql_text), on the writer's */
    SW_COUNT_
};

/* The checkpoint thread (sqlite_checkpoint.c). */
struct sq_checkpointer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int pending, closing, running;
    sqlite3 *db; /* its own connection */
};

/*
 * Turns at the write lock (sqlite_turns.c): the deadline until which a
 * writer someone waits on claims the next turn, in a file shared by every
 * process of the database (or this process's own when it cannot be made).
 */
struct sq_turns {
    _Atomic int64_t *want; /* CLOCK_MONOTONIC ms */
    _Atomic int64_t local;
    int fd;
    void *map;
    char *path;
};

/* A connection's busy handler state (sq_busy). */
struct sq_busy {
    struct sq_turns *turns;
    int timeout_ms;
    int64_t since_ms;
    int waited_on; /* its transactions are waited on: it claims turns */
    const atomic_int *writer_flag; /* the writer's connection: claims while its urgent queue has readings */
};

void sq_turns_open(struct sq_turns *t, const char *db_path);
void sq_turns_close(struct sq_turns *t);
/* Whether a writer waited on claims the lock now. */
int sq_turns_wanted(const struct sq_turns *t);
/* A bulk writer: wait (a bounded time) while one is claimed; 1 when it waited. */
int sq_turns_stand_back(const struct sq_turns *t);
/* sqlite3_busy_handler callback; arg a struct sq_busy. */
int sq_busy(void *arg, int count);

/* A committing connection's WAL hook argument: the checkpointer, and whether the commit is waited on. */
struct sq_hook {
    struct sq_checkpointer *ck;
    const struct sq_busy *busy;
};

struct store_be {
    sqlite3 *w;
    sqlite3 *q;
    sqlite3 *c; /* the checkpointer's */
    struct sq_turns turns;
    struct sq_busy bw, bq, bc; /* busy handlers of w, q and c */
    struct sq_hook hw, hq;     /* WAL hooks of w and q */
    struct sq_checkpointer ck;
    pthread_mutex_t mu; /* guards q and qs */
    sqlite3_stmt *qs[SQ_COUNT_];
    sqlite3_stmt *ws[SW_COUNT_];
    int version;
    const struct store_reading **sorted; /* writer's scratch: a batch in key order */
    uint8_t *taken;                      /* writer's scratch: which of a batch were written */
    size_t sorted_cap;
};

/* The SQL text of id (for tests that check query plans). */
const char *sq_sql_text(enum sq_query id);

/* The prepared statement for id on q (call with mu held); NULL on failure (logged). */
sqlite3_stmt *sq_stmt(struct store_be *be, enum sq_query id);

/* Map an SQLite result code to MH_E*: BUSY/LOCKED -> MH_EBUSY, CONSTRAINT -> MH_EINVAL, else
 * MH_EIO. */
int sq_err(int rc);

/* Run a statement that returns no rows to completion and reset it: 0 or MH_E*. */
int sq_exec(sqlite3_stmt *s);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK on q (mu held). */
int sq_begin(struct store_be *be);
int sq_commit(struct store_be *be);
void sq_rollback(struct store_be *be);

/*
 * Apply the migrations after the database's version up to target (all
 * when target is 0), each in one transaction; refuse a database newer
 * than this build or one that is not a meterhub store. *version receives
 * the version reached. Used by open, and by tests to make old files.
 */
int sq_migrate(sqlite3 *db, int target, int *version, char *err, size_t cap);

/*
 * WAL checkpoints on their own thread. The hook is installed on every
 * connection that commits (sqlite3_wal_hook; it replaces SQLite's
 * autocheckpoint) with the checkpointer as its argument.
 */
int sq_checkpointer_start(struct sq_checkpointer *ck, sqlite3 *db);
void sq_checkpointer_stop(struct sq_checkpointer *ck);
/* arg: a struct sq_hook, the connection's. */
int sq_wal_hook(void *arg, sqlite3 *db, const char *name, int pages);

/* Backend operations implemented in the other files. */
/* Bind an event to ?1..?7 of an events INSERT (SQ_EVENT_INSERT, SW_EVENT). */
void sq_bind_event(sqlite3_stmt *s, const struct store_event *e);
/* Events in one transaction on the writer's connection (store_backend.write_events). */
int sq_write_events(struct store_be *be, const struct store_event *e, size_t n, uint64_t *stored);
int sq_write_readings(struct store_be *be, const struct store_reading *r, size_t n,
                      struct store_batch_result *res);
int sq_write_readings_part(struct store_be *be, struct store_reading *r, size_t n,
                           struct store_batch_result *res, size_t *written, int (*yield)(void *ctx),
                           void *ctx);
int sq_readings_range(struct store_be *be, int64_t meter, uint32_t item, int64_t from, int64_t to,
                      struct store_reading *out, size_t cap);
int sq_reading_latest(struct store_be *be, int64_t meter, uint32_t item, struct store_reading *out);
int sq_readings_missing(struct store_be *be, uint32_t item, int64_t from, int64_t to, int64_t after,
                        struct store_meter_ref *out, size_t cap);
int sq_status_upsert(struct store_be *be, const struct store_status *s, size_t n);
int sq_success_rate(struct store_be *be, int64_t day, int item_class, int group,
                    struct store_rate *out, size_t cap);
int sq_failure_reasons(struct store_be *be, int64_t day, int item_class, uint64_t *out);
int sq_archive_import(struct store_be *be, const struct archive *a, struct store_import_stats *out,
                      char *err, size_t cap);
int sq_terminal_lookup(struct store_be *be, uint16_t region, const char *address,
                       struct store_terminal *out);
int sq_terminal_points(struct store_be *be, int64_t terminal, struct store_point *out, size_t cap);
int sq_event_insert(struct store_be *be, const struct store_event *e);
int sq_terminal_links(struct store_be *be, const struct store_link_change *l, size_t n);
/* Bind a status row (?1..?6 of SQ_STATUS_UPSERT) / a link change (?1..?4 of SQ_LINK_INSERT). */
void sq_bind_status(sqlite3_stmt *s, const struct store_status *st);
void sq_bind_link(sqlite3_stmt *s, const struct store_link_change *l);
int sq_write_rows(struct store_be *be, const struct store_status *s, size_t ns,
                  const struct store_link_change *l, size_t nl, const struct store_counter_set *c,
                  size_t nc);
int sq_terminal_online_seconds(struct store_be *be, int64_t terminal, int64_t from, int64_t to,
                               int64_t *out);
int sq_audit(struct store_be *be, const char *who, int64_t t_ms, const char *what, int result);
int sq_token_add(struct store_be *be, const char *name, int role, const unsigned char *hash,
                 int64_t created_ms);
int sq_token_check(struct store_be *be, const unsigned char *hash, struct store_token *out);
int sq_token_list(struct store_be *be, struct store_token *out, size_t cap);
int sq_token_revoke(struct store_be *be, const char *name);
int sq_list(struct store_be *be, enum store_list_query q, const struct store_arg *a, int n,
            int (*row)(void *ctx, const struct store_cols *c), void *ctx);
int sq_tx(struct store_be *be, int (*fn)(void *ctx, struct store_tx *tx), void *ctx);
int sq_exec_rows(struct store_be *be, enum store_exec_query q, const struct store_arg *a,
                 int n_args, size_t n_rows);

/* sqlite_control.c: protect list and load-management commands. */
int sq_protect_add(struct store_be *be, const struct store_protect *p);
int sq_protect_remove(struct store_be *be, int kind, const char *ref);
int sq_protect_get(struct store_be *be, int kind, const char *ref, struct store_protect *out);
int sq_protect_list(struct store_be *be, struct store_protect *out, size_t cap);
int sq_control_insert(struct store_be *be, struct store_control *c);
int sq_control_update(struct store_be *be, const struct store_control *c);
int sq_control_list(struct store_be *be, int64_t id, int64_t after, struct store_control *out, size_t cap);
int sq_control_target_put(struct store_be *be, int64_t command, const struct store_control_target *t);
int sq_control_targets(struct store_be *be, int64_t command, struct store_control_target *out, size_t cap);
int sq_prepay_put(struct store_be *be, const struct store_prepay *a);
int sq_prepay_get(struct store_be *be, int64_t meter, struct store_prepay *out);
int sq_prepay_list(struct store_be *be, int64_t after, struct store_prepay *out, size_t cap);
int sq_prepay_payment(struct store_be *be, int64_t meter, int64_t amount_e4, const char *who, const char *ref,
                      int64_t t_ms);

#endif
