/* Q/GDW 1376.1 application frames: DA/DT sets, unit walker, requests, split responses, AFN00/01/02. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "vectors.h"

static const struct gdw1376_addr A_0200_1234_MSA2 = {0x0200, 0x1234, 2, 0};

static void expect_frame(const uint8_t *got, size_t n, const char *hex)
{
    uint8_t want[512];
    size_t wn = tv_hex(hex, want, sizeof want);
    assert_int_equal(n, wn);
    assert_memory_equal(got, want, wn);
}

static void test_da_dt_sets(void **state)
{
    (void)state;
    uint8_t a, b;
    uint16_t pn[] = {9, 10, 16};
    assert_int_equal(gdw1376_da_set(pn, 3, &a, &b), 0);
    assert_int_equal(a, 0x83);
    assert_int_equal(b, 2);
    uint16_t cross[] = {8, 9};
    assert_int_equal(gdw1376_da_set(cross, 2, &a, &b), MH_EINVAL);
    uint16_t p0[] = {0, 1};
    assert_int_equal(gdw1376_da_set(p0, 2, &a, &b), MH_EINVAL);
    uint16_t all = 0xFFFF;
    assert_int_equal(gdw1376_da_set(&all, 1, &a, &b), 0);
    assert_int_equal(a, 0xFF);
    assert_int_equal(b, 0);
    uint16_t fn[] = {25, 26, 32};
    assert_int_equal(gdw1376_dt_set(fn, 3, &a, &b), 0);
    assert_int_equal(a, 0x83);
    assert_int_equal(b, 3);
    uint16_t badfn[] = {249};
    assert_int_equal(gdw1376_dt_set(badfn, 1, &a, &b), MH_EINVAL);
}

static void test_units_walk_pn_then_fn(void **state)
{
    (void)state;
    /* p1+p2 x F1+F2, 1 byte each, then p0 F3 with no data */
    uint8_t u[] = {0x03, 0x01, 0x03, 0x00, 0xA1, 0xA2, 0xB1, 0xB2, 0x00, 0x00, 0x04, 0x00};
    struct gdw1376_units_it it;
    gdw1376_units_begin(&it, u, sizeof u);
    uint16_t pn, fn;
    static const uint16_t want[][2] = {{1, 1}, {1, 2}, {2, 1}, {2, 2}};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(gdw1376_units_next(&it, &pn, &fn), 1);
        assert_int_equal(pn, want[i][0]);
        assert_int_equal(fn, want[i][1]);
        mh_rd_skip(&it.r, 1);
    }
    assert_int_equal(gdw1376_units_next(&it, &pn, &fn), 1);
    assert_int_equal(pn, 0);
    assert_int_equal(fn, 3);
    assert_int_equal(gdw1376_units_next(&it, &pn, &fn), 0);
    /* a unit head cut short */
    gdw1376_units_begin(&it, u, 3);
    assert_int_equal(gdw1376_units_next(&it, &pn, &fn), MH_ETRUNC);
    /* DT naming nothing */
    uint8_t z[] = {0x01, 0x01, 0x00, 0x00};
    gdw1376_units_begin(&it, z, sizeof z);
    assert_int_equal(gdw1376_units_next(&it, &pn, &fn), MH_EPROTO);
}

