/*
 * The NATS publisher against a real nats-server (scripts/nats-test-server.sh
 * starts a throw-away one per run; the tests skip when nats-server is not
 * installed): plain publishes reach a subscriber byte for byte, a stream
 * makes them JetStream publishes with acknowledgements, a server killed
 * and restarted costs counted drops and never a blocked sender, and the
 * message formats are exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <nats/nats.h>

#include "meterhub/base/err.h"
#include "meterhub/bus.h"
#include "meterhub/collect.h"
#include "meterhub/proto/item.h"
#include "meterhub/store.h"

static char url[128], sdir[512];

static int server(const char *verb)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/scripts/nats-test-server.sh %s %s >/dev/null 2>&1", MH_SOURCE_DIR,
             verb, sdir);
    return system(cmd);
}

static int group_setup(void **state)
{
    (void)state;
    char cmd[1024], line[1024];
    snprintf(cmd, sizeof cmd, "%s/scripts/nats-test-server.sh start 2>/dev/null", MH_SOURCE_DIR);
    FILE *p = popen(cmd, "r");
    while (p && fgets(line, sizeof line, p)) {
        char *q = strchr(line, '\'');
        char *e = q ? strchr(q + 1, '\'') : NULL;
        if (!e)
            continue;
        *e = 0;
        if (strstr(line, "MH_TEST_NATS_URL"))
            snprintf(url, sizeof url, "%s", q + 1);
        else if (strstr(line, "MH_TEST_NATS_DIR"))
            snprintf(sdir, sizeof sdir, "%s", q + 1);
    }
    if (p)
        pclose(p);
    /* scripts/test.sh and CI provide nats-server: there a missing server is a failure. */
    if (!url[0] && getenv("MH_TEST_NATS_REQUIRED")) {
        fprintf(stderr, "test_bus: nats-server could not be started\n");
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (sdir[0])
        server("stop");
    nats_Close();
    return 0;
}

