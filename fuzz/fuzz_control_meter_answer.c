/*
 * A terminal's reply carrying a meter's DL/T 645 answer (control_meter_answer)
 * on arbitrary bytes, as each kind of terminal would carry it (1376.1 AFN10
 * F1, 698.45 PROXY TransCommandResponse, a DTU's bare frame): it reads only
 * through the codecs' bounded readers and returns an answer or an error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "meterhub/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t protos[] = {ARCHIVE_PROTO_GDW1376, ARCHIVE_PROTO_DLT698, ARCHIVE_PROTO_DLT645_2007};
    static const uint8_t maddr[6] = {0x61, 0x10, 0x01, 0x30, 0x12, 0x15}; /* 151230011061, the corpus' meter */
    for (size_t i = 0; i < sizeof protos; i++) {
        struct meter_link l;
        struct meter_answer a;
        memset(&l, 0, sizeof l);
        l.proto = protos[i];
        memcpy(l.maddr, maddr, sizeof maddr);
        int rc = control_meter_answer(&l, data, size, &a);
        if (rc > 0 || (rc == 0 && a.func != 0x1C && a.func != 0x11))
            abort();
    }
    return 0;
}
