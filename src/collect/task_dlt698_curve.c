/*
 * DL/T 698.45 15-minute curves: GET-Request Record of the minute freeze
 * 5002 attribute 2 with RSD Selector2 on the freeze time 2021 0200 (start
 * 00:15 of the day, end 00:15 of the next, exclusive: every point of the
 * day's 96 up to 24:00, interval TI 15 minutes), columns 2021 0200, forward
 * and reverse active energy 0010 0200 / 0020 0200, active power 2004 0200,
 * voltage 2000 0200 and current 2001 0200. Each row is one point: its
 * freeze time gives its index, every other cell maps through the codec's
 * dictionary (dlt698_readings) to AE_IMP / AE_EXP with tariffs, P,
 * P_L1..3, U_L1..3 and I_L1..3 at the point's time. The curve is the
 * terminal's own meter's (the meter it measures).
 *
 * The meters behind a 698.45 concentrator: the concentrator collects their
 * minute freezes by its collection scheme and keeps them as its task data,
 * the record unit of the task table 6012 (attribute 3). The master reads a
 * meter's day from there (GET-Request Record 6012 0300, RSD Selector7:
 * store time range, TI, MS = the meter's TSA), the same columns inside a
 * ROAD of 5002 0200, so each row maps to the same items and data times as
 * the own meter's curve. One meter a request: 96 rows of ~90 bytes fill
 * most of an APDU a terminal sends unfragmented.
 */
#include <string.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/dlt698_data.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/item.h"

#define OAD_MINUTE_FREEZE 0x50020200u
#define OAD_FREEZE_TIME 0x20210200u
#define C_CLIENT_REQUEST 0x43 /* DIR 0, PRM 1, function 3: user data (clause 7) */
#define CA_MASTER 0x10
#define TI_MINUTE 1 /* TI unit enum: 0 s, 1 min, 2 h, 3 day */
#define NODES_MAX 16
#define VALUES_MAX 16

static const uint32_t cols[] = {OAD_FREEZE_TIME, 0x00100200u, 0x00200200u,
                                0x20040200u,     0x20000200u, 0x20010200u};
#define N_COLS (sizeof cols / sizeof cols[0])

/* A curve task of 698.45 terminals: import and export totals whole (96 points) per meter. */
const struct ctask_kind ctask_dlt698_curve = {STORE_CLASS_CURVE, {0x0010, 0x0020}, 2, GDW1376_A15, 0, 0, 0};

/* The day's curve range: end = start + CCURVE_POINTS points (exclusive). */
static int curve_end(const struct mh_tm *start, struct mh_tm *end)
{
    int64_t s;
    if (mh_tm_to_epoch(start, &s) != 0)
        return MH_EBADTIME;
    mh_tm_from_epoch(s + (int64_t)CCURVE_POINTS * CCURVE_STEP_S, end);
    return 0;
}

/* GET-Request Record of oad with the RSD and RCSD the writers hold, framed to sa. */
static int record_request(struct mh_wr *w, const uint8_t sa[6], uint32_t oad, const struct mh_wr *rw,
                          const struct mh_wr *cw)
{
    uint8_t apdu[128];
    struct mh_wr aw;
    if (mh_wr_err(rw) || mh_wr_err(cw))
        return MH_ENOSPC;
    struct dlt698_get_record rec = {oad, {rw->p, mh_wr_len(rw)}, {cw->p, mh_wr_len(cw)}};
    mh_wr_init(&aw, apdu, sizeof apdu);
    int rc = dlt698_enc_get_record(&aw, DLT698_PIID(0, 0), &rec, NULL);
    if (rc != 0)
        return rc;
    return dlt698_frame_encode(w, C_CLIENT_REQUEST, 0x05, sa, CA_MASTER, apdu, mh_wr_len(&aw));
}

