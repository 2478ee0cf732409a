/*
 * DL/T 645 meters behind DTUs, played by raw loopback clients: they never
 * log in, so the fep asks their address (broadcast read-address, byte-exact)
 * and checks it against the directory; requests are answered one at a
 * time; a silent meter is probed before it is declared offline; on an AUTO
 * port a silent connection is asked while 1376.1 terminals log in as usual.
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
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/gdw1376.h"

#define METER "100000005650"
static const uint8_t meter[6] = {0x50, 0x56, 0x00, 0x00, 0x00, 0x10};

/* 2007 7.3: FE FE FE FE 68 AA AA AA AA AA AA 68 13 00 DF 16. */
static const uint8_t who_are_you[] = {0xFE, 0xFE, 0xFE, 0xFE, 0x68, 0xAA, 0xAA, 0xAA,
                                      0xAA, 0xAA, 0xAA, 0x68, 0x13, 0x00, 0xDF, 0x16};

static void expect_probe(struct fx *x, int fd, unsigned ms)
{
    uint8_t got[sizeof who_are_you];
    assert_int_equal(fx_recv(x, fd, got, sizeof got, ms), (long)sizeof got);
    assert_memory_equal(got, who_are_you, sizeof got);
}

static void answer_address(int fd, const uint8_t addr[6])
{
    uint8_t f[64];
    struct mh_wr w;
    mh_wr_init(&w, f, sizeof f);
    assert_int_equal(dlt645_enc_ack(&w, addr, DLT645_READ_ADDRESS, addr, 6), 0);
    fx_send(fd, f, mh_wr_len(&w));
}

static void test_dtu_identified_and_read(void **state)
{
    (void)state;
    struct fx x;
    fx_start(&x, NULL, NULL, FEP_PROTO_DLT645);
    x.known[0] = METER;
    x.heartbeat_s = 60;
    int fd = fx_connect(&x);
    expect_probe(&x, fd, 1000);
    answer_address(fd, meter);
    fx_run(&x, 30);
    assert_int_equal(fx_count(&x, 'n'), 1);
    assert_string_equal(x.ev[0].addr, METER);
    /* Read forward active energy, then an error reply to a second read. */
    uint8_t req[64], got[64], rep[64];
    struct mh_wr w;
    mh_wr_init(&w, req, sizeof req);
    dlt645_enc_read(&w, meter, DLT645_2007, 0x00010000);
    size_t n = mh_wr_len(&w);
    struct fx_done d = {0}, d2 = {0};
    struct fep_request r = {FEP_PRIO_DEMAND, req, n, 0, 0, fx_done_cb, &d};
    assert_true(fep_request_submit(x.fep, METER, &r) > 0);
    r.ctx = &d2;
    assert_true(fep_request_submit(x.fep, METER, &r) > 0);
    assert_int_equal(fx_recv(&x, fd, got, n, 1000), (long)n);
    assert_memory_equal(got, req, n); /* sent as built: 645 has no sequence number */
    assert_int_equal(fx_recv(&x, fd, got, 1, 100), -1); /* one at a time */
    static const uint8_t energy[4] = {0x78, 0x56, 0x34, 0x12};
    mh_wr_init(&w, rep, sizeof rep);
    dlt645_enc_read_response(&w, meter, DLT645_2007, 0x00010000, energy, 4, 0, -1);
    size_t rn = mh_wr_len(&w);
    assert_int_equal(fx_answer(&x, fd, rep, rn, &d), FEP_DONE);
    assert_int_equal(d.len, rn);
    assert_memory_equal(d.bytes, rep, rn);
    assert_int_equal(fx_recv(&x, fd, got, n, 1000), (long)n); /* now the second */
    mh_wr_init(&w, rep, sizeof rep);
    dlt645_enc_error(&w, meter, DLT645_READ, 0x02);
    assert_int_equal(fx_answer(&x, fd, rep, mh_wr_len(&w), &d2), FEP_DENIED);
    close(fd);
    fx_stop(&x);
}

