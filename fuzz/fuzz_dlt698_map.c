/*
 * The streaming mapper (dlt698_map.h) on arbitrary bytes, against the tree
 * path it must equal: the first two bytes pick an attribute of the
 * dictionary, the third the OAD's element; the rest is a run of tagged
 * Data. For each Data both accept or refuse it with the same error, stop
 * at the same offset and yield the same readings; neither reads past the
 * input. Then the same bytes as record rows of three columns through
 * dlt698_rows_map, which must yield what the per-cell calls did.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/proto/dlt698_data.h"
#include "meterhub/proto/dlt698_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXV 8192

static struct dlt698_node nodes[DLT698_MAX_NODES];
static struct dlt698_reading readings[MAXV];
static size_t seen;
static int bad;

/* Compare each streamed value with the tree's reading of the same index (meaningful when the Data is accepted). */
static int against_tree(void *ctx, const struct dlt698_value *v)
{
    const uint8_t *end = ctx;
    (void)end;
    if (seen >= MAXV) {
        bad = 1;
        return 1;
    }
    const struct dlt698_reading *t = &readings[seen++];
    const struct dlt698_node *nd = &nodes[t->node];
    if (v->off != nd->off || v->type != nd->type || v->item != t->item || v->def != t->def ||
        v->numeric != t->numeric || v->value.m != t->value.m || v->value.exp != t->value.exp ||
        v->device.m != t->device.m || v->device.exp != t->device.exp)
        bad = 1;
    return 0;
}

static int count_only(void *ctx, const struct dlt698_value *v)
{
    (void)v;
    ++*(size_t *)ctx;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size - 3 > DLT698_MAX_FRAME) /* one frame's worth: the node array always suffices */
        return 0;
    size_t nrows;
    const struct dlt698_oi_def *table = dlt698_oi_table(&nrows);
    const struct dlt698_oi_def *row = &table[((size_t)data[0] << 8 | data[1]) % nrows];
    uint32_t oad = (uint32_t)row->oi << 16 | (uint32_t)row->attr << 8 | data[2];
    if (data[0] == 0xFF)
        oad = 0xEEEE0200; /* unknown to the dictionary: skipped */
    size_t len = size - 3;
    uint8_t *copy = malloc(len ? len : 1); /* exact size: ASan sees any read past it */
    if (!copy)
        return 0;
    memcpy(copy, data + 3, len);
    struct dlt698_col col;
    dlt698_col_init(&col, oad);

    struct mh_rd rt, rs;
    mh_rd_init(&rt, copy, len);
    mh_rd_init(&rs, copy, len);
    size_t per_cell = 0, cells = 0, good = 0; /* good: the offset past the last Data accepted */
    while (mh_rd_left(&rt) > 0) {
        int used = dlt698_data_decode(&rt, nodes, DLT698_MAX_NODES);
        int n = used < 0 ? used : dlt698_readings_of(col.row, col.element, nodes, (size_t)used, 0, readings, MAXV);
        if (n == MH_EOVERFLOW)
            break; /* more readings than this harness keeps */
        seen = 0;
        bad = 0;
        int got = dlt698_data_map(&rs, &col, against_tree, copy + len);
        if (got != n || (n >= 0 && (bad || seen != (size_t)n || rs.off != rt.off)) || rs.off > len)
            abort();
        if (n < 0)
            break;
        per_cell += (size_t)n;
        cells++;
        good = rs.off;
    }

    /* the Data read above again as rows of three columns of the same object */
    if (cells >= 3 && cells % 3 == 0) {
        struct dlt698_col cols[3] = {col, col, col};
        struct mh_rd r;
        mh_rd_init(&r, copy, len);
        size_t counted = 0;
        int got = dlt698_rows_map(&r, cols, 3, cells / 3, count_only, &counted);
        if (got < 0 || (size_t)got != per_cell || counted != per_cell || r.off != good)
            abort();
    }
    free(copy);
    return 0;
}
