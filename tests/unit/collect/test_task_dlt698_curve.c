/*
 * DL/T 698.45 curve task: the GET-Request Record of the minute freeze 5002
 * with Selector2 is byte-exact, and a reply's rows come out as values of
 * the right items at their point's index; rows off the 15-minute grid or
 * outside the day, and other replies, are refused. The curve of a meter
 * behind a concentrator, from its task data 6012 0300 by Selector7 and
 * the meter's TSA, likewise: request byte-exact, rows of the meter asked
 * mapped the same way, other meters' rows and uncollected points skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/dlt698_data.h"
#include "meterhub/proto/item.h"

static const struct mh_tm start = {2026, 11, 23, 0, 15, 0, 0, 0, MH_TM_FULL};

struct got {
    uint32_t item[128];
    unsigned index[128];
    struct mh_dec v[128];
    int n;
};

static void on_value(void *ctx, uint16_t pn, uint32_t item, unsigned index, const struct mh_dec *v)
{
    struct got *g = ctx;
    assert_int_equal(pn, 3);
    if (g->n < 128) {
        g->item[g->n] = item;
        g->index[g->n] = index;
        g->v[g->n] = *v;
    }
    g->n++;
}

static void test_request(void **state)
{
    (void)state;
    uint8_t buf[256], sa[6];
    struct mh_wr w;
    ctask_dlt698_addr("200000000177", sa);
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt698_curve_request(&w, sa, &start), 0);
    struct dlt698_frame f;
    assert_int_equal(dlt698_frame_parse(buf, mh_wr_len(&w), &f), 0);
    static const uint8_t want[] = {
        0x05, 0x03, 0x00, 0x50, 0x02, 0x02, 0x00,             /* GET Record 5002 0200 */
        0x02, 0x20, 0x21, 0x02, 0x00,                         /* Selector2 on 2021 0200 */
        0x1C, 0x07, 0xEA, 0x0B, 0x17, 0x00, 0x0F, 0x00,       /* from 2026-11-23 00:15 */
        0x1C, 0x07, 0xEA, 0x0B, 0x18, 0x00, 0x0F, 0x00,       /* to 2026-11-24 00:15 */
        0x54, 0x01, 0x00, 0x0F,                               /* every 15 minutes */
        0x06, 0x00, 0x20, 0x21, 0x02, 0x00, 0x00, 0x00, 0x10, 0x02, 0x00, 0x00, 0x00, 0x20,
        0x02, 0x00, 0x00, 0x20, 0x04, 0x02, 0x00, 0x00, 0x20, 0x00, 0x02, 0x00, 0x00, 0x20,
        0x01, 0x02, 0x00, 0x00,
    };
    assert_int_equal(f.apdu_len, sizeof want);
    assert_memory_equal(f.apdu, want, sizeof want);
}

/* A reply of rows at the given minutes after 00:00 of 2026-11-23. */
static size_t reply(uint8_t *apdu, size_t cap, const int *minutes, size_t n)
{
    static uint8_t rows[2048], rcsd[64];
    struct mh_wr r, c, w;
    mh_wr_init(&c, rcsd, sizeof rcsd);
    static const uint32_t cols[] = {0x20210200u, 0x00100200u, 0x00200200u,
                                    0x20040200u, 0x20000200u, 0x20010200u};
    mh_wr_u8(&c, 6);
    for (int i = 0; i < 6; i++) {
        mh_wr_u8(&c, 0);
        mh_wr_u32be(&c, cols[i]);
    }
    mh_wr_init(&r, rows, sizeof rows);
    for (size_t k = 0; k < n; k++) {
        mh_wr_u8(&r, DLT698_DATETIME_S);
        mh_wr_u16be(&r, 2026);
        mh_wr_u8(&r, 11);
        mh_wr_u8(&r, minutes[k] >= 1440 ? 24 : 23);
        mh_wr_u8(&r, (uint8_t)(minutes[k] % 1440 / 60));
        mh_wr_u8(&r, (uint8_t)(minutes[k] % 60));
        mh_wr_u8(&r, 0);
        dlt698_put_array(&r, 1);
        dlt698_put_u32(&r, 100000 + (uint32_t)k);
        dlt698_put_null(&r);
        dlt698_put_array(&r, 4);
        for (int i = 0; i < 4; i++)
            dlt698_put_i32(&r, 1000 + i);
        dlt698_put_array(&r, 3);
        for (int i = 0; i < 3; i++)
            dlt698_put_u16(&r, 2200);
        dlt698_put_array(&r, 3);
        for (int i = 0; i < 3; i++)
            dlt698_put_i32(&r, 1500);
    }
    struct dlt698_result_record rec = {0x50020200u, {rcsd, mh_wr_len(&c)}, 6, 0, (uint32_t)n,
                                       {rows, mh_wr_len(&r)}};
    mh_wr_init(&w, apdu, cap);
    assert_int_equal(dlt698_enc_get_response_record(&w, 0, &rec, NULL), 0);
    return mh_wr_len(&w);
}

