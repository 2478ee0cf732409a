#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "api_test.h"
#include "store_test.h"

void api_fixture_start(struct api_fixture *f, int n_users, size_t body_max)
{
    memset(f, 0, sizeof *f);
    if (getenv("MH_TEST_STORE_URI")) {
        /* Another backend (pg_suite.sh): a new, empty database per fixture. */
        static int serial;
        char name[32];
        snprintf(name, sizeof name, "api%d", ++serial);
        snprintf(f->uri, sizeof f->uri, "%s", store_test_uri(name));
        f->external = 1;
    } else {
        char tmpl[] = "/tmp/mh_api_XXXXXX";
        assert_non_null(mkdtemp(tmpl));
        snprintf(f->uri, sizeof f->uri, "%s/store.db", tmpl);
    }
    f->st = store_test_open(f->uri, NULL);
    char *csv = store_test_archive_csv(n_users);
    struct store_import_stats s;
    store_test_import(f->st, csv, &s);
    free(csv);
    /* One alarm of the daily analysis, id 1 (the first user's meter, in area A1). */
    struct store_alarm al = {.type = 12, .phase = 255, .meter = 2, .terminal = 1,
                             .area = "A1", .start_s = 1795190400, .first_day = 20778,
                             .last_day = 20778, .value_milli = 6207,
                             .evidence = "6.207 kWh against a median 15.887"};
    assert_int_equal(store_alarm_put(f->st, &al, 1), 0);
    char err[256] = "";
    assert_int_equal(api_token_add(f->uri, "view", API_ROLE_VIEWER, f->viewer, sizeof f->viewer,
                                   err, sizeof err),
                     0);
    assert_int_equal(api_token_add(f->uri, "ops", API_ROLE_OPERATOR, f->operator_,
                                   sizeof f->operator_, err, sizeof err),
                     0);
    assert_int_equal(api_token_add(f->uri, "root", API_ROLE_ADMINISTRATOR, f->admin,
                                   sizeof f->admin, err, sizeof err),
                     0);
    struct api_options opt = {
        .host = "127.0.0.1", .port = 0, .store_uri = f->uri, .body_max = body_max};
    int rc = api_start(&opt, f->st, &f->api, err, sizeof err);
    if (rc != 0)
        fail_msg("api_start: %s", err);
    f->port = api_port(f->api);
    assert_true(f->port != 0);
}

void api_fixture_stop(struct api_fixture *f)
{
    api_stop(f->api);
    store_close(f->st);
    if (f->external)
        return; /* pg_suite.sh drops the database */
    char dir[512];
    snprintf(dir, sizeof dir, "%s", f->uri);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    char path[600];
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", f->uri, suffixes[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return; /* the server may answer (413) and close before the body is sent */
        p += w, n -= (size_t)w;
    }
}

void http_do(uint16_t port, const char *method, const char *path, const char *token,
             const char *ctype, const char *body, size_t blen, struct http_resp *out)
{
    memset(out, 0, sizeof *out);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", method, path);
    if (token)
        n += snprintf(head + n, sizeof head - (size_t)n, "Authorization: Bearer %s\r\n", token);
    if (ctype)
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Type: %s\r\n", ctype);
    if (body || ctype)
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", blen);
    n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
    send_all(fd, head, (size_t)n);
    if (body)
        send_all(fd, body, blen);

    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        if (cap - len < 4096) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        ssize_t r = recv(fd, buf + len, cap - len - 1, 0);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    char *end = strstr(buf, "\r\n\r\n");
    if (!end)
        fail_msg("no HTTP response for %s %s (%zu bytes)", method, path, len);
    assert_int_equal(strncmp(buf, "HTTP/1.1 ", 9), 0);
    out->status = (int)strtol(buf + 9, NULL, 10);
    size_t hl = (size_t)(end - buf);
    snprintf(out->headers, sizeof out->headers, "%.*s", (int)hl, buf);
    out->len = len - hl - 4;
    out->body = malloc(out->len + 1);
    assert_non_null(out->body);
    memcpy(out->body, end + 4, out->len);
    out->body[out->len] = '\0';
    free(buf);
}

void http_free(struct http_resp *r)
{
    free(r->body);
    r->body = NULL;
}

json_t *http_json(const struct http_resp *r)
{
    json_error_t e;
    json_t *j = json_loads(r->body, 0, &e);
    if (!j)
        fail_msg("not JSON (%s): %s", e.text, r->body);
    return j;
}

json_t *http_call_json(uint16_t port, const char *method, const char *path, const char *token,
                       const char *json_body, int status, const char *want)
{
    struct http_resp r;
    http_do(port, method, path, token, json_body ? "application/json" : NULL, json_body,
            json_body ? strlen(json_body) : 0, &r);
    if (r.status != status)
        fail_msg("%s %s: status %d, want %d: %s", method, path, r.status, status, r.body);
    json_t *j = http_json(&r);
    const char *detail = json_string_value(json_object_get(j, "detail"));
    if (want && (!detail || !strstr(detail, want)))
        fail_msg("%s %s: detail '%s' does not say '%s'", method, path, detail ? detail : "", want);
    http_free(&r);
    return j;
}
