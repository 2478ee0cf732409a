/* DL/T 645 commands and responses: every control code encodes to what the standard and the captured frames say. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/dlt645.h"
#include "vectors.h"

static const uint8_t addr[6] = {0x61, 0x10, 0x01, 0x30, 0x12, 0x15}; /* 151230011061 */
static uint8_t buf[512];
static struct mh_wr w;

/* Parse what w holds (skipping the preamble) and return the plain data. */
static struct dlt645_frame parse(uint8_t plain[255])
{
    struct mh_frame_span sp;
    assert_int_equal(mh_wr_err(&w), 0);
    assert_int_equal(dlt645_frame_scan(buf, mh_wr_len(&w), &sp), 1);
    assert_int_equal(sp.off + sp.len, mh_wr_len(&w));
    struct dlt645_frame f;
    assert_int_equal(dlt645_frame_parse(buf + sp.off, sp.len, &f), 0);
    dlt645_data_plain(&f, plain);
    return f;
}

static void reset(void)
{
    mh_wr_init(&w, buf, sizeof buf);
}

static void expect_bytes(const char *hex)
{
    uint8_t want[128];
    size_t n = tv_hex(hex, want, sizeof want);
    assert_int_equal(mh_wr_len(&w), n);
    assert_memory_equal(buf, want, n);
}

static void test_reads_match_captured_frames(void **state)
{
    (void)state;
    reset();
    assert_int_equal(dlt645_enc_read(&w, addr, DLT645_2007, 0x00010000), 0);
    expect_bytes("FE FE FE FE 68 61 10 01 30 12 15 68 11 04 33 33 34 33 7B 16");
    const uint8_t a97[6] = {0x95, 0x32, 0x06, 0x00, 0x00, 0x00};
    reset();
    assert_int_equal(dlt645_enc_read(&w, a97, DLT645_1997, 0x9010), 0);
    uint8_t plain[255];
    struct dlt645_frame f = parse(plain);
    assert_int_equal(f.ctrl, 0x01);
    assert_int_equal(f.len, 2);
    assert_int_equal(plain[0], 0x10);
    assert_int_equal(plain[1], 0x90);
    reset();
    struct mh_tm start = {.year = 2026, .mon = 11, .day = 23, .hour = 0, .min = 15, .has = MH_TM_DATE | MH_TM_HM};
    assert_int_equal(dlt645_enc_read_records(&w, addr, 0x06000001, 96, &start), 0);
    f = parse(plain);
    assert_int_equal(f.len, 10);
    assert_int_equal(plain[4], 0x96); /* N in BCD */
    assert_int_equal(plain[5], 0x15); /* mm */
    assert_int_equal(plain[9], 0x26); /* YY */
    reset();
    assert_int_equal(dlt645_enc_read_follow(&w, addr, DLT645_2007, 0x06000001, 2), 0);
    f = parse(plain);
    assert_int_equal(f.ctrl, DLT645_READ_FOLLOW);
    assert_int_equal(plain[4], 2);
}

static void test_remote_trip_matches_captured_frame(void **state)
{
    (void)state;
    struct dlt645_auth a = {0x02, 0x000000, 0x00000001};
    struct mh_tm until = {.year = 2099, .mon = 12, .day = 30, .has = MH_TM_FULL};
    reset();
    assert_int_equal(dlt645_enc_remote_control(&w, addr, &a, DLT645_RC_TRIP, &until), 0);
    /* The captured frame has password 03 06 02 (P0..P2 after -33: 02 37 06 02?); compare the parts we set. */
    uint8_t plain[255];
    struct dlt645_frame f = parse(plain);
    assert_int_equal(f.ctrl, 0x1C);
    assert_int_equal(f.len, 16);
    assert_int_equal(plain[0], 0x02);
    assert_int_equal(plain[4], 0x01); /* operator C0 */
    assert_int_equal(plain[8], 0x1A);
    const uint8_t deadline[6] = {0x00, 0x00, 0x00, 0x30, 0x12, 0x99};
    assert_memory_equal(plain + 10, deadline, 6);
    struct mh_tm bad = until;
    bad.mon = 13;
    reset();
    assert_int_equal(dlt645_enc_remote_control(&w, addr, &a, DLT645_RC_TRIP, &bad), MH_EBADTIME);
}

