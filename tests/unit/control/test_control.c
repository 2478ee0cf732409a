/*
 * Load-management commands end to end: the control engine sends through a
 * real fep session to simulated Q/GDW 1376.1 and DL/T 698.45 terminals over
 * loopback. For each kind: the command frame built, the device's effect
 * (the simulated terminal's state and, for a trip, the load its meter
 * sees) and the result verified by read-back. Then the refusals: protect
 * list, the device's own protect, forbidden windows, a second operator
 * missing or the same, a device that denies, one that is silent, and one
 * that confirms but whose read-back disagrees. And the route of requests
 * (serve --procs): every step through it, a lost answer UNCONFIRMED.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "control_harness.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/item.h"
#include "term.h"

static struct ch H;

static int setup(void **state)
{
    (void)state;
    ch_start(&H, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ch_stop(&H);
    return 0;
}

/* Run a command and check its outcome. */
static int64_t expect(int kind, int64_t term, uint16_t pn, const struct control_params *p, int want_state,
                      int want_result, const char *detail_has)
{
    H.n_frames = 0;
    int64_t id = ch_run(&H, kind, term, pn, p, NULL);
    int state, result;
    char detail[160];
    ch_result(&H, id, &state, &result, detail, sizeof detail);
    if (state != want_state || result != want_result || (detail_has && !strstr(detail, detail_has)))
        fail_msg("%s: state %s result %s (%s); wanted %s %s", control_kind_name(kind), control_state_name(state),
                 control_result_name(result), detail, control_state_name(want_state),
                 control_result_name(want_result));
    return id;
}

/* The command frame (the last one carrying AFN05 / ACTION / SET: parameters go first) among those built. */
static const uint8_t *command_frame(size_t *len)
{
    for (int i = H.n_frames - 1; i >= 0; i--) {
        const uint8_t *f = H.frames[i];
        struct gdw1376_frame g;
        if (gdw1376_frame_parse(f, H.frame_len[i], 16, &g) == 0 && g.afn == GDW1376_AFN_CONTROL) {
            *len = H.frame_len[i];
            return f;
        }
        struct dlt698_frame d;
        if (dlt698_frame_parse(f, H.frame_len[i], &d) == 0 &&
            (d.apdu[0] == DLT698_ACTION_REQUEST || d.apdu[0] == DLT698_SET_REQUEST)) {
            *len = H.frame_len[i];
            return f;
        }
    }
    fail_msg("no command frame built");
    return NULL;
}

/* The 1376.1 command's data units, checked against DA DT + data. */
static void expect_1376_units(const uint8_t *units, size_t n)
{
    size_t len;
    const uint8_t *f = command_frame(&len);
    struct gdw1376_frame g;
    assert_int_equal(gdw1376_frame_parse(f, len, 16, &g), 0);
    assert_int_equal(g.c, 0x4A); /* PRM 1, function 10: request user data */
    assert_int_equal(g.units_len, n);
    assert_memory_equal(g.units, units, n);
    assert_non_null(g.pw);
}

/* The 698.45 command's APDU from after PIID up to the end of its Data (OMD/OAD then Data). */
static void expect_698_apdu(uint8_t tag, const uint8_t *body, size_t n)
{
    size_t len;
    const uint8_t *f = command_frame(&len);
    struct dlt698_frame d;
    assert_int_equal(dlt698_frame_parse(f, len, &d), 0);
    assert_int_equal(d.apdu[0], tag);
    assert_int_equal(d.apdu[1], 1); /* Normal */
    assert_true(d.apdu_len >= 3 + n + 1);
    assert_memory_equal(d.apdu + 3, body, n);
    assert_int_equal(d.apdu[3 + n], 0); /* no time tag */
}

/* ---- Q/GDW 1376.1 ---- */

