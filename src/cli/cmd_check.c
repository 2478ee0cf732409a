/*
 * meterhub check truth --db PATH SCENARIO (--date D | --month M) [--min-permille P]
 *                     [--protocol P] [--curves | --realtime]
 *
 * Compares every daily frozen register the store holds for local day D
 * (active energy import and export, total and tariffs 1..4, data time
 * 24:00 of D) with the scenario's ground truth, the same values `meterhub
 * sim truth` writes to registers.csv (frozen_at D+1 00:00). A value that a
 * protocol carries with fewer decimals is compared with the truth
 * truncated to those decimals, as the meter shows it. Prints one line per
 * mismatch, then the totals. With --month M the monthly frozen registers
 * of month M are compared (data time 00:00 of the next month's first day); exits 1 on any mismatch, or when fewer than
 * P per mille (default 999) of the meters of terminals that log in (the
 * scenario's never-login terminals excluded) have their registers.
 * --protocol (gdw1376, dlt698, ...) checks only terminals speaking it.
 * With --curves (and --date D) the 15-minute active energy increments of
 * day D are compared instead, point by point (data time the end of each
 * interval, 00:15 .. 24:00), with the day curve `sim truth` writes to
 * curves.csv; a meter counts as collected when all 96 import points are
 * stored (give --protocol for the protocols whose terminals are read for
 * curves). The power, voltage and current curves (AFN0D F81..F95:
 * items P, P_L1..3, Q, Q_L1..3, U_L1..3, I_L1..3, I_N) stored for day D are
 * compared too, each point with the meter model at the point's time; a
 * power point stored as estimated (a load beyond A.9: 4 x the interval's
 * net energy) with the truth's mean power over the interval ending then.
 * A DTU's DL/T 645-2007 meter has its increments from its load records'
 * registers (two decimals): each is compared with the difference of the
 * truth's registers at the interval's ends, each truncated to those
 * decimals as the meter shows them; its load records' power, reactive
 * power, power factor, voltage, current and frequency points are compared
 * with the model like the power curves.
 * With --realtime (and --date D) the instantaneous values read during
 * local day D (AFN0C F25: P, Q, PF, U, I, I_N, S, total and per phase)
 * are compared with the meter model at each value's data time (the
 * terminal's read time); a value may differ from the model by one unit of
 * its last decimal, the resolution its data format leaves (a meter
 * truncates). A meter counts as collected when any of them is stored (a
 * load beyond A.9's 79.9999 kW has its powers as "no data"). A value may
 * have been read up to a second before its data time (RT_READ_BEFORE_S).
 * A 1376.1 terminal dates its reads by its own clock, to the minute: a
 * value read before the master set a drifting clock is compared with the
 * model at its data time less the terminal's clock error as well.
 * For 698.45 terminals, which date what they read by the model's time (the
 * clock 4000 read in the same list), and DTUs' DL/T 645 meters, dated by
 * the master's clock, the energy registers read then are compared too,
 * and their curves' points (minute freeze 5002: energy, power, voltage,
 * current) are checked the same way with --realtime and the curve's day.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "meterhub/proto/item.h"
#include "meterhub/store.h"
#include "scenario.h"
#include "serve.h"
#include "term.h"

#define POINTS_MAX 2048

struct check {
    uint64_t meters, meters_online, collected, collected_online, values, mismatches, missing_values;
    uint64_t power_values; /* --curves: power, voltage and current points among the values */
    uint64_t estimated_values; /* --curves: power points estimated from the interval energies */
};

/* Truth in 0.1 Wh truncated to the stored value's decimals. */
static struct mh_dec truth_at(int64_t wh10, int exp)
{
    int e = -4;
    for (; e < exp; e++)
        wh10 /= 10;
    return mh_dec_make(wh10, e);
}

