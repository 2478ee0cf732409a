#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meter_model.h"

/* 2026-11-02 00:00 China Standard Time (a Monday), epoch seconds */
#define DAY0 (1793577600 - 8 * 3600)
#define DAY_S 86400

static struct sim_meter meter(uint32_t id, int customer)
{
    struct sim_meter m = {0};
    m.seed = 42;
    m.id = id;
    m.customer = (uint8_t)customer;
    m.phases = customer == SIM_CUST_RESIDENTIAL || customer == SIM_CUST_PV ? 1 : 3;
    m.register_origin = DAY0 - 40 * DAY_S;
    m.initial_wh10 = 12345678;
    m.pv_peak_w = customer == SIM_CUST_PV ? 5000 : 0;
    return m;
}

/* Registers by brute force: initial split plus every interval's energy. */
static void registers_slow(const struct sim_meter *m, int64_t t, struct sim_registers *r)
{
    struct sim_meter copy = *m;
    sim_registers_at(&copy, copy.register_origin, r); /* the initial values */
    for (int64_t k = m->register_origin / SIM_INTERVAL_S; k < t / SIM_INTERVAL_S; k++) {
        struct sim_interval e;
        sim_interval_energy(m, k, &e);
        int tr = sim_tariff_of(k);
        r->import_wh10[0] += e.import_wh10;
        r->import_wh10[tr] += e.import_wh10;
        r->export_wh10[0] += e.export_wh10;
        r->export_wh10[tr] += e.export_wh10;
    }
}

static void test_fast_registers_equal_interval_sums(void **state)
{
    (void)state;
    int kinds[] = {SIM_CUST_RESIDENTIAL, SIM_CUST_COMMERCIAL, SIM_CUST_INDUSTRIAL, SIM_CUST_PV};
    for (size_t i = 0; i < 4; i++) {
        struct sim_meter m = meter((uint32_t)(100 + i), kinds[i]);
        for (int d = 0; d < 3; d++) {
            int64_t t = DAY0 + d * DAY_S;
            struct sim_registers fast, slow;
            sim_registers_at(&m, t, &fast);
            registers_slow(&m, t, &slow);
            for (int j = 0; j < 5; j++) {
                assert_true(fast.import_wh10[j] == slow.import_wh10[j]);
                assert_true(fast.export_wh10[j] == slow.export_wh10[j]);
            }
            assert_true(fast.import_wh10[0] == fast.import_wh10[1] + fast.import_wh10[2] +
                                                   fast.import_wh10[3] + fast.import_wh10[4]);
        }
    }
}

static void test_model_is_deterministic_and_meters_differ(void **state)
{
    (void)state;
    struct sim_meter a = meter(7, SIM_CUST_RESIDENTIAL), b = meter(8, SIM_CUST_RESIDENTIAL);
    struct sim_registers r1, r2, r3;
    sim_registers_at(&a, DAY0, &r1);
    sim_registers_at(&a, DAY0, &r2);
    sim_registers_at(&b, DAY0, &r3);
    assert_true(r1.import_wh10[0] == r2.import_wh10[0]);
    assert_true(r1.import_wh10[0] != r3.import_wh10[0]);
}

static void test_daily_consumption_is_plausible(void **state)
{
    (void)state;
    struct sim_meter m = meter(9, SIM_CUST_RESIDENTIAL);
    struct sim_registers r0, r1;
    sim_registers_at(&m, DAY0, &r0);
    sim_registers_at(&m, DAY0 + DAY_S, &r1);
    int64_t kwh100 = (r1.import_wh10[0] - r0.import_wh10[0]) / 100; /* 0.01 kWh */
    assert_true(kwh100 > 300 && kwh100 < 4000); /* 3..40 kWh a day */
}

static void test_instant_power_matches_interval_energy(void **state)
{
    (void)state;
    struct sim_meter m = meter(11, SIM_CUST_INDUSTRIAL);
    for (int j = 0; j < 96; j += 7) {
        int64_t t = DAY0 + j * SIM_INTERVAL_S + 100;
        struct sim_instant in;
        sim_instant_at(&m, t, &in);
        int64_t want = sim_load_wh10(&m, t / SIM_INTERVAL_S) * 2 / 5;
        assert_true(in.p_w[0] >= want - 3 && in.p_w[0] <= want);
        assert_true(in.voltage_dv[0] >= 2150 && in.voltage_dv[0] <= 2290);
        assert_true(in.pf_milli[0] > 800 && in.pf_milli[0] <= 1000);
        assert_true(in.current_ma[0] > 0);
    }
}

