/*
 * A DL/T 698.45 terminal as the master station sees it: LINK login and
 * heartbeat, GET-Request Normal / NormalList on its energy registers
 * (0010, 0020, attributes 2 and 4), voltages, currents, powers, power
 * factor, frequency (2000, 2001, 2004, 2005, 200A, 200F), clock (4000) and
 * address (4001), and GET-Request Record on the daily freeze 5004 with RSD
 * selector 1 (freeze time equals), 2 (freeze time range) or 9 (last n-th).
 *
 * The terminal measures its transformer area (its first meter, the area
 * supply meter behind a concentrator, or the transformer monitor's own
 * meter), so 698 objects read without a meter set are that meter's.
 * Values are the model's through the scenario functions ground truth uses;
 * daily freezes are taken at 00:00 and kept for SIM_645_DAILY_FREEZES days.
 *
 * NEEDSWORK: move into the codec: the LINK-Request, GET-Response and typed
 * data encoders below (the codec has only GET-Request and LINK-Response
 * builders today), and the GET-Record request reader.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/base/rd.h"
#include "meterhub/proto/dlt698.h"
#include "term.h"

#define APDU_MAX 2048u
#define FREEZE_OI 0x5004
#define OAD_FREEZE_TIME 0x20210200u
#define DAR_UNDEFINED 6 /* object does not exist */
#define DAR_NO_BLOCK 9  /* data block unavailable */

/* ---- typed data (A-XDR, big-endian) ---- NEEDSWORK: move into the codec */

static void put_datetime_s(struct mh_wr *w, const struct mh_tm *t)
{
    mh_wr_u8(w, DLT698_DATETIME_S);
    mh_wr_u16be(w, t->year);
    mh_wr_u8(w, t->mon);
    mh_wr_u8(w, t->day);
    mh_wr_u8(w, t->hour);
    mh_wr_u8(w, t->min);
    mh_wr_u8(w, t->sec);
}

static void put_datetime(struct mh_wr *w, const struct mh_tm *t)
{
    mh_wr_u16be(w, t->year);
    mh_wr_u8(w, t->mon);
    mh_wr_u8(w, t->day);
    mh_wr_u8(w, t->wday == 7 ? 0 : t->wday);
    mh_wr_u8(w, t->hour);
    mh_wr_u8(w, t->min);
    mh_wr_u8(w, t->sec);
    mh_wr_u16be(w, 0);
}

/* One element of a value kind: how the model's number goes on the wire. */
static void put_scalar(struct mh_wr *w, uint8_t type, int64_t v)
{
    mh_wr_u8(w, type);
    switch (type) {
    case DLT698_LONG_U:
    case DLT698_LONG:
        mh_wr_u16be(w, (uint16_t)v);
        break;
    case DLT698_LONG64_U:
        mh_wr_u64be(w, (uint64_t)v);
        break;
    default: /* double-long (-unsigned) */
        mh_wr_u32be(w, (uint32_t)v);
        break;
    }
}

/* ---- objects ---- */

enum quantity { Q_IMP, Q_EXP, Q_U, Q_I, Q_P, Q_Q, Q_PF, Q_F };

/* What each (OI, attribute) is: the quantity, the element type, elements, divisor from the model's unit. */
static const struct obj {
    uint16_t oi;
    uint8_t attr;
    uint8_t quantity;
    uint8_t type;
    uint8_t n;
    uint16_t div; /* model unit / wire unit */
} objs[] = {
    {0x0010, 2, Q_IMP, DLT698_DOUBLE_LONG_U, 5, 100}, /* 0.1 Wh -> 0.01 kWh */
    {0x0010, 4, Q_IMP, DLT698_LONG64_U, 5, 1},        /* high precision: 0.0001 kWh = 0.1 Wh */
    {0x0020, 2, Q_EXP, DLT698_DOUBLE_LONG_U, 5, 100},
    {0x0020, 4, Q_EXP, DLT698_LONG64_U, 5, 1},
    {0x2000, 2, Q_U, DLT698_LONG_U, 3, 1},             /* 0.1 V */
    {0x2001, 2, Q_I, DLT698_DOUBLE_LONG, 3, 1},        /* mA */
    {0x2004, 2, Q_P, DLT698_DOUBLE_LONG, 4, 1},        /* 0.1 W (model W x 10) */
    {0x2005, 2, Q_Q, DLT698_DOUBLE_LONG, 4, 1},
    {0x200A, 2, Q_PF, DLT698_LONG, 4, 1},              /* 0.001 */
    {0x200F, 2, Q_F, DLT698_LONG_U, 1, 1},             /* 0.01 Hz */
};

