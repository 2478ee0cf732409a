/* The decode command's own behaviour, independent of any one protocol. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vectors.h"

static char out[1 << 16];

static int run(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s 2>/dev/null", tv_meterhub_path(), args);
    return tv_run(cmd, out, sizeof out);
}

static void test_unknown_protocol_is_a_usage_error(void **state)
{
    (void)state;
    assert_int_equal(run("decode --proto iec104 68 00"), 2);
}

static void test_bad_hex_is_a_usage_error(void **state)
{
    (void)state;
    assert_int_equal(run("decode 68 ZZ 16"), 2);
    assert_int_equal(run("decode 681"), 2);
}

static void test_empty_input_fails(void **state)
{
    (void)state;
    assert_int_equal(run("decode < /dev/null"), 1);
}

static void test_noise_without_start_byte_prints_nothing(void **state)
{
    (void)state;
    assert_int_equal(run("decode 00 11 22 33"), 0);
    assert_string_equal(out, "");
}

static void test_help_and_version(void **state)
{
    (void)state;
    assert_int_equal(run("decode --help"), 0);
    assert_non_null(strstr(out, "usage: meterhub decode"));
    assert_int_equal(run("version"), 0);
    assert_non_null(strstr(out, "meterhub "));
    assert_int_equal(run("no-such-command"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_protocol_is_a_usage_error),
        cmocka_unit_test(test_bad_hex_is_a_usage_error),
        cmocka_unit_test(test_empty_input_fails),
        cmocka_unit_test(test_noise_without_start_byte_prints_nothing),
        cmocka_unit_test(test_help_and_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
