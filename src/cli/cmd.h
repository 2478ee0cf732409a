/* The meterhub subcommands: each takes main's argv from its own name on. */
#ifndef MH_CLI_CMD_H
#define MH_CLI_CMD_H

#include <stdint.h>

int cmd_fep(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_items(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_archive(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_api(int argc, char **argv);
struct scenario;
/* sim run / sim floor on a loaded scenario, with the arguments after SCENARIO. */
int cmd_sim_run(const struct scenario *s, int argc, char **argv);
int cmd_sim_floor(const struct scenario *s, int argc, char **argv);
struct mh_tm;
/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" into a full, valid date-time; -1 when it is not one. */
int cmd_sim_parse_time(const char *text, struct mh_tm *out);
/* Local day number (days since 1970-01-01) of a YYYY-MM-DD date; -1 when it is not one. */
int64_t cmd_sim_parse_day(const char *text);

#endif
