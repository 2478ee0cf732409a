/*
 * What a task decoder reported through its ctask_value_fn, for the task
 * tests: values of pn 1 in order, and how many "no data" it said.
 * Include after cmocka.h and collect_int.h.
 */
#ifndef MH_TEST_TASK_SEEN_H
#define MH_TEST_TASK_SEEN_H

struct seen {
    int n, nodata;
    uint32_t item[16];
    struct mh_dec v[16];
};

static void on_value(void *ctx, uint16_t pn, uint32_t item, const struct mh_dec *v)
{
    struct seen *s = ctx;
    assert_int_equal(pn, 1);
    if (!v) {
        s->nodata++;
        return;
    }
    assert_true(s->n < 16);
    s->item[s->n] = item;
    s->v[s->n++] = *v;
}

#endif
