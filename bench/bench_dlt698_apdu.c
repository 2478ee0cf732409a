/*
 * DL/T 698.45 APDU decode (dispatcher, list validation, iteration down to
 * every Data view and record cell) against the bare typed-data walk over
 * the same Data values (dlt698_data_skip from each value's offset, found
 * once beforehand): the ratio is the cost of the APDU layer on top of the
 * walk any decoder must do. Median ratio of 15 alternating rounds.
 *
 * Mix: a GET-Response NormalList of 10 results (energy arrays, voltages, a
 * DAR), a day of 15-minute load profile as GET-Response Record (96 rows x
 * 3 columns), a REPORT-Notification of two events, and a SECURITY-Response
 * wrapping a GET-Response (outer and inner decoded).
 *
 *   bench_dlt698_apdu            the comparison
 *   bench_dlt698_apdu once N     decode N passes once (for callgrind)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "meterhub/proto/dlt698_apdu.h"

#define PASSES 200
#define MAX_APDUS 4
#define MAX_VALUES 512

static uint8_t apdus[MAX_APDUS][8192];
static size_t apdu_len[MAX_APDUS], napdus, total_bytes;
/* Every Data value of the mix as a view, for the baseline. */
static struct dlt698_bytes values[MAX_APDUS * MAX_VALUES];
static size_t nvalues;

/*
 * An array of n unsigned values of one type (double-long-unsigned for
 * energy: total + 4 tariffs; long-unsigned for voltages: 3 phases).
 */
static size_t put_array(uint8_t *p, uint8_t type, unsigned n, uint32_t base, uint32_t step)
{
    struct mh_wr w;
    mh_wr_init(&w, p, 32);
    mh_wr_u8(&w, DLT698_ARRAY);
    mh_wr_u8(&w, (uint8_t)n);
    for (uint32_t k = 0; k < n; k++) {
        mh_wr_u8(&w, type);
        if (type == DLT698_DOUBLE_LONG_U)
            mh_wr_u32be(&w, base + k * step);
        else
            mh_wr_u16be(&w, (uint16_t)(base + k * step));
    }
    return mh_wr_len(&w);
}

static size_t put_energy(uint8_t *p, uint32_t base)
{
    return put_array(p, DLT698_DOUBLE_LONG_U, 5, base, 1111);
}

static size_t put_voltage(uint8_t *p, uint16_t v)
{
    return put_array(p, DLT698_LONG_U, 3, v, 1);
}

static void build_mix(void)
{
    static uint8_t vals[64][32], rows[96 * 48], inner[256];
    struct dlt698_result_normal res[10];
    for (int k = 0; k < 10; k++) {
        size_t n = k < 6 ? put_energy(vals[k], 100000u * (unsigned)k) : put_voltage(vals[k], 2200);
        res[k] = (struct dlt698_result_normal){.oad = 0x00100200u + ((uint32_t)k << 16),
                                               .data = {vals[k], n}};
    }
    res[9] = (struct dlt698_result_normal){.oad = 0x20010200, .dar = 6};
    struct mh_wr w;
    mh_wr_init(&w, apdus[0], sizeof apdus[0]);
    dlt698_enc_get_response_list(&w, 1, res, 10, NULL);
    apdu_len[0] = mh_wr_len(&w);

    struct mh_wr rw;
    mh_wr_init(&rw, rows, sizeof rows);
    for (int r = 0; r < 96; r++) {
        struct mh_tm t = {.year = 2026,
                          .mon = 11,
                          .day = 24,
                          .hour = (uint8_t)(r / 4),
                          .min = (uint8_t)(r % 4 * 15),
                          .has = MH_TM_FULL};
        mh_wr_u8(&rw, DLT698_DATETIME_S);
        mh_wr_u16be(&rw, t.year);
        mh_wr_u8(&rw, t.mon);
        mh_wr_u8(&rw, t.day);
        mh_wr_u8(&rw, t.hour);
        mh_wr_u8(&rw, t.min);
        mh_wr_u8(&rw, 0);
        uint8_t e[32], v[16];
        mh_wr_bytes(&rw, e, put_energy(e, 5000u + (unsigned)r));
        mh_wr_bytes(&rw, v, put_voltage(v, (uint16_t)(2190 + r % 20)));
    }
    static const uint8_t rcsd[] = {3,    0,    0x20, 0x21, 0x02, 0x00, 0,    0x00,
                                   0x10, 0x02, 0x00, 0,    0x20, 0x00, 0x02, 0x00};
    struct dlt698_result_record rec = {.oad = 0x50020200,
                                       .rcsd = {rcsd, sizeof rcsd},
                                       .columns = 3,
                                       .nrows = 96,
                                       .rows = {rows, mh_wr_len(&rw)}};
    mh_wr_init(&w, apdus[1], sizeof apdus[1]);
    dlt698_enc_get_response_record(&w, 2, &rec, NULL);
    apdu_len[1] = mh_wr_len(&w);

    struct dlt698_result_normal ev[2] = {
        {.oad = 0x30110200,
         .data = {(const uint8_t *)"\x02\x02\x06\x00\x00\x00\x07\x1C\x07\xEA\x0B\x18\x08\x00\x00",
                  15}},
        {.oad = 0x301B0200,
         .data = {(const uint8_t *)"\x02\x02\x06\x00\x00\x00\x02\x1C\x07\xEA\x0B\x18\x09\x00\x00",
                  15}},
    };
    mh_wr_init(&w, apdus[2], sizeof apdus[2]);
    dlt698_enc_report_list(&w, 3, ev, 2, NULL);
    apdu_len[2] = mh_wr_len(&w);

    struct mh_wr iw;
    mh_wr_init(&iw, inner, sizeof inner);
    dlt698_enc_get_response_normal(&iw, 4, &res[0], NULL);
    struct dlt698_security s = {.kind = 0,
                                .body = {inner, mh_wr_len(&iw)},
                                .verify = 0,
                                .mac = {(const uint8_t *)"\x32\xF9\x56\x34", 4}};
    mh_wr_init(&w, apdus[3], sizeof apdus[3]);
    dlt698_enc_security_response(&w, &s);
    apdu_len[3] = mh_wr_len(&w);
    napdus = 4;
    for (size_t k = 0; k < napdus; k++)
        total_bytes += apdu_len[k];
}

