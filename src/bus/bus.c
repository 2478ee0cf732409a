/*
 * The NATS publisher (meterhub/bus.h): a bounded queue filled by any
 * thread, drained by the publisher's own thread into nats.c.
 *
 * Why a thread of our own: every nats.c publish may take the connection's
 * lock and, for JetStream, wait for an acknowledgement or for room among
 * the pending ones; the station's loop must never wait on the network.
 * Why our own queue rather than the client's reconnect buffer only: its
 * size is in bytes of one connection and a full buffer fails the publish
 * after the fact; ours is counted per message and drops at the door.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <nats/nats.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/bus.h"

#define MOD "bus"
#define TAKE_MAX 256 /* messages taken from the queue per lock */
#define TRIES_MAX 3  /* JetStream publishes of one message, the first included */
#define HDR_TRY "Meterhub-Try"

struct bus_msg {
    struct bus_msg *next;
    struct bus *owner;
    uint64_t seq;  /* with the bus's boot id, the JetStream message id */
    uint8_t tries; /* JetStream publishes made of it so far */
    uint8_t cls;
    uint32_t len;
    char *subject; /* inside buf, after the payload */
    char buf[];
};

struct bus {
    struct bus_cfg cfg;
    char prefix[32];
    natsOptions *opts;
    natsConnection *nc;
    jsCtx *js;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* queue not empty, connected again, stop */
    pthread_cond_t idle_cv; /* the thread has nothing in hand */
    struct bus_msg *head, *tail;
    size_t n, bytes;
    int busy;               /* the thread holds messages taken from the queue */
    int closed;             /* the client ran its closed callback: no callback follows */
    int stop;
    atomic_int connected;
    atomic_int_fast64_t connected_ms; /* mono_ms() of the last (re)connection */
    atomic_int closing; /* bus_close runs: a lost connection is no news, a stall no reason to wait */
    atomic_int mode[BUS_CLASS_COUNT_]; /* 1 stream, 0 plain, -1 to be probed */
    int64_t probe_at_ms[BUS_CLASS_COUNT_];
    atomic_uint_fast64_t queued, published, js_acked, js_failed, js_retried, dropped, failed,
        disconnects, reconnects;
    atomic_uint_fast64_t seq;
    char boot[20]; /* this bus's id in message ids: its start time in microseconds, hex */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void deadline_in(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

/* ---- client callbacks (nats.c threads) ---- */

static void on_disconnected(natsConnection *nc, void *closure)
{
    struct bus *b = closure;
    (void)nc;
    if (atomic_exchange(&b->connected, 0) && !atomic_load(&b->closing)) {
        atomic_fetch_add(&b->disconnects, 1);
        mh_warn(MOD, "disconnected from NATS: messages queue (at most %zu), then drop",
                b->cfg.queue_max);
    }
}

static void on_connected(natsConnection *nc, void *closure)
{
    struct bus *b = closure;
    (void)nc;
    pthread_mutex_lock(&b->mu);
    atomic_store(&b->connected_ms, mono_ms());
    atomic_store(&b->connected, 1);
    /* Streams may have come or gone while away: probe every class again. */
    for (int k = 0; k < BUS_CLASS_COUNT_; k++)
        atomic_store(&b->mode[k], -1);
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

/* The client's last callback for the connection: after it, b may be freed. */
static void on_closed(natsConnection *nc, void *closure)
{
    struct bus *b = closure;
    (void)nc;
    pthread_mutex_lock(&b->mu);
    b->closed = 1;
    pthread_cond_broadcast(&b->idle_cv);
    pthread_mutex_unlock(&b->mu);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    struct bus *b = closure;
    atomic_fetch_add(&b->reconnects, 1);
    mh_info(MOD, "reconnected to NATS");
    on_connected(nc, closure);
}

static int enqueue(struct bus *b, struct bus_msg *m);

/*
 * A JetStream acknowledgement, or its failure: a publish lost with the
 * connection, or not acknowledged in time, is queued again (up to
 * TRIES_MAX publishes) under the same message id, so the stream's
 * duplicate window drops it if the first one was stored after all.
 */
static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    struct bus *b = closure;
    (void)js;
    (void)pa;
    if (!pae) {
        atomic_fetch_add(&b->js_acked, 1);
        natsMsg_Destroy(msg);
        return;
    }
    /* The stream went away: probe the class again rather than fail every message. */
    if (pae->Err == NATS_NO_RESPONDERS)
        for (int k = 0; k < BUS_CLASS_COUNT_; k++)
            atomic_store(&b->mode[k], -1);
    const char *id = NULL, *hdr = NULL;
    natsMsgHeader_Get(msg, "Nats-Msg-Id", &id);
    natsMsgHeader_Get(msg, HDR_TRY, &hdr); /* "<publishes so far>.<class>" */
    const char *dash = id ? strrchr(id, '-') : NULL;
    char *end = NULL;
    unsigned long tries = hdr ? strtoul(hdr, &end, 10) : TRIES_MAX;
    unsigned long cls = end && *end == '.' ? strtoul(end + 1, NULL, 10) : BUS_CLASS_COUNT_;
    struct bus_msg *m = NULL;
    if (dash && tries < TRIES_MAX && cls < BUS_CLASS_COUNT_ && !atomic_load(&b->closing))
        m = bus_msg_new(b, (enum bus_class)cls, natsMsg_GetSubject(msg), natsMsg_GetData(msg),
                        (size_t)natsMsg_GetDataLength(msg));
    if (m) {
        m->seq = strtoull(dash + 1, NULL, 16);
        m->tries = (uint8_t)tries;
        if (enqueue(b, m) == 0)
            atomic_fetch_add(&b->js_retried, 1);
        else
            atomic_fetch_add(&b->js_failed, 1);
    } else
        atomic_fetch_add(&b->js_failed, 1);
    natsMsg_Destroy(msg);
}

/* ---- the publisher thread ---- */

/*
 * Which stream, if any, captures m's subject: JetStream's own API answers
 * ($JS.API.STREAM.NAMES with a subject filter), so the probe neither
 * publishes anything nor depends on who else listens on the subject.
 * No JetStream on the server ("no responders") is the same as no stream.
 */
static void probe(struct bus *b, const struct bus_msg *m)
{
    char req[320];
    int n = snprintf(req, sizeof req, "{\"subject\":\"%s\"}", m->subject);
    natsMsg *reply = NULL;
    natsStatus s = n > 0 && (size_t)n < sizeof req
                       ? natsConnection_Request(&reply, b->nc, "$JS.API.STREAM.NAMES", req, n,
                                                b->cfg.ack_wait_ms)
                       : NATS_INVALID_ARG;
    int mode = -1;
    if (s == NATS_NO_RESPONDERS)
        mode = 0;
    else if (s == NATS_OK) {
        json_t *j = json_loadb(natsMsg_GetData(reply), (size_t)natsMsg_GetDataLength(reply), 0, NULL);
        json_t *streams = json_object_get(j, "streams");
        mode = json_is_array(streams) && json_array_size(streams) > 0;
        if (mode)
            mh_info(MOD, "%s: stream %s captures it, publishing with acknowledgements", m->subject,
                    json_string_value(json_array_get(streams, 0)));
        json_decref(j);
    } else
        mh_debug(MOD, "%s: JetStream probe failed: %s", m->subject, natsStatus_GetText(s));
    natsMsg_Destroy(reply);
    /*
     * Unknown (a timeout): plain for a second rather than a probe per
     * message. No stream within 10 s of a (re)connection: a restarted
     * server may still be recovering its streams, ask again in a second.
     */
    int64_t now = mono_ms();
    int early = now - atomic_load(&b->connected_ms) < 10000;
    b->probe_at_ms[m->cls] = now + (mode < 0 || (mode == 0 && early) ? 1000
                                                                       : (int64_t)b->cfg.probe_s * 1000);
    atomic_store(&b->mode[m->cls], mode < 0 ? 0 : mode);
}

static void publish_one(struct bus *b, const struct bus_msg *m)
{
    int mode = atomic_load(&b->mode[m->cls]);
    if (mode == 0 && mono_ms() >= b->probe_at_ms[m->cls])
        mode = -1;
    if (mode < 0) {
        probe(b, m);
        mode = atomic_load(&b->mode[m->cls]);
    }
    if (mode == 1) {
        char id[48], hdr[16];
        snprintf(id, sizeof id, "%s-%llx", b->boot, (unsigned long long)m->seq);
        snprintf(hdr, sizeof hdr, "%u.%u", m->tries + 1u, (unsigned)m->cls);
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = b->cfg.ack_wait_ms;
        po.MsgId = id; /* Nats-Msg-Id: a stream keeps one copy within its duplicate window */
        natsMsg *nm = NULL;
        natsStatus s = natsMsg_Create(&nm, m->subject, NULL, m->buf, (int)m->len);
        if (s == NATS_OK)
            s = natsMsgHeader_Set(nm, HDR_TRY, hdr);
        /* A full window of pending acknowledgements stalls (StallWait) and answers a timeout. */
        while (s == NATS_OK || s == NATS_TIMEOUT) {
            s = js_PublishMsgAsync(b->js, &nm, &po); /* takes nm on success */
            if (s != NATS_TIMEOUT || !atomic_load(&b->connected) || atomic_load(&b->closing))
                break;
        }
        natsMsg_Destroy(nm);
        if (s != NATS_OK)
            atomic_fetch_add(&b->js_failed, 1);
        return;
    }
    if (natsConnection_Publish(b->nc, m->subject, m->buf, (int)m->len) == NATS_OK)
        atomic_fetch_add(&b->published, 1);
    else
        atomic_fetch_add(&b->failed, 1);
}

static void *publisher(void *arg)
{
    struct bus *b = arg;
    int64_t stop_at = 0;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        if (b->stop && !stop_at)
            stop_at = mono_ms() + b->cfg.drain_ms;
        int up = atomic_load(&b->connected);
        if (b->stop && (!b->head || !up || mono_ms() >= stop_at))
            break;
        if (!b->head || !up) {
            /* Nothing to do, or no server: wait (a reconnection or a message signals). */
            struct timespec ts;
            deadline_in(&ts, 100);
            pthread_cond_broadcast(&b->idle_cv);
            pthread_cond_timedwait(&b->cv, &b->mu, &ts);
            continue;
        }
        struct bus_msg *take = b->head, *last = take;
        size_t k = 1, bytes = take->len;
        while (k < TAKE_MAX && last->next) {
            last = last->next;
            bytes += last->len;
            k++;
        }
        b->head = last->next;
        if (!b->head)
            b->tail = NULL;
        last->next = NULL;
        b->n -= k;
        b->bytes -= bytes;
        b->busy = 1;
        pthread_mutex_unlock(&b->mu);
        while (take) {
            struct bus_msg *next = take->next;
            publish_one(b, take);
            free(take);
            take = next;
        }
        pthread_mutex_lock(&b->mu);
        b->busy = 0;
    }
    /* Closing: what could not go out is dropped, and said so. */
    size_t left = b->n;
    while (b->head) {
        struct bus_msg *m = b->head;
        b->head = m->next;
        free(m);
    }
    b->tail = NULL;
    b->n = b->bytes = 0;
    pthread_cond_broadcast(&b->idle_cv);
    pthread_mutex_unlock(&b->mu);
    if (left) {
        atomic_fetch_add(&b->dropped, left);
        mh_warn(MOD, "closing: %zu queued messages dropped", left);
    }
    return NULL;
}

/* ---- the interface ---- */

struct bus_msg *bus_msg_new(struct bus *b, enum bus_class cls, const char *subject,
                            const char *data, size_t len)
{
    size_t sl = strlen(subject);
    if (len > UINT32_MAX || (unsigned)cls >= BUS_CLASS_COUNT_)
        return NULL;
    struct bus_msg *m = malloc(sizeof *m + len + sl + 1);
    if (!m)
        return NULL;
    m->next = NULL;
    m->owner = b;
    m->seq = atomic_fetch_add(&b->seq, 1);
    m->tries = 0;
    m->cls = (uint8_t)cls;
    m->len = (uint32_t)len;
    memcpy(m->buf, data, len);
    m->subject = m->buf + len;
    memcpy(m->subject, subject, sl + 1);
    return m;
}

const char *bus_msg_subject(const struct bus_msg *m)
{
    return m->subject;
}

const char *bus_msg_data(const struct bus_msg *m, size_t *len)
{
    *len = m->len;
    return m->buf;
}

void bus_msg_free(struct bus_msg *m)
{
    free(m);
}

/* Queue m (taken over): 0, MH_EAGAIN (full) or MH_ECLOSED; m is freed on failure. */
static int enqueue(struct bus *b, struct bus_msg *m)
{
    pthread_mutex_lock(&b->mu);
    int rc = b->stop                                  ? MH_ECLOSED
             : b->n >= b->cfg.queue_max ||
                     b->bytes + m->len > b->cfg.queue_bytes ? MH_EAGAIN
                                                            : 0;
    if (rc == 0) {
        if (b->tail)
            b->tail->next = m;
        else
            b->head = m;
        b->tail = m;
        b->n++;
        b->bytes += m->len;
        if (b->n == 1)
            pthread_cond_signal(&b->cv);
    }
    pthread_mutex_unlock(&b->mu);
    if (rc != 0)
        free(m);
    return rc;
}

int bus_send(struct bus *b, struct bus_msg *m)
{
    int rc = enqueue(b, m);
    atomic_fetch_add(rc == 0 ? &b->queued : &b->dropped, 1);
    return rc;
}

void bus_msg_done(void *msg, int status)
{
    struct bus_msg *m = msg;
    if (status == 0)
        bus_send(m->owner, m);
    else
        free(m);
}

int bus_publish(struct bus *b, enum bus_class cls, const char *subject, const char *data,
                size_t len)
{
    struct bus_msg *m = bus_msg_new(b, cls, subject, data, len);
    if (!m) {
        atomic_fetch_add(&b->dropped, 1);
        return MH_ENOMEM;
    }
    return bus_send(b, m);
}

void bus_library_release(void)
{
    nats_Close();
}

const char *bus_prefix(const struct bus *b)
{
    return b->prefix;
}

/*
 * Free what bus_open made (the thread is not running). The client delivers
 * its callbacks from a thread of its own, after the call that caused them
 * returned: b is freed only once the closed callback, the last one, ran.
 */
static void bus_free(struct bus *b)
{
    atomic_store(&b->closing, 1);
    if (b->nc) {
        natsConnection_Close(b->nc);
        pthread_mutex_lock(&b->mu);
        for (int i = 0; !b->closed && i < 100; i++) {
            struct timespec ts;
            deadline_in(&ts, 50);
            pthread_cond_timedwait(&b->idle_cv, &b->mu, &ts);
        }
        int closed = b->closed;
        pthread_mutex_unlock(&b->mu);
        if (!closed) {
            /* NEEDSWORK: the client never said it was done; leak b rather than free it under it. */
            mh_warn(MOD, "NATS client did not close within 5 s");
            return;
        }
    }
    if (b->js)
        jsCtx_Destroy(b->js);
    natsConnection_Destroy(b->nc);
    natsOptions_Destroy(b->opts);
    pthread_cond_destroy(&b->idle_cv);
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

static int nats_fail(struct bus *b, natsStatus s, const char *what, char *err, size_t cap)
{
    if (err && cap)
        snprintf(err, cap, "NATS %s: %s", what, natsStatus_GetText(s));
    bus_free(b);
    return MH_EIO;
}

int bus_open(const struct bus_cfg *cfg, struct bus **out, char *err, size_t cap)
{
    if (!cfg || !cfg->url || !*cfg->url) {
        if (err && cap)
            snprintf(err, cap, "no NATS URL");
        return MH_EINVAL;
    }
    struct bus *b = calloc(1, sizeof *b);
    if (!b)
        return MH_ENOMEM;
    b->cfg = *cfg;
    snprintf(b->prefix, sizeof b->prefix, "%s", cfg->prefix ? cfg->prefix : "meterhub");
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(b->boot, sizeof b->boot, "%llx",
             (unsigned long long)now.tv_sec * 1000000ull + (unsigned long long)now.tv_nsec / 1000);
    if (!b->cfg.queue_max)
        b->cfg.queue_max = 65536;
    if (!b->cfg.queue_bytes)
        b->cfg.queue_bytes = (size_t)64 << 20;
    if (!b->cfg.reconnect_wait_ms)
        b->cfg.reconnect_wait_ms = 500;
    if (!b->cfg.probe_s)
        b->cfg.probe_s = 30;
    if (!b->cfg.ack_wait_ms)
        b->cfg.ack_wait_ms = 5000;
    if (!b->cfg.drain_ms)
        b->cfg.drain_ms = 2000;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    pthread_cond_init(&b->idle_cv, NULL);
    for (int k = 0; k < BUS_CLASS_COUNT_; k++)
        atomic_init(&b->mode[k], -1);
    natsStatus s = natsOptions_Create(&b->opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(b->opts, cfg->url);
    if (s == NATS_OK)
        s = natsOptions_SetName(b->opts, "meterhub");
    if (s == NATS_OK) /* reconnect for ever: the station outlives any NATS outage */
        s = natsOptions_SetMaxReconnect(b->opts, -1);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(b->opts, b->cfg.reconnect_wait_ms);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(b->opts, 2000);
    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(b->opts, on_disconnected, b);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(b->opts, on_reconnected, b);
    if (s == NATS_OK)
        s = natsOptions_SetClosedCB(b->opts, on_closed, b);
    if (s == NATS_OK) /* a server down at start is retried in the background like a lost one */
        s = natsOptions_SetRetryOnFailedConnect(b->opts, true, on_connected, b);
    if (s != NATS_OK)
        return nats_fail(b, s, "options", err, cap);
    s = natsConnection_Connect(&b->nc, b->opts);
    if (s == NATS_OK)
        on_connected(b->nc, b);
    else if (s != NATS_NOT_YET_CONNECTED)
        return nats_fail(b, s, "connect", err, cap);
    else
        mh_warn(MOD, "NATS at %s not reachable yet: connecting in the background", cfg->url);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = 4096;
    jo.PublishAsync.AckHandler = on_ack;
    jo.PublishAsync.AckHandlerClosure = b;
    jo.Wait = b->cfg.ack_wait_ms;
    s = natsConnection_JetStream(&b->js, b->nc, &jo);
    if (s != NATS_OK)
        return nats_fail(b, s, "JetStream context", err, cap);
    if (pthread_create(&b->thread, NULL, publisher, b) != 0)
        return nats_fail(b, NATS_NO_MEMORY, "thread", err, cap);
    *out = b;
    return 0;
}

int bus_flush(struct bus *b, int timeout_ms)
{
    int64_t until = mono_ms() + timeout_ms;
    for (;;) {
        pthread_mutex_lock(&b->mu);
        while ((b->head || b->busy) && mono_ms() < until) {
            struct timespec ts;
            deadline_in(&ts, 50);
            pthread_cond_timedwait(&b->idle_cv, &b->mu, &ts);
        }
        int idle = !b->head && !b->busy;
        pthread_mutex_unlock(&b->mu);
        int64_t left = until - mono_ms();
        if (!idle || left <= 0)
            return MH_ETIMEDOUT;
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = left;
        if (js_PublishAsyncComplete(b->js, &po) != NATS_OK)
            return MH_ETIMEDOUT;
        /* An acknowledgement that failed may have queued its message again. */
        pthread_mutex_lock(&b->mu);
        idle = !b->head && !b->busy;
        pthread_mutex_unlock(&b->mu);
        if (!idle)
            continue;
        left = until - mono_ms();
        if (atomic_load(&b->connected) && natsConnection_FlushTimeout(b->nc, left > 0 ? left : 1) != NATS_OK)
            return MH_ETIMEDOUT;
        return 0;
    }
}

void bus_stats(struct bus *b, struct bus_stats *o)
{
    memset(o, 0, sizeof *o);
    o->queued = atomic_load(&b->queued);
    o->published = atomic_load(&b->published);
    o->js_acked = atomic_load(&b->js_acked);
    o->js_failed = atomic_load(&b->js_failed);
    o->js_retried = atomic_load(&b->js_retried);
    o->dropped = atomic_load(&b->dropped);
    o->failed = atomic_load(&b->failed);
    o->disconnects = atomic_load(&b->disconnects);
    o->reconnects = atomic_load(&b->reconnects);
    o->connected = atomic_load(&b->connected);
    for (int k = 0; k < BUS_CLASS_COUNT_; k++)
        o->jetstream[k] = atomic_load(&b->mode[k]);
    pthread_mutex_lock(&b->mu);
    o->queue_len = b->n;
    o->queue_bytes = b->bytes;
    pthread_mutex_unlock(&b->mu);
}

void bus_close(struct bus *b)
{
    if (!b)
        return;
    atomic_store(&b->closing, 1); /* no more waiting for room among the acknowledgements */
    pthread_mutex_lock(&b->mu);
    b->stop = 1;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    if (atomic_load(&b->connected)) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = b->cfg.ack_wait_ms;
        js_PublishAsyncComplete(b->js, &po);
        natsConnection_FlushTimeout(b->nc, 1000);
    }
    struct bus_stats st;
    bus_stats(b, &st);
    mh_info(MOD,
            "closed: %llu queued, %llu published, %llu JetStream acknowledged (%llu retried), "
            "%llu failed, %llu dropped; %llu disconnects, %llu reconnects",
            (unsigned long long)st.queued, (unsigned long long)st.published,
            (unsigned long long)st.js_acked, (unsigned long long)st.js_retried,
            (unsigned long long)(st.js_failed + st.failed),
            (unsigned long long)st.dropped, (unsigned long long)st.disconnects,
            (unsigned long long)st.reconnects);
    bus_free(b);
}
