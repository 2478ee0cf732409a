/*
 * DL/T 645 meters behind a DTU (a transparent TCP channel) or on a serial
 * port: there is no login and no sequence number. The fep asks "who are
 * you" with a broadcast read-address (C = 13, address AA..AA, 2007 7.3) and
 * treats the answer (C = 93, the meter's address) as the login; the same
 * question probes a silent channel in place of a heartbeat. Requests go one
 * at a time and a reply from the session's meter answers the one pending.
 * A 2007 read reply with the follow bit (C.D5: B1, B2) is continued by the
 * master with "read subsequent data" (0x12, DI + SEQ = 1, 2 ..., 2007
 * 7.3.2), each answered by 92 / B2 carrying DI, data and the SEQ asked:
 * the adapter tells the first frame (FIR), the last (FIN, no follow bit)
 * and the SEQ of a follow-up reply, and builds the 0x12 request.
 */
#include "fep_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt645.h"

static int classify(const uint8_t *p, size_t n, unsigned pw_len, struct fep_frame_info *fi)
{
    (void)pw_len;
    struct mh_frame_span sp;
    struct dlt645_frame d;
    /* The framer's span may include FE preambles: parse from the first 68. */
    if (dlt645_frame_scan(p, n, &sp) != 1)
        return MH_EPROTO;
    int r = dlt645_frame_parse(p + sp.off, sp.len, &d);
    if (r != 0)
        return r;
    dlt645_addr_format(d.addr, fi->addr);
    fi->kind = FK_OTHER;
    fi->fir = fi->fin = 1;
    if (!(d.ctrl & DLT645_CTRL_DIR))
        return 0; /* a request on the wire (an echo, another master) */
    if ((d.ctrl & DLT645_CTRL_FUNC) == DLT645_READ_ADDRESS && !(d.ctrl & DLT645_CTRL_ABNORMAL)) {
        fi->kind = FK_LOGIN;
        return 0;
    }
    fi->kind = FK_REPLY;
    fi->denied = (d.ctrl & DLT645_CTRL_ABNORMAL) != 0;
    if (fi->denied)
        return 0;
    fi->fin = !(d.ctrl & DLT645_CTRL_FOLLOW);
    if ((d.ctrl & DLT645_CTRL_FUNC) == DLT645_READ_FOLLOW) {
        if (d.len < 5)
            return MH_EBADLEN; /* DI (4) + data + SEQ (1): at least DI and SEQ */
        fi->fir = 0;
        fi->seq = (uint8_t)(d.data[d.len - 1] - 0x33);
    }
    return 0;
}

/*
 * The follow-up read of frame seq of req's reply (2007 7.3.2: 0x12 with
 * the DI of the read and SEQ). Only a 2007 read (0x11) is continued:
 * MH_ENOTSUP for another request whose reply says more follows.
 */
static int enc_follow(struct mh_wr *w, const uint8_t *req, size_t req_n, unsigned seq)
{
    struct mh_frame_span sp;
    struct dlt645_frame d;
    if (dlt645_frame_scan(req, req_n, &sp) != 1 || dlt645_frame_parse(req + sp.off, sp.len, &d) != 0)
        return MH_EINVAL;
    if ((d.ctrl & DLT645_CTRL_FUNC) != DLT645_READ || d.len < 4 || seq < 1 || seq > 255)
        return MH_ENOTSUP;
    uint32_t di = 0;
    for (unsigned i = 0; i < 4; i++)
        di |= (uint32_t)(uint8_t)(d.data[i] - 0x33) << (8 * i);
    return dlt645_enc_read_follow(w, d.addr, DLT645_2007, di, (uint8_t)seq);
}

/* Nothing answers a meter's address reply. */
static int enc_link_ack(struct mh_wr *w, const uint8_t *p, size_t n, const struct fep_frame_info *fi,
                        int refuse, const struct mh_tm *now)
{
    (void)w, (void)p, (void)n, (void)fi, (void)refuse, (void)now;
    return 0;
}

static int enc_report_ack(struct mh_wr *w, const uint8_t *p, size_t n, const struct fep_frame_info *fi)
{
    (void)w, (void)p, (void)n, (void)fi;
    return MH_ENOTSUP; /* DL/T 645 has no active reports */
}

static int check_request(const uint8_t *p, size_t n)
{
    struct mh_frame_span sp;
    if (dlt645_frame_scan(p, n, &sp) != 1 || sp.off + sp.len != n)
        return MH_EINVAL; /* FE preambles before the frame are fine */
    return (p[sp.off + 8] & DLT645_CTRL_DIR) ? MH_EINVAL : 0;
}

static void stamp_seq(uint8_t *p, size_t n, unsigned seq)
{
    (void)p, (void)n, (void)seq; /* no sequence number: window 1 */
}

static int enc_probe(struct mh_wr *w)
{
    return dlt645_enc_read_address(w);
}

const struct fep_proto fep_proto_dlt645 = {
    .name = "dlt645",
    .id = FEP_PROTO_DLT645,
    .seq_mod = 1,
    .scan = dlt645_frame_scan,
    .classify = classify,
    .enc_link_ack = enc_link_ack,
    .enc_report_ack = enc_report_ack,
    .check_request = check_request,
    .stamp_seq = stamp_seq,
    .enc_probe = enc_probe,
    .enc_follow = enc_follow,
};