static void test_every_command_round_trips(void **state)
{
    (void)state;
    struct dlt645_auth a = {0x04, 0x123456, 0x87654321};
    uint8_t plain[255];
    struct dlt645_frame f;
    struct mh_tm t = {.year = 2026, .mon = 11, .day = 24, .hour = 3, .min = 25, .sec = 7, .has = MH_TM_FULL};

    reset();
    assert_int_equal(dlt645_enc_broadcast_time(&w, &t), 0);
    f = parse(plain);
    assert_int_equal(f.ctrl, DLT645_BROADCAST_TIME);
    assert_int_equal(f.addr[0], 0x99);
    assert_int_equal(plain[0], 0x07);
    assert_int_equal(plain[5], 0x26);

    reset();
    assert_int_equal(dlt645_enc_freeze(&w, addr, 0, 0, 99, 99), 0);
    f = parse(plain);
    assert_int_equal(f.ctrl, DLT645_FREEZE);
    assert_int_equal(plain[2], 0x99);

    reset();
    assert_int_equal(dlt645_enc_change_baud(&w, addr, DLT645_2007, 9600), 0);
    f = parse(plain);
    assert_int_equal(plain[0], 0x20);
    reset();
    assert_int_equal(dlt645_enc_change_baud(&w, addr, DLT645_2007, 2400), 0);
    f = parse(plain);
    assert_int_equal(plain[0], 0x08);
    reset();
    assert_int_equal(dlt645_enc_change_baud(&w, addr, DLT645_2007, 115200), MH_EINVAL);

    reset();
    assert_int_equal(dlt645_enc_change_password(&w, addr, 4, 0x123456, 2, 0x654321), 0);
    f = parse(plain);
    assert_int_equal(f.ctrl, DLT645_CHANGE_PASSWORD);
    assert_int_equal(plain[0], 0x03); /* DI 04000C03 for level 2 */
    assert_int_equal(plain[3], 0x04);
    assert_int_equal(plain[8], 2);

    const uint8_t clears[3] = {DLT645_CLEAR_DEMAND, DLT645_CLEAR_METER, DLT645_CLEAR_EVENTS};
    for (int k = 0; k < 3; k++) {
        reset();
        assert_int_equal(dlt645_enc_clear(&w, addr, clears[k], &a, 0xFFFFFFFF), 0);
        f = parse(plain);
        assert_int_equal(f.ctrl, clears[k]);
        assert_int_equal(plain[0], 0x04);
        assert_int_equal(plain[1], 0x56);
        assert_int_equal(plain[7], 0x87);
        assert_int_equal(f.len, clears[k] == DLT645_CLEAR_EVENTS ? 12 : 8);
    }
    reset();
    assert_int_equal(dlt645_enc_clear(&w, addr, DLT645_READ, &a, 0), MH_EINVAL);

    const uint8_t value[4] = {0x00, 0x00, 0x00, 0x00};
    reset();
    assert_int_equal(dlt645_enc_write(&w, addr, DLT645_2007, 0x04000409, &a, value, 3), 0);
    f = parse(plain);
    assert_int_equal(f.ctrl, DLT645_WRITE);
    assert_int_equal(f.len, 4 + 8 + 3);

    const uint8_t newaddr[6] = {1, 2, 3, 4, 5, 6};
    reset();
    assert_int_equal(dlt645_enc_write_address(&w, DLT645_2007, newaddr), 0);
    f = parse(plain);
    assert_int_equal(f.addr[0], 0xAA);
    assert_memory_equal(plain, newaddr, 6);

    /* meter side */
    const uint8_t energy[4] = {0x78, 0x06, 0x00, 0x00};
    reset();
    assert_int_equal(dlt645_enc_read_response(&w, addr, DLT645_2007, 0x00010000, energy, 4, 0, -1), 0);
    expect_bytes("68 61 10 01 30 12 15 68 91 08 33 33 34 33 AB 39 33 33 49 16");
    reset();
    assert_int_equal(dlt645_enc_read_response(&w, addr, DLT645_2007, 0x06000001, energy, 4, 1, 3), 0);
    f = parse(plain);
    assert_int_equal(f.ctrl, 0xB2);
    assert_int_equal(plain[8], 3);
    reset();
    assert_int_equal(dlt645_enc_ack(&w, addr, DLT645_REMOTE_CONTROL, NULL, 0), 0);
    expect_bytes("68 61 10 01 30 12 15 68 9C 00 35 16");
    const uint8_t a97[6] = {0x95, 0x32, 0x06, 0x00, 0x00, 0x00};
    reset();
    assert_int_equal(dlt645_enc_error(&w, a97, DLT645_97_READ, 0x02), 0);
    expect_bytes("68 95 32 06 00 00 00 68 C1 01 35 94 16");
}

