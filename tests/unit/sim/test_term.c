/*
 * Simulated terminals against a test master over real loopback sockets:
 * the master accepts a terminal, checks its login byte for byte, confirms
 * it, sends reads built with the codecs' master-side encoders, decodes the
 * replies with the codecs' decoders and compares every value with
 * `meterhub sim truth` of the same day (scenario_write_truth), multi-frame
 * replies reassembled. Also: the same request gives the same bytes, clock
 * set and trip change what the terminal reports, unknown data is denied,
 * and a corrupting channel corrupts.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
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

#include "meterhub/base/err.h"
#include "meterhub/base/rd.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/dlt698_data.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "meterhub/proto/item.h"
#include "scenario.h"
#include "sim_net.h"
#include "term.h" /* with meterhub/proto/dlt645.h: that header may be included once only */

#define SCEN_1376                                                                                  \
    "{\"seed\":7,\"start\":\"2026-10-01\",\"heartbeat_s\":3600,\"populations\":["                \
    "{\"kind\":\"concentrator\",\"protocol\":\"gdw1376\",\"count\":1,\"meters_each\":11,\"region\":\"0171\"," \
    "\"customers\":{\"residential\":8,\"commercial\":1,\"pv\":1}},"                               \
    "{\"kind\":\"special_transformer\",\"protocol\":\"gdw1376\",\"count\":1,\"region\":\"0172\"}]%s}"

#define SCEN_698                                                                                   \
    "{\"seed\":11,\"start\":\"2026-10-01\",\"heartbeat_s\":3600,\"populations\":["               \
    "{\"kind\":\"transformer_monitor\",\"protocol\":\"dlt698\",\"count\":1}]}"

#define SCEN_DTU                                                                                   \
    "{\"seed\":9,\"start\":\"2026-10-01\",\"populations\":[{\"kind\":\"dtu\",\"count\":1}]}"

/* ---- the harness: sim_net on a thread, the master here ---- */

struct harness {
    struct scenario *s;
    int lfd, fd;
    int others[8]; /* other terminals' connections, kept open so they do not reconnect */
    int n_others;
    pthread_t thread;
    struct sim_net_opts opts;
    struct sim_net_counters c;
    uint8_t rx[65536];
    size_t rx_len;
    char truth[256];
};

static void *net_main(void *arg)
{
    struct harness *h = arg;
    sim_net_run(h->s, &h->opts, &h->c);
    return NULL;
}

static struct scenario *load(const char *json)
{
    char err[256];
    struct scenario *s = NULL;
    if (scenario_parse(json, &s, err, sizeof err) != 0)
        fail_msg("%s", err);
    return s;
}

/* Epoch of local 2026-11-DD HH:00. */
static int64_t local_at(const struct scenario *s, int day, int hour)
{
    struct mh_tm t = {2026, 11, (uint8_t)day, (uint8_t)hour, 0, 0, 0, 0, MH_TM_FULL};
    int64_t e;
    assert_int_equal(sim_term_local_epoch(s, &t, &e), 0);
    return e;
}

static void accept_next(struct harness *h)
{
    struct pollfd p = {h->lfd, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 5000), 1);
    h->fd = accept(h->lfd, NULL, NULL);
    assert_true(h->fd >= 0);
    h->rx_len = 0;
}

/* Start the terminals of s with simulated time 2026-11-20 10:00 local and accept the first. */
static void start(struct harness *h, struct scenario *s, int duration)
{
    memset(h, 0, sizeof *h);
    h->s = s;
    h->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(h->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(h->lfd, 16), 0);
    socklen_t al = sizeof a;
    getsockname(h->lfd, (struct sockaddr *)&a, &al);
    assert_int_equal(sim_term_state_open(s), 0);
    h->opts = (struct sim_net_opts){"127.0.0.1", ntohs(a.sin_port), 0, 1,
                                    local_at(s, 20, 10) - (int64_t)time(NULL), duration, 0, sim_term_behaviour_for};
    pthread_create(&h->thread, NULL, net_main, h);
    accept_next(h);
}

static void start_1376(struct harness *h, const char *faults, int duration)
{
    char json[2048];
    snprintf(json, sizeof json, SCEN_1376, faults);
    start(h, load(json), duration);
}

static void stop(struct harness *h)
{
    pthread_join(h->thread, NULL);
    close(h->fd);
    for (int i = 0; i < h->n_others; i++)
        close(h->others[i]);
    close(h->lfd);
    sim_term_state_close();
    scenario_free(h->s);
    static const char *const files[] = {"registers.csv", "curves.csv", "consumption.csv", "areas.csv", "anomalies.csv"};
    for (size_t i = 0; h->truth[0] && i < sizeof files / sizeof files[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", h->truth, files[i]);
        unlink(path);
    }
    if (h->truth[0])
        rmdir(h->truth);
}

/* Next frame of the connection (scan: the codec's framer) within timeout_ms; its length, 0 on timeout, <0 bad. */
static int next_frame(struct harness *h, mh_frame_scan_fn scan, uint8_t *out, size_t cap, int timeout_ms)
{
    for (;;) {
        struct mh_frame_span sp = {0, 0};
        int rc = h->rx_len ? scan(h->rx, h->rx_len, &sp) : 0;
        if (rc != 0) {
            size_t used = sp.off + (sp.len ? sp.len : 1);
            int n = (int)sp.len;
            if (rc == 1) {
                assert_true(sp.len <= cap);
                memcpy(out, h->rx + sp.off, sp.len);
            }
            memmove(h->rx, h->rx + used, h->rx_len - used);
            h->rx_len -= used;
            return rc == 1 ? n : rc;
        }
        struct pollfd p = {h->fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) != 1)
            return 0;
        ssize_t r = read(h->fd, h->rx + h->rx_len, sizeof h->rx - h->rx_len);
        if (r <= 0)
            return 0;
        h->rx_len += (size_t)r;
    }
}

static void send_all(struct harness *h, const uint8_t *p, size_t n)
{
    assert_int_equal(write(h->fd, p, n), (ssize_t)n);
}

/* ---- ground truth ---- */

/* Ground truth of local day 2026-MM-DD into a directory of this process. */
static void truth_of_date(struct harness *h, int month, int day)
{
    char err[256];
    struct mh_tm d = {2026, (uint8_t)month, (uint8_t)day, 0, 0, 0, 0, 0, MH_TM_FULL};
    int64_t e;
    assert_int_equal(sim_term_local_epoch(h->s, &d, &e), 0);
    snprintf(h->truth, sizeof h->truth, "/tmp/mh_test_term_%d", (int)getpid());
    assert_int_equal(scenario_write_truth(h->s, scenario_local_day(h->s, e), h->truth, err, sizeof err), 0);
}

static void truth_of(struct harness *h, int day)
{
    truth_of_date(h, 11, day);
}

/* Field col (0-based) of the line of file starting with prefix, into out. */
static void truth_field(struct harness *h, const char *file, const char *prefix, int col, char *out, size_t cap)
{
    char path[512], line[4096];
    snprintf(path, sizeof path, "%s/%s", h->truth, file);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, prefix, strlen(prefix)) != 0)
            continue;
        char *p = line;
        for (int i = 0; i < col && p; i++) {
            p = strchr(p, ',');
            if (p)
                p++;
        }
        assert_non_null(p);
        size_t n = strcspn(p, ",\n");
        assert_true(n < cap);
        memcpy(out, p, n);
        out[n] = '\0';
        fclose(f);
        return;
    }
    fclose(f);
    fail_msg("no '%s' in %s", prefix, file);
}

static void dec_text(struct mh_dec d, char *out, size_t cap)
{
    assert_true(mh_dec_format(d, out, cap) > 0);
}

/* Truth kWh "123.4567" truncated to two decimals, as a 645 register shows it. */
static void two_decimals(const char *kwh, char *out, size_t cap)
{
    const char *dot = strchr(kwh, '.');
    assert_non_null(dot);
    snprintf(out, cap, "%.*s", (int)(dot - kwh + 3), kwh);
}

/* A DL/T 645 reply to a read of 0x05060101 (last daily freeze) equals truth at 00:00 of the 20th. */
static void check_645_freeze(struct harness *h, const uint8_t *frame, size_t len, uint64_t address)
{
    struct dlt645_frame mf;
    uint8_t plain[DLT645_MAX_DATA];
    assert_int_equal(dlt645_frame_parse(frame, len, &mf), 0);
    assert_int_equal(mf.ctrl, 0x91);
    dlt645_data_plain(&mf, plain);
    struct dlt645_value vals[8];
    assert_int_equal(dlt645_values_decode(0x05060101, DLT645_2007, plain + 4, mf.len - 4u, vals, 8), 5);
    char prefix[64], want[32], want2[32], have[32];
    snprintf(prefix, sizeof prefix, "%012llu,2026-11-20T00:00:00,", (unsigned long long)address);
    for (int k = 0; k < 5; k++) {
        truth_field(h, "registers.csv", prefix, 2 + k, want, sizeof want);
        two_decimals(want, want2, sizeof want2);
        dec_text(vals[k].num, have, sizeof have);
        assert_string_equal(have, want2);
    }
}

/* ---- 1376.1 master side ---- */

static const struct gdw1376_addr T1 = {0x0171, 1, 5, 0};

static size_t enc_units(uint8_t *frame, size_t cap, uint8_t afn, uint8_t seq, const uint8_t *units, size_t n, int pw)
{
    static const uint8_t zero_pw[16];
    struct mh_wr w;
    mh_wr_init(&w, frame, cap);
    assert_int_equal(gdw1376_frame_encode(&w, 0x4B, &T1, afn, (uint8_t)(GDW1376_SEQ_FIR | GDW1376_SEQ_FIN | seq),
                                          units, n, pw ? zero_pw : NULL, pw ? 16 : 0, NULL, NULL),
                     0);
    return mh_wr_len(&w);
}

static uint8_t last_c; /* control field of the last reply frame exchange() saw */

/* Send a request, collect the reply frames until FIN; returns the number of frames, units concatenated. */
static int exchange(struct harness *h, const uint8_t *req, size_t n, uint8_t *units, size_t cap, size_t *units_len,
                    uint8_t *afn, uint8_t *raw, size_t *raw_len)
{
    send_all(h, req, n);
    int frames = 0;
    *units_len = 0;
    if (raw_len)
        *raw_len = 0;
    for (;;) {
        uint8_t fr[8192];
        int len = next_frame(h, gdw1376_frame_scan, fr, sizeof fr, 3000);
        assert_true(len > 0);
        struct gdw1376_frame f;
        assert_int_equal(gdw1376_frame_parse(fr, (size_t)len, 16, &f), 0);
        if (f.afn == GDW1376_AFN_LINK)
            continue; /* a heartbeat crossing the request */
        assert_true(f.c & GDW1376_C_DIR);
        /* 5.2.3.2: FIR on the first frame only, RSEQ counting up from the request's PSEQ. */
        assert_int_equal(!!(f.seq & GDW1376_SEQ_FIR), frames == 0);
        assert_int_equal(f.seq & 0x0F, (req[13] + frames) & 0x0F);
        if (raw) {
            memcpy(raw + *raw_len, fr, (size_t)len);
            *raw_len += (size_t)len;
        }
        assert_true(*units_len + f.units_len <= cap);
        memcpy(units + *units_len, f.units, f.units_len);
        *units_len += f.units_len;
        *afn = f.afn;
        last_c = f.c;
        frames++;
        if (f.seq & GDW1376_SEQ_FIN)
            return frames;
    }
}

/* Accept terminals until the concentrator 0171/0001 logs in; check its login byte for byte, confirm it. */
static void login(struct harness *h)
{
    uint8_t fr[512], want[64];
    struct mh_wr w;
    mh_wr_init(&w, want, sizeof want);
    struct gdw1376_addr a = {0x0171, 1, 0, 0};
    assert_int_equal(gdw1376_enc_link(&w, &a, 1, 0), 0);
    int len = next_frame(h, gdw1376_frame_scan, fr, sizeof fr, 3000);
    while (len > 10 && (fr[7] != 0x71 || fr[8] != 0x01 || fr[9] != 0x01 || fr[10] != 0x00)) {
        assert_true(h->n_others < 8);
        h->others[h->n_others++] = h->fd;
        accept_next(h);
        len = next_frame(h, gdw1376_frame_scan, fr, sizeof fr, 3000);
    }
    assert_int_equal(len, (int)mh_wr_len(&w)); /* AFN02 F1, PSEQ 0, byte for byte */
    assert_memory_equal(fr, want, (size_t)len);
    mh_wr_init(&w, want, sizeof want);
    assert_int_equal(gdw1376_enc_confirm(&w, &T1, 0, fr[13] & 0x0F), 0);
    send_all(h, want, mh_wr_len(&w));
}

