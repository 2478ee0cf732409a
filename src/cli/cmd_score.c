/*
 * meterhub score SCENARIO --date YYYY-MM-DD [--history N] [--json] [--check] [--alarms]
 *
 * Runs the analytics on what the simulator's meters show on day D (the
 * values `sim truth` writes and the simulated terminals answer, taken from
 * the scenario library directly) and compares them with what the scenario
 * injected: consumption exact, per anomaly type precision and recall, line
 * loss equal to truth's, and whether the thief of an area is among the top
 * three suspects. --check exits 1 when a type falls below recall 0.95 or
 * precision 0.90.
 *
 * Meters behind an offline terminal are scored on complete data: patch
 * collection re-reads frozen curves, so analytics run on the full day.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "meterhub/app/anomaly.h"
#include "meterhub/app/lineloss.h"
#include "meterhub/app/metering.h"
#include "meterhub/app/score.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/value.h"
#include "scenario.h"
#include "score_more.h"
#include "score_store.h"

#define MAX_HISTORY 31
#define ALARMS_PER_METER 32

static void usage(FILE *f)
{
    fputs("usage: meterhub score SCENARIO --date YYYY-MM-DD [--history N] [--json] [--check] "
          "[--alarms]\n"
          "                      [--db URI [--types TYPE,...]]\n"
          "  runs anomaly, line-loss and metering analytics on the scenario's day and\n"
          "  scores them against the injected truth (precision and recall per type);\n"
          "  --db scores what `meterhub analyze` stored instead, --check then judging only\n"
          "  the --types given (default: every type injected)\n",
          f);
}

/* The analytics' type for an injected anomaly (theft is found as a sudden drop). */
static const uint8_t type_of_sim[SIM_ANOM_COUNT_] = {
    [SIM_ANOM_STOPPED] = ANOMALY_STOPPED,
    [SIM_ANOM_REVERSED] = ANOMALY_REVERSED,
    [SIM_ANOM_RACING] = ANOMALY_RACING,
    [SIM_ANOM_VOLTAGE_LOSS] = ANOMALY_VOLTAGE_LOSS,
    [SIM_ANOM_PHASE_FAILURE] = ANOMALY_PHASE_FAILURE,
    [SIM_ANOM_IMBALANCE] = ANOMALY_IMBALANCE,
    [SIM_ANOM_REVERSED_CT] = ANOMALY_REVERSE_POWER,
    [SIM_ANOM_CLOCK_DRIFT] = ANOMALY_CLOCK,
    [SIM_ANOM_COVER_OPEN] = ANOMALY_COVER_OPEN,
    [SIM_ANOM_THEFT] = ANOMALY_SUDDEN_DROP,
    [SIM_ANOM_OVER_CAPACITY] = ANOMALY_OVER_CAPACITY,
};

struct run {
    const struct scenario *s;
    int64_t day, t0, t1;
    int history;
    int list;  /* --alarms: print every alarm */
    size_t nd; /* days kept per meter: D - 2 x history .. D (each window day has its own history) */
    struct anomaly_config ac;
    struct lineloss_config lc;
    /* per meter: net kWh per day (index nd - 1 = D; NAN before the scenario starts), import and
     * export of D */
    double *net;
    double *imp_d, *exp_d; /* imp_d < 0: metering refused the day (register went down) */
    uint8_t *fault;        /* a meter fault alarm explains a low day */
    uint8_t *dropped;      /* a sudden-drop alarm is open on the meter (raised on a window day) */
    /* per meter per day as net: net kWh the meter's instantaneous power accounts for, NAN where
     * not read (day D is read for every meter, earlier days only for drop candidates) */
    double *meas;
    double *peer_rate; /* per day: expected technical loss rate from all areas' rates */
    struct score_item *truth, *found;
    size_t n_truth, n_found, cap_truth, cap_found;
    /* metering */
    size_t exact, inexact, refused;
    int64_t total_wh10;
    /* line loss */
    size_t areas, loss_exact, loss_incomplete, thief_areas, thief_top3;
    double max_loss_diff;
    struct score_more more;
    const char *db;       /* --db: score the stored results */
    const char *types;    /* --types: the ones --check judges; NULL: all */
    struct score_store stored;
};

/* One alarm as a line: subject (meter address or terminal), type, span, evidence, and whether
 * injected. */
