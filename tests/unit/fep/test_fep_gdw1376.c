/*
 * The front end against Q/GDW 1376.1 terminals played by raw loopback
 * clients: login and heartbeat confirmed byte-exact, unknown terminals
 * refused, a second login replacing the first, heartbeat silence, requests
 * matched by SEQ (strays ignored), timeouts with retries, multi-frame
 * replies, reports confirmed only once stored, malformed input and a
 * slow-loris client that harm nobody else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "fep_harness.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/gdw1376.h"

#define ADDR "02001234"
static const struct gdw1376_addr term = {0x0200, 0x1234, 0, 0};
static const struct gdw1376_addr other = {0x0171, 0x0822, 0, 0};

static size_t link_frame(const struct gdw1376_addr *a, uint16_t fn, uint8_t pseq, uint8_t *buf)
{
    struct mh_wr w;
    mh_wr_init(&w, buf, 64);
    assert_int_equal(gdw1376_enc_link(&w, a, fn, pseq), 0);
    return mh_wr_len(&w);
}

static int login(struct fx *x, const struct gdw1376_addr *a, uint8_t pseq)
{
    uint8_t f[64], got[64];
    int fd = fx_connect(x);
    fx_send(fd, f, link_frame(a, 1, pseq, f));
    assert_int_equal(fx_recv_frame(x, fd, gdw1376_frame_scan, got, sizeof got, 2000), 20);
    return fd;
}

/* Send a login with pseq on fd and expect exactly the AFN00 F1 confirmation with that RSEQ. */
static void login_confirmed(struct fx *x, int fd, uint8_t pseq)
{
    uint8_t f[64], got[64], want[64];
    fx_send(fd, f, link_frame(&term, 1, pseq, f));
    struct mh_wr w;
    mh_wr_init(&w, want, sizeof want);
    gdw1376_enc_confirm(&w, &term, 0, pseq);
    assert_int_equal(fx_recv(x, fd, got, mh_wr_len(&w), 2000), (long)mh_wr_len(&w));
    assert_memory_equal(got, want, mh_wr_len(&w));
}

/* A reply from the terminal: C = 88, AFN 0C, p0 F2 clock (A.1), SEQ as given. */
static size_t reply_frame(uint8_t seq, uint8_t *buf)
{
    return fx_gdw1376_clock_reply(&term, seq, buf);
}

static size_t read_request(uint8_t *buf)
{
    struct mh_wr w;
    struct gdw1376_addr a = term;
    a.msa = 1;
    mh_wr_init(&w, buf, 128);
    assert_int_equal(gdw1376_enc_read(&w, &a, 0x0C, 0, 2, NULL, 0, 9, NULL), 0);
    return mh_wr_len(&w);
}

static void fx_default(struct fx *x, const struct fep_cfg *cfg)
{
    fx_start(x, cfg, NULL, FEP_PROTO_AUTO);
    x->known[0] = ADDR;
    x->known[1] = "01710822";
    x->heartbeat_s = 60;
}

/* §13: login seq 1 of 0200/1234 is answered 68 32 00 32 00 68 0B 00 02 34 12 00 00 61 00 00 01 00 B5 16. */
static void test_login_confirmed_byte_exact(void **state)
{
    (void)state;
    static const uint8_t want[] = {0x68, 0x32, 0x00, 0x32, 0x00, 0x68, 0x0B, 0x00, 0x02, 0x34,
                                   0x12, 0x00, 0x00, 0x61, 0x00, 0x00, 0x01, 0x00, 0xB5, 0x16};
    struct fx x;
    fx_default(&x, NULL);
    uint8_t f[64], got[64];
    int fd = fx_connect(&x);
    fx_send(fd, f, link_frame(&term, 1, 1, f));
    assert_int_equal(fx_recv(&x, fd, got, sizeof want, 2000), sizeof want);
    assert_memory_equal(got, want, sizeof want);
    assert_int_equal(fx_count(&x, 'n'), 1);
    assert_string_equal(x.ev[0].addr, ADDR);
    assert_int_equal(fep_online(x.fep), 1);
    /* Heartbeat F3 seq 2: confirmed with RSEQ 2. */
    fx_send(fd, f, link_frame(&term, 3, 2, f));
    assert_int_equal(fx_recv(&x, fd, got, 20, 2000), 20);
    assert_int_equal(got[13], 0x62);
    assert_int_equal(got[16], 0x01); /* F1: confirmed */
    close(fd);
    fx_run(&x, 30);
    assert_int_equal(fx_count(&x, 'f'), 1);
    assert_int_equal(x.ev[1].reason, FEP_OFF_CLOSED);
    assert_int_equal(fep_online(x.fep), 0);
    fx_stop(&x);
}

