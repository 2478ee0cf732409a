/*
 * Load management over HTTP (docs/api.md "Commands", "Protect list",
 * "Prepayment"): commands, their second operator's confirmation and
 * cancellation, the protect list and prepaid accounts.
 *
 * The engine (control.h) is the station loop's: every call that acts
 * (submit, confirm, cancel, top-up) goes to it through the bridge
 * (station.h) and the request thread waits for the engine's answer, which
 * is quick (the engine stores and queues; the terminals answer later).
 * What only reads (a command and its targets, the protect list, an
 * account) and the protect list's edits are store calls on the request
 * thread: the engine reads the protect list from the store at each
 * command, so an entry added here applies to the next one.
 *
 * Who: the token's name is the operator (the second operator must be
 * another token's name). Every write route is audited by the server.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_int.h"
#include "meterhub/base/err.h"
#include "meterhub/control.h"
#include "meterhub/station.h"

#define CALL_WAIT_MS 30000u
#define LIST_MAX 1000

/* ---- calls on the station's loop ---- */

enum ctl_op { OP_SUBMIT, OP_CONFIRM, OP_CANCEL, OP_TOPUP, OP_OPEN, OP_PLAN_SUBMIT, OP_PLAN_CONFIRM,
              OP_PLAN_CANCEL, OP_PLAN_RELEASE };

struct ctl_arg {
    struct control *c;
    enum ctl_op op;
    struct control_request rq;
    struct control_target targets[CONTROL_TARGETS_MAX];
    char who[64], reason[256], ref[64];
    int64_t id; /* command (confirm, cancel) or meter (top-up); the new command's id after a submit */
    int64_t amount_e4; /* top-up; the opening balance */
    int64_t warn_e4;   /* an account's warning threshold */
    struct plan *plan; /* a plan submitted (owned) */
};

static void ctl_arg_free(void *arg)
{
    struct ctl_arg *a = arg;
    free(a->plan);
    free(a);
}

static int op_submit(struct ctl_arg *a)
{
    a->rq.who = a->who;
    a->rq.reason = a->reason;
    a->rq.targets = a->targets;
    int64_t id = control_submit(a->c, &a->rq);
    if (id < 0)
        return (int)id;
    a->id = id;
    return 0;
}

static int op_confirm(struct ctl_arg *a)
{
    return control_confirm(a->c, a->id, a->who);
}

static int op_cancel(struct ctl_arg *a)
{
    return control_cancel(a->c, a->id, a->who);
}

static int op_topup(struct ctl_arg *a)
{
    return prepay_topup(a->c, a->id, a->amount_e4, a->who, a->ref[0] ? a->ref : NULL);
}

static int op_open(struct ctl_arg *a)
{
    return prepay_open(a->c, a->id, a->amount_e4, a->warn_e4);
}

/* Orderly-use plans by the clock (h_plans.c). */
static int op_plan_submit(struct ctl_arg *a)
{
    snprintf(a->plan->who, sizeof a->plan->who, "%.31s", a->who); /* a plan keeps 31 bytes of its operator */
    int64_t id = plan_run_submit(a->c, a->plan, a->reason);
    if (id < 0)
        return (int)id;
    a->id = id;
    return 0;
}

static int op_plan_confirm(struct ctl_arg *a)
{
    return plan_run_confirm(a->c, a->id, a->who);
}

static int op_plan_cancel(struct ctl_arg *a)
{
    return plan_run_cancel(a->c, a->id, a->who);
}

static int op_plan_release(struct ctl_arg *a)
{
    return plan_run_release(a->c, a->id, a->who);
}

static int (*const ops[])(struct ctl_arg *) = {[OP_SUBMIT] = op_submit, [OP_CONFIRM] = op_confirm,
                                               [OP_CANCEL] = op_cancel, [OP_TOPUP] = op_topup,
                                               [OP_OPEN] = op_open, [OP_PLAN_SUBMIT] = op_plan_submit,
                                               [OP_PLAN_CONFIRM] = op_plan_confirm,
                                               [OP_PLAN_CANCEL] = op_plan_cancel,
                                               [OP_PLAN_RELEASE] = op_plan_release};

static void ctl_run(struct station_call *call, void *arg)
{
    struct ctl_arg *a = arg;
    station_call_finish(call, ops[a->op](a));
}

