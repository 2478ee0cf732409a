/*
 * meterhub score --db: what the station stored, scored (score_store.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/store.h"
#include "score_store.h"

#define PAGE 4096

struct addr_ix {
    uint64_t key; /* meter address, or store terminal id */
    uint32_t ix;  /* scenario meter or terminal */
};

static int by_key(const void *a, const void *b)
{
    const struct addr_ix *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

int score_items_push(struct score_item **v, size_t *n, size_t *cap, uint32_t subject, uint8_t type)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        struct score_item *p = realloc(*v, nc * sizeof *p);
        if (!p)
            return MH_ENOMEM;
        *v = p;
        *cap = nc;
    }
    (*v)[(*n)++] = (struct score_item){subject, type};
    return 0;
}

struct maps {
    struct addr_ix *meters; /* scenario meters by address */
    struct addr_ix *terms;  /* scenario terminals by store id */
    size_t nt;
    int64_t *id_of;         /* store id of each scenario meter (0: none) */
    uint32_t *ix_of_id;     /* dense: scenario meter of store id (UINT32_MAX: none) */
    int64_t max_id;
};

static const struct addr_ix *find(const struct addr_ix *v, size_t n, uint64_t key)
{
    struct addr_ix k = {key, 0};
    return bsearch(&k, v, n, sizeof *v, by_key);
}

static int build_maps(struct store *st, const struct scenario *s, struct maps *m)
{
    size_t nm = s->n_meters;
    m->meters = malloc((nm + 1) * sizeof *m->meters);
    m->terms = malloc((nm + 1) * sizeof *m->terms);
    m->id_of = calloc(nm + 1, sizeof *m->id_of);
    struct store_meter_row *rows = malloc(PAGE * sizeof *rows);
    if (!m->meters || !m->terms || !m->id_of || !rows) {
        free(rows);
        return MH_ENOMEM;
    }
    for (size_t i = 0; i < nm; i++)
        m->meters[i] = (struct addr_ix){s->meters[i].address, (uint32_t)i};
    qsort(m->meters, nm, sizeof *m->meters, by_key);
    int64_t after = 0;
    int rc = 0;
    for (;;) {
        int n = store_meters_list(st, NULL, after, rows, PAGE);
        if (n < 0) {
            rc = n;
            break;
        }
        for (int k = 0; k < n; k++) {
            const struct addr_ix *a = find(m->meters, nm, rows[k].address);
            if (!a)
                continue;
            m->id_of[a->ix] = rows[k].id;
            m->max_id = rows[k].id > m->max_id ? rows[k].id : m->max_id;
            if (rows[k].terminal > 0)
                m->terms[m->nt++] =
                    (struct addr_ix){(uint64_t)rows[k].terminal, s->meters[a->ix].terminal};
        }
        if (n < PAGE)
            break;
        after = rows[n - 1].id;
    }
    free(rows);
    qsort(m->terms, m->nt, sizeof *m->terms, by_key);
    m->ix_of_id = malloc(((size_t)m->max_id + 1) * sizeof *m->ix_of_id);
    if (!m->ix_of_id)
        return MH_ENOMEM;
    for (int64_t k = 0; k <= m->max_id; k++)
        m->ix_of_id[k] = UINT32_MAX;
    for (size_t i = 0; i < nm; i++)
        if (m->id_of[i])
            m->ix_of_id[m->id_of[i]] = (uint32_t)i;
    return rc;
}

static uint32_t meter_ix(const struct maps *m, int64_t id)
{
    return id > 0 && id <= m->max_id ? m->ix_of_id[id] : UINT32_MAX;
}

/* Alarms holding on the day, as (scenario subject, type). */
static int found_alarms(struct store *st, const struct maps *m, int64_t t0, int64_t t1,
                        struct score_item **found, size_t *n_found, size_t *cap)
{
    struct store_alarm *a = malloc(PAGE * sizeof *a);
    if (!a)
        return MH_ENOMEM;
    struct store_alarm_filter f = STORE_ALARM_FILTER_ANY;
    f.from_s = t0;
    f.to_s = t1;
    int64_t after = 0;
    int rc = 0;
    for (;;) {
        int n = store_alarms_list(st, &f, after, a, PAGE);
        if (n < 0) {
            rc = n;
            break;
        }
        for (int k = 0; k < n && rc == 0; k++) {
            uint32_t subject = UINT32_MAX;
            if (a[k].meter) {
                subject = meter_ix(m, a[k].meter);
            } else {
                const struct addr_ix *t = find(m->terms, m->nt, (uint64_t)a[k].terminal);
                subject = t ? t->ix : UINT32_MAX;
            }
            if (subject != UINT32_MAX)
                rc = score_items_push(found, n_found, cap, subject, a[k].type);
        }
        if (n < PAGE)
            break;
        after = a[n - 1].id;
    }
    free(a);
    return rc;
}

