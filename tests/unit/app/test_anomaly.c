/*
 * Anomaly rules on crafted days: each rule fires on its condition, stays
 * quiet on a healthy meter, and reports start and end where the condition
 * held.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/app/anomaly.h"
#include "meterhub/base/err.h"

#define T0 1793462400 /* 2026-11-01 00:00 CST */
#define N ANOMALY_SLOTS

struct day {
    double reg[N + 1];
    uint8_t present[N + 1];
    struct anomaly_instant in[N];
    struct anomaly_meter_day d;
    struct anomaly_config c;
};

/* A healthy three-phase meter drawing kw evenly, register consistent with it. */
static void healthy(struct day *x, double kw)
{
    memset(x, 0, sizeof *x);
    anomaly_config_default(&x->c);
    for (int j = 0; j <= N; j++) {
        x->reg[j] = 1000 + kw * 0.25 * j;
        x->present[j] = 1;
    }
    for (int j = 0; j < N; j++) {
        struct anomaly_instant *s = &x->in[j];
        for (int ph = 0; ph < 3; ph++) {
            s->v[ph] = 225;
            s->i[ph] = kw / 3 * 1000 / 225;
            s->p[ph + 1] = kw / 3;
        }
        s->p[0] = kw;
        s->present = 1;
    }
    x->d = (struct anomaly_meter_day){.meter = 42,
                                      .day_start = T0,
                                      .phases = 3,
                                      .contract_kw = 10,
                                      .reg = x->reg,
                                      .reg_present = x->present,
                                      .inst = x->in};
}

static int run(struct day *x, struct anomaly_alarm *out, size_t cap)
{
    return anomaly_meter_check(&x->c, &x->d, out, cap);
}

static const struct anomaly_alarm *find(const struct anomaly_alarm *a, int n, int type)
{
    for (int i = 0; i < n; i++)
        if (a[i].type == type)
            return &a[i];
    return NULL;
}

static void test_healthy_meter_raises_nothing(void **state)
{
    (void)state;
    struct day x;
    struct anomaly_alarm a[8];
    healthy(&x, 3);
    assert_int_equal(run(&x, a, 8), 0);
}

static void test_stopped_register_with_current_from_its_first_still_slot(void **state)
{
    (void)state;
    struct day x;
    struct anomaly_alarm a[8];
    healthy(&x, 3);
    for (int j = 40; j <= N; j++)
        x.reg[j] = x.reg[40];
    int n = run(&x, a, 8);
    assert_int_equal(n, 1);
    assert_int_equal(a[0].type, ANOMALY_STOPPED);
    assert_int_equal(a[0].subject, 42);
    assert_int_equal(a[0].start, T0 + 40 * 900);
    assert_int_equal(a[0].end, 0); /* still stopped at the end of the day */
}

static void test_short_still_spell_is_not_stopped(void **state)
{
    (void)state;
    struct day x;
    struct anomaly_alarm a[8];
    healthy(&x, 3);
    /* three slots still (less than an hour), then the register catches up */
    for (int j = 41; j <= 43; j++)
        x.reg[j] = x.reg[40];
    assert_null(find(a, run(&x, a, 8), ANOMALY_STOPPED));
}

static void test_register_going_down_is_reversed_not_stopped(void **state)
{
    (void)state;
    struct day x;
    struct anomaly_alarm a[8];
    healthy(&x, 3);
    for (int j = 0; j <= N; j++)
        x.reg[j] = 5000 - 0.75 * j;
    int n = run(&x, a, 8);
    assert_non_null(find(a, n, ANOMALY_REVERSED));
    assert_null(find(a, n, ANOMALY_STOPPED));
}

static void test_racing_register_against_measured_power(void **state)
{
    (void)state;
    struct day x;
    struct anomaly_alarm a[8];
    healthy(&x, 3);
    for (int j = 0; j <= N; j++)
        x.reg[j] = 1000 + 3 * 0.25 * 2.5 * j;
    const struct anomaly_alarm *r = find(a, run(&x, a, 8), ANOMALY_RACING);
    assert_non_null(r);
    assert_true(r->value > 2.49 && r->value < 2.51);
}

