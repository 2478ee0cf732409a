/*
 * The DL/T 645 data-format layer on arbitrary bytes: the first byte picks
 * the format and decimals, the rest is the field. Decoding never reads past
 * the field, and whatever decodes to a value encodes back to the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/proto/dlt645.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum dlt645_fmt fmt = (enum dlt645_fmt)(data[0] % DLT645_FMT_VALUE_COUNT_);
    unsigned decimals = (data[0] >> 4) % 5;
    size_t n = size - 1;
    uint8_t *field = malloc(n ? n : 1);
    if (!field)
        return 0;
    memcpy(field, data + 1, n); /* exact size: ASan sees any over-read */
    struct dlt645_value v;
    if (dlt645_value_decode(fmt, decimals, field, n, &v) == 0 && n > 0) {
        uint8_t again[16];
        if (n <= sizeof again && (v.kind == DLT645_V_NUM || v.kind == DLT645_V_TIME ||
                                  v.kind == DLT645_V_NUM_TIME || v.kind == DLT645_V_ADDRESS)) {
            int rc = dlt645_value_encode(fmt, decimals, &v, again, n);
            int negzero = v.kind == DLT645_V_NUM && v.num.m == 0 && fmt == DLT645_FMT_SBCD;
            int wday_sunday = fmt == DLT645_FMT_YYMMDDWW; /* 0 and 7 both mean Sunday */
            if (rc != 0 || (!negzero && !wday_sunday && memcmp(again, field, n) != 0))
                abort();
        }
    }
    free(field);
    return 0;
}
