/*
 * The store interface, against whichever backend MH_TEST_STORE_URI names
 * (a fresh SQLite file per test by default): idempotent readings, conflict
 * counting, ranges and paging, missing data, archive import and re-import,
 * collection status and success rates, back-pressure, flush on close,
 * events, link history, audit, an area's daily totals.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"
#include "store_test.h"

#define DAY0 (20416 * 86400LL) /* 2025-11-24T00:00Z */
#define AE MH_ITEM_AE_IMP

static int count_range(struct store *st, int64_t meter, uint32_t item, int64_t from, int64_t to)
{
    struct store_reading buf[256];
    int n = store_readings_range(st, meter, item, from, to, buf, 256);
    assert_true(n >= 0);
    return n;
}

static void append_sync(struct store *st, const struct store_reading *r, size_t n)
{
    assert_int_equal(store_readings_append(st, r, n, 1000, NULL, NULL), 0);
    assert_int_equal(store_readings_sync(st, 10000), 0);
}

static void test_same_reading_twice_is_stored_once(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("idempotent"), NULL);
    struct store_reading r = store_test_reading(7, AE, DAY0, 12345678);
    append_sync(st, &r, 1);
    append_sync(st, &r, 1);
    /* the same value with another exponent is the same reading */
    r.value = mh_dec_make(123456780, -3);
    append_sync(st, &r, 1);
    struct store_writer_stats ws;
    store_writer_stats(st, &ws);
    assert_int_equal(ws.appended, 3);
    assert_int_equal(ws.stored, 1);
    assert_int_equal(ws.duplicates, 2);
    assert_int_equal(ws.conflicts, 0);
    struct store_reading got;
    assert_int_equal(store_reading_latest(st, 7, AE, &got), 0);
    assert_true(got.value.m == 12345678 && got.value.exp == -2);
    assert_int_equal(count_range(st, 7, AE, DAY0, DAY0 + 1), 1);
    store_close(st);
}

static void test_conflict_is_counted_and_the_later_received_wins(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("conflict"), NULL);
    struct store_reading r = store_test_reading(7, AE, DAY0, 100);
    append_sync(st, &r, 1);
    struct store_reading newer = r;
    newer.value.m = 200;
    newer.received_ms += 5000;
    append_sync(st, &newer, 1);
    struct store_reading stale = r;
    stale.value.m = 300;
    stale.received_ms -= 5000; /* a late copy of an older message */
    append_sync(st, &stale, 1);
    struct store_reading estimated = newer; /* same value, other quality: a conflict too */
    estimated.quality = STORE_Q_ESTIMATED;
    estimated.received_ms += 1;
    append_sync(st, &estimated, 1);

    struct store_writer_stats ws;
    store_writer_stats(st, &ws);
    assert_int_equal(ws.stored, 1);
    assert_int_equal(ws.conflicts, 3);
    assert_int_equal(ws.duplicates, 0);
    struct store_reading got;
    assert_int_equal(store_reading_latest(st, 7, AE, &got), 0);
    assert_int_equal(got.value.m, 200);
    assert_int_equal(got.quality, STORE_Q_ESTIMATED);
    assert_int_equal(got.received_ms, estimated.received_ms);
    store_close(st);
}

static void test_range_pages_a_meters_day_in_order(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("range"), NULL);
    /* 96 quarter-hour values of meter 3 appended newest first, and neighbours that must not show */
    struct store_reading r[96 + 3];
    for (int i = 0; i < 96; i++)
        r[i] = store_test_reading(3, MH_ITEM_P, DAY0 + (95 - i) * 900, 95 - i);
    r[96] = store_test_reading(3, MH_ITEM_P, DAY0 + 86400, 1000); /* next day */
    r[97] = store_test_reading(4, MH_ITEM_P, DAY0, 1);            /* other meter */
    r[98] = store_test_reading(3, AE, DAY0, 1);                   /* other item */
    append_sync(st, r, 99);

    struct store_reading page[10];
    int64_t from = DAY0, seen = 0;
    for (;;) {
        int n = store_readings_range(st, 3, MH_ITEM_P, from, DAY0 + 86400, page, 10);
        assert_true(n >= 0 && n <= 10);
        for (int i = 0; i < n; i++) {
            assert_int_equal(page[i].t, DAY0 + seen * 900);
            assert_int_equal(page[i].value.m, seen);
            assert_int_equal(page[i].meter, 3);
            seen++;
        }
        if (n < 10)
            break;
        from = page[n - 1].t + 1;
    }
    assert_int_equal(seen, 96);
    assert_int_equal(count_range(st, 3, MH_ITEM_P, DAY0 + 3600, DAY0 + 7200), 4);
    assert_int_equal(count_range(st, 3, MH_ITEM_P, DAY0 + 86400, DAY0 + 2 * 86400), 1);
    struct store_reading latest;
    assert_int_equal(store_reading_latest(st, 3, MH_ITEM_P, &latest), 0);
    assert_int_equal(latest.t, DAY0 + 86400);
    assert_int_equal(store_reading_latest(st, 3, MH_ITEM_U_L1, &latest), MH_ENOENT);
    store_close(st);
}