/* Units of a reply: DA DT data, one (pn, Fn) each; the data's size from the dictionary. */
static const uint8_t *unit_data(const uint8_t *units, size_t n, uint8_t afn, uint16_t pn, uint16_t fn, size_t *size)
{
    size_t off = 0;
    while (off + 4 <= n) {
        uint16_t pns[8], fns[8];
        assert_int_equal(gdw1376_da_decode(units[off], units[off + 1], pns), 1);
        assert_int_equal(gdw1376_dt_decode(units[off + 2], units[off + 3], fns), 1);
        const struct gdw1376_fn_def *d = gdw1376_fn_lookup(afn, fns[0]);
        assert_non_null(d);
        assert_int_equal(gdw1376_fn_data_size(d, units + off + 4, n - off - 4, size), 0);
        if (pns[0] == pn && fns[0] == fn)
            return units + off + 4;
        off += 4 + *size;
    }
    return NULL;
}

/* count values of fmt back to back at d equal truth columns first_col.. of the line starting with prefix. */
static void check_values(struct harness *h, const char *file, const char *prefix, int first_col, enum gdw1376_fmt fmt,
                         const uint8_t *d, int count)
{
    size_t size = gdw1376_fmt_size(fmt);
    for (int i = 0; i < count; i++) {
        struct gdw1376_value v;
        char want[32], have[32];
        assert_int_equal(gdw1376_fmt_decode(fmt, d + size * (size_t)i, size, &v), 0);
        assert_int_equal(v.kind, GDW1376_V_NUM);
        dec_text(v.num, have, sizeof have);
        truth_field(h, file, prefix, first_col + i, want, sizeof want);
        if (strcmp(have, want) != 0)
            fail_msg("%s %s column %d: %s, truth %s", file, prefix, first_col + i, have, want);
    }
}

static void a20(uint8_t *p, int day)
{
    struct gdw1376_value v = {.kind = GDW1376_V_TIME};
    v.time = (struct mh_tm){2026, 11, (uint8_t)day, 0, 0, 0, 0, 0, MH_TM_DATE};
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A20, &v, p, 3), 0);
}

/* The concentrator logged in, truth of the 19th written: the terminal. */
static const struct sim_terminal *start_concentrator(struct harness *h)
{
    start_1376(h, "", 3);
    login(h);
    truth_of(h, 19);
    return &h->s->terminals[0];
}

static void test_1376_frozen_and_curves_equal_truth(void **state)
{
    (void)state;
    struct harness h;
    const struct sim_terminal *t = start_concentrator(&h);

    /* AFN0D F161, Td_d 2026-11-19, pn 1..8 in one unit: registers at 24:00 of the 19th. */
    uint8_t units[5 + 4 + 3] = {0xFF, 0x01, 0, 0};
    gdw1376_dt_encode(161, &units[2], &units[3]);
    a20(units + 4, 19);
    uint8_t req[256], got[32768], raw1[32768], raw2[32768], afn;
    size_t n = enc_units(req, sizeof req, GDW1376_AFN_CLASS2, 3, units, 7, 0), glen, r1, r2;
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, raw1, &r1), 1);
    assert_int_equal(afn, GDW1376_AFN_CLASS2);
    for (uint16_t pn = 1; pn <= 8; pn++) {
        const struct sim_meter_info *m = &h.s->meters[t->first_meter + pn - 1];
        assert_int_equal(m->pn, pn);
        size_t size;
        const uint8_t *d = unit_data(got, glen, GDW1376_AFN_CLASS2, pn, 161, &size);
        assert_non_null(d);
        assert_int_equal(size, 3 + 5 + 1 + 5 * 5);
        assert_memory_equal(d, units + 4, 3); /* Td_d echoed */
        assert_int_equal(d[8], 4);            /* M = 4 tariffs */
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%012llu,2026-11-20T00:00:00,", (unsigned long long)m->address);
        check_values(&h, "registers.csv", prefix, 2, GDW1376_A14, d + 9, 5);
    }
    /* Same request, same bytes. */
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, raw2, &r2), 1);
    assert_int_equal(r1, r2);
    assert_memory_equal(raw1, raw2, r1);

    /* AFN0D F97 increment curves of pn 1..8, from 2026-11-19 00:15, 96 points: several frames. */
    uint8_t cu[4 + 7] = {0xFF, 0x01, 0, 0};
    gdw1376_dt_encode(97, &cu[2], &cu[3]);
    struct gdw1376_value v15 = {.kind = GDW1376_V_TIME};
    v15.time = (struct mh_tm){2026, 11, 19, 0, 15, 0, 0, 0, MH_TM_FULL};
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A15, &v15, cu + 4, 5), 0);
    cu[9] = 1;  /* 15 minutes */
    cu[10] = 96; /* points */
    n = enc_units(req, sizeof req, GDW1376_AFN_CLASS2, 9, cu, sizeof cu, 0);
    int frames = exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL);
    assert_true(frames >= 3); /* 8 x 395 bytes of units over 1 KiB frames */
    for (uint16_t pn = 1; pn <= 8; pn++) {
        const struct sim_meter_info *m = &h.s->meters[t->first_meter + pn - 1];
        size_t size;
        const uint8_t *d = unit_data(got, glen, GDW1376_AFN_CLASS2, pn, 97, &size);
        assert_non_null(d);
        assert_int_equal(size, 7 + 96 * 4);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%012llu,2026-11-19,import,", (unsigned long long)m->address);
        check_values(&h, "curves.csv", prefix, 3, GDW1376_A13, d + 7, 96);
    }

    /*
     * AFN0C F129 of pn 2: the registers at the reading time it reports. The
     * terminal reads when its own clock turns the minute, so the true moment
     * is that minute less its clock error, to the second.
     */
    uint8_t u129[4] = {0x02, 0x01, 0, 0};
    gdw1376_dt_encode(129, &u129[2], &u129[3]);
    n = enc_units(req, sizeof req, GDW1376_AFN_CLASS1, 5, u129, 4, 0);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(glen, 4 + 5 + 1 + 5 * 5);
    struct gdw1376_value rt;
    assert_int_equal(gdw1376_fmt_decode(GDW1376_A15, got + 4, 5, &rt), 0);
    int64_t read_at;
    rt.time.sec = 0;
    assert_int_equal(sim_term_local_epoch(h.s, &rt.time, &read_at), 0);
    int64_t drift = sim_term_clock_error(h.s, t);
    assert_int_equal(sim_term_clock(h.s, t, 0), drift);
    struct sim_registers now_reg;
    scenario_meter_registers_at(h.s, t->first_meter + 1, read_at - drift, &now_reg);
    struct gdw1376_value v;
    assert_int_equal(gdw1376_fmt_decode(GDW1376_A14, got + 10, 5, &v), 0);
    assert_int_equal(v.num.m, now_reg.import_wh10[0]);

    /* AFN0D F177, Td_m 2026-10: registers at 00:00 of 1 November, truth of 31 October's end. */
    uint8_t u177[4 + 2] = {0x04, 0x01, 0, 0, 0x10, 0x26};
    gdw1376_dt_encode(177, &u177[2], &u177[3]);
    n = enc_units(req, sizeof req, GDW1376_AFN_CLASS2, 6, u177, sizeof u177, 0);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    truth_of_date(&h, 10, 31);
    {
        const struct sim_meter_info *m3 = &h.s->meters[t->first_meter + 2];
        size_t size;
        const uint8_t *d = unit_data(got, glen, GDW1376_AFN_CLASS2, 3, 177, &size);
        assert_non_null(d);
        assert_memory_equal(d, u177 + 4, 2);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%012llu,2026-11-01T00:00:00,", (unsigned long long)m3->address);
        check_values(&h, "registers.csv", prefix, 2, GDW1376_A14, d + 2 + 5 + 1, 5);
    }
    truth_of(&h, 19);

    /* Older than the 62 days kept: AFN00 F2 (no data). */
    units[4] = 0x01, units[5] = 0x08; /* 2026-08-01 */
    n = enc_units(req, sizeof req, GDW1376_AFN_CLASS2, 4, units, 7, 0);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(afn, GDW1376_AFN_CONFIRM);
    assert_int_equal(got[2], 0x02); /* F2 */

    /* AFN10 F1: a DL/T 645 read of pn 3's last daily freeze, forwarded; equals truth at 00:00 of the 20th. */
    const struct sim_meter_info *m3 = &h.s->meters[t->first_meter + 2];
    uint8_t m645[32], fw[64] = {0, 0, 0x01, 0x00, 0x02, 0x6B, 0x85, 0x05};
    uint8_t maddr[6];
    sim_term_addr_wire(m3->address, maddr);
    struct mh_wr w;
    mh_wr_init(&w, m645, sizeof m645);
    assert_int_equal(dlt645_enc_read(&w, maddr, DLT645_2007, 0x05060101), 0);
    fw[8] = (uint8_t)mh_wr_len(&w);
    fw[9] = 0;
    memcpy(fw + 10, m645, mh_wr_len(&w));
    n = enc_units(req, sizeof req, GDW1376_AFN_FORWARD, 5, fw, 10 + mh_wr_len(&w), 1);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(afn, GDW1376_AFN_FORWARD);
    size_t mlen = (size_t)got[5] | (size_t)got[6] << 8;
    assert_true(mlen > 12 && mlen <= glen - 7);
    check_645_freeze(&h, got + 7, mlen, m3->address);
    stop(&h);
}

static void test_1376_clock_set_and_trip(void **state)
{
    (void)state;
    struct harness h;
    start_1376(&h, "", 3);
    login(&h);
    /* AFN05 F31: set the clock to 2026-11-20 10:30:00, then AFN0C F2 reads it back (+ seconds elapsed). */
    uint8_t u[4 + 6] = {0, 0, 0, 0}, req[256], got[4096], afn;
    size_t glen;
    gdw1376_dt_encode(31, &u[2], &u[3]);
    struct gdw1376_value v = {.kind = GDW1376_V_TIME};
    v.time = (struct mh_tm){2026, 11, 20, 10, 30, 0, 5, 0, MH_TM_FULL | MH_TM_WDAY};
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A1, &v, u + 4, 6), 0);
    size_t n = enc_units(req, sizeof req, GDW1376_AFN_CONTROL, 1, u, sizeof u, 1);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(afn, GDW1376_AFN_CONFIRM);
    assert_int_equal(got[2], 0x01); /* F1: confirmed */
    uint8_t r2[4] = {0, 0, 0, 0};
    gdw1376_dt_encode(2, &r2[2], &r2[3]);
    n = enc_units(req, sizeof req, GDW1376_AFN_CLASS1, 2, r2, 4, 0);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(glen, 4 + 6);
    assert_int_equal(gdw1376_fmt_decode(GDW1376_A1, got + 4, 6, &v), 0);
    assert_int_equal(v.time.day, 20);
    assert_int_equal(v.time.hour, 10);
    assert_int_equal(v.time.min, 30);
    assert_true(v.time.sec <= 3);
    /* A concentrator has no relays: AFN05 F1 trip is denied. */
    uint8_t trip[5] = {0x01, 0x01, 0, 0, 0x00};
    gdw1376_dt_encode(1, &trip[2], &trip[3]);
    n = enc_units(req, sizeof req, GDW1376_AFN_CONTROL, 3, trip, sizeof trip, 1);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(afn, GDW1376_AFN_CONFIRM);
    assert_int_equal(got[2], 0x02);
    stop(&h);

    /* The special-transformer terminal trips: its meter's power is zero from then on. */
    const struct sim_terminal *st = NULL;
    char json[2048];
    snprintf(json, sizeof json, SCEN_1376, "");
    struct scenario *s = load(json);
    st = &s->terminals[1];
    assert_int_equal(st->kind, SIM_TERM_SPECIAL_TRANSFORMER);
    assert_int_equal(sim_term_state_open(s), 0);
    int64_t t0 = local_at(s, 20, 10);
    struct sim_registers before, after, model;
    sim_term_registers_at(s, st, st->first_meter, t0, &before);
    assert_int_equal(sim_term_control(st, 1, t0), 0);
    assert_true(sim_term_tripped(st, t0 + 60));
    struct sim_instant in;
    sim_term_instant_at(s, st, st->first_meter, t0 + 60, &in);
    assert_int_equal(in.p_w[0], 0);
    sim_term_registers_at(s, st, st->first_meter, t0 + 3600, &after);
    assert_true(after.import_wh10[0] - before.import_wh10[0] <= 1); /* CT truncation only */
    assert_int_equal(sim_term_control(st, 0, t0 + 3600), 0);
    sim_term_registers_at(s, st, st->first_meter, t0 + 7200, &after);
    scenario_meter_registers_at(s, st->first_meter, t0 + 7200, &model);
    assert_true(after.import_wh10[0] < model.import_wh10[0]);
    sim_term_state_close();
    scenario_free(s);
}