static void print_alarm(const struct run *r, const struct anomaly_alarm *a)
{
    int term = a->type == ANOMALY_TERMINAL_OFFLINE || a->type == ANOMALY_COLLECT_FAILURE;
    char who[32];
    if (term)
        scenario_terminal_address(&r->s->terminals[a->subject], who, sizeof who);
    else
        snprintf(who, sizeof who, "%012llu", (unsigned long long)r->s->meters[a->subject].address);
    int injected = 0;
    for (size_t k = 0; k < r->n_truth; k++)
        injected |= r->truth[k].subject == a->subject && r->truth[k].type == a->type;
    printf("alarm %s %s %-16s %lld..%lld %s%s\n", term ? "terminal" : "meter", who,
           anomaly_type_name(a->type), (long long)(a->start - r->t0),
           a->end ? (long long)(a->end - r->t0) : -1LL, a->evidence,
           injected ? "" : "  [not injected]");
}

static int push_alarms(struct run *r, const struct anomaly_alarm *a, int n, int cap)
{
    for (int k = 0; k < n && k < cap; k++) {
        if (r->list)
            print_alarm(r, &a[k]);
        if (score_items_push(&r->found, &r->n_found, &r->cap_found, a[k].subject, a[k].type))
            return MH_ENOMEM;
    }
    return 0;
}

/* Truth of day D: injected anomalies active during it; a cover-open event only on its day. */
static int collect_truth(struct run *r)
{
    const struct scenario *s = r->s;
    for (size_t i = 0; i < s->n_meters; i++) {
        const struct sim_meter *m = &s->meters[i].model;
        if (m->anomaly == SIM_ANOM_NONE || m->anomaly_start >= r->t1 || !type_of_sim[m->anomaly])
            continue;
        if (m->anomaly == SIM_ANOM_COVER_OPEN && m->anomaly_start < r->t0)
            continue;
        if (score_items_push(&r->truth, &r->n_truth, &r->cap_truth, (uint32_t)i, type_of_sim[m->anomaly]))
            return MH_ENOMEM;
    }
    for (size_t t = 0; t < s->n_terminals; t++) {
        uint8_t f = s->terminals[t].fault;
        uint8_t ty = f == SIM_FAULT_OFFLINE       ? ANOMALY_TERMINAL_OFFLINE
                     : f == SIM_FAULT_NEVER_LOGIN ? ANOMALY_COLLECT_FAILURE
                                                  : 0;
        if (ty && score_items_push(&r->truth, &r->n_truth, &r->cap_truth, (uint32_t)t, ty))
            return MH_ENOMEM;
    }
    return 0;
}

/*
 * Consumption of day D through app/metering from the frozen registers as
 * the meter shows them (0.1 Wh, four decimals of kWh), compared with the
 * truth's figure: register difference times CT.
 */
static enum metering_status score_metering(struct run *r, size_t i, const int64_t *imp)
{
    const struct sim_meter_info *m = &r->s->meters[i];
    unsigned ct = m->ct > 1 ? m->ct : 1;
    struct metering_reading rd[2] = {{r->t0, mh_dec_make(imp[0], -4), 1},
                                     {r->t1, mh_dec_make(imp[SIM_INTERVALS_PER_DAY], -4), 1}};
    /* the register rolls over past its six digits: told from a fault by the contract capacity */
    struct metering_params p = {ct, 1, {SIM_REGISTER_WRAP_WH10 - 1, -4},
                                (uint64_t)m->model.contract_w * 2, 1};
    struct metering_result res;
    metering_daily(rd, 1, NULL, &p, &res);
    int64_t truth = scenario_register_delta(imp[0], imp[SIM_INTERVALS_PER_DAY]) * (int64_t)ct;
    if ((res.status == METERING_OK || res.status == METERING_ROLLOVER) &&
        mh_dec_cmp(res.kwh, mh_dec_make(truth, -4)) == 0)
        r->exact++;
    else if (m->model.anomaly == SIM_ANOM_REVERSED && res.status == METERING_NEGATIVE)
        r->refused++; /* a register that ran backwards is refused, as it must be */
    else
        r->inexact++;
    r->total_wh10 += truth;
    return res.status;
}

/* Net energy (import - export) of the day as the meter's own instantaneous total power
 * accounts for it. */
static double measured_kwh(const struct anomaly_instant *in)
{
    double e = 0;
    for (int j = 0; j < ANOMALY_SLOTS; j++)
        e += in[j].present ? in[j].p[0] * ANOMALY_SLOT_S / 3600.0 : 0;
    return e;
}