/* Stored consumption of the day against the truth's register difference x CT. */
static int check_consumption(struct store *st, const struct scenario *s, const struct maps *m,
                             int64_t day, int64_t *net, struct score_store *x)
{
    struct store_consumption *c = malloc(PAGE * sizeof *c);
    uint8_t *seen = calloc(s->n_meters + 1, 1);
    if (!c || !seen) {
        free(c);
        free(seen);
        return MH_ENOMEM;
    }
    int64_t am = 0, ad = 0;
    int rc = 0;
    for (;;) {
        int n = store_consumption_list(st, 0, day, day + 1, am, ad, c, PAGE);
        if (n < 0) {
            rc = n;
            break;
        }
        for (int k = 0; k < n; k++) {
            uint32_t i = meter_ix(m, c[k].meter);
            if (i == UINT32_MAX)
                continue;
            seen[i] = 1;
            int64_t imp[SIM_INTERVALS_PER_DAY + 1], exp[SIM_INTERVALS_PER_DAY + 1];
            scenario_meter_day_registers(s, i, day, imp, exp);
            int64_t ct = s->meters[i].ct > 1 ? s->meters[i].ct : 1;
            /* registers as the terminal's protocol carried them: 1376.1 four decimals, the
             * others two (truth truncated, as check truth compares) */
            int64_t q = s->terminals[s->meters[i].terminal].protocol == SIM_PROTO_GDW1376 ? 1 : 100;
            const int64_t last = SIM_INTERVALS_PER_DAY;
            int64_t ti = scenario_register_delta(imp[0] / q * q, imp[last] / q * q) * ct;
            net[i] = ti - scenario_register_delta(exp[0] / q * q, exp[last] / q * q) * ct;
            if (c[k].quality == STORE_Q_ESTIMATED)
                x->cons_estimated++;
            else if (c[k].import_wh10[0] == STORE_WH10_NONE)
                x->cons_refused++;
            else if (c[k].import_wh10[0] == ti)
                x->cons_exact++;
            else
                x->cons_differ++;
        }
        if (n < PAGE)
            break;
        am = c[n - 1].meter;
        ad = c[n - 1].day;
    }
    for (size_t i = 0; i < s->n_meters; i++)
        x->cons_missing += !seen[i];
    free(c);
    free(seen);
    return rc;
}

static int area_number(const char *code, unsigned long *out)
{
    /* the scenario's area codes are "A" and six digits, numbered from 1 */
    if (code[0] != 'A' || strlen(code) != 7)
        return -1;
    unsigned long v = 0;
    for (int i = 1; i < 7; i++) {
        if (code[i] < '0' || code[i] > '9')
            return -1;
        v = v * 10 + (unsigned long)(code[i] - '0');
    }
    *out = v;
    return 0;
}

/* Stored line loss of the day against the truth's; theft localisation among the suspects. */
static int check_lineloss(struct store *st, const struct scenario *s, const struct maps *m,
                          int64_t day, int64_t t1, const int64_t *net, struct score_store *x)
{
    struct store_lineloss *l = malloc(PAGE * sizeof *l);
    if (!l)
        return MH_ENOMEM;
    int64_t aa = 0, ad = 0;
    int rc = 0;
    for (;;) {
        int n = store_lineloss_list(st, NULL, day, day + 1, aa, ad, l, PAGE);
        if (n < 0) {
            rc = n;
            break;
        }
        for (int k = 0; k < n; k++) {
            unsigned long a = 0;
            if (area_number(l[k].area_code, &a) || a == 0 || a > s->n_areas)
                continue;
            const struct sim_area *ar = &s->areas[a - 1];
            x->areas++;
            int64_t truth = net[ar->area_meter];
            for (uint32_t u = 0; u < ar->user_count; u++)
                truth -= net[ar->first_user + u];
            if (l[k].missing) {
                x->loss_incomplete++;
            } else {
                double diff = fabs((double)(l[k].loss_wh10 - truth) / 1e4);
                x->loss_exact += diff == 0;
                x->max_loss_diff = diff > x->max_loss_diff ? diff : x->max_loss_diff;
            }
            int thief = 0, top3 = 0;
            for (uint32_t u = 0; u < ar->user_count; u++) {
                const struct sim_meter *mo = &s->meters[ar->first_user + u].model;
                if (mo->anomaly != SIM_ANOM_THEFT || mo->anomaly_start >= t1)
                    continue;
                thief = 1;
                for (int q = 0; q < 3; q++)
                    top3 |= l[k].suspects[q] && meter_ix(m, l[k].suspects[q]) == ar->first_user + u;
            }
            x->thief_areas += (size_t)thief;
            x->thief_top3 += (size_t)top3;
        }
        if (n < PAGE)
            break;
        aa = l[n - 1].area;
        ad = l[n - 1].day;
    }
    free(l);
    return rc;
}

