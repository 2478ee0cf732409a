/*
 * meterhub serve --db PATH [--listen HOST:PORT] [--archive CSV] [options]
 *
 * The master station: terminals dial in to the listener, log in against
 * the archive, and are read by the collector's daily schedule (docs/collect.md).
 * --round D starts an on-demand round of day D at once; --once exits when
 * that round is done (for scripts and tests).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "meterhub/app/analyze.h"
#include "meterhub/base/log.h"
#include "serve.h"
#include "serve_procs.h"

static void serve_usage(FILE *f)
{
    fputs("usage: meterhub serve --db PATH [--listen HOST:PORT] [--archive CSV]\n"
          "         [--round YYYY-MM-DD|yesterday] [--round-month YYYY-MM|last]\n"
          "         [--once] [--grace S] [--max-time S]\n"
          "         [--progress] [--no-schedule] [--patch] [--no-curves] [--no-realtime]\n"
          "         [--group-max N] [--passes N]\n"
          "         [--patch-delay-ms MS] [--patch-days N] [--spread S] [--start-after S]\n"
          "         [--timeout-ms MS] [--login-timeout-ms MS] [--tz-offset-minutes M]\n"
          "         [--api HOST:PORT [--web DIR] [--cert PEM --key PEM] [--cors ORIGIN]...]\n"
          "         [--analyze-history N] [--confirm-over N] [--no-trip HH:MM-HH:MM]...\n"
          "         [--price-e4 S,P,F,V] [--plan-verify-s S] [--meter-auth PA:PASSWORD[:OPERATOR]]\n"
          "         [--log LEVEL] [--nats URL] [--export-dir DIR] [--export-format csv|json]\n"
          "         [--procs N] [--store-queue N]\n"
          "  --listen      default 0.0.0.0:7001 (port 0: any, printed)\n"
          "  --round       read that day's daily frozen registers now (on-demand priority)\n"
          "  --round-month read that month's monthly frozen registers now\n"
          "  --once        exit when the round is done and --grace S (30) has passed\n"
          "  --patch       an on-demand round also re-reads what the last --patch-days lack\n"
          "  --api         serve the HTTP/JSON API and the dashboard there (docs/api.md)\n"
          "  --cors        a browser origin allowed to call the API (repeatable; '*' any)\n"
          "  --analyze-history N  analyse each round's day once collected, comparing with N\n"
          "                days before it (default 7; 0: do not analyse)\n"
          "  --confirm-over N  a command reaching more users waits for a second operator (default 50)\n"
          "  --no-trip     a local window refusing trips and supply-cutting controls (repeatable)\n"
          "  --price-e4 S,P,F,V  prepayment prices of tariffs 1..4, yuan/kWh x 10^4 (default 0)\n"
          "  --plan-verify-s S  measure an orderly-use plan's effect S s after its commands (default 90)\n"
          "  --meter-auth  DL/T 645 remote-control authority of the meters: level 02 or 04, 6-digit\n"
          "                password, 8-digit operator code (default 02:000000:00000000)\n"
          "  --nats        publish readings, events, links and rounds on NATS (docs/bus.md)\n"
          "  --export-dir  export each round's day there after the round (docs/export.md)\n"
          "  --procs N     N front-end worker processes on the one port, each holding and\n"
          "                collecting its share of the terminals; a dead worker is restarted\n"
          "  --store-queue N  readings the store's append queue holds (default 524288, 28 MiB)\n",
          f);
}

static int num(const char *text, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || end == text || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "HH:MM-HH:MM": a local window in which supply-cutting commands are refused (every day). */
static int parse_window(const char *v, struct control_window *w)
{
    unsigned h[4];
    static const size_t at[4] = {0, 3, 6, 9};
    if (strlen(v) != 11 || v[2] != ':' || v[5] != '-' || v[8] != ':')
        return -1;
    for (size_t k = 0; k < 4; k++) {
        const char *p = v + at[k];
        if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
            return -1;
        h[k] = (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
    }
    if (h[0] > 23 || h[1] > 59 || h[2] > 23 || h[3] > 59)
        return -1;
    *w = (struct control_window){.from_min = (uint16_t)(h[0] * 60 + h[1]),
                                 .to_min = (uint16_t)(h[2] * 60 + h[3])};
    return 0;
}

/* "S,P,F,V": prepayment prices of tariffs 1..4 in yuan/kWh x 10^4. */
static int parse_prices(const char *v, int64_t price[4])
{
    for (int k = 0; k < 4; k++) {
        char *end;
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno || end == v || x < 0 || x > 100000000 || *end != (k < 3 ? ',' : '\0'))
            return -1;
        price[k] = x;
        v = end + 1;
    }
    return 0;
}

