/*
 * The collection plan by name: which tasks a collector's rounds run, and
 * the two that may be switched while the station runs (collect.h). The
 * names are the API's (GET /api/v1/tasks) and docs/collect.md's table.
 */
#include <string.h>

#include "collect_int.h"
#include "meterhub/base/err.h"

/* Each task's name and whether it may be switched at runtime. */
static const struct {
    const char *name;
    int switchable;
} plan[COLLECT_TASK_N] = {
    [COLLECT_TASK_DAILY] = {"daily", 0},   [COLLECT_TASK_MONTHLY] = {"monthly", 0},
    [COLLECT_TASK_CURVES] = {"curves", 1}, [COLLECT_TASK_REALTIME] = {"realtime", 1},
    [COLLECT_TASK_CLOCK] = {"clock", 0},   [COLLECT_TASK_PATCH] = {"patch", 0},
};

const char *collect_task_name(int task)
{
    return task >= 0 && task < COLLECT_TASK_N ? plan[task].name : NULL;
}

int collect_task_find(const char *name, size_t len)
{
    for (int i = 0; i < COLLECT_TASK_N; i++)
        if (strlen(plan[i].name) == len && memcmp(plan[i].name, name, len) == 0)
            return i;
    return MH_ENOENT;
}

int collect_task_enabled(const struct collect *c, int task)
{
    switch (task) {
    case COLLECT_TASK_DAILY:
    case COLLECT_TASK_MONTHLY:
        return c->cfg.scheduled != 0; /* on demand they run whenever a round is started */
    case COLLECT_TASK_CURVES:
        return !c->cfg.no_curves;
    case COLLECT_TASK_REALTIME:
        return !c->cfg.no_realtime;
    case COLLECT_TASK_CLOCK:
        return 1; /* every daily job reads the clock first (clock_sync_s set at new) */
    case COLLECT_TASK_PATCH:
        return c->cfg.patch_days > 0 && c->cfg.scheduled != 0;
    default:
        return MH_EINVAL;
    }
}

int collect_task_switchable(int task)
{
    return task >= 0 && task < COLLECT_TASK_N && plan[task].switchable;
}

int collect_task_enable(struct collect *c, int task, int on)
{
    if (task < 0 || task >= COLLECT_TASK_N)
        return MH_EINVAL;
    if (!plan[task].switchable)
        return MH_ENOTSUP;
    /* Read when a terminal's daily job is created (round.c): later jobs see it. */
    if (task == COLLECT_TASK_CURVES)
        c->cfg.no_curves = !on;
    else
        c->cfg.no_realtime = !on;
    return 0;
}
