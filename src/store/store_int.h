/*
 * What a storage backend provides, and the generic half of a store (the
 * reading queue and its writer thread) that every backend shares.
 *
 * A backend is one const struct store_backend: a name, the URI schemes it
 * serves, and function pointers (libmodbus modbus_backend_t, curl struct
 * Curl_ssl). store.c picks it by URI and calls nothing else of it. The
 * writer thread is the only caller of write_readings; every other
 * operation may be called from any thread at once, and the backend makes
 * that safe (SQLite: one mutex-guarded connection; PostgreSQL: a pool).
 */
#ifndef MH_STORE_INT_H
#define MH_STORE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "meterhub/store.h"

struct store_be; /* a backend's own state */

/* A terminal's online (1) or offline (0) at t_ms, as the link history keeps it; reason may be "". */
struct store_link_change {
    int64_t terminal, t_ms;
    int online;
    char reason[96]; /* as store_link_row keeps it */
};

/* An event counter's value at t_ms (store_event_counter_put). */
struct store_counter_set {
    int64_t terminal, t_ms;
    int counter, value;
};

/* Per-batch outcome of write_readings. */
struct store_batch_result {
    uint64_t stored, duplicates, conflicts;
    uint64_t yields; /* write_readings_part: times it gave way to another writer */
};

/*
 * Listings (store.h "listings"): the filling of rows is shared (list.c);
 * a backend runs statement q of its own SQL table with the arguments in
 * order and hands each result row to row() through column accessors.
 */
enum store_list_query {
    SL_TERMINALS,    /* after, region, kind, protocol, channel_group, online, active, limit */
    SL_TERMINAL_GET, /* id */
    SL_LINKS,        /* terminal, after, from_ms, to_ms, limit */
    SL_METERS,       /* after, terminal, area, protocol, customer, address, active, limit */
    SL_METER_GET,    /* id */
    SL_EXPORT,       /* none */
    SL_EVENTS,       /* after, meter, terminal, code, from_s, to_s, limit */
    SL_AUDIT,        /* after, from_ms, to_ms, who, limit */
    SL_STATUS,       /* day, item_class, after, reason, failed_only, limit */
    SL_AREAS,        /* after, region, limit */
    SL_AREA_GET,     /* id */
    SL_READINGS_SCAN, /* after meter, item, t, from, to, limit */
    SL_CONSUMPTION,   /* meter, from_day, to_day, after meter, after day, limit */
    SL_LINELOSS,      /* area code, from_day, to_day, after area, after day, limit */
    SL_ALARMS,        /* after, type, meter, terminal, area code, open, from_s, to_s, limit */
    SL_ALARM_GET,     /* id */
    SL_QUALITY,       /* meter, from_day, to_day, after meter, after day, limit */
    SL_AREA_DAYS,    /* area code, item, from, to (inclusive) */
    SL_PLAN_PUT,     /* id (NULL: new), name, who, area, target_w, from_ms, to_ms, created_ms, max_pct,
                        expect_w, short_w, baseline_w, after_w; a write whose one row is the plan's id */
    SL_PLAN_GET,     /* id */
    SL_PLAN_USERS,   /* plan id */
    SL_CUSTOMERS,    /* after, code, class, area code, limit, name part */
    SL_CUSTOMER_GET, /* code */
    SL_POINTS,       /* after, terminal, meter, area code, protocol, limit */
    SL_POINT_GET,    /* id */
    SL_PLAN_RUN_GET, /* plan id */
    SL_PLAN_RUNS,    /* after, state_lo, state_hi, limit */
    SL_PLANS,        /* after, limit */
    SL_EVENT_COUNTER_GET, /* terminal, counter */
    SL_EVENT_COUNTER_PUT, /* terminal, counter, value, updated_ms; a write whose one row is value */
    SL_COUNT_
};

enum store_arg_kind { SA_NULL, SA_INT, SA_TEXT };
struct store_arg {
    enum store_arg_kind kind;
    int64_t i;
    const char *s; /* borrowed for the call */
};

/* One result row: column col (0-based) as an integer (0 when NULL) or text (NULL when NULL). */
struct store_cols {
    int64_t (*i64)(const struct store_cols *c, int col);
    const char *(*text)(const struct store_cols *c, int col);
    int (*is_null)(const struct store_cols *c, int col);
};

/*
 * Writes of the analytics results (store.h "analytics results"): statement
 * q of the backend's SQL table run once per row, n_args arguments a row,
 * all rows in one transaction. Returns the rows changed or MH_E*.
 */
