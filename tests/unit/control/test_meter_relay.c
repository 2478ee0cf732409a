/*
 * A meter's own relay end to end: the control engine sends DL/T 645-2007
 * remote control through a real fep session to a simulated Q/GDW 1376.1
 * concentrator (AFN10 F1), which forwards it to the residential meter
 * behind it. For each case the meter's simulated relay and load, the
 * station's own read of the meter's power, and the result the engine
 * recorded (read back from status word 3): a trip that cuts the meter
 * (and only it) and a close that restores it; keep-power refusing a trip;
 * the protect list by customer and meter, not by the concentrator's other
 * customers; a meter that never answers the forward (UNCONFIRMED); a
 * prepaid residential customer tripped in arrears and restored by a
 * payment.
 */
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "control_harness.h"
#include "control_int.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/collect.h"
#include "meterhub/proto/dlt645.h"
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

/* The concentrator's residential meters (a customer, not the area's supply meter), in archive order. */
static size_t residents(struct store_meter_row *out, size_t cap)
{
    struct store_meter_filter f = STORE_METER_FILTER_ANY;
    f.terminal = H.conc;
    struct store_meter_row m[32];
    int n = store_meters_list(H.st, &f, 0, m, 32);
    size_t k = 0;
    for (int i = 0; i < n && k < cap; i++)
        if (m[i].customer[0] && !m[i].area_meter && m[i].protocol == ARCHIVE_PROTO_DLT645_2007)
            out[k++] = m[i];
    assert_true(k >= 3);
    return k;
}

/* The simulator's index of the meter at address. */
static size_t sim_idx(uint64_t address)
{
    for (size_t i = 0; i < H.s->n_meters; i++)
        if (H.s->meters[i].address == address)
            return i;
    fail_msg("meter %" PRIu64 " not simulated", address);
    return 0;
}

static int64_t run_meter(int kind, int64_t meter, const struct control_params *p)
{
    struct control_target t = {.meter = meter};
    struct control_request r = {.kind = kind, .who = "operator-a", .reason = "meter relay test", .targets = &t,
                                .n_targets = 1};
    if (p)
        r.p = *p;
    int64_t id = control_submit(H.ctl, &r);
    if (id <= 0)
        fail_msg("submit %s: %s", control_kind_name(kind), mh_strerror((int)id));
    if (!ch_wait(&H, id, 20000))
        fail_msg("command %s did not finish", control_kind_name(kind));
    return id;
}

static void expect(int64_t id, int result, const char *in_detail)
{
    int st, res;
    char detail[160];
    ch_result(&H, id, &st, &res, detail, sizeof detail);
    if (res != result || (in_detail && !strstr(detail, in_detail)))
        fail_msg("command %lld: %s \"%s\", expected %s \"%s\"", (long long)id, control_result_name(res), detail,
                 control_result_name(result), in_detail ? in_detail : "");
}

/* ---- the station's on-demand read of the meter's active power (through the forward) ---- */

static struct {
    pthread_mutex_t mu;
    int done, status, has;
    struct mh_dec p;
} rd = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, {0, 0}};

static void power_read(void *ctx, const struct collect_read_result *r)
{
    (void)ctx;
    pthread_mutex_lock(&rd.mu);
    rd.status = r->status;
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].item == MH_ITEM_P) {
            rd.p = r->v[i].value;
            rd.has = 1;
        }
    rd.done = 1;
    pthread_mutex_unlock(&rd.mu);
}

/* Active power of meter as the station reads it now, in W (x 1000 of kW, truncated). */
static int64_t station_power_w(int64_t meter)
{
    pthread_mutex_lock(&rd.mu);
    rd.done = rd.has = 0;
    pthread_mutex_unlock(&rd.mu);
    struct collect_read rq = {.meter = meter, .items = {MH_ITEM_P}, .n_items = 1};
    assert_int_equal(collect_read_now(ch_collect(), &rq, power_read, NULL, NULL), 0);
    for (int i = 0; i < 4000; i++) {
        pthread_mutex_lock(&rd.mu);
        int done = rd.done;
        pthread_mutex_unlock(&rd.mu);
        if (done)
            break;
        uv_run(ch_loop(), UV_RUN_NOWAIT);
        usleep(5000);
    }
    pthread_mutex_lock(&rd.mu);
    int ok = rd.done && rd.status == 0 && rd.has;
    struct mh_dec p = rd.p;
    pthread_mutex_unlock(&rd.mu);
    if (!ok)
        fail_msg("power of meter %lld not read (status %d)", (long long)meter, rd.status);
    return control_dec_watts(p);
}

