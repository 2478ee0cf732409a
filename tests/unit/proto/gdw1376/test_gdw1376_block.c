/*
 * The block decoder (gdw1376_block.h) against the value walk
 * (gdw1376_walk_next) over the same data units: every value, every
 * block's bytes consumed and end code equal, whether a block comes from
 * the memo (layout bytes repeated) or is walked. The memo's use is counted
 * exactly, so a decoder that never takes it fails here too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_block.h"

#define MAX_VALUES 4096
#define MAX_BLOCKS 32

/* What a unit decodes to: the values in order, then each block's bytes consumed and end code. */
struct decoded {
    struct gdw1376_dv dv[MAX_VALUES];
    size_t values, blocks;
    size_t off[MAX_BLOCKS];
    int rc[MAX_BLOCKS];
};

static int same_tm(const struct mh_tm *a, const struct mh_tm *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

/* The members a value's kind gives meaning to. */
static void assert_same_dv(const struct gdw1376_dv *a, const struct gdw1376_dv *b)
{
    assert_ptr_equal(a->field, b->field);
    assert_int_equal(a->item, b->item);
    assert_int_equal(a->rep, b->rep);
    assert_int_equal(a->index, b->index);
    assert_int_equal(a->v.kind, b->v.kind);
    if (a->v.kind == GDW1376_V_NUM) {
        assert_int_equal(a->v.num.m, b->v.num.m);
        assert_int_equal(a->v.num.exp, b->v.num.exp);
    }
    if (a->v.kind == GDW1376_V_TIME)
        assert_true(same_tm(&a->v.time, &b->v.time));
    if (a->v.kind == GDW1376_V_TEXT)
        assert_string_equal(a->v.text, b->v.text);
    assert_true(same_tm(&a->when, &b->when));
}

/* Reference: the value walk, carried from block to block (gdw1376_walk_next_block) until a block fails. */
static void by_walk(struct decoded *out, const struct gdw1376_fn_def *d, const uint8_t *p, size_t n, size_t blocks)
{
    struct gdw1376_walk w;
    size_t k = 0;
    out->values = out->blocks = 0;
    for (size_t b = 0; b < blocks; b++) {
        if (b == 0)
            gdw1376_walk_init(&w, d, p, n);
        else
            gdw1376_walk_next_block(&w, p + k, n - k);
        int rc;
        while ((rc = gdw1376_walk_next(&w, &out->dv[out->values])) == 1)
            assert_true(++out->values < MAX_VALUES);
        out->off[out->blocks] = w.off;
        out->rc[out->blocks++] = rc;
        if (rc != 0)
            return;
        k += w.off;
    }
}

/* Subject: the block decoder b (initialised by the caller), a unit of `blocks` blocks from p. */
static void by_block(struct decoded *out, struct gdw1376_block *bk, const struct gdw1376_fn_def *d, const uint8_t *p,
                     size_t n, size_t blocks)
{
    size_t k = 0;
    out->values = out->blocks = 0;
    for (size_t b = 0; b < blocks; b++) {
        if (b == 0)
            gdw1376_block_first(bk, d, p, n);
        else
            gdw1376_block_next(bk, p + k, n - k);
        int nr;
        while ((nr = gdw1376_block_runs(bk)) > 0) {
            assert_true(nr <= GDW1376_BLOCK_RUNS);
            const int64_t *m = bk->m;
            for (int j = 0; j < nr; m += bk->r[j].n, j++)
                for (unsigned i = 0; i < bk->r[j].n; i++) {
                    gdw1376_run_dv(&bk->r[j], m, i, &out->dv[out->values]);
                    assert_true(++out->values < MAX_VALUES);
                }
        }
        out->off[out->blocks] = bk->w.off;
        out->rc[out->blocks++] = nr;
        if (nr != 0) {
            assert_int_equal(gdw1376_block_runs(bk), nr); /* an error stays */
            return;
        }
        k += bk->w.off;
    }
}

static void assert_agree(struct gdw1376_block *bk, const struct gdw1376_fn_def *d, const uint8_t *p, size_t n,
                         size_t blocks)
{
    static struct decoded want, got;
    by_walk(&want, d, p, n, blocks);
    by_block(&got, bk, d, p, n, blocks);
    assert_int_equal(got.blocks, want.blocks);
    assert_int_equal(got.values, want.values);
    for (size_t k = 0; k < want.blocks; k++) {
        assert_int_equal(got.off[k], want.off[k]);
        assert_int_equal(got.rc[k], want.rc[k]);
    }
    for (size_t k = 0; k < want.values; k++)
        assert_same_dv(&got.dv[k], &want.dv[k]);
}

/* F129 block: Td_c 2026-11-24 14:<min> (A.15), M tariffs, M + 1 A.14 registers of seed + tariff. */
static size_t f129(uint8_t *p, unsigned min, unsigned m, unsigned seed)
{
    size_t k = 0;
    p[k++] = (uint8_t)(min / 10 << 4 | min % 10);
    p[k++] = 0x14;
    p[k++] = 0x24;
    p[k++] = 0x11;
    p[k++] = 0x26;
    p[k++] = (uint8_t)m;
    for (unsigned t = 0; t <= m; t++) {
        unsigned v = seed + t;
        p[k++] = (uint8_t)(v / 10 % 10 << 4 | v % 10);
        p[k++] = (uint8_t)(v * 7 % 10 * 0x11);
        p[k++] = 0x45;
        p[k++] = 0x23;
        p[k++] = 0x01;
    }
    return k;
}

/*
 * One F129 unit of eleven blocks: the memo takes those whose Td_c and M
 * repeat the block before's (values of their own, EE fills, a digit above
 * 9 among them), not a new minute or a new M, and the last block at the
 * very end of the data too.
 */
static void test_block_f129_unit(void **state)
{
    (void)state;
    const struct gdw1376_fn_def *d = gdw1376_fn_lookup(GDW1376_AFN_CLASS1, 129);
    assert_non_null(d);
    uint8_t u[1024];
    size_t n = 0, b0;
    b0 = f129(u, 30, 4, 1);
    n = b0;
    n += f129(u + n, 30, 4, 2);
    n += f129(u + n, 30, 4, 3);
    memset(u + n - 5, 0xEE, 5); /* the last tariff: no data */
    n += f129(u + n, 30, 4, 4);
    u[n - 10] = 0x1A; /* a digit above 9: no data */
    n += f129(u + n, 30, 4, 5);
    n += f129(u + n, 45, 4, 6); /* a new minute: walked, then kept */
    n += f129(u + n, 45, 4, 7);
    n += f129(u + n, 45, 2, 8); /* M = 2: walked, then kept */
    n += f129(u + n, 45, 2, 9);
    n += f129(u + n, 45, 2, 10);
    n += f129(u + n, 45, 2, 11); /* the last: n = its size */
    static struct gdw1376_block bk;
    gdw1376_block_init(&bk);
    assert_int_equal(gdw1376_block_runs(&bk), 0); /* nothing before the first block */
    assert_agree(&bk, d, u, n, 11);
    assert_int_equal(bk.hits, 8); /* all but blocks 0, 5 and 7 */
    /* the next unit of the same Fn keeps the memo; its first block (minute 30, M 4) is not the last's */
    assert_agree(&bk, d, u, n, 11);
    assert_int_equal(bk.hits, 16);
    /* the walk's values, by hand: block 1 tariff 2 = 00 00 45 23 01 -> seed 2 + 2 */
    struct gdw1376_dv dv;
    struct gdw1376_walk w;
    gdw1376_walk_init(&w, d, u, b0);
    for (int k = 0; k < 5; k++)
        assert_int_equal(gdw1376_walk_next(&w, &dv), 1);
    assert_int_equal(dv.index, 2);
    assert_int_equal(dv.v.num.m, 123451103); /* 03 11 45 23 01 */
    assert_int_equal(dv.v.num.exp, -4);
}

/* A block shorter than its layout says fails as the walk does, the memo or not. */
static void test_block_truncated(void **state)
{
    (void)state;
    const struct gdw1376_fn_def *d = gdw1376_fn_lookup(GDW1376_AFN_CLASS1, 129);
    uint8_t u[256];
    size_t n = f129(u, 30, 4, 1);
    n += f129(u + n, 30, 4, 2);
    n += f129(u + n, 30, 4, 3) - 3;
    static struct gdw1376_block bk;
    gdw1376_block_init(&bk);
    assert_agree(&bk, d, u, n, 3);
    assert_int_equal(bk.hits, 1);
    assert_int_equal(gdw1376_block_runs(&bk), MH_ETRUNC);
}

/* M above 63: the runs before it, then MH_EPROTO on every later call, as the walk ends. */
static void test_block_bad_tariff_count(void **state)
{
    (void)state;
    const struct gdw1376_fn_def *d = gdw1376_fn_lookup(GDW1376_AFN_CLASS1, 129);
    uint8_t u[256];
    size_t n = f129(u, 30, 4, 1), at = n;
    n += f129(u + n, 30, 4, 2);
    u[at + 5] = 64;
    static struct gdw1376_block bk;
    gdw1376_block_init(&bk);
    assert_agree(&bk, d, u, n, 2);
    gdw1376_block_first(&bk, d, u + at, n - at);
    assert_true(gdw1376_block_runs(&bk) > 0); /* Td_c */
    assert_int_equal(gdw1376_block_runs(&bk), MH_EPROTO);
    assert_int_equal(gdw1376_block_runs(&bk), MH_EPROTO);
}

/* F161 (Td_d, Td_c, M, registers) and F25 (Td_c, signed powers, factors, voltages, currents). */
static void test_block_f161_f25(void **state)
{
    (void)state;
    const struct gdw1376_fn_def *d161 = gdw1376_fn_lookup(GDW1376_AFN_CLASS2, 161),
                                *d25 = gdw1376_fn_lookup(GDW1376_AFN_CLASS1, 25);
    assert_non_null(d161);
    assert_non_null(d25);
    uint8_t u[2048];
    size_t n = 0;
    for (unsigned b = 0; b < 4; b++) {
        static const uint8_t head[] = {0x23, 0x11, 0x26, 0x05, 0x00, 0x24, 0x11, 0x26, 4};
        memcpy(u + n, head, sizeof head);
        n += sizeof head;
        for (unsigned k = 0; k < 25; k++)
            u[n++] = (uint8_t)((k + b) % 10 * 0x11);
    }
    static struct gdw1376_block bk;
    gdw1376_block_init(&bk);
    assert_agree(&bk, d161, u, n, 4);
    assert_int_equal(bk.hits, 3);
    size_t size25;
    uint8_t blk[67] = {0x30, 0x14, 0x24, 0x11, 0x26};
    assert_int_equal(gdw1376_fn_data_size(d25, blk, sizeof blk, &size25), 0);
    assert_int_equal(size25, sizeof blk);
    n = 0;
    for (unsigned b = 0; b < 5; b++) {
        for (size_t k = 5; k < sizeof blk; k++)
            blk[k] = (uint8_t)((k * 3 + b) % 10 * 0x11 | (k % 4 == b % 4 ? 0x80 : 0)); /* signs set here and there */
        memcpy(u + n, blk, sizeof blk);
        n += sizeof blk;
    }
    assert_agree(&bk, d25, u, n, 5); /* a new Fn: the F161 memo forgotten */
    assert_int_equal(bk.hits, 3 + 4);
}

/* F28: Td_c and fourteen status words (two-byte binary values of their own, EE EE = no data). */
static void test_block_binary(void **state)
{
    (void)state;
    const struct gdw1376_fn_def *d = gdw1376_fn_lookup(GDW1376_AFN_CLASS1, 28);
    assert_non_null(d);
    uint8_t u[512];
    size_t n = 0;
    for (unsigned b = 0; b < 6; b++) {
        static const uint8_t tdc[] = {0x30, 0x14, 0x24, 0x11, 0x26};
        memcpy(u + n, tdc, sizeof tdc);
        n += sizeof tdc;
        for (unsigned k = 0; k < 28; k++)
            u[n++] = (uint8_t)(k * 37 + b * 11);
        if (b == 2)
            memset(u + n - 4, 0xEE, 2);
    }
    static struct gdw1376_block bk;
    gdw1376_block_init(&bk);
    assert_agree(&bk, d, u, n, 6);
    assert_int_equal(bk.hits, 5);
}

/*
 * The BCD values of a run two at a time (SSE2) against the portable way:
 * every size 1..8, signed or not, odd and even counts, valid digits, EE
 * fills and stray nibbles above 9 in any byte.
 */
static void test_bcd_words_paths_agree(void **state)
{
    (void)state;
#if defined(__SSE2__)
    uint8_t buf[9 * 8 + 8];
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (unsigned round = 0; round < 4000; round++) {
        for (size_t k = 0; k < sizeof buf; k++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            unsigned r = (unsigned)(x >> 33);
            buf[k] = r % 16 == 0 ? (uint8_t)(r >> 8) : r % 16 == 1 ? 0xEE : (uint8_t)((r >> 8) % 10 << 4 | (r >> 12) % 10);
        }
        unsigned size = 1 + round % 8, n = 1 + round / 8 % 9, sgn = round / 72 % 2;
        uint64_t top = sgn ? 0x7F : 0xFF, mask = size == 8 ? 0 : ~(uint64_t)0 << (8 * size);
        mask = ~mask & ~((uint64_t)0xFF << (8 * (size - 1))) ;
        mask |= top << (8 * (size - 1));
        uint64_t sign = sgn ? (uint64_t)0x80 << (8 * (size - 1)) : 0;
        int64_t a[9], b[9];
        gdw1376_bcd_words_scalar(buf, n, size, mask, sign, a);
        gdw1376_bcd_words_sse2(buf, n, size, mask, sign, b);
        for (unsigned i = 0; i < n; i++)
            assert_int_equal(a[i], b[i]);
    }
    /* by hand: A.14 01 23 45 11 03 -> 0311452301; A.9 negative 99 99 F9 -> -799999 */
    static const uint8_t v[] = {0x01, 0x23, 0x45, 0x11, 0x03, 0x99, 0x99, 0xF9, 0, 0, 0, 0, 0, 0, 0, 0};
    int64_t m[2];
    gdw1376_bcd_words_sse2(v, 1, 5, 0xFFFFFFFFFFu, 0, m);
    assert_int_equal(m[0], 311452301);
    gdw1376_bcd_words_sse2(v + 5, 1, 3, 0x7FFFFFu, 0x800000u, m);
    assert_int_equal(m[0], -799999);
#else
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_f129_unit),
        cmocka_unit_test(test_block_truncated),
        cmocka_unit_test(test_block_bad_tariff_count),
        cmocka_unit_test(test_block_f161_f25),
        cmocka_unit_test(test_block_binary),
        cmocka_unit_test(test_bcd_words_paths_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
