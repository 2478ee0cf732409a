/*
 * Anomaly rule defaults, names, and the pieces every rule shares: slot runs,
 * the bounded alarm list, the median, and de-duplication across days.
 */
#include <math.h>
#include <string.h>

#include "anomaly_int.h"

static const char *const type_names[ANOMALY_TYPE_COUNT_] = {
    [ANOMALY_STOPPED] = "stopped",
    [ANOMALY_REVERSED] = "reversed",
    [ANOMALY_RACING] = "racing",
    [ANOMALY_VOLTAGE_LOSS] = "voltage_loss",
    [ANOMALY_PHASE_FAILURE] = "phase_failure",
    [ANOMALY_IMBALANCE] = "imbalance",
    [ANOMALY_REVERSE_POWER] = "reverse_power",
    [ANOMALY_CLOCK] = "clock",
    [ANOMALY_COVER_OPEN] = "cover_open",
    [ANOMALY_PROGRAMMING] = "programming",
    [ANOMALY_OVER_CAPACITY] = "over_capacity",
    [ANOMALY_SUDDEN_DROP] = "sudden_drop",
    [ANOMALY_TERMINAL_OFFLINE] = "terminal_offline",
    [ANOMALY_COLLECT_FAILURE] = "collect_failure",
};

const char *anomaly_type_name(int type)
{
    if (type <= 0 || type >= ANOMALY_TYPE_COUNT_ || !type_names[type])
        return "unknown";
    return type_names[type];
}

/* Every figure and its source: docs/app-anomaly.md. */
static const struct anomaly_config defaults = {
    .nominal_v = 220.0,
    .basic_current_a = 5.0,
    .min_slots = 2,
    .stopped_min_kw = 0.1,
    .stopped_max_kwh = 0.0,
    .stopped_min_slots = 4,
    .reversed_min_kwh = 0.001,
    .racing_ratio = 1.5,
    .racing_min_kwh = 0.5,
    .racing_capacity_ratio = 2.0,
    .vloss_v_ratio = 0.78,
    .vloss_i_ratio = 0.005,
    .pfail_v_ratio = 0.60,
    .pfail_i_ratio = 0.005,
    .live_v_ratio = 0.85,
    .imbalance_ratio = 0.30,
    .imbalance_min_i_ratio = 0.10,
    .imbalance_min_slots = 4,
    .reverse_min_kw = 0.01,
    .clock_max_s = 300,
    .over_capacity_ratio = 1.10,
    .over_capacity_min_slots = 8,
    .drop_ratio = 0.35,
    .drop_min_history_kwh = 1.0,
    .drop_min_history_days = 2,
    .drop_confirm_ratio = 0.5,
    .unreg_share = 0.15,
    .unreg_min_kwh = 0.5,
    .unreg_confirm_ratio = 0.25,
    .unreg_expected_quantile = 0.01,
    .offline_max_slots = 4,
    .collect_fail_slots = 3,
};

void anomaly_config_default(struct anomaly_config *c)
{
    *c = defaults;
}

struct anomaly_alarm *alarm_next(struct alarm_list *l, uint8_t type, uint32_t subject)
{
    static _Thread_local struct anomaly_alarm sink;
    struct anomaly_alarm *a = l->n < l->cap ? &l->out[l->n] : &sink;
    l->n++;
    memset(a, 0, sizeof *a);
    a->type = type;
    a->subject = subject;
    a->phase = 255;
    return a;
}

int slot_runs(const uint8_t *cond, int n, int min_slots, int *first, int *last)
{
    int found = 0, run = 0;
    if (min_slots < 1)
        min_slots = 1;
    for (int j = 0; j <= n; j++) {
        if (j < n && cond[j]) {
            run++;
            continue;
        }
        if (run >= min_slots) {
            if (!found)
                *first = j - run;
            *last = j - 1;
            found = 1;
        }
        run = 0;
    }
    return found;
}

void slot_span(struct anomaly_alarm *a, int64_t day_start, int first, int last, int n)
{
    a->start = day_start + (int64_t)first * ANOMALY_SLOT_S;
    a->end = last >= n - 1 ? 0 : day_start + (int64_t)(last + 1) * ANOMALY_SLOT_S;
}

/* Insertion sort: histories are a few weeks, areas a few hundred users or areas. */
static void sort_doubles(double *v, size_t k)
{
    for (size_t i = 1; i < k; i++) {
        double x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

double anomaly_median(double *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] >= 0)
            v[k++] = v[i];
    if (!k)
        return -1;
    sort_doubles(v, k);
    return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

double anomaly_expected_loss_rate(const struct anomaly_config *c, double *rates, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(rates[i]))
            rates[k++] = rates[i];
    if (!k)
        return NAN;
    sort_doubles(rates, k);
    double q = c->unreg_expected_quantile < 0 ? 0 : c->unreg_expected_quantile;
    size_t at = (size_t)(q * (double)(k - 1) + 0.5);
    return rates[at < k ? at : k - 1];
}

size_t anomaly_alarms_continue(struct anomaly_alarm *prev, size_t n_prev,
                               struct anomaly_alarm *today, size_t n_today, int64_t day_start)
{
    size_t k = 0;
    for (size_t i = 0; i < n_today; i++) {
        struct anomaly_alarm *t = &today[i];
        int joined = 0;
        for (size_t j = 0; j < n_prev && t->start == day_start; j++) {
            struct anomaly_alarm *p = &prev[j];
            if (p->end == 0 && p->subject == t->subject && p->type == t->type &&
                p->phase == t->phase) {
                p->end = t->end;
                if (t->value > p->value)
                    p->value = t->value;
                joined = 1;
                break;
            }
        }
        if (!joined)
            today[k++] = *t;
    }
    return k;
}
