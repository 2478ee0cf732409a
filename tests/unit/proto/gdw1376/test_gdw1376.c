/* Q/GDW 1376.1: framing, header fields, DA/DT, appendix A formats, Fn layouts, builders, Tp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/item.h"
#include "vectors.h"

static void test_every_vector_parses_with_its_header_fields(void **state)
{
    (void)state;
    json_t *file = tv_load("gdw1376-1.json");
    size_t i;
    json_t *v;
    json_array_foreach(tv_vectors(file), i, v) {
        const char *id = tv_str(v, "id");
        json_t *e = json_object_get(v, "expect");
        uint8_t b[1024];
        size_t n = tv_hex(tv_str(v, "hex"), b, sizeof b);
        struct mh_frame_span sp;
        assert_int_equal(gdw1376_frame_scan(b, n, &sp), 1);
        assert_int_equal(sp.off + sp.len, n);
        struct gdw1376_frame f;
        const char *pw = tv_str(e, "PW");
        unsigned pw_len = pw ? (unsigned)(strlen(pw) + 1) / 3 : 16;
        if (gdw1376_frame_parse(b, n, pw_len, &f) != 0)
            fail_msg("%s does not parse", id);
        assert_int_equal(f.user_len, json_integer_value(json_object_get(e, "length_user_data")));
        assert_int_equal(f.proto_id, json_integer_value(json_object_get(e, "protocol_id")));
        assert_int_equal(f.a2, json_integer_value(json_object_get(e, "A2")));
        assert_int_equal(f.a3 >> 1, json_integer_value(json_object_get(e, "MSA")));
        assert_int_equal(f.seq & 15, json_integer_value(json_object_get(e, "PSEQ")));
        assert_int_equal(f.has_tp, json_object_get(e, "Tp") != NULL);
        if (f.has_tp)
            assert_int_equal(f.tp.pfc, json_integer_value(json_object_get(json_object_get(e, "Tp"), "PFC")));
        json_t *ec = json_object_get(e, "EC");
        assert_int_equal(f.has_ec, ec != NULL);
        if (ec)
            assert_int_equal(f.ec1, json_integer_value(json_object_get(ec, "EC1_important")));
        uint8_t units[1024];
        size_t un = tv_hex(tv_str(e, "data_units_hex"), units, sizeof units);
        assert_int_equal(f.units_len, un);
        assert_memory_equal(f.units, units, un);
        /* Re-encode from the parsed fields: the same bytes. */
        uint8_t again[1024];
        struct mh_wr w;
        mh_wr_init(&w, again, sizeof again);
        struct gdw1376_addr a = {f.a1, f.a2, (uint8_t)(f.a3 >> 1), (uint8_t)(f.a3 & 1)};
        uint8_t ecb[2] = {f.ec1, f.ec2};
        if (f.proto_id == GDW1376_PROTO_2013 && f.has_tp == 0) {
            assert_int_equal(gdw1376_frame_encode(&w, f.c, &a, f.afn, f.seq, f.units, f.units_len, f.pw, f.pw_len,
                                                  f.has_ec ? ecb : NULL, NULL), 0);
            assert_int_equal(mh_wr_len(&w), n);
            assert_memory_equal(again, b, n);
        }
    }
    json_decref(file);
}

static void test_frame_rejections(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n = tv_hex("68 32 00 32 00 68 C9 71 01 22 08 00 02 78 00 00 01 00 E0 16", b, sizeof b);
    struct gdw1376_frame f;
    struct mh_frame_span sp;
    b[n - 2] ^= 1;
    assert_int_equal(gdw1376_frame_parse(b, n, 16, &f), MH_EBADCS);
    assert_int_equal(gdw1376_frame_scan(b, n, &sp), MH_EBADCS);
    assert_int_equal(sp.len, 1);
    b[n - 2] ^= 1;
    b[3] = 0x36; /* the two L copies differ: not a frame header at all */
    assert_int_equal(gdw1376_frame_scan(b, n, &sp), 0);
    assert_int_equal(gdw1376_frame_parse(b, n, 16, &f), MH_EBADLEN);
    b[3] = 0x32;
    for (size_t k = 0; k < n; k++)
        assert_int_equal(gdw1376_frame_scan(b, k, &sp), 0);
    b[1] = b[3] = 0x30; /* protocol id 0 */
    assert_int_equal(gdw1376_frame_scan(b, n, &sp), 0);
}

