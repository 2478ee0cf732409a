/*
 * DL/T 698.45 typed data (clause 8 and appendix A), streaming form: one
 * token at a time, for callers that walk a Data without keeping it. Also
 * the A-XDR length, the time bodies and the type names every other data
 * file uses. Composite types the token reader does not open (ROAD, RSD,
 * CSD, MS, RCSD, SID_MAC) are validated by the tree decoder's walk
 * (data_dec.c) and handed back raw.
 */
#include <string.h>

#include "data_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698_data.h"

size_t dlt698_len_read(struct mh_rd *r)
{
    uint8_t b = mh_rd_u8(r);
    if (!(b & 0x80))
        return b;
    unsigned n = b & 0x7F;
    if (n == 0 || n > 4) {
        mh_rd_fail(r, MH_EBADLEN);
        return 0;
    }
    size_t v = 0;
    for (unsigned k = 0; k < n; k++)
        v = v << 8 | mh_rd_u8(r);
    /* A length can never exceed what is left: check before anyone loops on it. */
    if (mh_rd_err(r) == 0 && v > mh_rd_left(r) * 8 + 8)
        mh_rd_fail(r, MH_EBADLEN);
    return v;
}

void dlt698_len_write(struct mh_wr *w, size_t n)
{
    if (n < 0x80) {
        mh_wr_u8(w, (uint8_t)n);
        return;
    }
    if (n > UINT32_MAX) {
        mh_wr_fail(w, MH_ERANGE);
        return;
    }
    unsigned k = n <= 0xFF ? 1 : n <= 0xFFFF ? 2 : n <= 0xFFFFFF ? 3 : 4;
    mh_wr_u8(w, (uint8_t)(0x80 | k));
    while (k-- > 0)
        mh_wr_u8(w, (uint8_t)(n >> (8 * k)));
}

void dlt698_time_read(struct mh_rd *r, uint8_t type, struct mh_tm *t)
{
    *t = (struct mh_tm){0};
    if (type == DLT698_DATETIME || type == DLT698_DATE || type == DLT698_DATETIME_S) {
        uint16_t y = mh_rd_u16be(r);
        uint8_t mo = mh_rd_u8(r), d = mh_rd_u8(r);
        if (y != 0xFFFF)
            t->year = y, t->has |= MH_TM_YEAR;
        if (mo != 0xFF)
            t->mon = mo, t->has |= MH_TM_MON;
        if (d != 0xFF)
            t->day = d, t->has |= MH_TM_DAY;
        if (type != DLT698_DATETIME_S) {
            uint8_t wd = mh_rd_u8(r); /* 0 = Sunday in 698 */
            if (wd != 0xFF)
                t->wday = wd == 0 ? 7 : wd, t->has |= MH_TM_WDAY;
        }
        if (type == DLT698_DATE)
            return;
    }
    uint8_t h = mh_rd_u8(r), mi = mh_rd_u8(r), s = mh_rd_u8(r);
    if (h != 0xFF)
        t->hour = h, t->has |= MH_TM_HOUR;
    if (mi != 0xFF)
        t->min = mi, t->has |= MH_TM_MIN;
    if (s != 0xFF)
        t->sec = s, t->has |= MH_TM_SEC;
    if (type == DLT698_DATETIME) {
        uint16_t ms = mh_rd_u16be(r);
        if (ms != 0xFFFF)
            t->ms = ms, t->has |= MH_TM_MS;
    }
}

/* Raw bytes of an untagged composite value, validated by the tree decoder's walk. */
static void read_raw(struct mh_rd *r, uint8_t type, struct dlt698_token *t)
{
    size_t start = r->off;
    if (type == DLT698_ROAD) {
        t->u = mh_rd_u32be(r);
        struct mh_rd peek = *r;
        t->count = (uint32_t)dlt698_len_read(&peek);
        r->off = start;
    } else if (type == DLT698_RCSD) {
        struct mh_rd peek = *r;
        t->count = (uint32_t)dlt698_len_read(&peek);
    }
    dlt698_value_skip(r, type);
    t->bytes = r->p + start;
    t->len = mh_rd_err(r) ? 0 : r->off - start;
}