#define NEED_SERVER()                                                                              \
    do {                                                                                           \
        if (!url[0]) {                                                                             \
            fprintf(stderr, "no nats-server: skipped\n");                                          \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct bus *open_bus(const char *prefix, size_t queue_max)
{
    struct bus_cfg c = {.url = url, .prefix = prefix, .queue_max = queue_max,
                        .reconnect_wait_ms = 100, .ack_wait_ms = 2000, .drain_ms = 2000};
    struct bus *b = NULL;
    char err[256];
    assert_int_equal(bus_open(&c, &b, err, sizeof err), 0);
    for (int i = 0; i < 100; i++) {
        struct bus_stats st;
        bus_stats(b, &st);
        if (st.connected)
            break;
        usleep(20000);
    }
    return b;
}

/* The next message on sub: its subject and payload must be exactly these. */
static void expect_msg(natsSubscription *sub, const char *subject, const char *payload)
{
    natsMsg *m = NULL;
    assert_int_equal(natsSubscription_NextMsg(&m, sub, 2000), NATS_OK);
    assert_string_equal(natsMsg_GetSubject(m), subject);
    assert_int_equal(natsMsg_GetDataLength(m), (int)strlen(payload));
    assert_memory_equal(natsMsg_GetData(m), payload, strlen(payload));
    natsMsg_Destroy(m);
}

/* A plain subscriber to subject on the test server. */
static natsSubscription *subscribe(natsConnection **nc, const char *subject)
{
    natsSubscription *sub;
    assert_int_equal(natsConnection_ConnectTo(nc, url), NATS_OK);
    assert_int_equal(natsConnection_SubscribeSync(&sub, *nc, subject), NATS_OK);
    natsConnection_Flush(*nc);
    return sub;
}

static void test_plain_publish_reaches_subscriber(void **state)
{
    (void)state;
    NEED_SERVER();
    natsConnection *nc;
    natsSubscription *sub = subscribe(&nc, "p1.link.>");
    struct bus *b = open_bus("p1", 0);
    char subj[64], data[64];
    for (int i = 0; i < 100; i++) {
        snprintf(subj, sizeof subj, "p1.link.0171.%04d", i % 7);
        snprintf(data, sizeof data, "{\"n\":%d}", i);
        assert_int_equal(bus_publish(b, BUS_LINK, subj, data, strlen(data)), 0);
    }
    assert_int_equal(bus_flush(b, 5000), 0);
    for (int i = 0; i < 100; i++) {
        snprintf(subj, sizeof subj, "p1.link.0171.%04d", i % 7);
        snprintf(data, sizeof data, "{\"n\":%d}", i);
        expect_msg(sub, subj, data);
    }
    struct bus_stats st;
    bus_stats(b, &st);
    assert_int_equal(st.queued, 100);
    assert_int_equal(st.published, 100);
    assert_int_equal(st.js_acked, 0);
    assert_int_equal(st.dropped, 0);
    assert_int_equal(st.jetstream[BUS_LINK], 0);
    bus_close(b);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void add_stream(const char *name, const char *subject)
{
    natsConnection *nc;
    jsCtx *js;
    jsErrCode jerr = 0;
    assert_int_equal(natsConnection_ConnectTo(&nc, url), NATS_OK);
    assert_int_equal(natsConnection_JetStream(&js, nc, NULL), NATS_OK);
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = name;
    cfg.Subjects = &subject;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    jsStreamInfo *si = NULL;
    assert_int_equal(js_AddStream(&si, js, &cfg, NULL, &jerr), NATS_OK);
    jsStreamInfo_Destroy(si);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
}

static uint64_t stream_count(const char *name)
{
    natsConnection *nc;
    jsCtx *js;
    jsErrCode jerr = 0;
    jsStreamInfo *si = NULL;
    assert_int_equal(natsConnection_ConnectTo(&nc, url), NATS_OK);
    assert_int_equal(natsConnection_JetStream(&js, nc, NULL), NATS_OK);
    assert_int_equal(js_GetStreamInfo(&si, js, name, NULL, &jerr), NATS_OK);
    uint64_t n = si->State.Msgs;
    jsStreamInfo_Destroy(si);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return n;
}

static void test_stream_gets_jetstream_publishes_with_acks(void **state)
{
    (void)state;
    NEED_SERVER();
    add_stream("P2", "p2.readings.>");
    struct bus *b = open_bus("p2", 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(bus_publish(b, BUS_READINGS, "p2.readings.0171.1", "{}", 2), 0);
    /* A class no stream captures goes out plain beside it. */
    assert_int_equal(bus_publish(b, BUS_ROUND, "p2.collect.round", "{}", 2), 0);
    assert_int_equal(bus_flush(b, 10000), 0);
    struct bus_stats st;
    bus_stats(b, &st);
    assert_int_equal(st.js_acked, 1000);
    assert_int_equal(st.js_failed, 0);
    assert_int_equal(st.published, 1);
    assert_int_equal(st.jetstream[BUS_READINGS], 1);
    assert_int_equal(st.jetstream[BUS_ROUND], 0);
    assert_int_equal(stream_count("P2"), 1000);
    bus_close(b);
}

static void test_server_down_drops_counted_never_blocks(void **state)
{
    (void)state;
    NEED_SERVER();
    add_stream("P3", "p3.readings.>");
    struct bus *b = open_bus("p3", 200);
    for (int i = 0; i < 50; i++)
        assert_int_equal(bus_publish(b, BUS_READINGS, "p3.readings.0171.1", "{}", 2), 0);
    /* Killed with these in flight: their acknowledgements never come. */
    assert_int_equal(server("kill"), 0);
    /* Down: sends return at once; the queue takes 200, the rest are dropped and counted. */
    int64_t worst = 0;
    int ok = 0, full = 0;
    struct bus_stats st;
    for (int i = 0; i < 100; i++) {
        bus_stats(b, &st);
        if (!st.connected)
            break;
        usleep(20000);
    }
    for (int i = 0; i < 1000; i++) {
        int64_t t0 = now_ms();
        int rc = bus_publish(b, BUS_READINGS, "p3.readings.0171.1", "{}", 2);
        int64_t dt = now_ms() - t0;
        worst = dt > worst ? dt : worst;
        if (rc == 0)
            ok++;
        else {
            assert_int_equal(rc, MH_EAGAIN);
            full++;
        }
    }
    /*
     * Blocking would mean waiting on the connection (2 s timeout) or an
     * acknowledgement (5 s): a tenth of a second leaves room for a loaded
     * machine's scheduling and sanitizers without letting either through.
     */
    assert_true(worst < 100);
    /* The queue holds 200 (the 50 in flight come back into it when their wait times out). */
    assert_true(ok >= 150 && ok <= 200);
    assert_int_equal(full, 1000 - ok);
    bus_stats(b, &st);
    assert_int_equal(st.connected, 0);
    assert_int_equal(st.disconnects, 1);
    assert_int_equal(st.dropped, (uint64_t)full);
    /* Back: the client reconnects by itself and the queue goes out. */
    assert_int_equal(server("restart"), 0);
    for (int i = 0; i < 200; i++) {
        bus_stats(b, &st);
        if (st.connected)
            break;
        usleep(50000);
    }
    assert_int_equal(st.connected, 1);
    assert_int_equal(st.reconnects, 1);
    assert_int_equal(bus_publish(b, BUS_READINGS, "p3.readings.0171.1", "{}", 2), 0);
    assert_int_equal(bus_flush(b, 10000), 0);
    bus_stats(b, &st);
    assert_int_equal(st.queue_len, 0);
    /*
     * Nothing accepted is lost: what was in flight at the kill was queued
     * again under its message id, and the stream holds every message once.
     */
    assert_int_equal(st.js_failed + st.failed + st.published, 0);
    assert_int_equal(st.js_acked, 50 + (uint64_t)ok + 1);
    assert_int_equal(stream_count("P3"), 50 + (uint64_t)ok + 1);
    bus_close(b);
}

static void test_down_at_start_open_returns_and_close_drops(void **state)
{
    (void)state;
    struct bus_cfg c = {.url = "nats://127.0.0.1:1", .queue_max = 10, .reconnect_wait_ms = 100,
                        .drain_ms = 100};
    struct bus *b = NULL;
    int64_t t0 = now_ms();
    assert_int_equal(bus_open(&c, &b, NULL, 0), 0);
    assert_true(now_ms() - t0 < 1000);
    for (int i = 0; i < 10; i++)
        assert_int_equal(bus_publish(b, BUS_EVENTS, "meterhub.events.0171.1", "{}", 2), 0);
    assert_int_equal(bus_publish(b, BUS_EVENTS, "meterhub.events.0171.1", "{}", 2), MH_EAGAIN);
    assert_int_equal(bus_flush(b, 100), MH_ETIMEDOUT);
    struct bus_stats st;
    bus_stats(b, &st);
    assert_int_equal(st.connected, 0);
    assert_int_equal(st.queue_len, 10);
    assert_int_equal(st.dropped, 1);
    bus_close(b); /* the 10 queued are dropped, counted in the log line */
}

static void test_failed_commit_is_never_published(void **state)
{
    (void)state;
    struct bus_cfg c = {.url = "nats://127.0.0.1:1", .drain_ms = 100};
    struct bus *b = NULL;
    assert_int_equal(bus_open(&c, &b, NULL, 0), 0);
    struct bus_msg *m = bus_msg_new(b, BUS_READINGS, "meterhub.readings.0171.1", "{}", 2);
    bus_msg_done(m, MH_EIO); /* the store's batch failed: freed, not queued */
    m = bus_msg_new(b, BUS_READINGS, "meterhub.readings.0171.1", "{}", 2);
    bus_msg_done(m, 0);
    struct bus_stats st;
    bus_stats(b, &st);
    assert_int_equal(st.queued, 1);
    assert_int_equal(st.queue_len, 1);
    bus_close(b);
}

static void test_message_formats_are_exact(void **state)
{
    (void)state;
    struct bus_cfg c = {.url = "nats://127.0.0.1:1", .drain_ms = 100};
    struct bus *b = NULL;
    assert_int_equal(bus_open(&c, &b, NULL, 0), 0);
    struct store_terminal t = {.id = 3, .region = 0x0171, .address = "00001.2"};
    struct store_reading r[2] = {
        {.meter = 1, .item = MH_ITEM_AE_IMP, .quality = STORE_Q_VALID, .t = 1795449600,
         .value = {12345678, -2}, .terminal = 3, .received_ms = 1795450000123},
        {.meter = 1, .item = MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 2), .quality = STORE_Q_SUSPECT,
         .t = 1795449600, .value = {-50, -3}, .terminal = 3, .received_ms = 1795450000123}};
    uint64_t addr[2] = {110000000001ull, 110000000001ull};
    struct bus_msg *m = bus_readings_msg(b, &t, r, addr, 2);
    assert_non_null(m);
    size_t len;
    const char *d = bus_msg_data(m, &len);
    assert_string_equal(bus_msg_subject(m), "meterhub.readings.0171.00001_2");
    const char *want =
        "{\"region\":\"0171\",\"terminal\":\"00001.2\",\"received\":\"2026-11-23T16:06:40.123Z\","
        "\"readings\":[{\"meter\":\"110000000001\",\"item\":\"1.0.1.8.0\",\"time\":"
        "\"2026-11-23T16:00:00Z\",\"value\":\"123456.78\",\"unit\":\"kWh\",\"quality\":\"valid\"},"
        "{\"meter\":\"110000000001\",\"item\":\"1.0.1.8.2\",\"time\":\"2026-11-23T16:00:00Z\","
        "\"value\":\"-0.050\",\"unit\":\"kWh\",\"quality\":\"suspect\"}]}";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(d, want, len);
    bus_msg_free(m);
    assert_null(bus_readings_msg(b, &t, r, addr, 0));
    bus_close(b);
}


static void test_event_link_round_payloads_are_exact(void **state)
{
    (void)state;
    NEED_SERVER();
    natsConnection *nc;
    natsSubscription *sub = subscribe(&nc, "p4.>");
    struct bus *b = open_bus("p4", 0);
    struct store_terminal t = {.id = 3, .region = 0x0171, .address = "01710001"};
    struct store_event e = {.terminal = 3, .code = 14, .start_s = 1795449600,
                            .payload_json = "{\"erc\":14,\"pn\":0}"};
    assert_int_equal(bus_event_publish(b, &t, &e, 0), 0);
    e.end_s = 1795449660;
    e.payload_json = "not json";
    assert_int_equal(bus_event_publish(b, &t, &e, 100000000002ull), 0);
    assert_int_equal(bus_link_publish(b, &t, 1, 1795450000123, "127.0.0.1:5000"), 0);
    assert_int_equal(bus_link_publish(b, &t, 0, 1795450000999, NULL), 0);
    struct collect_progress p = {.terminals_online = 30, .jobs_done = 29, .meters_asked = 427,
                                 .collected = 420, .first_try = 400, .readings = 4200,
                                 .requests = 115, .timeouts = 3, .clocks_read = 29, .clocks_set = 5};
    assert_int_equal(bus_round_publish(b, 20780, -1, &p, 17), 0);
    assert_int_equal(bus_flush(b, 5000), 0);
    expect_msg(sub, "p4.events.0171.01710001",
               "{\"region\":\"0171\",\"terminal\":\"01710001\",\"meter\":null,\"code\":14,"
               "\"start\":\"2026-11-23T16:00:00Z\",\"end\":null,\"payload\":{\"erc\":14,\"pn\":0}}");
    expect_msg(sub, "p4.events.0171.01710001",
               "{\"region\":\"0171\",\"terminal\":\"01710001\",\"meter\":\"100000000002\","
               "\"code\":14,\"start\":\"2026-11-23T16:00:00Z\",\"end\":\"2026-11-23T16:01:00Z\","
               "\"payload\":null}");
    expect_msg(sub, "p4.link.0171.01710001",
               "{\"region\":\"0171\",\"terminal\":\"01710001\",\"online\":true,"
               "\"time\":\"2026-11-23T16:06:40.123Z\",\"reason\":\"127.0.0.1:5000\"}");
    expect_msg(sub, "p4.link.0171.01710001",
               "{\"region\":\"0171\",\"terminal\":\"01710001\",\"online\":false,"
               "\"time\":\"2026-11-23T16:06:40.999Z\",\"reason\":null}");
    expect_msg(sub, "p4.collect.round",
               "{\"day\":\"2026-11-23\",\"month\":null,\"terminals_online\":30,\"jobs_done\":29,"
               "\"meters_asked\":427,\"collected\":420,\"first_try\":400,\"offline\":17,"
               "\"readings\":4200,\"requests\":115,\"timeouts\":3,\"clocks_read\":29,"
               "\"clocks_set\":5}");
    bus_close(b);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

static void test_unacknowledged_publish_is_retried_and_stored_once(void **state)
{
    (void)state;
    NEED_SERVER();
    add_stream("P5", "p5.events.>");
    struct bus *b = open_bus("p5", 0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(bus_publish(b, BUS_EVENTS, "p5.events.0171.1", "{}", 2), 0);
    assert_int_equal(bus_flush(b, 5000), 0);
    /* A hung server: the connection stays, no acknowledgement comes within 2 s. */
    assert_int_equal(server("pause"), 0);
    for (int i = 0; i < 30; i++)
        assert_int_equal(bus_publish(b, BUS_EVENTS, "p5.events.0171.1", "{}", 2), 0);
    usleep(2600000);
    struct bus_stats st;
    bus_stats(b, &st);
    assert_true(st.js_retried >= 30); /* every one timed out and was published again */
    assert_int_equal(server("resume"), 0);
    assert_int_equal(bus_flush(b, 10000), 0);
    bus_stats(b, &st);
    assert_int_equal(st.js_failed, 0);
    assert_int_equal(st.js_acked, 50);
    /* Published twice or three times, stored once: the same message id. */
    assert_int_equal(stream_count("P5"), 50);
    bus_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_message_formats_are_exact),
        cmocka_unit_test(test_failed_commit_is_never_published),
        cmocka_unit_test(test_down_at_start_open_returns_and_close_drops),
        cmocka_unit_test(test_plain_publish_reaches_subscriber),
        cmocka_unit_test(test_event_link_round_payloads_are_exact),
        cmocka_unit_test(test_stream_gets_jetstream_publishes_with_acks),
        cmocka_unit_test(test_server_down_drops_counted_never_blocks),
        cmocka_unit_test(test_unacknowledged_publish_is_retried_and_stored_once),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
