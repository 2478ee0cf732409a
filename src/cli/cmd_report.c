/*
 * meterhub report collection [--db PATH] [--date D | --month M] [--curves | --realtime] [--json]
 *
 * A day's success of the daily frozen collection, from the store's
 * collection status: per terminal kind, terminal protocol, meter protocol,
 * channel group and region, the active meters, how many were collected
 * and how many failed with a reason (the rest were never tried), then the
 * failures per reason. The collector writes one status row per meter and
 * day and replaces it at every patch pass, keeping the reason of the first
 * attempt beside it: "collected" is after patch collection, "first try"
 * what the day's first attempt got.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json_out.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/store.h"
#include "serve.h"

#define GROUPS_MAX 256

static const char *const group_names[STORE_GROUP_COUNT_] = {
    "terminal kind", "terminal protocol", "meter protocol", "channel group", "region"};

/* The enum groups print their names, the others their keys. */
static const char *key_name(int group, const char *key)
{
    if (group == STORE_GROUP_TERMINAL_KIND)
        return archive_kind_name((int)strtol(key, NULL, 10));
    if (group == STORE_GROUP_TERMINAL_PROTOCOL || group == STORE_GROUP_METER_PROTOCOL)
        return archive_protocol_name((int)strtol(key, NULL, 10));
    return key;
}

static double pct(uint64_t a, uint64_t b)
{
    return b ? 100.0 * (double)a / (double)b : 0.0;
}

int cmd_report_collection(const char *db, int64_t day, int json, uint64_t *collected_out)
{
    return cmd_report_class(db, STORE_CLASS_DAY_FREEZE, day, json, collected_out);
}

