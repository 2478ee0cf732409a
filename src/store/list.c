/*
 * Listings (store.h "listings"), backend-neutral: the arguments of each
 * statement and the filling of rows from its columns live here once; each
 * backend only has the SQL text of enum store_list_query in its own dialect
 * and runs it (store_backend.list). Column orders below are the contract
 * with those SQL tables (sqlite/sqlite_list.c, postgres/pg_list.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "store_int.h"

#define A_NULL ((struct store_arg){SA_NULL, 0, NULL})
#define A_INT(x) ((struct store_arg){SA_INT, (int64_t)(x), NULL})
/* An optional filter: NULL when it matches everything. */
#define A_OPT(x, any) ((x) == (any) ? A_NULL : A_INT(x))
#define A_TEXT(t) ((t) ? (struct store_arg){SA_TEXT, 0, (t)} : A_NULL)
#define A_CAP(cap) A_INT((cap) > INT32_MAX ? INT32_MAX : (cap))

/* Copy column col's text (NULL: "") into dst of cap bytes, cut when longer. */
static void col_text(const struct store_cols *c, int col, char *dst, size_t cap)
{
    const char *t = c->text(c, col);
    snprintf(dst, cap, "%s", t ? t : "");
}

/* The rows of one listing call: where they go and how one is filled. */
struct fill {
    void *out;
    size_t size, cap, n;
    void (*one)(const struct store_cols *c, void *row);
};

static int fill_row(void *ctx, const struct store_cols *c)
{
    struct fill *f = ctx;
    if (f->n == f->cap)
        return 0; /* a backend may return more than the limit asked for: ignored */
    void *row = (char *)f->out + f->n * f->size;
    memset(row, 0, f->size);
    f->one(c, row);
    f->n++;
    return 0;
}

static int run(struct store *st, enum store_list_query q, const struct store_arg *a, int n,
               void *out, size_t size, size_t cap, void (*one)(const struct store_cols *, void *))
{
    if (!out && cap)
        return MH_EINVAL;
    if (cap == 0)
        return 0;
    struct fill f = {out, size, cap, 0, one};
    int rc = st->be_ops->list(st->be, q, a, n, fill_row, &f);
    return rc < 0 ? rc : (int)f.n;
}

/* A single row by id: 0, MH_ENOENT or MH_E*. */
static int get_one(struct store *st, enum store_list_query q, int64_t id, void *out, size_t size,
                   void (*one)(const struct store_cols *, void *))
{
    struct store_arg a[] = {A_INT(id)};
    int n = run(st, q, a, 1, out, size, 1, one);
    return n < 0 ? n : n == 0 ? MH_ENOENT : 0;
}

/* ---- terminals ---- */

/* id, region, address, kind, protocol, channel_group, active, points, online, since */
static void terminal_one(const struct store_cols *c, void *row)
{
    struct store_terminal_row *t = row;
    t->id = c->i64(c, 0);
    t->region = (uint16_t)c->i64(c, 1);
    col_text(c, 2, t->address, sizeof t->address);
    t->kind = (uint8_t)c->i64(c, 3);
    t->protocol = (uint8_t)c->i64(c, 4);
    col_text(c, 5, t->channel_group, sizeof t->channel_group);
    t->active = (uint8_t)c->i64(c, 6);
    t->points = (uint32_t)c->i64(c, 7);
    t->online = c->is_null(c, 8) ? -1 : (int8_t)(c->i64(c, 8) != 0);
    t->since_ms = c->is_null(c, 9) ? 0 : c->i64(c, 9);
}

int store_terminals_list(struct store *st, const struct store_terminal_filter *f, int64_t after,
                         struct store_terminal_row *out, size_t cap)
{
    static const struct store_terminal_filter any = STORE_TERMINAL_FILTER_ANY;
    if (!f)
        f = &any;
    struct store_arg a[] = {A_INT(after),
                            A_OPT(f->region, -1),
                            A_OPT(f->kind, -1),
                            A_OPT(f->protocol, -1),
                            A_TEXT(f->channel_group),
                            A_OPT(f->online, -1),
                            A_OPT(f->active, -1),
                            A_CAP(cap)};
    return run(st, SL_TERMINALS, a, 8, out, sizeof *out, cap, terminal_one);
}

