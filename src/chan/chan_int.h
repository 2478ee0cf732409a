/*
 * chan internals shared by the TCP backends: the per-loop context and one
 * TCP connection (accepted or dialled).
 */
#ifndef MH_CHAN_INT_H
#define MH_CHAN_INT_H

#include "meterhub/chan.h"

struct chan_loop {
    uv_loop_t *loop;
    uint8_t buf[CHAN_READ_BUFFER];
};

struct chan_tcp;

/* Who owns a connection: told when its handle is closed (after on_close). */
struct chan_tcp_owner {
    void (*closed)(struct chan_tcp_owner *o, struct chan_tcp *t);
};

/* One stream connection: TCP (accepted or dialled), or a serial port opened as a pipe. */
struct chan_tcp {
    struct chan base;
    union {
        uv_tcp_t tcp;
        uv_pipe_t pipe; /* serial ports */
    };
    struct chan_loop *cl;
    const struct chan_events *ev;
    struct chan_tcp_owner *owner;
    struct chan_tcp *prev, *next; /* the owner's list */
    uint32_t write_cap;
    uint32_t queued;
    uint8_t closing;
    uint8_t opened;   /* on_open delivered: on_close is owed */
    uint8_t got_data; /* a byte arrived (dialler: resets the backoff) */
    uint8_t is_pipe;  /* not TCP: no peer address, no Nagle */
    int reason;                   /* for on_close */
    uint8_t addr[16];             /* peer address bytes (4 or 16) */
    uint8_t addr_len;
    char peer[64];
};

/* Set up t (already zeroed) around an initialised handle; names a TCP peer (a pipe's name is set by its owner). */
void chan_tcp_setup(struct chan_tcp *t, struct chan_loop *cl, const struct chan_events *ev,
                    struct chan_tcp_owner *owner, uint32_t write_cap);

/* Tell the owner's events, start reading. Returns 0 or MH_EIO (then closing). */
int chan_tcp_start(struct chan_tcp *t);
/* The same, with n bytes read from the socket elsewhere delivered first (a connection handed over). */
int chan_tcp_start_with(struct chan_tcp *t, const uint8_t *p, size_t n);

/* Close with a reason (first reason wins). */
void chan_tcp_close_reason(struct chan_tcp *t, int reason);

/* Close a handle that never reached on_open (refused, failed): no on_close. */
void chan_tcp_discard(struct chan_tcp *t);

/* Parse a numeric IPv4/IPv6 host. Returns 0 or MH_EINVAL. */
int chan_addr_parse(const char *host, uint16_t port, struct sockaddr_storage *ss);

/*
 * "<proto> 1.2.3.4:5" / "<proto> [::1]:5" into out, the address bytes (4 or
 * 16; port not included) into addr, their count into *addr_len (0 when the
 * family is neither). Returns the port.
 */
uint16_t chan_addr_describe(const struct sockaddr *sa, const char *proto, char *out, size_t cap,
                            uint8_t addr[16], uint8_t *addr_len);

struct mh_keymap;

/* Connections per source address: add delta (+1/-1) to the count of addr; returns the new count. */
uintptr_t chan_addr_count(struct mh_keymap *m, const uint8_t *addr, size_t len, int delta);

/* Make a bound socket (SO_REUSEADDR, optionally SO_REUSEPORT). Returns an fd or a negative errno. */
int chan_bound_socket(const struct sockaddr_storage *ss, int type, int reuseport);

/* The port a libuv socket handle is bound to (0 when unknown). */
uint16_t chan_handle_port(const struct sockaddr_storage *bound);

#define CHAN_WRITE_CAP_DEFAULT (64u * 1024u)

/*
 * Reconnecting owner of one connection at a time (TCP dial-out, serial
 * ports): attempt() starts a connection (setting conn) or fails
 * (chan_redial_failed); every close or failure schedules the next attempt
 * after a delay doubling from min to max, reset by a connection that
 * carried data.
 */
struct chan_redial {
    struct chan_tcp_owner owner; /* first */
    struct chan_loop *cl;
    const struct chan_events *ev;
    uv_timer_t timer;
    struct chan_tcp *conn;
    struct chan_dial_stats st;
    uint32_t delay_ms, min_ms, max_ms, write_cap;
    uint8_t closing, timer_closed;
    void (*attempt)(struct chan_redial *r);
    void (*done)(void *arg);
    void *done_arg;
};

/* Initialise (min/max 0: 1 s / 60 s) and make the first attempt now. */
void chan_redial_start(struct chan_redial *r, struct chan_loop *cl, const struct chan_events *ev,
                       uint32_t min_ms, uint32_t max_ms, uint32_t write_cap,
                       void (*attempt)(struct chan_redial *r));
/* An attempt failed before a connection existed: count it, schedule the next. */
void chan_redial_failed(struct chan_redial *r);
/* Stop; close the connection; r (the start of a malloc'd block) is freed once all is closed. */
void chan_redial_close(struct chan_redial *r, void (*done)(void *arg), void *arg);

#endif
