#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "scenario.h"

static char err[512];

static struct scenario *parse_ok(const char *json)
{
    struct scenario *s = NULL;
    int rc = scenario_parse(json, &s, err, sizeof err);
    if (rc != 0)
        fail_msg("scenario rejected: %s", err);
    return s;
}

static void expect_error(const char *json, const char *words)
{
    struct scenario *s = NULL;
    assert_int_equal(scenario_parse(json, &s, err, sizeof err), MH_EINVAL);
    assert_null(s);
    if (!strstr(err, words))
        fail_msg("error '%s' does not mention '%s'", err, words);
}

#define SMALL                                                                                      \
    "{\"name\":\"t\",\"seed\":7,\"start\":\"2026-11-01\",\"populations\":["                      \
    "{\"kind\":\"concentrator\",\"protocol\":\"gdw1376\",\"count\":3,\"meters_each\":10,\"region\":\"0171\"},"    \
    "{\"kind\":\"special_transformer\",\"protocol\":\"dlt698\",\"count\":2},"                    \
    "{\"kind\":\"dtu\",\"count\":4}]"

static void test_expands_areas_terminals_and_meters(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(SMALL "}");
    assert_int_equal(s->n_terminals, 9);
    assert_int_equal(s->n_areas, 3);
    assert_int_equal(s->n_meters, 3 * 11 + 2 + 4);
    /* 2026-11-01 00:00 China Standard Time */
    assert_true(s->start == 1793462400);
    const struct sim_terminal *t = &s->terminals[1];
    assert_int_equal(t->kind, SIM_TERM_CONCENTRATOR);
    assert_int_equal(t->region, 0x0171);
    assert_int_equal(t->a2, 2);
    assert_int_equal(t->meter_count, 11);
    const struct sim_area *a = &s->areas[1];
    assert_int_equal(s->meters[a->area_meter].model.customer, SIM_CUST_AREA);
    assert_int_equal(s->meters[a->area_meter].pn, 1);
    assert_int_equal(s->meters[a->first_user].pn, 2);
    assert_int_equal(a->user_count, 10);
    /* The DTU answers with its meter's address. */
    const struct sim_terminal *d = &s->terminals[8];
    assert_int_equal(d->kind, SIM_TERM_DTU);
    assert_true(d->address == s->meters[d->first_meter].address);
    assert_int_equal(s->meters[d->first_meter].protocol, SIM_PROTO_DLT645_2007);
    /* Special transformer users are industrial, three-phase, behind a CT. */
    const struct sim_meter_info *st = &s->meters[s->terminals[3].first_meter];
    assert_int_equal(st->model.customer, SIM_CUST_INDUSTRIAL);
    assert_int_equal(st->model.phases, 3);
    assert_true(st->ct > 1);
    /* Addresses are unique. */
    for (size_t i = 0; i < s->n_meters; i++)
        for (size_t j = i + 1; j < s->n_meters; j++)
            assert_true(s->meters[i].address != s->meters[j].address);
    scenario_free(s);
}

static void test_same_seed_same_scenario(void **state)
{
    (void)state;
    struct scenario *a = parse_ok(SMALL ",\"anomalies\":[{\"type\":\"stopped\",\"count\":3}]}");
    struct scenario *b = parse_ok(SMALL ",\"anomalies\":[{\"type\":\"stopped\",\"count\":3}]}");
    assert_int_equal(a->n_meters, b->n_meters);
    assert_memory_equal(a->meters, b->meters, a->n_meters * sizeof *a->meters);
    assert_memory_equal(a->terminals, b->terminals, a->n_terminals * sizeof *a->terminals);
    scenario_free(a);
    scenario_free(b);
}

static void test_anomalies_placed_on_eligible_meters(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(SMALL ",\"anomalies\":["
                                        "{\"type\":\"theft\",\"count\":4,\"factor\":40,\"start\":\"2026-11-02T10:00\"},"
                                        "{\"type\":\"phase_failure\",\"count\":2,\"phase\":2},"
                                        "{\"type\":\"stopped\",\"share_permille\":100}]}");
    int theft = 0, pf = 0, stopped = 0;
    for (size_t i = 0; i < s->n_meters; i++) {
        const struct sim_meter_info *m = &s->meters[i];
        assert_true(m->model.customer != SIM_CUST_AREA || m->model.anomaly == SIM_ANOM_NONE);
        if (m->model.anomaly == SIM_ANOM_THEFT) {
            theft++;
            assert_true(m->area != UINT32_MAX);
            assert_int_equal(m->model.factor, 40);
            assert_true(m->model.anomaly_start == s->start + 86400 + 10 * 3600);
        }
        if (m->model.anomaly == SIM_ANOM_PHASE_FAILURE) {
            pf++;
            assert_int_equal(m->model.phases, 3);
            assert_int_equal(m->model.anomaly_phase, 2);
        }
        stopped += m->model.anomaly == SIM_ANOM_STOPPED;
    }
    assert_int_equal(theft, 4);
    assert_int_equal(pf, 2);
    assert_int_equal(stopped, (int)(s->n_meters * 100 / 1000));
    scenario_free(s);
}

