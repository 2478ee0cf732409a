/*
 * The DL/T 645 data dictionary: which identifiers a head-end reads, how
 * their data is laid out, in which unit, and which normalized item they
 * are. Identifiers with parameters (tariff, phase, settlement, n-th last
 * record, freeze type) are one row each, matched under a mask.
 *
 * 2007 edition: appendix A, tables A.1 (energy), A.2 (maximum demand),
 * A.3 (instantaneous variables), A.4 (event records), A.5 (parameters),
 * A.6 (frozen data), A.7 (load records). 1997 edition: appendix A (2-byte
 * identifiers: class 9 energy, A demand, B demand time / events /
 * variables, C parameters).
 *
 * The table is cut into one array per category (DI3 for 2007, the class
 * nibble for 1997), so a lookup (dlt645_int.h, inline for the value
 * decoder) looks at one category only; inside a
 * category the first matching row wins, so a row with more identifying
 * bits (a count) comes before the row it shadows (its records), and the
 * rows read most often come first. The round-trip test looks every row up
 * by its own identifier, so a row that can never be found fails at once.
 */
#include "dlt645_int.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/item.h"

#define E7 DLT645_2007
#define E97 DLT645_1997
#define T DLT645_DI_TARIFF
#define S DLT645_DI_SETTLE
#define L DLT645_DI_LAST_N
#define P DLT645_DI_PHASE_DI1
#define PT DLT645_DI_PHASE_TOTAL
#define B DLT645_DI_BLOCK
#define FZ DLT645_DI_FREEZE
#define T97 (DLT645_DI_1997_TARIFF | DLT645_DI_BLOCK_END_AA)
#define P97 (DLT645_DI_1997_PHASE | DLT645_DI_BLOCK_END_AA)
#define M97 DLT645_DI_1997_MONTH

#define F_BCD DLT645_FMT_BCD
#define F_SBCD DLT645_FMT_SBCD
#define F_T5 DLT645_FMT_YYMMDDHHMM
#define F_T6 DLT645_FMT_YYMMDDHHMMSS
#define F_RAW DLT645_FMT_RAW
#define F_BITS DLT645_FMT_BITS
#define F_DEM DLT645_FMT_DEMAND
#define F_ASCII DLT645_FMT_ASCII

#define N_OF(a) ((uint8_t)(sizeof(a) / sizeof((a)[0])))

