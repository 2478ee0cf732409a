/*
 * Events through the writer thread (store_events_append): the path of
 * active reports, which an event storm brings by the ten thousand.
 *
 * Appenders copy their events (payloads duplicated) into a ring under the
 * writer's mutex and leave a ticket. The writer takes everything queued at
 * once, so a ticket's events are always in one transaction, hands them to
 * the backend (one transaction, durable on return; tried again while
 * another process holds the database), and then calls every ticket back
 * with that transaction's outcome, without the lock held. Events wait for
 * no reading: the writer stores them first in each turn.
 */
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "store_int.h"

#define EV_QUEUE 65536u /* events queued at most (a storm of 100,000 arrives over seconds) */

int store_events_init(struct store_writer *w)
{
    w->ev_cap = EV_QUEUE;
    w->ev_ring = calloc(w->ev_cap, sizeof *w->ev_ring);
    w->ev_batch = calloc(w->ev_cap, sizeof *w->ev_batch);
    w->ev_tickets = calloc(w->ev_cap, sizeof *w->ev_tickets);
    w->ev_tbatch = calloc(w->ev_cap, sizeof *w->ev_tbatch);
    return w->ev_ring && w->ev_batch && w->ev_tickets && w->ev_tbatch ? 0 : MH_ENOMEM;
}

void store_events_release(struct store_writer *w)
{
    for (uint64_t s = w->ev_head; w->ev_ring && s < w->ev_tail; s++) /* only when never written */
        free((char *)w->ev_ring[s % w->ev_cap].payload_json);
    free(w->ev_ring);
    free(w->ev_batch);
    free(w->ev_tickets);
    free(w->ev_tbatch);
    w->ev_ring = w->ev_batch = NULL;
    w->ev_tickets = w->ev_tbatch = NULL;
}

static int ev_room(const struct store_writer *w, size_t n, int want_ticket)
{
    return w->ev_cap - (size_t)(w->ev_tail - w->ev_head) >= n &&
           (!want_ticket || w->evt_tail - w->evt_head < w->ev_cap);
}

static void free_payloads(struct store_event *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)e[i].payload_json);
}

int store_events_append(struct store *st, const struct store_event *e, size_t n, int timeout_ms,
                        void (*done)(void *ctx, int status), void *ctx)
{
    if (!st || !e || n == 0 || timeout_ms < 0)
        return MH_EINVAL;
    struct store_writer *w = &st->w;
    if (n > w->ev_cap)
        return MH_EOVERFLOW;
    /* The copies are made before the lock is taken: appenders never allocate under it. */
    struct store_event *copy = malloc(n * sizeof *copy);
    if (!copy)
        return MH_ENOMEM;
    memcpy(copy, e, n * sizeof *copy);
    for (size_t i = 0; i < n; i++)
        if (e[i].payload_json && !(copy[i].payload_json = strdup(e[i].payload_json))) {
            free_payloads(copy, i);
            free(copy);
            return MH_ENOMEM;
        }
    pthread_mutex_lock(&w->mu);
    int rc = store_writer_wait_room(w, timeout_ms, ev_room, n, done != NULL);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            w->ev_ring[(w->ev_tail + i) % w->ev_cap] = copy[i];
        w->ev_tail += n;
        if (done)
            w->ev_tickets[w->evt_tail++ % w->ev_cap] = (struct store_ticket){0, w->ev_tail, done, ctx};
        pthread_cond_signal(&w->not_empty);
    }
    pthread_mutex_unlock(&w->mu);
    if (rc != 0)
        free_payloads(copy, n);
    free(copy);
    return rc;
}

/* One transaction of events for store_writer_busy_retry. */
struct events_job {
    struct store *st;
    size_t k;
    uint64_t stored;
};

static int write_job(void *arg)
{
    struct events_job *j = arg;
    j->stored = 0;
    return j->st->be_ops->write_events(j->st->be, j->st->w.ev_batch, j->k, &j->stored);
}

/*
 * Without a batch operation (a backend that has none): each event by
 * itself, in order; the first failure fails the batch (a copy already
 * stored is harmless, storing is idempotent and the terminal resends).
 */
static int write_each(struct store *st, size_t k, uint64_t *stored)
{
    for (size_t i = 0; i < k; i++) {
        int rc = st->be_ops->event_insert(st->be, &st->w.ev_batch[i]);
        if (rc < 0)
            return rc;
    }
    *stored = k;
    return 0;
}

void store_events_write(struct store *st)
{
    struct store_writer *w = &st->w;
    size_t k = store_ring_take(w->ev_ring, w->ev_cap, sizeof *w->ev_ring, w->ev_head, w->ev_tail, w->ev_batch);
    size_t nt = store_ring_take(w->ev_tickets, w->ev_cap, sizeof *w->ev_tickets, w->evt_head, w->evt_tail,
                                w->ev_tbatch);
    w->ev_head = w->ev_tail;
    pthread_cond_broadcast(&w->not_full);
    pthread_mutex_unlock(&w->mu);

    struct events_job job = {st, k, 0};
    int rc = st->be_ops->write_events ? store_writer_busy_retry(w, write_job, &job, "events", k)
                                      : write_each(st, k, &job.stored);
    if (rc < 0)
        mh_error("store", "%zu events not stored: %s", k, mh_strerror(rc));
    free_payloads(w->ev_batch, k);
    for (size_t i = 0; i < nt; i++)
        w->ev_tbatch[i].done(w->ev_tbatch[i].ctx, rc < 0 ? rc : 0);

    pthread_mutex_lock(&w->mu);
    w->evt_head += nt; /* the tickets are complete: store_readings_sync sees them done */
    if (rc >= 0)
        w->ev_stored += job.stored;
    pthread_cond_broadcast(&w->progress);
}
