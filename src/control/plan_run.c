/*
 * Plans by the clock (meterhub/control.h "Plans by the clock"): a timer on
 * the engine's loop reads the open runs from the store at each tick and
 * moves each one on (start, verify, release, close); the operators' steps
 * (submit, confirm, cancel, release) arrive on the same loop through the
 * station's bridge, so nothing here needs a lock.
 *
 * The store is the state: the runner keeps in memory only the plans being
 * measured (a measurement answers later, on the loop) and which plans had
 * their after-measurement tried, so a restarted station carries on from
 * the rows alone. A plan being measured is left alone by the tick and by
 * an operator's release (MH_EBUSY), so two steps never write one plan.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/collect.h"
#include "control_int.h"

#define TICK_MS 1000
#define DEFAULT_VERIFY_MS 90000
#define RUNS_PAGE 32
#define TRIED_MAX 64

enum phase { PH_BEFORE, PH_AFTER };

/* A plan being measured: its own copy, saved when the measurement answers. */
struct prun_job {
    struct plan_runner *r;
    struct prun_job *next;
    int phase;
    size_t left; /* F17 reads still out */
    struct plan p;
};

struct plan_runner {
    struct control *c;
    struct collect *col;
    struct store *st;
    uv_timer_t timer;
    struct prun_job *jobs;
    struct plan scratch;      /* the plan a tick or an operator's step looks at */
    int64_t tried[TRIED_MAX]; /* plans whose after-measurement ran (a ring) */
    size_t n_tried;
    int closing, timer_open;
};

static const char *const run_state_names[] = {
    [PLAN_RUN_PENDING] = "pending",     [PLAN_RUN_SCHEDULED] = "scheduled",
    [PLAN_RUN_ACTIVE] = "active",       [PLAN_RUN_RELEASED] = "released",
    [PLAN_RUN_CANCELLED] = "cancelled", [PLAN_RUN_CLOSED] = "closed",
    [PLAN_RUN_FAILED] = "failed",
};

const char *plan_run_state_name(int state)
{
    return state > 0 && state < (int)(sizeof run_state_names / sizeof run_state_names[0])
               ? run_state_names[state]
               : "unknown";
}

