/*
 * On-demand reads across front-end processes (serve --procs): a worker
 * asked to read a terminal another worker holds sends the read to that
 * worker (the owner) over the mesh, and the owner runs it on its loop with
 * collect_read_now exactly as a read of its own (the same queue priority,
 * timeouts, stored readings), then sends the values back.
 *
 * Why the mesh and not sockets of their own: the mesh's datagram sockets
 * already reach every worker, are made by the parent before fork and kept
 * open across a worker's restart, and a datagram carries one whole message
 * (COLLECT_FWD_MSG_MAX is far below the mesh's message size); a message
 * without a descriptor is a forwarded read, one with a descriptor a
 * handed-over connection, so the two never mix up.
 *
 * Bounded waits, never a hang: the owner must answer TAKEN (it started the
 * read) within FWD_TAKE_MS, else the read fails MH_EPERM (the owner is down
 * or restarting: the API answers 503); once taken, its own timeouts apply
 * and the result is waited for up to FWD_RUN_MS (the owner died during the
 * read: MH_ETIMEDOUT). A read that reaches an owner after its asker gave up
 * (it was waiting in a restarting worker's socket) is dropped unrun. Every
 * send is non-blocking: a full socket fails at once.
 *
 * Threads: serve_fwd_read, serve_fwd_input and the timer run on the loop;
 * the owner's result callback runs on the store writer's thread and only
 * encodes and sends (the mesh is read-only after fork).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/collect_fwd.h"
#include "serve_procs.h"

#define MOD "serve"
#define FWD_PENDING_MAX 256u
#define FWD_TAKE_MS 5000u
#define FWD_RUN_MS 180000u
#define FWD_TICK_MS 100u

struct fwd_pending {
    uint32_t id; /* 0: free */
    int taken;
    uint64_t deadline_ms;
    void (*done)(void *ctx, const struct collect_read_result *r);
    void *ctx;
};

struct serve_fwd {
    uv_timer_t timer;
    const struct serve_mesh *m;
    struct collect *c;
    uint32_t next_id;
    unsigned n_pending;
    struct fwd_pending pending[FWD_PENDING_MAX];
    uint64_t sent, answered, expired, served, dropped;
};

/* The owner's read in flight: where its result goes. */
struct fwd_served {
    const struct serve_mesh *m;
    uint16_t to;
    uint32_t id;
};

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int send_msg(const struct serve_mesh *m, unsigned to, const struct collect_fwd_msg *msg)
{
    uint8_t buf[COLLECT_FWD_MSG_MAX];
    int n = collect_fwd_encode(msg, buf, sizeof buf);
    if (n < 0)
        return n;
    return serve_mesh_send_msg(m, to, buf, (size_t)n);
}

/* ---- the asking side ---- */

static void finish(struct serve_fwd *f, struct fwd_pending *p, const struct collect_read_result *r)
{
    void (*done)(void *, const struct collect_read_result *) = p->done;
    void *ctx = p->ctx;
    memset(p, 0, sizeof *p);
    f->n_pending--;
    if (!f->n_pending)
        uv_timer_stop(&f->timer);
    done(ctx, r);
}

static void fail(struct serve_fwd *f, struct fwd_pending *p, int status)
{
    static struct collect_read_result r; /* loop thread only: too large for the stack twice */
    memset(&r, 0, sizeof r);
    r.status = status;
    finish(f, p, &r);
}

static void on_tick(uv_timer_t *h)
{
    struct serve_fwd *f = h->data;
    uint64_t now = mono_ms();
    for (unsigned i = 0; i < FWD_PENDING_MAX && f->n_pending; i++) {
        struct fwd_pending *p = &f->pending[i];
        if (!p->id || now < p->deadline_ms)
            continue;
        f->expired++;
        mh_warn(MOD, "forwarded read %u: the owner process %s", p->id,
                p->taken ? "did not finish it in time" : "did not take it (down or restarting)");
        fail(f, p, p->taken ? MH_ETIMEDOUT : MH_EPERM);
    }
}

