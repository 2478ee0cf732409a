/*
 * DL/T 698.45 daily frozen task: the GET-Request Record APDU is byte-exact
 * inside a frame the codec accepts, and a GET-Response Record's row comes
 * out as exact registers (0.01 kWh); a DAR is no data, a row of another
 * freeze time is stale, and cut replies are errors.
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
#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/item.h"
#include "task_seen.h"

static const struct mh_tm freeze = {2026, 11, 24, 0, 0, 0, 0, 0, MH_TM_FULL};

static void test_addr(void **state)
{
    (void)state;
    uint8_t sa[6];
    assert_int_equal(ctask_dlt698_addr("200000000177", sa), 0);
    static const uint8_t want[6] = {0x77, 0x01, 0x00, 0x00, 0x00, 0x20};
    assert_memory_equal(sa, want, 6);
    assert_int_equal(ctask_dlt698_addr("20000000017", sa), MH_EBADADDR);
    assert_int_equal(ctask_dlt698_addr("20000000017x", sa), MH_EBADADDR);
}

static void test_request_bytes(void **state)
{
    (void)state;
    uint8_t buf[128], sa[6];
    struct mh_wr w;
    ctask_dlt698_addr("200000000177", sa);
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt698_day_request(&w, sa, &freeze), 0);
    struct dlt698_frame f;
    assert_int_equal(dlt698_frame_parse(buf, mh_wr_len(&w), &f), 0);
    assert_int_equal(f.c, 0x43);
    assert_memory_equal(f.sa, sa, 6);
    /*
     * GET-Request (05) Record (03) PIID 00, OAD 5004 0200; RSD selector 1:
     * 2021 0200 = date_time_s 2026-11-24 00:00:00; RCSD: 2021 0200,
     * 0010 0200, 0020 0200; no TimeTag.
     */
    static const uint8_t apdu[] = {0x05, 0x03, 0x00, 0x50, 0x04, 0x02, 0x00, 0x01, 0x20, 0x21,
                                   0x02, 0x00, 0x1C, 0x07, 0xEA, 0x0B, 0x18, 0x00, 0x00, 0x00,
                                   0x03, 0x00, 0x20, 0x21, 0x02, 0x00, 0x00, 0x00, 0x10, 0x02,
                                   0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00};
    assert_int_equal(f.apdu_len, sizeof apdu);
    assert_memory_equal(f.apdu, apdu, sizeof apdu);
}

/* A GET-Response Record APDU with one row (or a DAR when rows is NULL). */
static size_t response(uint8_t *out, size_t cap, const uint8_t *rows, size_t len)
{
    static const uint8_t rcsd[] = {0x03, 0x00, 0x20, 0x21, 0x02, 0x00, 0x00, 0x00,
                                   0x10, 0x02, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00};
    struct dlt698_result_record rr = {.oad = 0x50040200, .rcsd = {rcsd, sizeof rcsd},
                                      .columns = 3, .dar = 6, .nrows = rows ? 1 : 0,
                                      .rows = {rows, len}};
    struct mh_wr w;
    mh_wr_init(&w, out, cap);
    assert_int_equal(dlt698_enc_get_response_record(&w, 0, &rr, NULL), 0);
    return mh_wr_len(&w);
}

static const uint8_t row[] = {
    0x1C, 0x07, 0xEA, 0x0B, 0x18, 0x00, 0x00, 0x00,             /* 2026-11-24 00:00:00 */
    0x01, 0x05, 0x06, 0x00, 0x01, 0xE2, 0x40, 0x06, 0x00, 0x00, /* 1234.56 kWh, ... */
    0x00, 0x01, 0x06, 0x00, 0x00, 0x00, 0x02, 0x06, 0x00, 0x00, 0x00, 0x03, 0x06, 0x00,
    0x00, 0x00, 0x04, 0x00,                                     /* export: NULL */
};

static void test_parse_row(void **state)
{
    (void)state;
    uint8_t apdu[128];
    size_t n = response(apdu, sizeof apdu, row, sizeof row);
    struct seen s = {0};
    assert_int_equal(ctask_dlt698_day_parse(apdu, n, 1, &freeze, on_value, &s), 1);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.item[0], MH_ITEM_AE_IMP);
    assert_int_equal(s.v[0].m, 123456);
    assert_int_equal(s.v[0].exp, -2);
    assert_int_equal(s.item[4], MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 4));
    assert_int_equal(s.v[4].m, 4);
    assert_int_equal(s.nodata, 1);
    for (size_t cut = 0; cut < n; cut++) {
        struct seen c = {0};
        assert_true(ctask_dlt698_day_parse(apdu, cut, 1, &freeze, on_value, &c) < 0);
    }
}

