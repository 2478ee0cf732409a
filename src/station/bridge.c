/*
 * The station bridge (station.h): a bounded FIFO of calls under one mutex,
 * a uv_async_t that wakes the loop, and per call a mutex and condition the
 * submitter waits on (CLOCK_MONOTONIC, so a clock set does not stretch a
 * wait).
 *
 * uv_async_send coalesces: the loop runs every call queued by the time its
 * callback takes the list, so one wake-up serves a burst. uv_async_send is
 * only called with the bridge's mutex held and the bridge open, and close
 * marks it closed under the same mutex before uv_close, so no send can reach
 * a closing handle.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "meterhub/base/deadline.h"
#include "meterhub/base/err.h"
#include "meterhub/station.h"

#define QUEUE_MAX_DEFAULT 256

struct station_call {
    struct station_call *next; /* in the bridge's queue */
    station_call_fn fn;
    void *arg;
    void (*arg_free)(void *arg);
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs; /* the submitter and the loop */
    int finished, status;
};

struct station_bridge {
    uv_async_t async;
    pthread_mutex_t mu;
    struct station_call *head, *tail;
    size_t n, max;
    int closed;
    struct station_bridge_stats stats;
};

static void call_unref(struct station_call *c)
{
    pthread_mutex_lock(&c->mu);
    int left = --c->refs;
    pthread_mutex_unlock(&c->mu);
    if (left > 0)
        return;
    if (c->arg_free)
        c->arg_free(c->arg);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void station_call_finish(struct station_call *c, int status)
{
    pthread_mutex_lock(&c->mu);
    c->finished = 1;
    c->status = status;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    call_unref(c);
}

static void on_async(uv_async_t *h)
{
    struct station_bridge *b = h->data;
    pthread_mutex_lock(&b->mu);
    struct station_call *c = b->head;
    b->head = b->tail = NULL;
    b->stats.run += b->n;
    b->n = 0;
    pthread_mutex_unlock(&b->mu);
    while (c) {
        struct station_call *next = c->next;
        c->next = NULL;
        c->fn(c, c->arg);
        c = next;
    }
}

int station_bridge_new(uv_loop_t *loop, size_t queue_max, struct station_bridge **out)
{
    struct station_bridge *b = calloc(1, sizeof *b);
    if (!b)
        return MH_ENOMEM;
    b->max = queue_max ? queue_max : QUEUE_MAX_DEFAULT;
    if (pthread_mutex_init(&b->mu, NULL) != 0) {
        free(b);
        return MH_ENOMEM;
    }
    if (uv_async_init(loop, &b->async, on_async) != 0) {
        pthread_mutex_destroy(&b->mu);
        free(b);
        return MH_EIO;
    }
    b->async.data = b;
    *out = b;
    return 0;
}

void station_bridge_close(struct station_bridge *b)
{
    pthread_mutex_lock(&b->mu);
    if (b->closed) {
        pthread_mutex_unlock(&b->mu);
        return;
    }
    b->closed = 1;
    struct station_call *c = b->head;
    b->head = b->tail = NULL;
    b->n = 0;
    pthread_mutex_unlock(&b->mu);
    while (c) {
        struct station_call *next = c->next;
        station_call_finish(c, MH_ECLOSED);
        c = next;
    }
    uv_close((uv_handle_t *)&b->async, NULL);
}

void station_bridge_free(struct station_bridge *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->mu);
    free(b);
}

int station_call_submit(struct station_bridge *b, station_call_fn fn, void *arg,
                        void (*arg_free)(void *arg), struct station_call **out)
{
    struct station_call *c = calloc(1, sizeof *c);
    if (!c) {
        if (arg_free)
            arg_free(arg);
        return MH_ENOMEM;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, &ca);
    pthread_condattr_destroy(&ca);
    c->fn = fn;
    c->arg = arg;
    c->arg_free = arg_free;
    c->refs = 2;
    int rc = 0;
    pthread_mutex_lock(&b->mu);
    if (b->closed) {
        rc = MH_ECLOSED;
    } else if (b->n >= b->max) {
        rc = MH_EBUSY;
        b->stats.refused_full++;
    } else {
        if (b->tail)
            b->tail->next = c;
        else
            b->head = c;
        b->tail = c;
        b->n++;
        b->stats.submitted++;
        uv_async_send(&b->async);
    }
    pthread_mutex_unlock(&b->mu);
    if (rc != 0) {
        c->refs = 1;
        call_unref(c);
        return rc;
    }
    *out = c;
    return 0;
}

int station_call_wait(struct station_call *c, uint32_t timeout_ms, int *status)
{
    struct timespec until = mh_deadline_ms(timeout_ms);
    pthread_mutex_lock(&c->mu);
    while (!c->finished)
        if (pthread_cond_timedwait(&c->cv, &c->mu, &until) != 0)
            break; /* ETIMEDOUT: finished is looked at once more below */
    int done = c->finished;
    if (done && status)
        *status = c->status;
    pthread_mutex_unlock(&c->mu);
    return done ? 0 : MH_ETIMEDOUT;
}

int station_call_done(struct station_call *c, int *status)
{
    pthread_mutex_lock(&c->mu);
    int done = c->finished;
    if (done && status)
        *status = c->status;
    pthread_mutex_unlock(&c->mu);
    return done;
}

void *station_call_arg(struct station_call *c)
{
    return c->arg;
}

void station_call_release(struct station_call *c)
{
    if (c)
        call_unref(c);
}

void station_bridge_stats(struct station_bridge *b, struct station_bridge_stats *out)
{
    pthread_mutex_lock(&b->mu);
    *out = b->stats;
    out->queued = b->n;
    pthread_mutex_unlock(&b->mu);
}
