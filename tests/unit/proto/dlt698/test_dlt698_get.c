/*
 * DL/T 698.45 GET-Request / GET-Response: every choice both ways, byte for
 * byte, against captures where public ones exist; DAR results for every
 * code; FollowReport and TimeTag; rejections.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "apdu_check.h"
#include "vectors.h"

static struct mh_wr w;
static uint8_t out[AC_MAX], buf[AC_MAX];

static void reset(void)
{
    mh_wr_init(&w, out, sizeof out);
}

static void test_request_normal_and_list(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    union dlt698_item it[4];
    ac_decode("05 01 01 40 01 02 00 00", buf, &a); /* standard appendix D */
    assert_int_equal(a.choice, 1);
    assert_int_equal(a.piid, 1);
    assert_int_equal(ac_items(&a.items, it, 4), 1);
    assert_int_equal(it[0].oad, 0x40010200);
    assert_false(a.has_tt);
    reset();
    ac_expect(dlt698_enc_get_normal(&w, 1, it[0].oad, NULL), &w, "05 01 01 40 01 02 00 00");

    const char *list = "05 02 05 02 00 10 02 00 00 20 02 00 00";
    ac_decode(list, buf, &a);
    assert_int_equal(a.items.kind, DLT698_ITEM_OAD);
    assert_int_equal(ac_items(&a.items, it, 4), 2);
    assert_int_equal(it[1].oad, 0x00200200);
    const uint32_t oads[2] = {it[0].oad, it[1].oad};
    reset();
    ac_expect(dlt698_enc_get_normal_list(&w, 5, oads, 2, NULL), &w, list);
    /* the older builders agree */
    reset();
    ac_expect(dlt698_enc_get_list(&w, 5, oads, 2), &w, list);
}

static void test_request_with_time_tag(void **state)
{
    (void)state;
    const char *hex = "05 01 01 40 01 02 00 01 07 EA 0B 18 0A 00 00 01 00 05";
    struct dlt698_timetag tt = {
        .send = {.year = 2026, .mon = 11, .day = 24, .hour = 10, .has = MH_TM_FULL},
        .unit = 1,
        .value = 5};
    struct dlt698_tail tail = {.tt = &tt};
    reset();
    ac_expect(dlt698_enc_get_normal(&w, 1, 0x40010200, &tail), &w, hex);
    struct dlt698_apdu a;
    ac_decode(hex, buf, &a);
    assert_true(a.has_tt);
    assert_int_equal(a.tt.send.year, 2026);
    assert_int_equal(a.tt.send.hour, 10);
    assert_int_equal(a.tt.unit, 1);
    assert_int_equal(a.tt.value, 5);
    /* a client APDU has no FollowReport */
    struct dlt698_bytes follow = {(const uint8_t *)"\x01\x00", 2};
    tail.follow = &follow;
    reset();
    assert_int_equal(dlt698_enc_get_normal(&w, 1, 0x40010200, &tail), MH_EINVAL);
    /* TI unit beyond year */
    ac_reject("05 01 01 40 01 02 00 01 07 EA 0B 18 0A 00 00 06 00 05", MH_EPROTO);
}

static void test_request_record_selectors(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    union dlt698_item it[4];
    /* daily freeze at 2026-10-05: selector 1 on 20210200, one column */
    const char *day =
        "05 03 00 50 04 02 00 01 20 21 02 00 1C 07 EA 0A 05 00 00 00 01 00 00 10 02 01 00";
    ac_decode(day, buf, &a);
    assert_int_equal(ac_items(&a.items, it, 4), 1);
    assert_int_equal(it[0].gr.oad, 0x50040200);
    ac_view(&it[0].gr.rsd, "01 20 21 02 00 1C 07 EA 0A 05 00 00 00");
    ac_view(&it[0].gr.rcsd, "01 00 00 10 02 01");
    reset();
    ac_expect(dlt698_enc_get_record(&w, 0, &it[0].gr, NULL), &w, day);
    /* selector 2 (range, NULL interval), RCSD empty = all columns */
    const char *range =
        "05 03 00 31 00 02 00 02 20 22 02 00 06 00 00 00 01 06 00 00 00 02 00 00 00";
    ac_decode(range, buf, &a);
    ac_items(&a.items, it, 4);
    ac_view(&it[0].gr.rcsd, "00");
    reset();
    ac_expect(dlt698_enc_get_record(&w, 0, &it[0].gr, NULL), &w, range);
    /* RecordList: selector 9 (last 1st record) and selector 1 */
    const char *lst =
        "05 04 02 02 50 04 02 00 09 01 01 00 00 10 02 00"
        " 50 06 02 00 01 20 21 02 00 1C 07 EA 0A 01 00 00 00 02 00 20 21 02 00 00 00 10 02 00 00";
    ac_decode(lst, buf, &a);
    assert_int_equal(a.items.kind, DLT698_ITEM_GET_RECORD);
    assert_int_equal(ac_items(&a.items, it, 4), 2);
    assert_int_equal(it[1].gr.oad, 0x50060200);
    const struct dlt698_get_record recs[2] = {it[0].gr, it[1].gr};
    reset();
    ac_expect(dlt698_enc_get_record_list(&w, 2, recs, 2, NULL), &w, lst);
    ac_reject("05 03 00 50 04 02 00 0B 00 00", MH_EPROTO); /* no selector 11 */
}

