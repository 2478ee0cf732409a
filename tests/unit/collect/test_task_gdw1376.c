/*
 * Q/GDW 1376.1 daily frozen task: the request is byte-exact, a reply's
 * registers come out exact per pn and tariff, "no data" is told apart, and
 * a unit frozen on another day or cut short is an error, not a value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "meterhub/proto/item.h"

static const struct mh_tm day = {2026, 11, 23, 0, 0, 0, 0, 0, MH_TM_DATE};

static void test_request_bytes(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    const uint16_t pn[] = {1, 2, 3};
    assert_int_equal(ctask_gdw1376_frozen_request(&w, 0x0171, 0x0002, pn, 3, &ctask_gdw1376_day, &day), 0);
    /*
     * 68 L L 68, C 4B (PRM, function 11), A 71 01 02 00 02 (MSA 1), AFN 0D,
     * SEQ 60 (FIR FIN), DA 07 01 (p1..p3), DT 05 14 (F161, F163), Td_d 23 11 26.
     */
    static const uint8_t want[] = {0x68, 0x3E, 0x00, 0x3E, 0x00, 0x68, 0x4B, 0x71, 0x01,
                                   0x02, 0x00, 0x02, 0x0D, 0x60, 0x07, 0x01, 0x05, 0x14,
                                   0x23, 0x11, 0x26, 0xA9, 0x16};
    assert_int_equal(mh_wr_len(&w), sizeof want);
    assert_memory_equal(buf, want, sizeof want);
}

static void test_month_request_bytes(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    const uint16_t pn[] = {1};
    const struct mh_tm oct = {2026, 10, 1, 0, 0, 0, 0, 0, MH_TM_DATE};
    assert_int_equal(
        ctask_gdw1376_frozen_request(&w, 0x0171, 0x0002, pn, 1, &ctask_gdw1376_month, &oct), 0);
    /* DA 01 01 (p1), DT 05 16 (F177, F179), Td_m 10 26 (A.21). */
    static const uint8_t want[] = {0x68, 0x3A, 0x00, 0x3A, 0x00, 0x68, 0x4B, 0x71, 0x01,
                                   0x02, 0x00, 0x02, 0x0D, 0x60, 0x01, 0x01, 0x05, 0x16,
                                   0x10, 0x26, 0x81, 0x16};
    assert_int_equal(mh_wr_len(&w), sizeof want);
    assert_memory_equal(buf, want, sizeof want);
}

static void test_request_rejects_two_groups(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    const uint16_t pn[] = {8, 9};
    assert_int_equal(ctask_gdw1376_frozen_request(&w, 0x0171, 2, pn, 2, &ctask_gdw1376_day, &day), MH_EINVAL);
}

/* One reply unit of pn, fn: Td_d, reading time, M = 4, five A.14 values (or EE). */
static size_t unit(uint8_t *p, uint16_t pn, uint16_t fn, const struct mh_tm *d, int64_t base,
                   int nodata)
{
    struct mh_wr w;
    mh_wr_init(&w, p, 64);
    uint8_t h[4];
    gdw1376_da_encode(pn, &h[0], &h[1]);
    gdw1376_dt_encode(fn, &h[2], &h[3]);
    mh_wr_bytes(&w, h, 4);
    struct gdw1376_value v = {.kind = GDW1376_V_TIME, .time = *d};
    gdw1376_fmt_encode(GDW1376_A20, &v, mh_wr_reserve(&w, 3), 3);
    v.time.hour = 0;
    v.time.min = 5;
    v.time.has = MH_TM_DATE | MH_TM_HM;
    gdw1376_fmt_encode(GDW1376_A15, &v, mh_wr_reserve(&w, 5), 5);
    mh_wr_u8(&w, 4);
    for (int t = 0; t < 5; t++) {
        struct gdw1376_value x = {.kind = nodata ? GDW1376_V_NODATA : GDW1376_V_NUM,
                                  .num = mh_dec_make(base + t, -4)};
        gdw1376_fmt_encode(GDW1376_A14, &x, mh_wr_reserve(&w, 5), 5);
    }
    assert_int_equal(mh_wr_err(&w), 0);
    return mh_wr_len(&w);
}

struct seen {
    int n, nodata;
    uint16_t pn[32];
    uint32_t item[32];
    struct mh_dec v[32];
};

static void on_value(void *ctx, uint16_t pn, uint32_t item, const struct mh_dec *v)
{
    struct seen *s = ctx;
    if (!v) {
        s->nodata++;
        return;
    }
    s->pn[s->n] = pn;
    s->item[s->n] = item;
    s->v[s->n++] = *v;
}

