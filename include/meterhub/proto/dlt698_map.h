/*
 * DL/T 698.45 Data mapped to normalized readings while it is decoded: the
 * streaming twin of dlt698_data_decode + dlt698_readings_of (dlt698_data.h),
 * for consumers that want the values, not the tree. No node array, no
 * allocation: one pass over the A-XDR bytes yields each value as soon as it
 * is read.
 *
 * Contract (checked by the differential test and fuzz target against the
 * tree path):
 * - The bytes accepted, the error returned for bytes refused, the reader's
 *   position afterwards and the DLT698_MAX_DEPTH limit are those of
 *   dlt698_data_decode with a node array large enough (DLT698_MAX_NODES);
 *   there is no node cap here, so MH_EOVERFLOW never comes back.
 * - On success the values yielded are, in order, exactly the readings
 *   dlt698_readings_of gives for the same column (off = the reading's
 *   node off, the same item, def, value, device and numeric flag).
 * - On an error the values already yielded belong to a Data that was
 *   refused: the caller drops them (the tree path yields none).
 *
 * A column is resolved against the object dictionary once (dlt698_col_init)
 * and reused for every value and every row of a record; the per-value work
 * is the decode, the element's row and item, and the scaler.
 */
#ifndef MH_PROTO_DLT698_MAP_H
#define MH_PROTO_DLT698_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/base/rd.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/value.h"

/* Elements of a column resolved at dlt698_col_init; later ones are resolved per value. */
#define DLT698_COL_ELEMENTS 8

/*
 * An OAD (a result's, or a record column's) resolved once against the
 * dictionary: its attribute row, and for elements 0..DLT698_COL_ELEMENTS
 * the row, item and quantity flag each maps through, so the values of a
 * column (every row of a record) cost no lookup.
 */
struct dlt698_col {
    uint32_t oad;
    const struct dlt698_oi_def *row; /* the attribute's row; NULL: not in the dictionary (nothing maps) */
    uint8_t element;                 /* the OAD's element index (0: the whole attribute) */
    uint8_t quantity;                /* row's integers are quantities (scaler, unit or item) */
    uint8_t el_quantity[DLT698_COL_ELEMENTS + 1];
    uint32_t el_item[DLT698_COL_ELEMENTS + 1];
    const struct dlt698_oi_def *el_def[DLT698_COL_ELEMENTS + 1];
};

/* Resolve oad (dlt698_oi_lookup, then its elements' rows and items). */
void dlt698_col_init(struct dlt698_col *c, uint32_t oad);

/* One value as it is decoded. def and the pointers in it are static. */
struct dlt698_value {
    uint32_t oad;     /* the column's OAD */
    uint32_t off;     /* offset of the value's tag in the reader's bytes (dlt698_node.off) */
    uint8_t type;     /* enum dlt698_type */
    uint8_t element;  /* element it answers (1-based; 0 the attribute itself) */
    uint8_t numeric;  /* value, device and raw are set */
    uint32_t item;    /* normalized item, 0 when none */
    const struct dlt698_oi_def *def; /* the row describing it: scaler, unit, name */
    struct mh_dec value;  /* scaled into the item's unit (the device unit without an item) */
    struct mh_dec device; /* as the device meant it (device scaler and unit) */
    int64_t raw;          /* the integer as sent (sign-extended) */
};

/*
 * Called for each value; v is valid during the call only. Return 0 to go
 * on; anything else stops the walk and is returned by dlt698_data_map
 * (the reader is then left inside the Data).
 */
typedef int (*dlt698_value_fn)(void *ctx, const struct dlt698_value *v);

/*
 * Decode one tagged Data from r, yielding its values through col to fn
 * (borrowed for the call). Returns the number of values yielded (>= 0)
 * with r past the Data, a negative MH_E* (r's sticky error set too), or
 * fn's nonzero return. A NULL col->row validates and skips the Data.
 */
int dlt698_data_map(struct mh_rd *r, const struct dlt698_col *col, dlt698_value_fn fn, void *ctx);

/*
 * The rows of an A-ResultRecord (clause 8: nrows rows of ncols Data each,
 * concatenated, no per-row length), cell (row, c) mapped through cols[c]:
 * the same as dlt698_data_map on each cell in order, with each column
 * resolved once for every row. Returns the values yielded, a negative
 * MH_E* or fn's nonzero return.
 */
int dlt698_rows_map(struct mh_rd *r, const struct dlt698_col *cols, size_t ncols, size_t nrows, dlt698_value_fn fn,
                    void *ctx);

#endif
