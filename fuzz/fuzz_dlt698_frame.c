/*
 * DL/T 698.45 framer on arbitrary bytes, then the typed data of every
 * frame's APDU walked token by token (the whole-Data skipper, with its
 * depth limit), as a session meets a stream. The scanned parse must agree
 * with the checking parse on every span the scanner accepts, and refuse
 * (never read past) the spans it did not.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/proto/dlt698.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Field by field: the struct has padding. */
static int same(const struct dlt698_frame *a, const struct dlt698_frame *b)
{
    return a->len == b->len && a->kbytes == b->kbytes && a->c == b->c && a->af == b->af &&
           a->sa_type == b->sa_type && a->logical == b->logical && a->sa_len == b->sa_len &&
           memcmp(a->sa, b->sa, sizeof a->sa) == 0 && a->ca == b->ca && a->apdu == b->apdu &&
           a->apdu_len == b->apdu_len && a->frag_index == b->frag_index && a->frag_type == b->frag_type;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    while (pos < size) {
        struct mh_frame_span sp;
        int rc = dlt698_frame_scan(data + pos, size - pos, &sp);
        if (rc == 0)
            break;
        if (rc == 1) {
            struct dlt698_frame f, g;
            if (dlt698_frame_parse(data + pos + sp.off, sp.len, &f) != 0)
                abort(); /* the framer accepted it */
            /* The parse that trusts the scanner's CRCs reads the same fields. */
            if (dlt698_frame_parse_scanned(data + pos + sp.off, sp.len, &g) != 0 || !same(&f, &g))
                abort();
            if (f.apdu + f.apdu_len > data + pos + sp.off + sp.len)
                abort();
            /* Walk whatever follows the APDU header as Data until it stops. */
            struct mh_rd r;
            mh_rd_init(&r, f.apdu, f.apdu_len);
            mh_rd_skip(&r, f.apdu_len > 3 ? 3 : f.apdu_len);
            while (mh_rd_left(&r) > 0 && dlt698_data_skip(&r) == 0)
                ;
        }
        struct dlt698_frame h;
        size_t left = size - pos - sp.off;
        /* Any span at all: refused or parsed, within what it was given. */
        if (dlt698_frame_parse_scanned(data + pos + sp.off, left, &h) == 0 &&
            h.apdu + h.apdu_len > data + size)
            abort();
        pos += sp.off + sp.len;
    }
    return 0;
}
