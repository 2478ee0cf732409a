/*
 * Store rows to JSON, as people read them: enum numbers as their names,
 * regions as the archive writes them ("0171"), meter addresses as 12
 * digits, times in ISO 8601, flags as booleans, absent values as null.
 * One table entry per row kind (struct api_row_kind) so the listing
 * handlers share one reply path.
 */
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/store.h"

static json_t *protocol_json(int p)
{
    const char *n = archive_protocol_name(p);
    return n && strcmp(n, "?") != 0 ? json_string(n) : json_integer(p);
}

static json_t *kind_json(int k)
{
    const char *n = archive_kind_name(k);
    return n && strcmp(n, "?") != 0 ? json_string(n) : json_integer(k);
}

/* Regions are 4 BCD digits stored as a number (0x0171 = 369): shown as "0171". */
static json_t *region_json(unsigned r)
{
    char b[8];
    snprintf(b, sizeof b, "%04x", r & 0xffffu);
    return json_string(b);
}

static json_t *time_s_json(int64_t t)
{
    char b[40];
    api_format_time(t, b, sizeof b);
    return json_string(b);
}

static json_t *time_ms_json(int64_t t)
{
    char b[40];
    api_format_time_ms(t, b, sizeof b);
    return json_string(b);
}

/* A text the store gives as "" when absent. */
static json_t *text_or_null(const char *s)
{
    return *s ? json_string(s) : json_null();
}

static json_t *id_or_null(int64_t id)
{
    return id ? json_integer(id) : json_null();
}

static json_t *terminal_json(const void *row)
{
    const struct store_terminal_row *t = row;
    return json_pack("{s:I, s:o, s:s, s:o, s:o, s:s, s:b, s:I, s:o, s:o}", "id", (json_int_t)t->id,
                     "region", region_json(t->region), "address", t->address, "kind",
                     kind_json(t->kind), "protocol", protocol_json(t->protocol), "channel_group",
                     t->channel_group, "active", t->active != 0, "points", (json_int_t)t->points,
                     "online", t->online < 0 ? json_null() : json_boolean(t->online), "since",
                     t->online < 0 ? json_null() : time_ms_json(t->since_ms));
}

static json_t *link_json(const void *row)
{
    const struct store_link_row *l = row;
    return json_pack("{s:I, s:o, s:b, s:o}", "id", (json_int_t)l->t_ms, "time",
                     time_ms_json(l->t_ms), "online", l->online != 0, "reason",
                     text_or_null(l->reason));
}

