/*
 * Archive resources: terminals (with their online state and link history),
 * meters, and the archive CSV in (import, all or nothing) and out (export).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_int.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/store.h"

/* A filter by an archive enum's name (archive_kind_name ...): *out -1 when absent. */
static int arg_named(struct api_req *rq, struct api_resp *rs, const char *name,
                     const char *(*namefn)(int), int *out)
{
    const char *names[8];
    size_t n = 0;
    while (n < 8 && namefn((int)n) && strcmp(namefn((int)n), "?") != 0)
        names[n] = namefn((int)n), n++;
    *out = api_arg_enum(rq, rs, name, names, n, -2);
    if (*out == -1)
        return -1;
    if (*out == -2)
        *out = -1;
    return 0;
}

static void bind_enum(sqlite3_stmt *s, int i, int v)
{
    if (v >= 0)
        sqlite3_bind_int(s, i, v);
    else
        sqlite3_bind_null(s, i);
}

/* ?region=0171: four hex digits as the archive writes them. */
static int arg_region(struct api_req *rq, struct api_resp *rs, sqlite3_stmt *s, int i)
{
    const char *r = api_arg(rq, "region");
    if (!r) {
        sqlite3_bind_null(s, i);
        return 0;
    }
    char *end;
    unsigned long v = strtoul(r, &end, 16);
    if (strlen(r) != 4 || *end || v > 0xffff) {
        api_reply_error(rs, 400, "argument 'region' must be 4 digits like 0171, not '%s'", r);
        return -1;
    }
    sqlite3_bind_int(s, i, (int)v);
    return 0;
}

static int arg_bool(struct api_req *rq, struct api_resp *rs, const char *name, sqlite3_stmt *s,
                    int i)
{
    int64_t v;
    if (api_arg_int(rq, rs, name, 0, 1, -1, &v) != 0)
        return -1;
    if (v < 0)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_int(s, i, (int)v);
    return 0;
}

#define TERMINAL_COLUMNS                                                                           \
    "t.id, t.region, t.address, t.kind, t.protocol, t.channel_group, t.active, "                   \
    "(SELECT COUNT(*) FROM points p WHERE p.terminal_id = t.id) AS points, "                       \
    "l.online AS online, l.t_ms AS since "
/*
 * The terminal's latest link row; an offline and an online at the same
 * millisecond are a reconnection (docs/store.md), so online wins the tie.
 */
#define TERMINAL_LAST_LINK                                                                         \
    "LEFT JOIN terminal_link l ON l.terminal_id = t.id AND l.t_ms = (SELECT MAX(t_ms) FROM "       \
    "terminal_link x WHERE x.terminal_id = t.id) "                                                 \
    "AND l.online = (SELECT MAX(online) FROM terminal_link y WHERE y.terminal_id = t.id AND "      \
    "y.t_ms = l.t_ms) "

static int bind_terminals(struct api_req *rq, struct api_resp *rs, sqlite3_stmt *s)
{
    int64_t limit, after;
    int kind, proto;
    if (api_arg_page(rq, rs, &limit, &after) || arg_region(rq, rs, s, 2) ||
        arg_named(rq, rs, "kind", archive_kind_name, &kind) ||
        arg_named(rq, rs, "protocol", archive_protocol_name, &proto) ||
        arg_bool(rq, rs, "online", s, 6) || arg_bool(rq, rs, "active", s, 7))
        return -1;
    sqlite3_bind_int64(s, 1, after);
    bind_enum(s, 3, kind);
    bind_enum(s, 4, proto);
    api_bind_arg(rq, s, 5, "channel_group");
    sqlite3_bind_int64(s, 8, limit);
    return 0;
}

void api_h_terminals(struct api_req *rq, struct api_resp *rs)
{
    api_list(rq, rs,
             "SELECT " TERMINAL_COLUMNS "FROM terminals t " TERMINAL_LAST_LINK
             "WHERE t.id > ?1 AND (?2 IS NULL OR t.region = ?2) AND (?3 IS NULL OR t.kind = ?3) "
             "AND (?4 IS NULL OR t.protocol = ?4) AND (?5 IS NULL OR t.channel_group = ?5) "
             "AND (?6 IS NULL OR COALESCE(l.online, 0) = ?6) AND (?7 IS NULL OR t.active = ?7) "
             "ORDER BY t.id LIMIT ?8",
             bind_terminals);
}

void api_h_terminal(struct api_req *rq, struct api_resp *rs)
{
    api_get_one(rq, rs,
                "SELECT " TERMINAL_COLUMNS "FROM terminals t " TERMINAL_LAST_LINK "WHERE t.id = ?1",
                "terminal");
}

