/*
 * Private to src/proto/gdw1376: the appendix A format table (fmt.c), read
 * inline by the Fn walk (fn.c), which sizes a field per value decoded.
 */
#ifndef MH_PROTO_GDW1376_FMT_INT_H
#define MH_PROTO_GDW1376_FMT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/proto/gdw1376.h"

enum { K_BCD, K_TIME, K_ADDR, K_BIN, K_ASCII, K_HEX };

struct gdw1376_fmt_def {
    uint8_t size;
    uint8_t decimals;
    uint8_t is_signed; /* sign (A.4: direction) in bit 7 of the top byte */
    uint8_t kind;      /* K_* */
    const char *name;
};

/* Indexed by enum gdw1376_fmt; entry 0 is empty (size 0). */
extern const struct gdw1376_fmt_def gdw1376_fmts[GDW1376_FMT_COUNT_];

static inline size_t fmt_size(enum gdw1376_fmt f)
{
    return (unsigned)f < GDW1376_FMT_COUNT_ ? gdw1376_fmts[f].size : 0;
}

/* Value of a BCD byte (0..99), 0xFF when a nibble is above 9. */
extern const uint8_t gdw1376_bcd_value[256];

/*
 * BCD numbers, the hot path of every data block: one pass over the bytes,
 * most significant first, that folds the sign/exponent bits and checks
 * every nibble through the table. An EE or FF fill has nibbles above 9 in
 * every format (the sign and flag bits masked off leave E or F), so it
 * lands in "no data" with the invalid digits, without a separate scan.
 */
static inline void fmt_decode_bcd(enum gdw1376_fmt f, const struct gdw1376_fmt_def *d, const uint8_t *p, struct gdw1376_value *v)
{
    unsigned size = d->size, top = p[size - 1];
    int neg = 0, exp = -(int)d->decimals;
    if (f == GDW1376_A2) {
        /* byte 2: D7..D5 exponent G, D4 sign, D3..D0 hundreds: value = digits x 10^(4-G) */
        neg = (top >> 4) & 1;
        exp = 4 - (int)(top >> 5);
        top &= 0x0F;
    } else if (f == GDW1376_A3) {
        /* byte 4: D6 unit (1 = MWh / 10^4 yuan), D4 sign, D3..D0 top digit */
        neg = (top >> 4) & 1;
        exp = (top & 0x40) ? 3 : 0;
        top &= 0x0F;
    } else if (d->is_signed) { /* A.4 direction bit, A.5 A.6 A.9 A.25 sign bit: D7 of the top byte */
        neg = top >> 7;
        top &= 0x7F;
    }
    unsigned bad = gdw1376_bcd_value[top];
    uint64_t mag = bad;
    for (unsigned k = size - 1; k-- > 0;) {
        unsigned b = gdw1376_bcd_value[p[k]];
        bad |= b;
        mag = mag * 100 + b;
    }
    if (bad & 0x80) {
        v->kind = GDW1376_V_NODATA;
        return;
    }
    v->kind = GDW1376_V_NUM;
    v->num = mh_dec_make(neg ? -(int64_t)mag : (int64_t)mag, exp);
}

/*
 * gdw1376_fmt_decode with the BCD numbers, most of every block, inline:
 * the Fn walk calls this once per value. Returns the field's size, or a
 * negative MH_E* code.
 */
static inline int fmt_decode_inline(enum gdw1376_fmt f, const uint8_t *p, size_t n, struct gdw1376_value *v)
{
    size_t size = fmt_size(f);
    if (size == 0 || n < size || gdw1376_fmts[f].kind != K_BCD) {
        int rc = gdw1376_fmt_decode(f, p, n, v);
        return rc < 0 ? rc : (int)size;
    }
    v->time.has = 0;
    v->text[0] = '\0';
    fmt_decode_bcd(f, &gdw1376_fmts[f], p, v);
    return (int)size;
}

#endif