static void test_pv_exports_at_noon_not_at_night(void **state)
{
    (void)state;
    struct sim_meter m = meter(12, SIM_CUST_PV);
    int64_t noon = (DAY0 + 12 * 3600) / SIM_INTERVAL_S, night = (DAY0 + 2 * 3600) / SIM_INTERVAL_S;
    assert_true(sim_pv_wh10(&m, noon) > 0);
    assert_true(sim_pv_wh10(&m, night) == 0);
    struct sim_registers r0, r1;
    sim_registers_at(&m, DAY0, &r0);
    sim_registers_at(&m, DAY0 + DAY_S, &r1);
    assert_true(r1.export_wh10[0] > r0.export_wh10[0]);
}

static void test_anomalies_change_what_is_registered(void **state)
{
    (void)state;
    int64_t start = DAY0 + 10 * 3600;
    struct sim_meter m = meter(13, SIM_CUST_COMMERCIAL);
    struct sim_registers a, b;

    m.anomaly = SIM_ANOM_STOPPED;
    m.anomaly_start = start;
    sim_registers_at(&m, start, &a);
    sim_registers_at(&m, start + 5 * 3600, &b);
    assert_true(a.import_wh10[0] == b.import_wh10[0]);
    struct sim_instant in;
    sim_instant_at(&m, start + 3600, &in);
    assert_true(in.current_ma[0] > 0); /* load still flows */

    m.anomaly = SIM_ANOM_REVERSED;
    sim_registers_at(&m, start + 5 * 3600, &b);
    assert_true(b.import_wh10[0] < a.import_wh10[0]);

    struct sim_meter plain = meter(13, SIM_CUST_COMMERCIAL);
    struct sim_registers p;
    sim_registers_at(&plain, start + 5 * 3600, &p);
    int64_t normal = p.import_wh10[0] - a.import_wh10[0];
    m.anomaly = SIM_ANOM_RACING;
    m.factor = 300;
    sim_registers_at(&m, start + 5 * 3600, &b);
    assert_true(b.import_wh10[0] - a.import_wh10[0] > 2 * normal);
    m.anomaly = SIM_ANOM_THEFT;
    m.factor = 40;
    sim_registers_at(&m, start + 5 * 3600, &b);
    assert_true(b.import_wh10[0] - a.import_wh10[0] < normal * 7 / 10);

    m.anomaly = SIM_ANOM_CLOCK_DRIFT;
    m.factor = 120; /* 2 minutes a day fast */
    assert_true(sim_meter_clock(&m, start + 2 * DAY_S) == start + 2 * DAY_S + 240);
    assert_true(sim_meter_clock(&m, start - 10) == start - 10);
}

static void test_phase_faults_show_in_instant_values(void **state)
{
    (void)state;
    struct sim_meter m = meter(14, SIM_CUST_INDUSTRIAL);
    m.anomaly_start = DAY0;
    m.anomaly_phase = 1;
    struct sim_instant in;
    m.anomaly = SIM_ANOM_PHASE_FAILURE;
    sim_instant_at(&m, DAY0 + 12 * 3600, &in);
    assert_int_equal(in.voltage_dv[1], 0);
    assert_int_equal(in.current_ma[1], 0);
    m.anomaly = SIM_ANOM_VOLTAGE_LOSS;
    sim_instant_at(&m, DAY0 + 12 * 3600, &in);
    assert_true(in.voltage_dv[1] < 400 && in.voltage_dv[0] > 2000);
    m.anomaly = SIM_ANOM_REVERSED_CT;
    sim_instant_at(&m, DAY0 + 12 * 3600, &in);
    assert_true(in.p_w[2] < 0 && in.p_w[1] > 0);
    m.anomaly = SIM_ANOM_IMBALANCE;
    sim_instant_at(&m, DAY0 + 12 * 3600, &in);
    assert_true(in.current_ma[0] > 4 * in.current_ma[2]);
}

static void test_tariff_table_covers_the_day(void **state)
{
    (void)state;
    int count[5] = {0};
    int64_t k0 = DAY0 / SIM_INTERVAL_S;
    for (int j = 0; j < 96; j++)
        count[sim_tariff_of(k0 + j)]++;
    assert_int_equal(count[SIM_TARIFF_SHARP], 8);
    assert_int_equal(count[SIM_TARIFF_PEAK], 24);
    assert_int_equal(count[SIM_TARIFF_FLAT], 28);
    assert_int_equal(count[SIM_TARIFF_VALLEY], 36);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_registers_equal_interval_sums),
        cmocka_unit_test(test_model_is_deterministic_and_meters_differ),
        cmocka_unit_test(test_daily_consumption_is_plausible),
        cmocka_unit_test(test_instant_power_matches_interval_energy),
        cmocka_unit_test(test_pv_exports_at_noon_not_at_night),
        cmocka_unit_test(test_anomalies_change_what_is_registered),
        cmocka_unit_test(test_phase_faults_show_in_instant_values),
        cmocka_unit_test(test_tariff_table_covers_the_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
