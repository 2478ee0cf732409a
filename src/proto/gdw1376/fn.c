/*
 * The Fn dictionary: how each response's data is laid out (Q/GDW 1376.1
 * clauses 5.12-5.14 and appendix A) and which normalized item each field
 * is. Data, not code: a layout kind and a field list per (AFN, Fn).
 */
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/item.h"

#define F(fmt, item, name) {GDW1376_##fmt, item, name}
#define N(arr) (uint8_t)(sizeof arr / sizeof arr[0])

static const struct gdw1376_field clock_a1[] = {F(A1, MH_ITEM_CLOCK, "terminal clock")};

/* AFN0C F25: current powers, PF, voltages, currents (5.12.2.4.22) */
static const struct gdw1376_field f25[] = {
    F(A15, 0, "reading time"),
    F(A9, MH_ITEM_P, "active power"), F(A9, MH_ITEM_P_L1, "active power A"), F(A9, MH_ITEM_P_L2, "active power B"), F(A9, MH_ITEM_P_L3, "active power C"),
    F(A9, MH_ITEM_Q, "reactive power"), F(A9, MH_ITEM_Q_L1, "reactive power A"), F(A9, MH_ITEM_Q_L2, "reactive power B"), F(A9, MH_ITEM_Q_L3, "reactive power C"),
    F(A5, MH_ITEM_PF, "power factor"), F(A5, MH_ITEM_PF_L1, "power factor A"), F(A5, MH_ITEM_PF_L2, "power factor B"), F(A5, MH_ITEM_PF_L3, "power factor C"),
    F(A7, MH_ITEM_U_L1, "voltage A"), F(A7, MH_ITEM_U_L2, "voltage B"), F(A7, MH_ITEM_U_L3, "voltage C"),
    F(A25, MH_ITEM_I_L1, "current A"), F(A25, MH_ITEM_I_L2, "current B"), F(A25, MH_ITEM_I_L3, "current C"), F(A25, MH_ITEM_I_N, "neutral current"),
    F(A9, MH_ITEM_S, "apparent power"), F(A9, MH_ITEM_S_L1, "apparent power A"), F(A9, MH_ITEM_S_L2, "apparent power B"), F(A9, MH_ITEM_S_L3, "apparent power C"),
};

/* Reading time + M + tariffed registers: AFN0C F33/F34, F129..F136. */
static const struct gdw1376_field f33[] = {F(A15, 0, "reading time"), F(A14, MH_ITEM_AE_IMP, "forward active energy"), F(A11, MH_ITEM_RE_IMP, "forward reactive energy"), F(A11, MH_ITEM_RE_Q1, "quadrant I reactive energy"), F(A11, MH_ITEM_RE_Q4, "quadrant IV reactive energy")};
static const struct gdw1376_field f34[] = {F(A15, 0, "reading time"), F(A14, MH_ITEM_AE_EXP, "reverse active energy"), F(A11, MH_ITEM_RE_EXP, "reverse reactive energy"), F(A11, MH_ITEM_RE_Q2, "quadrant II reactive energy"), F(A11, MH_ITEM_RE_Q3, "quadrant III reactive energy")};
static const struct gdw1376_field f129[] = {F(A15, 0, "reading time"), F(A14, MH_ITEM_AE_IMP, "forward active energy")};
static const struct gdw1376_field f130[] = {F(A15, 0, "reading time"), F(A11, MH_ITEM_RE_IMP, "forward reactive energy")};
static const struct gdw1376_field f131[] = {F(A15, 0, "reading time"), F(A14, MH_ITEM_AE_EXP, "reverse active energy")};
static const struct gdw1376_field f132[] = {F(A15, 0, "reading time"), F(A11, MH_ITEM_RE_EXP, "reverse reactive energy")};
static const struct gdw1376_field f133[] = {F(A15, 0, "reading time"), F(A11, MH_ITEM_RE_Q1, "quadrant I reactive energy")};
static const struct gdw1376_field f134[] = {F(A15, 0, "reading time"), F(A11, MH_ITEM_RE_Q2, "quadrant II reactive energy")};
static const struct gdw1376_field f135[] = {F(A15, 0, "reading time"), F(A11, MH_ITEM_RE_Q3, "quadrant III reactive energy")};
static const struct gdw1376_field f136[] = {F(A15, 0, "reading time"), F(A11, MH_ITEM_RE_Q4, "quadrant IV reactive energy")};

