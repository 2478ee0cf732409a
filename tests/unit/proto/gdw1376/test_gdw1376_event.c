/* Q/GDW 1376.1 AFN0E events: query, reply, ERC records both ways, unknown ERCs, rejections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "vectors.h"

#define NUM(m_, e_) {.kind = GDW1376_V_NUM, .num = {m_, e_}}

static void test_erc1_reply_from_a_real_terminal(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n = tv_hex("68 82 00 82 00 68 88 00 25 01 00 04 0E 61 00 00 01 00 01 01 00 01 01 0E 35 10 16 01 14 02"
                      " 32 2E 30 31 32 2E 30 32 29 16",
                      b, sizeof b);
    struct gdw1376_frame f;
    assert_int_equal(gdw1376_frame_parse(b, n, 16, &f), 0);
    struct gdw1376_event_reply e;
    size_t used;
    assert_int_equal(gdw1376_event_reply_parse(f.units, f.units_len, &e, &used), 0);
    assert_int_equal(used, f.units_len);
    assert_int_equal(e.fn, 1);
    assert_int_equal(e.ec1, 1);
    assert_int_equal(e.pm, 0);
    assert_int_equal(e.pn, 1);
    struct mh_rd r;
    mh_rd_init(&r, e.recs, e.recs_len);
    struct gdw1376_erc rec;
    assert_int_equal(gdw1376_erc_next(&r, &rec), 0);
    assert_int_equal(rec.erc, 1);
    assert_true(rec.known);
    assert_string_equal(rec.name, "init_version_change");
    assert_int_equal(rec.v[0].kind, GDW1376_V_TIME);
    assert_int_equal(rec.v[0].time.year, 2014);
    assert_int_equal(rec.v[0].time.hour, 10);
    assert_int_equal(rec.v[0].time.min, 35);
    assert_int_equal(rec.v[1].num.m, 2); /* version changed */
    assert_memory_equal(rec.v[2].text, "2.01", 4);
    assert_memory_equal(rec.v[3].text, "2.02", 4);
    assert_int_equal(mh_rd_left(&r), 0);

    /* re-encode: the same units byte for byte */
    uint8_t recs[64], u[64];
    struct mh_wr w;
    mh_wr_init(&w, recs, sizeof recs);
    assert_int_equal(gdw1376_erc_put(&w, 1, rec.v, 4, 0, NULL, 0), 0);
    size_t rn = mh_wr_len(&w);
    mh_wr_init(&w, u, sizeof u);
    assert_int_equal(gdw1376_event_reply_put(&w, 1, 1, 1, 0, 1, recs, rn), 0);
    assert_int_equal(mh_wr_len(&w), f.units_len);
    assert_memory_equal(u, f.units, f.units_len);
    /* a record count that disagrees with the pointers */
    mh_wr_init(&w, u, sizeof u);
    assert_int_equal(gdw1376_event_reply_put(&w, 1, 1, 1, 0, 2, recs, rn), MH_EINVAL);
}

static void test_query_by_pointer_range(void **state)
{
    (void)state;
    uint8_t u[8], b[64];
    struct mh_wr w;
    mh_wr_init(&w, u, sizeof u);
    assert_int_equal(gdw1376_event_req_put(&w, 2, 250, 4), 0);
    struct gdw1376_unit unit = {u[0], u[1], u[2], u[3], u + 4, 2};
    struct gdw1376_req r = {.addr = {0x0200, 0x1234, 2, 0}, .afn = GDW1376_AFN_CLASS3, .pseq = 5};
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(gdw1376_req_encode(&w, &r, &unit, 1), 0);
    /* 4B, AFN 0E, SEQ 65, p0 F2, Pm 250 (FA), Pn 4 */
    size_t n = mh_wr_len(&w);
    uint8_t want[] = {0x68, 0x3A, 0x00, 0x3A, 0x00, 0x68, 0x4B, 0x00, 0x02, 0x34, 0x12, 0x04, 0x0E, 0x65,
                      0x00, 0x00, 0x02, 0x00, 0xFA, 0x04, 0x0A, 0x16};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(b, want, n);
    assert_int_equal(gdw1376_event_req_put(&w, 3, 0, 1), MH_EINVAL);
}

