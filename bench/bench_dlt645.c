/*
 * DL/T 645 decode throughput against a validate-only framer over the same
 * bytes, alternating, median ratio of 15 rounds. The mix is what a
 * collector reads all day: energy (single and block), voltage block,
 * current, power, max demand with time, a daily freeze, status word 3 and
 * an error reply, a quarter of them with an FE preamble.
 *
 *   bench_dlt645                      the comparison
 *   bench_dlt645 once N [baseline]    N passes of the decoder (or the baseline) and
 *                                     nothing else, for callgrind: instructions per
 *                                     frame (scripts/bench-callgrind.sh)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "meterhub/proto/crc.h"
#include "meterhub/proto/dlt645.h"

#define PASSES 2000

static uint8_t *stream;
static size_t stream_len, frames_per_pass;

static void add_response(struct mh_wr *w, uint32_t di, const uint8_t *data, size_t n, int fe)
{
    static const uint8_t addr[6] = {0x61, 0x10, 0x01, 0x30, 0x12, 0x15};
    if (fe)
        mh_wr_fill(w, 0xFE, 4);
    dlt645_enc_read_response(w, addr, DLT645_2007, di, data, n, 0, -1);
    frames_per_pass++;
}

static void build_mix(void)
{
    static uint8_t buf[4096];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    const uint8_t e1[4] = {0x78, 0x56, 0x34, 0x12};
    const uint8_t e5[20] = {0x78, 0x56, 0x34, 0x12, 0x11, 0x11, 0x01, 0, 0x22, 0x22, 0x02, 0, 0x33, 0x33, 0x03, 0, 0x44, 0x44, 0x04, 0};
    const uint8_t u3[6] = {0x97, 0x22, 0x10, 0x22, 0x05, 0x23};
    const uint8_t i1[3] = {0x00, 0x05, 0x80};
    const uint8_t p4[12] = {0x00, 0x50, 0x01, 0x00, 0x50, 0x00, 0x00, 0x50, 0x00, 0x00, 0x50, 0x00};
    const uint8_t md[8] = {0x34, 0x12, 0x00, 0x30, 0x14, 0x15, 0x11, 0x26};
    const uint8_t fz[20] = {0x78, 0x56, 0x34, 0x12, 0x11, 0x11, 0x01, 0, 0x22, 0x22, 0x02, 0, 0x33, 0x33, 0x03, 0, 0x44, 0x44, 0x04, 0};
    const uint8_t st[2] = {0x50, 0x00};
    add_response(&w, 0x00010000, e1, 4, 1);
    add_response(&w, 0x0001FF00, e5, 20, 0);
    add_response(&w, 0x0201FF00, u3, 6, 0);
    add_response(&w, 0x02020100, i1, 3, 1);
    add_response(&w, 0x0203FF00, p4, 12, 0);
    add_response(&w, 0x01010000, md, 8, 0);
    add_response(&w, 0x05060101, fz, 20, 1);
    add_response(&w, 0x04000503, st, 2, 0);
    static const uint8_t addr[6] = {0x61, 0x10, 0x01, 0x30, 0x12, 0x15};
    dlt645_enc_error(&w, addr, DLT645_READ, 0x02);
    frames_per_pass++;
    size_t one = mh_wr_len(&w);
    stream_len = one * PASSES;
    stream = malloc(stream_len);
    for (size_t k = 0; k < PASSES; k++)
        memcpy(stream + k * one, buf, one);
}

/* Baseline: find 68, check the second 68, length, checksum and end byte; decode nothing. */
static void validate_only(void *ctx)
{
    (void)ctx;
    size_t pos = 0, n = 0;
    while (pos + 12 <= stream_len) {
        if (stream[pos] != 0x68 || stream[pos + 7] != 0x68) {
            pos++;
            continue;
        }
        size_t fl = 12u + stream[pos + 9];
        if (pos + fl > stream_len)
            break;
        if (mh_sum8(stream + pos, fl - 2) == stream[pos + fl - 2] && stream[pos + fl - 1] == 0x16)
            n++;
        pos += fl;
    }
    bench_sink(n);
}

/* Subject: frame, parse, decode every value to items (the offset removed on the way). */
static void decode_all(void *ctx)
{
    (void)ctx;
    size_t pos = 0;
    uint64_t acc = 0;
    while (pos < stream_len) {
        struct mh_frame_span sp;
        struct dlt645_frame f;
        int rc = dlt645_frame_next(stream + pos, stream_len - pos, &sp, &f);
        if (rc == 0)
            break;
        if (rc == 1 && !(f.ctrl & DLT645_CTRL_ABNORMAL)) {
            uint32_t di;
            struct dlt645_value v[8];
            int k = dlt645_frame_values(&f, DLT645_2007, &di, v, 8);
            for (int j = 0; j < k; j++)
                acc += (uint64_t)v[j].num.m + v[j].item;
        }
        pos += sp.off + sp.len;
    }
    bench_sink(acc);
}

int main(int argc, char **argv)
{
    build_mix();
    double frames = (double)frames_per_pass * PASSES;
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "once") == 0) {
        long n = strtol(argv[2], NULL, 10);
        int base = argc == 4 && strcmp(argv[3], "baseline") == 0;
        for (long k = 0; k < n; k++)
            (base ? validate_only : decode_all)(NULL);
        printf("frames %.0f\n", frames * (double)n);
        return 0;
    }
    uint64_t a0 = bench_allocs();
    decode_all(NULL);
    double allocs = (double)(bench_allocs() - a0) / frames;
    double base_rate, rate;
    double ratio = bench_compare(validate_only, NULL, decode_all, NULL, frames, 15, &base_rate, &rate);
    double bytes_per_frame = (double)stream_len / frames;
    bench_report("dlt645 validate-only framer", base_rate / 1e6, "Mframes/s", -1);
    bench_report("dlt645 full decode", rate / 1e6, "Mframes/s", ratio);
    bench_report("dlt645 full decode", rate * bytes_per_frame / 1e6, "MB/s", ratio);
    bench_report("dlt645 allocations per frame", allocs, "allocs", -1);
    return 0;
}
