/*
 * A Q/GDW 1376.1 concentrator (or special-transformer terminal) as the
 * master station sees it: login and heartbeat (AFN02 F1/F3), current data
 * (AFN0C), history (AFN0D: daily and monthly frozen registers, 15-minute
 * curves), control (AFN05 F1/F2 trip and close, F31 clock set) and
 * transparent forwarding to its meters (AFN10 F1).
 *
 * Responses are laid out from the codec's Fn dictionary (gdw1376_fn_lookup):
 * the same field list the master decodes with, each field filled from the
 * meter model by its item, so a Fn the dictionary describes is answered
 * without a line of Fn-specific code. A large reply is cut at data-unit
 * boundaries into frames of at most UNITS_PER_FRAME bytes of data units,
 * FIR on the first, FIN on the last, RSEQ counting up from the request's
 * PSEQ (5.2.3.2).
 *
 * What a terminal keeps (anything else is answered with AFN00 F2, "no data
 * requested"): daily frozen registers for DAILY_DAYS days, monthly for
 * MONTHS months, curves for CURVE_DAYS days, never before the scenario start.
 * Td_d D is the day that ended: its registers are the meter's at 24:00 of D
 * (truth registers.csv, frozen_at D+1 00:00); Td_m M likewise at 00:00 of
 * the first day of the next month.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "meterhub/proto/item.h"
#include "term.h"
#include "term_gdw1376_int.h"

#define PW_LEN 16              /* downlink PW of AFN 01/04/05/06/0F/10 (2013 profile) */
#define DAILY_DAYS 62
#define MONTHS 12
#define CURVE_DAYS 7
#define TARIFFS 4


/* (AFN, Fn) ranges this terminal answers from the model. */
static const struct {
    uint8_t afn;
    uint16_t lo, hi;
} kept[] = {
    {0x0C, 2, 2},     {0x0C, 25, 25},   {0x0C, 33, 34},   {0x0C, 129, 136},
    {0x0D, 1, 2},     {0x0D, 17, 18},   {0x0D, 81, 105},  {0x0D, 161, 168},
    {0x0D, 177, 184},
};

static int is_kept(uint8_t afn, uint16_t fn)
{
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        if (kept[i].afn == afn && fn >= kept[i].lo && fn <= kept[i].hi)
            return gdw1376_fn_lookup(afn, fn) != NULL;
    return 0;
}

/* Decimals of the numeric appendix A formats the dictionary's fields use. */
static int fmt_decimals(uint8_t fmt)
{
    switch (fmt) {
    case GDW1376_A5: case GDW1376_A7: return 1;
    case GDW1376_A6: case GDW1376_A11: return 2;
    case GDW1376_A25: case GDW1376_A26: return 3;
    case GDW1376_A9: case GDW1376_A13: case GDW1376_A14: case GDW1376_A23: return 4;
    default: return 0;
    }
}

static struct gdw1376_addr addr_of(const struct sim_terminal *t)
{
    struct gdw1376_addr a = {t->region, t->a2, 0, 0};
    return a;
}

/* ---- events (ERC records, ACD/EC, active reports) ---- */

#define EVENTS_PER_REPORT 8 /* records per active report */
#define EVENTS_PER_UNIT 16   /* records per AFN0E unit: 16 of the longest (ERC37, 84 bytes) fit UNIT_MAX */
#define ERC_MAX 96           /* bytes of one record, ERC and Le included */

/* EC1 EC2 and whether events wait for the master (ACD). */
static int events_pending(const struct scenario *s, const struct sim_terminal *t, int64_t now, uint8_t ec[2])
{
    size_t n = sim_term_events(s, t, now, 0, NULL, 0);
    ec[0] = (uint8_t)n; /* EC1: important events, wraps at 256 */
    ec[1] = 0;          /* EC2: no normal events are simulated */
    return n > sim_term_events_confirmed(t);
}

static void num(struct gdw1376_value *v, int64_t m, int exp)
{
    v->kind = GDW1376_V_NUM;
    v->num = mh_dec_make(m, exp);
}

static int put_field(uint8_t fmt, struct gdw1376_value *v, uint8_t *p, size_t cap);

/*
 * One ERC record through the codec's appendix B row (gdw1376_erc_put), so
 * the record is laid out by the same table the master decodes it with.
 * Fields the model does not keep (reactive registers, a cover not yet
 * closed) go out as "no data" (EE).
 */
