/*
 * The daily analysis (app/analyze.h): metering with validation and
 * estimation, the meter rules that daily frozen registers support, line
 * loss and sudden drop per area, then the day's alarms joined to the
 * earlier ones and every result written.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "meterhub/app/metering.h"
#include "meterhub/base/err.h"

void analyze_opts_default(struct analyze_opts *o, int64_t day)
{
    memset(o, 0, sizeof *o);
    o->day = day;
    o->history = 7;
    o->utc_offset_min = 480;
    o->over_capacity_share = 0.9;
    o->tariff_hours[0] = 2;
    o->tariff_hours[1] = 6;
    o->tariff_hours[2] = 7;
    o->tariff_hours[3] = 9;
    anomaly_config_default(&o->ac);
    lineloss_config_default(&o->lc);
}

/* Register (secondary, 0.1 Wh) of meter i, direction dir, at freeze k. */
static int64_t reg(const struct az *z, size_t i, int dir, size_t k)
{
    return z->tot[(i * z->nf + k) * 2 + (size_t)dir];
}

/*
 * A register shows six integer digits of kWh (DL/T 645 XXXXXX.XX, Q/GDW
 * 1376.1 A.14 XXXXXX.XXXX): past 999999.99.. it rolls over to 0. In 0.1 Wh.
 */
#define AZ_REGISTER_WRAP 10000000000LL

/*
 * Metering parameters of meter i: its ratios, and the register's rollover,
 * told from a register going down by what the contract capacity (x
 * racing_capacity_ratio) could pass (app/metering). The capacity does not
 * refuse a forward advance: a meter running fast is the racing rule's.
 */
static struct metering_params params_of(const struct az *z, size_t i)
{
    const struct az_meter *m = &z->m[i];
    double cap = (double)m->contract_w * z->o->ac.racing_capacity_ratio;
    return (struct metering_params){m->ct, m->pt, {AZ_REGISTER_WRAP - 1, -4},
                                    cap > 0 ? (uint64_t)cap : 0, 1};
}

/* b - a of meter i's register (secondary 0.1 Wh) over dt seconds, across a rollover as
 * app/metering tells one (params_of); AZ_NONE when the register went down. */
static int64_t advance(const struct az *z, size_t i, int64_t a, int64_t b, int64_t dt)
{
    if (b >= a) /* up by more than half the register: it ran backwards through 0 */
        return (b - a) * 2 > AZ_REGISTER_WRAP ? AZ_NONE : b - a;
    struct metering_params p = params_of(z, i);
    struct metering_reading r[2] = {{0, mh_dec_make(a, -4), 1}, {dt, mh_dec_make(b, -4), 1}};
    struct metering_result res = metering_consumption(&r[0], &r[1], NULL, &p);
    return res.status == METERING_ROLLOVER ? b + AZ_REGISTER_WRAP - a : AZ_NONE;
}

/*
 * Primary energy (0.1 Wh) of meter i, direction dir, on window day d (from
 * freeze d to d + 1). Both freezes read: their difference (AZ_NONE when the
 * register went down: never consumption). A freeze missing: the energy
 * between the nearest read freezes around it shared evenly over the days
 * between them (*est set; AZ_NONE when none bounds the gap).
 */
static int64_t day_energy(const struct az *z, size_t i, int dir, size_t d, int *est)
{
    *est = 0;
    int64_t k = (int64_t)z->m[i].ct * z->m[i].pt;
    int64_t a = reg(z, i, dir, d), b = reg(z, i, dir, d + 1);
    if (a != AZ_NONE && b != AZ_NONE) {
        int64_t e = advance(z, i, a, b, AZ_DAY_S);
        return e == AZ_NONE ? AZ_NONE : e * k;
    }
    size_t lo = d, hi = d + 1;
    while (lo > 0 && reg(z, i, dir, lo) == AZ_NONE)
        lo--;
    while (hi + 1 < z->nf && reg(z, i, dir, hi) == AZ_NONE)
        hi++;
    a = reg(z, i, dir, lo);
    b = reg(z, i, dir, hi);
    int64_t days = (int64_t)(hi - lo);
    int64_t e = a == AZ_NONE || b == AZ_NONE ? AZ_NONE : advance(z, i, a, b, days * AZ_DAY_S);
    if (e == AZ_NONE)
        return AZ_NONE;
    *est = 1;
    int64_t share = e / days;
    /* the remainder goes to the gap's first days, so the days add up to the gap exactly */
    return (share + ((int64_t)(d - lo) < e % days)) * k;
}

