/*
 * Frames of a meter's own relay (meter_frame.c), byte for byte.
 *
 * The DL/T 645-2007 remote trip is the public capture of
 * /work/shared/protocols/vectors/dlt645.json "645-07-remote-trip" (meter
 * 151230011061, PA 02, P0..P2 37 06 02, operator 00000001, N1 1A, N2 00,
 * valid until 2099-12-30 00:00:00 sent as ss mm hh DD MM YY, every byte
 * +33), with the FE FE FE FE preamble the master sends. The wrappers are
 * laid out by hand:
 *  - 1376.1 AFN10 F1 to terminal A1 0200 A2 1234, MSA 1 (A3 02): C 4A
 *    (function 10, as the codec sends every AFN10; the public capture
 *    "376-relay-read-req" shows 4B, terminals take both),
 *    SEQ 60, DA 00 00 DT 01 00, port 1F (carrier 31), control word 6B
 *    (2400 baud, 8 data bits, even parity), frame timeout 85 (5 s), byte
 *    timeout 0A (100 ms), length 20 00, the 645 frame, PW (16 x 00), CS 16;
 *  - 698.45 PROXY TransCommandRequest to server 000000000001: 68 L L, C 43,
 *    AF 05, SA, CA 10, HCS, APDU 09 07 PIID 80, port F2090201, COMDCB
 *    03 02 08 01 00, frame timeout 0005 s, byte timeout 0064 ms,
 *    octet-string, no time tag, FCS, 16 (CRC-16/X.25).
 * Replies are built the same way around the meter's 9C / DC / 91 answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control_int.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt645.h"

static const char TRIP_645[] = "68 61 10 01 30 12 15 68 1C 10 35 6A 39 35 34 33 33 33 4D 33 33 33 33 63 45 CC 2C 16";

static const char TRIP_1376[] =
    "68 0A 01 0A 01 68 4A 00 02 34 12 02 10 60 00 00 01 00 1F 6B 85 0A 20 00 FE FE FE FE 68 61 10 01 30 12 15 68 1C "
    "10 35 6A 39 35 34 33 33 33 4D 33 33 33 33 63 45 CC 2C 16 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 A4 16";

static const char READ_698[] = "68 35 00 43 05 01 00 00 00 00 00 10 8E BF 09 07 80 F2 09 02 01 03 02 08 01 00 00 05 00 "
                               "64 14 FE FE FE FE 68 61 10 01 30 12 15 68 11 04 36 38 33 37 86 16 00 28 AA 16";

/* AFN10 F1 reply, port 1F, 12 bytes: the meter's 9C (accepted) */
static const char OK_1376[] = "68 6E 00 6E 00 68 88 00 02 34 12 02 10 60 00 00 01 00 1F 0C 00 68 61 10 01 30 12 15 "
                              "68 9C 00 35 16 EE 16";
/* AFN10 F1 reply, length 0: the meter did not answer */
static const char SILENT_1376[] = "68 3E 00 3E 00 68 88 00 02 34 12 02 10 60 00 00 01 00 1F 00 00 62 16";
/* PROXY TransCommandResponse, octet-string: the meter's 91 of 04000503 = 50 00 (relay open, trip commanded) */
static const char STATUS_698[] = "68 2C 00 C3 05 01 00 00 00 00 00 10 27 E3 89 07 80 F2 09 02 01 01 12 68 61 10 01 30 "
                                 "12 15 68 91 06 36 38 33 37 83 33 BE 16 00 00 39 BE 16";
/* PROXY TransCommandResponse, DAR 33 (timed out) */
static const char TIMEOUT_698[] = "68 1A 00 C3 05 01 00 00 00 00 00 10 9F 85 89 07 80 F2 09 02 01 00 21 00 00 D1 E7 16";
/* Straight from the meter (DTU): DC ERR 04 (password wrong); 91 of 04000503 = 00 10 (keep-power) */
static const char DENY_645[] = "68 61 10 01 30 12 15 68 DC 01 37 AD 16";
static const char KEEP_645[] = "68 61 10 01 30 12 15 68 91 06 36 38 33 37 33 43 7E 16";
/* A real concentrator's AFN10 reply (vectors/gdw1376-1.json "376-relay-read-resp"): a read of 00010000 */
static const char ENERGY_1376[] = "68 AE 00 AE 00 68 A8 00 02 34 12 04 10 E0 00 00 01 00 1F 14 00 68 61 10 01 30 12 "
                                  "15 68 91 08 33 33 34 33 AB 39 33 33 49 16 4F 00 00 06 50 23 21 05 AE 16";

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (*s) {
        if (*s == ' ') {
            s++;
            continue;
        }
        char two[3] = {s[0], s[1], 0};
        assert_true(n < cap);
        out[n++] = (uint8_t)strtoul(two, NULL, 16);
        s += 2;
    }
    return n;
}

