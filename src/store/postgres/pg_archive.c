/*
 * PostgreSQL backend: the asset archive — import, and the front-end's
 * lookups. The import follows the SQLite backend's steps exactly
 * (sqlite_archive.c): one transaction; areas, customers and terminals
 * upserted on their natural keys; each meter updated, marked unchanged or
 * inserted, all marked active = 2 while the import runs so the 1s left at
 * the end are retired; terminals marked the same way (one the file no
 * longer lists is kept for its history but no longer found by
 * store_terminal_lookup, so it is refused at login); points replaced by
 * the file's.
 */
#include <stdio.h>
#include <string.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "pg_int.h"

/* Run q on pc: MH_E*, or the rows changed; with id, the first column of the row returned. */
static int64_t run(struct pg_conn *pc, enum pg_query q, const struct pg_params *p, int64_t *id)
{
    PGresult *r = pg_exec(pc, q, p);
    int rc = pg_check(pc, r, "archive import");
    int64_t out = rc;
    if (rc == 0) {
        out = pg_changed(r);
        if (id)
            *id = PQntuples(r) > 0 ? pg_i64(r, 0, 0) : 0;
    }
    PQclear(r);
    return out;
}

/* A row id, or NULL for 0 (an area meter has no customer, a user may be in no area). */
static void pp_id(struct pg_params *p, int64_t id)
{
    if (id)
        pp_i64(p, id);
    else
        pp_text(p, NULL);
}

static int import_meter(struct pg_conn *pc, const struct archive_row *r, int64_t customer,
                        int64_t area, struct store_import_stats *st)
{
    static const enum pg_query steps[] = {PQ_METER_UPDATE, PQ_METER_TOUCH, PQ_METER_INSERT};
    uint64_t *const count[] = {&st->updated, &st->unchanged, &st->added};
    for (size_t i = 0; i < 3; i++) {
        struct pg_params p = {0};
        pp_i64(&p, (int64_t)r->meter_address);
        if (steps[i] != PQ_METER_TOUCH) {
            pp_i64(&p, r->meter_protocol);
            pp_i64(&p, r->phases);
            pp_i64(&p, r->ct);
            pp_i64(&p, r->pt);
            pp_i64(&p, r->rated_voltage_v);
            pp_i64(&p, r->contract_w);
            pp_text(&p, r->tariff);
            pp_i64(&p, r->pv);
            pp_i64(&p, r->pv_peak_w);
            pp_id(&p, customer);
            pp_id(&p, area);
            pp_i64(&p, r->area_meter);
        }
        int64_t rc = run(pc, steps[i], &p, NULL);
        if (rc < 0)
            return (int)rc;
        if (rc > 0) {
            (*count[i])++;
            return 0;
        }
    }
    return MH_EIO; /* the insert changed nothing */
}

static int import_row(struct pg_conn *pc, const struct archive_row *r,
                      struct store_import_stats *st)
{
    int64_t area = 0, customer = 0, terminal = 0, rc = 0;
    struct pg_params p = {0};
    if (r->area[0]) {
        pp_text(&p, r->area);
        pp_i64(&p, r->region);
        rc = run(pc, PQ_AREA_UPSERT, &p, &area);
    }
    if (rc >= 0 && r->customer[0]) {
        p.n = 0;
        pp_text(&p, r->customer);
        pp_i64(&p, r->customer_class);
        rc = run(pc, PQ_CUSTOMER_UPSERT, &p, &customer);
    }
    if (rc >= 0) {
        p.n = 0;
        pp_i64(&p, r->region);
        pp_text(&p, r->terminal_address);
        pp_i64(&p, r->terminal_kind);
        pp_i64(&p, r->terminal_protocol);
        pp_text(&p, r->channel_group);
        rc = run(pc, PQ_TERMINAL_UPSERT, &p, &terminal);
    }
    if (rc >= 0)
        rc = import_meter(pc, r, customer, area, st);
    if (rc >= 0) {
        p.n = 0;
        pp_i64(&p, terminal);
        pp_i64(&p, r->pn);
        pp_i64(&p, (int64_t)r->meter_address);
        rc = run(pc, PQ_POINT_INSERT, &p, NULL);
    }
    return rc < 0 ? (int)rc : 0;
}

/* Run SQL text: MH_E*, or the rows it changed; with out, its one integer. */
static int64_t text(struct pg_conn *pc, const char *sql, uint64_t *out)
{
    PGresult *r = PQexec(pc->c, sql);
    int rc = pg_check(pc, r, sql);
    int64_t n = rc < 0 ? rc : pg_changed(r);
    if (rc == 0 && out)
        *out = PQntuples(r) > 0 ? (uint64_t)pg_i64(r, 0, 0) : 0;
    PQclear(r);
    return n;
}

