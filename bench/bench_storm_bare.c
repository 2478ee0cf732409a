/*
 * The event-storm benchmark's baseline master (bench/bench_storm.py): a
 * bare libuv TCP server that confirms every login, heartbeat and active
 * report frame the moment it has it — Q/GDW 1376.1 AFN00 F1, DL/T 698.45
 * LINK-Response and REPORT-Response — without sessions, decoding of the
 * records, or storage. It frames and classifies with the front end's own
 * protocol adapters and builds the very confirmation bytes `meterhub
 * serve` sends (src/fep/proto_*.c), so the simulated field cannot tell the
 * two apart but for their timing: what the storm costs beyond this is the
 * station's work (sessions, decoding, storing, committing).
 *
 *   bench_storm_bare HOST:PORT [SECONDS]     (SECONDS 0: until SIGINT/SIGTERM)
 *
 * Prints "listening on HOST:PORT" once bound, and on exit the frames it
 * confirmed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "fep_int.h"
#include "meterhub/base/err.h"

#define RX_MAX 65536u /* one frame at most (a 1376.1 frame is below 16 KiB) */

struct conn {
    uv_tcp_t tcp;
    const struct fep_proto *proto; /* known from the first frame */
    uint8_t *rx;
    size_t len;
};

struct bare {
    uv_loop_t *loop;
    uint8_t readbuf[RX_MAX];
    uint64_t frames, confirmed, bad;
};
static struct bare g;

static const struct fep_proto *const protos[] = {&fep_proto_gdw1376, &fep_proto_dlt698};

static void on_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    free(c->rx);
    free(c);
}

static void on_written(uv_write_t *req, int status)
{
    (void)status;
    free(req);
}

static void send_frame(struct conn *c, const uint8_t *p, size_t n)
{
    uv_write_t *req = malloc(sizeof *req + n);
    if (!req)
        return;
    memcpy(req + 1, p, n);
    uv_buf_t b = uv_buf_init((char *)(req + 1), (unsigned)n);
    if (uv_write(req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0)
        free(req);
}

static void local_now(struct mh_tm *t)
{
    mh_tm_from_epoch((int64_t)time(NULL) + 8 * 3600, t);
    t->has = MH_TM_FULL | MH_TM_WDAY;
}

/* One frame: its confirmation, when it wants one. */
static void on_frame(struct conn *c, const uint8_t *p, size_t n)
{
    struct fep_frame_info fi;
    memset(&fi, 0, sizeof fi);
    g.frames++;
    if (c->proto->classify(p, n, 16, &fi) != 0) {
        g.bad++;
        return;
    }
    uint8_t out[FEP_ACK_MAX];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    struct mh_tm now;
    local_now(&now);
    int rc = -1;
    if (fi.kind == FK_LOGIN || fi.kind == FK_HEARTBEAT)
        rc = c->proto->enc_link_ack(&w, p, n, &fi, 0, &now);
    else if (fi.kind == FK_REPORT && fi.con)
        rc = c->proto->enc_report_ack(&w, p, n, &fi);
    if (rc == 0 && mh_wr_err(&w) == 0) {
        send_frame(c, out, mh_wr_len(&w));
        g.confirmed++;
    }
}

/* Frames in win[0..len): consumed bytes (the rest waits for more). */
static size_t scan(struct conn *c, const uint8_t *win, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        struct mh_frame_span sp = {0, 0};
        if (!c->proto) {
            for (size_t i = 0; i < sizeof protos / sizeof protos[0] && !c->proto; i++)
                if (protos[i]->scan(win + pos, len - pos, &sp) == 1)
                    c->proto = protos[i];
            if (!c->proto)
                return len - pos > 1024 ? len : pos; /* garbage before any frame: dropped */
        }
        int rc = c->proto->scan(win + pos, len - pos, &sp);
        if (rc == 0)
            return pos + sp.off;
        if (rc < 0) {
            g.bad++;
            pos += sp.off + (sp.len ? sp.len : 1);
            continue;
        }
        on_frame(c, win + pos + sp.off, sp.len);
        pos += sp.off + sp.len;
    }
    return pos;
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h, (void)suggested;
    buf->base = (char *)g.readbuf;
    buf->len = sizeof g.readbuf;
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    struct conn *c = s->data;
    if (nread < 0) {
        uv_close((uv_handle_t *)s, on_closed);
        return;
    }
    const uint8_t *win = g.readbuf;
    size_t len = (size_t)nread;
    if (c->len) { /* a partial frame waits: append (bounded) */
        if (c->len + len > RX_MAX) {
            uv_close((uv_handle_t *)s, on_closed);
            return;
        }
        uint8_t *grown = realloc(c->rx, c->len + len);
        if (!grown)
            return;
        memcpy(grown + c->len, win, len);
        c->rx = grown;
        win = c->rx;
        len = c->len += len;
    }
    size_t used = scan(c, win, len), rest = len - used;
    uint8_t *keep = rest ? malloc(rest) : NULL;
    if (keep)
        memcpy(keep, win + used, rest);
    free(c->rx);
    c->rx = keep;
    c->len = keep ? rest : 0;
}

