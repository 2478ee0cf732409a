/*
 * DL/T 698.45 CONNECT / RELEASE (clause 8) and ERROR-Response: the
 * application association, its negotiated sizes and authentication
 * mechanism, its end by request or by the server's timeout notification.
 */
#include <string.h>

#include "apdu_int.h"

/* Version, conformance blocks (fixed-size bit-strings, no length), sizes, window, timeout. */
static void put_params(struct mh_wr *w, const struct dlt698_connect_params *p)
{
    mh_wr_u16be(w, p->version);
    mh_wr_bytes(w, p->protocol_conf, sizeof p->protocol_conf);
    mh_wr_bytes(w, p->function_conf, sizeof p->function_conf);
    mh_wr_u16be(w, p->max_send);
    mh_wr_u16be(w, p->max_recv);
    mh_wr_u8(w, p->window);
    mh_wr_u16be(w, p->max_apdu);
    mh_wr_u32be(w, p->timeout);
}

static void get_fixed(struct mh_rd *r, void *dst, size_t n)
{
    const uint8_t *q = mh_rd_bytes(r, n);
    if (q)
        memcpy(dst, q, n);
}

static void get_params(struct mh_rd *r, struct dlt698_connect_params *p)
{
    p->version = mh_rd_u16be(r);
    get_fixed(r, p->protocol_conf, sizeof p->protocol_conf);
    get_fixed(r, p->function_conf, sizeof p->function_conf);
    p->max_send = mh_rd_u16be(r);
    p->max_recv = mh_rd_u16be(r);
    p->window = mh_rd_u8(r);
    p->max_apdu = mh_rd_u16be(r);
    p->timeout = mh_rd_u32be(r);
}

int dlt698_enc_connect_request(struct mh_wr *w, uint8_t piid,
                               const struct dlt698_connect_request *req,
                               const struct dlt698_tail *tail)
{
    dlt698_put_head(w, DLT698_CONNECT_REQUEST, 0, piid);
    put_params(w, &req->params);
    mh_wr_u8(w, req->mechanism);
    switch (req->mechanism) {
    case DLT698_AUTH_NULL:
        break;
    case DLT698_AUTH_PASSWORD:
        dlt698_put_octets_body(w, &req->password);
        break;
    case DLT698_AUTH_SYMMETRY:
    case DLT698_AUTH_SIGNATURE:
        dlt698_put_octets_body(w, &req->cipher);
        dlt698_put_octets_body(w, &req->signature);
        break;
    default:
        return mh_wr_fail(w, MH_EINVAL);
    }
    return dlt698_put_tail(w, 0, tail);
}

int dlt698_enc_connect_response(struct mh_wr *w, uint8_t piid_acd,
                                const struct dlt698_connect_response *resp,
                                const struct dlt698_tail *tail)
{
    dlt698_put_head(w, DLT698_CONNECT_RESPONSE, 0, piid_acd);
    mh_wr_bytes(w, &resp->factory, sizeof resp->factory);
    put_params(w, &resp->params);
    mh_wr_u8(w, resp->result);
    mh_wr_u8(w, resp->has_security ? 1 : 0);
    if (resp->has_security) {
        dlt698_put_octets_body(w, &resp->server_rn);
        dlt698_put_octets_body(w, &resp->server_signature);
    }
    return dlt698_put_tail(w, 1, tail);
}

int dlt698_enc_release_request(struct mh_wr *w, uint8_t piid, const struct dlt698_tail *tail)
{
    dlt698_put_head(w, DLT698_RELEASE_REQUEST, 0, piid);
    return dlt698_put_tail(w, 0, tail);
}

int dlt698_enc_release_response(struct mh_wr *w, uint8_t piid_acd, uint8_t result,
                                const struct dlt698_tail *tail)
{
    dlt698_put_head(w, DLT698_RELEASE_RESPONSE, 0, piid_acd);
    mh_wr_u8(w, result);
    return dlt698_put_tail(w, 1, tail);
}

int dlt698_enc_release_notification(struct mh_wr *w, uint8_t piid_acd,
                                    const struct mh_tm *connected, const struct mh_tm *now,
                                    const struct dlt698_tail *tail)
{
    dlt698_put_head(w, DLT698_RELEASE_NOTIFICATION, 0, piid_acd);
    dlt698_put_datetime_s(w, connected);
    dlt698_put_datetime_s(w, now);
    return dlt698_put_tail(w, 1, tail);
}

int dlt698_enc_error_response(struct mh_wr *w, int server, uint8_t piid, uint8_t type,
                              const struct dlt698_tail *tail)
{
    dlt698_put_head(w, server ? DLT698_ERROR_RESPONSE_S : DLT698_ERROR_RESPONSE_C, 0, piid);
    mh_wr_u8(w, type);
    return dlt698_put_tail(w, server, tail);
}

static void dec_request(struct mh_rd *r, struct dlt698_connect_request *q)
{
    get_params(r, &q->params);
    q->mechanism = mh_rd_u8(r);
    switch (q->mechanism) {
    case DLT698_AUTH_NULL:
        break;
    case DLT698_AUTH_PASSWORD:
        dlt698_get_octets(r, &q->password);
        break;
    case DLT698_AUTH_SYMMETRY:
    case DLT698_AUTH_SIGNATURE:
        dlt698_get_octets(r, &q->cipher);
        dlt698_get_octets(r, &q->signature);
        break;
    default:
        mh_rd_fail(r, MH_EPROTO);
    }
}

static void dec_response(struct mh_rd *r, struct dlt698_connect_response *s)
{
    get_fixed(r, &s->factory, sizeof s->factory);
    get_params(r, &s->params);
    s->result = mh_rd_u8(r);
    uint8_t opt = mh_rd_u8(r);
    if (opt == 1) {
        s->has_security = 1;
        dlt698_get_octets(r, &s->server_rn);
        dlt698_get_octets(r, &s->server_signature);
    } else if (opt != 0) {
        mh_rd_fail(r, MH_EPROTO);
    }
}

int dlt698_dec_connect(struct mh_rd *r, struct dlt698_apdu *a)
{
    a->piid = mh_rd_u8(r);
    switch (a->tag) {
    case DLT698_CONNECT_REQUEST:
        dec_request(r, &a->u.connect_req);
        break;
    case DLT698_CONNECT_RESPONSE:
        dec_response(r, &a->u.connect_resp);
        break;
    case DLT698_RELEASE_RESPONSE:
        a->u.result = mh_rd_u8(r);
        break;
    case DLT698_RELEASE_NOTIFICATION:
        dlt698_get_datetime_s(r, &a->u.release_note.connected);
        dlt698_get_datetime_s(r, &a->u.release_note.now);
        break;
    default: /* RELEASE-Request: PIID only */
        break;
    }
    return mh_rd_err(r);
}