static void check_meter(struct store *st, const struct scenario *s, size_t idx, int64_t meter,
                        int64_t t, struct check *k, int online)
{
    struct sim_registers truth;
    scenario_meter_registers_at(s, idx, t, &truth);
    int have_total = 0;
    for (int dir = 0; dir < 2; dir++)
        for (unsigned tariff = 0; tariff <= 4; tariff++) {
            uint32_t item = MH_OBIS_TARIFF(dir ? MH_ITEM_AE_EXP : MH_ITEM_AE_IMP, tariff);
            struct store_reading r;
            int n = store_readings_range(st, meter, item, t, t + 1, &r, 1);
            if (n != 1) {
                k->missing_values += have_total;
                continue;
            }
            if (dir == 0 && tariff == 0)
                have_total = 1;
            k->values++;
            int64_t w = dir ? truth.export_wh10[tariff] : truth.import_wh10[tariff];
            struct mh_dec want = truth_at(w, r.value.exp);
            if (mh_dec_cmp(want, r.value) != 0) {
                char got[40], exp[40];
                mh_dec_format(r.value, got, sizeof got);
                mh_dec_format(want, exp, sizeof exp);
                printf("mismatch meter %012llu item %u.%u.%u.%u.%u stored %s truth %s\n",
                       (unsigned long long)s->meters[idx].address, MH_OBIS_A(item),
                       MH_OBIS_B(item), MH_OBIS_C(item), MH_OBIS_D(item), MH_OBIS_E(item), got,
                       exp);
                k->mismatches++;
            }
        }
    k->meters++;
    k->meters_online += online;
    k->collected += have_total;
    k->collected_online += have_total && online;
}

/*
 * The day's increments of one meter against the truth's day curve, value
 * by value; registers: increments a master made from two registers the
 * meter shows with the stored value's decimals (DL/T 645 load records).
 */
static void check_curve(struct store *st, const struct scenario *s, size_t idx, int64_t meter,
                        int64_t day, struct check *k, int online, int registers)
{
    int64_t reg[2][SIM_INTERVALS_PER_DAY + 1];
    scenario_meter_day_registers(s, idx, day, reg[0], reg[1]);
    int64_t t0 = scenario_day_start(s, day);
    static struct store_reading r[SIM_INTERVALS_PER_DAY + 1];
    int whole = 0;
    for (int dir = 0; dir < 2; dir++) {
        uint32_t item = dir ? MH_ITEM_AE_EXP_INC : MH_ITEM_AE_IMP_INC;
        int n = store_readings_range(st, meter, item, t0 + 1, t0 + 86400 + 1, r,
                                     SIM_INTERVALS_PER_DAY + 1);
        if (dir == 0)
            whole = n == SIM_INTERVALS_PER_DAY;
        if (dir == 0 && n > 0 && n < SIM_INTERVALS_PER_DAY)
            k->missing_values += (uint64_t)(SIM_INTERVALS_PER_DAY - n);
        for (int i = 0; i < n; i++) {
            int64_t off = r[i].t - t0;
            k->values++;
            struct mh_dec want = mh_dec_make(0, 0);
            int on_grid = off % 900 == 0 && off / 900 >= 1 && off / 900 <= SIM_INTERVALS_PER_DAY;
            if (on_grid && registers)
                want = mh_dec_make(truth_at(reg[dir][off / 900], r[i].value.exp).m -
                                       truth_at(reg[dir][off / 900 - 1], r[i].value.exp).m,
                                   r[i].value.exp);
            else if (on_grid)
                want = truth_at(reg[dir][off / 900] - reg[dir][off / 900 - 1], r[i].value.exp);
            if (!on_grid || mh_dec_cmp(want, r[i].value) != 0) {
                char got[40], exp[40];
                mh_dec_format(r[i].value, got, sizeof got);
                mh_dec_format(want, exp, sizeof exp);
                printf("mismatch meter %012llu %s curve +%llds stored %s truth %s\n",
                       (unsigned long long)s->meters[idx].address, dir ? "export" : "import",
                       (long long)off, got, on_grid ? exp : "(no such point)");
                k->mismatches++;
            }
        }
    }
    k->meters++;
    k->meters_online += online;
    k->collected += whole;
    k->collected_online += whole && online;
}

