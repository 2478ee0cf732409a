/*
 * Checksums of the metering link layers.
 */
#ifndef MH_PROTO_CRC_H
#define MH_PROTO_CRC_H

#include <stddef.h>
#include <stdint.h>

/* Arithmetic sum mod 256 (DL/T 645 CS, Q/GDW 1376.1 CS). */
uint8_t mh_sum8(const uint8_t *p, size_t n);

/*
 * CRC-16/X.25 (DL/T 698.45 HCS and FCS): poly 0x1021 reflected (0x8408),
 * init 0xFFFF, reflected in/out, xorout 0xFFFF. "123456789" -> 0x906E.
 * Table-driven; sent low byte first.
 */
uint16_t mh_crc16_x25(const uint8_t *p, size_t n);

/* Continue a CRC over more bytes: crc = mh_crc16_x25_update(0xFFFF, ...) ... ^ 0xFFFF. */
uint16_t mh_crc16_x25_update(uint16_t crc, const uint8_t *p, size_t n);

#endif
