/*
 * Frames of the meter kinds: a DL/T 645-2007 remote control (0x1C, 7.10)
 * or a read of status word 3 (0x11, 7.2, DI 04000503) for one meter,
 * wrapped for the terminal in front of it, and the meter's answer
 * unwrapped from the terminal's reply. Pure: no store, no fep.
 *
 * Wrappers:
 * - Q/GDW 1376.1 AFN10 F1 transparent forward (5.16.1.2.1): port, control
 *   word, frame and byte timeouts, length, the meter frame; the reply
 *   carries port, length (0: the meter did not answer) and its frame;
 * - DL/T 698.45 PROXY-Request TransCommandRequest (choice 7): port OAD,
 *   COMDCB, timeouts, the meter frame as an octet-string; the response
 *   carries the meter's frame or a DAR (33: no answer in time);
 * - a DL/T 645 DTU: the meter frame as it is.
 */
#include <string.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "control_int.h"

/*
 * The forward's serial settings (1376.1 5.16.1.2.1 control word): 2400
 * baud, even parity, 8 data bits, one stop bit (DL/T 645-2007 4.1), the
 * meter's answer awaited 5 s, 100 ms between its bytes.
 */
#define FWD_CTRL (3u << 5 | 1u << 3 | 3u)
#define FWD_TIMEOUT (0x80u | 5u)
#define FWD_BYTE_10MS 10u
/* AFN04 F10 port numbers: a concentrator's carrier, others' RS-485. */
#define PORT_CARRIER 31u
#define PORT_RS485 2u

/* 698.45 ports (OI F209 carrier, F201 RS-485, attribute 2 index 1) and COMDCB {2400, even, 8, 1, none}. */
#define OAD_CARRIER 0xF2090201u
#define OAD_RS485 0xF2010201u
static const uint8_t COMDCB[5] = {3, 2, 8, 1, 0};
#define PROXY_FRAME_S 5
#define PROXY_BYTE_MS 100
#define DAR_TIMEOUT 33 /* DL/T 698.45 DAR: timed out */

#define C_CLIENT_REQUEST 0x43 /* DIR 0, PRM 1, user data */
#define CA_MASTER 0x10
#define DEFAULT_LEVEL 0x02

void control_meter_auth(const struct control_cfg *cfg, struct dlt645_auth *a)
{
    a->level = cfg->meter_pw_level ? cfg->meter_pw_level : DEFAULT_LEVEL;
    a->password = cfg->meter_pw_level ? cfg->meter_password : 0;
    a->operator_code = cfg->meter_operator;
}

/* The meter frame m (n bytes) as the terminal of l takes it into w. */
static int wrap(struct mh_wr *w, const struct meter_link *l, const uint8_t *m, size_t n)
{
    if (l->proto == ARCHIVE_PROTO_DLT645_2007) {
        mh_wr_bytes(w, m, n);
        return mh_wr_err(w);
    }
    if (l->proto == ARCHIVE_PROTO_GDW1376) {
        uint8_t data[DLT645_MAX_DATA + 32];
        struct mh_wr dw;
        mh_wr_init(&dw, data, sizeof data);
        struct gdw1376_forward f = {.port = l->concentrator ? PORT_CARRIER : PORT_RS485,
                                    .ctrl = FWD_CTRL,
                                    .timeout = FWD_TIMEOUT,
                                    .byte_timeout_10ms = FWD_BYTE_10MS,
                                    .len = (uint16_t)n,
                                    .frame = m};
        int rc = gdw1376_forward_put(&dw, &f);
        if (rc == 0)
            rc = mh_wr_err(&dw);
        struct gdw1376_req r = {.afn = GDW1376_AFN_FORWARD, .pw_len = 16};
        if (rc == 0)
            rc = control_gdw1376_addr(l->addr, &r.addr);
        struct gdw1376_unit u = {0, 0, 0x01, 0x00, data, mh_wr_len(&dw)}; /* p0, F1 */
        return rc ? rc : gdw1376_req_encode(w, &r, &u, 1);
    }
    if (l->proto == ARCHIVE_PROTO_DLT698) {
        uint8_t sa[6], apdu[DLT645_MAX_DATA + 48];
        if (strlen(l->addr) != 12 || dlt645_addr_parse(l->addr, sa) != 0)
            return MH_EBADADDR;
        struct dlt698_trans_command tc = {l->concentrator ? OAD_CARRIER : OAD_RS485, {0}, PROXY_FRAME_S,
                                          PROXY_BYTE_MS, {m, n}};
        memcpy(tc.comdcb, COMDCB, sizeof tc.comdcb);
        struct mh_wr aw;
        mh_wr_init(&aw, apdu, sizeof apdu);
        int rc = dlt698_enc_proxy_trans_command(&aw, DLT698_PIID(0, 1), &tc, NULL);
        if (rc == 0)
            rc = mh_wr_err(&aw);
        return rc ? rc : dlt698_frame_encode(w, C_CLIENT_REQUEST, 0x05, sa, CA_MASTER, apdu, mh_wr_len(&aw));
    }
    return MH_ENOTSUP;
}

