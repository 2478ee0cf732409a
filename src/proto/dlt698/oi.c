/*
 * DL/T 698.45 objects (appendix B) to normalized items: lookups over the
 * generated dictionary (oi_table.c) and the element rules of its layouts.
 * Element semantics (clause 7 of docs/protocols/dlt698.md): energy, demand
 * and power arrays start with the total, voltage and current arrays with
 * phase A.
 */
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/item.h"

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

/* Same quantity on phase k (1..3): OBIS C + 20 per phase (IEC 62056-61 C codes 21/41/61 ...). */
static uint32_t phase_item(uint32_t item, unsigned k)
{
    unsigned c = MH_OBIS_C(item);
    return (item & ~(0xFFu << 16)) | (uint32_t)(c + 20 * (k - 1)) << 16;
}

uint32_t dlt698_oi_item(const struct dlt698_oi_def *d, unsigned element)
{
    if (!d || !d->item)
        return 0;
    if (d->element)
        return element == 0 || element == d->element ? d->item : 0;
    switch (d->layout) {
    case DLT698_L_PHASES:
        return element >= 1 && element <= 3 ? phase_item(d->item, element) : 0;
    case DLT698_L_TOTAL_PHASES:
        if (element < 1 || element > 4)
            return 0;
        return element == 1 ? d->item : phase_item(d->item, element);
    case DLT698_L_TOTAL_TARIFFS:
        return element >= 1 && element <= 64 ? MH_OBIS_TARIFF(d->item, element - 1) : 0;
    case DLT698_L_VALUE:
    case DLT698_L_EVENT_COUNTS:
        return element <= 1 ? d->item : 0;
    default:
        return 0;
    }
}
