/*
 * chan on real loopback sockets without the fep: dial-out reconnecting with
 * backoff, the write queue cap, IPv6 listening, and the keymap both tiers
 * use for their tables.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/base/keymap.h"
#include "meterhub/chan.h"

struct rec {
    int opens, closes, last_reason;
    size_t bytes;
    struct chan *c;
};

static void r_open(void *ctx, struct chan *c)
{
    struct rec *r = ctx;
    r->opens++;
    r->c = c;
}

static void r_data(void *ctx, struct chan *c, const uint8_t *p, size_t n)
{
    struct rec *r = ctx;
    r->bytes += n;
    chan_send(c, p, n); /* echo */
}

static void r_close(void *ctx, struct chan *c, int reason)
{
    (void)c;
    struct rec *r = ctx;
    r->closes++;
    r->last_reason = reason;
    r->c = NULL;
}

static void spin(uv_loop_t *loop, int ms)
{
    for (int i = 0; i < ms; i++) {
        uv_run(loop, UV_RUN_NOWAIT);
        poll(NULL, 0, 1);
    }
}

/* One loop, its chan context and a recorder per test. */
struct env {
    uv_loop_t loop;
    struct chan_loop *cl;
    struct rec r;
    struct chan_events ev;
};

static void env_init(struct env *e)
{
    memset(e, 0, sizeof *e);
    uv_loop_init(&e->loop);
    e->cl = chan_loop_new(&e->loop);
    e->ev = (struct chan_events){r_open, r_data, r_close, &e->r};
}

/* Run the loop until every handle's close callback has run, then free. */
static void env_done(struct env *e)
{
    uv_run(&e->loop, UV_RUN_DEFAULT);
    chan_loop_free(e->cl);
    assert_int_equal(uv_loop_close(&e->loop), 0);
}

static int raw_listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 8), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

static int accept_within(uv_loop_t *loop, int lfd, int ms)
{
    for (int i = 0; i < ms; i++) {
        int fd = accept(lfd, NULL, NULL);
        if (fd >= 0)
            return fd;
        spin(loop, 1);
    }
    return -1;
}

static void test_dial_reconnects_with_backoff(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    uint16_t port;
    int lfd = raw_listener(&port);
    struct chan_tcp_dial_cfg cfg = {"127.0.0.1", port, 50, 200, 0};
    struct chan_tcp_dialer *d;
    assert_int_equal(chan_tcp_dial(e.cl, &cfg, &e.ev, &d), 0);
    int a = accept_within(&e.loop, lfd, 1000);
    assert_true(a >= 0);
    spin(&e.loop, 20);
    assert_int_equal(e.r.opens, 1);
    assert_non_null(e.r.c);
    assert_non_null(strstr(chan_peer(e.r.c), "tcp 127.0.0.1:"));
    assert_int_equal(write(a, "\x68\x16", 2), 2);
    char echo[2];
    for (int i = 0; i < 200 && recv(a, echo, 2, MSG_DONTWAIT) != 2; i++)
        spin(&e.loop, 1);
    assert_int_equal(e.r.bytes, 2);
    close(a); /* the device drops the line: the dialler comes back */
    spin(&e.loop, 20);
    assert_int_equal(e.r.closes, 1);
    assert_int_equal(e.r.last_reason, 0);
    int b = accept_within(&e.loop, lfd, 1000);
    assert_true(b >= 0);
    spin(&e.loop, 20);
    assert_int_equal(e.r.opens, 2);
    assert_int_equal(chan_tcp_dialer_stats(d)->connects, 2);
    close(b);
    close(lfd); /* now nobody listens: attempts fail and back off */
    spin(&e.loop, 400);
    const struct chan_dial_stats *st = chan_tcp_dialer_stats(d);
    assert_true(st->failures >= 1);
    assert_true(st->next_delay_ms > 50);
    assert_true(st->next_delay_ms <= 200);
    chan_tcp_dialer_close(d, NULL, NULL);
    env_done(&e);
}

