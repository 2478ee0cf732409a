/*
 * The station bridge (station.h): calls from other threads run on a real
 * libuv loop's thread, finish now or later, time out without dangling, are
 * refused when the queue is full or the bridge closed.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/station.h"

/* A loop on its own thread, as the station runs it, with a timer that finishes deferred calls. */
struct fixture {
    uv_loop_t loop;
    uv_async_t stop;
    uv_timer_t later;
    struct station_bridge *b;
    pthread_t th;
    pthread_t loop_thread;
    struct station_call *deferred; /* finished by the timer */
};

struct arg {
    struct fixture *fx;
    int value;
    int ran_on_loop;
    int defer_ms; /* 0: finish at once */
    int *freed;
};

static void arg_free(void *p)
{
    struct arg *a = p;
    if (a->freed)
        __atomic_add_fetch(a->freed, 1, __ATOMIC_SEQ_CST);
    free(a);
}

static void on_later(uv_timer_t *t)
{
    struct fixture *fx = t->data;
    struct station_call *c = fx->deferred;
    fx->deferred = NULL;
    ((struct arg *)station_call_arg(c))->value = 42;
    station_call_finish(c, 0);
}

static void work(struct station_call *c, void *p)
{
    struct arg *a = p;
    a->ran_on_loop = pthread_equal(pthread_self(), a->fx->loop_thread);
    if (a->defer_ms) {
        a->fx->deferred = c;
        uv_timer_start(&a->fx->later, on_later, (uint64_t)a->defer_ms, 0);
        return;
    }
    a->value = 7;
    station_call_finish(c, a->value == 7 ? 0 : MH_EIO);
}

static void on_stop(uv_async_t *h)
{
    struct fixture *fx = h->data;
    station_bridge_close(fx->b);
    uv_close((uv_handle_t *)&fx->stop, NULL);
    uv_close((uv_handle_t *)&fx->later, NULL);
}

static void *loop_main(void *p)
{
    struct fixture *fx = p;
    fx->loop_thread = pthread_self();
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    return NULL;
}

static void start(struct fixture *fx, size_t queue_max)
{
    memset(fx, 0, sizeof *fx);
    assert_int_equal(uv_loop_init(&fx->loop), 0);
    assert_int_equal(station_bridge_new(&fx->loop, queue_max, &fx->b), 0);
    uv_async_init(&fx->loop, &fx->stop, on_stop);
    fx->stop.data = fx;
    uv_timer_init(&fx->loop, &fx->later);
    fx->later.data = fx;
}

static void run_loop(struct fixture *fx)
{
    assert_int_equal(pthread_create(&fx->th, NULL, loop_main, fx), 0);
}

static void stop(struct fixture *fx)
{
    uv_async_send(&fx->stop);
    pthread_join(fx->th, NULL);
    assert_int_equal(uv_loop_close(&fx->loop), 0);
    station_bridge_free(fx->b);
}

/* The call's arg is freed once, by whichever side lets go last. */
static void wait_freed(const int *freed)
{
    for (int i = 0; i < 500 && __atomic_load_n(freed, __ATOMIC_SEQ_CST) == 0; i++)
        usleep(2000);
    assert_int_equal(__atomic_load_n(freed, __ATOMIC_SEQ_CST), 1);
}

static struct arg *new_arg(struct fixture *fx, int defer_ms, int *freed)
{
    struct arg *a = calloc(1, sizeof *a);
    assert_non_null(a);
    a->fx = fx;
    a->defer_ms = defer_ms;
    a->freed = freed;
    return a;
}

/* A bridge on a running loop and one call submitted to it. */
static struct station_call *running_call(struct fixture *fx, int defer_ms, int *freed)
{
    start(fx, 0);
    run_loop(fx);
    struct station_call *c = NULL;
    assert_int_equal(station_call_submit(fx->b, work, new_arg(fx, defer_ms, freed), arg_free, &c),
                     0);
    return c;
}

static void test_call_runs_on_the_loop_and_its_result_is_seen(void **state)
{
    (void)state;
    struct fixture fx;
    int freed = 0;
    struct station_call *c = running_call(&fx, 0, &freed);
    int st = -1;
    assert_int_equal(station_call_wait(c, 5000, &st), 0);
    assert_int_equal(st, 0);
    struct arg *a = station_call_arg(c);
    assert_int_equal(a->value, 7);
    assert_int_equal(a->ran_on_loop, 1);
    assert_int_equal(freed, 0);
    station_call_release(c);
    wait_freed(&freed); /* both sides let go (the loop's may be the later) */
    stop(&fx);
}

