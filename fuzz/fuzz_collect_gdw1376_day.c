/*
 * The collector's decoder of AFN0D daily and monthly frozen replies on arbitrary data
 * units: it never reads past them, and every value it reports is a number
 * of the A.14 format (four decimals).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_value(void *ctx, uint16_t pn, uint32_t item, const struct mh_dec *v)
{
    (void)ctx;
    (void)pn;
    (void)item;
    if (v && v->exp != -4)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct mh_tm day = {2026, 11, 23, 0, 0, 0, 0, 0, MH_TM_DATE};
    uint8_t *units = malloc(size ? size : 1);
    if (!units)
        return 0;
    memcpy(units, data, size);
    ctask_gdw1376_frozen_parse(units, size, size && (data[0] & 1) ? &ctask_gdw1376_month
                                                                : &ctask_gdw1376_day,
                               &day, on_value, NULL);
    free(units);
    return 0;
}
