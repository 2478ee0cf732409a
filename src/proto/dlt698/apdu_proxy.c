/*
 * DL/T 698.45 PROXY-Request / PROXY-Response (clause 8): a terminal
 * relays GET / SET / ACTION to the meters behind it (per-server lists under
 * one overall timeout), a record read, and transparent commands to a port
 * (TransCommand: e.g. a DL/T 645 frame on RS-485).
 */
#include <string.h>

#include "apdu_int.h"

/* The list choices and the kinds of their per-server items, request and response. */
static const struct {
    uint8_t choice, req, resp;
} lists[] = {
    {1, DLT698_ITEM_OAD, DLT698_ITEM_RESULT_NORMAL},
    {3, DLT698_ITEM_OAD_DATA, DLT698_ITEM_OAD_DAR},
    {4, DLT698_ITEM_THEN_GET, DLT698_ITEM_SET_GET_RESULT},
    {5, DLT698_ITEM_OAD_DATA, DLT698_ITEM_ACTION_RESULT},
    {6, DLT698_ITEM_THEN_GET, DLT698_ITEM_ACTION_GET_RESULT},
};

static int list_sub(uint8_t choice, int resp)
{
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++)
        if (lists[k].choice == choice)
            return resp ? lists[k].resp : lists[k].req;
    return 0;
}

int dlt698_enc_proxy_request(struct mh_wr *w, uint8_t choice, uint8_t piid, uint16_t timeout,
                             const struct dlt698_proxy_target *targets, size_t n,
                             const struct dlt698_tail *tail)
{
    int sub = list_sub(choice, 0);
    if (!sub)
        return MH_EINVAL;
    dlt698_put_head(w, DLT698_PROXY_REQUEST, choice, piid);
    mh_wr_u16be(w, timeout);
    dlt698_items_put(w, DLT698_ITEM_PROXY_REQ, (uint8_t)sub, targets, n);
    return dlt698_put_tail(w, 0, tail);
}

int dlt698_enc_proxy_response(struct mh_wr *w, uint8_t choice, uint8_t piid_acd,
                              const struct dlt698_proxy_target *targets, size_t n,
                              const struct dlt698_tail *tail)
{
    int sub = list_sub(choice, 1);
    if (!sub)
        return MH_EINVAL;
    dlt698_put_head(w, DLT698_PROXY_RESPONSE, choice, piid_acd);
    dlt698_items_put(w, DLT698_ITEM_PROXY_RESP, (uint8_t)sub, targets, n);
    return dlt698_put_tail(w, 1, tail);
}

int dlt698_enc_proxy_get_record(struct mh_wr *w, uint8_t piid, uint16_t timeout,
                                const struct dlt698_bytes *tsa, const struct dlt698_get_record *rec,
                                const struct dlt698_tail *tail)
{
    dlt698_put_head(w, DLT698_PROXY_REQUEST, 2, piid);
    mh_wr_u16be(w, timeout);
    dlt698_put_octets_body(w, tsa);
    dlt698_items_put_n(w, DLT698_ITEM_GET_RECORD, 0, rec, 1);
    return dlt698_put_tail(w, 0, tail);
}

int dlt698_enc_proxy_get_record_response(struct mh_wr *w, uint8_t piid_acd,
                                         const struct dlt698_bytes *tsa,
                                         const struct dlt698_result_record *rec,
                                         const struct dlt698_tail *tail)
{
    dlt698_put_head(w, DLT698_PROXY_RESPONSE, 2, piid_acd);
    dlt698_put_octets_body(w, tsa);
    dlt698_items_put_n(w, DLT698_ITEM_RESULT_RECORD, 0, rec, 1);
    return dlt698_put_tail(w, 1, tail);
}

int dlt698_enc_proxy_trans_command(struct mh_wr *w, uint8_t piid,
                                   const struct dlt698_trans_command *cmd,
                                   const struct dlt698_tail *tail)
{
    dlt698_put_head(w, DLT698_PROXY_REQUEST, 7, piid);
    mh_wr_u32be(w, cmd->port);
    mh_wr_bytes(w, cmd->comdcb, sizeof cmd->comdcb);
    mh_wr_u16be(w, cmd->frame_timeout);
    mh_wr_u16be(w, cmd->byte_timeout);
    dlt698_put_octets_body(w, &cmd->command);
    return dlt698_put_tail(w, 0, tail);
}

int dlt698_enc_proxy_trans_response(struct mh_wr *w, uint8_t piid_acd, uint32_t port, uint8_t dar,
                                    const struct dlt698_bytes *reply,
                                    const struct dlt698_tail *tail)
{
    dlt698_put_head(w, DLT698_PROXY_RESPONSE, 7, piid_acd);
    mh_wr_u32be(w, port);
    dlt698_put_octets_or_dar(w, reply, dar);
    return dlt698_put_tail(w, 1, tail);
}

/* COMDCB fields: baud 0..10 or 255, parity 0..2, data bits 5..8, stop bits 1..2, flow 0..2. */
static int comdcb_ok(const uint8_t *d)
{
    return (d[0] <= 10 || d[0] == 255) && d[1] <= 2 && d[2] >= 5 && d[2] <= 8 && d[3] >= 1 &&
           d[3] <= 2 && d[4] <= 2;
}

static void dec_trans(struct mh_rd *r, struct dlt698_apdu *a, int resp)
{
    struct dlt698_trans_command *t = &a->u.trans;
    t->port = mh_rd_u32be(r);
    if (resp) {
        dlt698_get_octets_or_dar(r, &t->command, &a->dar);
        return;
    }
    const uint8_t *d = mh_rd_bytes(r, sizeof t->comdcb);
    if (d) {
        memcpy(t->comdcb, d, sizeof t->comdcb);
        if (!comdcb_ok(d))
            mh_rd_fail(r, MH_ERANGE);
    }
    t->frame_timeout = mh_rd_u16be(r);
    t->byte_timeout = mh_rd_u16be(r);
    dlt698_get_octets(r, &t->command);
}

int dlt698_dec_proxy(struct mh_rd *r, struct dlt698_apdu *a)
{
    int resp = a->tag == DLT698_PROXY_RESPONSE;
    a->choice = mh_rd_u8(r);
    a->piid = mh_rd_u8(r);
    if (mh_rd_err(r))
        return mh_rd_err(r);
    int sub = list_sub(a->choice, resp);
    if (sub) {
        if (!resp)
            a->timeout = mh_rd_u16be(r);
        dlt698_items_get(r, resp ? DLT698_ITEM_PROXY_RESP : DLT698_ITEM_PROXY_REQ, (uint8_t)sub,
                         &a->items);
    } else if (a->choice == 2) {
        if (!resp)
            a->timeout = mh_rd_u16be(r);
        dlt698_get_tsa(r, &a->tsa);
        dlt698_items_get_n(r, resp ? DLT698_ITEM_RESULT_RECORD : DLT698_ITEM_GET_RECORD, 0, 1,
                           &a->items);
    } else if (a->choice == 7) {
        dec_trans(r, a, resp);
    } else {
        mh_rd_fail(r, MH_EUNKNOWN);
    }
    return mh_rd_err(r);
}
