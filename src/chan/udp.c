/*
 * UDP: some deployments have terminals send 1376.1 / 698.45 frames as
 * datagrams (docs/protocols/gdw1376-1.md §1). One socket serves every
 * terminal; each (address, port) it hears from becomes a struct chan of its
 * own, so the fep runs the same session per terminal as over TCP. A peer
 * costs no libuv handle, only its entry here.
 *
 * Closing a peer removes it from the table at once (a new datagram from the
 * same address opens a new channel) and reports on_close from a zero-delay
 * timer, keeping the contract that close never calls back from inside.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chan_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/keymap.h"
#include "meterhub/base/log.h"

#define KEY_MAX 18 /* address (16) + port (2) */

struct udp_peer {
    struct chan base;
    struct chan_udp_listener *l;
    struct udp_peer *prev, *next; /* live peers, or the closing list (next only) */
    struct sockaddr_storage sa;
    uint8_t key[KEY_MAX];
    uint8_t klen, addr_len, closing;
    int reason;
    char peer[64];
};

struct chan_udp_listener {
    uv_udp_t udp;
    uv_timer_t reaper;
    struct chan_loop *cl;
    const struct chan_events *ev;
    struct chan_udp_cfg cfg;
    struct chan_udp_stats st;
    struct mh_keymap peers;    /* key -> struct udp_peer */
    struct mh_keymap per_addr; /* address -> count */
    struct udp_peer *live, *dying;
    uint32_t queued;
    uint16_t port;
    uint8_t closing, handles_open;
    void (*done)(void *arg);
    void *done_arg;
};

struct udp_send {
    uv_udp_send_t req;
    struct chan_udp_listener *l;
    uint32_t n;
    uint8_t data[];
};

static void reap(uv_timer_t *t);

static void peer_close(struct udp_peer *p, int reason)
{
    struct chan_udp_listener *l = p->l;
    if (p->closing)
        return;
    p->closing = 1;
    p->reason = reason;
    mh_keymap_del(&l->peers, p->key, p->klen);
    if (l->cfg.max_per_addr && p->addr_len)
        chan_addr_count(&l->per_addr, p->key, p->addr_len, -1);
    if (p->prev)
        p->prev->next = p->next;
    else
        l->live = p->next;
    if (p->next)
        p->next->prev = p->prev;
    p->prev = NULL;
    p->next = l->dying;
    l->dying = p;
    l->st.peers.active--;
    uv_timer_start(&l->reaper, reap, 0, 0);
}

static void handle_closed(uv_handle_t *h)
{
    struct chan_udp_listener *l = h->data;
    if (--l->handles_open > 0)
        return;
    void (*done)(void *) = l->done;
    void *arg = l->done_arg;
    mh_keymap_release(&l->peers);
    mh_keymap_release(&l->per_addr);
    free(l);
    if (done)
        done(arg);
}

static void reap(uv_timer_t *t)
{
    struct chan_udp_listener *l = t->data;
    while (l->dying) {
        struct udp_peer *p = l->dying;
        l->dying = p->next;
        if (l->ev->on_close)
            l->ev->on_close(l->ev->ctx, &p->base, p->reason);
        free(p);
    }
    if (l->closing && !l->live && !uv_is_closing((uv_handle_t *)&l->udp)) {
        uv_close((uv_handle_t *)&l->udp, handle_closed);
        uv_close((uv_handle_t *)&l->reaper, handle_closed);
    }
}

static void on_sent(uv_udp_send_t *req, int status)
{
    struct udp_send *s = (struct udp_send *)req;
    s->l->queued -= s->n;
    if (status < 0 && status != UV_ECANCELED)
        s->l->st.send_dropped++;
    free(s);
}

static int udp_send(struct chan *c, const uint8_t *p, size_t n)
{
    struct udp_peer *u = (struct udp_peer *)c;
    struct chan_udp_listener *l = u->l;
    if (u->closing)
        return MH_ECLOSED;
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
    int r = l->queued ? UV_EAGAIN : uv_udp_try_send(&l->udp, &b, 1, (const struct sockaddr *)&u->sa);
    if (r >= 0) {
        u->base.st.bytes_out += n;
        return 0;
    }
    if (r != UV_EAGAIN || n > l->cfg.send_cap - l->queued) {
        l->st.send_dropped++;
        return 0;
    }
    struct udp_send *s = malloc(sizeof *s + n);
    if (!s)
        return MH_ENOMEM;
    s->l = l;
    s->n = (uint32_t)n;
    memcpy(s->data, p, n);
    b = uv_buf_init((char *)s->data, (unsigned)n);
    if (uv_udp_send(&s->req, &l->udp, &b, 1, (const struct sockaddr *)&u->sa, on_sent) != 0) {
        free(s);
        l->st.send_dropped++;
        return 0;
    }
    l->queued += (uint32_t)n;
    u->base.st.bytes_out += n;
    return 0;
}

static void udp_close(struct chan *c)
{
    peer_close((struct udp_peer *)c, MH_ECLOSED);
}

static const char *udp_peer_name(const struct chan *c)
{
    return ((const struct udp_peer *)c)->peer;
}

static const struct chan_ops udp_ops = {udp_send, udp_close, udp_peer_name};

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct chan_udp_listener *l = h->data;
    buf->base = (char *)l->cl->buf;
    buf->len = sizeof l->cl->buf;
}