static void test_unknown_terminal_refused(void **state)
{
    (void)state;
    struct fx x;
    fx_default(&x, NULL);
    const struct gdw1376_addr stranger = {0x0300, 0x0001, 0, 0};
    uint8_t f[64], got[64], want[64];
    struct mh_wr w;
    mh_wr_init(&w, want, sizeof want);
    assert_int_equal(gdw1376_enc_confirm(&w, &stranger, 1, 5), 0); /* AFN00 F2: denied */
    int fd = fx_connect(&x);
    fx_send(fd, f, link_frame(&stranger, 1, 5, f));
    assert_int_equal(fx_recv(&x, fd, got, mh_wr_len(&w), 2000), (long)mh_wr_len(&w));
    assert_memory_equal(got, want, mh_wr_len(&w));
    assert_true(fx_eof(&x, fd, 1000));
    assert_int_equal(fx_count(&x, 'n'), 0);
    assert_int_equal(fep_port_stats(x.port)->login_refused, 1);
    assert_int_equal(fep_sessions(x.fep), 0);
    close(fd);
    fx_stop(&x);
}

static void test_second_login_replaces_first(void **state)
{
    (void)state;
    struct fx x;
    fx_default(&x, NULL);
    int a = login(&x, &term, 1);
    int b = login(&x, &term, 1);
    assert_true(fx_eof(&x, a, 1000));
    assert_int_equal(fep_online(x.fep), 1);
    assert_int_equal(fep_port_stats(x.port)->replaced, 1);
    assert_int_equal(fx_count(&x, 'n'), 2);
    assert_int_equal(fx_count(&x, 'f'), 0); /* still online, through b */
    /* b is the live one: a heartbeat on it is confirmed. */
    uint8_t f[64], got[64];
    fx_send(b, f, link_frame(&term, 3, 3, f));
    assert_int_equal(fx_recv_frame(&x, b, gdw1376_frame_scan, got, sizeof got, 2000), 20);
    assert_int_equal(got[13], 0x63);
    close(a);
    close(b);
    fx_stop(&x);
}

static void test_heartbeat_silence_goes_offline(void **state)
{
    (void)state;
    struct fep_cfg cfg = {.login_timeout_ms = 2000, .heartbeat_misses = 1};
    struct fx x;
    fx_default(&x, &cfg);
    x.heartbeat_s = 1;
    int fd = login(&x, &term, 1);
    fx_run(&x, 600);
    assert_int_equal(fx_count(&x, 'f'), 0); /* within the period */
    assert_true(fx_eof(&x, fd, 1500));
    assert_int_equal(fx_count(&x, 'f'), 1);
    assert_int_equal(x.ev[1].reason, FEP_OFF_HEARTBEAT);
    assert_int_equal(fep_online(x.fep), 0);
    close(fd);
    fx_stop(&x);
}

