/* The meterhub subcommands: each takes main's argv from its own name on. */
#ifndef MH_CLI_CMD_H
#define MH_CLI_CMD_H

#include <stdint.h>
#include <stdio.h>

int cmd_fep(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_items(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_archive(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_api(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_control(int argc, char **argv);
int cmd_export(int argc, char **argv);
/* The report of a day's collection (cmd_report.c); *collected (may be NULL) receives the count. */
int cmd_report_collection(const char *db, int64_t day, int json, uint64_t *collected);
/* The same for an item class (enum store_item_class) and its day (monthly: the month's 1st). */
int cmd_report_class(const char *db, int item_class, int64_t day, int json, uint64_t *collected);
struct serve_opts;
/* serve's options (cmd_serve.c): defaults, and one option at argv[*i] (1 taken, 0 not one, -1 bad). */
void cmd_serve_defaults(struct serve_opts *o);
int cmd_serve_option(struct serve_opts *o, int argc, char **argv, int *i);
struct scenario;
/* sim run / sim floor on a loaded scenario, with the arguments after SCENARIO. */
int cmd_sim_run(struct scenario *s, int argc, char **argv);
int cmd_sim_floor(const struct scenario *s, int argc, char **argv);
int cmd_sim_load(const struct scenario *s, int argc, char **argv);
struct mh_tm;
/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" into a full, valid date-time; -1 when it is not one. */
int cmd_sim_parse_time(const char *text, struct mh_tm *out);
/* Local day number (days since 1970-01-01) of a YYYY-MM-DD date; -1 when it is not one. */
int64_t cmd_sim_parse_day(const char *text);
int cmd_analyze(int argc, char **argv);
struct store;
/*
 * Analyse local day `day` over st (app/analyze.h) and print its figures to
 * out (NULL: one log line instead). 0 or MH_E* (logged).
 */
int cmd_analyze_report(struct store *st, int64_t day, int history, int utc_offset_min, int json,
                       FILE *out);

#endif
