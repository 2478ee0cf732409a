/*
 * The events a simulated terminal reports: its meters' anomalies that a
 * terminal detects and, in a scenario with a "storm", the burst of events
 * every terminal raises at once (as after a feeder outage), in the order
 * they began (ties by meter, then anomalies before storm events).
 * Computed from the scenario each time (a few thousand meters at most per
 * terminal), so nothing is stored but how far the master has confirmed
 * (term_state.c).
 */
#include "term.h"

/*
 * 1376.1 ERC (appendix: 37 meter cover opened, 10 voltage loop abnormal, 30
 * meter stopped, 27 reading decreased, 29 meter runs fast, 12 meter time
 * fault) and the DL/T 698.45 event object of each kind (301B cover open,
 * 3000 voltage loss, 3003 phase failure, 310E stopped, 310B reading
 * decreased, 310D runs fast, 3105 clock fault).
 */
static const struct sim_event_kind kinds[] = {
    {SIM_ANOM_COVER_OPEN, 37, 0x301B},  {SIM_ANOM_VOLTAGE_LOSS, 10, 0x3000}, {SIM_ANOM_PHASE_FAILURE, 10, 0x3003},
    {SIM_ANOM_STOPPED, 30, 0x310E},     {SIM_ANOM_REVERSED, 27, 0x310B},     {SIM_ANOM_RACING, 29, 0x310D},
    {SIM_ANOM_CLOCK_DRIFT, 12, 0x3105},
};

/*
 * A storm's kinds: one per distinct ERC (phase failure shares ERC10 with
 * voltage loss). The master keeps an event once per terminal, ERC, start
 * minute and measurement point, so a terminal's storm events take distinct
 * (meter, kind) pairs: at most STORM_KINDS per meter.
 */
static const uint8_t storm_kinds[] = {SIM_ANOM_COVER_OPEN, SIM_ANOM_VOLTAGE_LOSS, SIM_ANOM_STOPPED,
                                      SIM_ANOM_REVERSED,   SIM_ANOM_RACING,       SIM_ANOM_CLOCK_DRIFT};
#define STORM_KINDS (sizeof storm_kinds / sizeof storm_kinds[0])

const struct sim_event_kind *sim_term_event_kind(uint8_t anomaly)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].anomaly == anomaly)
            return &kinds[i];
    return NULL;
}

size_t sim_term_storm_events(const struct scenario *s, const struct sim_terminal *t)
{
    size_t most = (size_t)t->meter_count * STORM_KINDS;
    return s->storm.events < most ? s->storm.events : most;
}

/*
 * Candidate i of t: meter i's anomaly (i < meter_count) or storm event
 * i - meter_count. Returns 1 with *e filled when it is an event at all
 * (begun or not).
 */
static int candidate(const struct scenario *s, const struct sim_terminal *t, size_t i, struct sim_term_event *e)
{
    if (i < t->meter_count) {
        const struct sim_meter *m = &s->meters[t->first_meter + i].model;
        *e = (struct sim_term_event){m->anomaly_start, t->first_meter + (uint32_t)i, m->anomaly};
        return sim_term_event_kind(m->anomaly) != NULL;
    }
    size_t k = i - t->meter_count, mc = t->meter_count;
    /* Deterministic from the seed: a second of the window, a meter, a kind the meter has not had yet. */
    int64_t base = s->storm_base ? s->storm_base : s->start;
    uint64_t h = sim_hash3(s->seed, t->id, 0x5702u + k);
    *e = (struct sim_term_event){base + s->storm.after_s + (int64_t)(h % s->storm.window_s),
                                 t->first_meter + (uint32_t)(k % mc),
                                 storm_kinds[(k / mc + t->id) % STORM_KINDS]};
    return 1;
}

static size_t candidates(const struct scenario *s, const struct sim_terminal *t)
{
    return t->meter_count + sim_term_storm_events(s, t);
}

/* Event order: start time, then meter, then candidate number. */
static int before(const struct sim_term_event *a, size_t ia, const struct sim_term_event *b, size_t ib)
{
    if (a->at != b->at)
        return a->at < b->at;
    if (a->meter != b->meter)
        return a->meter < b->meter;
    return ia < ib;
}

size_t sim_term_events(const struct scenario *s, const struct sim_terminal *t, int64_t now, size_t from,
                       struct sim_term_event *out, size_t max)
{
    /* The k-th event is the one with k earlier events: count, and keep those in [from, from + max). */
    size_t n = 0, nc = candidates(s, t);
    for (size_t i = 0; i < nc; i++) {
        struct sim_term_event e;
        if (!candidate(s, t, i, &e) || e.at > now)
            continue;
        n++;
        if (!out || max == 0)
            continue;
        size_t rank = 0;
        for (size_t j = 0; j < nc; j++) {
            struct sim_term_event f;
            rank += j != i && candidate(s, t, j, &f) && f.at <= now && before(&f, j, &e, i);
        }
        if (rank >= from && rank - from < max)
            out[rank - from] = e;
    }
    return n;
}

int64_t sim_term_next_event(const struct scenario *s, const struct sim_terminal *t, int64_t now)
{
    int64_t next = INT64_MAX;
    size_t nc = candidates(s, t);
    for (size_t i = 0; i < nc; i++) {
        struct sim_term_event e;
        if (candidate(s, t, i, &e) && e.at > now && e.at < next)
            next = e.at;
    }
    return next;
}