/* 2007 7.3.2: read subsequent data of DI 06040001, SEQ 1 and 2 (FE preamble, +33, CS, 16). */
static const uint8_t follow1[] = {0xFE, 0xFE, 0xFE, 0xFE, 0x68, 0x50, 0x56, 0x00, 0x00, 0x00, 0x10,
                                  0x68, 0x12, 0x05, 0x34, 0x33, 0x37, 0x39, 0x34, 0xA8, 0x16};
static const uint8_t follow2[] = {0xFE, 0xFE, 0xFE, 0xFE, 0x68, 0x50, 0x56, 0x00, 0x00, 0x00, 0x10,
                                  0x68, 0x12, 0x05, 0x34, 0x33, 0x37, 0x39, 0x35, 0xA9, 0x16};
#define DI_LOAD4 0x06040001u

static void expect_bytes(struct fx *x, int fd, const uint8_t *want, size_t n, unsigned ms)
{
    uint8_t got[64];
    assert_true(n <= sizeof got);
    assert_int_equal(fx_recv(x, fd, got, n, ms), (long)n);
    assert_memory_equal(got, want, n);
}

/* A reply frame of the load-record read: seq < 0 the first (0x91/B1), else follow-up seq (0x92/B2). */
static size_t load_reply(uint8_t *f, size_t cap, int seq, int more, uint8_t fill)
{
    uint8_t data[20];
    memset(data, fill, sizeof data);
    struct mh_wr w;
    mh_wr_init(&w, f, cap);
    assert_int_equal(dlt645_enc_read_response(&w, meter, DLT645_2007, DI_LOAD4, data, sizeof data, more, seq), 0);
    return mh_wr_len(&w);
}

static int online_meter(struct fx *x, const struct fep_cfg *cfg)
{
    fx_start(x, cfg, NULL, FEP_PROTO_DLT645);
    x->known[0] = METER;
    x->heartbeat_s = 60;
    int fd = fx_connect(x);
    expect_probe(x, fd, 1000);
    answer_address(fd, meter);
    fx_run(x, 30);
    assert_int_equal(fx_count(x, 'n'), 1);
    return fd;
}

/* Submit the read of 97 class-4 records from 2026-11-23 00:00 and see it sent as built. */
static void submit_load_read(struct fx *x, int fd, struct fx_done *d)
{
    uint8_t req[64];
    struct mh_wr w;
    struct mh_tm start = {.year = 2026, .mon = 11, .day = 23, .hour = 0, .min = 0, .has = MH_TM_FULL};
    mh_wr_init(&w, req, sizeof req);
    assert_int_equal(dlt645_enc_read_records(&w, meter, DI_LOAD4, 97, &start), 0);
    size_t n = mh_wr_len(&w);
    struct fep_request r = {FEP_PRIO_SCHEDULED, req, n, 0, 0, fx_done_cb, d};
    assert_true(fep_request_submit(x->fep, METER, &r) > 0);
    expect_bytes(x, fd, req, n, 1000);
}

/*
 * A reply with the follow bit is continued with 0x12 SEQ 1, 2 ... (byte
 * exact); a frame out of sequence is a stray and changes nothing; an
 * unanswered follow-up is asked again (same bytes), the frames taken are
 * kept; the last frame (no follow bit) delivers all of them as one reply.
 */
