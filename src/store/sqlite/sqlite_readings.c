/*
 * SQLite backend: storing batches of readings (writer thread) and reading
 * them back (any thread).
 *
 * A batch is one transaction. Each reading is first inserted with ON
 * CONFLICT DO NOTHING: a new key (the common case) costs one B-tree insert
 * and nothing else. Only when the key exists is the stored row read back
 * and compared: the same value (by value: 12.30 equals 12.3) and quality
 * is a duplicate and changes nothing; anything else is a conflict, and the
 * reading received later (received_ms) wins, the row counting a revision.
 */
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "sqlite_int.h"

static const char *const wsql[SW_COUNT_] = {
    [SW_BEGIN] = "BEGIN IMMEDIATE",
    [SW_COMMIT] = "COMMIT",
    [SW_ROLLBACK] = "ROLLBACK",
    [SW_INSERT] = "INSERT INTO readings (meter_id, item, data_time, mantissa, exponent, quality,"
                  " protocol, terminal_id, received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                  " ON CONFLICT (meter_id, item, data_time) DO NOTHING",
    [SW_EXISTING] = "SELECT mantissa, exponent, quality, received_ms FROM readings"
                    " WHERE meter_id = ?1 AND item = ?2 AND data_time = ?3",
    [SW_REPLACE] = "UPDATE readings SET mantissa = ?4, exponent = ?5, quality = ?6, protocol = ?7,"
                   " terminal_id = ?8, received_ms = ?9, revisions = revisions + 1"
                   " WHERE meter_id = ?1 AND item = ?2 AND data_time = ?3",
    /* SQ_EVENT_INSERT's, on the writer's connection */
    [SW_EVENT] = "INSERT INTO events (meter_id, terminal_id, code, start_s, end_s, payload, seq)"
                 " VALUES (NULLIF(?1, 0), NULLIF(?2, 0), ?3, ?4, NULLIF(?5, 0), ?6, ?7) ON CONFLICT DO NOTHING",
};

/* A writer statement's SQL: its own, or the query connection's for the rows it shares. */
static const char *wsql_text(enum sq_wquery id)
{
    switch (id) {
    case SW_STATUS: return sq_sql_text(SQ_STATUS_UPSERT);
    case SW_LINK: return sq_sql_text(SQ_LINK_INSERT);
    case SW_COUNTER: return sq_sql_text(SQ_COUNTER_PUT);
    default: return wsql[id];
    }
}

static sqlite3_stmt *wstmt(struct store_be *be, enum sq_wquery id)
{
    if (!be->ws[id] && sqlite3_prepare_v3(be->w, wsql_text(id), -1, SQLITE_PREPARE_PERSISTENT,
                                          &be->ws[id], NULL) != SQLITE_OK) {
        mh_error("store", "sqlite: preparing writer statement %d: %s", (int)id,
                 sqlite3_errmsg(be->w));
        return NULL;
    }
    return be->ws[id];
}

/* The writer's transaction after its statements ended with rc: COMMIT (rc 0) or ROLLBACK. */
static int tx_end(struct store_be *be, int rc, const char *what)
{
    if (rc == 0)
        rc = sq_exec(wstmt(be, SW_COMMIT));
    if (rc < 0) {
        mh_error("store", "sqlite: writing %s: %s", what, sqlite3_errmsg(be->w));
        if (!sqlite3_get_autocommit(be->w))
            sq_exec(wstmt(be, SW_ROLLBACK));
    }
    return rc;
}

/* Bind the key (?1..?3) and, with all, the rest (?4..?9) of r. */
static void bind_reading(sqlite3_stmt *s, const struct store_reading *r, int all)
{
    sqlite3_bind_int64(s, 1, r->meter);
    sqlite3_bind_int64(s, 2, r->item);
    sqlite3_bind_int64(s, 3, r->t);
    if (!all)
        return;
    sqlite3_bind_int64(s, 4, r->value.m);
    sqlite3_bind_int(s, 5, r->value.exp);
    sqlite3_bind_int(s, 6, r->quality);
    sqlite3_bind_int(s, 7, r->protocol);
    sqlite3_bind_int64(s, 8, r->terminal);
    sqlite3_bind_int64(s, 9, r->received_ms);
}

