#include "fep_harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"

static int lookup(void *ctx, enum fep_proto_id proto, const char *addr, struct fep_terminal_info *info)
{
    (void)proto;
    struct fx *x = ctx;
    for (int i = 0; i < 4 && x->known[i]; i++) {
        if (strcmp(x->known[i], addr) == 0) {
            info->heartbeat_s = x->heartbeat_s;
            info->pw_len = 16;
            info->elsewhere = x->elsewhere;
            return 0;
        }
    }
    return MH_ENOENT;
}

static struct fx_event *add_event(struct fx *x, char kind, const char *addr)
{
    if (x->n_ev >= FX_MAX_EVENTS)
        abort();
    struct fx_event *e = &x->ev[x->n_ev++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    snprintf(e->addr, sizeof e->addr, "%s", addr);
    return e;
}

static void on_online(void *ctx, const char *addr, enum fep_proto_id proto, const char *peer)
{
    (void)proto;
    (void)peer;
    add_event(ctx, 'n', addr);
}

static void on_offline(void *ctx, const char *addr, enum fep_offline_reason reason)
{
    add_event(ctx, 'f', addr)->reason = (int)reason;
}

static void on_report(void *ctx, const char *addr, uint64_t token, const uint8_t *frame, size_t len)
{
    (void)frame;
    struct fx_event *e = add_event(ctx, 'r', addr);
    e->token = token;
    e->len = len;
}

static void on_events_pending(void *ctx, const char *addr, uint8_t ec1, uint8_t ec2)
{
    (void)ec2;
    add_event(ctx, 'e', addr)->reason = ec1;
}

static int64_t wall(void *ctx)
{
    (void)ctx;
    return FX_WALL_MS;
}

void fx_start(struct fx *x, const struct fep_cfg *cfg, const struct chan_tcp_listen_cfg *lcfg,
              enum fep_proto_id proto)
{
    memset(x, 0, sizeof *x);
    if (uv_loop_init(&x->loop) != 0)
        abort();
    x->cl = chan_loop_new(&x->loop);
    struct fep_cfg c = {0};
    if (cfg) {
        c = *cfg;
    } else {
        c.login_timeout_ms = 2000;
        c.request_timeout_ms = 2000;
    }
    c.wall_ms = wall;
    struct fep_directory dir = {lookup, x};
    struct fep_sink sink = {on_online, on_offline, on_report, on_events_pending, x};
    if (fep_new(&x->loop, &c, &dir, &sink, &x->fep) != 0)
        abort();
    x->port = fep_port_new(x->fep, proto);
    struct chan_tcp_listen_cfg l = {0};
    if (lcfg)
        l = *lcfg;
    l.host = "127.0.0.1";
    if (chan_tcp_listen(x->cl, &l, fep_port_events(x->port), &x->lis) != 0)
        abort();
    x->port_no = chan_tcp_listener_port(x->lis);
}

void fx_stop(struct fx *x)
{
    chan_tcp_listener_close(x->lis, NULL, NULL);
    fep_close(x->fep, NULL, NULL);
    uv_run(&x->loop, UV_RUN_DEFAULT);
    chan_loop_free(x->cl);
    if (uv_loop_close(&x->loop) != 0)
        abort();
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void fx_run(struct fx *x, unsigned ms)
{
    uint64_t end = now_ms() + ms;
    do {
        uv_run(&x->loop, UV_RUN_NOWAIT);
        poll(NULL, 0, 1);
    } while (now_ms() < end);
}

int fx_connect(struct fx *x)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(x->port_no);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        abort();
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fx_run(x, 5); /* let the fep accept it */
    return fd;
}

void fx_send(int fd, const uint8_t *p, size_t n)
{
    if (write(fd, p, n) != (ssize_t)n)
        abort();
}

long fx_recv(struct fx *x, int fd, uint8_t *p, size_t n, unsigned ms)
{
    uint64_t end = now_ms() + ms;
    size_t got = 0;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); /* sockets and ptys alike */
    while (got < n) {
        uv_run(&x->loop, UV_RUN_NOWAIT);
        ssize_t r = read(fd, p + got, n - got);
        if (r == 0)
            return 0;
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return 0; /* reset: closed */
        if (now_ms() >= end)
            return -1;
        poll(NULL, 0, 1);
    }
    return (long)n;
}

long fx_recv_frame(struct fx *x, int fd, mh_frame_scan_fn scan, uint8_t *p, size_t cap, unsigned ms)
{
    uint64_t end = now_ms() + ms;
    size_t got = 0;
    for (;;) {
        struct mh_frame_span sp;
        if (got && scan(p, got, &sp) == 1 && sp.off == 0 && sp.len == got)
            return (long)got;
        if (got == cap)
            return -1;
        unsigned left = (unsigned)(end > now_ms() ? end - now_ms() : 0);
        long r = fx_recv(x, fd, p + got, 1, left);
        if (r <= 0)
            return r;
        got++;
    }
}

int fx_eof(struct fx *x, int fd, unsigned ms)
{
    uint8_t b;
    uint64_t end = now_ms() + ms;
    for (;;) {
        long r = fx_recv(x, fd, &b, 1, (unsigned)(end > now_ms() ? end - now_ms() : 0));
        if (r == 0)
            return 1;
        if (r < 0)
            return 0;
    }
}

int fx_count(const struct fx *x, char kind)
{
    int n = 0;
    for (int i = 0; i < x->n_ev; i++)
        n += x->ev[i].kind == kind;
    return n;
}

void fx_done_cb(void *ctx, enum fep_status st, const struct fep_reply *r)
{
    struct fx_done *d = ctx;
    d->calls++;
    d->status = (int)st;
    if (r) {
        d->n_frames = r->n_frames;
        d->rtt_ms = r->rtt_ms;
        d->wire_ms = r->wire_ms;
        d->len = r->n_frames ? r->ends[r->n_frames - 1] : 0;
        if (d->len <= sizeof d->bytes)
            memcpy(d->bytes, r->bytes, d->len);
    }
}

int fx_answer(struct fx *x, int fd, const uint8_t *p, size_t n, const struct fx_done *d)
{
    int before = d->calls;
    fx_send(fd, p, n);
    for (int i = 0; i < 1000 && d->calls == before; i++)
        fx_run(x, 1);
    return d->calls == before + 1 ? d->status : -1;
}

size_t fx_gdw1376_clock_reply(const struct gdw1376_addr *a, uint8_t seq, uint8_t *buf)
{
    static const uint8_t unit[] = {0, 0, 0x02, 0x00, 0x05, 0x04, 0x03, 0x24, 0x11, 0x26};
    struct mh_wr w;
    mh_wr_init(&w, buf, 128);
    if (gdw1376_frame_encode(&w, 0x88, a, 0x0C, seq, unit, sizeof unit, NULL, 0, NULL, NULL) != 0)
        return 0;
    return mh_wr_len(&w);
}
