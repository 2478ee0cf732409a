/*
 * `meterhub decode` prints DL/T 698.45 values in engineering units: each
 * integer under a known OAD with its scaler applied, its unit, its
 * normalized item; record rows mapped through their RCSD columns (ROAD
 * columns through their own OADs); demand and event counters through their
 * structures; OADs as 8 hex digits. Runs the real binary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vectors.h"

static char out[1 << 18];

static json_t *decode_apdu(const char *hex)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s decode --proto dlt698 --apdu %s 2>/dev/null", tv_meterhub_path(), hex);
    assert_int_equal(tv_run(cmd, out, sizeof out), 0);
    json_error_t e;
    json_t *o = json_loadb(out, strcspn(out, "\n"), 0, &e);
    if (!o)
        fail_msg("not JSON: %s", out);
    return o;
}

static json_t *at(json_t *o, const char *path)
{
    /* "result.rows.0.1.items.0": keys and array indexes */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = buf, *next; tok && o; tok = next) {
        next = strchr(tok, '.');
        if (next)
            *next++ = '\0';
        if (json_is_array(o))
            o = json_array_get(o, (size_t)strtoul(tok, NULL, 10));
        else
            o = json_object_get(o, tok);
    }
    if (!o)
        fail_msg("%s missing in %s", path, out);
    return o;
}

static void expect_reading(json_t *v, const char *item, double value, const char *unit)
{
    assert_string_equal(json_string_value(json_object_get(v, "item")), item);
    assert_true(json_is_number(json_object_get(v, "value")));
    double got = json_number_value(json_object_get(v, "value"));
    if (got < value - 1e-9 || got > value + 1e-9)
        fail_msg("%s: %g, want %g", item, got, value);
    assert_string_equal(json_string_value(json_object_get(v, "unit")), unit);
}

static void test_record_rows_map_through_their_columns(void **state)
{
    (void)state;
    /* GET-Response-Record 50040200, columns 20210200, 00100200, ROAD 50020200 {20000201, 00100201} */
    json_t *o = decode_apdu("85 03 00 50 04 02 00 03 00 20 21 02 00 00 00 10 02 00 01 50 02 02 00 02 20 00 02 01 "
                            "00 10 02 01 01 01 1C 07 EA 0B 18 00 00 00 01 02 06 00 00 10 00 06 00 00 00 10 "
                            "02 02 12 08 FC 06 00 00 01 00 00 00");
    assert_string_equal(json_string_value(at(o, "result.column_oads.2")), "50020200");
    assert_string_equal(json_string_value(at(o, "result.rows.0.0.time")), "2026-11-24T00:00:00");
    expect_reading(at(o, "result.rows.0.1.items.0"), "1.0.1.8.0", 40.96, "kWh");
    expect_reading(at(o, "result.rows.0.1.items.1"), "1.0.1.8.1", 0.16, "kWh");
    expect_reading(at(o, "result.rows.0.2.items.0"), "1.0.32.7.0", 230.0, "V");
    expect_reading(at(o, "result.rows.0.2.items.1"), "1.0.1.8.0", 2.56, "kWh");
    json_decref(o);
}

static void test_power_demand_and_event_counts(void **state)
{
    (void)state;
    /* 2004: W with scaler -1, item in kW; 200A power factor */
    json_t *o = decode_apdu("85 02 00 02 20 04 02 00 01 01 04 05 00 00 3A 98 05 00 00 13 88 05 FF FF EC 78 05 00 00 00 00 "
                            "20 0A 02 02 01 10 03 84 00 00");
    expect_reading(at(o, "results.0.data.items.0"), "1.0.1.7.0", 1.5, "kW");
    assert_true(json_number_value(at(o, "results.0.data.items.0.device_value")) == 1500.0);
    assert_string_equal(json_string_value(at(o, "results.0.data.items.0.device_unit")), "W");
    expect_reading(at(o, "results.0.data.items.2"), "1.0.41.7.0", -0.5, "kW");
    expect_reading(at(o, "results.1.data"), "1.0.33.7.0", 0.9, "");
    assert_string_equal(json_string_value(at(o, "results.1.oad")), "200A0202");
    json_decref(o);
    /* 1010: array of {value, time}; tariff 1 of maximum demand */
    o = decode_apdu("85 01 00 10 10 02 00 01 01 02 02 02 06 00 00 30 39 1C 07 EA 0B 18 0A 00 00 02 02 06 00 00 04 D2 "
                    "1C 07 EA 0B 17 0B 00 00 00 00");
    expect_reading(at(o, "result.data.items.0.items.0"), "1.0.1.6.0", 1.2345, "kW");
    expect_reading(at(o, "result.data.items.1.items.0"), "1.0.1.6.1", 0.1234, "kW");
    assert_string_equal(json_string_value(at(o, "result.data.items.1.items.1.time")), "2026-11-23T11:00:00");
    json_decref(o);
    /* 3011 attribute 7: {source, {count, seconds}} -> power-down count */
    o = decode_apdu("85 01 00 30 11 07 00 01 01 01 02 02 00 02 02 06 00 00 00 07 06 00 00 0E 10 00 00");
    json_t *count = at(o, "result.data.items.0.items.1.items.0");
    assert_string_equal(json_string_value(json_object_get(count, "item")), "0.0.96.7.21");
    assert_true(json_number_value(json_object_get(count, "value")) == 7.0);
    assert_null(json_object_get(at(o, "result.data.items.0.items.1.items.1"), "item"));
    json_decref(o);
}

static void test_composite_types_print_their_fields(void **state)
{
    (void)state;
    /* SET-Request 6000 with a structure holding TSA, OAD, RSD, RCSD */
    json_t *o = decode_apdu("06 01 00 60 00 02 00 02 04 55 07 05 20 16 05 19 00 01 51 F2 01 02 01 5A 09 02 "
                            "60 01 00 00 10 02 00 00");
    assert_string_equal(json_string_value(at(o, "data.items.0.address")), "201605190001");
    assert_string_equal(json_string_value(at(o, "data.items.1.oad")), "F2010201");
    assert_int_equal(json_integer_value(at(o, "data.items.2.selector")), 9);
    assert_string_equal(json_string_value(at(o, "data.items.3.items.0.items.0.oad")), "00100200");
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_rows_map_through_their_columns),
        cmocka_unit_test(test_power_demand_and_event_counts),
        cmocka_unit_test(test_composite_types_print_their_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
