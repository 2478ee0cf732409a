/*
 * `meterhub decode --proto gdw1376` on data replies (several pn x Fn, a
 * curve, a truncated block) and `meterhub items --gdw1376` against the
 * protocol page, through the real binary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vectors.h"

static char out[1 << 17];

static json_t *decode(const char *hex, int *status)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s decode --proto gdw1376 %s 2>/dev/null", tv_meterhub_path(), hex);
    *status = tv_run(cmd, out, sizeof out);
    json_error_t err;
    json_t *o = json_loads(out, 0, &err);
    if (!o)
        fail_msg("not JSON: %.300s", out);
    return o;
}

static json_t *unit(json_t *o, size_t i)
{
    json_t *u = json_array_get(json_object_get(o, "units"), i);
    if (!u)
        fail_msg("no unit %zu: %.400s", i, out);
    return u;
}

/* The value entry of a unit with this item (and tariff / index when >= 0). */
static json_t *value(json_t *u, const char *item, const char *key, long long at)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(u, "values"), i, v) {
        const char *it = json_string_value(json_object_get(v, "item"));
        if (!it || strcmp(it, item) != 0)
            continue;
        if (key && json_integer_value(json_object_get(v, key)) != at)
            continue;
        return v;
    }
    fail_msg("no value %s %s=%lld in %.600s", item, key ? key : "", at, json_dumps(u, 0));
    return NULL;
}

static void expect_real(json_t *v, double want)
{
    json_t *x = json_object_get(v, "value");
    if (!json_is_number(x) || json_number_value(x) < want - 1e-9 || json_number_value(x) > want + 1e-9)
        fail_msg("value %.300s, expected %g", json_dumps(v, 0), want);
}

static void test_several_pn_and_fn_in_one_reply(void **state)
{
    (void)state;
    int status;
    json_t *o = decode(
        "68 42 02 42 02 68 88 71 01 22 08 02 0C 60 03 01 03 10 30 14 24 11 26 01 00 00 00 01 00 00 00 50 00 00 30 14 "
        "24 11 26 01 00 00 20 00 00 00 10 00 31 14 24 11 26 02 11 11 11 00 00 EE EE EE EE EE 01 00 00 00 00 31 14 24 "
        "11 26 00 99 99 99 99 04 01 01 03 32 14 24 11 26 00 50 01 00 50 00 00 00 80 00 00 00 00 00 00 00 00 00 00 00 "
        "00 00 00 00 00 10 50 09 EE EE 00 80 20 22 10 22 EE EE 00 05 00 00 00 00 EE EE EE 00 00 80 00 00 00 00 00 00 "
        "00 00 00 00 00 00 19 16",
        &status);
    assert_int_equal(status, 0);
    assert_true(json_is_true(json_object_get(o, "valid")));
    assert_null(json_object_get(o, "error"));
    assert_null(json_object_get(o, "trailing"));
    assert_string_equal(json_string_value(json_object_get(o, "a1")), "0171");
    assert_int_equal(json_integer_value(json_object_get(o, "a2")), 2082);
    assert_int_equal(json_array_size(json_object_get(o, "units")), 5);
    static const int pn[] = {1, 1, 2, 2, 3}, fn[] = {129, 130, 129, 130, 25};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(json_integer_value(json_object_get(unit(o, i), "pn")), pn[i]);
        assert_int_equal(json_integer_value(json_object_get(unit(o, i), "fn")), fn[i]);
    }
    json_t *v = value(unit(o, 0), "1.0.1.8.0", "tariff", 0);
    expect_real(v, 100.0);
    assert_string_equal(json_string_value(json_object_get(v, "unit")), "kWh");
    assert_string_equal(json_string_value(json_object_get(v, "data_time")), "2026-11-24T14:30");
    expect_real(value(unit(o, 0), "1.0.1.8.1", "tariff", 1), 50.0);
    expect_real(value(unit(o, 1), "1.0.3.8.0", NULL, 0), 2000.0);
    assert_true(json_is_null(json_object_get(value(unit(o, 2), "1.0.1.8.1", NULL, 0), "value")));
    expect_real(value(unit(o, 2), "1.0.1.8.2", NULL, 0), 0.0001);
    assert_int_equal(json_integer_value(json_object_get(unit(o, 2), "tariffs")), 2);
    json_t *u = unit(o, 4);
    assert_string_equal(json_string_value(json_object_get(u, "read_time")), "2026-11-24T14:32");
    expect_real(value(u, "1.0.1.7.0", NULL, 0), 1.5);
    assert_string_equal(json_string_value(json_object_get(value(u, "1.0.1.7.0", NULL, 0), "unit")), "kW");
    expect_real(value(u, "1.0.13.7.0", NULL, 0), 1.0);  /* power factor 100.0 % */
    expect_real(value(u, "1.0.33.7.0", NULL, 0), 0.95);
    assert_true(json_is_null(json_object_get(value(u, "1.0.53.7.0", NULL, 0), "value")));
    expect_real(value(u, "1.0.32.7.0", NULL, 0), 222.0);
    assert_string_equal(json_string_value(json_object_get(value(u, "1.0.32.7.0", NULL, 0), "unit")), "V");
    expect_real(value(u, "1.0.31.7.0", NULL, 0), 0.5);
    json_decref(o);
}

