/*
 * DL/T 698.45 event reports: a REPORT-Notification's records come out with
 * their object, record number, start and end, and the meter a 202A or 2024
 * TSA names, from a RecordList (columns found by OAD in any order) and a
 * List (record units in the standard's order); a report with anything but
 * event records, or a record cut or without a start, hands nothing over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collect_int.h"
#include "meterhub/base/err.h"

struct seen {
    struct ctask_698_event e[8];
    int n;
};

static int on_event(void *ctx, const struct ctask_698_event *e)
{
    struct seen *s = ctx;
    if (s->n < 8)
        s->e[s->n] = *e;
    s->n++;
    return 0;
}

/*
 * ReportNotificationRecordList, PIID-ACD 05, two objects: 3003 0200
 * (phase failure) with columns 202A, 2022, 201E, 2020 and one row of meter
 * 100000000390, record 7, from 2026-11-23 08:15:30, ended 09:00:00; then
 * 301B 0200 (cover open), columns 201E, 2022 (no meter) and one row.
 */
static const uint8_t record_list[] = {
    0x88, 0x02, 0x05, 0x02,
    0x30, 0x03, 0x02, 0x00, 0x04, 0x00, 0x20, 0x2A, 0x02, 0x00, 0x00, 0x20, 0x22, 0x02, 0x00,
    0x00, 0x20, 0x1E, 0x02, 0x00, 0x00, 0x20, 0x20, 0x02, 0x00, 0x01, 0x01,
    0x55, 0x07, 0x05, 0x10, 0x00, 0x00, 0x00, 0x03, 0x90,       /* TSA */
    0x06, 0x00, 0x00, 0x00, 0x07,                               /* record 7 */
    0x1C, 0x07, 0xEA, 0x0B, 0x17, 0x08, 0x0F, 0x1E,             /* 2026-11-23 08:15:30 */
    0x1C, 0x07, 0xEA, 0x0B, 0x17, 0x09, 0x00, 0x00,             /* 09:00:00 */
    0x30, 0x1B, 0x02, 0x00, 0x02, 0x00, 0x20, 0x1E, 0x02, 0x00, 0x00, 0x20, 0x22, 0x02, 0x00,
    0x01, 0x01,
    0x1C, 0x07, 0xEA, 0x0B, 0x18, 0x00, 0x01, 0x02,             /* 2026-11-24 00:01:02 */
    0x06, 0x00, 0x00, 0x01, 0x00,                               /* record 256 */
    0x00, 0x00,                                                 /* no FollowReport, no TimeTag */
};

static void test_record_list(void **state)
{
    (void)state;
    struct seen s = {0};
    assert_int_equal(ctask_dlt698_report_parse(record_list, sizeof record_list, on_event, &s), 2);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.e[0].oi, 0x3003);
    assert_int_equal(s.e[0].seqno, 7);
    assert_int_equal(s.e[0].has_meter, 1);
    assert_true(s.e[0].meter == 100000000390ull);
    assert_int_equal(s.e[0].start.year, 2026);
    assert_int_equal(s.e[0].start.mon, 11);
    assert_int_equal(s.e[0].start.day, 23);
    assert_int_equal(s.e[0].start.hour, 8);
    assert_int_equal(s.e[0].start.min, 15);
    assert_int_equal(s.e[0].start.sec, 30);
    assert_int_equal(s.e[0].end.hour, 9);
    assert_true(s.e[0].end.has != 0);
    assert_int_equal(s.e[1].oi, 0x301B);
    assert_int_equal(s.e[1].seqno, 256);
    assert_int_equal(s.e[1].has_meter, 0);
    assert_int_equal(s.e[1].end.has, 0);
    assert_int_equal(s.e[1].start.day, 24);
    assert_int_equal(s.e[1].start.sec, 2);
}

/* Every prefix of the report is an error and hands nothing over. */
static void test_cut_hands_nothing(void **state)
{
    (void)state;
    for (size_t n = 0; n < sizeof record_list - 2; n++) {
        struct seen s = {0};
        assert_true(ctask_dlt698_report_parse(record_list, n, on_event, &s) < 0);
        assert_int_equal(s.n, 0);
    }
}

/*
 * ReportNotificationList: 3105 0200 (meter clock fault) as an array of one
 * record unit {record 1, start, end null, source TSA, report status array}.
 */
static const uint8_t normal_list[] = {
    0x88, 0x01, 0x06, 0x01, 0x31, 0x05, 0x02, 0x00, 0x01,
    0x01, 0x01, 0x02, 0x05,
    0x06, 0x00, 0x00, 0x00, 0x01,
    0x1C, 0x07, 0xEA, 0x0B, 0x17, 0x0C, 0x00, 0x00,
    0x00,
    0x55, 0x07, 0x05, 0x10, 0x00, 0x00, 0x00, 0x00, 0x12,
    0x01, 0x01, 0x02, 0x02, 0x51, 0x45, 0x00, 0x00, 0x00, 0x11, 0x00,
    0x00, 0x00,
};

static void test_normal_list(void **state)
{
    (void)state;
    struct seen s = {0};
    assert_int_equal(ctask_dlt698_report_parse(normal_list, sizeof normal_list, on_event, &s), 1);
    assert_int_equal(s.e[0].oi, 0x3105);
    assert_int_equal(s.e[0].seqno, 1);
    assert_int_equal(s.e[0].start.hour, 12);
    assert_int_equal(s.e[0].end.has, 0);
    assert_int_equal(s.e[0].has_meter, 1);
    assert_true(s.e[0].meter == 100000000012ull);
}

static void test_refusals(void **state)
{
    (void)state;
    struct seen s = {0};
    /* An energy register is no event: not confirmed, nothing handed over. */
    uint8_t energy[] = {0x88, 0x01, 0x07, 0x01, 0x00, 0x10, 0x02, 0x00, 0x01,
                        0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00};
    assert_int_equal(ctask_dlt698_report_parse(energy, sizeof energy, on_event, &s), MH_ENOTSUP);
    /* A record whose start is null. */
    uint8_t nostart[sizeof normal_list];
    memcpy(nostart, normal_list, sizeof nostart);
    memset(nostart + 18, 0, 1); /* the start's tag: null, its bytes then trail */
    assert_true(ctask_dlt698_report_parse(nostart, sizeof nostart, on_event, &s) < 0);
    /* A GET-Response is not a report. */
    uint8_t get[] = {0x85, 0x01, 0x00, 0x00, 0x10, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(ctask_dlt698_report_parse(get, sizeof get, on_event, &s), MH_EPROTO);
    assert_int_equal(s.n, 0);
}

static void test_event_codes(void **state)
{
    (void)state;
    assert_int_equal(ctask_dlt698_event_code(0x3000), 10);
    assert_int_equal(ctask_dlt698_event_code(0x3003), 10);
    assert_int_equal(ctask_dlt698_event_code(0x301B), 37);
    assert_int_equal(ctask_dlt698_event_code(0x310E), 30);
    assert_int_equal(ctask_dlt698_event_code(0x3105), 12);
    assert_int_equal(ctask_dlt698_event_code(0x3007), 9);
    assert_int_equal(ctask_dlt698_event_code(0x3013), 0x3013); /* no ERC: the OI */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_list),   cmocka_unit_test(test_cut_hands_nothing),
        cmocka_unit_test(test_normal_list),   cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_event_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
