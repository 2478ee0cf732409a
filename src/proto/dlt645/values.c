/*
 * DL/T 645 data formats and the values of a response. Formats per
 * DL/T 645-2007 appendix A (BCD, low byte first; signed quantities carry
 * the sign in bit 7 of the most significant byte).
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/bcd.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/item.h"

static int fmt_size(enum dlt645_fmt fmt, size_t n)
{
    switch (fmt) {
    case DLT645_FMT_YYMMDDHHMM:
        return n == 5;
    case DLT645_FMT_YYMMDDHHMMSS:
        return n == 6;
    case DLT645_FMT_YYMMDDWW:
    case DLT645_FMT_MMDDHHMM:
        return n == 4;
    case DLT645_FMT_HHMMSS:
        return n == 3;
    case DLT645_FMT_DEMAND:
        return n == 8;
    case DLT645_FMT_ADDRESS:
        return n == 6;
    case DLT645_FMT_BCD:
    case DLT645_FMT_SBCD:
        return n >= 1 && n <= 8;
    case DLT645_FMT_BITS:
        return n >= 1 && n <= 4;
    default:
        return n <= 0xFFFF;
    }
}

/* Time fields, least significant first: which mh_tm fields, in wire order. */
static int decode_time(enum dlt645_fmt fmt, const uint8_t *p, struct mh_tm *t)
{
    uint8_t v[6];
    size_t n = fmt == DLT645_FMT_YYMMDDHHMMSS ? 6 : (fmt == DLT645_FMT_YYMMDDHHMM ? 5 : (fmt == DLT645_FMT_HHMMSS ? 3 : 4));
    for (size_t k = 0; k < n; k++) {
        if (!mh_bcd_byte_valid(p[k]))
            return MH_EBADBCD;
        v[k] = mh_bcd_byte_value(p[k]);
    }
    *t = (struct mh_tm){0};
    switch (fmt) {
    case DLT645_FMT_YYMMDDHHMMSS: /* ss mm hh DD MM YY */
        t->sec = v[0], t->min = v[1], t->hour = v[2], t->day = v[3], t->mon = v[4], t->year = (uint16_t)(2000 + v[5]);
        t->has = MH_TM_FULL;
        break;
    case DLT645_FMT_YYMMDDHHMM: /* mm hh DD MM YY */
        t->min = v[0], t->hour = v[1], t->day = v[2], t->mon = v[3], t->year = (uint16_t)(2000 + v[4]);
        t->has = MH_TM_DATE | MH_TM_HM;
        break;
    case DLT645_FMT_YYMMDDWW: /* WW DD MM YY, 0 = Sunday */
        t->wday = v[0] == 0 ? 7 : v[0], t->day = v[1], t->mon = v[2], t->year = (uint16_t)(2000 + v[3]);
        t->has = MH_TM_DATE | MH_TM_WDAY;
        break;
    case DLT645_FMT_MMDDHHMM: /* mm hh DD MM */
        t->min = v[0], t->hour = v[1], t->day = v[2], t->mon = v[3];
        t->has = MH_TM_MON | MH_TM_DAY | MH_TM_HM;
        break;
    default: /* ss mm hh */
        t->sec = v[0], t->min = v[1], t->hour = v[2];
        t->has = MH_TM_HMS;
        break;
    }
    return mh_tm_check(t) == 0 ? 0 : MH_EBADTIME;
}

