/*
 * meterhub sim load SCENARIO --db URI --date YYYY-MM-DD [--days N]
 *                   [--curve-days N] [--curves]
 *
 * Writes into a store what the station would have stored had it collected
 * the scenario's field for the N days up to local day D (default 8), without
 * running the field: the archive; the daily frozen registers (import and
 * export totals at every day's start from D - N to D + 1, tariffs at D's
 * and D + 1's, four decimals as Q/GDW 1376.1 carries them) of every meter
 * of a terminal that logs in; the collection status of each day; the event
 * reports of the Q/GDW 1376.1 and DL/T 698.45 terminals (the ERC of each
 * meter anomaly a terminal detects, as collect stores them); the link
 * history of terminals with an offline window; and, for the last
 * --curve-days days (default 1: day D only, as a week of a million meters'
 * curves is most of a billion rows), the 15-minute curves (total active
 * power; the phases' power, voltage and current of three-phase meters) and
 * each round's realtime read. --curves adds every single-phase meter's
 * voltage and power factor curve. Values are the ones `sim truth` writes
 * and the simulated terminals answer. For analysing fields too large to
 * collect on one machine (the city); the round itself is tested by
 * tests/integration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"
#include "meterhub/store.h"
#include "scenario.h"
#include "term.h"

#define BATCH 65536

struct loader {
    const struct scenario *s;
    struct store *st;
    int64_t *meter_id; /* per scenario meter: store id (0: not in the store) */
    int64_t *term_id;  /* per scenario terminal */
    int32_t *pn;       /* per scenario meter */
    struct store_reading *buf;
    size_t n;
    int64_t received_ms;
};

static int flush(struct loader *l)
{
    int rc = l->n ? store_readings_append(l->st, l->buf, l->n, 600000, NULL, NULL) : 0;
    l->n = 0;
    return rc;
}

/* One reading of meter i, batched. */
static int put_value(struct loader *l, size_t i, uint32_t item, int64_t t, struct mh_dec v)
{
    const struct sim_meter_info *m = &l->s->meters[i];
    l->buf[l->n++] = (struct store_reading){.meter = l->meter_id[i], .item = item,
                                            .quality = STORE_Q_VALID, .protocol = m->protocol,
                                            .t = t, .value = v,
                                            .terminal = l->term_id[m->terminal],
                                            .received_ms = l->received_ms};
    return l->n == BATCH ? flush(l) : 0;
}

/*
 * One register as the station stores it: with the four decimals Q/GDW 1376.1
 * carries (A.14), or the two of DL/T 698.45 (0010 attribute 2) and DL/T 645
 * behind the other terminals, truncated as the meter's display is.
 */
static int put(struct loader *l, size_t i, uint32_t item, int64_t t, int64_t wh10)
{
    const struct sim_meter_info *m = &l->s->meters[i];
    return put_value(l, i, item, t,
                     l->s->terminals[m->terminal].protocol == SIM_PROTO_GDW1376
                         ? mh_dec_make(wh10, -4)
                         : mh_dec_make(wh10 / 100, -2));
}

/* Store ids of the scenario's meters and terminals, by meter address. */
static int map_ids(struct loader *l)
{
    struct store_meter_row *rows = malloc(4096 * sizeof *rows);
    if (!rows)
        return MH_ENOMEM;
    /* scenario meters are numbered in address order within each population: search by address */
    size_t nm = l->s->n_meters;
    int64_t after = 0;
    int rc = 0;
    size_t hint = 0;
    for (;;) {
        int n = store_meters_list(l->st, NULL, after, rows, 4096);
        if (n < 0) {
            rc = n;
            break;
        }
        for (int k = 0; k < n; k++) {
            size_t i = hint;
            size_t tries = 0;
            while (tries < nm && l->s->meters[i].address != rows[k].address) {
                i = (i + 1) % nm;
                tries++;
            }
            if (tries == nm)
                continue;
            hint = (i + 1) % nm;
            l->meter_id[i] = rows[k].id;
            l->pn[i] = rows[k].pn;
            l->term_id[l->s->meters[i].terminal] = rows[k].terminal;
        }
        if (n < 4096)
            break;
        after = rows[n - 1].id;
    }
    free(rows);
    return rc;
}

