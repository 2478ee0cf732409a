/*
 * VEE: each validation rule on crafted readings, and estimation that fills
 * only what is missing.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/app/vee.h"
#include "meterhub/base/err.h"

#define T0 1793462400

static void test_readings_rules(void **state)
{
    (void)state;
    struct vee_config c;
    vee_config_default(&c);
    struct vee_reading r[9] = {
        {T0, 100.0},        {T0 + 900, 100.5},
        {T0 + 1800, 101.0}, {T0 + 2700, 100.9}, /* went down */
        {T0 + 3600, 130.0}, /* 116 kW over 15 min: a spike, beyond 2 x 10 kW too */
        {T0 + 3600, 130.0}, /* duplicate */
        {T0 + 2700, 100.9}, /* out of order */
        {T0 + 4500, 130.5}, {T0 + 99999, 131.0}, /* in the future */
    };
    uint16_t f[9];
    int n = vee_validate_readings(&c, r, 9, T0 + 5000, 10, f);
    assert_int_equal(f[0], 0);
    assert_int_equal(f[1], 0);
    assert_int_equal(f[2], 0);
    assert_int_equal(f[3], VEE_DECREASE);
    assert_int_equal(f[4], VEE_SPIKE | VEE_RANGE);
    assert_int_equal(f[5], VEE_DUPLICATE);
    assert_int_equal(f[6], VEE_ORDER);
    assert_int_equal(f[7], 0);
    assert_int_equal(f[8], VEE_FUTURE);
    assert_int_equal(n, 5);
    assert_int_equal(vee_validate_readings(&c, NULL, 2, 0, 0, f), MH_EINVAL);
}

static void test_day_zero_with_current_and_curve_sum(void **state)
{
    (void)state;
    struct vee_config c;
    vee_config_default(&c);
    double reg[97], cur[96];
    uint8_t present[97];
    uint16_t f[97];
    for (int j = 0; j <= 96; j++)
        reg[j] = 50 + 0.25 * j, present[j] = 1;
    for (int j = 0; j < 96; j++)
        cur[j] = 4.5;
    reg[31] = reg[30]; /* still over slot 30 with 4.5 A */
    for (int j = 32; j <= 96; j++)
        reg[j] -= 0.25;
    double frozen[2] = {50, 74}; /* the curve says 23.75 */
    assert_int_equal(vee_validate_day(&c, reg, present, cur, frozen, f), 2);
    assert_int_equal(f[31], VEE_ZERO_CURRENT);
    assert_int_equal(f[96], VEE_CURVE_SUM);
    frozen[1] = 73.75;
    assert_int_equal(vee_validate_day(&c, reg, present, cur, frozen, f), 1);
    assert_int_equal(f[96], 0);
}

static void test_estimate_fills_gaps_only(void **state)
{
    (void)state;
    double reg[97];
    uint8_t q[97];
    for (int j = 0; j <= 96; j++)
        reg[j] = 10 + j, q[j] = VEE_VALID;
    for (int j = 11; j < 15; j++)
        reg[j] = -1, q[j] = VEE_MISSING; /* between 10 (20) and 15 (25) */
    q[20] = VEE_SUSPECT;
    reg[20] = 31; /* suspect raw value: kept, used as a bound */
    for (int j = 90; j <= 96; j++)
        reg[j] = -1, q[j] = VEE_MISSING; /* no end bound: stays missing */
    assert_int_equal(vee_estimate_day(reg, q, NULL), 4);
    for (int j = 11; j < 15; j++) {
        assert_int_equal(q[j], VEE_ESTIMATED);
        assert_true(fabs(reg[j] - (10 + j)) < 1e-9); /* linear interpolation */
    }
    assert_true(reg[20] == 31);
    assert_int_equal(q[20], VEE_SUSPECT);
    assert_int_equal(q[95], VEE_MISSING);

    /* profile-shaped: the gap's 6 kWh over slots 40..42 weighted 1:2:3 */
    for (int j = 0; j <= 96; j++)
        reg[j] = 100, q[j] = VEE_VALID;
    for (int j = 43; j <= 96; j++)
        reg[j] = 106;
    q[41] = q[42] = VEE_MISSING;
    double prof[96];
    for (int j = 0; j < 96; j++)
        prof[j] = 1;
    prof[40] = 1, prof[41] = 2, prof[42] = 3;
    assert_int_equal(vee_estimate_day(reg, q, prof), 2);
    assert_true(fabs(reg[41] - 101) < 1e-9);
    assert_true(fabs(reg[42] - 103) < 1e-9);
    /* bounds that go down are not bridged */
    q[41] = q[42] = VEE_MISSING;
    reg[43] = 99;
    assert_int_equal(vee_estimate_day(reg, q, prof), 0);
    assert_int_equal(q[41], VEE_MISSING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readings_rules),
        cmocka_unit_test(test_day_zero_with_current_and_curve_sum),
        cmocka_unit_test(test_estimate_fills_gaps_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