static int put_erc(const struct scenario *s, const struct sim_terminal *t, const struct sim_term_event *e,
                   struct mh_wr *w)
{
    const struct sim_event_kind *k = sim_term_event_kind(e->anomaly);
    const struct sim_meter_info *m = &s->meters[e->meter];
    struct gdw1376_value v[GDW1376_ERC_MAX_FIELDS];
    size_t nf = 0;
    const struct gdw1376_erc_field *fd = k ? gdw1376_erc_fields(k->erc, &nf, NULL) : NULL;
    if (!fd || nf > GDW1376_ERC_MAX_FIELDS || nf < 2)
        return MH_EUNKNOWN;
    memset(v, 0, sizeof v);
    for (size_t i = 0; i < nf; i++)
        v[i].kind = GDW1376_V_NODATA;
    v[0].kind = GDW1376_V_TIME;
    sim_term_local_tm(s, e->at, &v[0].time);
    num(&v[1], m->pn & 0x0FFF, 0);
    struct sim_registers before, after;
    sim_term_registers_at(s, t, e->meter, e->at, &before);
    sim_term_registers_at(s, t, e->meter, e->at + SIM_INTERVAL_S, &after);
    switch (k->erc) {
    case 10: { /* flags (D7..D6: 01 phase failure, 10 voltage loss; D2..D0 phases), U, I, energy */
        struct sim_instant in;
        sim_term_instant_at(s, t, e->meter, e->at + SIM_INTERVAL_S, &in);
        num(&v[2], (e->anomaly == SIM_ANOM_VOLTAGE_LOSS ? 0x80 : 0x40) | 1 << (m->model.anomaly_phase % 3), 0);
        for (int i = 0; i < 3; i++) {
            num(&v[3 + i], in.voltage_dv[i], -1);
            num(&v[6 + i], in.current_ma[i], -3);
        }
        num(&v[9], before.import_wh10[0], -4);
        break;
    }
    case 27: /* reading before, after */
    case 29: /* before, after, threshold (A.22) */
        num(&v[2], before.import_wh10[0], -4);
        num(&v[3], after.import_wh10[0], -4);
        if (k->erc == 29)
            num(&v[4], 20, -1);
        break;
    case 30: /* reading, stop threshold (15-minute intervals) */
        num(&v[2], before.import_wh10[0], -4);
        num(&v[3], 2, 0);
        break;
    case 37: /* count, opened (A.1), closed (none: still open), registers before; after once closed */
        num(&v[2], 1, 0);
        v[3].kind = GDW1376_V_TIME;
        v[3].time = v[0].time;
        num(&v[5], before.import_wh10[0], -4);
        num(&v[6], before.export_wh10[0], -4);
        break;
    default: /* 12: time and pn only */
        break;
    }
    /* A value beyond its field's format (a large load's current in A.25) goes out as "no data". */
    for (size_t i = 0; i < nf; i++) {
        uint8_t scratch[16];
        if (v[i].kind == GDW1376_V_NUM && fd[i].kind == GDW1376_ERC_FMT &&
            put_field(fd[i].fmt, &v[i], scratch, sizeof scratch) != 0)
            return MH_ERANGE;
    }
    return gdw1376_erc_put(w, k->erc, v, nf, 1, NULL, 0);
}

/* AFN0E F1 unit on p0: EC1 EC2 Pm Pn and the records of events [from, upto), at most EVENTS_PER_UNIT. */
static int put_events(const struct scenario *s, const struct sim_terminal *t, int64_t now, size_t from, size_t upto,
                      struct mh_wr *w)
{
    struct sim_term_event ev[EVENTS_PER_UNIT];
    uint8_t recs[EVENTS_PER_UNIT * ERC_MAX], ec[2];
    struct mh_wr rw;
    mh_wr_init(&rw, recs, sizeof recs);
    size_t n = upto - from;
    if (n > EVENTS_PER_UNIT)
        return MH_EOVERFLOW;
    sim_term_events(s, t, now, from, ev, n);
    for (size_t i = 0; i < n; i++) {
        int rc = put_erc(s, t, &ev[i], &rw);
        if (rc != 0)
            return rc;
    }
    events_pending(s, t, now, ec);
    return gdw1376_event_reply_put(w, 1, ec[0], ec[1], (uint8_t)(from & 0xFF), (uint8_t)(upto & 0xFF), recs,
                                   mh_wr_len(&rw));
}

/* ---- one reply, cut into frames ---- */


void gdw_reply_emit(struct reply *r, uint8_t c, uint8_t afn, int fin)
{
    uint8_t frame[UNITS_PER_FRAME + UNIT_MAX + 64];
    struct mh_wr w;
    struct gdw1376_addr a = addr_of(r->t);
    a.msa = r->req->a3 >> 1;
    uint8_t seq = (uint8_t)((r->req->seq + r->frames) & 0x0F);
    if (r->frames == 0)
        seq |= GDW1376_SEQ_FIR;
    if (fin)
        seq |= GDW1376_SEQ_FIN;
    mh_wr_init(&w, frame, sizeof frame);
    /* Unconfirmed important events: ACD in C and EC after the data (5.2.2.1, AUX). */
    uint8_t ec[2];
    int acd = events_pending(r->s, r->t, r->now, ec);
    if (acd)
        c |= GDW1376_C_FCB_ACD;
    /* A request with Tp gets its Tp back (5.2.4.3), so the master matches stale replies. */
    if (gdw1376_frame_encode(&w, c, &a, afn, seq, r->buf, r->len, NULL, 0, acd ? ec : NULL,
                             r->req->has_tp ? &r->req->tp : NULL) == 0 &&
        mh_wr_err(&w) == 0)
        sim_emit_frame(r->em, frame, mh_wr_len(&w));
    r->frames++;
    r->len = 0;
}