static void test_archive_import_then_reimport_updates(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("archive"), NULL);
    char *csv = store_test_archive_csv(3);
    struct store_import_stats s;
    store_test_import(st, csv, &s);
    assert_int_equal(s.added, 5);
    assert_int_equal(s.updated + s.unchanged + s.retired, 0);
    assert_int_equal(s.terminals, 2);
    assert_int_equal(s.areas, 1);
    assert_int_equal(s.customers, 4);

    struct store_terminal t;
    assert_int_equal(store_terminal_lookup(st, 0x0171, "01710001", &t), 0);
    assert_int_equal(t.kind, ARCHIVE_KIND_CONCENTRATOR);
    assert_int_equal(t.protocol, ARCHIVE_PROTO_GDW1376);
    assert_string_equal(t.channel_group, "G1");
    assert_int_equal(store_terminal_lookup(st, 0x0172, "01710001", &t), MH_ENOENT);
    /* by address alone (DL/T 698.45 logins carry no region) */
    struct store_terminal any;
    assert_int_equal(store_terminal_lookup(st, STORE_REGION_ANY, "000000000009", &any), 0);
    assert_int_equal(any.region, 0x0172);
    assert_int_equal(store_terminal_lookup(st, STORE_REGION_ANY, "999999999999", &any), MH_ENOENT);
    assert_int_equal(store_terminal_lookup(st, 0x0171, "01710001", &t), 0);
    struct store_point p[8];
    assert_int_equal(store_terminal_points(st, t.id, p, 8), 4);
    assert_int_equal(p[0].pn, 1);
    assert_true(p[0].address == 100000000000ull);
    assert_int_equal(p[0].ct, 60);
    assert_int_equal(p[0].area_meter, 1);
    assert_true(p[0].area != 0);
    assert_int_equal(p[3].pn, 4);
    int64_t meter4 = p[3].meter;

    /* the same file again: nothing new */
    store_test_import(st, csv, &s);
    assert_int_equal(s.added, 0);
    assert_int_equal(s.unchanged, 5);
    assert_int_equal(s.updated + s.retired, 0);

    /* one meter's CT changes, the last user leaves, a new user comes */
    free(csv);
    csv = store_test_archive_csv(2);
    char *at = strstr(csv, ",100000000000,dlt645-2007,3,60,");
    assert_non_null(at);
    memcpy(at + 28, "75", 2);
    size_t len = strlen(csv);
    char *csv2 = malloc(len + 200);
    assert_non_null(csv2);
    memcpy(csv2, csv, len);
    snprintf(csv2 + len, 200,
             "A1,0171,01710001,concentrator,gdw1376,G1,9,100000000009,dlt645-2007,1,1,1,220,8,"
             "TOU4,0,0,C9,residential,0\n");
    store_test_import(st, csv2, &s);
    assert_int_equal(s.added, 1);
    assert_int_equal(s.updated, 1);
    assert_int_equal(s.unchanged, 3);
    assert_int_equal(s.retired, 1);
    assert_int_equal(store_terminal_points(st, t.id, p, 8), 4);
    assert_int_equal(p[0].ct, 75);
    assert_int_equal(p[3].pn, 9);
    assert_true(p[3].meter != meter4);

    /* the original file again: CT back to 60, the left user back with its old id, pn 9 retired */
    free(csv2);
    free(csv);
    csv = store_test_archive_csv(3);
    store_test_import(st, csv, &s);
    assert_int_equal(s.added, 0);
    assert_int_equal(s.updated, 2);
    assert_int_equal(s.unchanged, 3);
    assert_int_equal(s.retired, 1);
    assert_int_equal(store_terminal_points(st, t.id, p, 8), 4);
    assert_int_equal(p[3].meter, meter4);

    /* a file without the DTU: its terminal is no longer found, and comes back with its id */
    struct store_terminal dtu, again;
    assert_int_equal(store_terminal_lookup(st, 0x0172, "000000000009", &dtu), 0);
    char *last = strrchr(csv, '\n');
    *last = '\0';
    *(strrchr(csv, '\n') + 1) = '\0';
    store_test_import(st, csv, &s);
    assert_int_equal(s.retired, 1);
    assert_int_equal(s.terminals, 1);
    assert_int_equal(store_terminal_lookup(st, 0x0172, "000000000009", &again), MH_ENOENT);
    free(csv);
    csv = store_test_archive_csv(3);
    store_test_import(st, csv, &s);
    assert_int_equal(store_terminal_lookup(st, 0x0172, "000000000009", &again), 0);
    assert_int_equal(again.id, dtu.id);
    free(csv);
    store_close(st);
}

/* Open test `name` with the concentrator of n_users (store_test_archive_csv); its points into p. */
static struct store *open_with_users(const char *name, int n_users, struct store_terminal *t,
                                     struct store_point *p, size_t cap)
{
    struct store *st = store_test_open(store_test_uri(name), NULL);
    char *csv = store_test_archive_csv(n_users);
    store_test_import(st, csv, NULL);
    free(csv);
    assert_int_equal(store_terminal_lookup(st, 0x0171, "01710001", t), 0);
    assert_int_equal(store_terminal_points(st, t->id, p, cap), n_users + 1);
    return st;
}

static void test_missing_lists_meters_without_the_days_reading(void **state)
{
    (void)state;
    struct store_terminal t;
    struct store_point p[32];
    struct store *st = open_with_users("missing", 20, &t, p, 32);
    /* even points have today's freeze, odd ones only yesterday's */
    struct store_reading r[32];
    size_t n = 0;
    for (int i = 0; i < 21; i++)
        r[n++] = store_test_reading(p[i].meter, AE, i % 2 ? DAY0 - 86400 : DAY0, 100 + i);
    append_sync(st, r, n);

    struct store_meter_ref miss[4];
    int64_t after = 0;
    int total = 0, listed = 0, got;
    while ((got = store_readings_missing(st, AE, DAY0, DAY0 + 86400, after, miss, 4)) > 0) {
        for (int i = 0; i < got; i++) {
            assert_true(miss[i].meter > after);
            after = miss[i].meter;
            int found = 0;
            for (int k = 0; k < 21; k++)
                if (p[k].meter == miss[i].meter) {
                    found = 1;
                    assert_int_equal(k % 2, 1);
                    assert_int_equal(miss[i].pn, p[k].pn);
                    assert_int_equal(miss[i].terminal, t.id);
                }
            total += found;
            listed++;
        }
    }
    assert_int_equal(got, 0);
    /* the ten odd points, and the DTU's meter, which has no reading at all */
    assert_int_equal(total, 10);
    assert_int_equal(listed, 11);
    assert_int_equal(store_readings_missing(st, AE, DAY0, DAY0 + 86400, 0, miss, 0), 0);
    store_close(st);
}

