/*
 * Server-sent events: GET /api/v1/stream (text/event-stream, docs/api.md
 * "Live events").
 *
 * Every client has a bounded byte buffer (CLIENT_BUF). api_publish appends
 * an event to each buffer under the hub's mutex and never waits: a client
 * whose buffer cannot take the event is dropped — its stream ends and its
 * connection closes — so a slow or stalled browser costs its own events,
 * never the station's loop that publishes.
 *
 * libmicrohttpd pulls a stream's bytes through a content reader. When the
 * buffer is empty the reader suspends the connection (MHD_suspend_connection
 * from the reader, allowed by the library) instead of returning 0, which
 * would spin a pool thread; the next event or heartbeat resumes it. The
 * suspended flag and both calls are under the hub's mutex, so a connection is
 * resumed only when it is suspended. A heartbeat comment every heartbeat_ms
 * keeps proxies from closing an idle stream and lets a dead peer be noticed
 * (a suspended connection is not polled).
 *
 * Resuming (WHATWG HTML "Server-sent events", 9.2: a reconnecting
 * EventSource sends the last id it saw as Last-Event-ID): the hub keeps the
 * most recent events, at most RING_EVENTS of them and RING_BYTES in all, so
 * a replay always fits a new client's buffer. A stream opened with an id
 * the ring still follows gets the events after it before anything new; an
 * id older than the ring, or not of this run, gets one `reset` event (the
 * client missed events and must reload what it shows). Ids count up from
 * the hub's start time in milliseconds x 1024, so ids of an earlier run of
 * the server are older than any of this one.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "meterhub/base/deadline.h"
#include "meterhub/base/err.h"

#define CLIENT_BUF ((size_t)64 << 10) /* an event stream's backlog before it is dropped */
#define EVENT_MAX ((size_t)16 << 10)
#define RING_EVENTS 512                   /* recent events kept for resuming streams */
#define RING_BYTES (CLIENT_BUF - EVENT_MAX) /* ... and their bytes: a replay fits a new buffer */

/* Recent events as sent (id, event and data lines), oldest first: ids first_id, first_id + 1 ... */
struct ring {
    char *ev[RING_EVENTS];
    size_t len[RING_EVENTS];
    size_t start, n, bytes;
    uint64_t first_id;
};

struct client {
    struct client *next;
    struct api_hub *hub;
    struct MHD_Connection *conn;
    char *buf; /* ring of CLIENT_BUF bytes */
    size_t head, len;
    int suspended, dropped;
};

struct api_hub {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct client *clients;
    unsigned n, max, heartbeat_ms;
    uint64_t seq, dropped;
    int stopping;
    pthread_t hb;
    int hb_started;
    struct ring ring;
};

/* Under h->mu: forget the oldest kept event. */
static void ring_pop(struct ring *r)
{
    r->bytes -= r->len[r->start];
    free(r->ev[r->start]);
    r->ev[r->start] = NULL;
    r->start = (r->start + 1) % RING_EVENTS;
    r->n--;
    r->first_id++;
}

/* Under h->mu: keep event id (n bytes of text); out of memory forgets what is kept. */
static void ring_push(struct ring *r, uint64_t id, const char *text, size_t n)
{
    while (r->n && (r->n == RING_EVENTS || r->bytes + n > RING_BYTES))
        ring_pop(r);
    char *copy = malloc(n);
    if (!copy) {
        while (r->n)
            ring_pop(r);
        r->first_id = id + 1; /* a resume from before this event is told to reset */
        return;
    }
    memcpy(copy, text, n);
    if (r->n == 0)
        r->first_id = id;
    size_t at = (r->start + r->n) % RING_EVENTS;
    r->ev[at] = copy;
    r->len[at] = n;
    r->n++;
    r->bytes += n;
}

/* Under h->mu: wake the connection when the reader put it to sleep. */
static void wake(struct client *c)
{
    if (c->suspended) {
        c->suspended = 0;
        MHD_resume_connection(c->conn);
    }
}

/* Under h->mu: append n bytes, or drop the client when they do not fit. */
static void put(struct client *c, const char *p, size_t n)
{
    if (c->dropped)
        return;
    if (n > CLIENT_BUF - c->len) {
        c->dropped = 1;
        c->hub->dropped++;
        wake(c);
        return;
    }
    size_t tail = (c->head + c->len) % CLIENT_BUF;
    size_t first = n < CLIENT_BUF - tail ? n : CLIENT_BUF - tail;
    memcpy(c->buf + tail, p, first);
    memcpy(c->buf, p + first, n - first);
    c->len += n;
    wake(c);
}

void api_publish(struct api *a, const char *event, const char *data_json)
{
    if (!a || !a->hub)
        return;
    struct api_hub *h = a->hub;
    if (strchr(data_json, '\n'))
        return; /* it would end the event early */
    char line[EVENT_MAX];
    /* One hold of the lock: ids are in the order every client receives the events. */
    pthread_mutex_lock(&h->mu);
    int n = snprintf(line, sizeof line, "id: %llu\nevent: %s\ndata: %s\n\n",
                     (unsigned long long)(h->seq + 1), event, data_json);
    if (n > 0 && (size_t)n < sizeof line) {
        ring_push(&h->ring, ++h->seq, line, (size_t)n);
        for (struct client *c = h->clients; c; c = c->next)
            put(c, line, (size_t)n);
    }
    pthread_mutex_unlock(&h->mu);
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct client *c = cls;
    struct api_hub *h = c->hub;
    pthread_mutex_lock(&h->mu);
    ssize_t ret;
    if (c->dropped) {
        ret = MHD_CONTENT_READER_END_WITH_ERROR;
    } else if (c->len == 0 && h->stopping) {
        ret = MHD_CONTENT_READER_END_OF_STREAM;
    } else if (c->len == 0) {
        c->suspended = 1;
        MHD_suspend_connection(c->conn);
        ret = 0;
    } else {
        size_t n = c->len < max ? c->len : max;
        size_t first = n < CLIENT_BUF - c->head ? n : CLIENT_BUF - c->head;
        memcpy(out, c->buf + c->head, first);
        memcpy(out + first, c->buf, n - first);
        c->head = (c->head + n) % CLIENT_BUF;
        c->len -= n;
        ret = (ssize_t)n;
    }
    pthread_mutex_unlock(&h->mu);
    return ret;
}

