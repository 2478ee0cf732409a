/*
 * DL/T 698.45 link-layer fragmentation (clause 7, link layer; C.D5 = 1): user data
 * = fragment format (2 bytes little-endian: bits 11..0 index, 15..14 type
 * 00 first, 01 last, 10 confirm, 11 middle; bits 13..12 reserved and
 * ignored) + a slice of one APDU. Stop-and-wait: every fragment is
 * confirmed by a frame with DIR inverted, D5 set, type confirm and the same
 * index, and no slice.
 */
#include <string.h>

#include "apdu_int.h"

#define FRAG_INDEX_MASK 0x0FFFu

/* Header (68 .. HCS) and trailer (FCS, 16) around the user data. */
static size_t overhead(uint8_t af)
{
    return 8 + (size_t)(af & 0x0F) + 1 + 3;
}

/* Format of a parsed fragment frame, unscrambled when C.SC (frame_parse leaves user data
 * scrambled). */
static void frag_format(const struct dlt698_frame *f, uint16_t *index, uint8_t *type)
{
    *index = f->frag_index;
    *type = f->frag_type;
    if (f->c & DLT698_C_SC) {
        const uint8_t *q = f->apdu - 2;
        uint16_t ff = (uint16_t)((uint8_t)(q[0] - 0x33) | (uint8_t)(q[1] - 0x33) << 8);
        *index = ff & FRAG_INDEX_MASK;
        *type = (uint8_t)(ff >> 14);
    }
}

static int put_fragment(struct mh_wr *w, uint8_t c, uint8_t af, const uint8_t *sa, uint8_t ca,
                        uint16_t index, uint8_t type, const uint8_t *slice, size_t n)
{
    uint16_t ff = (uint16_t)((index & FRAG_INDEX_MASK) | (unsigned)type << 14);
    const uint8_t fmt[2] = {(uint8_t)ff, (uint8_t)(ff >> 8)};
    return dlt698_frame_encode_parts(w, (uint8_t)(c | DLT698_C_FRAG), af, sa, ca, fmt, 2, slice, n);
}

int dlt698_frag_tx_init(struct dlt698_frag_tx *tx, const uint8_t *apdu, size_t len,
                        size_t max_frame, uint8_t c, uint8_t af, const uint8_t *sa, uint8_t ca)
{
    memset(tx, 0, sizeof *tx);
    size_t oh = overhead(af);
    if (max_frame > DLT698_MAX_FRAME + 2)
        max_frame = DLT698_MAX_FRAME + 2;
    if (max_frame <= oh + 2)
        return MH_EINVAL;
    tx->apdu = apdu;
    tx->len = len;
    tx->chunk = max_frame - oh - 2;
    tx->c = (uint8_t)(c & ~DLT698_C_FRAG);
    tx->af = af;
    tx->ca = ca;
    memcpy(tx->sa, sa, (size_t)(af & 0x0F) + 1);
    return len + oh > max_frame ? 1 : 0;
}

static size_t slice_len(const struct dlt698_frag_tx *tx)
{
    size_t left = tx->len - tx->off;
    return left < tx->chunk ? left : tx->chunk;
}

int dlt698_frag_tx_next(struct dlt698_frag_tx *tx, struct mh_wr *w)
{
    if (tx->waiting)
        return MH_EBUSY;
    if (tx->off >= tx->len)
        return 0;
    size_t n = slice_len(tx);
    uint8_t type = tx->off + n >= tx->len ? DLT698_FRAG_LAST
                   : tx->off == 0         ? DLT698_FRAG_FIRST
                                          : DLT698_FRAG_MIDDLE;
    int rc = put_fragment(w, tx->c, tx->af, tx->sa, tx->ca, tx->index, type, tx->apdu + tx->off, n);
    if (rc != 0)
        return rc;
    tx->waiting = 1;
    return 1;
}

int dlt698_frag_tx_ack(struct dlt698_frag_tx *tx, const struct dlt698_frame *f)
{
    uint16_t index;
    uint8_t type;
    if (!tx->waiting || !(f->c & DLT698_C_FRAG) || ((f->c ^ tx->c) & DLT698_C_DIR) == 0)
        return MH_EPROTO;
    frag_format(f, &index, &type);
    if (type != DLT698_FRAG_CONFIRM)
        return MH_EPROTO;
    if (index != tx->index)
        return MH_EBADSEQ;
    tx->off += slice_len(tx);
    tx->index = (uint16_t)((tx->index + 1) & FRAG_INDEX_MASK);
    tx->waiting = 0;
    return 0;
}

void dlt698_frag_rx_init(struct dlt698_frag_rx *rx, uint8_t *buf, size_t cap)
{
    memset(rx, 0, sizeof *rx);
    rx->buf = buf;
    rx->cap = cap;
}

/* Drop the reassembly in progress and report why. */
static int rx_drop(struct dlt698_frag_rx *rx, int err)
{
    rx->active = 0;
    rx->len = 0;
    return err;
}

int dlt698_frag_rx_push(struct dlt698_frag_rx *rx, const struct dlt698_frame *f)
{
    uint16_t index;
    uint8_t type;
    if (!(f->c & DLT698_C_FRAG))
        return MH_EPROTO;
    frag_format(f, &index, &type);
    if (type == DLT698_FRAG_CONFIRM)
        return MH_EPROTO;
    /* The sender repeats a fragment whose confirm it missed: confirm again, take nothing. */
    if (rx->taken && index == ((rx->next - 1) & FRAG_INDEX_MASK) &&
        (rx->active || type == DLT698_FRAG_LAST))
        return MH_EEXIST;
    if (type == DLT698_FRAG_FIRST) {
        rx->len = 0; /* a first fragment (re)starts the APDU */
        rx->active = 1;
    } else if (!rx->active || index != rx->next) {
        return rx_drop(rx, MH_EBADSEQ);
    }
    if (f->apdu_len > rx->cap - rx->len)
        return rx_drop(rx, MH_EOVERFLOW);
    for (size_t k = 0; k < f->apdu_len; k++)
        rx->buf[rx->len + k] = (f->c & DLT698_C_SC) ? (uint8_t)(f->apdu[k] - 0x33) : f->apdu[k];
    rx->len += f->apdu_len;
    rx->next = (uint16_t)((index + 1) & FRAG_INDEX_MASK);
    rx->taken = 1;
    if (type == DLT698_FRAG_LAST) {
        rx->active = 0;
        return 1;
    }
    return 0;
}

int dlt698_frag_confirm_encode(struct mh_wr *w, const struct dlt698_frame *f)
{
    uint16_t index;
    uint8_t type;
    if (!(f->c & DLT698_C_FRAG))
        return MH_EINVAL;
    frag_format(f, &index, &type);
    return put_fragment(w, (uint8_t)(f->c ^ DLT698_C_DIR), f->af, f->sa, f->ca, index,
                        DLT698_FRAG_CONFIRM, NULL, 0);
}
