/*
 * Orderly-use plans over HTTP (docs/api.md "Orderly-use plans"): an
 * operator makes a plan (users or an area's large users, a target in
 * watts, a window, priorities, a reason); the station carries it out by
 * its clock (control.h "Plans by the clock"); anyone reads the allocation,
 * each user's command and its result, the measured reduction and the
 * shortfall; an operator confirms (a second one, over confirm_over users),
 * cancels (before the start) or releases (while active).
 *
 * What acts goes to the engine on the station's loop through
 * api_plan_call (h_control.c); what only reads is store calls here. Every
 * write route is audited by the server, with the plan's id.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "meterhub/base/err.h"
#include "meterhub/control.h"

#define TARGET_W_MAX INT64_C(100000000000) /* 100 GW: anything above is a typing error */

/* ---- JSON ---- */

static json_t *w_json(int has, int64_t w)
{
    return has ? json_integer((json_int_t)w) : json_null();
}

/* The user's command as stored: {id, state, result, detail} of its one target, or null. */
static json_t *command_brief(struct store *st, int64_t id)
{
    struct store_control c;
    if (id <= 0 || store_control_get(st, id, &c) != 0)
        return json_null();
    struct store_control_target t[1];
    int n = store_control_targets(st, id, t, 1);
    const char *state = control_state_name(c.state),
               *result = n == 1 ? control_result_name(t[0].result) : NULL;
    return json_pack("{s:I, s:s, s:s?, s:s?}", "id", (json_int_t)id, "state", state ? state : "",
                     "result", result, "detail", n == 1 ? t[0].detail : NULL);
}

static json_t *user_json(struct store *st, const struct plan_user *u)
{
    json_t *j = json_pack(
        "{s:I, s:s, s:i, s:I, s:s, s:i, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:s}", "meter",
        (json_int_t)u->meter, "customer", u->customer, "priority", (int)u->priority, "terminal",
        (json_int_t)u->terminal, "state", u->state ? plan_user_state_name(u->state) : "unallocated",
        "pct", (int)u->pct, "contract_w", (json_int_t)u->contract_w, "current_w",
        (json_int_t)u->current_w, "expect_w", (json_int_t)u->expect_w, "command",
        command_brief(st, u->command), "release", command_brief(st, u->released), "baseline_w",
        w_json(u->has_baseline, u->baseline_w), "after_w", w_json(u->has_after, u->after_w),
        "reduced_w", w_json(u->has_baseline && u->has_after, u->baseline_w - u->after_w), "detail",
        u->detail);
    return j;
}

/* The header, its run (NULL: carried out by hand) and, when p has them, the users. */
static json_t *plan_json(struct store *st, const struct store_plan *h,
                         const struct store_plan_run *run, const struct plan *p)
{
    int measured = h->baseline_w || h->after_w;
    json_t *j = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:i, s:I, s:I, s:o, s:o, s:o, s:o}", "id",
        (json_int_t)h->id, "name", h->name, "who", h->who, "area", h->area, "state",
        run ? plan_run_state_name((int)run->state) : "manual", "target_w", (json_int_t)h->target_w,
        "from", api_time_json(h->from_ms), "to", api_time_json(h->to_ms), "created",
        api_time_json(h->created_ms), "max_pct", (int)h->max_pct, "expect_w",
        (json_int_t)h->expect_w, "short_w", (json_int_t)h->short_w, "baseline_w",
        w_json(measured, h->baseline_w), "after_w", w_json(measured, h->after_w), "reduced_w",
        w_json(measured, h->baseline_w - h->after_w), "met",
        measured ? json_boolean(h->baseline_w - h->after_w >= h->target_w) : json_null());
    if (!j)
        return NULL;
    if (run)
        json_object_update_new(
            j, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:s}", "reason", run->reason, "confirmer",
                         run->confirmer[0] ? json_string(run->confirmer) : json_null(), "ended_by",
                         run->ended_by[0] ? json_string(run->ended_by) : json_null(), "started",
                         api_time_json(run->started_ms), "ended", api_time_json(run->ended_ms),
                         "updated", api_time_json(run->updated_ms), "detail", run->detail));
    if (p) {
        json_t *us = json_array();
        for (size_t i = 0; i < p->n; i++)
            json_array_append_new(us, user_json(st, &p->u[i]));
        json_object_set_new(j, "users", us);
    }
    return j;
}

/* Reply status with plan id as stored, users and all. */
static void reply_plan(struct api_resp *rs, struct store *st, unsigned status, int64_t id)
{
    struct plan *p = malloc(sizeof *p);
    int rc = p ? plan_load(st, id, p) : MH_ENOMEM;
    if (rc != 0) {
        free(p);
        if (rc == MH_ENOENT)
            api_reply_error(rs, 404, "no plan %lld", (long long)id);
        else
            api_reply_error(rs, 500, "plan %lld: %s", (long long)id, mh_strerror(rc));
        return;
    }
    struct store_plan h;
    struct store_plan_run run;
    int has_run = store_plan_run_get(st, id, &run) == 0;
    rc = store_plan_get(st, id, &h);
    if (rc != 0) {
        free(p);
        api_reply_error(rs, 500, "plan %lld: %s", (long long)id, mh_strerror(rc));
        return;
    }
    api_reply_json(rs, status, plan_json(st, &h, has_run ? &run : NULL, p));
    free(p);
}

