/*
 * Voltage quality of the day from the stored voltage curves (app/quality):
 * the scan of the window hands each meter's samples of day D here, one
 * meter at a time (readings come in meter order), so memory stays one
 * meter's day whatever the field's size.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"

int az_quality_take(struct az *z, const struct store_reading *r)
{
    static const uint32_t items[4] = {MH_OBIS(1, 0, 32, 7, 0), MH_OBIS(1, 0, 52, 7, 0),
                                      MH_OBIS(1, 0, 72, 7, 0), MH_OBIS(1, 0, 13, 7, 0)};
    int k = 0;
    while (k < 4 && items[k] != r->item)
        k++;
    if (k == 4 || r->t < z->ds || r->t >= z->de)
        return 0;
    size_t j = (size_t)((r->t - z->ds) / ANOMALY_SLOT_S);
    struct quality_sample *s = &z->qs[j];
    double v = mh_dec_to_double(r->value);
    if (!s->present)
        memset(s, 0, sizeof *s);
    s->t = z->ds + (int64_t)j * ANOMALY_SLOT_S;
    if (k < 3) {
        s->v[k] = v;
        s->present = 1;
        z->qs_any = 1;
    } else {
        s->pf = v;
    }
    return 1;
}

int az_quality_flush(struct az *z, size_t i)
{
    if (!z->qs_any)
        return 0;
    const struct az_meter *m = &z->m[i];
    struct quality_config qc;
    quality_config_220v(&qc); /* GB/T 12325-2008 4.3: single-phase 220 V, +7 % / -10 % */
    if (m->phases == 3)
        qc.lower_ratio = 0.07; /* 4.2: three-phase 20 kV and below (380 V too), +-7 % */
    if (m->rated_v > 0)
        qc.nominal_v = m->rated_v; /* behind a PT the meter sees its secondary phase voltage */
    struct quality_day d;
    int rc = quality_compute(&qc, z->qs, ANOMALY_SLOTS, m->phases == 3 ? 3 : 1, &d);
    memset(z->qs, 0, sizeof z->qs);
    z->qs_any = 0;
    if (rc < 0)
        return 0;
    if (az_grow((void **)&z->quality, &z->cap_quality, z->n_quality, sizeof *z->quality))
        return MH_ENOMEM;
    struct store_quality_day *q = &z->quality[z->n_quality++];
    memset(q, 0, sizeof *q);
    q->meter = m->id;
    q->day = z->day;
    q->qualified_ppm = llround(d.qualified_rate * 1e6);
    q->unbalance_ppm = llround(d.unbalance_max * 1e6);
    q->outages = d.outages;
    q->outage_s = d.outage_s;
    int first = 1;
    for (int ph = 0; ph < (m->phases == 3 ? 3 : 1); ph++) {
        const struct quality_phase *p = &d.phase[ph];
        if (!p->samples)
            continue;
        q->samples += (uint32_t)p->samples;
        q->above_s += p->above_s;
        q->below_s += p->below_s;
        if (first || llround(p->vmax * 1000) > q->vmax_mv) {
            q->vmax_mv = llround(p->vmax * 1000);
            q->t_vmax = p->t_vmax;
        }
        if (first || llround(p->vmin * 1000) < q->vmin_mv) {
            q->vmin_mv = llround(p->vmin * 1000);
            q->t_vmin = p->t_vmin;
        }
        first = 0;
    }
    return 0;
}
