/*
 * fill_store URI DAYS: give an imported archive a few days of history for
 * the dashboard's browser test (tests/browser/dashboard.mjs), through the
 * store interface as the collection tier writes it.
 *
 * For every meter of the archive: a day-freeze collection status for each
 * of the last DAYS days (about 1 in 25 failed, with a reason), terminal
 * link history (every 9th terminal went offline yesterday). For the meters
 * of terminal 1 (an area meter and its users): daily active-energy freezes
 * (+A, 1.0.1.8.0), the area meter reading about 4 % more than its users
 * (line loss), and a 15-minute active power, voltage and current curve
 * over the last two days. A few events per terminal.
 *
 * Deterministic: the same archive and day give the same store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meterhub/proto/value.h"
#include "meterhub/proto/item.h"
#include "meterhub/store.h"

#define POINTS_MAX 1024
#define TERMINALS_MAX 4096

static uint32_t hash32(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (uint32_t)x;
}

static int append(struct store *st, struct store_reading *r, size_t *n, size_t cap, int flush)
{
    if (*n && (flush || *n >= cap)) {
        if (store_readings_append(st, r, *n, 5000, NULL, NULL) != 0)
            return -1;
        *n = 0;
    }
    return 0;
}

static struct store_reading reading(int64_t meter, uint32_t item, int64_t t, int64_t mant, int exp)
{
    struct store_reading r = {.meter = meter, .item = item, .t = t, .terminal = 1,
                              .received_ms = (t + 60) * 1000};
    r.value = mh_dec_make(mant, exp);
    return r;
}

/* Terminal 1's meters: day freezes and curves. */
static int fill_readings(struct store *st, const struct store_point *p, int n, int64_t today,
                         int days)
{
    static struct store_reading buf[4096];
    size_t k = 0;
    int64_t users_total[64] = {0};
    static int64_t run[POINTS_MAX]; /* each user's consumption so far, Wh */
    for (int d = -days; d <= 0; d++) {
        int64_t day = today + d * 86400;
        for (int i = 0; i < n; i++) {
            if (p[i].area_meter)
                continue;
            int64_t wh = 4000 + hash32((uint64_t)p[i].meter * 131 + (uint64_t)(d + 100)) % 9000;
            users_total[d + days] += wh;
            int64_t base = 1000000 + p[i].meter * 1000;
            run[i] += wh;
            int64_t cum = base * 1000 + run[i]; /* Wh */
            buf[k++] = reading(p[i].meter, MH_ITEM_AE_IMP, day, cum, -3);
            if (append(st, buf, &k, sizeof buf / sizeof buf[0], 0) != 0)
                return -1;
        }
        for (int i = 0; i < n; i++) {
            if (!p[i].area_meter)
                continue;
            /* The supply side: the users' sum plus 3..5 % line loss, cumulated. */
            int64_t acc = 0;
            for (int e = 0; e <= d + days; e++)
                acc += users_total[e] * (1030 + (int64_t)(hash32((uint64_t)e) % 20)) / 1000;
            buf[k++] = reading(p[i].meter, MH_ITEM_AE_IMP, day, 50000000000 + acc, -3);
        }
    }
    int64_t now = time(NULL) / 900 * 900;
    for (int64_t t = today - 86400; t <= now; t += 900) {
        double h = (double)((t % 86400) / 3600.0);
        /* A residential day: low at night, morning and evening peaks. */
        double shape = 0.25 + 0.5 * (h > 6 && h < 9) + 0.9 * (h > 17 && h < 22) + 0.2 * (h >= 9 && h <= 17);
        for (int i = 0; i < n; i++) {
            uint32_t z = hash32((uint64_t)p[i].meter * 977 + (uint64_t)t);
            int64_t watts = (int64_t)(shape * 1500) + (int64_t)(z % 400);
            if (p[i].area_meter)
                watts *= n;
            buf[k++] = reading(p[i].meter, MH_ITEM_P, t, watts, -3);           /* kW */
            buf[k++] = reading(p[i].meter, MH_ITEM_U_L1, t, 22000 + (int64_t)(z % 900), -2);
            buf[k++] = reading(p[i].meter, MH_ITEM_I_L1, t, watts * 1000 / 225, -3);
            if (append(st, buf, &k, sizeof buf / sizeof buf[0] - 4, 0) != 0)
                return -1;
        }
    }
    return append(st, buf, &k, 1, 1);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: fill_store URI DAYS\n", stderr);
        return 2;
    }
    int days = (int)strtol(argv[2], NULL, 10);
    if (days < 1 || days > 60) {
        fputs("fill_store: DAYS must be 1..60\n", stderr);
        return 2;
    }
    struct store *st = NULL;
    char err[256];
    if (store_open(argv[1], NULL, &st, err, sizeof err) != 0) {
        fprintf(stderr, "fill_store: %s\n", err);
        return 1;
    }
    static struct store_point pts[POINTS_MAX];
    static struct store_status ss[POINTS_MAX];
    int64_t now = time(NULL), today = now / 86400 * 86400;
    int rc = 0, misses = 0;
    for (int64_t term = 1; term < TERMINALS_MAX && misses < 20 && rc == 0; term++) {
        int n = store_terminal_points(st, term, pts, POINTS_MAX);
        if (n <= 0) {
            misses++;
            continue;
        }
        misses = 0;
        if (term == 1)
            rc = fill_readings(st, pts, n, today, days);
        for (int d = -days + 1; d <= 0 && rc == 0; d++) {
            for (int i = 0; i < n; i++) {
                uint32_t z = hash32((uint64_t)pts[i].meter * 7919 + (uint64_t)(d + 100));
                int failed = z % 25 == 0 || (term % 9 == 0 && d == 0);
                ss[i] = (struct store_status){
                    .meter = pts[i].meter, .item_class = STORE_CLASS_DAY_FREEZE,
                    .day = today / 86400 + d,
                    .reason = failed ? (uint8_t)(1 + (z >> 8) % (STORE_REASON_COUNT_ - 1)) : 0,
                    .attempts = failed ? 3 : 1, .updated_ms = (today + d * 86400 + 3600) * 1000};
            }
            rc = store_status_upsert(st, ss, (size_t)n);
        }
        if (rc == 0)
            rc = store_terminal_link(st, term, 1, (today - days * 86400) * 1000, "login");
        if (rc == 0 && term % 9 == 0)
            rc = store_terminal_link(st, term, 0, (today - 43200) * 1000, "heartbeat timeout");
        static const uint32_t codes[] = {14, 10, 13, 31}; /* ERC14 power, ERC10 voltage loss ... */
        for (int e = 0; e < 1 + (int)(term % 3) && rc == 0; e++) {
            struct store_event ev = {.meter = e ? pts[e % n].meter : 0, .terminal = term,
                                     .code = codes[(term + (int64_t)e) % 4],
                                     .start_s = now - 3600 * (int64_t)(1 + term % 40 + e)};
            rc = store_event_insert(st, &ev);
        }
    }
    if (rc == 0)
        rc = store_readings_sync(st, 60000);
    store_close(st);
    if (rc != 0) {
        fprintf(stderr, "fill_store: store call failed (%d)\n", rc);
        return 1;
    }
    return 0;
}
