/*
 * meterhub fep --archive FILE [--listen HOST:PORT]... [--udp HOST:PORT]...
 *              [--proto auto|gdw1376|dlt698|dlt645] [--reuseport] [--duration S]
 *
 * Runs the front end on one loop: terminals of the archive log in over TCP
 * (and UDP) or, for DTUs, are asked the address of their DL/T 645 meter, and their events come out as JSON lines on
 * stdout ({"event":"online",...}, "offline", "report"). Until the store is
 * wired in, stdout is the store: a report is confirmed to its terminal
 * once its line is written and flushed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/base/keymap.h"
#include "meterhub/base/log.h"
#include "meterhub/chan.h"
#include "meterhub/fep.h"

#define MAX_PORTS 8

struct fep_cli {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    uv_timer_t stop_timer;
    struct chan_loop *cl;
    struct fep *fep;
    struct mh_keymap known; /* terminal address (upper case) -> protocol + 1 */
    struct chan_tcp_listener *tcp[MAX_PORTS];
    struct chan_udp_listener *udp[MAX_PORTS];
    int n_tcp, n_udp, stopping;
};

static void fep_usage(FILE *f)
{
    fputs("usage: meterhub fep --archive FILE [--listen HOST:PORT]... [--udp HOST:PORT]...\n"
          "                    [--proto auto|gdw1376|dlt698|dlt645] [--reuseport] [--duration S]\n"
          "Terminals of the archive log in (DTUs: the meter behind is asked its address);\n"
          "events are JSON lines on stdout.\n"
          "Default: --listen 0.0.0.0:9000, protocol recognised from the first frame.\n",
          f);
}

static int lookup(void *ctx, enum fep_proto_id proto, const char *addr, struct fep_terminal_info *info)
{
    struct fep_cli *c = ctx;
    uintptr_t p = (uintptr_t)mh_keymap_get(&c->known, addr, strlen(addr));
    int have = (int)p - 1;
    int ok = proto == FEP_PROTO_GDW1376  ? have == ARCHIVE_PROTO_GDW1376
             : proto == FEP_PROTO_DLT698 ? have == ARCHIVE_PROTO_DLT698
                                         : have == ARCHIVE_PROTO_DLT645_2007 || have == ARCHIVE_PROTO_DLT645_1997;
    if (p == 0 || !ok)
        return MH_ENOENT;
    info->heartbeat_s = 0;
    info->pw_len = 16;
    return 0;
}

static const char *proto_name(enum fep_proto_id p)
{
    static const char *const names[] = {"auto", "gdw1376", "dlt698", "dlt645"};
    return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "auto";
}

static void on_online(void *ctx, const char *addr, enum fep_proto_id proto, const char *peer)
{
    (void)ctx;
    printf("{\"event\":\"online\",\"terminal\":\"%s\",\"protocol\":\"%s\",\"peer\":\"%s\"}\n", addr,
           proto_name(proto), peer);
    fflush(stdout);
}

static void on_offline(void *ctx, const char *addr, enum fep_offline_reason reason)
{
    (void)ctx;
    printf("{\"event\":\"offline\",\"terminal\":\"%s\",\"reason\":\"%s\"}\n", addr, fep_offline_name((int)reason));
    fflush(stdout);
}

static void on_report(void *ctx, const char *addr, uint64_t token, const uint8_t *frame, size_t len)
{
    struct fep_cli *c = ctx;
    printf("{\"event\":\"report\",\"terminal\":\"%s\",\"frame\":\"", addr);
    for (size_t i = 0; i < len; i++)
        printf("%02X", frame[i]);
    fputs("\"}\n", stdout);
    if (fflush(stdout) == 0 && token)
        fep_report_stored(c->fep, token); /* durable as far as this command goes */
}

static void on_events_pending(void *ctx, const char *addr, uint8_t ec1, uint8_t ec2)
{
    (void)ctx;
    printf("{\"event\":\"events_pending\",\"terminal\":\"%s\",\"ec1\":%u,\"ec2\":%u}\n", addr, ec1, ec2);
    fflush(stdout);
}

/* "HOST:PORT" or "[V6]:PORT" into host (cap bytes) and port. */
static int parse_endpoint(const char *s, char *host, size_t cap, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s)
        return MH_EINVAL;
    const char *h = s, *he = colon;
    if (*h == '[' && he[-1] == ']') {
        h++;
        he--;
    }
    if ((size_t)(he - h) >= cap)
        return MH_EINVAL;
    memcpy(host, h, (size_t)(he - h));
    host[he - h] = 0;
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (*end || p > 65535 || end == colon + 1)
        return MH_EINVAL;
    *port = (uint16_t)p;
    return 0;
}

static int load_archive(struct fep_cli *c, const char *path)
{
    struct archive *a;
    char err[256];
    if (archive_csv_load(path, &a, err, sizeof err) != 0) {
        fprintf(stderr, "meterhub fep: %s: %s\n", path, err);
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < a->n_rows; i++) {
        const struct archive_row *r = &a->rows[i];
        /* Terminals that log in, and DTUs, known by the address of the meter behind them. */
        if (r->terminal_protocol != ARCHIVE_PROTO_GDW1376 && r->terminal_protocol != ARCHIVE_PROTO_DLT698 &&
            r->terminal_kind != ARCHIVE_KIND_DTU)
            continue;
        char key[sizeof r->terminal_address];
        size_t k = 0;
        for (; r->terminal_address[k] && k < sizeof key - 1; k++)
            key[k] = (char)toupper((unsigned char)r->terminal_address[k]);
        if (!mh_keymap_get(&c->known, key, k)) {
            mh_keymap_set(&c->known, key, k, (void *)(uintptr_t)(r->terminal_protocol + 1));
            n++;
        }
    }
    archive_free(a);
    mh_info("fep", "%zu terminals in the archive", n);
    return 0;
}

