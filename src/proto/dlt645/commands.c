/*
 * DL/T 645 commands and responses, both sides (2007 clause 7, 1997 clause 6).
 * Every builder writes a whole frame or nothing usable (the writer's sticky
 * error says which); the +0x33 offset and the checksum are applied by
 * dlt645_frame_encode.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/bcd.h"
#include "meterhub/proto/dlt645.h"

#define PREAMBLE 4 /* FE bytes to wake the meter's receiver (4 is customary) */

static const uint8_t wildcard[6] = {0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA};
static const uint8_t broadcast[6] = {0x99, 0x99, 0x99, 0x99, 0x99, 0x99};

static size_t put_di(uint8_t *p, uint32_t di, enum dlt645_edition ed)
{
    size_t n = ed == DLT645_1997 ? 2 : 4;
    for (size_t k = 0; k < n; k++)
        p[k] = (uint8_t)(di >> (8 * k));
    return n;
}

/* PA P0 P1 P2 C0 C1 C2 C3: password and operator as BCD digits, low byte first. */
/* PA P0 P1 P2: level and a 6-digit password, low byte first. */
static void put_password(uint8_t *p, uint8_t level, uint32_t pw)
{
    p[0] = level;
    for (int k = 0; k < 3; k++)
        p[1 + k] = (uint8_t)(pw >> (8 * k));
}

static int put_auth(uint8_t *p, const struct dlt645_auth *a)
{
    put_password(p, a->level, a->password);
    for (int k = 0; k < 4; k++)
        p[4 + k] = (uint8_t)(a->operator_code >> (8 * k));
    return 0;
}

static int finish(struct mh_wr *w, int rc)
{
    return rc ? rc : mh_wr_err(w);
}

int dlt645_enc_read(struct mh_wr *w, const uint8_t addr[6], enum dlt645_edition ed, uint32_t di)
{
    uint8_t d[4];
    size_t n = put_di(d, di, ed);
    return finish(w, dlt645_frame_encode(w, PREAMBLE, addr, ed == DLT645_1997 ? DLT645_97_READ : DLT645_READ, d, n));
}

int dlt645_enc_read_records(struct mh_wr *w, const uint8_t addr[6], uint32_t di, uint8_t n,
                            const struct mh_tm *start)
{
    uint8_t d[10];
    size_t k = put_di(d, di, DLT645_2007);
    d[k++] = mh_bcd_byte_from(n > 99 ? 99 : n);
    if (start) {
        struct dlt645_value v = {.kind = DLT645_V_TIME, .time = *start};
        if (mh_tm_check(start) != 0 || dlt645_value_encode(DLT645_FMT_YYMMDDHHMM, 0, &v, d + k, 5) != 0)
            return MH_EBADTIME;
        k += 5;
    }
    return finish(w, dlt645_frame_encode(w, PREAMBLE, addr, DLT645_READ, d, k));
}

int dlt645_enc_read_follow(struct mh_wr *w, const uint8_t addr[6], enum dlt645_edition ed, uint32_t di,
                           uint8_t seq)
{
    uint8_t d[5];
    size_t k = put_di(d, di, ed);
    if (ed == DLT645_2007)
        d[k++] = seq;
    return finish(w, dlt645_frame_encode(w, PREAMBLE, addr, ed == DLT645_1997 ? DLT645_97_READ_FOLLOW : DLT645_READ_FOLLOW,
                                         d, k));
}

int dlt645_enc_read_address(struct mh_wr *w)
{
    return finish(w, dlt645_frame_encode(w, PREAMBLE, wildcard, DLT645_READ_ADDRESS, NULL, 0));
}

int dlt645_enc_write(struct mh_wr *w, const uint8_t addr[6], enum dlt645_edition ed, uint32_t di,
                     const struct dlt645_auth *a, const uint8_t *data, size_t len)
{
    uint8_t d[DLT645_MAX_DATA];
    size_t k = put_di(d, di, ed);
    size_t auth = ed == DLT645_1997 ? 4 : 8; /* 1997 has no operator code */
    if (k + auth + len > 50)
        return MH_EINVAL; /* write frames carry at most 50 data bytes (2007 7.4) */
    put_auth(d + k, a);
    k += auth;
    memcpy(d + k, data, len);
    return finish(w, dlt645_frame_encode(w, PREAMBLE, addr, ed == DLT645_1997 ? DLT645_97_WRITE : DLT645_WRITE, d, k + len));
}

