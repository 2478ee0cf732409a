/*
 * The API over real HTTP on 127.0.0.1: archive listings and paging,
 * readings exact to the digit, CSV in and out, auth (401/403), 4xx bodies
 * that say what is wrong, and the audit row of every write.
 *
 * The archive (store_test_archive_csv(4)): terminal 1 = concentrator
 * 0171/01710001 in area A1 with meter 1 (supply, 100000000000) and meters
 * 2..5 (users, 100000000001..4); terminal 2 = DTU 0172/000000000009 with
 * meter 6 (industrial, 200000000001, G2).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_test.h"
#include "meterhub/archive.h"
#include "meterhub/proto/item.h"
#include "store_test.h"

#define T0 1763942400 /* 2025-11-24T00:00:00Z */

static int setup(void **state)
{
    struct api_fixture *f = calloc(1, sizeof *f);
    api_fixture_start(f, 4, 64 * 1024);
    /* Meter 2, active energy import, every 15 minutes: exact values with trailing zeros. */
    struct store_reading r[10];
    for (int k = 0; k < 10; k++) {
        r[k] = store_test_reading(2, MH_ITEM_AE_IMP, T0 + k * 900, 12345678900 + k * 10);
        r[k].value = mh_dec_make(1234567890 + k, -3); /* 1234567.890, 1234567.891, ... */
    }
    r[9].quality = STORE_Q_ESTIMATED;
    struct store_reading v = store_test_reading(2, MH_ITEM_U_L1, T0, 0);
    v.value = mh_dec_make(22970, -2); /* 229.70 */
    assert_int_equal(store_readings_append(f->st, r, 10, 1000, NULL, NULL), 0);
    assert_int_equal(store_readings_append(f->st, &v, 1, 1000, NULL, NULL), 0);
    assert_int_equal(store_readings_sync(f->st, 5000), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    api_fixture_stop(*state);
    free(*state);
    return 0;
}

/* GET path with token; returns the parsed JSON and checks the status. */
static json_t *get_json(struct api_fixture *f, const char *path, const char *token, int status)
{
    struct http_resp r;
    http_do(f->port, "GET", path, token, NULL, NULL, 0, &r);
    if (r.status != status)
        fail_msg("GET %s: status %d, want %d: %s", path, r.status, status, r.body);
    json_t *j = http_json(&r);
    http_free(&r);
    return j;
}

/* An error body: the status and a detail containing want. */
static void expect_error(struct api_fixture *f, const char *method, const char *path,
                         const char *token, int status, const char *want)
{
    struct http_resp r;
    http_do(f->port, method, path, token, NULL, NULL, 0, &r);
    if (r.status != status)
        fail_msg("%s %s: status %d, want %d: %s", method, path, r.status, status, r.body);
    json_t *j = http_json(&r);
    const char *detail = json_string_value(json_object_get(j, "detail"));
    assert_non_null(json_string_value(json_object_get(j, "error")));
    if (!detail || !strstr(detail, want))
        fail_msg("%s %s: detail '%s' does not say '%s'", method, path, detail ? detail : "", want);
    json_decref(j);
    http_free(&r);
}

static void test_health_names_backend_and_schema(void **state)
{
    struct api_fixture *f = *state;
    json_t *j = get_json(f, "/api/v1/health", f->viewer, 200);
    assert_string_equal(json_string_value(json_object_get(j, "backend")),
                        store_backend_name(f->st));
    assert_int_equal(json_integer_value(json_object_get(j, "schema_version")),
                     store_schema_version(f->st));
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
    json_decref(j);
}

static void test_requests_without_a_valid_token_get_401(void **state)
{
    struct api_fixture *f = *state;
    expect_error(f, "GET", "/api/v1/meters", NULL, 401, "Bearer");
    expect_error(f, "GET", "/api/v1/meters", "mh_0000", 401, "not known");
    /* A token's hash, not the token, is stored: the hash itself is no key. */
    struct http_resp r;
    http_do(f->port, "GET", "/api/v1/health", f->viewer + 1, NULL, NULL, 0, &r);
    assert_int_equal(r.status, 401);
    http_free(&r);
}

static void test_viewer_cannot_write_and_the_refusal_is_audited(void **state)
{
    struct api_fixture *f = *state;
    char *csv = store_test_archive_csv(4);
    struct http_resp r;
    http_do(f->port, "POST", "/api/v1/archive", f->viewer, "text/csv", csv, strlen(csv), &r);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "operator"));
    http_free(&r);
    free(csv);
    expect_error(f, "GET", "/api/v1/audit", f->operator_, 403, "administrator");

    json_t *j = get_json(f, "/api/v1/audit?who=api:view", f->admin, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    json_t *row = json_array_get(items, 0);
    assert_non_null(
        strstr(json_string_value(json_object_get(row, "what")), "POST /api/v1/archive"));
    assert_non_null(strstr(json_string_value(json_object_get(row, "what")), "403"));
    assert_int_not_equal(json_integer_value(json_object_get(row, "result")), 0);
    json_decref(j);
}

