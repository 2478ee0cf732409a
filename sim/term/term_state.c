/*
 * Per-terminal control state of simulated terminals: the clock offset a
 * clock set leaves and the windows during which a trip cut the load. See
 * term.h. The table holds one pointer per terminal; the state itself is
 * allocated on a terminal's first command, so a field of 20,000 terminals
 * that is never commanded costs 160 KB.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meterhub/base/err.h"
#include "term.h"

/*
 * A window in which the load is cut (a trip: keep_pct 0) or shed by a
 * power control (current-power float-down: keep_pct 21..99 of the load
 * the meter would have drawn).
 */
struct trip {
    int64_t from, to; /* to = INT64_MAX while tripped / shedding */
    uint8_t keep_pct;
};

struct term_ctl {
    uint8_t clock_set;
    int64_t clock_offset; /* terminal clock - true time, after a clock set */
    uint8_t n_trips;
    struct trip trips[SIM_TERM_MAX_TRIPS];
    uint8_t report_out;    /* a report is awaiting confirmation */
    uint8_t report_seq;
    uint32_t report_upto;
    int64_t report_sent_s;     /* simulated clock of its last sending (the resend timer) */
    int64_t report_first_ms;   /* wall clock of its first sending (the confirmation latency) */
    uint32_t confirmed;    /* events confirmed or read */
    uint8_t switches[SIM_SW_COUNT];
    uint32_t n_messages;   /* received in all; ring slot n % SIM_TERM_MESSAGES is the next */
    struct sim_term_message messages[SIM_TERM_MESSAGES];
    struct sim_term_meters meters;
    struct sim_term_load_req load;
    struct sim_term_task tasks[2][SIM_TERM_TASKS];
    struct sim_term_blob archive;
    struct {
        uint16_t id, pn;
        uint16_t len;
        uint8_t data[SIM_TERM_PARAM_MAX];
    } params[SIM_TERM_PARAMS];
    uint8_t n_params;
};

static struct term_ctl **table;
static size_t table_len;

/*
 * The relay of one meter behind a concentrator, driven by the meter's own
 * DL/T 645 remote control (0x1C) forwarded to it: the windows it stood open
 * and its keep-power flag. A terminal in front of one meter (a DTU, a
 * special-transformer terminal) keeps that relay as the terminal's state
 * instead, so one meter's load is never cut by both. One pointer per meter;
 * the state is allocated on the meter's first command.
 */
struct meter_relay {
    uint8_t keep_power;
    uint8_t n;
    struct trip w[SIM_TERM_MAX_TRIPS];
};

static struct meter_relay **relays;
static size_t relays_len;

int sim_term_state_open(const struct scenario *s)
{
    sim_term_state_close();
    table = calloc(s->n_terminals ? s->n_terminals : 1, sizeof *table);
    if (!table)
        return MH_ENOMEM;
    table_len = s->n_terminals;
    relays = calloc(s->n_meters ? s->n_meters : 1, sizeof *relays);
    if (!relays) {
        sim_term_state_close();
        return MH_ENOMEM;
    }
    relays_len = s->n_meters;
    return 0;
}

void sim_term_state_close(void)
{
    for (size_t i = 0; i < table_len; i++)
        if (table[i]) {
            free(table[i]->meters.recs);
            free(table[i]->archive.p);
            free(table[i]);
        }
    free(table);
    table = NULL;
    table_len = 0;
    for (size_t i = 0; i < relays_len; i++)
        free(relays[i]);
    free(relays);
    relays = NULL;
    relays_len = 0;
}

static const struct meter_relay *relay_peek(size_t idx)
{
    return relays && idx < relays_len ? relays[idx] : NULL;
}

static const struct term_ctl *ctl_peek(const struct sim_terminal *t)
{
    return table && t->id < table_len ? table[t->id] : NULL;
}

static struct term_ctl *ctl_get(const struct sim_terminal *t)
{
    if (!table || t->id >= table_len)
        return NULL;
    if (!table[t->id])
        table[t->id] = calloc(1, sizeof *table[t->id]);
    return table[t->id];
}

/*
 * A terminal's own clock error before anyone sets it: most keep within a few
 * seconds, one in ten has drifted by one to ten minutes either way (a flat
 * RTC battery, a missed synchronisation), fixed by the seed.
 */
