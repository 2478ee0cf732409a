/*
 * Loading the daily analysis's input from the store: the active archive
 * (meters with their CT x PT, contract capacity, PV flag, area and where
 * they are read) and the daily frozen energy registers of the window, the
 * latter in one ordered scan of the readings (store_readings_scan) rather
 * than a query per meter and register.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"

#define PAGE 4096

int64_t az_freeze_t(const struct az *z, size_t k)
{
    return z->ds + ((int64_t)k - z->h) * AZ_DAY_S;
}

int32_t az_meter_index(const struct az *z, int64_t id)
{
    size_t lo = 0, hi = z->nm;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->m[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < z->nm && z->m[lo].id == id ? (int32_t)lo : -1;
}

int az_fail(struct az *z, int rc, const char *fmt, ...)
{
    if (z->err && z->errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(z->err, z->errcap, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int az_grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 256;
    void *p = realloc(*v, nc * size);
    if (!p)
        return MH_ENOMEM;
    *v = p;
    *cap = nc;
    return 0;
}

int az_alarm_push(struct az *z, const struct store_alarm *a)
{
    if (az_grow((void **)&z->alarms, &z->cap_alarms, z->n_alarms, sizeof *a))
        return MH_ENOMEM;
    z->alarms[z->n_alarms++] = *a;
    return 0;
}

struct area_key {
    const char *code;
    int32_t ix;
};

/* By area code, then meter (the index follows the id order). */
static int by_area(const void *a, const void *b)
{
    const struct area_key *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : (x->ix > y->ix) - (x->ix < y->ix);
}

/* Group the meters' areas: one struct az_area per distinct non-empty code. */
static int group_areas(struct az *z, const struct store_meter_row *rows)
{
    struct area_key *ix = malloc((z->nm + 1) * sizeof *ix);
    z->area_users = malloc((z->nm + 1) * sizeof *z->area_users);
    z->areas = calloc(z->nm + 1, sizeof *z->areas);
    if (!ix || !z->area_users || !z->areas) {
        free(ix);
        return MH_ENOMEM;
    }
    for (size_t i = 0; i < z->nm; i++)
        ix[i] = (struct area_key){rows[i].area, (int32_t)i};
    qsort(ix, z->nm, sizeof *ix, by_area);
    size_t nu = 0;
    for (size_t k = 0; k < z->nm; k++) {
        const struct store_meter_row *r = &rows[ix[k].ix];
        if (!r->area[0])
            continue;
        struct az_area *a = z->na ? &z->areas[z->na - 1] : NULL;
        if (!a || strcmp(a->code, r->area) != 0) {
            a = &z->areas[z->na++];
            snprintf(a->code, sizeof a->code, "%s", r->area);
            a->supply = -1;
            a->users = &z->area_users[nu];
        }
        z->m[ix[k].ix].area = (int32_t)(a - z->areas);
        if (r->area_meter && a->supply < 0) {
            a->supply = ix[k].ix;
        } else {
            a->users[a->n_users++] = ix[k].ix;
            nu++;
        }
    }
    free(ix);
    return 0;
}

int az_load_archive(struct az *z)
{
    struct store_meter_filter f = STORE_METER_FILTER_ANY;
    f.active = 1;
    size_t cap = 0;
    struct store_meter_row *rows = NULL;
    int64_t after = 0;
    for (;;) {
        if (z->nm + PAGE > cap) {
            size_t nc = cap ? cap * 2 : PAGE * 2;
            struct store_meter_row *p = realloc(rows, nc * sizeof *p);
            if (!p) {
                free(rows);
                return MH_ENOMEM;
            }
            rows = p;
            cap = nc;
        }
        int n = store_meters_list(z->st, &f, after, rows + z->nm, PAGE);
        if (n < 0) {
            free(rows);
            return az_fail(z, n, "reading the archive: %s", mh_strerror(n));
        }
        z->nm += (size_t)n;
        if (n < PAGE)
            break;
        after = rows[z->nm - 1].id;
    }
    if (z->nm == 0) {
        free(rows);
        return az_fail(z, MH_ENOENT, "the archive has no active meter");
    }
    z->m = calloc(z->nm, sizeof *z->m);
    if (!z->m) {
        free(rows);
        return MH_ENOMEM;
    }
    for (size_t i = 0; i < z->nm; i++) {
        const struct store_meter_row *r = &rows[i];
        z->m[i] = (struct az_meter){.id = r->id,
                                    .address = r->address,
                                    .terminal = r->terminal,
                                    .pn = r->pn,
                                    .ct = r->ct ? r->ct : 1,
                                    .pt = r->pt ? r->pt : 1,
                                    .contract_w = r->contract_w,
                                    .pv = r->pv,
                                    .area_meter = r->area_meter,
                                    .phases = r->phases,
                                    .rated_v = r->rated_voltage_v,
                                    .area = -1,
                                    .meas = NAN,
                                    .meas_pos = NAN};
    }
    int rc = group_areas(z, rows);
    free(rows);
    z->stats->meters = z->nm;
    return rc;
}

