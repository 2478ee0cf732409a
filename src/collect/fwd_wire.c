/*
 * The messages of on-demand reads and fep requests between front-end
 * processes (collect_fwd.h): encoder and bounded decoder. The decoder takes bytes
 * from another process of the station; they are still checked field by
 * field (a worker may be an older build during an upgrade, or a bug may
 * send garbage), and nothing past n is read.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/base/rd.h"
#include "meterhub/base/wr.h"
#include "meterhub/collect_fwd.h"

/* An address the fep could hold: 1..FEP_ADDR_MAX-1 printable ASCII bytes (hex, in practice). */
static int addr_ok(const char *a, size_t n)
{
    if (n == 0 || n >= FEP_ADDR_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] < 0x21 || a[i] > 0x7e)
            return 0;
    return 1;
}

/* The frames of a reply: none unless done, each at least one byte, within the maximum. */
static int reply_ok(const struct collect_fwd_reply *r)
{
    if (r->status > FEP_CANCELLED || r->n_frames > COLLECT_FWD_REPLY_FRAMES_MAX ||
        (r->n_frames && r->status != FEP_DONE))
        return 0;
    uint32_t prev = 0;
    for (unsigned i = 0; i < r->n_frames; i++) {
        if (r->ends[i] <= prev || r->ends[i] > COLLECT_FWD_REPLY_MAX)
            return 0;
        prev = r->ends[i];
    }
    return 1;
}

static size_t reply_len(const struct collect_fwd_reply *r)
{
    return r->n_frames ? r->ends[r->n_frames - 1] : 0;
}

static int encode_fep(const struct collect_fwd_fep *q, struct mh_wr *w)
{
    size_t an = strnlen(q->addr, sizeof q->addr);
    if (q->prio > FEP_PRIO_SCHEDULED || !addr_ok(q->addr, an) || q->len == 0 ||
        q->len > COLLECT_FWD_FRAME_MAX || !q->frame)
        return MH_EINVAL;
    mh_wr_u8(w, q->prio);
    mh_wr_u8(w, q->retries);
    mh_wr_u32be(w, q->timeout_ms);
    mh_wr_u8(w, (uint8_t)an);
    mh_wr_bytes(w, q->addr, an);
    mh_wr_u16be(w, (uint16_t)q->len);
    mh_wr_bytes(w, q->frame, q->len);
    return 0;
}

static int encode_reply(const struct collect_fwd_reply *r, struct mh_wr *w)
{
    if (!reply_ok(r) || (r->n_frames && !r->bytes))
        return MH_EINVAL;
    mh_wr_u32be(w, (uint32_t)r->status);
    mh_wr_u32be(w, r->rtt_ms);
    mh_wr_u8(w, (uint8_t)r->n_frames);
    for (unsigned i = 0; i < r->n_frames; i++)
        mh_wr_u32be(w, r->ends[i]);
    if (r->n_frames)
        mh_wr_bytes(w, r->bytes, reply_len(r));
    return 0;
}

int collect_fwd_encode(const struct collect_fwd_msg *m, uint8_t *buf, size_t cap)
{
    struct mh_wr w;
    mh_wr_init(&w, buf, cap);
    mh_wr_u8(&w, COLLECT_FWD_VERSION);
    mh_wr_u8(&w, m->type);
    mh_wr_u16be(&w, m->from);
    mh_wr_u32be(&w, m->id);
    mh_wr_u64be(&w, m->deadline_ms);
    switch (m->type) {
    case COLLECT_FWD_READ:
        if (m->rq.n_items == 0 || m->rq.n_items > COLLECT_READ_ITEMS_MAX)
            return MH_EINVAL;
        mh_wr_u64be(&w, (uint64_t)m->rq.meter);
        mh_wr_u64be(&w, (uint64_t)m->rq.terminal);
        mh_wr_u32be(&w, m->rq.timeout_ms);
        mh_wr_u8(&w, (uint8_t)m->rq.n_items);
        for (size_t i = 0; i < m->rq.n_items; i++)
            mh_wr_u32be(&w, m->rq.items[i]);
        break;
    case COLLECT_FWD_TAKEN:
    case COLLECT_FWD_CANCEL:
    case COLLECT_FWD_HELLO:
        break;
    case COLLECT_FWD_FEP: {
        int rc = encode_fep(&m->fep, &w);
        if (rc != 0)
            return rc;
        break;
    }
    case COLLECT_FWD_FEP_RESULT: {
        int rc = encode_reply(&m->reply, &w);
        if (rc != 0)
            return rc;
        break;
    }
    case COLLECT_FWD_RESULT:
        if (m->res.n > COLLECT_READ_VALUES_MAX)
            return MH_EINVAL;
        mh_wr_u32be(&w, (uint32_t)m->res.status);
        mh_wr_u32be(&w, (uint32_t)m->res.fep_status);
        mh_wr_u32be(&w, m->bad_item);
        mh_wr_u64be(&w, (uint64_t)m->res.terminal);
        mh_wr_u64be(&w, (uint64_t)m->res.t);
        mh_wr_u64be(&w, (uint64_t)m->res.received_ms);
        mh_wr_u16be(&w, (uint16_t)m->res.n);
        for (size_t i = 0; i < m->res.n; i++) {
            const struct collect_read_value *v = &m->res.v[i];
            mh_wr_u64be(&w, (uint64_t)v->meter);
            mh_wr_u32be(&w, v->item);
            mh_wr_u64be(&w, (uint64_t)v->value.m);
            mh_wr_u8(&w, (uint8_t)v->value.exp);
        }
        mh_wr_u32be(&w, m->res.device_ms);
        break;
    default:
        return MH_EINVAL;
    }
    return mh_wr_err(&w) ? MH_ENOSPC : (int)mh_wr_len(&w);
}

