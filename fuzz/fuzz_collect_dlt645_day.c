/*
 * The collector's decoder of DL/T 645-2007 daily freeze replies on
 * arbitrary frames: it never reads past them, and every register it
 * reports is in 0.01 kWh. The first byte picks the read (time, import,
 * export) the reply is checked against.
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
    if (pn != 1 || (v && v->exp != -2))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct mh_tm freeze = {2026, 11, 24, 0, 0, 0, 0, 0, MH_TM_FULL};
    static const uint8_t addr[6] = {0x50, 0x56, 0x00, 0x00, 0x00, 0x10};
    if (size < 1)
        return 0;
    uint32_t di = ctask_dlt645_day_di(data[0] % 3, 1);
    uint8_t *frame = malloc(size - 1 ? size - 1 : 1);
    if (!frame)
        return 0;
    memcpy(frame, data + 1, size - 1);
    ctask_dlt645_day_parse(frame, size - 1, addr, di, 1, &freeze, on_value, NULL);
    free(frame);
    return 0;
}