static void test_1997_builders(void **state)
{
    (void)state;
    const uint8_t a97[6] = {0x95, 0x32, 0x06, 0x00, 0x00, 0x00};
    struct dlt645_auth a = {0x02, 0x123456, 0};
    uint8_t plain[255];
    struct dlt645_frame f;
    reset();
    assert_int_equal(dlt645_enc_read_follow(&w, a97, DLT645_1997, 0x901F, 9), 0);
    f = parse(plain);
    assert_int_equal(f.ctrl, 0x02);
    assert_int_equal(f.len, 2); /* DI only: 1997 has no SEQ */
    const uint8_t constant[3] = {0x00, 0x36, 0x00};
    reset();
    assert_int_equal(dlt645_enc_write(&w, a97, DLT645_1997, 0xC030, &a, constant, 3), 0);
    f = parse(plain);
    assert_int_equal(f.ctrl, 0x04);
    assert_int_equal(f.len, 2 + 4 + 3);
    assert_int_equal(plain[0], 0x30);
    assert_int_equal(plain[1], 0xC0);
    assert_int_equal(plain[2], 0x02);
    assert_int_equal(plain[3], 0x56);
    assert_int_equal(plain[6], 0x00); /* data starts right after the password */
    const uint8_t newaddr[6] = {1, 2, 3, 4, 5, 6};
    reset();
    assert_int_equal(dlt645_enc_write_address(&w, DLT645_1997, newaddr), 0);
    f = parse(plain);
    assert_int_equal(f.ctrl, 0x0A);
    reset();
    assert_int_equal(dlt645_enc_change_baud(&w, a97, DLT645_1997, 1200), 0);
    f = parse(plain);
    assert_int_equal(f.ctrl, 0x0C);
    assert_int_equal(plain[0], 0x04);
    reset();
    assert_int_equal(dlt645_enc_change_baud(&w, a97, DLT645_1997, 19200), MH_EINVAL);
    /* Every 1997 code decodes with its name; responses carry D7. */
    const uint8_t codes[] = {0x01, 0x02, 0x03, 0x04, 0x08, 0x0A, 0x0C, 0x0F, 0x10};
    for (size_t k = 0; k < sizeof codes; k++) {
        reset();
        assert_int_equal(dlt645_enc_ack(&w, a97, codes[k], NULL, 0), 0);
        f = parse(plain);
        assert_int_equal(f.ctrl, 0x80 | codes[k]);
        assert_string_not_equal(dlt645_func_name(f.ctrl, DLT645_1997), "unknown");
    }
}

