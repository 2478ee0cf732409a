/*
 * Private to src/proto/dlt645: tables shared between the dictionary and
 * the load-record decoder.
 */
#ifndef MH_PROTO_DLT645_INT_H
#define MH_PROTO_DLT645_INT_H

#include "meterhub/proto/dlt645.h"

/* Active power total, A, B, C and reactive power total, A, B, C (XX.XXXX, signed): frozen variables and load class 2. */
extern const struct dlt645_field dlt645_power_fields[8];

/*
 * The dictionary, one array per category (dict.c), and its lookup inline
 * so that the value decoder (values.c) does not pay a call per frame.
 */
struct dlt645_section {
    const struct dlt645_di_def *rows;
    uint8_t n;
};
#define DLT645_N2007 7u
#define DLT645_N1997 4u
extern const struct dlt645_section dlt645_sections_2007[DLT645_N2007];
extern const struct dlt645_section dlt645_sections_1997[DLT645_N1997];

/*
 * Shape of a row: how its identifier's parameters read and how a block
 * steps, fixed when the row is written (dict.c, DLT645_SHAPE), so that the
 * hot path of the value decoder (values.c) takes one switch instead of a
 * test per flag. The shapes are the flag combinations read all day;
 * every other row is GENERIC and goes through the flag tests.
 */
enum {
    DLT645_SH_GENERIC, /* the flags decide (1997 parameters, status-word blocks, tables ...) */
    DLT645_SH_ONE,     /* no parameter: one value */
    DLT645_SH_SETTLE,  /* DI0 = settlement 0..12 */
    DLT645_SH_TARIFF,  /* DI1 = tariff 0..63 or FF (block of total + tariffs), DI0 = settlement 0..12 */
    DLT645_SH_PHASE,   /* DI1 = phase 1..3 (0 total where DLT645_DI_PHASE_TOTAL) or FF (block) */
    DLT645_SH_FREEZE,  /* DI2 = freeze type 0..7, DI0 = n-th last: a block of total + tariffs */
    DLT645_SH_WHOLE,   /* records and load records: decoded as a whole */
};
#define DLT645_SH_PARAMS(ed, fmt, flags)                                                                   \
    ((fmt) > DLT645_FMT_VALUE_COUNT_ ? DLT645_SH_WHOLE                                                     \
     : (flags) == 0                  ? DLT645_SH_ONE                                                       \
     : (ed) != DLT645_2007           ? DLT645_SH_GENERIC                                                   \
     : (flags) == DLT645_DI_SETTLE   ? DLT645_SH_SETTLE                                                    \
     : (flags) == (DLT645_DI_TARIFF | DLT645_DI_SETTLE) ? DLT645_SH_TARIFF                                 \
     : ((flags) & ~DLT645_DI_PHASE_TOTAL) == DLT645_DI_PHASE_DI1 ? DLT645_SH_PHASE                         \
     : (flags) == (DLT645_DI_LAST_N | DLT645_DI_BLOCK | DLT645_DI_FREEZE) ? DLT645_SH_FREEZE                \
                                                                          : DLT645_SH_GENERIC)

/*
 * The other half of a shape (bits 3..6): which loop reads the values, by
 * format and width (values.c), so that the choice is one jump.
 */
enum {
    DLT645_LOOP_OTHER,  /* one dlt645_value_decode per value */
    DLT645_LOOP_BCD4,   /* BCD numbers of 4 bytes */
    DLT645_LOOP_SBCD4,  /* signed BCD of 4 bytes */
    DLT645_LOOP_BCD3,
    DLT645_LOOP_SBCD3,
    DLT645_LOOP_BCD2,
    DLT645_LOOP_NUM,    /* BCD or signed BCD of another width */
    DLT645_LOOP_BITS,   /* bit fields of 1..4 bytes */
    DLT645_LOOP_DEMAND, /* maximum demand and its time */
};
#define DLT645_SH_LOOP(fmt, bytes)                                                                         \
    ((fmt) == DLT645_FMT_BCD     ? ((bytes) == 4 ? DLT645_LOOP_BCD4                                        \
                                    : (bytes) == 3 ? DLT645_LOOP_BCD3                                      \
                                    : (bytes) == 2 ? DLT645_LOOP_BCD2                                      \
                                                   : DLT645_LOOP_NUM)                                      \
     : (fmt) == DLT645_FMT_SBCD  ? ((bytes) == 4 ? DLT645_LOOP_SBCD4                                       \
                                    : (bytes) == 3 ? DLT645_LOOP_SBCD3                                     \
                                                   : DLT645_LOOP_NUM)                                      \
     : (fmt) == DLT645_FMT_BITS && (bytes) <= 4 ? DLT645_LOOP_BITS                                         \
     : (fmt) == DLT645_FMT_DEMAND && (bytes) == 8 ? DLT645_LOOP_DEMAND                                     \
                                                  : DLT645_LOOP_OTHER)
