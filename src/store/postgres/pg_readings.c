/*
 * PostgreSQL backend: storing batches of readings (writer connections) and
 * reading them back (pool).
 *
 * A batch is sorted by key (arrival order among equal keys) and split by
 * key into shares, one per writer connection (pg_writers.c); each share is
 * written here in a transaction of its own, as follows. When no key
 * repeats within it, it is first COPYed in binary straight into readings
 * in one transaction (write_direct): when every key is new, the common
 * case, that is all. A key already stored makes that COPY fail with a
 * unique violation; it is rolled back and the batch, like one with a key
 * repeated, takes the staging path, one transaction:
 *   1. the readings are COPYed in binary into the session's temporary
 *      mh_stage, each with its round: the occurrence of its key in the
 *      batch (1, 2, ...);
 *   2. INSERT ... SELECT the first round ON CONFLICT DO NOTHING: a new key
 *      costs that one insert; the staged rows it inserted leave round 1;
 *   3. for keys that were already stored, and for each further round, one
 *      statement counts duplicates (same value by value, 12.30 = 12.3, and
 *      same quality) and conflicts, and lets a conflicting reading replace
 *      the row when it was received later, counting a revision: exactly
 *      the SQLite backend's outcome and counts;
 *   4. COMMIT, durable (synchronous_commit, pg_db.c) before the writer
 *      runs the callbacks.
 * When the connection is lost (the server restarted), nothing of the
 * share is committed, or, if COMMIT itself was cut off, possibly all of
 * it; either way the share is sent again on a new connection once the
 * server answers (storing is idempotent), while readings wait in the
 * writer's bounded queue and appenders feel back-pressure. A share the
 * server refuses for any other reason fails, and with it the batch.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "pg_int.h"

#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS 2000
#define COPY_CHUNK (1L << 20)

/* Binary COPY fields (PostgreSQL manual, COPY "Binary Format"): length, then big-endian. */
static char *put16(char *p, uint16_t v)
{
    v = htons(v);
    memcpy(p, &v, 2);
    return p + 2;
}

static char *put32(char *p, uint32_t v)
{
    v = htonl(v);
    memcpy(p, &v, 4);
    return p + 4;
}

static char *put64(char *p, uint64_t v)
{
    p = put32(p, (uint32_t)(v >> 32));
    return put32(p, (uint32_t)v);
}

static char *f16(char *p, int v)
{
    return put16(put32(p, 2), (uint16_t)(int16_t)v);
}

static char *f64(char *p, int64_t v)
{
    return put64(put32(p, 8), (uint64_t)v);
}

#define COPY_HEADER "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0"
#define COPY_HEADER_LEN 19
#define TUPLE_MAX (2 + 10 * 12)

long pg_copy_encode(const struct store_reading *const *r, const uint8_t *round, size_t n,
                    int with_round, char **buf, size_t *cap)
{
    size_t need = COPY_HEADER_LEN + n * TUPLE_MAX + 2;
    if (need > *cap) {
        char *b = realloc(*buf, need);
        if (!b)
            return MH_ENOMEM;
        *buf = b;
        *cap = need;
    }
    char *p = *buf;
    memcpy(p, COPY_HEADER, COPY_HEADER_LEN);
    p += COPY_HEADER_LEN;
    for (size_t i = 0; i < n; i++) {
        const struct store_reading *x = r[i];
        p = put16(p, with_round ? 10 : 9);
        if (with_round)
            p = f16(p, round ? round[i] : 1);
        p = f64(p, x->meter);
        p = f64(p, x->item);
        p = f64(p, x->t);
        p = f64(p, x->value.m);
        p = f16(p, x->value.exp);
        p = f16(p, x->quality);
        p = f16(p, x->protocol);
        p = f64(p, x->terminal);
        p = f64(p, x->received_ms);
    }
    p = put16(p, 0xFFFF);
    return (long)(p - *buf);
}

#define STAGE_COLUMNS                                                                          \
    "meter_id, item, data_time, mantissa, exponent, quality, protocol, terminal_id, received_ms"

/*
 * COPY len bytes of binary rows into `into`. A duplicate key (SQLSTATE
 * 23505, only possible straight into readings) is not logged: it sends
 * the batch down the resolving path, and *dup is set.
 */
