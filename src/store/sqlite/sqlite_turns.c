/*
 * SQLite backend: turns at the one write lock for writers someone waits on.
 *
 * A SQLite file has one write lock, and a connection that finds it taken
 * polls (the busy handler). SQLite's own handler sleeps up to 100 ms
 * between tries, and a bulk writer with a backlog (the reading batches of
 * one station process, serve --procs) takes the lock again microseconds
 * after its commit: another process's small transaction — an operator's
 * on-demand read, the API's audit row — misses nearly every window and
 * waits seconds behind batch after batch of the round.
 *
 * So a writer someone waits on says so: its busy handler, polling each
 * millisecond, keeps a deadline a few milliseconds ahead in a small
 * shared file beside the database (<db>-turn, mapped by every process that
 * opens it). A bulk writer looks at it before it begins and between slices
 * of its batch: while it lies ahead, the batch commits what it has and
 * waits (a bounded time) for the other to take the lock. A deadline left by
 * a process that died expires by itself; nothing needs cleaning up. When
 * the file cannot be made (a read-only directory) the deadline is the
 * process's own: its connections still take turns. Every process holds a
 * shared flock on the file while it has it open, and the last to close it
 * removes it, as SQLite removes its -wal and -shm.
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sqlite_int.h"

#define WANT_AHEAD_MS 5   /* how long one poll's claim lasts: a few polls */
#define YIELD_MAX_MS 50   /* the longest a bulk writer stands back at once */
#define TURN_FILE_SIZE 4096

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* one clock for every process of the machine */
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_us(long us)
{
    struct timespec ts = {0, us * 1000L};
    nanosleep(&ts, NULL);
}

void sq_turns_open(struct sq_turns *t, const char *db_path)
{
    memset(t, 0, sizeof *t);
    t->want = &t->local;
    t->fd = -1;
    if (!db_path || !*db_path || strcmp(db_path, ":memory:") == 0 || strncmp(db_path, "file:", 5) == 0)
        return;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s-turn", db_path) >= sizeof path)
        return;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    struct stat st;
    void *m = MAP_FAILED;
    if (flock(fd, LOCK_SH) == 0 && fstat(fd, &st) == 0 &&
        (st.st_size >= TURN_FILE_SIZE || ftruncate(fd, TURN_FILE_SIZE) == 0))
        m = mmap(NULL, TURN_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED || !(t->path = strdup(path))) {
        if (m != MAP_FAILED)
            munmap(m, TURN_FILE_SIZE);
        close(fd);
        return;
    }
    t->fd = fd;
    t->map = m;
    t->want = m; /* a lock-free 64-bit atomic: the same object in every process */
}

void sq_turns_close(struct sq_turns *t)
{
    if (t->map)
        munmap(t->map, TURN_FILE_SIZE);
    if (t->fd >= 0) {
        if (flock(t->fd, LOCK_EX | LOCK_NB) == 0) /* nobody else has it open */
            unlink(t->path);
        close(t->fd);
    }
    free(t->path);
    t->path = NULL;
    t->map = NULL;
    t->fd = -1;
    t->want = &t->local;
}

int sq_turns_wanted(const struct sq_turns *t)
{
    return atomic_load_explicit(t->want, memory_order_relaxed) > mono_ms();
}

int sq_turns_stand_back(const struct sq_turns *t)
{
    int64_t start = mono_ms(), now = start;
    while (atomic_load_explicit(t->want, memory_order_relaxed) > now && now - start < YIELD_MAX_MS) {
        sleep_us(200);
        now = mono_ms();
    }
    return now != start;
}

/*
 * The busy handler of every connection (sqlite3_busy_handler): the
 * connection's busy timeout, polled each millisecond; a connection whose
 * write is waited on (b->waited_on), or the writer's while readings
 * someone waits on are queued behind what it is about to write, claims
 * the next turn while it polls.
 */
int sq_busy(void *arg, int count)
{
    struct sq_busy *b = arg;
    int64_t now = mono_ms();
    if (count == 0)
        b->since_ms = now;
    if (now - b->since_ms >= b->timeout_ms)
        return 0;
    if (b->waited_on || (b->writer_flag && atomic_load_explicit(b->writer_flag, memory_order_relaxed))) {
        int64_t until = now + WANT_AHEAD_MS, cur = atomic_load_explicit(b->turns->want, memory_order_relaxed);
        while (cur < until &&
               !atomic_compare_exchange_weak_explicit(b->turns->want, &cur, until, memory_order_relaxed,
                                                      memory_order_relaxed))
            ;
    }
    sleep_us(1000);
    return 1;
}
