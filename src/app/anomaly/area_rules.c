/*
 * Rules over many meters or a terminal: sudden drop against own history and
 * peers, and under-registration against the meter's own power samples (both
 * suspected theft, confirmed by the area's line loss); terminal offline too
 * long, repeated collection failure. Thresholds: docs/app-anomaly.md.
 */
#include <math.h>
#include <stdio.h>

#include "anomaly_int.h"
#include "meterhub/base/err.h"

/*
 * A user's own median (of at most 64 days; scratch of 64 doubles), or -1
 * when the user is not judged: consumption unknown, too few known days or
 * too small a median for a ratio to mean anything.
 */
static double own_median(const struct anomaly_config *c, const struct anomaly_user_day *v,
                         double *buf)
{
    size_t k = 0, n = v->n_history < 64 ? v->n_history : 64;
    for (size_t i = 0; i < n; i++)
        if (v->history_kwh[i] >= 0)
            buf[k++] = v->history_kwh[i];
    double med = anomaly_median(buf, k);
    if (v->today_kwh < 0 || k < (size_t)c->drop_min_history_days || med < c->drop_min_history_kwh)
        return -1;
    return med;
}

/*
 * What the meter measured but did not register (kWh), NAN when unknown, and
 * whether that is under-registration rather than sampling noise. The share
 * is of a positive measured net only: a PV user exporting on balance has a
 * small or negative net while its import, which a bypass cuts, is not.
 */
static double unregistered(const struct anomaly_user_day *v)
{
    return v->has_measured ? v->measured_kwh - v->today_kwh : NAN;
}

static int under_registered(const struct anomaly_config *c, const struct anomaly_user_day *v)
{
    double m = unregistered(v);
    return !isnan(m) && m > c->unreg_min_kwh && m > c->unreg_share * fmax(v->measured_kwh, 0);
}

/*
 * A user's ratio today / own median is compared with the median of that
 * ratio over the area's users: a cold day raises everyone, a thief's share
 * falls alone. scratch holds the users' ratios for the peers' median.
 */
int anomaly_area_drop(const struct anomaly_config *c, int64_t day_start,
                      const struct anomaly_user_day *u, size_t n, double loss_rise_kwh,
                      double *scratch, struct anomaly_alarm *out, size_t cap)
{
    if (!c || (n && (!u || !scratch)) || (cap && !out))
        return MH_EINVAL;
    struct alarm_list l = {out, cap, 0};
    double buf[64];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double med = own_median(c, &u[i], buf);
        if (med > 0)
            scratch[m++] = u[i].today_kwh / med;
    }
    double peers = anomaly_median(scratch, m);
    if (peers <= 0)
        return 0;
    double lim = (1 - c->drop_ratio) * peers;
    for (size_t i = 0; i < n; i++) {
        const struct anomaly_user_day *v = &u[i];
        double med = v->explained ? -1 : own_median(c, v, buf);
        if (med <= 0)
            continue;
        double r = v->today_kwh / med;
        if (r >= lim)
            continue;
        if (!isnan(unregistered(v)) && !under_registered(c, v))
            continue; /* the meter registered what it measured: the consumption really fell */
        double drop = med * peers - v->today_kwh;
        if (!isnan(loss_rise_kwh) && loss_rise_kwh < c->drop_confirm_ratio * drop)
            continue; /* the supply meter did not see the energy go missing: a real drop */
        struct anomaly_alarm *a = alarm_next(&l, ANOMALY_SUDDEN_DROP, v->meter);
        a->start = day_start;
        a->value = r;
        a->limit = lim;
        snprintf(a->evidence, sizeof a->evidence,
                 "%.3f kWh against a median %.3f (x%.2f, peers x%.2f)", v->today_kwh, med, r,
                 peers);
    }
    return (int)l.n;
}

int anomaly_area_unregistered(const struct anomaly_config *c, int64_t day_start,
                              const struct anomaly_user_day *u, size_t n, double loss_excess_kwh,
                              struct anomaly_alarm *out, size_t cap)
{
    if (!c || (n && !u) || (cap && !out))
        return MH_EINVAL;
    struct alarm_list l = {out, cap, 0};
    for (size_t i = 0; i < n; i++) {
        const struct anomaly_user_day *v = &u[i];
        if (v->explained || !under_registered(c, v))
            continue;
        double missing = unregistered(v);
        if (!isnan(loss_excess_kwh) && loss_excess_kwh < c->unreg_confirm_ratio * missing)
            continue; /* the supply meter passed no more than usual: a metering matter, not theft */
        struct anomaly_alarm *a = alarm_next(&l, ANOMALY_SUDDEN_DROP, v->meter);
        a->start = day_start;
        a->value = missing;
        a->limit = fmax(c->unreg_min_kwh, c->unreg_share * fmax(v->measured_kwh, 0));
        snprintf(a->evidence, sizeof a->evidence,
                 "registered %.3f kWh of %.3f kWh measured (area excess loss %.3f kWh)",
                 v->today_kwh, v->measured_kwh, loss_excess_kwh);
    }
    return (int)l.n;
}

int anomaly_terminal_check(const struct anomaly_config *c, const struct anomaly_terminal_day *d,
                           struct anomaly_alarm *out, size_t cap)
{
    if (!c || !d || !d->online || !d->collect_ok || (cap && !out))
        return MH_EINVAL;
    struct alarm_list l = {out, cap, 0};
    uint8_t off[ANOMALY_SLOTS], fail[ANOMALY_SLOTS];
    int n_off = 0, n_fail = 0;
    for (int j = 0; j < ANOMALY_SLOTS; j++) {
        off[j] = !d->online[j];
        fail[j] = d->online[j] && d->collect_ok[j] == 0;
        n_off += off[j];
        n_fail += fail[j];
    }
    int first, last;
    /* "longer than": a run of offline_max_slots + 1 slots */
    if (slot_runs(off, ANOMALY_SLOTS, c->offline_max_slots + 1, &first, &last)) {
        struct anomaly_alarm *a = alarm_next(&l, ANOMALY_TERMINAL_OFFLINE, d->terminal);
        slot_span(a, d->day_start, first, last, ANOMALY_SLOTS);
        a->value = n_off * (ANOMALY_SLOT_S / 60);
        a->limit = c->offline_max_slots * (ANOMALY_SLOT_S / 60);
        snprintf(a->evidence, sizeof a->evidence,
                 "offline %d min today (limit %d min at a stretch)", n_off * (ANOMALY_SLOT_S / 60),
                 c->offline_max_slots * (ANOMALY_SLOT_S / 60));
    }
    if (slot_runs(fail, ANOMALY_SLOTS, c->collect_fail_slots, &first, &last)) {
        struct anomaly_alarm *a = alarm_next(&l, ANOMALY_COLLECT_FAILURE, d->terminal);
        slot_span(a, d->day_start, first, last, ANOMALY_SLOTS);
        a->value = n_fail;
        a->limit = c->collect_fail_slots;
        snprintf(a->evidence, sizeof a->evidence,
                 "%d collections failed while online (limit %d in a row)", n_fail,
                 c->collect_fail_slots);
    }
    return (int)l.n;
}
