/*
 * The collection plan by name (collect.h, task_plan.c): names round-trip,
 * the state follows the configuration, and only curves and realtime switch
 * at runtime; a switched-off task stays off until switched on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <uv.h>
#include "meterhub/base/err.h"
#include "meterhub/collect.h"
#include "meterhub/store.h"

static void with_collector(const struct collect_cfg *cfg, void (*body)(struct collect *c))
{
    char dir[] = "/tmp/mh-taskplan-XXXXXX", path[64], err[256], side[80];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.db", dir);
    struct store *st = NULL;
    assert_int_equal(store_open(path, NULL, &st, err, sizeof err), 0);
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct collect *c = NULL;
    assert_int_equal(collect_new(&loop, st, cfg, &c), 0);
    body(c);
    collect_free(c);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    store_close(st);
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    rmdir(dir);
}

static void test_names(void **state)
{
    (void)state;
    static const char *const names[] = {"daily", "monthly", "curves", "realtime", "clock", "patch"};
    for (int i = 0; i < COLLECT_TASK_N; i++) {
        assert_string_equal(collect_task_name(i), names[i]);
        assert_int_equal(collect_task_find(names[i], strlen(names[i])), i);
    }
    assert_null(collect_task_name(COLLECT_TASK_N));
    assert_null(collect_task_name(-1));
    assert_int_equal(collect_task_find("curve", 5), MH_ENOENT);
    assert_int_equal(collect_task_find("curves/run", 10), MH_ENOENT);
    assert_int_equal(collect_task_find("curves/run", 6), COLLECT_TASK_CURVES);
    assert_int_equal(collect_task_find("", 0), MH_ENOENT);
}

static void scheduled_defaults(struct collect *c)
{
    for (int i = 0; i < COLLECT_TASK_N; i++)
        assert_int_equal(collect_task_enabled(c, i), 1);
    assert_int_equal(collect_task_enabled(c, COLLECT_TASK_N), MH_EINVAL);
}

static void on_demand_without_curves(struct collect *c)
{
    assert_int_equal(collect_task_enabled(c, COLLECT_TASK_DAILY), 0);
    assert_int_equal(collect_task_enabled(c, COLLECT_TASK_PATCH), 0);
    assert_int_equal(collect_task_enabled(c, COLLECT_TASK_CURVES), 0);
    assert_int_equal(collect_task_enabled(c, COLLECT_TASK_REALTIME), 1);
    assert_int_equal(collect_task_enabled(c, COLLECT_TASK_CLOCK), 1);

    assert_int_equal(collect_task_enable(c, COLLECT_TASK_CURVES, 1), 0);
    assert_int_equal(collect_task_enabled(c, COLLECT_TASK_CURVES), 1);
    assert_int_equal(collect_task_enable(c, COLLECT_TASK_REALTIME, 0), 0);
    assert_int_equal(collect_task_enabled(c, COLLECT_TASK_REALTIME), 0);
    assert_int_equal(collect_task_enabled(c, COLLECT_TASK_CURVES), 1); /* the other untouched */
    assert_int_equal(collect_task_enable(c, COLLECT_TASK_REALTIME, 1), 0);
    assert_int_equal(collect_task_enabled(c, COLLECT_TASK_REALTIME), 1);

    for (int i = 0; i < COLLECT_TASK_N; i++) {
        int sw = i == COLLECT_TASK_CURVES || i == COLLECT_TASK_REALTIME;
        assert_int_equal(collect_task_switchable(i), sw);
        if (!sw) {
            int before = collect_task_enabled(c, i);
            assert_int_equal(collect_task_enable(c, i, !before), MH_ENOTSUP);
            assert_int_equal(collect_task_enabled(c, i), before);
        }
    }
    assert_int_equal(collect_task_enable(c, COLLECT_TASK_N, 1), MH_EINVAL);
    assert_int_equal(collect_task_switchable(-1), 0);
}

static void test_state_and_switching(void **state)
{
    (void)state;
    struct collect_cfg sched = {.scheduled = 1};
    with_collector(&sched, scheduled_defaults);
    struct collect_cfg od = {.no_curves = 1};
    with_collector(&od, on_demand_without_curves);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_state_and_switching),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
