/*
 * The order a backend stores a batch in: by reading key (meter, item, data
 * time), equal keys in arrival order so the later one is applied last.
 */
#include "store_int.h"

int store_reading_key_cmp(const void *a, const void *b)
{
    const struct store_reading *x = *(const struct store_reading *const *)a;
    const struct store_reading *y = *(const struct store_reading *const *)b;
    if (x->meter != y->meter)
        return x->meter < y->meter ? -1 : 1;
    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x < y ? -1 : x > y;
}
