/*
 * Which tasks a terminal gets beyond its daily and monthly frozen
 * registers: the station's configuration, as data (docs/collect.md "Tasks
 * and their defaults"). The defaults are what a utility's collection
 * plan usually asks of each kind of terminal:
 *  - every 1376.1 terminal kind (special-transformer terminals,
 *    transformer monitors, concentrators): the 15-minute active energy
 *    increments, import and export (AFN0D F97, F99), which billing by
 *    interval, load profiling and line loss by interval need.
 * The Fn of one curve task share a DT group of eight (1376.1 5.2.3.3.2),
 * so one request carries them all for eight Pn. Realtime, every 1376.1
 * kind: the active energy registers now (AFN0C F129, F131, one DT group),
 * once a round, with the read time the terminal gives them. The register readings
 * F101/F103 are not in the defaults: their point at 24:00 has the key of
 * the daily frozen register (meter, item, data time) with two decimals
 * instead of four, and would replace it.
 * DL/T 698.45 terminals (every kind): realtime voltages, currents, powers,
 * power factors and energy registers of the own meter and, by PROXY, of
 * the meters behind (task_dlt698_realtime.c), once a round; and the own
 * meter's 15-minute curve from its minute freeze 5002 (task_dlt698_curve.c).
 * DTUs with a DL/T 645-2007 meter: its voltages, currents, powers, power
 * factors and energy registers, once a round (task_dlt645_realtime.c).
 */
#include "collect_int.h"
#include "meterhub/archive.h"
#include "meterhub/proto/gdw1376.h"

const struct ctask_kind ctask_gdw1376_curve_incr = {STORE_CLASS_CURVE, {97, 99}, 2, GDW1376_A15};
const struct ctask_kind ctask_gdw1376_realtime_energy = {STORE_CLASS_REALTIME, {129, 131}, 2, 0};

static const struct {
    uint8_t kind, protocol;
    const struct ctask_kind *curve, *realtime;
} plan[] = {
    {ARCHIVE_KIND_SPECIAL_TRANSFORMER, ARCHIVE_PROTO_GDW1376, &ctask_gdw1376_curve_incr,
     &ctask_gdw1376_realtime_energy},
    {ARCHIVE_KIND_TRANSFORMER_MONITOR, ARCHIVE_PROTO_GDW1376, &ctask_gdw1376_curve_incr,
     &ctask_gdw1376_realtime_energy},
    {ARCHIVE_KIND_CONCENTRATOR, ARCHIVE_PROTO_GDW1376, &ctask_gdw1376_curve_incr,
     &ctask_gdw1376_realtime_energy},
    {ARCHIVE_KIND_SPECIAL_TRANSFORMER, ARCHIVE_PROTO_DLT698, &ctask_dlt698_curve,
     &ctask_dlt698_realtime},
    {ARCHIVE_KIND_TRANSFORMER_MONITOR, ARCHIVE_PROTO_DLT698, &ctask_dlt698_curve,
     &ctask_dlt698_realtime},
    {ARCHIVE_KIND_CONCENTRATOR, ARCHIVE_PROTO_DLT698, &ctask_dlt698_curve,
     &ctask_dlt698_realtime},
    {ARCHIVE_KIND_DTU, ARCHIVE_PROTO_DLT645_2007, NULL, &ctask_dlt645_realtime},
};

const struct ctask_kind *ctask_realtime_for(unsigned terminal_kind, unsigned protocol)
{
    for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
        if (plan[i].kind == terminal_kind && plan[i].protocol == protocol)
            return plan[i].realtime;
    return NULL;
}

const struct ctask_kind *ctask_curve_for(unsigned terminal_kind, unsigned protocol)
{
    for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
        if (plan[i].kind == terminal_kind && plan[i].protocol == protocol)
            return plan[i].curve;
    return NULL;
}
