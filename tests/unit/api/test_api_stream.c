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

/* A stream request with Last-Event-ID: last (NULL: none). */
static int open_stream_after(uint16_t port, const char *token, int rcvbuf, const char *last)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    if (rcvbuf)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    char req[320];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Authorization: Bearer %s\r\n%s%s%s\r\n",
                     token, last ? "Last-Event-ID: " : "", last ? last : "", last ? "\r\n" : "");
    assert_int_equal(send(fd, req, (size_t)n, 0), n);
    return fd;
}

static int open_stream(uint16_t port, const char *token, int rcvbuf)
{
    return open_stream_after(port, token, rcvbuf, NULL);
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

/* The id line of the event whose data is data, in buf; 0 when not there. */
static unsigned long long id_of(const char *buf, const char *data)
{
    const char *d = strstr(buf, data);
    const char *id = NULL;
    for (const char *p = strstr(buf, "id: "); p && p < d; p = strstr(p + 1, "id: "))
        id = p;
    return d && id ? strtoull(id + 4, NULL, 10) : 0;
}

/* Open a stream resuming after id, read until want appears; buf gets the whole text. */
static int resume_stream(struct api_fixture *f, unsigned long long id, char *buf, size_t cap,
                         const char *want)
{
    char last[32];
    snprintf(last, sizeof last, "%llu", id);
    int fd = open_stream_after(f->port, f->viewer, 0, last);
    read_until(fd, buf, cap, want, 5);
    return fd;
}

static void test_a_stream_resumes_after_last_event_id_or_is_told_to_reset(void **state)
{
    (void)state;
    struct api_fixture f;
    api_fixture_start(&f, 2, 0);
    restart(&f, 8, 60000);
    /* Published with no client: kept all the same. */
    api_publish(f.api, "a", "{\"n\":1}");
    api_publish(f.api, "a", "{\"n\":2}");
    api_publish(f.api, "a", "{\"n\":3}");
    char buf[65536], want[128];
    int fresh = open_stream(f.port, f.viewer, 0);
    read_until(fresh, buf, sizeof buf, ": meterhub events\nretry: 3000\n\n", 5);
    api_publish(f.api, "a", "{\"n\":4}");
    read_until(fresh, buf, sizeof buf, "{\"n\":4}", 5);
    /* A stream without Last-Event-ID gets only what comes after it opened. */
    assert_null(strstr(buf, "{\"n\":3}"));
    unsigned long long id4 = id_of(buf, "{\"n\":4}");
    assert_true(id4 > 3);

    /* Resumed after event 2: events 3 and 4, byte for byte, in order, right after the hello. */
    int fd = resume_stream(&f, id4 - 2, buf, sizeof buf, "{\"n\":4}\n\n");
    snprintf(want, sizeof want,
             ": meterhub events\nretry: 3000\n\nid: %llu\nevent: a\ndata: {\"n\":3}\n\n"
             "id: %llu\nevent: a\ndata: {\"n\":4}\n\n",
             id4 - 1, id4);
    assert_non_null(strstr(buf, want));
    assert_null(strstr(buf, "{\"n\":2}"));
    close(fd);

    /* Resumed at the newest event: nothing replayed, the next event comes next. */
    fd = resume_stream(&f, id4, buf, sizeof buf, ": meterhub events\nretry: 3000\n\n");
    usleep(100000);
    read_until(fd, buf + strlen(buf), sizeof buf - strlen(buf), "\x01", 0.2);
    assert_null(strstr(buf, "event:"));
    api_publish(f.api, "a", "{\"n\":5}");
    read_until(fd, buf, sizeof buf, "{\"n\":5}", 5);
    snprintf(want, sizeof want, "id: %llu\nevent: a\ndata: {\"n\":5}\n\n", id4 + 1);
    assert_non_null(strstr(buf, want));
    assert_null(strstr(buf, "{\"n\":4}"));
    close(fd);

    /* 600 more events: event 5 has left the ring, so a resume after it is told to reset. */
    for (int i = 6; i < 606; i++) {
        char d[32];
        snprintf(d, sizeof d, "{\"n\":%d}", i);
        api_publish(f.api, "a", d);
    }
    fd = resume_stream(&f, id4 + 1, buf, sizeof buf, "event: reset\n");
    snprintf(want, sizeof want, "id: %llu\nevent: reset\ndata: {\"last_event_id\":\"%llu\"",
             id4 + 601, id4 + 1);
    assert_non_null(strstr(buf, want));
    assert_null(strstr(buf, "{\"n\":6}"));
    close(fd);
    /* ... while one still in the ring resumes: after 600, event 601 onwards. */
    fd = resume_stream(&f, id4 + 596, buf, sizeof buf, "{\"n\":605}");
    assert_null(strstr(buf, "event: reset"));
    assert_null(strstr(buf, "{\"n\":600}"));
    assert_non_null(strstr(buf, "{\"n\":601}"));
    close(fd);
    /* An id of an earlier run of the server (smaller) or not a number: reset. */
    fd = resume_stream(&f, 7, buf, sizeof buf, "event: reset\n");
    assert_non_null(strstr(buf, "event: reset\n"));
    close(fd);
    fd = open_stream_after(f.port, f.viewer, 0, "abc");
    read_until(fd, buf, sizeof buf, "event: reset\n", 5);
    assert_non_null(strstr(buf, "event: reset\n"));
    close(fd);
    close(fresh);
    api_fixture_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_and_heartbeat_reach_a_client),
        cmocka_unit_test(test_a_client_that_does_not_read_is_dropped_and_never_blocks),
        cmocka_unit_test(test_stream_limit_and_stop_with_streams_open),
        cmocka_unit_test(test_a_stream_resumes_after_last_event_id_or_is_told_to_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
