/*
 * Q/GDW 1376.1 appendix A data formats. Numbers are BCD, low byte first;
 * signed formats carry the sign in bit 7 of the top byte (A.5, A.6, A.9,
 * A.25), A.2 and A.3 have their own sign/exponent/unit bits, A.4 a
 * direction bit. A field of EE (or FF) bytes, or with any non-BCD digit, is
 * "no data". The plain binary, bit-string and text fields the Fn layouts
 * use are here too, so a layout is one list of formats.
 */
#include <string.h>

#include "fmt_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/bcd.h"
#include "meterhub/proto/gdw1376.h"

/* Indexed by enum gdw1376_fmt (appendix A.1 .. A.28, then the plain fields). */
const struct gdw1376_fmt_def gdw1376_fmts[GDW1376_FMT_COUNT_] = {
    [GDW1376_A1] = {6, 0, 0, K_TIME, "A.1"},   [GDW1376_A2] = {2, 0, 0, K_BCD, "A.2"},
    [GDW1376_A3] = {4, 0, 0, K_BCD, "A.3"},    [GDW1376_A4] = {1, 0, 1, K_BCD, "A.4"},
    [GDW1376_A5] = {2, 1, 1, K_BCD, "A.5"},    [GDW1376_A6] = {2, 2, 1, K_BCD, "A.6"},
    [GDW1376_A7] = {2, 1, 0, K_BCD, "A.7"},    [GDW1376_A8] = {2, 0, 0, K_BCD, "A.8"},
    [GDW1376_A9] = {3, 4, 1, K_BCD, "A.9"},    [GDW1376_A10] = {3, 0, 0, K_BCD, "A.10"},
    [GDW1376_A11] = {4, 2, 0, K_BCD, "A.11"},  [GDW1376_A12] = {6, 0, 0, K_ADDR, "A.12"},
    [GDW1376_A13] = {4, 4, 0, K_BCD, "A.13"},  [GDW1376_A14] = {5, 4, 0, K_BCD, "A.14"},
    [GDW1376_A15] = {5, 0, 0, K_TIME, "A.15"}, [GDW1376_A16] = {4, 0, 0, K_TIME, "A.16"},
    [GDW1376_A17] = {4, 0, 0, K_TIME, "A.17"}, [GDW1376_A18] = {3, 0, 0, K_TIME, "A.18"},
    [GDW1376_A19] = {2, 0, 0, K_TIME, "A.19"}, [GDW1376_A20] = {3, 0, 0, K_TIME, "A.20"},
    [GDW1376_A21] = {2, 0, 0, K_TIME, "A.21"}, [GDW1376_A22] = {1, 1, 0, K_BCD, "A.22"},
    [GDW1376_A23] = {3, 4, 0, K_BCD, "A.23"},  [GDW1376_A24] = {2, 0, 0, K_TIME, "A.24"},
    [GDW1376_A25] = {3, 3, 1, K_BCD, "A.25"},  [GDW1376_A26] = {2, 3, 0, K_BCD, "A.26"},
    [GDW1376_A27] = {4, 0, 0, K_BCD, "A.27"},  [GDW1376_A28] = {3, 2, 0, K_BCD, "A.28"},
    [GDW1376_FMT_BIN1] = {1, 0, 0, K_BIN, "BIN1"},   [GDW1376_FMT_BIN2] = {2, 0, 0, K_BIN, "BIN2"},
    [GDW1376_FMT_BIN4] = {4, 0, 0, K_BIN, "BIN4"},   [GDW1376_FMT_BS8] = {1, 0, 0, K_BIN, "BS8"},
    [GDW1376_FMT_BS16] = {2, 0, 0, K_BIN, "BS16"},   [GDW1376_FMT_ASCII4] = {4, 0, 0, K_ASCII, "ASCII4"},
    [GDW1376_FMT_ASCII8] = {8, 0, 0, K_ASCII, "ASCII8"}, [GDW1376_FMT_ASCII11] = {11, 0, 0, K_ASCII, "ASCII11"},
    [GDW1376_FMT_HEX6] = {6, 0, 0, K_HEX, "HEX6"},
};