static void test_terminals_page_and_filter(void **state)
{
    struct api_fixture *f = *state;
    json_t *j = get_json(f, "/api/v1/terminals?limit=1", f->viewer, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "address")),
                        "01710001");
    assert_int_equal(json_integer_value(json_object_get(j, "next")), 1);
    json_decref(j);

    j = get_json(f, "/api/v1/terminals?limit=1&after=1", f->viewer, 200);
    items = json_object_get(j, "items");
    json_t *t = json_array_get(items, 0);
    assert_string_equal(json_string_value(json_object_get(t, "region")), "0172");
    assert_string_equal(json_string_value(json_object_get(t, "kind")), "dtu");
    json_decref(j);

    j = get_json(f, "/api/v1/terminals?region=0172&kind=dtu", f->viewer, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    assert_true(json_is_null(json_object_get(j, "next")));
    json_decref(j);
    j = get_json(f, "/api/v1/terminals?protocol=dlt698", f->viewer, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);

    expect_error(f, "GET", "/api/v1/terminals?region=zz", f->viewer, 400, "region");
    expect_error(f, "GET", "/api/v1/terminals?kind=tower", f->viewer, 400, "concentrator");
    expect_error(f, "GET", "/api/v1/terminals?limit=0", f->viewer, 400, "limit");
    expect_error(f, "GET", "/api/v1/terminals/77", f->viewer, 404, "no terminal with id 77");
}

/*
 * The DTU's terminal id: ids are the database's (PostgreSQL's identity
 * columns may leave gaps after upserts), so tests look them up.
 */
static int64_t dtu_id(struct api_fixture *f)
{
    struct store_terminal t;
    assert_int_equal(store_terminal_lookup(f->st, 0x0172, "000000000009", &t), 0);
    return t.id;
}

static void test_link_history_gives_online_state(void **state)
{
    struct api_fixture *f = *state;
    int64_t ms = (int64_t)T0 * 1000;
    int64_t dtu = dtu_id(f);
    char dtu_path[64];
    snprintf(dtu_path, sizeof dtu_path, "/api/v1/terminals/%lld", (long long)dtu);
    assert_int_equal(store_terminal_link(f->st, 1, 1, ms, "login"), 0);
    assert_int_equal(store_terminal_link(f->st, 1, 0, ms + 60000, "heartbeat timeout"), 0);
    assert_int_equal(store_terminal_link(f->st, 1, 1, ms + 120000, "login"), 0);
    assert_int_equal(store_terminal_link(f->st, dtu, 1, ms, "login"), 0);
    assert_int_equal(store_terminal_link(f->st, dtu, 0, ms + 5000, NULL), 0);
    assert_int_equal(store_terminal_link(f->st, dtu, 0, ms + 9000, "reconnect"), 0);
    assert_int_equal(store_terminal_link(f->st, dtu, 1, ms + 9000, "reconnect"), 0);
    assert_int_equal(store_terminal_link(f->st, dtu, 0, ms + 3000, NULL), 0);

    /* The DTU went offline and online in the same millisecond: a reconnection, online. */
    json_t *j = get_json(f, dtu_path, f->viewer, 200);
    assert_true(json_is_true(json_object_get(j, "online")));
    json_decref(j);
    assert_int_equal(store_terminal_link(f->st, dtu, 0, ms + 10000, "heartbeat timeout"), 0);

    j = get_json(f, "/api/v1/terminals?online=1", f->viewer, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    json_t *t = json_array_get(items, 0);
    assert_int_equal(json_integer_value(json_object_get(t, "id")), 1);
    assert_true(json_is_true(json_object_get(t, "online")));
    assert_string_equal(json_string_value(json_object_get(t, "since")), "2025-11-24T00:02:00.000Z");
    json_decref(j);

    j = get_json(f, "/api/v1/terminals/1/links?limit=2", f->viewer, 200);
    items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "reason")),
                        "heartbeat timeout");
    json_int_t next = json_integer_value(json_object_get(j, "next"));
    json_decref(j);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/terminals/1/links?after=%lld", (long long)next);
    j = get_json(f, path, f->viewer, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
}

