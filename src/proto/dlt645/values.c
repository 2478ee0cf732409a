/*
 * DL/T 645 data formats, one value from its bytes and back, and the values
 * of a response under the dictionary (dict.c). Formats per
 * DL/T 645-2007 appendix A (BCD, low byte first; signed quantities carry
 * the sign in bit 7 of the most significant byte).
 */
#include <stddef.h>
#include <string.h>

#include "dlt645_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/bcd.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/item.h"

/* Value of a BCD byte, 0xFF when a nibble is above 9. */
#define BV(x) ((((x) & 15) <= 9 && ((x) >> 4) <= 9) ? (((x) >> 4) * 10 + ((x) & 15)) : 0xFF)
/* The same of a byte as on the wire, +0x33 still on (DL/T 645-2007 4.1.5: x - 0x33 is x + 0xCD modulo 256). */
#define BW(x) BV(((x) + 0xCD) & 0xFF)
#define T4(F, x) F(x), F((x) + 1), F((x) + 2), F((x) + 3)
#define T16(F, x) T4(F, x), T4(F, (x) + 4), T4(F, (x) + 8), T4(F, (x) + 12)
#define T64(F, x) T16(F, x), T16(F, (x) + 16), T16(F, (x) + 32), T16(F, (x) + 48)
static const uint8_t bcd_val[256] = {T64(BV, 0), T64(BV, 64), T64(BV, 128), T64(BV, 192)};
static const uint8_t bcd_wire[256] = {T64(BW, 0), T64(BW, 64), T64(BW, 128), T64(BW, 192)};

/* Bytes of a time format (MMDDNN and HHMMNN: with their number byte). */
static size_t time_size(enum dlt645_fmt fmt)
{
    switch (fmt) {
    case DLT645_FMT_YYMMDDHHMMSS:
        return 6;
    case DLT645_FMT_YYMMDDHHMM:
        return 5;
    case DLT645_FMT_YYMMDDWW:
    case DLT645_FMT_MMDDHHMM:
        return 4;
    case DLT645_FMT_DDHH:
        return 2;
    default:
        return 3;
    }
}

static int fmt_size(enum dlt645_fmt fmt, size_t n)
{
    switch (fmt) {
    case DLT645_FMT_YYMMDDHHMM:
    case DLT645_FMT_YYMMDDHHMMSS:
    case DLT645_FMT_YYMMDDWW:
    case DLT645_FMT_MMDDHHMM:
    case DLT645_FMT_HHMMSS:
    case DLT645_FMT_DDHH:
    case DLT645_FMT_MMDDNN:
    case DLT645_FMT_HHMMNN:
        return n == time_size(fmt);
    case DLT645_FMT_DEMAND:
        return n == 8;
    case DLT645_FMT_ADDRESS:
        return n == 6;
    case DLT645_FMT_BCD:
    case DLT645_FMT_SBCD:
        return n >= 1 && n <= 8;
    case DLT645_FMT_BITS:
        return n >= 1 && n <= 4;
    case DLT645_FMT_RAW:
    case DLT645_FMT_ASCII:
        return n <= 0xFFFF;
    default:
        return 0; /* records are not one value */
    }
}

/* Time fields, least significant first: which mh_tm fields, in wire order (bytes through tab: bcd_val or bcd_wire). */
static inline int decode_time_at(enum dlt645_fmt fmt, const uint8_t *p, const uint8_t *tab, struct mh_tm *t)
{
    uint8_t v[6];
    size_t n = time_size(fmt);
    for (size_t k = 0; k < n; k++) {
        v[k] = tab[p[k]];
        if (v[k] == 0xFF)
            return MH_EBADBCD;
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
    case DLT645_FMT_DDHH: /* hh DD */
        t->hour = v[0], t->day = v[1];
        t->has = MH_TM_DAY | MH_TM_HOUR;
        break;
    case DLT645_FMT_MMDDNN: /* (NN) DD MM: the number is decoded by the caller */
        t->day = v[1], t->mon = v[2];
        t->has = MH_TM_MON | MH_TM_DAY;
        break;
    case DLT645_FMT_HHMMNN: /* (NN) mm hh */
        t->min = v[1], t->hour = v[2];
        t->has = MH_TM_HM;
        break;
    default: /* ss mm hh */
        t->sec = v[0], t->min = v[1], t->hour = v[2];
        t->has = MH_TM_HMS;
        break;
    }
    return mh_tm_check(t) == 0 ? 0 : MH_EBADTIME;
}

