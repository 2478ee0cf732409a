/*
 * DL/T 698.45 daily frozen registers: GET-Request Record of the daily
 * freeze object 5004 attribute 2, RSD method 1 (the freeze time 2021 0200
 * equals 00:00 of the day after the one asked for), columns 2021 0200
 * (freeze time), 0010 0200 (forward active energy, total + tariffs,
 * double-long-unsigned in 0.01 kWh) and 0020 0200 (reverse). The reply's
 * A-ResultRecord rows are decoded cell by cell with the codec's bounded
 * reader; a DAR instead of rows is "no data".
 */
#include <string.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/dlt698_map.h"
#include "meterhub/proto/item.h"

#define OAD_DAY_FREEZE 0x50040200u
#define OAD_FREEZE_TIME 0x20210200u
#define OAD_AE_IMP 0x00100200u
#define OAD_AE_EXP 0x00200200u
#define C_CLIENT_REQUEST 0x43 /* DIR 0, PRM 1, function 3: user data (clause 7) */
#define CA_MASTER 0x10

/*
 * The tail both daily-freeze requests share: RCSD of the OAD columns, then
 * GET-Request Record on 5004 0200 with the RSD already in rsd, framed to sa.
 */
static int record_request(struct mh_wr *w, const uint8_t sa[6], const uint8_t *rsd, size_t rsd_len,
                          const uint32_t *cols, unsigned ncols)
{
    uint8_t rcsd[1 + 8 * 5], apdu[64 + 16 + CJOB_BATCH * 8 + sizeof rcsd];
    struct mh_wr cw, aw;
    mh_wr_init(&cw, rcsd, sizeof rcsd);
    mh_wr_u8(&cw, (uint8_t)ncols);
    for (unsigned i = 0; i < ncols; i++) {
        mh_wr_u8(&cw, 0); /* CSD choice 0: OAD */
        mh_wr_u32be(&cw, cols[i]);
    }
    if (mh_wr_err(&cw))
        return MH_ENOSPC;
    struct dlt698_get_record rec = {OAD_DAY_FREEZE, {rsd, rsd_len}, {rcsd, mh_wr_len(&cw)}};
    mh_wr_init(&aw, apdu, sizeof apdu);
    int rc = dlt698_enc_get_record(&aw, DLT698_PIID(0, 0), &rec, NULL);
    if (rc != 0)
        return rc;
    return dlt698_frame_encode(w, C_CLIENT_REQUEST, 0x05, sa, CA_MASTER, apdu, mh_wr_len(&aw));
}

int ctask_dlt698_addr(const char *addr, uint8_t sa[6])
{
    if (strlen(addr) != 12)
        return MH_EBADADDR;
    for (int i = 0; i < 6; i++) {
        char hi = addr[10 - 2 * i], lo = addr[11 - 2 * i];
        if (hi < '0' || hi > '9' || lo < '0' || lo > '9')
            return MH_EBADADDR;
        sa[i] = (uint8_t)((hi - '0') << 4 | (lo - '0')); /* wire order: lowest digits first */
    }
    return 0;
}

void ctask_dlt698_put_datetime_s(struct mh_wr *w, const struct mh_tm *t)
{
    mh_wr_u8(w, DLT698_DATETIME_S);
    ctask_dlt698_put_time_field(w, t);
}

void ctask_dlt698_put_time_field(struct mh_wr *w, const struct mh_tm *t)
{
    mh_wr_u16be(w, t->year);
    mh_wr_u8(w, t->mon);
    mh_wr_u8(w, t->day);
    mh_wr_u8(w, t->hour);
    mh_wr_u8(w, t->min);
    mh_wr_u8(w, t->sec);
}

int ctask_dlt698_get_datetime_s(const uint8_t *p, size_t len, struct mh_tm *t)
{
    struct mh_rd r;
    struct dlt698_token tok;
    mh_rd_init(&r, p, len);
    if (dlt698_token_read(&r, &tok) != 0 || tok.type != DLT698_DATETIME_S ||
        mh_tm_check(&tok.time) != 0)
        return MH_EBADTIME;
    *t = tok.time;
    return 0;
}

int ctask_dlt698_day_request(struct mh_wr *w, const uint8_t sa[6], const struct mh_tm *freeze)
{
    uint8_t rsd[16];
    struct mh_wr rw;
    mh_wr_init(&rw, rsd, sizeof rsd);
    mh_wr_u8(&rw, 1); /* Selector1: OAD = value */
    mh_wr_u32be(&rw, OAD_FREEZE_TIME);
    ctask_dlt698_put_datetime_s(&rw, freeze);
    static const uint32_t cols[] = {OAD_FREEZE_TIME, OAD_AE_IMP, OAD_AE_EXP};
    if (mh_wr_err(&rw))
        return MH_ENOSPC;
    return record_request(w, sa, rsd, mh_wr_len(&rw), cols, 3);
}