static void reply_plan_error(struct api_resp *rs, int rc, int64_t id)
{
    static const struct api_rc_map map[] = {
        {MH_EINVAL, 400, "the plan is not valid (users, target, a window not yet over, reason)"},
        {MH_ENOENT, 404, "no such plan, or a meter of the plan is unknown"},
        {MH_EPERM, 403, "the second operator must be another than the one who made the plan"},
        {MH_EPROTO, 409, "the plan's state does not allow it"},
        {MH_EBUSY, 409, "the plan is being measured now; try again in a moment"},
    };
    api_reply_rc(rs, map, sizeof map / sizeof map[0], rc, "plan", id);
}

/* ---- making a plan ---- */

/* A time member: ISO text or Unix seconds, as the query's times; ms in *out. 0 or -1. */
static int member_time(json_t *o, const char *name, int64_t *out)
{
    json_t *v = json_object_get(o, name);
    int64_t s;
    if (json_is_integer(v)) {
        s = (int64_t)json_integer_value(v);
        if (s < 0 || s > INT64_C(253402300799))
            return -1;
    } else if (!json_is_string(v) || api_parse_time(json_string_value(v), &s) != 0) {
        return -1;
    }
    *out = s * 1000;
    return 0;
}

/* The target: "target_w" (integer watts) or "target_kw" (a number). 0 or -1. */
static int member_target(json_t *o, int64_t *w)
{
    json_t *tw = json_object_get(o, "target_w"), *tk = json_object_get(o, "target_kw");
    if (json_is_integer(tw) && !tk)
        *w = (int64_t)json_integer_value(tw);
    else if (json_is_number(tk) && !tw && json_number_value(tk) > 0 &&
             json_number_value(tk) * 1000 < 1e11)
        *w = (int64_t)(json_number_value(tk) * 1000 + 0.5);
    else
        return -1;
    return *w > 0 && *w <= TARGET_W_MAX ? 0 : -1;
}