static const struct obj *obj_of(uint32_t oad)
{
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
        if (objs[i].oi == oad >> 16 && objs[i].attr == (oad >> 8 & 0x1F))
            return &objs[i];
    return NULL;
}

/* The model's values of o for meter idx at when. */
static void obj_values(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t when,
                       const struct obj *o, int64_t v[5])
{
    if (o->quantity == Q_IMP || o->quantity == Q_EXP) {
        struct sim_registers r;
        sim_term_registers_at(s, t, idx, when, &r);
        for (int i = 0; i < 5; i++)
            v[i] = (o->quantity == Q_IMP ? r.import_wh10[i] : r.export_wh10[i]) / o->div;
        return;
    }
    struct sim_instant in;
    sim_term_instant_at(s, t, idx, when, &in);
    for (int i = 0; i < 4; i++) {
        switch (o->quantity) {
        case Q_U: v[i] = i < 3 ? in.voltage_dv[i] : 0; break;
        case Q_I: v[i] = i < 3 ? in.current_ma[i] : 0; break;
        case Q_P: v[i] = (int64_t)in.p_w[i] * 10; break;
        case Q_Q: v[i] = (int64_t)in.q_var[i] * 10; break;
        case Q_PF: v[i] = in.pf_milli[i]; break;
        default: v[i] = in.freq_chz; break;
        }
    }
}

static int put_meter_data(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t when,
                          uint32_t oad, struct mh_wr *w);

/* Data of an OAD into w; a DAR (> 0) when the terminal has no such object. */
static int put_oad_data(const struct scenario *s, const struct sim_terminal *t, int64_t now, int64_t when,
                        uint32_t oad, struct mh_wr *w)
{
    if ((oad & 0xFFFFFF00u) == 0x40000200u) {
        struct mh_tm tm;
        sim_term_local_tm(s, sim_term_clock(s, t, now), &tm);
        put_datetime_s(w, &tm);
        return 0;
    }
    if (oad == 0x40010200u) {
        uint8_t a[6], be[6];
        sim_term_addr_wire(t->address, a);
        for (int i = 0; i < 6; i++)
            be[i] = a[5 - i]; /* octet-string, most significant first */
        mh_wr_u8(w, DLT698_OCTETS);
        mh_wr_u8(w, 6);
        mh_wr_bytes(w, be, 6);
        return 0;
    }
    if (t->meter_count == 0)
        return DAR_UNDEFINED;
    return put_meter_data(s, t, t->first_meter, when, oad, w);
}

/* Data of a meter's object (the model's meter idx) at `when`; a DAR (> 0) for what it has not. */
static int put_meter_data(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t when,
                          uint32_t oad, struct mh_wr *w)
{
    unsigned element = oad & 0xFF;
    const struct obj *o = obj_of(oad);
    if (!o || element > o->n)
        return DAR_UNDEFINED;
    int64_t v[5] = {0};
    obj_values(s, t, idx, when, o, v);
    if (o->n == 1 || element) {
        put_scalar(w, o->type, v[element ? element - 1 : 0]);
        return 0;
    }
    mh_wr_u8(w, DLT698_ARRAY);
    mh_wr_u8(w, o->n);
    for (unsigned i = 0; i < o->n; i++)
        put_scalar(w, o->type, v[i]);
    return 0;
}

/* A-ResultNormal: OAD + Get-Result CHOICE {0 DAR, 1 Data}. */
static void put_result(const struct scenario *s, const struct sim_terminal *t, int64_t now, uint32_t oad,
                       struct mh_wr *w)
{
    mh_wr_u32be(w, oad);
    size_t mark = mh_wr_len(w);
    mh_wr_u8(w, 1);
    int dar = put_oad_data(s, t, now, now, oad, w);
    if (dar > 0 && mh_wr_err(w) == 0) {
        w->off = mark; /* rewind: the answer is a DAR */
        mh_wr_u8(w, 0);
        mh_wr_u8(w, (uint8_t)dar);
    }
}