static void test_theft_raises_area_supply_over_metered_sum(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(SMALL ",\"anomalies\":[{\"type\":\"theft\",\"count\":3,\"factor\":60}]}");
    for (size_t ai = 0; ai < s->n_areas; ai++) {
        const struct sim_area *a = &s->areas[ai];
        int64_t k = (s->start + 86400 + 20 * 3600) / SIM_INTERVAL_S;
        int64_t supply = scenario_area_supply_wh10(s, a, k), metered = 0;
        for (uint32_t u = 0; u < a->user_count; u++) {
            struct sim_interval e;
            sim_interval_energy(&s->meters[a->first_user + u].model, k, &e);
            metered += e.import_wh10 - e.export_wh10;
        }
        assert_true(supply > metered); /* technical loss at least */
    }
    scenario_free(s);
}

/*
 * A register past 999999.99 kWh rolls over to 0 as the meter's display
 * does: the day's registers as shown go down, and their difference across
 * the rollover is exactly what the day's intervals registered (through the
 * CT for the special-transformer meter).
 */
static void test_registers_roll_over_at_display_capacity(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(
        "{\"name\":\"w\",\"seed\":7,\"start\":\"2026-11-01\",\"populations\":["
        "{\"kind\":\"concentrator\",\"count\":1,\"meters_each\":5,\"initial_kwh\":999999},"
        "{\"kind\":\"special_transformer\",\"count\":1,\"initial_kwh\":999999}]}");
    int64_t day = scenario_local_day(s, s->start);
    size_t wrapped = 0;
    for (size_t i = 0; i < s->n_meters; i++) {
        if (s->meters[i].model.customer == SIM_CUST_AREA)
            continue;
        struct sim_registers a, b;
        scenario_meter_registers_at(s, i, scenario_day_start(s, day), &a);
        scenario_meter_registers_at(s, i, scenario_day_start(s, day + 1), &b);
        assert_int_equal(a.import_wh10[0], 999999LL * SIM_WH10_PER_KWH);
        assert_true(b.import_wh10[0] < SIM_REGISTER_WRAP_WH10 && b.import_wh10[0] >= 0);
        struct sim_interval iv[SIM_INTERVALS_PER_DAY];
        scenario_meter_day(s, i, day, iv);
        int64_t primary = 0;
        for (int j = 0; j < SIM_INTERVALS_PER_DAY; j++)
            primary += iv[j].import_wh10;
        int64_t ct = s->meters[i].ct > 1 ? s->meters[i].ct : 1;
        int64_t shown = primary / ct;
        if (shown > SIM_WH10_PER_KWH) {
            wrapped++;
            assert_true(b.import_wh10[0] < a.import_wh10[0]);
        }
        assert_int_equal(scenario_register_delta(a.import_wh10[0], b.import_wh10[0]),
                         (999999LL * SIM_WH10_PER_KWH * ct + primary) / ct -
                             999999LL * SIM_WH10_PER_KWH);
        /* the day's 15-minute registers agree with the instants' */
        int64_t imp[SIM_INTERVALS_PER_DAY + 1], exp[SIM_INTERVALS_PER_DAY + 1];
        scenario_meter_day_registers(s, i, day, imp, exp);
        assert_int_equal(imp[0], a.import_wh10[0]);
        assert_int_equal(imp[SIM_INTERVALS_PER_DAY], b.import_wh10[0]);
    }
    assert_true(wrapped >= 3);
    /* a register run backwards through 0 shows 999999.99..: a negative difference */
    assert_int_equal(scenario_register_shown(-100), SIM_REGISTER_WRAP_WH10 - 100);
    assert_int_equal(scenario_register_delta(50, SIM_REGISTER_WRAP_WH10 - 100), -150);
    assert_int_equal(scenario_register_delta(SIM_REGISTER_WRAP_WH10 - 100, 50), 150);
    scenario_free(s);
}