/* Append one data unit; a full frame goes out first (not the last: no FIN). */
void gdw_reply_unit(struct reply *r, const uint8_t *unit, size_t n)
{
    if (n > UNIT_MAX)
        return;
    if (r->len && r->len + n > UNITS_PER_FRAME)
        gdw_reply_emit(r, C_UP_DATA, r->afn, 0);
    memcpy(r->buf + r->len, unit, n);
    r->len += n;
}

/* AFN00 F1 (all confirmed) or F2 (all denied / no data) on p0. */
void gdw_reply_ack(struct reply *r, int deny)
{
    struct mh_wr w;
    mh_wr_init(&w, r->buf, sizeof r->buf);
    gdw1376_ack_all_put(&w, deny);
    r->len = mh_wr_len(&w);
    gdw_reply_emit(r, deny ? C_UP_NODATA : C_UP_CONFIRM, GDW1376_AFN_CONFIRM, 1);
}

/* F1 when every item was done, F2 when none was, else F3 with each item's result (5.1.3.3). */
void gdw_reply_items(struct reply *r, const struct gdw1376_ack_item *items, size_t n, int denied)
{
    if (denied == 0 || (size_t)denied == n) {
        gdw_reply_ack(r, denied != 0);
        return;
    }
    struct mh_wr w;
    mh_wr_init(&w, r->buf, sizeof r->buf);
    gdw1376_ack_items_put(&w, r->afn, items, n);
    r->len = mh_wr_len(&w);
    gdw_reply_emit(r, C_UP_CONFIRM, GDW1376_AFN_CONFIRM, 1);
}

/* ---- field values from the model ---- */

struct fill {
    const struct scenario *s;
    const struct sim_terminal *t;
    size_t idx;          /* scenario meter */
    int64_t at;          /* true time the values belong to */
    int64_t stamp;       /* terminal clock of that moment, for reading-time fields */
    const uint8_t *label; /* the request's time label, echoed */
    size_t label_len;
    int have_reg, have_inst;
    struct sim_registers reg;
    struct sim_instant in;
};

/* Value of item (tariff 0 total, 1..4) for the meter at f->at; NODATA for what the model has not. */
static void item_value(struct fill *f, uint32_t item, unsigned tariff, struct gdw1376_value *v)
{
    memset(v, 0, sizeof *v);
    v->kind = GDW1376_V_NODATA;
    if (item == MH_ITEM_AE_IMP || item == MH_ITEM_AE_EXP) {
        if (!f->have_reg) {
            sim_term_registers_at(f->s, f->t, f->idx, f->at, &f->reg);
            f->have_reg = 1;
        }
        num(v, item == MH_ITEM_AE_IMP ? f->reg.import_wh10[tariff] : f->reg.export_wh10[tariff], -4);
        return;
    }
    static const struct {
        uint32_t item;
        uint8_t what, phase; /* what: 0 P, 1 Q, 2 PF, 3 U, 4 I, 5 S, 6 I_N; phase 0 total, 1..3 */
    } inst[] = {
        {MH_ITEM_P, 0, 0},    {MH_ITEM_P_L1, 0, 1},  {MH_ITEM_P_L2, 0, 2},  {MH_ITEM_P_L3, 0, 3},
        {MH_ITEM_Q, 1, 0},    {MH_ITEM_Q_L1, 1, 1},  {MH_ITEM_Q_L2, 1, 2},  {MH_ITEM_Q_L3, 1, 3},
        {MH_ITEM_PF, 2, 0},   {MH_ITEM_PF_L1, 2, 1}, {MH_ITEM_PF_L2, 2, 2}, {MH_ITEM_PF_L3, 2, 3},
        {MH_ITEM_U_L1, 3, 1}, {MH_ITEM_U_L2, 3, 2},  {MH_ITEM_U_L3, 3, 3},
        {MH_ITEM_I_L1, 4, 1}, {MH_ITEM_I_L2, 4, 2},  {MH_ITEM_I_L3, 4, 3},
        {MH_ITEM_S, 5, 0},    {MH_ITEM_S_L1, 5, 1},  {MH_ITEM_S_L2, 5, 2},  {MH_ITEM_S_L3, 5, 3},
        {MH_ITEM_I_N, 6, 0},
    };
    for (size_t i = 0; i < sizeof inst / sizeof inst[0]; i++) {
        if (inst[i].item != item)
            continue;
        unsigned ph = inst[i].phase;
        if (ph > 1 && f->s->meters[f->idx].model.phases != 3)
            return; /* a single-phase meter has no phases B and C */
        if (!f->have_inst) {
            sim_term_instant_at(f->s, f->t, f->idx, f->at, &f->in);
            f->have_inst = 1;
        }
        switch (inst[i].what) {
        case 0: num(v, (int64_t)f->in.p_w[ph] * 10, -4); break;    /* W in kW, 4 decimals */
        case 1: num(v, (int64_t)f->in.q_var[ph] * 10, -4); break;
        case 2: num(v, f->in.pf_milli[ph], -1); break;             /* 0.960 = 96.0 % */
        case 3: num(v, f->in.voltage_dv[ph - 1], -1); break;
        case 4: num(v, f->in.current_ma[ph - 1], -3); break;
        case 5: num(v, (int64_t)f->in.s_va[ph] * 10, -4); break;   /* VA in kVA, 4 decimals */
        default: num(v, f->in.in_ma, -3); break;
        }
        return;
    }
}

