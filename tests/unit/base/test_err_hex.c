#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/base/hex.h"

static void test_every_error_has_a_distinct_name_and_text(void **state)
{
    (void)state;
    static const int codes[] = {
#define C(name, num, text) MH_##name,
        MH_ERRNO_MAP(C)
#undef C
    };
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        assert_true(codes[i] < 0);
        assert_string_not_equal(mh_err_name(codes[i]), "EUNKNOWNERR");
        assert_string_not_equal(mh_strerror(codes[i]), "unknown error");
        for (size_t j = i + 1; j < n; j++) {
            assert_int_not_equal(codes[i], codes[j]);
            assert_string_not_equal(mh_err_name(codes[i]), mh_err_name(codes[j]));
        }
    }
    assert_string_equal(mh_err_name(MH_EBADCS), "EBADCS");
    assert_string_equal(mh_err_name(0), "OK");
    assert_string_equal(mh_err_name(-9999), "EUNKNOWNERR");
}

static void test_hex_decode_accepts_separators_and_prefixes(void **state)
{
    (void)state;
    uint8_t b[8];
    const char *t = "68 aa:0x1F-16\n";
    assert_int_equal(mh_hex_decode(t, strlen(t), b, sizeof b, NULL), 4);
    assert_memory_equal(b, "\x68\xAA\x1F\x16", 4);
}

static void test_hex_decode_reports_bad_character_and_odd_digits(void **state)
{
    (void)state;
    uint8_t b[8];
    size_t at = 99;
    assert_int_equal(mh_hex_decode("68 ZZ", 5, b, sizeof b, &at), MH_EINVAL);
    assert_int_equal(at, 3);
    assert_int_equal(mh_hex_decode("68 1", 4, b, sizeof b, &at), MH_EINVAL);
    assert_int_equal(mh_hex_decode("6868", 4, b, 1, &at), MH_ENOSPC);
}

static void test_hex_encode_with_and_without_separator(void **state)
{
    (void)state;
    char out[16];
    const uint8_t b[] = {0x68, 0x0A, 0xFF};
    assert_int_equal(mh_hex_encode(b, 3, ' ', out, sizeof out), 8);
    assert_string_equal(out, "68 0A FF");
    assert_int_equal(mh_hex_encode(b, 3, 0, out, sizeof out), 6);
    assert_string_equal(out, "680AFF");
    assert_int_equal(mh_hex_encode(b, 3, 0, out, 6), MH_ENOSPC);
    assert_int_equal(mh_hex_encode(b, 0, ' ', out, sizeof out), 0);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_error_has_a_distinct_name_and_text),
        cmocka_unit_test(test_hex_decode_accepts_separators_and_prefixes),
        cmocka_unit_test(test_hex_decode_reports_bad_character_and_odd_digits),
        cmocka_unit_test(test_hex_encode_with_and_without_separator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
