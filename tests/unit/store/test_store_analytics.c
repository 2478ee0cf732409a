/*
 * The store's analytics results (store.h "analytics results"): the bulk
 * scan of readings, consumption, line loss and alarms, against whichever
 * backend MH_TEST_STORE_URI names: the same expectations hold for SQLite
 * and PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"
#include "store_test.h"

/* The test archive with 3 users; m[] receives the meter ids (supply first, then users, DTU's). */
static struct store *open_imported(const char *name, int64_t m[5])
{
    struct store *st = store_test_open(store_test_uri(name), NULL);
    char *csv = store_test_archive_csv(3);
    store_test_import(st, csv, NULL);
    free(csv);
    struct store_meter_row r[5];
    assert_int_equal(store_meters_list(st, NULL, 0, r, 5), 5);
    for (int i = 0; i < 5; i++)
        m[i] = r[i].id;
    return st;
}

static void test_scan_is_one_ordered_pass_with_paging(void **state)
{
    (void)state;
    int64_t m[5];
    struct store *st = open_imported("an_scan", m);
    const uint32_t imp = MH_OBIS(1, 0, 1, 8, 0), exp = MH_OBIS(1, 0, 2, 8, 0);
    struct store_reading r[12];
    size_t n = 0;
    /* Appended out of order, over three days; only the middle one is scanned. */
    for (int d = 2; d >= 0; d--)
        for (int k = 3; k >= 0; k--) {
            r[n++] = store_test_reading(m[k], k % 2 ? exp : imp, 86400 * (20000 + d), 100 * d + k);
        }
    assert_int_equal(store_readings_append(st, r, n, 1000, NULL, NULL), 0);
    assert_int_equal(store_readings_sync(st, 5000), 0);

    struct store_reading out[8];
    int64_t from = 86400 * 20001, to = 86400 * 20002;
    assert_int_equal(store_readings_scan(st, from, to, NULL, out, 8), 4);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(out[k].meter, m[k]);
        assert_int_equal(out[k].item, k % 2 ? exp : imp);
        assert_int_equal(out[k].t, from);
        assert_int_equal(out[k].value.m, 100 + k);
        assert_int_equal(out[k].value.exp, -2);
    }
    /* Pages of one resume after the last key. */
    struct store_reading_key after = {0, 0, 0};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(store_readings_scan(st, from, to, &after, out, 1), 1);
        assert_int_equal(out[0].meter, m[k]);
        after = (struct store_reading_key){out[0].meter, out[0].item, out[0].t};
    }
    assert_int_equal(store_readings_scan(st, from, to, &after, out, 1), 0);
    /* The whole span, in key order: meter, then item, then time. */
    assert_int_equal(store_readings_scan(st, 0, INT64_MAX, NULL, out, 8), 8);
    assert_int_equal(out[0].meter, m[0]);
    assert_int_equal(out[1].meter, m[0]);
    assert_true(out[0].t < out[1].t);
    store_close(st);
}

static void test_consumption_put_replaces_and_lists(void **state)
{
    (void)state;
    int64_t m[5];
    struct store *st = open_imported("an_consumption", m);
    struct store_consumption c[3];
    memset(c, 0, sizeof c);
    for (int i = 0; i < 3; i++) {
        c[i].meter = m[1 + i % 2];
        c[i].day = 20000 + i / 2;
        for (int k = 0; k < 5; k++) {
            c[i].import_wh10[k] = 123456789012LL + i * 10 + k;
            c[i].export_wh10[k] = k ? STORE_WH10_NONE : 0;
        }
    }
    c[2].quality = STORE_Q_ESTIMATED;
    c[2].status = 5;
    assert_int_equal(store_consumption_put(st, c, 3), 0);
    /* Again, with a changed value: replaced, not added. */
    c[0].import_wh10[0] = -7;
    assert_int_equal(store_consumption_put(st, c, 3), 0);

    struct store_consumption out[4];
    assert_int_equal(store_consumption_list(st, 0, 0, INT64_MAX, 0, 0, out, 4), 3);
    assert_int_equal(out[0].meter, m[1]);
    assert_int_equal(out[0].day, 20000);
    assert_int_equal(out[0].import_wh10[0], -7);
    assert_int_equal(out[0].import_wh10[4], 123456789016LL);
    assert_int_equal(out[0].export_wh10[0], 0);
    assert_true(out[0].export_wh10[1] == STORE_WH10_NONE);
    assert_int_equal(out[1].meter, m[1]);
    assert_int_equal(out[1].day, 20001);
    assert_int_equal(out[1].quality, STORE_Q_ESTIMATED);
    assert_int_equal(out[1].status, 5);
    assert_int_equal(out[2].meter, m[2]);
    /* One meter, a day range, paging by (meter, day). */
    assert_int_equal(store_consumption_list(st, m[1], 20001, 20002, 0, 0, out, 4), 1);
    assert_int_equal(out[0].day, 20001);
    assert_int_equal(store_consumption_list(st, 0, 0, INT64_MAX, m[1], 20000, out, 4), 2);
    assert_int_equal(out[0].day, 20001);
    store_close(st);
}

