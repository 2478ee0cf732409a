/*
 * The collector's decoder of AFN0C F7 replies (the terminal's event
 * counters) on arbitrary data units: it never reads past them and gives
 * the counters only for a whole p0 F7 unit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *units = malloc(size ? size : 1);
    if (!units)
        return 0;
    memcpy(units, data, size);
    uint8_t ec[2] = {0, 0};
    int rc = ctask_gdw1376_ec_parse(units, size, ec);
    if (rc == 0 && (size < 6 || ec[0] != units[4] || ec[1] != units[5]))
        abort();
    free(units);
    return 0;
}
