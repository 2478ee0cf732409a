/* DL/T 698.45 SET and ACTION: requests and responses of every choice, byte for byte both ways. */
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

static void test_set_normal_and_its_dar(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    union dlt698_item it[4];
    const char *req =
        "06 01 00 40 00 02 00 1C 07 EA 0A 07 0F 00 00 00"; /* clock to 2026-10-07 15:00:00 */
    ac_decode(req, buf, &a);
    assert_int_equal(a.items.kind, DLT698_ITEM_OAD_DATA);
    assert_int_equal(ac_items(&a.items, it, 4), 1);
    assert_int_equal(it[0].od.oad, 0x40000200);
    ac_view(&it[0].od.data, "1C 07 EA 0A 07 0F 00 00");
    reset();
    ac_expect(dlt698_enc_set_normal(&w, 0, &it[0].od, NULL), &w, req);
    const char *resp = "86 01 00 40 00 03 00 03 00 00"; /* DAR 3: read/write denied */
    ac_decode(resp, buf, &a);
    ac_items(&a.items, it, 4);
    assert_int_equal(it[0].dar.oad, 0x40000300);
    assert_int_equal(it[0].dar.dar, 3);
    reset();
    ac_expect(dlt698_enc_set_response_normal(&w, 0, &it[0].dar, NULL), &w, resp);
}

static void test_set_list(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    union dlt698_item it[4];
    const char *req =
        "06 02 01 02 40 00 02 00 1C 07 EA 0A 07 0F 00 00 40 01 02 00 09 06 00 00 00 00 00 01 00";
    ac_decode(req, buf, &a);
    assert_int_equal(ac_items(&a.items, it, 4), 2);
    ac_view(&it[1].od.data, "09 06 00 00 00 00 00 01");
    const struct dlt698_oad_data items[2] = {it[0].od, it[1].od};
    reset();
    ac_expect(dlt698_enc_set_list(&w, 1, items, 2, NULL), &w, req);
    const char *resp = "86 02 03 02 40 01 02 00 00 40 00 02 00 00 00 00"; /* public vector */
    ac_decode(resp, buf, &a);
    assert_int_equal(ac_items(&a.items, it, 4), 2);
    const struct dlt698_oad_dar dars[2] = {it[0].dar, it[1].dar};
    reset();
    ac_expect(dlt698_enc_set_response_list(&w, 3, dars, 2, NULL), &w, resp);
}

static void test_set_then_get(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    union dlt698_item it[4];
    const char *req = "06 03 02 01 40 00 02 00 1C 07 EA 0A 07 0F 00 00 40 00 02 00 03 00";
    ac_decode(req, buf, &a);
    assert_int_equal(a.items.kind, DLT698_ITEM_THEN_GET);
    ac_items(&a.items, it, 4);
    assert_int_equal(it[0].tg.get_oad, 0x40000200);
    assert_int_equal(it[0].tg.delay, 3);
    reset();
    ac_expect(dlt698_enc_set_then_get(&w, 2, &it[0].tg, 1, NULL), &w, req);
    const char *resp = "86 03 02 01 40 00 02 00 00 40 00 02 00 01 1C 07 EA 0A 07 0F 00 03 00 00";
    ac_decode(resp, buf, &a);
    ac_items(&a.items, it, 4);
    assert_int_equal(it[0].sg.dar, 0);
    assert_int_equal(it[0].sg.get.oad, 0x40000200);
    ac_view(&it[0].sg.get.data, "1C 07 EA 0A 07 0F 00 03");
    reset();
    ac_expect(dlt698_enc_set_then_get_response(&w, 2, &it[0].sg, 1, NULL), &w, resp);
    ac_reject("06 04 02 00 00", MH_EUNKNOWN);
}

static void test_action_normal_with_and_without_return_data(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    union dlt698_item it[4];
    const char *req = "07 01 01 43 00 01 00 00 00"; /* device reset, no parameter */
    ac_decode(req, buf, &a);
    ac_items(&a.items, it, 4);
    assert_int_equal(it[0].od.oad, 0x43000100);
    reset();
    ac_expect(dlt698_enc_action_normal(&w, 1, &it[0].od, NULL), &w, req);
    const char *resp = "87 01 0E 43 00 4C 00 00 00 00 00"; /* public capture */
    ac_decode(resp, buf, &a);
    ac_items(&a.items, it, 4);
    assert_int_equal(it[0].ar.omd, 0x43004C00);
    assert_null(it[0].ar.data.p);
    reset();
    ac_expect(dlt698_enc_action_response_normal(&w, 0x0E, &it[0].ar, NULL), &w, resp);
    const char *ret = "87 01 01 80 00 81 00 00 01 16 00 00 00";
    ac_decode(ret, buf, &a);
    ac_items(&a.items, it, 4);
    ac_view(&it[0].ar.data, "16 00");
    reset();
    ac_expect(dlt698_enc_action_response_normal(&w, 1, &it[0].ar, NULL), &w, ret);
    ac_reject("87 01 01 80 00 81 00 00 02 16 00 00 00", MH_EPROTO); /* OPTIONAL marker 2 */
}