/* Stored voltage quality of the day, and which meters below 100 % had a voltage fault. */
static int check_quality(struct store *st, const struct scenario *s, const struct maps *m,
                         int64_t day, struct score_store *x)
{
    struct store_quality_day *q = malloc(PAGE * sizeof *q);
    if (!q)
        return MH_ENOMEM;
    int64_t am = 0, ad = 0;
    int rc = 0;
    for (;;) {
        int n = store_quality_list(st, 0, day, day + 1, am, ad, q, PAGE);
        if (n < 0) {
            rc = n;
            break;
        }
        for (int k = 0; k < n; k++) {
            uint32_t i = meter_ix(m, q[k].meter);
            if (i == UINT32_MAX)
                continue;
            x->q_meters++;
            x->q_rate_sum += (double)q[k].qualified_ppm / 1e6;
            if (q[k].qualified_ppm < 1000000) {
                uint8_t a = s->meters[i].model.anomaly;
                x->q_below++;
                x->q_below_injected += a == SIM_ANOM_VOLTAGE_LOSS || a == SIM_ANOM_PHASE_FAILURE;
            }
        }
        if (n < PAGE)
            break;
        am = q[n - 1].meter;
        ad = q[n - 1].day;
    }
    free(q);
    return rc;
}

int score_store_found(const struct scenario *s, int64_t day, const char *db,
                      struct score_item **found, size_t *n_found, size_t *cap,
                      struct score_store *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    struct store *st;
    if (store_open(db, NULL, &st, err, errcap) != 0)
        return MH_EIO;
    struct maps m = {0};
    int64_t *net = calloc(s->n_meters + 1, sizeof *net);
    int rc = net ? build_maps(st, s, &m) : MH_ENOMEM;
    int64_t t0 = scenario_day_start(s, day), t1 = scenario_day_start(s, day + 1);
    if (rc == 0)
        rc = found_alarms(st, &m, t0, t1, found, n_found, cap);
    if (rc == 0)
        rc = check_consumption(st, s, &m, day, net, out);
    if (rc == 0)
        rc = check_lineloss(st, s, &m, day, t1, net, out);
    if (rc == 0)
        rc = check_quality(st, s, &m, day, out);
    if (rc < 0)
        snprintf(err, errcap, "%s", mh_strerror(rc));
    store_close(st);
    free(net);
    free(m.meters);
    free(m.terms);
    free(m.id_of);
    free(m.ix_of_id);
    return rc;
}

void score_store_print(const struct score_store *x)
{
    printf("\nstored consumption: %zu meters equal to truth, %zu differ, %zu estimated, %zu "
           "refused (register went down), %zu without a row\n",
           x->cons_exact, x->cons_differ, x->cons_estimated, x->cons_refused, x->cons_missing);
    printf("stored line loss: %zu areas, %zu equal to truth (max difference %.4f kWh), %zu "
           "incomplete (a user's consumption unknown)\n",
           x->areas, x->loss_exact, x->max_loss_diff, x->loss_incomplete);
    printf("theft localisation: %zu of %zu areas with a thief have it among the top 3 suspects\n",
           x->thief_top3, x->thief_areas);
    printf("stored voltage quality: %zu meters, mean qualified rate %.4f, %zu below 100 %% (%zu "
           "with injected voltage loss / phase failure)\n",
           x->q_meters, x->q_meters ? x->q_rate_sum / (double)x->q_meters : 1.0, x->q_below,
           x->q_below_injected);
}

json_t *score_store_json(const struct score_store *x)
{
    return json_pack("{s:{s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I,s:f,s:I,s:I,s:I},s:{s:I,s:f,s:I,s:I}}",
                     "consumption",
                     "exact", (json_int_t)x->cons_exact, "differ", (json_int_t)x->cons_differ,
                     "estimated", (json_int_t)x->cons_estimated, "refused",
                     (json_int_t)x->cons_refused, "missing", (json_int_t)x->cons_missing,
                     "lineloss", "areas", (json_int_t)x->areas, "equal", (json_int_t)x->loss_exact,
                     "max_difference_kwh", x->max_loss_diff, "incomplete",
                     (json_int_t)x->loss_incomplete, "thief_areas", (json_int_t)x->thief_areas,
                     "thief_in_top3", (json_int_t)x->thief_top3, "quality", "meters",
                     (json_int_t)x->q_meters, "mean_rate",
                     x->q_meters ? x->q_rate_sum / (double)x->q_meters : 1.0, "below",
                     (json_int_t)x->q_below, "below_injected", (json_int_t)x->q_below_injected);
}