static void test_builders_stop_at_capacity(void **state)
{
    (void)state;
    uint8_t small[10];
    struct mh_wr sw;
    mh_wr_init(&sw, small, sizeof small);
    assert_int_equal(dlt645_enc_read(&sw, addr, DLT645_2007, 0x00010000), MH_ENOSPC);
    uint8_t big[60] = {0};
    struct dlt645_auth a = {0x02, 0, 0};
    reset();
    assert_int_equal(dlt645_enc_write(&w, addr, DLT645_2007, 0x04000401, &a, big, sizeof big), MH_EINVAL);
    reset();
    uint8_t huge[210] = {0};
    assert_int_equal(dlt645_enc_read_response(&w, addr, DLT645_2007, 0x00010000, huge, sizeof huge, 0, -1), MH_EINVAL);
}

/* One request builder per function code, both editions. */
static int build_request(enum dlt645_edition ed, uint8_t func)
{
    struct dlt645_auth a = {0x02, 0x123456, 0x00000001};
    struct mh_tm t = {.year = 2026, .mon = 11, .day = 24, .hour = 3, .min = 25, .sec = 7, .has = MH_TM_FULL};
    const uint8_t newaddr[6] = {1, 2, 3, 4, 5, 6}, esam[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    if (ed == DLT645_1997) {
        switch (func) {
        case DLT645_97_READ: return dlt645_enc_read(&w, addr, ed, 0x9010);
        case DLT645_97_READ_FOLLOW: return dlt645_enc_read_follow(&w, addr, ed, 0x901F, 0);
        case DLT645_97_REREAD: return dlt645_enc_reread_97(&w, addr);
        case DLT645_97_WRITE: return dlt645_enc_write(&w, addr, ed, 0xC030, &a, esam, 3);
        case DLT645_97_BROADCAST_TIME: return dlt645_enc_broadcast_time(&w, &t);
        case DLT645_97_WRITE_ADDRESS: return dlt645_enc_write_address(&w, ed, newaddr);
        case DLT645_97_CHANGE_BAUD: return dlt645_enc_change_baud(&w, addr, ed, 2400);
        case DLT645_97_CHANGE_PASSWORD: return dlt645_enc_change_password_97(&w, addr, 2, 0x123456, 2, 0x654321);
        case DLT645_97_CLEAR_DEMAND: return dlt645_enc_clear_demand_97(&w, addr, 2, 0x123456);
        }
        return MH_EINVAL;
    }
    switch (func) {
    case DLT645_SECURITY: return dlt645_enc_security(&w, addr, esam, sizeof esam);
    case DLT645_BROADCAST_TIME: return dlt645_enc_broadcast_time(&w, &t);
    case DLT645_READ: return dlt645_enc_read(&w, addr, ed, 0x00010000);
    case DLT645_READ_FOLLOW: return dlt645_enc_read_follow(&w, addr, ed, 0x06000001, 1);
    case DLT645_READ_ADDRESS: return dlt645_enc_read_address(&w);
    case DLT645_WRITE: return dlt645_enc_write(&w, addr, ed, 0x04000103, &a, esam, 1);
    case DLT645_WRITE_ADDRESS: return dlt645_enc_write_address(&w, ed, newaddr);
    case DLT645_FREEZE: return dlt645_enc_freeze(&w, addr, 0, 0, 99, 99);
    case DLT645_CHANGE_BAUD: return dlt645_enc_change_baud(&w, addr, ed, 9600);
    case DLT645_CHANGE_PASSWORD: return dlt645_enc_change_password(&w, addr, 4, 0x123456, 4, 0x654321);
    case DLT645_CLEAR_DEMAND:
    case DLT645_CLEAR_METER:
    case DLT645_CLEAR_EVENTS: return dlt645_enc_clear(&w, addr, func, &a, 0x03300000);
    case DLT645_REMOTE_CONTROL: return dlt645_enc_remote_control(&w, addr, &a, DLT645_RC_CLOSE_ALLOWED, &t);
    case DLT645_OUTPUT_CONTROL: return dlt645_enc_output_control(&w, addr, 1);
    }
    return MH_EINVAL;
}

/*
 * Every function code of both editions, both directions: the request
 * (master -> meter), the normal reply with D7 and the abnormal reply with
 * D7 D6 and its ERR byte; each parses back with the code, direction and
 * name it was built with.
 */
static void test_every_control_code_both_directions(void **state)
{
    (void)state;
    static const uint8_t c2007[] = {0x03, 0x08, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D};
    static const uint8_t c1997[] = {0x01, 0x02, 0x03, 0x04, 0x08, 0x0A, 0x0C, 0x0F, 0x10};
    for (int e = 0; e < 2; e++) {
        enum dlt645_edition ed = e ? DLT645_1997 : DLT645_2007;
        const uint8_t *codes = e ? c1997 : c2007;
        size_t n = e ? sizeof c1997 : sizeof c2007;
        for (size_t i = 0; i < n; i++) {
            uint8_t plain[255], func = codes[i];
            reset();
            if (build_request(ed, func) != 0)
                fail_msg("edition %d function %02X: no request", e, func);
            struct dlt645_frame f = parse(plain);
            assert_int_equal(f.ctrl, func);
            assert_string_not_equal(dlt645_func_name(f.ctrl, ed), "unknown");
            if (func != 0x03 && func != 0x08)
                assert_int_equal(dlt645_edition_of(f.ctrl), ed);
            /* normal reply (read address carries the address, baud the new Z) */
            reset();
            assert_int_equal(dlt645_enc_ack(&w, addr, func, addr, 6), 0);
            f = parse(plain);
            assert_int_equal(f.ctrl, 0x80 | func);
            assert_string_equal(dlt645_func_name(f.ctrl, ed), dlt645_func_name(func, ed));
            assert_memory_equal(plain, addr, 6);
            /* abnormal reply: ERR bit 2 (password) */
            reset();
            assert_int_equal(dlt645_enc_error(&w, addr, func, 0x04), 0);
            f = parse(plain);
            assert_int_equal(f.ctrl, 0xC0 | func);
            assert_int_equal(f.len, 1);
            assert_int_equal(plain[0], 0x04);
            assert_string_equal(dlt645_err_bit_name(2, ed), e ? "password error" : "password error or not authorised");
        }
    }
    /* follow-up flags both editions: 2007 B2 with SEQ, 1997 A1 / A2 */
    uint8_t plain[255];
    const uint8_t v[4] = {0x01, 0x00, 0x00, 0x00};
    reset();
    assert_int_equal(dlt645_enc_read_response(&w, addr, DLT645_1997, 0x901F, v, 4, 1, -1), 0);
    assert_int_equal(parse(plain).ctrl, 0xA1);
    reset();
    assert_int_equal(dlt645_enc_read_response(&w, addr, DLT645_1997, 0x901F, v, 4, 0, 0), 0);
    assert_int_equal(parse(plain).ctrl, 0x82);
    /* 1997 password and clear builders lay out PA P0 P1 P2 */
    reset();
    assert_int_equal(dlt645_enc_change_password_97(&w, addr, 2, 0x123456, 3, 0x654321), 0);
    struct dlt645_frame f = parse(plain);
    assert_int_equal(f.len, 8);
    const uint8_t pw[8] = {0x02, 0x56, 0x34, 0x12, 0x03, 0x21, 0x43, 0x65};
    assert_memory_equal(plain, pw, 8);
    reset();
    assert_int_equal(dlt645_enc_output_control(&w, addr, 3), MH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_match_captured_frames),
        cmocka_unit_test(test_remote_trip_matches_captured_frame),
        cmocka_unit_test(test_every_command_round_trips),
        cmocka_unit_test(test_1997_builders),
        cmocka_unit_test(test_builders_stop_at_capacity),
        cmocka_unit_test(test_every_control_code_both_directions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