int serve_fwd_read(void *ctx, uint32_t owner, const struct collect_read *rq,
                   void (*done)(void *done_ctx, const struct collect_read_result *r), void *done_ctx)
{
    struct serve_fwd *f = ctx;
    if (owner >= f->m->n || owner == f->m->self)
        return MH_EPERM;
    if (f->n_pending >= FWD_PENDING_MAX)
        return MH_EBUSY;
    uint32_t id;
    do
        id = ++f->next_id;
    while (id == 0 || f->pending[id % FWD_PENDING_MAX].id != 0);
    struct fwd_pending *p = &f->pending[id % FWD_PENDING_MAX];
    static struct collect_fwd_msg msg; /* loop thread only */
    memset(&msg, 0, sizeof msg);
    msg.type = COLLECT_FWD_READ;
    msg.from = f->m->self;
    msg.id = id;
    msg.deadline_ms = mono_ms() + FWD_TAKE_MS;
    msg.rq = *rq;
    int rc = send_msg(f->m, owner, &msg);
    if (rc != 0) /* the owner's socket is full: it is not reading it */
        return rc == MH_EBUSY ? MH_EPERM : rc;
    *p = (struct fwd_pending){.id = id, .deadline_ms = msg.deadline_ms, .done = done, .ctx = done_ctx};
    if (!f->n_pending++)
        uv_timer_start(&f->timer, on_tick, FWD_TICK_MS, FWD_TICK_MS);
    f->sent++;
    return 0;
}

/* ---- the owner's side ---- */

static void served_done(void *ctx, const struct collect_read_result *r)
{
    struct fwd_served *s = ctx;
    struct collect_fwd_msg *msg = calloc(1, sizeof *msg); /* any thread: not static */
    if (msg) {
        msg->type = COLLECT_FWD_RESULT;
        msg->from = s->m->self;
        msg->id = s->id;
        msg->res = *r;
        int rc = send_msg(s->m, s->to, msg);
        if (rc != 0)
            mh_warn(MOD, "forwarded read %u: result not sent to worker %u: %s", s->id, s->to,
                    mh_strerror(rc));
        free(msg);
    }
    free(s);
}

static void serve(struct serve_fwd *f, struct collect_fwd_msg *msg)
{
    if (mono_ms() > msg->deadline_ms || msg->from >= f->m->n || !f->c) {
        f->dropped++; /* its asker gave up on it already */
        return;
    }
    struct fwd_served *s = malloc(sizeof *s);
    uint32_t bad = 0;
    int rc = MH_ENOMEM;
    if (s) {
        *s = (struct fwd_served){.m = f->m, .to = msg->from, .id = msg->id};
        rc = collect_read_now(f->c, &msg->rq, served_done, s, &bad);
    }
    uint16_t to = msg->from;
    uint32_t id = msg->id;
    memset(msg, 0, sizeof *msg);
    msg->from = f->m->self;
    msg->id = id;
    if (rc == 0) {
        f->served++;
        msg->type = COLLECT_FWD_TAKEN;
    } else {
        free(s);
        msg->type = COLLECT_FWD_RESULT;
        msg->res.status = rc;
        msg->bad_item = bad;
    }
    send_msg(f->m, to, msg); /* lost: the asker's deadline answers for it */
}

/* ---- both ---- */

void serve_fwd_input(void *ctx, const uint8_t *p, size_t n)
{
    struct serve_fwd *f = ctx;
    static struct collect_fwd_msg msg; /* loop thread only */
    int rc = collect_fwd_decode(p, n, &msg);
    if (rc != 0) {
        mh_warn(MOD, "mesh: a malformed forwarded read dropped (%zu bytes): %s", n, mh_strerror(rc));
        return;
    }
    if (msg.type == COLLECT_FWD_READ) {
        serve(f, &msg);
        return;
    }
    struct fwd_pending *q = &f->pending[msg.id % FWD_PENDING_MAX];
    if (!q->id || q->id != msg.id)
        return; /* expired already */
    if (msg.type == COLLECT_FWD_TAKEN) {
        q->taken = 1;
        q->deadline_ms = mono_ms() + FWD_RUN_MS;
        return;
    }
    f->answered++;
    finish(f, q, &msg.res);
}

int serve_fwd_new(uv_loop_t *loop, const struct serve_mesh *m, struct serve_fwd **out)
{
    struct serve_fwd *f = calloc(1, sizeof *f);
    if (!f)
        return MH_ENOMEM;
    f->m = m;
    uv_timer_init(loop, &f->timer);
    f->timer.data = f;
    *out = f;
    return 0;
}

void serve_fwd_set_collect(struct serve_fwd *f, struct collect *c)
{
    f->c = c;
}

static void fwd_closed(uv_handle_t *h)
{
    free(h->data);
}

void serve_fwd_stop(struct serve_fwd *f)
{
    if (!f)
        return;
    for (unsigned i = 0; i < FWD_PENDING_MAX; i++)
        if (f->pending[i].id)
            fail(f, &f->pending[i], MH_ECLOSED);
    mh_info(MOD, "mesh: %llu reads forwarded (%llu answered, %llu expired), %llu run for others, "
                 "%llu too late",
            (unsigned long long)f->sent, (unsigned long long)f->answered,
            (unsigned long long)f->expired, (unsigned long long)f->served,
            (unsigned long long)f->dropped);
    f->c = NULL;
    uv_close((uv_handle_t *)&f->timer, fwd_closed);
}
