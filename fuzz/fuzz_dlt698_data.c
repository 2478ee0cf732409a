/*
 * The typed-data decoder alone on arbitrary bytes: tokens, RSD, RCSD and
 * whole-Data skips never read past the input, whatever the lengths claim
 * and however deep the nesting.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/proto/dlt698.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    struct mh_rd r;
    mh_rd_init(&r, copy, size);
    while (mh_rd_left(&r) > 0 && dlt698_data_skip(&r) == 0)
        ;
    if (r.off > size)
        abort();
    mh_rd_init(&r, copy, size);
    dlt698_rsd_skip(&r);
    mh_rd_init(&r, copy, size);
    uint32_t cols;
    dlt698_rcsd_read(&r, &cols);
    mh_rd_init(&r, copy, size);
    struct dlt698_token t;
    while (mh_rd_left(&r) > 0 && dlt698_token_read(&r, &t) == 0)
        if (t.bytes && (t.bytes < copy || t.bytes + t.len > copy + size))
            abort();
    free(copy);
    return 0;
}
