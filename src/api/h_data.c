/*
 * Data resources: readings of a meter, collection success rates and failure
 * reasons, collection status, events, the audit trail and health, all
 * through store.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>

#include "api_int.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"
#include "meterhub/store.h"

#define READINGS_MAX 10000
#define ITEMS_MAX 16
#define METERS_MAX 100             /* meters of one GET /readings */
#define READINGS_ANSWER_MAX 200000 /* limit x meters x items of one answer */
#define RATE_GROUPS_MAX 16384      /* channel groups are the most numerous */

void api_h_health(struct api_req *rq, struct api_resp *rs)
{
    struct store_writer_stats w;
    store_writer_stats(rq->api->st, &w);
    int v = store_schema_version(rq->api->st);
    api_reply_json(rs, 200,
                   json_pack("{s:s, s:s, s:i, s:{s:I, s:I, s:I}}", "status",
                             v > 0 ? "ok" : "degraded", "backend", store_backend_name(rq->api->st),
                             "schema_version", v, "writer", "queued", (json_int_t)w.queued,
                             "stored", (json_int_t)w.stored, "failed", (json_int_t)w.failed));
}

static const char *const quality_names[] = {"valid", "estimated", "suspect", "missing"};

/* Parse ?item=a,b,c into codes; 0 or -1 after a 400. */
static int arg_items(struct api_req *rq, struct api_resp *rs, uint32_t *codes, size_t *n)
{
    const char *s = api_arg(rq, "item");
    if (!s || !*s) {
        api_reply_error(rs, 400,
                        "argument 'item' is required: an OBIS code like 1.0.1.8.0 or "
                        "an item name like AE_IMP (comma-separated for several)");
        return -1;
    }
    *n = 0;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        char one[48];
        if (*n == ITEMS_MAX || len == 0 || len >= sizeof one) {
            api_reply_error(rs, 400, "argument 'item' must list 1 to %d items", ITEMS_MAX);
            return -1;
        }
        memcpy(one, s, len);
        one[len] = '\0';
        if (api_item_parse(one, &codes[*n]) != 0) {
            api_reply_error(rs, 400,
                            "item '%s' is neither an OBIS code nor an item name "
                            "(meterhub items lists them)",
                            one);
            return -1;
        }
        (*n)++;
        s += len + (e ? 1 : 0);
    }
    return 0;
}

/* 1 when meter id exists, 0 when not, -1 when the store failed. */
static int meter_exists(struct api *a, int64_t id)
{
    struct store_meter_row m;
    int rc = store_meter_get(a->st, id, &m);
    return rc == 0 ? 1 : rc == MH_ENOENT ? 0 : -1;
}

/*
 * One item's readings as CSV rows, or as the start of a JSON series object
 * and its readings (the caller closes it with next_from). Written as text
 * rather than through a jansson tree: a month's curve is thousands of
 * objects, and building, dumping and freeing the tree cost several times
 * the query (bench_api: 2,742 -> 6,031 requests/s for a day of readings). Nothing written needs
 * escaping: item codes, names and units come from const tables (C identifiers, unit symbols),
 * values and times are digits.
 */
static void series_write(struct api_text *out, int csv, int64_t meter, uint32_t code,
                         const struct store_reading *r, int n, int first)
{
    char item[24], val[40], tm[40];
    if (mh_item_format(code, item, sizeof item) < 0)
        item[0] = '\0';
    const struct mh_item_def *def = mh_item_lookup(code);
    const char *unit = def ? mh_unit_name(def->unit) : "";
    if (!csv)
        api_text_add(out, "%s{\"item\":\"%s\",\"name\":\"%s\",\"unit\":\"%s\",\"readings\":[",
                     first ? "" : ",", item, def ? def->sym : "", unit);
    for (int i = 0; i < n; i++) {
        if (mh_dec_format(r[i].value, val, sizeof val) < 0)
            val[0] = '\0';
        api_format_time(r[i].t, tm, sizeof tm);
        const char *q = r[i].quality < 4 ? quality_names[r[i].quality] : "valid";
        if (csv)
            api_text_add(out, "%lld,%s,%s,%s,%s,%s\n", (long long)meter, item, tm, val, unit, q);
        else
            api_text_add(out, "%s{\"t\":%lld,\"time\":\"%s\",\"value\":\"%s\",\"quality\":\"%s\"}",
                         i ? "," : "", (long long)r[i].t, tm, val, q);
    }
}

/*
 * The readings answer of n_meters meters: one meter's object, as
 * /meters/{id}/readings gives it, or with many {"meters":[those objects]}
 * (however many were asked for, so a client reads one shape).
 * Per meter and item at most limit readings, next_from where the next page
 * of that series starts.
 */