/* AFN0C F170: meter reading status of a measuring point (18 bytes) */
static const struct gdw1376_field f170[] = {
    F(FMT_BIN1, 0, "port"), F(FMT_BIN1, 0, "relay level"), F(FMT_BIN1, 0, "phase"), F(FMT_BIN1, 0, "signal quality"),
    F(FMT_BIN1, 0, "last result"), F(A1, 0, "last success"), F(A1, 0, "last failure"), F(FMT_BIN1, 0, "consecutive failures")};

/* AFN0D daily (Td_d) and monthly (Td_m) frozen registers: label + reading time + M + tariffed. */
#define FROZEN(label, item, fmt, name) {F(label, 0, "freeze date"), F(A15, 0, "reading time"), F(fmt, item, name)}
static const struct gdw1376_field d161[] = FROZEN(A20, MH_ITEM_AE_IMP, A14, "forward active energy");
static const struct gdw1376_field d162[] = FROZEN(A20, MH_ITEM_RE_IMP, A11, "forward reactive energy");
static const struct gdw1376_field d163[] = FROZEN(A20, MH_ITEM_AE_EXP, A14, "reverse active energy");
static const struct gdw1376_field d164[] = FROZEN(A20, MH_ITEM_RE_EXP, A11, "reverse reactive energy");
static const struct gdw1376_field d165[] = FROZEN(A20, MH_ITEM_RE_Q1, A11, "quadrant I reactive energy");
static const struct gdw1376_field d166[] = FROZEN(A20, MH_ITEM_RE_Q2, A11, "quadrant II reactive energy");
static const struct gdw1376_field d167[] = FROZEN(A20, MH_ITEM_RE_Q3, A11, "quadrant III reactive energy");
static const struct gdw1376_field d168[] = FROZEN(A20, MH_ITEM_RE_Q4, A11, "quadrant IV reactive energy");
static const struct gdw1376_field d177[] = FROZEN(A21, MH_ITEM_AE_IMP, A14, "forward active energy");
static const struct gdw1376_field d178[] = FROZEN(A21, MH_ITEM_RE_IMP, A11, "forward reactive energy");
static const struct gdw1376_field d179[] = FROZEN(A21, MH_ITEM_AE_EXP, A14, "reverse active energy");
static const struct gdw1376_field d180[] = FROZEN(A21, MH_ITEM_RE_EXP, A11, "reverse reactive energy");
static const struct gdw1376_field d181[] = FROZEN(A21, MH_ITEM_RE_Q1, A11, "quadrant I reactive energy");
static const struct gdw1376_field d182[] = FROZEN(A21, MH_ITEM_RE_Q2, A11, "quadrant II reactive energy");
static const struct gdw1376_field d183[] = FROZEN(A21, MH_ITEM_RE_Q3, A11, "quadrant III reactive energy");
static const struct gdw1376_field d184[] = FROZEN(A21, MH_ITEM_RE_Q4, A11, "quadrant IV reactive energy");
/* F1/F2 (daily), F9/F10 (reading day), F17/F18 (monthly): the F33/F34 blocks frozen */
#define FROZEN4(label, a, b, c, d, na, nb, nc, nd) {F(label, 0, "freeze date"), F(A15, 0, "reading time"), F(A14, a, na), F(A11, b, nb), F(A11, c, nc), F(A11, d, nd)}
static const struct gdw1376_field d_fwd_day[] = FROZEN4(A20, MH_ITEM_AE_IMP, MH_ITEM_RE_IMP, MH_ITEM_RE_Q1, MH_ITEM_RE_Q4, "forward active energy", "forward reactive energy", "quadrant I reactive energy", "quadrant IV reactive energy");
static const struct gdw1376_field d_rev_day[] = FROZEN4(A20, MH_ITEM_AE_EXP, MH_ITEM_RE_EXP, MH_ITEM_RE_Q2, MH_ITEM_RE_Q3, "reverse active energy", "reverse reactive energy", "quadrant II reactive energy", "quadrant III reactive energy");
static const struct gdw1376_field d_fwd_month[] = FROZEN4(A21, MH_ITEM_AE_IMP, MH_ITEM_RE_IMP, MH_ITEM_RE_Q1, MH_ITEM_RE_Q4, "forward active energy", "forward reactive energy", "quadrant I reactive energy", "quadrant IV reactive energy");
static const struct gdw1376_field d_rev_month[] = FROZEN4(A21, MH_ITEM_AE_EXP, MH_ITEM_RE_EXP, MH_ITEM_RE_Q2, MH_ITEM_RE_Q3, "reverse active energy", "reverse reactive energy", "quadrant II reactive energy", "quadrant III reactive energy");

