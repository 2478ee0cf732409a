/*
 * Decoded DL/T 698.45 Data to normalized readings (dlt698_data.h): the
 * dictionary's layouts applied to a node tree, so every consumer (the
 * collector, the decode command, the benchmark) maps values one way.
 * Element semantics follow appendix B: energy, demand and power arrays
 * start with the total, voltage and current arrays with phase A; an
 * event's current-value table pairs a count with accumulated seconds.
 */
#include "data_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698_data.h"

struct walk {
    const struct dlt698_node *nodes;
    size_t n;
    const struct dlt698_oi_def *row; /* the attribute's row */
    struct dlt698_reading *out;
    size_t cap, count;
    int err;
    int quantity; /* row is a quantity (quantity()), decided once per walk */
};

/* Integer types (the decoder leaves them sign-extended in v.i); enum is a code, not a quantity. */
const uint8_t dlt698_integer[256] = {
    [DLT698_DOUBLE_LONG] = 1, [DLT698_DOUBLE_LONG_U] = 1, [DLT698_INTEGER] = 1, [DLT698_LONG] = 1,
    [DLT698_UNSIGNED] = 1,    [DLT698_LONG_U] = 1,        [DLT698_LONG64] = 1,  [DLT698_LONG64_U] = 1,
};

/* One node read at `element`; no_item for the seconds of a {count, seconds} pair. */
static inline void emit(struct walk *w, size_t i, uint8_t element, int no_item)
{
    const struct dlt698_node *nd = &w->nodes[i];
    uint8_t type = nd->type;
    if (type == DLT698_NULL) /* the device has no value there: nothing to read */
        return;
    /* dlt698_describe's rules, written out: through its pointers the compiler keeps the walk slower */
    const struct dlt698_oi_def *d = w->row;
    int qty = w->quantity;
    if (d->elements) {
        d = dlt698_oi_element(d, element);
        qty = dlt698_quantity(d);
    }
    uint32_t item = no_item ? 0 : dlt698_oi_item(d, element);
    int numeric = qty && dlt698_integer[type] && !(type == DLT698_LONG64_U && nd->v.u > INT64_MAX);
    if (!numeric && !item)
        return;
    if (w->count == w->cap) {
        w->err = MH_EOVERFLOW;
        return;
    }
    struct dlt698_reading *r = &w->out[w->count++];
    r->node = (uint32_t)i;
    r->item = item;
    r->def = d;
    r->numeric = (uint8_t)numeric;
    if (numeric) {
        r->device = mh_dec_make(nd->v.i, d->scaler);
        r->value = item ? mh_dec_make(nd->v.i, d->scaler + d->to_item) : r->device;
    } else {
        r->value = r->device = mh_dec_make(0, 0);
    }
}

/*
 * Node i at `element` (0: the whole attribute). counts: position in a
 * {count, seconds} pair of an event table (1, 2), else 0.
 */
static void walk(struct walk *w, size_t i, uint8_t element, unsigned counts, unsigned depth)
{
    const struct dlt698_node *nd = &w->nodes[i];
    if (w->err || depth > DLT698_MAX_DEPTH + 1)
        return;
    if (nd->type != DLT698_ARRAY && nd->type != DLT698_STRUCT) {
        emit(w, i, element, counts == 2);
        return;
    }
    uint8_t layout = w->row->layout;
    size_t j = i + 1;
    for (uint32_t k = 0; k < nd->count && j < w->n && !w->err; k++) {
        uint8_t el = element;
        unsigned cnt = 0;
        int read = 1;
        if (layout == DLT698_L_EVENT_COUNTS)
            cnt = nd->type == DLT698_STRUCT && nd->count == 2 ? k + 1 : 0;
        else if (element == 0 && layout != DLT698_L_RECORD && k < 255)
            el = (uint8_t)(k + 1);
        else
            read = element != 0 && nd->type == DLT698_STRUCT && k == 0; /* the value of a {value, time} element */
        uint8_t type = w->nodes[j].type;
        /* A scalar child is emitted here rather than through another call: most children are. */
        if (read && type != DLT698_ARRAY && type != DLT698_STRUCT) {
            if (depth + 1 <= DLT698_MAX_DEPTH + 1)
                emit(w, j, el, cnt == 2);
        } else if (read) {
            walk(w, j, el, cnt, depth + 1);
        }
        j = w->nodes[j].next > j ? w->nodes[j].next : w->n;
    }
}

int dlt698_readings_of(const struct dlt698_oi_def *row, uint8_t element, const struct dlt698_node *nodes, size_t n,
                       size_t root, struct dlt698_reading *out, size_t cap)
{
    if (!nodes || root >= n)
        return MH_EINVAL;
    if (!row)
        return 0;
    struct walk w = {nodes, n, row, out, cap, 0, 0, dlt698_quantity(row)};
    walk(&w, root, element, 0, 0);
    return w.err ? w.err : (int)w.count;
}

int dlt698_readings(uint32_t oad, const struct dlt698_node *nodes, size_t n, size_t root,
                    struct dlt698_reading *out, size_t cap)
{
    return dlt698_readings_of(dlt698_oi_lookup((uint16_t)(oad >> 16), (uint8_t)(oad >> 8)), (uint8_t)oad, nodes, n,
                              root, out, cap);
}