static void test_voltage_loss_and_phase_failure_by_current(void **state)
{
    (void)state;
    struct day x;
    struct anomaly_alarm a[8];
    healthy(&x, 3);
    for (int j = 10; j < 20; j++)
        x.in[j].v[1] = 20; /* B low, its current still flows: voltage loss */
    for (int j = 50; j < 60; j++) {
        x.in[j].v[2] = 0; /* C gone with its current: phase failure */
        x.in[j].i[2] = 0;
        x.in[j].p[3] = 0;
    }
    int n = run(&x, a, 8);
    const struct anomaly_alarm *vl = find(a, n, ANOMALY_VOLTAGE_LOSS),
                               *pf = find(a, n, ANOMALY_PHASE_FAILURE);
    assert_non_null(vl);
    assert_non_null(pf);
    assert_int_equal(vl->phase, 1);
    assert_int_equal(vl->start, T0 + 10 * 900);
    assert_int_equal(vl->end, T0 + 20 * 900);
    assert_int_equal(pf->phase, 2);
    /* the failed phase's zero current is not also reported as imbalance */
    assert_null(find(a, n, ANOMALY_IMBALANCE));
}

static void test_imbalance_and_reverse_power(void **state)
{
    (void)state;
    struct day x;
    struct anomaly_alarm a[8];
    healthy(&x, 3);
    for (int j = 0; j < N; j++) {
        x.in[j].i[0] = 9, x.in[j].i[1] = 3, x.in[j].i[2] = 1.5;
    }
    int n = run(&x, a, 8);
    assert_non_null(find(a, n, ANOMALY_IMBALANCE));
    healthy(&x, 3);
    for (int j = 30; j < 40; j++)
        x.in[j].p[2] = -1;
    const struct anomaly_alarm *r = find(a, run(&x, a, 8), ANOMALY_REVERSE_POWER);
    assert_non_null(r);
    assert_int_equal(r->phase, 1);
    x.d.has_pv = 1; /* generation behind the meter: negative power is export */
    assert_null(find(a, run(&x, a, 8), ANOMALY_REVERSE_POWER));
}

static void test_clock_events_and_capacity(void **state)
{
    (void)state;
    struct day x;
    struct anomaly_alarm a[8];
    healthy(&x, 3);
    x.d.clock_present = 1;
    x.d.clock_offset_s = 300; /* at the limit: fine */
    assert_null(find(a, run(&x, a, 8), ANOMALY_CLOCK));
    x.d.clock_offset_s = -301;
    assert_non_null(find(a, run(&x, a, 8), ANOMALY_CLOCK));
    struct anomaly_event ev[3] = {{T0 + 5000, ANOMALY_EV_COVER_OPEN},
                                  {T0 + 9000, ANOMALY_EV_COVER_OPEN},
                                  {T0 + 7000, ANOMALY_EV_PROGRAMMING}};
    x.d.events = ev;
    x.d.n_events = 3;
    int n = run(&x, a, 8);
    const struct anomaly_alarm *co = find(a, n, ANOMALY_COVER_OPEN);
    assert_non_null(co);
    assert_int_equal(co->start, T0 + 5000);
    assert_int_equal(co->end, T0 + 9000);
    assert_true(co->value == 2);
    assert_non_null(find(a, n, ANOMALY_PROGRAMMING));
    healthy(&x, 3);
    for (int j = 36; j < 80; j++)
        x.in[j].p[0] = 12; /* 120 % of 10 kW for eleven hours */
    const struct anomaly_alarm *oc = find(a, run(&x, a, 8), ANOMALY_OVER_CAPACITY);
    assert_non_null(oc);
    assert_int_equal(oc->start, T0 + 36 * 900);
    assert_int_equal(oc->end, T0 + 80 * 900);
}

