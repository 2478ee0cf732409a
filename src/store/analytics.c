/*
 * Analytics results (store.h "analytics results"), backend-neutral: the
 * bulk scan of readings and the listings of results fill rows from the
 * columns of each backend's SQL (the same column orders below), and the
 * writes hand the backend one row of arguments per result
 * (store_backend.exec), one transaction per call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "store_int.h"

#define A_NULL ((struct store_arg){SA_NULL, 0, NULL})
#define A_INT(x) ((struct store_arg){SA_INT, (int64_t)(x), NULL})
#define A_TEXT(t) ((t) ? (struct store_arg){SA_TEXT, 0, (t)} : A_NULL)
#define A_CAP(cap) A_INT((cap) > INT32_MAX ? INT32_MAX : (cap))
/* An energy that may be unknown (SQL NULL). */
#define A_WH10(x) ((x) == STORE_WH10_NONE ? A_NULL : A_INT(x))

static int run(struct store *st, enum store_list_query q, const struct store_arg *a, int n,
               void *out, size_t size, size_t cap, void (*one)(const struct store_cols *, void *))
{
    return store_list_run(st, q, a, n, out, size, cap, one);
}

/*
 * Write n results through exec statement q: args(src, i, row) fills the
 * na arguments of result i. One transaction; the rows changed or MH_E*.
 */
static int put_rows(struct store *st, enum store_exec_query q, const void *src, size_t n, int na,
                    void (*args)(const void *src, size_t i, struct store_arg *row))
{
    if (n == 0)
        return 0;
    if (!src)
        return MH_EINVAL;
    struct store_arg *a = malloc(n * (size_t)na * sizeof *a);
    if (!a)
        return MH_ENOMEM;
    for (size_t i = 0; i < n; i++)
        args(src, i, &a[i * (size_t)na]);
    int rc = st->be_ops->exec(st->be, q, a, na, n);
    free(a);
    return rc;
}

static int64_t col_wh10(const struct store_cols *c, int col)
{
    return c->is_null(c, col) ? STORE_WH10_NONE : c->i64(c, col);
}

static void col_text(const struct store_cols *c, int col, char *dst, size_t cap)
{
    const char *t = c->text(c, col);
    snprintf(dst, cap, "%s", t ? t : "");
}

/* ---- the bulk scan ---- */

/* meter_id, item, data_time, mantissa, exponent, quality, protocol, terminal_id, received_ms */
static void reading_one(const struct store_cols *c, void *row)
{
    struct store_reading *r = row;
    r->meter = c->i64(c, 0);
    r->item = (uint32_t)c->i64(c, 1);
    r->t = c->i64(c, 2);
    r->value = mh_dec_make(c->i64(c, 3), (int)c->i64(c, 4));
    r->quality = (uint8_t)c->i64(c, 5);
    r->protocol = (uint8_t)c->i64(c, 6);
    r->terminal = c->i64(c, 7);
    r->received_ms = c->i64(c, 8);
}

int store_readings_scan(struct store *st, int64_t from, int64_t to,
                        const struct store_reading_key *after, struct store_reading *out,
                        size_t cap)
{
    static const struct store_reading_key first = {0, 0, 0};
    if (!after)
        after = &first;
    struct store_arg a[] = {A_INT(after->meter), A_INT(after->item), A_INT(after->t),
                            A_INT(from),         A_INT(to),          A_CAP(cap)};
    return run(st, SL_READINGS_SCAN, a, 6, out, sizeof *out, cap, reading_one);
}

/* ---- consumption ---- */

static void consumption_args(const void *src, size_t i, struct store_arg *r)
{
    const struct store_consumption *c = (const struct store_consumption *)src + i;
    r[0] = A_INT(c->meter);
    r[1] = A_INT(c->day);
    r[2] = A_INT(c->quality);
    r[3] = A_INT(c->status);
    for (int k = 0; k < 5; k++) {
        r[4 + k] = A_WH10(c->import_wh10[k]);
        r[9 + k] = A_WH10(c->export_wh10[k]);
    }
}

int store_consumption_put(struct store *st, const struct store_consumption *c, size_t n)
{
    int rc = put_rows(st, SX_CONSUMPTION_PUT, c, n, 14, consumption_args);
    return rc < 0 ? rc : 0;
}

/* meter_id, day, quality, status, import x5, export x5 */
static void consumption_one(const struct store_cols *c, void *row)
{
    struct store_consumption *r = row;
    r->meter = c->i64(c, 0);
    r->day = c->i64(c, 1);
    r->quality = (uint8_t)c->i64(c, 2);
    r->status = (uint8_t)c->i64(c, 3);
    for (int k = 0; k < 5; k++) {
        r->import_wh10[k] = col_wh10(c, 4 + k);
        r->export_wh10[k] = col_wh10(c, 9 + k);
    }
}