static void test_success_rate_by_group_and_reasons(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("status"), NULL);
    char *csv = store_test_archive_csv(3);
    store_test_import(st, csv, NULL);
    free(csv);
    struct store_terminal t, dtu;
    struct store_point p[8], dp[1];
    assert_int_equal(store_terminal_lookup(st, 0x0171, "01710001", &t), 0);
    assert_int_equal(store_terminal_lookup(st, 0x0172, "000000000009", &dtu), 0);
    assert_int_equal(store_terminal_points(st, t.id, p, 8), 4);
    assert_int_equal(store_terminal_points(st, dtu.id, dp, 1), 1);
    int64_t day = DAY0 / 86400;
    struct store_status s[] = {
        {p[0].meter, STORE_CLASS_DAY_FREEZE, day, STORE_REASON_METER_NO_ANSWER, 1, 1},
        {p[1].meter, STORE_CLASS_DAY_FREEZE, day, STORE_REASON_NONE, 1, 1},
        {p[2].meter, STORE_CLASS_DAY_FREEZE, day, STORE_REASON_NO_DATA, 1, 1},
        {dp[0].meter, STORE_CLASS_DAY_FREEZE, day, STORE_REASON_TERMINAL_OFFLINE, 1, 1},
        {p[1].meter, STORE_CLASS_CURVE, day, STORE_REASON_NONE, 1, 1},
    };
    assert_int_equal(store_status_upsert(st, s, 5), 0);
    /* a retry succeeds: the row is replaced, not added */
    struct store_status retry = s[0];
    retry.reason = STORE_REASON_NONE;
    retry.attempts = 2;
    assert_int_equal(store_status_upsert(st, &retry, 1), 0);

    struct store_rate r[8];
    assert_int_equal(
        store_success_rate(st, day, STORE_CLASS_DAY_FREEZE, STORE_GROUP_TERMINAL_KIND, r, 8), 2);
    assert_string_equal(r[0].key, "0"); /* concentrator */
    assert_int_equal(r[0].meters, 4);
    assert_int_equal(r[0].collected, 2);
    assert_int_equal(r[0].failed, 1);   /* and pn 4 never tried */
    /* pn 1 was collected by the retry: after patch, but not at the first try */
    assert_int_equal(r[0].first_try, 1);
    assert_string_equal(r[1].key, "3"); /* dtu */
    assert_int_equal(r[1].meters, 1);
    assert_int_equal(r[1].collected, 0);
    assert_int_equal(r[1].failed, 1);
    assert_int_equal(store_success_rate(st, day, STORE_CLASS_DAY_FREEZE, STORE_GROUP_REGION, r, 8),
                     2);
    assert_string_equal(r[0].key, "0171");
    assert_string_equal(r[1].key, "0172");
    assert_int_equal(
        store_success_rate(st, day, STORE_CLASS_DAY_FREEZE, STORE_GROUP_CHANNEL_GROUP, r, 8), 2);
    assert_string_equal(r[1].key, "G2");
    assert_int_equal(
        store_success_rate(st, day, STORE_CLASS_DAY_FREEZE, STORE_GROUP_TERMINAL_PROTOCOL, r, 8),
        2);
    assert_int_equal(
        store_success_rate(st, day, STORE_CLASS_DAY_FREEZE, STORE_GROUP_METER_PROTOCOL, r, 8), 1);
    assert_int_equal(r[0].meters, 5);
    assert_int_equal(r[0].collected, 2);
    assert_int_equal(r[0].first_try, 1);
    assert_int_equal(store_success_rate(st, day, STORE_CLASS_CURVE, STORE_GROUP_REGION, r, 8), 2);
    assert_int_equal(r[0].collected, 1);
    assert_int_equal(r[0].first_try, 1);
    /* A later failure (a patch round that lost it again) does not rewrite the first try. */
    retry.reason = STORE_REASON_CHANNEL_TIMEOUT;
    retry.attempts = 3;
    s[1].reason = STORE_REASON_CLOCK_ERROR;
    assert_int_equal(store_status_upsert(st, &retry, 1), 0);
    assert_int_equal(store_status_upsert(st, &s[1], 1), 0);
    assert_int_equal(
        store_success_rate(st, day, STORE_CLASS_DAY_FREEZE, STORE_GROUP_TERMINAL_KIND, r, 8), 2);
    assert_int_equal(r[0].collected, 0);
    assert_int_equal(r[0].failed, 3);
    assert_int_equal(r[0].first_try, 1);

    uint64_t reasons[STORE_REASON_COUNT_];
    assert_int_equal(store_failure_reasons(st, day, STORE_CLASS_DAY_FREEZE, reasons), 0);
    assert_int_equal(reasons[STORE_REASON_NONE], 0);
    assert_int_equal(reasons[STORE_REASON_METER_NO_ANSWER], 0);
    assert_int_equal(reasons[STORE_REASON_NO_DATA], 1);
    assert_int_equal(reasons[STORE_REASON_TERMINAL_OFFLINE], 1);
    assert_string_equal(store_reason_text(STORE_REASON_CLOCK_ERROR), "clock error");

    struct store_status bad = s[0];
    bad.reason = STORE_REASON_COUNT_;
    assert_int_equal(store_status_upsert(st, &bad, 1), MH_EINVAL);
    store_close(st);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *release_later(void *arg)
{
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    store_test_release(arg);
    return NULL;
}

