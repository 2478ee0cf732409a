/*
 * Registers and day curves of scenario meters, including the transformer
 * areas' supply meters, which the meter model alone cannot know: an area
 * supplies what its users draw (metered or stolen), less what their PV
 * feeds back, plus the technical loss of the transformer and lines.
 */
#include <stdio.h>

#include "scenario.h"

int64_t scenario_local_day(const struct scenario *s, int64_t t)
{
    int64_t x = t + s->tz_offset_s;
    return x >= 0 ? x / 86400 : (x - 86399) / 86400;
}

int64_t scenario_day_start(const struct scenario *s, int64_t day)
{
    return day * 86400 - s->tz_offset_s;
}

/* Supply of an area in each interval of a day, split into import (into the area) and export. */
static void area_day(const struct scenario *s, const struct sim_area *a, int64_t day,
                     struct sim_interval out[SIM_INTERVALS_PER_DAY])
{
    int64_t net[SIM_INTERVALS_PER_DAY] = {0};
    for (uint32_t u = 0; u < a->user_count; u++) {
        int64_t load[SIM_INTERVALS_PER_DAY], pv[SIM_INTERVALS_PER_DAY];
        sim_day_flows(&s->meters[a->first_user + u].model, day, load, pv);
        for (int j = 0; j < SIM_INTERVALS_PER_DAY; j++)
            net[j] += load[j] - pv[j];
    }
    for (int j = 0; j < SIM_INTERVALS_PER_DAY; j++) {
        int64_t v = net[j] + (net[j] > 0 ? net[j] * a->loss_permille / 1000 : 0);
        out[j].import_wh10 = v > 0 ? v : 0;
        out[j].export_wh10 = v < 0 ? -v : 0;
    }
}

void scenario_meter_day(const struct scenario *s, size_t idx, int64_t day,
                        struct sim_interval out[SIM_INTERVALS_PER_DAY])
{
    const struct sim_meter_info *mi = &s->meters[idx];
    if (mi->model.customer == SIM_CUST_AREA) {
        area_day(s, &s->areas[mi->area], day, out);
        return;
    }
    int64_t load[SIM_INTERVALS_PER_DAY], pv[SIM_INTERVALS_PER_DAY];
    sim_day_flows(&mi->model, day, load, pv);
    int64_t k0 = sim_day_first_interval(day);
    for (int j = 0; j < SIM_INTERVALS_PER_DAY; j++)
        sim_registered(&mi->model, k0 + j, load[j], pv[j], &out[j]);
}

void scenario_meter_primary_at(const struct scenario *s, size_t idx, int64_t t,
                                 struct sim_registers *out)
{
    const struct sim_meter_info *mi = &s->meters[idx];
    if (mi->model.customer != SIM_CUST_AREA) {
        sim_registers_at(&mi->model, t, out);
        return;
    }
    /* Initial values as for any meter, then the area's intervals day by day. */
    struct sim_meter origin_only = mi->model;
    sim_registers_at(&origin_only, origin_only.register_origin, out);
    int64_t k = origin_only.register_origin / SIM_INTERVAL_S;
    int64_t kt = t / SIM_INTERVAL_S;
    int64_t part = t - kt * SIM_INTERVAL_S;
    /* From the memo when it lies between (every interval before it counted whole). */
    struct sim_area_memo *memo = s->areas[mi->area].memo;
    if (memo && memo->k > k && memo->k <= kt) {
        k = memo->k;
        *out = memo->r;
    }
    while (k < kt || (k == kt && part > 0)) {
        int64_t day = sim_local_day(k);
        int64_t k0 = sim_day_first_interval(day);
        if (memo && k == k0 && k0 > memo->k && k0 <= kt) {
            memo->k = k0; /* a midnight not after t: the next read may start here */
            memo->r = *out;
        }
        struct sim_interval iv[SIM_INTERVALS_PER_DAY];
        area_day(s, &s->areas[mi->area], day, iv);
        for (; k < k0 + SIM_INTERVALS_PER_DAY && (k < kt || (k == kt && part > 0)); k++) {
            sim_registers_add(out, k, &iv[k - k0], k < kt ? 1 : part, k < kt ? 1 : SIM_INTERVAL_S);
        }
        if (k == kt + 1)
            break;
    }
}

