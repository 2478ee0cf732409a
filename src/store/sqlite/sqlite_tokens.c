/*
 * SQLite backend: tokens of the HTTP API (schema 3, api_tokens). The
 * digest is stored as a 32-byte BLOB; names are unique, so an add that
 * meets an existing name (or digest) changes nothing and says MH_EEXIST.
 */
#include <stdio.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "sqlite_int.h"

int sq_token_add(struct store_be *be, const char *name, int role, const unsigned char *hash,
                 int64_t created_ms)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, SQ_TOKEN_ADD);
    int rc = MH_EIO;
    if (s) {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 2, role);
        sqlite3_bind_blob(s, 3, hash, STORE_TOKEN_HASH, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, created_ms);
        rc = sq_exec(s);
        sqlite3_clear_bindings(s);
        if (rc == 0 && sqlite3_changes(be->q) == 0)
            rc = MH_EEXIST;
    }
    pthread_mutex_unlock(&be->mu);
    return rc;
}

/* One api_tokens row (name, role, created_ms, revoked) of s. */
static void token_row(sqlite3_stmt *s, struct store_token *t)
{
    snprintf(t->name, sizeof t->name, "%s", (const char *)sqlite3_column_text(s, 0));
    t->role = sqlite3_column_int(s, 1);
    t->created_ms = sqlite3_column_int64(s, 2);
    t->revoked = sqlite3_column_int(s, 3);
}

int sq_token_check(struct store_be *be, const unsigned char *hash, struct store_token *out)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, SQ_TOKEN_CHECK);
    int rc = MH_EIO;
    if (s) {
        sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASH, SQLITE_STATIC);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) {
            token_row(s, out);
            rc = 0;
        } else {
            rc = step == SQLITE_DONE ? MH_ENOENT : sq_err(step);
        }
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
    pthread_mutex_unlock(&be->mu);
    return rc;
}

int sq_token_list(struct store_be *be, struct store_token *out, size_t cap)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, SQ_TOKEN_LIST);
    int rc = MH_EIO, n = 0;
    if (s) {
        sqlite3_bind_int64(s, 1, (int64_t)(cap > INT32_MAX ? INT32_MAX : cap));
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            token_row(s, &out[n++]);
        rc = rc == SQLITE_DONE ? n : sq_err(rc);
        sqlite3_reset(s);
    }
    pthread_mutex_unlock(&be->mu);
    return rc;
}

int sq_token_revoke(struct store_be *be, const char *name)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, SQ_TOKEN_REVOKE);
    int rc = MH_EIO;
    if (s) {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        rc = sq_exec(s);
        sqlite3_clear_bindings(s);
        if (rc == 0 && sqlite3_changes(be->q) == 0)
            rc = MH_ENOENT;
    }
    pthread_mutex_unlock(&be->mu);
    return rc;
}