/* The frame the engine built with a 645 function and N1 inside an AFN10 F1: 1 when found. */
static int sent_forward(uint8_t func, uint8_t n1)
{
    for (int i = 0; i < H.n_frames; i++) {
        struct gdw1376_frame f;
        if (gdw1376_frame_parse(H.frames[i], H.frame_len[i], 16, &f) != 0 || f.afn != GDW1376_AFN_FORWARD)
            continue;
        size_t need = func == 0x1C ? 19 : 11; /* through N1 (data byte 8) or the length */
        for (size_t k = 0; k + need <= f.units_len; k++)
            if (f.units[k] == 0x68 && f.units[k + 7] == 0x68 && f.units[k + 8] == func &&
                (func != 0x1C || f.units[k + 10 + 8] == (uint8_t)(n1 + 0x33))) /* N1, +33 */
                return 1;
    }
    return 0;
}

static void test_trip_cuts_one_meter_and_close_restores_it(void **state)
{
    (void)state;
    struct store_meter_row m[16];
    size_t n = residents(m, 16);
    /* the resident with the most load now, so that its return is seen */
    size_t pick = 0;
    int64_t best = -1;
    for (size_t i = 0; i < n; i++) {
        struct sim_instant in;
        sim_term_instant_at(H.s, H.s_conc, sim_idx(m[i].address), ch_now(), &in);
        if (in.p_w[0] > best)
            best = in.p_w[0], pick = i;
    }
    assert_true(best > 0);
    size_t idx = sim_idx(m[pick].address), other = sim_idx(m[(pick + 1) % n].address);
    H.n_frames = 0;
    int64_t id = run_meter(CONTROL_METER_TRIP, m[pick].id, NULL);
    expect(id, STORE_CTR_DONE, "verified by read-back");
    assert_true(sent_forward(0x11, 0));             /* status word read before and after */
    assert_true(sent_forward(0x1C, DLT645_RC_TRIP)); /* the trip itself, inside AFN10 F1 */
    /* the meter is open: no power, its registers stand still; its neighbour is untouched */
    int64_t now = ch_now();
    assert_int_equal(sim_term_meter_open(idx, now), 1);
    assert_int_equal(sim_term_meter_open(other, now), 0);
    struct sim_instant in;
    sim_term_instant_at(H.s, H.s_conc, idx, now, &in);
    assert_int_equal(in.p_w[0], 0);
    struct sim_registers r0, r1;
    sim_term_registers_at(H.s, H.s_conc, idx, now, &r0);
    sim_term_registers_at(H.s, H.s_conc, idx, now + 3600, &r1);
    assert_int_equal(r0.import_wh10[0], r1.import_wh10[0]);
    assert_int_equal(station_power_w(m[pick].id), 0);
    /* the stored target is the meter's terminal and point; the params name the meter */
    struct store_control c;
    assert_int_equal(store_control_get(H.st, id, &c), 0);
    char want[48];
    snprintf(want, sizeof want, "\"meters\":[%" PRId64 "]", m[pick].id);
    assert_non_null(strstr(c.params, want));
    struct store_control_target t;
    assert_int_equal(store_control_targets(H.st, id, &t, 1), 1);
    assert_int_equal(t.terminal, H.conc);
    assert_int_equal(t.pn, m[pick].pn);

    id = run_meter(CONTROL_METER_CLOSE, m[pick].id, NULL);
    expect(id, STORE_CTR_DONE, NULL);
    now = ch_now();
    assert_int_equal(sim_term_meter_open(idx, now), 0);
    sim_term_instant_at(H.s, H.s_conc, idx, now, &in);
    assert_true(in.p_w[0] > 0);
    sim_term_registers_at(H.s, H.s_conc, idx, now + 3600, &r1);
    assert_true(r1.import_wh10[0] > r0.import_wh10[0]);
    assert_true(station_power_w(m[pick].id) > 0);
}

static void test_keep_power_refuses_a_trip(void **state)
{
    (void)state;
    struct store_meter_row m[16];
    residents(m, 16);
    size_t idx = sim_idx(m[1].address);
    expect(run_meter(CONTROL_METER_PROTECT_ON, m[1].id, NULL), STORE_CTR_DONE, NULL);
    assert_true(sim_term_meter_keeps_power(idx));
    H.n_frames = 0;
    expect(run_meter(CONTROL_METER_TRIP, m[1].id, NULL), STORE_CTR_REFUSED, "keep-power on");
    assert_false(sent_forward(0x1C, DLT645_RC_TRIP)); /* read, refused, never sent */
    assert_int_equal(sim_term_meter_open(idx, ch_now()), 0);
    expect(run_meter(CONTROL_METER_PROTECT_OFF, m[1].id, NULL), STORE_CTR_DONE, NULL);
    assert_false(sim_term_meter_keeps_power(idx));
}

