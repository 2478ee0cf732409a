/*
 * Q/GDW 1376.1 application frames, the generic part: DA/DT sets (5.2.3.3),
 * a walker over data units, master requests and terminal responses split
 * over frames (5.2.3.2 SEQ, 5.2.3.4 AUX). Framing itself is frame.c's
 * gdw1376_frame_encode; this file only lays out units and chooses C/SEQ.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "afn_int.h"

#define FRAME_OVERHEAD 16u /* 68 L L 68 C A(5) AFN SEQ ... CS 16 */
#define UNIT_HEAD 4u

int gdw1376_da_set(const uint16_t *pn, size_t n, uint8_t *da1, uint8_t *da2)
{
    if (n == 0 || n > 8)
        return MH_EINVAL;
    if (n == 1 && pn[0] == 0xFFFF) { /* FF 00: all valid measuring points */
        *da1 = 0xFF;
        *da2 = 0;
        return 0;
    }
    uint8_t m = 0, g = 0;
    for (size_t i = 0; i < n; i++) {
        if (pn[i] == 0) {
            if (n != 1)
                return MH_EINVAL; /* p0 cannot share a DA with measuring points */
            *da1 = *da2 = 0;
            return 0;
        }
        if (pn[i] > 2040)
            return MH_EINVAL;
        uint8_t gi = (uint8_t)((pn[i] - 1) / 8 + 1);
        if (i > 0 && gi != g)
            return MH_EINVAL;
        g = gi;
        m |= (uint8_t)(1u << ((pn[i] - 1) % 8));
    }
    *da1 = m;
    *da2 = g;
    return 0;
}

int gdw1376_dt_set(const uint16_t *fn, size_t n, uint8_t *dt1, uint8_t *dt2)
{
    if (n == 0 || n > 8)
        return MH_EINVAL;
    uint8_t m = 0, g = 0;
    for (size_t i = 0; i < n; i++) {
        if (fn[i] < 1 || fn[i] > 248)
            return MH_EINVAL;
        uint8_t gi = (uint8_t)((fn[i] - 1) / 8);
        if (i > 0 && gi != g)
            return MH_EINVAL;
        g = gi;
        m |= (uint8_t)(1u << ((fn[i] - 1) % 8));
    }
    *dt1 = m;
    *dt2 = g;
    return 0;
}

int gdw1376_unit_put(struct mh_wr *w, uint16_t pn, uint16_t fn, const uint8_t *data, size_t len)
{
    uint8_t h[UNIT_HEAD];
    if (gdw1376_da_set(&pn, 1, &h[0], &h[1]) != 0 || gdw1376_dt_set(&fn, 1, &h[2], &h[3]) != 0)
        return MH_EINVAL;
    mh_wr_bytes(w, h, sizeof h);
    if (len)
        mh_wr_bytes(w, data, len);
    return mh_wr_err(w);
}

void gdw1376_units_begin(struct gdw1376_units_it *it, const uint8_t *units, size_t len)
{
    memset(it, 0, sizeof *it);
    mh_rd_init(&it->r, units, len);
}

int gdw1376_units_next(struct gdw1376_units_it *it, uint16_t *pn, uint16_t *fn)
{
    if (mh_rd_err(&it->r))
        return mh_rd_err(&it->r);
    if (it->jf >= it->nf) { /* this fn set done for the current pn */
        it->jf = 0;
        it->ip++;
    }
    if (it->ip >= it->np) { /* the unit is done: the next DA DT */
        if (mh_rd_left(&it->r) == 0)
            return 0;
        const uint8_t *h = mh_rd_bytes(&it->r, UNIT_HEAD);
        if (!h)
            return MH_ETRUNC;
        int np = gdw1376_da_decode(h[0], h[1], it->pn);
        int nf = gdw1376_dt_decode(h[2], h[3], it->fn);
        if (np < 0 || nf < 0)
            return mh_rd_fail(&it->r, MH_EPROTO);
        if (np == 0 || nf == 0)
            return mh_rd_fail(&it->r, MH_EPROTO); /* a unit that names nothing */
        it->np = np;
        it->nf = nf;
        it->ip = it->jf = 0;
    }
    *pn = it->pn[it->ip];
    *fn = it->fn[it->jf++];
    return 1;
}

/* Usual C function per AFN for a master request (5.2.2.1, 12 quirks). */
static uint8_t req_func(uint8_t afn)
{
    static const uint8_t f[] = {
        [GDW1376_AFN_CONFIRM] = 11, [GDW1376_AFN_RESET] = 1,   [GDW1376_AFN_LINK] = 9,
        [GDW1376_AFN_RELAY] = 10,   [GDW1376_AFN_SET] = 10,    [GDW1376_AFN_CONTROL] = 10,
        [GDW1376_AFN_AUTH] = 10,    [7] = 10,                  [GDW1376_AFN_CASCADE] = 10,
        [GDW1376_AFN_CONFIG] = 10,  [GDW1376_AFN_QUERY] = 10,  [GDW1376_AFN_TASK] = 11,
        [GDW1376_AFN_CLASS1] = 11,  [GDW1376_AFN_CLASS2] = 11, [GDW1376_AFN_CLASS3] = 11,
        [GDW1376_AFN_FILE] = 10,    [GDW1376_AFN_FORWARD] = 10,
    };
    return afn < sizeof f ? f[afn] : 10;
}

