/*
 * meterhub sim run SCENARIO --master HOST:PORT [--procs N] [--duration S] [--at YYYY-MM-DDTHH:MM] [--quiet]
 * meterhub sim floor SCENARIO [--timeout S] [--no-curves]
 *
 * run: every terminal of the scenario as a TCP client of the master,
 * speaking its protocol (sim/term). One process may hold only RLIMIT_NOFILE
 * descriptors, so larger fields are spread over N forked processes, each
 * serving the terminals with id % N == rank; the parent sums their counters.
 *
 * floor: the least time a master can take to read one day from the field,
 * whatever its software: every exchange waits a round trip, terminals answer
 * one request at a time, and a lost or corrupted reply costs a timeout.
 * --no-curves: the day's registers only, the floor of a round run with
 * serve --no-curves --no-realtime (a like-for-like comparison).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/value.h"
#include "scenario.h"
#include "sim_net.h"
#include "term.h"

#define FD_RESERVE 64u /* descriptors a process keeps for itself (stdio, loop, signals) */

static int parse_uint(const char *text, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || end == text || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "YYYY-MM-DDTHH:MM" local time -> epoch seconds. */
static int parse_local(const struct scenario *s, const char *text, int64_t *out)
{
    struct mh_tm t;
    if (strlen(text) != 16 || cmd_sim_parse_time(text, &t) != 0)
        return -1;
    return sim_term_local_epoch(s, &t, out) == 0 ? 0 : -1;
}

static unsigned per_process_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1000000)
        return 1000000;
    return rl.rlim_cur > FD_RESERVE * 2 ? (unsigned)(rl.rlim_cur - FD_RESERVE) : (unsigned)(rl.rlim_cur / 2);
}

static void counters_add(struct sim_net_counters *a, const struct sim_net_counters *b)
{
    a->connects += b->connects, a->connect_failures += b->connect_failures, a->logins += b->logins;
    a->frames_in += b->frames_in, a->frames_out += b->frames_out, a->bad_frames_in += b->bad_frames_in;
    a->dropped += b->dropped, a->corrupted += b->corrupted, a->resets += b->resets;
    a->delayed += b->delayed, a->offline_windows += b->offline_windows;
    a->events_confirmed += b->events_confirmed;
    a->online += b->online, a->terminals += b->terminals;
}

/* What a process of the run reports to the parent: one pipe write, atomic (PIPE_BUF). */
struct run_totals {
    struct sim_net_counters c;
    struct sim_term_report_stats r;
};
_Static_assert(sizeof(struct run_totals) <= 4096, "one atomic pipe write");

static void reports_add(struct sim_term_report_stats *a, const struct sim_term_report_stats *b)
{
    a->sent += b->sent, a->resent += b->resent, a->confirmed += b->confirmed, a->records += b->records;
    if (b->first_sent_ms && (!a->first_sent_ms || b->first_sent_ms < a->first_sent_ms))
        a->first_sent_ms = b->first_sent_ms;
    if (b->last_confirmed_ms > a->last_confirmed_ms)
        a->last_confirmed_ms = b->last_confirmed_ms;
    for (size_t i = 0; i < SIM_LAT_BUCKETS; i++)
        a->lat_hist[i] += b->lat_hist[i];
}

/* The latency (ms, a bucket's lower bound) under which share q of the confirmations came. */
static int64_t lat_quantile(const struct sim_term_report_stats *r, double q)
{
    uint64_t seen = 0, want = (uint64_t)((double)r->confirmed * q + 0.999999);
    for (size_t i = 0; i < SIM_LAT_BUCKETS; i++)
        if ((seen += r->lat_hist[i]) >= want && want > 0)
            return sim_term_lat_bucket_ms(i);
    return 0;
}

/*
 * Active reports: one line a benchmark reads (bench/bench_storm.py). The
 * span runs from the first report sent to the last confirmation received,
 * and a master confirms only what it has made durable.
 */