/* AFN0D F49 / F51: terminal supply time and resets, day / month */
static const struct gdw1376_field d49[] = {F(A20, 0, "date"), F(FMT_BIN2, MH_ITEM_DUR_POWER_ON_DAY, "supply minutes"), F(FMT_BIN2, MH_ITEM_CNT_RESET_DAY, "resets")};
static const struct gdw1376_field d51[] = {F(A21, 0, "month"), F(FMT_BIN2, MH_ITEM_DUR_POWER_ON_DAY, "supply minutes"), F(FMT_BIN2, MH_ITEM_CNT_RESET_DAY, "resets")};

/* AFN0D curves: Td_c + density + points, then points x one field */
#define CURVE(fmt, item, name) {F(fmt, item, name)}
static const struct gdw1376_field c81[] = CURVE(A9, MH_ITEM_P, "active power");
static const struct gdw1376_field c82[] = CURVE(A9, MH_ITEM_P_L1, "active power A");
static const struct gdw1376_field c83[] = CURVE(A9, MH_ITEM_P_L2, "active power B");
static const struct gdw1376_field c84[] = CURVE(A9, MH_ITEM_P_L3, "active power C");
static const struct gdw1376_field c85[] = CURVE(A9, MH_ITEM_Q, "reactive power");
static const struct gdw1376_field c86[] = CURVE(A9, MH_ITEM_Q_L1, "reactive power A");
static const struct gdw1376_field c87[] = CURVE(A9, MH_ITEM_Q_L2, "reactive power B");
static const struct gdw1376_field c88[] = CURVE(A9, MH_ITEM_Q_L3, "reactive power C");
static const struct gdw1376_field c89[] = CURVE(A7, MH_ITEM_U_L1, "voltage A");
static const struct gdw1376_field c90[] = CURVE(A7, MH_ITEM_U_L2, "voltage B");
static const struct gdw1376_field c91[] = CURVE(A7, MH_ITEM_U_L3, "voltage C");
static const struct gdw1376_field c92[] = CURVE(A25, MH_ITEM_I_L1, "current A");
static const struct gdw1376_field c93[] = CURVE(A25, MH_ITEM_I_L2, "current B");
static const struct gdw1376_field c94[] = CURVE(A25, MH_ITEM_I_L3, "current C");
static const struct gdw1376_field c95[] = CURVE(A25, MH_ITEM_I_N, "neutral current");
static const struct gdw1376_field c97[] = CURVE(A13, MH_ITEM_AE_IMP_INC, "forward active energy increment");
static const struct gdw1376_field c98[] = CURVE(A13, MH_ITEM_RE_IMP_INC, "forward reactive energy increment");
static const struct gdw1376_field c99[] = CURVE(A13, MH_ITEM_AE_EXP_INC, "reverse active energy increment");
static const struct gdw1376_field c100[] = CURVE(A13, MH_ITEM_RE_EXP_INC, "reverse reactive energy increment");
static const struct gdw1376_field c101[] = CURVE(A11, MH_ITEM_AE_IMP, "forward active energy");
static const struct gdw1376_field c102[] = CURVE(A11, MH_ITEM_RE_IMP, "forward reactive energy");
static const struct gdw1376_field c103[] = CURVE(A11, MH_ITEM_AE_EXP, "reverse active energy");
static const struct gdw1376_field c104[] = CURVE(A11, MH_ITEM_RE_EXP, "reverse reactive energy");
static const struct gdw1376_field c105[] = CURVE(A5, MH_ITEM_PF, "power factor");