static int find(const struct got *g, uint32_t item, unsigned index)
{
    for (int i = 0; i < g->n && i < 128; i++)
        if (g->item[i] == item && g->index[i] == index)
            return i;
    return -1;
}

static void test_parse(void **state)
{
    (void)state;
    uint8_t apdu[2048];
    const int minutes[] = {15, 30, 1440};
    size_t n = reply(apdu, sizeof apdu, minutes, 3);
    struct got g = {0};
    assert_int_equal(ctask_dlt698_curve_parse(apdu, n, 3, &start, on_value, &g), 3);
    int i = find(&g, MH_ITEM_AE_IMP, 95); /* 24:00 is the 96th point */
    assert_true(i >= 0);
    assert_int_equal(mh_dec_cmp(g.v[i], mh_dec_make(100002, -2)), 0);
    assert_true(find(&g, MH_ITEM_AE_EXP, 0) < 0); /* null: no value */
    i = find(&g, MH_ITEM_P_L3, 1);
    assert_true(i >= 0);
    assert_int_equal(mh_dec_cmp(g.v[i], mh_dec_make(1003, -4)), 0);
    assert_true(find(&g, MH_ITEM_U_L2, 0) >= 0);
    assert_true(find(&g, MH_ITEM_I_L1, 0) >= 0);
    /* Off the grid, and before the first point: refused. */
    const int off[] = {20};
    n = reply(apdu, sizeof apdu, off, 1);
    assert_int_equal(ctask_dlt698_curve_parse(apdu, n, 3, &start, on_value, &g), MH_EPROTO);
    const int early[] = {0};
    n = reply(apdu, sizeof apdu, early, 1);
    assert_int_equal(ctask_dlt698_curve_parse(apdu, n, 3, &start, on_value, &g), MH_EPROTO);
    /* Cut replies are errors, never reads past the end. */
    n = reply(apdu, sizeof apdu, minutes, 3);
    for (size_t k = 0; k + 2 < n; k++)
        assert_true(ctask_dlt698_curve_parse(apdu, k, 3, &start, on_value, &g) < 0);
}

static void test_meter_request(void **state)
{
    (void)state;
    uint8_t buf[256], sa[6];
    struct mh_wr w;
    ctask_dlt698_addr("200000000177", sa);
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt698_meter_curve_request(&w, sa, &start, 123456789012ull), 0);
    struct dlt698_frame f;
    assert_int_equal(dlt698_frame_parse(buf, mh_wr_len(&w), &f), 0);
    static const uint8_t want[] = {
        0x05, 0x03, 0x00, 0x60, 0x12, 0x03, 0x00,       /* GET Record 6012 0300 */
        0x07,                                           /* Selector7: store time */
        0x07, 0xEA, 0x0B, 0x17, 0x00, 0x0F, 0x00,       /* from 2026-11-23 00:15 (untyped) */
        0x07, 0xEA, 0x0B, 0x18, 0x00, 0x0F, 0x00,       /* to 2026-11-24 00:15 */
        0x01, 0x00, 0x0F,                               /* TI 15 minutes */
        0x03, 0x01, 0x07, 0x05, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, /* MS: one TSA */
        0x03,                                           /* RCSD: three columns */
        0x00, 0x20, 0x2A, 0x02, 0x00,                   /* the meter */
        0x00, 0x60, 0x42, 0x02, 0x00,                   /* store time */
        0x01, 0x50, 0x02, 0x02, 0x00, 0x06,             /* ROAD 5002 0200: */
        0x20, 0x21, 0x02, 0x00, 0x00, 0x10, 0x02, 0x00, 0x00, 0x20, 0x02, 0x00,
        0x20, 0x04, 0x02, 0x00, 0x20, 0x00, 0x02, 0x00, 0x20, 0x01, 0x02, 0x00,
        0x00,                                           /* no time tag */
    };
    assert_int_equal(f.apdu_len, sizeof want);
    assert_memory_equal(f.apdu, want, sizeof want);
}

