/*
 * DL/T 698.45 GET-Request / GET-Response (clause 8): Normal, NormalList,
 * Record, RecordList, Next and MD5 both ways. Choices 1..4 decode through
 * the dispatcher's table; Next and MD5 here.
 */
#include "apdu_int.h"

int dlt698_enc_get_normal(struct mh_wr *w, uint8_t piid, uint32_t oad,
                          const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_GET_REQUEST, 1, piid, 0, DLT698_ITEM_OAD, &oad, 1, tail);
}

int dlt698_enc_get_normal_list(struct mh_wr *w, uint8_t piid, const uint32_t *oads, size_t n,
                               const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_GET_REQUEST, 2, piid, 1, DLT698_ITEM_OAD, oads, n, tail);
}

int dlt698_enc_get_record(struct mh_wr *w, uint8_t piid, const struct dlt698_get_record *rec,
                          const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_GET_REQUEST, 3, piid, 0, DLT698_ITEM_GET_RECORD, rec, 1,
                              tail);
}

int dlt698_enc_get_record_list(struct mh_wr *w, uint8_t piid, const struct dlt698_get_record *recs,
                               size_t n, const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_GET_REQUEST, 4, piid, 1, DLT698_ITEM_GET_RECORD, recs, n,
                              tail);
}

int dlt698_enc_get_next(struct mh_wr *w, uint8_t piid, uint16_t last_block,
                        const struct dlt698_tail *tail)
{
    dlt698_put_head(w, DLT698_GET_REQUEST, 5, piid);
    mh_wr_u16be(w, last_block);
    return dlt698_put_tail(w, 0, tail);
}

int dlt698_enc_get_md5(struct mh_wr *w, uint8_t piid, uint32_t oad, const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_GET_REQUEST, 6, piid, 0, DLT698_ITEM_OAD, &oad, 1, tail);
}

int dlt698_enc_get_response_normal(struct mh_wr *w, uint8_t piid_acd,
                                   const struct dlt698_result_normal *res,
                                   const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_GET_RESPONSE, 1, piid_acd, 0, DLT698_ITEM_RESULT_NORMAL,
                              res, 1, tail);
}

int dlt698_enc_get_response_list(struct mh_wr *w, uint8_t piid_acd,
                                 const struct dlt698_result_normal *res, size_t n,
                                 const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_GET_RESPONSE, 2, piid_acd, 1, DLT698_ITEM_RESULT_NORMAL,
                              res, n, tail);
}

int dlt698_enc_get_response_record(struct mh_wr *w, uint8_t piid_acd,
                                   const struct dlt698_result_record *rec,
                                   const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_GET_RESPONSE, 3, piid_acd, 0, DLT698_ITEM_RESULT_RECORD,
                              rec, 1, tail);
}

int dlt698_enc_get_response_record_list(struct mh_wr *w, uint8_t piid_acd,
                                        const struct dlt698_result_record *recs, size_t n,
                                        const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_GET_RESPONSE, 4, piid_acd, 1, DLT698_ITEM_RESULT_RECORD,
                              recs, n, tail);
}

/*
 * GetResponseNext: last-block flag, block number, then CHOICE { DAR [0],
 * SEQUENCE OF A-ResultNormal [1], SEQUENCE OF A-ResultRecord [2] }.
 */
int dlt698_enc_get_response_next(struct mh_wr *w, uint8_t piid_acd, int last, uint16_t block,
                                 uint8_t dar, const struct dlt698_result_normal *normals,
                                 const struct dlt698_result_record *records, size_t n,
                                 const struct dlt698_tail *tail)
{
    if (normals && records)
        return MH_EINVAL;
    dlt698_put_head(w, DLT698_GET_RESPONSE, 5, piid_acd);
    mh_wr_u8(w, last ? 1 : 0);
    mh_wr_u16be(w, block);
    if (normals) {
        mh_wr_u8(w, 1);
        dlt698_items_put(w, DLT698_ITEM_RESULT_NORMAL, 0, normals, n);
    } else if (records) {
        mh_wr_u8(w, 2);
        dlt698_items_put(w, DLT698_ITEM_RESULT_RECORD, 0, records, n);
    } else {
        mh_wr_u8(w, 0);
        mh_wr_u8(w, dar);
    }
    return dlt698_put_tail(w, 1, tail);
}

int dlt698_enc_get_response_md5(struct mh_wr *w, uint8_t piid_acd, uint32_t oad, uint8_t dar,
                                const struct dlt698_bytes *digest, const struct dlt698_tail *tail)
{
    dlt698_put_head(w, DLT698_GET_RESPONSE, 6, piid_acd);
    mh_wr_u32be(w, oad);
    dlt698_put_octets_or_dar(w, digest, dar);
    return dlt698_put_tail(w, 1, tail);
}

/* Next and MD5 (the rest of GET is in the dispatcher's table). */
int dlt698_dec_get(struct mh_rd *r, struct dlt698_apdu *a)
{
    int resp = a->tag == DLT698_GET_RESPONSE;
    if (a->choice == 5 && !resp) {
        a->u.block = mh_rd_u16be(r);
    } else if (a->choice == 5) {
        uint8_t last = mh_rd_u8(r);
        a->u.next.last = last;
        a->u.next.block = mh_rd_u16be(r);
        uint8_t c = mh_rd_u8(r);
        if (mh_rd_err(r) == 0 && last > 1)
            mh_rd_fail(r, MH_EPROTO);
        if (c == 0)
            a->dar = a->u.next.dar = mh_rd_u8(r);
        else if (c == 1)
            dlt698_items_get(r, DLT698_ITEM_RESULT_NORMAL, 0, &a->items);
        else if (c == 2)
            dlt698_items_get(r, DLT698_ITEM_RESULT_RECORD, 0, &a->items);
        else
            mh_rd_fail(r, MH_EPROTO);
    } else if (a->choice == 6) {
        dlt698_items_get_n(r, DLT698_ITEM_OAD, 0, 1, &a->items);
        if (resp)
            dlt698_get_octets_or_dar(r, &a->u.md5, &a->dar);
    } else {
        mh_rd_fail(r, MH_EUNKNOWN);
    }
    return mh_rd_err(r);
}
