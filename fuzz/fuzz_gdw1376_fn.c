/*
 * One Fn data block of the Q/GDW 1376.1 dictionary on arbitrary bytes: the
 * first byte picks the definition (its row in `meterhub items --gdw1376`,
 * modulo the table size), the rest is the block. The size computed
 * from the layout and the walk of every value agree, neither reads past the
 * data, a walk that ends cleanly consumed exactly that size, and every
 * value walked is what gdw1376_fmt_decode reads at its offset.
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
    size_t count;
    const struct gdw1376_fn_def *t = gdw1376_fn_table(&count);
    const struct gdw1376_fn_def *d = &t[data[0] % count];
    size_t n = size - 1;
    uint8_t *block = malloc(n ? n : 1); /* an exact-size copy, so ASan sees any read past it */
    if (!block)
        return 0;
    memcpy(block, data + 1, n);
    size_t s = 0;
    int rc = gdw1376_fn_data_size(d, block, n, &s);
    if (rc == 0 && s > n)
        abort();
    struct gdw1376_walk w;
    struct gdw1376_dv dv;
    int wrc;
    size_t values = 0;
    size_t at = 0;
    gdw1376_walk_init(&w, d, block, n);
    while ((wrc = gdw1376_walk_next(&w, &dv)) == 1) {
        if (w.off > n || !dv.field)
            abort();
        /* the walk's inline plans read what the format decoder reads there, scaled */
        struct gdw1376_value v;
        if (gdw1376_fmt_decode((enum gdw1376_fmt)dv.field->fmt, block + at, n - at, &v) != 0 ||
            dv.v.kind != v.kind ||
            (v.kind == GDW1376_V_NUM && (dv.v.num.m != v.num.m || dv.v.num.exp != v.num.exp + dv.field->scale)))
            abort();
        at = w.off;
        values++;
    }
    /* the two agree: a clean size means a clean walk over exactly those bytes */
    if ((rc == 0) != (wrc == 0) || (rc == 0 && w.off != s) || values > 255u * 255u + 64u)
        abort();
    free(block);
    return 0;
}