/* A task data reply: rows of (meter, minute after 00:00 of 2026-11-23 or -1: not collected). */
static size_t task_reply(uint8_t *apdu, size_t cap, const uint64_t *meter, const int *minutes,
                         size_t n)
{
    static uint8_t rows[4096];
    static const uint8_t rcsd[] = {0x03, 0x00, 0x20, 0x2A, 0x02, 0x00, 0x00, 0x60, 0x42, 0x02,
                                   0x00, 0x01, 0x50, 0x02, 0x02, 0x00, 0x06, 0x20, 0x21, 0x02,
                                   0x00, 0x00, 0x10, 0x02, 0x00, 0x00, 0x20, 0x02, 0x00, 0x20,
                                   0x04, 0x02, 0x00, 0x20, 0x00, 0x02, 0x00, 0x20, 0x01, 0x02,
                                   0x00};
    struct mh_wr r, w;
    mh_wr_init(&r, rows, sizeof rows);
    for (size_t k = 0; k < n; k++) {
        mh_wr_u8(&r, DLT698_TSA);
        ctask_dlt698_put_tsa(&r, meter[k]);
        int m = minutes[k] < 0 ? 15 : minutes[k];
        struct mh_tm t = {2026, 11, (uint8_t)(m >= 1440 ? 24 : 23), (uint8_t)(m % 1440 / 60),
                          (uint8_t)(m % 60), 0, 0, 0, MH_TM_FULL};
        ctask_dlt698_put_datetime_s(&r, &t);
        if (minutes[k] < 0) {
            dlt698_put_null(&r);
            continue;
        }
        dlt698_put_array(&r, 6);
        ctask_dlt698_put_datetime_s(&r, &t);
        dlt698_put_array(&r, 1);
        dlt698_put_u32(&r, 200000 + (uint32_t)k);
        dlt698_put_array(&r, 1);
        dlt698_put_u32(&r, 300);
        dlt698_put_array(&r, 4);
        for (int i = 0; i < 4; i++)
            dlt698_put_i32(&r, -2000 - i); /* exporting */
        dlt698_put_array(&r, 3);
        for (int i = 0; i < 3; i++)
            dlt698_put_u16(&r, 2310);
        dlt698_put_array(&r, 3);
        for (int i = 0; i < 3; i++)
            dlt698_put_i32(&r, 800);
    }
    assert_int_equal(mh_wr_err(&r), 0);
    struct dlt698_result_record rec = {0x60120300u, {rcsd, sizeof rcsd}, 3, 0, (uint32_t)n,
                                       {rows, mh_wr_len(&r)}};
    mh_wr_init(&w, apdu, cap);
    assert_int_equal(dlt698_enc_get_response_record(&w, 0, &rec, NULL), 0);
    return mh_wr_len(&w);
}

static void test_meter_parse(void **state)
{
    (void)state;
    uint8_t apdu[4096];
    const uint64_t meter[] = {123456789012ull, 111111111111ull, 123456789012ull, 123456789012ull};
    const int minutes[] = {15, 30, -1, 1440};
    size_t n = task_reply(apdu, sizeof apdu, meter, minutes, 4);
    struct got g = {0};
    /* The meter asked: its two collected points; the other meter's row is not its. */
    assert_int_equal(ctask_dlt698_meter_curve_parse(apdu, n, 123456789012ull, 3, &start, on_value,
                                                    &g),
                     2);
    int i = find(&g, MH_ITEM_AE_IMP, 0);
    assert_true(i >= 0);
    assert_int_equal(mh_dec_cmp(g.v[i], mh_dec_make(200000, -2)), 0);
    i = find(&g, MH_ITEM_AE_IMP, 95);
    assert_true(i >= 0);
    assert_int_equal(mh_dec_cmp(g.v[i], mh_dec_make(200003, -2)), 0);
    i = find(&g, MH_ITEM_P, 95);
    assert_true(i >= 0);
    assert_int_equal(mh_dec_cmp(g.v[i], mh_dec_make(-2000, -4)), 0);
    i = find(&g, MH_ITEM_U_L3, 0);
    assert_true(i >= 0);
    assert_int_equal(mh_dec_cmp(g.v[i], mh_dec_make(2310, -1)), 0);
    assert_true(find(&g, MH_ITEM_AE_IMP, 1) < 0); /* 00:30 was the other meter's */
    assert_int_equal(g.n, 2 * (2 + 4 + 3 + 3));
    /* A meter without rows: none taken. */
    struct got none = {0};
    assert_int_equal(ctask_dlt698_meter_curve_parse(apdu, n, 222222222222ull, 3, &start, on_value,
                                                    &none),
                     0);
    assert_int_equal(none.n, 0);
    /* The own meter's curve reply is not task data, nor the other way round. */
    size_t own = reply(apdu, sizeof apdu, minutes, 2);
    assert_int_equal(ctask_dlt698_meter_curve_parse(apdu, own, 123456789012ull, 3, &start,
                                                    on_value, &none),
                     MH_EPROTO);
    n = task_reply(apdu, sizeof apdu, meter, minutes, 4);
    assert_int_equal(ctask_dlt698_curve_parse(apdu, n, 3, &start, on_value, &none), MH_EPROTO);
    /* A point off the grid: refused. */
    const int off[] = {20};
    n = task_reply(apdu, sizeof apdu, meter, off, 1);
    assert_int_equal(ctask_dlt698_meter_curve_parse(apdu, n, 123456789012ull, 3, &start, on_value,
                                                    &none),
                     MH_EPROTO);
    /* Cut replies are errors, never reads past the end. */
    n = task_reply(apdu, sizeof apdu, meter, minutes, 4);
    for (size_t k = 0; k + 2 < n; k++)
        assert_true(ctask_dlt698_meter_curve_parse(apdu, k, 123456789012ull, 3, &start,
                                                   on_value, &none) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_meter_request),
        cmocka_unit_test(test_meter_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
