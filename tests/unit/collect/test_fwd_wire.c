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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_exact),
        cmocka_unit_test(result_round_trip),
        cmocka_unit_test(taken_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
