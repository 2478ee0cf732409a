/*
 * The daily analysis's working state (app/analyze.h): the archive as
 * arrays, every meter's frozen registers of the window, and the alarms of
 * the day, shared by the loading (analyze_load.c), the terminal and event
 * rules (analyze_terminal.c) and the metering, meter and area rules
 * (analyze.c).
 */
#ifndef MH_APP_ANALYZE_INT_H
#define MH_APP_ANALYZE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/app/analyze.h"
#include "meterhub/app/quality.h"
#include "meterhub/store.h"

#define AZ_NONE INT64_MIN /* a register or energy that is not known */
#define AZ_DAY_S 86400

struct az_meter {
    int64_t id;
    uint64_t address;
    int64_t terminal; /* 0: read through no terminal */
    int32_t pn;
    uint32_t ct, pt; /* >= 1 */
    int64_t contract_w;
    uint8_t pv, area_meter, phases;
    uint16_t rated_v; /* rated phase voltage; 0: unknown */
    uint8_t fault; /* a meter fault alarm of the day explains a low consumption */
    int32_t area;  /* index into az.areas; -1: in no area */
    /* day D's energy as the total power curve accounts for it (net, and import only),
     * primary kWh; NAN without a whole day of samples */
    double meas, meas_pos;
    uint16_t curve_alarms; /* 1 << type of each alarm the curve rules raised on D */
    uint8_t curve_judged;  /* the curve rules ran on the meter's day D */
};

struct az_area {
    char code[24];
    int32_t supply;  /* the area meter's index; -1: none */
    int32_t *users;  /* into az.area_users */
    size_t n_users;
};

struct az {
    struct store *st;
    const struct analyze_opts *o;
    struct analyze_stats *stats;
    char *err;
    size_t errcap;
    int64_t day, ds, de; /* the day and its [start, end) in epoch seconds UTC */
    int h;               /* history days */
    size_t nf;           /* freezes per meter: the starts of days D - h .. D + 1 */
    struct az_meter *m;  /* by id */
    size_t nm;
    struct az_area *areas;
    size_t na;
    int32_t *area_users;
    /* frozen registers as the meter shows them (secondary), 0.1 Wh, AZ_NONE when not read:
     * tot[(i * nf + k) * 2 + dir] totals of freeze k; tar[((i * 2 + k) * 2 + dir) * 4 + t - 1]
     * tariffs of D's start (k 0) and end (k 1); dir 0 import, 1 export */
    int64_t *tot;
    int64_t *tar;
    struct store_alarm *alarms;
    size_t n_alarms, cap_alarms;
    /* the voltage curve of day D of the meter being scanned, and the days' results */
    struct quality_sample qs[ANOMALY_SLOTS];
    int qs_any;
    struct store_quality_day *quality;
    size_t n_quality, cap_quality;
    /* the power, voltage and current curves of day D of the meter being scanned;
     * inst_have[j]: bit 0 total power, bits 1..3 the phases' voltages */
    struct anomaly_instant inst[ANOMALY_SLOTS];
    uint8_t inst_have[ANOMALY_SLOTS];
    int inst_any;
};

/* Epoch seconds of freeze k (00:00 local of day D - h + k). */
int64_t az_freeze_t(const struct az *z, size_t k);

/* The meter with store id, or -1. */
int32_t az_meter_index(const struct az *z, int64_t id);

/* Set z->err (printf-like) and return rc. */
int az_fail(struct az *z, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Active archive into z->m and z->areas. MH_ENOENT when it has no meter. */
int az_load_archive(struct az *z);

/* The window's daily frozen registers of every meter, in one ordered scan. */
int az_load_freezes(struct az *z);

/* Room for element n of *v (cap elements of size bytes), doubling. 0 or MH_ENOMEM. */
int az_grow(void **v, size_t *cap, size_t n, size_t size);

/* Append one alarm of the day (copied). MH_ENOMEM. */
int az_alarm_push(struct az *z, const struct store_alarm *a);

/* A voltage or power factor sample of day D of the meter being scanned: 1 taken, 0 not one. */
int az_quality_take(struct az *z, const struct store_reading *r);
/* The scanned meter i's day is complete: its voltage quality, when it had samples. MH_ENOMEM. */
int az_quality_flush(struct az *z, size_t i);

/* A power, voltage or current sample of day D of the meter being scanned: 1 taken, 0 not one. */
int az_curve_take(struct az *z, const struct store_reading *r);
/* The scanned meter i's day is complete: its measured energy and the curve rules' alarms
 * (voltage loss, phase failure, imbalance, reverse power, stopped). MH_ENOMEM. */
int az_curve_flush(struct az *z, size_t i);

/* Alarms from the terminals' event reports of the window (cover open, stopped ...). */
int az_event_alarms(struct az *z);

/* Terminal offline (link history) and collection failure (status) of the day. */
int az_terminal_alarms(struct az *z);

#endif