/* One F161 read of pn 1..8 for the 19th in a fresh run of the scenario: the reply's bytes. */
static size_t f161_bytes(uint8_t *raw, size_t cap)
{
    struct harness h;
    start_1376(&h, "", 2);
    login(&h);
    uint8_t units[7] = {0xFF, 0x01, 0, 0}, req[256], got[8192], afn;
    gdw1376_dt_encode(161, &units[2], &units[3]);
    a20(units + 4, 19);
    size_t n = enc_units(req, sizeof req, GDW1376_AFN_CLASS2, 3, units, 7, 0), glen, rlen;
    assert_true(cap >= 8192);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, raw, &rlen), 1);
    stop(&h);
    return rlen;
}

static void test_1376_same_seed_same_bytes_across_runs(void **state)
{
    (void)state;
    static uint8_t a[8192], b[8192];
    size_t na = f161_bytes(a, sizeof a), nb = f161_bytes(b, sizeof b);
    assert_true(na > 100);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
}

static void test_1376_lossy_channel_drops_as_counted(void **state)
{
    (void)state;
    struct harness h;
    start(&h, load("{\"seed\":7,\"start\":\"2026-10-01\",\"heartbeat_s\":3600,\"populations\":["
                   "{\"kind\":\"concentrator\",\"protocol\":\"gdw1376\",\"count\":1,\"meters_each\":3,"
                   "\"region\":\"0171\"}],\"faults\":{\"loss_permille\":400}}"),
          7);
    /* The login may be lost too: whatever arrives within a second counts as delivered. */
    uint8_t fr[2048], req[256];
    int delivered = 0;
    while (next_frame(&h, gdw1376_frame_scan, fr, sizeof fr, 1000) > 0)
        delivered++;
    for (int k = 0; k < 20; k++) {
        struct mh_wr w;
        mh_wr_init(&w, req, sizeof req);
        assert_int_equal(gdw1376_enc_read(&w, &T1, GDW1376_AFN_CLASS1, 0, 2, NULL, 0, (uint8_t)k, NULL), 0);
        send_all(&h, req, mh_wr_len(&w));
        delivered += next_frame(&h, gdw1376_frame_scan, fr, sizeof fr, 200) > 0;
    }
    stop(&h);
    /* Every frame the terminal built (login, 20 replies) was delivered or counted as dropped, some of each. */
    assert_int_equal(h.c.logins, 1);
    assert_true(h.c.dropped > 0);
    assert_true(delivered > 0);
    assert_int_equal((uint64_t)delivered + h.c.dropped, 21);
}

static void test_1376_corrupting_channel(void **state)
{
    (void)state;
    struct harness h;
    start_1376(&h, ",\"faults\":{\"corrupt_permille\":1000}", 2);
    uint8_t fr[512];
    /* Every frame has a flipped byte: the framer rejects the login (checksum or length). */
    int rc = next_frame(&h, gdw1376_frame_scan, fr, sizeof fr, 3000);
    assert_true(rc < 0);
    stop(&h);
    assert_true(h.c.corrupted >= 1);
}

static void test_dtu_645_equals_truth(void **state)
{
    (void)state;
    struct harness h;
    start(&h, load(SCEN_DTU), 2);
    truth_of(&h, 19);
    const struct sim_meter_info *m = &h.s->meters[0];
    uint8_t addr[6], req[64], fr[512], plain[DLT645_MAX_DATA];
    sim_term_addr_wire(m->address, addr);
    struct mh_wr w;
    mh_wr_init(&w, req, sizeof req);
    assert_int_equal(dlt645_enc_read(&w, addr, DLT645_2007, 0x05060101), 0);
    send_all(&h, req, mh_wr_len(&w));
    int len = next_frame(&h, dlt645_frame_scan, fr, sizeof fr, 3000);
    assert_true(len > 0);
    check_645_freeze(&h, fr, (size_t)len, m->address);
    struct dlt645_frame f;
    /* An identifier the meter does not have: abnormal reply, ERR = no requested data. */
    mh_wr_init(&w, req, sizeof req);
    assert_int_equal(dlt645_enc_read(&w, addr, DLT645_2007, 0x04A00000), 0);
    send_all(&h, req, mh_wr_len(&w));
    len = next_frame(&h, dlt645_frame_scan, fr, sizeof fr, 3000);
    assert_true(len > 0);
    assert_int_equal(dlt645_frame_parse(fr, (size_t)len, &f), 0);
    assert_int_equal(f.ctrl, 0xD1);
    dlt645_data_plain(&f, plain);
    assert_int_equal(plain[0], 0x02);
    /* Another meter's address: silence. */
    addr[0] ^= 0x01;
    mh_wr_init(&w, req, sizeof req);
    assert_int_equal(dlt645_enc_read(&w, addr, DLT645_2007, 0x00010000), 0);
    send_all(&h, req, mh_wr_len(&w));
    assert_int_equal(next_frame(&h, dlt645_frame_scan, fr, sizeof fr, 500), 0);
    stop(&h);
}

/* Next frame that is not a heartbeat. */
static int next_non_heartbeat_within(struct harness *h, uint8_t *fr, size_t cap, struct gdw1376_frame *f, int ms)
{
    for (;;) {
        int len = next_frame(h, gdw1376_frame_scan, fr, cap, ms);
        assert_true(len > 0);
        assert_int_equal(gdw1376_frame_parse(fr, (size_t)len, 16, f), 0);
        if (f->afn != GDW1376_AFN_LINK)
            return len;
    }
}

static int next_non_heartbeat(struct harness *h, uint8_t *fr, size_t cap, struct gdw1376_frame *f)
{
    return next_non_heartbeat_within(h, fr, cap, f, 3000);
}

/*
 * A storm: every terminal's events fall in the window after the storm's
 * base, on distinct (meter, ERC) pairs (the master keeps an event once per
 * terminal, ERC, minute and point), at most 6 a meter; a report is due when
 * events wait, and again only report_resend_s after it went out.
 */
static void test_storm_events_in_window_on_distinct_keys(void **state)
{
    (void)state;
    struct scenario *s = load("{\"seed\":5,\"start\":\"2026-10-01\",\"report_resend_s\":30,\"populations\":["
                              "{\"kind\":\"concentrator\",\"protocol\":\"gdw1376\",\"count\":3,\"meters_each\":2,"
                              "\"region\":\"0171\"},{\"kind\":\"special_transformer\",\"protocol\":\"gdw1376\","
                              "\"count\":1,\"region\":\"0172\"}],"
                              "\"storm\":{\"events\":10,\"after_s\":5,\"window_s\":10}}");
    assert_int_equal(sim_term_state_open(s), 0);
    int64_t t0 = local_at(s, 20, 10);
    s->storm_base = t0;
    for (size_t i = 0; i < 3; i++) {
        const struct sim_terminal *t = &s->terminals[i];
        assert_int_equal(sim_term_storm_events(s, t), 10);
        assert_int_equal(sim_term_events(s, t, t0 + 4, 0, NULL, 0), 0);
        assert_true(sim_term_next_event(s, t, t0) >= t0 + 5);
        assert_int_equal(sim_term_events(s, t, t0 + 15, 0, NULL, 0), 10);
        assert_true(sim_term_next_event(s, t, t0 + 15) == INT64_MAX);
        struct sim_term_event ev[10];
        sim_term_events(s, t, t0 + 15, 0, ev, 10);
        for (int k = 0; k < 10; k++) {
            assert_true(ev[k].at >= t0 + 5 && ev[k].at < t0 + 15);
            assert_true(k == 0 || ev[k - 1].at <= ev[k].at); /* in order of occurrence */
            assert_true(ev[k].meter >= t->first_meter && ev[k].meter < t->first_meter + t->meter_count);
            for (int j = 0; j < k; j++)
                assert_false(ev[j].meter == ev[k].meter &&
                             sim_term_event_kind(ev[j].anomaly)->erc == sim_term_event_kind(ev[k].anomaly)->erc);
        }
        /* Due while events wait and none is out; then again only after 30 s without confirmation. */
        assert_true(sim_term_report_due(s, t, t0 + 15));
        sim_term_events_sent(t, 3, 8, t0 + 15);
        assert_false(sim_term_report_due(s, t, t0 + 44));
        assert_int_equal(sim_term_report_next(s, t, t0 + 16), t0 + 45);
        assert_true(sim_term_report_due(s, t, t0 + 45));
        assert_int_equal(sim_term_events_confirm(t, 3), 1);
        assert_int_equal(sim_term_events_confirmed(t), 8);
    }
    /* One meter: one event of each of the 6 distinct ERCs at most. */
    assert_int_equal(sim_term_storm_events(s, &s->terminals[3]), 6);
    assert_int_equal(sim_term_events(s, &s->terminals[3], t0 + 15, 0, NULL, 0), 6);
    sim_term_state_close();
    scenario_free(s);
    char err[256];
    struct scenario *bad = NULL;
    assert_int_equal(scenario_parse("{\"start\":\"2026-10-01\",\"populations\":[{\"kind\":\"dtu\","
                                    "\"protocol\":\"dlt645-2007\",\"count\":1}],\"storm\":{\"events\":256}}",
                                    &bad, err, sizeof err),
                     MH_EINVAL);
    assert_non_null(strstr(err, "storm"));
}