static void test_lineloss_by_area_code(void **state)
{
    (void)state;
    int64_t m[5];
    struct store *st = open_imported("an_lineloss", m);
    struct store_lineloss l = {.day = 20000, .supply_wh10 = 1000000, .users_wh10 = 950000,
                               .loss_wh10 = 50000, .rate_ppm = 50000,
                               .rise_wh10 = STORE_WH10_NONE, .flags = 4, .users = 3,
                               .missing = 1, .suspects = {m[2], 0, 0}};
    snprintf(l.area_code, sizeof l.area_code, "A1");
    assert_int_equal(store_lineloss_put(st, &l, 1), 0);
    l.loss_wh10 = 60000;
    assert_int_equal(store_lineloss_put(st, &l, 1), 0);
    snprintf(l.area_code, sizeof l.area_code, "NOPE");
    assert_int_equal(store_lineloss_put(st, &l, 1), MH_ENOENT);

    struct store_lineloss out[2];
    assert_int_equal(store_lineloss_list(st, "A1", 0, INT64_MAX, 0, 0, out, 2), 1);
    assert_string_equal(out[0].area_code, "A1");
    assert_true(out[0].area > 0);
    assert_int_equal(out[0].loss_wh10, 60000);
    assert_true(out[0].rise_wh10 == STORE_WH10_NONE);
    assert_int_equal(out[0].flags, 4);
    assert_int_equal(out[0].missing, 1);
    assert_int_equal(out[0].suspects[0], m[2]);
    assert_int_equal(out[0].suspects[1], 0);
    assert_int_equal(store_lineloss_list(st, "B9", 0, INT64_MAX, 0, 0, out, 2), 0);
    assert_int_equal(store_lineloss_list(st, NULL, 20001, 20002, 0, 0, out, 2), 0);
    store_close(st);
}