static void test_request_read_with_tp_byte_exact(void **state)
{
    (void)state;
    struct gdw1376_tp tp = {.pfc = 2, .send = {.day = 28, .hour = 16, .min = 19, .sec = 39}, .delay_min = 0};
    struct gdw1376_req r = {.addr = {0x0171, 0x0822, 1, 0}, .afn = GDW1376_AFN_CLASS1, .pseq = 2, .tp = &tp};
    struct gdw1376_unit u = {0x01, 0x01, 0x01, 0x10, NULL, 0};
    uint8_t b[64];
    struct mh_wr w;
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(gdw1376_req_encode(&w, &r, &u, 1), 0);
    expect_frame(b, mh_wr_len(&w), "68 4A 00 4A 00 68 4B 71 01 22 08 02 0C E2 01 01 01 10 02 39 19 16 28 00 7C 16");
    /* and it parses back to the same header and unit */
    struct gdw1376_frame f;
    assert_int_equal(gdw1376_frame_parse(b, mh_wr_len(&w), 16, &f), 0);
    assert_int_equal(f.seq & 15, 2);
    assert_int_equal(f.tp.pfc, 2);
    assert_int_equal(f.units_len, 4);
    /* too small a buffer: ENOSPC, never a partial frame reported as done */
    mh_wr_init(&w, b, 20);
    assert_int_equal(gdw1376_req_encode(&w, &r, &u, 1), MH_ENOSPC);
}

static void test_request_with_pn_and_fn_sets(void **state)
{
    (void)state;
    /* p1+p2 x F25+F26, then p0 F2: two units, sets built from lists */
    uint16_t pn[] = {1, 2}, fn[] = {25, 26}, p0 = 0, f2 = 2;
    struct gdw1376_unit u[2] = {{0}, {0}};
    assert_int_equal(gdw1376_da_set(pn, 2, &u[0].da1, &u[0].da2), 0);
    assert_int_equal(gdw1376_dt_set(fn, 2, &u[0].dt1, &u[0].dt2), 0);
    assert_int_equal(gdw1376_da_set(&p0, 1, &u[1].da1, &u[1].da2), 0);
    assert_int_equal(gdw1376_dt_set(&f2, 1, &u[1].dt1, &u[1].dt2), 0);
    struct gdw1376_req r = {.addr = A_0200_1234_MSA2, .afn = GDW1376_AFN_CLASS1, .pseq = 4};
    uint8_t b[64];
    struct mh_wr w;
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(gdw1376_req_encode(&w, &r, u, 2), 0);
    expect_frame(b, mh_wr_len(&w), "68 42 00 42 00 68 4B 00 02 34 12 04 0C 64 03 01 03 03 00 00 02 00 13 16");
    /* the terminal sees five (pn, fn) items */
    struct gdw1376_frame f;
    assert_int_equal(gdw1376_frame_parse(b, mh_wr_len(&w), 16, &f), 0);
    struct gdw1376_units_it it;
    gdw1376_units_begin(&it, f.units, f.units_len);
    uint16_t gp, gf;
    int k = 0;
    while (gdw1376_units_next(&it, &gp, &gf) == 1)
        k++;
    assert_int_equal(k, 5);
}

static void test_reset_with_pw_and_tp_byte_exact(void **state)
{
    (void)state;
    struct gdw1376_tp tp = {.pfc = 0, .send = {.day = 7, .hour = 13, .min = 53, .sec = 28}, .delay_min = 5};
    struct gdw1376_req r = {.addr = A_0200_1234_MSA2, .pseq = 0, .con = 1, .tp = &tp};
    uint8_t b[64];
    struct mh_wr w;
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(gdw1376_enc_reset(&w, &r, 1), 0);
    expect_frame(b, mh_wr_len(&w),
                 "68 8A 00 8A 00 68 41 00 02 34 12 04 01 F0 00 00 01 00"
                 " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 28 53 13 07 05 19 16");
    struct gdw1376_frame f;
    assert_int_equal(gdw1376_frame_parse(b, mh_wr_len(&w), 16, &f), 0);
    uint16_t fn;
    assert_int_equal(gdw1376_reset_parse(f.units, f.units_len, &fn), 0);
    assert_int_equal(fn, 1);
    assert_int_equal(gdw1376_enc_reset(&w, &r, 5), MH_EINVAL);
    uint8_t f5[] = {0, 0, 0x10, 0};
    assert_int_equal(gdw1376_reset_parse(f5, 4, &fn), MH_EUNKNOWN);
    uint8_t extra[] = {0, 0, 0x02, 0, 0x55};
    assert_int_equal(gdw1376_reset_parse(extra, 5, &fn), MH_ETRAILING);
    /* a 2-byte PW profile */
    uint8_t pw2[2] = {0x12, 0x34};
    r.pw = pw2;
    r.pw_len = 2;
    r.tp = NULL;
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(gdw1376_enc_reset(&w, &r, 2), 0);
    assert_int_equal(gdw1376_frame_parse(b, mh_wr_len(&w), 2, &f), 0);
    assert_int_equal(f.pw_len, 2);
    assert_memory_equal(f.pw, pw2, 2);
}

