/*
 * GET /api/v1/stream over real sockets: events in order with ids, the
 * heartbeat comment, a client that does not read is dropped while the
 * publisher never waits, the concurrent-stream limit, api_stop with streams
 * open.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "api_test.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The fixture's API again with streams of our own limits. */
static void restart(struct api_fixture *f, unsigned max, unsigned heartbeat_ms)
{
    api_stop(f->api);
    char err[256] = "";
    struct api_options opt = {.host = "127.0.0.1", .store_uri = f->uri, .streams_max = max,
                              .heartbeat_ms = heartbeat_ms};
    assert_int_equal(api_start(&opt, f->st, &f->api, err, sizeof err), 0);
    f->port = api_port(f->api);
}

static int open_stream(uint16_t port, const char *token, int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    if (rcvbuf)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    char req[256];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Authorization: Bearer %s\r\n\r\n",
                     token);
    assert_int_equal(send(fd, req, (size_t)n, 0), n);
    return fd;
}

/* Read into buf (cap) until needle appears or secs pass; returns the length (0: closed at once). */
static size_t read_until(int fd, char *buf, size_t cap, const char *needle, double secs)
{
    size_t len = 0;
    double end = now_s() + secs;
    buf[0] = '\0';
    while (now_s() < end && !strstr(buf, needle) && len + 1 < cap) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t r = recv(fd, buf + len, cap - len - 1, 0);
        if (r <= 0)
            break;
        len += (size_t)r;
        buf[len] = '\0';
    }
    return len;
}

static void test_events_and_heartbeat_reach_a_client(void **state)
{
    (void)state;
    struct api_fixture f;
    api_fixture_start(&f, 2, 0);
    restart(&f, 4, 100);
    int fd = open_stream(f.port, f.viewer, 0);
    char buf[8192];
    read_until(fd, buf, sizeof buf, ": meterhub events", 5);
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    assert_non_null(strstr(buf, "Content-Type: text/event-stream"));
    api_publish(f.api, "terminal", "{\"terminal\":\"01710001\",\"online\":false}");
    api_publish(f.api, "read", "{\"job\":3}");
    read_until(fd, buf, sizeof buf, "{\"job\":3}", 5);
    const char *a = strstr(buf, "event: terminal\ndata: {\"terminal\":\"01710001\",\"online\":false}\n\n");
    const char *b = strstr(buf, "event: read\ndata: {\"job\":3}\n\n");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b); /* in the order published */
    read_until(fd, buf, sizeof buf, ": heartbeat\n\n", 5);
    assert_non_null(strstr(buf, ": heartbeat\n\n"));
    /* A data text with a newline would end the event early: not sent. */
    api_publish(f.api, "bad", "{\n}");
    api_publish(f.api, "good", "{}");
    read_until(fd, buf, sizeof buf, "event: good", 5);
    assert_null(strstr(buf, "event: bad"));
    close(fd);
    api_fixture_stop(&f);
}

static void test_a_client_that_does_not_read_is_dropped_and_never_blocks(void **state)
{
    (void)state;
    struct api_fixture f;
    api_fixture_start(&f, 2, 0);
    restart(&f, 2, 60000);
    int slow = open_stream(f.port, f.viewer, 4096);
    int fast = open_stream(f.port, f.viewer, 0);
    char buf[65536];
    read_until(fast, buf, sizeof buf, ": meterhub events", 5);
    usleep(100000);
    /* 8 MiB of events: far beyond a client's buffer and the socket's. */
    static char data[1024];
    memset(data, 'x', sizeof data - 3);
    data[0] = '"';
    data[sizeof data - 3] = '"';
    data[sizeof data - 2] = '\0';
    double t0 = now_s();
    for (int i = 0; i < 8192; i++) {
        api_publish(f.api, "fill", data);
        if (i % 16 == 0) /* the fast client reads as it goes */
            while (recv(fast, buf, sizeof buf, MSG_DONTWAIT) > 0) {
            }
    }
    double took = now_s() - t0;
    assert_true(took < 10.0); /* publishing never waited on the slow client */
    /* The slow client's stream ends: read what it was given until the close. */
    size_t got = 0;
    double end = now_s() + 10;
    for (;;) {
        ssize_t r = recv(slow, buf, sizeof buf, MSG_DONTWAIT);
        if (r == 0)
            break;
        if (r > 0)
            got += (size_t)r;
        else
            usleep(1000);
        if (now_s() > end)
            fail_msg("the slow client was not dropped (%zu bytes read)", got);
    }
    assert_true(got < (size_t)8192 * 1024);
    close(slow);
    /* Its slot is free again: a second stream beside the fast one is accepted. */
    usleep(200000);
    int again = open_stream(f.port, f.viewer, 0);
    read_until(again, buf, sizeof buf, ": meterhub events", 5);
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    close(again);
    close(fast);
    api_fixture_stop(&f);
}

static void test_stream_limit_and_stop_with_streams_open(void **state)
{
    (void)state;
    struct api_fixture f;
    api_fixture_start(&f, 2, 0);
    restart(&f, 2, 60000);
    int s1 = open_stream(f.port, f.viewer, 0), s2 = open_stream(f.port, f.viewer, 0);
    char buf[4096];
    read_until(s1, buf, sizeof buf, ": meterhub events", 5);
    read_until(s2, buf, sizeof buf, ": meterhub events", 5);
    struct http_resp r;
    http_do(f.port, "GET", "/api/v1/stream", f.viewer, NULL, NULL, 0, &r);
    assert_int_equal(r.status, 503);
    json_t *j = http_json(&r);
    assert_non_null(strstr(json_string_value(json_object_get(j, "detail")), "limit"));
    json_decref(j);
    http_free(&r);
    http_do(f.port, "GET", "/api/v1/stream", NULL, NULL, NULL, 0, &r);
    assert_int_equal(r.status, 401);
    http_free(&r);
    /* Stop with both streams suspended, waiting for events: they end, nothing leaks. */
    double t0 = now_s();
    api_stop(f.api);
    f.api = NULL;
    assert_true(now_s() - t0 < 5.0);
    size_t n = read_until(s1, buf, sizeof buf, "\x01", 2);
    (void)n;
    assert_int_equal(recv(s1, buf, sizeof buf, MSG_DONTWAIT), 0); /* closed */
    close(s1);
    close(s2);
    api_fixture_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_and_heartbeat_reach_a_client),
        cmocka_unit_test(test_a_client_that_does_not_read_is_dropped_and_never_blocks),
        cmocka_unit_test(test_stream_limit_and_stop_with_streams_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
