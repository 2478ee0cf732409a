/*
 * Q/GDW 1376.1 15-minute curve task: the request is byte-exact (Td_c:
 * first point, density, points), a reply's points come out exact with
 * their index per pn and Fn, an EE point is told apart, and a curve of
 * another start or density, an Fn not asked for, more points than asked
 * or a unit cut short is an error, not a value.
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

static const struct mh_tm start = {2026, 11, 23, 0, 15, 0, 0, 0, MH_TM_DATE | MH_TM_HM};

static void test_request_bytes(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    const uint16_t pn[] = {1, 2};
    assert_int_equal(ctask_gdw1376_curve_request(&w, 0x0171, 0x0002, pn, 2,
                                                 &ctask_gdw1376_curve_incr, &start, 1, 96),
                     0);
    /*
     * 68 L L 68 (19 bytes of user data: 19 * 4 + 2), C 4B, A 71 01 02 00 02,
     * AFN 0D, SEQ 60, DA 03 01 (p1, p2), DT 05 0C (F97, F99), Td_c: A.15
     * 00:15 on 23 Nov 26 = 15 00 23 11 26, density 01 (15 min), points 60 (96).
     */
    uint8_t want[] = {0x68, 0x4E, 0x00, 0x4E, 0x00, 0x68, 0x4B, 0x71, 0x01, 0x02, 0x00, 0x02,
                      0x0D, 0x60, 0x03, 0x01, 0x05, 0x0C, 0x15, 0x00, 0x23, 0x11, 0x26, 0x01,
                      0x60, 0x00, 0x16};
    expect_frame(&w, want, sizeof want);
    /* Pn of two groups of eight cannot share a DA. */
    const uint16_t two[] = {8, 9};
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_gdw1376_curve_request(&w, 0x0171, 2, two, 2, &ctask_gdw1376_curve_incr,
                                                 &start, 1, 96),
                     MH_EINVAL);
}

/* One unit of pn, fn: Td_c (first point t, density, n), then n A.13 points i * 1.0001 kWh (EE at ee). */
static size_t unit(uint8_t *p, size_t cap, uint16_t pn, uint16_t fn, const struct mh_tm *t,
                   uint8_t density, uint8_t n, int ee)
{
    struct mh_wr w;
    mh_wr_init(&w, p, cap);
    uint8_t h[4];
    gdw1376_da_encode(pn, &h[0], &h[1]);
    gdw1376_dt_encode(fn, &h[2], &h[3]);
    mh_wr_bytes(&w, h, 4);
    struct gdw1376_value v = {.kind = GDW1376_V_TIME, .time = *t};
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A15, &v, mh_wr_reserve(&w, 5), 5), 0);
    mh_wr_u8(&w, density);
    mh_wr_u8(&w, n);
    for (int i = 0; i < n; i++) {
        uint8_t *q = mh_wr_reserve(&w, 4);
        if (i == ee) {
            memset(q, 0xEE, 4);
            continue;
        }
        struct gdw1376_value x = {.kind = GDW1376_V_NUM, .num = mh_dec_make(10001LL * i, -4)};
        assert_int_equal(gdw1376_fmt_encode(GDW1376_A13, &x, q, 4), 0);
    }
    assert_int_equal(mh_wr_err(&w), 0);
    return mh_wr_len(&w);
}

struct pts {
    int n, nodata;
    unsigned fi[256], index[256];
    uint16_t pn[256];
    uint32_t item[256];
    struct mh_dec v[256];
};

static void on_point(void *ctx, uint16_t pn, unsigned fi, uint32_t item, unsigned index,
                     const struct mh_dec *v)
{
    struct pts *s = ctx;
    if (!v) {
        s->nodata++;
        return;
    }
    assert_true(s->n < 256);
    s->pn[s->n] = pn;
    s->fi[s->n] = fi;
    s->item[s->n] = item;
    s->index[s->n] = index;
    s->v[s->n++] = *v;
}