/* The key of r exists: duplicate or conflict, replacing when r is newer. */
static int resolve(struct store_be *be, const struct store_reading *r,
                   struct store_batch_result *res)
{
    sqlite3_stmt *sel = wstmt(be, SW_EXISTING), *upd = wstmt(be, SW_REPLACE);
    if (!sel || !upd)
        return MH_EIO;
    bind_reading(sel, r, 0);
    int rc = sqlite3_step(sel);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(sel);
        return sq_err(rc);
    }
    struct mh_dec old = mh_dec_make(sqlite3_column_int64(sel, 0), sqlite3_column_int(sel, 1));
    int old_quality = sqlite3_column_int(sel, 2);
    int64_t old_received = sqlite3_column_int64(sel, 3);
    sqlite3_reset(sel);
    if (mh_dec_cmp(old, r->value) == 0 && old_quality == r->quality) {
        res->duplicates++;
        return 0;
    }
    res->conflicts++;
    if (r->received_ms < old_received)
        return 0; /* what is stored arrived later: it stays */
    bind_reading(upd, r, 1);
    return sq_exec(upd);
}

/* be->sorted: the batch r in key order (arrivals with one key kept in order). 0 or MH_ENOMEM. */
static int sort_batch(struct store_be *be, const struct store_reading *r, size_t n)
{
    /*
     * Insert in key order: the B-tree is then walked from left to right
     * once per batch, each leaf page touched while it is hot, instead of
     * jumping between meters as the readings arrived.
     */
    if (n > be->sorted_cap) {
        const struct store_reading **p = realloc(be->sorted, n * sizeof *p);
        uint8_t *m = realloc(be->taken, n);
        if (p)
            be->sorted = p;
        if (m)
            be->taken = m;
        if (!p || !m)
            return MH_ENOMEM;
        be->sorted_cap = n;
    }
    for (size_t i = 0; i < n; i++)
        be->sorted[i] = &r[i];
    qsort(be->sorted, n, sizeof *be->sorted, store_reading_key_cmp); /* key order, arrivals kept in order */
    return 0;
}

#define SLICE 256 /* readings between two looks at whether someone waits for the lock: about a millisecond */

/*
 * In the open transaction, insert be->sorted[0..n); with stop, look at
 * stop(ctx) after each slice and end early when it says so. The count
 * inserted; *rc the first error.
 */
static size_t insert_sorted(struct store_be *be, size_t n, struct store_batch_result *acc, int *rc,
                            int (*stop)(void *ctx), void *ctx)
{
    sqlite3_stmt *ins = wstmt(be, SW_INSERT);
    size_t i = 0;
    for (; i < n && *rc == 0; i++) {
        if (stop && i % SLICE == 0 && i > 0 && stop(ctx))
            break;
        const struct store_reading *ri = be->sorted[i];
        bind_reading(ins, ri, 1);
        int step = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (step != SQLITE_DONE)
            *rc = sq_err(step);
        else if (sqlite3_changes(be->w) == 1)
            acc->stored++;
        else
            *rc = resolve(be, ri, acc);
    }
    return i;
}

/*
 * A few readings someone waits on (the writer's urgent queue): one
 * transaction whose wait for the lock claims the next turn
 * (sqlite_turns.c).
 */
int sq_write_readings(struct store_be *be, const struct store_reading *r, size_t n,
                      struct store_batch_result *res)
{
    if (!wstmt(be, SW_INSERT))
        return MH_EIO;
    int rc = sort_batch(be, r, n);
    if (rc < 0)
        return rc;
    struct store_batch_result acc = {0};
    be->bw.waited_on = 1;
    rc = sq_exec(wstmt(be, SW_BEGIN));
    if (rc == 0) {
        insert_sorted(be, n, &acc, &rc, NULL, NULL);
        rc = tx_end(be, rc, "readings");
    }
    be->bw.waited_on = 0;
    if (rc == 0)
        *res = acc;
    return rc;
}

