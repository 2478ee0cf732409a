/*
 * The dashboard's files next to the API, over real HTTP on 127.0.0.1: "/"
 * is index.html, content types by name, HEAD, 404 for what is not there,
 * and no way out of the web root: "..", "." and their percent-encoded,
 * double-encoded and backslash forms are refused, as is a symlink leading
 * out. /api/ keeps its own rules (a token is still needed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "api_test.h"
#include "meterhub/base/err.h"

struct web_fixture {
    struct api_fixture f;
    struct api *web;
    uint16_t port;
    char dir[64], outside[64];
};

static void write_file(const char *dir, const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *fp = fopen(p, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static int setup(void **state)
{
    struct web_fixture *w = calloc(1, sizeof *w);
    api_fixture_start(&w->f, 1, 0);
    snprintf(w->dir, sizeof w->dir, "/tmp/mh_web_XXXXXX");
    snprintf(w->outside, sizeof w->outside, "/tmp/mh_out_XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    assert_non_null(mkdtemp(w->outside));
    char p[256];
    snprintf(p, sizeof p, "%s/assets", w->dir);
    assert_int_equal(mkdir(p, 0755), 0);
    write_file(w->dir, "index.html", "<!doctype html><title>meterhub</title>");
    write_file(w->dir, "assets/app-1a2b.js", "console.log(1)");
    write_file(w->dir, "assets/app-1a2b.css", "body{}");
    write_file(w->outside, "secret.txt", "SECRET");
    char link[256];
    snprintf(link, sizeof link, "%s/leak.txt", w->dir);
    snprintf(p, sizeof p, "%s/secret.txt", w->outside);
    assert_int_equal(symlink(p, link), 0);
    struct api_options opt = {
        .host = "127.0.0.1", .store_uri = w->f.uri, .web_dir = w->dir};
    char err[256];
    int rc = api_start(&opt, w->f.st, &w->web, err, sizeof err);
    if (rc != 0)
        fail_msg("api_start: %s", err);
    w->port = api_port(w->web);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct web_fixture *w = *state;
    api_stop(w->web);
    api_fixture_stop(&w->f);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", w->dir, w->outside);
    assert_int_equal(system(cmd), 0);
    free(w);
    return 0;
}

static void expect(struct web_fixture *w, const char *method, const char *path, int status,
                   const char *ctype, const char *body)
{
    struct http_resp r;
    http_do(w->port, method, path, NULL, NULL, NULL, 0, &r);
    if (r.status != status)
        fail_msg("%s %s: status %d, want %d: %s", method, path, r.status, status, r.body);
    if (ctype && !strstr(r.headers, ctype))
        fail_msg("%s %s: no %s in %s", method, path, ctype, r.headers);
    if (body && strcmp(r.body, body) != 0)
        fail_msg("%s %s: body '%s', want '%s'", method, path, r.body, body);
    if (r.body && strstr(r.body, "SECRET"))
        fail_msg("%s %s: a file outside the web root was served", method, path);
    http_free(&r);
}

static void test_files_and_content_types(void **state)
{
    struct web_fixture *w = *state;
    expect(w, "GET", "/", 200, "text/html; charset=utf-8", "<!doctype html><title>meterhub</title>");
    expect(w, "GET", "/index.html", 200, "text/html", NULL);
    expect(w, "GET", "/assets/app-1a2b.js", 200, "text/javascript", "console.log(1)");
    expect(w, "GET", "/assets/app-1a2b.css", 200, "text/css", "body{}");
    expect(w, "GET", "/assets/app-1a2b.js", 200, "immutable", NULL);
    expect(w, "GET", "/", 200, "no-cache", NULL);
    expect(w, "HEAD", "/assets/app-1a2b.js", 200, "Content-Length: 14", "");
    expect(w, "GET", "/missing.js", 404, "text/plain", NULL);
    expect(w, "GET", "/assets", 404, NULL, NULL); /* a directory is not a file */
    expect(w, "POST", "/index.html", 405, "Allow: GET, HEAD", NULL);
}

static void test_no_way_out_of_the_root(void **state)
{
    struct web_fixture *w = *state;
    char deep[160];
    static const char *const bad[] = {
        "/../mh_out/secret.txt", "/assets/../../etc/passwd", "/%2e%2e/etc/passwd",
        "/%2E%2E%2Fetc%2Fpasswd", "/assets/%2e%2e/%2e%2e/etc/passwd", "/%252e%252e/etc/passwd",
        "/..%5c..%5cetc%5cpasswd", "/assets\\..\\index.html", "/./index.html", "/assets/.",
        "/..", "/..%00/index.html",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect(w, "GET", bad[i], 400, NULL, NULL);
    snprintf(deep, sizeof deep, "/..%s/secret.txt", strrchr(w->outside, '/'));
    expect(w, "GET", deep, 400, NULL, NULL);
    /* A symlink inside the root that leads out of it is not followed. */
    expect(w, "GET", "/leak.txt", 404, NULL, NULL);
}

static void test_api_paths_keep_their_rules(void **state)
{
    struct web_fixture *w = *state;
    expect(w, "GET", "/api/v1/health", 401, "application/json", NULL);
    expect(w, "GET", "/api/nothing", 404, "application/json", NULL);
    struct http_resp r;
    http_do(w->port, "GET", "/api/v1/health", w->f.viewer, NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    http_free(&r);
    /* Without --web nothing but /api/ is served. */
    expect((struct web_fixture *)&(struct web_fixture){.port = w->f.port}, "GET", "/", 404,
           "application/json", NULL);
}

static void test_a_bad_web_root_is_refused(void **state)
{
    struct web_fixture *w = *state;
    struct api_options opt = {
        .host = "127.0.0.1", .store_uri = w->f.uri, .web_dir = "/nonexistent/mh_web"};
    struct api *a = NULL;
    char err[256] = "";
    assert_int_equal(api_start(&opt, w->f.st, &a, err, sizeof err), MH_EINVAL);
    assert_null(a);
    assert_non_null(strstr(err, "/nonexistent/mh_web"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_files_and_content_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_way_out_of_the_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_paths_keep_their_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_bad_web_root_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
