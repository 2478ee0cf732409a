/*
 * Private structures of the collect tier: terminals as the collector
 * tracks them, jobs (one terminal-day of one task), channel groups, and
 * the per-protocol request builders and reply decoders the jobs use.
 */
#ifndef MH_COLLECT_INT_H
#define MH_COLLECT_INT_H

#include <uv.h>

#include "meterhub/base/keymap.h"
#include "meterhub/base/rd.h"
#include "meterhub/base/wr.h"
#include "meterhub/collect.h"
#include "meterhub/proto/value.h"
#include "meterhub/store.h"

#define CTASK_MSA 1         /* master station address in A3 (1376.1 5.2.2.2) */
#define CJOB_BATCH 8        /* measurement points per request: one DA group of eight */
#define CREQ_MAX 512        /* bytes of one request frame */

/*
 * A value of one (pn, item) decoded from a reply; v NULL when the device
 * sent "no data" (EE) for it.
 */
typedef void (*ctask_value_fn)(void *ctx, uint16_t pn, uint32_t item, const struct mh_dec *v);

/* ---- task_gdw1376.c ---- */

/* A frozen-register task: its status class, the Fn it reads, their request label. */
struct ctask_kind {
    uint8_t item_class; /* enum store_item_class */
    uint16_t fns[4];    /* frozen: import, export register; curve: Fn of one DT group */
    uint8_t n_fns;
    uint8_t label;      /* GDW1376_A20 (Td_d), GDW1376_A21 (Td_m) or GDW1376_A15 (Td_c: a curve) */
    uint8_t three_phase; /* read for three-phase points only */
    uint8_t secondary;   /* adds to another task's data: no status rows, not in the progress */
    uint8_t status_fns;  /* the first status_fns Fn decide a meter's status; 0: all of them */
};
extern const struct ctask_kind ctask_gdw1376_day;   /* AFN0D F161 + F163, Td_d */
extern const struct ctask_kind ctask_gdw1376_month; /* AFN0D F177 + F179, Td_m */

/* AFN0D request of k's Fn for pn[0..n) (one group of eight) and date. 0 or MH_E*. */
int ctask_gdw1376_frozen_request(struct mh_wr *w, uint16_t a1, uint16_t a2, const uint16_t *pn,
                                 size_t n, const struct ctask_kind *k, const struct mh_tm *date);
/*
 * Walk an AFN0D reply's units, calling fn for every register value.
 * Returns the units read, MH_ESTALE for a unit frozen on another day (or
 * month) than `date`, MH_EUNKNOWN for an Fn other than k's label kind,
 * MH_ETRUNC / MH_EPROTO for a unit that cannot be laid out (values already
 * reported stay reported).
 */
int ctask_gdw1376_frozen_parse(const uint8_t *units, size_t len, const struct ctask_kind *k,
                               const struct mh_tm *date, ctask_value_fn fn, void *ctx);

struct gdw1376_fn_def;
struct gdw1376_unit;
/*
 * The request units of k's Fn for one DA: one unit per DT group of eight
 * (5.2.3.3.2), in the order of each group's first Fn, each with the label
 * (borrowed). Returns the units (>= 1), MH_EOVERFLOW past cap, MH_EINVAL
 * for no Fn or one out of range.
 */
int ctask_gdw1376_units_of(const struct ctask_kind *k, uint8_t da1, uint8_t da2,
                           const uint8_t *label, size_t label_len, struct gdw1376_unit *u,
                           size_t cap);
/*
 * Walk a reply's data units of AFN afn: each (pn, Fn) whose definition
 * `accept` takes (its index i, >= 0) is handed to `unit` with its data,
 * sized by the layout. Returns the units walked; MH_EUNKNOWN for an Fn
 * not accepted (its length cannot be known: the rest is lost), the first
 * error of the layout or of `unit` otherwise.
 */
int ctask_gdw1376_units_walk(const uint8_t *units, size_t len, uint8_t afn,
                             int (*accept)(const struct gdw1376_fn_def *d, const void *arg),
                             int (*unit)(const struct gdw1376_fn_def *d, int i, uint16_t pn,
                                         const uint8_t *p, size_t n, void *arg),
                             void *arg);

/* AFN0C request of one Fn of the terminal itself (p0), no data. 0 or MH_E*. */
int ctask_gdw1376_p0_read(struct mh_wr *w, uint16_t a1, uint16_t a2, uint16_t fn);
/*
 * The first unit of a reply, which must be p0's fn: data is a reader over
 * the rest of the units from its data on. 0, MH_EPROTO or the walker's.
 */
int ctask_gdw1376_p0_unit(const uint8_t *units, size_t len, uint16_t fn, struct mh_rd *data);
/* AFN0C F2 (terminal clock, p0) request; its reply's clock (A.1, local time); AFN05 F31 set. */
int ctask_gdw1376_clock_read(struct mh_wr *w, uint16_t a1, uint16_t a2);
int ctask_gdw1376_clock_parse(const uint8_t *units, size_t len, struct mh_tm *clock);
int ctask_gdw1376_clock_set(struct mh_wr *w, uint16_t a1, uint16_t a2, const struct mh_tm *now);

