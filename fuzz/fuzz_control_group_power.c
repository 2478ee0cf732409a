/*
 * A terminal's AFN0C F17 reply on arbitrary bytes (control_group_power_parse),
 * for each total-add group: it reads only through the codec's bounded
 * readers and returns a power or an error, whatever it is given.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "control_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (uint16_t g = 1; g <= 8; g++) {
        int64_t w = 0;
        int rc = control_group_power_parse(data, size, g, &w);
        if (rc > 0)
            abort();
    }
    return 0;
}
