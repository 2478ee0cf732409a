/*
 * The simulated terminals' request parsers on arbitrary bytes: the input
 * is scanned by each behaviour's framer (1376.1, 698.45, DL/T 645) and every
 * frame found goes to that behaviour's on_frame, as a master's bytes would
 * on the wire. Replies are collected here instead of being sent (this file
 * provides sim_emit_frame, so sim_net is not linked); each must be a frame
 * its own framer accepts whole.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "meterhub/base/err.h"
#include "scenario.h"
#include "sim_net.h"
#include "term.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct sim_behaviour *current;

int sim_emit_frame(struct sim_emit *em, const uint8_t *frame, size_t len)
{
    (void)em;
    if (len == 0 || len > 16448)
        abort(); /* sim_net refuses what a behaviour must never build (its FRAME_MAX: a 698.45
                    day of minute freezes or of a meter's task data) */
    /* Replies may hold several frames back to back (heartbeat + report): each must scan whole. */
    size_t off = 0;
    while (off < len) {
        struct mh_frame_span sp;
        if (current->scan(frame + off, len - off, &sp) != 1 || sp.off != 0)
            abort();
        off += sp.len;
    }
    return 0;
}

static struct scenario *field(void)
{
    static struct scenario *s;
    if (!s) {
        char err[256];
        const char *json =
            "{\"seed\":7,\"start\":\"2026-10-01\",\"populations\":["
            "{\"kind\":\"concentrator\",\"protocol\":\"gdw1376\",\"count\":1,\"meters_each\":9,\"region\":\"0171\"},"
            "{\"kind\":\"special_transformer\",\"protocol\":\"gdw1376\",\"count\":1,\"region\":\"0172\"},"
            "{\"kind\":\"concentrator\",\"protocol\":\"dlt698\",\"count\":1,\"meters_each\":4},"
            "{\"kind\":\"dtu\",\"count\":1},"
            "{\"kind\":\"special_transformer\",\"protocol\":\"dlt698\",\"count\":1}],"
            "\"anomalies\":[{\"type\":\"cover_open\",\"count\":2,\"start\":\"2026-11-05T14:30\"}]}";
        if (scenario_parse(json, &s, err, sizeof err) != 0 || sim_term_state_open(s) != 0)
            abort();
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct scenario *s = field();
    const int64_t now = 1795140000; /* 2026-11-20 10:00 China Standard Time */
    for (size_t i = 0; i < s->n_terminals; i++) {
        const struct sim_terminal *t = &s->terminals[i];
        current = sim_term_behaviour_for(t);
        if (!current)
            continue;
        uint32_t seq = 0;
        size_t pos = 0;
        while (pos < size) {
            struct mh_frame_span sp = {0, 0};
            int rc = current->scan(data + pos, size - pos, &sp);
            if (rc == 0)
                break;
            if (rc == 1)
                current->on_frame(s, t, &seq, data + pos + sp.off, sp.len, now, NULL);
            pos += sp.off + (sp.len ? sp.len : 1);
        }
    }
    return 0;
}
