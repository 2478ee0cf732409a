/*
 * Alarms the terminals tell of: their event reports (Q/GDW 1376.1 ERC
 * records, stored by collect with the measuring point in the payload),
 * their link history (offline) and the day's collection status (every
 * meter of a terminal failing).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "meterhub/base/err.h"

#define PAGE 1024

/*
 * Q/GDW 1376.1 appendix B event codes (ERC) and the alarm each is: 37 meter
 * cover opened, 10 voltage loop abnormal (voltage loss, or phase failure when
 * the payload's "kind" says so: the record's D7-D6, or the 698.45 event
 * 3003 stored under ERC10; its "phases" the phase), 30 meter stopped, 27
 * energy reading decreased, 29 meter runs fast, 12 meter time abnormal.
 * A cover opening is momentary: its alarm ends when it starts.
 */
static const struct {
    uint16_t erc;
    uint8_t type;
    uint8_t momentary;
} erc_alarms[] = {
    {37, ANOMALY_COVER_OPEN, 1}, {10, ANOMALY_VOLTAGE_LOSS, 0}, {30, ANOMALY_STOPPED, 0},
    {27, ANOMALY_REVERSED, 0},   {29, ANOMALY_RACING, 0},       {12, ANOMALY_CLOCK, 0},
};

struct point_key {
    int64_t terminal;
    int32_t pn;
    int32_t ix;
};

static int by_point(const void *a, const void *b)
{
    const struct point_key *x = a, *y = b;
    if (x->terminal != y->terminal)
        return (x->terminal > y->terminal) - (x->terminal < y->terminal);
    return (x->pn > y->pn) - (x->pn < y->pn);
}

/* What an event's payload says: {"erc":..,"pn":..,"start":..[,"kind":"..","phases":".."]}. */
struct payload {
    int pn;      /* -1: none */
    int start;   /* occurred (1) or recovered (0) */
    int failure; /* ERC10: 1 phase failure, 0 voltage loss or not said */
    int phase;   /* 0..2; 255 not said */
};

static void payload_parse(const char *json, struct payload *p)
{
    json_error_t e;
    json_t *o = json ? json_loads(json, 0, &e) : NULL;
    json_t *pn = json_object_get(o, "pn"), *st = json_object_get(o, "start");
    json_t *kind = json_object_get(o, "kind");
    p->pn = json_is_integer(pn) ? (int)json_integer_value(pn) : -1;
    p->start = json_is_integer(st) ? json_integer_value(st) != 0 : 1;
    p->failure = json_is_string(kind) && strcmp(json_string_value(kind), "phase_failure") == 0;
    /* The record's phases as letters ("C", "AB"; events.c): the phase when exactly one is said. */
    const char *letters = json_string_value(json_object_get(o, "phases"));
    p->phase = letters && strlen(letters) == 1 && letters[0] >= 'A' && letters[0] <= 'C'
                   ? letters[0] - 'A'
                   : 255;
    json_decref(o);
}

