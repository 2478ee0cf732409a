/*
 * The collector's decoder of DL/T 698.45 minute-freeze curve replies
 * (GET-Response Record of 5002) on arbitrary APDUs: it never reads past
 * them, and every value it reports is of the meter asked, at a point of
 * the day's curve.
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
    free(apdu);
    return 0;
}