/* ---- task_curve.c: 1376.1 AFN0D curves ---- */

#define CCURVE_STEP_S 900  /* density 1: 15 minutes */
#define CCURVE_POINTS 96   /* a day: 00:15 .. 24:00 */
#define CCURVE_DENSITY 1
#define CCURVE_TASKS_MAX 6 /* curve tasks of one terminal (tasks.c) */

/* A curve point: Fn index fi of the task, its item, point index (0: the first), v NULL for EE. */
typedef void (*ctask_point_fn)(void *ctx, uint16_t pn, unsigned fi, uint32_t item, unsigned index,
                               const struct mh_dec *v);

/*
 * AFN0D request of k's curve Fn for pn[0..n) (one group of eight), first
 * point start (local): one unit per DT group of the Fn.
 */
int ctask_gdw1376_curve_request(struct mh_wr *w, uint16_t a1, uint16_t a2, const uint16_t *pn,
                                size_t n, const struct ctask_kind *k, const struct mh_tm *start,
                                uint8_t density, uint8_t points);
/*
 * Walk a curve reply's units, calling fn for every point. Returns the
 * units read; MH_ESTALE for a curve of another first point or density,
 * MH_EUNKNOWN for an Fn the task did not ask for, MH_EPROTO for points
 * beyond `points` or before the curve's head, MH_ETRUNC for a cut unit.
 */
int ctask_gdw1376_curve_parse(const uint8_t *units, size_t len, const struct ctask_kind *k,
                              const struct mh_tm *start, uint8_t density, uint8_t points,
                              ctask_point_fn fn, void *ctx);

/* ---- task_realtime.c: 1376.1 AFN0C realtime values ---- */

/* A value of the task's Fn index fi read at local time at (the terminal's Td_c); v NULL for EE. */
typedef void (*ctask_value_at_fn)(void *ctx, uint16_t pn, unsigned fi, uint32_t item,
                                  const struct mh_tm *at, const struct mh_dec *v);
/*
 * AFN0C request of k's Fn for pn[0..n) (one group of eight): one data unit
 * per DT group the Fn fall in, in one frame. 0 or MH_E*.
 */
int ctask_gdw1376_realtime_request(struct mh_wr *w, uint16_t a1, uint16_t a2, const uint16_t *pn,
                                   size_t n, const struct ctask_kind *k);
/*
 * Walk an AFN0C reply's units, calling fn for every value with its read
 * time. Returns the units read; MH_EUNKNOWN for an Fn the task did not
 * ask for (or one without a read time), MH_EBADTIME for a read time that
 * is no time, MH_ETRUNC / MH_EPROTO for a unit that cannot be laid out.
 */
int ctask_gdw1376_realtime_parse(const uint8_t *units, size_t len, const struct ctask_kind *k,
                                 ctask_value_at_fn fn, void *ctx);

/* ---- realtime_time.c: the key of a realtime value ---- */

/*
 * The data time (UTC) of a value read at read_utc: one second later when
 * it falls on second 0 of a minute, where daily/monthly freezes and curve
 * points are keyed, so that it never replaces one; else read_utc.
 */
int64_t ctask_realtime_time(int64_t read_utc);

/* ---- tasks.c: which tasks a terminal gets ---- */

/*
 * The i-th curve task (from 0) of a terminal kind and protocol (enum
 * archive_*), or NULL: no more. Task 0 is read for every point and gives
 * the day's curve status; later ones are secondary, some three_phase.
 */
const struct ctask_kind *ctask_curve_for(unsigned terminal_kind, unsigned protocol, unsigned i);
extern const struct ctask_kind ctask_gdw1376_curve_incr;   /* F97 F99 */
extern const struct ctask_kind ctask_gdw1376_curve_power;  /* F97 F99 (the status), F81: every point */
extern const struct ctask_kind ctask_gdw1376_curve_phase_p; /* F82..F84: three-phase points */
extern const struct ctask_kind ctask_gdw1376_curve_voltage; /* F89..F91: three-phase points */
extern const struct ctask_kind ctask_gdw1376_curve_current; /* F92..F94: three-phase points */
extern const struct ctask_kind ctask_gdw1376_curve_reactive; /* F85..F87: three-phase points */
extern const struct ctask_kind ctask_gdw1376_curve_reactive_c_neutral; /* F88, F95: three-phase */
/* The realtime task of a terminal kind and protocol, or NULL: none. */
const struct ctask_kind *ctask_realtime_for(unsigned terminal_kind, unsigned protocol);
extern const struct ctask_kind ctask_gdw1376_realtime_energy; /* AFN0C F129 F131 */
extern const struct ctask_kind ctask_gdw1376_realtime_instant; /* AFN0C F25 F129 F131 */

