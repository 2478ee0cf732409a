#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bench_median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Allocation counting by interposing malloc: the benchmark binary defines
 * the symbols, glibc's real allocator stays reachable as __libc_*.
 */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);
void free(void *p);

static volatile uint64_t alloc_count;

void *malloc(size_t n)
{
    alloc_count++;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
    alloc_count++;
    return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
    alloc_count++;
    return __libc_realloc(p, n);
}

void free(void *p)
{
    __libc_free(p);
}

uint64_t bench_allocs(void)
{
    return alloc_count;
}

static volatile uint64_t sink;

void bench_sink(uint64_t v)
{
    sink += v;
}

void bench_report(const char *name, double value, const char *unit, double ratio)
{
    if (ratio < 0)
        printf("%-40s %14.3f %-12s -\n", name, value, unit);
    else
        printf("%-40s %14.3f %-12s %.3f\n", name, value, unit, ratio);
    fflush(stdout);
}

double bench_compare(void (*base)(void *), void *bctx, void (*fn)(void *), void *ctx,
                     double units, int rounds, double *base_rate, double *subject_rate)
{
    double *br = malloc(sizeof(double) * (size_t)rounds);
    double *sr = malloc(sizeof(double) * (size_t)rounds);
    double *ratios = malloc(sizeof(double) * (size_t)rounds);
    if (!br || !sr || !ratios) {
        free(br);
        free(sr);
        free(ratios);
        return 0;
    }
    for (int i = 0; i < rounds; i++) {
        uint64_t t0 = bench_now_ns();
        base(bctx);
        uint64_t t1 = bench_now_ns();
        fn(ctx);
        uint64_t t2 = bench_now_ns();
        br[i] = units / ((double)(t1 - t0 + 1) / 1e9);
        sr[i] = units / ((double)(t2 - t1 + 1) / 1e9);
        ratios[i] = sr[i] / br[i];
    }
    /* The ratio of each pair is measured under the same machine load; take its median. */
    double ratio = bench_median(ratios, (size_t)rounds);
    if (base_rate)
        *base_rate = bench_median(br, (size_t)rounds);
    if (subject_rate)
        *subject_rate = bench_median(sr, (size_t)rounds);
    free(br);
    free(sr);
    free(ratios);
    return ratio;
}

int bench_decode_main(int argc, char **argv, const char *name, void (*base)(void *), void (*subject)(void *),
                      double frames, double bytes)
{
    /* "once N [baseline]" as scripts/bench-callgrind.sh runs it, or "once-base N" */
    if ((argc == 3 || argc == 4) && (strcmp(argv[1], "once") == 0 || strcmp(argv[1], "once-base") == 0)) {
        int use_base = strcmp(argv[1], "once-base") == 0 || (argc == 4 && strcmp(argv[3], "baseline") == 0);
        long n = strtol(argv[2], NULL, 10);
        for (long k = 0; k < n; k++)
            (use_base ? base : subject)(NULL);
        printf("frames %.0f\n", frames * (double)n);
        return 0;
    }
    uint64_t a0 = bench_allocs();
    subject(NULL);
    double allocs = (double)(bench_allocs() - a0) / frames;
    double base_rate, rate;
    double ratio = bench_compare(base, NULL, subject, NULL, frames, 15, &base_rate, &rate);
    double per_frame = bytes / frames;
    char line[128];
    snprintf(line, sizeof line, "%s validate-only framer", name);
    bench_report(line, base_rate / 1e6, "Mframes/s", -1);
    bench_report(line, base_rate * per_frame / 1e6, "MB/s", -1);
    snprintf(line, sizeof line, "%s full decode", name);
    bench_report(line, rate / 1e6, "Mframes/s", ratio);
    bench_report(line, rate * per_frame / 1e6, "MB/s", ratio);
    snprintf(line, sizeof line, "%s bytes per frame", name);
    bench_report(line, per_frame, "B", -1);
    snprintf(line, sizeof line, "%s allocations per frame", name);
    bench_report(line, allocs, "allocs", -1);
    return 0;
}
