/*
 * One Fn data block of the Q/GDW 1376.1 dictionary on arbitrary bytes: the
 * first byte picks the definition (its row in `meterhub items --gdw1376`,
 * modulo the table size), the rest is the block. The size computed
 * from the layout and the walk of every value agree, neither reads past the
 * data, a walk that ends cleanly consumed exactly that size, and every
 * value walked is what gdw1376_fmt_decode reads at its offset. The batch
 * walk (gdw1376_walk_runs) yields exactly the values of the value walk, and
 * so does the block decoder (gdw1376_block_runs) over the bytes taken as a
 * data unit of blocks of that Fn, its memo used where layouts repeat.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Does value i of a run hold what gdw1376_walk_next yields there? */
static int same(const struct gdw1376_run *r, const int64_t *m, unsigned i, const struct gdw1376_dv *dv)
{
    struct mh_tm when;
    int kind = gdw1376_run_kind(r, m, i);
    gdw1376_run_when(r, i, &when);
    if (gdw1376_run_field(r, i) != dv->field || gdw1376_run_item(r, i) != dv->item || r->rep != dv->rep ||
        gdw1376_run_index(r, i) != dv->index || kind != dv->v.kind || memcmp(&when, &dv->when, sizeof when) != 0)
        return 0;
    if (r->kind == GDW1376_V_TIME)
        return memcmp(&r->v.time, &dv->v.time, sizeof dv->v.time) == 0;
    if (r->kind == GDW1376_V_TEXT)
        return strcmp(r->v.text, dv->v.text) == 0;
    if (kind == GDW1376_V_TIME)
        return m[i] >= 0 && m[i] < GDW1376_RUN_TIMES && memcmp(&r->t[m[i]], &dv->v.time, sizeof dv->v.time) == 0;
    return kind == GDW1376_V_NODATA || (m[i] == dv->v.num.m && gdw1376_run_exp(r, i) == dv->v.num.exp);
}

/*
 * The batch walk (gdw1376_walk_runs, at most cap values a call) against
 * gdw1376_walk_next over the same block: the same values, the same end,
 * the same bytes consumed, no value written past cap.
 */
static void runs_agree(const struct gdw1376_fn_def *d, const uint8_t *block, size_t n, size_t cap)
{
    struct gdw1376_walk w, v;
    struct gdw1376_run r;
    struct gdw1376_dv dv;
    int64_t m[9];
    int rc;
    memset(m, 0x5A, sizeof m); /* m[cap] must stay so */
    gdw1376_walk_init(&w, d, block, n);
    gdw1376_walk_init(&v, d, block, n);
    while ((rc = gdw1376_walk_runs(&w, &r, m, cap)) == 1) {
        if (r.n < 1 || r.n > cap)
            abort();
        for (unsigned i = 0; i < r.n; i++)
            if (gdw1376_walk_next(&v, &dv) != 1 || !same(&r, m, i, &dv))
                abort();
    }
    if (rc != gdw1376_walk_next(&v, &dv) || w.off != v.off || m[cap] != 0x5A5A5A5A5A5A5A5A)
        abort();
}

/* The members of a value its kind gives meaning to, as same() compares them. */
static int same_dv(const struct gdw1376_dv *a, const struct gdw1376_dv *b)
{
    if (a->field != b->field || a->item != b->item || a->rep != b->rep || a->index != b->index ||
        a->v.kind != b->v.kind || memcmp(&a->when, &b->when, sizeof a->when) != 0)
        return 0;
    if (a->v.kind == GDW1376_V_NUM)
        return a->v.num.m == b->v.num.m && a->v.num.exp == b->v.num.exp;
    if (a->v.kind == GDW1376_V_TIME)
        return memcmp(&a->v.time, &b->v.time, sizeof a->v.time) == 0;
    if (a->v.kind == GDW1376_V_TEXT)
        return strcmp(a->v.text, b->v.text) == 0;
    return 1;
}

/*
 * The bytes as a data unit of up to 16 blocks of Fn d, twice over (the
 * second time the memo of the first's last block carries into the first):
 * the block decoder yields the value walk's values, ends each block where
 * it ends with its code, and an error stays.
 */
static void blocks_agree(const struct gdw1376_fn_def *d, const uint8_t *p, size_t n)
{
    static struct gdw1376_block bk;
    gdw1376_block_init(&bk);
    for (int twice = 0; twice < 2; twice++) {
        struct gdw1376_walk v;
        struct gdw1376_dv want, got;
        size_t k = 0;
        for (int b = 0; b < 16 && k < n; b++) {
            if (b == 0) {
                gdw1376_block_first(&bk, d, p, n);
                gdw1376_walk_init(&v, d, p, n);
            } else {
                gdw1376_block_next(&bk, p + k, n - k);
                gdw1376_walk_next_block(&v, p + k, n - k);
            }
            int nr;
            while ((nr = gdw1376_block_runs(&bk)) > 0) {
                const int64_t *m = bk.m;
                if (nr > GDW1376_BLOCK_RUNS)
                    abort();
                for (int j = 0; j < nr; m += bk.r[j].n, j++)
                    for (unsigned i = 0; i < bk.r[j].n; i++) {
                        gdw1376_run_dv(&bk.r[j], m, i, &got);
                        if (gdw1376_walk_next(&v, &want) != 1 || !same_dv(&got, &want))
                            abort();
                    }
            }
            if (nr != gdw1376_walk_next(&v, &want) || bk.w.off != v.off)
                abort();
            if (nr != 0) {
                if (gdw1376_block_runs(&bk) != nr)
                    abort();
                break;
            }
            if (v.off == 0)
                break; /* an empty block: the unit would not move on */
            k += v.off;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t count;
    const struct gdw1376_fn_def *t = gdw1376_fn_table(&count);
    const struct gdw1376_fn_def *d = &t[data[0] % count];
    size_t n = size - 1;
    uint8_t *block = malloc(n ? n : 1); /* an exact-size copy, so ASan sees any read past it */
    if (!block)
        return 0;
    memcpy(block, data + 1, n);
    size_t s = 0;
    int rc = gdw1376_fn_data_size(d, block, n, &s);
    if (rc == 0 && s > n)
        abort();
    struct gdw1376_walk w;
    struct gdw1376_dv dv;
    int wrc;
    size_t values = 0;
    size_t at = 0;
    gdw1376_walk_init(&w, d, block, n);
    while ((wrc = gdw1376_walk_next(&w, &dv)) == 1) {
        if (w.off > n || !dv.field)
            abort();
        /* the walk's inline plans read what the format decoder reads there, scaled */
        struct gdw1376_value v;
        if (gdw1376_fmt_decode((enum gdw1376_fmt)dv.field->fmt, block + at, n - at, &v) != 0 ||
            dv.v.kind != v.kind ||
            (v.kind == GDW1376_V_NUM && (dv.v.num.m != v.num.m || dv.v.num.exp != v.num.exp + dv.field->scale)))
            abort();
        at = w.off;
        values++;
    }
    /* the two agree: a clean size means a clean walk over exactly those bytes */
    if ((rc == 0) != (wrc == 0) || (rc == 0 && w.off != s) || values > 255u * 255u + 64u)
        abort();
    runs_agree(d, block, n, 1 + size % 8);
    blocks_agree(d, block, n);
    free(block);
    return 0;
}
