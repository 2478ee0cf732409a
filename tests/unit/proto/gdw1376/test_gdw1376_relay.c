/* Q/GDW 1376.1 AFN10 forwarding, AFN09 version, AFN06 framing, AFN0F file transfer, multi-frame reassembly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "vectors.h"

static const struct gdw1376_addr ADDR = {0x0200, 0x1234, 2, 0};

static void test_forward_request_byte_exact_and_parse(void **state)
{
    (void)state;
    uint8_t m645[32], d[64], b[128], want[128];
    size_t mn = tv_hex("68 78 56 34 12 00 00 68 11 04 33 33 34 33 C6 16", m645, sizeof m645);
    struct gdw1376_forward f = {2, 0x6B, 0x82, 5, (uint16_t)mn, m645};
    struct mh_wr w;
    mh_wr_init(&w, d, sizeof d);
    assert_int_equal(gdw1376_forward_put(&w, &f), 0);
    struct gdw1376_unit u = {0, 0, 0x01, 0x00, d, mh_wr_len(&w)};
    struct gdw1376_req r = {.addr = ADDR, .afn = GDW1376_AFN_FORWARD, .pseq = 3, .con = 1};
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(gdw1376_req_encode(&w, &r, &u, 1), 0);
    size_t wn = tv_hex("68 CA 00 CA 00 68 4A 00 02 34 12 04 10 73 00 00 01 00 02 6B 82 05 10 00"
                       " 68 78 56 34 12 00 00 68 11 04 33 33 34 33 C6 16"
                       " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 C0 16",
                       want, sizeof want);
    assert_int_equal(mh_wr_len(&w), wn);
    assert_memory_equal(b, want, wn);
    /* the terminal side */
    struct gdw1376_frame fr;
    assert_int_equal(gdw1376_frame_parse(b, wn, 16, &fr), 0);
    struct gdw1376_forward g;
    size_t used;
    assert_int_equal(gdw1376_forward_parse(fr.units + 4, fr.units_len - 4, &g, &used), 0);
    assert_int_equal(used, fr.units_len - 4);
    assert_int_equal(g.port, 2);
    assert_int_equal(gdw1376_forward_baud(g.ctrl), 2400);
    assert_int_equal(g.timeout, 0x82);
    assert_int_equal(g.len, mn);
    assert_memory_equal(g.frame, m645, mn);
    for (size_t k = 0; k < used; k++)
        assert_int_equal(gdw1376_forward_parse(fr.units + 4, k, &g, &used), MH_ETRUNC);
    uint8_t port0[] = {0, 0x6B, 0x82, 5, 0, 0};
    assert_int_equal(gdw1376_forward_parse(port0, sizeof port0, &g, &used), MH_ERANGE);
}

static void test_forward_reply_round_trip(void **state)
{
    (void)state;
    uint8_t m[] = {0x68, 0x78, 0x56, 0x34, 0x12, 0x00, 0x00, 0x68, 0x91, 0x08, 0x33, 0x33, 0x34, 0x33,
                   0x45, 0x67, 0x33, 0x33, 0x00, 0x16};
    uint8_t d[64];
    struct mh_wr w;
    mh_wr_init(&w, d, sizeof d);
    assert_int_equal(gdw1376_forward_reply_put(&w, 2, m, sizeof m), 0);
    assert_int_equal(mh_wr_len(&w), 3 + sizeof m);
    assert_int_equal(d[1], sizeof m);
    struct gdw1376_forward g;
    size_t used;
    assert_int_equal(gdw1376_forward_reply_parse(d, mh_wr_len(&w), &g, &used), 0);
    assert_int_equal(g.port, 2);
    assert_memory_equal(g.frame, m, sizeof m);
    /* no answer from the meter: length 0 */
    uint8_t none[] = {2, 0, 0};
    assert_int_equal(gdw1376_forward_reply_parse(none, 3, &g, &used), 0);
    assert_null(g.frame);
    /* a length past the data */
    uint8_t over[] = {2, 0xFF, 0xFF, 0x68};
    assert_int_equal(gdw1376_forward_reply_parse(over, sizeof over, &g, &used), MH_ETRUNC);
}