/* Move run to state with a detail, and store it. 0 or MH_E*. */
static int run_set(struct store *st, struct store_plan_run *run, int state, int64_t now,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int run_set(struct store *st, struct store_plan_run *run, int state, int64_t now,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(run->detail, sizeof run->detail, fmt, ap);
    va_end(ap);
    run->state = state;
    run->updated_ms = now;
    int rc = store_plan_run_put(st, run);
    if (rc != 0)
        mh_warn("control", "plan %" PRId64 ": storing its state %s: %s", run->plan,
                plan_run_state_name(state), mh_strerror(rc));
    return rc;
}

static struct prun_job *busy(const struct plan_runner *r, int64_t plan)
{
    for (struct prun_job *j = r->jobs; j; j = j->next)
        if (j->p.id == plan)
            return j;
    return NULL;
}

static void maybe_free(struct plan_runner *r)
{
    if (r->closing && !r->timer_open && !r->jobs)
        free(r);
}

static void job_drop(struct prun_job *job)
{
    struct plan_runner *r = job->r;
    for (struct prun_job **pp = &r->jobs; *pp; pp = &(*pp)->next)
        if (*pp == job) {
            *pp = job->next;
            break;
        }
    free(job);
}

static int tried(const struct plan_runner *r, int64_t plan)
{
    size_t n = r->n_tried < TRIED_MAX ? r->n_tried : TRIED_MAX;
    for (size_t i = 0; i < n; i++)
        if (r->tried[i] == plan)
            return 1;
    return 0;
}

/* The baseline answered: allocate with the load measured now, command, save. */
static void started(struct plan_runner *r, struct prun_job *job, struct store_plan_run *run,
                    int64_t now)
{
    struct plan *p = &job->p;
    int rc = plan_allocate(r->st, p);
    if (rc != 0) {
        plan_save(r->st, p);
        run->ended_ms = now;
        run_set(r->st, run, PLAN_RUN_FAILED, now, "allocation: %s", mh_strerror(rc));
        return;
    }
    int n = plan_execute(r->c, p);
    rc = plan_save(r->st, p);
    if (n < 0)
        run_set(r->st, run, PLAN_RUN_ACTIVE, now, "commands stopped at an error: %s",
                mh_strerror(n));
    else if (rc != 0)
        run_set(r->st, run, PLAN_RUN_ACTIVE, now, "%d users commanded; saving the allocation: %s",
                n, mh_strerror(rc));
    else
        run_set(r->st, run, PLAN_RUN_ACTIVE, now,
                "%d users commanded, %" PRId64 " W expected of %" PRId64 " W%s", n, p->expect_w,
                p->target_w, p->short_w > 0 ? ", short (every eligible user at its limit)" : "");
}

/* The after-measurement answered: the report. */
static void verified(struct plan_runner *r, struct prun_job *job, struct store_plan_run *run,
                     int64_t now)
{
    struct plan *p = &job->p;
    int met = plan_verify(p);
    plan_save(r->st, p);
    run_set(r->st, run, PLAN_RUN_ACTIVE, now,
            "measured: reduced %" PRId64 " W of %" PRId64 " W, %s", p->baseline_w - p->after_w,
            p->target_w, met ? "met" : "not met");
}

/* Every measurement of the job answered: the step it was for. */
static void proceed(struct prun_job *job)
{
    struct plan_runner *r = job->r;
    struct store_plan_run run;
    if (!r->closing && store_plan_run_get(r->st, job->p.id, &run) == 0) {
        int64_t now = control_now_ms(r->c);
        if (job->phase == PH_BEFORE)
            started(r, job, &run, now);
        else
            verified(r, job, &run, now);
    }
    job_drop(job);
    maybe_free(r);
}

struct gp_one {
    struct prun_job *job;
    size_t i;
};

static void group_power_done(void *ctx, int rc, int64_t w)
{
    struct gp_one *o = ctx;
    struct prun_job *job = o->job;
    struct plan_user *u = &job->p.u[o->i];
    free(o);
    if (rc == 0 && job->phase == PH_BEFORE) {
        u->baseline_w = u->current_w = w;
        u->has_baseline = 1;
    } else if (rc == 0) {
        u->after_w = w;
        u->has_after = 1;
    }
    if (--job->left == 0)
        proceed(job);
}

/*
 * A 1376.1 user the on-demand read left unmeasured (a large user: F25
 * carries at most 79.9999 kW a phase, beyond it EE) is measured through
 * its terminal's total-add group 1 (AFN0C F17, A.2), the group the plan's
 * float-down acts on, when that terminal serves this user alone (else the
 * group's power is not this user's). 1 when such a read went out.
 */
static int group_fallback(struct plan_runner *r, struct prun_job *job, size_t i)
{
    struct plan_user *u = &job->p.u[i];
    if ((job->phase == PH_BEFORE ? u->has_baseline : u->has_after) ||
        u->state == PLAN_U_NO_CONTROL || (job->phase == PH_AFTER && u->state != PLAN_U_SHED))
        return 0;
    int64_t terminal = u->terminal;
    struct store_meter_row m;
    if (!terminal && store_meter_get(r->st, u->meter, &m) == 0)
        terminal = m.terminal;
    if (terminal <= 0 || control_users(r->st, terminal) != 1)
        return 0;
    struct gp_one *o = malloc(sizeof *o);
    if (!o)
        return 0;
    *o = (struct gp_one){job, i};
    job->left++;
    if (control_group_power(r->c, terminal, 1, group_power_done, o) != 0) {
        job->left--;
        free(o);
        return 0;
    }
    return 1;
}

/* plan_measure's end, on the loop: the users it could not measure through F17, then the step. */
static void measured(void *ctx, struct plan *p)
{
    (void)p;
    struct prun_job *job = ctx;
    struct plan_runner *r = job->r;
    job->left = 1; /* held while the reads go out */
    for (size_t i = 0; !r->closing && i < job->p.n; i++)
        group_fallback(r, job, i);
    if (--job->left == 0)
        proceed(job);
}

/* Measure plan (before its commands, or after them) into a job of its own. */
static int measure(struct plan_runner *r, int64_t plan, int phase)
{
    struct prun_job *job = calloc(1, sizeof *job);
    if (!job)
        return MH_ENOMEM;
    int rc = plan_load(r->st, plan, &job->p);
    if (rc == 0) {
        job->r = r;
        job->phase = phase;
        rc = plan_measure(control_loop(r->c), r->col, &job->p, phase == PH_AFTER, measured, job);
    }
    if (rc != 0) {
        free(job);
        return rc;
    }
    job->next = r->jobs;
    r->jobs = job;
    return 0;
}

static void start(struct plan_runner *r, struct store_plan_run *run, int64_t now)
{
    if (!run->started_ms)
        run->started_ms = now;
    run_set(r->st, run, PLAN_RUN_ACTIVE, now, "measuring the users' load");
    int rc = measure(r, run->plan, PH_BEFORE);
    if (rc != 0) {
        run->ended_ms = now;
        run_set(r->st, run, PLAN_RUN_FAILED, now, "measuring the users' load: %s", mh_strerror(rc));
    }
}

/* Switch the plan's controls off (r->scratch holds it) and end the run. 0 or MH_E*. */
static int release(struct plan_runner *r, struct store_plan_run *run, const char *who, int64_t now)
{
    int n = plan_release(r->c, &r->scratch);
    int rc = plan_save(r->st, &r->scratch);
    if (n < 0 || rc != 0) {
        run_set(r->st, run, PLAN_RUN_ACTIVE, now, "release: %s", mh_strerror(n < 0 ? n : rc));
        return n < 0 ? n : rc;
    }
    run->ended_ms = now;
    snprintf(run->ended_by, sizeof run->ended_by, "%s", who ? who : "");
    return run_set(r->st, run, PLAN_RUN_RELEASED, now, "%d controls switched off %s", n,
                   who ? "by an operator" : "at the window's end");
}

static int allocated(const struct plan *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->u[i].state)
            return 1;
    return 0;
}

