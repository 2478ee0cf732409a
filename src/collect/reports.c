/*
 * Active reports stored through the store's writer and confirmed after
 * COMMIT (ARCHITECTURE.md: "a reading is acknowledged to a terminal only
 * after it is durable"; events alike).
 *
 * A report's records are decoded on the loop into a batch (struct
 * cev_batch) and appended to the writer's event queue. The writer commits
 * everything queued in one transaction, so in an event storm one fsync
 * serves the reports of many terminals instead of one per record, and the
 * loop never waits on the disk. Its callback runs on the writer thread: it
 * only queues the report here and wakes the loop (uv_async), which tells
 * the listeners (server-sent events, the bus) and sends the confirmation
 * (fep_report_stored). A report whose transaction failed is not confirmed:
 * the terminal sends it again, and storing it again is harmless (an event
 * is stored once).
 *
 * Lifetime: the queue outlives the collector while the writer still holds
 * reports of it. collect_reports_detach (collect_free) marks it detached
 * and closes the async handle; from then on a callback frees its report
 * unconfirmed, and the last reference frees the queue.
 */
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"

#define MOD "collect"
#define REPORT_WAIT_MS 0 /* the loop never waits for room: a report refused is sent again */

struct creport {
    struct creport *next;
    struct creports *q;
    const struct cterm *t;
    uint64_t token;
    int status;
    struct cev_batch b;
};

struct creports {
    pthread_mutex_t mu;
    uv_async_t async;
    struct collect *c;
    struct creport *head, *tail; /* stored (or failed), waiting for the loop */
    unsigned refs;               /* the collector's, and one per report the writer holds */
    int detached;
};

/* ---- batches ---- */

int cev_batch_add(struct cev_batch *b, const struct store_event *e)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct store_event *ev = realloc(b->ev, cap * sizeof *ev);
        if (!ev)
            return MH_ENOMEM;
        b->ev = ev;
        char(*pl)[COLLECT_PAYLOAD_MAX] = realloc(b->payload, cap * sizeof *pl);
        if (!pl)
            return MH_ENOMEM;
        b->payload = pl;
        b->cap = cap;
    }
    b->ev[b->n] = *e;
    b->ev[b->n].payload_json = NULL;
    if (e->payload_json) {
        size_t len = strlen(e->payload_json);
        if (len >= COLLECT_PAYLOAD_MAX)
            return MH_EOVERFLOW;
        memcpy(b->payload[b->n], e->payload_json, len + 1);
        b->ev[b->n].payload_json = b->payload[b->n]; /* a marker: pointed again by cev_batch_fix */
    }
    b->n++;
    return 0;
}

/* Point each event's payload at its slot (the arrays may have moved since it was added). */
static void batch_fix(struct cev_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->ev[i].payload_json)
            b->ev[i].payload_json = b->payload[i];
}

void cev_batch_release(struct cev_batch *b)
{
    free(b->ev);
    free(b->payload);
    memset(b, 0, sizeof *b);
}

/* Tell the listeners of stored events (on the loop). */
static void told(struct collect *c, const struct cterm *t, const struct cev_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (c->event_fn)
            c->event_fn(c->event_ctx, t->addr, &b->ev[i]);
        if (c->obs.event)
            c->obs.event(c->obs.ctx, &t->info, &b->ev[i]);
    }
}

int cev_batch_store(struct collect *c, const struct cterm *t, struct cev_batch *b)
{
    batch_fix(b);
    for (size_t i = 0; i < b->n; i++) {
        int rc = store_event_insert(c->st, &b->ev[i]);
        if (rc != 0)
            return rc;
    }
    told(c, t, b);
    return 0;
}

/* ---- reports through the writer ---- */

static void report_free(struct creport *r)
{
    cev_batch_release(&r->b);
    free(r);
}

/* Drop a reference; the last frees the queue. Called with q->mu held; unlocks it. */
static void unref_unlock(struct creports *q)
{
    int last = --q->refs == 0;
    pthread_mutex_unlock(&q->mu);
    if (last) {
        pthread_mutex_destroy(&q->mu);
        free(q);
    }
}