/* measured_kwh of meter i on the day from t0, from the terminal's curve of instantaneous power. */
static double measured_day(const struct run *r, size_t i, int64_t t0)
{
    double e = 0;
    for (int j = 0; j < ANOMALY_SLOTS; j++) {
        struct sim_instant v;
        sim_instant_at(&r->s->meters[i].model, t0 + (int64_t)j * ANOMALY_SLOT_S + ANOMALY_SLOT_S / 2,
                       &v);
        e += v.p_w[0] / 1000.0 * ANOMALY_SLOT_S / 3600.0;
    }
    return e;
}

/* Generation per slot of a PV customer (its generation meter / inverter), kW. */
static void generation(const struct run *r, size_t i, double *gen_kw)
{
    int64_t load[SIM_INTERVALS_PER_DAY], pv[SIM_INTERVALS_PER_DAY];
    sim_day_flows(&r->s->meters[i].model, r->day, load, pv);
    for (int j = 0; j < ANOMALY_SLOTS; j++)
        gen_kw[j] = (double)pv[j] * 4 / 1e4; /* 0.1 Wh per 15 min -> kW */
}

static void instants(const struct run *r, size_t i, struct anomaly_instant *in,
                     struct quality_sample *qs, double *imax)
{
    const struct sim_meter *m = &r->s->meters[i].model;
    for (int j = 0; j < ANOMALY_SLOTS; j++) {
        struct sim_instant v;
        sim_instant_at(m, r->t0 + (int64_t)j * ANOMALY_SLOT_S + ANOMALY_SLOT_S / 2, &v);
        for (int ph = 0; ph < 3; ph++) {
            in[j].v[ph] = v.voltage_dv[ph] / 10.0;
            in[j].i[ph] = v.current_ma[ph] / 1000.0;
        }
        for (int k = 0; k < 4; k++)
            in[j].p[k] = v.p_w[k] / 1000.0;
        in[j].present = 1;
        qs[j] = (struct quality_sample){r->t0 + (int64_t)j * ANOMALY_SLOT_S,
                                        {in[j].v[0], in[j].v[1], in[j].v[2]},
                                        v.pf_milli[0] / 1000.0,
                                        1};
        imax[j] = 0; /* import current only: a PV meter's register is still while it exports */
        for (int ph = 0; ph < 3 && in[j].p[0] > 0; ph++)
            imax[j] = in[j].i[ph] > imax[j] ? in[j].i[ph] : imax[j];
    }
}