static int event_alarm(struct az *z, const struct point_key *pts, const struct store_event_row *ev)
{
    size_t k = 0;
    while (k < sizeof erc_alarms / sizeof erc_alarms[0] && erc_alarms[k].erc != ev->code)
        k++;
    if (k == sizeof erc_alarms / sizeof erc_alarms[0] || ev->start_s <= 0)
        return 0;
    struct payload pl;
    payload_parse(ev->payload_json, &pl);
    struct point_key key = {ev->terminal, pl.pn, 0};
    const struct point_key *p = bsearch(&key, pts, z->nm, sizeof *pts, by_point);
    if (!p)
        return 0; /* a terminal's own event, or a point the archive no longer lists */
    const struct az_meter *m = &z->m[p->ix];
    uint8_t type = erc_alarms[k].type;
    if (type == ANOMALY_VOLTAGE_LOSS) {
        /* the day's phase voltages and currents judged the meter: they say which, and the phase */
        if (m->curve_alarms & (1u << ANOMALY_VOLTAGE_LOSS | 1u << ANOMALY_PHASE_FAILURE))
            return 0;
        type = pl.failure ? ANOMALY_PHASE_FAILURE : ANOMALY_VOLTAGE_LOSS;
    }
    struct store_alarm a = {.type = type,
                            .phase = erc_alarms[k].type == ANOMALY_VOLTAGE_LOSS ? (uint8_t)pl.phase
                                                                                : 255,
                            .meter = m->id,
                            .terminal = m->terminal,
                            .start_s = ev->start_s,
                            .end_s = erc_alarms[k].momentary || !pl.start ? ev->start_s : 0};
    if (m->area >= 0)
        snprintf(a.area, sizeof a.area, "%s", z->areas[m->area].code);
    snprintf(a.evidence, sizeof a.evidence, "terminal event ERC%u %s at pn %d", (unsigned)ev->code,
             pl.start ? "occurred" : "recovered", pl.pn);
    z->m[p->ix].fault |= a.type != ANOMALY_COVER_OPEN && a.type != ANOMALY_CLOCK;
    return az_alarm_push(z, &a);
}

int az_event_alarms(struct az *z)
{
    struct point_key *pts = malloc((z->nm + 1) * sizeof *pts);
    struct store_event_row *rows = malloc(PAGE * sizeof *rows);
    int rc = pts && rows ? 0 : MH_ENOMEM;
    for (size_t i = 0; i < z->nm && rc == 0; i++)
        pts[i] = (struct point_key){z->m[i].terminal, z->m[i].pn, (int32_t)i};
    if (rc == 0)
        qsort(pts, z->nm, sizeof *pts, by_point);
    /*
     * Events of the last 62 days (what a terminal keeps): a condition that
     * began before the history still holds; an alarm raised on an earlier
     * day is found again by its natural key, not doubled.
     */
    struct store_event_filter f = {0, 0, -1, z->ds - 62 * AZ_DAY_S, z->de};
    int64_t after = 0;
    while (rc == 0) {
        int n = store_events_list(z->st, &f, after, rows, PAGE);
        if (n < 0) {
            rc = az_fail(z, n, "reading events: %s", mh_strerror(n));
            break;
        }
        for (int k = 0; k < n && rc == 0; k++)
            rc = event_alarm(z, pts, &rows[k]);
        z->stats->events += (size_t)n;
        if (n > 0)
            after = rows[n - 1].id;
        store_event_rows_free(rows, (size_t)n);
        if (n < PAGE)
            break;
    }
    free(rows);
    free(pts);
    return rc;
}

/* ---- terminals ---- */

/*
 * Online per slot of the day from the link history: the state taken before
 * the day holds until the first change; slots before the terminal's first
 * link row are not judged (taken as online), as the station may not have
 * been running then.
 */
static int online_slots(struct az *z, int64_t terminal, uint8_t *online)
{
    struct store_link_row rows[256];
    int state = -1; /* unknown */
    int64_t after = -1, from_ms = (z->ds - 7 * AZ_DAY_S) * 1000, to_ms = z->de * 1000;
    int j = 0;
    for (;;) {
        int n = store_terminal_links(z->st, terminal, from_ms, to_ms, after, rows, 256);
        if (n < 0)
            return n;
        for (int k = 0; k < n; k++) {
            int64_t t = rows[k].t_ms / 1000;
            for (; j < ANOMALY_SLOTS && z->ds + (int64_t)(j + 1) * ANOMALY_SLOT_S <= t; j++)
                online[j] = state != 0;
            state = rows[k].online;
        }
        if (n < 256)
            break;
        after = rows[n - 1].t_ms;
    }
    for (; j < ANOMALY_SLOTS; j++)
        online[j] = state != 0;
    return 0;
}

struct term_status {
    int64_t terminal;
    uint32_t meters, failed;
    uint8_t reason; /* of the first failed meter */
};