int cmd_report_class(const char *db, int item_class, int64_t day, int json,
                     uint64_t *collected_out)
{
    const char *what = item_class == STORE_CLASS_MONTH_FREEZE ? "monthly frozen registers"
                       : item_class == STORE_CLASS_CURVE    ? "15-minute curves"
                       : item_class == STORE_CLASS_REALTIME ? "realtime registers"
                                                            : "daily frozen registers";
    char err[512] = "";
    struct store *st = NULL;
    if (store_open(db, NULL, &st, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub report: %s\n", err);
        return 1;
    }
    static struct store_rate rates[GROUPS_MAX];
    struct mh_tm d;
    char date[32];
    mh_tm_from_epoch(day * 86400, &d);
    d.has = item_class == STORE_CLASS_MONTH_FREEZE ? MH_TM_YEAR | MH_TM_MON : MH_TM_DATE;
    mh_tm_format(&d, date, sizeof date);
    json_t *root = json_object();
    json_object_set_new(root, "date", json_string(date));
    json_object_set_new(root, "item_class", json_string(what));
    if (!json)
        printf("collection of %s, %s (first try, and after patch collection)\n", what, date);
    uint64_t total = 0, collected = 0, failed = 0, first = 0;
    int rc = 0;
    for (int g = 0; g < STORE_GROUP_COUNT_ && rc >= 0; g++) {
        rc = store_success_rate(st, day, item_class, g, rates, GROUPS_MAX);
        if (rc < 0)
            break;
        json_t *arr = json_array();
        if (!json)
            printf("\nby %s:\n  %-20s %8s %10s %10s %8s %8s %8s %8s\n", group_names[g], "",
                   "meters", "first try", "collected", "failed", "never", "first", "rate");
        for (int i = 0; i < rc; i++) {
            const struct store_rate *r = &rates[i];
            if (g == 0) {
                total += r->meters;
                collected += r->collected;
                failed += r->failed;
                first += r->first_try;
            }
            uint64_t never = r->meters - r->collected - r->failed;
            if (json) {
                json_t *o = json_object();
                json_object_set_new(o, "group", json_string(key_name(g, r->key)));
                json_object_set_new(o, "meters", json_integer((json_int_t)r->meters));
                json_object_set_new(o, "collected", json_integer((json_int_t)r->collected));
                json_object_set_new(o, "failed", json_integer((json_int_t)r->failed));
                json_object_set_new(o, "never_tried", json_integer((json_int_t)never));
                json_object_set_new(o, "first_try", json_integer((json_int_t)r->first_try));
                json_array_append_new(arr, o);
            } else {
                printf("  %-20s %8llu %10llu %10llu %8llu %8llu %7.2f%% %7.2f%%\n",
                       key_name(g, r->key), (unsigned long long)r->meters,
                       (unsigned long long)r->first_try, (unsigned long long)r->collected,
                       (unsigned long long)r->failed, (unsigned long long)never,
                       pct(r->first_try, r->meters), pct(r->collected, r->meters));
            }
        }
        json_object_set_new(root, group_names[g], arr);
    }
    uint64_t reasons[STORE_REASON_COUNT_] = {0};
    if (rc >= 0)
        rc = store_failure_reasons(st, day, item_class, reasons);
    store_close(st);
    if (rc < 0) {
        fprintf(stderr, "meterhub report: %s\n", mh_strerror(rc));
        json_decref(root);
        return 1;
    }
    json_t *fr = json_object();
    if (!json)
        printf("\nfailures by reason:\n");
    for (int r = 1; r < STORE_REASON_COUNT_; r++) {
        json_object_set_new(fr, store_reason_text(r), json_integer((json_int_t)reasons[r]));
        if (!json && reasons[r])
            printf("  %-22s %8llu\n", store_reason_text(r), (unsigned long long)reasons[r]);
    }
    json_object_set_new(root, "failures", fr);
    json_object_set_new(root, "meters", json_integer((json_int_t)total));
    json_object_set_new(root, "collected", json_integer((json_int_t)collected));
    json_object_set_new(root, "failed", json_integer((json_int_t)failed));
    json_object_set_new(root, "first_try", json_integer((json_int_t)first));
    if (json) {
        char *text = json_dumps(root, JOUT_FLAGS);
        if (text)
            puts(text);
        free(text);
    } else {
        printf("\ntotal: %llu of %llu active meters collected (%.2f%%), %llu failed, %llu never "
               "tried; %llu at the first try (%.2f%%)\n",
               (unsigned long long)collected, (unsigned long long)total, pct(collected, total),
               (unsigned long long)failed, (unsigned long long)(total - collected - failed),
               (unsigned long long)first, pct(first, total));
    }
    json_decref(root);
    if (collected_out)
        *collected_out = collected;
    return 0;
}

int cmd_report(int argc, char **argv)
{
    const char *db = "meterhub.db", *date = "yesterday", *month = NULL;
    int json = 0, curves = 0, realtime = 0, bad = argc < 2 || strcmp(argv[1], "collection") != 0;
    for (int i = 2; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (strcmp(argv[i], "--date") == 0 && i + 1 < argc)
            date = argv[++i];
        else if (strcmp(argv[i], "--month") == 0 && i + 1 < argc)
            month = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--curves") == 0)
            curves = 1;
        else if (strcmp(argv[i], "--realtime") == 0)
            realtime = 1;
        else
            bad = 1;
    }
    int64_t day;
    bad |= (curves || realtime) && month;
    if (!bad && (month ? serve_parse_month(month, 480, &day) : serve_parse_day(date, 480, &day)) != 0)
        bad = 1;
    if (bad) {
        fputs("usage: meterhub report collection [--db PATH] [--date YYYY-MM-DD|yesterday | "
              "--month YYYY-MM|last] [--curves | --realtime] [--json]\n",
              stderr);
        return 2;
    }
    return cmd_report_class(db,
                            month    ? STORE_CLASS_MONTH_FREEZE
                            : curves ? STORE_CLASS_CURVE
                            : realtime ? STORE_CLASS_REALTIME
                                     : STORE_CLASS_DAY_FREEZE,
                            day, json, NULL);
}