int64_t scenario_register_shown(int64_t wh10)
{
    int64_t r = wh10 % SIM_REGISTER_WRAP_WH10;
    return r < 0 ? r + SIM_REGISTER_WRAP_WH10 : r;
}

int64_t scenario_register_delta(int64_t a, int64_t b)
{
    int64_t d = scenario_register_shown(b - a);
    return d > SIM_REGISTER_WRAP_WH10 / 2 ? d - SIM_REGISTER_WRAP_WH10 : d;
}

void scenario_meter_secondary(const struct scenario *s, size_t idx, struct sim_registers *r)
{
    /* A meter behind a CT sees 1/ct of the energy and registers it truncated,
     * each register on its own, as a real meter does; its display rolls over. */
    unsigned ct = s->meters[idx].ct;
    for (int i = 0; i < 5; i++) {
        if (ct > 1) {
            r->import_wh10[i] /= ct;
            r->export_wh10[i] /= ct;
        }
        r->import_wh10[i] = scenario_register_shown(r->import_wh10[i]);
        r->export_wh10[i] = scenario_register_shown(r->export_wh10[i]);
    }
}

static int64_t floor_div_ct(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void scenario_meter_day_registers_from(const struct scenario *s, size_t idx, const struct sim_registers *p0,
                                       const struct sim_interval iv[SIM_INTERVALS_PER_DAY],
                                       int64_t imp[SIM_INTERVALS_PER_DAY + 1],
                                       int64_t exp[SIM_INTERVALS_PER_DAY + 1])
{
    /* The meter shows primary / ct, so truncation steps fall where the
     * primary sum crosses a multiple of ct. */
    int64_t ct = s->meters[idx].ct > 1 ? s->meters[idx].ct : 1;
    int64_t pi = p0->import_wh10[0], pe = p0->export_wh10[0];
    imp[0] = scenario_register_shown(floor_div_ct(pi, ct));
    exp[0] = scenario_register_shown(floor_div_ct(pe, ct));
    for (int j = 0; j < SIM_INTERVALS_PER_DAY; j++) {
        pi += iv[j].import_wh10;
        pe += iv[j].export_wh10;
        imp[j + 1] = scenario_register_shown(floor_div_ct(pi, ct));
        exp[j + 1] = scenario_register_shown(floor_div_ct(pe, ct));
    }
}

void scenario_meter_day_registers(const struct scenario *s, size_t idx, int64_t day,
                                  int64_t imp[SIM_INTERVALS_PER_DAY + 1],
                                  int64_t exp[SIM_INTERVALS_PER_DAY + 1])
{
    /* Primary registers once at 00:00 (for an area meter that sums every user
     * since the scenario start), then the day's intervals. */
    struct sim_interval iv[SIM_INTERVALS_PER_DAY];
    struct sim_registers p0;
    scenario_meter_day(s, idx, day, iv);
    scenario_meter_primary_at(s, idx, scenario_day_start(s, day), &p0);
    scenario_meter_day_registers_from(s, idx, &p0, iv, imp, exp);
}

void scenario_meter_registers_at(const struct scenario *s, size_t idx, int64_t t,
                                 struct sim_registers *out)
{
    scenario_meter_primary_at(s, idx, t, out);
    scenario_meter_secondary(s, idx, out);
}

void scenario_terminal_address(const struct sim_terminal *t, char *buf, size_t cap)
{
    if (t->protocol == SIM_PROTO_GDW1376)
        snprintf(buf, cap, "%04X%04X", t->region, t->a2);
    else
        snprintf(buf, cap, "%012llu", (unsigned long long)t->address);
}
