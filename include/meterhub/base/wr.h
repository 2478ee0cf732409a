/*
 * Bounded byte writer.
 *
 * Invariants: off <= cap; nothing is written past cap. The first write that
 * does not fit sets the sticky err (MH_ENOSPC) and later writes are dropped,
 * so an encoder writes a whole frame and checks mh_wr_err() once. The buffer
 * is borrowed from the caller.
 */
#ifndef MH_BASE_WR_H
#define MH_BASE_WR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "meterhub/base/err.h"

struct mh_wr {
    uint8_t *p;
    size_t cap;
    size_t off;
    int err;
};

static inline void mh_wr_init(struct mh_wr *w, uint8_t *p, size_t cap)
{
    w->p = p;
    w->cap = cap;
    w->off = 0;
    w->err = 0;
}

static inline int mh_wr_err(const struct mh_wr *w)
{
    return w->err;
}

static inline size_t mh_wr_len(const struct mh_wr *w)
{
    return w->off;
}

static inline int mh_wr_fail(struct mh_wr *w, int err)
{
    if (w->err == 0)
        w->err = err;
    return w->err;
}

/* Reserve n bytes and return where to write them, or NULL (and ENOSPC). */
static inline uint8_t *mh_wr_reserve(struct mh_wr *w, size_t n)
{
    if (w->err != 0)
        return NULL;
    if (n > w->cap - w->off) {
        w->err = MH_ENOSPC;
        return NULL;
    }
    uint8_t *q = w->p + w->off;
    w->off += n;
    return q;
}

static inline void mh_wr_bytes(struct mh_wr *w, const void *src, size_t n)
{
    uint8_t *q = mh_wr_reserve(w, n);
    if (q && n)
        memcpy(q, src, n);
}

static inline void mh_wr_fill(struct mh_wr *w, uint8_t byte, size_t n)
{
    uint8_t *q = mh_wr_reserve(w, n);
    if (q && n)
        memset(q, byte, n);
}

static inline void mh_wr_u8(struct mh_wr *w, uint8_t v)
{
    uint8_t *q = mh_wr_reserve(w, 1);
    if (q)
        q[0] = v;
}

static inline void mh_wr_u16le(struct mh_wr *w, uint16_t v)
{
    uint8_t *q = mh_wr_reserve(w, 2);
    if (q) {
        q[0] = (uint8_t)v;
        q[1] = (uint8_t)(v >> 8);
    }
}

static inline void mh_wr_u16be(struct mh_wr *w, uint16_t v)
{
    uint8_t *q = mh_wr_reserve(w, 2);
    if (q) {
        q[0] = (uint8_t)(v >> 8);
        q[1] = (uint8_t)v;
    }
}

static inline void mh_wr_u32le(struct mh_wr *w, uint32_t v)
{
    uint8_t *q = mh_wr_reserve(w, 4);
    if (q)
        for (int i = 0; i < 4; i++)
            q[i] = (uint8_t)(v >> (8 * i));
}

static inline void mh_wr_u32be(struct mh_wr *w, uint32_t v)
{
    uint8_t *q = mh_wr_reserve(w, 4);
    if (q)
        for (int i = 0; i < 4; i++)
            q[i] = (uint8_t)(v >> (24 - 8 * i));
}

static inline void mh_wr_u64be(struct mh_wr *w, uint64_t v)
{
    uint8_t *q = mh_wr_reserve(w, 8);
    if (q)
        for (int i = 0; i < 8; i++)
            q[i] = (uint8_t)(v >> (56 - 8 * i));
}

#endif
