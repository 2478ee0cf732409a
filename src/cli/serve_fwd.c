/*
 * On-demand reads and fep requests across front-end processes (serve
 * --procs): a worker asked to read a terminal another worker holds sends
 * the read to that worker (the owner) over the mesh, and the owner runs it
 * on its loop with collect_read_now exactly as a read of its own (the same
 * queue priority, timeouts, stored readings), then sends the values back.
 *
 * Fep requests likewise (serve_fwd_fep): the command engine runs in worker
 * 0, where the API and the store's command rows are, and each request it
 * makes of a terminal another worker holds (a command's step: protect
 * state, parameters, the command, the read-back) is sent, frame and
 * priority as built, to the owner, which queues it on its own fep exactly
 * as a request of its own and sends the reply's frames back; the engine
 * judges them as it judges a local reply. Nothing here knows what the
 * frame says, so every kind of command goes through unchanged.
 * serve_fwd_submit routes an engine's request: local terminals to the
 * local fep, the others over the mesh.
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
 * send is non-blocking: a full socket fails at once. A fep request ends the
 * same ways as FEP_OFFLINE (not taken: the terminal's process is down) or
 * FEP_TIMEOUT, so a command's target is UNCONFIRMED, never DONE, when its
 * answer is lost.
 *
 * A worker that starts sends HELLO to every other: what its predecessor
 * had taken is lost with it (a fep request's terminal lost its connection
 * with the process), so each asker ends those requests at once (reads
 * MH_ECLOSED, fep requests FEP_OFFLINE) instead of at FWD_RUN_MS, and
 * each owner cancels the fep requests the dead asker was waiting for (a
 * command nobody will judge is not sent). HELLO is sent before the worker
 * reads its socket, so it always arrives before any TAKEN of the new
 * process. Request ids start at a random point in each process, so an
 * answer meant for a predecessor does not match a new request.
 *
 * Threads: everything runs on the loop but the read owner's result
 * callback, which runs on the store writer's thread and only encodes and
 * sends (the mesh is read-only after fork).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/collect_fwd.h"
#include "meterhub/fep.h"
#include "serve_procs.h"

#define MOD "serve"
/* Reads and requests waiting at once: a command of CONTROL_TARGETS_MAX targets, reads and plans beside it. */
#define FWD_PENDING_MAX 1024u
#define FWD_TAKE_MS 5000u
#define FWD_RUN_MS 180000u
#define FWD_TICK_MS 100u

/* A request sent to an owner and not answered yet: a read (done) or a fep request (fep_done). */
struct fwd_pending {
    uint32_t id; /* 0: free */
    uint16_t owner;
    int taken;
    uint64_t deadline_ms;
    void (*done)(void *ctx, const struct collect_read_result *r);
    fep_done_fn fep_done;
    void *ctx;
};

/* A fep request run here for another worker, until its fep answers. */
struct fwd_fep_served {
    struct serve_fwd *f;
    uint16_t to;
    uint32_t id;
    int64_t fep_id;
    int cancelled; /* its asker gave it up: no answer is sent */
    struct fwd_fep_served *next;
};

