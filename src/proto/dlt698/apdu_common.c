/*
 * DL/T 698.45 APDU building blocks (clause 8): date-time fields, counts,
 * strings, Data views, the APDU head and its optional tail (FollowReport,
 * TimeTag).
 */
#include "apdu_int.h"

/* One date-time byte or FF when the field is absent. */
static uint8_t opt8(const struct mh_tm *t, unsigned bit, uint8_t v)
{
    return (t->has & bit) ? v : 0xFF;
}

static void put_date(struct mh_wr *w, const struct mh_tm *t)
{
    mh_wr_u16be(w, (t->has & MH_TM_YEAR) ? t->year : 0xFFFF);
    mh_wr_u8(w, opt8(t, MH_TM_MON, t->mon));
    mh_wr_u8(w, opt8(t, MH_TM_DAY, t->day));
}

static void put_hms(struct mh_wr *w, const struct mh_tm *t)
{
    mh_wr_u8(w, opt8(t, MH_TM_HOUR, t->hour));
    mh_wr_u8(w, opt8(t, MH_TM_MIN, t->min));
    mh_wr_u8(w, opt8(t, MH_TM_SEC, t->sec));
}

void dlt698_put_datetime(struct mh_wr *w, const struct mh_tm *t)
{
    put_date(w, t);
    /* date_time weekday: 0 = Sunday (clause 8); mh_tm uses 7. */
    mh_wr_u8(w, opt8(t, MH_TM_WDAY, t->wday == 7 ? 0 : t->wday));
    put_hms(w, t);
    mh_wr_u16be(w, (t->has & MH_TM_MS) ? t->ms : 0xFFFF);
}

void dlt698_put_datetime_s(struct mh_wr *w, const struct mh_tm *t)
{
    put_date(w, t);
    put_hms(w, t);
}

/* Store a byte unless it is FF ("unspecified"). */
static void get8(struct mh_tm *t, unsigned bit, uint8_t v, uint8_t *field)
{
    if (v != 0xFF) {
        *field = v;
        t->has |= (uint8_t)bit;
    }
}

static void get_date(struct mh_rd *r, struct mh_tm *t)
{
    *t = (struct mh_tm){0};
    uint16_t y = mh_rd_u16be(r);
    if (y != 0xFFFF) {
        t->year = y;
        t->has |= MH_TM_YEAR;
    }
    get8(t, MH_TM_MON, mh_rd_u8(r), &t->mon);
    get8(t, MH_TM_DAY, mh_rd_u8(r), &t->day);
}

static void get_hms(struct mh_rd *r, struct mh_tm *t)
{
    get8(t, MH_TM_HOUR, mh_rd_u8(r), &t->hour);
    get8(t, MH_TM_MIN, mh_rd_u8(r), &t->min);
    get8(t, MH_TM_SEC, mh_rd_u8(r), &t->sec);
}

void dlt698_get_datetime(struct mh_rd *r, struct mh_tm *t)
{
    get_date(r, t);
    uint8_t wd = mh_rd_u8(r);
    get8(t, MH_TM_WDAY, wd == 0 ? 7 : wd, &t->wday);
    get_hms(r, t);
    uint16_t ms = mh_rd_u16be(r);
    if (ms != 0xFFFF) {
        t->ms = ms;
        t->has |= MH_TM_MS;
    }
}

void dlt698_get_datetime_s(struct mh_rd *r, struct mh_tm *t)
{
    get_date(r, t);
    get_hms(r, t);
}

uint32_t dlt698_get_count(struct mh_rd *r)
{
    size_t n = dlt698_len_read(r);
    if (mh_rd_err(r) == 0 && n > mh_rd_left(r))
        mh_rd_fail(r, MH_EBADLEN);
    return mh_rd_err(r) ? 0 : (uint32_t)n;
}

int dlt698_count_ok(size_t n)
{
    return n <= 0xFFFF;
}

void dlt698_get_octets(struct mh_rd *r, struct dlt698_bytes *out)
{
    size_t n = dlt698_len_read(r);
    out->p = mh_rd_bytes(r, n);
    out->len = out->p ? n : 0;
}

void dlt698_put_octets_body(struct mh_wr *w, const struct dlt698_bytes *b)
{
    if (b->len > 0xFFFF) {
        mh_wr_fail(w, MH_EINVAL);
        return;
    }
    dlt698_len_write(w, b->len);
    mh_wr_bytes(w, b->p, b->len);
}

void dlt698_put_octets_or_dar(struct mh_wr *w, const struct dlt698_bytes *b, uint8_t dar)
{
    if (b) {
        mh_wr_u8(w, 1);
        dlt698_put_octets_body(w, b);
    } else {
        mh_wr_u8(w, 0);
        mh_wr_u8(w, dar);
    }
}

