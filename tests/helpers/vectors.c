#include "vectors.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "meterhub/base/hex.h"

json_t *tv_load(const char *name)
{
    const char *dir = getenv("MH_VECTORS_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/vectors", name);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root)
        fail_msg("cannot load %s: %s (line %d)", path, jerr.text, jerr.line);
    return root;
}

json_t *tv_vectors(json_t *file)
{
    json_t *v = json_object_get(file, "vectors");
    assert_non_null(v);
    assert_true(json_is_array(v));
    return v;
}

size_t tv_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t bad = 0;
    long n = mh_hex_decode(hex, strlen(hex), out, cap, &bad);
    if (n < 0)
        fail_msg("bad hex at %zu in '%s'", bad, hex);
    return (size_t)n;
}

const char *tv_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int tv_run(const char *cmdline, char *out, size_t cap)
{
    FILE *p = popen(cmdline, "r");
    if (!p)
        fail_msg("cannot run %s", cmdline);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

const char *tv_meterhub_path(void)
{
    static char path[1024];
    const char *dir = getenv("MH_BINARY_DIR");
    snprintf(path, sizeof path, "%s/src/cli/meterhub", dir ? dir : ".");
    return path;
}