struct serve_fwd {
    uv_timer_t timer;
    const struct serve_mesh *m;
    struct collect *c;
    struct fep *fep;
    int stopping;
    uint32_t next_id;
    unsigned n_pending;
    struct fwd_pending pending[FWD_PENDING_MAX];
    struct fwd_fep_served *fep_served; /* in flight on this fep for others */
    uint64_t sent, answered, expired, served, dropped;
    uint64_t fep_sent, fep_served_n, lost;
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

/* A message of type with no body (TAKEN, CANCEL, HELLO). */
static int send_bare(const struct serve_mesh *m, unsigned to, uint8_t type, uint32_t id)
{
    struct collect_fwd_msg *msg = calloc(1, sizeof *msg);
    if (!msg)
        return MH_ENOMEM;
    msg->type = type;
    msg->from = m->self;
    msg->id = id;
    int rc = send_msg(m, to, msg);
    free(msg);
    return rc;
}

/* ---- the asking side ---- */

static void finish(struct serve_fwd *f, struct fwd_pending *p, const struct collect_read_result *r,
                   int fep_status, const struct fep_reply *rep)
{
    struct fwd_pending q = *p;
    memset(p, 0, sizeof *p);
    f->n_pending--;
    if (!f->n_pending)
        uv_timer_stop(&f->timer);
    if (q.fep_done)
        q.fep_done(q.ctx, (enum fep_status)fep_status, fep_status == FEP_DONE ? rep : NULL);
    else
        q.done(q.ctx, r);
}

/* End p without an answer: a read with status, a fep request with fep_status. */
static void fail(struct serve_fwd *f, struct fwd_pending *p, int status, int fep_status)
{
    static struct collect_read_result r; /* loop thread only: too large for the stack twice */
    memset(&r, 0, sizeof r);
    r.status = status;
    finish(f, p, &r, fep_status, NULL);
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
        mh_warn(MOD, "forwarded %s %u: worker %u %s", p->fep_done ? "request" : "read", p->id,
                p->owner, p->taken ? "did not finish it in time" : "did not take it (down or restarting)");
        if (p->fep_done) /* nobody judges its answer now (a TAKEN may have been lost) */
            send_bare(f->m, p->owner, COLLECT_FWD_CANCEL, p->id);
        fail(f, p, p->taken ? MH_ETIMEDOUT : MH_EPERM, p->taken ? FEP_TIMEOUT : FEP_OFFLINE);
    }
}

/* A free slot and a new id for a request to owner, or NULL (MH_ECLOSED, MH_EPERM, MH_EBUSY in *rc). */
static struct fwd_pending *slot(struct serve_fwd *f, uint32_t owner, int *rc)
{
    *rc = f->stopping ? MH_ECLOSED
          : owner >= f->m->n || owner == f->m->self ? MH_EPERM
          : f->n_pending >= FWD_PENDING_MAX         ? MH_EBUSY
                                                    : 0;
    if (*rc != 0)
        return NULL;
    uint32_t id;
    do
        id = ++f->next_id;
    while (id == 0 || f->pending[id % FWD_PENDING_MAX].id != 0);
    struct fwd_pending *p = &f->pending[id % FWD_PENDING_MAX];
    *p = (struct fwd_pending){.id = id, .owner = (uint16_t)owner, .deadline_ms = mono_ms() + FWD_TAKE_MS};
    return p;
}

/* Send msg (for p) to p's owner; on failure p is freed again. */
static int launch(struct serve_fwd *f, struct fwd_pending *p, struct collect_fwd_msg *msg)
{
    msg->from = f->m->self;
    msg->id = p->id;
    msg->deadline_ms = p->deadline_ms;
    int rc = send_msg(f->m, p->owner, msg);
    if (rc != 0) { /* the owner's socket is full: it is not reading it */
        memset(p, 0, sizeof *p);
        return rc == MH_EBUSY ? MH_EPERM : rc;
    }
    if (!f->n_pending++)
        uv_timer_start(&f->timer, on_tick, FWD_TICK_MS, FWD_TICK_MS);
    return 0;
}

int serve_fwd_read(void *ctx, uint32_t owner, const struct collect_read *rq,
                   void (*done)(void *done_ctx, const struct collect_read_result *r), void *done_ctx)
{
    struct serve_fwd *f = ctx;
    int rc;
    struct fwd_pending *p = slot(f, owner, &rc);
    if (!p)
        return rc;
    p->done = done;
    p->ctx = done_ctx;
    static struct collect_fwd_msg msg; /* loop thread only */
    memset(&msg, 0, sizeof msg);
    msg.type = COLLECT_FWD_READ;
    msg.rq = *rq;
    rc = launch(f, p, &msg);
    if (rc == 0)
        f->sent++;
    return rc;
}

