/*
 * The decoded output of the bench_gdw1376 mix (bench/gdw1376_mix.c), pinned:
 * every value of every data unit (pn, Fn, item, repetition index, kind,
 * number, time, text, data time) folded into one digest and counted, and a
 * few values spelled out. The expected digest was produced by the layout
 * walker before its hot path was restructured, so any change in what the
 * walk yields fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gdw1376_mix.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_block.h"
#include "meterhub/proto/item.h"

/* Produced by the walker before the restructuring of its hot path. */
#define MIX_VALUES 851
#define MIX_DIGEST 0x916525d3f54084a2u

/* FNV-1a, 64 bits: enough to tell any changed field of a value. */
struct digest {
    uint64_t h;
    size_t values, units, events;
};

static void mix_in(struct digest *d, uint64_t x, unsigned bytes)
{
    for (unsigned k = 0; k < bytes; k++) {
        d->h ^= (x >> (8 * k)) & 0xFF;
        d->h *= 0x100000001b3u;
    }
}

static void mix_tm(struct digest *d, const struct mh_tm *t)
{
    mix_in(d, t->year, 2);
    mix_in(d, t->mon, 1);
    mix_in(d, t->day, 1);
    mix_in(d, t->hour, 1);
    mix_in(d, t->min, 1);
    mix_in(d, t->sec, 1);
    mix_in(d, t->wday, 1);
    mix_in(d, t->ms, 2);
    mix_in(d, t->has, 2);
}

static void mix_dv(struct digest *d, uint16_t pn, const struct gdw1376_fn_def *def, const struct gdw1376_dv *dv)
{
    mix_in(d, pn, 2);
    mix_in(d, def->fn, 2);
    mix_in(d, (uint64_t)(dv->field - def->fields), 1); /* which field of the layout */
    mix_in(d, dv->item, 4);
    mix_in(d, dv->rep, 1);
    mix_in(d, dv->index, 2);
    mix_in(d, dv->v.kind, 1);
    if (dv->v.kind == GDW1376_V_NUM) {
        mix_in(d, (uint64_t)dv->v.num.m, 8);
        mix_in(d, (uint8_t)dv->v.num.exp, 1);
    }
    if (dv->v.kind == GDW1376_V_TIME)
        mix_tm(d, &dv->v.time);
    if (dv->v.kind == GDW1376_V_TEXT)
        for (size_t k = 0; k < sizeof dv->v.text && dv->v.text[k]; k++)
            mix_in(d, (uint8_t)dv->v.text[k], 1);
    mix_tm(d, &dv->when);
    d->values++;
}

/*
 * The values of one block a run at a time (gdw1376_walk_runs, at most cap
 * per call), each rebuilt as the struct gdw1376_dv gdw1376_walk_next
 * yields, so that both go through the same digest.
 */
static int walk_runs(struct digest *d, struct gdw1376_walk *w, uint16_t pn, const struct gdw1376_fn_def *def,
                     size_t cap, uint32_t want, struct gdw1376_dv *first)
{
    struct gdw1376_run r;
    int64_t m[96];
    int rc;
    assert_true(cap <= sizeof m / sizeof m[0]);
    while ((rc = gdw1376_walk_runs(w, &r, m, cap)) == 1) {
        assert_true(r.n >= 1 && r.n <= cap);
        for (unsigned i = 0; i < r.n; i++) {
            struct gdw1376_dv dv = {.field = gdw1376_run_field(&r, i), .rep = r.rep};
            dv.index = (uint16_t)gdw1376_run_index(&r, i);
            dv.item = gdw1376_run_item(&r, i);
            int kind = gdw1376_run_kind(&r, m, i);
            if (kind == GDW1376_V_TIME && r.kind == GDW1376_V_NUM) { /* a time of a run of fields */
                assert_true(r.fields && m[i] >= 0 && m[i] < GDW1376_RUN_TIMES);
                dv.v.kind = GDW1376_V_TIME;
                dv.v.time = r.t[m[i]];
            } else if (r.kind == GDW1376_V_NUM) {
                dv.v.kind = (uint8_t)kind;
                dv.v.num = mh_dec_make(m[i] == GDW1376_NODATA ? 0 : m[i], gdw1376_run_exp(&r, i));
            } else {
                assert_int_equal(r.n, 1);
                dv.v = r.v;
            }
            gdw1376_run_when(&r, i, &dv.when);
            mix_dv(d, pn, def, &dv);
            if (dv.item == want && first->item != want)
                *first = dv;
        }
    }
    return rc;
}