struct part_stop {
    struct store_be *be;
    int (*yield)(void *ctx);
    void *ctx;
};

static int part_should_stop(void *arg)
{
    struct part_stop *p = arg;
    return sq_turns_wanted(&p->be->turns) || (p->yield && p->yield(p->ctx));
}

/*
 * A batch of the main queue, which nobody waits on by the reading: it
 * stands back while a writer someone waits on claims the lock, and
 * commits a part and returns when one claims it meanwhile (or yield says
 * the writer has such work of its own). The readings left are moved, in
 * their order, to the front of r.
 */
int sq_write_readings_part(struct store_be *be, struct store_reading *r, size_t n,
                           struct store_batch_result *res, size_t *written, int (*yield)(void *ctx),
                           void *ctx)
{
    *written = 0;
    if (!wstmt(be, SW_INSERT))
        return MH_EIO;
    int rc = sort_batch(be, r, n);
    if (rc < 0)
        return rc;
    uint64_t gave_way = (uint64_t)sq_turns_stand_back(&be->turns);
    rc = sq_exec(wstmt(be, SW_BEGIN));
    if (rc < 0)
        return rc;
    struct store_batch_result acc = {0};
    struct part_stop ps = {be, yield, ctx};
    size_t k = insert_sorted(be, n, &acc, &rc, part_should_stop, &ps);
    rc = tx_end(be, rc, "readings");
    if (rc < 0)
        return rc;
    acc.yields = gave_way + (k < n);
    *res = acc;
    *written = k;
    if (k < n) {
        /* the rest to the front, in arrival order: it is written next, after the other writer */
        memset(be->taken, 0, n);
        for (size_t i = 0; i < k; i++)
            be->taken[be->sorted[i] - r] = 1;
        size_t j = 0;
        for (size_t i = 0; i < n; i++)
            if (!be->taken[i]) {
                if (j != i)
                    r[j] = r[i];
                j++;
            }
    }
    return 0;
}

/*
 * Events in one transaction (the writer thread): each inserted once, a
 * copy of a stored one changing nothing; durable at COMMIT (synchronous
 * FULL unless relaxed). A payload that is not JSON fails its CHECK and
 * with it the transaction (MH_EINVAL).
 */
int sq_write_events(struct store_be *be, const struct store_event *e, size_t n, uint64_t *stored)
{
    sqlite3_stmt *ins = wstmt(be, SW_EVENT);
    if (!ins)
        return MH_EIO;
    int rc = sq_exec(wstmt(be, SW_BEGIN));
    if (rc < 0)
        return rc;
    uint64_t added = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sq_bind_event(ins, &e[i]);
        rc = sq_exec(ins);
        added += rc == 0 && sqlite3_changes(be->w) == 1;
        sqlite3_clear_bindings(ins);
    }
    rc = tx_end(be, rc, "events");
    if (rc == 0)
        *stored = added;
    return rc;
}

/*
 * Status rows, link changes and event counters in one transaction on the
 * writer's connection (writer_rows.c): never on the query connection,
 * whose mutex a loop's reads take while this waits for the write lock.
 */