static void test_alarms_extend_filter_and_ack(void **state)
{
    (void)state;
    int64_t m[5];
    struct store *st = open_imported("an_alarms", m);
    struct store_alarm a[2];
    memset(a, 0, sizeof a);
    a[0] = (struct store_alarm){.type = 2, .phase = 255, .meter = m[1], .terminal = 1,
                                .start_s = 1000, .first_day = 10, .last_day = 10,
                                .value_milli = 1500};
    snprintf(a[0].area, sizeof a[0].area, "A1");
    snprintf(a[0].evidence, sizeof a[0].evidence, "register went down 1.5 kWh");
    a[1] = (struct store_alarm){.type = 13, .phase = 255, .terminal = 1, .start_s = 2000,
                                .end_s = 3000, .first_day = 10, .last_day = 10};
    assert_int_equal(store_alarm_put(st, a, 2), 0);
    /* The next day the first continues, still open: the same row, a later last day. */
    a[0].first_day = a[0].last_day = 11;
    a[0].value_milli = 2500;
    assert_int_equal(store_alarm_put(st, a, 1), 0);

    struct store_alarm out[4];
    assert_int_equal(store_alarms_list(st, NULL, 0, out, 4), 2);
    assert_int_equal(out[0].type, 2);
    assert_int_equal(out[0].meter, m[1]);
    assert_string_equal(out[0].area, "A1");
    assert_int_equal(out[0].end_s, 0);
    assert_int_equal(out[0].first_day, 10);
    assert_int_equal(out[0].last_day, 11);
    assert_int_equal(out[0].value_milli, 2500);
    assert_string_equal(out[0].evidence, "register went down 1.5 kWh");
    assert_string_equal(out[1].area, "");
    assert_int_equal(out[1].end_s, 3000);

    struct store_alarm_filter f = STORE_ALARM_FILTER_ANY;
    f.open = 1;
    assert_int_equal(store_alarms_list(st, &f, 0, out, 4), 1);
    assert_int_equal(out[0].type, 2);
    f.open = 0;
    assert_int_equal(store_alarms_list(st, &f, 0, out, 4), 1);
    assert_int_equal(out[0].type, 13);
    f = (struct store_alarm_filter)STORE_ALARM_FILTER_ANY;
    f.area = "A1";
    assert_int_equal(store_alarms_list(st, &f, 0, out, 4), 1);
    f = (struct store_alarm_filter)STORE_ALARM_FILTER_ANY;
    f.from_s = 3000; /* the terminal's alarm ended then: only the open one overlaps */
    assert_int_equal(store_alarms_list(st, &f, 0, out, 4), 1);
    assert_int_equal(out[0].type, 2);
    f.from_s = 0;
    f.to_s = 1000; /* nothing started before 1000 */
    assert_int_equal(store_alarms_list(st, &f, 0, out, 4), 0);
    f = (struct store_alarm_filter)STORE_ALARM_FILTER_ANY;
    f.type = 13;
    f.terminal = 1;
    assert_int_equal(store_alarms_list(st, &f, 0, out, 4), 1);
    int64_t id = out[0].id;

    assert_int_equal(store_alarm_ack(st, id, "operator1", 5000), 0);
    assert_int_equal(store_alarm_ack(st, id, "operator2", 6000), 0);
    assert_int_equal(store_alarm_get(st, id, &out[0]), 0);
    assert_string_equal(out[0].ack_who, "operator1");
    assert_int_equal(out[0].ack_ms, 5000);
    assert_int_equal(store_alarm_ack(st, id + 100, "operator1", 5000), MH_ENOENT);
    assert_int_equal(store_alarm_ack(st, id, "", 5000), MH_EINVAL);
    assert_int_equal(store_alarm_get(st, id + 100, &out[0]), MH_ENOENT);
    store_close(st);
}

static void test_quality_put_replaces_and_lists(void **state)
{
    (void)state;
    int64_t m[5];
    struct store *st = open_imported("an_quality", m);
    struct store_quality_day q[2] = {
        {m[1], 20000, 96, 895833, 0, 36000, 241100, 1728000000, 190000, 1728003600, 0, 0, 0},
        {m[4], 20000, 288, 1000000, 0, 0, 229000, 1, 219000, 2, 12345, 1, 900},
    };
    assert_int_equal(store_quality_put(st, q, 2), 0);
    q[0].samples = 95;
    assert_int_equal(store_quality_put(st, q, 1), 0);
    struct store_quality_day out[4];
    assert_int_equal(store_quality_list(st, 0, 0, INT64_MAX, 0, 0, out, 4), 2);
    assert_int_equal(out[0].samples, 95);
    assert_int_equal(out[1].meter, m[4]);
    assert_int_equal(out[1].samples, 288);
    assert_int_equal(out[1].qualified_ppm, 1000000);
    assert_int_equal(out[1].vmax_mv, 229000);
    assert_int_equal(out[1].t_vmax, 1);
    assert_int_equal(out[1].vmin_mv, 219000);
    assert_int_equal(out[1].t_vmin, 2);
    assert_int_equal(out[1].outages, 1);
    assert_int_equal(out[1].outage_s, 900);
    assert_int_equal(store_quality_list(st, m[4], 20000, 20001, 0, 0, out, 4), 1);
    assert_int_equal(out[0].unbalance_ppm, 12345);
    assert_int_equal(store_quality_list(st, 0, 0, INT64_MAX, m[1], 20000, out, 4), 1);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_is_one_ordered_pass_with_paging),
        cmocka_unit_test(test_consumption_put_replaces_and_lists),
        cmocka_unit_test(test_lineloss_by_area_code),
        cmocka_unit_test(test_alarms_extend_filter_and_ack),
        cmocka_unit_test(test_quality_put_replaces_and_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
