/*
 * DL/T 698.45 SECURITY-Request / SECURITY-Response: a meter's MAC-protected
 * reply, every verification form both ways, and wrap / unwrap through a
 * software security hook (XOR cipher, CRC-based MAC) that stands where an
 * ESAM driver goes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "apdu_check.h"
#include "meterhub/proto/crc.h"
#include "vectors.h"

static struct mh_wr w;
static uint8_t out[AC_MAX], buf[AC_MAX];

static void reset(void)
{
    mh_wr_init(&w, out, sizeof out);
}

static void test_meter_reply_with_mac(void **state)
{
    (void)state;
    const char *hex =
        "90 00 3C 85 01 00 30 07 0A 00 01 01 04 02 02 06 00 00 00 00 06 00 00 00 00 02 02 06 00 00 "
        "00"
        " 00 06 00 00 00 00 02 02 06 00 00 00 00 06 00 00 00 00 02 02 06 00 00 00 00 06 00 00 00 00"
        " 00 00 01 00 04 32 F9 56 34";
    struct dlt698_apdu a, inner;
    ac_decode(hex, buf, &a);
    const struct dlt698_security *s = &a.u.sec;
    assert_int_equal(s->kind, 0);
    assert_int_equal(s->body.len, 0x3C);
    assert_int_equal(s->verify, 0);
    ac_view(&s->mac, "32 F9 56 34");
    assert_int_equal(dlt698_apdu_decode(s->body.p, s->body.len, &inner), 0);
    assert_int_equal(inner.tag, DLT698_GET_RESPONSE);
    reset();
    ac_expect(dlt698_enc_security_response(&w, s), &w, hex);
}

static void test_every_verification_form(void **state)
{
    (void)state;
    static const char *const req[] =
        {
            "10 01 04 A1 B2 C3 D4 00 81 00 00 01 02 01 02 04 11 22 33 44", /* SID_MAC */
            ("10 00 08 05 01 01 40 01 02 00 00 01 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E "
             "0F"), /* RN */
            "10 00 08 05 01 01 40 01 02 00 00 02 04 01 02 03 04 04 AA BB CC DD", /* RN_MAC */
            "10 01 02 A1 B2 03 81 00 00 01 00",                                  /* SID */
        };
    for (int v = 0; v < 4; v++) {
        struct dlt698_apdu a;
        ac_decode(req[v], buf, &a);
        assert_int_equal(a.u.sec.verify, v);
        reset();
        ac_expect(dlt698_enc_security_request(&w, &a.u.sec), &w, req[v]);
    }
    struct dlt698_apdu a;
    ac_decode("90 02 16 00", buf, &a); /* DAR 22: ESAM verification failed */
    assert_int_equal(a.dar, 22);
    assert_int_equal(a.u.sec.verify, -1);
    reset();
    ac_expect(dlt698_enc_security_response(&w, &a.u.sec), &w, "90 02 16 00");
    ac_reject("10 02 00 01 00", MH_EPROTO);
    ac_reject("10 00 00 04 00", MH_EPROTO);
    ac_reject("90 00 00 01 01 00", MH_EPROTO);
}

/* ---- a software hook ---- */

struct soft {
    uint8_t next_rn;
};

static int xor_into(const struct dlt698_bytes *in, struct mh_wr *o)
{
    for (size_t k = 0; k < in->len; k++)
        mh_wr_u8(o, (uint8_t)(in->p[k] ^ 0x5A));
    return mh_wr_err(o);
}

static int soft_encrypt(void *ctx, const struct dlt698_bytes *plain, struct mh_wr *o)
{
    (void)ctx;
    return xor_into(plain, o);
}

static int soft_decrypt(void *ctx, const struct dlt698_bytes *cipher, struct mh_wr *o)
{
    (void)ctx;
    return xor_into(cipher, o);
}

static int soft_random(void *ctx, struct mh_wr *o)
{
    struct soft *s = ctx;
    for (int k = 0; k < 16; k++)
        mh_wr_u8(o, s->next_rn++);
    return mh_wr_err(o);
}

