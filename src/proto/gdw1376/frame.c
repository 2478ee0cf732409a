/*
 * Q/GDW 1376.1 link layer: framing (5.2.1), control, address, SEQ, AUX
 * (5.2.3.4), the data identification units DA/DT (5.2.3.3) and builders.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/base/rd.h"
#include "meterhub/proto/bcd.h"
#include "meterhub/proto/crc.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_afn.h"

#define HEADER 6u   /* 68 L L 68 */
#define FIXED 8u    /* C A(5) AFN SEQ */
#define MIN_USER 8u

int gdw1376_frame_scan(const uint8_t *buf, size_t len, struct mh_frame_span *out)
{
    size_t i = 0;
    for (;;) {
        while (i < len && buf[i] != 0x68)
            i++;
        out->off = i;
        out->len = 0;
        if (len - i < HEADER)
            return 0;
        const uint8_t *f = buf + i;
        uint16_t l1 = (uint16_t)(f[1] | f[2] << 8), l2 = (uint16_t)(f[3] | f[4] << 8);
        unsigned id = l1 & 3;
        size_t user = l1 >> 2;
        if (f[5] != 0x68 || l1 != l2 || (id != GDW1376_PROTO_2013 && id != GDW1376_PROTO_130) ||
            user < MIN_USER) {
            i++; /* not a header: look for the next 68 */
            continue;
        }
        size_t flen = user + 8;
        if (len - i < flen)
            return 0;
        out->len = flen;
        uint8_t cs = mh_sum8(f + HEADER, user);
        if (cs != f[HEADER + user] || f[flen - 1] != 0x16) {
            out->len = 1; /* resume at the next byte: a real frame may start inside */
            return cs != f[HEADER + user] ? MH_EBADCS : MH_EBADEND;
        }
        return 1;
    }
}

int gdw1376_afn_has_pw(uint8_t afn)
{
    return afn == GDW1376_AFN_RESET || afn == GDW1376_AFN_SET || afn == GDW1376_AFN_CONTROL ||
           afn == GDW1376_AFN_AUTH || afn == GDW1376_AFN_FILE || afn == GDW1376_AFN_FORWARD;
}

static int decode_tp(const uint8_t *p, struct gdw1376_tp *tp)
{
    struct gdw1376_value v;
    tp->pfc = p[0];
    gdw1376_fmt_decode(GDW1376_A16, p + 1, 4, &v);
    tp->send = v.time;
    tp->delay_min = p[5];
    return v.kind == GDW1376_V_TIME ? 0 : MH_EBADTIME;
}

/* gdw1376_frame_parse, the checksum and end byte checked or (scanned) known checked. */
static int parse(const uint8_t *p, size_t len, unsigned pw_len, struct gdw1376_frame *f, int scanned)
{
    if (len < HEADER + FIXED + 2)
        return MH_ETRUNC;
    if (p[0] != 0x68 || p[5] != 0x68)
        return MH_EBADSTART;
    uint16_t l1 = (uint16_t)(p[1] | p[2] << 8), l2 = (uint16_t)(p[3] | p[4] << 8);
    if (l1 != l2 || (l1 >> 2) < MIN_USER)
        return MH_EBADLEN;
    size_t user = l1 >> 2, flen = user + 8;
    if (len < flen)
        return MH_ETRUNC;
    if (len > flen)
        return MH_EBADLEN;
    if (!scanned && mh_sum8(p + HEADER, user) != p[HEADER + user])
        return MH_EBADCS;
    if (!scanned && p[flen - 1] != 0x16)
        return MH_EBADEND;
    memset(f, 0, sizeof *f);
    f->proto_id = (uint8_t)(l1 & 3);
    f->user_len = (uint16_t)user;
    const uint8_t *u = p + HEADER;
    f->c = u[0];
    f->a1 = (uint16_t)(u[1] | u[2] << 8);
    f->a2 = (uint16_t)(u[3] | u[4] << 8);
    f->a3 = u[5];
    f->afn = u[6];
    f->seq = u[7];
    size_t end = user; /* AUX is stripped from here backwards */
    int uplink = (f->c & GDW1376_C_DIR) != 0;
    if (f->seq & GDW1376_SEQ_TPV) {
        if (end < FIXED + 6)
            return MH_EPROTO;
        end -= 6;
        f->has_tp = 1;
        decode_tp(u + end, &f->tp); /* a response's Tp may be the terminal's own clock: not checked here */
    }
    if (uplink && (f->c & GDW1376_C_FCB_ACD)) {
        if (end < FIXED + 2)
            return MH_EPROTO;
        end -= 2;
        f->has_ec = 1;
        f->ec1 = u[end];
        f->ec2 = u[end + 1];
    }
    if (!uplink && gdw1376_afn_has_pw(f->afn) && pw_len > 0) {
        if (end < FIXED + pw_len)
            return MH_EPROTO;
        end -= pw_len;
        f->pw = u + end;
        f->pw_len = (uint8_t)pw_len;
    }
    f->units = u + FIXED;
    f->units_len = end - FIXED;
    return 0;
}

