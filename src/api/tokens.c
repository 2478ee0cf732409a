/*
 * API tokens, kept by the store (store.h "API tokens", the api_tokens
 * table of either backend).
 *
 * Tokens: "mh_" and 64 hex digits of 32 random bytes (OpenSSL RAND_bytes).
 * Only SHA-256 of the token text is stored; a request's token is hashed and
 * looked up by that hash, so the comparison runs on digests, not secrets.
 *
 * The command-line calls (add, revoke, list) open the store at the URI
 * for the one call, with a small reading queue: they append no readings.
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "meterhub/base/err.h"
#include "meterhub/store.h"

#define API_TOKEN_BYTES 32
#define API_TOKENS_MAX 4096 /* listed by the CLI at most */

static void set_err(char *err, size_t cap, const char *what, const char *why)
{
    if (err && cap)
        snprintf(err, cap, "%s: %s", what, why);
}

static int sha256(const char *text, unsigned char out[STORE_TOKEN_HASH])
{
    unsigned int n = 0;
    return EVP_Digest(text, strlen(text), out, &n, EVP_sha256(), NULL) == 1 && n == STORE_TOKEN_HASH
               ? 0
               : MH_EIO;
}

int api_token_check(struct api *a, const char *token, char *name, size_t cap, int *role)
{
    unsigned char h[STORE_TOKEN_HASH];
    if (sha256(token, h) != 0)
        return MH_EIO;
    struct store_token t;
    int rc = store_token_check(a->st, h, &t);
    if (rc == 0) {
        snprintf(name, cap, "%s", t.name);
        *role = t.role;
    }
    return rc;
}

/* Open the store at uri for one token call. */
static int open_store(const char *uri, struct store **st, char *err, size_t errcap)
{
    const struct store_options opt = {.queue_capacity = 64, .batch_max = 64};
    return store_open(uri, &opt, st, err, errcap);
}

static int now_ms(int64_t *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *out = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    return 0;
}

int api_token_add(const char *store_uri, const char *name, int role, char *token, size_t cap,
                  char *err, size_t errcap)
{
    if (!name || !*name || strlen(name) > STORE_TOKEN_NAME_MAX || !api_role_name(role) ||
        cap < 68) {
        set_err(err, errcap, "token", "a name of 1..48 characters and a valid role are needed");
        return MH_EINVAL;
    }
    unsigned char raw[API_TOKEN_BYTES], h[STORE_TOKEN_HASH];
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

    struct store *st = NULL;
    int rc = open_store(store_uri, &st, err, errcap);
    if (rc == 0) {
        int64_t t;
        now_ms(&t);
        rc = store_token_add(st, name, role, h, t);
        if (rc == MH_EEXIST)
            set_err(err, errcap, name, "a token of that name exists");
        else if (rc != 0)
            set_err(err, errcap, "api_tokens", mh_strerror(rc));
        store_close(st);
    }
    if (rc != 0)
        memset(token, 0, cap);
    return rc;
}

int api_token_revoke(const char *store_uri, const char *name, char *err, size_t errcap)
{
    struct store *st = NULL;
    int rc = open_store(store_uri, &st, err, errcap);
    if (rc != 0)
        return rc;
    rc = store_token_revoke(st, name ? name : "");
    if (rc == MH_ENOENT || rc == MH_EINVAL) {
        set_err(err, errcap, name ? name : "", "no token of that name");
        rc = MH_ENOENT;
    } else if (rc != 0) {
        set_err(err, errcap, "api_tokens", mh_strerror(rc));
    }
    store_close(st);
    return rc;
}

int api_token_list(const char *store_uri,
                   void (*fn)(void *ctx, const char *name, int role, int64_t created_ms,
                              int revoked),
                   void *ctx, char *err, size_t errcap)
{
    struct store *st = NULL;
    int rc = open_store(store_uri, &st, err, errcap);
    if (rc != 0)
        return rc;
    struct store_token *t = malloc(sizeof *t * API_TOKENS_MAX);
    int n = t ? store_token_list(st, t, API_TOKENS_MAX) : MH_ENOMEM;
    if (n < 0)
        set_err(err, errcap, "api_tokens", mh_strerror(n));
    for (int i = 0; i < n; i++)
        fn(ctx, t[i].name, t[i].role, t[i].created_ms, t[i].revoked);
    free(t);
    store_close(st);
    return n;
}
