/*
 * The per-meter anomaly rules over one day (thresholds: docs/app-anomaly.md).
 *
 * Each rule is a function in one const table; the slot rules mark the slots
 * where their condition holds and slot_runs turns runs of at least the
 * rule's minimum into one alarm. Phase rules run per phase, so a meter with
 * voltage loss on B gets one alarm naming B.
 */
#include <math.h>
#include <stdio.h>

#include "anomaly_int.h"
#include "meterhub/base/err.h"

struct ctx {
    const struct anomaly_config *c;
    const struct anomaly_meter_day *d;
    struct alarm_list *l;
    uint8_t phase_fault[3]; /* set by voltage loss / phase failure: imbalance follows from them */
};

static const struct anomaly_instant *inst(const struct ctx *x, int j)
{
    return x->d->inst && x->d->inst[j].present ? &x->d->inst[j] : NULL;
}

/* Register increment of slot j, or NAN when either end is missing. */
static double slot_kwh(const struct anomaly_meter_day *d, int j)
{
    if (!d->reg_present[j] || !d->reg_present[j + 1])
        return NAN;
    return d->reg[j + 1] - d->reg[j];
}

static void emit_slots(struct ctx *x, uint8_t type, uint8_t phase, const uint8_t *cond,
                       int min_slots, double value, double limit, const char *what)
{
    int first, last;
    if (!slot_runs(cond, ANOMALY_SLOTS, min_slots, &first, &last))
        return;
    struct anomaly_alarm *a = alarm_next(x->l, type, x->d->meter);
    a->phase = phase;
    slot_span(a, x->d->day_start, first, last, ANOMALY_SLOTS);
    a->value = value;
    a->limit = limit;
    if (phase < 3)
        snprintf(a->evidence, sizeof a->evidence, "phase %c: %s %.3f (limit %.3f)", 'A' + phase,
                 what, value, limit);
    else
        snprintf(a->evidence, sizeof a->evidence, "%s %.3f (limit %.3f)", what, value, limit);
}

/* Power flows (measured) but the register does not move. */
static void rule_stopped(struct ctx *x)
{
    uint8_t cond[ANOMALY_SLOTS] = {0};
    double worst = 0;
    for (int j = 0; j < ANOMALY_SLOTS; j++) {
        const struct anomaly_instant *s = inst(x, j);
        double e = slot_kwh(x->d, j);
        if (s && !isnan(e) && s->p[0] >= x->c->stopped_min_kw && e <= x->c->stopped_max_kwh &&
            e >= -x->c->reversed_min_kwh) {
            cond[j] = 1;
            worst = fmax(worst, s->p[0]);
        }
    }
    emit_slots(x, ANOMALY_STOPPED, 255, cond, x->c->stopped_min_slots, worst, x->c->stopped_min_kw,
               "kW measured, register still; max");
}

/* The import register went down (a rollover is metering's to recognise, not a slot's). */
static void rule_reversed(struct ctx *x)
{
    uint8_t cond[ANOMALY_SLOTS] = {0};
    double total = 0;
    for (int j = 0; j < ANOMALY_SLOTS; j++) {
        double e = slot_kwh(x->d, j);
        if (!isnan(e) && e < -x->c->reversed_min_kwh) {
            cond[j] = 1;
            total += -e;
        }
    }
    emit_slots(x, ANOMALY_REVERSED, 255, cond, x->c->min_slots, total, x->c->reversed_min_kwh,
               "kWh run backwards");
}

/*
 * Racing: the register advanced more than the measured power explains over
 * the day, or one slot more than the capacity could pass.
 */
static void rule_racing(struct ctx *x)
{
    uint8_t cond[ANOMALY_SLOTS] = {0};
    double reg = 0, meas = 0;
    int n = 0;
    double cap_kwh = x->d->contract_kw * x->c->racing_capacity_ratio * ANOMALY_SLOT_S / 3600.0;
    double worst_cap = 0;
    for (int j = 0; j < ANOMALY_SLOTS; j++) {
        double e = slot_kwh(x->d, j);
        if (isnan(e))
            continue;
        if (x->d->contract_kw > 0 && e > cap_kwh) {
            cond[j] = 1;
            worst_cap = fmax(worst_cap, e);
        }
        const struct anomaly_instant *s = inst(x, j);
        if (!s)
            continue;
        reg += e;
        meas += s->p[0] > 0 ? s->p[0] * ANOMALY_SLOT_S / 3600.0 : 0;
        n++;
    }
    if (meas >= x->c->racing_min_kwh && reg > meas * x->c->racing_ratio) {
        struct anomaly_alarm *a = alarm_next(x->l, ANOMALY_RACING, x->d->meter);
        a->start = x->d->day_start;
        a->end = 0;
        a->value = reg / meas;
        a->limit = x->c->racing_ratio;
        snprintf(a->evidence, sizeof a->evidence,
                 "registered %.3f kWh, measured %.3f kWh in %d slots", reg, meas, n);
        return;
    }
    emit_slots(x, ANOMALY_RACING, 255, cond, 1, worst_cap, cap_kwh,
               "kWh in 15 min above capacity;");
}