static void test_protect_list_spares_the_customer_not_its_neighbours(void **state)
{
    (void)state;
    struct store_meter_row m[16];
    residents(m, 16);
    int64_t now = ch_now();
    struct store_protect pr = {STORE_PROTECT_CUSTOMER, "", "home oxygen", "planner", now * 1000};
    snprintf(pr.ref, sizeof pr.ref, "%s", m[2].customer);
    assert_int_equal(store_protect_add(H.st, &pr), 0);
    /* one command to two meters: the protected one refused, the other tripped */
    struct control_target t[2] = {{.meter = m[2].id}, {.meter = m[3].id}};
    struct control_request r = {.kind = CONTROL_METER_TRIP, .who = "operator-a", .reason = "arrears list",
                                .targets = t, .n_targets = 2};
    int64_t id = control_submit(H.ctl, &r);
    assert_true(id > 0);
    assert_true(ch_wait(&H, id, 20000));
    struct store_control c;
    struct store_control_target res[2];
    size_t n = 0;
    assert_int_equal(control_get(H.ctl, id, &c, res, 2, &n), 0);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < 2; i++) {
        int protected_one = res[i].pn == m[2].pn;
        assert_int_equal(res[i].result, protected_one ? STORE_CTR_REFUSED : STORE_CTR_DONE);
        if (protected_one)
            assert_non_null(strstr(res[i].detail, "home oxygen"));
    }
    assert_int_equal(sim_term_meter_open(sim_idx(m[2].address), ch_now()), 0);
    assert_int_equal(sim_term_meter_open(sim_idx(m[3].address), ch_now()), 1);
    expect(run_meter(CONTROL_METER_CLOSE, m[3].id, NULL), STORE_CTR_DONE, NULL);
    assert_int_equal(store_protect_remove(H.st, STORE_PROTECT_CUSTOMER, pr.ref), 0);

    /* the meter itself on the list */
    struct store_protect pm = {STORE_PROTECT_METER, "", "life support", "planner", now * 1000};
    snprintf(pm.ref, sizeof pm.ref, "%012" PRIu64, m[2].address);
    assert_int_equal(store_protect_add(H.st, &pm), 0);
    expect(run_meter(CONTROL_METER_TRIP, m[2].id, NULL), STORE_CTR_REFUSED, "life support");
    assert_int_equal(store_protect_remove(H.st, STORE_PROTECT_METER, pm.ref), 0);
    /* closing and keep-power are never refused by the list */
    expect(run_meter(CONTROL_METER_CLOSE, m[2].id, NULL), STORE_CTR_DONE, NULL);
}

static void test_meter_that_never_answers_is_unconfirmed(void **state)
{
    (void)state;
    /* a meter in the archive at a point of the concentrator that nothing answers for */
    struct store_meter_row m[16];
    residents(m, 16);
    struct archive_row row = {.meter_protocol = ARCHIVE_PROTO_DLT645_2007, .phases = 1, .pn = 900,
                              .meter_address = 999999990001ull, .ct = 1, .pt = 1, .rated_voltage_v = 220};
    int64_t ghost;
    char err[128];
    assert_int_equal(store_meter_insert(H.st, &row, H.conc, &ghost, err, sizeof err), 0);
    int64_t id = run_meter(CONTROL_METER_TRIP, ghost, NULL);
    expect(id, STORE_CTR_UNCONFIRMED, "the meter did not answer");
    expect(run_meter(CONTROL_METER_CLOSE, ghost, NULL), STORE_CTR_UNCONFIRMED, "did not answer");
}

