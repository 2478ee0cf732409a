/*
 * The collector's decoder of AFN0C realtime replies on arbitrary data
 * units: it never reads past them, and every value it reports carries a
 * valid read time, one of the task's Fn and a number of one to four
 * decimals (F25's A.5, A.7, A.9, A.25; F129/F131's A.14).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_value_at(void *ctx, uint16_t pn, unsigned fi, uint32_t item,
                        const struct mh_tm *at, const struct mh_dec *v)
{
    (void)ctx;
    (void)pn;
    (void)item;
    /* F25's values have 1 to 4 decimals, F129/F131's 4 */
    if (mh_tm_check(at) != 0 || fi >= ctask_gdw1376_realtime_instant.n_fns ||
        (v && (v->exp < -4 || v->exp > -1)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *units = malloc(size ? size : 1);
    if (!units)
        return 0;
    memcpy(units, data, size);
    ctask_gdw1376_realtime_parse(units, size, &ctask_gdw1376_realtime_instant, on_value_at, NULL);
    free(units);
    return 0;
}