static void test_request_matched_by_seq_stray_ignored(void **state)
{
    (void)state;
    struct fx x;
    fx_default(&x, NULL);
    int fd = login(&x, &term, 1);
    uint8_t req[128], got[128], rep[128];
    size_t n = read_request(req);
    struct fx_done d = {0};
    struct fep_request r = {FEP_PRIO_DEMAND, req, n, 0, 0, fx_done_cb, &d};
    assert_true(fep_request_submit(x.fep, ADDR, &r) > 0);
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, got, sizeof got, 2000), (long)n);
    uint8_t pseq = got[13] & 15;
    /* Sent as built, except the PSEQ the fep chose (and CS). */
    assert_memory_equal(got, req, 13);
    assert_int_equal(got[13] & 0xF0, req[13] & 0xF0);
    /* A reply with another RSEQ is a stray: ignored, counted. */
    fx_send(fd, rep, reply_frame((uint8_t)(0x60 | ((pseq + 5) & 15)), rep));
    fx_run(&x, 50);
    assert_int_equal(d.calls, 0);
    struct fep_session_stats st;
    assert_int_equal(fep_terminal_stats(x.fep, ADDR, &st), 1);
    assert_int_equal(st.stray, 1);
    size_t rn = reply_frame((uint8_t)(0x60 | pseq), rep);
    fx_send(fd, rep, rn);
    fx_run(&x, 50);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.status, FEP_DONE);
    /* Sent once: its round trip is measured (the stray's 50 ms and more). */
    assert_in_range(d.rtt_ms, 50, 1000);
    /* One transmission: the same span to its reply (rtt_ms by the loop's whole-ms clock). */
    assert_in_range(d.wire_ms, d.rtt_ms - 1, 1000);
    assert_int_equal(d.n_frames, 1);
    assert_int_equal(d.len, rn);
    assert_memory_equal(d.bytes, rep, rn);
    assert_int_equal(fx_count(&x, 'e'), 0);
    /* A heartbeat with ACD and EC (17 important events): the sink hears of them. */
    struct mh_wr w;
    static const uint8_t hb_unit[] = {0, 0, 0x04, 0x00};
    static const uint8_t ec[2] = {17, 3};
    mh_wr_init(&w, rep, sizeof rep);
    gdw1376_frame_encode(&w, 0xE9, &term, 0x02, 0x7A, hb_unit, 4, NULL, 0, ec, NULL);
    fx_send(fd, rep, mh_wr_len(&w));
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, got, sizeof got, 2000), 20);
    assert_int_equal(fx_count(&x, 'e'), 1);
    assert_int_equal(x.ev[x.n_ev - 1].reason, 17);
    /* A second request takes the next PSEQ. */
    struct fx_done d2 = {0};
    r.ctx = &d2;
    assert_true(fep_request_submit(x.fep, ADDR, &r) > 0);
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, got, sizeof got, 2000), (long)n);
    assert_int_equal(got[13] & 15, (pseq + 1) & 15);
    assert_int_equal(fep_request_submit(x.fep, "99999999", &r), MH_ENOENT);
    req[n - 2] ^= 1; /* bad CS: refused up front */
    assert_int_equal(fep_request_submit(x.fep, ADDR, &r), MH_EINVAL);
    close(fd);
    fx_run(&x, 30);
    assert_int_equal(d2.calls, 1);
    assert_int_equal(d2.status, FEP_OFFLINE);
    fx_stop(&x);
}

static void test_timeout_retries_then_fails(void **state)
{
    (void)state;
    struct fx x;
    fx_default(&x, NULL);
    int fd = login(&x, &term, 1);
    uint8_t req[128], a[128], b[128];
    struct gdw1376_tp tp = {2, {.day = 28, .hour = 16, .min = 19, .sec = 39}, 5}; /* long ago */
    struct gdw1376_addr ta = term;
    ta.msa = 1;
    struct mh_wr w;
    mh_wr_init(&w, req, sizeof req);
    assert_int_equal(gdw1376_enc_read(&w, &ta, 0x0C, 0, 2, NULL, 0, 9, &tp), 0);
    size_t n = mh_wr_len(&w);
    struct fx_done d = {0};
    struct fep_request r = {FEP_PRIO_SCHEDULED, req, n, 100, 1, fx_done_cb, &d};
    assert_true(fep_request_submit(x.fep, ADDR, &r) > 0);
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, a, sizeof a, 2000), (long)n);
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, b, sizeof b, 2000), (long)n);
    assert_memory_equal(a, b, n); /* the retry repeats the same PSEQ */
    assert_int_equal(a[13] & GDW1376_SEQ_TPV, GDW1376_SEQ_TPV);
    /* Tp: PFC 2 kept, send time now (FX_WALL_MS: 15:20:06 on the 3rd), delay 5 kept. */
    static const uint8_t tp_now[6] = {0x02, 0x06, 0x20, 0x15, 0x03, 0x05};
    assert_memory_equal(a + n - 8, tp_now, 6);
    assert_int_equal(d.calls, 0);
    fx_run(&x, 350); /* second attempt's timeout is doubled: 200 ms */
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.status, FEP_TIMEOUT);
    struct fep_session_stats st;
    fep_terminal_stats(x.fep, ADDR, &st);
    assert_int_equal(st.retries, 1);
    assert_int_equal(st.timeouts, 1);
    /* A late reply to the abandoned request is a stray. */
    fx_send(fd, b, reply_frame((uint8_t)(0x60 | (a[13] & 15)), b));
    fx_run(&x, 30);
    fep_terminal_stats(x.fep, ADDR, &st);
    assert_int_equal(st.stray, 1);
    close(fd);
    fx_stop(&x);
}

