/*
 * DL/T 645 link layer: framing, checksum, the +0x33 offset, addresses and
 * names. DL/T 645-2007 clause 4 (frame format), 1997 clause 4 likewise.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/bcd.h"
#include "meterhub/proto/crc.h"
#include "meterhub/proto/dlt645.h"

/*
 * Framer. A candidate starts at a 68 with a second 68 seven bytes later;
 * its length is 12 + L. Anything before a candidate (FE wake-up bytes,
 * noise) is dropped. A candidate with a bad CS or end byte is reported as
 * one bad byte so that the scan resumes at the next 68: the "frame" may
 * have been noise that happened to contain 68 .. 68, and a real frame may
 * start inside it.
 */
int dlt645_frame_scan(const uint8_t *buf, size_t len, struct mh_frame_span *out)
{
    struct dlt645_frame f;
    return dlt645_frame_next(buf, len, out, &f);
}

int dlt645_frame_next(const uint8_t *buf, size_t len, struct mh_frame_span *out, struct dlt645_frame *fr)
{
    /*
     * The wake-up preamble (FE bytes, four of them as masters and meters
     * send it, DL/T 645-2007 4.2 note) counted on the way in, a word at a
     * time, so that a frame found right after it needs no second look.
     */
    size_t i = 0;
    if (len > 0 && buf[0] != 0x68) {
        uint32_t w;
        while (len - i >= 4 && (memcpy(&w, buf + i, 4), w == 0xFEFEFEFEu))
            i += 4;
        while (i < len && buf[i] == 0xFE)
            i++;
    }
    size_t lead = i;
    for (;; i++) {
        while (i < len && buf[i] != 0x68)
            i++;
        out->off = i;
        if (len - i < 10) /* need 68 A*6 68 C L to know the length */
            break;
        if (buf[i + 7] != 0x68)
            continue;
        const uint8_t *f = buf + i;
        size_t flen = DLT645_MIN_FRAME + f[9];
        if (len - i < flen)
            break;
        /*
         * *fr is filled before the checksum (it is only promised on 1):
         * little stays live across the call.
         */
        memcpy(fr->addr, f + 1, 6);
        fr->ctrl = f[8];
        fr->len = f[9];
        fr->data = f + 10;
        /* FE bytes right before the frame: the wake-up preamble. */
        size_t fe = i == lead ? i : 0;
        if (i != lead)
            while (fe < i && fe < 255 && buf[i - 1 - fe] == 0xFE)
                fe++;
        fr->preamble_fe = (uint8_t)(fe < 255 ? fe : 255);
        const uint8_t *tail = f + flen - 2;
        out->len = flen;
        uint8_t cs = mh_sum8(f, flen - 2);
        if (cs != tail[0] || tail[1] != 0x16) {
            out->len = 1;
            return cs != tail[0] ? MH_EBADCS : MH_EBADEND;
        }
        return 1;
    }
    out->len = 0;
    return 0;
}

int dlt645_frame_parse(const uint8_t *p, size_t len, struct dlt645_frame *f)
{
    if (len < DLT645_MIN_FRAME)
        return MH_ETRUNC;
    if (p[0] != 0x68 || p[7] != 0x68)
        return MH_EBADSTART;
    size_t flen = DLT645_MIN_FRAME + p[9];
    if (len < flen)
        return MH_ETRUNC;
    if (len > flen)
        return MH_EBADLEN;
    if (mh_sum8(p, flen - 2) != p[flen - 2])
        return MH_EBADCS;
    if (p[flen - 1] != 0x16)
        return MH_EBADEND;
    for (int k = 0; k < 6; k++)
        f->addr[k] = p[1 + k];
    f->ctrl = p[8];
    f->len = p[9];
    f->data = p + 10;
    f->preamble_fe = 0;
    return 0;
}

/*
 * Eight bytes at a time: subtract 0x33 from every byte of a word without
 * borrows crossing bytes (set bit 7 of each byte first so no byte
 * underflows into its neighbour, then restore bit 7 by xor).
 */
void dlt645_data_plain(const struct dlt645_frame *f, uint8_t out[DLT645_MAX_DATA])
{
    const uint64_t high = 0x8080808080808080u, offset = 0x3333333333333333u;
    size_t k = 0, n = f->len;
    for (; k + 8 <= n; k += 8) {
        uint64_t x;
        memcpy(&x, f->data + k, 8);
        x = ((x | high) - offset) ^ (~x & high);
        memcpy(out + k, &x, 8);
    }
    for (; k < n; k++)
        out[k] = (uint8_t)(f->data[k] - 0x33);
}

