/*
 * SQLite backend: a transaction of statements given as SQL text
 * (store_backend.tx, the single-row archive edits). The edits are
 * human-paced, so each statement is prepared for its one run rather than
 * taking a slot in the prepared table (sqlite_sql.c). The connection's
 * mutex is held from BEGIN to COMMIT, so nothing else interleaves.
 */
#include <stdio.h>

#include "meterhub/base/err.h"
#include "sqlite_int.h"

struct sq_tx {
    struct store_tx tx; /* first: fn sees only this */
    struct store_be *be;
};

/* A unique key or primary key taken: the caller's 409. */
static int tx_err(sqlite3 *db, int rc)
{
    int x = sqlite3_extended_errcode(db);
    if (x == SQLITE_CONSTRAINT_UNIQUE || x == SQLITE_CONSTRAINT_PRIMARYKEY)
        return MH_EEXIST;
    return sq_err(rc);
}

static int tx_exec(struct store_tx *tx, const char *sql, const struct store_arg *a, int n,
                   int64_t *first)
{
    struct store_be *be = ((struct sq_tx *)tx)->be;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(be->q, sql, -1, &s, NULL) != SQLITE_OK)
        return MH_EIO;
    /* $1..$n by name: SQLite numbers named parameters by first appearance. */
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "$%d", i + 1);
        int k = sqlite3_bind_parameter_index(s, name);
        if (k == 0)
            continue;
        if (a[i].kind == SA_INT)
            sqlite3_bind_int64(s, k, a[i].i);
        else if (a[i].kind == SA_TEXT)
            sqlite3_bind_text(s, k, a[i].s, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(s, k);
    }
    int rows = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (rows++ == 0 && first)
            *first = sqlite3_column_int64(s, 0);
    if (rc == SQLITE_DONE && sqlite3_column_count(s) == 0)
        rows = sqlite3_changes(be->q);
    int out = rc == SQLITE_DONE ? rows : tx_err(be->q, rc);
    sqlite3_finalize(s);
    return out;
}

int sq_tx(struct store_be *be, int (*fn)(void *ctx, struct store_tx *tx), void *ctx)
{
    pthread_mutex_lock(&be->mu);
    struct sq_tx t = {{tx_exec}, be};
    int rc = sq_begin(be);
    if (rc == 0)
        rc = fn(ctx, &t.tx);
    if (rc >= 0) {
        int c = sq_commit(be);
        if (c < 0)
            rc = c;
    } else {
        sq_rollback(be);
    }
    pthread_mutex_unlock(&be->mu);
    return rc;
}
