/*
 * DL/T 698.45 PROXY: every list choice with per-server entries, the record
 * read, and TransCommand carrying a DL/T 645 frame, both ways.
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

#define M1 "07 05 01 00 00 00 00 00"
#define M2 "07 05 02 00 00 00 00 00"

/*
 * Decode a PROXY list APDU, rebuild it entry by entry from the decoded
 * items through the typed encoder, and compare. Inner items are copied into
 * one array per entry (up to 4 entries of 4 items).
 */
static void round_trip_list(const char *hex, uint8_t sub_kind)
{
    struct dlt698_apdu a;
    ac_decode(hex, buf, &a);
    int resp = a.tag == DLT698_PROXY_RESPONSE;
    assert_int_equal(a.items.kind, resp ? DLT698_ITEM_PROXY_RESP : DLT698_ITEM_PROXY_REQ);
    assert_int_equal(a.items.sub, sub_kind);
    union dlt698_item ent[4];
    size_t n = ac_items(&a.items, ent, 4);
    union dlt698_item inner[4][4];
    /* the encoder wants arrays of the inner kind's own struct */
    uint32_t oads[4][4];
    struct dlt698_oad_data od[4][4];
    struct dlt698_then_get tg[4][4];
    struct dlt698_result_normal rn[4][4];
    struct dlt698_oad_dar dar[4][4];
    struct dlt698_set_get_result sg[4][4];
    struct dlt698_action_result ar[4][4];
    struct dlt698_proxy_target t[4];
    for (size_t e = 0; e < n; e++) {
        assert_int_equal(ent[e].px.sub.kind, sub_kind);
        size_t m = ac_items(&ent[e].px.sub, inner[e], 4);
        const void *arr = NULL;
        for (size_t k = 0; k < m; k++) {
            oads[e][k] = inner[e][k].oad;
            od[e][k] = inner[e][k].od;
            tg[e][k] = inner[e][k].tg;
            rn[e][k] = inner[e][k].rn;
            dar[e][k] = inner[e][k].dar;
            sg[e][k] = inner[e][k].sg;
            ar[e][k] = inner[e][k].ar;
        }
        switch (sub_kind) {
        case DLT698_ITEM_OAD:
            arr = oads[e];
            break;
        case DLT698_ITEM_OAD_DATA:
            arr = od[e];
            break;
        case DLT698_ITEM_THEN_GET:
            arr = tg[e];
            break;
        case DLT698_ITEM_RESULT_NORMAL:
            arr = rn[e];
            break;
        case DLT698_ITEM_OAD_DAR:
            arr = dar[e];
            break;
        case DLT698_ITEM_SET_GET_RESULT:
            arr = sg[e];
            break;
        default:
            arr = ar[e];
            break;
        }
        t[e] = (struct dlt698_proxy_target){ent[e].px.tsa, ent[e].px.timeout, arr, m};
    }
    reset();
    if (resp)
        ac_expect(dlt698_enc_proxy_response(&w, a.choice, a.piid, t, n, NULL), &w, hex);
    else
        ac_expect(dlt698_enc_proxy_request(&w, a.choice, a.piid, a.timeout, t, n, NULL), &w, hex);
}

static void test_get_list_two_meters(void **state)
{
    (void)state;
    const char *req =
        "09 01 01 00 3C 02 " M1 " 00 1E 02 00 10 02 00 20 00 02 00 " M2 " 00 1E 01 00 10 02 00 00";
    round_trip_list(req, DLT698_ITEM_OAD);
    struct dlt698_apdu a;
    union dlt698_item ent[2];
    ac_decode(req, buf, &a);
    assert_int_equal(a.timeout, 60);
    ac_items(&a.items, ent, 2);
    ac_view(&ent[1].px.tsa, "05 02 00 00 00 00 00");
    assert_int_equal(ent[1].px.timeout, 30);
    assert_int_equal(ent[0].px.sub.n, 2);
    round_trip_list("89 01 01 01 " M1
                    " 02 00 10 02 00 01 01 01 06 00 00 30 39 20 00 02 00 00 04 00 00",
                    DLT698_ITEM_RESULT_NORMAL);
    /* a TSA whose length disagrees with its AF */
    ac_reject("09 01 01 00 3C 01 07 04 01 00 00 00 00 00 00 1E 01 00 10 02 00 00", MH_EBADADDR);
}