static void test_wait_times_out_and_the_call_finishes_later(void **state)
{
    (void)state;
    struct fixture fx;
    int freed = 0;
    struct station_call *c = running_call(&fx, 300, &freed);
    assert_int_equal(station_call_wait(c, 20, NULL), MH_ETIMEDOUT);
    assert_int_equal(station_call_done(c, NULL), 0);
    int st = -1;
    assert_int_equal(station_call_wait(c, 5000, &st), 0);
    assert_int_equal(st, 0);
    assert_int_equal(((struct arg *)station_call_arg(c))->value, 42);
    station_call_release(c);
    wait_freed(&freed);
    stop(&fx);
}

static void test_submitter_may_let_go_before_the_loop_finishes(void **state)
{
    (void)state;
    struct fixture fx;
    int freed = 0;
    struct station_call *c = running_call(&fx, 100, &freed);
    station_call_release(c); /* an HTTP client that went away */
    wait_freed(&freed);         /* freed by the loop's finish, once */
    stop(&fx);
}

static void test_full_queue_refuses_and_close_fails_what_is_queued(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, 2); /* the loop is not running: calls stay queued */
    int freed = 0;
    struct station_call *c1, *c2, *c3 = NULL;
    assert_int_equal(station_call_submit(fx.b, work, new_arg(&fx, 0, &freed), arg_free, &c1), 0);
    assert_int_equal(station_call_submit(fx.b, work, new_arg(&fx, 0, &freed), arg_free, &c2), 0);
    assert_int_equal(station_call_submit(fx.b, work, new_arg(&fx, 0, &freed), arg_free, &c3),
                     MH_EBUSY);
    assert_null(c3);
    assert_int_equal(freed, 1); /* the refused call's arg */
    struct station_bridge_stats s;
    station_bridge_stats(fx.b, &s);
    assert_int_equal(s.queued, 2);
    assert_int_equal(s.refused_full, 1);
    station_bridge_close(fx.b);
    int st = 0;
    assert_int_equal(station_call_wait(c1, 0, &st), 0);
    assert_int_equal(st, MH_ECLOSED);
    assert_int_equal(((struct arg *)station_call_arg(c1))->ran_on_loop, 0); /* never run */
    assert_int_equal(station_call_submit(fx.b, work, new_arg(&fx, 0, &freed), arg_free, &c3),
                     MH_ECLOSED);
    station_call_release(c1);
    station_call_release(c2);
    assert_int_equal(freed, 4);
    uv_close((uv_handle_t *)&fx.stop, NULL);
    uv_close((uv_handle_t *)&fx.later, NULL);
    uv_run(&fx.loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&fx.loop), 0);
    station_bridge_free(fx.b);
}

/* Many threads at once: every call runs once and every waiter sees its own result. */
struct burst {
    struct fixture *fx;
    int ok;
};

static void *burst_main(void *p)
{
    struct burst *b = p;
    for (int i = 0; i < 200; i++) {
        struct station_call *c = NULL;
        int rc = station_call_submit(b->fx->b, work, new_arg(b->fx, 0, NULL), arg_free, &c);
        if (rc == MH_EBUSY) {
            usleep(100);
            continue;
        }
        int st = -1;
        if (rc == 0 && station_call_wait(c, 5000, &st) == 0 && st == 0 &&
            ((struct arg *)station_call_arg(c))->value == 7)
            b->ok++;
        station_call_release(c);
    }
    return NULL;
}

static void test_concurrent_submitters(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, 4);
    run_loop(&fx);
    pthread_t th[4];
    struct burst b[4];
    for (int i = 0; i < 4; i++) {
        b[i] = (struct burst){&fx, 0};
        pthread_create(&th[i], NULL, burst_main, &b[i]);
    }
    int ok = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        ok += b[i].ok;
    }
    struct station_bridge_stats s;
    station_bridge_stats(fx.b, &s);
    assert_int_equal((uint64_t)ok, s.submitted);
    assert_true(ok > 0);
    assert_int_equal(s.run, s.submitted);
    stop(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_runs_on_the_loop_and_its_result_is_seen),
        cmocka_unit_test(test_wait_times_out_and_the_call_finishes_later),
        cmocka_unit_test(test_submitter_may_let_go_before_the_loop_finishes),
        cmocka_unit_test(test_full_queue_refuses_and_close_fails_what_is_queued),
        cmocka_unit_test(test_concurrent_submitters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