/* A reply after a re-send answers either copy: no round trip is reported (Karn's rule). */
static void test_reply_after_retry_has_no_rtt(void **state)
{
    (void)state;
    struct fx x;
    fx_default(&x, NULL);
    int fd = login(&x, &term, 1);
    uint8_t req[128], a[128], b[128];
    size_t n = read_request(req);
    struct fx_done d = {0};
    struct fep_request r = {FEP_PRIO_DEMAND, req, n, 100, 1, fx_done_cb, &d};
    assert_true(fep_request_submit(x.fep, ADDR, &r) > 0);
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, a, sizeof a, 2000), (long)n);
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, b, sizeof b, 2000), (long)n);
    assert_int_equal(fx_answer(&x, fd, b, reply_frame((uint8_t)(0x60 | (a[13] & 15)), b), &d),
                     FEP_DONE);
    assert_int_equal(d.rtt_ms, 0);
    /*
     * The channel's share still counts from the first copy: its 100 ms
     * timeout and more. The timeout runs on the loop's clock (whole ms,
     * cached an iteration), the share on the high-resolution one: 99 ms
     * may come back.
     */
    assert_in_range(d.wire_ms, 99, 2000);
    close(fd);
    fx_stop(&x);
}

static void test_priorities_and_multi_frame_reply(void **state)
{
    (void)state;
    struct fx x;
    fx_default(&x, NULL);
    int fd = login(&x, &term, 1);
    uint8_t req[128], got[128], rep[128];
    size_t n = read_request(req);
    struct fx_done d1 = {0}, d2 = {0}, d3 = {0};
    struct fep_request r1 = {FEP_PRIO_SCHEDULED, req, n, 0, 0, fx_done_cb, &d1};
    struct fep_request r2 = {FEP_PRIO_SCHEDULED, req, n, 0, 0, fx_done_cb, &d2};
    struct fep_request r3 = {FEP_PRIO_CONTROL, req, n, 0, 0, fx_done_cb, &d3};
    assert_true(fep_request_submit(x.fep, ADDR, &r1) > 0); /* goes out at once (window 1) */
    int64_t id2 = fep_request_submit(x.fep, ADDR, &r2);
    assert_true(id2 > 0);
    assert_true(fep_request_submit(x.fep, ADDR, &r3) > 0); /* overtakes r2 */
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, got, sizeof got, 2000), (long)n);
    uint8_t s1 = got[13] & 15;
    /* The control request goes out beside r1 (the lane), r2 waits for the window. */
    uint8_t ctl[128];
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, ctl, sizeof ctl, 2000), (long)n);
    assert_int_equal(ctl[13] & 15, (s1 + 1) & 15);
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, got, sizeof got, 100), -1);
    /*
     * Two frames: FIR (RSEQ = PSEQ), then FIN (RSEQ + 1), which is also the
     * control request's PSEQ: without FIR it continues r1's reply.
     */
    size_t f1 = reply_frame((uint8_t)(0x40 | s1), rep);
    fx_send(fd, rep, f1);
    fx_run(&x, 30);
    assert_int_equal(d1.calls, 0);
    fx_send(fd, rep, reply_frame((uint8_t)(0x20 | ((s1 + 1) & 15)), rep));
    fx_run(&x, 30);
    assert_int_equal(d1.calls, 1);
    assert_int_equal(d1.status, FEP_DONE);
    assert_int_equal(d1.n_frames, 2);
    assert_int_equal(d1.len, 2 * f1);
    assert_int_equal(d3.calls, 0);
    /* r2 still waits: the control request holds the window's one place. */
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, got, sizeof got, 100), -1);
    assert_int_equal(fep_request_cancel(x.fep, id2), 0);
    assert_int_equal(d2.calls, 1);
    assert_int_equal(d2.status, FEP_CANCELLED);
    memcpy(got, ctl, n);
    /* Denied: AFN00 F2 with its RSEQ. */
    struct mh_wr w;
    mh_wr_init(&w, rep, sizeof rep);
    uint8_t deny_unit[] = {0, 0, 0x02, 0x00};
    gdw1376_frame_encode(&w, 0x80, &term, 0x00, (uint8_t)(0x60 | (got[13] & 15)), deny_unit, 4, NULL, 0, NULL, NULL);
    fx_send(fd, rep, mh_wr_len(&w));
    fx_run(&x, 30);
    assert_int_equal(d3.calls, 1);
    assert_int_equal(d3.status, FEP_DENIED);
    close(fd);
    fx_stop(&x);
}

