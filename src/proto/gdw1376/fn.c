/*
 * The Fn dictionary's engine: lookup, size and value walk over the layouts
 * of fn_table.c (Q/GDW 1376.1 clauses 5.9, 5.12-5.14, appendix A). A layout
 * is a flat field list whose groups repeat by a count read from the data
 * (tariffs M, curve points n, harmonic order N); groups do not nest, so the
 * size of a block is a sum of products and a walk is one loop with no
 * recursion and no allocation.
 */
#include <string.h>

#include "fmt_int.h"
#include "fn_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/item.h"

/* Tariff counts above this are corrupt data (the standard allows up to 14; 63 is E's range). */
#define MAX_TARIFFS 63

static int key_cmp(uint8_t afn, uint16_t fn, const struct gdw1376_fn_def *d)
{
    return afn != d->afn ? (afn < d->afn ? -1 : 1) : fn != d->fn ? (fn < d->fn ? -1 : 1) : 0;
}

const struct gdw1376_fn_def *gdw1376_fn_lookup(uint8_t afn, uint16_t fn)
{
    size_t lo = 0, hi = gdw1376_fn_defs_n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(afn, fn, &gdw1376_fn_defs[mid]);
        if (c == 0)
            return &gdw1376_fn_defs[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const struct gdw1376_fn_def *gdw1376_fn_table(size_t *n)
{
    *n = gdw1376_fn_defs_n;
    return gdw1376_fn_defs;
}

size_t gdw1376_fn_request_size(const struct gdw1376_fn_def *d)
{
    switch (d->request_label) {
    case GDW1376_A20: return 3;
    case GDW1376_A21: return 2;
    case GDW1376_A15: return 7;
    default: return 0;
    }
}

unsigned gdw1376_density_minutes(unsigned density)
{
    static const unsigned char minutes[] = {0, 15, 30, 60};
    if (density < sizeof minutes)
        return minutes[density];
    return density == 254 ? 5 : density == 255 ? 1 : 0;
}

/* How many times a group repeats, given the counts read so far. */
static unsigned reps_of(uint8_t rep, unsigned m, unsigned count)
{
    switch (rep) {
    case GDW1376_REP_TARIFFS: return m + 1;
    case GDW1376_REP_COUNT: return count;
    case GDW1376_REP_HARM: return count > 1 ? count - 1 : 0;
    default: return 1;
    }
}

static unsigned span_of(const struct gdw1376_fn_def *d, unsigned k)
{
    unsigned s = d->fields[k].span ? d->fields[k].span : 1;
    return k + s <= d->n_fields ? s : d->n_fields - k;
}

/* A count field's value (BIN1), with the tariff bound checked. */
static int read_count(const struct gdw1376_field *f, const uint8_t *p, unsigned *m, unsigned *count)
{
    if (f->role == GDW1376_R_TARIFFS) {
        if (p[0] > MAX_TARIFFS)
            return MH_EPROTO;
        *m = p[0];
    } else if (f->role == GDW1376_R_COUNT || f->role == GDW1376_R_POINTS) {
        *count = p[0];
    }
    return 0;
}

int gdw1376_fn_data_size(const struct gdw1376_fn_def *d, const uint8_t *p, size_t n, size_t *size)
{
    size_t s = 0;
    unsigned m = 0, count = 0;
    for (unsigned k = 0; k < d->n_fields;) {
        const struct gdw1376_field *f = &d->fields[k];
        unsigned span = span_of(d, k);
        size_t one = 0;
        for (unsigned j = k; j < k + span; j++)
            one += fmt_size((enum gdw1376_fmt)d->fields[j].fmt);
        if (f->role == GDW1376_R_TARIFFS || f->role == GDW1376_R_COUNT || f->role == GDW1376_R_POINTS) {
            if (s >= n)
                return MH_ETRUNC;
            int rc = read_count(f, p + s, &m, &count);
            if (rc != 0)
                return rc;
        }
        s += one * reps_of(f->rep, m, count); /* at most 255 x 255 bytes: no overflow */
        if (s > n)
            return MH_ETRUNC;
        k += span;
    }
    *size = s;
    return 0;
}


/*
 * Enter the group starting at field k (0 repetitions skips it): its
 * extent, repetitions, the index of its first repetition, and for curve
 * points the start time and step, so that a value only copies them.
 */
static void enter_group(struct gdw1376_walk *w)
{
    const struct gdw1376_field *f = &w->def->fields[w->k];
    w->grp = w->k;
    w->grp_end = w->k + span_of(w->def, w->k);
    w->reps = reps_of(f->rep, w->m, w->count);
    w->grp_rep = f->rep;
    w->imask = f->rep == GDW1376_REP_TARIFFS ? 0xFF : 0;
    w->rep = 0;
    w->index = f->rep == GDW1376_REP_HARM ? 2 : 0;
    w->curve = f->rep == GDW1376_REP_COUNT && w->start.has;
    if (w->curve) {
        w->point = w->start;
        w->step = gdw1376_density_minutes(w->density);
    }
}

/*
 * The next curve point's time: step minutes later, carried into hours,
 * days, months and years (a 15-minute curve from 23:30 on 30 November runs
 * into 1 December). The start was checked as a valid date when decoded.
 */
static void tm_add_minutes(struct mh_tm *t, unsigned step)
{
    unsigned min = t->min + step;
    unsigned hour = t->hour + min / 60;
    t->min = (uint8_t)(min % 60);
    while (hour >= 24) {
        hour -= 24;
        if (++t->day > gdw1376_days_in_month(t->year, t->mon)) {
            t->day = 1;
            if (++t->mon > 12) {
                t->mon = 1;
                t->year++;
            }
        }
    }
    t->hour = (uint8_t)hour;
}

/* What a layout field (not a plain value) does to the walk: counts, and the times values take. */
static int apply_role(struct gdw1376_walk *w, const struct gdw1376_field *f, const struct gdw1376_value *v)
{
    const struct mh_tm none = {0};
    const struct mh_tm *t = v->kind == GDW1376_V_TIME ? &v->time : &none;
    switch (f->role) {
    case GDW1376_R_TARIFFS:
    case GDW1376_R_COUNT:
    case GDW1376_R_POINTS:
        return read_count(f, w->p + w->off, &w->m, &w->count);
    case GDW1376_R_FREEZE:
        w->freeze = *t;
        break;
    case GDW1376_R_READ_TIME:
        w->read_time = *t;
        break;
    case GDW1376_R_CURVE_START:
        w->start = *t;
        break;
    case GDW1376_R_DENSITY:
        w->density = (unsigned)v->num.m;
        break;
    default:
        return 0;
    }
    w->when = w->freeze.has ? w->freeze : w->read_time;
    return 0;
}

/*
 * The bytes of a time field (at most 6, avail >= its size) as a memo key:
 * little-endian, the format in the top byte, so no key is 0.
 */
static uint64_t time_key(enum gdw1376_fmt fmt, const uint8_t *p, size_t avail)
{
    unsigned size = (unsigned)fmt_size(fmt);
    uint64_t x = 0;
    if (avail >= 8) {
        memcpy(&x, p, 8);
        x &= ~(uint64_t)0 >> (64 - 8 * size);
    } else {
        for (unsigned k = size; k-- > 0;)
            x = x << 8 | p[k];
    }
    return x | (uint64_t)fmt << 56;
}

void gdw1376_walk_time(struct gdw1376_walk *w, const struct gdw1376_field *f, const uint8_t *p,
                       struct gdw1376_value *v)
{
    enum gdw1376_fmt fmt = (enum gdw1376_fmt)f->fmt;
    size_t avail = w->n - w->off;
    v->num = mh_dec_make(0, 0);
    v->time.has = 0;
    v->text[0] = '\0';
    /* freeze date, read time, curve start (apply_role's times, without its general switch): no count, cannot fail */
    struct mh_tm *t = f->role == GDW1376_R_FREEZE      ? &w->freeze
                      : f->role == GDW1376_R_READ_TIME ? &w->read_time
                      : f->role == GDW1376_R_CURVE_START ? &w->start
                                                         : NULL;
    int ok, slot = f->role == GDW1376_R_READ_TIME ? 0 : f->role == GDW1376_R_FREEZE ? 1 : -1;
    if (slot >= 0) { /* Td_c, Td_d / Td_m: the same bytes as the block before decode to the same time */
        uint64_t key = time_key(fmt, p, avail);
        ok = key == w->memo_key[slot];
        if (ok) {
            v->time = w->memo[slot];
        } else {
            ok = gdw1376_time_decode(fmt, p, avail, &v->time) == 0;
            w->memo_key[slot] = ok ? key : 0;
            w->memo[slot] = v->time;
        }
    } else {
        ok = gdw1376_time_decode(fmt, p, avail, &v->time) == 0;
    }
    v->kind = ok ? GDW1376_V_TIME : GDW1376_V_NODATA;
    if (!t)
        return; /* a value's own time (last programming, demand time): the walk keeps its data time */
    *t = ok ? v->time : (struct mh_tm){0};
    w->when = w->freeze.has ? w->freeze : w->read_time;
}

/* Curve points: w->point a step on; with an unknown density only the first point has a time. */
void gdw1376_walk_tick(struct gdw1376_walk *w)
{
    if (w->step)
        tm_add_minutes(&w->point, w->step);
    else
        w->point = (struct mh_tm){0};
}

int gdw1376_walk_step(struct gdw1376_walk *w, struct gdw1376_dv *out)
{
    const struct gdw1376_fn_def *d = w->def;
    while (w->k == w->grp_end) { /* past a group: enter the next, skipping empty ones */
        if (w->k >= d->n_fields)
            return 0;
        enter_group(w);
        if (w->reps == 0)
            w->k = w->grp_end;
    }
    unsigned k = w->k;
    const struct gdw1376_field *f = &d->fields[k];
    size_t off = w->off;
    int size = fmt_decode_inline((enum gdw1376_fmt)f->fmt, w->p + off, w->n - off, &out->v), rc;
    if (size < 0)
        return size;
    if (f->role != GDW1376_R_VALUE && (rc = apply_role(w, f, &out->v)) != 0)
        return rc;
    w->off = off + (size_t)size;
    unsigned rep = w->grp_rep, index = w->index;
    uint32_t item = f->item;
    out->field = f;
    out->rep = (uint8_t)rep;
    out->index = (uint16_t)index;
    out->item = item && rep == GDW1376_REP_TARIFFS ? MH_OBIS_TARIFF(item, index) : item;
    if (f->scale && out->v.kind == GDW1376_V_NUM)
        out->v.num.exp = (int8_t)(out->v.num.exp + f->scale);
    if (w->curve) {
        if (k == w->grp && w->rep)
            gdw1376_walk_tick(w);
        out->when = w->point;
    } else {
        out->when = w->when;
    }
    /* Advance: next field of the group, or the group again, or past it. */
    if (++k == w->grp_end && ++w->rep < w->reps) {
        k = w->grp;
        w->index = index + 1;
    }
    w->k = k;
    if (k == w->grp)
        gdw1376_walk_run(w, f); /* curve points, harmonics after the first */
    return 1;
}

void gdw1376_run_when(const struct gdw1376_run *r, unsigned i, struct mh_tm *t)
{
    *t = r->when;
    if (!r->curve || i == 0 || !t->has)
        return;
    if (r->step)
        tm_add_minutes(t, i * r->step);
    else
        *t = (struct mh_tm){0}; /* unknown density: only the first point has a time (gdw1376_walk_tick) */
}

void gdw1376_run_dv(const struct gdw1376_run *r, const int64_t *m, unsigned i, struct gdw1376_dv *dv)
{
    memset(dv, 0, sizeof *dv);
    dv->field = gdw1376_run_field(r, i);
    dv->item = gdw1376_run_item(r, i);
    dv->rep = r->rep;
    dv->index = (uint16_t)gdw1376_run_index(r, i);
    int kind = gdw1376_run_kind(r, m, i);
    if (r->kind != GDW1376_V_NUM) {
        dv->v = r->v; /* a time or text of its own: a run of one */
    } else if (kind == GDW1376_V_TIME) {
        dv->v.kind = GDW1376_V_TIME;
        dv->v.time = r->t[m[i]]; /* a time of a run of fields: its slot */
    } else {
        dv->v.kind = (uint8_t)kind;
        dv->v.num = mh_dec_make(kind == GDW1376_V_NODATA ? 0 : m[i], kind == GDW1376_V_NODATA ? 0 : gdw1376_run_exp(r, i));
    }
    gdw1376_run_when(r, i, &dv->when);
}

/*
 * Enter a register over the total and M tariffs (a one-field BCD group
 * outside any group) the way gdw1376_walk_next does, and make its values
 * one run (gdw1376_walk_run), the first included.
 */
static void enter_tariff_run(struct gdw1376_walk *w, const struct gdw1376_field *f)
{
    gdw1376_walk_tariffs(w, w->k);
    gdw1376_walk_run(w, f);
}

/*
 * Up to cap values of the run in progress (gdw1376_walk_run checked its
 * length once): the shared parts to *r, the mantissas to m, one word load
 * and no branch per value but the loop's.
 */
static void run_values(struct gdw1376_walk *w, struct gdw1376_run *r, int64_t *restrict m, size_t cap)
{
    const struct gdw1376_field *f = &w->fields[w->grp];
    unsigned n = w->run < cap ? w->run : (unsigned)cap, size = f->bcd_size;
    r->field = f;
    r->item = w->run_item;
    r->imask = w->run_imask;
    r->index = (uint16_t)w->index;
    r->n = (uint16_t)n;
    r->rep = (uint8_t)w->grp_rep;
    r->kind = GDW1376_V_NUM;
    r->exp = f->bcd_exp;
    if (w->curve) { /* a step on for the first point, then to the last one of the run */
        gdw1376_walk_point(w);
        r->when = w->point;
        r->curve = 1;
        r->step = (uint8_t)w->step;
        if (w->step && n > 1)
            tm_add_minutes(&w->point, (n - 1) * w->step);
    } else {
        r->when = w->when;
        r->curve = 0;
        r->step = 0;
    }
    gdw1376_bcd_words(w->p + w->off, n, size, f->bcd_mask, f->bcd_sign, m);
    w->off += (size_t)n * size;
    w->index += n;
    w->run -= n;
    if (w->run == 0) {
        w->rep = w->reps - w->tail;
        w->k = w->tail ? w->grp : w->grp_end; /* the tail (gdw1376_walk_next), or past the group */
    }
}

/*
 * Can field f (a value of its own) join a run of fields of j values so
 * far, n bytes left? Its plan decodes inline and, past the run's first
 * value, it leaves the data time alone (a freeze date, or a read time
 * before any freeze date, sets it), so that `when` holds for the run.
 */
static int joins(const struct gdw1376_walk *w, const struct gdw1376_field *f, unsigned j, unsigned times, size_t left)
{
    if (f->open != GDW1376_OPEN_ONCE)
        return 0;
    switch (f->plan) {
    case GDW1376_PLAN_BCD: return left >= 8;
    case GDW1376_PLAN_TARIFFS:
    case GDW1376_PLAN_BIN: return f->bcd_exp == 0 && left >= f->bcd_size;
    case GDW1376_PLAN_TIME:
        return left >= f->bcd_size && times < GDW1376_RUN_TIMES &&
               (j == 0 || (f->role != GDW1376_R_FREEZE && (f->role != GDW1376_R_READ_TIME || w->freeze.has)));
    default: return 0;
    }
}

/*
 * Values of their own from field w->k on (the first joins), up to cap:
 * one run of consecutive fields, each value's item and exponent left in
 * its field plan. A tariff count above 63 ends the run before it, for
 * gdw1376_walk_next to refuse.
 */
static void field_values(struct gdw1376_walk *w, struct gdw1376_run *r, int64_t *restrict m, size_t cap)
{
    const struct gdw1376_field *fields = w->fields;
    unsigned k = w->k, j = 0, times = 0;
    size_t off = w->off;
    do {
        const struct gdw1376_field *f = &fields[k];
        const uint8_t *p = w->p + off;
        if (f->plan == GDW1376_PLAN_BCD) {
            uint64_t raw, bad;
            memcpy(&raw, p, 8);
            uint64_t mag = gdw1376_bcd_word(raw & f->bcd_mask, &bad);
            int64_t v = raw & f->bcd_sign ? -(int64_t)mag : (int64_t)mag;
            m[j] = bad ? GDW1376_NODATA : v;
        } else if (f->plan == GDW1376_PLAN_TARIFFS) {
            if (p[0] > MAX_TARIFFS)
                break;
            w->m = p[0];
            m[j] = p[0];
        } else if (f->plan == GDW1376_PLAN_BIN) { /* minutes, counts, status words: EE.. = no data */
            uint32_t x = p[0] | (uint32_t)p[1] << 8, ee = 0xEEEE;
            if (f->bcd_size == 4) {
                x |= (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
                ee = 0xEEEEEEEE;
            }
            m[j] = x == ee ? GDW1376_NODATA : (int64_t)x;
        } else { /* a time: the one decoded for the block before when its bytes are the same (the memo) */
            unsigned slot = f->role == GDW1376_R_FREEZE;
            uint64_t raw;
            if ((f->role == GDW1376_R_READ_TIME || f->role == GDW1376_R_FREEZE) && w->n - off >= 8 &&
                (memcpy(&raw, p, 8), ((raw & f->bcd_mask) | (uint64_t)f->fmt << 56) == w->memo_key[slot])) {
                const struct mh_tm *t = &w->memo[slot];
                r->t[times] = *t;
                if (slot)
                    w->freeze = *t;
                else
                    w->read_time = *t;
                w->when = w->freeze.has ? w->freeze : w->read_time;
                m[j] = times++;
            } else {
                struct gdw1376_value v;
                w->off = off;
                gdw1376_walk_time(w, f, p, &v);
                r->t[times] = v.time;
                m[j] = v.kind == GDW1376_V_TIME ? (int64_t)times++ : GDW1376_NODATA;
            }
        }
        off += f->bcd_size;
        k++;
        j++;
    } while (j < cap && k < w->n_fields && joins(w, &fields[k], j, times, w->n - off));
    r->field = &fields[w->k];
    r->item = 0;
    r->imask = 0;
    r->index = 0;
    r->n = (uint16_t)j;
    r->rep = GDW1376_REP_ONCE;
    r->kind = GDW1376_V_NUM;
    r->exp = r->field->bcd_exp;
    r->curve = 0;
    r->step = 0;
    r->fields = 1;
    r->when = w->when;
    w->off = off;
    w->k = w->grp_end = k; /* values of their own: outside any group */
}

/*
 * Anything else is one value (counts, times, texts, A.2 / A.3, a group's
 * first, the last bytes of the data): gdw1376_walk_next's, as a run of one.
 */
static int one_value(struct gdw1376_walk *w, struct gdw1376_run *r, int64_t *m)
{
    struct gdw1376_dv dv;
    int rc = gdw1376_walk_next(w, &dv);
    if (rc != 1)
        return rc;
    r->field = dv.field;
    r->item = dv.item;
    r->imask = 0;
    r->index = dv.index;
    r->n = 1;
    r->rep = dv.rep;
    r->step = 0;
    r->curve = 0;
    r->fields = 0;
    r->when = dv.when;
    r->exp = 0;
    m[0] = 0;
    r->kind = dv.v.kind == GDW1376_V_NODATA ? GDW1376_V_NUM : dv.v.kind;
    if (dv.v.kind == GDW1376_V_NUM) {
        r->exp = dv.v.num.exp;
        m[0] = dv.v.num.m;
    } else if (dv.v.kind == GDW1376_V_NODATA) {
        m[0] = GDW1376_NODATA;
    } else {
        r->v = dv.v;
    }
    return 1;
}

int gdw1376_walk_runs_next(struct gdw1376_walk *w, struct gdw1376_run *r, int64_t *m, size_t cap)
{
    if (cap == 0)
        return MH_EINVAL;
    if (!w->run && w->k < w->n_fields && w->k == w->grp_end) {
        const struct gdw1376_field *f = &w->fields[w->k];
        if (joins(w, f, 0, 0, w->n - w->off) && (f->plan != GDW1376_PLAN_TARIFFS || w->p[w->off] <= MAX_TARIFFS)) {
            field_values(w, r, m, cap);
            w->planned = 1;
            return 1;
        }
        if (f->open == GDW1376_OPEN_TARIFFS && f->plan == GDW1376_PLAN_BCD && w->n - w->off >= 8)
            enter_tariff_run(w, f);
    }
    if (w->run) {
        r->fields = 0;
        run_values(w, r, m, cap);
        w->planned = 1;
        return 1;
    }
    w->planned = 0;
    return one_value(w, r, m);
}
