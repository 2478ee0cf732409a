/* Shared by the anomaly rules: slot runs and the bounded alarm list. */
#ifndef MH_APP_ANOMALY_INT_H
#define MH_APP_ANOMALY_INT_H

#include "meterhub/app/anomaly.h"

/* A caller's output array: alarms beyond cap are counted, not written. */
struct alarm_list {
    struct anomaly_alarm *out;
    size_t cap;
    size_t n;
};

/* The next alarm to fill (zeroed), or a scratch one when the list is full. */
struct anomaly_alarm *alarm_next(struct alarm_list *l, uint8_t type, uint32_t subject);

/*
 * Slots of cond[0..n) that belong to runs of at least min_slots: *first and
 * *last are the first and last such slot. Returns 1 when there is one, 0
 * otherwise.
 */
int slot_runs(const uint8_t *cond, int n, int min_slots, int *first, int *last);

/* Start and end of slots first..last of a day; end 0 when last is the day's last slot. */
void slot_span(struct anomaly_alarm *a, int64_t day_start, int first, int last, int n);

#endif