static int decode_time(enum dlt645_fmt fmt, const uint8_t *p, struct mh_tm *t)
{
    return decode_time_at(fmt, p, bcd_val, t);
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
    case DLT645_FMT_DDHH:
        v[0] = t->hour, v[1] = t->day, n = 2;
        break;
    case DLT645_FMT_MMDDNN:
        v[0] = 0, v[1] = t->day, v[2] = t->mon, n = 3;
        break;
    case DLT645_FMT_HHMMNN:
        v[0] = 0, v[1] = t->min, v[2] = t->hour, n = 3;
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

/*
 * BCD magnitude of n (1..8) bytes, least significant first; the sign from
 * bit 7 of the top byte when signed. This runs for every number of every
 * frame: one table load per byte (0xFF marks a byte that is not two
 * digits; no value has bit 7 set, so one test at the end catches any),
 * unrolled for the usual widths of 2 to 4 bytes. Bytes are read as they
 * are less off (0, or 0x33 for bytes as on the wire with tab = bcd_wire),
 * so the wire's offset costs nothing here.
 */
static inline int decode_bcd_at(const uint8_t *p, size_t n, int is_signed, uint8_t off, const uint8_t *tab,
                                int64_t *out)
{
    uint8_t top = (uint8_t)(p[n - 1] - off);
    int neg = is_signed && (top & 0x80);
    unsigned b = bcd_val[is_signed ? top & 0x7F : top], bad = b;
    uint64_t v = b;
    switch (n) {
    case 4:
        b = tab[p[2]], bad |= b, v = v * 100 + b;
        /* fall through */
    case 3:
        b = tab[p[1]], bad |= b, v = v * 100 + b;
        /* fall through */
    case 2:
        b = tab[p[0]], bad |= b, v = v * 100 + b;
        /* fall through */
    case 1:
        break;
    default:
        for (size_t i = n - 1; i-- > 0;) {
            b = tab[p[i]], bad |= b;
            v = v * 100 + b;
        }
        break;
    }
    *out = neg ? -(int64_t)v : (int64_t)v; /* set either way: the caller's store needs no branch */
    return bad & 0x80 ? MH_EBADBCD : 0;
}

static inline int decode_bcd(const uint8_t *p, size_t n, int is_signed, int64_t *out)
{
    return decode_bcd_at(p, n, is_signed, 0, bcd_val, out);
}

int dlt645_value_decode(enum dlt645_fmt fmt, unsigned decimals, const uint8_t *p, size_t n,
                        struct dlt645_value *v)
{
    /* Only what every kind needs is set here: this runs for every value of every frame. */
    v->tariff = v->phase = v->settlement = 0;
    v->item = 0;
    v->unit = 0;
    v->name = NULL;
    v->raw = p;
    v->raw_len = (uint16_t)n;
    if (!fmt_size(fmt, n))
        return MH_EINVAL;
    /*
     * The meter's "no data" (every byte FF, or EE as concentrators fill
     * in) is never valid BCD, so every BCD-based format below reports it as
     * NODATA without a separate scan.
     */
    int64_t m;
    switch (fmt) {
    case DLT645_FMT_BCD:
    case DLT645_FMT_SBCD:
        if (decode_bcd(p, n, fmt == DLT645_FMT_SBCD, &m) != 0) {
            v->kind = DLT645_V_NODATA;
            return 0;
        }
        v->kind = DLT645_V_NUM;
        v->num = mh_dec_make(m, -(int)decimals);
        return 0;
    case DLT645_FMT_DEMAND:
        if (decode_bcd(p, 3, 0, &m) != 0 || decode_time(DLT645_FMT_YYMMDDHHMM, p + 3, &v->time) != 0) {
            v->kind = DLT645_V_NODATA;
            return 0;
        }
        v->kind = DLT645_V_NUM_TIME;
        v->num = mh_dec_make(m, -(int)decimals);
        return 0;
    case DLT645_FMT_MMDDNN:
    case DLT645_FMT_HHMMNN:
        if (decode_time(fmt, p, &v->time) != 0 || bcd_val[p[0]] == 0xFF) {
            v->kind = DLT645_V_NODATA;
            return 0;
        }
        v->kind = DLT645_V_NUM_TIME; /* the start and the table / tariff number */
        v->num = mh_dec_make(bcd_val[p[0]], 0);
        return 0;
    case DLT645_FMT_YYMMDDHHMM:
    case DLT645_FMT_YYMMDDHHMMSS:
    case DLT645_FMT_YYMMDDWW:
    case DLT645_FMT_HHMMSS:
    case DLT645_FMT_MMDDHHMM:
    case DLT645_FMT_DDHH:
        v->kind = decode_time(fmt, p, &v->time) == 0 ? DLT645_V_TIME : DLT645_V_NODATA;
        return 0;
    case DLT645_FMT_BITS:
        v->kind = DLT645_V_BITS;
        v->bits = 0;
        for (size_t k = n; k-- > 0;)
            v->bits = v->bits << 8 | p[k];
        return 0;
    case DLT645_FMT_ADDRESS:
        for (size_t k = 0; k < 6; k++)
            if (bcd_val[p[k]] == 0xFF) {
                v->kind = DLT645_V_NODATA;
                return 0;
            }
        v->kind = DLT645_V_ADDRESS;
        dlt645_addr_format(p, v->text);
        return 0;
    case DLT645_FMT_ASCII:
        v->kind = DLT645_V_TEXT;
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
    case DLT645_FMT_MMDDNN:
    case DLT645_FMT_HHMMNN:
        if (v->num.exp != 0 || v->num.m < 0 || v->num.m > 99)
            return MH_ERANGE;
        if (encode_time(fmt, &v->time, p) != 0)
            return MH_ERANGE;
        p[0] = mh_bcd_byte_from((uint8_t)v->num.m);
        return 0;
    case DLT645_FMT_DDHH:
    case DLT645_FMT_YYMMDDHHMM:
    case DLT645_FMT_YYMMDDHHMMSS:
    case DLT645_FMT_YYMMDDWW:
    case DLT645_FMT_HHMMSS:
    case DLT645_FMT_MMDDHHMM:
        return encode_time(fmt, &v->time, p);
    case DLT645_FMT_BITS:
        if (n < 4 && (v->bits >> (8 * n)) != 0)
            return MH_ERANGE;
        for (size_t k = 0; k < n; k++)
            p[k] = (uint8_t)(v->bits >> (8 * k));
        return 0;
    case DLT645_FMT_ADDRESS:
        return dlt645_addr_parse(v->text, p);
    default:
        if (v->raw_len != n)
            return MH_EINVAL;
        if (n > 0)
            memcpy(p, v->raw, n);
        return 0;
    }
}


/* ---- the values of a response, under the dictionary ---- */

/*
 * Item of a per-phase quantity: OBIS L1 = C + 20, L2 = C + 40, L3 = C + 60
 * (IEC 62056-61 7.5.1); base is the item's C brought back to the total's.
 */
static inline unsigned phase_base(uint32_t item)
{
    unsigned c = MH_OBIS_C(item);
    return c > 60 ? c - 60 : (c > 40 ? c - 40 : (c > 20 ? c - 20 : c));
}

static inline uint32_t phase_item(uint32_t item, unsigned base, unsigned phase)
{
    if (!item || !phase)
        return item;
    if (MH_OBIS_A(item) != 1)
        return 0; /* device items (counts, times) have no per-phase code */
    if (item == MH_ITEM_ANG_I1_U1)
        return phase == 1 ? MH_ITEM_ANG_I1_U1 : (phase == 2 ? MH_ITEM_ANG_I2_U2 : MH_ITEM_ANG_I3_U3);
    return (item & ~(0xFFu << 16)) | (uint32_t)(base + 20 * phase) << 16;
}

static inline int is_block(const struct dlt645_di_def *d, uint32_t di)
{
    if (d->flags & DLT645_DI_BLOCK)
        return 1;
    if (d->edition == DLT645_1997)
        return (d->flags & (DLT645_DI_1997_TARIFF | DLT645_DI_1997_PHASE)) && (di & 0x0F) == 0x0F;
    return (d->flags & (DLT645_DI_TARIFF | DLT645_DI_PHASE_DI1)) && ((di >> 8) & 0xFF) == 0xFF;
}

/* The fields of a record, one value each; the last field may take the rest. */
static int decode_record(const struct dlt645_di_def *d, uint32_t di, const uint8_t *p, size_t len,
                         struct dlt645_value *out, size_t max)
{
    size_t off = 0, count = 0;
    uint8_t last = (d->flags & DLT645_DI_LAST_N) ? (uint8_t)(di & 0xFF) : 0;
    for (unsigned i = 0; i < d->nfields; i++) {
        const struct dlt645_field *f = &d->fields[i];
        size_t nb = f->bytes ? f->bytes : len - off;
        if (nb > len - off)
            return MH_EBADLEN;
        if (count < max) {
            struct dlt645_value *v = &out[count++];
            dlt645_value_decode((enum dlt645_fmt)f->fmt, f->decimals, p + off, nb, v);
            v->item = f->item;
            v->unit = f->unit;
            v->name = f->name;
            v->settlement = last;
        }
        off += nb;
    }
    return off == len ? (int)count : MH_EBADLEN;
}

/*
 * The first bytes of a value (kind, tariff, phase, settlement, unit) as one
 * word, built through the struct so that it holds on any byte order: a
 * number takes one store for all five, and a block steps tariff or phase
 * by adding a word of the same make (no byte carries: a block has at most
 * 255 values).
 */
_Static_assert(offsetof(struct dlt645_value, item) == sizeof(uint64_t), "value head is one word");
static inline uint64_t value_head(unsigned kind, unsigned tariff, unsigned phase, unsigned settle, unsigned unit)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* The same word, said directly (the struct's first five bytes in order). */
    return (uint64_t)(uint8_t)kind | (uint64_t)(uint8_t)tariff << 8 | (uint64_t)(uint8_t)phase << 16 |
           (uint64_t)(uint8_t)settle << 24 | (uint64_t)(uint8_t)unit << 32;
#endif
    struct dlt645_value t;
    memset(&t, 0, sizeof(uint64_t));
    t.kind = (uint8_t)kind, t.tariff = (uint8_t)tariff, t.phase = (uint8_t)phase;
    t.settlement = (uint8_t)settle, t.unit = (uint8_t)unit;
    uint64_t h;
    memcpy(&h, &t, sizeof h);
    return h;
}

/*
 * How the values of a block follow each other: the first value's tariff,
 * phase and item, and what each adds per value. Blocks step one of
 * tariff (total, tariff 1, 2 ...), phase (A, B, C or total, A, B, C) or
 * item (status words 1..7); their items then grow by a constant (E by 1,
 * OBIS C by 20 per phase: phase_item), except the phase angles and device
 * items, which take the exact path (items_exact).
 */
struct steps {
    unsigned tariff, phase, settle, dt, dp;
    uint32_t item, di;
    int linear; /* item of value k = item + k * di */
};

/* Exact items of a stepped block (phase_item per value), for what is not linear. */
static void items_exact(const struct dlt645_di_def *d, const struct steps *s, unsigned step_item,
                        struct dlt645_value *out, size_t count)
{
    uint32_t item = d->item;
    unsigned base = phase_base(item);
    for (size_t k = 0; k < count; k++) {
        unsigned t = s->tariff + s->dt * (unsigned)k, ph = s->phase + s->dp * (unsigned)k;
        uint32_t it = item;
        if (it) {
            it = phase_item(it + (step_item ? (uint32_t)k : 0), base, ph);
            if (t && it)
                it = MH_OBIS_TARIFF(it, t);
        }
        out[k].item = it;
    }
}

/* Parameters from the identifier (flags in dlt645.h) and how a block of count values steps them. */
static unsigned block_steps(const struct dlt645_di_def *d, uint32_t di, enum dlt645_edition ed, size_t count,
                            struct steps *s)
{
    unsigned f = d->flags, step_item = 0;
    *s = (struct steps){0};
    if (ed == DLT645_1997) {
        unsigned low = di & 0x0F;
        if (f & DLT645_DI_1997_TARIFF)
            s->tariff = low == 0x0F ? (s->dt = 1, 0) : low;
        if (f & DLT645_DI_1997_PHASE)
            s->phase = low == 0x0F ? (s->dp = 1, (f & DLT645_DI_PHASE_TOTAL) ? 0 : 1) : low;
        if (f & DLT645_DI_1997_MONTH)
            s->settle = ((di >> 8) & 0x0C) >> 2;
    } else {
        unsigned di1 = (di >> 8) & 0xFF;
        if (f & (DLT645_DI_SETTLE | DLT645_DI_LAST_N))
            s->settle = di & 0xFF;
        if (f & DLT645_DI_TARIFF)
            s->tariff = di1 == 0xFF ? (s->dt = 1, 0) : di1;
        else if ((f & DLT645_DI_BLOCK) && (f & DLT645_DI_FREEZE))
            s->dt = 1; /* frozen energy and demand: total, tariff 1, 2 ... */
        if (f & DLT645_DI_PHASE_DI1)
            s->phase = di1 == 0xFF ? (s->dp = 1, (f & DLT645_DI_PHASE_TOTAL) ? 0 : 1) : di1;
        if (d->fmt == DLT645_FMT_BITS && (f & DLT645_DI_BLOCK))
            step_item = 1; /* status words 1..7 */
    }
    uint32_t item = d->item;
    s->linear = 1;
    if (!item)
        return step_item;
    if (!(s->dt | s->dp | step_item)) {
        if (s->phase)
            item = phase_item(item, phase_base(item), s->phase);
        if (item && s->tariff)
            item = MH_OBIS_TARIFF(item, s->tariff);
        s->item = item;
        return 0;
    }
    /* One step at a time, each linear only where the item's fields cannot overflow. */
    item = phase_item(item, phase_base(item), s->phase);
    if (item && s->tariff)
        item = MH_OBIS_TARIFF(item, s->tariff);
    s->item = item;
    if (s->dt && !s->dp && !step_item)
        s->di = 1, s->linear = item && MH_OBIS_E(item) == 0 && count <= 256;
    else if (s->dp && !s->dt && !step_item)
        s->di = (uint32_t)20 << 16,
        s->linear = item && MH_OBIS_A(item) == 1 && d->item != MH_ITEM_ANG_I1_U1 && !s->tariff &&
                    MH_OBIS_C(item) == phase_base(d->item) + 20 * s->phase &&
                    phase_base(d->item) + 20 * (s->phase + count - 1) <= 0xFF;
    else if (step_item && !s->dt && !s->dp)
        s->di = 1, s->linear = !s->phase && !s->tariff; /* exact: the item itself counts up */
    else
        s->linear = 0;
    return step_item;
}

/* What a value is: tariff, phase, settlement, unit and item of value k (linear steps; items_exact fixes the rest). */
static inline void value_what(const struct dlt645_di_def *d, const struct steps *s, size_t k, struct dlt645_value *v)
{
    v->tariff = (uint8_t)(s->tariff + s->dt * k), v->phase = (uint8_t)(s->phase + s->dp * k);
    v->settlement = (uint8_t)s->settle, v->unit = d->unit;
    v->item = s->linear ? s->item + s->di * (uint32_t)k : 0;
    v->name = NULL;
}

/* The stores of a number: the head word, its item, the number and where it came from. */
static inline void put_number(struct dlt645_value *v, uint64_t head, uint32_t item, int64_t m, int8_t exp,
                              const uint8_t *p, size_t n)
{
    memcpy(v, &head, sizeof head);
    v->item = item;
    v->name = NULL;
    v->num.m = m;
    v->num.exp = exp;
    v->raw = p;
    v->raw_len = (uint16_t)n;
}

/* count BCD / SBCD numbers of per bytes each, read less off (inlined per width). */
static inline void num_block(const struct dlt645_di_def *d, const struct steps *s, const uint8_t *p, size_t per,
                             int is_signed, uint8_t off, struct dlt645_value *out, size_t count)
{
    int8_t exp = (int8_t)-(int)d->decimals;
    const uint8_t *tab = off ? bcd_wire : bcd_val;
    uint64_t head = value_head(DLT645_V_NUM, s->tariff, s->phase, s->settle, d->unit);
    uint64_t step = value_head(0, s->dt, s->dp, 0, 0);
    uint64_t nodata = value_head(DLT645_V_NODATA, 0, 0, 0, 0);
    uint32_t item = s->linear ? s->item : 0, istep = s->linear ? s->di : 0;
    for (size_t k = 0; k < count; k++, p += per, head += step, item += istep) {
        struct dlt645_value *v = &out[k];
        int64_t m;
        uint64_t h = decode_bcd_at(p, per, is_signed, off, tab, &m) == 0 ? head : head | nodata; /* V_NUM is 0 */
        put_number(v, h, item, m, exp, p, per);
    }
}

/*
 * Values of the other formats (demand, times, bits ...), one
 * dlt645_value_decode each; from the wire (off 0x33) through a plain copy
 * of the value's bytes, raw then pointing back at the wire.
 */
__attribute__((noinline)) static void other_block(const struct dlt645_di_def *d, const struct steps *s,
                                                  const uint8_t *p, size_t per, uint8_t off,
                                                  struct dlt645_value *out, size_t count)
{
    uint8_t plain[UINT8_MAX];
    for (size_t k = 0; k < count; k++, p += per) {
        const uint8_t *q = p;
        if (off) {
            for (size_t i = 0; i < per; i++)
                plain[i] = (uint8_t)(p[i] - off);
            q = plain;
        }
        dlt645_value_decode((enum dlt645_fmt)d->fmt, d->decimals, q, per, &out[k]);
        out[k].raw = p;
        value_what(d, s, k, &out[k]);
    }
}

/* Records and load records from the wire: decoded from a plain copy, raw pointed back at the wire. */
static int whole_from_wire(const struct dlt645_di_def *d, uint32_t di, const uint8_t *wire, size_t len,
                           struct dlt645_value *out, size_t max)
{
    uint8_t plain[DLT645_MAX_DATA];
    if (len > sizeof plain)
        return MH_EBADLEN; /* a frame's data never is */
    for (size_t i = 0; i < len; i++)
        plain[i] = (uint8_t)(wire[i] - 0x33);
    int n = d->fmt == DLT645_FMT_RECORD ? decode_record(d, di, plain, len, out, max)
                                        : dlt645_load_decode(plain, len, 0, out, max);
    for (int k = 0; k < n; k++)
        out[k].raw = wire + (out[k].raw - plain);
    return n;
}

/* Status words and other bit fields (1..4 bytes, least significant first), from bytes less off. */
static inline void bits_block(const struct steps *s, unsigned unit, const uint8_t *p, size_t per,
                              uint8_t off, struct dlt645_value *out, size_t count)
{
    uint64_t head = value_head(DLT645_V_BITS, s->tariff, s->phase, s->settle, unit);
    uint64_t step = value_head(0, s->dt, s->dp, 0, 0);
    uint32_t item = s->linear ? s->item : 0, istep = s->linear ? s->di : 0;
    for (size_t k = 0; k < count; k++, p += per, head += step, item += istep) {
        struct dlt645_value *v = &out[k];
        uint32_t bits = 0;
        for (size_t i = per; i-- > 0;)
            bits = bits << 8 | (uint8_t)(p[i] - off);
        memcpy(v, &head, sizeof head);
        v->item = item;
        v->name = NULL;
        v->bits = bits;
        v->raw = p;
        v->raw_len = (uint16_t)per;
    }
}

/* Maximum demand and when (XX.XXXX + YYMMDDhhmm, 8 bytes), from bytes less off. */
static inline void demand_block(const struct dlt645_di_def *d, const struct steps *s, const uint8_t *p,
                                uint8_t off, struct dlt645_value *out, size_t count)
{
    const uint8_t *tab = off ? bcd_wire : bcd_val;
    int8_t exp = (int8_t)-(int)d->decimals;
    uint64_t head = value_head(DLT645_V_NUM_TIME, s->tariff, s->phase, s->settle, d->unit);
    uint64_t step = value_head(0, s->dt, s->dp, 0, 0);
    uint64_t nodata = value_head(DLT645_V_NODATA ^ DLT645_V_NUM_TIME, 0, 0, 0, 0);
    uint32_t item = s->linear ? s->item : 0, istep = s->linear ? s->di : 0;
    for (size_t k = 0; k < count; k++, p += 8, head += step, item += istep) {
        struct dlt645_value *v = &out[k];
        int64_t m;
        int bad = decode_bcd_at(p, 3, 0, off, tab, &m) | decode_time_at(DLT645_FMT_YYMMDDHHMM, p + 3, tab, &v->time);
        put_number(v, bad ? head ^ nodata : head, item, m, exp, p, 8);
    }
}

/* Values in len bytes of per each: widths are 1..8, so divide by constants (a multiply), not by a variable (a div). */
static inline size_t per_count(size_t len, size_t per)
{
    return per == 4 ? len / 4 : per == 3 ? len / 3 : per == 2 ? len / 2 : per == 8 ? len / 8 : len / per;
}

/* The count values of a block (or the one value) at p, per bytes each, stepped as s says. */
__attribute__((always_inline)) static inline void block_values(const struct dlt645_di_def *d,
                                                               const struct steps *s, const uint8_t *p,
                                                               size_t per, uint8_t off,
                                                               struct dlt645_value *out, size_t count)
{
    /* The common cases: a width and a sign the compiler knows; energy (4 bytes) first. */
    unsigned loop = DLT645_LOOP_OF(d->shape);
    if (loop == DLT645_LOOP_BCD4)
        num_block(d, s, p, 4, 0, off, out, count);
    else if (loop == DLT645_LOOP_SBCD3)
        num_block(d, s, p, 3, 1, off, out, count);
    else if (loop == DLT645_LOOP_BCD2)
        num_block(d, s, p, 2, 0, off, out, count);
    else if (loop == DLT645_LOOP_SBCD4)
        num_block(d, s, p, 4, 1, off, out, count);
    else if (loop == DLT645_LOOP_BCD3)
        num_block(d, s, p, 3, 0, off, out, count);
    else if (loop == DLT645_LOOP_NUM)
        num_block(d, s, p, per, d->fmt == DLT645_FMT_SBCD, off, out, count);
    else if (loop == DLT645_LOOP_DEMAND)
        demand_block(d, s, p, off, out, count);
    else if (loop == DLT645_LOOP_BITS)
        bits_block(s, d->unit, p, per, off, out, count);
    else
        other_block(d, s, p, per, off, out, count);
}

/* The values of a response's data p (len bytes, each less off) under row d, by its flags. */
__attribute__((noinline)) static int values_generic(const struct dlt645_di_def *d, uint32_t di, enum dlt645_edition ed,
                                                    const uint8_t *p, size_t len, uint8_t off,
                                                    struct dlt645_value *out, size_t max)
{
    if (d->fmt == DLT645_FMT_RECORD || d->fmt == DLT645_FMT_LOAD) {
        if (off)
            return whole_from_wire(d, di, p, len, out, max);
        return d->fmt == DLT645_FMT_RECORD ? decode_record(d, di, p, len, out, max)
                                           : dlt645_load_decode(p, len, 0, out, max);
    }
    int block = is_block(d, di);
    /* 1997 block replies end with AA (never a BCD digit). */
    if (block && (d->flags & DLT645_DI_BLOCK_END_AA) && len > 0 && (uint8_t)(p[len - 1] - off) == 0xAA)
        len--;
    size_t per = d->bytes, count = 1;
    if (!block) {
        if (len != per || len == 0)
            return MH_EBADLEN;
    } else {
        count = per_count(len, per);
        if (len == 0 || count * per != len)
            return MH_EBADLEN;
    }
    if (count > max)
        count = max;

    struct steps s;
    unsigned step_item = block_steps(d, di, ed, count, &s);
    block_values(d, &s, p, per, off, out, count);
    if (!s.linear)
        items_exact(d, &s, step_item, out, count);
    return (int)count;
}

/*
 * The same for the rows of a known shape (dlt645_int.h): the parameters
 * and steps the flags would give, read in one switch. Items as
 * block_steps makes them (items_exact where a step is not linear).
 */
__attribute__((always_inline)) static inline int values_shaped(const struct dlt645_di_def *d, uint32_t di,
                                                               enum dlt645_edition ed, const uint8_t *p,
                                                               size_t len, uint8_t off,
                                                               struct dlt645_value *out, size_t max)
{
    unsigned di1 = (di >> 8) & 0xFF, di0 = di & 0xFF;
    uint32_t item = d->item;
    struct steps s = {.linear = 1, .item = item};
    int block = 0;
    /* Parameter ranges as dlt645_di_params_ok checks them; the shapes read most often first. */
    unsigned shape = DLT645_PARAMS_OF(d->shape);
    if (shape == DLT645_SH_TARIFF) {
        if ((di1 > 0x3F && di1 != 0xFF) || di0 > 0x0C)
            return MH_EUNKNOWN;
        s.settle = di0;
        if (di1 != 0xFF) {
            s.tariff = di1;
            if (item && di1)
                s.item = MH_OBIS_TARIFF(item, di1);
        } else {
            block = 1, s.dt = 1; /* total + tariffs */
        }
    } else if (shape == DLT645_SH_PHASE) {
        if (di1 == 0xFF)
            block = 1, s.dp = 1, s.phase = (d->flags & DLT645_DI_PHASE_TOTAL) ? 0 : 1;
        else if ((di1 >= 1 && di1 <= 3) || (di1 == 0 && (d->flags & DLT645_DI_PHASE_TOTAL)))
            s.phase = di1;
        else
            return MH_EUNKNOWN;
        if (item && s.phase && !block) /* a block's first item is set with its steps below */
            s.item = phase_item(item, phase_base(item), s.phase);
    } else if (shape == DLT645_SH_ONE) {
        /* no parameter */
    } else if (shape == DLT645_SH_SETTLE) {
        if (di0 > 0x0C)
            return MH_EUNKNOWN;
        s.settle = di0;
    } else if (shape == DLT645_SH_FREEZE) { /* frozen energy and demand: total, tariff 1, 2 ... */
        if (((di >> 16) & 0xFF) > 0x07 || ((d->mask & 0xFF) == 0 && (di0 == 0 || di0 == 0xFF)))
            return MH_EUNKNOWN;
        s.settle = di0;
        block = 1, s.dt = 1;
    } else { /* the flags decide */
        if (!dlt645_di_params_ok(d, di))
            return MH_EUNKNOWN;
        return values_generic(d, di, ed, p, len, off, out, max);
    }
    size_t per = d->bytes, count;
    if (!block) {
        /* One value (half of what a collector reads): the loops unrolled for a count of 1, no steps. */
        if (len != per || len == 0)
            return MH_EBADLEN;
        if (max == 0)
            return 0;
        block_values(d, &s, p, per, off, out, 1);
        return 1;
    }
    count = per_count(len, per);
    if (len == 0 || count * per != len)
        return MH_EBADLEN;
    if (count > max)
        count = max;
    if (s.dt && item) /* tariff steps add 1 to E: linear from the total (a block has at most 255 values) */
        s.di = 1, s.linear = MH_OBIS_E(item) == 0;
    if (s.dp && item) { /* phase steps add 20 to C, where the item's C can take them */
        unsigned base = phase_base(item);
        s.item = phase_item(item, base, s.phase);
        s.di = (uint32_t)20 << 16;
        s.linear = s.item && MH_OBIS_A(s.item) == 1 && item != MH_ITEM_ANG_I1_U1 &&
                   MH_OBIS_C(s.item) == base + 20 * s.phase && base + 20 * (s.phase + count - 1) <= 0xFF;
    }
    block_values(d, &s, p, per, off, out, count);
    if (!s.linear)
        items_exact(d, &s, 0, out, count);
    return (int)count;
}

/*
 * The values of a response's data p (len bytes, each less off), under the
 * dictionary. Inlined into both callers (the wire's hot path and plain
 * data): it runs for every frame, and a call costs a tenth of it.
 */
__attribute__((always_inline)) static inline int values_at(uint32_t di, enum dlt645_edition ed, const uint8_t *p,
                                                           size_t len, uint8_t off, struct dlt645_value *out,
                                                           size_t max)
{
    const struct dlt645_di_def *d = dlt645_di_match(di, ed);
    if (!d)
        return MH_EUNKNOWN;
    return values_shaped(d, di, ed, p, len, off, out, max);
}

int dlt645_values_decode(uint32_t di, enum dlt645_edition ed, const uint8_t *plain, size_t len,
                         struct dlt645_value *out, size_t max)
{
    return values_at(di, ed, plain, len, 0, out, max);
}

int dlt645_frame_values(const struct dlt645_frame *f, enum dlt645_edition ed, uint32_t *di,
                        struct dlt645_value *out, size_t max)
{
    const uint8_t *p = f->data;
    size_t dil = ed == DLT645_1997 ? 2 : 4;
    if (f->len < dil)
        return MH_EBADLEN;
    /* The identifier less 0x33 per byte, all at once: bit 7 set first so no byte borrows from the next. */
    uint32_t x = (uint32_t)p[0] | (uint32_t)p[1] << 8, high = 0x8080u, offset = 0x3333u;
    if (dil == 4)
        x |= (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24, high = 0x80808080u, offset = 0x33333333u;
    *di = ((x | high) - offset) ^ (~x & high);
    return values_at(*di, ed, p + dil, f->len - dil, 0x33, out, max);
}

int dlt645_values_encode(uint32_t di, enum dlt645_edition ed, const struct dlt645_value *v, size_t n,
                         uint8_t *data, size_t cap)
{
    const struct dlt645_di_def *d = dlt645_di_lookup(di, ed);
    if (!d)
        return MH_EUNKNOWN;
    size_t len = 0;
    if (d->fmt == DLT645_FMT_LOAD)
        return dlt645_load_encode(v, n, data, cap);
    if (d->fmt == DLT645_FMT_RECORD) {
        if (n != d->nfields)
            return MH_EINVAL;
        for (size_t k = 0; k < n; k++) {
            const struct dlt645_field *f = &d->fields[k];
            size_t nb = f->bytes ? f->bytes : v[k].raw_len;
            if (nb > cap - len)
                return MH_ENOSPC;
            int rc = dlt645_value_encode((enum dlt645_fmt)f->fmt, f->decimals, &v[k], data + len, nb);
            if (rc)
                return rc;
            len += nb;
        }
        return (int)len;
    }
    if (n == 0 || (n > 1 && !is_block(d, di)))
        return MH_EINVAL;
    size_t per = d->bytes;
    if (per * n > cap)
        return MH_ENOSPC;
    for (size_t k = 0; k < n; k++) {
        int rc = dlt645_value_encode((enum dlt645_fmt)d->fmt, d->decimals, &v[k], data + len, per);
        if (rc)
            return rc;
        len += per;
    }
    if (n > 1 && (d->flags & DLT645_DI_BLOCK_END_AA)) {
        if (len + 1 > cap)
            return MH_ENOSPC;
        data[len++] = 0xAA; /* 1997 blocks end with AA */
    }
    return (int)len;
}
