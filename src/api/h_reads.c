/*
 * On-demand reads: POST /api/v1/reads and GET /api/v1/jobs/{id}
 * (docs/api.md "On-demand reads").
 *
 * The request thread validates the body, then hands the read to the
 * station's loop through the bridge (station.h) and waits up to the
 * request's timeout_ms: done by then, 200 with the values; not yet, 202 with
 * a job to poll. Every read is a job, kept in a fixed ring of JOBS_MAX (the
 * oldest is forgotten first), so the two answers are the same object.
 * collect_read_now runs on the loop and finishes the call from its reply
 * callback, after the readings are appended to the store.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_int.h"
#include "meterhub/base/err.h"
#include "meterhub/collect.h"
#include "meterhub/proto/item.h"
#include "meterhub/station.h"

#define JOBS_MAX 256
#define WAIT_MAX_MS 120000u
#define WAIT_DEFAULT_MS 10000u

/* What the loop works on: the read, its result, and where to publish it. */
struct read_arg {
    struct api *api;
    struct collect *collect;
    struct collect_read rq;
    struct collect_read_result res;
    uint32_t bad_item;
    int64_t job;
    int started; /* the loop ran read_start (a bridge closing finishes calls unrun) */
};

struct job {
    int64_t id;
    int64_t created_ms;
    struct station_call *call;
};

struct api_jobs {
    pthread_mutex_t mu;
    int64_t next;
    struct job ring[JOBS_MAX];
};

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int api_jobs_new(struct api_jobs **out)
{
    struct api_jobs *j = calloc(1, sizeof *j);
    if (!j)
        return MH_ENOMEM;
    pthread_mutex_init(&j->mu, NULL);
    j->next = 1;
    *out = j;
    return 0;
}

void api_jobs_free(struct api_jobs *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < JOBS_MAX; i++)
        station_call_release(j->ring[i].call);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

/* ---- on the station's loop ---- */

static void job_json_values(const struct collect_read_result *r, struct api_text *t);

static void read_done(void *ctx, const struct collect_read_result *r)
{
    struct station_call *call = ctx;
    struct read_arg *a = station_call_arg(call);
    a->res = *r;
    /* The stream's subscribers learn the outcome too (docs/api.md "Live events"). */
    struct api_text t = {0};
    api_text_add(&t, "{\"job\":%lld,\"terminal\":%lld,\"status\":\"%s\",\"values\":",
                 (long long)a->job, (long long)r->terminal, r->status == 0 ? "done" : "failed");
    job_json_values(r, &t);
    api_text_add(&t, "}");
    if (!t.oom)
        api_publish(a->api, "read", t.p);
    free(t.p);
    station_call_finish(call, r->status);
}

static void read_start(struct station_call *call, void *arg)
{
    struct read_arg *a = arg;
    a->started = 1;
    int rc = collect_read_now(a->collect, &a->rq, read_done, call, &a->bad_item);
    if (rc != 0) {
        a->res.status = rc;
        station_call_finish(call, rc);
    }
}

/* ---- JSON ---- */

static void job_json_values(const struct collect_read_result *r, struct api_text *t)
{
    char tm[40], item[24], val[48];
    api_format_time(r->t, tm, sizeof tm);
    api_text_add(t, "[");
    for (size_t i = 0; i < r->n; i++) {
        const struct collect_read_value *v = &r->v[i];
        const struct mh_item_def *def = mh_item_lookup(v->item);
        if (mh_item_format(v->item, item, sizeof item) < 0)
            item[0] = '\0';
        if (mh_dec_format(v->value, val, sizeof val) < 0)
            val[0] = '\0';
        api_text_add(t, "%s{\"meter\":%lld,\"item\":\"%s\",\"name\":\"%s\",\"value\":\"%s\","
                        "\"unit\":\"%s\",\"time\":\"%s\"}",
                     i ? "," : "", (long long)v->meter, item, def ? def->sym : "", val,
                     def ? mh_unit_name(def->unit) : "", tm);
    }
    api_text_add(t, "]");
}