static void test_follow_up_frames_assembled(void **state)
{
    (void)state;
    struct fep_cfg cfg = {.request_timeout_ms = 300, .retries = 1};
    struct fx x;
    int fd = online_meter(&x, &cfg);
    uint8_t f1[64], f2[64], f3[64], stale[64];
    struct fx_done d = {0};
    submit_load_read(&x, fd, &d);
    size_t n1 = load_reply(f1, sizeof f1, -1, 1, 0x11);
    size_t n2 = load_reply(f2, sizeof f2, 1, 1, 0x22);
    size_t n3 = load_reply(f3, sizeof f3, 2, 0, 0x33);
    size_t ns = load_reply(stale, sizeof stale, 2, 1, 0x44);
    fx_send(fd, f1, n1);
    expect_bytes(&x, fd, follow1, sizeof follow1, 1000);
    fx_send(fd, stale, ns); /* SEQ 2 before 1: dropped */
    fx_send(fd, f1, n1);    /* the first frame again: dropped */
    fx_run(&x, 30);
    struct fep_session_stats st;
    assert_int_equal(fep_terminal_stats(x.fep, METER, &st), 1);
    assert_int_equal(st.stray, 2);
    assert_int_equal(d.calls, 0);
    fx_send(fd, f2, n2);
    expect_bytes(&x, fd, follow2, sizeof follow2, 1000);
    expect_bytes(&x, fd, follow2, sizeof follow2, 1000); /* unanswered: asked again */
    assert_int_equal(fx_answer(&x, fd, f3, n3, &d), FEP_DONE);
    assert_int_equal(d.n_frames, 3);
    assert_int_equal(d.len, n1 + n2 + n3);
    assert_memory_equal(d.bytes, f1, n1);
    assert_memory_equal(d.bytes + n1, f2, n2);
    assert_memory_equal(d.bytes + n1 + n2, f3, n3);
    assert_int_equal(fep_terminal_stats(x.fep, METER, &st), 1);
    assert_int_equal(st.retries, 1);
    assert_int_equal(st.replies, 1);
    close(fd);
    fx_stop(&x);
}

/* A follow-up never answered fails the request after its re-sends; a follow bit on a non-read fails it. */
static void test_follow_up_timeout_and_not_continued(void **state)
{
    (void)state;
    struct fep_cfg cfg = {.request_timeout_ms = 200, .request_timeout_max_ms = 200, .retries = 1};
    struct fx x;
    int fd = online_meter(&x, &cfg);
    uint8_t req[64], f1[64], got[64];
    struct mh_wr w;
    struct fx_done d = {0}, d2 = {0};
    submit_load_read(&x, fd, &d);
    size_t n1 = load_reply(f1, sizeof f1, -1, 1, 0x11);
    fx_send(fd, f1, n1);
    expect_bytes(&x, fd, follow1, sizeof follow1, 1000);
    expect_bytes(&x, fd, follow1, sizeof follow1, 1000);
    for (int i = 0; i < 100 && d.calls == 0; i++)
        fx_run(&x, 10);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.status, FEP_TIMEOUT);
    /* A write acknowledged with the follow bit set: nothing to continue. */
    mh_wr_init(&w, req, sizeof req);
    struct dlt645_auth a = {0};
    static const uint8_t val[1] = {1};
    assert_int_equal(dlt645_enc_write(&w, meter, DLT645_2007, 0x04000101, &a, val, 1), 0);
    size_t n = mh_wr_len(&w);
    struct fep_request r = {FEP_PRIO_SCHEDULED, req, n, 0, 0, fx_done_cb, &d2};
    assert_true(fep_request_submit(x.fep, METER, &r) > 0);
    expect_bytes(&x, fd, req, n, 1000);
    mh_wr_init(&w, f1, sizeof f1);
    assert_int_equal(dlt645_frame_encode(&w, 0, meter, 0x80 | DLT645_CTRL_FOLLOW | DLT645_WRITE, NULL, 0), 0);
    assert_int_equal(fx_answer(&x, fd, f1, mh_wr_len(&w), &d2), FEP_DECODE);
    assert_int_equal(fx_recv(&x, fd, got, 1, 100), -1); /* no follow-up asked */
    close(fd);
    fx_stop(&x);
}

/* A meter that always says more follows: past 255 follow-ups (SEQ is one byte) the request fails, not the session. */
static void test_follow_up_bounded(void **state)
{
    (void)state;
    struct fep_cfg cfg = {.request_timeout_ms = 1000, .max_fps = 2000}; /* 256 frames in well under a second */
    struct fx x;
    int fd = online_meter(&x, &cfg);
    struct fx_done d = {0};
    submit_load_read(&x, fd, &d);
    uint8_t f[64], got[64];
    size_t n = load_reply(f, sizeof f, -1, 1, 0x11);
    fx_send(fd, f, n);
    for (unsigned seq = 1; seq <= 255; seq++) {
        assert_int_equal(fx_recv(&x, fd, got, sizeof follow1, 1000), (long)sizeof follow1);
        assert_int_equal(got[18], (uint8_t)(seq + 0x33)); /* SEQ + 33h */
        n = load_reply(f, sizeof f, (int)seq, 1, 0x22);
        fx_send(fd, f, n);
    }
    for (int i = 0; i < 200 && d.calls == 0; i++)
        fx_run(&x, 5);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.status, FEP_DECODE);
    assert_int_equal(fx_recv(&x, fd, got, 1, 50), -1); /* no 256th follow-up */
    assert_int_equal(fep_online(x.fep), 1);
    close(fd);
    fx_stop(&x);
}

