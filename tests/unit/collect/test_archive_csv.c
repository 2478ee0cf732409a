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
#include "scenario.h"

#define HEADER                                                                                     \
    "area,region,terminal_address,terminal_kind,terminal_protocol,channel_group,pn,meter_address," \
    "meter_protocol,phases,ct,pt,rated_voltage_v,contract_kw,tariff,pv,pv_peak_kw,customer,"       \
    "customer_class,area_meter\n"
#define AREA_ROW "A1,0171,01710001,concentrator,gdw1376,G1,1,100000000000,dlt645-2007,3,60,1,220/380,8.000,,0,0.000,,area,1\n"
#define USER_ROW(pn, addr) "A1,0171,01710001,concentrator,gdw1376,G1," pn "," addr ",dlt645-2007,1,1,1,220,8,TOU4,0,0,C1,residential,0\n"

static char err[512];

static void expect_error(const char *csv, const char *words)
{
    struct archive *a = NULL;
    assert_int_equal(archive_csv_parse(csv, strlen(csv), &a, err, sizeof err), MH_EINVAL);
    assert_null(a);
    if (!strstr(err, words))
        fail_msg("error '%s' does not mention '%s'", err, words);
}

static void test_reads_a_small_archive(void **state)
{
    (void)state;
    const char *csv = "\xEF\xBB\xBF" HEADER AREA_ROW USER_ROW("2", "100000000001") "\r\n"
                      "\n" USER_ROW("3", "100000000002");
    struct archive *a = NULL;
    assert_int_equal(archive_csv_parse(csv, strlen(csv), &a, err, sizeof err), 0);
    assert_int_equal(a->n_rows, 3);
    const struct archive_row *r = &a->rows[0];
    assert_int_equal(r->line, 2);
    assert_string_equal(r->area, "A1");
    assert_int_equal(r->region, 0x0171);
    assert_string_equal(r->terminal_address, "01710001");
    assert_int_equal(r->terminal_kind, ARCHIVE_KIND_CONCENTRATOR);
    assert_int_equal(r->ct, 60);
    assert_int_equal(r->rated_voltage_v, 220);
    assert_int_equal(r->contract_w, 8000);
    assert_int_equal(r->area_meter, 1);
    assert_int_equal(r->customer_class, ARCHIVE_CLASS_AREA);
    assert_int_equal(a->rows[2].line, 6); /* after a CRLF-only line and a blank one */
    assert_true(a->rows[2].meter_address == 100000000002ull);
    archive_free(a);
}

static void test_every_bad_row_names_its_line_and_column(void **state)
{
    (void)state;
    expect_error("", "no header");
    expect_error("area,region\n", "column 3 should be 'terminal_address'");
    expect_error(HEADER "A1,0171\n", "line 2: 2 columns");
    expect_error(HEADER AREA_ROW "A1,01X1,01710001,concentrator,gdw1376,G1,2,100000000001,dlt645-2007,1,1,1,220,8,TOU4,0,0,C1,residential,0\n",
                 "line 3: column 'region'");
    expect_error(HEADER "A1,0171,01710000,concentrator,gdw1376,G1,1,100000000000,dlt645-2007,3,60,1,220/380,8,,0,0,,area,1\n",
                 "column 'terminal_address'");
    expect_error(HEADER "A1,0171,01710001,router,gdw1376,G1,1,100000000000,dlt645-2007,3,60,1,220,8,,0,0,,area,1\n",
                 "column 'terminal_kind'");
    expect_error(HEADER "A1,0171,01710001,concentrator,dlt645-2007,G1,1,100000000000,dlt645-2007,3,60,1,220,8,,0,0,,area,1\n",
                 "does not fit");
    expect_error(HEADER AREA_ROW USER_ROW("2041", "100000000001"), "column 'pn'");
    expect_error(HEADER AREA_ROW USER_ROW("2", "10000000000A"), "column 'meter_address'");
    expect_error(HEADER AREA_ROW "A1,0171,01710001,concentrator,gdw1376,G1,2,100000000001,dlt645-2007,2,1,1,220,8,TOU4,0,0,C1,residential,0\n",
                 "column 'phases'");
    expect_error(HEADER AREA_ROW "A1,0171,01710001,concentrator,gdw1376,G1,2,100000000001,dlt645-2007,1,0,1,220,8,TOU4,0,0,C1,residential,0\n",
                 "column 'ct'");
    expect_error(HEADER AREA_ROW "A1,0171,01710001,concentrator,gdw1376,G1,2,100000000001,dlt645-2007,1,1,1,220,8.1234,TOU4,0,0,C1,residential,0\n",
                 "column 'contract_kw'");
    expect_error(HEADER AREA_ROW "A1,0171,01710001,concentrator,gdw1376,G1,2,100000000001,dlt645-2007,1,1,1,220,8,TOU4,0,0,,residential,0\n",
                 "needs a customer");
    expect_error(HEADER AREA_ROW "A1,0171,\"0171,0001\",concentrator,gdw1376,G1,2,100000000001,dlt645-2007,1,1,1,220,8,TOU4,0,0,C1,residential,0\n",
                 "terminal_address");
    expect_error(HEADER AREA_ROW "A1,0171,01710001,concentrator,gdw1376,G1,2,100000000001,dlt645-2007,1,1,1,220,8,TOU4,0,0,C1,residential,0,extra\n",
                 "line 3: 21 columns, expected 20");
}

