/*
 * Every statement the PostgreSQL backend prepares, in one table indexed by
 * enum pg_query. Parameters are sent as text and typed here by cast where
 * PostgreSQL could not infer them.
 */
#include "list_sql.h"
#include "pg_int.h"

/*
 * Success rate: active meters grouped by KEY (shown as OUT, ordered by
 * ORDER: byte order for texts, as SQLite's), with that day's status.
 */
#define RATE_SQL(key, out, order)                                                                     \
    "SELECT " out ", count(*), count(*) FILTER (WHERE s.reason = 0),"                         \
    " count(*) FILTER (WHERE s.reason > 0), count(*) FILTER (WHERE s.first_reason = 0)"        \
    " FROM meters m JOIN points p ON p.meter_id = m.id"                                       \
    " JOIN terminals t ON t.id = p.terminal_id"                                               \
    " LEFT JOIN collection_status s"                                                          \
    "   ON s.day = $1 AND s.item_class = $2 AND s.meter_id = m.id"                            \
    " WHERE m.active = 1 GROUP BY " key " ORDER BY " order " LIMIT $3"

/* A reading's value and quality equal another's: by value, 12.30 = 12.3. */
#define SAME_VALUE(a, b)                                                                       \
    "(" a ".mantissa::numeric * 10::numeric ^ " a ".exponent = " b                             \
    ".mantissa::numeric * 10::numeric ^ " b ".exponent AND " a ".quality = " b ".quality)"