static int encode_time(enum dlt645_fmt fmt, const struct mh_tm *t, uint8_t *p)
{
    uint8_t v[6];
    size_t n;
    switch (fmt) {
    case DLT645_FMT_YYMMDDHHMMSS:
        v[0] = t->sec, v[1] = t->min, v[2] = t->hour, v[3] = t->day, v[4] = t->mon, v[5] = (uint8_t)(t->year % 100), n = 6;
        break;
    case DLT645_FMT_YYMMDDHHMM:
        v[0] = t->min, v[1] = t->hour, v[2] = t->day, v[3] = t->mon, v[4] = (uint8_t)(t->year % 100), n = 5;
        break;
    case DLT645_FMT_YYMMDDWW:
        v[0] = t->wday == 7 ? 0 : t->wday, v[1] = t->day, v[2] = t->mon, v[3] = (uint8_t)(t->year % 100), n = 4;
        break;
    case DLT645_FMT_MMDDHHMM:
        v[0] = t->min, v[1] = t->hour, v[2] = t->day, v[3] = t->mon, n = 4;
        break;
    default:
        v[0] = t->sec, v[1] = t->min, v[2] = t->hour, n = 3;
        break;
    }
    for (size_t k = 0; k < n; k++) {
        if (v[k] > 99)
            return MH_ERANGE;
        p[k] = mh_bcd_byte_from(v[k]);
    }
    return 0;
}

/* BCD magnitude of n bytes, sign from bit 7 of the top byte when signed. */
static int decode_bcd(const uint8_t *p, size_t n, int is_signed, int64_t *out)
{
    uint8_t tmp[8];
    memcpy(tmp, p, n);
    int neg = 0;
    if (is_signed) {
        neg = (tmp[n - 1] & 0x80) != 0;
        tmp[n - 1] &= 0x7F;
    }
    uint64_t mag;
    if (mh_bcd_decode_le(tmp, n, &mag) != 0)
        return MH_EBADBCD;
    *out = neg ? -(int64_t)mag : (int64_t)mag;
    return 0;
}

int dlt645_value_decode(enum dlt645_fmt fmt, unsigned decimals, const uint8_t *p, size_t n,
                        struct dlt645_value *v)
{
    /* Set field by field: this runs for every value of every frame. */
    v->tariff = v->phase = v->settlement = 0;
    v->item = 0;
    v->bits = 0;
    v->num = mh_dec_make(0, 0);
    v->time.has = 0;
    v->text[0] = '\0';
    if (!fmt_size(fmt, n))
        return MH_EINVAL;
    v->raw = p;
    v->raw_len = (uint16_t)n;
    /* The meter's "no data": every byte FF (or EE, which concentrators fill in). */
    if (fmt != DLT645_FMT_RAW && fmt != DLT645_FMT_BITS && n > 0 && (p[0] == 0xFF || p[0] == 0xEE) &&
        mh_bytes_all(p, n, p[0])) {
        v->kind = DLT645_V_NODATA;
        return 0;
    }
    switch (fmt) {
    case DLT645_FMT_BCD:
    case DLT645_FMT_SBCD: {
        int64_t m;
        if (decode_bcd(p, n, fmt == DLT645_FMT_SBCD, &m) != 0) {
            v->kind = DLT645_V_NODATA;
            return 0;
        }
        v->kind = DLT645_V_NUM;
        v->num = mh_dec_make(m, -(int)decimals);
        return 0;
    }
    case DLT645_FMT_DEMAND: {
        int64_t m;
        if (decode_bcd(p, 3, 0, &m) != 0 || decode_time(DLT645_FMT_YYMMDDHHMM, p + 3, &v->time) != 0) {
            v->kind = DLT645_V_NODATA;
            return 0;
        }
        v->kind = DLT645_V_NUM_TIME;
        v->num = mh_dec_make(m, -(int)decimals);
        return 0;
    }
    case DLT645_FMT_YYMMDDHHMM:
    case DLT645_FMT_YYMMDDHHMMSS:
    case DLT645_FMT_YYMMDDWW:
    case DLT645_FMT_HHMMSS:
    case DLT645_FMT_MMDDHHMM:
        v->kind = decode_time(fmt, p, &v->time) == 0 ? DLT645_V_TIME : DLT645_V_NODATA;
        return 0;
    case DLT645_FMT_BITS:
        v->kind = DLT645_V_BITS;
        for (size_t k = n; k-- > 0;)
            v->bits = v->bits << 8 | p[k];
        return 0;
    case DLT645_FMT_ADDRESS:
        for (size_t k = 0; k < 6; k++)
            if (!mh_bcd_byte_valid(p[k])) {
                v->kind = DLT645_V_NODATA;
                return 0;
            }
        v->kind = DLT645_V_ADDRESS;
        dlt645_addr_format(p, v->text);
        return 0;
    default:
        v->kind = DLT645_V_RAW;
        return 0;
    }
}