/* n decimal digits (BCD as the meter takes them: "123456" -> 0x123456) up to the next ':' or the end. */
static int bcd_field(const char **p, size_t n, uint32_t *out)
{
    uint32_t v = 0;
    for (size_t k = 0; k < n; k++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v << 4 | (uint32_t)(**p - '0');
    }
    *out = v;
    return 0;
}

/* PA:PASSWORD[:OPERATOR] (DL/T 645-2007 7.10): level 02 or 04, 6 digits, 8 digits. */
static int parse_meter_auth(const char *v, struct control_cfg *c)
{
    uint32_t pa, pw, op = 0;
    if (bcd_field(&v, 2, &pa) != 0 || (pa != 0x02 && pa != 0x04) || *v++ != ':' || bcd_field(&v, 6, &pw) != 0)
        return -1;
    if (*v == ':' && (v++, bcd_field(&v, 8, &op) != 0))
        return -1;
    if (*v)
        return -1;
    c->meter_pw_level = (uint8_t)pa;
    c->meter_password = pw;
    c->meter_operator = op;
    return 0;
}

/* Options shared by serve and demo; returns 1 when argv[*i] was one (and consumed), -1 bad. */
int cmd_serve_option(struct serve_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    unsigned long n = 0;
    int x = exchange_option(&o->exchange, argc, argv, i);
    if (x != 0)
        return x;
    static const struct {
        const char *name;
        unsigned long max;
    } nums[] = {{"--grace", 86400},          {"--max-time", 864000},   {"--group-max", 65535},
                {"--passes", 254},           {"--patch-delay-ms", 3600000}, {"--patch-days", 62},
                {"--spread", 86400},         {"--start-after", 86400}, {"--timeout-ms", 600000},
                {"--tz-offset-minutes", 840}, {"--login-timeout-ms", 600000}};
    if (strcmp(a, "--patch") == 0) {
        o->collect.patch_on_demand = 1;
        return 1;
    }
    if (strcmp(a, "--no-curves") == 0 || strcmp(a, "--no-realtime") == 0) {
        if (a[5] == 'c')
            o->collect.no_curves = 1;
        else
            o->collect.no_realtime = 1;
        return 1;
    }
    if (strcmp(a, "--once") == 0 || strcmp(a, "--progress") == 0 || strcmp(a, "--no-schedule") == 0) {
        if (a[2] == 'o')
            o->once = 1;
        else if (a[2] == 'p')
            o->progress = 1;
        else
            o->collect.scheduled = 0;
        return 1;
    }
    if (!v)
        return 0;
    if (strcmp(a, "--analyze-history") == 0) {
        if (num(v, ANALYZE_MAX_HISTORY, &n) != 0)
            return -1;
        o->analyze_history = (int)n;
        (*i)++;
        return 1;
    }
    if (strcmp(a, "--confirm-over") == 0) {
        if (num(v, 1000000, &n) != 0 || n == 0)
            return -1;
        o->control.confirm_over = (uint32_t)n;
        (*i)++;
        return 1;
    }
    if (strcmp(a, "--no-trip") == 0) {
        if (o->control.n_windows == CONTROL_WINDOWS_MAX || parse_window(v, &o->control.windows[o->control.n_windows]) != 0)
            return -1;
        o->control.n_windows++;
        (*i)++;
        return 1;
    }
    if (strcmp(a, "--store-queue") == 0) {
        if (num(v, 1u << 26, &n) != 0 || n == 0)
            return -1;
        o->store_queue = (size_t)n;
        (*i)++;
        return 1;
    }
    if (strcmp(a, "--plan-verify-s") == 0) {
        if (num(v, 86400, &n) != 0 || n == 0)
            return -1;
        o->control.plan_verify_ms = (uint32_t)n * 1000u;
        (*i)++;
        return 1;
    }
    if (strcmp(a, "--price-e4") == 0) {
        if (parse_prices(v, o->control.price_e4) != 0)
            return -1;
        (*i)++;
        return 1;
    }
    if (strcmp(a, "--meter-auth") == 0) {
        if (parse_meter_auth(v, &o->control) != 0)
            return -1;
        (*i)++;
        return 1;
    }
    if (strcmp(a, "--db") == 0)
        o->db = v;
    else if (strcmp(a, "--archive") == 0)
        o->archive = v;
    else if (strcmp(a, "--api") == 0) {
        const char *h;
        if (serve_parse_hostport(v, &h, &o->api_port) != 0)
            return -1;
        snprintf(o->api_host, sizeof o->api_host, "%s", h);
        o->api_port_set = 1;
    } else if (strcmp(a, "--web") == 0)
        o->web_dir = v;
    else if (strcmp(a, "--cert") == 0)
        o->cert = v;
    else if (strcmp(a, "--key") == 0)
        o->key = v;
    else if (strcmp(a, "--cors") == 0) {
        if (o->n_cors == sizeof o->cors / sizeof o->cors[0])
            return -1;
        o->cors[o->n_cors++] = v;
    } else if (strcmp(a, "--listen") == 0) {
        if (serve_parse_hostport(v, &o->host, &o->port) != 0)
            return -1;
    } else if (strcmp(a, "--round") == 0) {
        if (serve_parse_day(v, o->collect.utc_offset_min, &o->round_day) != 0)
            return -1;
    } else if (strcmp(a, "--round-month") == 0) {
        if (serve_parse_month(v, o->collect.utc_offset_min, &o->round_month) != 0)
            return -1;
    } else if (strcmp(a, "--log") == 0) {
        int lv = mh_log_level_parse(v);
        if (lv < 0)
            return -1;
        mh_log_set_level((enum mh_log_level)lv);
    } else {
        size_t k = 0;
        while (k < sizeof nums / sizeof nums[0] && strcmp(a, nums[k].name) != 0)
            k++;
        if (k == sizeof nums / sizeof nums[0])
            return 0;
        if (num(v, nums[k].max, &n) != 0)
            return -1;
        switch (k) {
        case 0: o->grace_s = (unsigned)n; break;
        case 1: o->max_s = (unsigned)n; break;
        case 2: o->collect.group_max = (uint16_t)n; break;
        case 3: o->collect.passes = n ? (uint8_t)n : 255; break;
        case 4: o->collect.patch_delay_ms = (uint32_t)n; break;
        case 5: o->collect.patch_days = n ? (uint8_t)n : 255; break;
        case 6: o->collect.spread_s = (uint32_t)n; break;
        case 7: o->collect.start_after_s = (uint32_t)n; break;
        case 8: o->request_timeout_ms = o->collect.request_timeout_ms = (uint32_t)n; break;
        case 9:
            o->collect.utc_offset_min = (int16_t)n;
            o->collect.utc_offset_set = 1;
            break;
        default: o->login_timeout_ms = (uint32_t)n; break;
        }
    }
    (*i)++;
    return 1;
}