/* The HTTP status a finished read answers with, and its error's words. */
static unsigned failed_status(int rc, const char **why)
{
    static const struct {
        int rc;
        unsigned status;
        const char *why;
    } map[] = {
        {MH_ENOENT, 404, "no such meter or terminal, or the meter is read by no terminal"},
        {MH_ECLOSED, 409, "the terminal is not online"},
        {MH_EBUSY, 503, "the terminal's request queue is full"},
        {MH_ENOTSUP, 422,
         "the terminal does not hold these items of the meter and cannot forward to it (1376.1 "
         "terminals forward to DL/T 645-2007 meters, 698.45 terminals by PROXY; not with "
         "via terminal)"},
        {MH_ETIMEDOUT, 504, "the terminal did not answer"},
        {MH_EPERM, 503, "the front-end process that holds the terminal (serve --procs) did not "
                        "take the read: it is down or restarting"},
        {MH_EPROTO, 502, "the terminal refused or answered what cannot be decoded"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].rc == rc) {
            *why = map[i].why;
            return map[i].status;
        }
    *why = mh_strerror(rc);
    return 500;
}

/* The job as JSON into t: id, status, and the values or the error. */
static void job_json(const struct job *j, struct api_text *t)
{
    int st = 0;
    int done = station_call_done(j->call, &st);
    const struct read_arg *a = station_call_arg(j->call);
    char created[40];
    api_format_time_ms(j->created_ms, created, sizeof created);
    api_text_add(t, "{\"id\":%lld,\"href\":\"/api/v1/jobs/%lld\",\"created\":\"%s\",", (long long)j->id,
                 (long long)j->id, created);
    if (a->rq.meter)
        api_text_add(t, "\"meter\":%lld,", (long long)a->rq.meter);
    if (a->rq.terminal)
        api_text_add(t, "\"terminal\":%lld,", (long long)a->rq.terminal);
    if (!done) {
        api_text_add(t, "\"status\":\"running\"}");
        return;
    }
    if (st != 0) {
        const char *why;
        unsigned code = failed_status(st, &why);
        api_text_add(t, "\"status\":\"failed\",\"code\":%u,\"error\":\"%s\"}", code, why);
        return;
    }
    char rx[40];
    api_format_time_ms(a->res.received_ms, rx, sizeof rx);
    api_text_add(t, "\"status\":\"done\",\"received\":\"%s\",\"device_ms\":%u,\"values\":", rx,
                 (unsigned)a->res.device_ms);
    job_json_values(&a->res, t);
    api_text_add(t, "}");
}

/* ---- the request ---- */

/* Parse the body into a; 0 or -1 after replying 400/415. */
static int parse_body(struct api_req *rq, struct api_resp *rs, struct collect_read *r,
                      uint32_t *wait_ms)
{
    const char *ct =
        MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        api_reply_error(rs, 415, "a read is posted as Content-Type: application/json, not '%s'",
                        ct ? ct : "");
        return -1;
    }
    json_error_t je;
    json_t *j = rq->body ? json_loadb(rq->body, rq->body_len, 0, &je) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        api_reply_error(rs, 400, "the body must be a JSON object {\"meter\": ID, \"items\": [...]}");
        return -1;
    }
    json_t *m = json_object_get(j, "meter"), *t = json_object_get(j, "terminal");
    json_t *items = json_object_get(j, "items"), *to = json_object_get(j, "timeout_ms");
    const char *bad = NULL;
    if ((m && (!json_is_integer(m) || json_integer_value(m) < 1)) ||
        (t && (!json_is_integer(t) || json_integer_value(t) < 1)) || (!m && !t))
        bad = "'meter' or 'terminal' must be given as an id >= 1";
    else if (!json_is_array(items) || json_array_size(items) == 0 ||
             json_array_size(items) > COLLECT_READ_ITEMS_MAX)
        bad = "'items' must be an array of 1 to 16 item codes (\"1.0.1.8.0\") or names (\"AE_IMP\")";
    else if (to && (!json_is_integer(to) || json_integer_value(to) < 0 ||
                    json_integer_value(to) > (json_int_t)WAIT_MAX_MS))
        bad = "'timeout_ms' must be an integer 0..120000";
    static const char *const vias[] = {"auto", "terminal", "proxy"};
    json_t *via = json_object_get(j, "via");
    int v = via ? -1 : COLLECT_VIA_AUTO;
    for (int i = 0; via && i < 3; i++)
        if (json_is_string(via) && strcmp(json_string_value(via), vias[i]) == 0)
            v = i;
    if (!bad && v < 0)
        bad = "'via' must be \"auto\", \"terminal\" or \"proxy\" (through the terminal's "
              "forward to the meter)";
    if (bad) {
        json_decref(j);
        api_reply_error(rs, 400, "%s", bad);
        return -1;
    }
    r->meter = m ? (int64_t)json_integer_value(m) : 0;
    r->terminal = t ? (int64_t)json_integer_value(t) : 0;
    r->via = v;
    *wait_ms = to ? (uint32_t)json_integer_value(to) : WAIT_DEFAULT_MS;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *s = json_string_value(json_array_get(items, i));
        uint32_t code = 0;
        if (!s || api_item_parse(s, &code) != 0 || !collect_read_item_ok(code)) {
            api_reply_error(rs, 400,
                            "item %zu ('%s') is not an item that can be read on demand "
                            "(docs/api.md \"On-demand reads\")",
                            i, s ? s : "not a string");
            json_decref(j);
            return -1;
        }
        r->items[r->n_items++] = code;
    }
    json_decref(j);
    return 0;
}

