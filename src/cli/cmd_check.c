/*
 * meterhub check truth --db PATH SCENARIO (--date D | --month M) [--min-permille P]
 *                     [--protocol P]
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
 * curves).
 * With --realtime (and --date D) every realtime value stored with a data
 * time in local day D (voltages, currents, active and reactive powers,
 * power factors, energy registers) is compared with the model at its data
 * time or the second before (RT_READ_BEFORE_S); a meter counts as collected when it has at least one. The
 * protocols whose terminals date what they read by the model's time
 * (--protocol dlt698) or by the master's clock (dlt645-2007) are the ones
 * it applies to.
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

#define POINTS_MAX 2048

struct check {
    uint64_t meters, meters_online, collected, collected_online, values, mismatches, missing_values;
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

/* The day's increments of one meter against the truth's day curve, value by value. */
static void check_curve(struct store *st, const struct scenario *s, size_t idx, int64_t meter,
                        int64_t day, struct check *k, int online)
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
            if (on_grid)
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

/* Realtime items and where the model keeps each (phase i of a sim_instant array, its decimal exponent). */
static const struct {
    uint32_t item;
    uint8_t field, i; /* 0 voltage (0.1 V), 1 current (mA), 2 power (W), 3 reactive (var), 4 PF (x1000) */
} rt_items[] = {
    {MH_ITEM_U_L1, 0, 0}, {MH_ITEM_U_L2, 0, 1}, {MH_ITEM_U_L3, 0, 2}, {MH_ITEM_I_L1, 1, 0},
    {MH_ITEM_I_L2, 1, 1}, {MH_ITEM_I_L3, 1, 2}, {MH_ITEM_P, 2, 0},    {MH_ITEM_P_L1, 2, 1},
    {MH_ITEM_P_L2, 2, 2}, {MH_ITEM_P_L3, 2, 3}, {MH_ITEM_Q, 3, 0},    {MH_ITEM_Q_L1, 3, 1},
    {MH_ITEM_Q_L2, 3, 2}, {MH_ITEM_Q_L3, 3, 3}, {MH_ITEM_PF, 4, 0},   {MH_ITEM_PF_L1, 4, 1},
    {MH_ITEM_PF_L2, 4, 2}, {MH_ITEM_PF_L3, 4, 3},
};

static struct mh_dec instant_truth(const struct sim_instant *in, unsigned field, unsigned i)
{
    switch (field) {
    case 0: return mh_dec_make(in->voltage_dv[i], -1);
    case 1: return mh_dec_make(in->current_ma[i], -3);
    case 2: return mh_dec_make(in->p_w[i], -3); /* kW */
    case 3: return mh_dec_make(in->q_var[i], -3);
    default: return mh_dec_make(in->pf_milli[i], -3);
    }
}

static void rt_mismatch(const struct scenario *s, size_t idx, uint32_t item, int64_t t,
                        struct mh_dec got, struct mh_dec want, struct check *k)
{
    char g[40], w[40];
    mh_dec_format(got, g, sizeof g);
    mh_dec_format(want, w, sizeof w);
    printf("mismatch meter %012llu item %u.%u.%u.%u.%u at %lld stored %s truth %s\n",
           (unsigned long long)s->meters[idx].address, MH_OBIS_A(item), MH_OBIS_B(item),
           MH_OBIS_C(item), MH_OBIS_D(item), MH_OBIS_E(item), (long long)t, g, w);
    k->mismatches++;
}

/*
 * The model of one meter at the times its readings carry, each time
 * computed once: an area meter's registers sum its users' flows, and a
 * day's curve stores twenty items at each of 96 times.
 */
#define TRUTH_CACHE 160
struct truth_cache {
    size_t idx, n;
    int64_t t[TRUTH_CACHE];
    struct sim_instant in[TRUTH_CACHE];
    struct sim_registers reg[TRUTH_CACHE];
};

static size_t truth_of(struct truth_cache *c, const struct scenario *s, int64_t t)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->t[i] == t)
            return i;
    size_t i = c->n < TRUTH_CACHE ? c->n++ : (size_t)(t % TRUTH_CACHE + TRUTH_CACHE) % TRUTH_CACHE;
    c->t[i] = t;
    sim_instant_at(&s->meters[c->idx].model, t, &c->in[i]);
    scenario_meter_registers_at(s, c->idx, t, &c->reg[i]);
    return i;
}

