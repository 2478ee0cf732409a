/*
 * AFN05 control commands (Q/GDW 1376.1-2013 5.5): the master's builders and
 * the terminal's parser. One const table names every Fn, its data size and
 * its layout kind; the kinds are coded once each below.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/bcd.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "afn_int.h"

#define MSG_MAX 200u /* F32: the standard caps a message at 200 bytes */

enum kind { K_NONE, K_TRIP, K_PERIOD, K_DOWN, K_PROTECT, K_URGE, K_CLOCK, K_MSG, K_CAP, K_PORT };

struct ctrl_def {
    uint16_t fn;
    uint8_t kind;
    uint8_t size; /* data bytes; K_MSG is 2 + its length */
    const char *name;
};

static const struct ctrl_def defs[] = {
    {1, K_TRIP, 1, "remote_trip"},
    {2, K_NONE, 0, "allow_close"},
    {9, K_PERIOD, 2, "period_power_control_on"},
    {10, K_NONE, 0, "plant_rest_control_on"},
    {11, K_NONE, 0, "business_stop_control_on"},
    {12, K_DOWN, 8, "power_float_down_control_on"},
    {15, K_NONE, 0, "monthly_energy_control_on"},
    {16, K_NONE, 0, "purchased_energy_control_on"},
    {17, K_NONE, 0, "period_power_control_off"},
    {18, K_NONE, 0, "plant_rest_control_off"},
    {19, K_NONE, 0, "business_stop_control_off"},
    {20, K_NONE, 0, "power_float_down_control_off"},
    {23, K_NONE, 0, "monthly_energy_control_off"},
    {24, K_NONE, 0, "purchased_energy_control_off"},
    {25, K_PROTECT, 1, "protect_on"},
    {26, K_URGE, 3, "urge_fee_alarm_on"},
    {27, K_NONE, 0, "allow_talk"},
    {28, K_NONE, 0, "reject_on"},
    {29, K_NONE, 0, "allow_active_report"},
    {31, K_CLOCK, 6, "clock_set"},
    {32, K_MSG, 2, "text_message"},
    {33, K_NONE, 0, "protect_off"},
    {34, K_NONE, 0, "urge_fee_alarm_off"},
    {35, K_NONE, 0, "forbid_talk"},
    {36, K_NONE, 0, "reject_off"},
    {37, K_NONE, 0, "forbid_active_report"},
    {38, K_NONE, 0, "activate_connection"},
    {39, K_NONE, 0, "disconnect"},
    {41, K_CAP, 2, "capacitor_on"},
    {42, K_CAP, 2, "capacitor_off"},
    {49, K_PORT, 1, "port_pause_reading"},
    {50, K_PORT, 1, "port_resume_reading"},
    {51, K_PORT, 1, "port_reread"},
    {52, K_PORT, 1, "port_clear_routes"},
    {53, K_PORT, 1, "port_delete_meters"},
};

static const struct ctrl_def *lookup(uint16_t fn)
{
    return afn_table_find(defs, sizeof defs / sizeof defs[0], sizeof defs[0], fn);
}

const char *gdw1376_ctrl_name(uint16_t fn)
{
    const struct ctrl_def *d = lookup(fn);
    return d ? d->name : NULL;
}

/* A.4: D7 direction (1 = down), D6..D0 two BCD digits. */
static int a4_put(int8_t pct, uint8_t *b)
{
    int mag = pct < 0 ? -pct : pct;
    if (mag > 79)
        return MH_ERANGE;
    *b = (uint8_t)(mh_bcd_byte_from((uint8_t)mag) | (pct < 0 ? 0x80 : 0));
    return 0;
}

static int a4_get(uint8_t b, int8_t *pct)
{
    uint8_t d = b & 0x7F;
    if (!mh_bcd_byte_valid(d) || mh_bcd_byte_value(d) > 79)
        return MH_EBADBCD;
    int v = mh_bcd_byte_value(d);
    *pct = (int8_t)(b & 0x80 ? -v : v);
    return 0;
}

