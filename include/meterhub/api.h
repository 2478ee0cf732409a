/*
 * The master station's HTTP/JSON API (docs/api.md, docs/openapi.yaml).
 *
 * api_start serves the resources under /api/v1 on libmicrohttpd's own
 * threads, reading from a store the caller opened and keeps open until
 * api_stop has returned. Every request carries "Authorization: Bearer
 * TOKEN"; tokens have a role (viewer < operator < administrator) and live
 * hashed (SHA-256) in the api_tokens table of the store's database. Writes
 * need operator or above and each one, allowed or refused, is written to the
 * store's audit table with the token's name and the result.
 *
 * Errors are JSON: {"error": "<short reason>", "detail": "<what is wrong>"}
 * with a 4xx status for a bad request (400), a missing or unknown token
 * (401), a role too low (403), an unknown path or id (404), a method the
 * path does not serve (405), a body over the cap (413) and a body of the
 * wrong type (415); 5xx only when the store fails.
 */
#ifndef MH_API_H
#define MH_API_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct api;
struct station_bridge;
struct collect;
struct fep;
struct fep_port;

struct api_options {
    const char *host; /* address to listen on ("127.0.0.1", "::"); NULL: every IPv4 address */
    uint16_t port;    /* 0: any free port (api_port tells which) */
    /*
     * The store's URI, as given to store_open; informational (may be
     * NULL): every query and the tokens go through the store handed to
     * api_start, whatever its backend (docs/api.md "Queries").
     */
    const char *store_uri;
    const char *cert_file, *key_file; /* both set: HTTPS (PEM files); both NULL: HTTP */
    size_t body_max;                  /* request body cap in bytes (default 16 MiB) */
    unsigned threads;                 /* serving threads (default 2) */
    /*
     * The dashboard's built files (web/dist): paths outside /api/ are served
     * from here without a token (docs/web.md). NULL: only /api/ is served.
     */
    const char *web_dir;
    /*
     * Inside the master station (meterhub serve): the bridge into its loop
     * and the collector behind it, both borrowed until api_stop. With them
     * POST /api/v1/reads reads terminals on demand; without them it answers
     * 503 (a standalone `meterhub api` over a store).
     */
    struct station_bridge *station;
    struct collect *collect;
    /* Origins allowed to call the API from a browser (CORS); "*" any. None: no CORS headers. */
    const char *const *cors_origins;
    size_t n_cors;
    unsigned streams_max;  /* concurrent GET /api/v1/stream clients (default 16) */
    unsigned heartbeat_ms; /* comment line to every stream this often (default 15000) */
    /*
     * Inside the master station: its load-management engine (control.h),
     * borrowed and touched only on the station's loop, through station. NULL:
     * the command and prepayment writes answer 503.
     */
    struct control *control;
    /*
     * Inside the station: its front end and the ports feeding it (n_ports),
     * borrowed until api_stop and looked at only on the station's loop
     * (through station), for GET /api/v1/stats. NULL/0: no front end.
     */
    struct fep *fep;
    struct fep_port *const *ports;
    size_t n_ports;
};

/*
 * Start serving. st is borrowed until api_stop. Returns 0 with *out set,
 * or MH_EINVAL (bad options, unreadable certificate), MH_EIO (cannot bind),
 * MH_ENOMEM; err (may be NULL) receives a line saying why. Any backend.
 */
int api_start(const struct api_options *opt, struct store *st, struct api **out, char *err,
              size_t cap);

/* The dashboard built in this source tree (web/dist) when it has an index.html, else NULL. */
const char *api_web_default(void);

/* The port actually listened on. */
uint16_t api_port(const struct api *a);

/* Stop: wait for the requests in progress, close the connections, free a. NULL is a no-op. */
void api_stop(struct api *a);

/*
 * Send an event to every GET /api/v1/stream client: "event: NAME" and one
 * "data:" line of data_json (one line of JSON, no newline). Any thread;
 * never blocks on a client: one whose buffer cannot take the event is
 * dropped (its connection closed). NULL a is a no-op.
 */
void api_publish(struct api *a, const char *event, const char *data_json);

/* ---- tokens ---- */

enum api_role {
    API_ROLE_VIEWER = 0,
    API_ROLE_OPERATOR = 1,
    API_ROLE_ADMINISTRATOR = 2,
};

/* "viewer", "operator", "administrator"; NULL when out of range. */
const char *api_role_name(int role);
/* The role named text; MH_EINVAL when none is. */
int api_role_parse(const char *text);

/*
 * Create token NAME with role in the store at store_uri (any backend;
 * opened for the call, its schema migrated as store_open does). The secret is written to token (a
 * NUL-terminated text of 67 bytes: "mh_" and 64 hex digits; cap >= 68) and
 * is not kept: only its SHA-256 is stored. Returns 0, MH_EEXIST (the name
 * is taken), MH_EINVAL, MH_EIO.
 */
int api_token_add(const char *store_uri, const char *name, int role, char *token, size_t cap,
                  char *err, size_t errcap);

/* Revoke token NAME: its requests get 401 from then on. 0, MH_ENOENT, MH_EIO. */
int api_token_revoke(const char *store_uri, const char *name, char *err, size_t errcap);

/*
 * Call fn for every token (the first 4096), by name (never the secret,
 * which is not kept). Returns the count.
 */
int api_token_list(const char *store_uri,
                   void (*fn)(void *ctx, const char *name, int role, int64_t created_ms,
                              int revoked),
                   void *ctx, char *err, size_t errcap);

/* ---- the route table (the OpenAPI agreement test enumerates it) ---- */

struct api_route_info {
    const char *method;  /* "GET", "POST" */
    const char *pattern; /* "/api/v1/meters/{id}" as in docs/openapi.yaml */
};

/* How many routes are served, and route i of them (NULL past the end), in table order. */
size_t api_route_count(void);
const struct api_route_info *api_route(size_t i);

#endif