int pg_archive_import(struct store_be *be, const struct archive *a, struct store_import_stats *out,
                      char *err, size_t cap)
{
    struct pg_conn *pc = pg_acquire(be);
    int64_t rc = pg_simple(pc, "BEGIN");
    uint32_t line = 0;
    if (rc >= 0)
        rc = text(pc, "DELETE FROM points", NULL);
    for (size_t i = 0; i < a->n_rows && rc >= 0; i++) {
        line = a->rows[i].line;
        rc = import_row(pc, &a->rows[i], out);
    }
    if (rc >= 0) {
        line = 0;
        rc = text(pc, "UPDATE meters SET active = 0 WHERE active = 1", NULL);
        out->retired = rc >= 0 ? (uint64_t)rc : 0;
    }
    if (rc >= 0)
        rc = text(pc, "UPDATE meters SET active = 1 WHERE active = 2", NULL);
    if (rc >= 0)
        rc = text(pc, "UPDATE terminals SET active = 0 WHERE active = 1", NULL);
    if (rc >= 0)
        rc = text(pc, "UPDATE terminals SET active = 1 WHERE active = 2", NULL);
    if (rc >= 0)
        rc = text(pc, "SELECT count(DISTINCT terminal_id) FROM points", &out->terminals);
    if (rc >= 0)
        rc = text(pc, "SELECT count(DISTINCT area_id) FROM meters WHERE active = 1", &out->areas);
    if (rc >= 0)
        rc = text(pc, "SELECT count(DISTINCT customer_id) FROM meters WHERE active = 1",
                  &out->customers);
    if (rc >= 0)
        rc = pg_simple(pc, "COMMIT");
    if (rc < 0) {
        const char *why = PQerrorMessage(pc->c);
        if (err && cap && line)
            snprintf(err, cap, "line %u: not stored: %.*s", line, (int)strcspn(why, "\n"), why);
        else if (err && cap)
            snprintf(err, cap, "archive not stored: %.*s", (int)strcspn(why, "\n"), why);
        if (!pg_lost(pc))
            pg_simple(pc, "ROLLBACK");
    }
    pg_release(be, pc);
    return rc < 0 ? (int)rc : 0;
}

static int terminal_row(void *ctx, const PGresult *r)
{
    struct store_terminal *out = ctx;
    /* One row exactly: with any region, an address found in two regions is ambiguous. */
    if (PQntuples(r) != 1)
        return MH_ENOENT;
    memset(out, 0, sizeof *out);
    out->id = pg_i64(r, 0, 0);
    out->region = (uint16_t)pg_i64(r, 0, 1);
    snprintf(out->address, sizeof out->address, "%s", PQgetvalue(r, 0, 2));
    out->kind = (uint8_t)pg_i64(r, 0, 3);
    out->protocol = (uint8_t)pg_i64(r, 0, 4);
    snprintf(out->channel_group, sizeof out->channel_group, "%s", PQgetvalue(r, 0, 5));
    return 0;
}

int pg_terminal_lookup(struct store_be *be, uint16_t region, const char *address,
                       struct store_terminal *out)
{
    struct pg_params p = {0};
    if (region == STORE_REGION_ANY) {
        pp_text(&p, address);
        return pg_one(be, PQ_TERMINAL_FIND, &p, terminal_row, out);
    }
    pp_i64(&p, region);
    pp_text(&p, address);
    return pg_one(be, PQ_TERMINAL_LOOKUP, &p, terminal_row, out);
}

struct points_out {
    struct store_point *out;
    size_t cap;
};

static int point_rows(void *ctx, const PGresult *r)
{
    struct points_out *o = ctx;
    int n = PQntuples(r);
    if ((size_t)n > o->cap)
        n = (int)o->cap;
    for (int i = 0; i < n; i++) {
        struct store_point *p = &o->out[i];
        p->pn = (uint16_t)pg_i64(r, i, 0);
        p->meter = pg_i64(r, i, 1);
        p->address = (uint64_t)pg_i64(r, i, 2);
        p->protocol = (uint8_t)pg_i64(r, i, 3);
        p->phases = (uint8_t)pg_i64(r, i, 4);
        p->ct = (uint32_t)pg_i64(r, i, 5);
        p->pt = (uint32_t)pg_i64(r, i, 6);
        p->rated_voltage_v = (uint16_t)pg_i64(r, i, 7);
        p->area = pg_i64(r, i, 8);
        p->area_meter = (uint8_t)pg_i64(r, i, 9);
    }
    return n;
}

int pg_terminal_points(struct store_be *be, int64_t terminal, struct store_point *out, size_t cap)
{
    struct pg_params p = {0};
    pp_i64(&p, terminal);
    pp_i64(&p, (int64_t)(cap > INT32_MAX ? INT32_MAX : cap));
    struct points_out o = {out, cap};
    return pg_one(be, PQ_TERMINAL_POINTS, &p, point_rows, &o);
}
