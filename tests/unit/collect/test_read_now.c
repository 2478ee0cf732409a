/*
 * On-demand reads (read_now.c): the request frames of each protocol byte
 * for byte (checksums and CRCs worked out independently), the steps of a
 * DL/T 645 read, items without a source refused, and replies from the
 * captured vectors decoded into normalized items.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/hex.h"
#include "meterhub/proto/item.h"
#include "task_seen.h"

static const uint16_t pn12[2] = {1, 2};
static const uint8_t sa698[6] = {0x02, 0, 0, 0, 0, 0x20}; /* 200000000002, wire order */
static const uint8_t sa645[6] = {0x08, 0, 0, 0, 0, 0x10}; /* 100000000008 */
static const uint32_t three[3] = {MH_ITEM_AE_IMP, MH_ITEM_U_L1, MH_ITEM_I_L1};

/* Hex text (spaces allowed) into out; the byte count. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    long n = mh_hex_decode(hex, strlen(hex), out, cap, NULL);
    assert_true(n > 0);
    return (size_t)n;
}

static void expect_request(uint8_t proto, const uint32_t *items, size_t n, unsigned step,
                           const char *hex)
{
    uint8_t buf[CREQ_MAX], want[CREQ_MAX];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_now_request(&w, proto, 0x0171, 0x0001, proto == FEP_PROTO_DLT698 ? sa698
                                                                                           : sa645,
                                       pn12, 2, items, n, step),
                     0);
    size_t wl = unhex(hex, want, sizeof want);
    assert_int_equal(mh_wr_len(&w), wl);
    assert_memory_equal(buf, want, wl);
}

static void test_gdw1376_afn0c_one_unit_per_fn_group(void **state)
{
    (void)state;
    /* A1 0171, A2 0001, A3 02 (MSA 1); DA pn 1+2 (03 01); F129: DT 01 10. */
    static const uint32_t ae[1] = {MH_ITEM_AE_IMP};
    expect_request(FEP_PROTO_GDW1376, ae, 1, 0,
                   "68 32 00 32 00 68 4B 71 01 01 00 02 0C 60 03 01 01 10 41 16");
    /* +A and voltage, current: F129 (group 17) and F25 (group 4) are two units. */
    expect_request(FEP_PROTO_GDW1376, three, 3, 0,
                   "68 42 00 42 00 68 4B 71 01 01 00 02 0C 60 03 01 01 10 03 01 01 03 49 16");
    assert_int_equal(ctask_now_steps(FEP_PROTO_GDW1376, three, 3), 1);
}

static void test_dlt698_get_normal_list(void **state)
{
    (void)state;
    /* GET-Request-NormalList (05 02), PIID 0, 0010 0200, 2000 0200, 2001 0200, no time tag. */
    expect_request(FEP_PROTO_DLT698, three, 3, 0,
                   "68 20 00 43 05 02 00 00 00 00 20 10 52 4E 05 02 00 03 00 10 02 00 20 00 02 00"
                   " 20 01 02 00 00 E4 09 16");
    assert_int_equal(ctask_now_steps(FEP_PROTO_DLT698, three, 3), 1);
}

static void test_dlt645_one_block_per_step(void **state)
{
    (void)state;
    assert_int_equal(ctask_now_steps(FEP_PROTO_DLT645, three, 3), 3);
    expect_request(FEP_PROTO_DLT645, three, 3, 0,
                   "FE FE FE FE 68 08 00 00 00 00 10 68 11 04 33 32 34 33 C9 16");
    expect_request(FEP_PROTO_DLT645, three, 3, 1,
                   "FE FE FE FE 68 08 00 00 00 00 10 68 11 04 33 32 34 35 CB 16");
    assert_int_equal(ctask_now_di(three, 3, 2), 0x0202FF00u);
    assert_int_equal(ctask_now_di(three, 3, 3), 0);
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_now_request(&w, FEP_PROTO_DLT645, 0, 0, sa645, pn12, 1, three, 3, 3),
                     MH_ERANGE);
}

static void test_items_without_a_source_are_refused(void **state)
{
    (void)state;
    /* Reactive energy and the tariff of a power have no on-demand source. */
    static const uint32_t bad[2] = {MH_ITEM_AE_IMP, MH_ITEM_RE_IMP};
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_now_steps(FEP_PROTO_GDW1376, bad, 2), MH_EINVAL);
    assert_int_equal(ctask_now_request(&w, FEP_PROTO_GDW1376, 1, 1, sa645, pn12, 1, bad, 2, 0),
                     MH_EINVAL);
    assert_true(collect_read_item_ok(MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 2)));
    assert_true(collect_read_item_ok(MH_ITEM_U_L3));
    assert_false(collect_read_item_ok(MH_OBIS_TARIFF(MH_ITEM_P, 1)));
    assert_false(collect_read_item_ok(MH_ITEM_RE_IMP));
}