/*
 * A register column that is not an array of double-long-unsigned is a
 * protocol error, reported after the registers before the fault: a null
 * or a signed value in place of a tariff, a {value, time} structure, an
 * array that ends in a null.
 */
static void test_registers_must_be_an_array_of_unsigned(void **state)
{
    (void)state;
    static const struct {
        uint8_t cell[24];
        size_t len;
        size_t before; /* registers reported before the fault */
    } bad[] = {
        {{0x01, 0x03, 0x06, 0, 0, 0, 1, 0x00, 0x06, 0, 0, 0, 3}, 13, 1},
        {{0x01, 0x03, 0x06, 0, 0, 0, 1, 0x06, 0, 0, 0, 2, 0x05, 0, 0, 0, 3}, 17, 2},
        {{0x01, 0x02, 0x02, 0x02, 0x06, 0, 0, 0, 1, 0x1A, 0x07, 0xEA, 0x0B, 0x18, 0x02, 0x06, 0, 0, 0, 2}, 20, 0},
        {{0x01, 0x03, 0x06, 0, 0, 0, 1, 0x06, 0, 0, 0, 2, 0x00}, 13, 2},
        {{0x02, 0x01, 0x06, 0, 0, 0, 1}, 7, 0},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        uint8_t rows[64], apdu[128];
        memcpy(rows, row, 8); /* the freeze time */
        memcpy(rows + 8, bad[k].cell, bad[k].len);
        rows[8 + bad[k].len] = 0x00; /* export: NULL */
        size_t n = response(apdu, sizeof apdu, rows, 8 + bad[k].len + 1);
        struct seen s = {0};
        assert_int_equal(ctask_dlt698_day_parse(apdu, n, 1, &freeze, on_value, &s), MH_EPROTO);
        assert_int_equal(s.n, bad[k].before);
        for (int i = 0; i < s.n; i++) {
            assert_int_equal(s.item[i], MH_OBIS_TARIFF(MH_ITEM_AE_IMP, (uint32_t)i));
            assert_int_equal(s.v[i].m, (int64_t)i + 1);
            assert_int_equal(s.v[i].exp, -2);
        }
    }
}

static void test_parse_dar_and_stale(void **state)
{
    (void)state;
    uint8_t apdu[128];
    size_t n = response(apdu, sizeof apdu, NULL, 0);
    struct seen s = {0};
    assert_int_equal(ctask_dlt698_day_parse(apdu, n, 1, &freeze, on_value, &s), 0);
    assert_int_equal(s.nodata, 2);
    struct mh_tm other = freeze;
    other.day = 23;
    n = response(apdu, sizeof apdu, row, sizeof row);
    memset(&s, 0, sizeof s);
    assert_int_equal(ctask_dlt698_day_parse(apdu, n, 1, &other, on_value, &s), MH_ESTALE);
    assert_int_equal(s.n, 0);
}

/*
 * Meters behind a concentrator: GET-Request Record 5004 0200 with RSD
 * Selector5 (store time, MS set of TSA) and RCSD 202A 2021 0010 0020, byte
 * for byte, and accepted by the codec's own APDU decoder.
 */
static void test_meters_request(void **state)
{
    (void)state;
    uint8_t buf[160], sa[6];
    struct mh_wr w;
    static const uint64_t addr[2] = {100000000123ull, 12ull};
    ctask_dlt698_addr("200000000177", sa);
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt698_meters_request(&w, sa, &freeze, addr, 2), 0);
    struct dlt698_frame f;
    assert_int_equal(dlt698_frame_parse(buf, mh_wr_len(&w), &f), 0);
    static const uint8_t apdu[] = {
        0x05, 0x03, 0x00, 0x50, 0x04, 0x02, 0x00,             /* GET Record, PIID 0, 5004 0200 */
        0x05, 0x07, 0xEA, 0x0B, 0x18, 0x00, 0x00, 0x00,       /* Selector5: 2026-11-24 00:00:00 */
        0x03, 0x02,                                           /* MS: set of 2 TSA */
        0x07, 0x05, 0x10, 0x00, 0x00, 0x00, 0x01, 0x23,       /* 100000000123 */
        0x07, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12,       /* 000000000012 */
        0x04, 0x00, 0x20, 0x2A, 0x02, 0x00, 0x00, 0x20, 0x21, 0x02, 0x00, /* RCSD */
        0x00, 0x00, 0x10, 0x02, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00,
        0x00,                                                 /* no TimeTag */
    };
    assert_int_equal(f.apdu_len, sizeof apdu);
    assert_memory_equal(f.apdu, apdu, sizeof apdu);
    struct dlt698_apdu a;
    assert_int_equal(dlt698_apdu_decode(f.apdu, f.apdu_len, &a), 0);
    assert_int_equal(a.tag, 0x05);
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt698_meters_request(&w, sa, &freeze, addr, 0), MH_ERANGE);
    assert_int_equal(ctask_dlt698_meters_request(&w, sa, &freeze, addr, CJOB_BATCH + 1), MH_ERANGE);
}