void dlt698_get_octets_or_dar(struct mh_rd *r, struct dlt698_bytes *b, uint8_t *dar)
{
    uint8_t c = mh_rd_u8(r);
    if (c == 0)
        *dar = mh_rd_u8(r);
    else if (c == 1)
        dlt698_get_octets(r, b);
    else
        mh_rd_fail(r, MH_EPROTO);
}

void dlt698_get_tsa(struct mh_rd *r, struct dlt698_bytes *tsa)
{
    dlt698_get_octets(r, tsa);
    if (mh_rd_err(r) == 0 &&
        (tsa->len < 2 || tsa->len > 17 || (size_t)(tsa->p[0] & 0x0F) + 2 != tsa->len))
        mh_rd_fail(r, MH_EBADADDR);
}

void dlt698_get_data(struct mh_rd *r, struct dlt698_bytes *out)
{
    size_t start = r->off;
    *out = (struct dlt698_bytes){0};
    if (dlt698_data_skip(r) == 0) {
        out->p = r->p + start;
        out->len = r->off - start;
    }
}

int dlt698_data_view(struct mh_rd *r, struct dlt698_bytes *out)
{
    if (mh_rd_err(r) == 0 && mh_rd_left(r) == 0)
        return 0;
    dlt698_get_data(r, out);
    return mh_rd_err(r) ? mh_rd_err(r) : 1;
}

void dlt698_put_head(struct mh_wr *w, uint8_t tag, uint8_t choice, uint8_t piid)
{
    mh_wr_u8(w, tag);
    if (choice)
        mh_wr_u8(w, choice);
    mh_wr_u8(w, piid);
}

int dlt698_put_tail(struct mh_wr *w, int server, const struct dlt698_tail *tail)
{
    const struct dlt698_bytes *follow = tail ? tail->follow : NULL;
    const struct dlt698_timetag *tt = tail ? tail->tt : NULL;
    if (server) {
        mh_wr_u8(w, follow ? 1 : 0);
        if (follow)
            mh_wr_bytes(w, follow->p, follow->len);
    } else if (follow) {
        return mh_wr_fail(w, MH_EINVAL);
    }
    mh_wr_u8(w, tt ? 1 : 0);
    if (tt) {
        dlt698_put_datetime_s(w, &tt->send);
        mh_wr_u8(w, tt->unit);
        mh_wr_u16be(w, tt->value);
    }
    return mh_wr_err(w);
}

/* OPTIONAL marker (clause 8): 0 absent, 1 present, anything else a fault. */
static int get_optional(struct mh_rd *r)
{
    uint8_t b = mh_rd_u8(r);
    if (b > 1)
        mh_rd_fail(r, MH_EPROTO);
    return mh_rd_err(r) ? 0 : b;
}

void dlt698_get_tail(struct mh_rd *r, int server, struct dlt698_apdu *a)
{
    if (server && get_optional(r)) {
        size_t start = r->off;
        a->has_follow = 1;
        a->follow_choice = mh_rd_u8(r);
        if (a->follow_choice == 1)
            dlt698_items_get(r, DLT698_ITEM_RESULT_NORMAL, 0, &a->follow);
        else if (a->follow_choice == 2)
            dlt698_items_get(r, DLT698_ITEM_RESULT_RECORD, 0, &a->follow);
        else
            mh_rd_fail(r, MH_EPROTO);
        if (mh_rd_err(r) == 0)
            a->follow_raw = (struct dlt698_bytes){r->p + start, r->off - start};
    }
    if (get_optional(r)) {
        a->has_tt = 1;
        dlt698_get_datetime_s(r, &a->tt.send);
        a->tt.unit = mh_rd_u8(r);
        a->tt.value = mh_rd_u16be(r);
        /* TI unit: 0 s, 1 min, 2 h, 3 day, 4 month, 5 year (clause 8). */
        if (mh_rd_err(r) == 0 && a->tt.unit > 5)
            mh_rd_fail(r, MH_EPROTO);
    }
}

int dlt698_enc_follow_report(struct mh_wr *w, const struct dlt698_result_normal *normals,
                             const struct dlt698_result_record *records, size_t n)
{
    if (!dlt698_count_ok(n) || (normals && records))
        return MH_EINVAL;
    mh_wr_u8(w, normals ? 1 : 2);
    if (normals)
        dlt698_items_put(w, DLT698_ITEM_RESULT_NORMAL, 0, normals, n);
    else
        dlt698_items_put(w, DLT698_ITEM_RESULT_RECORD, 0, records, n);
    return mh_wr_err(w);
}
