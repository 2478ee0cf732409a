/*
 * DL/T 698.45 typed data: every type and every RSD selector / MS choice
 * decoded into nodes and encoded back to the same bytes; the typed writers
 * against hand-written bytes; depth, element, length and truncation limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698_data.h"
#include "vectors.h"

#define DT_S "07 EA 0A 05 00 00 00 " /* 2026-10-05 00:00:00 (date_time_s body) */
#define DT_S2 "07 EA 0A 06 00 00 00 "
#define TSA1 "07 05 01 00 00 00 00 00 "
#define TSA2 "07 05 02 00 00 00 00 00 "
#define SEL2 "20 21 02 00 1C " DT_S "1C " DT_S2 "54 02 00 01 "

/* Each a tagged Data in its canonical (minimal length) form, with its node count. */
static const struct {
    const char *hex;
    uint8_t type;
    int nodes;
} cases[] = {
    {"00", DLT698_NULL, 1},
    {"01 03 12 00 01 12 00 02 00", DLT698_ARRAY, 4},
    {"02 02 06 00 00 00 01 1C " DT_S, DLT698_STRUCT, 3},
    {"02 03 01 02 02 02 11 01 12 00 02 01 00 02 00 00", DLT698_STRUCT, 8},
    {"03 01", DLT698_BOOL, 1},
    {"04 0C AB C0", DLT698_BITSTRING, 1},
    {"05 FF FF FF FE", DLT698_DOUBLE_LONG, 1},
    {"06 00 01 E2 40", DLT698_DOUBLE_LONG_U, 1},
    {"09 03 01 02 03", DLT698_OCTETS, 1},
    {"09 00", DLT698_OCTETS, 1},
    {"0A 03 41 42 43", DLT698_VISIBLE, 1},
    {"0C 03 E4 BD A0", DLT698_UTF8, 1},
    {"0F 80", DLT698_INTEGER, 1},
    {"10 FF 38", DLT698_LONG, 1},
    {"11 FF", DLT698_UNSIGNED, 1},
    {"12 09 6D", DLT698_LONG_U, 1},
    {"14 80 00 00 00 00 00 00 01", DLT698_LONG64, 1},
    {"15 FF FF FF FF FF FF FF FF", DLT698_LONG64_U, 1},
    {"16 02", DLT698_ENUM, 1},
    {"17 3F 80 00 00", DLT698_FLOAT32, 1},
    {"18 40 09 21 FB 54 44 2D 18", DLT698_FLOAT64, 1},
    {"19 07 EA 0B 18 02 0A 1E 00 01 F4", DLT698_DATETIME, 1},
    {"19 FF FF FF FF FF FF FF FF FF FF", DLT698_DATETIME, 1},
    {"1A 07 EA 0B 1D 00", DLT698_DATE, 1},
    {"1B 0A 1E 00", DLT698_TIME, 1},
    {"1C " DT_S, DLT698_DATETIME_S, 1},
    {"1C 07 EA 0A 05 FF FF FF", DLT698_DATETIME_S, 1},
    {"50 40 00", DLT698_OI, 1},
    {"51 00 10 02 00", DLT698_OAD, 1},
    {"52 50 04 02 00 02 00 10 02 00 00 20 02 00", DLT698_ROAD, 3},
    {"53 80 00 81 00", DLT698_OMD, 1},
    {"54 01 00 0F", DLT698_TI, 1},
    {"55 " TSA1, DLT698_TSA, 1},
    {"56 04 11 22 33 44", DLT698_MAC, 1},
    {"57 02 AA BB", DLT698_RN, 1},
    {"58 00 12 00 01 12 00 10", DLT698_REGION, 3},
    {"59 FE 1E", DLT698_SCALER_UNIT, 1},
    /* RSD: every selector; MS: every choice */
    {"5A 00", DLT698_RSD, 1},
    {"5A 01 20 21 02 00 1C " DT_S, DLT698_RSD, 3},
    {"5A 02 " SEL2, DLT698_RSD, 5},
    {"5A 02 20 21 02 00 1C " DT_S "1C " DT_S2 "00", DLT698_RSD, 5},
    {"5A 03 02 " SEL2 SEL2, DLT698_RSD, 11},
    {"5A 04 " DT_S "00", DLT698_RSD, 3},
    {"5A 04 " DT_S "01", DLT698_RSD, 3},
    {"5A 05 " DT_S "03 02 " TSA1 TSA2, DLT698_RSD, 5},
    {"5A 06 " DT_S DT_S2 "01 00 0F 02 02 01 02", DLT698_RSD, 7},
    {"5A 07 " DT_S DT_S2 "02 00 01 04 02 00 01 00 05", DLT698_RSD, 7},
    {"5A 08 " DT_S DT_S2 "00 00 0F 05 01 00 11 01 11 05", DLT698_RSD, 8},
    {"5A 09 01", DLT698_RSD, 2},
    {"5A 0A 03 06 01 02 55 " TSA1 "55 " TSA2, DLT698_RSD, 6},
    {"5A 0A 60 07 01 03 12 00 01 12 00 64", DLT698_RSD, 6},
    {"5B 00 00 10 02 00", DLT698_CSD, 2},
    {"5B 01 50 04 02 00 01 00 10 02 00", DLT698_CSD, 3},
    {"5C 00", DLT698_MS, 1},
    {"5C 07 02 00 12 00 01 12 00 05 02 12 00 06 12 00 09", DLT698_MS, 7},
    {"5D 00 00 00 01 02 AA BB", DLT698_SID, 1},
    {"5E 81 00 00 02 01 CC 04 11 22 33 44", DLT698_SID_MAC, 2},
    {"5F 03 02 08 01 00", DLT698_COMDCB, 1},
    {"60 02 00 20 21 02 00 01 50 04 02 00 02 00 10 02 00 00 20 02 00", DLT698_RCSD, 7},
    {"60 00", DLT698_RCSD, 1},
    /* composite types inside a structure, as records carry them */
    {"02 04 5B 00 00 10 02 00 5C 01 5A 09 02 60 01 00 00 10 02 00", DLT698_STRUCT, 9},
};