static void test_unknown_meter_refused(void **state)
{
    (void)state;
    struct fx x;
    fx_start(&x, NULL, NULL, FEP_PROTO_DLT645);
    x.known[0] = METER;
    static const uint8_t stranger[6] = {0x01, 0, 0, 0, 0, 0x99};
    int fd = fx_connect(&x);
    expect_probe(&x, fd, 1000);
    answer_address(fd, stranger);
    assert_true(fx_eof(&x, fd, 1000));
    assert_int_equal(fep_port_stats(x.port)->login_refused, 1);
    assert_int_equal(fx_count(&x, 'n'), 0);
    close(fd);
    fx_stop(&x);
}

/* No heartbeats in 645: a silent meter is asked again, and only no answer makes it offline. */
static void test_silent_meter_probed_then_offline(void **state)
{
    (void)state;
    struct fep_cfg cfg = {.login_timeout_ms = 2000, .heartbeat_misses = 1, .request_timeout_ms = 300};
    struct fx x;
    fx_start(&x, &cfg, NULL, FEP_PROTO_DLT645);
    x.known[0] = METER;
    x.heartbeat_s = 1;
    int fd = fx_connect(&x);
    expect_probe(&x, fd, 1000);
    answer_address(fd, meter);
    expect_probe(&x, fd, 1500); /* a second of silence */
    answer_address(fd, meter);
    fx_run(&x, 50);
    assert_int_equal(fx_count(&x, 'f'), 0); /* it answered */
    expect_probe(&x, fd, 1500);
    assert_true(fx_eof(&x, fd, 1000)); /* this time it does not */
    assert_int_equal(fx_count(&x, 'f'), 1);
    assert_int_equal(x.ev[1].reason, FEP_OFF_HEARTBEAT);
    close(fd);
    fx_stop(&x);
}

static void test_auto_port_asks_silent_connections_only(void **state)
{
    (void)state;
    struct fep_cfg cfg = {.login_timeout_ms = 600};
    struct fx x;
    fx_start(&x, &cfg, NULL, FEP_PROTO_AUTO);
    x.known[0] = METER;
    x.known[1] = "02001234";
    x.heartbeat_s = 60;
    int dtu = fx_connect(&x), term = fx_connect(&x);
    fx_send(dtu, (const uint8_t *)"DTU-REG 0001\r\n", 14); /* a DTU's registration packet: no frame */
    const struct gdw1376_addr a = {0x0200, 0x1234, 0, 0};
    uint8_t f[64], got[64];
    struct mh_wr w;
    mh_wr_init(&w, f, sizeof f);
    gdw1376_enc_link(&w, &a, 1, 1);
    fx_send(term, f, mh_wr_len(&w));
    assert_int_equal(fx_recv_frame(&x, term, gdw1376_frame_scan, got, sizeof got, 1000), 20);
    expect_probe(&x, dtu, 1000); /* after a third of the login timeout */
    answer_address(dtu, meter);
    fx_run(&x, 700); /* past the login timeout: both stay */
    assert_int_equal(fx_count(&x, 'n'), 2);
    assert_int_equal(fep_online(x.fep), 2);
    assert_int_equal(fx_recv(&x, term, got, 1, 50), -1); /* the 1376.1 terminal was never asked */
    close(dtu);
    close(term);
    fx_stop(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dtu_identified_and_read),
        cmocka_unit_test(test_follow_up_frames_assembled),
        cmocka_unit_test(test_follow_up_timeout_and_not_continued),
        cmocka_unit_test(test_follow_up_bounded),
        cmocka_unit_test(test_unknown_meter_refused),
        cmocka_unit_test(test_silent_meter_probed_then_offline),
        cmocka_unit_test(test_auto_port_asks_silent_connections_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
