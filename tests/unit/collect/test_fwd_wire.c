/*
 * The messages of on-demand reads forwarded between front-end processes
 * (collect_fwd.h): byte-exact encodings, the round trip, and the decoder's
 * refusals (every truncation, a wrong version or type, counts out of
 * range, bytes left over).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "meterhub/base/err.h"
#include "meterhub/collect_fwd.h"

static struct collect_fwd_msg m, d;
static uint8_t buf[COLLECT_FWD_MSG_MAX];

static void read_exact(void **state)
{
    (void)state;
    memset(&m, 0, sizeof m);
    m.type = COLLECT_FWD_READ;
    m.from = 1;
    m.id = 0x01020304;
    m.deadline_ms = 0x1122334455667788ull;
    m.rq.meter = 42;
    m.rq.terminal = 7;
    m.rq.timeout_ms = 3000;
    m.rq.n_items = 2;
    m.rq.items[0] = 0x01000108;
    m.rq.items[1] = 0x01002007;
    static const uint8_t want[] = {
        2, 1, 0, 1, 1, 2, 3, 4, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* header */
        0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0x0b, 0xb8, 2,  /* read */
        0x01, 0x00, 0x01, 0x08, 0x01, 0x00, 0x20, 0x07};
    int n = collect_fwd_encode(&m, buf, sizeof buf);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), 0);
    assert_int_equal(d.type, COLLECT_FWD_READ);
    assert_int_equal(d.from, 1);
    assert_int_equal(d.id, 0x01020304);
    assert_true(d.deadline_ms == 0x1122334455667788ull);
    assert_int_equal(d.rq.meter, 42);
    assert_int_equal(d.rq.terminal, 7);
    assert_int_equal(d.rq.timeout_ms, 3000);
    assert_int_equal(d.rq.n_items, 2);
    assert_int_equal(d.rq.items[1], 0x01002007);
    /* Every truncation is refused as such; so is one byte more. */
    for (int k = 0; k < n; k++)
        assert_int_equal(collect_fwd_decode(buf, (size_t)k, &d), MH_ETRUNC);
    buf[n] = 0;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n + 1, &d), MH_EPROTO);
    /* No item, or more than a read may have. */
    buf[36] = 0;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);
    buf[36] = COLLECT_READ_ITEMS_MAX + 1;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);
    m.rq.n_items = 0;
    assert_int_equal(collect_fwd_encode(&m, buf, sizeof buf), MH_EINVAL);
}

static void result_round_trip(void **state)
{
    (void)state;
    memset(&m, 0, sizeof m);
    m.type = COLLECT_FWD_RESULT;
    m.from = 3;
    m.id = 9;
    m.res.status = MH_ETIMEDOUT;
    m.res.fep_status = 2;
    m.res.terminal = 5;
    m.res.t = 1767225600;
    m.res.received_ms = 1767225600123;
    m.res.device_ms = 3217;
    m.res.n = COLLECT_READ_VALUES_MAX;
    for (size_t i = 0; i < m.res.n; i++)
        m.res.v[i] = (struct collect_read_value){
            .meter = (int64_t)i + 1, .item = 0x01000108, .value = {.m = -(int64_t)i * 1001, .exp = -2}};
    int n = collect_fwd_encode(&m, buf, sizeof buf);
    assert_int_equal(n, COLLECT_FWD_HDR + 42 + COLLECT_READ_VALUES_MAX * 21);
    assert_true(n <= COLLECT_FWD_MSG_MAX);
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), 0);
    assert_int_equal(d.res.status, MH_ETIMEDOUT);
    assert_int_equal(d.res.fep_status, 2);
    assert_int_equal(d.res.received_ms, 1767225600123);
    assert_int_equal(d.res.device_ms, 3217);
    assert_int_equal(d.res.n, COLLECT_READ_VALUES_MAX);
    assert_memory_equal(&d.res.v[5].value, &m.res.v[5].value, sizeof d.res.v[5].value);
    assert_int_equal(d.res.v[127].meter, 128);
    assert_int_equal(d.res.v[127].value.m, -127 * 1001);
    assert_int_equal(d.res.v[127].value.exp, -2);
    /* Too small a buffer, too many values, a count beyond the maximum on the wire. */
    assert_int_equal(collect_fwd_encode(&m, buf, (size_t)n - 1), MH_ENOSPC);
    n = collect_fwd_encode(&m, buf, sizeof buf);
    buf[COLLECT_FWD_HDR + 36] = 0;
    buf[COLLECT_FWD_HDR + 37] = COLLECT_READ_VALUES_MAX + 1;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);
    m.res.n = COLLECT_READ_VALUES_MAX + 1;
    assert_int_equal(collect_fwd_encode(&m, buf, sizeof buf), MH_EINVAL);
}