/*
 * A round started now (FEP_PRIO_ROUND) overtakes the schedule but never
 * takes the lane: its second request waits for the window, and an
 * operator's read submitted after it still goes out at once beside the
 * first.
 */
static void test_round_requests_leave_the_lane_free(void **state)
{
    (void)state;
    struct fx x;
    fx_default(&x, NULL);
    int fd = login(&x, &term, 1);
    uint8_t req[128], got[128], rep[128];
    size_t n = read_request(req);
    struct fx_done d[4] = {{0}};
    struct fep_request sched = {FEP_PRIO_SCHEDULED, req, n, 0, 0, fx_done_cb, &d[0]};
    struct fep_request round1 = {FEP_PRIO_ROUND, req, n, 0, 0, fx_done_cb, &d[1]};
    struct fep_request round2 = {FEP_PRIO_ROUND, req, n, 0, 0, fx_done_cb, &d[2]};
    struct fep_request demand = {FEP_PRIO_DEMAND, req, n, 0, 0, fx_done_cb, &d[3]};
    assert_true(fep_request_submit(x.fep, ADDR, &round1) > 0); /* the window's one place */
    int64_t id_sched = fep_request_submit(x.fep, ADDR, &sched);
    int64_t id_round2 = fep_request_submit(x.fep, ADDR, &round2);
    assert_true(id_sched > 0 && id_round2 > 0);
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, got, sizeof got, 2000), (long)n);
    uint8_t s1 = got[13] & 15;
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, got, sizeof got, 100), -1);
    assert_true(fep_request_submit(x.fep, ADDR, &demand) > 0);
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, got, sizeof got, 2000), (long)n);
    assert_int_equal(got[13] & 15, (s1 + 1) & 15);
    fx_send(fd, rep, reply_frame((uint8_t)(0x60 | ((s1 + 1) & 15)), rep));
    fx_run(&x, 30);
    assert_int_equal(d[3].calls, 1);
    assert_int_equal(d[3].status, FEP_DONE);
    assert_int_equal(d[1].calls, 0);
    /* The first round request answered: the second goes next, ahead of the schedule. */
    fx_send(fd, rep, reply_frame((uint8_t)(0x60 | s1), rep));
    fx_run(&x, 30);
    assert_int_equal(d[1].calls, 1);
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, got, sizeof got, 2000), (long)n);
    fx_send(fd, rep, reply_frame((uint8_t)(0x60 | (got[13] & 15)), rep));
    fx_run(&x, 30);
    assert_int_equal(d[2].calls, 1);
    assert_int_equal(d[2].status, FEP_DONE);
    assert_int_equal(d[0].calls, 0);
    assert_int_equal(fep_request_cancel(x.fep, id_round2), MH_ENOENT);
    assert_int_equal(fep_request_cancel(x.fep, id_sched), 0);
    assert_int_equal(d[0].status, FEP_CANCELLED);
    struct fep_request bad = {FEP_PRIO_COUNT_, req, n, 0, 0, fx_done_cb, &d[0]};
    assert_int_equal(fep_request_submit(x.fep, ADDR, &bad), MH_EINVAL);
    close(fd);
    fx_stop(&x);
}

/* Window 2: two requests outstanding with distinct PSEQs, answered out of order. */
static void test_window_of_two_answered_out_of_order(void **state)
{
    (void)state;
    struct fep_cfg cfg = {.login_timeout_ms = 2000, .window = 2};
    struct fx x;
    fx_default(&x, &cfg);
    int fd = login(&x, &term, 1);
    uint8_t req[128], a[128], b[128], c[128], rep[128];
    size_t n = read_request(req);
    struct fx_done d[3] = {{0}};
    for (int i = 0; i < 3; i++) {
        struct fep_request r = {FEP_PRIO_DEMAND, req, n, 0, 0, fx_done_cb, &d[i]};
        assert_true(fep_request_submit(x.fep, ADDR, &r) > 0);
    }
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, a, sizeof a, 2000), (long)n);
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, b, sizeof b, 2000), (long)n);
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, c, sizeof c, 100), -1); /* third waits */
    assert_int_not_equal(a[13] & 15, b[13] & 15);
    fx_send(fd, rep, reply_frame((uint8_t)(0x60 | (b[13] & 15)), rep));
    fx_run(&x, 30);
    assert_int_equal(d[1].calls, 1);
    assert_int_equal(d[0].calls, 0);
    assert_int_equal(fx_recv_frame(&x, fd, gdw1376_frame_scan, c, sizeof c, 2000), (long)n); /* window opened */
    fx_send(fd, rep, reply_frame((uint8_t)(0x60 | (a[13] & 15)), rep));
    fx_send(fd, rep, reply_frame((uint8_t)(0x60 | (c[13] & 15)), rep));
    fx_run(&x, 30);
    assert_int_equal(d[0].calls, 1);
    assert_int_equal(d[2].calls, 1);
    assert_int_equal(d[0].status, FEP_DONE);
    close(fd);
    fx_stop(&x);
}