static int by_terminal(const void *a, const void *b)
{
    const struct term_status *x = a, *y = b;
    return (x->terminal > y->terminal) - (x->terminal < y->terminal);
}

/* Collection status of the day, counted per terminal; *n distinct terminals. */
static int status_per_terminal(struct az *z, struct term_status *ts, size_t *n)
{
    size_t nt = 0;
    for (size_t i = 0; i < z->nm; i++)
        if (z->m[i].terminal > 0)
            ts[nt++] = (struct term_status){z->m[i].terminal, 0, 0, 0};
    qsort(ts, nt, sizeof *ts, by_terminal);
    size_t u = 0;
    for (size_t i = 0; i < nt; i++)
        if (u == 0 || ts[u - 1].terminal != ts[i].terminal)
            ts[u++] = ts[i];
    *n = u;
    struct store_status rows[PAGE];
    int64_t after = 0;
    for (;;) {
        int k = store_status_list(z->st, z->day, STORE_CLASS_DAY_FREEZE, -1, 0, after, rows, PAGE);
        if (k < 0)
            return k;
        for (int r = 0; r < k; r++) {
            int32_t i = az_meter_index(z, rows[r].meter);
            struct term_status key = {i < 0 ? 0 : z->m[i].terminal, 0, 0, 0};
            struct term_status *t = i < 0 ? NULL : bsearch(&key, ts, u, sizeof *ts, by_terminal);
            if (!t)
                continue;
            t->meters++;
            if (rows[r].reason != STORE_REASON_NONE && !t->failed++)
                t->reason = rows[r].reason;
        }
        if (k < PAGE)
            break;
        after = rows[k - 1].meter;
    }
    return 0;
}

int az_terminal_alarms(struct az *z)
{
    struct term_status *ts = malloc((z->nm + 1) * sizeof *ts);
    if (!ts)
        return MH_ENOMEM;
    size_t nt = 0;
    int rc = status_per_terminal(z, ts, &nt);
    if (rc < 0)
        rc = az_fail(z, rc, "reading collection status: %s", mh_strerror(rc));
    for (size_t k = 0; k < nt && rc == 0; k++) {
        const struct term_status *t = &ts[k];
        uint8_t online[ANOMALY_SLOTS];
        int8_t ok[ANOMALY_SLOTS];
        memset(ok, -1, sizeof ok);
        rc = online_slots(z, t->terminal, online);
        if (rc < 0) {
            rc = az_fail(z, rc, "reading link history: %s", mh_strerror(rc));
            break;
        }
        struct anomaly_alarm al[4];
        struct anomaly_terminal_day td = {(uint32_t)k, z->ds, online, ok};
        int n = anomaly_terminal_check(&z->o->ac, &td, al, 4);
        for (int i = 0; i < n && i < 4 && rc == 0; i++) {
            struct store_alarm a = {.type = al[i].type, .phase = 255, .terminal = t->terminal,
                                    .start_s = al[i].start, .end_s = al[i].end,
                                    .value_milli = (int64_t)(al[i].value * 1000),
                                    .limit_milli = (int64_t)(al[i].limit * 1000)};
            snprintf(a.evidence, sizeof a.evidence, "%s", al[i].evidence);
            rc = az_alarm_push(z, &a);
        }
        /* Every meter of the terminal failed the day's collection (patch passes included). */
        if (rc == 0 && t->meters > 0 && t->failed == t->meters) {
            struct store_alarm a = {.type = ANOMALY_COLLECT_FAILURE, .phase = 255,
                                    .terminal = t->terminal, .start_s = z->ds,
                                    .value_milli = (int64_t)t->failed * 1000,
                                    .limit_milli = (int64_t)t->meters * 1000};
            snprintf(a.evidence, sizeof a.evidence, "none of %u meters collected: %s", t->meters,
                     store_reason_text(t->reason));
            rc = az_alarm_push(z, &a);
        }
    }
    free(ts);
    return rc;
}