/* Net (import - export) primary kWh of meter i on window day d; NAN when unknown. */
static double day_net(const struct az *z, size_t i, size_t d)
{
    int e1, e2;
    int64_t im = day_energy(z, i, 0, d, &e1), ex = day_energy(z, i, 1, d, &e2);
    if (im == AZ_NONE)
        return NAN;
    return (double)(im - (ex == AZ_NONE ? 0 : ex)) / 1e4;
}

/* Consumption of register (dir, tariff t: 0 total) over day D through app/metering. */
static int64_t metered(const struct az *z, size_t i, int dir, int t, enum metering_status *st)
{
    size_t d = (size_t)z->h;
    int64_t a, b;
    if (t == 0) {
        a = reg(z, i, dir, d);
        b = reg(z, i, dir, d + 1);
    } else {
        a = z->tar[((i * 2 + 0) * 2 + (size_t)dir) * 4 + (size_t)t - 1];
        b = z->tar[((i * 2 + 1) * 2 + (size_t)dir) * 4 + (size_t)t - 1];
    }
    struct metering_reading r[2] = {{az_freeze_t(z, d), mh_dec_make(a, -4), a != AZ_NONE},
                                    {az_freeze_t(z, d + 1), mh_dec_make(b, -4), b != AZ_NONE}};
    struct metering_params p = params_of(z, i);
    struct metering_result res = metering_consumption(&r[0], &r[1], NULL, &p);
    *st = res.status;
    if (res.status != METERING_OK && res.status != METERING_ROLLOVER)
        return AZ_NONE;
    int64_t v = res.kwh.m;
    for (int e = res.kwh.exp + 4; e > 0; e--)
        v *= 10; /* registers are 0.1 Wh integers: the exponent is -4 already */
    return v;
}

/* Day D's consumption row of meter i. */
static void consumption_of(struct az *z, size_t i, struct store_consumption *c)
{
    memset(c, 0, sizeof *c);
    c->meter = z->m[i].id;
    c->day = z->day;
    enum metering_status st, total = METERING_MISSING;
    for (int dir = 0; dir < 2; dir++)
        for (int t = 0; t < 5; t++) {
            int64_t v = metered(z, i, dir, t, &st);
            (dir ? c->export_wh10 : c->import_wh10)[t] = v;
            if (dir == 0 && t == 0)
                total = st;
        }
    c->status = (uint8_t)total;
    c->quality = STORE_Q_VALID;
    if (total == METERING_MISSING) {
        /* validation and estimation: the total only, from the freezes around the gap */
        int est;
        for (int dir = 0; dir < 2; dir++) {
            int64_t v = day_energy(z, i, dir, (size_t)z->h, &est);
            (dir ? c->export_wh10 : c->import_wh10)[0] = v;
            if (dir == 0 && v != AZ_NONE)
                c->quality = STORE_Q_ESTIMATED;
        }
    }
}

static int push_meter_alarm(struct az *z, size_t i, uint8_t type, double value, double limit,
                            const char *evidence)
{
    const struct az_meter *m = &z->m[i];
    struct store_alarm a = {.type = type, .phase = 255, .meter = m->id, .terminal = m->terminal,
                            .start_s = z->ds, .value_milli = (int64_t)llround(value * 1000),
                            .limit_milli = (int64_t)llround(limit * 1000)};
    if (m->area >= 0)
        snprintf(a.area, sizeof a.area, "%s", z->areas[m->area].code);
    snprintf(a.evidence, sizeof a.evidence, "%s", evidence);
    z->m[i].fault |= type == ANOMALY_REVERSED || type == ANOMALY_STOPPED || type == ANOMALY_RACING;
    return az_alarm_push(z, &a);
}