/* MAC = CRC-16/X.25 of RN then body, twice with different seeds folded in: 4 bytes. */
static int soft_mac(void *ctx, const struct dlt698_bytes *body, const struct dlt698_bytes *rn,
                    struct mh_wr *o)
{
    (void)ctx;
    uint8_t tmp[AC_MAX];
    size_t n = 0;
    if (rn)
        for (size_t k = 0; k < rn->len && n < sizeof tmp; k++)
            tmp[n++] = rn->p[k];
    for (size_t k = 0; k < body->len && n < sizeof tmp; k++)
        tmp[n++] = body->p[k];
    uint16_t a = mh_crc16_x25(tmp, n), b = mh_crc16_x25(tmp, n / 2);
    mh_wr_u16be(o, a);
    mh_wr_u16be(o, b);
    return mh_wr_err(o);
}

static void test_wrap_and_unwrap_through_the_hook(void **state)
{
    (void)state;
    struct soft sc = {.next_rn = 1};
    const struct dlt698_security_ops ops = {.ctx = &sc,
                                            .encrypt = soft_encrypt,
                                            .decrypt = soft_decrypt,
                                            .mac = soft_mac,
                                            .random = soft_random};
    uint8_t get[16], scratch[128], rn[32];
    size_t gn = tv_hex("05 01 01 40 01 02 00 00", get, sizeof get), rn_len = 0;
    for (int cipher = 0; cipher < 2; cipher++) {
        reset();
        assert_int_equal(dlt698_security_wrap(&w, &ops, cipher, DLT698_SEC_RN_MAC, get, gn, scratch,
                                              sizeof scratch, rn, sizeof rn, &rn_len),
                         0);
        assert_int_equal(rn_len, 16);
        assert_int_equal(out[0], DLT698_SECURITY_REQUEST);
        assert_int_equal(out[1], cipher);
        assert_int_equal(memcmp(out + 3, get, gn) == 0, !cipher); /* ciphertext differs */
        struct dlt698_apdu a;
        assert_int_equal(dlt698_apdu_decode(out, mh_wr_len(&w), &a), 0);
        assert_memory_equal(a.u.sec.rn.p, rn, 16);
        uint8_t plain[64];
        assert_int_equal(dlt698_security_unwrap(&a, &ops, NULL, plain, sizeof plain), (int)gn);
        assert_memory_equal(plain, get, gn);
        /* one bit of the MAC changed */
        uint8_t *mac = out + mh_wr_len(&w) - 1;
        *mac ^= 1;
        assert_int_equal(dlt698_apdu_decode(out, mh_wr_len(&w), &a), 0);
        assert_int_equal(dlt698_security_unwrap(&a, &ops, NULL, plain, sizeof plain), MH_EBADCS);
        /* no room for the inner APDU */
        *mac ^= 1;
        assert_int_equal(dlt698_apdu_decode(out, mh_wr_len(&w), &a), 0);
        assert_int_equal(dlt698_security_unwrap(&a, &ops, NULL, plain, 3), MH_ENOSPC);
    }
    /* the meter's reply: plaintext + MAC over it keyed by the request's RN */
    uint8_t reply[32], macb[8];
    size_t rl = tv_hex("85 01 01 40 01 02 00 00 06 00 00", reply, sizeof reply);
    struct dlt698_bytes body = {reply, rl}, rnv = {rn, rn_len};
    struct mh_wr mw;
    mh_wr_init(&mw, macb, sizeof macb);
    assert_int_equal(soft_mac(NULL, &body, &rnv, &mw), 0);
    struct dlt698_security s = {.kind = 0, .body = body, .verify = 0, .mac = {macb, 4}};
    reset();
    assert_int_equal(dlt698_enc_security_response(&w, &s), 0);
    struct dlt698_apdu a;
    assert_int_equal(dlt698_apdu_decode(out, mh_wr_len(&w), &a), 0);
    uint8_t plain[64];
    assert_int_equal(dlt698_security_unwrap(&a, &ops, &rnv, plain, sizeof plain), (int)rl);
    struct dlt698_bytes other = {rn + 1, rn_len - 1};
    assert_int_equal(dlt698_security_unwrap(&a, &ops, &other, plain, sizeof plain), MH_EBADCS);
    /* modes the hook cannot serve */
    const struct dlt698_security_ops none = {0};
    reset();
    assert_int_equal(dlt698_security_wrap(&w, &none, 1, DLT698_SEC_RN, get, gn, scratch,
                                          sizeof scratch, NULL, 0, NULL),
                     MH_ENOTSUP);
    assert_int_equal(dlt698_security_unwrap(&a, &none, &rnv, plain, sizeof plain), MH_ENOTSUP);
    assert_int_equal(dlt698_security_wrap(&w, &ops, 0, DLT698_SEC_SID, get, gn, scratch,
                                          sizeof scratch, NULL, 0, NULL),
                     MH_EINVAL);
}