static void taken_and_refusals(void **state)
{
    (void)state;
    memset(&m, 0, sizeof m);
    m.type = COLLECT_FWD_TAKEN;
    m.from = 2;
    m.id = 77;
    int n = collect_fwd_encode(&m, buf, sizeof buf);
    static const uint8_t want[] = {2, 2, 0, 2, 0, 0, 0, 77, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), 0);
    assert_int_equal(d.type, COLLECT_FWD_TAKEN);
    assert_int_equal(d.id, 77);
    buf[0] = 1; /* another version (1: a result without device_ms) */
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);
    buf[0] = 2;
    buf[1] = 9; /* no such type */
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);
    assert_int_equal(collect_fwd_decode(buf, 0, &d), MH_ETRUNC);
    m.type = 9;
    assert_int_equal(collect_fwd_encode(&m, buf, sizeof buf), MH_EINVAL);
}

/* A command's step forwarded to the owner's fep: every byte, and each refusal. */
static void fep_exact(void **state)
{
    (void)state;
    static const uint8_t frame[] = {0x68, 0x32, 0x00, 0x32, 0x00, 0x68, 0x16};
    memset(&m, 0, sizeof m);
    m.type = COLLECT_FWD_FEP;
    m.from = 0;
    m.id = 0x0a0b0c0d;
    m.deadline_ms = 5000;
    m.fep.prio = FEP_PRIO_CONTROL;
    m.fep.retries = 255;
    m.fep.timeout_ms = 0x00010203;
    memcpy(m.fep.addr, "1101ABCD", 9);
    m.fep.frame = frame;
    m.fep.len = sizeof frame;
    static const uint8_t want[] = {
        2, 4, 0, 0, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 0, 0, 0, 0x13, 0x88, /* header */
        0, 255, 0x00, 0x01, 0x02, 0x03,                                    /* prio, retries, timeout */
        8, '1', '1', '0', '1', 'A', 'B', 'C', 'D',                         /* address */
        0, 7, 0x68, 0x32, 0x00, 0x32, 0x00, 0x68, 0x16};                   /* frame */
    int n = collect_fwd_encode(&m, buf, sizeof buf);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), 0);
    assert_int_equal(d.type, COLLECT_FWD_FEP);
    assert_int_equal(d.id, 0x0a0b0c0d);
    assert_int_equal(d.fep.prio, FEP_PRIO_CONTROL);
    assert_int_equal(d.fep.retries, 255);
    assert_int_equal(d.fep.timeout_ms, 0x00010203);
    assert_string_equal(d.fep.addr, "1101ABCD");
    assert_int_equal(d.fep.len, sizeof frame);
    assert_ptr_equal(d.fep.frame, buf + 33); /* points into the message */
    assert_memory_equal(d.fep.frame, frame, sizeof frame);
    for (int k = 0; k < n; k++)
        assert_int_equal(collect_fwd_decode(buf, (size_t)k, &d), MH_ETRUNC);
    buf[n] = 0;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n + 1, &d), MH_EPROTO);
    /* A priority the fep has not, an address empty, too long or not printable, no frame. */
    buf[16] = FEP_PRIO_SCHEDULED + 1;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);
    buf[16] = 0;
    buf[22] = 0;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);
    static uint8_t longer[sizeof want + FEP_ADDR_MAX]; /* an address of FEP_ADDR_MAX bytes */
    memcpy(longer, want, 22);
    longer[22] = FEP_ADDR_MAX;
    memset(longer + 23, 'A', FEP_ADDR_MAX);
    memcpy(longer + 23 + FEP_ADDR_MAX, want + 31, sizeof want - 31);
    assert_int_equal(collect_fwd_decode(longer, 23 + FEP_ADDR_MAX + sizeof want - 31, &d), MH_EPROTO);
    longer[22] = FEP_ADDR_MAX - 1; /* the longest an address may be */
    memcpy(longer + 22 + FEP_ADDR_MAX, want + 31, sizeof want - 31);
    assert_int_equal(collect_fwd_decode(longer, 22 + FEP_ADDR_MAX + sizeof want - 31, &d), 0);
    assert_int_equal(strlen(d.fep.addr), FEP_ADDR_MAX - 1);
    buf[22] = 8;
    buf[25] = 0;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);
    buf[25] = '0';
    buf[31] = 0;
    buf[32] = 0;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);
    buf[31] = (COLLECT_FWD_FRAME_MAX + 1) >> 8;
    buf[32] = (COLLECT_FWD_FRAME_MAX + 1) & 0xff;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);
    /* The encoder refuses what the decoder would. */
    m.fep.len = 0;
    assert_int_equal(collect_fwd_encode(&m, buf, sizeof buf), MH_EINVAL);
    m.fep.len = COLLECT_FWD_FRAME_MAX + 1;
    assert_int_equal(collect_fwd_encode(&m, buf, sizeof buf), MH_EINVAL);
    m.fep.len = sizeof frame;
    m.fep.addr[0] = 0;
    assert_int_equal(collect_fwd_encode(&m, buf, sizeof buf), MH_EINVAL);
    memset(m.fep.addr, 'A', sizeof m.fep.addr); /* no NUL within FEP_ADDR_MAX */
    assert_int_equal(collect_fwd_encode(&m, buf, sizeof buf), MH_EINVAL);
}