static int copy_in(struct pg_conn *w, const char *into, const char *buf, long len, int *dup)
{
    char text[256];
    snprintf(text, sizeof text, "COPY %s FROM STDIN (FORMAT binary)", into);
    PGresult *res = PQexec(w->c, text);
    int ok = PQresultStatus(res) == PGRES_COPY_IN;
    int rc = ok ? 0 : pg_check(w, res, "COPY");
    PQclear(res);
    if (!ok)
        return rc < 0 ? rc : MH_EIO;
    /* in pieces: a batch can exceed what one call takes (an int) */
    for (long at = 0; at < len; at += COPY_CHUNK) {
        long k = len - at < COPY_CHUNK ? len - at : COPY_CHUNK;
        if (PQputCopyData(w->c, buf + at, (int)k) != 1)
            return MH_EIO;
    }
    if (PQputCopyEnd(w->c, NULL) != 1)
        return MH_EIO;
    rc = 0;
    while ((res = PQgetResult(w->c)) != NULL) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (rc == 0 && dup && state && strcmp(state, "23505") == 0) {
            *dup = 1;
            rc = MH_EINVAL;
        } else if (rc == 0) {
            rc = pg_check(w, res, "COPY");
        }
        PQclear(res);
    }
    return rc;
}

/* Round k's keys that were stored already: count, and replace with the later received. */
static int resolve(struct pg_conn *w, int k, struct store_batch_result *acc)
{
    struct pg_params p = {0};
    pp_i64(&p, k);
    PGresult *res = pg_exec(w, PQ_W_RESOLVE, &p);
    int rc = pg_check(w, res, "resolving existing readings");
    if (rc == 0) {
        acc->duplicates += (uint64_t)pg_i64(res, 0, 0);
        acc->conflicts += (uint64_t)pg_i64(res, 0, 1);
    }
    PQclear(res);
    return rc;
}

/*
 * The common case first: every key of the batch is new. The batch is then
 * COPYed straight into readings, PostgreSQL's fastest way in (rows are
 * written in multi-row buffers, not one INSERT at a time). A key that
 * exists fails the COPY with a unique violation, the transaction is rolled
 * back and the batch goes through the staging table instead. Returns 0,
 * 1 when the batch must take the staging path, or MH_E*.
 */
static int write_direct(struct pg_writer *wr, struct store_batch_result *out)
{
    struct pg_conn *w = &wr->c;
    long len = pg_copy_encode(wr->sorted, NULL, wr->n, 0, &wr->copybuf, &wr->copycap);
    if (len < 0)
        return (int)len;
    int dup = 0, rc = pg_simple(w, "BEGIN");
    if (rc == 0)
        rc = copy_in(w, "readings (" STAGE_COLUMNS ")", wr->copybuf, len, &dup);
    if (rc == 0)
        rc = pg_simple(w, "COMMIT");
    if (rc < 0 && !pg_lost(w))
        pg_simple(w, "ROLLBACK");
    if (rc < 0)
        return dup && !pg_lost(w) ? 1 : rc;
    memset(out, 0, sizeof *out);
    out->stored = wr->n;
    return 0;
}

/* Through the staging table: steps 1 to 4 of the header. */
static int write_staged(struct pg_writer *wr, int rounds, struct store_batch_result *out)
{
    struct pg_conn *w = &wr->c;
    struct store_batch_result acc = {0};
    long len = pg_copy_encode(wr->sorted, wr->round, wr->n, 1, &wr->copybuf, &wr->copycap);
    if (len < 0)
        return (int)len;
    int rc = pg_writer_session(wr);
    if (rc == 0)
        rc = pg_simple(w, "BEGIN");
    if (rc == 0)
        rc = copy_in(w, "mh_stage (round, " STAGE_COLUMNS ")", wr->copybuf, len, NULL);
    size_t first = 0;
    for (size_t i = 0; i < wr->n; i++)
        first += wr->round[i] == 1;
    if (rc == 0) {
        PGresult *res = pg_exec(w, PQ_W_INSERT_NEW, NULL);
        rc = pg_check(w, res, "inserting readings");
        if (rc == 0)
            acc.stored = (uint64_t)pg_changed(res);
        PQclear(res);
    }
    /*
     * Resolving joins the staged rows with readings by key: force index
     * probes, which a temporary table without statistics may not get.
     */
    if (rc == 0 && (acc.stored < first || rounds > 1))
        rc = pg_simple(w, "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off");
    if (rc == 0 && acc.stored < first)
        rc = resolve(w, 1, &acc);
    for (int k = 2; k <= rounds && rc == 0; k++)
        rc = resolve(w, k, &acc);
    if (rc == 0)
        rc = pg_simple(w, "COMMIT");
    if (rc < 0) {
        if (!pg_lost(w))
            pg_simple(w, "ROLLBACK");
        return rc;
    }
    *out = acc;
    return 0;
}

