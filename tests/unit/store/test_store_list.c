/*
 * The store's listing queries and API tokens (store.h "API tokens" and
 * "listings"), against whichever backend MH_TEST_STORE_URI names: the
 * same expectations hold for SQLite and PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"
#include "store_test.h"

static void digest(unsigned char h[STORE_TOKEN_HASH], unsigned char seed)
{
    for (size_t i = 0; i < STORE_TOKEN_HASH; i++)
        h[i] = (unsigned char)(seed * 31u + i * 7u);
}

static void test_tokens_add_check_list_revoke(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("list_tokens"), NULL);
    unsigned char a[STORE_TOKEN_HASH], b[STORE_TOKEN_HASH], c[STORE_TOKEN_HASH];
    digest(a, 1);
    digest(b, 2);
    digest(c, 3);
    /* A byte 0x00 inside the digest must not cut it short. */
    a[5] = 0;
    assert_int_equal(store_token_add(st, "ops", 1, a, 1700000000123), 0);
    assert_int_equal(store_token_add(st, "admin", 2, b, 1700000000456), 0);
    assert_int_equal(store_token_add(st, "ops", 0, c, 1), MH_EEXIST);
    assert_int_equal(store_token_add(st, "", 0, c, 1), MH_EINVAL);

    struct store_token t;
    assert_int_equal(store_token_check(st, a, &t), 0);
    assert_string_equal(t.name, "ops");
    assert_int_equal(t.role, 1);
    assert_int_equal(t.created_ms, 1700000000123);
    assert_int_equal(t.revoked, 0);
    assert_int_equal(store_token_check(st, c, &t), MH_ENOENT);

    struct store_token l[4];
    assert_int_equal(store_token_list(st, l, 4), 2);
    assert_string_equal(l[0].name, "admin");
    assert_int_equal(l[0].role, 2);
    assert_string_equal(l[1].name, "ops");
    assert_int_equal(store_token_list(st, l, 1), 1);

    assert_int_equal(store_token_revoke(st, "ops"), 0);
    assert_int_equal(store_token_check(st, a, &t), MH_ENOENT);
    assert_int_equal(store_token_check(st, b, &t), 0);
    assert_string_equal(t.name, "admin");
    assert_int_equal(store_token_revoke(st, "nobody"), MH_ENOENT);
    assert_int_equal(store_token_list(st, l, 4), 2);
    assert_int_equal(l[1].revoked, 1);
    /* A revoked name stays taken. */
    assert_int_equal(store_token_add(st, "ops", 1, c, 2), MH_EEXIST);
    store_close(st);
}

/* The test archive (store_test.h) with 3 users: terminal 1 with pn 1..4, DTU with one meter. */
static struct store *open_imported(const char *name, struct store_terminal_row t[2])
{
    struct store *st = store_test_open(store_test_uri(name), NULL);
    char *csv = store_test_archive_csv(3);
    store_test_import(st, csv, NULL);
    free(csv);
    assert_int_equal(store_terminals_list(st, NULL, 0, t, 2), 2);
    return st;
}