/*
 * Run a on the loop and wait for it: 0 with the engine's answer (0 or
 * MH_E*) in *engine_rc, or -1 after replying 503 (no engine, station
 * stopping, queue full). Takes a.
 */
static int ctl_call(struct api_req *rq, struct api_resp *rs, struct ctl_arg *a, int64_t *id_out, int *engine_rc)
{
    struct api *api = rq->api;
    if (!api->station || !api->control) {
        ctl_arg_free(a);
        api_reply_error(rs, 503, "load management needs the master station (meterhub serve --api)");
        return -1;
    }
    a->c = api->control;
    snprintf(a->who, sizeof a->who, "%s", rq->token_name ? rq->token_name : "");
    struct station_call *call = NULL;
    int rc = station_call_submit(api->station, ctl_run, a, ctl_arg_free, &call);
    int st = 0;
    if (rc == 0)
        rc = station_call_wait(call, CALL_WAIT_MS, &st);
    if (rc == 0 && id_out)
        *id_out = ((struct ctl_arg *)station_call_arg(call))->id;
    station_call_release(call);
    if (rc != 0) {
        api_reply_error(rs, 503, "the station does not take the command now: %s", mh_strerror(rc));
        return -1;
    }
    *engine_rc = st;
    return 0;
}

/* A call's argument for op, or NULL after replying 500 (j, the body, then released). */
static struct ctl_arg *arg_new(struct api_resp *rs, json_t *j, enum ctl_op op)
{
    struct ctl_arg *a = calloc(1, sizeof *a);
    if (!a) {
        json_decref(j);
        api_reply_error(rs, 500, "out of memory");
        return NULL;
    }
    a->op = op;
    return a;
}

int api_plan_call(struct api_req *rq, struct api_resp *rs, enum api_plan_op op, int64_t id, struct plan *p,
                  const char *reason, int64_t *id_out, int *engine_rc)
{
    static const enum ctl_op map[] = {[API_PLAN_SUBMIT] = OP_PLAN_SUBMIT, [API_PLAN_CONFIRM] = OP_PLAN_CONFIRM,
                                      [API_PLAN_CANCEL] = OP_PLAN_CANCEL, [API_PLAN_RELEASE] = OP_PLAN_RELEASE};
    struct ctl_arg *a = calloc(1, sizeof *a);
    if (!a) {
        free(p);
        api_reply_error(rs, 500, "out of memory");
        return -1;
    }
    a->op = map[op];
    a->id = id;
    a->plan = p;
    snprintf(a->reason, sizeof a->reason, "%s", reason ? reason : "");
    return ctl_call(rq, rs, a, id_out, engine_rc);
}

/* ---- JSON ---- */

json_t *api_time_json(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char buf[40];
    api_format_time_ms(ms, buf, sizeof buf);
    return json_string(buf);
}

static json_t *command_json(const struct store_control *c, const struct store_control_target *t, size_t n)
{
    json_t *params = json_loads(c->params, 0, NULL);
    json_t *j = json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)c->id,
                          "kind", control_kind_name(c->kind) ? control_kind_name(c->kind) : "",
                          "state", control_state_name(c->state) ? control_state_name(c->state) : "",
                          "params", params ? params : json_null(), "who", c->who, "reason", c->reason,
                          "confirmer", c->confirmer[0] ? json_string(c->confirmer) : json_null(),
                          "created", api_time_json(c->created_ms), "confirmed", api_time_json(c->confirmed_ms),
                          "finished", api_time_json(c->finished_ms));
    if (!j || !t)
        return j;
    json_t *ts = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ts, json_pack("{s:I, s:i, s:s, s:s, s:o}", "terminal", (json_int_t)t[i].terminal,
                                            "pn", (int)t[i].pn, "result",
                                            control_result_name(t[i].result) ? control_result_name(t[i].result) : "",
                                            "detail", t[i].detail, "updated", api_time_json(t[i].updated_ms)));
    json_object_set_new(j, "targets", ts);
    return j;
}

#define POINTS_MAX 2040 /* measuring points of one terminal (Q/GDW 1376.1 5.4.2.4.10) */

