/*
 * A login handed to another front end (serve --procs): the fep whose
 * directory says the terminal is held elsewhere gives the connection and
 * the bytes from the login frame on to fep_cfg.handoff without answering
 * or raising an event; the other fep adopts the socket (chan_tcp_adopt)
 * and answers the login and what followed it byte-exact, over the same
 * client connection. A failed handoff cuts the connection; without a
 * handoff such a login is refused like an unknown one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fep_harness.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"

#define ADDR "02001234"
static const struct gdw1376_addr term = {0x0200, 0x1234, 0, 0};

struct handed {
    int calls, fd, rc;
    unsigned owner;
    char addr[FEP_ADDR_MAX];
    uint8_t bytes[256];
    size_t n;
};

static int on_handoff(void *ctx, unsigned owner, const char *addr, struct chan *c, const uint8_t *p,
                      size_t n)
{
    struct handed *h = ctx;
    h->calls++;
    h->owner = owner;
    snprintf(h->addr, sizeof h->addr, "%s", addr);
    if (h->rc != 0)
        return h->rc;
    h->fd = chan_tcp_detach_fd(c);
    assert_true(h->fd >= 0);
    assert_true(n <= sizeof h->bytes);
    memcpy(h->bytes, p, n);
    h->n = n;
    return 0;
}

static size_t link_frame(uint16_t fn, uint8_t pseq, uint8_t *buf)
{
    struct mh_wr w;
    mh_wr_init(&w, buf, 64);
    assert_int_equal(gdw1376_enc_link(&w, &term, fn, pseq), 0);
    return mh_wr_len(&w);
}

static size_t confirm(uint8_t rseq, uint8_t *buf)
{
    struct mh_wr w;
    mh_wr_init(&w, buf, 64);
    assert_int_equal(gdw1376_enc_confirm(&w, &term, 0, rseq), 0);
    return mh_wr_len(&w);
}

static void start(struct fx *x, struct handed *h, uint16_t elsewhere)
{
    struct fep_cfg cfg = {.login_timeout_ms = 2000, .request_timeout_ms = 2000};
    if (h) {
        cfg.handoff = on_handoff;
        cfg.handoff_ctx = h;
    }
    fx_start(x, &cfg, NULL, FEP_PROTO_AUTO);
    x->known[0] = ADDR;
    x->heartbeat_s = 60;
    x->elsewhere = elsewhere;
}

static void test_login_handed_over_and_answered_by_owner(void **state)
{
    (void)state;
    struct fx a, b;
    struct handed h = {.fd = -1};
    start(&a, &h, 1 + 3); /* held by process 3 */
    start(&b, NULL, 0);
    /* The login and a heartbeat in one write: both must reach the owner. */
    uint8_t out[128], got[64], want[64];
    size_t n = link_frame(1, 1, out);
    n += link_frame(3, 2, out + n);
    int fd = fx_connect(&a);
    fx_send(fd, out, n);
    for (int i = 0; i < 200 && !h.calls; i++)
        fx_run(&a, 5);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.owner, 3);
    assert_string_equal(h.addr, ADDR);
    assert_int_equal(h.n, n);
    assert_memory_equal(h.bytes, out, n);
    fx_run(&a, 30);
    assert_int_equal(a.n_ev, 0); /* neither online nor offline here */
    assert_int_equal(fep_online(a.fep), 0);
    assert_int_equal(fep_port_stats(a.port)->handed_off, 1);
    assert_int_equal(fep_port_stats(a.port)->login_refused, 0);
    assert_int_equal(fep_port_stats(a.port)->frames_out, 0);

    assert_int_equal(chan_tcp_adopt(b.lis, h.fd, h.bytes, h.n), 0);
    size_t wl = confirm(1, want);
    assert_int_equal(fx_recv(&b, fd, got, wl, 2000), (long)wl);
    assert_memory_equal(got, want, wl);
    wl = confirm(2, want); /* the heartbeat that came with it */
    assert_int_equal(fx_recv(&b, fd, got, wl, 2000), (long)wl);
    assert_memory_equal(got, want, wl);
    assert_int_equal(fx_count(&b, 'n'), 1);
    assert_int_equal(fep_online(b.fep), 1);
    assert_int_equal(chan_tcp_listener_stats(b.lis)->adopted, 1);

    /* The first fep's close of its descriptor left the connection up: the owner reads on. */
    fx_run(&a, 20);
    n = link_frame(3, 3, out);
    fx_send(fd, out, n);
    wl = confirm(3, want);
    assert_int_equal(fx_recv(&b, fd, got, wl, 2000), (long)wl);
    assert_memory_equal(got, want, wl);
    close(fd);
    fx_run(&b, 30);
    assert_int_equal(fx_count(&b, 'f'), 1);
    fx_stop(&a);
    fx_stop(&b);
}