static void test_curve_reply_gives_every_point_its_time(void **state)
{
    (void)state;
    int status;
    json_t *o = decode("68 7E 00 7E 00 68 88 71 01 22 08 02 0D 60 01 01 01 0A 30 23 30 11 26 01 04 00 50 01 EE EE "
                       "EE 00 00 80 99 99 79 A5 16",
                       &status);
    assert_int_equal(status, 0);
    json_t *u = unit(o, 0);
    assert_int_equal(json_integer_value(json_object_get(u, "fn")), 81);
    assert_string_equal(json_string_value(json_object_get(u, "start")), "2026-11-30T23:30");
    assert_int_equal(json_integer_value(json_object_get(u, "interval_min")), 15);
    assert_int_equal(json_integer_value(json_object_get(u, "points")), 4);
    static const char *const times[] = {"2026-11-30T23:30", "2026-11-30T23:45", "2026-12-01T00:00", "2026-12-01T00:15"};
    for (int i = 0; i < 4; i++) {
        json_t *v = value(u, "1.0.1.7.0", "index", i);
        assert_string_equal(json_string_value(json_object_get(v, "data_time")), times[i]);
    }
    assert_true(json_is_null(json_object_get(value(u, "1.0.1.7.0", "index", 1), "value")));
    expect_real(value(u, "1.0.1.7.0", "index", 3), 79.9999);
    json_decref(o);
}

static void test_truncated_block_is_an_error(void **state)
{
    (void)state;
    int status;
    json_t *o = decode("68 72 00 72 00 68 88 71 01 22 08 02 0C 60 01 01 01 10 30 14 24 11 26 04 00 00 00 01 00 00 "
                       "00 50 00 00 99 16",
                       &status);
    assert_int_equal(status, 1);
    assert_true(json_is_true(json_object_get(o, "valid")));
    assert_string_equal(json_string_value(json_object_get(o, "error")), "ETRUNC");
    assert_string_equal(json_string_value(json_object_get(unit(o, 0), "error")), "ETRUNC");
    assert_null(json_object_get(unit(o, 0), "values"));
    json_decref(o);
}

