/*
 * TCP dial-out: the master connects to DTUs and serial servers that listen.
 * One connection at a time; after a failure or a close the next attempt waits
 * a delay that doubles from backoff_min to backoff_max, and a connection that
 * carried data resets it, so a flapping device is retried gently and a
 * device back after maintenance is reached quickly.
 */
#include <stdlib.h>

#include "chan_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"

struct chan_tcp_dialer {
    struct chan_tcp_owner owner; /* first */
    struct chan_loop *cl;
    const struct chan_events *ev;
    struct sockaddr_storage addr;
    struct chan_tcp_dial_cfg cfg;
    struct chan_dial_stats st;
    uv_timer_t timer;
    uv_connect_t connect;
    struct chan_tcp *conn; /* connecting or connected */
    uint32_t delay_ms;
    uint8_t closing, timer_closed;
    void (*done)(void *arg);
    void *done_arg;
};

static void attempt(struct chan_tcp_dialer *d);

static void maybe_free(struct chan_tcp_dialer *d)
{
    if (!d->closing || !d->timer_closed || d->conn)
        return;
    void (*done)(void *) = d->done;
    void *arg = d->done_arg;
    free(d);
    if (done)
        done(arg);
}

static void on_timer(uv_timer_t *t)
{
    attempt(t->data);
}

static void schedule(struct chan_tcp_dialer *d)
{
    if (d->closing)
        return;
    uint32_t delay = d->delay_ms;
    d->st.next_delay_ms = delay;
    d->delay_ms = delay >= d->cfg.backoff_max_ms / 2 ? d->cfg.backoff_max_ms : delay * 2;
    uv_timer_start(&d->timer, on_timer, delay, 0);
}

static void conn_closed(struct chan_tcp_owner *o, struct chan_tcp *t)
{
    struct chan_tcp_dialer *d = (struct chan_tcp_dialer *)o;
    if (t->got_data)
        d->delay_ms = d->cfg.backoff_min_ms;
    d->conn = NULL;
    free(t);
    schedule(d);
    maybe_free(d);
}

static void on_connect(uv_connect_t *req, int status)
{
    struct chan_tcp_dialer *d = req->data;
    struct chan_tcp *t = d->conn;
    if (status != 0 || d->closing) {
        if (status != 0) {
            d->st.failures++;
            mh_debug("chan", "dial port %u: %s", d->cfg.port, uv_strerror(status));
        }
        chan_tcp_discard(t);
        return;
    }
    d->st.connects++;
    chan_tcp_setup(t, d->cl, d->ev, &d->owner, d->cfg.write_cap);
    chan_tcp_start(t);
}

static void attempt(struct chan_tcp_dialer *d)
{
    struct chan_tcp *t = calloc(1, sizeof *t);
    d->st.attempts++;
    if (!t) {
        d->st.failures++;
        schedule(d);
        return;
    }
    uv_tcp_init(d->cl->loop, &t->tcp);
    t->tcp.data = t;
    t->owner = &d->owner;
    d->conn = t;
    d->connect.data = d;
    if (uv_tcp_connect(&d->connect, &t->tcp, (const struct sockaddr *)&d->addr, on_connect) != 0) {
        d->st.failures++;
        chan_tcp_discard(t);
    }
}

int chan_tcp_dial(struct chan_loop *cl, const struct chan_tcp_dial_cfg *cfg,
                  const struct chan_events *ev, struct chan_tcp_dialer **out)
{
    struct chan_tcp_dialer *d = calloc(1, sizeof *d);
    if (!d)
        return MH_ENOMEM;
    if (chan_addr_parse(cfg->host, cfg->port, &d->addr) != 0 || !cfg->host) {
        free(d);
        return MH_EINVAL;
    }
    d->cl = cl;
    d->ev = ev;
    d->cfg = *cfg;
    d->cfg.host = NULL;
    if (!d->cfg.backoff_min_ms)
        d->cfg.backoff_min_ms = 1000;
    if (!d->cfg.backoff_max_ms)
        d->cfg.backoff_max_ms = 60000;
    if (d->cfg.backoff_max_ms < d->cfg.backoff_min_ms)
        d->cfg.backoff_max_ms = d->cfg.backoff_min_ms;
    d->delay_ms = d->cfg.backoff_min_ms;
    d->owner.closed = conn_closed;
    uv_timer_init(cl->loop, &d->timer);
    d->timer.data = d;
    attempt(d);
    *out = d;
    return 0;
}

const struct chan_dial_stats *chan_tcp_dialer_stats(const struct chan_tcp_dialer *d)
{
    return &d->st;
}

static void timer_closed(uv_handle_t *h)
{
    struct chan_tcp_dialer *d = h->data;
    d->timer_closed = 1;
    maybe_free(d);
}

void chan_tcp_dialer_close(struct chan_tcp_dialer *d, void (*done)(void *arg), void *arg)
{
    if (d->closing)
        return;
    d->closing = 1;
    d->done = done;
    d->done_arg = arg;
    if (d->conn)
        chan_tcp_close_reason(d->conn, MH_ECLOSED);
    uv_close((uv_handle_t *)&d->timer, timer_closed);
}