static void test_alarms_beyond_cap_are_counted_not_written(void **state)
{
    (void)state;
    struct day x;
    struct anomaly_alarm a[1];
    healthy(&x, 3);
    x.d.clock_present = 1;
    x.d.clock_offset_s = 999;
    for (int j = 40; j <= N; j++)
        x.reg[j] = x.reg[40];
    assert_int_equal(run(&x, a, 1), 2);
    assert_int_equal(anomaly_meter_check(&x.c, NULL, a, 1), MH_EINVAL);
}

/*
 * A PV customer drawing 12 kW on a 10 kW contract while 6 kW of its own
 * generation covers part of it: the grid sees 6 kW, the installation 12.
 */
static void test_over_capacity_judges_load_behind_pv(void **state)
{
    (void)state;
    static struct day x;
    struct anomaly_alarm a[8];
    healthy(&x, 6);
    x.d.has_pv = 1;
    assert_null(find(a, run(&x, a, 8), ANOMALY_OVER_CAPACITY)); /* generation unknown */
    double gen[N] = {0};
    for (int j = 40; j < 60; j++)
        gen[j] = 6;
    x.d.gen_kw = gen;
    int n = run(&x, a, 8);
    const struct anomaly_alarm *o = find(a, n, ANOMALY_OVER_CAPACITY);
    assert_non_null(o);
    assert_int_equal(o->start, T0 + 40 * ANOMALY_SLOT_S);
    assert_int_equal(o->end, T0 + 60 * ANOMALY_SLOT_S);
    assert_true(fabs(o->value - 12) < 1e-9);
    /* generation alone, exported, is not load */
    for (int j = 0; j < N; j++)
        x.in[j].p[0] = j >= 40 && j < 60 ? -4 : 0.5;
    assert_null(find(a, run(&x, a, 8), ANOMALY_OVER_CAPACITY));
}

/*
 * Five users with three days of history on a cold day: everyone x1.1, the
 * last x0.4. measured: each meter's instantaneous power accounts for what it
 * registered, or 0 for no measurement.
 */
static void cold_day(struct anomaly_user_day u[5], int measured)
{
    static const double hist[5][3] = {
        {10, 11, 10}, {8, 8, 9}, {12, 12, 12}, {5, 5, 6}, {10, 10, 10}};
    static const double today[5] = {11, 9, 13, 6, 4};
    for (int i = 0; i < 5; i++)
        u[i] = (struct anomaly_user_day){(uint32_t)i,       today[i], hist[i], 3, 0,
                                         (uint8_t)measured, today[i]};
}

static void test_sudden_drop_needs_peers_and_line_loss(void **state)
{
    (void)state;
    struct anomaly_config c;
    anomaly_config_default(&c);
    struct anomaly_user_day u[5];
    cold_day(u, 0);
    double scratch[5];
    struct anomaly_alarm a[5];
    /* the area lost 7 kWh more than usual: the drop (about 7 kWh) is confirmed */
    int n = anomaly_area_drop(&c, T0, u, 5, 7.0, scratch, a, 5);
    assert_int_equal(n, 1);
    assert_int_equal(a[0].subject, 4);
    assert_int_equal(a[0].type, ANOMALY_SUDDEN_DROP);
    /* the loss did not move: the user really used less */
    assert_int_equal(anomaly_area_drop(&c, T0, u, 5, 0.5, scratch, a, 5), 0);
    /* a stopped meter explains its own drop */
    u[4].explained = 1;
    assert_int_equal(anomaly_area_drop(&c, T0, u, 5, 7.0, scratch, a, 5), 0);
}

/* A drop the meter itself measured is real consumption, not theft, whatever the line loss. */
static void test_sudden_drop_the_meter_measured_is_not_theft(void **state)
{
    (void)state;
    struct anomaly_config c;
    anomaly_config_default(&c);
    struct anomaly_user_day u[5];
    cold_day(u, 1);
    double scratch[5];
    struct anomaly_alarm a[5];
    assert_int_equal(anomaly_area_drop(&c, T0, u, 5, 7.0, scratch, a, 5), 0);
    /* the meter measured 10 kWh and registered 4: the drop is the register's */
    u[4].measured_kwh = 10;
    assert_int_equal(anomaly_area_drop(&c, T0, u, 5, 7.0, scratch, a, 5), 1);
    assert_int_equal(a[0].subject, 4);
}

