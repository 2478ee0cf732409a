/*
 * The readings both store benchmarks write (SQLite and PostgreSQL), and the
 * subject's side of each: appends of one report at a time through the
 * store's writer, with each append's commit latency (append to durable
 * callback). One definition, so the two backends are measured on the same
 * rounds and the same way.
 *
 * A round is STORE_ROUND_READINGS new readings: STORE_ROUND_METERS meters
 * report interval after interval (the order a station receives them), so
 * inserts land all over the key space as they do in production.
 */
#ifndef MH_BENCH_STORE_ROUND_H
#define MH_BENCH_STORE_ROUND_H

#include <stddef.h>
#include <stdint.h>

#include "meterhub/store.h"

#define STORE_ROUND_METERS 20000
#define STORE_ROUND_INTERVALS 16
#define STORE_ROUND_READINGS (STORE_ROUND_METERS * STORE_ROUND_INTERVALS)
#define STORE_ROUND_REPORT 500 /* readings per append: one concentrator's report */
#define STORE_ROUND_TICKETS (STORE_ROUND_READINGS / STORE_ROUND_REPORT)

/* Round number `round` (0, 1, ...) into r (STORE_ROUND_READINGS entries): new keys each round. */
void store_round_fill(struct store_reading *r, int round);

/*
 * Append the round r as STORE_ROUND_TICKETS reports and wait for the last
 * commit; sent_ns (STORE_ROUND_TICKETS entries) receives each report's
 * commit latency in ns. Exits the program, naming `prog`, on any failure:
 * a benchmark that lost readings has no figure to give.
 */
void store_round_append(const char *prog, struct store *st, const struct store_reading *r,
                        uint64_t *sent_ns);

/*
 * The same at a steady `rate` readings/s for `seconds` (at most one round),
 * as a station below capacity sees it; the first `warmup_s` seconds are not
 * counted. lat_ms receives the counted latencies; returns their number.
 */
size_t store_round_paced(const char *prog, struct store *st, const struct store_reading *r,
                         uint64_t *sent_ns, double *lat_ms, int rate, int seconds, int warmup_s);

/* The p-th percentile (0..100) of v[0..n), n > 0; sorts v. */
double store_round_percentile(double *v, size_t n, int p);

/* Remove a SQLite file and its -wal and -shm. */
void store_round_remove_db(const char *path);

#endif
