/*
 * The front-end processes' mesh (serve --procs N): how a worker hands a
 * terminal's connection to the worker that owns it.
 *
 * Every worker listens on the station's port with SO_REUSEPORT, so the
 * kernel spreads connections over them whoever the terminal is; the owner
 * of a terminal (collect_owner of its archive id) is known only once its
 * login has been read. The worker that read the login sends the socket
 * (SCM_RIGHTS, unix(7)) and the bytes it read from the login frame on to
 * the owner, which adopts the connection and answers the login itself.
 * A terminal therefore always ends up on one process whichever process
 * accepted it, and a second login of the same address always meets the
 * first within that process (which replaces the old connection, fep.h).
 *
 * Transport: one AF_UNIX datagram socketpair per worker, made by the parent
 * before it forks. Worker i reads end [0] of pair i; every worker writes
 * to end [1] of the owner's pair. A datagram keeps the bytes and the
 * descriptor together in one message. The parent keeps every end open, so
 * a worker restarted after a crash finds the same mesh, and what was sent
 * to it while it was down is waiting in its socket (the terminals still
 * waiting for their login's answer are answered by the new worker).
 *
 * A datagram without a descriptor is a message between the workers
 * themselves: an on-demand read forwarded to a terminal's owner and its
 * answer (serve_fwd.c), given to the receiver's on_msg.
 *
 * Sending never blocks the loop: when the owner's socket is full (it is
 * slow, or down and not yet restarted, MESH_SOCKBUF holding some thousands
 * of logins) the handoff fails at once and the connection is cut; the
 * terminal dials again, as after any lost login. Waiting instead would
 * stall every other terminal of the sending worker.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "serve_procs.h"

#define MOD "serve"
#define MESH_SOCKBUF (4 * 1024 * 1024)
/* A login frame and what followed it in the same read: at most one read buffer. */
#define MESH_MSG_MAX CHAN_READ_BUFFER

struct serve_mesh_rx {
    uv_poll_t poll;
    const struct serve_mesh *m;
    struct chan_tcp_listener *l;
    uint8_t *buf;
    uint64_t received, refused;
    void (*on_msg)(void *ctx, const uint8_t *p, size_t n);
    void *msg_ctx;
};

static void sockbuf(int fd, int opt_force, int opt)
{
    int v = MESH_SOCKBUF;
    /* The force variant needs CAP_NET_ADMIN; without it the system's cap applies. */
    if (setsockopt(fd, SOL_SOCKET, opt_force, &v, sizeof v) != 0)
        setsockopt(fd, SOL_SOCKET, opt, &v, sizeof v);
}

int serve_mesh_make(struct serve_mesh *m, unsigned n)
{
    memset(m, 0, sizeof *m);
    for (unsigned i = 0; i < SERVE_PROCS_MAX; i++)
        m->rx[i] = m->tx[i] = -1;
    if (n < 2 || n > SERVE_PROCS_MAX)
        return MH_EINVAL;
    m->n = (uint16_t)n;
    for (unsigned i = 0; i < n; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
            int e = errno;
            mh_error(MOD, "mesh socketpair: %s", strerror(e));
            serve_mesh_close(m);
            return MH_EIO;
        }
        m->rx[i] = sv[0];
        m->tx[i] = sv[1];
        sockbuf(sv[0], SO_RCVBUFFORCE, SO_RCVBUF);
        sockbuf(sv[1], SO_SNDBUFFORCE, SO_SNDBUF);
    }
    return 0;
}

void serve_mesh_close(struct serve_mesh *m)
{
    for (unsigned i = 0; i < SERVE_PROCS_MAX; i++) {
        if (m->rx[i] >= 0)
            close(m->rx[i]);
        if (m->tx[i] >= 0)
            close(m->tx[i]);
        m->rx[i] = m->tx[i] = -1;
    }
}

