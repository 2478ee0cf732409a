/*
 * The points of a Q/GDW 1376.1 active power curve that A.9 cannot carry.
 *
 * F81..F84 give a point's power in A.9 (±79.9999 kW, appendix A.9): a
 * larger load's points come as "no data" (EE). No other per-point Fn
 * gives the power in a wider format: the total-add group curves F73..F76
 * (A.2, with a decimal exponent) are a group's, not a point's, and exist
 * only where the terminal is configured with groups (AFN04 F14). What
 * every point's curve does carry is its energy: F97 and F99, the forward
 * and reverse active energy of each 15-minute interval (A.13, four
 * decimals, up to 9999.9999 kWh), read in the same request. As a
 * load-management master does for such points, the power at T is then
 * taken as the interval's mean, 4 x (import - export) of the interval
 * ending at T, and stored with quality "estimated": an average over 15
 * minutes, not the sample at T, told apart from read values.
 */
#include <stdint.h>

#include "collect_int.h"
#include "meterhub/proto/item.h"

/* The reading of meter `meter`, item and data time t among r[0..n), or NULL. */
static const struct store_reading *find(const struct store_reading *r, size_t n, int64_t meter,
                                        uint32_t item, int64_t t)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].meter == meter && r[i].item == item && r[i].t == t)
            return &r[i];
    return NULL;
}

/* 4 x (a - b) exactly, at the finer of the two exponents; 0, or -1 when it would overflow. */
static int four_times_difference(struct mh_dec a, struct mh_dec b, struct mh_dec *out)
{
    int e = a.exp < b.exp ? a.exp : b.exp;
    int64_t x = a.m, y = b.m;
    for (int k = a.exp; k > e; k--) {
        if (x > INT64_MAX / 10 || x < INT64_MIN / 10)
            return -1;
        x *= 10;
    }
    for (int k = b.exp; k > e; k--) {
        if (y > INT64_MAX / 10 || y < INT64_MIN / 10)
            return -1;
        y *= 10;
    }
    if (x > INT64_MAX / 8 || x < INT64_MIN / 8 || y > INT64_MAX / 8 || y < INT64_MIN / 8)
        return -1;
    *out = mh_dec_make(4 * (x - y), e);
    return 0;
}

size_t ccurve_power_fill(struct store_reading *r, uint64_t *addr, size_t n, size_t cap,
                         int64_t meter, uint64_t address, int64_t t0,
                         const uint8_t gap[CCURVE_POINTS / 8])
{
    size_t added = 0;
    for (unsigned i = 0; i < CCURVE_POINTS && n + added < cap; i++) {
        if (!(gap[i / 8] & (1u << (i % 8))))
            continue;
        int64_t t = t0 + (int64_t)i * CCURVE_STEP_S;
        const struct store_reading *imp = find(r, n, meter, MH_ITEM_AE_IMP_INC, t);
        const struct store_reading *exp = find(r, n, meter, MH_ITEM_AE_EXP_INC, t);
        struct mh_dec p;
        if (!imp || !exp || imp->quality != STORE_Q_VALID || exp->quality != STORE_Q_VALID ||
            four_times_difference(imp->value, exp->value, &p) != 0)
            continue; /* the interval's energy did not come either: the point stays missing */
        struct store_reading *o = &r[n + added];
        *o = *imp;
        o->item = MH_ITEM_P;
        o->quality = STORE_Q_ESTIMATED;
        o->value = p;
        addr[n + added] = address;
        added++;
    }
    return added;
}
