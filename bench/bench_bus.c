/*
 * The NATS publisher against a bare nats.c loop publishing the same
 * messages: N readings messages as the station makes them (one terminal
 * reply each: 8 meters, import and export total, on 50 terminals'
 * subjects), to a nats-server on loopback.
 *   plain:     natsConnection_Publish per message, then a flush (baseline)
 *              vs bus_send per message (copy, queue, the publisher thread),
 *              then bus_flush;
 *   jetstream: js_PublishAsync per message, then js_PublishAsyncComplete
 *              (baseline) vs the same through the bus, a stream capturing
 *              the subjects (every message acknowledged); and against a
 *              bare loop that adds what the bus adds (a Nats-Msg-Id, the
 *              stream's duplicate check, one header).
 * The ratio is bus messages/s over bare messages/s, median of the rounds.
 * The server: MH_TEST_NATS_URL, else one started by
 * scripts/nats-test-server.sh for the run.
 *
 *   bench_bus [messages [rounds]]     default 20000 7
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

#include "bench.h"
#include "meterhub/base/log.h"
#include "meterhub/bus.h"
#include "meterhub/proto/item.h"
#include "meterhub/store.h"

struct msgs {
    size_t n;
    char **subject;
    char **data;
    size_t *len;
};

static struct msgs plain_m, js_m;
static natsConnection *nc;
static jsCtx *js;
static struct bus *bus_plain, *bus_js;

static void make(struct bus *b, size_t n, struct msgs *out)
{
    out->n = n;
    out->subject = calloc(n, sizeof(char *));
    out->data = calloc(n, sizeof(char *));
    out->len = calloc(n, sizeof(size_t));
    struct store_reading r[16];
    uint64_t addr[16];
    for (size_t i = 0; i < n; i++) {
        struct store_terminal t = {.region = 0x0171};
        snprintf(t.address, sizeof t.address, "%08zu", i % 50 + 1);
        for (size_t k = 0; k < 16; k++) {
            r[k] = (struct store_reading){.meter = (int64_t)k, .t = 1795449600,
                                          .item = k & 1 ? MH_ITEM_AE_EXP : MH_ITEM_AE_IMP,
                                          .value = {(int64_t)(i * 16 + k) * 37, -2},
                                          .received_ms = 1795450000000};
            addr[k] = 100000000000ull + i % 50 * 8 + k / 2;
        }
        struct bus_msg *m = bus_readings_msg(b, &t, r, addr, 16);
        size_t len;
        const char *d = bus_msg_data(m, &len);
        out->subject[i] = strdup(bus_msg_subject(m)); /* "<prefix>.readings.0171.<terminal>" */
        out->data[i] = malloc(len);
        memcpy(out->data[i], d, len);
        out->len[i] = len;
        bus_msg_free(m);
    }
}

static void bare_plain(void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < plain_m.n; i++)
        natsConnection_Publish(nc, plain_m.subject[i], plain_m.data[i], (int)plain_m.len[i]);
    natsConnection_Flush(nc);
}

static void bus_send_all(struct bus *b, const struct msgs *m)
{
    for (size_t i = 0; i < m->n; i++)
        bus_publish(b, BUS_READINGS, m->subject[i], m->data[i], m->len[i]);
    bus_flush(b, 60000);
}

static void via_bus_plain(void *ctx)
{
    (void)ctx;
    bus_send_all(bus_plain, &plain_m);
}

static void bare_js(void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < js_m.n; i++)
        js_PublishAsync(js, js_m.subject[i], js_m.data[i], (int)js_m.len[i], NULL);
    js_PublishAsyncComplete(js, NULL);
}

/* The bare loop with what the bus adds to each JetStream publish: a message id, a header. */
static void bare_js_ids(void *ctx)
{
    (void)ctx;
    static unsigned long long seq;
    for (size_t i = 0; i < js_m.n; i++) {
        char id[48];
        snprintf(id, sizeof id, "bench-%llx", seq++);
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MsgId = id;
        natsMsg *nm = NULL;
        natsMsg_Create(&nm, js_m.subject[i], NULL, js_m.data[i], (int)js_m.len[i]);
        natsMsgHeader_Set(nm, "Meterhub-Try", "1.0");
        if (js_PublishMsgAsync(js, &nm, &po) != NATS_OK)
            natsMsg_Destroy(nm);
    }
    js_PublishAsyncComplete(js, NULL);
}

