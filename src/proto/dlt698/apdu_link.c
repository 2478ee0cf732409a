/*
 * DL/T 698.45 LINK-Request / LINK-Response (clause 8, link management,
 * function code 1): the server logs in, beats and logs out; the client
 * answers with its result and three clocks. Neither carries a tail.
 */
#include "apdu_int.h"

int dlt698_enc_link_request(struct mh_wr *w, uint8_t piid_acd, uint8_t type, uint16_t heartbeat,
                            const struct mh_tm *time)
{
    if (type > 2)
        return MH_EINVAL;
    dlt698_put_head(w, DLT698_LINK_REQUEST, 0, piid_acd);
    mh_wr_u8(w, type);
    mh_wr_u16be(w, heartbeat);
    dlt698_put_datetime(w, time);
    return mh_wr_err(w);
}

int dlt698_dec_link(struct mh_rd *r, struct dlt698_apdu *a)
{
    a->piid = mh_rd_u8(r);
    if (a->tag == DLT698_LINK_REQUEST) {
        struct dlt698_link_request *q = &a->u.link_req;
        q->type = mh_rd_u8(r);
        q->heartbeat = mh_rd_u16be(r);
        dlt698_get_datetime(r, &q->time);
        /* 0 login, 1 heartbeat, 2 logout: nothing else is defined. */
        if (mh_rd_err(r) == 0 && q->type > 2)
            mh_rd_fail(r, MH_EPROTO);
    } else {
        struct dlt698_link_response *s = &a->u.link_resp;
        s->result = mh_rd_u8(r);
        dlt698_get_datetime(r, &s->request);
        dlt698_get_datetime(r, &s->receive);
        dlt698_get_datetime(r, &s->response);
    }
    return mh_rd_err(r);
}