int gdw1376_frame_parse(const uint8_t *p, size_t len, unsigned pw_len, struct gdw1376_frame *f)
{
    return parse(p, len, pw_len, f, 0);
}

int gdw1376_frame_parse_scanned(const uint8_t *p, size_t len, unsigned pw_len, struct gdw1376_frame *f)
{
    return parse(p, len, pw_len, f, 1);
}

const char *gdw1376_afn_name(uint8_t afn)
{
    static const char *const names[] = {
        "confirm_deny", "reset", "link_check", "relay_command", "set_parameters", "control",
        "authentication", "afn07", "cascade_report", "terminal_config", "query_parameters",
        "task_data", "class1_data", "class2_data", "class3_data", "file_transfer", "data_forwarding"};
    return afn < sizeof names / sizeof names[0] ? names[afn] : "unknown";
}

/* base + b for each set bit b of a DA1 / DT1 byte, lowest first: one step per set bit (mostly one). */
static int set_bits(unsigned bits, unsigned base, uint16_t out[8])
{
    int k = 0;
    for (; bits; bits &= bits - 1)
        out[k++] = (uint16_t)(base + (unsigned)__builtin_ctz(bits));
    return k;
}

int gdw1376_da_decode(uint8_t da1, uint8_t da2, uint16_t pn[8])
{
    if (da1 == 0 && da2 == 0) {
        pn[0] = 0;
        return 1;
    }
    if (da2 == 0)
        return da1 == 0xFF ? (pn[0] = 0xFFFF, 1) : MH_EPROTO; /* FF 00: all measuring points */
    return set_bits(da1, (unsigned)(da2 - 1) * 8 + 1, pn);
}

int gdw1376_dt_decode(uint8_t dt1, uint8_t dt2, uint16_t fn[8])
{
    if (dt2 > 30)
        return MH_EPROTO;
    return set_bits(dt1, (unsigned)dt2 * 8 + 1, fn);
}

void gdw1376_da_encode(uint16_t pn, uint8_t *da1, uint8_t *da2)
{
    if (pn == 0) {
        *da1 = *da2 = 0;
        return;
    }
    *da1 = (uint8_t)(1u << ((pn - 1) % 8));
    *da2 = (uint8_t)((pn - 1) / 8 + 1);
}

void gdw1376_dt_encode(uint16_t fn, uint8_t *dt1, uint8_t *dt2)
{
    *dt1 = (uint8_t)(1u << ((fn - 1) % 8));
    *dt2 = (uint8_t)((fn - 1) / 8);
}

int gdw1376_frame_begin(struct mh_wr *w, uint8_t c, const struct gdw1376_addr *a, uint8_t afn, uint8_t seq,
                        size_t *start)
{
    *start = w->off;
    uint8_t *f = mh_wr_reserve(w, HEADER + FIXED);
    if (!f)
        return mh_wr_err(w);
    f[0] = f[5] = 0x68;
    f[1] = f[2] = f[3] = f[4] = 0; /* L is filled in by gdw1376_frame_end */
    uint8_t *u = f + HEADER;
    u[0] = c;
    u[1] = (uint8_t)a->a1;
    u[2] = (uint8_t)(a->a1 >> 8);
    u[3] = (uint8_t)a->a2;
    u[4] = (uint8_t)(a->a2 >> 8);
    u[5] = (uint8_t)((a->msa & 0x7F) << 1 | (a->group & 1));
    u[6] = afn;
    u[7] = seq;
    return 0;
}

int gdw1376_frame_end(struct mh_wr *w, size_t start, const uint8_t *pw, size_t pw_len, const uint8_t ec[2],
                      const struct gdw1376_tp *tp)
{
    if (mh_wr_err(w))
        return mh_wr_err(w);
    if (pw)
        mh_wr_bytes(w, pw, pw_len);
    if (ec)
        mh_wr_bytes(w, ec, 2);
    if (tp) {
        uint8_t t[6];
        t[0] = tp->pfc;
        struct gdw1376_value v = {.kind = GDW1376_V_TIME, .time = tp->send};
        const struct mh_tm *s = &tp->send; /* A.16 carries ss mm hh DD only: check those */
        if (s->sec > 59 || s->min > 59 || s->hour > 23 || s->day < 1 || s->day > 31 ||
            gdw1376_fmt_encode(GDW1376_A16, &v, t + 1, 4) != 0)
            return mh_wr_fail(w, MH_EBADTIME); /* the frame is half written: poison the writer */
        t[5] = tp->delay_min;
        mh_wr_bytes(w, t, sizeof t);
        w->p[start + HEADER + 7] |= GDW1376_SEQ_TPV;
    }
    if (mh_wr_err(w))
        return mh_wr_err(w);
    size_t user = w->off - start - HEADER;
    if (user > GDW1376_MAX_USER)
        return mh_wr_fail(w, MH_EINVAL);
    uint8_t *f = w->p + start;
    uint16_t l = (uint16_t)(user << 2 | GDW1376_PROTO_2013);
    f[1] = f[3] = (uint8_t)l;
    f[2] = f[4] = (uint8_t)(l >> 8);
    uint8_t tail[2] = {mh_sum8(f + HEADER, user), 0x16};
    mh_wr_bytes(w, tail, 2);
    return mh_wr_err(w);
}

