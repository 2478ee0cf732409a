/*
 * DL/T 698.45 framer on arbitrary bytes, then the typed data of every
 * frame's APDU walked token by token (the whole-Data skipper, with its
 * depth limit), as a session meets a stream.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "meterhub/proto/dlt698.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    while (pos < size) {
        struct mh_frame_span sp;
        int rc = dlt698_frame_scan(data + pos, size - pos, &sp);
        if (rc == 0)
            break;
        if (rc == 1) {
            struct dlt698_frame f;
            if (dlt698_frame_parse(data + pos + sp.off, sp.len, &f) != 0)
                abort(); /* the framer accepted it */
            if (f.apdu + f.apdu_len > data + pos + sp.off + sp.len)
                abort();
            /* Walk whatever follows the APDU header as Data until it stops. */
            struct mh_rd r;
            mh_rd_init(&r, f.apdu, f.apdu_len);
            mh_rd_skip(&r, f.apdu_len > 3 ? 3 : f.apdu_len);
            while (mh_rd_left(&r) > 0 && dlt698_data_skip(&r) == 0)
                ;
        }
        pos += sp.off + sp.len;
    }
    return 0;
}
