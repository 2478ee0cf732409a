#include "meterhub/proto/bcd.h"

#include "meterhub/base/err.h"

int mh_bcd_decode_le(const uint8_t *in, size_t n, uint64_t *out)
{
    if (n > 9)
        return MH_EINVAL;
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) {
        if (!mh_bcd_byte_valid(in[i]))
            return MH_EBADBCD;
        v = v * 100 + mh_bcd_byte_value(in[i]);
    }
    *out = v;
    return 0;
}

int mh_bcd_decode_be(const uint8_t *in, size_t n, uint64_t *out)
{
    if (n > 9)
        return MH_EINVAL;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!mh_bcd_byte_valid(in[i]))
            return MH_EBADBCD;
        v = v * 100 + mh_bcd_byte_value(in[i]);
    }
    *out = v;
    return 0;
}

int mh_bcd_encode_le(uint64_t v, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = mh_bcd_byte_from((uint8_t)(v % 100));
        v /= 100;
    }
    return v == 0 ? 0 : MH_ERANGE;
}

int mh_bytes_all(const uint8_t *in, size_t n, uint8_t fill)
{
    for (size_t i = 0; i < n; i++)
        if (in[i] != fill)
            return 0;
    return 1;
}
