/*
 * Information release: what the collector made durable, as bus messages
 * (subjects and payloads: docs/bus.md), and the collect_observer that
 * feeds them to a publisher.
 *
 * Readings are formatted on the loop thread when the reply is decoded and
 * sent only from the store's append callback, once COMMIT returned: a
 * consumer never sees a reading the station could still lose. Events and
 * link changes are written synchronously, so they are published right
 * after their store call returned 0.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "meterhub/base/err.h"
#include "meterhub/bus.h"
#include "meterhub/collect.h"
#include "meterhub/proto/item.h"
#include "meterhub/proto/value.h"
#include "meterhub/store.h"

static const char *const quality_names[] = {"valid", "estimated", "suspect", "missing"};

const char *bus_quality_name(int q)
{
    return q >= 0 && q < 4 ? quality_names[q] : "?";
}

/* "2026-11-23T16:00:00Z", or with milliseconds "...:00.123Z". */
static void iso_time(int64_t ms, int with_ms, char *buf, size_t cap)
{
    struct mh_tm t;
    int64_t s = ms / 1000 - (ms % 1000 < 0);
    mh_tm_from_epoch(s, &t);
    if (with_ms)
        snprintf(buf, cap, "%04u-%02u-%02uT%02u:%02u:%02u.%03dZ", t.year, t.mon, t.day, t.hour,
                 t.min, t.sec, (int)(ms - s * 1000));
    else
        snprintf(buf, cap, "%04u-%02u-%02uT%02u:%02u:%02uZ", t.year, t.mon, t.day, t.hour, t.min,
                 t.sec);
}

/* A subject token: NATS separates tokens with '.', and '*', '>' and blanks are special. */
static void token(const char *in, char *out, size_t cap)
{
    size_t k = 0;
    for (; *in && k + 1 < cap; in++) {
        char ch = *in;
        int ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 ch == '-' || ch == '_';
        out[k++] = ok ? ch : '_';
    }
    if (k == 0 && cap > 1)
        out[k++] = '_';
    out[k] = 0;
}

int bus_subject(const struct bus *b, const char *what, const struct store_terminal *t, char *buf,
                size_t cap)
{
    char addr[sizeof t->address];
    token(t->address, addr, sizeof addr);
    int n = snprintf(buf, cap, "%s.%s.%04x.%s", bus_prefix(b), what, t->region, addr);
    return n < 0 || (size_t)n >= cap ? MH_ENOSPC : n;
}

/* A bounded appender: the first overflow sticks, like struct mh_wr. */
struct jbuf {
    char *p;
    size_t len, cap;
    int err;
};

__attribute__((format(printf, 2, 3))) static void jb_put(struct jbuf *j, const char *fmt, ...)
{
    if (j->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(j->p + j->len, j->cap - j->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= j->cap - j->len)
        j->err = MH_ENOSPC;
    else
        j->len += (size_t)n;
}

struct bus_msg *bus_readings_msg(struct bus *b, const struct store_terminal *t,
                                 const struct store_reading *r, const uint64_t *meter_addr,
                                 size_t n)
{
    char subject[96];
    if (n == 0 || bus_subject(b, "readings", t, subject, sizeof subject) < 0)
        return NULL;
    /* Per reading at most ~170 bytes: names, a 12-digit meter, a 24-byte item, 32-byte value. */
    struct jbuf j = {.cap = 256 + n * 200};
    if (!(j.p = malloc(j.cap)))
        return NULL;
    char when[40], item[24], val[40];
    iso_time(r[0].received_ms, 1, when, sizeof when);
    jb_put(&j, "{\"region\":\"%04x\",\"terminal\":\"%s\",\"received\":\"%s\",\"readings\":[",
           t->region, t->address, when);
    for (size_t i = 0; i < n; i++) {
        const struct mh_item_def *d = mh_item_lookup(r[i].item);
        if (mh_item_format(r[i].item, item, sizeof item) < 0 ||
            mh_dec_format(r[i].value, val, sizeof val) < 0)
            j.err = MH_EINVAL;
        iso_time(r[i].t * 1000, 0, when, sizeof when);
        jb_put(&j,
               "%s{\"meter\":\"%012llu\",\"item\":\"%s\",\"time\":\"%s\",\"value\":\"%s\","
               "\"unit\":\"%s\",\"quality\":\"%s\"}",
               i ? "," : "", (unsigned long long)meter_addr[i], item, when, val,
               d ? mh_unit_name(d->unit) : "", bus_quality_name(r[i].quality));
    }
    jb_put(&j, "]}");
    struct bus_msg *m = j.err ? NULL : bus_msg_new(b, BUS_READINGS, subject, j.p, j.len);
    free(j.p);
    return m;
}

/* Publish a jansson object (taken over) on subject. */
static int publish_json(struct bus *b, enum bus_class cls, const char *subject, json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!text)
        return MH_ENOMEM;
    int rc = bus_publish(b, cls, subject, text, strlen(text));
    free(text);
    return rc;
}

