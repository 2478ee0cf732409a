/* DL/T 698.45: frames, CRCs, addresses, typed data, nesting limits, builders (objects: test_dlt698_oi.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/item.h"
#include "vectors.h"

static void test_every_vector_frames_with_its_header(void **state)
{
    (void)state;
    json_t *file = tv_load("dlt698-45.json");
    size_t i;
    json_t *v;
    json_array_foreach(tv_vectors(file), i, v) {
        json_t *e = json_object_get(v, "expect");
        if (!json_object_get(e, "SA"))
            continue; /* APDU-only vectors */
        uint8_t b[1024];
        size_t n = tv_hex(tv_str(v, "hex"), b, sizeof b);
        struct mh_frame_span sp;
        assert_int_equal(dlt698_frame_scan(b, n, &sp), 1);
        assert_int_equal(sp.off, json_integer_value(json_object_get(e, "preamble_fe")));
        struct dlt698_frame f;
        assert_int_equal(dlt698_frame_parse(b + sp.off, sp.len, &f), 0);
        /* The scanner's span parses to the same fields without summing again. */
        struct dlt698_frame g;
        memset(&g, 0xA5, sizeof g);
        assert_int_equal(dlt698_frame_parse_scanned(b + sp.off, sp.len, &g), 0);
        assert_int_equal(g.len, f.len);
        assert_int_equal(g.c, f.c);
        assert_int_equal(g.af, f.af);
        assert_int_equal(g.ca, f.ca);
        assert_int_equal(g.sa_len, f.sa_len);
        assert_memory_equal(g.sa, f.sa, sizeof f.sa);
        assert_ptr_equal(g.apdu, f.apdu);
        assert_int_equal(g.apdu_len, f.apdu_len);
        assert_int_equal(g.frag_index, f.frag_index);
        assert_int_equal(g.frag_type, f.frag_type);
        assert_int_equal(f.len, json_integer_value(json_object_get(e, "length")));
        char sa[33];
        dlt698_sa_format(&f, sa);
        assert_string_equal(sa, tv_str(e, "SA"));
        assert_int_equal(f.sa_len, json_integer_value(json_object_get(e, "SA_len")));
        assert_int_equal(f.logical, json_integer_value(json_object_get(e, "SA_logic")));
        uint8_t ud[1024];
        size_t un = tv_hex(tv_str(e, "user_data_hex"), ud, sizeof ud);
        size_t fl = (f.c & DLT698_C_FRAG) ? 2 : 0;
        assert_int_equal(f.apdu_len + fl, un);
        assert_memory_equal(f.apdu, ud + fl, f.apdu_len);
        /* Re-encode: the same frame. */
        if (!(f.c & DLT698_C_FRAG)) {
            uint8_t again[1024];
            struct mh_wr w;
            mh_wr_init(&w, again, sizeof again);
            assert_int_equal(dlt698_frame_encode(&w, f.c, f.af, f.sa, f.ca, f.apdu, f.apdu_len), 0);
            assert_int_equal(mh_wr_len(&w), sp.len);
            assert_memory_equal(again, b + sp.off, sp.len);
        }
    }
    json_decref(file);
}

static void test_hcs_and_fcs_are_told_apart(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n = tv_hex("68 17 00 43 05 02 00 00 00 00 00 10 48 5E 05 01 15 F1 01 02 00 00 1A 00 16", b, sizeof b);
    assert_int_equal(dlt698_frame_check(b, n), 0);
    b[12] ^= 1;
    assert_int_equal(dlt698_frame_check(b, n), 1);
    struct mh_frame_span sp;
    /* a header that fails its CRC is noise, not a frame: scanned past, not reported */
    assert_int_equal(dlt698_frame_scan(b, n, &sp), 0);
    assert_int_equal(sp.off, n);
    b[12] ^= 1;
    b[20] ^= 1;
    assert_int_equal(dlt698_frame_check(b, n), 2);
    assert_int_equal(dlt698_frame_scan(b, n, &sp), MH_EBADCRC); /* a real header, a damaged body */
    struct dlt698_frame f;
    assert_int_equal(dlt698_frame_parse(b, n, &f), MH_EBADCRC);
    /* The scanned parse trusts the CRCs it is told were checked, never the lengths. */
    assert_int_equal(dlt698_frame_parse_scanned(b, n, &f), 0);
    assert_int_equal(f.apdu_len, n - 14 - 3);
    assert_int_equal(dlt698_frame_parse_scanned(b, n - 1, &f), MH_EBADLEN);
    assert_int_equal(dlt698_frame_parse_scanned(b, n + 1, &f), MH_EBADLEN);
    assert_int_equal(dlt698_frame_parse_scanned(b, 4, &f), MH_ETRUNC);
    b[0] = 0x69;
    assert_int_equal(dlt698_frame_parse_scanned(b, n, &f), MH_EBADSTART);
    b[0] = 0x68;
    b[1] = 0x08; /* L shorter than the header it announces */
    assert_int_equal(dlt698_frame_parse_scanned(b, 10, &f), MH_EBADLEN);
    b[1] = 0x17;
    b[20] ^= 1;
    b[n - 1] = 0x17;
    assert_int_equal(dlt698_frame_check(b, n), MH_EBADEND);
    b[n - 1] = 0x16;
    for (size_t k = 0; k < n; k++)
        assert_int_equal(dlt698_frame_scan(b, k, &sp), 0);
}