static void test_version_round_trip(void **state)
{
    (void)state;
    struct gdw1376_version v = {"MHUB", "00000001", "1.02", {.year = 2026, .mon = 11, .day = 1, .has = MH_TM_DATE},
                                "CAP-0000001", "1376", "HW01", {.year = 2025, .mon = 6, .day = 30, .has = MH_TM_DATE}};
    uint8_t d[64];
    struct mh_wr w;
    mh_wr_init(&w, d, sizeof d);
    assert_int_equal(gdw1376_version_put(&w, &v), 0);
    assert_int_equal(mh_wr_len(&w), 41);
    uint8_t head[] = {'M', 'H', 'U', 'B', '0', '0', '0', '0', '0', '0', '0', '1', '1', '.', '0', '2', 0x01, 0x11, 0x26};
    assert_memory_equal(d, head, sizeof head);
    struct gdw1376_version g;
    assert_int_equal(gdw1376_version_parse(d, 41, &g), 0);
    assert_string_equal(g.vendor, "MHUB");
    assert_string_equal(g.capacity, "CAP-0000001");
    assert_int_equal(g.hw_date.day, 30);
    assert_int_equal(gdw1376_version_parse(d, 40, &g), MH_ETRUNC);
}

static void test_auth_framing(void **state)
{
    (void)state;
    uint8_t rnd[8] = {1, 2, 3, 4, 5, 6, 7, 8}, u[32];
    struct mh_wr w;
    mh_wr_init(&w, u, sizeof u);
    assert_int_equal(gdw1376_auth_put(&w, 1, rnd, sizeof rnd), 0);
    uint8_t want[] = {0, 0, 1, 0, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(mh_wr_len(&w), sizeof want);
    assert_memory_equal(u, want, sizeof want);
    uint16_t fn, len;
    const uint8_t *blob;
    assert_int_equal(gdw1376_auth_parse(u, sizeof want, &fn, &blob, &len), 0);
    assert_int_equal(fn, 1);
    assert_int_equal(len, 8);
    assert_memory_equal(blob, rnd, 8);
    assert_int_equal(gdw1376_auth_parse(u, sizeof want - 1, &fn, &blob, &len), MH_ETRUNC);
    u[sizeof want] = 0;
    assert_int_equal(gdw1376_auth_parse(u, sizeof want + 1, &fn, &blob, &len), MH_ETRAILING);
}

static void test_file_segments(void **state)
{
    (void)state;
    uint8_t seg[5] = {0xDE, 0xAD, 0xBE, 0xEF, 0x00}, d[32];
    struct gdw1376_file_seg s = {1, 1, 0, 3, 2, sizeof seg, seg};
    struct mh_wr w;
    mh_wr_init(&w, d, sizeof d);
    assert_int_equal(gdw1376_file_put(&w, &s), 0);
    uint8_t want[] = {1, 1, 0, 3, 0, 2, 0, 0, 0, 5, 0, 0xDE, 0xAD, 0xBE, 0xEF, 0x00};
    assert_int_equal(mh_wr_len(&w), sizeof want);
    assert_memory_equal(d, want, sizeof want);
    struct gdw1376_file_seg g;
    size_t used;
    assert_int_equal(gdw1376_file_parse(d, sizeof want, &g, &used), 0);
    assert_int_equal(g.index, 2);
    assert_int_equal(g.total, 3);
    assert_memory_equal(g.data, seg, sizeof seg);
    for (size_t k = 0; k < sizeof want; k++)
        assert_int_equal(gdw1376_file_parse(d, k, &g, &used), MH_ETRUNC);
    d[5] = 3; /* index 3 of 3 */
    assert_int_equal(gdw1376_file_parse(d, sizeof want, &g, &used), MH_ERANGE);
    s.index = 3;
    assert_int_equal(gdw1376_file_put(&w, &s), MH_EINVAL);
    mh_wr_init(&w, d, sizeof d);
    assert_int_equal(gdw1376_file_reply_put(&w, 2), 0);
    uint32_t idx;
    assert_int_equal(gdw1376_file_reply_parse(d, 4, &idx), 0);
    assert_int_equal(idx, 2);
    assert_int_equal(gdw1376_file_reply_parse(d, 3, &idx), MH_ETRUNC);
}

/* A 3-frame reply from the split builder, parsed back into frames. */
static size_t split_reply(uint8_t *b, size_t cap, size_t *ends, struct gdw1376_frame *f)
{
    static uint8_t data[5][20];
    struct gdw1376_unit u[5];
    for (int i = 0; i < 5; i++) {
        memset(data[i], 0x20 + i, sizeof data[i]);
        u[i] = (struct gdw1376_unit){(uint8_t)(1u << i), 1, 0x01, 0x10, data[i], sizeof data[i]};
    }
    struct gdw1376_rsp r = {.addr = ADDR, .afn = GDW1376_AFN_CLASS1, .rseq = 15};
    struct mh_wr w;
    mh_wr_init(&w, b, cap);
    assert_int_equal(gdw1376_rsp_encode(&w, &r, u, 5, 64, ends, 4), 3);
    size_t off = 0;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(gdw1376_frame_parse(b + off, ends[k] - off, 16, &f[k]), 0);
        off = ends[k];
    }
    return off;
}