/* A childless value's node as a token. */
static void token_from_node(struct dlt698_token *t, const struct dlt698_node *nd)
{
    t->i = nd->v.i;
    t->u = nd->v.u;
    t->count = nd->count;
    t->bytes = nd->bytes;
    t->len = nd->count;
    t->unit = nd->choice;
    t->scaler = nd->scaler;
    switch (t->type) {
    case DLT698_FLOAT32:
    case DLT698_FLOAT64:
        t->f = nd->v.f;
        t->i = 0;
        t->u = 0;
        break;
    case DLT698_DATETIME:
    case DLT698_DATE:
    case DLT698_TIME:
    case DLT698_DATETIME_S:
        t->time = nd->v.time;
        t->i = 0;
        t->u = 0;
        break;
    case DLT698_BITSTRING: /* bytes, and the first 64 bits as a number */
        t->len = (nd->count + 7u) / 8u;
        t->u = 0;
        for (size_t k = 0; k < t->len && k < 8 && t->bytes; k++)
            t->u = t->u << 8 | t->bytes[k];
        break;
    default:
        break;
    }
}

int dlt698_token_read(struct mh_rd *r, struct dlt698_token *t)
{
    memset(t, 0, sizeof *t);
    t->type = mh_rd_u8(r);
    if (mh_rd_err(r))
        return mh_rd_err(r);
    switch (t->type) {
    case DLT698_ARRAY:
    case DLT698_STRUCT:
        t->count = (uint32_t)dlt698_len_read(r);
        /* Every element takes at least a byte: a larger count is a lie. */
        if (mh_rd_err(r) == 0 && t->count > mh_rd_left(r))
            mh_rd_fail(r, MH_EBADLEN);
        break;
    case DLT698_REGION: /* unit, then two Data: the caller reads them as a 2-element structure */
        t->unit = mh_rd_u8(r);
        t->count = 2;
        break;
    case DLT698_ROAD:
    case DLT698_RSD:
    case DLT698_CSD:
    case DLT698_MS:
    case DLT698_RCSD:
    case DLT698_SID_MAC:
        read_raw(r, t->type, t);
        break;
    default: {
        struct dlt698_node nd;
        memset(&nd, 0, sizeof nd);
        if (!dlt698_type_known(t->type) || !dlt698_scalar_read(r, t->type, &nd))
            return mh_rd_fail(r, MH_EUNKNOWN);
        token_from_node(t, &nd);
    }
    }
    return mh_rd_err(r);
}

/* Names as the standard writes them, indexed by tag; NULL: not a defined type. */
static const char *const type_names[] = {
    [DLT698_NULL] = "null", [DLT698_ARRAY] = "array", [DLT698_STRUCT] = "structure",
    [DLT698_BOOL] = "bool", [DLT698_BITSTRING] = "bit-string", [DLT698_DOUBLE_LONG] = "double-long",
    [DLT698_DOUBLE_LONG_U] = "double-long-unsigned", [DLT698_OCTETS] = "octet-string",
    [DLT698_VISIBLE] = "visible-string", [DLT698_UTF8] = "UTF8-string", [DLT698_INTEGER] = "integer",
    [DLT698_LONG] = "long", [DLT698_UNSIGNED] = "unsigned", [DLT698_LONG_U] = "long-unsigned",
    [DLT698_LONG64] = "long64", [DLT698_LONG64_U] = "long64-unsigned", [DLT698_ENUM] = "enum",
    [DLT698_FLOAT32] = "float32", [DLT698_FLOAT64] = "float64", [DLT698_DATETIME] = "date_time",
    [DLT698_DATE] = "date", [DLT698_TIME] = "time", [DLT698_DATETIME_S] = "date_time_s",
    [DLT698_OI] = "OI", [DLT698_OAD] = "OAD", [DLT698_ROAD] = "ROAD", [DLT698_OMD] = "OMD",
    [DLT698_TI] = "TI", [DLT698_TSA] = "TSA", [DLT698_MAC] = "MAC", [DLT698_RN] = "RN",
    [DLT698_REGION] = "Region", [DLT698_SCALER_UNIT] = "Scaler_Unit", [DLT698_RSD] = "RSD",
    [DLT698_CSD] = "CSD", [DLT698_MS] = "MS", [DLT698_SID] = "SID", [DLT698_SID_MAC] = "SID_MAC",
    [DLT698_COMDCB] = "COMDCB", [DLT698_RCSD] = "RCSD",
};

int dlt698_type_known(uint8_t type)
{
    return type < sizeof type_names / sizeof type_names[0] && type_names[type] != NULL;
}

const char *dlt698_type_name(uint8_t type)
{
    return dlt698_type_known(type) ? type_names[type] : "unknown";
}