static void test_response_normal_data_and_dar(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    union dlt698_item it[4];
    const char *energy = "85 01 00 00 10 02 01 01 06 00 01 E2 40 00 00";
    ac_decode(energy, buf, &a);
    assert_int_equal(ac_items(&a.items, it, 4), 1);
    assert_int_equal(it[0].rn.oad, 0x00100201);
    ac_view(&it[0].rn.data, "06 00 01 E2 40");
    assert_false(a.has_follow);
    reset();
    ac_expect(dlt698_enc_get_response_normal(&w, 0, &it[0].rn, NULL), &w, energy);
    /* a whole array */
    ac_decode("85 01 00 20 00 02 00 01 01 03 12 09 6D 12 09 6E 12 09 6F 00 00", buf, &a);
    ac_items(&a.items, it, 4);
    ac_view(&it[0].rn.data, "01 03 12 09 6D 12 09 6E 12 09 6F");
    /* every DAR code, named, through the wire and back */
    for (unsigned d = 0; d < 256; d++) {
        if (d > 35 && d != 255)
            continue;
        assert_string_not_equal(dlt698_dar_name((uint8_t)d), "unknown");
        struct dlt698_result_normal rn = {.oad = 0x40010200, .dar = (uint8_t)d};
        reset();
        assert_int_equal(dlt698_enc_get_response_normal(&w, 0x41, &rn, NULL), 0);
        assert_int_equal(mh_wr_len(&w), 11);
        assert_int_equal(out[7], 0); /* Get-Result choice 0: DAR */
        assert_int_equal(dlt698_apdu_decode(out, mh_wr_len(&w), &a), 0);
        assert_int_equal(a.piid, 0x41);
        ac_items(&a.items, it, 4);
        assert_null(it[0].rn.data.p);
        assert_int_equal(it[0].rn.dar, d);
    }
    assert_string_equal(dlt698_dar_name(36), "unknown");
    ac_reject("85 01 00 40 01 02 00 02 06 00 00", MH_EPROTO); /* Get-Result choice 2 */
}

static void test_response_list_mixes_data_and_dar(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    union dlt698_item it[4];
    const char *hex =
        "85 02 00 03 20 00 02 00 01 01 03 12 09 6D 12 09 6E 12 09 6F 20 14 02 00 00 04"
        " 20 0F 02 00 01 12 13 88 00 00";
    ac_decode(hex, buf, &a);
    assert_int_equal(ac_items(&a.items, it, 4), 3);
    assert_non_null(it[0].rn.data.p);
    assert_null(it[1].rn.data.p);
    assert_int_equal(it[1].rn.dar, 4);
    ac_view(&it[2].rn.data, "12 13 88");
    const struct dlt698_result_normal res[3] = {it[0].rn, it[1].rn, it[2].rn};
    reset();
    ac_expect(dlt698_enc_get_response_list(&w, 0, res, 3, NULL), &w, hex);
    ac_reject("85 02 00 7F 20 00 02 00 00 04 00 00", MH_EBADLEN); /* 127 results claimed */
}

static const char rec_rows[] = "85 03 05 50 04 02 00 02 00 20 21 02 00 00 00 10 02 01 01 02"
                               " 1C 07 EA 0A 05 00 00 00 06 00 00 30 39"
                               " 1C 07 EA 0A 06 00 00 00 06 00 00 30 3A 00 00";