/* Median of meter i's net over the h days before D; -1 when fewer than 2 are known. */
static double history_median(const struct az *z, size_t i, double *scratch)
{
    size_t n = 0;
    for (size_t d = 0; d < (size_t)z->h; d++) {
        double v = day_net(z, i, d);
        scratch[n++] = isnan(v) ? -1 : v;
    }
    return anomaly_median(scratch, n);
}

/*
 * The rules daily frozen registers support, on day D: the import register
 * went down (reversed), did not move while the meter used to consume
 * (stopped), or advanced more than the contract capacity can pass in the
 * day (racing), or a tariff period's mean load near the contract capacity
 * (over capacity).
 */
static int meter_rules(struct az *z, size_t i, const struct store_consumption *c,
                       double *scratch)
{
    const struct anomaly_config *ac = &z->o->ac;
    const struct az_meter *m = &z->m[i];
    char ev[128];
    size_t d = (size_t)z->h;
    int64_t a = reg(z, i, 0, d), b = reg(z, i, 0, d + 1);
    if (a != AZ_NONE && b != AZ_NONE && c->status == METERING_NEGATIVE) {
        /* down, or through 0 to the register's top (it shows 999999.99.. then) */
        double down = (double)(b <= a ? a - b : a + AZ_REGISTER_WRAP - b) * m->ct * m->pt / 1e4;
        if (down > ac->reversed_min_kwh) {
            snprintf(ev, sizeof ev, "import register went down %.4f kWh over the day", down);
            return push_meter_alarm(z, i, ANOMALY_REVERSED, down, ac->reversed_min_kwh, ev);
        }
    }
    if (c->quality != STORE_Q_VALID || c->import_wh10[0] == AZ_NONE || m->area_meter)
        return 0;
    double kwh = (double)c->import_wh10[0] / 1e4, contract_kw = (double)m->contract_w / 1000;
    int64_t ex = c->export_wh10[0];
    if (kwh == 0 && (ex == AZ_NONE || ex == 0) && !(m->curve_alarms & 1u << ANOMALY_STOPPED)) {
        double hm = history_median(z, i, scratch);
        if (hm >= ac->drop_min_history_kwh) {
            snprintf(ev, sizeof ev, "registers still all day; %.3f kWh a day before", hm);
            return push_meter_alarm(z, i, ANOMALY_STOPPED, hm, ac->drop_min_history_kwh, ev);
        }
    }
    /*
     * The register advanced more than the day's measured power explains (its
     * positive samples x 15 min; an accurate meter is within its class, 2 %):
     * app/anomaly's racing rule over the whole day, as only the day's freezes
     * are collected.
     */
    if (!isnan(m->meas_pos) && m->meas_pos >= ac->racing_min_kwh &&
        kwh > m->meas_pos * ac->racing_ratio) {
        snprintf(ev, sizeof ev, "registered %.3f kWh, measured %.3f kWh over the day", kwh,
                 m->meas_pos);
        return push_meter_alarm(z, i, ANOMALY_RACING, kwh / m->meas_pos, ac->racing_ratio, ev);
    }
    if (contract_kw <= 0)
        return 0;
    if (kwh > contract_kw * 24 * ac->racing_capacity_ratio) {
        snprintf(ev, sizeof ev, "%.3f kWh in a day, above %.1f x contract %.1f kW x 24 h", kwh,
                 ac->racing_capacity_ratio, contract_kw);
        return push_meter_alarm(z, i, ANOMALY_RACING, kwh, contract_kw * 24 * ac->racing_capacity_ratio,
                                ev);
    }
    for (int t = 1; t <= 4 && !(m->curve_alarms & 1u << ANOMALY_OVER_CAPACITY); t++) {
        double hours = z->o->tariff_hours[t - 1];
        if (c->import_wh10[t] == AZ_NONE || hours <= 0)
            continue;
        double mean_kw = (double)c->import_wh10[t] / 1e4 / hours;
        if (mean_kw > contract_kw * z->o->over_capacity_share) {
            snprintf(ev, sizeof ev, "tariff %d: mean load %.2f kW over its %.0f h, contract %.1f kW",
                     t, mean_kw, hours, contract_kw);
            return push_meter_alarm(z, i, ANOMALY_OVER_CAPACITY, mean_kw,
                                    contract_kw * z->o->over_capacity_share, ev);
        }
    }
    return 0;
}

