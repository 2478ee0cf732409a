/*
 * Request timeouts from the channel: each terminal's timeout starts at its
 * channel kind's initial value and then follows the round trips its session
 * measures, as TCP's retransmission timer does (RFC 6298 §2): a smoothed
 * round trip SRTT and its mean deviation RTTVAR, timeout SRTT + 4 RTTVAR,
 * kept between the kind's floor and ceiling. A request that times out
 * after all its re-sends doubles the timeout (RFC 6298 §5.5) until the next
 * measured reply; replies to re-sent requests are not measured (the fep
 * reports them with rtt_ms 0, Karn's rule).
 *
 * Why: one fixed timeout is either too short for a slow channel (a
 * 230 MHz radio, or a cellular cell whose replies queue at a busy hour: a
 * reply that comes after its timeout costs a re-send and a stray, and a
 * city of such terminals saturates itself) or too long for a fast one (a
 * lost frame on fibre waits 20 s for nothing).
 *
 * The archive names a channel group, not a channel kind; the kind is read
 * from the group's name by the prefixes of the table below (docs/collect.md
 * "Request timeouts"), a DTU's from its terminal kind.
 */
#include <string.h>

#include "collect_int.h"
#include "meterhub/archive.h"

struct crtt_chan_def {
    const char *name;
    const char *prefix[4]; /* of the channel group's name, any case */
    uint32_t initial_ms, floor_ms, ceiling_ms;
};

/* Indexed by enum crtt_chan. */
static const struct crtt_chan_def chans[CRTT_N] = {
    [CRTT_CELLULAR] = {"cellular", {"GPRS", "CDMA", "4G", "LTE"}, 10000, 3000, 60000},
    [CRTT_FIBER] = {"fiber", {"FIB", "ETH", "LAN", "EPON"}, 3000, 1000, 20000},
    [CRTT_RADIO] = {"radio", {"230", "RADIO", "RF"}, 20000, 8000, 120000},
    [CRTT_DTU] = {"dtu", {"DTU", "RS485", "SERIAL"}, 10000, 4000, 60000},
};

static int has_prefix(const char *s, const char *p)
{
    for (; *p; s++, p++) {
        char a = *s >= 'a' && *s <= 'z' ? (char)(*s - 32) : *s;
        if (a != *p)
            return 0;
    }
    return 1;
}

unsigned crtt_channel(const char *group, unsigned terminal_kind)
{
    for (unsigned k = 0; k < CRTT_N; k++)
        for (unsigned i = 0; i < 4 && chans[k].prefix[i]; i++)
            if (has_prefix(group, chans[k].prefix[i]))
                return k;
    /* A DTU forwards to a meter's RS-485 port: a slow serial leg behind its uplink. */
    return terminal_kind == ARCHIVE_KIND_DTU ? CRTT_DTU : CRTT_CELLULAR;
}

const char *crtt_channel_name(unsigned chan)
{
    return chan < CRTT_N ? chans[chan].name : "?";
}

static uint32_t clamp(const struct crtt *e, uint64_t ms)
{
    const struct crtt_chan_def *d = &chans[e->chan];
    return ms < d->floor_ms ? d->floor_ms : ms > d->ceiling_ms ? d->ceiling_ms : (uint32_t)ms;
}

void crtt_init(struct crtt *e, unsigned chan)
{
    memset(e, 0, sizeof *e);
    e->chan = (uint8_t)(chan < CRTT_N ? chan : CRTT_CELLULAR);
    e->rto_ms = chans[e->chan].initial_ms; /* RFC 6298 §2.1: before any measurement */
}

void crtt_sample(struct crtt *e, uint32_t rtt_ms)
{
    if (rtt_ms == 0)
        return; /* not measured: a reply to a re-sent request */
    if (e->samples == 0) {
        e->srtt_ms = rtt_ms; /* §2.2 */
        e->rttvar_ms = rtt_ms / 2;
    } else {
        uint32_t dev = e->srtt_ms > rtt_ms ? e->srtt_ms - rtt_ms : rtt_ms - e->srtt_ms;
        /* §2.3 with alpha 1/8, beta 1/4, in 64-bit so a ceiling-long sample cannot wrap */
        e->rttvar_ms = (uint32_t)(((uint64_t)e->rttvar_ms * 3 + dev) / 4);
        e->srtt_ms = (uint32_t)(((uint64_t)e->srtt_ms * 7 + rtt_ms) / 8);
    }
    if (e->samples < UINT32_MAX)
        e->samples++;
    uint64_t var4 = (uint64_t)e->rttvar_ms * 4;
    e->rto_ms = clamp(e, (uint64_t)e->srtt_ms + (var4 > CRTT_GRANULARITY_MS ? var4 : CRTT_GRANULARITY_MS));
}

void crtt_backoff(struct crtt *e)
{
    e->rto_ms = clamp(e, (uint64_t)e->rto_ms * 2);
}
