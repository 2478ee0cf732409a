/*
 * The protect list and load-management commands in the store (suite: runs
 * against whichever backend MH_TEST_STORE_URI names): entries added once,
 * found and removed by (kind, ref); commands stored with who, why and
 * when, updated through their states, listed in order; one row per target
 * replaced as its result changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "store_test.h"

static void test_protect_list_add_get_list_remove(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("control_protect"), NULL);
    struct store_protect a = {STORE_PROTECT_CUSTOMER, "C00000042", "hospital: intensive care", "planner-1",
                              1700000000001};
    struct store_protect b = {STORE_PROTECT_METER, "100000000007", "water works pump", "planner-2", 1700000000002};
    assert_int_equal(store_protect_add(st, &a), 0);
    assert_int_equal(store_protect_add(st, &b), 0);
    assert_int_equal(store_protect_add(st, &a), MH_EEXIST);
    struct store_protect bad = a;
    bad.kind = 9;
    assert_int_equal(store_protect_add(st, &bad), MH_EINVAL);
    bad = a;
    bad.ref[0] = 0;
    assert_int_equal(store_protect_add(st, &bad), MH_EINVAL);

    struct store_protect g;
    assert_int_equal(store_protect_get(st, STORE_PROTECT_CUSTOMER, "C00000042", &g), 0);
    assert_string_equal(g.reason, "hospital: intensive care");
    assert_string_equal(g.added_by, "planner-1");
    assert_int_equal(g.added_ms, 1700000000001);
    /* the same ref under another kind is another entry */
    assert_int_equal(store_protect_get(st, STORE_PROTECT_METER, "C00000042", &g), MH_ENOENT);

    struct store_protect l[4];
    assert_int_equal(store_protect_list(st, l, 4), 2);
    assert_int_equal(l[0].kind, STORE_PROTECT_CUSTOMER);
    assert_int_equal(l[1].kind, STORE_PROTECT_METER);
    assert_string_equal(l[1].ref, "100000000007");
    assert_int_equal(store_protect_list(st, l, 1), 1);

    assert_int_equal(store_protect_remove(st, STORE_PROTECT_CUSTOMER, "C00000042"), 0);
    assert_int_equal(store_protect_remove(st, STORE_PROTECT_CUSTOMER, "C00000042"), MH_ENOENT);
    assert_int_equal(store_protect_get(st, STORE_PROTECT_CUSTOMER, "C00000042", &g), MH_ENOENT);
    assert_int_equal(store_protect_list(st, l, 4), 1);
    store_close(st);
}

static void test_commands_and_targets(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("control_commands"), NULL);
    struct store_control c = {.kind = 1, .created_ms = 1700000000100, .state = STORE_CTL_PENDING};
    snprintf(c.params, sizeof c.params, "%s", "{\"kind\":\"trip\",\"targets\":2}");
    snprintf(c.who, sizeof c.who, "%s", "operator-a");
    snprintf(c.reason, sizeof c.reason, "%s", "overload on feeder 7");
    assert_int_equal(store_control_insert(st, &c), 0);
    assert_true(c.id > 0);
    struct store_control c2 = c;
    assert_int_equal(store_control_insert(st, &c2), 0);
    assert_true(c2.id > c.id);
    struct store_control no_who = c;
    no_who.who[0] = 0;
    assert_int_equal(store_control_insert(st, &no_who), MH_EINVAL);

    c.state = STORE_CTL_FINISHED;
    snprintf(c.confirmer, sizeof c.confirmer, "%s", "operator-b");
    c.confirmed_ms = 1700000000200;
    c.finished_ms = 1700000000300;
    assert_int_equal(store_control_update(st, &c), 0);
    struct store_control g;
    assert_int_equal(store_control_get(st, c.id, &g), 0);
    assert_int_equal(g.kind, 1);
    assert_int_equal(g.state, STORE_CTL_FINISHED);
    assert_string_equal(g.params, c.params);
    assert_string_equal(g.who, "operator-a");
    assert_string_equal(g.reason, "overload on feeder 7");
    assert_string_equal(g.confirmer, "operator-b");
    assert_int_equal(g.created_ms, 1700000000100);
    assert_int_equal(g.confirmed_ms, 1700000000200);
    assert_int_equal(g.finished_ms, 1700000000300);
    assert_int_equal(store_control_get(st, c2.id + 100, &g), MH_ENOENT);
    struct store_control missing = c;
    missing.id = c2.id + 100;
    assert_int_equal(store_control_update(st, &missing), MH_ENOENT);

    struct store_control l[4];
    assert_int_equal(store_control_list(st, 0, l, 4), 2);
    assert_int_equal(l[0].id, c.id);
    assert_int_equal(l[1].id, c2.id);
    assert_int_equal(store_control_list(st, c.id, l, 4), 1);

    struct store_control_target t = {7, 1, STORE_CTR_SENT, "sent", 1700000000150};
    assert_int_equal(store_control_target_put(st, c.id, &t), 0);
    struct store_control_target u = {3, 0, STORE_CTR_REFUSED, "protect list: customer C1 (hospital)", 1700000000120};
    assert_int_equal(store_control_target_put(st, c.id, &u), 0);
    t.result = STORE_CTR_DONE;
    snprintf(t.detail, sizeof t.detail, "%s", "verified by read-back");
    t.updated_ms = 1700000000250;
    assert_int_equal(store_control_target_put(st, c.id, &t), 0); /* replaces the row */
    struct store_control_target r[4];
    assert_int_equal(store_control_targets(st, c.id, r, 4), 2);
    assert_int_equal(r[0].terminal, 3);
    assert_int_equal(r[0].result, STORE_CTR_REFUSED);
    assert_string_equal(r[0].detail, "protect list: customer C1 (hospital)");
    assert_int_equal(r[1].terminal, 7);
    assert_int_equal(r[1].pn, 1);
    assert_int_equal(r[1].result, STORE_CTR_DONE);
    assert_string_equal(r[1].detail, "verified by read-back");
    assert_int_equal(r[1].updated_ms, 1700000000250);
    assert_int_equal(store_control_targets(st, c2.id, r, 4), 0);
    store_close(st);
}