static void parse_hex(uint8_t proto, const char *hex, const uint8_t sa[6], uint32_t di,
                      struct seen *s)
{
    uint8_t f[512];
    size_t n = unhex(hex, f, sizeof f);
    memset(s, 0, sizeof *s);
    assert_int_equal(ctask_now_parse(proto, f, n, sa, di, 1, on_value, s), 0);
}

static void expect_reading(const struct seen *s, int i, uint32_t item, const char *text)
{
    char buf[40];
    assert_true(i < s->n);
    assert_int_equal(s->item[i], item);
    assert_true(mh_dec_format(s->v[i], buf, sizeof buf) > 0);
    assert_string_equal(buf, text);
}

static void test_replies_from_the_vectors(void **state)
{
    (void)state;
    struct seen s;
    /* 1376.1 AFN0C F129 of pn 1: the total (A.14), four tariffs EE (no data: not reported). */
    parse_hex(FEP_PROTO_GDW1376,
              "68 C6 00 C6 00 68 88 71 01 22 08 02 0C A2 01 01 01 10 18 16 28 08 18 04 00 01 00"
              " 00 00 EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE 02 39 19 16 28"
              " 00 8C 16",
              NULL, 0, &s);
    assert_int_equal(s.n, 1);
    expect_reading(&s, 0, MH_ITEM_AE_IMP, "0.0100");
    /* 698.45 GET-Response of 2000 0200: three phase voltages, 0.1 V. */
    parse_hex(FEP_PROTO_DLT698,
              "68 24 00 C3 05 00 00 00 00 00 00 00 D9 D0 85 01 00 20 00 02 00 01 01 03 12 09 6D 12"
              " 09 6E 12 09 6F 00 00 D7 FA 16",
              NULL, 0, &s);
    assert_int_equal(s.n, 3);
    expect_reading(&s, 0, MH_ITEM_U_L1, "241.3");
    expect_reading(&s, 2, MH_ITEM_U_L3, "241.5");
    /* DL/T 645-2007 0201FF00 from meter 652022122018 (as the fep hands it: no FE preamble). */
    static const uint8_t sa[6] = {0x18, 0x20, 0x12, 0x22, 0x20, 0x65};
    parse_hex(FEP_PROTO_DLT645,
              "68 18 20 12 22 20 65 68 91 0A 33 32 34 35 33 33 33 33 C7 56 13 16", sa,
              0x0201FF00u, &s);
    assert_int_equal(s.n, 3);
    expect_reading(&s, 2, MH_ITEM_U_L3, "239.4");
    /* The same reply is another meter's, or to another read: refused. */
    uint8_t f[64];
    size_t n = unhex(
        "68 18 20 12 22 20 65 68 91 0A 33 32 34 35 33 33 33 33 C7 56 13 16", f,
        sizeof f);
    assert_int_equal(ctask_now_parse(FEP_PROTO_DLT645, f, n, sa645, 0x0201FF00u, 1,
                                     on_value, &s),
                     MH_EPROTO);
    assert_int_equal(
        ctask_now_parse(FEP_PROTO_DLT645, f, n, sa, 0x0202FF00u, 1, on_value, &s),
        MH_EPROTO);
}

