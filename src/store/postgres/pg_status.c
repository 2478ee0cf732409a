/*
 * PostgreSQL backend: collection status and success rates, events,
 * terminal link history, audit. Few rows (per meter per day at most), on
 * pool connections.
 */
#include <stdio.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "pg_int.h"

/* Run q once per row on pc (params by fill(row i)), in the open transaction: 0 or MH_E*. */
static int each_row(struct pg_conn *pc, enum pg_query q, size_t n, const char *what,
                    void (*fill)(struct pg_params *p, const void *rows, size_t i), const void *rows)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct pg_params p = {0};
        fill(&p, rows, i);
        PGresult *r = pg_exec(pc, q, &p);
        rc = pg_check(pc, r, what);
        PQclear(r);
    }
    return rc;
}

static void status_params(struct pg_params *p, const void *rows, size_t i)
{
    const struct store_status *s = (const struct store_status *)rows + i;
    pp_i64(p, s->day);
    pp_i64(p, s->item_class);
    pp_i64(p, s->meter);
    pp_i64(p, s->reason);
    pp_i64(p, s->attempts);
    pp_i64(p, s->updated_ms);
}

static void link_params(struct pg_params *p, const void *rows, size_t i)
{
    const struct store_link_change *l = (const struct store_link_change *)rows + i;
    pp_i64(p, l->terminal);
    pp_i64(p, l->t_ms);
    pp_i64(p, l->online);
    pp_text(p, l->reason[0] ? l->reason : NULL);
}

static void counter_params(struct pg_params *p, const void *rows, size_t i)
{
    const struct store_counter_set *c = (const struct store_counter_set *)rows + i;
    pp_i64(p, c->terminal);
    pp_i64(p, c->counter);
    pp_i64(p, c->value);
    pp_i64(p, c->t_ms);
}

/* COMMIT after rc 0, else ROLLBACK (on a connection still there); release pc. */
static int tx_done(struct store_be *be, struct pg_conn *pc, int rc)
{
    if (rc == 0)
        rc = pg_simple(pc, "COMMIT");
    else if (!pg_lost(pc))
        pg_simple(pc, "ROLLBACK");
    pg_release(be, pc);
    return rc;
}

int pg_status_upsert(struct store_be *be, const struct store_status *s, size_t n)
{
    struct pg_conn *pc = pg_acquire(be);
    int rc = pg_simple(pc, "BEGIN");
    if (rc == 0)
        rc = each_row(pc, PQ_STATUS_UPSERT, n, "collection status", status_params, s);
    return tx_done(be, pc, rc);
}

int pg_write_rows(struct store_be *be, const struct store_status *s, size_t ns,
                  const struct store_link_change *l, size_t nl, const struct store_counter_set *c,
                  size_t nc)
{
    struct pg_conn *pc = pg_acquire(be);
    int rc = pg_simple(pc, "BEGIN");
    if (rc == 0)
        rc = each_row(pc, PQ_STATUS_UPSERT, ns, "collection status", status_params, s);
    if (rc == 0)
        rc = each_row(pc, PQ_LINK_INSERT, nl, "link history", link_params, l);
    if (rc == 0)
        rc = each_row(pc, PQ_COUNTER_PUT, nc, "event counters", counter_params, c);
    return tx_done(be, pc, rc);
}

struct rates_out {
    struct store_rate *out;
    size_t cap;
};

static int rate_rows(void *ctx, const PGresult *r)
{
    struct rates_out *o = ctx;
    int n = PQntuples(r);
    if ((size_t)n > o->cap)
        n = (int)o->cap;
    for (int i = 0; i < n; i++) {
        struct store_rate *x = &o->out[i];
        snprintf(x->key, sizeof x->key, "%s", PQgetvalue(r, i, 0));
        x->meters = (uint64_t)pg_i64(r, i, 1);
        x->collected = (uint64_t)pg_i64(r, i, 2);
        x->failed = (uint64_t)pg_i64(r, i, 3);
        x->first_try = (uint64_t)pg_i64(r, i, 4);
    }
    return n;
}

int pg_success_rate(struct store_be *be, int64_t day, int item_class, int group,
                    struct store_rate *out, size_t cap)
{
    static const enum pg_query by[STORE_GROUP_COUNT_] = {
        [STORE_GROUP_TERMINAL_KIND] = PQ_RATE_KIND,
        [STORE_GROUP_TERMINAL_PROTOCOL] = PQ_RATE_TPROTO,
        [STORE_GROUP_METER_PROTOCOL] = PQ_RATE_MPROTO,
        [STORE_GROUP_CHANNEL_GROUP] = PQ_RATE_CHANNEL,
        [STORE_GROUP_REGION] = PQ_RATE_REGION,
    };
    struct pg_params p = {0};
    pp_i64(&p, day);
    pp_i64(&p, item_class);
    pp_i64(&p, (int64_t)(cap > INT32_MAX ? INT32_MAX : cap));
    struct rates_out o = {out, cap};
    return pg_one(be, by[group], &p, rate_rows, &o);
}