static int load_archive(struct loader *l, char *err, size_t cap)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return MH_ENOMEM;
    int rc = scenario_write_archive_csv(l->s, f);
    fclose(f);
    struct archive *a = NULL;
    if (rc == 0)
        rc = archive_csv_parse(text, len, &a, err, cap);
    struct store_import_stats is;
    if (rc == 0)
        rc = store_archive_import(l->st, a, &is, err, cap);
    archive_free(a);
    free(text);
    return rc;
}

/*
 * What the collector stores of a meter's instantaneous values, in the
 * resolution the data formats carry (Q/GDW 1376.1 A.9 power 0.0001 kW, A.7
 * voltage 0.1 V, A.25 current 0.001 A, A.5 power factor 0.1 %): the model's
 * values are whole W, var, 0.1 V, mA and 0.001, so nothing is lost. Every
 * value is the measuring point's primary one, as the terminals report it.
 */
enum { Q_POWER = 1, Q_PHASE_POWER = 2, Q_VOLT_CURRENT = 4, Q_REACTIVE_PF = 8 };

static int put_instant(struct loader *l, size_t i, int64_t t, const struct sim_instant *v,
                       unsigned what)
{
    static const uint32_t p[4] = {MH_OBIS(1, 0, 1, 7, 0), MH_OBIS(1, 0, 21, 7, 0),
                                  MH_OBIS(1, 0, 41, 7, 0), MH_OBIS(1, 0, 61, 7, 0)};
    static const uint32_t q[4] = {MH_OBIS(1, 0, 3, 7, 0), MH_OBIS(1, 0, 23, 7, 0),
                                  MH_OBIS(1, 0, 43, 7, 0), MH_OBIS(1, 0, 63, 7, 0)};
    static const uint32_t pf[4] = {MH_OBIS(1, 0, 13, 7, 0), MH_OBIS(1, 0, 33, 7, 0),
                                   MH_OBIS(1, 0, 53, 7, 0), MH_OBIS(1, 0, 73, 7, 0)};
    static const uint32_t u[3] = {MH_OBIS(1, 0, 32, 7, 0), MH_OBIS(1, 0, 52, 7, 0),
                                  MH_OBIS(1, 0, 72, 7, 0)};
    static const uint32_t c[3] = {MH_OBIS(1, 0, 31, 7, 0), MH_OBIS(1, 0, 51, 7, 0),
                                  MH_OBIS(1, 0, 71, 7, 0)};
    int three = l->s->meters[i].model.phases == 3, rc = 0;
    /* a single-phase meter has one phase: its values are L1's, stored once as the totals */
    int last = (what & Q_PHASE_POWER) && three ? 3 : 0;
    for (int k = (what & Q_POWER) ? 0 : 1; k <= last && rc == 0; k++) {
        rc = put_value(l, i, p[k], t, mh_dec_make((int64_t)v->p_w[k] * 10, -4));
        if (rc == 0 && (what & Q_REACTIVE_PF))
            rc = put_value(l, i, q[k], t, mh_dec_make((int64_t)v->q_var[k] * 10, -4));
        if (rc == 0 && (what & Q_REACTIVE_PF))
            rc = put_value(l, i, pf[k], t, mh_dec_make(v->pf_milli[k], -3));
    }
    for (int ph = 0; ph < (three ? 3 : 1) && rc == 0 && (what & Q_VOLT_CURRENT); ph++) {
        rc = put_value(l, i, u[ph], t, mh_dec_make(v->voltage_dv[ph], -1));
        if (rc == 0)
            rc = put_value(l, i, c[ph], t, mh_dec_make(v->current_ma[ph], -3));
    }
    return rc;
}

