/*
 * Q/GDW 1376.1 data blocks a whole block at a time: the runs of one
 * (pn, Fn) block (gdw1376_walk_runs) gathered into arrays the decoder owns,
 * and for the next pn of the same Fn (the 8 or 64 meters of one data unit
 * answering the same F129 / F161 read) the block before reused when its
 * layout bytes repeat.
 *
 * Layout bytes are every byte of a block but its plain values: the read
 * time Td_c, the freeze date Td_d, the tariff count M, counts, densities,
 * and anything gdw1376_walk_runs decodes the general way. The walk's path
 * through a block depends on those bytes and on the bytes left after it,
 * never on a plain value (a BCD number, a two- or four-byte binary). A
 * block walked with at least 8 bytes after it (no word load near the end)
 * is kept; a later block whose layout bytes equal the kept one's yields
 * the same runs with only the plain values changed. Those are decoded
 * straight into m from a list of segments kept with the memo (one bounds
 * check for the block, one word load per value, no per-field set-up), the
 * runs and every other value stay as they are. The values are exactly
 * those of gdw1376_walk_runs, in the same order (a test and the fuzz
 * target run both over the same data); only at the very end of the data
 * may runs be cut differently (gdw1376_walk_runs yields the last few
 * values of a register one by one there, the memo in one run).
 *
 *     struct gdw1376_block b;
 *     gdw1376_block_init(&b);                        once
 *     gdw1376_block_first(&b, d, p, n);              first pn of a data unit
 *     ... gdw1376_block_next(&b, p + off, n - off);  each later pn
 *     while ((nr = gdw1376_block_runs(&b)) > 0) {
 *         const int64_t *m = b.m;
 *         for (int i = 0; i < nr; m += b.r[i].n, i++)
 *             run b.r[i], its values m[0..b.r[i].n)   (gdw1376_run_* as for gdw1376_walk_runs)
 *     }
 *     nr is 0 at the end of the block (b.w.off = bytes consumed) or MH_ETRUNC / MH_EPROTO.
 *
 * Ownership: the block borrows p (n bytes) until the next first / next
 * call; r and m are the decoder's and stay valid until the next call on
 * it: read them, never write them (the memo is in them). No allocation;
 * the decoder is about 4.5 KB, so keep one per Fn of a unit in a context
 * that lives across units (a session, a worker), not on a small stack.
 * One decoder is one thread's.
 */
#ifndef MH_PROTO_GDW1376_BLOCK_H
#define MH_PROTO_GDW1376_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/proto/gdw1376.h"

#define GDW1376_BLOCK_RUNS 16    /* runs per call */
#define GDW1376_BLOCK_VALUES 128 /* values per call (a 96-point curve and its head fit) */
#define GDW1376_BLOCK_MEMO 128   /* bytes of the largest block the memo keeps */
#define GDW1376_BLOCK_SEGS 32    /* stretches of plain values of a kept block */

/* Plain values at m[at..at+n), bytes off + i x size: BCD (mask, sign) or binary (mask; all EE = no data). */
struct gdw1376_block_seg {
    uint64_t mask, sign;
    uint16_t at, off;
    uint8_t n, size, bin;
};

struct gdw1376_block {
    struct gdw1376_walk w; /* w.off: the block's bytes consumed once the runs end */
    struct gdw1376_run r[GDW1376_BLOCK_RUNS];
    int64_t m[GDW1376_BLOCK_VALUES];
    unsigned nr;    /* runs in r after the last call */
    unsigned start; /* no run of the block yielded yet */
    int rc;         /* an error met after some runs: the next call's answer */
    /*
     * The memo: r[0..nr) and m are a whole block of `size` bytes, whose
     * layout bytes are `bytes` under `mask` (words of 8, little-endian, up
     * to `words`), its plain values seg[0..nseg).
     */
    unsigned shape, words, nseg;
    size_t size;
    uint64_t bytes[GDW1376_BLOCK_MEMO / 8], mask[GDW1376_BLOCK_MEMO / 8];
    struct gdw1376_block_seg seg[GDW1376_BLOCK_SEGS];
    unsigned long hits; /* blocks decoded from the memo (statistics, tests) */
};

/* A decoder with no memo: once, before its first gdw1376_block_first. */
static inline void gdw1376_block_init(struct gdw1376_block *b)
{
    b->w.def = NULL;
    b->w.run = 0; /* runs before any gdw1376_block_first: none */
    b->w.k = b->w.n_fields = 0;
    b->nr = 0;
    b->start = 0;
    b->rc = 0;
    b->shape = 0;
    b->hits = 0;
}

/*
 * The first block of a data unit: d the Fn's definition (borrowed), p n
 * bytes. A memo of the same Fn is kept (the next unit of the same read,
 * e.g. the next 8 pn of an F129 read of 64 meters), any other forgotten.
 */
static inline void gdw1376_block_first(struct gdw1376_block *b, const struct gdw1376_fn_def *d, const uint8_t *p,
                                       size_t n)
{
    if (b->shape && d == b->w.def) { /* the walk starts again on the first gdw1376_block_runs unless the memo takes the block */
        b->w.p = p;
        b->w.n = n;
    } else {
        gdw1376_walk_init(&b->w, d, p, n);
        b->shape = 0;
    }
    b->start = 1;
    b->rc = 0;
}

/*
 * The next block of the same Fn (the next pn), p n bytes as for init.
 * The walk carries on as gdw1376_walk_next_block, the memo is kept: the
 * walk itself starts again on the first gdw1376_block_runs unless the
 * memo takes the block.
 */
static inline void gdw1376_block_next(struct gdw1376_block *b, const uint8_t *p, size_t n)
{
    b->w.p = p;
    b->w.n = n;
    b->start = 1;
    b->rc = 0;
}

/*
 * The next runs of the block: their count (r[0..count), values in m in
 * order), 0 at the end, or MH_E* where gdw1376_walk_runs would end (an
 * error met after some runs comes on the next call). Reads only the n
 * bytes given.
 */
int gdw1376_block_runs_next(struct gdw1376_block *b);

/* Inline: the end of a block costs no call. */
static inline int gdw1376_block_runs(struct gdw1376_block *b)
{
    if (!b->start && !b->rc && !b->w.run && b->w.k >= b->w.n_fields)
        return 0;
    return gdw1376_block_runs_next(b);
}

#endif
