/*
 * Q/GDW 1376.1 realtime values (AFN0C, 5.12): the request of one job step
 * and the decoding of its reply into values per measurement point, each
 * with the time the terminal read it from the meter (Td_c, A.15).
 *
 * A realtime task reads its Fn (tasks.c) for up to eight Pn of one DA
 * group; AFN0C carries no request data. Fn of one DT group of eight share
 * a data unit, Fn of several groups take one unit per group in the same
 * frame (5.2.3.3.2), so the registers and the instantaneous values of
 * eight meters cost one exchange. The default reads F25 (power, power
 * factor, voltage, current and apparent power now, 5.12.2.4.20) and F129,
 * F131 (the forward and reverse active energy registers now, total and
 * tariffs): a snapshot between the daily freezes, each value dated by the
 * time the terminal read it from the meter.
 */
#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"

int ctask_gdw1376_realtime_request(struct mh_wr *w, uint16_t a1, uint16_t a2, const uint16_t *pn,
                                   size_t n, const struct ctask_kind *k)
{
    uint8_t da1, da2;
    int rc = gdw1376_da_set(pn, n, &da1, &da2);
    if (rc != 0)
        return rc;
    struct gdw1376_unit u[sizeof k->fns / sizeof k->fns[0]];
    rc = ctask_gdw1376_units_of(k, da1, da2, NULL, 0, u, sizeof u / sizeof u[0]);
    if (rc < 0)
        return rc;
    struct gdw1376_req r = {.addr = {a1, a2, CTASK_MSA, 0}, .afn = GDW1376_AFN_CLASS1};
    return gdw1376_req_encode(w, &r, u, (size_t)rc);
}

/* One block: its read time first (a value without one has no data time: MH_EPROTO). */
static int realtime_unit(const struct gdw1376_fn_def *d, const uint8_t *p, size_t n, uint16_t pn,
                         unsigned fi, ctask_value_at_fn fn, void *ctx)
{
    struct gdw1376_walk w;
    struct gdw1376_dv dv;
    int rc, dated = 0;
    struct mh_tm at = {0};
    gdw1376_walk_init(&w, d, p, n);
    while ((rc = gdw1376_walk_next(&w, &dv)) == 1) {
        if (dv.field->role == GDW1376_R_READ_TIME) {
            if (dv.v.kind != GDW1376_V_TIME || mh_tm_check(&dv.v.time) != 0)
                return MH_EBADTIME;
            at = dv.v.time;
            at.sec = 0;
            at.has |= MH_TM_SEC;
            dated = 1;
        } else if (dv.field->role == GDW1376_R_VALUE && dv.item != 0) {
            if (!dated)
                return MH_EPROTO;
            fn(ctx, pn, fi, dv.item, &at, dv.v.kind == GDW1376_V_NUM ? &dv.v.num : NULL);
        }
    }
    return rc;
}

struct realtime_arg {
    const struct ctask_kind *k;
    ctask_value_at_fn fn;
    void *ctx;
};

/* One of the task's Fn, laid out with its read time first. */
static int realtime_accept(const struct gdw1376_fn_def *d, const void *arg)
{
    const struct realtime_arg *a = arg;
    if (d->n_fields == 0 || d->fields[0].role != GDW1376_R_READ_TIME)
        return -1;
    for (unsigned i = 0; i < a->k->n_fns; i++)
        if (a->k->fns[i] == d->fn)
            return (int)i;
    return -1;
}

static int realtime_walk_unit(const struct gdw1376_fn_def *d, int i, uint16_t pn, const uint8_t *p,
                              size_t n, void *arg)
{
    const struct realtime_arg *a = arg;
    return realtime_unit(d, p, n, pn, (unsigned)i, a->fn, a->ctx);
}

int ctask_gdw1376_realtime_parse(const uint8_t *units, size_t len, const struct ctask_kind *k,
                                 ctask_value_at_fn fn, void *ctx)
{
    struct realtime_arg a = {k, fn, ctx};
    return ctask_gdw1376_units_walk(units, len, GDW1376_AFN_CLASS1, realtime_accept,
                                    realtime_walk_unit, &a);
}
