/*
 * PostgreSQL backend: runs the listings (store_int.h enum store_list_query)
 * as one prepared statement each (PQ_L_*) on a pool connection, and hands
 * list.c the rows through column accessors. One statement is one
 * snapshot, so an export is consistent however long list.c takes.
 */
#include <stdlib.h>

#include "meterhub/base/err.h"
#include "pg_int.h"

struct pg_cols {
    struct store_cols c; /* first: list.c sees only this */
    const PGresult *r;
    int row;
};

static int64_t col_i64(const struct store_cols *c, int col)
{
    const struct pg_cols *p = (const struct pg_cols *)c;
    return pg_i64(p->r, p->row, col);
}

static const char *col_text(const struct store_cols *c, int col)
{
    const struct pg_cols *p = (const struct pg_cols *)c;
    return PQgetisnull(p->r, p->row, col) ? NULL : PQgetvalue(p->r, p->row, col);
}

static int col_null(const struct store_cols *c, int col)
{
    const struct pg_cols *p = (const struct pg_cols *)c;
    return PQgetisnull(p->r, p->row, col);
}

struct list_ctx {
    int (*row)(void *ctx, const struct store_cols *c);
    void *ctx;
};

static int list_rows(void *ctx, const PGresult *r)
{
    const struct list_ctx *l = ctx;
    struct pg_cols cols = {{col_i64, col_text, col_null}, r, 0};
    int n = PQntuples(r);
    for (cols.row = 0; cols.row < n; cols.row++) {
        int rc = l->row(l->ctx, &cols.c);
        if (rc < 0)
            return rc;
    }
    return n;
}

/* The arguments as text parameters (texts borrowed). */
static void params_of(struct pg_params *p, const struct store_arg *a, int n)
{
    for (int i = 0; i < n; i++) {
        if (a[i].kind == SA_INT)
            pp_i64(p, a[i].i);
        else
            pp_text(p, a[i].kind == SA_TEXT ? a[i].s : NULL);
    }
}

int pg_list(struct store_be *be, enum store_list_query q, const struct store_arg *a, int n,
            int (*row)(void *ctx, const struct store_cols *c), void *ctx)
{
    if (n > PG_MAX_PARAMS)
        return MH_EINVAL;
    struct pg_params p = {0};
    params_of(&p, a, n);
    struct list_ctx l = {row, ctx};
    return pg_one(be, (enum pg_query)(PQ_L_TERMINALS + (int)q), &p, list_rows, &l);
}

/*
 * Analytics writes (store_int.h enum store_exec_query): statement PQ_X_* run
 * once per row on one pool connection, all rows in one transaction.
 * NEEDSWORK: one round trip a row; libpq's pipeline mode would send them
 * back to back for a city's million consumption rows.
 */
int pg_exec_rows(struct store_be *be, enum store_exec_query q, const struct store_arg *a,
                 int n_args, size_t n_rows)
{
    if (n_args > PG_MAX_PARAMS)
        return MH_EINVAL;
    enum pg_query pq = (enum pg_query)(PQ_X_CONSUMPTION_PUT + (int)q);
    struct pg_conn *pc = pg_acquire(be);
    int rc = pg_simple(pc, "BEGIN");
    int64_t changed = 0;
    for (size_t r = 0; r < n_rows && rc == 0; r++) {
        struct pg_params p = {0};
        params_of(&p, &a[r * (size_t)n_args], n_args);
        PGresult *res = pg_exec(pc, pq, &p);
        rc = pg_check(pc, res, "analytics");
        if (rc == 0)
            changed += pg_changed(res);
        PQclear(res);
    }
    if (rc == 0)
        rc = pg_simple(pc, "COMMIT");
    else if (!pg_lost(pc))
        pg_simple(pc, "ROLLBACK");
    pg_release(be, pc);
    return rc < 0 ? rc : changed > INT32_MAX ? INT32_MAX : (int)changed;
}
