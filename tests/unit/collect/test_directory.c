/*
 * The fep's terminal directory as the collector answers it from a real
 * SQLite store: a 1376.1 terminal by region and address, a 698.45 one by
 * address alone, unknown and malformed addresses refused, and a 698.45
 * address that two regions hold refused as ambiguous.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/collect.h"
#include "meterhub/store.h"

#define HEADER                                                                                     \
    "area,region,terminal_address,terminal_kind,terminal_protocol,channel_group,pn,meter_address," \
    "meter_protocol,phases,ct,pt,rated_voltage_v,contract_kw,tariff,pv,pv_peak_kw,customer,"       \
    "customer_class,area_meter\n"
#define ROW(region, taddr, kind, proto, pn, maddr, mproto)                                         \
    "," region "," taddr "," kind "," proto ",G1," pn "," maddr "," mproto                          \
    ",3,1,1,220/380,80,,0,0,C" maddr ",industrial,0\n"

#define COMMON                                                                                     \
    ROW("0171", "01710001", "special_transformer", "gdw1376", "1", "100000000001", "dlt645-2007") \
    ROW("0101", "200000000007", "transformer_monitor", "dlt698", "1", "100000000002", "dlt698")

static const char csv[] = HEADER COMMON
    ROW("0101", "200000000009", "transformer_monitor", "dlt698", "1", "100000000003", "dlt698");
/*
 * A later archive moves 200000000009 to region 0102: the 0101 terminal is
 * retired, so its address alone finds the one in 0102. (An archive cannot
 * list one address twice, so among active terminals it is never ambiguous.)
 */
static const char csv2[] = HEADER COMMON
    ROW("0102", "200000000009", "transformer_monitor", "dlt698", "1", "100000000004", "dlt698");

static void import(struct store *st, const char *text)
{
    char err[256];
    struct archive *a = NULL;
    if (archive_csv_parse(text, strlen(text), &a, err, sizeof err) != 0)
        fail_msg("%s", err);
    struct store_import_stats is;
    assert_int_equal(store_archive_import(st, a, &is, err, sizeof err), 0);
    archive_free(a);
}

static void test_lookup(void **state)
{
    (void)state;
    char dir[] = "/tmp/mh-directory-XXXXXX", path[64], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.db", dir);
    struct store *st = NULL;
    assert_int_equal(store_open(path, NULL, &st, err, sizeof err), 0);
    import(st, csv);

    uv_loop_t loop;
    uv_loop_init(&loop);
    struct collect *c = NULL;
    assert_int_equal(collect_new(&loop, st, NULL, &c), 0);
    const struct fep_directory *d = collect_directory(c);
    struct fep_terminal_info info;
    assert_int_equal(d->lookup(d->ctx, FEP_PROTO_GDW1376, "01710001", &info), 0);
    assert_int_equal(info.pw_len, 16);
    assert_int_equal(d->lookup(d->ctx, FEP_PROTO_GDW1376, "01710002", &info), MH_ENOENT);
    assert_int_equal(d->lookup(d->ctx, FEP_PROTO_GDW1376, "0171000G", &info), MH_ENOENT);
    assert_int_equal(d->lookup(d->ctx, FEP_PROTO_DLT698, "200000000007", &info), 0);
    assert_int_equal(d->lookup(d->ctx, FEP_PROTO_DLT698, "200000000008", &info), MH_ENOENT);
    assert_int_equal(d->lookup(d->ctx, FEP_PROTO_DLT698, "200000000009", &info), 0);
    assert_int_equal(d->lookup(d->ctx, FEP_PROTO_DLT698, "2000000000", &info), MH_ENOENT);

    import(st, csv2);
    assert_int_equal(d->lookup(d->ctx, FEP_PROTO_DLT698, "200000000009", &info), 0);
    struct store_terminal t;
    assert_int_equal(store_terminal_lookup(st, STORE_REGION_ANY, "200000000007", &t), 0);
    assert_int_equal(t.region, 0x0101);
    assert_int_equal(store_terminal_lookup(st, STORE_REGION_ANY, "200000000009", &t), 0);
    assert_int_equal(t.region, 0x0102);
    assert_int_equal(store_terminal_lookup(st, 0x0101, "200000000009", &t), MH_ENOENT);

    collect_free(c);
    uv_run(&loop, UV_RUN_DEFAULT); /* the collector's handles close */
    assert_int_equal(uv_loop_close(&loop), 0);
    store_close(st);
    unlink(path);
    char wal[80];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_lookup)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