int gdw1376_ctrl_put(struct mh_wr *w, const struct gdw1376_ctrl *c)
{
    const struct ctrl_def *d = lookup(c->fn);
    if (!d)
        return MH_EUNKNOWN;
    uint8_t b[8] = {0};
    const uint8_t *tail = NULL;
    size_t n = d->size, tail_len = 0;
    int rc = 0;
    switch (d->kind) {
    case K_NONE:
        break;
    case K_TRIP:
        if (c->u.trip.alarm_delay_min > 15 || c->u.trip.limit_half_h > 15)
            return MH_ERANGE;
        b[0] = (uint8_t)(c->u.trip.alarm_delay_min << 4 | c->u.trip.limit_half_h);
        break;
    case K_PERIOD:
        if (c->u.period.scheme > 2)
            return MH_ERANGE;
        b[0] = c->u.period.periods;
        b[1] = c->u.period.scheme;
        break;
    case K_DOWN:
        b[0] = c->u.down.slip_min;
        rc = a4_put(c->u.down.float_pct, &b[1]);
        b[2] = c->u.down.freeze_delay_min;
        b[3] = c->u.down.ctrl_half_h;
        memcpy(b + 4, c->u.down.alarm_min, 4);
        break;
    case K_PROTECT:
        b[0] = c->u.protect_half_h;
        break;
    case K_URGE:
        if (c->u.urge_hours > 0xFFFFFF)
            return MH_ERANGE;
        b[0] = (uint8_t)c->u.urge_hours;
        b[1] = (uint8_t)(c->u.urge_hours >> 8);
        b[2] = (uint8_t)(c->u.urge_hours >> 16);
        break;
    case K_CLOCK: {
        struct gdw1376_value v = {.kind = GDW1376_V_TIME, .time = c->u.clock};
        if (mh_tm_check(&c->u.clock) != 0 || gdw1376_fmt_encode(GDW1376_A1, &v, b, 6) != 0)
            return MH_EBADTIME;
        break;
    }
    case K_MSG:
        if (c->u.msg.kind > 15 || c->u.msg.number > 15 || c->u.msg.len > MSG_MAX)
            return MH_ERANGE;
        b[0] = (uint8_t)(c->u.msg.kind << 4 | c->u.msg.number);
        b[1] = c->u.msg.len;
        tail = c->u.msg.text;
        tail_len = c->u.msg.len;
        break;
    case K_CAP:
        b[0] = (uint8_t)c->u.capacitors;
        b[1] = (uint8_t)(c->u.capacitors >> 8);
        break;
    default: /* K_PORT */
        if (c->u.port < 1 || c->u.port > 31)
            return MH_ERANGE;
        b[0] = c->u.port;
        break;
    }
    if (rc)
        return rc;
    rc = gdw1376_unit_put(w, c->pn, c->fn, b, n);
    if (rc == 0 && tail_len)
        mh_wr_bytes(w, tail, tail_len);
    return rc ? rc : mh_wr_err(w);
}

/* Data of one command from r into c (pn, fn already set). */
static int ctrl_get(struct mh_rd *r, const struct ctrl_def *d, struct gdw1376_ctrl *c)
{
    const uint8_t *b = mh_rd_bytes(r, d->size);
    if (!b)
        return MH_ETRUNC;
    switch (d->kind) {
    case K_NONE:
        return 0;
    case K_TRIP:
        c->u.trip.alarm_delay_min = b[0] >> 4;
        c->u.trip.limit_half_h = b[0] & 15;
        return 0;
    case K_PERIOD:
        c->u.period.periods = b[0];
        c->u.period.scheme = b[1];
        return b[1] > 2 ? MH_ERANGE : 0;
    case K_DOWN:
        c->u.down.slip_min = b[0];
        c->u.down.freeze_delay_min = b[2];
        c->u.down.ctrl_half_h = b[3];
        memcpy(c->u.down.alarm_min, b + 4, 4);
        return a4_get(b[1], &c->u.down.float_pct);
    case K_PROTECT:
        c->u.protect_half_h = b[0];
        return 0;
    case K_URGE:
        c->u.urge_hours = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
        return 0;
    case K_CLOCK: {
        struct gdw1376_value v;
        gdw1376_fmt_decode(GDW1376_A1, b, 6, &v);
        if (v.kind != GDW1376_V_TIME)
            return MH_EBADTIME;
        c->u.clock = v.time;
        return 0;
    }
    case K_MSG:
        c->u.msg.kind = b[0] >> 4;
        c->u.msg.number = b[0] & 15;
        c->u.msg.len = b[1];
        if (b[1] > MSG_MAX)
            return MH_ERANGE;
        c->u.msg.text = mh_rd_bytes(r, b[1]);
        return c->u.msg.text || b[1] == 0 ? 0 : MH_ETRUNC;
    case K_CAP:
        c->u.capacitors = (uint16_t)(b[0] | b[1] << 8);
        return 0;
    default:
        c->u.port = b[0];
        return b[0] >= 1 && b[0] <= 31 ? 0 : MH_ERANGE;
    }
}

static int one(void *ctx, size_t k, struct mh_rd *r, uint16_t pn, uint16_t fn)
{
    const struct ctrl_def *d = lookup(fn);
    if (!d)
        return MH_EUNKNOWN; /* its size is unknown: nothing after it can be found */
    struct gdw1376_ctrl *o = (struct gdw1376_ctrl *)ctx + k;
    memset(o, 0, sizeof *o);
    o->pn = pn;
    o->fn = fn;
    return ctrl_get(r, d, o);
}

int gdw1376_ctrl_parse(const uint8_t *units, size_t n, struct gdw1376_ctrl *out, size_t max)
{
    return afn_units_each(units, n, max, one, out);
}