/* AFN09 F1: terminal version (41 bytes) */
static const struct gdw1376_field v1[] = {F(FMT_BIN1, 0, "version")};

#define FIXED_FN(afn, fn, arr, name) {afn, fn, GDW1376_L_FIXED, 0, N(arr), arr, 0, name}
#define TARIFF_FN(afn, fn, pre, arr, label, name) {afn, fn, GDW1376_L_TARIFFS, pre, N(arr), arr, label, name}
#define CURVE_FN(fn, arr, name) {0x0D, fn, GDW1376_L_CURVE, 0, 1, arr, GDW1376_A15, name}

static const struct gdw1376_fn_def table[] = {
    FIXED_FN(0x0C, 2, clock_a1, "terminal clock"),
    FIXED_FN(0x0C, 25, f25, "current power, power factor, voltage, current"),
    TARIFF_FN(0x0C, 33, 1, f33, 0, "current forward active/reactive energy, quadrants I and IV"),
    TARIFF_FN(0x0C, 34, 1, f34, 0, "current reverse active/reactive energy, quadrants II and III"),
    TARIFF_FN(0x0C, 129, 1, f129, 0, "current forward active energy"),
    TARIFF_FN(0x0C, 130, 1, f130, 0, "current forward reactive energy"),
    TARIFF_FN(0x0C, 131, 1, f131, 0, "current reverse active energy"),
    TARIFF_FN(0x0C, 132, 1, f132, 0, "current reverse reactive energy"),
    TARIFF_FN(0x0C, 133, 1, f133, 0, "current quadrant I reactive energy"),
    TARIFF_FN(0x0C, 134, 1, f134, 0, "current quadrant II reactive energy"),
    TARIFF_FN(0x0C, 135, 1, f135, 0, "current quadrant III reactive energy"),
    TARIFF_FN(0x0C, 136, 1, f136, 0, "current quadrant IV reactive energy"),
    FIXED_FN(0x0C, 170, f170, "meter reading information"),
    TARIFF_FN(0x0D, 1, 2, d_fwd_day, GDW1376_A20, "daily frozen forward energies"),
    TARIFF_FN(0x0D, 2, 2, d_rev_day, GDW1376_A20, "daily frozen reverse energies"),
    TARIFF_FN(0x0D, 9, 2, d_fwd_day, GDW1376_A20, "reading-day frozen forward energies"),
    TARIFF_FN(0x0D, 10, 2, d_rev_day, GDW1376_A20, "reading-day frozen reverse energies"),
    TARIFF_FN(0x0D, 17, 2, d_fwd_month, GDW1376_A21, "monthly frozen forward energies"),
    TARIFF_FN(0x0D, 18, 2, d_rev_month, GDW1376_A21, "monthly frozen reverse energies"),
    FIXED_FN(0x0D, 49, d49, "terminal daily supply time and resets"),
    FIXED_FN(0x0D, 51, d51, "terminal monthly supply time and resets"),
    CURVE_FN(81, c81, "active power curve"), CURVE_FN(82, c82, "phase A active power curve"),
    CURVE_FN(83, c83, "phase B active power curve"), CURVE_FN(84, c84, "phase C active power curve"),
    CURVE_FN(85, c85, "reactive power curve"), CURVE_FN(86, c86, "phase A reactive power curve"),
    CURVE_FN(87, c87, "phase B reactive power curve"), CURVE_FN(88, c88, "phase C reactive power curve"),
    CURVE_FN(89, c89, "phase A voltage curve"), CURVE_FN(90, c90, "phase B voltage curve"),
    CURVE_FN(91, c91, "phase C voltage curve"), CURVE_FN(92, c92, "phase A current curve"),
    CURVE_FN(93, c93, "phase B current curve"), CURVE_FN(94, c94, "phase C current curve"),
    CURVE_FN(95, c95, "neutral current curve"),
    CURVE_FN(97, c97, "forward active energy increment curve"),
    CURVE_FN(98, c98, "forward reactive energy increment curve"),
    CURVE_FN(99, c99, "reverse active energy increment curve"),
    CURVE_FN(100, c100, "reverse reactive energy increment curve"),
    CURVE_FN(101, c101, "forward active energy reading curve"),
    CURVE_FN(102, c102, "forward reactive energy reading curve"),
    CURVE_FN(103, c103, "reverse active energy reading curve"),
    CURVE_FN(104, c104, "reverse reactive energy reading curve"),
    CURVE_FN(105, c105, "power factor curve"),
    TARIFF_FN(0x0D, 161, 2, d161, GDW1376_A20, "daily frozen forward active energy"),
    TARIFF_FN(0x0D, 162, 2, d162, GDW1376_A20, "daily frozen forward reactive energy"),
    TARIFF_FN(0x0D, 163, 2, d163, GDW1376_A20, "daily frozen reverse active energy"),
    TARIFF_FN(0x0D, 164, 2, d164, GDW1376_A20, "daily frozen reverse reactive energy"),
    TARIFF_FN(0x0D, 165, 2, d165, GDW1376_A20, "daily frozen quadrant I reactive energy"),
    TARIFF_FN(0x0D, 166, 2, d166, GDW1376_A20, "daily frozen quadrant II reactive energy"),
    TARIFF_FN(0x0D, 167, 2, d167, GDW1376_A20, "daily frozen quadrant III reactive energy"),
    TARIFF_FN(0x0D, 168, 2, d168, GDW1376_A20, "daily frozen quadrant IV reactive energy"),
    TARIFF_FN(0x0D, 177, 2, d177, GDW1376_A21, "monthly frozen forward active energy"),
    TARIFF_FN(0x0D, 178, 2, d178, GDW1376_A21, "monthly frozen forward reactive energy"),
    TARIFF_FN(0x0D, 179, 2, d179, GDW1376_A21, "monthly frozen reverse active energy"),
    TARIFF_FN(0x0D, 180, 2, d180, GDW1376_A21, "monthly frozen reverse reactive energy"),
    TARIFF_FN(0x0D, 181, 2, d181, GDW1376_A21, "monthly frozen quadrant I reactive energy"),
    TARIFF_FN(0x0D, 182, 2, d182, GDW1376_A21, "monthly frozen quadrant II reactive energy"),
    TARIFF_FN(0x0D, 183, 2, d183, GDW1376_A21, "monthly frozen quadrant III reactive energy"),
    TARIFF_FN(0x0D, 184, 2, d184, GDW1376_A21, "monthly frozen quadrant IV reactive energy"),
    {0x09, 1, GDW1376_L_RAW, 41, 1, v1, 0, "terminal version information"},
};