static void test_lengths_and_depth_limits(void **state)
{
    (void)state;
    struct mh_rd r;
    const uint8_t l1[] = {0x81, 0x90}, l2[] = {0x82, 0x01, 0x00}, bad[] = {0x85, 1, 2, 3, 4, 5};
    mh_rd_init(&r, l1, 2);
    assert_int_equal(dlt698_len_read(&r), 0x90);
    uint8_t big[300] = {0x82, 0x01, 0x00};
    mh_rd_init(&r, big, sizeof big);
    assert_int_equal(dlt698_len_read(&r), 256);
    mh_rd_init(&r, l2, sizeof l2); /* 256 claimed, nothing follows */
    dlt698_len_read(&r);
    assert_int_equal(mh_rd_err(&r), MH_EBADLEN);
    mh_rd_init(&r, bad, sizeof bad);
    dlt698_len_read(&r);
    assert_int_equal(mh_rd_err(&r), MH_EBADLEN);
    /* 20 nested arrays of one element: deeper than allowed */
    uint8_t deep[64];
    size_t k = 0;
    for (int d = 0; d < 20; d++) {
        deep[k++] = DLT698_ARRAY;
        deep[k++] = 1;
    }
    deep[k++] = DLT698_NULL;
    mh_rd_init(&r, deep, k);
    assert_int_equal(dlt698_data_skip(&r), MH_EDEPTH);
    /* 10 levels are fine */
    mh_rd_init(&r, deep + 20, k - 20);
    assert_int_equal(dlt698_data_skip(&r), 0);
    assert_int_equal(mh_rd_left(&r), 0);
    /* an array claiming more elements than bytes left */
    const uint8_t liar[] = {DLT698_ARRAY, 0x7F, DLT698_NULL};
    mh_rd_init(&r, liar, sizeof liar);
    assert_int_not_equal(dlt698_data_skip(&r), 0);
    const uint8_t unknown[] = {0x7B, 0};
    mh_rd_init(&r, unknown, sizeof unknown);
    assert_int_equal(dlt698_data_skip(&r), MH_EUNKNOWN);
}

