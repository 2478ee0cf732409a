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
/* Indexed by enum gdw1376_fmt (appendix A.1 .. A.28, then the plain fields): the plans of fmt_int.h. */
#define DEF(fmt, name) [GDW1376_##fmt] = {FMT_PLAN_##fmt, name}
const struct gdw1376_fmt_def gdw1376_fmts[GDW1376_FMT_COUNT_] = {
    DEF(A1, "A.1"),   DEF(A2, "A.2"),   DEF(A3, "A.3"),   DEF(A4, "A.4"),   DEF(A5, "A.5"),   DEF(A6, "A.6"),
    DEF(A7, "A.7"),   DEF(A8, "A.8"),   DEF(A9, "A.9"),   DEF(A10, "A.10"), DEF(A11, "A.11"), DEF(A12, "A.12"),
    DEF(A13, "A.13"), DEF(A14, "A.14"), DEF(A15, "A.15"), DEF(A16, "A.16"), DEF(A17, "A.17"), DEF(A18, "A.18"),
    DEF(A19, "A.19"), DEF(A20, "A.20"), DEF(A21, "A.21"), DEF(A22, "A.22"), DEF(A23, "A.23"), DEF(A24, "A.24"),
    DEF(A25, "A.25"), DEF(A26, "A.26"), DEF(A27, "A.27"), DEF(A28, "A.28"),
    DEF(FMT_BIN1, "BIN1"),       DEF(FMT_BIN2, "BIN2"),   DEF(FMT_BIN4, "BIN4"),     DEF(FMT_BS8, "BS8"),
    DEF(FMT_BS16, "BS16"),       DEF(FMT_ASCII4, "ASCII4"), DEF(FMT_ASCII8, "ASCII8"),
    DEF(FMT_ASCII11, "ASCII11"), DEF(FMT_HEX6, "HEX6"),
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

/*
 * Time fields per format: the byte of each struct mh_tm member (7: absent,
 * reads as 0), the members present, and the weekday bits (A.1 byte 5:
 * weekday D7..D5, 1 = Monday, 0 = not set; month D4..D0).
 */
enum { T_SS, T_MM, T_HH, T_DD, T_MO, T_YY, T_N };
static const struct {
    uint8_t at[T_N];
    uint16_t has;
    uint8_t wday_byte; /* 0: none */
} time_layout[] = {
    [GDW1376_A1] = {{0, 1, 2, 3, 4, 5}, MH_TM_FULL, 4},
    [GDW1376_A15] = {{7, 0, 1, 2, 3, 4}, MH_TM_DATE | MH_TM_HM, 0},
    [GDW1376_A16] = {{0, 1, 2, 3, 7, 7}, MH_TM_DAY | MH_TM_HMS, 0},
    [GDW1376_A17] = {{7, 0, 1, 2, 3, 7}, MH_TM_MON | MH_TM_DAY | MH_TM_HM, 0},
    [GDW1376_A18] = {{7, 0, 1, 2, 7, 7}, MH_TM_DAY | MH_TM_HM, 0},
    [GDW1376_A19] = {{7, 0, 1, 7, 7, 7}, MH_TM_HM, 0},
    [GDW1376_A20] = {{7, 7, 7, 0, 1, 2}, MH_TM_DATE, 0},
    [GDW1376_A21] = {{7, 7, 7, 7, 0, 1}, MH_TM_YEAR | MH_TM_MON, 0},
    [GDW1376_A24] = {{7, 7, 0, 1, 7, 7}, MH_TM_DAY | MH_TM_HOUR, 0},
};

static inline uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/*
 * Every digit pair at once (each byte 0..99 in its lane), then the
 * ranges mh_tm_check applies (a day without a year is checked against a
 * leap year, as there). Inline with f a constant, the layout folds into
 * fixed shifts: gdw1376_time_decode calls it so for the formats that open
 * blocks (Td_c A.15, freeze dates A.20 / A.21), the A.1 clocks and the
 * times of maximum demand and extremes (A.17, A.18).
 */
__attribute__((always_inline)) static inline int time_decode_as(enum gdw1376_fmt f, const uint8_t *p, size_t avail, struct mh_tm *t)
{
    const uint64_t l0f = 0x0F0F0F0F0F0F0F0Fu, l06 = 0x0606060606060606u, l10 = 0x1010101010101010u;
    unsigned size = gdw1376_fmts[f].size, wb = time_layout[f].wday_byte, has = time_layout[f].has;
    uint64_t x = 0;
    if (avail >= 8) {
        x = load_le64(p) & (~(uint64_t)0 >> (64 - 8 * size));
    } else {
        for (unsigned k = size; k-- > 0;)
            x = x << 8 | p[k];
    }
    unsigned wday = wb ? (unsigned)(x >> (8 * wb + 5)) & 7 : 0;
    if (wb)
        x &= ~((uint64_t)0xE0 << (8 * wb));
    uint64_t lo = x & l0f, hi = (x >> 4) & l0f;
    if (((lo + l06) | (hi + l06)) & l10)
        return MH_EBADBCD;
    uint64_t v = lo + hi * 10;
    const uint8_t *at = time_layout[f].at;
    unsigned sec = (unsigned)(v >> 8 * at[T_SS]) & 0xFF, min = (unsigned)(v >> 8 * at[T_MM]) & 0xFF,
             hour = (unsigned)(v >> 8 * at[T_HH]) & 0xFF, day = (unsigned)(v >> 8 * at[T_DD]) & 0xFF,
             mon = (unsigned)(v >> 8 * at[T_MO]) & 0xFF, yy = (unsigned)(v >> 8 * at[T_YY]) & 0xFF;
    unsigned year = has & MH_TM_YEAR ? 2000u + yy : 0;
    if (hour > 23 || min > 59 || sec > 59 || ((has & MH_TM_MON) && mon - 1u > 11u))
        return MH_EBADTIME;
    if ((has & MH_TM_DAY) && day - 1u >= (has & MH_TM_MON ? gdw1376_days_in_month(year ? year : 2000, mon) : 31u))
        return MH_EBADTIME;
    *t = (struct mh_tm){.year = (uint16_t)year, .mon = (uint8_t)mon, .day = (uint8_t)day, .hour = (uint8_t)hour,
                        .min = (uint8_t)min, .sec = (uint8_t)sec, .wday = (uint8_t)wday,
                        .has = (uint16_t)(has | (wday ? MH_TM_WDAY : 0))};
    return 0;
}

/* Reads exactly the format's size from p. */
int gdw1376_time_decode(enum gdw1376_fmt f, const uint8_t *p, size_t avail, struct mh_tm *t)
{
    switch (f) {
    case GDW1376_A15: return time_decode_as(GDW1376_A15, p, avail, t);
    case GDW1376_A20: return time_decode_as(GDW1376_A20, p, avail, t);
    case GDW1376_A21: return time_decode_as(GDW1376_A21, p, avail, t);
    case GDW1376_A1: return time_decode_as(GDW1376_A1, p, avail, t);
    case GDW1376_A17: return time_decode_as(GDW1376_A17, p, avail, t);
    case GDW1376_A18: return time_decode_as(GDW1376_A18, p, avail, t);
    default: return time_decode_as(f, p, avail, t);
    }
}

static int encode_time(enum gdw1376_fmt f, const struct mh_tm *t, uint8_t *p)
{
    const unsigned val[T_N] = {t->sec, t->min, t->hour, t->day, t->mon, t->year % 100u};
    for (unsigned m = 0; m < T_N; m++) {
        unsigned at = time_layout[f].at[m];
        if (at == 7)
            continue;
        if (val[m] > 99)
            return MH_ERANGE;
        p[at] = mh_bcd_byte_from((uint8_t)val[m]);
    }
    if (time_layout[f].wday_byte)
        p[time_layout[f].wday_byte] = (uint8_t)(p[time_layout[f].wday_byte] | (t->wday & 7) << 5);
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
    case K_A2:
    case K_A3:
        fmt_decode_bcd(d, p, v);
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
        v->kind = gdw1376_time_decode(f, p, n, &v->time) == 0 ? GDW1376_V_TIME : GDW1376_V_NODATA;
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
