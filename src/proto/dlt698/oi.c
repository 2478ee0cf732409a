/*
 * DL/T 698.45 objects (appendix B) to normalized items: lookups over the
 * generated dictionary (oi_table.c) and the element rules of its layouts.
 * Element semantics (clause 7 of docs/protocols/dlt698.md): energy, demand
 * and power arrays start with the total, voltage and current arrays with
 * phase A.
 */
#include "data_int.h"
#include "meterhub/proto/dlt698.h"

const struct dlt698_oi_def *dlt698_oi_table(size_t *n)
{
    *n = dlt698_oi_nrows;
    return dlt698_oi_rows;
}

/* One probe of the generated perfect hash (oi_table.c): a slot per attribute, its key compared. */
static const struct dlt698_oi_def *find_attr(uint16_t oi, uint8_t attr)
{
    uint32_t k = (uint32_t)oi << 8 | (attr & 0x1Fu);
    uint32_t bucket = (k * 0x9E3779B1u) >> 24;
    uint32_t slot = (((k * 0x85EBCA6Bu) >> 22) + dlt698_oi_disp[bucket]) & 1023u;
    unsigned i = dlt698_oi_slots[slot];
    return i != 0 && dlt698_oi_keys[i - 1] == k << 8 ? &dlt698_oi_rows[i - 1] : NULL;
}

const struct dlt698_oi_def *dlt698_oi_lookup(uint16_t oi, uint8_t attr)
{
    return find_attr(oi, attr);
}

const struct dlt698_oi_def *dlt698_oi_element(const struct dlt698_oi_def *d, uint8_t element)
{
    if (!d || element == 0 || d->elements == 0)
        return d;
    /* Element rows follow their attribute's in element order: usually 1..n, found in one step. */
    if (element <= d->elements && d[element].element == element)
        return &d[element];
    size_t i = (size_t)(d - dlt698_oi_rows);
    uint32_t want = dlt698_oi_keys[i] | element;
    for (size_t j = i + 1; j < dlt698_oi_nrows && (dlt698_oi_keys[j] >> 8) == (dlt698_oi_keys[i] >> 8); j++)
        if (dlt698_oi_keys[j] == want)
            return &dlt698_oi_rows[j];
    return d;
}

const struct dlt698_oi_def *dlt698_oi_find(uint16_t oi, uint8_t attr, uint8_t element)
{
    return dlt698_oi_element(find_attr(oi, attr), element);
}

uint32_t dlt698_oi_item(const struct dlt698_oi_def *d, unsigned element)
{
    return d ? dlt698_item_at(d, element) : 0;
}