static int score_meters(struct run *r)
{
    const struct scenario *s = r->s;
    size_t nd = r->nd;
    struct anomaly_alarm alarms[ALARMS_PER_METER];
    struct anomaly_instant in[ANOMALY_SLOTS];
    for (size_t i = 0; i < s->n_meters; i++) {
        const struct sim_meter_info *mi = &s->meters[i];
        double ct = mi->ct > 1 ? mi->ct : 1;
        int64_t imp[SIM_INTERVALS_PER_DAY + 1], exp[SIM_INTERVALS_PER_DAY + 1];
        for (size_t d = 0; d < nd; d++) {
            int64_t day = r->day - (int64_t)(nd - 1 - d);
            if (scenario_day_start(s, day) < s->start) {
                r->net[i * nd + d] = NAN;
                continue;
            }
            scenario_meter_day_registers(s, i, day, imp, exp);
            double im = (double)scenario_register_delta(imp[0], imp[SIM_INTERVALS_PER_DAY]) * ct / 1e4;
            double ex = (double)scenario_register_delta(exp[0], exp[SIM_INTERVALS_PER_DAY]) * ct / 1e4;
            r->net[i * nd + d] = im - ex;
            if (d == nd - 1) {
                r->imp_d[i] = im;
                r->exp_d[i] = ex;
            }
        }
        /* imp / exp now hold day D */
        if (score_metering(r, i, imp) == METERING_NEGATIVE)
            r->imp_d[i] = -1;
        double reg[ANOMALY_SLOTS + 1];
        uint8_t present[ANOMALY_SLOTS + 1];
        /* the register curve through a rollover: each slot's advance added to the day's start */
        for (int j = 0; j <= ANOMALY_SLOTS; j++) {
            reg[j] = j ? reg[j - 1] + (double)scenario_register_delta(imp[j - 1], imp[j]) * ct / 1e4
                       : (double)imp[0] * ct / 1e4;
            present[j] = 1;
        }
        /* An area meter sums its users; the model has no instantaneous values of its own. */
        int area_meter = mi->model.customer == SIM_CUST_AREA;
        struct quality_sample qs[ANOMALY_SLOTS];
        double imax[ANOMALY_SLOTS];
        int pv = mi->model.customer == SIM_CUST_PV;
        double gen_kw[ANOMALY_SLOTS];
        if (!area_meter) {
            instants(r, i, in, qs, imax);
            r->meas[i * nd + nd - 1] = measured_kwh(in);
        }
        if (pv)
            generation(r, i, gen_kw);
        score_more_meter(&r->more, s, i, r->t0, reg, area_meter ? NULL : qs,
                         area_meter ? NULL : imax);
        struct anomaly_event ev = {mi->model.anomaly_start, ANOMALY_EV_COVER_OPEN};
        int has_ev = mi->model.anomaly == SIM_ANOM_COVER_OPEN && ev.t >= r->t0 && ev.t < r->t1;
        struct anomaly_meter_day md = {
            .meter = (uint32_t)i,
            .day_start = r->t0,
            .phases = mi->model.phases,
            .has_pv = pv,
            .contract_kw = area_meter ? 0 : mi->model.contract_w / 1000.0,
            .reg = reg,
            .reg_present = present,
            .inst = area_meter ? NULL : in,
            .clock_offset_s = sim_meter_clock(&mi->model, r->t1 - 60) - (r->t1 - 60),
            .clock_present = 1,
            .events = has_ev ? &ev : NULL,
            .n_events = (size_t)has_ev,
            .gen_kw = pv ? gen_kw : NULL,
        };
        int n = anomaly_meter_check(&r->ac, &md, alarms, ALARMS_PER_METER);
        if (n < 0)
            return n;
        if (push_alarms(r, alarms, n, ALARMS_PER_METER))
            return MH_ENOMEM;
        for (int k = 0; k < n && k < ALARMS_PER_METER; k++)
            r->fault[i] |=
                alarms[k].type <= ANOMALY_PHASE_FAILURE || alarms[k].type == ANOMALY_REVERSE_POWER;
    }
    return 0;
}

static void print_area(const struct run *r, size_t a, const struct lineloss_result *res,
                       const struct lineloss_result *best)
{
    printf("area A%06zu loss %.4f kWh rate %.4f flags%s%s%s%s suspects", a + 1, res->loss_kwh,
           res->rate, res->flags & LINELOSS_NEGATIVE ? " negative" : "",
           res->flags & LINELOSS_HIGH ? " high" : "", res->flags & LINELOSS_SUDDEN ? " sudden" : "",
           res->flags & LINELOSS_INCOMPLETE ? " incomplete" : "");
    for (size_t k = 0; k < best->n_suspects; k++)
        printf(" %012llu(-%.3f%s)", (unsigned long long)r->s->meters[best->suspects[k]].address,
               best->suspect_drop_kwh[k],
               r->s->meters[best->suspects[k]].model.anomaly == SIM_ANOM_THEFT ? " thief" : "");
    putchar('\n');
}

/* Median of the values of v[0..n) that are numbers (NAN: before the scenario), via scratch. */
static double median_known(const double *v, size_t n, double *scratch)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            scratch[k++] = v[i];
    return anomaly_median(scratch, k);
}

/*
 * One area on window day e (index into the per-meter days): line loss with
 * the usual rate of the `history` days before e, and the sudden-drop rule
 * confirmed by the loss's rise. Alarms are pushed; the result is returned.
 */
