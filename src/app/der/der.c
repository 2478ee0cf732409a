/*
 * PV balance and underperformance against neighbours (docs/app-der.md).
 */
#include <stdlib.h>
#include <string.h>

#include "meterhub/app/der.h"
#include "meterhub/base/err.h"

void der_config_default(struct der_config *c)
{
    *c = (struct der_config){.low_yield_ratio = 0.6, .min_peer_yield = 0.5, .min_peers = 3};
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int der_day(const struct der_config *c, const struct der_system_day *s, size_t n, double *scratch,
            struct der_result *out)
{
    if (!c || (n && (!s || !scratch || !out)))
        return MH_EINVAL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        struct der_result *r = &out[i];
        memset(r, 0, sizeof *r);
        if (s[i].generation_kwh < 0)
            continue;
        double self = s[i].generation_kwh - s[i].export_kwh;
        r->self_kwh = self > 0 ? self : 0;
        r->self_ratio = s[i].generation_kwh > 0 ? r->self_kwh / s[i].generation_kwh : 0;
        r->load_kwh = s[i].import_kwh + r->self_kwh;
        if (s[i].peak_kw > 0) {
            r->yield = s[i].generation_kwh / s[i].peak_kw;
            scratch[k++] = r->yield;
        }
    }
    if (k < c->min_peers)
        return 0;
    qsort(scratch, k, sizeof *scratch, cmp_double);
    double med = k % 2 ? scratch[k / 2] : (scratch[k / 2 - 1] + scratch[k / 2]) / 2;
    if (med < c->min_peer_yield)
        return 0;
    int low = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i].generation_kwh >= 0 && s[i].peak_kw > 0 &&
            out[i].yield < c->low_yield_ratio * med) {
            out[i].low = 1;
            low++;
        }
    return low;
}