/* A meter kind's targets are stored as (terminal, pn): each named by the meter there now. */
static void name_meters(struct store *st, const struct store_control_target *t, size_t n, json_t *ts)
{
    struct store_point *pts = malloc(POINTS_MAX * sizeof *pts);
    int64_t held = 0;
    int np = 0;
    for (size_t i = 0; pts && i < n; i++) {
        if (t[i].terminal != held) {
            held = t[i].terminal;
            np = store_terminal_points(st, held, pts, POINTS_MAX);
        }
        for (int k = 0; k < np; k++)
            if (pts[k].pn == t[i].pn) {
                char addr[24];
                snprintf(addr, sizeof addr, "%012llu", (unsigned long long)pts[k].address);
                json_t *o = json_array_get(ts, i);
                json_object_set_new(o, "meter", json_integer((json_int_t)pts[k].meter));
                json_object_set_new(o, "meter_address", json_string(addr));
            }
    }
    free(pts);
}

/* Reply status with command id and its targets as stored. */
static void reply_command(struct api_resp *rs, struct store *st, unsigned status, int64_t id)
{
    struct store_control c;
    int rc = store_control_get(st, id, &c);
    if (rc == MH_ENOENT) {
        api_reply_error(rs, 404, "no command %lld", (long long)id);
        return;
    }
    struct store_control_target *t = malloc(CONTROL_TARGETS_MAX * sizeof *t);
    int n = rc == 0 && t ? store_control_targets(st, id, t, CONTROL_TARGETS_MAX) : -1;
    if (n < 0) {
        free(t);
        api_reply_error(rs, 500, "command %lld: %s", (long long)id, mh_strerror(rc ? rc : MH_EIO));
        return;
    }
    json_t *j = command_json(&c, t, (size_t)n);
    if (j && control_kind_meter(c.kind))
        name_meters(st, t, (size_t)n, json_object_get(j, "targets"));
    api_reply_json(rs, status, j);
    free(t);
}

void api_reply_rc(struct api_resp *rs, const struct api_rc_map *map, size_t n, int rc, const char *what, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (map[i].rc == rc) {
            if (id > 0)
                api_reply_error(rs, map[i].status, "%s (%s %lld)", map[i].why, what, (long long)id);
            else
                api_reply_error(rs, map[i].status, "%s", map[i].why);
            return;
        }
    api_reply_error(rs, 500, "%s", mh_strerror(rc));
}

/* The engine's refusal as HTTP (an operator reads the detail). */
static void reply_engine_error(struct api_resp *rs, int rc, int64_t id)
{
    static const struct api_rc_map map[] = {
        {MH_EINVAL, 400, "the command is not valid (kind, parameters, reason or targets)"},
        {MH_ENOENT, 404, "no such command, terminal or account"},
        {MH_EPERM, 403, "the second operator must be another than the one who asked"},
        {MH_EPROTO, 409, "the command is not pending"},
        {MH_ENOTSUP, 422, "not supported for this meter or terminal"},
    };
    api_reply_rc(rs, map, sizeof map / sizeof map[0], rc, "command", id);
}

/* The body as a JSON object, or NULL after replying 415/400. */
json_t *api_body_object(struct api_req *rq, struct api_resp *rs, const char *shape)
{
    const char *ct = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        api_reply_error(rs, 415, "the body is posted as Content-Type: application/json, not '%s'", ct ? ct : "");
        return NULL;
    }
    json_t *j = rq->body ? json_loadb(rq->body, rq->body_len, 0, NULL) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        api_reply_error(rs, 400, "the body must be a JSON object %s", shape);
        return NULL;
    }
    return j;
}

/* A required non-empty string member into buf; NULL when absent, empty or too long. */
const char *api_member_text(json_t *o, const char *name, char *buf, size_t cap)
{
    const char *s = json_string_value(json_object_get(o, name));
    if (!s || !s[0] || strlen(s) >= cap)
        return NULL;
    snprintf(buf, cap, "%s", s);
    return buf;
}

/* ---- command parameters ---- */

/* An integer parameter: its JSON name, where it lives, its width and range. */
struct param_def {
    const char *name;
    size_t off;
    unsigned char size; /* 1, 4 or 8 bytes; signed when lo < 0 */
    int64_t lo, hi;
};

