/*
 * Channels: byte streams to terminals on one libuv loop (ARCHITECTURE.md,
 * tier chan). The tier above (fep) sees only struct chan and its ops, so a
 * TCP connection accepted from a GPRS terminal and one dialled out to a DTU
 * (or, later, UDP and serial ports) look the same.
 *
 * Ownership and threading: everything here runs on the loop's thread. A
 * struct chan is owned by its backend; the user may keep a pointer from
 * on_open until on_close returns, never after. Bytes handed to on_data are a
 * view into the loop's one read buffer, valid only during the call: a user
 * that needs a partial frame later copies just that tail (STYLE.md 5).
 *
 * Writes: send hands bytes to the kernel at once when it takes them and
 * copies only the rest into a queue capped at write_cap bytes; a peer that
 * stops reading gets MH_EOVERFLOW instead of unbounded memory.
 */
#ifndef MH_CHAN_H
#define MH_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct chan;

/* One backend's operations (one const instance per backend). */
struct chan_ops {
    /*
     * Send n bytes (copied). 0, MH_ECLOSED (closing), MH_EOVERFLOW (queue
     * would exceed write_cap; nothing queued) or MH_EIO (the connection
     * failed and is being closed).
     */
    int (*send)(struct chan *c, const uint8_t *p, size_t n);
    /*
     * Close now: what the kernel has already taken is delivered, what is
     * still queued here is dropped (so a peer that stopped reading cannot
     * hold a closing connection open). Idempotent. on_close follows from
     * the loop, never from inside close.
     */
    void (*close)(struct chan *c);
    /* "tcp 127.0.0.1:40512" / "tcp [::1]:40512": static per channel. */
    const char *(*peer)(const struct chan *c);
};

struct chan_stats {
    uint64_t bytes_in, bytes_out;
    uint32_t queued; /* bytes waiting in the write queue now */
};

struct chan {
    const struct chan_ops *ops;
    void *user; /* the owner's pointer (a fep session); NULL until set */
    struct chan_stats st;
};

static inline int chan_send(struct chan *c, const uint8_t *p, size_t n)
{
    return c->ops->send(c, p, n);
}

static inline void chan_close(struct chan *c)
{
    c->ops->close(c);
}

static inline const char *chan_peer(const struct chan *c)
{
    return c->ops->peer(c);
}

/* What a backend tells its owner. Callbacks run on the loop. */
struct chan_events {
    void (*on_open)(void *ctx, struct chan *c);
    /* p is valid during the call only. */
    void (*on_data)(void *ctx, struct chan *c, const uint8_t *p, size_t n);
    /*
     * The channel is gone: 0 peer closed, MH_ECLOSED closed locally, MH_EIO
     * error, MH_EOVERFLOW write queue full. c is freed when this returns.
     */
    void (*on_close)(void *ctx, struct chan *c, int reason);
    void *ctx;
};

/*
 * The per-loop context: the one read buffer every channel of the loop reads
 * into. chan_loop_free only after every listener and dialler on it is closed
 * and their close callbacks have run.
 */
struct chan_loop;

#define CHAN_READ_BUFFER (64u * 1024u)

struct chan_loop *chan_loop_new(uv_loop_t *loop);
void chan_loop_free(struct chan_loop *cl);
uv_loop_t *chan_loop_uv(struct chan_loop *cl);

/* ---- TCP listener (terminals dial in) ---- */

struct chan_tcp_listen_cfg {
    const char *host;      /* "0.0.0.0", "::", "127.0.0.1"; NULL = "0.0.0.0" */
    uint16_t port;         /* 0: an ephemeral port (chan_tcp_listener_port) */
    int backlog;           /* 0: 1024 */
    int reuseport;         /* SO_REUSEPORT: several front-end processes share the port */
    uint32_t max_conns;    /* 0: unlimited */
    uint32_t max_per_addr; /* connections from one source address; 0: unlimited */
    uint32_t write_cap;    /* per connection; 0: 64 KiB */
};

struct chan_listener_stats {
    uint64_t accepted;
    uint64_t refused_max;  /* over max_conns */
    uint64_t refused_addr; /* over max_per_addr */
    uint64_t accept_errors;
    uint32_t active;
    uint64_t adopted; /* connections handed over by another process (chan_tcp_adopt) */
};

struct chan_tcp_listener;

/*
 * Bind and listen. ev is borrowed (must outlive the listener). Returns 0 and
 * *out, or MH_EINVAL (bad host), MH_EIO (socket/bind/listen failed; logged
 * with the system's reason), MH_ENOMEM.
 */
int chan_tcp_listen(struct chan_loop *cl, const struct chan_tcp_listen_cfg *cfg,
                    const struct chan_events *ev, struct chan_tcp_listener **out);

/* The bound port (useful with port 0). */
uint16_t chan_tcp_listener_port(const struct chan_tcp_listener *l);

const struct chan_listener_stats *chan_tcp_listener_stats(const struct chan_tcp_listener *l);

/*
 * Stop accepting and close every connection (each gets on_close). The
 * listener frees itself once all its handles are closed; done(arg) runs
 * then (may be NULL).
 */
void chan_tcp_listener_close(struct chan_tcp_listener *l, void (*done)(void *arg), void *arg);

/* ---- handing a connection to another process (several front ends, ARCHITECTURE.md) ---- */

