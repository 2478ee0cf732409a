/*
 * The collector's decoder of DL/T 645-2007 realtime replies of a DTU
 * meter on arbitrary frames: it never reads past them, and every value it
 * reports is a number with an item, for the pn it was given. The first
 * byte picks the block read (the step) the reply is checked against.
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
    if (pn != 3 || !v || item == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t addr[6] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x20};
    if (size < 1)
        return 0;
    unsigned step = data[0] % (ctask_dlt645_realtime_last() + 1);
    uint8_t *frame = malloc(size - 1 ? size - 1 : 1);
    if (!frame)
        return 0;
    memcpy(frame, data + 1, size - 1);
    ctask_dlt645_realtime_parse(frame, size - 1, addr, step, 3, on_value, NULL);
    free(frame);
    return 0;
}
