/*
 * The typed-data codec on arbitrary bytes (dlt698_data.h): the tree
 * decoder, tagged and untagged, never reads past the input, whatever the
 * lengths claim and however deep the nesting; the skipper and the token
 * reader agree with it; and whatever decodes encodes, and that encoding
 * decodes to the same tree and encodes to the same bytes (decode ->
 * encode is canonical: shortest lengths, Sunday as 0). The readings of a
 * decoded tree, under objects of every layout, name only its own nodes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/proto/dlt698_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 512

static struct dlt698_node a[CAP], b[CAP];

/* Same shape and values (views compared by content). */
static void same_tree(const struct dlt698_node *x, const struct dlt698_node *y, int n)
{
    for (int k = 0; k < n; k++) {
        if (x[k].type != y[k].type || x[k].count != y[k].count || x[k].next != y[k].next ||
            x[k].choice != y[k].choice || x[k].scaler != y[k].scaler || x[k].depth != y[k].depth)
            abort();
        if ((x[k].bytes == NULL) != (y[k].bytes == NULL))
            abort();
    }
}

/* Readings of the tree under objects of every layout, and under an OAD taken from the input. */
static void readings(int n, uint32_t from_input)
{
    static const uint32_t oads[] = {0x00100200, 0x00100203, 0x20000200, 0x20040200, 0x10100200, 0x20140200,
                                    0x202C0200, 0x30110700, 0x30000A00, 0x40000200, 0x50040200, 0x60000200};
    static struct dlt698_reading out[CAP];
    for (size_t k = 0; k <= sizeof oads / sizeof oads[0]; k++) {
        uint32_t oad = k < sizeof oads / sizeof oads[0] ? oads[k] : from_input;
        int got = dlt698_readings(oad, a, (size_t)n, 0, out, CAP);
        for (int j = 0; j < got; j++)
            if (out[j].node >= (uint32_t)n || !out[j].def)
                abort();
    }
}

/* Encode nodes[0..n), decode again, encode again: both encodings equal, trees equal. */
static void round_trip(int n, int tagged, uint8_t type)
{
    static uint8_t e1[1 << 16], e2[1 << 16];
    struct mh_wr w;
    mh_wr_init(&w, e1, sizeof e1);
    int used = tagged ? dlt698_data_encode(&w, a, (size_t)n) : dlt698_value_encode(&w, a, (size_t)n);
    if (used == MH_ENOSPC)
        return;
    if (used != n)
        abort(); /* a decoded tree always encodes, consuming every node */
    size_t l1 = mh_wr_len(&w);
    struct mh_rd r;
    mh_rd_init(&r, e1, l1);
    int m = tagged ? dlt698_data_decode(&r, b, CAP) : dlt698_value_decode(&r, type, b, CAP);
    if (m != n || mh_rd_left(&r) != 0)
        abort();
    same_tree(a, b, n);
    mh_wr_init(&w, e2, sizeof e2);
    if ((tagged ? dlt698_data_encode(&w, b, (size_t)m) : dlt698_value_encode(&w, b, (size_t)m)) != m)
        abort();
    if (mh_wr_len(&w) != l1 || memcmp(e1, e2, l1) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    struct mh_rd r, s;

    /* tagged Data, one after another, each checked against the skipper and re-encoded */
    mh_rd_init(&r, copy, size);
    while (mh_rd_left(&r) > 0) {
        size_t at = r.off;
        int n = dlt698_data_decode(&r, a, CAP);
        if (r.off > size)
            abort();
        mh_rd_init(&s, copy, size);
        s.off = at;
        int k = dlt698_data_skip(&s);
        if (n >= 0) {
            if (k != 0 || s.off != r.off || a[0].next != (uint32_t)n)
                abort();
            for (int j = 0; j < n; j++)
                if (a[j].bytes && (a[j].bytes < copy || a[j].bytes + (a[j].type == DLT698_BITSTRING ? (a[j].count + 7) / 8 : a[j].count) > copy + size))
                    abort();
            readings(n, size >= 4 ? (uint32_t)copy[0] << 24 | (uint32_t)copy[1] << 16 | (uint32_t)copy[2] << 8 | copy[3] : 0);
            round_trip(n, 1, 0);
        } else if (n != MH_EOVERFLOW && k != n) {
            abort(); /* the same walk fails the same way */
        }
        if (n < 0)
            break;
    }

    /* the first byte picks a type; the rest is its untagged value */
    if (size > 0) {
        mh_rd_init(&r, copy + 1, size - 1);
        int n = dlt698_value_decode(&r, copy[0], a, CAP);
        if (n >= 0)
            round_trip(n, 0, copy[0]);
    }

    /* the streaming reader over the same bytes */
    mh_rd_init(&r, copy, size);
    struct dlt698_token t;
    while (mh_rd_left(&r) > 0 && dlt698_token_read(&r, &t) == 0)
        if (t.bytes && (t.bytes < copy || t.bytes + t.len > copy + size))
            abort();
    free(copy);
    return 0;
}
