/*
 * DL/T 698.45 link layer (clause 7): framing, HCS/FCS, addresses,
 * scrambling, fragment format.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/crc.h"
#include "meterhub/proto/dlt698.h"
#include "apdu_int.h"

/* Header length from 68 through HCS for an AF byte. */
static size_t header_len(uint8_t af)
{
    return 1 + 2 + 1 + 1 + (size_t)((af & 0x0F) + 1) + 1 + 2;
}

static int crc_ok(const uint8_t *p, size_t n, const uint8_t *crc)
{
    uint16_t c = mh_crc16_x25(p, n);
    return crc[0] == (uint8_t)c && crc[1] == (uint8_t)(c >> 8);
}

/* Start byte, L and the header length L must hold: 0, MH_ETRUNC, MH_EBADSTART or MH_EBADLEN. */
static int head(const uint8_t *p, size_t len, size_t *l, size_t *hl)
{
    if (len < 5)
        return MH_ETRUNC;
    if (p[0] != 0x68)
        return MH_EBADSTART;
    *l = (size_t)(p[1] | (p[2] & 0x3F) << 8);
    *hl = header_len(p[4]);
    if (*l + 2 < *hl + 2 + 1 || *l > DLT698_MAX_FRAME)
        return MH_EBADLEN;
    return 0;
}

int dlt698_frame_check(const uint8_t *p, size_t len)
{
    size_t l, hl;
    int rc = head(p, len, &l, &hl);
    if (rc != 0)
        return rc;
    if (len < hl)
        return MH_ETRUNC;
    if (!crc_ok(p + 1, hl - 3, p + hl - 2))
        return 1;
    if (len < l + 2)
        return MH_ETRUNC;
    if (!crc_ok(p + 1, l - 2, p + l - 1))
        return 2;
    if (p[l + 1] != 0x16)
        return MH_EBADEND;
    return 0;
}

int dlt698_frame_scan(const uint8_t *buf, size_t len, struct mh_frame_span *out)
{
    size_t i = 0;
    for (;;) {
        while (i < len && buf[i] != 0x68)
            i++;
        out->off = i;
        out->len = 0;
        int rc = dlt698_frame_check(buf + i, len - i);
        if (rc == MH_ETRUNC)
            return 0;
        if (rc == MH_EBADLEN) {
            i++;
            continue;
        }
        if (rc == 1) {
            /* The header CRC is what tells a 698 header from noise that starts with 68:
             * failing it, this is not a frame, and a damaged header is indistinguishable
             * from noise. Skip it silently; only a frame whose header checks out and whose
             * body fails (FCS, end byte) is reported as damaged. */
            i++;
            continue;
        }
        out->len = (size_t)(buf[i + 1] | (buf[i + 2] & 0x3F) << 8) + 2;
        if (rc != 0) {
            out->len = 1;
            return rc == 2 ? MH_EBADCRC : rc;
        }
        return 1;
    }
}

int dlt698_frame_parse(const uint8_t *p, size_t len, struct dlt698_frame *f)
{
    int rc = dlt698_frame_check(p, len);
    if (rc == 1 || rc == 2)
        return MH_EBADCRC;
    if (rc != 0)
        return rc;
    return dlt698_frame_parse_scanned(p, len, f);
}

/*
 * The fields of a frame whose HCS, FCS and end byte dlt698_frame_scan has
 * already checked: summing them again was a fifth of a full decode. Only
 * the CRCs are trusted; the lengths are still checked against len (a few
 * compares), so a wrong span is refused, never read past.
 */
int dlt698_frame_parse_scanned(const uint8_t *p, size_t len, struct dlt698_frame *f)
{
    size_t l, hl;
    int rc = head(p, len, &l, &hl);
    if (rc != 0)
        return rc;
    if (len != l + 2)
        return MH_EBADLEN;
    f->len = (uint16_t)l;
    f->kbytes = (p[2] >> 6) & 1;
    f->c = p[3];
    f->af = p[4];
    f->sa_type = f->af >> 6;
    f->logical = (f->af >> 4) & 3;
    f->sa_len = (uint8_t)((f->af & 0x0F) + 1);
    memcpy(f->sa, p + 5, f->sa_len);
    memset(f->sa + f->sa_len, 0, sizeof f->sa - f->sa_len);
    f->ca = p[hl - 3];
    f->apdu = p + hl;
    f->apdu_len = l + 2 - hl - 3;
    f->frag_index = 0;
    f->frag_type = 0;
    if (f->c & DLT698_C_FRAG) {
        if (f->apdu_len < 2)
            return MH_EPROTO;
        uint16_t ff = (uint16_t)(f->apdu[0] | f->apdu[1] << 8);
        f->frag_index = ff & 0x0FFF;
        f->frag_type = (uint8_t)(ff >> 14);
        f->apdu += 2;
        f->apdu_len -= 2;
    }
    return 0;
}

void dlt698_sa_format(const struct dlt698_frame *f, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (unsigned k = 0; k < f->sa_len; k++) {
        out[2 * k] = hex[f->sa[f->sa_len - 1 - k] >> 4];
        out[2 * k + 1] = hex[f->sa[f->sa_len - 1 - k] & 15];
    }
    out[2 * f->sa_len] = '\0';
}

int dlt698_frame_encode(struct mh_wr *w, uint8_t c, uint8_t af, const uint8_t *sa, uint8_t ca,
                        const uint8_t *apdu, size_t apdu_len)
{
    return dlt698_frame_encode_parts(w, c, af, sa, ca, NULL, 0, apdu, apdu_len);
}

/* User data = pre (a fragment format) then apdu; both scrambled when c has SC. */
int dlt698_frame_encode_parts(struct mh_wr *w, uint8_t c, uint8_t af, const uint8_t *sa, uint8_t ca,
                              const uint8_t *pre, size_t pre_len, const uint8_t *apdu, size_t apdu_len)
{
    size_t hl = header_len(af), ud = pre_len + apdu_len, total = hl + ud + 3;
    if (ud > DLT698_MAX_FRAME || total - 2 > DLT698_MAX_FRAME)
        return MH_EINVAL;
    uint8_t *p = mh_wr_reserve(w, total);
    if (!p)
        return mh_wr_err(w);
    size_t l = total - 2;
    p[0] = 0x68;
    p[1] = (uint8_t)l;
    p[2] = (uint8_t)(l >> 8);
    p[3] = c;
    p[4] = af;
    memcpy(p + 5, sa, (size_t)(af & 0x0F) + 1);
    p[hl - 3] = ca;
    uint16_t hcs = mh_crc16_x25(p + 1, hl - 3);
    p[hl - 2] = (uint8_t)hcs;
    p[hl - 1] = (uint8_t)(hcs >> 8);
    for (size_t k = 0; k < ud; k++) {
        uint8_t b = k < pre_len ? pre[k] : apdu[k - pre_len];
        p[hl + k] = (uint8_t)((c & DLT698_C_SC) ? b + 0x33 : b);
    }
    uint16_t fcs = mh_crc16_x25(p + 1, l - 2);
    p[total - 3] = (uint8_t)fcs;
    p[total - 2] = (uint8_t)(fcs >> 8);
    p[total - 1] = 0x16;
    return 0;
}