int dlt645_value_encode(enum dlt645_fmt fmt, unsigned decimals, const struct dlt645_value *v,
                        uint8_t *p, size_t n)
{
    if (!fmt_size(fmt, n))
        return MH_EINVAL;
    if (v->kind == DLT645_V_NODATA) {
        memset(p, 0xFF, n);
        return 0;
    }
    switch (fmt) {
    case DLT645_FMT_BCD:
    case DLT645_FMT_SBCD:
    case DLT645_FMT_DEMAND: {
        size_t nb = fmt == DLT645_FMT_DEMAND ? 3 : n;
        /* Bring the value to the format's decimals; refuse to lose digits. */
        int64_t m = v->num.m;
        for (int e = v->num.exp; e > -(int)decimals; e--) {
            if (m > INT64_MAX / 10 || m < INT64_MIN / 10)
                return MH_ERANGE;
            m *= 10;
        }
        for (int e = -(int)decimals; e > v->num.exp; e--) {
            if (m % 10 != 0)
                return MH_ERANGE;
            m /= 10;
        }
        int neg = m < 0;
        if (neg && fmt != DLT645_FMT_SBCD)
            return MH_ERANGE;
        uint64_t mag = neg ? (uint64_t)0 - (uint64_t)m : (uint64_t)m;
        if (mh_bcd_encode_le(mag, p, nb) != 0)
            return MH_ERANGE;
        if (fmt == DLT645_FMT_SBCD) {
            if (p[nb - 1] & 0x80)
                return MH_ERANGE; /* the top digit would collide with the sign bit */
            if (neg)
                p[nb - 1] |= 0x80;
        }
        if (fmt == DLT645_FMT_DEMAND)
            return encode_time(DLT645_FMT_YYMMDDHHMM, &v->time, p + 3);
        return 0;
    }
    case DLT645_FMT_YYMMDDHHMM:
    case DLT645_FMT_YYMMDDHHMMSS:
    case DLT645_FMT_YYMMDDWW:
    case DLT645_FMT_HHMMSS:
    case DLT645_FMT_MMDDHHMM:
        return encode_time(fmt, &v->time, p);
    case DLT645_FMT_BITS:
        for (size_t k = 0; k < n; k++)
            p[k] = (uint8_t)(v->bits >> (8 * k));
        return 0;
    case DLT645_FMT_ADDRESS:
        return dlt645_addr_parse(v->text, p);
    default:
        if (v->raw_len != n)
            return MH_EINVAL;
        memcpy(p, v->raw, n);
        return 0;
    }
}

