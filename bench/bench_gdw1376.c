/*
 * Q/GDW 1376.1 decode throughput against a validate-only framer over the
 * same bytes, alternating, median ratio of 15 rounds. The mix (gdw1376_mix.h)
 * is what a master station receives from concentrators all day. The subject
 * frames, parses, walks every data unit through the Fn dictionary and
 * decodes every value with its item and data time, a block at a time
 * (gdw1376_block_runs: the runs of gdw1376_walk_runs, the next pn's block
 * from the block before's when its layout bytes repeat).
 *
 *   bench_gdw1376              the comparison
 *   bench_gdw1376 once N       decode N passes once (for callgrind: instructions per frame)
 *   bench_gdw1376 once N baseline (or once-base N)  the validate-only framer, N passes
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "gdw1376_mix.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_block.h"

#define PASSES 300

static uint8_t *stream;
static size_t stream_len, frames_per_pass;

/* PASSES copies of the mix (gdw1376_mix.c). */
static void build_mix(void)
{
    static uint8_t buf[1 << 16];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    int frames = gdw1376_mix_build(&w);
    if (frames < 0) {
        fputs("bench_gdw1376: mix does not fit\n", stderr);
        exit(1);
    }
    frames_per_pass = (size_t)frames;
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

/*
 * The values of one block a whole block at a time (gdw1376_block_runs):
 * each with its mantissa (GDW1376_NODATA summed as it is), item and data
 * time's minute, as a consumer stores them; the next pn of an F129 / F161
 * unit from the block before's runs when its Td_c and M repeat.
 */
static uint64_t block_values(struct gdw1376_block *b, uint16_t pn)
{
    uint64_t acc = 0;
    int nr;
    while ((nr = gdw1376_block_runs(b)) > 0) {
        const int64_t *m = b->m;
        for (const struct gdw1376_run *r = b->r, *end = r + nr; r < end; m += r->n, r++) {
            unsigned min = r->when.min, step = r->curve && r->when.has ? r->step : 0;
            acc += (uint64_t)r->n * pn;
            if (r->fields) {
                for (unsigned i = 0; i < r->n; i++)
                    acc += (uint64_t)m[i] + r->field[i].item + min;
            } else if (!step) {
                for (unsigned i = 0; i < r->n; i++)
                    acc += (uint64_t)m[i] + gdw1376_run_item(r, i) + min;
            } else {
                for (unsigned i = 0; i < r->n; i++) {
                    acc += (uint64_t)m[i] + gdw1376_run_item(r, i) + min;
                    min += step;
                    min -= min >= 60 ? 60 : 0;
                }
            }
        }
    }
    return acc;
}

/* Subject: frame, parse, walk every unit through the dictionary, decode every value a block at a time. */
static void decode_all(void *ctx)
{
    (void)ctx;
    size_t pos = 0;
    uint64_t acc = 0;
    static struct gdw1376_block bk[8]; /* one per Fn of a unit, carried from pn to pn and unit to unit */
    for (int b = 0; b < 8; b++)
        gdw1376_block_init(&bk[b]);
    while (pos < stream_len) {
        struct mh_frame_span sp;
        int rc = gdw1376_frame_scan(stream + pos, stream_len - pos, &sp);
        if (rc == 0)
            break;
        struct gdw1376_frame f;
        if (rc == 1 && gdw1376_frame_parse_scanned(stream + pos + sp.off, sp.len, 16, &f) == 0) {
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
                        if (a == 0)
                            gdw1376_block_first(&bk[b], d, p + k, n - k);
                        else
                            gdw1376_block_next(&bk[b], p + k, n - k);
                        acc += block_values(&bk[b], pn[a]);
                        k += bk[b].w.off;
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
