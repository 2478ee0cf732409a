/*
 * A write someone waits on — the audit row of an operator's read — while
 * another process ingests readings into the same SQLite file at full
 * speed (serve --procs: one writer per front-end process). Its latency is
 * measured three ways in one run:
 *
 *   alone    nobody else writes: the baseline;
 *   bare     beside a writer that never gives way: a prepared INSERT in
 *            transactions of 262,144 readings back to back, SQLite's own
 *            busy handler (what the store's writer was before turns);
 *   store    beside the store's own writer (same batches), which gives way
 *            to a write someone waits on (src/store/sqlite/sqlite_turns.c).
 *
 * Reported: p50 and p99 of each, the ratio of each p99 to the alone p99,
 * and the ingest rate the other process kept up.
 *
 *   bench_store_turns [--dir DIR] [--seconds N]
 */
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "meterhub/base/err.h"
#include "meterhub/store.h"
#include "store_round.h"

#define BATCH 262144
#define GAP_MS 10      /* between two small writes */
#define RAMP_MS 1500   /* the ingesting process gets going before the first is timed */
#define MAX_SAMPLES 20000

enum side { ALONE, BARE, STORE };
static const char *const side_name[] = {"alone", "bare", "store"};

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static void die(const char *what, sqlite3 *db)
{
    fprintf(stderr, "bench_store_turns: %s%s%s\n", what, db ? ": " : "", db ? sqlite3_errmsg(db) : "");
    exit(1);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The other process, bare: insert rounds in BATCH-reading transactions until SIGTERM. Writes readings/s to fd. */
static void ingest_bare(const char *path, int round0, int out)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db,
                     "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 16384;"
                     "PRAGMA cache_size = -131072; PRAGMA busy_timeout = 10000",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO readings (meter_id, item, data_time, mantissa, exponent, quality,"
                           " protocol, terminal_id, received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           -1, &ins, NULL) != SQLITE_OK)
        die("bare writer", db);
    struct store_reading *r = malloc(sizeof *r * STORE_ROUND_READINGS);
    if (!r)
        die("out of memory", NULL);
    uint64_t n = 0, t0 = bench_now_ns();
    for (int round = round0; !stop; round++) {
        store_round_fill(r, round);
        for (size_t i = 0; i < STORE_ROUND_READINGS && !stop; i++) {
            if (i % BATCH == 0 && sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
                die("begin", db);
            sqlite3_bind_int64(ins, 1, r[i].meter);
            sqlite3_bind_int64(ins, 2, r[i].item);
            sqlite3_bind_int64(ins, 3, r[i].t);
            sqlite3_bind_int64(ins, 4, r[i].value.m);
            sqlite3_bind_int(ins, 5, r[i].value.exp);
            sqlite3_bind_int(ins, 6, r[i].quality);
            sqlite3_bind_int(ins, 7, r[i].protocol);
            sqlite3_bind_int64(ins, 8, r[i].terminal);
            sqlite3_bind_int64(ins, 9, r[i].received_ms);
            if (sqlite3_step(ins) != SQLITE_DONE)
                die("insert", db);
            sqlite3_reset(ins);
            n++;
            if ((i % BATCH == BATCH - 1 || i + 1 == STORE_ROUND_READINGS || stop) &&
                sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
                die("commit", db);
        }
    }
    double rate = (double)n / ((double)(bench_now_ns() - t0) / 1e9);
    if (write(out, &rate, sizeof rate) != sizeof rate)
        die("report", NULL);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    free(r);
}

/* The other process through the store's writer: rounds appended as fast as it takes them. */
static void ingest_store(const char *path, int round0, int out)
{
    struct store *st = NULL;
    char err[256] = "";
    struct store_options opt = {.batch_max = BATCH};
    if (store_open(path, &opt, &st, err, sizeof err) != 0)
        die(err, NULL);
    struct store_reading *r = malloc(sizeof *r * STORE_ROUND_READINGS);
    if (!r)
        die("out of memory", NULL);
    uint64_t t0 = bench_now_ns();
    for (int round = round0; !stop; round++) {
        store_round_fill(r, round);
        for (size_t i = 0; i < STORE_ROUND_READINGS && !stop; i += STORE_ROUND_REPORT) {
            int rc;
            do /* a full queue is waited out */
                rc = store_readings_append(st, r + i, STORE_ROUND_REPORT, 200, NULL, NULL);
            while (rc == MH_EAGAIN && !stop);
            if (rc != 0 && rc != MH_EAGAIN)
                die("append", NULL);
        }
    }
    store_readings_sync(st, 600000);
    struct store_writer_stats ws;
    store_writer_stats(st, &ws);
    double rate = (double)ws.stored / ((double)(bench_now_ns() - t0) / 1e9);
    if (write(out, &rate, sizeof rate) != sizeof rate)
        die("report", NULL);
    fprintf(stderr, "# store side: %llu readings in %llu transactions, gave way %llu times\n",
            (unsigned long long)ws.stored, (unsigned long long)ws.batches, (unsigned long long)ws.yields);
    store_close(st);
    free(r);
}

/* Time small writes on st for `seconds` while `side` ingests; latencies (ms) into lat. */
static size_t run_side(struct store *st, const char *path, enum side side, int seconds, double *lat,
                       double *ingest_rate)
{
    int fds[2];
    pid_t child = -1;
    *ingest_rate = 0;
    if (side != ALONE) {
        if (pipe(fds) != 0)
            die("pipe", NULL);
        child = fork();
        if (child < 0)
            die("fork", NULL);
        if (child == 0) {
            close(fds[0]);
            signal(SIGTERM, on_term);
            if (side == BARE)
                ingest_bare(path, 1000 * side, fds[1]);
            else
                ingest_store(path, 1000 * side, fds[1]);
            _exit(0);
        }
        close(fds[1]);
        sleep_ms(RAMP_MS);
    }
    size_t n = 0;
    uint64_t end = bench_now_ns() + (uint64_t)seconds * 1000000000ull;
    char what[64];
    while (bench_now_ns() < end && n < MAX_SAMPLES) {
        snprintf(what, sizeof what, "read meter %zu (%s)", n, side_name[side]);
        uint64_t t0 = bench_now_ns();
        if (store_audit(st, "bench", (int64_t)(t0 / 1000000), what, 0) != 0)
            die("audit row not written", NULL);
        lat[n++] = (double)(bench_now_ns() - t0) / 1e6;
        sleep_ms(GAP_MS);
    }
    if (child > 0) {
        kill(child, SIGTERM);
        if (read(fds[0], ingest_rate, sizeof *ingest_rate) != sizeof *ingest_rate)
            *ingest_rate = 0;
        close(fds[0]);
        int status = 0;
        waitpid(child, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            die("the ingesting process failed", NULL);
    }
    return n;
}

int main(int argc, char **argv)
{
    const char *dir = getenv("TMPDIR");
    int seconds = 15;
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 600)
                return 2;
            seconds = (int)v;
        } else {
            fputs("usage: bench_store_turns [--dir DIR] [--seconds N]\n", stderr);
            return 2;
        }
    }
    char path[512];
    snprintf(path, sizeof path, "%s/bench_turns-%d.db", dir && *dir ? dir : "/tmp", (int)getpid());
    struct store *st = NULL;
    char err[256] = "";
    if (store_open(path, NULL, &st, err, sizeof err) != 0)
        die(err, NULL);
    double *lat = malloc(sizeof *lat * MAX_SAMPLES);
    if (!lat)
        die("out of memory", NULL);

    printf("# audit rows every %d ms for %d s per side, the other process in batches of %d, "
           "synchronous=FULL, %s\n",
           GAP_MS, seconds, BATCH, path);
    double p99_alone = 0;
    for (enum side s = ALONE; s <= STORE; s++) {
        double rate = 0;
        size_t n = run_side(st, path, s, seconds, lat, &rate);
        double p50 = store_round_percentile(lat, n, 50), p99 = store_round_percentile(lat, n, 99);
        if (s == ALONE)
            p99_alone = p99;
        char name[64];
        snprintf(name, sizeof name, "turns_small_write_p50_%s", side_name[s]);
        bench_report(name, p50, "ms", -1);
        snprintf(name, sizeof name, "turns_small_write_p99_%s", side_name[s]);
        bench_report(name, p99, "ms", s == ALONE || p99_alone <= 0 ? -1 : p99 / p99_alone);
        if (s != ALONE) {
            snprintf(name, sizeof name, "turns_ingest_beside_%s", side_name[s]);
            bench_report(name, rate, "readings/s", -1);
        }
    }
    store_close(st);
    free(lat);
    store_round_remove_db(path);
    return 0;
}