/* An event re-reported by its terminal, or read again, is stored once. */
static void test_event_stored_once(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("events_once"), NULL);
    struct store_event e = {.terminal = 7, .code = 14, .start_s = DAY0, .seq = 1 << 8 | 1,
                            .payload_json = "{\"erc\":14}"};
    assert_int_equal(store_event_insert(st, &e), 0);
    assert_int_equal(store_event_insert(st, &e), 0); /* the same again: no error, no copy */
    e.payload_json = "{\"erc\":14,\"again\":1}";
    assert_int_equal(store_event_insert(st, &e), 0); /* the key decides, not the payload */
    e.seq = 2 << 8 | 1;                             /* the same ERC at the same minute on pn 2 */
    assert_int_equal(store_event_insert(st, &e), 0);
    e.seq = 1 << 8 | 1;
    e.start_s += 60; /* a later occurrence */
    assert_int_equal(store_event_insert(st, &e), 0);
    e.meter = 9; /* of a meter: another key even with the same rest */
    assert_int_equal(store_event_insert(st, &e), 0);
    assert_int_equal(store_event_insert(st, &e), 0);
    e.payload_json = "{not json"; /* a broken payload is still refused, not ignored */
    e.start_s += 60;
    assert_int_equal(store_event_insert(st, &e), MH_EINVAL);
    struct store_event_filter f = {.code = -1, .to_s = INT64_MAX};
    struct store_event_row rows[8];
    int n = store_events_list(st, &f, 0, rows, 8);
    assert_int_equal(n, 4);
    store_event_rows_free(rows, (size_t)n);
    store_close(st);
}

struct ev_done {
    int calls, status;
};

static void ev_done_cb(void *ctx, int status)
{
    struct ev_done *d = ctx;
    d->calls++;
    d->status = status;
}

static int events_stored(struct store *st)
{
    struct store_event_filter f = {.code = -1, .to_s = INT64_MAX};
    struct store_event_row rows[16];
    int n = store_events_list(st, &f, 0, rows, 16);
    assert_true(n >= 0);
    store_event_rows_free(rows, (size_t)n);
    return n;
}

/*
 * Events through the writer (active reports): committed once each, the
 * callback after COMMIT with 0; a transaction that fails stores nothing of
 * it and calls back with the error; a batch larger than the queue is refused.
 */
static void test_events_through_the_writer(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("events_writer"), NULL);
    char payload[3][32];
    struct store_event e[4];
    for (int i = 0; i < 3; i++) {
        snprintf(payload[i], sizeof payload[i], "{\"erc\":37,\"pn\":%d}", i + 1);
        e[i] = (struct store_event){.terminal = 7, .code = 37, .start_s = DAY0, .seq = (i + 1) << 8 | 1,
                                    .payload_json = payload[i]};
    }
    struct ev_done d1 = {0, 1}, d2 = {0, 1}, d3 = {0, 0};
    assert_int_equal(store_events_append(st, e, 3, 1000, ev_done_cb, &d1), 0);
    memset(payload, 'x', sizeof payload); /* copied at the append: the caller's buffers are free */
    assert_int_equal(store_readings_sync(st, 10000), 0);
    assert_int_equal(d1.calls, 1);
    assert_int_equal(d1.status, 0);
    assert_int_equal(events_stored(st), 3);
    /* The same three again (a report sent again) and a fourth: one new row. */
    snprintf(payload[0], sizeof payload[0], "{\"erc\":37}");
    for (int i = 0; i < 3; i++)
        e[i].payload_json = payload[0];
    e[3] = e[0];
    e[3].start_s += 60;
    assert_int_equal(store_events_append(st, e, 4, 1000, ev_done_cb, &d2), 0);
    assert_int_equal(store_readings_sync(st, 10000), 0);
    assert_int_equal(d2.calls, 1);
    assert_int_equal(d2.status, 0);
    assert_int_equal(events_stored(st), 4);
    /* A broken payload fails its transaction: the good event beside it is not stored either. */
    e[0].start_s += 600;
    e[1] = e[0];
    e[1].seq = 9 << 8 | 1;
    e[1].payload_json = "{not json";
    assert_int_equal(store_events_append(st, e, 2, 1000, ev_done_cb, &d3), 0);
    assert_int_equal(store_readings_sync(st, 10000), 0);
    assert_int_equal(d3.calls, 1);
    assert_true(d3.status < 0);
    assert_int_equal(events_stored(st), 4);
    static struct store_event many[65537];
    assert_int_equal(store_events_append(st, many, 65537, 0, NULL, NULL), MH_EOVERFLOW);
    assert_int_equal(store_events_append(st, e, 0, 0, NULL, NULL), MH_EINVAL);
    store_close(st);
}

static void test_full_queue_pushes_back(void **state)
{
    (void)state;
    struct store_options opt = {.queue_capacity = 64, .batch_max = 16};
    struct store *st = store_test_open(store_test_uri("backpressure"), &opt);
    struct store_reading r[65];
    for (int i = 0; i < 65; i++)
        r[i] = store_test_reading(1, AE, DAY0 + i, i);
    assert_int_equal(store_readings_append(st, r, 65, 0, NULL, NULL), MH_EOVERFLOW);
    assert_int_equal(store_readings_append(st, r, 0, 0, NULL, NULL), MH_EINVAL);
    struct store_test_gate *g = store_test_hold(st, r); /* the writer is held */
    assert_int_equal(store_readings_append(st, r + 1, 64, 0, NULL, NULL), 0);
    assert_int_equal(store_readings_append(st, r + 1, 1, 0, NULL, NULL), MH_EAGAIN);
    int64_t t0 = now_ms();
    assert_int_equal(store_readings_append(st, r + 1, 1, 150, NULL, NULL), MH_EAGAIN);
    assert_true(now_ms() - t0 >= 140);
    struct store_writer_stats ws;
    store_writer_stats(st, &ws);
    assert_int_equal(ws.rejected, 2);
    assert_int_equal(ws.queued, 64);

    /* once the writer moves again a waiting append gets in */
    pthread_t th;
    pthread_create(&th, NULL, release_later, g);
    assert_int_equal(store_readings_append(st, r + 1, 1, 5000, NULL, NULL), 0);
    pthread_join(th, NULL);
    assert_int_equal(store_readings_sync(st, 10000), 0);
    store_writer_stats(st, &ws);
    assert_int_equal(ws.stored, 65);
    assert_int_equal(ws.duplicates, 1);
    assert_int_equal(count_range(st, 1, AE, DAY0, DAY0 + 100), 65);
    store_close(st);
}

