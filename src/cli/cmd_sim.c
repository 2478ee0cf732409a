/*
 * meterhub sim archive SCENARIO [--out FILE]
 * meterhub sim truth SCENARIO --date YYYY-MM-DD [--out DIR]
 * meterhub sim info SCENARIO
 * meterhub sim run SCENARIO --master HOST:PORT ...   (cmd_sim_run.c)
 * meterhub sim floor SCENARIO [--timeout S] [--no-curves] (cmd_sim_run.c)
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/value.h"
#include "scenario.h"

static void sim_usage(FILE *f)
{
    fputs("usage: meterhub sim archive SCENARIO [--out FILE]   asset archive CSV for the master station\n"
          "       meterhub sim truth SCENARIO --date YYYY-MM-DD [--out DIR]\n"
          "                                                   ground truth of a day (CSV files)\n"
          "       meterhub sim info SCENARIO                   what the scenario expands to\n"
          "       meterhub sim run SCENARIO --master HOST:PORT [--procs N] [--duration S]\n"
          "                            [--at YYYY-MM-DDTHH:MM] [--quiet]\n"
          "                                                   play every terminal against a master station\n"
          "       meterhub sim floor SCENARIO [--timeout S] [--no-curves]  least time any master needs for one day\n"
          "       meterhub sim load SCENARIO --db URI --date YYYY-MM-DD [--days N] [--curve-days N] [--curves]\n"
          "                                                   store what collecting N days would store\n",
          f);
}

int cmd_sim_parse_time(const char *text, struct mh_tm *out)
{
    /* YYYY-MM-DD, optionally THH:MM */
    static const int off[5] = {0, 5, 8, 11, 14}, len[5] = {4, 2, 2, 2, 2};
    size_t n = text ? strlen(text) : 0;
    int fields = n == 10 ? 3 : (n == 16 && text[10] == 'T' && text[13] == ':' ? 5 : 0);
    if (!fields || text[4] != '-' || text[7] != '-')
        return -1;
    unsigned v[5] = {0, 0, 0, 0, 0};
    for (int f = 0; f < fields; f++)
        for (int i = 0; i < len[f]; i++) {
            char ch = text[off[f] + i];
            if (ch < '0' || ch > '9')
                return -1;
            v[f] = v[f] * 10 + (unsigned)(ch - '0');
        }
    struct mh_tm t = {(uint16_t)v[0], (uint8_t)v[1], (uint8_t)v[2], (uint8_t)v[3], (uint8_t)v[4], 0, 0, 0, MH_TM_FULL};
    int64_t e;
    if (mh_tm_to_epoch(&t, &e) != 0)
        return -1;
    *out = t;
    return 0;
}

int64_t cmd_sim_parse_day(const char *text)
{
    struct mh_tm t;
    int64_t e;
    if (!text || strlen(text) != 10 || cmd_sim_parse_time(text, &t) != 0 || mh_tm_to_epoch(&t, &e) != 0)
        return -1;
    return e / 86400;
}

static int sim_info(const struct scenario *s)
{
    size_t kinds[SIM_TERM_KIND_COUNT_] = {0}, cust[SIM_CUST_COUNT_] = {0}, anomalies = 0, faulty = 0;
    for (size_t i = 0; i < s->n_terminals; i++) {
        kinds[s->terminals[i].kind]++;
        faulty += s->terminals[i].fault != SIM_FAULT_NONE;
    }
    for (size_t i = 0; i < s->n_meters; i++) {
        cust[s->meters[i].model.customer]++;
        anomalies += s->meters[i].model.anomaly != SIM_ANOM_NONE;
    }
    printf("scenario %s, seed %llu\n", s->name, (unsigned long long)s->seed);
    printf("terminals %zu:", s->n_terminals);
    for (int k = 0; k < SIM_TERM_KIND_COUNT_; k++)
        printf(" %s %zu", sim_terminal_kind_name(k), kinds[k]);
    printf("\nmeters %zu:", s->n_meters);
    for (int c = 0; c < SIM_CUST_COUNT_; c++)
        printf(" %s %zu", sim_customer_name(c), cust[c]);
    printf("\ntransformer areas %zu; meters with anomalies %zu; terminals with faults %zu\n",
           s->n_areas, anomalies, faulty);
    printf("channel faults: loss %u/1000, corrupt %u/1000, resets %u/1000, latency %u..%u ms\n",
           s->faults.loss_permille, s->faults.corrupt_permille, s->faults.reset_permille,
           s->faults.latency_min_ms, s->faults.latency_max_ms);
    return 0;
}

int cmd_sim(int argc, char **argv)
{
    if (argc < 3) {
        int help = argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
        sim_usage(help ? stdout : stderr);
        return help ? 0 : 2;
    }
    const char *verb = argv[1], *path = argv[2], *out = NULL, *date = NULL;
    if (strcmp(verb, "run") == 0 || strcmp(verb, "floor") == 0 || strcmp(verb, "load") == 0) {
        char lerr[512];
        struct scenario *ls = NULL;
        if (scenario_load(path, &ls, lerr, sizeof lerr) != 0) {
            fprintf(stderr, "meterhub sim: %s\n", lerr);
            return 1;
        }
        int lrc = verb[0] == 'r' ? cmd_sim_run(ls, argc - 3, argv + 3)
                  : verb[0] == 'l' ? cmd_sim_load(ls, argc - 3, argv + 3)
                                   : cmd_sim_floor(ls, argc - 3, argv + 3);
        scenario_free(ls);
        return lrc;
    }
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--date") == 0 && i + 1 < argc)
            date = argv[++i];
        else {
            fprintf(stderr, "meterhub sim: unknown option '%s'\n", argv[i]);
            sim_usage(stderr);
            return 2;
        }
    }
    if (strcmp(verb, "archive") != 0 && strcmp(verb, "truth") != 0 && strcmp(verb, "info") != 0) {
        fprintf(stderr, "meterhub sim: unknown command '%s'\n", verb);
        sim_usage(stderr);
        return 2;
    }
    char err[512];
    struct scenario *s = NULL;
    int rc = scenario_load(path, &s, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "meterhub sim: %s\n", err);
        return 1;
    }
    if (strcmp(verb, "info") == 0) {
        rc = sim_info(s);
    } else if (strcmp(verb, "archive") == 0) {
        FILE *f = out ? fopen(out, "w") : stdout;
        if (!f) {
            fprintf(stderr, "meterhub sim: cannot write %s\n", out);
            rc = 1;
        } else {
            rc = scenario_write_archive_csv(s, f) != 0;
            if (out && fclose(f) != 0)
                rc = 1;
        }
    } else {
        int64_t day = cmd_sim_parse_day(date);
        if (day < 0) {
            fprintf(stderr, "meterhub sim truth: --date YYYY-MM-DD is required%s%s\n", date ? ", got " : "",
                    date ? date : "");
            scenario_free(s);
            return 2;
        }
        if (day < scenario_local_day(s, s->start)) {
            fprintf(stderr, "meterhub sim truth: %s is before the scenario starts\n", date);
            scenario_free(s);
            return 1;
        }
        const char *dir = out ? out : "truth";
        rc = scenario_write_truth(s, day, dir, err, sizeof err);
        if (rc != 0)
            fprintf(stderr, "meterhub sim truth: %s\n", err);
        else
            fprintf(stderr, "meterhub sim truth: %s written to %s/\n", date, dir);
        rc = rc != 0;
    }
    scenario_free(s);
    return rc;
}
