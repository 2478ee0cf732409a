/*
 * Q/GDW 1376.1 events read by counter: the AFN0C F7 and AFN0E F1/F2
 * requests are byte-exact, the counters come out of an F7 reply and
 * nothing else, and an ERC10 record's payload says whether it is a phase
 * failure or a voltage loss, and on which phases (appendix B, ERC10 flags
 * D7..D6 and D2..D0).
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
#include "task_frame.h"

static void test_counters_request_bytes(void **state)
{
    (void)state;
    uint8_t buf[32];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_gdw1376_ec_request(&w, 0x0171, 0x0002), 0);
    /* 12 bytes of user data (0x32): C 4B, A 71 01 02 00 02, AFN 0C, SEQ 60, DA 00 00, DT 40 00 (F7) */
    uint8_t want[] = {0x68, 0x32, 0x00, 0x32, 0x00, 0x68, 0x4B, 0x71, 0x01, 0x02,
                      0x00, 0x02, 0x0C, 0x60, 0x00, 0x00, 0x40, 0x00, 0x00, 0x16};
    expect_frame(&w, want, sizeof want);
}

static void test_records_request_bytes(void **state)
{
    (void)state;
    uint8_t buf[32];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    /* records 250 .. 3 of EC1: the pointers wrap at 256 */
    assert_int_equal(ctask_gdw1376_events_request(&w, 0x0171, 0x0002, STORE_EC_IMPORTANT, 250, 4),
                     0);
    /* 14 bytes (0x3A): C 4B, A, AFN 0E, SEQ 60, DA 00 00, DT 01 00 (F1), Pm FA, Pn 04 */
    uint8_t want[] = {0x68, 0x3A, 0x00, 0x3A, 0x00, 0x68, 0x4B, 0x71, 0x01, 0x02, 0x00,
                      0x02, 0x0E, 0x60, 0x00, 0x00, 0x01, 0x00, 0xFA, 0x04, 0x00, 0x16};
    expect_frame(&w, want, sizeof want);
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_gdw1376_events_request(&w, 0x0171, 2, STORE_EC_NORMAL, 0, 1), 0);
    assert_int_equal(buf[16], 0x02); /* F2: normal events */
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_gdw1376_events_request(&w, 0x0171, 2, 3, 0, 1), MH_EINVAL);
}

static void test_counters_parse(void **state)
{
    (void)state;
    const uint8_t ok[] = {0x00, 0x00, 0x40, 0x00, 0x11, 0x02};
    uint8_t ec[2] = {0, 0};
    assert_int_equal(ctask_gdw1376_ec_parse(ok, sizeof ok, ec), 0);
    assert_int_equal(ec[0], 0x11);
    assert_int_equal(ec[1], 0x02);
    for (size_t n = 0; n < sizeof ok; n++) /* every cut: an error, never a counter */
        assert_true(ctask_gdw1376_ec_parse(ok, n, ec) < 0);
    const uint8_t f2[] = {0x00, 0x00, 0x02, 0x00, 0x11, 0x02}; /* F2, the clock's Fn */
    assert_int_equal(ctask_gdw1376_ec_parse(f2, sizeof f2, ec), MH_EPROTO);
    const uint8_t p1[] = {0x01, 0x01, 0x40, 0x00, 0x11, 0x02}; /* a measuring point's */
    assert_int_equal(ctask_gdw1376_ec_parse(p1, sizeof p1, ec), MH_EPROTO);
}

/* ERC10 on pn 3 with flags, time 2026-11-23 08:15, the values "no data". */
static size_t erc10(uint8_t *p, uint8_t flags)
{
    static const uint8_t head[] = {10, 28, 0x15, 0x08, 0x23, 0x11, 0x26, 0x03, 0x80};
    memcpy(p, head, sizeof head);
    p[sizeof head] = flags;
    memset(p + sizeof head + 1, 0xEE, 28 - 8);
    return 30;
}

static void payload_of(uint8_t flags, char *buf, size_t cap)
{
    uint8_t rec[32];
    size_t n = erc10(rec, flags);
    struct mh_rd r;
    mh_rd_init(&r, rec, n);
    struct gdw1376_erc e;
    assert_int_equal(gdw1376_erc_next(&r, &e), 0);
    int len = collect_erc_payload(&e, buf, cap);
    assert_true(len > 0 && (size_t)len < cap);
}

static void test_erc10_payload_tells_the_kind(void **state)
{
    (void)state;
    char buf[COLLECT_PAYLOAD_MAX];
    payload_of(0x41, buf, sizeof buf);
    assert_string_equal(buf, "{\"erc\":10,\"pn\":3,\"start\":1,\"name\":\"voltage_loop_abnormal\","
                             "\"kind\":\"phase_failure\",\"phases\":\"A\"}");
    payload_of(0x86, buf, sizeof buf);
    assert_string_equal(buf, "{\"erc\":10,\"pn\":3,\"start\":1,\"name\":\"voltage_loop_abnormal\","
                             "\"kind\":\"voltage_loss\",\"phases\":\"BC\"}");
    payload_of(0x07, buf, sizeof buf); /* D7..D6 00: reserved, said so */
    assert_non_null(strstr(buf, "\"kind\":\"reserved\",\"phases\":\"ABC\""));
    /* too small a buffer: the length it needs, not a cut text taken for whole */
    assert_true(collect_erc_payload(&(struct gdw1376_erc){.erc = 37, .known = 1}, buf, 8) >= 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_request_bytes),
        cmocka_unit_test(test_records_request_bytes),
        cmocka_unit_test(test_counters_parse),
        cmocka_unit_test(test_erc10_payload_tells_the_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