#define P(name, field, lo, hi) {name, offsetof(struct control_params, field), sizeof(((struct control_params *)0)->field), lo, hi}
static const struct param_def param_defs[] = {
    P("alarm_delay_min", trip.alarm_delay_min, 0, 15),
    P("limit_half_h", trip.limit_half_h, 0, 15),
    P("protect_half_h", protect_half_h, 0, 255),
    P("urge_hours", urge_hours, 0, 0xFFFFFF),
    P("period_set", period.set, 0, 1),
    P("period_scheme", period.scheme, 0, 2),
    P("period_periods", period.periods, 0, 255),
    P("rest_set", rest.set, 0, 1),
    P("rest_limit_w", rest.limit_w, 0, INT64_C(999999999999)),
    P("rest_start_h", rest.start_h, 0, 23),
    P("rest_start_m", rest.start_m, 0, 59),
    P("rest_duration_half_h", rest.duration_half_h, 0, 255),
    P("rest_weekdays", rest.weekdays, 0, 255),
    P("stop_set", stop.set, 0, 1),
    P("stop_limit_w", stop.limit_w, 0, INT64_C(999999999999)),
    P("down_slip_min", down.slip_min, 0, 255),
    P("down_float_pct", down.float_pct, -128, 127),
    P("down_freeze_delay_min", down.freeze_delay_min, 0, 255),
    P("down_ctrl_half_h", down.ctrl_half_h, 0, 255),
    P("month_set", month.set, 0, 1),
    P("month_limit_kwh", month.limit_kwh, 0, INT64_C(9999999)),
    P("buy_set", buy.set, 0, 1),
    P("buy_refresh", buy.refresh, 0, 1),
    P("buy_order_no", buy.order_no, 0, 0xFFFFFFFF),
    P("buy_amount_kwh", buy.amount_kwh, -INT64_C(9999999), INT64_C(9999999)),
    P("buy_alarm_kwh", buy.alarm_kwh, 0, INT64_C(9999999)),
    P("buy_trip_kwh", buy.trip_kwh, 0, INT64_C(9999999)),
    P("msg_important", msg.important, 0, 1),
    P("msg_number", msg.number, 0, 15),
    P("valid_min", meter.valid_min, 0, 60),
    P("allow_close", meter.allow_close, 0, 1),
};
#undef P

static void param_store(struct control_params *p, const struct param_def *d, int64_t v)
{
    unsigned char *at = (unsigned char *)p + d->off;
    if (d->size == 1) {
        uint8_t b = (uint8_t)v;
        memcpy(at, &b, 1);
    } else if (d->size == 4) {
        uint32_t w = (uint32_t)v;
        memcpy(at, &w, 4);
    } else {
        memcpy(at, &v, 8);
    }
}

