/*
 * A DL/T 698.45 terminal's clock: the GET and SET requests of 4000 0200 are
 * byte-exact, the clock comes out of a GET-Response-Normal to the second,
 * and a DAR, another object, another service or a cut reply are told apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698.h"

static const struct mh_tm at = {2026, 11, 24, 10, 30, 5, 0, 0, MH_TM_FULL};

/* The APDU of the frame in buf[0..n). */
static void apdu_of(const uint8_t *buf, size_t n, const uint8_t **apdu, size_t *len)
{
    struct dlt698_frame f;
    assert_int_equal(dlt698_frame_parse(buf, n, &f), 0);
    assert_memory_equal(f.sa, ((const uint8_t[]){0x77, 0x01, 0x00, 0x00, 0x00, 0x20}), 6);
    *apdu = f.apdu;
    *len = f.apdu_len;
}

static void test_read_and_set_bytes(void **state)
{
    (void)state;
    uint8_t buf[128], sa[6];
    struct mh_wr w;
    const uint8_t *apdu;
    size_t len;
    assert_int_equal(ctask_dlt698_addr("200000000177", sa), 0);
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt698_clock_read(&w, sa), 0);
    apdu_of(buf, mh_wr_len(&w), &apdu, &len);
    /* GET-Request-Normal, PIID 0, OAD 4000 0200, no time tag */
    static const uint8_t get[] = {0x05, 0x01, 0x00, 0x40, 0x00, 0x02, 0x00, 0x00};
    assert_int_equal(len, sizeof get);
    assert_memory_equal(apdu, get, sizeof get);

    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt698_clock_set(&w, sa, &at), 0);
    apdu_of(buf, mh_wr_len(&w), &apdu, &len);
    /* SET-Request-Normal, PIID 0, OAD 4000 0200, date_time_s 2026-11-24 10:30:05, no time tag */
    static const uint8_t set[] = {0x06, 0x01, 0x00, 0x40, 0x00, 0x02, 0x00, 0x1C,
                                  0x07, 0xEA, 0x0B, 0x18, 0x0A, 0x1E, 0x05, 0x00};
    assert_int_equal(len, sizeof set);
    assert_memory_equal(apdu, set, sizeof set);
}

static void test_clock_parse(void **state)
{
    (void)state;
    /* GET-Response-Normal: OAD 4000 0200, Data date_time_s, no follow report, no time tag */
    uint8_t ok[] = {0x85, 0x01, 0x00, 0x40, 0x00, 0x02, 0x00, 0x01, 0x1C, 0x07,
                    0xEA, 0x0B, 0x18, 0x0A, 0x1E, 0x05, 0x00, 0x00};
    struct mh_tm got;
    assert_int_equal(ctask_dlt698_clock_parse(ok, sizeof ok, &got), 0);
    assert_int_equal(got.year, 2026);
    assert_int_equal(got.mon, 11);
    assert_int_equal(got.day, 24);
    assert_int_equal(got.hour, 10);
    assert_int_equal(got.min, 30);
    assert_int_equal(got.sec, 5);
    for (size_t n = 0; n < sizeof ok; n++)
        assert_true(ctask_dlt698_clock_parse(ok, n, &got) < 0);

    uint8_t bad[sizeof ok];
    memcpy(bad, ok, sizeof ok);
    bad[13] = 0x1F; /* hour 31 */
    assert_int_equal(ctask_dlt698_clock_parse(bad, sizeof bad, &got), MH_EBADTIME);
    memcpy(bad, ok, sizeof ok);
    bad[4] = 0x01; /* 4001 0200: another object */
    assert_int_equal(ctask_dlt698_clock_parse(bad, sizeof bad, &got), MH_EPROTO);
    memcpy(bad, ok, sizeof ok);
    bad[8] = 0x06; /* a double-long-unsigned, not a date_time_s */
    assert_true(ctask_dlt698_clock_parse(bad, sizeof bad, &got) < 0);

    /* Get-Result DAR 6 (object undefined): no clock */
    const uint8_t dar[] = {0x85, 0x01, 0x00, 0x40, 0x00, 0x02, 0x00, 0x00, 0x06, 0x00, 0x00};
    assert_int_equal(ctask_dlt698_clock_parse(dar, sizeof dar, &got), MH_EBADTIME);
    /* A SET-Response is not a clock */
    const uint8_t setr[] = {0x86, 0x01, 0x00, 0x40, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(ctask_dlt698_clock_parse(setr, sizeof setr, &got), MH_EPROTO);
}

static void test_set_parse(void **state)
{
    (void)state;
    /* SET-Response-Normal: OAD 4000 0200, DAR 0 success */
    const uint8_t done[] = {0x86, 0x01, 0x00, 0x40, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(ctask_dlt698_clock_set_parse(done, sizeof done), 0);
    /* DAR 3: refused */
    const uint8_t refused[] = {0x86, 0x01, 0x00, 0x40, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00};
    assert_int_equal(ctask_dlt698_clock_set_parse(refused, sizeof refused), MH_EPERM);
    /* the answer to another object's set */
    const uint8_t other[] = {0x86, 0x01, 0x00, 0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(ctask_dlt698_clock_set_parse(other, sizeof other), MH_EPROTO);
    assert_true(ctask_dlt698_clock_set_parse(done, sizeof done - 3) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_and_set_bytes),
        cmocka_unit_test(test_clock_parse),
        cmocka_unit_test(test_set_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