/* A register as an integer of 0.1 Wh (the finest the protocols carry); finer digits are cut. */
static int64_t wh10_of(struct mh_dec v)
{
    int64_t m = v.m;
    int e = v.exp + 4;
    for (; e > 0; e--) {
        if (m > INT64_MAX / 10 || m < INT64_MIN / 10)
            return AZ_NONE;
        m *= 10;
    }
    for (; e < 0; e++)
        m /= 10;
    return m;
}

/* Where reading r goes in the window (NULL: not a daily frozen energy register of it). */
static int64_t *slot_of(struct az *z, const struct store_reading *r, size_t i)
{
    unsigned c = MH_OBIS_C(r->item), t = MH_OBIS_E(r->item);
    if (MH_OBIS_A(r->item) != 1 || MH_OBIS_D(r->item) != 8 || (c != 1 && c != 2) || t > 4)
        return NULL;
    int64_t off = r->t - az_freeze_t(z, 0);
    if (off < 0 || off % AZ_DAY_S != 0 || (size_t)(off / AZ_DAY_S) >= z->nf)
        return NULL;
    size_t k = (size_t)(off / AZ_DAY_S), dir = c - 1;
    if (t == 0)
        return &z->tot[(i * z->nf + k) * 2 + dir];
    if (k + 2 < z->nf)
        return NULL; /* tariffs are used for day D only */
    return &z->tar[((i * 2 + (k + 2 - z->nf)) * 2 + dir) * 4 + t - 1];
}

/* Meter i's rows are all read: its day's voltage quality and curve rules. */
static int meter_done(struct az *z, size_t i)
{
    int rc = az_quality_flush(z, i);
    return rc ? rc : az_curve_flush(z, i);
}

int az_load_freezes(struct az *z)
{
    size_t ntot = z->nm * z->nf * 2, ntar = z->nm * 16;
    z->tot = malloc(ntot * sizeof *z->tot);
    z->tar = malloc(ntar * sizeof *z->tar);
    struct store_reading *page = malloc(PAGE * sizeof *page);
    if (!z->tot || !z->tar || !page) {
        free(page);
        return MH_ENOMEM;
    }
    for (size_t k = 0; k < ntot; k++)
        z->tot[k] = AZ_NONE;
    for (size_t k = 0; k < ntar; k++)
        z->tar[k] = AZ_NONE;
    struct store_reading_key after = {0, 0, 0};
    int64_t from = az_freeze_t(z, 0), to = az_freeze_t(z, z->nf - 1) + 1;
    int32_t i = -1;
    int rc = 0;
    for (;;) {
        int n = store_readings_scan(z->st, from, to, &after, page, PAGE);
        if (n < 0) {
            rc = az_fail(z, n, "reading the registers: %s", mh_strerror(n));
            break;
        }
        for (int k = 0; k < n && rc == 0; k++) {
            const struct store_reading *r = &page[k];
            if (i < 0 || z->m[i].id != r->meter) {
                if (i >= 0)
                    rc = meter_done(z, (size_t)i);
                i = az_meter_index(z, r->meter); /* rows come by meter: one search per meter */
            }
            if (i < 0 || r->quality == STORE_Q_MISSING)
                continue;
            int curve = az_curve_take(z, r); /* a voltage is the curve rules' and quality's */
            if (az_quality_take(z, r) || curve)
                continue;
            int64_t *slot = slot_of(z, r, (size_t)i);
            if (slot) {
                *slot = wh10_of(r->value);
                z->stats->readings++;
            }
        }
        if (rc < 0)
            break;
        if (n < PAGE)
            break;
        after = (struct store_reading_key){page[n - 1].meter, page[n - 1].item, page[n - 1].t};
    }
    if (rc == 0 && i >= 0)
        rc = meter_done(z, (size_t)i);
    free(page);
    return rc;
}