int dlt645_enc_write_address(struct mh_wr *w, enum dlt645_edition ed, const uint8_t new_addr[6])
{
    return finish(w, dlt645_frame_encode(w, PREAMBLE, wildcard,
                                         ed == DLT645_1997 ? DLT645_97_WRITE_ADDRESS : DLT645_WRITE_ADDRESS, new_addr, 6));
}

int dlt645_enc_broadcast_time(struct mh_wr *w, const struct mh_tm *t)
{
    uint8_t d[6];
    struct dlt645_value v = {.kind = DLT645_V_TIME, .time = *t};
    if ((t->has & MH_TM_FULL) != MH_TM_FULL || mh_tm_check(t) != 0 ||
        dlt645_value_encode(DLT645_FMT_YYMMDDHHMMSS, 0, &v, d, 6) != 0)
        return MH_EBADTIME;
    return finish(w, dlt645_frame_encode(w, PREAMBLE, broadcast, DLT645_BROADCAST_TIME, d, 6));
}

int dlt645_enc_freeze(struct mh_wr *w, const uint8_t addr[6], uint8_t mm, uint8_t hh, uint8_t dd, uint8_t mo)
{
    uint8_t d[4] = {mh_bcd_byte_from(mm), mh_bcd_byte_from(hh), mh_bcd_byte_from(dd), mh_bcd_byte_from(mo)};
    if (mm > 99 || hh > 99 || dd > 99 || mo > 99)
        return MH_EINVAL;
    return finish(w, dlt645_frame_encode(w, PREAMBLE, addr, DLT645_FREEZE, d, 4));
}

int dlt645_enc_change_baud(struct mh_wr *w, const uint8_t addr[6], enum dlt645_edition ed, unsigned baud)
{
    static const unsigned rates[] = {0, 600, 1200, 2400, 4800, 9600, 19200};
    /* The same bit mask Z in both editions; 19200 exists only in 2007. */
    for (uint8_t b = 1; b <= (ed == DLT645_1997 ? 5 : 6); b++)
        if (rates[b] == baud) {
            uint8_t z = (uint8_t)(1u << b);
            return finish(w, dlt645_frame_encode(w, PREAMBLE, addr,
                                                 ed == DLT645_1997 ? DLT645_97_CHANGE_BAUD : DLT645_CHANGE_BAUD, &z, 1));
        }
    return MH_EINVAL;
}

int dlt645_enc_change_password(struct mh_wr *w, const uint8_t addr[6], uint8_t level, uint32_t old_pw,
                               uint8_t new_level, uint32_t new_pw)
{
    uint8_t d[12];
    if (new_level > 9)
        return MH_EINVAL;
    put_di(d, 0x04000C01u + new_level, DLT645_2007);
    put_password(d + 4, level, old_pw);
    put_password(d + 8, new_level, new_pw);
    return finish(w, dlt645_frame_encode(w, PREAMBLE, addr, DLT645_CHANGE_PASSWORD, d, 12));
}

int dlt645_enc_clear(struct mh_wr *w, const uint8_t addr[6], uint8_t func, const struct dlt645_auth *a,
                     uint32_t event_di)
{
    if (func != DLT645_CLEAR_DEMAND && func != DLT645_CLEAR_METER && func != DLT645_CLEAR_EVENTS)
        return MH_EINVAL;
    uint8_t d[12];
    put_auth(d, a);
    size_t k = 8;
    if (func == DLT645_CLEAR_EVENTS)
        k += put_di(d + 8, event_di, DLT645_2007);
    return finish(w, dlt645_frame_encode(w, PREAMBLE, addr, func, d, k));
}

