/*
 * The HTTP server: libmicrohttpd daemon, request bodies, routing,
 * authentication, authorization and the audit of writes.
 *
 * Order of checks for every request: the path must be served (404), by
 * this method (405, with Allow), the body within the cap (413), the token
 * known (401), its role high enough (403); only then does the handler run.
 * A write is audited whether it was carried out or refused for its role.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "api_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/store.h"

#define API_BODY_MAX_DEFAULT ((size_t)16 << 20)
#define API_PEM_MAX ((size_t)1 << 20)

/* One request's state between libmicrohttpd's calls. */
struct conn_ctx {
    char *body;
    size_t len, cap;
    int too_big;
};

static void set_err(char *err, size_t cap, const char *msg, const char *arg)
{
    if (err && cap)
        snprintf(err, cap, "%s%s%s", msg, arg ? ": " : "", arg ? arg : "");
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The access log: store failures as warnings, writes as info (they are also
 * audited), everything else at debug so that a busy dashboard does not
 * flood the log.
 */
static void log_request(const struct api_req *rq, const struct api_resp *rs, int write)
{
    enum mh_log_level lv = rs->status >= 500 ? MH_LOG_WARN : write ? MH_LOG_INFO : MH_LOG_DEBUG;
    mh_log(lv, "api", "%s %s %u %zu bytes (%s)", rq->method, rq->path, rs->status, rs->len,
           rq->token_name ? rq->token_name : "no token");
}

/* The request's Origin when the API allows it (CORS, --cors), else NULL. */
static const char *cors_origin(const struct api *a, struct MHD_Connection *c)
{
    if (!a->n_cors)
        return NULL;
    const char *o = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (!o)
        return NULL;
    for (size_t i = 0; i < a->n_cors; i++)
        if (strcmp(a->cors[i], "*") == 0 || strcmp(a->cors[i], o) == 0)
            return o;
    return NULL;
}

static enum MHD_Result send_resp(struct api *a, struct MHD_Connection *c, struct api_resp *rs,
                                 const char *allow)
{
    struct MHD_Response *r = rs->stream;
    if (!r)
        r = MHD_create_response_from_buffer(rs->len, rs->body ? rs->body : (char *)"",
                                            rs->body ? MHD_RESPMEM_MUST_FREE
                                                     : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(rs->body);
        return MHD_NO;
    }
    if (!rs->stream)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                rs->ctype ? rs->ctype : "application/json");
    if (rs->disposition)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, rs->disposition);
    if (allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    const char *origin = a ? cors_origin(a, c) : NULL;
    if (origin) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(r, "Vary", "Origin");
    }
    enum MHD_Result ret = MHD_queue_response(c, rs->status, r);
    MHD_destroy_response(r);
    return ret;
}

/*
 * A CORS preflight (OPTIONS with Access-Control-Request-Method): 204 naming
 * the methods the path serves and the headers a request may carry; the
 * allowed origin only when --cors names it, so a browser refuses the rest.
 */
static enum MHD_Result send_preflight(struct api *a, struct MHD_Connection *c, const char *allow)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    char methods[80];
    snprintf(methods, sizeof methods, "%s, OPTIONS", allow);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, methods);
    const char *origin = cors_origin(a, c);
    if (origin) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(r, "Access-Control-Allow-Methods", methods);
        MHD_add_response_header(r, "Access-Control-Allow-Headers", "Authorization, Content-Type");
        MHD_add_response_header(r, "Access-Control-Max-Age", "600");
        MHD_add_response_header(r, "Vary", "Origin");
    }
    enum MHD_Result ret = MHD_queue_response(c, 204, r);
    MHD_destroy_response(r);
    return ret;
}

/* Body bytes: kept up to the cap, then only counted as too big. */
static void take_body(struct conn_ctx *cx, const char *data, size_t n, size_t max)
{
    if (cx->too_big)
        return;
    if (n > max - cx->len) {
        cx->too_big = 1;
        return;
    }
    if (cx->len + n + 1 > cx->cap) {
        size_t ncap = cx->cap ? cx->cap : 4096;
        while (ncap < cx->len + n + 1)
            ncap *= 2;
        char *nb = realloc(cx->body, ncap);
        if (!nb) {
            cx->too_big = 1;
            return;
        }
        cx->body = nb;
        cx->cap = ncap;
    }
    memcpy(cx->body + cx->len, data, n);
    cx->len += n;
    cx->body[cx->len] = '\0';
}

