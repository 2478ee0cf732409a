/*
 * Validation rules and estimation of register readings (docs/app-vee.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/app/vee.h"
#include "meterhub/base/err.h"

#define SLOTS 96

static const struct vee_config defaults = {
    .spike_ratio = 20.0,
    .spike_min_kw = 5.0,
    .capacity_factor = 2.0,
    .future_s = 300,
    .zero_current_a = 0.5,
    .curve_tol_kwh = 0.01,
};

void vee_config_default(struct vee_config *c)
{
    *c = defaults;
}

/* Advance rate kW between two readings, or NAN when they share a time. */
static double rate_kw(const struct vee_reading *a, const struct vee_reading *b)
{
    return b->t > a->t ? (b->value - a->value) * 3600.0 / (double)(b->t - a->t) : NAN;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of the positive advance rates, over a stack sample (the first 256). */
static double median_rate(const struct vee_reading *r, size_t n)
{
    double v[256];
    size_t k = 0;
    for (size_t i = 1; i < n && k < 256; i++) {
        double x = rate_kw(&r[i - 1], &r[i]);
        if (x > 0)
            v[k++] = x;
    }
    qsort(v, k, sizeof v[0], cmp_double);
    return k ? v[k / 2] : 0;
}

int vee_validate_readings(const struct vee_config *c, const struct vee_reading *r, size_t n,
                          int64_t now, double capacity_kw, uint16_t *flags)
{
    if (!c || (n && (!r || !flags)))
        return MH_EINVAL;
    double med = median_rate(r, n);
    int suspect = 0;
    /* Compare with the last reading in time order: one out of order must not make the next look
     * wrong. */
    size_t last = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t f = 0;
        if (r[i].value < 0)
            f |= VEE_RANGE;
        if (r[i].t > now + c->future_s)
            f |= VEE_FUTURE;
        if (i > 0) {
            const struct vee_reading *p = &r[last];
            if (r[i].t == p->t)
                f |= r[i].value == p->value ? VEE_DUPLICATE : VEE_ORDER;
            else if (r[i].t < p->t)
                f |= VEE_ORDER;
            else {
                double kw = rate_kw(p, &r[i]);
                if (r[i].value < p->value)
                    f |= VEE_DECREASE;
                if (capacity_kw > 0 && kw > c->capacity_factor * capacity_kw)
                    f |= VEE_RANGE;
                if (kw > c->spike_min_kw && kw > c->spike_ratio * med)
                    f |= VEE_SPIKE;
            }
        }
        flags[i] = f;
        suspect += f != 0;
        if (!(f & (VEE_ORDER | VEE_DUPLICATE | VEE_FUTURE)))
            last = i;
    }
    return suspect;
}

int vee_validate_day(const struct vee_config *c, const double *reg, const uint8_t *present,
                     const double *current_a, const double *frozen, uint16_t *flags)
{
    if (!c || !reg || !present || !flags)
        return MH_EINVAL;
    memset(flags, 0, (SLOTS + 1) * sizeof *flags);
    int n = 0;
    for (int j = 0; j < SLOTS && current_a; j++)
        if (present[j] && present[j + 1] && reg[j + 1] == reg[j] &&
            current_a[j] > c->zero_current_a) {
            flags[j + 1] |= VEE_ZERO_CURRENT;
            n++;
        }
    if (frozen && present[0] && present[SLOTS] &&
        fabs((reg[SLOTS] - reg[0]) - (frozen[1] - frozen[0])) > c->curve_tol_kwh) {
        n += flags[SLOTS] == 0;
        flags[SLOTS] |= VEE_CURVE_SUM;
    }
    return n;
}

static int usable(uint8_t q)
{
    return q == VEE_VALID || q == VEE_SUSPECT || q == VEE_ESTIMATED;
}

int vee_estimate_day(double *reg, uint8_t *quality, const double *profile)
{
    if (!reg || !quality)
        return MH_EINVAL;
    int n = 0, a = -1;
    for (int j = 0; j <= SLOTS; j++) {
        if (!usable(quality[j]))
            continue;
        if (a >= 0 && j - a > 1 && reg[j] >= reg[a]) {
            /* slots a..j-1 carry the gap's energy; weight w of each from the profile */
            double total = 0;
            for (int k = a; k < j; k++)
                total += profile ? fmax(profile[k], 0) : 1;
            double acc = 0;
            for (int k = a; k < j - 1; k++) {
                acc += total > 0 ? (profile ? fmax(profile[k], 0) : 1) / total : 1.0 / (j - a);
                reg[k + 1] = reg[a] + (reg[j] - reg[a]) * acc;
                quality[k + 1] = VEE_ESTIMATED;
                n++;
            }
        }
        a = j;
    }
    return n;
}
