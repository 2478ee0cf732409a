/*
 * Q/GDW 1376.1 frozen registers: the request of one job step and the
 * decoding of its reply into values per measurement point.
 *
 * A daily request reads F161 (forward active energy, total and tariffs)
 * and F163 (reverse active energy) of up to eight Pn that share one group
 * of eight (DA, 5.2.3.3.2), with the Td_d label (A.20) of the day after
 * the DT (AFN0D, 5.13.1); a monthly one F177 and F179 with Td_m (A.21).
 * Several Pn per request is what makes a concentrator of hundreds of
 * meters affordable over GPRS: one exchange per eight meters rather than
 * per meter.
 */
#include <string.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "meterhub/proto/item.h"

/* The Fn each frozen task reads (the items come from the codec's dictionary). */
const struct ctask_kind ctask_gdw1376_day = {STORE_CLASS_DAY_FREEZE, {161, 163}, 2, GDW1376_A20,
                                             0, 0, 0};
const struct ctask_kind ctask_gdw1376_month = {STORE_CLASS_MONTH_FREEZE, {177, 179}, 2, GDW1376_A21,
                                               0, 0, 0};

int ctask_gdw1376_frozen_request(struct mh_wr *w, uint16_t a1, uint16_t a2, const uint16_t *pn,
                                 size_t n, const struct ctask_kind *k, const struct mh_tm *date)
{
    uint8_t da1, da2, dt1, dt2;
    int rc = gdw1376_da_set(pn, n, &da1, &da2);
    if (rc == 0)
        rc = gdw1376_dt_set(k->fns, k->n_fns, &dt1, &dt2);
    if (rc != 0)
        return rc;
    uint8_t label[3];
    size_t lsz = gdw1376_fmt_size((enum gdw1376_fmt)k->label);
    struct gdw1376_value v = {.kind = GDW1376_V_TIME, .time = *date};
    v.time.has = k->label == GDW1376_A20 ? MH_TM_DATE : MH_TM_YEAR | MH_TM_MON;
    rc = gdw1376_fmt_encode((enum gdw1376_fmt)k->label, &v, label, lsz);
    if (rc != 0)
        return rc;
    struct gdw1376_req r = {.addr = {a1, a2, CTASK_MSA, 0}, .afn = GDW1376_AFN_CLASS2};
    struct gdw1376_unit u = {da1, da2, dt1, dt2, label, lsz};
    return gdw1376_req_encode(w, &r, &u, 1);
}

/*
 * One frozen block (F161/F163, F177/F179: Td_d or Td_m, reading time, M,
 * then M + 1 values), walked with the codec's layout walker so the
 * dictionary alone says where each value is. Values go to fn with the
 * tariff in E of their item; "no data" (EE) as NULL.
 */
static int frozen_unit(const struct gdw1376_fn_def *d, const uint8_t *p, size_t n,
                       const struct mh_tm *day, uint16_t pn, ctask_value_fn fn, void *ctx)
{
    int daily = d->request_label == GDW1376_A20;
    struct gdw1376_walk w;
    struct gdw1376_dv dv;
    int rc, dated = 0;
    gdw1376_walk_init(&w, d, p, n);
    while ((rc = gdw1376_walk_next(&w, &dv)) == 1) {
        if (dv.field->role == GDW1376_R_FREEZE) {
            /* A frozen day other than the one asked for is the terminal's clock or store at fault. */
            const struct mh_tm *t = &dv.v.time;
            if (dv.v.kind != GDW1376_V_TIME || t->year != day->year || t->mon != day->mon ||
                (daily && t->day != day->day))
                return MH_ESTALE;
            dated = 1;
        } else if (dv.field->role == GDW1376_R_VALUE && dv.item != 0) {
            if (!dated)
                return MH_EPROTO; /* values before the freeze date: not a frozen layout */
            fn(ctx, pn, dv.item, dv.v.kind == GDW1376_V_NUM ? &dv.v.num : NULL);
        }
    }
    return rc;
}

/*
 * A Fn this task asked for and can walk: one of its Fn, its request carrying
 * the task's label, its data starting with the freeze date. Anything else in
 * a reply is refused rather than stored under items nobody asked for.
 */
static int frozen_def(const struct gdw1376_fn_def *d, const struct ctask_kind *k)
{
    if (!d || d->request_label != k->label || d->n_fields == 0 ||
        d->fields[0].role != GDW1376_R_FREEZE)
        return 0;
    for (unsigned i = 0; i < k->n_fns; i++)
        if (k->fns[i] == d->fn)
            return 1;
    return 0;
}

int ctask_gdw1376_units_walk(const uint8_t *units, size_t len, uint8_t afn,
                             int (*accept)(const struct gdw1376_fn_def *d, const void *arg),
                             int (*unit)(const struct gdw1376_fn_def *d, int i, uint16_t pn,
                                         const uint8_t *p, size_t n, void *arg),
                             void *arg)
{
    struct gdw1376_units_it it;
    uint16_t pn, f;
    int rc, n = 0;
    gdw1376_units_begin(&it, units, len);
    while ((rc = gdw1376_units_next(&it, &pn, &f)) == 1) {
        const struct gdw1376_fn_def *d = gdw1376_fn_lookup(afn, f);
        int i = d ? accept(d, arg) : -1;
        if (i < 0)
            return MH_EUNKNOWN;
        const uint8_t *p = it.r.p + it.r.off;
        size_t size;
        rc = gdw1376_fn_data_size(d, p, mh_rd_left(&it.r), &size);
        if (rc == 0)
            rc = unit(d, i, pn, p, size, arg);
        if (rc != 0)
            return rc;
        mh_rd_skip(&it.r, size);
        n++;
    }
    return rc < 0 ? rc : n;
}

