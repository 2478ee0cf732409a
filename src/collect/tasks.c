/*
 * Which tasks a terminal gets beyond its daily and monthly frozen
 * registers: the station's configuration, as data (docs/collect.md "Tasks
 * and their defaults"). The defaults are what a utility's collection
 * plan usually asks of each kind of terminal:
 *  - every 1376.1 terminal kind (special-transformer terminals,
 *    transformer monitors, concentrators): for every point the 15-minute
 *    active energy increments, import and export (AFN0D F97, F99), which
 *    billing by interval, load profiling and line loss by interval need
 *    (the day's curve status is theirs alone), and in the same request
 *    the total active power curve (F81) the load analysis compares them
 *    with (A.9 ends at 79.9999 kW: a larger load's points are "no
 *    data", which leaves the status alone, and are estimated from
 *    F97 - F99: curve_fill.c); for three-phase points (a special-transformer terminal's
 *    or transformer monitor's meter, a concentrator's three-phase
 *    meters: the archive's phases) the phase active power (F82..F84),
 *    voltage (F89..F91) and current (F92..F94) curves, which phase
 *    failure, voltage loss, imbalance and reversed-CT analysis read,
 *    and the reactive power curves, total and per phase (F85..F88), and
 *    the neutral current curve (F95), which power factor (reactive
 *    compensation) and neutral overload / imbalance analysis read.
 *    Single-phase meters have no phases B and C, and their voltage is
 *    the supply's: a utility does not spend 96 points a day per
 *    household on it.
 * A curve task's Fn go in one request for eight Pn, one data unit per DT
 * group of eight (1376.1 5.2.3.3.2); a task carries at most three Fn so
 * that eight points' 96-point curves stay one reply's readings. The tasks
 * after the first are secondary: a point's status of the day is its
 * energy curves', the others add to its data (their points missing are
 * seen by `check truth --curves`, not in the report). Realtime, every 1376.1
 * kind: the instantaneous values (AFN0C F25: power, reactive power, power
 * factor, voltage, current, neutral current, apparent power; a
 * concentrator answers its meters' latest) and the active energy
 * registers now (F129, F131), once a round in one frame of two data
 * units, with the read time the terminal gives them. The register readings
 * F101/F103 are not in the defaults: their point at 24:00 has the key of
 * the daily frozen register (meter, item, data time) with two decimals
 * instead of four, and would replace it.
 * DL/T 698.45 terminals (every kind): realtime voltages, currents, powers,
 * power factors and energy registers of the own meter and, by PROXY, of
 * the meters behind (task_dlt698_realtime.c), once a round; and the own
 * meter's 15-minute curve from its minute freeze 5002 and, for a
 * concentrator, its meters' curves from its task data (6012 attribute 3:
 * the minute freezes its collection scheme gathered; task_dlt698_curve.c).
 * DTUs with a DL/T 645-2007 meter: its voltages, currents, powers, power
 * factors and energy registers, once a round (task_dlt645_realtime.c), and
 * its 15-minute curves from its load records (task_dlt645_curve.c).
 */
#include "collect_int.h"
#include "meterhub/archive.h"
#include "meterhub/proto/gdw1376.h"

const struct ctask_kind ctask_gdw1376_curve_incr = {STORE_CLASS_CURVE, {97, 99}, 2, GDW1376_A15,
                                                    0, 0, 0};
const struct ctask_kind ctask_gdw1376_curve_power = {STORE_CLASS_CURVE, {97, 99, 81}, 3,
                                                     GDW1376_A15, 0, 0, 2};
const struct ctask_kind ctask_gdw1376_curve_phase_p = {STORE_CLASS_CURVE, {82, 83, 84}, 3,
                                                       GDW1376_A15, 1, 1, 0};
const struct ctask_kind ctask_gdw1376_curve_voltage = {STORE_CLASS_CURVE, {89, 90, 91}, 3,
                                                       GDW1376_A15, 1, 1, 0};
