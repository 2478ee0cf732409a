/*
 * Consumption from register readings. See include/meterhub/app/metering.h
 * for the rules; the notes here say why they are so.
 */
#include "meterhub/app/metering.h"

#include "meterhub/base/err.h"

/* Value of d at exponent e (e <= d.exp) in 128 bits; 0 if it would overflow. */
static int scale_to(struct mh_dec d, int e, __int128 *out)
{
    __int128 v = d.m;
    for (int i = e; i < d.exp; i++) {
        if (v > (__int128)INT64_MAX * 100000000000LL || v < -(__int128)INT64_MAX * 100000000000LL)
            return MH_ERANGE;
        v *= 10;
    }
    *out = v;
    return 0;
}

static int from128(__int128 v, int e, struct mh_dec *out)
{
    if (v > INT64_MAX || v < INT64_MIN)
        return MH_ERANGE;
    out->m = (int64_t)v;
    out->exp = (int8_t)e;
    return 0;
}

int mh_dec_add(struct mh_dec a, struct mh_dec b, struct mh_dec *out)
{
    int e = a.exp < b.exp ? a.exp : b.exp;
    __int128 x, y;
    if (scale_to(a, e, &x) || scale_to(b, e, &y))
        return MH_ERANGE;
    return from128(x + y, e, out);
}

int mh_dec_sub(struct mh_dec a, struct mh_dec b, struct mh_dec *out)
{
    if (b.m == INT64_MIN)
        return MH_ERANGE; /* its negation does not exist in 64 bits */
    b.m = -b.m;
    return mh_dec_add(a, b, out);
}

int mh_dec_mul_u32(struct mh_dec a, uint32_t k, struct mh_dec *out)
{
    return from128((__int128)a.m * k, a.exp, out);
}

/* Is kwh (primary) more than capacity_w could pass in dt seconds? */
static int implausible(struct mh_dec kwh, uint64_t capacity_w, int64_t dt)
{
    if (capacity_w == 0 || dt <= 0)
        return 0;
    /* limit = capacity_w * dt / 3600 / 1000 kWh; compare kwh * 3.6e6 with capacity_w * dt. */
    __int128 lhs = kwh.m, rhs = (__int128)capacity_w * dt;
    for (int i = 0; i < kwh.exp; i++)
        lhs *= 10;
    for (int i = kwh.exp; i < 0; i++)
        rhs *= 10;
    lhs *= 3600000;
    return lhs > rhs;
}

struct metering_result metering_consumption(const struct metering_reading *a,
                                            const struct metering_reading *b,
                                            const struct metering_replacement *repl,
                                            const struct metering_params *p)
{
    struct metering_result r = {METERING_MISSING, {0, 0}};
    if (!a->present || !b->present || b->t <= a->t)
        return r;
    uint32_t ratio = (p->ct ? p->ct : 1) * (p->pt ? p->pt : 1);
    struct mh_dec diff;
    enum metering_status status = METERING_OK;
    if (repl && repl->t > a->t && repl->t <= b->t) {
        struct mh_dec old_part, new_part;
        if (mh_dec_sub(repl->old_final, a->value, &old_part) || mh_dec_sub(b->value, repl->new_initial, &new_part) ||
            mh_dec_add(old_part, new_part, &diff))
            return r;
        status = METERING_REPLACED;
        if (old_part.m < 0 || new_part.m < 0) {
            r.status = METERING_NEGATIVE;
            return r;
        }
    } else {
        if (mh_dec_sub(b->value, a->value, &diff))
            return r;
        if (diff.m < 0) {
            /* Down: a rollover only if the wrapped amount is something the meter could pass. */
            struct mh_dec wrapped, one_step = {1, p->register_max.exp};
            if (p->register_max.m <= 0 || mh_dec_add(diff, p->register_max, &wrapped) ||
                mh_dec_add(wrapped, one_step, &wrapped) || wrapped.m < 0) {
                r.status = METERING_NEGATIVE;
                return r;
            }
            struct mh_dec primary;
            if (mh_dec_mul_u32(wrapped, ratio, &primary) || implausible(primary, p->capacity_w, b->t - a->t) ||
                p->capacity_w == 0) {
                /* Without a capacity there is no telling a rollover from a fault. */
                r.status = METERING_NEGATIVE;
                return r;
            }
            diff = wrapped;
            status = METERING_ROLLOVER;
        }
    }
    struct mh_dec twice;
    if (p->capacity_rollover_only && status == METERING_OK && p->register_max.m > 0 &&
        !mh_dec_add(diff, diff, &twice) && mh_dec_cmp(twice, p->register_max) > 0) {
        /* Up by more than half the register: it ran backwards through 0, no meter passes that. */
        r.status = METERING_NEGATIVE;
        return r;
    }
    if (mh_dec_mul_u32(diff, ratio, &r.kwh))
        return r;
    if (!p->capacity_rollover_only && implausible(r.kwh, p->capacity_w, b->t - a->t)) {
        r.status = METERING_IMPLAUSIBLE;
        r.kwh = (struct mh_dec){0, 0};
        return r;
    }
    r.status = status;
    return r;
}

void metering_daily(const struct metering_reading *readings, size_t n_days,
                    const struct metering_replacement *repl, const struct metering_params *p,
                    struct metering_result *out)
{
    for (size_t i = 0; i < n_days; i++)
        out[i] = metering_consumption(&readings[i], &readings[i + 1], repl, p);
}
