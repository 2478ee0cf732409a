/*
 * A DL/T 698.45 terminal as the master station sees it: LINK login and
 * heartbeat, GET-Request Normal / NormalList on its energy registers
 * (0010, 0020, attributes 2 and 4), voltages, currents, powers, power
 * factor, frequency (2000, 2001, 2004, 2005, 200A, 200F), clock (4000) and
 * address (4001), GET-Request Record on the daily freeze 5004 with RSD
 * selector 1 (freeze time equals), 2 (freeze time range) or 9 (last n-th),
 * on the minute freeze 5002 (selector 2) and, for the meters behind a
 * concentrator, on its store: 5004 by selector 5 and its task data 6012
 * attribute 3 (the meters' minute freezes) by selectors 6..8, with MS.
 *
 * The terminal measures its transformer area (its first meter, the area
 * supply meter behind a concentrator, or the transformer monitor's own
 * meter), so 698 objects read without a meter set are that meter's.
 * Values are the model's through the scenario functions ground truth uses;
 * daily freezes are taken at 00:00 and kept for SIM_645_DAILY_FREEZES days.
 *
 * Control (clause 8 SET / ACTION, objects of appendix: 4000, 8000..8002): a
 * clock set removes the drift; a special-transformer terminal trips and
 * closes its load (8000 methods 129 / 130), keeps protect (8001) and the
 * urge-fee alarm with its text (8002). PROXY reaches the meters behind the
 * terminal: GetList by their TSA, TransCommand with a DL/T 645 frame.
 *
 * Every APDU is decoded with dlt698_apdu_decode and built with the codec's
 * encoders (dlt698_apdu.h, dlt698_data.h): the simulator speaks through the
 * code the master decodes with.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/base/rd.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/dlt698_data.h"
#include "term.h"

#define APDU_MAX 16384u /* a day of the minute freeze in one record reply */
#define FREEZE_OI 0x5004
#define OAD_FREEZE_TIME 0x20210200u
#define DAR_UNDEFINED 6 /* object does not exist */
#define DAR_NO_BLOCK 9  /* data block unavailable */

#define DAR_DENIED 3     /* refused (no relays, protected) */
#define DAR_TYPE 7       /* type does not match */
#define LIST_MAX 32      /* results in one list reply */

static void put_datetime_s(struct mh_wr *w, const struct mh_tm *t)
{
    dlt698_put_time(w, DLT698_DATETIME_S, t);
}

