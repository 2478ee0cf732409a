/*
 * Orderly-use plans (store.h "orderly-use plans"), backend-neutral: the
 * header is written through a listing statement whose one row is the
 * plan's id (an upsert RETURNING id), the users through the backend's
 * row writes, one transaction per call; reads fill rows from the columns
 * of list_sql.h's PLAN_COLS / PLAN_USER_COLS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "store_int.h"

#define A_NULL ((struct store_arg){SA_NULL, 0, NULL})
#define A_INT(x) ((struct store_arg){SA_INT, (int64_t)(x), NULL})
#define A_TEXT(t) ((struct store_arg){SA_TEXT, 0, (t)})
#define A_W(x) ((x) == STORE_PLAN_W_NONE ? A_NULL : A_INT(x))

static void col_text(const struct store_cols *c, int col, char *dst, size_t cap)
{
    const char *t = c->text(c, col);
    snprintf(dst, cap, "%s", t ? t : "");
}

static void id_one(const struct store_cols *c, void *row)
{
    *(int64_t *)row = c->i64(c, 0);
}

int store_plan_put(struct store *st, struct store_plan *p)
{
    if (!st || !p || !p->name[0] || !p->who[0])
        return MH_EINVAL;
    struct store_arg a[] = {p->id ? A_INT(p->id) : A_NULL,
                            A_TEXT(p->name),
                            A_TEXT(p->who),
                            A_TEXT(p->area),
                            A_INT(p->target_w),
                            A_INT(p->from_ms),
                            A_INT(p->to_ms),
                            A_INT(p->created_ms),
                            A_INT(p->max_pct),
                            A_INT(p->expect_w),
                            A_INT(p->short_w),
                            A_INT(p->baseline_w),
                            A_INT(p->after_w)};
    int64_t id = 0;
    int rc = store_list_run(st, SL_PLAN_PUT, a, 13, &id, sizeof id, 1, id_one);
    if (rc < 0)
        return rc;
    if (rc != 1 || id <= 0)
        return MH_EIO;
    p->id = id;
    return 0;
}

/* PLAN_COLS */
static void plan_one(const struct store_cols *c, void *row)
{
    struct store_plan *p = row;
    p->id = c->i64(c, 0);
    col_text(c, 1, p->name, sizeof p->name);
    col_text(c, 2, p->who, sizeof p->who);
    col_text(c, 3, p->area, sizeof p->area);
    p->target_w = c->i64(c, 4);
    p->from_ms = c->i64(c, 5);
    p->to_ms = c->i64(c, 6);
    p->created_ms = c->i64(c, 7);
    p->max_pct = c->i64(c, 8);
    p->expect_w = c->i64(c, 9);
    p->short_w = c->i64(c, 10);
    p->baseline_w = c->i64(c, 11);
    p->after_w = c->i64(c, 12);
}

int store_plan_get(struct store *st, int64_t id, struct store_plan *out)
{
    if (!st || id <= 0 || !out)
        return MH_EINVAL;
    struct store_arg a[] = {A_INT(id)};
    int rc = store_list_run(st, SL_PLAN_GET, a, 1, out, sizeof *out, 1, plan_one);
    return rc < 0 ? rc : rc == 0 ? MH_ENOENT : 0;
}

#define USER_ARGS 16

/* plan id, then PLAN_USER_COLS */
static void user_args(int64_t plan, const struct store_plan_user *u, struct store_arg *a)
{
    const struct store_arg row[USER_ARGS] = {
        A_INT(plan),        A_INT(u->seq),      A_INT(u->meter),      A_INT(u->priority),
        A_TEXT(u->customer), A_INT(u->terminal), A_INT(u->state),      A_INT(u->pct),
        A_INT(u->contract_w), A_INT(u->current_w), A_INT(u->expect_w), A_INT(u->command),
        A_INT(u->released), A_W(u->baseline_w), A_W(u->after_w),      A_TEXT(u->detail),
    };
    memcpy(a, row, sizeof row);
}

int store_plan_users_put(struct store *st, int64_t plan, const struct store_plan_user *u, size_t n)
{
    if (!st || plan <= 0 || (!u && n))
        return MH_EINVAL;
    if (n == 0)
        return 0;
    struct store_arg *a = malloc(n * USER_ARGS * sizeof *a);
    if (!a)
        return MH_ENOMEM;
    for (size_t i = 0; i < n; i++)
        user_args(plan, &u[i], &a[i * USER_ARGS]);
    int rc = st->be_ops->exec(st->be, SX_PLAN_USER_PUT, a, USER_ARGS, n);
    free(a);
    return rc < 0 ? rc : 0;
}

