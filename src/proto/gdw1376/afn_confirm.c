/*
 * AFN00 confirm/deny (F1 all, F2 all denied, F3 per item), AFN01 reset
 * F1..F4 and the AFN02 link frames' units (login, logout, heartbeat).
 */
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"

#define ACK_ITEM 5u

int gdw1376_ack_all_put(struct mh_wr *w, int deny)
{
    return gdw1376_unit_put(w, 0, deny ? 2 : 1, NULL, 0);
}

int gdw1376_ack_items_put(struct mh_wr *w, uint8_t afn, const struct gdw1376_ack_item *it, size_t n)
{
    if (n == 0)
        return MH_EINVAL;
    gdw1376_unit_put(w, 0, 3, &afn, 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t b[ACK_ITEM] = {it[i].da1, it[i].da2, it[i].dt1, it[i].dt2, it[i].err};
        mh_wr_bytes(w, b, sizeof b);
    }
    return mh_wr_err(w);
}

int gdw1376_ack_parse(const uint8_t *units, size_t n, struct gdw1376_ack *a)
{
    struct mh_rd r;
    mh_rd_init(&r, units, n);
    const uint8_t *h = mh_rd_bytes(&r, 4);
    if (!h)
        return MH_ETRUNC;
    if (h[0] != 0 || h[1] != 0)
        return MH_EPROTO; /* AFN00 is always on p0 */
    *a = (struct gdw1376_ack){0};
    if (h[3] == 0 && (h[2] == 0x01 || h[2] == 0x02)) {
        a->fn = h[2];
        return 0;
    }
    if (h[3] != 0 || (h[2] != 0x04 && h[2] != 0x03)) /* 03 00: F3 as some terminals code it */
        return MH_EUNKNOWN;
    a->fn = 3;
    a->afn = mh_rd_u8(&r);
    size_t left = mh_rd_left(&r);
    if (mh_rd_err(&r) || left == 0 || left % ACK_ITEM)
        return MH_ETRUNC;
    a->n_items = left / ACK_ITEM;
    a->items = units + r.off;
    return 0;
}

int gdw1376_ack_item_get(const struct gdw1376_ack *a, size_t i, struct gdw1376_ack_item *it)
{
    if (i >= a->n_items)
        return MH_EINVAL;
    const uint8_t *p = a->items + i * ACK_ITEM;
    *it = (struct gdw1376_ack_item){p[0], p[1], p[2], p[3], p[4]};
    return 0;
}

int gdw1376_enc_ack(struct mh_wr *w, const struct gdw1376_addr *a, uint8_t rseq, const uint8_t *units,
                    size_t n, const uint8_t ec[2])
{
    if (rseq > 15)
        return MH_EINVAL;
    /* 80: DIR=1 PRM=0 function 0 (confirm); A0 with ACD when EC follows */
    uint8_t c = (uint8_t)(GDW1376_C_DIR | (ec ? GDW1376_C_FCB_ACD : 0));
    return gdw1376_frame_encode(w, c, a, GDW1376_AFN_CONFIRM, (uint8_t)(GDW1376_SEQ_FIR | GDW1376_SEQ_FIN | rseq),
                                units, n, NULL, 0, ec, NULL);
}

int gdw1376_enc_reset(struct mh_wr *w, const struct gdw1376_req *r, uint16_t fn)
{
    if (fn < 1 || fn > 4)
        return MH_EINVAL;
    uint8_t h[4];
    struct mh_wr u;
    mh_wr_init(&u, h, sizeof h);
    gdw1376_unit_put(&u, 0, fn, NULL, 0);
    struct gdw1376_unit unit = {h[0], h[1], h[2], h[3], NULL, 0};
    struct gdw1376_req q = *r;
    q.afn = GDW1376_AFN_RESET;
    return gdw1376_req_encode(w, &q, &unit, 1);
}

/* One p0 unit of a known Fn range, nothing else: AFN01 and AFN02. */
static int p0_fn(struct mh_rd *r, uint16_t lo, uint16_t hi, uint16_t *fn)
{
    const uint8_t *h = mh_rd_bytes(r, 4);
    if (!h)
        return MH_ETRUNC;
    uint16_t f[8];
    if (h[0] != 0 || h[1] != 0)
        return MH_EPROTO;
    if (gdw1376_dt_decode(h[2], h[3], f) != 1)
        return MH_EPROTO;
    if (f[0] < lo || f[0] > hi)
        return MH_EUNKNOWN;
    *fn = f[0];
    return 0;
}

int gdw1376_reset_parse(const uint8_t *units, size_t n, uint16_t *fn)
{
    struct mh_rd r;
    mh_rd_init(&r, units, n);
    int rc = p0_fn(&r, 1, 4, fn);
    if (rc == 0 && mh_rd_left(&r))
        rc = MH_ETRAILING;
    return rc;
}

int gdw1376_link_parse(const uint8_t *units, size_t n, uint16_t *fn, struct mh_tm *clock, int *clock_present)
{
    struct mh_rd r;
    mh_rd_init(&r, units, n);
    *clock_present = 0;
    int rc = p0_fn(&r, 1, 3, fn);
    if (rc)
        return rc;
    if (*fn == 3 && mh_rd_left(&r) == 6) { /* provincial heartbeat with the terminal clock */
        struct gdw1376_value v;
        gdw1376_fmt_decode(GDW1376_A1, r.p + r.off, 6, &v);
        if (v.kind != GDW1376_V_TIME)
            return MH_EBADTIME;
        *clock = v.time;
        *clock_present = 1;
        return 0;
    }
    return mh_rd_left(&r) ? MH_ETRAILING : 0;
}