static void test_meters_list_filter_and_get(void **state)
{
    struct api_fixture *f = *state;
    json_t *j = get_json(f, "/api/v1/meters?terminal=1&limit=2&after=2", f->viewer, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), 3);
    assert_int_equal(json_integer_value(json_object_get(j, "next")), 4);
    json_decref(j);

    j = get_json(f, "/api/v1/meters?area=A1", f->viewer, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 5);
    json_decref(j);

    j = get_json(f, "/api/v1/meters/6", f->viewer, 200);
    assert_string_equal(json_string_value(json_object_get(j, "address")), "200000000001");
    assert_string_equal(json_string_value(json_object_get(j, "customer")), "F1");
    assert_int_equal(json_integer_value(json_object_get(j, "ct")), 100);
    assert_int_equal(json_integer_value(json_object_get(j, "terminal")), dtu_id(f));
    json_decref(j);

    expect_error(f, "GET", "/api/v1/meters/999", f->viewer, 404, "no meter with id 999");
    expect_error(f, "GET", "/api/v1/meters/abc", f->viewer, 404, "/api/v1/meters/abc");
    expect_error(f, "GET", "/api/v1/meters?terminal=x", f->viewer, 400, "terminal");
}

static void test_readings_are_exact_and_paged(void **state)
{
    struct api_fixture *f = *state;
    json_t *j = get_json(f,
                         "/api/v1/meters/2/readings?item=1.0.1.8.0&from=2025-11-24T00:15:00Z"
                         "&to=2025-11-24T01:00Z&limit=2",
                         f->viewer, 200);
    json_t *s = json_array_get(json_object_get(j, "series"), 0);
    assert_string_equal(json_string_value(json_object_get(s, "name")), "AE_IMP");
    assert_string_equal(json_string_value(json_object_get(s, "unit")), "kWh");
    json_t *rd = json_object_get(s, "readings");
    assert_int_equal(json_array_size(rd), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rd, 0), "value")),
                        "1234567.891");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rd, 1), "time")),
                        "2025-11-24T00:30:00Z");
    assert_int_equal(json_integer_value(json_object_get(s, "next_from")), T0 + 1800 + 1);
    json_decref(j);

    /* Several items by name; the trailing zero of 229.70 survives; the last page ends. */
    j = get_json(f, "/api/v1/meters/2/readings?item=u_l1,AE_IMP&from=1763950000", f->viewer, 200);
    json_t *series = json_object_get(j, "series");
    assert_int_equal(json_array_size(series), 2);
    assert_int_equal(json_array_size(json_object_get(json_array_get(series, 0), "readings")), 0);
    rd = json_object_get(json_array_get(series, 1), "readings");
    assert_int_equal(json_array_size(rd), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rd, 0), "quality")),
                        "estimated");
    assert_true(json_is_null(json_object_get(json_array_get(series, 1), "next_from")));
    json_decref(j);
    j = get_json(f, "/api/v1/meters/2/readings?item=U_L1", f->viewer, 200);
    rd = json_object_get(json_array_get(json_object_get(j, "series"), 0), "readings");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rd, 0), "value")),
                        "229.70");
    json_decref(j);

    struct http_resp r;
    http_do(f->port, "GET", "/api/v1/meters/2/readings?item=AE_IMP&format=csv&limit=2", f->viewer,
            NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "text/csv"));
    assert_string_equal(r.body, "meter,item,time,value,unit,quality\n"
                                "2,1.0.1.8.0,2025-11-24T00:00:00Z,1234567.890,kWh,valid\n"
                                "2,1.0.1.8.0,2025-11-24T00:15:00Z,1234567.891,kWh,valid\n");
    http_free(&r);

    expect_error(f, "GET", "/api/v1/meters/2/readings", f->viewer, 400, "'item' is required");
    expect_error(f, "GET", "/api/v1/meters/2/readings?item=9.9.9", f->viewer, 400, "9.9.9");
    expect_error(f, "GET", "/api/v1/meters/2/readings?item=AE_IMP&from=yesterday", f->viewer, 400,
                 "'from'");
    expect_error(f, "GET", "/api/v1/meters/2/readings?item=AE_IMP&to=99999999999999999", f->viewer,
                 400, "9999");
    expect_error(f, "GET", "/api/v1/events?from=-5", f->viewer, 400, "'from'");
    expect_error(f, "GET", "/api/v1/events?to=1969-12-31", f->viewer, 400, "'to'");
    expect_error(f, "GET", "/api/v1/meters/2/readings?item=AE_IMP&from=100&to=100", f->viewer, 400,
                 "before");
    expect_error(f, "GET", "/api/v1/meters/2/readings?item=AE_IMP&format=xml", f->viewer, 400,
                 "json, csv");
    expect_error(f, "GET", "/api/v1/meters/42/readings?item=AE_IMP", f->viewer, 404, "42");
}