static size_t units_size(const struct gdw1376_unit *u, size_t n)
{
    size_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += UNIT_HEAD + u[i].len;
    return s;
}

/* Lay units out in w (already bounded to the frame's maximum). */
static void units_write(struct mh_wr *w, const struct gdw1376_unit *u, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t h[UNIT_HEAD] = {u[i].da1, u[i].da2, u[i].dt1, u[i].dt2};
        mh_wr_bytes(w, h, sizeof h);
        if (u[i].len)
            mh_wr_bytes(w, u[i].data, u[i].len);
    }
}

static int frame_with_units(struct mh_wr *w, uint8_t c, const struct gdw1376_addr *a, uint8_t afn,
                            uint8_t seq, const struct gdw1376_unit *u, size_t n, const uint8_t *pw,
                            size_t pw_len, const uint8_t *ec, const struct gdw1376_tp *tp)
{
    if (units_size(u, n) > GDW1376_MAX_USER)
        return MH_EOVERFLOW;
    size_t start;
    int rc = gdw1376_frame_begin(w, c, a, afn, seq, &start);
    if (rc)
        return rc;
    units_write(w, u, n);
    return gdw1376_frame_end(w, start, pw, pw_len, ec, tp);
}

int gdw1376_req_encode(struct mh_wr *w, const struct gdw1376_req *r, const struct gdw1376_unit *u,
                       size_t n)
{
    if (r->pseq > 15 || r->addr.msa > 127)
        return MH_EINVAL;
    uint8_t func = r->func ? r->func : req_func(r->afn);
    uint8_t c = (uint8_t)(GDW1376_C_PRM | (r->fcb & (GDW1376_C_FCB_ACD | GDW1376_C_FCV)) | (func & 15));
    uint8_t seq = (uint8_t)(GDW1376_SEQ_FIR | GDW1376_SEQ_FIN | (r->con ? GDW1376_SEQ_CON : 0) | r->pseq);
    static const uint8_t zeros[16];
    const uint8_t *pw = NULL;
    size_t pw_len = 0;
    if (gdw1376_afn_has_pw(r->afn)) {
        pw_len = r->pw_len ? r->pw_len : 16;
        if (pw_len > 16 && !r->pw)
            return MH_EINVAL;
        pw = r->pw ? r->pw : zeros;
    }
    return frame_with_units(w, c, &r->addr, r->afn, seq, u, n, pw, pw_len, NULL, r->tp);
}

int gdw1376_rsp_encode(struct mh_wr *w, const struct gdw1376_rsp *r, const struct gdw1376_unit *u,
                       size_t n, size_t max_frame, size_t *ends, size_t max_ends)
{
    if (r->rseq > 15 || max_ends == 0)
        return MH_EINVAL;
    size_t aux = (r->ec ? 2u : 0u) + (r->tp ? 6u : 0u);
    if (max_frame > GDW1376_MAX_USER + 8u)
        max_frame = GDW1376_MAX_USER + 8u;
    if (max_frame < FRAME_OVERHEAD + aux)
        return MH_EOVERFLOW;
    size_t room = max_frame - FRAME_OVERHEAD - aux; /* unit bytes per frame */
    /* 5.2.2.1: a report the terminal starts is function 4 (C4); an answer is 8, a confirm 0 */
    uint8_t func = r->func ? r->func : r->prm ? 4 : (r->afn == GDW1376_AFN_CONFIRM ? 0 : 8);
    uint8_t c = (uint8_t)(GDW1376_C_DIR | (r->prm ? GDW1376_C_PRM : 0) |
                          (r->ec ? GDW1376_C_FCB_ACD : 0) | (func & 15));
    size_t i = 0, k = 0;
    do {
        size_t j = i, used = 0;
        while (j < n && used + UNIT_HEAD + u[j].len <= room)
            used += UNIT_HEAD + u[j++].len;
        if (j == i && n > 0)
            return MH_EOVERFLOW; /* one unit larger than a frame */
        if (k == max_ends)
            return MH_EOVERFLOW;
        uint8_t seq = (uint8_t)((i == 0 ? GDW1376_SEQ_FIR : 0) | (j == n ? GDW1376_SEQ_FIN : 0) |
                                (r->con ? GDW1376_SEQ_CON : 0) | ((r->rseq + k) & 15));
        int rc = frame_with_units(w, c, &r->addr, r->afn, seq, u + i, j - i, NULL, 0, r->ec, r->tp);
        if (rc)
            return rc;
        ends[k++] = w->off;
        i = j;
    } while (i < n);
    return (int)k;
}

int afn_units_each(const uint8_t *units, size_t n, size_t max, afn_item_fn one, void *ctx)
{
    struct gdw1376_units_it it;
    gdw1376_units_begin(&it, units, n);
    size_t k = 0;
    uint16_t pn, fn;
    int rc;
    while ((rc = gdw1376_units_next(&it, &pn, &fn)) == 1) {
        if (k == max)
            return MH_EOVERFLOW;
        rc = one(ctx, k, &it.r, pn, fn);
        if (rc)
            return rc;
        k++;
    }
    return rc < 0 ? rc : (int)k;
}

const void *afn_table_find(const void *table, size_t rows, size_t row_size, uint16_t fn)
{
    const unsigned char *p = table;
    for (size_t i = 0; i < rows; i++, p += row_size) {
        uint16_t f;
        memcpy(&f, p, sizeof f);
        if (f == fn)
            return p;
    }
    return NULL;
}
