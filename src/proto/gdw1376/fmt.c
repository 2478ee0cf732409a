/*
 * Q/GDW 1376.1 appendix A data formats. Numbers are BCD, low byte first;
 * signed formats carry the sign in bit 7 of the top byte (A.5, A.6, A.9,
 * A.25), A.2 and A.3 have their own sign/exponent/unit bits. A field of
 * EE bytes (or any non-BCD digit) is "no data".
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/bcd.h"
#include "meterhub/proto/gdw1376.h"

struct fmt_def {
    uint8_t size;
    uint8_t decimals;
    uint8_t is_signed; /* sign in bit 7 of the top byte */
    uint8_t is_time;
};

/* Indexed by enum gdw1376_fmt. */
static const struct fmt_def fmts[] = {
    [GDW1376_A1] = {6, 0, 0, 1},  [GDW1376_A2] = {2, 0, 0, 0},  [GDW1376_A3] = {4, 0, 0, 0},
    [GDW1376_A4] = {1, 0, 0, 0},  [GDW1376_A5] = {2, 1, 1, 0},  [GDW1376_A6] = {2, 2, 1, 0},
    [GDW1376_A7] = {2, 1, 0, 0},  [GDW1376_A8] = {2, 0, 0, 0},  [GDW1376_A9] = {3, 4, 1, 0},
    [GDW1376_A10] = {3, 0, 0, 0}, [GDW1376_A11] = {4, 2, 0, 0}, [GDW1376_A12] = {6, 0, 0, 0},
    [GDW1376_A13] = {4, 4, 0, 0}, [GDW1376_A14] = {5, 4, 0, 0}, [GDW1376_A15] = {5, 0, 0, 1},
    [GDW1376_A16] = {4, 0, 0, 1}, [GDW1376_A17] = {4, 0, 0, 1}, [GDW1376_A18] = {3, 0, 0, 1},
    [GDW1376_A19] = {2, 0, 0, 1}, [GDW1376_A20] = {3, 0, 0, 1}, [GDW1376_A21] = {2, 0, 0, 1},
    [GDW1376_A22] = {1, 1, 0, 0}, [GDW1376_A23] = {3, 4, 0, 0}, [GDW1376_A24] = {2, 0, 0, 1},
    [GDW1376_A25] = {3, 3, 1, 0}, [GDW1376_A26] = {2, 3, 0, 0}, [GDW1376_A27] = {4, 0, 0, 0},
    [GDW1376_FMT_BIN1] = {1, 0, 0, 0}, [GDW1376_FMT_BIN2] = {2, 0, 0, 0},
};

size_t gdw1376_fmt_size(enum gdw1376_fmt f)
{
    return (unsigned)f < sizeof fmts / sizeof fmts[0] ? fmts[f].size : 0;
}

/* Time fields in wire order per format: which struct mh_tm member each byte is. */
enum { T_SS, T_MM, T_HH, T_DD, T_MO, T_YY, T_MOWD };
static const struct {
    uint8_t n;
    uint8_t field[6];
} time_layout[] = {
    [GDW1376_A1] = {6, {T_SS, T_MM, T_HH, T_DD, T_MOWD, T_YY}},
    [GDW1376_A15] = {5, {T_MM, T_HH, T_DD, T_MO, T_YY}},
    [GDW1376_A16] = {4, {T_SS, T_MM, T_HH, T_DD}},
    [GDW1376_A17] = {4, {T_MM, T_HH, T_DD, T_MO}},
    [GDW1376_A18] = {3, {T_MM, T_HH, T_DD}},
    [GDW1376_A19] = {2, {T_MM, T_HH}},
    [GDW1376_A20] = {3, {T_DD, T_MO, T_YY}},
    [GDW1376_A21] = {2, {T_MO, T_YY}},
    [GDW1376_A24] = {2, {T_HH, T_DD}},
};

