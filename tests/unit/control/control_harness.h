/*
 * A master station for the control tests, over real loopback sockets: a
 * SQLite store holding the simulator's archive, a fep with the collector's
 * directory on one loop (run in steps from the test thread), a control
 * engine on it, and the simulator's terminals (sim_net) on a thread of
 * their own with simulated time equal to the wall clock. One extra
 * special-transformer terminal in the archive is played by the test
 * itself ("fake"): silent, or confirming commands it does not carry out.
 */
#ifndef MH_TEST_CONTROL_HARNESS_H
#define MH_TEST_CONTROL_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/control.h"
#include "scenario.h"

enum fake_mode { FAKE_SILENT, FAKE_LIAR };

#define CH_FRAMES 32

struct ch {
    struct scenario *s;
    struct store *st;
    char db[64];
    struct control *ctl;
    /* terminal ids in the store and their simulated terminals */
    int64_t gdw[2], d698, tm698, conc, fake; /* tm698: a 698.45 transformer monitor (no relays) */
    const struct sim_terminal *s_gdw[2], *s_698, *s_conc;
    char fake_customer[16];
    enum fake_mode fake_mode;
    /* commands finished (on_finished) and frames built (on_frame), in order */
    int64_t finished[256];
    int n_finished;
    uint8_t frames[CH_FRAMES][1024];
    size_t frame_len[CH_FRAMES];
    int n_frames;
};

/* Start everything; cfg may be NULL (defaults). Waits for every terminal to log in. */
void ch_start(struct ch *h, const struct control_cfg *cfg);
void ch_stop(struct ch *h);

/* Replace the engine with one of another configuration (same fep, store and terminals). */
void ch_control_cfg(struct ch *h, const struct control_cfg *cfg);

/* Run the loop until command id finished (at most ms). 1 when it did. */
int ch_wait(struct ch *h, int64_t id, unsigned ms);

/* Submit one command to (terminal, pn) as who and wait for it. Returns its id. */
int64_t ch_run(struct ch *h, int kind, int64_t terminal, uint16_t pn, const struct control_params *p,
               const char *who);

/* The command's state and its (first) target's result and detail. */
void ch_result(struct ch *h, int64_t id, int *state, int *result, char *detail, size_t cap);

/* The station's loop and collector (on-demand reads). */
uv_loop_t *ch_loop(void);
struct collect *ch_collect(void);
/* The station's fep (a route's way to the terminals, control_cfg.submit). */
struct fep *ch_fep(void);
/* Run the loop until *flag is set (at most ms). 1 when it was. */
int ch_wait_flag(const int *flag, unsigned ms);

/* Registers of tariffs 1..4 (kWh x 10^4) of meter at t, stored and committed. */
void ch_put_registers(struct ch *h, int64_t meter, int64_t t, const int64_t reg[4]);
/* Run the loop until no command is in flight (fails the test if that takes over 20 s). */
void ch_wait_idle(struct ch *h);

/* Simulated time now (epoch seconds). */
int64_t ch_now(void);

#endif