static size_t hex(const char *h, uint8_t *b, size_t cap)
{
    return tv_hex(h, b, cap);
}

static void roundtrip(const uint8_t *b, size_t n, int want_nodes, uint8_t want_type)
{
    struct dlt698_node nodes[64];
    struct mh_rd r;
    mh_rd_init(&r, b, n);
    int got = dlt698_data_decode(&r, nodes, 64);
    if (got != want_nodes || nodes[0].type != want_type || mh_rd_left(&r) != 0)
        fail_msg("type %02X: decoded %d nodes (want %d), left %zu", want_type, got, want_nodes, mh_rd_left(&r));
    assert_int_equal(nodes[0].next, (uint32_t)got);
    assert_int_equal(nodes[0].off, 0);
    uint8_t out[512];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(dlt698_data_encode(&w, nodes, (size_t)got), got);
    assert_int_equal(mh_wr_len(&w), n);
    assert_memory_equal(out, b, n);
    /* skipping accepts exactly what decoding accepts */
    mh_rd_init(&r, b, n);
    assert_int_equal(dlt698_data_skip(&r), 0);
    assert_int_equal(mh_rd_left(&r), 0);
    /* the untagged form decodes and encodes the same body */
    mh_rd_init(&r, b + 1, n - 1);
    assert_int_equal(dlt698_value_decode(&r, want_type, nodes, 64), got);
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(dlt698_value_encode(&w, nodes, (size_t)got), got);
    assert_int_equal(mh_wr_len(&w), n - 1);
    assert_memory_equal(out, b + 1, n - 1);
    /* every proper prefix is refused, never read past */
    for (size_t k = 0; k < n; k++) {
        mh_rd_init(&r, b, k);
        int rc = dlt698_data_decode(&r, nodes, 64);
        if (rc >= 0)
            fail_msg("type %02X: prefix of %zu bytes accepted", want_type, k);
        assert_true(r.off <= k);
    }
}