static void test_confirm_with_acd_and_tp_byte_exact(void **state)
{
    (void)state;
    struct gdw1376_tp tp = {.pfc = 0, .send = {.day = 7, .hour = 13, .min = 52, .sec = 27}, .delay_min = 5};
    uint8_t ec[2] = {0x11, 0x00};
    struct gdw1376_rsp r = {.addr = {0x0200, 0x1234, 2, 0}, .afn = GDW1376_AFN_CONFIRM, .rseq = 0, .ec = ec, .tp = &tp};
    uint8_t units[4], b[64];
    struct mh_wr uw, w;
    mh_wr_init(&uw, units, sizeof units);
    assert_int_equal(gdw1376_ack_all_put(&uw, 0), 0);
    struct gdw1376_unit u = {units[0], units[1], units[2], units[3], NULL, 0};
    mh_wr_init(&w, b, sizeof b);
    size_t ends[2];
    assert_int_equal(gdw1376_rsp_encode(&w, &r, &u, 1, 256, ends, 2), 1);
    assert_int_equal(ends[0], mh_wr_len(&w));
    expect_frame(b, mh_wr_len(&w), "68 52 00 52 00 68 A0 00 02 34 12 04 00 E0 00 00 01 00 11 00 00 27 52 13 07 05 76 16");
    struct gdw1376_frame f;
    assert_int_equal(gdw1376_frame_parse(b, mh_wr_len(&w), 16, &f), 0);
    assert_int_equal(f.has_ec, 1);
    assert_int_equal(f.ec1, 0x11);
    struct gdw1376_ack a;
    assert_int_equal(gdw1376_ack_parse(f.units, f.units_len, &a), 0);
    assert_int_equal(a.fn, 1);
}

static void test_master_confirm_and_login_round_trip(void **state)
{
    (void)state;
    uint8_t b[64];
    struct mh_wr w;
    mh_wr_init(&w, b, sizeof b);
    struct gdw1376_addr a = {0x0200, 0x1234, 0, 0};
    assert_int_equal(gdw1376_enc_confirm(&w, &a, 0, 1), 0);
    expect_frame(b, mh_wr_len(&w), "68 32 00 32 00 68 0B 00 02 34 12 00 00 61 00 00 01 00 B5 16");
    struct gdw1376_frame f;
    assert_int_equal(gdw1376_frame_parse(b, mh_wr_len(&w), 16, &f), 0);
    struct gdw1376_ack k;
    assert_int_equal(gdw1376_ack_parse(f.units, f.units_len, &k), 0);
    assert_int_equal(k.fn, 1);

    mh_wr_init(&w, b, sizeof b);
    struct gdw1376_addr t = {0x0171, 0x0822, 0, 0};
    assert_int_equal(gdw1376_enc_link(&w, &t, 1, 8), 0);
    expect_frame(b, mh_wr_len(&w), "68 32 00 32 00 68 C9 71 01 22 08 00 02 78 00 00 01 00 E0 16");
    assert_int_equal(gdw1376_frame_parse(b, mh_wr_len(&w), 16, &f), 0);
    uint16_t fn;
    struct mh_tm clk;
    int has;
    assert_int_equal(gdw1376_link_parse(f.units, f.units_len, &fn, &clk, &has), 0);
    assert_int_equal(fn, 1);
    assert_int_equal(has, 0);
    /* heartbeat with the terminal clock (provincial variant): 2026-11-24 09:30:15, Tuesday */
    uint8_t hb[] = {0, 0, 0x04, 0, 0x15, 0x30, 0x09, 0x24, 0x51, 0x26};
    assert_int_equal(gdw1376_link_parse(hb, sizeof hb, &fn, &clk, &has), 0);
    assert_int_equal(fn, 3);
    assert_int_equal(has, 1);
    assert_int_equal(clk.year, 2026);
    assert_int_equal(clk.mon, 11);
    assert_int_equal(clk.wday, 2);
    assert_int_equal(gdw1376_link_parse(hb, 7, &fn, &clk, &has), MH_ETRAILING);
    uint8_t p1[] = {1, 1, 1, 0};
    assert_int_equal(gdw1376_link_parse(p1, 4, &fn, &clk, &has), MH_EPROTO);
}