int sq_write_rows(struct store_be *be, const struct store_status *s, size_t ns,
                  const struct store_link_change *l, size_t nl, const struct store_counter_set *c,
                  size_t nc)
{
    sqlite3_stmt *up = wstmt(be, SW_STATUS), *lk = wstmt(be, SW_LINK), *ec = wstmt(be, SW_COUNTER);
    if (!up || !lk || !ec)
        return MH_EIO;
    int rc = sq_exec(wstmt(be, SW_BEGIN));
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < ns && rc == 0; i++) {
        sq_bind_status(up, &s[i]);
        rc = sq_exec(up);
    }
    for (size_t i = 0; i < nl && rc == 0; i++) {
        sq_bind_link(lk, &l[i]);
        rc = sq_exec(lk);
    }
    for (size_t i = 0; i < nc && rc == 0; i++) {
        sqlite3_bind_int64(ec, 1, c[i].terminal);
        sqlite3_bind_int(ec, 2, c[i].counter);
        sqlite3_bind_int(ec, 3, c[i].value);
        sqlite3_bind_int64(ec, 4, c[i].t_ms);
        rc = sq_exec(ec);
    }
    sqlite3_clear_bindings(lk);
    return tx_end(be, rc, "status rows, link changes and counters");
}

/* Columns data_time .. received_ms (from col 0) of a row into out (key fields from the caller). */
static void row_reading(sqlite3_stmt *s, int64_t meter, uint32_t item, struct store_reading *out)
{
    memset(out, 0, sizeof *out);
    out->meter = meter;
    out->item = item;
    out->t = sqlite3_column_int64(s, 0);
    out->value = mh_dec_make(sqlite3_column_int64(s, 1), sqlite3_column_int(s, 2));
    out->quality = (uint8_t)sqlite3_column_int(s, 3);
    out->protocol = (uint8_t)sqlite3_column_int(s, 4);
    out->terminal = sqlite3_column_int64(s, 5);
    out->received_ms = sqlite3_column_int64(s, 6);
}

int sq_readings_range(struct store_be *be, int64_t meter, uint32_t item, int64_t from, int64_t to,
                      struct store_reading *out, size_t cap)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, SQ_RANGE);
    int n = 0, rc = SQLITE_DONE;
    if (s) {
        sqlite3_bind_int64(s, 1, meter);
        sqlite3_bind_int64(s, 2, item);
        sqlite3_bind_int64(s, 3, from);
        sqlite3_bind_int64(s, 4, to);
        sqlite3_bind_int64(s, 5, (int64_t)(cap > INT32_MAX ? INT32_MAX : cap));
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            row_reading(s, meter, item, &out[n++]);
        sqlite3_reset(s);
    }
    pthread_mutex_unlock(&be->mu);
    return !s ? MH_EIO : rc == SQLITE_DONE ? n : sq_err(rc);
}

int sq_reading_latest(struct store_be *be, int64_t meter, uint32_t item, struct store_reading *out)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, SQ_LATEST);
    int rc = SQLITE_DONE;
    if (s) {
        sqlite3_bind_int64(s, 1, meter);
        sqlite3_bind_int64(s, 2, item);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            row_reading(s, meter, item, out);
        sqlite3_reset(s);
    }
    pthread_mutex_unlock(&be->mu);
    return !s ? MH_EIO : rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? MH_ENOENT : sq_err(rc);
}

int sq_readings_missing(struct store_be *be, uint32_t item, int64_t from, int64_t to, int64_t after,
                        struct store_meter_ref *out, size_t cap)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, SQ_MISSING);
    int n = 0, rc = SQLITE_DONE;
    if (s) {
        sqlite3_bind_int64(s, 1, item);
        sqlite3_bind_int64(s, 2, from);
        sqlite3_bind_int64(s, 3, to);
        sqlite3_bind_int64(s, 4, after);
        sqlite3_bind_int64(s, 5, (int64_t)(cap > INT32_MAX ? INT32_MAX : cap));
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            out[n].meter = sqlite3_column_int64(s, 0);
            out[n].terminal = sqlite3_column_int64(s, 1);
            out[n].pn = (uint16_t)sqlite3_column_int(s, 2);
            out[n].address = (uint64_t)sqlite3_column_int64(s, 3);
            n++;
        }
        sqlite3_reset(s);
    }
    pthread_mutex_unlock(&be->mu);
    return !s ? MH_EIO : rc == SQLITE_DONE ? n : sq_err(rc);
}
