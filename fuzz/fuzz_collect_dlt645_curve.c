/*
 * The collector's decoder of DL/T 645-2007 load-record replies (a read's
 * answer and its follow-ups, as the fep delivers them) on arbitrary bytes:
 * it never reads past them, and every point it reports is within the day
 * (index < 96) and of the meter asked. The first byte picks the step (the
 * class read); the rest is cut into frames where the framer finds them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"
#include "meterhub/proto/dlt645.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FRAMES_MAX 64

static void on_point(void *ctx, uint16_t pn, uint32_t item, unsigned index, const struct mh_dec *v)
{
    (void)ctx;
    (void)item;
    (void)v;
    if (pn != 1 || index >= CCURVE_POINTS)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct mh_tm day = {2026, 11, 23, 0, 0, 0, 0, 0, MH_TM_DATE};
    static const uint8_t addr[6] = {0x50, 0x56, 0x00, 0x00, 0x00, 0x10};
    if (size < 1)
        return 0;
    unsigned step = data[0] % (ctask_dlt645_curve_last() + 1);
    size_t n = size - 1;
    uint8_t *bytes = malloc(n ? n : 1);
    if (!bytes)
        return 0;
    memcpy(bytes, data + 1, n);
    uint32_t ends[FRAMES_MAX];
    size_t nf = 0, pos = 0;
    while (pos < n && nf < FRAMES_MAX) {
        struct mh_frame_span sp;
        int rc = dlt645_frame_scan(bytes + pos, n - pos, &sp);
        pos = rc == 1 ? pos + sp.off + sp.len : n; /* garbage goes with the last frame */
        ends[nf++] = (uint32_t)pos;
    }
    ctask_dlt645_curve_parse(bytes, ends, nf, addr, step, 1, &day, on_point, NULL);
    free(bytes);
    return 0;
}