static void test_loop_and_meter_events_round_trip(void **state)
{
    (void)state;
    struct gdw1376_value t = {.kind = GDW1376_V_TIME,
                              .time = {.year = 2026, .mon = 11, .day = 24, .hour = 9, .min = 15, .has = MH_TM_DATE | MH_TM_HM}};
    /* ERC10: phase A voltage loss on p5, start */
    struct gdw1376_value v10[10] = {t, NUM(5, 0), NUM(0x81, 0), NUM(123, -1), NUM(2201, -1), NUM(2199, -1),
                                    NUM(1234, -3), NUM(-5, -3), NUM(1500, -3), NUM(123456789, -4)};
    /* ERC14: off 09:15, on not yet (EE) */
    struct gdw1376_value v14[2] = {t, {.kind = GDW1376_V_NODATA}};
    /* ERC3: master 2 changed p0 F1 and p0 F3 */
    static const uint8_t changed[] = {0, 0, 1, 0, 0, 0, 4, 0};
    struct gdw1376_value v3[3] = {t, NUM(2, 0), {0}};
    /* ERC20: bad PW from master 1 */
    uint8_t pw[16];
    memset(pw, 0xA5, sizeof pw);
    struct gdw1376_value v20[3] = {t, {0}, NUM(1, 0)};
    /* ERC30 stopped on p7 */
    struct gdw1376_value v30[4] = {t, NUM(7, 0), NUM(1000000, -4), NUM(4, 0)};
    uint8_t recs[256];
    struct mh_wr w;
    mh_wr_init(&w, recs, sizeof recs);
    assert_int_equal(gdw1376_erc_put(&w, 10, v10, 10, 1, NULL, 0), 0);
    assert_int_equal(gdw1376_erc_put(&w, 14, v14, 2, 0, NULL, 0), 0);
    assert_int_equal(gdw1376_erc_put(&w, 3, v3, 3, 0, changed, sizeof changed), 0);
    assert_int_equal(gdw1376_erc_put(&w, 20, v20, 3, 0, pw, sizeof pw), 0);
    assert_int_equal(gdw1376_erc_put(&w, 30, v30, 4, 0, NULL, 0), 0);
    /* ERC10 bytes: time, pn 05 80, flags 81, Ua 12.3 V, ... */
    uint8_t head10[] = {10, 28, 0x15, 0x09, 0x24, 0x11, 0x26, 0x05, 0x80, 0x81, 0x23, 0x01, 0x01, 0x22};
    assert_memory_equal(recs, head10, sizeof head10);
    size_t rn = mh_wr_len(&w);
    assert_int_equal(rn, 30 + 12 + 16 + 24 + 15);

    struct mh_rd r;
    mh_rd_init(&r, recs, rn);
    struct gdw1376_erc e;
    assert_int_equal(gdw1376_erc_next(&r, &e), 0);
    assert_int_equal(e.pn, 5);
    assert_int_equal(e.start, 1);
    assert_string_equal(e.name, "voltage_loop_abnormal");
    assert_int_equal(mh_dec_cmp(e.v[7].num, mh_dec_make(-5, -3)), 0);
    assert_int_equal(mh_dec_cmp(e.v[9].num, mh_dec_make(123456789, -4)), 0);
    assert_int_equal(gdw1376_erc_next(&r, &e), 0);
    assert_int_equal(e.erc, 14);
    assert_int_equal(e.v[1].kind, GDW1376_V_NODATA);
    assert_int_equal(gdw1376_erc_next(&r, &e), 0);
    assert_int_equal(e.v[2].num.m, 2);
    assert_memory_equal(e.raw[2], changed, 8);
    assert_int_equal(gdw1376_erc_next(&r, &e), 0);
    assert_memory_equal(e.raw[1], pw, 16);
    assert_int_equal(e.v[2].num.m, 1);
    assert_int_equal(gdw1376_erc_next(&r, &e), 0);
    assert_int_equal(e.pn, 7);
    assert_int_equal(e.start, 0);
    assert_int_equal(e.v[3].num.m, 4);
    assert_int_equal(mh_rd_left(&r), 0);

    /* every ERC the table knows encodes from a zero/NODATA set of values and decodes back */
    static const uint8_t all[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17, 20, 21, 24, 25, 26, 27, 28, 29, 30, 31, 37, 38};
    for (size_t i = 0; i < sizeof all; i++) {
        size_t nf;
        const char *name;
        const struct gdw1376_erc_field *f = gdw1376_erc_fields(all[i], &nf, &name);
        assert_non_null(f);
        struct gdw1376_value v[GDW1376_ERC_MAX_FIELDS];
        for (size_t k = 0; k < nf; k++) {
            v[k] = (struct gdw1376_value)NUM(1, 0);
            if (f[k].kind == GDW1376_ERC_FMT)
                v[k] = (struct gdw1376_value){.kind = GDW1376_V_NODATA};
            if (f[k].kind == GDW1376_ERC_ASCII4)
                memcpy(v[k].text, "1.00", 4);
        }
        uint8_t one[256];
        mh_wr_init(&w, one, sizeof one);
        assert_int_equal(gdw1376_erc_put(&w, all[i], v, nf, 1, all[i] == 20 ? pw : NULL, all[i] == 20 ? 16 : 0), 0);
        mh_rd_init(&r, one, mh_wr_len(&w));
        assert_int_equal(gdw1376_erc_next(&r, &e), 0);
        assert_int_equal(e.n_fields, nf);
        assert_int_equal(mh_rd_left(&r), 0);
        /* a Le one byte short of the fields is truncation */
        one[1]--;
        mh_rd_init(&r, one, mh_wr_len(&w) - 1);
        assert_int_equal(gdw1376_erc_next(&r, &e), MH_ETRUNC);
    }
    size_t n37;
    gdw1376_erc_fields(37, &n37, NULL);
    assert_int_equal(n37, 17);
}

