/*
 * DL/T 698.45 for the front end: LINK login/heartbeat/logout, replies
 * matched by PIID, REPORT-Notification, and the master's LINK-Response and
 * REPORT-Response (docs/protocols/dlt698.md §4, §8).
 */
#include <stdlib.h>
#include <string.h>

#include "fep_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/rd.h"
#include "meterhub/proto/crc.h"
#include "meterhub/proto/dlt698.h"

#define HEAD 16 /* APDU bytes classification needs (LINK-Request: 15) */

/* The first bytes of the APDU, descrambled (C.D3 SC: each byte +0x33 on the wire). */
static size_t apdu_head(const struct dlt698_frame *d, uint8_t *out)
{
    size_t k = d->apdu_len < HEAD ? d->apdu_len : HEAD;
    for (size_t i = 0; i < k; i++)
        out[i] = (uint8_t)((d->c & DLT698_C_SC) ? d->apdu[i] - 0x33 : d->apdu[i]);
    return k;
}

/* Where the PIID of a client request / server response sits in its APDU (§4). */
static int piid_index(uint8_t tag)
{
    switch (tag & 0x7F) {
    case 0x02: case 0x03: case 0x6E:
        return 1; /* CONNECT, RELEASE, ERROR: PIID right after the tag */
    case 0x05: case 0x06: case 0x07: case 0x09:
        return 2; /* GET, SET, ACTION, PROXY: tag, choice, PIID */
    default:
        return -1;
    }
}

static int classify(const uint8_t *p, size_t n, unsigned pw_len, struct fep_frame_info *fi)
{
    (void)pw_len;
    struct dlt698_frame d;
    int r = dlt698_frame_parse_scanned(p, n, &d); /* through scan already (fep_int.h) */
    if (r != 0)
        return r;
    uint8_t a[HEAD];
    size_t k = apdu_head(&d, a);
    dlt698_sa_format(&d, fi->addr);
    fi->kind = FK_OTHER;
    fi->fir = fi->fin = 1;
    if (k < 3)
        return MH_ETRUNC;
    if (a[0] == 0x01) {
        /* LINK-Request: PIID-ACD, type (0 login, 1 heartbeat, 2 logout), period, date_time.
         * Accepted with C = 43 as well as 81 (§9: seen in the field). */
        static const uint8_t kinds[3] = {FK_LOGIN, FK_HEARTBEAT, FK_LOGOUT};
        if (k < 15)
            return MH_ETRUNC;
        fi->kind = a[2] < 3 ? kinds[a[2]] : FK_OTHER;
        fi->seq = a[1];
        fi->heartbeat_s = (uint16_t)(a[3] << 8 | a[4]);
        return 0;
    }
    if (!(d.c & DLT698_C_DIR))
        return 0;
    if (d.c & DLT698_C_FRAG) {
        /* §6: fragment type 0 first, 3 middle, 1 last (2 is a confirmation: not for us). */
        static const uint8_t kinds[4] = {FRAG_FIRST, FRAG_LAST, FRAG_NONE, FRAG_MIDDLE};
        fi->frag = kinds[d.frag_type & 3];
        fi->frag_index = d.frag_index;
        if (fi->frag == FRAG_NONE)
            return 0;
        fi->kind = FK_REPLY;
        fi->fin = fi->frag == FRAG_LAST;
        if (fi->frag == FRAG_FIRST) {
            int i = piid_index(a[0]);
            if (!(a[0] & 0x80) || i < 0)
                return MH_EPROTO; /* only responses are reassembled */
            fi->seq = a[i] & 0x3F;
        }
        return 0;
    }
    if (a[0] == 0x88) {
        fi->kind = FK_REPORT;
        fi->con = 1; /* §8: every REPORT-Notification is answered */
        fi->seq = a[2];
        return 0;
    }
    if (a[0] == 0xEE) {
        fi->kind = FK_REPLY;
        fi->denied = 1;
        fi->seq = a[1] & 0x3F;
        return 0;
    }
    int i = piid_index(a[0]);
    if (a[0] & 0x80 && i > 0) {
        fi->kind = FK_REPLY;
        fi->seq = a[i] & 0x3F;
    }
    return 0;
}

