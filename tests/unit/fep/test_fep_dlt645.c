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
        cmocka_unit_test(test_unknown_meter_refused),
        cmocka_unit_test(test_silent_meter_probed_then_offline),
        cmocka_unit_test(test_auto_port_asks_silent_connections_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
