/*
 * Readings someone waits on (store_readings_append_urgent): an on-demand
 * read that the API answers with its values once they are durable.
 *
 * The reading queue is first in, first out, and an append's ticket
 * completes only when every reading queued before it has been committed:
 * during a large round an operator's read would wait behind hundreds of
 * thousands of the round's readings (seconds). These few readings have a
 * small queue of their own, which the writer takes whole, into a
 * transaction of its own, before its next batch of the main queue; so
 * they wait for at most the batch being written. Order between the two
 * queues does not matter to the store: of two readings of one key the
 * later-received wins (received_ms), whichever is written first.
 */
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "store_int.h"

int store_urgent_init(struct store_writer *w)
{
    w->ur_cap = STORE_URGENT_MAX;
    w->ur_ring = calloc(w->ur_cap, sizeof *w->ur_ring);
    w->ur_batch = calloc(w->ur_cap, sizeof *w->ur_batch);
    w->ur_tickets = calloc(w->ur_cap, sizeof *w->ur_tickets);
    w->ur_tbatch = calloc(w->ur_cap, sizeof *w->ur_tbatch);
    return w->ur_ring && w->ur_batch && w->ur_tickets && w->ur_tbatch ? 0 : MH_ENOMEM;
}

void store_urgent_release(struct store_writer *w)
{
    free(w->ur_ring);
    free(w->ur_batch);
    free(w->ur_tickets);
    free(w->ur_tbatch);
    w->ur_ring = w->ur_batch = NULL;
    w->ur_tickets = w->ur_tbatch = NULL;
}

static int ur_room(const struct store_writer *w, size_t n, int want_ticket)
{
    return w->ur_cap - (size_t)(w->ur_tail - w->ur_head) >= n &&
           (!want_ticket || w->urt_tail - w->urt_head < w->ur_cap);
}

int store_readings_append_urgent(struct store *st, const struct store_reading *r, size_t n,
                                 int timeout_ms, void (*done)(void *ctx, int status), void *ctx)
{
    if (!st || !r || n == 0 || timeout_ms < 0)
        return MH_EINVAL;
    struct store_writer *w = &st->w;
    if (n > w->ur_cap)
        return MH_EOVERFLOW;
    pthread_mutex_lock(&w->mu);
    int rc = store_writer_wait_room(w, timeout_ms, ur_room, n, done != NULL);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            w->ur_ring[(w->ur_tail + i) % w->ur_cap] = r[i];
        w->ur_tail += n;
        w->stats.appended += n;
        if (done)
            w->ur_tickets[w->urt_tail++ % w->ur_cap] = (struct store_ticket){0, w->ur_tail, done, ctx};
        atomic_store_explicit(&w->ur_waiting, 1, memory_order_relaxed);
        pthread_cond_signal(&w->not_empty);
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

/* One transaction of urgent readings for store_writer_busy_retry. */
struct urgent_job {
    struct store *st;
    size_t k;
    struct store_batch_result res;
};

static int write_job(void *arg)
{
    struct urgent_job *j = arg;
    j->res = (struct store_batch_result){0};
    return j->st->be_ops->write_readings(j->st->be, j->st->w.ur_batch, j->k, &j->res);
}

void store_urgent_write(struct store *st)
{
    struct store_writer *w = &st->w;
    uint64_t end = w->ur_tail;
    size_t k = store_ring_take(w->ur_ring, w->ur_cap, sizeof *w->ur_ring, w->ur_head, end, w->ur_batch);
    size_t nt = store_ring_take(w->ur_tickets, w->ur_cap, sizeof *w->ur_tickets, w->urt_head, w->urt_tail,
                                w->ur_tbatch);
    w->ur_head = w->ur_tail;
    atomic_store_explicit(&w->ur_waiting, 0, memory_order_relaxed);
    pthread_cond_broadcast(&w->not_full);
    pthread_mutex_unlock(&w->mu);

    struct urgent_job job = {st, k, {0}};
    int rc = store_writer_busy_retry(w, write_job, &job, "readings", k);
    if (rc < 0)
        mh_error("store", "%zu urgent readings not stored: %s", k, mh_strerror(rc));
    for (size_t i = 0; i < nt; i++)
        w->ur_tbatch[i].done(w->ur_tbatch[i].ctx, rc < 0 ? rc : 0);

    pthread_mutex_lock(&w->mu);
    w->urt_head += nt;
    w->ur_done = end; /* store_readings_sync sees them done */
    if (rc < 0) {
        w->stats.failed += k;
    } else {
        w->stats.stored += job.res.stored;
        w->stats.duplicates += job.res.duplicates;
        w->stats.conflicts += job.res.conflicts;
        w->stats.batches++;
    }
    pthread_cond_broadcast(&w->progress);
}