size_t gdw1376_fmt_size(enum gdw1376_fmt f)
{
    return fmt_size(f);
}

const char *gdw1376_fmt_name(enum gdw1376_fmt f)
{
    return (unsigned)f < GDW1376_FMT_COUNT_ && gdw1376_fmts[f].name ? gdw1376_fmts[f].name : "";
}

/* Value of a BCD byte 0..99, or 0xFF when a nibble is above 9; 256 entries built by the preprocessor. */
#define BCD1(x) ((((x) >> 4) <= 9 && ((x) & 15) <= 9) ? (((x) >> 4) * 10 + ((x) & 15)) : 0xFF)
#define BCD4(x) BCD1(x), BCD1((x) + 1), BCD1((x) + 2), BCD1((x) + 3)
#define BCD16(x) BCD4(x), BCD4((x) + 4), BCD4((x) + 8), BCD4((x) + 12)
#define BCD64(x) BCD16(x), BCD16((x) + 16), BCD16((x) + 32), BCD16((x) + 48)
const uint8_t gdw1376_bcd_value[256] = {BCD64(0), BCD64(64), BCD64(128), BCD64(192)};

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
    static const uint16_t has_bit[] = {[T_SS] = MH_TM_SEC, [T_MM] = MH_TM_MIN, [T_HH] = MH_TM_HOUR,
                                       [T_DD] = MH_TM_DAY, [T_MO] = MH_TM_MON, [T_YY] = MH_TM_YEAR};
    uint8_t val[T_MOWD] = {0};
    unsigned has = 0, bad = 0, wday = 0;
    for (unsigned k = 0; k < time_layout[f].n; k++) {
        unsigned field = time_layout[f].field[k], b = p[k];
        if (field == T_MOWD) {
            /* A.1 byte 5: weekday in D7..D5 (1 = Monday, 0 = not set), month in D4..D0 */
            wday = b >> 5;
            b &= 0x1F;
            field = T_MO;
        }
        unsigned v = gdw1376_bcd_value[b];
        bad |= v;
        val[field] = (uint8_t)v;
        has |= has_bit[field];
    }
    if (bad & 0x80)
        return MH_EBADBCD;
    *t = (struct mh_tm){.year = (uint16_t)(has & MH_TM_YEAR ? 2000 + val[T_YY] : 0), .mon = val[T_MO],
                        .day = val[T_DD], .hour = val[T_HH], .min = val[T_MM], .sec = val[T_SS],
                        .wday = (uint8_t)wday, .has = (uint16_t)(has | (wday ? MH_TM_WDAY : 0))};
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

/* Fields of text kinds: ASCII (NUL/space padded, unprintable as '?'), hex digits, A.12 address. */
static int decode_text(const struct gdw1376_fmt_def *d, const uint8_t *p, struct gdw1376_value *v)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    if (d->kind == K_ASCII) {
        for (; k < d->size && p[k] != 0; k++)
            v->text[k] = (p[k] >= 0x20 && p[k] < 0x7F) ? (char)p[k] : '?';
        while (k > 0 && v->text[k - 1] == ' ')
            k--;
    } else if (d->kind == K_HEX) {
        for (size_t i = 0; i < d->size; i++) {
            v->text[k++] = hex[p[i] >> 4];
            v->text[k++] = hex[p[i] & 15];
        }
    } else { /* A.12: 12 BCD digits, low byte first, printed most significant first */
        for (size_t i = 0; i < 6; i++)
            if (!mh_bcd_byte_valid(p[i])) {
                v->kind = GDW1376_V_NODATA;
                return 0;
            }
        for (size_t i = 0; i < 6; i++) {
            v->text[k++] = hex[p[5 - i] >> 4];
            v->text[k++] = hex[p[5 - i] & 15];
        }
    }
    v->text[k] = '\0';
    v->kind = GDW1376_V_TEXT;
    return 0;
}


