/*
 * The daily analysis over a store (app/analyze.h): a transformer area of
 * three users and its supply meter, and a DTU's industrial meter, with a
 * week of daily frozen registers crafted so that every figure is known:
 * consumption exact (CT x PT, tariffs), a missing freeze estimated, a
 * register that went down refused and alarmed, a user whose consumption
 * fell while the area's supply did not (sudden drop, the area's loss
 * confirming it), a terminal's cover-open event; run twice the same; the
 * next day extends the alarms rather than repeating them; a stored voltage
 * curve gives the day's voltage quality; stored power, voltage and current
 * curves drive the slot rules, racing by measured energy, and typed ERC 10
 * records. Against whichever
 * backend MH_TEST_STORE_URI names (store_test.h). Also the de-duplication
 * across days on its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/app/analyze.h"
#include "meterhub/app/metering.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"
#include "meterhub/store.h"
#include "store_test.h"

#define DAY 20000
#define OFF (480 * 60)

static int64_t freeze_t(int k) /* 00:00 local of day DAY - 7 + k */
{
    return (int64_t)(DAY - 7 + k) * 86400 - OFF;
}

static struct store_reading reg(int64_t meter, uint32_t item, int k, int64_t wh10)
{
    struct store_reading r = store_test_reading(meter, item, freeze_t(k), 0);
    r.value = mh_dec_make(wh10, -4);
    return r;
}

/* m[0] supply (CT 60), m[1..3] users, m[4] the DTU's meter (CT 100, PT 100). */
static struct store *field(const char *name, int64_t m[5], int last_k)
{
    struct store *st = store_test_open(store_test_uri(name), NULL);
    char *csv = store_test_archive_csv(3);
    store_test_import(st, csv, NULL);
    free(csv);
    struct store_meter_row rows[5];
    assert_int_equal(store_meters_list(st, NULL, 0, rows, 5), 5);
    for (int i = 0; i < 5; i++)
        m[i] = rows[i].id;
    const uint32_t imp = MH_OBIS(1, 0, 1, 8, 0), exp = MH_OBIS(1, 0, 2, 8, 0);
    struct store_reading r[128];
    size_t n = 0;
    for (int k = 0; k <= last_k; k++) {
        /* users: 10 kWh a day; user 3 only 2 kWh from day DAY on (freeze 7 -> 8) */
        for (int u = 1; u <= 3; u++) {
            if (u == 1 && k == 7)
                continue; /* user 1's freeze of DAY's start was never read */
            int64_t v = 10000000 + (int64_t)k * 100000;
            if (u == 3 && k > 7)
                v -= (int64_t)(k - 7) * 80000;
            r[n++] = reg(m[u], imp, k, v);
            r[n++] = reg(m[u], exp, k, 0);
        }
        /* supply: 31.5 kWh a day primary = 0.525 kWh on its CT 60 register */
        r[n++] = reg(m[0], imp, k, 5000000 + (int64_t)k * 5250);
        r[n++] = reg(m[0], exp, k, 0);
        /* the DTU's meter: 2 kWh a day secondary, then running backwards 0.1 kWh */
        r[n++] = reg(m[4], imp, k, k <= 7 ? 5000000 + k * 20000 : 5140000 - (k - 7) * 1000);
    }
    /* user 2's tariffs over DAY: 4 kWh sharp, 6 kWh peak */
    r[n++] = reg(m[2], MH_OBIS(1, 0, 1, 8, 1), 7, 300000);
    r[n++] = reg(m[2], MH_OBIS(1, 0, 1, 8, 1), 8, 340000);
    r[n++] = reg(m[2], MH_OBIS(1, 0, 1, 8, 2), 7, 500000);
    r[n++] = reg(m[2], MH_OBIS(1, 0, 1, 8, 2), 8, 560000);
    assert_int_equal(store_readings_append(st, r, n, 5000, NULL, NULL), 0);
    assert_int_equal(store_readings_sync(st, 5000), 0);
    /* the concentrator reports user 1's meter cover opened at 01:00 of DAY (ERC 37, pn 2) */
    struct store_event ev = {.terminal = 1, .code = 37, .start_s = freeze_t(7) + 3600,
                             .payload_json = "{\"erc\":37,\"pn\":2,\"start\":1,\"name\":\"\"}"};
    assert_int_equal(store_event_insert(st, &ev), 0);
    return st;
}

