/*
 * Every statement the SQLite backend runs on its query connection, in one
 * place, indexed by enum sq_query; prepared once on first use.
 */
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "list_sql.h"
#include "sqlite_int.h"

/* Success-rate query: active meters of the day's class grouped by KEY. */
#define RATE_SQL(key)                                                                              \
    "SELECT " key ", COUNT(*), TOTAL(s.reason = 0), TOTAL(s.reason > 0),"                          \
    " TOTAL(s.first_reason = 0)"                                                                   \
    " FROM meters m JOIN points p ON p.meter_id = m.id"                                            \
    " JOIN terminals t ON t.id = p.terminal_id"                                                    \
    " LEFT JOIN collection_status s"                                                               \
    "   ON s.day = ?1 AND s.item_class = ?2 AND s.meter_id = m.id"                                 \
    " WHERE m.active = 1 GROUP BY 1 ORDER BY 1 LIMIT ?3"

static const char *const sql[SQ_COUNT_] = {
    [SQ_BEGIN] = "BEGIN IMMEDIATE",
    [SQ_COMMIT] = "COMMIT",
    [SQ_ROLLBACK] = "ROLLBACK",
    [SQ_RANGE] = "SELECT data_time, mantissa, exponent, quality, protocol, terminal_id, received_ms"
                 " FROM readings WHERE meter_id = ?1 AND item = ?2"
                 " AND data_time >= ?3 AND data_time < ?4 ORDER BY data_time LIMIT ?5",
    [SQ_LATEST] =
        "SELECT data_time, mantissa, exponent, quality, protocol, terminal_id, received_ms"
        " FROM readings WHERE meter_id = ?1 AND item = ?2"
        " ORDER BY data_time DESC LIMIT 1",
    [SQ_MISSING] = "SELECT m.id, p.terminal_id, p.pn, m.address"
                   " FROM meters m JOIN points p ON p.meter_id = m.id"
                   " WHERE m.active = 1 AND m.id > ?4 AND NOT EXISTS"
                   " (SELECT 1 FROM readings r WHERE r.meter_id = m.id AND r.item = ?1"
                   "  AND r.data_time >= ?2 AND r.data_time < ?3)"
                   " ORDER BY m.id LIMIT ?5",
    [SQ_STATUS_UPSERT] = "INSERT INTO collection_status"
                         " (day, item_class, meter_id, reason, attempts, updated_ms, first_reason)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4)"
                         " ON CONFLICT (day, item_class, meter_id) DO UPDATE SET"
                         " reason = excluded.reason, attempts = excluded.attempts,"
                         " updated_ms = excluded.updated_ms",
    [SQ_RATE_KIND] = RATE_SQL("t.kind"),
    [SQ_RATE_TPROTO] = RATE_SQL("t.protocol"),
    [SQ_RATE_MPROTO] = RATE_SQL("m.protocol"),
    [SQ_RATE_CHANNEL] = RATE_SQL("t.channel_group"),
    [SQ_RATE_REGION] = RATE_SQL("printf('%04x', t.region)"),
    [SQ_REASONS] = "SELECT reason, COUNT(*) FROM collection_status"
                   " WHERE day = ?1 AND item_class = ?2 AND reason > 0 GROUP BY reason",
    [SQ_AREA_UPSERT] = "INSERT INTO areas (code, region) VALUES (?1, ?2)"
                       " ON CONFLICT (code) DO UPDATE SET region = excluded.region RETURNING id",
    [SQ_CUSTOMER_UPSERT] = "INSERT INTO customers (code, class) VALUES (?1, ?2)"
                           " ON CONFLICT (code) DO UPDATE SET class = excluded.class RETURNING id",
    [SQ_TERMINAL_UPSERT] =
        "INSERT INTO terminals (region, address, kind, protocol, channel_group,"
        " active) VALUES (?1, ?2, ?3, ?4, ?5, 2) ON CONFLICT (region, address) DO UPDATE"
        " SET kind = excluded.kind, protocol = excluded.protocol,"
        " channel_group = excluded.channel_group, active = 2 RETURNING id",
    /* active = 2 marks "in this import"; see sq_archive_import. */
    [SQ_METER_UPDATE] = "UPDATE meters SET protocol = ?2, phases = ?3, ct = ?4, pt = ?5,"
                        " rated_voltage_v = ?6, contract_w = ?7, tariff = ?8, pv = ?9,"
                        " pv_peak_w = ?10, customer_id = ?11, area_id = ?12, area_meter = ?13,"
                        " active = 2 WHERE address = ?1 AND active <> 2 AND (active = 0 OR"
                        " (protocol, phases, ct, pt, rated_voltage_v, contract_w, tariff, pv,"
                        "  pv_peak_w, customer_id, area_id, area_meter) IS NOT"
                        " (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13))",
    [SQ_METER_TOUCH] = "UPDATE meters SET active = 2 WHERE address = ?1 AND active = 1",
    [SQ_METER_INSERT] =
        "INSERT INTO meters (address, protocol, phases, ct, pt, rated_voltage_v,"
        " contract_w, tariff, pv, pv_peak_w, customer_id, area_id, area_meter,"
        " active) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 2)",
    [SQ_POINT_INSERT] = "INSERT INTO points (terminal_id, pn, meter_id)"
                        " SELECT ?1, ?2, id FROM meters WHERE address = ?3",
    [SQ_TERMINAL_LOOKUP] = "SELECT id, region, address, kind, protocol, channel_group"
                           " FROM terminals WHERE region = ?1 AND address = ?2 AND active = 1",
    /* A terminal whose address alone is unique (DL/T 698.45 server addresses); at most 2 rows. */
    [SQ_TERMINAL_FIND] = "SELECT id, region, address, kind, protocol, channel_group"
                         " FROM terminals WHERE address = ?2 AND active = 1 LIMIT 2",
    [SQ_TERMINAL_POINTS] = "SELECT p.pn, m.id, m.address, m.protocol, m.phases, m.ct, m.pt,"
                           " m.rated_voltage_v, COALESCE(m.area_id, 0), m.area_meter"
                           " FROM points p JOIN meters m ON m.id = p.meter_id"
                           " WHERE p.terminal_id = ?1 ORDER BY p.pn LIMIT ?2",
    /* Stored once (events_once, migration 004): a copy re-reported or read again is no error. */
    [SQ_EVENT_INSERT] = "INSERT INTO events (meter_id, terminal_id, code, start_s, end_s, payload,"
                        " seq) VALUES (NULLIF(?1, 0), NULLIF(?2, 0), ?3, ?4, NULLIF(?5, 0), ?6, ?7)"
                        " ON CONFLICT DO NOTHING",
    [SQ_LINK_INSERT] = "INSERT OR REPLACE INTO terminal_link (terminal_id, t_ms, online, reason)"
                       " VALUES (?1, ?2, ?3, ?4)",
    [SQ_LINK_BEFORE] = "SELECT online FROM terminal_link WHERE terminal_id = ?1 AND t_ms < ?2"
                       " ORDER BY t_ms DESC, online DESC LIMIT 1",
    [SQ_LINK_RANGE] = "SELECT t_ms, online FROM terminal_link WHERE terminal_id = ?1"
                      " AND t_ms >= ?2 AND t_ms < ?3 ORDER BY t_ms, online",
    [SQ_AUDIT_INSERT] = "INSERT INTO audit (who, t_ms, what, result) VALUES (?1, ?2, ?3, ?4)",
    [SQ_TOKEN_ADD] = "INSERT INTO api_tokens (name, role, hash, created_ms)"
                     " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    [SQ_TOKEN_CHECK] = "SELECT name, role, created_ms, revoked FROM api_tokens"
                       " WHERE hash = ?1 AND revoked = 0",
    [SQ_TOKEN_LIST] =
        "SELECT name, role, created_ms, revoked FROM api_tokens ORDER BY name LIMIT ?1",
    [SQ_TOKEN_REVOKE] = "UPDATE api_tokens SET revoked = 1 WHERE name = ?1",

    /* listings: columns in the order list.c reads them */
    [SQ_L_TERMINALS] = TERMINAL_SQL
    "WHERE t.id > ?1 AND (?2 IS NULL OR t.region = ?2) AND (?3 IS NULL OR t.kind = ?3)"
    " AND (?4 IS NULL OR t.protocol = ?4) AND (?5 IS NULL OR t.channel_group = ?5)"
    " AND (?6 IS NULL OR COALESCE(l.online, 0) = ?6) AND (?7 IS NULL OR t.active = ?7)"
    " ORDER BY t.id LIMIT ?8",
    [SQ_L_TERMINAL_GET] = TERMINAL_SQL "WHERE t.id = ?1",
    [SQ_L_LINKS] = "SELECT t_ms, online, reason FROM terminal_link WHERE terminal_id = ?1"
                   " AND t_ms > ?2 AND t_ms >= ?3 AND t_ms < ?4 ORDER BY t_ms, online LIMIT ?5",
    [SQ_L_METERS] = METER_SQL
    "WHERE m.id > ?1 AND (?2 IS NULL OR p.terminal_id = ?2) AND (?3 IS NULL OR a.code = ?3)"
    " AND (?4 IS NULL OR m.protocol = ?4) AND (?5 IS NULL OR c.code = ?5)"
    " AND (?6 IS NULL OR m.address = ?6) AND (?7 IS NULL OR m.active = ?7)"
    " ORDER BY m.id LIMIT ?8",
    [SQ_L_METER_GET] = METER_SQL "WHERE m.id = ?1",
    [SQ_L_EXPORT] = EXPORT_SQL "ORDER BY t.region, t.address, p.pn",
    [SQ_L_EVENTS] = "SELECT id, meter_id, terminal_id, code, start_s, end_s, payload FROM events"
                    " WHERE id > ?1 AND (?2 IS NULL OR meter_id = ?2)"
                    " AND (?3 IS NULL OR terminal_id = ?3) AND (?4 IS NULL OR code = ?4)"
                    " AND start_s >= ?5 AND start_s < ?6 ORDER BY id LIMIT ?7",
    [SQ_L_AUDIT] = "SELECT id, who, t_ms, what, result FROM audit WHERE id > ?1 AND t_ms >= ?2"
                   " AND t_ms < ?3 AND (?4 IS NULL OR who = ?4) ORDER BY id LIMIT ?5",
    [SQ_L_STATUS] = "SELECT meter_id, item_class, day, reason, attempts, updated_ms"
                    " FROM collection_status WHERE day = ?1 AND item_class = ?2 AND meter_id > ?3"
                    " AND (?4 IS NULL OR reason = ?4) AND (?5 = 0 OR reason <> 0)"
                    " ORDER BY meter_id LIMIT ?6",
    [SQ_L_AREAS] = AREA_SQL "WHERE a.id > ?1 AND (?2 IS NULL OR a.region = ?2) ORDER BY a.id"
                            " LIMIT ?3",
    [SQ_L_AREA_GET] = AREA_SQL "WHERE a.id = ?1",
    /* one ordered scan of the readings' key: rows after the cursor within [from, to) */
    [SQ_L_READINGS_SCAN] = "SELECT meter_id, item, data_time, mantissa, exponent, quality, protocol,"
                           " terminal_id, received_ms FROM readings"
                           " WHERE (meter_id, item, data_time) > (?1, ?2, ?3)"
                           " AND data_time >= ?4 AND data_time < ?5"
                           " ORDER BY meter_id, item, data_time LIMIT ?6",
    [SQ_L_CONSUMPTION] = "SELECT " CONSUMPTION_COLS " FROM consumption_day"
                         " WHERE (?1 IS NULL OR meter_id = ?1) AND day >= ?2 AND day < ?3"
                         " AND (meter_id, day) > (?4, ?5) ORDER BY meter_id, day LIMIT ?6",
    [SQ_L_LINELOSS] = LINELOSS_SQL "WHERE (?1 IS NULL OR a.code = ?1) AND l.day >= ?2"
                      " AND l.day < ?3 AND (l.area_id, l.day) > (?4, ?5)"
                      " ORDER BY l.area_id, l.day LIMIT ?6",
    [SQ_L_ALARMS] = ALARM_SQL "WHERE al.id > ?1 AND (?2 IS NULL OR al.type = ?2)"
                    " AND (?3 IS NULL OR al.meter_id = ?3) AND (?4 IS NULL OR al.terminal_id = ?4)"
                    " AND (?5 IS NULL OR a.code = ?5) AND (?6 IS NULL OR (?6 = 1) = (al.end_s IS NULL))"
                    " AND al.start_s < ?8 AND (al.end_s IS NULL OR al.end_s > ?7 OR al.start_s >= ?7)"
                    " ORDER BY al.id LIMIT ?9",
    [SQ_L_ALARM_GET] = ALARM_SQL "WHERE al.id = ?1",
    [SQ_X_CONSUMPTION_PUT] = "INSERT OR REPLACE INTO consumption_day (" CONSUMPTION_COLS ")"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    [SQ_X_LINELOSS_PUT] = "INSERT OR REPLACE INTO lineloss_day (" LINELOSS_COLS ")"
                          " SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13"
                          " FROM areas WHERE code = ?1",
    [SQ_X_ALARM_PUT] = "INSERT INTO alarms (" ALARM_COLS ") VALUES (?1, ?2, ?3, ?4,"
                       " (SELECT id FROM areas WHERE code = ?5), ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                       " ON CONFLICT (type, meter_id, terminal_id, phase, start_s) DO UPDATE SET"
                       " area_id = excluded.area_id, end_s = excluded.end_s,"
                       " first_day = min(first_day, excluded.first_day),"
                       " last_day = max(last_day, excluded.last_day),"
                       " value_milli = excluded.value_milli, limit_milli = excluded.limit_milli,"
                       " evidence = excluded.evidence",
    [SQ_L_QUALITY] = "SELECT " QUALITY_COLS " FROM quality_day"
                     " WHERE (?1 IS NULL OR meter_id = ?1) AND day >= ?2 AND day < ?3"
                     " AND (meter_id, day) > (?4, ?5) ORDER BY meter_id, day LIMIT ?6",
    [SQ_X_QUALITY_PUT] = "INSERT OR REPLACE INTO quality_day (" QUALITY_COLS ")"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [SQ_X_ALARM_ACK] = "UPDATE alarms SET ack_who = ?2, ack_ms = ?3 WHERE id = ?1 AND ack_ms IS NULL",
    [SQ_L_AREA_DAYS] = AREA_DAYS_SQL("?1", "?2", "?3", "?4"),
    [SQ_L_PLAN_PUT] = "INSERT INTO plans (" PLAN_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                      " ?11, ?12, ?13) ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                      " who = excluded.who, area = excluded.area, target_w = excluded.target_w,"
                      " from_ms = excluded.from_ms, to_ms = excluded.to_ms, max_pct = excluded.max_pct,"
                      " expect_w = excluded.expect_w, short_w = excluded.short_w,"
                      " baseline_w = excluded.baseline_w, after_w = excluded.after_w RETURNING id",
    [SQ_L_PLAN_GET] = "SELECT " PLAN_COLS " FROM plans WHERE id = ?1",
    [SQ_L_PLAN_USERS] = "SELECT " PLAN_USER_COLS " FROM plan_users WHERE plan_id = ?1 ORDER BY seq",
    [SQ_L_CUSTOMERS] = CUSTOMER_SQL "WHERE c.id > ?1 AND (?2 IS NULL OR c.code = ?2)"
                       " AND (?3 IS NULL OR c.class = ?3) AND (?4 IS NULL OR EXISTS (SELECT 1"
                       " FROM meters m JOIN areas a ON a.id = m.area_id WHERE m.customer_id = c.id"
                       " AND a.code = ?4)) AND (?6 IS NULL OR instr(c.name, ?6) > 0)"
                       " ORDER BY c.id LIMIT ?5",
    [SQ_L_CUSTOMER_GET] = CUSTOMER_SQL "WHERE c.code = ?1",
    /* paged on the points' key (terminal, pn), which the id encodes */
    [SQ_L_POINTS] = POINT_SQL "WHERE (p.terminal_id, p.pn) > (?1 / 4096, ?1 % 4096)"
                    " AND (?2 IS NULL OR p.terminal_id = ?2) AND (?3 IS NULL OR p.meter_id = ?3)"
                    " AND (?4 IS NULL OR a.code = ?4) AND (?5 IS NULL OR m.protocol = ?5)"
                    " ORDER BY p.terminal_id, p.pn LIMIT ?6",
    [SQ_L_POINT_GET] = POINT_SQL "WHERE p.terminal_id = ?1 / 4096 AND p.pn = ?1 % 4096",
    [SQ_X_PLAN_USER_PUT] = "INSERT OR REPLACE INTO plan_users (plan_id, " PLAN_USER_COLS ") VALUES (?1, ?2,"
                           " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    [SQ_L_PLAN_RUN_GET] = "SELECT " PLAN_RUN_COLS " FROM plan_runs WHERE plan_id = ?1",
    [SQ_L_PLAN_RUNS] = "SELECT " PLAN_RUN_COLS " FROM plan_runs WHERE plan_id > ?1 AND state BETWEEN ?2 AND ?3"
                       " ORDER BY plan_id LIMIT ?4",
    [SQ_L_PLANS] = "SELECT " PLAN_COLS " FROM plans WHERE id > ?1 ORDER BY id LIMIT ?2",
    [SQ_X_PLAN_RUN_PUT] = "INSERT OR REPLACE INTO plan_runs (" PLAN_RUN_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                          " ?7, ?8, ?9)",
    [SQ_L_EVENT_COUNTER_GET] = "SELECT value FROM event_counters WHERE terminal_id = ?1 AND counter = ?2",
    [SQ_L_EVENT_COUNTER_PUT] = "INSERT INTO event_counters (terminal_id, counter, value, updated_ms)"
                               " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (terminal_id, counter) DO UPDATE"
                               " SET value = excluded.value, updated_ms = excluded.updated_ms"
                               " RETURNING value",
    [SQ_COUNTER_PUT] = "INSERT INTO event_counters (terminal_id, counter, value, updated_ms)"
                               " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (terminal_id, counter) DO UPDATE"
                               " SET value = excluded.value, updated_ms = excluded.updated_ms",
};