static void reports_print(const struct sim_term_report_stats *r)
{
    if (!r->sent)
        return;
    printf("reports sent %llu resent %llu confirmed %llu records %llu span_ms %lld p50_ms %lld p99_ms %lld\n",
           (unsigned long long)r->sent, (unsigned long long)r->resent, (unsigned long long)r->confirmed,
           (unsigned long long)r->records,
           (long long)(r->last_confirmed_ms > r->first_sent_ms ? r->last_confirmed_ms - r->first_sent_ms : 0),
           (long long)lat_quantile(r, 0.50), (long long)lat_quantile(r, 0.99));
}

static void counters_print(const struct sim_net_counters *c)
{
    printf("terminals %u  connects %llu (failed %llu)  logins %llu\n"
           "requests answered %llu  frames sent %llu  bad frames received %llu\n"
           "faults: dropped %llu  corrupted %llu  resets %llu  delayed %llu  offline windows %llu\n"
           "events confirmed %llu\n",
           c->terminals, (unsigned long long)c->connects, (unsigned long long)c->connect_failures,
           (unsigned long long)c->logins, (unsigned long long)c->frames_in, (unsigned long long)c->frames_out,
           (unsigned long long)c->bad_frames_in, (unsigned long long)c->dropped, (unsigned long long)c->corrupted,
           (unsigned long long)c->resets, (unsigned long long)c->delayed,
           (unsigned long long)c->offline_windows, (unsigned long long)c->events_confirmed);
}

/* The events the master confirmed (or read) on this rank's terminals: the term state is per process. */
static uint64_t events_confirmed(const struct scenario *s, const struct sim_net_opts *o)
{
    uint64_t n = 0;
    for (size_t i = o->rank; i < s->n_terminals; i += o->nprocs)
        n += sim_term_events_confirmed(&s->terminals[i]);
    return n;
}

/*
 * A SIGTERM sent to the parent alone (a supervisor, a benchmark's cleanup)
 * reaches the children too: they would otherwise keep dialling the master
 * until their --duration ran out.
 */
static pid_t *term_pids;
static volatile sig_atomic_t term_n;
static void forward_term(int sig)
{
    for (sig_atomic_t i = 0; i < term_n; i++)
        kill(term_pids[i], sig);
}

