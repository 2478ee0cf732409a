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

/* Parameter bytes in range: tariffs 0..63 or FF, settlements 0..12, phases 0..3 or FF, n-th last 1..254. */
static inline int dlt645_di_params_ok(const struct dlt645_di_def *d, uint32_t di)
{
    unsigned di2 = (di >> 16) & 0xFF, di1 = (di >> 8) & 0xFF, di0 = di & 0xFF;
    unsigned f = d->flags;
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

static inline const struct dlt645_di_def *dlt645_di_find(uint32_t di, enum dlt645_edition ed)
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
            return dlt645_di_params_ok(d, di) ? d : NULL;
    }
    return NULL;
}

#endif
