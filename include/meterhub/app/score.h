/*
 * Scoring analytics against ground truth: which (subject, type) pairs were
 * injected, which were found, and per type the true and false positives and
 * misses. Pure; the caller builds both lists (the CLI from the simulator's
 * scenario, a test from crafted cases).
 */
#ifndef MH_APP_SCORE_H
#define MH_APP_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/app/anomaly.h"

struct score_item {
    uint32_t subject; /* meter or terminal */
    uint8_t type;     /* enum anomaly_type */
};

struct score_counts {
    unsigned truth, found, tp, fp, fn;
};

struct score_board {
    struct score_counts type[ANOMALY_TYPE_COUNT_];
};

/*
 * Adds the comparison of truth and found to b. Both arrays are sorted in
 * place; duplicates in either count once (several alarms of one type on one
 * meter are one finding). Types outside the enum are ignored.
 */
void score_compare(struct score_item *truth, size_t n_truth, struct score_item *found,
                   size_t n_found, struct score_board *b);

/* tp / (tp + fp), 1 when nothing was found; tp / (tp + fn), 1 when nothing was injected. */
double score_precision(const struct score_counts *c);
double score_recall(const struct score_counts *c);

#endif