/* The normalized item of value k of a response to di under def. */
static void assign_item(const struct dlt645_di_def *def, uint32_t di, enum dlt645_edition ed, size_t k,
                        size_t count, struct dlt645_value *v)
{
    unsigned di1 = (di >> 8) & 0xFF, di0 = di & 0xFF;
    uint32_t item = def->item;
    v->item = 0;
    if (ed == DLT645_1997) {
        unsigned low = di & 0x0F;
        if (def->flags & DLT645_DI_1997_TARIFF)
            v->tariff = (uint8_t)(low == 0x0F ? k : low);
        if (def->flags & DLT645_DI_1997_PHASE)
            v->phase = (uint8_t)(low == 0x0F ? k + 1 : low);
    } else {
        if (def->flags & DLT645_DI_SETTLE)
            v->settlement = (uint8_t)di0;
        if (def->flags & DLT645_DI_LAST_N)
            v->settlement = (uint8_t)di0;
        if (def->flags & DLT645_DI_TARIFF)
            v->tariff = (uint8_t)(di1 == 0xFF ? k : di1);
        if (def->flags & DLT645_DI_BLOCK)
            v->tariff = (uint8_t)k;
        if (def->flags & DLT645_DI_PHASE_DI1) {
            /* Voltage and current blocks are A, B, C; power blocks are total, A, B, C. */
            int has_total = count == 4 || (di1 == 0 && di1 != 0xFF);
            v->phase = (uint8_t)(di1 == 0xFF ? (has_total ? k : k + 1) : di1);
        }
    }
    if (!item)
        return;
    if (v->phase) {
        /* OBIS: L1 = C + 20, L2 = C + 40, L3 = C + 60 for powers, currents, voltages and PF. */
        unsigned c = MH_OBIS_C(item);
        unsigned base = c > 60 ? c - 60 : (c > 40 ? c - 40 : (c > 20 ? c - 20 : c));
        if (item == MH_ITEM_ANG_I1_U1)
            item = v->phase == 1 ? MH_ITEM_ANG_I1_U1 : (v->phase == 2 ? MH_ITEM_ANG_I2_U2 : MH_ITEM_ANG_I3_U3);
        else
            item = (item & ~(0xFFu << 16)) | (uint32_t)(base + 20 * v->phase) << 16;
    } else if (def->flags & DLT645_DI_PHASE_DI1) {
        unsigned c = MH_OBIS_C(item);
        if (c > 20) /* voltage / current items are per phase: no total exists */
            item = 0;
    }
    /* Only registers take a tariff in E (the dictionary marks them; tests check the items exist). */
    if (item && v->tariff && (def->flags & (DLT645_DI_TARIFF | DLT645_DI_BLOCK | DLT645_DI_1997_TARIFF)))
        item = MH_OBIS_TARIFF(item, v->tariff);
    v->item = item;
}

int dlt645_values_decode(uint32_t di, enum dlt645_edition ed, const uint8_t *plain, size_t len,
                         struct dlt645_value *out, size_t max)
{
    const struct dlt645_di_def *def = dlt645_di_lookup(di, ed);
    if (!def)
        return MH_EUNKNOWN;
    size_t per = def->bytes;
    if (def->fmt == DLT645_FMT_RAW) {
        if (max == 0)
            return 0;
        dlt645_value_decode(DLT645_FMT_RAW, 0, plain, len, &out[0]);
        assign_item(def, di, ed, 0, 1, &out[0]);
        return 1;
    }
    /* 1997 block replies end with AA. */
    if (ed == DLT645_1997 && (di & 0x0F) == 0x0F && len > 0 && plain[len - 1] == 0xAA)
        len--;
    if (len == 0 || len % per != 0)
        return MH_EBADLEN;
    size_t count = len / per;
    int is_block = ed == DLT645_1997 ? (di & 0x0F) == 0x0F
                                     : (((def->flags & (DLT645_DI_TARIFF | DLT645_DI_PHASE_DI1)) && ((di >> 8) & 0xFF) == 0xFF) ||
                                        (def->flags & DLT645_DI_BLOCK) || di == 0x040005FF || (def->flags & DLT645_DI_LAST_N));
    if (count > 1 && !is_block)
        return MH_EBADLEN;
    if (count > max)
        count = max;
    for (size_t k = 0; k < count; k++) {
        dlt645_value_decode((enum dlt645_fmt)def->fmt, def->decimals, plain + k * per, per, &out[k]);
        assign_item(def, di, ed, k, len / per, &out[k]);
        if (di == 0x040005FF && out[k].item)
            out[k].item = MH_ITEM_STATUS_1 + (uint32_t)k; /* words 1..7 */
    }
    return (int)count;
}
