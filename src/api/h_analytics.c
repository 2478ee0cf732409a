/*
 * The daily analysis's results (store.h "analytics results", written by
 * meterhub analyze): alarms and their acknowledgement, consumption per
 * meter and day, line loss per area and day.
 *
 * Energies leave as exact decimal strings of kWh ("123.4567"), as readings
 * do. Days are local calendar dates ("2026-11-24"); from and to take a date
 * (to exclusive). Consumption and line loss page by a cursor that joins the
 * subject and the day (subject id x 10^7 + day number).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "meterhub/app/anomaly.h"
#include "meterhub/base/err.h"

#define DAY_SPLIT 10000000LL /* day numbers stay below it until the year 29349 */

static json_t *kwh(int64_t wh10)
{
    if (wh10 == STORE_WH10_NONE)
        return json_null();
    char buf[32];
    mh_dec_format(mh_dec_make(wh10, -4), buf, sizeof buf);
    return json_string(buf);
}

static json_t *date_of(int64_t day)
{
    char buf[32];
    api_format_time(day * 86400, buf, sizeof buf);
    buf[10] = 0; /* the date part */
    return json_string(buf);
}

static json_t *time_or_null(int64_t t)
{
    if (t == 0)
        return json_null();
    char buf[32];
    api_format_time(t, buf, sizeof buf);
    return json_string(buf);
}

static json_t *alarm_json(const void *row)
{
    const struct store_alarm *a = row;
    json_t *ack = json_null();
    if (a->ack_ms) {
        char at[40];
        api_format_time_ms(a->ack_ms, at, sizeof at);
        ack = json_pack("{s:s, s:s}", "by", a->ack_who, "at", at);
    }
    return json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:f, s:f, s:s, s:o}",
                     "id", (json_int_t)a->id, "type", anomaly_type_name(a->type), "phase",
                     a->phase < 3 ? json_integer(a->phase) : json_null(), "meter",
                     a->meter ? json_integer(a->meter) : json_null(), "terminal",
                     a->terminal ? json_integer(a->terminal) : json_null(), "area",
                     a->area[0] ? json_string(a->area) : json_null(), "start",
                     time_or_null(a->start_s), "end", time_or_null(a->end_s), "open",
                     a->end_s == 0, "first_day", date_of(a->first_day), "last_day",
                     date_of(a->last_day), "value", (double)a->value_milli / 1000, "limit",
                     (double)a->limit_milli / 1000, "evidence", a->evidence, "ack", ack);
}

static int64_t alarm_cursor(const void *row)
{
    return ((const struct store_alarm *)row)->id;
}

static const struct api_row_kind rows_alarm = {sizeof(struct store_alarm), alarm_json,
                                               alarm_cursor};

static json_t *registers(const int64_t *v)
{
    return json_pack("{s:o, s:[o, o, o, o]}", "total", kwh(v[0]), "tariffs", kwh(v[1]), kwh(v[2]),
                     kwh(v[3]), kwh(v[4]));
}

static json_t *consumption_json(const void *row)
{
    static const char *const status[] = {"ok",           "rollover",    "replaced",
                                         "negative",     "implausible", "missing"};
    const struct store_consumption *c = row;
    return json_pack("{s:I, s:o, s:s, s:s, s:o, s:o}", "meter", (json_int_t)c->meter, "day",
                     date_of(c->day), "quality",
                     c->quality == STORE_Q_ESTIMATED ? "estimated" : "valid", "status",
                     c->status < 6 ? status[c->status] : "?", "import_kwh",
                     registers(c->import_wh10), "export_kwh", registers(c->export_wh10));
}

static int64_t consumption_cursor(const void *row)
{
    const struct store_consumption *c = row;
    return c->meter * DAY_SPLIT + c->day;
}

static const struct api_row_kind rows_consumption = {sizeof(struct store_consumption),
                                                     consumption_json, consumption_cursor};

static json_t *lineloss_json(const void *row)
{
    const struct store_lineloss *l = row;
    json_t *sus = json_array();
    for (int k = 0; k < 3; k++)
        if (l->suspects[k])
            json_array_append_new(sus, json_integer(l->suspects[k]));
    json_t *flags = json_array();
    static const char *const names[] = {"negative", "high", "sudden", "incomplete"};
    for (int k = 0; k < 4; k++)
        if (l->flags & (1u << k))
            json_array_append_new(flags, json_string(names[k]));
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:f, s:o, s:o, s:I, s:I, s:o}", "area",
                     l->area_code, "day", date_of(l->day), "supply_kwh", kwh(l->supply_wh10),
                     "users_kwh", kwh(l->users_wh10), "loss_kwh", kwh(l->loss_wh10), "rate",
                     (double)l->rate_ppm / 1e6, "rise_kwh", kwh(l->rise_wh10), "flags", flags,
                     "users", (json_int_t)l->users, "missing", (json_int_t)l->missing,
                     "suspects", sus);
}