/*
 * How far before its data time a realtime value may have been read: a
 * value read at second 0 of a minute is stored a second later, off the
 * freezes' keys (the collector's realtime_time.c; every value a device
 * dates to the minute), and one dated by the master's clock when its reply
 * came (DL/T 645 behind a DTU) was read up to the round trip before.
 */
#define RT_READ_BEFORE_S 1

/* The realtime values of one meter stored in local day `day`, each against the model at its time. */
static void check_realtime(struct store *st, const struct scenario *s, size_t idx, int64_t meter,
                           int64_t day, struct check *k, int online)
{
    int64_t t0 = scenario_day_start(s, day);
    static struct store_reading r[1440];
    static struct truth_cache tc;
    tc.idx = idx;
    tc.n = 0;
    int have = 0;
    for (size_t q = 0; q < sizeof rt_items / sizeof rt_items[0]; q++) {
        int n = store_readings_range(st, meter, rt_items[q].item, t0, t0 + 86400, r, 1440);
        for (int i = 0; i < n; i++) {
            struct mh_dec want;
            for (int64_t b = 0; b <= RT_READ_BEFORE_S; b++) {
                const struct sim_instant *in = &tc.in[truth_of(&tc, s, r[i].t - b)];
                want = instant_truth(in, rt_items[q].field, rt_items[q].i);
                if (mh_dec_cmp(want, r[i].value) == 0)
                    break;
            }
            k->values++;
            have = 1;
            if (mh_dec_cmp(want, r[i].value) != 0)
                rt_mismatch(s, idx, rt_items[q].item, r[i].t, r[i].value, want, k);
        }
    }
    /* Registers read now: any data time in the day after 00:00 (the day before's daily freeze). */
    for (int dir = 0; dir < 2; dir++)
        for (unsigned tariff = 0; tariff <= 4; tariff++) {
            uint32_t item = MH_OBIS_TARIFF(dir ? MH_ITEM_AE_EXP : MH_ITEM_AE_IMP, tariff);
            int n = store_readings_range(st, meter, item, t0 + 1, t0 + 86400, r, 1440);
            for (int i = 0; i < n; i++) {
                struct mh_dec want;
                for (int64_t b = 0; b <= RT_READ_BEFORE_S; b++) {
                    const struct sim_registers *truth = &tc.reg[truth_of(&tc, s, r[i].t - b)];
                    int64_t wh10 = dir ? truth->export_wh10[tariff] : truth->import_wh10[tariff];
                    want = truth_at(wh10, r[i].value.exp);
                    if (mh_dec_cmp(want, r[i].value) == 0)
                        break;
                }
                k->values++;
                if (mh_dec_cmp(want, r[i].value) != 0)
                    rt_mismatch(s, idx, item, r[i].t, r[i].value, want, k);
            }
        }
    k->meters++;
    k->meters_online += online;
    k->collected += have;
    k->collected_online += have && online;
}

static int check_truth(const char *db, const char *path, int64_t day, int monthly, int curves,
                       unsigned min_permille, const char *protocol)
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
                if (curves == 2)
                    check_realtime(st, s, idx, pts[p].meter, day, &k, online);
                else if (curves)
                    check_curve(st, s, idx, pts[p].meter, day, &k, online);
                else
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
           curves == 2 ? "realtime values" : curves ? "whole curves" : "registers", (unsigned long long)k.collected_online, (unsigned long long)k.meters_online, rate,
           (unsigned long long)k.values, (unsigned long long)k.mismatches,
           (unsigned long long)k.missing_values, curves ? "point" : "tariff");
    return k.mismatches == 0 && rate >= (double)min_permille ? 0 : 1;
}

int cmd_check(int argc, char **argv)
{
    const char *db = NULL, *scen = NULL, *date = NULL, *month = NULL, *protocol = NULL;
    unsigned long min = 999;
    int curves = 0;
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
            curves = 2; /* the realtime values instead */
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
    if (bad || !db || !scen || !date == !month || (curves && month) ||
        (date ? serve_parse_day(date, 480, &day) : serve_parse_month(month, 480, &day)) != 0) {
        fputs("usage: meterhub check truth --db PATH SCENARIO (--date YYYY-MM-DD|yesterday | "
              "--month YYYY-MM|last) [--curves|--realtime] [--min-permille P] [--protocol P]\n",
              stderr);
        return 2;
    }
    return check_truth(db, scen, day, month != NULL, curves, (unsigned)min, protocol);
}
