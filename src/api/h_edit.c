/*
 * Single-row edits of the archive as JSON: POST (create) and PATCH
 * (change) of terminals, meters, customers and areas (docs/api.md
 * "Editing the archive"). Operator role, audited like every write.
 *
 * A body's members are the archive CSV's columns under the names the API
 * shows (docs/archive-csv.md), so they are checked by the very rules an
 * import applies to a line (archive_row_check) and a 400 names the member
 * that is wrong. A PATCH starts from the row as stored and overlays the
 * members given. The store then makes the edit in one transaction
 * (store.h "single-row edits"): 404 for a row that is not there, 409 for
 * a key that is taken, nothing half-done.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/store.h"

/* A body member: its name and the CSV column it fills. */
struct member {
    const char *name;
    int col; /* enum archive_column */
};

static const struct member area_members[] = {{"code", ARCHIVE_COL_AREA},
                                             {"region", ARCHIVE_COL_REGION}};
static const struct member customer_members[] = {{"code", ARCHIVE_COL_CUSTOMER},
                                                  {"class", ARCHIVE_COL_CUSTOMER_CLASS}};
static const struct member terminal_members[] = {{"region", ARCHIVE_COL_REGION},
                                                 {"address", ARCHIVE_COL_TERMINAL_ADDRESS},
                                                 {"kind", ARCHIVE_COL_TERMINAL_KIND},
                                                 {"protocol", ARCHIVE_COL_TERMINAL_PROTOCOL},
                                                 {"channel_group", ARCHIVE_COL_CHANNEL_GROUP}};
static const struct member meter_members[] = {
    {"pn", ARCHIVE_COL_PN},
    {"address", ARCHIVE_COL_METER_ADDRESS},
    {"protocol", ARCHIVE_COL_METER_PROTOCOL},
    {"phases", ARCHIVE_COL_PHASES},
    {"ct", ARCHIVE_COL_CT},
    {"pt", ARCHIVE_COL_PT},
    {"rated_voltage_v", ARCHIVE_COL_RATED_VOLTAGE_V},
    {"contract_kw", ARCHIVE_COL_CONTRACT_KW},
    {"tariff", ARCHIVE_COL_TARIFF},
    {"pv", ARCHIVE_COL_PV},
    {"pv_peak_kw", ARCHIVE_COL_PV_PEAK_KW},
    {"customer", ARCHIVE_COL_CUSTOMER},
    {"area", ARCHIVE_COL_AREA},
    {"area_meter", ARCHIVE_COL_AREA_METER},
};
#define COUNT(a) (sizeof(a) / sizeof(a)[0])

/* A row being edited: column texts (borrowed from bufs or the body) and the members' names. */
struct row {
    const char *text[ARCHIVE_COLUMNS];
    const char *names[ARCHIVE_COLUMNS];
    char buf[ARCHIVE_COLUMNS][32];
};

/* Column col as printf text (the stored value a PATCH starts from). */
static void put(struct row *r, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void put(struct row *r, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->buf[col], sizeof r->buf[col], fmt, ap);
    va_end(ap);
    r->text[col] = r->buf[col];
}

/*
 * Overlay the body's members on r. Members in skip[] (NULL-ended) are the
 * handler's own; any other unknown member, or a value that is not a
 * string, number, boolean or null, is a 400. Returns 0 or -1 after replying.
 */
static int overlay(struct api_resp *rs, json_t *body, const struct member *m, size_t n,
                   const char *const *skip, struct row *r)
{
    for (size_t i = 0; i < n; i++)
        r->names[m[i].col] = m[i].name;
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        size_t i = 0;
        while (i < n && strcmp(m[i].name, key) != 0)
            i++;
        if (i == n) {
            int own = 0;
            for (const char *const *s = skip; s && *s && !own; s++)
                own = strcmp(*s, key) == 0;
            if (own)
                continue;
            api_reply_error(rs, 400, "field '%s' is not known here", key);
            return -1;
        }
        int col = m[i].col;
        if (json_is_string(v))
            r->text[col] = json_string_value(v);
        else if (json_is_integer(v))
            put(r, col, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
            put(r, col, "%.3f", json_real_value(v));
        else if (json_is_boolean(v))
            put(r, col, "%d", json_is_true(v) ? 1 : 0);
        else if (json_is_null(v))
            r->text[col] = "";
        else {
            api_reply_error(rs, 400, "field '%s': must be a string or a number", key);
            return -1;
        }
    }
    return 0;
}

