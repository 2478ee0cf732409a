/*
 * SQLite backend: WAL checkpoints on a thread of their own.
 *
 * By default SQLite checkpoints from inside the COMMIT that pushes the WAL
 * past its threshold: that commit copies the WAL back into the database
 * and fsyncs it before returning, so every few batches one append waits
 * ten times longer than the rest (bench_store: p99 commit latency at a
 * steady 20k readings/s 98 ms with it, 9 ms without). Here every
 * connection's WAL hook only signals this thread, which runs PASSIVE
 * checkpoints on its own connection; in WAL mode a checkpoint and the
 * writer proceed at the same time.
 *
 * A passive checkpoint never waits, so under a sustained full load it may
 * never catch up and the WAL would grow without bound: past FORCE_PAGES the
 * committing connection runs a RESTART checkpoint itself, which waits for
 * the backlog — back-pressure on the writer, exactly when it is due. Not a
 * commit someone waits on (sqlite_turns.c: an operator's read, an audit
 * row): that one only wakes the checkpointer, and the next reading batch
 * takes the back-pressure.
 */
#include <stdio.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "sqlite_int.h"

#define CHECKPOINT_PAGES 16384 /* 64 MiB of 4 KiB pages: wake the checkpointer */
#define FORCE_PAGES 262144     /* 1 GiB: the committer checkpoints itself */

int sq_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    const struct sq_hook *hk = arg;
    struct sq_checkpointer *ck = hk->ck;
    (void)name;
    const struct sq_busy *b = hk->busy;
    int waited = b->waited_on || (b->writer_flag && atomic_load_explicit(b->writer_flag, memory_order_relaxed));
    if (pages >= FORCE_PAGES && !waited) {
        int log = 0, done = 0;
        int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_RESTART, &log, &done);
        if (rc != SQLITE_OK)
            mh_warn("store", "sqlite: forced checkpoint of a %d-page WAL: %s", pages,
                    sqlite3_errstr(rc));
    } else if (pages >= CHECKPOINT_PAGES) {
        pthread_mutex_lock(&ck->mu);
        ck->pending = 1;
        pthread_cond_signal(&ck->cv);
        pthread_mutex_unlock(&ck->mu);
    }
    return SQLITE_OK;
}

static void *checkpointer_main(void *arg)
{
    struct sq_checkpointer *ck = arg;
    pthread_mutex_lock(&ck->mu);
    for (;;) {
        while (!ck->pending && !ck->closing)
            pthread_cond_wait(&ck->cv, &ck->mu);
        if (ck->closing)
            break;
        ck->pending = 0;
        pthread_mutex_unlock(&ck->mu);
        int log = 0, done = 0;
        int rc = sqlite3_wal_checkpoint_v2(ck->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            mh_warn("store", "sqlite: checkpoint: %s", sqlite3_errmsg(ck->db));
        pthread_mutex_lock(&ck->mu);
    }
    pthread_mutex_unlock(&ck->mu);
    return NULL;
}

int sq_checkpointer_start(struct sq_checkpointer *ck, sqlite3 *db)
{
    ck->db = db;
    ck->pending = ck->closing = 0;
    pthread_mutex_init(&ck->mu, NULL);
    pthread_cond_init(&ck->cv, NULL);
    if (pthread_create(&ck->thread, NULL, checkpointer_main, ck) != 0) {
        pthread_cond_destroy(&ck->cv);
        pthread_mutex_destroy(&ck->mu);
        return MH_ENOMEM;
    }
    ck->running = 1;
    return 0;
}

void sq_checkpointer_stop(struct sq_checkpointer *ck)
{
    if (!ck->running)
        return;
    pthread_mutex_lock(&ck->mu);
    ck->closing = 1;
    pthread_cond_signal(&ck->cv);
    pthread_mutex_unlock(&ck->mu);
    pthread_join(ck->thread, NULL);
    pthread_cond_destroy(&ck->cv);
    pthread_mutex_destroy(&ck->mu);
    ck->running = 0;
}