/* ---- curve_fill.c: 1376.1 power points beyond A.9, from the interval energies ---- */

/*
 * For every point i whose bit is set in gap (F81 came as "no data"), the
 * power of meter `meter` at t0 + i * CCURVE_STEP_S as 4 x (F97 - F99) of
 * the interval ending then, when both are among r[0..n) as read values:
 * appended to r (and address to addr) as MH_ITEM_P of quality
 * STORE_Q_ESTIMATED while there is room below cap. Returns the readings
 * appended.
 */
size_t ccurve_power_fill(struct store_reading *r, uint64_t *addr, size_t n, size_t cap,
                         int64_t meter, uint64_t address, int64_t t0,
                         const uint8_t gap[CCURVE_POINTS / 8]);

/* ---- task_dlt698.c ---- */

struct dlt698_result_record;
struct dlt698_bytes;
/*
 * The one A-ResultRecord of oad with `columns` columns a GET-Response
 * Record carries (a view into apdu). 0; MH_EPROTO for another reply, the
 * codec's errors for what cannot be decoded.
 */
int ctask_dlt698_record(const uint8_t *apdu, size_t len, uint32_t oad, uint32_t columns,
                        struct dlt698_result_record *rr);
/* A date_time_s Data (tag, year, month, day, hour, minute, second). */
void ctask_dlt698_put_datetime_s(struct mh_wr *w, const struct mh_tm *t);
/* A date_time_s Data in p[0..len) -> *t; MH_EBADTIME for another type or an invalid time. */
int ctask_dlt698_get_datetime_s(const uint8_t *p, size_t len, struct mh_tm *t);
/* A date_time_s without its tag: a selector's field (RSD 4..8 are typed by the selector). */
void ctask_dlt698_put_time_field(struct mh_wr *w, const struct mh_tm *t);
#define CTASK_698_MS_TSA_SET 3 /* MS choice 3: a set of meter addresses (TSA) */
/* A 12-digit meter address as a TSA field (untagged): length 7, AF 05, the BCD digits highest first. */
void ctask_dlt698_put_tsa(struct mh_wr *w, uint64_t addr);
/* A TSA Data cell of a row as the 12-digit number; MH_EPROTO for another type or length. */
int ctask_dlt698_tsa_cell(const struct dlt698_bytes *cell, uint64_t *addr);
/* 12-digit server address as printed -> SA in wire order. MH_EBADADDR. */
int ctask_dlt698_addr(const char *addr, uint8_t sa[6]);
/* GET-Request Record 5004 0200, RSD 1 on freeze time (local, 00:00 after the day). */
int ctask_dlt698_day_request(struct mh_wr *w, const uint8_t sa[6], const struct mh_tm *freeze);
/*
 * A GET-Response Record APDU: fn for every register of the row (pn given:
 * the terminal's own meter); a DAR or no row reports both totals as no
 * data. Returns 1 (a row) or 0 (no data), MH_ESTALE for a row of another
 * freeze time, MH_EPROTO / MH_ETRUNC for what is not such a reply.
 */
int ctask_dlt698_day_parse(const uint8_t *apdu, size_t len, uint16_t pn, const struct mh_tm *freeze,
                           ctask_value_fn fn, void *ctx);

/*
 * Meters behind a DL/T 698.45 concentrator: GET-Request Record of 5004
 * 0200 with RSD Selector5 (store time = freeze, MS choice 3 = the meters'
 * TSAs, at most CJOB_BATCH), RCSD 202A 0200 (the meter), 2021 0200, 0010
 * 0200, 0020 0200. addr: 12-digit meter addresses as numbers.
 */
int ctask_dlt698_meters_request(struct mh_wr *w, const uint8_t sa[6], const struct mh_tm *freeze,
                                const uint64_t *addr, size_t n);
/*
 * Its reply: fn for the registers of every row whose meter is addr[i]
 * (reported as pn[i]); rows of meters not asked are skipped, a meter left
 * out has no row. Returns the rows taken (0 also for a DAR), MH_ESTALE
 * when a row carried another freeze time (the other rows are reported),
 * MH_EPROTO / MH_ETRUNC for what is not such a reply.
 */
int ctask_dlt698_meters_parse(const uint8_t *apdu, size_t len, const uint64_t *addr,
                              const uint16_t *pn, size_t n, const struct mh_tm *freeze,
                              ctask_value_fn fn, void *ctx);

/* ---- task_dlt698_events.c: REPORT-Notification of event records ---- */

