/*
 * Commands a Q/GDW 1376.1 terminal obeys: AFN05 control (5.5), AFN04
 * parameter download and AFN0A read-back (5.4, 5.10) of the meter table
 * (F10) and report tasks (F65..F68). Each item is carried out in order and
 * answered AFN00 F1 (all done), F2 (none) or F3 item by item (5.1.3.3).
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "term_gdw1376_int.h"

/* ---- AFN05 control ---- */

#define CTRL_MAX 16 /* commands one AFN05 frame may carry */

/* The switch each AFN05 on/off Fn sets (5.5.2.x); group: its pn is a total-add group 1..8, else p0. */
static const struct {
    uint16_t fn;
    uint8_t sw, on, group;
} switch_fns[] = {
    {9, SIM_SW_PERIOD_CTRL, 1, 1},  {10, SIM_SW_REST_CTRL, 1, 1},  {11, SIM_SW_STOP_CTRL, 1, 1},
    {12, SIM_SW_DOWN_CTRL, 1, 1},   {15, SIM_SW_MONTH_CTRL, 1, 1}, {16, SIM_SW_BUY_CTRL, 1, 1},
    {17, SIM_SW_PERIOD_CTRL, 0, 1}, {18, SIM_SW_REST_CTRL, 0, 1},  {19, SIM_SW_STOP_CTRL, 0, 1},
    {20, SIM_SW_DOWN_CTRL, 0, 1},   {23, SIM_SW_MONTH_CTRL, 0, 1}, {24, SIM_SW_BUY_CTRL, 0, 1},
    {25, SIM_SW_PROTECT, 1, 0},     {26, SIM_SW_URGE_FEE, 1, 0},   {33, SIM_SW_PROTECT, 0, 0},
    {34, SIM_SW_URGE_FEE, 0, 0},
};

/*
 * Carry out one command: 0 done, else denied. Trips, power / energy
 * control and protect / urge fee need the control relays of a
 * special-transformer terminal; clock set and text messages any terminal.
 */
static int control_one(struct reply *r, const struct gdw1376_ctrl *c, int64_t now)
{
    int relays = r->t->kind == SIM_TERM_SPECIAL_TRANSFORMER;
    int turn = c->pn >= 1 && c->pn <= 8;
    switch (c->fn) {
    case 31: { /* clock set: A.1 local time; the terminal's drift is gone from now on */
        int64_t set;
        struct mh_tm tm = c->u.clock;
        tm.has = MH_TM_FULL;
        if (c->pn != 0 || mh_tm_to_epoch(&tm, &set) != 0)
            return MH_EINVAL;
        return sim_term_clock_set(r->s, r->t, now, set);
    }
    case 32: /* Chinese text message: kept for the display */
        return c->pn != 0 ? MH_EINVAL
                          : sim_term_message_add(r->t, c->u.msg.kind, c->u.msg.number, c->u.msg.text, c->u.msg.len, now);
    case 12: /* current-power float-down (5.5.2.4): the customer sheds the coefficient of its load */
    case 20:
        if (!relays || !turn)
            return MH_ENOTSUP;
        if (sim_term_shed(r->t, c->fn == 12 && c->u.down.float_pct < 0 ? 100 + c->u.down.float_pct : 100, now) != 0)
            return MH_EIO;
        break;
    case 1: /* remote trip of control turn pn */
    case 2: /* close allowed */
        return relays && turn ? sim_term_control(r->t, c->fn == 1, now) : MH_ENOTSUP;
    default:
        break;
    }
    for (size_t i = 0; i < sizeof switch_fns / sizeof switch_fns[0]; i++) {
        if (switch_fns[i].fn != c->fn)
            continue;
        if (!relays || (switch_fns[i].group ? !turn : c->pn != 0))
            return MH_ENOTSUP;
        uint8_t mask = switch_fns[i].group ? (uint8_t)(1u << (c->pn - 1)) : 1;
        return sim_term_switch_set(r->t, switch_fns[i].sw, mask, switch_fns[i].on);
    }
    return MH_ENOTSUP;
}

/* AFN05: every command carried out or denied; F1 all done, F2 all denied, else F3 item by item. */
void gdw_on_control(struct reply *r, int64_t now)
{
    const struct gdw1376_frame *f = r->req;
    struct gdw1376_ctrl cmds[CTRL_MAX];
    struct gdw1376_ack_item items[CTRL_MAX];
    int n = gdw1376_ctrl_parse(f->units, f->units_len, cmds, CTRL_MAX);
    if (n <= 0) {
        gdw_reply_ack(r, 1);
        return;
    }
    int denied = 0;
    for (int i = 0; i < n; i++) {
        items[i].err = control_one(r, &cmds[i], now) != 0;
        denied += items[i].err;
        gdw1376_da_set(&cmds[i].pn, 1, &items[i].da1, &items[i].da2);
        gdw1376_dt_set(&cmds[i].fn, 1, &items[i].dt1, &items[i].dt2);
    }
    gdw_reply_items(r, items, (size_t)n, denied);
}

/* ---- AFN04 parameter download, AFN0A read-back ---- */

#define PARAMS_MAX 8
#define QUERY_RECS 32 /* F10 records per read-back unit */