static void link_of(struct meter_link *l, uint8_t proto, const char *addr)
{
    memset(l, 0, sizeof *l);
    l->proto = proto;
    l->concentrator = 1;
    snprintf(l->addr, sizeof l->addr, "%s", addr);
    assert_int_equal(dlt645_addr_parse("151230011061", l->maddr), 0);
}

static void expect_frame(const uint8_t *got, size_t n, const char *want_hex)
{
    uint8_t want[512];
    size_t wn = unhex(want_hex, want, sizeof want);
    assert_int_equal(n, wn);
    assert_memory_equal(got, want, wn);
}

static const struct dlt645_auth AUTH = {0x02, 0x020637, 0x00000001};
static const struct mh_tm UNTIL = {.year = 2099, .mon = 12, .day = 30, .has = MH_TM_FULL};

static void test_command_behind_a_dtu_is_the_bare_645_frame(void **state)
{
    (void)state;
    struct meter_link l;
    link_of(&l, ARCHIVE_PROTO_DLT645_2007, "151230011061");
    uint8_t out[256];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(control_meter_command(&w, &l, &AUTH, DLT645_RC_TRIP, &UNTIL), 0);
    assert_int_equal(mh_wr_len(&w), 4 + 28);
    assert_memory_equal(out, "\xFE\xFE\xFE\xFE", 4);
    expect_frame(out + 4, mh_wr_len(&w) - 4, TRIP_645);
}

static void test_command_behind_a_1376_concentrator_is_afn10_f1(void **state)
{
    (void)state;
    struct meter_link l;
    link_of(&l, ARCHIVE_PROTO_GDW1376, "02001234");
    uint8_t out[512];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(control_meter_command(&w, &l, &AUTH, DLT645_RC_TRIP, &UNTIL), 0);
    expect_frame(out, mh_wr_len(&w), TRIP_1376);
    /* a terminal address that is not 8 hex digits */
    link_of(&l, ARCHIVE_PROTO_GDW1376, "0200123");
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(control_meter_command(&w, &l, &AUTH, DLT645_RC_TRIP, &UNTIL), MH_EBADADDR);
}

static void test_status_read_behind_a_698_concentrator_is_proxy_trans_command(void **state)
{
    (void)state;
    struct meter_link l;
    link_of(&l, ARCHIVE_PROTO_DLT698, "000000000001");
    uint8_t out[512];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(control_meter_status_read(&w, &l), 0);
    expect_frame(out, mh_wr_len(&w), READ_698);
    link_of(&l, ARCHIVE_PROTO_DLT645_1997, "000000000001");
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(control_meter_status_read(&w, &l), MH_ENOTSUP);
}

static void test_bad_validity_is_refused(void **state)
{
    (void)state;
    struct meter_link l;
    link_of(&l, ARCHIVE_PROTO_DLT645_2007, "151230011061");
    struct mh_tm bad = UNTIL;
    bad.mon = 13;
    uint8_t out[256];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(control_meter_command(&w, &l, &AUTH, DLT645_RC_TRIP, &bad), MH_EBADTIME);
}

static void test_default_authority_is_level_02_password_000000(void **state)
{
    (void)state;
    struct control_cfg cfg = {0};
    struct dlt645_auth a;
    control_meter_auth(&cfg, &a);
    assert_int_equal(a.level, 2);
    assert_int_equal(a.password, 0);
    cfg.meter_pw_level = 4;
    cfg.meter_password = 0x123456;
    cfg.meter_operator = 0x11;
    control_meter_auth(&cfg, &a);
    assert_int_equal(a.level, 4);
    assert_int_equal(a.password, 0x123456);
    assert_int_equal(a.operator_code, 0x11);
}

static int answer(uint8_t proto, const char *addr, const char *hex, struct meter_answer *a)
{
    struct meter_link l;
    uint8_t f[512];
    link_of(&l, proto, addr);
    size_t n = unhex(hex, f, sizeof f);
    return control_meter_answer(&l, f, n, a);
}

