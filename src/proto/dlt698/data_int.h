/* Private to the DL/T 698.45 data codec: the pieces the token reader, the tree decoder and the encoder share. */
#ifndef MH_PROTO_DLT698_DATA_INT_H
#define MH_PROTO_DLT698_DATA_INT_H

#include <stdint.h>

#include "meterhub/base/rd.h"
#include "meterhub/proto/value.h"

/* date_time (10 bytes), date (5), time (3) or date_time_s (7) body; FF fields are left out of has. */
void dlt698_time_read(struct mh_rd *r, uint8_t type, struct mh_tm *t);

struct dlt698_node;

/* Body of a childless type into nd (data_dec.c): 1, or 0 for a type with children. */
int dlt698_scalar_read(struct mh_rd *r, uint8_t type, struct dlt698_node *nd);

#endif
