/*
 * meterhub demo [--scenario FILE] [--dir DIR] [--once] [serve options]
 *
 * The master station and the simulated field side by side on this
 * machine: the scenario's archive is written and imported into an SQLite
 * file in a work directory, the station listens on a free loopback port,
 * `meterhub sim run` is started as a child process against it, and an
 * on-demand round reads yesterday's daily frozen registers with a progress
 * line. When the round is done the day's collection report is printed;
 * the station keeps running (for the dashboard) until SIGINT/SIGTERM, or
 * stops at once with --once. The simulator is stopped with the station.
 *
 * The API and the dashboard are served from the station on 127.0.0.1:8080
 * (--api HOST:PORT elsewhere, --no-api not at all); an operator token is
 * created in the demo's store and printed with the dashboard's address.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "meterhub/api.h"
#include "scenario.h"
#include "serve.h"

struct demo {
    const char *scenario, *dir;
    char self[4096];
    pid_t sim;
    struct serve_opts o;
    char db[4200];
};

static int start_sim(void *ctx, uint16_t port)
{
    struct demo *d = ctx;
    char master[32], log[4200];
    snprintf(master, sizeof master, "127.0.0.1:%u", port);
    snprintf(log, sizeof log, "%s/sim.log", d->dir);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(d->self, d->self, "sim", "run", d->scenario, "--master", master, "--quiet",
              (char *)NULL);
        _exit(127);
    }
    d->sim = pid;
    fprintf(stderr, "simulator started (pid %d) against %s; its log: %s\n", (int)pid, master, log);
    return 0;
}

/* The API listens: an operator token for the dashboard's login, printed once with its address. */
static void api_ready(void *ctx, const char *url, const char *web_dir)
{
    struct demo *d = ctx;
    char tok[80], err[256] = "", name[32];
    snprintf(name, sizeof name, "demo-%d", (int)getpid());
    if (api_token_add(d->db, name, API_ROLE_OPERATOR, tok, sizeof tok, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub demo: no API token: %s\n", err);
        tok[0] = '\0';
    }
    if (web_dir)
        fprintf(stderr, "dashboard: %s/  API: %s/api/v1  operator token: %s\n", url, url, tok);
    else
        fprintf(stderr, "API: %s/api/v1  operator token: %s (no dashboard: scripts/web-build.sh "
                        "builds it)\n",
                url, tok);
}

static void round_done(void *ctx, const struct collect_progress *p, double secs)
{
    struct demo *d = ctx;
    fprintf(stderr,
            "round done in %.1f s: %llu of %llu meters collected (%llu at the first try); "
            "15-minute curves of %llu of %llu meters; %llu readings, %llu requests\n",
            secs, (unsigned long long)p->collected, (unsigned long long)p->meters_asked,
            (unsigned long long)p->first_try, (unsigned long long)p->curve_collected,
            (unsigned long long)p->curve_meters, (unsigned long long)p->readings,
            (unsigned long long)p->requests);
    cmd_report_collection(d->db, d->o.round_day, 0, NULL);
    fprintf(stderr, "\nthe station keeps running (store %s); Ctrl-C stops it\n", d->db);
}

static int write_archive(const struct demo *d, char *path, size_t cap)
{
    char err[512] = "";
    struct scenario *s = NULL;
    if (scenario_load(d->scenario, &s, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub demo: %s\n", err);
        return -1;
    }
    snprintf(path, cap, "%s/archive.csv", d->dir);
    FILE *f = fopen(path, "w");
    int rc = f ? scenario_write_archive_csv(s, f) : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "meterhub demo: cannot write %s\n", path);
    else
        fprintf(stderr, "scenario %s: %zu terminals, %zu meters\n", s->name, s->n_terminals,
                s->n_meters);
    scenario_free(s);
    return rc;
}

int cmd_demo(int argc, char **argv)
{
    static struct demo d;
    cmd_serve_defaults(&d.o);
    d.scenario = "examples/scenarios/demo.json";
    d.o.host = "127.0.0.1";
    d.o.port = 0;
    d.o.progress = 1;
    d.o.grace_s = 15;
    d.o.collect.scheduled = 0;
    d.o.collect.patch_delay_ms = 5000;
    d.o.api_port_set = 1;
    snprintf(d.o.api_host, sizeof d.o.api_host, "127.0.0.1");
    d.o.api_port = 8080;
    d.o.on_api = api_ready;
    d.o.api_optional = 1; /* 8080 taken: the demo runs on without the API, saying so */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-api") == 0)
            d.o.api_port_set = 0;
        else if (strcmp(argv[i], "--scenario") == 0 && i + 1 < argc)
            d.scenario = argv[++i];
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            d.dir = argv[++i];
        else if (cmd_serve_option(&d.o, argc, argv, &i) != 1) {
            fputs("usage: meterhub demo [--scenario FILE] [--dir DIR] [--once] [--no-api] "
                  "[serve options]\n",
                  stderr);
            return 2;
        }
    }
    static char tmpl[] = "/tmp/meterhub-demo-XXXXXX";
    if (!d.dir && !(d.dir = mkdtemp(tmpl))) {
        perror("meterhub demo: mkdtemp");
        return 1;
    }
    mkdir(d.dir, 0755);
    ssize_t n = readlink("/proc/self/exe", d.self, sizeof d.self - 1);
    if (n <= 0) {
        perror("meterhub demo: /proc/self/exe");
        return 1;
    }
    d.self[n] = 0;
    char archive[4200];
    if (write_archive(&d, archive, sizeof archive) != 0)
        return 1;
    snprintf(d.db, sizeof d.db, "%s/meterhub.db", d.dir);
    if (d.o.round_day < 0)
        serve_parse_day("yesterday", d.o.collect.utc_offset_min, &d.o.round_day);
    d.o.db = d.db;
    d.o.archive = archive;
    d.o.on_listening = start_sim;
    d.o.on_round_done = round_done;
    d.o.hook_ctx = &d;
    int rc = serve_run(&d.o);
    if (d.sim > 0) {
        kill(d.sim, SIGTERM);
        waitpid(d.sim, NULL, 0);
    }
    if (rc == 0 && d.o.once) {
        const struct collect_progress *p = &d.o.result;
        fprintf(stderr,
                "round done in %.1f s: %llu of %llu meters collected (%llu at the first try); "
                "15-minute curves of %llu of %llu meters, realtime registers of %llu of %llu; "
                "%llu readings, %llu requests, %llu timeouts\n",
                d.o.round_s, (unsigned long long)p->collected, (unsigned long long)p->meters_asked,
                (unsigned long long)p->first_try, (unsigned long long)p->curve_collected,
                (unsigned long long)p->curve_meters, (unsigned long long)p->realtime_collected,
                (unsigned long long)p->realtime_meters, (unsigned long long)p->readings,
                (unsigned long long)p->requests, (unsigned long long)p->timeouts);
        uint64_t collected = 0;
        rc = cmd_report_collection(d.db, d.o.round_day, 0, &collected);
        if (rc == 0 && collected == 0) {
            fputs("meterhub demo: no meter was collected\n", stderr);
            rc = 1;
        }
    }
    return rc;
}
