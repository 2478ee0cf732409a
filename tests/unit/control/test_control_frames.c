/*
 * The frames the control path builds, byte for byte, at a fixed station
 * time (2026-11-24 20:30:15, UTC+8). The expected bytes are laid out by
 * hand from Q/GDW 1376.1-2013 5.2 (L, C 4A/4B, A, SEQ with TpV and CON,
 * PW of 16 zeros, Tp = PFC ss mm hh DD delay) and 5.5 / 5.4 / 5.12 (AFN05
 * F1, F25, F31; AFN04 F46; AFN0C F5 / F6), and from DL/T 698.45 clause 7
 * (68 L C AF SA CA HCS APDU FCS 16, CRC-16/X-25) and clause 8 (ACTION /
 * SET / GET-Request Normal, PIID 80, no time tag).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "control_int.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"

#define NOW_MS 1795523415000LL /* 2026-11-24 12:30:15 UTC */
#define UTC_OFF 480

static const uint8_t trip_1376[] = {0x68, 0x8E, 0x00, 0x8E, 0x00, 0x68, 0x4A, 0x72, 0x01, 0x01, 0x00, 0x02, 0x05, 0xF0, 0x01, 0x01, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x30, 0x20, 0x24, 0x05, 0x48, 0x16};
static const uint8_t protect_1376[] = {0x68, 0x8E, 0x00, 0x8E, 0x00, 0x68, 0x4A, 0x72, 0x01, 0x01, 0x00, 0x02, 0x05, 0xF0, 0x00, 0x00, 0x01, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x30, 0x20, 0x24, 0x05, 0x4B, 0x16};
static const uint8_t clock_1376[] = {0x68, 0x8A, 0x00, 0x8A, 0x00, 0x68, 0x4A, 0x72, 0x01, 0x01, 0x00, 0x02, 0x05, 0x70, 0x00, 0x00, 0x40, 0x03, 0x15, 0x30, 0x20, 0x24, 0x51, 0x26, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x78, 0x16};
static const uint8_t month_param_1376[] = {0x68, 0x9A, 0x00, 0x9A, 0x00, 0x68, 0x4A, 0x72, 0x01, 0x01, 0x00, 0x02, 0x04, 0xF0, 0x01, 0x01, 0x20, 0x05, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x30, 0x20, 0x24, 0x05, 0x7B, 0x16};
static const uint8_t read_f5_1376[] = {0x68, 0x32, 0x00, 0x32, 0x00, 0x68, 0x4B, 0x72, 0x01, 0x01, 0x00, 0x02, 0x0C, 0x60, 0x00, 0x00, 0x10, 0x00, 0x3D, 0x16};
static const uint8_t read_f6_1376[] = {0x68, 0x32, 0x00, 0x32, 0x00, 0x68, 0x4B, 0x72, 0x01, 0x01, 0x00, 0x02, 0x0C, 0x60, 0x00, 0x00, 0x20, 0x00, 0x4D, 0x16};
static const uint8_t trip_698[] = {0x68, 0x27, 0x00, 0x43, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xE9, 0x65, 0x07, 0x01, 0x80, 0x80, 0x00, 0x81, 0x00, 0x01, 0x01, 0x02, 0x04, 0x51, 0xF2, 0x05, 0x02, 0x01, 0x11, 0x00, 0x12, 0x00, 0x1E, 0x03, 0x00, 0x00, 0xA4, 0x9B, 0x16};
static const uint8_t get_8001_698[] = {0x68, 0x17, 0x00, 0x43, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x26, 0xF6, 0x05, 0x01, 0x80, 0x80, 0x01, 0x02, 0x00, 0x00, 0x38, 0x4D, 0x16};
static const uint8_t get_8103_698[] = {0x68, 0x17, 0x00, 0x43, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x26, 0xF6, 0x05, 0x01, 0x80, 0x81, 0x03, 0x03, 0x00, 0x00, 0xD6, 0x25, 0x16};
static const uint8_t period_on_698[] = {0x68, 0x1A, 0x00, 0x43, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x48, 0x41, 0x07, 0x01, 0x80, 0x81, 0x03, 0x06, 0x00, 0x50, 0x23, 0x01, 0x00, 0xA5, 0x5D, 0x16};
static const uint8_t month_unit_698[] = {0x68, 0x29, 0x00, 0x43, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x34, 0x2C, 0x07, 0x01, 0x80, 0x81, 0x08, 0x03, 0x00, 0x02, 0x04, 0x50, 0x23, 0x01, 0x14, 0x00, 0x00, 0x00, 0x00, 0x05, 0x5D, 0x4A, 0x80, 0x11, 0x50, 0x0F, 0x00, 0x00, 0xEE, 0x6D, 0x16};
static const uint8_t clock_698[] = {0x68, 0x1F, 0x00, 0x43, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x8C, 0x4A, 0x06, 0x01, 0x80, 0x40, 0x00, 0x02, 0x00, 0x1C, 0x07, 0xEA, 0x0B, 0x18, 0x14, 0x1E, 0x0F, 0x00, 0xBD, 0x9C, 0x16};

