/*
 * Event counters (store.h "event counters"), backend-neutral: one row per
 * terminal and counter, read and upserted through the listing statements
 * (the upsert's one row is the value written), synchronously: the
 * collector puts a counter only after the records before it are stored.
 * store_event_counter_queue hands a value to the writer (writer_rows.c).
 */
#include "meterhub/base/err.h"
#include "store_int.h"

static void value_one(const struct store_cols *c, void *row)
{
    *(int *)row = (int)c->i64(c, 0);
}

static int counter_ok(int64_t terminal, int counter)
{
    return terminal > 0 && (counter == STORE_EC_IMPORTANT || counter == STORE_EC_NORMAL);
}

int store_event_counter_get(struct store *st, int64_t terminal, int counter, int *value)
{
    if (!st || !value || !counter_ok(terminal, counter))
        return MH_EINVAL;
    struct store_arg a[] = {{SA_INT, terminal, NULL}, {SA_INT, counter, NULL}};
    int rc = store_list_run(st, SL_EVENT_COUNTER_GET, a, 2, value, sizeof *value, 1, value_one);
    if (rc < 0)
        return rc;
    return rc == 1 ? 0 : MH_ENOENT;
}

int store_event_counter_put(struct store *st, int64_t terminal, int counter, int value,
                            int64_t t_ms)
{
    if (!st || !counter_ok(terminal, counter) || value < 0 || value > 255)
        return MH_EINVAL;
    struct store_arg a[] = {{SA_INT, terminal, NULL},
                            {SA_INT, counter, NULL},
                            {SA_INT, value, NULL},
                            {SA_INT, t_ms, NULL}};
    int got = -1;
    int rc = store_list_run(st, SL_EVENT_COUNTER_PUT, a, 4, &got, sizeof got, 1, value_one);
    if (rc < 0)
        return rc;
    return rc == 1 && got == value ? 0 : MH_EIO;
}

int store_event_counter_queue(struct store *st, int64_t terminal, int counter, int value,
                              int64_t t_ms)
{
    if (!st || !counter_ok(terminal, counter) || value < 0 || value > 255)
        return MH_EINVAL;
    const struct store_counter_set c = {.terminal = terminal, .t_ms = t_ms, .counter = counter,
                                        .value = value};
    return store_rows_counter(st, &c);
}
