/*
 * TCP dial-out: the master connects to DTUs and serial servers that listen,
 * reconnecting with backoff (redial.c).
 */
#include <stdlib.h>

#include "chan_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"

struct chan_tcp_dialer {
    struct chan_redial r; /* first */
    struct sockaddr_storage addr;
    uint16_t port;
    uv_connect_t connect;
};

static void on_connect(uv_connect_t *req, int status)
{
    struct chan_tcp_dialer *d = req->data;
    struct chan_tcp *t = d->r.conn;
    if (status != 0 || d->r.closing) {
        if (status != 0) {
            d->r.st.failures++;
            mh_debug("chan", "dial port %u: %s", d->port, uv_strerror(status));
        }
        chan_tcp_discard(t);
        return;
    }
    d->r.st.connects++;
    chan_tcp_setup(t, d->r.cl, d->r.ev, &d->r.owner, d->r.write_cap);
    chan_tcp_start(t);
}

static void attempt(struct chan_redial *r)
{
    struct chan_tcp_dialer *d = (struct chan_tcp_dialer *)r;
    struct chan_tcp *t = calloc(1, sizeof *t);
    if (!t) {
        chan_redial_failed(r);
        return;
    }
    uv_tcp_init(r->cl->loop, &t->tcp);
    t->tcp.data = t;
    t->owner = &r->owner;
    r->conn = t;
    d->connect.data = d;
    if (uv_tcp_connect(&d->connect, &t->tcp, (const struct sockaddr *)&d->addr, on_connect) != 0) {
        r->st.failures++;
        chan_tcp_discard(t);
    }
}

int chan_tcp_dial(struct chan_loop *cl, const struct chan_tcp_dial_cfg *cfg,
                  const struct chan_events *ev, struct chan_tcp_dialer **out)
{
    struct chan_tcp_dialer *d = calloc(1, sizeof *d);
    if (!d)
        return MH_ENOMEM;
    if (!cfg->host || chan_addr_parse(cfg->host, cfg->port, &d->addr) != 0) {
        free(d);
        return MH_EINVAL;
    }
    d->port = cfg->port;
    *out = d;
    chan_redial_start(&d->r, cl, ev, cfg->backoff_min_ms, cfg->backoff_max_ms, cfg->write_cap, attempt);
    return 0;
}

const struct chan_dial_stats *chan_tcp_dialer_stats(const struct chan_tcp_dialer *d)
{
    return &d->r.st;
}

void chan_tcp_dialer_close(struct chan_tcp_dialer *d, void (*done)(void *arg), void *arg)
{
    chan_redial_close(&d->r, done, arg);
}
