/*
 * Validation, estimation and editing (VEE) of register readings: rules that
 * mark readings suspect, and estimation of missing 15-minute register
 * points marked estimated. Pure: arrays in, flags and estimates out, no
 * allocation; raw readings are never changed or overwritten, estimation
 * fills only what is missing. Thresholds: docs/app-vee.md.
 */
#ifndef MH_APP_VEE_H
#define MH_APP_VEE_H

#include <stddef.h>
#include <stdint.h>

/* Why a reading is suspect (bits). */
enum {
    VEE_DECREASE = 1 << 0,  /* register lower than the reading before it */
    VEE_SPIKE = 1 << 1,     /* advance far above the series' usual rate */
    VEE_RANGE = 1 << 2,     /* negative, or an advance the capacity cannot pass */
    VEE_FUTURE = 1 << 3,    /* data time after now (+ tolerance) */
    VEE_DUPLICATE = 1 << 4, /* same data time as the reading before, same value */
    VEE_ORDER = 1 << 5,     /* data time before the reading before it, or same time other value */
    VEE_ZERO_CURRENT = 1 << 6, /* register still over a slot while current flowed */
    VEE_CURVE_SUM = 1 << 7,    /* the curve's advance disagrees with the daily frozen difference */
};

/* Quality of a curve point, as the store keeps it. */
enum vee_quality { VEE_VALID = 0, VEE_ESTIMATED = 1, VEE_SUSPECT = 2, VEE_MISSING = 3 };

struct vee_config {
    double spike_ratio;     /* an advance rate above this x the series' median rate ... */
    double spike_min_kw;    /* ... and above this is a spike */
    double capacity_factor; /* an advance rate above this x capacity is out of range */
    int64_t future_s;       /* data time may be this far ahead of now (clock skew) */
    double zero_current_a;  /* current above this while the register is still */
    double curve_tol_kwh;   /* curve vs frozen difference tolerance (register resolution) */
};

void vee_config_default(struct vee_config *c);

struct vee_reading {
    int64_t t;    /* data time, epoch s */
    double value; /* register, kWh */
};

/*
 * Readings of one register in arrival order. flags[i] gets the VEE_* bits of
 * reading i; each is compared with the last reading before it that was in
 * time order (not a duplicate, out of order or in the future). capacity_kw 0: no range check on the
 * advance. Returns the number of suspect readings or MH_EINVAL.
 */
int vee_validate_readings(const struct vee_config *c, const struct vee_reading *r, size_t n,
                          int64_t now, double capacity_kw, uint16_t *flags);

/*
 * A day's 15-minute register curve reg[0..96] (present[j]), with the slot
 * currents (96, NULL: none) and the daily frozen registers of the day's start
 * and end (frozen, 2 values; NULL: none). Adds VEE_ZERO_CURRENT to the
 * slot's end point and VEE_CURVE_SUM to point 96. Returns the number of
 * points flagged, or MH_EINVAL.
 */
int vee_validate_day(const struct vee_config *c, const double *reg, const uint8_t *present,
                     const double *current_a, const double *frozen, uint16_t *flags);

/*
 * Fills missing points of reg[0..96]: quality[j] VEE_MISSING points between
 * two usable ones (VALID or SUSPECT raw, or ESTIMATED) are estimated and
 * marked VEE_ESTIMATED. The gap's energy (the bounding difference) is shared
 * by profile (96 slot weights, e.g. the class profile or last week's same
 * day; NULL: evenly, i.e. linear interpolation of the register). A gap
 * whose bounds go down is left missing. Returns points estimated or MH_EINVAL.
 */
int vee_estimate_day(double *reg, uint8_t *quality, const double *profile);

#endif