/* Completion order of the urgent lane's test: which ticket finished n-th. */
struct order {
    int seq, urgent_at, main_at, urgent_status, main_status;
};
static struct order order;

static void urgent_done(void *ctx, int status)
{
    (void)ctx;
    order.urgent_at = ++order.seq;
    order.urgent_status = status;
}

static void main_done(void *ctx, int status)
{
    (void)ctx;
    order.main_at = ++order.seq;
    order.main_status = status;
}

/*
 * An urgent append (an on-demand read) is committed ahead of the readings
 * queued before it: with the writer held and four batches waiting, its
 * ticket completes first; both are stored, sync waits for both, and the
 * later-received reading of a key wins whichever queue brought it.
 */
static void test_urgent_readings_pass_the_queue(void **state)
{
    (void)state;
    struct store_options opt = {.queue_capacity = 64, .batch_max = 16};
    struct store *st = store_test_open(store_test_uri("urgent"), &opt);
    struct store_reading r[65], u[2];
    for (int i = 0; i < 65; i++)
        r[i] = store_test_reading(1, AE, DAY0 + i, i);
    u[0] = store_test_reading(2, AE, DAY0, 7);
    u[1] = store_test_reading(1, AE, DAY0 + 64, 999); /* the key of the main queue's last */
    u[1].received_ms = r[64].received_ms + 1;
    memset(&order, 0, sizeof order);
    struct store_test_gate *g = store_test_hold(st, r); /* the writer is held */
    assert_int_equal(store_readings_append(st, r + 1, 64, 0, main_done, NULL), 0);
    assert_int_equal(store_readings_append_urgent(st, u, 2, 0, urgent_done, NULL), 0);
    struct store_writer_stats ws;
    store_writer_stats(st, &ws);
    assert_int_equal(ws.queued, 66);
    store_test_release(g);
    assert_int_equal(store_readings_sync(st, 10000), 0);
    assert_int_equal(order.urgent_at, 1);
    assert_int_equal(order.main_at, 2);
    assert_int_equal(order.urgent_status, 0);
    assert_int_equal(order.main_status, 0);
    assert_int_equal(count_range(st, 1, AE, DAY0, DAY0 + 100), 65);
    assert_int_equal(count_range(st, 2, AE, DAY0, DAY0 + 1), 1);
    struct store_reading got[1];
    assert_int_equal(store_readings_range(st, 1, AE, DAY0 + 64, DAY0 + 65, got, 1), 1);
    assert_int_equal(got[0].value.m, 999);
    store_writer_stats(st, &ws);
    assert_int_equal(ws.stored, 66);
    assert_int_equal(ws.conflicts, 1);
    static struct store_reading many[STORE_URGENT_MAX + 1];
    assert_int_equal(store_readings_append_urgent(st, many, STORE_URGENT_MAX + 1, 0, NULL, NULL),
                     MH_EOVERFLOW);
    assert_int_equal(store_readings_append_urgent(st, u, 0, 0, NULL, NULL), MH_EINVAL);
    store_close(st);
}

/* From the writer thread (a callback) append never waits: it would wait on itself. */
struct reentry {
    struct store *st;
    struct store_reading r[5];
    int fill_rc, extra_rc;
    int64_t waited_ms;
};

static void append_from_callback(void *ctx, int status)
{
    struct reentry *e = ctx;
    assert_int_equal(status, 0);
    e->fill_rc = store_readings_append(e->st, e->r, 4, 0, NULL, NULL);
    int64_t t0 = now_ms();
    e->extra_rc = store_readings_append(e->st, e->r + 4, 1, 5000, NULL, NULL);
    e->waited_ms = now_ms() - t0;
}

static void test_append_from_a_callback_never_waits(void **state)
{
    (void)state;
    struct store_options opt = {.queue_capacity = 4, .batch_max = 4};
    struct reentry e = {.st = store_test_open(store_test_uri("reentry"), &opt)};
    for (int i = 0; i < 5; i++)
        e.r[i] = store_test_reading(2, AE, DAY0 + 60 + i, i);
    struct store_reading first = store_test_reading(2, AE, DAY0, 0);
    assert_int_equal(store_readings_append(e.st, &first, 1, 0, append_from_callback, &e), 0);
    assert_int_equal(store_readings_sync(e.st, 10000), 0);
    assert_int_equal(store_readings_sync(e.st, 10000), 0); /* and what the callback added */
    assert_int_equal(e.fill_rc, 0);
    assert_int_equal(e.extra_rc, MH_EAGAIN);
    assert_true(e.waited_ms < 1000);
    assert_int_equal(count_range(e.st, 2, AE, DAY0, DAY0 + 3600), 5);
    store_close(e.st);
}

struct acks {
    int n, last_status;
    int order[64];
};

static void count_done(void *ctx, int status)
{
    struct acks *a = ctx;
    a->order[a->n++] = status;
    a->last_status = status;
}

static void test_close_flushes_and_calls_back(void **state)
{
    (void)state;
    const char *uri = store_test_uri("flush");
    struct store_options opt = {.batch_max = 100};
    struct store *st = store_test_open(uri, &opt);
    static struct store_reading r[5000];
    for (int i = 0; i < 5000; i++)
        r[i] = store_test_reading(1 + i % 50, AE, DAY0 + i / 50 * 900, i);
    struct acks a = {0};
    for (int k = 0; k < 50; k++)
        assert_int_equal(store_readings_append(st, r + k * 100, 100, 1000, count_done, &a), 0);
    store_close(st); /* no sync: close must commit and call back */
    assert_int_equal(a.n, 50);
    assert_int_equal(a.last_status, 0);
    assert_int_equal(store_readings_append(NULL, r, 1, 0, NULL, NULL), MH_EINVAL);

    st = store_test_open(uri, NULL);
    int total = 0;
    for (int m = 1; m <= 50; m++)
        total += count_range(st, m, AE, DAY0, DAY0 + 2 * 86400);
    assert_int_equal(total, 5000);
    store_close(st);
}

