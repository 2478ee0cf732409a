/*
 * DL/T 698.45 Data mapped while it is decoded (dlt698_map.h): the walk of
 * readings.c (array elements by the object's layout, the first member of a
 * {value, time} element, the count of an event's {count, seconds} pair)
 * done on the A-XDR bytes themselves instead of on a node tree.
 *
 * What is accepted and refused is the tree decoder's by construction:
 * fixed-size integers take the same one-check fast path as data_dec.c,
 * arrays and structures check the depth and count as its value() does,
 * and every other type, and every element the layout does not read, is
 * validated by the tree decoder's own walk at the same depth
 * (dlt698_value_skip_at, dlt698_data_skip_at). Recursion is bounded by
 * DLT698_MAX_DEPTH, checked before going deeper.
 */
#include "data_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698_map.h"

struct map {
    struct mh_rd *r;
    const struct dlt698_col *col;
    const struct dlt698_oi_def *row; /* the column's attribute row */
    uint8_t layout;
    uint8_t quantity;
    dlt698_value_fn fn;
    void *ctx;
    int count;
    struct dlt698_value v; /* oad set once; the rest per value */
};

void dlt698_col_init(struct dlt698_col *c, uint32_t oad)
{
    c->oad = oad;
    c->row = dlt698_oi_lookup((uint16_t)(oad >> 16), (uint8_t)(oad >> 8));
    c->element = (uint8_t)oad;
    c->quantity = c->row ? (uint8_t)dlt698_quantity(c->row) : 0;
    for (unsigned el = 0; el <= DLT698_COL_ELEMENTS; el++) {
        c->el_def[el] = c->row;
        c->el_item[el] = 0;
        c->el_quantity[el] = 0;
        if (c->row) /* an integer type: only the quantity part of the answer is kept */
            c->el_quantity[el] = (uint8_t)dlt698_describe(c->row, c->quantity, (uint8_t)el, 0, DLT698_LONG,
                                                          0, &c->el_def[el], &c->el_item[el]);
    }
}

/*
 * Types whose body has a fixed size and no field the tree decoder checks
 * (integers, times, TI, Scaler_Unit, COMDCB, floats): size + 1, 0 for the
 * others. The fast path of data() reads them with one bounds check; when
 * the bytes do not hold the body, the general path gives the tree's error.
 */
static const uint8_t body[256] = {
    [DLT698_NULL] = 1,          [DLT698_BOOL] = 2,       [DLT698_DOUBLE_LONG] = 5, [DLT698_DOUBLE_LONG_U] = 5,
    [DLT698_INTEGER] = 2,       [DLT698_LONG] = 3,       [DLT698_UNSIGNED] = 2,    [DLT698_LONG_U] = 3,
    [DLT698_LONG64] = 9,        [DLT698_LONG64_U] = 9,   [DLT698_ENUM] = 2,        [DLT698_FLOAT32] = 5,
    [DLT698_FLOAT64] = 9,       [DLT698_DATETIME] = 11,  [DLT698_DATE] = 6,        [DLT698_TIME] = 4,
    [DLT698_DATETIME_S] = 8,    [DLT698_OI] = 3,         [DLT698_OAD] = 5,         [DLT698_OMD] = 5,
    [DLT698_TI] = 4,            [DLT698_SCALER_UNIT] = 3, [DLT698_COMDCB] = 6,
};

/* The value of `type` at off, read at element el; no_item for the seconds of a {count, seconds} pair. */
__attribute__((always_inline)) static inline int emit(struct map *m, size_t off, uint8_t type, uint64_t raw,
                                                      uint8_t el, int no_item)
{
    if (type == DLT698_NULL) /* the device has no value there: nothing to read */
        return 0;
    struct dlt698_value *v = &m->v;
    const struct dlt698_col *c = m->col;
    int numeric;
    if (el <= DLT698_COL_ELEMENTS) { /* resolved by dlt698_col_init */
        v->def = c->el_def[el];
        v->item = no_item ? 0 : c->el_item[el];
        numeric = c->el_quantity[el] && dlt698_integer[type] && !(type == DLT698_LONG64_U && raw > INT64_MAX);
    } else {
        numeric = dlt698_describe(m->row, m->quantity, el, no_item, type, raw, &v->def, &v->item);
    }
    if (!numeric && !v->item)
        return 0;
    v->off = (uint32_t)off;
    v->type = type;
    v->element = el;
    v->numeric = (uint8_t)numeric;
    if (numeric) {
        v->raw = (int64_t)raw;
        v->device = mh_dec_make(v->raw, v->def->scaler);
        v->value = v->item ? mh_dec_make(v->raw, v->def->scaler + v->def->to_item) : v->device;
    } else {
        v->raw = 0;
        v->value = v->device = mh_dec_make(0, 0);
    }
    m->count++;
    return m->fn(m->ctx, v);
}

static int data(struct map *m, unsigned depth, uint8_t el, unsigned pair);

