/*
 * Single-row edits of the archive (store.h "single-row edits"): the
 * checks and statements of each, run in one backend transaction
 * (store_backend.tx) so an edit is all or nothing and no other writer
 * interleaves. The SQL is shared by both backends ($n parameters, each
 * compared with or assigned to a column so PostgreSQL infers its type).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "store_int.h"

#define A_NULL ((struct store_arg){SA_NULL, 0, NULL})
#define A_INT(x) ((struct store_arg){SA_INT, (int64_t)(x), NULL})
#define A_TEXT(t) ((struct store_arg){SA_TEXT, 0, (t)})
#define A_ID(x) ((x) ? A_INT(x) : A_NULL)
#define N(a) ((int)(sizeof(a) / sizeof(a)[0]))

struct edit {
    const void *in;
    int64_t id, terminal;
    int active;
    char *err;
    size_t cap;
};

static int fail(struct edit *e, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct edit *e, int rc, const char *fmt, ...)
{
    if (e->err && e->cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->err, e->cap, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* The id of the one row sql (one argument) finds: 0 and *id, MH_ENOENT, or MH_E*. */
static int find(struct store_tx *tx, const char *sql, struct store_arg key, int64_t *id)
{
    int64_t v = 0;
    int n = tx->exec(tx, sql, &key, 1, &v);
    if (n < 0)
        return n;
    if (n == 0)
        return MH_ENOENT;
    if (id)
        *id = v;
    return 0;
}

static int run(struct store *st, int (*fn)(void *, struct store_tx *), struct edit *e)
{
    if (e->err && e->cap)
        e->err[0] = '\0';
    int rc = st->be_ops->tx(st->be, fn, e);
    if (rc < 0 && e->err && e->cap && !e->err[0])
        fail(e, rc, "the archive could not be changed (%s)", mh_err_name(rc));
    return rc;
}

/* ---- areas ---- */

static int area_insert(void *ctx, struct store_tx *tx)
{
    struct edit *e = ctx;
    const struct store_area_row *a = e->in;
    struct store_arg arg[] = {A_TEXT(a->code), A_INT(a->region)};
    int n = tx->exec(tx, "INSERT INTO areas (code, region) VALUES ($1, $2) RETURNING id", arg,
                     N(arg), &e->id);
    return n == MH_EEXIST ? fail(e, n, "area '%s' exists already", a->code) : n < 0 ? n : 0;
}

static int area_update(void *ctx, struct store_tx *tx)
{
    struct edit *e = ctx;
    const struct store_area_row *a = e->in;
    struct store_arg arg[] = {A_TEXT(a->code), A_INT(a->region), A_INT(e->id)};
    int n = tx->exec(tx, "UPDATE areas SET code = $1, region = $2 WHERE id = $3", arg, N(arg),
                     NULL);
    if (n == MH_EEXIST)
        return fail(e, n, "area '%s' exists already", a->code);
    return n < 0 ? n : n == 0 ? fail(e, MH_ENOENT, "no area with id %lld", (long long)e->id) : 0;
}

int store_area_insert(struct store *st, const char *code, uint16_t region, int64_t *id, char *err,
                      size_t cap)
{
    struct store_area_row a = {.region = region};
    snprintf(a.code, sizeof a.code, "%s", code);
    struct edit e = {.in = &a, .err = err, .cap = cap};
    int rc = run(st, area_insert, &e);
    if (rc == 0 && id)
        *id = e.id;
    return rc;
}

int store_area_update(struct store *st, int64_t id, const char *code, uint16_t region, char *err,
                      size_t cap)
{
    struct store_area_row a = {.region = region};
    snprintf(a.code, sizeof a.code, "%s", code);
    struct edit e = {.in = &a, .id = id, .err = err, .cap = cap};
    return run(st, area_update, &e);
}

/* ---- customers ---- */

struct customer_in {
    const char *code, *new_code;
    int class_;
    const char *name;
};

static int customer_insert(void *ctx, struct store_tx *tx)
{
    struct edit *e = ctx;
    const struct customer_in *c = e->in;
    struct store_arg arg[] = {A_TEXT(c->code), A_INT(c->class_), A_TEXT(c->name)};
    int n = tx->exec(tx, "INSERT INTO customers (code, class, name) VALUES ($1, $2, $3) RETURNING id",
                     arg, N(arg), &e->id);
    return n == MH_EEXIST ? fail(e, n, "customer '%s' exists already", c->code) : n < 0 ? n : 0;
}