/*
 * Theft running since before the history: no user dropped, but one meter
 * registers half of what its own instantaneous power accounts for, and the
 * area's loss exceeds its expected technical loss by about that much.
 */
static void test_under_registration_confirmed_by_excess_loss(void **state)
{
    (void)state;
    struct anomaly_config c;
    anomaly_config_default(&c);
    static const double hist[4][3] = {{10, 10, 10}, {8, 8, 8}, {3, 3, 3}, {6, 6, 6}};
    /* today = measured, but the thief (2) registered 3 of 6 kWh and always did */
    double today[4] = {10, 8, 3, 6}, meas[4] = {10.1, 7.9, 6, 6};
    struct anomaly_user_day u[4];
    for (int i = 0; i < 4; i++)
        u[i] = (struct anomaly_user_day){(uint32_t)i, today[i], hist[i], 3, 0, 1, meas[i]};
    double scratch[4];
    struct anomaly_alarm a[4];
    /* the drop rule sees nothing: nobody changed */
    assert_int_equal(anomaly_area_drop(&c, T0, u, 4, 0.0, scratch, a, 4), 0);
    /* 3 kWh unregistered, the area lost 2.5 kWh beyond its technical loss: confirmed */
    int n = anomaly_area_unregistered(&c, T0, u, 4, 2.5, a, 4);
    assert_int_equal(n, 1);
    assert_int_equal(a[0].subject, 2);
    assert_int_equal(a[0].type, ANOMALY_SUDDEN_DROP);
    assert_true(a[0].value > 2.99 && a[0].value < 3.01);
    assert_int_equal(a[0].start, T0);
    /* the supply meter saw no excess: the meter's readings disagree, nothing went missing */
    assert_int_equal(anomaly_area_unregistered(&c, T0, u, 4, 0.5, a, 4), 0);
    /* no line loss known: the meter's evidence alone decides */
    assert_int_equal(anomaly_area_unregistered(&c, T0, u, 4, NAN, a, 4), 1);
    /* 0.1 kWh apart is sampling noise (users 0 and 1), a fault alarm explains the rest */
    u[2].explained = 1;
    assert_int_equal(anomaly_area_unregistered(&c, T0, u, 4, NAN, a, 4), 0);
    /* a PV user exporting on balance: net -4 measured, -5 registered: 1 kWh missing */
    u[2].explained = 0;
    u[2].today_kwh = -5;
    u[2].measured_kwh = -4;
    assert_int_equal(anomaly_area_unregistered(&c, T0, u, 4, NAN, a, 4), 1);
    /* without a measurement nothing is judged */
    u[2].explained = 0;
    u[2].has_measured = 0;
    assert_int_equal(anomaly_area_unregistered(&c, T0, u, 4, NAN, a, 4), 0);
    assert_int_equal(anomaly_area_unregistered(NULL, T0, u, 4, NAN, a, 4), MH_EINVAL);
}

static void test_expected_loss_rate_is_a_low_quantile_of_peers(void **state)
{
    (void)state;
    struct anomaly_config c;
    anomaly_config_default(&c);
    /* eleven areas at 3..7 %, one with theft at 15 %, one not judged */
    double r[13] = {0.05, 0.03, 0.07, 0.04, 0.06, 0.15, NAN, 0.035, 0.045, 0.055, 0.065, 0.04,
                    0.05};
    c.unreg_expected_quantile = 0.10;
    double e = anomaly_expected_loss_rate(&c, r, 13);
    assert_true(e > 0.0349 && e < 0.0351); /* nearest rank 0.1 x 11 -> the second lowest */
    c.unreg_expected_quantile = 0.5;
    double m[3] = {0.02, 0.04, 0.09};
    assert_true(fabs(anomaly_expected_loss_rate(&c, m, 3) - 0.04) < 1e-12);
    double none[2] = {NAN, NAN};
    assert_true(isnan(anomaly_expected_loss_rate(&c, none, 2)));
}