static void get_datetime(const uint8_t *b, struct mh_tm *t)
{
    memset(t, 0, sizeof *t);
    t->year = (uint16_t)(b[0] << 8 | b[1]);
    t->mon = b[2];
    t->day = b[3];
    t->wday = b[4];
    t->hour = b[5];
    t->min = b[6];
    t->sec = b[7];
    t->ms = (uint16_t)(b[8] << 8 | b[9]);
    t->has = MH_TM_FULL | MH_TM_MS | MH_TM_WDAY; /* echoed as the terminal sent it */
}

/* A client frame back to the server that sent d: C, same AF, SA and CA. */
static int reply_frame(struct mh_wr *w, const struct dlt698_frame *d, uint8_t c, const uint8_t *apdu,
                       size_t len)
{
    return dlt698_frame_encode(w, (uint8_t)(c | (d->c & DLT698_C_SC)), d->af, d->sa, d->ca, apdu, len);
}

/*
 * LINK-Response (C = 01): PIID, result (bit 7 clock trusted; 0 success,
 * 2 illegal device), the request's time, when it was received and when
 * answered (both the master's clock).
 */
static int enc_link_ack(struct mh_wr *w, const uint8_t *p, size_t n, const struct fep_frame_info *fi,
                        int refuse, const struct mh_tm *now)
{
    struct dlt698_frame d;
    if (dlt698_frame_parse(p, n, &d) != 0)
        return MH_EPROTO;
    uint8_t a[HEAD], apdu[64];
    if (apdu_head(&d, a) < 15)
        return MH_ETRUNC;
    struct mh_tm req;
    get_datetime(a + 5, &req);
    struct mh_wr aw;
    mh_wr_init(&aw, apdu, sizeof apdu);
    int r = dlt698_enc_link_response(&aw, fi->seq, (uint8_t)(0x80 | (refuse ? 2 : 0)), &req, now, now);
    return r ? r : reply_frame(w, &d, 0x01, apdu, mh_wr_len(&aw));
}

/*
 * REPORT-Response (C = 03): the notification's choice and PIID, then for a
 * list or record list the OADs reported, in order (§4, REPORT). The
 * notification is walked with the codec's skippers, so a malformed one is
 * refused rather than confirmed.
 */
static int report_oads(struct mh_rd *r, uint8_t choice, struct mh_wr *out)
{
    uint8_t n = mh_rd_u8(r);
    mh_wr_u8(out, n);
    for (unsigned k = 0; k < n && mh_rd_err(r) == 0; k++) {
        const uint8_t *oad = mh_rd_bytes(r, 4);
        if (!oad)
            break;
        mh_wr_bytes(out, oad, 4);
        uint32_t cols = 1;
        if (choice == 2)
            dlt698_rcsd_read(r, &cols);
        uint8_t result = mh_rd_u8(r);
        if (result == 0) {
            mh_rd_skip(r, 1); /* DAR */
        } else if (choice == 1) {
            dlt698_data_skip(r);
        } else {
            size_t rows = dlt698_len_read(r);
            for (size_t i = 0; i < rows && mh_rd_err(r) == 0; i++)
                for (uint32_t c = 0; c < cols && mh_rd_err(r) == 0; c++)
                    dlt698_data_skip(r);
        }
    }
    return mh_rd_err(r);
}

static int enc_report_ack(struct mh_wr *w, const uint8_t *p, size_t n, const struct fep_frame_info *fi)
{
    (void)fi;
    struct dlt698_frame d;
    if (dlt698_frame_parse(p, n, &d) != 0 || d.apdu_len < 3)
        return MH_EPROTO;
    uint8_t *plain = malloc(d.apdu_len);
    if (!plain)
        return MH_ENOMEM;
    for (size_t i = 0; i < d.apdu_len; i++)
        plain[i] = (uint8_t)((d.c & DLT698_C_SC) ? d.apdu[i] - 0x33 : d.apdu[i]);
    uint8_t apdu[FEP_ACK_MAX - 32];
    struct mh_wr aw;
    mh_wr_init(&aw, apdu, sizeof apdu);
    uint8_t choice = plain[1];
    mh_wr_u8(&aw, 0x08);
    mh_wr_u8(&aw, choice);
    mh_wr_u8(&aw, plain[2]);
    int r = 0;
    if (choice == 1 || choice == 2) {
        struct mh_rd rd;
        mh_rd_init(&rd, plain + 3, d.apdu_len - 3);
        r = report_oads(&rd, choice, &aw);
    } else if (choice != 3) {
        r = MH_EUNKNOWN;
    }
    free(plain);
    mh_wr_u8(&aw, 0); /* no TimeTag */
    if (r == 0)
        r = mh_wr_err(&aw);
    return r ? r : reply_frame(w, &d, 0x03, apdu, mh_wr_len(&aw));
}