static void test_response_record_rows(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    union dlt698_item it[4];
    ac_decode(rec_rows, buf, &a);
    assert_int_equal(ac_items(&a.items, it, 4), 1);
    const struct dlt698_result_record *rr = &it[0].rr;
    assert_int_equal(rr->oad, 0x50040200);
    assert_int_equal(rr->columns, 2);
    assert_int_equal(rr->nrows, 2);
    ac_view(&rr->rcsd, "02 00 20 21 02 00 00 00 10 02 01");
    /* cells, row by row */
    struct mh_rd r;
    struct dlt698_bytes cell;
    mh_rd_init(&r, rr->rows.p, rr->rows.len);
    int cells = 0;
    while (dlt698_data_view(&r, &cell) == 1)
        cells++;
    assert_int_equal(cells, 4);
    ac_view(&cell, "06 00 00 30 3A");
    reset();
    ac_expect(dlt698_enc_get_response_record(&w, 5, rr, NULL), &w, rec_rows);
    /* zero rows (public capture) and a DAR */
    ac_decode("85 03 00 50 04 02 00 01 00 00 10 02 01 01 00 00 00", buf, &a);
    ac_items(&a.items, it, 4);
    assert_int_equal(it[0].rr.nrows, 0);
    assert_non_null(it[0].rr.rows.p);
    const char *dar = "85 03 00 50 04 02 00 01 00 00 10 02 01 00 09 00 00";
    ac_decode(dar, buf, &a);
    ac_items(&a.items, it, 4);
    assert_null(it[0].rr.rows.p);
    assert_int_equal(it[0].rr.dar, 9);
    reset();
    ac_expect(dlt698_enc_get_response_record(&w, 0, &it[0].rr, NULL), &w, dar);
    /* rows cannot come without columns; a row cut short */
    ac_reject("85 03 00 50 04 02 00 00 01 01 06 00 00 00 01 00 00", MH_EPROTO);
    ac_reject("85 03 00 50 04 02 00 01 00 00 10 02 01 01 05 00 00", MH_EBADLEN);
    ac_reject("85 03 00 50 04 02 00 01 00 00 10 02 01 01 01 00 00", MH_ETRUNC);
}

static void test_response_record_list(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    union dlt698_item it[4];
    const char *hex = "85 04 05 02 50 04 02 00 01 00 00 10 02 01 01 01 06 00 00 30 39"
                      " 50 06 02 00 01 00 00 10 02 01 00 06 00 00";
    ac_decode(hex, buf, &a);
    assert_int_equal(a.items.kind, DLT698_ITEM_RESULT_RECORD);
    assert_int_equal(ac_items(&a.items, it, 4), 2);
    assert_int_equal(it[0].rr.nrows, 1);
    assert_int_equal(it[1].rr.dar, 6);
    const struct dlt698_result_record recs[2] = {it[0].rr, it[1].rr};
    reset();
    ac_expect(dlt698_enc_get_response_record_list(&w, 5, recs, 2, NULL), &w, hex);
}

static void test_next_blocks(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    union dlt698_item it[4];
    ac_decode("05 05 07 00 02 00", buf, &a);
    assert_int_equal(a.u.block, 2);
    reset();
    ac_expect(dlt698_enc_get_next(&w, 7, 2, NULL), &w, "05 05 07 00 02 00");
    /* block 3 of several, one normal result */
    const char *mid =
        "85 05 07 00 00 03 01 01 00 10 02 00 01 01 02 06 00 00 00 01 06 00 00 00 02 00 00";
    ac_decode(mid, buf, &a);
    assert_int_equal(a.u.next.last, 0);
    assert_int_equal(a.u.next.block, 3);
    assert_int_equal(a.items.kind, DLT698_ITEM_RESULT_NORMAL);
    assert_int_equal(ac_items(&a.items, it, 4), 1);
    reset();
    ac_expect(dlt698_enc_get_response_next(&w, 7, 0, 3, 0, &it[0].rn, NULL, 1, NULL), &w, mid);
    /* last block, records */
    const char *last =
        "85 05 07 01 00 04 02 01 50 04 02 00 01 00 00 10 02 01 01 01 06 00 00 30 39 00 00";
    ac_decode(last, buf, &a);
    assert_int_equal(a.u.next.last, 1);
    assert_int_equal(a.items.kind, DLT698_ITEM_RESULT_RECORD);
    ac_items(&a.items, it, 4);
    reset();
    ac_expect(dlt698_enc_get_response_next(&w, 7, 1, 4, 0, NULL, &it[0].rr, 1, NULL), &w, last);
    /* DAR 14 (invalid block number) */
    const char *dar = "85 05 07 01 00 05 00 0E 00 00";
    ac_decode(dar, buf, &a);
    assert_int_equal(a.dar, 14);
    assert_int_equal(a.items.n, 0);
    reset();
    ac_expect(dlt698_enc_get_response_next(&w, 7, 1, 5, 14, NULL, NULL, 0, NULL), &w, dar);
    ac_reject("85 05 07 02 00 05 00 0E 00 00", MH_EPROTO); /* last-block flag is a bool */
    ac_reject("85 05 07 01 00 05 03 00 00 00", MH_EPROTO); /* no choice 3 */
}