enum store_exec_query {
    SX_CONSUMPTION_PUT, /* meter, day, quality, status, import x5, export x5 */
    SX_LINELOSS_PUT,    /* area code, day, supply, users, loss, rate, rise, flags, users, missing,
                           suspect x3 */
    SX_ALARM_PUT,       /* type, phase, meter, terminal, area code, start, end, first_day,
                           last_day, value, limit, evidence */
    SX_ALARM_ACK,       /* id, who, t_ms */
    SX_QUALITY_PUT,     /* the columns of quality_day in order */
    SX_PLAN_USER_PUT,   /* plan id, then PLAN_USER_COLS in order */
    SX_PLAN_RUN_PUT,    /* PLAN_RUN_COLS in order */
    SX_COUNT_
};

/*
 * A transaction's statements (store_backend.tx): SQL text with parameters
 * $1..$n (both backends read that syntax; PostgreSQL infers their types
 * from the columns, so the SQL compares and assigns them to columns only),
 * arguments a[0..n). Returns the rows the statement returned, or for a
 * command without RETURNING the rows it changed; *first (may be NULL)
 * receives column 0 of the first row returned. MH_EEXIST when a unique key
 * is taken, other MH_E* otherwise.
 */
struct store_tx {
    int (*exec)(struct store_tx *tx, const char *sql, const struct store_arg *a, int n,
                int64_t *first);
};

struct store_backend {
    const char *name;
    /*
     * Open the database behind uri (the part after the scheme, as the
     * backend wants it) and migrate its schema. err receives why on failure.
     */
    int (*open)(const char *target, const struct store_options *opt, struct store_be **out,
                char *err, size_t cap);
    void (*close)(struct store_be *be);
    int (*schema_version)(struct store_be *be);

    /*
     * Store n readings in one transaction and return only once it is
     * durable. On failure nothing of the batch is stored.
     */
    int (*write_readings)(struct store_be *be, const struct store_reading *r, size_t n,
                          struct store_batch_result *res);
    /*
     * Optional, for a backend whose writers exclude one another (SQLite's
     * one write lock): a batch of the main queue, which may commit a part
     * and return when another writer waits for the database, or when
     * yield(ctx) (looked at between slices) says the writer has work that
     * is waited on. The readings committed are counted in *written; the
     * rest are moved, in their order, to the front of r. One transaction
     * per call: on failure nothing of this call is stored.
     */
    int (*write_readings_part)(struct store_be *be, struct store_reading *r, size_t n,
                               struct store_batch_result *res, size_t *written,
                               int (*yield)(void *ctx), void *ctx);
    /*
     * Optional, with write_readings_part: *flag is set while the writer
     * thread has readings someone waits on queued (its urgent queue), so
     * that any wait of that thread for the database claims the next turn
     * (a status-row transaction waiting behind another process's batch
     * must not hold an operator's read up). Called once, after open.
     */
    void (*writer_flag)(struct store_be *be, const atomic_int *flag);

    int (*readings_range)(struct store_be *be, int64_t meter, uint32_t item, int64_t from,
                          int64_t to, struct store_reading *out, size_t cap);
    int (*reading_latest)(struct store_be *be, int64_t meter, uint32_t item,
                          struct store_reading *out);
    int (*readings_missing)(struct store_be *be, uint32_t item, int64_t from, int64_t to,
                            int64_t after, struct store_meter_ref *out, size_t cap);

    int (*status_upsert)(struct store_be *be, const struct store_status *s, size_t n);
    int (*success_rate)(struct store_be *be, int64_t day, int item_class, int group,
                        struct store_rate *out, size_t cap);
    int (*failure_reasons)(struct store_be *be, int64_t day, int item_class, uint64_t *out);

    int (*archive_import)(struct store_be *be, const struct archive *a,
                          struct store_import_stats *out, char *err, size_t cap);
    int (*terminal_lookup)(struct store_be *be, uint16_t region, const char *address,
                           struct store_terminal *out);
    int (*terminal_points)(struct store_be *be, int64_t terminal, struct store_point *out,
                           size_t cap);

    int (*event_insert)(struct store_be *be, const struct store_event *e);
    /* n link changes, in order, in one transaction */
    int (*terminal_links)(struct store_be *be, const struct store_link_change *l, size_t n);
    /*
     * The writer thread's (writer_rows.c): status rows, link changes and
     * counter values, each kind in order, in one transaction, on a
     * connection no other thread waits for. MH_EBUSY: tried again.
     */
    int (*write_rows)(struct store_be *be, const struct store_status *s, size_t ns,
                      const struct store_link_change *l, size_t nl,
                      const struct store_counter_set *c, size_t nc);
    int (*terminal_online_seconds)(struct store_be *be, int64_t terminal, int64_t from, int64_t to,
                                   int64_t *out);
    int (*audit)(struct store_be *be, const char *who, int64_t t_ms, const char *what, int result);