/* One event record as reported; times local as the terminal sent them. */
struct ctask_698_event {
    uint16_t oi;        /* the event object (3000..31FF) */
    uint32_t seqno;     /* 2022 record number, 0 when not sent */
    struct mh_tm start; /* 201E */
    struct mh_tm end;   /* 2020; has == 0 while the event lasts */
    uint64_t meter;     /* 202A (or 2024) TSA as 12 digits, when has_meter */
    uint8_t has_meter;  /* 0: the terminal's own objects */
};
/* Called per record; a nonzero return stops the walk and is returned. */
typedef int (*ctask_698_event_fn)(void *ctx, const struct ctask_698_event *e);
/*
 * Every event record of a REPORT-Notification APDU (List or RecordList):
 * all are checked first, then each handed to fn. Returns the records
 * handed over; MH_ENOTSUP for TransData or an object other than an event
 * object's record table (attribute 2 of 3000..31FF), MH_EBADTIME for a
 * record without a start time, MH_EPROTO / MH_ETRUNC / MH_ETRAILING and
 * the codec's errors for what cannot be laid out (nothing handed over).
 */
int ctask_dlt698_report_parse(const uint8_t *apdu, size_t len, ctask_698_event_fn fn, void *ctx);
/* The event code stored for an event object: its Q/GDW 1376.1 ERC, else the OI. */
uint32_t ctask_dlt698_event_code(uint16_t oi);

/* ---- task_dlt698_realtime.c: 698.45 realtime values ---- */

extern const struct ctask_kind ctask_dlt698_realtime;
/*
 * The realtime read of a 698.45 terminal's own meter (n 0: GET-Request-
 * NormalList) or of meters addr[0..n) behind it (PROXY GetRequestList,
 * n <= CJOB_BATCH), framed to sa. 0, MH_ERANGE, MH_ENOSPC.
 */
int ctask_dlt698_realtime_request(struct mh_wr *w, const uint8_t sa[6], const uint64_t *addr,
                                  size_t n);
/*
 * Its reply: fn for every value, with the minute of the device's clock
 * (4000 0200, local) as read time, pn[0] for a GET-Response (the own
 * meter), pn[i] for addr[i]'s results in a PROXY-Response (meters not
 * asked, and meters that did not answer, are skipped). Returns the meters
 * reported; MH_EBADTIME for a GET-Response without a clock, MH_EPROTO for
 * another reply, the codec's errors for what cannot be decoded.
 */
int ctask_dlt698_realtime_parse(const uint8_t *apdu, size_t len, const uint64_t *addr,
                                const uint16_t *pn, size_t n, ctask_value_at_fn fn, void *ctx);

/* ---- task_dlt698_clock.c: a 698.45 terminal's clock (4000 0200) ---- */

/* GET-Request-Normal 4000 0200, framed to sa. 0 or MH_ENOSPC. */
int ctask_dlt698_clock_read(struct mh_wr *w, const uint8_t sa[6]);
/* Its reply's clock (local time, to the second): 0; MH_EBADTIME for a DAR or
 * no valid date_time_s; MH_EPROTO for another reply; the codec's errors. */
int ctask_dlt698_clock_parse(const uint8_t *apdu, size_t len, struct mh_tm *clock);
/* SET-Request-Normal 4000 0200 to the station's local time now, framed to sa. */
int ctask_dlt698_clock_set(struct mh_wr *w, const uint8_t sa[6], const struct mh_tm *now);
/* Its SET-Response-Normal: 0 when the DAR says success, MH_EPERM for another
 * DAR, MH_EPROTO for another reply, the codec's errors. */
int ctask_dlt698_clock_set_parse(const uint8_t *apdu, size_t len);

/* ---- task_dlt698_curve.c: 698.45 15-minute curves (minute freeze 5002) ---- */

extern const struct ctask_kind ctask_dlt698_curve;
/* A curve value: its item, the point's index (0: the first point, start). */
typedef void (*ctask_curve698_fn)(void *ctx, uint16_t pn, uint32_t item, unsigned index,
                                  const struct mh_dec *v);
/* GET-Request Record of 5002 0200, Selector2 from start (local, 00:15) for CCURVE_POINTS points. */
int ctask_dlt698_curve_request(struct mh_wr *w, const uint8_t sa[6], const struct mh_tm *start);
/*
 * Its reply: fn for every value of every row, as pn. Returns the rows (0
 * for a DAR); MH_EPROTO for another reply or a row off the curve's grid,
 * MH_ETRUNC and the codec's errors for what cannot be decoded.
 */
int ctask_dlt698_curve_parse(const uint8_t *apdu, size_t len, uint16_t pn, const struct mh_tm *start,
                             ctask_curve698_fn fn, void *ctx);
/*
 * The curve of a meter behind a 698.45 concentrator, from the
 * concentrator's task data: GET-Request Record of 6012 0300 (the task
 * table's record unit) with RSD Selector7 (collection store time in
 * [start, start + a day), TI 15 minutes, MS choice 3 = the meter's TSA),
 * RCSD 202A 0200 (the meter), 6042 0200 (store time), ROAD 5002 0200
 * with the own meter's curve columns. addr: the 12-digit meter address.
 */
