/*
 * Q/GDW 1376.1 AFN0C F5 / F6 control state parsers on arbitrary bytes:
 * whatever parses re-encodes to exactly the bytes it was read from.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/proto/gdw1376_afn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t out[128];
    struct mh_rd r;
    struct mh_wr w;
    struct gdw1376_ctrl_settings s;
    mh_rd_init(&r, data, size);
    if (gdw1376_ctrl_settings_get(&r, &s) == 0) {
        mh_wr_init(&w, out, sizeof out);
        if (gdw1376_ctrl_settings_put(&w, &s) != 0 || mh_wr_len(&w) != r.off || memcmp(out, data, r.off) != 0)
            abort();
    }
    struct gdw1376_ctrl_now c;
    mh_rd_init(&r, data, size);
    if (gdw1376_ctrl_now_get(&r, &c) == 0) {
        mh_wr_init(&w, out, sizeof out);
        if (gdw1376_ctrl_now_put(&w, &c) != 0 || mh_wr_len(&w) != r.off || memcmp(out, data, r.off) != 0)
            abort();
    }
    return 0;
}