static int decode_time(enum gdw1376_fmt f, const uint8_t *p, struct mh_tm *t)
{
    *t = (struct mh_tm){0};
    for (unsigned k = 0; k < time_layout[f].n; k++) {
        uint8_t b = p[k];
        if (time_layout[f].field[k] == T_MOWD) {
            /* A.1 byte 5: weekday in D7..D5 (1 = Monday, 0 = not set), month in D4..D0 */
            unsigned wd = b >> 5;
            b &= 0x1F;
            if (wd) {
                t->wday = (uint8_t)wd;
                t->has |= MH_TM_WDAY;
            }
        }
        if (!mh_bcd_byte_valid(b))
            return MH_EBADBCD;
        uint8_t v = mh_bcd_byte_value(b);
        switch (time_layout[f].field[k]) {
        case T_SS: t->sec = v, t->has |= MH_TM_SEC; break;
        case T_MM: t->min = v, t->has |= MH_TM_MIN; break;
        case T_HH: t->hour = v, t->has |= MH_TM_HOUR; break;
        case T_DD: t->day = v, t->has |= MH_TM_DAY; break;
        case T_YY: t->year = (uint16_t)(2000 + v), t->has |= MH_TM_YEAR; break;
        default: t->mon = v, t->has |= MH_TM_MON; break;
        }
    }
    return mh_tm_check(t) == 0 ? 0 : MH_EBADTIME;
}

static int encode_time(enum gdw1376_fmt f, const struct mh_tm *t, uint8_t *p)
{
    for (unsigned k = 0; k < time_layout[f].n; k++) {
        unsigned v, extra = 0;
        switch (time_layout[f].field[k]) {
        case T_SS: v = t->sec; break;
        case T_MM: v = t->min; break;
        case T_HH: v = t->hour; break;
        case T_DD: v = t->day; break;
        case T_YY: v = t->year % 100; break;
        case T_MOWD: v = t->mon, extra = (unsigned)(t->wday & 7) << 5; break;
        default: v = t->mon; break;
        }
        if (v > 99)
            return MH_ERANGE;
        p[k] = (uint8_t)(mh_bcd_byte_from((uint8_t)v) | extra);
    }
    return 0;
}

int gdw1376_fmt_decode(enum gdw1376_fmt f, const uint8_t *p, size_t n, struct gdw1376_value *v)
{
    *v = (struct gdw1376_value){0};
    size_t size = gdw1376_fmt_size(f);
    if (size == 0)
        return MH_EINVAL;
    if (n < size)
        return MH_ETRUNC;
    if (f == GDW1376_FMT_BIN1 || f == GDW1376_FMT_BIN2) {
        v->kind = GDW1376_V_NUM;
        v->num = mh_dec_make(f == GDW1376_FMT_BIN1 ? p[0] : (p[0] | p[1] << 8), 0);
        return 0;
    }
    if (mh_bytes_all(p, size, 0xEE) || mh_bytes_all(p, size, 0xFF)) {
        v->kind = GDW1376_V_NODATA;
        return 0;
    }
    const struct fmt_def *d = &fmts[f];
    if (d->is_time) {
        v->kind = decode_time(f, p, &v->time) == 0 ? GDW1376_V_TIME : GDW1376_V_NODATA;
        return 0;
    }
    if (f == GDW1376_A12) {
        for (size_t k = 0; k < 6; k++)
            if (!mh_bcd_byte_valid(p[k])) {
                v->kind = GDW1376_V_NODATA;
                return 0;
            }
        static const char hex[] = "0123456789";
        for (int k = 0; k < 6; k++) {
            v->text[2 * k] = hex[p[5 - k] >> 4];
            v->text[2 * k + 1] = hex[p[5 - k] & 15];
        }
        v->kind = GDW1376_V_TEXT;
        return 0;
    }
    uint8_t tmp[6];
    memcpy(tmp, p, size);
    int neg = 0, exp = -(int)d->decimals;
    if (f == GDW1376_A2) {
        /* 3 digits; byte 2: D7..D5 exponent G, D4 sign, D3..D0 hundreds: value = digits * 10^(4-G) */
        neg = (tmp[1] >> 4) & 1;
        exp = 4 - (tmp[1] >> 5);
        tmp[1] &= 0x0F;
    } else if (f == GDW1376_A3) {
        /* 7 digits; byte 4: D6 unit (1 = MWh / 10^4 yuan), D4 sign, D3..D0 top digit */
        neg = (tmp[3] >> 4) & 1;
        exp = (tmp[3] & 0x40) ? 3 : 0;
        tmp[3] &= 0x0F;
    } else if (f == GDW1376_A4) {
        /* D7 direction (1 = down), D6..D0 two BCD digits */
        neg = tmp[0] >> 7;
        tmp[0] &= 0x7F;
    } else if (d->is_signed) {
        neg = tmp[size - 1] >> 7;
        tmp[size - 1] &= 0x7F;
    }
    uint64_t mag;
    if (mh_bcd_decode_le(tmp, size, &mag) != 0) {
        v->kind = GDW1376_V_NODATA;
        return 0;
    }
    v->kind = GDW1376_V_NUM;
    v->num = mh_dec_make(neg ? -(int64_t)mag : (int64_t)mag, exp);
    return 0;
}