/* Usual loss rate of area a over the h days before D; NAN without any. */
static double history_rate(const struct az *z, const struct az_area *a, double *scratch)
{
    size_t n = 0;
    for (size_t d = 0; d < (size_t)z->h; d++) {
        double sup = day_net(z, (size_t)a->supply, d), users = 0;
        for (size_t u = 0; u < a->n_users; u++)
            users += day_net(z, (size_t)a->users[u], d);
        if (!isnan(sup) && !isnan(users) && sup >= z->o->lc.min_supply_kwh)
            scratch[n++] = (sup - users) / sup;
    }
    return n ? anomaly_median(scratch, n) : NAN;
}

struct area_buf {
    struct anomaly_user_day *ud;
    struct lineloss_user *lu;
    double *hist;    /* users x h */
    double *scratch; /* users + h */
    struct anomaly_alarm *al;
};

/* Saturday or Sunday (day 0, 1970-01-01, was a Thursday). */
static int weekend(int64_t day)
{
    return (day + 3) % 7 >= 5;
}

/* Line loss of area a on day D (stored in *l) and the sudden-drop rule confirmed by it. */
static int area_day(struct az *z, const struct az_area *a, struct area_buf *b,
                    const struct store_consumption *cons, double peer_rate,
                    struct store_lineloss *l)
{
    size_t h = (size_t)z->h, n = a->n_users;
    int64_t users = 0;
    uint32_t missing = 0;
    for (size_t u = 0; u < n; u++) {
        size_t i = (size_t)a->users[u];
        const struct store_consumption *c = &cons[i];
        int64_t im = c->import_wh10[0], ex = c->export_wh10[0] == AZ_NONE ? 0 : c->export_wh10[0];
        double today = im == AZ_NONE ? NAN : (double)(im - ex) / 1e4;
        if (im == AZ_NONE)
            missing++;
        else
            users += im - ex;
        for (size_t d = 0; d < h; d++) {
            double v = day_net(z, i, d);
            b->hist[u * h + d] = isnan(v) ? -1 : v;
        }
        memcpy(b->scratch, &b->hist[u * h], h * sizeof *b->scratch);
        double hm = anomaly_median(b->scratch, h);
        /*
         * The drop rule compares a day with days of its kind only (weekday or
         * weekend): a shop or an office uses far less on Sunday than on the
         * weekdays before it, and its peers, mostly households, do not show it.
         */
        for (size_t d = 0; d < h; d++)
            if (weekend(z->day - (int64_t)(h - d)) != weekend(z->day))
                b->hist[u * h + d] = -1;
        /* the meter's own power curve: what it should have registered (a meter that
         * registered a day ago what it measured consumed less for real) */
        int has_meas = !isnan(today) && !isnan(z->m[i].meas) &&
                       (c->status == METERING_OK || c->status == METERING_ROLLOVER);
        b->lu[u] = (struct lineloss_user){(uint32_t)i, im == AZ_NONE ? -1 : (double)im / 1e4,
                                          (double)ex / 1e4, hm, has_meas ? z->m[i].meas : NAN};
        /* A PV user's net follows the sun, not its load: without its generation (not
         * collected) a low day is no evidence, so it is not judged by the drop rule unless
         * its own power curve is known. */
        int judged = !isnan(today) && (!z->m[i].pv || has_meas);
        b->ud[u] = (struct anomaly_user_day){(uint32_t)i, judged ? today : -1,
                                             &b->hist[u * h], h, z->m[i].fault, (uint8_t)has_meas,
                                             has_meas ? z->m[i].meas : 0};
    }
    const struct store_consumption *sc = &cons[a->supply];
    int64_t sim = sc->import_wh10[0], sex = sc->export_wh10[0] == AZ_NONE ? 0 : sc->export_wh10[0];
    if (sim == AZ_NONE)
        return 0; /* no supply figure: no line loss of the day */
    double hr = history_rate(z, a, b->scratch);
    struct lineloss_result res;
    int rc = lineloss_area_day(&z->o->lc, (double)sim / 1e4, (double)sex / 1e4, b->lu, n, hr, &res);
    if (rc < 0)
        return rc;
    *l = (struct store_lineloss){.day = z->day, .supply_wh10 = sim - sex, .users_wh10 = users,
                                 .loss_wh10 = sim - sex - users,
                                 .rate_ppm = (int64_t)llround(res.rate * 1e6),
                                 .rise_wh10 = isnan(res.rise_kwh) ? STORE_WH10_NONE
                                                                  : (int64_t)llround(res.rise_kwh * 1e4),
                                 .flags = res.flags, .users = (uint32_t)n, .missing = missing};
    snprintf(l->area_code, sizeof l->area_code, "%s", a->code);
    for (size_t k = 0; k < res.n_suspects && k < 3; k++)
        l->suspects[k] = z->m[res.suspects[k]].id;
    z->stats->areas++;
    int na = anomaly_area_drop(&z->o->ac, z->ds, b->ud, n, res.rise_kwh, b->scratch, b->al, n + 1);
    if (na < 0)
        return na;
    for (int k = 0; k < na && (size_t)k <= n && rc == 0; k++) {
        size_t i = b->al[k].subject;
        rc = push_meter_alarm(z, i, ANOMALY_SUDDEN_DROP, b->al[k].value, b->al[k].limit,
                              b->al[k].evidence);
        for (size_t u = 0; u < n; u++)
            b->ud[u].explained |= b->ud[u].meter == i; /* not alarmed twice */
    }
    /*
     * Theft already running before the history has no drop: the meter
     * registered less than its own power curve says flowed, confirmed by the
     * area's loss beyond the technical loss its peers show that day.
     */
    double excess = isnan(peer_rate) || res.supply_kwh < z->o->lc.min_supply_kwh
                        ? NAN
                        : res.loss_kwh - peer_rate * res.supply_kwh;
    na = rc ? 0 : anomaly_area_unregistered(&z->o->ac, z->ds, b->ud, n, excess, b->al, n + 1);
    if (na < 0)
        return na;
    for (int k = 0; k < na && (size_t)k <= n && rc == 0; k++)
        rc = push_meter_alarm(z, b->al[k].subject, ANOMALY_SUDDEN_DROP, b->al[k].value,
                              b->al[k].limit, b->al[k].evidence);
    return rc;
}

