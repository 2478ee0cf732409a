/*
 * AFN04 set parameters / AFN0A query parameters (Q/GDW 1376.1-2013 5.4,
 * 5.10): the layouts a master sets on a terminal and reads back. AFN0A's
 * response carries the same data as AFN04's request, so one encoder and
 * one decoder serve both. A const table gives each Fn its kind and size.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "afn_int.h"

#define METER_REC 27u
#define MAX_METERS 2040u /* 5.4.2.4.10: record numbers 1..2040 */
#define MAX_TASK_IDS 64u

enum kind { K_COMM, K_MASTER, K_EVENTS, K_METERS, K_POINT, K_A2, K_A3, K_PERIOD, K_REST, K_BYTE, K_STOP, K_PURCHASE, K_TASK };

struct param_def {
    uint16_t fn;
    uint8_t kind;
    uint8_t size; /* fixed data bytes; 0 = variable */
    const char *name;
};

static const struct param_def defs[] = {
    {1, K_COMM, 6, "uplink_comm"},
    {3, K_MASTER, 28, "master_address"},
    {9, K_EVENTS, 16, "event_config"},
    {10, K_METERS, 0, "meter_config"},
    {17, K_A2, 2, "protect_power_limit"},
    {25, K_POINT, 11, "point_base"},
    {41, K_PERIOD, 0, "period_power_limits"},
    {42, K_REST, 6, "plant_rest_control"},
    {43, K_BYTE, 1, "power_slip_minutes"},
    {44, K_STOP, 8, "business_stop_control"},
    {45, K_BYTE, 1, "power_control_turns"},
    {46, K_A3, 4, "monthly_energy_limit"},
    {47, K_PURCHASE, 17, "purchased_energy"},
    {48, K_BYTE, 1, "energy_control_turns"},
    {49, K_BYTE, 1, "power_alarm_minutes"},
    {65, K_TASK, 0, "class1_report_task"},
    {66, K_TASK, 0, "class2_report_task"},
    {67, K_BYTE, 1, "class1_report_enable"},
    {68, K_BYTE, 1, "class2_report_enable"},
};

static const struct param_def *lookup(uint16_t fn)
{
    return afn_table_find(defs, sizeof defs / sizeof defs[0], sizeof defs[0], fn);
}

const char *gdw1376_param_name(uint16_t fn)
{
    const struct param_def *d = lookup(fn);
    return d ? d->name : NULL;
}

/* ---- one appendix A field through fmt.c ---- */

static void fmt_put(struct mh_wr *w, enum gdw1376_fmt f, const struct gdw1376_value *v)
{
    uint8_t b[8];
    size_t n = gdw1376_fmt_size(f);
    if (gdw1376_fmt_encode(f, v, b, n) != 0) {
        mh_wr_fail(w, MH_ERANGE);
        return;
    }
    mh_wr_bytes(w, b, n);
}

static void fmt_get(struct mh_rd *r, enum gdw1376_fmt f, struct gdw1376_value *v)
{
    size_t n = gdw1376_fmt_size(f);
    const uint8_t *p = mh_rd_bytes(r, n);
    if (p && gdw1376_fmt_decode(f, p, n, v) != 0)
        mh_rd_fail(r, MH_EPROTO);
}

static void time_put(struct mh_wr *w, enum gdw1376_fmt f, const struct mh_tm *t)
{
    struct gdw1376_value v = {.kind = GDW1376_V_TIME, .time = *t};
    fmt_put(w, f, &v);
}

static void time_get(struct mh_rd *r, enum gdw1376_fmt f, struct mh_tm *t)
{
    struct gdw1376_value v;
    fmt_get(r, f, &v);
    if (mh_rd_err(r) == 0 && v.kind != GDW1376_V_TIME)
        mh_rd_fail(r, MH_EBADTIME);
    *t = v.time;
}

static void addr_put(struct mh_wr *w, const char *digits)
{
    struct gdw1376_value v = {.kind = GDW1376_V_TEXT};
    if (strlen(digits) != 12) {
        mh_wr_fail(w, MH_EBADADDR);
        return;
    }
    memcpy(v.text, digits, 12);
    fmt_put(w, GDW1376_A12, &v);
}