static void test_bad_meter_targets_are_refused(void **state)
{
    (void)state;
    struct control_target t = {.meter = 0};
    struct control_request r = {.kind = CONTROL_METER_TRIP, .who = "operator-a", .reason = "x", .targets = &t,
                                .n_targets = 1};
    assert_int_equal(control_submit(H.ctl, &r), MH_EINVAL); /* no meter */
    t.meter = 987654321;
    assert_int_equal(control_submit(H.ctl, &r), MH_ENOENT); /* unknown meter */
    /* a DL/T 698.45 meter behind the concentrator: its remote control is not carried */
    struct archive_row row = {.meter_protocol = ARCHIVE_PROTO_DLT698, .phases = 1, .pn = 901,
                              .meter_address = 999999990698ull, .ct = 1, .pt = 1, .rated_voltage_v = 220};
    char err[128];
    assert_int_equal(store_meter_insert(H.st, &row, H.conc, &t.meter, err, sizeof err), 0);
    assert_int_equal(control_submit(H.ctl, &r), MH_ENOTSUP);
    /* the same meter twice */
    struct store_meter_row res[16];
    residents(res, 16);
    struct control_target two[2] = {{.meter = res[0].id}, {.meter = res[0].id}};
    r.targets = two;
    r.n_targets = 2;
    assert_int_equal(control_submit(H.ctl, &r), MH_EINVAL);
    /* a validity beyond an hour */
    r.targets = two;
    r.n_targets = 1;
    r.p.meter.valid_min = 61;
    assert_int_equal(control_submit(H.ctl, &r), MH_EINVAL);
}

/* Is simulated meter idx without supply: its own relay, or (alone behind its terminal) the terminal's? */
static int meter_cut(size_t idx)
{
    int64_t now = ch_now();
    for (size_t i = 0; i < H.s->n_terminals; i++) {
        const struct sim_terminal *t = &H.s->terminals[i];
        if (idx >= t->first_meter && idx < t->first_meter + t->meter_count)
            return t->meter_count == 1 ? sim_term_tripped(t, now) : sim_term_meter_open(idx, now);
    }
    fail_msg("meter %zu on no terminal", idx);
    return 0;
}

/* The first meter a terminal reads. */
static int64_t first_meter(int64_t terminal)
{
    struct store_meter_filter f = STORE_METER_FILTER_ANY;
    f.terminal = terminal;
    struct store_meter_row m[2];
    assert_true(store_meters_list(H.st, &f, 0, m, 2) >= 1);
    return m[0].id;
}

/* Through a 698.45 terminal's PROXY TransCommand: the 645 meter of a special-transformer terminal and one behind
 * a transformer monitor. */
static void test_698_proxy_trips_and_closes(void **state)
{
    (void)state;
    int64_t meter = first_meter(H.d698);
    expect(run_meter(CONTROL_METER_TRIP, meter, NULL), STORE_CTR_DONE, "verified by read-back");
    assert_true(sim_term_tripped(H.s_698, ch_now()));
    expect(run_meter(CONTROL_METER_CLOSE, meter, NULL), STORE_CTR_DONE, NULL);
    assert_false(sim_term_tripped(H.s_698, ch_now()));
    /* a meter behind the 698.45 transformer monitor keeps its own relay */
    struct store_meter_row m;
    assert_int_equal(store_meter_get(H.st, first_meter(H.tm698), &m), 0);
    size_t idx = sim_idx(m.address);
    expect(run_meter(CONTROL_METER_TRIP, m.id, NULL), STORE_CTR_DONE, NULL);
    assert_true(meter_cut(idx));
    expect(run_meter(CONTROL_METER_CLOSE, m.id, NULL), STORE_CTR_DONE, NULL);
    assert_false(meter_cut(idx));
}

/* A password the meters do not have: the meter's DC with ERR bit 2, DENIED, nothing switched. */
static void test_wrong_password_is_denied_by_the_meter(void **state)
{
    (void)state;
    struct control_cfg cfg = {0};
    cfg.meter_pw_level = 4;
    cfg.meter_password = 0x111111;
    ch_control_cfg(&H, &cfg);
    struct store_meter_row m[16];
    residents(m, 16);
    expect(run_meter(CONTROL_METER_TRIP, m[0].id, NULL), STORE_CTR_DENIED, "meter answered DC, ERR 04");
    assert_int_equal(sim_term_meter_open(sim_idx(m[0].address), ch_now()), 0);
    ch_control_cfg(&H, NULL);
}

/* ---- prepayment of a residential customer behind the concentrator ---- */