#define DLT645_SHAPE(ed, fmt, bytes, flags) (DLT645_SH_PARAMS(ed, fmt, flags) | DLT645_SH_LOOP(fmt, bytes) << 3)
#define DLT645_PARAMS_OF(shape) ((shape) & 7u)
#define DLT645_LOOP_OF(shape) ((unsigned)(shape) >> 3)

/* Parameter bytes in range: tariffs 0..63 or FF, settlements 0..12, phases 0..3 or FF, n-th last 1..254. */
static inline int dlt645_di_params_ok(const struct dlt645_di_def *d, uint32_t di)
{
    unsigned di2 = (di >> 16) & 0xFF, di1 = (di >> 8) & 0xFF, di0 = di & 0xFF;
    unsigned f = d->flags;
    switch (DLT645_PARAMS_OF(d->shape)) { /* the same tests as below, for the shapes' flags */
    case DLT645_SH_ONE:
        return 1;
    case DLT645_SH_SETTLE:
        return di0 <= 0x0C;
    case DLT645_SH_TARIFF:
        return (di1 <= 0x3F || di1 == 0xFF) && di0 <= 0x0C;
    case DLT645_SH_PHASE:
        return di1 == 0xFF || (di1 >= 1 && di1 <= 3) || (di1 == 0 && (f & DLT645_DI_PHASE_TOTAL));
    case DLT645_SH_FREEZE:
        return di2 <= 0x07 && ((d->mask & 0xFF) != 0 || (di0 != 0 && di0 != 0xFF));
    default:
        break;
    }
    if (d->edition == DLT645_1997) {
        unsigned low = di & 0x0F;
        if ((f & DLT645_DI_1997_PHASE) && low != 0x0F && (low > 3 || (low == 0 && !(f & DLT645_DI_PHASE_TOTAL))))
            return 0;
        return 1;
    }
    if ((f & DLT645_DI_TARIFF) && di1 > 0x3F && di1 != 0xFF)
        return 0;
    if ((f & DLT645_DI_SETTLE) && di0 > 0x0C)
        return 0;
    if ((f & DLT645_DI_PHASE_DI1) && di1 != 0xFF && (di1 > 3 || (di1 == 0 && !(f & DLT645_DI_PHASE_TOTAL))))
        return 0;
    if ((f & DLT645_DI_LAST_N) && (d->mask & 0xFF) == 0 && (di0 == 0 || di0 == 0xFF))
        return 0;
    if ((f & DLT645_DI_FREEZE) && di2 > 0x07)
        return 0;
    if (d->fmt == DLT645_FMT_LOAD && di0 > 0x02)
        return 0;
    return 1;
}

/* The row an identifier falls under, its parameters not yet checked (dlt645_di_params_ok), or NULL. */
static inline const struct dlt645_di_def *dlt645_di_match(uint32_t di, enum dlt645_edition ed)
{
    const struct dlt645_section *sec;
    if (ed == DLT645_2007) {
        unsigned k = di >> 24;
        if (k >= DLT645_N2007)
            return NULL;
        sec = &dlt645_sections_2007[k];
    } else {
        unsigned k = (di >> 12) & 0xF;
        if (di > 0xFFFF || k < 9 || k >= 9 + DLT645_N1997)
            return NULL;
        sec = &dlt645_sections_1997[k - 9];
    }
    for (unsigned i = 0; i < sec->n; i++) {
        const struct dlt645_di_def *d = &sec->rows[i];
        if ((di & d->mask) == d->di)
            return d;
    }
    return NULL;
}

static inline const struct dlt645_di_def *dlt645_di_find(uint32_t di, enum dlt645_edition ed)
{
    const struct dlt645_di_def *d = dlt645_di_match(di, ed);
    return d && dlt645_di_params_ok(d, di) ? d : NULL;
}

#endif
