/*
 * Simulated 1376.1 terminals answering a master over loopback: requests
 * answered per second, against a baseline where the same terminals on the
 * same sim_net loop answer with a canned frame of the same size (an echo:
 * network, framing and fault machinery without the model and the encoders).
 * Rounds alternate baseline and subject; the ratio is of the medians.
 *
 * The master (this thread) keeps one AFN0D F161 request (daily frozen
 * forward energy, one measuring point, the day before) in flight per
 * terminal, the way a collector reads a field: every reply computes the
 * meter's registers from the model.
 *
 * Memory: RSS growth when a scenario of BIG_METERS meters is expanded and
 * the control state opened, per meter; and RSS growth while the terminals
 * are connected and answering, per terminal.
 *
 *   bench_sim             the comparison
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "meterhub/proto/gdw1376.h"
#include "scenario.h"
#include "sim_net.h"
#include "term.h"

#define TERMS 100
#define ROUNDS 3
#define ROUND_S 1
#define BIG_METERS 100000

#define SCENARIO_FMT                                                                               \
    "{\"seed\":1,\"start\":\"2026-10-01\",\"heartbeat_s\":3600,\"populations\":["                \
    "{\"kind\":\"concentrator\",\"protocol\":\"gdw1376\",\"count\":%d,\"meters_each\":%d,\"region\":\"0171\"}]}"

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* ---- the baseline behaviour: same login, a canned reply of the subject's size ---- */

static uint8_t canned[256];
static size_t canned_len;

static void echo_on_frame(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, const uint8_t *frame,
                          size_t len, int64_t now, struct sim_emit *em)
{
    (void)s, (void)t, (void)seq, (void)now;
    if (len > 13 && frame[12] == GDW1376_AFN_CLASS2)
        sim_emit_frame(em, canned, canned_len);
}

static struct sim_behaviour echo;

static const struct sim_behaviour *echo_for(const struct sim_terminal *t)
{
    (void)t;
    return &echo;
}

/* ---- the master ---- */

struct conn {
    int fd;
    uint8_t rx[8192];
    size_t len;
    struct gdw1376_addr a;
};

struct run {
    const struct scenario *s;
    struct sim_net_opts opts;
    struct sim_net_counters c;
    pthread_t thread;
};

static void *net_main(void *arg)
{
    struct run *r = arg;
    sim_net_run(r->s, &r->opts, &r->c);
    return NULL;
}

static void send_read(struct conn *c, int64_t yesterday_local)
{
    uint8_t label[3], frame[64];
    struct gdw1376_value v = {.kind = GDW1376_V_TIME};
    mh_tm_from_epoch(yesterday_local, &v.time);
    gdw1376_fmt_encode(GDW1376_A20, &v, label, 3);
    struct mh_wr w;
    mh_wr_init(&w, frame, sizeof frame);
    gdw1376_enc_read(&w, &c->a, GDW1376_AFN_CLASS2, 2, 161, label, 3, 1, NULL);
    if (write(c->fd, frame, mh_wr_len(&w)) < 0)
        c->fd = -1;
}