    /* ---- API tokens ---- */
    int (*token_add)(struct store_be *be, const char *name, int role, const unsigned char *hash,
                     int64_t created_ms);
    int (*token_check)(struct store_be *be, const unsigned char *hash, struct store_token *out);
    int (*token_list)(struct store_be *be, struct store_token *out, size_t cap);
    int (*token_revoke)(struct store_be *be, const char *name);

    /*
     * ---- listings ----
     * Run listing q; row(ctx, cols) for each result row, stopping at its
     * first negative return, which is returned. Otherwise the row count or
     * MH_E*. row must not call the store.
     */
    int (*list)(struct store_be *be, enum store_list_query q, const struct store_arg *a, int n,
                int (*row)(void *ctx, const struct store_cols *c), void *ctx);
    /* ---- load management (appended) ---- */
    int (*protect_add)(struct store_be *be, const struct store_protect *p);
    int (*protect_remove)(struct store_be *be, int kind, const char *ref);
    int (*protect_get)(struct store_be *be, int kind, const char *ref, struct store_protect *out);
    int (*protect_list)(struct store_be *be, struct store_protect *out, size_t cap);
    int (*control_insert)(struct store_be *be, struct store_control *c);
    int (*control_update)(struct store_be *be, const struct store_control *c);
    int (*control_list)(struct store_be *be, int64_t id, int64_t after, struct store_control *out,
                        size_t cap);
    int (*control_target_put)(struct store_be *be, int64_t command,
                              const struct store_control_target *t);
    int (*control_targets)(struct store_be *be, int64_t command, struct store_control_target *out,
                           size_t cap);
    int (*prepay_put)(struct store_be *be, const struct store_prepay *a);
    int (*prepay_get)(struct store_be *be, int64_t meter, struct store_prepay *out);
    int (*prepay_payment)(struct store_be *be, int64_t meter, int64_t amount_e4, const char *who,
                          const char *ref, int64_t t_ms);

    /* ---- analytics results: enum store_exec_query ---- */
    int (*exec)(struct store_be *be, enum store_exec_query q, const struct store_arg *a,
                int n_args, size_t n_rows);
    /* prepaid accounts by meter after `after` (store_prepay_list) */
    int (*prepay_list)(struct store_be *be, int64_t after, struct store_prepay *out, size_t cap);
    /*
     * Run fn(ctx, tx) in one transaction (single-row archive edits,
     * archive_edit.c): committed when fn returns >= 0 (that is returned),
     * rolled back when it returns a negative code (returned). fn runs its
     * statements only through tx and must not call the store otherwise.
     */
    int (*tx)(struct store_be *be, int (*fn)(void *ctx, struct store_tx *tx), void *ctx);
    /*
     * Store events e[0..n) in one transaction (each once, as event_insert)
     * and return only once it is durable; *stored receives the new ones.
     * Called by the writer thread only. On failure nothing is stored;
     * MH_EBUSY when another process held the database (tried again).
     */
    int (*write_events)(struct store_be *be, const struct store_event *e, size_t n,
                        uint64_t *stored);
};

/*
 * Run listing q with arguments a[0..n) and fill at most cap rows of `size`
 * bytes at out, each zeroed and then filled by one(). Returns the count.
 */
int store_list_run(struct store *st, enum store_list_query q, const struct store_arg *a, int n,
                   void *out, size_t size, size_t cap,
                   void (*one)(const struct store_cols *c, void *row));

extern const struct store_backend store_backend_sqlite;
extern const struct store_backend store_backend_postgres; /* postgres/pg_db.c */

/*
 * qsort comparator for an array of pointers into one batch: key order
 * (meter, item, data time), equal keys in arrival (address) order.
 */
int store_reading_key_cmp(const void *a, const void *b);

/* An append's completion: runs when readings up to end_seq are committed. */
struct store_ticket {
    uint64_t start_seq, end_seq; /* its readings: [start_seq, end_seq) */
    void (*done)(void *ctx, int status);
    void *ctx;
};