static int area_day(struct run *r, size_t a, size_t e, struct anomaly_user_day *ud,
                    struct lineloss_user *lu, double *scratch, struct anomaly_alarm *alarms,
                    size_t cap, struct lineloss_result *res)
{
    const struct sim_area *ar = &r->s->areas[a];
    size_t nd = r->nd, h = (size_t)r->history, last = e == nd - 1;
    double rates[MAX_HISTORY];
    size_t nr = 0;
    for (size_t d = e - h; d < e; d++) {
        double sup = r->net[ar->area_meter * nd + d], users = 0;
        for (uint32_t u = 0; u < ar->user_count; u++)
            users += r->net[(ar->first_user + u) * nd + d];
        if (!isnan(sup) && !isnan(users) && sup > 0)
            rates[nr++] = (sup - users) / sup;
    }
    double hr = nr ? anomaly_median(rates, nr) : NAN;
    for (uint32_t u = 0; u < ar->user_count; u++) {
        size_t i = ar->first_user + u;
        double today = r->net[i * nd + e];
        int refused = last && r->imp_d[i] < 0;
        double meas = r->meas[i * nd + e];
        ud[u] = (struct anomaly_user_day){(uint32_t)i, refused || isnan(today) ? -1 : today,
                                          &r->net[i * nd + e - h], h, r->fault[i],
                                          !isnan(meas) && !isnan(today) && !refused,
                                          isnan(meas) ? 0 : meas};
        double hm = median_known(&r->net[i * nd + e - h], h, scratch);
        /* earlier days: the net split by its sign (export is negative net) */
        double im = last ? r->imp_d[i] : today > 0 ? today : 0;
        double ex = last ? r->exp_d[i] : today < 0 ? -today : 0;
        lu[u] = (struct lineloss_user){(uint32_t)i, isnan(im) ? -1 : im, ex, hm,
                                       ud[u].has_measured ? meas : NAN};
    }
    double sup = r->net[ar->area_meter * nd + e];
    lineloss_area_day(&r->lc, last ? r->imp_d[ar->area_meter] : sup,
                      last ? r->exp_d[ar->area_meter] : 0, lu, ar->user_count, hr, res);
    double rise =
        res->rise_kwh; /* with a refused user it is an upper bound: still a confirmation */
    int64_t day_start = scenario_day_start(r->s, r->day - (int64_t)(nd - 1 - e));
    int n = anomaly_area_drop(&r->ac, day_start, ud, ar->user_count, rise, scratch, alarms, cap);
    /* A drop candidate's own instantaneous curve of the day is read, and the rule runs again
     * with it: a meter that registered what it measured consumed less for real. */
    int reread = 0;
    for (int k = 0; k < n && (size_t)k < cap; k++) {
        size_t i = alarms[k].subject, u = i - ar->first_user;
        if (!isnan(r->meas[i * nd + e]))
            continue;
        r->meas[i * nd + e] = measured_day(r, i, day_start);
        ud[u].measured_kwh = r->meas[i * nd + e];
        ud[u].has_measured = ud[u].today_kwh >= 0; /* a drop candidate's day is known */
        reread = 1;
    }
    if (reread)
        n = anomaly_area_drop(&r->ac, day_start, ud, ar->user_count, rise, scratch, alarms, cap);
    if (n < 0 || (n > 0 && push_alarms(r, alarms, n, (int)cap)))
        return n < 0 ? n : MH_ENOMEM;
    for (int k = 0; k < n && (size_t)k < cap; k++)
        r->dropped[alarms[k].subject] = 1;
    if (!last)
        return 0;
    /* Theft already running: registered below measured, confirmed by the area's loss beyond the
     * technical loss its peers show. A meter with a drop alarm open is not alarmed twice. */
    for (uint32_t u = 0; u < ar->user_count; u++)
        ud[u].explained |= r->dropped[ar->first_user + u];
    double excess = isnan(r->peer_rate[e]) || res->supply_kwh < r->lc.min_supply_kwh
                        ? NAN
                        : res->loss_kwh - r->peer_rate[e] * res->supply_kwh;
    n = anomaly_area_unregistered(&r->ac, day_start, ud, ar->user_count, excess, alarms, cap);
    return n > 0 ? push_alarms(r, alarms, n, (int)cap) : n;
}

/* Each day's expected technical loss rate: a low quantile of every area's loss rate. */
static void peer_rates(struct run *r, double *rates)
{
    const struct scenario *s = r->s;
    for (size_t e = 0; e < r->nd; e++) {
        for (size_t a = 0; a < s->n_areas; a++) {
            const struct sim_area *ar = &s->areas[a];
            double sup = r->net[ar->area_meter * r->nd + e], users = 0;
            for (uint32_t u = 0; u < ar->user_count; u++)
                users += r->net[(ar->first_user + u) * r->nd + e];
            rates[a] = isnan(sup) || isnan(users) || sup < r->lc.min_supply_kwh
                           ? NAN
                           : (sup - users) / sup;
        }
        r->peer_rate[e] = anomaly_expected_loss_rate(&r->ac, rates, s->n_areas);
    }
}

/*
 * Sudden drop and line loss per area. A drop is an onset: the rule runs on
 * every day of the last `history` days (each against the days before it),
 * and an alarm raised stays open, as the alarm list would keep it until an
 * operator clears it. Line loss is compared with truth on day D; theft is
 * localised on the window day whose loss rose most.
 */