static void test_action_list_and_then_get(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    union dlt698_item it[4];
    const char *req = "07 02 01 02 80 00 81 00 00 80 00 82 00 02 02 11 01 12 00 3C 00";
    ac_decode(req, buf, &a);
    assert_int_equal(ac_items(&a.items, it, 4), 2);
    ac_view(&it[1].od.data, "02 02 11 01 12 00 3C");
    const struct dlt698_oad_data items[2] = {it[0].od, it[1].od};
    reset();
    ac_expect(dlt698_enc_action_list(&w, 1, items, 2, NULL), &w, req);
    const char *resp = "87 02 01 02 80 00 81 00 00 00 80 00 82 00 0F 00 00 00";
    ac_decode(resp, buf, &a);
    assert_int_equal(ac_items(&a.items, it, 4), 2);
    assert_int_equal(it[1].ar.dar, 15);
    const struct dlt698_action_result res[2] = {it[0].ar, it[1].ar};
    reset();
    ac_expect(dlt698_enc_action_response_list(&w, 1, res, 2, NULL), &w, resp);
    const char *atg = "07 03 01 01 43 00 03 00 00 43 00 02 00 05 00";
    ac_decode(atg, buf, &a);
    ac_items(&a.items, it, 4);
    assert_int_equal(it[0].tg.delay, 5);
    reset();
    ac_expect(dlt698_enc_action_then_get(&w, 1, &it[0].tg, 1, NULL), &w, atg);
    const char *atgr = "87 03 01 01 43 00 03 00 00 00 43 00 02 00 01 16 00 00 00";
    ac_decode(atgr, buf, &a);
    assert_int_equal(a.items.kind, DLT698_ITEM_ACTION_GET_RESULT);
    ac_items(&a.items, it, 4);
    assert_int_equal(it[0].ar.get.oad, 0x43000200);
    ac_view(&it[0].ar.get.data, "16 00");
    reset();
    ac_expect(dlt698_enc_action_then_get_response(&w, 1, &it[0].ar, 1, NULL), &w, atgr);
}

static void test_report_notifications_and_response(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    union dlt698_item it[4];
    const char *list = "88 01 03 02 30 11 02 01 01 06 00 00 00 05 20 00 02 00 00 06 00 00";
    ac_decode(list, buf, &a);
    assert_int_equal(a.tag, DLT698_REPORT_NOTIFICATION);
    assert_int_equal(ac_items(&a.items, it, 4), 2);
    assert_int_equal(it[1].rn.dar, 6);
    const struct dlt698_result_normal res[2] = {it[0].rn, it[1].rn};
    reset();
    ac_expect(dlt698_enc_report_list(&w, 3, res, 2, NULL), &w, list);
    const char *recs = "88 02 03 01 30 11 02 00 02 00 20 22 02 00 00 20 1E 02 00 01 01"
                       " 06 00 00 00 07 1C 07 EA 0B 18 08 00 00 00 00";
    ac_decode(recs, buf, &a);
    ac_items(&a.items, it, 4);
    assert_int_equal(it[0].rr.columns, 2);
    assert_int_equal(it[0].rr.nrows, 1);
    reset();
    ac_expect(dlt698_enc_report_record_list(&w, 3, &it[0].rr, 1, NULL), &w, recs);
    const char *ack = "08 01 03 02 30 11 02 01 20 00 02 00 00";
    ac_decode(ack, buf, &a);
    assert_int_equal(ac_items(&a.items, it, 4), 2);
    const uint32_t oads[2] = {it[0].oad, it[1].oad};
    reset();
    ac_expect(dlt698_enc_report_response(&w, 1, 3, oads, 2, NULL), &w, ack);
    reset();
    ac_expect(dlt698_enc_report_response(&w, 2, 3, oads, 1, NULL), &w,
              "08 02 03 01 30 11 02 01 00");
    assert_int_equal(dlt698_enc_report_response(&w, 3, 3, oads, 1, NULL), MH_EINVAL);
    /* transparent frames a terminal received on RS-485 port 1 */
    const char *trans = "88 03 03 F2 01 02 01 02 03 68 01 16 02 AA BB 00 00";
    ac_decode(trans, buf, &a);
    assert_int_equal(a.u.trans.port, 0xF2010201);
    assert_int_equal(ac_items(&a.items, it, 4), 2);
    ac_view(&it[0].octets, "68 01 16");
    const struct dlt698_bytes frames[2] = {it[0].octets, it[1].octets};
    reset();
    ac_expect(dlt698_enc_report_trans_data(&w, 3, 0xF2010201, frames, 2, NULL), &w, trans);
    ac_reject("88 04 03 00 00 00", MH_EUNKNOWN);
}

static void test_error_responses(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    ac_decode("EE 03 02 00 00", buf, &a);
    assert_int_equal(a.u.result, 2);
    reset();
    ac_expect(dlt698_enc_error_response(&w, 1, 3, 2, NULL), &w, "EE 03 02 00 00");
    ac_decode("6E 03 01 00", buf, &a);
    reset();
    ac_expect(dlt698_enc_error_response(&w, 0, 3, 1, NULL), &w, "6E 03 01 00");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_normal_and_its_dar),
        cmocka_unit_test(test_set_list),
        cmocka_unit_test(test_set_then_get),
        cmocka_unit_test(test_action_normal_with_and_without_return_data),
        cmocka_unit_test(test_action_list_and_then_get),
        cmocka_unit_test(test_report_notifications_and_response),
        cmocka_unit_test(test_error_responses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