static void test_terminals_with_link_state_filters_and_paging(void **state)
{
    (void)state;
    struct store_terminal_row t[4];
    struct store *st = open_imported("list_terminals", t);
    assert_int_equal(t[0].region, 0x0171);
    assert_string_equal(t[0].address, "01710001");
    assert_int_equal(t[0].kind, 0);
    assert_string_equal(t[0].channel_group, "G1");
    assert_int_equal(t[0].points, 4);
    assert_int_equal(t[0].active, 1);
    assert_int_equal(t[0].online, -1);
    assert_string_equal(t[1].address, "000000000009");
    assert_int_equal(t[1].kind, 3);
    assert_int_equal(t[1].points, 1);
    int64_t a = t[0].id, b = t[1].id;
    assert_true(a < b);

    /* Offline then, at the same millisecond, online again: a reconnection, online. */
    assert_int_equal(store_terminal_link(st, a, 1, 1000, "login"), 0);
    assert_int_equal(store_terminal_link(st, a, 0, 5000, "heartbeat lost"), 0);
    assert_int_equal(store_terminal_link(st, a, 1, 5000, NULL), 0);
    assert_int_equal(store_terminal_link(st, b, 1, 2000, NULL), 0);
    assert_int_equal(store_terminal_link(st, b, 0, 9000, "logout"), 0);

    struct store_terminal_row one;
    assert_int_equal(store_terminal_get(st, a, &one), 0);
    assert_int_equal(one.online, 1);
    assert_int_equal(one.since_ms, 5000);
    assert_int_equal(store_terminal_get(st, b, &one), 0);
    assert_int_equal(one.online, 0);
    assert_int_equal(one.since_ms, 9000);
    assert_int_equal(store_terminal_get(st, b + 100, &one), MH_ENOENT);

    struct store_terminal_filter f = STORE_TERMINAL_FILTER_ANY;
    f.online = 1;
    assert_int_equal(store_terminals_list(st, &f, 0, t, 4), 1);
    assert_int_equal(t[0].id, a);
    f.online = 0;
    assert_int_equal(store_terminals_list(st, &f, 0, t, 4), 1);
    assert_int_equal(t[0].id, b);
    f = (struct store_terminal_filter)STORE_TERMINAL_FILTER_ANY;
    f.region = 0x0172;
    assert_int_equal(store_terminals_list(st, &f, 0, t, 4), 1);
    assert_int_equal(t[0].id, b);
    f = (struct store_terminal_filter)STORE_TERMINAL_FILTER_ANY;
    f.channel_group = "G1";
    f.kind = 0;
    f.protocol = t[0].protocol; /* b's protocol: dlt645-2007 */
    assert_int_equal(store_terminals_list(st, &f, 0, t, 4), 0);
    f.protocol = -1;
    assert_int_equal(store_terminals_list(st, &f, 0, t, 4), 1);
    assert_int_equal(t[0].id, a);
    f = (struct store_terminal_filter)STORE_TERMINAL_FILTER_ANY;
    f.active = 0;
    assert_int_equal(store_terminals_list(st, &f, 0, t, 4), 0);
    /* Paging: one per page, after the last id. */
    assert_int_equal(store_terminals_list(st, NULL, 0, t, 1), 1);
    assert_int_equal(t[0].id, a);
    assert_int_equal(store_terminals_list(st, NULL, a, t, 1), 1);
    assert_int_equal(t[0].id, b);
    assert_int_equal(store_terminals_list(st, NULL, b, t, 1), 0);

    /* Link history, oldest first, in a window, paged by time. */
    struct store_link_row l[8];
    assert_int_equal(store_terminal_links(st, a, 0, INT64_MAX, 0, l, 8), 3);
    assert_int_equal(l[0].t_ms, 1000);
    assert_int_equal(l[0].online, 1);
    assert_string_equal(l[0].reason, "login");
    assert_int_equal(l[1].t_ms, 5000);
    assert_int_equal(l[1].online, 0);
    assert_string_equal(l[1].reason, "heartbeat lost");
    assert_int_equal(l[2].online, 1);
    assert_string_equal(l[2].reason, "");
    assert_int_equal(store_terminal_links(st, a, 2000, 6000, 0, l, 8), 2);
    assert_int_equal(store_terminal_links(st, a, 0, INT64_MAX, 1000, l, 8), 2);
    assert_int_equal(store_terminal_links(st, b, 0, INT64_MAX, 0, l, 1), 1);
    assert_int_equal(l[0].t_ms, 2000);
    store_close(st);
}

