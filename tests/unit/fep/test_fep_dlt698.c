/*
 * The front end against DL/T 698.45 terminals played by raw loopback
 * clients: LINK login and heartbeat answered byte-exact, unknown terminals
 * refused, GET matched to its reply by PIID (strays ignored), ERROR-Response
 * as denied, REPORT-Notification confirmed with its OADs once stored.
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
#include "meterhub/proto/dlt698.h"

#define ADDR "111111111111"
static const uint8_t sa[6] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11};

/* docs/protocols/dlt698-45.md §10: LINK login, heartbeat 180 s, 2025-04-03 15:20:05. */
static const uint8_t login_frame[] = {0x68, 0x1E, 0x00, 0x81, 0x05, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                      0x00, 0x9E, 0x76, 0x01, 0x00, 0x00, 0x00, 0xB4, 0x07, 0xE9, 0x04,
                                      0x03, 0x04, 0x0F, 0x14, 0x05, 0x00, 0x00, 0xE8, 0xB0, 0x16};

/* LINK-Response C = 01: PIID 0, result 80 (success, clock trusted), request time, then the
 * master's clock (FX_WALL_MS: 15:20:06.250) as receive and response time. */
static const uint8_t login_answer[] = {
    0x68, 0x30, 0x00, 0x01, 0x05, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x00, 0x1E, 0x19, 0x81, 0x00, 0x80,
    0x07, 0xE9, 0x04, 0x03, 0x04, 0x0F, 0x14, 0x05, 0x00, 0x00, 0x07, 0xE9, 0x04, 0x03, 0x04, 0x0F, 0x14,
    0x06, 0x00, 0xFA, 0x07, 0xE9, 0x04, 0x03, 0x04, 0x0F, 0x14, 0x06, 0x00, 0xFA, 0x78, 0x10, 0x16};

static size_t frame(uint8_t c, const uint8_t *addr, const uint8_t *apdu, size_t n, uint8_t *out)
{
    struct mh_wr w;
    mh_wr_init(&w, out, 256);
    assert_int_equal(dlt698_frame_encode(&w, c, 0x05, addr, 0x10, apdu, n), 0);
    return mh_wr_len(&w);
}

/* GET-Request Normal of one OAD, C = 43. */
static size_t get_request(uint8_t piid, uint32_t oad, uint8_t *req)
{
    uint8_t apdu[16];
    struct mh_wr w;
    mh_wr_init(&w, apdu, sizeof apdu);
    assert_int_equal(dlt698_enc_get(&w, piid, oad), 0);
    return frame(0x43, sa, apdu, mh_wr_len(&w), req);
}

static int login(struct fx *x)
{
    uint8_t got[128];
    int fd = fx_connect(x);
    fx_send(fd, login_frame, sizeof login_frame);
    assert_int_equal(fx_recv(x, fd, got, sizeof login_answer, 2000), (long)sizeof login_answer);
    assert_memory_equal(got, login_answer, sizeof login_answer);
    return fd;
}

static void start(struct fx *x, enum fep_proto_id proto)
{
    fx_start(x, NULL, NULL, proto);
    x->known[0] = ADDR;
}

static void test_link_login_and_heartbeat_answered(void **state)
{
    (void)state;
    struct fx x;
    start(&x, FEP_PROTO_AUTO);
    int fd = login(&x);
    assert_int_equal(fx_count(&x, 'n'), 1);
    assert_string_equal(x.ev[0].addr, ADDR);
    /* Heartbeat: type 1, PIID 5, sent with C = 43 as some terminals do (§9). */
    uint8_t apdu[15], f[128], got[128];
    memcpy(apdu, login_frame + 14, 15);
    apdu[1] = 5;
    apdu[2] = 1;
    size_t n = frame(0x43, sa, apdu, sizeof apdu, f);
    fx_send(fd, f, n);
    long r = fx_recv_frame(&x, fd, dlt698_frame_scan, got, sizeof got, 2000);
    assert_int_equal(r, (long)sizeof login_answer);
    struct dlt698_frame d;
    assert_int_equal(dlt698_frame_parse(got, (size_t)r, &d), 0);
    assert_int_equal(d.c, 0x01);
    assert_int_equal(d.ca, 0x10); /* the terminal's CA echoed */
    assert_int_equal(d.apdu[0], 0x81);
    assert_int_equal(d.apdu[1], 5);
    /* Logout: answered, then offline. */
    apdu[1] = 6;
    apdu[2] = 2;
    fx_send(fd, f, frame(0x81, sa, apdu, sizeof apdu, f));
    assert_true(fx_recv_frame(&x, fd, dlt698_frame_scan, got, sizeof got, 2000) > 0);
    assert_true(fx_eof(&x, fd, 1000));
    assert_int_equal(fx_count(&x, 'f'), 1);
    assert_int_equal(x.ev[1].reason, FEP_OFF_LOGOUT);
    close(fd);
    fx_stop(&x);
}

