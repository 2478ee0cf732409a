/*
 * The station's data exchange (exchange.h): the collector's observer
 * publishes on the bus, and a closed round's day is exported on a libuv
 * worker thread, so the store queries never run on the loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/bus.h"
#include "meterhub/collect.h"
#include "meterhub/export.h"
#include "meterhub/store.h"

#define MOD "exchange"

struct exchange {
    struct exchange_opts o;
    uv_loop_t *loop;
    struct store *st;
    struct bus *bus;
    struct collect_observer bus_obs; /* the bus's own observer, forwarded to */
    int16_t utc_offset_min;
    uv_work_t work;
    int busy;             /* an export runs on a worker */
    int64_t day, pending; /* the day being exported; the next one asked for (-1: none) */
};

int exchange_option(struct exchange_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (strcmp(a, "--nats") != 0 && strcmp(a, "--export-dir") != 0 &&
        strcmp(a, "--export-format") != 0)
        return 0;
    if (!v)
        return -1;
    if (a[2] == 'n')
        o->nats = v;
    else if (a[9] == 'd')
        o->export_dir = v;
    else if (strcmp(v, "csv") == 0 || strcmp(v, "json") == 0)
        o->export_json = v[0] == 'j';
    else
        return -1;
    (*i)++;
    return 1;
}

/* ---- exports after a round ---- */

static void export_work(uv_work_t *w)
{
    struct exchange *x = w->data;
    /* The round's last replies may still be in the writer's queue. */
    store_readings_sync(x->st, 60000);
    for (int k = 0; k < EXPORT_WHAT_COUNT_; k++) {
        struct export_req r = {.day = x->day, .utc_offset_min = x->utc_offset_min,
                               .what = (enum export_what)k,
                               .format = x->o.export_json ? EXPORT_JSON : EXPORT_CSV,
                               .dir = x->o.export_dir};
        char path[4400], err[256];
        int n = export_run(x->st, &r, path, sizeof path, err, sizeof err);
        if (n < 0)
            mh_warn(MOD, "export failed: %s", err);
        else
            mh_info(MOD, "exported %s: %d rows", path, n);
    }
}

static void export_start(struct exchange *x, int64_t day);

static void export_after(uv_work_t *w, int status)
{
    struct exchange *x = w->data;
    (void)status;
    x->busy = 0;
    if (x->pending >= 0) {
        int64_t d = x->pending;
        x->pending = -1;
        export_start(x, d);
    }
}

static void export_start(struct exchange *x, int64_t day)
{
    if (x->busy) {
        x->pending = day;
        return;
    }
    x->day = day;
    x->work.data = x;
    if (uv_queue_work(x->loop, &x->work, export_work, export_after) == 0)
        x->busy = 1;
}

/* ---- the observer: the bus's, with the round also exported ---- */

static void *obs_readings(void *ctx, const struct store_terminal *t, const struct store_reading *r,
                          const uint64_t *meter_addr, size_t n)
{
    struct exchange *x = ctx;
    return x->bus ? x->bus_obs.readings(x->bus, t, r, meter_addr, n) : NULL;
}

static void obs_event(void *ctx, const struct store_terminal *t, const struct store_event *e)
{
    struct exchange *x = ctx;
    if (x->bus)
        x->bus_obs.event(x->bus, t, e);
}

static void obs_link(void *ctx, const struct store_terminal *t, int online, int64_t t_ms,
                     const char *reason)
{
    struct exchange *x = ctx;
    if (x->bus)
        x->bus_obs.link(x->bus, t, online, t_ms, reason);
}

static void obs_round(void *ctx, int64_t day, int64_t month, const struct collect_progress *p,
                      uint64_t offline)
{
    struct exchange *x = ctx;
    if (x->bus)
        x->bus_obs.round(x->bus, day, month, p, offline);
    if (x->o.export_dir && day >= 0)
        export_start(x, day);
}

int exchange_start(uv_loop_t *loop, struct store *st, struct collect *c,
                   const struct exchange_opts *o, int16_t utc_offset_min, struct exchange **out)
{
    *out = NULL;
    if (!o->nats && !o->export_dir)
        return 0;
    struct exchange *x = calloc(1, sizeof *x);
    if (!x)
        return -1;
    x->o = *o;
    x->st = st;
    x->utc_offset_min = utc_offset_min;
    x->pending = -1;
    x->loop = loop;
    if (o->nats) {
        char err[256] = "";
        struct bus_cfg bc = {.url = o->nats};
        if (bus_open(&bc, &x->bus, err, sizeof err) != 0) {
            fprintf(stderr, "meterhub: --nats %s: %s\n", o->nats, err);
            free(x);
            return -1;
        }
        bus_observer(x->bus, &x->bus_obs);
        mh_info(MOD, "publishing on NATS %s, subjects %s.>", o->nats, bus_prefix(x->bus));
    }
    struct collect_observer ob = {.readings = obs_readings, .readings_done = bus_msg_done,
                                  .event = obs_event, .link = obs_link, .round = obs_round,
                                  .ctx = x};
    collect_observe(c, &ob);
    *out = x;
    return 0;
}

void exchange_stop(struct exchange *x)
{
    if (!x)
        return;
    if (x->bus) {
        bus_close(x->bus);
        bus_library_release(); /* the process ends after serve: nats.c's threads go too */
    }
    free(x);
}