int ctask_dlt698_meter_curve_request(struct mh_wr *w, const uint8_t sa[6], const struct mh_tm *start,
                                     uint64_t addr);
/*
 * Its reply: fn for every value of every row of meter addr, as pn (rows
 * of other meters and rows whose ROAD cell is null, a point the
 * concentrator did not collect, are skipped). Returns the rows taken (0
 * for a DAR); MH_EPROTO for another reply or a point off the curve's
 * grid, MH_ETRUNC and the codec's errors for what cannot be decoded.
 */
int ctask_dlt698_meter_curve_parse(const uint8_t *apdu, size_t len, uint64_t addr, uint16_t pn,
                                   const struct mh_tm *start, ctask_curve698_fn fn, void *ctx);

/* ---- task_dlt645.c ---- */

/* The reads of one meter-day behind a DTU, in this order (DI1 of 0506 01nn). */
enum { CTASK_645_TIME = 0, CTASK_645_IMPORT = 1, CTASK_645_EXPORT = 2 };

/* DI of read `step` of the nth-last daily freeze: 0506 ssnn. */
uint32_t ctask_dlt645_day_di(unsigned step, unsigned nth);
/* Read request of step for the nth-last (1..62) daily freeze. 0, MH_ERANGE or MH_ENOSPC. */
int ctask_dlt645_day_request(struct mh_wr *w, const uint8_t addr[6], unsigned step, unsigned nth);
/*
 * A meter's reply to the read of di. The freeze time step returns 1 when
 * it is `freeze` (local), MH_ESTALE when it is another, 0 when the meter
 * has no such freeze; a register step calls fn for total and tariffs
 * (v NULL for a "no data" fill, or for both when the meter answers
 * abnormally) and returns 1 (0 for the abnormal reply). MH_EPROTO for a
 * reply to another address or identifier, the codec's errors otherwise.
 */
int ctask_dlt645_day_parse(const uint8_t *frame, size_t len, const uint8_t addr[6], uint32_t di,
                           uint16_t pn, const struct mh_tm *freeze, ctask_value_fn fn, void *ctx);

/* ---- task_dlt645_realtime.c: a DTU meter's values now ---- */

extern const struct ctask_kind ctask_dlt645_realtime;
/* The last read step of a realtime job (steps 0..last, one block each). */
unsigned ctask_dlt645_realtime_last(void);
/* The identifier read at step (0 past the last). */
uint32_t ctask_dlt645_realtime_di(unsigned step);
/* Read request of step to the meter at addr (wire order). 0, MH_ERANGE or MH_ENOSPC. */
int ctask_dlt645_realtime_request(struct mh_wr *w, const uint8_t addr[6], unsigned step);
/*
 * The meter's reply to the read of step: fn for every numeric value with
 * its item (ctask_now_parse). 0, also for the abnormal reply of a meter
 * without the block (nothing reported); MH_EPROTO for a reply from another
 * address or to another identifier, the codec's errors otherwise.
 */
int ctask_dlt645_realtime_parse(const uint8_t *frame, size_t len, const uint8_t addr[6],
                                unsigned step, uint16_t pn, ctask_value_fn fn, void *ctx);

/* ---- task_dlt645_curve.c: a DTU meter's 15-minute curves from its load records ---- */

extern const struct ctask_kind ctask_dlt645_curve;
/* The last read step of a curve job (0: class 4 energy, 1..3: classes 1..3). */
unsigned ctask_dlt645_curve_last(void);
/* The identifier read at step: 06cc0001 (0 past the last). */
uint32_t ctask_dlt645_curve_di(unsigned step);
/*
 * Load-record read of step for local day `day` (its date): 97 class-4
 * records from 00:00, else 96 records of the step's class from 00:15.
 * 0, MH_ERANGE, MH_EBADTIME or MH_ENOSPC.
 */
int ctask_dlt645_curve_request(struct mh_wr *w, const uint8_t addr[6], unsigned step,
                               const struct mh_tm *day);
/*
 * The reply to it, frames bytes[ends[i-1] .. ends[i]) as the fep delivers
 * them (the read's answer, then follow-ups 1, 2 ...): fn for every point
 * as pn, index 0 at 00:15 .. 95 at 24:00 — step 0 the import and export
 * increments (v NULL where a register was "no data" or went back), the
 * other steps every numeric value of their class. Returns the records
 * read; MH_ESTALE for a record off the day's quarter-hour grid, MH_EPROTO
 * for a frame out of order, from another meter or of another identifier,
 * the codec's errors otherwise (points already reported stay reported;
 * the increments come only from a reply read whole).
 */
int ctask_dlt645_curve_parse(const uint8_t *bytes, const uint32_t *ends, size_t n_frames,
                             const uint8_t addr[6], unsigned step, uint16_t pn,
                             const struct mh_tm *day, ctask_curve698_fn fn, void *ctx);