static void addr_get(const uint8_t *p, char out[13])
{
    struct gdw1376_value v;
    gdw1376_fmt_decode(GDW1376_A12, p, 6, &v);
    if (v.kind == GDW1376_V_TEXT)
        memcpy(out, v.text, 12);
    else
        memset(out, 'E', 12); /* EE-filled or not BCD: no address */
    out[12] = 0;
}

/* ---- F10 records ---- */

int gdw1376_meter_cfg_put(struct mh_wr *w, const struct gdw1376_meter_cfg *m)
{
    if (m->seq < 1 || m->seq > MAX_METERS || m->pn > MAX_METERS || m->baud > 7 || m->port > 31 ||
        m->tariffs > 63 || m->int_digits < 4 || m->int_digits > 7 || m->dec_digits < 1 ||
        m->dec_digits > 4 || m->user_class > 15 || m->user_sub > 15)
        return mh_wr_fail(w, MH_ERANGE);
    mh_wr_u16le(w, m->seq);
    mh_wr_u16le(w, m->pn);
    mh_wr_u8(w, (uint8_t)(m->baud << 5 | m->port));
    mh_wr_u8(w, m->protocol);
    addr_put(w, m->addr);
    mh_wr_bytes(w, m->password, 6);
    mh_wr_u8(w, m->tariffs);
    mh_wr_u8(w, (uint8_t)((m->int_digits - 4) << 2 | (m->dec_digits - 1)));
    addr_put(w, m->collector);
    mh_wr_u8(w, (uint8_t)(m->user_class << 4 | m->user_sub));
    return mh_wr_err(w);
}

static int meter_decode(const uint8_t *p, struct gdw1376_meter_cfg *m)
{
    memset(m, 0, sizeof *m);
    m->seq = (uint16_t)(p[0] | p[1] << 8);
    m->pn = (uint16_t)(p[2] | p[3] << 8);
    m->baud = p[4] >> 5;
    m->port = p[4] & 31;
    m->protocol = p[5];
    addr_get(p + 6, m->addr);
    memcpy(m->password, p + 12, 6);
    m->tariffs = p[18] & 63;
    m->int_digits = (uint8_t)(((p[19] >> 2) & 3) + 4);
    m->dec_digits = (uint8_t)((p[19] & 3) + 1);
    addr_get(p + 20, m->collector);
    m->user_class = p[26] >> 4;
    m->user_sub = p[26] & 15;
    return m->seq >= 1 && m->seq <= MAX_METERS && m->pn <= MAX_METERS ? 0 : MH_ERANGE;
}

int gdw1376_meter_cfg_get(const struct gdw1376_param *p, size_t i, struct gdw1376_meter_cfg *m)
{
    if (p->fn != 10 || i >= p->u.meters.n)
        return MH_EINVAL;
    return meter_decode(p->u.meters.recs + i * METER_REC, m);
}

/* ---- encoders per kind ---- */

static void comm_put(struct mh_wr *w, const struct gdw1376_param *p)
{
    if (p->u.comm.timeout_s > 4095 || p->u.comm.retries > 3) {
        mh_wr_fail(w, MH_ERANGE);
        return;
    }
    mh_wr_u8(w, p->u.comm.rts_20ms);
    mh_wr_u8(w, p->u.comm.delay_min);
    mh_wr_u16le(w, (uint16_t)(p->u.comm.timeout_s | p->u.comm.retries << 12));
    mh_wr_u8(w, p->u.comm.con_flags);
    mh_wr_u8(w, p->u.comm.heartbeat_min);
}

static void master_put(struct mh_wr *w, const struct gdw1376_param *p)
{
    char apn[16] = {0};
    size_t n = strnlen(p->u.master.apn, sizeof p->u.master.apn);
    if (n > 16) {
        mh_wr_fail(w, MH_ERANGE);
        return;
    }
    memcpy(apn, p->u.master.apn, n);
    mh_wr_bytes(w, p->u.master.ip, 4);
    mh_wr_u16le(w, p->u.master.port);
    mh_wr_bytes(w, p->u.master.ip2, 4);
    mh_wr_u16le(w, p->u.master.port2);
    mh_wr_bytes(w, apn, 16);
}