/*
 * The terminal dials again while its first connection still looks alive,
 * and the kernel gives the new one to the other front end: handed over
 * too, it meets the first in the owner, where it replaces it.
 */
static void test_second_login_replaces_first_in_owner(void **state)
{
    (void)state;
    struct fx a, b;
    struct handed h = {.fd = -1};
    start(&a, &h, 1);
    start(&b, NULL, 0);
    uint8_t out[64], got[64], want[64];
    int fd[2];
    for (int k = 0; k < 2; k++) {
        h.calls = 0;
        fd[k] = fx_connect(&a);
        fx_send(fd[k], out, link_frame(1, (uint8_t)(1 + k), out));
        for (int i = 0; i < 200 && !h.calls; i++)
            fx_run(&a, 5);
        assert_int_equal(h.calls, 1);
        assert_int_equal(chan_tcp_adopt(b.lis, h.fd, h.bytes, h.n), 0);
        size_t wl = confirm((uint8_t)(1 + k), want);
        assert_int_equal(fx_recv(&b, fd[k], got, wl, 2000), (long)wl);
        assert_memory_equal(got, want, wl);
    }
    assert_true(fx_eof(&b, fd[0], 1000)); /* the first connection is cut */
    assert_int_equal(fep_port_stats(b.port)->replaced, 1);
    assert_int_equal(fep_online(b.fep), 1);
    assert_int_equal(fx_count(&b, 'n'), 2);
    assert_int_equal(fx_count(&b, 'f'), 0); /* REPLACED is no offline event */
    assert_int_equal(fep_port_stats(a.port)->handed_off, 2);
    close(fd[0]);
    close(fd[1]);
    fx_stop(&a);
    fx_stop(&b);
}

static void test_failed_handoff_cuts_the_connection(void **state)
{
    (void)state;
    struct fx a;
    struct handed h = {.fd = -1, .rc = MH_EBUSY};
    start(&a, &h, 1);
    uint8_t out[64];
    int fd = fx_connect(&a);
    fx_send(fd, out, link_frame(1, 1, out));
    assert_true(fx_eof(&a, fd, 2000)); /* no answer, cut: the terminal dials again */
    assert_int_equal(h.calls, 1);
    assert_int_equal(a.n_ev, 0);
    assert_int_equal(fep_port_stats(a.port)->handed_off, 0);
    close(fd);
    fx_stop(&a);
}

static void test_elsewhere_without_handoff_is_refused(void **state)
{
    (void)state;
    struct fx a;
    start(&a, NULL, 2);
    uint8_t out[64], got[64], want[64];
    struct mh_wr w;
    mh_wr_init(&w, want, sizeof want);
    assert_int_equal(gdw1376_enc_confirm(&w, &term, 1, 1), 0); /* AFN00 F2: denied */
    int fd = fx_connect(&a);
    fx_send(fd, out, link_frame(1, 1, out));
    assert_int_equal(fx_recv(&a, fd, got, mh_wr_len(&w), 2000), (long)mh_wr_len(&w));
    assert_memory_equal(got, want, mh_wr_len(&w));
    assert_true(fx_eof(&a, fd, 1000));
    assert_int_equal(fep_port_stats(a.port)->login_refused, 1);
    close(fd);
    fx_stop(&a);
}

static void test_adopt_rejects_what_it_cannot_take(void **state)
{
    (void)state;
    struct fx b;
    start(&b, NULL, 0);
    int sv[2];
    assert_int_equal(pipe(sv), 0);
    /* Not a socket: refused, and the descriptor closed (it was handed over). */
    assert_int_equal(chan_tcp_adopt(b.lis, sv[0], (const uint8_t *)"x", 1), MH_EINVAL);
    assert_int_equal(close(sv[0]), -1);
    close(sv[1]);
    assert_int_equal(chan_tcp_listener_stats(b.lis)->adopted, 0);
    fx_stop(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_handed_over_and_answered_by_owner),
        cmocka_unit_test(test_second_login_replaces_first_in_owner),
        cmocka_unit_test(test_failed_handoff_cuts_the_connection),
        cmocka_unit_test(test_elsewhere_without_handoff_is_refused),
        cmocka_unit_test(test_adopt_rejects_what_it_cannot_take),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
