/*
 * Front-end sessions (ARCHITECTURE.md, tier fep): one session per terminal
 * connection. A session recognises the protocol from the first frame
 * (Q/GDW 1376.1 or DL/T 698.45, or fixed per port), checks the login
 * against a terminal directory, confirms login and heartbeats, declares the
 * terminal offline when heartbeats stop, runs a prioritised request queue per
 * terminal matched to replies by sequence number, and hands active reports
 * up, confirming each only once the layer above says it is stored.
 *
 * The fep knows the layer above only through two small interfaces of
 * function pointers (struct fep_directory, struct fep_sink), which collect
 * wires to the store, and the layer below only through struct chan_events.
 * Everything runs on one loop's thread. State machine, limits and memory per
 * terminal: docs/fep.md.
 */
#ifndef MH_FEP_H
#define MH_FEP_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/chan.h"

/*
 * DLT645: meters behind a DTU or on a serial port. They never log in: the
 * fep asks the meter's address (broadcast read-address) and checks that
 * against the directory instead; on an AUTO port it asks when a connection
 * has sent no frame for a third of login_timeout_ms. Requests are answered
 * one at a time (no sequence numbers).
 */
enum fep_proto_id { FEP_PROTO_AUTO = 0, FEP_PROTO_GDW1376 = 1, FEP_PROTO_DLT698 = 2, FEP_PROTO_DLT645 = 3 };

/*
 * Terminal addresses as the archive writes them (archive.h): Q/GDW 1376.1
 * "RRRRAAAA" (region BCD digits then the binary address as 4 hex digits),
 * DL/T 698.45 the server address as printed (most significant first),
 * DL/T 645 the meter's 12-digit address.
 */
#define FEP_ADDR_MAX 33

/* What the directory knows of a terminal. */
struct fep_terminal_info {
    uint16_t heartbeat_s; /* 0: the period the terminal announces, else the fep default */
    uint8_t pw_len;       /* 1376.1 downlink PW length (16; 2 for Q/GDW 130 heritage) */
    /*
     * 0: held here. Else known, but held by front-end process elsewhere - 1
     * (the station's partition, collect.h): the connection is handed to it
     * (fep_cfg.handoff) instead of logging in here.
     */
    uint16_t elsewhere;
};

/* The terminal directory (the archive, through collect and store). */
struct fep_directory {
    /* 0 and *info when the terminal is known; MH_ENOENT when it is not. */
    int (*lookup)(void *ctx, enum fep_proto_id proto, const char *addr,
                  struct fep_terminal_info *info);
    void *ctx;
};

enum fep_offline_reason {
    FEP_OFF_CLOSED,    /* the peer closed or the connection failed */
    FEP_OFF_HEARTBEAT, /* no frame for heartbeat_misses periods */
    FEP_OFF_LOGOUT,    /* the terminal logged out */
    FEP_OFF_REPLACED,  /* a new login of the same address took over */
    FEP_OFF_ERROR,     /* write queue overflow, out of memory */
    FEP_OFF_SHUTDOWN,  /* fep_close */
};

const char *fep_offline_name(int reason);

/* Where events and reports go (collect, then store). Any pointer may be NULL. */
struct fep_sink {
    void (*on_online)(void *ctx, const char *addr, enum fep_proto_id proto, const char *peer);
    /* REPLACED is not an offline event: on_online of the new connection follows. */
    void (*on_offline)(void *ctx, const char *addr, enum fep_offline_reason reason);
    /*
     * An active report (1376.1 unsolicited uplink with PRM = 1, e.g. AFN0E
     * events or task data; 698.45 REPORT-Notification). frame is valid only
     * during the call. When the terminal asked for a confirm, token != 0:
     * call fep_report_stored(token) once the report is durable, and only
     * then is it confirmed (a terminal re-sends what is not confirmed).
     */
    void (*on_report)(void *ctx, const char *addr, uint64_t token, const uint8_t *frame, size_t len);
    /* 1376.1 ACD: the terminal has important events (EC1) waiting to be read. */
    void (*on_events_pending)(void *ctx, const char *addr, uint8_t ec1, uint8_t ec2);
    void *ctx;
};

struct fep_cfg {
    uint32_t login_timeout_ms;   /* connection idle before a valid login; 0: 30000 */
    uint16_t heartbeat_s;        /* when neither directory nor terminal says; 0: 900 */
    uint8_t heartbeat_misses;    /* silent periods before offline; 0: 3 */
    uint32_t request_timeout_ms; /* first attempt; doubles per retry; 0: 20000 */
    uint32_t request_timeout_max_ms; /* 0: 120000 */
    uint8_t retries;             /* re-sends after the first attempt; 255 means 0 */
    uint8_t window;              /* outstanding requests per terminal; 0: 1 */
    uint16_t queue_max;          /* queued requests per terminal; 0: 256 */
    uint32_t max_frame;          /* largest frame accepted; 0: 16391 (1376.1 maximum) */
    uint32_t reply_max;          /* bytes of one multi-frame reply; 0: 65536 */
    uint16_t max_fps;            /* frames per second per session; 0: 100 */
    uint16_t reports_max;        /* unconfirmed reports per session; 0: 32 */
    int16_t utc_offset_min;      /* the stations' local time (698 LINK-Response); default 0 */
    /* Wall clock in Unix ms (698 LINK-Response times); NULL: the system clock. */
    int64_t (*wall_ms)(void *ctx);
    void *wall_ctx;
    /*
     * A login the directory says belongs elsewhere: hand connection c over to
     * process owner (fep_terminal_info.elsewhere - 1)
     * with the n bytes p read from it from the login frame on (the login
     * and whatever followed it). The session then ends here without an
     * answer, an online or an offline event: the owner answers the login.
     * Returns 0 when handed over, else an MH_E* (the connection is cut; the
     * terminal dials again). NULL: such logins are refused as unknown.
     */
    int (*handoff)(void *ctx, unsigned owner, const char *addr, struct chan *c, const uint8_t *p,
                   size_t n);
    void *handoff_ctx;
};