/* Encode v as fmt, truncating to the format's decimals (a register shows what it can). */
static int put_field(uint8_t fmt, struct gdw1376_value *v, uint8_t *p, size_t cap)
{
    if (v->kind == GDW1376_V_NUM) {
        int target = -fmt_decimals(fmt);
        while (v->num.exp < target) {
            v->num.m /= 10;
            v->num.exp++;
        }
    }
    if (gdw1376_fmt_encode((enum gdw1376_fmt)fmt, v, p, cap) != 0) {
        v->kind = GDW1376_V_NODATA; /* out of the format's range: the field says so */
        return gdw1376_fmt_encode((enum gdw1376_fmt)fmt, v, p, cap);
    }
    return 0;
}

/* One prefix / fixed field: echoed label, reading time, clock or a value. */
static int put_named(struct fill *f, const struct gdw1376_field *fd, unsigned tariff, uint8_t *p, size_t cap)
{
    size_t size = gdw1376_fmt_size((enum gdw1376_fmt)fd->fmt);
    if (size == 0 || size > cap)
        return MH_ENOSPC;
    struct gdw1376_value v;
    memset(&v, 0, sizeof v);
    if ((fd->fmt == GDW1376_A20 || fd->fmt == GDW1376_A21) && fd->item == 0) {
        if (f->label_len < size)
            return MH_EPROTO;
        memcpy(p, f->label, size);
        return (int)size;
    }
    if (fd->item == 0 || fd->item == MH_ITEM_CLOCK) {
        v.kind = fd->item == 0 && fd->fmt != GDW1376_A15 ? GDW1376_V_NODATA : GDW1376_V_TIME;
        sim_term_local_tm(f->s, f->stamp, &v.time);
    } else {
        item_value(f, fd->item, tariff, &v);
    }
    int rc = put_field(fd->fmt, &v, p, cap);
    return rc < 0 ? rc : (int)size;
}

/*
 * Data of a dictionary Fn other than a curve: the layout's fields in order,
 * the tariff count as the model keeps it (M = TARIFFS) and each tariff
 * group repeated for the total and the M tariffs. Byte count or MH_E*.
 */
static int put_fields(struct fill *f, const struct gdw1376_fn_def *d, uint8_t *p, size_t cap)
{
    size_t off = 0;
    for (unsigned i = 0; i < d->n_fields;) {
        const struct gdw1376_field *g = &d->fields[i];
        unsigned span = g->span ? g->span : 1;
        if (g->role == GDW1376_R_TARIFFS || g->role == GDW1376_R_COUNT) {
            if (off >= cap)
                return MH_ENOSPC;
            p[off++] = g->role == GDW1376_R_TARIFFS ? TARIFFS : 0; /* M; no ports or harmonics kept */
            i++;
            continue;
        }
        unsigned reps = g->rep == GDW1376_REP_TARIFFS ? TARIFFS + 1 : g->rep == GDW1376_REP_ONCE ? 1 : 0;
        for (unsigned k = 0; k < reps; k++)
            for (unsigned j = i; j < i + span; j++) {
                int n = put_named(f, &d->fields[j], k, p + off, cap - off);
                if (n < 0)
                    return n;
                off += (size_t)n;
            }
        i += span;
    }
    return (int)off;
}

/* ---- curves ---- */

/* Registers (total import, export) at 15-minute boundaries, one day cached. */
struct day_cache {
    int64_t day;
    int valid;
    int64_t imp[SIM_INTERVALS_PER_DAY + 1], exp[SIM_INTERVALS_PER_DAY + 1];
};

static void reg_total_at(struct fill *f, struct day_cache *c, int64_t when, int64_t *imp, int64_t *exp)
{
    int64_t day = scenario_local_day(f->s, when);
    int64_t off = when - scenario_day_start(f->s, day);
    if (off % SIM_INTERVAL_S != 0) {
        struct sim_registers r;
        sim_term_registers_at(f->s, f->t, f->idx, when, &r);
        *imp = r.import_wh10[0];
        *exp = r.export_wh10[0];
        return;
    }
    if (!c->valid || c->day != day) {
        sim_term_day_registers(f->s, f->t, f->idx, day, c->imp, c->exp);
        c->day = day;
        c->valid = 1;
    }
    *imp = c->imp[off / SIM_INTERVAL_S];
    *exp = c->exp[off / SIM_INTERVAL_S];
}

/*
 * Curve data: Td_c (start A.15, density m, points n) echoed, then n points
 * of the Fn's field. A point at T is the value frozen at T: readings and
 * powers at T, increments over the interval ending at T (so the point at
 * 00:15 is truth's curve column 00:00).
 */
