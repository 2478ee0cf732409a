/*
 * The daily analysis over what the station stored: for local day D, the
 * daily frozen registers of every meter (and of the `history` days before
 * D that the rules compare with), the archive (areas, CT x PT, contract
 * capacity, PV), the terminals' event reports, link history and collection
 * status are read from the store; metering, validation and estimation,
 * anomaly rules and line loss run on them (app/metering, app/anomaly,
 * app/lineloss); and the results are written back (store.h "analytics
 * results"): each meter's consumption of D (total and per tariff), each
 * area's line loss, and alarms.
 *
 * Raw readings are never changed: a day whose freeze is missing but lies
 * between two read freezes gets an estimated consumption (the gap's energy
 * shared evenly over its days) in the consumption row, quality estimated.
 *
 * Alarms are de-duplicated across days: an alarm of a (type, subject,
 * phase) that was still open, or ended at D's start, is extended (same
 * row, same start) rather than raised again; one that no longer holds on
 * a day when its condition was judged is closed at the day's start.
 * Analysing a day twice stores the same results. Days are analysed in
 * order (D after D - 1): a day's alarms extend the ones before it.
 *
 * Thresholds: docs/app-analyze.md.
 */
#ifndef MH_APP_ANALYZE_H
#define MH_APP_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/app/anomaly.h"
#include "meterhub/app/lineloss.h"

struct store;

#define ANALYZE_MAX_HISTORY 31

struct analyze_opts {
    int64_t day;        /* local day number (days since 1970-01-01 of the local date) */
    int history;        /* days before D compared with (1..ANALYZE_MAX_HISTORY; 0: 7) */
    int utc_offset_min; /* the station's local time (0: 480, UTC+8, as collect) */
    /*
     * Over capacity from the tariff registers: a tariff period whose mean
     * load (its energy over its hours) is above this share of the contract
     * capacity (0: 0.9) held the load at or above capacity for hours.
     * tariff_hours[t - 1]: hours a day of tariff t (1 sharp, 2 peak, 3 flat,
     * 4 valley); all 0: 2, 6, 7, 9 (a common provincial TOU table: sharp
     * 19-21, peak 8-11, 17-19, 21-22, flat 11-17, 22-23, valley 23-08).
     */
    double over_capacity_share;
    double tariff_hours[4];
    struct anomaly_config ac; /* anomaly_config_default() unless set by the caller */
    struct lineloss_config lc;
};

/* Fill o with the defaults for day. */
void analyze_opts_default(struct analyze_opts *o, int64_t day);

struct analyze_stats {
    size_t meters;          /* active meters in the archive */
    size_t readings;        /* register readings used */
    size_t consumption;     /* meters with a consumption of D */
    size_t estimated;       /* of them, estimated (a freeze missing) */
    size_t refused;         /* registers that went down: no consumption */
    size_t areas;           /* areas with a line loss of D */
    size_t alarms;          /* alarms written (new or extended) */
    size_t alarms_new;      /* of them, raised on D */
    size_t alarms_closed;   /* earlier alarms closed on D */
    size_t events;          /* terminal events looked at */
    size_t quality;         /* meters with a voltage quality of D (from stored voltage curves) */
    size_t by_type[ANOMALY_TYPE_COUNT_]; /* alarms holding on D per type */
};

/*
 * Analyse day o->day over st. Returns 0 with *out filled, or MH_E* with a
 * line in err (may be NULL) saying why; MH_ENOENT when the archive has no
 * active meter. Nothing is written unless every result of the day was
 * computed.
 */
int analyze_day(struct store *st, const struct analyze_opts *o, struct analyze_stats *out,
                char *err, size_t cap);

/* ---- de-duplication across days (analyze_alarms.c), pure ---- */

struct store_alarm;

/*
 * Joins today's alarms (day, starting at day_start) to the earlier ones
 * prev (every alarm holding at some time of the days the events looked at
 * cover, at least every one open at or ending after day_start - 1). Each
 * alarm of today that matches an earlier one of the same (type, meter,
 * terminal, phase) which is open or ended at or after today's start takes
 * its start and first day (it continues); the others are new (first day =
 * last day = day). An earlier open alarm that today did not match is
 * closed at day_start when closable(ctx, alarm) says its condition was
 * judged today, and appended to today. today must have room for n_today +
 * n_prev alarms. Returns the new count of today; *closed counts the closed.
 */
size_t analyze_alarms_merge(const struct store_alarm *prev, size_t n_prev, struct store_alarm *today,
                            size_t n_today, int64_t day, int64_t day_start,
                            int (*closable)(void *ctx, const struct store_alarm *a), void *ctx,
                            size_t *closed);

#endif
