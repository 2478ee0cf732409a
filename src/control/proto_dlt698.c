/*
 * The DL/T 698.45 half of the command path (DL/T 698.45-2017 clause 8
 * SET / ACTION / GET, control objects of the appendix):
 *   8000 remote control (IC 8): method 129 trip {relay OAD F205 02 pn,
 *        alarm delay, limit time, auto close}, 130 close {relay, allow};
 *        attribute 5 command state, bit-string: bit pn-1 = turn held open;
 *   8001 protect: 127 on, 128 off; attribute 2 enum (0 off, 1 on, 2 auto);
 *   8002 urge fee: 127 on {time segment octet-string(3), text}, 128 off;
 *        attribute 2 enum;
 *   8003 / 8004 general / important Chinese information: 127 add
 *        {number, time, read flag, text};
 *   8103..8108 power and energy control (IC 13): 3 add a control unit
 *        (the parameters, first element the total-add group OI 230x),
 *        6 switch on, 7 off (data: the group OI); 8106 switches on with
 *        127 {group, float-down scheme}; attribute 3 input state, array
 *        of {group OI, enum 0 off / 1 on};
 *   4000 clock: SET attribute 2 date_time_s (the terminal's local time).
 * Power in long64 W with scaler -1, energy in long64 kWh with scaler -4.
 */
#include <stdio.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/dlt698_data.h"
#include "control_int.h"

#define C_CLIENT_REQUEST 0x43 /* DIR 0, PRM 1, function 3: user data (clause 7) */
#define CA_MASTER 0x10
#define GROUP_OI(pn) ((uint16_t)(0x2300u + (pn)))
#define RELAY_OAD(pn) (0xF2050200u + (pn)) /* relay output unit pn */
#define NODES 64

/* The server address in wire order: the 12 digits as a DL/T 645 address is laid out (lowest pair first). */
static int sa_of(const struct cjob *j, uint8_t sa[6])
{
    return strlen(j->addr) == 12 && dlt645_addr_parse(j->addr, sa) == 0 ? 0 : MH_EBADADDR;
}

static uint32_t omd(uint16_t oi, uint8_t method)
{
    return (uint32_t)oi << 16 | (uint32_t)method << 8;
}

