/* Q/GDW 1376.1 AFN05 control: master builders byte-exact, terminal parser, rejections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "vectors.h"

static const uint8_t hello_gb2312[] = {0xC4, 0xE3, 0xBA, 0xC3};

static size_t build_units(uint8_t *u, size_t cap)
{
    struct gdw1376_ctrl c[4] = {
        {.pn = 1, .fn = 1, .u.trip = {2, 3}},
        {.pn = 0, .fn = 31, .u.clock = {.year = 2026, .mon = 11, .day = 24, .hour = 9, .min = 30, .sec = 15, .wday = 2,
                                        .has = MH_TM_DATE | MH_TM_HMS | MH_TM_WDAY}},
        {.pn = 0, .fn = 32, .u.msg = {1, 15, sizeof hello_gb2312, hello_gb2312}},
        {.pn = 1, .fn = 12, .u.down = {5, -5, 10, 4, {1, 2, 3, 4}}},
    };
    struct mh_wr w;
    mh_wr_init(&w, u, cap);
    for (int i = 0; i < 4; i++)
        assert_int_equal(gdw1376_ctrl_put(&w, &c[i]), 0);
    return mh_wr_len(&w);
}

static void test_control_frame_byte_exact(void **state)
{
    (void)state;
    uint8_t u[128], b[256], want[256];
    size_t un = build_units(u, sizeof u);
    struct gdw1376_unit unit[1] = {{0, 0, 0, 0, NULL, 0}};
    /* the units area is passed whole: split the first head off by hand */
    unit[0] = (struct gdw1376_unit){u[0], u[1], u[2], u[3], u + 4, un - 4};
    struct gdw1376_req r = {.addr = {0x0200, 0x1234, 2, 0}, .afn = GDW1376_AFN_CONTROL, .pseq = 1, .con = 1};
    struct mh_wr w;
    mh_wr_init(&w, b, sizeof b);
    assert_int_equal(gdw1376_req_encode(&w, &r, unit, 1), 0);
    size_t wn = tv_hex("68 F6 00 F6 00 68 4A 00 02 34 12 04 05 71 01 01 01 00 23 00 00 40 03 15 30 09 24 51 26 00 00 80 03"
                       " 1F 04 C4 E3 BA C3 01 01 08 01 05 85 0A 04 01 02 03 04"
                       " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 D5 16",
                       want, sizeof want);
    assert_int_equal(mh_wr_len(&w), wn);
    assert_memory_equal(b, want, wn);
}

static void test_terminal_parses_every_command(void **state)
{
    (void)state;
    uint8_t u[128];
    size_t un = build_units(u, sizeof u);
    struct gdw1376_ctrl c[8];
    assert_int_equal(gdw1376_ctrl_parse(u, un, c, 8), 4);
    assert_int_equal(c[0].fn, 1);
    assert_int_equal(c[0].pn, 1);
    assert_int_equal(c[0].u.trip.alarm_delay_min, 2);
    assert_int_equal(c[0].u.trip.limit_half_h, 3);
    assert_int_equal(c[1].fn, 31);
    assert_int_equal(c[1].u.clock.year, 2026);
    assert_int_equal(c[1].u.clock.sec, 15);
    assert_int_equal(c[1].u.clock.wday, 2);
    assert_int_equal(c[2].u.msg.kind, 1);
    assert_int_equal(c[2].u.msg.number, 15);
    assert_int_equal(c[2].u.msg.len, 4);
    assert_memory_equal(c[2].u.msg.text, hello_gb2312, 4);
    assert_int_equal(c[3].u.down.float_pct, -5);
    assert_int_equal(c[3].u.down.alarm_min[3], 4);
    assert_string_equal(gdw1376_ctrl_name(25), "protect_on");
    assert_null(gdw1376_ctrl_name(99));
    /* every truncation point of the area is rejected, never read past */
    for (size_t k = 1; k < un; k++) {
        int rc = gdw1376_ctrl_parse(u, k, c, 8);
        if (k == 5 || k == 15 || k == 25) /* a cut between commands leaves fewer, whole ones */
            assert_int_equal(rc, k == 5 ? 1 : k == 15 ? 2 : 3);
        else
            assert_true(rc < 0);
    }
    assert_int_equal(gdw1376_ctrl_parse(u, un, c, 3), MH_EOVERFLOW);
}