static void test_every_type_round_trips(void **state)
{
    (void)state;
    int seen[256] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t b[256];
        size_t n = hex(cases[i].hex, b, sizeof b);
        roundtrip(b, n, cases[i].nodes, cases[i].type);
        seen[cases[i].type] = 1;
    }
    /* every type the standard defines has a case */
    for (unsigned t = 0; t < 256; t++)
        if (dlt698_type_known((uint8_t)t) && !seen[t])
            fail_msg("type %02X (%s) has no round-trip case", t, dlt698_type_name((uint8_t)t));
}

static void test_every_rsd_selector_and_ms_choice_is_covered(void **state)
{
    (void)state;
    int sel[11] = {0}, ms[8] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t b[256];
        size_t n = hex(cases[i].hex, b, sizeof b);
        struct dlt698_node nodes[64];
        struct mh_rd r;
        mh_rd_init(&r, b, n);
        int got = dlt698_data_decode(&r, nodes, 64);
        for (int k = 0; k < got; k++) {
            if (nodes[k].type == DLT698_RSD && nodes[k].depth == 0)
                sel[nodes[k].choice] = 1;
            if (nodes[k].type == DLT698_MS)
                ms[nodes[k].choice] = 1;
        }
    }
    for (int k = 0; k <= 10; k++)
        if (!sel[k])
            fail_msg("RSD selector %d not covered", k);
    for (int k = 0; k < 8; k++)
        if (!ms[k])
            fail_msg("MS choice %d not covered", k);
}

static void test_values_land_in_their_fields(void **state)
{
    (void)state;
    uint8_t b[128];
    struct dlt698_node nd[32];
    struct mh_rd r;
    size_t n = hex("02 08 05 FF FF FF FE 15 FF FF FF FF FF FF FF FF 17 3F C0 00 00 "
                   "19 07 EA 0B 1D 00 0A 1E 05 01 F4 54 02 00 0F 59 FE 23 04 0C AB C0 "
                   "5A 06 " DT_S DT_S2 "01 00 0F 04 01 00 07",
                   b, sizeof b);
    mh_rd_init(&r, b, n);
    assert_int_equal(dlt698_data_decode(&r, nd, 32), 14);
    assert_int_equal(nd[0].count, 8);
    assert_int_equal(nd[1].v.i, -2);
    assert_true(nd[2].v.u == UINT64_MAX);
    assert_true(nd[3].v.f == 1.5);
    assert_int_equal(nd[4].v.time.year, 2026);
    assert_int_equal(nd[4].v.time.wday, 7); /* 0 on the wire is Sunday */
    assert_int_equal(nd[4].v.time.ms, 500);
    assert_int_equal(nd[4].v.time.has, MH_TM_FULL | MH_TM_WDAY | MH_TM_MS);
    assert_int_equal(nd[5].choice, 2);
    assert_int_equal(nd[5].v.u, 15);
    assert_int_equal(nd[6].scaler, -2);
    assert_int_equal(nd[6].choice, 0x23);
    assert_int_equal(nd[7].count, 12);
    assert_int_equal(nd[7].bytes[0], 0xAB);
    /* RSD selector 6: start, end, TI, MS{archive numbers} with one long-unsigned */
    assert_int_equal(nd[8].type, DLT698_RSD);
    assert_int_equal(nd[8].choice, 6);
    assert_int_equal(nd[8].next, 14);
    assert_int_equal(nd[9].type, DLT698_DATETIME_S);
    assert_int_equal(nd[10].v.time.day, 6);
    assert_int_equal(nd[11].type, DLT698_TI);
    assert_int_equal(nd[12].type, DLT698_MS);
    assert_int_equal(nd[12].choice, 4);
    assert_int_equal(nd[13].v.u, 7);
    assert_int_equal(nd[13].off, n - 2);
    struct mh_dec d;
    assert_int_equal(dlt698_node_dec(&nd[1], -2, &d), 0);
    assert_int_equal(d.m, -2);
    assert_int_equal(d.exp, -2);
    assert_int_equal(dlt698_node_dec(&nd[2], 0, &d), MH_ERANGE);
    assert_int_equal(dlt698_node_dec(&nd[4], 0, &d), MH_EINVAL);
}