/* One round: terminals of s on a sim_net thread with behaviour_for; returns answers per second. */
static double round_rate(const struct scenario *s, sim_behaviour_for_fn bf, long *rss_delta)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 1024) != 0)
        return 0;
    getsockname(lfd, (struct sockaddr *)&a, &al);
    long rss0 = rss_kb();
    struct run r = {s, {"127.0.0.1", ntohs(a.sin_port), 0, 1, 0, ROUND_S + 3, 0, bf}, {0}, 0};
    pthread_create(&r.thread, NULL, net_main, &r);
    static struct conn conns[TERMS];
    struct pollfd p[TERMS + 1];
    int n = 0;
    int64_t yesterday = (int64_t)time(NULL) + s->tz_offset_s - 86400;
    uint64_t answers = 0, t_start = 0, t_end = 0;
    /* Terminals connect over the first second; the round is measured once all are in. */
    uint64_t deadline = bench_now_ns() + (uint64_t)(ROUND_S + 2) * 1000000000ull;
    while (!t_end && bench_now_ns() < deadline) {
        p[0] = (struct pollfd){lfd, POLLIN, 0};
        for (int i = 0; i < n; i++)
            p[i + 1] = (struct pollfd){conns[i].fd, POLLIN, 0};
        if (poll(p, (nfds_t)n + 1, 50) <= 0)
            continue;
        if ((p[0].revents & POLLIN) && n < TERMS) {
            memset(&conns[n], 0, sizeof conns[n]);
            conns[n].fd = accept(lfd, NULL, NULL);
            n++;
            if (n == TERMS)
                t_start = bench_now_ns(); /* measure once every terminal is in */
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = &conns[i];
            if (!(p[i + 1].revents & POLLIN) || c->fd < 0)
                continue;
            ssize_t got = read(c->fd, c->rx + c->len, sizeof c->rx - c->len);
            if (got <= 0) {
                c->fd = -1;
                continue;
            }
            c->len += (size_t)got;
            for (;;) {
                struct mh_frame_span sp;
                int rc = gdw1376_frame_scan(c->rx, c->len, &sp);
                if (rc == 0)
                    break;
                size_t used = sp.off + (sp.len ? sp.len : 1);
                if (rc == 1) {
                    struct gdw1376_frame f;
                    if (gdw1376_frame_parse(c->rx + sp.off, sp.len, 16, &f) == 0) {
                        if (f.afn == GDW1376_AFN_LINK) {
                            c->a = (struct gdw1376_addr){f.a1, f.a2, 1, 0};
                            send_read(c, yesterday); /* login: start reading */
                        } else {
                            if (t_start && !t_end)
                                answers++;
                            send_read(c, yesterday);
                        }
                    }
                }
                memmove(c->rx, c->rx + used, c->len - used);
                c->len -= used;
            }
        }
        if (t_start && !t_end && bench_now_ns() - t_start >= (uint64_t)ROUND_S * 1000000000ull) {
            t_end = bench_now_ns();
            *rss_delta = rss_kb() - rss0;
        }
    }
    pthread_join(r.thread, NULL);
    for (int i = 0; i < n; i++)
        if (conns[i].fd >= 0)
            close(conns[i].fd);
    close(lfd);
    return t_end > t_start ? (double)answers / ((double)(t_end - t_start) / 1e9) : 0;
}

int main(void)
{
    char json[1024], err[256];
    struct scenario *s = NULL;
    snprintf(json, sizeof json, SCENARIO_FMT, TERMS, 30);
    if (scenario_parse(json, &s, err, sizeof err) != 0 || sim_term_state_open(s) != 0) {
        fprintf(stderr, "bench_sim: %s\n", err);
        return 1;
    }
    /* The canned reply: a F161 reply's size (DA DT, Td_d, reading time, M, five A.14 registers). */
    uint8_t units[4 + 3 + 5 + 1 + 25] = {0};
    struct gdw1376_addr a = {0x0171, 1, 1, 0};
    struct mh_wr w;
    mh_wr_init(&w, canned, sizeof canned);
    gdw1376_frame_encode(&w, 0x88, &a, GDW1376_AFN_CLASS2, 0x61, units, sizeof units, NULL, 0, NULL, NULL);
    canned_len = mh_wr_len(&w);
    echo = sim_term_gdw1376;
    echo.name = "echo";
    echo.on_frame = echo_on_frame;

    double base[ROUNDS], subj[ROUNDS], ratio[ROUNDS];
    long rss_base = 0, rss_subj = 0;
    for (int k = 0; k < ROUNDS; k++) {
        base[k] = round_rate(s, echo_for, &rss_base);
        subj[k] = round_rate(s, sim_term_behaviour_for, &rss_subj);
        ratio[k] = base[k] > 0 ? subj[k] / base[k] : 0;
    }
    double mb = bench_median(base, ROUNDS), ms = bench_median(subj, ROUNDS), mr = bench_median(ratio, ROUNDS);
    bench_report("sim echo of same-size frames (100 terminals)", mb, "answers/s", -1);
    bench_report("sim 1376.1 F161 daily frozen answers (100 terminals)", ms, "answers/s", mr);
    bench_report("sim RSS growth while connected, echo", (double)rss_base * 1024 / TERMS, "B/terminal", -1);
    bench_report("sim RSS growth while connected, 1376.1", (double)rss_subj * 1024 / TERMS, "B/terminal", -1);
    sim_term_state_close();
    scenario_free(s);

    /* Memory per meter: expand a large field and open its control state. */
    long r0 = rss_kb();
    snprintf(json, sizeof json, SCENARIO_FMT, BIG_METERS / 100, 99);
    if (scenario_parse(json, &s, err, sizeof err) != 0 || sim_term_state_open(s) != 0) {
        fprintf(stderr, "bench_sim: %s\n", err);
        return 1;
    }
    long r1 = rss_kb();
    bench_report("sim memory per meter (scenario + control state, 100000 meters)",
                 (double)(r1 - r0) * 1024 / (double)s->n_meters, "B/meter", -1);
    sim_term_state_close();
    scenario_free(s);
    return 0;
}
