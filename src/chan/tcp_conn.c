/*
 * One TCP connection: reads through the loop's single buffer, writes through
 * uv_try_write first (the common case allocates nothing) and a capped queue
 * for the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan_int.h"
#include "meterhub/base/err.h"

struct wreq {
    uv_write_t req;
    struct chan_tcp *t;
    uint32_t n;
    uint8_t data[];
};

static void on_handle_closed(uv_handle_t *h)
{
    struct chan_tcp *t = h->data;
    if (t->opened && t->ev->on_close)
        t->ev->on_close(t->ev->ctx, &t->base, t->reason);
    t->owner->closed(t->owner, t);
}

void chan_tcp_close_reason(struct chan_tcp *t, int reason)
{
    if (t->closing)
        return;
    t->closing = 1;
    t->reason = reason;
    uv_read_stop((uv_stream_t *)&t->tcp);
    uv_close((uv_handle_t *)&t->tcp, on_handle_closed);
}

void chan_tcp_discard(struct chan_tcp *t)
{
    t->opened = 0;
    chan_tcp_close_reason(t, MH_ECLOSED);
}

static void on_written(uv_write_t *req, int status)
{
    struct wreq *w = (struct wreq *)req;
    struct chan_tcp *t = w->t;
    t->queued -= w->n;
    t->base.st.queued = t->queued;
    if (status == 0)
        t->base.st.bytes_out += w->n;
    free(w);
    if (status < 0 && status != UV_ECANCELED)
        chan_tcp_close_reason(t, MH_EIO);
}

static int tcp_send(struct chan *c, const uint8_t *p, size_t n)
{
    struct chan_tcp *t = (struct chan_tcp *)c;
    if (t->closing)
        return MH_ECLOSED;
    if (n == 0)
        return 0;
    size_t off = 0;
    if (t->queued == 0) {
        uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
        int r = uv_try_write((uv_stream_t *)&t->tcp, &b, 1);
        if (r >= 0) {
            off = (size_t)r;
            t->base.st.bytes_out += off;
        } else if (r != UV_EAGAIN) {
            chan_tcp_close_reason(t, MH_EIO);
            return MH_EIO;
        }
        if (off == n)
            return 0;
    }
    size_t rest = n - off;
    if (rest > t->write_cap - t->queued)
        return MH_EOVERFLOW;
    struct wreq *w = malloc(sizeof *w + rest);
    if (!w)
        return MH_ENOMEM;
    w->t = t;
    w->n = (uint32_t)rest;
    memcpy(w->data, p + off, rest);
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)rest);
    if (uv_write(&w->req, (uv_stream_t *)&t->tcp, &b, 1, on_written) != 0) {
        free(w);
        chan_tcp_close_reason(t, MH_EIO);
        return MH_EIO;
    }
    t->queued += (uint32_t)rest;
    t->base.st.queued = t->queued;
    return 0;
}

static void tcp_close(struct chan *c)
{
    chan_tcp_close_reason((struct chan_tcp *)c, MH_ECLOSED);
}

static const char *tcp_peer(const struct chan *c)
{
    return ((const struct chan_tcp *)c)->peer;
}

static const struct chan_ops tcp_ops = {tcp_send, tcp_close, tcp_peer};

int chan_tcp_detach_fd(struct chan *c)
{
    struct chan_tcp *t = (struct chan_tcp *)c;
    uv_os_fd_t fd;
    if (c->ops != &tcp_ops || t->is_pipe || t->closing ||
        uv_fileno((const uv_handle_t *)&t->tcp, &fd) != 0)
        return MH_EINVAL;
    int d = dup(fd);
    return d >= 0 ? d : -errno;
}

void chan_tcp_setup(struct chan_tcp *t, struct chan_loop *cl, const struct chan_events *ev,
                    struct chan_tcp_owner *owner, uint32_t write_cap)
{
    t->base.ops = &tcp_ops;
    t->tcp.data = t;
    t->cl = cl;
    t->ev = ev;
    t->owner = owner;
    t->write_cap = write_cap ? write_cap : CHAN_WRITE_CAP_DEFAULT;
    if (t->is_pipe)
        return;
    struct sockaddr_storage ss;
    int len = sizeof ss;
    memset(&ss, 0, sizeof ss);
    uv_tcp_getpeername(&t->tcp, (struct sockaddr *)&ss, &len);
    chan_addr_describe((const struct sockaddr *)&ss, "tcp", t->peer, sizeof t->peer, t->addr, &t->addr_len);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct chan_tcp *t = h->data;
    /*
     * One buffer per loop (redis ea3e8b79a): libuv calls read_cb right after
     * alloc_cb on the same thread, so every connection can share it and an
     * idle connection holds no read memory at all.
     */
    buf->base = (char *)t->cl->buf;
    buf->len = sizeof t->cl->buf;
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct chan_tcp *t = s->data;
    if (nread < 0) {
        chan_tcp_close_reason(t, nread == UV_EOF ? 0 : MH_EIO);
        return;
    }
    if (nread == 0 || t->closing)
        return;
    t->got_data = 1;
    t->base.st.bytes_in += (uint64_t)nread;
    t->ev->on_data(t->ev->ctx, &t->base, (const uint8_t *)buf->base, (size_t)nread);
}

int chan_tcp_start(struct chan_tcp *t)
{
    return chan_tcp_start_with(t, NULL, 0);
}

int chan_tcp_start_with(struct chan_tcp *t, const uint8_t *p, size_t n)
{
    if (!t->is_pipe)
        uv_tcp_nodelay(&t->tcp, 1);
    t->opened = 1;
    if (t->ev->on_open)
        t->ev->on_open(t->ev->ctx, &t->base);
    if (t->closing)
        return 0;
    if (n) {
        /* Bytes another process read from this socket before handing it over: they come first. */
        t->got_data = 1;
        t->base.st.bytes_in += n;
        t->ev->on_data(t->ev->ctx, &t->base, p, n);
        if (t->closing)
            return 0;
    }
    if (uv_read_start((uv_stream_t *)&t->tcp, alloc_cb, read_cb) != 0) {
        chan_tcp_close_reason(t, MH_EIO);
        return MH_EIO;
    }
    return 0;
}

struct chan_loop *chan_loop_new(uv_loop_t *loop)
{
    struct chan_loop *cl = malloc(sizeof *cl);
    if (cl)
        cl->loop = loop;
    return cl;
}

void chan_loop_free(struct chan_loop *cl)
{
    free(cl);
}

uv_loop_t *chan_loop_uv(struct chan_loop *cl)
{
    return cl->loop;
}