/* Requests: AFN09 carries nothing, AFN0D its time label (two pn sharing one Td_d, a curve spec). */
static void test_requests_print_their_labels(void **state)
{
    (void)state;
    int status;
    json_t *o = decode("68 32 00 32 00 68 4B 71 01 22 08 02 09 61 00 00 01 00 54 16", &status);
    assert_int_equal(status, 0);
    assert_null(json_object_get(unit(o, 0), "unknown_layout"));
    assert_int_equal(json_integer_value(json_object_get(unit(o, 0), "fn")), 1);
    json_decref(o);
    o = decode("68 4A 00 4A 00 68 4B 71 01 22 08 02 0D 61 03 01 01 14 23 11 26 23 11 26 24 16", &status);
    assert_int_equal(status, 0);
    assert_int_equal(json_array_size(json_object_get(o, "units")), 2);
    assert_int_equal(json_integer_value(json_object_get(unit(o, 1), "pn")), 2);
    assert_string_equal(json_string_value(json_object_get(unit(o, 1), "label")), "2026-11-23");
    json_decref(o);
    o = decode("68 4E 00 4E 00 68 4B 71 01 22 08 02 0D 61 01 01 01 0A 00 00 23 11 26 01 60 1F 16", &status);
    assert_int_equal(status, 0);
    assert_string_equal(json_string_value(json_object_get(unit(o, 0), "label")), "2026-11-23T00:00");
    assert_int_equal(json_integer_value(json_object_get(unit(o, 0), "interval_min")), 15);
    assert_int_equal(json_integer_value(json_object_get(unit(o, 0), "points")), 96);
    json_decref(o);
}

/* The block of docs/protocols/<page> between the markers of `meterhub items <option>` is exactly its output. */
static void assert_page_table(const char *page, const char *option)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s items %s", tv_meterhub_path(), option);
    assert_int_equal(tv_run(cmd, out, sizeof out), 0);
    const char *dir = getenv("MH_VECTORS_DIR");
    assert_non_null(dir);
    char path[1024], begin_mark[128], end_mark[128];
    snprintf(path, sizeof path, "%s/../../docs/protocols/%s", dir, page);
    snprintf(begin_mark, sizeof begin_mark, "<!-- BEGIN meterhub items %s -->\n", option);
    snprintf(end_mark, sizeof end_mark, "<!-- END meterhub items %s -->", option);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof doc - 1, fp);
    fclose(fp);
    doc[n] = '\0';
    const char *begin = strstr(doc, begin_mark);
    const char *end = strstr(doc, end_mark);
    assert_non_null(begin);
    assert_non_null(end);
    begin += strlen(begin_mark);
    if ((size_t)(end - begin) != strlen(out) || memcmp(begin, out, strlen(out)) != 0)
        fail_msg("docs/protocols/%s is out of date: regenerate its table with `meterhub items %s`", page, option);
}

/* The Fn table of docs/protocols/gdw1376.md is exactly what the code prints. */
static void test_protocol_page_table_matches_the_code(void **state)
{
    (void)state;
    assert_page_table("gdw1376.md", "--gdw1376");
    assert_non_null(strstr(out, "| 0D | F161 | terminal->master | Td_d (A.20) |"));
}

/* So is the application-function table of docs/protocols/gdw1376-afn.md. */
static void test_function_page_table_matches_the_code(void **state)
{
    (void)state;
    assert_page_table("gdw1376-afn.md", "--gdw1376-afn");
    assert_non_null(strstr(out, "| 05 | F1 | master->terminal | remote trip (pn = turn): alarm delay D7..D4"));
    assert_non_null(strstr(out, "| 04 / 0A | F65 | master->terminal (04 set), terminal->master (0A reply) |"));
    assert_non_null(strstr(out, "| 0E | ERC1 | terminal->master | init_version_change: time A.15,"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_several_pn_and_fn_in_one_reply),
        cmocka_unit_test(test_curve_reply_gives_every_point_its_time),
        cmocka_unit_test(test_truncated_block_is_an_error),
        cmocka_unit_test(test_requests_print_their_labels),
        cmocka_unit_test(test_protocol_page_table_matches_the_code),
        cmocka_unit_test(test_function_page_table_matches_the_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
