/*
 * PostgreSQL backend: the monthly partitions of readings.
 *
 * readings is range-partitioned on data_time, one partition per UTC
 * calendar month (readings_YYYYMM) for 2000..2099; data times outside
 * that span (a terminal whose clock is wrong) go to the default partition
 * readings_out_of_range, whose CHECK constraint lets PostgreSQL add a
 * monthly partition without scanning it.
 *
 * Partitions are made ahead of the data: at open, this month's and the
 * next PG_MONTHS_AHEAD; and before a batch is written, every month it
 * holds and the month after each, when they have none yet. Each is created by the
 * schema's mh_readings_partition() in its own short transaction, outside
 * the batch's: CREATE TABLE ... PARTITION OF locks the parent briefly,
 * which happens once a month rather than at every batch. The writer keeps
 * the spans it knows exist, so the per-batch check is a lookup in memory.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "pg_int.h"

#define PG_MONTHS_AHEAD 2
#define SPAN_LO 946684800LL  /* 2000-01-01T00:00Z */
#define SPAN_HI 4102444800LL /* 2100-01-01T00:00Z */

/* [lo, hi) of the UTC month containing t, shifted by `ahead` months. */
static struct pg_span month_of(int64_t t, int ahead)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    struct tm m = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon + ahead, .tm_mday = 1};
    struct tm n = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon + ahead + 1, .tm_mday = 1};
    struct pg_span s = {(int64_t)timegm(&m), (int64_t)timegm(&n)};
    return s;
}

static int known(const struct store_be *be, int64_t t)
{
    if (t < SPAN_LO || t >= SPAN_HI)
        return 1; /* the default partition */
    size_t lo = 0, hi = be->nspans;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (be->spans[mid].hi <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < be->nspans && be->spans[lo].lo <= t;
}

static int remember(struct store_be *be, struct pg_span s)
{
    if (be->nspans == be->spancap) {
        size_t cap = be->spancap ? be->spancap * 2 : 32;
        struct pg_span *p = realloc(be->spans, cap * sizeof *p);
        if (!p)
            return MH_ENOMEM;
        be->spans = p;
        be->spancap = cap;
    }
    size_t i = be->nspans;
    while (i > 0 && be->spans[i - 1].lo > s.lo) {
        be->spans[i] = be->spans[i - 1];
        i--;
    }
    be->spans[i] = s;
    be->nspans++;
    return 0;
}

/* Create (if absent) the partition of the month holding t and remember it. */
static int ensure(struct store_be *be, int64_t t)
{
    if (known(be, t))
        return 0;
    struct pg_params p = {0};
    pp_i64(&p, t);
    PGresult *r = pg_exec(&be->wr[0].c, PQ_W_PARTITION, &p);
    int rc = pg_check(&be->wr[0].c, r, "creating a readings partition");
    if (rc == 0)
        mh_debug("store", "postgres: partition %s ready", PQgetvalue(r, 0, 0));
    PQclear(r);
    return rc < 0 ? rc : remember(be, month_of(t, 0));
}

int pg_partitions_ahead(struct store_be *be, int64_t now)
{
    int rc = 0;
    for (int k = 0; k <= PG_MONTHS_AHEAD && rc == 0; k++)
        rc = ensure(be, month_of(now, k).lo);
    return rc;
}

int pg_partitions_ensure(struct store_be *be, const struct store_reading *const *r, size_t n)
{
    /*
     * A batch's readings are in key order, so data times come in runs of
     * one meter's months: check a month (and the one after it) only when
     * a reading leaves the month of the one before.
     */
    int rc = 0;
    struct pg_span last = {0, 0};
    for (size_t i = 0; i < n && rc == 0; i++) {
        int64_t t = r[i]->t;
        if (t >= last.lo && t < last.hi)
            continue;
        if (t < SPAN_LO || t >= SPAN_HI)
            continue; /* the default partition */
        last = month_of(t, 0);
        rc = ensure(be, t);
        if (rc == 0)
            rc = ensure(be, last.hi);
    }
    return rc;
}
