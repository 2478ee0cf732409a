/*
 * Load, generation and register model of a simulated meter. See
 * meter_model.h for the contract; the notes here say how exactness and
 * speed are had together.
 *
 * A customer's day: its energy D (0.1 Wh) is a function of (seed, meter,
 * day); it is spread over the 96 intervals by the cumulative weight curve
 * of the customer's profile, C_j = floor(D * S_j / S_96), E_j = C_{j+1} - C_j,
 * so the day sums to D exactly. Per-interval noise is added in pairs
 * (+n to interval 2i, -n to 2i+1): sums over whole half-hours, and so over
 * every tariff period and every day, are unchanged. A register at midnight
 * is therefore initial + sum of D over the days, and a tariff register adds
 * C at the period boundaries: O(days), not O(intervals), for the ordinary
 * meter. Meters with PV or an anomaly take the per-interval path.
 */
#include "meter_model.h"

#include <stddef.h>

#define TZ_OFFSET_S (8 * 3600) /* meters keep China Standard Time */
#define DAY_S 86400

uint64_t sim_hash3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t z = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^
                 (c + 0x94D049BB133111EBull) * 0xD6E8FEB86659FD93ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform integer in [lo, hi] from a hash. */
static int64_t hash_range(uint64_t h, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(h % (uint64_t)(hi - lo + 1));
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t sim_local_day(int64_t k)
{
    return floor_div(k * SIM_INTERVAL_S + TZ_OFFSET_S, DAY_S);
}

int64_t sim_day_first_interval(int64_t day)
{
    return (day * DAY_S - TZ_OFFSET_S) / SIM_INTERVAL_S;
}

static int interval_of_day(int64_t k)
{
    return (int)(k - sim_day_first_interval(sim_local_day(k)));
}

/* 1 = Monday .. 7 = Sunday of a day number (day 0 = 1970-01-01, a Thursday). */
static int weekday_of(int64_t day)
{
    return (int)((day % 7 + 7 + 3) % 7) + 1;
}

/* Month 1..12 of a day number (civil calendar). */
static int month_of(int64_t day)
{
    int64_t z = day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    return (int)(mp < 10 ? mp + 3 : mp - 9);
}

/* Relative weight of interval j (0..95) in a day of the profile; weekends differ. */
static int64_t profile_weight(int customer, int weekend, int j)
{
    int h = j / 4;
    switch (customer) {
    case SIM_CUST_COMMERCIAL:
        if (h >= 8 && h < 20)
            return weekend ? 55 : 100;
        return 18;
    case SIM_CUST_INDUSTRIAL:
        if (weekend)
            return 40;
        return (h >= 6 && h < 22) ? 100 : 70;
    default: /* residential, PV users, areas */
        if (h < 6)
            return 15;
        if (h < 7)
            return 25;
        if (h < 9)
            return 60;
        if (h < 17)
            return 35;
        if (h < 18)
            return 55;
        if (h < 22)
            return 100;
        return 40;
    }
}

/* Cumulative weights S_0 = 0 .. S_96. */
static void profile_cumulative(int customer, int weekend, int64_t s[SIM_INTERVALS_PER_DAY + 1])
{
    s[0] = 0;
    for (int j = 0; j < SIM_INTERVALS_PER_DAY; j++)
        s[j + 1] = s[j] + profile_weight(customer, weekend, j);
}

static uint32_t mean_load_w(const struct sim_meter *m)
{
    if (m->scale_w)
        return m->scale_w;
    uint64_t h = sim_hash3(m->seed, m->id, 0x5CA1E);
    switch (m->customer) {
    case SIM_CUST_COMMERCIAL:
        return (uint32_t)hash_range(h, 4000, 20000);
    case SIM_CUST_INDUSTRIAL:
        return (uint32_t)hash_range(h, 50000, 400000);
    default:
        return (uint32_t)hash_range(h, 250, 900);
    }
}

/* Season factor in percent: air conditioning in summer, heating in winter. */
static int season_pct(int month)
{
    if (month >= 6 && month <= 9)
        return 130;
    if (month == 12 || month <= 2)
        return 120;
    return 100;
}

/* Cloud cover of the scenario's day, 0..100 (one weather for the whole scenario). */
static int cloud_pct(uint64_t seed, int64_t day)
{
    uint64_t h = sim_hash3(seed, 0xC10D, (uint64_t)day);
    int r = (int)(h % 100);
    return r < 55 ? r / 5 : (r < 85 ? 20 + (r - 55) * 2 : 80 + (r - 85)); /* mostly fair */
}

/* The customer's energy for a local day, 0.1 Wh. */
static int64_t day_energy(const struct sim_meter *m, int64_t day)
{
    int wd = weekday_of(day);
    int weekend = wd >= 6;
    int64_t base = (int64_t)mean_load_w(m) * 24 * 10; /* W * 24 h in 0.1 Wh */
    int daytype = 100;
    if (m->customer == SIM_CUST_COMMERCIAL && weekend)
        daytype = 65;
    else if (m->customer == SIM_CUST_INDUSTRIAL && weekend)
        daytype = 50;
    else if (m->customer == SIM_CUST_RESIDENTIAL && weekend)
        daytype = 112;
    int noise = (int)hash_range(sim_hash3(m->seed, m->id, (uint64_t)day), 85, 115);
    return base * season_pct(month_of(day)) / 100 * daytype / 100 * noise / 100;
}

/* Load of a whole day, interval by interval (sums to day_energy exactly). */
static void day_load(const struct sim_meter *m, int64_t day, int64_t e[SIM_INTERVALS_PER_DAY])
{
    int64_t s[SIM_INTERVALS_PER_DAY + 1];
    profile_cumulative(m->customer, weekday_of(day) >= 6, s);
    int64_t d = day_energy(m, day);
    int64_t prev = 0;
    for (int j = 0; j < SIM_INTERVALS_PER_DAY; j++) {
        int64_t c = d * s[j + 1] / s[SIM_INTERVALS_PER_DAY];
        e[j] = c - prev;
        prev = c;
    }
    for (int i = 0; i < SIM_INTERVALS_PER_DAY; i += 2) {
        int64_t lim = (e[i] < e[i + 1] ? e[i] : e[i + 1]) / 4;
        if (lim <= 0)
            continue;
        int64_t n = hash_range(sim_hash3(m->seed ^ 0xA0A0, m->id, (uint64_t)(day * 96 + i)), -lim, lim);
        e[i] += n;
        e[i + 1] -= n;
    }
}

static int anomaly_active(const struct sim_meter *m, int64_t k)
{
    return m->anomaly != SIM_ANOM_NONE && (k + 1) * SIM_INTERVAL_S > m->anomaly_start;
}

/* PV generation of interval j of a day (0.1 Wh). */
static int64_t pv_interval(const struct sim_meter *m, int month, int j, int cloud, int64_t eff)
{
    /* Daylight 06:00-18:00 in spring/autumn, longer in summer, shorter in winter. */
    int first = month >= 5 && month <= 8 ? 22 : (month >= 11 || month <= 1 ? 28 : 25);
    int last = SIM_INTERVALS_PER_DAY - first;
    if (j < first || j >= last)
        return 0;
    int64_t bell = (int64_t)(j - first + 1) * (last - j); /* peaks at noon */
    int64_t bell_max = (int64_t)((last - first) / 2 + 1) * ((last - first) / 2 + 1);
    int64_t w = (int64_t)m->pv_peak_w * bell / bell_max * (100 - cloud * 7 / 10) / 100 * eff / 100;
    return w * 10 / 4;
}

void sim_day_flows(const struct sim_meter *m, int64_t day, int64_t load[SIM_INTERVALS_PER_DAY],
                   int64_t pv[SIM_INTERVALS_PER_DAY])
{
    day_load(m, day, load);
    int64_t first = sim_day_first_interval(day);
    if (m->anomaly == SIM_ANOM_OVER_CAPACITY && m->contract_w) {
        /* Daytime (09:00-20:00) runs at 110..130 % of contract capacity. */
        for (int j = 36; j < 80; j++) {
            int64_t k = first + j;
            if (!anomaly_active(m, k))
                continue;
            int64_t pct = 110 + (int64_t)(sim_hash3(m->seed, m->id, (uint64_t)k) % 21);
            load[j] = (int64_t)m->contract_w * pct / 100 * 10 / 4; /* W over 15 min in 0.1 Wh */
        }
    }
    int has_pv = m->customer == SIM_CUST_PV && m->pv_peak_w != 0;
    int cloud = has_pv ? cloud_pct(m->seed, day) : 0;
    /* Each system has its own efficiency (orientation, dirt): 85..100 %. */
    int64_t eff = has_pv ? hash_range(sim_hash3(m->seed, m->id, 0xEFF), 85, 100) : 0;
    int month = month_of(day);
    for (int j = 0; j < SIM_INTERVALS_PER_DAY; j++)
        pv[j] = has_pv ? pv_interval(m, month, j, cloud, eff) : 0;
}

int64_t sim_load_wh10(const struct sim_meter *m, int64_t k)
{
    int64_t load[SIM_INTERVALS_PER_DAY], pv[SIM_INTERVALS_PER_DAY];
    sim_day_flows(m, sim_local_day(k), load, pv);
    return load[interval_of_day(k)];
}

int64_t sim_pv_wh10(const struct sim_meter *m, int64_t k)
{
    int64_t load[SIM_INTERVALS_PER_DAY], pv[SIM_INTERVALS_PER_DAY];
    sim_day_flows(m, sim_local_day(k), load, pv);
    return pv[interval_of_day(k)];
}

void sim_registered(const struct sim_meter *m, int64_t k, int64_t load, int64_t pv,
                    struct sim_interval *out)
{
    int64_t imp = load > pv ? load - pv : 0;
    int64_t exp = pv > load ? pv - load : 0;
    if (anomaly_active(m, k)) {
        switch (m->anomaly) {
        case SIM_ANOM_STOPPED:
            imp = exp = 0;
            break;
        case SIM_ANOM_REVERSED:
            imp = -imp;
            break;
        case SIM_ANOM_RACING:
            imp = imp * m->factor / 100;
            break;
        case SIM_ANOM_THEFT:
            imp = imp * (100 - m->factor) / 100;
            break;
        case SIM_ANOM_VOLTAGE_LOSS:
        case SIM_ANOM_PHASE_FAILURE:
            if (m->phases == 3)
                imp -= imp / 3; /* the lost phase's share is not registered */
            else if (m->anomaly == SIM_ANOM_PHASE_FAILURE)
                imp = 0;
            break;
        case SIM_ANOM_REVERSED_CT:
            if (m->phases == 3)
                imp = imp / 3; /* +1/3 -1/3 +1/3 of the load */
            break;
        default:
            break;
        }
    }
    out->import_wh10 = imp;
    out->export_wh10 = exp;
}

void sim_interval_energy(const struct sim_meter *m, int64_t k, struct sim_interval *out)
{
    int64_t load[SIM_INTERVALS_PER_DAY], pv[SIM_INTERVALS_PER_DAY];
    sim_day_flows(m, sim_local_day(k), load, pv);
    int j = interval_of_day(k);
    sim_registered(m, k, load[j], pv[j], out);
}

/*
 * Tariff period of each local hour: a common provincial TOU table, sharp
 * 19-21, peak 8-11 and 17-19 and 21-22, flat 11-17 and 22-23, valley 23-08.
 * Periods begin on whole hours, which add_plain_day relies on.
 */
static const uint8_t tariff_of_hour[24] = {
    SIM_TARIFF_VALLEY, SIM_TARIFF_VALLEY, SIM_TARIFF_VALLEY, SIM_TARIFF_VALLEY, /* 00-04 */
    SIM_TARIFF_VALLEY, SIM_TARIFF_VALLEY, SIM_TARIFF_VALLEY, SIM_TARIFF_VALLEY, /* 04-08 */
    SIM_TARIFF_PEAK,   SIM_TARIFF_PEAK,   SIM_TARIFF_PEAK,   SIM_TARIFF_FLAT,   /* 08-12 */
    SIM_TARIFF_FLAT,   SIM_TARIFF_FLAT,   SIM_TARIFF_FLAT,   SIM_TARIFF_FLAT,   /* 12-16 */
    SIM_TARIFF_FLAT,   SIM_TARIFF_PEAK,   SIM_TARIFF_PEAK,   SIM_TARIFF_SHARP,  /* 16-20 */
    SIM_TARIFF_SHARP,  SIM_TARIFF_PEAK,   SIM_TARIFF_FLAT,   SIM_TARIFF_VALLEY, /* 20-24 */
};

/* Tariff period of interval j (0..95) of a local day. */
static enum sim_tariff tariff_of_slot(int j)
{
    return (enum sim_tariff)tariff_of_hour[j / 4];
}

enum sim_tariff sim_tariff_of(int64_t k)
{
    return tariff_of_slot(interval_of_day(k));
}

/*
 * Fast path: add a whole day of an ordinary meter (no PV, no anomaly that
 * day). The profile's weights change on whole hours, and so do the tariff
 * periods, so S at a period boundary 4h is 4 x the hours' weights before
 * it: 24 weights a day rather than 96 (this is the simulator's hottest
 * loop: every frozen register read sums the days since the origin).
 */
static void add_plain_day(const struct sim_meter *m, int64_t day, struct sim_registers *r)
{
    int weekend = weekday_of(day) >= 6;
    int64_t w[24], s96 = 0;
    for (int h = 0; h < 24; h++) {
        w[h] = 4 * profile_weight(m->customer, weekend, 4 * h);
        s96 += w[h];
    }
    int64_t d = day_energy(m, day);
    r->import_wh10[0] += d;
    /* The paired noise cancels inside each period: C at its boundaries is all it takes. */
    int64_t s = 0;
    for (int h = 0; h < 24;) {
        int t = tariff_of_hour[h];
        int64_t e = s;
        while (h < 24 && tariff_of_hour[h] == t)
            e += w[h++];
        r->import_wh10[t] += d * e / s96 - d * s / s96;
        s = e;
    }
}

void sim_registers_add(struct sim_registers *r, int64_t k, const struct sim_interval *e, int64_t num,
                       int64_t den)
{
    int t = sim_tariff_of(k);
    int64_t imp = e->import_wh10 * num / den, exp = e->export_wh10 * num / den;
    r->import_wh10[0] += imp;
    r->import_wh10[t] += imp;
    r->export_wh10[0] += exp;
    r->export_wh10[t] += exp;
}

void sim_registers_at(const struct sim_meter *m, int64_t t, struct sim_registers *out)
{
    for (int i = 0; i < 5; i++)
        out->import_wh10[i] = out->export_wh10[i] = 0;
    /* Initial readings: a few years of use; tariffs split it roughly 10/30/35/25. */
    int64_t init = (int64_t)m->initial_wh10;
    static const int split[5] = {100, 10, 30, 35, 25};
    for (int i = 1; i < 5; i++)
        out->import_wh10[i] = init * split[i] / 100;
    out->import_wh10[0] = out->import_wh10[1] + out->import_wh10[2] + out->import_wh10[3] +
                          out->import_wh10[4];
    if (t <= m->register_origin)
        return;
    int64_t k = floor_div(m->register_origin, SIM_INTERVAL_S);
    int64_t kt = floor_div(t, SIM_INTERVAL_S);
    int64_t part = t - kt * SIM_INTERVAL_S; /* seconds into interval kt */
    int plain_meter = m->customer != SIM_CUST_PV && m->anomaly == SIM_ANOM_NONE;
    while (k < kt || (k == kt && part > 0)) {
        int64_t day = sim_local_day(k);
        int64_t next_day = sim_day_first_interval(day + 1);
        if (plain_meter && k == sim_day_first_interval(day) && next_day <= kt) {
            add_plain_day(m, day, out);
            k = next_day;
            continue;
        }
        int64_t load[SIM_INTERVALS_PER_DAY], pv[SIM_INTERVALS_PER_DAY];
        sim_day_flows(m, day, load, pv);
        for (; k < next_day && (k < kt || (k == kt && part > 0)); k++) {
            int j = interval_of_day(k);
            struct sim_interval e;
            sim_registered(m, k, load[j], pv[j], &e);
            sim_registers_add(out, k, &e, k < kt ? 1 : part, k < kt ? 1 : SIM_INTERVAL_S);
        }
        if (k == kt + 1)
            break;
    }
}

static int64_t isqrt64(int64_t v)
{
    if (v <= 0)
        return 0;
    int64_t r = 0, bit = (int64_t)1 << 62;
    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return r;
}

void sim_instant_at(const struct sim_meter *m, int64_t t, struct sim_instant *out)
{
    int64_t k = floor_div(t, SIM_INTERVAL_S);
    int64_t loads[SIM_INTERVALS_PER_DAY], pvs[SIM_INTERVALS_PER_DAY];
    sim_day_flows(m, sim_local_day(k), loads, pvs);
    int64_t load = loads[interval_of_day(k)], pv = pvs[interval_of_day(k)];
    int64_t p_total = (load - pv) * 2 / 5; /* 0.1 Wh per 15 min -> W */
    int anom = anomaly_active(m, k) ? m->anomaly : SIM_ANOM_NONE;
    int nph = m->phases == 3 ? 3 : 1;
    int share[3] = {100, 0, 0};
    if (nph == 3) {
        share[0] = share[1] = 33;
        share[2] = 34;
        if (anom == SIM_ANOM_IMBALANCE) {
            share[0] = 65;
            share[1] = 25;
            share[2] = 10;
        }
    }
    int pf_base = m->customer == SIM_CUST_INDUSTRIAL ? 880 : (m->customer == SIM_CUST_COMMERCIAL ? 920 : 960);
    out->p_w[0] = out->q_var[0] = 0;
    /* Each phase's current as a phasor (mA x 1e6) rotated to its voltage's angle: 0, -120, +120. */
    static const int64_t cos_e6[3] = {1000000, -500000, -500000}, sin_e6[3] = {0, -866025, 866025};
    int64_t nx = 0, ny = 0;
    for (int ph = 0; ph < 3; ph++) {
        uint64_t h = sim_hash3(m->seed ^ 0x0707, (uint64_t)m->id * 4 + (uint64_t)ph, (uint64_t)k);
        int32_t u = ph < nph ? (int32_t)hash_range(h, 2150, 2290) : 0;
        int64_t p = ph < nph ? p_total * share[ph] / 100 : 0;
        int pf = pf_base + (int)(h >> 32) % 30;
        if (ph == m->anomaly_phase && ph < nph) {
            if (anom == SIM_ANOM_VOLTAGE_LOSS)
                u = (int32_t)hash_range(h >> 8, 50, 300); /* 5..30 V left */
            else if (anom == SIM_ANOM_PHASE_FAILURE) {
                u = 0;
                p = 0;
            } else if (anom == SIM_ANOM_REVERSED_CT)
                p = -p;
        }
        int64_t s = p * 1000 / pf;
        int64_t q = isqrt64(s * s - p * p);
        out->voltage_dv[ph] = u;
        out->p_w[ph + 1] = (int32_t)p;
        out->q_var[ph + 1] = (int32_t)(p < 0 ? -q : q);
        out->pf_milli[ph + 1] = p == 0 ? 1000 : (p < 0 ? -pf : pf);
        /* I = S / U: mA = VA * 1000 / V = VA * 10000 / dV */
        int64_t i = u > 0 ? (s < 0 ? -s : s) * 10000 / u : 0;
        out->current_ma[ph] = (int32_t)(p < 0 ? -i : i);
        out->s_va[ph + 1] = (int32_t)(s < 0 ? -s : s);
        if (u > 0) { /* in phase with its voltage: P / U; lagging: -Q / U */
            int64_t a = p * 10000 / u, b = -(p < 0 ? -q : q) * 10000 / u;
            nx += a * cos_e6[ph] - b * sin_e6[ph];
            ny += a * sin_e6[ph] + b * cos_e6[ph];
        }
        out->p_w[0] += (int32_t)p;
        out->q_var[0] += (int32_t)out->q_var[ph + 1];
    }
    int64_t p0 = out->p_w[0], q0 = out->q_var[0];
    int64_t s0 = isqrt64(p0 * p0 + q0 * q0);
    out->pf_milli[0] = s0 ? (int32_t)(p0 * 1000 / s0) : 1000;
    out->s_va[0] = (int32_t)s0;
    nx /= 1000000;
    ny /= 1000000;
    out->in_ma = nph == 1 ? (out->current_ma[0] < 0 ? -out->current_ma[0] : out->current_ma[0])
                          : (int32_t)isqrt64(nx * nx + ny * ny);
    out->freq_chz = (int32_t)hash_range(sim_hash3(m->seed, 0xF0, (uint64_t)k), 4995, 5005);
}

int64_t sim_meter_clock(const struct sim_meter *m, int64_t t)
{
    if (m->anomaly != SIM_ANOM_CLOCK_DRIFT || t <= m->anomaly_start)
        return t;
    return t + (t - m->anomaly_start) * m->factor / DAY_S;
}
