/*
 * The DL/T 645 data dictionary: which identifiers a head-end reads, how
 * their data is laid out and which normalized item they are. Identifiers
 * with parameters (tariff, phase, settlement, n-th last record) are one row
 * each, matched under a mask (DL/T 645-2007 appendix A; 1997 appendix A).
 * Lookups go through the table linearly under the mask: about a hundred
 * rows, most specific first.
 */
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/item.h"

#define E7 DLT645_2007
#define E97 DLT645_1997
#define T DLT645_DI_TARIFF
#define S DLT645_DI_SETTLE
#define L DLT645_DI_LAST_N
#define P DLT645_DI_PHASE_DI1
#define B DLT645_DI_BLOCK

/* Energy DI2 kinds, mask FFFF0000: DI1 tariff, DI0 settlement. */
#define ENERGY(di2, item, name) {0x00000000u | (di2) << 16, 0xFFFF0000u, E7, DLT645_FMT_BCD, 4, 2, T | S, item, name}
#define ENERGY_S(di2, item, name) {0x00000000u | (di2) << 16, 0xFFFF0000u, E7, DLT645_FMT_SBCD, 4, 2, T | S, item, name}
/* Per-phase energy: totals only (DI1 = 00), settlement in DI0. */
#define ENERGY_PH(di2, item, name) {0x00000000u | (di2) << 16, 0xFFFFFF00u, E7, DLT645_FMT_BCD, 4, 2, S, item, name}
#define ENERGY_PH_S(di2, item, name) {0x00000000u | (di2) << 16, 0xFFFFFF00u, E7, DLT645_FMT_SBCD, 4, 2, S, item, name}
#define DEMAND(di2, item, name) {0x01000000u | (di2) << 16, 0xFFFF0000u, E7, DLT645_FMT_DEMAND, 8, 4, T | S, item, name}