/* A meter the station reads instantaneous values of: logged in, not an area meter (the
 * model sums an area meter's users and has no instantaneous values of its own). */
static int has_instants(const struct loader *l, size_t i)
{
    const struct scenario *s = l->s;
    return l->meter_id[i] && s->meters[i].model.customer != SIM_CUST_AREA &&
           s->terminals[s->meters[i].terminal].fault != SIM_FAULT_NEVER_LOGIN;
}

/*
 * Meter i's 15-minute curves of days first..last as the collector stores
 * them (1376.1 F81-F94, 698.45 5002 minute freeze, DL/T 645 load records):
 * total active power of every meter and, for three-phase meters, the
 * phases' active power, voltage and current, at each point's time (the
 * point at 00:15 is the value then); and the realtime task's read of every
 * round (the day's round runs after its midnight): P, Q, PF and the phases'
 * U and I. With voltage_all also a single-phase meter's voltage and power
 * factor curve (what a voltage-monitoring collection adds).
 */
static int load_meter_curves(struct loader *l, size_t i, int64_t first, int64_t last,
                             int voltage_all)
{
    const struct scenario *s = l->s;
    const struct sim_meter *m = &s->meters[i].model;
    unsigned what = Q_POWER | (m->phases == 3 ? Q_PHASE_POWER | Q_VOLT_CURRENT : 0);
    int rc = 0;
    for (int64_t d = first; d <= last && rc == 0; d++) {
        int64_t t0 = scenario_day_start(s, d);
        for (int j = 0; j < SIM_INTERVALS_PER_DAY && rc == 0; j++) {
            int64_t t = t0 + (int64_t)j * SIM_INTERVAL_S;
            struct sim_instant v;
            sim_instant_at(m, t, &v);
            rc = put_instant(l, i, t, &v, what);
            if (rc == 0 && voltage_all && m->phases != 3)
                rc = put_value(l, i, MH_OBIS(1, 0, 32, 7, 0), t, mh_dec_make(v.voltage_dv[0], -1));
            if (rc == 0 && voltage_all)
                rc = put_value(l, i, MH_OBIS(1, 0, 13, 7, 0), t, mh_dec_make(v.pf_milli[0], -3));
        }
        /* the realtime read of the round that collects day d, five minutes into d + 1 */
        int64_t tr = scenario_day_start(s, d + 1) + 300;
        struct sim_instant v;
        sim_instant_at(m, tr, &v);
        if (rc == 0)
            rc = put_instant(l, i, tr, &v,
                             Q_POWER | Q_PHASE_POWER | Q_VOLT_CURRENT | Q_REACTIVE_PF);
    }
    return rc;
}

/*
 * Every meter's registers at each day's start: the first from the model,
 * the next ones by adding each day's registered intervals (primary), shown
 * through the meter's CT as sim truth does; a day costs one pass of its 96
 * intervals instead of summing from the scenario's start again.
 */
static int load_registers(struct loader *l, int64_t first, int64_t last, int64_t cfirst,
                          int voltage_all)
{
    const struct scenario *s = l->s;
    struct sim_interval iv[SIM_INTERVALS_PER_DAY];
    int rc = 0;
    for (size_t i = 0; i < s->n_meters && rc == 0; i++) {
        if (!l->meter_id[i] || s->terminals[s->meters[i].terminal].fault == SIM_FAULT_NEVER_LOGIN)
            continue;
        struct sim_registers p;
        scenario_meter_primary_at(s, i, scenario_day_start(s, first), &p);
        for (int64_t d = first; d <= last + 1 && rc == 0; d++) {
            int64_t t = scenario_day_start(s, d);
            struct sim_registers r = p;
            scenario_meter_secondary(s, i, &r);
            int tariffs = d >= last;
            for (int tr = 0; tr <= (tariffs ? 4 : 0) && rc == 0; tr++) {
                rc = put(l, i, MH_OBIS(1, 0, 1, 8, tr), t, r.import_wh10[tr]);
                if (rc == 0)
                    rc = put(l, i, MH_OBIS(1, 0, 2, 8, tr), t, r.export_wh10[tr]);
            }
            if (d > last)
                break;
            scenario_meter_day(s, i, d, iv);
            int64_t k0 = sim_day_first_interval(d);
            for (int j = 0; j < SIM_INTERVALS_PER_DAY; j++)
                sim_registers_add(&p, k0 + j, &iv[j], 1, 1);
        }
        /* the meter's curves right after its registers: the store's key is meter first, so
         * rows arrive in key order and a large store is appended to, not split throughout */
        if (rc == 0 && cfirst <= last && has_instants(l, i))
            rc = load_meter_curves(l, i, cfirst, last, voltage_all);
    }
    return rc ? rc : flush(l);
}

