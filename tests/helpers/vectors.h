/*
 * Test helpers: the protocol vector files (tests/vectors/<proto>.json) and
 * hex literals. Vectors are data: a test walks the file, so a vector added
 * there is checked without touching C.
 */
#ifndef MH_TESTS_VECTORS_H
#define MH_TESTS_VECTORS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Load tests/vectors/<name> (directory from $MH_VECTORS_DIR); fails the test when missing. */
json_t *tv_load(const char *name);

/* The "vectors" array of a loaded file. */
json_t *tv_vectors(json_t *file);

/* Hex text to bytes; fails the test on bad hex or overflow. Returns the byte count. */
size_t tv_hex(const char *hex, uint8_t *out, size_t cap);

/* String member of obj (NULL when absent or not a string). */
const char *tv_str(json_t *obj, const char *key);

/* Run a command line, capture its stdout (up to cap-1 bytes, NUL-terminated); returns exit status. */
int tv_run(const char *cmdline, char *out, size_t cap);

/* Path of the built meterhub binary ($MH_BINARY_DIR/src/cli/meterhub). Static storage. */
const char *tv_meterhub_path(void);

#endif
