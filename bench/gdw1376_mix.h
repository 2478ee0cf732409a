/*
 * The Q/GDW 1376.1 frame mix of bench_gdw1376, shared with the test that
 * pins its decoded output (tests/unit/proto/gdw1376/test_gdw1376_mix.c),
 * so that a faster decoder is proven to decode the same values.
 *
 * What a master station receives from concentrators all day: logins and
 * heartbeats, current energy (F129, M = 4) for 1, 8 and 64 measuring
 * points, F25 power/voltage/current, F33 registers, daily frozen energy
 * (F161) for 16 points, a 96-point power curve and a 24-point voltage curve,
 * daily voltage statistics (F27), and an event report (ERC1) with ACD, EC
 * and Tp.
 */
#ifndef MH_BENCH_GDW1376_MIX_H
#define MH_BENCH_GDW1376_MIX_H

#include <stddef.h>

#include "meterhub/base/wr.h"

/* Append one copy of the mix to w. Returns the number of frames, or MH_ENOSPC (64 KiB suffice). */
int gdw1376_mix_build(struct mh_wr *w);

#endif