int64_t serve_fwd_fep(struct serve_fwd *f, uint32_t owner, const char *addr, const struct fep_request *r)
{
    if (!r || !r->done || !addr || strlen(addr) >= FEP_ADDR_MAX)
        return MH_EINVAL;
    if (r->len == 0 || r->len > COLLECT_FWD_FRAME_MAX)
        return MH_EINVAL;
    int rc;
    struct fwd_pending *p = slot(f, owner, &rc);
    if (!p)
        return rc;
    p->fep_done = r->done;
    p->ctx = r->ctx;
    static struct collect_fwd_msg msg; /* loop thread only */
    memset(&msg, 0, sizeof msg);
    msg.type = COLLECT_FWD_FEP;
    msg.fep.prio = (uint8_t)r->prio;
    msg.fep.retries = r->retries;
    msg.fep.timeout_ms = r->timeout_ms;
    memcpy(msg.fep.addr, addr, strlen(addr) + 1);
    msg.fep.frame = r->frame;
    msg.fep.len = r->len;
    uint32_t id = p->id;
    rc = launch(f, p, &msg);
    if (rc != 0)
        return rc == MH_EPERM ? MH_ENOENT : rc; /* as the fep says of a terminal it does not reach */
    f->fep_sent++;
    return id;
}

int serve_fwd_cancel(struct serve_fwd *f, uint32_t id)
{
    struct fwd_pending *p = &f->pending[id % FWD_PENDING_MAX];
    if (!id || p->id != id || !p->fep_done)
        return MH_ENOENT;
    send_bare(f->m, p->owner, COLLECT_FWD_CANCEL, id); /* lost: the owner's own timeouts end it */
    fail(f, p, MH_ECLOSED, FEP_CANCELLED);
    return 0;
}

