/*
 * Voltage qualification and power quality statistics on crafted days.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterhub/app/quality.h"
#include "meterhub/base/err.h"

#define T0 1793462400

static void test_single_phase_limits_of_gbt12325(void **state)
{
    (void)state;
    struct quality_config c;
    quality_config_220v(&c);
    struct quality_sample s[96];
    for (int j = 0; j < 96; j++)
        s[j] = (struct quality_sample){T0 + j * 900, {225, 0, 0}, 0.95, 1};
    s[10].v[0] = 235.4; /* +7 % exactly: still qualified */
    s[11].v[0] = 235.5; /* above */
    s[12].v[0] = 198.0; /* -10 % exactly: still qualified */
    s[13].v[0] = 197.9; /* below */
    s[14].v[0] = 196.0;
    s[20].pf = 0.80;
    struct quality_day d;
    assert_int_equal(quality_compute(&c, s, 96, 1, &d), 0);
    assert_int_equal(d.phase[0].samples, 96);
    assert_int_equal(d.phase[0].above_s, 900);
    assert_int_equal(d.phase[0].below_s, 1800);
    assert_true(fabs(d.phase[0].qualified_rate - 93.0 / 96) < 1e-12);
    assert_true(fabs(d.qualified_rate - 93.0 / 96) < 1e-12);
    assert_true(d.phase[0].vmax == 235.5);
    assert_int_equal(d.phase[0].t_vmax, T0 + 11 * 900);
    assert_true(d.phase[0].vmin == 196.0);
    assert_int_equal(d.phase[0].t_vmin, T0 + 14 * 900);
    assert_true(d.pf_min == 0.80);
    assert_true(fabs(d.pf_low_share - 1.0 / 96) < 1e-12);
    assert_int_equal(d.outages, 0);
}

static void test_outages_leave_the_rate_and_count_transitions(void **state)
{
    (void)state;
    struct quality_config c;
    quality_config_220v(&c);
    struct quality_sample s[96];
    for (int j = 0; j < 96; j++)
        s[j] = (struct quality_sample){T0 + j * 900, {220, 221, 222}, 0.9, 1};
    for (int j = 4; j < 8; j++)
        s[j].v[0] = s[j].v[1] = s[j].v[2] = 0;
    s[50].v[0] = s[50].v[1] = s[50].v[2] = 3;
    s[60].v[0] = 0; /* one phase down is not an outage: it is an under-voltage */
    s[70].present = 0;
    struct quality_day d;
    assert_int_equal(quality_compute(&c, s, 96, 3, &d), 0);
    assert_int_equal(d.outages, 2);
    assert_int_equal(d.outage_s, 5 * 900);
    assert_int_equal(d.phase[0].samples, 90);
    assert_int_equal(d.phase[0].below_s, 900);
    assert_true(d.phase[1].qualified_rate == 1.0);
    assert_true(d.unbalance_max > 0.99); /* 0 V against two live phases */
    assert_true(d.unbalance_mean < 0.02);
    assert_int_equal(quality_compute(&c, s, 96, 2, &d), MH_EINVAL);
}

static void test_ten_kv_class(void **state)
{
    (void)state;
    struct quality_config c;
    quality_config_10kv(&c);
    struct quality_sample s[2] = {{T0, {10650, 10700, 10710}, 0.95, 1},
                                  {T0 + 900, {9300, 9290, 9310}, 0.95, 1}};
    struct quality_day d;
    assert_int_equal(quality_compute(&c, s, 2, 3, &d), 0);
    /* 10710 > 10700 and 9290 < 9300 */
    assert_int_equal(d.phase[2].above_s, 900);
    assert_int_equal(d.phase[1].below_s, 900);
    assert_int_equal(d.phase[0].above_s + d.phase[0].below_s, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_phase_limits_of_gbt12325),
        cmocka_unit_test(test_outages_leave_the_rate_and_count_transitions),
        cmocka_unit_test(test_ten_kv_class),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
