/*
 * Private to src/proto/gdw1376: the appendix A format table (fmt.c), read
 * inline by the Fn walk (fn.c), which decodes a field per value. The table
 * is the decode plan of a format: size, kind, exponent and the bits of the
 * top byte that are digits, so the walk derives nothing per value.
 */
#ifndef MH_PROTO_GDW1376_FMT_INT_H
#define MH_PROTO_GDW1376_FMT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"

/*
 * K_BCD: digits with a sign in D7 of the top byte (is_signed) or none;
 * K_A2 / K_A3: BCD with their own sign, exponent and unit bits (A.2, A.3).
 */
enum { K_BCD, K_A2, K_A3, K_TIME, K_ADDR, K_BIN, K_ASCII, K_HEX };

struct gdw1376_fmt_def {
    uint8_t size;
    uint8_t decimals;
    uint8_t is_signed; /* sign (A.4: direction) in bit 7 of the top byte */
    uint8_t kind;      /* K_* */
    uint8_t top_mask;  /* BCD kinds: the digit bits of the top byte (sign, exponent, unit bits cleared) */
    const char *name;
};

/*
 * The plan of each format: size, decimals, signed, kind, digit bits of the
 * top byte. The format table (fmt.c) and the Fn table's per-field plans
 * (fn_table.c, FMT_FIELD_PLAN) both expand these, so they cannot disagree.
 */
#define FMT_PLAN_A1 6, 0, 0, K_TIME, 0
#define FMT_PLAN_A2 2, 0, 0, K_A2, 0x0F
#define FMT_PLAN_A3 4, 0, 0, K_A3, 0x0F
#define FMT_PLAN_A4 1, 0, 1, K_BCD, 0x7F
#define FMT_PLAN_A5 2, 1, 1, K_BCD, 0x7F
#define FMT_PLAN_A6 2, 2, 1, K_BCD, 0x7F
#define FMT_PLAN_A7 2, 1, 0, K_BCD, 0xFF
#define FMT_PLAN_A8 2, 0, 0, K_BCD, 0xFF
#define FMT_PLAN_A9 3, 4, 1, K_BCD, 0x7F
#define FMT_PLAN_A10 3, 0, 0, K_BCD, 0xFF
#define FMT_PLAN_A11 4, 2, 0, K_BCD, 0xFF
#define FMT_PLAN_A12 6, 0, 0, K_ADDR, 0
#define FMT_PLAN_A13 4, 4, 0, K_BCD, 0xFF
#define FMT_PLAN_A14 5, 4, 0, K_BCD, 0xFF
#define FMT_PLAN_A15 5, 0, 0, K_TIME, 0
#define FMT_PLAN_A16 4, 0, 0, K_TIME, 0
#define FMT_PLAN_A17 4, 0, 0, K_TIME, 0
#define FMT_PLAN_A18 3, 0, 0, K_TIME, 0
#define FMT_PLAN_A19 2, 0, 0, K_TIME, 0
#define FMT_PLAN_A20 3, 0, 0, K_TIME, 0
#define FMT_PLAN_A21 2, 0, 0, K_TIME, 0
#define FMT_PLAN_A22 1, 1, 0, K_BCD, 0xFF
#define FMT_PLAN_A23 3, 4, 0, K_BCD, 0xFF
#define FMT_PLAN_A24 2, 0, 0, K_TIME, 0
#define FMT_PLAN_A25 3, 3, 1, K_BCD, 0x7F
#define FMT_PLAN_A26 2, 3, 0, K_BCD, 0xFF
#define FMT_PLAN_A27 4, 0, 0, K_BCD, 0xFF
#define FMT_PLAN_A28 3, 2, 0, K_BCD, 0xFF
#define FMT_PLAN_FMT_BIN1 1, 0, 0, K_BIN, 0
#define FMT_PLAN_FMT_BIN2 2, 0, 0, K_BIN, 0
#define FMT_PLAN_FMT_BIN4 4, 0, 0, K_BIN, 0
#define FMT_PLAN_FMT_BS8 1, 0, 0, K_BIN, 0
#define FMT_PLAN_FMT_BS16 2, 0, 0, K_BIN, 0
#define FMT_PLAN_FMT_ASCII4 4, 0, 0, K_ASCII, 0
#define FMT_PLAN_FMT_ASCII8 8, 0, 0, K_ASCII, 0
#define FMT_PLAN_FMT_ASCII11 11, 0, 0, K_ASCII, 0
#define FMT_PLAN_FMT_HEX6 6, 0, 0, K_HEX, 0