/* walk_frame's `runs` for the block decoder (gdw1376_block_runs), its decoders carried from frame to frame. */
#define BLOCKS ((size_t)-1)
static struct gdw1376_block blocks[8];

/* The values of one block a block at a time, each rebuilt by gdw1376_run_dv. */
static int walk_blocks(struct digest *d, struct gdw1376_block *b, uint16_t pn, const struct gdw1376_fn_def *def,
                       uint32_t want, struct gdw1376_dv *first)
{
    int nr;
    while ((nr = gdw1376_block_runs(b)) > 0) {
        const int64_t *m = b->m;
        for (int j = 0; j < nr; m += b->r[j].n, j++)
            for (unsigned i = 0; i < b->r[j].n; i++) {
                struct gdw1376_dv dv;
                gdw1376_run_dv(&b->r[j], m, i, &dv);
                mix_dv(d, pn, def, &dv);
                if (dv.item == want && first->item != want)
                    *first = dv;
            }
    }
    return nr;
}

/*
 * Walk every data unit of one parsed frame: carry 1 as the benchmark does
 * (the walk of the pn before carried on, gdw1376_walk_next_block), 0 with
 * a new walk per block; runs > 0: carried, a run at a time with at most
 * `runs` values per call (gdw1376_walk_runs); the first value of item
 * `want` to *first.
 */
static void walk_frame(struct digest *d, const struct gdw1376_frame *f, uint32_t want, struct gdw1376_dv *first,
                       int carry, size_t runs)
{
    const uint8_t *p = f->units;
    size_t n = f->units_len, k = 0;
    while (k + 4 <= n) {
        uint16_t pn[8], fn[8];
        int np = gdw1376_da_decode(p[k], p[k + 1], pn), nf = gdw1376_dt_decode(p[k + 2], p[k + 3], fn);
        k += 4;
        assert_true(np > 0 && nf > 0);
        if (f->afn == GDW1376_AFN_CLASS3) { /* EC1 EC2 Pm Pn {ERC Le data} */
            for (size_t e = k + 4; e + 2 <= n && e + 2 + p[e + 1] <= n; e += 2u + p[e + 1]) {
                mix_in(d, p[e], 1);
                d->events++;
            }
            return;
        }
        struct gdw1376_walk wk[8]; /* one per Fn, carried from pn to pn as the benchmark does */
        for (int a = 0; a < np; a++)
            for (int b = 0; b < nf; b++) {
                const struct gdw1376_fn_def *def = gdw1376_fn_lookup(f->afn, fn[b]);
                if (!def)
                    continue; /* login, heartbeat: no data */
                struct gdw1376_dv dv;
                int rc;
                if (runs == BLOCKS) {
                    if (a == 0)
                        gdw1376_block_first(&blocks[b], def, p + k, n - k);
                    else
                        gdw1376_block_next(&blocks[b], p + k, n - k);
                    assert_int_equal(walk_blocks(d, &blocks[b], pn[a], def, want, first), 0);
                    mix_in(d, blocks[b].w.off, 2);
                    k += blocks[b].w.off;
                    d->units++;
                    continue;
                }
                if (a == 0 || !carry)
                    gdw1376_walk_init(&wk[b], def, p + k, n - k);
                else
                    gdw1376_walk_next_block(&wk[b], p + k, n - k);
                if (runs)
                    rc = walk_runs(d, &wk[b], pn[a], def, runs, want, first);
                else
                    while ((rc = gdw1376_walk_next(&wk[b], &dv)) == 1) {
                        mix_dv(d, pn[a], def, &dv);
                        if (dv.item == want && first->item != want)
                            *first = dv;
                    }
                assert_int_equal(rc, 0);
                mix_in(d, wk[b].off, 2);
                k += wk[b].off;
                d->units++;
            }
    }
    assert_int_equal(k, n);
}

