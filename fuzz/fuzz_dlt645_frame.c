/*
 * DL/T 645 framer and decoder on arbitrary bytes, as a session meets them:
 * scan the stream, decode every frame found down to its values, and check
 * that a decoded frame re-encodes to the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/proto/dlt645.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    while (pos < size) {
        struct mh_frame_span sp;
        int rc = dlt645_frame_scan(data + pos, size - pos, &sp);
        if (rc == 0)
            break;
        if (rc < 0) {
            pos += sp.off + sp.len;
            continue;
        }
        const uint8_t *fr = data + pos + sp.off;
        struct dlt645_frame f;
        if (dlt645_frame_parse(fr, sp.len, &f) != 0)
            abort(); /* the framer accepted it: the parser must too */
        uint8_t plain[DLT645_MAX_DATA];
        dlt645_data_plain(&f, plain);
        enum dlt645_edition ed = dlt645_edition_of(f.ctrl);
        size_t dil = ed == DLT645_1997 ? 2 : 4;
        if (f.len >= dil) {
            uint32_t di = 0;
            for (size_t k = 0; k < dil; k++)
                di |= (uint32_t)plain[k] << (8 * k);
            struct dlt645_value vals[64];
            int n = dlt645_values_decode(di, ed, plain + dil, f.len - dil, vals, 64);
            /* Straight from the wire: the same identifier and values, raw at the wire bytes. */
            struct dlt645_value wv[64];
            uint32_t wdi = 0;
            if (dlt645_frame_values(&f, ed, &wdi, wv, 64) != n || wdi != di)
                abort();
            for (int k = 0; k < n; k++)
                if (wv[k].kind != vals[k].kind || wv[k].item != vals[k].item || wv[k].tariff != vals[k].tariff ||
                    wv[k].phase != vals[k].phase || wv[k].raw_len != vals[k].raw_len ||
                    wv[k].raw != f.data + (vals[k].raw - plain) ||
                    ((vals[k].kind == DLT645_V_NUM || vals[k].kind == DLT645_V_NUM_TIME) &&
                     (wv[k].num.m != vals[k].num.m || wv[k].num.exp != vals[k].num.exp)) ||
                    (vals[k].kind == DLT645_V_BITS && wv[k].bits != vals[k].bits))
                    abort();
            /* Values that decoded as numbers encode back to the same bytes. */
            if (n > 0 && n < 64) {
                uint8_t again[DLT645_MAX_DATA];
                int len = dlt645_values_encode(di, ed, vals, (size_t)n, again, sizeof again);
                int all_num = 1;
                for (int k = 0; k < n; k++)
                    all_num &= vals[k].kind == DLT645_V_NUM || vals[k].kind == DLT645_V_BITS;
                if (all_num && len == (int)(f.len - dil) && memcmp(again, plain + dil, (size_t)len) != 0) {
                    /* -0 (sign bit on a zero magnitude) legitimately re-encodes as +0 */
                    int negzero = 0;
                    for (int k = 0; k < n; k++)
                        negzero |= vals[k].kind == DLT645_V_NUM && vals[k].num.m == 0;
                    if (!negzero)
                        abort();
                }
            }
        }
        uint8_t out[300];
        struct mh_wr w;
        mh_wr_init(&w, out, sizeof out);
        if (dlt645_frame_encode(&w, 0, f.addr, f.ctrl, plain, f.len) != 0 || mh_wr_len(&w) != sp.len ||
            memcmp(out, fr, sp.len) != 0)
            abort();
        pos += sp.off + sp.len;
    }
    return 0;
}