static int score_areas(struct run *r)
{
    const struct scenario *s = r->s;
    size_t nd = r->nd, h = (size_t)r->history;
    size_t maxu = 0;
    for (size_t a = 0; a < s->n_areas; a++)
        maxu = s->areas[a].user_count > maxu ? s->areas[a].user_count : maxu;
    struct anomaly_user_day *ud = calloc(maxu + 1, sizeof *ud);
    struct lineloss_user *lu = calloc(maxu + 1, sizeof *lu);
    double *scratch = calloc(maxu + MAX_HISTORY + 1, sizeof *scratch);
    struct anomaly_alarm *alarms = calloc(maxu + 1, sizeof *alarms);
    double *rates = calloc(s->n_areas + 1, sizeof *rates);
    int rc = ud && lu && scratch && alarms && rates ? 0 : MH_ENOMEM;
    if (!rc)
        peer_rates(r, rates);
    free(rates);
    for (size_t a = 0; a < s->n_areas && rc == 0; a++) {
        const struct sim_area *ar = &s->areas[a];
        struct lineloss_result res, best;
        memset(&best, 0, sizeof best);
        best.rise_kwh = NAN;
        for (size_t e = h; e < nd && rc == 0; e++) {
            if (isnan(r->net[ar->area_meter * nd + e]))
                continue;
            rc = area_day(r, a, e, ud, lu, scratch, alarms, maxu + 1, &res);
            /* localised on the day whose loss rose most, or on D when meters under-registered */
            if ((!isnan(res.rise_kwh) && (isnan(best.rise_kwh) || res.rise_kwh > best.rise_kwh)) ||
                (e == nd - 1 && res.unregistered_kwh > 0))
                best = res;
        }
        if (rc)
            break;
        /* res is day D. Truth's loss: the area meter's net minus every user's net. */
        double truth_loss = r->net[ar->area_meter * nd + nd - 1];
        for (uint32_t u = 0; u < ar->user_count; u++)
            truth_loss -= r->net[(ar->first_user + u) * nd + nd - 1];
        double diff = fabs(res.loss_kwh - truth_loss);
        r->areas++;
        if (res.flags & LINELOSS_INCOMPLETE) {
            r->loss_incomplete++; /* a register ran backwards: truth sums it, metering refuses it */
        } else {
            r->loss_exact += diff < 5e-5;
            r->max_loss_diff = diff > r->max_loss_diff ? diff : r->max_loss_diff;
        }
        if (r->list && (res.flags || best.n_suspects))
            print_area(r, a, &res, &best);
        int thief = 0, top3 = 0;
        for (uint32_t u = 0; u < ar->user_count; u++) {
            const struct sim_meter *m = &s->meters[ar->first_user + u].model;
            if (m->anomaly != SIM_ANOM_THEFT || m->anomaly_start >= r->t1)
                continue;
            thief = 1;
            for (size_t k = 0; k < best.n_suspects; k++)
                top3 |= best.suspects[k] == ar->first_user + u;
        }
        r->thief_areas += (size_t)thief;
        r->thief_top3 += (size_t)top3;
    }
    free(ud);
    free(lu);
    free(scratch);
    free(alarms);
    return rc;
}

/* Terminals: connected per slot (fault window), collection outcome (never logs in: all fail). */
static int score_terminals(struct run *r)
{
    const struct scenario *s = r->s;
    struct anomaly_alarm alarms[4];
    for (size_t t = 0; t < s->n_terminals; t++) {
        const struct sim_terminal *te = &s->terminals[t];
        uint8_t online[ANOMALY_SLOTS];
        int8_t ok[ANOMALY_SLOTS];
        for (int j = 0; j < ANOMALY_SLOTS; j++) {
            int64_t now = r->t0 + (int64_t)j * ANOMALY_SLOT_S + ANOMALY_SLOT_S / 2;
            online[j] = !scenario_terminal_offline(s, te, now);
            ok[j] = online[j] ? te->fault != SIM_FAULT_NEVER_LOGIN : -1;
        }
        struct anomaly_terminal_day td = {(uint32_t)t, r->t0, online, ok};
        int n = anomaly_terminal_check(&r->ac, &td, alarms, 4);
        if (push_alarms(r, alarms, n, 4))
            return MH_ENOMEM;
    }
    return 0;
}