static void analyze(struct store *st, int64_t day, struct analyze_stats *s)
{
    struct analyze_opts o;
    analyze_opts_default(&o, day);
    char err[256];
    int rc = analyze_day(st, &o, s, err, sizeof err);
    if (rc != 0)
        fail_msg("analyze: %s", err);
}

/* The alarm of type on meter and phase (-1: any phase), or NULL. */
static const struct store_alarm *find_phase(const struct store_alarm *a, int n, int type,
                                            int64_t meter, int phase)
{
    for (int i = 0; i < n; i++)
        if (a[i].type == type && a[i].meter == meter && (phase < 0 || a[i].phase == phase))
            return &a[i];
    return NULL;
}

static const struct store_alarm *find(const struct store_alarm *a, int n, int type, int64_t meter)
{
    return find_phase(a, n, type, meter, -1);
}

static void test_day_results_exact_and_repeatable(void **state)
{
    (void)state;
    int64_t m[5];
    struct store *st = field("analyze_day", m, 8);
    struct analyze_stats s;
    analyze(st, DAY, &s);
    assert_int_equal(s.meters, 5);
    assert_int_equal(s.estimated, 1);
    assert_int_equal(s.refused, 1);
    assert_int_equal(s.areas, 1);

    struct store_consumption c[8];
    assert_int_equal(store_consumption_list(st, 0, DAY, DAY + 1, 0, 0, c, 8), 5);
    assert_int_equal(c[0].meter, m[0]);
    assert_int_equal(c[0].import_wh10[0], 315000); /* 0.525 x 60 */
    assert_int_equal(c[0].export_wh10[0], 0);
    assert_int_equal(c[1].quality, STORE_Q_ESTIMATED); /* between freezes 6 and 8 */
    assert_int_equal(c[1].import_wh10[0], 100000);
    assert_int_equal(c[2].quality, STORE_Q_VALID);
    assert_int_equal(c[2].import_wh10[0], 100000);
    assert_int_equal(c[2].import_wh10[1], 40000);
    assert_int_equal(c[2].import_wh10[2], 60000);
    assert_true(c[2].import_wh10[3] == STORE_WH10_NONE);
    assert_int_equal(c[3].import_wh10[0], 20000);
    assert_int_equal(c[4].status, METERING_NEGATIVE); /* went down: no consumption */
    assert_true(c[4].import_wh10[0] == STORE_WH10_NONE);

    struct store_lineloss l[2];
    assert_int_equal(store_lineloss_list(st, "A1", DAY, DAY + 1, 0, 0, l, 2), 1);
    assert_int_equal(l[0].supply_wh10, 315000);
    assert_int_equal(l[0].users_wh10, 220000);
    assert_int_equal(l[0].loss_wh10, 95000);
    assert_int_equal(l[0].missing, 0);
    assert_int_equal(l[0].suspects[0], m[3]);
    assert_true(l[0].rise_wh10 > 70000); /* 8 kWh went missing beyond the usual 1.5 */

    struct store_alarm a[16];
    int n = store_alarms_list(st, NULL, 0, a, 16);
    assert_int_equal(n, 3);
    const struct store_alarm *drop = find(a, n, ANOMALY_SUDDEN_DROP, m[3]);
    const struct store_alarm *rev = find(a, n, ANOMALY_REVERSED, m[4]);
    const struct store_alarm *cover = find(a, n, ANOMALY_COVER_OPEN, m[1]);
    assert_non_null(drop);
    assert_non_null(rev);
    assert_non_null(cover);
    assert_string_equal(drop->area, "A1");
    assert_int_equal(drop->start_s, freeze_t(7));
    assert_int_equal(drop->end_s, 0);
    assert_int_equal(rev->value_milli, 1000000); /* 0.1 kWh x 100 x 100 = 1000 kWh */
    assert_int_equal(cover->start_s, freeze_t(7) + 3600);
    assert_int_equal(cover->end_s, cover->start_s);

    /* Again: the same rows, nothing added. */
    struct store_consumption c2[8];
    struct store_alarm a2[16];
    analyze(st, DAY, &s);
    assert_int_equal(store_consumption_list(st, 0, DAY, DAY + 1, 0, 0, c2, 8), 5);
    assert_memory_equal(c, c2, 5 * sizeof *c);
    assert_int_equal(store_alarms_list(st, NULL, 0, a2, 16), n);
    assert_memory_equal(a, a2, (size_t)n * sizeof *a);
    store_close(st);
}

