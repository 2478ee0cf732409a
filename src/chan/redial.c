/*
 * The reconnect loop shared by TCP dial-out and serial ports: one
 * connection at a time; after a failure or a close the next attempt waits a
 * delay that doubles from min to max, and a connection that carried data
 * resets it, so a flapping device is retried gently and a device back after
 * maintenance is reached quickly.
 */
#include <stdlib.h>

#include "chan_int.h"
#include "meterhub/base/err.h"

static void maybe_free(struct chan_redial *r)
{
    if (!r->closing || !r->timer_closed || r->conn)
        return;
    void (*done)(void *) = r->done;
    void *arg = r->done_arg;
    free(r);
    if (done)
        done(arg);
}

static void on_timer(uv_timer_t *t)
{
    struct chan_redial *r = t->data;
    r->st.attempts++;
    r->attempt(r);
}

static void schedule(struct chan_redial *r)
{
    if (r->closing)
        return;
    uint32_t delay = r->delay_ms;
    r->st.next_delay_ms = delay;
    r->delay_ms = delay >= r->max_ms / 2 ? r->max_ms : delay * 2;
    uv_timer_start(&r->timer, on_timer, delay, 0);
}

void chan_redial_failed(struct chan_redial *r)
{
    r->st.failures++;
    schedule(r);
}

static void conn_closed(struct chan_tcp_owner *o, struct chan_tcp *t)
{
    struct chan_redial *r = (struct chan_redial *)o;
    if (t->got_data)
        r->delay_ms = r->min_ms;
    r->conn = NULL;
    free(t);
    schedule(r);
    maybe_free(r);
}

void chan_redial_start(struct chan_redial *r, struct chan_loop *cl, const struct chan_events *ev,
                       uint32_t min_ms, uint32_t max_ms, uint32_t write_cap,
                       void (*attempt)(struct chan_redial *r))
{
    r->owner.closed = conn_closed;
    r->cl = cl;
    r->ev = ev;
    r->min_ms = min_ms ? min_ms : 1000;
    r->max_ms = max_ms ? max_ms : 60000;
    if (r->max_ms < r->min_ms)
        r->max_ms = r->min_ms;
    r->delay_ms = r->min_ms;
    r->write_cap = write_cap;
    r->attempt = attempt;
    uv_timer_init(cl->loop, &r->timer);
    r->timer.data = r;
    on_timer(&r->timer);
}

static void timer_closed(uv_handle_t *h)
{
    struct chan_redial *r = h->data;
    r->timer_closed = 1;
    maybe_free(r);
}

void chan_redial_close(struct chan_redial *r, void (*done)(void *arg), void *arg)
{
    if (r->closing)
        return;
    r->closing = 1;
    r->done = done;
    r->done_arg = arg;
    if (r->conn)
        chan_tcp_close_reason(r->conn, MH_ECLOSED);
    uv_close((uv_handle_t *)&r->timer, timer_closed);
}
