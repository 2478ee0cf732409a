/*
 * Q/GDW 1376.1 realtime task: the AFN0C request is byte-exact, a reply's
 * registers come out exact per pn and tariff with the terminal's read
 * time, and an Fn not asked for, a read time that is no time, or a unit
 * cut short is an error, not a value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collect_int.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "meterhub/proto/item.h"
#include "task_frame.h"

static const struct mh_tm read_at = {2026, 11, 24, 9, 45, 0, 0, 0, MH_TM_DATE | MH_TM_HM};

static void test_request_bytes(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    const uint16_t pn[] = {9, 16};
    assert_int_equal(ctask_gdw1376_realtime_request(&w, 0x0171, 0x0002, pn, 2,
                                                    &ctask_gdw1376_realtime_energy),
                     0);
    /*
     * 12 bytes of user data (12 * 4 + 2 = 0x32): C 4B, A 71 01 02 00 02, AFN 0C,
     * SEQ 60, DA 81 02 (p9, p16 of the second group), DT 05 10 (F129, F131).
     */
    uint8_t want[] = {0x68, 0x32, 0x00, 0x32, 0x00, 0x68, 0x4B, 0x71, 0x01, 0x02, 0x00,
                      0x02, 0x0C, 0x60, 0x81, 0x02, 0x05, 0x10, 0x00, 0x16};
    expect_frame(&w, want, sizeof want);
}

/* One unit of pn, fn: Td_c, M = 4, five A.14 values base + k (EE for k == ee). */
static size_t unit(uint8_t *p, uint16_t pn, uint16_t fn, const struct mh_tm *at, int64_t base,
                   int ee)
{
    struct mh_wr w;
    mh_wr_init(&w, p, 64);
    uint8_t h[4];
    gdw1376_da_encode(pn, &h[0], &h[1]);
    gdw1376_dt_encode(fn, &h[2], &h[3]);
    mh_wr_bytes(&w, h, 4);
    struct gdw1376_value v = {.kind = GDW1376_V_TIME, .time = *at};
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A15, &v, mh_wr_reserve(&w, 5), 5), 0);
    mh_wr_u8(&w, 4);
    for (int k = 0; k <= 4; k++) {
        uint8_t *q = mh_wr_reserve(&w, 5);
        if (k == ee) {
            memset(q, 0xEE, 5);
            continue;
        }
        struct gdw1376_value x = {.kind = GDW1376_V_NUM, .num = mh_dec_make(base + k, -4)};
        assert_int_equal(gdw1376_fmt_encode(GDW1376_A14, &x, q, 5), 0);
    }
    assert_int_equal(mh_wr_err(&w), 0);
    return mh_wr_len(&w);
}

struct got {
    int n, nodata;
    unsigned fi[32];
    uint16_t pn[32];
    uint32_t item[32];
    struct mh_tm at[32];
    struct mh_dec v[32];
};

static void on_value_at(void *ctx, uint16_t pn, unsigned fi, uint32_t item,
                        const struct mh_tm *at, const struct mh_dec *v)
{
    struct got *g = ctx;
    if (!v) {
        g->nodata++;
        return;
    }
    assert_true(g->n < 32);
    g->fi[g->n] = fi;
    g->pn[g->n] = pn;
    g->item[g->n] = item;
    g->at[g->n] = *at;
    g->v[g->n++] = *v;
}

static void test_reply_values_with_read_time(void **state)
{
    (void)state;
    uint8_t u[256];
    size_t n = unit(u, 9, 129, &read_at, 123456789, -1);
    n += unit(u + n, 16, 131, &read_at, 5000, 2);
    struct got g = {0};
    assert_int_equal(ctask_gdw1376_realtime_parse(u, n, &ctask_gdw1376_realtime_energy,
                                                  on_value_at, &g),
                     2);
    assert_int_equal(g.n, 9);
    assert_int_equal(g.nodata, 1);
    assert_int_equal(g.pn[0], 9);
    assert_int_equal(g.item[0], MH_ITEM_AE_IMP);
    assert_int_equal(mh_dec_cmp(g.v[0], mh_dec_make(123456789, -4)), 0);
    assert_int_equal(g.item[4], MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 4));
    assert_int_equal(g.at[0].hour, 9);
    assert_int_equal(g.at[0].min, 45);
    assert_int_equal(g.at[0].day, 24);
    assert_int_equal(g.pn[5], 16);
    assert_int_equal(g.item[5], MH_ITEM_AE_EXP);
    assert_int_equal(g.item[7], MH_OBIS_TARIFF(MH_ITEM_AE_EXP, 3)); /* tariff 2 was EE */
}

