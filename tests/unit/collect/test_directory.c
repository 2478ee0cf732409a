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
#include "meterhub/proto/item.h"
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

/* A fresh SQLite store in a new temporary directory (dir is its template, filled in). */
static struct store *store_fresh(char *dir, char *path, size_t cap)
{
    char err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, cap, "%s/s.db", dir);
    struct store *st = NULL;
    assert_int_equal(store_open(path, NULL, &st, err, sizeof err), 0);
    import(st, csv);
    return st;
}

/* Close st and remove its files and directory. */
static void store_gone(struct store *st, const char *dir, const char *path)
{
    store_close(st);
    char f[80];
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(f, sizeof f, "%s%s", path, suffix[i]);
        unlink(f);
    }
    rmdir(dir);
}

static void test_lookup(void **state)
{
    (void)state;
    char dir[] = "/tmp/mh-directory-XXXXXX", path[64];
    struct store *st = store_fresh(dir, path, sizeof path);

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
    store_gone(st, dir, path);
}

/*
 * Two collectors over one store as two front-end processes (part_n 2): each
 * terminal is held by exactly one, the other's directory names that one as
 * its owner (so the login is handed there), and an on-demand read of a
 * terminal held elsewhere is refused with MH_EPERM.
 */
static void test_partition(void **state)
{
    (void)state;
    char dir[] = "/tmp/mh-directory-XXXXXX", path[64];
    struct store *st = store_fresh(dir, path, sizeof path);
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct collect *c[2];
    for (uint16_t i = 0; i < 2; i++) {
        struct collect_cfg cfg = {.part_n = 2, .part_i = i};
        assert_int_equal(collect_new(&loop, st, &cfg, &c[i]), 0);
    }
    static const struct {
        enum fep_proto_id proto;
        const char *addr;
    } terms[] = {{FEP_PROTO_GDW1376, "01710001"}, {FEP_PROTO_DLT698, "200000000007"},
                 {FEP_PROTO_DLT698, "200000000009"}};
    for (size_t k = 0; k < sizeof terms / sizeof terms[0]; k++) {
        struct store_terminal t;
        assert_int_equal(store_terminal_lookup(st, STORE_REGION_ANY, terms[k].addr, &t), 0);
        unsigned owner = collect_owner(t.id, 2), held = 0;
        for (unsigned i = 0; i < 2; i++) {
            const struct fep_directory *d = collect_directory(c[i]);
            struct fep_terminal_info info = {0};
            assert_int_equal(d->lookup(d->ctx, terms[k].proto, terms[k].addr, &info), 0);
            assert_int_equal(info.elsewhere, i == owner ? 0 : 1 + owner);
            assert_int_equal(collect_holds(c[i], t.id), i == owner);
            held += info.elsewhere == 0;
            if (i != owner) {
                struct collect_read rq = {.terminal = t.id, .items = {MH_ITEM_AE_IMP}, .n_items = 1};
                assert_int_equal(collect_read_now(c[i], &rq, NULL, NULL, NULL), MH_EPERM);
            }
        }
        assert_int_equal(held, 1);
    }
    for (int i = 0; i < 2; i++)
        collect_free(c[i]);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    store_gone(st, dir, path);
}

/* The owner is the same on every call and every build, and spreads archive ids evenly. */
static void test_owner_stable_and_even(void **state)
{
    (void)state;
    assert_int_equal(collect_owner(12345, 1), 0);
    assert_int_equal(collect_owner(12345, 0), 0);
    static const int64_t ids[] = {1, 2, 3, 1000, 25000};
    static const uint32_t want2[] = {1, 0, 1, 0, 1}, want3[] = {2, 1, 0, 1, 0};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        assert_int_equal(collect_owner(ids[i], 2), want2[i]);
        assert_int_equal(collect_owner(ids[i], 3), want3[i]);
    }
    for (uint32_t n = 2; n <= 8; n++) {
        unsigned count[8] = {0};
        for (int64_t id = 1; id <= 24000; id++) {
            uint32_t o = collect_owner(id, n);
            assert_true(o < n);
            count[o]++;
        }
        for (uint32_t o = 0; o < n; o++) /* within 5 % of an even share */
            assert_true(count[o] * 100 >= 24000 / n * 95 && count[o] * 100 <= 24000 / n * 105);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_lookup), cmocka_unit_test(test_partition),
                                       cmocka_unit_test(test_owner_stable_and_even)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
