/*
 * The simulator's network driver against a real loopback server: terminals
 * connect and log in, answer requests, and the scenario's faults are
 * injected (total loss, terminals that never log in). A toy protocol keeps
 * the test about the network: frames are 68 <len> <payload> 16.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "sim_net.h"

static int toy_scan(const uint8_t *buf, size_t len, struct mh_frame_span *out)
{
    size_t off = 0;
    while (off < len && buf[off] != 0x68)
        off++;
    out->off = off;
    out->len = 0;
    if (len - off < 3)
        return 0;
    size_t flen = 3 + (size_t)buf[off + 1];
    if (len - off < flen)
        return 0;
    out->len = flen;
    return buf[off + flen - 1] == 0x16 ? 1 : MH_EBADEND;
}

static void toy_frame(struct mh_wr *w, char what)
{
    mh_wr_u8(w, 0x68);
    mh_wr_u8(w, 1);
    mh_wr_u8(w, (uint8_t)what);
    mh_wr_u8(w, 0x16);
}

static void toy_login(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now, struct mh_wr *w)
{
    (void)s, (void)t, (void)seq, (void)now;
    toy_frame(w, 'L');
}

static void toy_heartbeat(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now, struct mh_wr *w)
{
    (void)s, (void)t, (void)seq, (void)now;
    toy_frame(w, 'H');
}

static void toy_on_frame(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq,
                         const uint8_t *frame, size_t len, int64_t now, struct sim_emit *em)
{
    (void)s, (void)t, (void)seq, (void)now;
    if (len == 4 && frame[2] == 'R') {
        const uint8_t answer[] = {0x68, 1, 'A', 0x16};
        sim_emit_frame(em, answer, sizeof answer);
    }
}

static const struct sim_behaviour toy = {"toy", toy_scan, toy_login, toy_heartbeat, toy_on_frame, NULL, NULL};

static const struct sim_behaviour *toy_for(const struct sim_terminal *t)
{
    (void)t;
    return &toy;
}

/* A tiny master: accepts, counts logins, sends one request per login, counts answers. */
struct master {
    int fd, port;
    volatile int stop;
    int connections, logins, answers;
    pthread_t thread;
};

static void *master_main(void *arg)
{
    struct master *m = arg;
    struct pollfd p[256];
    int n = 1;
    p[0].fd = m->fd;
    p[0].events = POLLIN;
    while (!m->stop) {
        if (poll(p, (nfds_t)n, 50) <= 0)
            continue;
        if ((p[0].revents & POLLIN) && n < 256) {
            int c = accept(m->fd, NULL, NULL);
            if (c >= 0) {
                p[n].fd = c;
                p[n].events = POLLIN;
                p[n].revents = 0; /* not polled yet this round */
                n++;
                m->connections++;
            }
        }
        for (int i = 1; i < n; i++) {
            if (!(p[i].revents & POLLIN))
                continue;
            uint8_t buf[512];
            ssize_t r = read(p[i].fd, buf, sizeof buf);
            for (ssize_t k = 0; k + 3 < r; k++) {
                if (buf[k] != 0x68 || buf[k + 1] != 1 || buf[k + 3] != 0x16)
                    continue;
                if (buf[k + 2] == 'L') {
                    m->logins++;
                    const uint8_t req[] = {0x68, 1, 'R', 0x16};
                    ssize_t w = write(p[i].fd, req, sizeof req);
                    (void)w;
                } else if (buf[k + 2] == 'A') {
                    m->answers++;
                }
            }
        }
    }
    for (int i = 0; i < n; i++)
        close(p[i].fd);
    return NULL;
}

static void master_start(struct master *m)
{
    memset(m, 0, sizeof *m);
    m->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(m->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(m->fd, 128), 0);
    socklen_t al = sizeof a;
    getsockname(m->fd, (struct sockaddr *)&a, &al);
    m->port = ntohs(a.sin_port);
    pthread_create(&m->thread, NULL, master_main, m);
}

static void master_stop(struct master *m)
{
    m->stop = 1;
    pthread_join(m->thread, NULL);
}

static struct scenario *scenario_with(const char *faults)
{
    char json[512], err[256];
    snprintf(json, sizeof json,
             "{\"seed\":3,\"start\":\"2026-11-01\",\"heartbeat_s\":10,"
             "\"populations\":[{\"kind\":\"dtu\",\"count\":20}]%s%s}",
             faults ? ",\"faults\":" : "", faults ? faults : "");
    struct scenario *s = NULL;
    if (scenario_parse(json, &s, err, sizeof err) != 0)
        fail_msg("%s", err);
    return s;
}

static void run(struct scenario *s, struct master *m, struct sim_net_counters *c)
{
    struct sim_net_opts o = {"127.0.0.1", m->port, 0, 1, 0, 2, 0, toy_for};
    assert_int_equal(sim_net_run(s, &o, c), 0);
}

static void test_terminals_connect_log_in_and_answer(void **state)
{
    (void)state;
    struct master m;
    master_start(&m);
    struct scenario *s = scenario_with(NULL);
    struct sim_net_counters c;
    run(s, &m, &c);
    master_stop(&m);
    assert_int_equal(c.terminals, 20);
    assert_int_equal(c.connects, 20);
    assert_int_equal(c.logins, 20);
    assert_int_equal(m.logins, 20);
    assert_int_equal(m.answers, 20);
    assert_int_equal(c.frames_in, 20);
    scenario_free(s);
}

static void test_total_loss_drops_every_frame(void **state)
{
    (void)state;
    struct master m;
    master_start(&m);
    struct scenario *s = scenario_with("{\"loss_permille\":1000}");
    struct sim_net_counters c;
    run(s, &m, &c);
    master_stop(&m);
    assert_int_equal(m.connections, 20);
    assert_int_equal(m.logins, 0);
    assert_int_equal(c.dropped, 20);
    scenario_free(s);
}

static void test_silent_terminals_never_log_in(void **state)
{
    (void)state;
    struct master m;
    master_start(&m);
    struct scenario *s = scenario_with("{\"never_login_permille\":1000}");
    struct sim_net_counters c;
    run(s, &m, &c);
    master_stop(&m);
    assert_int_equal(m.connections, 20);
    assert_int_equal(m.logins, 0);
    assert_int_equal(c.logins, 0);
    scenario_free(s);
}

static void test_ranks_split_the_terminals(void **state)
{
    (void)state;
    struct master m;
    master_start(&m);
    struct scenario *s = scenario_with(NULL);
    struct sim_net_counters c0, c1;
    struct sim_net_opts o = {"127.0.0.1", m.port, 0, 3, 0, 1, 0, toy_for};
    assert_int_equal(sim_net_run(s, &o, &c0), 0);
    o.rank = 2;
    assert_int_equal(sim_net_run(s, &o, &c1), 0);
    master_stop(&m);
    assert_int_equal(c0.terminals, 7); /* 0, 3, ..., 18 */
    assert_int_equal(c1.terminals, 6); /* 2, 5, ..., 17 */
    o.rank = 3;
    assert_int_equal(sim_net_run(s, &o, &c1), MH_EINVAL);
    scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terminals_connect_log_in_and_answer),
        cmocka_unit_test(test_total_loss_drops_every_frame),
        cmocka_unit_test(test_silent_terminals_never_log_in),
        cmocka_unit_test(test_ranks_split_the_terminals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
