/*
 * The reading queue and its writer thread, shared by every backend.
 *
 * Appenders copy readings into a fixed ring under one mutex and, when they
 * want to hear of the commit, leave a ticket: the sequence number just past
 * their last reading. The writer thread moves up to batch_max readings out
 * of the ring (freeing room at once, so appenders are not held up by the
 * database), hands them to the backend as one transaction, and once that
 * returns (durable) completes every ticket whose readings are all done, in
 * order, calling back without the lock held.
 *
 * A ticket whose readings span a failed batch reports the failure even if
 * a later batch held the rest: the most recent failed range is kept and a
 * completing ticket that overlaps it fails. Any older failed batch a
 * pending ticket overlaps lies before the newest one it also overlaps,
 * because a pending ticket ends after every completed batch.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meterhub/base/deadline.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "store_int.h"

#define DEFAULT_QUEUE 524288u
#define DEFAULT_BATCH 262144u
#define WRITER_BUSY_TRIES 30u /* each after the backend's own busy wait */

/* Wait on c until woken or the deadline passes: 0 or ETIMEDOUT. */
static int wait_until(pthread_cond_t *c, pthread_mutex_t *mu, const struct timespec *dl)
{
    return pthread_cond_timedwait(c, mu, dl);
}

static int in_writer(const struct store_writer *w)
{
    return w->running && pthread_equal(pthread_self(), w->thread);
}

static int has_room(const struct store_writer *w, size_t n, int want_ticket)
{
    return w->cap - (size_t)(w->tail - w->head) >= n &&
           (!want_ticket || w->ttail - w->thead < w->tcap);
}

/*
 * With w->mu held: wait (up to timeout_ms; never from the writer thread
 * itself) until room(w, n, flag) says there is room. 0, MH_EAGAIN (counted
 * as rejected) or MH_ECLOSED.
 */
int store_writer_wait_room(struct store_writer *w, int timeout_ms,
                           int (*room)(const struct store_writer *w, size_t n, int flag), size_t n,
                           int flag)
{
    int rc = 0;
    if (!room(w, n, flag) && !w->closing) {
        if (timeout_ms == 0 || in_writer(w)) {
            rc = MH_EAGAIN;
        } else {
            struct timespec dl = mh_deadline_ms((uint32_t)timeout_ms);
            while (!w->closing && !room(w, n, flag) && rc == 0)
                if (wait_until(&w->not_full, &w->mu, &dl) == ETIMEDOUT)
                    rc = room(w, n, flag) ? 0 : MH_EAGAIN;
        }
    }
    if (w->closing)
        rc = MH_ECLOSED;
    w->stats.rejected += rc == MH_EAGAIN;
    return rc;
}

