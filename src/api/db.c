/*
 * The API's own connection to the store's SQLite file, and its token table.
 *
 * store.h has no listings yet (terminals, meters, events, link history,
 * audit); until it does, the API reads those tables directly on a
 * connection of its own, serialised by a mutex (docs/api.md "Queries").
 * The connection is query-only except for the api_tokens table.
 *
 * Tokens: "mh_" and 64 hex digits of 32 random bytes (OpenSSL RAND_bytes).
 * Only SHA-256 of the token text is stored; a request's token is hashed and
 * looked up by that hash, so the comparison runs on digests, not secrets.
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "meterhub/base/err.h"

#define API_TOKEN_BYTES 32

static const char tokens_sql[] = "CREATE TABLE IF NOT EXISTS api_tokens ("
                                 " id INTEGER PRIMARY KEY,"
                                 " name TEXT NOT NULL UNIQUE,"
                                 " role INTEGER NOT NULL,"
                                 " hash BLOB NOT NULL UNIQUE," /* SHA-256 of the token text */
                                 " created_ms INTEGER NOT NULL,"
                                 " revoked INTEGER NOT NULL DEFAULT 0)";

static void set_err(char *err, size_t cap, const char *what, const char *why)
{
    if (err && cap)
        snprintf(err, cap, "%s: %s", what, why);
}

int api_db_open(const char *uri, sqlite3 **out, char *err, size_t cap)
{
    if (!uri || strstr(uri, "://")) {
        set_err(err, cap, uri ? uri : "(null)", "the API reads SQLite stores only");
        return MH_ENOTSUP;
    }
    const char *path = strncmp(uri, "sqlite:", 7) == 0 ? uri + 7 : uri;
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 10000);
        rc = sqlite3_exec(db, tokens_sql, NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        set_err(err, cap, path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return MH_EIO;
    }
    *out = db;
    return 0;
}

sqlite3_stmt *api_db_prepare(struct api *a, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(a->db, sql, -1, &s, NULL) != SQLITE_OK)
        return NULL;
    return s;
}

static int sha256(const char *text, unsigned char out[32])
{
    unsigned int n = 0;
    return EVP_Digest(text, strlen(text), out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : MH_EIO;
}

int api_token_check(struct api *a, const char *token, char *name, size_t cap, int *role)
{
    unsigned char h[32];
    if (sha256(token, h) != 0)
        return MH_EIO;
    pthread_mutex_lock(&a->db_mu);
    sqlite3_stmt *s =
        api_db_prepare(a, "SELECT name, role FROM api_tokens WHERE hash = ? AND revoked = 0");
    int rc = MH_EIO;
    if (s) {
        sqlite3_bind_blob(s, 1, h, sizeof h, SQLITE_STATIC);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) {
            snprintf(name, cap, "%s", (const char *)sqlite3_column_text(s, 0));
            *role = sqlite3_column_int(s, 1);
            rc = 0;
        } else if (step == SQLITE_DONE) {
            rc = MH_ENOENT;
        }
        sqlite3_finalize(s);
    }
    pthread_mutex_unlock(&a->db_mu);
    return rc;
}

int api_token_add(const char *store_uri, const char *name, int role, char *token, size_t cap,
                  char *err, size_t errcap)
{
    if (!name || !*name || strlen(name) > 48 || !api_role_name(role) || cap < 68) {
        set_err(err, errcap, "token", "a name of 1..48 characters and a valid role are needed");
        return MH_EINVAL;
    }
    unsigned char raw[API_TOKEN_BYTES], h[32];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        set_err(err, errcap, "token", "no random bytes from OpenSSL");
        return MH_EIO;
    }
    static const char hex[] = "0123456789abcdef";
    memcpy(token, "mh_", 3);
    for (size_t i = 0; i < sizeof raw; i++) {
        token[3 + 2 * i] = hex[raw[i] >> 4];
        token[4 + 2 * i] = hex[raw[i] & 15];
    }
    token[3 + 2 * sizeof raw] = '\0';
    if (sha256(token, h) != 0)
        return MH_EIO;

    sqlite3 *db = NULL;
    int rc = api_db_open(store_uri, &db, err, errcap);
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = NULL;
    rc = sqlite3_prepare_v2(db,
                            "INSERT INTO api_tokens (name, role, hash, created_ms) "
                            "VALUES (?, ?, ?, ?)",
                            -1, &s, NULL);
    if (rc == SQLITE_OK) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 2, role);
        sqlite3_bind_blob(s, 3, h, sizeof h, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, (sqlite3_int64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
        rc = sqlite3_step(s);
    }
    int out = 0;
    if (rc == SQLITE_CONSTRAINT) {
        set_err(err, errcap, name, "a token of that name exists");
        out = MH_EEXIST;
    } else if (rc != SQLITE_DONE) {
        set_err(err, errcap, "api_tokens", sqlite3_errmsg(db));
        out = MH_EIO;
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    if (out != 0)
        memset(token, 0, cap);
    return out;
}

int api_token_revoke(const char *store_uri, const char *name, char *err, size_t errcap)
{
    sqlite3 *db = NULL;
    int rc = api_db_open(store_uri, &db, err, errcap);
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = NULL;
    rc = sqlite3_prepare_v2(db, "UPDATE api_tokens SET revoked = 1 WHERE name = ?", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
    }
    int out = 0;
    if (rc != SQLITE_DONE) {
        set_err(err, errcap, "api_tokens", sqlite3_errmsg(db));
        out = MH_EIO;
    } else if (sqlite3_changes(db) == 0) {
        set_err(err, errcap, name, "no token of that name");
        out = MH_ENOENT;
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

int api_token_list(const char *store_uri,
                   void (*fn)(void *ctx, const char *name, int role, int64_t created_ms,
                              int revoked),
                   void *ctx, char *err, size_t errcap)
{
    sqlite3 *db = NULL;
    int rc = api_db_open(store_uri, &db, err, errcap);
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = NULL;
    int n = 0;
    rc = sqlite3_prepare_v2(
        db, "SELECT name, role, created_ms, revoked FROM api_tokens ORDER BY name", -1, &s, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        fn(ctx, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int(s, 1),
           sqlite3_column_int64(s, 2), sqlite3_column_int(s, 3));
        n++;
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE) {
        set_err(err, errcap, "api_tokens", sqlite3_errmsg(db));
        n = MH_EIO;
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}