int64_t sim_term_clock_error(const struct scenario *s, const struct sim_terminal *t)
{
    uint64_t h = sim_hash3(s->seed, 0x7E51C10C, t->id);
    int64_t mag = h % 10 == 0 ? 60 + (int64_t)((h >> 8) % 541) : (int64_t)((h >> 8) % 6);
    return (h >> 40) & 1 ? -mag : mag;
}

int64_t sim_term_clock(const struct scenario *s, const struct sim_terminal *t, int64_t now)
{
    const struct term_ctl *c = ctl_peek(t);
    return now + (c && c->clock_set ? c->clock_offset : sim_term_clock_error(s, t));
}

int sim_term_clock_set(const struct scenario *s, const struct sim_terminal *t, int64_t now, int64_t set_local)
{
    struct term_ctl *c = ctl_get(t);
    if (!c)
        return MH_ENOMEM;
    c->clock_set = 1;
    c->clock_offset = set_local - s->tz_offset_s - now;
    return 0;
}

struct sim_term_meters *sim_term_meters_state(const struct sim_terminal *t, int create)
{
    struct term_ctl *c = create ? ctl_get(t) : table && t->id < table_len ? table[t->id] : NULL;
    return c ? &c->meters : NULL;
}

struct sim_term_task *sim_term_task(const struct sim_terminal *t, int cls, uint16_t pn, int create)
{
    struct term_ctl *c = create ? ctl_get(t) : table && t->id < table_len ? table[t->id] : NULL;
    return c && (cls == 1 || cls == 2) && pn >= 1 && pn <= SIM_TERM_TASKS ? &c->tasks[cls - 1][pn - 1] : NULL;
}

struct sim_term_blob *sim_term_archive_state(const struct sim_terminal *t, int create)
{
    struct term_ctl *c = create ? ctl_get(t) : table && t->id < table_len ? table[t->id] : NULL;
    return c ? &c->archive : NULL;
}

struct sim_term_load_req *sim_term_load_state(const struct sim_terminal *t, int create)
{
    struct term_ctl *c = create ? ctl_get(t) : table && t->id < table_len ? table[t->id] : NULL;
    return c ? &c->load : NULL;
}

int sim_term_switch_set(const struct sim_terminal *t, unsigned sw, uint8_t mask, int on)
{
    struct term_ctl *c = ctl_get(t);
    if (!c)
        return MH_ENOMEM;
    if (sw >= SIM_SW_COUNT)
        return MH_EINVAL;
    c->switches[sw] = (uint8_t)(on ? c->switches[sw] | mask : c->switches[sw] & ~mask);
    return 0;
}

uint8_t sim_term_switch(const struct sim_terminal *t, unsigned sw)
{
    const struct term_ctl *c = ctl_peek(t);
    return c && sw < SIM_SW_COUNT ? c->switches[sw] : 0;
}

int sim_term_message_add(const struct sim_terminal *t, uint8_t kind, uint8_t number, const uint8_t *text, size_t len,
                         int64_t at)
{
    struct term_ctl *c = ctl_get(t);
    if (!c)
        return MH_ENOMEM;
    struct sim_term_message *m = &c->messages[c->n_messages % SIM_TERM_MESSAGES];
    m->kind = kind;
    m->number = number;
    m->len = (uint8_t)(len > SIM_TERM_MESSAGE_MAX ? SIM_TERM_MESSAGE_MAX : len);
    if (m->len)
        memcpy(m->text, text, m->len);
    m->at = at;
    c->n_messages++;
    return 0;
}

size_t sim_term_messages(const struct sim_terminal *t)
{
    const struct term_ctl *c = ctl_peek(t);
    return c ? c->n_messages : 0;
}

int sim_term_message(const struct sim_terminal *t, size_t k, struct sim_term_message *out)
{
    const struct term_ctl *c = ctl_peek(t);
    if (!c || k >= c->n_messages || k >= SIM_TERM_MESSAGES)
        return MH_ENOENT;
    *out = c->messages[(c->n_messages - 1 - k) % SIM_TERM_MESSAGES];
    return 0;
}

int sim_term_param_set(const struct sim_terminal *t, uint16_t id, uint16_t pn, const uint8_t *p, size_t n)
{
    struct term_ctl *c = ctl_get(t);
    if (!c)
        return MH_ENOMEM;
    if (n > SIM_TERM_PARAM_MAX)
        return MH_ERANGE;
    unsigned i = 0;
    while (i < c->n_params && (c->params[i].id != id || c->params[i].pn != pn))
        i++;
    if (i == SIM_TERM_PARAMS)
        return MH_ENOSPC;
    if (i == c->n_params)
        c->n_params++;
    c->params[i].id = id;
    c->params[i].pn = pn;
    c->params[i].len = (uint16_t)n;
    memcpy(c->params[i].data, p, n);
    return 0;
}

