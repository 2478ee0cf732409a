/*
 * The master station process: one libuv loop holding the listener, the
 * front end and the collector; the store's writer on its own thread.
 *
 * Start: store open (migrated), archive import when given, collector, fep,
 * listener. Shutdown (SIGINT, SIGTERM, or the round done with --once):
 * the open round is closed (its offline meters written), the listener
 * closes, then the fep (every session offline, pending requests fail),
 * then the collector; the loop ends when every handle is closed, and
 * store_close commits what is queued before the process exits.
 *
 * NEEDSWORK: one loop per process. A large station runs several serve
 * processes on one port (the listener sets SO_REUSEPORT), as
 * ARCHITECTURE.md describes; loops per core inside one process would need
 * the collector's terminal table shared between loops.
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "meterhub/api.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/chan.h"
#include "meterhub/control.h"
#include "meterhub/fep.h"
#include "meterhub/station.h"
#include "meterhub/store.h"
#include "serve.h"
#include "serve_procs.h"

#define MOD "serve"

struct server {
    struct serve_opts *o;
    uv_loop_t loop;
    struct chan_loop *cl;
    struct store *st;
    struct collect *c;
    struct fep *f;
    struct chan_tcp_listener *l;
    struct fep_port *port;
    struct exchange *x; /* bus and exports, when asked for */
    uv_signal_t sigint, sigterm;
    uv_timer_t tick;
    uint64_t started_ms, idle_since_ms;
    int stopping, round_reported, hook_failed;
    struct station_bridge *bridge; /* the API's way into this loop */
    struct control *ctl;           /* load management on this loop, over the fep and store */
    struct api *api;
    struct fep_sink sink; /* the collector's, with the API's events on the way */
    const struct fep_sink *inner;
    struct serve_mesh_rx *mesh_rx; /* serve --procs: connections handed over by other workers */
    struct serve_fwd *fwd;         /* serve --procs: on-demand reads of other workers' terminals */
    struct collect_progress last; /* the round as last published */
    /* the analysis of a round's day, on libuv's thread pool: which day, and the collected
     * count it saw (a later rise analyses the day again) */
    uv_work_t analysis;
    int analyzing;
    int64_t analyzed_day;
    uint64_t analyzed_collected;
    uv_work_t settle; /* the wait for the round's commit before a settlement (thread pool) */
    int settling;
    int64_t settled_day; /* prepaid accounts settled after the round of this day, at this count */
    uint64_t settled_collected;
};

int serve_parse_hostport(const char *text, const char **host, uint16_t *port)
{
    static char buf[64];
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text || (size_t)(colon - text) >= sizeof buf)
        return -1;
    size_t hl = (size_t)(colon - text);
    const char *h = text;
    if (text[0] == '[') {
        if (hl < 3 || text[hl - 1] != ']')
            return -1;
        h++;
        hl -= 2;
    }
    memcpy(buf, h, hl);
    buf[hl] = 0;
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (*end || end == colon + 1 || p > 65535)
        return -1;
    *host = buf;
    *port = (uint16_t)p;
    return 0;
}

int serve_parse_day(const char *text, int utc_offset_min, int64_t *day)
{
    if (strcmp(text, "yesterday") == 0) {
        int64_t now = (int64_t)time(NULL) + (int64_t)utc_offset_min * 60;
        *day = now / 86400 - 1;
        return 0;
    }
    struct mh_tm t;
    int64_t e;
    if (strlen(text) != 10 || cmd_sim_parse_time(text, &t) != 0 || mh_tm_to_epoch(&t, &e) != 0)
        return -1;
    *day = e / 86400;
    return 0;
}

int serve_parse_month(const char *text, int utc_offset_min, int64_t *day)
{
    char buf[16];
    int64_t d;
    if (strcmp(text, "last") == 0) {
        struct mh_tm t;
        if (serve_parse_day("yesterday", utc_offset_min, &d) != 0)
            return -1;
        mh_tm_from_epoch(d * 86400, &t);
        /* the month before the current one: the last day of it, then its first */
        d -= t.day;
        if (d < 0)
            return -1;
        mh_tm_from_epoch(d * 86400, &t);
        *day = d - (t.day - 1);
        return 0;
    }
    if (strlen(text) != 7)
        return -1;
    snprintf(buf, sizeof buf, "%s-01", text);
    return serve_parse_day(buf, utc_offset_min, day);
}