static void test_terminal_offline_and_collection_failure(void **state)
{
    (void)state;
    struct anomaly_config c;
    anomaly_config_default(&c);
    uint8_t online[N];
    int8_t ok[N];
    for (int j = 0; j < N; j++)
        online[j] = 1, ok[j] = 1;
    for (int j = 2; j < 10; j++)
        online[j] = 0, ok[j] = -1; /* two hours offline */
    for (int j = 50; j < 53; j++)
        ok[j] = 0; /* three failed collections in a row */
    struct anomaly_terminal_day d = {7, T0, online, ok};
    struct anomaly_alarm a[4];
    int n = anomaly_terminal_check(&c, &d, a, 4);
    assert_int_equal(n, 2);
    assert_int_equal(a[0].type, ANOMALY_TERMINAL_OFFLINE);
    assert_int_equal(a[0].start, T0 + 2 * 900);
    assert_int_equal(a[0].end, T0 + 10 * 900);
    assert_int_equal(a[1].type, ANOMALY_COLLECT_FAILURE);
    /* an hour offline is within the limit */
    for (int j = 6; j < 10; j++)
        online[j] = 1;
    ok[52] = 1;
    assert_int_equal(anomaly_terminal_check(&c, &d, a, 4), 0);
}

static void test_open_alarm_continues_across_days(void **state)
{
    (void)state;
    struct anomaly_alarm prev[1] = {{.type = ANOMALY_STOPPED,
                                     .phase = 255,
                                     .subject = 9,
                                     .start = T0 + 3600,
                                     .end = 0,
                                     .value = 1}};
    struct anomaly_alarm today[2] = {
        {.type = ANOMALY_STOPPED,
         .phase = 255,
         .subject = 9,
         .start = T0 + 86400,
         .end = T0 + 90000,
         .value = 2},
        {.type = ANOMALY_CLOCK, .phase = 255, .subject = 9, .start = T0 + 86400},
    };
    size_t n = anomaly_alarms_continue(prev, 1, today, 2, T0 + 86400);
    assert_int_equal(n, 1);
    assert_int_equal(today[0].type, ANOMALY_CLOCK);
    assert_int_equal(prev[0].start, T0 + 3600);
    assert_int_equal(prev[0].end, T0 + 90000);
}

static void test_names_and_median(void **state)
{
    (void)state;
    assert_string_equal(anomaly_type_name(ANOMALY_STOPPED), "stopped");
    assert_string_equal(anomaly_type_name(ANOMALY_COLLECT_FAILURE), "collect_failure");
    assert_string_equal(anomaly_type_name(0), "unknown");
    assert_string_equal(anomaly_type_name(ANOMALY_TYPE_COUNT_), "unknown");
    double v[5] = {5, -1, 1, 3, 2};
    assert_true(anomaly_median(v, 5) == 2.5);
    double w[1] = {-1};
    assert_true(anomaly_median(w, 1) == -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy_meter_raises_nothing),
        cmocka_unit_test(test_stopped_register_with_current_from_its_first_still_slot),
        cmocka_unit_test(test_short_still_spell_is_not_stopped),
        cmocka_unit_test(test_register_going_down_is_reversed_not_stopped),
        cmocka_unit_test(test_racing_register_against_measured_power),
        cmocka_unit_test(test_voltage_loss_and_phase_failure_by_current),
        cmocka_unit_test(test_imbalance_and_reverse_power),
        cmocka_unit_test(test_clock_events_and_capacity),
        cmocka_unit_test(test_alarms_beyond_cap_are_counted_not_written),
        cmocka_unit_test(test_sudden_drop_needs_peers_and_line_loss),
        cmocka_unit_test(test_sudden_drop_the_meter_measured_is_not_theft),
        cmocka_unit_test(test_under_registration_confirmed_by_excess_loss),
        cmocka_unit_test(test_expected_loss_rate_is_a_low_quantile_of_peers),
        cmocka_unit_test(test_over_capacity_judges_load_behind_pv),
        cmocka_unit_test(test_terminal_offline_and_collection_failure),
        cmocka_unit_test(test_open_alarm_continues_across_days),
        cmocka_unit_test(test_names_and_median),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
