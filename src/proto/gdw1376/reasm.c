/*
 * Multi-frame reassembly (Q/GDW 1376.1-2013 5.2.3.2, protocol notes 11.4):
 * a reply split over frames is the concatenation of their data units,
 * FIR first, FIN last, RSEQ rising by one per frame. Bounded by the
 * caller's buffer; no allocation.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"

void gdw1376_reasm_init(struct gdw1376_reasm *m, uint8_t *buf, size_t cap)
{
    memset(m, 0, sizeof *m);
    m->buf = buf;
    m->cap = cap;
}

void gdw1376_reasm_reset(struct gdw1376_reasm *m)
{
    m->len = 0;
    m->active = 0;
    m->frames = 0;
}

static int append(struct gdw1376_reasm *m, const struct gdw1376_frame *f)
{
    if (f->units_len > m->cap - m->len) {
        gdw1376_reasm_reset(m);
        return MH_EOVERFLOW;
    }
    if (f->units_len)
        memcpy(m->buf + m->len, f->units, f->units_len);
    m->len += f->units_len;
    m->frames++;
    m->next_seq = (uint8_t)((f->seq + 1) & 15);
    if (f->seq & GDW1376_SEQ_FIN) {
        m->active = 0;
        return 1;
    }
    return 0;
}

int gdw1376_reasm_feed(struct gdw1376_reasm *m, const struct gdw1376_frame *f)
{
    int fir = (f->seq & GDW1376_SEQ_FIR) != 0, fin = (f->seq & GDW1376_SEQ_FIN) != 0;
    if (fir || (!m->active && fin)) {
        /* a new message; a lone FIN with nothing pending is a single frame (FIR=0 quirk) */
        gdw1376_reasm_reset(m);
        m->active = 1;
        m->afn = f->afn;
        return append(m, f);
    }
    if (!m->active)
        return MH_EBADSEQ; /* a middle frame of a message we did not see start */
    if ((f->seq & 15) != m->next_seq)
        return MH_EBADSEQ; /* duplicate or gap: keep waiting for the right one */
    if (f->afn != m->afn) {
        gdw1376_reasm_reset(m);
        return MH_EPROTO;
    }
    return append(m, f);
}