int ctask_dlt698_curve_request(struct mh_wr *w, const uint8_t sa[6], const struct mh_tm *start)
{
    struct mh_tm end;
    if (curve_end(start, &end) != 0)
        return MH_EBADTIME;
    uint8_t rsd[32], rcsd[1 + N_COLS * 5];
    struct mh_wr rw, cw;
    mh_wr_init(&rw, rsd, sizeof rsd);
    mh_wr_u8(&rw, 2); /* Selector2: OAD, start, end (exclusive), interval */
    mh_wr_u32be(&rw, OAD_FREEZE_TIME);
    ctask_dlt698_put_datetime_s(&rw, start);
    ctask_dlt698_put_datetime_s(&rw, &end);
    mh_wr_u8(&rw, DLT698_TI);
    mh_wr_u8(&rw, TI_MINUTE);
    mh_wr_u16be(&rw, CCURVE_STEP_S / 60);
    mh_wr_init(&cw, rcsd, sizeof rcsd);
    mh_wr_u8(&cw, N_COLS);
    for (size_t i = 0; i < N_COLS; i++) {
        mh_wr_u8(&cw, 0); /* CSD choice 0: OAD */
        mh_wr_u32be(&cw, cols[i]);
    }
    return record_request(w, sa, OAD_MINUTE_FREEZE, &rw, &cw);
}

/* The point index of a freeze time cell: 0 .. CCURVE_POINTS - 1, or MH_EPROTO. */
static int point_index(const struct dlt698_bytes *cell, int64_t start)
{
    struct mh_rd r;
    struct dlt698_token t;
    int64_t at;
    mh_rd_init(&r, cell->p, cell->len);
    if (dlt698_token_read(&r, &t) != 0 || t.type != DLT698_DATETIME_S ||
        mh_tm_to_epoch(&t.time, &at) != 0)
        return MH_EPROTO;
    int64_t off = at - start;
    if (off < 0 || off % CCURVE_STEP_S != 0 || off / CCURVE_STEP_S >= CCURVE_POINTS)
        return MH_EPROTO;
    return (int)(off / CCURVE_STEP_S);
}

/*
 * One row's curve columns (cell[0] the meter's freeze time, then the rest
 * of cols): every numeric value to fn at the freeze's point index.
 */
static int curve_row(const struct dlt698_bytes *cell, int64_t s, uint16_t pn, ctask_curve698_fn fn,
                     void *ctx)
{
    int index = point_index(&cell[0], s);
    if (index < 0)
        return index;
    for (size_t c = 1; c < N_COLS; c++) {
        struct dlt698_node nodes[NODES_MAX];
        struct dlt698_reading rd[VALUES_MAX];
        struct mh_rd cr;
        mh_rd_init(&cr, cell[c].p, cell[c].len);
        int nn = dlt698_data_decode(&cr, nodes, NODES_MAX);
        if (nn < 0)
            return nn;
        int nr = dlt698_readings(cols[c], nodes, (size_t)nn, 0, rd, VALUES_MAX);
        if (nr < 0)
            return nr;
        for (int i = 0; i < nr; i++)
            if (rd[i].numeric)
                fn(ctx, pn, rd[i].item, (unsigned)index, &rd[i].value);
    }
    return 0;
}

/* n Data views from r into cell; MH_ETRUNC when fewer are there. */
static int cells(struct mh_rd *r, struct dlt698_bytes *cell, size_t n)
{
    for (size_t c = 0; c < n; c++) {
        int rc = dlt698_data_view(r, &cell[c]);
        if (rc != 1)
            return rc < 0 ? rc : MH_ETRUNC;
    }
    return 0;
}

int ctask_dlt698_curve_parse(const uint8_t *apdu, size_t len, uint16_t pn, const struct mh_tm *start,
                             ctask_curve698_fn fn, void *ctx)
{
    int64_t s;
    if (mh_tm_to_epoch(start, &s) != 0)
        return MH_EBADTIME;
    struct dlt698_result_record rec, *rr = &rec;
    int rc = ctask_dlt698_record(apdu, len, OAD_MINUTE_FREEZE, N_COLS, rr);
    if (rc != 0)
        return rc;
    if (!rr->rows.p)
        return 0; /* a DAR: the terminal keeps no such freeze */
    struct mh_rd r;
    mh_rd_init(&r, rr->rows.p, rr->rows.len);
    for (uint32_t k = 0; k < rr->nrows; k++) {
        struct dlt698_bytes cell[N_COLS];
        if ((rc = cells(&r, cell, N_COLS)) != 0 || (rc = curve_row(cell, s, pn, fn, ctx)) != 0)
            return rc;
    }
    return (int)rr->nrows;
}

/* ---- meters behind a concentrator: its task data (6012 attribute 3) ---- */

