/*
 * meterhub error codes.
 *
 * Every fallible function returns int: 0 (or a count) on success, a negative
 * MH_E* code on failure. errno is never used as an output channel. The list
 * below is the one place a code is named; mh_err_name() and mh_strerror()
 * are generated from it, so a new code needs one line here and nothing else.
 * Numbers are stable: they may be stored or sent over the API.
 */
#ifndef MH_BASE_ERR_H
#define MH_BASE_ERR_H

#define MH_ERRNO_MAP(X)                                                      \
    X(EINVAL, 1, "invalid argument")                                         \
    X(ENOMEM, 2, "out of memory")                                            \
    X(ENOSPC, 3, "output buffer too small")                                  \
    X(ETRUNC, 4, "truncated: input ends inside a field")                     \
    X(EAGAIN, 5, "need more bytes")                                          \
    X(EBADSTART, 6, "bad start byte")                                        \
    X(EBADLEN, 7, "bad length field")                                        \
    X(EBADCS, 8, "bad checksum")                                             \
    X(EBADEND, 9, "bad end byte")                                            \
    X(EBADBCD, 10, "invalid BCD digit")                                      \
    X(EUNKNOWN, 11, "unknown identifier")                                    \
    X(ERANGE, 12, "value out of range")                                      \
    X(EPROTO, 13, "protocol violation")                                      \
    X(EDEPTH, 14, "nesting too deep")                                        \
    X(ESTALE, 15, "stale time label")                                        \
    X(ENOTSUP, 16, "not supported")                                          \
    X(EIO, 17, "input/output error")                                         \
    X(ENOENT, 18, "not found")                                               \
    X(EEXIST, 19, "already exists")                                          \
    X(ETIMEDOUT, 20, "timed out")                                            \
    X(EBADADDR, 21, "bad address")                                           \
    X(EBADTIME, 22, "invalid date or time")                                  \
    X(ETRAILING, 23, "trailing bytes after the last field")                  \
    X(EBADCRC, 24, "bad CRC")                                                \
    X(EBADSEQ, 25, "bad sequence")                                           \
    X(EBUSY, 26, "busy")                                                     \
    X(ECLOSED, 27, "closed")                                                 \
    X(EOVERFLOW, 28, "too large")                                           \
    X(EPERM, 29, "not permitted")

enum mh_err {
    MH_OK = 0,
#define MH_ERR_ENUM(name, num, text) MH_##name = -(num),
    MH_ERRNO_MAP(MH_ERR_ENUM)
#undef MH_ERR_ENUM
};

/* "EBADCS" for MH_EBADCS; "EUNKNOWNERR" for a number not in the map. Static storage. */
const char *mh_err_name(int err);

/* Human-readable text for an error code; "success" for 0. Static storage. */
const char *mh_strerror(int err);

#endif
