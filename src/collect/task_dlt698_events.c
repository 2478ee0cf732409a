/*
 * DL/T 698.45 event reports: the records a terminal pushes in a
 * REPORT-Notification (clause 8, REPORT) of its own and its meters' event
 * objects (3000..31FF attribute 2, the event record table).
 *
 * - ReportNotificationRecordList (choice 2): per event object an
 *   A-ResultRecord; its RCSD names the columns, so each row's record
 *   number (2022 0200), start (201E 0200), end (2020 0200), event source
 *   (2024 0200) and target server address (202A 0200: the meter a
 *   concentrator collected the record from) are found by OAD, in any order,
 *   among any other columns.
 * - ReportNotificationList (choice 1): per event object an A-ResultNormal
 *   whose Data is one event record unit or an array of them, each a
 *   structure in the standard's fixed order (record number, start, end,
 *   source, report status, associated data...).
 *
 * The meter of a record is the TSA in 202A, else the TSA in 2024 (the
 * source of terminal events about a meter: 3105, 310B..310E); neither means
 * the terminal's own objects. Every record is handed to the caller before
 * anything is returned, so the caller may store all or none; a report
 * carrying an object other than an event object is MH_ENOTSUP (it is not
 * confirmed: its data would be lost).
 */
#include <string.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_apdu.h"

#define OAD_EVENT_SEQ 0x20220200u   /* event record number */
#define OAD_EVENT_START 0x201E0200u /* event start time */
#define OAD_EVENT_END 0x20200200u   /* event end time (null while it lasts) */
#define OAD_EVENT_SOURCE 0x20240200u
#define OAD_TARGET_ADDR 0x202A0200u
#define EVENT_OI_FIRST 0x3000u /* meter events 3000.., terminal events 3100..31FF (clause 7 objects) */
#define EVENT_OI_LAST 0x31FFu
#define EVENT_ATTR_RECORDS 2u /* attribute 2: the event record table */
#define COLS_MAX 32           /* columns of one record a report may carry */

/*
 * The Q/GDW 1376.1 ERC (appendix B) each event object is, so the analysis
 * sees one vocabulary: 3000 voltage loss and 3003 phase failure are ERC 10
 * (voltage loop abnormal: loss, phase failure), 3007 power reversal and
 * 3119 current loop abnormal ERC 9 (current loop abnormal: short, open,
 * reversed), 300F voltage reverse sequence ERC 11, 301B cover open 37,
 * 301C terminal box open 38, 3100 / 3101 initialisation and version change
 * ERC 1, 3104 status change 4, 3105 meter clock fault 12, 3106 power off
 * and on 14, 310B reading decreased 27, 310C energy over tolerance 28,
 * 310D runs fast 29, 310E stopped 30, 3111 unknown meter found 35.
 */
static const struct {
    uint16_t oi;
    uint8_t erc;
} erc_of[] = {
    {0x3000, 10}, {0x3003, 10}, {0x3007, 9},  {0x300F, 11}, {0x301B, 37}, {0x301C, 38},
    {0x3100, 1},  {0x3101, 1},  {0x3104, 4},  {0x3105, 12}, {0x3106, 14}, {0x310B, 27},
    {0x310C, 28}, {0x310D, 29}, {0x310E, 30}, {0x3111, 35}, {0x3119, 9},
};

uint32_t ctask_dlt698_event_code(uint16_t oi)
{
    for (size_t k = 0; k < sizeof erc_of / sizeof erc_of[0]; k++)
        if (erc_of[k].oi == oi)
            return erc_of[k].erc;
    return oi; /* no ERC: the object itself (>= 0x3000, apart from every ERC) */
}

/* A TSA cell of a single 6-byte BCD address as its 12-digit number; 0 not one. */
static int tsa_of(const struct dlt698_token *t, uint64_t *addr)
{
    if (t->type != DLT698_TSA || t->len != 7 || (t->bytes[0] & 0x0F) != 5)
        return 0;
    uint64_t v = 0;
    for (size_t i = 1; i < 7; i++) {
        unsigned hi = t->bytes[i] >> 4, lo = t->bytes[i] & 0x0F;
        if (hi > 9 || lo > 9)
            return 0;
        v = v * 100 + hi * 10 + lo;
    }
    *addr = v;
    return 1;
}

/*
 * One cell of a record into e by what its column is. Cells of other
 * columns, and a source that is not a meter's address (2024 is an enum or
 * an OAD for some events), are skipped. MH_EBADTIME for a start that is
 * not a date_time_s; the reader's error for a cut cell.
 */
static int take_cell(struct mh_rd *r, uint32_t col, struct ctask_698_event *e)
{
    size_t at = r->off;
    struct dlt698_token t;
    int rc = dlt698_token_read(r, &t);
    if (rc != 0)
        return rc;
    switch (col) {
    case OAD_EVENT_SEQ:
        if (t.type == DLT698_DOUBLE_LONG_U || t.type == DLT698_LONG_U || t.type == DLT698_UNSIGNED)
            e->seqno = (uint32_t)t.u;
        break;
    case OAD_EVENT_START:
        if (t.type != DLT698_DATETIME_S)
            return MH_EBADTIME;
        e->start = t.time;
        break;
    case OAD_EVENT_END:
        if (t.type == DLT698_DATETIME_S)
            e->end = t.time;
        else if (t.type != DLT698_NULL)
            return MH_EBADTIME;
        break;
    case OAD_EVENT_SOURCE:
    case OAD_TARGET_ADDR:
        if (tsa_of(&t, &e->meter) && (col == OAD_TARGET_ADDR || !e->has_meter))
            e->has_meter = 1;
        break;
    default:
        break;
    }
    /* An array or structure's elements follow its head: skip the whole Data. */
    if (t.type == DLT698_ARRAY || t.type == DLT698_STRUCT || t.type == DLT698_REGION) {
        r->off = at;
        rc = dlt698_data_skip(r);
    }
    return rc;
}