int dlt645_enc_remote_control(struct mh_wr *w, const uint8_t addr[6], const struct dlt645_auth *a,
                              enum dlt645_remote_cmd cmd, const struct mh_tm *valid_until)
{
    uint8_t d[16];
    put_auth(d, a);
    d[8] = (uint8_t)cmd;
    d[9] = 0; /* N2 reserved */
    struct dlt645_value v = {.kind = DLT645_V_TIME, .time = *valid_until};
    if (mh_tm_check(valid_until) != 0 || dlt645_value_encode(DLT645_FMT_YYMMDDHHMMSS, 0, &v, d + 10, 6) != 0)
        return MH_EBADTIME;
    return finish(w, dlt645_frame_encode(w, PREAMBLE, addr, DLT645_REMOTE_CONTROL, d, 16));
}

int dlt645_enc_output_control(struct mh_wr *w, const uint8_t addr[6], uint8_t mode)
{
    if (mode > 2)
        return MH_EINVAL;
    return finish(w, dlt645_frame_encode(w, PREAMBLE, addr, DLT645_OUTPUT_CONTROL, &mode, 1));
}

int dlt645_enc_security(struct mh_wr *w, const uint8_t addr[6], const uint8_t *data, size_t len)
{
    return finish(w, dlt645_frame_encode(w, PREAMBLE, addr, DLT645_SECURITY, data, len));
}

int dlt645_enc_reread_97(struct mh_wr *w, const uint8_t addr[6])
{
    return finish(w, dlt645_frame_encode(w, PREAMBLE, addr, DLT645_97_REREAD, NULL, 0));
}

int dlt645_enc_change_password_97(struct mh_wr *w, const uint8_t addr[6], uint8_t level, uint32_t old_pw,
                                  uint8_t new_level, uint32_t new_pw)
{
    uint8_t d[8];
    put_password(d, level, old_pw);
    put_password(d + 4, new_level, new_pw);
    return finish(w, dlt645_frame_encode(w, PREAMBLE, addr, DLT645_97_CHANGE_PASSWORD, d, 8));
}

int dlt645_enc_clear_demand_97(struct mh_wr *w, const uint8_t addr[6], uint8_t level, uint32_t pw)
{
    uint8_t d[4];
    put_password(d, level, pw);
    return finish(w, dlt645_frame_encode(w, PREAMBLE, addr, DLT645_97_CLEAR_DEMAND, d, 4));
}

int dlt645_enc_read_response(struct mh_wr *w, const uint8_t addr[6], enum dlt645_edition ed, uint32_t di,
                             const uint8_t *data, size_t len, int follow, int seq)
{
    uint8_t d[DLT645_MAX_DATA];
    size_t k = put_di(d, di, ed);
    if (len + k + (seq >= 0) > (ed == DLT645_1997 ? DLT645_MAX_DATA : 200u))
        return MH_EINVAL; /* the caller splits into follow-up frames */
    memcpy(d + k, data, len);
    k += len;
    uint8_t func = ed == DLT645_1997 ? DLT645_97_READ : DLT645_READ;
    if (seq >= 0) {
        d[k++] = (uint8_t)seq;
        func = ed == DLT645_1997 ? DLT645_97_READ_FOLLOW : DLT645_READ_FOLLOW;
    }
    uint8_t ctrl = (uint8_t)(DLT645_CTRL_DIR | func | (follow ? DLT645_CTRL_FOLLOW : 0));
    return finish(w, dlt645_frame_encode(w, 0, addr, ctrl, d, k));
}

int dlt645_enc_ack(struct mh_wr *w, const uint8_t addr[6], uint8_t func, const uint8_t *data, size_t len)
{
    return finish(w, dlt645_frame_encode(w, 0, addr, (uint8_t)(DLT645_CTRL_DIR | (func & DLT645_CTRL_FUNC)), data, len));
}

int dlt645_enc_error(struct mh_wr *w, const uint8_t addr[6], uint8_t func, uint8_t err)
{
    uint8_t ctrl = (uint8_t)(DLT645_CTRL_DIR | DLT645_CTRL_ABNORMAL | (func & DLT645_CTRL_FUNC));
    return finish(w, dlt645_frame_encode(w, 0, addr, ctrl, &err, 1));
}