static void period_put(struct mh_wr *w, const struct gdw1376_param *p)
{
    if (p->u.period_ctrl.schemes & ~7u) {
        mh_wr_fail(w, MH_ERANGE);
        return;
    }
    mh_wr_u8(w, p->u.period_ctrl.schemes);
    for (int s = 0; s < 3; s++) {
        if (!(p->u.period_ctrl.schemes & (1u << s)))
            continue;
        mh_wr_u8(w, p->u.period_ctrl.periods[s]);
        for (int k = 0; k < 8; k++)
            if (p->u.period_ctrl.periods[s] & (1u << k))
                fmt_put(w, GDW1376_A2, &p->u.period_ctrl.limit[s][k]);
    }
}

static void task_put(struct mh_wr *w, const struct gdw1376_report_task *t)
{
    if (t->unit > 3 || t->period > 63 || t->n_ids > MAX_TASK_IDS) {
        mh_wr_fail(w, MH_ERANGE);
        return;
    }
    mh_wr_u8(w, (uint8_t)(t->unit << 6 | t->period));
    time_put(w, GDW1376_A1, &t->base);
    mh_wr_u8(w, t->ratio);
    mh_wr_u8(w, t->n_ids);
    mh_wr_bytes(w, t->ids, (size_t)t->n_ids * 4);
}

int gdw1376_param_put(struct mh_wr *w, const struct gdw1376_param *p)
{
    const struct param_def *d = lookup(p->fn);
    if (!d)
        return MH_EUNKNOWN;
    if (gdw1376_unit_put(w, p->pn, p->fn, NULL, 0) != 0)
        return mh_wr_err(w) ? mh_wr_err(w) : MH_EINVAL;
    switch (d->kind) {
    case K_COMM: comm_put(w, p); break;
    case K_MASTER: master_put(w, p); break;
    case K_METERS:
        /* records come from the caller already laid out (gdw1376_meter_cfg_put) */
        if (p->u.meters.n > MAX_METERS)
            return mh_wr_fail(w, MH_ERANGE);
        mh_wr_u16le(w, p->u.meters.n);
        mh_wr_bytes(w, p->u.meters.recs, (size_t)p->u.meters.n * METER_REC);
        break;
    case K_EVENTS:
        for (int i = 0; i < 8; i++)
            mh_wr_u8(w, (uint8_t)(p->u.events.valid >> (8 * i)));
        for (int i = 0; i < 8; i++)
            mh_wr_u8(w, (uint8_t)(p->u.events.important >> (8 * i)));
        break;
    case K_POINT:
        mh_wr_u16le(w, p->u.point.pt);
        mh_wr_u16le(w, p->u.point.ct);
        fmt_put(w, GDW1376_A7, &p->u.point.rated_v);
        fmt_put(w, GDW1376_A22, &p->u.point.rated_i);
        fmt_put(w, GDW1376_A23, &p->u.point.rated_kva);
        mh_wr_u8(w, p->u.point.wiring);
        break;
    case K_A2: fmt_put(w, GDW1376_A2, &p->u.value); break;
    case K_A3: fmt_put(w, GDW1376_A3, &p->u.value); break;
    case K_PERIOD: period_put(w, p); break;
    case K_REST:
        fmt_put(w, GDW1376_A2, &p->u.rest.limit);
        time_put(w, GDW1376_A19, &p->u.rest.start);
        mh_wr_u8(w, p->u.rest.duration_half_h);
        mh_wr_u8(w, p->u.rest.weekdays);
        break;
    case K_BYTE: mh_wr_u8(w, p->u.byte); break;
    case K_STOP:
        time_put(w, GDW1376_A20, &p->u.stop.from);
        time_put(w, GDW1376_A20, &p->u.stop.to);
        fmt_put(w, GDW1376_A2, &p->u.stop.limit);
        break;
    case K_PURCHASE:
        mh_wr_u32le(w, p->u.purchase.order_no);
        mh_wr_u8(w, p->u.purchase.flag);
        fmt_put(w, GDW1376_A3, &p->u.purchase.amount);
        fmt_put(w, GDW1376_A3, &p->u.purchase.alarm);
        fmt_put(w, GDW1376_A3, &p->u.purchase.trip);
        break;
    default: task_put(w, &p->u.task); break;
    }
    return mh_wr_err(w);
}

