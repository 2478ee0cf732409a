/*
 * `meterhub decode`: one adapter per protocol turns frames into JSON.
 *
 * An adapter borrows the frame bytes for the duration of the call and
 * returns a new jansson object (owned by the caller) that always has:
 *   "proto"  adapter name,
 *   "valid"  true when the link layer is intact (start, length, checksum/CRC, end),
 *   "error"  present (an MH_E* name) when anything failed, link or content,
 *   "reason" present with "error": a sentence saying what is wrong.
 * Every other field is the protocol's own (see docs/cli-decode.md).
 */
#ifndef MH_CLI_DECODE_H
#define MH_CLI_DECODE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "meterhub/proto/framer.h"

struct decode_opts {
    int apdu;    /* input is a bare APDU without link layer (DL/T 698.45) */
    int verbose; /* add raw fields (hex of data areas) */
};

struct decode_proto {
    const char *name; /* "dlt645", "gdw1376", "dlt698" */
    mh_frame_scan_fn scan;
    /*
     * frame/len: for an accepted frame (scan_err 0) exactly the framer's span,
     * from the first start byte. For a rejected candidate (scan_err = the
     * framer's error) frame is where the candidate starts and len is every
     * input byte from there on, so the adapter can say precisely why it was
     * rejected ("reason": expected and actual checksum, say).
     */
    json_t *(*frame_json)(const uint8_t *frame, size_t len, int scan_err,
                          const struct decode_opts *opts);
    /* Optional: decode a bare application unit (NULL when the protocol has none). */
    json_t *(*apdu_json)(const uint8_t *apdu, size_t len, const struct decode_opts *opts);
};

extern const struct decode_proto decode_proto_dlt645;
extern const struct decode_proto decode_proto_gdw1376;
extern const struct decode_proto decode_proto_dlt698;

/* All adapters, NULL-terminated, in the order `auto` prefers on a tie. */
extern const struct decode_proto *const decode_protos[];

/*
 * Decode a whole input (frames run together, with noise between) and print one
 * JSON object per line to out. proto NULL = auto-detect per frame. Returns the
 * number of objects with an "error", or a negative MH_E* code.
 */
int decode_stream(const uint8_t *buf, size_t len, const struct decode_proto *proto,
                  const struct decode_opts *opts, int pretty, FILE *out);

#endif