static void test_1376_event_reports_until_confirmed(void **state)
{
    (void)state;
    struct harness h;
    start(&h, load("{\"seed\":7,\"start\":\"2026-10-01\",\"heartbeat_s\":10,\"populations\":["
                   "{\"kind\":\"concentrator\",\"protocol\":\"gdw1376\",\"count\":1,\"meters_each\":11,"
                   "\"region\":\"0171\"}],\"anomalies\":[{\"type\":\"cover_open\",\"count\":2,"
                   "\"start\":\"2026-11-05T14:30\"}]}"),
          13);
    const struct sim_terminal *t = &h.s->terminals[0];
    assert_int_equal(sim_term_events(h.s, t, local_at(h.s, 20, 10), 0, NULL, 0), 2);
    login(&h);
    uint8_t fr[2048], first[2048];
    struct gdw1376_frame f;
    /* The report: C4, CON, AFN0E F1 on p0, EC1 2, Pm 0, Pn 2, two ERC 37 records at the anomaly's start. */
    int len1 = next_non_heartbeat(&h, first, sizeof first, &f);
    assert_int_equal(f.c, 0xC4);
    assert_int_equal(f.afn, GDW1376_AFN_CLASS3);
    assert_true(f.seq & GDW1376_SEQ_CON);
    assert_int_equal(f.units[2], 0x01);
    assert_int_equal(f.units[4], 2);
    assert_int_equal(f.units[6], 0);
    assert_int_equal(f.units[7], 2);
    const uint8_t *rec = f.units + 8;
    int seen = 0;
    for (int k = 0; k < 2; k++) {
        assert_int_equal(rec[0], 37);
        struct gdw1376_value v;
        assert_int_equal(gdw1376_fmt_decode(GDW1376_A15, rec + 2, 5, &v), 0);
        assert_int_equal(v.time.day, 5);
        assert_int_equal(v.time.hour, 14);
        assert_int_equal(v.time.min, 30);
        uint16_t pn = (uint16_t)((rec[7] | rec[8] << 8) & 0x0FFF);
        assert_true(rec[8] & 0x80); /* begun */
        for (uint32_t m = 0; m < t->meter_count; m++)
            if (h.s->meters[t->first_meter + m].pn == pn)
                seen += h.s->meters[t->first_meter + m].model.anomaly == SIM_ANOM_COVER_OPEN;
        rec += 2 + rec[1];
    }
    assert_int_equal(seen, 2);
    /* The records decode with the codec's appendix B rows: every field, registers before equal the meter's. */
    struct mh_rd er;
    mh_rd_init(&er, f.units + 8, f.units_len - 8);
    for (int k = 0; k < 2; k++) {
        struct gdw1376_erc e;
        assert_int_equal(gdw1376_erc_next(&er, &e), 0);
        assert_true(e.known);
        assert_int_equal(e.erc, 37);
        assert_int_equal(e.n_fields, 17);
        assert_true(e.start);
        long idx = -1;
        for (uint32_t m = 0; m < t->meter_count; m++)
            if (h.s->meters[t->first_meter + m].pn == e.pn)
                idx = (long)(t->first_meter + m);
        assert_true(idx >= 0);
        struct sim_registers reg;
        sim_term_registers_at(h.s, t, (size_t)idx, h.s->meters[idx].model.anomaly_start, &reg);
        assert_int_equal(e.v[2].num.m, 1);                     /* count */
        assert_int_equal(e.v[3].kind, GDW1376_V_TIME);          /* opened */
        assert_int_equal(e.v[4].kind, GDW1376_V_NODATA);        /* not closed yet */
        assert_int_equal(e.v[5].kind, GDW1376_V_NUM);
        assert_true(mh_dec_cmp(e.v[5].num, mh_dec_make(reg.import_wh10[0], -4)) == 0);
    }
    assert_int_equal(mh_rd_left(&er), 0);
    /* Not confirmed: sent again at the next heartbeat (10 s), same records. */
    int len2 = next_non_heartbeat_within(&h, fr, sizeof fr, &f, 12000);
    assert_int_equal(len1, len2);
    assert_int_equal(f.afn, GDW1376_AFN_CLASS3);
    assert_memory_equal(first + 14, fr + 14, (size_t)len1 - 16);
    unsigned rep_seq = f.seq & 0x0F;
    /* A confirmation of another sequence changes nothing: a read still carries ACD and EC1 = 2. */
    uint8_t req[64], got[4096], afn, r2[4] = {0, 0, 0, 0};
    struct mh_wr w;
    mh_wr_init(&w, req, sizeof req);
    assert_int_equal(gdw1376_enc_confirm(&w, &T1, 0, (uint8_t)((rep_seq + 1) & 0x0F)), 0);
    send_all(&h, req, mh_wr_len(&w));
    gdw1376_dt_encode(2, &r2[2], &r2[3]);
    size_t n = enc_units(req, sizeof req, GDW1376_AFN_CLASS1, 7, r2, 4, 0);
    send_all(&h, req, n);
    next_non_heartbeat(&h, fr, sizeof fr, &f);
    assert_int_equal(f.afn, GDW1376_AFN_CLASS1);
    assert_true(f.c & GDW1376_C_FCB_ACD);
    assert_true(f.has_ec);
    assert_int_equal(f.ec1, 2);
    /* Confirm the report: replies lose ACD and EC, nothing more is sent. */
    mh_wr_init(&w, req, sizeof req);
    assert_int_equal(gdw1376_enc_confirm(&w, &T1, 0, (uint8_t)rep_seq), 0);
    send_all(&h, req, mh_wr_len(&w));
    size_t glen;
    n = enc_units(req, sizeof req, GDW1376_AFN_CLASS1, 8, r2, 4, 0);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(afn, GDW1376_AFN_CLASS1);
    assert_int_equal(glen, 10);
    assert_int_equal(last_c, 0x88); /* no ACD */
    assert_int_equal(next_frame(&h, gdw1376_frame_scan, fr, sizeof fr, 100), 0);
    stop(&h);
}

/* ---- 698.45 master side ---- */

static size_t d698_request(const struct sim_terminal *t, const uint8_t *apdu, size_t n, uint8_t *frame, size_t cap)
{
    uint8_t sa[6];
    struct mh_wr w;
    sim_term_addr_wire(t->address, sa);
    mh_wr_init(&w, frame, cap);
    assert_int_equal(dlt698_frame_encode(&w, 0x43, 0x05, sa, 0x10, apdu, n), 0);
    return mh_wr_len(&w);
}

/* Send a request, return the reply's APDU (copied into apdu). */
static size_t d698_exchange(struct harness *h, const uint8_t *req, size_t n, uint8_t *apdu, size_t cap)
{
    uint8_t fr[4096];
    send_all(h, req, n);
    int len;
    struct dlt698_frame f;
    do {
        len = next_frame(h, dlt698_frame_scan, fr, sizeof fr, 3000);
        assert_true(len > 0);
        assert_int_equal(dlt698_frame_parse(fr, (size_t)len, &f), 0);
    } while (f.c == 0x81); /* a heartbeat crossing the request */
    assert_int_equal(f.c, 0xC3);
    assert_int_equal(f.ca, 0x10);
    assert_true(f.apdu_len <= cap);
    memcpy(apdu, f.apdu, f.apdu_len);
    return f.apdu_len;
}

/* An array of five double-long-unsigned registers (0.01 kWh) equals truth's row, truncated. */
static void check_698_registers(struct harness *h, struct mh_rd *r, const char *prefix)
{
    struct dlt698_token tok;
    assert_int_equal(dlt698_token_read(r, &tok), 0);
    assert_int_equal(tok.type, DLT698_ARRAY);
    assert_int_equal(tok.count, 5);
    for (int k = 0; k < 5; k++) {
        char want[32], want2[32], have[32];
        assert_int_equal(dlt698_token_read(r, &tok), 0);
        assert_int_equal(tok.type, DLT698_DOUBLE_LONG_U);
        dec_text(mh_dec_make((int64_t)tok.u, -2), have, sizeof have);
        truth_field(h, "registers.csv", prefix, 2 + k, want, sizeof want);
        two_decimals(want, want2, sizeof want2);
        assert_string_equal(have, want2);
    }
}

static void test_698_login_get_and_daily_freeze_equal_truth(void **state)
{
    (void)state;
    struct harness h;
    start(&h, load(SCEN_698), 3);
    truth_of(&h, 19);
    const struct sim_terminal *t = &h.s->terminals[0];
    const struct sim_meter_info *m = &h.s->meters[t->first_meter];
    uint8_t fr[512], apdu[4096], req[512];
    int len = next_frame(&h, dlt698_frame_scan, fr, sizeof fr, 3000);
    assert_true(len > 0);
    struct dlt698_frame f;
    assert_int_equal(dlt698_frame_parse(fr, (size_t)len, &f), 0);
    assert_int_equal(f.c, 0x81);
    assert_int_equal(f.apdu[0], 0x01); /* LINK-Request */
    assert_int_equal(f.apdu[2], 0);    /* login */
    assert_int_equal(f.apdu[3] << 8 | f.apdu[4], 3600);
    assert_int_equal(f.apdu[5] << 8 | f.apdu[6], 2026);
    /* Confirm with the codec's LINK-Response. */
    struct mh_tm now = {2026, 11, 20, 10, 0, 0, 5, 0, MH_TM_FULL};
    uint8_t lr[64];
    struct mh_wr w;
    mh_wr_init(&w, lr, sizeof lr);
    assert_int_equal(dlt698_enc_link_response(&w, f.apdu[1], 0x80, &now, &now, &now), 0);
    uint8_t sa[6];
    sim_term_addr_wire(t->address, sa);
    struct mh_wr fw;
    mh_wr_init(&fw, req, sizeof req);
    assert_int_equal(dlt698_frame_encode(&fw, 0x01, 0x05, sa, 0, lr, mh_wr_len(&w)), 0);
    send_all(&h, req, mh_wr_len(&fw));

    /* GET-Record 50040200, RSD 9 (last 1st), columns 20210200 00100200: the freeze at 00:00 of the 20th. */
    static const uint8_t rec9[] = {0x05, 0x03, 0x07, 0x50, 0x04, 0x02, 0x00, 0x09, 0x01,
                                   0x02, 0x00, 0x20, 0x21, 0x02, 0x00, 0x00, 0x00, 0x10, 0x02, 0x00, 0x00};
    size_t n = d698_request(t, rec9, sizeof rec9, req, sizeof req);
    size_t an = d698_exchange(&h, req, n, apdu, sizeof apdu);
    struct mh_rd r;
    mh_rd_init(&r, apdu, an);
    assert_int_equal(mh_rd_u8(&r), 0x85);
    assert_int_equal(mh_rd_u8(&r), 0x03);
    assert_int_equal(mh_rd_u8(&r), 0x07);
    assert_int_equal(mh_rd_u32be(&r), 0x50040200);
    uint32_t cols;
    assert_int_equal(dlt698_rcsd_read(&r, &cols), 0);
    assert_int_equal(cols, 2);
    assert_int_equal(mh_rd_u8(&r), 1);
    assert_int_equal(dlt698_len_read(&r), 1);
    struct dlt698_token tok;
    assert_int_equal(dlt698_token_read(&r, &tok), 0);
    assert_int_equal(tok.type, DLT698_DATETIME_S);
    assert_int_equal(tok.time.day, 20);
    assert_int_equal(tok.time.hour, 0);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%012llu,2026-11-20T00:00:00,", (unsigned long long)m->address);
    check_698_registers(&h, &r, prefix);

    /* RSD 2: freeze time in [2026-11-19 00:00, 2026-11-20 00:00): one row, the 19th's. */
    static const uint8_t rec2[] = {0x05, 0x03, 0x08, 0x50, 0x04, 0x02, 0x00, 0x02, 0x20, 0x21, 0x02, 0x00,
                                   0x1C, 0x07, 0xEA, 0x0B, 0x13, 0x00, 0x00, 0x00,
                                   0x1C, 0x07, 0xEA, 0x0B, 0x14, 0x00, 0x00, 0x00, 0x00,
                                   0x01, 0x00, 0x00, 0x10, 0x02, 0x00, 0x00};
    n = d698_request(t, rec2, sizeof rec2, req, sizeof req);
    an = d698_exchange(&h, req, n, apdu, sizeof apdu);
    mh_rd_init(&r, apdu, an);
    mh_rd_skip(&r, 7);
    assert_int_equal(dlt698_rcsd_read(&r, &cols), 0);
    assert_int_equal(cols, 1);
    assert_int_equal(mh_rd_u8(&r), 1);
    assert_int_equal(dlt698_len_read(&r), 1);
    snprintf(prefix, sizeof prefix, "%012llu,2026-11-19T00:00:00,", (unsigned long long)m->address);
    check_698_registers(&h, &r, prefix);

    /* GET-NormalList: clock and an object the terminal does not have (DAR 6). */
    uint32_t oads[2] = {0x40000200, 0x30000200};
    uint8_t get[32];
    mh_wr_init(&w, get, sizeof get);
    assert_int_equal(dlt698_enc_get_list(&w, 9, oads, 2), 0);
    n = d698_request(t, get, mh_wr_len(&w), req, sizeof req);
    an = d698_exchange(&h, req, n, apdu, sizeof apdu);
    mh_rd_init(&r, apdu, an);
    mh_rd_skip(&r, 3);
    assert_int_equal(dlt698_len_read(&r), 2);
    assert_int_equal(mh_rd_u32be(&r), 0x40000200);
    assert_int_equal(mh_rd_u8(&r), 1);
    assert_int_equal(dlt698_token_read(&r, &tok), 0);
    assert_int_equal(tok.type, DLT698_DATETIME_S);
    assert_int_equal(tok.time.day, 20);
    assert_int_equal(mh_rd_u32be(&r), 0x30000200);
    assert_int_equal(mh_rd_u8(&r), 0);
    assert_int_equal(mh_rd_u8(&r), 6);
    stop(&h);
}

