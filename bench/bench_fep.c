/*
 * The front end under load: N loopback terminals (Q/GDW 1376.1) each doing
 * request/response as fast as the master asks, through the fep (framer,
 * classification, PSEQ matching, completion callback, next request
 * submitted) against a bare epoll server that ping-pongs the same bytes
 * (request 20 bytes, reply 26 bytes) without looking at them. Same client
 * process, same frame sizes, alternating rounds; the ratio is
 * fep transactions/s over bare transactions/s (median of the rounds).
 * Then the user-space memory of N logged-in idle terminals (malloc'd bytes
 * in use, per terminal: libuv handles, channel, session, table slots).
 *
 *   bench_fep [terminals [rounds [window_ms]]]     default 1000 3 1500
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/chan.h"
#include "meterhub/fep.h"
#include "meterhub/proto/crc.h"
#include "meterhub/proto/gdw1376.h"

#define LOGIN_LEN 20
#define MAX_TERMS 8000

static unsigned n_terms = 1000;
static atomic_ulong transactions;
static atomic_uint online;
static atomic_int stop_server;
static uint16_t server_port;
static uint8_t request[64];
static size_t request_len;

/* ---- terminals (client side, one epoll thread, no allocation after setup) ---- */

struct term {
    int fd;
    uint16_t rx_len;
    uint8_t rx[256];
    uint8_t reply[26]; /* 8 header/trailer + 8 fixed + p0 F2 (4 + 6) */
    uint8_t login[LOGIN_LEN];
};

static struct term *terms;
static atomic_int stop_clients;

static void term_build(struct term *t, unsigned i)
{
    struct gdw1376_addr a = {0x0200, (uint16_t)(i + 1), 0, 0};
    struct mh_wr w;
    mh_wr_init(&w, t->login, sizeof t->login);
    gdw1376_enc_link(&w, &a, 1, 1);
    static const uint8_t unit[] = {0, 0, 0x02, 0x00, 0x05, 0x04, 0x03, 0x24, 0x11, 0x26};
    mh_wr_init(&w, t->reply, sizeof t->reply);
    gdw1376_frame_encode(&w, 0x88, &a, 0x0C, 0x60, unit, sizeof unit, NULL, 0, NULL, NULL);
}

/* Answer every complete request in the buffer with the reply carrying its PSEQ. */
static void term_input(struct term *t)
{
    for (;;) {
        ssize_t r = recv(t->fd, t->rx + t->rx_len, sizeof t->rx - t->rx_len, MSG_DONTWAIT);
        if (r <= 0)
            return;
        t->rx_len = (uint16_t)(t->rx_len + r);
        size_t pos = 0;
        for (;;) {
            struct mh_frame_span sp;
            int rc = gdw1376_frame_scan(t->rx + pos, t->rx_len - pos, &sp);
            if (rc == 0) {
                pos += sp.off;
                break;
            }
            const uint8_t *f = t->rx + pos + sp.off;
            if (rc == 1 && f[12] == 0x0C) {
                t->reply[13] = (uint8_t)(0x60 | (f[13] & 15));
                t->reply[sizeof t->reply - 2] = mh_sum8(t->reply + 6, sizeof t->reply - 8);
                if (send(t->fd, t->reply, sizeof t->reply, MSG_NOSIGNAL) < 0)
                    return;
            }
            pos += sp.off + sp.len;
        }
        memmove(t->rx, t->rx + pos, t->rx_len - pos);
        t->rx_len = (uint16_t)(t->rx_len - pos);
    }
}

static void *clients_main(void *arg)
{
    (void)arg;
    int ep = epoll_create1(0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(server_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (unsigned i = 0; i < n_terms; i++) {
        struct term *t = &terms[i];
        t->fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(t->fd, (struct sockaddr *)&a, sizeof a) != 0) {
            perror("connect");
            exit(1);
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = t};
        epoll_ctl(ep, EPOLL_CTL_ADD, t->fd, &ev);
        if (send(t->fd, t->login, LOGIN_LEN, MSG_NOSIGNAL) != LOGIN_LEN)
            exit(1);
        t->rx_len = 0;
    }
    struct epoll_event evs[256];
    while (!atomic_load(&stop_clients)) {
        int n = epoll_wait(ep, evs, 256, 10);
        for (int k = 0; k < n; k++)
            term_input(evs[k].data.ptr);
    }
    for (unsigned i = 0; i < n_terms; i++)
        close(terms[i].fd);
    close(ep);
    return NULL;
}

static pthread_t clients_start(void)
{
    pthread_t th;
    atomic_store(&stop_clients, 0);
    pthread_create(&th, NULL, clients_main, NULL);
    return th;
}

static void clients_stop(pthread_t th)
{
    atomic_store(&stop_clients, 1);
    pthread_join(th, NULL);
}

/* ---- baseline: bare epoll ping-pong of the same bytes ---- */

struct bare_conn {
    int fd;
    uint32_t got; /* bytes of the current message */
    uint8_t logged;
};

static int listen_socket(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4096) != 0) {
        perror("listen");
        exit(1);
    }
    getsockname(fd, (struct sockaddr *)&a, &len);
    server_port = ntohs(a.sin_port);
    return fd;
}

