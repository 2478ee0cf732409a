/*
 * The collector's tasks: GET /api/v1/tasks, POST /api/v1/tasks/{name}/run,
 * /enable and /disable (docs/api.md "Collection tasks").
 *
 * The plan and its switches live in the collector (collect.h, task_plan.c),
 * which is the station loop's alone, so every handler reads or changes it
 * there through the bridge and waits a bounded time. Running a task starts
 * a round now (collect_round_start): "daily" the daily frozen registers of
 * a local day (with each terminal's clock, curves and realtime jobs as the
 * plan says), "monthly" the monthly frozen registers of a month. The other
 * tasks run only inside a terminal's daily job, so they have no round of
 * their own (409). Outside the station the list has the names with
 * "enabled" null, and run, enable and disable answer 503.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "meterhub/base/err.h"
#include "meterhub/collect.h"
#include "meterhub/proto/value.h"
#include "meterhub/station.h"

#define TASKS_WAIT_MS 5000u

enum task_op { OP_LIST, OP_RUN, OP_ENABLE, OP_DISABLE };

/* What the loop works on and writes back. */
struct task_arg {
    struct collect *collect;
    enum task_op op;
    int task;
    int64_t day, month; /* OP_RUN: -1 not that one; day -2: yesterday (the loop's local day) */
    int enabled[COLLECT_TASK_N];
    int64_t ran_day, ran_month;
};

static int64_t month_first_day(int64_t day)
{
    struct mh_tm t;
    mh_tm_from_epoch(day * 86400, &t);
    return day - (t.day - 1);
}

static void task_on_loop(struct station_call *call, void *arg)
{
    struct task_arg *a = arg;
    int rc = 0;
    if (a->op == OP_RUN) {
        int64_t today = collect_local_day(a->collect, (int64_t)time(NULL));
        if (a->task == COLLECT_TASK_DAILY) {
            a->ran_day = a->day == -2 ? today - 1 : a->day;
            a->ran_month = -1;
        } else { /* the month that ended, or the one holding the day asked for */
            a->ran_day = -1;
            a->ran_month = month_first_day(a->day == -2 ? month_first_day(today) - 1 : a->day);
        }
        rc = collect_round_start(a->collect, a->ran_day, a->ran_month);
    } else if (a->op != OP_LIST) {
        rc = collect_task_enable(a->collect, a->task, a->op == OP_ENABLE);
    }
    for (int i = 0; i < COLLECT_TASK_N; i++)
        a->enabled[i] = collect_task_enabled(a->collect, i);
    station_call_finish(call, rc);
}

/*
 * Run a->op on the loop (a is the call's from now on): 0 with *out (the
 * finished call: its arg holds the results, release it) and its status, or
 * -1 after replying 503/504.
 */
static int on_loop(struct api_req *rq, struct api_resp *rs, struct task_arg *a,
                   struct station_call **out, int *status)
{
    if (!rq->api->station || !rq->api->collect) {
        free(a);
        api_reply_error(rs, 503,
                        "the collector's tasks need the master station (meterhub serve --api)");
        return -1;
    }
    a->collect = rq->api->collect;
    int rc = station_call_submit(rq->api->station, task_on_loop, a, free, out);
    if (rc != 0) {
        api_reply_error(rs, 503, "the station does not take the call now: %s", mh_strerror(rc));
        return -1;
    }
    rc = station_call_wait(*out, TASKS_WAIT_MS, status);
    if (rc == 0 && *status == MH_ECLOSED)
        rc = MH_ECLOSED;
    if (rc != 0) {
        station_call_release(*out);
        api_reply_error(rs, rc == MH_ECLOSED ? 503 : 504, "the station's loop did not answer: %s",
                        mh_strerror(rc));
        return -1;
    }
    return 0;
}

/* The plan; a NULL a (no station): names and switchability, "enabled" null. */
static json_t *tasks_json(const struct task_arg *a)
{
    json_t *items = json_array();
    for (int i = 0; items && i < COLLECT_TASK_N; i++)
        json_array_append_new(items,
                              json_pack("{s:s, s:o, s:b}", "name", collect_task_name(i), "enabled",
                                        a ? json_boolean(a->enabled[i] == 1) : json_null(),
                                        "switchable", collect_task_switchable(i)));
    return items;
}

