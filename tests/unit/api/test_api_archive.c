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
#include "meterhub/base/err.h"
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

static json_t *call(struct api_fixture *f, const char *method, const char *path, const char *body,
                    int status, const char *want)
{
    return http_call_json(f->port, method, path, f->operator_, body, status, want);
}

static void test_areas_and_customers_are_created_and_changed(void **state)
{
    struct api_fixture *f = *state;
    json_t *j = call(f, "POST", "/api/v1/areas", "{\"code\":\"A2\",\"region\":\"0171\"}", 201, NULL);
    assert_string_equal(str(j, "code"), "A2");
    assert_string_equal(str(j, "region"), "0171");
    json_int_t a2 = num(j, "id");
    json_decref(j);
    json_decref(call(f, "POST", "/api/v1/areas", "{\"code\":\"A2\",\"region\":\"0171\"}", 409,
                     "area 'A2' exists already"));
    json_decref(call(f, "POST", "/api/v1/areas", "{\"code\":\"A3\",\"region\":\"17\"}", 400,
                     "field 'region': must be 4 decimal digits"));
    json_decref(call(f, "POST", "/api/v1/areas", "{\"region\":\"0171\"}", 400, "field 'code'"));
    json_decref(call(f, "POST", "/api/v1/areas", "{\"code\":\"A3\",\"colour\":1}", 400,
                     "field 'colour' is not known"));
    json_decref(call(f, "POST", "/api/v1/areas", "[1]", 400, "JSON object"));
    json_decref(http_call_json(f->port, "POST", "/api/v1/areas", f->viewer,
                               "{\"code\":\"A4\",\"region\":\"0171\"}", 403, "operator"));
    char path[96];
    snprintf(path, sizeof path, "/api/v1/areas/%lld", (long long)a2);
    j = call(f, "PATCH", path, "{\"region\":\"0172\"}", 200, NULL);
    assert_string_equal(str(j, "code"), "A2");
    assert_string_equal(str(j, "region"), "0172");
    json_decref(j);
    json_decref(call(f, "PATCH", path, "{\"code\":\"A1\"}", 409, "exists already"));
    json_decref(call(f, "PATCH", "/api/v1/areas/999", "{\"region\":\"0172\"}", 404, "no area"));

    j = call(f, "POST", "/api/v1/customers",
             "{\"code\":\"C9\",\"class\":\"commercial\",\"name\":\"Bakery Wang\"}", 201, NULL);
    assert_string_equal(str(j, "class"), "commercial");
    assert_string_equal(str(j, "name"), "Bakery Wang");
    assert_int_equal(num(j, "meters"), 0);
    json_decref(j);
    json_decref(call(f, "POST", "/api/v1/customers", "{\"code\":\"C9\",\"class\":\"pv\"}", 409,
                     "customer 'C9' exists already"));
    json_decref(call(f, "POST", "/api/v1/customers", "{\"code\":\"C8\",\"class\":\"royal\"}", 400,
                     "field 'class': 'royal' is not residential"));
    j = call(f, "PATCH", "/api/v1/customers/C9", "{\"class\":\"pv\"}", 200, NULL);
    assert_string_equal(str(j, "code"), "C9");
    assert_string_equal(str(j, "class"), "pv");
    assert_string_equal(str(j, "name"), "Bakery Wang"); /* kept */
    json_decref(j);
    j = get(f, "/api/v1/customers?name=Wang", 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    assert_string_equal(str(json_array_get(json_object_get(j, "items"), 0), "code"), "C9");
    json_decref(j);
    json_decref(call(f, "PATCH", "/api/v1/customers/C9", "{\"name\":7}", 400, "field 'name'"));
    json_decref(call(f, "PATCH", "/api/v1/customers/NOPE", "{\"class\":\"pv\"}", 404,
                     "no customer with code NOPE"));
    /* Every write is audited, the refused ones too, with what was done. */
    j = http_call_json(f->port, "GET", "/api/v1/audit", f->admin, NULL, 200, NULL);
    char *text = json_dumps(j, 0);
    assert_non_null(strstr(text, "PATCH /api/v1/customers/C9: 200 ok; customer"));
    assert_non_null(strstr(text, "POST /api/v1/areas: 400 bad request; refused: field 'region'"));
    free(text);
    json_decref(j);
}

#define TERMINAL_2 "{\"region\":\"0171\",\"address\":\"01710002\",\"kind\":\"concentrator\"," \
                   "\"protocol\":\"gdw1376\",\"channel_group\":\"G1\"}"
#define METER_50(pn, customer) \
    "{\"terminal\":%lld,\"pn\":" pn ",\"address\":\"100000000050\",\"protocol\":\"dlt645-2007\"," \
    "\"phases\":1,\"ct\":1,\"pt\":1,\"rated_voltage_v\":220,\"contract_kw\":8.5," \
    "\"tariff\":\"TOU4\",\"pv\":false,\"pv_peak_kw\":0,\"customer\":\"" customer "\"," \
    "\"area\":\"A1\",\"area_meter\":false}"

static void test_terminals_and_meters_are_created_moved_and_retired(void **state)
{
    struct api_fixture *f = *state;
    json_int_t t1, t2;
    terminal_ids(f, &t1, &t2);
    json_t *j = call(f, "POST", "/api/v1/terminals", TERMINAL_2, 201, NULL);
    assert_string_equal(str(j, "address"), "01710002");
    assert_string_equal(str(j, "kind"), "concentrator");
    assert_true(json_is_true(json_object_get(j, "active")));
    json_int_t t3 = num(j, "id");
    json_decref(j);
    json_decref(call(f, "POST", "/api/v1/terminals", TERMINAL_2, 409, "terminal 0171/01710002 exists"));
    json_decref(call(f, "POST", "/api/v1/terminals",
                     "{\"region\":\"0171\",\"address\":\"01710003\",\"kind\":\"dtu\","
                     "\"protocol\":\"gdw1376\",\"channel_group\":\"G1\"}",
                     400, "field 'protocol': gdw1376 does not fit a dtu"));
    json_decref(call(f, "POST", "/api/v1/terminals",
                     "{\"region\":\"0171\",\"address\":\"0171000G\",\"kind\":\"concentrator\","
                     "\"protocol\":\"gdw1376\",\"channel_group\":\"G1\"}",
                     400, "field 'address'"));

    char body[600], path[96];
    snprintf(body, sizeof body, METER_50("1", "C1"), (long long)t3);
    j = call(f, "POST", "/api/v1/meters", body, 201, NULL);
    assert_string_equal(str(j, "address"), "100000000050");
    assert_int_equal(num(j, "contract_w"), 8500);
    assert_int_equal(num(j, "terminal"), t3);
    assert_int_equal(num(j, "pn"), 1);
    assert_string_equal(str(j, "customer"), "C1");
    json_int_t m = num(j, "id");
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/points?terminal=%lld", (long long)t3);
    j = get(f, path, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    /* Refused whole, naming the field: the same address, pn out of range, a customer unknown. */
    json_decref(call(f, "POST", "/api/v1/meters", body, 409, "meter 100000000050 exists already"));
    snprintf(body, sizeof body, METER_50("2041", "C1"), (long long)t3);
    json_decref(call(f, "POST", "/api/v1/meters", body, 400, "field 'pn': must be 1..2040"));
    snprintf(body, sizeof body, METER_50("2", "NOPE"), (long long)t3);
    json_decref(call(f, "POST", "/api/v1/meters", body, 400, "field 'customer': no customer"));

    /* Moved to the first concentrator's pn 9 with a new CT; a taken pn is refused, nothing moves. */
    snprintf(path, sizeof path, "/api/v1/meters/%lld", (long long)m);
    snprintf(body, sizeof body, "{\"terminal\":%lld,\"pn\":9,\"ct\":5}", (long long)t1);
    j = call(f, "PATCH", path, body, 200, NULL);
    assert_int_equal(num(j, "terminal"), t1);
    assert_int_equal(num(j, "pn"), 9);
    assert_int_equal(num(j, "ct"), 5);
    assert_int_equal(num(j, "contract_w"), 8500); /* kept */
    json_decref(j);
    json_decref(call(f, "PATCH", path, "{\"pn\":2,\"ct\":7}", 409, "has pn 2 already"));
    json_decref(call(f, "PATCH", path, "{\"ct\":0}", 400, "field 'ct'"));
    j = get(f, path, 200, NULL);
    assert_int_equal(num(j, "ct"), 5);
    assert_int_equal(num(j, "pn"), 9);
    json_decref(j);
    /* A second supply meter for A1, as in a file, is refused. */
    json_decref(call(f, "PATCH", path, "{\"area_meter\":true}", 409, "has a supply meter already"));
    /* Another customer and area, then retired: no point, kept with its values. */
    j = call(f, "PATCH", path, "{\"customer\":\"C2\",\"area\":null}", 200, NULL);
    assert_string_equal(str(j, "customer"), "C2");
    assert_true(json_is_null(json_object_get(j, "area")));
    json_decref(j);
    j = call(f, "PATCH", path, "{\"active\":false}", 200, NULL);
    assert_true(json_is_false(json_object_get(j, "active")));
    assert_true(json_is_null(json_object_get(j, "pn")));
    json_decref(j);
    json_decref(call(f, "PATCH", "/api/v1/meters/999", "{\"ct\":2}", 404, "no meter with id 999"));

    /* The new terminal reads nothing now: it can be retired, and is refused at login. */
    snprintf(path, sizeof path, "/api/v1/terminals/%lld", (long long)t1);
    json_decref(call(f, "PATCH", path, "{\"active\":false}", 409, "move or retire them first"));
    snprintf(path, sizeof path, "/api/v1/terminals/%lld", (long long)t3);
    j = call(f, "PATCH", path, "{\"channel_group\":\"G7\",\"active\":false}", 200, NULL);
    assert_string_equal(str(j, "channel_group"), "G7");
    assert_true(json_is_false(json_object_get(j, "active")));
    json_decref(j);
    struct store_terminal found;
    assert_int_equal(store_terminal_lookup(f->st, 0x0171, "01710002", &found), MH_ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_customers_filter_page_and_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_points_filter_page_and_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_areas_and_customers_are_created_and_changed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_terminals_and_meters_are_created_moved_and_retired,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