static void readings_reply(struct api_req *rq, struct api_resp *rs, int fmt, int many,
                           const int64_t *meters, size_t n_meters, const uint32_t *codes,
                           size_t n_items, int64_t from, int64_t to, int64_t limit)
{
    struct store_reading *buf = malloc(sizeof *buf * (size_t)(limit + 1));
    struct api_text out = {0};
    if (fmt == 1)
        api_text_add(&out, "meter,item,time,value,unit,quality\n");
    else if (many)
        api_text_add(&out, "{\"meters\":[");
    int failed = !buf;
    for (size_t i = 0; i < n_meters && !failed; i++) {
        int64_t meter = meters[i];
        if (fmt == 0)
            api_text_add(&out, "%s{\"meter\":%lld,\"series\":[", i ? "," : "", (long long)meter);
        for (size_t k = 0; k < n_items && !failed; k++) {
            int got = store_readings_range(rq->api->st, meter, codes[k], from, to, buf,
                                           (size_t)limit + 1);
            if (got < 0) {
                failed = 1;
                break;
            }
            int shown = got > limit ? (int)limit : got;
            series_write(&out, fmt, meter, codes[k], buf, shown, k == 0);
            if (fmt == 0 && got > limit)
                api_text_add(&out, "],\"next_from\":%lld}", (long long)buf[shown - 1].t + 1);
            else if (fmt == 0)
                api_text_add(&out, "],\"next_from\":null}");
        }
        if (fmt == 0)
            api_text_add(&out, "]}");
    }
    free(buf);
    if (fmt == 0 && many)
        api_text_add(&out, "]}");
    if (failed || out.oom) {
        free(out.p);
        api_reply_error(rs, 500, "the readings cannot be read");
    } else {
        api_reply_text(rs, 200, fmt == 1 ? "text/csv; charset=utf-8" : "application/json", out.p,
                       out.len);
    }
}

/*
 * GET /meters/{id}/readings?item=..&from=..&to=..&limit=..&format=json|csv
 * Values are the stored decimals as text ("12345.67"), never through a
 * double. Per item, at most limit readings from <= t < to, oldest first;
 * next_from is where the next page starts (null: none).
 */
void api_h_readings(struct api_req *rq, struct api_resp *rs)
{
    static const char *const formats[] = {"json", "csv"};
    uint32_t codes[ITEMS_MAX];
    size_t n_items;
    int64_t from, to, limit;
    int64_t meter = rq->params[0];
    int fmt = api_arg_enum(rq, rs, "format", formats, 2, 0);
    if (fmt < 0 || arg_items(rq, rs, codes, &n_items) || api_arg_time(rq, rs, "from", 0, &from) ||
        api_arg_time(rq, rs, "to", INT64_MAX, &to) ||
        api_arg_int(rq, rs, "limit", 1, READINGS_MAX, 1000, &limit))
        return;
    if (from >= to) {
        api_reply_error(rs, 400, "'from' must be before 'to'");
        return;
    }
    int ex = meter_exists(rq->api, meter);
    if (ex <= 0) {
        if (ex == 0)
            api_reply_error(rs, 404, "no meter with id %lld", (long long)meter);
        else
            api_reply_error(rs, 500, "the store query failed");
        return;
    }
    readings_reply(rq, rs, fmt, 0, &meter, 1, codes, n_items, from, to, limit);
}

/* Every meter=ID of the query (repeated, or comma-separated), in order. */
struct meter_args {
    int64_t ids[METERS_MAX];
    size_t n;
    int bad; /* 1: a value is no id, 2: more than METERS_MAX */
};

static enum MHD_Result meter_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    struct meter_args *m = cls;
    if (strcmp(key, "meter") != 0)
        return MHD_YES;
    const char *s = value ? value : "";
    for (;;) { /* "1,2": ids; "", "1," and ",1" are not */
        char *end;
        long long v = *s >= '0' && *s <= '9' ? strtoll(s, &end, 10) : 0;
        if (v <= 0 || (*end != ',' && *end != '\0')) {
            m->bad = 1;
            return MHD_NO;
        }
        if (m->n == METERS_MAX) {
            m->bad = 2;
            return MHD_NO;
        }
        m->ids[m->n++] = v;
        if (*end == '\0')
            return MHD_YES;
        s = end + 1;
    }
}

/*
 * GET /readings?meter=ID&meter=ID..&item=..&from=..&to=..&limit=..&format=
 * Several meters' readings in one answer, each meter as /meters/{id}/readings
 * gives it (its series and next_from per item); CSV rows of all of them.
 */