struct frozen_arg {
    const struct ctask_kind *k;
    const struct mh_tm *day;
    ctask_value_fn fn;
    void *ctx;
};

static int frozen_accept(const struct gdw1376_fn_def *d, const void *arg)
{
    const struct frozen_arg *a = arg;
    return frozen_def(d, a->k) ? 0 : -1;
}

static int frozen_walk_unit(const struct gdw1376_fn_def *d, int i, uint16_t pn, const uint8_t *p,
                            size_t n, void *arg)
{
    const struct frozen_arg *a = arg;
    (void)i;
    return frozen_unit(d, p, n, a->day, pn, a->fn, a->ctx);
}

int ctask_gdw1376_frozen_parse(const uint8_t *units, size_t len, const struct ctask_kind *k,
                               const struct mh_tm *day, ctask_value_fn fn, void *ctx)
{
    struct frozen_arg a = {k, day, fn, ctx};
    return ctask_gdw1376_units_walk(units, len, GDW1376_AFN_CLASS2, frozen_accept,
                                    frozen_walk_unit, &a);
}

int ctask_gdw1376_units_of(const struct ctask_kind *k, uint8_t da1, uint8_t da2,
                           const uint8_t *label, size_t label_len, struct gdw1376_unit *u,
                           size_t cap)
{
    size_t nu = 0;
    for (unsigned i = 0; i < k->n_fns; i++) {
        unsigned g = (k->fns[i] - 1u) / 8u;
        int seen = 0;
        for (unsigned j = 0; j < i; j++)
            seen |= (k->fns[j] - 1u) / 8u == g;
        if (seen)
            continue;
        uint16_t fns[8];
        size_t nf = 0;
        for (unsigned j = i; j < k->n_fns; j++)
            if ((k->fns[j] - 1u) / 8u == g)
                fns[nf++] = k->fns[j];
        if (nu == cap)
            return MH_EOVERFLOW;
        u[nu] = (struct gdw1376_unit){da1, da2, 0, 0, label, label_len};
        int rc = gdw1376_dt_set(fns, nf, &u[nu].dt1, &u[nu].dt2);
        if (rc != 0)
            return rc;
        nu++;
    }
    return nu ? (int)nu : MH_EINVAL;
}

/* ---- terminal clock: AFN0C F2 read, AFN05 F31 set ---- */

int ctask_gdw1376_p0_read(struct mh_wr *w, uint16_t a1, uint16_t a2, uint16_t fn)
{
    struct gdw1376_req r = {.addr = {a1, a2, CTASK_MSA, 0}, .afn = GDW1376_AFN_CLASS1};
    struct gdw1376_unit u = {0, 0, 0, 0, NULL, 0};
    gdw1376_da_encode(0, &u.da1, &u.da2);
    gdw1376_dt_encode(fn, &u.dt1, &u.dt2);
    return gdw1376_req_encode(w, &r, &u, 1);
}

int ctask_gdw1376_p0_unit(const uint8_t *units, size_t len, uint16_t fn, struct mh_rd *data)
{
    struct gdw1376_units_it it;
    uint16_t pn, f;
    gdw1376_units_begin(&it, units, len);
    int rc = gdw1376_units_next(&it, &pn, &f);
    if (rc < 0)
        return rc;
    if (rc == 0 || pn != 0 || f != fn)
        return MH_EPROTO;
    *data = it.r;
    return 0;
}

int ctask_gdw1376_clock_read(struct mh_wr *w, uint16_t a1, uint16_t a2)
{
    return ctask_gdw1376_p0_read(w, a1, a2, 2);
}

int ctask_gdw1376_clock_parse(const uint8_t *units, size_t len, struct mh_tm *clock)
{
    struct mh_rd d;
    int rc = ctask_gdw1376_p0_unit(units, len, 2, &d);
    if (rc != 0)
        return rc;
    struct gdw1376_value v;
    rc = gdw1376_fmt_decode(GDW1376_A1, d.p + d.off, mh_rd_left(&d), &v);
    if (rc != 0)
        return rc;
    if (v.kind != GDW1376_V_TIME || mh_tm_check(&v.time) != 0)
        return MH_EBADTIME;
    *clock = v.time;
    return 0;
}

int ctask_gdw1376_clock_set(struct mh_wr *w, uint16_t a1, uint16_t a2, const struct mh_tm *now)
{
    uint8_t unit[16];
    struct mh_wr uw;
    mh_wr_init(&uw, unit, sizeof unit);
    struct gdw1376_ctrl c = {.pn = 0, .fn = 31};
    c.u.clock = *now;
    int rc = gdw1376_ctrl_put(&uw, &c);
    if (rc == 0)
        rc = mh_wr_err(&uw);
    if (rc != 0)
        return rc;
    struct gdw1376_req r = {.addr = {a1, a2, CTASK_MSA, 0}, .afn = GDW1376_AFN_CONTROL,
                            .pw_len = 16};
    struct gdw1376_unit u = {unit[0], unit[1], unit[2], unit[3], unit + 4, mh_wr_len(&uw) - 4};
    return gdw1376_req_encode(w, &r, &u, 1);
}
