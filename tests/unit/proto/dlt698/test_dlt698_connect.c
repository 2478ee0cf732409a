/* DL/T 698.45 CONNECT / RELEASE: negotiation fields, every authentication mechanism, both ways. */
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

/* version 0x0010, conformance blocks, 1024/1024 bytes, window 1, APDU 1024, 7200 s */
#define PARAMS                                                                                     \
    "00 10 FF FF FF FF C0 00 00 00 FF FE C4 00 00 00 00 00 00 00 00 00 00 00 00 00"                \
    " 04 00 04 00 01 04 00 00 00 1C 20"

static void check_params(const struct dlt698_connect_params *p)
{
    assert_int_equal(p->version, 0x10);
    assert_int_equal(p->protocol_conf[4], 0xC0);
    assert_int_equal(p->function_conf[1], 0xFE);
    assert_int_equal(p->max_send, 1024);
    assert_int_equal(p->max_recv, 1024);
    assert_int_equal(p->window, 1);
    assert_int_equal(p->max_apdu, 1024);
    assert_int_equal(p->timeout, 7200);
}

static void test_connect_request_every_mechanism(void **state)
{
    (void)state;
    static const char *const hex[] = {
        "02 00 " PARAMS " 00 00",
        "02 00 " PARAMS " 01 06 31 32 33 34 35 36 00",
        "02 00 " PARAMS " 02 04 AA BB CC DD 02 11 22 00",
        "02 00 " PARAMS " 03 02 AA BB 03 11 22 33 00",
    };
    for (unsigned m = 0; m < 4; m++) {
        struct dlt698_apdu a;
        ac_decode(hex[m], buf, &a);
        assert_int_equal(a.tag, DLT698_CONNECT_REQUEST);
        const struct dlt698_connect_request *q = &a.u.connect_req;
        check_params(&q->params);
        assert_int_equal(q->mechanism, m);
        if (m == DLT698_AUTH_PASSWORD)
            ac_view(&q->password, "31 32 33 34 35 36");
        if (m >= DLT698_AUTH_SYMMETRY)
            assert_int_equal(q->cipher.len + q->signature.len, m == DLT698_AUTH_SYMMETRY ? 6 : 5);
        reset();
        ac_expect(dlt698_enc_connect_request(&w, a.piid, q, NULL), &w, hex[m]);
    }
    ac_reject("02 00 " PARAMS " 04 00", MH_EPROTO);
    struct dlt698_connect_request bad = {.mechanism = 9};
    reset();
    assert_int_equal(dlt698_enc_connect_request(&w, 0, &bad, NULL), MH_EINVAL);
}

#define FACTORY                                                                                    \
    "41 42 43 44 56 31 2E 30 32 36 30 31 30 31 48 31 2E 30 32 35 30 36 30 31"                      \
    " 45 58 54 30 30 30 30 30"

static void test_connect_response_with_and_without_security_data(void **state)
{
    (void)state;
    const char *plain = "82 00 " FACTORY " " PARAMS " 00 00 00 00";
    struct dlt698_apdu a;
    ac_decode(plain, buf, &a);
    const struct dlt698_connect_response *s = &a.u.connect_resp;
    assert_memory_equal(s->factory.vendor, "ABCD", 4);
    assert_memory_equal(s->factory.sw_date, "260101", 6);
    assert_memory_equal(s->factory.extension, "EXT00000", 8);
    check_params(&s->params);
    assert_int_equal(s->result, 0);
    assert_false(s->has_security);
    reset();
    ac_expect(dlt698_enc_connect_response(&w, 0, s, NULL), &w, plain);
    const char *sec = "82 40 " FACTORY " " PARAMS " 00 01 04 01 02 03 04 02 AB CD 00 00";
    ac_decode(sec, buf, &a);
    assert_int_equal(a.piid, 0x40);
    assert_true(a.u.connect_resp.has_security);
    ac_view(&a.u.connect_resp.server_rn, "01 02 03 04");
    ac_view(&a.u.connect_resp.server_signature, "AB CD");
    reset();
    ac_expect(dlt698_enc_connect_response(&w, 0x40, &a.u.connect_resp, NULL), &w, sec);
    ac_reject("82 00 " FACTORY " " PARAMS " 01 02 00 00", MH_EPROTO);
}

static void test_release_request_response_notification(void **state)
{
    (void)state;
    struct dlt698_apdu a;
    ac_decode("03 01 00", buf, &a);
    assert_int_equal(a.piid, 1);
    reset();
    ac_expect(dlt698_enc_release_request(&w, 1, NULL), &w, "03 01 00");
    ac_decode("83 01 00 00 00", buf, &a);
    assert_int_equal(a.u.result, 0);
    reset();
    ac_expect(dlt698_enc_release_response(&w, 1, 0, NULL), &w, "83 01 00 00 00");
    const char *note = "84 02 07 EA 0B 18 08 00 00 07 EA 0B 18 0A 00 00 00 00";
    ac_decode(note, buf, &a);
    assert_int_equal(a.u.release_note.connected.hour, 8);
    assert_int_equal(a.u.release_note.now.hour, 10);
    reset();
    ac_expect(dlt698_enc_release_notification(&w, 2, &a.u.release_note.connected,
                                              &a.u.release_note.now, NULL),
              &w, note);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_request_every_mechanism),
        cmocka_unit_test(test_connect_response_with_and_without_security_data),
        cmocka_unit_test(test_release_request_response_notification),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
