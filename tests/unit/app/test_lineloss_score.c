/*
 * Line loss on a crafted area, and the scorer's counting on crafted truth.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/app/lineloss.h"
#include "meterhub/app/score.h"
#include "meterhub/base/err.h"

static void test_loss_counts_pv_export_and_flags(void **state)
{
    (void)state;
    struct lineloss_config c;
    lineloss_config_default(&c);
    struct lineloss_user u[3] = {
        {1, 40, 0, 40, NAN}, {2, 30, 0, 30, NAN}, {3, 2, 12, -1, NAN}}; /* 3 exports 10 net */
    struct lineloss_result r;
    /* supply 66: users net 40 + 30 - 10 = 60, loss 6 (9.1 %) */
    assert_int_equal(lineloss_area_day(&c, 66, 0, u, 3, NAN, &r), 0);
    assert_true(fabs(r.users_kwh - 60) < 1e-9);
    assert_true(fabs(r.loss_kwh - 6) < 1e-9);
    assert_int_equal(r.flags, 0);
    assert_true(isnan(r.rise_kwh));
    assert_int_equal(r.n_suspects, 0);
    /* more registered than supplied: negative */
    assert_int_equal(lineloss_area_day(&c, 55, 0, u, 3, NAN, &r), 0);
    assert_true(r.flags & LINELOSS_NEGATIVE);
    /* 20 % loss against a usual 4 %: high and sudden */
    assert_int_equal(lineloss_area_day(&c, 75, 0, u, 3, 0.04, &r), 0);
    assert_true(r.flags & LINELOSS_HIGH);
    assert_true(r.flags & LINELOSS_SUDDEN);
    /* an unknown user makes the loss an upper bound */
    u[1].import_kwh = -1;
    assert_int_equal(lineloss_area_day(&c, 66, 0, u, 3, NAN, &r), 0);
    assert_true(r.flags & LINELOSS_INCOMPLETE);
    assert_int_equal(lineloss_area_day(&c, 66, 0, NULL, 3, NAN, &r), MH_EINVAL);
}

static void test_suspects_ranked_by_the_drop_that_explains_the_rise(void **state)
{
    (void)state;
    struct lineloss_config c;
    lineloss_config_default(&c);
    /* usual 5 % of 200 = 10; today the loss is 20: a rise of 10 */
    struct lineloss_user u[5] = {
        {1, 50, 0, 51,NAN}, /* -1 */
        {2, 30, 0, 40,NAN}, /* -10: the thief */
        {3, 20, 0, 50,NAN}, /* -30: away, far more than went missing */
        {4, 40, 0, 46,NAN}, /* -6 */
        {5, 40, 0, 38,NAN}, /* +2 */
    };
    struct lineloss_result r;
    assert_int_equal(lineloss_area_day(&c, 200, 0, u, 5, 0.05, &r), 0);
    assert_true(fabs(r.loss_kwh - 20) < 1e-9);
    assert_true(fabs(r.rise_kwh - 10) < 1e-9);
    assert_int_equal(r.n_suspects, 3); /* the one away (-30) explains it worse than a -1 */
    assert_int_equal(r.suspects[0], 2);
    assert_int_equal(r.suspects[1], 4);
    assert_int_equal(r.suspects[2], 1);
    assert_true(fabs(r.suspect_drop_kwh[0] - 10) < 1e-9);
}

/*
 * Theft already running: no rise against the area's history, but one meter
 * registers 5 kWh less than its own instantaneous power accounts for.
 */
static void test_suspects_without_rise_by_unregistered_energy(void **state)
{
    (void)state;
    struct lineloss_config c;
    lineloss_config_default(&c);
    struct lineloss_user u[4] = {
        {1, 50, 0, 50, 50.2}, /* sampling noise */
        {2, 5, 0, 5, 10},     /* registers half */
        {3, 30, 0, 30, NAN},  /* not measured */
        {4, 2, 12, -10, -10}, /* PV exporting on balance, registers what it measured */
    };
    struct lineloss_result r;
    /* the loss is the usual rate: no rise */
    assert_int_equal(lineloss_area_day(&c, 200, 0, u, 4, (200 - 75.0) / 200, &r), 0);
    assert_true(fabs(r.rise_kwh) < 1e-9);
    assert_true(fabs(r.unregistered_kwh - 5) < 1e-9);
    assert_int_equal(r.n_suspects, 1);
    assert_int_equal(r.suspects[0], 2);
    assert_true(fabs(r.suspect_drop_kwh[0] - 5) < 1e-9);
    /* without history the measurement still ranks */
    assert_int_equal(lineloss_area_day(&c, 200, 0, u, 4, NAN, &r), 0);
    assert_int_equal(r.n_suspects, 1);
    assert_int_equal(r.suspects[0], 2);
    /* the PV user registers 2 kWh of export that it did not measure: 2 kWh short, second */
    u[3].measured_kwh = -8;
    assert_int_equal(lineloss_area_day(&c, 200, 0, u, 4, NAN, &r), 0);
    assert_int_equal(r.n_suspects, 2);
    assert_int_equal(r.suspects[1], 4);
    assert_true(fabs(r.suspect_drop_kwh[1] - 2) < 1e-9);
    /* a user who fell by 20 kWh that the meter measured did not steal it, even with a rise */
    u[1].history_kwh = 25;
    u[1].measured_kwh = 5;
    assert_int_equal(lineloss_area_day(&c, 200, 0, u, 4, 0.5, &r), 0);
    assert_true(r.rise_kwh > 0);
    assert_int_equal(r.n_suspects, 1);
    assert_int_equal(r.suspects[0], 4);
}

static void test_score_counts_true_false_and_missed(void **state)
{
    (void)state;
    struct score_item truth[] = {
        {1, ANOMALY_STOPPED}, {2, ANOMALY_STOPPED}, {3, ANOMALY_CLOCK}, {1, ANOMALY_STOPPED}};
    struct score_item found[] = {{1, ANOMALY_STOPPED}, {1, ANOMALY_STOPPED}, {4, ANOMALY_STOPPED},
                                 {3, ANOMALY_CLOCK},   {3, ANOMALY_RACING},  {9, 200}};
    struct score_board b;
    memset(&b, 0, sizeof b);
    score_compare(truth, 4, found, 6, &b);
    const struct score_counts *s = &b.type[ANOMALY_STOPPED];
    assert_int_equal(s->truth, 2); /* duplicates count once */
    assert_int_equal(s->found, 2);
    assert_int_equal(s->tp, 1);
    assert_int_equal(s->fp, 1);
    assert_int_equal(s->fn, 1);
    assert_true(score_precision(s) == 0.5);
    assert_true(score_recall(s) == 0.5);
    assert_int_equal(b.type[ANOMALY_CLOCK].tp, 1);
    assert_int_equal(b.type[ANOMALY_RACING].fp, 1);
    assert_true(score_recall(&b.type[ANOMALY_RACING]) ==
                1.0); /* nothing injected: nothing missed */
    assert_true(score_precision(&b.type[ANOMALY_RACING]) == 0.0);
    assert_true(score_precision(&b.type[ANOMALY_IMBALANCE]) == 1.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_counts_pv_export_and_flags),
        cmocka_unit_test(test_suspects_ranked_by_the_drop_that_explains_the_rise),
        cmocka_unit_test(test_suspects_without_rise_by_unregistered_energy),
        cmocka_unit_test(test_score_counts_true_false_and_missed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