/* ---- read_now.c: current values on demand ---- */

/*
 * Request `step` of an on-demand read of items: Q/GDW 1376.1 AFN0C of the
 * items' Fn for pn[0..n) (one DA group of eight; A1 a1, A2 a2), DL/T
 * 698.45 GET-Request-NormalList of their attributes to sa, DL/T 645-2007
 * the read of the step-th block (sa: the meter's address, wire order).
 * 0 or MH_EINVAL (an item without a source, no pn), MH_ERANGE (no such
 * step), the codecs' MH_ENOSPC.
 */
int ctask_now_request(struct mh_wr *w, uint8_t proto, uint16_t a1, uint16_t a2,
                      const uint8_t sa[6], const uint16_t *pn, size_t n, const uint32_t *items,
                      size_t n_items, unsigned step);
/* Requests a read of items takes (DL/T 645: one per block, else 1); MH_EINVAL. */
int ctask_now_steps(uint8_t proto, const uint32_t *items, size_t n);
/* The DL/T 645 identifier of step (0 past the last). */
uint32_t ctask_now_di(const uint32_t *items, size_t n, unsigned step);

/*
 * One reply frame of an on-demand read (collect_read_now): fn for every
 * numeric value with its item, tariff or phase as the codec's dictionary
 * gives it — Q/GDW 1376.1 AFN0C units with their own pn, a DL/T 698.45
 * GET-Response Normal/NormalList and a DL/T 645-2007 read reply (which
 * must be sa's answer to di) reported as pn. 0, or the codecs' MH_E* for
 * what cannot be decoded (values already reported stay reported).
 */
int ctask_now_parse(uint8_t proto, const uint8_t *frame, size_t len, const uint8_t sa[6],
                    uint32_t di, uint16_t pn, ctask_value_fn fn, void *ctx);
/*
 * Through the terminal's transparent forward (Q/GDW 1376.1 AFN10 F1,
 * 5.16.1): step `step` of the read of items as a DL/T 645-2007 read of
 * meter maddr (wire order), forwarded by terminal a1/a2 on port. 0 or as
 * ctask_now_request.
 */
int ctask_now_forward_request(struct mh_wr *w, uint16_t a1, uint16_t a2, uint8_t port,
                              const uint8_t maddr[6], const uint32_t *items, size_t n_items,
                              unsigned step);
/*
 * The terminal's AFN10 F1 reply: the meter's DL/T 645 answer inside is
 * parsed as ctask_now_parse does a direct one (maddr's answer to di, values
 * reported as pn). An empty answer (the meter was silent within the
 * forward's timeout) is MH_ETIMEDOUT.
 */
int ctask_now_forward_parse(const uint8_t *frame, size_t len, const uint8_t maddr[6], uint32_t di,
                            uint16_t pn, ctask_value_fn fn, void *ctx);
/*
 * DL/T 698.45 PROXY-Request GetRequestList (clause 8) to terminal sa for
 * the items' attributes of the meter maddr (DL/T 645 wire order, as
 * dlt645_addr_parse gives it) behind it; one request. 0 or as
 * ctask_now_request.
 */
int ctask_now_proxy_request(struct mh_wr *w, const uint8_t sa[6], const uint8_t maddr[6],
                            const uint32_t *items, size_t n_items);
/* Its PROXY-Response GetList: the meter's A-ResultNormals as fn(pn, ...); 0 or MH_E*. */
int ctask_now_proxy_parse(const uint8_t *frame, size_t len, uint16_t pn, ctask_value_fn fn,
                          void *ctx);
/* ---- rtt.c: request timeouts from the channel ---- */

/* Channel kinds (rtt.c's table: initial timeout, floor, ceiling). */
enum crtt_chan { CRTT_CELLULAR, CRTT_FIBER, CRTT_RADIO, CRTT_DTU, CRTT_N };
#define CRTT_GRANULARITY_MS 100 /* RFC 6298 G: the least margin over SRTT */

/* One terminal session's round-trip estimate (RFC 6298). */
struct crtt {
    uint32_t srtt_ms, rttvar_ms;
    uint32_t rto_ms;  /* the timeout of the next request's first attempt */
    uint32_t samples; /* replies measured */
    uint8_t chan;     /* enum crtt_chan */
};

/* The channel kind of a group name (by prefix) and terminal kind (enum archive_terminal_kind). */
unsigned crtt_channel(const char *group, unsigned terminal_kind);
const char *crtt_channel_name(unsigned chan);
/* Start a session's estimate: the channel's initial timeout. */
void crtt_init(struct crtt *e, unsigned chan);
/* A reply measured rtt_ms after its only transmission (0: not measured, ignored). */
void crtt_sample(struct crtt *e, uint32_t rtt_ms);
/* A request timed out after every re-send: double the timeout up to the ceiling. */
void crtt_backoff(struct crtt *e);

/* ---- collector ---- */