/* ---- GET-Record on the daily freeze ---- */

/* A date_time_s without its type tag (inside a selector) into epoch seconds (local time). */
static int read_dts_body(const struct scenario *s, struct mh_rd *r, int64_t *out);

/* date_time_s Data at r into epoch seconds (local time); MH_EPROTO when it is not one. */
static int read_datetime_s(const struct scenario *s, struct mh_rd *r, int64_t *out)
{
    if (mh_rd_u8(r) != DLT698_DATETIME_S)
        return MH_EPROTO;
    return read_dts_body(s, r, out);
}

static int read_dts_body(const struct scenario *s, struct mh_rd *r, int64_t *out)
{
    struct mh_tm tm = {0};
    tm.year = mh_rd_u16be(r);
    tm.mon = mh_rd_u8(r);
    tm.day = mh_rd_u8(r);
    tm.hour = mh_rd_u8(r);
    tm.min = mh_rd_u8(r);
    tm.sec = mh_rd_u8(r);
    if (mh_rd_err(r))
        return mh_rd_err(r);
    return sim_term_local_epoch(s, &tm, out);
}

/* Freezes (00:00 of each day) selected by the RSD at r: [first, last] as epoch seconds, step a day. */
static int select_freezes(const struct scenario *s, int64_t now, struct mh_rd *r, int64_t *first, int64_t *last)
{
    int64_t today = scenario_day_start(s, scenario_local_day(s, now));
    int64_t oldest = today - (int64_t)(SIM_645_DAILY_FREEZES - 1) * 86400;
    if (oldest < s->start)
        oldest = s->start;
    uint8_t sel = mh_rd_u8(r);
    if (sel == 9) { /* last n-th record */
        unsigned n = mh_rd_u8(r);
        *first = *last = today - (int64_t)(n ? n - 1 : 0) * 86400;
    } else if (sel == 1 || sel == 2) {
        if (mh_rd_u32be(r) != OAD_FREEZE_TIME)
            return MH_EPROTO;
        int64_t a, b = 0;
        if (read_datetime_s(s, r, &a) != 0)
            return MH_EPROTO;
        if (sel == 2) {
            if (read_datetime_s(s, r, &b) != 0 || dlt698_data_skip(r) != 0) /* interval: every freeze */
                return MH_EPROTO;
            b -= 1; /* [start, end) */
        } else {
            b = a;
        }
        int64_t day0 = scenario_day_start(s, scenario_local_day(s, a));
        *first = day0 == a ? a : day0 + 86400; /* freezes at or after a */
        *last = scenario_day_start(s, scenario_local_day(s, b));
    } else {
        return MH_EPROTO;
    }
    if (*first < oldest)
        *first = oldest;
    if (*last > today)
        *last = today;
    return mh_rd_err(r);
}

/* RCSD of a request: up to 8 columns, each an OAD (CSD choice 0). MH_EPROTO otherwise. */
static int read_rcsd(struct mh_rd *r, uint32_t cols[8], unsigned *ncols)
{
    unsigned n = mh_rd_u8(r);
    for (unsigned k = 0; k < n; k++) {
        if (k >= 8 || mh_rd_u8(r) != 0)
            return MH_EPROTO;
        cols[k] = mh_rd_u32be(r);
    }
    *ncols = n;
    return mh_rd_err(r);
}

/* The head of an A-ResultRecord: the OAD and the columns (RCSD) it answers with. */
static void put_rcsd(struct mh_wr *w, uint32_t oad, const uint32_t *cols, unsigned ncols)
{
    mh_wr_u32be(w, oad);
    mh_wr_u8(w, (uint8_t)ncols);
    for (unsigned k = 0; k < ncols; k++) {
        mh_wr_u8(w, 0);
        mh_wr_u32be(w, cols[k]);
    }
}

#define MS_METERS_MAX 64
#define OAD_TARGET_ADDR 0x202A0200u

/*
 * A concentrator answering for its meters from its store: RSD Selector5
 * (store time = a daily freeze, MS choice 3 = a set of TSA), one row per
 * meter of the set that is behind this terminal, the columns asked
 * (202A 0200 is the meter's TSA). Other MS choices are not simulated (DAR).
 */
