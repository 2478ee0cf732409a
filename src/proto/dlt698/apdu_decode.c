/*
 * DL/T 698.45 APDU dispatcher (clause 8, application layer): the tag picks a group decoder
 * or, for the list-shaped services (GET 1..4, SET, ACTION, REPORT), one row
 * of a const table naming the item kind; then the optional tail and the
 * check that nothing follows.
 */
#include <string.h>

#include "apdu_int.h"

enum { ONE = 0, LIST = 1 };

/* Services whose body is PIID + one item or PIID + SEQUENCE OF items. */
static const struct svc {
    uint8_t tag, choice, kind, mode;
} svcs[] = {
    {DLT698_GET_REQUEST, 1, DLT698_ITEM_OAD, ONE},
    {DLT698_GET_REQUEST, 2, DLT698_ITEM_OAD, LIST},
    {DLT698_GET_REQUEST, 3, DLT698_ITEM_GET_RECORD, ONE},
    {DLT698_GET_REQUEST, 4, DLT698_ITEM_GET_RECORD, LIST},
    {DLT698_GET_RESPONSE, 1, DLT698_ITEM_RESULT_NORMAL, ONE},
    {DLT698_GET_RESPONSE, 2, DLT698_ITEM_RESULT_NORMAL, LIST},
    {DLT698_GET_RESPONSE, 3, DLT698_ITEM_RESULT_RECORD, ONE},
    {DLT698_GET_RESPONSE, 4, DLT698_ITEM_RESULT_RECORD, LIST},
    {DLT698_SET_REQUEST, 1, DLT698_ITEM_OAD_DATA, ONE},
    {DLT698_SET_REQUEST, 2, DLT698_ITEM_OAD_DATA, LIST},
    {DLT698_SET_REQUEST, 3, DLT698_ITEM_THEN_GET, LIST},
    {DLT698_SET_RESPONSE, 1, DLT698_ITEM_OAD_DAR, ONE},
    {DLT698_SET_RESPONSE, 2, DLT698_ITEM_OAD_DAR, LIST},
    {DLT698_SET_RESPONSE, 3, DLT698_ITEM_SET_GET_RESULT, LIST},
    {DLT698_ACTION_REQUEST, 1, DLT698_ITEM_OAD_DATA, ONE},
    {DLT698_ACTION_REQUEST, 2, DLT698_ITEM_OAD_DATA, LIST},
    {DLT698_ACTION_REQUEST, 3, DLT698_ITEM_THEN_GET, LIST},
    {DLT698_ACTION_RESPONSE, 1, DLT698_ITEM_ACTION_RESULT, ONE},
    {DLT698_ACTION_RESPONSE, 2, DLT698_ITEM_ACTION_RESULT, LIST},
    {DLT698_ACTION_RESPONSE, 3, DLT698_ITEM_ACTION_GET_RESULT, LIST},
    {DLT698_REPORT_NOTIFICATION, 1, DLT698_ITEM_RESULT_NORMAL, LIST},
    {DLT698_REPORT_NOTIFICATION, 2, DLT698_ITEM_RESULT_RECORD, LIST},
    {DLT698_REPORT_RESPONSE, 1, DLT698_ITEM_OAD, LIST},
    {DLT698_REPORT_RESPONSE, 2, DLT698_ITEM_OAD, LIST},
};

/* The table's services; GET 5/6 and REPORT TransData fall through to their group decoders. */
static int dec_table(struct mh_rd *r, struct dlt698_apdu *a)
{
    a->choice = mh_rd_u8(r);
    a->piid = mh_rd_u8(r);
    if (mh_rd_err(r))
        return mh_rd_err(r);
    for (size_t k = 0; k < sizeof svcs / sizeof svcs[0]; k++) {
        const struct svc *s = &svcs[k];
        if (s->tag != a->tag || s->choice != a->choice)
            continue;
        if (s->mode == LIST)
            dlt698_items_get(r, s->kind, 0, &a->items);
        else
            dlt698_items_get_n(r, s->kind, 0, 1, &a->items);
        return mh_rd_err(r);
    }
    if (a->tag == DLT698_GET_REQUEST || a->tag == DLT698_GET_RESPONSE)
        return dlt698_dec_get(r, a);
    if (a->tag == DLT698_REPORT_NOTIFICATION)
        return dlt698_dec_report(r, a);
    return mh_rd_fail(r, MH_EUNKNOWN);
}