/* A row of one value format: DI, mask, format, bytes, decimals, flags, unit, item, name. */
#define ROW(ed, di, mask, fmt, bytes, dec, flags, unit, item, name) \
    {di, mask, ed, fmt, bytes, dec, flags, MH_UNIT_##unit, 0, item, DLT645_SHAPE(ed, fmt, bytes, flags), name, NULL}
#define R7(...) ROW(E7, __VA_ARGS__)
#define R97(...) ROW(E97, __VA_ARGS__)
/* A record: a fixed sequence of fields. */
#define REC(di, mask, flags, fields, name) \
    {di, mask, E7, DLT645_FMT_RECORD, 0, 0, flags, MH_UNIT_NONE, N_OF(fields), 0, DLT645_SH_WHOLE, name, fields}

/* Field of a record. */
#define FLD(fmt, bytes, dec, unit, item, name) {fmt, bytes, dec, MH_UNIT_##unit, item, name}
#define F_START FLD(F_T6, 6, 0, NONE, 0, "start")
#define F_END FLD(F_T6, 6, 0, NONE, 0, "end")
#define F_OPERATOR FLD(F_BITS, 4, 0, NONE, 0, "operator code")
#define F_COUNT(name) FLD(F_BCD, 3, 0, COUNT, 0, name)
#define F_MINUTES(name) FLD(F_BCD, 3, 0, MIN, 0, name)
#define F_REST FLD(F_RAW, 0, 0, NONE, 0, "further data (bytes as sent)")
#define F_E(item, unit, name) FLD(F_BCD, 4, 2, unit, item, name)

/* ---- A.1 energy: DI2 kind, DI1 tariff, DI0 settlement ---- */
#define ENERGY(di2, fmt, unit, item, name) R7((uint32_t)(di2) << 16, 0xFFFF0000u, fmt, 4, 2, T | S, unit, item, name)
/* Per-phase energy: totals only (DI1 = 00), settlement in DI0. */
#define ENERGY_PH(di2, fmt, unit, item, name) R7((uint32_t)(di2) << 16, 0xFFFFFF00u, fmt, 4, 2, S, unit, item, name)
#define ENERGY_PHASE(base, ph, LN)                                                                      \
    ENERGY_PH(base + 0, F_BCD, KWH, MH_ITEM_AE_IMP_##LN, "phase " ph " forward active energy"),          \
    ENERGY_PH(base + 1, F_BCD, KWH, MH_ITEM_AE_EXP_##LN, "phase " ph " reverse active energy"),          \
    ENERGY_PH(base + 2, F_SBCD, KVARH, MH_ITEM_RE_IMP_##LN, "phase " ph " combined reactive energy 1"),  \
    ENERGY_PH(base + 3, F_SBCD, KVARH, MH_ITEM_RE_EXP_##LN, "phase " ph " combined reactive energy 2"),  \
    ENERGY_PH(base + 4, F_BCD, KVARH, MH_ITEM_RE_Q1_##LN, "phase " ph " quadrant I reactive energy"),    \
    ENERGY_PH(base + 5, F_BCD, KVARH, MH_ITEM_RE_Q2_##LN, "phase " ph " quadrant II reactive energy"),   \
    ENERGY_PH(base + 6, F_BCD, KVARH, MH_ITEM_RE_Q3_##LN, "phase " ph " quadrant III reactive energy"),  \
    ENERGY_PH(base + 7, F_BCD, KVARH, MH_ITEM_RE_Q4_##LN, "phase " ph " quadrant IV reactive energy"),   \
    ENERGY_PH(base + 8, F_BCD, KVAH, MH_ITEM_SE_IMP_##LN, "phase " ph " forward apparent energy"),       \
    ENERGY_PH(base + 9, F_BCD, KVAH, MH_ITEM_SE_EXP_##LN, "phase " ph " reverse apparent energy")

static const struct dlt645_di_def energy_2007[] = {
    ENERGY(0x01, F_BCD, KWH, MH_ITEM_AE_IMP, "forward active energy"),
    ENERGY(0x02, F_BCD, KWH, MH_ITEM_AE_EXP, "reverse active energy"),
    ENERGY(0x00, F_SBCD, KWH, MH_ITEM_AE_COMB, "combined active energy"),
    ENERGY(0x03, F_SBCD, KVARH, MH_ITEM_RE_IMP, "combined reactive energy 1"),
    ENERGY(0x04, F_SBCD, KVARH, MH_ITEM_RE_EXP, "combined reactive energy 2"),
    ENERGY(0x05, F_BCD, KVARH, MH_ITEM_RE_Q1, "quadrant I reactive energy"),
    ENERGY(0x06, F_BCD, KVARH, MH_ITEM_RE_Q2, "quadrant II reactive energy"),
    ENERGY(0x07, F_BCD, KVARH, MH_ITEM_RE_Q3, "quadrant III reactive energy"),
    ENERGY(0x08, F_BCD, KVARH, MH_ITEM_RE_Q4, "quadrant IV reactive energy"),
    ENERGY(0x09, F_BCD, KVAH, MH_ITEM_SE_IMP, "forward apparent energy"),
    ENERGY(0x0A, F_BCD, KVAH, MH_ITEM_SE_EXP, "reverse apparent energy"),
    ENERGY_PHASE(0x15, "A", L1),
    ENERGY_PHASE(0x29, "B", L2),
    ENERGY_PHASE(0x3D, "C", L3),
};

/* ---- A.2 maximum demand and its time: XX.XXXX + YYMMDDhhmm ---- */
#define DEMAND(di2, unit, item, name) R7(0x01000000u | (uint32_t)(di2) << 16, 0xFFFF0000u, F_DEM, 8, 4, T | S, unit, item, name)
#define DEMAND_PH(di2, item, name) R7(0x01000000u | (uint32_t)(di2) << 16, 0xFFFFFF00u, F_DEM, 8, 4, S, KW, item, name)

static const struct dlt645_di_def demand_2007[] = {
    DEMAND(0x01, KW, MH_ITEM_MD_AE_IMP, "forward active maximum demand"),
    DEMAND(0x02, KW, MH_ITEM_MD_AE_EXP, "reverse active maximum demand"),
    DEMAND(0x03, KVAR, MH_ITEM_MD_RE_IMP, "combined reactive 1 maximum demand"),
    DEMAND(0x04, KVAR, MH_ITEM_MD_RE_EXP, "combined reactive 2 maximum demand"),
    DEMAND(0x05, KVAR, MH_ITEM_MD_RE_Q1, "quadrant I reactive maximum demand"),
    DEMAND(0x06, KVAR, MH_ITEM_MD_RE_Q2, "quadrant II reactive maximum demand"),
    DEMAND(0x07, KVAR, MH_ITEM_MD_RE_Q3, "quadrant III reactive maximum demand"),
    DEMAND(0x08, KVAR, MH_ITEM_MD_RE_Q4, "quadrant IV reactive maximum demand"),
    DEMAND(0x09, KVA, MH_ITEM_MD_SE_IMP, "forward apparent maximum demand"),
    DEMAND(0x0A, KVA, MH_ITEM_MD_SE_EXP, "reverse apparent maximum demand"),
    DEMAND_PH(0x15, MH_ITEM_MD_AE_IMP_L1, "phase A forward active maximum demand"),
    DEMAND_PH(0x16, MH_ITEM_MD_AE_EXP_L1, "phase A reverse active maximum demand"),
    DEMAND_PH(0x29, MH_ITEM_MD_AE_IMP_L2, "phase B forward active maximum demand"),
    DEMAND_PH(0x2A, MH_ITEM_MD_AE_EXP_L2, "phase B reverse active maximum demand"),
    DEMAND_PH(0x3D, MH_ITEM_MD_AE_IMP_L3, "phase C forward active maximum demand"),
    DEMAND_PH(0x3E, MH_ITEM_MD_AE_EXP_L3, "phase C reverse active maximum demand"),
};

/* ---- A.3 instantaneous variables: DI1 = phase (FF block), items per phase by OBIS C + 20 n ---- */
#define INST(di2, fmt, bytes, dec, flags, unit, item, name) R7(0x02000000u | (uint32_t)(di2) << 16, 0xFFFF00FFu, fmt, bytes, dec, P | (flags), unit, item, name)
#define VAR(di0, fmt, bytes, dec, unit, item, name) R7(0x02800000u | (di0), 0xFFFFFFFFu, fmt, bytes, dec, 0, unit, item, name)

static const struct dlt645_di_def inst_2007[] = {
    INST(0x01, F_BCD, 2, 1, 0, V, MH_ITEM_U_L1, "voltage"),
    INST(0x02, F_SBCD, 3, 3, 0, A, MH_ITEM_I_L1, "current"),
    INST(0x03, F_SBCD, 3, 4, PT, KW, MH_ITEM_P, "active power"),
    INST(0x04, F_SBCD, 3, 4, PT, KVAR, MH_ITEM_Q, "reactive power"),
    INST(0x05, F_SBCD, 3, 4, PT, KVA, MH_ITEM_S, "apparent power"),
    INST(0x06, F_SBCD, 2, 3, PT, NONE, MH_ITEM_PF, "power factor"),
    INST(0x07, F_BCD, 2, 1, 0, DEG, MH_ITEM_ANG_I1_U1, "phase angle"),
    INST(0x08, F_BCD, 2, 2, 0, PERCENT, MH_ITEM_THD_U_L1, "voltage waveform distortion"),
    INST(0x09, F_BCD, 2, 2, 0, PERCENT, MH_ITEM_THD_I_L1, "current waveform distortion"),
    VAR(0x01, F_SBCD, 3, 3, A, MH_ITEM_I_N, "neutral current"),
    VAR(0x02, F_BCD, 2, 2, HZ, MH_ITEM_FREQ, "grid frequency"),
    VAR(0x03, F_SBCD, 3, 4, KW, MH_ITEM_AVG_P_1MIN, "one-minute average active power"),
    VAR(0x04, F_SBCD, 3, 4, KW, MH_ITEM_DEM_AE_IMP, "current active demand"),
    VAR(0x05, F_SBCD, 3, 4, KVAR, MH_ITEM_DEM_RE_IMP, "current reactive demand"),
    VAR(0x06, F_SBCD, 3, 4, KVA, MH_ITEM_DEM_SE_IMP, "current apparent demand"),
    VAR(0x07, F_SBCD, 2, 1, CELSIUS, MH_ITEM_TEMPERATURE, "meter temperature"),
    VAR(0x08, F_BCD, 2, 2, V, MH_ITEM_BATTERY_V, "clock battery voltage"),
    VAR(0x09, F_BCD, 2, 2, V, 0, "meter-reading battery voltage"),
    VAR(0x0A, F_BCD, 4, 0, MIN, MH_ITEM_BATTERY_USE_TIME, "internal battery working time"),
};

/* ---- A.4 event records: counts (DI0 = 00) before the last-n records they shadow ---- */
static const struct dlt645_field phase_summary_v_loss[] = {
    F_COUNT("phase A voltage loss count"), F_MINUTES("phase A voltage loss time"),
    F_COUNT("phase B voltage loss count"), F_MINUTES("phase B voltage loss time"),
    F_COUNT("phase C voltage loss count"), F_MINUTES("phase C voltage loss time"),
};
static const struct dlt645_field phase_summary_fail[] = {
    F_COUNT("phase A failure count"), F_MINUTES("phase A failure time"),
    F_COUNT("phase B failure count"), F_MINUTES("phase B failure time"),
    F_COUNT("phase C failure count"), F_MINUTES("phase C failure time"),
};
static const struct dlt645_field count_and_time[] = {F_COUNT("count"), F_MINUTES("accumulated time")};
/* Per-phase voltage loss / phase failure record: its start, then the energies and variables at that moment. */
static const struct dlt645_field phase_event_record[] = {F_START, F_REST};
static const struct dlt645_field start_end[] = {F_START, F_END};
static const struct dlt645_field total_loss_record[] = {F_START, FLD(F_SBCD, 3, 3, A, 0, "current"), F_END};
static const struct dlt645_field program_record[] = {F_START, F_OPERATOR, FLD(F_RAW, 40, 0, NONE, 0, "first ten programmed identifiers")};
static const struct dlt645_field event_clear_record[] = {F_START, F_OPERATOR, FLD(F_BITS, 4, 0, NONE, 0, "cleared event identifier")};
static const struct dlt645_field clock_set_record[] = {F_OPERATOR, FLD(F_T6, 6, 0, NONE, 0, "time before"), FLD(F_T6, 6, 0, NONE, 0, "time after")};
#define ENERGIES_6(pre, ph, LN)                                                                                \
    F_E(MH_ITEM_AE_IMP##LN, KWH, pre ph "forward active energy"), F_E(MH_ITEM_AE_EXP##LN, KWH, pre ph "reverse active energy"), \
    F_E(MH_ITEM_RE_Q1##LN, KVARH, pre ph "quadrant I reactive energy"), F_E(MH_ITEM_RE_Q2##LN, KVARH, pre ph "quadrant II reactive energy"), \
    F_E(MH_ITEM_RE_Q3##LN, KVARH, pre ph "quadrant III reactive energy"), F_E(MH_ITEM_RE_Q4##LN, KVARH, pre ph "quadrant IV reactive energy")
static const struct dlt645_field meter_clear_record[] = {
    F_START, F_OPERATOR, ENERGIES_6("", "", ), ENERGIES_6("", "phase A ", _L1), ENERGIES_6("", "phase B ", _L2), ENERGIES_6("", "phase C ", _L3),
};
#define DEMANDS_6(ph, LN)                                                                                                   \
    FLD(F_DEM, 8, 4, KW, MH_ITEM_MD_AE_IMP##LN, ph "forward active maximum demand"),                                        \
    FLD(F_DEM, 8, 4, KW, MH_ITEM_MD_AE_EXP##LN, ph "reverse active maximum demand"),                                        \
    FLD(F_DEM, 8, 4, KVAR, QD##LN(MH_ITEM_MD_RE_Q1), ph "quadrant I reactive maximum demand"),                              \
    FLD(F_DEM, 8, 4, KVAR, QD##LN(MH_ITEM_MD_RE_Q2), ph "quadrant II reactive maximum demand"),                             \
    FLD(F_DEM, 8, 4, KVAR, QD##LN(MH_ITEM_MD_RE_Q3), ph "quadrant III reactive maximum demand"),                            \
    FLD(F_DEM, 8, 4, KVAR, QD##LN(MH_ITEM_MD_RE_Q4), ph "quadrant IV reactive maximum demand")
/* Per-phase quadrant demands have no item: the normalized vocabulary keeps totals only. */
#define QD(x) (x)
#define QD_L1(x) 0
#define QD_L2(x) 0
#define QD_L3(x) 0
static const struct dlt645_field demand_clear_record[] = {
    F_START, F_OPERATOR, DEMANDS_6("", ), DEMANDS_6("phase A ", _L1), DEMANDS_6("phase B ", _L2), DEMANDS_6("phase C ", _L3),
};
static const struct dlt645_field cover_record[] = {
    F_START, F_END, ENERGIES_6("before: ", "", ), ENERGIES_6("after: ", "", ),
};

#define COUNT(di, item, name) R7(di, 0xFFFFFFFFu, F_BCD, 3, 0, 0, COUNT, item, name)
#define RECORDS(di, fields, name) REC(di, 0xFFFFFF00u, L, fields, name)

static const struct dlt645_di_def events_2007[] = {
    COUNT(0x03110000, MH_ITEM_CNT_POWER_DOWN, "power-down count"),
    RECORDS(0x03110000, start_end, "power-down record"),
    REC(0x03010000, 0xFFFFFFFFu, 0, phase_summary_v_loss, "voltage loss counts and times"),
    RECORDS(0x03010100, phase_event_record, "phase A voltage loss record"),
    RECORDS(0x03010200, phase_event_record, "phase B voltage loss record"),
    RECORDS(0x03010300, phase_event_record, "phase C voltage loss record"),
    REC(0x03040000, 0xFFFFFFFFu, 0, phase_summary_fail, "phase failure counts and times"),
    RECORDS(0x03040100, phase_event_record, "phase A failure record"),
    RECORDS(0x03040200, phase_event_record, "phase B failure record"),
    RECORDS(0x03040300, phase_event_record, "phase C failure record"),
    REC(0x03050000, 0xFFFFFFFFu, 0, count_and_time, "total voltage loss count and time"),
    RECORDS(0x03050000, total_loss_record, "total voltage loss record"),
    REC(0x03060000, 0xFFFFFFFFu, 0, count_and_time, "auxiliary supply loss count and time"),
    RECORDS(0x03060000, start_end, "auxiliary supply loss record"),
    COUNT(0x03300000, MH_ITEM_CNT_PROGRAM, "programming count"),
    RECORDS(0x03300000, program_record, "programming record"),
    COUNT(0x03300100, MH_ITEM_CNT_METER_CLEAR, "meter clear count"),
    RECORDS(0x03300100, meter_clear_record, "meter clear record"),
    COUNT(0x03300200, MH_ITEM_CNT_DEMAND_CLEAR, "demand clear count"),
    RECORDS(0x03300200, demand_clear_record, "demand clear record"),
    COUNT(0x03300300, MH_ITEM_CNT_EVENT_CLEAR, "event clear count"),
    RECORDS(0x03300300, event_clear_record, "event clear record"),
    COUNT(0x03300400, MH_ITEM_CNT_CLOCK_SET, "clock set count"),
    RECORDS(0x03300400, clock_set_record, "clock set record"),
    COUNT(0x03300D00, MH_ITEM_CNT_COVER_OPEN, "meter cover open count"),
    RECORDS(0x03300D00, cover_record, "meter cover open record"),
    COUNT(0x03300E00, MH_ITEM_CNT_TERMINAL_COVER_OPEN, "terminal cover open count"),
    RECORDS(0x03300E00, cover_record, "terminal cover open record"),
};

/* ---- A.5 parameters ---- */
#define PAR(di, fmt, bytes, dec, unit, item, name) R7(di, 0xFFFFFFFFu, fmt, bytes, dec, 0, unit, item, name)
#define TABLE(di, fmt, name) R7(di, 0xFFFFFFFFu, fmt, 3, 0, B, NONE, 0, name)
#define DAY_TABLES(set, s)                                                                                        \
    TABLE(0x04000000u | (set) << 16, DLT645_FMT_MMDDNN, s " time-zone table"),                                    \
    TABLE(0x04000001u | (set) << 16, DLT645_FMT_HHMMNN, s " daily period table 1"),                               \
    TABLE(0x04000002u | (set) << 16, DLT645_FMT_HHMMNN, s " daily period table 2"),                               \
    TABLE(0x04000003u | (set) << 16, DLT645_FMT_HHMMNN, s " daily period table 3"),                               \
    TABLE(0x04000004u | (set) << 16, DLT645_FMT_HHMMNN, s " daily period table 4"),                               \
    TABLE(0x04000005u | (set) << 16, DLT645_FMT_HHMMNN, s " daily period table 5"),                               \
    TABLE(0x04000006u | (set) << 16, DLT645_FMT_HHMMNN, s " daily period table 6"),                               \
    TABLE(0x04000007u | (set) << 16, DLT645_FMT_HHMMNN, s " daily period table 7"),                               \
    TABLE(0x04000008u | (set) << 16, DLT645_FMT_HHMMNN, s " daily period table 8")
#define PASSWORD(n) PAR(0x04000C01u + (n), F_RAW, 4, 0, NONE, 0, "password level " #n " (write only)")

static const struct dlt645_di_def params_2007[] = {
    PAR(0x04000503, F_BITS, 2, 0, NONE, MH_ITEM_STATUS_3, "run status word 3"),
    PAR(0x04000101, DLT645_FMT_YYMMDDWW, 4, 0, NONE, MH_ITEM_CLOCK, "date and weekday"),
    PAR(0x04000102, DLT645_FMT_HHMMSS, 3, 0, NONE, MH_ITEM_CLOCK, "time"),
    PAR(0x04000103, F_BCD, 1, 0, MIN, MH_ITEM_DEMAND_PERIOD, "maximum demand period"),
    PAR(0x04000104, F_BCD, 1, 0, MIN, 0, "demand sliding time"),
    PAR(0x04000105, F_BCD, 2, 0, NONE, 0, "calibration pulse width (ms)"),
    PAR(0x04000106, F_T5, 5, 0, NONE, 0, "time-zone table switch time"),
    PAR(0x04000107, F_T5, 5, 0, NONE, 0, "daily period table switch time"),
    PAR(0x04000201, F_BCD, 1, 0, COUNT, 0, "year time-zone count"),
    PAR(0x04000202, F_BCD, 1, 0, COUNT, 0, "daily period table count"),
    PAR(0x04000203, F_BCD, 1, 0, COUNT, 0, "daily period count"),
    PAR(0x04000204, F_BCD, 1, 0, COUNT, 0, "tariff count"),
    PAR(0x04000205, F_BCD, 2, 0, COUNT, 0, "public holiday count"),
    PAR(0x04000306, F_BCD, 3, 0, NONE, MH_ITEM_CT_RATIO, "current transformer ratio"),
    PAR(0x04000307, F_BCD, 3, 0, NONE, MH_ITEM_PT_RATIO, "voltage transformer ratio"),
    PAR(0x04000401, DLT645_FMT_ADDRESS, 6, 0, NONE, MH_ITEM_DEVICE_ADDR, "communication address"),
    PAR(0x04000402, DLT645_FMT_ADDRESS, 6, 0, NONE, MH_ITEM_METER_NUMBER, "meter number"),
    PAR(0x04000403, F_ASCII, 32, 0, NONE, 0, "asset code"),
    PAR(0x04000404, F_ASCII, 6, 0, NONE, 0, "rated voltage"),
    PAR(0x04000405, F_ASCII, 6, 0, NONE, 0, "rated current"),
    PAR(0x04000406, F_ASCII, 6, 0, NONE, 0, "maximum current"),
    PAR(0x04000407, F_ASCII, 4, 0, NONE, 0, "active accuracy class"),
    PAR(0x04000408, F_ASCII, 4, 0, NONE, 0, "reactive accuracy class"),
    PAR(0x04000409, F_BCD, 3, 0, IMP_KWH, MH_ITEM_METER_CONST_P, "active meter constant"),
    PAR(0x0400040A, F_BCD, 3, 0, IMP_KVARH, MH_ITEM_METER_CONST_Q, "reactive meter constant"),
    PAR(0x0400040B, F_ASCII, 10, 0, NONE, 0, "meter model"),
    PAR(0x0400040C, F_ASCII, 10, 0, NONE, 0, "production date"),
    PAR(0x0400040D, F_ASCII, 16, 0, NONE, MH_ITEM_FW_VERSION, "protocol version"),
    PAR(0x04000501, F_BITS, 2, 0, NONE, MH_ITEM_STATUS_1, "run status word 1"),
    PAR(0x04000502, F_BITS, 2, 0, NONE, MH_ITEM_STATUS_2, "run status word 2"),
    PAR(0x04000504, F_BITS, 2, 0, NONE, MH_ITEM_STATUS_4, "run status word 4"),
    PAR(0x04000505, F_BITS, 2, 0, NONE, MH_ITEM_STATUS_5, "run status word 5"),
    PAR(0x04000506, F_BITS, 2, 0, NONE, MH_ITEM_STATUS_6, "run status word 6"),
    PAR(0x04000507, F_BITS, 2, 0, NONE, MH_ITEM_STATUS_7, "run status word 7"),
    R7(0x040005FF, 0xFFFFFFFFu, F_BITS, 2, 0, B, NONE, MH_ITEM_STATUS_1, "run status words 1-7"),
    PAR(0x04000B01, DLT645_FMT_DDHH, 2, 0, NONE, 0, "settlement day 1"),
    PAR(0x04000B02, DLT645_FMT_DDHH, 2, 0, NONE, 0, "settlement day 2"),
    PAR(0x04000B03, DLT645_FMT_DDHH, 2, 0, NONE, 0, "settlement day 3"),
    PASSWORD(0), PASSWORD(1), PASSWORD(2), PASSWORD(3), PASSWORD(4),
    PASSWORD(5), PASSWORD(6), PASSWORD(7), PASSWORD(8), PASSWORD(9),
    DAY_TABLES(0x01u, "first set"),
    DAY_TABLES(0x02u, "second set"),
};

/* ---- A.6 frozen data: DI2 freeze type 00..07, DI1 content, DI0 n-th last freeze ---- */
#define FROZEN(di1, fmt, bytes, dec, unit, item, name) R7(0x05000000u | (di1) << 8, 0xFF00FF00u, fmt, bytes, dec, L | B | FZ, unit, item, name)
static const struct dlt645_di_def frozen_2007[] = {
    FROZEN(0x01u, F_BCD, 4, 2, KWH, MH_ITEM_AE_IMP, "frozen forward active energy"),
    FROZEN(0x00u, F_T5, 5, 0, NONE, 0, "freeze time"),
    FROZEN(0x02u, F_BCD, 4, 2, KWH, MH_ITEM_AE_EXP, "frozen reverse active energy"),
    FROZEN(0x03u, F_SBCD, 4, 2, KVARH, MH_ITEM_RE_IMP, "frozen combined reactive energy 1"),
    FROZEN(0x04u, F_SBCD, 4, 2, KVARH, MH_ITEM_RE_EXP, "frozen combined reactive energy 2"),
    FROZEN(0x05u, F_BCD, 4, 2, KVARH, MH_ITEM_RE_Q1, "frozen quadrant I reactive energy"),
    FROZEN(0x06u, F_BCD, 4, 2, KVARH, MH_ITEM_RE_Q2, "frozen quadrant II reactive energy"),
    FROZEN(0x07u, F_BCD, 4, 2, KVARH, MH_ITEM_RE_Q3, "frozen quadrant III reactive energy"),
    FROZEN(0x08u, F_BCD, 4, 2, KVARH, MH_ITEM_RE_Q4, "frozen quadrant IV reactive energy"),
    FROZEN(0x09u, F_DEM, 8, 4, KW, MH_ITEM_MD_AE_IMP, "frozen forward active maximum demand"),
    FROZEN(0x0Au, F_DEM, 8, 4, KW, MH_ITEM_MD_AE_EXP, "frozen reverse active maximum demand"),
    REC(0x05001000u, 0xFF00FF00u, L | FZ, dlt645_power_fields, "frozen variables"),
};

/*
 * ---- A.7 load records: a structure of their own, decoded by load.c ----
 * DI2 = class (00 all), DI0 = which block: 00 earliest, 01 at the start
 * time given with the request, 02 latest.
 */
#define LOAD(di, name) {di, 0xFFFFFF00u, E7, DLT645_FMT_LOAD, 0, 0, 0, MH_UNIT_NONE, 0, 0, DLT645_SH_WHOLE, name, NULL}
static const struct dlt645_di_def load_2007[] = {
    LOAD(0x06000000, "load record, all classes"),
    LOAD(0x06010000, "load record class 1 (voltage, current, frequency)"),
    LOAD(0x06020000, "load record class 2 (active and reactive power)"),
    LOAD(0x06030000, "load record class 3 (power factor)"),
    LOAD(0x06040000, "load record class 4 (active and reactive energy)"),
    LOAD(0x06050000, "load record class 5 (quadrant reactive energy)"),
    LOAD(0x06060000, "load record class 6 (current demand)"),
};

/*
 * ---- DL/T 645-1997 ----
 * Energy 9xxx and demand Axxx / demand time Bxxx: second nibble 0, 4, 8 =
 * current, last month, the month before (+1 for reactive kinds), third the
 * kind, fourth the tariff (0 total, F block ending AA).
 */
#define K97(cls, nib2, kind, fmt, bytes, dec, unit, item, name) \
    R97((cls) << 12 | (nib2) << 8 | (kind) << 4, 0xFFF0u, fmt, bytes, dec, T97 | M97, unit, item, name)
#define MONTHS(cls, kind, r, fmt, bytes, dec, unit, item, name)                        \
    K97(cls, 0x0u + (r), kind, fmt, bytes, dec, unit, item, name),                      \
    K97(cls, 0x4u + (r), kind, fmt, bytes, dec, unit, item, "last month " name),        \
    K97(cls, 0x8u + (r), kind, fmt, bytes, dec, unit, item, "month before last " name)
#define KINDS(cls, fmt, bytes, dec, au, ru, ai, ae, ri, re, q1, q4, q2, q3, what)       \
    MONTHS(cls, 1, 0, fmt, bytes, dec, au, ai, "forward active " what),                 \
    MONTHS(cls, 2, 0, fmt, bytes, dec, au, ae, "reverse active " what),                 \
    MONTHS(cls, 1, 1, fmt, bytes, dec, ru, ri, "forward reactive " what),               \
    MONTHS(cls, 2, 1, fmt, bytes, dec, ru, re, "reverse reactive " what),               \
    MONTHS(cls, 3, 1, fmt, bytes, dec, ru, q1, "quadrant I reactive " what),            \
    MONTHS(cls, 4, 1, fmt, bytes, dec, ru, q4, "quadrant IV reactive " what),           \
    MONTHS(cls, 5, 1, fmt, bytes, dec, ru, q2, "quadrant II reactive " what),           \
    MONTHS(cls, 6, 1, fmt, bytes, dec, ru, q3, "quadrant III reactive " what)

static const struct dlt645_di_def energy_1997[] = {
    KINDS(0x9u, F_BCD, 4, 2, KWH, KVARH, MH_ITEM_AE_IMP, MH_ITEM_AE_EXP, MH_ITEM_RE_IMP, MH_ITEM_RE_EXP,
          MH_ITEM_RE_Q1, MH_ITEM_RE_Q4, MH_ITEM_RE_Q2, MH_ITEM_RE_Q3, "energy"),
};
static const struct dlt645_di_def demand_1997[] = {
    KINDS(0xAu, F_BCD, 3, 4, KW, KVAR, MH_ITEM_MD_AE_IMP, MH_ITEM_MD_AE_EXP, MH_ITEM_MD_RE_IMP, MH_ITEM_MD_RE_EXP,
          MH_ITEM_MD_RE_Q1, MH_ITEM_MD_RE_Q4, MH_ITEM_MD_RE_Q2, MH_ITEM_MD_RE_Q3, "maximum demand"),
};
#define PH97(di, fmt, bytes, dec, flags, unit, item, name) R97(di, 0xFFF0u, fmt, bytes, dec, P97 | (flags), unit, item, name)
#define EX97(di, fmt, bytes, dec, unit, item, name) R97(di, 0xFFFFu, fmt, bytes, dec, 0, unit, item, name)
static const struct dlt645_di_def class_b_1997[] = {
    PH97(0xB610, F_BCD, 2, 0, 0, V, MH_ITEM_U_L1, "voltage"),
    PH97(0xB620, F_BCD, 2, 2, 0, A, MH_ITEM_I_L1, "current"),
    PH97(0xB630, F_SBCD, 3, 4, PT, KW, MH_ITEM_P, "active power"),
    PH97(0xB640, F_SBCD, 2, 2, PT, KVAR, MH_ITEM_Q, "reactive power"),
    PH97(0xB650, F_SBCD, 2, 3, PT, NONE, MH_ITEM_PF, "power factor"),
    EX97(0xB210, DLT645_FMT_MMDDHHMM, 4, 0, NONE, 0, "last programming time"),
    EX97(0xB211, DLT645_FMT_MMDDHHMM, 4, 0, NONE, 0, "last maximum demand clear time"),
    EX97(0xB212, F_BCD, 2, 0, COUNT, MH_ITEM_CNT_PROGRAM, "programming count"),
    EX97(0xB213, F_BCD, 2, 0, COUNT, MH_ITEM_CNT_DEMAND_CLEAR, "maximum demand clear count"),
    EX97(0xB214, F_BCD, 3, 0, MIN, MH_ITEM_BATTERY_USE_TIME, "battery working time"),
    PH97(0xB310, F_BCD, 2, 0, PT, COUNT, MH_ITEM_CNT_PHASE_FAIL, "phase failure count"),
    PH97(0xB320, F_BCD, 3, 0, PT, MIN, 0, "phase failure time"),
    PH97(0xB330, DLT645_FMT_MMDDHHMM, 4, 0, PT, NONE, 0, "last phase failure start"),
    PH97(0xB340, DLT645_FMT_MMDDHHMM, 4, 0, PT, NONE, 0, "last phase failure end"),
    KINDS(0xBu, DLT645_FMT_MMDDHHMM, 4, 0, NONE, NONE, 0, 0, 0, 0, 0, 0, 0, 0, "maximum demand time"),
};
static const struct dlt645_di_def class_c_1997[] = {
    EX97(0xC010, DLT645_FMT_YYMMDDWW, 4, 0, NONE, MH_ITEM_CLOCK, "date and weekday"),
    EX97(0xC011, DLT645_FMT_HHMMSS, 3, 0, NONE, MH_ITEM_CLOCK, "time"),
    EX97(0xC020, F_BITS, 1, 0, NONE, MH_ITEM_STATUS_1, "meter run status word"),
    EX97(0xC021, F_BITS, 1, 0, NONE, 0, "network status word"),
    EX97(0xC022, F_BITS, 1, 0, NONE, 0, "weekly rest day status word"),
    EX97(0xC030, F_BCD, 3, 0, IMP_KWH, MH_ITEM_METER_CONST_P, "active meter constant"),
    EX97(0xC031, F_BCD, 3, 0, IMP_KVARH, MH_ITEM_METER_CONST_Q, "reactive meter constant"),
    EX97(0xC032, DLT645_FMT_ADDRESS, 6, 0, NONE, MH_ITEM_METER_NUMBER, "meter number"),
    EX97(0xC033, DLT645_FMT_ADDRESS, 6, 0, NONE, MH_ITEM_CUSTOMER_NUMBER, "customer number"),
    EX97(0xC034, DLT645_FMT_ADDRESS, 6, 0, NONE, 0, "device code"),
    EX97(0xC111, F_BCD, 1, 0, MIN, MH_ITEM_DEMAND_PERIOD, "maximum demand period"),
    EX97(0xC112, F_BCD, 1, 0, MIN, 0, "demand sliding time"),
    EX97(0xC117, DLT645_FMT_DDHH, 2, 0, NONE, 0, "automatic settlement day"),
    EX97(0xC119, F_BCD, 4, 2, KWH, 0, "active energy starting reading"),
    EX97(0xC11A, F_BCD, 4, 2, KVARH, 0, "reactive energy starting reading"),
    EX97(0xC310, F_BCD, 1, 0, COUNT, 0, "year time-zone count"),
    EX97(0xC311, F_BCD, 1, 0, COUNT, 0, "daily period table count"),
    EX97(0xC312, F_BCD, 1, 0, COUNT, 0, "daily period count"),
    EX97(0xC313, F_BCD, 1, 0, COUNT, 0, "tariff count"),
    EX97(0xC314, F_BCD, 1, 0, COUNT, 0, "public holiday count"),
    R97(0xC32F, 0xFFFFu, DLT645_FMT_MMDDNN, 3, 0, B | DLT645_DI_BLOCK_END_AA, NONE, 0, "time-zone table"),
    R97(0xC33F, 0xFFFFu, DLT645_FMT_HHMMNN, 3, 0, B | DLT645_DI_BLOCK_END_AA, NONE, 0, "daily period table 1"),
};

#define SECTION(a) {a, N_OF(a)}

/* 2007 by DI3 = 00 .. 06; 1997 by class nibble 9, A, B, C. */
const struct dlt645_section dlt645_sections_2007[DLT645_N2007] = {
    SECTION(energy_2007), SECTION(demand_2007), SECTION(inst_2007), SECTION(events_2007),
    SECTION(params_2007), SECTION(frozen_2007), SECTION(load_2007),
};
const struct dlt645_section dlt645_sections_1997[DLT645_N1997] = {
    SECTION(energy_1997), SECTION(demand_1997), SECTION(class_b_1997), SECTION(class_c_1997),
};

size_t dlt645_di_count(void)
{
    size_t n = 0;
    for (size_t s = 0; s < DLT645_N2007; s++)
        n += dlt645_sections_2007[s].n;
    for (size_t s = 0; s < DLT645_N1997; s++)
        n += dlt645_sections_1997[s].n;
    return n;
}

const struct dlt645_di_def *dlt645_di_entry(size_t i)
{
    for (size_t s = 0; s < DLT645_N2007 + DLT645_N1997; s++) {
        const struct dlt645_section *sec = s < DLT645_N2007 ? &dlt645_sections_2007[s] : &dlt645_sections_1997[s - DLT645_N2007];
        if (i < sec->n)
            return &sec->rows[i];
        i -= sec->n;
    }
    return NULL;
}

const struct dlt645_di_def *dlt645_di_lookup(uint32_t di, enum dlt645_edition ed)
{
    return dlt645_di_find(di, ed);
}