static void test_reply_points_per_pn_and_fn(void **state)
{
    (void)state;
    static uint8_t u[2048];
    size_t n = unit(u, sizeof u, 1, 97, &start, 1, 96, -1);
    n += unit(u + n, sizeof u - n, 2, 99, &start, 1, 96, 5);
    struct pts s = {0};
    assert_int_equal(ctask_gdw1376_curve_parse(u, n, &ctask_gdw1376_curve_incr, &start, 1, 96,
                                               on_point, &s),
                     2);
    assert_int_equal(s.n, 96 + 95);
    assert_int_equal(s.nodata, 1);
    /* pn 1 F97: import increments, index 0..95, exact to four decimals */
    assert_int_equal(s.pn[0], 1);
    assert_int_equal(s.fi[0], 0);
    assert_int_equal(s.item[0], MH_ITEM_AE_IMP_INC);
    assert_int_equal(s.index[95], 95);
    assert_int_equal(mh_dec_cmp(s.v[95], mh_dec_make(10001LL * 95, -4)), 0);
    assert_int_equal(s.v[95].exp, -4);
    /* pn 2 F99: export increments; point 5 was EE, so index 6 follows index 4 */
    assert_int_equal(s.pn[96], 2);
    assert_int_equal(s.fi[96], 1);
    assert_int_equal(s.item[96], MH_ITEM_AE_EXP_INC);
    assert_int_equal(s.index[100], 4);
    assert_int_equal(s.index[101], 6);
    assert_int_equal(mh_dec_cmp(s.v[101], mh_dec_make(60006, -4)), 0);
}

static void test_reply_of_another_curve_is_stale(void **state)
{
    (void)state;
    static uint8_t u[1024];
    struct pts s = {0};
    struct mh_tm other = start;
    other.min = 0; /* a curve from 00:00: another curve than asked for */
    size_t n = unit(u, sizeof u, 1, 97, &other, 1, 4, -1);
    assert_int_equal(ctask_gdw1376_curve_parse(u, n, &ctask_gdw1376_curve_incr, &start, 1, 96,
                                               on_point, &s),
                     MH_ESTALE);
    n = unit(u, sizeof u, 1, 97, &start, 2, 4, -1); /* 30-minute density */
    assert_int_equal(ctask_gdw1376_curve_parse(u, n, &ctask_gdw1376_curve_incr, &start, 1, 96,
                                               on_point, &s),
                     MH_ESTALE);
    assert_int_equal(s.n, 0);
    /* More points than asked for. */
    n = unit(u, sizeof u, 1, 97, &start, 1, 5, -1);
    assert_int_equal(ctask_gdw1376_curve_parse(u, n, &ctask_gdw1376_curve_incr, &start, 1, 4,
                                               on_point, &s),
                     MH_EPROTO);
    /* F98 (reactive increments) was not asked for: its unit is refused. */
    n = unit(u, sizeof u, 1, 98, &start, 1, 4, -1);
    assert_int_equal(ctask_gdw1376_curve_parse(u, n, &ctask_gdw1376_curve_incr, &start, 1, 96,
                                               on_point, &s),
                     MH_EUNKNOWN);
    /* A daily frozen Fn is not a curve. */
    struct ctask_kind k = ctask_gdw1376_curve_incr;
    k.fns[0] = 161;
    n = unit(u, sizeof u, 1, 161, &start, 1, 4, -1);
    assert_int_equal(ctask_gdw1376_curve_parse(u, n, &k, &start, 1, 96, on_point, &s), MH_EUNKNOWN);
}

static void test_every_truncation_is_an_error(void **state)
{
    (void)state;
    static uint8_t u[1024];
    size_t n = unit(u, sizeof u, 1, 97, &start, 1, 8, -1);
    for (size_t len = 1; len < n; len++) {
        struct pts s = {0};
        int rc = ctask_gdw1376_curve_parse(u, len, &ctask_gdw1376_curve_incr, &start, 1, 96,
                                           on_point, &s);
        assert_true(rc < 0);
        assert_true(s.n < 8);
    }
    struct pts s = {0};
    assert_int_equal(ctask_gdw1376_curve_parse(u, 0, &ctask_gdw1376_curve_incr, &start, 1, 96,
                                               on_point, &s),
                     0);
}

