#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterhub/app/metering.h"

#define DAY 86400
#define T0 1793462400 /* 2026-11-01 00:00 CST */

static struct metering_reading rd(int64_t t, int64_t m, int exp)
{
    struct metering_reading r = {t, {m, (int8_t)exp}, 1};
    return r;
}

static const struct metering_params plain = {1, 1, {99999999, -2}, 20000, 0};

static void assert_kwh(struct metering_result r, enum metering_status st, int64_t m, int exp)
{
    assert_int_equal(r.status, st);
    if (st <= METERING_REPLACED)
        assert_int_equal(mh_dec_cmp(r.kwh, mh_dec_make(m, exp)), 0);
}

static void test_difference_times_ct_and_pt(void **state)
{
    (void)state;
    struct metering_reading a = rd(T0, 1234567, -2), b = rd(T0 + DAY, 1236789, -2);
    assert_kwh(metering_consumption(&a, &b, NULL, &plain), METERING_OK, 2222, -2);
    struct metering_params ctpt = {40, 100, {0, 0}, 100000000, 0};
    assert_kwh(metering_consumption(&a, &b, NULL, &ctpt), METERING_OK, 2222 * 4000, -2);
    /* mixed exponents: 12345.67 (645) and 12367.8900 (A.14) */
    struct metering_reading c = rd(T0 + DAY, 123678900, -4);
    assert_kwh(metering_consumption(&a, &c, NULL, &plain), METERING_OK, 222200, -4);
}

static void test_rollover_past_register_maximum(void **state)
{
    (void)state;
    struct metering_reading a = rd(T0, 99999950, -2), b = rd(T0 + DAY, 30, -2);
    /* 0.49 up to the maximum, 0.01 to wrap to zero, 0.30 after */
    assert_kwh(metering_consumption(&a, &b, NULL, &plain), METERING_ROLLOVER, 80, -2);
}

static void test_register_going_down_is_not_consumption(void **state)
{
    (void)state;
    struct metering_reading a = rd(T0, 500000, -2), b = rd(T0 + DAY, 499000, -2);
    /* A 10 kWh drop would be a rollover of almost a million kWh in a day: a fault. */
    assert_kwh(metering_consumption(&a, &b, NULL, &plain), METERING_NEGATIVE, 0, 0);
    struct metering_params no_max = plain;
    no_max.register_max.m = 0;
    struct metering_reading c = rd(T0, 99999950, -2), d = rd(T0 + DAY, 30, -2);
    assert_kwh(metering_consumption(&c, &d, NULL, &no_max), METERING_NEGATIVE, 0, 0);
    struct metering_params no_cap = plain;
    no_cap.capacity_w = 0;
    assert_kwh(metering_consumption(&c, &d, NULL, &no_cap), METERING_NEGATIVE, 0, 0);
}

static void test_meter_replacement_starts_from_the_new_reading(void **state)
{
    (void)state;
    struct metering_reading a = rd(T0, 1000000, -2), b = rd(T0 + DAY, 550, -2);
    struct metering_replacement r = {T0 + 10 * 3600, {1000500, -2}, {100, -2}};
    /* 5.00 kWh on the old meter + 4.50 on the new */
    assert_kwh(metering_consumption(&a, &b, &r, &plain), METERING_REPLACED, 950, -2);
    struct metering_replacement later = {T0 + 2 * DAY, {1000500, -2}, {100, -2}};
    assert_kwh(metering_consumption(&a, &b, &later, &plain), METERING_NEGATIVE, 0, 0);
}

static void test_implausible_jump_is_rejected(void **state)
{
    (void)state;
    /* 20 kW for a day is at most 480 kWh. */
    struct metering_reading a = rd(T0, 0, -2), b = rd(T0 + DAY, 48001, -2);
    assert_kwh(metering_consumption(&a, &b, NULL, &plain), METERING_IMPLAUSIBLE, 0, 0);
    struct metering_reading c = rd(T0 + DAY, 48000, -2);
    assert_kwh(metering_consumption(&a, &c, NULL, &plain), METERING_OK, 48000, -2);
}

