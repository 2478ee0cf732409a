/*
 * Test harness for the front end over real loopback sockets: one libuv loop
 * (run in steps from the test thread), a fep on a TCP listener, a terminal
 * directory and a sink that record what they see, and raw blocking client
 * sockets that play the terminals byte by byte.
 */
#ifndef MH_TEST_FEP_HARNESS_H
#define MH_TEST_FEP_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/chan.h"
#include "meterhub/fep.h"
#include "meterhub/proto/framer.h"

#define FX_MAX_EVENTS 32

struct fx_event {
    char kind;      /* 'n' online, 'f' offline, 'r' report, 'e' events pending (reason = EC1) */
    char addr[FEP_ADDR_MAX];
    int reason;
    uint64_t token;
    size_t len;
};

struct fx_done {
    int calls;
    int status;
    unsigned n_frames;
    size_t len;
    uint32_t rtt_ms;
    uint32_t wire_ms;
    uint8_t bytes[1024];
};

struct fx {
    uv_loop_t loop;
    struct chan_loop *cl;
    struct fep *fep;
    struct fep_port *port;
    struct chan_tcp_listener *lis;
    uint16_t port_no;
    const char *known[4];
    uint16_t heartbeat_s;
    uint16_t elsewhere; /* given for every known terminal (fep_terminal_info.elsewhere) */
    struct fx_event ev[FX_MAX_EVENTS];
    int n_ev;
};

/* cfg may be NULL (test defaults: short timeouts). lcfg may be NULL. */
void fx_start(struct fx *x, const struct fep_cfg *cfg, const struct chan_tcp_listen_cfg *lcfg,
              enum fep_proto_id proto);
void fx_stop(struct fx *x);

/* Run the loop for about ms milliseconds. */
void fx_run(struct fx *x, unsigned ms);

/* A blocking client connected to the listener. */
int fx_connect(struct fx *x);
void fx_send(int fd, const uint8_t *p, size_t n);

/*
 * Read exactly n bytes (running the loop meanwhile) within ms: returns n,
 * 0 on EOF, or -1 on timeout.
 */
long fx_recv(struct fx *x, int fd, uint8_t *p, size_t n, unsigned ms);

/* Read one whole frame of a protocol (by its framer) within ms; returns its length, 0 EOF, -1 timeout. */
long fx_recv_frame(struct fx *x, int fd, mh_frame_scan_fn scan, uint8_t *p, size_t cap, unsigned ms);

/* Is the peer closed (EOF seen within ms)? */
int fx_eof(struct fx *x, int fd, unsigned ms);

/* Count events of a kind. */
int fx_count(const struct fx *x, char kind);

/* The request completion callback recording into a struct fx_done. */
void fx_done_cb(void *ctx, enum fep_status st, const struct fep_reply *r);

/*
 * Send a reply on fd and run the loop until d's request completes (at most
 * 1 s). Returns its status, or -1 when the callback has not run once.
 */
int fx_answer(struct fx *x, int fd, const uint8_t *p, size_t n, const struct fx_done *d);

/*
 * A Q/GDW 1376.1 terminal's reply to a clock read: C = 88, AFN 0C, p0 F2
 * (A.1: 03:04:05 on 2026-11-24), SEQ as given, from the terminal at
 * address a, into buf (128 bytes). Its length, 0 when it cannot be built.
 */
struct gdw1376_addr;
size_t fx_gdw1376_clock_reply(const struct gdw1376_addr *a, uint8_t seq, uint8_t *buf);

/* Fixed wall clock for byte-exact 698.45 answers: 2025-04-03 15:20:06.250 UTC. */
#define FX_WALL_MS 1743693606250LL

#endif
