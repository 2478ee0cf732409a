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
/* An area and its counts in the active archive. */
#define AREA_SQL                                                                                   \
    "SELECT a.id, a.code, a.region,"                                                               \
    " (SELECT COUNT(DISTINCT p.terminal_id) FROM meters m JOIN points p ON p.meter_id = m.id"      \
    " JOIN terminals t ON t.id = p.terminal_id"                                                    \
    " WHERE m.area_id = a.id AND m.active = 1 AND t.active = 1),"                                  \
    " (SELECT COUNT(*) FROM meters m WHERE m.area_id = a.id AND m.active = 1),"                    \
    " (SELECT MIN(m.id) FROM meters m WHERE m.area_id = a.id AND m.area_meter = 1"                 \
    " AND m.active = 1) FROM areas a "

/* Analytics results (analytics.c reads their columns in this order). */
#define CONSUMPTION_COLS                                                                           \
    "meter_id, day, quality, status, import_wh10, import_t1, import_t2, import_t3, import_t4,"     \
    " export_wh10, export_t1, export_t2, export_t3, export_t4"
#define LINELOSS_COLS                                                                              \
    "area_id, day, supply_wh10, users_wh10, loss_wh10, rate_ppm, rise_wh10, flags, users,"         \
    " missing, suspect1, suspect2, suspect3"
#define LINELOSS_SQL                                                                               \
    "SELECT l.area_id, l.day, l.supply_wh10, l.users_wh10, l.loss_wh10, l.rate_ppm, l.rise_wh10,"  \
    " l.flags, l.users, l.missing, l.suspect1, l.suspect2, l.suspect3, a.code"                     \
    " FROM lineloss_day l JOIN areas a ON a.id = l.area_id "
#define ALARM_COLS                                                                                 \
    "type, phase, meter_id, terminal_id, area_id, start_s, end_s, first_day, last_day,"            \
    " value_milli, limit_milli, evidence"
#define QUALITY_COLS                                                                               \
    "meter_id, day, samples, qualified_ppm, above_s, below_s, vmax_mv, t_vmax, vmin_mv, t_vmin,"   \
    " unbalance_ppm, outages, outage_s"
#define ALARM_SQL                                                                                  \
    "SELECT al.id, al.type, al.phase, al.meter_id, al.terminal_id, a.code, al.start_s, al.end_s,"  \
    " al.first_day, al.last_day, al.value_milli, al.limit_milli, al.evidence, al.ack_who,"         \
    " al.ack_ms FROM alarms al LEFT JOIN areas a ON a.id = al.area_id "

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

/* Orderly-use plans (plans.c reads their columns in this order). */
#define PLAN_COLS                                                                                  \
    "id, name, who, area, target_w, from_ms, to_ms, created_ms, max_pct, expect_w, short_w,"       \
    " baseline_w, after_w"
#define PLAN_USER_COLS                                                                             \
    "seq, meter_id, priority, customer, terminal_id, state, pct, contract_w, current_w, expect_w," \
    " command_id, released_id, baseline_w, after_w, detail"
/* Customers with their active meters. */
#define CUSTOMER_SQL                                                                               \
    "SELECT c.id, c.code, c.class,"                                                                \
    " (SELECT COUNT(*) FROM meters m WHERE m.customer_id = c.id AND m.active = 1), c.name"         \
    " FROM customers c "
/* Measurement points (terminal, pn) with their meter; id = terminal * 4096 + pn. */
#define POINT_SQL                                                                                  \
    "SELECT p.terminal_id * 4096 + p.pn, p.terminal_id, p.pn, t.region, t.address, t.protocol,"    \
    " m.id, m.address, m.protocol, a.code, c.code, m.active * t.active"                            \
    " FROM points p JOIN terminals t ON t.id = p.terminal_id JOIN meters m ON m.id = p.meter_id"   \
    " LEFT JOIN areas a ON a.id = m.area_id LEFT JOIN customers c ON c.id = m.customer_id "
/* Plans run by the clock (plans.c reads their columns in this order). */
#define PLAN_RUN_COLS                                                                              \
    "plan_id, state, reason, confirmer, ended_by, updated_ms, started_ms, ended_ms, detail"
#endif