/* One element of a value kind: how the model's number goes on the wire. */
static void put_scalar(struct mh_wr *w, uint8_t type, int64_t v)
{
    switch (type) {
    case DLT698_LONG_U: dlt698_put_u16(w, (uint16_t)v); break;
    case DLT698_LONG: dlt698_put_i16(w, (int16_t)v); break;
    case DLT698_LONG64_U: dlt698_put_u64(w, (uint64_t)v); break;
    case DLT698_DOUBLE_LONG: dlt698_put_i32(w, (int32_t)v); break;
    default: dlt698_put_u32(w, (uint32_t)v); break;
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

/* Data of an OAD of meter idx (behind t) into w; a DAR (> 0) when there is no such object. */
static int put_oad_data(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t now, int64_t when,
                        uint32_t oad, struct mh_wr *w)
{
    unsigned element = oad & 0xFF;
    int ctl = sim_term_698_ctrl_get(t, oad, now, w);
    if (ctl >= 0)
        return ctl;
    if ((oad & 0xFFFFFF00u) == 0x40000200u) {
        struct mh_tm tm;
        sim_term_local_tm(s, sim_term_clock(s, t, now), &tm);
        put_datetime_s(w, &tm);
        return 0;
    }
    if (oad == 0x60000200u) {
        sim_term_698_archive_get(s, t, w);
        return 0;
    }
    if (oad == 0x40010200u) {
        uint8_t a[6], be[6];
        sim_term_addr_wire(idx == t->first_meter || t->meter_count == 0 ? t->address : s->meters[idx].address, a);
        for (int i = 0; i < 6; i++)
            be[i] = a[5 - i]; /* octet-string, most significant first */
        dlt698_put_octets(w, be, 6);
        return 0;
    }
    const struct obj *o = obj_of(oad);
    if (!o || t->meter_count == 0 || element > o->n)
        return DAR_UNDEFINED;
    int64_t v[5] = {0};
    obj_values(s, t, idx, when, o, v);
    if (o->n == 1 || element) {
        put_scalar(w, o->type, v[element ? element - 1 : 0]);
        return 0;
    }
    dlt698_put_array(w, o->n);
    for (unsigned i = 0; i < o->n; i++)
        put_scalar(w, o->type, v[i]);
    return 0;
}

/*
 * When the values of a GET list were read. A list that asks the clock
 * (4000 0200) with them is one reading the terminal dates: it read its
 * meters at the start of the minute its clock shows, and the model is
 * taken at that time (the master stores the values at that minute). Any
 * other list is answered as of now.
 */
static int64_t list_read_time(const struct scenario *s, const struct sim_terminal *t, int64_t now,
                              const struct dlt698_items *oads)
{
    struct dlt698_iter it;
    union dlt698_item item;
    dlt698_items_begin(oads, &it);
    while (dlt698_items_next(&it, &item) == 1) {
        if (item.oad == 0x40000200u) {
            int64_t clock = sim_term_clock(s, t, now);
            return clock - (clock % 60 + 60) % 60;
        }
    }
    return now;
}

/* A-ResultNormal of oad for meter idx read at when: its Data written to w and viewed by res, or its DAR. */
static void result_of(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t now, int64_t when,
                      uint32_t oad, struct mh_wr *w, struct dlt698_result_normal *res)
{
    size_t mark = mh_wr_len(w);
    res->oad = oad;
    res->dar = 0;
    res->data.p = NULL;
    res->data.len = 0;
    int dar = put_oad_data(s, t, idx, now, when, oad, w);
    if (dar > 0 || mh_wr_err(w) != 0) {
        w->off = mark; /* the answer is a DAR */
        res->dar = dar > 0 ? (uint8_t)dar : DAR_NO_BLOCK;
        return;
    }
    res->data.p = w->p + mark;
    res->data.len = mh_wr_len(w) - mark;
}

/* ---- GET-Record on the daily freeze ---- */

/* Child k (0-based) of the node at nodes[at]: its index. */
static size_t child(const struct dlt698_node *nodes, size_t at, unsigned k)
{
    size_t j = at + 1;
    while (k--)
        j = nodes[j].next;
    return j;
}

static int node_epoch(const struct scenario *s, const struct dlt698_node *n, int64_t *out)
{
    if (n->type != DLT698_DATETIME_S)
        return MH_EPROTO;
    return sim_term_local_epoch(s, &n->v.time, out);
}

/* Freezes (00:00 of each day) selected by an RSD: [first, last] as epoch seconds, step a day. */
static int select_freezes(const struct scenario *s, int64_t now, const struct dlt698_bytes *rsd, int64_t *first,
                          int64_t *last)
{
    struct dlt698_node nodes[16];
    struct mh_rd r;
    mh_rd_init(&r, rsd->p, rsd->len);
    if (dlt698_value_decode(&r, DLT698_RSD, nodes, 16) < 0)
        return MH_EPROTO;
    int64_t today = scenario_day_start(s, scenario_local_day(s, now));
    int64_t oldest = today - (int64_t)(SIM_645_DAILY_FREEZES - 1) * 86400;
    if (oldest < s->start)
        oldest = s->start;
    uint8_t sel = nodes[0].choice;
    if (sel == 9) { /* last n-th record */
        uint64_t n = nodes[1].v.u;
        *first = *last = today - (int64_t)(n ? n - 1 : 0) * 86400;
    } else if (sel == 1 || sel == 2) { /* freeze time equal to / in [start, end) */
        int64_t a, b;
        if (nodes[child(nodes, 0, 0)].v.u != OAD_FREEZE_TIME || node_epoch(s, &nodes[child(nodes, 0, 1)], &a) != 0)
            return MH_EPROTO;
        if (sel == 2) {
            if (node_epoch(s, &nodes[child(nodes, 0, 2)], &b) != 0)
                return MH_EPROTO;
            b -= 1; /* the interval is every freeze */
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
    return 0;
}

/* The columns an RCSD asks (CSD choice 0 = OAD); none = every column the freeze keeps. */
static int record_columns(const struct dlt698_bytes *rcsd, uint32_t cols[8], unsigned *n)
{
    struct dlt698_node nodes[32];
    struct mh_rd r;
    mh_rd_init(&r, rcsd->p, rcsd->len);
    if (dlt698_value_decode(&r, DLT698_RCSD, nodes, 32) < 0 || nodes[0].count > 8)
        return MH_EPROTO;
    *n = nodes[0].count;
    for (unsigned k = 0; k < *n; k++) {
        size_t c = child(nodes, 0, k);
        if (nodes[c].choice != 0)
            return MH_EPROTO;
        cols[k] = (uint32_t)nodes[c + 1].v.u;
    }
    if (*n == 0) {
        static const uint32_t all[] = {OAD_FREEZE_TIME, 0x00100200u, 0x00200200u};
        memcpy(cols, all, sizeof all);
        *n = 3;
    }
    return 0;
}

/* A-ResultRecord of a GetRecord on 5004; rcsd and rows written to w and viewed by rec. */
#define MS_METERS_MAX 64
#define OAD_TARGET_ADDR 0x202A0200u

/* A meter's 12-digit address as a TSA Data. */
static void put_meter_tsa(struct mh_wr *w, uint64_t address)
{
    uint8_t a[6];
    sim_term_addr_wire(address, a);
    mh_wr_u8(w, DLT698_TSA);
    mh_wr_u8(w, 7);
    mh_wr_u8(w, 5); /* address flags: type 0, 6 bytes; then most significant first */
    for (int i = 5; i >= 0; i--)
        mh_wr_u8(w, a[i]);
}

/* The head of an A-ResultRecord into w and rec: the columns (RCSD) it answers with. */
static void record_head(struct mh_wr *w, const uint32_t *cols, unsigned ncols, struct dlt698_result_record *rec)
{
    size_t mark = mh_wr_len(w);
    mh_wr_u8(w, (uint8_t)ncols);
    for (unsigned k = 0; k < ncols; k++) {
        mh_wr_u8(w, 0);
        mh_wr_u32be(w, cols[k]);
    }
    rec->rcsd.p = w->p + mark;
    rec->rcsd.len = mh_wr_len(w) - mark;
    rec->columns = ncols;
}

/*
 * A concentrator answering for its meters from its store: RSD Selector5
 * (store time = a daily freeze, MS choice 3 = a set of TSA), one row per
 * meter of the set that is behind this terminal, the columns asked
 * (202A 0200 is the meter's TSA). Other MS choices are not simulated (DAR).
 */
static void record_of_meters(const struct scenario *s, const struct sim_terminal *t, int64_t now,
                             const struct dlt698_get_record *q, struct mh_wr *w, struct dlt698_result_record *rec)
{
    struct mh_rd r;
    mh_rd_init(&r, q->rsd.p, q->rsd.len);
    mh_rd_u8(&r); /* selector 5 */
    struct mh_tm tm = {0};
    tm.year = mh_rd_u16be(&r);
    tm.mon = mh_rd_u8(&r);
    tm.day = mh_rd_u8(&r);
    tm.hour = mh_rd_u8(&r);
    tm.min = mh_rd_u8(&r);
    tm.sec = mh_rd_u8(&r);
    tm.has = MH_TM_FULL;
    int64_t at = 0;
    int rc = mh_rd_err(&r) ? MH_ETRUNC : sim_term_local_epoch(s, &tm, &at);
    if (rc == 0 && mh_rd_u8(&r) != 3)
        rc = MH_EPROTO;
    size_t idx[MS_METERS_MAX], n = 0;
    size_t count = rc == 0 ? dlt698_len_read(&r) : 0;
    for (size_t k = 0; k < count && rc == 0; k++) {
        uint8_t len = mh_rd_u8(&r), af = mh_rd_u8(&r), wire[6];
        const uint8_t *be = mh_rd_bytes(&r, 6);
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
    if (rc == 0 && (mh_rd_err(&r) || record_columns(&q->rcsd, cols, &ncols) != 0))
        rc = MH_EPROTO;
    record_head(w, cols, rc == 0 ? ncols : 0, rec);
    int64_t today = scenario_day_start(s, scenario_local_day(s, now));
    int64_t oldest = today - (int64_t)(SIM_645_DAILY_FREEZES - 1) * 86400;
    if (rc != 0 || q->oad >> 16 != FREEZE_OI) {
        rec->dar = DAR_UNDEFINED;
        return;
    }
    if (at > today || at < oldest || at < s->start || scenario_day_start(s, scenario_local_day(s, at)) != at) {
        rec->dar = DAR_NO_BLOCK;
        return;
    }
    size_t mark = mh_wr_len(w);
    for (size_t m = 0; m < n; m++) {
        for (unsigned k = 0; k < ncols; k++) {
            if (cols[k] == OAD_TARGET_ADDR) {
                put_meter_tsa(w, s->meters[idx[m]].address);
            } else if (cols[k] == OAD_FREEZE_TIME) {
                struct mh_tm ft;
                sim_term_local_tm(s, at, &ft);
                put_datetime_s(w, &ft);
            } else if (!obj_of(cols[k]) || obj_of(cols[k])->quantity > Q_EXP ||
                       put_oad_data(s, t, idx[m], now, at, cols[k], w) != 0) {
                dlt698_put_null(w); /* a column the freeze does not keep */
            }
        }
        rec->nrows++;
    }
    rec->rows.p = w->p + mark;
    rec->rows.len = mh_wr_len(w) - mark;
}

#define MINUTE_OI 0x5002
#define MINUTE_STEP_S 900 /* the minute freeze's period: every 15 minutes */
#define MINUTE_KEEP_S (31 * 86400)

/* The first 15-minute freeze at or after a. */
static int64_t minute_first(int64_t a)
{
    return a + ((MINUTE_STEP_S - a % MINUTE_STEP_S) % MINUTE_STEP_S);
}

/* Whether the freeze at `at` is kept: taken after the scenario's start, at most 31 days back. */
static int minute_kept(const struct scenario *s, int64_t now, int64_t at)
{
    int64_t oldest = now - MINUTE_KEEP_S > s->start ? now - MINUTE_KEEP_S : s->start;
    return at >= oldest && at <= now;
}

/* A meter's registers at the 15-minute boundaries of one day (day INT64_MIN: none yet). */
struct minute_regs {
    int64_t day;
    int64_t reg[2][SIM_INTERVALS_PER_DAY + 1];
};

/*
 * One column of meter idx's minute freeze at `at` into w: the energy
 * totals (an array of one) from the day's registers at its 15-minute
 * boundaries (cached in c, which holds meter idx's), the freeze time, or
 * the object as the meter showed it then (null for what it does not keep).
 */
static void minute_cell(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t now,
                        int64_t at, uint32_t col, struct minute_regs *c, struct mh_wr *w)
{
    if (col == 0x00100200u || col == 0x00200200u) {
        int64_t day = scenario_local_day(s, at - 1); /* 24:00 is the day's last boundary */
        if (day != c->day) {
            sim_term_day_registers(s, t, idx, day, c->reg[0], c->reg[1]);
            c->day = day;
        }
        int64_t i = (at - scenario_day_start(s, day)) / MINUTE_STEP_S;
        dlt698_put_array(w, 1);
        dlt698_put_u32(w, (uint32_t)(c->reg[col == 0x00200200u][i] / 100)); /* 0.01 kWh */
    } else if (col == OAD_FREEZE_TIME) {
        struct mh_tm tm;
        sim_term_local_tm(s, at, &tm);
        put_datetime_s(w, &tm);
    } else if (put_oad_data(s, t, idx, now, at, col, w) != 0) {
        dlt698_put_null(w);
    }
}

/*
 * The minute freeze 5002 of the terminal's own meter with RSD Selector2 on
 * its freeze time (2021 0200): a row per 15-minute freeze in [start, end)
 * that has been taken (after the scenario's start, at most 31 days back),
 * every column asked as the meter showed it at that freeze; the TI is taken
 * as the freeze's own period. The freeze keeps the energy totals (0010 /
 * 0020 attribute 2 as an array of one), read from the day's registers at
 * every 15-minute boundary (sim_term_day_registers: an area meter sums its
 * users once a day, not once a point).
 */
static void minute_record_of(const struct scenario *s, const struct sim_terminal *t, int64_t now,
                             const struct dlt698_get_record *q, struct mh_wr *w,
                             struct dlt698_result_record *rec)
{
    uint32_t cols[8];
    unsigned ncols = 0;
    struct dlt698_node nodes[16];
    struct mh_rd r;
    int64_t a = 0, b = 0;
    mh_rd_init(&r, q->rsd.p, q->rsd.len);
    int rc = record_columns(&q->rcsd, cols, &ncols);
    if (rc == 0 && (dlt698_value_decode(&r, DLT698_RSD, nodes, 16) < 0 || nodes[0].choice != 2 ||
                    nodes[child(nodes, 0, 0)].v.u != OAD_FREEZE_TIME ||
                    node_epoch(s, &nodes[child(nodes, 0, 1)], &a) != 0 ||
                    node_epoch(s, &nodes[child(nodes, 0, 2)], &b) != 0))
        rc = MH_EPROTO;
    record_head(w, cols, ncols, rec);
    if (rc != 0 || t->meter_count == 0) {
        rec->dar = DAR_UNDEFINED;
        return;
    }
    static struct minute_regs regs; /* the loop thread's (term.h) */
    regs.day = INT64_MIN;
    size_t mark = mh_wr_len(w);
    for (int64_t at = minute_first(a); at < b && at <= now; at += MINUTE_STEP_S) {
        if (!minute_kept(s, now, at))
            continue;
        for (unsigned k = 0; k < ncols; k++)
            minute_cell(s, t, t->first_meter, now, at, cols[k], &regs, w);
        rec->nrows++;
    }
    rec->rows.p = w->p + mark;
    rec->rows.len = mh_wr_len(w) - mark;
}

/* The meter behind t a TSA names (AF + address, in either byte order); -1 when none. */
static long meter_of_tsa(const struct scenario *s, const struct sim_terminal *t, const struct dlt698_bytes *tsa)
{
    if (tsa->len != 7)
        return -1;
    uint8_t rev[6];
    for (int i = 0; i < 6; i++)
        rev[i] = tsa->p[6 - i];
    long idx = sim_term_meter_by_addr(s, t, tsa->p + 1);
    return idx >= 0 ? idx : sim_term_meter_by_addr(s, t, rev);
}

#define TASK_DATA_OAD 0x60120300u /* task table 6012, attribute 3: the record unit (task data) */
#define TASK_ROWS_ROOM 512u       /* bytes a row needs at most: a reply stops before a row that may not fit */

/* A column of a task data record: an OAD, or a ROAD (the record object and its columns). */
struct task_col {
    uint32_t oad;
    unsigned n; /* ROAD columns; 0 for an OAD */
    uint32_t sub[8];
};

/* The RCSD of a task data read: OAD and ROAD columns (at most 8 of each). */
static int task_columns(const struct dlt698_bytes *rcsd, struct task_col cols[8], unsigned *n)
{
    struct dlt698_node nodes[96];
    struct mh_rd r;
    mh_rd_init(&r, rcsd->p, rcsd->len);
    if (dlt698_value_decode(&r, DLT698_RCSD, nodes, 96) < 0 || nodes[0].count == 0 || nodes[0].count > 8)
        return MH_EPROTO;
    *n = nodes[0].count;
    for (unsigned k = 0; k < *n; k++) {
        size_t c = child(nodes, 0, k), v = c + 1;
        cols[k].oad = (uint32_t)nodes[v].v.u;
        cols[k].n = nodes[c].choice == 1 ? nodes[v].count : 0;
        if (cols[k].n > 8)
            return MH_EPROTO;
        for (unsigned j = 0; j < cols[k].n; j++)
            cols[k].sub[j] = (uint32_t)nodes[child(nodes, v, j)].v.u;
    }
    return 0;
}

/*
 * A concentrator's task data (6012 attribute 3): the minute freezes of
 * its meters that its collection scheme gathered every 15 minutes, stored
 * at the freeze time. RSD Selector6/7/8 (collection start / store /
 * success time in [start, end), as the three are one instant here; the TI
 * is taken as the scheme's period) with MS choice 3 (the meters' TSAs):
 * a row per meter and freeze in that range, meter by meter. Columns: 202A
 * (the meter), 6040/6041/6042 (the freeze time), ROAD 5002 0200 (an array
 * of its columns as the meter froze them); others are null. Other
 * selectors and meter sets are not simulated (DAR).
 */
static void task_record_of(const struct scenario *s, const struct sim_terminal *t, int64_t now,
                           const struct dlt698_get_record *q, struct mh_wr *w, struct dlt698_result_record *rec)
{
    struct dlt698_node nodes[8 + MS_METERS_MAX];
    struct task_col cols[8];
    unsigned ncols = 0;
    int64_t a = 0, b = 0;
    struct mh_rd r;
    mh_rd_init(&r, q->rsd.p, q->rsd.len);
    int rc = task_columns(&q->rcsd, cols, &ncols);
    size_t ms = 0;
    if (rc == 0 && (dlt698_value_decode(&r, DLT698_RSD, nodes, sizeof nodes / sizeof nodes[0]) < 0 ||
                    nodes[0].choice < 6 || nodes[0].choice > 8 ||
                    node_epoch(s, &nodes[child(nodes, 0, 0)], &a) != 0 ||
                    node_epoch(s, &nodes[child(nodes, 0, 1)], &b) != 0 ||
                    nodes[ms = child(nodes, 0, 3)].choice != 3))
        rc = MH_EPROTO;
    size_t mark = mh_wr_len(w);
    mh_wr_u8(w, (uint8_t)(rc == 0 ? ncols : 0)); /* the RCSD as asked */
    for (unsigned k = 0; rc == 0 && k < ncols; k++) {
        mh_wr_u8(w, cols[k].n ? 1 : 0);
        mh_wr_u32be(w, cols[k].oad);
        if (cols[k].n)
            mh_wr_u8(w, (uint8_t)cols[k].n);
        for (unsigned j = 0; j < cols[k].n; j++)
            mh_wr_u32be(w, cols[k].sub[j]);
    }
    rec->rcsd.p = w->p + mark;
    rec->rcsd.len = mh_wr_len(w) - mark;
    rec->columns = rc == 0 ? ncols : 0;
    if (rc != 0 || t->meter_count == 0) {
        rec->dar = DAR_UNDEFINED;
        return;
    }
    static struct minute_regs regs; /* the loop thread's (term.h) */
    mark = mh_wr_len(w);
    for (unsigned m = 0; m < nodes[ms].count; m++) {
        const struct dlt698_node *tsa = &nodes[child(nodes, ms, m)];
        long idx = meter_of_tsa(s, t, &(struct dlt698_bytes){tsa->bytes, tsa->count});
        if (idx < 0)
            continue; /* not one of its meters: no rows */
        regs.day = INT64_MIN;
        for (int64_t at = minute_first(a); at < b && at <= now; at += MINUTE_STEP_S) {
            if (!minute_kept(s, now, at))
                continue;
            if (w->cap - w->off < TASK_ROWS_ROOM)
                break; /* the rest would not fit one APDU: the master asks fewer at a time */
            for (unsigned k = 0; k < ncols; k++) {
                uint32_t oad = cols[k].oad;
                if (cols[k].n && oad == 0x50020200u) {
                    dlt698_put_array(w, (uint8_t)cols[k].n);
                    for (unsigned j = 0; j < cols[k].n; j++)
                        minute_cell(s, t, (size_t)idx, now, at, cols[k].sub[j], &regs, w);
                } else if (!cols[k].n && oad == OAD_TARGET_ADDR) {
                    put_meter_tsa(w, s->meters[idx].address);
                } else if (!cols[k].n && oad >= 0x60400200u && oad <= 0x60420200u && (oad & 0xFFFF) == 0x0200) {
                    struct mh_tm tm;
                    sim_term_local_tm(s, at, &tm);
                    put_datetime_s(w, &tm);
                } else {
                    dlt698_put_null(w);
                }
            }
            rec->nrows++;
        }
    }
    rec->rows.p = w->p + mark;
    rec->rows.len = mh_wr_len(w) - mark;
}

static void record_of(const struct scenario *s, const struct sim_terminal *t, int64_t now,
                      const struct dlt698_get_record *q, struct mh_wr *w, struct dlt698_result_record *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->oad = q->oad;
    if (q->oad >> 16 == MINUTE_OI) {
        minute_record_of(s, t, now, q, w, rec);
        return;
    }
    if (q->oad == TASK_DATA_OAD) {
        task_record_of(s, t, now, q, w, rec);
        return;
    }
    if (q->rsd.len > 0 && q->rsd.p[0] == 5) { /* Selector5: a concentrator's meters */
        record_of_meters(s, t, now, q, w, rec);
        return;
    }
    uint32_t cols[8];
    unsigned ncols = 0;
    int64_t first = 0, last = -1;
    int rc = record_columns(&q->rcsd, cols, &ncols);
    if (rc == 0)
        rc = select_freezes(s, now, &q->rsd, &first, &last);
    record_head(w, cols, ncols, rec); /* RCSD: the columns answered */
    if (rc != 0 || q->oad >> 16 != FREEZE_OI || first > last) {
        rec->dar = rc != 0 || q->oad >> 16 != FREEZE_OI ? DAR_UNDEFINED : DAR_NO_BLOCK;
        return;
    }
    size_t mark = mh_wr_len(w);
    for (int64_t at = first; at <= last; at += 86400) {
        for (unsigned k = 0; k < ncols; k++) {
            if (cols[k] == OAD_FREEZE_TIME) {
                struct mh_tm tm;
                sim_term_local_tm(s, at, &tm);
                put_datetime_s(w, &tm);
            } else if (!obj_of(cols[k]) || obj_of(cols[k])->quantity > Q_EXP ||
                       put_oad_data(s, t, t->first_meter, now, at, cols[k], w) != 0) {
                dlt698_put_null(w); /* a column the freeze does not keep */
            }
        }
        rec->nrows++;
    }
    rec->rows.p = w->p + mark;
    rec->rows.len = mh_wr_len(w) - mark;
}

/* ---- the behaviour ---- */

static void server_addr(const struct sim_terminal *t, uint8_t sa[6])
{
    sim_term_addr_wire(t->address, sa);
}

/* LINK-Request (C = 81): type 0 login, 1 heartbeat; heartbeat period; the terminal's clock. */
static void link_request(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now,
                         unsigned type, struct mh_wr *w)
{
    uint8_t apdu[32], sa[6];
    struct mh_wr a;
    struct mh_tm tm;
    mh_wr_init(&a, apdu, sizeof apdu);
    sim_term_local_tm(s, sim_term_clock(s, t, now), &tm);
    tm.has |= MH_TM_MS;
    tm.ms = 0;
    dlt698_enc_link_request(&a, (uint8_t)(*seq & 0x3F), (uint8_t)type,
                            (uint16_t)(s->heartbeat_s > 0xFFFF ? 0xFFFF : s->heartbeat_s), &tm);
    (*seq)++;
    server_addr(t, sa);
    if (mh_wr_err(&a) == 0)
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
 * list, one A-ResultRecord per event with columns 202A (the meter's TSA, as
 * a concentrator's event collection keeps it), 2022 (record number), 201E
 * (start time), 2020 (end time, null while it lasts).
 */
static void d698_report(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now,
                        struct mh_wr *w)
{
    size_t n = sim_term_events(s, t, now, 0, NULL, 0), from = sim_term_events_confirmed(t);
    if (n <= from)
        return;
    size_t count = n - from > EVENTS_PER_REPORT ? EVENTS_PER_REPORT : n - from;
    struct sim_term_event ev[EVENTS_PER_REPORT];
    struct dlt698_result_record recs[EVENTS_PER_REPORT];
    sim_term_events(s, t, now, from, ev, count);
    static const uint8_t rcsd[] = {4,    0,    0x20, 0x2A, 0x02, 0x00, 0,    0x20, 0x22, 0x02, 0x00,
                                   0,    0x20, 0x1E, 0x02, 0x00, 0,    0x20, 0x20, 0x02, 0x00};
    uint8_t rows[EVENTS_PER_REPORT * 32], apdu[EVENTS_PER_REPORT * 64 + 16], sa[6];
    struct mh_wr rw, a;
    mh_wr_init(&rw, rows, sizeof rows);
    for (size_t k = 0; k < count; k++) {
        size_t mark = mh_wr_len(&rw);
        struct mh_tm tm;
        put_meter_tsa(&rw, s->meters[ev[k].meter].address);
        dlt698_put_u32(&rw, (uint32_t)(from + k + 1));
        sim_term_local_tm(s, ev[k].at, &tm);
        put_datetime_s(&rw, &tm);
        dlt698_put_null(&rw);
        recs[k] = (struct dlt698_result_record){(uint32_t)sim_term_event_kind(ev[k].anomaly)->oi << 16 | 0x0200u,
                                                {rcsd, sizeof rcsd}, 4, 0, 1, {rows + mark, mh_wr_len(&rw) - mark}};
    }
    unsigned piid = *seq & 0x3F;
    (*seq)++;
    mh_wr_init(&a, apdu, sizeof apdu);
    server_addr(t, sa);
    if (mh_wr_err(&rw) == 0 && dlt698_enc_report_record_list(&a, (uint8_t)piid, recs, count, NULL) == 0 &&
        dlt698_frame_encode(w, 0x83, 0x05, sa, 0, apdu, mh_wr_len(&a)) == 0)
        sim_term_events_sent(t, piid, from + count, now);
}

/* An event arose, or a report waited report_resend_s for its REPORT-Response: report now. */
static void d698_report_due(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now,
                            struct mh_wr *w)
{
    if (sim_term_report_due(s, t, now))
        d698_report(s, t, seq, now, w);
}

static void d698_heartbeat(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now,
                           struct mh_wr *w)
{
    link_request(s, t, seq, now, 1, w);
    d698_report(s, t, seq, now, w);
}

/* One request's context: what the handlers below need to answer. */
struct req698 {
    const struct scenario *s;
    const struct sim_terminal *t;
    int64_t now;
    const struct dlt698_apdu *a;
    uint8_t piid;              /* PIID-ACD of the reply: no follow-up reports */
    uint8_t data[APDU_MAX];    /* Data the reply's views point into */
};

static int on_get(struct req698 *q, struct mh_wr *w)
{
    struct mh_wr dw;
    mh_wr_init(&dw, q->data, sizeof q->data);
    struct dlt698_iter it;
    union dlt698_item item;
    dlt698_items_begin(&q->a->items, &it);
    if (q->a->choice == 3) {
        struct dlt698_result_record rec;
        if (dlt698_items_next(&it, &item) != 1)
            return MH_EPROTO;
        record_of(q->s, q->t, q->now, &item.gr, &dw, &rec);
        return mh_wr_err(&dw) ? mh_wr_err(&dw) : dlt698_enc_get_response_record(w, q->piid, &rec, NULL);
    }
    if (q->a->choice != 1 && q->a->choice != 2)
        return MH_ENOTSUP;
    struct dlt698_result_normal res[LIST_MAX];
    size_t n = 0;
    int64_t when = list_read_time(q->s, q->t, q->now, &q->a->items);
    while (n < LIST_MAX && dlt698_items_next(&it, &item) == 1)
        result_of(q->s, q->t, q->t->first_meter, q->now, when, item.oad, &dw, &res[n++]);
    if (n == 0)
        return MH_EPROTO;
    return q->a->choice == 1 ? dlt698_enc_get_response_normal(w, q->piid, &res[0], NULL)
                             : dlt698_enc_get_response_list(w, q->piid, res, n, NULL);
}

/* SET of one attribute: 4000 clock set (date_time_s, the terminal's local time); DAR. */
static uint8_t set_one(struct req698 *q, const struct dlt698_oad_data *od)
{
    struct dlt698_node nodes[8];
    struct mh_rd r;
    mh_rd_init(&r, od->data.p, od->data.len);
    int n = dlt698_data_decode(&r, nodes, 8);
    if (od->oad == 0x40000200u) {
        int64_t set;
        struct mh_tm tm;
        if (n < 1 || nodes[0].type != DLT698_DATETIME_S)
            return DAR_TYPE;
        tm = nodes[0].v.time;
        tm.has = MH_TM_FULL;
        if (mh_tm_to_epoch(&tm, &set) != 0)
            return DAR_TYPE;
        return sim_term_clock_set(q->s, q->t, q->now, set) == 0 ? 0 : DAR_DENIED;
    }
    if (od->oad == 0x60000200u)
        return sim_term_698_archive_set(q->t, od->data.p, od->data.len);
    return obj_of(od->oad) || od->oad == 0x40010200u ? DAR_DENIED : DAR_UNDEFINED; /* measurements are read-only */
}

/*
 * ACTION on a control object (OMD = OI, method, 0): 8000 remote control
 * 129 trip / 130 close, 8001 protect 127 on / 128 off / 129 automatic
 * release, 8002 urge fee 127 alarm on (its text kept, as a message) / 128
 * off. Control needs the relays of a special-transformer terminal; DAR.
 */
static uint8_t action_one(struct req698 *q, const struct dlt698_oad_data *od)
{
    uint16_t oi = (uint16_t)(od->oad >> 16);
    uint8_t method = (uint8_t)(od->oad >> 8);
    int ctl = sim_term_698_ctrl_action(q->t, od->oad, od->data.p, od->data.len, q->now);
    if (ctl >= 0)
        return (uint8_t)ctl;
    if (oi < 0x8000 || oi > 0x8002)
        return DAR_UNDEFINED;
    if (q->t->kind != SIM_TERM_SPECIAL_TRANSFORMER)
        return DAR_DENIED;
    int rc = MH_ENOTSUP;
    if (oi == 0x8000 && (method == 129 || method == 130))
        rc = sim_term_control(q->t, method == 129, q->now);
    else if (oi == 0x8001 && method >= 127 && method <= 129)
        rc = sim_term_switch_set(q->t, SIM_SW_PROTECT, 1, method == 127);
    else if (oi == 0x8002 && method == 128)
        rc = sim_term_switch_set(q->t, SIM_SW_URGE_FEE, 1, 0);
    else if (oi == 0x8002 && method == 127) {
        /* structure {time segment octet-string, message visible-string} */
        struct dlt698_node nodes[8];
        struct mh_rd r;
        mh_rd_init(&r, od->data.p, od->data.len);
        if (dlt698_data_decode(&r, nodes, 8) < 3 || nodes[0].type != DLT698_STRUCT || nodes[0].count != 2)
            return DAR_TYPE;
        const struct dlt698_node *text = &nodes[nodes[1].next];
        if (text->type != DLT698_VISIBLE && text->type != DLT698_OCTETS && text->type != DLT698_UTF8)
            return DAR_TYPE;
        rc = sim_term_switch_set(q->t, SIM_SW_URGE_FEE, 1, 1);
        if (rc == 0)
            rc = sim_term_message_add(q->t, 1, 0, text->bytes, text->count, q->now);
    } else {
        return DAR_UNDEFINED;
    }
    return rc == 0 ? 0 : DAR_DENIED;
}

/* SET or ACTION Normal / List: one DAR per (OAD or OMD, Data) item, carried out in order. */
static int on_change(struct req698 *q, struct mh_wr *w)
{
    if (q->a->choice != 1 && q->a->choice != 2)
        return MH_ENOTSUP;
    int set = q->a->tag == DLT698_SET_REQUEST;
    struct dlt698_oad_dar dars[LIST_MAX];
    struct dlt698_action_result acts[LIST_MAX];
    size_t n = 0;
    struct dlt698_iter it;
    union dlt698_item item;
    dlt698_items_begin(&q->a->items, &it);
    while (n < LIST_MAX && dlt698_items_next(&it, &item) == 1) {
        dars[n].oad = item.od.oad;
        dars[n].dar = set ? set_one(q, &item.od) : action_one(q, &item.od);
        memset(&acts[n], 0, sizeof acts[n]);
        acts[n].omd = dars[n].oad;
        acts[n].dar = dars[n].dar;
        n++;
    }
    if (n == 0)
        return MH_EPROTO;
    if (set)
        return q->a->choice == 1 ? dlt698_enc_set_response_normal(w, q->piid, &dars[0], NULL)
                                 : dlt698_enc_set_response_list(w, q->piid, dars, n, NULL);
    return q->a->choice == 1 ? dlt698_enc_action_response_normal(w, q->piid, &acts[0], NULL)
                             : dlt698_enc_action_response_list(w, q->piid, acts, n, NULL);
}

#define PROXY_TARGETS 8

/* PROXY GetList (1): each meter's OADs read as the terminal's own are; TransCommand (7): a DL/T 645 frame. */
static int on_proxy(struct req698 *q, struct mh_wr *w)
{
    if (q->a->choice == 7) {
        const struct dlt698_trans_command *tc = &q->a->u.trans;
        struct mh_frame_span sp;
        struct dlt645_frame mf;
        struct mh_wr rw;
        mh_wr_init(&rw, q->data, sizeof q->data);
        if (dlt645_frame_next(tc->command.p, tc->command.len, &sp, &mf) == 1) {
            long idx = sim_term_meter_by_addr(q->s, q->t, mf.addr);
            if (idx >= 0 && sim_term_645_answer(q->s, q->t, (size_t)idx, q->now, tc->command.p + sp.off, sp.len,
                                                &rw) == 1) {
                struct dlt698_bytes reply = {q->data, mh_wr_len(&rw)};
                return dlt698_enc_proxy_trans_response(w, q->piid, tc->port, 0, &reply, NULL);
            }
        }
        return dlt698_enc_proxy_trans_response(w, q->piid, tc->port, 33, NULL, NULL); /* 33: timed out */
    }
    if (q->a->choice != 1)
        return MH_ENOTSUP;
    struct dlt698_proxy_target targets[PROXY_TARGETS];
    struct dlt698_result_normal res[PROXY_TARGETS][8];
    struct mh_wr dw;
    mh_wr_init(&dw, q->data, sizeof q->data);
    size_t n = 0;
    struct dlt698_iter it;
    union dlt698_item item;
    dlt698_items_begin(&q->a->items, &it);
    while (n < PROXY_TARGETS && dlt698_items_next(&it, &item) == 1) {
        struct dlt698_iter sub;
        union dlt698_item oad;
        long idx = meter_of_tsa(q->s, q->t, &item.px.tsa);
        int64_t when = list_read_time(q->s, q->t, q->now, &item.px.sub);
        size_t k = 0;
        dlt698_items_begin(&item.px.sub, &sub);
        while (k < 8 && dlt698_items_next(&sub, &oad) == 1) {
            if (idx < 0)
                res[n][k] = (struct dlt698_result_normal){oad.oad, 33, {NULL, 0}}; /* no answer from the meter */
            else
                result_of(q->s, q->t, (size_t)idx, q->now, when, oad.oad, &dw, &res[n][k]);
            k++;
        }
        targets[n] = (struct dlt698_proxy_target){item.px.tsa, 0, res[n], k};
        n++;
    }
    return dlt698_enc_proxy_response(w, 1, q->piid, targets, n, NULL);
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
    struct dlt698_apdu a;
    if (dlt698_apdu_decode(f.apdu, f.apdu_len, &a) != 0)
        return;
    if (a.tag == DLT698_REPORT_RESPONSE || a.tag == DLT698_LINK_RESPONSE) {
        if (a.tag == DLT698_REPORT_RESPONSE)
            sim_term_events_confirm(t, a.piid & 0x3F); /* the report's records are confirmed */
        if (sim_term_events_outstanding(t))
            return;
        uint8_t rep[EVENTS_PER_REPORT * 64 + 64];
        struct mh_wr rw;
        mh_wr_init(&rw, rep, sizeof rep);
        d698_report(s, t, seq, now, &rw); /* confirmed or logged in: report what waits */
        if (mh_wr_err(&rw) == 0 && mh_wr_len(&rw) > 0)
            sim_emit_frame(em, rep, mh_wr_len(&rw));
        return;
    }
    static struct req698 q; /* behaviours run on the loop thread only (term.h) */
    q = (struct req698){.s = s, .t = t, .now = now, .a = &a, .piid = (uint8_t)(a.piid & 0xBF)};
    uint8_t apdu[APDU_MAX], out[APDU_MAX + 64];
    struct mh_wr w;
    mh_wr_init(&w, apdu, sizeof apdu);
    int rc;
    switch (a.tag) {
    case DLT698_GET_REQUEST: rc = on_get(&q, &w); break;
    case DLT698_SET_REQUEST:
    case DLT698_ACTION_REQUEST: rc = on_change(&q, &w); break;
    case DLT698_PROXY_REQUEST: rc = on_proxy(&q, &w); break;
    default: return; /* other services are not simulated */
    }
    if (rc != 0 || mh_wr_err(&w) != 0)
        return;
    struct mh_wr fw;
    mh_wr_init(&fw, out, sizeof out);
    if (dlt698_frame_encode(&fw, 0xC3, 0x05, sa, f.ca, apdu, mh_wr_len(&w)) == 0)
        sim_emit_frame(em, out, mh_wr_len(&fw));
}

const struct sim_behaviour sim_term_dlt698 = {"dlt698",       dlt698_frame_scan, d698_login,
                                               d698_heartbeat, d698_on_frame,     d698_report_due,
                                               sim_term_report_next};