/* Wants its after-measurement: commanded, none measured after yet, not tried since this start. */
static int wants_verify(const struct plan_runner *r, const struct plan *p)
{
    int commanded = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (p->u[i].has_after)
            return 0;
        commanded |= p->u[i].command != 0;
    }
    return commanded && !tried(r, p->id);
}

/* One open run at now. */
static void step(struct plan_runner *r, struct store_plan_run *run, int64_t now)
{
    struct store_plan h;
    if (busy(r, run->plan) || store_plan_get(r->st, run->plan, &h) != 0)
        return;
    uint32_t verify_ms = control_config(r->c)->plan_verify_ms;
    if (!verify_ms)
        verify_ms = DEFAULT_VERIFY_MS;
    switch (run->state) {
    case PLAN_RUN_PENDING:
    case PLAN_RUN_SCHEDULED:
        if (now >= h.to_ms) {
            run->ended_ms = now;
            run_set(r->st, run, PLAN_RUN_CLOSED, now,
                    run->state == PLAN_RUN_PENDING
                        ? "its window ended before a second operator confirmed it"
                        : "its window passed before the station could start it: "
                          "not executed late");
        } else if (run->state == PLAN_RUN_SCHEDULED && now >= h.from_ms) {
            start(r, run, now);
        }
        return;
    case PLAN_RUN_ACTIVE:
        if (plan_load(r->st, run->plan, &r->scratch) != 0)
            return;
        if (now >= h.to_ms) {
            release(r, run, NULL, now);
        } else if (!allocated(&r->scratch)) {
            start(r, run, now); /* the start was cut short (a restart while measuring) */
        } else if (now >= run->started_ms + (int64_t)verify_ms && wants_verify(r, &r->scratch)) {
            r->tried[r->n_tried++ % TRIED_MAX] = run->plan;
            if (measure(r, run->plan, PH_AFTER) != 0)
                mh_warn("control", "plan %" PRId64 ": cannot measure its effect", run->plan);
        }
        return;
    default:
        return;
    }
}

static void on_tick(uv_timer_t *t)
{
    struct plan_runner *r = t->data;
    int64_t now = control_now_ms(r->c);
    struct store_plan_run runs[RUNS_PAGE];
    int64_t after = 0;
    int n;
    do {
        n = store_plan_runs(r->st, after, PLAN_RUN_PENDING, PLAN_RUN_ACTIVE, runs, RUNS_PAGE);
        for (int i = 0; i < n; i++) {
            after = runs[i].plan;
            step(r, &runs[i], now);
        }
    } while (n == RUNS_PAGE);
    if (n < 0)
        mh_warn("control", "plans by the clock: reading the open plans: %s", mh_strerror(n));
}

int control_plans_start(struct control *c, struct collect *col)
{
    if (!c || !col || *control_runner(c))
        return MH_EINVAL;
    struct plan_runner *r = calloc(1, sizeof *r);
    if (!r)
        return MH_ENOMEM;
    r->c = c;
    r->col = col;
    r->st = control_store(c);
    if (uv_timer_init(control_loop(c), &r->timer) != 0) {
        free(r);
        return MH_ENOMEM;
    }
    r->timer.data = r;
    r->timer_open = 1;
    uv_timer_start(&r->timer, on_tick, 0, TICK_MS);
    *control_runner(c) = r;
    return 0;
}