static void test_unknown_698_terminal_refused(void **state)
{
    (void)state;
    struct fx x;
    start(&x, FEP_PROTO_DLT698);
    static const uint8_t stranger[6] = {0x22, 0x22, 0x22, 0x22, 0x22, 0x22};
    uint8_t f[128], got[128];
    int fd = fx_connect(&x);
    fx_send(fd, f, frame(0x81, stranger, login_frame + 14, 15, f));
    long r = fx_recv_frame(&x, fd, dlt698_frame_scan, got, sizeof got, 2000);
    assert_true(r > 0);
    struct dlt698_frame d;
    assert_int_equal(dlt698_frame_parse(got, (size_t)r, &d), 0);
    assert_int_equal(d.apdu[0], 0x81);
    assert_int_equal(d.apdu[2], 0x82); /* illegal device */
    assert_true(fx_eof(&x, fd, 1000));
    assert_int_equal(fep_port_stats(x.port)->login_refused, 1);
    close(fd);
    fx_stop(&x);
}

static void test_get_matched_by_piid(void **state)
{
    (void)state;
    struct fx x;
    start(&x, FEP_PROTO_AUTO);
    int fd = login(&x);
    uint8_t req[128], got[128], rep[128];
    size_t n = get_request(0x80 | 33, 0x40000200, req); /* clock; priority bit kept, 33 replaced */
    struct fx_done d = {0};
    struct fep_request r = {FEP_PRIO_DEMAND, req, n, 0, 0, fx_done_cb, &d};
    assert_true(fep_request_submit(x.fep, ADDR, &r) > 0);
    assert_int_equal(fx_recv_frame(&x, fd, dlt698_frame_scan, got, sizeof got, 2000), (long)n);
    struct dlt698_frame q;
    assert_int_equal(dlt698_frame_parse(got, n, &q), 0); /* FCS fixed after stamping */
    uint8_t piid = q.apdu[2];
    assert_int_equal(piid & 0x80, 0x80);
    /* GET-Response Normal: 85 01 PIID OAD 01 date_time_s, no FollowReport, no TimeTag. */
    uint8_t resp[] = {0x85, 0x01, 0, 0x40, 0x00, 0x02, 0x00, 0x01, 0x1C, 0x07, 0xE9, 0x04, 0x03, 0x0F,
                      0x14, 0x06, 0x00, 0x00};
    resp[2] = (uint8_t)((piid + 7) & 0x3F);
    fx_send(fd, rep, frame(0xC3, sa, resp, sizeof resp, rep));
    fx_run(&x, 30);
    assert_int_equal(d.calls, 0);
    resp[2] = piid;
    size_t rn = frame(0xC3, sa, resp, sizeof resp, rep);
    fx_send(fd, rep, rn);
    fx_run(&x, 30);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.status, FEP_DONE);
    assert_int_equal(d.len, rn);
    assert_memory_equal(d.bytes, rep, rn);
    struct fep_session_stats st;
    fep_terminal_stats(x.fep, ADDR, &st);
    assert_int_equal(st.stray, 1);
    /* ERROR-Response to the next one: denied. */
    struct fx_done d2 = {0};
    r.ctx = &d2;
    assert_true(fep_request_submit(x.fep, ADDR, &r) > 0);
    assert_int_equal(fx_recv_frame(&x, fd, dlt698_frame_scan, got, sizeof got, 2000), (long)n);
    assert_int_equal(dlt698_frame_parse(got, n, &q), 0);
    uint8_t err[] = {0xEE, (uint8_t)(q.apdu[2] & 0x3F), 0x03};
    assert_int_equal(fx_answer(&x, fd, rep, frame(0xC3, sa, err, sizeof err, rep), &d2), FEP_DENIED);
    close(fd);
    fx_stop(&x);
}

static void test_report_answered_with_its_oads_once_stored(void **state)
{
    (void)state;
    struct fx x;
    start(&x, FEP_PROTO_AUTO);
    int fd = login(&x);
    /* ReportNotificationList, PIID-ACD 9, two results: 2021 (data), 4000 (DAR 4). */
    static const uint8_t note[] = {0x88, 0x01, 0x09, 0x02, 0x20, 0x21, 0x02, 0x00, 0x01, 0x06, 0x00,
                                   0x00, 0x01, 0x2C, 0x40, 0x00, 0x02, 0x00, 0x00, 0x04, 0x00, 0x00};
    static const uint8_t want_apdu[] = {0x08, 0x01, 0x09, 0x02, 0x20, 0x21, 0x02, 0x00,
                                        0x40, 0x00, 0x02, 0x00, 0x00};
    uint8_t f[128], got[128], want[128];
    fx_send(fd, f, frame(0x83, sa, note, sizeof note, f));
    fx_run(&x, 50);
    assert_int_equal(fx_count(&x, 'r'), 1);
    uint64_t token = x.ev[1].token;
    assert_true(token != 0);
    assert_int_equal(fx_recv(&x, fd, got, 1, 100), -1);
    assert_int_equal(fep_report_stored(x.fep, token), 0);
    size_t wn = frame(0x03, sa, want_apdu, sizeof want_apdu, want);
    assert_int_equal(fx_recv(&x, fd, got, wn, 1000), (long)wn);
    assert_memory_equal(got, want, wn);
    close(fd);
    fx_stop(&x);
}