static int bind_links(struct api_req *rq, struct api_resp *rs, sqlite3_stmt *s)
{
    int64_t limit, after, from, to;
    if (api_arg_page(rq, rs, &limit, &after) || api_arg_time(rq, rs, "from", 0, &from) ||
        api_arg_time(rq, rs, "to", INT64_MAX / 1000, &to))
        return -1;
    sqlite3_bind_int64(s, 1, rq->params[0]);
    sqlite3_bind_int64(s, 2, after);
    sqlite3_bind_int64(s, 3, from * 1000);
    sqlite3_bind_int64(s, 4, to * 1000);
    sqlite3_bind_int64(s, 5, limit);
    return 0;
}

/* Link history, oldest first; "id" is the row's t_ms, the paging cursor. */
void api_h_terminal_links(struct api_req *rq, struct api_resp *rs)
{
    api_list(rq, rs,
             "SELECT t_ms AS id, t_ms AS time, online, reason FROM terminal_link "
             "WHERE terminal_id = ?1 AND t_ms > ?2 AND t_ms >= ?3 AND t_ms < ?4 "
             "ORDER BY t_ms, online LIMIT ?5",
             bind_links);
}

#define METER_COLUMNS                                                                              \
    "m.id, m.address, m.protocol, m.phases, m.ct, m.pt, m.rated_voltage_v, m.contract_w, "         \
    "m.tariff, m.pv, m.pv_peak_w, c.code AS customer, a.code AS area, m.area_meter, m.active, "    \
    "p.terminal_id AS terminal, p.pn "
#define METER_JOINS                                                                                \
    "FROM meters m LEFT JOIN customers c ON c.id = m.customer_id "                                 \
    "LEFT JOIN areas a ON a.id = m.area_id LEFT JOIN points p ON p.meter_id = m.id "

static int bind_meters(struct api_req *rq, struct api_resp *rs, sqlite3_stmt *s)
{
    int64_t limit, after, terminal, address;
    int proto;
    if (api_arg_page(rq, rs, &limit, &after) ||
        api_arg_int(rq, rs, "terminal", 1, INT64_MAX, 0, &terminal) ||
        api_arg_int(rq, rs, "address", 0, 999999999999LL, -1, &address) ||
        arg_named(rq, rs, "protocol", archive_protocol_name, &proto) ||
        arg_bool(rq, rs, "active", s, 7))
        return -1;
    sqlite3_bind_int64(s, 1, after);
    if (terminal)
        sqlite3_bind_int64(s, 2, terminal);
    api_bind_arg(rq, s, 3, "area");
    bind_enum(s, 4, proto);
    api_bind_arg(rq, s, 5, "customer");
    if (address >= 0)
        sqlite3_bind_int64(s, 6, address);
    sqlite3_bind_int64(s, 8, limit);
    return 0;
}

void api_h_meters(struct api_req *rq, struct api_resp *rs)
{
    api_list(rq, rs,
             "SELECT " METER_COLUMNS METER_JOINS
             "WHERE m.id > ?1 AND (?2 IS NULL OR p.terminal_id = ?2) AND (?3 IS NULL OR a.code = "
             "?3) AND (?4 IS NULL OR m.protocol = ?4) AND (?5 IS NULL OR c.code = ?5) "
             "AND (?6 IS NULL OR m.address = ?6) AND (?7 IS NULL OR m.active = ?7) "
             "ORDER BY m.id LIMIT ?8",
             bind_meters);
}

void api_h_meter(struct api_req *rq, struct api_resp *rs)
{
    api_get_one(rq, rs, "SELECT " METER_COLUMNS METER_JOINS "WHERE m.id = ?1", "meter");
}

/* POST text/csv: parsed and checked whole, then one transaction (store_archive_import). */
void api_h_archive_import(struct api_req *rq, struct api_resp *rs)
{
    const char *ct =
        MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!ct || strncasecmp(ct, "text/csv", 8) != 0) {
        api_reply_error(rs, 415, "the archive is posted as Content-Type: text/csv, not '%s'",
                        ct ? ct : "(none)");
        return;
    }
    if (!rq->body_len) {
        api_reply_error(rs, 400, "the body is empty: post the archive CSV");
        return;
    }
    char err[512] = "";
    struct archive *ar = NULL;
    int rc = archive_csv_parse(rq->body, rq->body_len, &ar, err, sizeof err);
    if (rc != 0) {
        snprintf(rq->audit_what, sizeof rq->audit_what, "rejected: %.200s", err);
        api_reply_error(rs, rc == MH_ENOMEM ? 500 : 400, "%s (nothing imported)", err);
        return;
    }
    struct store_import_stats st;
    rc = store_archive_import(rq->api->st, ar, &st, err, sizeof err);
    size_t rows = ar->n_rows;
    archive_free(ar);
    if (rc != 0) {
        snprintf(rq->audit_what, sizeof rq->audit_what, "failed: %.200s", err);
        api_reply_error(rs, rc == MH_EINVAL ? 400 : 500, "%s (nothing imported)", err);
        return;
    }
    snprintf(rq->audit_what, sizeof rq->audit_what,
             "archive import of %zu rows: %llu added, %llu updated, %llu unchanged, %llu retired",
             rows, (unsigned long long)st.added, (unsigned long long)st.updated,
             (unsigned long long)st.unchanged, (unsigned long long)st.retired);
    api_reply_json(rs, 200,
                   json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "rows", (json_int_t)rows,
                             "added", (json_int_t)st.added, "updated", (json_int_t)st.updated,
                             "unchanged", (json_int_t)st.unchanged, "retired",
                             (json_int_t)st.retired, "terminals", (json_int_t)st.terminals, "areas",
                             (json_int_t)st.areas, "customers", (json_int_t)st.customers));
}