static struct ccmd cmd;
static struct cjob job;

/* A one-target command of kind to terminal addr (protocol proto), pn. */
static void make(int kind, uint8_t proto, const char *addr, uint16_t pn, const struct control_params *p)
{
    memset(&cmd, 0, sizeof cmd);
    memset(&job, 0, sizeof job);
    cmd.kind = kind;
    cmd.k = ckind_of(kind);
    if (p)
        cmd.p = *p;
    cmd.n = cmd.left = 1;
    job.cmd = &cmd;
    job.tg.pn = pn;
    job.term.protocol = proto;
    snprintf(job.addr, sizeof job.addr, "%s", addr);
}

/* Build step of the current job: the builder's return, the frame in out[0..*len). */
static int build(int step, uint8_t *out, size_t cap, size_t *len)
{
    const struct cproto *p = job.term.protocol == ARCHIVE_PROTO_GDW1376 ? &cproto_gdw1376 : &cproto_dlt698;
    struct mh_wr w;
    mh_wr_init(&w, out, cap);
    int rc = p->build(&job, step, NOW_MS, UTC_OFF, &w);
    assert_int_equal(mh_wr_err(&w), 0);
    *len = mh_wr_len(&w);
    return rc;
}

static void expect_frame(int step, const uint8_t *want, size_t n)
{
    uint8_t out[1024];
    size_t len;
    assert_int_equal(build(step, out, sizeof out, &len), 0);
    assert_int_equal(len, n);
    assert_memory_equal(out, want, n);
}

/* The step does not apply: nothing written. */
static void expect_skip(int step)
{
    uint8_t out[1024];
    size_t len;
    assert_int_equal(build(step, out, sizeof out, &len), 1);
    assert_int_equal(len, 0);
}

static void test_1376_trip_protect_read_frames(void **state)
{
    (void)state;
    struct control_params p = {0};
    p.trip.limit_half_h = 2;
    make(CONTROL_TRIP, ARCHIVE_PROTO_GDW1376, "01720001", 1, &p);
    expect_frame(CSTEP_PRE, read_f5_1376, sizeof read_f5_1376);
    expect_skip(CSTEP_PARAMS);
    expect_frame(CSTEP_CMD, trip_1376, sizeof trip_1376);
    expect_frame(CSTEP_READ, read_f6_1376, sizeof read_f6_1376);
    p.protect_half_h = 4;
    make(CONTROL_PROTECT_ON, ARCHIVE_PROTO_GDW1376, "01720001", 0, &p);
    expect_frame(CSTEP_CMD, protect_1376, sizeof protect_1376);
    expect_frame(CSTEP_READ, read_f5_1376, sizeof read_f5_1376);
}

static void test_1376_clock_without_tp_and_month_parameters(void **state)
{
    (void)state;
    make(CONTROL_CLOCK_SYNC, ARCHIVE_PROTO_GDW1376, "01720001", 0, NULL);
    expect_frame(CSTEP_CMD, clock_1376, sizeof clock_1376);
    struct control_params p = {0};
    p.month.set = 1;
    p.month.limit_kwh = 120000;
    make(CONTROL_MONTH_ON, ARCHIVE_PROTO_GDW1376, "01720001", 1, &p);
    expect_frame(CSTEP_PARAMS, month_param_1376, sizeof month_param_1376);
    p.month.set = 0;
    make(CONTROL_MONTH_ON, ARCHIVE_PROTO_GDW1376, "01720001", 1, &p);
    expect_skip(CSTEP_PARAMS); /* no parameters given: the terminal's own are used */
    make(CONTROL_MESSAGE, ARCHIVE_PROTO_GDW1376, "01720001", 0, NULL);
    expect_skip(CSTEP_READ); /* a text message leaves no state to read */
}

static void test_698_frames(void **state)
{
    (void)state;
    struct control_params p = {0};
    p.trip.limit_half_h = 1;
    make(CONTROL_TRIP, ARCHIVE_PROTO_DLT698, "000000000001", 1, &p);
    expect_frame(CSTEP_PRE, get_8001_698, sizeof get_8001_698);
    expect_frame(CSTEP_CMD, trip_698, sizeof trip_698);
    make(CONTROL_PERIOD_ON, ARCHIVE_PROTO_DLT698, "000000000001", 1, NULL);
    expect_skip(CSTEP_PARAMS);
    expect_frame(CSTEP_CMD, period_on_698, sizeof period_on_698);
    expect_frame(CSTEP_READ, get_8103_698, sizeof get_8103_698);
    p.month.set = 1;
    p.month.limit_kwh = 9000;
    make(CONTROL_MONTH_ON, ARCHIVE_PROTO_DLT698, "000000000001", 1, &p);
    expect_frame(CSTEP_PARAMS, month_unit_698, sizeof month_unit_698);
    make(CONTROL_CLOCK_SYNC, ARCHIVE_PROTO_DLT698, "000000000001", 0, NULL);
    expect_frame(CSTEP_CMD, clock_698, sizeof clock_698);
}

