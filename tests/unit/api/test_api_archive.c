/*
 * The archive's customers and measurement points over real HTTP on
 * 127.0.0.1, against whichever backend MH_TEST_STORE_URI names.
 *
 * The archive (store_test_archive_csv(3)): terminal 1 = concentrator
 * 0171/01710001 in area A1 with meter 1 (supply, pn 1) and meters 2..4
 * (customers C1..C3, pn 2..4); terminal 2 = DTU 0172/000000000009 with
 * meter 5 (customer F1, industrial, no area).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_test.h"
#include "meterhub/store.h"

static int setup(void **state)
{
    struct api_fixture *f = calloc(1, sizeof *f);
    api_fixture_start(f, 3, 64 * 1024);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    api_fixture_stop(*state);
    free(*state);
    return 0;
}

static json_t *get(struct api_fixture *f, const char *path, int status, const char *want)
{
    return http_call_json(f->port, "GET", path, f->viewer, NULL, status, want);
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "(not a string)";
}

static json_int_t num(json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static void test_customers_filter_page_and_get(void **state)
{
    struct api_fixture *f = *state;
    json_t *j = get(f, "/api/v1/customers", 200, NULL);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 4);
    assert_string_equal(str(json_array_get(items, 0), "code"), "C1");
    assert_string_equal(str(json_array_get(items, 0), "class"), "residential");
    assert_int_equal(num(json_array_get(items, 0), "meters"), 1);
    assert_string_equal(str(json_array_get(items, 3), "class"), "industrial");
    assert_true(json_is_null(json_object_get(j, "next")));
    json_int_t c1 = num(json_array_get(items, 0), "id");
    json_decref(j);

    char path[128];
    snprintf(path, sizeof path, "/api/v1/customers?limit=2&after=%lld", (long long)c1);
    j = get(f, path, 200, NULL);
    items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(str(json_array_get(items, 0), "code"), "C2");
    assert_int_equal(num(j, "next"), num(json_array_get(items, 1), "id"));
    json_decref(j);

    j = get(f, "/api/v1/customers?class=industrial", 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    j = get(f, "/api/v1/customers?area=A1", 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 3);
    json_decref(j);
    j = get(f, "/api/v1/customers?code=C3", 200, NULL);
    assert_string_equal(str(json_array_get(json_object_get(j, "items"), 0), "code"), "C3");
    json_decref(j);
    json_decref(get(f, "/api/v1/customers?class=royal", 400, "class"));

    j = get(f, "/api/v1/customers/F1", 200, NULL);
    assert_string_equal(str(j, "code"), "F1");
    json_t *meters = json_object_get(j, "meters");
    assert_int_equal(json_array_size(meters), 1);
    assert_string_equal(str(json_array_get(meters, 0), "address"), "200000000001");
    assert_int_equal(num(json_array_get(meters, 0), "pn"), 1);
    json_decref(j);
    json_decref(get(f, "/api/v1/customers/NOBODY", 404, "no customer with code 'NOBODY'"));
    /* Not a code: no such route. */
    json_decref(get(f, "/api/v1/customers/a%20b", 404, NULL));
}

/* Terminal ids (a backend's sequence may skip numbers on re-import): the concentrator's, the DTU's. */
static void terminal_ids(struct api_fixture *f, json_int_t *conc, json_int_t *dtu)
{
    json_t *j = get(f, "/api/v1/terminals", 200, NULL);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 2);
    *conc = num(json_array_get(items, 0), "id");
    *dtu = num(json_array_get(items, 1), "id");
    json_decref(j);
}

static void test_points_filter_page_and_get(void **state)
{
    struct api_fixture *f = *state;
    json_int_t t1, t2;
    terminal_ids(f, &t1, &t2);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/points?terminal=%lld", (long long)t1);
    json_t *j = get(f, path, 200, NULL);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 4);
    json_t *p = json_array_get(items, 1);
    assert_int_equal(num(p, "id"), STORE_POINT_ID(t1, 2));
    assert_int_equal(num(p, "pn"), 2);
    assert_string_equal(str(p, "region"), "0171");
    assert_string_equal(str(p, "terminal_address"), "01710001");
    assert_string_equal(str(p, "terminal_protocol"), "gdw1376");
    assert_string_equal(str(p, "meter_address"), "100000000001");
    assert_string_equal(str(p, "protocol"), "dlt645-2007");
    assert_string_equal(str(p, "area"), "A1");
    assert_string_equal(str(p, "customer"), "C1");
    assert_true(json_is_true(json_object_get(p, "active")));
    json_decref(j);

    /* Paging runs across terminals: after terminal 1's pn 4 comes the DTU's pn 1. */
    j = get(f, "/api/v1/points?limit=4", 200, NULL);
    assert_int_equal(num(j, "next"), STORE_POINT_ID(t1, 4));
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/points?after=%lld", (long long)STORE_POINT_ID(t1, 4));
    j = get(f, path, 200, NULL);
    items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(num(json_array_get(items, 0), "terminal"), t2);
    json_int_t dtu_meter = num(json_array_get(items, 0), "meter");
    assert_true(json_is_null(json_object_get(json_array_get(items, 0), "area")));
    json_decref(j);

    snprintf(path, sizeof path, "/api/v1/points?meter=%lld", (long long)dtu_meter);
    j = get(f, path, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    j = get(f, "/api/v1/points?area=A1&protocol=dlt645-2007", 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 4);
    json_decref(j);
    j = get(f, "/api/v1/points?protocol=dlt698", 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    json_decref(get(f, "/api/v1/points?protocol=modbus", 400, "protocol"));
    json_decref(get(f, "/api/v1/points?terminal=0", 400, "terminal"));

    snprintf(path, sizeof path, "/api/v1/points/%lld", (long long)STORE_POINT_ID(t2, 1));
    j = get(f, path, 200, NULL);
    assert_string_equal(str(j, "customer"), "F1");
    assert_string_equal(str(j, "terminal_address"), "000000000009");
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/points/%lld", (long long)STORE_POINT_ID(t1, 9));
    json_decref(get(f, path, 404, "no point with id"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_customers_filter_page_and_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_points_filter_page_and_get, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
