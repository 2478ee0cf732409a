/*
 * PostgreSQL backend: a transaction of statements given as SQL text
 * (store_backend.tx, the single-row archive edits) on one pool
 * connection. Human-paced and given as text by the caller, so sent with
 * PQexecParams (types inferred from the columns), never prepared. A
 * connection lost mid-transaction fails the edit (nothing is committed)
 * and is reset for the next caller.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "pg_int.h"

struct pg_tx {
    struct store_tx tx; /* first: fn sees only this */
    struct pg_conn *pc;
};

static int tx_exec(struct store_tx *tx, const char *sql, const struct store_arg *a, int n,
                   int64_t *first)
{
    struct pg_conn *pc = ((struct pg_tx *)tx)->pc;
    if (n > PG_MAX_PARAMS)
        return MH_EINVAL;
    struct pg_params p = {0};
    for (int i = 0; i < n; i++) {
        if (a[i].kind == SA_INT)
            pp_i64(&p, a[i].i);
        else
            pp_text(&p, a[i].kind == SA_TEXT ? a[i].s : NULL);
    }
    PGresult *r = PQexecParams(pc->c, sql, p.n, NULL, p.v, NULL, NULL, 0);
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    int rc;
    if (state && strcmp(state, "23505") == 0) {
        rc = MH_EEXIST; /* unique_violation */
    } else if ((rc = pg_check(pc, r, "archive edit")) == 0) {
        if (PQresultStatus(r) == PGRES_TUPLES_OK) {
            rc = PQntuples(r);
            if (rc > 0 && first)
                *first = pg_i64(r, 0, 0);
        } else {
            rc = (int)pg_changed(r);
        }
    }
    PQclear(r);
    return rc;
}

int pg_tx(struct store_be *be, int (*fn)(void *ctx, struct store_tx *tx), void *ctx)
{
    struct pg_conn *pc = pg_acquire(be);
    struct pg_tx t = {{tx_exec}, pc};
    int rc = pg_simple(pc, "BEGIN");
    if (rc == 0)
        rc = fn(ctx, &t.tx);
    if (rc >= 0) {
        int c = pg_simple(pc, "COMMIT");
        if (c < 0)
            rc = c;
    } else if (!pg_lost(pc)) {
        pg_simple(pc, "ROLLBACK");
    }
    if (pg_lost(pc))
        pg_reconnect(pc, be->relaxed);
    pg_release(be, pc);
    return rc;
}