static const char *const sql[PQ_COUNT_] = {
    [PQ_RANGE] = "SELECT data_time, mantissa, exponent, quality, protocol, terminal_id, received_ms"
                 " FROM readings WHERE meter_id = $1 AND item = $2"
                 " AND data_time >= $3 AND data_time < $4 ORDER BY data_time LIMIT $5",
    [PQ_LATEST] = "SELECT data_time, mantissa, exponent, quality, protocol, terminal_id, received_ms"
                  " FROM readings WHERE meter_id = $1 AND item = $2"
                  " ORDER BY data_time DESC LIMIT 1",
    /*
     * One key probe per meter, in meter order from the cursor: a LATERAL
     * subquery with LIMIT is never turned into an anti-join, which with a
     * generic plan became a merge over the whole readings key, read again
     * from its start for every page (seconds a page at 1,000,000 meters).
     */
    [PQ_MISSING] = "SELECT m.id, p.terminal_id, p.pn, m.address"
                   " FROM meters m JOIN points p ON p.meter_id = m.id"
                   " LEFT JOIN LATERAL (SELECT 1 AS hit FROM readings r WHERE r.meter_id = m.id"
                   "  AND r.item = $1 AND r.data_time >= $2 AND r.data_time < $3 LIMIT 1) x ON true"
                   " WHERE m.active = 1 AND m.id > $4 AND x.hit IS NULL"
                   " ORDER BY m.id LIMIT $5",
    [PQ_STATUS_UPSERT] = "INSERT INTO collection_status"
                         " (day, item_class, meter_id, reason, attempts, updated_ms, first_reason)"
                         " VALUES ($1, $2, $3, $4, $5, $6, $4)"
                         " ON CONFLICT (day, item_class, meter_id) DO UPDATE SET"
                         " reason = excluded.reason, attempts = excluded.attempts,"
                         " updated_ms = excluded.updated_ms",
    [PQ_RATE_KIND] = RATE_SQL("t.kind", "t.kind::text", "t.kind"),
    [PQ_RATE_TPROTO] = RATE_SQL("t.protocol", "t.protocol::text", "t.protocol"),
    [PQ_RATE_MPROTO] = RATE_SQL("m.protocol", "m.protocol::text", "m.protocol"),
    [PQ_RATE_CHANNEL] = RATE_SQL("t.channel_group", "t.channel_group",
                                 "t.channel_group COLLATE \"C\""),
    [PQ_RATE_REGION] = RATE_SQL("t.region", "lpad(to_hex(t.region), 4, '0')", "t.region"),
    [PQ_REASONS] = "SELECT reason, count(*) FROM collection_status"
                   " WHERE day = $1 AND item_class = $2 AND reason > 0 GROUP BY reason",
    [PQ_AREA_UPSERT] = "INSERT INTO areas (code, region) VALUES ($1, $2)"
                       " ON CONFLICT (code) DO UPDATE SET region = excluded.region RETURNING id",
    [PQ_CUSTOMER_UPSERT] = "INSERT INTO customers (code, class) VALUES ($1, $2)"
                           " ON CONFLICT (code) DO UPDATE SET class = excluded.class RETURNING id",
    [PQ_TERMINAL_UPSERT] = "INSERT INTO terminals (region, address, kind, protocol, channel_group,"
                           " active) VALUES ($1, $2, $3, $4, $5, 2) ON CONFLICT (region, address)"
                           " DO UPDATE SET kind = excluded.kind, protocol = excluded.protocol,"
                           " channel_group = excluded.channel_group, active = 2 RETURNING id",
    /* active = 2 marks "in this import"; see pg_archive_import. */
    [PQ_METER_UPDATE] = "UPDATE meters SET protocol = $2::int, phases = $3::int, ct = $4::bigint,"
                        " pt = $5::bigint, rated_voltage_v = $6::int, contract_w = $7::bigint,"
                        " tariff = $8::text, pv = $9::int, pv_peak_w = $10::bigint,"
                        " customer_id = $11::bigint, area_id = $12::bigint, area_meter = $13::int,"
                        " active = 2 WHERE address = $1::bigint AND active <> 2 AND (active = 0 OR"
                        " (protocol, phases, ct, pt, rated_voltage_v, contract_w, tariff, pv,"
                        "  pv_peak_w, customer_id, area_id, area_meter) IS DISTINCT FROM"
                        " ($2::int, $3::int, $4::bigint, $5::bigint, $6::int, $7::bigint,"
                        "  $8::text, $9::int, $10::bigint, $11::bigint, $12::bigint, $13::int))",
    [PQ_METER_TOUCH] = "UPDATE meters SET active = 2 WHERE address = $1 AND active = 1",
    [PQ_METER_INSERT] = "INSERT INTO meters (address, protocol, phases, ct, pt, rated_voltage_v,"
                        " contract_w, tariff, pv, pv_peak_w, customer_id, area_id, area_meter,"
                        " active) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 2)",
    [PQ_POINT_INSERT] = "INSERT INTO points (terminal_id, pn, meter_id)"
                        " SELECT $1, $2, id FROM meters WHERE address = $3",
    [PQ_TERMINAL_LOOKUP] = "SELECT id, region, address, kind, protocol, channel_group"
                           " FROM terminals WHERE region = $1 AND address = $2 AND active = 1",
    /* A terminal whose address alone is unique (DL/T 698.45 server addresses); at most 2 rows. */
    [PQ_TERMINAL_FIND] = "SELECT id, region, address, kind, protocol, channel_group"
                         " FROM terminals WHERE address = $1 AND active = 1 LIMIT 2",
    [PQ_TERMINAL_POINTS] = "SELECT p.pn, m.id, m.address, m.protocol, m.phases, m.ct, m.pt,"
                           " m.rated_voltage_v, COALESCE(m.area_id, 0), m.area_meter"
                           " FROM points p JOIN meters m ON m.id = p.meter_id"
                           " WHERE p.terminal_id = $1 ORDER BY p.pn LIMIT $2",
    /* Stored once (events_once, migration 004): a copy re-reported or read again is no error. */
    [PQ_EVENT_INSERT] = "INSERT INTO events (meter_id, terminal_id, code, start_s, end_s, payload,"
                        " seq) VALUES (NULLIF($1::bigint, 0), NULLIF($2::bigint, 0), $3,"
                        " $4, NULLIF($5::bigint, 0), $6::jsonb, $7) ON CONFLICT DO NOTHING",
    [PQ_LINK_INSERT] = "INSERT INTO terminal_link (terminal_id, t_ms, online, reason)"
                       " VALUES ($1, $2, $3, $4) ON CONFLICT (terminal_id, t_ms, online)"
                       " DO UPDATE SET reason = excluded.reason",
    [PQ_LINK_BEFORE] = "SELECT online FROM terminal_link WHERE terminal_id = $1 AND t_ms < $2"
                       " ORDER BY t_ms DESC, online DESC LIMIT 1",
    [PQ_LINK_RANGE] = "SELECT t_ms, online FROM terminal_link WHERE terminal_id = $1"
                      " AND t_ms >= $2 AND t_ms < $3 ORDER BY t_ms, online",
    [PQ_AUDIT_INSERT] = "INSERT INTO audit (who, t_ms, what, result) VALUES ($1, $2, $3, $4)",
    /* The digest travels as hex text: decode($3, 'hex'). */
    [PQ_TOKEN_ADD] = "INSERT INTO api_tokens (name, role, hash, created_ms)"
                     " VALUES ($1, $2, decode($3, 'hex'), $4) ON CONFLICT DO NOTHING",
    [PQ_TOKEN_CHECK] = "SELECT name, role, created_ms, revoked FROM api_tokens"
                       " WHERE hash = decode($1, 'hex') AND revoked = 0",
    [PQ_TOKEN_LIST] = "SELECT name, role, created_ms, revoked FROM api_tokens"
                      " ORDER BY name COLLATE \"C\" LIMIT $1",
    [PQ_TOKEN_REVOKE] = "UPDATE api_tokens SET revoked = 1 WHERE name = $1",

    /* listings: columns in the order list.c reads them; same rows as SQLite's */
    [PQ_L_TERMINALS] = TERMINAL_SQL
    "WHERE t.id > $1::bigint AND ($2::int IS NULL OR t.region = $2::int)"
    " AND ($3::int IS NULL OR t.kind = $3::int) AND ($4::int IS NULL OR t.protocol = $4::int)"
    " AND ($5::text IS NULL OR t.channel_group = $5::text)"
    " AND ($6::int IS NULL OR COALESCE(l.online, 0) = $6::int)"
    " AND ($7::int IS NULL OR t.active = $7::int) ORDER BY t.id LIMIT $8::bigint",
    [PQ_L_TERMINAL_GET] = TERMINAL_SQL "WHERE t.id = $1::bigint",
    [PQ_L_LINKS] = "SELECT t_ms, online, reason FROM terminal_link WHERE terminal_id = $1::bigint"
                   " AND t_ms > $2::bigint AND t_ms >= $3::bigint AND t_ms < $4::bigint"
                   " ORDER BY t_ms, online LIMIT $5::bigint",
    [PQ_L_METERS] = METER_SQL
    "WHERE m.id > $1::bigint AND ($2::bigint IS NULL OR p.terminal_id = $2::bigint)"
    " AND ($3::text IS NULL OR a.code = $3::text) AND ($4::int IS NULL OR m.protocol = $4::int)"
    " AND ($5::text IS NULL OR c.code = $5::text)"
    " AND ($6::bigint IS NULL OR m.address = $6::bigint)"
    " AND ($7::int IS NULL OR m.active = $7::int) ORDER BY m.id LIMIT $8::bigint",
    [PQ_L_METER_GET] = METER_SQL "WHERE m.id = $1::bigint",
    /* byte order of the addresses, as SQLite sorts them */
    [PQ_L_EXPORT] = EXPORT_SQL "ORDER BY t.region, t.address COLLATE \"C\", p.pn",
    [PQ_L_EVENTS] = "SELECT id, meter_id, terminal_id, code, start_s, end_s, payload::text"
                    " FROM events WHERE id > $1::bigint"
                    " AND ($2::bigint IS NULL OR meter_id = $2::bigint)"
                    " AND ($3::bigint IS NULL OR terminal_id = $3::bigint)"
                    " AND ($4::bigint IS NULL OR code = $4::bigint) AND start_s >= $5::bigint"
                    " AND start_s < $6::bigint ORDER BY id LIMIT $7::bigint",
    [PQ_L_AUDIT] = "SELECT id, who, t_ms, what, result FROM audit WHERE id > $1::bigint"
                   " AND t_ms >= $2::bigint AND t_ms < $3::bigint"
                   " AND ($4::text IS NULL OR who = $4::text) ORDER BY id LIMIT $5::bigint",
    [PQ_L_STATUS] = "SELECT meter_id, item_class, day, reason, attempts, updated_ms"
                    " FROM collection_status WHERE day = $1::bigint AND item_class = $2::int"
                    " AND meter_id > $3::bigint AND ($4::int IS NULL OR reason = $4::int)"
                    " AND ($5::int = 0 OR reason <> 0) ORDER BY meter_id LIMIT $6::bigint",
    [PQ_L_AREAS] = AREA_SQL "WHERE a.id > $1::bigint AND ($2::int IS NULL OR a.region = $2::int)"
                            " ORDER BY a.id LIMIT $3::bigint",
    [PQ_L_AREA_GET] = AREA_SQL "WHERE a.id = $1::bigint",
    /* one ordered scan of the readings' key: rows after the cursor within [from, to) */
    [PQ_L_READINGS_SCAN] = "SELECT meter_id, item, data_time, mantissa, exponent, quality, protocol,"
                           " terminal_id, received_ms FROM readings"
                           " WHERE (meter_id, item, data_time) > ($1::bigint, $2::bigint, $3::bigint)"
                           " AND data_time >= $4::bigint AND data_time < $5::bigint"
                           " ORDER BY meter_id, item, data_time LIMIT $6::bigint",
    [PQ_L_CONSUMPTION] = "SELECT " CONSUMPTION_COLS " FROM consumption_day"
                         " WHERE ($1::bigint IS NULL OR meter_id = $1::bigint)"
                         " AND day >= $2::bigint AND day < $3::bigint"
                         " AND (meter_id, day) > ($4::bigint, $5::bigint)"
                         " ORDER BY meter_id, day LIMIT $6::bigint",
    [PQ_L_LINELOSS] = LINELOSS_SQL "WHERE ($1::text IS NULL OR a.code = $1::text)"
                      " AND l.day >= $2::bigint AND l.day < $3::bigint"
                      " AND (l.area_id, l.day) > ($4::bigint, $5::bigint)"
                      " ORDER BY l.area_id, l.day LIMIT $6::bigint",
    [PQ_L_ALARMS] = ALARM_SQL "WHERE al.id > $1::bigint"
                    " AND ($2::int IS NULL OR al.type = $2::int)"
                    " AND ($3::bigint IS NULL OR al.meter_id = $3::bigint)"
                    " AND ($4::bigint IS NULL OR al.terminal_id = $4::bigint)"
                    " AND ($5::text IS NULL OR a.code = $5::text)"
                    " AND ($6::int IS NULL OR ($6::int = 1) = (al.end_s IS NULL))"
                    " AND al.start_s < $8::bigint"
                    " AND (al.end_s IS NULL OR al.end_s > $7::bigint OR al.start_s >= $7::bigint)"
                    " ORDER BY al.id LIMIT $9::bigint",
    [PQ_L_ALARM_GET] = ALARM_SQL "WHERE al.id = $1::bigint",
    [PQ_X_CONSUMPTION_PUT] = "INSERT INTO consumption_day (" CONSUMPTION_COLS ") VALUES ($1::bigint,"
                             " $2::bigint, $3::smallint, $4::smallint, $5::bigint, $6::bigint,"
                             " $7::bigint, $8::bigint, $9::bigint, $10::bigint, $11::bigint,"
                             " $12::bigint, $13::bigint, $14::bigint)"
                             " ON CONFLICT (meter_id, day) DO UPDATE SET quality = EXCLUDED.quality,"
                             " status = EXCLUDED.status, import_wh10 = EXCLUDED.import_wh10,"
                             " import_t1 = EXCLUDED.import_t1, import_t2 = EXCLUDED.import_t2,"
                             " import_t3 = EXCLUDED.import_t3, import_t4 = EXCLUDED.import_t4,"
                             " export_wh10 = EXCLUDED.export_wh10, export_t1 = EXCLUDED.export_t1,"
                             " export_t2 = EXCLUDED.export_t2, export_t3 = EXCLUDED.export_t3,"
                             " export_t4 = EXCLUDED.export_t4",
    [PQ_X_LINELOSS_PUT] = "INSERT INTO lineloss_day (" LINELOSS_COLS ") SELECT id, $2::bigint,"
                          " $3::bigint, $4::bigint, $5::bigint, $6::bigint, $7::bigint, $8::int,"
                          " $9::int, $10::int, $11::bigint, $12::bigint, $13::bigint"
                          " FROM areas WHERE code = $1::text"
                          " ON CONFLICT (area_id, day) DO UPDATE SET"
                          " supply_wh10 = EXCLUDED.supply_wh10, users_wh10 = EXCLUDED.users_wh10,"
                          " loss_wh10 = EXCLUDED.loss_wh10, rate_ppm = EXCLUDED.rate_ppm,"
                          " rise_wh10 = EXCLUDED.rise_wh10, flags = EXCLUDED.flags,"
                          " users = EXCLUDED.users, missing = EXCLUDED.missing,"
                          " suspect1 = EXCLUDED.suspect1, suspect2 = EXCLUDED.suspect2,"
                          " suspect3 = EXCLUDED.suspect3",
    [PQ_X_ALARM_PUT] = "INSERT INTO alarms (" ALARM_COLS ") VALUES ($1::int, $2::int, $3::bigint,"
                       " $4::bigint, (SELECT id FROM areas WHERE code = $5::text), $6::bigint,"
                       " $7::bigint, $8::bigint, $9::bigint, $10::bigint, $11::bigint, $12::text)"
                       " ON CONFLICT (type, meter_id, terminal_id, phase, start_s) DO UPDATE SET"
                       " area_id = EXCLUDED.area_id, end_s = EXCLUDED.end_s,"
                       " first_day = LEAST(alarms.first_day, EXCLUDED.first_day),"
                       " last_day = GREATEST(alarms.last_day, EXCLUDED.last_day),"
                       " value_milli = EXCLUDED.value_milli, limit_milli = EXCLUDED.limit_milli,"
                       " evidence = EXCLUDED.evidence",
    [PQ_L_QUALITY] = "SELECT " QUALITY_COLS " FROM quality_day"
                     " WHERE ($1::bigint IS NULL OR meter_id = $1::bigint)"
                     " AND day >= $2::bigint AND day < $3::bigint"
                     " AND (meter_id, day) > ($4::bigint, $5::bigint)"
                     " ORDER BY meter_id, day LIMIT $6::bigint",
    [PQ_X_QUALITY_PUT] = "INSERT INTO quality_day (" QUALITY_COLS ") VALUES ($1::bigint,"
                         " $2::bigint, $3::int, $4::bigint, $5::bigint, $6::bigint, $7::bigint,"
                         " $8::bigint, $9::bigint, $10::bigint, $11::bigint, $12::int, $13::bigint)"
                         " ON CONFLICT (meter_id, day) DO UPDATE SET samples = EXCLUDED.samples,"
                         " qualified_ppm = EXCLUDED.qualified_ppm, above_s = EXCLUDED.above_s,"
                         " below_s = EXCLUDED.below_s, vmax_mv = EXCLUDED.vmax_mv,"
                         " t_vmax = EXCLUDED.t_vmax, vmin_mv = EXCLUDED.vmin_mv,"
                         " t_vmin = EXCLUDED.t_vmin, unbalance_ppm = EXCLUDED.unbalance_ppm,"
                         " outages = EXCLUDED.outages, outage_s = EXCLUDED.outage_s",
    [PQ_X_ALARM_ACK] = "UPDATE alarms SET ack_who = $2::text, ack_ms = $3::bigint"
                       " WHERE id = $1::bigint AND ack_ms IS NULL",
    [PQ_L_AREA_DAYS] = AREA_DAYS_SQL("$1::text", "$2::bigint", "$3::bigint", "$4::bigint"),
    [PQ_L_PLAN_PUT] = "INSERT INTO plans (" PLAN_COLS ") VALUES (COALESCE($1::bigint, nextval("
                      "pg_get_serial_sequence('plans', 'id'))), $2::text, $3::text, $4::text, $5::bigint,"
                      " $6::bigint, $7::bigint, $8::bigint, $9::bigint, $10::bigint, $11::bigint,"
                      " $12::bigint, $13::bigint) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,"
                      " who = EXCLUDED.who, area = EXCLUDED.area, target_w = EXCLUDED.target_w,"
                      " from_ms = EXCLUDED.from_ms, to_ms = EXCLUDED.to_ms, max_pct = EXCLUDED.max_pct,"
                      " expect_w = EXCLUDED.expect_w, short_w = EXCLUDED.short_w,"
                      " baseline_w = EXCLUDED.baseline_w, after_w = EXCLUDED.after_w RETURNING id",
    [PQ_L_PLAN_GET] = "SELECT " PLAN_COLS " FROM plans WHERE id = $1::bigint",
    [PQ_L_PLAN_USERS] = "SELECT " PLAN_USER_COLS " FROM plan_users WHERE plan_id = $1::bigint ORDER BY seq",
    [PQ_L_CUSTOMERS] = CUSTOMER_SQL "WHERE c.id > $1::bigint AND ($2::text IS NULL OR c.code = $2::text)"
                       " AND ($3::int IS NULL OR c.class = $3::int) AND ($4::text IS NULL OR EXISTS"
                       " (SELECT 1 FROM meters m JOIN areas a ON a.id = m.area_id"
                       " WHERE m.customer_id = c.id AND a.code = $4::text))"
                       " AND ($6::text IS NULL OR strpos(c.name, $6::text) > 0) ORDER BY c.id LIMIT $5::bigint",
    [PQ_L_CUSTOMER_GET] = CUSTOMER_SQL "WHERE c.code = $1::text",
    /* paged on the points' key (terminal, pn), which the id encodes */
    [PQ_L_POINTS] = POINT_SQL "WHERE (p.terminal_id, p.pn) > ($1::bigint / 4096, ($1::bigint % 4096)::int)"
                    " AND ($2::bigint IS NULL OR p.terminal_id = $2::bigint)"
                    " AND ($3::bigint IS NULL OR p.meter_id = $3::bigint)"
                    " AND ($4::text IS NULL OR a.code = $4::text) AND ($5::int IS NULL OR m.protocol = $5::int)"
                    " ORDER BY p.terminal_id, p.pn LIMIT $6::bigint",
    [PQ_L_POINT_GET] = POINT_SQL "WHERE p.terminal_id = $1::bigint / 4096 AND p.pn = ($1::bigint % 4096)::int",
    [PQ_X_PLAN_USER_PUT] = "INSERT INTO plan_users (plan_id, " PLAN_USER_COLS ") VALUES ($1::bigint,"
                           " $2::bigint, $3::bigint, $4::bigint, $5::text, $6::bigint, $7::bigint, $8::bigint,"
                           " $9::bigint, $10::bigint, $11::bigint, $12::bigint, $13::bigint, $14::bigint,"
                           " $15::bigint, $16::text) ON CONFLICT (plan_id, seq) DO UPDATE SET"
                           " meter_id = EXCLUDED.meter_id, priority = EXCLUDED.priority,"
                           " customer = EXCLUDED.customer, terminal_id = EXCLUDED.terminal_id,"
                           " state = EXCLUDED.state, pct = EXCLUDED.pct, contract_w = EXCLUDED.contract_w,"
                           " current_w = EXCLUDED.current_w, expect_w = EXCLUDED.expect_w,"
                           " command_id = EXCLUDED.command_id, released_id = EXCLUDED.released_id,"
                           " baseline_w = EXCLUDED.baseline_w, after_w = EXCLUDED.after_w,"
                           " detail = EXCLUDED.detail",
    [PQ_L_PLAN_RUN_GET] = "SELECT " PLAN_RUN_COLS " FROM plan_runs WHERE plan_id = $1::bigint",
    [PQ_L_PLAN_RUNS] = "SELECT " PLAN_RUN_COLS " FROM plan_runs WHERE plan_id > $1::bigint"
                       " AND state BETWEEN $2::bigint AND $3::bigint ORDER BY plan_id LIMIT $4::bigint",
    [PQ_L_PLANS] = "SELECT " PLAN_COLS " FROM plans WHERE id > $1::bigint ORDER BY id LIMIT $2::bigint",
    [PQ_X_PLAN_RUN_PUT] = "INSERT INTO plan_runs (" PLAN_RUN_COLS ") VALUES ($1::bigint, $2::bigint, $3::text,"
                          " $4::text, $5::text, $6::bigint, $7::bigint, $8::bigint, $9::text)"
                          " ON CONFLICT (plan_id) DO UPDATE SET state = EXCLUDED.state,"
                          " reason = EXCLUDED.reason, confirmer = EXCLUDED.confirmer,"
                          " ended_by = EXCLUDED.ended_by, updated_ms = EXCLUDED.updated_ms,"
                          " started_ms = EXCLUDED.started_ms, ended_ms = EXCLUDED.ended_ms,"
                          " detail = EXCLUDED.detail",

    /*
     * The batch's first occurrence of each key, staged in key order: a new
     * key costs this one insert. The staged rows it inserted are moved to
     * round 0, so round 1 keeps only the keys that were already stored.
     * The row count is the number of readings stored.
     */
    [PQ_W_INSERT_NEW] = "WITH ins AS (INSERT INTO readings (meter_id, item, data_time, mantissa,"
                        " exponent, quality, protocol, terminal_id, received_ms)"
                        " SELECT meter_id, item, data_time, mantissa, exponent, quality, protocol,"
                        " terminal_id, received_ms FROM mh_stage WHERE round = 1"
                        " ON CONFLICT (meter_id, item, data_time) DO NOTHING"
                        " RETURNING meter_id, item, data_time)"
                        " UPDATE mh_stage s SET round = 0 FROM ins WHERE s.round = 1"
                        " AND s.meter_id = ins.meter_id AND s.item = ins.item"
                        " AND s.data_time = ins.data_time",
    /*
     * Staged readings of round $1 (their key is stored): count the
     * duplicates (same value and quality) and the conflicts, and let a
     * conflicting reading replace the row when it was received later. One
     * snapshot: the counts compare with the rows as they were before.
     */
    [PQ_W_RESOLVE] = "WITH s AS MATERIALIZED ("
                     " SELECT s.*, " SAME_VALUE("r", "s") " AS same, r.received_ms AS old_received"
                     " FROM mh_stage s JOIN readings r ON r.meter_id = s.meter_id"
                     " AND r.item = s.item AND r.data_time = s.data_time WHERE s.round = $1),"
                     " u AS (UPDATE readings r SET mantissa = s.mantissa, exponent = s.exponent,"
                     " quality = s.quality, protocol = s.protocol, terminal_id = s.terminal_id,"
                     " received_ms = s.received_ms, revisions = r.revisions + 1 FROM s"
                     " WHERE r.meter_id = s.meter_id AND r.item = s.item"
                     " AND r.data_time = s.data_time AND NOT s.same"
                     " AND s.received_ms >= s.old_received RETURNING 1)"
                     " SELECT count(*) FILTER (WHERE same), count(*) FILTER (WHERE NOT same),"
                     " (SELECT count(*) FROM u) FROM s",
    [PQ_W_PARTITION] = "SELECT mh_readings_partition($1)",
    [PQ_L_EVENT_COUNTER_GET] = "SELECT value FROM event_counters WHERE terminal_id = $1::bigint"
                               " AND counter = $2::smallint",
    [PQ_L_EVENT_COUNTER_PUT] = "INSERT INTO event_counters (terminal_id, counter, value, updated_ms)"
                               " VALUES ($1::bigint, $2::smallint, $3::smallint, $4::bigint)"
                               " ON CONFLICT (terminal_id, counter) DO UPDATE"
                               " SET value = EXCLUDED.value, updated_ms = EXCLUDED.updated_ms"
                               " RETURNING value",
    [PQ_COUNTER_PUT] = "INSERT INTO event_counters (terminal_id, counter, value, updated_ms)"
                               " VALUES ($1::bigint, $2::smallint, $3::smallint, $4::bigint)"
                               " ON CONFLICT (terminal_id, counter) DO UPDATE"
                               " SET value = EXCLUDED.value, updated_ms = EXCLUDED.updated_ms",
};

const char *pg_sql(enum pg_query q)
{
    return sql[q];
}