static void test_whole_file_rules(void **state)
{
    (void)state;
    expect_error(HEADER, "no rows");
    expect_error(HEADER AREA_ROW USER_ROW("2", "100000000001") USER_ROW("3", "100000000001"),
                 "line 4: column 'meter_address': 100000000001 appears again (also on line 3)");
    expect_error(HEADER AREA_ROW USER_ROW("2", "100000000001") USER_ROW("2", "100000000002"),
                 "line 4: column 'pn': terminal 01710001 has pn 2 already (line 3)");
    expect_error(HEADER AREA_ROW "A1,0171,01710001,concentrator,gdw1376,G1,2,100000000007,dlt645-2007,3,60,1,220/380,8.000,,0,0.000,,area,1\n",
                 "has a supply meter already (line 2)");
    expect_error(HEADER AREA_ROW "A1,0171,01710001,special_transformer,gdw1376,G1,2,100000000001,dlt645-2007,1,1,1,220,8,TOU4,0,0,C1,residential,0\n",
                 "is concentrator/gdw1376 on line 2");
}

static void test_reads_what_the_simulator_writes(void **state)
{
    (void)state;
    struct scenario *s = NULL;
    assert_int_equal(scenario_load(MH_SOURCE_DIR "/examples/scenarios/demo.json", &s, err, sizeof err), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    assert_int_equal(scenario_write_archive_csv(s, mem), 0);
    fclose(mem);
    struct archive *a = NULL;
    if (archive_csv_parse(text, len, &a, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(a->n_rows, s->n_meters);
    for (size_t i = 0; i < s->n_meters; i++) {
        assert_true(a->rows[i].meter_address == s->meters[i].address);
        assert_int_equal(a->rows[i].pn, s->meters[i].pn);
        assert_int_equal(a->rows[i].ct, s->meters[i].ct);
        assert_int_equal(a->rows[i].phases, s->meters[i].model.phases);
    }
    archive_free(a);
    free(text);
    scenario_free(s);
}

/* One row checked on its own, by part, with the caller's field names in the message. */
static void test_a_single_row_is_checked_by_the_same_rules(void **state)
{
    (void)state;
    const char *text[ARCHIVE_COLUMNS] = {"A1",  "0171", "01710002",    "concentrator", "gdw1376",
                                         "G1",  "7",    "100000000009", "dlt645-2007", "1",
                                         "1",   "1",    "220",          "8.5",         "TOU4",
                                         "0",   "0",    "C9",           "residential", "0"};
    struct archive_row r;
    char why[256] = "";
    assert_int_equal(archive_row_check(text, NULL, ARCHIVE_PART_ALL, &r, why, sizeof why), 0);
    assert_int_equal(r.region, 0x0171);
    assert_int_equal(r.pn, 7);
    assert_int_equal(r.contract_w, 8500);
    assert_string_equal(r.customer, "C9");

    text[ARCHIVE_COL_PN] = "2041";
    assert_int_equal(archive_row_check(text, NULL, ARCHIVE_PART_ALL, &r, why, sizeof why), MH_EINVAL);
    assert_string_equal(why, "field 'pn': must be 1..2040, got '2041'");
    const char *names[ARCHIVE_COLUMNS] = {[ARCHIVE_COL_PN] = "pn", [ARCHIVE_COL_TERMINAL_KIND] = "kind"};
    /* Only the terminal's columns: the bad pn is not looked at, a bad kind is, by its name. */
    assert_int_equal(archive_row_check(text, names, ARCHIVE_PART_AREA_REGION | ARCHIVE_PART_TERMINAL, &r, why,
                                       sizeof why),
                     0);
    text[ARCHIVE_COL_TERMINAL_KIND] = "hub";
    assert_int_equal(archive_row_check(text, names, ARCHIVE_PART_AREA_REGION | ARCHIVE_PART_TERMINAL, &r, why,
                                       sizeof why),
                     MH_EINVAL);
    assert_non_null(strstr(why, "field 'kind': 'hub' is not concentrator"));
    /* A customer alone; a user meter without one is refused as in the file. */
    text[ARCHIVE_COL_CUSTOMER_CLASS] = "royal";
    assert_int_equal(archive_row_check(text, NULL, ARCHIVE_PART_CUSTOMER, &r, why, sizeof why), MH_EINVAL);
    assert_non_null(strstr(why, "field 'customer_class'"));
    text[ARCHIVE_COL_CUSTOMER_CLASS] = "residential";
    text[ARCHIVE_COL_TERMINAL_KIND] = "concentrator";
    text[ARCHIVE_COL_PN] = "7";
    text[ARCHIVE_COL_CUSTOMER] = NULL;
    assert_int_equal(archive_row_check(text, NULL, ARCHIVE_PART_ALL, &r, why, sizeof why), MH_EINVAL);
    assert_string_equal(why, "field 'customer': a user meter needs a customer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_a_small_archive),
        cmocka_unit_test(test_every_bad_row_names_its_line_and_column),
        cmocka_unit_test(test_whole_file_rules),
        cmocka_unit_test(test_reads_what_the_simulator_writes),
        cmocka_unit_test(test_a_single_row_is_checked_by_the_same_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
