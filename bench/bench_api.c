/*
 * The API's readings query over HTTP against the same query made on the
 * store directly, in one process, alternating.
 *
 * A store in a temporary directory holds one meter's 15-minute active
 * energy for 31 days (2,976 readings). Subject: GET
 * /api/v1/meters/1/readings?item=1.0.1.8.0 for one day (96 readings, JSON,
 * exact decimals) on one keep-alive connection to the API on 127.0.0.1,
 * including token check, routing, JSON encoding and the socket; baseline:
 * store_readings_range of the same day. Prints requests/s of each and the
 * ratio.
 * Usage: bench_api [--rounds N] [--requests N]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "meterhub/api.h"
#include "meterhub/archive.h"
#include "meterhub/proto/item.h"
#include "meterhub/store.h"

#define T0 1763942400 /* 2025-11-24T00:00:00Z */
#define DAYS 31

struct ctx {
    struct store *st;
    int fd;
    char req[512];
    size_t req_len;
    char buf[65536];
    int requests;
    uint64_t bytes;
};

static const char csv[] =
    "area,region,terminal_address,terminal_kind,terminal_protocol,channel_group,pn,"
    "meter_address,meter_protocol,phases,ct,pt,rated_voltage_v,contract_kw,tariff,pv,"
    "pv_peak_kw,customer,customer_class,area_meter\n"
    ",0172,000000000009,dtu,dlt645-2007,G2,1,200000000001,dlt645-2007,3,100,100,57.7/100,"
    "500,TOU4,0,0,F1,industrial,0\n";

static void die(const char *what)
{
    fprintf(stderr, "bench_api: %s\n", what);
    exit(1);
}

/* One request on the kept-alive connection; the response read by Content-Length. */
static void http_once(struct ctx *c)
{
    size_t off = 0;
    while (off < c->req_len) {
        ssize_t w = send(c->fd, c->req + off, c->req_len - off, MSG_NOSIGNAL);
        if (w <= 0)
            die("send");
        off += (size_t)w;
    }
    size_t have = 0, need = 0;
    for (;;) {
        ssize_t r = recv(c->fd, c->buf + have, sizeof c->buf - 1 - have, 0);
        if (r <= 0)
            die("recv");
        have += (size_t)r;
        c->buf[have] = '\0';
        char *end = strstr(c->buf, "\r\n\r\n");
        if (!end)
            continue;
        if (!need) {
            if (strncmp(c->buf, "HTTP/1.1 200", 12) != 0)
                die(c->buf);
            const char *cl = strstr(c->buf, "Content-Length:");
            if (!cl)
                die("no Content-Length");
            need = (size_t)(end + 4 - c->buf) + strtoul(cl + 15, NULL, 10);
        }
        if (have >= need)
            break;
    }
    c->bytes += need;
}

static void subject(void *p)
{
    struct ctx *c = p;
    for (int i = 0; i < c->requests; i++)
        http_once(c);
}

static void baseline(void *p)
{
    struct ctx *c = p;
    struct store_reading out[100];
    for (int i = 0; i < c->requests; i++) {
        int n =
            store_readings_range(c->st, 1, MH_ITEM_AE_IMP, T0 + 86400, T0 + 2 * 86400, out, 100);
        if (n != 96)
            die("baseline range");
        bench_sink((uint64_t)out[n - 1].value.m);
    }
}

int main(int argc, char **argv)
{
    int rounds = 7, requests = 2000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--rounds") == 0)
            rounds = (int)strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--requests") == 0)
            requests = (int)strtol(argv[i + 1], NULL, 10);
    }
    char dir[] = "/tmp/mh_bench_api_XXXXXX", uri[256], err[256];
    if (!mkdtemp(dir))
        die("mkdtemp");
    snprintf(uri, sizeof uri, "%s/store.db", dir);
    struct ctx c = {.requests = requests};
    struct store_options so = {.relaxed_durability = 1};
    struct archive *a = NULL;
    struct store_import_stats is;
    if (store_open(uri, &so, &c.st, err, sizeof err) ||
        archive_csv_parse(csv, sizeof csv - 1, &a, err, sizeof err) ||
        store_archive_import(c.st, a, &is, err, sizeof err))
        die(err);
    archive_free(a);
    static struct store_reading r[DAYS * 96];
    for (int k = 0; k < DAYS * 96; k++) {
        r[k] = (struct store_reading){.meter = 1,
                                      .item = MH_ITEM_AE_IMP,
                                      .t = T0 + k * 900,
                                      .value = mh_dec_make(123456789 + k * 37, -2),
                                      .terminal = 1,
                                      .received_ms = (int64_t)T0 * 1000};
    }
    if (store_readings_append(c.st, r, DAYS * 96, 5000, NULL, NULL) ||
        store_readings_sync(c.st, 10000))
        die("append");
    char token[80];
    if (api_token_add(uri, "bench", API_ROLE_VIEWER, token, sizeof token, err, sizeof err))
        die(err);
    struct api_options ao = {.host = "127.0.0.1", .store_uri = uri};
    struct api *api = NULL;
    if (api_start(&ao, c.st, &api, err, sizeof err))
        die(err);

    c.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(api_port(api))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c.fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        die("connect");
    int n = snprintf(c.req, sizeof c.req,
                     "GET /api/v1/meters/1/readings?item=1.0.1.8.0&from=%d&to=%d HTTP/1.1\r\n"
                     "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n",
                     T0 + 86400, T0 + 2 * 86400, token);
    c.req_len = (size_t)n;
    http_once(&c); /* warm up, and check that it answers 200 */
    c.bytes = 0;

    double base_rate, subj_rate;
    double ratio =
        bench_compare(baseline, &c, subject, &c, requests, rounds, &base_rate, &subj_rate);
    bench_report("api readings day (96, JSON) over HTTP keep-alive", subj_rate, "requests/s",
                 ratio);
    bench_report("store_readings_range same day (baseline)", base_rate, "requests/s", -1);
    bench_report("api readings response size", (double)c.bytes / ((double)requests * rounds),
                 "bytes", -1);
    close(c.fd);
    api_stop(api);
    store_close(c.st);
    char path[300];
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", uri, sfx[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}