static int customer_update(void *ctx, struct store_tx *tx)
{
    struct edit *e = ctx;
    const struct customer_in *c = e->in;
    struct store_arg arg[] = {A_TEXT(c->new_code), A_INT(c->class_), A_TEXT(c->name),
                              A_TEXT(c->code)};
    int n = tx->exec(tx, "UPDATE customers SET code = $1, class = $2, name = $3 WHERE code = $4",
                     arg, N(arg), NULL);
    if (n == MH_EEXIST)
        return fail(e, n, "customer '%s' exists already", c->new_code);
    return n < 0 ? n : n == 0 ? fail(e, MH_ENOENT, "no customer with code '%s'", c->code) : 0;
}

int store_customer_insert(struct store *st, const char *code, int class_, const char *name,
                          int64_t *id, char *err, size_t cap)
{
    struct customer_in c = {code, code, class_, name ? name : ""};
    struct edit e = {.in = &c, .err = err, .cap = cap};
    int rc = run(st, customer_insert, &e);
    if (rc == 0 && id)
        *id = e.id;
    return rc;
}

int store_customer_update(struct store *st, const char *code, const char *new_code, int class_,
                          const char *name, char *err, size_t cap)
{
    struct customer_in c = {code, new_code, class_, name ? name : ""};
    struct edit e = {.in = &c, .err = err, .cap = cap};
    return run(st, customer_update, &e);
}

/* ---- terminals ---- */

