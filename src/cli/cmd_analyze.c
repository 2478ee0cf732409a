/*
 * meterhub analyze --db URI --date YYYY-MM-DD|yesterday [--history N]
 *                  [--tz-offset-minutes M] [--json]
 *
 * The daily analysis (app/analyze.h) of what the station stored for day D:
 * consumption per meter (total and per tariff, estimated where a freeze is
 * missing), line loss per transformer area, and alarms, written back to the
 * store. Running it again for the same day stores the same results. serve
 * runs it after each round (cmd_analyze_report).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "meterhub/app/analyze.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/store.h"
#include "serve.h"

static void usage(FILE *f)
{
    fputs("usage: meterhub analyze --db URI --date YYYY-MM-DD|yesterday [--history N]\n"
          "                        [--tz-offset-minutes M] [--json]\n"
          "  analyses the stored readings of a local day: consumption per meter, line loss\n"
          "  per area and alarms, written back to the store (docs/app-analyze.md)\n",
          f);
}

static void print_stats(FILE *f, const char *date, const struct analyze_stats *s, double secs,
                        int json)
{
    if (json) {
        fprintf(f,
                "{\"date\": \"%s\", \"seconds\": %.3f, \"meters\": %zu, \"readings\": %zu,"
                " \"consumption\": %zu, \"estimated\": %zu, \"refused\": %zu, \"areas\": %zu,"
                " \"events\": %zu, \"alarms\": %zu, \"alarms_new\": %zu, \"alarms_closed\": %zu,"
                " \"quality\": %zu, \"holding\": {",
                date, secs, s->meters, s->readings, s->consumption, s->estimated, s->refused,
                s->areas, s->events, s->alarms, s->alarms_new, s->alarms_closed, s->quality);
        const char *sep = "";
        for (int t = 1; t < ANOMALY_TYPE_COUNT_; t++)
            if (s->by_type[t]) {
                fprintf(f, "%s\"%s\": %zu", sep, anomaly_type_name(t), s->by_type[t]);
                sep = ", ";
            }
        fputs("}}\n", f);
        return;
    }
    fprintf(f,
            "analyze %s: %zu meters, %zu registers read, %.2f s\n"
            "consumption: %zu meters (%zu estimated), %zu refused (register went down)\n"
            "line loss: %zu areas; voltage quality: %zu meters with a voltage curve\n"
            "alarms: %zu holding on the day (%zu new), %zu earlier ones closed; %zu events read\n",
            date, s->meters, s->readings, secs, s->consumption, s->estimated, s->refused, s->areas,
            s->quality, s->alarms, s->alarms_new, s->alarms_closed, s->events);
    for (int t = 1; t < ANOMALY_TYPE_COUNT_; t++)
        if (s->by_type[t])
            fprintf(f, "  %-17s %zu\n", anomaly_type_name(t), s->by_type[t]);
}

int cmd_analyze_report(struct store *st, int64_t day, int history, int utc_offset_min, int json,
                       FILE *out)
{
    struct analyze_opts o;
    analyze_opts_default(&o, day);
    o.history = history;
    o.utc_offset_min = utc_offset_min;
    struct analyze_stats s;
    char err[256];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = analyze_day(st, &o, &s, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc < 0) {
        mh_error("analyze", "day %lld: %s", (long long)day, err);
        return rc;
    }
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    char date[16];
    time_t tt = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    if (out)
        print_stats(out, date, &s, secs, json);
    else
        mh_info("analyze", "%s: %zu meters, %zu with consumption (%zu estimated), %zu areas, "
                "%zu alarms holding (%zu new, %zu closed), %.2f s",
                date, s.meters, s.consumption, s.estimated, s.areas, s.alarms, s.alarms_new,
                s.alarms_closed, secs);
    return 0;
}

int cmd_analyze(int argc, char **argv)
{
    const char *db = NULL, *date = NULL;
    int history = 7, json = 0, tz = 480;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *end;
        if (strcmp(a, "--db") == 0 && i + 1 < argc) {
            db = argv[++i];
        } else if (strcmp(a, "--date") == 0 && i + 1 < argc) {
            date = argv[++i];
        } else if (strcmp(a, "--history") == 0 && i + 1 < argc) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > ANALYZE_MAX_HISTORY) {
                fprintf(stderr, "meterhub analyze: --history takes 1..%d days\n",
                        ANALYZE_MAX_HISTORY);
                return 2;
            }
            history = (int)v;
        } else if (strcmp(a, "--tz-offset-minutes") == 0 && i + 1 < argc) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < -720 || v > 840 || v == 0) {
                fputs("meterhub analyze: --tz-offset-minutes takes -720..840, not 0\n", stderr);
                return 2;
            }
            tz = (int)v;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    int64_t day;
    if (!db || !date || serve_parse_day(date, tz, &day) != 0) {
        usage(stderr);
        return 2;
    }
    struct store *st;
    char err[512];
    if (store_open(db, NULL, &st, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub analyze: %s\n", err);
        return 1;
    }
    int rc = cmd_analyze_report(st, day, history, tz, json, stdout);
    store_close(st);
    return rc < 0 ? 1 : 0;
}