int sim_term_param_get(const struct sim_terminal *t, uint16_t id, uint16_t pn, const uint8_t **p, size_t *n)
{
    const struct term_ctl *c = ctl_peek(t);
    for (unsigned i = 0; c && i < c->n_params; i++)
        if (c->params[i].id == id && c->params[i].pn == pn) {
            *p = c->params[i].data;
            *n = c->params[i].len;
            return 0;
        }
    return MH_ENOENT;
}

/* Percent of the load kept at now: 0 tripped, 100 untouched. */
static int keep_at(const struct term_ctl *c, int64_t now)
{
    for (unsigned i = 0; c && i < c->n_trips; i++)
        if (c->trips[i].from <= now && now < c->trips[i].to)
            return c->trips[i].keep_pct;
    return 100;
}

int sim_term_tripped(const struct sim_terminal *t, int64_t now)
{
    return keep_at(ctl_peek(t), now) == 0;
}

/* The window still open (to = INT64_MAX), NULL when none. */
static struct trip *open_window(struct term_ctl *c)
{
    struct trip *last = c->n_trips ? &c->trips[c->n_trips - 1] : NULL;
    return last && last->to == INT64_MAX ? last : NULL;
}

int sim_term_shed(const struct sim_terminal *t, int keep_pct, int64_t now)
{
    struct term_ctl *c = ctl_get(t);
    if (!c)
        return MH_ENOMEM;
    if (keep_pct < 0 || keep_pct > 100)
        return MH_EINVAL;
    struct trip *w = open_window(c);
    if (w && w->keep_pct == 0)
        return 0; /* tripped: nothing flows to shed */
    if (w)
        w->to = now > w->from ? now : w->from;
    if (keep_pct == 100)
        return 0;
    if (c->n_trips == SIM_TERM_MAX_TRIPS)
        return MH_ENOSPC;
    c->trips[c->n_trips++] = (struct trip){now, INT64_MAX, (uint8_t)keep_pct};
    return 0;
}

int sim_term_kept_pct(const struct sim_terminal *t, int64_t now)
{
    return keep_at(ctl_peek(t), now);
}

int sim_term_control(const struct sim_terminal *t, int trip, int64_t now)
{
    struct term_ctl *c = ctl_get(t);
    if (!c)
        return MH_ENOMEM;
    struct trip *last = open_window(c);
    if (!trip) {
        if (last && last->keep_pct == 0)
            last->to = now > last->from ? now : last->from;
        return 0;
    }
    if (last && last->keep_pct == 0)
        return 0; /* already tripped */
    if (c->switches[SIM_SW_PROTECT])
        return MH_EBUSY; /* protect: a remote trip is not carried out */
    if (c->n_trips == SIM_TERM_MAX_TRIPS)
        return MH_ENOSPC;
    if (last) /* a trip ends the shedding: after a close the load comes back whole */
        last->to = now > last->from ? now : last->from;
    c->trips[c->n_trips++] = (struct trip){now, INT64_MAX, 0};
    return 0;
}

int sim_term_meter_relay(size_t idx, int trip, int64_t now)
{
    if (!relays || idx >= relays_len)
        return MH_EINVAL;
    if (!relays[idx] && !(relays[idx] = calloc(1, sizeof *relays[idx])))
        return MH_ENOMEM;
    struct meter_relay *r = relays[idx];
    struct trip *last = r->n && r->w[r->n - 1].to == INT64_MAX ? &r->w[r->n - 1] : NULL;
    if (!trip) {
        if (last)
            last->to = now > last->from ? now : last->from;
        return 0;
    }
    if (last)
        return 0; /* already open */
    if (r->keep_power)
        return MH_EBUSY;
    if (r->n == SIM_TERM_MAX_TRIPS)
        return MH_ENOSPC;
    r->w[r->n++] = (struct trip){now, INT64_MAX, 0};
    return 0;
}