static void test_unknown_erc_skipped_and_rejections(void **state)
{
    (void)state;
    /* ERC 99 (vendor) of 3 bytes, then ERC12 */
    uint8_t u[] = {0, 0, 2, 0, 0, 5, 7, 9, 99, 3, 1, 2, 3, 12, 7, 0x00, 0x10, 0x24, 0x11, 0x26, 0x01, 0x00};
    struct gdw1376_event_reply e;
    size_t used;
    assert_int_equal(gdw1376_event_reply_parse(u, sizeof u, &e, &used), 0);
    assert_int_equal(e.fn, 2);
    assert_int_equal(e.ec2, 5);
    struct mh_rd r;
    mh_rd_init(&r, e.recs, e.recs_len);
    struct gdw1376_erc rec;
    assert_int_equal(gdw1376_erc_next(&r, &rec), 0);
    assert_int_equal(rec.known, 0);
    assert_int_equal(rec.le, 3);
    assert_int_equal(gdw1376_erc_next(&r, &rec), 0);
    assert_int_equal(rec.erc, 12);
    assert_int_equal(rec.pn, 1);
    /* every cut is truncation */
    for (size_t k = 0; k < sizeof u; k++)
        assert_int_equal(gdw1376_event_reply_parse(u, k, &e, &used), MH_ETRUNC);
    /* pointers wrap: Pm 255, Pn 1 = two records */
    uint8_t wrap[] = {0, 0, 1, 0, 0, 0, 255, 1, 99, 0, 99, 1, 0};
    assert_int_equal(gdw1376_event_reply_parse(wrap, sizeof wrap, &e, &used), 0);
    assert_int_equal(used, sizeof wrap);
    /* not p0 / not F1-F2 */
    uint8_t bad[] = {1, 1, 1, 0, 0, 0, 0, 0};
    assert_int_equal(gdw1376_event_reply_parse(bad, sizeof bad, &e, &used), MH_EPROTO);
    /* encoder rejections */
    uint8_t out[64];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    struct gdw1376_value v[2] = {{.kind = GDW1376_V_NODATA}, NUM(4096, 0)};
    assert_int_equal(gdw1376_erc_put(&w, 12, v, 2, 0, NULL, 0), MH_ERANGE);
    assert_int_equal(gdw1376_erc_put(&w, 12, v, 1, 0, NULL, 0), MH_EINVAL);
    assert_int_equal(gdw1376_erc_put(&w, 99, v, 1, 0, NULL, 0), MH_EUNKNOWN);
    uint8_t three[3] = {0};
    struct gdw1376_value v3[3] = {{.kind = GDW1376_V_NODATA}, NUM(1, 0), {0}};
    assert_int_equal(gdw1376_erc_put(&w, 3, v3, 3, 0, three, 3), MH_EINVAL);
}

/*
 * The control trip records byte for byte (Q/GDW 1376.1-2013 appendix B):
 * ERC5 remote trip: time A.15, turns BS8, power at the trip and two
 * minutes after (A.2); ERC6 power-control trip: time, total-add group,
 * turns, control kind, power before, two minutes after, the limit (A.2);
 * ERC7 energy-control trip: time, group, turns, kind, energy and its
 * limit (A.3). Then decoded back field by field.
 */