static void test_meters_filters_and_get(void **state)
{
    (void)state;
    struct store_terminal_row t[2];
    struct store *st = open_imported("list_meters", t);
    struct store_meter_row m[8];
    assert_int_equal(store_meters_list(st, NULL, 0, m, 8), 5);
    /* The supply meter of area A1: no customer. */
    assert_int_equal(m[0].address, 100000000000ULL);
    assert_int_equal(m[0].phases, 3);
    assert_int_equal(m[0].ct, 60);
    assert_int_equal(m[0].rated_voltage_v, 220);
    assert_int_equal(m[0].contract_w, 200000);
    assert_string_equal(m[0].customer, "");
    assert_string_equal(m[0].area, "A1");
    assert_int_equal(m[0].area_meter, 1);
    assert_int_equal(m[0].terminal, t[0].id);
    assert_int_equal(m[0].pn, 1);
    assert_int_equal(m[1].address, 100000000001ULL);
    assert_string_equal(m[1].customer, "C1");
    assert_string_equal(m[1].tariff, "TOU4");
    assert_int_equal(m[1].pn, 2);
    assert_int_equal(m[4].address, 200000000001ULL);
    assert_string_equal(m[4].area, "");
    assert_int_equal(m[4].terminal, t[1].id);

    struct store_meter_filter f = STORE_METER_FILTER_ANY;
    f.terminal = t[1].id;
    assert_int_equal(store_meters_list(st, &f, 0, m, 8), 1);
    assert_int_equal(m[0].address, 200000000001ULL);
    f = (struct store_meter_filter)STORE_METER_FILTER_ANY;
    f.area = "A1";
    assert_int_equal(store_meters_list(st, &f, 0, m, 8), 4);
    f.customer = "C2";
    assert_int_equal(store_meters_list(st, &f, 0, m, 8), 1);
    assert_int_equal(m[0].address, 100000000002ULL);
    int64_t c2 = m[0].id;
    f = (struct store_meter_filter)STORE_METER_FILTER_ANY;
    f.address = 100000000003LL;
    assert_int_equal(store_meters_list(st, &f, 0, m, 8), 1);
    assert_string_equal(m[0].customer, "C3");
    f = (struct store_meter_filter)STORE_METER_FILTER_ANY;
    f.active = 0;
    assert_int_equal(store_meters_list(st, &f, 0, m, 8), 0);
    assert_int_equal(store_meters_list(st, NULL, c2, m, 2), 2);
    assert_int_equal(m[0].address, 100000000003ULL);

    struct store_meter_row one;
    assert_int_equal(store_meter_get(st, c2, &one), 0);
    assert_string_equal(one.customer, "C2");
    assert_int_equal(store_meter_get(st, c2 + 1000, &one), MH_ENOENT);

    /* Retired by a re-import without the users: kept, inactive, still found by id. */
    char *csv = store_test_archive_csv(0);
    store_test_import(st, csv, NULL);
    free(csv);
    f.active = 0;
    assert_int_equal(store_meters_list(st, &f, 0, m, 8), 3);
    assert_int_equal(store_meter_get(st, c2, &one), 0);
    assert_int_equal(one.active, 0);
    store_close(st);
}

struct export_seen {
    int n;
    struct store_export_row first, last;
    int stop_at;
};

static int on_export(void *ctx, const struct store_export_row *r)
{
    struct export_seen *e = ctx;
    if (e->n == 0)
        e->first = *r;
    e->last = *r;
    if (++e->n == e->stop_at)
        return MH_ECLOSED;
    return 0;
}

static void test_archive_export_rows_in_archive_order(void **state)
{
    (void)state;
    struct store_terminal_row t[2];
    struct store *st = open_imported("list_export", t);
    struct export_seen e = {0};
    assert_int_equal(store_archive_export(st, on_export, &e), 5);
    assert_int_equal(e.n, 5);
    assert_string_equal(e.first.area, "A1");
    assert_int_equal(e.first.region, 0x0171);
    assert_string_equal(e.first.terminal_address, "01710001");
    assert_int_equal(e.first.pn, 1);
    assert_int_equal(e.first.meter_address, 100000000000ULL);
    assert_int_equal(e.first.customer_class, ARCHIVE_CLASS_AREA);
    assert_string_equal(e.first.customer, "");
    assert_int_equal(e.first.area_meter, 1);
    assert_int_equal(e.last.region, 0x0172);
    assert_string_equal(e.last.terminal_address, "000000000009");
    assert_string_equal(e.last.channel_group, "G2");
    assert_int_equal(e.last.meter_address, 200000000001ULL);
    assert_int_equal(e.last.ct, 100);
    assert_int_equal(e.last.rated_voltage_v, 57);
    assert_int_equal(e.last.contract_w, 500000);
    assert_string_equal(e.last.customer, "F1");
    assert_int_equal(e.last.customer_class, ARCHIVE_CLASS_INDUSTRIAL);
    /* The callback's error stops the walk and is returned. */
    struct export_seen stop = {.stop_at = 2};
    assert_int_equal(store_archive_export(st, on_export, &stop), MH_ECLOSED);
    assert_int_equal(stop.n, 2);
    store_close(st);
}

