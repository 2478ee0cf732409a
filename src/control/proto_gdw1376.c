/*
 * The Q/GDW 1376.1 half of the command path. Commands are AFN05 (5.5) with
 * PW and a Tp (5.2.3.4.3: the terminal drops a command older than its
 * allowed delay, so a command stuck in a queue is never carried out
 * late); control parameters are AFN04 F41/F42/F44/F46/F47 (5.4); the
 * device's state is read back with AFN0C F5 (control settings: protect,
 * urge fee, per group the power and energy controls on), F6 (current
 * control state: turns held open by a remote trip) and F2 (clock).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "control_int.h"

#define TP_DELAY_MIN 5 /* a command older than this is dropped by the terminal */

/* "RRRRAAAA" (fep.h): A1 then A2, 8 hex digits. */
static int addr_of(const struct cjob *j, struct gdw1376_addr *a)
{
    return control_gdw1376_addr(j->addr, a);
}

static struct gdw1376_value num(int64_t m, int exp)
{
    struct gdw1376_value v;
    memset(&v, 0, sizeof v);
    v.kind = GDW1376_V_NUM;
    v.num = mh_dec_make(m, exp);
    return v;
}

/* AFN04 parameters of an "on" command, when the operator gave them. 1: none to send. */
static int param_of(const struct cjob *j, struct gdw1376_param *p)
{
    const struct control_params *cp = &j->cmd->p;
    memset(p, 0, sizeof *p);
    p->pn = j->tg.pn;
    p->fn = j->cmd->k->param_fn;
    switch (j->cmd->kind) {
    case CONTROL_PERIOD_ON:
        if (!cp->period.set)
            return 1;
        /* F41: only the scheme being switched on is downloaded */
        p->u.period_ctrl.schemes = (uint8_t)(1u << cp->period.scheme);
        p->u.period_ctrl.periods[cp->period.scheme] = cp->period.periods;
        for (int i = 0; i < 8; i++)
            p->u.period_ctrl.limit[cp->period.scheme][i] = num(cp->period.limit_w[i], -3);
        return 0;
    case CONTROL_REST_ON:
        if (!cp->rest.set)
            return 1;
        p->u.rest.limit = num(cp->rest.limit_w, -3);
        p->u.rest.start = (struct mh_tm){.hour = cp->rest.start_h, .min = cp->rest.start_m, .has = MH_TM_HM};
        p->u.rest.duration_half_h = cp->rest.duration_half_h;
        p->u.rest.weekdays = cp->rest.weekdays;
        return 0;
    case CONTROL_STOP_ON:
        if (!cp->stop.set)
            return 1;
        p->u.stop.from = cp->stop.from;
        p->u.stop.to = cp->stop.to;
        p->u.stop.from.has = p->u.stop.to.has = MH_TM_DATE;
        p->u.stop.limit = num(cp->stop.limit_w, -3);
        return 0;
    case CONTROL_MONTH_ON:
        if (!cp->month.set)
            return 1;
        p->u.value = num(cp->month.limit_kwh, 0);
        return 0;
    case CONTROL_BUY_ON:
        if (!cp->buy.set)
            return 1;
        p->u.purchase.order_no = cp->buy.order_no;
        p->u.purchase.flag = cp->buy.refresh ? 0xAA : 0x55;
        p->u.purchase.amount = num(cp->buy.amount_kwh, 0);
        p->u.purchase.alarm = num(cp->buy.alarm_kwh, 0);
        p->u.purchase.trip = num(cp->buy.trip_kwh, 0);
        return 0;
    default:
        return 1;
    }
}

static void ctrl_of(const struct cjob *j, int64_t now_ms, int16_t utc_off, struct gdw1376_ctrl *c)
{
    const struct control_params *cp = &j->cmd->p;
    memset(c, 0, sizeof *c);
    c->fn = j->cmd->k->fn;
    c->pn = j->tg.pn;
    switch (j->cmd->kind) {
    case CONTROL_TRIP:
        c->u.trip.alarm_delay_min = cp->trip.alarm_delay_min;
        c->u.trip.limit_half_h = cp->trip.limit_half_h;
        break;
    case CONTROL_PERIOD_ON:
        c->u.period.periods = cp->period.set ? cp->period.periods : 0xFF;
        c->u.period.scheme = cp->period.scheme;
        break;
    case CONTROL_DOWN_ON:
        c->u.down.slip_min = cp->down.slip_min;
        c->u.down.float_pct = cp->down.float_pct;
        c->u.down.freeze_delay_min = cp->down.freeze_delay_min;
        c->u.down.ctrl_half_h = cp->down.ctrl_half_h;
        memcpy(c->u.down.alarm_min, cp->down.alarm_min, sizeof c->u.down.alarm_min);
        break;
    case CONTROL_PROTECT_ON: c->u.protect_half_h = cp->protect_half_h; break;
    case CONTROL_URGE_ON: c->u.urge_hours = cp->urge_hours ? cp->urge_hours : 0xFFFFFF; break;
    case CONTROL_CLOCK_SYNC: control_local_tm(now_ms, utc_off, &c->u.clock); break;
    case CONTROL_MESSAGE:
        c->u.msg.kind = cp->msg.important ? 1 : 0;
        c->u.msg.number = cp->msg.number;
        c->u.msg.len = cp->msg.len;
        c->u.msg.text = cp->msg.text;
        break;
    default: break;
    }
}