static int64_t audit_rows(struct api_fixture *f, const char *who)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/audit?who=%s", who);
    json_t *j = get_json(f, path, f->admin, 200);
    int64_t n = (int64_t)json_array_size(json_object_get(j, "items"));
    json_decref(j);
    return n;
}

static void test_archive_import_is_all_or_nothing_and_audited(void **state)
{
    struct api_fixture *f = *state;
    /* Line 4 (the second user) has a bad meter address: 400 naming it, nothing imported. */
    char *bad = store_test_archive_csv(5);
    char *line4 = strstr(bad, "100000000002");
    assert_non_null(line4);
    line4[0] = 'X';
    struct http_resp r;
    http_do(f->port, "POST", "/api/v1/archive", f->operator_, "text/csv", bad, strlen(bad), &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "line 4"));
    assert_non_null(strstr(r.body, "nothing imported"));
    http_free(&r);
    free(bad);
    json_t *j = get_json(f, "/api/v1/meters?address=100000000005", f->viewer, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);

    char *good = store_test_archive_csv(5);
    http_do(f->port, "POST", "/api/v1/archive", f->operator_, "text/csv", good, strlen(good), &r);
    assert_int_equal(r.status, 200);
    j = http_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "added")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "unchanged")), 6);
    json_decref(j);
    http_free(&r);

    http_do(f->port, "POST", "/api/v1/archive", f->operator_, "application/json", "{}", 2, &r);
    assert_int_equal(r.status, 415);
    http_free(&r);
    free(good);

    /* Rejected, imported, wrong type: three audit rows, results as they were. */
    j = get_json(f, "/api/v1/audit?who=api:ops", f->admin, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 3);
    assert_int_not_equal(json_integer_value(json_object_get(json_array_get(items, 0), "result")),
                         0);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_array_get(items, 0), "what")), "line 4"));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "result")), 0);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_array_get(items, 1), "what")), "1 added"));
    json_decref(j);
    /* Reads are not audited. */
    assert_int_equal(audit_rows(f, "api:view"), 0);
}

static void test_archive_export_imports_unchanged(void **state)
{
    struct api_fixture *f = *state;
    struct http_resp r;
    http_do(f->port, "GET", "/api/v1/archive", f->viewer, NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "text/csv"));
    assert_non_null(strstr(r.body, ",0172,000000000009,dtu,dlt645-2007,G2,1,200000000001,"
                                   "dlt645-2007,3,100,100,57.7/100,500.000,TOU4,0,0.000,F1,"
                                   "industrial,0\n"));
    char err[256];
    struct archive *a = NULL;
    if (archive_csv_parse(r.body, r.len, &a, err, sizeof err) != 0)
        fail_msg("export does not parse: %s\n%s", err, r.body);
    assert_int_equal(a->n_rows, 6);
    archive_free(a);
    struct http_resp w;
    http_do(f->port, "POST", "/api/v1/archive", f->operator_, "text/csv", r.body, r.len, &w);
    assert_int_equal(w.status, 200);
    json_t *j = http_json(&w);
    assert_int_equal(json_integer_value(json_object_get(j, "unchanged")), 6);
    assert_int_equal(json_integer_value(json_object_get(j, "added")), 0);
    json_decref(j);
    http_free(&w);
    http_free(&r);
}