/* The control unit of an "on" command's parameters (method 3 data); 1 when none was given. */
static int unit_of(const struct cjob *j, struct mh_wr *w)
{
    const struct control_params *p = &j->cmd->p;
    uint16_t g = GROUP_OI(j->tg.pn);
    switch (j->cmd->kind) {
    case CONTROL_PERIOD_ON: {
        if (!p->period.set)
            return 1;
        /* {group, scheme flags, three schemes of {period flags, 8 limits}, float coefficient} */
        uint8_t flags = (uint8_t)(0x80u >> p->period.scheme);
        dlt698_put_struct(w, 6);
        dlt698_put_oi(w, g);
        dlt698_put_bits(w, &flags, 8);
        for (unsigned s = 0; s < 3; s++) {
            uint8_t periods = s == p->period.scheme ? p->period.periods : 0;
            dlt698_put_struct(w, 9);
            dlt698_put_bits(w, &periods, 8);
            for (int i = 0; i < 8; i++)
                dlt698_put_i64(w, s == p->period.scheme ? p->period.limit_w[i] * 10 : 0);
        }
        dlt698_put_i8(w, 0);
        return 0;
    }
    case CONTROL_REST_ON: {
        if (!p->rest.set)
            return 1;
        /* {group, limit, start date_time_s (hour, minute; the rest FF), minutes, weekdays} */
        struct mh_tm start = {.hour = p->rest.start_h, .min = p->rest.start_m, .has = MH_TM_HM};
        uint8_t days = 0;
        for (int d = 0; d < 8; d++)
            if (p->rest.weekdays & (1u << d))
                days |= (uint8_t)(0x80u >> d);
        dlt698_put_struct(w, 5);
        dlt698_put_oi(w, g);
        dlt698_put_i64(w, p->rest.limit_w * 10);
        dlt698_put_time(w, DLT698_DATETIME_S, &start);
        dlt698_put_u16(w, (uint16_t)(p->rest.duration_half_h * 30u));
        dlt698_put_bits(w, &days, 8);
        return 0;
    }
    case CONTROL_STOP_ON: {
        if (!p->stop.set)
            return 1;
        struct mh_tm from = p->stop.from, to = p->stop.to;
        from.has = to.has = MH_TM_DATE;
        dlt698_put_struct(w, 4);
        dlt698_put_oi(w, g);
        dlt698_put_time(w, DLT698_DATETIME_S, &from);
        dlt698_put_time(w, DLT698_DATETIME_S, &to);
        dlt698_put_i64(w, p->stop.limit_w * 10);
        return 0;
    }
    case CONTROL_MONTH_ON:
        if (!p->month.set)
            return 1;
        /* {group, monthly limit, alarm threshold coefficient %, float coefficient} */
        dlt698_put_struct(w, 4);
        dlt698_put_oi(w, g);
        dlt698_put_i64(w, p->month.limit_kwh * 10000);
        dlt698_put_u8(w, 80);
        dlt698_put_i8(w, 0);
        return 0;
    case CONTROL_BUY_ON:
        if (!p->buy.set)
            return 1;
        /* {group, order, add 0 / refresh 1, kind 0 energy, amount, alarm, trip, mode 0 local} */
        dlt698_put_struct(w, 8);
        dlt698_put_oi(w, g);
        dlt698_put_u32(w, p->buy.order_no);
        dlt698_put_enum(w, p->buy.refresh ? 1 : 0);
        dlt698_put_enum(w, 0);
        dlt698_put_i64(w, p->buy.amount_kwh * 10000);
        dlt698_put_i64(w, p->buy.alarm_kwh * 10000);
        dlt698_put_i64(w, p->buy.trip_kwh * 10000);
        dlt698_put_enum(w, 0);
        return 0;
    default:
        return 1;
    }
}