/* The writer thread: the report's transaction is over (status 0: committed). */
static void report_durable(void *ctx, int status)
{
    struct creport *r = ctx;
    struct creports *q = r->q;
    pthread_mutex_lock(&q->mu);
    if (q->detached) {
        report_free(r);
        unref_unlock(q);
        return;
    }
    r->status = status;
    r->next = NULL;
    if (q->tail)
        q->tail->next = r;
    else
        q->head = r;
    q->tail = r;
    uv_async_send(&q->async); /* before detached is set, under the lock: the handle is open */
    pthread_mutex_unlock(&q->mu);
}

/* The loop: confirm what is stored. */
static void on_durable(uv_async_t *h)
{
    struct creports *q = h->data;
    pthread_mutex_lock(&q->mu);
    struct creport *r = q->head;
    q->head = q->tail = NULL;
    pthread_mutex_unlock(&q->mu);
    struct collect *c = q->c;
    while (r) {
        struct creport *next = r->next;
        if (r->status != 0)
            mh_warn(MOD, "%s: report not stored: %s", r->t->addr, mh_strerror(r->status));
        else if (!c->closing) {
            told(c, r->t, &r->b);
            if (r->token)
                fep_report_stored(c->fep, r->token); /* MH_ENOENT: the session has gone meanwhile */
        }
        report_free(r);
        pthread_mutex_lock(&q->mu);
        q->refs--; /* the collector's reference keeps it above 0 */
        pthread_mutex_unlock(&q->mu);
        r = next;
    }
}

int collect_report_submit(struct collect *c, const struct cterm *t, uint64_t token, struct cev_batch *b)
{
    if (b->n == 0) { /* nothing to store: confirmed at once */
        if (token)
            fep_report_stored(c->fep, token);
        return 0;
    }
    struct creports *q = c->reports;
    struct creport *r = calloc(1, sizeof *r);
    if (!r)
        return MH_ENOMEM;
    r->q = q;
    r->t = t;
    r->token = token;
    r->b = *b; /* taken over */
    memset(b, 0, sizeof *b);
    batch_fix(&r->b);
    pthread_mutex_lock(&q->mu);
    q->refs++;
    pthread_mutex_unlock(&q->mu);
    int rc = store_events_append(c->st, r->b.ev, r->b.n, REPORT_WAIT_MS, report_durable, r);
    if (rc != 0) {
        report_free(r);
        pthread_mutex_lock(&q->mu);
        q->refs--;
        pthread_mutex_unlock(&q->mu);
    }
    return rc;
}

int collect_reports_init(struct collect *c)
{
    struct creports *q = calloc(1, sizeof *q);
    if (!q)
        return MH_ENOMEM;
    if (uv_async_init(c->loop, &q->async, on_durable) != 0) {
        free(q);
        return MH_EIO;
    }
    /* It must not keep the loop running by itself: a loop with nothing else to do ends. */
    uv_unref((uv_handle_t *)&q->async);
    pthread_mutex_init(&q->mu, NULL);
    q->async.data = q;
    q->c = c;
    q->refs = 1;
    c->reports = q;
    return 0;
}

static void async_closed(uv_handle_t *h)
{
    struct creports *q = h->data;
    struct collect *c = q->c;
    pthread_mutex_lock(&q->mu);
    unref_unlock(q);
    collect_handle_closed(c);
}

void collect_reports_detach(struct collect *c)
{
    struct creports *q = c->reports;
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->detached = 1;
    struct creport *r = q->head;
    q->head = q->tail = NULL;
    while (r) { /* stored, never confirmed: the terminal sends them again to the next station */
        struct creport *next = r->next;
        report_free(r);
        q->refs--;
        r = next;
    }
    pthread_mutex_unlock(&q->mu);
    c->reports = NULL;
    uv_close((uv_handle_t *)&q->async, async_closed);
}