static void test_answers_are_unwrapped_and_parsed(void **state)
{
    (void)state;
    struct meter_answer a;
    assert_int_equal(answer(ARCHIVE_PROTO_GDW1376, "02001234", OK_1376, &a), 0);
    assert_int_equal(a.func, DLT645_REMOTE_CONTROL);
    assert_int_equal(a.abnormal, 0);
    assert_int_equal(a.has_status, 0);

    assert_int_equal(answer(ARCHIVE_PROTO_DLT698, "000000000001", STATUS_698, &a), 0);
    assert_int_equal(a.func, DLT645_READ);
    assert_int_equal(a.has_status, 1);
    assert_int_equal(a.status3, METER_ST3_RELAY_OPEN | METER_ST3_TRIP_CMD);

    assert_int_equal(answer(ARCHIVE_PROTO_DLT645_2007, "151230011061", KEEP_645, &a), 0);
    assert_int_equal(a.status3, METER_ST3_KEEP_POWER);

    assert_int_equal(answer(ARCHIVE_PROTO_DLT645_2007, "151230011061", DENY_645, &a), 0);
    assert_int_equal(a.func, DLT645_REMOTE_CONTROL);
    assert_int_equal(a.abnormal, 1);
    assert_int_equal(a.err, 0x04);
}

static void test_silence_and_strangers_are_told_apart(void **state)
{
    (void)state;
    struct meter_answer a;
    assert_int_equal(answer(ARCHIVE_PROTO_GDW1376, "02001234", SILENT_1376, &a), MH_ETIMEDOUT);
    assert_int_equal(answer(ARCHIVE_PROTO_DLT698, "000000000001", TIMEOUT_698, &a), MH_ETIMEDOUT);
    /* a read of another item is not a status word */
    assert_int_equal(answer(ARCHIVE_PROTO_GDW1376, "02001234", ENERGY_1376, &a), MH_EPROTO);
    /* the right frame for the wrong protocol */
    assert_int_equal(answer(ARCHIVE_PROTO_DLT698, "000000000001", OK_1376, &a) < 0, 1);
    /* another meter's answer */
    struct meter_link l;
    uint8_t f[64];
    link_of(&l, ARCHIVE_PROTO_DLT645_2007, "151230011061");
    l.maddr[0] ^= 1;
    size_t n = unhex(DENY_645, f, sizeof f);
    assert_int_equal(control_meter_answer(&l, f, n, &a), MH_EBADADDR);
    /* our own request echoed back is no answer */
    n = unhex(TRIP_645, f, sizeof f);
    link_of(&l, ARCHIVE_PROTO_DLT645_2007, "151230011061");
    assert_int_equal(control_meter_answer(&l, f, n, &a), MH_EPROTO);
}

/* Every prefix of a good reply is refused, none read past its length (ASan). */
static void test_truncated_replies_are_refused(void **state)
{
    (void)state;
    const char *all[] = {OK_1376, STATUS_698, KEEP_645};
    const uint8_t protos[] = {ARCHIVE_PROTO_GDW1376, ARCHIVE_PROTO_DLT698, ARCHIVE_PROTO_DLT645_2007};
    const char *addrs[] = {"02001234", "000000000001", "151230011061"};
    for (size_t k = 0; k < 3; k++) {
        struct meter_link l;
        uint8_t f[512];
        link_of(&l, protos[k], addrs[k]);
        size_t n = unhex(all[k], f, sizeof f);
        for (size_t len = 0; len < n; len++) {
            uint8_t *cut = malloc(len ? len : 1);
            memcpy(cut, f, len);
            struct meter_answer a;
            assert_true(control_meter_answer(&l, cut, len, &a) < 0);
            free(cut);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_behind_a_dtu_is_the_bare_645_frame),
        cmocka_unit_test(test_command_behind_a_1376_concentrator_is_afn10_f1),
        cmocka_unit_test(test_status_read_behind_a_698_concentrator_is_proxy_trans_command),
        cmocka_unit_test(test_bad_validity_is_refused),
        cmocka_unit_test(test_default_authority_is_level_02_password_000000),
        cmocka_unit_test(test_answers_are_unwrapped_and_parsed),
        cmocka_unit_test(test_silence_and_strangers_are_told_apart),
        cmocka_unit_test(test_truncated_replies_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
