/* Private to the DL/T 698.45 data codec: the pieces the token reader, the tree decoder and the encoder share. */
#ifndef MH_PROTO_DLT698_DATA_INT_H
#define MH_PROTO_DLT698_DATA_INT_H

#include <stdint.h>

#include "meterhub/base/rd.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/value.h"

/* date_time (10 bytes), date (5), time (3) or date_time_s (7) body; FF fields are left out of has. */
void dlt698_time_read(struct mh_rd *r, uint8_t type, struct mh_tm *t);

struct dlt698_node;

/* Body of a childless type into nd (data_dec.c): 1, or 0 for a type with children. */
int dlt698_scalar_read(struct mh_rd *r, uint8_t type, struct dlt698_node *nd);

/* Fixed-size integer types by tag: body size (0: not one), and whether it is signed. */
struct dlt698_fixed {
    uint8_t size, is_signed;
};
extern const struct dlt698_fixed dlt698_fixed[256];

/*
 * The body of a fixed-size integer of `type` at q (dlt698_fixed[type].size
 * bytes, which the caller has checked are there), big-endian, sign-extended
 * for the signed types: whole words rather than a byte loop, since this is
 * most of a record's bytes.
 */
static inline uint64_t dlt698_fixed_get(const uint8_t *q, uint8_t type)
{
    unsigned size = dlt698_fixed[type].size;
    uint64_t v;
    switch (size) {
    case 1:
        v = q[0];
        break;
    case 2:
        v = (uint64_t)q[0] << 8 | q[1];
        break;
    case 4:
        v = (uint64_t)((uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3]);
        break;
    default:
        v = (uint64_t)q[0] << 56 | (uint64_t)q[1] << 48 | (uint64_t)q[2] << 40 | (uint64_t)q[3] << 32 |
            (uint64_t)q[4] << 24 | (uint64_t)q[5] << 16 | (uint64_t)q[6] << 8 | q[7];
        break;
    }
    if (dlt698_fixed[type].is_signed && size < 8 && (q[0] & 0x80))
        v |= ~(uint64_t)0 << (8 * size);
    return v;
}

/* Integer types (left sign-extended in v.i); enum is a code, not a quantity. */
extern const uint8_t dlt698_integer[256];

/* Does an object row describe a quantity: integers under it are values with a scaler or a unit? */
static inline int dlt698_quantity(const struct dlt698_oi_def *d)
{
    return d->scaler != 0 || d->unit[0] != '\0' || d->item != 0;
}

/*
 * How one value maps, for both mappers (readings.c on nodes, map.c on
 * bytes): the value of `type` (raw: its integer bits) read at element el
 * of an attribute row whose quantity() is row_qty; no_item for the seconds
 * of an event's {count, seconds} pair. Sets *def (the element's own row
 * when the attribute has element rows) and *item; returns whether it is
 * numeric (value and device to be set). Neither numeric nor an item: the
 * value is not a reading.
 */
static inline int dlt698_describe(const struct dlt698_oi_def *row, int row_qty, uint8_t el, int no_item, uint8_t type,
                                  uint64_t raw, const struct dlt698_oi_def **def, uint32_t *item)
{
    const struct dlt698_oi_def *d = row;
    int qty = row_qty;
    if (d->elements) {
        d = dlt698_oi_element(d, el);
        qty = dlt698_quantity(d);
    }
    *def = d;
    *item = no_item ? 0 : dlt698_oi_item(d, el);
    return qty && dlt698_integer[type] && !(type == DLT698_LONG64_U && raw > INT64_MAX);
}

/*
 * Validate and skip, as the tree decoder's walk would at `depth` (so the
 * DLT698_MAX_DEPTH limit and every error code are the tree's): an untagged
 * value of `type` whose tag (if any) was at off, or a whole tagged Data.
 * For the streaming mapper (map.c). Returns 0 or the reader's error.
 */
int dlt698_value_skip_at(struct mh_rd *r, uint8_t type, unsigned depth, size_t off);
int dlt698_data_skip_at(struct mh_rd *r, unsigned depth);

#endif
