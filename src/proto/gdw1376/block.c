/*
 * Q/GDW 1376.1 data blocks a whole block at a time (gdw1376_block.h): the
 * runs of gdw1376_walk_runs gathered per call, and a block whose layout
 * bytes repeat those of the block before decoded from the memo, its plain
 * values only.
 */
#include <string.h>

#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_block.h"

/* Do the layout bytes at p match the memo's? p has at least size + 8 bytes (every word load inside). */
static int same_layout(const struct gdw1376_block *b, const uint8_t *p)
{
    uint64_t diff = 0;
    for (unsigned k = 0; k < b->words; k++) {
        uint64_t x;
        memcpy(&x, p + 8 * k, 8);
        diff |= (x ^ b->bytes[k]) & b->mask[k];
    }
    return diff == 0;
}

/* The plain values of a block at p into m, segment by segment (as run_values and field_values decode them). */
static void decode_segments(const struct gdw1376_block_seg *s, unsigned nseg, const uint8_t *p, int64_t *restrict m)
{
    for (const struct gdw1376_block_seg *end = s + nseg; s < end; s++) {
        const uint8_t *q = p + s->off;
        int64_t *out = m + s->at;
        uint64_t mask = s->mask, sign = s->sign;
        unsigned size = s->size, n = s->n;
        if (!s->bin) {
            gdw1376_bcd_words(q, n, size, mask, sign, out);
        } else { /* minutes, counts, status words: EE.. = no data */
            uint64_t ee = 0xEEEEEEEEEEEEEEEEu & mask;
            for (unsigned i = 0; i < n; i++, q += size) {
                uint64_t raw;
                memcpy(&raw, q, 8);
                raw &= mask;
                out[i] = raw == ee ? GDW1376_NODATA : (int64_t)raw;
            }
        }
    }
}

/* Add a stretch of plain values, merged into the one before when it carries on from it. */
static int add_seg(struct gdw1376_block *b, unsigned at, size_t off, unsigned n, unsigned size, uint64_t mask,
                   uint64_t sign, unsigned bin)
{
    if (b->nseg) {
        struct gdw1376_block_seg *s = &b->seg[b->nseg - 1];
        if (s->at + s->n == at && s->off + (size_t)s->n * s->size == off && s->size == size && s->mask == mask &&
            s->sign == sign && s->bin == bin && s->n + n <= 255) {
            s->n = (uint8_t)(s->n + n);
            return 0;
        }
    }
    if (b->nseg == GDW1376_BLOCK_SEGS)
        return -1;
    b->seg[b->nseg++] = (struct gdw1376_block_seg){
        .mask = mask, .sign = sign, .at = (uint16_t)at, .off = (uint16_t)off, .n = (uint8_t)n, .size = (uint8_t)size,
        .bin = (uint8_t)bin};
    return 0;
}

/* Clear bytes [o, o + len) of a byte mask kept as little-endian words. */
static void clear_bytes(uint64_t *mask, size_t o, size_t len)
{
    while (len) {
        unsigned sh = (unsigned)(o % 8), take = 8 - sh < len ? 8 - sh : (unsigned)len;
        uint64_t bits = take == 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * take)) - 1) << (8 * sh);
        mask[o / 8] &= ~bits;
        o += take;
        len -= take;
    }
}

/*
 * Keep the block just walked whole (r[0..nr), run j from byte off[j],
 * planned[j] as gdw1376_walk.planned left it; at least 8 bytes after it)
 * as the memo: its plain values as segments, every other byte as layout.
 * A run of the field plans holds plain values (BCD and binary) and layout
 * (times, the tariff count); a run of one value the general way is layout
 * throughout.
 */
