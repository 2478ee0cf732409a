/*
 * Packed BCD, as every Chinese metering protocol sends numbers: two decimal
 * digits per byte, high nibble first, multi-byte values least significant
 * byte first (DL/T 645 4.2, Q/GDW 1376.1 appendix A).
 *
 * Pure functions on caller buffers; never read past n.
 */
#ifndef MH_PROTO_BCD_H
#define MH_PROTO_BCD_H

#include <stddef.h>
#include <stdint.h>

/* 1 if both nibbles of b are 0..9. */
static inline int mh_bcd_byte_valid(uint8_t b)
{
    return (b & 0x0F) <= 9 && (b >> 4) <= 9;
}

static inline uint8_t mh_bcd_byte_value(uint8_t b)
{
    return (uint8_t)((b >> 4) * 10 + (b & 0x0F));
}

static inline uint8_t mh_bcd_byte_from(uint8_t v)
{
    return (uint8_t)(((v / 10) << 4) | (v % 10));
}

/*
 * Decode n (<= 9) BCD bytes, least significant first, into *out.
 * Returns 0, MH_EBADBCD on a nibble above 9, MH_EINVAL for n > 9.
 */
int mh_bcd_decode_le(const uint8_t *in, size_t n, uint64_t *out);

/* Same for bytes sent most significant first (dates in some formats, 698 BCD). */
int mh_bcd_decode_be(const uint8_t *in, size_t n, uint64_t *out);

/*
 * Encode v as n BCD bytes, least significant first. Returns 0, or MH_ERANGE
 * when v needs more than 2n digits.
 */
int mh_bcd_encode_le(uint64_t v, uint8_t *out, size_t n);

/* 1 when every byte of in[0..n) equals fill (e.g. 0xEE "no data", 0xFF "not supported"). */
int mh_bytes_all(const uint8_t *in, size_t n, uint8_t fill);

#endif