/* The concentrator's answer: a row per meter, TSA first; rows of meters not asked are skipped. */
static size_t meters_response(uint8_t *out, size_t cap, const uint8_t *rows, size_t len, uint32_t n)
{
    static const uint8_t rcsd[] = {0x04, 0x00, 0x20, 0x2A, 0x02, 0x00, 0x00, 0x20, 0x21, 0x02, 0x00,
                                   0x00, 0x00, 0x10, 0x02, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00};
    struct dlt698_result_record rr = {.oad = 0x50040200, .rcsd = {rcsd, sizeof rcsd},
                                      .columns = 4, .dar = 6, .nrows = n, .rows = {rows, len}};
    struct mh_wr w;
    mh_wr_init(&w, out, cap);
    assert_int_equal(dlt698_enc_get_response_record(&w, 0, &rr, NULL), 0);
    return mh_wr_len(&w);
}

static void test_meters_parse(void **state)
{
    (void)state;
    static const uint8_t tsa_a[] = {0x55, 0x07, 0x05, 0x10, 0x00, 0x00, 0x00, 0x01, 0x23};
    static const uint8_t tsa_x[] = {0x55, 0x07, 0x05, 0x10, 0x00, 0x00, 0x00, 0x09, 0x99};
    uint8_t rows[128];
    size_t len = 0;
    memcpy(rows + len, tsa_x, sizeof tsa_x), len += sizeof tsa_x; /* a meter not asked */
    memcpy(rows + len, row, sizeof row), len += sizeof row;
    memcpy(rows + len, tsa_a, sizeof tsa_a), len += sizeof tsa_a;
    memcpy(rows + len, row, sizeof row), len += sizeof row;
    static const uint64_t addr[2] = {100000000123ull, 12ull};
    static const uint16_t pn[2] = {1, 2};
    uint8_t apdu[256];
    size_t n = meters_response(apdu, sizeof apdu, rows, len, 2);
    struct seen s = {0};
    assert_int_equal(ctask_dlt698_meters_parse(apdu, n, addr, pn, 2, &freeze, on_value, &s), 1);
    assert_int_equal(s.n, 5); /* pn 1 only: the on_value of the tests asserts it */
    assert_int_equal(s.v[0].m, 123456);
    assert_int_equal(s.nodata, 1);
    for (size_t cut = 0; cut < n; cut++) {
        struct seen c = {0};
        assert_true(ctask_dlt698_meters_parse(apdu, cut, addr, pn, 2, &freeze, on_value, &c) < 0);
    }
    struct mh_tm other = freeze;
    other.day = 23;
    memset(&s, 0, sizeof s);
    assert_int_equal(ctask_dlt698_meters_parse(apdu, n, addr, pn, 2, &other, on_value, &s),
                     MH_ESTALE);
    assert_int_equal(s.n + s.nodata, 0);
    n = meters_response(apdu, sizeof apdu, NULL, 0, 0); /* DAR */
    assert_int_equal(ctask_dlt698_meters_parse(apdu, n, addr, pn, 2, &freeze, on_value, &s), 0);
    /* A single-meter read's reply (three columns) is not this answer. */
    n = response(apdu, sizeof apdu, row, sizeof row);
    assert_int_equal(ctask_dlt698_meters_parse(apdu, n, addr, pn, 2, &freeze, on_value, &s),
                     MH_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr),
        cmocka_unit_test(test_request_bytes),
        cmocka_unit_test(test_parse_row),
        cmocka_unit_test(test_registers_must_be_an_array_of_unsigned),
        cmocka_unit_test(test_parse_dar_and_stale),
        cmocka_unit_test(test_meters_request),
        cmocka_unit_test(test_meters_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
