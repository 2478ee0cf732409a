/* DL/T 698.45 APDU names, DAR codes and the builders a master uses. */
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698.h"
#include "apdu_int.h"

const char *dlt698_apdu_name(uint8_t tag)
{
    switch (tag) {
    case 0x01: return "LINK-Request";
    case 0x81: return "LINK-Response";
    case 0x02: return "CONNECT-Request";
    case 0x82: return "CONNECT-Response";
    case 0x03: return "RELEASE-Request";
    case 0x83: return "RELEASE-Response";
    case 0x84: return "RELEASE-Notification";
    case 0x05: return "GET-Request";
    case 0x85: return "GET-Response";
    case 0x06: return "SET-Request";
    case 0x86: return "SET-Response";
    case 0x07: return "ACTION-Request";
    case 0x87: return "ACTION-Response";
    case 0x08: return "REPORT-Response";
    case 0x88: return "REPORT-Notification";
    case 0x09: return "PROXY-Request";
    case 0x89: return "PROXY-Response";
    case 0x10: return "SECURITY-Request";
    case 0x90: return "SECURITY-Response";
    case 0x6E: return "ERROR-Response";
    case 0xEE: return "ERROR-Response";
    default: return "unknown";
    }
}

const char *dlt698_choice_name(uint8_t tag, uint8_t choice)
{
    static const char *const get_req[] = {NULL, "GetRequestNormal", "GetRequestNormalList", "GetRequestRecord",
                                           "GetRequestRecordList", "GetRequestNext", "GetRequestMD5"};
    static const char *const get_resp[] = {NULL, "GetResponseNormal", "GetResponseNormalList", "GetResponseRecord",
                                            "GetResponseRecordList", "GetResponseNext", "GetResponseMD5"};
    static const char *const set_req[] = {NULL, "SetRequestNormal", "SetRequestNormalList", "SetThenGetRequestNormalList"};
    static const char *const set_resp[] = {NULL, "SetResponseNormal", "SetResponseNormalList", "SetThenGetResponseNormalList"};
    static const char *const act_req[] = {NULL, "ActionRequest", "ActionRequestList", "ActionThenGetRequestNormalList"};
    static const char *const act_resp[] = {NULL, "ActionResponseNormal", "ActionResponseNormalList", "ActionThenGetResponseNormalList"};
    static const char *const rep[] = {NULL, "ReportNotificationList", "ReportNotificationRecordList", "ReportNotificationTransData"};
    static const char *const proxy[] = {NULL, "ProxyGetRequestList", "ProxyGetRequestRecord", "ProxySetRequestList",
                                        "ProxySetThenGetRequestList", "ProxyActionRequestList", "ProxyActionThenGetRequestList",
                                        "ProxyTransCommandRequest"};
    const char *const *t = NULL;
    size_t n = 0;
#define PICK(arr) (t = arr, n = sizeof arr / sizeof arr[0])
    switch (tag) {
    case 0x05: PICK(get_req); break;
    case 0x85: PICK(get_resp); break;
    case 0x06: PICK(set_req); break;
    case 0x86: PICK(set_resp); break;
    case 0x07: PICK(act_req); break;
    case 0x87: PICK(act_resp); break;
    case 0x88: PICK(rep); break;
    case 0x09: case 0x89: PICK(proxy); break;
    default: break;
    }
#undef PICK
    return t && choice < n && t[choice] ? t[choice] : NULL;
}

const char *dlt698_dar_name(uint8_t dar)
{
    static const char *const names[] = {
        "success", "hardware failure", "temporarily unavailable", "read/write denied", "object undefined",
        "interface class mismatch", "object does not exist", "type mismatch", "out of range",
        "data block unavailable", "fragmented transfer cancelled", "not in fragmented transfer",
        "block write cancelled", "no block write state", "invalid block number", "password error / unauthorised",
        "baud rate unchangeable", "year zone count exceeded", "day period count exceeded", "tariff count exceeded",
        "security authentication mismatch", "duplicate recharge", "ESAM verification failed",
        "security authentication failed", "customer number mismatch", "recharge count error",
        "purchase exceeds limit", "address abnormal", "symmetric decryption error", "asymmetric decryption error",
        "signature error", "meter suspended", "time tag invalid", "request timeout", "ESAM P1P2 error",
        "ESAM LC error"};
    if (dar == 255)
        return "other";
    return dar < sizeof names / sizeof names[0] ? names[dar] : "unknown";
}

int dlt698_enc_get(struct mh_wr *w, uint8_t piid, uint32_t oad)
{
    mh_wr_u8(w, 0x05);
    mh_wr_u8(w, 1);
    mh_wr_u8(w, piid);
    mh_wr_u32be(w, oad);
    mh_wr_u8(w, 0); /* no TimeTag */
    return mh_wr_err(w);
}

int dlt698_enc_get_list(struct mh_wr *w, uint8_t piid, const uint32_t *oads, size_t n)
{
    if (n > 255)
        return MH_EINVAL;
    mh_wr_u8(w, 0x05);
    mh_wr_u8(w, 2);
    mh_wr_u8(w, piid);
    mh_wr_u8(w, (uint8_t)n);
    for (size_t k = 0; k < n; k++)
        mh_wr_u32be(w, oads[k]);
    mh_wr_u8(w, 0);
    return mh_wr_err(w);
}

int dlt698_enc_link_response(struct mh_wr *w, uint8_t piid, uint8_t result, const struct mh_tm *request_time,
                             const struct mh_tm *receive_time, const struct mh_tm *response_time)
{
    mh_wr_u8(w, 0x81);
    mh_wr_u8(w, piid);
    mh_wr_u8(w, result);
    dlt698_put_datetime(w, request_time);
    dlt698_put_datetime(w, receive_time);
    dlt698_put_datetime(w, response_time);
    return mh_wr_err(w);
}