static void test_daily_series_with_a_missing_freeze(void **state)
{
    (void)state;
    struct metering_reading r[4] = {rd(T0, 10000, -2), rd(T0 + DAY, 10500, -2), rd(T0 + 2 * DAY, 0, 0),
                                    rd(T0 + 3 * DAY, 11700, -2)};
    r[2].present = 0;
    struct metering_result out[3];
    metering_daily(r, 3, NULL, &plain, out);
    assert_kwh(out[0], METERING_OK, 500, -2);
    assert_int_equal(out[1].status, METERING_MISSING);
    assert_int_equal(out[2].status, METERING_MISSING);
    /* The gap's total is still known. */
    assert_kwh(metering_consumption(&r[1], &r[3], NULL, &plain), METERING_OK, 1200, -2);
}

static void test_decimal_arithmetic_is_exact(void **state)
{
    (void)state;
    struct mh_dec x;
    assert_int_equal(mh_dec_add(mh_dec_make(1, -4), mh_dec_make(2, 0), &x), 0);
    assert_int_equal(mh_dec_cmp(x, mh_dec_make(20001, -4)), 0);
    assert_int_equal(mh_dec_sub(mh_dec_make(5, -1), mh_dec_make(6, -1), &x), 0);
    assert_true(x.m == -1 && x.exp == -1);
    assert_int_not_equal(mh_dec_add(mh_dec_make(INT64_MAX, 0), mh_dec_make(1, 0), &x), 0);
    assert_int_not_equal(mh_dec_sub(mh_dec_make(0, 0), mh_dec_make(INT64_MIN, 0), &x), 0);
    assert_int_equal(mh_dec_mul_u32(mh_dec_make(12345, -2), 4000, &x), 0);
    assert_true(x.m == 49380000 && x.exp == -2);
}

static void test_capacity_for_rollover_only_keeps_a_fast_advance(void **state)
{
    (void)state;
    struct metering_params p = plain;
    p.capacity_rollover_only = 1;
    /* above what 20 kW passes in a day: consumption still (racing is the rules' to judge) */
    struct metering_reading a = rd(T0, 0, -2), b = rd(T0 + DAY, 48001, -2);
    assert_kwh(metering_consumption(&a, &b, NULL, &p), METERING_OK, 48001, -2);
    /* a rollover is still told from a fault by the capacity */
    struct metering_reading c = rd(T0, 99999950, -2), d = rd(T0 + DAY, 30, -2);
    assert_kwh(metering_consumption(&c, &d, NULL, &p), METERING_ROLLOVER, 80, -2);
    struct metering_reading e = rd(T0, 500000, -2), f = rd(T0 + DAY, 499000, -2);
    assert_kwh(metering_consumption(&e, &f, NULL, &p), METERING_NEGATIVE, 0, 0);
    /* 0.30 run backwards through 0 shows 999999.70: not a near-million-kWh advance */
    struct metering_reading g = rd(T0, 30, -2), h = rd(T0 + DAY, 99999970, -2);
    assert_kwh(metering_consumption(&g, &h, NULL, &p), METERING_NEGATIVE, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_difference_times_ct_and_pt),
        cmocka_unit_test(test_rollover_past_register_maximum),
        cmocka_unit_test(test_register_going_down_is_not_consumption),
        cmocka_unit_test(test_meter_replacement_starts_from_the_new_reading),
        cmocka_unit_test(test_implausible_jump_is_rejected),
        cmocka_unit_test(test_daily_series_with_a_missing_freeze),
        cmocka_unit_test(test_decimal_arithmetic_is_exact),
        cmocka_unit_test(test_capacity_for_rollover_only_keeps_a_fast_advance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
