/*
 * meterhub: one binary, one subcommand per job.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    {"fep", cmd_fep, "front end: terminals of an archive log in over TCP/UDP; events as JSON lines"},
    {"decode", cmd_decode, "decode DL/T 645, Q/GDW 1376.1 and DL/T 698.45 frames to JSON"},
    {"items", cmd_items, "list the normalized data items (OBIS codes, units)"},
    {"sim", cmd_sim, "simulated terminals and meters: run, archive, ground truth, floor"},
    {"archive", cmd_archive, "import the asset archive CSV into the store"},
    {"score", cmd_score, "run the analytics on a simulated day and score them against its truth"},
    {"api", cmd_api, "serve the HTTP/JSON API over a store; create API tokens"},
    {"serve", cmd_serve, "the master station: listen for terminals, collect, store"},
    {"report", cmd_report, "reports from the store: a day's collection success"},
    {"check", cmd_check, "compare stored readings with a simulator scenario's truth"},
    {"demo", cmd_demo, "master station and simulator side by side: a day collected"},
    {"control", cmd_control, "load management records: the protect list, commands and their results"},
    {"analyze", cmd_analyze, "analyse a stored day: consumption, line loss, alarms"},
    {"export", cmd_export, "a day of readings, events or collection status as files for billing"},
};

static void usage(FILE *f)
{
    fputs("usage: meterhub <command> [options]\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
    fputs("  version    print the version\n\n'meterhub <command> --help' for a command's options.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("meterhub %s\n", MH_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "meterhub: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
