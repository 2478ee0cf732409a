/*
 * docs/openapi.yaml and the served routes agree: every (method, path) the
 * document lists is in the route table and answers something other than
 * 404/405 on a running server, and every route in the table is documented.
 *
 * The document is read as text: under "paths:", a path is a line of two
 * spaces and "/", a method a line of four spaces and "get:"/"post:"...
 * (the layout docs/openapi.yaml keeps).
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_test.h"

struct op {
    char method[8];
    char path[128];
};

static size_t read_ops(struct op *ops, size_t cap)
{
    FILE *f = fopen(MH_OPENAPI_YAML, "r");
    assert_non_null(f);
    char line[512], path[128] = "";
    int in_paths = 0;
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] != ' ' && line[0] != '\n') {
            in_paths = strncmp(line, "paths:", 6) == 0;
            continue;
        }
        if (!in_paths)
            continue;
        if (strncmp(line, "  /", 3) == 0) {
            char *colon = strrchr(line, ':');
            assert_non_null(colon);
            *colon = '\0';
            snprintf(path, sizeof path, "%.127s", line + 2);
        } else if (strncmp(line, "    ", 4) == 0 && line[4] != ' ' && path[0]) {
            static const char *const methods[] = {"get:", "post:", "put:", "patch:", "delete:"};
            for (size_t i = 0; i < 5; i++)
                if (strncmp(line + 4, methods[i], strlen(methods[i])) == 0) {
                    assert_true(n < cap);
                    size_t k = 0;
                    for (; methods[i][k] != ':'; k++)
                        ops[n].method[k] = (char)toupper((unsigned char)methods[i][k]);
                    ops[n].method[k] = '\0';
                    snprintf(ops[n].path, sizeof ops[n].path, "%s", path);
                    n++;
                }
        }
    }
    fclose(f);
    return n;
}

static int documented(const struct op *ops, size_t n, const char *method, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ops[i].method, method) == 0 && strcmp(ops[i].path, path) == 0)
            return 1;
    return 0;
}

static void test_every_route_is_documented_and_every_documented_path_served(void **state)
{
    (void)state;
    struct op ops[64];
    size_t n = read_ops(ops, 64);
    assert_true(n >= 10);
    for (size_t i = 0; i < api_route_count(); i++) {
        const struct api_route_info *r = api_route(i);
        if (!documented(ops, n, r->method, r->pattern))
            fail_msg("route %s %s is not in docs/openapi.yaml", r->method, r->pattern);
    }
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (size_t k = 0; k < api_route_count(); k++)
            found |= strcmp(api_route(k)->method, ops[i].method) == 0 &&
                     strcmp(api_route(k)->pattern, ops[i].path) == 0;
        if (!found)
            fail_msg("%s %s is documented but not in the route table", ops[i].method, ops[i].path);
    }

    /* On a running server: each documented operation, {id} = 1, answers. */
    struct api_fixture f;
    api_fixture_start(&f, 2, 0);
    for (size_t i = 0; i < n; i++) {
        char path[160];
        const char *p = ops[i].path;
        size_t o = 0;
        while (*p && o + 2 < sizeof path) {
            if (*p == '{') {
                path[o++] = '1';
                p = strchr(p, '}') + 1;
            } else {
                path[o++] = *p++;
            }
        }
        path[o] = '\0';
        /* The event stream never ends by itself: station_api.py reads it. */
        if (strcmp(ops[i].path, "/api/v1/stream") == 0)
            continue;
        struct http_resp r;
        int post = strcmp(ops[i].method, "GET") != 0;
        http_do(f.port, ops[i].method, path, f.admin, post ? "text/csv" : NULL, post ? "" : NULL, 0,
                &r);
        /* 404 from a handler (no such job) is an answer; 404 from routing is not. */
        int unrouted = r.status == 404 && strstr(r.body, "no resource at") != NULL;
        if (unrouted || r.status == 405 || r.status >= 500)
            fail_msg("%s %s answered %d: %s", ops[i].method, path, r.status, r.body);
        http_free(&r);
    }
    api_fixture_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_is_documented_and_every_documented_path_served),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
