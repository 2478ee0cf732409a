/*
 * meterhub export --db URI --date YYYY-MM-DD|yesterday
 *                 --what readings|events|collection|all [--format csv|json] --out DIR
 *                 [--tz-offset-minutes M]
 *
 * One local day of a store as files for billing and other systems:
 * DIR/YYYY-MM-DD/<what>.<format>, each written to a temporary file and
 * renamed into place (docs/export.md). Prints the files written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "meterhub/export.h"
#include "meterhub/store.h"
#include "serve.h"

static void export_usage(FILE *f)
{
    fputs("usage: meterhub export --db URI --date YYYY-MM-DD|yesterday\n"
          "         --what readings|events|collection|all [--format csv|json] --out DIR\n"
          "         [--tz-offset-minutes M]\n"
          "  readings    the day's frozen energy registers of every meter\n"
          "  events      events that started during the day\n"
          "  collection  every meter's collection status for the day, with the reason\n"
          "  writes DIR/YYYY-MM-DD/<what>.<format> atomically (docs/export.md)\n",
          f);
}

int cmd_export(int argc, char **argv)
{
    const char *db = NULL, *date = NULL, *what = NULL, *out = NULL, *format = "csv";
    long tz = 480;
    /* every option takes a value */
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            export_usage(stdout);
            return 0;
        }
        const char **dst = strcmp(a, "--db") == 0       ? &db
                           : strcmp(a, "--date") == 0   ? &date
                           : strcmp(a, "--what") == 0   ? &what
                           : strcmp(a, "--out") == 0    ? &out
                           : strcmp(a, "--format") == 0 ? &format
                                                        : NULL;
        char *end = NULL;
        if (v && dst)
            *dst = v;
        else if (v && strcmp(a, "--tz-offset-minutes") == 0) {
            errno = 0;
            tz = strtol(v, &end, 10);
            if (errno || *end || end == v || tz < -720 || tz > 840)
                dst = NULL, v = NULL;
        }
        if (!v) {
            fprintf(stderr, "meterhub export: bad option '%s'\n", a);
            export_usage(stderr);
            return 2;
        }
    }
    int64_t day;
    int w = what && strcmp(what, "all") == 0 ? EXPORT_WHAT_COUNT_ : what ? export_what_parse(what) : -1;
    if (!db || !date || !out || w < 0 || (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) ||
        serve_parse_day(date, (int)tz, &day) != 0) {
        export_usage(stderr);
        return 2;
    }
    char err[512] = "";
    struct store *st;
    if (store_open(db, NULL, &st, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub: %s\n", err);
        return 1;
    }
    int rc = 0;
    for (int k = w == EXPORT_WHAT_COUNT_ ? 0 : w; k <= (w == EXPORT_WHAT_COUNT_ ? w - 1 : w); k++) {
        struct export_req r = {.day = day, .utc_offset_min = (int16_t)tz,
                               .what = (enum export_what)k,
                               .format = format[0] == 'j' ? EXPORT_JSON : EXPORT_CSV, .dir = out};
        char path[4400];
        int n = export_run(st, &r, path, sizeof path, err, sizeof err);
        if (n < 0) {
            fprintf(stderr, "meterhub export: %s\n", err);
            rc = 1;
            break;
        }
        printf("%s: %d rows\n", path, n);
    }
    store_close(st);
    return rc;
}
