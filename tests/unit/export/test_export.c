/*
 * Day exports over a fixture store (the store suite's archive, readings,
 * events and collection status of 2026-11-23, local time UTC+8): every
 * kind in CSV and JSON byte-compared with tests/unit/export/expected/,
 * written atomically (no temporary file left, a second run replaces the
 * first), an empty day is a header, and an unwritable directory fails
 * without a file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/export.h"
#include "meterhub/proto/item.h"
#include "meterhub/store.h"
#include "store_test.h"

#define DAY 20780                /* 2026-11-23 */
#define FREEZE 1795449600        /* 2026-11-24 00:00 +08:00, the day's freeze */
#define LOCAL0 (FREEZE - 86400)  /* 2026-11-23 00:00 +08:00 */

static int64_t meter_id(struct store *st, uint64_t address)
{
    struct store_meter_filter f = STORE_METER_FILTER_ANY;
    f.address = (int64_t)address;
    struct store_meter_row m;
    assert_int_equal(store_meters_list(st, &f, 0, &m, 1), 1);
    return m.id;
}

/* The fixture: three users behind a concentrator, a DTU's industrial meter. */
static struct store *fixture(const char *name)
{
    struct store *st = store_test_open(store_test_uri(name), NULL);
    char *csv = store_test_archive_csv(3);
    store_test_import(st, csv, NULL);
    free(csv);
    int64_t m1 = meter_id(st, 100000000001ull), m2 = meter_id(st, 100000000002ull),
            m9 = meter_id(st, 200000000001ull);
    struct store_reading r[12];
    size_t n = 0;
    for (unsigned t = 0; t <= 4; t++) /* total and four tariffs, 1234.56 .. */
        r[n++] = store_test_reading(m1, MH_OBIS_TARIFF(MH_ITEM_AE_IMP, t), FREEZE,
                                    123456 - (int64_t)t * 1000);
    r[n++] = store_test_reading(m1, MH_ITEM_AE_EXP, FREEZE, 0);
    r[n] = store_test_reading(m2, MH_ITEM_AE_IMP, FREEZE, 98765);
    r[n++].quality = STORE_Q_SUSPECT;
    r[n] = store_test_reading(m9, MH_ITEM_AE_IMP, FREEZE, 0);
    r[n++].value = mh_dec_make(100000001, -3); /* keeps its three decimals */
    r[n++] = store_test_reading(m1, MH_ITEM_AE_IMP, FREEZE - 86400, 120000); /* the day before */
    r[n++] = store_test_reading(m1, MH_ITEM_AE_IMP, FREEZE + 900, 123500);   /* not a freeze */
    assert_int_equal(store_readings_append(st, r, n, 1000, NULL, NULL), 0);
    assert_int_equal(store_readings_sync(st, 10000), 0);
    /* Ids come from the backend's sequences: look them up, never assume them. */
    struct store_terminal c1, dtu;
    assert_int_equal(store_terminal_lookup(st, 0x0171, "01710001", &c1), 0);
    assert_int_equal(store_terminal_lookup(st, 0x0172, "000000000009", &dtu), 0);
    struct store_event ev[] = {
        {.terminal = c1.id, .code = 14, .start_s = LOCAL0 + 3600,
         .payload_json = "{\"erc\":14,\"pn\":0,\"name\":\"power on/off\"}"},
        {.meter = m2, .terminal = c1.id, .code = 0x03110000, .start_s = LOCAL0 + 7200,
         .end_s = LOCAL0 + 7500, .payload_json = "{\"note\":\"a \\\"quoted\\\", comma\"}"},
        {.terminal = c1.id, .code = 1, .start_s = LOCAL0 - 1}, /* the day before: left out */
        {.terminal = dtu.id, .code = 21, .start_s = LOCAL0 + 86399},
    };
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++)
        assert_int_equal(store_event_insert(st, &ev[i]), 0);
    int64_t upd = (int64_t)(FREEZE + 600) * 1000;
    struct store_status s[] = {
        {.meter = m1, .item_class = STORE_CLASS_DAY_FREEZE, .day = DAY, .attempts = 1,
         .updated_ms = upd},
        {.meter = m2, .item_class = STORE_CLASS_DAY_FREEZE, .day = DAY,
         .reason = STORE_REASON_METER_NO_ANSWER, .attempts = 4, .updated_ms = upd + 1500},
        {.meter = m9, .item_class = STORE_CLASS_DAY_FREEZE, .day = DAY,
         .reason = STORE_REASON_TERMINAL_OFFLINE, .attempts = 1, .updated_ms = upd},
        {.meter = m1, .item_class = STORE_CLASS_DAY_FREEZE, .day = DAY - 1, .attempts = 1,
         .updated_ms = upd - 86400000},
    };
    assert_int_equal(store_status_upsert(st, s, sizeof s / sizeof s[0]), 0);
    return st;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void same_file(const char *got_path, const char *expected_name)
{
    char want_path[1024];
    snprintf(want_path, sizeof want_path, "%s/tests/unit/export/expected/%s", MH_SOURCE_DIR,
             expected_name);
    size_t gl = 0, wl = 0;
    char *got = slurp(got_path, &gl), *want = slurp(want_path, &wl);
    assert_non_null(got);
    if (!want || gl != wl || memcmp(got, want, gl) != 0) {
        if (getenv("MH_EXPORT_UPDATE")) { /* regenerate the expected files, then review the diff */
            FILE *f = fopen(want_path, "wb");
            assert_non_null(f);
            fwrite(got, 1, gl, f);
            fclose(f);
        } else
            fail_msg("%s differs from %s:\n%s", got_path, want_path, got);
    }
    free(got);
    free(want);
}

