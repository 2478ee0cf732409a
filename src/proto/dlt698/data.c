/*
 * DL/T 698.45 typed data (clause 8 and appendix A): one token at a time,
 * and whole-Data skipping with an explicit stack, so no input nests the
 * decoder deeper than DLT698_MAX_DEPTH.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698.h"

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
    } else if (n <= 0xFF) {
        mh_wr_u8(w, 0x81);
        mh_wr_u8(w, (uint8_t)n);
    } else {
        mh_wr_u8(w, 0x82);
        mh_wr_u16be(w, (uint16_t)n);
    }
}

static void read_datetime(struct mh_rd *r, uint8_t type, struct mh_tm *t)
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

/* Bytes of a length-prefixed string into t. */
static void read_string(struct mh_rd *r, struct dlt698_token *t)
{
    t->len = dlt698_len_read(r);
    t->count = (uint32_t)t->len;
    t->bytes = mh_rd_bytes(r, t->len);
}

/* ROAD: OAD + n OADs; kept raw. */
static void read_road(struct mh_rd *r, struct dlt698_token *t)
{
    size_t start = r->off;
    mh_rd_skip(r, 4);
    size_t n = mh_rd_u8(r);
    mh_rd_skip(r, 4 * n);
    t->count = (uint32_t)n;
    t->bytes = r->p + start;
    t->len = mh_rd_err(r) ? 0 : r->off - start;
}

int dlt698_csd_skip(struct mh_rd *r)
{
    uint8_t choice = mh_rd_u8(r);
    if (choice == 0) {
        mh_rd_skip(r, 4);
    } else if (choice == 1) {
        struct dlt698_token t;
        read_road(r, &t);
    } else {
        mh_rd_fail(r, MH_EPROTO);
    }
    return mh_rd_err(r);
}

int dlt698_rcsd_read(struct mh_rd *r, uint32_t *columns)
{
    uint32_t n = mh_rd_u8(r);
    for (uint32_t k = 0; k < n && mh_rd_err(r) == 0; k++)
        dlt698_csd_skip(r);
    *columns = n;
    return mh_rd_err(r);
}

int dlt698_ms_skip(struct mh_rd *r)
{
    uint8_t choice = mh_rd_u8(r);
    size_t n;
    switch (choice) {
    case 0: /* no meter */
    case 1: /* all user meters */
        break;
    case 2: /* set of user types: unsigned each */
        n = dlt698_len_read(r);
        mh_rd_skip(r, n);
        break;
    case 3: /* set of TSA */
        n = dlt698_len_read(r);
        for (size_t k = 0; k < n && mh_rd_err(r) == 0; k++)
            mh_rd_skip(r, dlt698_len_read(r));
        break;
    case 4: /* set of archive numbers: long-unsigned each */
        n = dlt698_len_read(r);
        mh_rd_skip(r, 2 * n);
        break;
    case 5: case 6: case 7: /* sets of regions: unit + two Data each */
        n = dlt698_len_read(r);
        for (size_t k = 0; k < n && mh_rd_err(r) == 0; k++) {
            mh_rd_skip(r, 1);
            dlt698_data_skip(r);
            dlt698_data_skip(r);
        }
        break;
    default:
        mh_rd_fail(r, MH_EPROTO);
    }
    return mh_rd_err(r);
}

int dlt698_rsd_skip(struct mh_rd *r)
{
    uint8_t sel = mh_rd_u8(r);
    switch (sel) {
    case 0:
        break;
    case 1: /* OAD, value */
        mh_rd_skip(r, 4);
        dlt698_data_skip(r);
        break;
    case 2: /* OAD, start, end, interval */
        mh_rd_skip(r, 4);
        dlt698_data_skip(r);
        dlt698_data_skip(r);
        dlt698_data_skip(r);
        break;
    case 3: { /* list of selector 2 */
        size_t n = dlt698_len_read(r);
        for (size_t k = 0; k < n && mh_rd_err(r) == 0; k++) {
            mh_rd_skip(r, 4);
            dlt698_data_skip(r);
            dlt698_data_skip(r);
            dlt698_data_skip(r);
        }
        break;
    }
    case 4: case 5: /* date_time_s, MS */
        mh_rd_skip(r, 7);
        dlt698_ms_skip(r);
        break;
    case 6: case 7: case 8: /* start, end (date_time_s), TI, MS */
        mh_rd_skip(r, 7 + 7 + 3);
        dlt698_ms_skip(r);
        break;
    case 9: /* last n-th record */
        mh_rd_skip(r, 1);
        break;
    case 10: /* last n records, MS */
        mh_rd_skip(r, 1);
        dlt698_ms_skip(r);
        break;
    default:
        mh_rd_fail(r, MH_EPROTO);
    }
    return mh_rd_err(r);
}