static void *bare_main(void *arg)
{
    int lfd = *(int *)arg;
    int ep = epoll_create1(0);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
    struct bare_conn *conns = calloc(n_terms, sizeof *conns);
    unsigned n_conns = 0;
    uint8_t buf[65536];
    struct epoll_event evs[256];
    while (!atomic_load(&stop_server)) {
        int n = epoll_wait(ep, evs, 256, 10);
        for (int k = 0; k < n; k++) {
            struct bare_conn *c = evs[k].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept(lfd, NULL, NULL)) >= 0 && n_conns < n_terms) {
                    fcntl(fd, F_SETFL, O_NONBLOCK);
                    int one = 1;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    c = &conns[n_conns++];
                    c->fd = fd;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            ssize_t r;
            while ((r = recv(c->fd, buf, sizeof buf, 0)) > 0) {
                c->got += (uint32_t)r;
                uint32_t need = c->logged ? 26 : LOGIN_LEN;
                while (c->got >= need) {
                    c->got -= need;
                    if (c->logged) {
                        atomic_fetch_add_explicit(&transactions, 1, memory_order_relaxed);
                    } else {
                        c->logged = 1;
                        atomic_fetch_add(&online, 1);
                    }
                    need = 26;
                    if (send(c->fd, request, request_len, MSG_NOSIGNAL) < 0)
                        break;
                }
            }
        }
    }
    for (unsigned i = 0; i < n_conns; i++)
        close(conns[i].fd);
    free(conns);
    close(ep);
    return NULL;
}

/* ---- subject: the fep ---- */

struct fep_server {
    uv_loop_t loop;
    uv_timer_t tick;
    struct chan_loop *cl;
    struct fep *fep;
    struct chan_tcp_listener *lis;
    int busy; /* 1: keep one request outstanding per terminal */
};

static int bench_lookup(void *ctx, enum fep_proto_id proto, const char *addr, struct fep_terminal_info *info)
{
    (void)ctx;
    (void)proto;
    info->heartbeat_s = 3600;
    info->pw_len = 16;
    return strncmp(addr, "0200", 4) == 0 ? 0 : MH_ENOENT;
}

static struct fep_server *the_server;

static void submit(const char *addr);

static void on_done(void *ctx, enum fep_status st, const struct fep_reply *r)
{
    char *addr = ctx;
    if (st == FEP_DONE && r && r->n_frames == 1)
        atomic_fetch_add_explicit(&transactions, 1, memory_order_relaxed);
    if (st == FEP_DONE && !atomic_load(&stop_server))
        submit(addr);
    else
        free(addr);
}

static void submit(const char *addr)
{
    struct fep_request rq = {FEP_PRIO_SCHEDULED, request, request_len, 0, 0, on_done, (void *)addr};
    if (fep_request_submit(the_server->fep, addr, &rq) <= 0)
        free((void *)addr);
}

static void on_online(void *ctx, const char *addr, enum fep_proto_id proto, const char *peer)
{
    struct fep_server *s = ctx;
    (void)proto;
    (void)peer;
    atomic_fetch_add(&online, 1);
    if (s->busy) {
        size_t n = strlen(addr) + 1;
        char *copy = malloc(n);
        memcpy(copy, addr, n);
        submit(copy);
    }
}

static void on_tick(uv_timer_t *t)
{
    struct fep_server *s = t->data;
    if (atomic_load(&stop_server)) {
        uv_timer_stop(t);
        chan_tcp_listener_close(s->lis, NULL, NULL);
        fep_close(s->fep, NULL, NULL);
        uv_close((uv_handle_t *)t, NULL);
    }
}

static void fep_server_init(struct fep_server *s, int busy)
{
    memset(s, 0, sizeof *s);
    the_server = s;
    s->busy = busy;
    uv_loop_init(&s->loop);
    s->cl = chan_loop_new(&s->loop);
    struct fep_cfg cfg = {.max_fps = 60000, .login_timeout_ms = 60000};
    struct fep_directory dir = {bench_lookup, NULL};
    struct fep_sink sink = {on_online, NULL, NULL, NULL, s};
    fep_new(&s->loop, &cfg, &dir, &sink, &s->fep);
    struct fep_port *port = fep_port_new(s->fep, FEP_PROTO_GDW1376);
    struct chan_tcp_listen_cfg lc = {.host = "127.0.0.1", .backlog = 4096};
    if (chan_tcp_listen(s->cl, &lc, fep_port_events(port), &s->lis) != 0)
        exit(1);
    server_port = chan_tcp_listener_port(s->lis);
    uv_timer_init(&s->loop, &s->tick);
    s->tick.data = s;
    uv_timer_start(&s->tick, on_tick, 10, 10);
}