static void test_events_audit_and_status_lists(void **state)
{
    (void)state;
    struct store_terminal_row t[2];
    struct store *st = open_imported("list_events", t);
    struct store_meter_row m[8];
    assert_int_equal(store_meters_list(st, NULL, 0, m, 8), 5);

    struct store_event e1 = {m[1].id, t[0].id, 0x03100, 1000, 0, "{\"phase\": \"A\"}", 0};
    struct store_event e2 = {0, t[0].id, 14, 2000, 2600, NULL, 0};
    struct store_event e3 = {m[2].id, t[0].id, 0x03100, 3000, 0, NULL, 0};
    assert_int_equal(store_event_insert(st, &e1), 0);
    assert_int_equal(store_event_insert(st, &e2), 0);
    assert_int_equal(store_event_insert(st, &e3), 0);
    struct store_event_row ev[4];
    struct store_event_filter ef = {0, 0, -1, 0, INT64_MAX};
    assert_int_equal(store_events_list(st, &ef, 0, ev, 4), 3);
    assert_int_equal(ev[0].meter, m[1].id);
    assert_int_equal(ev[0].code, 0x03100);
    assert_non_null(ev[0].payload_json);
    assert_non_null(strstr(ev[0].payload_json, "\"A\""));
    assert_int_equal(ev[1].meter, 0);
    assert_int_equal(ev[1].end_s, 2600);
    assert_null(ev[1].payload_json);
    int64_t first = ev[0].id;
    store_event_rows_free(ev, 3);
    ef.code = 0x03100;
    assert_int_equal(store_events_list(st, &ef, 0, ev, 4), 2);
    store_event_rows_free(ev, 2);
    ef.meter = m[2].id;
    assert_int_equal(store_events_list(st, &ef, 0, ev, 4), 1);
    assert_int_equal(ev[0].start_s, 3000);
    store_event_rows_free(ev, 1);
    ef = (struct store_event_filter){0, 0, -1, 1500, 3000};
    assert_int_equal(store_events_list(st, &ef, 0, ev, 4), 1);
    assert_int_equal(ev[0].code, 14);
    store_event_rows_free(ev, 1);
    ef = (struct store_event_filter){0, 0, -1, 0, INT64_MAX};
    assert_int_equal(store_events_list(st, &ef, first, ev, 1), 1);
    assert_int_equal(ev[0].code, 14);
    store_event_rows_free(ev, 1);

    assert_int_equal(store_audit(st, "api:ops", 1000, "POST /archive: 200 OK", 0), 0);
    assert_int_equal(store_audit(st, "cli", 2000, "archive import", MH_EINVAL), 0);
    assert_int_equal(store_audit(st, "api:ops", 3000, "GET", 0), 0);
    struct store_audit_row au[4];
    assert_int_equal(store_audit_list(st, NULL, 0, INT64_MAX, 0, au, 4), 3);
    assert_string_equal(au[1].who, "cli");
    assert_int_equal(au[1].t_ms, 2000);
    assert_string_equal(au[1].what, "archive import");
    assert_int_equal(au[1].result, MH_EINVAL);
    assert_int_equal(store_audit_list(st, "api:ops", 0, INT64_MAX, 0, au, 4), 2);
    assert_int_equal(store_audit_list(st, "api:ops", 0, 3000, 0, au, 4), 1);
    assert_int_equal(store_audit_list(st, NULL, 1500, INT64_MAX, 0, au, 1), 1);
    assert_string_equal(au[0].who, "cli");
    assert_int_equal(store_audit_list(st, NULL, 0, INT64_MAX, au[0].id, au, 4), 1);
    assert_int_equal(au[0].t_ms, 3000);

    int64_t day = 20416;
    struct store_status s[] = {
        {m[0].id, STORE_CLASS_DAY_FREEZE, day, STORE_REASON_NONE, 1, 111},
        {m[1].id, STORE_CLASS_DAY_FREEZE, day, STORE_REASON_METER_NO_ANSWER, 3, 222},
        {m[2].id, STORE_CLASS_DAY_FREEZE, day, STORE_REASON_TERMINAL_OFFLINE, 2, 333},
        {m[3].id, STORE_CLASS_CURVE, day, STORE_REASON_NO_DATA, 1, 444},
        {m[1].id, STORE_CLASS_DAY_FREEZE, day + 1, STORE_REASON_NONE, 1, 555},
    };
    assert_int_equal(store_status_upsert(st, s, 5), 0);
    struct store_status o[8];
    assert_int_equal(store_status_list(st, day, STORE_CLASS_DAY_FREEZE, -1, 0, 0, o, 8), 3);
    assert_int_equal(o[1].meter, m[1].id);
    assert_int_equal(o[1].reason, STORE_REASON_METER_NO_ANSWER);
    assert_int_equal(o[1].attempts, 3);
    assert_int_equal(o[1].updated_ms, 222);
    assert_int_equal(o[1].day, day);
    assert_int_equal(o[1].item_class, STORE_CLASS_DAY_FREEZE);
    assert_int_equal(store_status_list(st, day, STORE_CLASS_DAY_FREEZE, -1, 1, 0, o, 8), 2);
    assert_int_equal(o[0].meter, m[1].id);
    assert_int_equal(store_status_list(st, day, STORE_CLASS_DAY_FREEZE,
                                       STORE_REASON_TERMINAL_OFFLINE, 0, 0, o, 8),
                     1);
    assert_int_equal(o[0].meter, m[2].id);
    assert_int_equal(store_status_list(st, day, STORE_CLASS_DAY_FREEZE, -1, 0, m[0].id, o, 1), 1);
    assert_int_equal(o[0].meter, m[1].id);
    assert_int_equal(store_status_list(st, day, STORE_CLASS_CURVE, -1, 0, 0, o, 8), 1);
    store_close(st);
}