/* ERROR-Response: PIID(-ACD), type (1 APDU unparsable, 2 service unsupported, 255 other). */
static int dec_error(struct mh_rd *r, struct dlt698_apdu *a)
{
    a->piid = mh_rd_u8(r);
    a->u.result = mh_rd_u8(r);
    return mh_rd_err(r);
}

enum { TAIL_NONE, TAIL_CLIENT, TAIL_SERVER };

static const struct group {
    uint8_t tag, tail;
    int (*dec)(struct mh_rd *r, struct dlt698_apdu *a);
} groups[] = {
    {DLT698_LINK_REQUEST, TAIL_NONE, dlt698_dec_link},
    {DLT698_LINK_RESPONSE, TAIL_NONE, dlt698_dec_link},
    {DLT698_CONNECT_REQUEST, TAIL_CLIENT, dlt698_dec_connect},
    {DLT698_CONNECT_RESPONSE, TAIL_SERVER, dlt698_dec_connect},
    {DLT698_RELEASE_REQUEST, TAIL_CLIENT, dlt698_dec_connect},
    {DLT698_RELEASE_RESPONSE, TAIL_SERVER, dlt698_dec_connect},
    {DLT698_RELEASE_NOTIFICATION, TAIL_SERVER, dlt698_dec_connect},
    {DLT698_GET_REQUEST, TAIL_CLIENT, dec_table},
    {DLT698_GET_RESPONSE, TAIL_SERVER, dec_table},
    {DLT698_SET_REQUEST, TAIL_CLIENT, dec_table},
    {DLT698_SET_RESPONSE, TAIL_SERVER, dec_table},
    {DLT698_ACTION_REQUEST, TAIL_CLIENT, dec_table},
    {DLT698_ACTION_RESPONSE, TAIL_SERVER, dec_table},
    {DLT698_REPORT_RESPONSE, TAIL_CLIENT, dec_table},
    {DLT698_REPORT_NOTIFICATION, TAIL_SERVER, dec_table},
    {DLT698_PROXY_REQUEST, TAIL_CLIENT, dlt698_dec_proxy},
    {DLT698_PROXY_RESPONSE, TAIL_SERVER, dlt698_dec_proxy},
    {DLT698_SECURITY_REQUEST, TAIL_NONE, dlt698_dec_security},
    {DLT698_SECURITY_RESPONSE, TAIL_NONE, dlt698_dec_security},
    {DLT698_ERROR_RESPONSE_C, TAIL_CLIENT, dec_error},
    {DLT698_ERROR_RESPONSE_S, TAIL_SERVER, dec_error},
};

int dlt698_apdu_decode(const uint8_t *p, size_t len, struct dlt698_apdu *a)
{
    struct mh_rd r;
    memset(a, 0, sizeof *a);
    mh_rd_init(&r, p, len);
    a->tag = mh_rd_u8(&r);
    if (mh_rd_err(&r))
        return mh_rd_err(&r);
    const struct group *g = NULL;
    for (size_t k = 0; k < sizeof groups / sizeof groups[0] && !g; k++)
        if (groups[k].tag == a->tag)
            g = &groups[k];
    if (!g)
        return MH_EUNKNOWN;
    if (g->dec(&r, a) != 0)
        return mh_rd_err(&r);
    if (g->tail != TAIL_NONE)
        dlt698_get_tail(&r, g->tail == TAIL_SERVER, a);
    if (mh_rd_err(&r))
        return mh_rd_err(&r);
    return mh_rd_left(&r) ? MH_ETRAILING : 0;
}
