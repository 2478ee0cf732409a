/*
 * Alarms across days (app/analyze.h analyze_alarms_merge): a condition that
 * holds on consecutive days is one alarm, extended, never raised again;
 * one that stopped holding is closed at the start of the first day it was
 * judged and did not hold.
 */
#include <string.h>

#include "meterhub/app/analyze.h"
#include "meterhub/store.h"

static int same_subject(const struct store_alarm *a, const struct store_alarm *b)
{
    return a->type == b->type && a->meter == b->meter && a->terminal == b->terminal &&
           a->phase == b->phase;
}

size_t analyze_alarms_merge(const struct store_alarm *prev, size_t n_prev, struct store_alarm *today,
                            size_t n_today, int64_t day, int64_t day_start,
                            int (*closable)(void *ctx, const struct store_alarm *a), void *ctx,
                            size_t *closed)
{
    /*
     * The same condition found twice today (a terminal's event and a
     * register rule): one alarm, from the earlier start, open if either is.
     */
    size_t w = 0;
    for (size_t i = 0; i < n_today; i++) {
        struct store_alarm *t = &today[i];
        size_t j = 0;
        while (j < w && !(same_subject(&today[j], t) &&
                          (today[j].start_s <= t->start_s
                               ? today[j].end_s == 0 || today[j].end_s >= t->start_s
                               : t->end_s == 0 || t->end_s >= today[j].start_s)))
            j++;
        if (j == w) {
            today[w++] = *t;
            continue;
        }
        struct store_alarm *k = &today[j];
        int64_t end = k->end_s == 0 || t->end_s == 0 ? 0 : k->end_s > t->end_s ? k->end_s : t->end_s;
        if (t->start_s < k->start_s)
            *k = *t;
        k->end_s = end;
    }
    n_today = w;
    size_t n = n_today, nc = 0;
    for (size_t i = 0; i < n_today; i++) {
        struct store_alarm *t = &today[i];
        t->first_day = t->last_day = day;
        const struct store_alarm *best = NULL;
        for (size_t k = 0; k < n_prev; k++) {
            const struct store_alarm *p = &prev[k];
            if (!same_subject(p, t) || p->start_s > t->start_s)
                continue;
            if (p->end_s != 0 && p->end_s < t->start_s)
                continue; /* it ended before this one began: a new episode */
            if (!best || p->start_s < best->start_s)
                best = p; /* the episode's first row */
        }
        if (best) {
            t->start_s = best->start_s;
            t->first_day = best->first_day < day ? best->first_day : day;
        }
    }
    for (size_t k = 0; k < n_prev; k++) {
        const struct store_alarm *p = &prev[k];
        if (p->end_s != 0 || p->start_s >= day_start)
            continue;
        int continued = 0;
        for (size_t i = 0; i < n_today && !continued; i++)
            continued = same_subject(p, &today[i]) && today[i].start_s == p->start_s;
        if (continued || !closable || !closable(ctx, p))
            continue;
        struct store_alarm c = *p;
        c.end_s = day_start; /* held until the end of the last day it was seen */
        today[n++] = c;
        nc++;
    }
    if (closed)
        *closed = nc;
    return n;
}
