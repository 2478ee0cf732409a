/*
 * SQLite backend: the asset archive — import, and the front-end's lookups.
 *
 * An import is one transaction. Areas, customers and terminals are upserted
 * on their natural keys (RETURNING the id, so ids survive re-imports and
 * readings keep pointing at the right rows). Meters are matched on their
 * address in three steps: update if anything differs (updated), else mark
 * (unchanged), else insert (added); every meter of the file is marked
 * active = 2 while the import runs, so at the end the meters still at 1 are
 * the ones the file no longer lists (retired, active = 0) and the 2s become
 * 1. Terminals are marked the same way: one the file no longer lists is
 * kept (its link history and events refer to it) but no longer found by
 * store_terminal_lookup, so it is refused at login. Points are the file's:
 * all are replaced, which also moves a meter from one point to another
 * without a uniqueness clash.
 */
#include <stdio.h>
#include <string.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "sqlite_int.h"

/* Step an upsert ... RETURNING id: 0 and *id, or MH_E*. */
static int upsert_id(sqlite3_stmt *s, int64_t *id)
{
    if (!s)
        return MH_EIO;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    int rc2 = sqlite3_step(s) == SQLITE_DONE ? 0 : MH_EIO;
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? rc2 : sq_err(rc);
}

static void bind_text(sqlite3_stmt *s, int i, const char *t)
{
    sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
}

/* A row id, or NULL for 0 (an area meter has no customer, a user may be in no area). */
static void bind_id(sqlite3_stmt *s, int i, int64_t id)
{
    if (id)
        sqlite3_bind_int64(s, i, id);
    else
        sqlite3_bind_null(s, i);
}

/* Step a statement that changes at most one row: 1 if it did, 0 if not, or MH_E*. */
static int changed(struct store_be *be, sqlite3_stmt *s)
{
    int rc = sq_exec(s);
    return rc < 0 ? rc : sqlite3_changes(be->q) > 0;
}

static int import_meter(struct store_be *be, const struct archive_row *r, int64_t customer,
                        int64_t area, struct store_import_stats *st)
{
    static const enum sq_query steps[] = {SQ_METER_UPDATE, SQ_METER_TOUCH, SQ_METER_INSERT};
    uint64_t *const count[] = {&st->updated, &st->unchanged, &st->added};
    for (size_t i = 0; i < 3; i++) {
        sqlite3_stmt *s = sq_stmt(be, steps[i]);
        if (!s)
            return MH_EIO;
        sqlite3_bind_int64(s, 1, (int64_t)r->meter_address);
        if (steps[i] != SQ_METER_TOUCH) {
            sqlite3_bind_int(s, 2, r->meter_protocol);
            sqlite3_bind_int(s, 3, r->phases);
            sqlite3_bind_int64(s, 4, r->ct);
            sqlite3_bind_int64(s, 5, r->pt);
            sqlite3_bind_int(s, 6, r->rated_voltage_v);
            sqlite3_bind_int64(s, 7, r->contract_w);
            bind_text(s, 8, r->tariff);
            sqlite3_bind_int(s, 9, r->pv);
            sqlite3_bind_int64(s, 10, r->pv_peak_w);
            bind_id(s, 11, customer);
            bind_id(s, 12, area);
            sqlite3_bind_int(s, 13, r->area_meter);
        }
        int rc = changed(be, s);
        sqlite3_clear_bindings(s);
        if (rc < 0)
            return rc;
        if (rc > 0) {
            (*count[i])++;
            return 0;
        }
    }
    return MH_EIO; /* the insert changed nothing */
}

static int import_row(struct store_be *be, const struct archive_row *r,
                      struct store_import_stats *st)
{
    int64_t area = 0, customer = 0, terminal = 0;
    sqlite3_stmt *s;
    int rc = 0;
    if (r->area[0]) {
        s = sq_stmt(be, SQ_AREA_UPSERT);
        if (s) {
            bind_text(s, 1, r->area);
            sqlite3_bind_int(s, 2, r->region);
        }
        rc = upsert_id(s, &area);
    }
    if (rc == 0 && r->customer[0]) {
        s = sq_stmt(be, SQ_CUSTOMER_UPSERT);
        if (s) {
            bind_text(s, 1, r->customer);
            sqlite3_bind_int(s, 2, r->customer_class);
        }
        rc = upsert_id(s, &customer);
    }
    if (rc == 0 && (s = sq_stmt(be, SQ_TERMINAL_UPSERT)) != NULL) {
        sqlite3_bind_int(s, 1, r->region);
        bind_text(s, 2, r->terminal_address);
        sqlite3_bind_int(s, 3, r->terminal_kind);
        sqlite3_bind_int(s, 4, r->terminal_protocol);
        bind_text(s, 5, r->channel_group);
    }
    if (rc == 0)
        rc = upsert_id(s, &terminal);
    if (rc == 0)
        rc = import_meter(be, r, customer, area, st);
    if (rc == 0 && (s = sq_stmt(be, SQ_POINT_INSERT)) != NULL) {
        sqlite3_bind_int64(s, 1, terminal);
        sqlite3_bind_int(s, 2, r->pn);
        sqlite3_bind_int64(s, 3, (int64_t)r->meter_address);
        rc = sq_exec(s);
    }
    return rc;
}