static void test_terminal_kinds_get_curve_tasks(void **state)
{
    (void)state;
    static const unsigned kinds[] = {ARCHIVE_KIND_CONCENTRATOR, ARCHIVE_KIND_SPECIAL_TRANSFORMER,
                                     ARCHIVE_KIND_TRANSFORMER_MONITOR};
    for (size_t n = 0; n < sizeof kinds / sizeof kinds[0]; n++) {
        /* Energy and power for every point first (the day's status), then the phase curves. */
        assert_ptr_equal(ctask_curve_for(kinds[n], ARCHIVE_PROTO_GDW1376, 0),
                         &ctask_gdw1376_curve_power);
        assert_ptr_equal(ctask_curve_for(kinds[n], ARCHIVE_PROTO_GDW1376, 1),
                         &ctask_gdw1376_curve_phase_p);
        assert_ptr_equal(ctask_curve_for(kinds[n], ARCHIVE_PROTO_GDW1376, 2),
                         &ctask_gdw1376_curve_voltage);
        assert_ptr_equal(ctask_curve_for(kinds[n], ARCHIVE_PROTO_GDW1376, 3),
                         &ctask_gdw1376_curve_current);
        assert_ptr_equal(ctask_curve_for(kinds[n], ARCHIVE_PROTO_GDW1376, 4),
                         &ctask_gdw1376_curve_reactive);
        assert_ptr_equal(ctask_curve_for(kinds[n], ARCHIVE_PROTO_GDW1376, 5),
                         &ctask_gdw1376_curve_reactive_c_neutral);
        assert_null(ctask_curve_for(kinds[n], ARCHIVE_PROTO_GDW1376, CCURVE_TASKS_MAX));
    }
    /* A 698.45 terminal: its own meter's minute freeze, one task. */
    assert_ptr_equal(ctask_curve_for(ARCHIVE_KIND_CONCENTRATOR, ARCHIVE_PROTO_DLT698, 0),
                     &ctask_dlt698_curve);
    assert_null(ctask_curve_for(ARCHIVE_KIND_CONCENTRATOR, ARCHIVE_PROTO_DLT698, 1));
    /* A DTU: its DL/T 645 meter's load records, one task. */
    assert_ptr_equal(ctask_curve_for(ARCHIVE_KIND_DTU, ARCHIVE_PROTO_DLT645_2007, 0), &ctask_dlt645_curve);
    assert_null(ctask_curve_for(ARCHIVE_KIND_DTU, ARCHIVE_PROTO_DLT645_2007, 1));
    /* Every configured task's Fn are curves; at most three (eight points' curves fit a reply). */
    for (unsigned t = 0; t < CCURVE_TASKS_MAX; t++) {
        const struct ctask_kind *k = ctask_curve_for(ARCHIVE_KIND_CONCENTRATOR,
                                                     ARCHIVE_PROTO_GDW1376, t);
        assert_true(k->n_fns <= 3);
        assert_int_equal(k->three_phase, t > 0);
        assert_int_equal(k->secondary, t > 0);
        for (unsigned i = 0; i < k->n_fns; i++) {
            const struct gdw1376_fn_def *d = gdw1376_fn_lookup(GDW1376_AFN_CLASS2, k->fns[i]);
            assert_non_null(d);
            assert_int_equal(d->request_label, GDW1376_A15);
        }
    }
}

/* F81 (DT group 11) and F97/F99 (group 13): one frame, a unit per group, each with Td_c. */
static void test_request_two_groups(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    const uint16_t pn[] = {1};
    static const struct ctask_kind both = {STORE_CLASS_CURVE, {81, 97, 99}, 3, GDW1376_A15, 0, 0, 0};
    assert_int_equal(ctask_gdw1376_curve_request(&w, 0x0171, 0x0002, pn, 1, &both, &start, 1, 96),
                     0);
    /* The plan's task: F97/F99 then F81, units in the order of each group's first Fn. */
    uint8_t plan[64];
    struct mh_wr pw;
    mh_wr_init(&pw, plan, sizeof plan);
    assert_int_equal(ctask_gdw1376_curve_request(&pw, 0x0171, 0x0002, pn, 1,
                                                 &ctask_gdw1376_curve_power, &start, 1, 96),
                     0);
    assert_int_equal(mh_wr_len(&pw), mh_wr_len(&w));
    assert_memory_equal(plan + 14 + 2, "\x05\x0C", 2); /* DT F97, F99 first */
    assert_memory_equal(plan + 14 + 11 + 2, "\x01\x0A", 2); /* then F81 */
    /*
     * 30 bytes of user data (30 * 4 + 2 = 0x7A): C 4B, A 71 01 02 00 02, AFN 0D, SEQ 60,
     * DA 01 01 (p1) DT 01 0A (F81) Td_c 15 00 23 11 26 01 60,
     * DA 01 01 DT 05 0C (F97, F99) Td_c again.
     */
    uint8_t want[] = {0x68, 0x7A, 0x00, 0x7A, 0x00, 0x68, 0x4B, 0x71, 0x01, 0x02, 0x00, 0x02,
                      0x0D, 0x60, 0x01, 0x01, 0x01, 0x0A, 0x15, 0x00, 0x23, 0x11, 0x26, 0x01,
                      0x60, 0x01, 0x01, 0x05, 0x0C, 0x15, 0x00, 0x23, 0x11, 0x26, 0x01, 0x60,
                      0x00, 0x16};
    expect_frame(&w, want, sizeof want);
}

