/* The meterhub subcommands: each takes main's argv from its own name on. */
#ifndef MH_CLI_CMD_H
#define MH_CLI_CMD_H

int cmd_fep(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_items(int argc, char **argv);
int cmd_sim(int argc, char **argv);

#endif
