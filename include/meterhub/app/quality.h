/*
 * Power quality per measurement point per day: voltage qualification rate
 * against the limits of the point's voltage class, time above and below,
 * extremes with their time, three-phase unbalance, power factor statistics,
 * outages. Pure: the caller brings the day's samples (voltage curve points,
 * typically every 15 minutes), nothing is read or allocated here.
 *
 * Each sample stands for interval_s seconds of the day. Samples in an
 * outage (every phase below outage_ratio x Un) count as outage time and are
 * left out of the voltage statistics, as the qualification rate is taken
 * over supplied time. Limits: docs/app-quality.md.
 */
#ifndef MH_APP_QUALITY_H
#define MH_APP_QUALITY_H

#include <stddef.h>
#include <stdint.h>

struct quality_config {
    double nominal_v;    /* Un of a phase (220 V; 10 kV class: 10000 / sqrt 3 per phase, or line) */
    double upper_ratio;  /* qualified up to Un x (1 + upper_ratio) */
    double lower_ratio;  /* qualified down to Un x (1 - lower_ratio) */
    double outage_ratio; /* every phase below Un x outage_ratio: no supply */
    double pf_limit;     /* power factor below this counts as low */
    int64_t interval_s;  /* time one sample stands for */
};

/* GB/T 12325-2008 clause 4.3: 220 V single-phase +7 % / -10 %. */
void quality_config_220v(struct quality_config *c);
/* GB/T 12325-2008 clause 4.2: 20 kV and below three-phase, +-7 % of the nominal (line) voltage. */
void quality_config_10kv(struct quality_config *c);

struct quality_sample {
    int64_t t;
    double v[3]; /* phase voltages (the class's measure), V */
    double pf;   /* total power factor, |pf| <= 1; < 0 is read as its magnitude */
    uint8_t present;
};

struct quality_phase {
    size_t samples;           /* supplied samples judged */
    double qualified_rate;    /* share of supplied time within limits, 0..1 (1 when none judged) */
    int64_t above_s, below_s; /* time above the upper / below the lower limit */
    double vmax, vmin;
    int64_t t_vmax, t_vmin;
};

struct quality_day {
    struct quality_phase phase[3];
    double qualified_rate; /* over the phases together */
    double unbalance_max;  /* max |V - Vavg| / Vavg over samples (magnitude approximation) */
    double unbalance_mean;
    double pf_min, pf_mean;
    double pf_low_share; /* share of samples with pf below pf_limit */
    unsigned outages;    /* transitions into outage (a day starting in one counts) */
    int64_t outage_s;
};

/*
 * Statistics of n samples of a point with `phases` phases (1 or 3).
 * Returns 0 or MH_EINVAL.
 */
int quality_compute(const struct quality_config *c, const struct quality_sample *s, size_t n,
                    int phases, struct quality_day *out);

#endif