static void fep_server_release(struct fep_server *s)
{
    chan_loop_free(s->cl);
    uv_loop_close(&s->loop);
}

static void *fep_main(void *arg)
{
    struct fep_server *s = arg;
    uv_run(&s->loop, UV_RUN_DEFAULT);
    return NULL;
}

/* ---- driver ---- */

static void wait_online(void)
{
    uint64_t t0 = bench_now_ns();
    while (atomic_load(&online) < n_terms) {
        if (bench_now_ns() - t0 > 30000000000ull) {
            fprintf(stderr, "bench_fep: only %u of %u terminals logged in\n", atomic_load(&online), n_terms);
            exit(1);
        }
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
}

/* Transactions per second over window_ms once every terminal is online. */
static double run_round(int subject, unsigned window_ms)
{
    atomic_store(&online, 0);
    atomic_store(&stop_server, 0);
    pthread_t srv;
    struct fep_server fs;
    int lfd = -1;
    if (subject) {
        fep_server_init(&fs, 1);
        pthread_create(&srv, NULL, fep_main, &fs);
    } else {
        lfd = listen_socket();
        pthread_create(&srv, NULL, bare_main, &lfd);
    }
    pthread_t cli = clients_start();
    wait_online();
    struct timespec warm = {0, 200000000};
    nanosleep(&warm, NULL);
    unsigned long before = atomic_load(&transactions);
    uint64_t t0 = bench_now_ns();
    struct timespec win = {window_ms / 1000, (long)(window_ms % 1000) * 1000000L};
    nanosleep(&win, NULL);
    unsigned long done = atomic_load(&transactions) - before;
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    atomic_store(&stop_server, 1);
    pthread_join(srv, NULL);
    clients_stop(cli);
    if (subject)
        fep_server_release(&fs);
    else
        close(lfd);
    return (double)done / secs;
}

/* User-space bytes in use per logged-in idle terminal. */
static double idle_memory(void)
{
    atomic_store(&online, 0);
    atomic_store(&stop_server, 0);
    struct fep_server fs;
    fep_server_init(&fs, 0);
    size_t before = mallinfo2().uordblks;
    pthread_t srv;
    pthread_create(&srv, NULL, fep_main, &fs);
    pthread_t cli = clients_start();
    wait_online();
    struct timespec settle = {0, 300000000};
    nanosleep(&settle, NULL);
    size_t after = mallinfo2().uordblks;
    atomic_store(&stop_server, 1);
    pthread_join(srv, NULL);
    clients_stop(cli);
    fep_server_release(&fs);
    return ((double)after - (double)before) / n_terms;
}

int main(int argc, char **argv)
{
    unsigned rounds = 3, window_ms = 1500;
    if (argc > 1)
        n_terms = (unsigned)strtoul(argv[1], NULL, 10);
    if (argc > 2)
        rounds = (unsigned)strtoul(argv[2], NULL, 10);
    if (argc > 3)
        window_ms = (unsigned)strtoul(argv[3], NULL, 10);
    if (n_terms < 1 || n_terms > MAX_TERMS || rounds < 1 || rounds > 20) {
        fprintf(stderr, "usage: bench_fep [terminals(1..%d) [rounds [window_ms]]]\n", MAX_TERMS);
        return 2;
    }
    mh_log_set_level(MH_LOG_WARN);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 2 * n_terms + 64) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    terms = calloc(n_terms, sizeof *terms);
    for (unsigned i = 0; i < n_terms; i++)
        term_build(&terms[i], i);
    struct gdw1376_addr a = {0x0200, 1, 1, 0};
    struct mh_wr w;
    mh_wr_init(&w, request, sizeof request);
    gdw1376_enc_read(&w, &a, 0x0C, 0, 2, NULL, 0, 0, NULL);
    request_len = mh_wr_len(&w);
    double base[20], subj[20], ratio[20];
    for (unsigned r = 0; r < rounds; r++) {
        base[r] = run_round(0, window_ms);
        subj[r] = run_round(1, window_ms);
        ratio[r] = subj[r] / base[r];
    }
    double mb = bench_median(base, rounds), ms = bench_median(subj, rounds), mr = bench_median(ratio, rounds);
    char name[64];
    snprintf(name, sizeof name, "bare_epoll_%u_terminals", n_terms);
    bench_report(name, mb, "transactions/s", -1);
    snprintf(name, sizeof name, "fep_%u_terminals", n_terms);
    bench_report(name, ms, "transactions/s", mr);
    bench_report("fep_frames", ms * 2, "frames/s", mr);
    bench_report("fep_idle_terminal_memory", idle_memory(), "bytes/terminal", -1);
    free(terms);
    return 0;
}