static void test_customers_filters_and_get(void **state)
{
    (void)state;
    struct store_terminal_row t[2];
    struct store *st = open_imported("list_customers", t);
    struct store_customer_row c[8];
    /* C1..C3 (residential, area A1) and F1 (industrial, no area); the supply meter has none. */
    assert_int_equal(store_customers_list(st, NULL, 0, c, 8), 4);
    assert_string_equal(c[0].code, "C1");
    assert_int_equal(c[0].class_, ARCHIVE_CLASS_RESIDENTIAL);
    assert_int_equal(c[0].meters, 1);
    assert_string_equal(c[3].code, "F1");
    assert_int_equal(c[3].class_, ARCHIVE_CLASS_INDUSTRIAL);

    struct store_customer_filter f = STORE_CUSTOMER_FILTER_ANY;
    f.class_ = ARCHIVE_CLASS_INDUSTRIAL;
    assert_int_equal(store_customers_list(st, &f, 0, c, 8), 1);
    assert_string_equal(c[0].code, "F1");
    f = (struct store_customer_filter)STORE_CUSTOMER_FILTER_ANY;
    f.area = "A1";
    assert_int_equal(store_customers_list(st, &f, 0, c, 8), 3);
    f.area = "A9";
    assert_int_equal(store_customers_list(st, &f, 0, c, 8), 0);
    f = (struct store_customer_filter)STORE_CUSTOMER_FILTER_ANY;
    f.code = "C2";
    assert_int_equal(store_customers_list(st, &f, 0, c, 8), 1);
    int64_t c2 = c[0].id;
    /* Paging: two after C2's id, then the rest. */
    assert_int_equal(store_customers_list(st, NULL, c2, c, 1), 1);
    assert_string_equal(c[0].code, "C3");

    struct store_customer_row one;
    assert_int_equal(store_customer_get(st, "F1", &one), 0);
    assert_int_equal(one.meters, 1);
    assert_int_equal(store_customer_get(st, "nobody", &one), MH_ENOENT);

    /* A customer whose meters were retired keeps its row with no active meter. */
    char *csv = store_test_archive_csv(1);
    store_test_import(st, csv, NULL);
    free(csv);
    assert_int_equal(store_customer_get(st, "C3", &one), 0);
    assert_int_equal(one.meters, 0);
    store_close(st);
}