static void test_typed_writers_match_the_standard_bytes(void **state)
{
    (void)state;
    uint8_t out[256], want[256];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    struct mh_tm t = {.year = 2026, .mon = 11, .day = 29, .wday = 7, .hour = 10, .min = 30, .sec = 5, .ms = 500,
                      .has = MH_TM_FULL | MH_TM_WDAY | MH_TM_MS};
    struct mh_tm noms = t;
    noms.has &= (uint16_t)~(MH_TM_MS | MH_TM_SEC);
    const uint32_t cols[2] = {0x00100200, 0x00200200};
    const uint8_t sa[6] = {1, 0, 0, 0, 0, 0}, bits[1] = {0xA0}, dcb[5] = {3, 2, 8, 1, 0};
    dlt698_put_struct(&w, 34);
    dlt698_put_null(&w);
    dlt698_put_array(&w, 0);
    dlt698_put_bool(&w, 7);
    dlt698_put_bits(&w, bits, 3);
    dlt698_put_i32(&w, -2);
    dlt698_put_u32(&w, 123456);
    dlt698_put_octets(&w, sa, 2);
    dlt698_put_visible(&w, "AB", 2);
    dlt698_put_utf8(&w, "C", 1);
    dlt698_put_i8(&w, -128);
    dlt698_put_i16(&w, -200);
    dlt698_put_u8(&w, 255);
    dlt698_put_u16(&w, 2413);
    dlt698_put_i64(&w, -1);
    dlt698_put_u64(&w, 1);
    dlt698_put_enum(&w, 2);
    dlt698_put_f32(&w, 1.0f);
    dlt698_put_f64(&w, 1.0);
    dlt698_put_time(&w, DLT698_DATETIME, &t);
    dlt698_put_time(&w, DLT698_DATETIME, &noms);
    dlt698_put_time(&w, DLT698_DATE, &t);
    dlt698_put_time(&w, DLT698_TIME, &t);
    dlt698_put_time(&w, DLT698_DATETIME_S, &t);
    dlt698_put_oi(&w, 0x4000);
    dlt698_put_oad(&w, 0x00100200);
    dlt698_put_road(&w, 0x50040200, cols, 2);
    dlt698_put_omd(&w, 0x80008100);
    dlt698_put_ti(&w, 1, 15);
    dlt698_put_tsa(&w, sa, 6);
    dlt698_put_mac(&w, sa, 1);
    dlt698_put_rn(&w, sa, 1);
    dlt698_put_region(&w, 2);
    dlt698_put_u8(&w, 1);
    dlt698_put_u8(&w, 9);
    dlt698_put_scaler_unit(&w, -1, 35);
    dlt698_put_comdcb(&w, dcb);
    assert_int_equal(mh_wr_err(&w), 0);
    size_t n = hex("02 22 00 01 00 03 01 04 03 A0 05 FF FF FF FE 06 00 01 E2 40 09 02 01 00 0A 02 41 42 0C 01 43 "
                   "0F 80 10 FF 38 11 FF 12 09 6D 14 FF FF FF FF FF FF FF FF 15 00 00 00 00 00 00 00 01 16 02 "
                   "17 3F 80 00 00 18 3F F0 00 00 00 00 00 00 19 07 EA 0B 1D 00 0A 1E 05 01 F4 "
                   "19 07 EA 0B 1D 00 0A 1E FF FF FF 1A 07 EA 0B 1D 00 1B 0A 1E 05 1C 07 EA 0B 1D 0A 1E 05 "
                   "50 40 00 51 00 10 02 00 52 50 04 02 00 02 00 10 02 00 00 20 02 00 53 80 00 81 00 54 01 00 0F "
                   "55 07 05 00 00 00 00 00 01 56 01 01 57 01 01 58 02 11 01 11 09 59 FF 23 5F 03 02 08 01 00",
                   want, sizeof want);
    assert_int_equal(mh_wr_len(&w), n);
    assert_memory_equal(out, want, n);
    /* and what they wrote decodes and re-encodes unchanged */
    roundtrip(out, n, 1 + 34 + 2 + 2, DLT698_STRUCT);
    /* long lengths: 0x81 nn and 0x82 nn nn */
    static uint8_t big[70000];
    memset(big, 0x5A, sizeof big);
    mh_wr_init(&w, out, sizeof out);
    dlt698_put_octets(&w, big, 300);
    assert_int_equal(mh_wr_err(&w), MH_ENOSPC);
    static uint8_t buf[70010];
    mh_wr_init(&w, buf, sizeof buf);
    dlt698_put_octets(&w, big, 200);
    assert_memory_equal(buf, "\x09\x81\xC8", 3);
    mh_wr_init(&w, buf, sizeof buf);
    dlt698_put_octets(&w, big, 300);
    assert_memory_equal(buf, "\x09\x82\x01\x2C", 4);
    mh_wr_init(&w, buf, sizeof buf);
    dlt698_put_octets(&w, big, 70000);
    assert_memory_equal(buf, "\x09\x83\x01\x11\x70", 5);
    struct mh_rd r;
    struct dlt698_node nd[2];
    mh_rd_init(&r, buf, mh_wr_len(&w));
    assert_int_equal(dlt698_data_decode(&r, nd, 2), 1);
    assert_int_equal(nd[0].count, 70000);
    mh_wr_init(&w, out, sizeof out);
    dlt698_put_tsa(&w, sa, 17);
    assert_int_equal(mh_wr_err(&w), MH_EINVAL);
}