static void keep(struct gdw1376_block *b, const size_t *off, const uint8_t *planned)
{
    size_t size = b->w.off;
    unsigned words = (unsigned)((size + 7) / 8);
    for (unsigned k = 0; k < words; k++)
        b->mask[k] = ~(uint64_t)0;
    if (size % 8)
        b->mask[words - 1] = ((uint64_t)1 << (8 * (size % 8))) - 1;
    b->nseg = 0;
    unsigned at = 0;
    for (unsigned j = 0; j < b->nr; at += b->r[j].n, j++) {
        const struct gdw1376_run *r = &b->r[j];
        if (!planned[j])
            continue;
        size_t o = off[j];
        for (unsigned i = 0; i < (r->fields ? r->n : 1u); i++) {
            const struct gdw1376_field *f = r->fields ? &r->field[i] : r->field;
            unsigned n = r->fields ? 1u : r->n, size1 = f->bcd_size;
            int rc = 0;
            if (f->plan == GDW1376_PLAN_BCD)
                rc = add_seg(b, at + i, o, n, size1, f->bcd_mask, f->bcd_sign, 0);
            else if (f->plan == GDW1376_PLAN_BIN)
                rc = add_seg(b, at + i, o, n, size1, size1 == 4 ? 0xFFFFFFFFu : 0xFFFFu, 0, 1);
            else {
                o += size1;
                continue; /* a time, the tariff count: layout */
            }
            if (rc != 0)
                return; /* too many stretches: no memo */
            clear_bytes(b->mask, o, (size_t)n * size1);
            o += (size_t)n * size1;
        }
    }
    memcpy(b->bytes, b->w.p, 8 * (size_t)words); /* inside: 8 bytes follow the block */
    b->words = 0;
    for (unsigned k = 0; k < words; k++) {
        b->bytes[k] &= b->mask[k];
        if (b->mask[k])
            b->words = k + 1;
    }
    b->size = size;
    b->shape = 1;
}

/*
 * The runs of the block the general way (gdw1376_walk_runs) from where the
 * walk is; whole: the block's first call, so a block that ends within it
 * can be kept. Apart, so that the memo's path sets up no frame for it.
 */
__attribute__((noinline)) static int walk_block(struct gdw1376_block *b, unsigned whole)
{
    struct gdw1376_walk *w = &b->w;
    b->shape = 0; /* r and m are about to change */
    size_t off[GDW1376_BLOCK_RUNS], used = 0;
    uint8_t planned[GDW1376_BLOCK_RUNS];
    unsigned nr = 0;
    int rc = 1;
    while (nr < GDW1376_BLOCK_RUNS && used < GDW1376_BLOCK_VALUES) {
        size_t at = w->off;
        rc = gdw1376_walk_runs(w, &b->r[nr], b->m + used, GDW1376_BLOCK_VALUES - used);
        if (rc != 1)
            break;
        off[nr] = at;
        planned[nr] = (uint8_t)w->planned;
        used += b->r[nr].n;
        nr++;
    }
    b->nr = nr;
    if (rc < 0) {
        b->rc = rc;
        return nr ? (int)nr : rc;
    }
    int end = rc == 0 || (!w->run && w->k >= w->n_fields);
    if (whole && end && nr > 0 && w->off <= GDW1376_BLOCK_MEMO && w->n - w->off >= 8)
        keep(b, off, planned);
    return (int)nr;
}

int gdw1376_block_runs_next(struct gdw1376_block *b)
{
    struct gdw1376_walk *w = &b->w;
    if (b->start) {
        b->start = 0;
        if (b->shape && w->n >= b->size) {
            /* the last block of the data: its bytes with 8 zero bytes after them, for the word loads */
            uint8_t tail[GDW1376_BLOCK_MEMO + 8];
            const uint8_t *p = w->p;
            if (w->n < b->size + 8) {
                memset(tail + b->size, 0, 8);
                p = memcpy(tail, p, b->size);
            }
            if (same_layout(b, p)) {
                /* the walk's end state, runs and layout values are the block before's; w->off is its size */
                decode_segments(b->seg, b->nseg, p, b->m);
                b->hits++;
                return (int)b->nr;
            }
        }
        gdw1376_walk_next_block(w, w->p, w->n);
        return walk_block(b, 1);
    }
    return b->rc ? b->rc : walk_block(b, 0);
}
