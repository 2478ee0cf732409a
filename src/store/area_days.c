/*
 * An area's daily totals (store.h store_area_daily_totals), the same on
 * every backend: the backend runs SL_AREA_DAYS (list_sql.h), which hands
 * over the area's user meters with their readings at the day boundaries,
 * meter by meter in time order; this file turns them into differences and
 * sums them exactly, day by day.
 *
 * Sums are kept in 128 bits at the smallest exponent seen (meters of one
 * area may report 2 or 4 decimals), so no reading is ever rounded; only a
 * total whose mantissa does not fit 64 bits in the end is MH_ERANGE.
 */
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "store_int.h"

#define DAY_S 86400
/* |sums| stay below this, so one more addend of at most its size cannot overflow. */
#define SUM_LIMIT ((__int128)1 << 120)

/* A value in 128 bits at a decimal exponent. */
struct acc {
    __int128 m;
    int exp;
    int set; /* 0: nothing added yet */
};

/* Scale a down to exponent e (e <= a->exp). */
static int acc_rescale(struct acc *a, int e)
{
    for (; a->exp > e; a->exp--) {
        if (a->m > SUM_LIMIT / 10 || a->m < -SUM_LIMIT / 10)
            return MH_ERANGE;
        a->m *= 10;
    }
    return 0;
}

/* *sum += v, exactly; the sum's exponent becomes the smaller of the two. */
static int acc_add(struct acc *sum, struct acc v)
{
    if (!sum->set) {
        *sum = v;
        return 0;
    }
    int e = v.exp < sum->exp ? v.exp : sum->exp;
    if (acc_rescale(sum, e) || acc_rescale(&v, e))
        return MH_ERANGE;
    sum->m += v.m;
    return sum->m > SUM_LIMIT || sum->m < -SUM_LIMIT ? MH_ERANGE : 0;
}

/* b - a, exactly. */
static int dec_diff(struct mh_dec b, struct mh_dec a, struct acc *out)
{
    struct acc x = {a.m, a.exp, 1}, y = {b.m, b.exp, 1};
    int e = x.exp < y.exp ? x.exp : y.exp;
    if (acc_rescale(&x, e) || acc_rescale(&y, e))
        return MH_ERANGE;
    *out = (struct acc){y.m - x.m, e, 1};
    return 0;
}

/* The sum as an mh_dec, dropping trailing zeros only when the mantissa would not fit. */
static int acc_dec(struct acc a, struct mh_dec *out)
{
    if (!a.set) {
        *out = mh_dec_make(0, 0);
        return 0;
    }
    while ((a.m > INT64_MAX || a.m < INT64_MIN) && a.m % 10 == 0 && a.exp < INT8_MAX) {
        a.m /= 10;
        a.exp++;
    }
    if (a.m > INT64_MAX || a.m < INT64_MIN || a.exp < INT8_MIN)
        return MH_ERANGE;
    *out = mh_dec_make((int64_t)a.m, a.exp);
    return 0;
}

struct fold {
    int64_t from;
    size_t days;
    struct store_area_day *out;
    struct acc *sum;    /* per day */
    struct mh_dec *v;   /* the current meter's freezes, days + 1 */
    unsigned char *has; /* which of them it has */
    int64_t meter;      /* the current meter; 0: none yet */
    int area_found;     /* a row came back: the area exists */
};

/* The current meter's days into the totals. */
static int flush_meter(struct fold *f)
{
    if (f->meter == 0)
        return 0;
    for (size_t k = 0; k < f->days; k++) {
        struct store_area_day *d = &f->out[k];
        d->meters++;
        if (!f->has[k] || !f->has[k + 1]) {
            d->missing++;
            continue;
        }
        struct acc diff;
        int rc = dec_diff(f->v[k + 1], f->v[k], &diff);
        if (rc < 0)
            return rc;
        if (diff.m < 0) {
            d->decreased++;
            continue;
        }
        rc = acc_add(&f->sum[k], diff);
        if (rc < 0)
            return rc;
        d->counted++;
    }
    memset(f->has, 0, f->days + 1);
    f->meter = 0;
    return 0;
}

/* meter id (NULL: the area has none), data time, mantissa, exponent (NULL: no reading) */
static int fold_row(void *ctx, const struct store_cols *c)
{
    struct fold *f = ctx;
    f->area_found = 1;
    if (c->is_null(c, 0))
        return 0;
    int64_t meter = c->i64(c, 0);
    if (meter != f->meter) {
        int rc = flush_meter(f);
        if (rc < 0)
            return rc;
        f->meter = meter;
    }
    if (c->is_null(c, 1))
        return 0;
    int64_t t = c->i64(c, 1);
    if (t < f->from || (t - f->from) % DAY_S != 0 || (uint64_t)(t - f->from) / DAY_S > f->days)
        return 0; /* the statement selects only day boundaries; anything else is not ours */
    size_t k = (size_t)((t - f->from) / DAY_S);
    f->v[k] = mh_dec_make(c->i64(c, 2), (int)c->i64(c, 3));
    f->has[k] = 1;
    return 0;
}

int store_area_daily_totals(struct store *st, const char *area, uint32_t item, int64_t from,
                            size_t days, struct store_area_day *out)
{
    if (!st || !area || !out || days < 1 || days > STORE_AREA_DAYS_MAX ||
        from < -(INT64_C(1) << 40) || from > (INT64_C(1) << 40))
        return MH_EINVAL;
    struct fold f = {.from = from, .days = days, .out = out};
    f.sum = calloc(days, sizeof *f.sum);
    f.v = calloc(days + 1, sizeof *f.v);
    f.has = calloc(days + 1, 1);
    int rc = f.sum && f.v && f.has ? 0 : MH_ENOMEM;
    if (rc == 0) {
        memset(out, 0, days * sizeof *out);
        struct store_arg a[] = {{SA_TEXT, 0, area},
                                {SA_INT, item, NULL},
                                {SA_INT, from, NULL},
                                {SA_INT, from + (int64_t)days * DAY_S, NULL}};
        rc = st->be_ops->list(st->be, SL_AREA_DAYS, a, 4, fold_row, &f);
    }
    if (rc >= 0)
        rc = flush_meter(&f);
    if (rc >= 0 && !f.area_found)
        rc = MH_ENOENT;
    for (size_t k = 0; k < days && rc >= 0; k++) {
        out[k].t = from + (int64_t)(k + 1) * DAY_S;
        rc = acc_dec(f.sum[k], &out[k].total);
    }
    free(f.sum);
    free(f.v);
    free(f.has);
    return rc < 0 ? rc : (int)days;
}