static void test_reply_errors(void **state)
{
    (void)state;
    uint8_t u[256];
    struct got g = {0};
    size_t n = unit(u, 1, 130, &read_at, 1, -1); /* F130 was not asked for */
    assert_int_equal(
        ctask_gdw1376_realtime_parse(u, n, &ctask_gdw1376_realtime_energy, on_value_at, &g),
        MH_EUNKNOWN);
    n = unit(u, 1, 129, &read_at, 1, -1);
    u[4 + 2] = 0x31; /* day 31 of November: no time */
    u[4 + 3] = 0x11;
    assert_true(
        ctask_gdw1376_realtime_parse(u, n, &ctask_gdw1376_realtime_energy, on_value_at, &g) < 0);
    assert_int_equal(g.n, 0);
    n = unit(u, 1, 129, &read_at, 1, -1);
    for (size_t len = 1; len < n; len++) {
        struct got h = {0};
        assert_true(ctask_gdw1376_realtime_parse(u, len, &ctask_gdw1376_realtime_energy,
                                                 on_value_at, &h) < 0);
    }
    assert_ptr_equal(ctask_realtime_for(ARCHIVE_KIND_CONCENTRATOR, ARCHIVE_PROTO_GDW1376),
                     &ctask_gdw1376_realtime_instant);
    assert_ptr_equal(ctask_realtime_for(ARCHIVE_KIND_DTU, ARCHIVE_PROTO_DLT645_2007),
                     &ctask_dlt645_realtime);
    assert_null(ctask_realtime_for(ARCHIVE_KIND_DTU, ARCHIVE_PROTO_DLT645_1997));
}

/* F25 and F129/F131 of two DT groups: one frame, one data unit per group. */
static void test_request_two_groups(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    const uint16_t pn[] = {1, 2, 3};
    assert_int_equal(ctask_gdw1376_realtime_request(&w, 0x0171, 0x0002, pn, 3,
                                                    &ctask_gdw1376_realtime_instant),
                     0);
    /*
     * 16 bytes of user data (16 * 4 + 2 = 0x42): C 4B, A 71 01 02 00 02, AFN 0C, SEQ 60,
     * DA 07 01 (p1..p3) DT 01 03 (F25), DA 07 01 DT 05 10 (F129, F131).
     */
    uint8_t want[] = {0x68, 0x42, 0x00, 0x42, 0x00, 0x68, 0x4B, 0x71, 0x01, 0x02, 0x00, 0x02,
                      0x0C, 0x60, 0x07, 0x01, 0x01, 0x03, 0x07, 0x01, 0x05, 0x10, 0x00, 0x16};
    expect_frame(&w, want, sizeof want);
}

/*
 * An F25 block laid out by hand from 5.12.2.4.20: Td_c, P PA PB PC, Q QA QB
 * QC (A.9), PF PFA PFB PFC (A.5), UA UB UC (A.7), IA IB IC IN (A.25), S SA
 * SB SC (A.9). Phases B and C "no data" (a single-phase meter); reactive
 * power negative (A.9's sign bit).
 */
static void test_reply_f25(void **state)
{
    (void)state;
    static const uint8_t u[] = {
        0x04, 0x01, 0x01, 0x03,                   /* p3, F25 */
        0x45, 0x09, 0x24, 0x11, 0x26,             /* 2026-11-24 09:45 */
        0x56, 0x34, 0x12, 0x56, 0x34, 0x12, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, /* P 12.3456 */
        0x00, 0x05, 0x80, 0x00, 0x05, 0x80, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, /* Q -0.0500 */
        0x65, 0x09, 0x65, 0x09, 0xEE, 0xEE, 0xEE, 0xEE, /* PF 96.5 % */
        0x05, 0x23, 0xEE, 0xEE, 0xEE, 0xEE,             /* UA 230.5 V */
        0x30, 0x12, 0x05, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0x30, 0x12, 0x05, /* IA IN 51.23 A */
        0x89, 0x45, 0x12, 0x89, 0x45, 0x12, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, /* S 12.4589 */
    };
    struct got g = {0};
    assert_int_equal(ctask_gdw1376_realtime_parse(u, sizeof u, &ctask_gdw1376_realtime_instant,
                                                  on_value_at, &g),
                     1);
    assert_int_equal(g.n, 11);
    assert_int_equal(g.nodata, 12);
    static const struct {
        uint32_t item;
        int64_t m;
        int exp;
    } want[] = {
        {MH_ITEM_P, 123456, -4},     {MH_ITEM_P_L1, 123456, -4}, {MH_ITEM_Q, -500, -4},
        {MH_ITEM_Q_L1, -500, -4},    {MH_ITEM_PF, 965, -3},      {MH_ITEM_PF_L1, 965, -3},
        {MH_ITEM_U_L1, 2305, -1},    {MH_ITEM_I_L1, 51230, -3},  {MH_ITEM_I_N, 51230, -3},
        {MH_ITEM_S, 124589, -4},     {MH_ITEM_S_L1, 124589, -4},
    };
    for (int i = 0; i < 11; i++) {
        assert_int_equal(g.fi[i], 0);
        assert_int_equal(g.pn[i], 3);
        assert_int_equal(g.at[i].min, 45);
        assert_int_equal(g.item[i], want[i].item);
        assert_int_equal(mh_dec_cmp(g.v[i], mh_dec_make(want[i].m, want[i].exp)), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_bytes),
        cmocka_unit_test(test_reply_values_with_read_time),
        cmocka_unit_test(test_reply_errors),
        cmocka_unit_test(test_request_two_groups),
        cmocka_unit_test(test_reply_f25),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