/* Check r's parts by the archive CSV's rules: 0, or -1 after replying 400 naming the field. */
static int check(struct api_req *rq, struct api_resp *rs, struct row *r, unsigned parts,
                 struct archive_row *out)
{
    char err[300];
    if (archive_row_check(r->text, r->names, parts, out, err, sizeof err) == 0)
        return 0;
    snprintf(rq->audit_what, sizeof rq->audit_what, "refused: %.200s", err);
    api_reply_error(rs, 400, "%s", err);
    return -1;
}

/* ?active in a body: *out keeps its value when absent; -1 after replying 400. */
static int body_active(struct api_resp *rs, json_t *body, int *out)
{
    json_t *v = json_object_get(body, "active");
    if (!v)
        return 0;
    if (!json_is_boolean(v)) {
        api_reply_error(rs, 400, "field 'active': must be true or false");
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

/* The store's answer to an edit: 0, or -1 after replying 404/409/500 with why. */
static int stored(struct api_req *rq, struct api_resp *rs, int rc, const char *err)
{
    if (rc == 0)
        return 0;
    unsigned status = rc == MH_ENOENT ? 404 : rc == MH_EEXIST || rc == MH_EPERM ? 409 : 500;
    snprintf(rq->audit_what, sizeof rq->audit_what, "refused: %.200s", err);
    api_reply_error(rs, status, "%s (nothing changed)", err);
    return -1;
}

/* A PATCH's row as stored: 0, or -1 after replying 404 (none with `key`) or 500. */
static int found(struct api_resp *rs, int rc, const char *what, const char *key)
{
    if (rc == MH_ENOENT)
        api_reply_error(rs, 404, "no %s %s", what, key);
    else if (rc != 0)
        api_reply_error(rs, 500, "the store query failed");
    return rc ? -1 : 0;
}

/* An id as the key of found()'s message. */
static const char *id_key(int64_t id, char *buf, size_t cap)
{
    snprintf(buf, cap, "%lld", (long long)id);
    return buf;
}

/* ---- areas ---- */

static void area_write(struct api_req *rq, struct api_resp *rs, int64_t id)
{
    struct store_area_row cur;
    int rc = id ? store_area_get(rq->api->st, id, &cur) : 0;
    char key[24];
    if (found(rs, rc, "area with id", id_key(id, key, sizeof key)) != 0)
        return;
    json_t *body = api_body_object(rq, rs, "{\"code\": \"A1\", \"region\": \"0171\"}");
    if (!body)
        return;
    struct row r = {0};
    if (id) {
        put(&r, ARCHIVE_COL_AREA, "%s", cur.code);
        put(&r, ARCHIVE_COL_REGION, "%04x", (unsigned)cur.region);
    }
    struct archive_row a;
    char err[256] = "";
    if (overlay(rs, body, area_members, COUNT(area_members), NULL, &r) == 0 &&
        check(rq, rs, &r, ARCHIVE_PART_AREA_REGION, &a) == 0) {
        if (!a.area[0]) {
            api_reply_error(rs, 400, "field 'code': an area needs a code");
        } else {
            rc = id ? store_area_update(rq->api->st, id, a.area, a.region, err, sizeof err)
                    : store_area_insert(rq->api->st, a.area, a.region, &id, err, sizeof err);
            if (stored(rq, rs, rc, err) == 0 && store_area_get(rq->api->st, id, &cur) == 0) {
                snprintf(rq->audit_what, sizeof rq->audit_what, "area %lld '%s' region %04x",
                         (long long)id, cur.code, (unsigned)cur.region);
                api_reply_json(rs, rq->method[1] == 'O' ? 201 : 200,
                               api_rows_area.json(&cur));
            }
        }
    }
    json_decref(body);
}

void api_h_area_add(struct api_req *rq, struct api_resp *rs)
{
    area_write(rq, rs, 0);
}

void api_h_area_edit(struct api_req *rq, struct api_resp *rs)
{
    area_write(rq, rs, rq->params[0]);
}

/* ---- customers ---- */

/*
 * ?name in a body (not an archive CSV column): a text of at most cap - 1
 * bytes without control characters, null for none; cur when absent. 0, or
 * -1 after replying 400.
 */
static int body_name(struct api_resp *rs, json_t *body, const char *cur, char *out, size_t cap)
{
    json_t *v = json_object_get(body, "name");
    const char *s = !v ? cur : json_is_null(v) ? "" : json_string_value(v);
    int ok = s && strlen(s) < cap;
    for (const char *p = s; ok && *p; p++)
        ok = (unsigned char)*p >= 0x20 && *p != 0x7f;
    if (!ok) {
        api_reply_error(rs, 400, "field 'name': a text of at most %zu bytes, no control characters",
                        cap - 1);
        return -1;
    }
    snprintf(out, cap, "%s", s);
    return 0;
}

static void customer_write(struct api_req *rq, struct api_resp *rs, const char *code)
{
    struct store_customer_row cur;
    int rc = code ? store_customer_get(rq->api->st, code, &cur) : 0;
    if (found(rs, rc, "customer with code", code) != 0)
        return;
    json_t *body =
        api_body_object(rq, rs, "{\"code\": \"C1\", \"class\": \"residential|...\", \"name\": \"...\"}");
    if (!body)
        return;
    struct row r = {0};
    if (code) {
        put(&r, ARCHIVE_COL_CUSTOMER, "%s", cur.code);
        put(&r, ARCHIVE_COL_CUSTOMER_CLASS, "%s", archive_class_name(cur.class_));
    }
    struct archive_row a;
    char err[256] = "", name[64] = "";
    static const char *const own[] = {"name", NULL};
    if (overlay(rs, body, customer_members, COUNT(customer_members), own, &r) == 0 &&
        body_name(rs, body, code ? cur.name : "", name, sizeof name) == 0 &&
        check(rq, rs, &r, ARCHIVE_PART_CUSTOMER, &a) == 0) {
        if (!a.customer[0]) {
            api_reply_error(rs, 400, "field 'code': a customer needs a code");
        } else {
            rc = code ? store_customer_update(rq->api->st, code, a.customer, a.customer_class,
                                              name, err, sizeof err)
                      : store_customer_insert(rq->api->st, a.customer, a.customer_class, name,
                                              NULL, err, sizeof err);
            if (stored(rq, rs, rc, err) == 0 &&
                store_customer_get(rq->api->st, a.customer, &cur) == 0) {
                snprintf(rq->audit_what, sizeof rq->audit_what, "customer %lld '%s' %s",
                         (long long)cur.id, cur.code, archive_class_name(cur.class_));
                api_reply_json(rs, code ? 200 : 201, api_rows_customer.json(&cur));
            }
        }
    }
    json_decref(body);
}

void api_h_customer_add(struct api_req *rq, struct api_resp *rs)
{
    customer_write(rq, rs, NULL);
}

void api_h_customer_edit(struct api_req *rq, struct api_resp *rs)
{
    customer_write(rq, rs, rq->path + rq->params[0]);
}

/* ---- terminals ---- */

/* A stored terminal's columns (its region with them). */
static void terminal_cols(struct row *r, const struct store_terminal_row *t)
{
    put(r, ARCHIVE_COL_REGION, "%04x", (unsigned)t->region);
    put(r, ARCHIVE_COL_TERMINAL_ADDRESS, "%s", t->address);
    put(r, ARCHIVE_COL_TERMINAL_KIND, "%s", archive_kind_name(t->kind));
    put(r, ARCHIVE_COL_TERMINAL_PROTOCOL, "%s", archive_protocol_name(t->protocol));
    put(r, ARCHIVE_COL_CHANNEL_GROUP, "%s", t->channel_group);
}

static void terminal_write(struct api_req *rq, struct api_resp *rs, int64_t id)
{
    struct store_terminal_row cur = {.active = 1};
    int rc = id ? store_terminal_get(rq->api->st, id, &cur) : 0;
    char key[24];
    if (found(rs, rc, "terminal with id", id_key(id, key, sizeof key)) != 0)
        return;
    json_t *body = api_body_object(
        rq, rs,
        "{\"region\": \"0171\", \"address\": \"01710001\", \"kind\": \"concentrator\","
        " \"protocol\": \"gdw1376\", \"channel_group\": \"G1\", \"active\": true}");
    if (!body)
        return;
    struct row r = {0};
    if (id)
        terminal_cols(&r, &cur);
    static const char *const own[] = {"active", NULL};
    int active = cur.active;
    struct archive_row a;
    char err[256] = "";
    if (overlay(rs, body, terminal_members, COUNT(terminal_members), own, &r) == 0 &&
        body_active(rs, body, &active) == 0 &&
        check(rq, rs, &r, ARCHIVE_PART_AREA_REGION | ARCHIVE_PART_TERMINAL, &a) == 0) {
        struct store_terminal t = {.id = id, .region = a.region, .kind = a.terminal_kind,
                                   .protocol = a.terminal_protocol};
        snprintf(t.address, sizeof t.address, "%s", a.terminal_address);
        snprintf(t.channel_group, sizeof t.channel_group, "%s", a.channel_group);
        rc = id ? store_terminal_update(rq->api->st, &t, active, err, sizeof err)
                : store_terminal_insert(rq->api->st, &t, &id, err, sizeof err);
        if (stored(rq, rs, rc, err) == 0 && store_terminal_get(rq->api->st, id, &cur) == 0) {
            snprintf(rq->audit_what, sizeof rq->audit_what, "terminal %lld %04x/%s %s %s %s",
                     (long long)id, (unsigned)cur.region, cur.address,
                     archive_kind_name(cur.kind), archive_protocol_name(cur.protocol),
                     cur.active ? "active" : "retired");
            api_reply_json(rs, rq->method[1] == 'O' ? 201 : 200, api_rows_terminal.json(&cur));
        }
    }
    json_decref(body);
}

void api_h_terminal_add(struct api_req *rq, struct api_resp *rs)
{
    terminal_write(rq, rs, 0);
}

void api_h_terminal_edit(struct api_req *rq, struct api_resp *rs)
{
    terminal_write(rq, rs, rq->params[0]);
}

/* ---- meters ---- */

/* A stored meter's columns. */
static void meter_cols(struct row *r, const struct store_meter_row *m)
{
    if (m->pn > 0)
        put(r, ARCHIVE_COL_PN, "%d", m->pn);
    put(r, ARCHIVE_COL_METER_ADDRESS, "%012llu", (unsigned long long)m->address);
    put(r, ARCHIVE_COL_METER_PROTOCOL, "%s", archive_protocol_name(m->protocol));
    put(r, ARCHIVE_COL_PHASES, "%u", (unsigned)m->phases);
    put(r, ARCHIVE_COL_CT, "%lu", (unsigned long)m->ct);
    put(r, ARCHIVE_COL_PT, "%lu", (unsigned long)m->pt);
    put(r, ARCHIVE_COL_RATED_VOLTAGE_V, "%u", (unsigned)m->rated_voltage_v);
    put(r, ARCHIVE_COL_CONTRACT_KW, "%lld.%03lld", (long long)(m->contract_w / 1000),
        (long long)(m->contract_w % 1000));
    put(r, ARCHIVE_COL_TARIFF, "%s", m->tariff);
    put(r, ARCHIVE_COL_PV, "%u", (unsigned)m->pv);
    put(r, ARCHIVE_COL_PV_PEAK_KW, "%lld.%03lld", (long long)(m->pv_peak_w / 1000),
        (long long)(m->pv_peak_w % 1000));
    put(r, ARCHIVE_COL_CUSTOMER, "%s", m->customer);
    put(r, ARCHIVE_COL_AREA, "%s", m->area);
    put(r, ARCHIVE_COL_AREA_METER, "%u", (unsigned)m->area_meter);
}

/* ?terminal in a body: *out keeps its value when absent; -1 after replying 400. */
static int body_terminal(struct api_resp *rs, json_t *body, int64_t *out)
{
    json_t *v = json_object_get(body, "terminal");
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        api_reply_error(rs, 400, "field 'terminal': must be a terminal id");
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

/*
 * The columns that are not the meter's own: the terminal's (a meter is
 * checked as a CSV line reading it) and the customer's class (a user meter
 * needs a customer, as in the file). 0, or -1 after replying 400.
 */
static int meter_context(struct api_req *rq, struct api_resp *rs, struct row *r, int64_t terminal,
                         int active)
{
    struct store_terminal_row t;
    if (terminal) {
        int rc = store_terminal_get(rq->api->st, terminal, &t);
        if (rc != 0 || !t.active) {
            api_reply_error(rs, 400, "field 'terminal': no active terminal with id %lld",
                            (long long)terminal);
            return -1;
        }
        terminal_cols(r, &t);
    } else if (active) {
        api_reply_error(rs, 400, "field 'terminal': an active meter is read through a terminal");
        return -1;
    } else {
        put(r, ARCHIVE_COL_REGION, "0000"); /* a retired meter: no terminal, no point, none kept */
        if (!r->text[ARCHIVE_COL_PN] || !r->text[ARCHIVE_COL_PN][0])
            put(r, ARCHIVE_COL_PN, "1");
    }
    const char *customer = r->text[ARCHIVE_COL_CUSTOMER];
    struct store_customer_row c;
    if (customer && customer[0]) {
        if (store_customer_get(rq->api->st, customer, &c) != 0) {
            api_reply_error(rs, 400, "field 'customer': no customer with code '%s'", customer);
            return -1;
        }
        put(r, ARCHIVE_COL_CUSTOMER_CLASS, "%s", archive_class_name(c.class_));
    } else {
        put(r, ARCHIVE_COL_CUSTOMER_CLASS, "%s", archive_class_name(ARCHIVE_CLASS_AREA));
    }
    return 0;
}

static void meter_write(struct api_req *rq, struct api_resp *rs, int64_t id)
{
    struct store_meter_row cur = {.active = 1};
    int rc = id ? store_meter_get(rq->api->st, id, &cur) : 0;
    char key[24];
    if (found(rs, rc, "meter with id", id_key(id, key, sizeof key)) != 0)
        return;
    json_t *body = api_body_object(
        rq, rs,
        "{\"terminal\": 1, \"pn\": 2, \"address\": \"100000000001\", \"protocol\": \"dlt645-2007\","
        " ..., \"customer\": \"C1\", \"area\": \"A1\", \"active\": true}");
    if (!body)
        return;
    struct row r = {0};
    if (id)
        meter_cols(&r, &cur);
    static const char *const own[] = {"active", "terminal", NULL};
    int active = cur.active;
    int64_t terminal = cur.terminal;
    struct archive_row a;
    char err[256] = "";
    if (overlay(rs, body, meter_members, COUNT(meter_members), own, &r) == 0 &&
        body_active(rs, body, &active) == 0 && body_terminal(rs, body, &terminal) == 0 &&
        meter_context(rq, rs, &r, active ? terminal : 0, active) == 0 &&
        /* a retired meter has no terminal columns to check */
        check(rq, rs, &r, active ? ARCHIVE_PART_ALL : ARCHIVE_PART_AREA_REGION | ARCHIVE_PART_METER,
              &a) == 0) {
        rc = id ? store_meter_update(rq->api->st, id, &a, terminal, active, err, sizeof err)
                : store_meter_insert(rq->api->st, &a, terminal, &id, err, sizeof err);
        if (stored(rq, rs, rc, err) == 0 && store_meter_get(rq->api->st, id, &cur) == 0) {
            snprintf(rq->audit_what, sizeof rq->audit_what,
                     "meter %lld %012llu %s terminal %lld pn %d customer '%s' area '%s'",
                     (long long)id, (unsigned long long)cur.address,
                     cur.active ? "at" : "retired from", (long long)terminal, (int)a.pn,
                     cur.customer, cur.area);
            api_reply_json(rs, rq->method[1] == 'O' ? 201 : 200, api_rows_meter.json(&cur));
        }
    }
    json_decref(body);
}

void api_h_meter_add(struct api_req *rq, struct api_resp *rs)
{
    meter_write(rq, rs, 0);
}

void api_h_meter_edit(struct api_req *rq, struct api_resp *rs)
{
    meter_write(rq, rs, rq->params[0]);
}