static void test_prepaid_resident_is_tripped_in_arrears_and_restored_by_payment(void **state)
{
    (void)state;
    struct control_cfg cfg = {0};
    cfg.price_e4[2] = 5000; /* 0.5 yuan/kWh flat */
    ch_control_cfg(&H, &cfg);
    struct store_meter_row m[16];
    size_t n = residents(m, 16);
    const struct store_meter_row *me = &m[n - 1];
    size_t idx = sim_idx(me->address);
    int64_t k = (int64_t)me->ct * me->pt, now = ch_now();
    int64_t reg[4] = {0, 0, 10000000, 0};
    ch_put_registers(&H, me->id, now - 3600, reg);
    assert_int_equal(prepay_open(H.ctl, me->id, 2000 * k, 1000 * k), 0);

    /* 0.2 kWh flat = 1000 k: at the threshold, warned (no alarm on a meter's own relay), not cut */
    reg[2] += 2000;
    ch_put_registers(&H, me->id, now - 1800, reg);
    assert_int_equal(prepay_settle(H.ctl, me->id), 0);
    ch_wait_idle(&H);
    struct store_prepay a;
    assert_int_equal(store_prepay_get(H.st, me->id, &a), 0);
    assert_int_equal(a.balance_e4, 1000 * k);
    assert_int_equal(sim_term_meter_open(idx, ch_now()), 0);

    /* 0.4 kWh more: -1000 k, tripped at the meter's own relay, verified */
    reg[2] += 4000;
    ch_put_registers(&H, me->id, now - 900, reg);
    assert_int_equal(prepay_settle(H.ctl, me->id), 0);
    ch_wait_idle(&H);
    assert_int_equal(store_prepay_get(H.st, me->id, &a), 0);
    assert_int_equal(a.balance_e4, -1000 * k);
    assert_int_equal(a.state, STORE_PREPAY_CUT);
    struct store_control c;
    assert_int_equal(store_control_get(H.st, a.command, &c), 0);
    assert_int_equal(c.kind, CONTROL_METER_TRIP);
    assert_string_equal(c.who, "prepay");
    expect(a.command, STORE_CTR_DONE, NULL);
    assert_int_equal(sim_term_meter_open(idx, ch_now()), 1);

    /* a payment back above zero closes the relay */
    assert_int_equal(prepay_topup(H.ctl, me->id, 3000 * k, "cashier-3", "receipt 77"), 0);
    ch_wait_idle(&H);
    assert_int_equal(store_prepay_get(H.st, me->id, &a), 0);
    assert_int_equal(a.balance_e4, 2000 * k);
    assert_int_equal(store_control_get(H.st, a.command, &c), 0);
    assert_int_equal(c.kind, CONTROL_METER_CLOSE);
    expect(a.command, STORE_CTR_DONE, NULL);
    assert_int_equal(sim_term_meter_open(idx, ch_now()), 0);
    ch_control_cfg(&H, NULL);
}

static void test_prepaid_resident_on_the_protect_list_is_not_tripped(void **state)
{
    (void)state;
    struct control_cfg cfg = {0};
    cfg.price_e4[2] = 5000;
    ch_control_cfg(&H, &cfg);
    struct store_meter_row m[16];
    size_t n = residents(m, 16);
    const struct store_meter_row *me = &m[n - 2];
    int64_t k = (int64_t)me->ct * me->pt, now = ch_now();
    int64_t reg[4] = {0, 0, 10000000, 0};
    ch_put_registers(&H, me->id, now - 3600, reg);
    assert_int_equal(prepay_open(H.ctl, me->id, 100 * k, 0), 0);
    struct store_protect pr = {STORE_PROTECT_CUSTOMER, "", "winter rule", "planner", now * 1000};
    snprintf(pr.ref, sizeof pr.ref, "%s", me->customer);
    assert_int_equal(store_protect_add(H.st, &pr), 0);
    reg[2] += 2000; /* 1000 k: in arrears */
    ch_put_registers(&H, me->id, now - 60, reg);
    assert_int_equal(prepay_settle(H.ctl, me->id), 0);
    ch_wait_idle(&H);
    struct store_prepay a;
    assert_int_equal(store_prepay_get(H.st, me->id, &a), 0);
    assert_true(a.balance_e4 < 0);
    expect(a.command, STORE_CTR_REFUSED, "winter rule");
    assert_int_equal(sim_term_meter_open(sim_idx(me->address), ch_now()), 0);
    assert_int_equal(store_protect_remove(H.st, STORE_PROTECT_CUSTOMER, pr.ref), 0);
    ch_control_cfg(&H, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trip_cuts_one_meter_and_close_restores_it),
        cmocka_unit_test(test_keep_power_refuses_a_trip),
        cmocka_unit_test(test_protect_list_spares_the_customer_not_its_neighbours),
        cmocka_unit_test(test_meter_that_never_answers_is_unconfirmed),
        cmocka_unit_test(test_bad_meter_targets_are_refused),
        cmocka_unit_test(test_698_proxy_trips_and_closes),
        cmocka_unit_test(test_wrong_password_is_denied_by_the_meter),
        cmocka_unit_test(test_prepaid_resident_is_tripped_in_arrears_and_restored_by_payment),
        cmocka_unit_test(test_prepaid_resident_on_the_protect_list_is_not_tripped),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