static int count(struct store_be *be, const char *sql, uint64_t *out)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(be->q, sql, -1, &s, NULL) != SQLITE_OK)
        return MH_EIO;
    int rc = sqlite3_step(s);
    *out = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : sq_err(rc);
}

int sq_archive_import(struct store_be *be, const struct archive *a, struct store_import_stats *out,
                      char *err, size_t cap)
{
    pthread_mutex_lock(&be->mu);
    int rc = sq_begin(be);
    uint32_t line = 0;
    if (rc == 0)
        rc = sqlite3_exec(be->q, "DELETE FROM points", NULL, NULL, NULL) == SQLITE_OK ? 0 : MH_EIO;
    for (size_t i = 0; i < a->n_rows && rc == 0; i++) {
        line = a->rows[i].line;
        rc = import_row(be, &a->rows[i], out);
    }
    if (rc == 0) {
        line = 0;
        rc = sqlite3_exec(be->q, "UPDATE meters SET active = 0 WHERE active = 1", NULL, NULL,
                          NULL) == SQLITE_OK
                 ? 0
                 : MH_EIO;
        out->retired = (uint64_t)sqlite3_changes(be->q);
    }
    if (rc == 0)
        rc = sqlite3_exec(be->q,
                          "UPDATE meters SET active = 1 WHERE active = 2;"
                          "UPDATE terminals SET active = 0 WHERE active = 1;"
                          "UPDATE terminals SET active = 1 WHERE active = 2",
                          NULL, NULL, NULL) == SQLITE_OK
                 ? 0
                 : MH_EIO;
    if (rc == 0)
        rc = count(be, "SELECT COUNT(DISTINCT terminal_id) FROM points", &out->terminals);
    if (rc == 0)
        rc = count(be, "SELECT COUNT(DISTINCT area_id) FROM meters WHERE active = 1", &out->areas);
    if (rc == 0)
        rc = count(be, "SELECT COUNT(DISTINCT customer_id) FROM meters WHERE active = 1",
                   &out->customers);
    if (rc == 0)
        rc = sq_commit(be);
    if (rc < 0) {
        if (err && cap && line)
            snprintf(err, cap, "line %u: not stored: %s", line, sqlite3_errmsg(be->q));
        else if (err && cap)
            snprintf(err, cap, "archive not stored: %s", sqlite3_errmsg(be->q));
        sq_rollback(be);
    }
    pthread_mutex_unlock(&be->mu);
    return rc;
}

int sq_terminal_lookup(struct store_be *be, uint16_t region, const char *address,
                       struct store_terminal *out)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, region == STORE_REGION_ANY ? SQ_TERMINAL_FIND : SQ_TERMINAL_LOOKUP);
    int rc = SQLITE_DONE;
    if (s) {
        if (region != STORE_REGION_ANY)
            sqlite3_bind_int(s, 1, region);
        bind_text(s, 2, address);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            memset(out, 0, sizeof *out);
            out->id = sqlite3_column_int64(s, 0);
            out->region = (uint16_t)sqlite3_column_int(s, 1);
            snprintf(out->address, sizeof out->address, "%s",
                     (const char *)sqlite3_column_text(s, 2));
            out->kind = (uint8_t)sqlite3_column_int(s, 3);
            out->protocol = (uint8_t)sqlite3_column_int(s, 4);
            snprintf(out->channel_group, sizeof out->channel_group, "%s",
                     (const char *)sqlite3_column_text(s, 5));
            /* With any region, an address found in two regions is ambiguous: not found. */
            if (region == STORE_REGION_ANY && sqlite3_step(s) == SQLITE_ROW)
                rc = SQLITE_DONE;
        }
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
    pthread_mutex_unlock(&be->mu);
    return !s ? MH_EIO : rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? MH_ENOENT : sq_err(rc);
}

int sq_terminal_points(struct store_be *be, int64_t terminal, struct store_point *out, size_t cap)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, SQ_TERMINAL_POINTS);
    int n = 0, rc = SQLITE_DONE;
    if (s) {
        sqlite3_bind_int64(s, 1, terminal);
        sqlite3_bind_int64(s, 2, (int64_t)(cap > INT32_MAX ? INT32_MAX : cap));
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            struct store_point *p = &out[n++];
            p->pn = (uint16_t)sqlite3_column_int(s, 0);
            p->meter = sqlite3_column_int64(s, 1);
            p->address = (uint64_t)sqlite3_column_int64(s, 2);
            p->protocol = (uint8_t)sqlite3_column_int(s, 3);
            p->phases = (uint8_t)sqlite3_column_int(s, 4);
            p->ct = (uint32_t)sqlite3_column_int64(s, 5);
            p->pt = (uint32_t)sqlite3_column_int64(s, 6);
            p->rated_voltage_v = (uint16_t)sqlite3_column_int(s, 7);
            p->area = sqlite3_column_int64(s, 8);
            p->area_meter = (uint8_t)sqlite3_column_int(s, 9);
        }
        sqlite3_reset(s);
    }
    pthread_mutex_unlock(&be->mu);
    return !s ? MH_EIO : rc == SQLITE_DONE ? n : sq_err(rc);
}
