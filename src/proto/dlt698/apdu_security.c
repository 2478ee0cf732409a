/*
 * DL/T 698.45 SECURITY-Request / SECURITY-Response (clause 8): an APDU
 * carried as plaintext or ciphertext with its verification information.
 * The envelope is coded here; every cryptographic step goes through struct
 * dlt698_security_ops (an ESAM driver or a software implementation), so
 * this file never sees a key.
 */
#include <string.h>

#include "apdu_int.h"

static void put_verify(struct mh_wr *w, const struct dlt698_security *s)
{
    mh_wr_u8(w, (uint8_t)s->verify);
    switch (s->verify) {
    case DLT698_SEC_SID_MAC:
    case DLT698_SEC_SID:
        mh_wr_u32be(w, s->sid);
        dlt698_put_octets_body(w, &s->sid_extra);
        if (s->verify == DLT698_SEC_SID_MAC)
            dlt698_put_octets_body(w, &s->mac);
        break;
    case DLT698_SEC_RN:
    case DLT698_SEC_RN_MAC:
        dlt698_put_octets_body(w, &s->rn);
        if (s->verify == DLT698_SEC_RN_MAC)
            dlt698_put_octets_body(w, &s->mac);
        break;
    default:
        mh_wr_fail(w, MH_EINVAL);
    }
}

int dlt698_enc_security_request(struct mh_wr *w, const struct dlt698_security *s)
{
    if (s->kind > 1)
        return MH_EINVAL;
    mh_wr_u8(w, DLT698_SECURITY_REQUEST);
    mh_wr_u8(w, s->kind);
    dlt698_put_octets_body(w, &s->body);
    put_verify(w, s);
    return mh_wr_err(w);
}

int dlt698_enc_security_response(struct mh_wr *w, const struct dlt698_security *s)
{
    if (s->kind > 2 || s->verify > 0)
        return MH_EINVAL;
    mh_wr_u8(w, DLT698_SECURITY_RESPONSE);
    mh_wr_u8(w, s->kind);
    if (s->kind == 2)
        mh_wr_u8(w, s->dar);
    else
        dlt698_put_octets_body(w, &s->body);
    /* Verification OPTIONAL: CHOICE { MAC [0] } */
    mh_wr_u8(w, s->verify == 0 ? 1 : 0);
    if (s->verify == 0) {
        mh_wr_u8(w, 0);
        dlt698_put_octets_body(w, &s->mac);
    }
    return mh_wr_err(w);
}

static void dec_verify(struct mh_rd *r, struct dlt698_security *s)
{
    uint8_t v = mh_rd_u8(r);
    s->verify = (int8_t)v;
    switch (v) {
    case DLT698_SEC_SID_MAC:
    case DLT698_SEC_SID:
        s->sid = mh_rd_u32be(r);
        dlt698_get_octets(r, &s->sid_extra);
        if (v == DLT698_SEC_SID_MAC)
            dlt698_get_octets(r, &s->mac);
        break;
    case DLT698_SEC_RN:
    case DLT698_SEC_RN_MAC:
        dlt698_get_octets(r, &s->rn);
        if (v == DLT698_SEC_RN_MAC)
            dlt698_get_octets(r, &s->mac);
        break;
    default:
        mh_rd_fail(r, MH_EPROTO);
    }
}

int dlt698_dec_security(struct mh_rd *r, struct dlt698_apdu *a)
{
    struct dlt698_security *s = &a->u.sec;
    s->kind = mh_rd_u8(r);
    a->choice = s->kind;
    if (a->tag == DLT698_SECURITY_REQUEST) {
        if (mh_rd_err(r) == 0 && s->kind > 1)
            return mh_rd_fail(r, MH_EPROTO);
        dlt698_get_octets(r, &s->body);
        dec_verify(r, s);
        return mh_rd_err(r);
    }
    if (mh_rd_err(r) == 0 && s->kind > 2)
        return mh_rd_fail(r, MH_EPROTO);
    if (s->kind == 2)
        a->dar = s->dar = mh_rd_u8(r);
    else
        dlt698_get_octets(r, &s->body);
    s->verify = -1;
    uint8_t opt = mh_rd_u8(r);
    if (opt == 1) {
        if (mh_rd_u8(r) != 0)
            mh_rd_fail(r, MH_EPROTO);
        s->verify = 0;
        dlt698_get_octets(r, &s->mac);
    } else if (opt != 0) {
        mh_rd_fail(r, MH_EPROTO);
    }
    return mh_rd_err(r);
}

/* Carve n bytes out of the scratch writer as a view filled by fn. */
static int scratch_view(struct mh_wr *sw, struct dlt698_bytes *out,
                        int (*fn)(void *ctx, struct mh_wr *w), void *ctx)
{
    size_t start = mh_wr_len(sw);
    int rc = fn(ctx, sw);
    if (rc == 0)
        rc = mh_wr_err(sw);
    *out = (struct dlt698_bytes){sw->p + start, mh_wr_len(sw) - start};
    return rc;
}

struct hook_call {
    const struct dlt698_security_ops *ops;
    const struct dlt698_bytes *a, *b;
};

static int call_random(void *ctx, struct mh_wr *w)
{
    const struct hook_call *h = ctx;
    return h->ops->random(h->ops->ctx, w);
}

static int call_encrypt(void *ctx, struct mh_wr *w)
{
    const struct hook_call *h = ctx;
    return h->ops->encrypt(h->ops->ctx, h->a, w);
}

