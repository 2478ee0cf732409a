#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterhub/base/rd.h"
#include "meterhub/base/wr.h"

static void test_reader_reads_little_and_big_endian(void **state)
{
    (void)state;
    const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C,
                         0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15};
    struct mh_rd r;
    mh_rd_init(&r, b, sizeof b);
    assert_int_equal(mh_rd_u8(&r), 0x01);
    assert_int_equal(mh_rd_u16le(&r), 0x0302);
    assert_int_equal(mh_rd_u16be(&r), 0x0405);
    assert_int_equal(mh_rd_u32le(&r), 0x09080706u);
    assert_int_equal(mh_rd_u32be(&r), 0x0A0B0C0Du);
    assert_true(mh_rd_u64be(&r) == 0x0E0F101112131415ull);
    assert_int_equal(mh_rd_left(&r), 0);
    assert_int_equal(mh_rd_err(&r), 0);
}

static void test_reader_error_is_sticky_and_never_reads_past_end(void **state)
{
    (void)state;
    const uint8_t b[] = {0xAA, 0xBB, 0xCC};
    struct mh_rd r;
    mh_rd_init(&r, b, sizeof b);
    assert_int_equal(mh_rd_u16le(&r), 0xBBAA);
    assert_int_equal(mh_rd_u16le(&r), 0); /* only one byte left */
    assert_int_equal(mh_rd_err(&r), MH_ETRUNC);
    assert_int_equal(r.off, 2); /* a failed read does not move */
    assert_int_equal(mh_rd_u8(&r), 0); /* sticky: even though a byte is left */
    assert_null(mh_rd_bytes(&r, 1));
    assert_int_equal(mh_rd_peek(&r), 0);
}

static void test_reader_sub_splits_a_length_prefixed_part(void **state)
{
    (void)state;
    const uint8_t b[] = {2, 0x11, 0x22, 0x33};
    struct mh_rd r;
    mh_rd_init(&r, b, sizeof b);
    struct mh_rd s = mh_rd_sub(&r, mh_rd_u8(&r));
    assert_int_equal(mh_rd_left(&s), 2);
    assert_int_equal(mh_rd_u16be(&s), 0x1122);
    assert_int_equal(mh_rd_u8(&s), 0);
    assert_int_equal(mh_rd_err(&s), MH_ETRUNC);
    assert_int_equal(mh_rd_u8(&r), 0x33);
    assert_int_equal(mh_rd_err(&r), 0);
    struct mh_rd t = mh_rd_sub(&r, 5);
    assert_int_equal(mh_rd_err(&r), MH_ETRUNC);
    assert_int_equal(mh_rd_err(&t), MH_ETRUNC);
    assert_int_equal(mh_rd_left(&t), 0);
}

static void test_reader_rejects_huge_length_without_overflow(void **state)
{
    (void)state;
    const uint8_t b[4] = {0};
    struct mh_rd r;
    mh_rd_init(&r, b, sizeof b);
    mh_rd_u8(&r);
    assert_null(mh_rd_bytes(&r, SIZE_MAX));
    assert_int_equal(mh_rd_err(&r), MH_ETRUNC);
}

static void test_writer_writes_and_stops_at_capacity(void **state)
{
    (void)state;
    uint8_t b[8];
    struct mh_wr w;
    mh_wr_init(&w, b, sizeof b);
    mh_wr_u8(&w, 0x68);
    mh_wr_u16le(&w, 0x1234);
    mh_wr_u32be(&w, 0xA1B2C3D4);
    assert_int_equal(mh_wr_err(&w), 0);
    assert_int_equal(mh_wr_len(&w), 7);
    const uint8_t want[] = {0x68, 0x34, 0x12, 0xA1, 0xB2, 0xC3, 0xD4};
    assert_memory_equal(b, want, sizeof want);
    mh_wr_u16be(&w, 0xFFFF); /* one byte left: does not fit */
    assert_int_equal(mh_wr_err(&w), MH_ENOSPC);
    assert_int_equal(mh_wr_len(&w), 7);
    mh_wr_u8(&w, 0x16); /* sticky */
    assert_int_equal(mh_wr_len(&w), 7);
}

static void test_writer_round_trips_with_reader(void **state)
{
    (void)state;
    uint8_t b[32];
    struct mh_wr w;
    mh_wr_init(&w, b, sizeof b);
    mh_wr_u64be(&w, 0x0102030405060708ull);
    mh_wr_u32le(&w, 0xDEADBEEF);
    mh_wr_u16be(&w, 0xCAFE);
    mh_wr_fill(&w, 0xEE, 3);
    mh_wr_bytes(&w, "ab", 2);
    struct mh_rd r;
    mh_rd_init(&r, b, mh_wr_len(&w));
    assert_true(mh_rd_u64be(&r) == 0x0102030405060708ull);
    assert_int_equal(mh_rd_u32le(&r), 0xDEADBEEFu);
    assert_int_equal(mh_rd_u16be(&r), 0xCAFE);
    assert_memory_equal(mh_rd_bytes(&r, 3), "\xEE\xEE\xEE", 3);
    assert_memory_equal(mh_rd_bytes(&r, 2), "ab", 2);
    assert_int_equal(mh_rd_left(&r), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_reads_little_and_big_endian),
        cmocka_unit_test(test_reader_error_is_sticky_and_never_reads_past_end),
        cmocka_unit_test(test_reader_sub_splits_a_length_prefixed_part),
        cmocka_unit_test(test_reader_rejects_huge_length_without_overflow),
        cmocka_unit_test(test_writer_writes_and_stops_at_capacity),
        cmocka_unit_test(test_writer_round_trips_with_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