static void test_every_scalar_type_reads_its_size(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        uint8_t type;
        size_t size;
    } cases[] = {
        {"00", DLT698_NULL, 1}, {"03 01", DLT698_BOOL, 2}, {"04 10 12 34", DLT698_BITSTRING, 4},
        {"05 FF FF FF FE", DLT698_DOUBLE_LONG, 5}, {"06 00 01 E2 40", DLT698_DOUBLE_LONG_U, 5},
        {"09 02 AB CD", DLT698_OCTETS, 4}, {"0A 02 41 42", DLT698_VISIBLE, 4}, {"0C 01 41", DLT698_UTF8, 3},
        {"0F 80", DLT698_INTEGER, 2}, {"10 80 00", DLT698_LONG, 3}, {"11 FF", DLT698_UNSIGNED, 2},
        {"12 09 6D", DLT698_LONG_U, 3}, {"14 00 00 00 00 00 00 00 01", DLT698_LONG64, 9},
        {"15 00 00 00 00 00 00 00 01", DLT698_LONG64_U, 9}, {"16 02", DLT698_ENUM, 2},
        {"17 3F 80 00 00", DLT698_FLOAT32, 5}, {"18 3F F0 00 00 00 00 00 00", DLT698_FLOAT64, 9},
        {"19 07 EA 0B 18 02 0A 1E 00 00 00", DLT698_DATETIME, 11}, {"1A 07 EA 0B 18 02", DLT698_DATE, 6},
        {"1B 0A 1E 00", DLT698_TIME, 4}, {"1C 07 EA 0B 18 0A 1E 00", DLT698_DATETIME_S, 8},
        {"50 40 00", DLT698_OI, 3}, {"51 00 10 02 00", DLT698_OAD, 5}, {"52 50 04 02 00 01 00 10 02 00", DLT698_ROAD, 10},
        {"53 80 00 81 00", DLT698_OMD, 5}, {"54 01 00 0F", DLT698_TI, 4}, {"55 07 05 01 02 03 04 05 06", DLT698_TSA, 9},
        {"56 02 11 22", DLT698_MAC, 4}, {"57 01 33", DLT698_RN, 3}, {"59 FE 1E", DLT698_SCALER_UNIT, 3},
        {"5B 00 00 10 02 00", DLT698_CSD, 6}, {"5C 01", DLT698_MS, 2}, {"5A 09 01", DLT698_RSD, 3},
        {"5F 03 02 08 01 00", DLT698_COMDCB, 6}, {"60 01 00 00 10 02 00", DLT698_RCSD, 7},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t b[32];
        size_t n = tv_hex(cases[i].hex, b, sizeof b);
        struct mh_rd r;
        struct dlt698_token t;
        mh_rd_init(&r, b, n);
        if (dlt698_token_read(&r, &t) != 0 || t.type != cases[i].type || r.off != cases[i].size)
            fail_msg("%s: type %u size %zu err %d", cases[i].hex, t.type, r.off, mh_rd_err(&r));
        /* one byte short is truncation, never a read past the end */
        mh_rd_init(&r, b, n - 1);
        if (n > 1 && cases[i].type != DLT698_MS && dlt698_token_read(&r, &t) == 0 && r.off == n)
            fail_msg("%s read past its end", cases[i].hex);
        assert_string_not_equal(dlt698_type_name(cases[i].type), "unknown");
    }
    uint8_t dt[] = {0x1C, 0x07, 0xEA, 0x0B, 0x18, 0x0A, 0x1E, 0x00};
    struct mh_rd r;
    struct dlt698_token t;
    mh_rd_init(&r, dt, sizeof dt);
    dlt698_token_read(&r, &t);
    assert_int_equal(t.time.year, 2026);
    assert_int_equal(t.time.hour, 10);
}

static void test_builders(void **state)
{
    (void)state;
    uint8_t apdu[64], frame[128];
    struct mh_wr w;
    mh_wr_init(&w, apdu, sizeof apdu);
    assert_int_equal(dlt698_enc_get(&w, 0x15, 0xF1010200), 0);
    mh_wr_init(&w, frame, sizeof frame);
    const uint8_t sa[6] = {0x02, 0, 0, 0, 0, 0};
    assert_int_equal(dlt698_frame_encode(&w, 0x43, 0x05, sa, 0x10, apdu, 8), 0);
    uint8_t want[64];
    size_t n = tv_hex("68 17 00 43 05 02 00 00 00 00 00 10 48 5E 05 01 15 F1 01 02 00 00 1A 00 16", want, sizeof want);
    assert_int_equal(mh_wr_len(&w), n);
    assert_memory_equal(frame, want, n);
    const uint32_t oads[2] = {0x00100200, 0x00200200};
    mh_wr_init(&w, apdu, sizeof apdu);
    assert_int_equal(dlt698_enc_get_list(&w, 2, oads, 2), 0);
    const uint8_t list[] = {0x05, 0x02, 0x02, 0x02, 0x00, 0x10, 0x02, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00};
    assert_memory_equal(apdu, list, sizeof list);
    struct mh_tm t = {.year = 2026, .mon = 11, .day = 24, .hour = 3, .has = MH_TM_FULL};
    mh_wr_init(&w, apdu, sizeof apdu);
    assert_int_equal(dlt698_enc_link_response(&w, 0, 0x80, &t, &t, &t), 0);
    assert_int_equal(mh_wr_len(&w), 3 + 30);
    mh_wr_init(&w, apdu, 5);
    assert_int_equal(dlt698_enc_get(&w, 1, 0x40010200), MH_ENOSPC);
    assert_string_equal(dlt698_dar_name(3), "read/write denied");
    assert_string_equal(dlt698_apdu_name(0x85), "GET-Response");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_vector_frames_with_its_header),
        cmocka_unit_test(test_hcs_and_fcs_are_told_apart),
        cmocka_unit_test(test_lengths_and_depth_limits),
        cmocka_unit_test(test_every_scalar_type_reads_its_size),
        cmocka_unit_test(test_builders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
