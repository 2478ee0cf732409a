/*
 * What a simulated load-management terminal reports of its control, and
 * the DL/T 698.45 control objects beyond remote control, protect and urge
 * fee. Only special-transformer terminals have control relays; the
 * simulator models one load per terminal, so a trip opens every turn and
 * reports turns 1..4 open.
 *
 * 1376.1 AFN0C F5 / F6 (Q/GDW 1376.1-2013 5.12): protect and urge-fee
 * flags, per total-add group the power controls (period, plant rest,
 * business stop, float-down) and energy controls (monthly, purchased) on,
 * the turns they may trip (F45 / F48 as downloaded, else turn 1).
 * 698.45: 8000 attribute 5 (turns held open, bit-string), 8001 / 8002
 * attribute 2 (enum), 8103..8108 attribute 3 (array of {group OI, enum});
 * ACTION 8103..8108 method 3 keeps a control unit, 6 / 7 switch a group
 * on / off, 8106 method 127 switches float-down on; 8003 / 8004 method 127
 * keeps a text message.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/base/rd.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_data.h"
#include "term.h"

#define TURNS_OPEN 0x0F /* turns 1..4: the one load the simulator models */
#define DAR_DENIED 3
#define DAR_UNDEFINED 6
#define DAR_TYPE 7

/* Power control switches by their GDW1376_PC_* bit, energy by GDW1376_EC_* bit. */
static const uint8_t power_sw[4] = {SIM_SW_PERIOD_CTRL, SIM_SW_REST_CTRL, SIM_SW_STOP_CTRL, SIM_SW_DOWN_CTRL};
static const uint8_t energy_sw[2] = {SIM_SW_MONTH_CTRL, SIM_SW_BUY_CTRL};

/* 698.45 power / energy control objects and their switch. */
static const struct {
    uint16_t oi;
    uint8_t sw;
} objects[] = {
    {0x8103, SIM_SW_PERIOD_CTRL}, {0x8104, SIM_SW_REST_CTRL},  {0x8105, SIM_SW_STOP_CTRL},
    {0x8106, SIM_SW_DOWN_CTRL},   {0x8107, SIM_SW_BUY_CTRL},   {0x8108, SIM_SW_MONTH_CTRL},
};

static int has_relays(const struct sim_terminal *t)
{
    return t->kind == SIM_TERM_SPECIAL_TRANSFORMER;
}

/* Groups with a control on or a parameter downloaded: D0..D7 = groups 1..8. */
static uint8_t groups_of(const struct sim_terminal *t)
{
    uint8_t mask = 0;
    for (unsigned sw = SIM_SW_PERIOD_CTRL; sw < SIM_SW_COUNT; sw++)
        mask |= sim_term_switch(t, sw);
    for (uint16_t g = 1; g <= 8; g++) {
        const uint8_t *p;
        size_t n;
        for (uint16_t fn = 41; fn <= 48; fn++)
            if (sim_term_param_get(t, fn, g, &p, &n) == 0)
                mask |= (uint8_t)(1u << (g - 1));
    }
    return mask;
}

static uint8_t bits_of(const struct sim_terminal *t, const uint8_t *sws, unsigned n, unsigned g)
{
    uint8_t v = 0;
    for (unsigned i = 0; i < n; i++)
        if (sim_term_switch(t, sws[i]) & (1u << (g - 1)))
            v |= (uint8_t)(1u << i);
    return v;
}

/* A one-byte parameter (F45 / F48 turns) of group g, or dflt. */
static uint8_t byte_param(const struct sim_terminal *t, uint16_t fn, unsigned g, uint8_t dflt)
{
    const uint8_t *p;
    size_t n;
    return sim_term_param_get(t, fn, (uint16_t)g, &p, &n) == 0 && n >= 1 ? p[0] : dflt;
}

int sim_term_1376_ctrl_state(const struct sim_terminal *t, uint16_t fn, int64_t now, struct mh_wr *w)
{
    if (!has_relays(t) || (fn != 5 && fn != 6))
        return MH_EUNKNOWN;
    uint8_t mask = groups_of(t);
    if (fn == 5) {
        struct gdw1376_ctrl_settings s = {0};
        s.flags = (uint8_t)((sim_term_switch(t, SIM_SW_PROTECT) & 1 ? GDW1376_CS_PROTECT : 0) |
                            (sim_term_switch(t, SIM_SW_URGE_FEE) & 1 ? GDW1376_CS_URGE : 0));
        for (unsigned g = 1; g <= 8; g++)
            if (mask & (1u << (g - 1)))
                s.g[s.n++] = (struct gdw1376_ctrl_set_group){(uint8_t)g, 0, 0, bits_of(t, power_sw, 4, g),
                                                             bits_of(t, energy_sw, 2, g), byte_param(t, 45, g, 1),
                                                             byte_param(t, 48, g, 1)};
        return gdw1376_ctrl_settings_put(w, &s);
    }
    struct gdw1376_ctrl_now s = {0};
    s.trip_turns = sim_term_tripped(t, now) ? TURNS_OPEN : 0;
    s.urge_fee = sim_term_switch(t, SIM_SW_URGE_FEE) & 1;
    for (unsigned g = 1; g <= 8; g++)
        if (mask & (1u << (g - 1)))
            s.g[s.n++] = (struct gdw1376_ctrl_now_group){(uint8_t)g, {0xEE, 0xEE}, 0xEE, 0, 0, 0, 0, 0};
    return gdw1376_ctrl_now_put(w, &s);
}