static void on_get_record_ms(const struct scenario *s, const struct sim_terminal *t, int64_t now, uint32_t oad,
                             struct mh_rd *r, struct mh_wr *w)
{
    int64_t at = 0;
    size_t idx[MS_METERS_MAX], n = 0;
    int rc = read_dts_body(s, r, &at);
    if (rc == 0 && mh_rd_u8(r) != 3)
        rc = MH_EPROTO;
    size_t count = rc == 0 ? dlt698_len_read(r) : 0;
    for (size_t k = 0; k < count && rc == 0; k++) {
        uint8_t len = mh_rd_u8(r), af = mh_rd_u8(r), wire[6];
        const uint8_t *be = mh_rd_bytes(r, 6);
        if (len != 7 || (af & 0x0F) != 5 || !be) {
            rc = MH_EPROTO;
            break;
        }
        for (int i = 0; i < 6; i++)
            wire[i] = be[5 - i];
        long m = sim_term_meter_by_addr(s, t, wire);
        if (m >= 0 && n < MS_METERS_MAX)
            idx[n++] = (size_t)m;
    }
    uint32_t cols[8] = {0};
    unsigned ncols = 0;
    if (rc == 0)
        rc = read_rcsd(r, cols, &ncols);
    if (rc != 0 || mh_rd_err(r))
        ncols = 0;
    put_rcsd(w, oad, cols, ncols);
    int64_t today = scenario_day_start(s, scenario_local_day(s, now));
    int64_t oldest = today - (int64_t)(SIM_645_DAILY_FREEZES - 1) * 86400;
    if (rc != 0 || mh_rd_err(r) || ncols == 0 || oad >> 16 != FREEZE_OI || at > today || at < oldest ||
        at < s->start || scenario_day_start(s, scenario_local_day(s, at)) != at) {
        mh_wr_u8(w, 0);
        mh_wr_u8(w, rc != 0 || ncols == 0 || oad >> 16 != FREEZE_OI ? DAR_UNDEFINED : DAR_NO_BLOCK);
        return;
    }
    mh_wr_u8(w, 1);
    dlt698_len_write(w, n);
    for (size_t m = 0; m < n; m++)
        for (unsigned k = 0; k < ncols; k++) {
            if (cols[k] == OAD_TARGET_ADDR) {
                uint8_t a[6];
                sim_term_addr_wire(s->meters[idx[m]].address, a);
                mh_wr_u8(w, DLT698_TSA);
                mh_wr_u8(w, 7);
                mh_wr_u8(w, 5);
                for (int i = 5; i >= 0; i--)
                    mh_wr_u8(w, a[i]);
            } else if (cols[k] == OAD_FREEZE_TIME) {
                struct mh_tm tm;
                sim_term_local_tm(s, at, &tm);
                put_datetime_s(w, &tm);
            } else if (!obj_of(cols[k]) || obj_of(cols[k])->quantity > Q_EXP ||
                       put_meter_data(s, t, idx[m], at, cols[k], w) != 0) {
                mh_wr_u8(w, DLT698_NULL);
            }
        }
}

static void on_get_record(const struct scenario *s, const struct sim_terminal *t, int64_t now, struct mh_rd *r,
                          struct mh_wr *w)
{
    uint32_t oad = mh_rd_u32be(r);
    if (mh_rd_left(r) > 0 && r->p[r->off] == 5) { /* Selector5: a concentrator's meters */
        mh_rd_u8(r);
        on_get_record_ms(s, t, now, oad, r, w);
        return;
    }
    int64_t first = 0, last = -1;
    int rc = select_freezes(s, now, r, &first, &last);
    /* RCSD: the columns asked (CSD choice 0 = OAD); none = every column the freeze keeps. */
    uint32_t cols[8] = {0};
    unsigned ncols = 0;
    if (rc == 0)
        rc = read_rcsd(r, cols, &ncols);
    if (rc != 0)
        ncols = 0; /* the request's columns were not read: echo every column the freeze keeps */
    if (ncols == 0) {
        static const uint32_t all[] = {OAD_FREEZE_TIME, 0x00100200u, 0x00200200u};
        memcpy(cols, all, sizeof all);
        ncols = 3;
    }
    put_rcsd(w, oad, cols, ncols);
    if (rc != 0 || mh_rd_err(r) || oad >> 16 != FREEZE_OI || first > last) {
        mh_wr_u8(w, 0);
        mh_wr_u8(w, rc != 0 || oad >> 16 != FREEZE_OI ? DAR_UNDEFINED : DAR_NO_BLOCK);
        return;
    }
    mh_wr_u8(w, 1);
    size_t rows = (size_t)((last - first) / 86400 + 1);
    dlt698_len_write(w, rows);
    for (int64_t at = first; at <= last; at += 86400)
        for (unsigned k = 0; k < ncols; k++) {
            if (cols[k] == OAD_FREEZE_TIME) {
                struct mh_tm tm;
                sim_term_local_tm(s, at, &tm);
                put_datetime_s(w, &tm);
            } else if (!obj_of(cols[k]) || obj_of(cols[k])->quantity > Q_EXP ||
                       put_oad_data(s, t, now, at, cols[k], w) != 0) {
                mh_wr_u8(w, DLT698_NULL); /* a column the freeze does not keep */
            }
        }
}