static void test_da_dt_sets(void **state)
{
    (void)state;
    uint16_t pn[8], fn[8];
    assert_int_equal(gdw1376_da_decode(0, 0, pn), 1);
    assert_int_equal(pn[0], 0);
    assert_int_equal(gdw1376_da_decode(0x81, 0xFF, pn), 2);
    assert_int_equal(pn[0], 2033);
    assert_int_equal(pn[1], 2040);
    assert_int_equal(gdw1376_da_decode(0x02, 0x00, pn), MH_EPROTO);
    assert_int_equal(gdw1376_dt_decode(0x01, 0x15, fn), 1);
    assert_int_equal(fn[0], 169);
    assert_int_equal(gdw1376_dt_decode(0x03, 0x00, fn), 2);
    assert_int_equal(gdw1376_dt_decode(0x01, 31, fn), MH_EPROTO);
    for (uint16_t p = 0; p <= 2040; p++) {
        uint8_t d1, d2;
        gdw1376_da_encode(p, &d1, &d2);
        assert_int_equal(gdw1376_da_decode(d1, d2, pn), 1);
        assert_int_equal(pn[0], p);
    }
    for (uint16_t f = 1; f <= 248; f++) {
        uint8_t d1, d2;
        gdw1376_dt_encode(f, &d1, &d2);
        assert_int_equal(gdw1376_dt_decode(d1, d2, fn), 1);
        assert_int_equal(fn[0], f);
    }
}

static void check_num(enum gdw1376_fmt f, const char *hex, int64_t m, int exp)
{
    uint8_t b[8];
    size_t n = tv_hex(hex, b, sizeof b);
    struct gdw1376_value v;
    assert_int_equal(gdw1376_fmt_decode(f, b, n, &v), 0);
    if (v.kind != GDW1376_V_NUM || mh_dec_cmp(v.num, mh_dec_make(m, exp)) != 0)
        fail_msg("A.%d %s: kind %d %lld e%d", (int)f, hex, v.kind, (long long)v.num.m, v.num.exp);
    uint8_t again[8];
    assert_int_equal(gdw1376_fmt_encode(f, &v, again, n), 0);
    assert_memory_equal(again, b, n);
}

