/*
 * The simulator's network side: every simulated terminal is a TCP client of
 * the master station on one libuv loop, with the channel faults of its
 * scenario injected here (latency, loss, corruption, resets, offline
 * windows, terminals that never log in). What a terminal says is not known
 * here: a protocol behaviour (struct sim_behaviour) builds its login and
 * heartbeat frames and answers the frames it receives.
 *
 * Memory: a connected idle terminal costs struct sim_term plus libuv's
 * handle; receive buffers exist only while a frame is incomplete, and one
 * read buffer serves the whole loop.
 */
#ifndef MH_SIM_NET_H
#define MH_SIM_NET_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/base/wr.h"
#include "meterhub/proto/framer.h"
#include "scenario.h"

struct sim_net;
struct sim_term;

/* Where a behaviour writes reply frames. */
struct sim_emit {
    struct sim_net *net;
    struct sim_term *term;
};

/* Queue one frame for sending (faults applied). Copies the bytes. */
int sim_emit_frame(struct sim_emit *em, const uint8_t *frame, size_t len);

struct sim_behaviour {
    const char *name;
    mh_frame_scan_fn scan;
    /* Login frame into w (nothing written: the protocol has no login). */
    void (*login)(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq,
                  int64_t now, struct mh_wr *w);
    void (*heartbeat)(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq,
                      int64_t now, struct mh_wr *w);
    /* One received frame (link layer valid). Replies through sim_emit_frame. */
    void (*on_frame)(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq,
                     const uint8_t *frame, size_t len, int64_t now, struct sim_emit *em);
    /*
     * Optional (NULL: the protocol reports nothing of its own accord):
     * report_next says when (simulated epoch second, INT64_MAX: never) the
     * terminal next wants to report — an event arises, a report's
     * confirmation is overdue — and report writes into w what it sends then
     * (nothing: not due after all).
     */
    void (*report)(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq,
                   int64_t now, struct mh_wr *w);
    int64_t (*report_next)(const struct scenario *s, const struct sim_terminal *t, int64_t now);
};

/* Behaviour for a terminal's protocol; NULL until that protocol is simulated. */
typedef const struct sim_behaviour *(*sim_behaviour_for_fn)(const struct sim_terminal *t);

struct sim_net_opts {
    const char *host;      /* master address, numeric IPv4 or IPv6 */
    int port;
    uint32_t rank, nprocs; /* this process serves terminals with id % nprocs == rank */
    int64_t clock_offset_s; /* simulated time = wall clock + offset */
    int duration_s;        /* stop after this long (0: until SIGINT/SIGTERM) */
    int progress;          /* print a progress line every second on stderr */
    sim_behaviour_for_fn behaviour_for;
};

struct sim_net_counters {
    uint64_t connects, connect_failures, logins, frames_in, frames_out, bad_frames_in;
    uint64_t dropped, corrupted, resets, delayed, offline_windows;
    uint64_t events_confirmed; /* events the master confirmed (or read), at the end of the run */
    uint32_t online, terminals;
};

/*
 * Run the terminals of this rank against the master until the duration ends
 * or a signal arrives. Returns 0, or a negative MH_E* when the loop could not
 * start; *out receives the counters.
 */
int sim_net_run(const struct scenario *s, const struct sim_net_opts *opts,
                struct sim_net_counters *out);

#endif