const struct ctask_kind ctask_gdw1376_curve_current = {STORE_CLASS_CURVE, {92, 93, 94}, 3,
                                                       GDW1376_A15, 1, 1, 0};
/* F85..F87 and F88 + F95 are in two DT groups (F81..F88, F89..F96): two requests' worth. */
const struct ctask_kind ctask_gdw1376_curve_reactive = {STORE_CLASS_CURVE, {85, 86, 87}, 3,
                                                        GDW1376_A15, 1, 1, 0};
const struct ctask_kind ctask_gdw1376_curve_reactive_c_neutral = {STORE_CLASS_CURVE, {88, 95}, 2,
                                                                  GDW1376_A15, 1, 1, 0};
const struct ctask_kind ctask_gdw1376_realtime_energy = {STORE_CLASS_REALTIME, {129, 131}, 2,
                                                         0, 0, 0, 0};
const struct ctask_kind ctask_gdw1376_realtime_instant = {STORE_CLASS_REALTIME, {25, 129, 131}, 3,
                                                          0, 0, 0, 0};

/* A utility's usual plan: energy and power curves of every point, phase curves of three-phase ones. */
static const struct ctask_kind *const curves_all[CCURVE_TASKS_MAX] = {
    &ctask_gdw1376_curve_power,   &ctask_gdw1376_curve_phase_p,
    &ctask_gdw1376_curve_voltage, &ctask_gdw1376_curve_current,
    &ctask_gdw1376_curve_reactive, &ctask_gdw1376_curve_reactive_c_neutral};
/* A 698.45 terminal's minute freezes, its own meter's and its meters': energy, power, voltage, current. */
static const struct ctask_kind *const curves_698[CCURVE_TASKS_MAX] = {&ctask_dlt698_curve};
/* A DTU's DL/T 645 meter: its load records, energy, U I f, P Q and power factors. */
static const struct ctask_kind *const curves_645[CCURVE_TASKS_MAX] = {&ctask_dlt645_curve};

static const struct {
    uint8_t kind, protocol;
    const struct ctask_kind *const *curves; /* CCURVE_TASKS_MAX, NULL-padded */
    const struct ctask_kind *realtime;
} plan[] = {
    {ARCHIVE_KIND_SPECIAL_TRANSFORMER, ARCHIVE_PROTO_GDW1376, curves_all,
     &ctask_gdw1376_realtime_instant},
    {ARCHIVE_KIND_TRANSFORMER_MONITOR, ARCHIVE_PROTO_GDW1376, curves_all,
     &ctask_gdw1376_realtime_instant},
    {ARCHIVE_KIND_CONCENTRATOR, ARCHIVE_PROTO_GDW1376, curves_all,
     &ctask_gdw1376_realtime_instant},
    {ARCHIVE_KIND_SPECIAL_TRANSFORMER, ARCHIVE_PROTO_DLT698, curves_698, &ctask_dlt698_realtime},
    {ARCHIVE_KIND_TRANSFORMER_MONITOR, ARCHIVE_PROTO_DLT698, curves_698, &ctask_dlt698_realtime},
    {ARCHIVE_KIND_CONCENTRATOR, ARCHIVE_PROTO_DLT698, curves_698, &ctask_dlt698_realtime},
    {ARCHIVE_KIND_DTU, ARCHIVE_PROTO_DLT645_2007, curves_645, &ctask_dlt645_realtime},
};

const struct ctask_kind *ctask_realtime_for(unsigned terminal_kind, unsigned protocol)
{
    for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
        if (plan[i].kind == terminal_kind && plan[i].protocol == protocol)
            return plan[i].realtime;
    return NULL;
}

const struct ctask_kind *ctask_curve_for(unsigned terminal_kind, unsigned protocol, unsigned k)
{
    for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
        if (plan[i].kind == terminal_kind && plan[i].protocol == protocol)
            return k < CCURVE_TASKS_MAX ? plan[i].curves[k] : NULL;
    return NULL;
}
