/*
 * Private to src/proto/gdw1376: the appendix A format table (fmt.c), read
 * inline by the Fn walk (fn.c), which sizes a field per value decoded.
 */
#ifndef MH_PROTO_GDW1376_FMT_INT_H
#define MH_PROTO_GDW1376_FMT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/proto/gdw1376.h"

enum { K_BCD, K_TIME, K_ADDR, K_BIN, K_ASCII, K_HEX };

struct gdw1376_fmt_def {
    uint8_t size;
    uint8_t decimals;
    uint8_t is_signed; /* sign (A.4: direction) in bit 7 of the top byte */
    uint8_t kind;      /* K_* */
    const char *name;
};

/* Indexed by enum gdw1376_fmt; entry 0 is empty (size 0). */
extern const struct gdw1376_fmt_def gdw1376_fmts[GDW1376_FMT_COUNT_];

static inline size_t fmt_size(enum gdw1376_fmt f)
{
    return (unsigned)f < GDW1376_FMT_COUNT_ ? gdw1376_fmts[f].size : 0;
}

#endif