static void test_events_link_history_and_audit(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("events"), NULL);
    struct store_event e = {.meter = 3,
                            .terminal = 1,
                            .code = 14,
                            .start_s = DAY0,
                            .payload_json = "{\"erc\":14,\"phase\":\"A\"}"};
    assert_int_equal(store_event_insert(st, &e), 0);
    e.payload_json = "{not json";
    assert_int_equal(store_event_insert(st, &e), MH_EINVAL);
    e.payload_json = NULL;
    e.meter = 0;
    e.end_s = DAY0 + 60;
    assert_int_equal(store_event_insert(st, &e), 0);

    /* online 00:00-06:00, a reconnection at 06:00 (offline and online the same ms), offline 12:00
     */
    int64_t ms = DAY0 * 1000;
    assert_int_equal(store_terminal_link(st, 1, 1, ms - 3600000, "login"), 0);
    assert_int_equal(store_terminal_link(st, 1, 0, ms + 6 * 3600000LL, "heartbeat lost"), 0);
    assert_int_equal(store_terminal_link(st, 1, 1, ms + 6 * 3600000LL, NULL), 0);
    assert_int_equal(store_terminal_link(st, 1, 0, ms + 12 * 3600000LL, NULL), 0);
    int64_t online;
    assert_int_equal(store_terminal_online_seconds(st, 1, DAY0, DAY0 + 86400, &online), 0);
    assert_int_equal(online, 12 * 3600);
    assert_int_equal(store_terminal_online_seconds(st, 1, DAY0 + 3600, DAY0 + 7200, &online), 0);
    assert_int_equal(online, 3600);
    assert_int_equal(store_terminal_online_seconds(st, 2, DAY0, DAY0 + 86400, &online), 0);
    assert_int_equal(online, 0);

    assert_int_equal(store_audit(st, "operator:li", ms, "archive import city.csv", 0), 0);
    assert_int_equal(store_audit(st, NULL, ms, "x", 0), MH_EINVAL);
    assert_true(store_schema_version(st) >= 2);
    store_close(st);
}

/*
 * Status rows, link changes and event counters queued for the writer (what
 * a front-end's loop does): the call returns with nothing written while the writer is
 * busy, the rows land in the order queued (a later row of a key replaces
 * an earlier one), sync waits for them, and bad rows queue nothing.
 */
static void test_status_and_links_through_the_writer(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("rows"), NULL);
    char *csv = store_test_archive_csv(2);
    store_test_import(st, csv, NULL);
    free(csv);
    struct store_terminal t;
    struct store_point p[4];
    assert_int_equal(store_terminal_lookup(st, 0x0171, "01710001", &t), 0);
    assert_int_equal(store_terminal_points(st, t.id, p, 4), 3);
    int64_t day = DAY0 / 86400, ms = DAY0 * 1000;
    struct store_status s[] = {
        {p[0].meter, STORE_CLASS_DAY_FREEZE, day, STORE_REASON_METER_NO_ANSWER, 1, 1},
        {p[1].meter, STORE_CLASS_DAY_FREEZE, day, STORE_REASON_NONE, 1, 1},
        {p[0].meter, STORE_CLASS_DAY_FREEZE, day, STORE_REASON_NONE, 2, 2}, /* pn 1's retry */
    };
    struct store_reading r = store_test_reading(p[2].meter, AE, DAY0, 1);
    struct store_test_gate *g = store_test_hold(st, &r); /* the writer is busy */
    assert_int_equal(store_status_queue(st, s, 2), 0);
    assert_int_equal(store_status_queue(st, s + 2, 1), 0);
    assert_int_equal(store_terminal_link_queue(st, t.id, 1, ms, "login from 10.0.0.1:4001"), 0);
    assert_int_equal(store_terminal_link_queue(st, t.id, 0, ms + 3600000, "heartbeat lost"), 0);
    assert_int_equal(store_event_counter_queue(st, t.id, STORE_EC_NORMAL, 7, ms), 0);
    assert_int_equal(store_event_counter_queue(st, t.id, STORE_EC_NORMAL, 9, ms + 1), 0);
    assert_int_equal(store_event_counter_queue(st, t.id, 3, 9, ms), MH_EINVAL);
    assert_int_equal(store_event_counter_queue(st, t.id, STORE_EC_NORMAL, 256, ms), MH_EINVAL);
    int ec = -1;
    assert_int_equal(store_event_counter_get(st, t.id, STORE_EC_NORMAL, &ec), MH_ENOENT);
    struct store_status bad = s[0];
    bad.reason = STORE_REASON_COUNT_;
    assert_int_equal(store_status_queue(st, &bad, 1), MH_EINVAL);
    static struct store_status many[262145];
    assert_int_equal(store_status_queue(st, many, 262145), MH_EAGAIN);
    struct store_rate rate[4];
    assert_int_equal(
        store_success_rate(st, day, STORE_CLASS_DAY_FREEZE, STORE_GROUP_TERMINAL_KIND, rate, 4), 2);
    assert_string_equal(rate[0].key, "0"); /* the concentrator; the DTU's meter has no row */
    assert_int_equal(rate[0].collected, 0); /* queued, not written */
    int64_t online = -1;
    assert_int_equal(store_terminal_online_seconds(st, t.id, DAY0, DAY0 + 86400, &online), 0);
    assert_int_equal(online, 0);

    store_test_release(g);
    assert_int_equal(store_readings_sync(st, 10000), 0);
    assert_int_equal(
        store_success_rate(st, day, STORE_CLASS_DAY_FREEZE, STORE_GROUP_TERMINAL_KIND, rate, 4), 2);
    assert_string_equal(rate[0].key, "0"); /* the concentrator; the DTU's meter has no row */
    assert_int_equal(rate[0].meters, 3);
    assert_int_equal(rate[0].collected, 2);
    assert_int_equal(rate[0].failed, 0);
    assert_int_equal(rate[0].first_try, 1); /* pn 1 at its second attempt */
    assert_int_equal(store_terminal_online_seconds(st, t.id, DAY0, DAY0 + 86400, &online), 0);
    assert_int_equal(online, 3600);
    struct store_link_row l[4];
    assert_int_equal(store_terminal_links(st, t.id, 0, INT64_MAX, -1, l, 4), 2);
    assert_string_equal(l[0].reason, "login from 10.0.0.1:4001");
    assert_int_equal(l[1].online, 0);
    assert_int_equal(store_event_counter_get(st, t.id, STORE_EC_NORMAL, &ec), 0);
    assert_int_equal(ec, 9); /* the later value */
    store_close(st);
}