int dlt645_frame_encode(struct mh_wr *w, unsigned preamble_fe, const uint8_t addr[6], uint8_t ctrl,
                        const uint8_t *plain, size_t len)
{
    if (len > DLT645_MAX_DATA || preamble_fe > 4)
        return MH_EINVAL;
    mh_wr_fill(w, 0xFE, preamble_fe);
    uint8_t *f = mh_wr_reserve(w, DLT645_MIN_FRAME + len);
    if (!f)
        return mh_wr_err(w);
    f[0] = 0x68;
    for (int k = 0; k < 6; k++)
        f[1 + k] = addr[k];
    f[7] = 0x68;
    f[8] = ctrl;
    f[9] = (uint8_t)len;
    for (size_t k = 0; k < len; k++)
        f[10 + k] = (uint8_t)(plain[k] + 0x33);
    f[10 + len] = mh_sum8(f, 10 + len);
    f[11 + len] = 0x16;
    return 0;
}

enum dlt645_edition dlt645_edition_of(uint8_t ctrl)
{
    switch (ctrl & DLT645_CTRL_FUNC) {
    case DLT645_97_READ:
    case DLT645_97_READ_FOLLOW:
    case DLT645_97_WRITE:
    case DLT645_97_WRITE_ADDRESS:
    case DLT645_97_CHANGE_BAUD:
    case DLT645_97_CHANGE_PASSWORD:
    case DLT645_97_CLEAR_DEMAND:
        return DLT645_1997;
    default:
        return DLT645_2007; /* 0x03 and 0x08 exist in both; 2007 is the default */
    }
}

struct func_name {
    uint8_t code;
    const char *name;
};

static const struct func_name names_2007[] = {
    {DLT645_SECURITY, "security_authentication"},
    {DLT645_BROADCAST_TIME, "broadcast_time"},
    {DLT645_READ, "read_data"},
    {DLT645_READ_FOLLOW, "read_follow_up"},
    {DLT645_READ_ADDRESS, "read_address"},
    {DLT645_WRITE, "write_data"},
    {DLT645_WRITE_ADDRESS, "write_address"},
    {DLT645_FREEZE, "freeze"},
    {DLT645_CHANGE_BAUD, "change_baud"},
    {DLT645_CHANGE_PASSWORD, "change_password"},
    {DLT645_CLEAR_DEMAND, "clear_max_demand"},
    {DLT645_CLEAR_METER, "clear_meter"},
    {DLT645_CLEAR_EVENTS, "clear_events"},
    {DLT645_REMOTE_CONTROL, "remote_control"},
    {DLT645_OUTPUT_CONTROL, "output_control"},
};

static const struct func_name names_1997[] = {
    {DLT645_97_READ, "read_data"},
    {DLT645_97_READ_FOLLOW, "read_follow_up"},
    {DLT645_97_REREAD, "reread_data"},
    {DLT645_97_WRITE, "write_data"},
    {DLT645_97_BROADCAST_TIME, "broadcast_time"},
    {DLT645_97_WRITE_ADDRESS, "write_address"},
    {DLT645_97_CHANGE_BAUD, "change_baud"},
    {DLT645_97_CHANGE_PASSWORD, "change_password"},
    {DLT645_97_CLEAR_DEMAND, "clear_max_demand"},
};

const char *dlt645_func_name(uint8_t ctrl, enum dlt645_edition ed)
{
    const struct func_name *t = ed == DLT645_1997 ? names_1997 : names_2007;
    size_t n = ed == DLT645_1997 ? sizeof names_1997 / sizeof *t : sizeof names_2007 / sizeof *t;
    for (size_t i = 0; i < n; i++)
        if (t[i].code == (ctrl & DLT645_CTRL_FUNC))
            return t[i].name;
    return "unknown";
}

void dlt645_addr_format(const uint8_t addr[6], char out[13])
{
    static const char hex[] = "0123456789ABCDEF";
    for (int k = 0; k < 6; k++) {
        out[2 * k] = hex[addr[5 - k] >> 4];
        out[2 * k + 1] = hex[addr[5 - k] & 15];
    }
    out[12] = '\0';
}

int dlt645_addr_parse(const char *text, uint8_t addr[6])
{
    uint8_t tmp[6];
    for (int k = 0; k < 12; k++) {
        char c = text[k];
        unsigned v;
        if (c >= '0' && c <= '9')
            v = (unsigned)(c - '0');
        else if (c == 'A' || c == 'a')
            v = 10;
        else
            return MH_EINVAL;
        if (k % 2 == 0)
            tmp[5 - k / 2] = (uint8_t)(v << 4);
        else
            tmp[5 - k / 2] |= (uint8_t)v;
    }
    if (text[12] != '\0')
        return MH_EINVAL;
    for (int k = 0; k < 6; k++)
        addr[k] = tmp[k];
    return 0;
}

const char *dlt645_err_bit_name(unsigned bit, enum dlt645_edition ed)
{
    static const char *const e2007[8] = {"other error", "no requested data", "password error or not authorised",
                                         "baud rate cannot be changed", "year time zones exceeded",
                                         "daily periods exceeded", "tariffs exceeded", "reserved"};
    static const char *const e1997[8] = {"illegal data", "data identifier error", "password error", "reserved",
                                         "year time zones exceeded", "daily periods exceeded", "tariffs exceeded",
                                         "reserved"};
    return bit < 8 ? (ed == DLT645_1997 ? e1997 : e2007)[bit] : "?";
}