static void reader_free(void *cls)
{
    struct client *c = cls;
    struct api_hub *h = c->hub;
    pthread_mutex_lock(&h->mu);
    for (struct client **pp = &h->clients; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            h->n--;
            break;
        }
    pthread_mutex_unlock(&h->mu);
    free(c->buf);
    free(c);
}

static void *heartbeat(void *arg)
{
    struct api_hub *h = arg;
    pthread_mutex_lock(&h->mu);
    while (!h->stopping) {
        struct timespec until = mh_deadline_ms(h->heartbeat_ms);
        if (pthread_cond_timedwait(&h->cv, &h->mu, &until) == 0 || h->stopping)
            continue;
        static const char hb[] = ": heartbeat\n\n";
        for (struct client *c = h->clients; c; c = c->next)
            put(c, hb, sizeof hb - 1);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

int api_hub_new(unsigned max, unsigned heartbeat_ms, struct api_hub **out)
{
    struct api_hub *h = calloc(1, sizeof *h);
    if (!h)
        return MH_ENOMEM;
    h->max = max ? max : 16;
    h->heartbeat_ms = heartbeat_ms ? heartbeat_ms : 15000;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    h->seq = ((uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000) << 10;
    h->ring.first_id = h->seq + 1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&h->hb, NULL, heartbeat, h) != 0) {
        api_hub_free(h);
        return MH_ENOMEM;
    }
    h->hb_started = 1;
    *out = h;
    return 0;
}

void api_hub_stop(struct api_hub *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->stopping = 1;
    for (struct client *c = h->clients; c; c = c->next)
        wake(c);
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    if (h->hb_started)
        pthread_join(h->hb, NULL);
    h->hb_started = 0;
}

void api_hub_free(struct api_hub *h)
{
    if (!h)
        return;
    api_hub_stop(h);
    while (h->ring.n)
        ring_pop(&h->ring);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

/*
 * Last-Event-ID: 0 when absent (or empty: the client saw no id), else 1
 * with the id; one that is not 1..20 decimal digits that fit is taken as 0,
 * older than any event, so the client is told to reset.
 */
static int last_event_id(struct MHD_Connection *conn, uint64_t *out)
{
    const char *t = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Last-Event-ID");
    size_t n = t ? strlen(t) : 0;
    *out = 0;
    if (n == 0)
        return 0;
    if (n > 20)
        return 1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9' || v > (UINT64_MAX - (uint64_t)(t[i] - '0')) / 10)
            return 1;
        v = v * 10 + (uint64_t)(t[i] - '0');
    }
    *out = v;
    return 1;
}

/*
 * Under h->mu: what a stream resumed after event `last` missed, into c:
 * the kept events after it, or a `reset` (with the current id, so the
 * client resumes from here next time) when the ring no longer follows it.
 */
static void resume(struct api_hub *h, struct client *c, uint64_t last)
{
    const struct ring *r = &h->ring;
    if (last == h->seq)
        return;
    if (last < h->seq && last + 1 >= r->first_id && r->n) {
        for (size_t i = (size_t)(last + 1 - r->first_id); i < r->n; i++) {
            size_t at = (r->start + i) % RING_EVENTS;
            put(c, r->ev[at], r->len[at]);
        }
        return;
    }
    char line[160];
    int n = snprintf(line, sizeof line,
                     "id: %llu\nevent: reset\ndata: {\"last_event_id\":\"%llu\",\"oldest\":\"%llu\"}\n\n",
                     (unsigned long long)h->seq, (unsigned long long)last,
                     (unsigned long long)r->first_id);
    if (n > 0 && (size_t)n < sizeof line)
        put(c, line, (size_t)n);
}

/*
 * GET /api/v1/stream: 503 when max streams are open, else the stream. It
 * opens with a comment, so the client sees the headers and knows it is
 * connected before the first event; with Last-Event-ID, what it missed
 * follows (resume) before any new event.
 */
void api_h_stream(struct api_req *rq, struct api_resp *rs)
{
    struct api_hub *h = rq->api->hub;
    struct client *c = calloc(1, sizeof *c);
    char *buf = malloc(CLIENT_BUF);
    if (!c || !buf) {
        free(c);
        free(buf);
        api_reply_error(rs, 500, "out of memory");
        return;
    }
    c->hub = h;
    c->conn = rq->conn;
    c->buf = buf;
    uint64_t last = 0;
    int resuming = last_event_id(rq->conn, &last);
    pthread_mutex_lock(&h->mu);
    int full = h->n >= h->max || h->stopping;
    if (!full) {
        static const char hello[] = ": meterhub events\nretry: 3000\n\n";
        put(c, hello, sizeof hello - 1);
        if (resuming)
            resume(h, c, last);
        c->next = h->clients;
        h->clients = c;
        h->n++;
    }
    pthread_mutex_unlock(&h->mu);
    if (full) {
        free(buf);
        free(c);
        api_reply_error(rs, 503, "%u event streams are open already (the limit)", h->max);
        return;
    }
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, c, reader_free);
    if (!r) {
        reader_free(c);
        api_reply_error(rs, 500, "out of memory");
        return;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    rs->status = 200;
    rs->stream = r;
}