static void test_report_confirmed_only_when_stored(void **state)
{
    (void)state;
    struct fx x;
    fx_default(&x, NULL);
    int fd = login(&x, &term, 1);
    /* §13 ERC1 event report, C = C4 (PRM 1, function 4), SEQ 7 with CON. */
    static const uint8_t unit[] = {0, 0, 0x01, 0x00, 0x01, 0x01, 0x00, 0x01, 0x01, 0x0E,
                                   0x35, 0x10, 0x16, 0x01, 0x14, 0x02};
    uint8_t rep[128], got[64], want[64];
    struct mh_wr w;
    mh_wr_init(&w, rep, sizeof rep);
    gdw1376_frame_encode(&w, 0xC4, &term, 0x0E, 0x77, unit, sizeof unit, NULL, 0, NULL, NULL);
    fx_send(fd, rep, mh_wr_len(&w));
    fx_run(&x, 50);
    assert_int_equal(fx_count(&x, 'r'), 1);
    struct fx_event *e = &x.ev[1];
    assert_true(e->token != 0);
    assert_int_equal(e->len, mh_wr_len(&w));
    assert_int_equal(fx_recv(&x, fd, got, 1, 100), -1); /* nothing before it is stored */
    assert_int_equal(fep_report_stored(x.fep, e->token), 0);
    mh_wr_init(&w, want, sizeof want);
    gdw1376_enc_confirm(&w, &term, 0, 7);
    assert_int_equal(fx_recv(&x, fd, got, mh_wr_len(&w), 1000), (long)mh_wr_len(&w));
    assert_memory_equal(got, want, mh_wr_len(&w));
    assert_int_equal(fep_report_stored(x.fep, e->token), MH_ENOENT); /* once */
    close(fd);
    fx_stop(&x);
}

static void test_garbage_and_malformed_frames_harm_nobody(void **state)
{
    (void)state;
    struct fx x;
    fx_default(&x, NULL);
    int a = login(&x, &term, 1);
    int b = login(&x, &other, 1);
    uint8_t f[64], got[64], junk[300];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    junk[5] = 0x68; /* false starts */
    junk[77] = 0x68;
    fx_send(a, junk, sizeof junk);
    size_t n = link_frame(&term, 3, 4, f);
    f[n - 2] ^= 0x5A; /* bad CS */
    fx_send(a, f, n);
    /* A heartbeat split in two writes right behind the garbage. */
    n = link_frame(&term, 3, 5, f);
    fx_send(a, f, 7);
    fx_run(&x, 20);
    struct fep_session_stats st;
    fep_terminal_stats(x.fep, ADDR, &st);
    assert_int_equal(st.rx_buffered, 7); /* only the partial frame is kept */
    fx_send(a, f + 7, n - 7);
    assert_int_equal(fx_recv_frame(&x, a, gdw1376_frame_scan, got, sizeof got, 2000), 20);
    assert_int_equal(got[13], 0x65);
    fep_terminal_stats(x.fep, ADDR, &st);
    assert_true(st.bad_frames >= 1);
    assert_int_equal(st.rx_buffered, 0); /* no partial frame: no buffer kept */
    /* The other terminal is untouched. */
    fx_send(b, f, link_frame(&other, 3, 6, f));
    assert_int_equal(fx_recv_frame(&x, b, gdw1376_frame_scan, got, sizeof got, 2000), 20);
    assert_int_equal(got[13], 0x66);
    fep_terminal_stats(x.fep, "01710822", &st);
    assert_int_equal(st.bad_frames, 0);
    assert_int_equal(fep_online(x.fep), 2);
    close(a);
    close(b);
    fx_stop(&x);
}

