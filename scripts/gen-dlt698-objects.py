#!/usr/bin/env python3
"""
DL/T 698.45 object dictionary: one spec, two outputs that cannot disagree.

Writes src/proto/dlt698/oi_table.c (the const table the codec looks objects
up in) and the object list in docs/protocols/dlt698.md (between the
"objects:begin" / "objects:end" markers). test_dlt698_oi checks that the
document lists every row of the table, so edit the spec here and rerun:

    scripts/gen-dlt698-objects.py

Row: (OI, attribute, element, interface class, type, scaler, unit, item, layout, to_item, name)
  element 0 = the whole attribute (its elements follow the layout); n = only element n
  type = the type of the attribute, or of each element for the array layouts
  layout: VALUE one value; PHASES elements A, B, C; TOTAL_PHASES total, A, B, C;
          TOTAL_TARIFFS total, tariff 1..; RECORD a record table (GET-Record; its
          columns are OADs of their own); EVENT_COUNTS current-value table
          (array of {source, {count, accumulated seconds}}: count -> item);
          STRUCT a parameter structure (elements described by element rows)
  to_item = decimal shift from the device unit to the item's unit (W -> kW: -3)
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rows = []


def row(oi, attr, el, ic, typ, sc, unit, item, layout, to, name):
    rows.append((oi, attr, el, ic, typ, sc, unit, item, layout, to, name))


# ---- energy (IC 1): attribute 2 (scaler -2), attribute 4 high precision (scaler -4) ----
ENERGY = [
    (0x0000, "combined active energy", "kWh", "AE_COMB", True, None),
    (0x0010, "forward active energy", "kWh", "AE_IMP", False, "AE_IMP_L%d"),
    (0x0020, "reverse active energy", "kWh", "AE_EXP", False, "AE_EXP_L%d"),
    (0x0030, "combined reactive energy 1", "kvarh", "RE_IMP", True, "RE_IMP_L%d"),
    (0x0040, "combined reactive energy 2", "kvarh", "RE_EXP", True, "RE_EXP_L%d"),
    (0x0050, "quadrant I reactive energy", "kvarh", "RE_Q1", False, "RE_Q1_L%d"),
    (0x0060, "quadrant II reactive energy", "kvarh", "RE_Q2", False, "RE_Q2_L%d"),
    (0x0070, "quadrant III reactive energy", "kvarh", "RE_Q3", False, "RE_Q3_L%d"),
    (0x0080, "quadrant IV reactive energy", "kvarh", "RE_Q4", False, "RE_Q4_L%d"),
    (0x0090, "forward apparent energy", "kVAh", "SE_IMP", False, "SE_IMP_L%d"),
    (0x00A0, "reverse apparent energy", "kVAh", "SE_EXP", False, "SE_EXP_L%d"),
]
for base, name, unit, item, signed, phase_item in ENERGY:
    t2, t4 = ("DOUBLE_LONG", "LONG64") if signed else ("DOUBLE_LONG_U", "LONG64_U")
    row(base, 2, 0, 1, t2, -2, unit, item, "TOTAL_TARIFFS", 0, name)
    row(base, 4, 0, 1, t4, -4, unit, item, "TOTAL_TARIFFS", 0, name + " (high precision)")
    if phase_item:
        for ph in (1, 2, 3):
            pn = "phase %s %s" % ("ABC"[ph - 1], name)
            row(base + ph, 2, 0, 1, t2, -2, unit, phase_item % ph, "VALUE", 0, pn)
            row(base + ph, 4, 0, 1, t4, -4, unit, phase_item % ph, "VALUE", 0, pn + " (high precision)")

# ---- maximum demand (IC 2): array of {value, date_time_s} per tariff, scaler -4 ----
DEMAND = [
    (0x1010, "forward active maximum demand", "kW", "MD_AE_IMP", "DOUBLE_LONG_U"),
    (0x1020, "reverse active maximum demand", "kW", "MD_AE_EXP", "DOUBLE_LONG_U"),
    (0x1030, "combined reactive 1 maximum demand", "kvar", "MD_RE_IMP", "DOUBLE_LONG"),
    (0x1040, "combined reactive 2 maximum demand", "kvar", "MD_RE_EXP", "DOUBLE_LONG"),
    (0x1050, "quadrant I maximum demand", "kvar", "MD_RE_Q1", "DOUBLE_LONG_U"),
    (0x1060, "quadrant II maximum demand", "kvar", "MD_RE_Q2", "DOUBLE_LONG_U"),
    (0x1070, "quadrant III maximum demand", "kvar", "MD_RE_Q3", "DOUBLE_LONG_U"),
    (0x1080, "quadrant IV maximum demand", "kvar", "MD_RE_Q4", "DOUBLE_LONG_U"),
    (0x1090, "forward apparent maximum demand", "kVA", "MD_SE_IMP", "DOUBLE_LONG_U"),
    (0x10A0, "reverse apparent maximum demand", "kVA", "MD_SE_EXP", "DOUBLE_LONG_U"),
]
for oi, name, unit, item, typ in DEMAND:
    row(oi, 2, 0, 2, "STRUCT", -4, unit, item, "TOTAL_TARIFFS", 0,
        name + " (array {%s, date_time_s})" % ("double-long" if typ == "DOUBLE_LONG" else "double-long-unsigned"))
for base, name, item in ((0x1010, "forward active maximum demand", "MD_AE_IMP_L%d"),
                         (0x1020, "reverse active maximum demand", "MD_AE_EXP_L%d")):
    for ph in (1, 2, 3):
        row(base + ph, 2, 0, 2, "STRUCT", -4, "kW", item % ph, "VALUE", 0,
            "phase %s %s (array {double-long-unsigned, date_time_s})" % ("ABC"[ph - 1], name))

# ---- variables (IC 3 phase, IC 4 power, IC 6 data) ----
row(0x2000, 2, 0, 3, "LONG_U", -1, "V", "U_L1", "PHASES", 0, "voltage")
row(0x2001, 2, 0, 3, "DOUBLE_LONG", -3, "A", "I_L1", "PHASES", 0, "current")
row(0x2001, 4, 0, 3, "DOUBLE_LONG", -3, "A", "I_N", "VALUE", 0, "neutral current")
for k, it in enumerate(("ANG_U1", "ANG_U2_U1", "ANG_U3_U1"), 1):
    row(0x2002, 2, k, 3, "LONG_U", -1, "deg", it, "VALUE", 0, "voltage phase angle, phase %s" % "ABC"[k - 1])
row(0x2002, 2, 0, 3, "LONG_U", -1, "deg", None, "PHASES", 0, "voltage phase angle")
for k, it in enumerate(("ANG_I1_U1", "ANG_I2_U2", "ANG_I3_U3"), 1):
    row(0x2003, 2, k, 3, "LONG_U", -1, "deg", it, "VALUE", 0, "voltage-current phase angle, phase %s" % "ABC"[k - 1])
row(0x2003, 2, 0, 3, "LONG_U", -1, "deg", None, "PHASES", 0, "voltage-current phase angle")
row(0x2004, 2, 0, 4, "DOUBLE_LONG", -1, "W", "P", "TOTAL_PHASES", -3, "active power")
row(0x2005, 2, 0, 4, "DOUBLE_LONG", -1, "var", "Q", "TOTAL_PHASES", -3, "reactive power")
row(0x2006, 2, 0, 4, "DOUBLE_LONG", -1, "VA", "S", "TOTAL_PHASES", -3, "apparent power")
row(0x2007, 2, 1, 4, "DOUBLE_LONG", -1, "W", "AVG_P_1MIN", "VALUE", -3, "one-minute average active power, total")
row(0x2007, 2, 0, 4, "DOUBLE_LONG", -1, "W", None, "TOTAL_PHASES", -3, "one-minute average active power")
row(0x2008, 2, 0, 4, "DOUBLE_LONG", -1, "var", None, "TOTAL_PHASES", -3, "one-minute average reactive power")
row(0x2009, 2, 0, 4, "DOUBLE_LONG", -1, "VA", None, "TOTAL_PHASES", -3, "one-minute average apparent power")
row(0x200A, 2, 0, 4, "LONG", -3, "", "PF", "TOTAL_PHASES", 0, "power factor")
row(0x200B, 2, 0, 3, "LONG", -2, "%", "THD_U_L1", "PHASES", 0, "voltage waveform distortion")
row(0x200C, 2, 0, 3, "LONG", -2, "%", "THD_I_L1", "PHASES", 0, "current waveform distortion")
row(0x200D, 2, 0, 3, "ARRAY", -2, "%", None, "PHASES", 0, "voltage harmonic content (per phase, orders 2..n)")
row(0x200E, 2, 0, 3, "ARRAY", -2, "%", None, "PHASES", 0, "current harmonic content (per phase, orders 2..n)")
row(0x200F, 2, 0, 6, "LONG_U", -2, "Hz", "FREQ", "VALUE", 0, "grid frequency")
row(0x2010, 2, 0, 6, "LONG", -1, "degC", "TEMPERATURE", "VALUE", 0, "meter temperature")
row(0x2011, 2, 0, 6, "LONG_U", -2, "V", "BATTERY_V", "VALUE", 0, "clock battery voltage")
row(0x2012, 2, 0, 6, "LONG_U", -2, "V", None, "VALUE", 0, "standby battery voltage")
row(0x2013, 2, 0, 6, "DOUBLE_LONG_U", 0, "min", "BATTERY_USE_TIME", "VALUE", 0, "clock battery working time")
for k in range(1, 8):
    row(0x2014, 2, k, 6, "BITSTRING", 0, "", "STATUS_%d" % k, "VALUE", 0, "meter run status word %d" % k)
row(0x2014, 2, 0, 6, "BITSTRING", 0, "", None, "STRUCT", 0, "meter run status words")
row(0x2015, 2, 0, 6, "BITSTRING", 0, "", None, "VALUE", 0, "meter report status word")
row(0x2017, 2, 0, 6, "DOUBLE_LONG", -4, "kW", "DEM_AE_IMP", "VALUE", 0, "current active demand")
row(0x2018, 2, 0, 6, "DOUBLE_LONG", -4, "kvar", "DEM_RE_IMP", "VALUE", 0, "current reactive demand")
row(0x2019, 2, 0, 6, "DOUBLE_LONG", -4, "kVA", "DEM_SE_IMP", "VALUE", 0, "current apparent demand")
row(0x201A, 2, 0, 6, "DOUBLE_LONG_U", -4, "CNY/kWh", None, "VALUE", 0, "current price")
row(0x201B, 2, 0, 6, "DOUBLE_LONG_U", -4, "CNY/kWh", None, "VALUE", 0, "current tariff price")
row(0x201C, 2, 0, 6, "DOUBLE_LONG_U", -4, "CNY/kWh", None, "VALUE", 0, "current step price")
row(0x201E, 2, 0, 6, "DATETIME_S", 0, "", None, "VALUE", 0, "event start time")
row(0x2020, 2, 0, 6, "DATETIME_S", 0, "", None, "VALUE", 0, "event end time")
row(0x2021, 2, 0, 6, "DATETIME_S", 0, "", None, "VALUE", 0, "data freeze time")
row(0x2022, 2, 0, 6, "DOUBLE_LONG_U", 0, "", None, "VALUE", 0, "event record sequence number")
row(0x2023, 2, 0, 6, "DOUBLE_LONG_U", 0, "", None, "VALUE", 0, "freeze record sequence number")
row(0x2026, 2, 0, 6, "LONG_U", -2, "%", "U_UNBALANCE", "VALUE", 0, "voltage unbalance")
row(0x2027, 2, 0, 6, "LONG_U", -2, "%", "I_UNBALANCE", "VALUE", 0, "current unbalance")
row(0x2029, 2, 0, 6, "DOUBLE_LONG_U", -2, "Ah", None, "PHASES", 0, "ampere-hours")
row(0x202C, 2, 1, 6, "DOUBLE_LONG_U", -2, "CNY", "BALANCE_MONEY", "VALUE", 0, "remaining money")
row(0x202C, 2, 2, 6, "DOUBLE_LONG_U", 0, "", "PURCHASE_COUNT", "VALUE", 0, "purchase count")
row(0x202C, 2, 0, 6, "STRUCT", 0, "", None, "STRUCT", 0, "current purse file {remaining money, purchase count}")
row(0x202D, 2, 0, 6, "DOUBLE_LONG_U", -2, "CNY", "OVERDRAFT_MONEY", "VALUE", 0, "overdraft money")
row(0x2031, 2, 0, 6, "DOUBLE_LONG_U", -2, "kWh", None, "VALUE", 0, "energy used in the month")
row(0x2032, 2, 0, 6, "DOUBLE_LONG_U", -2, "kWh", None, "VALUE", 0, "energy used in the step settlement period")
for k, ph in ((0x2131, "A"), (0x2132, "B"), (0x2133, "C")):
    row(k, 2, 0, 6, "STRUCT", 0, "", None, "STRUCT", 0, "phase %s voltage qualification statistics {day, month}" % ph)
row(0x2200, 2, 1, 6, "DOUBLE_LONG_U", 0, "B", "TRAFFIC_DAY", "VALUE", 0, "communication traffic in the day")
row(0x2200, 2, 2, 6, "DOUBLE_LONG_U", 0, "B", "TRAFFIC_MONTH", "VALUE", 0, "communication traffic in the month")
row(0x2200, 2, 0, 6, "STRUCT", 0, "", None, "STRUCT", 0, "communication traffic {day, month}")
row(0x2203, 2, 1, 6, "DOUBLE_LONG_U", 0, "min", "DUR_POWER_ON_DAY", "VALUE", 0, "supply time in the day")
row(0x2203, 2, 2, 6, "DOUBLE_LONG_U", 0, "min", "DUR_POWER_ON_MONTH", "VALUE", 0, "supply time in the month")
row(0x2203, 2, 0, 6, "STRUCT", 0, "", None, "STRUCT", 0, "supply time {day, month}")
row(0x2204, 2, 1, 6, "LONG_U", 0, "", "CNT_RESET_DAY", "VALUE", 0, "resets in the day")
row(0x2204, 2, 2, 6, "LONG_U", 0, "", "CNT_RESET_MONTH", "VALUE", 0, "resets in the month")
row(0x2204, 2, 0, 6, "STRUCT", 0, "", None, "STRUCT", 0, "terminal resets {day, month}")

# ---- events: IC 24 (per phase; attribute 6 total, 7..9 phases A..C, 10 current values), IC 7 (attribute 2 records, 7 current values) ----
PHASE_EVENTS = [
    (0x3000, "voltage loss", "CNT_V_LOSS"), (0x3001, "undervoltage", "CNT_UNDERVOLTAGE"),
    (0x3002, "overvoltage", "CNT_OVERVOLTAGE"), (0x3003, "phase failure", "CNT_PHASE_FAIL"),
    (0x3004, "current loss", "CNT_I_LOSS"), (0x3005, "overcurrent", "CNT_OVERCURRENT"),
    (0x3006, "current break", None), (0x3007, "power reversal", "CNT_REVERSE_POWER"),
    (0x3008, "overload", "CNT_OVERLOAD"),
]
for oi, name, item in PHASE_EVENTS:
    row(oi, 6, 0, 24, "STRUCT", 0, "", None, "RECORD", 0, name + " event records, total")
    for k, ph in ((7, "A"), (8, "B"), (9, "C")):
        row(oi, k, 0, 24, "STRUCT", 0, "", None, "RECORD", 0, "%s event records, phase %s" % (name, ph))
    row(oi, 10, 0, 24, "STRUCT", 0, "", item, "EVENT_COUNTS", 0, name + " event counts and durations")
EVENTS = [
    (0x3009, "forward active demand overrun", None), (0x300A, "reverse active demand overrun", None),
    (0x300B, "reactive demand overrun", None), (0x300C, "power factor below limit", None),
    (0x300D, "total voltage loss", "CNT_V_LOSS_ALL"), (0x300E, "auxiliary supply loss", None),
    (0x300F, "voltage reverse phase sequence", None), (0x3010, "current reverse phase sequence", None),
    (0x3011, "power down", "CNT_POWER_DOWN"), (0x3012, "programming", "CNT_PROGRAM"),
    (0x3013, "meter clear", "CNT_METER_CLEAR"), (0x3014, "demand clear", "CNT_DEMAND_CLEAR"),
    (0x3015, "event clear", "CNT_EVENT_CLEAR"), (0x3016, "clock set", "CNT_CLOCK_SET"),
    (0x3017, "day period table programming", None), (0x3018, "time zone table programming", None),
    (0x3019, "weekly rest day programming", None), (0x301A, "settlement day programming", None),
    (0x301B, "meter cover open", "CNT_COVER_OPEN"), (0x301C, "terminal cover open", "CNT_TERMINAL_COVER_OPEN"),
    (0x301D, "voltage unbalance", "CNT_U_UNBALANCE"), (0x301E, "current unbalance", "CNT_I_UNBALANCE"),
    (0x301F, "relay trip", "CNT_TRIP"), (0x3020, "relay close", "CNT_CLOSE"),
    (0x3021, "holiday programming", None), (0x3022, "active combination mode programming", None),
    (0x3023, "reactive combination mode programming", None), (0x3024, "tariff price programming", None),
    (0x3025, "step table programming", None), (0x3026, "key update", None),
    (0x3027, "abnormal card insertion", None), (0x3028, "purchase", None), (0x3029, "refund", None),
    (0x302A, "constant magnetic field interference", None), (0x302B, "load switch malfunction", None),
    (0x302C, "power supply abnormal", None), (0x302D, "current severe unbalance", None),
    (0x302E, "clock fault", None), (0x302F, "metering chip fault", None),
    (0x3100, "terminal initialisation", None), (0x3101, "terminal version change", None),
    (0x3104, "terminal state change", None), (0x3105, "meter clock out of tolerance", None),
    (0x3106, "terminal power off/on", None), (0x3107, "DC analog above upper limit", None),
    (0x3108, "DC analog below lower limit", None), (0x3109, "message authentication error", None),
    (0x310A, "device fault", None), (0x310B, "meter energy decrease", None),
    (0x310C, "energy over-run", None), (0x310D, "meter flying", None), (0x310E, "meter stopped", None),
    (0x310F, "meter reading failure", None), (0x3110, "monthly traffic over limit", None),
    (0x3111, "unknown meter found", None), (0x3112, "cross-area meter found", None),
    (0x3114, "time synchronisation", None), (0x3115, "remote control", None),
    (0x3116, "active/reactive power difference", None), (0x3117, "output circuit switch state change", None),
    (0x3118, "terminal programming", None), (0x3119, "terminal current circuit abnormal", None),
    (0x3200, "power control trip", None), (0x3201, "energy control trip", None),
    (0x3202, "purchase parameter change", None), (0x3203, "energy control alarm", None),
]
for oi, name, item in EVENTS:
    row(oi, 2, 0, 7, "STRUCT", 0, "", None, "RECORD", 0, name + " event records")
    row(oi, 7, 0, 7, "STRUCT", 0, "", item, "EVENT_COUNTS", 0, name + " event counts and durations")

# ---- parameters (IC 8) ----
P = [
    (0x4000, "DATETIME_S", "CLOCK", "date-time"), (0x4001, "OCTETS", "DEVICE_ADDR", "communication address"),
    (0x4002, "OCTETS", "METER_NUMBER", "meter number"), (0x4003, "OCTETS", "CUSTOMER_NUMBER", "customer number"),
    (0x4004, "STRUCT", None, "device location {longitude, latitude, height}"),
    (0x4005, "ARRAY", None, "group addresses (array octet-string)"),
    (0x4006, "STRUCT", None, "clock source {source enum, state enum}"),
    (0x4007, "STRUCT", None, "LCD parameters"),
    (0x4008, "DATETIME_S", None, "standby time zone table switch time"),
    (0x4009, "DATETIME_S", None, "standby day period table switch time"),
    (0x400A, "DATETIME_S", None, "standby tariff price switch time"),
    (0x400B, "DATETIME_S", None, "standby step price switch time"),
    (0x400C, "STRUCT", None, "time zone and period counts {zones, day tables, periods, tariffs, holidays}"),
    (0x400D, "UNSIGNED", None, "step count"), (0x400E, "UNSIGNED", None, "harmonic analysis order"),
    (0x400F, "UNSIGNED", None, "key count"), (0x4010, "UNSIGNED", None, "metering element count"),
    (0x4011, "ARRAY", None, "public holidays (array {date, day table})"),
    (0x4012, "BITSTRING", None, "weekly rest day character"), (0x4013, "UNSIGNED", None, "weekly rest day table number"),
    (0x4014, "ARRAY", None, "current time zone table (array {month, day, day table})"),
    (0x4015, "ARRAY", None, "standby time zone table"),
    (0x4016, "ARRAY", None, "current day period tables (array of array {hour, minute, tariff})"),
    (0x4017, "ARRAY", None, "standby day period tables"),
    (0x4018, "ARRAY", None, "current tariff prices (array double-long-unsigned, -4 CNY/kWh)"),
    (0x4019, "ARRAY", None, "standby tariff prices"), (0x401A, "STRUCT", None, "current step prices"),
    (0x401B, "STRUCT", None, "standby step prices"),
    (0x401C, "DOUBLE_LONG_U", "CT_RATIO", "current transformer ratio"),
    (0x401D, "DOUBLE_LONG_U", "PT_RATIO", "voltage transformer ratio"),
    (0x401E, "STRUCT", None, "money alarm limits {limit 1, limit 2}"),
    (0x401F, "STRUCT", None, "other money limits {overdraft, hoarding, close allowed}"),
    (0x4020, "STRUCT", None, "energy alarm limits"), (0x4021, "STRUCT", None, "other energy limits"),
    (0x4030, "STRUCT", None, "voltage qualification parameters {upper, lower, qualified upper, qualified lower}"),
    (0x4100, "UNSIGNED", "DEMAND_PERIOD", "maximum demand period (min)"), (0x4101, "UNSIGNED", None, "demand slip time (min)"),
    (0x4102, "UNSIGNED", None, "calibration pulse width (ms)"), (0x4103, "VISIBLE", None, "asset management code"),
    (0x4104, "VISIBLE", None, "rated voltage"), (0x4105, "VISIBLE", None, "rated current"),
    (0x4106, "VISIBLE", None, "maximum current"), (0x4107, "VISIBLE", None, "active accuracy class"),
    (0x4108, "VISIBLE", None, "reactive accuracy class"),
    (0x4109, "DOUBLE_LONG_U", "METER_CONST_P", "active meter constant (imp/kWh)"),
    (0x410A, "DOUBLE_LONG_U", "METER_CONST_Q", "reactive meter constant (imp/kvarh)"),
    (0x410B, "VISIBLE", None, "meter model"), (0x410C, "STRUCT", None, "phase A conductance coefficients"),
    (0x4111, "VISIBLE", None, "software filing number"),
    (0x4112, "BITSTRING", None, "active combination mode word"),
    (0x4113, "BITSTRING", None, "reactive combination mode 1 word"),
    (0x4114, "BITSTRING", None, "reactive combination mode 2 word"),
    (0x4116, "ARRAY", None, "settlement days (array {day, hour})"),
    (0x4117, "TI", None, "interval demand freeze period"),
    (0x4300, "VISIBLE", None, "electrical device description"),
    (0x4400, "STRUCT", None, "application connection object list"),
    (0x4401, "VISIBLE", None, "application connection authentication password"),
    (0x4500, "STRUCT", None, "public network module 1 communication configuration"),
    (0x4501, "STRUCT", None, "public network module 2 communication configuration"),
    (0x4510, "STRUCT", None, "Ethernet 1 communication configuration"),
]
for oi, typ, item, name in P:
    row(oi, 2, 0, 19 if oi == 0x4300 else 8, typ, 0, "", item, "VALUE" if item or typ not in ("STRUCT", "ARRAY") else "STRUCT", 0, name)
row(0x4000, 3, 0, 8, "ENUM", 0, "", None, "VALUE", 0, "clock adjust mode")
row(0x4300, 3, 0, 19, "STRUCT", 0, "", None, "STRUCT", 0, "version information {vendor, software version, date, hardware version, date, extension}")
row(0x4300, 4, 0, 19, "DATETIME_S", 0, "", None, "VALUE", 0, "production date")
row(0x4500, 3, 0, 25, "ARRAY", 0, "", None, "STRUCT", 0, "public network master station list")
row(0x4500, 10, 0, 25, "LONG", 0, "dBm", "SIGNAL_STRENGTH", "VALUE", 0, "public network signal strength")
row(0x4510, 3, 0, 26, "ARRAY", 0, "", None, "STRUCT", 0, "Ethernet master station list")

# ---- freezing (IC 9): attribute 2 record table, attribute 3 associated objects ----
for oi, name in ((0x5000, "instant"), (0x5001, "second"), (0x5002, "minute"), (0x5003, "hour"), (0x5004, "day"),
                 (0x5005, "settlement day"), (0x5006, "month"), (0x5007, "year"), (0x5008, "time zone switch"),
                 (0x5009, "day table switch"), (0x500A, "tariff price switch"), (0x500B, "step switch"),
                 (0x5011, "step settlement")):
    row(oi, 2, 0, 9, "STRUCT", 0, "", None, "RECORD", 0, name + " freeze records")
    row(oi, 3, 0, 9, "ARRAY", 0, "", None, "STRUCT", 0, name + " freeze objects (array {period, OAD, depth})")

# ---- collection monitoring (IC 10, 11) ----
for oi, ic, attr, typ, layout, name in (
        (0x6000, 11, 2, "ARRAY", "STRUCT", "meter archive table (array {number, basic, extended, annex})"),
        (0x6002, 11, 2, "ARRAY", "STRUCT", "search results (array {address, collector, protocol, phase, quality, time, annex})"),
        (0x6002, 11, 5, "ARRAY", "STRUCT", "cross-area search results"),
        (0x6002, 11, 8, "STRUCT", "STRUCT", "search parameters"),
        (0x6002, 11, 10, "UNSIGNED", "VALUE", "search result count"),
        (0x6012, 10, 2, "ARRAY", "STRUCT", "task configuration table (array {id, period TI, scheme type, scheme id, start, end, delay, priority, state ...})"),
        (0x6014, 11, 2, "ARRAY", "STRUCT", "normal collection scheme set"),
        (0x6016, 11, 2, "ARRAY", "STRUCT", "event collection scheme set"),
        (0x6018, 11, 2, "ARRAY", "STRUCT", "transparent scheme set"),
        (0x601C, 11, 2, "ARRAY", "STRUCT", "report scheme set"),
        (0x601E, 11, 2, "ARRAY", "STRUCT", "collection rule library"),
        (0x6032, 11, 2, "ARRAY", "STRUCT", "collection state set (array {address, relay level, relay address, port, last result, phase, ...})"),
        (0x6034, 11, 2, "ARRAY", "STRUCT", "task monitoring set (array {task, state, start, end, total, successes, sent, received})"),
        (0x6040, 8, 2, "DATETIME_S", "VALUE", "collection start time"),
        (0x6041, 8, 2, "DATETIME_S", "VALUE", "collection success time"),
        (0x6042, 8, 2, "DATETIME_S", "VALUE", "collection store time")):
    row(oi, attr, 0, ic, typ, 0, "", None, layout, 0, name)

# ---- control (IC 8 remote, IC 13 load control) ----
row(0x8000, 2, 0, 8, "STRUCT", 0, "", None, "STRUCT", 0, "remote control configuration {current threshold, delay}")
row(0x8000, 4, 0, 8, "BITSTRING", 0, "", None, "VALUE", 0, "remote control alarm state")
row(0x8000, 5, 0, 8, "BITSTRING", 0, "", "RELAY_STATE", "VALUE", 0, "remote control command state")
row(0x8001, 2, 0, 8, "ENUM", 0, "", None, "VALUE", 0, "keep power state (0 released, 1 kept, 2 automatic)")
row(0x8002, 2, 0, 8, "ENUM", 0, "", None, "VALUE", 0, "urge fee alarm state (0 off, 1 on)")
row(0x8100, 2, 0, 8, "LONG64", -4, "kW", None, "VALUE", 0, "terminal security power limit")
row(0x8101, 2, 0, 8, "ARRAY", 0, "", None, "STRUCT", 0, "terminal power control periods")
row(0x8102, 2, 0, 8, "ARRAY", 0, "", None, "STRUCT", 0, "power control alarm times (array unsigned min)")
for oi, name in ((0x8103, "period power control"), (0x8104, "factory rest control"), (0x8105, "business stop control"),
                 (0x8106, "current power down control"), (0x8107, "purchase energy control"),
                 (0x8108, "monthly energy control")):
    row(oi, 2, 0, 13, "ARRAY", 0, "", None, "STRUCT", 0, name + " scheme set")
    row(oi, 3, 0, 13, "ARRAY", 0, "", None, "STRUCT", 0, name + " input state (array {group OI, enum})")
    row(oi, 4, 0, 13, "ARRAY", 0, "", None, "STRUCT", 0, name + " output state")
    row(oi, 5, 0, 13, "ARRAY", 0, "", None, "STRUCT", 0, name + " alarm state")

# ---- file transfer (IC 18), ESAM (IC 21), security, ports (IC 22) ----
row(0xF000, 2, 0, 18, "STRUCT", 0, "", None, "STRUCT", 0, "file fragment transfer: file information")
row(0xF001, 2, 0, 18, "STRUCT", 0, "", None, "STRUCT", 0, "file block transfer: file information {source, target, size, attributes, version, type}")
row(0xF001, 3, 0, 18, "ENUM", 0, "", None, "VALUE", 0, "file block transfer: command result")
row(0xF001, 4, 0, 18, "STRUCT", 0, "", None, "STRUCT", 0, "file block transfer: block size and block state (bit-string)")
row(0xF002, 2, 0, 18, "STRUCT", 0, "", None, "STRUCT", 0, "file extended transfer: file information")
for attr, typ, name in ((2, "OCTETS", "ESAM serial number"), (3, "OCTETS", "ESAM version"),
                        (4, "OCTETS", "symmetric key version"), (5, "DOUBLE_LONG_U", "session time limit (min)"),
                        (6, "DOUBLE_LONG_U", "session remaining time (min)"), (7, "STRUCT", "current counters"),
                        (8, "STRUCT", "certificate versions"), (9, "OCTETS", "terminal certificate serial number"),
                        (10, "OCTETS", "terminal certificate"), (11, "OCTETS", "master station certificate serial number"),
                        (12, "OCTETS", "master station certificate"), (13, "ARRAY", "ESAM security storage object list")):
    row(0xF100, attr, 0, 21, typ, 0, "", None, "STRUCT" if typ in ("STRUCT", "ARRAY") else "VALUE", 0, name)
row(0xF101, 2, 0, 8, "ENUM", 0, "", None, "VALUE", 0, "security mode (0 off, 1 on)")
row(0xF101, 3, 0, 8, "ARRAY", 0, "", None, "STRUCT", 0, "explicit security mode parameters (array {OI, mode})")
for oi, name in ((0xF200, "RS-232 ports"), (0xF201, "RS-485 ports"), (0xF202, "infrared ports"),
                 (0xF203, "switch inputs"), (0xF204, "DC analog inputs"), (0xF205, "relay outputs"),
                 (0xF206, "alarm outputs"), (0xF207, "multi-function terminals"), (0xF209, "carrier / HPLC ports")):
    row(oi, 2, 0, 22, "ARRAY", 0, "", None, "STRUCT", 0, name + " (array of port descriptions)")

# ---- checks and output ----
rows.sort(key=lambda r: (r[0], r[1], r[2]))
keys = [(r[0], r[1], r[2]) for r in rows]
if len(keys) != len(set(keys)):
    sys.exit("duplicate rows")
items_def = open(os.path.join(ROOT, "include/meterhub/proto/items.def")).read()
for r in rows:
    if r[7] and not re.search(r"MH_ITEM\(%s," % r[7], items_def):
        sys.exit("unknown item %s" % r[7])

TYPE_C = {"STRUCT": "STRUCT", "ARRAY": "ARRAY"}


def c_row(r):
    oi, attr, el, ic, typ, sc, unit, item, layout, to, name = r
    nel = sum(1 for x in rows if x[0] == oi and x[1] == attr and x[2] != 0) if el == 0 else 0
    return '    {0x%04X, %d, %d, %d, DLT698_%s, %d, %d, DLT698_L_%s, %d, "%s", %s, "%s"},' % (
        oi, attr, el, ic, typ, sc, to, layout, nel, unit, "MH_ITEM_" + item if item else "0", name)


out = ["/*",
       " * DL/T 698.45 object dictionary (appendix B objects, appendix A types): do not",
       " * edit, generated by scripts/gen-dlt698-objects.py, which also writes the object",
       " * list in docs/protocols/dlt698.md. Sorted by OI, attribute, element.",
       " */",
       '#include "meterhub/proto/dlt698.h"',
       '#include "meterhub/proto/item.h"',
       "",
       "const struct dlt698_oi_def dlt698_oi_rows[] = {"]
out += [c_row(r) for r in rows]
out += ["};", "", "const size_t dlt698_oi_nrows = sizeof dlt698_oi_rows / sizeof dlt698_oi_rows[0];", "",
        "/* OI << 16 | attribute << 8 | element of each row, for the lookup's bisection. */",
        "const uint32_t dlt698_oi_keys[] = {"]
for i in range(0, len(rows), 6):
    out.append("    " + " ".join("0x%04X%02X%02X," % (r[0], r[1], r[2]) for r in rows[i:i + 6]))
out += ["};", ""]


# Perfect hash of the attribute rows (element 0): hash and displace. Key k = OI << 8 | attribute;
# bucket = top BUCKET_BITS of k * M1, slot = (top SLOT_BITS of k * M2 + displacement[bucket]) mod
# slots. Every attribute gets a slot of its own, so a lookup is one probe and one key compare.
SLOT_BITS, BUCKET_BITS, M1, M2 = 10, 8, 0x9E3779B1, 0x85EBCA6B
attrs = [(r[0] << 8 | r[1], i) for i, r in enumerate(rows) if r[2] == 0]
if len(attrs) > (1 << SLOT_BITS) * 3 // 4:
    sys.exit("too many attributes for the hash: raise SLOT_BITS")


def h(k, m, bits):
    return ((k * m) & 0xFFFFFFFF) >> (32 - bits)


buckets = {}
for k, i in attrs:
    buckets.setdefault(h(k, M1, BUCKET_BITS), []).append((k, i))
slots = [0] * (1 << SLOT_BITS)
disp = [0] * (1 << BUCKET_BITS)
for b, members in sorted(buckets.items(), key=lambda x: (-len(x[1]), x[0])):
    for d in range(1 << SLOT_BITS):
        want = [(h(k, M2, SLOT_BITS) + d) & ((1 << SLOT_BITS) - 1) for k, _ in members]
        if len(set(want)) == len(want) and all(slots[s] == 0 for s in want):
            break
    else:
        sys.exit("no displacement for bucket %d" % b)
    disp[b] = d
    for s, (k, i) in zip(want, members):
        slots[s] = i + 1
out += ["/*",
        " * Perfect hash of the attribute rows (dlt698_oi_lookup): k = OI << 8 | attribute,",
        " * slot = ((k * 0x%08X) >> %d) + dlt698_oi_disp[(k * 0x%08X) >> %d], mod %d;" % (
            M2, 32 - SLOT_BITS, M1, 32 - BUCKET_BITS, 1 << SLOT_BITS),
        " * dlt698_oi_slots[slot] is the row index + 1 (0: no attribute hashes there).",
        " */",
        "const uint16_t dlt698_oi_disp[%d] = {" % (1 << BUCKET_BITS)]
for i in range(0, len(disp), 16):
    out.append("    " + " ".join("%d," % x for x in disp[i:i + 16]))
out += ["};", "", "const uint16_t dlt698_oi_slots[%d] = {" % (1 << SLOT_BITS)]
for i in range(0, len(slots), 16):
    out.append("    " + " ".join("%d," % x for x in slots[i:i + 16]))
out += ["};", ""]
open(os.path.join(ROOT, "src/proto/dlt698/oi_table.c"), "w").write("\n".join(out))

TYPE_NAME = {"NULL": "null", "ARRAY": "array", "STRUCT": "structure", "BOOL": "bool", "BITSTRING": "bit-string",
             "DOUBLE_LONG": "double-long", "DOUBLE_LONG_U": "double-long-unsigned", "OCTETS": "octet-string",
             "VISIBLE": "visible-string", "UTF8": "UTF8-string", "INTEGER": "integer", "LONG": "long",
             "UNSIGNED": "unsigned", "LONG_U": "long-unsigned", "LONG64": "long64", "LONG64_U": "long64-unsigned",
             "ENUM": "enum", "FLOAT32": "float32", "FLOAT64": "float64", "DATETIME": "date_time", "DATE": "date",
             "TIME": "time", "DATETIME_S": "date_time_s", "TI": "TI"}


def item_text(item):
    if not item:
        return ""
    m = re.search(r"MH_ITEM\(%s, (\d+), (\d+), (\d+), (\d+), (\d+)," % item, items_def)
    return "%s (%s)" % (".".join(m.groups()), item)


doc = ["<!-- objects:begin (generated by scripts/gen-dlt698-objects.py; do not edit) -->", "",
       "| OI | attr | el | IC | type | scaler | unit | to item | layout | item | object |",
       "|---|---|---|---|---|---|---|---|---|---|---|"]
for r in rows:
    oi, attr, el, ic, typ, sc, unit, item, layout, to, name = r
    doc.append("| %04X | %d | %d | %d | %s | %d | %s | %d | %s | %s | %s |" % (
        oi, attr, el, ic, TYPE_NAME[typ], sc, unit, to, layout.lower(), item_text(item), name))
doc += ["", "<!-- objects:end -->"]
path = os.path.join(ROOT, "docs/protocols/dlt698.md")
text = open(path).read()
a = text.find("<!-- objects:begin")
b = text.find("<!-- objects:end -->")
if a < 0 or b < 0:
    sys.exit("docs/protocols/dlt698.md has no objects:begin/end markers")
text = text[:a] + "\n".join(doc) + text[b + len("<!-- objects:end -->"):]
open(path, "w").write(text)
print("%d rows" % len(rows))
