/*
 * DL/T 698.45 REPORT-Notification (server, C = 83) and REPORT-Response
 * (client, C = 03), clause 8.2.x: active reporting of results and records;
 * the client lists the OADs it accepted, or the server reports again.
 * Decoding is table-driven (apdu_decode.c).
 */
#include "apdu_int.h"

int dlt698_enc_report_list(struct mh_wr *w, uint8_t piid_acd, const struct dlt698_result_normal *res, size_t n,
                           const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_REPORT_NOTIFICATION, 1, piid_acd, 1, DLT698_ITEM_RESULT_NORMAL, res, n,
                              tail);
}

int dlt698_enc_report_record_list(struct mh_wr *w, uint8_t piid_acd, const struct dlt698_result_record *recs,
                                  size_t n, const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_REPORT_NOTIFICATION, 2, piid_acd, 1, DLT698_ITEM_RESULT_RECORD, recs, n,
                              tail);
}

int dlt698_enc_report_response(struct mh_wr *w, uint8_t choice, uint8_t piid, const uint32_t *oads, size_t n,
                               const struct dlt698_tail *tail)
{
    if (choice != 1 && choice != 2)
        return MH_EINVAL;
    return dlt698_put_service(w, DLT698_REPORT_RESPONSE, choice, piid, 1, DLT698_ITEM_OAD, oads, n, tail);
}