int store_terminal_get(struct store *st, int64_t id, struct store_terminal_row *out)
{
    return get_one(st, SL_TERMINAL_GET, id, out, sizeof *out, terminal_one);
}

/* t_ms, online, reason */
static void link_one(const struct store_cols *c, void *row)
{
    struct store_link_row *l = row;
    l->t_ms = c->i64(c, 0);
    l->online = (uint8_t)(c->i64(c, 1) != 0);
    col_text(c, 2, l->reason, sizeof l->reason);
}

int store_terminal_links(struct store *st, int64_t terminal, int64_t from_ms, int64_t to_ms,
                         int64_t after, struct store_link_row *out, size_t cap)
{
    struct store_arg a[] = {A_INT(terminal), A_INT(after), A_INT(from_ms), A_INT(to_ms),
                            A_CAP(cap)};
    return run(st, SL_LINKS, a, 5, out, sizeof *out, cap, link_one);
}

/* ---- meters ---- */

/*
 * id, address, protocol, phases, ct, pt, rated_voltage_v, contract_w,
 * tariff, pv, pv_peak_w, customer, area, area_meter, active, terminal, pn
 */
static void meter_one(const struct store_cols *c, void *row)
{
    struct store_meter_row *m = row;
    m->id = c->i64(c, 0);
    m->address = (uint64_t)c->i64(c, 1);
    m->protocol = (uint8_t)c->i64(c, 2);
    m->phases = (uint8_t)c->i64(c, 3);
    m->ct = (uint32_t)c->i64(c, 4);
    m->pt = (uint32_t)c->i64(c, 5);
    m->rated_voltage_v = (uint16_t)c->i64(c, 6);
    m->contract_w = c->i64(c, 7);
    col_text(c, 8, m->tariff, sizeof m->tariff);
    m->pv = (uint8_t)c->i64(c, 9);
    m->pv_peak_w = c->i64(c, 10);
    col_text(c, 11, m->customer, sizeof m->customer);
    col_text(c, 12, m->area, sizeof m->area);
    m->area_meter = (uint8_t)c->i64(c, 13);
    m->active = (uint8_t)c->i64(c, 14);
    m->terminal = c->i64(c, 15);
    m->pn = c->is_null(c, 16) ? -1 : (int32_t)c->i64(c, 16);
}

int store_meters_list(struct store *st, const struct store_meter_filter *f, int64_t after,
                      struct store_meter_row *out, size_t cap)
{
    static const struct store_meter_filter any = STORE_METER_FILTER_ANY;
    if (!f)
        f = &any;
    struct store_arg a[] = {
        A_INT(after),        A_OPT(f->terminal, 0), A_TEXT(f->area),      A_OPT(f->protocol, -1),
        A_TEXT(f->customer), A_OPT(f->address, -1), A_OPT(f->active, -1), A_CAP(cap)};
    return run(st, SL_METERS, a, 8, out, sizeof *out, cap, meter_one);
}

int store_meter_get(struct store *st, int64_t id, struct store_meter_row *out)
{
    return get_one(st, SL_METER_GET, id, out, sizeof *out, meter_one);
}

/* ---- archive export ---- */

struct export_ctx {
    int (*fn)(void *ctx, const struct store_export_row *r);
    void *ctx;
};

/*
 * area, region, terminal address, kind, protocol, channel_group, pn,
 * meter address, protocol, phases, ct, pt, rated_voltage_v, contract_w,
 * tariff, pv, pv_peak_w, customer, customer class (NULL: none), area_meter
 */
static int export_row(void *ctx, const struct store_cols *c)
{
    struct export_ctx *x = ctx;
    struct store_export_row r = {0};
    col_text(c, 0, r.area, sizeof r.area);
    r.region = (uint16_t)c->i64(c, 1);
    col_text(c, 2, r.terminal_address, sizeof r.terminal_address);
    r.terminal_kind = (uint8_t)c->i64(c, 3);
    r.terminal_protocol = (uint8_t)c->i64(c, 4);
    col_text(c, 5, r.channel_group, sizeof r.channel_group);
    r.pn = (uint16_t)c->i64(c, 6);
    r.meter_address = (uint64_t)c->i64(c, 7);
    r.meter_protocol = (uint8_t)c->i64(c, 8);
    r.phases = (uint8_t)c->i64(c, 9);
    r.ct = (uint32_t)c->i64(c, 10);
    r.pt = (uint32_t)c->i64(c, 11);
    r.rated_voltage_v = (uint16_t)c->i64(c, 12);
    r.contract_w = c->i64(c, 13);
    col_text(c, 14, r.tariff, sizeof r.tariff);
    r.pv = (uint8_t)c->i64(c, 15);
    r.pv_peak_w = c->i64(c, 16);
    col_text(c, 17, r.customer, sizeof r.customer);
    r.customer_class = c->is_null(c, 18) ? 4 /* ARCHIVE_CLASS_AREA */ : (int)c->i64(c, 18);
    r.area_meter = (uint8_t)c->i64(c, 19);
    return x->fn(x->ctx, &r);
}