static void test_next_day_extends_alarms(void **state)
{
    (void)state;
    int64_t m[5];
    struct store *st = field("analyze_next", m, 9);
    struct analyze_stats s;
    analyze(st, DAY, &s);
    struct store_alarm a[16];
    int n = store_alarms_list(st, NULL, 0, a, 16);
    assert_int_equal(n, 3);
    analyze(st, DAY + 1, &s);
    assert_int_equal(s.alarms_new, 0);
    struct store_alarm b[16];
    assert_int_equal(store_alarms_list(st, NULL, 0, b, 16), n);
    const struct store_alarm *rev = find(b, n, ANOMALY_REVERSED, m[4]);
    assert_non_null(rev);
    assert_int_equal(rev->start_s, freeze_t(7)); /* the first day's start, still open */
    assert_int_equal(rev->end_s, 0);
    assert_int_equal(rev->first_day, DAY);
    assert_int_equal(rev->last_day, DAY + 1);
    store_close(st);
}

static void test_voltage_quality_from_the_stored_curve(void **state)
{
    (void)state;
    int64_t m[5];
    struct store *st = field("analyze_quality", m, 8);
    /* user 2's voltage curve of DAY: 230 V, the first two hours 190 V (below 220 V - 10 %) */
    struct store_reading r[96];
    for (int j = 0; j < 96; j++) {
        r[j] = store_test_reading(m[2], MH_OBIS(1, 0, 32, 7, 0), freeze_t(7) + j * 900, 0);
        r[j].value = mh_dec_make(j < 8 ? 1900 : 2300, -1);
    }
    assert_int_equal(store_readings_append(st, r, 96, 5000, NULL, NULL), 0);
    assert_int_equal(store_readings_sync(st, 5000), 0);
    struct analyze_stats s;
    analyze(st, DAY, &s);
    assert_int_equal(s.quality, 1);
    struct store_quality_day q[2];
    assert_int_equal(store_quality_list(st, 0, DAY, DAY + 1, 0, 0, q, 2), 1);
    assert_int_equal(q[0].meter, m[2]);
    assert_int_equal(q[0].samples, 96);
    assert_int_equal(q[0].qualified_ppm, 916667); /* 88 of 96 */
    assert_int_equal(q[0].below_s, 8 * 900);
    assert_int_equal(q[0].above_s, 0);
    assert_int_equal(q[0].vmin_mv, 190000);
    assert_int_equal(q[0].t_vmin, freeze_t(7));
    assert_int_equal(q[0].vmax_mv, 230000);
    store_close(st);
}

/* n points of item for meter from DAY's slot j0 on, value v (mantissa, exponent e). */
static size_t curve(struct store_reading *r, int64_t meter, uint32_t item, int j0, int n, int64_t v,
                    int e)
{
    for (int j = 0; j < n; j++) {
        r[j] = store_test_reading(meter, item, freeze_t(7) + (int64_t)(j0 + j) * 900, 0);
        r[j].value = mh_dec_make(v, e);
    }
    return (size_t)n;
}

