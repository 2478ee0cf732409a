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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