static void test_every_fn_round_trips(void **state)
{
    (void)state;
    static const uint16_t fns[] = {2, 9, 10, 11, 15, 16, 17, 18, 19, 20, 23, 24, 25, 26, 27, 28, 29,
                                   33, 34, 35, 36, 37, 38, 39, 41, 42, 49, 50, 51, 52, 53};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        struct gdw1376_ctrl c = {.pn = fns[i] <= 24 ? 2 : 0, .fn = fns[i]};
        if (fns[i] == 9)
            c.u.period.periods = 0x0F, c.u.period.scheme = 2;
        else if (fns[i] == 25)
            c.u.protect_half_h = 48;
        else if (fns[i] == 26)
            c.u.urge_hours = 0x00FF00;
        else if (fns[i] == 41 || fns[i] == 42)
            c.u.capacitors = 0x0103;
        else if (fns[i] >= 49)
            c.u.port = 31;
        uint8_t u[16];
        struct mh_wr w;
        mh_wr_init(&w, u, sizeof u);
        assert_int_equal(gdw1376_ctrl_put(&w, &c), 0);
        struct gdw1376_ctrl g;
        assert_int_equal(gdw1376_ctrl_parse(u, mh_wr_len(&w), &g, 1), 1);
        assert_int_equal(g.fn, c.fn);
        assert_int_equal(g.pn, c.pn);
        assert_memory_equal(&g.u, &c.u, sizeof g.u);
    }
}

static void test_rejects_bad_fields(void **state)
{
    (void)state;
    uint8_t u[300];
    struct mh_wr w;
    mh_wr_init(&w, u, sizeof u);
    struct gdw1376_ctrl c = {.pn = 1, .fn = 1, .u.trip = {16, 0}};
    assert_int_equal(gdw1376_ctrl_put(&w, &c), MH_ERANGE);
    c = (struct gdw1376_ctrl){.fn = 3};
    assert_int_equal(gdw1376_ctrl_put(&w, &c), MH_EUNKNOWN);
    c = (struct gdw1376_ctrl){.fn = 31, .u.clock = {.year = 2026, .mon = 2, .day = 30, .has = MH_TM_DATE | MH_TM_HMS}};
    assert_int_equal(gdw1376_ctrl_put(&w, &c), MH_EBADTIME);
    c = (struct gdw1376_ctrl){.fn = 32, .u.msg = {0, 0, 201, u}};
    assert_int_equal(gdw1376_ctrl_put(&w, &c), MH_ERANGE);
    c = (struct gdw1376_ctrl){.fn = 12, .u.down = {.float_pct = 80}};
    assert_int_equal(gdw1376_ctrl_put(&w, &c), MH_ERANGE);
    /* oversized text length on the wire */
    uint8_t msg[] = {0, 0, 0x80, 0x03, 0x00, 0xC9};
    struct gdw1376_ctrl g;
    assert_int_equal(gdw1376_ctrl_parse(msg, sizeof msg, &g, 1), MH_ERANGE);
    /* text length past the area */
    uint8_t cut[] = {0, 0, 0x80, 0x03, 0x00, 0x05, 0x41, 0x42};
    assert_int_equal(gdw1376_ctrl_parse(cut, sizeof cut, &g, 1), MH_ETRUNC);
    /* bad clock, bad A.4, port 0, unknown Fn */
    uint8_t clk[] = {0, 0, 0x40, 0x03, 0x15, 0x30, 0x25, 0x24, 0x51, 0x26};
    assert_int_equal(gdw1376_ctrl_parse(clk, sizeof clk, &g, 1), MH_EBADTIME);
    uint8_t a4[] = {1, 1, 0x08, 0x01, 5, 0x8A, 0, 0, 0, 0, 0, 0};
    assert_int_equal(gdw1376_ctrl_parse(a4, sizeof a4, &g, 1), MH_EBADBCD);
    uint8_t port[] = {0, 0, 0x01, 0x06, 0};
    assert_int_equal(gdw1376_ctrl_parse(port, sizeof port, &g, 1), MH_ERANGE);
    uint8_t unk[] = {0, 0, 0x04, 0x00};
    assert_int_equal(gdw1376_ctrl_parse(unk, sizeof unk, &g, 1), MH_EUNKNOWN);
}

static void test_multi_pn_trip_unit(void **state)
{
    (void)state;
    /* one unit: turns 1 and 2, F1 each with its own byte */
    uint8_t u[] = {0x03, 0x01, 0x01, 0x00, 0x10, 0x21};
    struct gdw1376_ctrl g[2];
    assert_int_equal(gdw1376_ctrl_parse(u, sizeof u, g, 2), 2);
    assert_int_equal(g[0].pn, 1);
    assert_int_equal(g[0].u.trip.alarm_delay_min, 1);
    assert_int_equal(g[1].pn, 2);
    assert_int_equal(g[1].u.trip.limit_half_h, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_frame_byte_exact),
        cmocka_unit_test(test_terminal_parses_every_command),
        cmocka_unit_test(test_every_fn_round_trips),
        cmocka_unit_test(test_rejects_bad_fields),
        cmocka_unit_test(test_multi_pn_trip_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