/*
 * A duplicate of an accepted TCP connection's descriptor, to be sent to the
 * process that owns the terminal (SCM_RIGHTS): the caller closes the
 * channel after sending and the duplicate once sent; the kernel's socket
 * stays open through the duplicate, and what the peer sent since the last
 * read stays queued in it. A negative errno (dup failed) or MH_EINVAL (not
 * a TCP connection, or closing).
 */
int chan_tcp_detach_fd(struct chan *c);

/*
 * Take over a connected TCP socket fd (received from another process) as a
 * connection of listener l: on_open, then on_data with the n bytes p that
 * the other process already read from it (copied through the loop's
 * buffer; n <= CHAN_READ_BUFFER), then reading goes on. fd is owned from
 * the call on, also on failure (closed). 0, MH_ECLOSED (l closing), MH_EINVAL (not a
 * stream socket, n too large),
 * MH_ENOMEM, MH_EIO.
 */
int chan_tcp_adopt(struct chan_tcp_listener *l, int fd, const uint8_t *p, size_t n);

/* ---- TCP dial-out (DTUs, serial servers: the master connects) ---- */

struct chan_tcp_dial_cfg {
    const char *host;         /* numeric IPv4 or IPv6 */
    uint16_t port;
    uint32_t backoff_min_ms;  /* first retry delay; 0: 1000 */
    uint32_t backoff_max_ms;  /* cap of the doubling delay; 0: 60000 */
    uint32_t write_cap;       /* 0: 64 KiB */
};

struct chan_dial_stats {
    uint64_t attempts, connects, failures;
    uint32_t next_delay_ms;
};

struct chan_tcp_dialer;

/*
 * Connect now, and again after every failure or close with a delay that
 * doubles from backoff_min to backoff_max (reset by a connection that
 * delivered data). Each connection is a new struct chan: on_open when
 * connected, on_close when it ends. Returns 0 and *out, MH_EINVAL, MH_ENOMEM.
 */
int chan_tcp_dial(struct chan_loop *cl, const struct chan_tcp_dial_cfg *cfg,
                  const struct chan_events *ev, struct chan_tcp_dialer **out);

const struct chan_dial_stats *chan_tcp_dialer_stats(const struct chan_tcp_dialer *d);

/* Stop reconnecting, close the connection; frees itself, then done(arg). */
void chan_tcp_dialer_close(struct chan_tcp_dialer *d, void (*done)(void *arg), void *arg);

/* ---- serial ports (RS-232/485 adapters, radio modems) ---- */

struct chan_serial_cfg {
    const char *path;        /* "/dev/ttyS0", "/dev/ttyUSB0" */
    uint32_t baud;           /* 1200 .. 115200; 0: 9600 */
    uint8_t data_bits;       /* 7 or 8; 0: 8 */
    char parity;             /* 'N', 'E', 'O'; 0: 'E' (DL/T 645 and most RS-485 meters: 8E1) */
    uint8_t stop_bits;       /* 1 or 2; 0: 1 */
    uint32_t reopen_min_ms;  /* the port is reopened after an error or close; 0: 1000 */
    uint32_t reopen_max_ms;  /* 0: 60000 */
    uint32_t write_cap;      /* 0: 64 KiB */
};

struct chan_serial;

/*
 * Open a serial port raw (no echo, no line discipline) with the given
 * line settings, and keep it open: after an error (an adapter unplugged)
 * it is reopened with doubling delays. Each opening is a struct chan
 * ("serial /dev/ttyUSB0"). Returns 0 and *out (the first open may still
 * be pending or failing: see the stats), MH_EINVAL (settings), MH_ENOMEM.
 */
int chan_serial_open(struct chan_loop *cl, const struct chan_serial_cfg *cfg, const struct chan_events *ev,
                     struct chan_serial **out);
const struct chan_dial_stats *chan_serial_stats(const struct chan_serial *s);
void chan_serial_close(struct chan_serial *s, void (*done)(void *arg), void *arg);

/* ---- UDP (terminals that send datagrams; one channel per peer address) ---- */

struct chan_udp_cfg {
    const char *host;      /* as for TCP */
    uint16_t port;         /* 0: ephemeral */
    int reuseport;
    uint32_t max_peers;    /* 0: unlimited */
    uint32_t max_per_addr; /* peers (ports) from one source address; 0: unlimited */
    uint32_t send_cap;     /* bytes waiting for the socket, all peers; 0: 256 KiB */
};

struct chan_udp_stats {
    struct chan_listener_stats peers; /* accepted = peers created */
    uint64_t datagrams_in, truncated, send_dropped, recv_errors;
};

struct chan_udp_listener;

/*
 * Every datagram from a new (address, port) opens a channel (on_open) and
 * is delivered whole (on_data: one datagram per call, so a frame never
 * spans calls unless the terminal split it). send is one datagram to that
 * peer; when the socket is full beyond send_cap the datagram is dropped
 * and counted (UDP may lose it anyway; the fep's retries cover both). A
 * channel lives until closed (the fep closes silent terminals); on_close
 * follows from the loop. Returns as chan_tcp_listen.
 */
int chan_udp_listen(struct chan_loop *cl, const struct chan_udp_cfg *cfg, const struct chan_events *ev,
                    struct chan_udp_listener **out);
uint16_t chan_udp_listener_port(const struct chan_udp_listener *l);
const struct chan_udp_stats *chan_udp_listener_stats(const struct chan_udp_listener *l);
/* Close every peer (on_close each), then the socket; frees itself, then done(arg). */
void chan_udp_listener_close(struct chan_udp_listener *l, void (*done)(void *arg), void *arg);

#endif