static int decode_fep(struct mh_rd *r, struct collect_fwd_fep *q)
{
    q->prio = mh_rd_u8(r);
    q->retries = mh_rd_u8(r);
    q->timeout_ms = mh_rd_u32be(r);
    uint8_t an = mh_rd_u8(r);
    const uint8_t *a = mh_rd_bytes(r, an);
    if (mh_rd_err(r))
        return MH_ETRUNC;
    if (q->prio > FEP_PRIO_SCHEDULED || !addr_ok((const char *)a, an))
        return MH_EPROTO;
    memcpy(q->addr, a, an);
    q->addr[an] = 0;
    uint16_t len = mh_rd_u16be(r);
    if (!mh_rd_err(r) && (len == 0 || len > COLLECT_FWD_FRAME_MAX))
        return MH_EPROTO;
    q->frame = mh_rd_bytes(r, len);
    q->len = len;
    return 0;
}

static int decode_reply(struct mh_rd *r, struct collect_fwd_reply *q)
{
    q->status = (int32_t)mh_rd_u32be(r);
    q->rtt_ms = mh_rd_u32be(r);
    uint8_t k = mh_rd_u8(r);
    if (!mh_rd_err(r) && k > COLLECT_FWD_REPLY_FRAMES_MAX)
        return MH_EPROTO;
    for (uint8_t i = 0; i < k && !mh_rd_err(r); i++)
        q->ends[i] = mh_rd_u32be(r);
    if (mh_rd_err(r))
        return MH_ETRUNC;
    q->n_frames = k;
    if (!reply_ok(q))
        return MH_EPROTO;
    q->bytes = mh_rd_bytes(r, reply_len(q));
    return 0;
}

int collect_fwd_decode(const uint8_t *p, size_t n, struct collect_fwd_msg *m)
{
    struct mh_rd r;
    mh_rd_init(&r, p, n);
    memset(m, 0, sizeof *m);
    uint8_t version = mh_rd_u8(&r);
    m->type = mh_rd_u8(&r);
    m->from = mh_rd_u16be(&r);
    m->id = mh_rd_u32be(&r);
    m->deadline_ms = mh_rd_u64be(&r);
    if (mh_rd_err(&r))
        return MH_ETRUNC;
    if (version != COLLECT_FWD_VERSION)
        return MH_EPROTO;
    switch (m->type) {
    case COLLECT_FWD_READ: {
        m->rq.meter = (int64_t)mh_rd_u64be(&r);
        m->rq.terminal = (int64_t)mh_rd_u64be(&r);
        m->rq.timeout_ms = mh_rd_u32be(&r);
        uint8_t k = mh_rd_u8(&r);
        if (!mh_rd_err(&r) && (k == 0 || k > COLLECT_READ_ITEMS_MAX))
            return MH_EPROTO;
        for (uint8_t i = 0; i < k && !mh_rd_err(&r); i++)
            m->rq.items[i] = mh_rd_u32be(&r);
        m->rq.n_items = k;
        break;
    }
    case COLLECT_FWD_TAKEN:
    case COLLECT_FWD_CANCEL:
    case COLLECT_FWD_HELLO:
        break;
    case COLLECT_FWD_FEP: {
        int rc = decode_fep(&r, &m->fep);
        if (rc != 0)
            return rc;
        break;
    }
    case COLLECT_FWD_FEP_RESULT: {
        int rc = decode_reply(&r, &m->reply);
        if (rc != 0)
            return rc;
        break;
    }
    case COLLECT_FWD_RESULT: {
        m->res.status = (int)(int32_t)mh_rd_u32be(&r);
        m->res.fep_status = (int)(int32_t)mh_rd_u32be(&r);
        m->bad_item = mh_rd_u32be(&r);
        m->res.terminal = (int64_t)mh_rd_u64be(&r);
        m->res.t = (int64_t)mh_rd_u64be(&r);
        m->res.received_ms = (int64_t)mh_rd_u64be(&r);
        uint16_t k = mh_rd_u16be(&r);
        if (!mh_rd_err(&r) && k > COLLECT_READ_VALUES_MAX)
            return MH_EPROTO;
        for (uint16_t i = 0; i < k && !mh_rd_err(&r); i++) {
            struct collect_read_value *v = &m->res.v[i];
            v->meter = (int64_t)mh_rd_u64be(&r);
            v->item = mh_rd_u32be(&r);
            v->value.m = (int64_t)mh_rd_u64be(&r);
            v->value.exp = (int8_t)mh_rd_u8(&r);
        }
        m->res.n = k;
        m->res.device_ms = mh_rd_u32be(&r);
        break;
    }
    default:
        return MH_EPROTO;
    }
    if (mh_rd_err(&r))
        return MH_ETRUNC;
    return mh_rd_left(&r) ? MH_EPROTO : 0;
}