static void via_bus_js(void *ctx)
{
    (void)ctx;
    bus_send_all(bus_js, &js_m);
}

static char url[128], sdir[512];

static void start_server(void)
{
    const char *u = getenv("MH_TEST_NATS_URL");
    if (u && *u) {
        snprintf(url, sizeof url, "%s", u);
        return;
    }
    char line[1024];
    FILE *p = popen(MH_SOURCE_DIR "/scripts/nats-test-server.sh start 2>/dev/null", "r");
    while (p && fgets(line, sizeof line, p)) {
        char *q = strchr(line, '\'');
        char *e = q ? strchr(q + 1, '\'') : NULL;
        if (e) {
            *e = 0;
            snprintf(strstr(line, "URL") ? url : sdir, strstr(line, "URL") ? sizeof url : sizeof sdir,
                     "%s", q + 1);
        }
    }
    if (p)
        pclose(p);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
    int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 7;
    mh_log_set_level(MH_LOG_WARN);
    start_server();
    if (!url[0]) {
        fprintf(stderr, "bench_bus: no NATS server (MH_TEST_NATS_URL, or install nats-server)\n");
        return 1;
    }
    natsOptions *o;
    natsOptions_Create(&o);
    natsOptions_SetURL(o, url);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = 4096; /* as the bus's own */
    if (natsConnection_Connect(&nc, o) != NATS_OK || natsConnection_JetStream(&js, nc, &jo) != NATS_OK) {
        fprintf(stderr, "bench_bus: cannot connect to %s\n", url);
        return 1;
    }
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    const char *subj = "benchjs.readings.>";
    sc.Name = "BENCH_BUS";
    sc.Subjects = &subj;
    sc.SubjectsLen = 1;
    sc.Storage = js_MemoryStorage;
    sc.MaxMsgs = 20000; /* old ones go: the run is about the publish path */
    jsErrCode jerr;
    js_AddStream(NULL, js, &sc, NULL, &jerr);
    struct bus_cfg bc = {.url = url, .prefix = "benchplain", .queue_max = n}; /* a run fits */
    bus_open(&bc, &bus_plain, NULL, 0);
    bc.prefix = "benchjs";
    bus_open(&bc, &bus_js, NULL, 0);
    make(bus_plain, n, &plain_m);
    make(bus_js, n, &js_m);
    via_bus_plain(NULL); /* warm up: connections, the stream probes */
    via_bus_js(NULL);
    double base, subject, ratio;
    ratio = bench_compare(bare_plain, NULL, via_bus_plain, NULL, (double)n, rounds, &base, &subject);
    printf("# %zu messages of %zu bytes, %d rounds, server %s\n", n, plain_m.len[0], rounds, url);
    bench_report("nats.c publish loop (plain)", base, "msg/s", -1);
    bench_report("bus publisher (plain)", subject, "msg/s", ratio);
    ratio = bench_compare(bare_js, NULL, via_bus_js, NULL, (double)n, rounds, &base, &subject);
    bench_report("nats.c js_PublishAsync loop (JetStream)", base, "msg/s", -1);
    bench_report("bus publisher (JetStream, acknowledged)", subject, "msg/s", ratio);
    ratio = bench_compare(bare_js_ids, NULL, via_bus_js, NULL, (double)n, rounds, &base, &subject);
    bench_report("nats.c js_PublishMsgAsync loop, message ids", base, "msg/s", -1);
    bench_report("bus publisher (JetStream, acknowledged)", subject, "msg/s", ratio);
    struct bus_stats st;
    bus_stats(bus_js, &st);
    printf("# bus JetStream: %llu acknowledged, %llu failed, %llu dropped (must be 0)\n",
           (unsigned long long)st.js_acked, (unsigned long long)st.js_failed,
           (unsigned long long)st.dropped);
    bus_close(bus_plain);
    bus_close(bus_js);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(o);
    if (sdir[0]) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, MH_SOURCE_DIR "/scripts/nats-test-server.sh stop %s", sdir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_bus: could not stop the server in %s\n", sdir);
    }
    return 0;
}
