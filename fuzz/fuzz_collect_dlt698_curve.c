/*
 * The collector's decoders of DL/T 698.45 minute-freeze curve replies
 * (GET-Response Record of 5002, the own meter's; of 6012 0300, a
 * concentrator's task data with its meters' minute freezes) on arbitrary
 * APDUs: they never read past them, and every value they report is of
 * the meter asked, at a point of the day's curve.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_value(void *ctx, uint16_t pn, uint32_t item, unsigned index, const struct mh_dec *v)
{
    (void)ctx;
    (void)item;
    if (pn != 3 || index >= CCURVE_POINTS || !v)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct mh_tm start = {2026, 11, 23, 0, 15, 0, 0, 0, MH_TM_FULL};
    uint8_t *apdu = malloc(size ? size : 1);
    if (!apdu)
        return 0;
    memcpy(apdu, data, size);
    ctask_dlt698_curve_parse(apdu, size, 3, &start, on_value, NULL);
    ctask_dlt698_meter_curve_parse(apdu, size, 123456789012ull, 3, &start, on_value, NULL);
    free(apdu);
    return 0;
}