/* An answer to one of ours: TAKEN, RESULT, FEP_RESULT. */
static void answered(struct serve_fwd *f, const struct collect_fwd_msg *msg)
{
    struct fwd_pending *q = &f->pending[msg->id % FWD_PENDING_MAX];
    if (!q->id || q->id != msg->id || q->owner != msg->from ||
        (msg->type == COLLECT_FWD_RESULT && q->fep_done) ||
        (msg->type == COLLECT_FWD_FEP_RESULT && !q->fep_done))
        return; /* expired already, or not what was asked */
    if (msg->type == COLLECT_FWD_TAKEN) {
        q->taken = 1;
        q->deadline_ms = mono_ms() + FWD_RUN_MS;
        return;
    }
    f->answered++;
    if (msg->type == COLLECT_FWD_RESULT) {
        finish(f, q, &msg->res, 0, NULL);
        return;
    }
    const struct collect_fwd_reply *y = &msg->reply;
    if (y->status < 0) {
        /* The owner's fep did not queue it (not online there, queue full): never sent. */
        mh_warn(MOD, "forwarded request %u: worker %u did not send it: %s", msg->id, msg->from,
                mh_strerror(y->status));
        fail(f, q, y->status, FEP_OFFLINE);
        return;
    }
    /* wire_ms stays 0 (unknown): a command's steps do not report the device's share of their time. */
    struct fep_reply rep = {y->bytes, y->ends, y->n_frames, y->rtt_ms, 0};
    finish(f, q, NULL, y->status, &rep);
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

static void serve_read(struct serve_fwd *f, struct collect_fwd_msg *msg)
{
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

/* A fep's answer to a request run for another worker, or its refusal (status < 0, r NULL). */
static void fep_answer(struct serve_fwd *f, uint16_t to, uint32_t id, int status, const struct fep_reply *r)
{
    static struct collect_fwd_msg msg; /* loop thread only */
    memset(&msg, 0, sizeof msg);
    msg.type = COLLECT_FWD_FEP_RESULT;
    msg.from = f->m->self;
    msg.id = id;
    msg.reply.status = status;
    if (status == FEP_DONE && r) {
        size_t len = r->n_frames ? r->ends[r->n_frames - 1] : 0;
        if (r->n_frames > COLLECT_FWD_REPLY_FRAMES_MAX || len > COLLECT_FWD_REPLY_MAX) {
            /* Larger than a message carries: as the fep says of a reply over its reply_max. */
            mh_warn(MOD, "forwarded request %u: a reply of %u frames, %zu bytes, is too large to return",
                    id, r->n_frames, len);
            msg.reply.status = FEP_DECODE;
        } else {
            msg.reply.rtt_ms = r->rtt_ms;
            msg.reply.n_frames = (uint16_t)r->n_frames;
            if (r->n_frames)
                memcpy(msg.reply.ends, r->ends, r->n_frames * sizeof r->ends[0]);
            msg.reply.bytes = r->bytes;
        }
    }
    int rc = send_msg(f->m, to, &msg);
    if (rc != 0)
        mh_warn(MOD, "forwarded request %u: answer not sent to worker %u: %s", id, to, mh_strerror(rc));
}

static void fep_served_done(void *ctx, enum fep_status st, const struct fep_reply *r)
{
    struct fwd_fep_served *s = ctx;
    struct serve_fwd *f = s->f;
    for (struct fwd_fep_served **pp = &f->fep_served; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    if (!s->cancelled)
        fep_answer(f, s->to, s->id, (int)st, r);
    free(s);
}

static void serve_fep(struct serve_fwd *f, const struct collect_fwd_msg *msg)
{
    struct fwd_fep_served *s = malloc(sizeof *s);
    if (!s) {
        fep_answer(f, msg->from, msg->id, MH_ENOMEM, NULL);
        return;
    }
    *s = (struct fwd_fep_served){.f = f, .to = msg->from, .id = msg->id};
    struct fep_request req = {(enum fep_prio)msg->fep.prio, msg->fep.frame, msg->fep.len,
                              msg->fep.timeout_ms, msg->fep.retries, fep_served_done, s};
    int64_t id = fep_request_submit(f->fep, msg->fep.addr, &req);
    if (id < 0) {
        free(s);
        fep_answer(f, msg->from, msg->id, (int)id, NULL);
        return;
    }
    s->fep_id = id;
    s->next = f->fep_served;
    f->fep_served = s;
    f->fep_served_n++;
    send_bare(f->m, msg->from, COLLECT_FWD_TAKEN, msg->id); /* lost: the asker's deadline answers */
}

/*
 * Cancel what this fep runs for worker from (id, or every one with id 0);
 * answer: tell the asker (FEP_CANCELLED), else it has given them up.
 */
static void cancel_served(struct serve_fwd *f, uint16_t from, uint32_t id, int answer)
{
    for (struct fwd_fep_served *s = f->fep_served, *next; s; s = next) {
        next = s->next;
        if (s->to != from || (id && s->id != id))
            continue;
        s->cancelled = !answer;
        fep_request_cancel(f->fep, s->fep_id); /* fep_served_done runs now, and frees s */
    }
}

/* Worker k has started: what its predecessor took is lost, and what it asked nobody waits for. */
static void hello(struct serve_fwd *f, uint16_t k)
{
    for (unsigned i = 0; i < FWD_PENDING_MAX && f->n_pending; i++) {
        struct fwd_pending *p = &f->pending[i];
        if (!p->id || p->owner != k || !p->taken)
            continue;
        f->lost++;
        mh_warn(MOD, "forwarded %s %u: worker %u restarted before answering it",
                p->fep_done ? "request" : "read", p->id, k);
        fail(f, p, MH_ECLOSED, FEP_OFFLINE);
    }
    cancel_served(f, k, 0, 0);
}

/* ---- both ---- */

void serve_fwd_input(void *ctx, const uint8_t *p, size_t n)
{
    struct serve_fwd *f = ctx;
    static struct collect_fwd_msg msg; /* loop thread only */
    int rc = collect_fwd_decode(p, n, &msg);
    if (rc != 0 || msg.from >= f->m->n || msg.from == f->m->self) {
        mh_warn(MOD, "mesh: a malformed message between workers dropped (%zu bytes): %s", n,
                mh_strerror(rc ? rc : MH_EPROTO));
        return;
    }
    switch (msg.type) {
    case COLLECT_FWD_READ:
    case COLLECT_FWD_FEP:
        if (mono_ms() > msg.deadline_ms || f->stopping || (msg.type == COLLECT_FWD_READ ? !f->c : !f->fep)) {
            f->dropped++; /* its asker gave up on it already */
            return;
        }
        if (msg.type == COLLECT_FWD_READ)
            serve_read(f, &msg);
        else
            serve_fep(f, &msg);
        return;
    case COLLECT_FWD_CANCEL:
        cancel_served(f, msg.from, msg.id, 0);
        return;
    case COLLECT_FWD_HELLO:
        hello(f, msg.from);
        return;
    default:
        answered(f, &msg);
        return;
    }
}

/* A start for request ids that a predecessor's answers are unlikely to meet (splitmix64). */
static uint32_t first_id(void)
{
    uint64_t z = ((uint64_t)getpid() << 32 | (mono_ms() & 0xffffffffu)) + 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (uint32_t)(z ^ (z >> 31));
}

int serve_fwd_new(uv_loop_t *loop, const struct serve_mesh *m, struct serve_fwd **out)
{
    struct serve_fwd *f = calloc(1, sizeof *f);
    if (!f)
        return MH_ENOMEM;
    f->m = m;
    f->next_id = first_id();
    uv_timer_init(loop, &f->timer);
    f->timer.data = f;
    /* Before this process reads its socket, so before any TAKEN of it (the comment at the top). */
    for (unsigned k = 0; k < m->n; k++)
        if (k != m->self)
            send_bare(m, k, COLLECT_FWD_HELLO, 0); /* a worker down now reads it when it starts */
    *out = f;
    return 0;
}

void serve_fwd_set_collect(struct serve_fwd *f, struct collect *c)
{
    f->c = c;
}

void serve_fwd_set_fep(struct serve_fwd *f, struct fep *fep)
{
    f->fep = fep;
}

int64_t serve_fwd_submit(void *ctx, int64_t terminal, const char *addr, const struct fep_request *r)
{
    struct serve_fwd *f = ctx;
    if (!f->c || collect_holds(f->c, terminal))
        return fep_request_submit(f->fep, addr, r);
    if (f->stopping)
        return MH_ECLOSED;
    int64_t id = serve_fwd_fep(f, collect_owner(terminal, f->m->n), addr, r);
    return id > 0 ? SERVE_FWD_REMOTE | id : id;
}

int serve_fwd_route_cancel(void *ctx, int64_t id)
{
    struct serve_fwd *f = ctx;
    if (id & SERVE_FWD_REMOTE)
        return serve_fwd_cancel(f, (uint32_t)(id & ~SERVE_FWD_REMOTE));
    return fep_request_cancel(f->fep, id);
}

static void fwd_closed(uv_handle_t *h)
{
    free(h->data);
}

void serve_fwd_stop(struct serve_fwd *f)
{
    if (!f)
        return;
    f->stopping = 1;
    for (unsigned i = 0; i < FWD_PENDING_MAX; i++) {
        struct fwd_pending *p = &f->pending[i];
        if (!p->id)
            continue;
        if (p->fep_done)
            send_bare(f->m, p->owner, COLLECT_FWD_CANCEL, p->id);
        fail(f, p, MH_ECLOSED, FEP_CANCELLED);
    }
    for (unsigned k = 0; k < f->m->n; k++)
        if (k != f->m->self)
            cancel_served(f, (uint16_t)k, 0, 1); /* their askers get FEP_CANCELLED */
    mh_info(MOD, "mesh: %llu reads and %llu requests forwarded (%llu answered, %llu expired, %llu lost "
                 "with a restarted worker); %llu reads and %llu requests run for others, %llu too late",
            (unsigned long long)f->sent, (unsigned long long)f->fep_sent,
            (unsigned long long)f->answered, (unsigned long long)f->expired,
            (unsigned long long)f->lost, (unsigned long long)f->served,
            (unsigned long long)f->fep_served_n, (unsigned long long)f->dropped);
    uv_close((uv_handle_t *)&f->timer, fwd_closed);
}
