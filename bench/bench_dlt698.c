/*
 * DL/T 698.45 decode throughput against a validate-only framer over the
 * same bytes, alternating, median ratio of 15 rounds, on the mix of
 * dlt698_mix.c (what a master receives all day from 698 terminals).
 *
 * The subject frames (dlt698_frame_scan), parses, walks the APDU and maps
 * every Data to its items with the scaler applied, streamed
 * (dlt698_data_map: no tree); the tree path (dlt698_data_decode, then
 * dlt698_readings_of) is measured too and must sum to the same. The
 * baseline finds 68, checks L, HCS, FCS and 16.
 *
 *   bench_dlt698                  the comparison
 *   bench_dlt698 once N           the subject N passes, then "frames F" (scripts/bench-callgrind.sh)
 *   bench_dlt698 once N baseline  the validate-only framer N passes
 *   bench_dlt698 once N tree      the tree path N passes
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "meterhub/proto/crc.h"
#include "dlt698_mix.h"
#include "meterhub/proto/dlt698_data.h"
#include "meterhub/proto/dlt698_map.h"

#define PASSES 200

static uint8_t *stream;
static size_t stream_len, frames_per_pass;

static void build_mix(void)
{
    static uint8_t buf[16384];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    frames_per_pass = dlt698_mix_write(&w);
    if (mh_wr_err(&w)) {
        fprintf(stderr, "bench_dlt698: mix does not fit\n");
        exit(1);
    }
    size_t one = mh_wr_len(&w);
    stream_len = one * PASSES;
    stream = malloc(stream_len);
    for (size_t k = 0; k < PASSES; k++)
        memcpy(stream + k * one, buf, one);
}

/* Baseline: find 68, check L, HCS, FCS and the end byte; decode nothing. */
static void validate_only(void *ctx)
{
    (void)ctx;
    size_t pos = 0, n = 0;
    while (pos + 12 <= stream_len) {
        if (stream[pos] != 0x68) {
            pos++;
            continue;
        }
        size_t l = (size_t)(stream[pos + 1] | (stream[pos + 2] & 0x3F) << 8);
        size_t hl = 1 + 2 + 1 + 1 + (size_t)(stream[pos + 4] & 0x0F) + 1 + 1 + 2;
        if (pos + l + 2 > stream_len)
            break;
        uint16_t hcs = mh_crc16_x25(stream + pos + 1, hl - 3);
        uint16_t fcs = mh_crc16_x25(stream + pos + 1, l - 2);
        if (stream[pos + hl - 2] == (uint8_t)hcs && stream[pos + hl - 1] == (uint8_t)(hcs >> 8) &&
            stream[pos + l - 1] == (uint8_t)fcs && stream[pos + l] == (uint8_t)(fcs >> 8) && stream[pos + l + 1] == 0x16)
            n++;
        pos += l + 2;
    }
    bench_sink(n);
}

static struct dlt698_node nodes[1024];
static struct dlt698_reading readings[1024];
static unsigned long errors; /* APDUs that failed to decode: the mix must have none */
static int tree; /* 1: the tree path (decode into nodes, then map them), for comparison */

static int sum_value(void *ctx, const struct dlt698_value *v)
{
    *(uint64_t *)ctx += (uint64_t)v->value.m + v->item;
    return 0;
}

/* One Data mapped through its column: streamed (the subject) or through the tree. */
static uint64_t map_data(struct mh_rd *r, const struct dlt698_col *col)
{
    uint64_t acc = 0;
    if (!tree) {
        dlt698_data_map(r, col, sum_value, &acc);
        return acc;
    }
    int used = dlt698_data_decode(r, nodes, sizeof nodes / sizeof nodes[0]);
    if (used <= 0)
        return 0;
    int n = dlt698_readings_of(col->row, col->element, nodes, (size_t)used, 0, readings,
                               sizeof readings / sizeof readings[0]);
    for (int k = 0; k < n; k++)
        acc += (uint64_t)readings[k].value.m + readings[k].item;
    return acc;
}

/* A column: resolved in full for the streamed path; the tree path needs only the row (one lookup). */
static void column(struct dlt698_col *col, uint32_t oad)
{
    if (!tree) {
        dlt698_col_init(col, oad);
        return;
    }
    col->oad = oad;
    col->row = dlt698_oi_lookup((uint16_t)(oad >> 16), (uint8_t)(oad >> 8));
    col->element = (uint8_t)oad;
}

static uint64_t result_normal(struct mh_rd *r)
{
    struct dlt698_col col;
    column(&col, mh_rd_u32be(r));
    if (mh_rd_u8(r) != 1) {
        mh_rd_skip(r, 1); /* DAR */
        return 0;
    }
    return map_data(r, &col);
}

static uint64_t result_record(struct mh_rd *r)
{
    static struct dlt698_node rcsd[64];
    struct dlt698_col cols[16]; /* each column's object, looked up once per record */
    mh_rd_skip(r, 4);
    int used = dlt698_value_decode(r, DLT698_RCSD, rcsd, 64);
    if (used < 0)
        return 0;
    uint32_t n = rcsd[0].count < 16 ? rcsd[0].count : 16;
    size_t j = 1;
    for (uint32_t k = 0; k < n; k++) {
        column(&cols[k], (uint32_t)rcsd[j + 1].v.u);
        j = rcsd[j].next;
    }
    if (mh_rd_u8(r) != 1)
        return 0;
    uint64_t acc = 0;
    size_t rows = dlt698_len_read(r);
    if (!tree) {
        dlt698_rows_map(r, cols, n, rows, sum_value, &acc);
        return acc;
    }
    for (size_t row = 0; row < rows && mh_rd_err(r) == 0; row++)
        for (uint32_t k = 0; k < n; k++)
            acc += map_data(r, &cols[k]);
    return acc;
}