/*
 * The stored curves drive the slot rules and the day's measured energy: the
 * DTU's three-phase meter loses phase B (0 V, no current) all day; user 1's
 * power is negative for two hours (no PV behind it); user 2 registered 10
 * kWh while its power curve says 0.1 kW all day (racing). ERC 10 records
 * are typed by their payload: one saying phase failure on C for user 2
 * (no voltage curve) raises it; one with no kind on the DTU's meter gives
 * way to what its curves found.
 */
static void test_curve_rules_and_typed_events(void **state)
{
    (void)state;
    int64_t m[5];
    struct store *st = field("analyze_curves", m, 8);
    struct store_meter_row rows[5];
    assert_int_equal(store_meters_list(st, NULL, 0, rows, 5), 5);
    static struct store_reading r[96 * 12];
    size_t n = 0;
    n += curve(r + n, m[4], MH_OBIS(1, 0, 1, 7, 0), 0, 96, 1000000, -4); /* 100 kW */
    n += curve(r + n, m[4], MH_OBIS(1, 0, 32, 7, 0), 0, 96, 577, -1);
    n += curve(r + n, m[4], MH_OBIS(1, 0, 52, 7, 0), 0, 96, 0, -1);
    n += curve(r + n, m[4], MH_OBIS(1, 0, 72, 7, 0), 0, 96, 577, -1);
    n += curve(r + n, m[4], MH_OBIS(1, 0, 31, 7, 0), 0, 96, 866000, -3);
    n += curve(r + n, m[4], MH_OBIS(1, 0, 51, 7, 0), 0, 96, 0, -3);
    n += curve(r + n, m[4], MH_OBIS(1, 0, 71, 7, 0), 0, 96, 866000, -3);
    n += curve(r + n, m[1], MH_OBIS(1, 0, 1, 7, 0), 0, 40, 3000, -4);
    n += curve(r + n, m[1], MH_OBIS(1, 0, 1, 7, 0), 40, 8, -5000, -4);
    n += curve(r + n, m[1], MH_OBIS(1, 0, 1, 7, 0), 48, 48, 3000, -4);
    n += curve(r + n, m[2], MH_OBIS(1, 0, 1, 7, 0), 0, 96, 1000, -4);
    assert_int_equal(store_readings_append(st, r, n, 5000, NULL, NULL), 0);
    assert_int_equal(store_readings_sync(st, 5000), 0);
    struct store_event e1 = {.terminal = rows[2].terminal, .code = 10,
                             .start_s = freeze_t(7) + 7200, .seq = 1,
                             .payload_json = "{\"erc\":10,\"pn\":3,\"start\":1,\"name\":\"\","
                                             "\"kind\":\"phase_failure\",\"phases\":\"C\"}"};
    struct store_event e2 = {.terminal = rows[4].terminal, .code = 10,
                             .start_s = freeze_t(7) + 600, .seq = 2,
                             .payload_json = "{\"erc\":10,\"pn\":1,\"start\":1,\"name\":\"\"}"};
    assert_int_equal(store_event_insert(st, &e1), 0);
    assert_int_equal(store_event_insert(st, &e2), 0);
    struct analyze_stats s;
    analyze(st, DAY, &s);

    struct store_alarm a[16];
    int na = store_alarms_list(st, NULL, 0, a, 16);
    const struct store_alarm *pf = find_phase(a, na, ANOMALY_PHASE_FAILURE, m[4], 1);
    assert_non_null(pf);
    assert_int_equal(pf->start_s, freeze_t(7));
    assert_int_equal(pf->end_s, 0); /* still holds at the day's end */
    assert_int_equal(strncmp(pf->evidence, "curve:", 6), 0);
    assert_null(find(a, na, ANOMALY_VOLTAGE_LOSS, m[4])); /* the ERC 10 gave way */
    assert_null(find(a, na, ANOMALY_IMBALANCE, m[4]));     /* explained by the phase */
    const struct store_alarm *rp = find(a, na, ANOMALY_REVERSE_POWER, m[1]);
    assert_non_null(rp);
    assert_int_equal(rp->start_s, freeze_t(7) + 40 * 900);
    assert_int_equal(rp->end_s, freeze_t(7) + 48 * 900);
    assert_int_equal(rp->value_milli, -500);
    const struct store_alarm *race = find(a, na, ANOMALY_RACING, m[2]);
    assert_non_null(race);
    assert_int_equal(race->value_milli, 4167); /* 10 kWh registered / 2.4 kWh measured */
    const struct store_alarm *ev = find(a, na, ANOMALY_PHASE_FAILURE, m[2]);
    assert_non_null(ev);
    assert_int_equal(ev->phase, 2);
    assert_int_equal(ev->start_s, freeze_t(7) + 7200);
    assert_int_equal(na, 7); /* with the field's drop, reversed and cover open */

    /* The next day without curves for the DTU's meter: the curve alarm is not judged, stays */
    analyze(st, DAY + 1, &s);
    na = store_alarms_list(st, NULL, 0, a, 16);
    pf = find_phase(a, na, ANOMALY_PHASE_FAILURE, m[4], 1);
    assert_non_null(pf);
    assert_int_equal(pf->end_s, 0);
    store_close(st);
}