/*
 * A TSA names the server of a frame's SA with its bytes most significant
 * first: the appendix D request to 201605190907 (SA on the wire 07 09 19 05
 * 16 20) gives the TSA 07 05 20 16 05 19 09 07, the digits as printed.
 */
static void test_tsa_of_a_frame_address_is_most_significant_first(void **state)
{
    (void)state;
    uint8_t frame[64], out[32], want[32];
    size_t n = hex("68 17 00 43 05 07 09 19 05 16 20 00 15 60 05 01 01 40 01 02 00 00 C6 07 16", frame, sizeof frame);
    struct dlt698_frame f;
    assert_int_equal(dlt698_frame_parse(frame, n, &f), 0);
    char printed[33];
    dlt698_sa_format(&f, printed);
    assert_string_equal(printed, "201605190907");
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    dlt698_put_tsa(&w, f.sa, f.sa_len);
    size_t m = hex("55 07 05 20 16 05 19 09 07", want, sizeof want);
    assert_int_equal(mh_wr_len(&w), m);
    assert_memory_equal(out, want, m);
    /* and it decodes to the same view the parsers read: AF, then the printed digits */
    struct mh_rd r;
    struct dlt698_node nd[1];
    mh_rd_init(&r, out, m);
    assert_int_equal(dlt698_data_decode(&r, nd, 1), 1);
    assert_int_equal(nd[0].count, 7);
    assert_memory_equal(nd[0].bytes, "\x05\x20\x16\x05\x19\x09\x07", 7);
    /* a one-byte address (broadcast AA) is its own reverse */
    mh_wr_init(&w, out, sizeof out);
    dlt698_put_tsa(&w, (const uint8_t *)"\xAA", 1);
    assert_memory_equal(out, "\x55\x02\x00\xAA", 4);
}