static const struct dlt645_di_def table[] = {
    /* Energy (A.1): combined, import/export active, reactive, quadrants, apparent, per phase. */
    ENERGY_S(0x00, MH_ITEM_AE_COMB, "combined active energy"),
    ENERGY(0x01, MH_ITEM_AE_IMP, "forward active energy"),
    ENERGY(0x02, MH_ITEM_AE_EXP, "reverse active energy"),
    ENERGY_S(0x03, MH_ITEM_RE_IMP, "combined reactive energy 1"),
    ENERGY_S(0x04, MH_ITEM_RE_EXP, "combined reactive energy 2"),
    ENERGY(0x05, MH_ITEM_RE_Q1, "quadrant I reactive energy"),
    ENERGY(0x06, MH_ITEM_RE_Q2, "quadrant II reactive energy"),
    ENERGY(0x07, MH_ITEM_RE_Q3, "quadrant III reactive energy"),
    ENERGY(0x08, MH_ITEM_RE_Q4, "quadrant IV reactive energy"),
    ENERGY(0x09, MH_ITEM_SE_IMP, "forward apparent energy"),
    ENERGY(0x0A, MH_ITEM_SE_EXP, "reverse apparent energy"),
    ENERGY_PH(0x15, MH_ITEM_AE_IMP_L1, "phase A forward active energy"),
    ENERGY_PH(0x16, MH_ITEM_AE_EXP_L1, "phase A reverse active energy"),
    ENERGY_PH_S(0x17, MH_ITEM_RE_IMP_L1, "phase A combined reactive energy 1"),
    ENERGY_PH_S(0x18, MH_ITEM_RE_EXP_L1, "phase A combined reactive energy 2"),
    ENERGY_PH(0x29, MH_ITEM_AE_IMP_L2, "phase B forward active energy"),
    ENERGY_PH(0x2A, MH_ITEM_AE_EXP_L2, "phase B reverse active energy"),
    ENERGY_PH_S(0x2B, MH_ITEM_RE_IMP_L2, "phase B combined reactive energy 1"),
    ENERGY_PH_S(0x2C, MH_ITEM_RE_EXP_L2, "phase B combined reactive energy 2"),
    ENERGY_PH(0x3D, MH_ITEM_AE_IMP_L3, "phase C forward active energy"),
    ENERGY_PH(0x3E, MH_ITEM_AE_EXP_L3, "phase C reverse active energy"),
    ENERGY_PH_S(0x3F, MH_ITEM_RE_IMP_L3, "phase C combined reactive energy 1"),
    ENERGY_PH_S(0x40, MH_ITEM_RE_EXP_L3, "phase C combined reactive energy 2"),

    /* Maximum demand and its time (A.2): XX.XXXX kW + YYMMDDhhmm. */
    DEMAND(0x01, MH_ITEM_MD_AE_IMP, "forward active maximum demand"),
    DEMAND(0x02, MH_ITEM_MD_AE_EXP, "reverse active maximum demand"),
    DEMAND(0x03, MH_ITEM_MD_RE_IMP, "combined reactive 1 maximum demand"),
    DEMAND(0x04, MH_ITEM_MD_RE_EXP, "combined reactive 2 maximum demand"),
    DEMAND(0x05, MH_ITEM_MD_RE_Q1, "quadrant I reactive maximum demand"),
    DEMAND(0x06, MH_ITEM_MD_RE_Q2, "quadrant II reactive maximum demand"),
    DEMAND(0x07, MH_ITEM_MD_RE_Q3, "quadrant III reactive maximum demand"),
    DEMAND(0x08, MH_ITEM_MD_RE_Q4, "quadrant IV reactive maximum demand"),
    DEMAND(0x09, MH_ITEM_MD_SE_IMP, "forward apparent maximum demand"),
    DEMAND(0x0A, MH_ITEM_MD_SE_EXP, "reverse apparent maximum demand"),

    /* Instantaneous variables (A.3). DI1 = phase, FF = block. */
    {0x02010000, 0xFFFF00FF, E7, DLT645_FMT_BCD, 2, 1, P, MH_ITEM_U_L1, "voltage"},
    {0x02020000, 0xFFFF00FF, E7, DLT645_FMT_SBCD, 3, 3, P, MH_ITEM_I_L1, "current"},
    {0x02030000, 0xFFFF00FF, E7, DLT645_FMT_SBCD, 3, 4, P, MH_ITEM_P, "active power"},
    {0x02040000, 0xFFFF00FF, E7, DLT645_FMT_SBCD, 3, 4, P, MH_ITEM_Q, "reactive power"},
    {0x02050000, 0xFFFF00FF, E7, DLT645_FMT_SBCD, 3, 4, P, MH_ITEM_S, "apparent power"},
    {0x02060000, 0xFFFF00FF, E7, DLT645_FMT_SBCD, 2, 3, P, MH_ITEM_PF, "power factor"},
    {0x02070000, 0xFFFF00FF, E7, DLT645_FMT_BCD, 2, 1, P, MH_ITEM_ANG_I1_U1, "phase angle"},
    {0x02800001, 0xFFFFFFFF, E7, DLT645_FMT_SBCD, 3, 3, 0, MH_ITEM_I_N, "neutral current"},
    {0x02800002, 0xFFFFFFFF, E7, DLT645_FMT_BCD, 2, 2, 0, MH_ITEM_FREQ, "grid frequency"},
    {0x02800003, 0xFFFFFFFF, E7, DLT645_FMT_SBCD, 3, 4, 0, MH_ITEM_AVG_P_1MIN, "one-minute average active power"},
    {0x02800004, 0xFFFFFFFF, E7, DLT645_FMT_SBCD, 3, 4, 0, MH_ITEM_DEM_AE_IMP, "current active demand"},
    {0x02800005, 0xFFFFFFFF, E7, DLT645_FMT_SBCD, 3, 4, 0, MH_ITEM_DEM_RE_IMP, "current reactive demand"},
    {0x02800007, 0xFFFFFFFF, E7, DLT645_FMT_SBCD, 2, 1, 0, MH_ITEM_TEMPERATURE, "meter temperature"},
    {0x02800008, 0xFFFFFFFF, E7, DLT645_FMT_BCD, 2, 2, 0, MH_ITEM_BATTERY_V, "clock battery voltage"},

    /* Events (A.4): counts and last-n records. */
    {0x03110000, 0xFFFFFFFF, E7, DLT645_FMT_BCD, 3, 0, 0, MH_ITEM_CNT_POWER_DOWN, "power-down count"},
    {0x03110000, 0xFFFFFF00, E7, DLT645_FMT_YYMMDDHHMMSS, 6, 0, L, 0, "power-down record (start, end)"},
    {0x03300000, 0xFFFFFFFF, E7, DLT645_FMT_BCD, 3, 0, 0, MH_ITEM_CNT_PROGRAM, "programming count"},
    {0x03300000, 0xFFFFFF00, E7, DLT645_FMT_RAW, 50, 0, L, 0, "programming record"},
    {0x03300100, 0xFFFFFFFF, E7, DLT645_FMT_BCD, 3, 0, 0, MH_ITEM_CNT_METER_CLEAR, "meter clear count"},
    {0x03300100, 0xFFFFFF00, E7, DLT645_FMT_RAW, 106, 0, L, 0, "meter clear record"},
    {0x03300200, 0xFFFFFFFF, E7, DLT645_FMT_BCD, 3, 0, 0, MH_ITEM_CNT_DEMAND_CLEAR, "demand clear count"},
    {0x03300200, 0xFFFFFF00, E7, DLT645_FMT_RAW, 202, 0, L, 0, "demand clear record"},
    {0x03300300, 0xFFFFFFFF, E7, DLT645_FMT_BCD, 3, 0, 0, MH_ITEM_CNT_EVENT_CLEAR, "event clear count"},
    {0x03300300, 0xFFFFFF00, E7, DLT645_FMT_RAW, 14, 0, L, 0, "event clear record"},
    {0x03300400, 0xFFFFFFFF, E7, DLT645_FMT_BCD, 3, 0, 0, MH_ITEM_CNT_CLOCK_SET, "clock set count"},
    {0x03300400, 0xFFFFFF00, E7, DLT645_FMT_RAW, 16, 0, L, 0, "clock set record"},
    {0x03300D00, 0xFFFFFFFF, E7, DLT645_FMT_BCD, 3, 0, 0, MH_ITEM_CNT_COVER_OPEN, "meter cover open count"},
    {0x03300D00, 0xFFFFFF00, E7, DLT645_FMT_RAW, 60, 0, L, 0, "meter cover open record"},
    {0x03300E00, 0xFFFFFFFF, E7, DLT645_FMT_BCD, 3, 0, 0, MH_ITEM_CNT_TERMINAL_COVER_OPEN, "terminal cover open count"},
    {0x03010000, 0xFFFFFFFF, E7, DLT645_FMT_BCD, 3, 0, 0, MH_ITEM_CNT_V_LOSS, "voltage loss counts and times (A, B, C)"},
    {0x03040000, 0xFFFFFFFF, E7, DLT645_FMT_BCD, 3, 0, 0, MH_ITEM_CNT_PHASE_FAIL, "phase failure counts and times (A, B, C)"},

    /* Parameters (A.5). */
    {0x04000101, 0xFFFFFFFF, E7, DLT645_FMT_YYMMDDWW, 4, 0, 0, MH_ITEM_CLOCK, "date and weekday"},
    {0x04000102, 0xFFFFFFFF, E7, DLT645_FMT_HHMMSS, 3, 0, 0, MH_ITEM_CLOCK, "time"},
    {0x04000401, 0xFFFFFFFF, E7, DLT645_FMT_ADDRESS, 6, 0, 0, MH_ITEM_DEVICE_ADDR, "communication address"},
    {0x04000402, 0xFFFFFFFF, E7, DLT645_FMT_ADDRESS, 6, 0, 0, MH_ITEM_METER_NUMBER, "meter number"},
    {0x04000409, 0xFFFFFFFF, E7, DLT645_FMT_BCD, 3, 0, 0, MH_ITEM_METER_CONST_P, "active meter constant"},
    {0x0400040A, 0xFFFFFFFF, E7, DLT645_FMT_BCD, 3, 0, 0, MH_ITEM_METER_CONST_Q, "reactive meter constant"},
    {0x04000501, 0xFFFFFFFF, E7, DLT645_FMT_BITS, 2, 0, 0, MH_ITEM_STATUS_1, "run status word 1"},
    {0x04000502, 0xFFFFFFFF, E7, DLT645_FMT_BITS, 2, 0, 0, MH_ITEM_STATUS_2, "run status word 2"},
    {0x04000503, 0xFFFFFFFF, E7, DLT645_FMT_BITS, 2, 0, 0, MH_ITEM_STATUS_3, "run status word 3"},
    {0x04000504, 0xFFFFFFFF, E7, DLT645_FMT_BITS, 2, 0, 0, MH_ITEM_STATUS_4, "run status word 4"},
    {0x04000505, 0xFFFFFFFF, E7, DLT645_FMT_BITS, 2, 0, 0, MH_ITEM_STATUS_5, "run status word 5"},
    {0x04000506, 0xFFFFFFFF, E7, DLT645_FMT_BITS, 2, 0, 0, MH_ITEM_STATUS_6, "run status word 6"},
    {0x04000507, 0xFFFFFFFF, E7, DLT645_FMT_BITS, 2, 0, 0, MH_ITEM_STATUS_7, "run status word 7"},
    {0x040005FF, 0xFFFFFFFF, E7, DLT645_FMT_BITS, 2, 0, 0, MH_ITEM_STATUS_1, "run status words 1-7"},

    /* Frozen data (A.6): DI2 freeze type, DI1 content, DI0 n-th last freeze. */
    {0x05000000, 0xFF00FF00, E7, DLT645_FMT_YYMMDDHHMM, 5, 0, L, 0, "freeze time"},
    {0x05000100, 0xFF00FF00, E7, DLT645_FMT_BCD, 4, 2, L | B, MH_ITEM_AE_IMP, "frozen forward active energy"},
    {0x05000200, 0xFF00FF00, E7, DLT645_FMT_BCD, 4, 2, L | B, MH_ITEM_AE_EXP, "frozen reverse active energy"},
    {0x05000300, 0xFF00FF00, E7, DLT645_FMT_SBCD, 4, 2, L | B, MH_ITEM_RE_IMP, "frozen combined reactive energy 1"},
    {0x05000400, 0xFF00FF00, E7, DLT645_FMT_SBCD, 4, 2, L | B, MH_ITEM_RE_EXP, "frozen combined reactive energy 2"},
    {0x05000500, 0xFF00FF00, E7, DLT645_FMT_BCD, 4, 2, L | B, MH_ITEM_RE_Q1, "frozen quadrant I reactive energy"},
    {0x05000600, 0xFF00FF00, E7, DLT645_FMT_BCD, 4, 2, L | B, MH_ITEM_RE_Q2, "frozen quadrant II reactive energy"},
    {0x05000700, 0xFF00FF00, E7, DLT645_FMT_BCD, 4, 2, L | B, MH_ITEM_RE_Q3, "frozen quadrant III reactive energy"},
    {0x05000800, 0xFF00FF00, E7, DLT645_FMT_BCD, 4, 2, L | B, MH_ITEM_RE_Q4, "frozen quadrant IV reactive energy"},
    {0x05000900, 0xFF00FF00, E7, DLT645_FMT_DEMAND, 8, 4, L | B, MH_ITEM_MD_AE_IMP, "frozen forward active maximum demand"},
    {0x05000A00, 0xFF00FF00, E7, DLT645_FMT_DEMAND, 8, 4, L | B, MH_ITEM_MD_AE_EXP, "frozen reverse active maximum demand"},
    {0x05001000, 0xFF00FF00, E7, DLT645_FMT_RAW, 24, 0, L, 0, "frozen variables"},

    /* Load records (A.7): block reads with count and start time; shown raw. */
    {0x06000000, 0xFF000000, E7, DLT645_FMT_RAW, 1, 0, 0, 0, "load record"},

    /* DL/T 645-1997 (2-byte identifiers). */
    {0x9010, 0xFFF0, E97, DLT645_FMT_BCD, 4, 2, DLT645_DI_1997_TARIFF | DLT645_DI_BLOCK_END_AA, MH_ITEM_AE_IMP, "forward active energy"},
    {0x9020, 0xFFF0, E97, DLT645_FMT_BCD, 4, 2, DLT645_DI_1997_TARIFF | DLT645_DI_BLOCK_END_AA, MH_ITEM_AE_EXP, "reverse active energy"},
    {0x9110, 0xFFF0, E97, DLT645_FMT_BCD, 4, 2, DLT645_DI_1997_TARIFF | DLT645_DI_BLOCK_END_AA, MH_ITEM_RE_IMP, "forward reactive energy"},
    {0x9120, 0xFFF0, E97, DLT645_FMT_BCD, 4, 2, DLT645_DI_1997_TARIFF | DLT645_DI_BLOCK_END_AA, MH_ITEM_RE_EXP, "reverse reactive energy"},
    {0x9410, 0xFFF0, E97, DLT645_FMT_BCD, 4, 2, DLT645_DI_1997_TARIFF | DLT645_DI_BLOCK_END_AA, MH_ITEM_AE_IMP, "last month forward active energy"},
    {0x9420, 0xFFF0, E97, DLT645_FMT_BCD, 4, 2, DLT645_DI_1997_TARIFF | DLT645_DI_BLOCK_END_AA, MH_ITEM_AE_EXP, "last month reverse active energy"},
    {0xA010, 0xFFF0, E97, DLT645_FMT_BCD, 3, 4, DLT645_DI_1997_TARIFF | DLT645_DI_BLOCK_END_AA, MH_ITEM_MD_AE_IMP, "forward active maximum demand"},
    {0xA020, 0xFFF0, E97, DLT645_FMT_BCD, 3, 4, DLT645_DI_1997_TARIFF | DLT645_DI_BLOCK_END_AA, MH_ITEM_MD_AE_EXP, "reverse active maximum demand"},
    {0xB010, 0xFFF0, E97, DLT645_FMT_MMDDHHMM, 4, 0, DLT645_DI_1997_TARIFF | DLT645_DI_BLOCK_END_AA, 0, "forward active maximum demand time"},
    {0xB020, 0xFFF0, E97, DLT645_FMT_MMDDHHMM, 4, 0, DLT645_DI_1997_TARIFF | DLT645_DI_BLOCK_END_AA, 0, "reverse active maximum demand time"},
    {0xB610, 0xFFF0, E97, DLT645_FMT_BCD, 2, 0, DLT645_DI_1997_PHASE, MH_ITEM_U_L1, "voltage"},
    {0xB620, 0xFFF0, E97, DLT645_FMT_BCD, 2, 2, DLT645_DI_1997_PHASE, MH_ITEM_I_L1, "current"},
    {0xB630, 0xFFF0, E97, DLT645_FMT_SBCD, 3, 4, DLT645_DI_1997_PHASE, MH_ITEM_P, "active power"},
    {0xB640, 0xFFF0, E97, DLT645_FMT_SBCD, 2, 2, DLT645_DI_1997_PHASE, MH_ITEM_Q, "reactive power"},
    {0xB650, 0xFFF0, E97, DLT645_FMT_SBCD, 2, 3, DLT645_DI_1997_PHASE, MH_ITEM_PF, "power factor"},
    {0xC010, 0xFFFF, E97, DLT645_FMT_YYMMDDWW, 4, 0, 0, MH_ITEM_CLOCK, "date and weekday"},
    {0xC011, 0xFFFF, E97, DLT645_FMT_HHMMSS, 3, 0, 0, MH_ITEM_CLOCK, "time"},
    {0xC030, 0xFFFF, E97, DLT645_FMT_BCD, 3, 0, 0, MH_ITEM_METER_CONST_P, "active meter constant"},
    {0xC031, 0xFFFF, E97, DLT645_FMT_BCD, 3, 0, 0, MH_ITEM_METER_CONST_Q, "reactive meter constant"},
    {0xC032, 0xFFFF, E97, DLT645_FMT_ADDRESS, 6, 0, 0, MH_ITEM_METER_NUMBER, "meter number"},
    {0xC033, 0xFFFF, E97, DLT645_FMT_ADDRESS, 6, 0, 0, MH_ITEM_CUSTOMER_NUMBER, "customer number"},
    {0xC034, 0xFFFF, E97, DLT645_FMT_ADDRESS, 6, 0, 0, 0, "device code"},
};

