/*
 * Durability: what the store acknowledged survives the process being
 * killed, and a resend after the crash stores nothing twice.
 *
 * A child process appends tickets of readings as fast as the writer takes
 * them and writes the number of each ticket whose callback ran (after
 * COMMIT) to a pipe. The parent kills it with SIGKILL mid-stream, reopens
 * the store and checks that every acknowledged ticket is there whole, that
 * every stored row holds the value its key was given (no torn or foreign
 * rows), and then resends every ticket as a terminal would: the store ends
 * up with each reading exactly once.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"
#include "store_test.h"

#define DAY0 (20416 * 86400LL)
#define PER_TICKET 100
#define METERS 8
#define KILL_AFTER 40 /* acknowledged tickets before the kill */
#define MAX_TICKETS 20000

/* Reading j of ticket k: meter 1..8 round robin, one a minute, value k*1000 + j. */
static struct store_reading ticket_reading(int k, int j)
{
    int64_t t = DAY0 + (int64_t)(k / METERS) * PER_TICKET * 60 + (int64_t)j * 60;
    return store_test_reading(1 + k % METERS, MH_ITEM_AE_IMP, t, (int64_t)k * 1000 + j);
}

static void fill_ticket(int k, struct store_reading *r)
{
    for (int j = 0; j < PER_TICKET; j++)
        r[j] = ticket_reading(k, j);
}

static int ack_fd = -1;

static void ack(void *ctx, int status)
{
    if (status != 0)
        return;
    char line[24];
    int n = snprintf(line, sizeof line, "%d\n", (int)(intptr_t)ctx);
    if (write(ack_fd, line, (size_t)n) != n)
        _exit(3);
}

static void child(const char *uri)
{
    struct store_options opt = {.queue_capacity = 4096, .batch_max = 1000};
    struct store *st = NULL;
    char err[256];
    if (store_open(uri, &opt, &st, err, sizeof err) != 0)
        _exit(2);
    struct store_reading r[PER_TICKET];
    for (int k = 0; k < MAX_TICKETS; k++) {
        fill_ticket(k, r);
        int rc;
        while ((rc = store_readings_append(st, r, PER_TICKET, 1000, ack, (void *)(intptr_t)k)) ==
               MH_EAGAIN)
            ;
        if (rc != 0)
            _exit(4);
    }
    _exit(5); /* never killed: the parent fails on the exit status */
}

/* Read acknowledged ticket numbers from fd into acked[] until n reach `until` or EOF. */
static int read_acks(int fd, unsigned char *acked, int *n, int until)
{
    static char buf[4096];
    static size_t have;
    while (*n < until) {
        ssize_t got = read(fd, buf + have, sizeof buf - have);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return 0;
        have += (size_t)got;
        size_t start = 0;
        for (size_t i = 0; i < have; i++) {
            if (buf[i] != '\n')
                continue;
            int k = 0;
            for (size_t p = start; p < i; p++)
                k = k * 10 + (buf[p] - '0');
            assert_true(k >= 0 && k < MAX_TICKETS);
            assert_int_equal(acked[k], 0); /* each ticket is acknowledged once */
            acked[k] = 1;
            (*n)++;
            start = i + 1;
        }
        memmove(buf, buf + start, have - start);
        have -= start;
    }
    return 1;
}

/* Every stored row of meters 1..8 holds its key's value; returns the row count. */
static int64_t check_rows(struct store *st)
{
    static struct store_reading page[1000];
    int64_t total = 0;
    for (int m = 1; m <= METERS; m++) {
        int64_t from = DAY0;
        for (;;) {
            int n = store_readings_range(st, m, MH_ITEM_AE_IMP, from, INT64_MAX, page, 1000);
            assert_true(n >= 0);
            for (int i = 0; i < n; i++) {
                int64_t off = page[i].t - DAY0;
                int64_t k = off / (PER_TICKET * 60) * METERS + (m - 1);
                int64_t j = off % (PER_TICKET * 60) / 60;
                assert_int_equal(off % 60, 0);
                assert_int_equal(page[i].value.m, k * 1000 + j);
                assert_int_equal(page[i].value.exp, -2);
            }
            total += n;
            if (n < 1000)
                break;
            from = page[n - 1].t + 1;
        }
    }
    return total;
}

static void test_acknowledged_readings_survive_sigkill(void **state)
{
    (void)state;
    const char *uri = store_test_uri("durability");
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        ack_fd = fds[1];
        child(uri);
    }
    close(fds[1]);
    static unsigned char acked[MAX_TICKETS];
    int n_acked = 0;
    assert_int_equal(read_acks(fds[0], acked, &n_acked, KILL_AFTER), 1);
    /* land the kill at a varying point of the next commit, 0..20 ms on */
    struct timespec jitter = {0, (long)(clock() + getpid()) % 20000 * 1000L};
    nanosleep(&jitter, NULL);
    kill(pid, SIGKILL);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    read_acks(fds[0], acked, &n_acked, MAX_TICKETS); /* what it said before dying counts too */
    close(fds[0]);
    assert_true(n_acked >= KILL_AFTER);

    struct store *st = store_test_open(uri, NULL);
    int max_acked = 0;
    struct store_reading got[PER_TICKET + 1];
    for (int k = 0; k < MAX_TICKETS; k++) {
        if (!acked[k])
            continue;
        max_acked = k;
        struct store_reading first = ticket_reading(k, 0);
        int n = store_readings_range(st, first.meter, MH_ITEM_AE_IMP, first.t,
                                     first.t + PER_TICKET * 60, got, PER_TICKET + 1);
        if (n != PER_TICKET)
            fail_msg("acknowledged ticket %d has %d of its %d readings", k, n, PER_TICKET);
    }
    int64_t rows = check_rows(st);
    assert_true(rows >= (int64_t)n_acked * PER_TICKET);
    assert_true(rows <= (int64_t)MAX_TICKETS * PER_TICKET);

    /* the terminal resends everything up to beyond what was confirmed */
    int resend = max_acked + 50;
    static struct store_reading r[PER_TICKET];
    for (int k = 0; k < resend; k++) {
        fill_ticket(k, r);
        assert_int_equal(store_readings_append(st, r, PER_TICKET, 5000, NULL, NULL), 0);
    }
    assert_int_equal(store_readings_sync(st, 30000), 0);
    struct store_writer_stats ws;
    store_writer_stats(st, &ws);
    assert_int_equal(ws.stored + ws.duplicates, (uint64_t)resend * PER_TICKET);
    assert_int_equal(ws.conflicts, 0);
    assert_true(ws.duplicates >= (uint64_t)n_acked * PER_TICKET);
    int64_t after = check_rows(st);
    /* every resent reading once, plus whatever the child committed beyond them */
    assert_true(after >= (int64_t)resend * PER_TICKET);
    assert_int_equal(after - rows, (int64_t)ws.stored);
    print_message("acknowledged %d tickets before SIGKILL, %lld rows on reopen, %llu resent "
                  "readings were duplicates\n",
                  n_acked, (long long)rows, (unsigned long long)ws.duplicates);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acknowledged_readings_survive_sigkill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
