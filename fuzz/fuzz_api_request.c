/*
 * The API's own parsers of request text: the path against every route
 * pattern, and a time argument. Input: PATH '\n' TIME (either may be empty).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Paths and arguments reach the API as NUL-terminated text (libmicrohttpd). */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *nl = memchr(text, '\n', size);
    const char *time_text = "";
    if (nl) {
        *nl = '\0';
        time_text = nl + 1;
    }
    for (size_t i = 0; i < api_route_table_len; i++) {
        int64_t params[API_MAX_PARAMS] = {0};
        if (api_path_match(api_route_table[i].info.pattern, text, params) &&
            strchr(api_route_table[i].info.pattern, '{') && params[0] < 1)
            abort(); /* an {id} matched must be a positive id */
    }
    int64_t t;
    if (api_parse_time(time_text, &t) == 0 && (t < 0 || t > 253402300799LL))
        abort();
    free(text);
    return 0;
}