int dlt698_token_read(struct mh_rd *r, struct dlt698_token *t)
{
    memset(t, 0, sizeof *t);
    t->type = mh_rd_u8(r);
    switch (t->type) {
    case DLT698_NULL:
        break;
    case DLT698_ARRAY:
    case DLT698_STRUCT:
        t->count = (uint32_t)dlt698_len_read(r);
        /* Every element takes at least a byte: a larger count is a lie. */
        if (mh_rd_err(r) == 0 && t->count > mh_rd_left(r))
            mh_rd_fail(r, MH_EBADLEN);
        break;
    case DLT698_BOOL:
    case DLT698_UNSIGNED:
    case DLT698_ENUM:
        t->u = mh_rd_u8(r);
        t->i = (int64_t)t->u;
        break;
    case DLT698_INTEGER:
        t->i = (int8_t)mh_rd_u8(r);
        break;
    case DLT698_LONG:
        t->i = (int16_t)mh_rd_u16be(r);
        break;
    case DLT698_LONG_U:
    case DLT698_OI:
        t->u = mh_rd_u16be(r);
        t->i = (int64_t)t->u;
        break;
    case DLT698_DOUBLE_LONG:
        t->i = (int32_t)mh_rd_u32be(r);
        break;
    case DLT698_DOUBLE_LONG_U:
    case DLT698_OAD:
    case DLT698_OMD:
        t->u = mh_rd_u32be(r);
        t->i = (int64_t)t->u;
        break;
    case DLT698_LONG64:
        t->i = (int64_t)mh_rd_u64be(r);
        break;
    case DLT698_LONG64_U:
        t->u = mh_rd_u64be(r);
        break;
    case DLT698_FLOAT32: {
        uint32_t b = mh_rd_u32be(r);
        float x;
        memcpy(&x, &b, 4);
        t->f = x;
        break;
    }
    case DLT698_FLOAT64: {
        uint64_t b = mh_rd_u64be(r);
        memcpy(&t->f, &b, 8);
        break;
    }
    case DLT698_BITSTRING: {
        size_t bits = dlt698_len_read(r);
        t->count = (uint32_t)bits;
        t->len = (bits + 7) / 8;
        t->bytes = mh_rd_bytes(r, t->len);
        for (size_t k = 0; k < t->len && k < 8 && t->bytes; k++)
            t->u = t->u << 8 | t->bytes[k];
        break;
    }
    case DLT698_OCTETS:
    case DLT698_VISIBLE:
    case DLT698_UTF8:
    case DLT698_TSA:
    case DLT698_MAC:
    case DLT698_RN:
        read_string(r, t);
        break;
    case DLT698_DATETIME:
    case DLT698_DATE:
    case DLT698_TIME:
    case DLT698_DATETIME_S:
        read_datetime(r, t->type, &t->time);
        break;
    case DLT698_ROAD:
        read_road(r, t);
        break;
    case DLT698_TI:
        t->unit = mh_rd_u8(r);
        t->u = mh_rd_u16be(r);
        break;
    case DLT698_SCALER_UNIT:
        t->scaler = (int8_t)mh_rd_u8(r);
        t->unit = mh_rd_u8(r);
        break;
    case DLT698_COMDCB:
        t->bytes = mh_rd_bytes(r, 5);
        t->len = 5;
        break;
    case DLT698_SID:
        t->u = mh_rd_u32be(r);
        read_string(r, t);
        break;
    case DLT698_SID_MAC:
        t->u = mh_rd_u32be(r);
        read_string(r, t); /* additional data */
        mh_rd_skip(r, dlt698_len_read(r)); /* MAC */
        break;
    case DLT698_REGION: /* unit, then two Data: the caller reads them as a 2-element structure */
        t->unit = mh_rd_u8(r);
        t->count = 2;
        break;
    case DLT698_RSD:
    case DLT698_CSD:
    case DLT698_MS:
    case DLT698_RCSD: {
        size_t start = r->off;
        uint32_t cols;
        if (t->type == DLT698_RSD)
            dlt698_rsd_skip(r);
        else if (t->type == DLT698_CSD)
            dlt698_csd_skip(r);
        else if (t->type == DLT698_MS)
            dlt698_ms_skip(r);
        else
            dlt698_rcsd_read(r, &cols);
        t->bytes = r->p + start;
        t->len = mh_rd_err(r) ? 0 : r->off - start;
        break;
    }
    default:
        mh_rd_fail(r, MH_EUNKNOWN);
    }
    return mh_rd_err(r);
}