static void test_reassembly(void **state)
{
    (void)state;
    uint8_t b[512], buf[256];
    size_t ends[4];
    struct gdw1376_frame f[3];
    split_reply(b, sizeof b, ends, f);
    struct gdw1376_reasm m;
    gdw1376_reasm_init(&m, buf, sizeof buf);
    assert_int_equal(gdw1376_reasm_feed(&m, &f[0]), 0);
    assert_int_equal(gdw1376_reasm_feed(&m, &f[0]), 0); /* FIR again: the message restarts */
    assert_int_equal(m.len, 48);
    assert_int_equal(gdw1376_reasm_feed(&m, &f[2]), MH_EBADSEQ); /* gap */
    assert_int_equal(gdw1376_reasm_feed(&m, &f[1]), 0);
    assert_int_equal(gdw1376_reasm_feed(&m, &f[1]), MH_EBADSEQ); /* duplicate */
    assert_int_equal(gdw1376_reasm_feed(&m, &f[2]), 1);
    assert_int_equal(m.len, 5 * 24);
    assert_int_equal(m.frames, 3);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(buf[i * 24], 1u << i);
        assert_int_equal(buf[i * 24 + 4], 0x20 + i);
    }
    /* a middle frame with nothing started */
    assert_int_equal(gdw1376_reasm_feed(&m, &f[1]), MH_EBADSEQ);
    /* a lone FIN frame (FIR=0 quirk) completes at once */
    assert_int_equal(gdw1376_reasm_feed(&m, &f[2]), 1);
    assert_int_equal(m.len, 24);
    /* overflow drops the message */
    gdw1376_reasm_init(&m, buf, 60);
    assert_int_equal(gdw1376_reasm_feed(&m, &f[0]), 0);
    assert_int_equal(gdw1376_reasm_feed(&m, &f[1]), MH_EOVERFLOW);
    assert_int_equal(m.active, 0);
    assert_int_equal(gdw1376_reasm_feed(&m, &f[2]), 1); /* the tail alone counts as a lone FIN */
    /* an AFN change mid-message */
    gdw1376_reasm_init(&m, buf, sizeof buf);
    assert_int_equal(gdw1376_reasm_feed(&m, &f[0]), 0);
    struct gdw1376_frame other = f[1];
    other.afn = GDW1376_AFN_CLASS2;
    assert_int_equal(gdw1376_reasm_feed(&m, &other), MH_EPROTO);
    assert_int_equal(m.active, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_request_byte_exact_and_parse),
        cmocka_unit_test(test_forward_reply_round_trip),
        cmocka_unit_test(test_version_round_trip),
        cmocka_unit_test(test_auth_framing),
        cmocka_unit_test(test_file_segments),
        cmocka_unit_test(test_reassembly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
