/*
 * Private to the gdw1376 application-frame files: the loop every AFN
 * parser shares (walk the units, hand each (pn, fn) and a reader
 * positioned at its data to a per-AFN decoder, count, bound the count).
 */
#ifndef MH_PROTO_GDW1376_AFN_INT_H
#define MH_PROTO_GDW1376_AFN_INT_H

#include "meterhub/proto/gdw1376_afn.h"

/*
 * one() decodes item k from r (pn, fn given) and returns 0 or MH_E*.
 * Returns the number of items, MH_EOVERFLOW when there are more than max,
 * or the first error of the walk or of one().
 */
typedef int (*afn_item_fn)(void *ctx, size_t k, struct mh_rd *r, uint16_t pn, uint16_t fn);
int afn_units_each(const uint8_t *units, size_t n, size_t max, afn_item_fn one, void *ctx);

/* Look an Fn up in a const table whose rows start with uint16_t fn. */
const void *afn_table_find(const void *table, size_t rows, size_t row_size, uint16_t fn);

#endif