static int reason_rows(void *ctx, const PGresult *r)
{
    uint64_t *out = ctx;
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t reason = pg_i64(r, i, 0);
        if (reason > 0 && reason < STORE_REASON_COUNT_)
            out[reason] = (uint64_t)pg_i64(r, i, 1);
    }
    return 0;
}

int pg_failure_reasons(struct store_be *be, int64_t day, int item_class, uint64_t *out)
{
    struct pg_params p = {0};
    pp_i64(&p, day);
    pp_i64(&p, item_class);
    return pg_one(be, PQ_REASONS, &p, reason_rows, out);
}

static void event_params(struct pg_params *p, const struct store_event *e)
{
    *p = (struct pg_params){0};
    pp_i64(p, e->meter);
    pp_i64(p, e->terminal);
    pp_i64(p, e->code);
    pp_i64(p, e->start_s);
    pp_i64(p, e->end_s);
    pp_text(p, e->payload_json); /* not JSON: SQLSTATE 22P02, MH_EINVAL */
    pp_i64(p, e->seq);
}

int pg_event_insert(struct store_be *be, const struct store_event *e)
{
    struct pg_params p;
    event_params(&p, e);
    return pg_one(be, PQ_EVENT_INSERT, &p, NULL, NULL);
}

/*
 * Events in one transaction on a pool connection (the writer thread):
 * durable at COMMIT (synchronous_commit on unless relaxed). A connection
 * lost on the way fails the batch (nothing committed) and is reset; the
 * reports are not confirmed and come again.
 */
int pg_write_events(struct store_be *be, const struct store_event *e, size_t n, uint64_t *stored)
{
    struct pg_conn *pc = pg_acquire(be);
    int rc = pg_simple(pc, "BEGIN");
    uint64_t added = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct pg_params p;
        event_params(&p, &e[i]);
        PGresult *r = pg_exec(pc, PQ_EVENT_INSERT, &p);
        rc = pg_check(pc, r, "events");
        if (rc == 0)
            added += pg_changed(r);
        PQclear(r);
    }
    if (rc == 0)
        rc = pg_simple(pc, "COMMIT");
    else if (!pg_lost(pc))
        pg_simple(pc, "ROLLBACK");
    if (pg_lost(pc))
        pg_reconnect(pc, be->relaxed);
    pg_release(be, pc);
    if (rc == 0)
        *stored = added;
    return rc;
}

int pg_terminal_links(struct store_be *be, const struct store_link_change *l, size_t n)
{
    struct pg_conn *pc = pg_acquire(be);
    int rc = pg_simple(pc, "BEGIN");
    if (rc == 0)
        rc = each_row(pc, PQ_LINK_INSERT, n, "link history", link_params, l);
    return tx_done(be, pc, rc);
}

/*
 * Online time in [from, to) seconds, as the SQLite backend counts it: the
 * state at `from` is the last change before it (offline when none), then
 * each change inside the window; an offline and an online at the same
 * millisecond count as a reconnection, offline first. Both statements run
 * in one REPEATABLE READ transaction, so they see the same history.
 */
int pg_terminal_online_seconds(struct store_be *be, int64_t terminal, int64_t from, int64_t to,
                               int64_t *out)
{
    struct pg_conn *pc = pg_acquire(be);
    int64_t since = from * 1000, total = 0;
    struct pg_params p = {0};
    pp_i64(&p, terminal);
    pp_i64(&p, since);
    int rc = pg_simple(pc, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    PGresult *r = rc == 0 ? pg_exec(pc, PQ_LINK_BEFORE, &p) : NULL;
    if (r)
        rc = pg_check(pc, r, "link history");
    int online = rc == 0 && PQntuples(r) > 0 && pg_i64(r, 0, 0);
    PQclear(r);
    r = NULL;
    if (rc == 0) {
        pp_i64(&p, to * 1000);
        r = pg_exec(pc, PQ_LINK_RANGE, &p);
        rc = pg_check(pc, r, "link history");
    }
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        int64_t t = pg_i64(r, i, 0);
        if (online)
            total += t - since;
        since = t;
        online = pg_i64(r, i, 1) != 0;
    }
    PQclear(r);
    if (rc == 0 && online)
        total += to * 1000 - since;
    if (!pg_lost(pc))
        pg_simple(pc, rc == 0 ? "COMMIT" : "ROLLBACK");
    pg_release(be, pc);
    *out = total / 1000;
    return rc;
}

int pg_audit(struct store_be *be, const char *who, int64_t t_ms, const char *what, int result)
{
    struct pg_params p = {0};
    pp_text(&p, who);
    pp_i64(&p, t_ms);
    pp_text(&p, what);
    pp_i64(&p, result);
    return pg_one(be, PQ_AUDIT_INSERT, &p, NULL, NULL);
}