/* The instantaneous items and where the model keeps each: value in units of 10^exp of the item. */
enum inst_what { IW_P, IW_Q, IW_PF, IW_U, IW_I, IW_S, IW_IN, IW_F };
static const struct {
    uint32_t item;
    uint8_t what, phase; /* phase 0: total (or neutral), 1..3 */
} inst_items[] = {
    {MH_ITEM_P, IW_P, 0},     {MH_ITEM_P_L1, IW_P, 1},   {MH_ITEM_P_L2, IW_P, 2},
    {MH_ITEM_P_L3, IW_P, 3},  {MH_ITEM_Q, IW_Q, 0},      {MH_ITEM_Q_L1, IW_Q, 1},
    {MH_ITEM_Q_L2, IW_Q, 2},  {MH_ITEM_Q_L3, IW_Q, 3},   {MH_ITEM_PF, IW_PF, 0},
    {MH_ITEM_PF_L1, IW_PF, 1}, {MH_ITEM_PF_L2, IW_PF, 2}, {MH_ITEM_PF_L3, IW_PF, 3},
    {MH_ITEM_U_L1, IW_U, 1},  {MH_ITEM_U_L2, IW_U, 2},   {MH_ITEM_U_L3, IW_U, 3},
    {MH_ITEM_I_L1, IW_I, 1},  {MH_ITEM_I_L2, IW_I, 2},   {MH_ITEM_I_L3, IW_I, 3},
    {MH_ITEM_I_N, IW_IN, 0},  {MH_ITEM_S, IW_S, 0},      {MH_ITEM_S_L1, IW_S, 1},
    {MH_ITEM_S_L2, IW_S, 2},  {MH_ITEM_S_L3, IW_S, 3},   {MH_ITEM_FREQ, IW_F, 0},
};

/* The model's value of inst_items[k] (W, var, VA, mA as thousandths; V as tenths). */
static struct mh_dec inst_truth(const struct sim_instant *in, size_t k)
{
    unsigned ph = inst_items[k].phase;
    switch (inst_items[k].what) {
    case IW_P: return mh_dec_make(in->p_w[ph], -3);
    case IW_Q: return mh_dec_make(in->q_var[ph], -3);
    case IW_PF: return mh_dec_make(in->pf_milli[ph], -3);
    case IW_U: return mh_dec_make(in->voltage_dv[ph - 1], -1);
    case IW_I: return mh_dec_make(in->current_ma[ph - 1], -3);
    case IW_S: return mh_dec_make(in->s_va[ph], -3);
    case IW_F: return mh_dec_make(in->freq_chz, -2);
    default: return mh_dec_make(in->in_ma, -3);
    }
}

/* |a - b| within one unit of a's last decimal (both scaled to 10^-6: the items' range fits). */
static int within_resolution(struct mh_dec a, struct mh_dec b)
{
    int64_t x = a.m, y = b.m, unit = 1;
    for (int e = a.exp; e > -6; e--) {
        x *= 10;
        unit *= 10;
    }
    for (int e = b.exp; e > -6; e--)
        y *= 10;
    int64_t d = x > y ? x - y : y - x;
    return a.exp >= -6 && b.exp >= -6 && a.exp <= 6 && d <= unit;
}

static void mismatch_at(const struct scenario *s, size_t idx, uint32_t item, int64_t t,
                        struct mh_dec got, const char *want)
{
    char g[40];
    mh_dec_format(got, g, sizeof g);
    printf("mismatch meter %012llu item %u.%u.%u.%u.%u at %lld stored %s truth %s\n",
           (unsigned long long)s->meters[idx].address, MH_OBIS_A(item), MH_OBIS_B(item),
           MH_OBIS_C(item), MH_OBIS_D(item), MH_OBIS_E(item), (long long)t, g, want);
}

/*
 * How far before its data time a value may have been read: a realtime
 * value read at second 0 of a minute is stored a second later, off the
 * freezes' keys (the collector's realtime_time.c), and one dated by the
 * master's clock when its reply came (DL/T 645 behind a DTU) was read up
 * to the round trip before.
 */
#define RT_READ_BEFORE_S 1

