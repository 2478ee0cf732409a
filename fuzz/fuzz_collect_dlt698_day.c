/*
 * The collector's decoders of DL/T 698.45 GET-Response Record daily freeze
 * replies (a terminal's own meter; a concentrator's meters by TSA) on
 * arbitrary APDUs: they never read past them, and every value they report
 * is in 0.01 kWh, of a meter that was asked for.
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
    (void)item;
    if (pn < 1 || pn > 2 || (v && v->exp != -2))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct mh_tm freeze = {2026, 11, 24, 0, 0, 0, 0, 0, MH_TM_FULL};
    uint8_t *apdu = malloc(size ? size : 1);
    if (!apdu)
        return 0;
    memcpy(apdu, data, size);
    ctask_dlt698_day_parse(apdu, size, 1, &freeze, on_value, NULL);
    static const uint64_t addr[2] = {100000000123ull, 12ull};
    static const uint16_t pn[2] = {1, 2};
    ctask_dlt698_meters_parse(apdu, size, addr, pn, 2, &freeze, on_value, NULL);
    free(apdu);
    return 0;
}