static void on_connection(uv_stream_t *server, int status)
{
    if (status < 0)
        return;
    struct conn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    uv_tcp_init(g.loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 ||
        uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) != 0) {
        uv_close((uv_handle_t *)&c->tcp, on_closed);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
}

static void on_stop(uv_signal_t *sig, int signum)
{
    (void)signum;
    uv_stop(sig->loop);
}

static void on_timeout(uv_timer_t *t)
{
    uv_stop(t->loop);
}

static void close_any(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, h->type == UV_TCP && h->data ? on_closed : NULL);
}

int main(int argc, char **argv)
{
    const char *colon = argc > 1 ? strrchr(argv[1], ':') : NULL;
    if (!colon || colon - argv[1] >= 64) {
        fprintf(stderr, "usage: bench_storm_bare HOST:PORT [SECONDS]\n");
        return 2;
    }
    char host[64];
    memcpy(host, argv[1], (size_t)(colon - argv[1]));
    host[colon - argv[1]] = 0;
    long secs = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
    g.loop = uv_default_loop();
    struct sockaddr_in addr;
    uv_tcp_t server;
    uv_signal_t sint, sterm;
    uv_timer_t timer;
    if (uv_ip4_addr(host, (int)strtol(colon + 1, NULL, 10), &addr) != 0)
        return 2;
    uv_tcp_init(g.loop, &server);
    server.data = NULL;
    if (uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0) != 0 ||
        uv_listen((uv_stream_t *)&server, 4096, on_connection) != 0) {
        fprintf(stderr, "bench_storm_bare: cannot listen on %s\n", argv[1]);
        return 1;
    }
    struct sockaddr_storage bound;
    int blen = sizeof bound;
    uv_tcp_getsockname(&server, (struct sockaddr *)&bound, &blen);
    fprintf(stderr, "listening on %s:%d\n", host, ntohs(((struct sockaddr_in *)&bound)->sin_port));
    uv_signal_init(g.loop, &sint);
    uv_signal_init(g.loop, &sterm);
    uv_signal_start(&sint, on_stop, SIGINT);
    uv_signal_start(&sterm, on_stop, SIGTERM);
    uv_timer_init(g.loop, &timer);
    if (secs > 0)
        uv_timer_start(&timer, on_timeout, (uint64_t)secs * 1000, 0);
    uv_run(g.loop, UV_RUN_DEFAULT);
    uv_walk(g.loop, close_any, NULL);
    uv_run(g.loop, UV_RUN_DEFAULT);
    printf("frames %llu confirmed %llu bad %llu\n", (unsigned long long)g.frames,
           (unsigned long long)g.confirmed, (unsigned long long)g.bad);
    return 0;
}