/* ---- the behaviour ---- */

static void server_addr(const struct sim_terminal *t, uint8_t sa[6])
{
    sim_term_addr_wire(t->address, sa);
}

/* LINK-Request (C = 81): type 0 login, 1 heartbeat; period; request time. NEEDSWORK: move into the codec. */
static void link_request(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now,
                         unsigned type, struct mh_wr *w)
{
    uint8_t apdu[32], sa[6];
    struct mh_wr a;
    struct mh_tm tm;
    mh_wr_init(&a, apdu, sizeof apdu);
    sim_term_local_tm(s, sim_term_clock(s, t, now), &tm);
    mh_wr_u8(&a, 0x01);
    mh_wr_u8(&a, (uint8_t)(*seq & 0x3F));
    mh_wr_u8(&a, (uint8_t)type);
    mh_wr_u16be(&a, (uint16_t)(s->heartbeat_s > 0xFFFF ? 0xFFFF : s->heartbeat_s));
    put_datetime(&a, &tm);
    (*seq)++;
    server_addr(t, sa);
    dlt698_frame_encode(w, 0x81, 0x05, sa, 0, apdu, mh_wr_len(&a));
}

static void d698_login(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now,
                       struct mh_wr *w)
{
    link_request(s, t, seq, now, 0, w);
}

#define EVENTS_PER_REPORT 8

/*
 * While events wait for confirmation: a REPORT-Notification (C = 83) of
 * their records once the master answered the login, then again behind every
 * heartbeat until the master answers REPORT-Response with the same PIID: record
 * list, one A-ResultRecord per event with columns 2022 (record number),
 * 201E (start time), 2020 (end time, null while it lasts).
 * NEEDSWORK: move into the codec.
 */
static void d698_report(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now,
                        struct mh_wr *w)
{
    size_t n = sim_term_events(s, t, now, 0, NULL, 0), from = sim_term_events_confirmed(t);
    if (n <= from)
        return;
    size_t count = n - from > EVENTS_PER_REPORT ? EVENTS_PER_REPORT : n - from;
    struct sim_term_event ev[EVENTS_PER_REPORT];
    sim_term_events(s, t, now, from, ev, count);
    uint8_t apdu[EVENTS_PER_REPORT * 48 + 16], sa[6];
    struct mh_wr a;
    mh_wr_init(&a, apdu, sizeof apdu);
    unsigned piid = *seq & 0x3F;
    (*seq)++;
    mh_wr_u8(&a, 0x88);
    mh_wr_u8(&a, 2); /* ReportNotificationRecordList */
    mh_wr_u8(&a, (uint8_t)piid);
    dlt698_len_write(&a, count);
    static const uint32_t cols[] = {0x20220200u, 0x201E0200u, 0x20200200u};
    for (size_t k = 0; k < count; k++) {
        mh_wr_u32be(&a, (uint32_t)sim_term_event_kind(ev[k].anomaly)->oi << 16 | 0x0200u);
        mh_wr_u8(&a, 3);
        for (size_t c = 0; c < 3; c++) {
            mh_wr_u8(&a, 0); /* CSD: OAD */
            mh_wr_u32be(&a, cols[c]);
        }
        mh_wr_u8(&a, 1); /* rows */
        mh_wr_u8(&a, 1);
        mh_wr_u8(&a, DLT698_DOUBLE_LONG_U);
        mh_wr_u32be(&a, (uint32_t)(from + k + 1));
        struct mh_tm tm;
        sim_term_local_tm(s, ev[k].at, &tm);
        put_datetime_s(&a, &tm);
        mh_wr_u8(&a, DLT698_NULL);
    }
    mh_wr_u8(&a, 0); /* TimeTag */
    server_addr(t, sa);
    if (mh_wr_err(&a) == 0 && dlt698_frame_encode(w, 0x83, 0x05, sa, 0, apdu, mh_wr_len(&a)) == 0)
        sim_term_events_sent(t, piid, from + count);
}