/* "users": [{"meter": ID, "priority": N}, ...] or meter ids (priority 0). 0 or -1 after 400. */
static int parse_users(json_t *uj, struct plan *p, struct api_resp *rs)
{
    if (!uj)
        return 0;
    size_t n = json_array_size(uj);
    if (!json_is_array(uj) || n > PLAN_USERS_MAX) {
        api_reply_error(rs, 400,
                        "'users' must be an array of up to %d {\"meter\": ID, \"priority\": N}",
                        PLAN_USERS_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(uj, i), *m = e, *pr = NULL;
        if (json_is_object(e)) {
            m = json_object_get(e, "meter");
            pr = json_object_get(e, "priority");
        }
        if (!json_is_integer(m) || json_integer_value(m) < 1 ||
            (pr && (!json_is_integer(pr) || json_integer_value(pr) < -1000000 ||
                    json_integer_value(pr) > 1000000))) {
            api_reply_error(rs, 400,
                            "user %zu: 'meter' must be an id >= 1 and 'priority' an integer (lower "
                            "sheds first)",
                            i);
            return -1;
        }
        p->u[p->n++] = (struct plan_user){.meter = (int64_t)json_integer_value(m),
                                          .priority = (int32_t)(pr ? json_integer_value(pr) : 0)};
    }
    return 0;
}

/* The body into p and reason: 0, or -1 after replying. */
static int parse_plan(struct api_req *rq, struct api_resp *rs, json_t *j, struct plan *p,
                      char *reason, size_t cap)
{
    json_t *mp = json_object_get(j, "max_pct");
    char area[sizeof p->area];
    int has_area = json_object_get(j, "area") != NULL;
    if (!api_member_text(j, "name", p->name, sizeof p->name)) {
        api_reply_error(rs, 400, "'name' must name the plan in 1 to %zu bytes", sizeof p->name - 1);
    } else if (!api_member_text(j, "reason", reason, cap)) {
        api_reply_error(rs, 400, "'reason' must say why, in 1 to %zu bytes", cap - 1);
    } else if (member_target(j, &p->target_w) != 0) {
        api_reply_error(rs, 400,
                        "'target_w' (integer watts) or 'target_kw' must be a reduction above 0");
    } else if (member_time(j, "from", &p->from_ms) != 0 || member_time(j, "to", &p->to_ms) != 0 ||
               p->to_ms <= p->from_ms) {
        api_reply_error(rs, 400,
                        "'from' and 'to' must be times (YYYY-MM-DDTHH:MM[:SS]Z or Unix seconds), "
                        "'from' before 'to'");
    } else if (mp && (!json_is_integer(mp) || json_integer_value(mp) < 1 ||
                      json_integer_value(mp) > 79)) {
        api_reply_error(rs, 400, "'max_pct' must be 1..79 (Q/GDW 1376.1 A.4's float coefficient)");
    } else if (has_area && !api_member_text(j, "area", area, sizeof area)) {
        api_reply_error(rs, 400, "'area' must be an area's code");
    } else if (parse_users(json_object_get(j, "users"), p, rs) == 0) {
        p->max_pct = (uint8_t)(mp ? json_integer_value(mp) : 0);
        int n = has_area ? plan_add_area(rq->api->st, p, area) : 0;
        if (n == MH_ENOSPC)
            api_reply_error(rs, 422, "more than %d users: split the plan", PLAN_USERS_MAX);
        else if (n < 0)
            api_reply_error(rs, 500, "area %s: %s", area, mh_strerror(n));
        else if (has_area && n == 0)
            api_reply_error(rs, 422, "area %s has no meter read by a special-transformer terminal",
                            area);
        else if (p->n == 0)
            api_reply_error(rs, 400, "a plan needs 'users' or an 'area'");
        else
            return 0;
    }
    return -1;
}

void api_h_plan_submit(struct api_req *rq, struct api_resp *rs)
{
    json_t *j = api_body_object(
        rq, rs,
        "{\"name\": \"...\", \"reason\": \"...\", \"target_w\": W, \"from\": T, "
        "\"to\": T, \"users\": [{\"meter\": ID, \"priority\": N}] | \"area\": CODE}");
    if (!j)
        return;
    struct plan *p = calloc(1, sizeof *p);
    char reason[256];
    if (!p) {
        json_decref(j);
        api_reply_error(rs, 500, "out of memory");
        return;
    }
    int bad = parse_plan(rq, rs, j, p, reason, sizeof reason);
    json_decref(j);
    if (bad) {
        free(p);
        return;
    }
    snprintf(rq->audit_what, sizeof rq->audit_what,
             "plan \"%.63s\", %zu users, %" PRId64 " W: %.160s", p->name, p->n, p->target_w,
             reason);
    int64_t id = 0;
    int rc = 0;
    if (api_plan_call(rq, rs, API_PLAN_SUBMIT, 0, p, reason, &id, &rc) != 0)
        return;
    if (rc != 0) {
        reply_plan_error(rs, rc, 0);
        return;
    }
    size_t used = strlen(rq->audit_what);
    snprintf(rq->audit_what + used, sizeof rq->audit_what - used, " (plan %lld)", (long long)id);
    reply_plan(rs, rq->api->st, 201, id);
}

/* ---- reading ---- */

void api_h_plans(struct api_req *rq, struct api_resp *rs)
{
    int64_t limit, after;
    if (api_arg_page(rq, rs, &limit, &after) != 0)
        return;
    struct store_plan *l = malloc((size_t)limit * sizeof *l);
    int n = l ? store_plans(rq->api->st, after, l, (size_t)limit) : MH_ENOMEM;
    if (n < 0) {
        free(l);
        api_reply_error(rs, 500, "plans: %s", mh_strerror(n));
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        struct store_plan_run run;
        int has_run = store_plan_run_get(rq->api->st, l[i].id, &run) == 0;
        json_array_append_new(items, plan_json(rq->api->st, &l[i], has_run ? &run : NULL, NULL));
    }
    json_t *next = n == limit ? json_integer((json_int_t)l[n - 1].id) : json_null();
    free(l);
    api_reply_json(rs, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
}

void api_h_plan(struct api_req *rq, struct api_resp *rs)
{
    reply_plan(rs, rq->api->st, 200, rq->params[0]);
}

/* Confirm, cancel, release: the plan's id from the path, the engine's answer, the plan. */
static void plan_act(struct api_req *rq, struct api_resp *rs, enum api_plan_op op, const char *verb)
{
    struct store_plan_run run;
    if (store_plan_run_get(rq->api->st, rq->params[0], &run) == MH_ENOENT) {
        api_reply_error(rs, 404, "no plan %lld run by the station", (long long)rq->params[0]);
        return;
    }
    snprintf(rq->audit_what, sizeof rq->audit_what, "%s plan %lld", verb, (long long)rq->params[0]);
    int rc = 0;
    if (api_plan_call(rq, rs, op, rq->params[0], NULL, NULL, NULL, &rc) != 0)
        return;
    if (rc == 0)
        reply_plan(rs, rq->api->st, 200, rq->params[0]);
    else
        reply_plan_error(rs, rc, rq->params[0]);
}

void api_h_plan_confirm(struct api_req *rq, struct api_resp *rs)
{
    plan_act(rq, rs, API_PLAN_CONFIRM, "confirm");
}

void api_h_plan_cancel(struct api_req *rq, struct api_resp *rs)
{
    plan_act(rq, rs, API_PLAN_CANCEL, "cancel");
}

void api_h_plan_release(struct api_req *rq, struct api_resp *rs)
{
    plan_act(rq, rs, API_PLAN_RELEASE, "release");
}