/* On an AUTO port a frame of the other protocol before the login does not fix the protocol. */
static void test_stray_frame_before_login_does_not_decide_protocol(void **state)
{
    (void)state;
    struct fx x;
    fx_default(&x, NULL);
    static const uint8_t sa[6] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
    static const uint8_t get_resp[] = {0x85, 0x01, 0x01, 0x40, 0x00, 0x02, 0x00, 0x00, 0x04, 0x00, 0x00};
    uint8_t f[64];
    struct mh_wr w;
    mh_wr_init(&w, f, sizeof f);
    assert_int_equal(dlt698_frame_encode(&w, 0xC3, 0x05, sa, 0x10, get_resp, sizeof get_resp), 0);
    int fd = fx_connect(&x);
    fx_send(fd, f, mh_wr_len(&w));
    fx_run(&x, 20);
    assert_int_equal(fep_port_stats(x.port)->stray, 1);
    login_confirmed(&x, fd, 6);
    assert_int_equal(fx_count(&x, 'n'), 1);
    close(fd);
    fx_stop(&x);
}

/* One byte every 100 ms of a login (never complete in time) is cut at the login timeout. */
static void test_slow_loris_cut_while_others_served(void **state)
{
    (void)state;
    struct fep_cfg cfg = {.login_timeout_ms = 500};
    struct fx x;
    fx_default(&x, &cfg);
    uint8_t f[64];
    size_t n = link_frame(&other, 1, 1, f);
    int slow = fx_connect(&x);
    int closed = 0;
    for (size_t i = 0; i < n && !closed; i++) {
        if (send(slow, f + i, 1, MSG_NOSIGNAL) != 1)
            break;
        if (i == 2) {
            int fast = login(&x, &term, 1); /* served meanwhile */
            close(fast);
        }
        closed = fx_eof(&x, slow, 100);
    }
    assert_true(closed);
    assert_int_equal(fep_port_stats(x.port)->login_timeouts, 1);
    assert_int_equal(fep_port_stats(x.port)->logins, 1);
    fx_run(&x, 20);
    assert_int_equal(fep_sessions(x.fep), 0);
    close(slow);
    fx_stop(&x);
}

static void test_connections_per_address_capped(void **state)
{
    (void)state;
    struct chan_tcp_listen_cfg l = {.max_per_addr = 2};
    struct fx x;
    fx_start(&x, NULL, &l, FEP_PROTO_GDW1376);
    x.known[0] = ADDR;
    int a = fx_connect(&x), b = fx_connect(&x), c = fx_connect(&x);
    assert_true(fx_eof(&x, c, 1000));
    assert_false(fx_eof(&x, a, 50));
    assert_int_equal(chan_tcp_listener_stats(x.lis)->refused_addr, 1);
    assert_int_equal(chan_tcp_listener_stats(x.lis)->active, 2);
    close(a);
    fx_run(&x, 30);
    int d = fx_connect(&x); /* a's slot is free again */
    assert_false(fx_eof(&x, d, 50));
    assert_int_equal(chan_tcp_listener_stats(x.lis)->refused_addr, 1);
    close(b);
    close(c);
    close(d);
    fx_stop(&x);
}

/* A flood beyond max_fps loses frames (counted); a frame over max_frame is dropped; the session lives. */
static void test_rate_and_size_limits(void **state)
{
    (void)state;
    struct fep_cfg cfg = {.login_timeout_ms = 2000, .max_fps = 5, .max_frame = 64};
    struct fx x;
    fx_default(&x, &cfg);
    int fd = login(&x, &term, 1); /* frame 1 of this second */
    uint8_t burst[10 * 20], got[64];
    for (int i = 0; i < 10; i++)
        link_frame(&term, 3, (uint8_t)i, burst + 20 * i);
    fx_send(fd, burst, sizeof burst);
    fx_run(&x, 50);
    struct fep_session_stats st;
    fep_terminal_stats(x.fep, ADDR, &st);
    assert_true(st.rate_dropped >= 5);
    assert_true(st.frames_out <= 5 + 1);
    fx_run(&x, 1000); /* next second: served again */
    uint8_t big[128], f[64];
    struct mh_wr w;
    mh_wr_init(&w, big, sizeof big);
    static const uint8_t units[80] = {0};
    gdw1376_frame_encode(&w, 0xC4, &term, 0x0E, 0x60, units, sizeof units, NULL, 0, NULL, NULL);
    fx_send(fd, big, mh_wr_len(&w));
    fx_send(fd, f, link_frame(&term, 3, 9, f));
    long r;
    do { /* skip the confirmations still queued from the burst */
        r = fx_recv_frame(&x, fd, gdw1376_frame_scan, got, sizeof got, 2000);
    } while (r == 20 && got[13] != 0x69);
    assert_int_equal(r, 20);
    fep_terminal_stats(x.fep, ADDR, &st);
    assert_true(st.oversize >= 1);
    assert_int_equal(fx_count(&x, 'r'), 0);
    close(fd);
    fx_stop(&x);
}

