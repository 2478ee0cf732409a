/*
 * Building blocks the decode adapters share, so every protocol prints
 * values, times, items and errors the same way.
 */
#ifndef MH_CLI_JSON_OUT_H
#define MH_CLI_JSON_OUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "meterhub/proto/item.h"
#include "meterhub/proto/value.h"

/* A decimal as a JSON number: integer when exp >= 0, otherwise a real printed exactly. */
json_t *jout_dec(struct mh_dec d);

/* "2026-11-24T02:40:00" (present fields only); adds nothing for an empty time. */
json_t *jout_tm(const struct mh_tm *t);

/* "1.0.1.8.0" */
json_t *jout_item_code(uint32_t code);

/*
 * One engineering value: {"item": "1.0.1.8.0", "name": ..., "value": 1234.56,
 * "unit": "kWh"}. Unit from the item table; value null when has_value is 0
 * (the device sent a "no data" fill).
 */
json_t *jout_reading(uint32_t item, struct mh_dec v, int has_value);

/* Hex string of bytes, upper case, space separated ("" for none). */
json_t *jout_hex(const uint8_t *p, size_t n, char sep);

/* Two (or more) upper-case hex digits of v, width digits: jout_hexnum(0x91, 2) -> "91". */
json_t *jout_hexnum(unsigned long v, int width);

/* Set "error" (MH_E* name) and "reason" on obj; reason NULL uses mh_strerror(err). */
void jout_error(json_t *obj, int err, const char *reason);

/* json_dumps flags every printer uses: exact decimals, keys in insertion order. */
#define JOUT_FLAGS (JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

#endif
