/*
 * Private to src/proto/gdw1376: the Fn dictionary's table (fn_table.c),
 * read by the engine (fn.c). Ordered by AFN then Fn (a test checks), so
 * lookup is a binary search.
 */
#ifndef MH_PROTO_GDW1376_FN_INT_H
#define MH_PROTO_GDW1376_FN_INT_H

#include <stddef.h>

#include "meterhub/proto/gdw1376.h"

extern const struct gdw1376_fn_def gdw1376_fn_defs[];
extern const size_t gdw1376_fn_defs_n;

#endif