/*
 * struct gdw1376_field's plan, bcd_size and bcd_exp for
 * a field of format `fmt` (FMT_PLAN_<fmt>) with its role and scale: the
 * values of K_BCD formats (sign in D7 or none), the one-byte tariff count,
 * the times and the two- and four-byte binary values decode inline; A.2,
 * A.3 and every other kind the general way.
 */
#define FMT_FIELD_PLAN_(size, dec, sgn, kind, top, role, scale)                                              \
    (uint8_t)((kind) == K_BCD && ((role) == GDW1376_R_VALUE || (role) == GDW1376_R_OCCURRED) ? GDW1376_PLAN_BCD \
              : (kind) == K_BIN && (size) == 1 && (role) == GDW1376_R_TARIFFS ? GDW1376_PLAN_TARIFFS        \
              : (kind) == K_BIN && ((size) == 2 || (size) == 4) && (role) == GDW1376_R_VALUE ? GDW1376_PLAN_BIN \
              : (kind) == K_TIME && (role) != GDW1376_R_TARIFFS && (role) != GDW1376_R_COUNT &&              \
                      (role) != GDW1376_R_DENSITY && (role) != GDW1376_R_POINTS                              \
                  ? GDW1376_PLAN_TIME                                                                        \
                  : GDW1376_PLAN_STEP),                                                                      \
        (uint8_t)(size), (int8_t)((scale) - (dec))
#define FMT_FIELD_PLAN_X(...) FMT_FIELD_PLAN_(__VA_ARGS__)
#define FMT_FIELD_PLAN(fmt, role, scale) FMT_FIELD_PLAN_X(FMT_PLAN_##fmt, GDW1376_R_##role, scale)

/*
 * struct gdw1376_field's bcd_mask: the digit bits of a K_BCD format's
 * bytes as one little-endian word (the top byte's through its mask, bytes
 * past the field cleared); a time's bytes (its memo key, fn.c); 0 for the
 * other kinds.
 */
#define FMT_FIELD_MASK_(size, dec, sgn, kind, top)                                                          \
    ((kind) == K_BCD && (size) >= 1 && (size) <= 8                                                          \
         ? (((uint64_t)1 << (8 * ((size) - 1) % 64)) - 1) | ((uint64_t)(top) << (8 * ((size) - 1) % 64))    \
     : (kind) == K_TIME && (size) >= 1 && (size) <= 7 ? ((uint64_t)1 << (8 * (size) % 64)) - 1              \
                                                      : 0)
#define FMT_FIELD_MASK_X(...) FMT_FIELD_MASK_(__VA_ARGS__)
#define FMT_FIELD_MASK(fmt) FMT_FIELD_MASK_X(FMT_PLAN_##fmt)
/* struct gdw1376_field's bcd_sign: D7 of a signed K_BCD format's top byte in that word; 0 otherwise. */
#define FMT_FIELD_SIGN_(size, dec, sgn, kind, top)                                                          \
    ((kind) == K_BCD && (sgn) && (size) >= 1 && (size) <= 8 ? (uint64_t)0x80 << (8 * ((size) - 1) % 64) : 0)
#define FMT_FIELD_SIGN_X(...) FMT_FIELD_SIGN_(__VA_ARGS__)
#define FMT_FIELD_SIGN(fmt) FMT_FIELD_SIGN_X(FMT_PLAN_##fmt)

/* struct gdw1376_field's open (enum gdw1376_open) from the field's rep and span. */
#define FMT_FIELD_OPEN(rep, span)                                                                           \
    (uint8_t)((span) > 1 ? GDW1376_OPEN_GROUP                                                               \
              : (rep) == GDW1376_REP_ONCE ? GDW1376_OPEN_ONCE                                               \
              : (rep) == GDW1376_REP_TARIFFS ? GDW1376_OPEN_TARIFFS                                         \
                                             : GDW1376_OPEN_GROUP)