static int event_object(uint32_t oad)
{
    uint16_t oi = (uint16_t)(oad >> 16);
    return oi >= EVENT_OI_FIRST && oi <= EVENT_OI_LAST && (oad >> 8 & 0x1F) == EVENT_ATTR_RECORDS;
}

/* A record's columns from its RCSD: the OAD of each CSD, 0 for a ROAD (a cell of its own). */
static int rcsd_columns(const struct dlt698_bytes *rcsd, uint32_t *cols, uint32_t *n)
{
    struct mh_rd r;
    mh_rd_init(&r, rcsd->p, rcsd->len);
    size_t count = dlt698_len_read(&r);
    if (mh_rd_err(&r) || count == 0 || count > COLS_MAX)
        return MH_EPROTO;
    for (size_t k = 0; k < count; k++) {
        size_t at = r.off;
        uint8_t choice = mh_rd_u8(&r);
        uint32_t oad = mh_rd_u32be(&r);
        r.off = at;
        if (dlt698_csd_skip(&r) != 0 || mh_rd_err(&r))
            return MH_EPROTO;
        cols[k] = choice == 0 ? oad : 0;
    }
    *n = (uint32_t)count;
    return 0;
}

/*
 * One record of ncols cells, the columns' OADs in cols, of event object
 * oad; it must have a start time. emit: hand it to fn.
 */
static int take_record(struct mh_rd *r, uint32_t oad, const uint32_t *cols, uint32_t ncols,
                       int emit, ctask_698_event_fn fn, void *ctx)
{
    struct ctask_698_event e;
    memset(&e, 0, sizeof e);
    e.oi = (uint16_t)(oad >> 16);
    for (uint32_t c = 0; c < ncols; c++) {
        int rc = take_cell(r, cols[c], &e);
        if (rc != 0)
            return rc;
    }
    if ((e.start.has & MH_TM_FULL) != MH_TM_FULL)
        return MH_EBADTIME;
    return emit ? fn(ctx, &e) : 0;
}

/*
 * Walk every record of the report; emit 0: check only, 1: hand each to fn.
 * Two passes keep all-or-nothing: nothing is handed over from a report
 * that turns out bad further on.
 */
static int walk(const struct dlt698_apdu *a, int emit, ctask_698_event_fn fn, void *ctx)
{
    struct dlt698_iter it;
    union dlt698_item item;
    int n = 0, rc;
    dlt698_items_begin(&a->items, &it);
    while ((rc = dlt698_items_next(&it, &item)) == 1) {
        uint32_t oad = a->choice == 2 ? item.rr.oad : item.rn.oad;
        if (!event_object(oad))
            return MH_ENOTSUP;
        struct mh_rd r;
        if (a->choice == 2) {
            uint32_t cols[COLS_MAX], ncols;
            if (!item.rr.rows.p)
                continue; /* a DAR: the terminal has no records of it */
            if ((rc = rcsd_columns(&item.rr.rcsd, cols, &ncols)) != 0)
                return rc;
            if (ncols != item.rr.columns)
                return MH_EPROTO;
            mh_rd_init(&r, item.rr.rows.p, item.rr.rows.len);
            for (uint32_t row = 0; row < item.rr.nrows; row++) {
                if ((rc = take_record(&r, oad, cols, ncols, emit, fn, ctx)) != 0)
                    return rc;
                n++;
            }
            if (mh_rd_left(&r) != 0)
                return MH_ETRAILING;
            continue;
        }
        if (!item.rn.data.p)
            continue; /* a DAR */
        /* One record unit (a structure) or an array of them, fields in the standard's order. */
        static const uint32_t unit[COLS_MAX] = {OAD_EVENT_SEQ, OAD_EVENT_START, OAD_EVENT_END,
                                                OAD_EVENT_SOURCE}; /* then status, data: 0 */
        struct dlt698_token t;
        mh_rd_init(&r, item.rn.data.p, item.rn.data.len);
        if ((rc = dlt698_token_read(&r, &t)) != 0)
            return rc;
        uint32_t units = 1;
        if (t.type == DLT698_ARRAY) {
            units = t.count;
        } else if (t.type == DLT698_STRUCT) {
            mh_rd_init(&r, item.rn.data.p, item.rn.data.len); /* the structure is the one unit */
        } else {
            return MH_EPROTO;
        }
        for (uint32_t u = 0; u < units; u++) {
            if ((rc = dlt698_token_read(&r, &t)) != 0)
                return rc;
            if (t.type != DLT698_STRUCT || t.count < 2 || t.count > COLS_MAX)
                return MH_EPROTO;
            if ((rc = take_record(&r, oad, unit, t.count, emit, fn, ctx)) != 0)
                return rc;
            n++;
        }
        if (mh_rd_left(&r) != 0)
            return MH_ETRAILING;
    }
    return rc < 0 ? rc : n;
}

int ctask_dlt698_report_parse(const uint8_t *apdu, size_t len, ctask_698_event_fn fn, void *ctx)
{
    struct dlt698_apdu a;
    int rc = dlt698_apdu_decode(apdu, len, &a);
    if (rc != 0)
        return rc;
    if (a.tag != DLT698_REPORT_NOTIFICATION)
        return MH_EPROTO;
    if (a.choice != 1 && a.choice != 2)
        return MH_ENOTSUP; /* TransData: transparent frames, not events */
    rc = walk(&a, 0, fn, ctx);
    return rc < 0 ? rc : walk(&a, 1, fn, ctx);
}
