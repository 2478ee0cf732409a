/*
 * A whole fep session fed arbitrary bytes through a channel that goes
 * nowhere, on an AUTO port or a DL/T 645 one: protocol recognition, partial-frame buffering across reads (the
 * input is cut in three), login against a directory that knows every
 * address, heartbeats, strays, reports (confirmed as soon as they are
 * "stored") and requests waiting for replies (on a DL/T 645 port a load-
 * record read, whose reply's follow bit makes the fep ask for follow-up
 * frames). Whatever arrives, the session
 * must neither crash nor leak, and hold no more than max_frame bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fep_int.h"
#include "meterhub/proto/dlt645.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fake_send(struct chan *c, const uint8_t *p, size_t n)
{
    (void)c;
    (void)p;
    (void)n;
    return 0;
}

static int closed;

static void fake_close(struct chan *c)
{
    (void)c;
    closed = 1;
}

static const char *fake_peer(const struct chan *c)
{
    (void)c;
    return "fuzz";
}

static const struct chan_ops fake_ops = {fake_send, fake_close, fake_peer};

static int lookup(void *ctx, enum fep_proto_id proto, const char *addr, struct fep_terminal_info *info)
{
    (void)ctx;
    (void)proto;
    info->heartbeat_s = 60;
    info->pw_len = 16;
    return addr[0] == '0' && addr[1] == '0' ? MH_ENOENT : 0; /* some addresses unknown */
}

static struct fep *fep;

static void on_report(void *ctx, const char *addr, uint64_t token, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)addr;
    (void)frame;
    (void)len;
    if (token && (token & 1))
        fep_report_stored(fep, token); /* every other report is stored at once */
}

static void on_online(void *ctx, const char *addr, enum fep_proto_id proto, const char *peer)
{
    (void)ctx;
    (void)peer;
    if (proto == FEP_PROTO_DLT645) {
        uint8_t sa[6], f[64];
        struct mh_wr w;
        struct mh_tm from = {.year = 2026, .mon = 11, .day = 23, .has = MH_TM_DATE | MH_TM_HM};
        mh_wr_init(&w, f, sizeof f);
        if (dlt645_addr_parse(addr, sa) == 0 && dlt645_enc_read_records(&w, sa, 0x06040001u, 97, &from) == 0) {
            struct fep_request rq = {FEP_PRIO_SCHEDULED, f, mh_wr_len(&w), 0, 0, NULL, NULL};
            fep_request_submit(fep, addr, &rq);
        }
        return;
    }
    /* A request waiting for whatever reply the input may contain. */
    static const uint8_t read_f2[] = {0x68, 0x32, 0x00, 0x32, 0x00, 0x68, 0x4B, 0x00, 0x02, 0x34,
                                      0x12, 0x02, 0x0C, 0x60, 0x00, 0x00, 0x02, 0x00, 0x00, 0x16};
    uint8_t f[sizeof read_f2];
    memcpy(f, read_f2, sizeof f);
    f[18] = (uint8_t)(f[6] + f[7] + f[8] + f[9] + f[10] + f[11] + f[12] + f[13] + f[14] + f[15] + f[16] + f[17]);
    struct fep_request rq = {FEP_PRIO_DEMAND, f, sizeof f, 0, 0, NULL, NULL};
    fep_request_submit(fep, addr, &rq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uv_loop_t loop;
    static struct fep_port *port, *port645;
    if (!fep) {
        uv_loop_init(&loop);
        struct fep_cfg cfg = {.max_frame = 2048, .max_fps = 50};
        struct fep_directory dir = {lookup, NULL};
        struct fep_sink sink = {on_online, NULL, on_report, NULL, NULL};
        fep_new(&loop, &cfg, &dir, &sink, &fep);
        port = fep_port_new(fep, FEP_PROTO_AUTO);
        port645 = fep_port_new(fep, FEP_PROTO_DLT645);
    }
    struct chan c = {&fake_ops, NULL, {0, 0, 0}};
    closed = 0;
    /* Inputs whose first byte is odd play a DL/T 645 port (a DTU), the others an AUTO port. */
    const struct chan_events *ev = fep_port_events(size && (data[0] & 1) ? port645 : port);
    ev->on_open(ev->ctx, &c);
    size_t a = size / 3, b = 2 * size / 3;
    const size_t cuts[4] = {0, a, b, size};
    for (int k = 0; k < 3 && !closed; k++) {
        ev->on_data(ev->ctx, &c, data + cuts[k], cuts[k + 1] - cuts[k]);
        struct fep_session *s = c.user;
        if (s && s->rx_len > fep->cfg.max_frame)
            abort();
    }
    ev->on_close(ev->ctx, &c, 0);
    uv_run(&loop, UV_RUN_NOWAIT); /* session timers closed and freed */
    if (fep_sessions(fep) != 0 || fep_online(fep) != 0)
        abort();
    return 0;
}