/* Fork nprocs children (rank 0..n-1); each writes its counters into a pipe. */
static int run_forked(const struct scenario *s, struct sim_net_opts *o, struct sim_net_counters *sum,
                      struct sim_term_report_stats *rsum)
{
    int fds[2];
    if (pipe(fds) != 0)
        return MH_EIO;
    pid_t *pids = calloc(o->nprocs, sizeof *pids);
    if (!pids)
        return MH_ENOMEM;
    int rc = 0;
    for (uint32_t r = 0; r < o->nprocs; r++) {
        pid_t pid = fork();
        if (pid < 0) {
            rc = MH_EIO;
            o->nprocs = r;
            break;
        }
        if (pid == 0) {
            close(fds[0]);
            o->rank = r;
            o->progress = o->progress && r == 0; /* one progress line: rank 0's */
            static struct run_totals c;
            int crc = sim_net_run(s, o, &c.c);
            c.c.events_confirmed = events_confirmed(s, o);
            sim_term_report_stats(&c.r);
            ssize_t w = write(fds[1], &c, sizeof c);
            _exit(crc == 0 && w == (ssize_t)sizeof c ? 0 : 1);
        }
        pids[r] = pid;
    }
    close(fds[1]);
    /* The children stop on SIGINT/SIGTERM themselves; the parent waits for them. */
    signal(SIGINT, SIG_IGN);
    term_pids = pids;
    term_n = (sig_atomic_t)o->nprocs;
    struct sigaction sa = {.sa_handler = forward_term, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    static struct run_totals c;
    while (read(fds[0], &c, sizeof c) == (ssize_t)sizeof c) {
        counters_add(sum, &c.c);
        reports_add(rsum, &c.r);
    }
    close(fds[0]);
    for (uint32_t r = 0; r < o->nprocs; r++) {
        int st;
        if (waitpid(pids[r], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            rc = MH_EIO;
    }
    term_n = 0;
    signal(SIGTERM, SIG_DFL);
    free(pids);
    return rc;
}

int cmd_sim_run(struct scenario *s, int argc, char **argv)
{
    const char *master = NULL, *at = NULL;
    unsigned long procs = 0, duration = 0;
    int quiet = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--master") == 0 && i + 1 < argc)
            master = argv[++i];
        else if (strcmp(argv[i], "--procs") == 0 && i + 1 < argc && parse_uint(argv[i + 1], 1024, &procs) == 0)
            i++;
        else if (strcmp(argv[i], "--duration") == 0 && i + 1 < argc &&
                 parse_uint(argv[i + 1], 86400UL * 365, &duration) == 0)
            i++;
        else if (strcmp(argv[i], "--at") == 0 && i + 1 < argc)
            at = argv[++i];
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
        else {
            fprintf(stderr, "meterhub sim run: bad option '%s'\n", argv[i]);
            return 2;
        }
    }
    char host[256];
    const char *colon = master ? strrchr(master, ':') : NULL;
    unsigned long port = 0;
    if (!colon || (size_t)(colon - master) >= sizeof host || parse_uint(colon + 1, 65535, &port) != 0 || port == 0) {
        fprintf(stderr, "meterhub sim run: --master HOST:PORT is required (numeric address)\n");
        return 2;
    }
    memcpy(host, master, (size_t)(colon - master));
    host[colon - master] = '\0';
    if (host[0] == '[' && colon > master + 1 && colon[-1] == ']') { /* [::1]:port */
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    for (size_t i = 0; i < s->n_terminals; i++)
        if (!sim_term_behaviour_for(&s->terminals[i])) {
            fprintf(stderr, "meterhub sim run: terminal %zu speaks %s, which the simulator does not play yet\n", i,
                    sim_protocol_name(s->terminals[i].protocol));
            return 1;
        }
    int64_t offset = 0;
    if (at) {
        int64_t when;
        if (parse_local(s, at, &when) != 0) {
            fprintf(stderr, "meterhub sim run: --at wants YYYY-MM-DDTHH:MM local time, got %s\n", at);
            return 2;
        }
        offset = when - (int64_t)time(NULL);
    }
    /* The storm counts from the field's start, the same second for every process of the run. */
    s->storm_base = (int64_t)time(NULL) + offset;
    unsigned limit = per_process_limit();
    if (procs == 0)
        procs = s->n_terminals / limit + 1;
    if (s->n_terminals / procs + 1 > limit) {
        fprintf(stderr, "meterhub sim run: %zu terminals over %lu processes exceed %u descriptors each; use --procs %zu\n",
                s->n_terminals, procs, limit, s->n_terminals / limit + 1);
        return 2;
    }
    if (sim_term_state_open(s) != 0) {
        fprintf(stderr, "meterhub sim run: out of memory\n");
        return 1;
    }
    struct sim_net_opts o = {host, (int)port, 0, (uint32_t)procs, offset, (int)duration, !quiet,
                             sim_term_behaviour_for};
    struct sim_net_counters sum;
    memset(&sum, 0, sizeof sum);
    static struct sim_term_report_stats rsum;
    fprintf(stderr, "meterhub sim run: %zu terminals, %zu meters, %lu process%s, master %s:%lu\n", s->n_terminals,
            s->n_meters, procs, procs == 1 ? "" : "es", host, port);
    /* A master that dies mid-write must cost the terminal its connection (it redials), not the field. */
    signal(SIGPIPE, SIG_IGN);
    int rc = procs == 1 ? sim_net_run(s, &o, &sum) : run_forked(s, &o, &sum, &rsum);
    if (procs == 1) {
        sum.events_confirmed = events_confirmed(s, &o);
        sim_term_report_stats(&rsum);
    }
    sim_term_state_close();
    if (rc != 0) {
        fprintf(stderr, "meterhub sim run: %s\n", mh_strerror(rc));
        return 1;
    }
    counters_print(&sum);
    reports_print(&rsum);
    return 0;
}

/* ---- the physical floor ---- */

/*
 * A DTU's DL/T 645 meter-day: the daily freeze's three reads (freeze time,
 * forward, reverse), then (curves 1) its load records as curves, four reads
 * whose replies carry as many whole records as fit 192 bytes a frame
 * (term_load645.c), each follow-up frame an exchange of its own: class 4,
 * 97 records of 32 bytes (17 frames); class 1, 96 of 33 (20); class 2, 96
 * of 40 (24); class 3, 96 of 24 (12).
 */
#define DTU_METER_DAY_REGISTERS 3
#define DTU_METER_DAY_CURVES (17 + 20 + 24 + 12)

/*
 * Exchanges a master needs for one day of a terminal: login, clock, then the
 * meters' registers and (curves 1) their curves.
 */
static unsigned day_exchanges(const struct sim_terminal *t, int curves)
{
    if (t->kind == SIM_TERM_DTU) /* 645: the address question stands for the login */
        return (DTU_METER_DAY_REGISTERS + (curves ? DTU_METER_DAY_CURVES : 0)) * t->meter_count + 1;
    /* 1376.1 / 698: login, clock, frozen registers 8 points a request, curves 8 points a request. */
    unsigned groups = (t->meter_count + 7) / 8;
    return 2 + (curves ? 2 : 1) * groups;
}

int cmd_sim_floor(const struct scenario *s, int argc, char **argv)
{
    unsigned long timeout = 10;
    int curves = 1;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc && parse_uint(argv[i + 1], 3600, &timeout) == 0 &&
            timeout > 0)
            i++;
        else if (strcmp(argv[i], "--no-curves") == 0)
            curves = 0;
        else {
            fprintf(stderr, "meterhub sim floor: bad option '%s'\n", argv[i]);
            return 2;
        }
    }
    const struct sim_fault_rates *f = &s->faults;
    double rtt = (f->latency_min_ms + f->latency_max_ms) / 2.0 / 1000.0;
    /* A reply is lost or arrives corrupted with p; each failure waits a timeout, then retries. */
    double p = (f->loss_permille + f->corrupt_permille) / 1000.0;
    if (p > 0.99)
        p = 0.99;
    double retries_per_exchange = p / (1.0 - p);
    double worst = 0, total = 0, exchanges = 0;
    size_t worst_t = 0;
    for (size_t i = 0; i < s->n_terminals; i++) {
        unsigned e = day_exchanges(&s->terminals[i], curves);
        double secs = e * rtt + e * retries_per_exchange * (double)timeout;
        exchanges += e;
        total += secs;
        if (secs > worst) {
            worst = secs;
            worst_t = i;
        }
    }
    printf("scenario %s: %zu terminals, %zu meters\n", s->name, s->n_terminals, s->n_meters);
    printf("exchanges for one day: %.0f (login, clock, frozen registers%s, 8 points a request)\n", exchanges,
           curves ? " and curves" : "");
    printf("round trip %.3f s (latency %u..%u ms); loss+corruption %.1f %% -> %.4f retries an exchange, %lu s timeout\n",
           rtt, f->latency_min_ms, f->latency_max_ms, p * 100, retries_per_exchange, timeout);
    printf("floor: %.1f s (terminal %zu, %u exchanges, one request at a time; terminals in parallel)\n", worst,
           worst_t, s->n_terminals ? day_exchanges(&s->terminals[worst_t], curves) : 0);
    printf("channel time summed over terminals: %.0f s\n", total);
    return 0;
}