/* The same session over UDP: a login datagram is answered with the confirm datagram. */
static void test_login_over_udp(void **state)
{
    (void)state;
    struct fx x;
    fx_default(&x, NULL);
    struct chan_udp_cfg uc = {.host = "127.0.0.1"};
    struct chan_udp_listener *u;
    assert_int_equal(chan_udp_listen(x.cl, &uc, fep_port_events(x.port), &u), 0);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(chan_udp_listener_port(u));
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    login_confirmed(&x, fd, 3);
    assert_int_equal(fx_count(&x, 'n'), 1);
    assert_non_null(strstr(x.ev[0].addr, ADDR));
    chan_udp_listener_close(u, NULL, NULL);
    fx_run(&x, 20);
    assert_int_equal(fx_count(&x, 'f'), 1);
    close(fd);
    fx_stop(&x);
}

/* A terminal behind a serial line (a pty here): login through termios raw mode, confirmed. */
static void test_login_over_serial(void **state)
{
    (void)state;
    int master, slave;
    char name[64];
    if (openpty(&master, &slave, name, NULL, NULL) != 0)
        skip();
    struct fx x;
    fx_default(&x, NULL);
    struct chan_serial_cfg sc = {.path = name, .baud = 9600, .parity = 'E'};
    struct chan_serial *ser;
    assert_int_equal(chan_serial_open(x.cl, &sc, fep_port_events(x.port), &ser), 0);
    fx_run(&x, 20);
    assert_int_equal(chan_serial_stats(ser)->connects, 1);
    struct termios tio;
    int sfd = open(name, O_RDWR | O_NOCTTY);
    assert_true(sfd >= 0);
    assert_int_equal(tcgetattr(sfd, &tio), 0);
    /* Raw: no echo, no line editing (a Linux pty keeps CS8 and no parity whatever is asked). */
    assert_int_equal(tio.c_lflag & (ECHO | ICANON), 0);
    assert_int_equal(tio.c_cflag & CSIZE, CS8);
    close(sfd);
    login_confirmed(&x, master, 4);
    assert_int_equal(fx_count(&x, 'n'), 1);
    chan_serial_close(ser, NULL, NULL);
    fx_run(&x, 20);
    assert_int_equal(fx_count(&x, 'f'), 1);
    close(slave);
    close(master);
    fx_stop(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_confirmed_byte_exact),
        cmocka_unit_test(test_unknown_terminal_refused),
        cmocka_unit_test(test_second_login_replaces_first),
        cmocka_unit_test(test_heartbeat_silence_goes_offline),
        cmocka_unit_test(test_request_matched_by_seq_stray_ignored),
        cmocka_unit_test(test_timeout_retries_then_fails),
        cmocka_unit_test(test_reply_after_retry_has_no_rtt),
        cmocka_unit_test(test_priorities_and_multi_frame_reply),
        cmocka_unit_test(test_round_requests_leave_the_lane_free),
        cmocka_unit_test(test_window_of_two_answered_out_of_order),
        cmocka_unit_test(test_report_confirmed_only_when_stored),
        cmocka_unit_test(test_garbage_and_malformed_frames_harm_nobody),
        cmocka_unit_test(test_stray_frame_before_login_does_not_decide_protocol),
        cmocka_unit_test(test_slow_loris_cut_while_others_served),
        cmocka_unit_test(test_connections_per_address_capped),
        cmocka_unit_test(test_rate_and_size_limits),
        cmocka_unit_test(test_login_over_udp),
        cmocka_unit_test(test_login_over_serial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