static void test_md5(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    ac_decode("05 06 01 60 12 02 00 00", buf, &a);
    reset();
    ac_expect(dlt698_enc_get_md5(&w, 1, 0x60120200, NULL), &w, "05 06 01 60 12 02 00 00");
    const char *ok = "85 06 01 60 12 02 00 01 04 DE AD BE EF 00 00";
    ac_decode(ok, buf, &a);
    ac_view(&a.u.md5, "DE AD BE EF");
    reset();
    ac_expect(dlt698_enc_get_response_md5(&w, 1, 0x60120200, 0, &a.u.md5, NULL), &w, ok);
    ac_decode("85 06 01 60 12 02 00 00 06 00 00", buf, &a);
    assert_int_equal(a.dar, 6);
    assert_null(a.u.md5.p);
    ac_reject("05 09 01 60 12 02 00 00", MH_EUNKNOWN);
}

static void test_follow_report_on_a_response(void **state)
{
    (void)state;
    struct dlt698_result_normal ev = {.oad = 0x30110200, .data = {(const uint8_t *)"\x16\x01", 2}};
    uint8_t fb[32];
    struct mh_wr fw;
    mh_wr_init(&fw, fb, sizeof fb);
    assert_int_equal(dlt698_enc_follow_report(&fw, &ev, NULL, 1), 0);
    struct dlt698_bytes follow = {fb, mh_wr_len(&fw)};
    struct dlt698_tail tail = {.follow = &follow};
    struct dlt698_result_normal rn = {.oad = 0x40010200,
                                      .data = {(const uint8_t *)"\x09\x02\x12\x34", 4}};
    const char *hex = "85 01 41 40 01 02 00 01 09 02 12 34 01 01 01 30 11 02 00 01 16 01 00";
    reset();
    ac_expect(dlt698_enc_get_response_normal(&w, 0x41, &rn, &tail), &w, hex);
    struct dlt698_apdu a;
    union dlt698_item it[2];
    ac_decode(hex, buf, &a);
    assert_true(a.has_follow);
    assert_int_equal(a.follow_choice, 1);
    assert_int_equal(ac_items(&a.follow, it, 2), 1);
    assert_int_equal(it[0].rn.oad, 0x30110200);
    ac_view(&a.follow_raw, "01 01 30 11 02 00 01 16 01");
    ac_reject("85 01 41 40 01 02 00 01 09 02 12 34 01 03 00 00",
              MH_EPROTO);                                              /* FollowReport choice 3 */
    ac_reject("85 01 41 40 01 02 00 01 09 02 12 34 02 00", MH_EPROTO); /* OPTIONAL marker 2 */
}

static void test_public_response_vectors_decode(void **state)
{
    (void)state;
    json_t *file = tv_load("dlt698-45.json");
    size_t i;
    json_t *v;
    int seen = 0;
    json_array_foreach(tv_vectors(file), i, v)
    {
        json_t *e = json_object_get(v, "expect");
        const char *ud = tv_str(e, "user_data_hex");
        const char *hex = ud ? ud : (json_object_get(e, "apdu") ? tv_str(v, "hex") : NULL);
        if (!hex || json_is_true(json_object_get(e, "fragmented")))
            continue;
        uint8_t b[AC_MAX];
        size_t n = tv_hex(hex, b, sizeof b);
        struct dlt698_apdu a;
        assert_int_equal(dlt698_apdu_decode(b, n, &a), 0);
        seen++;
    }
    assert_true(seen >= 20);
    json_decref(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_normal_and_list),
        cmocka_unit_test(test_request_with_time_tag),
        cmocka_unit_test(test_request_record_selectors),
        cmocka_unit_test(test_response_normal_data_and_dar),
        cmocka_unit_test(test_response_list_mixes_data_and_dar),
        cmocka_unit_test(test_response_record_rows),
        cmocka_unit_test(test_response_record_list),
        cmocka_unit_test(test_next_blocks),
        cmocka_unit_test(test_md5),
        cmocka_unit_test(test_follow_report_on_a_response),
        cmocka_unit_test(test_public_response_vectors_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