/* One datagram to worker to, with descriptor fd in its control data when fd >= 0. */
static int send_one(const struct serve_mesh *m, unsigned to, int fd, const uint8_t *p, size_t n)
{
    if (to >= m->n || to == m->self || n == 0 || n > MESH_MSG_MAX)
        return MH_EINVAL;
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int))];
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct iovec iov = {.iov_base = (void *)p, .iov_len = n};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = ctl.space,
                         .msg_controllen = sizeof ctl.space};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    if (fd < 0) {
        msg.msg_control = NULL;
        msg.msg_controllen = 0;
    }
    for (;;) {
        if (sendmsg(m->tx[to], &msg, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)n)
            return 0;
        if (errno != EINTR)
            return errno == EAGAIN || errno == EWOULDBLOCK ? MH_EBUSY : MH_EIO;
    }
}

int serve_mesh_send(const struct serve_mesh *m, unsigned owner, int fd, const uint8_t *p, size_t n)
{
    return fd < 0 ? MH_EINVAL : send_one(m, owner, fd, p, n);
}

int serve_mesh_send_msg(const struct serve_mesh *m, unsigned to, const uint8_t *p, size_t n)
{
    return send_one(m, to, -1, p, n);
}

/* One message: the bytes, and the descriptor in its control data (none: dropped). */
static int recv_one(struct serve_mesh_rx *r)
{
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct iovec iov = {.iov_base = r->buf, .iov_len = MESH_MSG_MAX};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = ctl.space,
                         .msg_controllen = sizeof ctl.space};
    ssize_t got = recvmsg(r->m->rx[r->m->self], &msg, MSG_CMSG_CLOEXEC);
    if (got < 0)
        return errno == EINTR ? 1 : 0;
    int fd = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int)))
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
    if (fd < 0 && got > 0 && !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) && r->on_msg) {
        r->on_msg(r->msg_ctx, r->buf, (size_t)got); /* no descriptor: a message (serve_fwd.c) */
        return 1;
    }
    if (fd < 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || got == 0) {
        if (fd >= 0)
            close(fd);
        r->refused++;
        mh_warn(MOD, "mesh: a malformed handoff dropped (%zd bytes)", got);
        return 1;
    }
    r->received++;
    int rc = chan_tcp_adopt(r->l, fd, r->buf, (size_t)got); /* fd is the listener's now */
    if (rc != 0 && rc != MH_ECLOSED)
        mh_warn(MOD, "mesh: a handed connection not taken over: %s", mh_strerror(rc));
    return 1;
}

static void on_readable(uv_poll_t *h, int status, int events)
{
    struct serve_mesh_rx *r = h->data;
    (void)events;
    if (status < 0)
        return;
    /* Bounded per wake-up, so a flood of handoffs shares the loop with the terminals. */
    for (int k = 0; k < 256 && recv_one(r); k++)
        ;
}

int serve_mesh_listen(uv_loop_t *loop, const struct serve_mesh *m, struct chan_tcp_listener *l,
                      void (*on_msg)(void *ctx, const uint8_t *p, size_t n), void *msg_ctx,
                      struct serve_mesh_rx **out)
{
    struct serve_mesh_rx *r = calloc(1, sizeof *r);
    if (!r || !(r->buf = malloc(MESH_MSG_MAX))) {
        free(r);
        return MH_ENOMEM;
    }
    r->m = m;
    r->l = l;
    r->on_msg = on_msg;
    r->msg_ctx = msg_ctx;
    if (uv_poll_init(loop, &r->poll, m->rx[m->self]) != 0) {
        free(r->buf);
        free(r);
        return MH_EIO;
    }
    r->poll.data = r;
    uv_poll_start(&r->poll, UV_READABLE, on_readable);
    *out = r;
    return 0;
}

static void rx_closed(uv_handle_t *h)
{
    struct serve_mesh_rx *r = h->data;
    free(r->buf);
    free(r);
}

void serve_mesh_stop(struct serve_mesh_rx *r)
{
    if (!r)
        return;
    mh_info(MOD, "mesh: %llu connections taken over from other processes, %llu malformed",
            (unsigned long long)r->received, (unsigned long long)r->refused);
    uv_close((uv_handle_t *)&r->poll, rx_closed);
}