/* A voltage curve's points (A.7) come out as U_L1..3 with their Fn index. */
static void test_reply_voltage_curve(void **state)
{
    (void)state;
    /* p2 F90 (DT 02 0B: F90 is bit 1 of group 12), Td_c, two points 230.5 V and EE */
    static const uint8_t u[] = {0x02, 0x01, 0x02, 0x0B, 0x15, 0x00, 0x23, 0x11, 0x26,
                                0x01, 0x02, 0x05, 0x23, 0xEE, 0xEE};
    struct pts s = {0};
    assert_int_equal(ctask_gdw1376_curve_parse(u, sizeof u, &ctask_gdw1376_curve_voltage, &start,
                                               1, 2, on_point, &s),
                     1);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.nodata, 1);
    assert_int_equal(s.pn[0], 2);
    assert_int_equal(s.fi[0], 1);
    assert_int_equal(s.item[0], MH_ITEM_U_L2);
    assert_int_equal(s.index[0], 0);
    assert_int_equal(mh_dec_cmp(s.v[0], mh_dec_make(2305, -1)), 0);
}

/* F88 (group 11) and F95 (group 12): one unit per DT group, F88 first. */
static void test_request_reactive_and_neutral(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    const uint16_t pn[] = {1};
    assert_int_equal(ctask_gdw1376_curve_request(&w, 0x0171, 0x0002, pn, 1,
                                                 &ctask_gdw1376_curve_reactive_c_neutral, &start,
                                                 1, 96),
                     0);
    /* DA 01 01 DT 80 0A (F88: bit 7 of group 11), DA 01 01 DT 40 0B (F95: bit 6 of group 12). */
    uint8_t want[] = {0x68, 0x7A, 0x00, 0x7A, 0x00, 0x68, 0x4B, 0x71, 0x01, 0x02, 0x00, 0x02,
                      0x0D, 0x60, 0x01, 0x01, 0x80, 0x0A, 0x15, 0x00, 0x23, 0x11, 0x26, 0x01,
                      0x60, 0x01, 0x01, 0x40, 0x0B, 0x15, 0x00, 0x23, 0x11, 0x26, 0x01, 0x60,
                      0x00, 0x16};
    expect_frame(&w, want, sizeof want);
}

/* Reactive power (A.9, signed: capacitive load) and neutral current (A.25) points. */
static void test_reply_reactive_and_neutral(void **state)
{
    (void)state;
    /* p1 F88 two points: -1.2345 kvar (sign bit 7 of the top byte), 0.5000 kvar;
       p1 F95 one point 12.345 A */
    static const uint8_t u[] = {0x01, 0x01, 0x80, 0x0A, 0x15, 0x00, 0x23, 0x11, 0x26, 0x01, 0x02,
                                0x45, 0x23, 0x81, 0x00, 0x50, 0x00,
                                0x01, 0x01, 0x40, 0x0B, 0x15, 0x00, 0x23, 0x11, 0x26, 0x01, 0x01,
                                0x45, 0x23, 0x01};
    struct pts s = {0};
    assert_int_equal(ctask_gdw1376_curve_parse(u, sizeof u,
                                               &ctask_gdw1376_curve_reactive_c_neutral, &start, 1,
                                               2, on_point, &s),
                     2);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.item[0], MH_ITEM_Q_L3);
    assert_int_equal(s.fi[0], 0);
    assert_int_equal(mh_dec_cmp(s.v[0], mh_dec_make(-12345, -4)), 0);
    assert_int_equal(s.index[1], 1);
    assert_int_equal(mh_dec_cmp(s.v[1], mh_dec_make(5000, -4)), 0);
    assert_int_equal(s.item[2], MH_ITEM_I_N);
    assert_int_equal(s.fi[2], 1);
    assert_int_equal(mh_dec_cmp(s.v[2], mh_dec_make(12345, -3)), 0);
}