/* One fragment (§6): fragment format (index, type) then a slice of the APDU, C = E3. */
static size_t fragment(unsigned index, unsigned type, const uint8_t *part, size_t n, uint8_t *out)
{
    uint8_t apdu[64];
    uint16_t ff = (uint16_t)(index | type << 14);
    apdu[0] = (uint8_t)ff;
    apdu[1] = (uint8_t)(ff >> 8);
    memcpy(apdu + 2, part, n);
    return frame(0xE3, sa, apdu, n + 2, out);
}

static void expect_fragment_confirm(struct fx *x, int fd, unsigned index)
{
    uint8_t got[64];
    long r = fx_recv_frame(x, fd, dlt698_frame_scan, got, sizeof got, 2000);
    assert_true(r > 0);
    struct dlt698_frame d;
    assert_int_equal(dlt698_frame_parse(got, (size_t)r, &d), 0);
    assert_int_equal(d.c, 0x63); /* client, fragment, user data */
    assert_int_equal(d.frag_type, 2);
    assert_int_equal(d.frag_index, index);
    assert_int_equal(d.apdu_len, 0);
}

static void test_fragmented_reply_reassembled(void **state)
{
    (void)state;
    struct fx x;
    start(&x, FEP_PROTO_AUTO);
    int fd = login(&x);
    uint8_t req[128], got[128], f[128];
    size_t n = get_request(1, 0x00100200, req);
    struct fx_done d = {0};
    struct fep_request r = {FEP_PRIO_DEMAND, req, n, 0, 0, fx_done_cb, &d};
    assert_true(fep_request_submit(x.fep, ADDR, &r) > 0);
    assert_int_equal(fx_recv_frame(&x, fd, dlt698_frame_scan, got, sizeof got, 2000), (long)n);
    struct dlt698_frame q;
    dlt698_frame_parse(got, n, &q);
    /* GET-Response: forward active energy, array of 5 double-long-unsigned. */
    uint8_t resp[] = {0x85, 0x01, q.apdu[2], 0x00, 0x10, 0x02, 0x00, 0x01, 0x01, 0x05,
                      0x06, 0x00, 0x00, 0x10, 0x00, 0x06, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00,
                      0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x03, 0x00, 0x06, 0x00, 0x00, 0x04,
                      0x00, 0x00, 0x00};
    fx_send(fd, f, fragment(0, 0, resp, 12, f));
    expect_fragment_confirm(&x, fd, 0);
    fx_send(fd, f, fragment(1, 3, resp + 12, 12, f));
    expect_fragment_confirm(&x, fd, 1);
    assert_int_equal(d.calls, 0);
    fx_send(fd, f, fragment(2, 1, resp + 24, sizeof resp - 24, f));
    expect_fragment_confirm(&x, fd, 2);
    fx_run(&x, 20);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.status, FEP_DONE);
    uint8_t whole[128];
    size_t wn = frame(0xC3, sa, resp, sizeof resp, whole);
    assert_int_equal(d.n_frames, 1);
    assert_int_equal(d.len, wn);
    assert_memory_equal(d.bytes, whole, wn); /* as if never fragmented */
    /* A fragment out of order fails the request. */
    struct fx_done d2 = {0};
    r.ctx = &d2;
    assert_true(fep_request_submit(x.fep, ADDR, &r) > 0);
    assert_int_equal(fx_recv_frame(&x, fd, dlt698_frame_scan, got, sizeof got, 2000), (long)n);
    dlt698_frame_parse(got, n, &q);
    resp[2] = q.apdu[2];
    fx_send(fd, f, fragment(7, 0, resp, 12, f));
    expect_fragment_confirm(&x, fd, 7);
    fx_send(fd, f, fragment(9, 1, resp + 12, sizeof resp - 12, f));
    fx_run(&x, 30);
    assert_int_equal(d2.calls, 1);
    assert_int_equal(d2.status, FEP_DECODE);
    close(fd);
    fx_stop(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_login_and_heartbeat_answered),
        cmocka_unit_test(test_unknown_698_terminal_refused),
        cmocka_unit_test(test_get_matched_by_piid),
        cmocka_unit_test(test_report_answered_with_its_oads_once_stored),
        cmocka_unit_test(test_fragmented_reply_reassembled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
