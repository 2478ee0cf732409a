/*
 * meterhub score: the analytics without injected truth of their own (power
 * quality, VEE, PV), run on the same simulated day and summarised beside
 * the anomaly table, so a change that breaks them shows in the score.
 */
#ifndef MH_CLI_SCORE_MORE_H
#define MH_CLI_SCORE_MORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "meterhub/app/quality.h"
#include "scenario.h"

struct score_more {
    /* quality */
    size_t q_points, q_below, q_below_injected;
    double q_rate_sum;
    /* vee: meters with a suspect point; injected stopped / reversed meters among them */
    size_t v_flagged, v_flagged_injected, v_injected, v_injected_flagged;
    /* der */
    size_t pv, pv_low;
    double pv_gen, pv_exp, pv_self;
};

/*
 * One meter's day: reg[0..96] primary kWh register curve, samples its
 * voltage samples (NULL for a meter without instantaneous values), imax the
 * largest phase current per slot.
 */
void score_more_meter(struct score_more *m, const struct scenario *s, size_t i, int64_t t0,
                      const double *reg, const struct quality_sample *samples, const double *imax);

/* PV per area on local day `day`; imp / exp the meters' day (primary kWh). MH_ENOMEM. */
int score_more_der(struct score_more *m, const struct scenario *s, int64_t day, const double *imp,
                   const double *exp);

void score_more_print(const struct score_more *m);
json_t *score_more_json(const struct score_more *m);

#endif
