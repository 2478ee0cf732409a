/*
 * Q/GDW 1376.1 framer and decoder on arbitrary bytes: scan the stream,
 * parse each frame under every password length a profile may use, walk its
 * data units and decode every value of every known Fn through the
 * dictionary walk, which must agree with the size.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/proto/gdw1376.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct gdw1376_frame *f)
{
    const uint8_t *p = f->units;
    size_t n = f->units_len, k = 0;
    while (k + 4 <= n) {
        uint16_t pn[8], fn[8];
        int np = gdw1376_da_decode(p[k], p[k + 1], pn), nf = gdw1376_dt_decode(p[k + 2], p[k + 3], fn);
        k += 4;
        if (np <= 0 || nf <= 0)
            return;
        struct gdw1376_walk w[8]; /* one per Fn, carried from pn to pn (gdw1376_walk_next_block) */
        for (int b = 0; b < np * nf; b++) { /* pn ascending, fn ascending within a pn */
            const struct gdw1376_fn_def *d = gdw1376_fn_lookup(f->afn, fn[b % nf]);
            size_t s;
            if (!d || gdw1376_fn_data_size(d, p + k, n - k, &s) != 0)
                return;
            if (s > n - k)
                abort(); /* a size past the data would be a read past the frame */
            struct gdw1376_walk *wk = &w[b % nf];
            struct gdw1376_dv dv;
            int rc;
            if (b < nf)
                gdw1376_walk_init(wk, d, p + k, s);
            else
                gdw1376_walk_next_block(wk, p + k, s);
            while ((rc = gdw1376_walk_next(wk, &dv)) == 1)
                ;
            if (rc != 0 || wk->off != s)
                abort(); /* the walk and the size disagree */
            k += s;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    while (pos < size) {
        struct mh_frame_span sp;
        int rc = gdw1376_frame_scan(data + pos, size - pos, &sp);
        if (rc == 0)
            break;
        if (rc == 1) {
            static const unsigned pw[] = {16, 2, 0};
            for (int t = 0; t < 3; t++) {
                struct gdw1376_frame f, g;
                int prc = gdw1376_frame_parse(data + pos + sp.off, sp.len, pw[t], &f);
                /* a scanned span: the parse that trusts the scan's checksum answers the same */
                if (gdw1376_frame_parse_scanned(data + pos + sp.off, sp.len, pw[t], &g) != prc ||
                    (prc == 0 && memcmp(&f, &g, sizeof f) != 0))
                    abort();
                if (prc == 0) {
                    if (f.units + f.units_len > data + pos + sp.off + sp.len)
                        abort();
                    walk(&f);
                }
            }
        }
        pos += sp.off + sp.len;
    }
    return 0;
}