/*
 * F81 points beyond A.9 ("no data") get 4 x (F97 - F99) of their interval, estimated;
 * a point without both energies stays missing, and the buffer's room is kept.
 */
static void test_power_beyond_a9_from_interval_energies(void **state)
{
    (void)state;
    struct store_reading r[8];
    uint64_t addr[8] = {0};
    const int64_t t0 = 1795104900; /* a curve's first point */
    r[0] = (struct store_reading){.meter = 7, .item = MH_ITEM_AE_IMP_INC, .t = t0,
                                  .value = mh_dec_make(301234, -4), .protocol = 1, .terminal = 3};
    r[1] = (struct store_reading){.meter = 7, .item = MH_ITEM_AE_EXP_INC, .t = t0,
                                  .value = mh_dec_make(50, -2)};
    r[2] = (struct store_reading){.meter = 7, .item = MH_ITEM_AE_IMP_INC, .t = t0 + 900,
                                  .value = mh_dec_make(250000, -4)}; /* no export: no estimate */
    r[3] = (struct store_reading){.meter = 8, .item = MH_ITEM_AE_IMP_INC, .t = t0 + 1800,
                                  .value = mh_dec_make(1, -4)};
    r[4] = (struct store_reading){.meter = 8, .item = MH_ITEM_AE_EXP_INC, .t = t0 + 1800,
                                  .value = mh_dec_make(2, -4)};
    uint8_t gap[CCURVE_POINTS / 8] = {0x07}; /* points 0, 1, 2 */
    assert_int_equal(ccurve_power_fill(r, addr, 5, 8, 7, 123456789012ull, t0, gap), 1);
    assert_int_equal(r[5].meter, 7);
    assert_int_equal(r[5].item, MH_ITEM_P);
    assert_int_equal(r[5].quality, STORE_Q_ESTIMATED);
    assert_int_equal(r[5].t, t0);
    assert_int_equal(r[5].terminal, 3);
    assert_int_equal(mh_dec_cmp(r[5].value, mh_dec_make(1184936, -4)), 0); /* 118.4936 kW */
    assert_int_equal(addr[5], 123456789012ull);
    /* Exporting: negative; the other meter's gap at point 2. */
    uint8_t gap2[CCURVE_POINTS / 8] = {0x04};
    assert_int_equal(ccurve_power_fill(r, addr, 6, 8, 8, 1, t0, gap2), 1);
    assert_int_equal(mh_dec_cmp(r[6].value, mh_dec_make(-4, -4)), 0);
    /* No room: nothing written past cap. */
    assert_int_equal(ccurve_power_fill(r, addr, 7, 7, 7, 1, t0, gap), 0);
    /* No gap: nothing. */
    uint8_t none[CCURVE_POINTS / 8] = {0};
    assert_int_equal(ccurve_power_fill(r, addr, 7, 8, 7, 1, t0, none), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_bytes),
        cmocka_unit_test(test_reply_points_per_pn_and_fn),
        cmocka_unit_test(test_reply_of_another_curve_is_stale),
        cmocka_unit_test(test_every_truncation_is_an_error),
        cmocka_unit_test(test_terminal_kinds_get_curve_tasks),
        cmocka_unit_test(test_request_two_groups),
        cmocka_unit_test(test_reply_voltage_curve),
        cmocka_unit_test(test_request_reactive_and_neutral),
        cmocka_unit_test(test_reply_reactive_and_neutral),
        cmocka_unit_test(test_power_beyond_a9_from_interval_energies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
