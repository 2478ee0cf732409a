/*
 * Checks shared by the DL/T 698.45 APDU tests: decode a hex APDU (and see
 * every shorter prefix rejected and a trailing byte refused), compare an
 * encoder's output byte for byte, collect a list's items.
 */
#ifndef MH_TESTS_DLT698_APDU_CHECK_H
#define MH_TESTS_DLT698_APDU_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/proto/dlt698_apdu.h"

#define AC_MAX 2048

/* Hex into buf (AC_MAX bytes, must outlive a's views), decode into a; fails the test unless 0. */
size_t ac_decode(const char *hex, uint8_t *buf, struct dlt698_apdu *a);

/* Decoding hex must fail with err. */
void ac_reject(const char *hex, int err);

/* The writer holds exactly hex, and rc is 0. */
void ac_expect(int rc, const struct mh_wr *w, const char *hex);

/* Items of a decoded list into out (up to cap); returns the count, failing on an iterator error. */
size_t ac_items(const struct dlt698_items *items, union dlt698_item *out, size_t cap);

/* A view equals hex. */
void ac_view(const struct dlt698_bytes *b, const char *hex);

#endif