int sim_term_meter_keep_power(size_t idx, int on)
{
    if (!relays || idx >= relays_len)
        return MH_EINVAL;
    if (!relays[idx] && !(relays[idx] = calloc(1, sizeof *relays[idx])))
        return MH_ENOMEM;
    relays[idx]->keep_power = on != 0;
    return 0;
}

int sim_term_meter_open(size_t idx, int64_t now)
{
    const struct meter_relay *r = relay_peek(idx);
    for (unsigned i = 0; r && i < r->n; i++)
        if (r->w[i].from <= now && now < r->w[i].to)
            return 1;
    return 0;
}

int sim_term_meter_keeps_power(size_t idx)
{
    const struct meter_relay *r = relay_peek(idx);
    return r && r->keep_power;
}

/* Take from out (primary registers at when) what did not flow in windows w[0..n). */
static void cut_windows(const struct scenario *s, size_t idx, int64_t when, const struct trip *wins, unsigned n,
                        struct sim_registers *out)
{
    for (unsigned i = 0; i < n; i++) {
        const struct trip *w = &wins[i];
        if (w->from >= when)
            continue;
        int64_t to = w->to < when ? w->to : when;
        struct sim_registers a, b;
        scenario_meter_primary_at(s, idx, w->from, &a);
        scenario_meter_primary_at(s, idx, to, &b);
        int64_t cut = 100 - w->keep_pct;
        for (int r = 0; r < 5; r++) {
            out->import_wh10[r] -= (b.import_wh10[r] - a.import_wh10[r]) * cut / 100;
            out->export_wh10[r] -= (b.export_wh10[r] - a.export_wh10[r]) * cut / 100;
        }
    }
}

/* Whether idx's registers differ from the scenario's: a window of the terminal's or of the meter's relay. */
static int cut_any(const struct term_ctl *c, const struct meter_relay *r)
{
    return (c && c->n_trips) || (r && r->n);
}

void sim_term_registers_at(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t when,
                           struct sim_registers *out)
{
    const struct term_ctl *c = ctl_peek(t);
    const struct meter_relay *mr = relay_peek(idx);
    if (!cut_any(c, mr)) {
        scenario_meter_registers_at(s, idx, when, out);
        return;
    }
    /* Primary energy that flowed while tripped (the shed part while shedding) never reached the register. */
    scenario_meter_primary_at(s, idx, when, out);
    if (c)
        cut_windows(s, idx, when, c->trips, c->n_trips, out);
    if (mr)
        cut_windows(s, idx, when, mr->w, mr->n, out);
    scenario_meter_secondary(s, idx, out);
}

void sim_term_instant_at(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t when,
                         struct sim_instant *out)
{
    sim_instant_at(&s->meters[idx].model, when, out);
    int keep = sim_term_meter_open(idx, when) ? 0 : keep_at(ctl_peek(t), when);
    if (keep == 100)
        return;
    /* Voltages stay; what the load draws scales with what is kept. */
    for (int i = 0; i < 4; i++) {
        out->p_w[i] = out->p_w[i] * keep / 100;
        out->q_var[i] = out->q_var[i] * keep / 100;
        out->s_va[i] = out->s_va[i] * keep / 100;
    }
    for (int i = 0; i < 3; i++)
        out->current_ma[i] = out->current_ma[i] * keep / 100;
    out->in_ma = out->in_ma * keep / 100;
}

void sim_term_day_registers(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t day,
                            int64_t imp[SIM_INTERVALS_PER_DAY + 1], int64_t exp[SIM_INTERVALS_PER_DAY + 1])
{
    if (!cut_any(ctl_peek(t), relay_peek(idx))) {
        scenario_meter_day_registers(s, idx, day, imp, exp);
        return;
    }
    int64_t t0 = scenario_day_start(s, day);
    for (int j = 0; j <= SIM_INTERVALS_PER_DAY; j++) {
        struct sim_registers r;
        sim_term_registers_at(s, t, idx, t0 + (int64_t)j * SIM_INTERVAL_S, &r);
        imp[j] = r.import_wh10[0];
        exp[j] = r.export_wh10[0];
    }
}

size_t sim_term_events_confirmed(const struct sim_terminal *t)
{
    const struct term_ctl *c = ctl_peek(t);
    return c ? c->confirmed : 0;
}