static void test_set_and_action_lists(void **state)
{
    (void)state;
    round_trip_list("09 03 01 00 3C 01 " M1 " 00 1E 01 40 00 02 00 1C 07 EA 0B 18 0A 00 00 00",
                    DLT698_ITEM_OAD_DATA);
    round_trip_list("89 03 01 01 " M1 " 01 40 00 02 00 00 00 00", DLT698_ITEM_OAD_DAR);
    round_trip_list("09 04 01 00 3C 01 " M1
                    " 00 1E 01 40 00 02 00 1C 07 EA 0B 18 0A 00 00 40 00 02 00 02 00",
                    DLT698_ITEM_THEN_GET);
    round_trip_list("89 04 01 01 " M1
                    " 01 40 00 02 00 00 40 00 02 00 01 1C 07 EA 0B 18 0A 00 02 00 00",
                    DLT698_ITEM_SET_GET_RESULT);
    round_trip_list("09 05 01 00 3C 01 " M1 " 00 1E 01 43 00 01 00 00 00", DLT698_ITEM_OAD_DATA);
    round_trip_list("89 05 01 01 " M1 " 01 43 00 01 00 00 00 00 00", DLT698_ITEM_ACTION_RESULT);
    round_trip_list("09 06 01 00 3C 01 " M1 " 00 1E 01 43 00 03 00 00 43 00 02 00 05 00",
                    DLT698_ITEM_THEN_GET);
    round_trip_list("89 06 01 01 " M1 " 01 43 00 03 00 00 00 43 00 02 00 01 16 00 00 00",
                    DLT698_ITEM_ACTION_GET_RESULT);
    struct dlt698_proxy_target t = {0};
    reset();
    assert_int_equal(dlt698_enc_proxy_request(&w, 2, 1, 60, &t, 1, NULL), MH_EINVAL);
}

static void test_get_record_through_a_terminal(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    union dlt698_item it[2];
    const char *req = "09 02 01 00 3C " M1 " 50 04 02 00 09 01 01 00 00 10 02 00 00";
    ac_decode(req, buf, &a);
    assert_int_equal(a.timeout, 60);
    ac_view(&a.tsa, "05 01 00 00 00 00 00");
    ac_items(&a.items, it, 2);
    assert_int_equal(it[0].gr.oad, 0x50040200);
    reset();
    ac_expect(dlt698_enc_proxy_get_record(&w, 1, 60, &a.tsa, &it[0].gr, NULL), &w, req);
    const char *resp = "89 02 01 " M1 " 50 04 02 00 01 00 00 10 02 00 01 01 06 00 00 30 39 00 00";
    ac_decode(resp, buf, &a);
    ac_items(&a.items, it, 2);
    assert_int_equal(it[0].rr.nrows, 1);
    reset();
    ac_expect(dlt698_enc_proxy_get_record_response(&w, 1, &a.tsa, &it[0].rr, NULL), &w, resp);
}

/* DL/T 645-2007 "read address" with its preamble, to RS-485 port 1 at 2400 8E1. */
#define READ_ADDR "FE FE FE FE 68 AA AA AA AA AA AA 68 13 00 DF 16"

static void test_trans_command_carries_a_dlt645_frame(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    const char *req = "09 07 01 F2 01 02 01 03 02 08 01 00 00 0A 01 F4 10 " READ_ADDR " 00";
    ac_decode(req, buf, &a);
    const struct dlt698_trans_command *t = &a.u.trans;
    assert_int_equal(t->port, 0xF2010201);
    assert_memory_equal(t->comdcb, "\x03\x02\x08\x01\x00", 5);
    assert_int_equal(t->frame_timeout, 10);
    assert_int_equal(t->byte_timeout, 500);
    ac_view(&t->command, READ_ADDR);
    reset();
    ac_expect(dlt698_enc_proxy_trans_command(&w, 1, t, NULL), &w, req);
    const char *resp =
        "89 07 01 F2 01 02 01 01 12 68 01 00 00 00 00 00 68 93 06 34 33 33 33 33 33 9D 16 00 00";
    ac_decode(resp, buf, &a);
    assert_int_equal(a.u.trans.command.len, 18);
    reset();
    ac_expect(dlt698_enc_proxy_trans_response(&w, 1, a.u.trans.port, 0, &a.u.trans.command, NULL),
              &w, resp);
    const char *timeout = "89 07 01 F2 01 02 01 00 21 00 00"; /* DAR 33: request timeout */
    ac_decode(timeout, buf, &a);
    assert_int_equal(a.dar, 33);
    reset();
    ac_expect(dlt698_enc_proxy_trans_response(&w, 1, 0xF2010201, 33, NULL, NULL), &w, timeout);
    /* parity 3 does not exist */
    ac_reject("09 07 01 F2 01 02 01 03 03 08 01 00 00 0A 01 F4 00 00", MH_ERANGE);
    ac_reject("09 08 01 00", MH_EUNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_list_two_meters),
        cmocka_unit_test(test_set_and_action_lists),
        cmocka_unit_test(test_get_record_through_a_terminal),
        cmocka_unit_test(test_trans_command_carries_a_dlt645_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