static void decode_mix(struct digest *d, uint32_t want, struct gdw1376_dv *first, int carry, size_t runs)
{
    static uint8_t buf[1 << 16];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    int frames = gdw1376_mix_build(&w);
    assert_int_equal(frames, 10);
    *d = (struct digest){.h = 0xcbf29ce484222325u};
    memset(first, 0, sizeof *first);
    size_t pos = 0, len = mh_wr_len(&w), seen = 0;
    while (pos < len) {
        struct mh_frame_span sp;
        struct gdw1376_frame f;
        assert_int_equal(gdw1376_frame_scan(buf + pos, len - pos, &sp), 1);
        assert_int_equal(gdw1376_frame_parse(buf + pos + sp.off, sp.len, 16, &f), 0);
        struct gdw1376_frame g;
        assert_int_equal(gdw1376_frame_parse_scanned(buf + pos + sp.off, sp.len, 16, &g), 0);
        assert_memory_equal(&f, &g, sizeof f);
        mix_in(d, f.afn, 1);
        walk_frame(d, &f, want, first, carry, runs);
        pos += sp.off + sp.len;
        seen++;
    }
    assert_int_equal(seen, 10);
}

static void test_mix_decodes_as_pinned(void **state)
{
    (void)state;
    struct digest d;
    struct gdw1376_dv first;
    decode_mix(&d, MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 2), &first, 1, 0);
    printf("mix: %zu units, %zu values, %zu events, digest %016llx\n", d.units, d.values, d.events,
           (unsigned long long)d.h);
    assert_int_equal(d.units, 1 + 8 + 64 + 2 + 16 + 1 + 2);
    assert_int_equal(d.values, MIX_VALUES);
    assert_int_equal(d.events, 1);
    assert_int_equal(d.h, MIX_DIGEST);
    /* F129 tariff 2 of the first pn: 00 00 00 33 44 -> 4433.0000 kWh read 2026-11-24 14:30 */
    assert_int_equal(first.v.kind, GDW1376_V_NUM);
    assert_int_equal(first.v.num.m, 44330000);
    assert_int_equal(first.v.num.exp, -4);
    assert_int_equal(first.index, 2);
    assert_int_equal(first.when.year, 2026);
    assert_int_equal(first.when.mon, 11);
    assert_int_equal(first.when.day, 24);
    assert_int_equal(first.when.hour, 14);
    assert_int_equal(first.when.min, 30);
}

/* A new walk per block decodes exactly what the carried walk does. */
static void test_new_walk_per_block_decodes_the_same(void **state)
{
    (void)state;
    struct digest d;
    struct gdw1376_dv first;
    decode_mix(&d, MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 2), &first, 0, 0);
    assert_int_equal(d.values, MIX_VALUES);
    assert_int_equal(d.h, MIX_DIGEST);
}

/*
 * The batch path (gdw1376_walk_runs) decodes exactly the pinned values:
 * whole runs, and runs cut into calls of 3 and of 1 value (a 96-point
 * curve goes on across calls, its point times carried).
 */
static void test_runs_decode_the_same(void **state)
{
    (void)state;
    static const size_t caps[] = {96, 3, 1};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        struct digest d;
        struct gdw1376_dv first;
        decode_mix(&d, MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 2), &first, 1, caps[c]);
        assert_int_equal(d.units, 1 + 8 + 64 + 2 + 16 + 1 + 2);
        assert_int_equal(d.values, MIX_VALUES);
        assert_int_equal(d.h, MIX_DIGEST);
        assert_int_equal(first.v.num.m, 44330000);
        assert_int_equal(first.v.num.exp, -4);
        assert_int_equal(first.index, 2);
    }
}

/*
 * The block decoder (gdw1376_block_runs) decodes exactly the pinned
 * values, twice over with the same decoders, the next pn of an F129 /
 * F161 unit from the memo.
 */