static void timer_closed(uv_handle_t *h)
{
    struct plan_runner *r = h->data;
    r->timer_open = 0;
    maybe_free(r);
}

void plan_runner_close(struct plan_runner *r)
{
    if (!r)
        return;
    r->closing = 1;
    uv_timer_stop(&r->timer);
    uv_close((uv_handle_t *)&r->timer, timer_closed);
}

/* ---- the operators' steps ---- */

static struct plan_runner *runner_of(struct control *c)
{
    return c ? *control_runner(c) : NULL;
}

int64_t plan_run_submit(struct control *c, struct plan *p, const char *reason)
{
    struct plan_runner *r = runner_of(c);
    if (!r)
        return MH_EINVAL;
    int64_t now = control_now_ms(c);
    if (!p || !reason || !reason[0] || !p->name[0] || !p->who[0] || p->n == 0 ||
        p->n > PLAN_USERS_MAX || p->target_w <= 0 || p->to_ms <= p->from_ms || p->to_ms <= now ||
        p->max_pct > 79)
        return MH_EINVAL;
    for (size_t i = 0; i < p->n; i++) {
        struct store_meter_row m;
        int rc = store_meter_get(r->st, p->u[i].meter, &m);
        if (rc != 0)
            return rc;
        /* who and where, for the plan's readers until the allocation resolves it again */
        snprintf(p->u[i].customer, sizeof p->u[i].customer, "%s", m.customer);
        p->u[i].terminal = m.terminal;
    }
    p->id = 0;
    p->created_ms = now;
    int rc = plan_save(r->st, p);
    if (rc != 0)
        return rc;
    struct store_plan_run run = {.plan = p->id};
    snprintf(run.reason, sizeof run.reason, "%s", reason);
    uint32_t over = control_config(c)->confirm_over;
    if (p->n > over)
        rc = run_set(r->st, &run, PLAN_RUN_PENDING, now,
                     "pending a second operator (%zu users > %u)", p->n, over);
    else
        rc = run_set(r->st, &run, PLAN_RUN_SCHEDULED, now, "waits for its window");
    return rc != 0 ? rc : p->id;
}

/* The run of plan id, and its header into r->scratch's. 0, MH_ENOENT, MH_E*. */
static int run_of(struct plan_runner *r, int64_t id, struct store_plan_run *run)
{
    if (!r)
        return MH_EINVAL;
    int rc = store_plan_run_get(r->st, id, run);
    return rc != 0 ? rc : plan_load(r->st, id, &r->scratch);
}

int plan_run_confirm(struct control *c, int64_t id, const char *who)
{
    struct plan_runner *r = runner_of(c);
    struct store_plan_run run;
    int rc = run_of(r, id, &run);
    if (rc != 0)
        return rc;
    if (run.state != PLAN_RUN_PENDING)
        return MH_EPROTO;
    if (!who || !who[0] || strncmp(who, r->scratch.who, sizeof r->scratch.who - 1) == 0)
        return MH_EPERM;
    snprintf(run.confirmer, sizeof run.confirmer, "%s", who);
    return run_set(r->st, &run, PLAN_RUN_SCHEDULED, control_now_ms(c),
                   "confirmed; waits for its window");
}

int plan_run_cancel(struct control *c, int64_t id, const char *who)
{
    struct plan_runner *r = runner_of(c);
    struct store_plan_run run;
    int rc = run_of(r, id, &run);
    if (rc != 0)
        return rc;
    if (run.state != PLAN_RUN_PENDING && run.state != PLAN_RUN_SCHEDULED)
        return MH_EPROTO;
    int64_t now = control_now_ms(c);
    run.ended_ms = now;
    snprintf(run.ended_by, sizeof run.ended_by, "%s", who ? who : "");
    return run_set(r->st, &run, PLAN_RUN_CANCELLED, now, "cancelled before it started");
}

int plan_run_release(struct control *c, int64_t id, const char *who)
{
    struct plan_runner *r = runner_of(c);
    struct store_plan_run run;
    int rc = run_of(r, id, &run);
    if (rc != 0)
        return rc;
    if (run.state != PLAN_RUN_ACTIVE)
        return MH_EPROTO;
    if (busy(r, id))
        return MH_EBUSY;
    return release(r, &run, who && who[0] ? who : "operator", control_now_ms(c));
}
