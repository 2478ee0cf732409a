/*
 * The daily analysis's results over real HTTP (src/api/h_analytics.c):
 * alarms with their filters and paging, an acknowledgement (operator,
 * audited; a viewer is refused), consumption as exact kWh per meter and
 * day, line loss per area and day.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_test.h"

static int setup(void **state)
{
    struct api_fixture *f = calloc(1, sizeof *f);
    api_fixture_start(f, 3, 0); /* has alarm 1: a sudden drop of meter 2 in A1 */
    struct store_alarm more[2] = {
        {.type = 14, .phase = 255, .terminal = 1, .start_s = 1795276800, .end_s = 1795280400,
         .first_day = 20779, .last_day = 20779, .evidence = "none of 4 meters collected"},
        {.type = 2, .phase = 255, .meter = 3, .terminal = 1, .area = "A1", .start_s = 1795276800,
         .first_day = 20779, .last_day = 20780, .evidence = "import register went down"},
    };
    assert_int_equal(store_alarm_put(f->st, more, 2), 0);
    struct store_consumption c = {.meter = 2, .day = 20780, .quality = 1, .status = 5,
                                  .import_wh10 = {123456, 1, 2, 3, STORE_WH10_NONE},
                                  .export_wh10 = {0, STORE_WH10_NONE, STORE_WH10_NONE,
                                                  STORE_WH10_NONE, STORE_WH10_NONE}};
    assert_int_equal(store_consumption_put(f->st, &c, 1), 0);
    c.day = 20781;
    assert_int_equal(store_consumption_put(f->st, &c, 1), 0);
    struct store_lineloss l = {.area_code = "A1", .day = 20780, .supply_wh10 = 1000000,
                               .users_wh10 = 900000, .loss_wh10 = 100000, .rate_ppm = 100000,
                               .rise_wh10 = STORE_WH10_NONE, .flags = 2 | 8, .users = 3,
                               .missing = 1, .suspects = {3, 0, 0}};
    assert_int_equal(store_lineloss_put(f->st, &l, 1), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    api_fixture_stop(*state);
    free(*state);
    return 0;
}

static json_t *get(struct api_fixture *f, const char *path, int status)
{
    struct http_resp r;
    http_do(f->port, "GET", path, f->viewer, NULL, NULL, 0, &r);
    if (r.status != status)
        fail_msg("GET %s: %d %s", path, r.status, r.body);
    json_t *j = http_json(&r);
    http_free(&r);
    return j;
}

static size_t n_items(json_t *j)
{
    return json_array_size(json_object_get(j, "items"));
}

static void expect_count(struct api_fixture *f, const char *path, size_t n)
{
    json_t *j = get(f, path, 200);
    assert_int_equal(n_items(j), n);
    json_decref(j);
}

static void test_alarms_filters_and_paging(void **state)
{
    struct api_fixture *f = *state;
    json_t *j = get(f, "/api/v1/alarms", 200);
    assert_int_equal(n_items(j), 3);
    json_t *a = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(a, "type")), "sudden_drop");
    assert_string_equal(json_string_value(json_object_get(a, "area")), "A1");
    assert_true(json_is_true(json_object_get(a, "open")));
    assert_true(json_is_null(json_object_get(a, "end")));
    assert_string_equal(json_string_value(json_object_get(a, "first_day")), "2026-11-21");
    json_decref(j);

    expect_count(f, "/api/v1/alarms?type=collect_failure", 1);
    expect_count(f, "/api/v1/alarms?state=closed", 1);
    expect_count(f, "/api/v1/alarms?area=A1&state=open", 2);
    expect_count(f, "/api/v1/alarms?meter=3", 1);
    /* holding in [from, to): the terminal's ended at 17:00 UTC of the 21st */
    expect_count(f, "/api/v1/alarms?from=2026-11-22T02:00:00Z", 2);
    j = get(f, "/api/v1/alarms?limit=2", 200);
    assert_int_equal(n_items(j), 2);
    json_int_t next = json_integer_value(json_object_get(j, "next"));
    json_decref(j);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/alarms?limit=2&after=%lld", (long long)next);
    j = get(f, path, 200);
    assert_int_equal(n_items(j), 1);
    assert_true(json_is_null(json_object_get(j, "next")));
    json_decref(j);
    j = get(f, "/api/v1/alarms?type=theft", 400);
    assert_non_null(strstr(json_string_value(json_object_get(j, "detail")), "sudden_drop"));
    json_decref(j);
}