static void test_formats_at_their_edges(void **state)
{
    (void)state;
    check_num(GDW1376_A2, "23 41", 123, 2);      /* G = 2 (D7..D5 = 010): 123 x 10^(4-2) */
    check_num(GDW1376_A2, "99 F9", -999, -3);    /* G=7, negative */
    check_num(GDW1376_A3, "67 45 23 01", 1234567, 0);
    check_num(GDW1376_A3, "67 45 23 51", -1234567, 3); /* MWh, negative */
    check_num(GDW1376_A4, "79", 79, 0);
    check_num(GDW1376_A4, "85", -5, 0);
    check_num(GDW1376_A5, "34 92", -1234, -1);
    check_num(GDW1376_A6, "99 79", 7999, -2);
    check_num(GDW1376_A7, "97 22", 2297, -1);
    check_num(GDW1376_A9, "56 34 92", -123456, -4);
    check_num(GDW1376_A11, "78 56 34 12", 12345678, -2);
    check_num(GDW1376_A13, "78 56 34 12", 12345678, -4);
    check_num(GDW1376_A14, "01 00 00 00 00", 1, -4);
    check_num(GDW1376_A14, "99 99 99 99 99", 9999999999, -4);
    check_num(GDW1376_A22, "15", 15, -1);
    check_num(GDW1376_A23, "00 00 10", 100000, -4);
    check_num(GDW1376_A25, "00 05 80", -500, -3);
    check_num(GDW1376_A26, "99 09", 999, -3);
    check_num(GDW1376_A27, "78 56 34 12", 12345678, 0);
    struct gdw1376_value v;
    uint8_t ee[5] = {0xEE, 0xEE, 0xEE, 0xEE, 0xEE};
    assert_int_equal(gdw1376_fmt_decode(GDW1376_A14, ee, 5, &v), 0);
    assert_int_equal(v.kind, GDW1376_V_NODATA);
    uint8_t partial[4] = {0x12, 0xEE, 0x00, 0x00}; /* partial EE: not BCD, so no number */
    assert_int_equal(gdw1376_fmt_decode(GDW1376_A11, partial, 4, &v), 0);
    assert_int_equal(v.kind, GDW1376_V_NODATA);
    assert_int_equal(gdw1376_fmt_decode(GDW1376_A14, ee, 4, &v), MH_ETRUNC);
    /* A.1 with weekday in the month byte */
    uint8_t a1[6] = {0x55, 0x30, 0x10, 0x12, 0x83, 0x15};
    assert_int_equal(gdw1376_fmt_decode(GDW1376_A1, a1, 6, &v), 0);
    assert_int_equal(v.kind, GDW1376_V_TIME);
    assert_int_equal(v.time.wday, 4);
    assert_int_equal(v.time.mon, 3);
    assert_int_equal(v.time.year, 2015);
    uint8_t again[6];
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A1, &v, again, 6), 0);
    assert_memory_equal(again, a1, 6);
    uint8_t bad_date[3] = {0x31, 0x02, 0x26}; /* 31 February */
    assert_int_equal(gdw1376_fmt_decode(GDW1376_A20, bad_date, 3, &v), 0);
    assert_int_equal(v.kind, GDW1376_V_NODATA);
    v.kind = GDW1376_V_NUM;
    v.num = mh_dec_make(1234567, -1); /* 123456.7 fits A.11 (XXXXXX.XX) */
    uint8_t b4[4];
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A11, &v, b4, 4), 0);
    v.num = mh_dec_make(123456789, -3); /* 123456.789 needs a third decimal */
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A11, &v, b4, 4), MH_ERANGE);
    v.num = mh_dec_make(-1, 0);
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A7, &v, b4, 2), MH_ERANGE);
}

static void test_fn_layouts_size_their_data(void **state)
{
    (void)state;
    size_t n, s;
    const struct gdw1376_fn_def *t = gdw1376_fn_table(&n);
    assert_true(n > 50);
    for (size_t i = 0; i < n; i++) {
        for (unsigned k = 0; k < t[i].n_fields; k++) {
            assert_true(gdw1376_fmt_size((enum gdw1376_fmt)t[i].fields[k].fmt) > 0);
            if (t[i].fields[k].item)
                assert_non_null(mh_item_lookup(t[i].fields[k].item));
        }
        assert_ptr_equal(gdw1376_fn_lookup(t[i].afn, t[i].fn), &t[i]);
    }
    /* F129 with M = 4: 5 + 1 + 5 x 5 */
    uint8_t d[80] = {0x18, 0x16, 0x28, 0x08, 0x18, 0x04};
    assert_int_equal(gdw1376_fn_data_size(gdw1376_fn_lookup(0x0C, 129), d, sizeof d, &s), 0);
    assert_int_equal(s, 31);
    assert_int_equal(gdw1376_fn_data_size(gdw1376_fn_lookup(0x0C, 129), d, 30, &s), MH_ETRUNC); /* one byte short */
    d[5] = 64;
    assert_int_equal(gdw1376_fn_data_size(gdw1376_fn_lookup(0x0C, 129), d, sizeof d, &s), MH_EPROTO);
    /* F25 is fixed: 5 + 8*3 + 4*2 + 3*2 + 4*3 + 4*3 */
    assert_int_equal(gdw1376_fn_data_size(gdw1376_fn_lookup(0x0C, 25), d, sizeof d, &s), 0);
    assert_int_equal(s, 67);
    /* curve: 96 points of A.9 */
    uint8_t c[7 + 96 * 3] = {0, 0, 0x24, 0x11, 0x26, 1, 96};
    assert_int_equal(gdw1376_fn_data_size(gdw1376_fn_lookup(0x0D, 81), c, sizeof c, &s), 0);
    assert_int_equal(s, sizeof c);
    assert_null(gdw1376_fn_lookup(0x0C, 247));
}