static void test_bad_paths_methods_and_bodies(void **state)
{
    struct api_fixture *f = *state;
    expect_error(f, "GET", "/api/v1/nowhere", f->viewer, 404, "/api/v1/nowhere");
    expect_error(f, "GET", "/api/v2/health", f->viewer, 404, "no resource");
    struct http_resp r;
    http_do(f->port, "DELETE", "/api/v1/meters/1", f->admin, NULL, NULL, 0, &r);
    assert_int_equal(r.status, 405);
    assert_non_null(strstr(r.headers, "Allow: GET"));
    http_free(&r);
    /* Over the 64 KiB cap of this fixture: 413 and nothing imported or audited as done. */
    size_t big = 200 * 1024;
    char *body = malloc(big);
    memset(body, 'a', big);
    http_do(f->port, "POST", "/api/v1/archive", f->operator_, "text/csv", body, big, &r);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "65536"));
    http_free(&r);
    free(body);
}

static void test_collection_rates_and_failures(void **state)
{
    struct api_fixture *f = *state;
    int64_t day = T0 / 86400;
    struct store_status s[3] = {
        {.meter = 1, .item_class = STORE_CLASS_DAY_FREEZE, .day = day, .reason = 0},
        {.meter = 2, .item_class = STORE_CLASS_DAY_FREEZE, .day = day, .reason = 2},
        {.meter = 6, .item_class = STORE_CLASS_DAY_FREEZE, .day = day, .reason = 0},
    };
    assert_int_equal(store_status_upsert(f->st, s, 3), 0);
    json_t *j = get_json(f, "/api/v1/collection/rates?day=2025-11-24&group=region", f->viewer, 200);
    json_t *g = json_object_get(j, "groups");
    assert_int_equal(json_array_size(g), 2);
    json_t *r0172 = json_array_get(g, 1);
    assert_string_equal(json_string_value(json_object_get(r0172, "rate_percent")), "100.00");
    json_t *r0171 = json_array_get(g, 0);
    assert_int_equal(json_integer_value(json_object_get(r0171, "meters")), 5);
    assert_int_equal(json_integer_value(json_object_get(r0171, "failed")), 1);
    assert_int_equal(json_integer_value(json_object_get(r0171, "never_tried")), 3);
    assert_string_equal(json_string_value(json_object_get(r0171, "rate_percent")), "20.00");
    json_decref(j);

    j = get_json(f, "/api/v1/collection/rates?day=2025-11-24&group=kind", f->viewer, 200);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "groups"), 0), "key")),
        "concentrator");
    json_decref(j);

    j = get_json(f, "/api/v1/collection/failures?day=2025-11-24", f->viewer, 200);
    json_t *reasons = json_object_get(j, "reasons");
    json_t *na = json_array_get(reasons, 1);
    assert_string_equal(json_string_value(json_object_get(na, "reason")), "meter not answering");
    assert_int_equal(json_integer_value(json_object_get(na, "count")), 1);
    json_decref(j);

    j = get_json(f, "/api/v1/collection/status?day=2025-11-24&failed=1", f->viewer, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "reason")),
                        "meter not answering");
    json_decref(j);
    j = get_json(f, "/api/v1/collection/status?day=2025-11-24&limit=1&after=1", f->viewer, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "next")), 2);
    json_decref(j);
    j = get_json(f, "/api/v1/collection/status?day=2025-11-24&class=curve", f->viewer, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    expect_error(f, "GET", "/api/v1/collection/status?day=2025-11-24&reason=9", f->viewer, 400,
                 "'reason'");

    expect_error(f, "GET", "/api/v1/collection/rates", f->viewer, 400, "'day' is required");
    expect_error(f, "GET", "/api/v1/collection/rates?day=2025-11-24&group=town", f->viewer, 400,
                 "region");
    expect_error(f, "GET", "/api/v1/collection/failures?day=2025-13-01", f->viewer, 400, "day");
}