static struct sim_term_report_stats stats; /* this process's terminals; the loop thread only */

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Latency bucket: 1 ms up to 100 ms, 10 ms up to 1 s, 100 ms up to 30 s, then one for the rest. */
static size_t lat_bucket(int64_t ms)
{
    if (ms < 0)
        ms = 0;
    if (ms < 100)
        return (size_t)ms;
    if (ms < 1000)
        return 100 + (size_t)(ms - 100) / 10;
    if (ms < 30000)
        return 190 + (size_t)(ms - 1000) / 100;
    return SIM_LAT_BUCKETS - 1;
}

int64_t sim_term_lat_bucket_ms(size_t b)
{
    return b < 100 ? (int64_t)b : b < 190 ? 100 + (int64_t)(b - 100) * 10 : 1000 + (int64_t)(b - 190) * 100;
}

void sim_term_events_sent(const struct sim_terminal *t, unsigned seq, size_t upto, int64_t now)
{
    struct term_ctl *c = ctl_get(t);
    if (!c)
        return;
    int64_t ms = wall_ms();
    if (c->report_out && c->report_upto == upto) {
        stats.resent++; /* the same records again: the latency runs from the first sending */
    } else {
        stats.sent++;
        stats.records += upto > c->confirmed ? upto - c->confirmed : 0;
        c->report_first_ms = ms;
        if (!stats.first_sent_ms || ms < stats.first_sent_ms)
            stats.first_sent_ms = ms;
    }
    c->report_out = 1;
    c->report_seq = (uint8_t)seq;
    c->report_upto = (uint32_t)upto;
    c->report_sent_s = now;
}

int sim_term_events_outstanding(const struct sim_terminal *t)
{
    const struct term_ctl *c = ctl_peek(t);
    return c && c->report_out;
}

int sim_term_events_confirm(const struct sim_terminal *t, unsigned seq)
{
    struct term_ctl *c = table && t->id < table_len ? table[t->id] : NULL;
    if (!c || !c->report_out || c->report_seq != (uint8_t)seq)
        return 0;
    c->report_out = 0;
    int64_t ms = wall_ms();
    stats.confirmed++;
    stats.lat_hist[lat_bucket(ms - c->report_first_ms)]++;
    if (ms > stats.last_confirmed_ms)
        stats.last_confirmed_ms = ms;
    if (c->report_upto > c->confirmed)
        c->confirmed = c->report_upto;
    return 1;
}

int sim_term_report_due(const struct scenario *s, const struct sim_terminal *t, int64_t now)
{
    const struct term_ctl *c = ctl_peek(t);
    if (c && c->report_out)
        return s->report_resend_s && now >= c->report_sent_s + (int64_t)s->report_resend_s;
    return sim_term_events(s, t, now, 0, NULL, 0) > sim_term_events_confirmed(t);
}

int64_t sim_term_report_next(const struct scenario *s, const struct sim_terminal *t, int64_t now)
{
    if (t->reports_lost)
        return INT64_MAX;
    int64_t next = sim_term_next_event(s, t, now);
    const struct term_ctl *c = ctl_peek(t);
    if (c && c->report_out && s->report_resend_s && c->report_sent_s + (int64_t)s->report_resend_s < next)
        next = c->report_sent_s + (int64_t)s->report_resend_s;
    return next;
}

void sim_term_report_stats(struct sim_term_report_stats *out)
{
    *out = stats;
}

void sim_term_events_read(const struct sim_terminal *t, size_t upto)
{
    struct term_ctl *c = ctl_get(t);
    if (c && upto > c->confirmed)
        c->confirmed = (uint32_t)upto;
}

void sim_term_local_tm(const struct scenario *s, int64_t t, struct mh_tm *out)
{
    mh_tm_from_epoch(t + s->tz_offset_s, out);
    out->has = MH_TM_FULL | MH_TM_WDAY;
}

int sim_term_local_epoch(const struct scenario *s, const struct mh_tm *tm, int64_t *out)
{
    struct mh_tm full = *tm;
    full.has = MH_TM_FULL;
    int64_t e;
    int rc = mh_tm_to_epoch(&full, &e);
    if (rc != 0)
        return rc;
    *out = e - s->tz_offset_s;
    return 0;
}

const struct sim_behaviour *sim_term_behaviour_for(const struct sim_terminal *t)
{
    switch (t->protocol) {
    case SIM_PROTO_GDW1376:
        return &sim_term_gdw1376;
    case SIM_PROTO_DLT698:
        return &sim_term_dlt698;
    case SIM_PROTO_DLT645_2007:
        return &sim_term_dtu645;
    default:
        return NULL;
    }
}