/* §6: the confirmation goes back in the same exchange (DIR flipped), D5 set, type 10, same index. */
static int enc_frag_ack(struct mh_wr *w, const uint8_t *p, size_t n, const struct fep_frame_info *fi)
{
    struct dlt698_frame d;
    if (dlt698_frame_parse(p, n, &d) != 0)
        return MH_EPROTO;
    uint16_t ff = (uint16_t)((fi->frag_index & 0x0FFF) | 2u << 14);
    const uint8_t format[2] = {(uint8_t)ff, (uint8_t)(ff >> 8)};
    /* The fragment format is not scrambled: build without SC. */
    uint8_t c = (uint8_t)((d.c & ~(DLT698_C_DIR | DLT698_C_SC)) | DLT698_C_FRAG);
    return dlt698_frame_encode(w, c, d.af, d.sa, d.ca, format, sizeof format);
}

static int frag_payload(const uint8_t *p, size_t n, uint8_t *dst, size_t cap)
{
    struct dlt698_frame d;
    if (dlt698_frame_parse(p, n, &d) != 0)
        return MH_EPROTO;
    if (d.apdu_len > cap)
        return MH_ENOSPC;
    for (size_t i = 0; i < d.apdu_len; i++)
        dst[i] = (uint8_t)((d.c & DLT698_C_SC) ? d.apdu[i] - 0x33 : d.apdu[i]);
    return (int)d.apdu_len;
}

/* "Reassemble, clear D5, decode": one ordinary response frame, as if never fragmented. */
static int frag_rebuild(struct mh_wr *w, const uint8_t *p, size_t n, const uint8_t *payload, size_t len)
{
    struct dlt698_frame d;
    if (dlt698_frame_parse(p, n, &d) != 0)
        return MH_EPROTO;
    return dlt698_frame_encode(w, (uint8_t)(d.c & ~DLT698_C_FRAG), d.af, d.sa, d.ca, payload, len);
}

static int check_request(const uint8_t *p, size_t n)
{
    struct mh_frame_span sp;
    struct dlt698_frame d;
    if (dlt698_frame_scan(p, n, &sp) != 1 || sp.off != 0 || sp.len != n)
        return MH_EINVAL;
    if (dlt698_frame_parse_scanned(p, n, &d) != 0 || (d.c & (DLT698_C_DIR | DLT698_C_FRAG)) || d.apdu_len < 3)
        return MH_EINVAL;
    uint8_t a[HEAD];
    apdu_head(&d, a);
    return (a[0] & 0x80) == 0 && piid_index(a[0]) > 0 ? 0 : MH_EINVAL;
}

/* PIID bits 5..0 carry the sequence (bit 7 priority kept); FCS covers L .. APDU. */
static void stamp_seq(uint8_t *p, size_t n, unsigned seq)
{
    struct dlt698_frame d;
    if (dlt698_frame_parse(p, n, &d) != 0)
        return;
    int sc = (d.c & DLT698_C_SC) != 0;
    size_t at = (size_t)(d.apdu - p);
    uint8_t tag = (uint8_t)(sc ? p[at] - 0x33 : p[at]);
    at += (size_t)piid_index(tag);
    uint8_t piid = (uint8_t)(sc ? p[at] - 0x33 : p[at]);
    piid = (uint8_t)((piid & 0xC0) | (seq & 0x3F));
    p[at] = (uint8_t)(sc ? piid + 0x33 : piid);
    uint16_t fcs = mh_crc16_x25(p + 1, n - 4);
    p[n - 3] = (uint8_t)fcs;
    p[n - 2] = (uint8_t)(fcs >> 8);
}

const struct fep_proto fep_proto_dlt698 = {
    .name = "dlt698",
    .id = FEP_PROTO_DLT698,
    .seq_mod = 64,
    .scan = dlt698_frame_scan,
    .classify = classify,
    .enc_link_ack = enc_link_ack,
    .enc_report_ack = enc_report_ack,
    .check_request = check_request,
    .stamp_seq = stamp_seq,
    .enc_frag_ack = enc_frag_ack,
    .frag_payload = frag_payload,
    .frag_rebuild = frag_rebuild,
};
