/*
 * meterhub score --db URI: instead of running the analytics on the
 * simulator's model, read what `meterhub analyze` stored for the day (the
 * alarms holding on it, each meter's consumption, each area's line loss)
 * and compare it with the scenario's truth.
 */
#ifndef MH_CLI_SCORE_STORE_H
#define MH_CLI_SCORE_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "meterhub/app/score.h"
#include "scenario.h"

struct score_store {
    size_t cons_exact, cons_differ, cons_estimated, cons_refused, cons_missing;
    size_t areas, loss_exact, loss_incomplete, thief_areas, thief_top3;
    double max_loss_diff;
    /* voltage quality rows of the day: meters, mean qualified rate, below 100 %, and of
     * those the meters with injected voltage loss or phase failure */
    size_t q_meters, q_below, q_below_injected;
    double q_rate_sum;
};

/*
 * Append to found[] (grown with realloc, *cap its room) the stored alarms
 * holding on local day `day` as (scenario meter or terminal, type), and
 * compare the stored consumption and line loss of the day with the truth
 * into *out. 0, or MH_E* with err.
 */
int score_store_found(const struct scenario *s, int64_t day, const char *db,
                      struct score_item **found, size_t *n_found, size_t *cap,
                      struct score_store *out, char *err, size_t errcap);

/* Append (subject, type) to *v (grown with realloc, *cap its room). MH_ENOMEM. */
int score_items_push(struct score_item **v, size_t *n, size_t *cap, uint32_t subject, uint8_t type);

void score_store_print(const struct score_store *x);
json_t *score_store_json(const struct score_store *x);

#endif
