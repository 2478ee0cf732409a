/*
 * Orderly-use plans (meterhub/control.h "Orderly use of electricity"):
 * who sheds how much (plan_allocate), the float-down commands through the
 * engine (plan_execute / plan_release) and the measured effect
 * (plan_measure, plan_verify, plan_report). A plan owns no engine state:
 * each command is an ordinary control command, stored and audited as such.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/collect.h"
#include "meterhub/proto/item.h"
#include "control_int.h"

#define DEFAULT_MAX_PCT 30
#define MAX_PCT 79 /* the float coefficient's range, 1376.1 A.4 */

static const char *const user_state_names[] = {
    [PLAN_U_SHED] = "shed",           [PLAN_U_SPARED] = "spared",     [PLAN_U_PROTECTED] = "protected",
    [PLAN_U_NO_CONTROL] = "no_control", [PLAN_U_NO_LOAD] = "no_load",
};

const char *plan_user_state_name(int state)
{
    return state > 0 && state < (int)(sizeof user_state_names / sizeof user_state_names[0]) ? user_state_names[state]
                                                                                           : "unknown";
}

int plan_add_area(struct store *st, struct plan *p, const char *area)
{
    if (!st || !p || !area || !*area)
        return MH_EINVAL;
    struct store_meter_filter f = STORE_METER_FILTER_ANY;
    f.area = area;
    f.active = 1;
    struct store_meter_row rows[32];
    int64_t after = 0;
    int added = 0, n;
    do {
        n = store_meters_list(st, &f, after, rows, 32);
        for (int i = 0; i < n; i++) {
            after = rows[i].id;
            struct store_terminal_row t;
            if (rows[i].terminal <= 0 || store_terminal_get(st, rows[i].terminal, &t) != 0 ||
                t.kind != ARCHIVE_KIND_SPECIAL_TRANSFORMER)
                continue;
            if (p->n == PLAN_USERS_MAX)
                return MH_ENOSPC;
            p->u[p->n++] = (struct plan_user){.meter = rows[i].id};
            added++;
        }
    } while (n == 32);
    if (n < 0)
        return n;
    snprintf(p->area, sizeof p->area, "%s", area);
    return added;
}

/* Resolve u's meter and terminal and say whether it can be shed at all: 1 eligible, 0 not (state set), MH_E*. */
static int resolve(struct store *st, struct plan_user *u)
{
    struct store_meter_row m;
    int rc = store_meter_get(st, u->meter, &m);
    if (rc != 0)
        return rc;
    snprintf(u->customer, sizeof u->customer, "%s", m.customer);
    if (!u->contract_w)
        u->contract_w = m.contract_w;
    u->terminal = m.terminal;
    struct store_terminal_row t;
    if (m.terminal <= 0 || store_terminal_get(st, m.terminal, &t) != 0 ||
        t.kind != ARCHIVE_KIND_SPECIAL_TRANSFORMER) {
        u->state = PLAN_U_NO_CONTROL;
        snprintf(u->detail, sizeof u->detail, "not read by a special-transformer terminal");
        return 0;
    }
    rc = control_protected(st, t.id, t.address, u->detail, sizeof u->detail);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        u->state = PLAN_U_PROTECTED;
        return 0;
    }
    if (u->current_w <= 0) {
        u->state = PLAN_U_NO_LOAD;
        snprintf(u->detail, sizeof u->detail, "no current load known");
        return 0;
    }
    return 1;
}

int plan_allocate(struct store *st, struct plan *p)
{
    if (!st || !p || p->n == 0 || p->n > PLAN_USERS_MAX || p->target_w <= 0 || p->to_ms <= p->from_ms ||
        p->max_pct > MAX_PCT)
        return MH_EINVAL;
    unsigned max_pct = p->max_pct ? p->max_pct : DEFAULT_MAX_PCT;
    size_t order[PLAN_USERS_MAX], k = 0;
    for (size_t i = 0; i < p->n; i++) {
        struct plan_user *u = &p->u[i];
        u->state = 0;
        u->pct = 0;
        u->expect_w = 0;
        u->detail[0] = 0;
        int rc = resolve(st, u);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            /* insertion by priority, stable: list order among equals */
            size_t j = k++;
            while (j > 0 && p->u[order[j - 1]].priority > u->priority) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = i;
        }
    }
    int64_t left = p->target_w;
    p->expect_w = 0;
    for (size_t i = 0; i < k; i++) {
        struct plan_user *u = &p->u[order[i]];
        if (left <= 0) {
            u->state = PLAN_U_SPARED;
            snprintf(u->detail, sizeof u->detail, "target met by users before");
            continue;
        }
        /* smallest whole percentage covering what is left, at most max_pct */
        int64_t pct = (left * 100 + u->current_w - 1) / u->current_w;
        if (pct > (int64_t)max_pct)
            pct = max_pct;
        u->state = PLAN_U_SHED;
        u->pct = (uint8_t)pct;
        u->expect_w = u->current_w * pct / 100;
        left -= u->expect_w;
        p->expect_w += u->expect_w;
    }
    p->short_w = left > 0 ? left : 0;
    return 0;
}