static void collect_done_free(void *arg)
{
    struct server *s = arg;
    collect_free(s->c);
    s->c = NULL;
}

static void listener_closed(void *arg)
{
    struct server *s = arg;
    fep_close(s->f, collect_done_free, s);
    s->f = NULL;
}

static void stop(struct server *s)
{
    if (s->stopping)
        return;
    s->stopping = 1;
    /* The port's counters: what an operator reads after a flood (garbage counted, idle logins cut). */
    const struct fep_port_stats *ps = fep_port_stats(s->port);
    mh_info(MOD,
            "port: %llu connections, %llu logins, %llu refused, %llu login timeouts, %llu replaced; "
            "frames %llu in, %llu out, %llu malformed, %llu oversize, %llu rate-dropped, %llu stray; "
            "%llu handed to their owner, %llu taken over",
            (unsigned long long)ps->connections, (unsigned long long)ps->logins,
            (unsigned long long)ps->login_refused, (unsigned long long)ps->login_timeouts,
            (unsigned long long)ps->replaced, (unsigned long long)ps->frames_in,
            (unsigned long long)ps->frames_out, (unsigned long long)ps->bad_frames,
            (unsigned long long)ps->oversize, (unsigned long long)ps->rate_dropped,
            (unsigned long long)ps->stray, (unsigned long long)ps->handed_off,
            (unsigned long long)chan_tcp_listener_stats(s->l)->adopted);
    collect_progress(s->c, &s->o->result);
    collect_round_close(s->c);
    collect_stop(s->c);
    serve_fwd_stop(s->fwd); /* reads forwarded and not answered: MH_ECLOSED, before the bridge goes */
    s->fwd = NULL;
    if (s->bridge)
        station_bridge_close(s->bridge); /* API calls from now on: MH_ECLOSED */
    /* Before the fep closes: commands in flight end UNCONFIRMED, recorded, while the fep still answers. */
    control_free(s->ctl);
    s->ctl = NULL;
    serve_mesh_stop(s->mesh_rx);
    s->mesh_rx = NULL;
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    uv_close((uv_handle_t *)&s->tick, NULL);
    chan_tcp_listener_close(s->l, listener_closed, s);
}

/* ---- events for the API's stream (docs/api.md "Live events") ---- */

static void ev_online(void *ctx, const char *addr, enum fep_proto_id proto, const char *peer)
{
    struct server *s = ctx;
    char j[160];
    snprintf(j, sizeof j, "{\"terminal\":\"%s\",\"online\":true,\"peer\":\"%s\"}", addr,
             peer ? peer : "");
    api_publish(s->api, "terminal", j);
    if (s->inner->on_online)
        s->inner->on_online(s->inner->ctx, addr, proto, peer);
}

static void ev_offline(void *ctx, const char *addr, enum fep_offline_reason reason)
{
    struct server *s = ctx;
    char j[160];
    snprintf(j, sizeof j, "{\"terminal\":\"%s\",\"online\":false,\"reason\":\"%s\"}", addr,
             fep_offline_name((int)reason));
    api_publish(s->api, "terminal", j);
    if (s->inner->on_offline)
        s->inner->on_offline(s->inner->ctx, addr, reason);
}

static void ev_report(void *ctx, const char *addr, uint64_t token, const uint8_t *frame, size_t len)
{
    struct server *s = ctx;
    if (s->inner->on_report)
        s->inner->on_report(s->inner->ctx, addr, token, frame, len);
    char j[120];
    snprintf(j, sizeof j, "{\"terminal\":\"%s\",\"bytes\":%zu}", addr, len);
    api_publish(s->api, "report", j);
}

/* An event row stored from a report: its ERC and time, the payload the collector wrote. */
static void ev_stored(void *ctx, const char *addr, const struct store_event *e)
{
    struct server *s = ctx;
    char j[400];
    /* The payload only when it is whole JSON (the collector's text is capped). */
    json_t *pl = e->payload_json ? json_loads(e->payload_json, 0, NULL) : NULL;
    int n = snprintf(j, sizeof j,
                     "{\"terminal\":\"%s\",\"terminal_id\":%lld,\"code\":%u,\"start\":%lld,"
                     "\"payload\":%s}",
                     addr, (long long)e->terminal, e->code, (long long)e->start_s,
                     pl ? e->payload_json : "null");
    json_decref(pl);
    if (n > 0 && (size_t)n < sizeof j)
        api_publish(s->api, "event", j);
}