void cmd_serve_defaults(struct serve_opts *o)
{
    memset(o, 0, sizeof *o);
    o->port = 7001;
    o->round_day = -1;
    o->round_month = -1;
    o->grace_s = 30;
    o->collect.utc_offset_min = 480;
    o->collect.scheduled = 1;
    o->analyze_history = 7;
}

int cmd_serve(int argc, char **argv)
{
    struct serve_opts o;
    cmd_serve_defaults(&o);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            serve_usage(stdout);
            return 0;
        }
        unsigned long np;
        if (strcmp(argv[i], "--procs") == 0 && i + 1 < argc) {
            if (num(argv[++i], SERVE_PROCS_MAX, &np) != 0 || np == 0) {
                fprintf(stderr, "meterhub serve: --procs takes 1..%d\n", SERVE_PROCS_MAX);
                return 2;
            }
            o.procs = (unsigned)np;
            continue;
        }
        if (cmd_serve_option(&o, argc, argv, &i) != 1) {
            fprintf(stderr, "meterhub serve: bad option '%s'\n", argv[i]);
            serve_usage(stderr);
            return 2;
        }
    }
    if (!o.db) {
        serve_usage(stderr);
        return 2;
    }
    if (o.procs > 1 && (o.on_listening || o.on_round_done)) {
        fputs("meterhub serve: --procs runs no hooks\n", stderr);
        return 2;
    }
    if (o.once && o.round_day < 0 && o.round_month < 0) {
        fputs("meterhub serve: --once needs --round\n", stderr);
        return 2;
    }
    int rc = o.procs > 1 ? serve_procs_run(&o) : serve_run(&o);
    if (rc == 0 && o.once && o.procs <= 1)
        serve_print_round(&o);
    return rc;
}

void serve_print_round(const struct serve_opts *o)
{
    printf("round done in %.1f s: %llu of %llu meters collected (%llu at the first try), "
               "%llu readings, %llu requests, %llu timeouts; terminal clocks %llu read, %llu set; "
               "curves %llu of %llu meters, realtime registers %llu of %llu; "
               "requests held back %llu times while the store was behind\n",
               o->round_s, (unsigned long long)o->result.collected,
               (unsigned long long)o->result.meters_asked, (unsigned long long)o->result.first_try,
               (unsigned long long)o->result.readings, (unsigned long long)o->result.requests,
               (unsigned long long)o->result.timeouts, (unsigned long long)o->result.clocks_read,
               (unsigned long long)o->result.clocks_set, (unsigned long long)o->result.curve_collected,
               (unsigned long long)o->result.curve_meters,
               (unsigned long long)o->result.realtime_collected,
               (unsigned long long)o->result.realtime_meters,
               (unsigned long long)o->result.store_waits);
}