/* Area a's loss rate on day D (NAN: unknown or too little supply), for its peers' expectation. */
static double day_rate(const struct az *z, const struct az_area *a)
{
    double sup = day_net(z, (size_t)a->supply, (size_t)z->h), users = 0;
    for (size_t u = 0; u < a->n_users; u++)
        users += day_net(z, (size_t)a->users[u], (size_t)z->h);
    return isnan(sup) || isnan(users) || sup < z->o->lc.min_supply_kwh ? NAN : (sup - users) / sup;
}

static int run_areas(struct az *z, const struct store_consumption *cons, struct store_lineloss *ll,
                     size_t *nll)
{
    size_t maxu = 0, h = (size_t)z->h;
    for (size_t a = 0; a < z->na; a++)
        maxu = z->areas[a].n_users > maxu ? z->areas[a].n_users : maxu;
    struct area_buf b = {calloc(maxu + 1, sizeof *b.ud), calloc(maxu + 1, sizeof *b.lu),
                         calloc((maxu + 1) * h, sizeof *b.hist),
                         calloc(maxu + h + 1, sizeof *b.scratch), calloc(maxu + 1, sizeof *b.al)};
    double *rates = calloc(z->na + 1, sizeof *rates);
    int rc = b.ud && b.lu && b.hist && b.scratch && b.al && rates ? 0 : MH_ENOMEM;
    for (size_t a = 0; a < z->na && rc == 0; a++)
        rates[a] = z->areas[a].supply < 0 ? NAN : day_rate(z, &z->areas[a]);
    double peer_rate = rc ? NAN : anomaly_expected_loss_rate(&z->o->ac, rates, z->na);
    free(rates);
    for (size_t a = 0; a < z->na && rc == 0; a++) {
        if (z->areas[a].supply < 0)
            continue;
        ll[*nll].area_code[0] = 0;
        rc = area_day(z, &z->areas[a], &b, cons, peer_rate, &ll[*nll]);
        *nll += ll[*nll].area_code[0] != 0;
    }
    free(b.ud);
    free(b.lu);
    free(b.hist);
    free(b.scratch);
    free(b.al);
    return rc;
}