static void d698_heartbeat(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now,
                           struct mh_wr *w)
{
    link_request(s, t, seq, now, 1, w);
    d698_report(s, t, seq, now, w);
}

static void d698_on_frame(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, const uint8_t *frame,
                          size_t len, int64_t now, struct sim_emit *em)
{
    struct dlt698_frame f;
    if (dlt698_frame_parse(frame, len, &f) != 0 || (f.c & (DLT698_C_DIR | DLT698_C_SC | DLT698_C_FRAG)))
        return; /* scrambled and fragmented requests are not simulated */
    uint8_t sa[6];
    server_addr(t, sa);
    if (f.sa_type == 3 || (f.sa_type == 0 && (f.sa_len != 6 || memcmp(f.sa, sa, 6) != 0)))
        return; /* broadcast, or another server */
    struct mh_rd r;
    mh_rd_init(&r, f.apdu, f.apdu_len);
    uint8_t tag = mh_rd_u8(&r), choice = mh_rd_u8(&r), piid = mh_rd_u8(&r);
    if (tag == 0x08 && mh_rd_err(&r) == 0) {
        sim_term_events_confirm(t, piid & 0x3F); /* REPORT-Response: the report's records are confirmed */
        return;
    }
    if (tag == 0x81 && !sim_term_events_outstanding(t)) {
        uint8_t rep[EVENTS_PER_REPORT * 48 + 64];
        struct mh_wr rw;
        mh_wr_init(&rw, rep, sizeof rep);
        d698_report(s, t, seq, now, &rw); /* the LINK-Response came: report what waits */
        if (mh_wr_err(&rw) == 0 && mh_wr_len(&rw) > 0)
            sim_emit_frame(em, rep, mh_wr_len(&rw));
        return;
    }
    if (tag != 0x05)
        return; /* other services are not simulated */
    uint8_t apdu[APDU_MAX], out[APDU_MAX + 64];
    struct mh_wr w;
    mh_wr_init(&w, apdu, sizeof apdu);
    mh_wr_u8(&w, 0x85);
    mh_wr_u8(&w, choice);
    mh_wr_u8(&w, piid & 0xBF); /* PIID-ACD: no follow-up reports */
    if (choice == 1) {
        uint32_t oad = mh_rd_u32be(&r);
        if (mh_rd_err(&r))
            return;
        put_result(s, t, now, oad, &w);
    } else if (choice == 2) {
        unsigned n = mh_rd_u8(&r);
        if (!mh_rd_need(&r, 4u * n))
            return;
        dlt698_len_write(&w, n);
        for (unsigned k = 0; k < n; k++)
            put_result(s, t, now, mh_rd_u32be(&r), &w);
    } else if (choice == 3) {
        on_get_record(s, t, now, &r, &w);
    } else {
        return;
    }
    mh_wr_u8(&w, 0); /* FollowReport */
    mh_wr_u8(&w, 0); /* TimeTag */
    if (mh_wr_err(&w) != 0)
        return;
    struct mh_wr fw;
    mh_wr_init(&fw, out, sizeof out);
    if (dlt698_frame_encode(&fw, 0xC3, 0x05, sa, f.ca, apdu, mh_wr_len(&w)) == 0)
        sim_emit_frame(em, out, mh_wr_len(&fw));
}

const struct sim_behaviour sim_term_dlt698 = {"dlt698", dlt698_frame_scan, d698_login, d698_heartbeat,
                                               d698_on_frame};