int gdw1376_frame_encode(struct mh_wr *w, uint8_t c, const struct gdw1376_addr *a, uint8_t afn, uint8_t seq,
                         const uint8_t *units, size_t units_len, const uint8_t *pw, size_t pw_len,
                         const uint8_t ec[2], const struct gdw1376_tp *tp)
{
    size_t user = FIXED + units_len + (pw ? pw_len : 0) + (ec ? 2 : 0) + (tp ? 6 : 0);
    if (user > GDW1376_MAX_USER)
        return MH_EINVAL;
    size_t start;
    int rc = gdw1376_frame_begin(w, c, a, afn, seq, &start);
    if (rc == 0 && units_len)
        mh_wr_bytes(w, units, units_len);
    if (rc == 0)
        rc = gdw1376_frame_end(w, start, pw, pw_len, ec, tp);
    return rc;
}

int gdw1376_enc_link(struct mh_wr *w, const struct gdw1376_addr *a, uint16_t fn, uint8_t pseq)
{
    if (fn < 1 || fn > 3)
        return MH_EINVAL;
    uint8_t unit[4] = {0, 0, 0, 0};
    gdw1376_dt_encode(fn, &unit[2], &unit[3]);
    struct gdw1376_addr t = *a;
    t.msa = 0; /* frames the terminal starts carry MSA 0 */
    /* C9: DIR=1 PRM=1 function 9 (link test); SEQ: FIR FIN CON */
    return gdw1376_frame_encode(w, 0xC9, &t, GDW1376_AFN_LINK,
                                (uint8_t)(GDW1376_SEQ_FIR | GDW1376_SEQ_FIN | GDW1376_SEQ_CON | (pseq & 15)), unit, 4,
                                NULL, 0, NULL, NULL);
}

int gdw1376_enc_confirm(struct mh_wr *w, const struct gdw1376_addr *a, int deny, uint8_t rseq)
{
    uint8_t unit[4] = {0, 0, 0, 0};
    gdw1376_dt_encode(deny ? 2 : 1, &unit[2], &unit[3]);
    /* 0B: DIR=0 PRM=0 function 11 (link status), as masters confirm logins and reports */
    return gdw1376_frame_encode(w, 0x0B, a, GDW1376_AFN_CONFIRM, (uint8_t)(GDW1376_SEQ_FIR | GDW1376_SEQ_FIN | (rseq & 15)),
                                unit, 4, NULL, 0, NULL, NULL);
}

int gdw1376_enc_read(struct mh_wr *w, const struct gdw1376_addr *a, uint8_t afn, uint16_t pn, uint16_t fn,
                     const uint8_t *label, size_t label_len, uint8_t pseq, const struct gdw1376_tp *tp)
{
    uint8_t unit[4 + 16];
    if (label_len > 16 || fn < 1 || fn > 248 || pn > 2040)
        return MH_EINVAL;
    gdw1376_da_encode(pn, &unit[0], &unit[1]);
    gdw1376_dt_encode(fn, &unit[2], &unit[3]);
    if (label_len)
        memcpy(unit + 4, label, label_len);
    /* 4B: DIR=0 PRM=1 function 11 (request class 2 data; masters use it for every read) */
    return gdw1376_frame_encode(w, 0x4B, a, afn, (uint8_t)(GDW1376_SEQ_FIR | GDW1376_SEQ_FIN | (pseq & 15)), unit,
                                4 + label_len, NULL, 0, NULL, tp);
}

int gdw1376_tp_stale(const struct gdw1376_tp *tp, const struct mh_tm *now)
{
    if (tp->delay_min == 0)
        return 0;
    struct mh_tm sent = *now;
    sent.day = tp->send.day;
    sent.hour = tp->send.hour;
    sent.min = tp->send.min;
    sent.sec = tp->send.sec;
    if (sent.day > now->day) { /* sent last month */
        if (sent.mon == 1) {
            sent.mon = 12;
            sent.year--;
        } else {
            sent.mon--;
        }
    }
    int64_t t_sent, t_now;
    if (mh_tm_to_epoch(&sent, &t_sent) != 0 || mh_tm_to_epoch(now, &t_now) != 0)
        return 1; /* an impossible send time is not trusted */
    return t_now - t_sent > (int64_t)tp->delay_min * 60;
}
