/*
 * PV balance and underperformance on a crafted set of neighbours.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterhub/app/der.h"
#include "meterhub/base/err.h"

static void test_balance_and_low_yield(void **state)
{
    (void)state;
    struct der_config c;
    der_config_default(&c);
    struct der_system_day s[5] = {
        {1, 5, 20, 6, 12}, /* 4 kWh/kWp, self 8 */
        {2, 4, 15, 3, 15}, /* 3.75, all exported */
        {3, 6, 25, 9, 10}, /* 4.17 */
        {4, 5, 6, 14, 1},  /* 1.2: far below */
        {5, 5, -1, 8, 0},  /* generation unknown */
    };
    double scratch[5];
    struct der_result r[5];
    assert_int_equal(der_day(&c, s, 5, scratch, r), 1);
    assert_true(fabs(r[0].self_kwh - 8) < 1e-9);
    assert_true(fabs(r[0].self_ratio - 0.4) < 1e-9);
    assert_true(fabs(r[0].load_kwh - 14) < 1e-9);
    assert_true(r[1].self_kwh == 0);
    assert_true(fabs(r[0].yield - 4) < 1e-9);
    assert_int_equal(r[3].low, 1);
    assert_int_equal(r[0].low + r[1].low + r[2].low + r[4].low, 0);
    /* an overcast day: everyone low, nobody flagged */
    for (int i = 0; i < 4; i++)
        s[i].generation_kwh /= 20;
    assert_int_equal(der_day(&c, s, 5, scratch, r), 0);
    /* too few neighbours */
    assert_int_equal(der_day(&c, s, 2, scratch, r), 0);
    assert_int_equal(der_day(&c, s, 2, NULL, r), MH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_balance_and_low_yield),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
