/*
 * DL/T 698.45 SET-Request / SET-Response (clause 8): Normal, NormalList,
 * SetThenGetNormalList. Decoding is table-driven (apdu_decode.c).
 */
#include "apdu_int.h"

int dlt698_enc_set_normal(struct mh_wr *w, uint8_t piid, const struct dlt698_oad_data *item,
                          const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_SET_REQUEST, 1, piid, 0, DLT698_ITEM_OAD_DATA, item, 1,
                              tail);
}

int dlt698_enc_set_list(struct mh_wr *w, uint8_t piid, const struct dlt698_oad_data *items,
                        size_t n, const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_SET_REQUEST, 2, piid, 1, DLT698_ITEM_OAD_DATA, items, n,
                              tail);
}

int dlt698_enc_set_then_get(struct mh_wr *w, uint8_t piid, const struct dlt698_then_get *items,
                            size_t n, const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_SET_REQUEST, 3, piid, 1, DLT698_ITEM_THEN_GET, items, n,
                              tail);
}

int dlt698_enc_set_response_normal(struct mh_wr *w, uint8_t piid_acd,
                                   const struct dlt698_oad_dar *item,
                                   const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_SET_RESPONSE, 1, piid_acd, 0, DLT698_ITEM_OAD_DAR, item, 1,
                              tail);
}

int dlt698_enc_set_response_list(struct mh_wr *w, uint8_t piid_acd,
                                 const struct dlt698_oad_dar *items, size_t n,
                                 const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_SET_RESPONSE, 2, piid_acd, 1, DLT698_ITEM_OAD_DAR, items, n,
                              tail);
}

int dlt698_enc_set_then_get_response(struct mh_wr *w, uint8_t piid_acd,
                                     const struct dlt698_set_get_result *items, size_t n,
                                     const struct dlt698_tail *tail)
{
    return dlt698_put_service(w, DLT698_SET_RESPONSE, 3, piid_acd, 1, DLT698_ITEM_SET_GET_RESULT,
                              items, n, tail);
}
