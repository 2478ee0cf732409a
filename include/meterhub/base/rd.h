/*
 * Bounded byte reader for untrusted input.
 *
 * Invariants: off <= len at all times; no getter ever touches p[off..] beyond
 * len. The first failed read sets the sticky err (MH_ETRUNC) and every later
 * getter returns 0 / NULL without moving, so a decoder reads a whole
 * structure and checks mh_rd_err() once at the end instead of after every
 * field (the pattern of curl's strparse). The reader borrows the bytes: they
 * must outlive it and every pointer it hands out.
 */
#ifndef MH_BASE_RD_H
#define MH_BASE_RD_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/base/err.h"

struct mh_rd {
    const uint8_t *p;
    size_t len;
    size_t off;
    int err; /* 0, or the first error seen */
};

static inline void mh_rd_init(struct mh_rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
    r->err = 0;
}

static inline size_t mh_rd_left(const struct mh_rd *r)
{
    return r->len - r->off;
}

static inline int mh_rd_err(const struct mh_rd *r)
{
    return r->err;
}

/* Record an error (keeps the first one). Returns the error kept. */
static inline int mh_rd_fail(struct mh_rd *r, int err)
{
    if (r->err == 0)
        r->err = err;
    return r->err;
}

/* Returns 1 when n more bytes are available; otherwise marks ETRUNC and returns 0. */
static inline int mh_rd_need(struct mh_rd *r, size_t n)
{
    if (r->err != 0)
        return 0;
    if (n > r->len - r->off) {
        r->err = MH_ETRUNC;
        return 0;
    }
    return 1;
}

/* Pointer to the next n bytes and advance, or NULL (and ETRUNC) if fewer remain. */
static inline const uint8_t *mh_rd_bytes(struct mh_rd *r, size_t n)
{
    if (!mh_rd_need(r, n))
        return NULL;
    const uint8_t *q = r->p + r->off;
    r->off += n;
    return q;
}

static inline void mh_rd_skip(struct mh_rd *r, size_t n)
{
    (void)mh_rd_bytes(r, n);
}

static inline uint8_t mh_rd_u8(struct mh_rd *r)
{
    const uint8_t *q = mh_rd_bytes(r, 1);
    return q ? q[0] : 0;
}

/* Next byte without consuming it; 0 and ETRUNC when none is left. */
static inline uint8_t mh_rd_peek(struct mh_rd *r)
{
    if (!mh_rd_need(r, 1))
        return 0;
    return r->p[r->off];
}

static inline uint16_t mh_rd_u16le(struct mh_rd *r)
{
    const uint8_t *q = mh_rd_bytes(r, 2);
    return q ? (uint16_t)(q[0] | (q[1] << 8)) : 0;
}

static inline uint16_t mh_rd_u16be(struct mh_rd *r)
{
    const uint8_t *q = mh_rd_bytes(r, 2);
    return q ? (uint16_t)((q[0] << 8) | q[1]) : 0;
}

static inline uint32_t mh_rd_u32le(struct mh_rd *r)
{
    const uint8_t *q = mh_rd_bytes(r, 4);
    return q ? (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24
             : 0;
}

static inline uint32_t mh_rd_u32be(struct mh_rd *r)
{
    const uint8_t *q = mh_rd_bytes(r, 4);
    return q ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | (uint32_t)q[3]
             : 0;
}

static inline uint64_t mh_rd_u64be(struct mh_rd *r)
{
    const uint8_t *q = mh_rd_bytes(r, 8);
    uint64_t v = 0;
    if (q)
        for (int i = 0; i < 8; i++)
            v = v << 8 | q[i];
    return v;
}

/*
 * Split off the next n bytes as a reader of their own (for a length-prefixed
 * structure), advancing this one past them. On truncation both readers carry
 * ETRUNC and the sub-reader is empty.
 */
static inline struct mh_rd mh_rd_sub(struct mh_rd *r, size_t n)
{
    struct mh_rd s;
    const uint8_t *q = mh_rd_bytes(r, n);
    mh_rd_init(&s, q, q ? n : 0);
    if (!q)
        s.err = r->err;
    return s;
}

#endif