const struct dlt645_di_def *dlt645_di_table(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

/*
 * Where each category starts in the table, so a lookup looks at one
 * category (a few dozen rows at most): 2007 by DI3 = 00 .. 06, 1997 by the
 * class nibble 9, A, B, C. A row added to the table moves these numbers:
 * the assertion below and test_every_dictionary_entry_round_trips (every
 * row must be found) say so at once.
 */
static const uint8_t group_2007[8] = {0, 23, 33, 47, 64, 78, 90, 91};
static const uint8_t group_1997[5] = {91, 97, 99, 106, 113};
_Static_assert(sizeof table / sizeof table[0] == 113, "the dictionary changed: update group_2007/group_1997");

const struct dlt645_di_def *dlt645_di_lookup(uint32_t di, enum dlt645_edition ed)
{
    const struct dlt645_di_def *best = NULL;
    size_t first, end;
    if (ed == DLT645_2007) {
        unsigned k = di >> 24;
        if (k > 6)
            return NULL;
        first = group_2007[k], end = group_2007[k + 1];
    } else {
        unsigned k = (di >> 12) & 0xF;
        if (k < 9 || k > 12 || di > 0xFFFF)
            return NULL;
        first = group_1997[k - 9], end = group_1997[k - 8];
    }
    for (size_t i = first; i < end; i++) {
        const struct dlt645_di_def *d = &table[i];
        if ((di & d->mask) != d->di)
            continue;
        /* The row with the most identifying bits wins (a count over last-n records). */
        if (!best || d->mask > best->mask)
            best = d;
    }
    if (!best)
        return NULL;
    /* Parameter bytes must be in range: tariffs 0..63 or FF, phases 0..3 or FF. */
    unsigned di1 = (di >> 8) & 0xFF, di0 = di & 0xFF;
    if ((best->flags & DLT645_DI_TARIFF) && di1 > 0x3F && di1 != 0xFF)
        return NULL;
    if ((best->flags & DLT645_DI_SETTLE) && di0 > 0x0C)
        return NULL;
    if ((best->flags & DLT645_DI_PHASE_DI1) && di1 > 3 && di1 != 0xFF)
        return NULL;
    if ((best->flags & DLT645_DI_LAST_N) && ((best->mask & 0xFF) == 0) && (di0 == 0 || di0 > 0x3C))
        return NULL;
    return best;
}