void api_h_readings_many(struct api_req *rq, struct api_resp *rs)
{
    static const char *const formats[] = {"json", "csv"};
    uint32_t codes[ITEMS_MAX];
    size_t n_items;
    int64_t from, to, limit;
    struct meter_args *m = calloc(1, sizeof *m);
    if (!m) {
        api_reply_error(rs, 500, "out of memory");
        return;
    }
    MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, meter_arg, m);
    int fmt = api_arg_enum(rq, rs, "format", formats, 2, 0);
    if (m->bad || m->n == 0)
        api_reply_error(rs, 400,
                        "argument 'meter' must give 1 to %d meter ids (meter=1&meter=2 "
                        "or meter=1,2)",
                        METERS_MAX);
    else if (fmt < 0 || arg_items(rq, rs, codes, &n_items) ||
             api_arg_time(rq, rs, "from", 0, &from) || api_arg_time(rq, rs, "to", INT64_MAX, &to) ||
             api_arg_int(rq, rs, "limit", 1, READINGS_MAX, 1000, &limit))
        ;
    else if (from >= to)
        api_reply_error(rs, 400, "'from' must be before 'to'");
    else if ((uint64_t)limit * m->n * n_items > READINGS_ANSWER_MAX)
        api_reply_error(rs, 400, "limit x meters x items must be at most %d: lower the limit",
                        READINGS_ANSWER_MAX);
    else {
        for (size_t i = 0; i < m->n; i++) {
            int ex = meter_exists(rq->api, m->ids[i]);
            if (ex <= 0) {
                if (ex == 0)
                    api_reply_error(rs, 404, "no meter with id %lld", (long long)m->ids[i]);
                else
                    api_reply_error(rs, 500, "the store query failed");
                free(m);
                return;
            }
        }
        readings_reply(rq, rs, fmt, 1, m->ids, m->n, codes, n_items, from, to, limit);
    }
    free(m);
}

static const char *const class_names[] = {"day_freeze", "month_freeze", "curve", "realtime",
                                          "events"};
static const char *const group_names[] = {"kind", "terminal_protocol", "meter_protocol",
                                          "channel_group", "region"};

/* day (required: YYYY-MM-DD) and class; 0 or -1 after a 400. */
static int arg_day_class(struct api_req *rq, struct api_resp *rs, int64_t *day, int *cls)
{
    int64_t t;
    if (!api_arg(rq, "day")) {
        api_reply_error(rs, 400, "argument 'day' is required (YYYY-MM-DD, UTC)");
        return -1;
    }
    if (api_arg_time(rq, rs, "day", 0, &t) != 0)
        return -1;
    *day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    *cls = api_arg_enum(rq, rs, "class", class_names, STORE_CLASS_COUNT_, STORE_CLASS_DAY_FREEZE);
    return *cls < 0 ? -1 : 0;
}

/* A group key as people read it: enum numbers become names. */
static json_t *group_key(int group, const char *key)
{
    char *end;
    long v = strtol(key, &end, 10);
    const char *name = NULL;
    if (*key && !*end && group == STORE_GROUP_TERMINAL_KIND)
        name = archive_kind_name((int)v);
    else if (*key && !*end &&
             (group == STORE_GROUP_TERMINAL_PROTOCOL || group == STORE_GROUP_METER_PROTOCOL))
        name = archive_protocol_name((int)v);
    return json_string(name ? name : key);
}

void api_h_rates(struct api_req *rq, struct api_resp *rs)
{
    int64_t day;
    int cls;
    if (arg_day_class(rq, rs, &day, &cls) != 0)
        return;
    int group = api_arg_enum(rq, rs, "group", group_names, STORE_GROUP_COUNT_, STORE_GROUP_REGION);
    if (group < 0)
        return;
    struct store_rate *rates = malloc(sizeof *rates * RATE_GROUPS_MAX);
    int n = rates ? store_success_rate(rq->api->st, day, cls, group, rates, RATE_GROUPS_MAX)
                  : MH_ENOMEM;
    if (n < 0) {
        free(rates);
        api_reply_error(rs, 500, "the success rates cannot be read");
        return;
    }
    json_t *arr = json_array();
    uint64_t tm = 0, tc = 0, tf = 0;
    for (int i = 0; i < n; i++) {
        const struct store_rate *r = &rates[i];
        char rate[48];
        uint64_t bp = r->meters ? r->collected * 10000 / r->meters : 0;
        snprintf(rate, sizeof rate, "%llu.%02llu", (unsigned long long)(bp / 100),
                 (unsigned long long)(bp % 100));
        json_array_append_new(
            arr,
            json_pack("{s:o, s:I, s:I, s:I, s:I, s:s}", "key", group_key(group, r->key), "meters",
                      (json_int_t)r->meters, "collected", (json_int_t)r->collected, "failed",
                      (json_int_t)r->failed, "never_tried",
                      (json_int_t)(r->meters - r->collected - r->failed), "rate_percent", rate));
        tm += r->meters, tc += r->collected, tf += r->failed;
    }
    free(rates);
    char dayt[40];
    api_format_time(day * 86400, dayt, sizeof dayt);
    dayt[10] = '\0';
    api_reply_json(rs, 200,
                   json_pack("{s:s, s:s, s:s, s:o, s:{s:I, s:I, s:I}}", "day", dayt, "class",
                             class_names[cls], "group", group_names[group], "groups", arr, "total",
                             "meters", (json_int_t)tm, "collected", (json_int_t)tc, "failed",
                             (json_int_t)tf));
}