/* Through the terminal's forward: AFN10 F1 carrying the DL/T 645 read, and its reply unwrapped. */
static void test_forward_request_and_reply(void **state)
{
    (void)state;
    uint8_t buf[CREQ_MAX], want[CREQ_MAX];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    /* Step 1 of +A, U, I: the voltage block 0201FF00 of meter 100000000008 on carrier port 31.
       C 4A (request class 1 data), AFN 10, p0 F1, port 1F, control 6B (2400 8E1), timeout 85
       (5 s), byte timeout 0A, length 14 00, the 645 frame, PW 16 x 00. */
    assert_int_equal(ctask_now_forward_request(&w, 0x0171, 0x0001, 31, sa645, three, 3, 1), 0);
    size_t wl = unhex("68 DA 00 DA 00 68 4A 71 01 01 00 02 10 60 00 00 01 00 1F 6B 85 0A 14 00"
                      " FE FE FE FE 68 08 00 00 00 00 10 68 11 04 33 32 34 35 CB 16"
                      " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 16",
                      want, sizeof want);
    assert_int_equal(mh_wr_len(&w), wl);
    assert_memory_equal(buf, want, wl);
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_now_forward_request(&w, 1, 1, 31, sa645, three, 3, 3), MH_EINVAL);

    /* The terminal's reply: the meter's answer (the vector below) inside AFN10 F1. */
    static const uint8_t sa[6] = {0x18, 0x20, 0x12, 0x22, 0x20, 0x65};
    uint8_t f[256];
    size_t n = unhex("68 96 00 96 00 68 88 71 01 01 00 02 10 60 00 00 01 00 1F 16 00"
                     " 68 18 20 12 22 20 65 68 91 0A 33 32 34 35 33 33 33 33 C7 56 13 16 DF 16",
                     f, sizeof f);
    struct seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(ctask_now_forward_parse(f, n, sa, 0x0201FF00u, 1, on_value, &s), 0);
    assert_int_equal(s.n, 3);
    expect_reading(&s, 2, MH_ITEM_U_L3, "239.4");
    /* Another meter's answer, or an empty one (the meter was silent): nothing taken. */
    memset(&s, 0, sizeof s);
    assert_int_equal(ctask_now_forward_parse(f, n, sa645, 0x0201FF00u, 1, on_value, &s), MH_EPROTO);
    n = unhex("68 3E 00 3E 00 68 88 71 01 01 00 02 10 60 00 00 01 00 1F 00 00 8D 16", f, sizeof f);
    assert_int_equal(ctask_now_forward_parse(f, n, sa, 0x0201FF00u, 1, on_value, &s), MH_ETIMEDOUT);
    assert_int_equal(s.n, 0);
    /* Truncated: refused, never read past. */
    assert_true(ctask_now_forward_parse(f, n - 3, sa, 0x0201FF00u, 1, on_value, &s) < 0);
}

/* DL/T 698.45 PROXY GetRequestList to the meter behind the terminal, and its PROXY-Response. */
static void test_proxy_request_and_reply(void **state)
{
    (void)state;
    static const uint32_t ae_u[2] = {MH_ITEM_AE_IMP, MH_ITEM_U_L1};
    uint8_t buf[CREQ_MAX], want[CREQ_MAX];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    /* 09 01 PIID 00, timeout 10 s, one server: TSA 05 + 100000000008 (MSB first), 5 s,
       OADs 0010 0200 and 2000 0200; no time tag. HCS and FCS: CRC-16/X.25 worked out aside. */
    assert_int_equal(ctask_now_proxy_request(&w, sa698, sa645, ae_u, 2), 0);
    size_t wl = unhex("68 29 00 43 05 02 00 00 00 00 20 10 69 A7 09 01 00 00 0A 01 07 05 10 00 00"
                      " 00 00 08 00 05 02 00 10 02 00 20 00 02 00 00 35 69 16",
                      want, sizeof want);
    assert_int_equal(mh_wr_len(&w), wl);
    assert_memory_equal(buf, want, wl);

    /* The answer: the meter's 2000 0200, three phase voltages (0.1 V). */
    uint8_t f[128];
    size_t n = unhex("68 2E 00 C3 05 02 00 00 00 00 20 10 58 C3 89 01 00 01 07 05 10 00 00 00 00 08"
                     " 01 20 00 02 00 01 01 03 12 09 6D 12 09 6E 12 09 6F 00 00 D3 59 16",
                     f, sizeof f);
    struct seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(ctask_now_proxy_parse(f, n, 1, on_value, &s), 0);
    assert_int_equal(s.n, 3);
    expect_reading(&s, 0, MH_ITEM_U_L1, "241.3");
    expect_reading(&s, 2, MH_ITEM_U_L3, "241.5");
    /* A plain GET-Response is not a proxy's answer. */
    n = unhex("68 24 00 C3 05 00 00 00 00 00 00 00 D9 D0 85 01 00 20 00 02 00 01 01 03 12 09 6D 12"
              " 09 6E 12 09 6F 00 00 D7 FA 16",
              f, sizeof f);
    assert_int_equal(ctask_now_proxy_parse(f, n, 1, on_value, &s), MH_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gdw1376_afn0c_one_unit_per_fn_group),
        cmocka_unit_test(test_dlt698_get_normal_list),
        cmocka_unit_test(test_dlt645_one_block_per_step),
        cmocka_unit_test(test_items_without_a_source_are_refused),
        cmocka_unit_test(test_replies_from_the_vectors),
        cmocka_unit_test(test_forward_request_and_reply),
        cmocka_unit_test(test_proxy_request_and_reply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