static void test_698_event_report_until_confirmed(void **state)
{
    (void)state;
    struct harness h;
    start(&h, load("{\"seed\":7,\"start\":\"2026-10-01\",\"heartbeat_s\":3600,\"populations\":["
                   "{\"kind\":\"concentrator\",\"protocol\":\"dlt698\",\"count\":1,\"meters_each\":6}],"
                   "\"anomalies\":[{\"type\":\"cover_open\",\"count\":2,\"start\":\"2026-11-05T14:30\"}]}"),
          3);
    const struct sim_terminal *t = &h.s->terminals[0];
    uint8_t fr[2048], req[256], sa[6];
    sim_term_addr_wire(t->address, sa);
    int len = next_frame(&h, dlt698_frame_scan, fr, sizeof fr, 3000);
    assert_true(len > 0);
    struct dlt698_frame f;
    assert_int_equal(dlt698_frame_parse(fr, (size_t)len, &f), 0);
    assert_int_equal(f.c, 0x81);
    struct mh_tm now = {2026, 11, 20, 10, 0, 0, 5, 0, MH_TM_FULL};
    uint8_t lr[64];
    struct mh_wr w, fw;
    mh_wr_init(&w, lr, sizeof lr);
    assert_int_equal(dlt698_enc_link_response(&w, f.apdu[1], 0x80, &now, &now, &now), 0);
    mh_wr_init(&fw, req, sizeof req);
    assert_int_equal(dlt698_frame_encode(&fw, 0x01, 0x05, sa, 0, lr, mh_wr_len(&w)), 0);
    send_all(&h, req, mh_wr_len(&fw));
    /* REPORT-Notification record list: two cover-open records (301B), numbers 1 and 2, begun 2026-11-05 14:30. */
    len = next_frame(&h, dlt698_frame_scan, fr, sizeof fr, 3000);
    assert_true(len > 0);
    assert_int_equal(dlt698_frame_parse(fr, (size_t)len, &f), 0);
    assert_int_equal(f.c, 0x83);
    struct mh_rd r;
    mh_rd_init(&r, f.apdu, f.apdu_len);
    assert_int_equal(mh_rd_u8(&r), 0x88);
    assert_int_equal(mh_rd_u8(&r), 0x02);
    uint8_t piid = mh_rd_u8(&r);
    assert_int_equal(dlt698_len_read(&r), 2);
    for (unsigned k = 1; k <= 2; k++) {
        assert_int_equal(mh_rd_u32be(&r), 0x301B0200);
        uint32_t cols;
        assert_int_equal(dlt698_rcsd_read(&r, &cols), 0);
        assert_int_equal(cols, 4);
        assert_int_equal(mh_rd_u8(&r), 1);
        assert_int_equal(dlt698_len_read(&r), 1);
        struct dlt698_token tok;
        assert_int_equal(dlt698_token_read(&r, &tok), 0);
        assert_int_equal(tok.type, DLT698_TSA); /* 202A: the meter of the record */
        assert_int_equal(tok.len, 7);
        assert_int_equal(tok.bytes[0], 0x05);
        assert_int_equal(dlt698_token_read(&r, &tok), 0);
        assert_int_equal(tok.u, k);
        assert_int_equal(dlt698_token_read(&r, &tok), 0);
        assert_int_equal(tok.type, DLT698_DATETIME_S);
        assert_int_equal(tok.time.day, 5);
        assert_int_equal(tok.time.hour, 14);
        assert_int_equal(tok.time.min, 30);
        assert_int_equal(dlt698_token_read(&r, &tok), 0);
        assert_int_equal(tok.type, DLT698_NULL);
    }
    /* REPORT-Response with that PIID: confirmed, nothing is sent again. */
    const uint8_t resp[] = {0x08, 0x02, piid, 0x01, 0x30, 0x1B, 0x02, 0x00};
    mh_wr_init(&fw, req, sizeof req);
    assert_int_equal(dlt698_frame_encode(&fw, 0x03, 0x05, sa, 0, resp, sizeof resp), 0);
    send_all(&h, req, mh_wr_len(&fw));
    assert_int_equal(next_frame(&h, dlt698_frame_scan, fr, sizeof fr, 500), 0);
    stop(&h);
}

/* ---- commands a terminal obeys ---- */

#define SCEN_ST_1376                                                                               \
    "{\"seed\":7,\"start\":\"2026-10-01\",\"heartbeat_s\":3600,\"populations\":["                \
    "{\"kind\":\"special_transformer\",\"protocol\":\"gdw1376\",\"count\":1,\"region\":\"0171\"}]}"

/* An AFN05 request of n commands (PW present), through the master's builder. */
static size_t enc_control(uint8_t *frame, size_t cap, uint8_t seq, const struct gdw1376_ctrl *c, size_t n)
{
    uint8_t units[512];
    struct mh_wr w;
    mh_wr_init(&w, units, sizeof units);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(gdw1376_ctrl_put(&w, &c[i]), 0);
    return enc_units(frame, cap, GDW1376_AFN_CONTROL, seq, units, mh_wr_len(&w), 1);
}

static void test_1376_control_commands_obeyed(void **state)
{
    (void)state;
    struct harness h;
    start(&h, load(SCEN_ST_1376), 3);
    login(&h);
    const struct sim_terminal *t = &h.s->terminals[0];
    assert_int_equal(t->kind, SIM_TERM_SPECIAL_TRANSFORMER);
    uint8_t req[512], got[4096], afn;
    size_t glen;
    /* Protect on, a text message, a trip: protected, the trip is refused; AFN00 F3 item by item. */
    static const uint8_t text[] = {0xB5, 0xE7, 0xB7, 0xD1, 0xD3, 0xE0, 0xB6, 0xEE, 0xB2, 0xBB, 0xD7, 0xE3, 'X', 0x00, 0xFF};
    struct gdw1376_ctrl c[3];
    memset(c, 0, sizeof c);
    c[0].fn = 25;
    c[1].fn = 32;
    c[1].u.msg.kind = 1;
    c[1].u.msg.number = 5;
    c[1].u.msg.len = sizeof text;
    c[1].u.msg.text = text;
    c[2].fn = 1;
    c[2].pn = 1;
    size_t n = enc_control(req, sizeof req, 1, c, 3);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(afn, GDW1376_AFN_CONFIRM);
    static const uint8_t want_f3[] = {0x00, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x01, 0x03, 0x00,
                                      0x00, 0x00, 0x80, 0x03, 0x00, 0x01, 0x01, 0x01, 0x00, 0x01};
    assert_int_equal(glen, sizeof want_f3);
    assert_memory_equal(got, want_f3, sizeof want_f3);
    struct gdw1376_ack ack;
    assert_int_equal(gdw1376_ack_parse(got, glen, &ack), 0);
    assert_int_equal(ack.fn, 3);
    assert_int_equal(ack.n_items, 3);
    assert_int_equal(sim_term_switch(t, SIM_SW_PROTECT), 1);
    assert_false(sim_term_tripped(t, local_at(h.s, 20, 11)));
    /* The message arrived byte for byte. */
    struct sim_term_message msg;
    assert_int_equal(sim_term_messages(t), 1);
    assert_int_equal(sim_term_message(t, 0, &msg), 0);
    assert_int_equal(msg.kind, 1);
    assert_int_equal(msg.number, 5);
    assert_int_equal(msg.len, sizeof text);
    assert_memory_equal(msg.text, text, sizeof text);
    /* Protect off, period control on for group 1, then the trip: all confirmed (F1), the load is cut. */
    memset(c, 0, sizeof c);
    c[0].fn = 33;
    c[1].fn = 9;
    c[1].pn = 1;
    c[1].u.period.periods = 0x03;
    c[2].fn = 1;
    c[2].pn = 1;
    n = enc_control(req, sizeof req, 2, c, 3);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(afn, GDW1376_AFN_CONFIRM);
    assert_int_equal(got[2], 0x01);
    assert_int_equal(sim_term_switch(t, SIM_SW_PROTECT), 0);
    assert_int_equal(sim_term_switch(t, SIM_SW_PERIOD_CTRL), 0x01);
    /* AFN10 F1: a DL/T 645 read of the meter's active power (02030000) forwarded: zero while tripped. */
    const struct sim_meter_info *m = &h.s->meters[t->first_meter];
    uint8_t m645[32], fw[64] = {0, 0, 0x01, 0x00, 0x02, 0x6B, 0x85, 0x05}, maddr[6], plain[DLT645_MAX_DATA];
    sim_term_addr_wire(m->address, maddr);
    struct mh_wr w;
    mh_wr_init(&w, m645, sizeof m645);
    assert_int_equal(dlt645_enc_read(&w, maddr, DLT645_2007, 0x02030000), 0);
    fw[8] = (uint8_t)mh_wr_len(&w);
    memcpy(fw + 10, m645, mh_wr_len(&w));
    n = enc_units(req, sizeof req, GDW1376_AFN_FORWARD, 3, fw, 10 + mh_wr_len(&w), 1);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(afn, GDW1376_AFN_FORWARD);
    struct dlt645_frame mf;
    assert_int_equal(dlt645_frame_parse(got + 7, (size_t)got[5], &mf), 0);
    assert_int_equal(mf.ctrl, 0x91);
    dlt645_data_plain(&mf, plain);
    struct dlt645_value pv[4];
    assert_int_equal(dlt645_values_decode(0x02030000, DLT645_2007, plain + 4, mf.len - 4u, pv, 4), 1);
    assert_int_equal(pv[0].num.m, 0);
    /* Period control off, close allowed: confirmed, no longer tripped. */
    memset(c, 0, sizeof c);
    c[0].fn = 17;
    c[0].pn = 1;
    c[1].fn = 2;
    c[1].pn = 1;
    n = enc_control(req, sizeof req, 4, c, 2);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(got[2], 0x01);
    assert_int_equal(sim_term_switch(t, SIM_SW_PERIOD_CTRL), 0);
    assert_false(sim_term_tripped(t, local_at(h.s, 20, 12)));
    /* Urge-fee alarm on p0: confirmed, the alarm is on. */
    memset(c, 0, sizeof c);
    c[0].fn = 26;
    c[0].pn = 0;
    c[0].u.urge_hours = 0xFFFFFF;
    n = enc_control(req, sizeof req, 5, c, 1);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(got[2], 0x01);
    assert_int_equal(sim_term_switch(t, SIM_SW_URGE_FEE), 1);
    stop(&h);
}

#define SCEN_ST_698                                                                                \
    "{\"seed\":11,\"start\":\"2026-10-01\",\"heartbeat_s\":3600,\"populations\":["               \
    "{\"kind\":\"special_transformer\",\"protocol\":\"dlt698\",\"count\":1}]}"

/* Accept the 698 terminal's login and confirm it. */
static void login_698(struct harness *h, const struct sim_terminal *t)
{
    uint8_t fr[512], lr[64], req[256], sa[6];
    int len = next_frame(h, dlt698_frame_scan, fr, sizeof fr, 3000);
    assert_true(len > 0);
    struct dlt698_frame f;
    assert_int_equal(dlt698_frame_parse(fr, (size_t)len, &f), 0);
    struct dlt698_apdu a;
    assert_int_equal(dlt698_apdu_decode(f.apdu, f.apdu_len, &a), 0);
    assert_int_equal(a.tag, DLT698_LINK_REQUEST);
    assert_int_equal(a.u.link_req.type, 0);
    struct mh_tm now = {2026, 11, 20, 10, 0, 0, 5, 0, MH_TM_FULL};
    struct mh_wr w, fw;
    mh_wr_init(&w, lr, sizeof lr);
    assert_int_equal(dlt698_enc_link_response(&w, a.piid, 0x80, &now, &now, &now), 0);
    sim_term_addr_wire(t->address, sa);
    mh_wr_init(&fw, req, sizeof req);
    assert_int_equal(dlt698_frame_encode(&fw, 0x01, 0x05, sa, 0, lr, mh_wr_len(&w)), 0);
    send_all(h, req, mh_wr_len(&fw));
}

/* Send an APDU the writer holds, decode the reply APDU into a (views into reply). */
static void d698_call(struct harness *h, const struct sim_terminal *t, struct mh_wr *apdu, uint8_t *reply, size_t cap,
                      struct dlt698_apdu *a)
{
    uint8_t req[1024];
    assert_int_equal(mh_wr_err(apdu), 0);
    size_t n = d698_request(t, apdu->p, mh_wr_len(apdu), req, sizeof req);
    size_t an = d698_exchange(h, req, n, reply, cap);
    assert_int_equal(dlt698_apdu_decode(reply, an, a), 0);
}

/* GET-Request Normal of oad: the A-ResultNormal of the reply (views into reply). */
static void d698_get_one(struct harness *h, const struct sim_terminal *t, uint8_t piid, uint32_t oad, uint8_t *reply,
                         size_t cap, struct dlt698_result_normal *out)
{
    uint8_t buf[64];
    struct mh_wr w;
    struct dlt698_apdu a;
    struct dlt698_iter it;
    union dlt698_item item;
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(dlt698_enc_get_normal(&w, piid, oad, NULL), 0);
    d698_call(h, t, &w, reply, cap, &a);
    assert_int_equal(a.tag, DLT698_GET_RESPONSE);
    dlt698_items_begin(&a.items, &it);
    assert_int_equal(dlt698_items_next(&it, &item), 1);
    *out = item.rn;
}

/* DARs of a SET or ACTION response, in order. */
static void check_dars(const struct dlt698_apdu *a, const uint8_t *want, size_t n)
{
    struct dlt698_iter it;
    union dlt698_item item;
    dlt698_items_begin(&a->items, &it);
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(dlt698_items_next(&it, &item), 1);
        assert_int_equal(a->tag == DLT698_SET_RESPONSE ? item.dar.dar : item.ar.dar, want[k]);
    }
    assert_int_equal(dlt698_items_next(&it, &item), 0);
}