static void reason_of(const struct plan *p, const char *what, char *out, size_t cap)
{
    snprintf(out, cap, "orderly use plan %" PRId64 " \"%s\": %s", p->id, p->name, what);
}

/* One command to u's total-add group 1 by the plan's operator. */
static int64_t submit(struct control *c, const struct plan *p, const struct plan_user *u, int kind, const char *reason,
                      const struct control_params *cp)
{
    struct control_target tg = {.terminal = u->terminal, .pn = 1};
    struct control_request r = {.kind = kind, .who = p->who, .reason = reason, .targets = &tg, .n_targets = 1,
                                .p = *cp};
    return control_submit(c, &r);
}

int plan_execute(struct control *c, struct plan *p)
{
    if (!c || !p)
        return MH_EINVAL;
    int64_t half_h = (p->to_ms - p->from_ms + 1799999) / 1800000;
    char reason[160];
    reason_of(p, "load reduction", reason, sizeof reason);
    /* priority order: the first shed are commanded first */
    int sent = 0;
    for (;;) {
        struct plan_user *u = NULL;
        for (size_t i = 0; i < p->n; i++)
            if (p->u[i].state == PLAN_U_SHED && !p->u[i].command && (!u || p->u[i].priority < u->priority))
                u = &p->u[i];
        if (!u)
            break;
        struct control_params cp = {0};
        cp.down.slip_min = 1;
        cp.down.float_pct = (int8_t)-u->pct;
        cp.down.ctrl_half_h = (uint8_t)(half_h > 15 ? 15 : half_h < 1 ? 1 : half_h); /* 4 bits, 1376.1 F12 */
        int64_t id = submit(c, p, u, CONTROL_DOWN_ON, reason, &cp);
        if (id < 0)
            return (int)id;
        u->command = id;
        sent++;
    }
    return sent;
}

int plan_release(struct control *c, struct plan *p)
{
    if (!c || !p)
        return MH_EINVAL;
    char reason[160];
    reason_of(p, "release", reason, sizeof reason);
    int sent = 0;
    for (size_t i = 0; i < p->n; i++) {
        struct plan_user *u = &p->u[i];
        if (!u->command || u->released)
            continue;
        struct control_params cp = {0};
        int64_t id = submit(c, p, u, CONTROL_DOWN_OFF, reason, &cp);
        if (id < 0)
            return (int)id;
        u->released = id;
        sent++;
    }
    return sent;
}

/* ---- measurement: on-demand reads of active power, answered on the store writer's thread ---- */

struct measure {
    uv_async_t async;
    pthread_mutex_t mu;
    struct plan *p;
    int after;
    size_t left;                    /* reads still out (under mu) */
    int64_t w[PLAN_USERS_MAX];
    uint8_t ok[PLAN_USERS_MAX];
    void (*done)(void *ctx, struct plan *p);
    void *ctx;
};

struct measure_one {
    struct measure *m;
    size_t i;
};