static int put_curve(struct fill *f, const struct gdw1376_fn_def *d, int64_t now, uint8_t *p, size_t cap)
{
    if (f->label_len < 7 || cap < 7)
        return MH_EPROTO;
    memcpy(p, f->label, 7);
    size_t off = 7;
    struct gdw1376_value start;
    int64_t t0 = 0, step = 0;
    uint8_t density = f->label[5], points = f->label[6];
    if (gdw1376_fmt_decode(GDW1376_A15, f->label, 5, &start) == 0 && start.kind == GDW1376_V_TIME) {
        start.time.sec = 0;
        if (sim_term_local_epoch(f->s, &start.time, &t0) != 0)
            t0 = 0;
    }
    static const int64_t steps[] = {0, 900, 1800, 3600};
    if (density < sizeof steps / sizeof steps[0])
        step = steps[density]; /* the model keeps 15-minute resolution: 5- and 1-minute curves are not kept */
    const struct gdw1376_field *fd = &d->fields[d->n_fields - 1]; /* after start, density, points */
    size_t size = gdw1376_fmt_size((enum gdw1376_fmt)fd->fmt);
    struct day_cache cache = {0, 0, {0}, {0}};
    int64_t oldest = now - (int64_t)CURVE_DAYS * 86400;
    for (unsigned i = 0; i < points; i++) {
        if (off + size > cap)
            return MH_ENOSPC;
        int64_t at = t0 + (int64_t)i * step;
        struct gdw1376_value v;
        memset(&v, 0, sizeof v);
        v.kind = GDW1376_V_NODATA;
        int have = t0 != 0 && step != 0 && at <= now && at >= oldest && at - step >= f->s->start;
        if (have && (fd->item == MH_ITEM_AE_IMP || fd->item == MH_ITEM_AE_EXP)) {
            int64_t imp, exp;
            reg_total_at(f, &cache, at, &imp, &exp);
            num(&v, fd->item == MH_ITEM_AE_IMP ? imp : exp, -4);
        } else if (have && (fd->item == MH_ITEM_AE_IMP_INC || fd->item == MH_ITEM_AE_EXP_INC)) {
            int64_t i1, e1, i0, e0;
            reg_total_at(f, &cache, at, &i1, &e1);
            reg_total_at(f, &cache, at - step, &i0, &e0);
            num(&v, fd->item == MH_ITEM_AE_IMP_INC ? i1 - i0 : e1 - e0, -4);
        } else if (have) {
            f->at = at;
            f->have_inst = 0;
            item_value(f, fd->item, 0, &v);
        }
        if (put_field(fd->fmt, &v, p + off, cap - off) != 0)
            return MH_ERANGE;
        off += size;
    }
    return (int)off;
}

/* ---- AFN0C / AFN0D ---- */

/* When a frozen label's registers were frozen (true time); MH_ENODATA... outside what is kept. */
static int frozen_at(const struct scenario *s, const uint8_t *label, uint8_t fmt, int64_t now, int64_t *at)
{
    struct gdw1376_value v;
    if (gdw1376_fmt_decode((enum gdw1376_fmt)fmt, label, fmt == GDW1376_A20 ? 3 : 2, &v) != 0 ||
        v.kind != GDW1376_V_TIME)
        return MH_EINVAL;
    struct mh_tm end = v.time;
    end.hour = end.min = end.sec = 0;
    int64_t today = scenario_local_day(s, now), first;
    if (fmt == GDW1376_A20) {
        if (sim_term_local_epoch(s, &end, &first) != 0)
            return MH_EINVAL;
        *at = first + 86400; /* 24:00 of the day that ended */
        if (scenario_local_day(s, first) < today - DAILY_DAYS)
            return MH_ERANGE;
    } else {
        end.day = 1;
        end.mon = (uint8_t)(end.mon == 12 ? 1 : end.mon + 1);
        end.year = (uint16_t)(v.time.mon == 12 ? v.time.year + 1 : v.time.year);
        if (sim_term_local_epoch(s, &end, at) != 0)
            return MH_EINVAL;
        if (scenario_local_day(s, *at) < today - MONTHS * 31)
            return MH_ERANGE;
    }
    if (*at > scenario_day_start(s, today) || *at < s->start)
        return MH_ERANGE;
    return 0;
}

/*
 * AFN0C F17, total-add group pn's current active power (A.2, kW): a
 * special-transformer terminal's group 1 is its customer, every meter it
 * reads, as of its reading at the start of this minute (shed or tripped
 * load left out, as its meters show it). A.2 keeps three digits: rounded.
 */