static void test_write_queue_capped(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    struct chan_tcp_listen_cfg lc = {.host = "::1", .write_cap = 4096};
    struct chan_tcp_listener *l;
    int rc = chan_tcp_listen(e.cl, &lc, &e.ev, &l);
    if (rc != 0) { /* no IPv6 loopback on this machine: fall back */
        lc.host = "127.0.0.1";
        assert_int_equal(chan_tcp_listen(e.cl, &lc, &e.ev, &l), 0);
    }
    int fd = socket(rc == 0 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    struct sockaddr_storage ss = {0};
    if (rc == 0) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        a->sin6_port = htons(chan_tcp_listener_port(l));
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a->sin_port = htons(chan_tcp_listener_port(l));
    }
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    assert_int_equal(connect(fd, (struct sockaddr *)&ss, sizeof ss), 0);
    spin(&e.loop, 20);
    assert_non_null(e.r.c);
    /* The peer never reads: the kernel fills, then the queue, then EOVERFLOW. */
    static uint8_t chunk[1024];
    int res = 0, sent = 0;
    while (res == 0 && sent < 100000) {
        res = chan_send(e.r.c, chunk, sizeof chunk);
        sent++;
    }
    assert_int_equal(res, MH_EOVERFLOW);
    assert_true(e.r.c->st.queued <= 4096);
    assert_true(e.r.c->st.queued > 4096 - sizeof chunk);
    chan_close(e.r.c);
    assert_int_equal(chan_send(e.r.c, chunk, 1), MH_ECLOSED);
    spin(&e.loop, 20);
    assert_int_equal(e.r.closes, 1);
    assert_int_equal(e.r.last_reason, MH_ECLOSED);
    close(fd);
    chan_tcp_listener_close(l, NULL, NULL);
    env_done(&e);
}

static void test_listen_rejects_bad_host(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    struct chan_tcp_listener *l;
    struct chan_tcp_listen_cfg lc = {.host = "not-an-address"};
    assert_int_equal(chan_tcp_listen(e.cl, &lc, &e.ev, &l), MH_EINVAL);
    /* Two listeners on one port: only with SO_REUSEPORT. */
    struct chan_tcp_listen_cfg a = {.host = "127.0.0.1", .reuseport = 1};
    struct chan_tcp_listener *l1, *l2, *l3;
    assert_int_equal(chan_tcp_listen(e.cl, &a, &e.ev, &l1), 0);
    a.port = chan_tcp_listener_port(l1);
    assert_int_equal(chan_tcp_listen(e.cl, &a, &e.ev, &l2), 0);
    a.reuseport = 0;
    assert_int_equal(chan_tcp_listen(e.cl, &a, &e.ev, &l3), MH_EIO);
    chan_tcp_listener_close(l1, NULL, NULL);
    chan_tcp_listener_close(l2, NULL, NULL);
    env_done(&e);
}

