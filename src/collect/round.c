/*
 * Rounds: which terminals get a job for which day, and when.
 *
 * A round has one day. Every terminal that is online when it opens, or
 * that logs in while it is open, gets one job of all its measurement
 * points. A scheduled round (the daily timer) also searches the previous
 * patch_days days for meters still without their frozen registers and
 * gives their terminals a job of just those meters: patch collection
 * across days, so a terminal that was offline for a night is completed
 * the next time the station reads it. A DTU's meter keeps its load records
 * and answers them by start time, so its curve of a patch day without a
 * single increment point is read again too. When the round closes, meters whose
 * terminal had no job (never online) are written "terminal offline", so a
 * day's failures always carry a reason.
 */
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/proto/item.h"

#define MOD "collect"
#define POINTS_MAX 2048  /* 1376.1 Pn 1..2040 */
#define PAGE 512
#define PATCH_MAX 200000 /* missing meters taken per patch day */

static int round_open_now(const struct collect *c)
{
    return c->round_day >= 0 || c->round_month >= 0;
}

/* A stable delay in [0, spread) from the address (FNV-1a), so a terminal keeps its slot. */
static uint64_t spread_ms(const struct collect *c, const char *addr)
{
    uint32_t h = 2166136261u;
    for (const char *p = addr; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return (uint64_t)(h % (c->cfg.spread_s ? c->cfg.spread_s : 1)) * 1000;
}

static void patch_join(struct collect *c, struct cterm *t, uint64_t at);
static void patch_curves_645(struct collect *c, struct cterm *t, uint64_t at);

/* The round's jobs for terminal t: its daily and/or monthly registers, all its points. */
void collect_round_join(struct collect *c, struct cterm *t)
{
    if (!round_open_now(c) || t->job_day == c->round_serial)
        return;
    struct store_point *pts = malloc(POINTS_MAX * sizeof *pts);
    if (!pts)
        return;
    int n = store_terminal_points(c->st, t->info.id, pts, POINTS_MAX);
    /*
     * A DL/T 698.45 terminal's own objects are its first point's meter (the
     * area or transformer it measures); the meters behind a 698.45
     * concentrator are read from its store by their addresses.
     */
    struct cmeter *m = n > 0 ? calloc((size_t)n, sizeof *m) : NULL;
    if (n > 0 && m) {
        for (int i = 0; i < n; i++) {
            m[i].id = pts[i].meter;
            m[i].address = pts[i].address;
            m[i].pn = pts[i].pn;
            m[i].behind = t->proto == FEP_PROTO_DLT698 && i > 0;
            m[i].reason = STORE_REASON_METER_NO_ANSWER;
        }
        uint64_t at = uv_now(c->loop) + (c->round_spread ? spread_ms(c, t->addr) : 0);
        int rc = 0, month_job = 0;
        if (c->round_month >= 0 && t->proto == FEP_PROTO_GDW1376) {
            /* The monthly job gets a copy; the daily one (if any) takes m itself. */
            struct cmeter *mm = m;
            if (c->round_day >= 0 && (mm = malloc((size_t)n * sizeof *mm)) != NULL)
                memcpy(mm, m, (size_t)n * sizeof *mm);
            rc = mm ? collect_job_add(t, &ctask_gdw1376_month, c->round_month, 1, c->round_prio,
                                      mm, (size_t)n, at)
                    : MH_ENOMEM;
            if (mm == m)
                m = NULL;
            month_job = rc == 0;
        }
        /*
         * The day's curves after its registers, always at the scheduled
         * priority: an on-demand read of the same terminal goes first.
         */
        /*
         * Curve tasks copy the points they read (a three-phase task only
         * the archive's three-phase points) before the daily job takes m.
         */
        struct {
            const struct ctask_kind *k;
            struct cmeter *m;
            size_t n;
        } cj[CCURVE_TASKS_MAX];
        size_t ncj = 0;
        const struct ctask_kind *ck;
        for (unsigned i = 0; !c->cfg.no_curves && c->round_day >= 0 && m && ncj < CCURVE_TASKS_MAX &&
                             (ck = ctask_curve_for(t->info.kind, t->info.protocol, i)) != NULL;
             i++) {
            struct cmeter *cm = malloc((size_t)n * sizeof *cm);
            size_t cn = 0;
            for (int p = 0; cm && p < n; p++)
                if (!ck->three_phase || pts[p].phases == 3)
                    cm[cn++] = m[p];
            if (cn == 0) {
                free(cm);
                continue;
            }
            cj[ncj].k = ck;
            cj[ncj].m = cm;
            cj[ncj++].n = cn;
        }
        const struct ctask_kind *rk =
            c->cfg.no_realtime ? NULL : ctask_realtime_for(t->info.kind, t->info.protocol);
        struct cmeter *rm = rk && c->round_day >= 0 && m ? malloc((size_t)n * sizeof *rm) : NULL;
        if (rm)
            memcpy(rm, m, (size_t)n * sizeof *rm);
        if (c->round_day >= 0 && m) {
            int both = month_job;
            rc = collect_job_add(t, &ctask_gdw1376_day, c->round_day, 1, c->round_prio, m,
                                 (size_t)n, at);
            if (rc == 0 && both)
                t->jobs_tail->clock = CCLOCK_DONE; /* the monthly job checks the clock */
            m = NULL;
        }
        for (size_t i = 0; i < ncj; i++)
            collect_job_add(t, cj[i].k, c->round_day, 0, FEP_PRIO_SCHEDULED, cj[i].m, cj[i].n, at);
        /* The registers now: status of the local day they are read on. */
        if (rm)
            collect_job_add(t, rk, collect_local_day(c, collect_wall_ms() / 1000), 0,
                            FEP_PRIO_SCHEDULED, rm, (size_t)n, at);
        free(m);
        if (rc == 0)
            t->job_day = c->round_serial;
        collect_events_due(t); /* every round: what active reports did not bring */
        patch_join(c, t, at);
    } else if (n < 0) {
        mh_warn(MOD, "%s: points not read: %s", t->addr, mh_strerror(n));
    }
    free(pts);
}

/*
 * Status rows are batched: with synchronous=FULL every store transaction
 * is an fsync, and a city's terminals finish passes by the thousand a
 * minute. Rows wait at most STATUS_FLUSH_MS (or STATUS_MAX rows) and are
 * written in one transaction, in order, so a meter's later pass replaces
 * its earlier one.
 */
#define STATUS_FLUSH_MS 1000
#define STATUS_MAX 65536

/*
 * Write n status rows: through the store's writer, so that the loop never
 * waits for the database's write lock (held by the reading batches of
 * every front-end process on the file). When the writer's queue is full,
 * the rows queued before these are let land first (a meter's later pass
 * replaces its earlier one, so order matters), then these are queued, or
 * written here on the loop. A database another connection held past the
 * busy timeout is asked again a few times before the rows are given up,
 * with a warning.
 */
#define STATUS_BUSY_TRIES 3
#define STATUS_SYNC_MS 10000
static int status_put(struct collect *c, const struct store_status *s, size_t n)
{
    int rc = store_status_queue(c->st, s, n);
    if (rc == MH_EAGAIN && store_readings_sync(c->st, STATUS_SYNC_MS) == 0)
        rc = store_status_queue(c->st, s, n);
    if (rc == MH_EAGAIN)
        rc = store_status_upsert(c->st, s, n);
    for (int k = 0; rc == MH_EBUSY && k < STATUS_BUSY_TRIES; k++)
        rc = store_status_upsert(c->st, s, n);
    if (rc != 0)
        mh_warn(MOD, "%zu status rows not written: %s", n, mh_strerror(rc));
    return rc;
}

void collect_status_flush(struct collect *c)
{
    if (c->sn == 0)
        return;
    status_put(c, c->sbuf, c->sn);
    c->sn = 0;
}

static void status_timer_cb(uv_timer_t *h)
{
    collect_status_flush(h->data);
}

void collect_status_write(struct collect *c, const struct cjob *j)
{
    int64_t now = collect_wall_ms();
    for (size_t k = 0; k < j->n; k++) {
        if (c->sn == c->scap) {
            size_t ncap = c->scap ? c->scap * 2 : 1024;
            struct store_status *b =
                ncap <= STATUS_MAX ? realloc(c->sbuf, ncap * sizeof *b) : NULL;
            if (b) {
                c->sbuf = b;
                c->scap = ncap;
            } else {
                collect_status_flush(c); /* full (or no memory to grow): write what is held */
            }
        }
        c->sbuf[c->sn++] = (struct store_status){
            .meter = j->m[k].id, .item_class = j->kind->item_class, .day = j->day,
            .reason = j->m[k].reason, .attempts = (uint16_t)(j->pass + 1), .updated_ms = now};
    }
    if (!uv_is_active((uv_handle_t *)&c->sflush))
        uv_timer_start(&c->sflush, status_timer_cb, STATUS_FLUSH_MS, 0);
}

static int ref_cmp(const void *a, const void *b)
{
    const struct store_meter_ref *x = a, *y = b;
    if (x->terminal != y->terminal)
        return x->terminal < y->terminal ? -1 : 1;
    return (x->pn > y->pn) - (x->pn < y->pn);
}

/* The meters of `day` still without a frozen import register, by terminal and pn. */
static void patch_fetch(struct collect *c, int64_t day)
{
    struct cpatch *p = &c->patch[c->n_patch];
    size_t cap = 0;
    int64_t after = 0, t0 = collect_freeze_time(c, &ctask_gdw1376_day, day);
    *p = (struct cpatch){.day = day};
    for (;;) {
        if (cap - p->n < PAGE) {
            size_t ncap = cap ? cap * 2 : 4096;
            struct store_meter_ref *r = realloc(p->refs, ncap * sizeof *r);
            if (!r)
                break;
            p->refs = r;
            cap = ncap;
        }
        int got = store_readings_missing(c->st, MH_ITEM_AE_IMP, t0, t0 + 1, after, p->refs + p->n,
                                         PAGE);
        if (got <= 0)
            break;
        p->n += (size_t)got;
        after = p->refs[p->n - 1].meter;
        if (got < PAGE || p->n >= PATCH_MAX)
            break;
    }
    qsort(p->refs, p->n, sizeof *p->refs, ref_cmp);
    c->n_patch++;
    if (p->n)
        mh_info(MOD, "patch day %lld: %zu meters missing", (long long)day, p->n);
}

void collect_patch_free(struct collect *c)
{
    for (size_t k = 0; k < c->n_patch; k++)
        free(c->patch[k].refs);
    c->n_patch = 0;
}

/*
 * Patch jobs of terminal t: its meters missing on each patch day. A 698.45
 * terminal's own meter is its first point (see collect_round_join).
 */
static void patch_join(struct collect *c, struct cterm *t, uint64_t at)
{
    struct store_point first = {0};
    if (t->proto == FEP_PROTO_DLT698 && store_terminal_points(c->st, t->info.id, &first, 1) != 1)
        return;
    for (size_t d = 0; d < c->n_patch; d++) {
        const struct cpatch *p = &c->patch[d];
        size_t lo = 0, hi = p->n;
        while (lo < hi) { /* the first ref of this terminal */
            size_t mid = lo + (hi - lo) / 2;
            if (p->refs[mid].terminal < t->info.id)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t e = lo;
        while (e < p->n && p->refs[e].terminal == t->info.id)
            e++;
        struct cmeter *m = e > lo ? calloc(e - lo, sizeof *m) : NULL;
        size_t n = 0;
        for (size_t k = lo; m && k < e; k++)
            m[n++] = (struct cmeter){.id = p->refs[k].meter, .address = p->refs[k].address,
                                     .pn = p->refs[k].pn,
                                     .behind = t->proto == FEP_PROTO_DLT698 &&
                                               p->refs[k].pn != first.pn,
                                     .reason = STORE_REASON_METER_NO_ANSWER};
        if (n == 0)
            free(m);
        else
            collect_job_add(t, &ctask_gdw1376_day, p->day, 0, c->round_prio, m, n, at);
    }
    patch_curves_645(c, t, at);
}

/*
 * Curve jobs of a DTU (DL/T 645 load records, task_dlt645_curve.c) for the
 * patch days on which its meter has no increment point at all: its curve
 * failed that day (or was never asked). A curve with some points is one
 * the meter recorded in part; reading it again would not complete it.
 */
static void patch_curves_645(struct collect *c, struct cterm *t, uint64_t at)
{
    const struct ctask_kind *k = ctask_curve_for(t->info.kind, t->info.protocol, 0);
    struct store_point pt;
    if (c->cfg.no_curves || t->proto != FEP_PROTO_DLT645 || k != &ctask_dlt645_curve ||
        store_terminal_points(c->st, t->info.id, &pt, 1) != 1)
        return;
    for (size_t d = 0; d < c->n_patch; d++) {
        int64_t t0 = collect_freeze_time(c, k, c->patch[d].day);
        struct store_reading r;
        if (store_readings_range(c->st, pt.meter, MH_ITEM_AE_IMP_INC, t0, t0 + 86400, &r, 1) != 0)
            continue; /* points stored (or the store could not say: not now) */
        struct cmeter *m = calloc(1, sizeof *m);
        if (!m)
            return;
        *m = (struct cmeter){.id = pt.meter, .address = pt.address, .pn = pt.pn,
                             .reason = STORE_REASON_METER_NO_ANSWER};
        collect_job_add(t, k, c->patch[d].day, 0, FEP_PRIO_SCHEDULED, m, 1, at);
    }
}

static void round_open(struct collect *c, int64_t day, int64_t month, enum fep_prio prio,
                       int spread)
{
    if (round_open_now(c))
        collect_round_close(c);
    memset(&c->prog, 0, sizeof c->prog);
    c->round_serial++;
    c->round_day = day;
    c->round_month = month;
    c->round_prio = prio;
    c->round_spread = spread;
    c->round_started_ms = uv_now(c->loop);
    struct mh_tm d, mo;
    mh_tm_from_epoch(day * 86400, &d);
    mh_tm_from_epoch(month * 86400, &mo);
    if (day >= 0)
        mh_info(MOD, "round of daily frozen registers for %04u-%02u-%02u: %u terminals online",
                d.year, d.mon, d.day, c->online);
    if (month >= 0)
        mh_info(MOD, "round of monthly frozen registers for %04u-%02u: %u terminals online",
                mo.year, mo.mon, c->online);
    collect_patch_free(c);
    if ((spread || c->cfg.patch_on_demand) && day >= 0)
        for (unsigned k = 1; k <= c->cfg.patch_days && k <= CPATCH_DAYS_MAX; k++)
            patch_fetch(c, day - k);
    for (struct cterm *t = c->all_terms; t; t = t->all_next)
        if (t->online)
            collect_round_join(c, t);
    for (struct cterm *t = c->all_terms; t; t = t->all_next)
        collect_term_kick(t);
}

int collect_round_start(struct collect *c, int64_t day, int64_t month)
{
    round_open(c, day, month, FEP_PRIO_ROUND, 0);
    return 0;
}

/* Meters of k's day without a register whose terminal had no job: "terminal offline". */
static uint64_t close_kind(struct collect *c, const struct ctask_kind *k, int64_t day)
{
    int64_t after = 0, t0 = collect_freeze_time(c, k, day), now = collect_wall_ms();
    struct store_meter_ref refs[PAGE];
    struct store_status s[PAGE];
    uint64_t offline = 0;
    int got;
    do {
        got = store_readings_missing(c->st, MH_ITEM_AE_IMP, t0, t0 + 1, after, refs, PAGE);
        size_t n = 0;
        for (int i = 0; i < got; i++) {
            const struct cterm *t =
                mh_keymap_get(&c->terms_by_id, &refs[i].terminal, sizeof(int64_t));
            if (t && t->job_day == c->round_serial)
                continue; /* its job wrote (or will write) the reason */
            if (!collect_holds(c, refs[i].terminal))
                continue; /* another process's terminal: its owner counts it */
            s[n++] = (struct store_status){.meter = refs[i].meter,
                                           .item_class = k->item_class, .day = day,
                                           .reason = STORE_REASON_TERMINAL_OFFLINE,
                                           .attempts = 1, .updated_ms = now};
        }
        if (n && status_put(c, s, n) == 0)
            offline += n;
        if (got > 0)
            after = refs[got - 1].meter;
    } while (got == PAGE);
    return offline;
}

int collect_round_close(struct collect *c)
{
    if (!round_open_now(c))
        return MH_ENOENT;
    collect_status_flush(c);
    uint64_t offline = 0;
    if (c->round_day >= 0)
        offline += close_kind(c, &ctask_gdw1376_day, c->round_day);
    if (c->round_month >= 0)
        offline += close_kind(c, &ctask_gdw1376_month, c->round_month);
    if (c->obs.round) {
        struct collect_progress p;
        collect_progress(c, &p);
        c->obs.round(c->obs.ctx, c->round_day, c->round_month, &p, offline);
    }
    c->round_day = c->round_month = -1;
    collect_patch_free(c);
    mh_info(MOD, "round closed: %llu meters collected (%llu at the first try) of %llu asked; "
            "%llu meters on terminals never online",
            (unsigned long long)c->prog.collected, (unsigned long long)c->prog.first_try,
            (unsigned long long)c->prog.meters_asked, (unsigned long long)offline);
    return 0;
}

static void daily_cb(uv_timer_t *h)
{
    struct collect *c = h->data;
    int64_t today = collect_local_day(c, collect_wall_ms() / 1000);
    struct mh_tm d;
    mh_tm_from_epoch(today * 86400, &d);
    /* On the 1st, last month's registers too (frozen at 00:00 of the 1st). */
    int64_t month = -1;
    if (d.day == 1) {
        mh_tm_from_epoch((today - 1) * 86400, &d);
        month = today - d.day;
    }
    round_open(c, today - 1, month, FEP_PRIO_SCHEDULED, 1);
    collect_schedule_next(c);
}

void collect_schedule_next(struct collect *c)
{
    int64_t now = collect_wall_ms() / 1000;
    int64_t off = (int64_t)c->cfg.utc_offset_min * 60;
    int64_t day = collect_local_day(c, now);
    int64_t at = day * 86400 - off + c->cfg.start_after_s;
    if (at <= now)
        at += 86400;
    uv_timer_start(&c->daily, daily_cb, (uint64_t)(at - now) * 1000, 0);
}