void api_h_failures(struct api_req *rq, struct api_resp *rs)
{
    int64_t day;
    int cls;
    if (arg_day_class(rq, rs, &day, &cls) != 0)
        return;
    uint64_t counts[STORE_REASON_COUNT_] = {0};
    if (store_failure_reasons(rq->api->st, day, cls, counts) < 0) {
        api_reply_error(rs, 500, "the failure reasons cannot be read");
        return;
    }
    json_t *arr = json_array();
    for (int r = 1; r < STORE_REASON_COUNT_; r++)
        json_array_append_new(arr, json_pack("{s:i, s:s, s:I}", "code", r, "reason",
                                             store_reason_text(r), "count", (json_int_t)counts[r]));
    char dayt[40];
    api_format_time(day * 86400, dayt, sizeof dayt);
    dayt[10] = '\0';
    api_reply_json(
        rs, 200,
        json_pack("{s:s, s:s, s:o}", "day", dayt, "class", class_names[cls], "reasons", arr));
}

/*
 * The collector's latest word on each meter for a day and class: which
 * failed, why, after how many attempts. Paged by meter id.
 */
void api_h_status(struct api_req *rq, struct api_resp *rs)
{
    int64_t day, limit, after, reason, failed;
    int cls;
    if (arg_day_class(rq, rs, &day, &cls) || api_arg_page(rq, rs, &limit, &after) ||
        api_arg_int(rq, rs, "reason", 0, STORE_REASON_COUNT_ - 1, -1, &reason) ||
        api_arg_int(rq, rs, "failed", 0, 1, 0, &failed))
        return;
    struct store_status *out = malloc(sizeof *out * (size_t)limit);
    int n = out ? store_status_list(rq->api->st, day, cls, (int)reason, (int)failed, after, out,
                                    (size_t)limit)
                : MH_ENOMEM;
    api_reply_rows(rs, &api_rows_status, out, n, limit);
    free(out);
}

void api_h_events(struct api_req *rq, struct api_resp *rs)
{
    int64_t limit, after;
    struct store_event_filter f;
    if (api_arg_page(rq, rs, &limit, &after) ||
        api_arg_int(rq, rs, "meter", 1, INT64_MAX, 0, &f.meter) ||
        api_arg_int(rq, rs, "terminal", 1, INT64_MAX, 0, &f.terminal) ||
        api_arg_int(rq, rs, "code", 0, UINT32_MAX, -1, &f.code) ||
        api_arg_time(rq, rs, "from", INT64_MIN, &f.from_s) ||
        api_arg_time(rq, rs, "to", INT64_MAX, &f.to_s))
        return;
    struct store_event_row *out = malloc(sizeof *out * (size_t)limit);
    int n = out ? store_events_list(rq->api->st, &f, after, out, (size_t)limit) : MH_ENOMEM;
    api_reply_rows(rs, &api_rows_event, out, n, limit);
    if (n > 0)
        store_event_rows_free(out, (size_t)n);
    free(out);
}

void api_h_audit(struct api_req *rq, struct api_resp *rs)
{
    int64_t limit, after, from, to;
    if (api_arg_page(rq, rs, &limit, &after) || api_arg_time(rq, rs, "from", 0, &from) ||
        api_arg_time(rq, rs, "to", INT64_MAX / 1000, &to))
        return;
    struct store_audit_row *out = malloc(sizeof *out * (size_t)limit);
    int n = out ? store_audit_list(rq->api->st, api_arg(rq, "who"), from * 1000, to * 1000, after,
                                   out, (size_t)limit)
                : MH_ENOMEM;
    api_reply_rows(rs, &api_rows_audit, out, n, limit);
    free(out);
}