int gdw1376_fmt_decode(enum gdw1376_fmt f, const uint8_t *p, size_t n, struct gdw1376_value *v)
{
    size_t size = fmt_size(f);
    if (size == 0) {
        *v = (struct gdw1376_value){0};
        return MH_EINVAL;
    }
    if (n < size) {
        *v = (struct gdw1376_value){0};
        return MH_ETRUNC;
    }
    const struct gdw1376_fmt_def *d = &gdw1376_fmts[f];
    /* Only the members the kind uses are set; the rest are cleared cheaply. */
    v->num = mh_dec_make(0, 0);
    v->time.has = 0;
    v->text[0] = '\0';
    switch (d->kind) {
    case K_BCD:
        fmt_decode_bcd(f, d, p, v);
        return 0;
    case K_BIN: {
        /* A one-byte count is always a count (a tariff count of EE still sizes the block). */
        if (size > 1 && mh_bytes_all(p, size, 0xEE)) {
            v->kind = GDW1376_V_NODATA;
            return 0;
        }
        uint32_t x = 0;
        for (size_t k = size; k-- > 0;)
            x = x << 8 | p[k];
        v->kind = GDW1376_V_NUM;
        v->num = mh_dec_make((int64_t)x, 0);
        return 0;
    }
    case K_TIME:
        /* EE / FF fills are not BCD: no time */
        v->kind = decode_time(f, p, &v->time) == 0 ? GDW1376_V_TIME : GDW1376_V_NODATA;
        return 0;
    default:
        if (mh_bytes_all(p, size, 0xEE) || mh_bytes_all(p, size, 0xFF)) {
            v->kind = GDW1376_V_NODATA;
            return 0;
        }
        return decode_text(d, p, v);
    }
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
    const struct gdw1376_fmt_def *d = &gdw1376_fmts[f];
    if (d->kind == K_BIN) {
        uint64_t max = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
        if (v->num.exp != 0 || v->num.m < 0 || (uint64_t)v->num.m > max)
            return MH_ERANGE;
        for (size_t k = 0; k < size; k++)
            p[k] = (uint8_t)((uint64_t)v->num.m >> (8 * k));
        return 0;
    }
    if (d->kind == K_TIME)
        return encode_time(f, &v->time, p);
    if (d->kind == K_ASCII) {
        size_t len = strnlen(v->text, sizeof v->text);
        if (len > size)
            return MH_ERANGE;
        memset(p, 0, size);
        memcpy(p, v->text, len);
        return 0;
    }
    if (d->kind == K_HEX || d->kind == K_ADDR) {
        for (size_t k = 0; k < 2 * size; k++) {
            char c = v->text[k];
            int ok = (c >= '0' && c <= '9') || (d->kind == K_HEX && c >= 'A' && c <= 'F');
            if (!ok)
                return MH_EINVAL;
        }
        for (size_t k = 0; k < size; k++) {
            size_t at = d->kind == K_HEX ? k : size - 1 - k; /* A.12 prints the last byte first */
            unsigned hi = (unsigned)(v->text[2 * k] <= '9' ? v->text[2 * k] - '0' : v->text[2 * k] - 'A' + 10);
            unsigned lo = (unsigned)(v->text[2 * k + 1] <= '9' ? v->text[2 * k + 1] - '0' : v->text[2 * k + 1] - 'A' + 10);
            p[at] = (uint8_t)(hi << 4 | lo);
        }
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
    if (neg && !d->is_signed && f != GDW1376_A3)
        return MH_ERANGE;
    if (mh_bcd_encode_le(mag, p, size) != 0)
        return MH_ERANGE;
    if (f == GDW1376_A3) {
        if (p[3] & 0xF0)
            return MH_ERANGE;
        p[3] = (uint8_t)(p[3] | neg << 4 | (target == 3 ? 0x40 : 0));
    } else if (d->is_signed) { /* A.4: the direction bit */
        if (p[size - 1] & 0x80)
            return MH_ERANGE;
        p[size - 1] = (uint8_t)(p[size - 1] | neg << 7);
    }
    return 0;
}