/* params into p: 0, or -1 after replying 400 naming the parameter. */
static int parse_params(json_t *params, struct control_params *p, struct api_resp *rs)
{
    if (!params)
        return 0;
    if (!json_is_object(params)) {
        api_reply_error(rs, 400, "'params' must be an object");
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(params, key, v) {
        if (strcmp(key, "period_limit_w") == 0) {
            if (!json_is_array(v) || json_array_size(v) > 8) {
                api_reply_error(rs, 400, "'period_limit_w' must be an array of up to 8 watt limits");
                return -1;
            }
            for (size_t i = 0; i < json_array_size(v); i++) {
                json_t *e = json_array_get(v, i);
                if (!json_is_integer(e) || json_integer_value(e) < 0) {
                    api_reply_error(rs, 400, "'period_limit_w'[%zu] must be an integer >= 0", i);
                    return -1;
                }
                p->period.limit_w[i] = (int64_t)json_integer_value(e);
            }
            continue;
        }
        if (strcmp(key, "text") == 0) {
            /* GB2312 is an ASCII superset: ASCII text is sent as is (Q/GDW 1376.1 AFN05 F32). */
            const char *s = json_string_value(v);
            size_t n = s ? strlen(s) : 0;
            int ascii = s != NULL;
            for (size_t i = 0; i < n; i++)
                ascii &= (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7F;
            if (!ascii || n > sizeof p->msg.text) {
                api_reply_error(rs, 400, "'text' must be printable ASCII of at most %zu characters",
                                sizeof p->msg.text);
                return -1;
            }
            memcpy(p->msg.text, s, n);
            p->msg.len = (uint8_t)n;
            continue;
        }
        size_t k = 0;
        while (k < sizeof param_defs / sizeof param_defs[0] && strcmp(param_defs[k].name, key) != 0)
            k++;
        if (k == sizeof param_defs / sizeof param_defs[0]) {
            api_reply_error(rs, 400, "unknown parameter '%s' (docs/api.md \"Commands\")", key);
            return -1;
        }
        const struct param_def *d = &param_defs[k];
        json_int_t x = json_integer_value(v);
        if (!json_is_integer(v) || x < d->lo || x > d->hi) {
            api_reply_error(rs, 400, "'%s' must be an integer %lld..%lld", key, (long long)d->lo, (long long)d->hi);
            return -1;
        }
        param_store(p, d, (int64_t)x);
    }
    return 0;
}

/* targets: [{"terminal": ID, "pn": N}, ...] or terminal ids (pn 1 for a turn, else 0). 0 or -1 after 400. */
static int parse_targets(json_t *tj, struct ctl_arg *a, struct api_resp *rs)
{
    size_t n = json_array_size(tj);
    if (!json_is_array(tj) || n == 0 || n > CONTROL_TARGETS_MAX) {
        api_reply_error(rs, 400, "'targets' must be an array of 1 to %d {\"terminal\": ID, \"pn\": N}",
                        CONTROL_TARGETS_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(tj, i), *t = e, *pn = NULL;
        if (json_is_object(e)) {
            t = json_object_get(e, "terminal");
            pn = json_object_get(e, "pn");
        }
        if (!json_is_integer(t) || json_integer_value(t) < 1 ||
            (pn && (!json_is_integer(pn) || json_integer_value(pn) < 0 || json_integer_value(pn) > 8))) {
            api_reply_error(rs, 400, "target %zu: 'terminal' must be an id >= 1 and 'pn' 0..8", i);
            return -1;
        }
        a->targets[i].terminal = (int64_t)json_integer_value(t);
        a->targets[i].pn = (uint16_t)(pn ? json_integer_value(pn) : 0);
    }
    a->rq.n_targets = n;
    return 0;
}

/*
 * Meter kinds: targets name meters, [{"meter": ID} | {"meter_address":
 * "12 digits"} | ID, ...]; each is looked up so that its terminal is
 * known (the front-end process holding it). 0, or -1 after 400 / 404.
 */
static int parse_meter_targets(json_t *tj, struct ctl_arg *a, struct store *st, struct api_resp *rs)
{
    size_t n = json_array_size(tj);
    if (!json_is_array(tj) || n == 0 || n > CONTROL_TARGETS_MAX) {
        api_reply_error(rs, 400, "'targets' must be an array of 1 to %d {\"meter\": ID} or {\"meter_address\": "
                                 "\"12 digits\"}", CONTROL_TARGETS_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(tj, i), *id = e;
        const char *addr = NULL;
        if (json_is_object(e)) {
            id = json_object_get(e, "meter");
            addr = json_string_value(json_object_get(e, "meter_address"));
        }
        struct store_meter_row m;
        char *end = NULL;
        unsigned long long av = addr ? strtoull(addr, &end, 10) : 0;
        if (addr && !id && strlen(addr) == 12 && strspn(addr, "0123456789") == 12 && end && !*end) {
            struct store_meter_filter f = STORE_METER_FILTER_ANY;
            f.address = (int64_t)av;
            f.active = 1;
            if (store_meters_list(st, &f, 0, &m, 1) != 1) {
                api_reply_error(rs, 404, "target %zu: no active meter at address %s", i, addr);
                return -1;
            }
        } else if (!addr && json_is_integer(id) && json_integer_value(id) >= 1) {
            if (store_meter_get(st, (int64_t)json_integer_value(id), &m) != 0) {
                api_reply_error(rs, 404, "target %zu: no meter %lld", i, (long long)json_integer_value(id));
                return -1;
            }
        } else {
            api_reply_error(rs, 400, "target %zu: 'meter' must be an id >= 1 or 'meter_address' 12 digits", i);
            return -1;
        }
        a->targets[i] = (struct control_target){.terminal = m.terminal, .pn = m.pn > 0 ? (uint16_t)m.pn : 0,
                                                .meter = m.id};
    }
    a->rq.n_targets = n;
    return 0;
}

/* ---- commands ---- */

void api_h_command_submit(struct api_req *rq, struct api_resp *rs)
{
    json_t *j = api_body_object(rq, rs, "{\"kind\": \"trip\", \"targets\": [...], \"params\": {...}, \"reason\": \"...\"}");
    if (!j)
        return;
    struct ctl_arg *a = arg_new(rs, j, OP_SUBMIT);
    if (!a)
        return;
    const char *kind = json_string_value(json_object_get(j, "kind"));
    a->rq.kind = kind ? control_kind_parse(kind) : MH_ENOENT;
    int bad = 0;
    if (a->rq.kind < 0) {
        api_reply_error(rs, 400, "'kind' must name a command (trip, close, protect_on ...; docs/control.md)");
        bad = 1;
    } else if (!api_member_text(j, "reason", a->reason, sizeof a->reason)) {
        api_reply_error(rs, 400, "'reason' must say why, in 1 to %zu bytes", sizeof a->reason - 1);
        bad = 1;
    } else {
        json_t *tj = json_object_get(j, "targets");
        bad = (control_kind_meter(a->rq.kind) ? parse_meter_targets(tj, a, rq->api->st, rs)
                                              : parse_targets(tj, a, rs)) != 0 ||
              parse_params(json_object_get(j, "params"), &a->rq.p, rs) != 0;
    }
    json_decref(j);
    if (bad) {
        free(a);
        return;
    }
    snprintf(rq->audit_what, sizeof rq->audit_what, "command %s, %zu targets: %.160s", control_kind_name(a->rq.kind), a->rq.n_targets,
             a->reason);
    int64_t id = 0;
    int rc = 0;
    if (ctl_call(rq, rs, a, &id, &rc) != 0)
        return;
    if (rc != 0) {
        reply_engine_error(rs, rc, 0);
    } else {
        size_t used = strlen(rq->audit_what);
        snprintf(rq->audit_what + used, sizeof rq->audit_what - used, " (command %lld)", (long long)id);
        reply_command(rs, rq->api->st, 202, id);
    }
}

/* Confirm and cancel: the command's id from the path, the engine's answer, the command. */
static void command_act(struct api_req *rq, struct api_resp *rs, enum ctl_op op, const char *verb)
{
    struct store_control c;
    if (store_control_get(rq->api->st, rq->params[0], &c) == MH_ENOENT) {
        api_reply_error(rs, 404, "no command %lld", (long long)rq->params[0]);
        return;
    }
    struct ctl_arg *a = arg_new(rs, NULL, op);
    if (!a)
        return;
    a->id = rq->params[0];
    snprintf(rq->audit_what, sizeof rq->audit_what, "%s command %lld", verb, (long long)rq->params[0]);
    int rc = 0;
    if (ctl_call(rq, rs, a, NULL, &rc) != 0)
        return;
    if (rc == 0)
        reply_command(rs, rq->api->st, 200, rq->params[0]);
    else
        reply_engine_error(rs, rc, rq->params[0]);
}

void api_h_command_confirm(struct api_req *rq, struct api_resp *rs)
{
    command_act(rq, rs, OP_CONFIRM, "confirm");
}

void api_h_command_cancel(struct api_req *rq, struct api_resp *rs)
{
    command_act(rq, rs, OP_CANCEL, "cancel");
}

void api_h_command(struct api_req *rq, struct api_resp *rs)
{
    reply_command(rs, rq->api->st, 200, rq->params[0]);
}

void api_h_commands(struct api_req *rq, struct api_resp *rs)
{
    int64_t limit, after;
    if (api_arg_page(rq, rs, &limit, &after) != 0)
        return;
    struct store_control *l = malloc((size_t)limit * sizeof *l);
    int n = l ? store_control_list(rq->api->st, after, l, (size_t)limit) : MH_ENOMEM;
    if (n < 0) {
        free(l);
        api_reply_error(rs, 500, "commands: %s", mh_strerror(n));
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, command_json(&l[i], NULL, 0));
    json_t *next = n == limit ? json_integer((json_int_t)l[n - 1].id) : json_null();
    free(l);
    api_reply_json(rs, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
}

/* ---- the protect list ---- */

static const char *const protect_kinds[] = {"", "customer", "meter", "terminal"};

static json_t *protect_json(const struct store_protect *p)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "kind", protect_kinds[p->kind], "ref", p->ref, "reason",
                     p->reason, "added_by", p->added_by, "added", api_time_json(p->added_ms));
}

static int protect_kind(const char *s)
{
    for (int k = STORE_PROTECT_CUSTOMER; k <= STORE_PROTECT_TERMINAL; k++)
        if (s && strcmp(s, protect_kinds[k]) == 0)
            return k;
    return -1;
}

void api_h_protect(struct api_req *rq, struct api_resp *rs)
{
    struct store_protect *l = malloc(LIST_MAX * sizeof *l);
    int n = l ? store_protect_list(rq->api->st, l, LIST_MAX) : MH_ENOMEM;
    if (n < 0) {
        free(l);
        api_reply_error(rs, 500, "protect list: %s", mh_strerror(n));
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, protect_json(&l[i]));
    free(l);
    api_reply_json(rs, 200, json_pack("{s:o}", "items", items));
}

void api_h_protect_add(struct api_req *rq, struct api_resp *rs)
{
    json_t *j = api_body_object(rq, rs, "{\"kind\": \"customer|meter|terminal\", \"ref\": \"...\", \"reason\": \"...\"}");
    if (!j)
        return;
    struct store_protect p = {.kind = protect_kind(json_string_value(json_object_get(j, "kind")))};
    int ok = p.kind > 0 && api_member_text(j, "ref", p.ref, sizeof p.ref) &&
             api_member_text(j, "reason", p.reason, sizeof p.reason);
    json_decref(j);
    if (!ok) {
        api_reply_error(rs, 400, "'kind' must be customer, meter or terminal, 'ref' 1..%zu and 'reason' "
                        "1..%zu bytes", sizeof p.ref - 1, sizeof p.reason - 1);
        return;
    }
    snprintf(p.added_by, sizeof p.added_by, "%s", rq->token_name ? rq->token_name : "");
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    p.added_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    snprintf(rq->audit_what, sizeof rq->audit_what, "protect %s %s: %s", protect_kinds[p.kind], p.ref, p.reason);
    int rc = store_protect_add(rq->api->st, &p);
    if (rc == MH_EEXIST)
        api_reply_error(rs, 409, "%s %s is already on the protect list", protect_kinds[p.kind], p.ref);
    else if (rc != 0)
        api_reply_error(rs, rc == MH_EINVAL ? 400 : 500, "protect list: %s", mh_strerror(rc));
    else
        api_reply_json(rs, 201, protect_json(&p));
}

void api_h_protect_remove(struct api_req *rq, struct api_resp *rs)
{
    int kind = protect_kind(api_arg(rq, "kind"));
    const char *ref = api_arg(rq, "ref");
    if (kind < 0 || !ref || !ref[0]) {
        api_reply_error(rs, 400, "?kind=customer|meter|terminal&ref=... name the entry");
        return;
    }
    snprintf(rq->audit_what, sizeof rq->audit_what, "unprotect %s %s", protect_kinds[kind], ref);
    int rc = store_protect_remove(rq->api->st, kind, ref);
    if (rc == MH_ENOENT)
        api_reply_error(rs, 404, "%s %s is not on the protect list", protect_kinds[kind], ref);
    else if (rc != 0)
        api_reply_error(rs, 500, "protect list: %s", mh_strerror(rc));
    else
        api_reply_json(rs, 200, json_pack("{s:s, s:s}", "kind", protect_kinds[kind], "ref", ref));
}

/* ---- prepayment ---- */

static const char *const prepay_states[] = {"normal", "warned", "cut"};

static void reply_account(struct api_resp *rs, struct store *st, int64_t meter)
{
    struct store_prepay p;
    int rc = store_prepay_get(st, meter, &p);
    if (rc == MH_ENOENT) {
        api_reply_error(rs, 404, "meter %lld has no prepaid account", (long long)meter);
        return;
    }
    if (rc != 0) {
        api_reply_error(rs, 500, "account: %s", mh_strerror(rc));
        return;
    }
    /* Money and energy in units of 10^-4, as the engine keeps them: exact, no float. */
    api_reply_json(rs, 200,
                   json_pack("{s:I, s:I, s:I, s:s, s:I, s:[I,I,I,I], s:o, s:o}", "meter", (json_int_t)p.meter,
                             "balance_e4", (json_int_t)p.balance_e4, "warn_e4", (json_int_t)p.warn_e4, "state",
                             p.state >= 0 && p.state <= 2 ? prepay_states[p.state] : "", "settled_t",
                             (json_int_t)p.settled_t, "reg_e4", (json_int_t)p.reg_e4[0], (json_int_t)p.reg_e4[1],
                             (json_int_t)p.reg_e4[2], (json_int_t)p.reg_e4[3], "command",
                             p.command ? json_integer((json_int_t)p.command) : json_null(), "updated",
                             api_time_json(p.updated_ms)));
}

void api_h_prepay(struct api_req *rq, struct api_resp *rs)
{
    reply_account(rs, rq->api->st, rq->params[0]);
}

void api_h_prepay_topup(struct api_req *rq, struct api_resp *rs)
{
    json_t *j = api_body_object(rq, rs, "{\"amount_e4\": N, \"ref\": \"...\"}");
    if (!j)
        return;
    struct ctl_arg *a = arg_new(rs, j, OP_TOPUP);
    if (!a)
        return;
    json_t *amt = json_object_get(j, "amount_e4"), *ref = json_object_get(j, "ref");
    int ok = json_is_integer(amt) && json_integer_value(amt) > 0 &&
             json_integer_value(amt) <= INT64_C(100000000000) &&
             (!ref || api_member_text(j, "ref", a->ref, sizeof a->ref));
    if (ok)
        a->amount_e4 = (int64_t)json_integer_value(amt);
    json_decref(j);
    if (!ok) {
        free(a);
        api_reply_error(rs, 400, "'amount_e4' must be yuan x 10^4, 1..10^11, and 'ref' (optional) 1..63 bytes");
        return;
    }
    a->id = rq->params[0];
    snprintf(rq->audit_what, sizeof rq->audit_what, "top-up meter %lld by %lld e-4 yuan%s%s",
             (long long)a->id, (long long)a->amount_e4, a->ref[0] ? ", ref " : "", a->ref);
    int rc = 0;
    if (ctl_call(rq, rs, a, NULL, &rc) != 0)
        return;
    if (rc == 0)
        reply_account(rs, rq->api->st, rq->params[0]);
    else
        reply_engine_error(rs, rc, 0);
}

/* Open (or reset) an account: its latest stored registers are where charging starts. */
void api_h_prepay_open(struct api_req *rq, struct api_resp *rs)
{
    json_t *j = api_body_object(rq, rs, "{\"balance_e4\": N, \"warn_e4\": N}");
    if (!j)
        return;
    struct ctl_arg *a = arg_new(rs, j, OP_OPEN);
    if (!a)
        return;
    json_t *bal = json_object_get(j, "balance_e4"), *warn = json_object_get(j, "warn_e4");
    int ok = json_is_integer(bal) && json_integer_value(bal) >= -INT64_C(100000000000) &&
             json_integer_value(bal) <= INT64_C(100000000000) && json_is_integer(warn) &&
             json_integer_value(warn) >= 0 && json_integer_value(warn) <= INT64_C(100000000000);
    if (ok) {
        a->amount_e4 = (int64_t)json_integer_value(bal);
        a->warn_e4 = (int64_t)json_integer_value(warn);
    }
    json_decref(j);
    if (!ok) {
        free(a);
        api_reply_error(rs, 400, "'balance_e4' and 'warn_e4' (>= 0) must be yuan x 10^4 within 10^11");
        return;
    }
    a->id = rq->params[0];
    struct store_meter_row m;
    if (store_meter_get(rq->api->st, a->id, &m) == MH_ENOENT) {
        free(a);
        api_reply_error(rs, 404, "no meter %lld", (long long)rq->params[0]);
        return;
    }
    snprintf(rq->audit_what, sizeof rq->audit_what, "open account of meter %lld, balance %lld e-4 yuan",
             (long long)a->id, (long long)a->amount_e4);
    int rc = 0;
    if (ctl_call(rq, rs, a, NULL, &rc) != 0)
        return;
    if (rc == 0)
        reply_account(rs, rq->api->st, rq->params[0]);
    else if (rc == MH_ENOENT)
        api_reply_error(rs, 409, "meter %lld has no stored import registers per tariff (1.0.1.8.1..4) to "
                        "start from", (long long)rq->params[0]);
    else
        reply_engine_error(rs, rc, 0);
}
