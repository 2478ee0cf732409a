/*
 * The stream framer contract every codec follows.
 *
 *     int <codec>_frame_scan(const uint8_t *buf, size_t len, struct mh_frame_span *out);
 *
 * A framer is pure: it looks at the window buf[0..len) and keeps no state,
 * so the caller owns buffering (split reads, several frames in one read)
 * and the framer never reads past len. Results:
 *
 *   1    a complete frame that passed every link-level check (start bytes,
 *        length, checksum/CRC, end byte) lies at buf[off .. off+len).
 *        out->off includes any preamble or garbage before it. Consume
 *        off + len bytes.
 *   0    no complete frame yet. The first out->off bytes can never start a
 *        frame and may be dropped; keep the rest and call again with more.
 *   < 0  MH_E* code: the candidate at buf[off .. off+len) is a bad frame
 *        (EBADCS, EBADEND, EBADLEN ...). Report it, drop off + len bytes
 *        (len >= 1, so scanning always progresses) and call again; the next
 *        call resynchronises on the next start byte.
 */
#ifndef MH_PROTO_FRAMER_H
#define MH_PROTO_FRAMER_H

#include <stddef.h>
#include <stdint.h>

struct mh_frame_span {
    size_t off; /* bytes before the frame (preamble, garbage) */
    size_t len; /* frame bytes from its first start byte through the end byte */
};

typedef int (*mh_frame_scan_fn)(const uint8_t *buf, size_t len, struct mh_frame_span *out);

#endif