static void test_per_item_ack_round_trip_and_quirk(void **state)
{
    (void)state;
    struct gdw1376_ack_item it[2] = {{0, 0, 0x01, 0x00, 0}, {0x01, 0x01, 0x02, 0x01, 1}};
    uint8_t u[32];
    struct mh_wr w;
    mh_wr_init(&w, u, sizeof u);
    assert_int_equal(gdw1376_ack_items_put(&w, GDW1376_AFN_SET, it, 2), 0);
    expect_frame(u, mh_wr_len(&w), "00 00 04 00 04 00 00 01 00 00 01 01 02 01 01");
    struct gdw1376_ack a;
    assert_int_equal(gdw1376_ack_parse(u, mh_wr_len(&w), &a), 0);
    assert_int_equal(a.fn, 3);
    assert_int_equal(a.afn, 4);
    assert_int_equal(a.n_items, 2);
    struct gdw1376_ack_item g;
    assert_int_equal(gdw1376_ack_item_get(&a, 1, &g), 0);
    assert_int_equal(g.err, 1);
    assert_int_equal(g.dt2, 1);
    assert_int_equal(gdw1376_ack_item_get(&a, 2, &g), MH_EINVAL);
    /* a partial item is truncation */
    assert_int_equal(gdw1376_ack_parse(u, mh_wr_len(&w) - 1, &a), MH_ETRUNC);
    /* DT 03 00 for F3 */
    u[2] = 0x03;
    assert_int_equal(gdw1376_ack_parse(u, mh_wr_len(&w), &a), 0);
    assert_int_equal(a.fn, 3);
    u[2] = 0x08;
    assert_int_equal(gdw1376_ack_parse(u, mh_wr_len(&w), &a), MH_EUNKNOWN);
    /* terminal confirm frame: C 80 */
    uint8_t b[64];
    mh_wr_init(&w, b, sizeof b);
    uint8_t ok[4] = {0, 0, 1, 0};
    assert_int_equal(gdw1376_enc_ack(&w, &A_0200_1234_MSA2, 3, ok, 4, NULL), 0);
    expect_frame(b, mh_wr_len(&w), "68 32 00 32 00 68 80 00 02 34 12 04 00 63 00 00 01 00 30 16");
}