struct cgroup {
    struct cgroup *all_next;
    char name[24];
    uint32_t inflight;
    struct cterm *wait_head, *wait_tail; /* terminals waiting for capacity */
};

/* A meter in a job. */
struct cmeter {
    int64_t id;
    uint64_t address; /* 12-digit meter address (a 698.45 concentrator's meters are asked by it) */
    uint16_t pn;
    uint8_t behind;  /* 698.45: a meter behind the concentrator, not the terminal's own */
    uint8_t reason;  /* enum store_reason of the last attempt */
    uint8_t got;     /* bit i: Fn i of the task answered with a number */
    uint8_t nodata;  /* bit i: Fn i answered "no data" */
    uint8_t done;    /* collected, or the device has no data: not asked again */
    uint8_t npts[4]; /* curve: points of Fn i that came as numbers */
};

enum cclock { CCLOCK_READ, CCLOCK_SET, CCLOCK_DONE };

struct cjob {
    struct cjob *next;
    const struct ctask_kind *kind;
    int64_t day;        /* local day number (monthly: of the month's first day) */
    struct mh_tm date;  /* the same as a date */
    int64_t data_time;  /* the freeze, UTC: 24:00 of the day, 00:00 of the next month's 1st;
                           a curve: its first point, 00:15 of the day */
    int round;          /* 1: the round's own day (counted in progress), 0: a patch day */
    enum fep_prio prio;
    struct cmeter *m;
    size_t n;
    size_t cursor;      /* next meter of this pass */
    uint8_t pass;
    uint8_t clock;      /* enum cclock: the terminal clock check before the registers */
    uint64_t not_before_ms; /* start time (spread) or patch delay */
};

struct cterm {
    struct collect *c;
    char addr[FEP_ADDR_MAX];
    struct store_terminal info;
    uint16_t a1, a2;
    uint8_t proto;    /* enum fep_proto_id */
    uint8_t sa[6];    /* DL/T 698.45 server address or DL/T 645 meter address, wire order */
    struct cgroup *group;
    struct crtt rtt;  /* this session's request timeout */
    uint8_t online;
    uint8_t busy;     /* a request in flight */
    uint8_t waiting;  /* in its group's wait list */
    uint8_t timer_on;
    int64_t job_day;  /* round_serial of the last round it got jobs of */
    struct cjob *jobs, *jobs_tail;
    struct cterm *wait_next;
    struct cterm *all_next;
    uv_timer_t timer;
    /* The request in flight: which meters of jobs->m it asked for. */
    size_t req_idx[CJOB_BATCH];
    size_t req_n;
    uint8_t req_clock;  /* the request in flight is a clock read or set */
    /* Events read by counter (task_events.c). */
    uint8_t ev_due;     /* read the counters before the next job (set at login and each round) */
    uint8_t ev_step;    /* enum cev_step: the events request in flight, or the next */
    uint8_t ev_counter; /* enum store_event_counter being read */
    uint8_t ev_from, ev_to; /* records [from, to) of it (modulo 256) are asked for */
    uint8_t ev_ec[2];   /* EC1, EC2 as the terminal said */
    uint8_t step645;    /* DL/T 645: the read of the meter-day in flight (CTASK_645_*) */
};

#define CPATCH_DAYS_MAX 62

/* A patch day: its meters without registers, sorted by (terminal, pn). */
struct cpatch {
    int64_t day;
    struct store_meter_ref *refs;
    size_t n;
};

struct collect {
    uv_loop_t *loop;
    struct store *st;
    uint64_t store_seen_ms; /* loop time store_behind last asked the writer */
    int store_was_behind;
    struct fep *fep;
    struct collect_cfg cfg;
    struct fep_directory dir;
    struct fep_sink sink;
    struct mh_keymap terms;       /* address -> struct cterm */
    struct mh_keymap terms_by_id; /* terminals.id (8 bytes) -> struct cterm */
    struct mh_keymap groups;      /* channel group -> struct cgroup */
    struct cterm *all_terms;
    struct cgroup *all_groups;
    size_t n_terms;
    uint32_t online;
    size_t jobs;
    int64_t round_day; /* -1: no round open */
    int64_t round_month; /* day number of the 1st of the month read with it; -1: none */
    int64_t round_serial; /* counts rounds: a terminal's job_day says which it has a job of */
    enum fep_prio round_prio;
    uint64_t round_started_ms;
    int round_spread;
    struct collect_progress prog;
    struct cpatch patch[CPATCH_DAYS_MAX]; /* of the open round, until it closes */
    struct store_status *sbuf; /* status rows waiting for their transaction */
    size_t sn, scap;
    uv_timer_t sflush;
    size_t n_patch;
    uv_timer_t daily;
    unsigned handles; /* uv handles still to close; the collector is freed at 0 */
    int closing;
    collect_event_fn event_fn; /* collect_on_event */
    void *event_ctx;
    struct collect_observer obs; /* what is made durable, told (collect_observe) */
    struct creports *reports;    /* active reports the writer is storing (reports.c) */
};