/* The registers of one cell as they are mapped: each must be the next element, a double-long-unsigned. */
struct register_walk {
    uint16_t pn;
    uint32_t next;  /* element expected next (1-based) */
    size_t at;      /* offset of its tag: the elements of an array of double-long-unsigned are 5 bytes apart */
    ctask_value_fn fn;
    void *ctx;
};

static int register_value(void *ctx, const struct dlt698_value *v)
{
    struct register_walk *w = ctx;
    /* A null, a nested or another type in place of element `next` is not a register. */
    if (v->type != DLT698_DOUBLE_LONG_U || v->element != w->next || v->off != w->at || !v->numeric)
        return MH_EPROTO;
    w->fn(w->ctx, w->pn, v->item, &v->value); /* 0.01 kWh by the dictionary: item's tariff, scaler -2 */
    w->next++;
    w->at += 5;
    return 0;
}

/*
 * One register column (0010 0200 or 0020 0200, col): array of
 * double-long-unsigned, total then tariffs, mapped by the dictionary while
 * it is read (dlt698_data_map); a NULL cell is no data.
 */
static int register_cell(const struct dlt698_bytes *cell, uint16_t pn, uint32_t item,
                         const struct dlt698_col *col, ctask_value_fn fn, void *ctx)
{
    struct mh_rd r;
    struct dlt698_token t;
    mh_rd_init(&r, cell->p, cell->len);
    int rc = dlt698_token_read(&r, &t);
    if (rc != 0)
        return rc;
    if (t.type == DLT698_NULL) {
        fn(ctx, pn, item, NULL);
        return 0;
    }
    if (t.type != DLT698_ARRAY || t.count == 0 || t.count > 64)
        return MH_EPROTO;
    struct register_walk w = {pn, 1, r.off, fn, ctx};
    mh_rd_init(&r, cell->p, cell->len);
    rc = dlt698_data_map(&r, col, register_value, &w);
    if (rc < 0)
        return rc;
    return w.next == t.count + 1 ? 0 : MH_EPROTO; /* a trailing null or other type stopped short */
}

/* Whether a freeze time cell is `freeze`: 1 yes, 0 another, MH_EPROTO not a time. */
static int freeze_cell(const struct dlt698_bytes *cell, const struct mh_tm *freeze)
{
    struct mh_rd tr;
    struct dlt698_token t;
    mh_rd_init(&tr, cell->p, cell->len);
    if (dlt698_token_read(&tr, &t) != 0 || t.type != DLT698_DATETIME_S)
        return MH_EPROTO;
    return t.time.year == freeze->year && t.time.mon == freeze->mon && t.time.day == freeze->day &&
           t.time.hour == freeze->hour && t.time.min == freeze->min;
}

int ctask_dlt698_record(const uint8_t *apdu, size_t len, uint32_t oad, uint32_t columns,
                        struct dlt698_result_record *rr)
{
    struct dlt698_apdu a;
    int rc = dlt698_apdu_decode(apdu, len, &a);
    if (rc != 0)
        return rc;
    if (a.tag != DLT698_GET_RESPONSE || a.items.kind != DLT698_ITEM_RESULT_RECORD)
        return MH_EPROTO;
    struct dlt698_iter it;
    union dlt698_item item;
    dlt698_items_begin(&a.items, &it);
    rc = dlt698_items_next(&it, &item);
    if (rc <= 0)
        return rc < 0 ? rc : MH_EPROTO;
    *rr = item.rr;
    return rr->oad == oad && rr->columns == columns ? 0 : MH_EPROTO;
}

int ctask_dlt698_day_parse(const uint8_t *apdu, size_t len, uint16_t pn, const struct mh_tm *freeze,
                           ctask_value_fn fn, void *ctx)
{
    struct dlt698_result_record rec, *rr = &rec;
    int rc = ctask_dlt698_record(apdu, len, OAD_DAY_FREEZE, 3, rr);
    if (rc != 0)
        return rc;
    if (!rr->rows.p || rr->nrows == 0) { /* DAR, or no freeze at that time: no data */
        fn(ctx, pn, MH_ITEM_AE_IMP, NULL);
        fn(ctx, pn, MH_ITEM_AE_EXP, NULL);
        return 0;
    }
    struct mh_rd r;
    mh_rd_init(&r, rr->rows.p, rr->rows.len);
    struct dlt698_bytes cell[3];
    for (int c = 0; c < 3; c++)
        if ((rc = dlt698_data_view(&r, &cell[c])) != 1)
            return rc < 0 ? rc : MH_ETRUNC;
    /* The row must be the freeze asked for: another one is the terminal's clock or store at fault. */
    if ((rc = freeze_cell(&cell[0], freeze)) <= 0)
        return rc < 0 ? rc : MH_ESTALE;
    struct dlt698_col imp, exp;
    dlt698_col_init(&imp, OAD_AE_IMP);
    dlt698_col_init(&exp, OAD_AE_EXP);
    rc = register_cell(&cell[1], pn, MH_ITEM_AE_IMP, &imp, fn, ctx);
    if (rc == 0)
        rc = register_cell(&cell[2], pn, MH_ITEM_AE_EXP, &exp, fn, ctx);
    return rc < 0 ? rc : 1;
}

