/*
 * SQLite backend: runs the listings (store_int.h enum store_list_query) on
 * the query connection, under its mutex, one statement each from the SQL
 * table (SQ_L_*), and hands list.c the rows through column accessors.
 */
#include <stddef.h>

#include "meterhub/base/err.h"
#include "sqlite_int.h"

struct sq_cols {
    struct store_cols c; /* first: list.c sees only this */
    sqlite3_stmt *s;
};

static int64_t col_i64(const struct store_cols *c, int col)
{
    return sqlite3_column_int64(((const struct sq_cols *)c)->s, col);
}

static const char *col_text(const struct store_cols *c, int col)
{
    return (const char *)sqlite3_column_text(((const struct sq_cols *)c)->s, col);
}

static int col_null(const struct store_cols *c, int col)
{
    return sqlite3_column_type(((const struct sq_cols *)c)->s, col) == SQLITE_NULL;
}

/* Bind a[0..n) to ?1..?n of s (texts borrowed until the statement is reset). */
static void bind_args(sqlite3_stmt *s, const struct store_arg *a, int n)
{
    for (int i = 0; i < n; i++) {
        if (a[i].kind == SA_INT)
            sqlite3_bind_int64(s, i + 1, a[i].i);
        else if (a[i].kind == SA_TEXT)
            sqlite3_bind_text(s, i + 1, a[i].s, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(s, i + 1);
    }
}

int sq_list(struct store_be *be, enum store_list_query q, const struct store_arg *a, int n,
            int (*row)(void *ctx, const struct store_cols *c), void *ctx)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, (enum sq_query)(SQ_L_TERMINALS + (int)q));
    int rc = MH_EIO;
    if (s) {
        bind_args(s, a, n);
        struct sq_cols cols = {{col_i64, col_text, col_null}, s};
        int count = 0, step;
        rc = 0;
        while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
            rc = row(ctx, &cols.c);
            count++;
        }
        if (rc == 0)
            rc = step == SQLITE_DONE ? count : sq_err(step);
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
    pthread_mutex_unlock(&be->mu);
    return rc;
}

/*
 * Analytics writes (store_int.h enum store_exec_query): statement SQ_X_* run
 * once per row on the query connection, all rows in one transaction.
 */
int sq_exec_rows(struct store_be *be, enum store_exec_query q, const struct store_arg *a,
                 int n_args, size_t n_rows)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, (enum sq_query)(SQ_X_CONSUMPTION_PUT + (int)q));
    int rc = s ? sq_begin(be) : MH_EIO;
    int64_t changed = 0;
    for (size_t r = 0; r < n_rows && rc == 0; r++) {
        bind_args(s, &a[r * (size_t)n_args], n_args);
        rc = sq_exec(s);
        changed += sqlite3_changes(be->q);
    }
    if (s)
        sqlite3_clear_bindings(s);
    if (rc == 0)
        rc = sq_commit(be);
    else if (s)
        sq_rollback(be);
    pthread_mutex_unlock(&be->mu);
    return rc < 0 ? rc : changed > INT32_MAX ? INT32_MAX : (int)changed;
}
