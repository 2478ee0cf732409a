/*
 * Q/GDW 1376.1 decode throughput against a validate-only framer over the
 * same bytes, alternating, median ratio of 15 rounds. The mix is what a
 * master station receives from concentrators all day: logins and
 * heartbeats, current energy (F129, M = 4) for 1, 8 and 64 measuring
 * points, F25 power/voltage/current, F33 registers, daily frozen energy
 * (F161) for 16 points, a 96-point power curve and a 24-point voltage curve,
 * daily voltage statistics (F27), and an event report (ERC1) with ACD, EC
 * and Tp. The subject frames, parses, walks every data unit through the Fn
 * dictionary and decodes every value with its item and data time.
 *
 *   bench_gdw1376              the comparison
 *   bench_gdw1376 once N       decode N passes once (for callgrind: instructions per frame)
 *   bench_gdw1376 once N baseline (or once-base N)  the validate-only framer, N passes
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "meterhub/proto/gdw1376.h"

#define PASSES 300

static uint8_t *stream;
static size_t stream_len, frames_per_pass;

static const struct gdw1376_addr term = {0x0171, 0x0822, 1, 0};

static void add_frame(struct mh_wr *w, uint8_t c, uint8_t afn, uint8_t seq, const uint8_t *units, size_t n,
                      const uint8_t *ec, const struct gdw1376_tp *tp)
{
    if (gdw1376_frame_encode(w, c, &term, afn, seq, units, n, NULL, 0, ec, tp) != 0) {
        fputs("bench_gdw1376: mix does not fit\n", stderr);
        exit(1);
    }
    frames_per_pass++;
}

/* Append DA DT and `blocks` copies of one pn's data (the same block for every pn of the DA). */
static size_t unit(uint8_t *u, size_t at, uint8_t da1, uint8_t da2, uint16_t fn, const uint8_t *block, size_t n,
                   int blocks)
{
    uint8_t dt1, dt2;
    gdw1376_dt_encode(fn, &dt1, &dt2);
    u[at++] = da1;
    u[at++] = da2;
    u[at++] = dt1;
    u[at++] = dt2;
    for (int k = 0; k < blocks; k++, at += n)
        memcpy(u + at, block, n);
    return at;
}

static void build_mix(void)
{
    static uint8_t buf[1 << 16], u[1 << 14];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    /* F129: Td_c, M = 4, 5 x A.14 */
    static const uint8_t f129[] = {0x30, 0x14, 0x24, 0x11, 0x26, 0x04, 0x00, 0x00, 0x45, 0x23, 0x01, 0x00, 0x00,
                                   0x12, 0x23, 0x00, 0x00, 0x00, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00, 0x55, 0x00,
                                   0x00, 0x00, 0x00, 0x66, 0x00};
    uint8_t f25[67] = {0x30, 0x14, 0x24, 0x11, 0x26};
    for (size_t k = 5; k < sizeof f25; k++)
        f25[k] = (uint8_t)(0x10 + k % 0x50);
    uint8_t f33[5 + 1 + 5 * 17] = {0x30, 0x14, 0x24, 0x11, 0x26, 4};
    for (size_t k = 6; k < sizeof f33; k++)
        f33[k] = (uint8_t)(k % 10 * 0x11);
    uint8_t f161[3 + 5 + 1 + 25] = {0x23, 0x11, 0x26, 0x05, 0x00, 0x24, 0x11, 0x26, 4};
    for (size_t k = 9; k < sizeof f161; k++)
        f161[k] = (uint8_t)(k % 10 * 0x10);
    uint8_t c81[7 + 96 * 3] = {0x00, 0x00, 0x23, 0x11, 0x26, 1, 96};
    for (size_t k = 7; k < sizeof c81; k++)
        c81[k] = (uint8_t)(k % 3 == 0 ? 0x01 : 0x25);
    uint8_t c89[7 + 24 * 2] = {0x00, 0x00, 0x23, 0x11, 0x26, 3, 24};
    for (size_t k = 7; k < sizeof c89; k++)
        c89[k] = (uint8_t)(k % 2 ? 0x22 : 0x15);
    uint8_t d27[96] = {0x23, 0x11, 0x26};
    for (size_t k = 3; k < sizeof d27; k++)
        d27[k] = (uint8_t)(k % 7 == 0 ? 0x01 : 0x20);
    static const uint8_t erc1[] = {0x01, 0x01, 0x00, 0x01, 0x01, 0x0E, 0x35, 0x10, 0x16, 0x01, 0x14,
                                   0x02, 0x32, 0x2E, 0x30, 0x31, 0x32, 0x2E, 0x30, 0x32};
    static const uint8_t p0_f1[4] = {0, 0, 0x01, 0}, p0_f3[4] = {0, 0, 0x04, 0};
    const uint8_t ec[2] = {3, 0};
    struct gdw1376_tp tp = {1, {.day = 24, .hour = 14, .min = 30, .sec = 5, .has = MH_TM_DAY | MH_TM_HMS}, 0};
    size_t n;

    add_frame(&w, 0xC9, GDW1376_AFN_LINK, 0x71, p0_f1, 4, NULL, NULL); /* login */
    add_frame(&w, 0xC9, GDW1376_AFN_LINK, 0x72, p0_f3, 4, NULL, NULL); /* heartbeat */
    n = unit(u, 0, 0x01, 0x01, 129, f129, sizeof f129, 1);
    add_frame(&w, 0x88, GDW1376_AFN_CLASS1, 0x61, u, n, NULL, NULL); /* 1 pn */
    n = unit(u, 0, 0xFF, 0x01, 129, f129, sizeof f129, 8);
    add_frame(&w, 0x88, GDW1376_AFN_CLASS1, 0x62, u, n, NULL, NULL); /* 8 pn */
    n = 0;
    for (uint8_t g = 1; g <= 8; g++)
        n = unit(u, n, 0xFF, g, 129, f129, sizeof f129, 8);
    add_frame(&w, 0x88, GDW1376_AFN_CLASS1, 0x63, u, n, NULL, NULL); /* 64 pn */
    n = unit(u, 0, 0x01, 0x01, 25, f25, sizeof f25, 1);
    n = unit(u, n, 0x01, 0x01, 33, f33, sizeof f33, 1);
    add_frame(&w, 0x88, GDW1376_AFN_CLASS1, 0x64, u, n, NULL, NULL);
    n = unit(u, 0, 0xFF, 0x01, 161, f161, sizeof f161, 8);
    n = unit(u, n, 0xFF, 0x02, 161, f161, sizeof f161, 8);
    add_frame(&w, 0x88, GDW1376_AFN_CLASS2, 0x65, u, n, NULL, NULL); /* daily frozen, 16 pn */
    n = unit(u, 0, 0x01, 0x01, 81, c81, sizeof c81, 1);
    add_frame(&w, 0x88, GDW1376_AFN_CLASS2, 0x66, u, n, NULL, NULL); /* 96-point curve */
    n = unit(u, 0, 0x01, 0x01, 89, c89, sizeof c89, 1);
    n = unit(u, n, 0x01, 0x01, 27, d27, sizeof d27, 1);
    add_frame(&w, 0x88, GDW1376_AFN_CLASS2, 0x67, u, n, NULL, NULL);
    n = unit(u, 0, 0x00, 0x00, 1, erc1, sizeof erc1, 1);
    add_frame(&w, 0xA8, GDW1376_AFN_CLASS3, 0xE8, u, n, ec, &tp); /* event, ACD + EC + Tp */

    size_t one = mh_wr_len(&w);
    stream_len = one * PASSES;
    stream = malloc(stream_len);
    if (!stream)
        exit(1);
    for (size_t k = 0; k < PASSES; k++)
        memcpy(stream + k * one, buf, one);
}