/* A new arg for op, or NULL after replying. */
static struct task_arg *arg_new(struct api_resp *rs, enum task_op op)
{
    struct task_arg *a = calloc(1, sizeof *a);
    if (!a)
        api_reply_error(rs, 500, "out of memory");
    else
        a->op = op;
    return a;
}

/* The task the path's {name} names, or -1 after replying 404. */
static int path_task(struct api_req *rq, struct api_resp *rs)
{
    const char *name = rq->path + rq->params[0];
    const char *end = strchr(name, '/');
    size_t len = end ? (size_t)(end - name) : strlen(name);
    int t = collect_task_find(name, len);
    if (t < 0)
        api_reply_error(rs, 404, "no task '%.*s' (daily, monthly, curves, realtime, clock, patch)",
                        (int)len, name);
    return t;
}

void api_h_tasks(struct api_req *rq, struct api_resp *rs)
{
    if (!rq->api->station || !rq->api->collect) { /* meterhub api alone: the plan's names */
        api_reply_json(rs, 200, json_pack("{s:o*, s:b}", "items", tasks_json(NULL), "station", 0));
        return;
    }
    struct task_arg *a = arg_new(rs, OP_LIST);
    struct station_call *call;
    int st;
    if (!a || on_loop(rq, rs, a, &call, &st) != 0)
        return;
    api_reply_json(
        rs, 200,
        json_pack("{s:o*, s:b}", "items", tasks_json(station_call_arg(call)), "station", 1));
    station_call_release(call);
}

void api_h_task_run(struct api_req *rq, struct api_resp *rs)
{
    int task = path_task(rq, rs);
    if (task < 0)
        return;
    snprintf(rq->audit_what, sizeof rq->audit_what, "run task %s", collect_task_name(task));
    if (task != COLLECT_TASK_DAILY && task != COLLECT_TASK_MONTHLY) {
        api_reply_error(rs, 409, "task %s runs within each terminal's daily job: run task daily",
                        collect_task_name(task));
        return;
    }
    int64_t t;
    if (api_arg_time(rq, rs, "day", -1, &t) != 0)
        return;
    struct task_arg *a = arg_new(rs, OP_RUN);
    if (!a)
        return;
    a->task = task;
    /* A date is the terminals' local date: its UTC midnight / 86400 is that local day number. */
    a->day = t < 0 ? -2 : t / 86400;
    struct station_call *call;
    int st;
    if (on_loop(rq, rs, a, &call, &st) != 0)
        return;
    a = station_call_arg(call);
    char day[40];
    api_format_time((a->ran_day >= 0 ? a->ran_day : a->ran_month) * 86400, day, sizeof day);
    snprintf(rq->audit_what, sizeof rq->audit_what, "run task %s for %.10s",
             collect_task_name(task), day);
    if (st != 0)
        api_reply_error(rs, 500, "the round did not start: %s", mh_strerror(st));
    else
        api_reply_json(rs, 202,
                       json_pack("{s:s, s:s%}", "task", collect_task_name(task),
                                 a->ran_day >= 0 ? "day" : "month", day,
                                 (size_t)(a->ran_day >= 0 ? 10 : 7)));
    station_call_release(call);
}

static void switch_task(struct api_req *rq, struct api_resp *rs, enum task_op op)
{
    int task = path_task(rq, rs);
    if (task < 0)
        return;
    snprintf(rq->audit_what, sizeof rq->audit_what, "%s task %s",
             op == OP_ENABLE ? "enable" : "disable", collect_task_name(task));
    struct task_arg *a = arg_new(rs, op);
    if (!a)
        return;
    a->task = task;
    struct station_call *call;
    int st;
    if (on_loop(rq, rs, a, &call, &st) != 0)
        return;
    if (st == MH_ENOTSUP)
        api_reply_error(rs, 409,
                        "task %s is fixed by the station's configuration while it runs "
                        "(only curves and realtime switch)",
                        collect_task_name(task));
    else if (st != 0)
        api_reply_error(rs, 500, "%s", mh_strerror(st));
    else
        api_reply_json(rs, 200, json_pack("{s:o*}", "items", tasks_json(station_call_arg(call))));
    station_call_release(call);
}

void api_h_task_enable(struct api_req *rq, struct api_resp *rs)
{
    switch_task(rq, rs, OP_ENABLE);
}

void api_h_task_disable(struct api_req *rq, struct api_resp *rs)
{
    switch_task(rq, rs, OP_DISABLE);
}