int store_readings_append(struct store *st, const struct store_reading *r, size_t n, int timeout_ms,
                          void (*done)(void *ctx, int status), void *ctx)
{
    if (!st || !r || n == 0 || timeout_ms < 0)
        return MH_EINVAL;
    struct store_writer *w = &st->w;
    if (n > w->cap)
        return MH_EOVERFLOW;
    pthread_mutex_lock(&w->mu);
    int rc = store_writer_wait_room(w, timeout_ms, has_room, n, done != NULL);
    if (rc != 0) {
        pthread_mutex_unlock(&w->mu);
        return rc;
    }
    /* Copy in, in at most two pieces around the end of the ring. */
    size_t at = (size_t)(w->tail % w->cap), first = n < w->cap - at ? n : w->cap - at;
    if (first)
        memcpy(w->ring + at, r, first * sizeof *r);
    if (n > first)
        memcpy(w->ring, r + first, (n - first) * sizeof *r);
    uint64_t start = w->tail;
    w->tail += n;
    w->stats.appended += n;
    if (done) {
        struct store_ticket *t = &w->tickets[w->ttail++ % w->tcap];
        t->start_seq = start;
        t->end_seq = w->tail;
        t->done = done;
        t->ctx = ctx;
    }
    pthread_cond_signal(&w->not_empty);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

int store_readings_sync(struct store *st, int timeout_ms)
{
    if (!st || timeout_ms < 0)
        return MH_EINVAL;
    struct store_writer *w = &st->w;
    pthread_mutex_lock(&w->mu);
    uint64_t target = w->tail, ev_target = w->evt_tail, ur_target = w->ur_tail;
    uint64_t sr_target = w->sr_tail, lk_target = w->lk_tail, ec_target = w->ec_tail;
    struct timespec dl = mh_deadline_ms((uint32_t)timeout_ms);
    int rc = 0;
#define PENDING()                                                                                  \
    (w->done_seq < target || w->evt_head < ev_target || w->ur_done < ur_target ||                  \
     w->sr_done < sr_target || w->lk_done < lk_target || w->ec_done < ec_target)
    while (PENDING() && rc == 0)
        if (wait_until(&w->progress, &w->mu, &dl) == ETIMEDOUT && PENDING())
            rc = MH_ETIMEDOUT;
#undef PENDING
    pthread_mutex_unlock(&w->mu);
    return rc;
}

void store_writer_stats(struct store *st, struct store_writer_stats *out)
{
    pthread_mutex_lock(&st->w.mu);
    *out = st->w.stats;
    out->queued = (size_t)(st->w.tail - st->w.head + st->w.ur_tail - st->w.ur_head);
    out->capacity = st->w.cap;
    pthread_mutex_unlock(&st->w.mu);
}

size_t store_ring_take(const void *ring, size_t cap, size_t size, uint64_t head, uint64_t tail,
                       void *batch)
{
    size_t k = (size_t)(tail - head), at = (size_t)(head % cap), first = k < cap - at ? k : cap - at;
    memcpy(batch, (const char *)ring + at * size, first * size);
    if (k > first)
        memcpy((char *)batch + first * size, ring, (k - first) * size);
    return k;
}

/* Complete, in order, the tickets whose readings are all done. Called and returns locked. */
static void complete_tickets(struct store_writer *w)
{
    while (w->thead < w->ttail) {
        struct store_ticket t = w->tickets[w->thead % w->tcap];
        if (t.end_seq > w->done_seq)
            break;
        w->thead++;
        int failed = t.start_seq < w->fail_hi && t.end_seq > w->fail_lo;
        pthread_mutex_unlock(&w->mu);
        t.done(t.ctx, failed ? w->fail_rc : 0);
        pthread_mutex_lock(&w->mu);
    }
}

int store_writer_busy_retry(struct store_writer *w, int (*write)(void *arg), void *arg, const char *what,
                            size_t k)
{
    int rc = write(arg);
    uint64_t retries = 0;
    /*
     * MH_EBUSY: another process's writer held the database past the
     * backend's busy timeout (several front ends on one SQLite file,
     * serve --procs). The batch was rolled back and is still here: it is
     * tried again after a pause rather than failed, so its tickets wait
     * instead of reporting a loss; only after WRITER_BUSY_TRIES does it fail.
     */
    for (uint32_t pause_ms = 50; rc == MH_EBUSY && retries < WRITER_BUSY_TRIES; retries++) {
        mh_warn("store", "batch of %zu %s: database busy, trying again in %u ms", k, what, pause_ms);
        pthread_mutex_lock(&w->mu);
        w->stats.busy_retries++; /* seen while it lasts */
        pthread_mutex_unlock(&w->mu);
        struct timespec ts = {.tv_sec = pause_ms / 1000, .tv_nsec = (long)(pause_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        pause_ms = pause_ms * 2 > 2000 ? 2000 : pause_ms * 2;
        rc = write(arg);
    }
    return rc;
}

/* One batch of readings (what is left of it) for store_writer_busy_retry. */
struct readings_job {
    struct store *st;
    size_t k;       /* readings left, at the front of w.batch */
    size_t written; /* by the last call */
    struct store_batch_result res;
};

/* Whether an operator's readings wait in the urgent queue (write_readings_part's yield). */
static int urgent_waiting(void *arg)
{
    struct store_writer *w = arg;
    return atomic_load_explicit(&w->ur_waiting, memory_order_relaxed);
}

static int write_batch(void *arg)
{
    struct readings_job *j = arg;
    struct store *st = j->st;
    j->res = (struct store_batch_result){0};
    if (st->be_ops->write_readings_part)
        return st->be_ops->write_readings_part(st->be, st->w.batch, j->k, &j->res, &j->written,
                                               urgent_waiting, &st->w);
    j->written = j->k;
    return st->be_ops->write_readings(st->be, st->w.batch, j->k, &j->res);
}

/*
 * Write the k readings at w->batch: in one transaction, or, where the
 * backend gives way to writes someone waits on (write_readings_part), in
 * parts, writing the urgent queue between them. Sums the results into
 * *res; 0 or the first failure (parts committed before it stay: readings
 * are idempotent, and the batch's tickets report the failure).
 */
static int write_batch_parts(struct store *st, size_t k, struct store_batch_result *res)
{
    struct store_writer *w = &st->w;
    struct readings_job job = {st, k, 0, {0}};
    for (;;) {
        int rc = store_writer_busy_retry(w, write_batch, &job, "readings", job.k);
        if (rc < 0)
            return rc;
        res->stored += job.res.stored;
        res->duplicates += job.res.duplicates;
        res->conflicts += job.res.conflicts;
        res->yields += job.res.yields;
        pthread_mutex_lock(&w->mu);
        w->stats.batches++;
        if (job.written < job.k && w->ur_head != w->ur_tail)
            store_urgent_write(st); /* unlocks while the backend writes */
        pthread_mutex_unlock(&w->mu);
        if (job.written >= job.k)
            return 0;
        job.k -= job.written;
    }
}

static void *writer_main(void *arg)
{
    struct store *st = arg;
    struct store_writer *w = &st->w;
    pthread_mutex_lock(&w->mu);
    for (;;) {
#define ROWS() (w->sr_head != w->sr_tail || w->lk_head != w->lk_tail || w->ec_head != w->ec_tail)
#define DRAINED() (w->head == w->tail && w->ev_head == w->ev_tail && w->ur_head == w->ur_tail && !ROWS())
        while (DRAINED() && !w->closing)
            pthread_cond_wait(&w->not_empty, &w->mu);
        if (w->ev_head != w->ev_tail)
            store_events_write(st); /* unlocks while the backend writes */
        if (w->ur_head != w->ur_tail)
            store_urgent_write(st); /* likewise: ahead of the next batch */
        if (ROWS())
            store_rows_write(st); /* likewise */
        if (DRAINED() && w->closing)
            break; /* closing and drained */
#undef DRAINED
#undef ROWS
        if (w->head == w->tail)
            continue;
        size_t k = (size_t)(w->tail - w->head);
        if (k > w->batch_max)
            k = w->batch_max;
        store_ring_take(w->ring, w->cap, sizeof *w->ring, w->head, w->head + k, w->batch);
        uint64_t start = w->head;
        w->head += k;
        pthread_cond_broadcast(&w->not_full);
        pthread_mutex_unlock(&w->mu);

        struct store_batch_result res = {0};
        int rc = write_batch_parts(st, k, &res);
        /* each reading written counts once: stored, duplicate or conflict */
        size_t written = (size_t)(res.stored + res.duplicates + res.conflicts);
        if (rc < 0)
            mh_error("store", "batch of %zu readings not stored: %s", k - written, mh_strerror(rc));

        pthread_mutex_lock(&w->mu);
        if (rc < 0) {
            w->fail_lo = start;
            w->fail_hi = start + k;
            w->fail_rc = rc;
            w->stats.failed += k - written;
        }
        w->stats.stored += res.stored;
        w->stats.duplicates += res.duplicates;
        w->stats.conflicts += res.conflicts;
        w->stats.yields += res.yields;
        w->done_seq = start + k;
        complete_tickets(w);
        pthread_cond_broadcast(&w->progress);
    }
    complete_tickets(w);
    pthread_cond_broadcast(&w->progress);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int cond_init_monotonic(pthread_cond_t *c)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
    return rc;
}

int store_writer_start(struct store *st, const struct store_options *opt)
{
    struct store_writer *w = &st->w;
    memset(w, 0, sizeof *w);
    w->cap = opt && opt->queue_capacity ? opt->queue_capacity : DEFAULT_QUEUE;
    w->batch_max = opt && opt->batch_max ? opt->batch_max : DEFAULT_BATCH;
    if (w->batch_max > w->cap)
        w->batch_max = w->cap;
    w->tcap = w->cap;
    w->ring = calloc(w->cap, sizeof *w->ring);
    w->batch = calloc(w->batch_max, sizeof *w->batch);
    w->tickets = calloc(w->tcap, sizeof *w->tickets);
    if (!w->ring || !w->batch || !w->tickets || store_events_init(w) != 0 ||
        store_urgent_init(w) != 0 || store_rows_init(w) != 0)
        goto nomem;
    pthread_mutex_init(&w->mu, NULL);
    cond_init_monotonic(&w->not_empty);
    cond_init_monotonic(&w->not_full);
    cond_init_monotonic(&w->progress);
    pthread_mutex_lock(&w->mu);
    int rc = pthread_create(&w->thread, NULL, writer_main, st);
    w->running = rc == 0;
    pthread_mutex_unlock(&w->mu);
    if (rc == 0)
        return 0;
    pthread_cond_destroy(&w->progress);
    pthread_cond_destroy(&w->not_full);
    pthread_cond_destroy(&w->not_empty);
    pthread_mutex_destroy(&w->mu);
nomem:
    free(w->ring);
    free(w->batch);
    free(w->tickets);
    store_events_release(w);
    store_urgent_release(w);
    store_rows_release(w);
    return MH_ENOMEM;
}

void store_writer_stop(struct store *st)
{
    struct store_writer *w = &st->w;
    pthread_mutex_lock(&w->mu);
    w->closing = 1;
    pthread_cond_broadcast(&w->not_empty);
    pthread_cond_broadcast(&w->not_full);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->progress);
    pthread_cond_destroy(&w->not_full);
    pthread_cond_destroy(&w->not_empty);
    pthread_mutex_destroy(&w->mu);
    free(w->ring);
    free(w->batch);
    free(w->tickets);
    store_events_release(w);
    store_urgent_release(w);
    store_rows_release(w);
}