static int load_status(struct loader *l, int64_t first, int64_t last)
{
    const struct scenario *s = l->s;
    struct store_status *st = malloc(s->n_meters * sizeof *st);
    if (!st)
        return MH_ENOMEM;
    int rc = 0;
    for (int64_t d = first; d <= last && rc == 0; d++) {
        size_t n = 0;
        for (size_t i = 0; i < s->n_meters; i++) {
            if (!l->meter_id[i])
                continue;
            int never = s->terminals[s->meters[i].terminal].fault == SIM_FAULT_NEVER_LOGIN;
            st[n++] = (struct store_status){l->meter_id[i], STORE_CLASS_DAY_FREEZE, d,
                                            never ? STORE_REASON_TERMINAL_OFFLINE : STORE_REASON_NONE,
                                            1, l->received_ms};
        }
        rc = store_status_upsert(l->st, st, n);
    }
    free(st);
    return rc;
}

/* Events and link history as the station records them. */
static int load_terminals(struct loader *l, int64_t first, int64_t last)
{
    const struct scenario *s = l->s;
    int64_t t0 = scenario_day_start(s, first), t1 = scenario_day_start(s, last + 1);
    int rc = 0;
    for (size_t k = 0; k < s->n_terminals && rc == 0; k++) {
        const struct sim_terminal *te = &s->terminals[k];
        int64_t id = l->term_id[k];
        if (!id || te->fault == SIM_FAULT_NEVER_LOGIN)
            continue;
        rc = store_terminal_link(l->st, id, 1, t0 * 1000, "login");
        for (int64_t d = first; d <= last && rc == 0 && te->fault == SIM_FAULT_OFFLINE; d++) {
            int64_t ds = scenario_day_start(s, d);
            rc = store_terminal_link(l->st, id, 0, (ds + te->offline_from) * 1000,
                                     "heartbeat timeout");
            if (rc == 0)
                rc = store_terminal_link(l->st, id, 1, (ds + te->offline_to) * 1000, "login");
        }
        if (te->protocol != SIM_PROTO_GDW1376 && te->protocol != SIM_PROTO_DLT698)
            continue; /* the station stores 1376.1 ERC records and 698.45 event records */
        for (uint32_t j = 0; j < te->meter_count && rc == 0; j++) {
            size_t i = te->first_meter + j;
            const struct sim_meter *m = &s->meters[i].model;
            const struct sim_event_kind *kind = sim_term_event_kind(m->anomaly);
            if (!kind || m->anomaly_start >= t1 || !l->meter_id[i])
                continue;
            /*
             * 698.45 events (3000 voltage loss, 3003 phase failure ...) are
             * stored under the ERC of the same condition; ERC10 covers both,
             * so its record's abnormality type (1376.1 appendix B ERC10 D7-D6)
             * and phases go into the payload as "kind" and "phases", as the
             * collector writes a 1376.1 record's (events.c).
             */
            char payload[160], detail[64] = "";
            if (kind->erc == 10)
                snprintf(detail, sizeof detail, ",\"kind\":\"%s\",\"phases\":\"%c\"",
                         m->anomaly == SIM_ANOM_PHASE_FAILURE ? "phase_failure" : "voltage_loss",
                         'A' + (int)m->anomaly_phase);
            snprintf(payload, sizeof payload, "{\"erc\":%u,\"pn\":%d,\"start\":1,\"name\":\"\"%s}",
                     kind->erc, (int)l->pn[i], detail);
            struct store_event ev = {.terminal = id, .code = kind->erc,
                                     .start_s = m->anomaly_start, .payload_json = payload};
            rc = store_event_insert(l->st, &ev);
        }
    }
    return rc;
}