static json_t *meter_json(const void *row)
{
    const struct store_meter_row *m = row;
    char addr[24];
    snprintf(addr, sizeof addr, "%012llu", (unsigned long long)m->address);
    json_t *j =
        json_pack("{s:I, s:s, s:o, s:i, s:I, s:I, s:i, s:I, s:s, s:b, s:I}", "id",
                  (json_int_t)m->id, "address", addr, "protocol", protocol_json(m->protocol),
                  "phases", m->phases, "ct", (json_int_t)m->ct, "pt", (json_int_t)m->pt,
                  "rated_voltage_v", m->rated_voltage_v, "contract_w", (json_int_t)m->contract_w,
                  "tariff", m->tariff, "pv", m->pv != 0, "pv_peak_w", (json_int_t)m->pv_peak_w);
    if (j &&
        json_object_update_new(
            j, json_pack("{s:o, s:o, s:b, s:b, s:o, s:o}", "customer", text_or_null(m->customer),
                         "area", text_or_null(m->area), "area_meter", m->area_meter != 0, "active",
                         m->active != 0, "terminal", id_or_null(m->terminal), "pn",
                         m->pn < 0 ? json_null() : json_integer(m->pn))) != 0) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* The payload is JSON text (checked on insert): embedded as JSON. */
static json_t *payload_json(const char *t)
{
    if (!t)
        return json_null();
    json_t *j = json_loads(t, JSON_DECODE_ANY, NULL);
    return j ? j : json_string(t);
}

static json_t *event_json(const void *row)
{
    const struct store_event_row *e = row;
    return json_pack("{s:I, s:o, s:o, s:I, s:o, s:o, s:o}", "id", (json_int_t)e->id, "meter",
                     id_or_null(e->meter), "terminal", id_or_null(e->terminal), "code",
                     (json_int_t)e->code, "start", time_s_json(e->start_s), "end",
                     e->end_s ? time_s_json(e->end_s) : json_null(), "payload",
                     payload_json(e->payload_json));
}

static json_t *audit_json(const void *row)
{
    const struct store_audit_row *a = row;
    return json_pack("{s:I, s:s, s:o, s:s, s:i}", "id", (json_int_t)a->id, "who", a->who, "time",
                     time_ms_json(a->t_ms), "what", a->what, "result", a->result);
}

static json_t *status_json(const void *row)
{
    const struct store_status *s = row;
    return json_pack("{s:I, s:s, s:i, s:i, s:o}", "id", (json_int_t)s->meter, "reason",
                     store_reason_text(s->reason), "reason_code", s->reason, "attempts",
                     s->attempts, "updated", time_ms_json(s->updated_ms));
}

static int64_t terminal_cursor(const void *row)
{
    return ((const struct store_terminal_row *)row)->id;
}
static int64_t link_cursor(const void *row)
{
    return ((const struct store_link_row *)row)->t_ms;
}
static int64_t meter_cursor(const void *row)
{
    return ((const struct store_meter_row *)row)->id;
}
static int64_t event_cursor(const void *row)
{
    return ((const struct store_event_row *)row)->id;
}
static int64_t audit_cursor(const void *row)
{
    return ((const struct store_audit_row *)row)->id;
}
static int64_t status_cursor(const void *row)
{
    return ((const struct store_status *)row)->meter;
}

const struct api_row_kind api_rows_terminal = {sizeof(struct store_terminal_row), terminal_json,
                                               terminal_cursor};
const struct api_row_kind api_rows_link = {sizeof(struct store_link_row), link_json, link_cursor};
const struct api_row_kind api_rows_meter = {sizeof(struct store_meter_row), meter_json,
                                            meter_cursor};
const struct api_row_kind api_rows_event = {sizeof(struct store_event_row), event_json,
                                            event_cursor};
const struct api_row_kind api_rows_audit = {sizeof(struct store_audit_row), audit_json,
                                            audit_cursor};
const struct api_row_kind api_rows_status = {sizeof(struct store_status), status_json,
                                             status_cursor};

void api_reply_rows(struct api_resp *rs, const struct api_row_kind *k, const void *out, int n,
                    int64_t limit)
{
    if (n < 0) {
        api_reply_error(rs, 500, "the store query failed");
        return;
    }
    json_t *arr = json_array();
    for (int i = 0; arr && i < n; i++) {
        json_t *o = k->json((const char *)out + (size_t)i * k->size);
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    if (!arr) {
        api_reply_error(rs, 500, "out of memory");
        return;
    }
    json_t *next = n > 0 && n == limit
                       ? json_integer(k->cursor((const char *)out + (size_t)(n - 1) * k->size))
                       : json_null();
    api_reply_json(rs, 200, json_pack("{s:o, s:o}", "items", arr, "next", next));
}

void api_reply_row(struct api_resp *rs, const struct api_row_kind *k, const void *row, int rc,
                   const char *what, int64_t id)
{
    json_t *o = rc == 0 ? k->json(row) : NULL;
    if (o)
        api_reply_json(rs, 200, o);
    else if (rc == MH_ENOENT)
        api_reply_error(rs, 404, "no %s with id %lld", what, (long long)id);
    else
        api_reply_error(rs, 500, rc == 0 ? "out of memory" : "the store query failed");
}

static json_t *area_json(const void *row)
{
    const struct store_area_row *a = row;
    return json_pack("{s:I, s:s, s:o, s:I, s:I, s:o}", "id", (json_int_t)a->id, "code", a->code,
                     "region", region_json(a->region), "terminals", (json_int_t)a->terminals,
                     "meters", (json_int_t)a->meters, "supply_meter",
                     a->supply_meter ? json_integer(a->supply_meter) : json_null());
}

static int64_t area_cursor(const void *row)
{
    return ((const struct store_area_row *)row)->id;
}

const struct api_row_kind api_rows_area = {sizeof(struct store_area_row), area_json, area_cursor};

static json_t *customer_json(const void *row)
{
    const struct store_customer_row *c = row;
    return json_pack("{s:I, s:s, s:o, s:s, s:I}", "id", (json_int_t)c->id, "code", c->code,
                     "name", text_or_null(c->name), "class", archive_class_name(c->class_),
                     "meters", (json_int_t)c->meters);
}

static int64_t customer_cursor(const void *row)
{
    return ((const struct store_customer_row *)row)->id;
}

const struct api_row_kind api_rows_customer = {sizeof(struct store_customer_row), customer_json,
                                               customer_cursor};

static json_t *point_json(const void *row)
{
    const struct store_point_row *p = row;
    char addr[24];
    snprintf(addr, sizeof addr, "%012llu", (unsigned long long)p->meter_address);
    return json_pack("{s:I, s:I, s:i, s:o, s:s, s:o, s:I, s:s, s:o, s:o, s:o, s:b}", "id",
                     (json_int_t)p->id, "terminal", (json_int_t)p->terminal, "pn", p->pn,
                     "region", region_json(p->region), "terminal_address", p->terminal_address,
                     "terminal_protocol", protocol_json(p->terminal_protocol), "meter",
                     (json_int_t)p->meter, "meter_address", addr, "protocol",
                     protocol_json(p->protocol), "area", text_or_null(p->area), "customer",
                     text_or_null(p->customer), "active", p->active != 0);
}

static int64_t point_cursor(const void *row)
{
    return ((const struct store_point_row *)row)->id;
}

const struct api_row_kind api_rows_point = {sizeof(struct store_point_row), point_json,
                                            point_cursor};
