/*
 * The events a simulated terminal reports: its meters' anomalies that a
 * terminal detects, in the order they began (ties by meter). Computed from
 * the scenario each time (a few thousand meters at most per terminal), so
 * nothing is stored but how far the master has confirmed (term_state.c).
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

const struct sim_event_kind *sim_term_event_kind(uint8_t anomaly)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].anomaly == anomaly)
            return &kinds[i];
    return NULL;
}

static int before(const struct sim_term_event *a, const struct sim_term_event *b)
{
    return a->at < b->at || (a->at == b->at && a->meter < b->meter);
}

size_t sim_term_events(const struct scenario *s, const struct sim_terminal *t, int64_t now, size_t from,
                       struct sim_term_event *out, size_t max)
{
    /* The k-th event is the one with k earlier events: count, and keep those in [from, from + max). */
    size_t n = 0;
    for (uint32_t k = 0; k < t->meter_count; k++) {
        const struct sim_meter *m = &s->meters[t->first_meter + k].model;
        if (m->anomaly_start > now || !sim_term_event_kind(m->anomaly))
            continue;
        struct sim_term_event e = {m->anomaly_start, t->first_meter + k, m->anomaly};
        size_t rank = 0;
        for (uint32_t j = 0; j < t->meter_count; j++) {
            const struct sim_meter *o = &s->meters[t->first_meter + j].model;
            struct sim_term_event f = {o->anomaly_start, t->first_meter + j, o->anomaly};
            rank += o->anomaly_start <= now && sim_term_event_kind(o->anomaly) && before(&f, &e);
        }
        if (rank >= from && rank - from < max)
            out[rank - from] = e;
        n++;
    }
    return n;
}
