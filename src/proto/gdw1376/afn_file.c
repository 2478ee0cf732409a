/*
 * AFN0F F1 file transfer (Q/GDW 1376.1-2013 5.15): the master sends a file
 * (firmware) in numbered segments; the terminal answers each with the
 * segment it has taken.
 */
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"

int gdw1376_file_put(struct mh_wr *w, const struct gdw1376_file_seg *s)
{
    if (s->attr > 1 || (s->len && !s->data) || (s->total && s->index >= s->total))
        return MH_EINVAL;
    mh_wr_u8(w, s->file_id);
    mh_wr_u8(w, s->attr);
    mh_wr_u8(w, s->cmd);
    mh_wr_u16le(w, s->total);
    mh_wr_u32le(w, s->index);
    mh_wr_u16le(w, s->len);
    mh_wr_bytes(w, s->data, s->len);
    return mh_wr_err(w);
}

int gdw1376_file_parse(const uint8_t *data, size_t n, struct gdw1376_file_seg *s, size_t *used)
{
    struct mh_rd r;
    mh_rd_init(&r, data, n);
    s->file_id = mh_rd_u8(&r);
    s->attr = mh_rd_u8(&r);
    s->cmd = mh_rd_u8(&r);
    s->total = mh_rd_u16le(&r);
    s->index = mh_rd_u32le(&r);
    s->len = mh_rd_u16le(&r);
    s->data = mh_rd_bytes(&r, s->len);
    if (mh_rd_err(&r))
        return MH_ETRUNC;
    if (s->attr > 1 || (s->total && s->index >= s->total))
        return MH_ERANGE;
    *used = r.off;
    return 0;
}

int gdw1376_file_reply_put(struct mh_wr *w, uint32_t index)
{
    mh_wr_u32le(w, index);
    return mh_wr_err(w);
}

int gdw1376_file_reply_parse(const uint8_t *data, size_t n, uint32_t *index)
{
    if (n < 4)
        return MH_ETRUNC;
    *index = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
    return n > 4 ? MH_ETRAILING : 0;
}