int control_meter_command(struct mh_wr *w, const struct meter_link *l, const struct dlt645_auth *a, uint8_t n1,
                          const struct mh_tm *valid_until)
{
    uint8_t m[64];
    struct mh_wr mw;
    mh_wr_init(&mw, m, sizeof m);
    int rc = dlt645_enc_remote_control(&mw, l->maddr, a, (enum dlt645_remote_cmd)n1, valid_until);
    if (rc == 0)
        rc = mh_wr_err(&mw);
    return rc ? rc : wrap(w, l, m, mh_wr_len(&mw));
}

int control_meter_status_read(struct mh_wr *w, const struct meter_link *l)
{
    uint8_t m[32];
    struct mh_wr mw;
    mh_wr_init(&mw, m, sizeof m);
    int rc = dlt645_enc_read(&mw, l->maddr, DLT645_2007, METER_DI_STATUS3);
    if (rc == 0)
        rc = mh_wr_err(&mw);
    return rc ? rc : wrap(w, l, m, mh_wr_len(&mw));
}

/* The meter's frame inside a 1376.1 reply: AFN10 F1 on p0 (AFN00 F2 is a denial). */
static int unwrap_1376(const uint8_t *frame, size_t len, const uint8_t **m, size_t *n)
{
    struct gdw1376_frame f;
    int rc = gdw1376_frame_parse(frame, len, 16, &f);
    if (rc != 0)
        return rc;
    if (f.afn == GDW1376_AFN_CONFIRM) {
        struct gdw1376_ack a;
        return gdw1376_ack_parse(f.units, f.units_len, &a) == 0 && a.fn == 2 ? MH_EPERM : MH_EPROTO;
    }
    struct gdw1376_forward fw;
    rc = gdw1376_forward_answer(&f, &fw);
    if (rc != 0)
        return rc;
    *m = fw.frame;
    *n = fw.len;
    return 0;
}

/* The meter's frame inside a 698.45 PROXY TransCommandResponse. */
static int unwrap_698(const uint8_t *frame, size_t len, const uint8_t **m, size_t *n)
{
    struct dlt698_frame f;
    struct dlt698_apdu a;
    int rc = dlt698_frame_parse(frame, len, &f);
    if (rc != 0)
        return rc;
    memset(&a, 0, sizeof a);
    rc = dlt698_apdu_decode(f.apdu, f.apdu_len, &a);
    if (rc != 0)
        return rc;
    if (a.tag != DLT698_PROXY_RESPONSE || a.choice != 7)
        return MH_EPROTO;
    if (!a.u.trans.command.p)
        return a.dar == DAR_TIMEOUT ? MH_ETIMEDOUT : MH_EPERM;
    if (a.u.trans.command.len == 0)
        return MH_ETIMEDOUT;
    *m = a.u.trans.command.p;
    *n = a.u.trans.command.len;
    return 0;
}

int control_meter_answer(const struct meter_link *l, const uint8_t *frame, size_t len, struct meter_answer *a)
{
    const uint8_t *m = frame;
    size_t n = len;
    int rc = l->proto == ARCHIVE_PROTO_GDW1376   ? unwrap_1376(frame, len, &m, &n)
             : l->proto == ARCHIVE_PROTO_DLT698  ? unwrap_698(frame, len, &m, &n)
             : l->proto == ARCHIVE_PROTO_DLT645_2007 ? 0
                                                      : MH_ENOTSUP;
    if (rc != 0)
        return rc;
    struct mh_frame_span sp;
    struct dlt645_frame f;
    rc = dlt645_frame_next(m, n, &sp, &f);
    if (rc != 1)
        return rc < 0 ? rc : MH_ETRUNC;
    if (!(f.ctrl & DLT645_CTRL_DIR))
        return MH_EPROTO; /* the request echoed, not an answer */
    if (memcmp(f.addr, l->maddr, 6) != 0)
        return MH_EBADADDR;
    uint8_t plain[DLT645_MAX_DATA];
    dlt645_data_plain(&f, plain);
    memset(a, 0, sizeof *a);
    a->func = f.ctrl & DLT645_CTRL_FUNC;
    if (a->func != DLT645_REMOTE_CONTROL && a->func != DLT645_READ)
        return MH_EPROTO;
    if (f.ctrl & DLT645_CTRL_ABNORMAL) {
        /* 7.1.2 / 7.10.3: an abnormal answer carries the ERR byte */
        if (f.len < 1)
            return MH_ETRUNC;
        a->abnormal = 1;
        a->err = plain[0];
        return 0;
    }
    if (a->func == DLT645_READ) {
        /* 7.2.3: DI0..DI3 then the data, status word 3 two bytes low first */
        if (f.len < 6)
            return MH_ETRUNC;
        uint32_t di = (uint32_t)plain[0] | (uint32_t)plain[1] << 8 | (uint32_t)plain[2] << 16 |
                      (uint32_t)plain[3] << 24;
        if (di != METER_DI_STATUS3)
            return MH_EPROTO;
        a->has_status = 1;
        a->status3 = (uint16_t)(plain[4] | plain[5] << 8);
    }
    return 0;
}