/* PLAN_USER_COLS */
static void user_one(const struct store_cols *c, void *row)
{
    struct store_plan_user *u = row;
    u->seq = c->i64(c, 0);
    u->meter = c->i64(c, 1);
    u->priority = c->i64(c, 2);
    col_text(c, 3, u->customer, sizeof u->customer);
    u->terminal = c->i64(c, 4);
    u->state = c->i64(c, 5);
    u->pct = c->i64(c, 6);
    u->contract_w = c->i64(c, 7);
    u->current_w = c->i64(c, 8);
    u->expect_w = c->i64(c, 9);
    u->command = c->i64(c, 10);
    u->released = c->i64(c, 11);
    u->baseline_w = c->is_null(c, 12) ? STORE_PLAN_W_NONE : c->i64(c, 12);
    u->after_w = c->is_null(c, 13) ? STORE_PLAN_W_NONE : c->i64(c, 13);
    col_text(c, 14, u->detail, sizeof u->detail);
}

int store_plan_users(struct store *st, int64_t plan, struct store_plan_user *out, size_t cap)
{
    if (!st || plan <= 0 || (!out && cap))
        return MH_EINVAL;
    struct store_arg a[] = {A_INT(plan)};
    return store_list_run(st, SL_PLAN_USERS, a, 1, out, sizeof *out, cap, user_one);
}

int store_plans(struct store *st, int64_t after, struct store_plan *out, size_t cap)
{
    if (!st || (!out && cap))
        return MH_EINVAL;
    if (cap == 0)
        return 0;
    struct store_arg a[] = {A_INT(after), A_INT(cap)};
    return store_list_run(st, SL_PLANS, a, 2, out, sizeof *out, cap, plan_one);
}

/* ---- runs by the clock ---- */

int store_plan_run_put(struct store *st, const struct store_plan_run *r)
{
    if (!st || !r || r->plan <= 0)
        return MH_EINVAL;
    struct store_arg a[] = {A_INT(r->plan),       A_INT(r->state),      A_TEXT(r->reason),
                            A_TEXT(r->confirmer), A_TEXT(r->ended_by),  A_INT(r->updated_ms),
                            A_INT(r->started_ms), A_INT(r->ended_ms),   A_TEXT(r->detail)};
    int rc = st->be_ops->exec(st->be, SX_PLAN_RUN_PUT, a, 9, 1);
    return rc < 0 ? rc : 0;
}

/* PLAN_RUN_COLS */
static void run_one(const struct store_cols *c, void *row)
{
    struct store_plan_run *r = row;
    r->plan = c->i64(c, 0);
    r->state = c->i64(c, 1);
    col_text(c, 2, r->reason, sizeof r->reason);
    col_text(c, 3, r->confirmer, sizeof r->confirmer);
    col_text(c, 4, r->ended_by, sizeof r->ended_by);
    r->updated_ms = c->i64(c, 5);
    r->started_ms = c->i64(c, 6);
    r->ended_ms = c->i64(c, 7);
    col_text(c, 8, r->detail, sizeof r->detail);
}

int store_plan_run_get(struct store *st, int64_t plan, struct store_plan_run *out)
{
    if (!st || plan <= 0 || !out)
        return MH_EINVAL;
    struct store_arg a[] = {A_INT(plan)};
    int rc = store_list_run(st, SL_PLAN_RUN_GET, a, 1, out, sizeof *out, 1, run_one);
    return rc < 0 ? rc : rc == 0 ? MH_ENOENT : 0;
}

int store_plan_runs(struct store *st, int64_t after, int state_lo, int state_hi, struct store_plan_run *out,
                    size_t cap)
{
    if (!st || (!out && cap))
        return MH_EINVAL;
    if (cap == 0)
        return 0;
    struct store_arg a[] = {A_INT(after), A_INT(state_lo), A_INT(state_hi), A_INT(cap)};
    return store_list_run(st, SL_PLAN_RUNS, a, 4, out, sizeof *out, cap, run_one);
}