static int below(const struct score_counts *c)
{
    return c->truth && (score_recall(c) < 0.95 || score_precision(c) < 0.90);
}

static void print_table(const struct run *r, const struct score_board *b, double secs,
                        const char *date)
{
    printf("scenario %s, day %s, history %d days: %zu meters, %zu terminals, %zu areas, %.2f s\n\n",
           r->s->name, date, r->history, r->s->n_meters, r->s->n_terminals, r->s->n_areas, secs);
    printf("%-17s %6s %6s %6s %6s %6s %9s %7s\n", "anomaly", "truth", "found", "tp", "fp", "fn",
           "precision", "recall");
    for (int t = 1; t < ANOMALY_TYPE_COUNT_; t++) {
        const struct score_counts *c = &b->type[t];
        if (!c->truth && !c->found)
            continue;
        printf("%-17s %6u %6u %6u %6u %6u %9.3f %7.3f%s\n", anomaly_type_name(t), c->truth,
               c->found, c->tp, c->fp, c->fn, score_precision(c), score_recall(c),
               below(c) ? "  below" : "");
    }
    if (r->db) {
        score_store_print(&r->stored);
        return;
    }
    printf("\nconsumption: %zu meters exact, %zu not, %zu refused (register ran backwards), total "
           "%.4f kWh\n",
           r->exact, r->inexact, r->refused, (double)r->total_wh10 / 1e4);
    printf("line loss: %zu areas, %zu equal to truth (max difference %.6f kWh), %zu incomplete (a "
           "user's "
           "register ran backwards)\n",
           r->areas, r->loss_exact, r->max_loss_diff, r->loss_incomplete);
    printf("theft localisation: %zu of %zu areas with a thief have it among the top 3 suspects\n",
           r->thief_top3, r->thief_areas);
    score_more_print(&r->more);
}

static void print_json(const struct run *r, const struct score_board *b, double secs,
                       const char *date)
{
    json_t *o = json_pack("{s:s,s:s,s:i,s:f}", "scenario", r->s->name, "date", date, "history",
                          r->history, "seconds", secs);
    json_t *types = json_object();
    for (int t = 1; t < ANOMALY_TYPE_COUNT_; t++) {
        const struct score_counts *c = &b->type[t];
        if (!c->truth && !c->found)
            continue;
        json_object_set_new(types, anomaly_type_name(t),
                            json_pack("{s:i,s:i,s:i,s:i,s:i,s:f,s:f}", "truth", c->truth, "found",
                                      c->found, "tp", c->tp, "fp", c->fp, "fn", c->fn, "precision",
                                      score_precision(c), "recall", score_recall(c)));
    }
    json_object_set_new(o, "anomalies", types);
    if (r->db) {
        json_object_set_new(o, "stored", score_store_json(&r->stored));
        json_dumpf(o, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(o);
        return;
    }
    json_object_set_new(o, "consumption",
                        json_pack("{s:I,s:I,s:I}", "exact", (json_int_t)r->exact, "inexact",
                                  (json_int_t)r->inexact, "refused", (json_int_t)r->refused));
    json_object_set_new(o, "lineloss",
                        json_pack("{s:I,s:I,s:I,s:f,s:I,s:I}", "areas", (json_int_t)r->areas,
                                  "equal", (json_int_t)r->loss_exact, "incomplete",
                                  (json_int_t)r->loss_incomplete, "max_difference_kwh",
                                  r->max_loss_diff, "thief_areas", (json_int_t)r->thief_areas,
                                  "thief_in_top3", (json_int_t)r->thief_top3));
    json_object_set_new(o, "more", score_more_json(&r->more));
    json_dumpf(o, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(o);
}

/* Is name one of the comma-separated list (NULL: every name is)? */
static int listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == 0))
            return 1;
    return !list;
}