static void test_events_filter(void **state)
{
    struct api_fixture *f = *state;
    struct store_event e[3] = {
        {.meter = 2, .terminal = 1, .code = 14, .start_s = T0, .payload_json = "{\"phase\":\"A\"}"},
        {.meter = 0, .terminal = 1, .code = 14, .start_s = T0 + 60, .end_s = T0 + 120},
        {.meter = 6, .terminal = 2, .code = 9, .start_s = T0 + 300},
    };
    for (int i = 0; i < 3; i++)
        assert_int_equal(store_event_insert(f->st, &e[i]), 0);
    json_t *j = get_json(f, "/api/v1/events?terminal=1&code=14", f->viewer, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 2);
    json_t *first = json_array_get(items, 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(first, "payload"), "phase")), "A");
    assert_string_equal(json_string_value(json_object_get(first, "start")), "2025-11-24T00:00:00Z");
    assert_true(json_is_null(json_object_get(first, "end")));
    assert_true(json_is_null(json_object_get(json_array_get(items, 1), "meter")));
    json_decref(j);
    j = get_json(f, "/api/v1/events?from=2025-11-24T00:01:00Z&meter=6", f->viewer, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
}

struct client {
    struct api_fixture *f;
    int ok;
};

static void *client_run(void *p)
{
    struct client *c = p;
    for (int i = 0; i < 40; i++) {
        struct http_resp r;
        const char *path =
            i % 2 ? "/api/v1/meters/2/readings?item=AE_IMP&limit=5" : "/api/v1/terminals?online=0";
        http_do(c->f->port, "GET", path, c->f->viewer, NULL, NULL, 0, &r);
        c->ok += r.status == 200;
        http_free(&r);
    }
    return NULL;
}

/* Four clients at once while the writer stores more readings: every answer is a 200. */
static void test_concurrent_clients_while_the_writer_runs(void **state)
{
    struct api_fixture *f = *state;
    struct client c[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        c[i] = (struct client){.f = f};
        assert_int_equal(pthread_create(&th[i], NULL, client_run, &c[i]), 0);
    }
    for (int k = 0; k < 50; k++) {
        struct store_reading r = store_test_reading(3, MH_ITEM_AE_IMP, T0 + k * 900, 100 + k);
        assert_int_equal(store_readings_append(f->st, &r, 1, 1000, NULL, NULL), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(c[i].ok, 40);
    }
    assert_int_equal(store_readings_sync(f->st, 5000), 0);
    json_t *j = get_json(f, "/api/v1/meters/3/readings?item=AE_IMP&limit=100", f->viewer, 200);
    json_t *rd = json_object_get(json_array_get(json_object_get(j, "series"), 0), "readings");
    assert_int_equal(json_array_size(rd), 50);
    json_decref(j);
}

static void test_areas_with_counts_and_paging(void **state)
{
    struct api_fixture *f = *state;
    json_t *j = get_json(f, "/api/v1/areas", f->viewer, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    json_t *a = json_array_get(items, 0);
    assert_string_equal(json_string_value(json_object_get(a, "code")), "A1");
    assert_string_equal(json_string_value(json_object_get(a, "region")), "0171");
    assert_int_equal(json_integer_value(json_object_get(a, "terminals")), 1);
    assert_int_equal(json_integer_value(json_object_get(a, "meters")), 5); /* supply + 4 users */
    assert_int_equal(json_integer_value(json_object_get(a, "supply_meter")), 1);
    assert_true(json_is_null(json_object_get(j, "next")));
    int64_t id = json_integer_value(json_object_get(a, "id"));
    json_decref(j);

    char path[64];
    snprintf(path, sizeof path, "/api/v1/areas?limit=1&after=%lld", (long long)id);
    j = get_json(f, path, f->viewer, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    j = get_json(f, "/api/v1/areas?region=0172", f->viewer, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);

    snprintf(path, sizeof path, "/api/v1/areas/%lld", (long long)id);
    j = get_json(f, path, f->viewer, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "meters")), 5);
    json_decref(j);
    expect_error(f, "GET", "/api/v1/areas/999", f->viewer, 404, "no area with id 999");
    expect_error(f, "GET", "/api/v1/areas?region=zz", f->viewer, 400, "region");
    expect_error(f, "GET", "/api/v1/areas", NULL, 401, "Bearer");
}

static void test_reads_need_the_station(void **state)
{
    struct api_fixture *f = *state;
    static const char body[] = "{\"meter\":1,\"items\":[\"1.0.1.8.0\"]}";
    struct http_resp r;
    http_do(f->port, "POST", "/api/v1/reads", f->operator_, "application/json", body,
            sizeof body - 1, &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "meterhub serve --api"));
    http_free(&r);
    /* The body is checked first: a bad one is a 400 wherever the API runs. */
    http_do(f->port, "POST", "/api/v1/reads", f->operator_, "application/json", "{}", 2, &r);
    assert_int_equal(r.status, 400);
    http_free(&r);
    http_do(f->port, "POST", "/api/v1/reads", f->viewer, "application/json", body,
            sizeof body - 1, &r);
    assert_int_equal(r.status, 403);
    http_free(&r);
}