static void test_bad_addresses_are_refused(void **state)
{
    (void)state;
    uint8_t out[256];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    make(CONTROL_TRIP, ARCHIVE_PROTO_GDW1376, "0172000G", 1, NULL);
    assert_int_equal(cproto_gdw1376.build(&job, CSTEP_CMD, NOW_MS, UTC_OFF, &w), MH_EBADADDR);
    make(CONTROL_TRIP, ARCHIVE_PROTO_DLT698, "00000000001", 1, NULL);
    assert_int_equal(cproto_dlt698.build(&job, CSTEP_CMD, NOW_MS, UTC_OFF, &w), MH_EBADADDR);
}

static void test_kind_names_round_trip(void **state)
{
    (void)state;
    for (int k = 1; k < CONTROL_KIND_COUNT_; k++)
        assert_int_equal(control_kind_parse(control_kind_name(k)), k);
    assert_int_equal(control_kind_parse("explode"), MH_ENOENT);
    assert_true(control_kind_cuts(CONTROL_TRIP));
    assert_true(control_kind_cuts(CONTROL_BUY_ON));
    assert_false(control_kind_cuts(CONTROL_CLOSE));
    assert_false(control_kind_cuts(CONTROL_PROTECT_OFF));
}

/*
 * Cross-checks with frames captured from other implementations
 * (/work/shared/protocols/vectors): the same command at the same time lays
 * out the same bytes. 698.45 "698-set-clock-req" (SET 4000 0200 at
 * 2026-10-07 15:00:00): equal from the OAD on, the PIID being ours.
 * 1376.1 "376-time-sync-2byte-pw-variant" (AFN05 F31 at 2015-03-12
 * 10:30:55, a Thursday): equal data unit; that terminal's profile has a
 * 2-byte PW and a Tp, ours neither on F31.
 */
static const uint8_t vec_698_set_clock[] = {0x68, 0x1F, 0x00, 0x43, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                            0x00, 0xD8, 0xC5, 0x06, 0x01, 0x00, 0x40, 0x00, 0x02, 0x00, 0x1C,
                                            0x07, 0xEA, 0x0A, 0x07, 0x0F, 0x00, 0x00, 0x00, 0x06, 0xD5, 0x16};
static const uint8_t vec_1376_f31_unit[] = {0x00, 0x00, 0x40, 0x03, 0x55, 0x30, 0x10, 0x12, 0x83, 0x15};

static void test_frames_agree_with_captured_vectors(void **state)
{
    (void)state;
    const struct cproto *p = &cproto_dlt698;
    uint8_t out[256];
    struct mh_wr w;
    make(CONTROL_CLOCK_SYNC, ARCHIVE_PROTO_DLT698, "000000000000", 0, NULL);
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(p->build(&job, CSTEP_CMD, 1791356400000LL, UTC_OFF, &w), 0);
    /* both: 68 L L C AF SA(6) CA HCS(2) | APDU; the APDU from the OAD to the end of the time tag */
    assert_int_equal(mh_wr_len(&w), sizeof vec_698_set_clock);
    assert_memory_equal(out + 14, vec_698_set_clock + 14, 2); /* SET-Request Normal */
    assert_memory_equal(out + 17, vec_698_set_clock + 17, sizeof vec_698_set_clock - 17 - 3);

    make(CONTROL_CLOCK_SYNC, ARCHIVE_PROTO_GDW1376, "01720001", 0, NULL);
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(cproto_gdw1376.build(&job, CSTEP_CMD, 1426127455000LL, UTC_OFF, &w), 0);
    struct gdw1376_frame f;
    assert_int_equal(gdw1376_frame_parse(out, mh_wr_len(&w), 16, &f), 0);
    assert_int_equal(f.units_len, sizeof vec_1376_f31_unit);
    assert_memory_equal(f.units, vec_1376_f31_unit, sizeof vec_1376_f31_unit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_1376_trip_protect_read_frames),
        cmocka_unit_test(test_1376_clock_without_tp_and_month_parameters),
        cmocka_unit_test(test_698_frames),
        cmocka_unit_test(test_bad_addresses_are_refused),
        cmocka_unit_test(test_kind_names_round_trip),
        cmocka_unit_test(test_frames_agree_with_captured_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
