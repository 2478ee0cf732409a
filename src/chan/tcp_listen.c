/*
 * TCP listener: terminals on GPRS/4G/fibre dial in. The socket is made here
 * (not by uv_tcp_bind) so SO_REUSEPORT can be set before bind: several
 * front-end processes then share one port and the kernel spreads the
 * connections (ARCHITECTURE.md, processes). Refusals (too many connections
 * in total or from one source address) close the socket before the owner
 * ever sees it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chan_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/keymap.h"
#include "meterhub/base/log.h"

struct chan_tcp_listener {
    struct chan_tcp_owner owner; /* first: the connections' owner */
    uv_tcp_t tcp;
    struct chan_loop *cl;
    const struct chan_events *ev;
    struct chan_tcp_listen_cfg cfg;
    struct chan_listener_stats st;
    struct mh_keymap per_addr;   /* address bytes -> count (as a pointer) */
    struct chan_tcp *conns;
    uint16_t port;
    uint8_t closing, handle_closed;
    void (*done)(void *arg);
    void *done_arg;
};

static void maybe_free(struct chan_tcp_listener *l)
{
    if (!l->closing || !l->handle_closed || l->conns)
        return;
    void (*done)(void *) = l->done;
    void *arg = l->done_arg;
    mh_keymap_release(&l->per_addr);
    free(l);
    if (done)
        done(arg);
}

static void conn_closed(struct chan_tcp_owner *o, struct chan_tcp *t)
{
    struct chan_tcp_listener *l = (struct chan_tcp_listener *)o;
    if (t->prev)
        t->prev->next = t->next;
    else
        l->conns = t->next;
    if (t->next)
        t->next->prev = t->prev;
    if (l->cfg.max_per_addr && t->addr_len)
        chan_addr_count(&l->per_addr, t->addr, t->addr_len, -1);
    l->st.active--;
    free(t);
    maybe_free(l);
}

static void conn_link(struct chan_tcp_listener *l, struct chan_tcp *t)
{
    t->next = l->conns;
    if (l->conns)
        l->conns->prev = t;
    l->conns = t;
    l->st.active++;
}

static void on_connection(uv_stream_t *server, int status)
{
    struct chan_tcp_listener *l = server->data;
    if (status < 0) {
        l->st.accept_errors++;
        mh_warn("chan", "accept on port %u: %s", l->port, uv_strerror(status));
        return;
    }
    struct chan_tcp *t = calloc(1, sizeof *t);
    if (!t) {
        /* libuv keeps the pending socket and offers it again on the next event. */
        l->st.accept_errors++;
        return;
    }
    uv_tcp_init(l->cl->loop, &t->tcp);
    if (uv_accept(server, (uv_stream_t *)&t->tcp) != 0) {
        l->st.accept_errors++;
        t->tcp.data = t;
        t->owner = &l->owner;
        conn_link(l, t);
        chan_tcp_discard(t);
        return;
    }
    chan_tcp_setup(t, l->cl, l->ev, &l->owner, l->cfg.write_cap);
    conn_link(l, t);
    if (l->cfg.max_conns && l->st.active > l->cfg.max_conns) {
        l->st.refused_max++;
        t->addr_len = 0; /* not counted per address */
        chan_tcp_discard(t);
        return;
    }
    if (l->cfg.max_per_addr) {
        uintptr_t n = (uintptr_t)mh_keymap_get(&l->per_addr, t->addr, t->addr_len);
        if (n >= l->cfg.max_per_addr) {
            l->st.refused_addr++;
            mh_warn("chan", "%s refused: %u connections from this address already", t->peer,
                    (unsigned)n);
            t->addr_len = 0;
            chan_tcp_discard(t);
            return;
        }
        chan_addr_count(&l->per_addr, t->addr, t->addr_len, +1);
    }
    l->st.accepted++;
    chan_tcp_start(t);
}

static void listener_free_failed(uv_handle_t *h)
{
    struct chan_tcp_listener *l = h->data;
    mh_keymap_release(&l->per_addr);
    free(l);
}