/* ---- decoders per kind ---- */

static void meters_get(struct mh_rd *r, struct gdw1376_param *p)
{
    uint16_t n = mh_rd_u16le(r);
    if (mh_rd_err(r))
        return;
    if (n > MAX_METERS) {
        mh_rd_fail(r, MH_ERANGE);
        return;
    }
    const uint8_t *recs = mh_rd_bytes(r, (size_t)n * METER_REC);
    if (!recs)
        return;
    p->u.meters.n = n;
    p->u.meters.recs = recs;
    struct gdw1376_meter_cfg m;
    for (size_t i = 0; i < n; i++)
        if (meter_decode(recs + i * METER_REC, &m) != 0) {
            mh_rd_fail(r, MH_ERANGE);
            return;
        }
}

static void period_get(struct mh_rd *r, struct gdw1376_param *p)
{
    uint8_t s = mh_rd_u8(r);
    if (s & ~7u) {
        mh_rd_fail(r, MH_ERANGE);
        return;
    }
    p->u.period_ctrl.schemes = s;
    for (int k = 0; k < 3; k++) {
        if (!(s & (1u << k)))
            continue;
        uint8_t per = mh_rd_u8(r);
        p->u.period_ctrl.periods[k] = per;
        for (int j = 0; j < 8; j++)
            if (per & (1u << j))
                fmt_get(r, GDW1376_A2, &p->u.period_ctrl.limit[k][j]);
    }
}

static void task_get(struct mh_rd *r, struct gdw1376_report_task *t)
{
    uint8_t b = mh_rd_u8(r);
    t->unit = b >> 6;
    t->period = b & 63;
    time_get(r, GDW1376_A1, &t->base);
    t->ratio = mh_rd_u8(r);
    t->n_ids = mh_rd_u8(r);
    if (t->n_ids > MAX_TASK_IDS)
        mh_rd_fail(r, MH_ERANGE);
    t->ids = mh_rd_bytes(r, (size_t)t->n_ids * 4);
}

static int param_get(struct mh_rd *r, const struct param_def *d, struct gdw1376_param *p)
{
    switch (d->kind) {
    case K_COMM: {
        p->u.comm.rts_20ms = mh_rd_u8(r);
        p->u.comm.delay_min = mh_rd_u8(r);
        uint16_t t = mh_rd_u16le(r);
        p->u.comm.timeout_s = t & 0x0FFF;
        p->u.comm.retries = (t >> 12) & 3;
        p->u.comm.con_flags = mh_rd_u8(r);
        p->u.comm.heartbeat_min = mh_rd_u8(r);
        break;
    }
    case K_MASTER: {
        const uint8_t *b = mh_rd_bytes(r, 28);
        if (!b)
            break;
        memcpy(p->u.master.ip, b, 4);
        p->u.master.port = (uint16_t)(b[4] | b[5] << 8);
        memcpy(p->u.master.ip2, b + 6, 4);
        p->u.master.port2 = (uint16_t)(b[10] | b[11] << 8);
        memcpy(p->u.master.apn, b + 12, 16);
        p->u.master.apn[16] = 0;
        break;
    }
    case K_METERS: meters_get(r, p); break;
    case K_EVENTS:
        for (int i = 0; i < 8; i++)
            p->u.events.valid |= (uint64_t)mh_rd_u8(r) << (8 * i);
        for (int i = 0; i < 8; i++)
            p->u.events.important |= (uint64_t)mh_rd_u8(r) << (8 * i);
        break;
    case K_POINT:
        p->u.point.pt = mh_rd_u16le(r);
        p->u.point.ct = mh_rd_u16le(r);
        fmt_get(r, GDW1376_A7, &p->u.point.rated_v);
        fmt_get(r, GDW1376_A22, &p->u.point.rated_i);
        fmt_get(r, GDW1376_A23, &p->u.point.rated_kva);
        p->u.point.wiring = mh_rd_u8(r);
        break;
    case K_A2: fmt_get(r, GDW1376_A2, &p->u.value); break;
    case K_A3: fmt_get(r, GDW1376_A3, &p->u.value); break;
    case K_PERIOD: period_get(r, p); break;
    case K_REST:
        fmt_get(r, GDW1376_A2, &p->u.rest.limit);
        time_get(r, GDW1376_A19, &p->u.rest.start);
        p->u.rest.duration_half_h = mh_rd_u8(r);
        p->u.rest.weekdays = mh_rd_u8(r);
        break;
    case K_BYTE: p->u.byte = mh_rd_u8(r); break;
    case K_STOP:
        time_get(r, GDW1376_A20, &p->u.stop.from);
        time_get(r, GDW1376_A20, &p->u.stop.to);
        fmt_get(r, GDW1376_A2, &p->u.stop.limit);
        break;
    case K_PURCHASE:
        p->u.purchase.order_no = mh_rd_u32le(r);
        p->u.purchase.flag = mh_rd_u8(r);
        fmt_get(r, GDW1376_A3, &p->u.purchase.amount);
        fmt_get(r, GDW1376_A3, &p->u.purchase.alarm);
        fmt_get(r, GDW1376_A3, &p->u.purchase.trip);
        break;
    default: task_get(r, &p->u.task); break;
    }
    return mh_rd_err(r);
}