static int write_once(struct pg_writer *wr, int rounds, struct store_batch_result *out)
{
    int rc = rounds == 1 ? write_direct(wr, out) : 1;
    return rc == 1 ? write_staged(wr, rounds, out) : rc;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

void pg_writer_backoff(struct store_be *be, struct pg_writer *wr, int *delay_ms, size_t n)
{
    if (*delay_ms < RETRY_FIRST_MS)
        *delay_ms = RETRY_FIRST_MS;
    mh_warn("store", "postgres: connection lost, %zu readings retried in %d ms", n,
            *delay_ms);
    sleep_ms(*delay_ms);
    *delay_ms = *delay_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : *delay_ms * 2;
    wr->stage_ready = 0; /* a new session: its temporary table is made when needed */
    pg_reconnect(&wr->c, be->relaxed);
}

int pg_write_share(struct store_be *be, struct pg_writer *wr)
{
    int rounds = 0;
    for (size_t i = 0; i < wr->n; i++)
        rounds = wr->round[i] > rounds ? wr->round[i] : rounds;
    int delay = 0;
    for (;;) {
        int rc = pg_lost(&wr->c) ? MH_EIO : write_once(wr, rounds, &wr->res);
        if (rc == 0 || !pg_lost(&wr->c))
            return rc;
        /* The server went away: wait for it and send the whole share again. */
        pg_writer_backoff(be, wr, &delay, wr->n);
    }
}

/* ---- queries ---- */

/* Columns data_time .. received_ms of a row into out (key fields from the caller). */
static void row_reading(const PGresult *res, int row, int64_t meter, uint32_t item,
                        struct store_reading *out)
{
    memset(out, 0, sizeof *out);
    out->meter = meter;
    out->item = item;
    out->t = pg_i64(res, row, 0);
    out->value = mh_dec_make(pg_i64(res, row, 1), (int)pg_i64(res, row, 2));
    out->quality = (uint8_t)pg_i64(res, row, 3);
    out->protocol = (uint8_t)pg_i64(res, row, 4);
    out->terminal = pg_i64(res, row, 5);
    out->received_ms = pg_i64(res, row, 6);
}

struct rows_out {
    int64_t meter;
    uint32_t item;
    void *out;
    size_t cap;
};

static int range_rows(void *ctx, const PGresult *res)
{
    struct rows_out *o = ctx;
    int n = PQntuples(res);
    struct store_reading *out = o->out;
    for (int i = 0; i < n && (size_t)i < o->cap; i++)
        row_reading(res, i, o->meter, o->item, &out[i]);
    return (size_t)n < o->cap ? n : (int)o->cap;
}

static int64_t cap_limit(size_t cap)
{
    return (int64_t)(cap > INT32_MAX ? INT32_MAX : cap);
}

int pg_readings_range(struct store_be *be, int64_t meter, uint32_t item, int64_t from, int64_t to,
                      struct store_reading *out, size_t cap)
{
    struct pg_params p = {0};
    pp_i64(&p, meter);
    pp_i64(&p, item);
    pp_i64(&p, from);
    pp_i64(&p, to);
    pp_i64(&p, cap_limit(cap));
    struct rows_out o = {meter, item, out, cap};
    return pg_one(be, PQ_RANGE, &p, range_rows, &o);
}

static int latest_row(void *ctx, const PGresult *res)
{
    struct rows_out *o = ctx;
    if (PQntuples(res) < 1)
        return MH_ENOENT;
    row_reading(res, 0, o->meter, o->item, o->out);
    return 0;
}

int pg_reading_latest(struct store_be *be, int64_t meter, uint32_t item, struct store_reading *out)
{
    struct pg_params p = {0};
    pp_i64(&p, meter);
    pp_i64(&p, item);
    struct rows_out o = {meter, item, out, 1};
    return pg_one(be, PQ_LATEST, &p, latest_row, &o);
}

static int missing_rows(void *ctx, const PGresult *res)
{
    struct rows_out *o = ctx;
    struct store_meter_ref *out = o->out;
    int n = PQntuples(res);
    for (int i = 0; i < n && (size_t)i < o->cap; i++) {
        out[i].meter = pg_i64(res, i, 0);
        out[i].terminal = pg_i64(res, i, 1);
        out[i].pn = (uint16_t)pg_i64(res, i, 2);
        out[i].address = (uint64_t)pg_i64(res, i, 3);
    }
    return (size_t)n < o->cap ? n : (int)o->cap;
}

int pg_readings_missing(struct store_be *be, uint32_t item, int64_t from, int64_t to, int64_t after,
                        struct store_meter_ref *out, size_t cap)
{
    struct pg_params p = {0};
    pp_i64(&p, item);
    pp_i64(&p, from);
    pp_i64(&p, to);
    pp_i64(&p, after);
    pp_i64(&p, cap_limit(cap));
    struct rows_out o = {0, 0, out, cap};
    return pg_one(be, PQ_MISSING, &p, missing_rows, &o);
}