/* The command's Data (ACTION parameter or SET value). */
static void cmd_data(const struct cjob *j, int64_t now_ms, int16_t utc_off, struct mh_wr *w)
{
    const struct control_params *p = &j->cmd->p;
    switch (j->cmd->kind) {
    case CONTROL_TRIP:
        dlt698_put_array(w, 1);
        dlt698_put_struct(w, 4);
        dlt698_put_oad(w, RELAY_OAD(j->tg.pn));
        dlt698_put_u8(w, p->trip.alarm_delay_min);
        dlt698_put_u16(w, (uint16_t)(p->trip.limit_half_h * 30u));
        dlt698_put_bool(w, 0);
        return;
    case CONTROL_CLOSE:
        dlt698_put_array(w, 1);
        dlt698_put_struct(w, 2);
        dlt698_put_oad(w, RELAY_OAD(j->tg.pn));
        dlt698_put_enum(w, 0); /* close allowed (the customer closes) */
        return;
    case CONTROL_URGE_ON: {
        uint32_t h = p->urge_hours ? p->urge_hours : 0xFFFFFF;
        const uint8_t seg[3] = {(uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h};
        dlt698_put_struct(w, 2);
        dlt698_put_octets(w, seg, 3);
        dlt698_put_visible(w, "", 0);
        return;
    }
    case CONTROL_DOWN_ON:
        dlt698_put_struct(w, 2);
        dlt698_put_oi(w, GROUP_OI(j->tg.pn));
        dlt698_put_struct(w, 8);
        dlt698_put_u8(w, p->down.slip_min);
        dlt698_put_i8(w, p->down.float_pct);
        dlt698_put_u8(w, p->down.freeze_delay_min);
        dlt698_put_u8(w, p->down.ctrl_half_h);
        for (int i = 0; i < 4; i++)
            dlt698_put_u8(w, p->down.alarm_min[i]);
        return;
    case CONTROL_CLOCK_SYNC: {
        struct mh_tm tm;
        control_local_tm(now_ms, utc_off, &tm);
        tm.has = MH_TM_FULL;
        dlt698_put_time(w, DLT698_DATETIME_S, &tm);
        return;
    }
    case CONTROL_MESSAGE: {
        struct mh_tm tm;
        control_local_tm(now_ms, utc_off, &tm);
        tm.has = MH_TM_FULL;
        dlt698_put_struct(w, 4);
        dlt698_put_u8(w, p->msg.number);
        dlt698_put_time(w, DLT698_DATETIME_S, &tm);
        dlt698_put_bool(w, 0);
        dlt698_put_visible(w, (const char *)p->msg.text, p->msg.len);
        return;
    }
    default:
        if (j->cmd->k->target == CT_GROUP)
            dlt698_put_oi(w, GROUP_OI(j->tg.pn)); /* 6 on / 7 off */
        else
            dlt698_put_null(w); /* 8001 127/128, 8002 128 */
        return;
    }
}

static int build(const struct cjob *j, int step, int64_t now_ms, int16_t utc_off, struct mh_wr *w)
{
    const struct ckind *k = j->cmd->k;
    uint8_t sa[6], data[768], apdu[900];
    struct mh_wr dw, aw;
    int rc = sa_of(j, sa);
    if (rc != 0)
        return rc;
    mh_wr_init(&dw, data, sizeof data);
    mh_wr_init(&aw, apdu, sizeof apdu);
    if (step == CSTEP_PRE || step == CSTEP_READ) {
        if (step == CSTEP_READ && k->expect == CX_NONE)
            return 1;
        uint32_t oad = step == CSTEP_PRE ? 0x80010200u : (uint32_t)k->oi << 16 | (uint32_t)k->state_attr << 8;
        rc = dlt698_enc_get_normal(&aw, DLT698_PIID(0, 1), oad, NULL);
    } else if (step == CSTEP_PARAMS) {
        if (unit_of(j, &dw) == 1)
            return 1;
        struct dlt698_oad_data od = {omd(k->oi, 3), {data, mh_wr_len(&dw)}};
        rc = mh_wr_err(&dw) ? mh_wr_err(&dw) : dlt698_enc_action_normal(&aw, DLT698_PIID(0, 1), &od, NULL);
    } else {
        cmd_data(j, now_ms, utc_off, &dw);
        uint16_t oi = k->oi;
        if (j->cmd->kind == CONTROL_MESSAGE && j->cmd->p.msg.important)
            oi = 0x8004;
        struct dlt698_oad_data od = {k->method ? omd(oi, k->method) : (uint32_t)oi << 16 | 0x0200u,
                                     {data, mh_wr_len(&dw)}};
        rc = mh_wr_err(&dw);
        if (rc == 0)
            rc = k->method ? dlt698_enc_action_normal(&aw, DLT698_PIID(0, 1), &od, NULL)
                           : dlt698_enc_set_normal(&aw, DLT698_PIID(0, 1), &od, NULL);
    }
    if (rc == 0)
        rc = mh_wr_err(&aw);
    return rc ? rc : dlt698_frame_encode(w, C_CLIENT_REQUEST, 0x05, sa, CA_MASTER, apdu, mh_wr_len(&aw));
}

/* The state attribute's Data read back, judged against what the command should have done. */
static int judge_state(const struct cjob *j, int step, const struct dlt698_bytes *d, int64_t now_ms,
                       int16_t utc_off, char *detail, size_t cap)
{
    const struct ckind *k = j->cmd->k;
    struct dlt698_node n[NODES];
    struct mh_rd r;
    mh_rd_init(&r, d->p, d->len);
    int nn = dlt698_data_decode(&r, n, NODES);
    if (nn < 1) {
        snprintf(detail, cap, "state not decodable");
        return CJ_BAD;
    }
    if (step == CSTEP_PRE) {
        snprintf(detail, cap, "8001 protect state %lld", (long long)n[0].v.i);
        return n[0].type != DLT698_ENUM ? CJ_BAD : n[0].v.u != 0 ? CJ_PROTECTED : CJ_OK;
    }
    int on = 0;
    switch (k->expect) {
    case CX_TRIP:
        if (n[0].type != DLT698_BITSTRING || n[0].count < j->tg.pn)
            return CJ_BAD;
        on = (n[0].bytes[(j->tg.pn - 1) / 8] >> (7 - (j->tg.pn - 1) % 8)) & 1;
        break;
    case CX_PROTECT:
    case CX_URGE:
        if (n[0].type != DLT698_ENUM)
            return CJ_BAD;
        on = n[0].v.u != 0;
        break;
    case CX_CLOCK: {
        int64_t dev, want = now_ms / 1000 + (int64_t)utc_off * 60;
        struct mh_tm tm = n[0].v.time;
        tm.has = MH_TM_FULL;
        if (n[0].type != DLT698_DATETIME_S || mh_tm_to_epoch(&tm, &dev) != 0)
            return CJ_BAD;
        if (dev - want > CONTROL_CLOCK_TOLERANCE_S || want - dev > CONTROL_CLOCK_TOLERANCE_S) {
            snprintf(detail, cap, "terminal clock %+lld s off", (long long)(dev - want));
            return CJ_MISMATCH;
        }
        return CJ_OK;
    }
    default: /* array of {group OI, enum} */
        if (n[0].type != DLT698_ARRAY)
            return CJ_BAD;
        for (uint32_t i = 1; i < (uint32_t)nn; i = n[i].next) {
            if (n[i].type != DLT698_STRUCT || n[i].count != 2 || i + 2 >= (uint32_t)nn)
                return CJ_BAD;
            if (n[i + 1].type == DLT698_OI && n[i + 1].v.u == GROUP_OI(j->tg.pn))
                on = n[i + 2].v.u != 0;
        }
        break;
    }
    if (on != k->on) {
        snprintf(detail, cap, "%04X attribute %u says %s", k->oi, k->state_attr, on ? "on" : "off");
        return CJ_MISMATCH;
    }
    return CJ_OK;
}

static int judge(const struct cjob *j, int step, const uint8_t *frame, size_t len, int64_t now_ms, int16_t utc_off,
                 char *detail, size_t cap)
{
    struct dlt698_frame f;
    struct dlt698_apdu a;
    struct dlt698_iter it;
    union dlt698_item item;
    if (dlt698_frame_parse(frame, len, &f) != 0 || dlt698_apdu_decode(f.apdu, f.apdu_len, &a) != 0) {
        snprintf(detail, cap, "bad frame");
        return CJ_BAD;
    }
    dlt698_items_begin(&a.items, &it);
    if (dlt698_items_next(&it, &item) != 1) {
        snprintf(detail, cap, "empty response");
        return CJ_BAD;
    }
    if (step == CSTEP_PARAMS || step == CSTEP_CMD) {
        uint8_t dar = a.tag == DLT698_ACTION_RESPONSE ? item.ar.dar : a.tag == DLT698_SET_RESPONSE ? item.dar.dar : 0xFF;
        if (dar == 0xFF) {
            snprintf(detail, cap, "APDU %02X where a SET/ACTION response was expected", a.tag);
            return CJ_BAD;
        }
        snprintf(detail, cap, "DAR %u", dar);
        return dar == 0 ? CJ_OK : CJ_DENIED;
    }
    if (a.tag != DLT698_GET_RESPONSE) {
        snprintf(detail, cap, "APDU %02X where a GET response was expected", a.tag);
        return CJ_BAD;
    }
    if (!item.rn.data.p) {
        snprintf(detail, cap, "GET DAR %u", item.rn.dar);
        return CJ_DENIED;
    }
    return judge_state(j, step, &item.rn.data, now_ms, utc_off, detail, cap);
}

const struct cproto cproto_dlt698 = {build, judge};