/*
 * The stored values of items[0..n) in [from, to) against the model at each value's time
 * (or up to RT_READ_BEFORE_S before it). A terminal dates what it reads by its own clock
 * (1376.1 Td_c): a value read before the master set that clock is dated clock_error
 * seconds off the true time, so with a clock_error the model is also taken that much
 * earlier (its time on the terminal's clock).
 */
static void check_instants(struct store *st, const struct scenario *s, size_t idx, int64_t meter,
                           int64_t from, int64_t to, const uint8_t *which, size_t nw,
                           int64_t clock_error, struct check *k)
{
    static struct store_reading r[SIM_INTERVALS_PER_DAY * 16];
    for (size_t w = 0; w < nw; w++) {
        size_t j = which[w];
        int n = store_readings_range(st, meter, inst_items[j].item, from, to, r,
                                     sizeof r / sizeof r[0]);
        for (int i = 0; i < n; i++) {
            if (r[i].quality == STORE_Q_ESTIMATED)
                continue; /* not a sample: check_estimated_power */
            struct mh_dec want;
            int ok = 0;
            for (int e = 0; e < (clock_error ? 2 : 1) && !ok; e++)
                for (int64_t b = 0; b <= RT_READ_BEFORE_S && !ok; b++) {
                    struct sim_instant in;
                    sim_instant_at(&s->meters[idx].model, r[i].t - b - (e ? clock_error : 0), &in);
                    want = inst_truth(&in, j);
                    ok = within_resolution(r[i].value, want);
                }
            k->values++;
            if (!ok) {
                char e[40];
                mh_dec_format(want, e, sizeof e);
                mismatch_at(s, idx, inst_items[j].item, r[i].t, r[i].value, e);
                k->mismatches++;
            }
        }
    }
}

/* The instantaneous values read during the day (1376.1 F25, 698.45 2000..200A, DL/T 645
 * 0201FF00..0206FF00); registers: also
 * the energy registers read then (any data time after 00:00, the day before's daily freeze). */
static void check_realtime(struct store *st, const struct scenario *s, size_t idx, int64_t meter,
                           int64_t day, int registers, int64_t clock_error, struct check *k, int online)
{
    uint8_t all[sizeof inst_items / sizeof inst_items[0]];
    for (size_t i = 0; i < sizeof all; i++)
        all[i] = (uint8_t)i;
    int64_t t0 = scenario_day_start(s, day);
    uint64_t before = k->values;
    check_instants(st, s, idx, meter, t0, t0 + 86400, all, sizeof all, clock_error, k);
    int have = k->values > before;
    static struct store_reading r[SIM_INTERVALS_PER_DAY * 16];
    for (int dir = 0; registers && dir < 2; dir++)
        for (unsigned tariff = 0; tariff <= 4; tariff++) {
            uint32_t item = MH_OBIS_TARIFF(dir ? MH_ITEM_AE_EXP : MH_ITEM_AE_IMP, tariff);
            int n = store_readings_range(st, meter, item, t0 + 1, t0 + 86400, r,
                                         sizeof r / sizeof r[0]);
            for (int i = 0; i < n; i++) {
                struct mh_dec want;
                int ok = 0;
                for (int64_t b = 0; b <= RT_READ_BEFORE_S && !ok; b++) {
                    struct sim_registers truth;
                    scenario_meter_registers_at(s, idx, r[i].t - b, &truth);
                    int64_t wh10 = dir ? truth.export_wh10[tariff] : truth.import_wh10[tariff];
                    want = truth_at(wh10, r[i].value.exp);
                    ok = mh_dec_cmp(want, r[i].value) == 0;
                }
                k->values++;
                if (!ok) {
                    char e[40];
                    mh_dec_format(want, e, sizeof e);
                    mismatch_at(s, idx, item, r[i].t, r[i].value, e);
                    k->mismatches++;
                }
            }
        }
    k->meters++;
    k->meters_online += online;
    k->collected += have;
    k->collected_online += have && online;
}

/*
 * The estimated points of the day's power curve (a load beyond A.9 in
 * F81: the collector's curve_fill.c) against the truth's mean power of
 * the interval ending at the point: 4 x (import - export increments).
 */