static void test_faults_mark_terminals(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(SMALL ",\"faults\":{\"loss_permille\":10,\"latency_ms\":[500,4000],"
                                        "\"offline\":{\"share_permille\":1000,\"from\":\"01:00\",\"to\":\"03:00\"}}}");
    assert_int_equal(s->faults.loss_permille, 10);
    assert_int_equal(s->faults.latency_max_ms, 4000);
    const struct sim_terminal *t = &s->terminals[0];
    assert_int_equal(t->fault, SIM_FAULT_OFFLINE);
    assert_true(scenario_terminal_offline(s, t, s->start + 2 * 3600));
    assert_false(scenario_terminal_offline(s, t, s->start + 4 * 3600));
    assert_true(scenario_terminal_offline(s, t, s->start + 86400 + 3600));
    scenario_free(s);
}

static void test_errors_name_what_is_wrong(void **state)
{
    (void)state;
    expect_error("{", "line 1");
    expect_error("{\"start\":\"2026-11-01\",\"populations\":[]}", "populations");
    expect_error("{\"start\":\"2026-13-01\",\"populations\":[{\"kind\":\"dtu\",\"count\":1}]}", "start");
    expect_error("{\"start\":\"2026-11-01\",\"popluations\":[]}", "popluations");
    expect_error("{\"start\":\"2026-11-01\",\"populations\":[{\"kind\":\"router\",\"count\":1}]}", "router");
    expect_error("{\"start\":\"2026-11-01\",\"populations\":[{\"kind\":\"dtu\",\"count\":1,\"protocol\":\"gdw1376\"}]}", "gdw1376");
    expect_error("{\"start\":\"2026-11-01\",\"populations\":[{\"kind\":\"concentrator\",\"count\":1,\"meters_each\":0}]}", "meters_each");
    expect_error(SMALL ",\"anomalies\":[{\"type\":\"gremlins\",\"count\":1}]}", "gremlins");
    expect_error(SMALL ",\"anomalies\":[{\"type\":\"stopped\"}]}", "exactly one");
    expect_error(SMALL ",\"anomalies\":[{\"type\":\"phase_failure\",\"count\":1000}]}", "not enough");
    expect_error(SMALL ",\"faults\":{\"offline\":{\"share_permille\":5,\"from\":\"03:00\",\"to\":\"01:00\"}}}", "from");
}

static void test_large_populations_continue_in_the_next_region(void **state)
{
    (void)state;
    struct scenario *s = parse_ok("{\"start\":\"2026-11-01\",\"populations\":[{\"kind\":\"dtu\",\"count\":65536}]}");
    assert_int_equal(s->terminals[65534].region, 0x0101);
    assert_int_equal(s->terminals[65534].a2, 65535);
    assert_int_equal(s->terminals[65535].region, 0x0102);
    assert_int_equal(s->terminals[65535].a2, 1);
    scenario_free(s);
}

static void test_populations_sharing_a_region_get_distinct_addresses(void **state)
{
    (void)state;
    struct scenario *s = parse_ok("{\"start\":\"2026-11-01\",\"populations\":["
                                  "{\"kind\":\"concentrator\",\"count\":3,\"meters_each\":1,\"region\":\"0171\"},"
                                  "{\"kind\":\"special_transformer\",\"count\":2,\"region\":\"0171\"}]}");
    for (size_t i = 0; i < s->n_terminals; i++) {
        assert_int_equal(s->terminals[i].region, 0x0171);
        assert_int_equal(s->terminals[i].a2, i + 1); /* 1, 2, 3 then 4, 5: never the same terminal address twice */
    }
    scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expands_areas_terminals_and_meters),
        cmocka_unit_test(test_same_seed_same_scenario),
        cmocka_unit_test(test_anomalies_placed_on_eligible_meters),
        cmocka_unit_test(test_theft_raises_area_supply_over_metered_sum),
        cmocka_unit_test(test_faults_mark_terminals),
        cmocka_unit_test(test_registers_roll_over_at_display_capacity),
        cmocka_unit_test(test_errors_name_what_is_wrong),
        cmocka_unit_test(test_large_populations_continue_in_the_next_region),
        cmocka_unit_test(test_populations_sharing_a_region_get_distinct_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
