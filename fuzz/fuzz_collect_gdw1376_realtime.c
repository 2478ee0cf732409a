/*
 * The collector's decoder of AFN0C realtime replies on arbitrary data
 * units: it never reads past them, and every value it reports carries a
 * valid read time and is a number of the A.14 format (four decimals).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_value_at(void *ctx, uint16_t pn, uint32_t item, const struct mh_tm *at,
                        const struct mh_dec *v)
{
    (void)ctx;
    (void)pn;
    (void)item;
    if (mh_tm_check(at) != 0 || (v && v->exp != -4))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *units = malloc(size ? size : 1);
    if (!units)
        return 0;
    memcpy(units, data, size);
    ctask_gdw1376_realtime_parse(units, size, &ctask_gdw1376_realtime_energy, on_value_at, NULL);
    free(units);
    return 0;
}