static void ev_pending(void *ctx, const char *addr, uint8_t ec1, uint8_t ec2)
{
    struct server *s = ctx;
    if (s->inner->on_events_pending)
        s->inner->on_events_pending(s->inner->ctx, addr, ec1, ec2);
}

/* The round's figures when they changed since the last tick. */
static void ev_round(struct server *s, const struct collect_progress *p)
{
    if (!s->api || p->day < 0 || memcmp(p, &s->last, sizeof *p) == 0)
        return;
    s->last = *p;
    char j[400];
    snprintf(j, sizeof j,
             "{\"day\":%lld,\"terminals_online\":%u,\"jobs_running\":%u,\"jobs_queued\":%u,"
             "\"jobs_done\":%u,\"meters_asked\":%llu,\"collected\":%llu,\"first_try\":%llu,"
             "\"readings\":%llu,\"requests\":%llu,\"timeouts\":%llu}",
             (long long)p->day, p->terminals_online, p->jobs_running, p->jobs_queued, p->jobs_done,
             (unsigned long long)p->meters_asked, (unsigned long long)p->collected,
             (unsigned long long)p->first_try, (unsigned long long)p->readings,
             (unsigned long long)p->requests, (unsigned long long)p->timeouts);
    api_publish(s->api, "round", j);
}

/*
 * The API on its own threads, over this store, reaching the loop through the
 * bridge. NEEDSWORK: an on-demand read holds its serving thread while it
 * waits (up to its timeout_ms); suspending the connection instead would
 * free the thread. Until then the station's API runs more threads than a
 * standalone one, and a request that the same pool thread accepted beside
 * a read waits for that read's device: during the city's round one such
 * request waited 2.7 s (bench_city.py, whose eight readers post at once).
 */
