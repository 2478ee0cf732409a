/*
 * The halves of the listing statements (store_int.h enum store_list_query)
 * that SQLite and PostgreSQL read alike: the selected columns, in the
 * order list.c reads them, and the joins. Each backend's SQL table
 * (sqlite/sqlite_sql.c, postgres/pg_sql.c) adds its WHERE with its own
 * parameter syntax.
 */
#ifndef MH_STORE_LIST_SQL_H
#define MH_STORE_LIST_SQL_H

/*
 * A terminal's last link row: an offline and an online at the same
 * millisecond are a reconnection (docs/store.md), so online wins the tie.
 */
#define TERMINAL_SQL                                                                               \
    "SELECT t.id, t.region, t.address, t.kind, t.protocol, t.channel_group, t.active,"             \
    " (SELECT COUNT(*) FROM points p WHERE p.terminal_id = t.id), l.online, l.t_ms"                \
    " FROM terminals t LEFT JOIN terminal_link l ON l.terminal_id = t.id"                          \
    " AND l.t_ms = (SELECT MAX(t_ms) FROM terminal_link x WHERE x.terminal_id = t.id)"             \
    " AND l.online = (SELECT MAX(online) FROM terminal_link y WHERE y.terminal_id = t.id"          \
    " AND y.t_ms = l.t_ms) "
#define METER_SQL                                                                                  \
    "SELECT m.id, m.address, m.protocol, m.phases, m.ct, m.pt, m.rated_voltage_v, m.contract_w,"   \
    " m.tariff, m.pv, m.pv_peak_w, c.code, a.code, m.area_meter, m.active, p.terminal_id, p.pn"    \
    " FROM meters m LEFT JOIN customers c ON c.id = m.customer_id"                                 \
    " LEFT JOIN areas a ON a.id = m.area_id LEFT JOIN points p ON p.meter_id = m.id "
/* The active archive in the import's columns (docs/archive-csv.md). */
#define EXPORT_SQL                                                                                 \
    "SELECT COALESCE(ar.code, ''), t.region, t.address, t.kind, t.protocol, t.channel_group,"      \
    " p.pn, m.address, m.protocol, m.phases, m.ct, m.pt, m.rated_voltage_v, m.contract_w,"         \
    " m.tariff, m.pv, m.pv_peak_w, COALESCE(c.code, ''), c.class, m.area_meter"                    \
    " FROM points p JOIN terminals t ON t.id = p.terminal_id JOIN meters m ON m.id = p.meter_id"   \
    " LEFT JOIN areas ar ON ar.id = m.area_id LEFT JOIN customers c ON c.id = m.customer_id"       \
    " WHERE m.active = 1 AND t.active = 1 "

/*
 * An area's user meters (store_area_daily_totals) with their readings of
 * item at the day boundaries FROM, FROM + 86400 .. TO, by meter and time:
 * a meter without any gives one row of NULLs, an area without meters one
 * row with a NULL meter, an unknown area none. Quality 3 is
 * STORE_Q_MISSING, a placeholder without a value. Served by areas' code,
 * meters_area and the readings key (meter, item, time).
 */
#define AREA_DAYS_SQL(code, item, from, to)                                                        \
    "SELECT m.id, r.data_time, r.mantissa, r.exponent FROM areas a"                                \
    " LEFT JOIN meters m ON m.area_id = a.id AND m.active = 1 AND m.area_meter = 0"                \
    " LEFT JOIN readings r ON r.meter_id = m.id AND r.item = " item " AND r.data_time >= " from    \
    " AND r.data_time <= " to " AND (r.data_time - " from ") % 86400 = 0 AND r.quality <> 3"       \
    " WHERE a.code = " code " ORDER BY m.id, r.data_time"

#endif
