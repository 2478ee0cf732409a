/*
 * serve --procs N: a parent supervising N front-end workers.
 *
 * One process may hold only RLIMIT_NOFILE descriptors (20,000 on our build
 * machines), one per terminal connection, so a station with more
 * terminals runs several front ends (ARCHITECTURE.md "Processes, threads and
 * scale"). The parent does what must happen once: it opens the store
 * (migrating it), imports the archive, learns the port, and makes the mesh
 * (serve_mesh.c); it then closes the store, holds no terminal and forks
 * the workers. Each worker is serve_run on its partition of the terminals
 * (collect_owner of the archive id mod N): it listens on the shared port
 * (SO_REUSEPORT), collects only its own terminals and counts only their
 * never-online meters, and hands the others' logins to their owners.
 * Worker 0 alone serves the API (reads from the shared store; on-demand
 * reads of another worker's terminals are forwarded to it, serve_fwd.c),
 * runs the command engine (its requests for another worker's terminals
 * are forwarded likewise), settles prepaid accounts, runs plans by the
 * clock, analyses rounds and writes day exports, so that none happens N
 * times.
 *
 * The parent restarts a worker that dies (killed, crashed) after a delay
 * doubling from 500 ms to 30 s, reset once a worker has run a minute; the
 * new worker opens the store again, listens, and its terminals (which lost
 * their connection with the old one) dial in and land on it. SIGTERM or
 * SIGINT to the parent stops every worker with SIGTERM (each closes its
 * round and commits what it queued) and waits for them; a worker still
 * running after STOP_WAIT_S is killed. A worker whose parent dies gets
 * SIGTERM (PR_SET_PDEATHSIG). With --once the parent returns when every
 * worker has finished its round.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/store.h"
#include "serve.h"
#include "serve_procs.h"

#define MOD "serve"
#define BACKOFF_MIN_MS 500u
#define BACKOFF_MAX_MS 30000u
#define HEALTHY_MS 60000u /* a worker that ran this long starts its backoff over */
#define STOP_WAIT_S 90

struct worker {
    pid_t pid; /* 0: not running */
    uint64_t started_ms, restart_at_ms;
    uint32_t delay_ms;
    int done;   /* with once: finished its round (exit 0) */
    int failed; /* with once: exited non-zero by itself (not restarted) */
    unsigned restarts;
};

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * Port 0 asks for any free port: every worker must listen on the same one,
 * so the parent binds it first (SO_REUSEPORT, as the workers will) and keeps
 * the bound, never listening socket, which reserves the port and takes no
 * connections. Returns that descriptor, -1 on error (logged).
 */