static void test_control_trip_records_byte_exact(void **state)
{
    (void)state;
    struct gdw1376_value t = {.kind = GDW1376_V_TIME,
                              .time = {.year = 2026, .mon = 11, .day = 24, .hour = 9, .min = 15, .has = MH_TM_DATE | MH_TM_HM}};
    struct gdw1376_value v5[4] = {t, NUM(0x03, 0), NUM(1230, 0), NUM(456, -1)};
    struct gdw1376_value v6[7] = {t, NUM(1, 0), NUM(0x01, 0), NUM(0x01, 0), NUM(2000, 0), NUM(1500, 0), NUM(1800, 0)};
    struct gdw1376_value v7[6] = {t, NUM(2, 0), NUM(0x03, 0), NUM(0x02, 0), NUM(12345, 0), NUM(12000, 0)};
    uint8_t recs[128], want[128];
    struct mh_wr w;
    mh_wr_init(&w, recs, sizeof recs);
    assert_int_equal(gdw1376_erc_put(&w, 5, v5, 4, 0, NULL, 0), 0);
    assert_int_equal(gdw1376_erc_put(&w, 6, v6, 7, 0, NULL, 0), 0);
    assert_int_equal(gdw1376_erc_put(&w, 7, v7, 6, 0, NULL, 0), 0);
    size_t wn = tv_hex("05 0A 15 09 24 11 26 03 23 61 56 A4"                    /* 1230 kW (G 3), 45.6 kW (G 5) */
                       " 06 0E 15 09 24 11 26 01 01 01 00 62 50 61 80 61"       /* 2000, 1500, 1800 kW */
                       " 07 10 15 09 24 11 26 02 03 02 45 23 01 00 00 20 01 00", /* 12345, 12000 kWh */
                       want, sizeof want);
    assert_int_equal(mh_wr_len(&w), wn);
    assert_memory_equal(recs, want, wn);

    struct mh_rd r;
    struct gdw1376_erc e;
    mh_rd_init(&r, recs, wn);
    assert_int_equal(gdw1376_erc_next(&r, &e), 0);
    assert_int_equal(e.erc, 5);
    assert_int_equal(e.v[1].num.m, 3);
    assert_int_equal(mh_dec_cmp(e.v[2].num, mh_dec_make(1230, 0)), 0);
    assert_int_equal(mh_dec_cmp(e.v[3].num, mh_dec_make(456, -1)), 0);
    assert_int_equal(gdw1376_erc_next(&r, &e), 0);
    assert_int_equal(e.erc, 6);
    assert_int_equal(e.n_fields, 7);
    assert_int_equal(mh_dec_cmp(e.v[6].num, mh_dec_make(1800, 0)), 0);
    assert_int_equal(gdw1376_erc_next(&r, &e), 0);
    assert_int_equal(e.erc, 7);
    assert_int_equal(e.v[3].num.m, 2);
    assert_int_equal(mh_dec_cmp(e.v[4].num, mh_dec_make(12345, 0)), 0);
    assert_int_equal(mh_dec_cmp(e.v[5].num, mh_dec_make(12000, 0)), 0);
    assert_int_equal(e.v[0].time.min, 15);
    assert_int_equal(mh_rd_left(&r), 0);
}

static void test_bad_record_does_not_hide_the_others(void **state)
{
    (void)state;
    /* ERC12 with Le 3 (too short for time + pn), then ERC5: remote trip of turns 1-2 at 1200 kW, 300 kW after */
    uint8_t u[] = {0, 0, 1, 0, 2, 0, 10, 12,
                   12, 3, 0x00, 0x10, 0x24,
                   5, 10, 0x00, 0x10, 0x24, 0x11, 0x26, 0x03, 0x20, 0x61, 0x00, 0x83};
    struct gdw1376_event_reply e;
    size_t used;
    assert_int_equal(gdw1376_event_reply_parse(u, sizeof u, &e, &used), 0);
    assert_int_equal(used, sizeof u);
    struct mh_rd r;
    mh_rd_init(&r, e.recs, e.recs_len);
    struct gdw1376_erc rec;
    assert_int_equal(gdw1376_erc_next(&r, &rec), MH_ETRUNC);
    assert_int_equal(r.off, 5); /* past the bad record */
    assert_int_equal(gdw1376_erc_next(&r, &rec), 0);
    assert_int_equal(rec.erc, 5);
    assert_string_equal(rec.name, "remote_trip");
    assert_int_equal(rec.v[1].num.m, 3);
    assert_int_equal(mh_dec_cmp(rec.v[2].num, mh_dec_make(1200, 0)), 0);
    assert_int_equal(mh_dec_cmp(rec.v[3].num, mh_dec_make(300, 0)), 0);
    /* re-encoding the trip record gives the same bytes */
    uint8_t out[32];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(gdw1376_erc_put(&w, 5, rec.v, 4, 0, NULL, 0), 0);
    assert_int_equal(mh_wr_len(&w), 12);
    assert_memory_equal(out, u + 13, 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_erc1_reply_from_a_real_terminal),
        cmocka_unit_test(test_query_by_pointer_range),
        cmocka_unit_test(test_loop_and_meter_events_round_trip),
        cmocka_unit_test(test_unknown_erc_skipped_and_rejections),
        cmocka_unit_test(test_bad_record_does_not_hide_the_others),
        cmocka_unit_test(test_control_trip_records_byte_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