static void test_prepay_accounts_and_payments(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("control_prepay"), NULL);
    struct store_prepay a = {7, 1234567, 500000, STORE_PREPAY_WARNED, 1700000000, {1, 2, 3, 4}, 42, 1700000000999};
    assert_int_equal(store_prepay_put(st, &a), 0);
    struct store_prepay g;
    assert_int_equal(store_prepay_get(st, 7, &g), 0);
    assert_int_equal(g.meter, 7);
    assert_int_equal(g.balance_e4, 1234567);
    assert_int_equal(g.warn_e4, 500000);
    assert_int_equal(g.state, STORE_PREPAY_WARNED);
    assert_int_equal(g.settled_t, 1700000000);
    assert_memory_equal(g.reg_e4, a.reg_e4, sizeof a.reg_e4);
    assert_int_equal(g.command, 42);
    assert_int_equal(g.updated_ms, 1700000000999);
    a.balance_e4 = -5;
    a.state = STORE_PREPAY_CUT;
    a.reg_e4[3] = 99;
    assert_int_equal(store_prepay_put(st, &a), 0); /* replaces */
    assert_int_equal(store_prepay_get(st, 7, &g), 0);
    assert_int_equal(g.balance_e4, -5);
    assert_int_equal(g.state, STORE_PREPAY_CUT);
    assert_int_equal(g.reg_e4[3], 99);
    assert_int_equal(store_prepay_get(st, 8, &g), MH_ENOENT);
    /* The listing pages by meter. */
    struct store_prepay b = a, l[4];
    b.meter = 3;
    assert_int_equal(store_prepay_put(st, &b), 0);
    assert_int_equal(store_prepay_list(st, 0, l, 4), 2);
    assert_int_equal(l[0].meter, 3);
    assert_int_equal(l[1].meter, 7);
    assert_int_equal(l[1].balance_e4, -5);
    assert_int_equal(store_prepay_list(st, 0, l, 1), 1);
    assert_int_equal(store_prepay_list(st, 3, l, 4), 1);
    assert_int_equal(l[0].meter, 7);
    assert_int_equal(store_prepay_list(st, 7, l, 4), 0);
    assert_int_equal(store_prepay_payment(st, 7, 100000, "cashier", "receipt 1", 1700000001000), 0);
    assert_int_equal(store_prepay_payment(st, 7, 0, "cashier", "nothing", 1700000001000), MH_EINVAL);
    assert_int_equal(store_prepay_payment(st, 7, 1, "", "no one", 1700000001000), MH_EINVAL);
    store_close(st);
}