static void test_limits_are_checked(void **state)
{
    (void)state;
    uint8_t b[128];
    struct dlt698_node nd[64];
    struct mh_rd r;
    /* DLT698_MAX_DEPTH levels of nesting decode; one more is MH_EDEPTH */
    size_t k = 0;
    for (int d = 0; d < DLT698_MAX_DEPTH; d++) {
        b[k++] = DLT698_STRUCT;
        b[k++] = 1;
    }
    b[k++] = DLT698_NULL;
    mh_rd_init(&r, b, k);
    assert_int_equal(dlt698_data_decode(&r, nd, 64), DLT698_MAX_DEPTH + 1);
    uint8_t deeper[128] = {DLT698_ARRAY, 1};
    memcpy(deeper + 2, b, k);
    mh_rd_init(&r, deeper, k + 2);
    assert_int_equal(dlt698_data_decode(&r, nd, 64), MH_EDEPTH);
    mh_rd_init(&r, deeper, k + 2);
    assert_int_equal(dlt698_data_skip(&r), MH_EDEPTH);
    /* a tree deeper than the limit is not encoded either */
    for (int d = 0; d <= DLT698_MAX_DEPTH + 1; d++)
        nd[d] = (struct dlt698_node){.type = DLT698_ARRAY, .count = 1};
    nd[DLT698_MAX_DEPTH + 2] = (struct dlt698_node){.type = DLT698_NULL};
    struct mh_wr w;
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(dlt698_data_encode(&w, nd, DLT698_MAX_DEPTH + 3), MH_EDEPTH);
    /* RSD -> MS -> Region -> Data counts toward the same depth */
    /* more elements than the caller's nodes: refused at the count, not after */
    size_t n = hex("01 05 11 01 11 02 11 03 11 04 11 05", b, sizeof b);
    mh_rd_init(&r, b, n);
    assert_int_equal(dlt698_data_decode(&r, nd, 5), MH_EOVERFLOW);
    assert_int_equal(r.off, 2);
    mh_rd_init(&r, b, n);
    assert_int_equal(dlt698_data_decode(&r, nd, 6), 6);
    mh_rd_init(&r, b, n);
    assert_int_equal(dlt698_data_decode(&r, nd, 0), MH_EOVERFLOW);
    /* one node per input byte at most: an array of nulls is the worst case */
    static uint8_t nulls[DLT698_MAX_FRAME];
    static struct dlt698_node many[DLT698_MAX_NODES];
    size_t nn = DLT698_MAX_FRAME - 4;
    nulls[0] = DLT698_ARRAY, nulls[1] = 0x82, nulls[2] = (uint8_t)(nn >> 8), nulls[3] = (uint8_t)nn;
    mh_rd_init(&r, nulls, DLT698_MAX_FRAME);
    assert_int_equal(dlt698_data_decode(&r, many, DLT698_MAX_NODES), (int)nn + 1);
    assert_true(nn + 1 <= DLT698_MAX_FRAME);
    /* a length field cut short */
    n = hex("09 82 01", b, sizeof b);
    mh_rd_init(&r, b, n);
    assert_int_equal(dlt698_data_decode(&r, nd, 64), MH_ETRUNC);
    /* lengths and counts larger than what remains */
    static const char *const liars[] = {
        "09 05 01 02", "0A 81 80 41", "04 81 FF 00", "01 7F 00", "02 03 00 00",
        "52 00 10 02 00 02 00 20 02 00", "60 03 00 00 10 02 00", "5C 03 02 05 01",
        "5A 03 05 " SEL2, "55 09 05 01 02 03 04 05 06", "5E 00 00 00 01 00 05 11",
    };
    for (size_t i = 0; i < sizeof liars / sizeof liars[0]; i++) {
        n = hex(liars[i], b, sizeof b);
        mh_rd_init(&r, b, n);
        int rc = dlt698_data_decode(&r, nd, 64);
        if (rc != MH_EBADLEN)
            fail_msg("%s: %d, want MH_EBADLEN", liars[i], rc);
    }
    /* a length form the standard does not have (0x80, more than 4 length bytes) */
    n = hex("09 80", b, sizeof b);
    mh_rd_init(&r, b, n);
    assert_int_equal(dlt698_data_decode(&r, nd, 64), MH_EBADLEN);
    /* undefined tags, selectors and choices */
    static const struct {
        const char *hex;
        int err;
    } bad[] = {{"07 00", MH_EUNKNOWN}, {"61", MH_EUNKNOWN}, {"FF", MH_EUNKNOWN}, {"5A 0B", MH_EPROTO},
               {"5C 08", MH_EPROTO}, {"5B 02 00 10 02 00", MH_EPROTO}, {"60 01 05 00 10 02 00", MH_EPROTO},
               {"01 01 08", MH_EUNKNOWN}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = hex(bad[i].hex, b, sizeof b);
        mh_rd_init(&r, b, n);
        int rc = dlt698_data_decode(&r, nd, 64);
        if (rc != bad[i].err)
            fail_msg("%s: %d, want %d", bad[i].hex, rc, bad[i].err);
    }
    mh_rd_init(&r, b, n);
    assert_int_equal(dlt698_value_decode(&r, 0x07, nd, 64), MH_EINVAL);
}

