/*
 * Private to src/proto/dlt645: tables shared between the dictionary and
 * the load-record decoder.
 */
#ifndef MH_PROTO_DLT645_INT_H
#define MH_PROTO_DLT645_INT_H

#include "meterhub/proto/dlt645.h"

/* Active power total, A, B, C and reactive power total, A, B, C (XX.XXXX, signed): frozen variables and load class 2. */
extern const struct dlt645_field dlt645_power_fields[8];

#endif
