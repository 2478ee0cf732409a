/*
 * Voltage qualification and power quality statistics (docs/app-quality.md).
 */
#include <math.h>
#include <string.h>

#include "meterhub/app/quality.h"
#include "meterhub/base/err.h"

void quality_config_220v(struct quality_config *c)
{
    *c = (struct quality_config){220.0, 0.07, 0.10, 0.60, 0.90, 900};
}

void quality_config_10kv(struct quality_config *c)
{
    *c = (struct quality_config){10000.0, 0.07, 0.07, 0.60, 0.90, 900};
}

static int in_outage(const struct quality_config *c, const struct quality_sample *s, int phases)
{
    for (int ph = 0; ph < phases; ph++)
        if (s->v[ph] >= c->outage_ratio * c->nominal_v)
            return 0;
    return 1;
}

/* One supplied sample into a phase's figures. */
static void judge(const struct quality_config *c, struct quality_phase *p, double v, int64_t t)
{
    if (p->samples == 0 || v > p->vmax)
        p->vmax = v, p->t_vmax = t;
    if (p->samples == 0 || v < p->vmin)
        p->vmin = v, p->t_vmin = t;
    p->samples++;
    /* The limits themselves are qualified; 1 mV absorbs the binary rounding of Un x 1.07. */
    if (v > c->nominal_v * (1 + c->upper_ratio) + 1e-3)
        p->above_s += c->interval_s;
    else if (v < c->nominal_v * (1 - c->lower_ratio) - 1e-3)
        p->below_s += c->interval_s;
}

static double rate(int64_t out_s, size_t samples, int64_t interval_s)
{
    double total = (double)samples * (double)interval_s;
    return total > 0 ? 1.0 - (double)out_s / total : 1.0;
}

int quality_compute(const struct quality_config *c, const struct quality_sample *s, size_t n,
                    int phases, struct quality_day *out)
{
    if (!c || !out || (n && !s) || (phases != 1 && phases != 3))
        return MH_EINVAL;
    memset(out, 0, sizeof *out);
    size_t unb_n = 0, pf_n = 0, pf_low = 0;
    int was_out = 0;
    for (size_t k = 0; k < n; k++) {
        if (!s[k].present)
            continue;
        if (in_outage(c, &s[k], phases)) {
            out->outages += !was_out;
            out->outage_s += c->interval_s;
            was_out = 1;
            continue;
        }
        was_out = 0;
        for (int ph = 0; ph < phases; ph++)
            judge(c, &out->phase[ph], s[k].v[ph], s[k].t);
        if (phases == 3) {
            double avg = (s[k].v[0] + s[k].v[1] + s[k].v[2]) / 3, dev = 0;
            for (int ph = 0; ph < 3; ph++)
                dev = fmax(dev, fabs(s[k].v[ph] - avg));
            double u = avg > 0 ? dev / avg : 0;
            out->unbalance_max = fmax(out->unbalance_max, u);
            out->unbalance_mean += u;
            unb_n++;
        }
        double pf = fabs(s[k].pf);
        out->pf_min = pf_n == 0 ? pf : fmin(out->pf_min, pf);
        out->pf_mean += pf;
        pf_low += pf < c->pf_limit;
        pf_n++;
    }
    int64_t out_s = 0;
    size_t judged = 0;
    for (int ph = 0; ph < phases; ph++) {
        struct quality_phase *p = &out->phase[ph];
        p->qualified_rate = rate(p->above_s + p->below_s, p->samples, c->interval_s);
        out_s += p->above_s + p->below_s;
        judged += p->samples;
    }
    for (int ph = phases; ph < 3; ph++)
        out->phase[ph].qualified_rate = 1.0;
    out->qualified_rate = rate(out_s, judged, c->interval_s);
    out->unbalance_mean = unb_n ? out->unbalance_mean / (double)unb_n : 0;
    out->pf_mean = pf_n ? out->pf_mean / (double)pf_n : 0;
    out->pf_low_share = pf_n ? (double)pf_low / (double)pf_n : 0;
    return 0;
}