static void stop(struct fep_cli *c)
{
    if (c->stopping)
        return;
    c->stopping = 1;
    for (int i = 0; i < c->n_tcp; i++)
        chan_tcp_listener_close(c->tcp[i], NULL, NULL);
    for (int i = 0; i < c->n_udp; i++)
        chan_udp_listener_close(c->udp[i], NULL, NULL);
    fep_close(c->fep, NULL, NULL);
    uv_close((uv_handle_t *)&c->sigint, NULL);
    uv_close((uv_handle_t *)&c->sigterm, NULL);
    uv_close((uv_handle_t *)&c->stop_timer, NULL);
}

static void on_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    stop(s->data);
}

static void on_stop_timer(uv_timer_t *t)
{
    stop(t->data);
}

static int open_ports(struct fep_cli *c, struct fep_port *port, char **tcp, int n_tcp, char **udp, int n_udp,
                      int reuseport)
{
    char host[64];
    for (int i = 0; i < n_tcp; i++) {
        struct chan_tcp_listen_cfg lc = {.host = host, .reuseport = reuseport};
        if (parse_endpoint(tcp[i], host, sizeof host, &lc.port) != 0 ||
            chan_tcp_listen(c->cl, &lc, fep_port_events(port), &c->tcp[c->n_tcp]) != 0) {
            fprintf(stderr, "meterhub fep: cannot listen on tcp %s\n", tcp[i]);
            return -1;
        }
        mh_info("fep", "listening on tcp %s", tcp[i]);
        c->n_tcp++;
    }
    for (int i = 0; i < n_udp; i++) {
        struct chan_udp_cfg uc = {.host = host, .reuseport = reuseport};
        if (parse_endpoint(udp[i], host, sizeof host, &uc.port) != 0 ||
            chan_udp_listen(c->cl, &uc, fep_port_events(port), &c->udp[c->n_udp]) != 0) {
            fprintf(stderr, "meterhub fep: cannot listen on udp %s\n", udp[i]);
            return -1;
        }
        mh_info("fep", "listening on udp %s", udp[i]);
        c->n_udp++;
    }
    return 0;
}

int cmd_fep(int argc, char **argv)
{
    const char *archive = NULL;
    char *tcp[MAX_PORTS], *udp[MAX_PORTS];
    int n_tcp = 0, n_udp = 0, reuseport = 0;
    unsigned long duration = 0;
    enum fep_proto_id proto = FEP_PROTO_AUTO;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fep_usage(stdout);
            return 0;
        }
        if (strcmp(a, "--reuseport") == 0) {
            reuseport = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "meterhub fep: %s needs a value\n", a);
            return 2;
        }
        char *v = argv[++i];
        if (strcmp(a, "--archive") == 0) {
            archive = v;
        } else if (strcmp(a, "--listen") == 0 && n_tcp < MAX_PORTS) {
            tcp[n_tcp++] = v;
        } else if (strcmp(a, "--udp") == 0 && n_udp < MAX_PORTS) {
            udp[n_udp++] = v;
        } else if (strcmp(a, "--duration") == 0) {
            duration = strtoul(v, NULL, 10);
        } else if (strcmp(a, "--proto") == 0 && (strcmp(v, "auto") == 0 || strcmp(v, "gdw1376") == 0 ||
                                                 strcmp(v, "dlt698") == 0 || strcmp(v, "dlt645") == 0)) {
            proto = v[0] == 'a'                   ? FEP_PROTO_AUTO
                    : v[0] == 'g'                 ? FEP_PROTO_GDW1376
                    : strcmp(v, "dlt698") == 0 ? FEP_PROTO_DLT698
                                                  : FEP_PROTO_DLT645;
        } else {
            fprintf(stderr, "meterhub fep: unknown option %s %s\n", a, v);
            fep_usage(stderr);
            return 2;
        }
    }
    if (!archive) {
        fep_usage(stderr);
        return 2;
    }
    static char default_listen[] = "0.0.0.0:9000";
    if (n_tcp == 0 && n_udp == 0)
        tcp[n_tcp++] = default_listen;
    struct fep_cli c;
    memset(&c, 0, sizeof c);
    mh_keymap_init(&c.known);
    if (load_archive(&c, archive) != 0)
        return 1;
    uv_loop_init(&c.loop);
    c.cl = chan_loop_new(&c.loop);
    struct fep_directory dir = {lookup, &c};
    struct fep_sink sink = {on_online, on_offline, on_report, on_events_pending, &c};
    int rc = 1;
    if (!c.cl || fep_new(&c.loop, NULL, &dir, &sink, &c.fep) != 0)
        goto out;
    struct fep_port *port = fep_port_new(c.fep, proto);
    uv_signal_init(&c.loop, &c.sigint);
    uv_signal_init(&c.loop, &c.sigterm);
    uv_timer_init(&c.loop, &c.stop_timer);
    c.sigint.data = c.sigterm.data = c.stop_timer.data = &c;
    uv_signal_start(&c.sigint, on_signal, SIGINT);
    uv_signal_start(&c.sigterm, on_signal, SIGTERM);
    if (duration)
        uv_timer_start(&c.stop_timer, on_stop_timer, duration * 1000, 0);
    rc = port && open_ports(&c, port, tcp, n_tcp, udp, n_udp, reuseport) == 0 ? 0 : 1;
    if (rc != 0)
        stop(&c);
    uv_run(&c.loop, UV_RUN_DEFAULT);
out:
    chan_loop_free(c.cl);
    uv_loop_close(&c.loop);
    mh_keymap_release(&c.known);
    return rc;
}