/* collector.c */
int64_t collect_wall_ms(void);
/* Submit a request frame for t (copied) at prio; done runs once. 1 (in flight) or MH_E*. */
int collect_term_send(struct cterm *t, enum fep_prio prio, const uint8_t *frame, size_t len,
                      fep_done_fn done);
/* A request of t ended: t is free, its group has room, the round trip is measured. */
void collect_term_replied(struct cterm *t, enum fep_status status, const struct fep_reply *r);
/* Wake a terminal waiting for t's group and go on with t's work. */
void collect_term_resume(struct cterm *t);
struct cterm *collect_term_find(struct collect *c, const char *addr);
/* Run the terminal's jobs as far as capacity, time and the link allow. */
void collect_term_kick(struct cterm *t);
/* Queue a job of n meters (m is taken over, freed with the job). */
int collect_job_add(struct cterm *t, const struct ctask_kind *k, int64_t day, int round,
                    enum fep_prio prio, struct cmeter *m, size_t n, uint64_t not_before_ms);
/* Data time (UTC) of k's freeze for local day (daily) or the month starting on day (monthly). */
int64_t collect_freeze_time(const struct collect *c, const struct ctask_kind *k, int64_t day);

/* round.c */
/* A terminal came online: give it the open round's job if it has none yet. */
void collect_round_join(struct collect *c, struct cterm *t);
/* Status rows of a job's meters after a pass (batched), and writing the batch now. */
void collect_status_write(struct collect *c, const struct cjob *j);
void collect_status_flush(struct collect *c);
/* Free the open round's patch lists (collect_free). */
void collect_patch_free(struct collect *c);
/* Arm the daily timer for the next local midnight + start_after_s. */
void collect_schedule_next(struct collect *c);

/* ---- task_events.c: 1376.1 events read by counter ---- */

enum cev_step { CEV_COUNTERS, CEV_RECORDS };

/* AFN0C F7 (the terminal's event counters EC1 EC2, p0) request. */
int ctask_gdw1376_ec_request(struct mh_wr *w, uint16_t a1, uint16_t a2);
/* Its reply's counters. 0, MH_EPROTO (another unit), MH_ETRUNC. */
int ctask_gdw1376_ec_parse(const uint8_t *units, size_t len, uint8_t ec[2]);
/* AFN0E F1 (important, counter 1) or F2 (normal, 2) request of records [pm, pn) mod 256. */
int ctask_gdw1376_events_request(struct mh_wr *w, uint16_t a1, uint16_t a2, int counter,
                                 uint8_t pm, uint8_t pn);
/* A 1376.1 terminal's counters are to be read before its next job (no-op for others). */
void collect_events_due(struct cterm *t);
/* Submit t's next events request: 1 in flight, 0 nothing to do (ev_due cleared), MH_E*. */
int collect_events_submit(struct cterm *t);

/* events.c */
#define COLLECT_PAYLOAD_MAX 160 /* an event's payload JSON */
struct gdw1376_erc;
/* An ERC record's payload JSON into buf; snprintf's return (>= cap: cut). */
int collect_erc_payload(const struct gdw1376_erc *e, char *buf, size_t cap);
/* The events of one report or reply, gathered before they are stored (reports.c). */
struct cev_batch {
    struct store_event *ev;
    char (*payload)[COLLECT_PAYLOAD_MAX]; /* ev[i]'s payload */
    size_t n, cap;
};
/* Add a copy of e (its payload copied too). 0, MH_ENOMEM, MH_EOVERFLOW (payload too long). */
int cev_batch_add(struct cev_batch *b, const struct store_event *e);
void cev_batch_release(struct cev_batch *b);
/* Store b's events now, one statement each, and tell the listeners. 0 or the store's error. */
int cev_batch_store(struct collect *c, const struct cterm *t, struct cev_batch *b);
/*
 * Store b's events through the writer (b taken over, left empty) and
 * confirm report token (0: none) once they are committed. 0, or the
 * append's error (nothing stored, nothing confirmed: the terminal resends).
 */
int collect_report_submit(struct collect *c, const struct cterm *t, uint64_t token,
                          struct cev_batch *b);
/* The reports' queue and its uv_async (collect_new); detached at collect_free. */
int collect_reports_init(struct collect *c);
void collect_reports_detach(struct collect *c);
/* A collector's handle has closed (the last frees it). */
void collect_handle_closed(struct collect *c);

/* Every ERC record of recs[0..len) as terminal t's event, into b. 0 or MH_E*. */
int collect_events_store(struct collect *c, const struct cterm *t, const uint8_t *recs, size_t len,
                         struct cev_batch *b);
void collect_on_report(void *ctx, const char *addr, uint64_t token, const uint8_t *frame,
                       size_t len);

#endif