static void check_estimated_power(struct store *st, const struct scenario *s, size_t idx,
                                  int64_t meter, int64_t day, struct check *k)
{
    int64_t reg[2][SIM_INTERVALS_PER_DAY + 1];
    scenario_meter_day_registers(s, idx, day, reg[0], reg[1]);
    int64_t t0 = scenario_day_start(s, day);
    static struct store_reading r[SIM_INTERVALS_PER_DAY + 1];
    int n = store_readings_range(st, meter, MH_ITEM_P, t0 + 1, t0 + 86400 + 1, r,
                                 SIM_INTERVALS_PER_DAY + 1);
    for (int i = 0; i < n; i++) {
        if (r[i].quality != STORE_Q_ESTIMATED)
            continue;
        int64_t off = r[i].t - t0, p = off / 900;
        struct mh_dec want = mh_dec_make(0, 0);
        int on_grid = off % 900 == 0 && p >= 1 && p <= SIM_INTERVALS_PER_DAY;
        if (on_grid) /* 0.1 Wh = 10^-4 kWh a quarter hour: x 4 in 10^-4 kW */
            want = mh_dec_make(4 * ((reg[0][p] - reg[0][p - 1]) - (reg[1][p] - reg[1][p - 1])), -4);
        k->values++;
        k->power_values++;
        k->estimated_values++;
        if (!on_grid || mh_dec_cmp(want, r[i].value) != 0) {
            char e[40];
            mh_dec_format(want, e, sizeof e);
            mismatch_at(s, idx, MH_ITEM_P, r[i].t, r[i].value, on_grid ? e : "(no such point)");
            k->mismatches++;
        }
    }
}

/*
 * The power, voltage and current curves of the day (F81..F95), and the power
 * factor and frequency of DL/T 645 load records, where stored.
 */
static void check_power_curves(struct store *st, const struct scenario *s, size_t idx,
                               int64_t meter, int64_t day, struct check *k)
{
    check_estimated_power(st, s, idx, meter, day, k);
    /* P, P_L1..3 (F81..F84), Q, Q_L1..3 (F85..F88), PF, PF_L1..3 (645 load records),
     * U (F89..F91), I (F92..F94), I_N (F95), frequency (645 load records) */
    static const uint8_t curve_items[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 23};
    int64_t t0 = scenario_day_start(s, day);
    uint64_t before = k->values;
    check_instants(st, s, idx, meter, t0 + 1, t0 + 86400 + 1, curve_items, sizeof curve_items, 0,
                   k);
    k->power_values += k->values - before;
}

