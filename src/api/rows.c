/*
 * Query rows to JSON: one generic walk over the result columns, with the
 * columns people read differently from how they are stored shown through a
 * const table of converters rather than per-endpoint code.
 */
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/store.h"

static json_t *show_protocol(sqlite3_stmt *s, int i)
{
    const char *n = archive_protocol_name(sqlite3_column_int(s, i));
    return n ? json_string(n) : json_integer(sqlite3_column_int(s, i));
}

static json_t *show_kind(sqlite3_stmt *s, int i)
{
    const char *n = archive_kind_name(sqlite3_column_int(s, i));
    return n ? json_string(n) : json_integer(sqlite3_column_int(s, i));
}

/* Regions are 4 BCD digits stored as a number (0x0171 = 369): shown as "0171". */
static json_t *show_region(sqlite3_stmt *s, int i)
{
    char b[8];
    snprintf(b, sizeof b, "%04x", (unsigned)sqlite3_column_int(s, i) & 0xffffu);
    return json_string(b);
}

static json_t *show_address(sqlite3_stmt *s, int i)
{
    char b[24];
    snprintf(b, sizeof b, "%012lld", (long long)sqlite3_column_int64(s, i));
    return json_string(b);
}

static json_t *show_time_s(sqlite3_stmt *s, int i)
{
    char b[40];
    api_format_time(sqlite3_column_int64(s, i), b, sizeof b);
    return json_string(b);
}

static json_t *show_time_ms(sqlite3_stmt *s, int i)
{
    char b[40];
    api_format_time_ms(sqlite3_column_int64(s, i), b, sizeof b);
    return json_string(b);
}

/* A collection status reason (an integer; link history reasons are text and stay so). */
static json_t *show_reason(sqlite3_stmt *s, int i)
{
    return json_string(store_reason_text(sqlite3_column_int(s, i)));
}

static json_t *show_bool(sqlite3_stmt *s, int i)
{
    return json_boolean(sqlite3_column_int(s, i));
}

/* The payload column holds JSON text (checked by json_valid on insert): embedded as JSON. */
static json_t *show_json(sqlite3_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    json_t *j = t ? json_loads(t, JSON_DECODE_ANY, NULL) : NULL;
    return j ? j : json_string(t ? t : "");
}

static const struct {
    const char *column;
    json_t *(*show)(sqlite3_stmt *s, int i);
} shown[] = {
    {"protocol", show_protocol}, {"kind", show_kind},       {"region", show_region},
    {"address", show_address},   {"start", show_time_s},    {"end", show_time_s},
    {"time", show_time_ms},      {"since", show_time_ms},   {"online", show_bool},
    {"active", show_bool},       {"pv", show_bool},         {"area_meter", show_bool},
    {"payload", show_json},      {"updated", show_time_ms}, {"reason", show_reason},
};

static json_t *column_json(sqlite3_stmt *s, int i)
{
    int type = sqlite3_column_type(s, i);
    if (type == SQLITE_NULL)
        return json_null();
    const char *name = sqlite3_column_name(s, i);
    for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++)
        if (strcmp(name, shown[k].column) == 0 && type == SQLITE_INTEGER)
            return shown[k].show(s, i);
    if (type == SQLITE_INTEGER)
        return json_integer(sqlite3_column_int64(s, i));
    if (strcmp(name, "payload") == 0)
        return show_json(s, i);
    return json_string((const char *)sqlite3_column_text(s, i));
}

int api_db_open(const char *uri, sqlite3 **out, char *err, size_t cap)
{
    if (!uri || strstr(uri, "://")) {
        if (err && cap)
            snprintf(err, cap, "%s: the API reads SQLite stores only", uri ? uri : "(null)");
        return MH_ENOTSUP;
    }
    const char *path = strncmp(uri, "sqlite:", 7) == 0 ? uri + 7 : uri;
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        sqlite3_busy_timeout(db, 10000);
    else {
        if (err && cap)
            snprintf(err, cap, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return MH_EIO;
    }
    *out = db;
    return 0;
}

sqlite3_stmt *api_db_prepare(struct api *a, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(a->db, sql, -1, &s, NULL) != SQLITE_OK)
        return NULL;
    return s;
}

json_t *api_rows_json(sqlite3_stmt *s, int64_t limit, int64_t *last_id)
{
    json_t *arr = json_array();
    int rc = SQLITE_ROW;
    int64_t n = 0;
    while (arr && (limit == 0 || n < limit) && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int i = 0; o && i < sqlite3_column_count(s); i++)
            json_object_set_new(o, sqlite3_column_name(s, i), column_json(s, i));
        json_array_append_new(arr, o);
        if (last_id)
            *last_id = sqlite3_column_int64(s, 0);
        n++;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

void api_reply_page(struct api_resp *rs, json_t *rows, int64_t limit, int64_t last_id)
{
    if (!rows) {
        api_reply_error(rs, 500, "the store query failed");
        return;
    }
    json_t *next = (int64_t)json_array_size(rows) == limit ? json_integer(last_id) : json_null();
    api_reply_json(rs, 200, json_pack("{s:o, s:o}", "items", rows, "next", next));
}

void api_bind_arg(struct api_req *rq, sqlite3_stmt *s, int i, const char *name)
{
    const char *v = api_arg(rq, name);
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

void api_list(struct api_req *rq, struct api_resp *rs, const char *sql,
              int (*bind)(struct api_req *rq, struct api_resp *rs, sqlite3_stmt *s))
{
    struct api *a = rq->api;
    int64_t limit, after;
    if (api_arg_page(rq, rs, &limit, &after) != 0)
        return;
    pthread_mutex_lock(&a->db_mu);
    sqlite3_stmt *s = api_db_prepare(a, sql);
    json_t *rows = NULL;
    int64_t last = 0;
    if (!s) {
        pthread_mutex_unlock(&a->db_mu);
        api_reply_error(rs, 500, "the store query failed: %s", sqlite3_errmsg(a->db));
        return;
    }
    if (bind(rq, rs, s) != 0) {
        sqlite3_finalize(s);
        pthread_mutex_unlock(&a->db_mu);
        return;
    }
    rows = api_rows_json(s, limit, &last);
    pthread_mutex_unlock(&a->db_mu);
    api_reply_page(rs, rows, limit, last);
}

void api_get_one(struct api_req *rq, struct api_resp *rs, const char *sql, const char *what)
{
    struct api *a = rq->api;
    pthread_mutex_lock(&a->db_mu);
    sqlite3_stmt *s = api_db_prepare(a, sql);
    json_t *rows = NULL;
    if (s) {
        sqlite3_bind_int64(s, 1, rq->params[0]);
        rows = api_rows_json(s, 1, NULL);
    }
    pthread_mutex_unlock(&a->db_mu);
    if (!rows)
        api_reply_error(rs, 500, "the store query failed");
    else if (json_array_size(rows) == 0)
        api_reply_error(rs, 404, "no %s with id %lld", what, (long long)rq->params[0]);
    else
        api_reply_json(rs, 200, json_incref(json_array_get(rows, 0)));
    json_decref(rows);
}