static int object_sw(uint16_t oi)
{
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++)
        if (objects[i].oi == oi)
            return objects[i].sw;
    return -1;
}

int sim_term_698_ctrl_get(const struct sim_terminal *t, uint32_t oad, int64_t now, struct mh_wr *w)
{
    uint16_t oi = (uint16_t)(oad >> 16);
    uint8_t attr = (uint8_t)(oad >> 8);
    int sw = object_sw(oi);
    if (!(oad == 0x80000500u || oad == 0x80010200u || oad == 0x80020200u || (sw >= 0 && attr == 3)))
        return -1;
    if (!has_relays(t))
        return DAR_UNDEFINED;
    if (oad == 0x80000500u) {
        uint8_t bits = sim_term_tripped(t, now) ? (uint8_t)(TURNS_OPEN << 4) : 0; /* turn 1 is the first bit */
        dlt698_put_bits(w, &bits, 8);
    } else if (oad == 0x80010200u) {
        dlt698_put_enum(w, sim_term_switch(t, SIM_SW_PROTECT) & 1);
    } else if (oad == 0x80020200u) {
        dlt698_put_enum(w, sim_term_switch(t, SIM_SW_URGE_FEE) & 1);
    } else {
        /* group 1 always (a special-transformer terminal's own), then any other group that is on */
        uint8_t on = sim_term_switch(t, (unsigned)sw), list = (uint8_t)(on | 1u);
        unsigned n = 0;
        for (unsigned g = 0; g < 8; g++)
            n += (list >> g) & 1;
        dlt698_put_array(w, n);
        for (unsigned g = 0; g < 8; g++)
            if ((list >> g) & 1) {
                dlt698_put_struct(w, 2);
                dlt698_put_oi(w, (uint16_t)(0x2301 + g));
                dlt698_put_enum(w, (on >> g) & 1);
            }
    }
    return 0;
}

/* The total-add group (1..8) an OI names, 0 when none. */
static unsigned group_of_oi(uint64_t oi)
{
    return oi >= 0x2301 && oi <= 0x2308 ? (unsigned)(oi - 0x2300) : 0;
}

int sim_term_698_ctrl_action(const struct sim_terminal *t, uint32_t omd, const uint8_t *data, size_t len,
                             int64_t now)
{
    uint16_t oi = (uint16_t)(omd >> 16);
    uint8_t method = (uint8_t)(omd >> 8);
    int sw = object_sw(oi);
    if (sw < 0 && oi != 0x8003 && oi != 0x8004)
        return -1;
    if (!has_relays(t))
        return DAR_DENIED;
    struct dlt698_node nodes[64];
    struct mh_rd r;
    mh_rd_init(&r, data, len);
    int n = dlt698_data_decode(&r, nodes, 64);
    if (n < 1)
        return DAR_TYPE;
    if (sw < 0) {
        /* 8003 / 8004 add {number, time, read flag, text} */
        if (method != 127 || nodes[0].type != DLT698_STRUCT || nodes[0].count != 4 || n < 5)
            return DAR_TYPE;
        const struct dlt698_node *num = &nodes[1], *text = &nodes[nodes[nodes[2].next].next];
        if (num->type != DLT698_UNSIGNED || (text->type != DLT698_VISIBLE && text->type != DLT698_OCTETS))
            return DAR_TYPE;
        return sim_term_message_add(t, oi == 0x8004, (uint8_t)(num->v.u & 15), text->bytes, text->count, now) == 0
                   ? 0
                   : DAR_DENIED;
    }
    /* The group: the data itself (6, 7) or the first element of the structure (3, 127). */
    const struct dlt698_node *g = nodes[0].type == DLT698_STRUCT && n >= 2 ? &nodes[1] : &nodes[0];
    unsigned group = g->type == DLT698_OI ? group_of_oi(g->v.u) : 0;
    if (!group)
        return DAR_TYPE;
    switch (method) {
    case 3: return sim_term_param_set(t, oi, (uint16_t)group, data, len) == 0 ? 0 : DAR_DENIED;
    case 6:
    case 7:
        if (oi == 0x8106 && method == 7 && sim_term_shed(t, 100, now) != 0)
            return DAR_DENIED;
        return sim_term_switch_set(t, (unsigned)sw, (uint8_t)(1u << (group - 1)), method == 6) == 0 ? 0 : DAR_DENIED;
    case 127: {
        if (oi != 0x8106)
            return DAR_UNDEFINED;
        /* {group, {slip, float coefficient, ...}}: a negative coefficient sheds that much of the load. */
        uint32_t si = g->next; /* the parameters' structure; its first field, then the coefficient */
        const struct dlt698_node *fl = nodes[0].type == DLT698_STRUCT && (int)si + 2 < n &&
                                               nodes[si].type == DLT698_STRUCT && nodes[si].count >= 2 &&
                                               (int)nodes[si + 1].next < n
                                           ? &nodes[nodes[si + 1].next]
                                           : NULL;
        int keep = fl && fl->type == DLT698_INTEGER && fl->v.i < 0 && fl->v.i > -100 ? 100 + (int)fl->v.i : 100;
        if (sim_term_shed(t, keep, now) != 0)
            return DAR_DENIED;
        return sim_term_switch_set(t, (unsigned)sw, (uint8_t)(1u << (group - 1)), 1) == 0 ? 0 : DAR_DENIED;
    }
    default: return DAR_UNDEFINED;
    }
}
