/*
 * AFN10 F1 transparent forwarding to a meter port and its reply
 * (Q/GDW 1376.1-2013 5.16), AFN09 F1 terminal version (5.9) and AFN06
 * authentication framing (5.6: the blobs are ESAM-specific, carried as
 * length + bytes).
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"

#define VERSION_SIZE 41u

unsigned gdw1376_forward_baud(uint8_t ctrl)
{
    static const unsigned baud[8] = {300, 600, 1200, 2400, 4800, 7200, 9600, 19200};
    return baud[ctrl >> 5];
}

int gdw1376_forward_put(struct mh_wr *w, const struct gdw1376_forward *f)
{
    if (f->port < 1 || f->port > 31 || (f->len && !f->frame))
        return MH_EINVAL;
    uint8_t h[6] = {f->port, f->ctrl, f->timeout, f->byte_timeout_10ms, (uint8_t)f->len, (uint8_t)(f->len >> 8)};
    mh_wr_bytes(w, h, sizeof h);
    mh_wr_bytes(w, f->frame, f->len);
    return mh_wr_err(w);
}

/* port [ctrl timeout byte_timeout] len(2) bytes(len) */
static int forward_get(const uint8_t *data, size_t n, struct gdw1376_forward *f, size_t *used, int request)
{
    struct mh_rd r;
    mh_rd_init(&r, data, n);
    memset(f, 0, sizeof *f);
    f->port = mh_rd_u8(&r);
    if (request) {
        f->ctrl = mh_rd_u8(&r);
        f->timeout = mh_rd_u8(&r);
        f->byte_timeout_10ms = mh_rd_u8(&r);
    }
    f->len = mh_rd_u16le(&r);
    f->frame = mh_rd_bytes(&r, f->len);
    if (mh_rd_err(&r))
        return MH_ETRUNC;
    if (f->len == 0)
        f->frame = NULL; /* reply length 0: the meter did not answer */
    *used = r.off;
    return 0;
}

int gdw1376_forward_parse(const uint8_t *data, size_t n, struct gdw1376_forward *f, size_t *used)
{
    int rc = forward_get(data, n, f, used, 1);
    if (rc == 0 && (f->port < 1 || f->port > 31))
        return MH_ERANGE;
    return rc;
}

int gdw1376_forward_reply_put(struct mh_wr *w, uint8_t port, const uint8_t *frame, uint16_t len)
{
    if (len && !frame)
        return MH_EINVAL;
    uint8_t h[3] = {port, (uint8_t)len, (uint8_t)(len >> 8)};
    mh_wr_bytes(w, h, sizeof h);
    mh_wr_bytes(w, frame, len);
    return mh_wr_err(w);
}

int gdw1376_forward_reply_parse(const uint8_t *data, size_t n, struct gdw1376_forward *f, size_t *used)
{
    return forward_get(data, n, f, used, 0);
}

int gdw1376_forward_answer(const struct gdw1376_frame *fr, struct gdw1376_forward *f)
{
    if (fr->afn != GDW1376_AFN_FORWARD || fr->units_len < 4 || fr->units[0] || fr->units[1] ||
        fr->units[2] != 0x01 || fr->units[3] != 0x00)
        return MH_EPROTO;
    size_t used;
    int rc = gdw1376_forward_reply_parse(fr->units + 4, fr->units_len - 4, f, &used);
    if (rc != 0)
        return rc;
    return f->len == 0 ? MH_ETIMEDOUT : 0; /* 5.16.1.2.1: length 0, the meter did not answer */
}

/* ---- AFN09 F1 ---- */

static void ascii_put(struct mh_wr *w, const char *s, size_t n)
{
    uint8_t b[16] = {0};
    size_t k = strnlen(s, n + 1);
    if (k > n) {
        mh_wr_fail(w, MH_ERANGE);
        return;
    }
    memcpy(b, s, k);
    mh_wr_bytes(w, b, n);
}

static void ascii_get(struct mh_rd *r, char *out, size_t n)
{
    const uint8_t *p = mh_rd_bytes(r, n);
    memset(out, 0, n + 1);
    if (p)
        memcpy(out, p, n);
}

static void date_put(struct mh_wr *w, const struct mh_tm *t)
{
    uint8_t b[3];
    struct gdw1376_value v = {.kind = t->has ? GDW1376_V_TIME : GDW1376_V_NODATA, .time = *t};
    if (gdw1376_fmt_encode(GDW1376_A20, &v, b, 3) != 0)
        mh_wr_fail(w, MH_EBADTIME);
    mh_wr_bytes(w, b, 3);
}

static void date_get(struct mh_rd *r, struct mh_tm *t)
{
    const uint8_t *p = mh_rd_bytes(r, 3);
    struct gdw1376_value v;
    memset(t, 0, sizeof *t);
    if (p && gdw1376_fmt_decode(GDW1376_A20, p, 3, &v) == 0 && v.kind == GDW1376_V_TIME)
        *t = v.time; /* an EE or invalid release date is informational: left absent */
}

int gdw1376_version_put(struct mh_wr *w, const struct gdw1376_version *v)
{
    ascii_put(w, v->vendor, 4);
    ascii_put(w, v->device, 8);
    ascii_put(w, v->sw, 4);
    date_put(w, &v->sw_date);
    ascii_put(w, v->capacity, 11);
    ascii_put(w, v->proto, 4);
    ascii_put(w, v->hw, 4);
    date_put(w, &v->hw_date);
    return mh_wr_err(w);
}

int gdw1376_version_parse(const uint8_t *data, size_t n, struct gdw1376_version *v)
{
    struct mh_rd r;
    mh_rd_init(&r, data, n);
    if (n < VERSION_SIZE)
        return MH_ETRUNC;
    ascii_get(&r, v->vendor, 4);
    ascii_get(&r, v->device, 8);
    ascii_get(&r, v->sw, 4);
    date_get(&r, &v->sw_date);
    ascii_get(&r, v->capacity, 11);
    ascii_get(&r, v->proto, 4);
    ascii_get(&r, v->hw, 4);
    date_get(&r, &v->hw_date);
    return mh_rd_err(&r);
}

/* ---- AFN06 ---- */

int gdw1376_auth_put(struct mh_wr *w, uint16_t fn, const uint8_t *blob, uint16_t len)
{
    if (len && !blob)
        return MH_EINVAL;
    uint8_t l[2] = {(uint8_t)len, (uint8_t)(len >> 8)};
    int rc = gdw1376_unit_put(w, 0, fn, l, 2);
    mh_wr_bytes(w, blob, len);
    return rc ? rc : mh_wr_err(w);
}

int gdw1376_auth_parse(const uint8_t *units, size_t n, uint16_t *fn, const uint8_t **blob, uint16_t *len)
{
    struct mh_rd r;
    mh_rd_init(&r, units, n);
    const uint8_t *h = mh_rd_bytes(&r, 4);
    uint16_t f[8];
    if (!h)
        return MH_ETRUNC;
    if (h[0] != 0 || h[1] != 0 || gdw1376_dt_decode(h[2], h[3], f) != 1)
        return MH_EPROTO;
    *fn = f[0];
    *len = mh_rd_u16le(&r);
    *blob = mh_rd_bytes(&r, *len);
    if (mh_rd_err(&r))
        return MH_ETRUNC;
    return mh_rd_left(&r) ? MH_ETRAILING : 0;
}
