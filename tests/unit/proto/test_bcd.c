#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/bcd.h"

static void test_bcd_decodes_low_byte_first(void **state)
{
    (void)state;
    const uint8_t b[] = {0x78, 0x56, 0x34, 0x12}; /* 12345678 */
    uint64_t v = 0;
    assert_int_equal(mh_bcd_decode_le(b, 4, &v), 0);
    assert_true(v == 12345678u);
    assert_int_equal(mh_bcd_decode_be(b, 4, &v), 0);
    assert_true(v == 78563412u);
}

static void test_bcd_rejects_nibbles_above_nine(void **state)
{
    (void)state;
    uint64_t v = 42;
    const uint8_t lo[] = {0x1A};
    const uint8_t hi[] = {0x00, 0xF0};
    assert_int_equal(mh_bcd_decode_le(lo, 1, &v), MH_EBADBCD);
    assert_int_equal(mh_bcd_decode_le(hi, 2, &v), MH_EBADBCD);
    assert_true(v == 42); /* untouched on error */
}

static void test_bcd_max_and_range(void **state)
{
    (void)state;
    uint8_t b[9];
    uint64_t v = 0;
    assert_int_equal(mh_bcd_encode_le(999999999999999999ull, b, 9), 0);
    assert_int_equal(mh_bcd_decode_le(b, 9, &v), 0);
    assert_true(v == 999999999999999999ull);
    assert_int_equal(mh_bcd_encode_le(10000, b, 2), MH_ERANGE);
    assert_int_equal(mh_bcd_decode_le(b, 10, &v), MH_EINVAL);
}

static void test_bcd_round_trips_every_byte_value(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 100; i++) {
        uint8_t b;
        uint64_t v;
        assert_int_equal(mh_bcd_encode_le(i, &b, 1), 0);
        assert_true(mh_bcd_byte_valid(b));
        assert_int_equal(mh_bcd_decode_le(&b, 1, &v), 0);
        assert_true(v == i);
    }
}

static void test_bytes_all_detects_fill(void **state)
{
    (void)state;
    const uint8_t ee[] = {0xEE, 0xEE, 0xEE};
    const uint8_t part[] = {0xEE, 0x12, 0xEE};
    assert_true(mh_bytes_all(ee, 3, 0xEE));
    assert_false(mh_bytes_all(part, 3, 0xEE));
    assert_true(mh_bytes_all(ee, 0, 0xFF));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcd_decodes_low_byte_first),
        cmocka_unit_test(test_bcd_rejects_nibbles_above_nine),
        cmocka_unit_test(test_bcd_max_and_range),
        cmocka_unit_test(test_bcd_round_trips_every_byte_value),
        cmocka_unit_test(test_bytes_all_detects_fill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
