/*
 * A 1376.1 total-add group's power (AFN0C F17, Q/GDW 1376.1 5.12 and
 * appendix A.2): the request byte for byte, and replies laid out by hand
 * (68 L L 68, C 88, A 72 01 01 00 02, AFN 0C, SEQ 60, DA DT of pn / F17,
 * A.2: low two BCD digits, then G3G2G1 S and the hundreds digit, value
 * x 10^(4-G) kW; CS 16) parsed into watts, EE and malformed ones refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control_int.h"
#include "meterhub/base/err.h"

#define ADDR "01720001" /* A1 0172, A2 0001 */

/* AFN0C, p1 F17 (DA 01 01, DT 01 02) */
static const uint8_t request[] = {0x68, 0x32, 0x00, 0x32, 0x00, 0x68, 0x4B, 0x72, 0x01, 0x01,
                                  0x00, 0x02, 0x0C, 0x60, 0x01, 0x01, 0x01, 0x02, 0x32, 0x16};
/* p1: 12 83 = G 4, +312 -> 312 kW */
static const uint8_t kw312[] = {0x68, 0x3A, 0x00, 0x3A, 0x00, 0x68, 0x88, 0x72, 0x01, 0x01, 0x00,
                                0x02, 0x0C, 0x60, 0x01, 0x01, 0x01, 0x02, 0x12, 0x83, 0x04, 0x16};
/* p1: 25 F1 = G 7, -125 -> -0.125 kW; p2: 23 01 = G 0, 123 x 10^4 kW */
static const uint8_t two[] = {0x68, 0x52, 0x00, 0x52, 0x00, 0x68, 0x88, 0x72, 0x01, 0x01,
                              0x00, 0x02, 0x0C, 0x60, 0x01, 0x01, 0x01, 0x02, 0x25, 0xF1,
                              0x02, 0x01, 0x01, 0x02, 0x23, 0x01, 0xAF, 0x16};
/* p1: EE EE, no value */
static const uint8_t none[] = {0x68, 0x3A, 0x00, 0x3A, 0x00, 0x68, 0x88, 0x72, 0x01, 0x01, 0x00,
                               0x02, 0x0C, 0x60, 0x01, 0x01, 0x01, 0x02, 0xEE, 0xEE, 0x4B, 0x16};
/* F25 (DT 01 03) where F17 was asked */
static const uint8_t other_fn[] = {0x68, 0x3A, 0x00, 0x3A, 0x00, 0x68, 0x88, 0x72,
                                   0x01, 0x01, 0x00, 0x02, 0x0C, 0x60, 0x01, 0x01,
                                   0x01, 0x03, 0x12, 0x83, 0x05, 0x16};
/* F17 with one byte of its two */
static const uint8_t cut[] = {0x68, 0x36, 0x00, 0x36, 0x00, 0x68, 0x88, 0x72, 0x01, 0x01, 0x00,
                              0x02, 0x0C, 0x60, 0x01, 0x01, 0x01, 0x02, 0x12, 0x81, 0x16};
/* AFN00 F2: denied */
static const uint8_t denied[] = {0x68, 0x32, 0x00, 0x32, 0x00, 0x68, 0x88, 0x72, 0x01, 0x01,
                                 0x00, 0x02, 0x00, 0x60, 0x00, 0x00, 0x02, 0x00, 0x60, 0x16};

static void test_request_is_afn0c_f17_of_the_group(void **state)
{
    (void)state;
    uint8_t out[64];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(control_group_power_request(&w, ADDR, 1), 0);
    assert_int_equal(mh_wr_len(&w), sizeof request);
    assert_memory_equal(out, request, sizeof request);
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(control_group_power_request(&w, "0172001", 1), MH_EBADADDR);
    assert_int_equal(control_group_power_request(&w, "0172000G", 1), MH_EBADADDR);
}

static void test_reply_gives_the_group_in_watts(void **state)
{
    (void)state;
    int64_t w = 0;
    assert_int_equal(control_group_power_parse(kw312, sizeof kw312, 1, &w), 0);
    assert_int_equal(w, 312000);
    assert_int_equal(control_group_power_parse(two, sizeof two, 1, &w), 0);
    assert_int_equal(w, -125);
    /* beyond anything F25's A.9 (79.9999 kW) carries */
    assert_int_equal(control_group_power_parse(two, sizeof two, 2, &w), 0);
    assert_int_equal(w, INT64_C(1230000000));
}

static void test_reply_without_the_value_is_refused(void **state)
{
    (void)state;
    int64_t w = 77;
    assert_int_equal(control_group_power_parse(none, sizeof none, 1, &w), MH_ENOENT);
    assert_int_equal(control_group_power_parse(kw312, sizeof kw312, 2, &w), MH_ENOENT);
    assert_int_equal(control_group_power_parse(other_fn, sizeof other_fn, 1, &w), MH_EUNKNOWN);
    assert_int_equal(control_group_power_parse(denied, sizeof denied, 1, &w), MH_EPROTO);
    assert_true(control_group_power_parse(cut, sizeof cut, 1, &w) < 0);
    assert_true(control_group_power_parse(kw312, sizeof kw312 - 1, 1, &w) < 0);
    uint8_t bad[sizeof kw312];
    memcpy(bad, kw312, sizeof bad);
    bad[sizeof bad - 2] ^= 1; /* checksum */
    assert_true(control_group_power_parse(bad, sizeof bad, 1, &w) < 0);
    assert_int_equal(w, 77);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_is_afn0c_f17_of_the_group),
        cmocka_unit_test(test_reply_gives_the_group_in_watts),
        cmocka_unit_test(test_reply_without_the_value_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