const char *sq_sql_text(enum sq_query id)
{
    return id >= 0 && id < SQ_COUNT_ ? sql[id] : NULL;
}

sqlite3_stmt *sq_stmt(struct store_be *be, enum sq_query id)
{
    if (!be->qs[id]) {
        int rc =
            sqlite3_prepare_v3(be->q, sql[id], -1, SQLITE_PREPARE_PERSISTENT, &be->qs[id], NULL);
        if (rc != SQLITE_OK) {
            mh_error("store", "sqlite: preparing statement %d: %s", (int)id, sqlite3_errmsg(be->q));
            return NULL;
        }
    }
    return be->qs[id];
}

int sq_err(int rc)
{
    switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return MH_EBUSY;
    case SQLITE_CONSTRAINT:
        return MH_EINVAL;
    case SQLITE_NOMEM:
        return MH_ENOMEM;
    default:
        return MH_EIO;
    }
}

int sq_exec(sqlite3_stmt *s)
{
    if (!s)
        return MH_EIO;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        ;
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : sq_err(rc);
}

int sq_begin(struct store_be *be)
{
    return sq_exec(sq_stmt(be, SQ_BEGIN));
}

int sq_commit(struct store_be *be)
{
    int rc = sq_exec(sq_stmt(be, SQ_COMMIT));
    if (rc < 0)
        sq_rollback(be);
    return rc;
}

void sq_rollback(struct store_be *be)
{
    if (!sqlite3_get_autocommit(be->q))
        sq_exec(sq_stmt(be, SQ_ROLLBACK));
}