static void test_698_set_action_proxy(void **state)
{
    (void)state;
    struct harness h;
    start(&h, load(SCEN_ST_698), 3);
    const struct sim_terminal *t = &h.s->terminals[0];
    const struct sim_meter_info *m = &h.s->meters[t->first_meter];
    login_698(&h, t);
    uint8_t buf[1024], reply[4096], data[256];
    struct mh_wr w, dw;
    struct dlt698_apdu a;
    struct dlt698_result_normal got;
    struct dlt698_iter it;
    union dlt698_item item;
    /* SET 4000 clock to 10:30:00, then GET reads it back. */
    struct mh_tm set = {2026, 11, 20, 10, 30, 0, 0, 0, MH_TM_FULL};
    mh_wr_init(&dw, data, sizeof data);
    dlt698_put_time(&dw, DLT698_DATETIME_S, &set);
    struct dlt698_oad_data items[2] = {{0x40000200u, {data, mh_wr_len(&dw)}}, {0x00100200u, {data, mh_wr_len(&dw)}}};
    mh_wr_init(&w, buf, sizeof buf);
    dlt698_enc_set_list(&w, 1, items, 2, NULL);
    d698_call(&h, t, &w, reply, sizeof reply, &a);
    assert_int_equal(a.tag, DLT698_SET_RESPONSE);
    check_dars(&a, (const uint8_t[]){0, 3}, 2); /* the register is read-only */
    d698_get_one(&h, t, 2, 0x40000200u, reply, sizeof reply, &got);
    struct dlt698_node nodes[4];
    struct mh_rd r;
    mh_rd_init(&r, got.data.p, got.data.len);
    assert_int_equal(dlt698_data_decode(&r, nodes, 4), 1);
    assert_int_equal(nodes[0].v.time.hour, 10);
    assert_int_equal(nodes[0].v.time.min, 30);
    assert_true(nodes[0].v.time.sec <= 3);

    /* ACTION list: protect on (8001 m127), trip (8000 m129): the trip is refused while protected. */
    mh_wr_init(&dw, data, sizeof data);
    dlt698_put_array(&dw, 1);
    dlt698_put_struct(&dw, 4);
    dlt698_put_oad(&dw, 0xF2050201u);
    dlt698_put_u8(&dw, 0);
    dlt698_put_u16(&dw, 0);
    dlt698_put_bool(&dw, 0);
    size_t trip_len = mh_wr_len(&dw);
    uint8_t nul[1] = {DLT698_NULL};
    struct dlt698_oad_data acts[2] = {{0x80017F00u, {nul, 1}}, {0x80008100u, {data, trip_len}}};
    mh_wr_init(&w, buf, sizeof buf);
    dlt698_enc_action_list(&w, 3, acts, 2, NULL);
    d698_call(&h, t, &w, reply, sizeof reply, &a);
    assert_int_equal(a.tag, DLT698_ACTION_RESPONSE);
    check_dars(&a, (const uint8_t[]){0, 3}, 2);
    assert_int_equal(sim_term_switch(t, SIM_SW_PROTECT), 1);
    /* Release protect (m128), trip: done; the active power the terminal reports is zero. */
    acts[0].oad = 0x80018000u;
    mh_wr_init(&w, buf, sizeof buf);
    dlt698_enc_action_list(&w, 4, acts, 2, NULL);
    d698_call(&h, t, &w, reply, sizeof reply, &a);
    check_dars(&a, (const uint8_t[]){0, 0}, 2);
    d698_get_one(&h, t, 5, 0x20040201u, reply, sizeof reply, &got);
    mh_rd_init(&r, got.data.p, got.data.len);
    assert_int_equal(dlt698_data_decode(&r, nodes, 4), 1);
    assert_int_equal(nodes[0].type, DLT698_DOUBLE_LONG);
    assert_int_equal(nodes[0].v.i, 0);
    /* Urge fee alarm with its text: kept byte for byte. */
    static const char text[] = "\xC7\xEB\xBD\xC9\xB7\xD1 due";
    mh_wr_init(&dw, data, sizeof data);
    dlt698_put_struct(&dw, 2);
    dlt698_put_octets(&dw, (const uint8_t[]){0xFF, 0xFF, 0xFF}, 3);
    dlt698_put_visible(&dw, text, sizeof text - 1);
    struct dlt698_oad_data urge = {0x80027F00u, {data, mh_wr_len(&dw)}};
    mh_wr_init(&w, buf, sizeof buf);
    dlt698_enc_action_normal(&w, 6, &urge, NULL);
    d698_call(&h, t, &w, reply, sizeof reply, &a);
    check_dars(&a, (const uint8_t[]){0}, 1);
    struct sim_term_message msg;
    assert_int_equal(sim_term_message(t, 0, &msg), 0);
    assert_int_equal(msg.len, sizeof text - 1);
    assert_memory_equal(msg.text, text, sizeof text - 1);
    assert_int_equal(sim_term_switch(t, SIM_SW_URGE_FEE), 1);
    /* An object that is not a control: DAR 6. */
    acts[0].oad = 0x43000100u;
    mh_wr_init(&w, buf, sizeof buf);
    dlt698_enc_action_normal(&w, 7, &acts[0], NULL);
    d698_call(&h, t, &w, reply, sizeof reply, &a);
    check_dars(&a, (const uint8_t[]){6}, 1);

    /* The meter archive 6000: the scenario's meter until set; a set table reads back byte for byte. */
    d698_get_one(&h, t, 10, 0x60000200u, reply, sizeof reply, &got);
    {
        static struct dlt698_node an[64];
        uint8_t maddr0[6];
        sim_term_addr_wire(m->address, maddr0);
        mh_rd_init(&r, got.data.p, got.data.len);
        assert_true(dlt698_data_decode(&r, an, 64) > 4);
        assert_int_equal(an[0].type, DLT698_ARRAY);
        assert_int_equal(an[0].count, 1);
        assert_int_equal(an[2].v.u, 1);          /* unit number */
        assert_int_equal(an[4].type, DLT698_TSA); /* basic information: address first */
        assert_int_equal(an[4].count, 7);
        for (int i = 0; i < 6; i++) /* most significant first, as the 202A column and the master write it */
            assert_int_equal(an[4].bytes[1 + i], maddr0[5 - i]);
    }
    uint8_t table[128];
    mh_wr_init(&dw, table, sizeof table);
    dlt698_put_array(&dw, 2);
    for (int k = 0; k < 2; k++) {
        uint8_t ta[6] = {(uint8_t)(0x11 * (k + 1)), 0x22, 0x33, 0x44, 0x55, 0x66};
        dlt698_put_struct(&dw, 2);
        dlt698_put_u16(&dw, (uint16_t)(k + 7));
        dlt698_put_struct(&dw, 3);
        dlt698_put_tsa(&dw, ta, 6);
        dlt698_put_enum(&dw, 3);
        dlt698_put_enum(&dw, 2);
    }
    struct dlt698_oad_data arch[2] = {{0x60000200u, {table, mh_wr_len(&dw)}}, {0x60000200u, {data, 3}}};
    mh_wr_init(&dw, data, sizeof data);
    dlt698_put_u16(&dw, 5); /* not a table */
    mh_wr_init(&w, buf, sizeof buf);
    dlt698_enc_set_list(&w, 11, arch, 2, NULL);
    d698_call(&h, t, &w, reply, sizeof reply, &a);
    check_dars(&a, (const uint8_t[]){0, 7}, 2);
    d698_get_one(&h, t, 12, 0x60000200u, reply, sizeof reply, &got);
    assert_int_equal(got.data.len, arch[0].data.len);
    assert_memory_equal(got.data.p, table, arch[0].data.len);

    /* PROXY TransCommand: a DL/T 645 read of the meter's last daily freeze, answered as truth has it. */
    truth_of(&h, 19);
    uint8_t maddr[6], m645[32];
    sim_term_addr_wire(m->address, maddr);
    mh_wr_init(&dw, m645, sizeof m645);
    assert_int_equal(dlt645_enc_read(&dw, maddr, DLT645_2007, 0x05060101), 0);
    struct dlt698_trans_command tc = {0xF2010201u, {3, 2, 8, 1, 0}, 5, 100, {m645, mh_wr_len(&dw)}};
    mh_wr_init(&w, buf, sizeof buf);
    dlt698_enc_proxy_trans_command(&w, 8, &tc, NULL);
    d698_call(&h, t, &w, reply, sizeof reply, &a);
    assert_int_equal(a.tag, DLT698_PROXY_RESPONSE);
    assert_int_equal(a.choice, 7);
    assert_int_equal(a.dar, 0);
    check_645_freeze(&h, a.u.trans.command.p, a.u.trans.command.len, m->address);
    /* PROXY GetList: the meter's clock and an unknown meter's (no answer: DAR 33). */
    uint8_t tsa1[7] = {5}, tsa2[7] = {5, 1, 2, 3, 4, 5, 6};
    memcpy(tsa1 + 1, maddr, 6);
    uint32_t oad_clock = 0x40000200u;
    struct dlt698_proxy_target tg[2] = {{{tsa1, 7}, 5, &oad_clock, 1}, {{tsa2, 7}, 5, &oad_clock, 1}};
    mh_wr_init(&w, buf, sizeof buf);
    dlt698_enc_proxy_request(&w, 1, 9, 10, tg, 2, NULL);
    d698_call(&h, t, &w, reply, sizeof reply, &a);
    assert_int_equal(a.tag, DLT698_PROXY_RESPONSE);
    dlt698_items_begin(&a.items, &it);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(dlt698_items_next(&it, &item), 1);
        struct dlt698_iter sub;
        union dlt698_item rn;
        dlt698_items_begin(&item.px.sub, &sub);
        assert_int_equal(dlt698_items_next(&sub, &rn), 1);
        assert_int_equal(rn.rn.oad, 0x40000200u);
        if (k == 0)
            assert_non_null(rn.rn.data.p);
        else
            assert_int_equal(rn.rn.dar, 33);
    }
    stop(&h);
}