static const char usage[] = "usage: meterhub sim load SCENARIO --db URI --date YYYY-MM-DD "
                            "[--days N] [--curve-days N] [--curves]\n";

int cmd_sim_load(const struct scenario *s, int argc, char **argv)
{
    const char *db = NULL, *date = NULL;
    long days = 8, curve_days = 1;
    int curves = 0;
    for (int i = 0; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (strcmp(argv[i], "--date") == 0 && i + 1 < argc)
            date = argv[++i];
        else if (strcmp(argv[i], "--curves") == 0)
            curves = 1;
        else if (strcmp(argv[i], "--curve-days") == 0 && i + 1 < argc &&
                 (curve_days = strtol(argv[++i], &end, 10)) >= 0 && curve_days <= 62 && !*end)
            continue;
        else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc &&
                 (days = strtol(argv[++i], &end, 10)) >= 0 && days <= 62 && !*end)
            continue;
        else {
            fputs(usage, stderr);
            return 2;
        }
    }
    int64_t day = cmd_sim_parse_day(date);
    if (!db || day < 0) {
        fputs(usage, stderr);
        return 2;
    }
    int64_t first = day - days;
    while (first < day && scenario_day_start(s, first) < s->start)
        first++;
    char err[512] = "";
    struct store_options so = {.relaxed_durability = 1}; /* rebuildable from the scenario */
    struct loader l = {.s = s};
    if (store_open(db, &so, &l.st, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub sim load: %s\n", err);
        return 1;
    }
    l.meter_id = calloc(s->n_meters + 1, sizeof *l.meter_id);
    l.pn = calloc(s->n_meters + 1, sizeof *l.pn);
    l.term_id = calloc(s->n_terminals + 1, sizeof *l.term_id);
    l.buf = malloc(BATCH * sizeof *l.buf);
    l.received_ms = (int64_t)time(NULL) * 1000;
    int rc = l.meter_id && l.pn && l.term_id && l.buf ? 0 : MH_ENOMEM;
    if (rc == 0)
        rc = load_archive(&l, err, sizeof err);
    if (rc == 0)
        rc = map_ids(&l);
    /* curves of the last curve_days days (none: cfirst after day) */
    int64_t cfirst = day - curve_days + 1 > first ? day - curve_days + 1 : first;
    if (rc == 0)
        rc = load_registers(&l, first, day, curve_days > 0 ? cfirst : day + 1, curves);
    if (rc == 0)
        rc = store_readings_sync(l.st, 600000);
    if (rc == 0)
        rc = load_status(&l, first, day);
    if (rc == 0)
        rc = load_terminals(&l, first, day);
    struct store_writer_stats ws;
    store_writer_stats(l.st, &ws);
    store_close(l.st);
    if (rc != 0)
        fprintf(stderr, "meterhub sim load: %s\n", err[0] ? err : mh_strerror(rc));
    else
        printf("loaded %s: %zu meters, days %lld..%lld, %llu readings stored (%llu duplicates)\n",
               s->name, s->n_meters, (long long)(first - day), 0LL,
               (unsigned long long)ws.stored, (unsigned long long)ws.duplicates);
    free(l.meter_id);
    free(l.pn);
    free(l.term_id);
    free(l.buf);
    return rc ? 1 : 0;
}
