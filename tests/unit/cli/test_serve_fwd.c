/*
 * Fep requests forwarded between front-end workers (serve_fwd.c) over a
 * real mesh (serve_mesh.c: the AF_UNIX datagram sockets) and a real fep
 * with a terminal on loopback: worker 0 asks, worker 1 holds the terminal.
 * The request reaches the terminal as built (the owner's fep stamps its
 * own sequence) and the terminal's reply comes back byte for byte; a
 * terminal not online at the owner ends FEP_OFFLINE; a cancel ends the
 * request at once and the owner's fep drops it; the HELLO of a restarted
 * owner ends what its predecessor took (FEP_OFFLINE); an owner that stops
 * answers what it runs FEP_CANCELLED.
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
#include "serve_procs.h"

#define ADDR "02001234"
static const struct gdw1376_addr term = {0x0200, 0x1234, 0, 0};

struct two {
    struct fx x;
    struct serve_mesh m, m0, m1;
    struct serve_fwd *f0, *f1;
    struct serve_mesh_rx *rx0, *rx1;
    int fd; /* the terminal, held by worker 1 */
    uint8_t req[128];
    size_t n;
};

static struct two T;

static void run_until(const struct fx_done *d, unsigned ms)
{
    for (unsigned i = 0; i < ms / 5 && !d->calls; i++)
        fx_run(&T.x, 5);
}

static int setup(void **state)
{
    (void)state;
    memset(&T, 0, sizeof T);
    struct fep_cfg cfg = {.login_timeout_ms = 2000, .request_timeout_ms = 2000};
    fx_start(&T.x, &cfg, NULL, FEP_PROTO_AUTO);
    T.x.known[0] = ADDR;
    T.x.heartbeat_s = 60;
    uint8_t f[64], got[64];
    struct mh_wr w;
    mh_wr_init(&w, f, sizeof f);
    assert_int_equal(gdw1376_enc_link(&w, &term, 1, 1), 0);
    T.fd = fx_connect(&T.x);
    fx_send(T.fd, f, mh_wr_len(&w));
    assert_int_equal(fx_recv_frame(&T.x, T.fd, gdw1376_frame_scan, got, sizeof got, 2000), 20);

    assert_int_equal(serve_mesh_make(&T.m, 2), 0);
    T.m0 = T.m1 = T.m;
    T.m0.self = 0;
    T.m1.self = 1;
    assert_int_equal(serve_fwd_new(&T.x.loop, &T.m0, &T.f0), 0);
    assert_int_equal(serve_fwd_new(&T.x.loop, &T.m1, &T.f1), 0);
    serve_fwd_set_fep(T.f1, T.x.fep);
    assert_int_equal(serve_mesh_listen(&T.x.loop, &T.m0, NULL, serve_fwd_input, T.f0, &T.rx0), 0);
    assert_int_equal(serve_mesh_listen(&T.x.loop, &T.m1, NULL, serve_fwd_input, T.f1, &T.rx1), 0);
    fx_run(&T.x, 20); /* the hellos of both */

    struct gdw1376_addr a = term;
    a.msa = 1;
    mh_wr_init(&w, T.req, sizeof T.req);
    assert_int_equal(gdw1376_enc_read(&w, &a, 0x0C, 0, 2, NULL, 0, 9, NULL), 0);
    T.n = mh_wr_len(&w);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    serve_mesh_stop(T.rx0);
    serve_mesh_stop(T.rx1);
    serve_fwd_stop(T.f0);
    serve_fwd_stop(T.f1);
    fx_run(&T.x, 20);
    close(T.fd);
    fx_stop(&T.x);
    serve_mesh_close(&T.m);
    return 0;
}

/* Forward the read request to worker 1 for addr; the terminal gets it when online. */
static int64_t forward(const char *addr, struct fx_done *d)
{
    struct fep_request r = {FEP_PRIO_CONTROL, T.req, T.n, 1000, 255, fx_done_cb, d};
    int64_t id = serve_fwd_fep(T.f0, 1, addr, &r);
    assert_true(id > 0);
    return id;
}

/* The frame the terminal received: the request as built but for the owner's SEQ and checksum. */
static uint8_t received(void)
{
    uint8_t a[128];
    assert_int_equal(fx_recv_frame(&T.x, T.fd, gdw1376_frame_scan, a, sizeof a, 2000), (long)T.n);
    assert_memory_equal(a, T.req, 13);
    assert_memory_equal(a + 14, T.req + 14, T.n - 16);
    assert_int_equal(a[T.n - 1], 0x16);
    return a[13];
}