static void test_malformed_trees_are_not_encoded(void **state)
{
    (void)state;
    uint8_t out[64];
    struct mh_wr w;
    /* a ROAD whose children are not OADs; a structure missing its children; an undefined type */
    struct dlt698_node road[2] = {{.type = DLT698_ROAD, .count = 1}, {.type = DLT698_UNSIGNED}};
    struct dlt698_node short_struct[2] = {{.type = DLT698_STRUCT, .count = 3}, {.type = DLT698_NULL}};
    struct dlt698_node unknown[1] = {{.type = 0x07}};
    struct dlt698_node rsd3[2] = {{.type = DLT698_RSD, .choice = 3, .count = 1}, {.type = DLT698_RSD, .choice = 1}};
    struct dlt698_node ms[1] = {{.type = DLT698_MS, .choice = 9}};
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(dlt698_data_encode(&w, road, 2), MH_EINVAL);
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(dlt698_data_encode(&w, short_struct, 2), MH_EINVAL);
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(dlt698_data_encode(&w, unknown, 1), MH_EINVAL);
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(dlt698_data_encode(&w, rsd3, 2), MH_EINVAL);
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(dlt698_data_encode(&w, ms, 1), MH_EINVAL);
    /* a hand-built tree (no next / off) encodes by counts */
    const uint8_t addr[6] = {1, 0, 0, 0, 0, 0};
    struct dlt698_node t[4] = {
        {.type = DLT698_STRUCT, .count = 2},
        {.type = DLT698_LONG_U, .v.u = 1},
        {.type = DLT698_TSA, .count = 7, .bytes = (const uint8_t *)"\x05\x01\x00\x00\x00\x00\x00"},
    };
    (void)addr;
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(dlt698_data_encode(&w, t, 4), 3);
    uint8_t want[32];
    size_t n = hex("02 02 12 00 01 55 07 05 01 00 00 00 00 00", want, sizeof want);
    assert_int_equal(mh_wr_len(&w), n);
    assert_memory_equal(out, want, n);
    mh_wr_init(&w, out, 4);
    assert_int_equal(dlt698_data_encode(&w, t, 4), MH_ENOSPC);
}

static void test_streaming_tokens_agree_with_the_tree(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t b[256];
        size_t n = hex(cases[i].hex, b, sizeof b);
        struct mh_rd r;
        struct dlt698_token t;
        mh_rd_init(&r, b, n);
        assert_int_equal(dlt698_token_read(&r, &t), 0);
        assert_int_equal(t.type, cases[i].type);
        /* a scalar or a raw composite: the token covers the whole value */
        if (t.type != DLT698_ARRAY && t.type != DLT698_STRUCT && t.type != DLT698_REGION &&
            t.type != DLT698_SID_MAC)
            assert_int_equal(r.off, n);
    }
    /* the legacy RSD/RCSD helpers the APDU layer used keep their contracts */
    uint8_t b[64];
    size_t n = hex("02 00 20 21 02 00 01 50 04 02 00 02 00 10 02 00 00 20 02 00", b, sizeof b);
    struct mh_rd r;
    uint32_t cols = 0;
    mh_rd_init(&r, b, n);
    assert_int_equal(dlt698_rcsd_read(&r, &cols), 0);
    assert_int_equal(cols, 2);
    assert_int_equal(mh_rd_left(&r), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_round_trips),
        cmocka_unit_test(test_every_rsd_selector_and_ms_choice_is_covered),
        cmocka_unit_test(test_values_land_in_their_fields),
        cmocka_unit_test(test_typed_writers_match_the_standard_bytes),
        cmocka_unit_test(test_tsa_of_a_frame_address_is_most_significant_first),
        cmocka_unit_test(test_limits_are_checked),
        cmocka_unit_test(test_malformed_trees_are_not_encoded),
        cmocka_unit_test(test_streaming_tokens_agree_with_the_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
