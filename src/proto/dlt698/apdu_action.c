/*
 * DL/T 698.45 ACTION-Request / ACTION-Response (clause 8): methods by
 * OMD; Normal, NormalList, ActionThenGetNormalList. Decoding is
 * table-driven (apdu_decode.c).
 */
#include "apdu_int.h"

int dlt698_enc_action_normal(struct mh_wr *w, uint8_t piid, const struct dlt698_oad_data *item,
                             const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_ACTION_REQUEST, 1, piid, 0, DLT698_ITEM_OAD_DATA, item, 1,
                              tail);
}

int dlt698_enc_action_list(struct mh_wr *w, uint8_t piid, const struct dlt698_oad_data *items,
                           size_t n, const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_ACTION_REQUEST, 2, piid, 1, DLT698_ITEM_OAD_DATA, items, n,
                              tail);
}

int dlt698_enc_action_then_get(struct mh_wr *w, uint8_t piid, const struct dlt698_then_get *items,
                               size_t n, const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_ACTION_REQUEST, 3, piid, 1, DLT698_ITEM_THEN_GET, items, n,
                              tail);
}

int dlt698_enc_action_response_normal(struct mh_wr *w, uint8_t piid_acd,
                                      const struct dlt698_action_result *item,
                                      const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_ACTION_RESPONSE, 1, piid_acd, 0, DLT698_ITEM_ACTION_RESULT,
                              item, 1, tail);
}

int dlt698_enc_action_response_list(struct mh_wr *w, uint8_t piid_acd,
                                    const struct dlt698_action_result *items, size_t n,
                                    const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_ACTION_RESPONSE, 2, piid_acd, 1, DLT698_ITEM_ACTION_RESULT,
                              items, n, tail);
}

int dlt698_enc_action_then_get_response(struct mh_wr *w, uint8_t piid_acd,
                                        const struct dlt698_action_result *items, size_t n,
                                        const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_ACTION_RESPONSE, 3, piid_acd, 1,
                              DLT698_ITEM_ACTION_GET_RESULT, items, n, tail);
}