/* Outside the station: the store's part of /stats, the station's marked absent (null). */
static void test_stats_without_the_station(void **state)
{
    struct api_fixture *f = *state;
    json_t *j = get_json(f, "/api/v1/stats", f->viewer, 200);
    assert_true(json_is_null(json_object_get(j, "station")));
    assert_non_null(json_object_get(j, "station")); /* present, and null */
    assert_string_equal(json_string_value(json_object_get(j, "backend")),
                        store_backend_name(f->st));
    assert_int_equal(json_integer_value(json_object_get(j, "schema_version")),
                     store_schema_version(f->st));
    assert_true(json_integer_value(json_object_get(j, "uptime_s")) >= 0);
    struct store_writer_stats w;
    store_writer_stats(f->st, &w);
    json_t *wj = json_object_get(j, "store_writer");
    assert_true(json_is_object(wj));
    assert_int_equal(json_integer_value(json_object_get(wj, "stored")), (json_int_t)w.stored);
    assert_int_equal(json_integer_value(json_object_get(wj, "batches")), (json_int_t)w.batches);
    assert_true(json_is_integer(json_object_get(wj, "queued")));
    json_decref(j);
    expect_error(f, "GET", "/api/v1/stats", NULL, 401, "Bearer");
}

/* Outside the station: the plan's names, nothing run or switched; roles and names checked first. */
static void test_tasks_without_the_station(void **state)
{
    struct api_fixture *f = *state;
    json_t *j = get_json(f, "/api/v1/tasks", f->viewer, 200);
    assert_true(json_is_false(json_object_get(j, "station")));
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 6);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "name")),
                        "daily");
    json_t *curves = json_array_get(items, 2);
    assert_string_equal(json_string_value(json_object_get(curves, "name")), "curves");
    assert_true(json_is_true(json_object_get(curves, "switchable")));
    assert_true(json_is_null(json_object_get(curves, "enabled")));
    assert_true(json_is_false(json_object_get(json_array_get(items, 0), "switchable")));
    json_decref(j);
    expect_error(f, "POST", "/api/v1/tasks/daily/run", f->operator_, 503, "meterhub serve --api");
    expect_error(f, "POST", "/api/v1/tasks/curves/disable", f->operator_, 503, "serve --api");
    expect_error(f, "POST", "/api/v1/tasks/hourly/run", f->operator_, 404, "no task 'hourly'");
    expect_error(f, "POST", "/api/v1/tasks/curves/run", f->operator_, 409, "run task daily");
    expect_error(f, "POST", "/api/v1/tasks/daily/run", f->viewer, 403, "operator");
    expect_error(f, "POST", "/api/v1/tasks/Daily/run", f->operator_, 404, "no resource at");
    /* Every attempt is audited, saying which task. */
    j = get_json(f, "/api/v1/audit?who=api:ops", f->admin, 200);
    items = json_object_get(j, "items");
    int seen_run = 0, seen_off = 0;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *w = json_string_value(json_object_get(json_array_get(items, i), "what"));
        seen_run += w && strstr(w, "/tasks/daily/run: 503") && strstr(w, "run task daily");
        seen_off +=
            w && strstr(w, "/tasks/curves/disable: 503") && strstr(w, "disable task curves");
    }
    assert_int_equal(seen_run, 1);
    assert_int_equal(seen_off, 1);
    json_decref(j);
}

