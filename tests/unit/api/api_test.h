/*
 * Shared by the API tests: a real API server on 127.0.0.1 (port 0) over a
 * real SQLite store in a temporary directory, filled through the store
 * interface, and a plain-socket HTTP/1.1 client.
 */
#ifndef MH_TEST_API_H
#define MH_TEST_API_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "meterhub/api.h"
#include "meterhub/store.h"

struct api_fixture {
    struct store *st;
    struct api *api;
    char uri[512];
    uint16_t port;
    char viewer[80], operator_[80], admin[80]; /* tokens */
    int external; /* the store is MH_TEST_STORE_URI's (another backend), not a temporary file */
};

/*
 * Open a new store (a temporary SQLite file, or a new database of the
 * backend MH_TEST_STORE_URI names, as the store suite does), import
 * store_test_archive_csv(n_users), create the three tokens ("view", "ops", "root") and start the
 * API with body_max (0: default).
 */
void api_fixture_start(struct api_fixture *f, int n_users, size_t body_max);
void api_fixture_stop(struct api_fixture *f);

struct http_resp {
    int status;
    char headers[2048];
    char *body; /* NUL-terminated, malloc'ed */
    size_t len;
};

/*
 * One request over a new TCP connection (Connection: close). token NULL: no
 * Authorization header; ctype NULL: no body. Fails the test when the
 * exchange itself fails.
 */
void http_do(uint16_t port, const char *method, const char *path, const char *token,
             const char *ctype, const char *body, size_t blen, struct http_resp *out);
void http_free(struct http_resp *r);
/* The body parsed as JSON; fails the test when it is not. */
json_t *http_json(const struct http_resp *r);

/*
 * method path with token and a JSON body (NULL: none); fails the test
 * unless the status is `status`, and returns the body parsed (the
 * caller's). For an error status, the detail must contain want (NULL:
 * anything).
 */
json_t *http_call_json(uint16_t port, const char *method, const char *path, const char *token,
                       const char *json_body, int status, const char *want);

#endif