static int only_final_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        assert_true(e->d_name[0] != '.'); /* a temporary file */
        n++;
    }
    closedir(d);
    return n;
}

static void test_every_kind_matches_expected_files(void **state)
{
    (void)state;
    struct store *st = fixture("export_kinds");
    char out[] = "/tmp/mh-export-XXXXXX";
    assert_non_null(mkdtemp(out));
    static const int rows[EXPORT_WHAT_COUNT_] = {8, 3, 3};
    for (int fmt = 0; fmt < 2; fmt++)
        for (int w = 0; w < EXPORT_WHAT_COUNT_; w++) {
            struct export_req r = {.day = DAY, .utc_offset_min = 480, .what = (enum export_what)w,
                                   .format = (enum export_format)fmt, .dir = out};
            char path[4400], err[256], name[64];
            /* Twice: the second run replaces the first, atomically, with the same bytes. */
            for (int run = 0; run < 2; run++)
                assert_int_equal(export_run(st, &r, path, sizeof path, err, sizeof err), rows[w]);
            snprintf(name, sizeof name, "%s.%s", export_what_name((enum export_what)w),
                     fmt ? "json" : "csv");
            char want[4400];
            snprintf(want, sizeof want, "%s/2026-11-23/%s", out, name);
            assert_string_equal(path, want);
            same_file(path, name);
        }
    char day_dir[64];
    snprintf(day_dir, sizeof day_dir, "%s/2026-11-23", out);
    assert_int_equal(only_final_files(day_dir), 6); /* no temporary file left behind */
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", out);
    assert_int_equal(system(cmd), 0);
    store_close(st);
}

static void test_empty_day_is_a_header_or_an_empty_array(void **state)
{
    (void)state;
    struct store *st = fixture("export_empty");
    char out[] = "/tmp/mh-export-XXXXXX";
    assert_non_null(mkdtemp(out));
    struct export_req r = {.day = DAY + 10, .utc_offset_min = 480, .what = EXPORT_READINGS,
                           .dir = out};
    char path[4400];
    size_t len;
    assert_int_equal(export_run(st, &r, path, sizeof path, NULL, 0), 0);
    char *b = slurp(path, &len);
    assert_string_equal(b, "date,meter,customer,area,item,value,unit,quality,time\n");
    free(b);
    r.format = EXPORT_JSON;
    assert_int_equal(export_run(st, &r, path, sizeof path, NULL, 0), 0);
    b = slurp(path, &len);
    assert_string_equal(b, "[]\n");
    free(b);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", out);
    assert_int_equal(system(cmd), 0);
    store_close(st);
}

static void test_unwritable_directory_fails_cleanly(void **state)
{
    (void)state;
    struct store *st = fixture("export_unwritable");
    char out[] = "/tmp/mh-export-XXXXXX";
    assert_non_null(mkdtemp(out));
    char file[64];
    snprintf(file, sizeof file, "%s/f", out);
    FILE *f = fopen(file, "w"); /* a file where the export root should be a directory */
    assert_non_null(f);
    fclose(f);
    struct export_req r = {.day = DAY, .utc_offset_min = 480, .what = EXPORT_EVENTS, .dir = file};
    char err[256] = "";
    assert_int_equal(export_run(st, &r, NULL, 0, err, sizeof err), MH_EIO);
    assert_non_null(strstr(err, "cannot create"));
    r.dir = NULL;
    assert_int_equal(export_run(st, &r, NULL, 0, err, sizeof err), MH_EINVAL);
    r.dir = out;
    r.what = EXPORT_WHAT_COUNT_;
    assert_int_equal(export_run(st, &r, NULL, 0, err, sizeof err), MH_EINVAL);
    assert_int_equal(export_what_parse("collection"), EXPORT_COLLECTION);
    assert_int_equal(export_what_parse("bills"), -1);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", out);
    assert_int_equal(system(cmd), 0);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_matches_expected_files),
        cmocka_unit_test(test_empty_day_is_a_header_or_an_empty_array),
        cmocka_unit_test(test_unwritable_directory_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