/*
 * A tagged Data of fixed size at `depth` (data_dec.c's fast path, same
 * checks), read at element el; pair is its position in a {count, seconds}
 * pair of an event table (1, 2), else 0. Returns 1 with *rc = emit's
 * answer when it was one, 0 (nothing read) for the general path, data().
 * Inline: most of what arrays and records carry is these.
 */
__attribute__((always_inline)) static inline int fixed(struct map *m, unsigned depth, uint8_t el, unsigned pair,
                                                       int *rc)
{
    struct mh_rd *r = m->r;
    size_t off = r->off;
    if (r->err || off >= r->len || depth > DLT698_MAX_DEPTH)
        return 0;
    uint8_t type = r->p[off];
    unsigned size = body[type];
    if (size == 0 || size > r->len - off)
        return 0;
    uint64_t raw = dlt698_fixed[type].size ? dlt698_fixed_get(r->p + off + 1, type) : 0;
    r->off = off + size;
    *rc = emit(m, off, type, raw, el, pair == 2);
    return 1;
}

/* Any tagged Data: fixed(), else data(). Returns 0, the reader's error, or the callback's stop. */
__attribute__((always_inline)) static inline int element(struct map *m, unsigned depth, uint8_t el, unsigned pair)
{
    int rc;
    return fixed(m, depth, el, pair, &rc) ? rc : data(m, depth, el, pair);
}

/* The general path of element(): compound and variable-size values, and every error. */
static int data(struct map *m, unsigned depth, uint8_t el, unsigned pair)
{
    struct mh_rd *r = m->r;
    size_t off = r->off;
    uint8_t type = mh_rd_u8(r);
    if (r->err)
        return r->err;
    if (type != DLT698_ARRAY && type != DLT698_STRUCT) {
        /* Every other type is one value to the layouts (readings.c walks into nothing else). */
        int rc = dlt698_value_skip_at(r, type, depth, off);
        return rc ? rc : emit(m, off, type, 0, el, pair == 2);
    }
    if (depth > DLT698_MAX_DEPTH)
        return mh_rd_fail(r, MH_EDEPTH);
    size_t n;
    if (r->off < r->len && r->p[r->off] < 0x80) /* the one-byte form, inline */
        n = r->p[r->off++];
    else
        n = dlt698_len_read(r);
    if (r->err)
        return r->err;
    if (n > mh_rd_left(r)) /* every element takes a byte at least */
        return mh_rd_fail(r, MH_EBADLEN);
    int rc = 0;
    if (m->layout == DLT698_L_EVENT_COUNTS) {
        unsigned pairs = type == DLT698_STRUCT && n == 2;
        for (size_t k = 0; k < n && rc == 0; k++)
            rc = element(m, depth + 1, el, pairs ? (unsigned)k + 1 : 0);
    } else if (el == 0 && m->layout != DLT698_L_RECORD) {
        /* elements 1..255 by the layout; past 255 there is no element number to read them at */
        for (size_t k = 0; k < n && rc == 0; k++)
            rc = k < 255 ? element(m, depth + 1, (uint8_t)(k + 1), 0) : dlt698_data_skip_at(r, depth + 1);
    } else {
        /* an element OAD's value: the first member of a {value, time} structure */
        for (size_t k = 0; k < n && rc == 0; k++)
            rc = k == 0 && el != 0 && type == DLT698_STRUCT ? element(m, depth + 1, el, 0)
                                                           : dlt698_data_skip_at(r, depth + 1);
    }
    return rc;
}

static inline void map_init(struct map *m, struct mh_rd *r, dlt698_value_fn fn, void *ctx)
{
    m->r = r;
    m->fn = fn;
    m->ctx = ctx;
    m->count = 0;
}

/* One cell through its column: 0, or an error or the callback's stop. */
static inline int map_cell(struct map *m, const struct dlt698_col *col)
{
    if (!col->row)
        return dlt698_data_skip_at(m->r, 0);
    m->col = col;
    m->row = col->row;
    m->layout = col->row->layout;
    m->quantity = col->quantity;
    m->v.oad = col->oad;
    return element(m, 0, col->element, 0);
}

int dlt698_data_map(struct mh_rd *r, const struct dlt698_col *col, dlt698_value_fn fn, void *ctx)
{
    if (mh_rd_err(r))
        return mh_rd_err(r);
    struct map m;
    map_init(&m, r, fn, ctx);
    int rc = map_cell(&m, col);
    return rc ? rc : m.count;
}

int dlt698_rows_map(struct mh_rd *r, const struct dlt698_col *cols, size_t ncols, size_t nrows, dlt698_value_fn fn,
                    void *ctx)
{
    if (mh_rd_err(r))
        return mh_rd_err(r);
    struct map m;
    map_init(&m, r, fn, ctx);
    if (ncols == 0) /* rows of no cells: nothing to read, however many the count says */
        return 0;
    for (size_t row = 0; row < nrows; row++)
        for (size_t c = 0; c < ncols; c++) {
            int rc = map_cell(&m, &cols[c]);
            if (rc)
                return rc;
        }
    return m.count;
}