static void test_response_split_over_frames(void **state)
{
    (void)state;
    uint8_t data[5][20];
    struct gdw1376_unit u[5];
    for (int i = 0; i < 5; i++) {
        memset(data[i], 0x10 + i, sizeof data[i]);
        u[i] = (struct gdw1376_unit){(uint8_t)(1u << i), 1, 0x01, 0x10, data[i], sizeof data[i]};
    }
    struct gdw1376_rsp r = {.addr = A_0200_1234_MSA2, .afn = GDW1376_AFN_CLASS1, .rseq = 14};
    uint8_t b[512];
    struct mh_wr w;
    mh_wr_init(&w, b, sizeof b);
    size_t ends[4];
    /* 16 overhead + 2 x 24 per frame = 64 */
    assert_int_equal(gdw1376_rsp_encode(&w, &r, u, 5, 64, ends, 4), 3);
    static const uint8_t seqs[] = {0x4E, 0x0F, 0x20};
    static const size_t nunits[] = {2, 2, 1};
    size_t off = 0;
    for (int k = 0; k < 3; k++) {
        struct gdw1376_frame f;
        assert_true(ends[k] - off <= 64);
        assert_int_equal(gdw1376_frame_parse(b + off, ends[k] - off, 16, &f), 0);
        assert_int_equal(f.c, 0x88);
        assert_int_equal(f.seq, seqs[k]);
        assert_int_equal(f.units_len, nunits[k] * 24);
        off = ends[k];
    }
    /* one unit bigger than a frame, and too few frame slots */
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(gdw1376_rsp_encode(&w, &r, u, 5, 39, ends, 4), MH_EOVERFLOW);
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(gdw1376_rsp_encode(&w, &r, u, 5, 64, ends, 2), MH_EOVERFLOW);
    /* an empty answer is still one frame */
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(gdw1376_rsp_encode(&w, &r, u, 0, 64, ends, 1), 1);
    assert_int_equal(ends[0], 16);
}

static void test_active_report_and_oversize(void **state)
{
    (void)state;
    /* an ERC report the terminal starts: C4, MSA 0, CON, EC */
    uint8_t data[] = {1, 1, 0, 1, 99, 0};
    struct gdw1376_unit u = {0, 0, 0x01, 0x00, data, sizeof data};
    uint8_t ec[2] = {1, 0};
    struct gdw1376_rsp r = {.addr = {0x0200, 0x1234, 0, 0}, .afn = GDW1376_AFN_CLASS3, .rseq = 7, .prm = 1, .con = 1, .ec = ec};
    uint8_t b[64];
    struct mh_wr w;
    mh_wr_init(&w, b, sizeof b);
    size_t ends[1];
    assert_int_equal(gdw1376_rsp_encode(&w, &r, &u, 1, 64, ends, 1), 1);
    struct gdw1376_frame f;
    assert_int_equal(gdw1376_frame_parse(b, ends[0], 16, &f), 0);
    assert_int_equal(f.c, 0xE4); /* DIR PRM ACD, function 4 */
    assert_int_equal(f.seq, 0x77);
    assert_int_equal(f.a3, 0);
    assert_int_equal(f.ec1, 1);
    /* units past the 14-bit user length */
    static uint8_t big[16400];
    struct gdw1376_unit huge = {0, 0, 0x01, 0x00, big, sizeof big};
    struct gdw1376_req q = {.addr = {0x0200, 0x1234, 2, 0}, .afn = GDW1376_AFN_FORWARD};
    static uint8_t out[17000];
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(gdw1376_req_encode(&w, &q, &huge, 1), MH_EOVERFLOW);
    /* an impossible Tp time fails the frame and the writer */
    struct gdw1376_tp bad = {.pfc = 1, .send = {.day = 7, .hour = 25}};
    q.tp = &bad;
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(gdw1376_req_encode(&w, &q, &u, 1), MH_EBADTIME);
    assert_int_equal(mh_wr_err(&w), MH_EBADTIME);
    q.tp = NULL;
    /* PSEQ and MSA out of range */
    q.pseq = 16;
    assert_int_equal(gdw1376_req_encode(&w, &q, &u, 1), MH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_da_dt_sets),
        cmocka_unit_test(test_units_walk_pn_then_fn),
        cmocka_unit_test(test_request_read_with_tp_byte_exact),
        cmocka_unit_test(test_request_with_pn_and_fn_sets),
        cmocka_unit_test(test_reset_with_pw_and_tp_byte_exact),
        cmocka_unit_test(test_confirm_with_acd_and_tp_byte_exact),
        cmocka_unit_test(test_master_confirm_and_login_round_trip),
        cmocka_unit_test(test_per_item_ack_round_trip_and_quirk),
        cmocka_unit_test(test_response_split_over_frames),
        cmocka_unit_test(test_active_report_and_oversize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