static int group_power(const struct scenario *s, const struct sim_terminal *t, uint16_t pn, int64_t now, uint8_t *unit,
                       size_t cap)
{
    if (t->kind != SIM_TERM_SPECIAL_TRANSFORMER || pn != 1 || cap < 6)
        return MH_EUNKNOWN;
    int64_t at = now - (now % 60 + 60) % 60, w = 0;
    uint16_t pns[64];
    size_t n = sim_term_pns(s, t, pns, 64);
    for (size_t i = 0; i < n && i < 64; i++) {
        long idx = sim_term_meter_of_pn(s, t, pns[i]);
        struct sim_instant in;
        if (idx < 0)
            continue;
        sim_term_instant_at(s, t, (size_t)idx, at, &in);
        w += in.p_w[0];
    }
    uint64_t mag = w < 0 ? (uint64_t)-w : (uint64_t)w;
    int exp = -3; /* W in kW */
    while (mag > 999) {
        mag = (mag + 5) / 10;
        exp++;
    }
    struct gdw1376_value v;
    memset(&v, 0, sizeof v);
    num(&v, w < 0 ? -(int64_t)mag : (int64_t)mag, exp);
    gdw1376_da_encode(pn, &unit[0], &unit[1]);
    gdw1376_dt_encode(17, &unit[2], &unit[3]);
    int rc = gdw1376_fmt_encode(GDW1376_A2, &v, unit + 4, cap - 4);
    return rc != 0 ? rc : 6;
}

/* One (pn, Fn) data unit into unit; its length, or MH_E* when it is not kept. */
static int answer_one(const struct scenario *s, const struct sim_terminal *t, uint8_t afn, uint16_t pn, uint16_t fn,
                      const uint8_t *label, size_t label_len, int64_t now, uint8_t *unit, size_t cap)
{
    if (afn == GDW1376_AFN_CLASS1 && fn == 7 && pn == 0 && cap >= 6) {
        /* F7: the event counters EC1 EC2 now (5.12.2.4.5) */
        gdw1376_da_encode(pn, &unit[0], &unit[1]);
        gdw1376_dt_encode(fn, &unit[2], &unit[3]);
        events_pending(s, t, now, unit + 4);
        return 6;
    }
    if (afn == GDW1376_AFN_CLASS1 && (fn == 5 || fn == 6) && pn == 0 && cap >= 4) {
        /* control state (term_control.c) */
        struct mh_wr w;
        mh_wr_init(&w, unit + 4, cap - 4);
        int rc = sim_term_1376_ctrl_state(t, fn, now, &w);
        if (rc != 0 || mh_wr_err(&w) != 0)
            return rc ? rc : mh_wr_err(&w);
        gdw1376_da_encode(pn, &unit[0], &unit[1]);
        gdw1376_dt_encode(fn, &unit[2], &unit[3]);
        return (int)mh_wr_len(&w) + 4;
    }
    if (afn == GDW1376_AFN_CLASS1 && fn == 17)
        return group_power(s, t, pn, now, unit, cap);
    const struct gdw1376_fn_def *d = gdw1376_fn_lookup(afn, fn);
    if (!d || !is_kept(afn, fn))
        return MH_EUNKNOWN;
    struct fill f;
    memset(&f, 0, sizeof f);
    f.s = s;
    f.t = t;
    f.label = label;
    f.label_len = label_len;
    /*
     * The terminal read its meters when its own clock turned this minute,
     * and dates the values by that clock (A.15, to the minute): a drifting
     * clock moves the true moment, never the label, so the reading time a
     * master stores is exact on the terminal's clock.
     */
    int64_t clock = sim_term_clock(s, t, now);
    f.at = now - (clock % 60 + 60) % 60;
    if (fn == 2 && afn == 0x0C) {
        if (pn != 0)
            return MH_EUNKNOWN;
        f.stamp = sim_term_clock(s, t, now);
    } else {
        long idx = sim_term_meter_of_pn(s, t, pn);
        if (idx < 0)
            return MH_EUNKNOWN;
        f.idx = (size_t)idx;
        f.stamp = sim_term_clock(s, t, f.at);
        if (d->request_label == GDW1376_A20 || d->request_label == GDW1376_A21) {
            if (frozen_at(s, label, d->request_label, now, &f.at) != 0)
                return MH_ERANGE;
            f.stamp = f.at;
        }
    }
    gdw1376_da_encode(pn, &unit[0], &unit[1]);
    gdw1376_dt_encode(fn, &unit[2], &unit[3]);
    int n = d->request_label == GDW1376_A15 ? put_curve(&f, d, now, unit + 4, cap - 4) : put_fields(&f, d, unit + 4, cap - 4);
    return n < 0 ? n : n + 4;
}

static size_t label_size(uint8_t afn, uint16_t fn)
{
    const struct gdw1376_fn_def *d = gdw1376_fn_lookup(afn, fn);
    if (afn != GDW1376_AFN_CLASS2 || !d)
        return 0;
    switch (d->request_label) {
    case GDW1376_A20: return 3;
    case GDW1376_A21: return 2;
    case GDW1376_A15: return 7; /* Td_c: start, density, points */
    default: return 0;
    }
}