static void test_ack_is_an_operators_and_audited(void **state)
{
    struct api_fixture *f = *state;
    struct http_resp r;
    http_do(f->port, "POST", "/api/v1/alarms/1/ack", f->viewer, "text/plain", "", 0, &r);
    assert_int_equal(r.status, 403);
    http_free(&r);
    http_do(f->port, "POST", "/api/v1/alarms/1/ack", f->operator_, "text/plain", "", 0, &r);
    assert_int_equal(r.status, 200);
    json_t *j = http_json(&r);
    http_free(&r);
    json_t *ack = json_object_get(j, "ack");
    assert_string_equal(json_string_value(json_object_get(ack, "by")), "ops");
    json_decref(j);
    http_do(f->port, "POST", "/api/v1/alarms/99/ack", f->operator_, "text/plain", "", 0, &r);
    assert_int_equal(r.status, 404);
    http_free(&r);

    http_do(f->port, "GET", "/api/v1/audit?who=api:ops", f->admin, NULL, NULL, 0, &r);
    j = http_json(&r);
    http_free(&r);
    int seen = 0;
    json_t *items = json_object_get(j, "items");
    for (size_t i = 0; i < json_array_size(items); i++)
        seen |= strstr(json_string_value(json_object_get(json_array_get(items, i), "what")),
                       "alarm") != NULL;
    assert_true(seen);
    json_decref(j);
}

static void test_consumption_and_lineloss(void **state)
{
    struct api_fixture *f = *state;
    json_t *j = get(f, "/api/v1/consumption?meter=2&from=2026-11-23&to=2026-11-24", 200);
    assert_int_equal(n_items(j), 1);
    json_t *c = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "day")), "2026-11-23");
    assert_string_equal(json_string_value(json_object_get(c, "quality")), "estimated");
    assert_string_equal(json_string_value(json_object_get(c, "status")), "missing");
    json_t *imp = json_object_get(c, "import_kwh");
    assert_string_equal(json_string_value(json_object_get(imp, "total")), "12.3456");
    assert_string_equal(json_string_value(json_array_get(json_object_get(imp, "tariffs"), 0)),
                        "0.0001");
    assert_true(json_is_null(json_array_get(json_object_get(imp, "tariffs"), 3)));
    json_decref(j);
    j = get(f, "/api/v1/consumption?limit=1", 200);
    assert_int_equal(n_items(j), 1);
    json_int_t next = json_integer_value(json_object_get(j, "next"));
    json_decref(j);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/consumption?limit=1&after=%lld", (long long)next);
    j = get(f, path, 200);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 0), "day")),
        "2026-11-24");
    json_decref(j);

    j = get(f, "/api/v1/lineloss?area=A1&from=2026-11-22", 200);
    assert_int_equal(n_items(j), 1);
    json_t *l = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(l, "loss_kwh")), "10.0000");
    assert_true(json_is_null(json_object_get(l, "rise_kwh")));
    assert_int_equal(json_array_size(json_object_get(l, "flags")), 2);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(l, "suspects"), 0)), 3);
    json_decref(j);
    expect_count(f, "/api/v1/lineloss?area=B2", 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alarms_filters_and_paging),
        cmocka_unit_test(test_ack_is_an_operators_and_audited),
        cmocka_unit_test(test_consumption_and_lineloss),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