static void test_1376_trip_cuts_the_load_and_close_restores_it(void **state)
{
    (void)state;
    const struct sim_terminal *t = H.s_gdw[0];
    struct control_params p = {0};
    p.trip.alarm_delay_min = 0;
    p.trip.limit_half_h = 2;
    expect(CONTROL_TRIP, H.gdw[0], 1, &p, STORE_CTL_FINISHED, STORE_CTR_DONE, "read-back");
    /* AFN05 F1 p1: DA 01 01 (p1), DT 01 00 (F1), alarm delay / limit time byte 0x02 */
    static const uint8_t f1[] = {0x01, 0x01, 0x01, 0x00, 0x02};
    expect_1376_units(f1, sizeof f1);
    int64_t now = ch_now();
    assert_true(sim_term_tripped(t, now));
    struct sim_instant in;
    sim_term_instant_at(H.s, t, t->first_meter, now, &in);
    assert_int_equal(in.p_w[0], 0);
    assert_int_equal(in.current_ma[0], 0);

    expect(CONTROL_CLOSE, H.gdw[0], 1, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    static const uint8_t f2[] = {0x01, 0x01, 0x02, 0x00};
    expect_1376_units(f2, sizeof f2);
    now = ch_now();
    assert_false(sim_term_tripped(t, now));
    struct sim_instant model;
    sim_term_instant_at(H.s, t, t->first_meter, now, &in);
    sim_instant_at(&H.s->meters[t->first_meter].model, now, &model);
    assert_memory_equal(&in, &model, sizeof in);
}

static void test_1376_protect_on_refuses_a_trip_then_off(void **state)
{
    (void)state;
    const struct sim_terminal *t = H.s_gdw[0];
    struct control_params p = {0};
    p.protect_half_h = 4;
    expect(CONTROL_PROTECT_ON, H.gdw[0], 0, &p, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    static const uint8_t f25[] = {0x00, 0x00, 0x01, 0x03, 0x04}; /* F25 = group 3 bit 0 */
    expect_1376_units(f25, sizeof f25);
    assert_int_equal(sim_term_switch(t, SIM_SW_PROTECT) & 1, 1);

    /* the device's protect state is read first: the trip is never sent */
    expect(CONTROL_TRIP, H.gdw[0], 1, NULL, STORE_CTL_FINISHED, STORE_CTR_REFUSED, "device in protect");
    assert_int_equal(H.n_frames, 1); /* only the AFN0C F5 read */
    assert_false(sim_term_tripped(t, ch_now()));

    expect(CONTROL_PROTECT_OFF, H.gdw[0], 0, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    static const uint8_t f33[] = {0x00, 0x00, 0x01, 0x04}; /* F33 = group 4 bit 0 */
    expect_1376_units(f33, sizeof f33);
    assert_int_equal(sim_term_switch(t, SIM_SW_PROTECT), 0);
}

static void test_1376_urge_fee_on_off(void **state)
{
    (void)state;
    const struct sim_terminal *t = H.s_gdw[0];
    struct control_params p = {0};
    p.urge_hours = 0x00FF00; /* 08:00..15:59 */
    expect(CONTROL_URGE_ON, H.gdw[0], 0, &p, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    static const uint8_t f26[] = {0x00, 0x00, 0x02, 0x03, 0x00, 0xFF, 0x00};
    expect_1376_units(f26, sizeof f26);
    assert_int_equal(sim_term_switch(t, SIM_SW_URGE_FEE) & 1, 1);
    expect(CONTROL_URGE_OFF, H.gdw[0], 0, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    assert_int_equal(sim_term_switch(t, SIM_SW_URGE_FEE), 0);
}

/* Each power / energy control: parameters downloaded (AFN04), on (AFN05), read back, off. */
static void power_energy(int on, int off, unsigned sw, uint16_t fn_on, uint16_t param_fn,
                         const struct control_params *p)
{
    const struct sim_terminal *t = H.s_gdw[1];
    expect(on, H.gdw[1], 1, p, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    size_t len;
    const uint8_t *f = command_frame(&len);
    struct gdw1376_frame g;
    assert_int_equal(gdw1376_frame_parse(f, len, 16, &g), 0);
    uint16_t fns[8];
    assert_int_equal(g.units[0], 0x01); /* group 1 */
    assert_int_equal(gdw1376_dt_decode(g.units[2], g.units[3], fns), 1);
    assert_int_equal(fns[0], fn_on);
    assert_int_equal(sim_term_switch(t, sw) & 1, 1);
    if (param_fn) {
        const uint8_t *raw;
        size_t n;
        assert_int_equal(sim_term_param_get(t, param_fn, 1, &raw, &n), 0);
        assert_int_equal(H.n_frames, 4); /* protect read (F5), AFN04, AFN05, read-back (F5) */
    }
    expect(off, H.gdw[1], 1, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    assert_int_equal(sim_term_switch(t, sw) & 1, 0);
}

static void test_1376_power_controls(void **state)
{
    (void)state;
    struct control_params p = {0};
    p.period.set = 1;
    p.period.scheme = 0;
    p.period.periods = 0x03;
    p.period.limit_w[0] = 500000;
    p.period.limit_w[1] = 400000;
    power_energy(CONTROL_PERIOD_ON, CONTROL_PERIOD_OFF, SIM_SW_PERIOD_CTRL, 9, 41, &p);
    p.rest.set = 1;
    p.rest.limit_w = 300000;
    p.rest.start_h = 8;
    p.rest.duration_half_h = 16;
    p.rest.weekdays = 0x40;
    power_energy(CONTROL_REST_ON, CONTROL_REST_OFF, SIM_SW_REST_CTRL, 10, 42, &p);
    p.stop.set = 1;
    p.stop.from = (struct mh_tm){.year = 2026, .mon = 12, .day = 1, .has = MH_TM_DATE};
    p.stop.to = (struct mh_tm){.year = 2026, .mon = 12, .day = 31, .has = MH_TM_DATE};
    p.stop.limit_w = 100000;
    power_energy(CONTROL_STOP_ON, CONTROL_STOP_OFF, SIM_SW_STOP_CTRL, 11, 44, &p);
    p.down.slip_min = 5;
    p.down.float_pct = -20;
    p.down.ctrl_half_h = 4;
    power_energy(CONTROL_DOWN_ON, CONTROL_DOWN_OFF, SIM_SW_DOWN_CTRL, 12, 0, &p);
}

static void test_1376_energy_controls(void **state)
{
    (void)state;
    struct control_params p = {0};
    p.month.set = 1;
    p.month.limit_kwh = 120000;
    power_energy(CONTROL_MONTH_ON, CONTROL_MONTH_OFF, SIM_SW_MONTH_CTRL, 15, 46, &p);
    p.buy.set = 1;
    p.buy.order_no = 20261124;
    p.buy.amount_kwh = 5000;
    p.buy.alarm_kwh = 500;
    p.buy.trip_kwh = 100;
    power_energy(CONTROL_BUY_ON, CONTROL_BUY_OFF, SIM_SW_BUY_CTRL, 16, 47, &p);
}

static void test_1376_clock_sync_and_message(void **state)
{
    (void)state;
    const struct sim_terminal *t = H.s_gdw[0];
    expect(CONTROL_CLOCK_SYNC, H.gdw[0], 0, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    int64_t off = sim_term_clock(H.s, t, ch_now()) - ch_now();
    assert_true(off >= -2 && off <= 2);

    struct control_params p = {0};
    p.msg.important = 1;
    p.msg.number = 3;
    p.msg.len = 4;
    memcpy(p.msg.text, "\xCD\xA3\xB5\xE7", 4); /* GB2312 停电 */
    expect(CONTROL_MESSAGE, H.gdw[0], 0, &p, STORE_CTL_FINISHED, STORE_CTR_ACKED, NULL);
    /* F32: DA p0, DT 80 03, kind/number 0x13, length 4, text */
    static const uint8_t f32[] = {0x00, 0x00, 0x80, 0x03, 0x13, 0x04, 0xCD, 0xA3, 0xB5, 0xE7};
    expect_1376_units(f32, sizeof f32);
    struct sim_term_message m;
    assert_int_equal(sim_term_message(t, 0, &m), 0);
    assert_int_equal(m.len, 4);
    assert_memory_equal(m.text, p.msg.text, 4);
}

/* ---- DL/T 698.45 ---- */

static void test_698_trip_and_close(void **state)
{
    (void)state;
    const struct sim_terminal *t = H.s_698;
    struct control_params p = {0};
    p.trip.limit_half_h = 1;
    expect(CONTROL_TRIP, H.d698, 1, &p, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    /* OMD 8000 81 00, array 1 of structure 4 {OAD F205 02 01, unsigned 0, long-unsigned 30, bool 0} */
    static const uint8_t trip[] = {0x80, 0x00, 0x81, 0x00, 0x01, 0x01, 0x02, 0x04, 0x51, 0xF2, 0x05, 0x02, 0x01,
                                   0x11, 0x00, 0x12, 0x00, 0x1E, 0x03, 0x00};
    expect_698_apdu(DLT698_ACTION_REQUEST, trip, sizeof trip);
    assert_true(sim_term_tripped(t, ch_now()));
    struct sim_instant in;
    sim_term_instant_at(H.s, t, t->first_meter, ch_now(), &in);
    assert_int_equal(in.p_w[0], 0);

    expect(CONTROL_CLOSE, H.d698, 1, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    static const uint8_t close_[] = {0x80, 0x00, 0x82, 0x00, 0x01, 0x01, 0x02, 0x02,
                                     0x51, 0xF2, 0x05, 0x02, 0x01, 0x16, 0x00};
    expect_698_apdu(DLT698_ACTION_REQUEST, close_, sizeof close_);
    assert_false(sim_term_tripped(t, ch_now()));
}

static void test_698_protect_and_urge(void **state)
{
    (void)state;
    const struct sim_terminal *t = H.s_698;
    expect(CONTROL_PROTECT_ON, H.d698, 0, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    static const uint8_t on[] = {0x80, 0x01, 0x7F, 0x00, 0x00};
    expect_698_apdu(DLT698_ACTION_REQUEST, on, sizeof on);
    assert_int_equal(sim_term_switch(t, SIM_SW_PROTECT) & 1, 1);
    expect(CONTROL_TRIP, H.d698, 1, NULL, STORE_CTL_FINISHED, STORE_CTR_REFUSED, "device in protect");
    assert_false(sim_term_tripped(t, ch_now()));
    expect(CONTROL_PROTECT_OFF, H.d698, 0, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    assert_int_equal(sim_term_switch(t, SIM_SW_PROTECT), 0);

    struct control_params p = {0};
    p.urge_hours = 0xFFFFFF;
    expect(CONTROL_URGE_ON, H.d698, 0, &p, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    static const uint8_t urge[] = {0x80, 0x02, 0x7F, 0x00, 0x02, 0x02, 0x09, 0x03, 0xFF, 0xFF, 0xFF, 0x0A, 0x00};
    expect_698_apdu(DLT698_ACTION_REQUEST, urge, sizeof urge);
    assert_int_equal(sim_term_switch(t, SIM_SW_URGE_FEE) & 1, 1);
    expect(CONTROL_URGE_OFF, H.d698, 0, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    assert_int_equal(sim_term_switch(t, SIM_SW_URGE_FEE), 0);
}

static void test_698_power_and_energy_controls(void **state)
{
    (void)state;
    const struct sim_terminal *t = H.s_698;
    static const struct {
        int on, off;
        unsigned sw;
        uint16_t oi;
    } k[] = {
        {CONTROL_PERIOD_ON, CONTROL_PERIOD_OFF, SIM_SW_PERIOD_CTRL, 0x8103},
        {CONTROL_REST_ON, CONTROL_REST_OFF, SIM_SW_REST_CTRL, 0x8104},
        {CONTROL_STOP_ON, CONTROL_STOP_OFF, SIM_SW_STOP_CTRL, 0x8105},
        {CONTROL_DOWN_ON, CONTROL_DOWN_OFF, SIM_SW_DOWN_CTRL, 0x8106},
        {CONTROL_MONTH_ON, CONTROL_MONTH_OFF, SIM_SW_MONTH_CTRL, 0x8108},
        {CONTROL_BUY_ON, CONTROL_BUY_OFF, SIM_SW_BUY_CTRL, 0x8107},
    };
    struct control_params p = {0};
    p.period.set = p.rest.set = p.stop.set = p.month.set = p.buy.set = 1;
    p.period.periods = 1;
    p.period.limit_w[0] = 250000;
    p.rest.limit_w = 100000;
    p.stop.from = (struct mh_tm){.year = 2026, .mon = 12, .day = 1};
    p.stop.to = (struct mh_tm){.year = 2026, .mon = 12, .day = 2};
    p.month.limit_kwh = 9000;
    p.buy.amount_kwh = 100;
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        expect(k[i].on, H.d698, 1, &p, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
        assert_int_equal(sim_term_switch(t, k[i].sw) & 1, 1);
        if (k[i].oi != 0x8106) {
            /* method 6 on, its data the group's OI 2301 */
            const uint8_t on[] = {(uint8_t)(k[i].oi >> 8), (uint8_t)k[i].oi, 0x06, 0x00, 0x50, 0x23, 0x01};
            expect_698_apdu(DLT698_ACTION_REQUEST, on, sizeof on);
            const uint8_t *raw;
            size_t n;
            assert_int_equal(sim_term_param_get(t, k[i].oi, 1, &raw, &n), 0); /* the unit added by method 3 */
        }
        expect(k[i].off, H.d698, 1, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
        const uint8_t off[] = {(uint8_t)(k[i].oi >> 8), (uint8_t)k[i].oi, 0x07, 0x00, 0x50, 0x23, 0x01};
        expect_698_apdu(DLT698_ACTION_REQUEST, off, sizeof off);
        assert_int_equal(sim_term_switch(t, k[i].sw) & 1, 0);
    }
}

static void test_698_clock_sync_and_message(void **state)
{
    (void)state;
    const struct sim_terminal *t = H.s_698;
    expect(CONTROL_CLOCK_SYNC, H.d698, 0, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    int64_t off = sim_term_clock(H.s, t, ch_now()) - ch_now();
    assert_true(off >= -2 && off <= 2);
    struct control_params p = {0};
    p.msg.number = 2;
    p.msg.len = 5;
    memcpy(p.msg.text, "HELLO", 5);
    expect(CONTROL_MESSAGE, H.d698, 0, &p, STORE_CTL_FINISHED, STORE_CTR_ACKED, NULL);
    struct sim_term_message m;
    assert_int_equal(sim_term_message(t, 0, &m), 0);
    assert_int_equal(m.number, 2);
    assert_memory_equal(m.text, "HELLO", 5);
}

/* ---- refusals ---- */

static void test_protect_list_refuses_before_sending(void **state)
{
    (void)state;
    const struct sim_terminal *t = H.s_gdw[1];
    char customer[16];
    snprintf(customer, sizeof customer, "C%08u", (unsigned)t->first_meter + 1); /* the archive numbers customers from 1 */
    struct store_protect pr = {STORE_PROTECT_CUSTOMER, "", "hospital", "planner", ch_now() * 1000};
    snprintf(pr.ref, sizeof pr.ref, "%s", customer);
    assert_int_equal(store_protect_add(H.st, &pr), 0);
    assert_int_equal(store_protect_add(H.st, &pr), MH_EEXIST);
    int64_t id = expect(CONTROL_TRIP, H.gdw[1], 1, NULL, STORE_CTL_REFUSED, STORE_CTR_REFUSED, "hospital");
    assert_int_equal(H.n_frames, 0); /* nothing went to the terminal */
    assert_false(sim_term_tripped(t, ch_now()));
    /* a supply-cutting control is refused likewise; a harmless one is not */
    expect(CONTROL_MONTH_ON, H.gdw[1], 1, NULL, STORE_CTL_REFUSED, STORE_CTR_REFUSED, "protect list");
    expect(CONTROL_URGE_ON, H.gdw[1], 0, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    expect(CONTROL_URGE_OFF, H.gdw[1], 0, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    assert_int_equal(store_protect_remove(H.st, STORE_PROTECT_CUSTOMER, customer), 0);
    /* the refusal is stored with who, why and when */
    struct store_control c;
    assert_int_equal(store_control_get(H.st, id, &c), 0);
    assert_string_equal(c.who, "operator-a");
    assert_string_equal(c.reason, "control test");
    assert_true(c.created_ms > 0 && c.finished_ms >= c.created_ms);
}

static void test_forbidden_window_refuses_trips(void **state)
{
    (void)state;
    struct control_cfg cfg = {0};
    cfg.windows[0] = (struct control_window){0, 1440, 0}; /* all day, every day */
    cfg.n_windows = 1;
    ch_control_cfg(&H, &cfg);
    expect(CONTROL_TRIP, H.gdw[0], 1, NULL, STORE_CTL_REFUSED, STORE_CTR_REFUSED, "forbidden window");
    assert_int_equal(H.n_frames, 0);
    assert_false(sim_term_tripped(H.s_gdw[0], ch_now()));
    expect(CONTROL_CLOSE, H.gdw[0], 1, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL); /* closing is never forbidden */
    /* a window that does not hold the present local time (nor today's weekday) does not refuse */
    struct mh_tm tm;
    mh_tm_from_epoch(ch_now() + H.s->tz_offset_s, &tm);
    unsigned now_min = tm.hour * 60u + tm.min;
    /* [now + 2 min, now - 1 min): spans midnight, leaves out the present minutes */
    cfg.windows[0] = (struct control_window){(uint16_t)((now_min + 2) % 1440), (uint16_t)((now_min + 1439) % 1440), 0};
    cfg.windows[1] = (struct control_window){0, 1440, (uint8_t)(0x7F & ~(1u << (tm.wday % 7)))};
    cfg.n_windows = 2;
    ch_control_cfg(&H, &cfg);
    expect(CONTROL_TRIP, H.gdw[0], 1, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    expect(CONTROL_CLOSE, H.gdw[0], 1, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    /* [now - 1 min, now - 3 min): spans midnight and holds the present minutes: refused */
    cfg.windows[0] = (struct control_window){(uint16_t)((now_min + 1439) % 1440), (uint16_t)((now_min + 1437) % 1440), 0};
    cfg.n_windows = 1;
    ch_control_cfg(&H, &cfg);
    expect(CONTROL_TRIP, H.gdw[0], 1, NULL, STORE_CTL_REFUSED, STORE_CTR_REFUSED, "forbidden window");
    ch_control_cfg(&H, NULL);
}

static void test_many_users_need_a_second_different_operator(void **state)
{
    (void)state;
    struct control_cfg cfg = {0};
    cfg.confirm_over = 1;
    ch_control_cfg(&H, &cfg);
    struct control_target tg[2] = {{.terminal = H.gdw[0]}, {.terminal = H.d698}};
    struct control_request r = {.kind = CONTROL_PROTECT_ON, .who = "operator-a", .reason = "storm", .targets = tg, .n_targets = 2};
    int64_t id = control_submit(H.ctl, &r);
    assert_true(id > 0);
    assert_false(ch_wait(&H, id, 300)); /* pending: nothing sent */
    struct store_control c;
    assert_int_equal(store_control_get(H.st, id, &c), 0);
    assert_int_equal(c.state, STORE_CTL_PENDING);
    assert_int_equal(sim_term_switch(H.s_gdw[0], SIM_SW_PROTECT), 0);
    assert_int_equal(control_confirm(H.ctl, id, "operator-a"), MH_EPERM);
    assert_int_equal(control_confirm(H.ctl, id + 1000, "operator-b"), MH_ENOENT);
    assert_int_equal(control_confirm(H.ctl, id, "operator-b"), 0);
    assert_int_equal(control_confirm(H.ctl, id, "operator-c"), MH_EPROTO); /* no longer pending */
    assert_true(ch_wait(&H, id, 10000));
    struct store_control_target t[2];
    size_t n;
    assert_int_equal(control_get(H.ctl, id, &c, t, 2, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(c.state, STORE_CTL_FINISHED);
    assert_string_equal(c.confirmer, "operator-b");
    assert_int_equal(t[0].result, STORE_CTR_DONE);
    assert_int_equal(t[1].result, STORE_CTR_DONE);
    assert_int_equal(sim_term_switch(H.s_gdw[0], SIM_SW_PROTECT) & 1, 1);
    assert_int_equal(sim_term_switch(H.s_698, SIM_SW_PROTECT) & 1, 1);
    /* withdrawn before anyone confirmed: nothing is sent */
    r.kind = CONTROL_PROTECT_OFF;
    id = control_submit(H.ctl, &r);
    assert_int_equal(control_cancel(H.ctl, id, "operator-b"), 0);
    assert_int_equal(store_control_get(H.st, id, &c), 0);
    assert_int_equal(c.state, STORE_CTL_CANCELLED);
    assert_int_equal(sim_term_switch(H.s_gdw[0], SIM_SW_PROTECT) & 1, 1);
    /* a command still pending when the engine stops is cancelled by the next one, never sent */
    id = control_submit(H.ctl, &r);
    ch_control_cfg(&H, NULL);
    assert_int_equal(store_control_get(H.st, id, &c), 0);
    assert_int_equal(c.state, STORE_CTL_CANCELLED);
    assert_int_equal(control_confirm(H.ctl, id, "operator-b"), MH_EPROTO);
    struct store_control_target rt[2];
    assert_int_equal(store_control_targets(H.st, id, rt, 2), 2);
    assert_int_equal(rt[0].result, STORE_CTR_REFUSED);
    assert_non_null(strstr(rt[0].detail, "never confirmed"));
    expect(CONTROL_PROTECT_OFF, H.gdw[0], 0, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    expect(CONTROL_PROTECT_OFF, H.d698, 0, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
}

static void test_device_denies(void **state)
{
    (void)state;
    /* a concentrator has no control relays: it denies the command (AFN00 F3 / F2) */
    expect(CONTROL_URGE_ON, H.conc, 0, NULL, STORE_CTL_FINISHED, STORE_CTR_DENIED, "denied");
    expect(CONTROL_TRIP, H.conc, 1, NULL, STORE_CTL_FINISHED, STORE_CTR_UNCONFIRMED, "protect state unreadable");
    /* a 698.45 terminal without relays answers the ACTION with DAR 3 (refused) */
    expect(CONTROL_URGE_ON, H.tm698, 0, NULL, STORE_CTL_FINISHED, STORE_CTR_DENIED, "DAR 3");
}

static void test_silent_device_is_unconfirmed(void **state)
{
    (void)state;
    H.fake_mode = FAKE_SILENT;
    expect(CONTROL_URGE_ON, H.fake, 0, NULL, STORE_CTL_FINISHED, STORE_CTR_UNCONFIRMED, "timeout");
}

static void test_readback_disagreeing_is_failed(void **state)
{
    (void)state;
    /* confirms the trip (AFN00 F1) but its AFN0C F6 shows the turn closed */
    H.fake_mode = FAKE_LIAR;
    expect(CONTROL_TRIP, H.fake, 1, NULL, STORE_CTL_FINISHED, STORE_CTR_FAILED, "turn 1 is closed");
    expect(CONTROL_PROTECT_ON, H.fake, 0, NULL, STORE_CTL_FINISHED, STORE_CTR_FAILED, "protect is off");
    H.fake_mode = FAKE_SILENT;
}

static void test_bad_requests_are_refused(void **state)
{
    (void)state;
    struct control_target tg = {.terminal = H.gdw[0]};
    struct control_request r = {.kind = CONTROL_TRIP, .who = "operator-a", .reason = "x", .targets = &tg, .n_targets = 1};
    assert_int_equal(control_submit(H.ctl, &r), MH_EINVAL); /* a trip needs a turn */
    tg.pn = 1;
    r.who = "";
    assert_int_equal(control_submit(H.ctl, &r), MH_EINVAL);
    r.who = "operator-a";
    r.kind = 999;
    assert_int_equal(control_submit(H.ctl, &r), MH_EINVAL);
    r.kind = CONTROL_TRIP;
    tg.terminal = 999999;
    assert_int_equal(control_submit(H.ctl, &r), MH_ENOENT);
}

/* ---- the route of requests (control_cfg.submit / cancel: serve --procs) ---- */

#define ROUTE_REMOTE ((int64_t)1 << 62)

static struct {
    int hold; /* 1: take requests and keep them (an owner that never answers), else pass to the fep */
    int n, cancels;
    int64_t terminal[16];
    fep_done_fn done;
    void *ctx;
} R;

static int64_t route_submit(void *ctx, int64_t terminal, const char *addr, const struct fep_request *r)
{
    assert_ptr_equal(ctx, &R);
    if (R.n < 16)
        R.terminal[R.n] = terminal;
    R.n++;
    if (!R.hold)
        return fep_request_submit(ch_fep(), addr, r);
    R.done = r->done;
    R.ctx = r->ctx;
    return ROUTE_REMOTE | R.n;
}

static int route_cancel(void *ctx, int64_t id)
{
    assert_ptr_equal(ctx, &R);
    R.cancels++;
    if (!(id & ROUTE_REMOTE))
        return fep_request_cancel(ch_fep(), id);
    if (!R.done)
        return MH_ENOENT;
    fep_done_fn done = R.done;
    R.done = NULL;
    done(R.ctx, FEP_CANCELLED, NULL);
    return 0;
}

static void use_route(int hold)
{
    memset(&R, 0, sizeof R);
    R.hold = hold;
    struct control_cfg cfg = {.submit = route_submit, .cancel = route_cancel, .route_ctx = &R};
    ch_control_cfg(&H, &cfg);
}

static int64_t submit_one(int kind, int64_t terminal, uint16_t pn)
{
    struct control_target tg = {.terminal = terminal, .pn = pn};
    struct control_request r = {.kind = kind, .who = "operator-a", .reason = "route", .targets = &tg, .n_targets = 1};
    int64_t id = control_submit(H.ctl, &r);
    assert_true(id > 0);
    return id;
}

/* Every step of a command goes through the route, for its target's terminal; the result is the same. */
static void test_route_carries_every_request(void **state)
{
    (void)state;
    use_route(0);
    expect(CONTROL_TRIP, H.gdw[1], 1, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, "read-back");
    assert_int_equal(R.n, 3); /* protect state, the trip, the read-back */
    for (int i = 0; i < R.n; i++)
        assert_int_equal(R.terminal[i], H.gdw[1]);
    assert_true(sim_term_tripped(H.s_gdw[1], ch_now()));
    R.n = 0;
    expect(CONTROL_CLOSE, H.gdw[1], 1, NULL, STORE_CTL_FINISHED, STORE_CTR_DONE, NULL);
    assert_int_equal(R.n, 2);
    assert_false(sim_term_tripped(H.s_gdw[1], ch_now()));
    assert_int_equal(R.cancels, 0);
    ch_control_cfg(&H, NULL);
}

/*
 * A request the route took and then lost (the terminal's process died, the
 * terminal went offline there) ends its target UNCONFIRMED with the step;
 * one in flight when the engine stops is cancelled through the route.
 */
static void test_route_lost_answer_is_unconfirmed(void **state)
{
    (void)state;
    int st, res;
    char detail[160];
    use_route(1);
    int64_t id = submit_one(CONTROL_TRIP, H.gdw[1], 1);
    assert_int_equal(R.n, 1);
    assert_non_null(R.done);
    R.done(R.ctx, FEP_OFFLINE, NULL); /* lost at the protect-state read: nothing was sent */
    R.done = NULL;
    ch_result(&H, id, &st, &res, detail, sizeof detail);
    assert_int_equal(st, STORE_CTL_FINISHED);
    assert_int_equal(res, STORE_CTR_UNCONFIRMED);
    assert_string_equal(detail, "not sent: device protect state unreadable (offline)");

    id = submit_one(CONTROL_URGE_ON, H.gdw[1], 0);
    ch_result(&H, id, &st, &res, detail, sizeof detail);
    assert_int_equal(res, STORE_CTR_SENT); /* handed to the route: sent as far as the engine knows */
    R.done(R.ctx, FEP_OFFLINE, NULL);
    R.done = NULL;
    ch_result(&H, id, &st, &res, detail, sizeof detail);
    assert_int_equal(res, STORE_CTR_UNCONFIRMED);
    assert_string_equal(detail, "no confirmation from the device (offline)");

    id = submit_one(CONTROL_URGE_OFF, H.gdw[1], 0);
    ch_control_cfg(&H, NULL); /* the engine stops with it in flight: cancelled through the route */
    assert_int_equal(R.cancels, 1);
    assert_null(R.done);
    ch_result(&H, id, &st, &res, detail, sizeof detail);
    assert_int_equal(res, STORE_CTR_UNCONFIRMED);
    assert_string_equal(detail, "no confirmation from the device (cancelled)");
    assert_int_equal(sim_term_switch(H.s_gdw[1], SIM_SW_URGE_FEE), 0); /* nothing reached the terminal */
}

/* ---- prepayment ---- */

/* The meter a terminal reads (its first point) and its CT x PT. */
static int64_t meter_of(int64_t terminal, int64_t *ctpt)
{
    struct store_meter_filter f = STORE_METER_FILTER_ANY;
    f.terminal = terminal;
    struct store_meter_row m[2];
    assert_true(store_meters_list(H.st, &f, 0, m, 2) >= 1);
    *ctpt = (int64_t)m[0].ct * m[0].pt;
    return m[0].id;
}

static void test_prepay_warns_trips_and_restores_on_payment(void **state)
{
    (void)state;
    struct control_cfg cfg = {0};
    cfg.price_e4[0] = 12000; /* 1.2 yuan/kWh sharp, 0.9 peak, 0.6 flat, 0.3 valley */
    cfg.price_e4[1] = 9000;
    cfg.price_e4[2] = 6000;
    cfg.price_e4[3] = 3000;
    ch_control_cfg(&H, &cfg);
    const struct sim_terminal *t = H.s_gdw[0];
    int64_t k, meter = meter_of(H.gdw[0], &k);
    int64_t now = ch_now();
    int64_t reg[4] = {10000000, 20000000, 30000000, 40000000};
    ch_put_registers(&H, meter, now - 3600, reg);
    /* 0.5 kWh flat (x CT x PT) costs 3000 x k; the balance starts at 4500 k, the threshold 2000 k */
    assert_int_equal(prepay_open(H.ctl, meter, 4500 * k, 2000 * k), 0);
    reg[2] += 5000;
    ch_put_registers(&H, meter, now - 1800, reg);
    assert_int_equal(prepay_settle(H.ctl, meter), 0);
    ch_wait_idle(&H);
    struct store_prepay a;
    assert_int_equal(store_prepay_get(H.st, meter, &a), 0);
    assert_int_equal(a.balance_e4, 1500 * k);
    assert_int_equal(a.state, STORE_PREPAY_WARNED);
    assert_int_equal(sim_term_switch(t, SIM_SW_URGE_FEE) & 1, 1);
    assert_false(sim_term_tripped(t, ch_now()));
    /* settling again without new registers charges nothing */
    assert_int_equal(prepay_settle(H.ctl, meter), 0);
    assert_int_equal(store_prepay_get(H.st, meter, &a), 0);
    assert_int_equal(a.balance_e4, 1500 * k);

    /* 0.25 kWh sharp (3000 k) and 0.25 kWh valley (750 k): in arrears, tripped */
    reg[0] += 2500;
    reg[3] += 2500;
    ch_put_registers(&H, meter, now - 900, reg);
    assert_int_equal(prepay_settle(H.ctl, meter), 0);
    ch_wait_idle(&H);
    assert_int_equal(store_prepay_get(H.st, meter, &a), 0);
    assert_int_equal(a.balance_e4, -2250 * k);
    assert_int_equal(a.state, STORE_PREPAY_CUT);
    int st, res;
    char detail[160];
    ch_result(&H, a.command, &st, &res, detail, sizeof detail);
    assert_int_equal(res, STORE_CTR_DONE);
    assert_true(sim_term_tripped(t, ch_now()));

    /* a payment back above the threshold closes the turn and silences the alarm */
    assert_int_equal(prepay_topup(H.ctl, meter, 5000 * k, "cashier-7", "receipt 0042"), 0);
    ch_wait_idle(&H);
    assert_int_equal(store_prepay_get(H.st, meter, &a), 0);
    assert_int_equal(a.balance_e4, 2750 * k);
    assert_int_equal(a.state, STORE_PREPAY_NORMAL);
    assert_false(sim_term_tripped(t, ch_now()));
    assert_int_equal(sim_term_switch(t, SIM_SW_URGE_FEE) & 1, 0);
    assert_int_equal(prepay_topup(H.ctl, meter, 0, "cashier-7", "nothing"), MH_EINVAL);
    ch_control_cfg(&H, NULL);
}

static void test_prepay_obeys_the_protect_list(void **state)
{
    (void)state;
    struct control_cfg cfg = {0};
    cfg.price_e4[2] = 6000;
    ch_control_cfg(&H, &cfg);
    const struct sim_terminal *t = H.s_gdw[1];
    int64_t k, meter = meter_of(H.gdw[1], &k);
    int64_t now = ch_now();
    int64_t reg[4] = {0, 0, 50000000, 0};
    ch_put_registers(&H, meter, now - 3600, reg);
    assert_int_equal(prepay_open(H.ctl, meter, 1000 * k, 0), 0);
    struct store_protect pr = {STORE_PROTECT_CUSTOMER, "", "hospital", "planner", now * 1000};
    snprintf(pr.ref, sizeof pr.ref, "C%08u", (unsigned)t->first_meter + 1);
    assert_int_equal(store_protect_add(H.st, &pr), 0);
    reg[2] += 5000; /* 3000 k: in arrears */
    ch_put_registers(&H, meter, now - 60, reg);
    assert_int_equal(prepay_settle(H.ctl, meter), 0);
    ch_wait_idle(&H);
    struct store_prepay a;
    assert_int_equal(store_prepay_get(H.st, meter, &a), 0);
    assert_int_equal(a.balance_e4, -2000 * k);
    int st, res;
    char detail[160];
    ch_result(&H, a.command, &st, &res, detail, sizeof detail);
    assert_int_equal(res, STORE_CTR_REFUSED);
    assert_non_null(strstr(detail, "hospital"));
    assert_false(sim_term_tripped(t, ch_now()));
    assert_int_equal(store_protect_remove(H.st, STORE_PROTECT_CUSTOMER, pr.ref), 0);
    /* off the list, the next settlement trips (the refused trip is issued again), a payment restores */
    assert_int_equal(prepay_settle(H.ctl, meter), 0);
    ch_wait_idle(&H);
    assert_int_equal(store_prepay_get(H.st, meter, &a), 0);
    ch_result(&H, a.command, &st, &res, detail, sizeof detail);
    assert_int_equal(res, STORE_CTR_DONE);
    assert_true(sim_term_tripped(t, ch_now()));
    assert_int_equal(prepay_settle(H.ctl, meter), 0); /* done: not issued again */
    assert_int_equal(control_active(H.ctl), 0);
    assert_int_equal(prepay_topup(H.ctl, meter, 3000 * k, "cashier-7", "receipt 0043"), 0);
    ch_wait_idle(&H);
    assert_false(sim_term_tripped(t, ch_now()));
    /* a transformer monitor's meter has neither a control turn nor a 645 relay the station reaches */
    int64_t k2, monitored = meter_of(H.tm698, &k2);
    assert_int_equal(prepay_open(H.ctl, monitored, 1, 0), MH_ENOTSUP);
    ch_control_cfg(&H, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_1376_trip_cuts_the_load_and_close_restores_it),
        cmocka_unit_test(test_1376_protect_on_refuses_a_trip_then_off),
        cmocka_unit_test(test_1376_urge_fee_on_off),
        cmocka_unit_test(test_1376_power_controls),
        cmocka_unit_test(test_1376_energy_controls),
        cmocka_unit_test(test_1376_clock_sync_and_message),
        cmocka_unit_test(test_698_trip_and_close),
        cmocka_unit_test(test_698_protect_and_urge),
        cmocka_unit_test(test_698_power_and_energy_controls),
        cmocka_unit_test(test_698_clock_sync_and_message),
        cmocka_unit_test(test_protect_list_refuses_before_sending),
        cmocka_unit_test(test_forbidden_window_refuses_trips),
        cmocka_unit_test(test_many_users_need_a_second_different_operator),
        cmocka_unit_test(test_device_denies),
        cmocka_unit_test(test_silent_device_is_unconfirmed),
        cmocka_unit_test(test_readback_disagreeing_is_failed),
        cmocka_unit_test(test_bad_requests_are_refused),
        cmocka_unit_test(test_route_carries_every_request),
        cmocka_unit_test(test_route_lost_answer_is_unconfirmed),
        cmocka_unit_test(test_prepay_warns_trips_and_restores_on_payment),
        cmocka_unit_test(test_prepay_obeys_the_protect_list),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
