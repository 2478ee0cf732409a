/*
 * The collector's decoder of on-demand read replies (ctask_now_parse) on
 * arbitrary frames, as each protocol: it never reads past them, and every
 * value it reports carries an item and, for DL/T 698.45 and 645, the pn
 * it was given. The first byte picks the protocol, the rest is the frame.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_value(void *ctx, uint16_t pn, uint32_t item, const struct mh_dec *v)
{
    const uint8_t *proto = ctx;
    if (!v || item == 0 || (*proto != FEP_PROTO_GDW1376 && pn != 3))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const uint8_t sa[6] = {0x08, 0x00, 0x00, 0x00, 0x00, 0x10};
    uint8_t proto = (uint8_t)(1 + data[0] % 3);
    uint8_t *frame = malloc(size);
    if (!frame)
        return 0;
    memcpy(frame, data + 1, size - 1);
    ctask_now_parse(proto, frame, size - 1, sa, 0x0001FF00u, 3, on_value, &proto);
    free(frame);
    return 0;
}
