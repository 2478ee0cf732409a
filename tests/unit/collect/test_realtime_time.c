/*
 * The data time of realtime values (realtime_time.c): a register read now
 * by a terminal whose clock shows exactly 00:00 must not take the daily
 * freeze's key (24:00 of the day before) and replace the frozen value; the
 * store (a real SQLite file) keeps both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "collect_int.h"
#include "meterhub/proto/item.h"
#include "store_test.h"

#define OFFSET_MIN 480                 /* the terminals' local time, UTC+8 */
#define DAY1 (20417 * 86400LL)         /* 2025-11-25T00:00Z */
#define FREEZE (DAY1 - OFFSET_MIN * 60) /* 24:00 local of 2025-11-24, the daily freeze's key */

static void test_whole_minutes_move_one_second(void **state)
{
    (void)state;
    assert_int_equal(ctask_realtime_time(FREEZE), FREEZE + 1);
    assert_int_equal(ctask_realtime_time(FREEZE + 900), FREEZE + 901); /* a curve point's minute */
    assert_int_equal(ctask_realtime_time(FREEZE + 1), FREEZE + 1);
    assert_int_equal(ctask_realtime_time(FREEZE + 59), FREEZE + 59);
    assert_int_equal(ctask_realtime_time(FREEZE + 61), FREEZE + 61);
    assert_int_equal(ctask_realtime_time(-60), -59);
    assert_int_equal(ctask_realtime_time(-61), -61);
}

static void append_sync(struct store *st, const struct store_reading *r)
{
    assert_int_equal(store_readings_append(st, r, 1, 1000, NULL, NULL), 0);
    assert_int_equal(store_readings_sync(st, 10000), 0);
}

static void test_realtime_at_midnight_leaves_the_daily_freeze(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("realtime_midnight"), NULL);
    /* the daily freeze of 2025-11-24: 1234.56 kWh at 24:00 */
    struct store_reading frozen = store_test_reading(7, MH_ITEM_AE_IMP, FREEZE, 123456);
    append_sync(st, &frozen);
    /* then AFN0C F129 read at Td_c 2025-11-25 00:00 local: the register a little later */
    struct mh_tm td = {.year = 2025, .mon = 11, .day = 25, .hour = 0, .min = 0, .sec = 0,
                       .has = MH_TM_FULL};
    int64_t e;
    assert_int_equal(mh_tm_to_epoch(&td, &e), 0);
    struct store_reading now = store_test_reading(
        7, MH_ITEM_AE_IMP, ctask_realtime_time(e - OFFSET_MIN * 60), 123461);
    now.received_ms = frozen.received_ms + 60000;
    append_sync(st, &now);

    struct store_writer_stats ws;
    store_writer_stats(st, &ws);
    assert_int_equal(ws.stored, 2);
    assert_int_equal(ws.conflicts, 0);
    struct store_reading got[4];
    assert_int_equal(store_readings_range(st, 7, MH_ITEM_AE_IMP, FREEZE, FREEZE + 1, got, 4), 1);
    assert_true(got[0].value.m == 123456 && got[0].value.exp == frozen.value.exp);
    /* the realtime value is there too, within the minute the terminal dated it */
    assert_int_equal(store_readings_range(st, 7, MH_ITEM_AE_IMP, FREEZE + 1, FREEZE + 60, got, 4),
                     1);
    assert_true(got[0].value.m == 123461);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_minutes_move_one_second),
        cmocka_unit_test(test_realtime_at_midnight_leaves_the_daily_freeze),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