static void on_read(struct reply *r, int64_t now)
{
    const struct gdw1376_frame *f = r->req;
    size_t off = 0;
    unsigned answered = 0;
    static uint16_t all[2040]; /* the loop thread only (term.h) */
    while (off + 4 <= f->units_len) {
        const uint8_t *u = f->units + off;
        uint16_t pns[8], fns[8];
        int npn = gdw1376_da_decode(u[0], u[1], pns), nfn = gdw1376_dt_decode(u[2], u[3], fns);
        if (npn < 0 || nfn <= 0)
            break;
        size_t lsz = label_size(f->afn, fns[0]);
        if (f->afn == GDW1376_AFN_CLASS2 && lsz == 0)
            break; /* an Fn of unknown label size: the rest of the frame cannot be parsed */
        if (off + 4 + lsz > f->units_len)
            break;
        const uint8_t *label = u + 4;
        off += 4 + lsz;
        /* FF 00: every measuring point the terminal has configured. */
        uint16_t *list = pns;
        size_t count = (size_t)npn;
        if (npn == 1 && pns[0] == 0xFFFF) {
            count = sim_term_pns(r->s, r->t, all, sizeof all / sizeof all[0]);
            list = all;
            if (count > sizeof all / sizeof all[0])
                count = sizeof all / sizeof all[0];
        }
        for (size_t k = 0; k < count; k++) {
            uint16_t pn = list[k];
            for (int j = 0; j < nfn; j++) {
                uint8_t unit[UNIT_MAX];
                int n = answer_one(r->s, r->t, f->afn, pn, fns[j], label, lsz, now, unit, sizeof unit);
                if (n > 0) {
                    gdw_reply_unit(r, unit, (size_t)n);
                    answered++;
                }
            }
        }
    }
    if (answered == 0)
        gdw_reply_ack(r, 1);
    else
        gdw_reply_emit(r, C_UP_DATA, r->afn, 1);
}

/* ---- AFN0E F1: the master reads events from pointer Pm to Pn ---- */

static void on_events_read(struct reply *r, int64_t now)
{
    const struct gdw1376_frame *f = r->req;
    if (f->units_len < 6 || f->units[0] || f->units[1] || f->units[2] != 0x01 || f->units[3] != 0x00) {
        gdw_reply_ack(r, 1);
        return;
    }
    /*
     * Pointers are event numbers modulo 256 (EC1 counts the n events so
     * far): [Pm, Pn) are the (Pn - Pm) mod 256 events ending at the latest
     * one numbered Pn, of the last 256 the terminal keeps.
     */
    size_t n = sim_term_events(r->s, r->t, now, 0, NULL, 0);
    size_t count = (size_t)((f->units[5] - f->units[4]) & 0xFF), back = (n - f->units[5]) & 0xFF;
    size_t upto = back <= n ? n - back : 0, from = upto >= count ? upto - count : 0;
    if (count == 0 || back > n || upto < count || n - from > 256) {
        gdw_reply_ack(r, 1);
        return;
    }
    if (upto - from > EVENTS_PER_UNIT)
        upto = from + EVENTS_PER_UNIT; /* what one data unit carries */
    uint8_t unit[UNIT_MAX];
    struct mh_wr w;
    mh_wr_init(&w, unit, sizeof unit);
    if (put_events(r->s, r->t, now, from, upto, &w) != 0) {
        gdw_reply_ack(r, 1);
        return;
    }
    sim_term_events_read(r->t, upto);
    gdw_reply_unit(r, unit, mh_wr_len(&w));
    gdw_reply_emit(r, C_UP_DATA, r->afn, 1);
}

/* ---- AFN10 F1 transparent forwarding ---- */

static void on_forward(struct reply *r, int64_t now)
{
    const struct gdw1376_frame *f = r->req;
    struct gdw1376_forward fw;
    size_t used;
    /* DA p0, DT F1, then port, control word, timeouts, length, bytes (gdw1376_forward_parse). */
    if (f->units_len < 4 || f->units[0] || f->units[1] || f->units[2] != 0x01 || f->units[3] != 0x00 ||
        gdw1376_forward_parse(f->units + 4, f->units_len - 4, &fw, &used) != 0) {
        gdw_reply_ack(r, 1);
        return;
    }
    uint8_t answer[DLT645_MAX_DATA + 32], unit[4 + 3 + sizeof answer];
    size_t got = 0;
    struct mh_frame_span sp;
    struct dlt645_frame mf;
    if (dlt645_frame_next(fw.frame, fw.len, &sp, &mf) == 1) {
        long idx = sim_term_meter_by_addr(r->s, r->t, mf.addr);
        struct mh_wr w;
        mh_wr_init(&w, answer, sizeof answer);
        if (idx >= 0 && sim_term_645_answer(r->s, r->t, (size_t)idx, now, fw.frame + sp.off, sp.len, &w) == 1)
            got = mh_wr_len(&w);
    }
    /* Length 0: the meter did not answer within the frame timeout. */
    struct mh_wr u;
    mh_wr_init(&u, unit, sizeof unit);
    mh_wr_bytes(&u, f->units, 4);
    if (gdw1376_forward_reply_put(&u, fw.port, answer, (uint16_t)got) != 0) {
        gdw_reply_ack(r, 1);
        return;
    }
    gdw_reply_unit(r, unit, mh_wr_len(&u));
    gdw_reply_emit(r, C_UP_DATA, r->afn, 1);
}

