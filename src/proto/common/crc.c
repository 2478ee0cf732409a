#include "meterhub/proto/crc.h"

#include <string.h>

/*
 * Every frame of every protocol is summed once or twice on arrival, so the
 * sum runs eight bytes at a time: the bytes go into four 16-bit lanes
 * (even and odd bytes), at most 128 words per round so no lane overflows
 * (128 x 2 x 255 < 65536), and the lanes are added at the end of a round.
 */
uint8_t mh_sum8(const uint8_t *p, size_t n)
{
    const uint64_t even = 0x00FF00FF00FF00FFull;
    uint64_t total = 0;
    while (n >= 8) {
        size_t words = n / 8 < 128 ? n / 8 : 128;
        uint64_t lanes = 0;
        for (size_t i = 0; i < words; i++, p += 8) {
            uint64_t x;
            memcpy(&x, p, 8);
            lanes += (x & even) + ((x >> 8) & even);
        }
        total += (lanes & 0xFFFF) + (lanes >> 16 & 0xFFFF) + (lanes >> 32 & 0xFFFF) + (lanes >> 48);
        n -= words * 8;
    }
    while (n--)
        total += *p++;
    return (uint8_t)total;
}

/* Reflected table for poly 0x8408, expanded by the preprocessor: each entry is eight shift/xor steps of its index. */
static const uint16_t crc16_x25_table[256] = {
#define R1(c) (((c) & 1) ? (((c) >> 1) ^ 0x8408) : ((c) >> 1))
#define R8(c) R1(R1(R1(R1(R1(R1(R1(R1(c))))))))
#define T4(i) R8(i), R8(i + 1), R8(i + 2), R8(i + 3)
#define T16(i) T4(i), T4(i + 4), T4(i + 8), T4(i + 12)
#define T64(i) T16(i), T16(i + 16), T16(i + 32), T16(i + 48)
    T64(0u), T64(64u), T64(128u), T64(192u)
#undef T64
#undef T16
#undef T4
#undef R8
#undef R1
};

uint16_t mh_crc16_x25_update(uint16_t crc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        crc = (uint16_t)((crc >> 8) ^ crc16_x25_table[(crc ^ p[i]) & 0xFF]);
    return crc;
}

uint16_t mh_crc16_x25(const uint8_t *p, size_t n)
{
    return (uint16_t)(mh_crc16_x25_update(0xFFFF, p, n) ^ 0xFFFF);
}
