/*
 * The decoder of messages between front-end processes (collect_fwd.h:
 * forwarded on-demand reads and fep requests) on
 * arbitrary bytes: it never reads past them, its counts stay in range, and
 * what it accepts encodes back to the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/collect_fwd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct collect_fwd_msg m;
    static uint8_t out[COLLECT_FWD_MSG_MAX];
    if (collect_fwd_decode(data, size, &m) != 0)
        return 0;
    if (m.rq.n_items > COLLECT_READ_ITEMS_MAX || m.res.n > COLLECT_READ_VALUES_MAX ||
        m.reply.n_frames > COLLECT_FWD_REPLY_FRAMES_MAX || m.fep.len > COLLECT_FWD_FRAME_MAX)
        abort();
    /* What points into the message stays inside it. */
    if (m.type == COLLECT_FWD_FEP && (m.fep.frame < data || m.fep.frame + m.fep.len > data + size))
        abort();
    if (m.type == COLLECT_FWD_FEP_RESULT && m.reply.n_frames &&
        (m.reply.bytes < data || m.reply.bytes + m.reply.ends[m.reply.n_frames - 1] > data + size))
        abort();
    int n = collect_fwd_encode(&m, out, sizeof out);
    if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
        abort();
    return 0;
}