/* One request of afn with one unit (the bytes in u, DA DT first), PW and Tp as the AFN wants. */
static int request(struct mh_wr *w, const struct cjob *j, uint8_t afn, const uint8_t *u, size_t n, int64_t now_ms,
                   int16_t utc_off)
{
    struct gdw1376_tp tp = {0, {0}, TP_DELAY_MIN};
    /* CON: the terminal answers a command with AFN00 (5.2.3.2), never silently */
    struct gdw1376_req r = {.afn = afn, .pw_len = 16, .con = 1};
    int rc = addr_of(j, &r.addr);
    if (rc != 0)
        return rc;
    /* F31 carries none: the terminal would judge it by the very clock being corrected */
    if (afn == GDW1376_AFN_SET || (afn == GDW1376_AFN_CONTROL && j->cmd->kind != CONTROL_CLOCK_SYNC)) {
        control_local_tm(now_ms, utc_off, &tp.send);
        r.tp = &tp;
    }
    struct gdw1376_unit unit = {u[0], u[1], u[2], u[3], n > 4 ? u + 4 : NULL, n - 4};
    return gdw1376_req_encode(w, &r, &unit, 1);
}

static uint16_t read_fn(const struct cjob *j, int step)
{
    if (step == CSTEP_PRE)
        return 5;
    switch (j->cmd->k->expect) {
    case CX_TRIP: return 6;
    case CX_CLOCK: return 2;
    case CX_NONE: return 0;
    default: return 5;
    }
}

static int build(const struct cjob *j, int step, int64_t now_ms, int16_t utc_off, struct mh_wr *w)
{
    uint8_t unit[320];
    struct mh_wr uw;
    mh_wr_init(&uw, unit, sizeof unit);
    int rc;
    if (step == CSTEP_PARAMS) {
        struct gdw1376_param p;
        if (param_of(j, &p) == 1)
            return 1;
        rc = gdw1376_param_put(&uw, &p);
        return rc ? rc : request(w, j, GDW1376_AFN_SET, unit, mh_wr_len(&uw), now_ms, utc_off);
    }
    if (step == CSTEP_CMD) {
        struct gdw1376_ctrl c;
        ctrl_of(j, now_ms, utc_off, &c);
        rc = gdw1376_ctrl_put(&uw, &c);
        return rc ? rc : request(w, j, GDW1376_AFN_CONTROL, unit, mh_wr_len(&uw), now_ms, utc_off);
    }
    uint16_t fn = read_fn(j, step);
    if (fn == 0)
        return 1;
    struct gdw1376_addr a;
    rc = addr_of(j, &a);
    return rc ? rc : gdw1376_enc_read(w, &a, GDW1376_AFN_CLASS1, 0, fn, NULL, 0, 0, NULL);
}

/* AFN00 answering a command: F1 all done, F2 denied, F3 item by item. */
static int judge_ack(const struct gdw1376_frame *f, char *detail, size_t cap)
{
    struct gdw1376_ack a;
    if (f->afn != GDW1376_AFN_CONFIRM || gdw1376_ack_parse(f->units, f->units_len, &a) != 0) {
        snprintf(detail, cap, "AFN%02X where AFN00 was expected", f->afn);
        return CJ_BAD;
    }
    if (a.fn == 2) {
        snprintf(detail, cap, "AFN00 F2");
        return CJ_DENIED;
    }
    for (size_t i = 0; a.fn == 3 && i < a.n_items; i++) {
        struct gdw1376_ack_item it;
        if (gdw1376_ack_item_get(&a, i, &it) == 0 && it.err) {
            snprintf(detail, cap, "AFN00 F3 item %zu error %u", i, it.err);
            return CJ_DENIED;
        }
    }
    return CJ_OK;
}

