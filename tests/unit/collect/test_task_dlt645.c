/*
 * DL/T 645-2007 daily frozen task behind a DTU: the three read requests
 * byte for byte, the freeze time checked against the day (matching, another
 * day, no such freeze), the registers as exact values (total + tariffs,
 * 0.01 kWh), the abnormal reply as no data, and replies that are not the
 * answer asked for (another meter, another DI, cut short) as errors.
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

static const uint8_t addr[6] = {0x50, 0x56, 0x00, 0x00, 0x00, 0x10}; /* 100000005650 */
static const struct mh_tm freeze = {2026, 11, 24, 0, 0, 0, 0, 0, MH_TM_FULL};

static void test_request_bytes(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt645_day_request(&w, addr, CTASK_645_IMPORT, 1), 0);
    /* 68 A0..A5 68, C 11 (read), L 04, DI 05060101 low byte first +33h, CS, 16 */
    static const uint8_t want[] = {0x68, 0x50, 0x56, 0x00, 0x00, 0x00, 0x10, 0x68, 0x11, 0x04,
                                   0x34, 0x34, 0x39, 0x38, 0x00, 0x16};
    uint8_t exp[sizeof want];
    memcpy(exp, want, sizeof want);
    unsigned cs = 0;
    for (size_t i = 0; i < sizeof want - 2; i++)
        cs += want[i];
    exp[sizeof want - 2] = (uint8_t)cs;
    size_t off = mh_wr_len(&w) - sizeof want; /* FE preamble bytes, if the encoder sends them */
    assert_int_equal(mh_wr_len(&w), off + sizeof want);
    for (size_t i = 0; i < off; i++)
        assert_int_equal(buf[i], 0xFE);
    assert_memory_equal(buf + off, exp, sizeof exp);
    assert_int_equal(ctask_dlt645_day_di(CTASK_645_TIME, 3), 0x05060003u);
    assert_int_equal(ctask_dlt645_day_di(CTASK_645_EXPORT, 62), 0x0506023Eu);
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt645_day_request(&w, addr, CTASK_645_TIME, 0), MH_ERANGE);
    assert_int_equal(ctask_dlt645_day_request(&w, addr, CTASK_645_TIME, 63), MH_ERANGE);
}

static void test_freeze_time(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct seen s = {0};
    uint32_t di = ctask_dlt645_day_di(CTASK_645_TIME, 1);
    /* YYMMDDhhmm sent mm hh DD MM YY: 2026-11-24 00:00 */
    static const uint8_t ok[] = {0x00, 0x00, 0x24, 0x11, 0x26};
    size_t n = reply(buf, sizeof buf, addr, di, ok, sizeof ok);
    assert_int_equal(ctask_dlt645_day_parse(buf, n, addr, di, 1, &freeze, on_value, &s), 1);
    static const uint8_t other[] = {0x00, 0x00, 0x23, 0x11, 0x26};
    n = reply(buf, sizeof buf, addr, di, other, sizeof other);
    assert_int_equal(ctask_dlt645_day_parse(buf, n, addr, di, 1, &freeze, on_value, &s), MH_ESTALE);
    static const uint8_t none[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    n = reply(buf, sizeof buf, addr, di, none, sizeof none);
    assert_int_equal(ctask_dlt645_day_parse(buf, n, addr, di, 1, &freeze, on_value, &s), 0);
    assert_int_equal(s.n + s.nodata, 0);
    /* Another meter's reply, a reply to another DI: not the answer. */
    static const uint8_t other_addr[6] = {0x51, 0x56, 0x00, 0x00, 0x00, 0x10};
    n = reply(buf, sizeof buf, other_addr, di, ok, sizeof ok);
    assert_int_equal(ctask_dlt645_day_parse(buf, n, addr, di, 1, &freeze, on_value, &s), MH_EPROTO);
    n = reply(buf, sizeof buf, addr, ctask_dlt645_day_di(CTASK_645_TIME, 2), ok, sizeof ok);
    assert_int_equal(ctask_dlt645_day_parse(buf, n, addr, di, 1, &freeze, on_value, &s), MH_EPROTO);
}

static void test_registers(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct seen s = {0};
    uint32_t di = ctask_dlt645_day_di(CTASK_645_EXPORT, 2);
    /* total 12345.67, tariffs 1..4: 1.00, 0.01, no data (FF), 999999.99; XXXXXX.XX low byte first */
    static const uint8_t data[] = {0x67, 0x45, 0x23, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00,
                                   0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x99, 0x99, 0x99, 0x99};
    size_t n = reply(buf, sizeof buf, addr, di, data, sizeof data);
    assert_int_equal(ctask_dlt645_day_parse(buf, n, addr, di, 1, &freeze, on_value, &s), 1);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.nodata, 1);
    assert_int_equal(s.item[0], MH_ITEM_AE_EXP);
    assert_int_equal(s.v[0].m, 1234567);
    assert_int_equal(s.v[0].exp, -2);
    assert_int_equal(s.item[1], MH_OBIS_TARIFF(MH_ITEM_AE_EXP, 1));
    assert_int_equal(s.v[1].m, 100);
    assert_int_equal(s.item[2], MH_OBIS_TARIFF(MH_ITEM_AE_EXP, 2));
    assert_int_equal(s.v[2].m, 1);
    assert_int_equal(s.item[3], MH_OBIS_TARIFF(MH_ITEM_AE_EXP, 4));
    assert_int_equal(s.v[3].m, 99999999);
    /* Every cut of the reply is an error, never a value read past the end. */
    for (size_t k = 0; k < n; k++) {
        struct seen c = {0};
        assert_true(ctask_dlt645_day_parse(buf, k, addr, di, 1, &freeze, on_value, &c) < 0);
        assert_int_equal(c.n + c.nodata, 0);
    }
}

static void test_abnormal(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct mh_wr w;
    struct seen s = {0};
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(dlt645_enc_error(&w, addr, DLT645_READ, 0x02), 0);
    uint32_t di = ctask_dlt645_day_di(CTASK_645_IMPORT, 1);
    assert_int_equal(ctask_dlt645_day_parse(buf, mh_wr_len(&w), addr, di, 1, &freeze, on_value, &s), 0);
    assert_int_equal(s.nodata, 1);
    assert_int_equal(s.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_bytes),
        cmocka_unit_test(test_freeze_time),
        cmocka_unit_test(test_registers),
        cmocka_unit_test(test_abnormal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
