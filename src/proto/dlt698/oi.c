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

static uint32_t key(uint16_t oi, uint8_t attr, uint8_t element)
{
    return (uint32_t)oi << 16 | (uint32_t)(attr & 0x1F) << 8 | element;
}

/* Binary search: the table is sorted by (OI, attribute, element); a test keeps it so. */
static const struct dlt698_oi_def *find_exact(uint16_t oi, uint8_t attr, uint8_t element)
{
    uint32_t k = key(oi, attr, element);
    size_t lo = 0, hi = dlt698_oi_nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct dlt698_oi_def *d = &dlt698_oi_rows[mid];
        uint32_t dk = key(d->oi, d->attr, d->element);
        if (dk == k)
            return d;
        if (dk < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct dlt698_oi_def *dlt698_oi_lookup(uint16_t oi, uint8_t attr)
{
    return find_exact(oi, attr, 0);
}

const struct dlt698_oi_def *dlt698_oi_find(uint16_t oi, uint8_t attr, uint8_t element)
{
    const struct dlt698_oi_def *d = element ? find_exact(oi, attr, element) : NULL;
    return d ? d : find_exact(oi, attr, 0);
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
