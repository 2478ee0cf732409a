/*
 * On-demand reads between front-end processes (serve --procs): the messages
 * a process sends the owner of a terminal (collect_owner) to have it read
 * the terminal, and the owner's answers. Pure encoding: no I/O here; the
 * transport is the workers' mesh (src/cli/serve_mesh.c, serve_fwd.c).
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
 */
#ifndef MH_COLLECT_FWD_H
#define MH_COLLECT_FWD_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/collect.h"

#define COLLECT_FWD_VERSION 2
#define COLLECT_FWD_HDR 16
#define COLLECT_FWD_MSG_MAX (COLLECT_FWD_HDR + 96 + COLLECT_READ_VALUES_MAX * 21)

enum collect_fwd_type { COLLECT_FWD_READ = 1, COLLECT_FWD_TAKEN = 2, COLLECT_FWD_RESULT = 3 };

struct collect_fwd_msg {
    uint8_t type;         /* enum collect_fwd_type */
    uint16_t from;        /* the sender's worker index */
    uint32_t id;          /* the request's id, chosen by the process that asks */
    uint64_t deadline_ms; /* CLOCK_MONOTONIC: past it the request is no longer waited for */
    struct collect_read rq;        /* READ */
    struct collect_read_result res; /* RESULT */
    uint32_t bad_item;              /* RESULT with MH_EINVAL: the item no protocol reads */
};

/* Encode m into buf[cap]: the length, or MH_EINVAL (bad counts, unknown type), MH_ENOSPC. */
int collect_fwd_encode(const struct collect_fwd_msg *m, uint8_t *buf, size_t cap);

/*
 * Decode the n bytes at p into *m, reading nothing past them: 0, MH_ETRUNC
 * (short), MH_EPROTO (version, type, counts out of range, bytes left over).
 */
int collect_fwd_decode(const uint8_t *p, size_t n, struct collect_fwd_msg *m);

#endif