int store_consumption_list(struct store *st, int64_t meter, int64_t from_day, int64_t to_day,
                           int64_t after_meter, int64_t after_day, struct store_consumption *out,
                           size_t cap)
{
    struct store_arg a[] = {meter ? A_INT(meter) : A_NULL,
                            A_INT(from_day),
                            A_INT(to_day),
                            A_INT(after_meter),
                            A_INT(after_day),
                            A_CAP(cap)};
    return run(st, SL_CONSUMPTION, a, 6, out, sizeof *out, cap, consumption_one);
}

/* ---- line loss ---- */

static void lineloss_args(const void *src, size_t i, struct store_arg *r)
{
    const struct store_lineloss *l = (const struct store_lineloss *)src + i;
    r[0] = A_TEXT(l->area_code);
    r[1] = A_INT(l->day);
    r[2] = A_INT(l->supply_wh10);
    r[3] = A_INT(l->users_wh10);
    r[4] = A_INT(l->loss_wh10);
    r[5] = A_INT(l->rate_ppm);
    r[6] = A_WH10(l->rise_wh10);
    r[7] = A_INT(l->flags);
    r[8] = A_INT(l->users);
    r[9] = A_INT(l->missing);
    for (int k = 0; k < 3; k++)
        r[10 + k] = l->suspects[k] ? A_INT(l->suspects[k]) : A_NULL;
}

int store_lineloss_put(struct store *st, const struct store_lineloss *l, size_t n)
{
    int rc = put_rows(st, SX_LINELOSS_PUT, l, n, 13, lineloss_args);
    /* A row whose area code the archive does not know changes nothing. */
    return rc < 0 ? rc : (size_t)rc == n ? 0 : MH_ENOENT;
}

/* area_id, day, supply, users, loss, rate, rise, flags, users, missing, suspect x3, code */
static void lineloss_one(const struct store_cols *c, void *row)
{
    struct store_lineloss *r = row;
    r->area = c->i64(c, 0);
    r->day = c->i64(c, 1);
    r->supply_wh10 = c->i64(c, 2);
    r->users_wh10 = c->i64(c, 3);
    r->loss_wh10 = c->i64(c, 4);
    r->rate_ppm = c->i64(c, 5);
    r->rise_wh10 = col_wh10(c, 6);
    r->flags = (uint32_t)c->i64(c, 7);
    r->users = (uint32_t)c->i64(c, 8);
    r->missing = (uint32_t)c->i64(c, 9);
    for (int k = 0; k < 3; k++)
        r->suspects[k] = c->i64(c, 10 + k);
    col_text(c, 13, r->area_code, sizeof r->area_code);
}

int store_lineloss_list(struct store *st, const char *area, int64_t from_day, int64_t to_day,
                        int64_t after_area, int64_t after_day, struct store_lineloss *out,
                        size_t cap)
{
    struct store_arg a[] = {A_TEXT(area),       A_INT(from_day), A_INT(to_day),
                            A_INT(after_area),  A_INT(after_day), A_CAP(cap)};
    return run(st, SL_LINELOSS, a, 6, out, sizeof *out, cap, lineloss_one);
}

/* ---- alarms ---- */

static void alarm_args(const void *src, size_t i, struct store_arg *r)
{
    const struct store_alarm *al = (const struct store_alarm *)src + i;
    r[0] = A_INT(al->type);
    r[1] = A_INT(al->phase);
    r[2] = A_INT(al->meter);
    r[3] = A_INT(al->terminal);
    r[4] = al->area[0] ? A_TEXT(al->area) : A_NULL;
    r[5] = A_INT(al->start_s);
    r[6] = al->end_s ? A_INT(al->end_s) : A_NULL;
    r[7] = A_INT(al->first_day);
    r[8] = A_INT(al->last_day);
    r[9] = A_INT(al->value_milli);
    r[10] = A_INT(al->limit_milli);
    r[11] = A_TEXT(al->evidence);
}

int store_alarm_put(struct store *st, const struct store_alarm *a, size_t n)
{
    int rc = put_rows(st, SX_ALARM_PUT, a, n, 12, alarm_args);
    return rc < 0 ? rc : 0;
}

/*
 * id, type, phase, meter_id, terminal_id, area code, start_s, end_s,
 * first_day, last_day, value, limit, evidence, ack_who, ack_ms
 */