static json_t *terminal_obj(const struct store_terminal *t)
{
    char region[8];
    snprintf(region, sizeof region, "%04x", t->region);
    return json_pack("{s:s, s:s}", "region", region, "terminal", t->address);
}

int bus_event_publish(struct bus *b, const struct store_terminal *t, const struct store_event *e,
                      uint64_t meter_addr)
{
    char subject[96], start[40], end[40], meter[16];
    if (bus_subject(b, "events", t, subject, sizeof subject) < 0)
        return MH_ENOSPC;
    iso_time(e->start_s * 1000, 0, start, sizeof start);
    iso_time(e->end_s * 1000, 0, end, sizeof end);
    snprintf(meter, sizeof meter, "%012llu", (unsigned long long)meter_addr);
    json_t *o = terminal_obj(t);
    json_t *payload = e->payload_json ? json_loads(e->payload_json, 0, NULL) : NULL;
    if (o)
        json_object_set_new(o, "meter", meter_addr ? json_string(meter) : json_null());
    if (o && json_object_set_new(o, "code", json_integer(e->code)) == 0 &&
        json_object_set_new(o, "start", e->start_s ? json_string(start) : json_null()) == 0 &&
        json_object_set_new(o, "end", e->end_s ? json_string(end) : json_null()) == 0)
        json_object_set_new(o, "payload", payload ? payload : json_null());
    else
        json_decref(payload);
    return publish_json(b, BUS_EVENTS, subject, o);
}

int bus_link_publish(struct bus *b, const struct store_terminal *t, int online, int64_t t_ms,
                     const char *reason)
{
    char subject[96], when[40];
    if (bus_subject(b, "link", t, subject, sizeof subject) < 0)
        return MH_ENOSPC;
    iso_time(t_ms, 1, when, sizeof when);
    json_t *o = terminal_obj(t);
    if (o) {
        json_object_set_new(o, "online", json_boolean(online));
        json_object_set_new(o, "time", json_string(when));
        json_object_set_new(o, "reason", reason ? json_string(reason) : json_null());
    }
    return publish_json(b, BUS_LINK, subject, o);
}

int bus_round_publish(struct bus *b, int64_t day, int64_t month, const struct collect_progress *p,
                      uint64_t offline)
{
    char subject[64], d[16], mo[16];
    struct mh_tm t;
    snprintf(subject, sizeof subject, "%s.collect.round", bus_prefix(b));
    mh_tm_from_epoch(day * 86400, &t);
    snprintf(d, sizeof d, "%04u-%02u-%02u", t.year, t.mon, t.day);
    mh_tm_from_epoch(month * 86400, &t);
    snprintf(mo, sizeof mo, "%04u-%02u", t.year, t.mon);
    json_t *o = json_pack(
        "{s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "day",
        day >= 0 ? json_string(d) : json_null(), "month", month >= 0 ? json_string(mo) : json_null(),
        "terminals_online", (json_int_t)p->terminals_online, "jobs_done", (json_int_t)p->jobs_done,
        "meters_asked", (json_int_t)p->meters_asked, "collected", (json_int_t)p->collected,
        "first_try", (json_int_t)p->first_try, "offline", (json_int_t)offline, "readings",
        (json_int_t)p->readings, "requests", (json_int_t)p->requests, "timeouts",
        (json_int_t)p->timeouts, "clocks_read", (json_int_t)p->clocks_read, "clocks_set",
        (json_int_t)p->clocks_set);
    return publish_json(b, BUS_ROUND, subject, o);
}

/* ---- the collector's observer ---- */

static void *obs_readings(void *ctx, const struct store_terminal *t, const struct store_reading *r,
                          const uint64_t *meter_addr, size_t n)
{
    return bus_readings_msg(ctx, t, r, meter_addr, n);
}

static void obs_event(void *ctx, const struct store_terminal *t, const struct store_event *e)
{
    /* Terminal events (ERC) name their meter by pn in the payload; meter ids are not addresses. */
    bus_event_publish(ctx, t, e, 0);
}

static void obs_link(void *ctx, const struct store_terminal *t, int online, int64_t t_ms,
                     const char *reason)
{
    bus_link_publish(ctx, t, online, t_ms, reason);
}

static void obs_round(void *ctx, int64_t day, int64_t month, const struct collect_progress *p,
                      uint64_t offline)
{
    bus_round_publish(ctx, day, month, p, offline);
}

void bus_observer(struct bus *b, struct collect_observer *o)
{
    memset(o, 0, sizeof *o);
    o->readings = obs_readings;
    o->readings_done = bus_msg_done;
    o->event = obs_event;
    o->link = obs_link;
    o->round = obs_round;
    o->ctx = b;
}
