/*
 * The Fn dictionary (Q/GDW 1376.1-2013 clauses 5.9 AFN09, 5.12 AFN0C,
 * 5.13 AFN0D): per (AFN, Fn) the fields of one pn's data block, in wire
 * order, with format, role, repetition and normalized item. Data, not code:
 * fn.c walks these lists. Ordered by AFN then Fn (lookup is a binary search;
 * a test checks the order). Names are English renderings of the standard's.
 */
#include "fmt_int.h"
#include "fn_int.h"
#include "meterhub/proto/item.h"

/* {fmt, role, rep, span, scale, decode plan and open (fmt_int.h), item, name, digit and sign masks} */
#define FLD(fmt, role, rep, span, scale, item, name)                                                         \
    {GDW1376_##fmt, GDW1376_R_##role, GDW1376_REP_##rep, span, scale, FMT_FIELD_PLAN(fmt, role, scale),       \
     FMT_FIELD_OPEN(GDW1376_REP_##rep, span), item, name, FMT_FIELD_MASK(fmt), FMT_FIELD_SIGN(fmt)}
#define V(fmt, item, name) FLD(fmt, VALUE, ONCE, 0, 0, item, name)
#define OCC(fmt, item, name) FLD(fmt, OCCURRED, ONCE, 0, 0, item, name)
#define TDD FLD(A20, FREEZE, ONCE, 0, 0, 0, "freeze date (Td_d)")
#define TDM FLD(A21, FREEZE, ONCE, 0, 0, 0, "freeze month (Td_m)")
#define TDC FLD(A15, READ_TIME, ONCE, 0, 0, 0, "meter read time (Td_c)")
#define TM FLD(FMT_BIN1, TARIFFS, ONCE, 0, 0, 0, "tariff count M")
/* one register for the total and each of the M tariffs */
#define T(fmt, item, name) FLD(fmt, VALUE, TARIFFS, 1, 0, item, name)
#define TOCC(fmt, item, name) FLD(fmt, OCCURRED, TARIFFS, 1, 0, item, name)
/* demand and its time side by side, for the total and each tariff */
#define TPAIR(item, name) FLD(A23, VALUE, TARIFFS, 2, 0, item, name), OCC(A17, item, name " time")
/* power factor travels in % (A.5), the item is a ratio */
#define PF(item, name) FLD(A5, VALUE, ONCE, 0, -2, item, name)
#define CURVE_HEAD                                                                                           \
    FLD(A15, CURVE_START, ONCE, 0, 0, 0, "first point time"), FLD(FMT_BIN1, DENSITY, ONCE, 0, 0, 0, "density"), \
        FLD(FMT_BIN1, POINTS, ONCE, 0, 0, 0, "points")
#define POINT(fmt, scale, item, name) FLD(fmt, VALUE, COUNT, 1, scale, item, name)
#define N(arr) (uint8_t)(sizeof arr / sizeof arr[0])

/* ---- AFN09 terminal configuration ---- */

static const struct gdw1376_field c9_f1[] = {
    V(FMT_ASCII4, 0, "vendor code"), V(FMT_ASCII8, 0, "device number"),
    V(FMT_ASCII4, MH_ITEM_FW_VERSION, "software version"), V(A20, 0, "software release date"),
    V(FMT_ASCII11, 0, "capacity information code"), V(FMT_ASCII4, 0, "protocol version"),
    V(FMT_ASCII4, 0, "hardware version"), V(A20, 0, "hardware release date")};
static const struct gdw1376_field c9_f2[] = {
    V(FMT_BIN1, 0, "pulse inputs"), V(FMT_BIN1, 0, "switch inputs"), V(FMT_BIN1, 0, "DC analog inputs"),
    V(FMT_BIN1, 0, "switch outputs (rounds)"), V(FMT_BIN2, 0, "meters supported"),
    V(FMT_BIN2, 0, "uplink receive buffer bytes"), V(FMT_BIN2, 0, "uplink send buffer bytes"),
    V(FMT_HEX6, 0, "MAC address"), FLD(FMT_BIN1, COUNT, ONCE, 0, 0, 0, "communication ports"),
    FLD(FMT_BS16, VALUE, COUNT, 5, 0, 0, "port number and information word"), V(FMT_BIN4, 0, "port maximum baud rate"),
    V(FMT_BIN2, 0, "port devices supported"), V(FMT_BIN2, 0, "port receive buffer bytes"),
    V(FMT_BIN2, 0, "port send buffer bytes")};

/* ---- AFN0C class-1 (current) data ---- */

static const struct gdw1376_field c_f2[] = {V(A1, MH_ITEM_CLOCK, "terminal clock")};

static const struct gdw1376_field c_f25[] = {
    TDC,
    V(A9, MH_ITEM_P, "active power"), V(A9, MH_ITEM_P_L1, "active power A"), V(A9, MH_ITEM_P_L2, "active power B"),
    V(A9, MH_ITEM_P_L3, "active power C"), V(A9, MH_ITEM_Q, "reactive power"), V(A9, MH_ITEM_Q_L1, "reactive power A"),
    V(A9, MH_ITEM_Q_L2, "reactive power B"), V(A9, MH_ITEM_Q_L3, "reactive power C"),
    PF(MH_ITEM_PF, "power factor"), PF(MH_ITEM_PF_L1, "power factor A"), PF(MH_ITEM_PF_L2, "power factor B"),
    PF(MH_ITEM_PF_L3, "power factor C"),
    V(A7, MH_ITEM_U_L1, "voltage A"), V(A7, MH_ITEM_U_L2, "voltage B"), V(A7, MH_ITEM_U_L3, "voltage C"),
    V(A25, MH_ITEM_I_L1, "current A"), V(A25, MH_ITEM_I_L2, "current B"), V(A25, MH_ITEM_I_L3, "current C"),
    V(A25, MH_ITEM_I_N, "neutral current"),
    V(A9, MH_ITEM_S, "apparent power"), V(A9, MH_ITEM_S_L1, "apparent power A"), V(A9, MH_ITEM_S_L2, "apparent power B"),
    V(A9, MH_ITEM_S_L3, "apparent power C")};

/* Phase failure counts, times and the last one (AFN0C F26; AFN0D F32 adds Td_d in front). */
#define PHASE_FAIL                                                                                           \
    TDC, V(A10, MH_ITEM_CNT_PHASE_FAIL, "phase failures"), V(A10, MH_ITEM_CNT_PHASE_FAIL_L1, "phase failures A"), \
        V(A10, MH_ITEM_CNT_PHASE_FAIL_L2, "phase failures B"), V(A10, MH_ITEM_CNT_PHASE_FAIL_L3, "phase failures C"), \
        V(A10, MH_ITEM_DUR_PHASE_FAIL, "phase failure time"), V(A10, MH_ITEM_DUR_PHASE_FAIL_L1, "phase failure time A"), \
        V(A10, MH_ITEM_DUR_PHASE_FAIL_L2, "phase failure time B"), V(A10, MH_ITEM_DUR_PHASE_FAIL_L3, "phase failure time C"), \
        V(A17, 0, "last phase failure start"), V(A17, 0, "last phase failure start A"),                     \
        V(A17, 0, "last phase failure start B"), V(A17, 0, "last phase failure start C"),                   \
        V(A17, 0, "last phase failure end"), V(A17, 0, "last phase failure end A"),                         \
        V(A17, 0, "last phase failure end B"), V(A17, 0, "last phase failure end C")
static const struct gdw1376_field c_f26[] = {PHASE_FAIL};

static const struct gdw1376_field c_f27[] = {
    TDC, V(A1, MH_ITEM_CLOCK, "meter clock"), V(A27, MH_ITEM_BATTERY_USE_TIME, "battery use time"),
    V(A10, MH_ITEM_CNT_PROGRAM, "programming events"), OCC(A1, MH_ITEM_CNT_PROGRAM, "last programming"),
    V(A10, MH_ITEM_CNT_METER_CLEAR, "meter clears"), OCC(A1, MH_ITEM_CNT_METER_CLEAR, "last meter clear"),
    V(A10, MH_ITEM_CNT_DEMAND_CLEAR, "demand clears"), OCC(A1, MH_ITEM_CNT_DEMAND_CLEAR, "last demand clear"),
    V(A10, MH_ITEM_CNT_EVENT_CLEAR, "event clears"), OCC(A1, MH_ITEM_CNT_EVENT_CLEAR, "last event clear"),
    V(A10, MH_ITEM_CNT_CLOCK_SET, "clock settings"), OCC(A1, MH_ITEM_CNT_CLOCK_SET, "last clock setting")};

static const struct gdw1376_field c_f28[] = {
    TDC,
    V(FMT_BS16, MH_ITEM_STATUS_CHG_1, "status word 1 change flags"), V(FMT_BS16, MH_ITEM_STATUS_CHG_2, "status word 2 change flags"),
    V(FMT_BS16, MH_ITEM_STATUS_CHG_3, "status word 3 change flags"), V(FMT_BS16, MH_ITEM_STATUS_CHG_4, "status word 4 change flags"),
    V(FMT_BS16, MH_ITEM_STATUS_CHG_5, "status word 5 change flags"), V(FMT_BS16, MH_ITEM_STATUS_CHG_6, "status word 6 change flags"),
    V(FMT_BS16, MH_ITEM_STATUS_CHG_7, "status word 7 change flags"),
    V(FMT_BS16, MH_ITEM_STATUS_1, "status word 1"), V(FMT_BS16, MH_ITEM_STATUS_2, "status word 2"),
    V(FMT_BS16, MH_ITEM_STATUS_3, "status word 3"), V(FMT_BS16, MH_ITEM_STATUS_4, "status word 4"),
    V(FMT_BS16, MH_ITEM_STATUS_5, "status word 5"), V(FMT_BS16, MH_ITEM_STATUS_6, "status word 6"),
    V(FMT_BS16, MH_ITEM_STATUS_7, "status word 7")};

/* Per-phase registers (F31 current, F32 at the last settlement day). */
#define PHASE_REGS(ph, L)                                                                                    \
    V(A14, MH_ITEM_AE_IMP_##L, "forward active energy " ph), V(A14, MH_ITEM_AE_EXP_##L, "reverse active energy " ph), \
        V(A11, MH_ITEM_RE_IMP_##L, "combined reactive 1 energy " ph), V(A11, MH_ITEM_RE_EXP_##L, "combined reactive 2 energy " ph)
static const struct gdw1376_field c_f31[] = {TDC, PHASE_REGS("A", L1), PHASE_REGS("B", L2), PHASE_REGS("C", L3)};

/* Registers for the total and M tariffs: F33/F34 (now), F37/F38 (last month), AFN0D F1/F2 ... */
#define FWD_REGS                                                                                             \
    TM, T(A14, MH_ITEM_AE_IMP, "forward active energy"), T(A11, MH_ITEM_RE_IMP, "forward reactive energy"),    \
        T(A11, MH_ITEM_RE_Q1, "quadrant I reactive energy"), T(A11, MH_ITEM_RE_Q4, "quadrant IV reactive energy")
#define REV_REGS                                                                                             \
    TM, T(A14, MH_ITEM_AE_EXP, "reverse active energy"), T(A11, MH_ITEM_RE_EXP, "reverse reactive energy"),    \
        T(A11, MH_ITEM_RE_Q2, "quadrant II reactive energy"), T(A11, MH_ITEM_RE_Q3, "quadrant III reactive energy")
/* Maximum demand blocks: all totals/tariffs, then all their times (F35/F36, AFN0D F3/F4 ...). */
#define FWD_DEMAND                                                                                           \
    TM, T(A23, MH_ITEM_MD_AE_IMP, "forward active maximum demand"),                                          \
        TOCC(A17, MH_ITEM_MD_AE_IMP, "forward active maximum demand time"),                                   \
        T(A23, MH_ITEM_MD_RE_IMP, "forward reactive maximum demand"),                                        \
        TOCC(A17, MH_ITEM_MD_RE_IMP, "forward reactive maximum demand time")
#define REV_DEMAND                                                                                           \
    TM, T(A23, MH_ITEM_MD_AE_EXP, "reverse active maximum demand"),                                          \
        TOCC(A17, MH_ITEM_MD_AE_EXP, "reverse active maximum demand time"),                                   \
        T(A23, MH_ITEM_MD_RE_EXP, "reverse reactive maximum demand"),                                        \
        TOCC(A17, MH_ITEM_MD_RE_EXP, "reverse reactive maximum demand time")
static const struct gdw1376_field c_fwd[] = {TDC, FWD_REGS};
static const struct gdw1376_field c_rev[] = {TDC, REV_REGS};
static const struct gdw1376_field c_fwd_md[] = {TDC, FWD_DEMAND};
static const struct gdw1376_field c_rev_md[] = {TDC, REV_DEMAND};

/* Energy in the day / month (A.13), total and tariffs: AFN0C F41..F48, AFN0D F5..F8, F21..F24. */
static const struct gdw1376_field c_ae_imp_period[] = {TM, T(A13, MH_ITEM_AE_IMP_PERIOD, "forward active energy")};
static const struct gdw1376_field c_re_imp_period[] = {TM, T(A13, MH_ITEM_RE_IMP_PERIOD, "forward reactive energy")};
static const struct gdw1376_field c_ae_exp_period[] = {TM, T(A13, MH_ITEM_AE_EXP_PERIOD, "reverse active energy")};
static const struct gdw1376_field c_re_exp_period[] = {TM, T(A13, MH_ITEM_RE_EXP_PERIOD, "reverse reactive energy")};

static const struct gdw1376_field c_f49[] = {
    V(A5, MH_ITEM_ANG_U1, "Uab/Ua phase angle"), V(A5, MH_ITEM_ANG_U2_U1, "Ub phase angle"),
    V(A5, MH_ITEM_ANG_U3_U1, "Ucb/Uc phase angle"), V(A5, MH_ITEM_ANG_I1_U1, "Ia phase angle"),
    V(A5, MH_ITEM_ANG_I2_U1, "Ib phase angle"), V(A5, MH_ITEM_ANG_I3_U1, "Ic phase angle")};

/* Harmonic RMS 2..N: N, then A, B, C voltages (A.7), then A, B, C currents (A.6); index = order. */
static const struct gdw1376_field c_f57[] = {
    FLD(FMT_BIN1, COUNT, ONCE, 0, 0, 0, "harmonic order N"),
    FLD(A7, VALUE, HARM, 1, 0, 0, "harmonic voltage A"), FLD(A7, VALUE, HARM, 1, 0, 0, "harmonic voltage B"),
    FLD(A7, VALUE, HARM, 1, 0, 0, "harmonic voltage C"), FLD(A6, VALUE, HARM, 1, 0, 0, "harmonic current A"),
    FLD(A6, VALUE, HARM, 1, 0, 0, "harmonic current B"), FLD(A6, VALUE, HARM, 1, 0, 0, "harmonic current C")};

/* Harmonic content 2..N in % (A.5): N, then per Ua Ub Uc Ia Ib Ic the total distortion and each order. */
#define HARM_RATE(what) V(A5, 0, what " total harmonic content"), FLD(A5, VALUE, HARM, 1, 0, 0, what " harmonic content")
static const struct gdw1376_field c_f58[] = {
    FLD(FMT_BIN1, COUNT, ONCE, 0, 0, 0, "harmonic order N"), HARM_RATE("voltage A"), HARM_RATE("voltage B"),
    HARM_RATE("voltage C"), HARM_RATE("current A"), HARM_RATE("current B"), HARM_RATE("current C")};

/* One register kind, total and M tariffs, after Td_c: F129..F144; AFN0D F161.. adds Td_d / Td_m. */
#define ONE_REG(fmt, item, name) TM, T(fmt, item, name)
static const struct gdw1376_field c_ae_imp[] = {TDC, ONE_REG(A14, MH_ITEM_AE_IMP, "forward active energy")};
static const struct gdw1376_field c_re_imp[] = {TDC, ONE_REG(A11, MH_ITEM_RE_IMP, "forward reactive energy")};
static const struct gdw1376_field c_ae_exp[] = {TDC, ONE_REG(A14, MH_ITEM_AE_EXP, "reverse active energy")};
static const struct gdw1376_field c_re_exp[] = {TDC, ONE_REG(A11, MH_ITEM_RE_EXP, "reverse reactive energy")};
static const struct gdw1376_field c_q1[] = {TDC, ONE_REG(A11, MH_ITEM_RE_Q1, "quadrant I reactive energy")};
static const struct gdw1376_field c_q2[] = {TDC, ONE_REG(A11, MH_ITEM_RE_Q2, "quadrant II reactive energy")};
static const struct gdw1376_field c_q3[] = {TDC, ONE_REG(A11, MH_ITEM_RE_Q3, "quadrant III reactive energy")};
static const struct gdw1376_field c_q4[] = {TDC, ONE_REG(A11, MH_ITEM_RE_Q4, "quadrant IV reactive energy")};

/* Maximum demand and its time per tariff, interleaved (F145..F152; AFN0D F185..F196). */
static const struct gdw1376_field c_md_ae_imp[] = {TDC, TM, TPAIR(MH_ITEM_MD_AE_IMP, "forward active maximum demand")};
static const struct gdw1376_field c_md_re_imp[] = {TDC, TM, TPAIR(MH_ITEM_MD_RE_IMP, "forward reactive maximum demand")};
static const struct gdw1376_field c_md_ae_exp[] = {TDC, TM, TPAIR(MH_ITEM_MD_AE_EXP, "reverse active maximum demand")};
static const struct gdw1376_field c_md_re_exp[] = {TDC, TM, TPAIR(MH_ITEM_MD_RE_EXP, "reverse reactive maximum demand")};

static const struct gdw1376_field c_f161[] = {
    TDC, V(FMT_BS8, MH_ITEM_RELAY_STATE, "remote switch state (0 on, 1 off)"),
    V(A1, 0, "last remote switch-on time"), V(A1, 0, "last remote switch-off time")};

static const struct gdw1376_field c_f162[] = {
    FLD(A1, READ_TIME, ONCE, 0, 0, 0, "terminal read time"), V(A1, MH_ITEM_CLOCK, "meter clock")};

static const struct gdw1376_field c_f165[] = {
    TDC, V(A10, MH_ITEM_CNT_PROGRAM, "programming switch operations"),
    OCC(A1, MH_ITEM_CNT_PROGRAM, "last programming switch operation"),
    V(A10, MH_ITEM_CNT_TERMINAL_COVER_OPEN, "terminal cover openings"),
    OCC(A1, MH_ITEM_CNT_TERMINAL_COVER_OPEN, "last terminal cover opening")};

static const struct gdw1376_field c_f166[] = {
    TDC, V(A10, MH_ITEM_CNT_CLOCK_SET, "clock settings"), V(A1, 0, "clock before the last setting"),
    V(A1, 0, "clock after the last setting"), V(A10, 0, "tariff schedule programming count"),
    V(A1, 0, "last tariff schedule programming")};

static const struct gdw1376_field c_f177[] = {TDC, TM, T(A14, MH_ITEM_AE_COMB, "combined active energy")};

static const struct gdw1376_field c_f170[] = {
    V(FMT_BIN1, 0, "port"), V(FMT_BIN1, 0, "relay level"), V(FMT_BIN1, 0, "phase"), V(FMT_BIN1, 0, "signal quality"),
    V(FMT_BIN1, 0, "last result"), V(A1, 0, "last success"), V(A1, 0, "last failure"),
    V(FMT_BIN1, 0, "consecutive failures")};

/* ---- AFN0D class-2 (history) data ---- */

static const struct gdw1376_field d_fwd_day[] = {TDD, TDC, FWD_REGS};
static const struct gdw1376_field d_rev_day[] = {TDD, TDC, REV_REGS};
static const struct gdw1376_field d_fwd_md_day[] = {TDD, TDC, FWD_DEMAND};
static const struct gdw1376_field d_rev_md_day[] = {TDD, TDC, REV_DEMAND};
static const struct gdw1376_field d_fwd_month[] = {TDM, TDC, FWD_REGS};
static const struct gdw1376_field d_rev_month[] = {TDM, TDC, REV_REGS};
static const struct gdw1376_field d_fwd_md_month[] = {TDM, TDC, FWD_DEMAND};
static const struct gdw1376_field d_rev_md_month[] = {TDM, TDC, REV_DEMAND};

#define PERIOD(label, item, name) {label, TM, T(A13, item, name)}
static const struct gdw1376_field d_f5[] = PERIOD(TDD, MH_ITEM_AE_IMP_PERIOD, "forward active energy of the day");
static const struct gdw1376_field d_f6[] = PERIOD(TDD, MH_ITEM_RE_IMP_PERIOD, "forward reactive energy of the day");
static const struct gdw1376_field d_f7[] = PERIOD(TDD, MH_ITEM_AE_EXP_PERIOD, "reverse active energy of the day");
static const struct gdw1376_field d_f8[] = PERIOD(TDD, MH_ITEM_RE_EXP_PERIOD, "reverse reactive energy of the day");
static const struct gdw1376_field d_f21[] = PERIOD(TDM, MH_ITEM_AE_IMP_PERIOD, "forward active energy of the month");
static const struct gdw1376_field d_f22[] = PERIOD(TDM, MH_ITEM_RE_IMP_PERIOD, "forward reactive energy of the month");
static const struct gdw1376_field d_f23[] = PERIOD(TDM, MH_ITEM_AE_EXP_PERIOD, "reverse active energy of the month");
static const struct gdw1376_field d_f24[] = PERIOD(TDM, MH_ITEM_RE_EXP_PERIOD, "reverse reactive energy of the month");

/* Statistics of the day (label Td_d) or month (Td_m): F25..F31 / F33..F39. */
#define MAX_AT(fmt, item, name) V(fmt, item, name), OCC(A18, item, name " time")
#define STAT_POWER(label)                                                                                    \
    {label, MAX_AT(A23, MH_ITEM_P_MAX, "maximum active power"), MAX_AT(A23, MH_ITEM_P_L1_MAX, "maximum active power A"), \
     MAX_AT(A23, MH_ITEM_P_L2_MAX, "maximum active power B"), MAX_AT(A23, MH_ITEM_P_L3_MAX, "maximum active power C"), \
     V(FMT_BIN2, MH_ITEM_P_ZERO_MIN, "zero active power time"), V(FMT_BIN2, MH_ITEM_P_L1_ZERO_MIN, "zero active power time A"), \
     V(FMT_BIN2, MH_ITEM_P_L2_ZERO_MIN, "zero active power time B"), V(FMT_BIN2, MH_ITEM_P_L3_ZERO_MIN, "zero active power time C")}
#define STAT_DEMAND(label)                                                                                   \
    {label, MAX_AT(A23, MH_ITEM_MD_AE_IMP, "maximum active demand"), MAX_AT(A23, MH_ITEM_MD_P_L1, "maximum active demand A"), \
     MAX_AT(A23, MH_ITEM_MD_P_L2, "maximum active demand B"), MAX_AT(A23, MH_ITEM_MD_P_L3, "maximum active demand C")}
#define U_TIMES(L, ph)                                                                                       \
    V(FMT_BIN2, MH_ITEM_U_##L##_OVER_UU_MIN, "time above upper-upper limit " ph),                          \
        V(FMT_BIN2, MH_ITEM_U_##L##_UNDER_LL_MIN, "time below lower-lower limit " ph),                      \
        V(FMT_BIN2, MH_ITEM_U_##L##_OVER_U_MIN, "time above upper limit " ph),                              \
        V(FMT_BIN2, MH_ITEM_U_##L##_UNDER_L_MIN, "time below lower limit " ph),                             \
        V(FMT_BIN2, MH_ITEM_U_##L##_OK_MIN, "time within limits " ph)
#define U_EXTREMES(L, ph) MAX_AT(A7, MH_ITEM_U_##L##_MAX, "maximum voltage " ph), MAX_AT(A7, MH_ITEM_U_##L##_MIN, "minimum voltage " ph)
#define U_RATES(L, ph)                                                                                       \
    V(A25, MH_ITEM_U_##L##_OVER_RATE, "above upper limit rate " ph), V(A25, MH_ITEM_U_##L##_UNDER_RATE, "below lower limit rate " ph), \
        V(A25, MH_ITEM_U_##L##_OK_RATE, "voltage qualification rate " ph)
#define VOLTAGE_STATS                                                                                        \
    U_TIMES(L1, "A"), U_TIMES(L2, "B"), U_TIMES(L3, "C"), U_EXTREMES(L1, "A"), U_EXTREMES(L2, "B"),            \
        U_EXTREMES(L3, "C"), V(A7, MH_ITEM_U_L1_AVG, "average voltage A"), V(A7, MH_ITEM_U_L2_AVG, "average voltage B"), \
        V(A7, MH_ITEM_U_L3_AVG, "average voltage C"), U_RATES(L1, "A"), U_RATES(L2, "B"), U_RATES(L3, "C")
#define STAT_VOLTAGE(label) {label, VOLTAGE_STATS}
#define STAT_UNBALANCE(label)                                                                                \
    {label, V(FMT_BIN2, MH_ITEM_I_UNBAL_OVER_MIN, "current unbalance over limit time"),                      \
     V(FMT_BIN2, MH_ITEM_U_UNBAL_OVER_MIN, "voltage unbalance over limit time"),                             \
     MAX_AT(A5, MH_ITEM_I_UNBAL_MAX, "maximum current unbalance"), MAX_AT(A5, MH_ITEM_U_UNBAL_MAX, "maximum voltage unbalance")}
#define STAT_CURRENT(label)                                                                                  \
    {label, V(FMT_BIN2, MH_ITEM_I_L1_OVER_UU_MIN, "time above upper-upper limit A"), V(FMT_BIN2, MH_ITEM_I_L1_OVER_U_MIN, "time above upper limit A"), \
     V(FMT_BIN2, MH_ITEM_I_L2_OVER_UU_MIN, "time above upper-upper limit B"), V(FMT_BIN2, MH_ITEM_I_L2_OVER_U_MIN, "time above upper limit B"), \
     V(FMT_BIN2, MH_ITEM_I_L3_OVER_UU_MIN, "time above upper-upper limit C"), V(FMT_BIN2, MH_ITEM_I_L3_OVER_U_MIN, "time above upper limit C"), \
     V(FMT_BIN2, MH_ITEM_I_N_OVER_U_MIN, "neutral current above upper limit time"),                         \
     MAX_AT(A25, MH_ITEM_I_L1_MAX, "maximum current A"), MAX_AT(A25, MH_ITEM_I_L2_MAX, "maximum current B"),  \
     MAX_AT(A25, MH_ITEM_I_L3_MAX, "maximum current C"), MAX_AT(A25, MH_ITEM_I_N_MAX, "maximum neutral current")}
#define STAT_APPARENT(label)                                                                                 \
    {label, V(FMT_BIN2, MH_ITEM_S_OVER_UU_MIN, "apparent power above upper-upper limit time"),               \
     V(FMT_BIN2, MH_ITEM_S_OVER_U_MIN, "apparent power above upper limit time")}
#define STAT_LOAD(label)                                                                                     \
    {label, MAX_AT(A5, MH_ITEM_LOAD_RATE_MAX, "maximum load rate"), MAX_AT(A5, MH_ITEM_LOAD_RATE_MIN, "minimum load rate")}
#define STAT_PF(label)                                                                                       \
    {label, V(FMT_BIN2, MH_ITEM_PF_ZONE1_MIN, "power factor zone 1 time"), V(FMT_BIN2, MH_ITEM_PF_ZONE2_MIN, "power factor zone 2 time"), \
     V(FMT_BIN2, MH_ITEM_PF_ZONE3_MIN, "power factor zone 3 time")}
/* AFN0C F179 / F180: the same voltage statistics for today / this month so far, without a label. */
static const struct gdw1376_field c_f179[] = {VOLTAGE_STATS};

static const struct gdw1376_field d_f25[] = STAT_POWER(TDD);
static const struct gdw1376_field d_f26[] = STAT_DEMAND(TDD);
static const struct gdw1376_field d_f27[] = STAT_VOLTAGE(TDD);
static const struct gdw1376_field d_f28[] = STAT_UNBALANCE(TDD);
static const struct gdw1376_field d_f29[] = STAT_CURRENT(TDD);
static const struct gdw1376_field d_f30[] = STAT_APPARENT(TDD);
static const struct gdw1376_field d_f31[] = STAT_LOAD(TDD);
static const struct gdw1376_field d_f32[] = {TDD, PHASE_FAIL};
static const struct gdw1376_field d_f33[] = STAT_POWER(TDM);
static const struct gdw1376_field d_f34[] = STAT_DEMAND(TDM);
static const struct gdw1376_field d_f35[] = STAT_VOLTAGE(TDM);
static const struct gdw1376_field d_f36[] = STAT_UNBALANCE(TDM);
static const struct gdw1376_field d_f37[] = STAT_CURRENT(TDM);
static const struct gdw1376_field d_f38[] = STAT_APPARENT(TDM);
static const struct gdw1376_field d_f43[] = STAT_PF(TDD);
static const struct gdw1376_field d_f44[] = STAT_PF(TDM);

static const struct gdw1376_field d_f49[] = {
    TDD, V(FMT_BIN2, MH_ITEM_DUR_POWER_ON_DAY, "supply minutes"), V(FMT_BIN2, MH_ITEM_CNT_RESET_DAY, "resets")};
static const struct gdw1376_field d_f51[] = {
    TDM, V(FMT_BIN2, MH_ITEM_DUR_POWER_ON_MONTH, "supply minutes"), V(FMT_BIN2, MH_ITEM_CNT_RESET_MONTH, "resets")};

#define CURVE(fmt, scale, item, name) {CURVE_HEAD, POINT(fmt, scale, item, name)}
static const struct gdw1376_field k81[] = CURVE(A9, 0, MH_ITEM_P, "active power");
static const struct gdw1376_field k82[] = CURVE(A9, 0, MH_ITEM_P_L1, "active power A");
static const struct gdw1376_field k83[] = CURVE(A9, 0, MH_ITEM_P_L2, "active power B");
static const struct gdw1376_field k84[] = CURVE(A9, 0, MH_ITEM_P_L3, "active power C");
static const struct gdw1376_field k85[] = CURVE(A9, 0, MH_ITEM_Q, "reactive power");
static const struct gdw1376_field k86[] = CURVE(A9, 0, MH_ITEM_Q_L1, "reactive power A");
static const struct gdw1376_field k87[] = CURVE(A9, 0, MH_ITEM_Q_L2, "reactive power B");
static const struct gdw1376_field k88[] = CURVE(A9, 0, MH_ITEM_Q_L3, "reactive power C");
static const struct gdw1376_field k89[] = CURVE(A7, 0, MH_ITEM_U_L1, "voltage A");
static const struct gdw1376_field k90[] = CURVE(A7, 0, MH_ITEM_U_L2, "voltage B");
static const struct gdw1376_field k91[] = CURVE(A7, 0, MH_ITEM_U_L3, "voltage C");
static const struct gdw1376_field k92[] = CURVE(A25, 0, MH_ITEM_I_L1, "current A");
static const struct gdw1376_field k93[] = CURVE(A25, 0, MH_ITEM_I_L2, "current B");
static const struct gdw1376_field k94[] = CURVE(A25, 0, MH_ITEM_I_L3, "current C");
static const struct gdw1376_field k95[] = CURVE(A25, 0, MH_ITEM_I_N, "neutral current");
static const struct gdw1376_field k97[] = CURVE(A13, 0, MH_ITEM_AE_IMP_INC, "forward active energy increment");
static const struct gdw1376_field k98[] = CURVE(A13, 0, MH_ITEM_RE_IMP_INC, "forward reactive energy increment");
static const struct gdw1376_field k99[] = CURVE(A13, 0, MH_ITEM_AE_EXP_INC, "reverse active energy increment");
static const struct gdw1376_field k100[] = CURVE(A13, 0, MH_ITEM_RE_EXP_INC, "reverse reactive energy increment");
static const struct gdw1376_field k101[] = CURVE(A11, 0, MH_ITEM_AE_IMP, "forward active energy");
static const struct gdw1376_field k102[] = CURVE(A11, 0, MH_ITEM_RE_IMP, "forward reactive energy");
static const struct gdw1376_field k103[] = CURVE(A11, 0, MH_ITEM_AE_EXP, "reverse active energy");
static const struct gdw1376_field k104[] = CURVE(A11, 0, MH_ITEM_RE_EXP, "reverse reactive energy");
static const struct gdw1376_field k105[] = CURVE(A5, -2, MH_ITEM_PF, "power factor");
static const struct gdw1376_field k106[] = CURVE(A5, -2, MH_ITEM_PF_L1, "power factor A");
static const struct gdw1376_field k107[] = CURVE(A5, -2, MH_ITEM_PF_L2, "power factor B");
static const struct gdw1376_field k108[] = CURVE(A5, -2, MH_ITEM_PF_L3, "power factor C");
static const struct gdw1376_field k145[] = CURVE(A11, 0, MH_ITEM_RE_Q1, "quadrant I reactive energy");
static const struct gdw1376_field k146[] = CURVE(A11, 0, MH_ITEM_RE_Q2, "quadrant II reactive energy");
static const struct gdw1376_field k147[] = CURVE(A11, 0, MH_ITEM_RE_Q3, "quadrant III reactive energy");
static const struct gdw1376_field k148[] = CURVE(A11, 0, MH_ITEM_RE_Q4, "quadrant IV reactive energy");

#define FROZEN(label, fmt, item, name) {label, TDC, ONE_REG(fmt, item, name)}
static const struct gdw1376_field d_day_ae_imp[] = FROZEN(TDD, A14, MH_ITEM_AE_IMP, "forward active energy");
static const struct gdw1376_field d_day_re_imp[] = FROZEN(TDD, A11, MH_ITEM_RE_IMP, "forward reactive energy");
static const struct gdw1376_field d_day_ae_exp[] = FROZEN(TDD, A14, MH_ITEM_AE_EXP, "reverse active energy");
static const struct gdw1376_field d_day_re_exp[] = FROZEN(TDD, A11, MH_ITEM_RE_EXP, "reverse reactive energy");
static const struct gdw1376_field d_day_q1[] = FROZEN(TDD, A11, MH_ITEM_RE_Q1, "quadrant I reactive energy");
static const struct gdw1376_field d_day_q2[] = FROZEN(TDD, A11, MH_ITEM_RE_Q2, "quadrant II reactive energy");
static const struct gdw1376_field d_day_q3[] = FROZEN(TDD, A11, MH_ITEM_RE_Q3, "quadrant III reactive energy");
static const struct gdw1376_field d_day_q4[] = FROZEN(TDD, A11, MH_ITEM_RE_Q4, "quadrant IV reactive energy");
static const struct gdw1376_field d_mon_ae_imp[] = FROZEN(TDM, A14, MH_ITEM_AE_IMP, "forward active energy");
static const struct gdw1376_field d_mon_re_imp[] = FROZEN(TDM, A11, MH_ITEM_RE_IMP, "forward reactive energy");
static const struct gdw1376_field d_mon_ae_exp[] = FROZEN(TDM, A14, MH_ITEM_AE_EXP, "reverse active energy");
static const struct gdw1376_field d_mon_re_exp[] = FROZEN(TDM, A11, MH_ITEM_RE_EXP, "reverse reactive energy");
static const struct gdw1376_field d_mon_q1[] = FROZEN(TDM, A11, MH_ITEM_RE_Q1, "quadrant I reactive energy");
static const struct gdw1376_field d_mon_q2[] = FROZEN(TDM, A11, MH_ITEM_RE_Q2, "quadrant II reactive energy");
static const struct gdw1376_field d_mon_q3[] = FROZEN(TDM, A11, MH_ITEM_RE_Q3, "quadrant III reactive energy");
static const struct gdw1376_field d_mon_q4[] = FROZEN(TDM, A11, MH_ITEM_RE_Q4, "quadrant IV reactive energy");

#define MD_FROZEN(label, item, name) {label, TDC, TM, TPAIR(item, name)}
static const struct gdw1376_field d_day_md_ae_imp[] = MD_FROZEN(TDD, MH_ITEM_MD_AE_IMP, "forward active maximum demand");
static const struct gdw1376_field d_day_md_re_imp[] = MD_FROZEN(TDD, MH_ITEM_MD_RE_IMP, "forward reactive maximum demand");
static const struct gdw1376_field d_day_md_ae_exp[] = MD_FROZEN(TDD, MH_ITEM_MD_AE_EXP, "reverse active maximum demand");
static const struct gdw1376_field d_day_md_re_exp[] = MD_FROZEN(TDD, MH_ITEM_MD_RE_EXP, "reverse reactive maximum demand");
static const struct gdw1376_field d_mon_md_ae_imp[] = MD_FROZEN(TDM, MH_ITEM_MD_AE_IMP, "forward active maximum demand");
static const struct gdw1376_field d_mon_md_re_imp[] = MD_FROZEN(TDM, MH_ITEM_MD_RE_IMP, "forward reactive maximum demand");
static const struct gdw1376_field d_mon_md_ae_exp[] = MD_FROZEN(TDM, MH_ITEM_MD_AE_EXP, "reverse active maximum demand");
static const struct gdw1376_field d_mon_md_re_exp[] = MD_FROZEN(TDM, MH_ITEM_MD_RE_EXP, "reverse reactive maximum demand");

/* {afn, dir, fn, n_fields, request_label, fields, name} */
#define UP(afn, fn, arr, label, name) {afn, GDW1376_DIR_UP, fn, N(arr), label, arr, name}
#define C1(fn, arr, name) UP(0x0C, fn, arr, 0, name)
#define DAY(fn, arr, name) UP(0x0D, fn, arr, GDW1376_A20, name)
#define MON(fn, arr, name) UP(0x0D, fn, arr, GDW1376_A21, name)
#define CRV(fn, arr, name) UP(0x0D, fn, arr, GDW1376_A15, name " curve")

const struct gdw1376_fn_def gdw1376_fn_defs[] = {
    UP(0x09, 1, c9_f1, 0, "terminal version information"),
    UP(0x09, 2, c9_f2, 0, "terminal input, output and communication port configuration"),

    C1(2, c_f2, "terminal clock"),
    C1(25, c_f25, "current power, power factor, voltage, current"),
    C1(26, c_f26, "phase failure statistics and last phase failure"),
    C1(27, c_f27, "meter clock, programming and clear counts with their last times"),
    C1(28, c_f28, "meter run status words and change flags"),
    C1(31, c_f31, "current per-phase active and combined reactive energy"),
    C1(32, c_f31, "per-phase active and combined reactive energy at the last settlement day"),
    C1(33, c_fwd, "current forward active/reactive energy, quadrants I and IV"),
    C1(34, c_rev, "current reverse active/reactive energy, quadrants II and III"),
    C1(35, c_fwd_md, "forward maximum demand of this month"),
    C1(36, c_rev_md, "reverse maximum demand of this month"),
    C1(37, c_fwd, "last month forward active/reactive energy, quadrants I and IV"),
    C1(38, c_rev, "last month reverse active/reactive energy, quadrants II and III"),
    C1(39, c_fwd_md, "forward maximum demand of last month"),
    C1(40, c_rev_md, "reverse maximum demand of last month"),
    C1(41, c_ae_imp_period, "forward active energy of today"),
    C1(42, c_re_imp_period, "forward reactive energy of today"),
    C1(43, c_ae_exp_period, "reverse active energy of today"),
    C1(44, c_re_exp_period, "reverse reactive energy of today"),
    C1(45, c_ae_imp_period, "forward active energy of this month"),
    C1(46, c_re_imp_period, "forward reactive energy of this month"),
    C1(47, c_ae_exp_period, "reverse active energy of this month"),
    C1(48, c_re_exp_period, "reverse reactive energy of this month"),
    C1(49, c_f49, "current voltage and current phase angles"),
    C1(57, c_f57, "current harmonic voltage and current RMS, orders 2..N"),
    C1(58, c_f58, "current harmonic voltage and current content, total and orders 2..N"),
    C1(129, c_ae_imp, "current forward active energy"),
    C1(130, c_re_imp, "current forward reactive energy"),
    C1(131, c_ae_exp, "current reverse active energy"),
    C1(132, c_re_exp, "current reverse reactive energy"),
    C1(133, c_q1, "current quadrant I reactive energy"),
    C1(134, c_q2, "current quadrant II reactive energy"),
    C1(135, c_q3, "current quadrant III reactive energy"),
    C1(136, c_q4, "current quadrant IV reactive energy"),
    C1(137, c_ae_imp, "last month forward active energy"),
    C1(138, c_re_imp, "last month forward reactive energy"),
    C1(139, c_ae_exp, "last month reverse active energy"),
    C1(140, c_re_exp, "last month reverse reactive energy"),
    C1(141, c_q1, "last month quadrant I reactive energy"),
    C1(142, c_q2, "last month quadrant II reactive energy"),
    C1(143, c_q3, "last month quadrant III reactive energy"),
    C1(144, c_q4, "last month quadrant IV reactive energy"),
    C1(145, c_md_ae_imp, "forward active maximum demand of this month"),
    C1(146, c_md_re_imp, "forward reactive maximum demand of this month"),
    C1(147, c_md_ae_exp, "reverse active maximum demand of this month"),
    C1(148, c_md_re_exp, "reverse reactive maximum demand of this month"),
    C1(149, c_md_ae_imp, "forward active maximum demand of last month"),
    C1(150, c_md_re_imp, "forward reactive maximum demand of last month"),
    C1(151, c_md_ae_exp, "reverse active maximum demand of last month"),
    C1(152, c_md_re_exp, "reverse reactive maximum demand of last month"),
    C1(161, c_f161, "meter remote switch state and last switch times"),
    C1(162, c_f162, "meter clock"),
    C1(165, c_f165, "meter switch operation and cover opening counts with their last times"),
    C1(166, c_f166, "meter clock setting and tariff schedule programming counts with their times"),
    C1(170, c_f170, "meter reading information"),
    C1(177, c_f177, "current combined active energy"),
    C1(179, c_f179, "voltage statistics of today"),
    C1(180, c_f179, "voltage statistics of this month"),

    DAY(1, d_fwd_day, "daily frozen forward energies, quadrants I and IV"),
    DAY(2, d_rev_day, "daily frozen reverse energies, quadrants II and III"),
    DAY(3, d_fwd_md_day, "daily frozen forward maximum demand"),
    DAY(4, d_rev_md_day, "daily frozen reverse maximum demand"),
    DAY(5, d_f5, "daily forward active energy"),
    DAY(6, d_f6, "daily forward reactive energy"),
    DAY(7, d_f7, "daily reverse active energy"),
    DAY(8, d_f8, "daily reverse reactive energy"),
    DAY(9, d_fwd_day, "reading-day frozen forward energies, quadrants I and IV"),
    DAY(10, d_rev_day, "reading-day frozen reverse energies, quadrants II and III"),
    DAY(11, d_fwd_md_day, "reading-day frozen forward maximum demand"),
    DAY(12, d_rev_md_day, "reading-day frozen reverse maximum demand"),
    MON(17, d_fwd_month, "monthly frozen forward energies, quadrants I and IV"),
    MON(18, d_rev_month, "monthly frozen reverse energies, quadrants II and III"),
    MON(19, d_fwd_md_month, "monthly frozen forward maximum demand"),
    MON(20, d_rev_md_month, "monthly frozen reverse maximum demand"),
    MON(21, d_f21, "monthly forward active energy"),
    MON(22, d_f22, "monthly forward reactive energy"),
    MON(23, d_f23, "monthly reverse active energy"),
    MON(24, d_f24, "monthly reverse reactive energy"),
    DAY(25, d_f25, "daily maximum active power and zero-power time"),
    DAY(26, d_f26, "daily maximum demand, total and per phase"),
    DAY(27, d_f27, "daily voltage statistics and qualification rate"),
    DAY(28, d_f28, "daily unbalance over-limit statistics"),
    DAY(29, d_f29, "daily current over-limit statistics"),
    DAY(30, d_f30, "daily apparent power over-limit time"),
    DAY(31, d_f31, "daily load rate statistics"),
    DAY(32, d_f32, "daily frozen meter phase failure data"),
    MON(33, d_f33, "monthly maximum active power and zero-power time"),
    MON(34, d_f34, "monthly maximum demand, total and per phase"),
    MON(35, d_f35, "monthly voltage statistics and qualification rate"),
    MON(36, d_f36, "monthly unbalance over-limit statistics"),
    MON(37, d_f37, "monthly current over-limit statistics"),
    MON(38, d_f38, "monthly apparent power over-limit time"),
    DAY(43, d_f43, "daily power factor zone times"),
    MON(44, d_f44, "monthly power factor zone times"),
    DAY(49, d_f49, "terminal daily supply time and resets"),
    MON(51, d_f51, "terminal monthly supply time and resets"),
    CRV(81, k81, "active power"),
    CRV(82, k82, "phase A active power"),
    CRV(83, k83, "phase B active power"),
    CRV(84, k84, "phase C active power"),
    CRV(85, k85, "reactive power"),
    CRV(86, k86, "phase A reactive power"),
    CRV(87, k87, "phase B reactive power"),
    CRV(88, k88, "phase C reactive power"),
    CRV(89, k89, "phase A voltage"),
    CRV(90, k90, "phase B voltage"),
    CRV(91, k91, "phase C voltage"),
    CRV(92, k92, "phase A current"),
    CRV(93, k93, "phase B current"),
    CRV(94, k94, "phase C current"),
    CRV(95, k95, "neutral current"),
    CRV(97, k97, "forward active energy increment"),
    CRV(98, k98, "forward reactive energy increment"),
    CRV(99, k99, "reverse active energy increment"),
    CRV(100, k100, "reverse reactive energy increment"),
    CRV(101, k101, "forward active energy reading"),
    CRV(102, k102, "forward reactive energy reading"),
    CRV(103, k103, "reverse active energy reading"),
    CRV(104, k104, "reverse reactive energy reading"),
    CRV(105, k105, "power factor"),
    CRV(106, k106, "phase A power factor"),
    CRV(107, k107, "phase B power factor"),
    CRV(108, k108, "phase C power factor"),
    CRV(145, k145, "quadrant I reactive energy reading"),
    CRV(146, k146, "quadrant II reactive energy reading"),
    CRV(147, k147, "quadrant III reactive energy reading"),
    CRV(148, k148, "quadrant IV reactive energy reading"),
    DAY(161, d_day_ae_imp, "daily frozen forward active energy"),
    DAY(162, d_day_re_imp, "daily frozen forward reactive energy"),
    DAY(163, d_day_ae_exp, "daily frozen reverse active energy"),
    DAY(164, d_day_re_exp, "daily frozen reverse reactive energy"),
    DAY(165, d_day_q1, "daily frozen quadrant I reactive energy"),
    DAY(166, d_day_q2, "daily frozen quadrant II reactive energy"),
    DAY(167, d_day_q3, "daily frozen quadrant III reactive energy"),
    DAY(168, d_day_q4, "daily frozen quadrant IV reactive energy"),
    DAY(169, d_day_ae_imp, "reading-day frozen forward active energy"),
    DAY(170, d_day_re_imp, "reading-day frozen forward reactive energy"),
    DAY(171, d_day_ae_exp, "reading-day frozen reverse active energy"),
    DAY(172, d_day_re_exp, "reading-day frozen reverse reactive energy"),
    DAY(173, d_day_q1, "reading-day frozen quadrant I reactive energy"),
    DAY(174, d_day_q2, "reading-day frozen quadrant II reactive energy"),
    DAY(175, d_day_q3, "reading-day frozen quadrant III reactive energy"),
    DAY(176, d_day_q4, "reading-day frozen quadrant IV reactive energy"),
    MON(177, d_mon_ae_imp, "monthly frozen forward active energy"),
    MON(178, d_mon_re_imp, "monthly frozen forward reactive energy"),
    MON(179, d_mon_ae_exp, "monthly frozen reverse active energy"),
    MON(180, d_mon_re_exp, "monthly frozen reverse reactive energy"),
    MON(181, d_mon_q1, "monthly frozen quadrant I reactive energy"),
    MON(182, d_mon_q2, "monthly frozen quadrant II reactive energy"),
    MON(183, d_mon_q3, "monthly frozen quadrant III reactive energy"),
    MON(184, d_mon_q4, "monthly frozen quadrant IV reactive energy"),
    DAY(185, d_day_md_ae_imp, "daily frozen forward active maximum demand"),
    DAY(186, d_day_md_re_imp, "daily frozen forward reactive maximum demand"),
    DAY(187, d_day_md_ae_exp, "daily frozen reverse active maximum demand"),
    DAY(188, d_day_md_re_exp, "daily frozen reverse reactive maximum demand"),
    DAY(189, d_day_md_ae_imp, "reading-day frozen forward active maximum demand"),
    DAY(190, d_day_md_re_imp, "reading-day frozen forward reactive maximum demand"),
    DAY(191, d_day_md_ae_exp, "reading-day frozen reverse active maximum demand"),
    DAY(192, d_day_md_re_exp, "reading-day frozen reverse reactive maximum demand"),
    MON(193, d_mon_md_ae_imp, "monthly frozen forward active maximum demand"),
    MON(194, d_mon_md_re_imp, "monthly frozen forward reactive maximum demand"),
    MON(195, d_mon_md_ae_exp, "monthly frozen reverse active maximum demand"),
    MON(196, d_mon_md_re_exp, "monthly frozen reverse reactive maximum demand"),
};

const size_t gdw1376_fn_defs_n = sizeof gdw1376_fn_defs / sizeof gdw1376_fn_defs[0];