static void test_builders_match_captured_frames(void **state)
{
    (void)state;
    uint8_t b[128], want[128];
    struct mh_wr w;
    struct gdw1376_addr term = {0x0171, 0x0822, 0, 0};
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(gdw1376_enc_link(&w, &term, 1, 8), 0);
    size_t n = tv_hex("68 32 00 32 00 68 C9 71 01 22 08 00 02 78 00 00 01 00 E0 16", want, sizeof want);
    assert_int_equal(mh_wr_len(&w), n);
    assert_memory_equal(b, want, n);
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(gdw1376_enc_link(&w, &term, 3, 9), 0);
    n = tv_hex("68 32 00 32 00 68 C9 71 01 22 08 00 02 79 00 00 04 00 E4 16", want, sizeof want);
    assert_memory_equal(b, want, n);
    struct gdw1376_addr master = {0x0200, 0x1234, 0, 0};
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(gdw1376_enc_confirm(&w, &master, 0, 1), 0);
    n = tv_hex("68 32 00 32 00 68 0B 00 02 34 12 00 00 61 00 00 01 00 B5 16", want, sizeof want);
    assert_memory_equal(b, want, n);
    struct gdw1376_addr to = {0x0171, 0x0822, 1, 0};
    struct gdw1376_tp tp = {2, {.day = 28, .hour = 16, .min = 19, .sec = 39, .has = MH_TM_DAY | MH_TM_HMS}, 0};
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(gdw1376_enc_read(&w, &to, 0x0C, 1, 129, NULL, 0, 2, &tp), 0);
    n = tv_hex("68 4A 00 4A 00 68 4B 71 01 22 08 02 0C E2 01 01 01 10 02 39 19 16 28 00 7C 16", want, sizeof want);
    assert_int_equal(mh_wr_len(&w), n);
    assert_memory_equal(b, want, n);
    mh_wr_init(&w, b, 20);
    assert_int_equal(gdw1376_enc_read(&w, &to, 0x0C, 1, 129, NULL, 0, 2, &tp), MH_ENOSPC);
    assert_int_equal(gdw1376_enc_link(&w, &term, 4, 0), MH_EINVAL);
}

static void test_stale_tp(void **state)
{
    (void)state;
    struct mh_tm now = {.year = 2026, .mon = 11, .day = 24, .hour = 10, .min = 0, .sec = 0, .has = MH_TM_FULL};
    struct gdw1376_tp tp = {0, {.day = 24, .hour = 9, .min = 56, .sec = 0}, 5};
    assert_false(gdw1376_tp_stale(&tp, &now));
    tp.send.min = 54;
    assert_true(gdw1376_tp_stale(&tp, &now));
    tp.delay_min = 0; /* 0: do not check */
    assert_false(gdw1376_tp_stale(&tp, &now));
    struct mh_tm first = {.year = 2026, .mon = 1, .day = 1, .hour = 0, .min = 1, .has = MH_TM_FULL};
    struct gdw1376_tp late = {0, {.day = 31, .hour = 23, .min = 58}, 5}; /* sent on the 31st of last month */
    assert_false(gdw1376_tp_stale(&late, &first));
    late.send.min = 50;
    assert_true(gdw1376_tp_stale(&late, &first));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_vector_parses_with_its_header_fields),
        cmocka_unit_test(test_frame_rejections),
        cmocka_unit_test(test_da_dt_sets),
        cmocka_unit_test(test_formats_at_their_edges),
        cmocka_unit_test(test_fn_layouts_size_their_data),
        cmocka_unit_test(test_builders_match_captured_frames),
        cmocka_unit_test(test_stale_tp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