int store_archive_export(struct store *st, int (*fn)(void *ctx, const struct store_export_row *r),
                         void *ctx)
{
    if (!fn)
        return MH_EINVAL;
    struct export_ctx x = {fn, ctx};
    return st->be_ops->list(st->be, SL_EXPORT, NULL, 0, export_row, &x);
}

/* ---- events, audit, status ---- */

/* id, meter, terminal, code, start_s, end_s, payload */
static void event_one(const struct store_cols *c, void *row)
{
    struct store_event_row *e = row;
    e->id = c->i64(c, 0);
    e->meter = c->i64(c, 1);
    e->terminal = c->i64(c, 2);
    e->code = (uint32_t)c->i64(c, 3);
    e->start_s = c->i64(c, 4);
    e->end_s = c->i64(c, 5);
    const char *p = c->text(c, 6);
    e->payload_json = p ? strdup(p) : NULL;
}

int store_events_list(struct store *st, const struct store_event_filter *f, int64_t after,
                      struct store_event_row *out, size_t cap)
{
    if (!f)
        return MH_EINVAL;
    struct store_arg a[] = {A_INT(after),       A_OPT(f->meter, 0), A_OPT(f->terminal, 0),
                            A_OPT(f->code, -1), A_INT(f->from_s),   A_INT(f->to_s),
                            A_CAP(cap)};
    return run(st, SL_EVENTS, a, 7, out, sizeof *out, cap, event_one);
}

void store_event_rows_free(struct store_event_row *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++) {
        free(r[i].payload_json);
        r[i].payload_json = NULL;
    }
}

/* id, who, t_ms, what, result */
static void audit_one(const struct store_cols *c, void *row)
{
    struct store_audit_row *x = row;
    x->id = c->i64(c, 0);
    col_text(c, 1, x->who, sizeof x->who);
    x->t_ms = c->i64(c, 2);
    col_text(c, 3, x->what, sizeof x->what);
    x->result = (int)c->i64(c, 4);
}

int store_audit_list(struct store *st, const char *who, int64_t from_ms, int64_t to_ms,
                     int64_t after, struct store_audit_row *out, size_t cap)
{
    struct store_arg a[] = {A_INT(after), A_INT(from_ms), A_INT(to_ms), A_TEXT(who), A_CAP(cap)};
    return run(st, SL_AUDIT, a, 5, out, sizeof *out, cap, audit_one);
}

/* meter_id, item_class, day, reason, attempts, updated_ms */
static void status_one(const struct store_cols *c, void *row)
{
    struct store_status *s = row;
    s->meter = c->i64(c, 0);
    s->item_class = (uint8_t)c->i64(c, 1);
    s->day = c->i64(c, 2);
    s->reason = (uint8_t)c->i64(c, 3);
    s->attempts = (uint16_t)c->i64(c, 4);
    s->updated_ms = c->i64(c, 5);
}

int store_status_list(struct store *st, int64_t day, int item_class, int reason, int failed_only,
                      int64_t after, struct store_status *out, size_t cap)
{
    struct store_arg a[] = {A_INT(day),        A_INT(item_class),       A_INT(after),
                            A_OPT(reason, -1), A_INT(failed_only != 0), A_CAP(cap)};
    return run(st, SL_STATUS, a, 6, out, sizeof *out, cap, status_one);
}

/* ---- transformer areas ---- */

/* id, code, region, terminals, meters, supply meter (NULL: none) */
static void area_one(const struct store_cols *c, void *row)
{
    struct store_area_row *a = row;
    a->id = c->i64(c, 0);
    col_text(c, 1, a->code, sizeof a->code);
    a->region = (uint16_t)c->i64(c, 2);
    a->terminals = (uint32_t)c->i64(c, 3);
    a->meters = (uint32_t)c->i64(c, 4);
    a->supply_meter = c->i64(c, 5);
}

