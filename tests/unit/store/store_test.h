/*
 * Shared by the store tests: where each test's database lives, and a small
 * archive.
 *
 * The suite runs against any backend. MH_TEST_STORE_URI selects it: unset,
 * every test gets a fresh SQLite file in a new temporary directory; set, it
 * is a URI in which "{name}" is replaced by the test's name
 * ("sqlite:/var/tmp/mh/{name}.db", "postgres://localhost/mh_{name}"), and
 * each such database must be empty when the test starts.
 */
#ifndef MH_TEST_STORE_H
#define MH_TEST_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/store.h"

/* The URI for test `name` (static storage, valid until the next call). */
const char *store_test_uri(const char *name);

/* The SQLite file behind the default URI of `name` (NULL when MH_TEST_STORE_URI is set). */
const char *store_test_sqlite_path(const char *name);

/* Open uri with opt (NULL: defaults); fails the test on error. */
struct store *store_test_open(const char *uri, const struct store_options *opt);

/*
 * Archive CSV of one gdw1376 concentrator (region 0171, address 01710001)
 * in area A1 with its supply meter at pn 1 (100000000000) and n_users
 * residential meters at pn 2.. (100000000001 ..), then a DTU (dlt645) in
 * region 0172 with one industrial meter 200000000001 on channel group G2.
 */
char *store_test_archive_csv(int n_users);

/* Parse csv and import it; fails the test on error. */
void store_test_import(struct store *st, const char *csv, struct store_import_stats *stats);

/* A valid reading of meter, item at t with mantissa m, exponent -2, received at t*1000. */
struct store_reading store_test_reading(int64_t meter, uint32_t item, int64_t t, int64_t m);

/*
 * Hold the writer thread: append r with a callback that blocks until
 * store_test_release, and return once the writer is inside it. Everything
 * appended meanwhile waits in the queue, so tests choose batch boundaries
 * and fill the queue deterministically.
 */
struct store_test_gate;
struct store_test_gate *store_test_hold(struct store *st, const struct store_reading *r);

/* Let the writer go, wait until it has left the callback, free the gate. Any thread. */
void store_test_release(struct store_test_gate *g);

#endif