static void free_arg(void *p)
{
    free(p);
}

void api_h_reads(struct api_req *rq, struct api_resp *rs)
{
    struct api *api = rq->api;
    struct read_arg *a = calloc(1, sizeof *a);
    if (!a) {
        api_reply_error(rs, 500, "out of memory");
        return;
    }
    uint32_t wait_ms = 0;
    if (parse_body(rq, rs, &a->rq, &wait_ms) != 0) {
        free(a);
        return;
    }
    if (!api->station) {
        free(a);
        api_reply_error(rs, 503, "on-demand reads need the master station (meterhub serve --api)");
        return;
    }
    a->api = api;
    a->collect = api->collect;
    struct api_jobs *jobs = api->jobs;
    pthread_mutex_lock(&jobs->mu);
    a->job = jobs->next++;
    pthread_mutex_unlock(&jobs->mu);
    snprintf(rq->audit_what, sizeof rq->audit_what, "read %s %lld, %zu items, job %lld",
             a->rq.meter ? "meter" : "terminal",
             (long long)(a->rq.meter ? a->rq.meter : a->rq.terminal), a->rq.n_items,
             (long long)a->job);
    struct job j = {.id = a->job, .created_ms = wall_ms()};
    int rc = station_call_submit(api->station, read_start, a, free_arg, &j.call);
    if (rc != 0) {
        api_reply_error(rs, 503, "the station does not take the read now: %s", mh_strerror(rc));
        return;
    }
    int st = 0;
    int done = station_call_wait(j.call, wait_ms, &st) == 0;
    struct api_text t = {0};
    job_json(&j, &t);
    /* Kept for GET /jobs/{id}, the oldest forgotten. */
    pthread_mutex_lock(&jobs->mu);
    struct job *slot = &jobs->ring[j.id % JOBS_MAX];
    struct station_call *old = slot->call;
    *slot = j;
    pthread_mutex_unlock(&jobs->mu);
    station_call_release(old);
    if (t.oom) {
        free(t.p);
        api_reply_error(rs, 500, "out of memory");
        return;
    }
    if (done && st == MH_EINVAL) { /* collect refused an item for this terminal's protocol */
        char item[24] = "";
        mh_item_format(((struct read_arg *)station_call_arg(j.call))->bad_item, item, sizeof item);
        free(t.p);
        api_reply_error(rs, 400, "item %s cannot be read from this terminal", item);
        return;
    }
    if (done && st == MH_ECLOSED && !((struct read_arg *)station_call_arg(j.call))->started) {
        free(t.p);
        api_reply_error(rs, 503, "the station is stopping (job %lld not run)", (long long)j.id);
        return;
    }
    if (done && st != 0) {
        const char *why;
        unsigned status = failed_status(st, &why);
        free(t.p);
        api_reply_error(rs, status, "%s (job %lld)", why, (long long)j.id);
        return;
    }
    api_reply_text(rs, done ? 200 : 202, "application/json", t.p, t.len);
}

void api_h_job(struct api_req *rq, struct api_resp *rs)
{
    struct api_jobs *jobs = rq->api->jobs;
    int64_t id = rq->params[0];
    struct api_text t = {0};
    int found = 0;
    pthread_mutex_lock(&jobs->mu);
    struct job *slot = &jobs->ring[id % JOBS_MAX];
    if (slot->call && slot->id == id) {
        found = 1;
        job_json(slot, &t);
    }
    pthread_mutex_unlock(&jobs->mu);
    if (!found) {
        api_reply_error(rs, 404, "no job %lld (jobs are kept for the last %d reads)",
                        (long long)id, JOBS_MAX);
        return;
    }
    if (t.oom) {
        free(t.p);
        api_reply_error(rs, 500, "out of memory");
        return;
    }
    api_reply_text(rs, 200, "application/json", t.p, t.len);
}
