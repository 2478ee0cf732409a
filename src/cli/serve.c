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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/chan.h"
#include "meterhub/fep.h"
#include "meterhub/store.h"
#include "serve.h"

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
            "frames %llu in, %llu out, %llu malformed, %llu oversize, %llu rate-dropped, %llu stray",
            (unsigned long long)ps->connections, (unsigned long long)ps->logins,
            (unsigned long long)ps->login_refused, (unsigned long long)ps->login_timeouts,
            (unsigned long long)ps->replaced, (unsigned long long)ps->frames_in,
            (unsigned long long)ps->frames_out, (unsigned long long)ps->bad_frames,
            (unsigned long long)ps->oversize, (unsigned long long)ps->rate_dropped,
            (unsigned long long)ps->stray);
    collect_progress(s->c, &s->o->result);
    collect_round_close(s->c);
    collect_stop(s->c);
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    uv_close((uv_handle_t *)&s->tick, NULL);
    chan_tcp_listener_close(s->l, listener_closed, s);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct server *s = h->data;
    mh_info(MOD, "signal %d: shutting down", signum);
    stop(s);
}

static void on_tick(uv_timer_t *h)
{
    struct server *s = h->data;
    struct collect_progress p;
    collect_progress(s->c, &p);
    uint64_t now = uv_now(&s->loop);
    if (s->o->progress && p.day >= 0)
        fprintf(stderr,
                "\rround: %u terminals online, %u jobs running, %u queued, %u done; meters "
                "%llu/%llu collected (%llu first try); %llu requests, %llu timeouts   ",
                p.terminals_online, p.jobs_running, p.jobs_queued, p.jobs_done,
                (unsigned long long)p.collected, (unsigned long long)p.meters_asked,
                (unsigned long long)p.first_try, (unsigned long long)p.requests,
                (unsigned long long)p.timeouts);
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

static int import_archive(struct store *st, const char *file)
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

static int start(struct server *s)
{
    struct serve_opts *o = s->o;
    char err[512] = "";
    /* A peer that resets while a reply is written must cost its session, not the process (EPIPE instead). */
    signal(SIGPIPE, SIG_IGN);
    if (store_open(o->db, NULL, &s->st, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub: %s\n", err);
        return -1;
    }
    if (o->archive && import_archive(s->st, o->archive) != 0)
        return -1;
    if (uv_loop_init(&s->loop) != 0 || !(s->cl = chan_loop_new(&s->loop)))
        return -1;
    if (collect_new(&s->loop, s->st, &o->collect, &s->c) != 0)
        return -1;
    if (exchange_start(&s->loop, s->st, s->c, &o->exchange, o->collect.utc_offset_min, &s->x) != 0)
        return -1;
    struct fep_cfg fc = {.request_timeout_ms = o->request_timeout_ms,
                         .login_timeout_ms = o->login_timeout_ms,
                         .utc_offset_min = o->collect.utc_offset_min ? o->collect.utc_offset_min : 480};
    if (fep_new(&s->loop, &fc, collect_directory(s->c), collect_sink(s->c), &s->f) != 0)
        return -1;
    collect_attach(s->c, s->f);
    struct fep_port *port = s->port = fep_port_new(s->f, FEP_PROTO_AUTO);
    struct chan_tcp_listen_cfg lc = {.host = o->host, .port = o->port, .reuseport = 1};
    int rc = port ? chan_tcp_listen(s->cl, &lc, fep_port_events(port), &s->l) : MH_ENOMEM;
    if (rc != 0) {
        fprintf(stderr, "meterhub: cannot listen on %s:%u: %s\n", o->host ? o->host : "0.0.0.0",
                o->port, mh_strerror(rc));
        return -1;
    }
    o->port = chan_tcp_listener_port(s->l);
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
    int failed = start(s) != 0;
    if (failed) {
        /* Nothing listens yet: undo what was made, in reverse. */
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
    if (s->st) {
        struct store_writer_stats ws;
        store_readings_sync(s->st, 60000);
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