static int close_all(void *ctx, const struct store_alarm *a)
{
    (void)ctx;
    return a->type == ANOMALY_TERMINAL_OFFLINE;
}

static void test_merge_continues_closes_and_joins(void **state)
{
    (void)state;
    const int64_t ds = 1000000;
    struct store_alarm prev[3] = {
        {.type = ANOMALY_TERMINAL_OFFLINE, .phase = 255, .terminal = 7, .start_s = ds - 600,
         .first_day = 9, .last_day = 9},
        {.type = ANOMALY_TERMINAL_OFFLINE, .phase = 255, .terminal = 8, .start_s = ds - 900,
         .first_day = 9, .last_day = 9},
        {.type = ANOMALY_COVER_OPEN, .phase = 255, .meter = 3, .start_s = ds - 5000,
         .end_s = ds - 5000, .first_day = 9, .last_day = 9},
    };
    struct store_alarm today[8] = {
        /* terminal 7 still offline from midnight: continues */
        {.type = ANOMALY_TERMINAL_OFFLINE, .phase = 255, .terminal = 7, .start_s = ds,
         .end_s = ds + 1800},
        /* meter 3's cover again, later: a new episode */
        {.type = ANOMALY_COVER_OPEN, .phase = 255, .meter = 3, .start_s = ds + 100,
         .end_s = ds + 100},
        /* meter 4 reversed by its event and by its registers: one alarm, the event's start */
        {.type = ANOMALY_REVERSED, .phase = 255, .meter = 4, .start_s = ds},
        {.type = ANOMALY_REVERSED, .phase = 255, .meter = 4, .start_s = ds - 86400},
    };
    size_t closed = 0;
    size_t n = analyze_alarms_merge(prev, 3, today, 4, 10, ds, close_all, NULL, &closed);
    assert_int_equal(closed, 1);
    assert_int_equal(n, 4);
    assert_int_equal(today[0].start_s, ds - 600); /* continued: the earlier start */
    assert_int_equal(today[0].end_s, ds + 1800);
    assert_int_equal(today[0].first_day, 9);
    assert_int_equal(today[0].last_day, 10);
    assert_int_equal(today[1].start_s, ds + 100);
    assert_int_equal(today[1].first_day, 10);
    assert_int_equal(today[2].type, ANOMALY_REVERSED);
    assert_int_equal(today[2].start_s, ds - 86400);
    assert_int_equal(today[2].end_s, 0);
    /* terminal 8 did not recur on a day its condition was judged: closed at the day's start */
    assert_int_equal(today[3].terminal, 8);
    assert_int_equal(today[3].end_s, ds);
    assert_int_equal(today[3].first_day, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_continues_closes_and_joins),
        cmocka_unit_test(test_day_results_exact_and_repeatable),
        cmocka_unit_test(test_next_day_extends_alarms),
        cmocka_unit_test(test_voltage_quality_from_the_stored_curve),
        cmocka_unit_test(test_curve_rules_and_typed_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
