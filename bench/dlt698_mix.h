/* The DL/T 698.45 frame mix of bench_dlt698 (dlt698_mix.c). */
#ifndef MH_BENCH_DLT698_MIX_H
#define MH_BENCH_DLT698_MIX_H

#include <stddef.h>

#include "meterhub/base/wr.h"

/* Append one pass of the mix (whole frames) to w; returns the frames written. Errors stay in w. */
size_t dlt698_mix_write(struct mh_wr *w);

#endif