/* A new peer, or NULL when refused (counted). */
static struct udp_peer *peer_new(struct chan_udp_listener *l, const struct sockaddr *addr,
                                 const uint8_t *key, size_t klen)
{
    struct udp_peer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->base.ops = &udp_ops;
    p->l = l;
    memcpy(&p->sa, addr, addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
    memcpy(p->key, key, klen);
    p->klen = (uint8_t)klen;
    p->addr_len = (uint8_t)(klen - 2);
    memcpy(p->peer, "udp", 4);
    if (l->cfg.max_peers && l->st.peers.active >= l->cfg.max_peers) {
        l->st.peers.refused_max++;
        free(p);
        return NULL;
    }
    if (l->cfg.max_per_addr &&
        (uintptr_t)mh_keymap_get(&l->per_addr, key, p->addr_len) >= l->cfg.max_per_addr) {
        l->st.peers.refused_addr++;
        free(p);
        return NULL;
    }
    if (mh_keymap_set(&l->peers, key, klen, p) != 0) {
        free(p);
        return NULL;
    }
    if (l->cfg.max_per_addr)
        chan_addr_count(&l->per_addr, key, p->addr_len, +1);
    p->next = l->live;
    if (l->live)
        l->live->prev = p;
    l->live = p;
    l->st.peers.active++;
    l->st.peers.accepted++;
    return p;
}

static void recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
                    unsigned flags)
{
    struct chan_udp_listener *l = h->data;
    if (nread < 0) {
        l->st.recv_errors++;
        return;
    }
    if (!addr || l->closing)
        return;
    l->st.datagrams_in++;
    if (flags & UV_UDP_PARTIAL) {
        l->st.truncated++; /* larger than the loop buffer: no frame of ours is */
        return;
    }
    uint8_t key[KEY_MAX], alen;
    char name[64];
    uint16_t port = chan_addr_describe(addr, "udp", name, sizeof name, key, &alen);
    if (alen == 0)
        return;
    key[alen] = (uint8_t)(port >> 8);
    key[alen + 1] = (uint8_t)port;
    struct udp_peer *p = mh_keymap_get(&l->peers, key, (size_t)alen + 2);
    if (!p) {
        p = peer_new(l, addr, key, (size_t)alen + 2);
        if (!p)
            return;
        memcpy(p->peer, name, sizeof p->peer);
        if (l->ev->on_open)
            l->ev->on_open(l->ev->ctx, &p->base);
    }
    if (p->closing || nread == 0)
        return;
    p->base.st.bytes_in += (uint64_t)nread;
    l->ev->on_data(l->ev->ctx, &p->base, (const uint8_t *)buf->base, (size_t)nread);
}

int chan_udp_listen(struct chan_loop *cl, const struct chan_udp_cfg *cfg, const struct chan_events *ev,
                    struct chan_udp_listener **out)
{
    struct sockaddr_storage ss;
    if (chan_addr_parse(cfg->host, cfg->port, &ss) != 0)
        return MH_EINVAL;
    int fd = chan_bound_socket(&ss, SOCK_DGRAM, cfg->reuseport);
    if (fd < 0) {
        mh_error("chan", "udp %s:%u: %s", cfg->host ? cfg->host : "0.0.0.0", cfg->port, uv_strerror(fd));
        return MH_EIO;
    }
    struct chan_udp_listener *l = calloc(1, sizeof *l);
    if (!l) {
        close(fd);
        return MH_ENOMEM;
    }
    l->cl = cl;
    l->ev = ev;
    l->cfg = *cfg;
    l->cfg.host = NULL;
    if (!l->cfg.send_cap)
        l->cfg.send_cap = 256u * 1024u;
    mh_keymap_init(&l->peers);
    mh_keymap_init(&l->per_addr);
    uv_udp_init(cl->loop, &l->udp);
    uv_timer_init(cl->loop, &l->reaper);
    l->udp.data = l->reaper.data = l;
    l->handles_open = 2;
    int r = uv_udp_open(&l->udp, fd);
    if (r != 0)
        close(fd);
    if (r == 0)
        r = uv_udp_recv_start(&l->udp, alloc_cb, recv_cb);
    if (r != 0) {
        mh_error("chan", "udp port %u: %s", cfg->port, uv_strerror(r));
        uv_close((uv_handle_t *)&l->udp, handle_closed);
        uv_close((uv_handle_t *)&l->reaper, handle_closed);
        return MH_EIO;
    }
    struct sockaddr_storage bound;
    int blen = sizeof bound;
    if (uv_udp_getsockname(&l->udp, (struct sockaddr *)&bound, &blen) == 0)
        l->port = chan_handle_port(&bound);
    *out = l;
    return 0;
}

uint16_t chan_udp_listener_port(const struct chan_udp_listener *l)
{
    return l->port;
}

const struct chan_udp_stats *chan_udp_listener_stats(const struct chan_udp_listener *l)
{
    return &l->st;
}

void chan_udp_listener_close(struct chan_udp_listener *l, void (*done)(void *arg), void *arg)
{
    if (l->closing)
        return;
    l->closing = 1;
    l->done = done;
    l->done_arg = arg;
    uv_udp_recv_stop(&l->udp);
    while (l->live)
        peer_close(l->live, MH_ECLOSED);
    uv_timer_start(&l->reaper, reap, 0, 0);
}