static void test_points_filters_paging_and_get(void **state)
{
    (void)state;
    struct store_terminal_row t[2];
    struct store *st = open_imported("list_points", t);
    struct store_point_row p[8];
    assert_int_equal(store_points_list(st, NULL, 0, p, 8), 5);
    assert_int_equal(p[0].terminal, t[0].id);
    assert_int_equal(p[0].pn, 1);
    assert_int_equal(p[0].id, STORE_POINT_ID(t[0].id, 1));
    assert_int_equal(p[0].region, 0x0171);
    assert_string_equal(p[0].terminal_address, "01710001");
    assert_int_equal(p[0].terminal_protocol, ARCHIVE_PROTO_GDW1376);
    assert_int_equal(p[0].meter_address, 100000000000ULL);
    assert_int_equal(p[0].protocol, ARCHIVE_PROTO_DLT645_2007);
    assert_string_equal(p[0].area, "A1");
    assert_string_equal(p[0].customer, "");
    assert_int_equal(p[0].active, 1);
    assert_string_equal(p[1].customer, "C1");
    assert_int_equal(p[4].terminal, t[1].id);
    assert_string_equal(p[4].area, "");

    /* Paging on (terminal, pn): after pn 2 of the concentrator come pn 3 and 4. */
    assert_int_equal(store_points_list(st, NULL, p[1].id, p, 2), 2);
    assert_int_equal(p[0].pn, 3);
    assert_int_equal(p[1].pn, 4);
    assert_int_equal(store_points_list(st, NULL, p[1].id, p, 8), 1);
    assert_int_equal(p[0].terminal, t[1].id);

    struct store_point_filter f = STORE_POINT_FILTER_ANY;
    f.terminal = t[1].id;
    assert_int_equal(store_points_list(st, &f, 0, p, 8), 1);
    int64_t dtu_meter = p[0].meter;
    f = (struct store_point_filter)STORE_POINT_FILTER_ANY;
    f.meter = dtu_meter;
    assert_int_equal(store_points_list(st, &f, 0, p, 8), 1);
    assert_int_equal(p[0].pn, 1);
    f = (struct store_point_filter)STORE_POINT_FILTER_ANY;
    f.area = "A1";
    assert_int_equal(store_points_list(st, &f, 0, p, 8), 4);
    f.protocol = ARCHIVE_PROTO_DLT698;
    assert_int_equal(store_points_list(st, &f, 0, p, 8), 0);

    struct store_point_row one;
    assert_int_equal(store_point_get(st, STORE_POINT_ID(t[0].id, 3), &one), 0);
    assert_int_equal(one.meter_address, 100000000002ULL);
    assert_string_equal(one.customer, "C2");
    assert_int_equal(store_point_get(st, STORE_POINT_ID(t[0].id, 9), &one), MH_ENOENT);
    assert_int_equal(store_point_get(st, 0, &one), MH_ENOENT);
    store_close(st);
}

