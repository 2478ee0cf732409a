#include "meterhub/base/hex.h"

#include "meterhub/base/err.h"

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int hex_separator(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' || c == '-' || c == ',';
}

long mh_hex_decode(const char *text, size_t text_len, uint8_t *out, size_t cap, size_t *bad_at)
{
    size_t n = 0;
    size_t i = 0;
    while (i < text_len) {
        char c = text[i];
        if (hex_separator(c)) {
            i++;
            continue;
        }
        if (c == '0' && i + 1 < text_len && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
            i += 2;
            continue;
        }
        int hi = hex_digit(c);
        int lo = i + 1 < text_len ? hex_digit(text[i + 1]) : -1;
        if (hi < 0 || lo < 0) {
            if (bad_at)
                *bad_at = hi < 0 ? i : i + 1;
            return MH_EINVAL;
        }
        if (n >= cap)
            return MH_ENOSPC;
        out[n++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    return (long)n;
}

long mh_hex_encode(const uint8_t *in, size_t n, char sep, char *out, size_t cap)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t need = n == 0 ? 1 : (sep ? 3 * n : 2 * n + 1);
    if (cap < need)
        return MH_ENOSPC;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (sep && i > 0)
            out[o++] = sep;
        out[o++] = digits[in[i] >> 4];
        out[o++] = digits[in[i] & 15];
    }
    out[o] = '\0';
    return (long)o;
}