/* Baseline: 68, both L equal, 68, length, checksum of the user data, 16; decode nothing. */
static void validate_only(void *ctx)
{
    (void)ctx;
    size_t pos = 0, n = 0;
    while (pos + 8 <= stream_len) {
        const uint8_t *p = stream + pos;
        if (p[0] != 0x68 || p[5] != 0x68 || p[1] != p[3] || p[2] != p[4]) {
            pos++;
            continue;
        }
        size_t user = (size_t)(p[1] | p[2] << 8) >> 2;
        if (pos + user + 8 > stream_len)
            break;
        uint8_t cs = 0;
        for (size_t k = 0; k < user; k++)
            cs = (uint8_t)(cs + p[6 + k]);
        if (cs == p[6 + user] && p[7 + user] == 0x16)
            n++;
        pos += user + 8;
    }
    bench_sink(n);
}

/* AFN0E records: EC1 EC2 Pm Pn {ERC Le data}. */
static uint64_t events(const uint8_t *p, size_t n)
{
    uint64_t acc = 0;
    for (size_t k = 4; k + 2 <= n && k + 2 + p[k + 1] <= n; k += 2u + p[k + 1])
        acc += p[k];
    return acc;
}

/* Subject: frame, parse, walk every unit through the dictionary, decode every value. */
static void decode_all(void *ctx)
{
    (void)ctx;
    size_t pos = 0;
    uint64_t acc = 0;
    while (pos < stream_len) {
        struct mh_frame_span sp;
        int rc = gdw1376_frame_scan(stream + pos, stream_len - pos, &sp);
        if (rc == 0)
            break;
        struct gdw1376_frame f;
        if (rc == 1 && gdw1376_frame_parse(stream + pos + sp.off, sp.len, 16, &f) == 0) {
            const uint8_t *p = f.units;
            size_t n = f.units_len, k = 0;
            while (k + 4 <= n) {
                uint16_t pn[8], fn[8];
                int np = gdw1376_da_decode(p[k], p[k + 1], pn), nf = gdw1376_dt_decode(p[k + 2], p[k + 3], fn);
                k += 4;
                if (np <= 0 || nf <= 0)
                    break;
                if (f.afn == GDW1376_AFN_CLASS3) {
                    acc += events(p + k, n - k);
                    k = n;
                    break;
                }
                const struct gdw1376_fn_def *defs[8];
                for (int b = 0; b < nf; b++)
                    defs[b] = gdw1376_fn_lookup(f.afn, fn[b]);
                for (int a = 0; a < np; a++)
                    for (int b = 0; b < nf; b++) {
                        const struct gdw1376_fn_def *d = defs[b];
                        if (!d)
                            continue; /* login, heartbeat: no data */
                        struct gdw1376_walk wk;
                        struct gdw1376_dv dv;
                        gdw1376_walk_init(&wk, d, p + k, n - k);
                        while (gdw1376_walk_next(&wk, &dv) == 1)
                            acc += (uint64_t)dv.v.num.m + dv.item + dv.when.min + pn[a];
                        k += wk.off;
                    }
            }
        }
        pos += sp.off + sp.len;
    }
    bench_sink(acc);
}

int main(int argc, char **argv)
{
    build_mix();
    return bench_decode_main(argc, argv, "gdw1376", validate_only, decode_all, (double)frames_per_pass * PASSES,
                             (double)stream_len);
}