/* AFN0A F10 read-back of records seq[0..n): the records' bytes (27 each) into recs; their count. */
static size_t query_f10(struct harness *h, uint8_t pseq, const uint16_t *seq, uint16_t n, uint8_t *recs)
{
    uint8_t units[128], req[256], got[4096], afn;
    size_t glen;
    struct mh_wr w;
    mh_wr_init(&w, units, sizeof units);
    mh_wr_fill(&w, 0, 2);
    mh_wr_u8(&w, 0x02); /* F10 */
    mh_wr_u8(&w, 0x01);
    assert_int_equal(gdw1376_query_f10_put(&w, seq, n), 0);
    size_t rn = enc_units(req, sizeof req, GDW1376_AFN_QUERY, pseq, units, mh_wr_len(&w), 0);
    assert_int_equal(exchange(h, req, rn, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(afn, GDW1376_AFN_QUERY);
    struct gdw1376_param p;
    assert_int_equal(gdw1376_param_parse(got, glen, &p, 1), 1);
    assert_int_equal(p.fn, 10);
    memcpy(recs, p.u.meters.recs, 27u * p.u.meters.n);
    return p.u.meters.n;
}

static void test_1376_meter_table_and_report_tasks(void **state)
{
    (void)state;
    struct harness h;
    const struct sim_terminal *t = start_concentrator(&h);
    const struct sim_meter_info *m3 = &h.s->meters[t->first_meter + 2];
    /* Before any download: the scenario's meters, record k for pn k. */
    uint8_t recs[27 * 8];
    uint16_t seqs[3] = {1, 2, 3};
    assert_int_equal(query_f10(&h, 1, seqs, 3, recs), 3);
    struct gdw1376_param view = {.pn = 0, .fn = 10};
    view.u.meters.n = 3;
    view.u.meters.recs = recs;
    struct gdw1376_meter_cfg cfg;
    assert_int_equal(gdw1376_meter_cfg_get(&view, 2, &cfg), 0);
    assert_int_equal(cfg.seq, 3);
    assert_int_equal(cfg.pn, 3);
    char addr[16];
    snprintf(addr, sizeof addr, "%012llu", (unsigned long long)m3->address);
    assert_string_equal(cfg.addr, addr);
    /* Download: record 3 deleted, record 20 puts meter 3 at pn 20, record 21 a meter not wired. */
    uint8_t dl[27 * 3], units[160], req[512], got[4096], afn;
    struct mh_wr w;
    mh_wr_init(&w, dl, sizeof dl);
    cfg.pn = 0;
    assert_int_equal(gdw1376_meter_cfg_put(&w, &cfg), 0);
    cfg.seq = 20;
    cfg.pn = 20;
    assert_int_equal(gdw1376_meter_cfg_put(&w, &cfg), 0);
    cfg.seq = 21;
    cfg.pn = 21;
    memcpy(cfg.addr, "999999999999", 13);
    assert_int_equal(gdw1376_meter_cfg_put(&w, &cfg), 0);
    struct gdw1376_param p = {.pn = 0, .fn = 10};
    p.u.meters.n = 3;
    p.u.meters.recs = dl;
    mh_wr_init(&w, units, sizeof units);
    assert_int_equal(gdw1376_param_put(&w, &p), 0);
    size_t n = enc_units(req, sizeof req, GDW1376_AFN_SET, 2, units, mh_wr_len(&w), 1), glen;
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(afn, GDW1376_AFN_CONFIRM);
    assert_int_equal(got[2], 0x01);
    /* AFN0D F161 for the 19th: pn 3 is gone (F2), pn 20 is meter 3 as truth has it, pn 21 never answers. */
    uint8_t u[7] = {0x04, 0x01, 0, 0};
    gdw1376_dt_encode(161, &u[2], &u[3]);
    a20(u + 4, 19);
    n = enc_units(req, sizeof req, GDW1376_AFN_CLASS2, 3, u, 7, 0);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(afn, GDW1376_AFN_CONFIRM);
    assert_int_equal(got[2], 0x02);
    for (uint16_t pn = 20; pn <= 21; pn++) {
        gdw1376_da_encode(pn, &u[0], &u[1]);
        n = enc_units(req, sizeof req, GDW1376_AFN_CLASS2, (uint8_t)(pn - 16), u, 7, 0);
        assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
        if (pn == 21) {
            assert_int_equal(afn, GDW1376_AFN_CONFIRM);
            assert_int_equal(got[2], 0x02);
            continue;
        }
        assert_int_equal(afn, GDW1376_AFN_CLASS2);
        size_t size;
        const uint8_t *d = unit_data(got, glen, GDW1376_AFN_CLASS2, 20, 161, &size);
        assert_non_null(d);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%012llu,2026-11-20T00:00:00,", (unsigned long long)m3->address);
        check_values(&h, "registers.csv", prefix, 2, GDW1376_A14, d + 9, 5);
    }
    /* Read-back: record 3 no longer exists, record 20 is what was downloaded, byte for byte. */
    seqs[0] = 3;
    seqs[1] = 20;
    assert_int_equal(query_f10(&h, 7, seqs, 2, recs), 1);
    assert_memory_equal(recs, dl + 27, 27);

    /* Report tasks: F65 task 1 (hourly, pn 1 F129 and F33), F67 task 1 start, F66 task 9 (past what it holds). */
    static const uint8_t ids[8] = {0x01, 0x01, 0x01, 0x10, 0x01, 0x01, 0x01, 0x04};
    struct gdw1376_param tp[3];
    memset(tp, 0, sizeof tp);
    tp[0].pn = 1;
    tp[0].fn = 65;
    tp[0].u.task = (struct gdw1376_report_task){1, 1, {2026, 11, 20, 10, 0, 0, 5, 0, MH_TM_FULL | MH_TM_WDAY}, 1, 2, ids};
    tp[1].pn = 1;
    tp[1].fn = 67;
    tp[1].u.byte = 0x55;
    tp[2] = tp[0];
    tp[2].pn = 9;
    tp[2].fn = 66;
    size_t ends[3];
    mh_wr_init(&w, units, sizeof units);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(gdw1376_param_put(&w, &tp[k]), 0);
        ends[k] = mh_wr_len(&w);
    }
    n = enc_units(req, sizeof req, GDW1376_AFN_SET, 8, units, mh_wr_len(&w), 1);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(afn, GDW1376_AFN_CONFIRM);
    struct gdw1376_ack ack;
    assert_int_equal(gdw1376_ack_parse(got, glen, &ack), 0);
    assert_int_equal(ack.fn, 3);
    assert_int_equal(ack.n_items, 3);
    for (size_t k = 0; k < 3; k++) {
        struct gdw1376_ack_item it;
        assert_int_equal(gdw1376_ack_item_get(&ack, k, &it), 0);
        assert_int_equal(it.err, k == 2);
    }
    /* AFN0A F65 and F67 of task 1 read back as downloaded, byte for byte; F66 task 1 was never set. */
    uint8_t q[12] = {0x01, 0x01, 0x01, 0x08, 0x01, 0x01, 0x04, 0x08, 0x01, 0x01, 0x02, 0x08};
    n = enc_units(req, sizeof req, GDW1376_AFN_QUERY, 9, q, sizeof q, 0);
    assert_int_equal(exchange(&h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(afn, GDW1376_AFN_QUERY);
    assert_int_equal(glen, ends[1]);
    assert_memory_equal(got, units, ends[1]);
    stop(&h);
}

/* Send one DL/T 645 frame to the DTU, parse its reply into f (plain data into plain). */
static void dtu_call(struct harness *h, struct mh_wr *req, uint8_t *fr, size_t cap, struct dlt645_frame *f,
                     uint8_t *plain)
{
    assert_int_equal(mh_wr_err(req), 0);
    send_all(h, req->p, mh_wr_len(req));
    int len = next_frame(h, dlt645_frame_scan, fr, cap, 3000);
    assert_true(len > 0);
    assert_int_equal(dlt645_frame_parse(fr, (size_t)len, f), 0);
    dlt645_data_plain(f, plain);
}

/* 0x1C to the DTU's meter; the reply's control byte and first data byte. */
static uint8_t dtu_control(struct harness *h, const uint8_t addr[6], uint32_t password, enum dlt645_remote_cmd cmd,
                           int valid_day, uint8_t *err)
{
    uint8_t req[64], fr[512], plain[DLT645_MAX_DATA];
    struct mh_wr w;
    struct dlt645_frame f;
    struct dlt645_auth auth = {0x02, password, 0x12345678};
    struct mh_tm until = {2026, 11, (uint8_t)valid_day, 12, 0, 0, 0, 0, MH_TM_FULL};
    mh_wr_init(&w, req, sizeof req);
    assert_int_equal(dlt645_enc_remote_control(&w, addr, &auth, cmd, &until), 0);
    dtu_call(h, &w, fr, sizeof fr, &f, plain);
    *err = f.len ? plain[0] : 0;
    return f.ctrl;
}

static void test_dtu_645_remote_control(void **state)
{
    (void)state;
    struct harness h;
    start(&h, load(SCEN_DTU), 3);
    const struct sim_terminal *t = &h.s->terminals[0];
    uint8_t addr[6], err, req[64], fr[512], plain[DLT645_MAX_DATA];
    sim_term_addr_wire(h.s->meters[0].address, addr);
    /* A wrong password: abnormal reply, ERR bit 2; nothing changes. */
    assert_int_equal(dtu_control(&h, addr, 0x111111, DLT645_RC_TRIP, 20, &err), 0xDC);
    assert_int_equal(err, 0x04);
    assert_false(sim_term_tripped(t, local_at(h.s, 20, 11)));
    /* A command whose validity has passed: refused. */
    assert_int_equal(dtu_control(&h, addr, 0, DLT645_RC_TRIP, 19, &err), 0xDC);
    assert_int_equal(err, 0x01);
    /* Trip: confirmed (9C), the meter's active power reads zero from then on. */
    assert_int_equal(dtu_control(&h, addr, 0, DLT645_RC_TRIP, 20, &err), 0x9C);
    assert_true(sim_term_tripped(t, local_at(h.s, 20, 11)));
    struct mh_wr w;
    struct dlt645_frame f;
    mh_wr_init(&w, req, sizeof req);
    assert_int_equal(dlt645_enc_read(&w, addr, DLT645_2007, 0x02030000), 0);
    dtu_call(&h, &w, fr, sizeof fr, &f, plain);
    assert_int_equal(f.ctrl, 0x91);
    struct dlt645_value pv[2];
    assert_int_equal(dlt645_values_decode(0x02030000, DLT645_2007, plain + 4, f.len - 4u, pv, 2), 1);
    assert_int_equal(pv[0].num.m, 0);
    /* Close, keep power on: a trip is then refused until keep power is released. */
    assert_int_equal(dtu_control(&h, addr, 0, DLT645_RC_CLOSE_DIRECT, 20, &err), 0x9C);
    assert_false(sim_term_tripped(t, local_at(h.s, 20, 11)));
    assert_int_equal(dtu_control(&h, addr, 0, DLT645_RC_KEEP_POWER, 20, &err), 0x9C);
    assert_int_equal(dtu_control(&h, addr, 0, DLT645_RC_TRIP, 20, &err), 0xDC);
    assert_false(sim_term_tripped(t, local_at(h.s, 20, 11)));
    assert_int_equal(dtu_control(&h, addr, 0, DLT645_RC_KEEP_POWER_RELEASE, 20, &err), 0x9C);
    assert_int_equal(sim_term_switch(t, SIM_SW_PROTECT), 0);
    stop(&h);
}

/* Records of a load-record reply: their times (minutes of the day) and import registers (0.01 kWh). */
static size_t load_records(const struct dlt645_frame *f, const uint8_t *plain, int has_seq, int *minute, int64_t *imp)
{
    struct dlt645_value v[128];
    int n = dlt645_load_decode(plain + 4, f->len - 4u - (has_seq ? 1u : 0u), 0, v, 128);
    assert_true(n > 0);
    size_t recs = 0;
    for (int k = 0; k < n; k++) {
        if (v[k].kind == DLT645_V_TIME && v[k].item == 0)
            minute[recs++] = v[k].time.hour * 60 + v[k].time.min;
        else if (v[k].item == MH_ITEM_AE_IMP) {
            assert_int_equal(v[k].kind, DLT645_V_NUM);
            assert_int_equal(v[k].num.exp, -2);
            imp[recs - 1] = v[k].num.m;
        }
    }
    return recs;
}

/* A DL/T 645 frame forwarded by AFN10 F1 to a concentrator's meter; the meter's reply parsed into f / plain. */
static void fwd_645(struct harness *h, uint8_t seq, const struct mh_wr *m645, struct dlt645_frame *f, uint8_t *plain)
{
    uint8_t fw[96] = {0, 0, 0x01, 0x00, 0x02, 0x6B, 0x85, 0x05}, req[256], got[4096], afn;
    size_t glen, len = mh_wr_len(m645);
    assert_true(len + 10 <= sizeof fw);
    fw[8] = (uint8_t)len;
    memcpy(fw + 10, m645->p, len);
    size_t n = enc_units(req, sizeof req, GDW1376_AFN_FORWARD, seq, fw, 10 + len, 1);
    assert_int_equal(exchange(h, req, n, got, sizeof got, &glen, &afn, NULL, NULL), 1);
    assert_int_equal(afn, GDW1376_AFN_FORWARD);
    size_t mlen = (size_t)got[5] | (size_t)got[6] << 8;
    assert_true(mlen >= 12 && mlen <= glen - 7);
    assert_int_equal(dlt645_frame_parse(got + 7, mlen, f), 0);
    dlt645_data_plain(f, plain);
}

/* Remote control 0x1C forwarded to a meter; the reply's control byte, *err its ERR byte. */
static uint8_t fwd_control(struct harness *h, uint8_t seq, const uint8_t addr[6], uint32_t password,
                           enum dlt645_remote_cmd cmd, uint8_t *err)
{
    uint8_t m645[64], plain[DLT645_MAX_DATA];
    struct mh_wr w;
    struct dlt645_frame f;
    struct dlt645_auth auth = {0x02, password, 0x12345678};
    struct mh_tm until = {2026, 11, 20, 12, 0, 0, 0, 0, MH_TM_FULL};
    mh_wr_init(&w, m645, sizeof m645);
    assert_int_equal(dlt645_enc_remote_control(&w, addr, &auth, cmd, &until), 0);
    fwd_645(h, seq, &w, &f, plain);
    *err = f.len ? plain[0] : 0;
    return f.ctrl;
}

/* Status word 3 of a meter read through the forward: its two bytes, low first. */
static unsigned fwd_status3(struct harness *h, uint8_t seq, const uint8_t addr[6])
{
    uint8_t m645[32], plain[DLT645_MAX_DATA];
    struct mh_wr w;
    struct dlt645_frame f;
    mh_wr_init(&w, m645, sizeof m645);
    assert_int_equal(dlt645_enc_read(&w, addr, DLT645_2007, 0x04000503), 0);
    fwd_645(h, seq, &w, &f, plain);
    assert_int_equal(f.ctrl, 0x91);
    assert_int_equal(f.len, 6);
    return (unsigned)plain[4] | (unsigned)plain[5] << 8;
}

static void test_1376_forwarded_meter_relay(void **state)
{
    (void)state;
    struct harness h;
    const struct sim_terminal *t = start_concentrator(&h);
    size_t m2 = t->first_meter + 1, m3 = t->first_meter + 2;
    uint8_t a2[6], err;
    sim_term_addr_wire(h.s->meters[m2].address, a2);
    int64_t at = local_at(h.s, 20, 11);
    /* Wrong password: the meter answers DC with ERR bit 2 and stays closed. */
    assert_int_equal(fwd_control(&h, 1, a2, 0x111111, DLT645_RC_TRIP, &err), 0xDC);
    assert_int_equal(err, 0x04);
    assert_int_equal(fwd_status3(&h, 2, a2), 0x0000);
    /* Trip: 9C, status word 3 shows relay open and trip commanded (50 00); only this meter is cut. */
    assert_int_equal(fwd_control(&h, 3, a2, 0, DLT645_RC_TRIP, &err), 0x9C);
    assert_int_equal(fwd_status3(&h, 4, a2), 0x0050);
    assert_true(sim_term_meter_open(m2, at));
    assert_false(sim_term_meter_open(m3, at));
    assert_false(sim_term_tripped(t, at));
    /* While open its power is 0 and its registers stand still; a neighbour's go on. */
    struct sim_instant in;
    sim_term_instant_at(h.s, t, m2, at, &in);
    assert_int_equal(in.p_w[0], 0);
    struct sim_registers r1, r2, n2, truth;
    sim_term_registers_at(h.s, t, m2, at, &r1);
    sim_term_registers_at(h.s, t, m2, at + 3600, &r2);
    assert_int_equal(r1.import_wh10[0], r2.import_wh10[0]);
    sim_term_registers_at(h.s, t, m3, at + 3600, &n2);
    scenario_meter_registers_at(h.s, m3, at + 3600, &truth);
    assert_int_equal(n2.import_wh10[0], truth.import_wh10[0]);
    /* Keep-power refuses a trip; close direct restores the load. */
    assert_int_equal(fwd_control(&h, 5, a2, 0, DLT645_RC_CLOSE_DIRECT, &err), 0x9C);
    assert_int_equal(fwd_status3(&h, 6, a2), 0x0000);
    assert_int_equal(fwd_control(&h, 7, a2, 0, DLT645_RC_KEEP_POWER, &err), 0x9C);
    assert_int_equal(fwd_status3(&h, 8, a2), 0x1000);
    assert_int_equal(fwd_control(&h, 9, a2, 0, DLT645_RC_TRIP, &err), 0xDC);
    assert_int_equal(err, 0x01);
    assert_int_equal(fwd_status3(&h, 10, a2), 0x1000);
    stop(&h);
}

static void test_dtu_645_load_records_follow_up(void **state)
{
    (void)state;
    struct harness h;
    start(&h, load(SCEN_DTU), 3);
    const struct sim_terminal *t = &h.s->terminals[0];
    uint8_t addr[6], req[64], fr[512], plain[DLT645_MAX_DATA];
    sim_term_addr_wire(h.s->meters[0].address, addr);
    /* Four quarter-hour records from 08:00: two per frame, the first with the follow bit (B1). */
    struct mh_tm from = {2026, 11, 20, 8, 0, 0, 0, 0, MH_TM_FULL};
    struct mh_wr w;
    struct dlt645_frame f;
    mh_wr_init(&w, req, sizeof req);
    assert_int_equal(dlt645_enc_read_records(&w, addr, 0x06000001, 4, &from), 0);
    dtu_call(&h, &w, fr, sizeof fr, &f, plain);
    assert_int_equal(f.ctrl, 0xB1);
    int minute[8];
    int64_t imp[8];
    size_t n1 = load_records(&f, plain, 0, minute, imp);
    assert_int_equal(n1, 2);
    /* The follow-up read (12, SEQ 1): the rest, no follow bit, SEQ echoed. */
    mh_wr_init(&w, req, sizeof req);
    assert_int_equal(dlt645_enc_read_follow(&w, addr, DLT645_2007, 0x06000001, 1), 0);
    dtu_call(&h, &w, fr, sizeof fr, &f, plain);
    assert_int_equal(f.ctrl, 0x92);
    assert_int_equal(plain[f.len - 1], 1);
    size_t n2 = load_records(&f, plain, 1, minute + n1, imp + n1);
    assert_int_equal(n2, 2);
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(minute[k], 8 * 60 + 15 * (int)k);
        struct sim_registers r;
        sim_term_registers_at(h.s, t, t->first_meter, local_at(h.s, 20, 8) + 900 * (int64_t)k, &r);
        assert_int_equal(imp[k], r.import_wh10[0] / 100);
    }
    /* No third frame: abnormal reply. */
    mh_wr_init(&w, req, sizeof req);
    assert_int_equal(dlt645_enc_read_follow(&w, addr, DLT645_2007, 0x06000001, 2), 0);
    dtu_call(&h, &w, fr, sizeof fr, &f, plain);
    assert_int_equal(f.ctrl, 0xD2);
    stop(&h);
}

/*
 * A 698.45 concentrator's task data (6012 0300, Selector7 on the store
 * time, MS = TSAs): a row per 15-minute freeze of each of its meters in
 * the range (across midnight: 24:00 is the 19th's last freeze), columns
 * the meter's TSA, the store time and the ROAD of the minute freeze with
 * values equal to the meter model at the freeze; a meter not behind it
 * has no rows.
 */
static void test_698_task_data_meter_curve(void **state)
{
    (void)state;
    struct harness h;
    start(&h, load("{\"seed\":7,\"start\":\"2026-10-01\",\"heartbeat_s\":3600,\"populations\":["
                   "{\"kind\":\"concentrator\",\"protocol\":\"dlt698\",\"count\":1,\"meters_each\":4}]}"),
          3);
    const struct sim_terminal *t = &h.s->terminals[0];
    size_t idx = t->first_meter + 2;
    const struct sim_meter_info *m = &h.s->meters[idx];
    login_698(&h, t);
    uint8_t rsd[64], rcsd[64], buf[256], reply[4096], tsa[6];
    struct mh_wr rw, cw, w;
    uint64_t a = m->address;
    for (int i = 5; i >= 0; i--, a /= 100)
        tsa[i] = (uint8_t)((a % 100 / 10) << 4 | a % 10);
    static const uint8_t from[] = {0x07, 0xEA, 0x0B, 0x13, 0x17, 0x1E, 0x00}; /* 2026-11-19 23:30 */
    static const uint8_t to[] = {0x07, 0xEA, 0x0B, 0x14, 0x00, 0x1E, 0x00};   /* 2026-11-20 00:30 */
    mh_wr_init(&rw, rsd, sizeof rsd);
    mh_wr_u8(&rw, 7);
    mh_wr_bytes(&rw, from, sizeof from);
    mh_wr_bytes(&rw, to, sizeof to);
    mh_wr_bytes(&rw, (const uint8_t[]){0x01, 0x00, 0x0F, 0x03, 0x02, 0x07, 0x05}, 7);
    mh_wr_bytes(&rw, tsa, 6);
    mh_wr_bytes(&rw, (const uint8_t[]){0x07, 0x05, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99}, 8);
    static const uint8_t cols[] = {0x03, 0x00, 0x20, 0x2A, 0x02, 0x00, 0x00, 0x60, 0x42, 0x02, 0x00,
                                   0x01, 0x50, 0x02, 0x02, 0x00, 0x04, 0x20, 0x21, 0x02, 0x00, 0x00,
                                   0x10, 0x02, 0x00, 0x20, 0x04, 0x02, 0x00, 0x20, 0x00, 0x02, 0x00};
    mh_wr_init(&cw, rcsd, sizeof rcsd);
    mh_wr_bytes(&cw, cols, sizeof cols);
    struct dlt698_get_record q = {0x60120300u, {rsd, mh_wr_len(&rw)}, {rcsd, mh_wr_len(&cw)}};
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(dlt698_enc_get_record(&w, 4, &q, NULL), 0);
    struct dlt698_apdu ap;
    d698_call(&h, t, &w, reply, sizeof reply, &ap);
    assert_int_equal(ap.tag, DLT698_GET_RESPONSE);
    struct dlt698_iter it;
    union dlt698_item item;
    dlt698_items_begin(&ap.items, &it);
    assert_int_equal(dlt698_items_next(&it, &item), 1);
    assert_int_equal(item.rr.oad, 0x60120300u);
    assert_int_equal(item.rr.columns, 3);
    assert_int_equal(item.rr.rcsd.len, sizeof cols);
    assert_memory_equal(item.rr.rcsd.p, cols, sizeof cols);
    assert_int_equal(item.rr.nrows, 4); /* 23:30, 23:45, 24:00, 00:15 of the first meter only */
    struct mh_rd r;
    mh_rd_init(&r, item.rr.rows.p, item.rr.rows.len);
    for (int k = 0; k < 4; k++) {
        int64_t at = 0;
        struct mh_tm tm = {2026, 11, 19, 23, 30, 0, 0, 0, MH_TM_FULL};
        assert_int_equal(sim_term_local_epoch(h.s, &tm, &at), 0);
        at += (int64_t)k * 900;
        struct dlt698_token tok;
        assert_int_equal(dlt698_token_read(&r, &tok), 0);
        assert_int_equal(tok.type, DLT698_TSA);
        assert_int_equal(tok.len, 7);
        assert_memory_equal(tok.bytes + 1, tsa, 6);
        for (int c = 0; c < 2; c++) { /* store time, then the freeze time inside the ROAD */
            assert_int_equal(dlt698_token_read(&r, &tok), 0);
            if (c == 1) {
                assert_int_equal(tok.type, DLT698_ARRAY);
                assert_int_equal(tok.count, 4);
                assert_int_equal(dlt698_token_read(&r, &tok), 0);
            }
            assert_int_equal(tok.type, DLT698_DATETIME_S);
            int64_t got = 0;
            assert_int_equal(sim_term_local_epoch(h.s, &tok.time, &got), 0);
            assert_int_equal(got, at);
        }
        struct sim_registers reg;
        scenario_meter_registers_at(h.s, idx, at, &reg);
        assert_int_equal(dlt698_token_read(&r, &tok), 0);
        assert_int_equal(tok.count, 1);
        assert_int_equal(dlt698_token_read(&r, &tok), 0);
        assert_int_equal(tok.type, DLT698_DOUBLE_LONG_U);
        assert_int_equal(tok.u, reg.import_wh10[0] / 100);
        struct sim_instant in;
        sim_instant_at(&m->model, at, &in);
        assert_int_equal(dlt698_token_read(&r, &tok), 0);
        assert_int_equal(tok.count, 4);
        assert_int_equal(dlt698_token_read(&r, &tok), 0);
        assert_int_equal(tok.i, (int64_t)in.p_w[0] * 10);
        mh_rd_skip(&r, 15); /* phases A..C */
        assert_int_equal(dlt698_token_read(&r, &tok), 0);
        assert_int_equal(tok.count, 3);
        assert_int_equal(dlt698_token_read(&r, &tok), 0);
        assert_int_equal(tok.u, (uint64_t)in.voltage_dv[0]);
        mh_rd_skip(&r, 6);
    }
    assert_int_equal(mh_rd_left(&r), 0);
    stop(&h);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* a terminal that closed shows as a failed assertion, not a dead test */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_1376_frozen_and_curves_equal_truth),
        cmocka_unit_test(test_1376_clock_set_and_trip),
        cmocka_unit_test(test_1376_corrupting_channel),
        cmocka_unit_test(test_1376_same_seed_same_bytes_across_runs),
        cmocka_unit_test(test_1376_lossy_channel_drops_as_counted),
        cmocka_unit_test(test_dtu_645_equals_truth),
        cmocka_unit_test(test_1376_event_reports_until_confirmed),
        cmocka_unit_test(test_698_login_get_and_daily_freeze_equal_truth),
        cmocka_unit_test(test_698_event_report_until_confirmed),
        cmocka_unit_test(test_1376_control_commands_obeyed),
        cmocka_unit_test(test_698_set_action_proxy),
        cmocka_unit_test(test_1376_meter_table_and_report_tasks),
        cmocka_unit_test(test_dtu_645_remote_control),
        cmocka_unit_test(test_dtu_645_load_records_follow_up),
        cmocka_unit_test(test_1376_forwarded_meter_relay),
        cmocka_unit_test(test_698_task_data_meter_curve),
        cmocka_unit_test(test_storm_events_in_window_on_distinct_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
