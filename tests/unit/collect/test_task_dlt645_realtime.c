/*
 * DL/T 645-2007 realtime task of a DTU meter: the read requests byte for
 * byte (the first and last block, none past it), the voltage and power
 * factor blocks as exact values per phase, the abnormal reply of a meter
 * without a block as nothing, and replies that are not the answer asked
 * for (another meter, another DI, cut short) as errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/item.h"
#include "task_reply645.h"
#include "task_seen.h"

static const uint8_t addr[6] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x20}; /* 200000000001 */

/* The request of step, without FE preamble bytes (checked), must be want with its CS. */
static void request_is(unsigned step, const uint8_t *want, size_t n)
{
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt645_realtime_request(&w, addr, step), 0);
    request_bytes_are(buf, mh_wr_len(&w), want, n);
}

static void test_request_bytes(void **state)
{
    (void)state;
    /* 68 A0..A5 68, C 11 (read), L 04, DI low byte first +33h, CS, 16 */
    static const uint8_t volts[] = {0x68, 0x01, 0x00, 0x00, 0x00, 0x00, 0x20, 0x68,
                                    0x11, 0x04, 0x33, 0x32, 0x34, 0x35, 0x00, 0x16};
    request_is(0, volts, sizeof volts); /* 0201FF00 */
    static const uint8_t exp_energy[] = {0x68, 0x01, 0x00, 0x00, 0x00, 0x00, 0x20, 0x68,
                                         0x11, 0x04, 0x33, 0x32, 0x35, 0x33, 0x00, 0x16};
    unsigned last = ctask_dlt645_realtime_last();
    assert_int_equal(last, 6);
    request_is(last, exp_energy, sizeof exp_energy); /* 0002FF00 */
    assert_int_equal(ctask_dlt645_realtime_di(1), 0x0202FF00u);
    assert_int_equal(ctask_dlt645_realtime_di(4), 0x0206FF00u);
    assert_int_equal(ctask_dlt645_realtime_di(5), 0x0001FF00u);
    assert_int_equal(ctask_dlt645_realtime_di(last + 1), 0);
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt645_realtime_request(&w, addr, last + 1), MH_ERANGE);
}

static void test_voltages_and_power_factors(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct seen s = {0};
    /* XXX.X V per phase, low byte first: 220.1, 230.5, 219.0 */
    static const uint8_t u[] = {0x01, 0x22, 0x05, 0x23, 0x90, 0x21};
    size_t n = reply(buf, sizeof buf, addr, 0x0201FF00u, u, sizeof u);
    assert_int_equal(ctask_dlt645_realtime_parse(buf, n, addr, 0, 1, on_value, &s), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.item[0], MH_ITEM_U_L1);
    assert_int_equal(s.item[2], MH_ITEM_U_L3);
    assert_true(mh_dec_cmp(s.v[0], mh_dec_make(2201, -1)) == 0);
    assert_true(mh_dec_cmp(s.v[1], mh_dec_make(2305, -1)) == 0);
    assert_true(mh_dec_cmp(s.v[2], mh_dec_make(2190, -1)) == 0);
    /* X.XXX signed (bit 7 of the high byte): total 0.985, A 0.990, B -0.500, C 1.000 */
    s = (struct seen){0};
    static const uint8_t pf[] = {0x85, 0x09, 0x90, 0x09, 0x00, 0x85, 0x00, 0x10};
    n = reply(buf, sizeof buf, addr, 0x0206FF00u, pf, sizeof pf);
    assert_int_equal(ctask_dlt645_realtime_parse(buf, n, addr, 4, 1, on_value, &s), 0);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.item[0], MH_ITEM_PF);
    assert_int_equal(s.item[2], MH_ITEM_PF_L2);
    assert_true(mh_dec_cmp(s.v[0], mh_dec_make(985, -3)) == 0);
    assert_true(mh_dec_cmp(s.v[2], mh_dec_make(-500, -3)) == 0);
    assert_true(mh_dec_cmp(s.v[3], mh_dec_make(1, 0)) == 0);
}

static void test_not_the_answer(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct seen s = {0};
    static const uint8_t u[] = {0x01, 0x22, 0x05, 0x23, 0x90, 0x21};
    static const uint8_t other[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x20};
    size_t n = reply(buf, sizeof buf, other, 0x0201FF00u, u, sizeof u);
    assert_int_equal(ctask_dlt645_realtime_parse(buf, n, addr, 0, 1, on_value, &s), MH_EPROTO);
    n = reply(buf, sizeof buf, addr, 0x0201FF00u, u, sizeof u);
    assert_int_equal(ctask_dlt645_realtime_parse(buf, n, addr, 1, 1, on_value, &s), MH_EPROTO);
    assert_true(ctask_dlt645_realtime_parse(buf, n - 3, addr, 0, 1, on_value, &s) < 0);
    assert_int_equal(ctask_dlt645_realtime_parse(buf, n, addr, 7, 1, on_value, &s), MH_ERANGE);
    /* the abnormal reply (no such data): nothing, no error */
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(dlt645_enc_error(&w, addr, DLT645_READ, 0x02), 0);
    assert_int_equal(ctask_dlt645_realtime_parse(buf, mh_wr_len(&w), addr, 5, 1, on_value, &s), 0);
    assert_int_equal(s.n + s.nodata, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_bytes),
        cmocka_unit_test(test_voltages_and_power_factors),
        cmocka_unit_test(test_not_the_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