static const char *const class_names[] = {"residential", "commercial", "industrial", "pv", "area"};

/* Three-phase systems are written phase/line as the archive has them (docs/archive-csv.md). */
static const struct {
    int phase_v;
    const char *text;
} three_phase[] = {{220, "220/380"}, {57, "57.7/100"}, {100, "100/173"}};

static const char *rated_text(int phases, int v, char *buf, size_t cap)
{
    for (size_t i = 0; phases == 3 && i < sizeof three_phase / sizeof three_phase[0]; i++)
        if (three_phase[i].phase_v == v)
            return three_phase[i].text;
    snprintf(buf, cap, "%d", v);
    return buf;
}

/*
 * GET /archive: the active archive in the import format (docs/archive-csv.md),
 * so an export imported again changes nothing. Only meters of class "area"
 * may lack a customer (archive_csv_parse), so a meter without one is
 * written as class area.
 */
void api_h_archive_export(struct api_req *rq, struct api_resp *rs)
{
    struct api *a = rq->api;
    struct api_text t = {0};
    api_text_add(&t,
                 "area,region,terminal_address,terminal_kind,terminal_protocol,channel_group,pn,"
                 "meter_address,meter_protocol,phases,ct,pt,rated_voltage_v,contract_kw,tariff,"
                 "pv,pv_peak_kw,customer,customer_class,area_meter\n");
    pthread_mutex_lock(&a->db_mu);
    sqlite3_stmt *s = api_db_prepare(
        a, "SELECT COALESCE(ar.code, ''), t.region, t.address, t.kind, t.protocol, "
           "t.channel_group, p.pn, m.address, m.protocol, m.phases, m.ct, m.pt, "
           "m.rated_voltage_v, m.contract_w, m.tariff, m.pv, m.pv_peak_w, COALESCE(c.code, ''), "
           "COALESCE(c.class, 4), m.area_meter FROM points p JOIN terminals t ON t.id = "
           "p.terminal_id JOIN meters m ON m.id = p.meter_id LEFT JOIN areas ar ON ar.id = "
           "m.area_id LEFT JOIN customers c ON c.id = m.customer_id WHERE m.active = 1 AND "
           "t.active = 1 ORDER BY t.region, t.address, p.pn");
    int rc = s ? SQLITE_ROW : SQLITE_ERROR;
    while (s && (rc = sqlite3_step(s)) == SQLITE_ROW && !t.oom) {
#define TXT(i) ((const char *)sqlite3_column_text(s, i))
#define INT(i) sqlite3_column_int64(s, i)
        int cl = (int)INT(18);
        char vbuf[16];
        long long cw = INT(13), pw = INT(16);
        api_text_add(&t,
                     "%s,%04x,%s,%s,%s,%s,%lld,%012lld,%s,%lld,%lld,%lld,%s,%lld.%03lld,%s,%lld,"
                     "%lld.%03lld,%s,%s,%lld\n",
                     TXT(0), (unsigned)INT(1) & 0xffffu, TXT(2), archive_kind_name((int)INT(3)),
                     archive_protocol_name((int)INT(4)), TXT(5), (long long)INT(6),
                     (long long)INT(7), archive_protocol_name((int)INT(8)), (long long)INT(9),
                     (long long)INT(10), (long long)INT(11),
                     rated_text((int)INT(9), (int)INT(12), vbuf, sizeof vbuf), cw / 1000, cw % 1000,
                     TXT(14), (long long)INT(15), pw / 1000, pw % 1000, TXT(17),
                     cl >= 0 && cl < 5 ? class_names[cl] : "residential", (long long)INT(19));
#undef TXT
#undef INT
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&a->db_mu);
    if (rc != SQLITE_DONE || t.oom) {
        free(t.p);
        api_reply_error(rs, 500, "the archive cannot be read");
        return;
    }
    api_reply_text(rs, 200, "text/csv; charset=utf-8", t.p, t.len);
    rs->disposition = "attachment; filename=\"archive.csv\"";
}
