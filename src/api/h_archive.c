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
int api_arg_named(struct api_req *rq, struct api_resp *rs, const char *name,
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

/* ?name=0|1; *out -1 when absent. */
static int arg_bool(struct api_req *rq, struct api_resp *rs, const char *name, int *out)
{
    int64_t v;
    if (api_arg_int(rq, rs, name, 0, 1, -1, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

void api_h_terminals(struct api_req *rq, struct api_resp *rs)
{
    int64_t limit, after;
    struct store_terminal_filter f = STORE_TERMINAL_FILTER_ANY;
    if (api_arg_page(rq, rs, &limit, &after) || api_arg_region(rq, rs, &f.region) ||
        api_arg_named(rq, rs, "kind", archive_kind_name, &f.kind) ||
        api_arg_named(rq, rs, "protocol", archive_protocol_name, &f.protocol) ||
        arg_bool(rq, rs, "online", &f.online) || arg_bool(rq, rs, "active", &f.active))
        return;
    f.channel_group = api_arg(rq, "channel_group");
    struct store_terminal_row *out = malloc(sizeof *out * (size_t)limit);
    int n = out ? store_terminals_list(rq->api->st, &f, after, out, (size_t)limit) : MH_ENOMEM;
    api_reply_rows(rs, &api_rows_terminal, out, n, limit);
    free(out);
}

void api_h_terminal(struct api_req *rq, struct api_resp *rs)
{
    struct store_terminal_row t;
    int rc = store_terminal_get(rq->api->st, rq->params[0], &t);
    api_reply_row(rs, &api_rows_terminal, &t, rc, "terminal", rq->params[0]);
}

/* Link history, oldest first; "id" is the row's t_ms, the paging cursor. */
void api_h_terminal_links(struct api_req *rq, struct api_resp *rs)
{
    int64_t limit, after, from, to;
    if (api_arg_page(rq, rs, &limit, &after) || api_arg_time(rq, rs, "from", 0, &from) ||
        api_arg_time(rq, rs, "to", INT64_MAX / 1000, &to))
        return;
    struct store_link_row *out = malloc(sizeof *out * (size_t)limit);
    int n = out ? store_terminal_links(rq->api->st, rq->params[0], from * 1000, to * 1000, after,
                                       out, (size_t)limit)
                : MH_ENOMEM;
    api_reply_rows(rs, &api_rows_link, out, n, limit);
    free(out);
}

void api_h_meters(struct api_req *rq, struct api_resp *rs)
{
    int64_t limit, after;
    struct store_meter_filter f = STORE_METER_FILTER_ANY;
    if (api_arg_page(rq, rs, &limit, &after) ||
        api_arg_int(rq, rs, "terminal", 1, INT64_MAX, 0, &f.terminal) ||
        api_arg_int(rq, rs, "address", 0, 999999999999LL, -1, &f.address) ||
        api_arg_named(rq, rs, "protocol", archive_protocol_name, &f.protocol) ||
        arg_bool(rq, rs, "active", &f.active))
        return;
    f.area = api_arg(rq, "area");
    f.customer = api_arg(rq, "customer");
    struct store_meter_row *out = malloc(sizeof *out * (size_t)limit);
    int n = out ? store_meters_list(rq->api->st, &f, after, out, (size_t)limit) : MH_ENOMEM;
    api_reply_rows(rs, &api_rows_meter, out, n, limit);
    free(out);
}

void api_h_meter(struct api_req *rq, struct api_resp *rs)
{
    struct store_meter_row m;
    int rc = store_meter_get(rq->api->st, rq->params[0], &m);
    api_reply_row(rs, &api_rows_meter, &m, rc, "meter", rq->params[0]);
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

static int export_row(void *ctx, const struct store_export_row *r)
{
    struct api_text *t = ctx;
    char vbuf[16];
    long long cw = r->contract_w, pw = r->pv_peak_w;
    int cl = r->customer_class;
    api_text_add(t,
                 "%s,%04x,%s,%s,%s,%s,%u,%012llu,%s,%u,%lu,%lu,%s,%lld.%03lld,%s,%u,"
                 "%lld.%03lld,%s,%s,%u\n",
                 r->area, (unsigned)r->region, r->terminal_address,
                 archive_kind_name(r->terminal_kind), archive_protocol_name(r->terminal_protocol),
                 r->channel_group, (unsigned)r->pn, (unsigned long long)r->meter_address,
                 archive_protocol_name(r->meter_protocol), (unsigned)r->phases,
                 (unsigned long)r->ct, (unsigned long)r->pt,
                 rated_text(r->phases, r->rated_voltage_v, vbuf, sizeof vbuf), cw / 1000, cw % 1000,
                 r->tariff, (unsigned)r->pv, pw / 1000, pw % 1000, r->customer,
                 cl >= 0 && cl < 5 ? class_names[cl] : "residential", (unsigned)r->area_meter);
    return t->oom ? MH_ENOMEM : 0;
}

/*
 * GET /archive: the active archive in the import format (docs/archive-csv.md),
 * so an export imported again changes nothing. Only meters of class "area"
 * may lack a customer (archive_csv_parse), so a meter without one is
 * written as class area (store_archive_export says so).
 */
void api_h_archive_export(struct api_req *rq, struct api_resp *rs)
{
    struct api_text t = {0};
    api_text_add(&t,
                 "area,region,terminal_address,terminal_kind,terminal_protocol,channel_group,pn,"
                 "meter_address,meter_protocol,phases,ct,pt,rated_voltage_v,contract_kw,tariff,"
                 "pv,pv_peak_kw,customer,customer_class,area_meter\n");
    int rc = store_archive_export(rq->api->st, export_row, &t);
    if (rc < 0 || t.oom) {
        free(t.p);
        api_reply_error(rs, 500, "the archive cannot be read");
        return;
    }
    api_reply_text(rs, 200, "text/csv; charset=utf-8", t.p, t.len);
    rs->disposition = "attachment; filename=\"archive.csv\"";
}

/* GET /areas?region=&limit=&after=: transformer areas with their terminal and meter counts. */
void api_h_areas(struct api_req *rq, struct api_resp *rs)
{
    int64_t limit, after;
    int region;
    if (api_arg_page(rq, rs, &limit, &after) || api_arg_region(rq, rs, &region))
        return;
    struct store_area_row *out = malloc(sizeof *out * (size_t)limit);
    int n = out ? store_areas_list(rq->api->st, region, after, out, (size_t)limit) : MH_ENOMEM;
    api_reply_rows(rs, &api_rows_area, out, n, limit);
    free(out);
}

void api_h_area(struct api_req *rq, struct api_resp *rs)
{
    struct store_area_row a;
    int rc = store_area_get(rq->api->st, rq->params[0], &a);
    api_reply_row(rs, &api_rows_area, &a, rc, "area", rq->params[0]);
}