/* A meter row as archive_row_check gives it: user meter `address` of customer, area "A1". */
static struct archive_row user_meter(uint64_t address, const char *customer, uint16_t pn)
{
    struct archive_row r = {.meter_address = address, .meter_protocol = ARCHIVE_PROTO_DLT645_2007,
                            .phases = 1, .ct = 1, .pt = 1, .rated_voltage_v = 220,
                            .contract_w = 8000, .pn = pn};
    snprintf(r.tariff, sizeof r.tariff, "TOU4");
    snprintf(r.customer, sizeof r.customer, "%s", customer);
    snprintf(r.area, sizeof r.area, "A1");
    return r;
}

static void test_single_row_edits_are_whole_and_keep_keys_unique(void **state)
{
    (void)state;
    struct store_terminal_row t[2];
    struct store *st = open_imported("edits", t);
    char err[256];
    int64_t id = 0;

    /* Areas and customers: new, taken, changed, missing. */
    assert_int_equal(store_area_insert(st, "A2", 0x0171, &id, err, sizeof err), 0);
    assert_int_equal(store_area_insert(st, "A2", 0x0171, NULL, err, sizeof err), MH_EEXIST);
    assert_string_equal(err, "area 'A2' exists already");
    assert_int_equal(store_area_update(st, id, "A2b", 0x0172, err, sizeof err), 0);
    struct store_area_row a;
    assert_int_equal(store_area_get(st, id, &a), 0);
    assert_string_equal(a.code, "A2b");
    assert_int_equal(a.region, 0x0172);
    assert_int_equal(store_area_update(st, id, "A1", 0x0172, err, sizeof err), MH_EEXIST);
    assert_int_equal(store_area_update(st, id + 100, "A9", 0x0172, err, sizeof err), MH_ENOENT);
    assert_int_equal(store_customer_insert(st, "C9", ARCHIVE_CLASS_COMMERCIAL, "王 Bakery", &id, err, sizeof err), 0);
    assert_int_equal(store_customer_insert(st, "C9", 0, "", NULL, err, sizeof err), MH_EEXIST);
    struct store_customer_row c;
    struct store_customer_filter cf = STORE_CUSTOMER_FILTER_ANY;
    cf.name = "Bake";
    assert_int_equal(store_customers_list(st, &cf, 0, &c, 1), 1);
    assert_string_equal(c.name, "王 Bakery");
    cf.name = "bake"; /* a part as given: bytes, not case-folded */
    assert_int_equal(store_customers_list(st, &cf, 0, &c, 1), 0);
    assert_int_equal(store_customer_update(st, "C9", "C10", ARCHIVE_CLASS_PV, "王 Bakery Ltd", err,
                                           sizeof err),
                     0);
    assert_int_equal(store_customer_get(st, "C10", &c), 0);
    assert_int_equal(c.class_, ARCHIVE_CLASS_PV);
    assert_string_equal(c.name, "王 Bakery Ltd");
    assert_int_equal(store_customer_update(st, "C9", "C9", 0, "", err, sizeof err), MH_ENOENT);
    assert_string_equal(err, "no customer with code 'C9'");

    /* A terminal: new, its address taken, changed. */
    struct store_terminal nt = {.region = 0x0171, .kind = ARCHIVE_KIND_CONCENTRATOR,
                                .protocol = ARCHIVE_PROTO_GDW1376};
    snprintf(nt.address, sizeof nt.address, "01710002");
    snprintf(nt.channel_group, sizeof nt.channel_group, "G1");
    int64_t t3 = 0;
    assert_int_equal(store_terminal_insert(st, &nt, &t3, err, sizeof err), 0);
    assert_int_equal(store_terminal_insert(st, &nt, NULL, err, sizeof err), MH_EEXIST);
    assert_string_equal(err, "terminal 0171/01710002 exists already");
    struct store_terminal found;
    assert_int_equal(store_terminal_lookup(st, 0x0171, "01710002", &found), 0);
    assert_int_equal(found.id, t3);

    /* A meter at the new terminal; its address, its point and an unknown customer are refused. */
    struct archive_row r = user_meter(100000000050ULL, "C10", 1);
    int64_t m = 0;
    assert_int_equal(store_meter_insert(st, &r, t3, &m, err, sizeof err), 0);
    struct store_point pts[4];
    assert_int_equal(store_terminal_points(st, t3, pts, 4), 1);
    assert_int_equal(pts[0].meter, m);
    assert_int_equal(store_meter_insert(st, &r, t3, NULL, err, sizeof err), MH_EEXIST);
    assert_string_equal(err, "meter 100000000050 exists already");
    r = user_meter(100000000051ULL, "C10", 1);
    assert_int_equal(store_meter_insert(st, &r, t3, NULL, err, sizeof err), MH_EEXIST);
    assert_non_null(strstr(err, "has pn 1 already"));
    r = user_meter(100000000051ULL, "NOBODY", 2);
    assert_int_equal(store_meter_insert(st, &r, t3, NULL, err, sizeof err), MH_ENOENT);
    assert_string_equal(err, "customer 'NOBODY' does not exist");
    /* Nothing of a refused edit is left behind. */
    struct store_meter_filter f = STORE_METER_FILTER_ANY;
    f.address = 100000000051LL;
    struct store_meter_row mr[2];
    assert_int_equal(store_meters_list(st, &f, 0, mr, 2), 0);
    /* A second supply meter for A1 is refused, like a second one in a file. */
    r = user_meter(100000000051ULL, "", 2);
    r.area_meter = 1;
    assert_int_equal(store_meter_insert(st, &r, t3, NULL, err, sizeof err), MH_EEXIST);
    assert_non_null(strstr(err, "area 'A1' has a supply meter already"));

    /* Retiring the terminal while it reads a meter is refused. */
    nt.id = t3;
    assert_int_equal(store_terminal_update(st, &nt, 0, err, sizeof err), MH_EPERM);

    /* Move the meter to the old concentrator's free pn 9 and change its customer's meter data. */
    r = user_meter(100000000050ULL, "C1", 9);
    r.ct = 5;
    assert_int_equal(store_meter_update(st, m, &r, t[0].id, 1, err, sizeof err), 0);
    assert_int_equal(store_terminal_points(st, t3, pts, 4), 0);
    assert_int_equal(store_meter_get(st, m, mr), 0);
    assert_int_equal(mr[0].terminal, t[0].id);
    assert_int_equal(mr[0].pn, 9);
    assert_int_equal(mr[0].ct, 5);
    assert_string_equal(mr[0].customer, "C1");
    /* A move onto a taken point is refused whole: the meter keeps its values and its point. */
    r.pn = 2;
    r.ct = 7;
    assert_int_equal(store_meter_update(st, m, &r, t[0].id, 1, err, sizeof err), MH_EEXIST);
    assert_int_equal(store_meter_get(st, m, mr), 0);
    assert_int_equal(mr[0].ct, 5);
    assert_int_equal(mr[0].pn, 9);
    /* Retired: no point, inactive, found by id. The terminal can go now. */
    assert_int_equal(store_meter_update(st, m, &r, 0, 0, err, sizeof err), 0);
    assert_int_equal(store_meter_get(st, m, mr), 0);
    assert_int_equal(mr[0].active, 0);
    assert_int_equal(mr[0].pn, -1);
    assert_int_equal(store_terminal_update(st, &nt, 0, err, sizeof err), 0);
    assert_int_equal(store_terminal_lookup(st, 0x0171, "01710002", &found), MH_ENOENT);
    assert_int_equal(store_meter_update(st, m + 100, &r, 0, 0, err, sizeof err), MH_ENOENT);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_add_check_list_revoke),
        cmocka_unit_test(test_terminals_with_link_state_filters_and_paging),
        cmocka_unit_test(test_meters_filters_and_get),
        cmocka_unit_test(test_archive_export_rows_in_archive_order),
        cmocka_unit_test(test_events_audit_and_status_lists),
        cmocka_unit_test(test_customers_filters_and_get),
        cmocka_unit_test(test_points_filters_paging_and_get),
        cmocka_unit_test(test_single_row_edits_are_whole_and_keep_keys_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