/* The reading queue: a ring of readings and a ring of tickets, one mutex. */
struct store_writer {
    pthread_mutex_t mu;
    pthread_cond_t not_empty; /* writer waits for work */
    pthread_cond_t not_full;  /* appenders wait for room */
    pthread_cond_t progress;  /* sync waits for commits */
    pthread_t thread;
    struct store_reading *ring;
    size_t cap;                /* readings */
    uint64_t head;             /* sequence of the oldest queued reading */
    uint64_t tail;             /* sequence after the newest */
    uint64_t done_seq;         /* readings up to here are committed or failed */
    uint64_t fail_lo, fail_hi; /* the most recent failed batch */
    int fail_rc;
    struct store_ticket *tickets;
    size_t tcap;
    uint64_t thead, ttail;
    size_t batch_max;
    struct store_reading *batch; /* the writer's copy of one batch */
    int closing;
    int running;
    struct store_writer_stats stats;
    /* events (store_events_append): owned copies, taken all at once into one transaction */
    struct store_event *ev_ring; /* payload_json of a queued event is its own malloc'ed copy */
    size_t ev_cap;
    uint64_t ev_head, ev_tail;   /* sequences, as head / tail */
    struct store_ticket *ev_tickets; /* end_seq used; a ticket never spans two transactions */
    uint64_t evt_head, evt_tail;
    struct store_event *ev_batch;
    struct store_ticket *ev_tbatch;
    uint64_t ev_stored;          /* events committed new (not copies) */
    /* urgent readings (store_readings_append_urgent, writer_urgent.c): taken whole, written first */
    struct store_reading *ur_ring, *ur_batch;
    size_t ur_cap;
    uint64_t ur_head, ur_tail, ur_done; /* sequences; ur_done: written up to here */
    atomic_int ur_waiting; /* urgent readings queued: a batch being written gives way (writer.c) */
    struct store_ticket *ur_tickets, *ur_tbatch; /* end_seq unused: a ticket is one transaction */
    uint64_t urt_head, urt_tail;
    /* status rows, link changes, event counters (writer_rows.c): taken whole, written in order */
    struct store_status *sr_ring, *sr_batch;
    struct store_link_change *lk_ring, *lk_batch;
    struct store_counter_set *ec_ring, *ec_batch;
    size_t sr_cap, lk_cap, ec_cap;
    uint64_t sr_head, sr_tail, sr_done, lk_head, lk_tail, lk_done; /* sequences, as ur_* */
    uint64_t ec_head, ec_tail, ec_done;
};

struct store {
    const struct store_backend *be_ops;
    struct store_be *be;
    struct store_writer w;
};

int store_writer_start(struct store *st, const struct store_options *opt);
/* With the writer's mutex held: wait for room (store_readings_append's rules). 0, MH_EAGAIN, MH_ECLOSED. */
int store_writer_wait_room(struct store_writer *w, int timeout_ms,
                           int (*room)(const struct store_writer *w, size_t n, int flag), size_t n,
                           int flag);
/* write(arg) once, and again after pauses while it returns MH_EBUSY (writer thread only). */
int store_writer_busy_retry(struct store_writer *w, int (*write)(void *arg), void *arg, const char *what,
                            size_t k);
/* The event queue (writer_events.c): allocate / free it (0 or MH_ENOMEM); with the writer's mutex
 * held, store every queued event in one transaction and complete their tickets (unlocks meanwhile). */
int store_events_init(struct store_writer *w);
void store_events_release(struct store_writer *w);
void store_events_write(struct store *st);
/*
 * Copy the items head..tail of a ring of cap items of size bytes into
 * batch, in at most two pieces around its end: the number copied. Every
 * writer queue takes its items this way.
 */
size_t store_ring_take(const void *ring, size_t cap, size_t size, uint64_t head, uint64_t tail,
                       void *batch);

/* The urgent queue (writer_urgent.c): allocate / free it; with the writer's mutex held, store
 * every queued urgent reading in one transaction and complete their tickets (unlocks meanwhile). */
int store_urgent_init(struct store_writer *w);
void store_urgent_release(struct store_writer *w);
void store_urgent_write(struct store *st);
/* Status rows, link changes, counters (writer_rows.c): allocate / free their queues; with the writer's
 * mutex held, write everything queued, each kind in one transaction (unlocks meanwhile). */
int store_rows_init(struct store_writer *w);
void store_rows_release(struct store_writer *w);
void store_rows_write(struct store *st);
/* Status rows fit to store (item class and reason known): 0 or MH_EINVAL. */
int store_status_check(const struct store_status *s, size_t n);
/* Queue one counter value (checked by the caller): 0, MH_EAGAIN or MH_ECLOSED. */
int store_rows_counter(struct store *st, const struct store_counter_set *c);
/* Commit what is queued, run its callbacks, stop the thread, free the queue. */
void store_writer_stop(struct store *st);

#endif
