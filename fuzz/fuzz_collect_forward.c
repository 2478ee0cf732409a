/*
 * The collector's decoders of a terminal's answer for the meter behind it
 * (ctask_now_forward_parse: Q/GDW 1376.1 AFN10 F1 around a DL/T 645
 * answer; ctask_now_proxy_parse: DL/T 698.45 PROXY-Response GetList), both
 * on every input: they never read past it, and every value they report
 * carries an item and the pn they were given.
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
    if (!v || item == 0 || pn != 3)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t sa[6] = {0x18, 0x20, 0x12, 0x22, 0x20, 0x65};
    uint8_t *frame = malloc(size ? size : 1); /* an exact-size copy: ASan sees any overread */
    if (!frame)
        return 0;
    memcpy(frame, data, size);
    ctask_now_forward_parse(frame, size, sa, 0x0201FF00u, 3, on_value, NULL);
    ctask_now_proxy_parse(frame, size, 3, on_value, NULL);
    free(frame);
    return 0;
}
