/*
 * The collector's decoder of AFN0D 15-minute curve replies on arbitrary
 * data units: it never reads past them, reports no point beyond those
 * asked for, and every point it reports is of the Fn asked for, a number
 * of the A.13 format (four decimals).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_point(void *ctx, uint16_t pn, unsigned fi, uint32_t item, unsigned index,
                     const struct mh_dec *v)
{
    (void)ctx;
    (void)pn;
    (void)item;
    if (fi >= ctask_gdw1376_curve_incr.n_fns || index >= CCURVE_POINTS || (v && v->exp != -4))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct mh_tm start = {2026, 11, 23, 0, 15, 0, 0, 0, MH_TM_DATE | MH_TM_HM};
    uint8_t *units = malloc(size ? size : 1);
    if (!units)
        return 0;
    memcpy(units, data, size);
    ctask_gdw1376_curve_parse(units, size, &ctask_gdw1376_curve_incr, &start, CCURVE_DENSITY,
                              CCURVE_POINTS, on_point, NULL);
    free(units);
    return 0;
}