static void measure_closed(uv_handle_t *h)
{
    struct measure *m = h->data;
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* On the loop: every read answered. */
static void measure_finish(uv_async_t *a)
{
    struct measure *m = a->data;
    struct plan *p = m->p;
    pthread_mutex_lock(&m->mu); /* the values were written on the store writer's thread */
    for (size_t i = 0; i < p->n; i++) {
        struct plan_user *u = &p->u[i];
        if (!m->ok[i])
            continue;
        if (m->after) {
            u->after_w = m->w[i];
            u->has_after = 1;
        } else {
            u->baseline_w = u->current_w = m->w[i];
            u->has_baseline = 1;
        }
    }
    pthread_mutex_unlock(&m->mu);
    m->done(m->ctx, p);
    uv_close((uv_handle_t *)&m->async, measure_closed);
}

static void measure_one_done(struct measure *m)
{
    pthread_mutex_lock(&m->mu);
    int last = --m->left == 0;
    pthread_mutex_unlock(&m->mu);
    if (last)
        uv_async_send(&m->async);
}

/*
 * The active power total, else the sum of the three phases: 1376.1 F25
 * carries each as A.9 (at most 79.9999 kW), and a large user's total
 * overflows it (the terminal sends EE) before its phases do.
 */
static int power_of(const struct collect_read_result *r, int64_t *w)
{
    int64_t ph = 0;
    int n_ph = 0;
    for (size_t k = 0; k < r->n; k++) {
        if (r->v[k].item == MH_ITEM_P) {
            *w = control_dec_watts(r->v[k].value);
            return 1;
        }
        if (r->v[k].item == MH_ITEM_P_L1 || r->v[k].item == MH_ITEM_P_L2 || r->v[k].item == MH_ITEM_P_L3) {
            ph += control_dec_watts(r->v[k].value);
            n_ph++;
        }
    }
    *w = ph;
    return n_ph == 3;
}

static void read_done(void *ctx, const struct collect_read_result *r)
{
    struct measure_one *o = ctx;
    struct measure *m = o->m;
    int64_t w;
    if (r->status == 0 && power_of(r, &w)) {
        pthread_mutex_lock(&m->mu);
        m->w[o->i] = w;
        m->ok[o->i] = 1;
        pthread_mutex_unlock(&m->mu);
    }
    free(o);
    measure_one_done(m);
}

int plan_measure(uv_loop_t *loop, struct collect *col, struct plan *p, int after, void (*done)(void *ctx, struct plan *p),
                 void *ctx)
{
    if (!loop || !col || !p || !done || p->n == 0 || p->n > PLAN_USERS_MAX)
        return MH_EINVAL;
    struct measure *m = calloc(1, sizeof *m);
    if (!m)
        return MH_ENOMEM;
    m->p = p;
    m->after = after;
    m->done = done;
    m->ctx = ctx;
    pthread_mutex_init(&m->mu, NULL);
    int rc = uv_async_init(loop, &m->async, measure_finish);
    if (rc != 0) {
        pthread_mutex_destroy(&m->mu);
        free(m);
        return MH_ENOMEM;
    }
    m->async.data = m;
    /* one count held while starting, so no read can finish the whole before all are out */
    m->left = p->n + 1;
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_user *u = &p->u[i];
        struct measure_one *o = u->state == PLAN_U_NO_CONTROL ? NULL : malloc(sizeof *o);
        if (!o) {
            measure_one_done(m);
            continue;
        }
        *o = (struct measure_one){m, i};
        struct collect_read rq = {.meter = u->meter, .items = {MH_ITEM_P, MH_ITEM_P_L1, MH_ITEM_P_L2, MH_ITEM_P_L3},
                                  .n_items = 4};
        if (collect_read_now(col, &rq, read_done, o, NULL) != 0) {
            free(o);
            measure_one_done(m);
        }
    }
    measure_one_done(m);
    return 0;
}

int plan_verify(struct plan *p)
{
    p->baseline_w = p->after_w = 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_user *u = &p->u[i];
        if (u->state != PLAN_U_SHED || !u->has_baseline || !u->has_after)
            continue;
        p->baseline_w += u->baseline_w;
        p->after_w += u->after_w;
    }
    return p->baseline_w - p->after_w >= p->target_w;
}

int plan_save(struct store *st, struct plan *p)
{
    if (!st || !p || p->n > PLAN_USERS_MAX)
        return MH_EINVAL;
    struct store_plan sp = {.id = p->id, .target_w = p->target_w, .from_ms = p->from_ms, .to_ms = p->to_ms,
                            .created_ms = p->created_ms, .max_pct = p->max_pct, .expect_w = p->expect_w,
                            .short_w = p->short_w, .baseline_w = p->baseline_w, .after_w = p->after_w};
    snprintf(sp.name, sizeof sp.name, "%s", p->name);
    snprintf(sp.who, sizeof sp.who, "%s", p->who);
    snprintf(sp.area, sizeof sp.area, "%s", p->area);
    int rc = store_plan_put(st, &sp);
    if (rc != 0)
        return rc;
    p->id = sp.id;
    struct store_plan_user *su = calloc(p->n ? p->n : 1, sizeof *su);
    if (!su)
        return MH_ENOMEM;
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_user *u = &p->u[i];
        su[i] = (struct store_plan_user){
            .seq = (int64_t)i, .meter = u->meter, .priority = u->priority, .terminal = u->terminal,
            .state = u->state, .pct = u->pct, .contract_w = u->contract_w, .current_w = u->current_w,
            .expect_w = u->expect_w, .command = u->command, .released = u->released,
            .baseline_w = u->has_baseline ? u->baseline_w : STORE_PLAN_W_NONE,
            .after_w = u->has_after ? u->after_w : STORE_PLAN_W_NONE};
        snprintf(su[i].customer, sizeof su[i].customer, "%s", u->customer);
        snprintf(su[i].detail, sizeof su[i].detail, "%s", u->detail);
    }
    rc = store_plan_users_put(st, p->id, su, p->n);
    free(su);
    return rc;
}