/* Reading of meter at freeze f with value m * 10^exp and quality q. */
static struct store_reading freeze(int64_t meter, int64_t f, int64_t m, int exp, int q)
{
    struct store_reading r = store_test_reading(meter, AE, f, m);
    r.value = mh_dec_make(m, exp);
    r.quality = (uint8_t)q;
    return r;
}

static void assert_area_day(const struct store_area_day *d, int64_t t, int64_t m, int exp,
                            unsigned meters, unsigned counted, unsigned missing, unsigned decreased)
{
    assert_int_equal(d->t, t);
    assert_int_equal(d->total.m, m);
    assert_int_equal(d->total.exp, exp);
    assert_int_equal(d->meters, meters);
    assert_int_equal(d->counted, counted);
    assert_int_equal(d->missing, missing);
    assert_int_equal(d->decreased, decreased);
}

static void test_area_daily_totals_sum_register_differences(void **state)
{
    (void)state;
    struct store_terminal t;
    struct store_point p[8];
    struct store *st = open_with_users("area_days", 6, &t, p, 8);
    int64_t area_m = p[0].meter, u[7];
    for (int i = 1; i <= 6; i++)
        u[i] = p[i].meter;
    struct store_point dtu;
    struct store_terminal dt;
    assert_int_equal(store_terminal_lookup(st, 0x0172, "000000000009", &dt), 0);
    assert_int_equal(store_terminal_points(st, dt.id, &dtu, 1), 1);

    /* the freeze at 24:00 UTC+8 closing each day: 16:00 UTC */
    const int64_t f0 = DAY0 + 16 * 3600, D = 86400;
    const struct store_reading r[] = {
        /* user 1: every freeze */
        freeze(u[1], f0, 100000, -2, 0),
        freeze(u[1], f0 + D, 101050, -2, 0),
        freeze(u[1], f0 + 2 * D, 102100, -2, 0),
        freeze(u[1], f0 + 3 * D, 103025, -2, 0),
        /* and an export register, not summed with the import */
        freeze(u[1], f0 + D, 1, -2, 0), /* its item becomes export below */
        /* user 2: four decimals */
        freeze(u[2], f0, 5000000, -4, 0),
        freeze(u[2], f0 + D, 5001234, -4, 0),
        freeze(u[2], f0 + 2 * D, 5010000, -4, 0),
        freeze(u[2], f0 + 3 * D, 5020000, -4, 0),
        /* user 3: the second freeze never came */
        freeze(u[3], f0, 20000, -2, 0),
        freeze(u[3], f0 + 2 * D, 30000, -2, 0),
        freeze(u[3], f0 + 3 * D, 31234, -2, 0),
        /* user 4: replaced on day 1, the register starts again */
        freeze(u[4], f0, 20000, -2, 0),
        freeze(u[4], f0 + D, 21000, -2, 0),
        freeze(u[4], f0 + 2 * D, 500, -2, 0),
        freeze(u[4], f0 + 3 * D, 1500, -2, 0),
        /* user 5: a placeholder for the second freeze, and a curve point off the boundary */
        freeze(u[5], f0, 1000, -2, 0),
        freeze(u[5], f0 + D, 0, 0, STORE_Q_MISSING),
        freeze(u[5], f0 + 900, 1, -2, 0),
        freeze(u[5], f0 + 2 * D, 5000, -2, 0),
        freeze(u[5], f0 + 3 * D, 5700, -2, 0),
        /* user 6 is retired below: its readings stay but no longer count */
        freeze(u[6], f0, 0, -2, 0),
        freeze(u[6], f0 + D, 99900, -2, 0),
        /* the area (supply) meter and a meter in no area */
        freeze(area_m, f0, 0, -2, 0),
        freeze(area_m, f0 + D, 9999900, -2, 0),
        freeze(dtu.meter, f0, 0, -2, 0),
        freeze(dtu.meter, f0 + D, 9999900, -2, 0),
    };
    struct store_reading rs[sizeof r / sizeof r[0]];
    memcpy(rs, r, sizeof r);
    rs[4].item = MH_ITEM_AE_EXP;
    append_sync(st, rs, sizeof rs / sizeof rs[0]);
    char *csv = store_test_archive_csv(5);
    store_test_import(st, csv, NULL);
    free(csv);

    struct store_area_day d[3];
    assert_int_equal(store_area_daily_totals(st, "A1", AE, f0, 3, d), 3);
    /* 10.50 + 0.1234 + 10.00; user 3 and user 5 are missing a freeze */
    assert_area_day(&d[0], f0 + D, 206234, -4, 5, 3, 2, 0);
    /* 10.50 + 0.8766; users 3 and 5 missing, user 4 went down */
    assert_area_day(&d[1], f0 + 2 * D, 113766, -4, 5, 2, 2, 1);
    /* 9.25 + 1.0000 + 12.34 + 10.00 + 7.00 */
    assert_area_day(&d[2], f0 + 3 * D, 395900, -4, 5, 5, 0, 0);

    /* one day alone is the same day; days after the data have every meter missing */
    assert_int_equal(store_area_daily_totals(st, "A1", AE, f0 + 2 * D, 1, d), 1);
    assert_area_day(&d[0], f0 + 3 * D, 395900, -4, 5, 5, 0, 0);
    assert_int_equal(store_area_daily_totals(st, "A1", AE, f0 + 3 * D, 2, d), 2);
    assert_area_day(&d[1], f0 + 5 * D, 0, 0, 5, 0, 5, 0);
    /* export registers: only user 1's one freeze */
    assert_int_equal(store_area_daily_totals(st, "A1", MH_ITEM_AE_EXP, f0, 1, d), 1);
    assert_area_day(&d[0], f0 + D, 0, 0, 5, 0, 5, 0);

    assert_int_equal(store_area_daily_totals(st, "A2", AE, f0, 3, d), MH_ENOENT);
    assert_int_equal(store_area_daily_totals(st, "A1", AE, f0, 0, d), MH_EINVAL);
    assert_int_equal(store_area_daily_totals(st, "A1", AE, f0, STORE_AREA_DAYS_MAX + 1, d),
                     MH_EINVAL);
    assert_int_equal(store_area_daily_totals(st, NULL, AE, f0, 1, d), MH_EINVAL);
    store_close(st);
}

