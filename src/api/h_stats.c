/*
 * GET /api/v1/stats: operations statistics (docs/api.md "Statistics").
 *
 * The store writer's totals and the API's uptime are read on the request
 * thread (store_writer_stats is thread-safe). The front end's sessions and
 * port counters and the collector's progress belong to the station's loop
 * (fep.h, collect.h: single-threaded), so they are copied there through the
 * bridge and the request waits a bounded time for the copy. Without a
 * station (`meterhub api` alone) or when the loop does not answer in time,
 * "station" is null and the rest is still answered: what the store can say.
 */
#include <jansson.h>
#include <stdlib.h>
#include <time.h>

#include "api_int.h"
#include "meterhub/base/err.h"
#include "meterhub/collect.h"
#include "meterhub/fep.h"
#include "meterhub/station.h"

#define STATS_WAIT_MS 2000u
#define STATS_PORTS_MAX 16

/* What the loop copies: every field written on the loop before the call finishes. */
struct stats_arg {
    struct fep *fep;
    struct collect *collect;
    struct fep_port *ports[STATS_PORTS_MAX];
    size_t n_ports;
    uint64_t sessions, online;
    struct fep_port_stats port[STATS_PORTS_MAX];
    struct collect_progress progress;
};

int64_t api_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void stats_copy(struct station_call *call, void *arg)
{
    struct stats_arg *a = arg;
    if (a->fep) {
        a->sessions = fep_sessions(a->fep);
        a->online = fep_online(a->fep);
    }
    for (size_t i = 0; i < a->n_ports; i++)
        a->port[i] = *fep_port_stats(a->ports[i]);
    if (a->collect)
        collect_progress(a->collect, &a->progress);
    station_call_finish(call, 0);
}

static json_t *port_json(const struct fep_port_stats *p)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "connections",
                     (json_int_t)p->connections, "logins", (json_int_t)p->logins, "login_refused",
                     (json_int_t)p->login_refused, "login_timeouts", (json_int_t)p->login_timeouts,
                     "replaced", (json_int_t)p->replaced, "frames_in", (json_int_t)p->frames_in,
                     "frames_out", (json_int_t)p->frames_out, "malformed",
                     (json_int_t)p->bad_frames, "oversize", (json_int_t)p->oversize, "rate_dropped",
                     (json_int_t)p->rate_dropped, "stray", (json_int_t)p->stray);
}

static json_t *progress_json(const struct collect_progress *p)
{
    json_t *j = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "jobs_queued",
        (json_int_t)p->jobs_queued, "jobs_running", (json_int_t)p->jobs_running, "jobs_done",
        (json_int_t)p->jobs_done, "meters_asked", (json_int_t)p->meters_asked, "first_try",
        (json_int_t)p->first_try, "collected", (json_int_t)p->collected, "readings",
        (json_int_t)p->readings, "requests", (json_int_t)p->requests, "timeouts",
        (json_int_t)p->timeouts, "denied", (json_int_t)p->denied, "decode_errors",
        (json_int_t)p->decode_errors, "terminals_online", (json_int_t)p->terminals_online,
        "store_waits", (json_int_t)p->store_waits);
    if (!j)
        return NULL;
    char day[40];
    api_format_time(p->day, day, sizeof day);
    json_object_set_new(j, "day", p->day >= 0 ? json_stringn(day, 10) : json_null());
    json_object_set_new(j, "clocks",
                        json_pack("{s:I, s:I, s:I}", "read", (json_int_t)p->clocks_read, "set",
                                  (json_int_t)p->clocks_set, "far", (json_int_t)p->clocks_far));
    json_object_set_new(j, "curves",
                        json_pack("{s:I, s:I}", "meters", (json_int_t)p->curve_meters, "collected",
                                  (json_int_t)p->curve_collected));
    json_object_set_new(j, "realtime",
                        json_pack("{s:I, s:I}", "meters", (json_int_t)p->realtime_meters,
                                  "collected", (json_int_t)p->realtime_collected));
    return j;
}

/* The station's part, or json null when there is none or its loop did not answer in time. */
static json_t *station_json(struct api *api)
{
    if (!api->station)
        return json_null();
    struct stats_arg *a = calloc(1, sizeof *a);
    if (!a)
        return json_null();
    a->fep = api->fep;
    a->collect = api->collect;
    for (size_t i = 0; i < api->n_ports && i < STATS_PORTS_MAX; i++)
        a->ports[a->n_ports++] = api->ports[i];
    struct station_call *call;
    if (station_call_submit(api->station, stats_copy, a, free, &call) != 0)
        return json_null();
    int st = -1;
    json_t *j = NULL;
    if (station_call_wait(call, STATS_WAIT_MS, &st) == 0 && st == 0) {
        json_t *ports = json_array();
        for (size_t i = 0; ports && i < a->n_ports; i++)
            json_array_append_new(ports, port_json(&a->port[i]));
        j = json_pack("{s:I, s:I, s:o, s:o}", "fep_sessions", (json_int_t)a->sessions, "fep_online",
                      (json_int_t)a->online, "ports", ports ? ports : json_null(), "collect",
                      a->collect ? progress_json(&a->progress) : json_null());
    }
    station_call_release(call);
    return j ? j : json_null();
}

void api_h_stats(struct api_req *rq, struct api_resp *rs)
{
    struct store_writer_stats w;
    store_writer_stats(rq->api->st, &w);
    json_t *writer = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "appended",
                               (json_int_t)w.appended, "stored", (json_int_t)w.stored, "duplicates",
                               (json_int_t)w.duplicates, "conflicts", (json_int_t)w.conflicts,
                               "failed", (json_int_t)w.failed, "batches", (json_int_t)w.batches,
                               "rejected", (json_int_t)w.rejected, "queued", (json_int_t)w.queued);
    int64_t up = (api_mono_ms() - rq->api->started_ms) / 1000;
    api_reply_json(rs, 200,
                   json_pack("{s:I, s:s, s:i, s:o, s:o}", "uptime_s", (json_int_t)up, "backend",
                             store_backend_name(rq->api->st), "schema_version",
                             store_schema_version(rq->api->st), "store_writer",
                             writer ? writer : json_null(), "station", station_json(rq->api)));
}