static void test_blocks_decode_the_same(void **state)
{
    (void)state;
    for (int b = 0; b < 8; b++)
        gdw1376_block_init(&blocks[b]);
    for (int pass = 0; pass < 2; pass++) {
        struct digest d;
        struct gdw1376_dv first;
        decode_mix(&d, MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 2), &first, 1, BLOCKS);
        assert_int_equal(d.units, 1 + 8 + 64 + 2 + 16 + 1 + 2);
        assert_int_equal(d.values, MIX_VALUES);
        assert_int_equal(d.h, MIX_DIGEST);
        assert_int_equal(first.v.num.m, 44330000);
        assert_int_equal(first.v.num.exp, -4);
    }
    unsigned long hits = 0;
    for (int b = 0; b < 8; b++)
        hits += blocks[b].hits;
    /*
     * Each pass, F129: 7 of the 8 pn frame's blocks (its first follows a
     * block at the end of its frame, not kept) and all 64 of the next
     * frame's; F161: 15 of 16 (F25, F33 came between).
     */
    assert_int_equal(hits, 2 * (7 + 64 + 15));
}

/*
 * A span the scan returned parses without its checksum checked again; the
 * header and lengths still are (a cut or mislabelled span is refused).
 */
static void test_parse_scanned(void **state)
{
    (void)state;
    static uint8_t buf[1 << 16];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(gdw1376_mix_build(&w), 10);
    struct mh_frame_span sp;
    struct gdw1376_frame f;
    assert_int_equal(gdw1376_frame_scan(buf, mh_wr_len(&w), &sp), 1);
    uint8_t fr[64];
    assert_true(sp.len <= sizeof fr);
    memcpy(fr, buf + sp.off, sp.len);
    fr[sp.len - 2] ^= 1; /* the checksum */
    assert_int_equal(gdw1376_frame_parse(fr, sp.len, 16, &f), MH_EBADCS);
    assert_int_equal(gdw1376_frame_parse_scanned(fr, sp.len, 16, &f), 0);
    assert_int_equal(gdw1376_frame_parse_scanned(fr, sp.len - 1, 16, &f), MH_ETRUNC);
    assert_int_equal(gdw1376_frame_parse_scanned(fr + 1, sp.len - 1, 16, &f), MH_EBADSTART);
    fr[3] ^= 4; /* the second L */
    assert_int_equal(gdw1376_frame_parse_scanned(fr, sp.len, 16, &f), MH_EBADLEN);
}

/* A run never takes cap 0; a walk's runs end where its values do, truncation included. */
static void test_runs_bounds(void **state)
{
    (void)state;
    /* F129: Td_c, M = 4, then only 3 of the 5 A.14 registers */
    static const uint8_t blk[] = {0x30, 0x14, 0x24, 0x11, 0x26, 0x04, 0x00, 0x00, 0x45, 0x23, 0x01, 0x00,
                                  0x00, 0x12, 0x23, 0x00, 0x00, 0x00, 0x33, 0x44, 0x00, 0x00};
    const struct gdw1376_fn_def *def = gdw1376_fn_lookup(GDW1376_AFN_CLASS1, 129);
    assert_non_null(def);
    struct gdw1376_walk w, v;
    struct gdw1376_run r;
    struct gdw1376_dv dv;
    int64_t m[8];
    gdw1376_walk_init(&w, def, blk, sizeof blk);
    assert_int_equal(gdw1376_walk_runs(&w, &r, m, 0), MH_EINVAL);
    gdw1376_walk_init(&v, def, blk, sizeof blk);
    int rc, rv;
    size_t values = 0, walked = 0;
    while ((rc = gdw1376_walk_runs(&w, &r, m, 8)) == 1)
        values += r.n;
    while ((rv = gdw1376_walk_next(&v, &dv)) == 1)
        walked++;
    assert_int_equal(rc, rv);
    assert_int_equal(rc, MH_ETRUNC);
    assert_int_equal(values, walked);
    assert_int_equal(w.off, v.off);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mix_decodes_as_pinned),
        cmocka_unit_test(test_new_walk_per_block_decodes_the_same),
        cmocka_unit_test(test_runs_decode_the_same),
        cmocka_unit_test(test_runs_bounds),
        cmocka_unit_test(test_blocks_decode_the_same),
        cmocka_unit_test(test_parse_scanned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