/* One downloaded parameter: F10 meter records, F65 / F66 report tasks, F67 / F68 their start / stop. */
static int param_one(struct reply *r, const struct gdw1376_param *p)
{
    if (p->fn == 10) {
        int rc = p->pn == 0 ? 0 : MH_EINVAL;
        for (size_t k = 0; rc == 0 && k < p->u.meters.n; k++) {
            struct gdw1376_meter_cfg m;
            rc = gdw1376_meter_cfg_get(p, k, &m);
            if (rc == 0)
                rc = sim_term_meter_cfg_set(r->s, r->t, &m);
        }
        return rc;
    }
    if (p->fn == 17 || (p->fn >= 41 && p->fn <= 49)) {
        /* control parameters of a total-add group (F17 the terminal's): kept as received, read back by AFN0C F5 */
        uint8_t raw[SIM_TERM_PARAM_MAX + 4];
        struct mh_wr w;
        mh_wr_init(&w, raw, sizeof raw);
        if (r->t->kind != SIM_TERM_SPECIAL_TRANSFORMER || (p->fn != 17 && (p->pn < 1 || p->pn > 8)))
            return MH_ENOTSUP;
        int rc = gdw1376_param_put(&w, p);
        return rc ? rc : sim_term_param_set(r->t, p->fn, p->pn, raw + 4, mh_wr_len(&w) - 4);
    }
    if (p->fn < 65 || p->fn > 68)
        return MH_ENOTSUP;
    struct sim_term_task *k = sim_term_task(r->t, p->fn == 65 || p->fn == 67 ? 1 : 2, p->pn, 1);
    if (!k)
        return MH_ERANGE; /* a task number past what the terminal holds */
    if (p->fn >= 67) {
        k->control = p->u.byte;
        return 0;
    }
    if (p->u.task.n_ids > 64)
        return MH_ERANGE;
    k->set = 1;
    k->unit = p->u.task.unit;
    k->period = p->u.task.period;
    k->ratio = p->u.task.ratio;
    k->base = p->u.task.base;
    k->n_ids = p->u.task.n_ids;
    if (k->n_ids)
        memcpy(k->ids, p->u.task.ids, 4u * k->n_ids);
    return 0;
}

/* The stored value of a queried F65..F68 into p; MH_ENOENT when never downloaded. */
static int task_param(struct reply *r, uint16_t pn, uint16_t fn, struct gdw1376_param *p)
{
    const struct sim_term_task *k = sim_term_task(r->t, fn == 65 || fn == 67 ? 1 : 2, pn, 0);
    if (!k || (fn <= 66 ? !k->set : !k->control))
        return MH_ENOENT;
    memset(p, 0, sizeof *p);
    p->pn = pn;
    p->fn = fn;
    if (fn >= 67) {
        p->u.byte = k->control;
        return 0;
    }
    p->u.task = (struct gdw1376_report_task){k->unit, k->period, k->base, k->ratio, k->n_ids, k->ids};
    return 0;
}

/* AFN04: F10, the control parameters F17 / F41..F49 and F65..F68 applied item by item; others are denied. */
void gdw_on_param_set(struct reply *r)
{
    const struct gdw1376_frame *f = r->req;
    static struct gdw1376_param ps[PARAMS_MAX];
    struct gdw1376_ack_item items[PARAMS_MAX];
    int n = gdw1376_param_parse(f->units, f->units_len, ps, PARAMS_MAX);
    if (n <= 0) {
        gdw_reply_ack(r, 1);
        return;
    }
    int denied = 0;
    for (int i = 0; i < n; i++) {
        int rc = param_one(r, &ps[i]);
        items[i].err = rc != 0;
        denied += items[i].err;
        gdw1376_da_set(&ps[i].pn, 1, &items[i].da1, &items[i].da2);
        gdw1376_dt_set(&ps[i].fn, 1, &items[i].dt1, &items[i].dt2);
    }
    gdw_reply_items(r, items, (size_t)n, denied);
}

/* AFN0A F10: the records asked for, as downloaded (those that do not exist are left out). */
void gdw_on_param_query(struct reply *r)
{
    const struct gdw1376_frame *f = r->req;
    struct gdw1376_query_item q[PARAMS_MAX];
    int n = gdw1376_query_parse(f->units, f->units_len, q, PARAMS_MAX);
    unsigned answered = 0;
    for (int i = 0; i < n; i++) {
        uint16_t seqs[QUERY_RECS];
        size_t count = 0;
        if (q[i].fn >= 65 && q[i].fn <= 68) {
            static struct gdw1376_param tp; /* the loop thread only */
            uint8_t unit[8 + 64 * 4 + 16];
            struct mh_wr tw;
            mh_wr_init(&tw, unit, sizeof unit);
            if (task_param(r, q[i].pn, q[i].fn, &tp) == 0 && gdw1376_param_put(&tw, &tp) == 0) {
                gdw_reply_unit(r, unit, mh_wr_len(&tw));
                answered++;
            }
            continue;
        }
        if (q[i].fn != 10 || q[i].pn != 0 ||
            gdw1376_query_f10_parse(q[i].data, q[i].len, seqs, QUERY_RECS, &count) != 0)
            continue;
        uint8_t recs[QUERY_RECS * 27], unit[8 + sizeof recs];
        struct gdw1376_param p = {.pn = 0, .fn = 10};
        for (size_t k = 0; k < count; k++)
            if (sim_term_meter_cfg_raw(r->s, r->t, seqs[k], recs + 27u * p.u.meters.n) == 0)
                p.u.meters.n++;
        p.u.meters.recs = recs;
        struct mh_wr w;
        mh_wr_init(&w, unit, sizeof unit);
        if (gdw1376_param_put(&w, &p) == 0) {
            gdw_reply_unit(r, unit, mh_wr_len(&w));
            answered++;
        }
    }
    if (answered == 0)
        gdw_reply_ack(r, 1);
    else
        gdw_reply_emit(r, C_UP_DATA, r->afn, 1);
}

