/*
 * Precision and recall of the anomaly rules per type against ground truth.
 */
#include <stdlib.h>

#include "meterhub/app/score.h"

static int cmp_item(const void *a, const void *b)
{
    const struct score_item *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return x->subject < y->subject ? -1 : x->subject > y->subject;
}

static size_t sort_unique(struct score_item *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_item);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (cmp_item(&v[i], &v[k - 1]) != 0)
            v[k++] = v[i];
    return k;
}

static int known(uint8_t type)
{
    return type > 0 && type < ANOMALY_TYPE_COUNT_;
}

void score_compare(struct score_item *truth, size_t n_truth, struct score_item *found,
                   size_t n_found, struct score_board *b)
{
    n_truth = sort_unique(truth, n_truth);
    n_found = sort_unique(found, n_found);
    size_t i = 0, j = 0;
    while (i < n_truth || j < n_found) {
        int c = i == n_truth ? 1 : j == n_found ? -1 : cmp_item(&truth[i], &found[j]);
        if (c == 0) {
            if (known(truth[i].type)) {
                struct score_counts *s = &b->type[truth[i].type];
                s->truth++, s->found++, s->tp++;
            }
            i++, j++;
        } else if (c < 0) {
            if (known(truth[i].type)) {
                b->type[truth[i].type].truth++;
                b->type[truth[i].type].fn++;
            }
            i++;
        } else {
            if (known(found[j].type)) {
                b->type[found[j].type].found++;
                b->type[found[j].type].fp++;
            }
            j++;
        }
    }
}

double score_precision(const struct score_counts *c)
{
    return c->tp + c->fp ? (double)c->tp / (c->tp + c->fp) : 1.0;
}

double score_recall(const struct score_counts *c)
{
    return c->tp + c->fn ? (double)c->tp / (c->tp + c->fn) : 1.0;
}