const struct gdw1376_fn_def *gdw1376_fn_table(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

const struct gdw1376_fn_def *gdw1376_fn_lookup(uint8_t afn, uint16_t fn)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].afn == afn && table[i].fn == fn)
            return &table[i];
    return NULL;
}

int gdw1376_fn_data_size(const struct gdw1376_fn_def *d, const uint8_t *p, size_t n, size_t *size)
{
    size_t s = 0;
    switch (d->layout) {
    case GDW1376_L_FIXED:
        for (unsigned k = 0; k < d->n_fields; k++)
            s += gdw1376_fmt_size((enum gdw1376_fmt)d->fields[k].fmt);
        break;
    case GDW1376_L_TARIFFS: {
        for (unsigned k = 0; k < d->n_prefix; k++)
            s += gdw1376_fmt_size((enum gdw1376_fmt)d->fields[k].fmt);
        if (n < s + 1)
            return MH_ETRUNC;
        unsigned m = p[s]; /* tariff count M: registers come as total + M tariffs */
        if (m > 63)
            return MH_EPROTO;
        s += 1;
        for (unsigned k = d->n_prefix; k < d->n_fields; k++)
            s += (m + 1) * gdw1376_fmt_size((enum gdw1376_fmt)d->fields[k].fmt);
        break;
    }
    case GDW1376_L_CURVE:
        if (n < 7)
            return MH_ETRUNC;
        s = 7 + (size_t)p[6] * gdw1376_fmt_size((enum gdw1376_fmt)d->fields[0].fmt);
        break;
    default:
        s = d->n_prefix; /* GDW1376_L_RAW: a fixed byte count */
        break;
    }
    if (s > n)
        return MH_ETRUNC;
    *size = s;
    return 0;
}
