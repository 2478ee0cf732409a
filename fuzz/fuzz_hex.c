/* The hex parser reads user text (command line, piped captures). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/hex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t out[256];
    size_t bad = 0;
    long n = mh_hex_decode((const char *)data, size, out, sizeof out, &bad);
    if (n < 0)
        return 0;
    /* Round trip: what decoded must encode and decode back to the same bytes. */
    char text[3 * sizeof out + 1];
    uint8_t again[sizeof out];
    long m = mh_hex_encode(out, (size_t)n, ' ', text, sizeof text);
    if (m < 0 || mh_hex_decode(text, (size_t)m, again, sizeof again, NULL) != n ||
        memcmp(out, again, (size_t)n) != 0)
        abort();
    return 0;
}