static int64_t lineloss_cursor(const void *row)
{
    const struct store_lineloss *l = row;
    return l->area * DAY_SPLIT + l->day;
}

static const struct api_row_kind rows_lineloss = {sizeof(struct store_lineloss), lineloss_json,
                                                  lineloss_cursor};

/* from / to as day numbers: a date's (or time's) day, to exclusive. */
static int day_range(struct api_req *rq, struct api_resp *rs, int64_t *from, int64_t *to)
{
    int64_t f, t;
    if (api_arg_time(rq, rs, "from", 0, &f) || api_arg_time(rq, rs, "to", INT64_MAX, &t))
        return -1;
    *from = f / 86400;
    *to = t == INT64_MAX ? DAY_SPLIT : t / 86400;
    return 0;
}

void api_h_alarms(struct api_req *rq, struct api_resp *rs)
{
    static const char *const state[] = {"closed", "open"};
    const char *types[ANOMALY_TYPE_COUNT_];
    for (int t = 0; t < ANOMALY_TYPE_COUNT_; t++)
        types[t] = anomaly_type_name(t);
    int64_t limit, after;
    struct store_alarm_filter f = STORE_ALARM_FILTER_ANY;
    if (api_arg_page(rq, rs, &limit, &after) ||
        api_arg_int(rq, rs, "meter", 1, INT64_MAX, 0, &f.meter) ||
        api_arg_int(rq, rs, "terminal", 1, INT64_MAX, 0, &f.terminal) ||
        api_arg_time(rq, rs, "from", 0, &f.from_s) ||
        api_arg_time(rq, rs, "to", INT64_MAX, &f.to_s))
        return;
    if ((f.type = api_arg_enum(rq, rs, "type", types, ANOMALY_TYPE_COUNT_, -1)) == -1 &&
        api_arg(rq, "type"))
        return;
    if ((f.open = api_arg_enum(rq, rs, "state", state, 2, -1)) == -1 && api_arg(rq, "state"))
        return;
    f.area = api_arg(rq, "area");
    struct store_alarm *out = malloc(sizeof *out * (size_t)limit);
    int n = out ? store_alarms_list(rq->api->st, &f, after, out, (size_t)limit) : MH_ENOMEM;
    api_reply_rows(rs, &rows_alarm, out, n, limit);
    free(out);
}

void api_h_alarm_ack(struct api_req *rq, struct api_resp *rs)
{
    int64_t id = rq->params[0];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int rc = store_alarm_ack(rq->api->st, id, rq->token_name,
                             (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    snprintf(rq->audit_what, sizeof rq->audit_what, "acknowledge alarm %lld", (long long)id);
    if (rc == MH_EINVAL) {
        api_reply_error(rs, 400, "a token name of 1..47 characters acknowledges");
        return;
    }
    struct store_alarm a;
    if (rc == 0)
        rc = store_alarm_get(rq->api->st, id, &a);
    api_reply_row(rs, &rows_alarm, &a, rc, "alarm", id);
}

void api_h_consumption(struct api_req *rq, struct api_resp *rs)
{
    int64_t limit, after, meter, from, to;
    if (api_arg_page(rq, rs, &limit, &after) ||
        api_arg_int(rq, rs, "meter", 1, INT64_MAX / DAY_SPLIT, 0, &meter) ||
        day_range(rq, rs, &from, &to))
        return;
    struct store_consumption *out = malloc(sizeof *out * (size_t)limit);
    int n = out ? store_consumption_list(rq->api->st, meter, from, to, after / DAY_SPLIT,
                                         after % DAY_SPLIT, out, (size_t)limit)
                : MH_ENOMEM;
    api_reply_rows(rs, &rows_consumption, out, n, limit);
    free(out);
}

void api_h_lineloss(struct api_req *rq, struct api_resp *rs)
{
    int64_t limit, after, from, to;
    if (api_arg_page(rq, rs, &limit, &after) || day_range(rq, rs, &from, &to))
        return;
    struct store_lineloss *out = malloc(sizeof *out * (size_t)limit);
    int n = out ? store_lineloss_list(rq->api->st, api_arg(rq, "area"), from, to,
                                      after / DAY_SPLIT, after % DAY_SPLIT, out, (size_t)limit)
                : MH_ENOMEM;
    api_reply_rows(rs, &rows_lineloss, out, n, limit);
    free(out);
}
