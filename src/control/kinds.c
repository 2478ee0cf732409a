/*
 * The command kinds as data: what each acts on, whether it can cut
 * supply, its Q/GDW 1376.1 AFN05 Fn (and AFN04 parameter Fn), its
 * DL/T 698.45 object and method, and how its effect is read back.
 * 1376.1: Q/GDW 1376.1-2013 5.5 (AFN05) and 5.4 (AFN04 F41..F47);
 * 698.45: DL/T 698.45-2017 appendix, objects 8000..8004 (IC 8, 11) and
 * 8103..8108 (IC 13: method 3 add a control unit, 6 switch on, 7 off).
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "control_int.h"

/* name, cuts, target, expect, on, bit, fn, param_fn, oi, method, state attribute */
static const struct ckind kinds[CONTROL_KIND_COUNT_] = {
    [CONTROL_TRIP] = {"trip", 1, CT_TURN, CX_TRIP, 1, 0, 1, 0, 0x8000, 129, 5},
    [CONTROL_CLOSE] = {"close", 0, CT_TURN, CX_TRIP, 0, 0, 2, 0, 0x8000, 130, 5},
    [CONTROL_PROTECT_ON] = {"protect_on", 0, CT_TERMINAL, CX_PROTECT, 1, 0, 25, 0, 0x8001, 127, 2},
    [CONTROL_PROTECT_OFF] = {"protect_off", 0, CT_TERMINAL, CX_PROTECT, 0, 0, 33, 0, 0x8001, 128, 2},
    [CONTROL_URGE_ON] = {"urge_on", 0, CT_TERMINAL, CX_URGE, 1, 0, 26, 0, 0x8002, 127, 2},
    [CONTROL_URGE_OFF] = {"urge_off", 0, CT_TERMINAL, CX_URGE, 0, 0, 34, 0, 0x8002, 128, 2},
    [CONTROL_PERIOD_ON] = {"period_on", 1, CT_GROUP, CX_POWER, 1, GDW1376_PC_PERIOD, 9, 41, 0x8103, 6, 3},
    [CONTROL_PERIOD_OFF] = {"period_off", 0, CT_GROUP, CX_POWER, 0, GDW1376_PC_PERIOD, 17, 0, 0x8103, 7, 3},
    [CONTROL_REST_ON] = {"rest_on", 1, CT_GROUP, CX_POWER, 1, GDW1376_PC_REST, 10, 42, 0x8104, 6, 3},
    [CONTROL_REST_OFF] = {"rest_off", 0, CT_GROUP, CX_POWER, 0, GDW1376_PC_REST, 18, 0, 0x8104, 7, 3},
    [CONTROL_STOP_ON] = {"stop_on", 1, CT_GROUP, CX_POWER, 1, GDW1376_PC_STOP, 11, 44, 0x8105, 6, 3},
    [CONTROL_STOP_OFF] = {"stop_off", 0, CT_GROUP, CX_POWER, 0, GDW1376_PC_STOP, 19, 0, 0x8105, 7, 3},
    /* float-down: its parameters travel in the command itself (F12, 8106 method 127) */
    [CONTROL_DOWN_ON] = {"down_on", 1, CT_GROUP, CX_POWER, 1, GDW1376_PC_DOWN, 12, 0, 0x8106, 127, 3},
    [CONTROL_DOWN_OFF] = {"down_off", 0, CT_GROUP, CX_POWER, 0, GDW1376_PC_DOWN, 20, 0, 0x8106, 7, 3},
    [CONTROL_MONTH_ON] = {"month_on", 1, CT_GROUP, CX_ENERGY, 1, GDW1376_EC_MONTH, 15, 46, 0x8108, 6, 3},
    [CONTROL_MONTH_OFF] = {"month_off", 0, CT_GROUP, CX_ENERGY, 0, GDW1376_EC_MONTH, 23, 0, 0x8108, 7, 3},
    [CONTROL_BUY_ON] = {"buy_on", 1, CT_GROUP, CX_ENERGY, 1, GDW1376_EC_BUY, 16, 47, 0x8107, 6, 3},
    [CONTROL_BUY_OFF] = {"buy_off", 0, CT_GROUP, CX_ENERGY, 0, GDW1376_EC_BUY, 24, 0, 0x8107, 7, 3},
    [CONTROL_CLOCK_SYNC] = {"clock_sync", 0, CT_TERMINAL, CX_CLOCK, 0, 0, 31, 0, 0x4000, 0, 2},
    /* 698.45: 8003 general / 8004 important Chinese information, method 127 add */
    [CONTROL_MESSAGE] = {"message", 0, CT_TERMINAL, CX_NONE, 0, 0, 32, 0, 0x8003, 127, 0},
    /* a meter's own relay: fn is the DL/T 645-2007 7.10 N1, forwarded by the terminal (meter_relay.c) */
    [CONTROL_METER_TRIP] = {"meter_trip", 1, CT_METER, CX_RELAY, 1, 0, DLT645_RC_TRIP, 0, 0, 0, 0},
    [CONTROL_METER_CLOSE] = {"meter_close", 0, CT_METER, CX_RELAY, 0, 0, DLT645_RC_CLOSE_DIRECT, 0, 0, 0, 0},
    [CONTROL_METER_PROTECT_ON] = {"meter_protect_on", 0, CT_METER, CX_KEEP, 1, 0, DLT645_RC_KEEP_POWER, 0, 0, 0, 0},
    [CONTROL_METER_PROTECT_OFF] = {"meter_protect_off", 0, CT_METER, CX_KEEP, 0, 0, DLT645_RC_KEEP_POWER_RELEASE, 0,
                                   0, 0, 0},
};

const struct ckind *ckind_of(int kind)
{
    return kind > 0 && kind < CONTROL_KIND_COUNT_ ? &kinds[kind] : NULL;
}

const char *control_kind_name(int kind)
{
    const struct ckind *k = ckind_of(kind);
    return k ? k->name : NULL;
}

int control_kind_parse(const char *name)
{
    for (int i = 1; i < CONTROL_KIND_COUNT_; i++)
        if (name && strcmp(kinds[i].name, name) == 0)
            return i;
    return MH_ENOENT;
}

int control_kind_cuts(int kind)
{
    const struct ckind *k = ckind_of(kind);
    return k && k->cuts;
}

int control_kind_meter(int kind)
{
    const struct ckind *k = ckind_of(kind);
    return k && k->target == CT_METER;
}

static const char *const state_names[] = {"pending", "sent", "finished", "refused", "cancelled"};
static const char *const result_names[] = {"queued", "sent",        "done",   "refused",
                                           "denied", "unconfirmed", "failed", "acked"};

const char *control_state_name(int state)
{
    return state >= 0 && (size_t)state < sizeof state_names / sizeof state_names[0] ? state_names[state] : "?";
}

const char *control_result_name(int result)
{
    return result >= 0 && (size_t)result < sizeof result_names / sizeof result_names[0] ? result_names[result]
                                                                                          : "?";
}
