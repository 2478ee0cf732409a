/*
 * One batch mixing every case a key can meet, against whichever backend
 * MH_TEST_STORE_URI names (SQLite by default; pg_suite.sh runs it against
 * PostgreSQL, where a batch with stored or repeated keys leaves the fast
 * COPY for the staging path): new keys, stored keys read again (duplicate)
 * or changed (conflict; the later received wins), and keys repeated within
 * the batch, in arrival order. Both backends must count and keep the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"
#include "store_test.h"

#define DAY0 (20416 * 86400LL)
#define AE MH_ITEM_AE_IMP

static struct store_reading at(int64_t meter, int64_t m, int64_t received_ms)
{
    struct store_reading r = store_test_reading(meter, AE, DAY0, m);
    r.received_ms = received_ms;
    return r;
}

static int64_t value_of(struct store *st, int64_t meter)
{
    struct store_reading got;
    assert_int_equal(store_reading_latest(st, meter, AE, &got), 0);
    assert_int_equal(got.value.exp, -2);
    return got.value.m;
}

static void test_one_batch_of_new_stored_and_repeated_keys(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("mixedbatch"), NULL);
    /* meters 1..3 stored first, received at 5000 */
    struct store_reading before[3] = {at(1, 100, 5000), at(2, 100, 5000), at(3, 100, 5000)};
    assert_int_equal(store_readings_append(st, before, 3, 1000, NULL, NULL), 0);
    assert_int_equal(store_readings_sync(st, 10000), 0);

    /* hold the writer so that everything below is one batch */
    struct store_reading gate = store_test_reading(99, AE, DAY0, 1);
    struct store_test_gate *g = store_test_hold(st, &gate);
    struct store_reading batch[] = {
        at(6, 10, 1000),   /* new */
        at(1, 100, 9000),  /* 1: the same value written otherwise (below: 1.0 = 1.00): duplicate */
        at(2, 200, 9000),  /* 2: conflict, received later: replaces */
        at(3, 300, 1000),  /* 3: conflict, received earlier: the stored value stays */
        at(4, 40, 1000),   /* new */
        at(4, 40, 2000),   /* the same again in the batch: duplicate */
        at(5, 50, 1000),   /* new */
        at(5, 55, 2000),   /* changed later in the batch: conflict, replaces */
        at(6, 11, 2000),   /* conflict, replaces */
        at(6, 10, 3000),   /* conflict again, back to the first value */
    };
    batch[1].value = mh_dec_make(10, -1);
    size_t n = sizeof batch / sizeof batch[0];
    assert_int_equal(store_readings_append(st, batch, n, 1000, NULL, NULL), 0);
    store_test_release(g);
    assert_int_equal(store_readings_sync(st, 10000), 0);

    struct store_writer_stats ws;
    store_writer_stats(st, &ws);
    assert_int_equal(ws.failed, 0);
    assert_int_equal(ws.stored, 3 + 1 + 3);  /* before, gate, meters 4..6 */
    assert_int_equal(ws.duplicates, 2);      /* meter 1, meter 4 again */
    assert_int_equal(ws.conflicts, 5);       /* 2, 3, 5, 6 twice */
    assert_int_equal(value_of(st, 1), 100);
    assert_int_equal(value_of(st, 2), 200);
    assert_int_equal(value_of(st, 3), 100);
    assert_int_equal(value_of(st, 4), 40);
    assert_int_equal(value_of(st, 5), 55);
    assert_int_equal(value_of(st, 6), 10);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_batch_of_new_stored_and_repeated_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