/* Every Data value of a list (and of record rows, cell by cell); fn per view. */
static uint64_t walk(const struct dlt698_items *items, void (*fn)(const struct dlt698_bytes *))
{
    struct dlt698_iter it;
    union dlt698_item x;
    uint64_t acc = 0;
    dlt698_items_begin(items, &it);
    while (dlt698_items_next(&it, &x) == 1) {
        if (items->kind == DLT698_ITEM_RESULT_NORMAL) {
            acc += x.rn.oad + x.rn.data.len;
            if (x.rn.data.p && fn)
                fn(&x.rn.data);
        } else if (items->kind == DLT698_ITEM_RESULT_RECORD) {
            struct mh_rd r;
            struct dlt698_bytes cell;
            mh_rd_init(&r, x.rr.rows.p, x.rr.rows.len);
            while (dlt698_data_view(&r, &cell) == 1) {
                acc += cell.len;
                if (fn)
                    fn(&cell);
            }
        }
    }
    return acc;
}

static void note_value(const struct dlt698_bytes *b)
{
    if (nvalues < sizeof values / sizeof values[0])
        values[nvalues++] = *b;
}

static uint64_t decode_one(const uint8_t *p, size_t n, void (*fn)(const struct dlt698_bytes *))
{
    struct dlt698_apdu a;
    if (dlt698_apdu_decode(p, n, &a) != 0)
        abort();
    uint64_t acc = walk(&a.items, fn);
    if (a.tag == DLT698_SECURITY_RESPONSE)
        acc += decode_one(a.u.sec.body.p, a.u.sec.body.len, fn);
    return acc;
}

/* Baseline: the typed-data walk alone, from each value's known offset. */
static void data_walk(void *ctx)
{
    (void)ctx;
    uint64_t acc = 0;
    for (int pass = 0; pass < PASSES; pass++)
        for (size_t k = 0; k < nvalues; k++) {
            struct mh_rd r;
            mh_rd_init(&r, values[k].p, values[k].len);
            dlt698_data_skip(&r);
            acc += r.off;
        }
    bench_sink(acc);
}

/* Subject: whole APDUs, every list validated, walked, every value viewed. */
static void decode_all(void *ctx)
{
    (void)ctx;
    uint64_t acc = 0;
    for (int pass = 0; pass < PASSES; pass++)
        for (size_t k = 0; k < napdus; k++)
            acc += decode_one(apdus[k], apdu_len[k], NULL);
    bench_sink(acc);
}

int main(int argc, char **argv)
{
    build_mix();
    for (size_t k = 0; k < napdus; k++)
        decode_one(apdus[k], apdu_len[k], note_value);
    double n = (double)napdus * PASSES;
    if (argc == 3 && strcmp(argv[1], "once") == 0) {
        long times = strtol(argv[2], NULL, 10);
        for (long k = 0; k < times; k++)
            decode_all(NULL);
        printf("decoded %.0f APDUs\n", n * (double)times);
        return 0;
    }
    uint64_t a0 = bench_allocs();
    decode_all(NULL);
    double allocs = (double)(bench_allocs() - a0) / n;
    double base_rate, rate;
    double ratio = bench_compare(data_walk, NULL, decode_all, NULL, n, 15, &base_rate, &rate);
    bench_report("dlt698 data walk (same values)", base_rate / 1e3, "kAPDU/s", -1);
    bench_report("dlt698 APDU decode + walk", rate / 1e3, "kAPDU/s", ratio);
    bench_report("dlt698 APDU decode + walk", rate * (double)total_bytes / (double)napdus / 1e6,
                 "MB/s", ratio);
    bench_report("dlt698 APDU values per pass", (double)nvalues, "values", -1);
    bench_report("dlt698 APDU allocations per APDU", allocs, "allocs", -1);
    return 0;
}
