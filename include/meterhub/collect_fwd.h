/*
 * On-demand reads and fep requests between front-end processes (serve
 * --procs): the messages a process sends the owner of a terminal
 * (collect_owner) to have it read the terminal, or send the terminal one
 * request frame through its fep (a command's step: the command engine runs
 * in one process, the terminals are spread over all), and the owner's
 * answers. Pure encoding: no I/O here; the transport is the workers' mesh
 * (src/cli/serve_mesh.c, serve_fwd.c).
 *
 * Every message: version (2), type, the sender's worker index (u16), the
 * request id (u32), the request's deadline (CLOCK_MONOTONIC ms, u64: one
 * clock for every process of the machine), then the body of the type. All
 * integers big-endian. A message is at most COLLECT_FWD_MSG_MAX bytes, so
 * one datagram always holds it.
 *   READ:   meter i64, terminal i64, timeout_ms u32, n u8 (1..16), item u32 x n
 *   TAKEN:  nothing (the owner started the read: its own timeouts apply now)
 *   RESULT: status i32, fep_status i32, bad_item u32, terminal i64, t i64,
 *           received_ms i64, n u16 (<= COLLECT_READ_VALUES_MAX),
 *           (meter i64, item u32, mantissa i64, exponent i8) x n,
 *           device_ms u32 (collect_read_result; since version 2)
 *   FEP:    prio u8 (enum fep_prio), retries u8, timeout_ms u32, address
 *           length u8 (1..FEP_ADDR_MAX-1, printable ASCII), address,
 *           frame length u16 (1..COLLECT_FWD_FRAME_MAX), frame
 *           (answered TAKEN once the owner's fep queued it, then FEP_RESULT)
 *   FEP_RESULT: status i32 (enum fep_status, or < 0: the MH_E* with which
 *           the owner's fep refused the request, e.g. MH_ENOENT: the
 *           terminal is not online there), rtt_ms u32, frames u8
 *           (0..COLLECT_FWD_REPLY_FRAMES_MAX, 0 unless status is FEP_DONE),
 *           end offset u32 x frames (each frame at least one byte), the
 *           reply's bytes (as many as the last end offset)
 *   CANCEL: nothing (the asker gave the request up: the owner cancels it)
 *   HELLO:  nothing (the sender has just started: whatever an earlier
 *           process of its index had taken is lost with that process)
 */
#ifndef MH_COLLECT_FWD_H
#define MH_COLLECT_FWD_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/collect.h"

#define COLLECT_FWD_VERSION 2
#define COLLECT_FWD_HDR 16
/* A forwarded request frame, and a reply: far above any command's frames (a few hundred bytes). */
#define COLLECT_FWD_FRAME_MAX 2048
#define COLLECT_FWD_REPLY_MAX 8192
#define COLLECT_FWD_REPLY_FRAMES_MAX 32
/* The largest message: a FEP_RESULT (a READ's RESULT is at most 16 + 38 + 128 x 21 + 4 bytes). */
#define COLLECT_FWD_MSG_MAX \
    (COLLECT_FWD_HDR + 9 + COLLECT_FWD_REPLY_FRAMES_MAX * 4 + COLLECT_FWD_REPLY_MAX)

enum collect_fwd_type {
    COLLECT_FWD_READ = 1,
    COLLECT_FWD_TAKEN = 2,
    COLLECT_FWD_RESULT = 3,
    COLLECT_FWD_FEP = 4,
    COLLECT_FWD_FEP_RESULT = 5,
    COLLECT_FWD_CANCEL = 6,
    COLLECT_FWD_HELLO = 7,
};

/* FEP: one request for the owner's fep (fep_request_submit). */
struct collect_fwd_fep {
    uint8_t prio;            /* enum fep_prio */
    uint8_t retries;         /* as fep_request.retries */
    uint32_t timeout_ms;     /* as fep_request.timeout_ms */
    char addr[FEP_ADDR_MAX]; /* the terminal's fep address, NUL-terminated */
    const uint8_t *frame;    /* encode: the caller's; decode: points into the message */
    size_t len;
};

/* FEP_RESULT: the owner's fep's answer, as its done callback had it (struct fep_reply). */
struct collect_fwd_reply {
    int32_t status; /* enum fep_status, or < 0 an MH_E*: refused, never sent */
    uint32_t rtt_ms;
    uint16_t n_frames;
    uint32_t ends[COLLECT_FWD_REPLY_FRAMES_MAX]; /* frame i is bytes[ends[i-1] .. ends[i]) */
    const uint8_t *bytes; /* encode: the caller's; decode: points into the message */
};

struct collect_fwd_msg {
    uint8_t type;         /* enum collect_fwd_type */
    uint16_t from;        /* the sender's worker index */
    uint32_t id;          /* the request's id, chosen by the process that asks */
    uint64_t deadline_ms; /* CLOCK_MONOTONIC: past it the request is no longer waited for */
    struct collect_read rq;        /* READ */
    struct collect_read_result res; /* RESULT */
    uint32_t bad_item;              /* RESULT with MH_EINVAL: the item no protocol reads */
    struct collect_fwd_fep fep;     /* FEP */
    struct collect_fwd_reply reply; /* FEP_RESULT */
};

/* Encode m into buf[cap]: the length, or MH_EINVAL (bad counts, unknown type), MH_ENOSPC. */
int collect_fwd_encode(const struct collect_fwd_msg *m, uint8_t *buf, size_t cap);

/*
 * Decode the n bytes at p into *m, reading nothing past them: 0, MH_ETRUNC
 * (short), MH_EPROTO (version, type, counts, lengths, an address or end
 * offsets out of range, bytes left over). A FEP's frame and a FEP_RESULT's
 * bytes point into p: valid while p is.
 */
int collect_fwd_decode(const uint8_t *p, size_t n, struct collect_fwd_msg *m);

#endif
