/*
 * Benchmark helpers. Every benchmark runs a baseline and its subject on the
 * same bytes in one process, alternating, and reports the median ratio:
 * the machines are shared and noisy, ratios in one run are not.
 *
 * Output lines: "name value unit ratio" (ratio = subject / baseline
 * throughput; "-" where it does not apply).
 */
#ifndef MH_BENCH_H
#define MH_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic nanoseconds. */
uint64_t bench_now_ns(void);

/* Median of n doubles (sorts v in place). */
double bench_median(double *v, size_t n);

/* Allocations (malloc/calloc/realloc) made by this process so far. */
uint64_t bench_allocs(void);

/* Keep the compiler from discarding a computed value. */
void bench_sink(uint64_t v);

/* Print one result line. ratio < 0 prints "-". */
void bench_report(const char *name, double value, const char *unit, double ratio);

/*
 * Run fn(ctx) `rounds` times alternating with base(bctx), each call timed;
 * returns median(subject rate)/median(base rate) where rate = units / seconds
 * and each call processes `units` units. *subject_rate and *base_rate receive
 * the medians (units per second).
 */
double bench_compare(void (*base)(void *), void *bctx, void (*fn)(void *), void *ctx,
                     double units, int rounds, double *base_rate, double *subject_rate);

/*
 * The main of a frame-decode benchmark. "once N" runs subject N times and
 * prints "frames F" (for callgrind: instructions per frame, as
 * scripts/bench-callgrind.sh reads it), "once N baseline" or "once-base N"
 * the same for the baseline; otherwise
 * it counts the subject's allocations per frame, compares it with the
 * baseline (15 rounds) and reports "<name> validate-only framer" and
 * "<name> full decode" in frames/s and MB/s. Returns the exit status.
 */
int bench_decode_main(int argc, char **argv, const char *name, void (*base)(void *), void (*subject)(void *),
                      double frames, double bytes);

#endif
