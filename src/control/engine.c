/*
 * The command engine (meterhub/control.h): a command is stored, checked
 * target by target, held for a second operator when it reaches many
 * users, then each target walks its steps (control_int.h) as requests to
 * the fep at FEP_PRIO_CONTROL, ahead of every scheduled read. A target's
 * result is final once recorded; the command is finished when the last
 * target's is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meterhub/base/err.h"
#include "meterhub/archive.h"
#include "meterhub/base/log.h"
#include "control_int.h"

#define FRAME_MAX 1024 /* the largest command frame: AFN05 F32 with 200 bytes of text, AFN04 F41 */
#define DEFAULT_CONFIRM_OVER 50

struct control {
    uv_loop_t *loop;
    struct fep *fep;
    struct store *st;
    struct control_cfg cfg;
    struct ccmd *active; /* pending or in flight */
    size_t n_active;
    int closing;
    struct plan_runner *runner; /* plans by the clock (plan_run.c), NULL until started */
};

static int64_t now_ms(const struct control *c)
{
    if (c->cfg.now_ms)
        return c->cfg.now_ms(c->cfg.now_ctx);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Commands an earlier engine left unfinished (the station stopped or
 * crashed): a pending one was never sent and is cancelled; a target sent
 * without a verified result is UNCONFIRMED, as nobody knows what the
 * device did. Nothing is re-sent on its own.
 */
static int recover(struct control *c)
{
    struct store_control l[32];
    struct store_control_target *t = malloc(CONTROL_TARGETS_MAX * sizeof *t);
    if (!t)
        return MH_ENOMEM;
    int64_t after = 0, now = now_ms(c);
    int n;
    do {
        n = store_control_list(c->st, after, l, 32);
        for (int i = 0; i < n; i++) {
            after = l[i].id;
            if (l[i].state != STORE_CTL_PENDING && l[i].state != STORE_CTL_SENT)
                continue;
            int nt = store_control_targets(c->st, l[i].id, t, CONTROL_TARGETS_MAX);
            for (int k = 0; k < nt; k++) {
                if (t[k].result != STORE_CTR_QUEUED && t[k].result != STORE_CTR_SENT)
                    continue;
                t[k].result = l[i].state == STORE_CTL_PENDING ? STORE_CTR_REFUSED : STORE_CTR_UNCONFIRMED;
                snprintf(t[k].detail, sizeof t[k].detail, "%s",
                         l[i].state == STORE_CTL_PENDING ? "never confirmed: the station restarted"
                                                         : "the station restarted before the result was verified");
                t[k].updated_ms = now;
                store_control_target_put(c->st, l[i].id, &t[k]);
            }
            l[i].state = l[i].state == STORE_CTL_PENDING ? STORE_CTL_CANCELLED : STORE_CTL_FINISHED;
            l[i].finished_ms = now;
            store_control_update(c->st, &l[i]);
            mh_warn("control", "command %lld left unfinished by an earlier run: %s", (long long)l[i].id,
                    control_state_name(l[i].state));
        }
    } while (n == 32);
    free(t);
    return n < 0 ? n : 0;
}

int control_new(uv_loop_t *loop, struct fep *fep, struct store *st, const struct control_cfg *cfg,
                struct control **out)
{
    if (!loop || !fep || !st || !out || (cfg && cfg->n_windows > CONTROL_WINDOWS_MAX))
        return MH_EINVAL;
    struct control *c = calloc(1, sizeof *c);
    if (!c)
        return MH_ENOMEM;
    c->loop = loop;
    c->fep = fep;
    c->st = st;
    if (cfg)
        c->cfg = *cfg;
    if (!c->cfg.confirm_over)
        c->cfg.confirm_over = DEFAULT_CONFIRM_OVER;
    int rc = recover(c);
    if (rc < 0) {
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static void cmd_free(struct ccmd *m)
{
    free(m->jobs);
    free(m);
}

static void unlink_cmd(struct control *c, struct ccmd *m)
{
    for (struct ccmd **pp = &c->active; *pp; pp = &(*pp)->next)
        if (*pp == m) {
            *pp = m->next;
            c->n_active--;
            return;
        }
}

static void audit(struct control *c, const struct ccmd *m, const char *who, const char *event, int result)
{
    char what[512];
    snprintf(what, sizeof what, "control %lld %s %s: %s", (long long)m->rec.id, m->k->name, event, m->rec.reason);
    store_audit(c->st, who, now_ms(c), what, result);
}

/* Every target has its result: the command is finished. */
static void cmd_finish(struct ccmd *m)
{
    struct control *c = m->c;
    size_t done = 0;
    for (size_t i = 0; i < m->n; i++)
        done += m->jobs[i].result == STORE_CTR_DONE || m->jobs[i].result == STORE_CTR_ACKED;
    m->rec.state = m->rec.state == STORE_CTL_PENDING ? STORE_CTL_REFUSED : STORE_CTL_FINISHED;
    m->rec.finished_ms = now_ms(c);
    store_control_update(c->st, &m->rec);
    char ev[64];
    snprintf(ev, sizeof ev, "%s, %zu of %zu targets done", control_state_name(m->rec.state), done, m->n);
    audit(c, m, m->rec.who, ev, done == m->n ? 0 : MH_EIO);
    mh_info("control", "command %lld %s %s", (long long)m->rec.id, m->k->name, ev);
    if (c->closing)
        return; /* control_free frees it */
    unlink_cmd(c, m);
    int64_t id = m->rec.id;
    cmd_free(m);
    if (c->cfg.on_finished)
        c->cfg.on_finished(c->cfg.ctx, id);
}

static void job_record(struct cjob *j)
{
    struct control *c = j->cmd->c;
    struct store_control_target t = {j->tg.terminal, j->tg.pn, j->result, "", now_ms(c)};
    snprintf(t.detail, sizeof t.detail, "%s", j->detail);
    store_control_target_put(c->st, j->cmd->rec.id, &t);
}

/* Record j's final result; finishes the command with its last target. */
static void job_final(struct cjob *j, int result, const char *fmt, const char *arg)
{
    j->final = 1;
    j->result = result;
    snprintf(j->detail, sizeof j->detail, fmt, arg);
    job_record(j);
    struct ccmd *m = j->cmd;
    if (--m->left == 0)
        cmd_finish(m);
}

static const struct cproto *proto_of(const struct cjob *j)
{
    if (j->cmd->k->target == CT_METER)
        return &cproto_meter; /* the meter's 645 frames, wrapped for whichever terminal forwards them */
    return j->term.protocol == ARCHIVE_PROTO_GDW1376  ? &cproto_gdw1376
           : j->term.protocol == ARCHIVE_PROTO_DLT698 ? &cproto_dlt698
                                                       : NULL;
}

static const char *const step_names[] = {"protect state read", "parameters", "command", "read-back"};

static void job_run(struct cjob *j);

static void job_done(void *ctx, enum fep_status st, const struct fep_reply *r)
{
    struct cjob *j = ctx;
    struct control *c = j->cmd->c;
    j->req = 0;
    const char *step = step_names[j->step];
    if (st != FEP_DONE) {
        if (st == FEP_DENIED && (j->step == CSTEP_CMD || j->step == CSTEP_PARAMS))
            job_final(j, STORE_CTR_DENIED, "device denied the %s", step);
        else if (j->step == CSTEP_PRE)
            job_final(j, STORE_CTR_UNCONFIRMED, "not sent: device protect state unreadable (%s)", fep_status_name(st));
        else if (j->step == CSTEP_READ)
            job_final(j, STORE_CTR_UNCONFIRMED, "device confirmed, read-back got no answer (%s)", fep_status_name(st));
        else
            job_final(j, STORE_CTR_UNCONFIRMED, "no confirmation from the device (%s)", fep_status_name(st));
        return;
    }
    if (!r || r->n_frames == 0) {
        job_final(j, STORE_CTR_UNCONFIRMED, "empty reply to the %s", step);
        return;
    }
    unsigned last = r->n_frames - 1;
    uint32_t from = last ? r->ends[last - 1] : 0;
    char detail[128] = "";
    int v = proto_of(j)->judge(j, j->step, r->bytes + from, r->ends[last] - from, now_ms(c), c->cfg.utc_offset_min,
                               detail, sizeof detail);
    switch (v) {
    case CJ_OK:
        j->step++;
        job_run(j);
        return;
    case CJ_PROTECTED: job_final(j, STORE_CTR_REFUSED, "device in protect: %s", detail); return;
    case CJ_DENIED:
        job_final(j, j->step == CSTEP_READ || j->step == CSTEP_PRE ? STORE_CTR_UNCONFIRMED : STORE_CTR_DENIED,
                  "device denied: %s", detail);
        return;
    case CJ_MISMATCH: job_final(j, STORE_CTR_FAILED, "read-back disagrees: %s", detail); return;
    case CJ_SILENT: job_final(j, STORE_CTR_UNCONFIRMED, "no answer: %s", detail); return;
    default: job_final(j, STORE_CTR_UNCONFIRMED, "reply not understood: %s", detail); return;
    }
}

/* Send j's current step, skipping those that do not apply; at the end, the result. */
static void job_run(struct cjob *j)
{
    struct control *c = j->cmd->c;
    const struct cproto *p = proto_of(j);
    uint8_t frame[FRAME_MAX];
    for (; j->step < CSTEP_END; j->step++) {
        if (j->step == CSTEP_PRE && !j->cmd->k->cuts)
            continue;
        struct mh_wr w;
        mh_wr_init(&w, frame, sizeof frame);
        int rc = p->build(j, j->step, now_ms(c), c->cfg.utc_offset_min, &w);
        if (rc == 1)
            continue;
        if (rc == 0)
            rc = mh_wr_err(&w);
        if (rc != 0) {
            job_final(j, STORE_CTR_FAILED, "cannot build the frame: %s", mh_strerror(rc));
            return;
        }
        if (c->cfg.on_frame)
            c->cfg.on_frame(c->cfg.ctx, j->cmd->rec.id, j->tg.terminal, frame, mh_wr_len(&w));
        struct fep_request req = {FEP_PRIO_CONTROL, frame, mh_wr_len(&w), c->cfg.timeout_ms, 0, job_done, j};
        int64_t id = control_request_submit(c, j->tg.terminal, j->addr, &req);
        if (id < 0) {
            job_final(j, STORE_CTR_UNCONFIRMED, "not sent: %s",
                      id == MH_ENOENT ? "terminal offline" : mh_strerror((int)id));
            return;
        }
        if (j->step == CSTEP_CMD) {
            j->result = STORE_CTR_SENT;
            snprintf(j->detail, sizeof j->detail, "sent");
            job_record(j);
        }
        j->req = id;
        return;
    }
    job_final(j, j->cmd->k->expect == CX_NONE ? STORE_CTR_ACKED : STORE_CTR_DONE, "%s",
              j->cmd->k->expect == CX_NONE ? "device confirmed; nothing to read back" : "verified by read-back");
}

static void cmd_dispatch(struct ccmd *m)
{
    m->rec.state = STORE_CTL_SENT;
    store_control_update(m->c->st, &m->rec);
    /* A target can finish (offline) and the command with it while this loop runs: count first. */
    size_t n = m->n;
    struct cjob *todo[CONTROL_TARGETS_MAX];
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!m->jobs[i].final)
            todo[k++] = &m->jobs[i];
    for (size_t i = 0; i < k; i++)
        job_run(todo[i]);
}

/* Parameters a kind cannot carry are refused before anything is stored. */
static int check_request(const struct control_request *r, const struct ckind *k)
{
    if (!k || !r->who || !*r->who || strlen(r->who) >= sizeof ((struct store_control *)0)->who || !r->reason ||
        !*r->reason || !r->targets || r->n_targets == 0 || r->n_targets > CONTROL_TARGETS_MAX)
        return MH_EINVAL;
    for (size_t i = 0; i < r->n_targets; i++) {
        uint16_t pn = r->targets[i].pn;
        if (k->target == CT_METER) { /* the meter names its terminal and point */
            if (r->targets[i].meter <= 0)
                return MH_EINVAL;
            for (size_t j = 0; j < i; j++)
                if (r->targets[j].meter == r->targets[i].meter)
                    return MH_EINVAL;
            continue;
        }
        if (k->target == CT_TERMINAL ? pn != 0 : pn < 1 || pn > 8)
            return MH_EINVAL;
        for (size_t j = 0; j < i; j++)
            if (r->targets[j].terminal == r->targets[i].terminal && r->targets[j].pn == pn)
                return MH_EINVAL;
    }
    const struct control_params *p = &r->p;
    if (p->trip.alarm_delay_min > 15 || p->trip.limit_half_h > 15 || p->msg.len > 200 || p->period.scheme > 2 ||
        p->msg.number > 15 || p->meter.valid_min > 60)
        return MH_EINVAL;
    return 0;
}

int64_t control_submit(struct control *c, const struct control_request *r)
{
    const struct ckind *k = r ? ckind_of(r->kind) : NULL;
    int rc = r ? check_request(r, k) : MH_EINVAL;
    if (rc != 0)
        return rc;
    struct ccmd *m = calloc(1, sizeof *m);
    struct cjob *jobs = calloc(r->n_targets, sizeof *jobs);
    if (!m || !jobs) {
        free(m);
        free(jobs);
        return MH_ENOMEM;
    }
    m->c = c;
    m->kind = r->kind;
    m->k = k;
    m->p = r->p;
    m->n = m->left = r->n_targets;
    m->jobs = jobs;
    for (size_t i = 0; i < m->n; i++) {
        struct cjob *j = &jobs[i];
        j->cmd = m;
        j->tg = r->targets[i];
        rc = k->target == CT_METER ? control_meter_resolve(c->st, j) : store_terminal_get(c->st, j->tg.terminal, &j->term);
        if (rc == 0 && !proto_of(j))
            rc = MH_EINVAL; /* DL/T 645 DTUs carry no load-management objects */
        if (rc != 0) {
            cmd_free(m);
            return rc;
        }
        snprintf(j->addr, sizeof j->addr, "%s", j->term.address);
    }
    int64_t t = now_ms(c);
    m->rec = (struct store_control){.kind = r->kind, .created_ms = t, .state = STORE_CTL_PENDING};
    snprintf(m->rec.who, sizeof m->rec.who, "%s", r->who);
    snprintf(m->rec.reason, sizeof m->rec.reason, "%s", r->reason);
    control_params_json(r->kind, &r->p, r->targets, r->n_targets, m->rec.params, sizeof m->rec.params);
    rc = store_control_insert(c->st, &m->rec);
    if (rc != 0) {
        cmd_free(m);
        return rc;
    }
    m->next = c->active;
    c->active = m;
    c->n_active++;
    int64_t id = m->rec.id;
    audit(c, m, r->who, "submitted", 0);

    /* Rule 1: the station's protect list and forbidden windows, per target. */
    long users = 0;
    for (size_t i = 0; i < m->n; i++) {
        struct cjob *j = &jobs[i];
        j->result = STORE_CTR_QUEUED;
        snprintf(j->detail, sizeof j->detail, "queued");
        if (k->cuts) {
            rc = control_safety_check(c->st, &c->cfg, j, t, j->detail, sizeof j->detail);
            if (rc != 0) {
                j->final = 1;
                j->result = STORE_CTR_REFUSED;
                if (rc < 0)
                    snprintf(j->detail, sizeof j->detail, "safety check failed: %s", mh_strerror(rc));
                m->left--;
            }
        }
        job_record(j);
        if (!j->final) {
            int u = k->target == CT_METER ? 1 : control_users(c->st, j->tg.terminal);
            users += u > 0 ? u : 0;
        }
    }
    if (m->left == 0) {
        cmd_finish(m); /* every target refused: REFUSED, nothing sent */
        return id;
    }
    /* Rule 2: many users need a second operator. */
    if (users > (long)c->cfg.confirm_over) {
        char ev[96];
        snprintf(ev, sizeof ev, "pending a second operator (%ld users > %u)", users, c->cfg.confirm_over);
        audit(c, m, r->who, ev, 0);
        return id;
    }
    cmd_dispatch(m);
    return id;
}

static struct ccmd *find(struct control *c, int64_t id)
{
    for (struct ccmd *m = c->active; m; m = m->next)
        if (m->rec.id == id)
            return m;
    return NULL;
}

/* A pending command, or why not: MH_ENOENT, MH_EPROTO (it is not pending). */
static int pending(struct control *c, int64_t id, const char *who, struct ccmd **out)
{
    if (!who || !*who)
        return MH_EINVAL;
    struct ccmd *m = find(c, id);
    if (!m) {
        struct store_control rec;
        return store_control_get(c->st, id, &rec) == 0 ? MH_EPROTO : MH_ENOENT;
    }
    if (m->rec.state != STORE_CTL_PENDING)
        return MH_EPROTO;
    *out = m;
    return 0;
}

int control_confirm(struct control *c, int64_t id, const char *who)
{
    struct ccmd *m;
    int rc = pending(c, id, who, &m);
    if (rc != 0)
        return rc;
    if (strcmp(who, m->rec.who) == 0) {
        audit(c, m, who, "confirmation refused: same operator", MH_EPERM);
        return MH_EPERM;
    }
    snprintf(m->rec.confirmer, sizeof m->rec.confirmer, "%s", who);
    m->rec.confirmed_ms = now_ms(c);
    audit(c, m, who, "confirmed", 0);
    cmd_dispatch(m);
    return 0;
}

int control_cancel(struct control *c, int64_t id, const char *who)
{
    struct ccmd *m;
    int rc = pending(c, id, who, &m);
    if (rc != 0)
        return rc;
    m->rec.state = STORE_CTL_CANCELLED;
    m->rec.finished_ms = now_ms(c);
    for (size_t i = 0; i < m->n; i++)
        if (!m->jobs[i].final) {
            m->jobs[i].result = STORE_CTR_REFUSED;
            snprintf(m->jobs[i].detail, sizeof m->jobs[i].detail, "cancelled by %s", who);
            job_record(&m->jobs[i]);
        }
    store_control_update(c->st, &m->rec);
    audit(c, m, who, "cancelled", 0);
    unlink_cmd(c, m);
    cmd_free(m);
    return 0;
}

int control_get(struct control *c, int64_t id, struct store_control *cmd, struct store_control_target *t,
                size_t cap, size_t *n)
{
    int rc = store_control_get(c->st, id, cmd);
    if (rc != 0)
        return rc;
    int k = store_control_targets(c->st, id, t, cap);
    if (k < 0)
        return k;
    if (n)
        *n = (size_t)k;
    return 0;
}

size_t control_active(const struct control *c)
{
    return c->n_active;
}

void control_free(struct control *c)
{
    if (!c)
        return;
    c->closing = 1;
    plan_runner_close(c->runner); /* first: it submits commands */
    c->runner = NULL;
    for (struct ccmd *m = c->active; m; m = m->next)
        for (size_t i = 0; i < m->n; i++)
            if (m->jobs[i].req) {
                int64_t id = m->jobs[i].req;
                m->jobs[i].req = 0;
                control_request_cancel(c, id); /* job_done runs now: UNCONFIRMED */
            }
    while (c->active) {
        struct ccmd *m = c->active;
        c->active = m->next;
        cmd_free(m);
    }
    free(c);
}

struct store *control_store(struct control *c)
{
    return c->st;
}

const struct control_cfg *control_config(const struct control *c)
{
    return &c->cfg;
}

int64_t control_now_ms(const struct control *c)
{
    return now_ms(c);
}

struct plan_runner **control_runner(struct control *c)
{
    return &c->runner;
}

uv_loop_t *control_loop(struct control *c)
{
    return c->loop;
}

int64_t control_request_submit(struct control *c, int64_t terminal, const char *addr, const struct fep_request *r)
{
    if (c->cfg.submit)
        return c->cfg.submit(c->cfg.route_ctx, terminal, addr, r);
    return fep_request_submit(c->fep, addr, r);
}

int control_request_cancel(struct control *c, int64_t id)
{
    if (c->cfg.cancel)
        return c->cfg.cancel(c->cfg.route_ctx, id);
    return fep_request_cancel(c->fep, id);
}