/* Conditions judged afresh every day: an open alarm of them that did not recur is closed. */
static int closable(void *ctx, const struct store_alarm *a)
{
    const struct az *z = ctx;
    if (strncmp(a->evidence, "curve:", 6) == 0) {
        /* judged on the day's curves; an alarm an event raised stays open until it recovers */
        int32_t i = az_meter_index(z, a->meter);
        return i >= 0 && z->m[i].curve_judged;
    }
    switch (a->type) {
    case ANOMALY_TERMINAL_OFFLINE:
    case ANOMALY_COLLECT_FAILURE:
        return 1;
    case ANOMALY_OVER_CAPACITY:
    case ANOMALY_STOPPED: {
        /* judged when the meter's day was read (an event-raised stopped alarm stays open) */
        int32_t i = az_meter_index(z, a->meter);
        int est;
        return i >= 0 && a->start_s % AZ_DAY_S == z->ds % AZ_DAY_S &&
               day_energy(z, (size_t)i, 0, (size_t)z->h, &est) != AZ_NONE && !est;
    }
    default:
        return 0;
    }
}

/* Join the day's alarms to the earlier ones and count what holds on D. */
static int merge_alarms(struct az *z)
{
    /* every alarm holding since the oldest event looked at: an event's alarm is found again */
    struct store_alarm_filter f = STORE_ALARM_FILTER_ANY;
    f.from_s = z->ds - 62 * AZ_DAY_S;
    f.to_s = z->de;
    struct store_alarm *prev = NULL;
    size_t np = 0, cap = 0;
    int64_t after = 0;
    for (;;) {
        if (np + 1024 > cap) {
            size_t nc = cap ? cap * 2 : 4096;
            struct store_alarm *p = realloc(prev, nc * sizeof *p);
            if (!p) {
                free(prev);
                return MH_ENOMEM;
            }
            prev = p;
            cap = nc;
        }
        int n = store_alarms_list(z->st, &f, after, prev + np, 1024);
        if (n < 0) {
            free(prev);
            return az_fail(z, n, "reading alarms: %s", mh_strerror(n));
        }
        np += (size_t)n;
        if (n < 1024)
            break;
        after = prev[np - 1].id;
    }
    struct store_alarm *all = realloc(z->alarms, (z->n_alarms + np + 1) * sizeof *all);
    if (!all) {
        free(prev);
        return MH_ENOMEM;
    }
    z->alarms = all;
    z->cap_alarms = z->n_alarms + np + 1;
    size_t closed = 0, n0 = z->n_alarms;
    z->n_alarms = analyze_alarms_merge(prev, np, z->alarms, n0, z->day, z->ds, closable, z, &closed);
    for (size_t k = 0; k < z->n_alarms; k++) {
        const struct store_alarm *a = &z->alarms[k];
        z->stats->alarms_new += a->first_day == z->day;
        if (a->start_s < z->de && (a->end_s == 0 || a->end_s > z->ds || a->start_s >= z->ds))
            z->stats->by_type[a->type < ANOMALY_TYPE_COUNT_ ? a->type : 0]++;
    }
    z->stats->alarms = z->n_alarms - closed;
    z->stats->alarms_closed = closed;
    free(prev);
    return 0;
}