static void alarm_one(const struct store_cols *c, void *row)
{
    struct store_alarm *r = row;
    r->id = c->i64(c, 0);
    r->type = (uint8_t)c->i64(c, 1);
    r->phase = (uint8_t)c->i64(c, 2);
    r->meter = c->i64(c, 3);
    r->terminal = c->i64(c, 4);
    col_text(c, 5, r->area, sizeof r->area);
    r->start_s = c->i64(c, 6);
    r->end_s = c->i64(c, 7); /* NULL reads as 0: still holds */
    r->first_day = c->i64(c, 8);
    r->last_day = c->i64(c, 9);
    r->value_milli = c->i64(c, 10);
    r->limit_milli = c->i64(c, 11);
    col_text(c, 12, r->evidence, sizeof r->evidence);
    col_text(c, 13, r->ack_who, sizeof r->ack_who);
    r->ack_ms = c->i64(c, 14);
}

int store_alarms_list(struct store *st, const struct store_alarm_filter *f, int64_t after,
                      struct store_alarm *out, size_t cap)
{
    static const struct store_alarm_filter any = STORE_ALARM_FILTER_ANY;
    if (!f)
        f = &any;
    struct store_arg a[] = {A_INT(after),
                            f->type < 0 ? A_NULL : A_INT(f->type),
                            f->meter ? A_INT(f->meter) : A_NULL,
                            f->terminal ? A_INT(f->terminal) : A_NULL,
                            A_TEXT(f->area),
                            f->open < 0 ? A_NULL : A_INT(f->open != 0),
                            A_INT(f->from_s),
                            A_INT(f->to_s),
                            A_CAP(cap)};
    return run(st, SL_ALARMS, a, 9, out, sizeof *out, cap, alarm_one);
}

int store_alarm_get(struct store *st, int64_t id, struct store_alarm *out)
{
    struct store_arg a[] = {A_INT(id)};
    int n = run(st, SL_ALARM_GET, a, 1, out, sizeof *out, 1, alarm_one);
    return n < 0 ? n : n == 0 ? MH_ENOENT : 0;
}

int store_alarm_ack(struct store *st, int64_t id, const char *who, int64_t t_ms)
{
    size_t len = who ? strlen(who) : 0;
    if (len == 0 || len >= sizeof ((struct store_alarm *)0)->ack_who)
        return MH_EINVAL;
    struct store_alarm cur;
    int rc = store_alarm_get(st, id, &cur);
    if (rc != 0 || cur.ack_ms != 0)
        return rc; /* no such alarm, or acknowledged already: the first one stays */
    struct store_arg a[] = {A_INT(id), A_TEXT(who), A_INT(t_ms)};
    rc = st->be_ops->exec(st->be, SX_ALARM_ACK, a, 3, 1);
    return rc < 0 ? rc : 0;
}

/* ---- voltage quality ---- */

static void quality_args(const void *src, size_t i, struct store_arg *r)
{
    const struct store_quality_day *q = (const struct store_quality_day *)src + i;
    const int64_t v[13] = {q->meter,   q->day,     q->samples, q->qualified_ppm, q->above_s,
                           q->below_s, q->vmax_mv, q->t_vmax,  q->vmin_mv,       q->t_vmin,
                           q->unbalance_ppm, q->outages, q->outage_s};
    for (int k = 0; k < 13; k++)
        r[k] = A_INT(v[k]);
}

int store_quality_put(struct store *st, const struct store_quality_day *q, size_t n)
{
    int rc = put_rows(st, SX_QUALITY_PUT, q, n, 13, quality_args);
    return rc < 0 ? rc : 0;
}

/* the columns of quality_day (QUALITY_COLS) in order */
static void quality_one(const struct store_cols *c, void *row)
{
    struct store_quality_day *q = row;
    int64_t v[13];
    for (int k = 0; k < 13; k++)
        v[k] = c->i64(c, k);
    *q = (struct store_quality_day){v[0], v[1], (uint32_t)v[2], v[3], v[4], v[5], v[6],
                                    v[7], v[8], v[9], v[10], (uint32_t)v[11], v[12]};
}

int store_quality_list(struct store *st, int64_t meter, int64_t from_day, int64_t to_day,
                       int64_t after_meter, int64_t after_day, struct store_quality_day *out,
                       size_t cap)
{
    struct store_arg a[] = {meter ? A_INT(meter) : A_NULL, A_INT(from_day), A_INT(to_day),
                            A_INT(after_meter), A_INT(after_day), A_CAP(cap)};
    return run(st, SL_QUALITY, a, 6, out, sizeof *out, cap, quality_one);
}
