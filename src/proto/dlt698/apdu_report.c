/*
 * DL/T 698.45 REPORT-Notification (server, C = 83) and REPORT-Response
 * (client, C = 03), clause 8: active reporting of results and records;
 * the client lists the OADs it accepted, or the server reports again.
 * Lists decode through the dispatcher's table; TransData here.
 */
#include "apdu_int.h"

int dlt698_enc_report_list(struct mh_wr *w, uint8_t piid_acd,
                           const struct dlt698_result_normal *res, size_t n,
                           const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_REPORT_NOTIFICATION, 1, piid_acd, 1,
                              DLT698_ITEM_RESULT_NORMAL, res, n, tail);
}

int dlt698_enc_report_record_list(struct mh_wr *w, uint8_t piid_acd,
                                  const struct dlt698_result_record *recs, size_t n,
                                  const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_REPORT_NOTIFICATION, 2, piid_acd, 1,
                              DLT698_ITEM_RESULT_RECORD, recs, n, tail);
}

int dlt698_enc_report_response(struct mh_wr *w, uint8_t choice, uint8_t piid, const uint32_t *oads,
                               size_t n, const struct dlt698_tail *tail)
{
    if (choice != 1 && choice != 2)
        return MH_EINVAL;
    return dlt698_put_service(w, DLT698_REPORT_RESPONSE, choice, piid, 1, DLT698_ITEM_OAD, oads, n,
                              tail);
}

/* ReportNotificationTransData ::= PIID-ACD, port OAD, SEQUENCE OF octet-string. */
int dlt698_enc_report_trans_data(struct mh_wr *w, uint8_t piid_acd, uint32_t port,
                                 const struct dlt698_bytes *frames, size_t n,
                                 const struct dlt698_tail *tail)
{
    dlt698_put_head(w, DLT698_REPORT_NOTIFICATION, 3, piid_acd);
    mh_wr_u32be(w, port);
    dlt698_items_put(w, DLT698_ITEM_OCTETS, 0, frames, n);
    return dlt698_put_tail(w, 1, tail);
}

int dlt698_dec_report(struct mh_rd *r, struct dlt698_apdu *a)
{
    if (a->choice != 3)
        return mh_rd_fail(r, MH_EUNKNOWN);
    a->u.trans.port = mh_rd_u32be(r);
    dlt698_items_get(r, DLT698_ITEM_OCTETS, 0, &a->items);
    return mh_rd_err(r);
}