static int run(struct az *z)
{
    int rc = az_load_archive(z);
    if (rc == 0)
        rc = az_load_freezes(z);
    if (rc == 0)
        rc = az_event_alarms(z);
    struct store_consumption *cons = rc ? NULL : calloc(z->nm, sizeof *cons);
    struct store_lineloss *ll = rc ? NULL : calloc(z->na + 1, sizeof *ll);
    double *scratch = rc ? NULL : calloc((size_t)z->h + 1, sizeof *scratch);
    if (rc == 0 && (!cons || !ll || !scratch))
        rc = MH_ENOMEM;
    size_t nc = 0, nll = 0;
    for (size_t i = 0; i < z->nm && rc == 0; i++) {
        consumption_of(z, i, &cons[i]);
        z->stats->estimated += cons[i].quality == STORE_Q_ESTIMATED;
        z->stats->refused += cons[i].status == METERING_NEGATIVE;
        rc = meter_rules(z, i, &cons[i], scratch);
    }
    if (rc == 0)
        rc = run_areas(z, cons, ll, &nll);
    if (rc == 0)
        rc = az_terminal_alarms(z);
    if (rc == 0)
        rc = merge_alarms(z);
    /* Only meters with a figure are written (the others' rows from an earlier run stay). */
    for (size_t i = 0; rc == 0 && i < z->nm; i++)
        if (cons[i].import_wh10[0] != AZ_NONE || cons[i].status != METERING_MISSING)
            cons[nc++] = cons[i];
    z->stats->consumption = nc;
    if (rc == 0 && (rc = store_consumption_put(z->st, cons, nc)) < 0)
        az_fail(z, rc, "writing consumption: %s", mh_strerror(rc));
    if (rc == 0 && (rc = store_lineloss_put(z->st, ll, nll)) < 0)
        az_fail(z, rc, "writing line loss: %s", mh_strerror(rc));
    if (rc == 0 && (rc = store_alarm_put(z->st, z->alarms, z->n_alarms)) < 0)
        az_fail(z, rc, "writing alarms: %s", mh_strerror(rc));
    if (rc == 0 && (rc = store_quality_put(z->st, z->quality, z->n_quality)) < 0)
        az_fail(z, rc, "writing voltage quality: %s", mh_strerror(rc));
    z->stats->quality = z->n_quality;
    free(cons);
    free(ll);
    free(scratch);
    return rc;
}

int analyze_day(struct store *st, const struct analyze_opts *o, struct analyze_stats *out,
                char *err, size_t cap)
{
    if (!st || !o || !out || o->history < 0 || o->history > ANALYZE_MAX_HISTORY)
        return MH_EINVAL;
    memset(out, 0, sizeof *out);
    struct analyze_opts def = *o;
    if (!def.history)
        def.history = 7;
    if (!def.utc_offset_min)
        def.utc_offset_min = 480;
    if (def.over_capacity_share <= 0)
        def.over_capacity_share = 0.9;
    if (def.tariff_hours[0] + def.tariff_hours[1] + def.tariff_hours[2] + def.tariff_hours[3] <= 0) {
        static const double tou[4] = {2, 6, 7, 9};
        memcpy(def.tariff_hours, tou, sizeof tou);
    }
    struct az z = {.st = st, .o = &def, .stats = out, .err = err, .errcap = cap, .day = o->day,
                   .h = def.history};
    z.ds = o->day * AZ_DAY_S - (int64_t)def.utc_offset_min * 60;
    z.de = z.ds + AZ_DAY_S;
    z.nf = (size_t)z.h + 2;
    if (err && cap)
        err[0] = 0;
    int rc = run(&z);
    if (rc < 0 && err && cap && !err[0])
        snprintf(err, cap, "%s", mh_strerror(rc));
    free(z.m);
    free(z.areas);
    free(z.area_users);
    free(z.tot);
    free(z.tar);
    free(z.alarms);
    free(z.quality);
    return rc;
}