static int reserve_port(struct serve_opts *o)
{
    char service[8];
    snprintf(service, sizeof service, "%u", o->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(o->host ? o->host : "0.0.0.0", service, &hints, &ai);
    if (rc != 0) {
        fprintf(stderr, "meterhub: listen address %s: %s\n", o->host ? o->host : "0.0.0.0",
                gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        fprintf(stderr, "meterhub: cannot bind %s:%u: %s\n", o->host ? o->host : "0.0.0.0", o->port,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    o->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

/* The parent's once-only work on the store: migrated, the archive imported. */
static int prepare_store(struct serve_opts *o)
{
    char err[512] = "";
    struct store *st = NULL;
    if (store_open(o->db, NULL, &st, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub: %s\n", err);
        return -1;
    }
    int rc = o->archive ? serve_import_archive(st, o->archive) : 0;
    store_close(st);
    return rc == 0 ? 0 : -1;
}

/* In the child: become worker i and never return. */
static void worker_main(struct serve_opts *o, struct serve_mesh *m, unsigned i, const sigset_t *old,
                        int hold_fd, pid_t parent)
{
    /* A parent gone (killed) takes its workers with it: no orphan holds the port. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(1);
    sigprocmask(SIG_SETMASK, old, NULL);
    if (hold_fd >= 0)
        close(hold_fd);
    for (unsigned j = 0; j < m->n; j++)
        if (j != i) {
            close(m->rx[j]);
            m->rx[j] = -1;
        }
    m->self = (uint16_t)i;
    o->mesh = m;
    o->archive = NULL; /* imported by the parent */
    o->collect.part_n = m->n;
    o->collect.part_i = (uint16_t)i;
    if (i != 0) {
        /* Worker 0's tasks: the API, prepaid settlement, the round's analysis. */
        o->api_port_set = 0;
        o->analyze_history = 0;
        o->no_settle = 1;
        o->exchange.export_dir = NULL; /* one writer of a day's export files */
    }
    int rc = serve_run(o);
    if (rc == 0 && o->once) {
        printf("worker %u: ", i);
        serve_print_round(o);
    }
    fflush(stdout);
    fflush(stderr);
    _exit(rc);
}

static int spawn(struct serve_opts *o, struct serve_mesh *m, struct worker *w, unsigned i,
                 const sigset_t *old, int hold_fd)
{
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) {
        mh_error(MOD, "fork of worker %u: %s", i, strerror(errno));
        return -1;
    }
    if (pid == 0)
        worker_main(o, m, i, old, hold_fd, parent);
    w->pid = pid;
    w->started_ms = mono_ms();
    mh_info(MOD, "worker %u started (pid %ld)", i, (long)pid);
    return 0;
}

/* A worker ended: done, failed or to be restarted. */
static void reaped(const struct serve_opts *o, struct worker *w, unsigned i, int status,
                   int stopping)
{
    uint64_t now = mono_ms();
    w->pid = 0;
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (stopping) {
        w->failed = code != 0;
        return;
    }
    if (o->once && code == 0) {
        w->done = 1;
        mh_info(MOD, "worker %u finished its round", i);
        return;
    }
    if (o->once && code > 0) {
        w->failed = 1; /* its own failure (store, port): restarting would fail alike */
        mh_error(MOD, "worker %u failed (exit %d)", i, code);
        return;
    }
    if (now - w->started_ms >= HEALTHY_MS)
        w->delay_ms = 0;
    w->delay_ms = w->delay_ms
                      ? (w->delay_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : w->delay_ms * 2)
                      : BACKOFF_MIN_MS;
    w->restart_at_ms = now + w->delay_ms;
    if (sig)
        mh_warn(MOD, "worker %u died (signal %d); restarting in %u ms", i, sig, w->delay_ms);
    else
        mh_warn(MOD, "worker %u exited (status %d); restarting in %u ms", i, code, w->delay_ms);
}

/* Wait for every worker to end, killing those still running at the deadline. */
static void stop_all(const struct serve_opts *o, struct worker *w, unsigned n, int sig)
{
    for (unsigned i = 0; i < n; i++)
        if (w[i].pid)
            kill(w[i].pid, sig);
    uint64_t deadline = mono_ms() + STOP_WAIT_S * 1000u;
    for (;;) {
        unsigned left = 0;
        for (unsigned i = 0; i < n; i++)
            left += w[i].pid != 0;
        if (!left)
            return;
        int status;
        pid_t p = waitpid(-1, &status, WNOHANG);
        if (p > 0) {
            for (unsigned i = 0; i < n; i++)
                if (w[i].pid == p)
                    reaped(o, &w[i], i, status, 1);
            continue;
        }
        if (mono_ms() >= deadline) {
            for (unsigned i = 0; i < n; i++)
                if (w[i].pid) {
                    mh_warn(MOD, "worker %u still running after %d s: killed", i, STOP_WAIT_S);
                    kill(w[i].pid, SIGKILL);
                }
            deadline = UINT64_MAX;
        }
        usleep(20000);
    }
}

int serve_procs_run(struct serve_opts *o)
{
    unsigned n = o->procs;
    if (prepare_store(o) != 0)
        return 1;
    int hold_fd = -1;
    if (o->port == 0 && (hold_fd = reserve_port(o)) < 0)
        return 1;
    struct serve_mesh *m = calloc(1, sizeof *m);
    struct worker *w = calloc(n, sizeof *w);
    if (!m || !w || serve_mesh_make(m, n) != 0) {
        free(m);
        free(w);
        if (hold_fd >= 0)
            close(hold_fd);
        return 1;
    }
    mh_info(MOD, "listening on %s:%u, store %s, %u processes", o->host ? o->host : "0.0.0.0",
            o->port, o->db, n);
    signal(SIGPIPE, SIG_IGN);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, &old);
    int failed = 0, stop_sig = 0;
    for (unsigned i = 0; i < n && !failed; i++)
        failed = spawn(o, m, &w[i], i, &old, hold_fd) != 0;
    while (!failed && !stop_sig) {
        int status;
        pid_t p;
        while ((p = waitpid(-1, &status, WNOHANG)) > 0)
            for (unsigned i = 0; i < n; i++)
                if (w[i].pid == p)
                    reaped(o, &w[i], i, status, 0);
        uint64_t now = mono_ms(), next = now + 1000;
        unsigned finished = 0;
        for (unsigned i = 0; i < n; i++) {
            finished += w[i].done || w[i].failed;
            failed |= w[i].failed;
            if (w[i].pid || w[i].done || w[i].failed)
                continue;
            if (now >= w[i].restart_at_ms) {
                w[i].restarts++;
                if (spawn(o, m, &w[i], i, &old, hold_fd) != 0)
                    w[i].restart_at_ms = now + BACKOFF_MAX_MS;
            } else if (w[i].restart_at_ms < next)
                next = w[i].restart_at_ms;
        }
        if (finished == n)
            break;
        struct timespec ts = {.tv_sec = (time_t)((next - now) / 1000),
                              .tv_nsec = (long)((next - now) % 1000) * 1000000L};
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT) {
            mh_info(MOD, "signal %d: stopping %u workers", sig, n);
            stop_sig = sig;
        }
    }
    stop_all(o, w, n, SIGTERM);
    for (unsigned i = 0; i < n; i++)
        failed |= w[i].failed;
    unsigned restarts = 0;
    for (unsigned i = 0; i < n; i++)
        restarts += w[i].restarts;
    mh_info(MOD, "stopped: %u workers, %u restarts", n, restarts);
    sigprocmask(SIG_SETMASK, &old, NULL);
    serve_mesh_close(m);
    if (hold_fd >= 0)
        close(hold_fd);
    free(m);
    free(w);
    return failed;
}