int dlt698_data_skip(struct mh_rd *r)
{
    uint32_t pending[DLT698_MAX_DEPTH + 1];
    int depth = 0;
    pending[0] = 1;
    while (depth >= 0 && mh_rd_err(r) == 0) {
        if (pending[depth] == 0) {
            depth--;
            continue;
        }
        pending[depth]--;
        struct dlt698_token t;
        if (dlt698_token_read(r, &t) != 0)
            break;
        if ((t.type == DLT698_ARRAY || t.type == DLT698_STRUCT || t.type == DLT698_REGION) && t.count > 0) {
            if (depth == DLT698_MAX_DEPTH)
                return mh_rd_fail(r, MH_EDEPTH);
            pending[++depth] = t.count;
        }
    }
    return mh_rd_err(r);
}

const char *dlt698_type_name(uint8_t type)
{
    switch (type) {
    case DLT698_NULL: return "null";
    case DLT698_ARRAY: return "array";
    case DLT698_STRUCT: return "structure";
    case DLT698_BOOL: return "bool";
    case DLT698_BITSTRING: return "bit-string";
    case DLT698_DOUBLE_LONG: return "double-long";
    case DLT698_DOUBLE_LONG_U: return "double-long-unsigned";
    case DLT698_OCTETS: return "octet-string";
    case DLT698_VISIBLE: return "visible-string";
    case DLT698_UTF8: return "UTF8-string";
    case DLT698_INTEGER: return "integer";
    case DLT698_LONG: return "long";
    case DLT698_UNSIGNED: return "unsigned";
    case DLT698_LONG_U: return "long-unsigned";
    case DLT698_LONG64: return "long64";
    case DLT698_LONG64_U: return "long64-unsigned";
    case DLT698_ENUM: return "enum";
    case DLT698_FLOAT32: return "float32";
    case DLT698_FLOAT64: return "float64";
    case DLT698_DATETIME: return "date_time";
    case DLT698_DATE: return "date";
    case DLT698_TIME: return "time";
    case DLT698_DATETIME_S: return "date_time_s";
    case DLT698_OI: return "OI";
    case DLT698_OAD: return "OAD";
    case DLT698_ROAD: return "ROAD";
    case DLT698_OMD: return "OMD";
    case DLT698_TI: return "TI";
    case DLT698_TSA: return "TSA";
    case DLT698_MAC: return "MAC";
    case DLT698_RN: return "RN";
    case DLT698_REGION: return "Region";
    case DLT698_SCALER_UNIT: return "Scaler_Unit";
    case DLT698_RSD: return "RSD";
    case DLT698_CSD: return "CSD";
    case DLT698_MS: return "MS";
    case DLT698_SID: return "SID";
    case DLT698_SID_MAC: return "SID_MAC";
    case DLT698_COMDCB: return "COMDCB";
    case DLT698_RCSD: return "RCSD";
    default: return "unknown";
    }
}