static int call_mac(void *ctx, struct mh_wr *w)
{
    const struct hook_call *h = ctx;
    return h->ops->mac(h->ops->ctx, h->a, h->b, w);
}

int dlt698_security_wrap(struct mh_wr *w, const struct dlt698_security_ops *ops, int cipher,
                         int verify, const uint8_t *apdu, size_t apdu_len, uint8_t *scratch,
                         size_t scratch_cap, uint8_t *rn_out, size_t rn_cap, size_t *rn_len)
{
    if (verify != DLT698_SEC_RN && verify != DLT698_SEC_RN_MAC)
        return MH_EINVAL;
    if (!ops->random || (cipher && !ops->encrypt) || (verify == DLT698_SEC_RN_MAC && !ops->mac))
        return MH_ENOTSUP;
    struct mh_wr sw;
    mh_wr_init(&sw, scratch, scratch_cap);
    struct dlt698_security s = {.kind = cipher ? 1 : 0, .verify = (int8_t)verify};
    struct dlt698_bytes plain = {apdu, apdu_len};
    struct hook_call h = {ops, &plain, NULL};
    s.body = plain;
    int rc = 0;
    if (cipher)
        rc = scratch_view(&sw, &s.body, call_encrypt, &h);
    if (rc == 0)
        rc = scratch_view(&sw, &s.rn, call_random, &h);
    if (rc == 0 && verify == DLT698_SEC_RN_MAC) {
        h.a = &s.body;
        h.b = &s.rn;
        rc = scratch_view(&sw, &s.mac, call_mac, &h);
    }
    if (rc != 0)
        return rc;
    if (rn_out) {
        if (s.rn.len > rn_cap)
            return MH_ENOSPC;
        memcpy(rn_out, s.rn.p, s.rn.len);
        if (rn_len)
            *rn_len = s.rn.len;
    }
    return dlt698_enc_security_request(w, &s);
}

/* Constant-time comparison of a received MAC with the computed one. */
static int mac_equal(const struct dlt698_bytes *a, const uint8_t *b, size_t n)
{
    if (a->len != n)
        return 0;
    uint8_t d = 0;
    for (size_t k = 0; k < n; k++)
        d |= (uint8_t)(a->p[k] ^ b[k]);
    return d == 0;
}

int dlt698_security_unwrap(const struct dlt698_apdu *a, const struct dlt698_security_ops *ops,
                           const struct dlt698_bytes *rn, uint8_t *out, size_t cap)
{
    const struct dlt698_security *s = &a->u.sec;
    if (a->tag != DLT698_SECURITY_REQUEST && a->tag != DLT698_SECURITY_RESPONSE)
        return MH_EINVAL;
    if (s->kind == 2)
        return MH_EPROTO;
    int has_mac = a->tag == DLT698_SECURITY_RESPONSE
                      ? s->verify == 0
                      : s->verify == DLT698_SEC_SID_MAC || s->verify == DLT698_SEC_RN_MAC;
    if (has_mac) {
        if (!ops->mac)
            return MH_ENOTSUP;
        uint8_t mac[64];
        struct mh_wr mw;
        mh_wr_init(&mw, mac, sizeof mac);
        const struct dlt698_bytes *use_rn = rn ? rn : (s->rn.p ? &s->rn : NULL);
        int rc = ops->mac(ops->ctx, &s->body, use_rn, &mw);
        if (rc == 0)
            rc = mh_wr_err(&mw);
        if (rc != 0)
            return rc;
        if (!mac_equal(&s->mac, mac, mh_wr_len(&mw)))
            return MH_EBADCS;
    }
    struct mh_wr ow;
    mh_wr_init(&ow, out, cap);
    if (s->kind == 1) {
        if (!ops->decrypt)
            return MH_ENOTSUP;
        int rc = ops->decrypt(ops->ctx, &s->body, &ow);
        if (rc != 0)
            return rc;
    } else {
        mh_wr_bytes(&ow, s->body.p, s->body.len);
    }
    if (mh_wr_err(&ow))
        return mh_wr_err(&ow);
    return (int)mh_wr_len(&ow);
}

int dlt698_connect_secure(struct dlt698_connect_request *req, const struct dlt698_security_ops *ops,
                          uint8_t mechanism, uint8_t *scratch, size_t scratch_cap)
{
    if (mechanism != DLT698_AUTH_SYMMETRY && mechanism != DLT698_AUTH_SIGNATURE)
        return MH_EINVAL;
    if (!ops->connect_auth)
        return MH_ENOTSUP;
    struct mh_wr cw, sw;
    size_t half = scratch_cap / 2;
    mh_wr_init(&cw, scratch, half);
    mh_wr_init(&sw, scratch + half, scratch_cap - half);
    int rc = ops->connect_auth(ops->ctx, mechanism, &cw, &sw);
    if (rc == 0)
        rc = mh_wr_err(&cw) ? mh_wr_err(&cw) : mh_wr_err(&sw);
    if (rc != 0)
        return rc;
    req->mechanism = mechanism;
    req->cipher = (struct dlt698_bytes){scratch, mh_wr_len(&cw)};
    req->signature = (struct dlt698_bytes){scratch + half, mh_wr_len(&sw)};
    return 0;
}

int dlt698_connect_check(const struct dlt698_connect_response *resp,
                         const struct dlt698_security_ops *ops)
{
    if (resp->result != 0)
        return MH_EPROTO;
    if (!resp->has_security)
        return 0;
    if (!ops || !ops->connect_verify)
        return MH_ENOTSUP;
    return ops->connect_verify(ops->ctx, &resp->server_rn, &resp->server_signature);
}