#define OAD_TASK_DATA 0x60120300u   /* task configuration table, attribute 3: record unit */
#define OAD_TARGET_ADDR 0x202A0200u /* the meter a row is of */
#define OAD_STORE_TIME 0x60420200u  /* collection store time */
#define RSD_SEL_STORE_RANGE 7       /* Selector7: store time start, end, TI, MS */
#define TASK_COLS 3                 /* 202A, 6042, ROAD 5002 */

int ctask_dlt698_meter_curve_request(struct mh_wr *w, const uint8_t sa[6], const struct mh_tm *start,
                                     uint64_t addr)
{
    struct mh_tm end;
    if (curve_end(start, &end) != 0)
        return MH_EBADTIME;
    uint8_t rsd[32], rcsd[1 + 5 + 5 + 6 + N_COLS * 4];
    struct mh_wr rw, cw;
    mh_wr_init(&rw, rsd, sizeof rsd);
    mh_wr_u8(&rw, RSD_SEL_STORE_RANGE);
    ctask_dlt698_put_time_field(&rw, start); /* [start, end): the day's 96 points */
    ctask_dlt698_put_time_field(&rw, &end);
    mh_wr_u8(&rw, TI_MINUTE); /* TI, untyped: unit, long-unsigned value */
    mh_wr_u16be(&rw, CCURVE_STEP_S / 60);
    mh_wr_u8(&rw, CTASK_698_MS_TSA_SET);
    mh_wr_u8(&rw, 1);
    ctask_dlt698_put_tsa(&rw, addr);
    mh_wr_init(&cw, rcsd, sizeof rcsd);
    mh_wr_u8(&cw, TASK_COLS);
    mh_wr_u8(&cw, 0); /* CSD choice 0: OAD */
    mh_wr_u32be(&cw, OAD_TARGET_ADDR);
    mh_wr_u8(&cw, 0);
    mh_wr_u32be(&cw, OAD_STORE_TIME);
    mh_wr_u8(&cw, 1); /* CSD choice 1: ROAD, the minute freeze's columns */
    mh_wr_u32be(&cw, OAD_MINUTE_FREEZE);
    mh_wr_u8(&cw, N_COLS);
    for (size_t i = 0; i < N_COLS; i++)
        mh_wr_u32be(&cw, cols[i]);
    return record_request(w, sa, OAD_TASK_DATA, &rw, &cw);
}

int ctask_dlt698_meter_curve_parse(const uint8_t *apdu, size_t len, uint64_t addr, uint16_t pn,
                                   const struct mh_tm *start, ctask_curve698_fn fn, void *ctx)
{
    int64_t s;
    if (mh_tm_to_epoch(start, &s) != 0)
        return MH_EBADTIME;
    struct dlt698_result_record rec, *rr = &rec;
    int rc = ctask_dlt698_record(apdu, len, OAD_TASK_DATA, TASK_COLS, rr);
    if (rc != 0)
        return rc;
    if (!rr->rows.p)
        return 0; /* a DAR: no such task data */
    struct mh_rd r;
    mh_rd_init(&r, rr->rows.p, rr->rows.len);
    int rows = 0;
    for (uint32_t k = 0; k < rr->nrows; k++) {
        struct dlt698_bytes row[TASK_COLS], cell[N_COLS];
        uint64_t at;
        if ((rc = cells(&r, row, TASK_COLS)) != 0 || (rc = ctask_dlt698_tsa_cell(&row[0], &at)) != 0)
            return rc;
        /* The ROAD's cell: an array of its columns' Data, or null for a point not collected. */
        struct mh_rd cr;
        struct dlt698_token t;
        mh_rd_init(&cr, row[2].p, row[2].len);
        if ((rc = dlt698_token_read(&cr, &t)) != 0)
            return rc;
        if (t.type == DLT698_NULL || at != addr)
            continue; /* not collected, or a meter not asked for: not ours to store */
        if (t.type != DLT698_ARRAY || t.count != N_COLS)
            return MH_EPROTO;
        if ((rc = cells(&cr, cell, N_COLS)) != 0)
            return rc;
        if (cell[0].len == 1 && cell[0].p[0] == DLT698_NULL)
            continue; /* the meter had no freeze at that point */
        if ((rc = curve_row(cell, s, pn, fn, ctx)) != 0)
            return rc;
        rows++;
    }
    return rows;
}