/* Is any phase other than ph live (supplied)? */
static int others_live(const struct ctx *x, const struct anomaly_instant *s, int ph)
{
    for (int q = 0; q < x->d->phases && q < 3; q++)
        if (q != ph && s->v[q] >= x->c->live_v_ratio * x->c->nominal_v)
            return 1;
    return 0;
}

/*
 * Voltage loss and phase failure per phase (Q/GDW 1354-2013 event
 * definitions): low voltage with current is voltage loss (the meter
 * registers too little); low voltage without current is a failed phase.
 */
static void rule_phases(struct ctx *x)
{
    if (x->d->phases != 3)
        return;
    double vl = x->c->vloss_v_ratio * x->c->nominal_v,
           il = x->c->vloss_i_ratio * x->c->basic_current_a;
    double vf = x->c->pfail_v_ratio * x->c->nominal_v,
           iff = x->c->pfail_i_ratio * x->c->basic_current_a;
    for (int ph = 0; ph < 3; ph++) {
        uint8_t loss[ANOMALY_SLOTS] = {0}, fail[ANOMALY_SLOTS] = {0};
        double vmin_loss = x->c->nominal_v, vmin_fail = x->c->nominal_v;
        for (int j = 0; j < ANOMALY_SLOTS; j++) {
            const struct anomaly_instant *s = inst(x, j);
            if (!s || !others_live(x, s, ph))
                continue;
            double i = fabs(s->i[ph]);
            if (s->v[ph] < vl && i > il) {
                loss[j] = 1;
                vmin_loss = fmin(vmin_loss, s->v[ph]);
            } else if (s->v[ph] < vf && i < iff) {
                fail[j] = 1;
                vmin_fail = fmin(vmin_fail, s->v[ph]);
            }
        }
        size_t before = x->l->n;
        emit_slots(x, ANOMALY_VOLTAGE_LOSS, (uint8_t)ph, loss, x->c->min_slots, vmin_loss, vl,
                   "V with current flowing; min");
        emit_slots(x, ANOMALY_PHASE_FAILURE, (uint8_t)ph, fail, x->c->min_slots, vmin_fail, vf,
                   "V and no current; min");
        if (x->l->n != before)
            x->phase_fault[ph] = 1;
    }
}

/* Current imbalance (max - min) / max on a three-phase meter, unless a phase fault explains it. */
static void rule_imbalance(struct ctx *x)
{
    if (x->d->phases != 3 || x->phase_fault[0] || x->phase_fault[1] || x->phase_fault[2])
        return;
    uint8_t cond[ANOMALY_SLOTS] = {0};
    double worst = 0;
    for (int j = 0; j < ANOMALY_SLOTS; j++) {
        const struct anomaly_instant *s = inst(x, j);
        if (!s)
            continue;
        double mx = 0, mn = INFINITY;
        for (int ph = 0; ph < 3; ph++) {
            mx = fmax(mx, fabs(s->i[ph]));
            mn = fmin(mn, fabs(s->i[ph]));
        }
        if (mx < x->c->imbalance_min_i_ratio * x->c->basic_current_a)
            continue;
        double r = (mx - mn) / mx;
        if (r > x->c->imbalance_ratio) {
            cond[j] = 1;
            worst = fmax(worst, r);
        }
    }
    emit_slots(x, ANOMALY_IMBALANCE, 255, cond, x->c->imbalance_min_slots, worst,
               x->c->imbalance_ratio, "current unbalance; max");
}