static uint64_t apdu(const uint8_t *p, size_t len)
{
    struct mh_rd r;
    mh_rd_init(&r, p, len);
    uint8_t tag = mh_rd_u8(&r);
    uint64_t acc = 0;
    if (tag == 0x01) { /* LINK-Request: PIID-ACD, type, heartbeat, date_time */
        mh_rd_skip(&r, 4);
        int u = dlt698_value_decode(&r, DLT698_DATETIME, nodes, 1);
        if (u < 0 || mh_rd_left(&r) != 0)
            errors++;
        return u > 0 ? nodes[0].v.time.sec : 0;
    }
    uint8_t choice = mh_rd_u8(&r);
    mh_rd_skip(&r, 1); /* PIID(-ACD) */
    switch (tag << 8 | choice) {
    case 0x8501:
        acc += result_normal(&r);
        break;
    case 0x8502:
    case 0x8801: {
        size_t n = dlt698_len_read(&r);
        for (size_t k = 0; k < n && mh_rd_err(&r) == 0; k++)
            acc += result_normal(&r);
        break;
    }
    case 0x8503:
        acc += result_record(&r);
        break;
    case 0x8802: {
        size_t n = dlt698_len_read(&r);
        for (size_t k = 0; k < n && mh_rd_err(&r) == 0; k++)
            acc += result_record(&r);
        break;
    }
    default:
        break;
    }
    if (mh_rd_err(&r) || mh_rd_left(&r) != 2) /* FollowReport and TimeTag remain */
        errors++;
    return acc;
}

static uint64_t checksum; /* of the last pass: the two paths must agree */

/* Subject: frame, parse, walk the APDU, map every Data to items (streamed, or through the tree). */
static void decode_all(void *ctx)
{
    (void)ctx;
    size_t pos = 0;
    uint64_t acc = 0;
    while (pos < stream_len) {
        struct mh_frame_span sp;
        int rc = dlt698_frame_scan(stream + pos, stream_len - pos, &sp);
        if (rc == 0)
            break;
        if (rc == 1) {
            struct dlt698_frame f;
            if (dlt698_frame_parse_scanned(stream + pos + sp.off, sp.len, &f) == 0)
                acc += apdu(f.apdu, f.apdu_len);
        }
        pos += sp.off + sp.len;
    }
    checksum = acc;
    bench_sink(acc);
}

static void decode_tree(void *ctx)
{
    tree = 1;
    decode_all(ctx);
    tree = 0;
}

int main(int argc, char **argv)
{
    build_mix();
    double frames = (double)frames_per_pass * PASSES;
    /* "once N [baseline|tree]" as scripts/bench-callgrind.sh runs it */
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "once") == 0) {
        long n = strtol(argv[2], NULL, 10);
        void (*fn)(void *) = decode_all;
        if (argc == 4)
            fn = strcmp(argv[3], "baseline") == 0 ? validate_only : strcmp(argv[3], "tree") == 0 ? decode_tree : NULL;
        if (!fn) {
            fprintf(stderr, "usage: bench_dlt698 [once N [baseline|tree]]\n");
            return 2;
        }
        for (long k = 0; k < n; k++)
            fn(NULL);
        printf("frames %.0f\n", frames * (double)n);
        return errors != 0;
    }
    uint64_t a0 = bench_allocs();
    decode_all(NULL);
    double allocs = (double)(bench_allocs() - a0) / frames;
    uint64_t streamed = checksum;
    decode_tree(NULL);
    if (errors || checksum != streamed) {
        fprintf(stderr, "bench_dlt698: %lu APDUs of the mix did not decode, sums %llu streamed %llu tree\n", errors,
                (unsigned long long)streamed, (unsigned long long)checksum);
        return 1;
    }
    double base_rate, rate, tree_rate;
    double ratio = bench_compare(validate_only, NULL, decode_all, NULL, frames, 15, &base_rate, &rate);
    double tree_ratio = bench_compare(validate_only, NULL, decode_tree, NULL, frames, 15, NULL, &tree_rate);
    double bytes_per_frame = (double)stream_len / frames;
    bench_report("dlt698 validate-only framer", base_rate / 1e6, "Mframes/s", -1);
    bench_report("dlt698 validate-only framer", base_rate * bytes_per_frame / 1e6, "MB/s", -1);
    bench_report("dlt698 full decode", rate / 1e6, "Mframes/s", ratio);
    bench_report("dlt698 full decode", rate * bytes_per_frame / 1e6, "MB/s", ratio);
    bench_report("dlt698 full decode (tree path)", tree_rate * bytes_per_frame / 1e6, "MB/s", tree_ratio);
    bench_report("dlt698 bytes per frame", bytes_per_frame, "B", -1);
    bench_report("dlt698 allocations per frame", allocs, "allocs", -1);
    return 0;
}
