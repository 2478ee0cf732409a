#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/value.h"

static void check_dec(int64_t m, int exp, const char *want)
{
    char buf[48];
    int n = mh_dec_format(mh_dec_make(m, exp), buf, sizeof buf);
    assert_true(n > 0);
    assert_string_equal(buf, want);
}

static void test_dec_format_is_exact(void **state)
{
    (void)state;
    check_dec(12345678, -2, "123456.78");
    check_dec(-500, -3, "-0.500");
    check_dec(1, -4, "0.0001");
    check_dec(22970, -2, "229.70");
    check_dec(0, -2, "0.00");
    check_dec(12, 2, "1200");
    check_dec(0, 3, "0");
    check_dec(INT64_MIN, 0, "-9223372036854775808");
    char small[4];
    assert_int_equal(mh_dec_format(mh_dec_make(12345, -2), small, sizeof small), MH_ENOSPC);
}

static void test_dec_compare_across_exponents(void **state)
{
    (void)state;
    assert_int_equal(mh_dec_cmp(mh_dec_make(2297, -1), mh_dec_make(22970, -2)), 0);
    assert_true(mh_dec_cmp(mh_dec_make(-1, 0), mh_dec_make(1, -3)) < 0);
    assert_true(mh_dec_cmp(mh_dec_make(5, 1), mh_dec_make(49, 0)) > 0);
    assert_true(mh_dec_to_double(mh_dec_make(2297, -1)) == 229.7);
}

static void test_tm_check_knows_the_calendar(void **state)
{
    (void)state;
    struct mh_tm t = {.year = 2024, .mon = 2, .day = 29, .has = MH_TM_DATE};
    assert_int_equal(mh_tm_check(&t), 0);
    t.year = 2023;
    assert_int_equal(mh_tm_check(&t), MH_EBADTIME);
    t = (struct mh_tm){.mon = 0x34, .day = 12, .has = MH_TM_MON | MH_TM_DAY};
    assert_int_equal(mh_tm_check(&t), MH_EBADTIME);
    t = (struct mh_tm){.hour = 24, .has = MH_TM_HOUR};
    assert_int_equal(mh_tm_check(&t), MH_EBADTIME);
}

static void test_tm_format_partial_fields(void **state)
{
    (void)state;
    char buf[40];
    struct mh_tm t = {.year = 2026, .mon = 11, .day = 24, .hour = 2, .min = 40, .sec = 5, .has = MH_TM_FULL};
    mh_tm_format(&t, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-24T02:40:05");
    t.has = MH_TM_MON | MH_TM_DAY | MH_TM_HM;
    mh_tm_format(&t, buf, sizeof buf);
    assert_string_equal(buf, "11-24T02:40");
    t.has = MH_TM_HMS;
    mh_tm_format(&t, buf, sizeof buf);
    assert_string_equal(buf, "02:40:05");
    t.has = MH_TM_FULL | MH_TM_MS;
    t.ms = 7;
    mh_tm_format(&t, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-24T02:40:05.007");
}

static void test_tm_epoch_round_trip(void **state)
{
    (void)state;
    const int64_t samples[] = {0, 951782400 /* 2000-02-29 */, 1795488000, -86400, 4102444799};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        struct mh_tm t;
        int64_t back = 0;
        mh_tm_from_epoch(samples[i], &t);
        assert_int_equal(mh_tm_to_epoch(&t, &back), 0);
        assert_true(back == samples[i]);
    }
    struct mh_tm t;
    mh_tm_from_epoch(1795488000, &t); /* 2026-11-24 00:00:00 UTC, a Tuesday */
    assert_int_equal(t.year, 2026);
    assert_int_equal(t.mon, 11);
    assert_int_equal(t.day, 24);
    assert_int_equal(t.wday, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dec_format_is_exact),
        cmocka_unit_test(test_dec_compare_across_exponents),
        cmocka_unit_test(test_tm_check_knows_the_calendar),
        cmocka_unit_test(test_tm_format_partial_fields),
        cmocka_unit_test(test_tm_epoch_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