int store_areas_list(struct store *st, int region, int64_t after, struct store_area_row *out,
                     size_t cap)
{
    struct store_arg a[] = {A_INT(after), A_OPT(region, -1), A_CAP(cap)};
    return run(st, SL_AREAS, a, 3, out, sizeof *out, cap, area_one);
}

int store_area_get(struct store *st, int64_t id, struct store_area_row *out)
{
    return get_one(st, SL_AREA_GET, id, out, sizeof *out, area_one);
}

/* ---- customers (store.h "customers and measurement points") ---- */

/* id, code, class, active meters, name */
static void customer_one(const struct store_cols *c, void *row)
{
    struct store_customer_row *r = row;
    r->id = c->i64(c, 0);
    col_text(c, 1, r->code, sizeof r->code);
    r->class_ = (uint8_t)c->i64(c, 2);
    r->meters = (uint32_t)c->i64(c, 3);
    col_text(c, 4, r->name, sizeof r->name);
}

int store_customers_list(struct store *st, const struct store_customer_filter *f, int64_t after,
                         struct store_customer_row *out, size_t cap)
{
    static const struct store_customer_filter any = STORE_CUSTOMER_FILTER_ANY;
    if (!f)
        f = &any;
    struct store_arg a[] = {A_INT(after), A_TEXT(f->code), A_OPT(f->class_, -1), A_TEXT(f->area),
                            A_CAP(cap),   A_TEXT(f->name)};
    return run(st, SL_CUSTOMERS, a, 6, out, sizeof *out, cap, customer_one);
}

int store_customer_get(struct store *st, const char *code, struct store_customer_row *out)
{
    if (!code)
        return MH_EINVAL;
    struct store_arg a[] = {A_TEXT(code)};
    int n = run(st, SL_CUSTOMER_GET, a, 1, out, sizeof *out, 1, customer_one);
    return n < 0 ? n : n == 0 ? MH_ENOENT : 0;
}

/* ---- measurement points ---- */

/*
 * id, terminal, pn, region, terminal address, terminal protocol, meter,
 * meter address, meter protocol, area, customer, active
 */
static void point_one(const struct store_cols *c, void *row)
{
    struct store_point_row *p = row;
    p->id = c->i64(c, 0);
    p->terminal = c->i64(c, 1);
    p->pn = (uint16_t)c->i64(c, 2);
    p->region = (uint16_t)c->i64(c, 3);
    col_text(c, 4, p->terminal_address, sizeof p->terminal_address);
    p->terminal_protocol = (uint8_t)c->i64(c, 5);
    p->meter = c->i64(c, 6);
    p->meter_address = (uint64_t)c->i64(c, 7);
    p->protocol = (uint8_t)c->i64(c, 8);
    col_text(c, 9, p->area, sizeof p->area);
    col_text(c, 10, p->customer, sizeof p->customer);
    p->active = (uint8_t)(c->i64(c, 11) != 0);
}

int store_points_list(struct store *st, const struct store_point_filter *f, int64_t after,
                      struct store_point_row *out, size_t cap)
{
    static const struct store_point_filter any = STORE_POINT_FILTER_ANY;
    if (!f)
        f = &any;
    if (after < 0)
        return MH_EINVAL;
    struct store_arg a[] = {A_INT(after),          A_OPT(f->terminal, 0), A_OPT(f->meter, 0),
                            A_TEXT(f->area),       A_OPT(f->protocol, -1), A_CAP(cap)};
    return run(st, SL_POINTS, a, 6, out, sizeof *out, cap, point_one);
}

int store_point_get(struct store *st, int64_t id, struct store_point_row *out)
{
    if (id <= 0)
        return MH_ENOENT;
    return get_one(st, SL_POINT_GET, id, out, sizeof *out, point_one);
}

/* ---- for the other listings (analytics.c) ---- */

int store_list_run(struct store *st, enum store_list_query q, const struct store_arg *a, int n,
                   void *out, size_t size, size_t cap,
                   void (*one)(const struct store_cols *c, void *row))
{
    return run(st, q, a, n, out, size, cap, one);
}
