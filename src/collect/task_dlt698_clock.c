/*
 * The clock of a DL/T 698.45 terminal: read it before a round's registers
 * and set it when it is off, as the 1376.1 terminals' (AFN0C F2, AFN05
 * F31) are.
 *
 * Read: GET-Request-Normal of 4000 attribute 2 (date_time_s, the
 * terminal's local time). Set: SET-Request-Normal of the same attribute
 * with the station's local time, answered by SET-Response-Normal with a
 * DAR (DL/T 698.45-2017 clause 8; 4000 is the date-time object, IC 8).
 * A terminal's clock dates what it reads for us (its realtime values and
 * curve points), so a terminal left minutes off stores its data minutes
 * off; the threshold and the alarm are the collector's (clock_sync_s,
 * clock_alarm_s), the same for both protocols.
 */
#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/dlt698_data.h"

#define OAD_CLOCK 0x40000200u
#define C_CLIENT_REQUEST 0x43 /* DIR 0, PRM 1, function 3: user data (clause 7) */
#define CA_MASTER 0x10
#define CHOICE_NORMAL 1

int ctask_dlt698_clock_read(struct mh_wr *w, const uint8_t sa[6])
{
    uint8_t apdu[16];
    struct mh_wr aw;
    mh_wr_init(&aw, apdu, sizeof apdu);
    int rc = dlt698_enc_get_normal(&aw, DLT698_PIID(0, 0), OAD_CLOCK, NULL);
    if (rc != 0)
        return rc;
    return dlt698_frame_encode(w, C_CLIENT_REQUEST, 0x05, sa, CA_MASTER, apdu, mh_wr_len(&aw));
}

int ctask_dlt698_clock_set(struct mh_wr *w, const uint8_t sa[6], const struct mh_tm *now)
{
    uint8_t data[8], apdu[32];
    struct mh_wr dw, aw;
    mh_wr_init(&dw, data, sizeof data);
    ctask_dlt698_put_datetime_s(&dw, now);
    if (mh_wr_err(&dw))
        return MH_ENOSPC;
    struct dlt698_oad_data item = {OAD_CLOCK, {data, mh_wr_len(&dw)}};
    mh_wr_init(&aw, apdu, sizeof apdu);
    int rc = dlt698_enc_set_normal(&aw, DLT698_PIID(0, 0), &item, NULL);
    if (rc != 0)
        return rc;
    return dlt698_frame_encode(w, C_CLIENT_REQUEST, 0x05, sa, CA_MASTER, apdu, mh_wr_len(&aw));
}

/* The one item of a Normal response of tag to 4000 0200; MH_EPROTO for anything else. */
static int normal_item(const uint8_t *apdu, size_t len, uint8_t tag, union dlt698_item *item)
{
    struct dlt698_apdu a;
    int rc = dlt698_apdu_decode(apdu, len, &a);
    if (rc != 0)
        return rc;
    if (a.tag != tag || a.choice != CHOICE_NORMAL)
        return MH_EPROTO;
    struct dlt698_iter it;
    dlt698_items_begin(&a.items, &it);
    rc = dlt698_items_next(&it, item);
    if (rc < 0)
        return rc;
    if (rc != 1 || (tag == DLT698_GET_RESPONSE ? item->rn.oad : item->dar.oad) != OAD_CLOCK)
        return MH_EPROTO;
    return 0;
}

int ctask_dlt698_clock_parse(const uint8_t *apdu, size_t len, struct mh_tm *clock)
{
    union dlt698_item item;
    int rc = normal_item(apdu, len, DLT698_GET_RESPONSE, &item);
    if (rc != 0)
        return rc;
    if (!item.rn.data.p)
        return MH_EBADTIME; /* a DAR: the terminal has no clock to give */
    return ctask_dlt698_get_datetime_s(item.rn.data.p, item.rn.data.len, clock);
}

int ctask_dlt698_clock_set_parse(const uint8_t *apdu, size_t len)
{
    union dlt698_item item;
    int rc = normal_item(apdu, len, DLT698_SET_RESPONSE, &item);
    if (rc != 0)
        return rc;
    return item.dar.dar == 0 ? 0 : MH_EPERM; /* DAR 0: success */
}
