/* DL/T 698.45 LINK-Request / LINK-Response: public captures, both directions, rejections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "apdu_check.h"
#include "vectors.h"

static const char login[] = "01 00 00 00 B4 07 E9 04 03 04 0F 14 05 00 00";

static void test_login_decodes_and_encodes_the_same_bytes(void **state)
{
    (void)state;
    uint8_t buf[AC_MAX], out[64];
    struct dlt698_apdu a;
    ac_decode(login, buf, &a);
    assert_int_equal(a.tag, DLT698_LINK_REQUEST);
    assert_int_equal(a.u.link_req.type, 0);
    assert_int_equal(a.u.link_req.heartbeat, 180);
    const struct mh_tm *t = &a.u.link_req.time;
    assert_int_equal(t->year, 2025);
    assert_int_equal(t->mon, 4);
    assert_int_equal(t->day, 3);
    assert_int_equal(t->wday, 4);
    assert_int_equal(t->hour, 15);
    assert_int_equal(t->min, 20);
    assert_int_equal(t->sec, 5);
    assert_int_equal(t->ms, 0);
    assert_int_equal(t->has, MH_TM_FULL | MH_TM_WDAY | MH_TM_MS);
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    ac_expect(dlt698_enc_link_request(&w, a.piid, a.u.link_req.type, a.u.link_req.heartbeat, t), &w,
              login);
}

static void test_login_frame_matches_the_capture(void **state)
{
    (void)state;
    struct mh_tm t = {.year = 2025,
                      .mon = 4,
                      .day = 3,
                      .wday = 4,
                      .hour = 15,
                      .min = 20,
                      .sec = 5,
                      .has = MH_TM_FULL | MH_TM_WDAY | MH_TM_MS};
    uint8_t apdu[64], frame[128];
    struct mh_wr w;
    mh_wr_init(&w, apdu, sizeof apdu);
    assert_int_equal(dlt698_enc_link_request(&w, 0, 0, 180, &t), 0);
    const uint8_t sa[6] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
    struct mh_wr fw;
    mh_wr_init(&fw, frame, sizeof frame);
    assert_int_equal(dlt698_frame_encode(&fw, 0x81, 0x05, sa, 0x00, apdu, mh_wr_len(&w)), 0);
    ac_expect(0, &fw,
              "68 1E 00 81 05 11 11 11 11 11 11 00 9E 76 01 00 00 00 B4 07 E9 04 03 04 0F 14 05 00 "
              "00 E8 B0 16");
}

static void test_heartbeat_with_sunday_and_unset_fields(void **state)
{
    (void)state;
    uint8_t buf[AC_MAX], out[64];
    struct dlt698_apdu a;
    /* heartbeat 600 s, 2017-05-16 (weekday 2) 00:21:25.000, from a field terminal */
    ac_decode("01 00 01 02 58 07 E1 05 10 02 00 15 19 00 00", buf, &a);
    assert_int_equal(a.u.link_req.type, 1);
    assert_int_equal(a.u.link_req.heartbeat, 600);
    /* logout with weekday 0 (Sunday) and no milliseconds */
    ac_decode("01 05 02 00 3C 07 EA 0B 1D 00 17 3B 3B FF FF", buf, &a);
    assert_int_equal(a.piid, 5);
    assert_int_equal(a.u.link_req.type, 2);
    assert_int_equal(a.u.link_req.time.wday, 7);
    assert_false(a.u.link_req.time.has & MH_TM_MS);
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    ac_expect(dlt698_enc_link_request(&w, 5, 2, 60, &a.u.link_req.time), &w,
              "01 05 02 00 3C 07 EA 0B 1D 00 17 3B 3B FF FF");
}

static void test_response_carries_three_clocks(void **state)
{
    (void)state;
    struct mh_tm req = {.year = 2026,
                        .mon = 11,
                        .day = 24,
                        .wday = 2,
                        .hour = 9,
                        .min = 0,
                        .sec = 1,
                        .ms = 500,
                        .has = MH_TM_FULL | MH_TM_WDAY | MH_TM_MS};
    struct mh_tm rcv = req, rsp = req;
    rcv.sec = 2;
    rsp.sec = 3;
    uint8_t out[64], buf[AC_MAX];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    const char *hex = "81 07 80 07 EA 0B 18 02 09 00 01 01 F4 07 EA 0B 18 02 09 00 02 01 F4"
                      " 07 EA 0B 18 02 09 00 03 01 F4";
    ac_expect(dlt698_enc_link_response(&w, 7, 0x80, &req, &rcv, &rsp), &w, hex);
    struct dlt698_apdu a;
    ac_decode(hex, buf, &a);
    assert_int_equal(a.tag, DLT698_LINK_RESPONSE);
    assert_int_equal(a.piid, 7);
    assert_int_equal(a.u.link_resp.result, 0x80);
    assert_int_equal(a.u.link_resp.request.sec, 1);
    assert_int_equal(a.u.link_resp.receive.sec, 2);
    assert_int_equal(a.u.link_resp.response.sec, 3);
    assert_int_equal(a.u.link_resp.response.ms, 500);
    mh_wr_init(&w, out, sizeof out);
    ac_expect(dlt698_enc_link_response(&w, a.piid, a.u.link_resp.result, &a.u.link_resp.request,
                                       &a.u.link_resp.receive, &a.u.link_resp.response),
              &w, hex);
}

static void test_link_rejects_unknown_type_and_short_buffers(void **state)
{
    (void)state;
    ac_reject("01 00 03 00 B4 07 E9 04 03 04 0F 14 05 00 00", MH_EPROTO);
    ac_reject("", MH_ETRUNC);
    ac_reject("7F 00", MH_EUNKNOWN);
    struct mh_tm t = {0};
    uint8_t out[8];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    assert_int_equal(dlt698_enc_link_request(&w, 0, 3, 60, &t), MH_EINVAL);
    assert_int_equal(dlt698_enc_link_request(&w, 0, 1, 60, &t), MH_ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_decodes_and_encodes_the_same_bytes),
        cmocka_unit_test(test_login_frame_matches_the_capture),
        cmocka_unit_test(test_heartbeat_with_sunday_and_unset_fields),
        cmocka_unit_test(test_response_carries_three_clocks),
        cmocka_unit_test(test_link_rejects_unknown_type_and_short_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