/* ---- the behaviour ---- */

static void gdw_link(const struct sim_terminal *t, uint16_t fn, uint32_t *seq, struct mh_wr *w)
{
    struct gdw1376_addr a = addr_of(t);
    gdw1376_enc_link(w, &a, fn, (uint8_t)(*seq & 0x0F));
    (*seq)++;
}

static void gdw_login(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now,
                      struct mh_wr *w)
{
    (void)s, (void)now;
    gdw_link(t, 1, seq, w);
}

/*
 * While events wait for confirmation: an active report (AFN0E F1, C = C4,
 * CON) once the master has confirmed the login, then again behind every
 * heartbeat until the master confirms it with AFN00 F1 (active reporting).
 */
static void gdw_report(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now,
                       struct mh_wr *w)
{
    size_t n = sim_term_events(s, t, now, 0, NULL, 0), from = sim_term_events_confirmed(t);
    if (n <= from || t->reports_lost)
        return; /* lost on the channel: the events wait, ACD set, for the master to read them */
    size_t upto = n - from > EVENTS_PER_REPORT ? from + EVENTS_PER_REPORT : n;
    uint8_t units[4 + 4 + EVENTS_PER_REPORT * ERC_MAX];
    struct mh_wr u;
    mh_wr_init(&u, units, sizeof units);
    if (put_events(s, t, now, from, upto, &u) != 0)
        return;
    struct gdw1376_addr a = addr_of(t);
    unsigned pseq = *seq & 0x0F;
    (*seq)++;
    if (gdw1376_frame_encode(w, 0xC4, &a, GDW1376_AFN_CLASS3,
                             (uint8_t)(GDW1376_SEQ_FIR | GDW1376_SEQ_FIN | GDW1376_SEQ_CON | pseq), units,
                             mh_wr_len(&u), NULL, 0, NULL, NULL) == 0)
        sim_term_events_sent(t, pseq, upto, now);
}

/*
 * An event arose, or a report waited report_resend_s for its confirmation
 * (the terminal's wait-for-response timeout, AFN04 F1): report now.
 */
static void gdw_report_due(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now,
                           struct mh_wr *w)
{
    if (sim_term_report_due(s, t, now))
        gdw_report(s, t, seq, now, w);
}

static void gdw_heartbeat(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now,
                          struct mh_wr *w)
{
    gdw_link(t, 3, seq, w);
    gdw_report(s, t, seq, now, w);
}

static void gdw_on_frame(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, const uint8_t *frame,
                         size_t len, int64_t now, struct sim_emit *em)
{
    struct gdw1376_frame f;
    if (gdw1376_frame_parse(frame, len, PW_LEN, &f) != 0 || (f.c & GDW1376_C_DIR))
        return;
    if (f.a1 != t->region || (f.a2 != t->a2 && f.a2 != 0xFFFF))
        return; /* another terminal's frame */
    if (f.has_tp) {
        struct mh_tm clock;
        sim_term_local_tm(s, sim_term_clock(s, t, now), &clock);
        if (gdw1376_tp_stale(&f.tp, &clock))
            return; /* 5.2.4.3: a request past its delay is discarded */
    }
    struct reply *r = &(struct reply){.s = s, .t = t, .em = em, .req = &f, .now = now, .afn = f.afn};
    switch (f.afn) {
    case GDW1376_AFN_CONFIRM:
        /*
         * AFN00 F1 answering a report confirms its events; a login's or
         * heartbeat's needs nothing. Either way, with none out, the next
         * events waiting go at once, as a terminal empties its queue after
         * an outage.
         */
        if (f.units_len >= 4 && f.units[2] == 0x01 && f.units[3] == 0x00 &&
            (sim_term_events_confirm(t, f.seq & 0x0F), !sim_term_events_outstanding(t))) {
            uint8_t out[1024];
            struct mh_wr w;
            mh_wr_init(&w, out, sizeof out);
            gdw_report(s, t, seq, now, &w);
            if (mh_wr_err(&w) == 0 && mh_wr_len(&w) > 0)
                sim_emit_frame(em, out, mh_wr_len(&w));
        }
        return;
    case GDW1376_AFN_LINK:
        return;
    case GDW1376_AFN_CLASS3:
        on_events_read(r, now);
        return;
    case GDW1376_AFN_CLASS1:
    case GDW1376_AFN_CLASS2:
        on_read(r, now);
        return;
    case GDW1376_AFN_CONTROL:
        gdw_on_control(r, now);
        return;
    case GDW1376_AFN_FORWARD:
        on_forward(r, now);
        return;
    case GDW1376_AFN_SET:
        gdw_on_param_set(r);
        return;
    case GDW1376_AFN_QUERY:
        gdw_on_param_query(r);
        return;
    default:
        gdw_reply_ack(r, 1);
        return;
    }
}

const struct sim_behaviour sim_term_gdw1376 = {"gdw1376",      gdw1376_frame_scan, gdw_login,
                                                gdw_heartbeat,  gdw_on_frame,       gdw_report_due,
                                                sim_term_report_next};