static int check_truth(const char *db, const char *path, int64_t day, int monthly, int curves,
                       int realtime, unsigned min_permille, const char *protocol)
{
    char err[512] = "";
    struct scenario *s = NULL;
    if (scenario_load(path, &s, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub check: %s\n", err);
        return 2;
    }
    struct store *st = NULL;
    if (store_open(db, NULL, &st, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub check: %s\n", err);
        scenario_free(s);
        return 2;
    }
    struct store_point *pts = malloc(POINTS_MAX * sizeof *pts);
    struct check k = {0};
    int64_t next = day + 1;
    if (monthly) {
        struct mh_tm tm;
        mh_tm_from_epoch(day * 86400, &tm);
        tm.year = (uint16_t)(tm.mon == 12 ? tm.year + 1 : tm.year);
        tm.mon = (uint8_t)(tm.mon == 12 ? 1 : tm.mon + 1);
        tm.day = 1;
        tm.hour = tm.min = tm.sec = 0;
        tm.has = MH_TM_FULL;
        int64_t e = 0;
        mh_tm_to_epoch(&tm, &e);
        next = e / 86400;
    }
    int64_t t = scenario_day_start(s, next);
    for (size_t i = 0; pts && i < s->n_terminals; i++) {
        const struct sim_terminal *term = &s->terminals[i];
        if (protocol && strcmp(protocol, sim_protocol_name(term->protocol)) != 0)
            continue;
        char addr[32];
        struct store_terminal info;
        scenario_terminal_address(term, addr, sizeof addr);
        if (store_terminal_lookup(st, term->region, addr, &info) != 0) {
            printf("terminal %s not in the store's archive\n", addr);
            k.mismatches++;
            continue;
        }
        int n = store_terminal_points(st, info.id, pts, POINTS_MAX);
        int online = term->fault != SIM_FAULT_NEVER_LOGIN;
        for (int p = 0; p < n; p++)
            for (uint32_t m = 0; m < term->meter_count; m++) {
                size_t idx = term->first_meter + m;
                if (s->meters[idx].pn != pts[p].pn || s->meters[idx].address != pts[p].address)
                    continue;
                if (realtime) {
                    int gdw = strcmp(sim_protocol_name(term->protocol), "gdw1376") == 0;
                    check_realtime(st, s, idx, pts[p].meter, day, !gdw,
                                   gdw ? sim_term_clock_error(s, term) : 0, &k, online);
                }
                else if (curves) {
                    check_curve(st, s, idx, pts[p].meter, day, &k, online,
                                strcmp(sim_protocol_name(term->protocol), "dlt645-2007") == 0);
                    check_power_curves(st, s, idx, pts[p].meter, day, &k);
                } else
                    check_meter(st, s, idx, pts[p].meter, t, &k, online);
            }
    }
    free(pts);
    store_close(st);
    scenario_free(s);
    double rate = k.meters_online ? 1000.0 * (double)k.collected_online / (double)k.meters_online : 0;
    printf("checked %llu meters: %llu with %s (%llu of %llu on terminals that log in, "
           "%.1f per mille); %llu values compared, %llu mismatches, %llu %s values missing\n",
           (unsigned long long)k.meters, (unsigned long long)k.collected,
           realtime ? "instantaneous values" : curves ? "whole curves" : "registers", (unsigned long long)k.collected_online, (unsigned long long)k.meters_online, rate,
           (unsigned long long)k.values, (unsigned long long)k.mismatches,
           (unsigned long long)k.missing_values, curves || realtime ? "point" : "tariff");
    if (curves)
        printf("%llu of the values compared are power, voltage and current points "
               "(%llu powers estimated from the interval energies)\n",
               (unsigned long long)k.power_values, (unsigned long long)k.estimated_values);
    return k.mismatches == 0 && rate >= (double)min_permille ? 0 : 1;
}

int cmd_check(int argc, char **argv)
{
    const char *db = NULL, *scen = NULL, *date = NULL, *month = NULL, *protocol = NULL;
    unsigned long min = 999;
    int curves = 0, realtime = 0;
    int bad = argc < 2 || strcmp(argv[1], "truth") != 0;
    for (int i = 2; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (strcmp(argv[i], "--date") == 0 && i + 1 < argc)
            date = argv[++i];
        else if (strcmp(argv[i], "--month") == 0 && i + 1 < argc)
            month = argv[++i];
        else if (strcmp(argv[i], "--curves") == 0)
            curves = 1;
        else if (strcmp(argv[i], "--realtime") == 0)
            realtime = 1;
        else if (strcmp(argv[i], "--protocol") == 0 && i + 1 < argc)
            protocol = argv[++i];
        else if (strcmp(argv[i], "--min-permille") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            min = strtoul(argv[++i], &end, 10);
            bad = errno || *end || min > 1000;
        } else if (!scen && argv[i][0] != '-')
            scen = argv[i];
        else
            bad = 1;
    }
    int64_t day;
    if (bad || !db || !scen || !date == !month || ((curves || realtime) && month) ||
        (curves && realtime) ||
        (date ? serve_parse_day(date, 480, &day) : serve_parse_month(month, 480, &day)) != 0) {
        fputs("usage: meterhub check truth --db PATH SCENARIO (--date YYYY-MM-DD|yesterday | "
              "--month YYYY-MM|last) [--curves | --realtime] [--min-permille P] [--protocol P]\n",
              stderr);
        return 2;
    }
    return check_truth(db, scen, day, month != NULL, curves, realtime, (unsigned)min,
                       protocol);
}