/* The route serving (method, path), or NULL; *path_known says whether any method serves path. */
static const struct api_route *route_find(const char *method, const char *path, int64_t *params,
                                          char *allow, size_t allow_cap)
{
    const struct api_route *hit = NULL;
    size_t used = 0;
    allow[0] = '\0';
    for (size_t i = 0; i < api_route_table_len; i++) {
        const struct api_route *r = &api_route_table[i];
        int64_t p[API_MAX_PARAMS];
        if (!api_path_match(r->info.pattern, path, p))
            continue;
        if (strcmp(r->info.method, method) == 0 && !hit) {
            hit = r;
            memcpy(params, p, sizeof p);
        }
        int w = snprintf(allow + used, allow_cap - used, "%s%s", used ? ", " : "", r->info.method);
        if (w > 0 && (size_t)w < allow_cap - used)
            used += (size_t)w;
    }
    return hit;
}

static int authenticate(struct api_req *rq, struct api_resp *rs, char *name, size_t cap)
{
    const char *h =
        MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h) {
        api_reply_error(rs, 401, "an Authorization: Bearer token is required");
        return -1;
    }
    if (strncasecmp(h, "Bearer ", 7) != 0) {
        api_reply_error(rs, 401, "the Authorization header must be \"Bearer TOKEN\"");
        return -1;
    }
    const char *tok = h + 7;
    while (*tok == ' ')
        tok++;
    int rc = api_token_check(rq->api, tok, name, cap, &rq->role);
    if (rc == MH_ENOENT) {
        api_reply_error(rs, 401, "the token is not known or was revoked");
        return -1;
    }
    if (rc != 0) {
        api_reply_error(rs, 500, "the token table cannot be read");
        return -1;
    }
    rq->token_name = name;
    return 0;
}

static void audit_write(struct api_req *rq, const struct api_resp *rs)
{
    char who[96], what[400];
    snprintf(who, sizeof who, "api:%s", rq->token_name ? rq->token_name : "?");
    snprintf(what, sizeof what, "%s %s: %u %s%s%s", rq->method, rq->path, rs->status,
             api_status_reason(rs->status), rq->audit_what[0] ? "; " : "", rq->audit_what);
    int result = rs->status < 300 ? 0 : rs->status < 500 ? MH_EINVAL : MH_EIO;
    if (store_audit(rq->api->st, who, now_ms(), what, result) != 0)
        mh_warn("api", "audit row not written: %s: %s", who, what);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    struct api *a = cls;
    struct conn_ctx *cx = *con_cls;
    if (!cx) {
        cx = calloc(1, sizeof *cx);
        if (!cx)
            return MHD_NO;
        *con_cls = cx;
        const char *cl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > a->body_max)
            cx->too_big = 1;
        return MHD_YES;
    }
    if (*upload_size) {
        take_body(cx, upload, *upload_size, a->body_max);
        *upload_size = 0;
        return MHD_YES;
    }

    if (a->web_root && strncmp(url, "/api/", 5) != 0 && strcmp(url, "/api") != 0)
        return api_static_serve(a, c, method, url);
    struct api_req rq = {.api = a, .conn = c, .method = method, .path = url};
    struct api_resp rs = {0};
    char allow[64], name[64];
    const struct api_route *r = route_find(method, url, rq.params, allow, sizeof allow);
    if (!r && !allow[0]) {
        api_reply_error(&rs, 404, "no resource at %s", url);
        log_request(&rq, &rs, 0);
        return send_resp(a, c, &rs, NULL);
    }
    if (!r && strcmp(method, "OPTIONS") == 0) {
        rs.status = 204;
        log_request(&rq, &rs, 0);
        return send_preflight(a, c, allow);
    }
    if (!r) {
        api_reply_error(&rs, 405, "%s is not served at %s (allowed: %s)", method, url, allow);
        log_request(&rq, &rs, 0);
        return send_resp(a, c, &rs, allow);
    }
    if (cx->too_big) {
        api_reply_error(&rs, 413, "the request body is over %zu bytes", a->body_max);
        log_request(&rq, &rs, r->write);
        return send_resp(a, c, &rs, NULL);
    }
    if (authenticate(&rq, &rs, name, sizeof name) != 0) {
        log_request(&rq, &rs, r->write);
        return send_resp(a, c, &rs, NULL);
    }
    rq.body = cx->body;
    rq.body_len = cx->len;
    if (rq.role < r->role_min)
        api_reply_error(&rs, 403, "token '%s' has role %s; %s %s needs %s or above", name,
                        api_role_name(rq.role), method, r->info.pattern,
                        api_role_name(r->role_min));
    else
        r->fn(&rq, &rs);
    if (r->write)
        audit_write(&rq, &rs);
    log_request(&rq, &rs, r->write);
    return send_resp(a, c, &rs, NULL);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    struct conn_ctx *cx = *con_cls;
    if (cx) {
        free(cx->body);
        free(cx);
        *con_cls = NULL;
    }
}