/* Negative active power (total or a phase) on a meter with no generation behind it. */
static void rule_reverse_power(struct ctx *x)
{
    if (x->d->has_pv)
        return;
    int nph = x->d->phases == 3 ? 3 : 1;
    for (int ph = -1; ph < nph; ph++) {
        uint8_t cond[ANOMALY_SLOTS] = {0};
        double worst = 0;
        for (int j = 0; j < ANOMALY_SLOTS; j++) {
            const struct anomaly_instant *s = inst(x, j);
            if (s && s->p[ph + 1] < -x->c->reverse_min_kw) {
                cond[j] = 1;
                worst = fmin(worst, s->p[ph + 1]);
            }
        }
        size_t before = x->l->n;
        emit_slots(x, ANOMALY_REVERSE_POWER, ph < 0 ? 255 : (uint8_t)ph, cond, x->c->min_slots,
                   worst, -x->c->reverse_min_kw, "kW active power; min");
        if (x->l->n != before)
            return; /* one alarm per meter: the first direction found */
    }
}

static void rule_clock(struct ctx *x)
{
    int64_t off = x->d->clock_offset_s;
    if (!x->d->clock_present || (off < 0 ? -off : off) <= x->c->clock_max_s)
        return;
    struct anomaly_alarm *a = alarm_next(x->l, ANOMALY_CLOCK, x->d->meter);
    a->start = x->d->day_start;
    a->value = (double)off;
    a->limit = (double)x->c->clock_max_s;
    snprintf(a->evidence, sizeof a->evidence, "meter clock %+lld s off (limit %lld s)",
             (long long)off, (long long)x->c->clock_max_s);
}

/* Events: each kind once a day, from the first occurrence; an event is over when it is reported. */
static void rule_events(struct ctx *x)
{
    static const struct {
        uint8_t kind, type;
        const char *text;
    } map[] = {
        {ANOMALY_EV_COVER_OPEN, ANOMALY_COVER_OPEN, "meter cover opened"},
        {ANOMALY_EV_TERMINAL_COVER, ANOMALY_COVER_OPEN, "terminal cover opened"},
        {ANOMALY_EV_PROGRAMMING, ANOMALY_PROGRAMMING, "meter programmed"},
    };
    uint8_t seen[ANOMALY_TYPE_COUNT_] = {0};
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
        int64_t first = 0, last = 0;
        unsigned count = 0;
        for (size_t e = 0; e < x->d->n_events; e++) {
            if (x->d->events[e].kind != map[k].kind)
                continue;
            int64_t t = x->d->events[e].t;
            first = count == 0 || t < first ? t : first;
            last = count == 0 || t > last ? t : last;
            count++;
        }
        if (!count || seen[map[k].type])
            continue;
        seen[map[k].type] = 1;
        struct anomaly_alarm *a = alarm_next(x->l, map[k].type, x->d->meter);
        a->start = first;
        a->end = last;
        a->value = count;
        snprintf(a->evidence, sizeof a->evidence, "%s, %u time%s", map[k].text, count,
                 count > 1 ? "s" : "");
    }
}

/*
 * Contract capacity limits what the customer's installation draws. Behind a
 * PV system the connection's net power understates it by the generation
 * used on site, so with the generation known the load judged is net power +
 * generation (import + self-consumption); without it, the net power.
 */
static void rule_over_capacity(struct ctx *x)
{
    if (x->d->contract_kw <= 0)
        return;
    double lim = x->c->over_capacity_ratio * x->d->contract_kw;
    uint8_t cond[ANOMALY_SLOTS] = {0};
    double worst = 0;
    for (int j = 0; j < ANOMALY_SLOTS; j++) {
        const struct anomaly_instant *s = inst(x, j);
        if (!s)
            continue;
        double load = s->p[0] + (x->d->gen_kw && x->d->gen_kw[j] > 0 ? x->d->gen_kw[j] : 0);
        if (load > lim) {
            cond[j] = 1;
            worst = fmax(worst, load);
        }
    }
    emit_slots(x, ANOMALY_OVER_CAPACITY, 255, cond, x->c->over_capacity_min_slots, worst, lim,
               "kW load; max");
}

/* Order matters only where a rule reads another's result: phases before imbalance. */
static void (*const rules[])(struct ctx *) = {
    rule_stopped,       rule_reversed, rule_racing, rule_phases,        rule_imbalance,
    rule_reverse_power, rule_clock,    rule_events, rule_over_capacity,
};

int anomaly_meter_check(const struct anomaly_config *c, const struct anomaly_meter_day *d,
                        struct anomaly_alarm *out, size_t cap)
{
    if (!c || !d || !d->reg || !d->reg_present || (cap && !out) || (d->n_events && !d->events))
        return MH_EINVAL;
    struct alarm_list l = {out, cap, 0};
    struct ctx x = {c, d, &l, {0, 0, 0}};
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
        rules[r](&x);
    return (int)l.n;
}