int plan_load(struct store *st, int64_t id, struct plan *p)
{
    if (!st || !p)
        return MH_EINVAL;
    struct store_plan sp;
    int rc = store_plan_get(st, id, &sp);
    if (rc != 0)
        return rc;
    struct store_plan_user *su = calloc(PLAN_USERS_MAX, sizeof *su);
    if (!su)
        return MH_ENOMEM;
    int n = store_plan_users(st, id, su, PLAN_USERS_MAX);
    if (n < 0) {
        free(su);
        return n;
    }
    memset(p, 0, sizeof *p);
    p->id = sp.id;
    snprintf(p->name, sizeof p->name, "%s", sp.name);
    snprintf(p->who, sizeof p->who, "%s", sp.who);
    snprintf(p->area, sizeof p->area, "%s", sp.area);
    p->target_w = sp.target_w;
    p->from_ms = sp.from_ms;
    p->to_ms = sp.to_ms;
    p->created_ms = sp.created_ms;
    p->max_pct = (uint8_t)sp.max_pct;
    p->expect_w = sp.expect_w;
    p->short_w = sp.short_w;
    p->baseline_w = sp.baseline_w;
    p->after_w = sp.after_w;
    p->n = (size_t)n;
    for (int i = 0; i < n; i++) {
        struct plan_user *u = &p->u[i];
        const struct store_plan_user *s = &su[i];
        *u = (struct plan_user){.meter = s->meter, .priority = (int32_t)s->priority, .contract_w = s->contract_w,
                                .current_w = s->current_w, .terminal = s->terminal, .state = (uint8_t)s->state,
                                .pct = (uint8_t)s->pct, .expect_w = s->expect_w, .command = s->command,
                                .released = s->released};
        snprintf(u->customer, sizeof u->customer, "%s", s->customer);
        snprintf(u->detail, sizeof u->detail, "%s", s->detail);
        u->has_baseline = s->baseline_w != STORE_PLAN_W_NONE;
        u->baseline_w = u->has_baseline ? s->baseline_w : 0;
        u->has_after = s->after_w != STORE_PLAN_W_NONE;
        u->after_w = u->has_after ? s->after_w : 0;
    }
    free(su);
    return 0;
}

/* Append to out at *at, never past cap; *at counts what was needed. */
static void add(char *out, size_t cap, size_t *at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void add(char *out, size_t cap, size_t *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*at < cap ? out + *at : NULL, *at < cap ? cap - *at : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        *at += (size_t)n;
}

size_t plan_report(const struct plan *p, char *out, size_t cap)
{
    size_t at = 0;
    if (cap)
        out[0] = 0;
    add(out, cap, &at, "plan %" PRId64 " \"%s\" by %s%s%s: target %" PRId64 " W, expected %" PRId64 " W", p->id,
        p->name, p->who, p->area[0] ? " area " : "", p->area, p->target_w, p->expect_w);
    if (p->short_w > 0)
        add(out, cap, &at, ", SHORT by %" PRId64 " W (every eligible user at its limit)", p->short_w);
    add(out, cap, &at, "\n%-8s %-12s %-4s %-10s %4s %10s %10s %10s %10s %8s  %s\n", "meter", "customer", "prio",
        "state", "pct", "expect_w", "before_w", "after_w", "reduced_w", "command", "detail");
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_user *u = &p->u[i];
        char before[24] = "-", after[24] = "-", red[24] = "-";
        if (u->has_baseline)
            snprintf(before, sizeof before, "%" PRId64, u->baseline_w);
        if (u->has_after)
            snprintf(after, sizeof after, "%" PRId64, u->after_w);
        if (u->has_baseline && u->has_after)
            snprintf(red, sizeof red, "%" PRId64, u->baseline_w - u->after_w);
        add(out, cap, &at, "%-8" PRId64 " %-12s %-4" PRId32 " %-10s %4u %10" PRId64 " %10s %10s %10s %8" PRId64 "  %s\n",
            u->meter, u->customer[0] ? u->customer : "-", u->priority, plan_user_state_name(u->state), u->pct,
            u->expect_w, before, after, red, u->command, u->detail);
    }
    int64_t reduced = p->baseline_w - p->after_w;
    add(out, cap, &at, "total: before %" PRId64 " W, after %" PRId64 " W, reduced %" PRId64 " W of %" PRId64
        " W: %s\n", p->baseline_w, p->after_w, reduced, p->target_w, reduced >= p->target_w ? "met" : "NOT met");
    return at;
}