static size_t reply_frame(uint8_t seq, uint8_t *buf)
{
    return fx_gdw1376_clock_reply(&term, seq, buf);
}

static void test_request_runs_on_the_owner_and_the_reply_comes_back(void **state)
{
    (void)state;
    struct fx_done d = {0};
    forward(ADDR, &d);
    uint8_t seq = received();
    uint8_t b[128];
    size_t n = reply_frame((uint8_t)(0x60 | (seq & 15)), b);
    fx_send(T.fd, b, n);
    run_until(&d, 2000);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.status, FEP_DONE);
    assert_int_equal(d.n_frames, 1);
    assert_int_equal(d.len, n);
    assert_memory_equal(d.bytes, b, n);
    assert_true(d.rtt_ms >= 1);
}

static void test_terminal_not_online_at_the_owner_is_offline(void **state)
{
    (void)state;
    struct fx_done d = {0};
    forward("01710822", &d);
    run_until(&d, 2000);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.status, FEP_OFFLINE);
    /* Checked before anything is sent: no frame, an address the fep could not hold. */
    struct fep_request r = {FEP_PRIO_CONTROL, T.req, 0, 1000, 0, fx_done_cb, &d};
    assert_int_equal(serve_fwd_fep(T.f0, 1, ADDR, &r), MH_EINVAL);
    r.len = T.n;
    assert_int_equal(serve_fwd_fep(T.f0, 0, ADDR, &r), MH_EPERM); /* itself */
    assert_int_equal(serve_fwd_fep(T.f0, 2, ADDR, &r), MH_EPERM); /* no such worker */
    assert_int_equal(d.calls, 1);
}

static void test_cancel_ends_it_at_once_and_the_owner_drops_it(void **state)
{
    (void)state;
    struct fx_done d = {0};
    int64_t id = forward(ADDR, &d);
    uint8_t seq = received();
    fx_run(&T.x, 20); /* TAKEN */
    assert_int_equal(serve_fwd_cancel(T.f0, (uint32_t)id), 0);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.status, FEP_CANCELLED);
    assert_int_equal(serve_fwd_cancel(T.f0, (uint32_t)id), MH_ENOENT);
    fx_run(&T.x, 30);
    struct fep_session_stats st;
    assert_int_equal(fep_terminal_stats(T.x.fep, ADDR, &st), 1);
    assert_int_equal(st.pending + st.queued, 0);
    /* The terminal's late answer changes nothing. */
    uint8_t b[128];
    fx_send(T.fd, b, reply_frame((uint8_t)(0x60 | (seq & 15)), b));
    fx_run(&T.x, 30);
    assert_int_equal(d.calls, 1);
}

static void test_restarted_owner_hello_ends_what_its_predecessor_took(void **state)
{
    (void)state;
    struct fx_done d = {0};
    forward(ADDR, &d);
    received();
    fx_run(&T.x, 20); /* TAKEN */
    assert_int_equal(d.calls, 0);
    struct serve_fwd *again = NULL;
    assert_int_equal(serve_fwd_new(&T.x.loop, &T.m1, &again), 0); /* says hello to worker 0 */
    run_until(&d, 1000);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.status, FEP_OFFLINE);
    serve_fwd_stop(again);
}

static void test_stopping_owner_answers_cancelled(void **state)
{
    (void)state;
    struct fx_done d = {0};
    forward(ADDR, &d);
    received();
    fx_run(&T.x, 20);
    serve_mesh_stop(T.rx1);
    T.rx1 = NULL;
    serve_fwd_stop(T.f1);
    T.f1 = NULL;
    run_until(&d, 1000);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.status, FEP_CANCELLED);
    struct fep_session_stats st;
    assert_int_equal(fep_terminal_stats(T.x.fep, ADDR, &st), 1);
    assert_int_equal(st.pending + st.queued, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_runs_on_the_owner_and_the_reply_comes_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_terminal_not_online_at_the_owner_is_offline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_ends_it_at_once_and_the_owner_drops_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restarted_owner_hello_ends_what_its_predecessor_took, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stopping_owner_answers_cancelled, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