struct fep;

/* Create a fep on a loop. dir and sink are copied. Returns 0, MH_ENOMEM. */
int fep_new(uv_loop_t *loop, const struct fep_cfg *cfg, const struct fep_directory *dir,
            const struct fep_sink *sink, struct fep **out);

/*
 * Close every session (offline SHUTDOWN, queued requests fail OFFLINE) and
 * free the fep once their handles are closed; done(arg) then. Close the
 * listeners feeding it first (chan_tcp_listener_close).
 */
void fep_close(struct fep *f, void (*done)(void *arg), void *arg);

/* ---- ports: one per listener or dialler ---- */

struct fep_port_stats {
    uint64_t connections, logins, login_refused, login_timeouts, replaced;
    uint64_t frames_in, frames_out, bad_frames, oversize, rate_dropped, stray;
    uint64_t handed_off; /* logins passed to the owning process (fep_cfg.handoff) */
};

struct fep_port;

/*
 * A port: the chan_events a listener or dialler delivers to, with a fixed
 * protocol or FEP_PROTO_AUTO (recognised from the first frame). Owned by the
 * fep (freed by fep_close). Returns NULL on ENOMEM.
 */
struct fep_port *fep_port_new(struct fep *f, enum fep_proto_id proto);
const struct chan_events *fep_port_events(struct fep_port *p);
const struct fep_port_stats *fep_port_stats(const struct fep_port *p);

/* ---- requests ---- */

/*
 * Queue priorities, highest first: a control command; an operator's single
 * read; a round someone started now (many requests: it overtakes the
 * schedule but not an operator's read); the schedule. CONTROL and DEMAND
 * may use the lane beside the window (docs/fep.md "Requests").
 */
enum fep_prio {
    FEP_PRIO_CONTROL = 0,
    FEP_PRIO_DEMAND = 1,
    FEP_PRIO_ROUND = 2,
    FEP_PRIO_SCHEDULED = 3,
    FEP_PRIO_COUNT_
};

enum fep_status {
    FEP_DONE = 0,     /* reply frames delivered */
    FEP_TIMEOUT,      /* no (complete) reply after every retry */
    FEP_DENIED,       /* 1376.1 AFN00 F2, 698.45 ERROR-Response */
    FEP_DECODE,       /* a broken multi-frame sequence, or a reply over reply_max */
    FEP_OFFLINE,      /* the terminal went offline with the request queued or pending */
    FEP_CANCELLED,    /* fep_cancel */
};

const char *fep_status_name(int status);

/* The reply: frames back to back; frame i is bytes[ends[i-1] .. ends[i]) (ends[-1] = 0). */
struct fep_reply {
    const uint8_t *bytes;
    const uint32_t *ends;
    unsigned n_frames;
    /*
     * Milliseconds from the request's transmission to the first frame of its
     * reply (at least 1), for a round-trip estimate; 0 when the request was
     * sent more than once, since a reply then cannot be told to answer the
     * first or a later copy (Karn's rule, RFC 6298 §3).
     */
    uint32_t rtt_ms;
    /*
     * Milliseconds from the request's first transmission to the reply's last
     * frame (at least 1): the channel's and the terminal's share of the
     * exchange, re-sends included; what a caller's own latency is measured
     * against (the master's share is the rest).
     */
    uint32_t wire_ms;
};

/* Runs exactly once per accepted request. r is NULL unless FEP_DONE; valid during the call. */
typedef void (*fep_done_fn)(void *ctx, enum fep_status status, const struct fep_reply *r);

struct fep_request {
    enum fep_prio prio;
    /*
     * One complete request frame built with the codec (gdw1376_enc_read,
     * dlt698_frame_encode(dlt698_enc_get ...)); copied. The fep writes its
     * own sequence number into it (1376.1 PSEQ, 698.45 PIID bits 5..0) and
     * fixes the checksum, so the caller's sequence does not matter.
     */
    const uint8_t *frame;
    size_t len;
    uint32_t timeout_ms; /* 0: the fep's */
    uint8_t retries;     /* 0: the fep's; 255: none */
    fep_done_fn done;
    void *ctx;
};

/*
 * Queue a request for an online terminal. Returns a request id (> 0) and
 * later runs done; or, without running done: MH_ENOENT (terminal not
 * online), MH_EINVAL (not one valid frame of the terminal's protocol),
 * MH_EBUSY (queue full), MH_ENOMEM.
 */
int64_t fep_request_submit(struct fep *f, const char *addr, const struct fep_request *r);

/* Cancel a queued or pending request: done runs with FEP_CANCELLED. 0 or MH_ENOENT. */
int fep_request_cancel(struct fep *f, int64_t id);

/* A report handed up with this token is durable: confirm it now. 0 or MH_ENOENT (gone). */
int fep_report_stored(struct fep *f, uint64_t token);

/* ---- inspection ---- */

struct fep_session_stats {
    uint32_t frames_in, frames_out, bad_frames, oversize, rate_dropped, stray;
    uint32_t requests, replies, timeouts, retries, reports;
    uint32_t rx_buffered; /* bytes of a partial frame held now */
    uint16_t queued, pending;
};

/* Is addr online? 1/0. Fills *st (may be NULL) when online. */
int fep_terminal_stats(const struct fep *f, const char *addr, struct fep_session_stats *st);

/* Sessions open (logged in or not) and terminals online. */
size_t fep_sessions(const struct fep *f);
size_t fep_online(const struct fep *f);

#endif