static void test_parse_values(void **state)
{
    (void)state;
    uint8_t units[256];
    size_t n = unit(units, 1, 161, &day, 1234567890, 0);
    n += unit(units + n, 2, 163, &day, 42, 0);
    n += unit(units + n, 3, 161, &day, 0, 1);
    struct seen s = {0};
    assert_int_equal(ctask_gdw1376_frozen_parse(units, n, &ctask_gdw1376_day, &day, on_value, &s), 3);
    assert_int_equal(s.n, 10);
    assert_int_equal(s.nodata, 5);
    assert_int_equal(s.pn[0], 1);
    assert_int_equal(s.item[0], MH_ITEM_AE_IMP);
    assert_int_equal(s.v[0].m, 1234567890);
    assert_int_equal(s.v[0].exp, -4);
    assert_int_equal(s.item[4], MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 4));
    assert_int_equal(s.v[4].m, 1234567894);
    assert_int_equal(s.pn[5], 2);
    assert_int_equal(s.item[5], MH_ITEM_AE_EXP);
    assert_int_equal(s.v[5].m, 42);
}

static void test_parse_other_day_is_stale(void **state)
{
    (void)state;
    uint8_t units[64];
    struct mh_tm other = day;
    other.day = 22;
    size_t n = unit(units, 1, 161, &other, 1, 0);
    struct seen s = {0};
    assert_int_equal(ctask_gdw1376_frozen_parse(units, n, &ctask_gdw1376_day, &day, on_value, &s), MH_ESTALE);
    assert_int_equal(s.n, 0);
}

static void test_parse_truncated(void **state)
{
    (void)state;
    uint8_t units[64];
    size_t n = unit(units, 1, 161, &day, 1, 0);
    for (size_t cut = 1; cut < n; cut++) {
        struct seen s = {0};
        int rc = ctask_gdw1376_frozen_parse(units, cut, &ctask_gdw1376_day, &day, on_value, &s);
        assert_true(rc < 0);
        assert_int_equal(s.n, 0);
    }
}

static void test_parse_unknown_fn(void **state)
{
    (void)state;
    uint8_t units[64];
    size_t n = unit(units, 1, 161, &day, 1, 0);
    gdw1376_dt_encode(200, &units[2], &units[3]);
    struct seen s = {0};
    assert_int_equal(ctask_gdw1376_frozen_parse(units, n, &ctask_gdw1376_day, &day, on_value, &s), MH_EUNKNOWN);
}

static void test_clock_read_bytes(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_gdw1376_clock_read(&w, 0x0171, 0x0002), 0);
    /* AFN0C, SEQ 60, p0 (00 00), F2 (02 00). */
    static const uint8_t want[] = {0x68, 0x32, 0x00, 0x32, 0x00, 0x68, 0x4B, 0x71, 0x01, 0x02,
                                   0x00, 0x02, 0x0C, 0x60, 0x00, 0x00, 0x02, 0x00, 0x2F, 0x16};
    assert_int_equal(mh_wr_len(&w), sizeof want);
    assert_memory_equal(buf, want, sizeof want);
}

static void test_clock_set_and_parse(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    struct mh_tm now;
    mh_tm_from_epoch(1795520096, &now); /* 2026-11-24, local */
    assert_int_equal(ctask_gdw1376_clock_set(&w, 0x0171, 0x0002, &now), 0);
    struct gdw1376_frame f;
    assert_int_equal(gdw1376_frame_parse(buf, mh_wr_len(&w), 16, &f), 0);
    assert_int_equal(f.afn, GDW1376_AFN_CONTROL);
    assert_non_null(f.pw);
    struct gdw1376_ctrl c[2];
    assert_int_equal(gdw1376_ctrl_parse(f.units, f.units_len, c, 2), 1);
    assert_int_equal(c[0].fn, 31);
    assert_int_equal(c[0].u.clock.day, 24);
    assert_int_equal(c[0].u.clock.hour, now.hour);
    assert_int_equal(c[0].u.clock.sec, now.sec);

    /* The F2 reply's units carry the same A.1 layout as F31's data. */
    uint8_t units[10] = {0x00, 0x00, 0x02, 0x00};
    memcpy(units + 4, f.units + 4, 6);
    struct mh_tm got;
    assert_int_equal(ctask_gdw1376_clock_parse(units, sizeof units, &got), 0);
    assert_int_equal(got.year, now.year);
    assert_int_equal(got.min, now.min);
    assert_int_equal(ctask_gdw1376_clock_parse(units, 7, &got), MH_ETRUNC);
    units[2] = 0x01; /* F1 is not the clock */
    assert_int_equal(ctask_gdw1376_clock_parse(units, sizeof units, &got), MH_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_bytes),
        cmocka_unit_test(test_month_request_bytes),
        cmocka_unit_test(test_request_rejects_two_groups),
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_other_day_is_stale),
        cmocka_unit_test(test_parse_truncated),
        cmocka_unit_test(test_parse_unknown_fn),
        cmocka_unit_test(test_clock_read_bytes),
        cmocka_unit_test(test_clock_set_and_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