/* Days across a month (PostgreSQL: two partitions), and a total too large for 64 bits. */
static void test_area_daily_totals_across_months_and_overflow(void **state)
{
    (void)state;
    struct store_terminal t;
    struct store_point p[4];
    struct store *st = open_with_users("area_days_months", 3, &t, p, 4);
    const int64_t f0 = 1764374400 + 16 * 3600, D = 86400; /* 2025-11-29T16:00Z */
    const struct store_reading r[] = {
        freeze(p[1].meter, f0, 100, -2, 0),
        freeze(p[1].meter, f0 + D, 250, -2, 0),     /* 30 Nov */
        freeze(p[1].meter, f0 + 2 * D, 400, -2, 0), /* 1 Dec, next month */
        freeze(p[1].meter, f0 + 3 * D, 401, -2, 0),
        /* the next days: two registers whose differences overflow 64 bits together */
        freeze(p[2].meter, f0 + 3 * D, 0, -2, 0),
        freeze(p[2].meter, f0 + 4 * D, INT64_C(6000000000000000001), -2, 0),
        freeze(p[3].meter, f0 + 3 * D, 0, -2, 0),
        freeze(p[3].meter, f0 + 4 * D, INT64_C(6000000000000000001), -2, 0),
    };
    append_sync(st, r, sizeof r / sizeof r[0]);
    struct store_area_day d[3];
    assert_int_equal(store_area_daily_totals(st, "A1", AE, f0, 3, d), 3);
    assert_area_day(&d[0], f0 + D, 150, -2, 3, 1, 2, 0);
    assert_area_day(&d[1], f0 + 2 * D, 150, -2, 3, 1, 2, 0);
    assert_area_day(&d[2], f0 + 3 * D, 1, -2, 3, 1, 2, 0);
    assert_int_equal(store_area_daily_totals(st, "A1", AE, f0 + 3 * D, 1, d), MH_ERANGE);
    store_close(st);
}

/* How far a terminal's events are read: none, then put, replaced, kept apart per counter. */
static void test_event_counters_per_terminal(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("event_counters"), NULL);
    int v = -1;
    assert_int_equal(store_event_counter_get(st, 7, STORE_EC_IMPORTANT, &v), MH_ENOENT);
    assert_int_equal(store_event_counter_put(st, 7, STORE_EC_IMPORTANT, 17, 1000), 0);
    assert_int_equal(store_event_counter_get(st, 7, STORE_EC_IMPORTANT, &v), 0);
    assert_int_equal(v, 17);
    assert_int_equal(store_event_counter_get(st, 7, STORE_EC_NORMAL, &v), MH_ENOENT);
    assert_int_equal(store_event_counter_get(st, 8, STORE_EC_IMPORTANT, &v), MH_ENOENT);
    /* wrapped past 255: the counter goes back, and is stored as it is */
    assert_int_equal(store_event_counter_put(st, 7, STORE_EC_IMPORTANT, 3, 2000), 0);
    assert_int_equal(store_event_counter_put(st, 7, STORE_EC_NORMAL, 255, 2000), 0);
    assert_int_equal(store_event_counter_get(st, 7, STORE_EC_IMPORTANT, &v), 0);
    assert_int_equal(v, 3);
    assert_int_equal(store_event_counter_get(st, 7, STORE_EC_NORMAL, &v), 0);
    assert_int_equal(v, 255);
    assert_int_equal(store_event_counter_put(st, 7, STORE_EC_NORMAL, 256, 2000), MH_EINVAL);
    assert_int_equal(store_event_counter_put(st, 7, 3, 1, 2000), MH_EINVAL);
    assert_int_equal(store_event_counter_get(st, 0, STORE_EC_NORMAL, &v), MH_EINVAL);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_reading_twice_is_stored_once),
        cmocka_unit_test(test_conflict_is_counted_and_the_later_received_wins),
        cmocka_unit_test(test_range_pages_a_meters_day_in_order),
        cmocka_unit_test(test_archive_import_then_reimport_updates),
        cmocka_unit_test(test_missing_lists_meters_without_the_days_reading),
        cmocka_unit_test(test_success_rate_by_group_and_reasons),
        cmocka_unit_test(test_full_queue_pushes_back),
        cmocka_unit_test(test_urgent_readings_pass_the_queue),
        cmocka_unit_test(test_append_from_a_callback_never_waits),
        cmocka_unit_test(test_close_flushes_and_calls_back),
        cmocka_unit_test(test_events_link_history_and_audit),
        cmocka_unit_test(test_status_and_links_through_the_writer),
        cmocka_unit_test(test_area_daily_totals_sum_register_differences),
        cmocka_unit_test(test_area_daily_totals_across_months_and_overflow),
        cmocka_unit_test(test_event_stored_once),
        cmocka_unit_test(test_event_counters_per_terminal),
        cmocka_unit_test(test_events_through_the_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