/* The data of (p0, fn) in an AFN0C reply into r; 0 or MH_ENOENT. */
static int find_unit(const struct gdw1376_frame *f, uint16_t want, struct mh_rd *r)
{
    struct gdw1376_units_it it;
    uint16_t pn, fn;
    gdw1376_units_begin(&it, f->units, f->units_len);
    if (f->afn == GDW1376_AFN_CLASS1 && gdw1376_units_next(&it, &pn, &fn) == 1 && pn == 0 && fn == want) {
        *r = it.r;
        return 0;
    }
    return MH_ENOENT;
}

static const char *onoff(int on)
{
    return on ? "on" : "off";
}

static int judge_read(const struct cjob *j, int step, const struct gdw1376_frame *f, int64_t now_ms,
                      int16_t utc_off, char *detail, size_t cap)
{
    const struct ckind *k = j->cmd->k;
    struct mh_rd r;
    uint16_t fn = read_fn(j, step);
    if (find_unit(f, fn, &r) != 0) {
        snprintf(detail, cap, "no AFN0C F%u in the reply", fn);
        return f->afn == GDW1376_AFN_CONFIRM ? CJ_DENIED : CJ_BAD;
    }
    if (fn == 2) {
        struct gdw1376_value v;
        const uint8_t *p = mh_rd_bytes(&r, 6);
        int64_t dev, want = now_ms / 1000 + (int64_t)utc_off * 60;
        if (!p || gdw1376_fmt_decode(GDW1376_A1, p, 6, &v) != 0 || v.kind != GDW1376_V_TIME ||
            mh_tm_to_epoch(&v.time, &dev) != 0) {
            snprintf(detail, cap, "terminal clock unreadable");
            return CJ_BAD;
        }
        if (dev - want > CONTROL_CLOCK_TOLERANCE_S || want - dev > CONTROL_CLOCK_TOLERANCE_S) {
            snprintf(detail, cap, "terminal clock %+lld s off", (long long)(dev - want));
            return CJ_MISMATCH;
        }
        return CJ_OK;
    }
    if (fn == 6) {
        struct gdw1376_ctrl_now s;
        if (gdw1376_ctrl_now_get(&r, &s) != 0) {
            snprintf(detail, cap, "AFN0C F6 truncated");
            return CJ_BAD;
        }
        int open = (s.trip_turns >> (j->tg.pn - 1)) & 1;
        if (open != k->on) {
            snprintf(detail, cap, "turn %u is %s", j->tg.pn, open ? "tripped" : "closed");
            return CJ_MISMATCH;
        }
        return CJ_OK;
    }
    struct gdw1376_ctrl_settings s;
    if (gdw1376_ctrl_settings_get(&r, &s) != 0) {
        snprintf(detail, cap, "AFN0C F5 truncated");
        return CJ_BAD;
    }
    int on;
    const char *what;
    if (step == CSTEP_PRE || k->expect == CX_PROTECT) {
        on = (s.flags & GDW1376_CS_PROTECT) != 0;
        what = "protect";
        if (step == CSTEP_PRE) {
            snprintf(detail, cap, "AFN0C F5 protect on");
            return on ? CJ_PROTECTED : CJ_OK;
        }
    } else if (k->expect == CX_URGE) {
        on = (s.flags & GDW1376_CS_URGE) != 0;
        what = "urge-fee alarm";
    } else {
        on = 0;
        for (unsigned i = 0; i < s.n; i++)
            if (s.g[i].group == j->tg.pn)
                on = ((k->expect == CX_POWER ? s.g[i].power : s.g[i].energy) & k->bit) != 0;
        what = k->expect == CX_POWER ? "power control" : "energy control";
    }
    if (on != k->on) {
        snprintf(detail, cap, "%s is %s", what, onoff(on));
        return CJ_MISMATCH;
    }
    return CJ_OK;
}

static int judge(const struct cjob *j, int step, const uint8_t *frame, size_t len, int64_t now_ms, int16_t utc_off,
                 char *detail, size_t cap)
{
    struct gdw1376_frame f;
    if (gdw1376_frame_parse(frame, len, 16, &f) != 0) {
        snprintf(detail, cap, "bad frame");
        return CJ_BAD;
    }
    if (step == CSTEP_PARAMS || step == CSTEP_CMD)
        return judge_ack(&f, detail, cap);
    return judge_read(j, step, &f, now_ms, utc_off, detail, cap);
}

const struct cproto cproto_gdw1376 = {build, judge};
