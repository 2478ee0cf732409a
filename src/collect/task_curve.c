/*
 * Q/GDW 1376.1 15-minute curves (AFN0D F81..F108, 5.13.2.4.11): the
 * request of one job step and the decoding of its reply into points per
 * measurement point.
 *
 * A curve task reads its Fn (the task's configuration, tasks.c) for up to
 * eight Pn of one DA group, with the Td_c label (A.15 first point time,
 * density m, points n): one data unit per DT group of eight its Fn fall
 * in, each with the label, in one frame. A day is read
 * as 96 points of density 1 from 00:15: a point at T is the value frozen at
 * T, and an increment point (F97..F100) is the energy of the interval
 * ending at T, so the day's 96 intervals are the points 00:15 .. 24:00.
 */
#include <string.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"

/* The curve's first point time as A.15 (minute resolution), local time. */
static int put_label(uint8_t label[7], const struct mh_tm *start, uint8_t density, uint8_t points)
{
    struct gdw1376_value v = {.kind = GDW1376_V_TIME, .time = *start};
    v.time.has = MH_TM_DATE | MH_TM_HM;
    int rc = gdw1376_fmt_encode(GDW1376_A15, &v, label, 5);
    label[5] = density;
    label[6] = points;
    return rc;
}

int ctask_gdw1376_curve_request(struct mh_wr *w, uint16_t a1, uint16_t a2, const uint16_t *pn,
                                size_t n, const struct ctask_kind *k, const struct mh_tm *start,
                                uint8_t density, uint8_t points)
{
    uint8_t da1, da2, label[7];
    int rc = gdw1376_da_set(pn, n, &da1, &da2);
    if (rc == 0)
        rc = put_label(label, start, density, points);
    if (rc != 0)
        return rc;
    struct gdw1376_unit u[sizeof k->fns / sizeof k->fns[0]];
    rc = ctask_gdw1376_units_of(k, da1, da2, label, sizeof label, u, sizeof u / sizeof u[0]);
    if (rc < 0)
        return rc;
    struct gdw1376_req r = {.addr = {a1, a2, CTASK_MSA, 0}, .afn = GDW1376_AFN_CLASS2};
    return gdw1376_req_encode(w, &r, u, (size_t)rc);
}

/* Which of the task's Fn this is (its index), or -1 for one it did not ask for. */
static int fn_index(const struct ctask_kind *k, uint16_t fn)
{
    for (unsigned i = 0; i < k->n_fns; i++)
        if (k->fns[i] == fn)
            return (int)i;
    return -1;
}

/*
 * One curve block: Td_c echoed (it must be the curve asked for: another
 * first point or density is another curve, MH_ESTALE), then the points.
 */
static int curve_unit(const struct gdw1376_fn_def *d, const uint8_t *p, size_t n,
                      const struct mh_tm *start, uint8_t density, uint8_t points, uint16_t pn,
                      unsigned fi, ctask_point_fn fn, void *ctx)
{
    struct gdw1376_walk w;
    struct gdw1376_dv dv;
    int rc, head = 0;
    gdw1376_walk_init(&w, d, p, n);
    while ((rc = gdw1376_walk_next(&w, &dv)) == 1) {
        const struct mh_tm *t = &dv.v.time;
        switch (dv.field->role) {
        case GDW1376_R_CURVE_START:
            if (dv.v.kind != GDW1376_V_TIME || t->year != start->year || t->mon != start->mon ||
                t->day != start->day || t->hour != start->hour || t->min != start->min)
                return MH_ESTALE;
            head |= 1;
            break;
        case GDW1376_R_DENSITY:
            if (dv.v.kind != GDW1376_V_NUM || dv.v.num.m != density || dv.v.num.exp != 0)
                return MH_ESTALE;
            head |= 2;
            break;
        case GDW1376_R_POINTS:
            head |= 4;
            break;
        case GDW1376_R_VALUE:
            if (head != 7)
                return MH_EPROTO; /* points before the curve's head: not a curve layout */
            if (dv.index >= points)
                return MH_EPROTO; /* more points than asked for */
            fn(ctx, pn, fi, dv.item, dv.index, dv.v.kind == GDW1376_V_NUM ? &dv.v.num : NULL);
            break;
        default:
            break;
        }
    }
    return rc;
}

struct curve_arg {
    const struct ctask_kind *k;
    const struct mh_tm *start;
    uint8_t density, points;
    ctask_point_fn fn;
    void *ctx;
};

static int curve_accept(const struct gdw1376_fn_def *d, const void *arg)
{
    const struct curve_arg *a = arg;
    return d->request_label == GDW1376_A15 ? fn_index(a->k, d->fn) : -1;
}

static int curve_walk_unit(const struct gdw1376_fn_def *d, int i, uint16_t pn, const uint8_t *p,
                           size_t n, void *arg)
{
    const struct curve_arg *a = arg;
    return curve_unit(d, p, n, a->start, a->density, a->points, pn, (unsigned)i, a->fn, a->ctx);
}

int ctask_gdw1376_curve_parse(const uint8_t *units, size_t len, const struct ctask_kind *k,
                              const struct mh_tm *start, uint8_t density, uint8_t points,
                              ctask_point_fn fn, void *ctx)
{
    struct curve_arg a = {k, start, density, points, fn, ctx};
    return ctask_gdw1376_units_walk(units, len, GDW1376_AFN_CLASS2, curve_accept, curve_walk_unit,
                                    &a);
}
