/*
 * Hex text <-> bytes, for the command line, tests and logs.
 */
#ifndef MH_BASE_HEX_H
#define MH_BASE_HEX_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse hex digits from text into out. Spaces, tabs, newlines, ':' and '-'
 * between byte pairs are ignored, as is an optional "0x" before a pair.
 * Returns the number of bytes written, MH_EINVAL for a non-hex character or
 * an odd digit count, MH_ENOSPC when out is too small. *bad_at (optional)
 * receives the offset in text of the offending character.
 */
long mh_hex_decode(const char *text, size_t text_len, uint8_t *out, size_t cap, size_t *bad_at);

/*
 * Write n bytes as upper-case hex into out (2n characters plus a NUL, so cap
 * must be >= 2n+1), separated by sep when sep is not 0. Returns characters
 * written without the NUL, or MH_ENOSPC.
 */
long mh_hex_encode(const uint8_t *in, size_t n, char sep, char *out, size_t cap);

#endif