int chan_tcp_listen(struct chan_loop *cl, const struct chan_tcp_listen_cfg *cfg,
                    const struct chan_events *ev, struct chan_tcp_listener **out)
{
    struct sockaddr_storage ss;
    if (chan_addr_parse(cfg->host, cfg->port, &ss) != 0)
        return MH_EINVAL;
    struct chan_tcp_listener *l = calloc(1, sizeof *l);
    if (!l)
        return MH_ENOMEM;
    int fd = chan_bound_socket(&ss, SOCK_STREAM, cfg->reuseport), r = fd < 0 ? fd : 0;
    if (r != 0) {
        mh_error("chan", "listen %s:%u: %s", cfg->host ? cfg->host : "0.0.0.0", cfg->port,
                 uv_strerror(r));
        free(l);
        return MH_EIO;
    }
    l->owner.closed = conn_closed;
    l->cl = cl;
    l->ev = ev;
    l->cfg = *cfg;
    l->cfg.host = NULL; /* borrowed string: not kept */
    mh_keymap_init(&l->per_addr);
    uv_tcp_init(cl->loop, &l->tcp);
    l->tcp.data = l;
    r = uv_tcp_open(&l->tcp, fd);
    int opened = r == 0;
    if (r == 0)
        r = uv_listen((uv_stream_t *)&l->tcp, cfg->backlog > 0 ? cfg->backlog : 1024, on_connection);
    if (r != 0) {
        mh_error("chan", "listen port %u: %s", cfg->port, uv_strerror(r));
        if (!opened)
            close(fd);
        /* The handle's memory must outlive its close: freed in the callback. */
        uv_close((uv_handle_t *)&l->tcp, listener_free_failed);
        return MH_EIO;
    }
    struct sockaddr_storage bound;
    int blen = sizeof bound;
    if (uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&bound, &blen) == 0)
        l->port = chan_handle_port(&bound);
    *out = l;
    return 0;
}

uint16_t chan_tcp_listener_port(const struct chan_tcp_listener *l)
{
    return l->port;
}

const struct chan_listener_stats *chan_tcp_listener_stats(const struct chan_tcp_listener *l)
{
    return &l->st;
}

static void listener_handle_closed(uv_handle_t *h)
{
    struct chan_tcp_listener *l = h->data;
    l->handle_closed = 1;
    maybe_free(l);
}

void chan_tcp_listener_close(struct chan_tcp_listener *l, void (*done)(void *arg), void *arg)
{
    if (l->closing)
        return;
    l->closing = 1;
    l->done = done;
    l->done_arg = arg;
    for (struct chan_tcp *t = l->conns; t; t = t->next)
        chan_tcp_close_reason(t, MH_ECLOSED);
    uv_close((uv_handle_t *)&l->tcp, listener_handle_closed);
}

/*
 * A connection accepted by another front-end process, handed over with what
 * it read (the login). Not counted against max_conns or max_per_addr: the
 * process that accepted it did that, and refusing now would cut a
 * terminal that has already logged in once.
 */
int chan_tcp_adopt(struct chan_tcp_listener *l, int fd, const uint8_t *p, size_t n)
{
    int type = 0;
    socklen_t tl = sizeof type;
    if (l->closing || n > CHAN_READ_BUFFER ||
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_STREAM) {
        close(fd);
        return l->closing ? MH_ECLOSED : MH_EINVAL;
    }
    struct chan_tcp *t = calloc(1, sizeof *t);
    if (!t) {
        close(fd);
        return MH_ENOMEM;
    }
    uv_tcp_init(l->cl->loop, &t->tcp);
    t->tcp.data = t;
    t->owner = &l->owner;
    conn_link(l, t);
    if (uv_tcp_open(&t->tcp, fd) != 0) {
        close(fd);
        chan_tcp_discard(t);
        return MH_EIO;
    }
    chan_tcp_setup(t, l->cl, l->ev, &l->owner, l->cfg.write_cap);
    t->addr_len = 0; /* not counted per address here */
    l->st.adopted++;
    return chan_tcp_start_with(t, p, n);
}