/* Orderly-use plans: a new plan gets its id, an update keeps it; users by seq, unmeasured loads as NONE. */
static void test_plans_and_their_users(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("control_plans"), NULL);
    struct store_plan p = {.name = "evening peak", .who = "dispatcher", .area = "A01", .target_w = 58438,
                           .from_ms = 1700000000000, .to_ms = 1700007200000, .created_ms = 1699999999000,
                           .max_pct = 30, .expect_w = 58438};
    assert_int_equal(store_plan_put(st, &p), 0);
    assert_true(p.id > 0);
    int64_t id = p.id;
    struct store_plan q = {.name = "second", .who = "dispatcher", .target_w = 1, .from_ms = 1, .to_ms = 2};
    assert_int_equal(store_plan_put(st, &q), 0);
    assert_true(q.id > id);
    struct store_plan_user u[3] = {
        {.seq = 0, .meter = 3, .priority = 3, .customer = "C00000003", .terminal = 7, .state = 1, .pct = 10,
         .contract_w = 400000, .current_w = 238879, .expect_w = 23887, .command = 2, .baseline_w = 238879,
         .after_w = STORE_PLAN_W_NONE, .detail = ""},
        {.seq = 1, .meter = 1, .priority = 2, .customer = "C00000001", .terminal = 5, .state = 1, .pct = 30,
         .current_w = 115172, .expect_w = 34551, .command = 1, .baseline_w = 115172, .after_w = 80620},
        {.seq = 2, .meter = 2, .priority = 1, .customer = "C00000002", .terminal = 6, .state = 3,
         .baseline_w = STORE_PLAN_W_NONE, .after_w = STORE_PLAN_W_NONE,
         .detail = "protect list: customer C00000002 (hospital)"},
    };
    assert_int_equal(store_plan_users_put(st, id, u, 3), 0);
    /* measured later: the row is replaced, the header updated in place */
    u[0].after_w = 214991;
    u[0].released = 9;
    assert_int_equal(store_plan_users_put(st, id, u, 1), 0);
    p.baseline_w = 354051;
    p.after_w = 295611;
    assert_int_equal(store_plan_put(st, &p), 0);
    assert_int_equal(p.id, id);

    struct store_plan g;
    assert_int_equal(store_plan_get(st, id, &g), 0);
    assert_string_equal(g.name, "evening peak");
    assert_string_equal(g.area, "A01");
    assert_int_equal(g.target_w, 58438);
    assert_int_equal(g.to_ms, 1700007200000);
    assert_int_equal(g.max_pct, 30);
    assert_int_equal(g.after_w, 295611);
    assert_int_equal(store_plan_get(st, q.id + 1, &g), MH_ENOENT);
    struct store_plan_user r[4];
    assert_int_equal(store_plan_users(st, id, r, 4), 3);
    assert_int_equal(r[0].after_w, 214991);
    assert_int_equal(r[0].released, 9);
    assert_int_equal(r[1].after_w, 80620);
    assert_int_equal(r[2].baseline_w, STORE_PLAN_W_NONE);
    assert_string_equal(r[2].detail, "protect list: customer C00000002 (hospital)");
    assert_string_equal(r[1].customer, "C00000001");
    assert_int_equal(store_plan_users(st, q.id, r, 4), 0);
    store_close(st);
}

/* Plans run by the clock: a run per plan, replaced in place, listed by state range; plans paged by id. */
static void test_plan_runs_and_listing(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("control_plan_runs"), NULL);
    int64_t ids[3];
    for (int i = 0; i < 3; i++) {
        struct store_plan p = {.name = "plan", .who = "ops", .target_w = 1000 + i, .from_ms = 1, .to_ms = 2};
        assert_int_equal(store_plan_put(st, &p), 0);
        ids[i] = p.id;
    }
    struct store_plan l[4];
    assert_int_equal(store_plans(st, 0, l, 2), 2);
    assert_int_equal(l[0].id, ids[0]);
    assert_int_equal(l[1].target_w, 1001);
    assert_int_equal(store_plans(st, ids[1], l, 4), 1);
    assert_int_equal(l[0].id, ids[2]);

    struct store_plan_run r = {.plan = ids[0], .state = 2, .reason = "dispatch order 17", .updated_ms = 5};
    assert_int_equal(store_plan_run_put(st, &r), 0);
    r = (struct store_plan_run){.plan = ids[2], .state = 1, .reason = "second", .updated_ms = 6,
                                .detail = "pending a second operator"};
    assert_int_equal(store_plan_run_put(st, &r), 0);
    /* the first one moves on: replaced, not added */
    r = (struct store_plan_run){.plan = ids[0], .state = 4, .reason = "dispatch order 17", .confirmer = "ops2",
                                .ended_by = "ops", .updated_ms = 9, .started_ms = 7, .ended_ms = 9,
                                .detail = "2 controls switched off"};
    assert_int_equal(store_plan_run_put(st, &r), 0);
    struct store_plan_run g;
    assert_int_equal(store_plan_run_get(st, ids[0], &g), 0);
    assert_int_equal(g.state, 4);
    assert_string_equal(g.reason, "dispatch order 17");
    assert_string_equal(g.confirmer, "ops2");
    assert_string_equal(g.ended_by, "ops");
    assert_int_equal(g.started_ms, 7);
    assert_int_equal(g.ended_ms, 9);
    assert_string_equal(g.detail, "2 controls switched off");
    assert_int_equal(store_plan_run_get(st, ids[1], &g), MH_ENOENT);
    struct store_plan_run o[4];
    assert_int_equal(store_plan_runs(st, 0, 1, 3, o, 4), 1); /* the open ones */
    assert_int_equal(o[0].plan, ids[2]);
    assert_string_equal(o[0].detail, "pending a second operator");
    assert_int_equal(store_plan_runs(st, 0, 1, 7, o, 4), 2);
    assert_int_equal(store_plan_runs(st, ids[0], 1, 7, o, 4), 1);
    assert_int_equal(store_plan_runs(st, 0, 1, 7, o, 1), 1);
    assert_int_equal(o[0].plan, ids[0]);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protect_list_add_get_list_remove),
        cmocka_unit_test(test_commands_and_targets),
        cmocka_unit_test(test_prepay_accounts_and_payments),
        cmocka_unit_test(test_plans_and_their_users),
        cmocka_unit_test(test_plan_runs_and_listing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
