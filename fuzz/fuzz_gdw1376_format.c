/*
 * Appendix A formats on arbitrary bytes: the first byte picks the format.
 * Decoding never reads past the field; a value decoded as a number, time or
 * text encodes back to the same bytes (a negative zero, A.2/A.3 exponent
 * choices and ASCII padding aside).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/proto/gdw1376.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum gdw1376_fmt f = (enum gdw1376_fmt)(1 + data[0] % (GDW1376_FMT_COUNT_ - 1));
    size_t n = size - 1;
    uint8_t *field = malloc(n ? n : 1);
    if (!field)
        return 0;
    memcpy(field, data + 1, n);
    struct gdw1376_value v;
    if (gdw1376_fmt_decode(f, field, n, &v) == 0 && v.kind != GDW1376_V_NODATA) {
        size_t s = gdw1376_fmt_size(f);
        uint8_t again[16];
        int rc = gdw1376_fmt_encode(f, &v, again, s);
        /* lossy: negative zero, A.2/A.3 normalised exponents, ASCII padding and unprintables */
        int lossy = (v.kind == GDW1376_V_NUM && v.num.m == 0) || f == GDW1376_A2 || f == GDW1376_A3 ||
                    f == GDW1376_FMT_ASCII4 || f == GDW1376_FMT_ASCII8 || f == GDW1376_FMT_ASCII11;
        if (!lossy && (rc != 0 || memcmp(again, field, s) != 0))
            abort();
    }
    free(field);
    return 0;
}
