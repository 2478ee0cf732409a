#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"

static void test_item_codes_are_unique_and_named(void **state)
{
    (void)state;
    size_t n;
    const struct mh_item_def *t = mh_item_table(&n);
    assert_true(n > 50);
    for (size_t i = 0; i < n; i++) {
        assert_true(strlen(t[i].name) > 3);
        assert_true(MH_OBIS_A(t[i].code) <= 1);
        for (size_t j = i + 1; j < n; j++) {
            if (t[i].code == t[j].code)
                fail_msg("duplicate item code: %s and %s", t[i].sym, t[j].sym);
            assert_string_not_equal(t[i].sym, t[j].sym);
        }
        /* A tariffed register's E = 1..63 codes must not collide with another entry. */
        if (t[i].flags & MH_ITEM_TARIFFED)
            for (size_t j = 0; j < n; j++)
                if (j != i && (t[j].code & ~0xFFu) == (t[i].code & ~0xFFu) && MH_OBIS_E(t[j].code) <= 63)
                    fail_msg("%s collides with tariffs of %s", t[j].sym, t[i].sym);
    }
}

static void test_item_format_and_parse_round_trip(void **state)
{
    (void)state;
    char buf[24];
    assert_int_equal(mh_item_format(MH_ITEM_AE_IMP, buf, sizeof buf), 9);
    assert_string_equal(buf, "1.0.1.8.0");
    mh_item_format(MH_ITEM_U_L1, buf, sizeof buf);
    assert_string_equal(buf, "1.0.32.7.0");
    uint32_t code = 0;
    assert_int_equal(mh_item_parse("1.0.1.8.2", &code), 0);
    assert_int_equal(code, MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 2));
    assert_int_equal(mh_item_parse("1-0:32.7.0", &code), 0);
    assert_int_equal(code, MH_ITEM_U_L1);
    assert_int_equal(mh_item_parse("1.0.1.8", &code), MH_EINVAL);
    assert_int_equal(mh_item_parse("1.0.1.8.256", &code), MH_EINVAL);
    assert_int_equal(mh_item_parse("1.0.1.8.0x", &code), MH_EINVAL);
    assert_int_equal(mh_item_parse("9.0.1.8.0", &code), MH_EINVAL);
}

static void test_item_lookup_answers_for_tariffs(void **state)
{
    (void)state;
    const struct mh_item_def *d = mh_item_lookup(MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 4));
    assert_non_null(d);
    assert_int_equal(d->code, MH_ITEM_AE_IMP);
    assert_int_equal(d->unit, MH_UNIT_KWH);
    assert_string_equal(mh_unit_name(d->unit), "kWh");
    assert_null(mh_item_lookup(MH_OBIS_TARIFF(MH_ITEM_U_L1, 3))); /* voltage has no tariffs */
    assert_null(mh_item_lookup(MH_OBIS(1, 0, 250, 250, 0)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_item_codes_are_unique_and_named),
        cmocka_unit_test(test_item_format_and_parse_round_trip),
        cmocka_unit_test(test_item_lookup_answers_for_tariffs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