static int one(void *ctx, size_t k, struct mh_rd *r, uint16_t pn, uint16_t fn)
{
    const struct param_def *d = lookup(fn);
    if (!d)
        return MH_EUNKNOWN; /* its size is unknown: nothing after it can be found */
    struct gdw1376_param *o = (struct gdw1376_param *)ctx + k;
    memset(o, 0, sizeof *o);
    o->pn = pn;
    o->fn = fn;
    return param_get(r, d, o);
}

int gdw1376_param_parse(const uint8_t *units, size_t n, struct gdw1376_param *out, size_t max)
{
    return afn_units_each(units, n, max, one, out);
}

int gdw1376_query_f10_put(struct mh_wr *w, const uint16_t *seq, uint16_t n)
{
    if (n == 0 || n > MAX_METERS)
        return MH_EINVAL;
    mh_wr_u16le(w, n);
    for (size_t i = 0; i < n; i++)
        mh_wr_u16le(w, seq[i]);
    return mh_wr_err(w);
}

int gdw1376_query_f10_parse(const uint8_t *data, size_t n, uint16_t *seq, size_t max, size_t *count)
{
    struct mh_rd r;
    mh_rd_init(&r, data, n);
    uint16_t c = mh_rd_u16le(&r);
    if (mh_rd_err(&r))
        return MH_ETRUNC;
    if (c == 0 || c > MAX_METERS)
        return MH_ERANGE;
    if (c > max)
        return MH_EOVERFLOW;
    for (size_t i = 0; i < c; i++)
        seq[i] = mh_rd_u16le(&r);
    if (mh_rd_err(&r))
        return MH_ETRUNC;
    *count = c;
    return 0;
}

static int query_one(void *ctx, size_t k, struct mh_rd *r, uint16_t pn, uint16_t fn)
{
    struct gdw1376_query_item *q = (struct gdw1376_query_item *)ctx + k;
    *q = (struct gdw1376_query_item){.pn = pn, .fn = fn};
    if (fn != 10)
        return 0;
    const uint8_t *start = r->p + r->off;
    uint16_t c = mh_rd_u16le(r);
    if (mh_rd_err(r))
        return MH_ETRUNC;
    if (c == 0 || c > MAX_METERS)
        return MH_ERANGE;
    if (!mh_rd_bytes(r, (size_t)c * 2))
        return MH_ETRUNC;
    q->data = start;
    q->len = 2 + (size_t)c * 2;
    return 0;
}

int gdw1376_query_parse(const uint8_t *units, size_t n, struct gdw1376_query_item *out, size_t max)
{
    return afn_units_each(units, n, max, query_one, out);
}
