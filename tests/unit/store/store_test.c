#include "store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <semaphore.h>
#include <unistd.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"

static char dir[256];
static char uri[1024];
static char path[1024];

/* Remove the temporary directory and its files (databases, -wal, -shm) at exit. */
static void cleanup(void)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char f[1024];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(f, sizeof f, "%s/%s", dir, e->d_name);
        unlink(f);
    }
    closedir(d);
    rmdir(dir);
}

static const char *tmpdir(void)
{
    if (!dir[0]) {
        if (!getenv("MH_TEST_KEEP"))
            atexit(cleanup);
        const char *base = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/mh-store-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(dir))
            fail_msg("mkdtemp %s failed", dir);
    }
    return dir;
}

const char *store_test_sqlite_path(const char *name)
{
    if (getenv("MH_TEST_STORE_URI"))
        return NULL;
    snprintf(path, sizeof path, "%s/%s.db", tmpdir(), name);
    return path;
}

const char *store_test_uri(const char *name)
{
    const char *tmpl = getenv("MH_TEST_STORE_URI");
    if (!tmpl || !*tmpl) {
        snprintf(uri, sizeof uri, "sqlite:%s", store_test_sqlite_path(name));
        return uri;
    }
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 1 < sizeof uri;) {
        if (strncmp(p, "{name}", 6) == 0) {
            o += (size_t)snprintf(uri + o, sizeof uri - o, "%s", name);
            p += 6;
        } else {
            uri[o++] = *p++;
        }
    }
    uri[o < sizeof uri ? o : sizeof uri - 1] = '\0';
    return uri;
}

struct store *store_test_open(const char *u, const struct store_options *opt)
{
    char err[256] = "";
    struct store *st = NULL;
    int rc = store_open(u, opt, &st, err, sizeof err);
    if (rc != 0)
        fail_msg("store_open %s: %s (%s)", u, mh_err_name(rc), err);
    return st;
}

#define HEADER                                                                                     \
    "area,region,terminal_address,terminal_kind,terminal_protocol,channel_group,pn,meter_address," \
    "meter_protocol,phases,ct,pt,rated_voltage_v,contract_kw,tariff,pv,pv_peak_kw,customer,"       \
    "customer_class,area_meter\n"

char *store_test_archive_csv(int n_users)
{
    size_t cap = 1024 + (size_t)n_users * 160;
    char *csv = malloc(cap);
    assert_non_null(csv);
    size_t o = (size_t)snprintf(csv, cap,
                                HEADER "A1,0171,01710001,concentrator,gdw1376,G1,1,100000000000,"
                                       "dlt645-2007,3,60,1,220/380,200,,0,0,,area,1\n");
    for (int i = 1; i <= n_users; i++)
        o += (size_t)snprintf(csv + o, cap - o,
                              "A1,0171,01710001,concentrator,gdw1376,G1,%d,%012llu,dlt645-2007,1,"
                              "1,1,220,8,TOU4,0,0,C%d,residential,0\n",
                              i + 1, 100000000000ull + (unsigned long long)i, i);
    snprintf(csv + o, cap - o,
             ",0172,000000000009,dtu,dlt645-2007,G2,1,200000000001,dlt645-2007,3,100,100,57.7/100,"
             "500,TOU4,0,0,F1,industrial,0\n");
    return csv;
}

void store_test_import(struct store *st, const char *csv, struct store_import_stats *stats)
{
    char err[256] = "";
    struct archive *a = NULL;
    if (archive_csv_parse(csv, strlen(csv), &a, err, sizeof err) != 0)
        fail_msg("archive: %s", err);
    int rc = store_archive_import(st, a, stats, err, sizeof err);
    archive_free(a);
    if (rc != 0)
        fail_msg("import: %s (%s)", mh_err_name(rc), err);
}

struct store_reading store_test_reading(int64_t meter, uint32_t item, int64_t t, int64_t m)
{
    struct store_reading r = {0};
    r.meter = meter;
    r.item = item;
    r.t = t;
    r.value = mh_dec_make(m, -2);
    r.quality = STORE_Q_VALID;
    r.protocol = 0;
    r.terminal = 1;
    r.received_ms = t * 1000;
    return r;
}

struct store_test_gate {
    sem_t entered, release, left;
};

static void gate_done(void *ctx, int status)
{
    struct store_test_gate *g = ctx;
    assert_int_equal(status, 0);
    sem_post(&g->entered);
    sem_wait(&g->release);
    sem_post(&g->left); /* the last touch of g */
}

struct store_test_gate *store_test_hold(struct store *st, const struct store_reading *r)
{
    struct store_test_gate *g = malloc(sizeof *g);
    assert_non_null(g);
    sem_init(&g->entered, 0, 0);
    sem_init(&g->release, 0, 0);
    sem_init(&g->left, 0, 0);
    assert_int_equal(store_readings_append(st, r, 1, 1000, gate_done, g), 0);
    sem_wait(&g->entered);
    return g;
}

void store_test_release(struct store_test_gate *g)
{
    sem_post(&g->release);
    sem_wait(&g->left);
    sem_destroy(&g->entered);
    sem_destroy(&g->release);
    sem_destroy(&g->left);
    free(g);
}