static int soft_connect_auth(void *ctx, uint8_t mechanism, struct mh_wr *cipher,
                             struct mh_wr *signature)
{
    (void)ctx;
    mh_wr_u8(cipher, mechanism);
    mh_wr_bytes(cipher, "\xC1\xC2\xC3", 3);
    mh_wr_bytes(signature, "\x51\x52", 2);
    return 0;
}

/* The server's signature must be its RN reversed. */
static int soft_connect_verify(void *ctx, const struct dlt698_bytes *rn,
                               const struct dlt698_bytes *sig)
{
    (void)ctx;
    if (rn->len != sig->len)
        return MH_EBADCS;
    for (size_t k = 0; k < rn->len; k++)
        if (rn->p[k] != sig->p[sig->len - 1 - k])
            return MH_EBADCS;
    return 0;
}

static void test_connect_through_the_hook(void **state)
{
    (void)state;
    const struct dlt698_security_ops ops = {.connect_auth = soft_connect_auth,
                                            .connect_verify = soft_connect_verify};
    struct dlt698_connect_request req = {.params = {.version = 0x10,
                                                    .max_send = 512,
                                                    .max_recv = 512,
                                                    .window = 1,
                                                    .max_apdu = 512,
                                                    .timeout = 3600}};
    uint8_t scratch[32];
    assert_int_equal(
        dlt698_connect_secure(&req, &ops, DLT698_AUTH_SYMMETRY, scratch, sizeof scratch), 0);
    reset();
    assert_int_equal(dlt698_enc_connect_request(&w, 1, &req, NULL), 0);
    struct dlt698_apdu a;
    assert_int_equal(dlt698_apdu_decode(out, mh_wr_len(&w), &a), 0);
    assert_int_equal(a.u.connect_req.mechanism, DLT698_AUTH_SYMMETRY);
    ac_view(&a.u.connect_req.cipher, "02 C1 C2 C3");
    ac_view(&a.u.connect_req.signature, "51 52");
    assert_int_equal(
        dlt698_connect_secure(&req, &ops, DLT698_AUTH_PASSWORD, scratch, sizeof scratch),
        MH_EINVAL);
    const struct dlt698_security_ops none = {0};
    assert_int_equal(
        dlt698_connect_secure(&req, &none, DLT698_AUTH_SIGNATURE, scratch, sizeof scratch),
        MH_ENOTSUP);
    assert_int_equal(dlt698_connect_secure(&req, &ops, DLT698_AUTH_SIGNATURE, scratch, 4),
                     MH_ENOSPC);
    struct dlt698_connect_response resp = {
        .result = 0,
        .has_security = 1,
        .server_rn = {(const uint8_t *)"\x01\x02\x03", 3},
        .server_signature = {(const uint8_t *)"\x03\x02\x01", 3}};
    assert_int_equal(dlt698_connect_check(&resp, &ops), 0);
    resp.server_signature.p = (const uint8_t *)"\x03\x02\x02";
    assert_int_equal(dlt698_connect_check(&resp, &ops), MH_EBADCS);
    assert_int_equal(dlt698_connect_check(&resp, &none), MH_ENOTSUP);
    resp.result = 1; /* password error */
    assert_int_equal(dlt698_connect_check(&resp, &ops), MH_EPROTO);
    resp = (struct dlt698_connect_response){0};
    assert_int_equal(dlt698_connect_check(&resp, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meter_reply_with_mac),
        cmocka_unit_test(test_every_verification_form),
        cmocka_unit_test(test_wrap_and_unwrap_through_the_hook),
        cmocka_unit_test(test_connect_through_the_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
