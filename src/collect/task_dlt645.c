/*
 * DL/T 645-2007 daily frozen registers of a meter behind a DTU: three
 * reads of the daily freeze (A.6, DI2 06), the n-th last freeze selected
 * by DI0: 0506 00nn freeze time (YYMMDDhhmm), 0506 01nn forward active
 * energy and 0506 02nn reverse (total + tariffs, XXXXXX.XX kWh). 645 has
 * no way to ask for a freeze by date, so the job counts back from today
 * and checks the freeze time before it takes the registers: a meter whose
 * clock or freeze store is off answers another day's values under that n.
 */
#include <string.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/item.h"

#define DI_DAY_FREEZE 0x05060000u
#define DAY_FREEZES_MAX 62 /* DL/T 645-2007 A.6: the last 62 daily freezes */
#define VALUES_MAX 64

uint32_t ctask_dlt645_day_di(unsigned step, unsigned nth)
{
    return DI_DAY_FREEZE | (uint32_t)step << 8 | (uint32_t)nth;
}

int ctask_dlt645_day_request(struct mh_wr *w, const uint8_t addr[6], unsigned step, unsigned nth)
{
    if (step > CTASK_645_EXPORT || nth < 1 || nth > DAY_FREEZES_MAX)
        return MH_ERANGE;
    return dlt645_enc_read(w, addr, DLT645_2007, ctask_dlt645_day_di(step, nth));
}

int ctask_dlt645_day_parse(const uint8_t *frame, size_t len, const uint8_t addr[6], uint32_t di,
                           uint16_t pn, const struct mh_tm *freeze, ctask_value_fn fn, void *ctx)
{
    struct dlt645_frame f;
    int rc = dlt645_frame_parse(frame, len, &f);
    if (rc != 0)
        return rc;
    if (!(f.ctrl & DLT645_CTRL_DIR) || (f.ctrl & DLT645_CTRL_FUNC) != DLT645_READ ||
        memcmp(f.addr, addr, 6) != 0)
        return MH_EPROTO;
    unsigned step = di >> 8 & 0xFF;
    if (f.ctrl & DLT645_CTRL_ABNORMAL) { /* C.D6: the meter has no such freeze */
        if (step != CTASK_645_TIME)
            fn(ctx, pn, step == CTASK_645_IMPORT ? MH_ITEM_AE_IMP : MH_ITEM_AE_EXP, NULL);
        return 0;
    }
    struct dlt645_value v[VALUES_MAX];
    uint32_t got_di = 0;
    int n = dlt645_frame_values(&f, DLT645_2007, &got_di, v, VALUES_MAX);
    if (n < 0)
        return n;
    if (got_di != di || n < 1)
        return MH_EPROTO;
    if (step == CTASK_645_TIME) {
        if (v[0].kind == DLT645_V_NODATA)
            return 0;
        if (v[0].kind != DLT645_V_TIME)
            return MH_EPROTO;
        const struct mh_tm *t = &v[0].time;
        if (t->year != freeze->year || t->mon != freeze->mon || t->day != freeze->day ||
            t->hour != freeze->hour || t->min != freeze->min)
            return MH_ESTALE;
        return 1;
    }
    uint32_t item = step == CTASK_645_IMPORT ? MH_ITEM_AE_IMP : MH_ITEM_AE_EXP;
    for (int i = 0; i < n; i++) {
        if (v[i].kind == DLT645_V_NODATA) {
            fn(ctx, pn, MH_OBIS_TARIFF(item, v[i].tariff), NULL);
            continue;
        }
        if (v[i].kind != DLT645_V_NUM || MH_OBIS_C(v[i].item) != MH_OBIS_C(item))
            return MH_EPROTO;
        fn(ctx, pn, MH_OBIS_TARIFF(item, v[i].tariff), &v[i].num);
    }
    return 1;
}