/* Several meters at once: each as /meters/{id}/readings gives it, in the order asked; CSV rows. */
static void test_readings_of_many_meters(void **state)
{
    struct api_fixture *f = *state;
    json_t *one = get_json(f, "/api/v1/meters/2/readings?item=AE_IMP,U_L1&limit=2", f->viewer, 200);
    json_t *j =
        get_json(f, "/api/v1/readings?meter=2&meter=1&item=AE_IMP,U_L1&limit=2", f->viewer, 200);
    json_t *ms = json_object_get(j, "meters");
    assert_int_equal(json_array_size(ms), 2);
    assert_true(json_equal(json_array_get(ms, 0), one));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(ms, 1), "meter")), 1);
    json_decref(one);
    one = get_json(f, "/api/v1/meters/1/readings?item=AE_IMP,U_L1&limit=2", f->viewer, 200);
    assert_true(json_equal(json_array_get(ms, 1), one));
    json_decref(one);
    json_decref(j);
    /* Comma-separated ids are the same query; one meter still answers the list shape. */
    j = get_json(f, "/api/v1/readings?meter=2,1&item=AE_IMP,U_L1&limit=2", f->viewer, 200);
    assert_int_equal(json_array_size(json_object_get(j, "meters")), 2);
    json_decref(j);
    j = get_json(f, "/api/v1/readings?meter=2&item=AE_IMP&limit=1", f->viewer, 200);
    assert_int_equal(json_array_size(json_object_get(j, "meters")), 1);
    json_t *s = json_array_get(
        json_object_get(json_array_get(json_object_get(j, "meters"), 0), "series"), 0);
    assert_int_equal(json_integer_value(json_object_get(s, "next_from")), T0 + 1);
    json_decref(j);

    struct http_resp r, r1, r2;
    http_do(f->port, "GET", "/api/v1/readings?meter=2&meter=1&item=AE_IMP&format=csv&limit=2",
            f->viewer, NULL, NULL, 0, &r);
    http_do(f->port, "GET", "/api/v1/meters/2/readings?item=AE_IMP&format=csv&limit=2", f->viewer,
            NULL, NULL, 0, &r1);
    http_do(f->port, "GET", "/api/v1/meters/1/readings?item=AE_IMP&format=csv&limit=2", f->viewer,
            NULL, NULL, 0, &r2);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "text/csv"));
    const char *head = "meter,item,time,value,unit,quality\n";
    size_t hl = strlen(head);
    assert_int_equal(r.len, r1.len + r2.len - hl);
    assert_memory_equal(r.body, r1.body, r1.len);
    assert_memory_equal(r.body + r1.len, r2.body + hl, r2.len - hl);
    assert_non_null(strstr(r.body, "\n2,1.0.1.8.0,2025-11-24T00:00:00Z,1234567.890,kWh,valid\n"));
    http_free(&r);
    http_free(&r1);
    http_free(&r2);

    expect_error(f, "GET", "/api/v1/readings?item=AE_IMP", f->viewer, 400, "'meter'");
    expect_error(f, "GET", "/api/v1/readings?meter=x&item=AE_IMP", f->viewer, 400, "'meter'");
    expect_error(f, "GET", "/api/v1/readings?meter=1,&item=AE_IMP", f->viewer, 400, "'meter'");
    expect_error(f, "GET", "/api/v1/readings?meter=0&item=AE_IMP", f->viewer, 400, "'meter'");
    expect_error(f, "GET", "/api/v1/readings?meter=1&meter=999&item=AE_IMP", f->viewer, 404,
                 "no meter with id 999");
    expect_error(f, "GET", "/api/v1/readings?meter=1", f->viewer, 400, "'item' is required");
    expect_error(f, "GET", "/api/v1/readings?meter=1,2&item=AE_IMP&limit=10000&from=1&to=1",
                 f->viewer, 400, "'from'");
    char path[1024];
    size_t o = (size_t)snprintf(path, sizeof path, "/api/v1/readings?item=AE_IMP&meter=1");
    for (int i = 0; i < 100; i++)
        o += (size_t)snprintf(path + o, sizeof path - o, ",1");
    expect_error(f, "GET", path, f->viewer, 400, "1 to 100 meter ids");
    expect_error(f, "GET",
                 "/api/v1/readings?meter=1,2,1,2,1,2,1,2,1,2,1,2,1,2,1,2,1,2,1,2,1&item=AE_IMP"
                 "&limit=10000",
                 f->viewer, 400, "lower the limit");
    expect_error(f, "GET", "/api/v1/readings?meter=1&item=AE_IMP", NULL, 401, "Bearer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_health_names_backend_and_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_requests_without_a_valid_token_get_401, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_viewer_cannot_write_and_the_refusal_is_audited, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_terminals_page_and_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_history_gives_online_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meters_list_filter_and_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readings_are_exact_and_paged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_archive_import_is_all_or_nothing_and_audited, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_archive_export_imports_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_paths_methods_and_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_collection_rates_and_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_clients_while_the_writer_runs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_areas_with_counts_and_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reads_need_the_station, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_without_the_station, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tasks_without_the_station, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readings_of_many_meters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
