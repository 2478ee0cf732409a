/*
 * PostgreSQL backend: tokens of the HTTP API (schema 3, api_tokens). The
 * digest is sent as hex text and stored as bytea (decode(.., 'hex') in
 * pg_sql.c); an add that meets an existing name or digest changes nothing
 * and says MH_EEXIST, as in the SQLite backend.
 */
#include <stdio.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "pg_int.h"

/* The digest as 64 lowercase hex digits and a NUL. */
static void hash_hex(const unsigned char *hash, char *h)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < STORE_TOKEN_HASH; i++) {
        h[2 * i] = hex[hash[i] >> 4];
        h[2 * i + 1] = hex[hash[i] & 15];
    }
    h[2 * STORE_TOKEN_HASH] = '\0';
}

/* A command's rows: 0 when it changed one, else the error *ctx. */
static int changed_or(void *ctx, const PGresult *r)
{
    return pg_changed(r) > 0 ? 0 : *(const int *)ctx;
}

int pg_token_add(struct store_be *be, const char *name, int role, const unsigned char *hash,
                 int64_t created_ms)
{
    char h[2 * STORE_TOKEN_HASH + 1];
    hash_hex(hash, h);
    struct pg_params p = {0};
    pp_text(&p, name);
    pp_i64(&p, role);
    pp_text(&p, h);
    pp_i64(&p, created_ms);
    int none = MH_EEXIST;
    return pg_one(be, PQ_TOKEN_ADD, &p, changed_or, &none);
}

struct tokens_out {
    struct store_token *out;
    size_t cap;
};

static int token_rows(void *ctx, const PGresult *r)
{
    struct tokens_out *o = ctx;
    int n = PQntuples(r);
    if ((size_t)n > o->cap)
        n = (int)o->cap;
    for (int i = 0; i < n; i++) {
        struct store_token *t = &o->out[i];
        snprintf(t->name, sizeof t->name, "%s", PQgetvalue(r, i, 0));
        t->role = (int)pg_i64(r, i, 1);
        t->created_ms = pg_i64(r, i, 2);
        t->revoked = (int)pg_i64(r, i, 3);
    }
    return n;
}

int pg_token_check(struct store_be *be, const unsigned char *hash, struct store_token *out)
{
    char h[2 * STORE_TOKEN_HASH + 1];
    hash_hex(hash, h);
    struct pg_params p = {0};
    pp_text(&p, h);
    struct tokens_out o = {out, 1};
    int n = pg_one(be, PQ_TOKEN_CHECK, &p, token_rows, &o);
    return n < 0 ? n : n == 0 ? MH_ENOENT : 0;
}

int pg_token_list(struct store_be *be, struct store_token *out, size_t cap)
{
    struct pg_params p = {0};
    pp_i64(&p, (int64_t)(cap > INT32_MAX ? INT32_MAX : cap));
    struct tokens_out o = {out, cap};
    return pg_one(be, PQ_TOKEN_LIST, &p, token_rows, &o);
}

int pg_token_revoke(struct store_be *be, const char *name)
{
    struct pg_params p = {0};
    pp_text(&p, name);
    int none = MH_ENOENT;
    return pg_one(be, PQ_TOKEN_REVOKE, &p, changed_or, &none);
}
