/*
 * `meterhub decode` end to end on arbitrary bytes: every protocol's framer
 * and JSON adapter (the DL/T 698.45 APDU walk and the Q/GDW 1376.1 unit walk
 * live there), in auto mode, then the bytes as a bare DL/T 698.45 APDU.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy || !sink) {
        free(copy);
        return 0;
    }
    memcpy(copy, data, size);
    struct decode_opts opts = {0, 1};
    decode_stream(copy, size, NULL, &opts, 0, sink);
    json_t *o = decode_proto_dlt698.apdu_json(copy, size, &opts);
    json_decref(o);
    free(copy);
    return 0;
}