static int read_pem(const char *path, char **out, char *err, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, cap, "cannot open", path);
        return MH_EINVAL;
    }
    char *buf = malloc(API_PEM_MAX + 1);
    size_t n = buf ? fread(buf, 1, API_PEM_MAX + 1, f) : 0;
    fclose(f);
    if (!buf)
        return MH_ENOMEM;
    if (n == 0 || n > API_PEM_MAX) {
        free(buf);
        set_err(err, cap, "empty or oversized PEM file", path);
        return MH_EINVAL;
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

static int resolve(const struct api_options *opt, struct sockaddr_storage *ss, int *v6, char *err,
                   size_t cap)
{
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_PASSIVE, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", opt->port);
    if (getaddrinfo(opt->host ? opt->host : "0.0.0.0", port, &hints, &ai) != 0 || !ai) {
        set_err(err, cap, "not a numeric IPv4 or IPv6 address", opt->host);
        return MH_EINVAL;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *v6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    return 0;
}

void api_stop(struct api *a)
{
    if (!a)
        return;
    api_hub_stop(a->hub); /* suspended streams must be resumed before the daemon stops */
    if (a->mhd)
        MHD_stop_daemon(a->mhd);
    api_hub_free(a->hub);
    api_jobs_free(a->jobs);
    for (size_t i = 0; i < a->n_cors; i++)
        free(a->cors[i]);
    free(a->cors);
    free(a->ports);
    free(a->cert);
    free(a->key);
    free(a->web_root);
    free(a);
}

int api_start(const struct api_options *opt, struct store *st, struct api **out, char *err,
              size_t cap)
{
    if (!opt || !st || !out || !opt->cert_file != !opt->key_file) {
        set_err(err, cap, "a store and both or neither of certificate and key are needed", NULL);
        return MH_EINVAL;
    }
    struct sockaddr_storage ss;
    int v6 = 0;
    int rc = resolve(opt, &ss, &v6, err, cap);
    if (rc != 0)
        return rc;
    struct api *a = calloc(1, sizeof *a);
    if (!a)
        return MH_ENOMEM;
    a->st = st;
    a->body_max = opt->body_max ? opt->body_max : API_BODY_MAX_DEFAULT;
    a->station = opt->station;
    a->collect = opt->collect;
    a->control = opt->control;
    a->fep = opt->fep;
    a->started_ms = api_mono_ms();
    rc = api_hub_new(opt->streams_max, opt->heartbeat_ms, &a->hub);
    if (rc == 0)
        rc = api_jobs_new(&a->jobs);
    if (rc == 0 && opt->n_ports) {
        a->ports = calloc(opt->n_ports, sizeof *a->ports);
        rc = a->ports ? 0 : MH_ENOMEM;
        for (size_t i = 0; rc == 0 && i < opt->n_ports; i++)
            a->ports[a->n_ports++] = opt->ports[i];
    }
    if (rc == 0 && opt->n_cors) {
        a->cors = calloc(opt->n_cors, sizeof *a->cors);
        rc = a->cors ? 0 : MH_ENOMEM;
        for (size_t i = 0; rc == 0 && i < opt->n_cors; i++, a->n_cors++)
            if (!(a->cors[i] = strdup(opt->cors_origins[i])))
                rc = MH_ENOMEM;
    }
    if (rc == 0 && opt->web_dir)
        rc = api_static_init(a, opt->web_dir, err, cap);
    if (rc == 0 && opt->cert_file) {
        rc = read_pem(opt->cert_file, &a->cert, err, cap);
        if (rc == 0)
            rc = read_pem(opt->key_file, &a->key, err, cap);
    }
    if (rc != 0) {
        api_stop(a);
        return rc;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY |
                     MHD_ALLOW_SUSPEND_RESUME |
                     (v6 ? MHD_USE_IPv6 : 0) | (a->cert ? MHD_USE_TLS : 0);
    unsigned threads = opt->threads ? opt->threads : 2;
    struct MHD_OptionItem tls[] = {
        {a->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, a->cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, a->key},
        {MHD_OPTION_END, 0, NULL},
    };
    a->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, a, MHD_OPTION_SOCK_ADDR,
                              (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads,
                              MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT,
                              1024u, MHD_OPTION_NOTIFY_COMPLETED, on_completed, a, MHD_OPTION_ARRAY,
                              tls, MHD_OPTION_END);
    if (!a->mhd) {
        set_err(err, cap,
                a->cert ? "cannot listen with TLS (address in use, bad certificate?)"
                        : "cannot listen (address in use?)",
                opt->host);
        api_stop(a);
        return MH_EIO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_BIND_PORT);
    a->port = di ? di->port : opt->port;
    *out = a;
    return 0;
}

uint16_t api_port(const struct api *a)
{
    return a->port;
}