/* The owner's fep's answer: frames and bytes exactly; a refusal carries its MH_E*. */
static void fep_result_exact(void **state)
{
    (void)state;
    static const uint8_t bytes[] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee};
    memset(&m, 0, sizeof m);
    m.type = COLLECT_FWD_FEP_RESULT;
    m.from = 1;
    m.id = 3;
    m.reply.status = FEP_DONE;
    m.reply.rtt_ms = 260;
    m.reply.n_frames = 2;
    m.reply.ends[0] = 2;
    m.reply.ends[1] = 5;
    m.reply.bytes = bytes;
    static const uint8_t want[] = {
        2, 5, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, /* header */
        0, 0, 0, 0, 0, 0, 0x01, 0x04, 2,               /* status, rtt, frames */
        0, 0, 0, 2, 0, 0, 0, 5,                        /* ends */
        0xaa, 0xbb, 0xcc, 0xdd, 0xee};
    int n = collect_fwd_encode(&m, buf, sizeof buf);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), 0);
    assert_int_equal(d.reply.status, FEP_DONE);
    assert_int_equal(d.reply.rtt_ms, 260);
    assert_int_equal(d.reply.n_frames, 2);
    assert_int_equal(d.reply.ends[1], 5);
    assert_ptr_equal(d.reply.bytes, buf + 33);
    for (int k = 0; k < n; k++)
        assert_int_equal(collect_fwd_decode(buf, (size_t)k, &d), MH_ETRUNC);
    buf[n] = 0;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n + 1, &d), MH_EPROTO);
    /* Ends not rising, an empty frame, frames with a status other than done, too many. */
    buf[28] = 6;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);
    buf[28] = 2;
    buf[32] = 2;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);
    buf[32] = 5;
    buf[19] = FEP_TIMEOUT;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);
    buf[19] = FEP_CANCELLED + 1;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);
    buf[19] = 0;
    buf[24] = COLLECT_FWD_REPLY_FRAMES_MAX + 1;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), MH_EPROTO);

    /* Refused by the owner's fep: the terminal is not online there. */
    memset(&m.reply, 0, sizeof m.reply);
    m.reply.status = MH_ENOENT;
    n = collect_fwd_encode(&m, buf, sizeof buf);
    assert_int_equal(n, COLLECT_FWD_HDR + 9);
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), 0);
    assert_int_equal(d.reply.status, MH_ENOENT);
    assert_int_equal(d.reply.n_frames, 0);
    m.reply.n_frames = 1; /* frames with a refusal */
    m.reply.ends[0] = 1;
    m.reply.bytes = bytes;
    assert_int_equal(collect_fwd_encode(&m, buf, sizeof buf), MH_EINVAL);

    /* The largest reply fits the largest message, exactly. */
    static uint8_t big[COLLECT_FWD_REPLY_MAX];
    m.reply.status = FEP_DONE;
    m.reply.n_frames = COLLECT_FWD_REPLY_FRAMES_MAX;
    for (unsigned i = 0; i < COLLECT_FWD_REPLY_FRAMES_MAX; i++)
        m.reply.ends[i] = (i + 1) * (COLLECT_FWD_REPLY_MAX / COLLECT_FWD_REPLY_FRAMES_MAX);
    m.reply.bytes = big;
    n = collect_fwd_encode(&m, buf, sizeof buf);
    assert_int_equal(n, COLLECT_FWD_MSG_MAX);
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), 0);
    m.reply.ends[COLLECT_FWD_REPLY_FRAMES_MAX - 1] = COLLECT_FWD_REPLY_MAX + 1;
    assert_int_equal(collect_fwd_encode(&m, buf, sizeof buf), MH_EINVAL);
}

static void cancel_and_hello(void **state)
{
    (void)state;
    memset(&m, 0, sizeof m);
    m.type = COLLECT_FWD_CANCEL;
    m.from = 0;
    m.id = 258;
    int n = collect_fwd_encode(&m, buf, sizeof buf);
    static const uint8_t cancel[] = {2, 6, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(n, sizeof cancel);
    assert_memory_equal(buf, cancel, sizeof cancel);
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), 0);
    assert_int_equal(d.type, COLLECT_FWD_CANCEL);
    assert_int_equal(d.id, 258);
    m.type = COLLECT_FWD_HELLO;
    m.from = 5;
    m.id = 0;
    n = collect_fwd_encode(&m, buf, sizeof buf);
    static const uint8_t hello[] = {2, 7, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(n, sizeof hello);
    assert_memory_equal(buf, hello, sizeof hello);
    assert_int_equal(collect_fwd_decode(buf, (size_t)n, &d), 0);
    assert_int_equal(d.type, COLLECT_FWD_HELLO);
    assert_int_equal(d.from, 5);
    buf[n] = 1;
    assert_int_equal(collect_fwd_decode(buf, (size_t)n + 1, &d), MH_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_exact),
        cmocka_unit_test(result_round_trip),
        cmocka_unit_test(taken_and_refusals),
        cmocka_unit_test(fep_exact),
        cmocka_unit_test(fep_result_exact),
        cmocka_unit_test(cancel_and_hello),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