#define API_THREADS 8
static int start_api(struct server *s)
{
    struct serve_opts *o = s->o;
    char err[512] = "";
    if (station_bridge_new(&s->loop, 0, &s->bridge) != 0)
        return -1;
    struct api_options ao = {.host = o->api_host, .port = o->api_port, .store_uri = o->db,
                             .cert_file = o->cert, .key_file = o->key,
                             .web_dir = o->web_dir ? o->web_dir : api_web_default(),
                             .station = s->bridge, .collect = s->c, .cors_origins = o->cors,
                             .n_cors = o->n_cors, .threads = API_THREADS, .control = s->ctl,
                             .fep = s->f, .ports = &s->port, .n_ports = 1};
    if (api_start(&ao, s->st, &s->api, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub: api: %s\n", err);
        return -1;
    }
    char url[128];
    int v6 = strchr(o->api_host, ':') != NULL;
    snprintf(url, sizeof url, "%s://%s%s%s:%u", o->cert ? "https" : "http", v6 ? "[" : "",
             o->api_host, v6 ? "]" : "", api_port(s->api));
    collect_on_event(s->c, ev_stored, s);
    mh_info(MOD, "api on %s/api/v1%s%s", url, ao.web_dir ? ", dashboard at " : "",
            ao.web_dir ? url : "");
    if (o->on_api)
        o->on_api(o->hook_ctx, url, ao.web_dir);
    return 0;
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct server *s = h->data;
    mh_info(MOD, "signal %d: shutting down", signum);
    stop(s);
}

static void analysis_work(uv_work_t *w)
{
    struct server *s = w->data;
    store_readings_sync(s->st, 60000); /* what the round appended is committed first */
    cmd_analyze_report(s->st, s->analyzed_day, s->o->analyze_history,
                       s->o->collect.utc_offset_min, 0, NULL);
}

static void analysis_done(uv_work_t *w, int status)
{
    struct server *s = w->data;
    (void)status;
    s->analyzing = 0;
}

/*
 * Analyse the round's day p->day when it has not been (or more has been
 * collected since). Returns 1 while an analysis of that day runs or was
 * just started, 0 once it is done or analysis is off.
 */
static int analysis_pending(struct server *s, const struct collect_progress *p)
{
    if (s->analyzing)
        return 1;
    if (s->o->analyze_history <= 0 || p->day < 0 || s->stopping ||
        (s->analyzed_day == p->day && s->analyzed_collected == p->collected))
        return 0;
    s->analyzed_day = p->day;
    s->analyzed_collected = p->collected;
    s->analysis.data = s;
    if (uv_queue_work(&s->loop, &s->analysis, analysis_work, analysis_done) != 0)
        return 0;
    s->analyzing = 1;
    return 1;
}

/*
 * Prepaid accounts are settled once a round's collection is idle and
 * has stored something, more than at the last settlement (docs/control.md "Prepayment"):
 * the registers just read are the consumption charged. The wait for the
 * round's readings to be committed runs on libuv's thread pool, never on
 * the loop; the settlement itself runs back on the loop, where the engine
 * lives (its store calls are synchronous, its switches queued commands).
 */
#define SETTLE_PAGE 256
static void settle_sync(uv_work_t *w)
{
    struct server *s = w->data;
    store_readings_sync(s->st, 60000); /* the round's readings are committed first */
}

static void settle_now(uv_work_t *w, int status)
{
    struct server *s = w->data;
    s->settling = 0;
    if (status != 0 || s->stopping)
        return;
    struct store_prepay *a = malloc(SETTLE_PAGE * sizeof *a);
    int64_t after = 0;
    int n, settled = 0, failed = 0;
    do {
        n = a ? store_prepay_list(s->st, after, a, SETTLE_PAGE) : MH_ENOMEM;
        for (int i = 0; i < n; i++) {
            int rc = prepay_settle(s->ctl, a[i].meter);
            if (rc == 0)
                settled++;
            else if (failed++ == 0)
                mh_warn(MOD, "prepay: meter %lld not settled: %s", (long long)a[i].meter, mh_strerror(rc));
            after = a[i].meter;
        }
    } while (n == SETTLE_PAGE);
    free(a);
    if (n < 0)
        mh_warn(MOD, "prepay: accounts not listed: %s", mh_strerror(n));
    if (settled || failed)
        mh_info(MOD, "prepay: %d accounts settled, %d not", settled, failed);
}

static void settle_accounts(struct server *s, const struct collect_progress *p)
{
    /* Nothing collected yet (terminals still logging in): the registers are the last round's. */
    if (!s->ctl || s->o->no_settle || s->settling || p->day < 0 || s->stopping || p->collected == 0 ||
        (s->settled_day == p->day && s->settled_collected == p->collected))
        return;
    s->settle.data = s;
    if (uv_queue_work(&s->loop, &s->settle, settle_sync, settle_now) != 0)
        return;
    s->settling = 1;
    s->settled_day = p->day;
    s->settled_collected = p->collected;
}

static void on_tick(uv_timer_t *h)
{
    struct server *s = h->data;
    struct collect_progress p;
    collect_progress(s->c, &p);
    uint64_t now = uv_now(&s->loop);
    ev_round(s, &p);
    if (s->o->progress && p.day >= 0)
        fprintf(stderr,
                "\rround: %u terminals online, %u jobs running, %u queued, %u done; meters "
                "%llu/%llu collected (%llu first try); %llu requests, %llu timeouts   ",
                p.terminals_online, p.jobs_running, p.jobs_queued, p.jobs_done,
                (unsigned long long)p.collected, (unsigned long long)p.meters_asked,
                (unsigned long long)p.first_try, (unsigned long long)p.requests,
                (unsigned long long)p.timeouts);
    /* serve's own rounds (scheduled or on demand): their day is analysed once collected */
    if (!s->o->once && !s->o->on_round_done && collect_idle(s->c)) {
        settle_accounts(s, &p);
        analysis_pending(s, &p);
    }
    if (!s->o->once && (s->round_reported || !s->o->on_round_done || p.day < 0))
        return;
    int idle = collect_idle(s->c);
    if (!idle)
        s->idle_since_ms = 0;
    else if (!s->idle_since_ms)
        s->idle_since_ms = now;
    double secs = (double)(now - s->started_ms) / 1000.0;
    /* Done: logins had their grace, and nothing has run for two seconds. */
    int done = idle && secs >= s->o->grace_s && now - s->idle_since_ms >= 2000;
    if (done || (s->o->max_s && secs >= s->o->max_s)) {
        if (analysis_pending(s, &p))
            return; /* the round's day is analysed before the station stops or reports */
        if (s->o->progress)
            fputc('\n', stderr);
        s->o->round_s = (double)((s->idle_since_ms ? s->idle_since_ms : now) - s->started_ms) / 1000.0;
        if (s->o->once) {
            stop(s);
            return;
        }
        s->round_reported = 1;
        collect_progress(s->c, &s->o->result);
        collect_round_close(s->c);
        s->o->on_round_done(s->o->hook_ctx, &s->o->result, s->o->round_s);
    }
}

int serve_import_archive(struct store *st, const char *file)
{
    char err[512] = "";
    struct archive *a = NULL;
    int rc = archive_csv_load(file, &a, err, sizeof err);
    struct store_import_stats is;
    if (rc == 0)
        rc = store_archive_import(st, a, &is, err, sizeof err);
    if (rc == 0)
        mh_info(MOD, "archive %s: %zu meters (%llu added, %llu updated, %llu retired), %llu terminals",
                file, a->n_rows, (unsigned long long)is.added, (unsigned long long)is.updated,
                (unsigned long long)is.retired, (unsigned long long)is.terminals);
    else
        fprintf(stderr, "meterhub: archive %s: %s\n", file, err);
    archive_free(a);
    return rc;
}

/* fep_cfg.handoff (serve --procs): the connection and its login to the worker owning the terminal. */
static int hand_to_owner(void *ctx, unsigned owner, const char *addr, struct chan *c,
                         const uint8_t *p, size_t n)
{
    struct server *s = ctx;
    int fd = chan_tcp_detach_fd(c);
    if (fd < 0)
        return fd == MH_EINVAL ? MH_EINVAL : MH_EIO;
    int rc = serve_mesh_send(s->o->mesh, owner, fd, p, n);
    close(fd); /* sent or not: the owner holds its own copy now */
    if (rc == 0)
        mh_debug(MOD, "terminal %s (%s) handed to worker %u", addr, chan_peer(c), owner);
    return rc;
}

static int start(struct server *s)
{
    struct serve_opts *o = s->o;
    char err[512] = "";
    /* A peer that resets while a reply is written must cost its session, not the process (EPIPE instead). */
    signal(SIGPIPE, SIG_IGN);
    struct store_options so = {.queue_capacity = o->store_queue};
    if (store_open(o->db, &so, &s->st, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub: %s\n", err);
        return -1;
    }
    if (o->archive && serve_import_archive(s->st, o->archive) != 0)
        return -1;
    if (uv_loop_init(&s->loop) != 0 || !(s->cl = chan_loop_new(&s->loop)))
        return -1;
    if (o->mesh) {
        if (serve_fwd_new(&s->loop, o->mesh, &s->fwd) != 0)
            return -1;
        o->collect.read_remote = serve_fwd_read;
        o->collect.remote_ctx = s->fwd;
    }
    if (collect_new(&s->loop, s->st, &o->collect, &s->c) != 0)
        return -1;
    if (s->fwd)
        serve_fwd_set_collect(s->fwd, s->c);
    if (exchange_start(&s->loop, s->st, s->c, &o->exchange, o->collect.utc_offset_min, &s->x) != 0)
        return -1;
    struct fep_cfg fc = {.request_timeout_ms = o->request_timeout_ms,
                         .login_timeout_ms = o->login_timeout_ms,
                         .utc_offset_min = o->collect.utc_offset_min ? o->collect.utc_offset_min : 480,
                         .handoff = o->mesh ? hand_to_owner : NULL, .handoff_ctx = s};
    s->inner = collect_sink(s->c);
    s->sink = (struct fep_sink){ev_online, ev_offline, ev_report, ev_pending, s};
    if (fep_new(&s->loop, &fc, collect_directory(s->c), &s->sink, &s->f) != 0)
        return -1;
    collect_attach(s->c, s->f);
    if (s->fwd)
        serve_fwd_set_fep(s->fwd, s->f);
    struct control_cfg cc = o->control;
    cc.utc_offset_min = fc.utc_offset_min;
    if (!cc.timeout_ms)
        cc.timeout_ms = o->request_timeout_ms;
    if (s->fwd) {
        /* One engine for the station, in worker 0: its requests reach every worker's terminals. */
        cc.submit = serve_fwd_submit;
        cc.cancel = serve_fwd_route_cancel;
        cc.route_ctx = s->fwd;
    }
    /*
     * Under --procs only worker 0 runs the engine, where the API, settlement
     * and plans are: another engine would take the store's unfinished
     * commands for an earlier run's (control_new) while worker 0 still
     * carries them out. The other workers run worker 0's requests on their
     * fep (serve_fwd.c).
     */
    if ((!o->mesh || o->mesh->self == 0) && control_new(&s->loop, s->f, s->st, &cc, &s->ctl) != 0)
        return -1;
    /* Orderly-use plans by the clock: one process moves them on (worker 0 under --procs, as the
     * API and the other once-only jobs), or each plan would be carried out once per worker. */
    if (!o->once && s->ctl && control_plans_start(s->ctl, s->c) != 0)
        return -1;
    struct fep_port *port = s->port = fep_port_new(s->f, FEP_PROTO_AUTO);
    struct chan_tcp_listen_cfg lc = {.host = o->host, .port = o->port, .reuseport = 1};
    int rc = port ? chan_tcp_listen(s->cl, &lc, fep_port_events(port), &s->l) : MH_ENOMEM;
    if (rc != 0) {
        fprintf(stderr, "meterhub: cannot listen on %s:%u: %s\n", o->host ? o->host : "0.0.0.0",
                o->port, mh_strerror(rc));
        return -1;
    }
    o->port = chan_tcp_listener_port(s->l);
    if (o->mesh && (rc = serve_mesh_listen(&s->loop, o->mesh, s->l, serve_fwd_input, s->fwd, &s->mesh_rx)) != 0) {
        fprintf(stderr, "meterhub: worker %u: mesh: %s\n", o->mesh->self, mh_strerror(rc));
        s->hook_failed = 1;
        stop(s);
        return 0;
    }
    if (o->mesh)
        mh_info(MOD, "worker %u of %u listening on %s:%u, store %s", o->mesh->self, o->mesh->n,
                o->host ? o->host : "0.0.0.0", o->port, o->db);
    else
        mh_info(MOD, "listening on %s:%u, store %s", o->host ? o->host : "0.0.0.0", o->port, o->db);
    uv_signal_init(&s->loop, &s->sigint);
    uv_signal_init(&s->loop, &s->sigterm);
    s->sigint.data = s->sigterm.data = s;
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    uv_timer_init(&s->loop, &s->tick);
    s->tick.data = s;
    uv_timer_start(&s->tick, on_tick, 1000, 1000);
    s->started_ms = uv_now(&s->loop);
    if (o->api_port_set && start_api(s) != 0) {
        if (!o->api_optional) {
            s->hook_failed = 1;
            stop(s);
            return 0;
        }
        fprintf(stderr, "meterhub: running without the API\n");
        station_bridge_close(s->bridge);
    }
    if (o->on_listening && o->on_listening(o->hook_ctx, o->port) != 0) {
        s->hook_failed = 1;
        stop(s);
        return 0;
    }
    if (o->round_day >= 0 || o->round_month >= 0)
        collect_round_start(s->c, o->round_day, o->round_month);
    return 0;
}

int serve_run(struct serve_opts *o)
{
    struct server *s = calloc(1, sizeof *s);
    if (!s)
        return 1;
    s->o = o;
    s->analyzed_day = -1;
    s->settled_day = -1;
    int failed = start(s) != 0;
    if (failed) {
        /* Nothing listens yet: undo what was made, in reverse. */
        control_free(s->ctl);
        if (s->f)
            fep_close(s->f, NULL, NULL);
        if (s->c)
            collect_free(s->c);
    }
    if (s->cl)
        uv_run(&s->loop, UV_RUN_DEFAULT);
    if (s->cl) {
        chan_loop_free(s->cl);
        uv_loop_close(&s->loop);
    }
    /*
     * The loop is over, so no read starts any more; once what it appended is
     * committed, the last on-demand answers (given from the writer's commit
     * callbacks, which publish through the API) have been given, and the
     * API can stop: its threads waiting on the station have their answers.
     */
    if (s->st)
        store_readings_sync(s->st, 60000);
    api_stop(s->api);
    station_bridge_free(s->bridge);
    if (s->st) {
        struct store_writer_stats ws;
        store_writer_stats(s->st, &ws);
        store_close(s->st); /* commits what is queued */
        if (!failed)
            mh_info(MOD, "stopped: %llu readings stored, %llu duplicates, %llu conflicts",
                    (unsigned long long)ws.stored, (unsigned long long)ws.duplicates,
                    (unsigned long long)ws.conflicts);
    }
    exchange_stop(s->x); /* after store_close: its last callbacks publish */
    failed |= s->hook_failed;
    free(s);
    return failed;
}