int gdw1376_fmt_encode(enum gdw1376_fmt f, const struct gdw1376_value *v, uint8_t *p, size_t n)
{
    size_t size = gdw1376_fmt_size(f);
    if (size == 0 || n < size)
        return MH_EINVAL;
    if (v->kind == GDW1376_V_NODATA) {
        memset(p, 0xEE, size);
        return 0;
    }
    if (f == GDW1376_FMT_BIN1 || f == GDW1376_FMT_BIN2) {
        if (v->num.exp != 0 || v->num.m < 0 || v->num.m > (f == GDW1376_FMT_BIN1 ? 0xFF : 0xFFFF))
            return MH_ERANGE;
        p[0] = (uint8_t)v->num.m;
        if (f == GDW1376_FMT_BIN2)
            p[1] = (uint8_t)(v->num.m >> 8);
        return 0;
    }
    const struct fmt_def *d = &fmts[f];
    if (d->is_time)
        return encode_time(f, &v->time, p);
    if (f == GDW1376_A12) {
        for (int k = 0; k < 12; k++)
            if (v->text[k] < '0' || v->text[k] > '9')
                return MH_EINVAL;
        for (int k = 0; k < 6; k++)
            p[5 - k] = (uint8_t)((v->text[2 * k] - '0') << 4 | (v->text[2 * k + 1] - '0'));
        return 0;
    }
    int64_t m = v->num.m;
    int exp = v->num.exp;
    int target = -(int)d->decimals;
    if (f == GDW1376_A2) {
        /* Choose the exponent G (0..7) that keeps three digits. */
        int neg = m < 0;
        uint64_t mag = neg ? (uint64_t)0 - (uint64_t)m : (uint64_t)m;
        int e = exp;
        while (mag > 999 && mag % 10 == 0) {
            mag /= 10;
            e++;
        }
        if (mag > 999 || e > 4 || e < -3)
            return MH_ERANGE;
        p[0] = mh_bcd_byte_from((uint8_t)(mag % 100));
        p[1] = (uint8_t)((4 - e) << 5 | neg << 4 | (mag / 100));
        return 0;
    }
    if (f == GDW1376_A3) {
        /* Whole kWh while they fit in seven digits, else MWh (D6 set). */
        int64_t whole = m;
        int e = exp;
        for (; e > 0 && whole < INT64_MAX / 10 && whole > INT64_MIN / 10; e--)
            whole *= 10;
        for (; e < 0; e++)
            whole /= 10;
        target = (whole > 9999999 || whole < -9999999) ? 3 : 0;
    }
    for (; exp > target; exp--) {
        if (m > INT64_MAX / 10 || m < INT64_MIN / 10)
            return MH_ERANGE;
        m *= 10;
    }
    for (; exp < target; exp++) {
        if (m % 10 != 0)
            return MH_ERANGE;
        m /= 10;
    }
    int neg = m < 0;
    uint64_t mag = neg ? (uint64_t)0 - (uint64_t)m : (uint64_t)m;
    if (neg && !d->is_signed && f != GDW1376_A3 && f != GDW1376_A4)
        return MH_ERANGE;
    if (mh_bcd_encode_le(mag, p, size) != 0)
        return MH_ERANGE;
    if (f == GDW1376_A3) {
        if (p[3] & 0xF0)
            return MH_ERANGE;
        p[3] = (uint8_t)(p[3] | neg << 4 | (target == 3 ? 0x40 : 0));
    } else if (f == GDW1376_A4) {
        if (p[0] & 0x80)
            return MH_ERANGE;
        p[0] = (uint8_t)(p[0] | neg << 7);
    } else if (d->is_signed) {
        if (p[size - 1] & 0x80)
            return MH_ERANGE;
        p[size - 1] = (uint8_t)(p[size - 1] | neg << 7);
    }
    return 0;
}