static int terminal_put(void *ctx, struct store_tx *tx)
{
    struct edit *e = ctx;
    const struct store_terminal *t = e->in;
    struct store_arg arg[] = {A_INT(t->region),        A_TEXT(t->address), A_INT(t->kind),
                              A_INT(t->protocol),      A_TEXT(t->channel_group),
                              A_INT(e->active != 0),   A_INT(t->id)};
    int n;
    if (t->id == 0) {
        n = tx->exec(tx,
                     "INSERT INTO terminals (region, address, kind, protocol, channel_group, active)"
                     " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                     arg, 6, &e->id);
    } else {
        int64_t points = 0;
        if (!e->active) {
            n = tx->exec(tx, "SELECT COUNT(*) FROM points WHERE terminal_id = $1", &arg[6], 1,
                         &points);
            if (n < 0)
                return n;
            if (points > 0)
                return fail(e, MH_EPERM,
                            "terminal %lld reads %lld meters: move or retire them first",
                            (long long)t->id, (long long)points);
        }
        n = tx->exec(tx,
                     "UPDATE terminals SET region = $1, address = $2, kind = $3, protocol = $4,"
                     " channel_group = $5, active = $6 WHERE id = $7",
                     arg, 7, NULL);
        if (n == 0)
            return fail(e, MH_ENOENT, "no terminal with id %lld", (long long)t->id);
    }
    if (n == MH_EEXIST)
        return fail(e, n, "terminal %04x/%s exists already", (unsigned)t->region, t->address);
    return n < 0 ? n : 0;
}

int store_terminal_insert(struct store *st, const struct store_terminal *t, int64_t *id, char *err,
                          size_t cap)
{
    struct store_terminal x = *t;
    x.id = 0;
    struct edit e = {.in = &x, .active = 1, .err = err, .cap = cap};
    int rc = run(st, terminal_put, &e);
    if (rc == 0 && id)
        *id = e.id;
    return rc;
}

int store_terminal_update(struct store *st, const struct store_terminal *t, int active, char *err,
                          size_t cap)
{
    if (t->id <= 0)
        return MH_EINVAL;
    struct edit e = {.in = t, .active = active, .err = err, .cap = cap};
    return run(st, terminal_put, &e);
}

/* ---- meters ---- */

/* The ids of r's customer and area by code (0 for ""); MH_ENOENT naming the missing one. */
static int meter_refs(struct edit *e, struct store_tx *tx, const struct archive_row *r,
                      int64_t *customer, int64_t *area)
{
    *customer = *area = 0;
    int rc = 0;
    if (r->customer[0] &&
        (rc = find(tx, "SELECT id FROM customers WHERE code = $1", A_TEXT(r->customer),
                   customer)) == MH_ENOENT)
        return fail(e, rc, "customer '%s' does not exist", r->customer);
    if (rc == 0 && r->area[0] &&
        (rc = find(tx, "SELECT id FROM areas WHERE code = $1", A_TEXT(r->area), area)) ==
            MH_ENOENT)
        return fail(e, rc, "area '%s' does not exist", r->area);
    if (rc == 0 && e->active &&
        (rc = find(tx, "SELECT id FROM terminals WHERE id = $1 AND active = 1",
                   A_INT(e->terminal), NULL)) == MH_ENOENT)
        return fail(e, rc, "no active terminal with id %lld", (long long)e->terminal);
    if (rc == 0 && r->area_meter && e->active) {
        /* One supply meter per area (archive-csv.md), as the import checks a file. */
        struct store_arg arg[] = {A_INT(*area), A_INT(e->id)};
        int64_t other = 0;
        int n = tx->exec(tx,
                         "SELECT id FROM meters WHERE area_id = $1 AND area_meter = 1"
                         " AND active = 1 AND id <> $2",
                         arg, N(arg), &other);
        if (n > 0)
            return fail(e, MH_EEXIST, "area '%s' has a supply meter already (meter %lld)",
                        r->area, (long long)other);
        rc = n < 0 ? n : 0;
    }
    return rc;
}

static int meter_put(void *ctx, struct store_tx *tx)
{
    struct edit *e = ctx;
    const struct archive_row *r = e->in;
    int64_t customer, area;
    int rc;
    if (e->id &&
        (rc = find(tx, "SELECT id FROM meters WHERE id = $1", A_INT(e->id), NULL)) == MH_ENOENT)
        return fail(e, rc, "no meter with id %lld", (long long)e->id);
    rc = meter_refs(e, tx, r, &customer, &area);
    if (rc < 0)
        return rc;
    struct store_arg arg[] = {
        A_INT(r->meter_address), A_INT(r->meter_protocol), A_INT(r->phases),
        A_INT(r->ct),            A_INT(r->pt),             A_INT(r->rated_voltage_v),
        A_INT(r->contract_w),    A_TEXT(r->tariff),        A_INT(r->pv),
        A_INT(r->pv_peak_w),     A_ID(customer),           A_ID(area),
        A_INT(r->area_meter),    A_INT(e->active != 0),    A_INT(e->id)};
    int n = e->id ? tx->exec(tx,
                             "UPDATE meters SET address = $1, protocol = $2, phases = $3,"
                             " ct = $4, pt = $5, rated_voltage_v = $6, contract_w = $7,"
                             " tariff = $8, pv = $9, pv_peak_w = $10, customer_id = $11,"
                             " area_id = $12, area_meter = $13, active = $14 WHERE id = $15",
                             arg, 15, NULL)
                  : tx->exec(tx,
                             "INSERT INTO meters (address, protocol, phases, ct, pt,"
                             " rated_voltage_v, contract_w, tariff, pv, pv_peak_w, customer_id,"
                             " area_id, area_meter, active) VALUES ($1, $2, $3, $4, $5, $6, $7,"
                             " $8, $9, $10, $11, $12, $13, $14) RETURNING id",
                             arg, 14, &e->id);
    if (n == MH_EEXIST)
        return fail(e, n, "meter %012llu exists already", (unsigned long long)r->meter_address);
    if (n < 0)
        return n;
    /* Its point: removed, then (when active) where r says; a move cannot clash with itself. */
    struct store_arg pt[] = {A_INT(e->id), A_INT(e->terminal), A_INT(r->pn)};
    n = tx->exec(tx, "DELETE FROM points WHERE meter_id = $1", pt, 1, NULL);
    if (n >= 0 && e->active)
        n = tx->exec(tx, "INSERT INTO points (meter_id, terminal_id, pn) VALUES ($1, $2, $3)", pt,
                     3, NULL);
    if (n == MH_EEXIST)
        return fail(e, n, "terminal %lld has pn %u already", (long long)e->terminal,
                    (unsigned)r->pn);
    return n < 0 ? n : 0;
}

int store_meter_insert(struct store *st, const struct archive_row *r, int64_t terminal,
                       int64_t *id, char *err, size_t cap)
{
    struct edit e = {.in = r, .terminal = terminal, .active = 1, .err = err, .cap = cap};
    int rc = run(st, meter_put, &e);
    if (rc == 0 && id)
        *id = e.id;
    return rc;
}

int store_meter_update(struct store *st, int64_t id, const struct archive_row *r,
                       int64_t terminal, int active, char *err, size_t cap)
{
    if (id <= 0)
        return MH_EINVAL;
    struct edit e = {.in = r, .id = id, .terminal = terminal, .active = active, .err = err,
                     .cap = cap};
    return run(st, meter_put, &e);
}