/* ---- meters behind a concentrator: its stored daily freezes, selected by meter ---- */

#define OAD_TARGET_ADDR 0x202A0200u /* target server address: the meter a record is of */
#define RSD_SEL_STORE_TIME 5        /* Selector5: collection store time, MS */
#define TSA_AF_6 0x05               /* address type 0 (single), 6 bytes: length - 1 */

void ctask_dlt698_put_tsa(struct mh_wr *w, uint64_t addr)
{
    uint8_t a[6];
    for (int i = 5; i >= 0; i--, addr /= 100)
        a[i] = (uint8_t)((addr % 100 / 10) << 4 | addr % 10);
    mh_wr_u8(w, 7);
    mh_wr_u8(w, TSA_AF_6);
    mh_wr_bytes(w, a, 6);
}

int ctask_dlt698_meters_request(struct mh_wr *w, const uint8_t sa[6], const struct mh_tm *freeze,
                                const uint64_t *addr, size_t n)
{
    uint8_t rsd[16 + CJOB_BATCH * 8];
    struct mh_wr rw;
    if (n == 0 || n > CJOB_BATCH)
        return MH_ERANGE;
    mh_wr_init(&rw, rsd, sizeof rsd);
    mh_wr_u8(&rw, RSD_SEL_STORE_TIME);
    ctask_dlt698_put_time_field(&rw, freeze);
    mh_wr_u8(&rw, CTASK_698_MS_TSA_SET);
    dlt698_len_write(&rw, n);
    for (size_t k = 0; k < n; k++)
        ctask_dlt698_put_tsa(&rw, addr[k]);
    static const uint32_t cols[] = {OAD_TARGET_ADDR, OAD_FREEZE_TIME, OAD_AE_IMP, OAD_AE_EXP};
    if (mh_wr_err(&rw))
        return MH_ENOSPC;
    return record_request(w, sa, rsd, mh_wr_len(&rw), cols, 4);
}

int ctask_dlt698_tsa_cell(const struct dlt698_bytes *cell, uint64_t *addr)
{
    struct mh_rd r;
    struct dlt698_token t;
    mh_rd_init(&r, cell->p, cell->len);
    int rc = dlt698_token_read(&r, &t);
    if (rc != 0)
        return rc;
    if (t.type != DLT698_TSA || t.len != 7 || (t.bytes[0] & 0x0F) != 5)
        return MH_EPROTO;
    uint64_t v = 0;
    for (size_t i = 1; i < 7; i++) {
        unsigned hi = t.bytes[i] >> 4, lo = t.bytes[i] & 0x0F;
        if (hi > 9 || lo > 9)
            return MH_EPROTO;
        v = v * 100 + hi * 10 + lo;
    }
    *addr = v;
    return 0;
}

int ctask_dlt698_meters_parse(const uint8_t *apdu, size_t len, const uint64_t *addr,
                              const uint16_t *pn, size_t n, const struct mh_tm *freeze,
                              ctask_value_fn fn, void *ctx)
{
    struct dlt698_result_record rec, *rr = &rec;
    int rc = ctask_dlt698_record(apdu, len, OAD_DAY_FREEZE, 4, rr);
    if (rc != 0)
        return rc;
    if (!rr->rows.p) /* DAR: the concentrator keeps none of it */
        return 0;
    struct mh_rd r;
    mh_rd_init(&r, rr->rows.p, rr->rows.len);
    int rows = 0, stale = 0;
    struct dlt698_col imp, exp; /* the register columns, resolved once for every row */
    dlt698_col_init(&imp, OAD_AE_IMP);
    dlt698_col_init(&exp, OAD_AE_EXP);
    for (uint32_t k = 0; k < rr->nrows; k++) {
        struct dlt698_bytes cell[4];
        for (int c = 0; c < 4; c++)
            if ((rc = dlt698_data_view(&r, &cell[c])) != 1)
                return rc < 0 ? rc : MH_ETRUNC;
        uint64_t at;
        if ((rc = ctask_dlt698_tsa_cell(&cell[0], &at)) != 0)
            return rc;
        size_t m = 0;
        while (m < n && addr[m] != at)
            m++;
        if (m == n)
            continue; /* a meter not asked for: not ours to store */
        if ((rc = freeze_cell(&cell[1], freeze)) < 0)
            return rc;
        if (rc == 0) {
            stale = 1; /* that meter's freeze of another day: its clock or the store is off */
            continue;
        }
        rc = register_cell(&cell[2], pn[m], MH_ITEM_AE_IMP, &imp, fn, ctx);
        if (rc == 0)
            rc = register_cell(&cell[3], pn[m], MH_ITEM_AE_EXP, &exp, fn, ctx);
        if (rc < 0)
            return rc;
        rows++;
    }
    return stale ? MH_ESTALE : rows;
}