/* Indexed by enum gdw1376_fmt; entry 0 is empty (size 0). */
extern const struct gdw1376_fmt_def gdw1376_fmts[GDW1376_FMT_COUNT_];

static inline size_t fmt_size(enum gdw1376_fmt f)
{
    return (unsigned)f < GDW1376_FMT_COUNT_ ? gdw1376_fmts[f].size : 0;
}

/* Days of a month (1..12) in a year, leap years included; 31 for an out-of-range month. */
static inline unsigned gdw1376_days_in_month(unsigned year, unsigned mon)
{
    static const unsigned char days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mon != 2)
        return mon >= 1 && mon <= 12 ? days[mon - 1] : 31;
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28;
}

/*
 * A time field of format f (a K_TIME entry) at p, avail bytes readable (at
 * least its size): 0, MH_EBADBCD or MH_EBADTIME (*t untouched then).
 */
int gdw1376_time_decode(enum gdw1376_fmt f, const uint8_t *p, size_t avail, struct mh_tm *t);

/*
 * BCD numbers, the hot path of every data block: the digits through the
 * table (gdw1376_bcd_le), then the sign and exponent of the format.
 */
static inline void fmt_decode_bcd(const struct gdw1376_fmt_def *d, const uint8_t *p, struct gdw1376_value *v)
{
    unsigned size = d->size, top = p[size - 1], bad;
    uint64_t mag = gdw1376_bcd_le(p, size, d->top_mask, &bad);
    if (bad) {
        v->kind = GDW1376_V_NODATA;
        v->num = mh_dec_make(0, 0);
        return;
    }
    int neg, exp;
    if (d->kind == K_A2) {
        /* byte 2: D7..D5 exponent G, D4 sign, D3..D0 hundreds: value = digits x 10^(4-G) */
        neg = (top >> 4) & 1;
        exp = 4 - (int)(top >> 5);
    } else if (d->kind == K_A3) {
        /* byte 4: D6 unit (1 = MWh / 10^4 yuan), D4 sign, D3..D0 top digit */
        neg = (top >> 4) & 1;
        exp = (top & 0x40) ? 3 : 0;
    } else { /* A.4 direction bit, A.5 A.6 A.9 A.25 sign bit: D7 of the top byte */
        neg = d->is_signed ? (int)(top >> 7) : 0;
        exp = -(int)d->decimals;
    }
    v->kind = GDW1376_V_NUM;
    v->num = mh_dec_make(neg ? -(int64_t)mag : (int64_t)mag, exp);
}

/*
 * gdw1376_fmt_decode with the BCD numbers, most of every block, the
 * one-byte counts and the times inline: the Fn walk calls this once per value. Returns
 * the field's size, or a negative MH_E* code.
 */
static inline int fmt_decode_inline(enum gdw1376_fmt f, const uint8_t *p, size_t n, struct gdw1376_value *v)
{
    if ((unsigned)f >= GDW1376_FMT_COUNT_)
        return MH_EINVAL;
    const struct gdw1376_fmt_def *d = &gdw1376_fmts[f];
    size_t size = d->size;
    if (size == 0 || n < size || d->kind > K_A3) {
        if (size == 1 && n >= 1 && d->kind == K_BIN) { /* counts, density: never "no data" */
            v->kind = GDW1376_V_NUM;
            v->num = mh_dec_make(p[0], 0);
            v->time.has = 0;
            v->text[0] = '\0';
            return 1;
        }
        if (size <= n && d->kind == K_TIME) { /* Td_c, freeze dates: one per block */
            v->num = mh_dec_make(0, 0);
            v->time.has = 0;
            v->text[0] = '\0';
            v->kind = gdw1376_time_decode(f, p, n, &v->time) == 0 ? GDW1376_V_TIME : GDW1376_V_NODATA;
            return (int)size;
        }
        int rc = gdw1376_fmt_decode(f, p, n, v);
        return rc < 0 ? rc : (int)size;
    }
    v->time.has = 0;
    v->text[0] = '\0';
    fmt_decode_bcd(d, p, v);
    return (int)size;
}

#endif
