/*
 * PostgreSQL backend: the writer's connections, and a batch spread over
 * them.
 *
 * The server's primary-key inserts are most of the cost of storing
 * readings, and one connection is one server process: one core. So a
 * large batch, once sorted by key, is cut into contiguous key ranges, one
 * per writer connection; the store's writer thread writes the first share
 * and a thread per further connection writes each other one, every share
 * in a transaction of its own (pg_readings.c), all at once. The batch
 * returns -- and the store runs its callbacks -- only when every share has
 * committed (durable: synchronous_commit, pg_db.c), so nothing is
 * acknowledged before it is durable.
 *
 * Ordering and idempotence are those of one connection:
 *   - a cut never falls between two readings of one key, so the readings
 *     of a key resolve against each other in one transaction as before;
 *   - batches are written one after the other (the next one starts when
 *     every share of this one is done), so two shares in flight never
 *     hold the same key: a reading received later is applied later;
 *   - contiguous ranges (not a hash) keep the shares in different parts
 *     of each partition's index, so their inserts do not contend for the
 *     same leaf pages.
 * A batch smaller than PG_SHARE_MIN readings per connection goes on fewer
 * connections (one commit's latency matters more than parallelism there).
 * When a share fails (not a lost connection: that share is retried until
 * the server answers), the batch fails with its error while other shares
 * may have committed: storing is idempotent and the terminal resends.
 *
 * Partitions are ensured once per batch on wr[0], before the shares start.
 * wr[1..]'s threads are started at open and stopped at close; a share is
 * handed over under wmu (busy), and wcv signals both ways.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "pg_int.h"

#define PG_SHARE_MIN 4096

static void *share_main(void *arg)
{
    struct pg_writer *wr = arg;
    struct store_be *be = wr->be;
    pthread_mutex_lock(&be->wmu);
    for (;;) {
        while (!wr->busy && !be->wquit)
            pthread_cond_wait(&be->wcv, &be->wmu);
        if (!wr->busy)
            break;
        pthread_mutex_unlock(&be->wmu);
        int rc = pg_write_share(be, wr);
        pthread_mutex_lock(&be->wmu);
        wr->rc = rc;
        wr->busy = 0;
        pthread_cond_broadcast(&be->wcv);
    }
    pthread_mutex_unlock(&be->wmu);
    return NULL;
}

int pg_writers_open(struct store_be *be, int n, char *err, size_t cap)
{
    be->nwriters = n;
    for (int i = 0; i < n; i++) {
        struct pg_writer *wr = &be->wr[i];
        wr->be = be;
        int rc = pg_connect(&wr->c, be->conninfo, be->relaxed, err, cap);
        if (rc == 0 && (rc = pg_writer_session(wr)) < 0 && err && cap)
            snprintf(err, cap, "creating the staging table: %s", PQerrorMessage(wr->c.c));
        if (rc == 0 && i > 0) {
            wr->started = pthread_create(&wr->thread, NULL, share_main, wr) == 0;
            if (!wr->started) {
                if (err && cap)
                    snprintf(err, cap, "cannot start a writer thread");
                rc = MH_ENOMEM;
            }
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

void pg_writers_close(struct store_be *be)
{
    pthread_mutex_lock(&be->wmu);
    be->wquit = 1;
    pthread_cond_broadcast(&be->wcv);
    pthread_mutex_unlock(&be->wmu);
    for (int i = 0; i < PG_WRITERS_MAX; i++) {
        struct pg_writer *wr = &be->wr[i];
        if (wr->started)
            pthread_join(wr->thread, NULL);
        pg_disconnect(&wr->c);
        free(wr->copybuf);
    }
    free(be->sorted);
    free(be->round);
}

/* Sort the batch and number each key's occurrences; 0 or MH_ENOMEM. */
static int prepare_batch(struct store_be *be, const struct store_reading *r, size_t n)
{
    if (n > be->sorted_cap) {
        const struct store_reading **p = realloc(be->sorted, n * sizeof *p);
        uint8_t *q = p ? realloc(be->round, n) : NULL;
        if (p)
            be->sorted = p;
        if (!q)
            return MH_ENOMEM;
        be->round = q;
        be->sorted_cap = n;
    }
    for (size_t i = 0; i < n; i++)
        be->sorted[i] = &r[i];
    qsort(be->sorted, n, sizeof *be->sorted, store_reading_key_cmp);
    for (size_t i = 0; i < n; i++) {
        const struct store_reading *a = be->sorted[i], *b = i ? be->sorted[i - 1] : NULL;
        int same = b && a->meter == b->meter && a->item == b->item && a->t == b->t;
        /* past 255 repeats of one key in a batch the later ones share a round: not a real case */
        be->round[i] = (uint8_t)(same && be->round[i - 1] < 255 ? be->round[i - 1] + 1 : 1);
    }
    return 0;
}

/* Every month of the batch has its partition; retried on wr[0] while the server is away. */
static int ensure_partitions(struct store_be *be, size_t n)
{
    int delay = 0;
    for (;;) {
        struct pg_conn *c = &be->wr[0].c;
        int rc = pg_lost(c) ? MH_EIO : pg_partitions_ensure(be, be->sorted, n);
        if (rc == 0 || !pg_lost(c))
            return rc;
        pg_writer_backoff(be, &be->wr[0], &delay, n);
    }
}

/* Cut the sorted batch into k shares at key boundaries (round 1 starts a key); shares used. */
static int cut(struct store_be *be, size_t n)
{
    int k = be->nwriters;
    if ((size_t)k > n / PG_SHARE_MIN)
        k = n / PG_SHARE_MIN > 1 ? (int)(n / PG_SHARE_MIN) : 1;
    size_t at = 0;
    int used = 0;
    for (int i = 0; i < k && at < n; i++) {
        size_t end = i == k - 1 ? n : n * (size_t)(i + 1) / (size_t)k;
        if (end <= at)
            continue;
        while (end < n && be->round[end] != 1)
            end++;
        struct pg_writer *wr = &be->wr[used++];
        wr->sorted = be->sorted + at;
        wr->round = be->round + at;
        wr->n = end - at;
        memset(&wr->res, 0, sizeof wr->res);
        wr->rc = 0;
        at = end;
    }
    return used;
}

int pg_write_readings(struct store_be *be, const struct store_reading *r, size_t n,
                      struct store_batch_result *res)
{
    memset(res, 0, sizeof *res);
    if (n == 0)
        return 0;
    int rc = prepare_batch(be, r, n);
    if (rc == 0)
        rc = ensure_partitions(be, n);
    if (rc < 0)
        return rc;
    int used = cut(be, n);
    pthread_mutex_lock(&be->wmu);
    for (int i = 1; i < used; i++)
        be->wr[i].busy = 1;
    pthread_cond_broadcast(&be->wcv);
    pthread_mutex_unlock(&be->wmu);
    be->wr[0].rc = pg_write_share(be, &be->wr[0]);
    pthread_mutex_lock(&be->wmu);
    for (int i = 1; i < used; i++)
        while (be->wr[i].busy)
            pthread_cond_wait(&be->wcv, &be->wmu);
    pthread_mutex_unlock(&be->wmu);
    for (int i = 0; i < used; i++) {
        const struct pg_writer *wr = &be->wr[i];
        if (wr->rc < 0 && rc == 0)
            rc = wr->rc;
        res->stored += wr->res.stored;
        res->duplicates += wr->res.duplicates;
        res->conflicts += wr->res.conflicts;
    }
    return rc;
}
