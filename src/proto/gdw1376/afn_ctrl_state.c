/*
 * AFN0C F5 / F6: a terminal's control settings and current control state
 * (Q/GDW 1376.1-2013 5.12.2.4.5 and 5.12.2.4.6). Both open with fixed
 * bytes and a total-add group mask, then one fixed-size block per group
 * whose bit is set, in ascending group order; a master reads them back to
 * verify what its AFN05 commands changed.
 */
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"

/* Mask of groups g[0..n), or MH_EINVAL when they are not ascending in 1..8. */
static int group_mask(const uint8_t *groups, size_t stride, uint8_t n)
{
    unsigned mask = 0, last = 0;
    if (n > 8)
        return MH_EINVAL;
    for (uint8_t i = 0; i < n; i++) {
        unsigned g = groups[(size_t)i * stride];
        if (g < 1 || g > 8 || g <= last)
            return MH_EINVAL;
        mask |= 1u << (g - 1);
        last = g;
    }
    return (int)mask;
}

int gdw1376_ctrl_settings_put(struct mh_wr *w, const struct gdw1376_ctrl_settings *s)
{
    int mask = group_mask(&s->g[0].group, sizeof s->g[0], s->n);
    if (mask < 0)
        return mask;
    mh_wr_u8(w, s->flags);
    mh_wr_u8(w, (uint8_t)mask);
    for (uint8_t i = 0; i < s->n; i++) {
        const struct gdw1376_ctrl_set_group *g = &s->g[i];
        const uint8_t b[6] = {g->scheme, g->periods, g->power, g->energy, g->power_turns, g->energy_turns};
        mh_wr_bytes(w, b, sizeof b);
    }
    return mh_wr_err(w);
}

int gdw1376_ctrl_now_put(struct mh_wr *w, const struct gdw1376_ctrl_now *s)
{
    int mask = group_mask(&s->g[0].group, sizeof s->g[0], s->n);
    if (mask < 0)
        return mask;
    mh_wr_u8(w, s->trip_turns);
    mh_wr_u8(w, s->urge_fee);
    mh_wr_u8(w, (uint8_t)mask);
    for (uint8_t i = 0; i < s->n; i++) {
        const struct gdw1376_ctrl_now_group *g = &s->g[i];
        const uint8_t b[8] = {g->limit[0],   g->limit[1], g->float_a4,   g->power_trip,
                              g->month_trip, g->buy_trip, g->power_alarm, g->energy_alarm};
        mh_wr_bytes(w, b, sizeof b);
    }
    return mh_wr_err(w);
}

int gdw1376_ctrl_settings_get(struct mh_rd *r, struct gdw1376_ctrl_settings *s)
{
    s->flags = mh_rd_u8(r);
    uint8_t mask = mh_rd_u8(r);
    s->n = 0;
    for (unsigned g = 1; g <= 8; g++) {
        if (!(mask & (1u << (g - 1))))
            continue;
        const uint8_t *b = mh_rd_bytes(r, 6);
        if (!b)
            break;
        s->g[s->n++] = (struct gdw1376_ctrl_set_group){(uint8_t)g, b[0], b[1], b[2], b[3], b[4], b[5]};
    }
    return mh_rd_err(r);
}

int gdw1376_ctrl_now_get(struct mh_rd *r, struct gdw1376_ctrl_now *s)
{
    s->trip_turns = mh_rd_u8(r);
    s->urge_fee = mh_rd_u8(r);
    uint8_t mask = mh_rd_u8(r);
    s->n = 0;
    for (unsigned g = 1; g <= 8; g++) {
        if (!(mask & (1u << (g - 1))))
            continue;
        const uint8_t *b = mh_rd_bytes(r, 8);
        if (!b)
            break;
        s->g[s->n++] = (struct gdw1376_ctrl_now_group){(uint8_t)g, {b[0], b[1]}, b[2], b[3], b[4], b[5], b[6], b[7]};
    }
    return mh_rd_err(r);
}
