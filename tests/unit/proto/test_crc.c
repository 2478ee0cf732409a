#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include <cmocka.h>

#include "meterhub/proto/crc.h"

static uint16_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0x8408) : (uint16_t)(crc >> 1);
    }
    return crc ^ 0xFFFF;
}

static void test_crc16_x25_check_value(void **state)
{
    (void)state;
    assert_int_equal(mh_crc16_x25((const uint8_t *)"123456789", 9), 0x906E);
    assert_int_equal(mh_crc16_x25(NULL, 0), 0x0000);
}

static void test_crc16_x25_matches_dlt698_header_example(void **state)
{
    (void)state;
    /* DL/T 698.45 worked example: HCS over L..CA of a GET to 0000000000 */
    const uint8_t hdr[] = {0x17, 0x00, 0x43, 0x05, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
    assert_int_equal(mh_crc16_x25(hdr, sizeof hdr), 0x5E48);
}

static void test_crc16_x25_table_equals_bitwise_for_all_bytes(void **state)
{
    (void)state;
    uint8_t b[256];
    for (int i = 0; i < 256; i++)
        b[i] = (uint8_t)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof b; n += 17)
        assert_int_equal(mh_crc16_x25(b, n), crc_bitwise(b, n));
    uint16_t inc = mh_crc16_x25_update(0xFFFF, b, 100);
    inc = mh_crc16_x25_update(inc, b + 100, 156);
    assert_int_equal(inc ^ 0xFFFF, mh_crc16_x25(b, 256));
}

/* Slice-by-8: every length (the 8-byte rounds and every tail) at every alignment, and split anywhere. */
static void test_crc16_x25_sliced_equals_bitwise_at_every_length(void **state)
{
    (void)state;
    static uint8_t b[600];
    for (size_t i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)(i * 151 + (i >> 3) * 7 + 0x5A);
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n + off <= sizeof b; n += n < 80 ? 1 : 53)
            assert_int_equal(mh_crc16_x25(b + off, n), crc_bitwise(b + off, n));
    for (size_t cut = 0; cut <= 64; cut++) {
        uint16_t c = mh_crc16_x25_update(0xFFFF, b, cut);
        c = mh_crc16_x25_update(c, b + cut, 64 - cut);
        assert_int_equal(c ^ 0xFFFF, crc_bitwise(b, 64));
    }
    memset(b, 0xFF, sizeof b);
    assert_int_equal(mh_crc16_x25(b, sizeof b), crc_bitwise(b, sizeof b));
    memset(b, 0, sizeof b);
    assert_int_equal(mh_crc16_x25(b, sizeof b), crc_bitwise(b, sizeof b));
}

static void test_sum8_wraps(void **state)
{
    (void)state;
    const uint8_t b[] = {0x68, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0x68, 0x13, 0x00};
    assert_int_equal(mh_sum8(b, sizeof b), 0xDF); /* DL/T 645 read-address example */
}

/* The word-at-a-time sum equals a byte loop at every length and offset, across the 128-word rounds. */
static void test_sum8_equals_bytewise_at_every_length(void **state)
{
    (void)state;
    static uint8_t b[2100];
    for (size_t i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)(0xFF - i * 7);
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n + off <= sizeof b; n += n < 40 ? 1 : 97) {
            unsigned s = 0;
            for (size_t i = 0; i < n; i++)
                s += b[off + i];
            assert_int_equal(mh_sum8(b + off, n), (uint8_t)s);
        }
    memset(b, 0xFF, sizeof b); /* the largest lanes */
    assert_int_equal(mh_sum8(b, sizeof b), (uint8_t)(0xFFu * sizeof b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc16_x25_check_value),
        cmocka_unit_test(test_crc16_x25_matches_dlt698_header_example),
        cmocka_unit_test(test_crc16_x25_sliced_equals_bitwise_at_every_length),
        cmocka_unit_test(test_crc16_x25_table_equals_bitwise_for_all_bytes),
        cmocka_unit_test(test_sum8_wraps),
        cmocka_unit_test(test_sum8_equals_bytewise_at_every_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
