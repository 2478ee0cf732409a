/*
 * Collection status rows, link changes and event counters through the
 * writer thread (store_status_queue, store_terminal_link_queue,
 * store_event_counter_queue).
 *
 * A front-end's loop produces them by the thousand: a round's meters finish
 * passes, a city's terminals log in after a restart and say where their
 * event counters stand. Written on the loop,
 * each transaction waited for the database's single write lock, held by
 * the reading batches of this process's writer and of the other front-end
 * processes on the same file: the loop stood still for seconds at a time,
 * and every session and on-demand read on it with it. Queued here, they
 * cost the loop a copy; the writer takes the queues whole and writes them
 * in one transaction, each in the order queued, before its next batch of
 * readings, on its own connection (a loop's reads must not wait behind
 * these writes waiting for the lock).
 * Nobody waits on these rows (no terminal's confirmation depends on them),
 * so there are no tickets; store_readings_sync and store_close wait for
 * them as for readings.
 */
#include <stdio.h>
#include <stdlib.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "store_int.h"

#define SR_QUEUE 262144u /* status rows: four of a round's flushes */
#define LK_QUEUE 65536u  /* link changes: every terminal of a front-end, several times */
#define EC_QUEUE 65536u  /* counters: two for each of those terminals */

int store_rows_init(struct store_writer *w)
{
    w->sr_cap = SR_QUEUE;
    w->lk_cap = LK_QUEUE;
    w->sr_ring = calloc(w->sr_cap, sizeof *w->sr_ring);
    w->sr_batch = calloc(w->sr_cap, sizeof *w->sr_batch);
    w->lk_ring = calloc(w->lk_cap, sizeof *w->lk_ring);
    w->lk_batch = calloc(w->lk_cap, sizeof *w->lk_batch);
    w->ec_cap = EC_QUEUE;
    w->ec_ring = calloc(w->ec_cap, sizeof *w->ec_ring);
    w->ec_batch = calloc(w->ec_cap, sizeof *w->ec_batch);
    return w->sr_ring && w->sr_batch && w->lk_ring && w->lk_batch && w->ec_ring && w->ec_batch
               ? 0
               : MH_ENOMEM;
}

void store_rows_release(struct store_writer *w)
{
    free(w->sr_ring);
    free(w->sr_batch);
    free(w->lk_ring);
    free(w->lk_batch);
    free(w->ec_ring);
    free(w->ec_batch);
    w->sr_ring = w->sr_batch = NULL;
    w->lk_ring = w->lk_batch = NULL;
    w->ec_ring = w->ec_batch = NULL;
}

/* Room for n more of a queue of cap holding head..tail, and the writer still taking them. */
static int queue_room(const struct store_writer *w, uint64_t head, uint64_t tail, size_t cap, size_t n)
{
    if (w->closing)
        return MH_ECLOSED;
    return cap - (size_t)(tail - head) >= n ? 0 : MH_EAGAIN;
}

int store_status_queue(struct store *st, const struct store_status *s, size_t n)
{
    if (!st || store_status_check(s, n) != 0)
        return MH_EINVAL;
    if (n == 0)
        return 0;
    struct store_writer *w = &st->w;
    pthread_mutex_lock(&w->mu);
    int rc = queue_room(w, w->sr_head, w->sr_tail, w->sr_cap, n);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            w->sr_ring[(w->sr_tail + i) % w->sr_cap] = s[i];
        w->sr_tail += n;
        pthread_cond_signal(&w->not_empty);
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int store_terminal_link_queue(struct store *st, int64_t terminal, int online, int64_t t_ms,
                              const char *reason)
{
    if (!st)
        return MH_EINVAL;
    struct store_link_change l = {.terminal = terminal, .t_ms = t_ms, .online = online != 0};
    if (reason)
        snprintf(l.reason, sizeof l.reason, "%s", reason);
    struct store_writer *w = &st->w;
    pthread_mutex_lock(&w->mu);
    int rc = queue_room(w, w->lk_head, w->lk_tail, w->lk_cap, 1);
    if (rc == 0) {
        w->lk_ring[w->lk_tail++ % w->lk_cap] = l;
        pthread_cond_signal(&w->not_empty);
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int store_rows_counter(struct store *st, const struct store_counter_set *c)
{
    struct store_writer *w = &st->w;
    pthread_mutex_lock(&w->mu);
    int rc = queue_room(w, w->ec_head, w->ec_tail, w->ec_cap, 1);
    if (rc == 0) {
        w->ec_ring[w->ec_tail++ % w->ec_cap] = *c;
        pthread_cond_signal(&w->not_empty);
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

/* The queues' transaction for store_writer_busy_retry. */
struct rows_job {
    struct store *st;
    size_t ns, nl, nc;
};

static int write_rows(void *arg)
{
    struct rows_job *j = arg;
    struct store_writer *w = &j->st->w;
    return j->st->be_ops->write_rows(j->st->be, w->sr_batch, j->ns, w->lk_batch, j->nl, w->ec_batch,
                                     j->nc);
}

void store_rows_write(struct store *st)
{
    struct store_writer *w = &st->w;
    uint64_t sr_end = w->sr_tail, lk_end = w->lk_tail, ec_end = w->ec_tail;
    size_t ns = store_ring_take(w->sr_ring, w->sr_cap, sizeof *w->sr_ring, w->sr_head, sr_end, w->sr_batch);
    size_t nl = store_ring_take(w->lk_ring, w->lk_cap, sizeof *w->lk_ring, w->lk_head, lk_end, w->lk_batch);
    size_t nc = store_ring_take(w->ec_ring, w->ec_cap, sizeof *w->ec_ring, w->ec_head, ec_end, w->ec_batch);
    w->sr_head = sr_end;
    w->lk_head = lk_end;
    w->ec_head = ec_end;
    pthread_mutex_unlock(&w->mu);

    struct rows_job job = {st, ns, nl, nc};
    int rc = store_writer_busy_retry(w, write_rows, &job, "status rows", ns + nl + nc);
    if (rc < 0)
        mh_error("store", "%zu status rows, %zu link changes, %zu counter values not stored: %s", ns,
                 nl, nc, mh_strerror(rc));

    pthread_mutex_lock(&w->mu);
    w->sr_done = sr_end; /* store_readings_sync sees them done */
    w->lk_done = lk_end;
    w->ec_done = ec_end;
    pthread_cond_broadcast(&w->progress);
}