static int udp_client(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void test_udp_peers_are_channels(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    struct chan_udp_cfg cfg = {.host = "127.0.0.1", .max_per_addr = 2};
    struct chan_udp_listener *l;
    assert_int_equal(chan_udp_listen(e.cl, &cfg, &e.ev, &l), 0);
    uint16_t port = chan_udp_listener_port(l);
    int a = udp_client(port), b = udp_client(port), c = udp_client(port);
    assert_int_equal(send(a, "hello", 5, 0), 5);
    spin(&e.loop, 20);
    assert_int_equal(e.r.opens, 1);
    assert_int_equal(e.r.bytes, 5);
    assert_non_null(strstr(chan_peer(e.r.c), "udp 127.0.0.1:"));
    char back[16];
    assert_int_equal(recv(a, back, sizeof back, MSG_DONTWAIT), 5); /* echoed to that peer only */
    struct chan *first = e.r.c;
    assert_int_equal(send(a, "again", 5, 0), 5);
    assert_int_equal(send(b, "other", 5, 0), 5);
    spin(&e.loop, 20);
    assert_int_equal(e.r.opens, 2); /* a's second datagram: same channel */
    assert_int_equal(first->st.bytes_in, 10);
    assert_int_equal(send(c, "third", 5, 0), 5); /* a third port from 127.0.0.1: refused */
    spin(&e.loop, 20);
    assert_int_equal(e.r.opens, 2);
    assert_int_equal(chan_udp_listener_stats(l)->peers.refused_addr, 1);
    chan_close(first);
    assert_int_equal(e.r.closes, 0); /* never from inside close */
    spin(&e.loop, 20);
    assert_int_equal(e.r.closes, 1);
    assert_int_equal(e.r.last_reason, MH_ECLOSED);
    assert_int_equal(send(c, "retry", 5, 0), 5); /* a slot is free again */
    spin(&e.loop, 20);
    assert_int_equal(e.r.opens, 3);
    chan_udp_listener_close(l, NULL, NULL);
    env_done(&e);
    assert_int_equal(e.r.closes, 3);
    close(a);
    close(b);
    close(c);
}

static void test_serial_missing_port_retried(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    struct chan_serial_cfg bad = {.path = "/dev/ttyS0", .baud = 1234};
    struct chan_serial *s;
    assert_int_equal(chan_serial_open(e.cl, &bad, &e.ev, &s), MH_EINVAL); /* no such speed */
    struct chan_serial_cfg cfg = {.path = "/dev/meterhub-no-such-tty", .reopen_min_ms = 20,
                                  .reopen_max_ms = 40};
    assert_int_equal(chan_serial_open(e.cl, &cfg, &e.ev, &s), 0);
    spin(&e.loop, 150);
    const struct chan_dial_stats *st = chan_serial_stats(s);
    assert_true(st->failures >= 3);
    assert_int_equal(st->connects, 0);
    assert_int_equal(st->next_delay_ms, 40);
    assert_int_equal(e.r.opens, 0);
    chan_serial_close(s, NULL, NULL);
    env_done(&e);
}

static void test_keymap_churn(void **state)
{
    (void)state;
    struct mh_keymap m;
    mh_keymap_init(&m);
    char key[16];
    for (int round = 0; round < 3; round++) {
        for (uintptr_t i = 1; i <= 1000; i++) {
            int n = snprintf(key, sizeof key, "t%lu", (unsigned long)i);
            assert_int_equal(mh_keymap_set(&m, key, (size_t)n, (void *)(i + (uintptr_t)round)), 0);
        }
        assert_int_equal(m.n, 1000);
        for (uintptr_t i = 1; i <= 1000; i += 2) {
            int n = snprintf(key, sizeof key, "t%lu", (unsigned long)i);
            assert_int_equal(mh_keymap_del(&m, key, (size_t)n), 0);
            assert_int_equal(mh_keymap_del(&m, key, (size_t)n), MH_ENOENT);
        }
        for (uintptr_t i = 1; i <= 1000; i++) {
            int n = snprintf(key, sizeof key, "t%lu", (unsigned long)i);
            void *v = mh_keymap_get(&m, key, (size_t)n);
            assert_ptr_equal(v, i % 2 ? NULL : (void *)(i + (uintptr_t)round));
        }
    }
    assert_int_equal(mh_keymap_set(&m, "x", 1, NULL), MH_EINVAL);
    assert_int_equal(mh_keymap_set(&m, "0123456789012345678901234567890123", 34, &m), MH_EINVAL);
    mh_keymap_release(&m);
    assert_null(mh_keymap_get(&m, "t2", 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dial_reconnects_with_backoff),
        cmocka_unit_test(test_write_queue_capped),
        cmocka_unit_test(test_listen_rejects_bad_host),
        cmocka_unit_test(test_udp_peers_are_channels),
        cmocka_unit_test(test_serial_missing_port_retried),
        cmocka_unit_test(test_keymap_churn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
