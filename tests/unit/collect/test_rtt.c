/*
 * Request timeouts from the channel (rtt.c): the channel kind read from the
 * group name and terminal kind, each kind's initial timeout, the RFC 6298
 * estimator's figures sample by sample, its floor and ceiling, back-off on
 * a timeout, and on a cell whose round trips spread over 0.5-4 s a timeout
 * that almost no reply outlives while still well under a fixed 20 s.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "collect_int.h"
#include "meterhub/archive.h"

static void test_channel_kind_from_group_and_terminal(void **state)
{
    (void)state;
    assert_int_equal(crtt_channel("230M-0007", ARCHIVE_KIND_SPECIAL_TRANSFORMER), CRTT_RADIO);
    assert_int_equal(crtt_channel("radio-north", ARCHIVE_KIND_CONCENTRATOR), CRTT_RADIO);
    assert_int_equal(crtt_channel("fiber-3", ARCHIVE_KIND_CONCENTRATOR), CRTT_FIBER);
    assert_int_equal(crtt_channel("EPON2", ARCHIVE_KIND_TRANSFORMER_MONITOR), CRTT_FIBER);
    assert_int_equal(crtt_channel("gprs-cell-12", ARCHIVE_KIND_CONCENTRATOR), CRTT_CELLULAR);
    /* A name that says nothing: a public cellular network, the common case. */
    assert_int_equal(crtt_channel("G00001", ARCHIVE_KIND_CONCENTRATOR), CRTT_CELLULAR);
    assert_int_equal(crtt_channel("", ARCHIVE_KIND_CONCENTRATOR), CRTT_CELLULAR);
    /* A DTU without a telling group name: its serial leg counts. */
    assert_int_equal(crtt_channel("G00001", ARCHIVE_KIND_DTU), CRTT_DTU);
    assert_int_equal(crtt_channel("fib-1", ARCHIVE_KIND_DTU), CRTT_FIBER);
    assert_string_equal(crtt_channel_name(CRTT_RADIO), "radio");
    assert_string_equal(crtt_channel_name(99), "?");
}

static void test_initial_timeout_per_kind(void **state)
{
    (void)state;
    struct crtt e;
    static const uint32_t want[CRTT_N] = {[CRTT_CELLULAR] = 10000, [CRTT_FIBER] = 3000,
                                          [CRTT_RADIO] = 20000, [CRTT_DTU] = 10000};
    for (unsigned k = 0; k < CRTT_N; k++) {
        crtt_init(&e, k);
        assert_int_equal(e.rto_ms, want[k]);
        assert_int_equal(e.samples, 0);
    }
    crtt_init(&e, 200); /* out of range: cellular */
    assert_int_equal(e.chan, CRTT_CELLULAR);
}

static void test_estimator_follows_rfc6298(void **state)
{
    (void)state;
    struct crtt e;
    crtt_init(&e, CRTT_FIBER);
    crtt_sample(&e, 0); /* not measured */
    assert_int_equal(e.samples, 0);
    assert_int_equal(e.rto_ms, 3000);
    crtt_sample(&e, 2000); /* first: SRTT = R, RTTVAR = R/2 */
    assert_int_equal(e.srtt_ms, 2000);
    assert_int_equal(e.rttvar_ms, 1000);
    assert_int_equal(e.rto_ms, 6000);
    for (int i = 0; i < 40; i++)
        crtt_sample(&e, 2000); /* steady: the deviation decays to 0, G is the margin */
    assert_int_equal(e.srtt_ms, 2000);
    assert_int_equal(e.rttvar_ms, 0);
    assert_int_equal(e.rto_ms, 2000 + CRTT_GRANULARITY_MS);
    crtt_sample(&e, 10000); /* RTTVAR = 3/4 * 0 + 1/4 * 8000, SRTT = 7/8 * 2000 + 1/8 * 10000 */
    assert_int_equal(e.rttvar_ms, 2000);
    assert_int_equal(e.srtt_ms, 3000);
    assert_int_equal(e.rto_ms, 11000);
}

static void test_floor_ceiling_and_backoff(void **state)
{
    (void)state;
    struct crtt e;
    crtt_init(&e, CRTT_CELLULAR);
    for (int i = 0; i < 50; i++)
        crtt_sample(&e, 40); /* a fast reply does not make a cellular timeout shorter than 3 s */
    assert_int_equal(e.rto_ms, 3000);
    crtt_init(&e, CRTT_FIBER);
    for (int i = 0; i < 10; i++)
        crtt_sample(&e, 600000); /* nor a terribly slow one longer than the ceiling */
    assert_int_equal(e.rto_ms, 20000);
    crtt_sample(&e, UINT32_MAX); /* no overflow on absurd input */
    assert_int_equal(e.rto_ms, 20000);
    crtt_init(&e, CRTT_RADIO);
    crtt_backoff(&e);
    assert_int_equal(e.rto_ms, 40000);
    crtt_backoff(&e);
    crtt_backoff(&e);
    assert_int_equal(e.rto_ms, 120000);
    crtt_backoff(&e);
    assert_int_equal(e.rto_ms, 120000);
    crtt_sample(&e, 9000); /* a measured reply ends the back-off */
    assert_int_equal(e.rto_ms, 9000 + 4 * 4500);
}

/* A cell of the city scenario: round trips spread evenly over 0.5-4 s. */
static void test_spread_cell_timeout_outlives_its_replies(void **state)
{
    (void)state;
    struct crtt e;
    crtt_init(&e, CRTT_CELLULAR);
    uint32_t x = 12345, late = 0, n = 2000;
    for (uint32_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t rtt = 500 + (x >> 8) % 3501;
        late += rtt > e.rto_ms;
        crtt_sample(&e, rtt);
    }
    /* Above the slowest reply the channel gives, and far below the old fixed 20 s. */
    assert_true(late < n / 100);
    assert_in_range(e.rto_ms, 4000, 9000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_channel_kind_from_group_and_terminal),
        cmocka_unit_test(test_initial_timeout_per_kind),
        cmocka_unit_test(test_estimator_follows_rfc6298),
        cmocka_unit_test(test_floor_ceiling_and_backoff),
        cmocka_unit_test(test_spread_cell_timeout_outlives_its_replies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