int cmd_score(int argc, char **argv)
{
    const char *path = NULL, *date = NULL, *db = NULL, *types = NULL;
    int history = 7, json = 0, check = 0, list = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--date") == 0 && i + 1 < argc)
            date = argv[++i];
        else if (strcmp(argv[i], "--history") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > MAX_HISTORY) {
                fprintf(stderr, "meterhub score: --history takes 1..%d days\n", MAX_HISTORY);
                return 2;
            }
            history = (int)v;
        } else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--check") == 0)
            check = 1;
        else if (strcmp(argv[i], "--alarms") == 0)
            list = 1;
        else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (strcmp(argv[i], "--types") == 0 && i + 1 < argc)
            types = argv[++i];
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (!path && argv[i][0] != '-')
            path = argv[i];
        else {
            usage(stderr);
            return 2;
        }
    }
    int64_t day = cmd_sim_parse_day(date);
    if (!path || day < 0) {
        usage(stderr);
        return 2;
    }
    struct scenario *s;
    char err[512];
    int rc = scenario_load(path, &s, err, sizeof err);
    if (rc) {
        fprintf(stderr, "meterhub score: %s\n", err);
        return 1;
    }
    if (scenario_day_start(s, day) < s->start) {
        fprintf(stderr, "meterhub score: %s is before the scenario starts\n", date);
        scenario_free(s);
        return 1;
    }
    struct timespec ts0, ts1;
    clock_gettime(CLOCK_MONOTONIC, &ts0);
    struct run r = {.s = s, .day = day, .history = history, .list = list, .db = db, .types = types};
    r.t0 = scenario_day_start(s, day);
    r.t1 = scenario_day_start(s, day + 1);
    r.nd = 2 * (size_t)history + 1;
    anomaly_config_default(&r.ac);
    lineloss_config_default(&r.lc);
    r.net = calloc(s->n_meters * r.nd + 1, sizeof *r.net);
    r.imp_d = calloc(s->n_meters + 1, sizeof *r.imp_d);
    r.exp_d = calloc(s->n_meters + 1, sizeof *r.exp_d);
    r.fault = calloc(s->n_meters + 1, 1);
    r.dropped = calloc(s->n_meters + 1, 1);
    r.meas = malloc((s->n_meters * r.nd + 1) * sizeof *r.meas);
    r.peer_rate = malloc((r.nd + 1) * sizeof *r.peer_rate);
    rc = r.net && r.imp_d && r.exp_d && r.fault && r.dropped && r.meas && r.peer_rate ? 0 : MH_ENOMEM;
    for (size_t k = 0; !rc && k < s->n_meters * r.nd; k++)
        r.meas[k] = NAN;
    if (!rc)
        rc = collect_truth(&r);
    if (!rc && db) {
        char serr[512] = "";
        rc = score_store_found(s, day, db, &r.found, &r.n_found, &r.cap_found, &r.stored, serr,
                               sizeof serr);
        if (rc)
            fprintf(stderr, "meterhub score: %s\n", serr);
    } else {
        if (!rc)
            rc = score_meters(&r);
        if (!rc)
            rc = score_areas(&r);
        if (!rc)
            rc = score_terminals(&r);
        if (!rc)
            rc = score_more_der(&r.more, s, day, r.imp_d, r.exp_d) ? MH_ENOMEM : 0;
    }
    int status = 0;
    if (rc) {
        fprintf(stderr, "meterhub score: %s\n", mh_strerror(rc));
        status = 1;
    } else {
        clock_gettime(CLOCK_MONOTONIC, &ts1);
        double secs = (double)(ts1.tv_sec - ts0.tv_sec) + (double)(ts1.tv_nsec - ts0.tv_nsec) / 1e9;
        struct score_board b;
        memset(&b, 0, sizeof b);
        score_compare(r.truth, r.n_truth, r.found, r.n_found, &b);
        if (json)
            print_json(&r, &b, secs, date);
        else
            print_table(&r, &b, secs, date);
        for (int t = 1; t < ANOMALY_TYPE_COUNT_ && check; t++)
            if (below(&b.type[t]) && listed(types, anomaly_type_name(t))) {
                fprintf(stderr, "meterhub score: %s below recall 0.95 / precision 0.90\n",
                        anomaly_type_name(t));
                status = 1;
            }
        if (check && db && (r.stored.cons_differ || r.stored.loss_exact + r.stored.loss_incomplete !=
                                                          r.stored.areas)) {
            fprintf(stderr, "meterhub score: stored consumption or line loss differs from truth\n");
            status = 1;
        }
        if (check && !db && (r.inexact || r.loss_exact + r.loss_incomplete != r.areas)) {
            fprintf(stderr, "meterhub score: consumption or line loss differs from truth\n");
            status = 1;
        }
    }
    free(r.net);
    free(r.imp_d);
    free(r.exp_d);
    free(r.fault);
    free(r.dropped);
    free(r.meas);
    free(r.peer_rate);
    free(r.truth);
    free(r.found);
    scenario_free(s);
    return status;
}
