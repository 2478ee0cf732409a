/*
 * The meter rules that need a meter's 15-minute curves of day D (total and
 * phase active power, phase voltages and currents, as collect stores them
 * from 1376.1 F81-F94, 698.45 5002 and DL/T 645 load records, and the
 * realtime reads): the scan of the window hands each meter's samples here,
 * one meter at a time, and when the meter's rows are done its day is run
 * through app/anomaly's slot rules (voltage loss, phase failure, current
 * imbalance, reverse power, over capacity, and stopped when the day's
 * frozen registers say the register stood still all day; racing by the
 * slot's register needs registers the collector does not read every 15
 * minutes, so it is judged on the day in analyze.c), and its measured energy (the
 * total power's samples x 15 min) is kept for the day rules and the area
 * rules (racing, under-registration).
 *
 * Instantaneous values are taken as the measuring point's primary values,
 * as Q/GDW 1376.1 terminals report them (AFN0C F25 and the curves are
 * computed with the point's CT and PT) and the simulated meters answer.
 * NEEDSWORK: a DL/T 645 meter read directly behind a CT reports secondary
 * values; the collector does not say which it stored.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analyze_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"

/* Which field of struct anomaly_instant an item fills: 0 p[], 1 v[], 2 i[]. */
static const struct {
    uint32_t item;
    uint8_t field, index;
} curve_items[] = {
    {MH_OBIS(1, 0, 1, 7, 0), 0, 0},  {MH_OBIS(1, 0, 21, 7, 0), 0, 1},
    {MH_OBIS(1, 0, 41, 7, 0), 0, 2}, {MH_OBIS(1, 0, 61, 7, 0), 0, 3},
    {MH_OBIS(1, 0, 32, 7, 0), 1, 0}, {MH_OBIS(1, 0, 52, 7, 0), 1, 1},
    {MH_OBIS(1, 0, 72, 7, 0), 1, 2}, {MH_OBIS(1, 0, 31, 7, 0), 2, 0},
    {MH_OBIS(1, 0, 51, 7, 0), 2, 1}, {MH_OBIS(1, 0, 71, 7, 0), 2, 2},
};

#define N_CURVE_ITEMS (sizeof curve_items / sizeof curve_items[0])

/* The curve rules' alarm types: the others come from registers and events. */
static int curve_type(uint8_t type)
{
    return type == ANOMALY_STOPPED || type == ANOMALY_VOLTAGE_LOSS ||
           type == ANOMALY_PHASE_FAILURE || type == ANOMALY_IMBALANCE ||
           type == ANOMALY_REVERSE_POWER || type == ANOMALY_OVER_CAPACITY;
}

int az_curve_take(struct az *z, const struct store_reading *r)
{
    size_t k = 0;
    while (k < N_CURVE_ITEMS && curve_items[k].item != r->item)
        k++;
    if (k == N_CURVE_ITEMS || r->t < z->ds || r->t >= z->de)
        return 0;
    size_t j = (size_t)((r->t - z->ds) / ANOMALY_SLOT_S);
    double v = mh_dec_to_double(r->value);
    if (!isfinite(v))
        return 1;
    struct anomaly_instant *s = &z->inst[j];
    switch (curve_items[k].field) {
    case 0:
        s->p[curve_items[k].index] = v;
        z->inst_have[j] |= curve_items[k].index == 0 ? 1 : 0;
        break;
    case 1:
        s->v[curve_items[k].index] = v;
        z->inst_have[j] |= (uint8_t)(2u << curve_items[k].index);
        break;
    default:
        s->i[curve_items[k].index] = v;
        break;
    }
    z->inst_any = 1;
    return 1;
}

/* Copy a slot rule's alarm of meter i into the day's alarms. */
static int push_curve_alarm(struct az *z, size_t i, const struct anomaly_alarm *al)
{
    const struct az_meter *m = &z->m[i];
    struct store_alarm a = {.type = al->type, .phase = al->phase, .meter = m->id,
                            .terminal = m->terminal, .start_s = al->start, .end_s = al->end,
                            .value_milli = (int64_t)llround(al->value * 1000),
                            .limit_milli = (int64_t)llround(al->limit * 1000)};
    if (m->area >= 0)
        snprintf(a.area, sizeof a.area, "%s", z->areas[m->area].code);
    snprintf(a.evidence, sizeof a.evidence, "curve: %s", al->evidence);
    return az_alarm_push(z, &a);
}

int az_curve_flush(struct az *z, size_t i)
{
    if (!z->inst_any)
        return 0;
    struct az_meter *m = &z->m[i];
    int three = m->phases == 3;
    uint8_t need = three ? 1 | 2 | 4 | 8 : 1; /* P, and a three-phase meter's voltages */
    size_t n = 0;
    double meas = 0, meas_pos = 0;
    for (int j = 0; j < ANOMALY_SLOTS; j++) {
        struct anomaly_instant *s = &z->inst[j];
        s->present = (z->inst_have[j] & need) == need;
        if (!(z->inst_have[j] & 1))
            continue;
        n++;
        meas += s->p[0] * ANOMALY_SLOT_S / 3600.0;
        meas_pos += s->p[0] > 0 ? s->p[0] * ANOMALY_SLOT_S / 3600.0 : 0;
    }
    /* the day's measured energy only from a whole day of samples */
    if (n == ANOMALY_SLOTS) {
        m->meas = meas;
        m->meas_pos = meas_pos;
    }
    int rc = 0;
    if (!m->area_meter) {
        struct anomaly_config c = z->o->ac;
        if (m->rated_v > 0)
            c.nominal_v = m->rated_v;
        /*
         * The registers at 15-minute points are not collected, only the day's
         * freezes: when those say the import register stood still all day it
         * stood still in every slot, and the stopped rule is judged per slot;
         * otherwise the register rules are left to the day rules (analyze.c).
         */
        double reg[ANOMALY_SLOTS + 1];
        uint8_t present[ANOMALY_SLOTS + 1];
        size_t d = (size_t)z->h;
        int64_t a = z->tot[(i * z->nf + d) * 2], b = z->tot[(i * z->nf + d + 1) * 2];
        int still = a != AZ_NONE && a == b;
        for (int j = 0; j <= ANOMALY_SLOTS; j++) {
            reg[j] = still ? (double)a * m->ct * m->pt / 1e4 : 0;
            present[j] = (uint8_t)still;
        }
        struct anomaly_meter_day md = {.meter = (uint32_t)i, .day_start = z->ds,
                                       .phases = three ? 3 : 1, .has_pv = m->pv,
                                       .contract_kw = (double)m->contract_w / 1000,
                                       .reg = reg, .reg_present = present, .inst = z->inst};
        struct anomaly_alarm al[16];
        int na = anomaly_meter_check(&c, &md, al, 16);
        for (int k = 0; k < na && k < 16 && rc == 0; k++) {
            if (!curve_type(al[k].type))
                continue;
            uint8_t t = al[k].type;
            m->curve_alarms |= (uint16_t)(1u << t);
            m->fault |= t != ANOMALY_IMBALANCE && t != ANOMALY_OVER_CAPACITY;
            rc = push_curve_alarm(z, i, &al[k]);
        }
        m->curve_judged = 1;
    }
    memset(z->inst, 0, sizeof z->inst);
    memset(z->inst_have, 0, sizeof z->inst_have);
    z->inst_any = 0;
    return rc;
}
