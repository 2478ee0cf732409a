#include "control_harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/chan.h"
#include "meterhub/collect.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "meterhub/proto/item.h"
#include "sim_net.h"
#include "term.h"

#define SCEN                                                                                         \
    "{\"seed\":7,\"start\":\"2026-10-01\",\"heartbeat_s\":3600,\"populations\":["                  \
    "{\"kind\":\"special_transformer\",\"protocol\":\"gdw1376\",\"count\":2,\"region\":\"0172\"},"   \
    "{\"kind\":\"special_transformer\",\"protocol\":\"dlt698\",\"count\":1},"                        \
    "{\"kind\":\"transformer_monitor\",\"protocol\":\"dlt698\",\"count\":1},"                        \
    "{\"kind\":\"concentrator\",\"protocol\":\"gdw1376\",\"count\":1,\"meters_each\":11,"           \
    "\"region\":\"0171\",\"customers\":{\"residential\":10,\"commercial\":1}}]}"

#define FAKE_ADDR "01720999"
#define FAKE_A1 0x0172
#define FAKE_A2 0x0999

/* The station's loop and its parts: one set per process, like the station. */
static struct {
    uv_loop_t loop;
    struct chan_loop *cl;
    struct collect *col;
    struct fep *fep;
    struct fep_port *port;
    struct chan_tcp_listener *lis;
    pthread_t thread;
    struct sim_net_opts opts;
    struct sim_net_counters cnt;
    int fake_fd;
    uv_poll_t fake_poll;
    uint8_t rx[4096];
    size_t rx_len;
    struct ch *h;
} g;

int64_t ch_now(void)
{
    return (int64_t)time(NULL);
}

static void *net_main(void *arg)
{
    (void)arg;
    sim_net_run(g.h->s, &g.opts, &g.cnt);
    return NULL;
}

static void on_finished(void *ctx, int64_t id)
{
    struct ch *h = ctx;
    if (h->n_finished < (int)(sizeof h->finished / sizeof h->finished[0]))
        h->finished[h->n_finished++] = id;
}

static void on_frame(void *ctx, int64_t command, int64_t terminal, const uint8_t *frame, size_t len)
{
    (void)command;
    (void)terminal;
    struct ch *h = ctx;
    if (h->n_frames < CH_FRAMES && len <= sizeof h->frames[0]) {
        memcpy(h->frames[h->n_frames], frame, len);
        h->frame_len[h->n_frames++] = len;
    }
}

/* ---- the fake terminal: answers (or not) what the fep sends it ---- */

static void fake_send_units(uint8_t afn, uint8_t rseq, const uint8_t *units, size_t n)
{
    uint8_t out[512];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    struct gdw1376_addr a = {FAKE_A1, FAKE_A2, 1, 0};
    if (afn == GDW1376_AFN_CONFIRM) {
        gdw1376_enc_ack(&w, &a, rseq, units, n, NULL);
    } else {
        struct gdw1376_rsp r = {.addr = a, .afn = afn, .rseq = rseq};
        struct gdw1376_unit u = {units[0], units[1], units[2], units[3], units + 4, n - 4};
        size_t ends[1];
        gdw1376_rsp_encode(&w, &r, &u, 1, sizeof out, ends, 1);
    }
    if (mh_wr_err(&w) == 0 && write(g.fake_fd, out, mh_wr_len(&w)) < 0)
        fail_msg("fake terminal write");
}

/* FAKE_LIAR: protect off, every command confirmed, nothing ever tripped. */
static void fake_answer(const struct gdw1376_frame *f)
{
    uint8_t units[64];
    struct mh_wr w;
    mh_wr_init(&w, units, sizeof units);
    uint8_t rseq = f->seq & 0x0F;
    if (f->afn == GDW1376_AFN_CONTROL || f->afn == GDW1376_AFN_SET) {
        gdw1376_ack_all_put(&w, 0);
        fake_send_units(GDW1376_AFN_CONFIRM, rseq, units, mh_wr_len(&w));
    } else if (f->afn == GDW1376_AFN_CLASS1 && f->units_len >= 4) {
        uint16_t fn[8];
        gdw1376_dt_decode(f->units[2], f->units[3], fn);
        gdw1376_unit_put(&w, 0, fn[0], NULL, 0);
        if (fn[0] == 5) {
            struct gdw1376_ctrl_settings s = {0};
            gdw1376_ctrl_settings_put(&w, &s);
        } else {
            struct gdw1376_ctrl_now s = {0};
            gdw1376_ctrl_now_put(&w, &s);
        }
        fake_send_units(GDW1376_AFN_CLASS1, rseq, units, mh_wr_len(&w));
    }
}

static void fake_readable(uv_poll_t *p, int status, int events)
{
    (void)p;
    (void)events;
    if (status < 0)
        return;
    ssize_t n = read(g.fake_fd, g.rx + g.rx_len, sizeof g.rx - g.rx_len);
    if (n <= 0)
        return;
    g.rx_len += (size_t)n;
    struct mh_frame_span sp;
    int rc;
    while ((rc = gdw1376_frame_scan(g.rx, g.rx_len, &sp)) != 0) {
        size_t used = sp.off + sp.len;
        struct gdw1376_frame f;
        if (rc > 0 && gdw1376_frame_parse(g.rx + sp.off, sp.len, 16, &f) == 0 && !(f.c & GDW1376_C_DIR) &&
            g.h->fake_mode == FAKE_LIAR)
            fake_answer(&f);
        if (used == 0 || used > g.rx_len)
            break;
        memmove(g.rx, g.rx + used, g.rx_len - used);
        g.rx_len -= used;
    }
}

static void fake_login(void)
{
    g.fake_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(chan_tcp_listener_port(g.lis)),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(g.fake_fd, (struct sockaddr *)&a, sizeof a), 0);
    uint8_t out[64];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    struct gdw1376_addr ad = {FAKE_A1, FAKE_A2, 0, 0};
    assert_int_equal(gdw1376_enc_link(&w, &ad, 1, 0), 0);
    assert_int_equal(write(g.fake_fd, out, mh_wr_len(&w)), (ssize_t)mh_wr_len(&w));
    uv_poll_init(&g.loop, &g.fake_poll, g.fake_fd);
    uv_poll_start(&g.fake_poll, UV_READABLE, fake_readable);
}

/* ---- archive: the scenario's, plus the fake terminal (a copy of a special transformer's row) ---- */

static char *archive_text(const struct scenario *s, char *customer, size_t cap)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(scenario_write_archive_csv(s, f), 0);
    fflush(f);
    /* the first special transformer's row with another terminal, meter and customer */
    const char *row = strstr(text, ",special_transformer,gdw1376,");
    assert_non_null(row);
    while (row > text && row[-1] != '\n')
        row--;
    char line[512], out[512];
    size_t ll = strcspn(row, "\n");
    assert_true(ll < sizeof line);
    memcpy(line, row, ll);
    line[ll] = 0;
    size_t o = 0;
    int col = 0;
    for (char *tok = line, *next; tok; tok = next, col++) {
        next = strchr(tok, ',');
        if (next)
            *next++ = 0;
        const char *v = col == 2 ? FAKE_ADDR : col == 7 ? "999999999999" : col == 17 ? "C99999999" : tok;
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", col ? "," : "", v);
    }
    fprintf(f, "%s\n", out);
    fclose(f);
    snprintf(customer, cap, "C99999999");
    return text;
}

static void load_archive(struct ch *h)
{
    char err[256];
    char *text = archive_text(h->s, h->fake_customer, sizeof h->fake_customer);
    struct archive *a = NULL;
    if (archive_csv_parse(text, strlen(text), &a, err, sizeof err) != 0)
        fail_msg("archive: %s", err);
    struct store_import_stats st;
    if (store_archive_import(h->st, a, &st, err, sizeof err) != 0)
        fail_msg("import: %s", err);
    archive_free(a);
    free(text);
}

/* The store id of simulated terminal t. */
static int64_t id_of(struct ch *h, const char *addr)
{
    struct store_terminal_filter f = STORE_TERMINAL_FILTER_ANY;
    struct store_terminal_row rows[16];
    int n = store_terminals_list(h->st, &f, 0, rows, 16);
    for (int i = 0; i < n; i++)
        if (strcmp(rows[i].address, addr) == 0)
            return rows[i].id;
    fail_msg("terminal %s not in the store", addr);
    return 0;
}

static void map_terminals(struct ch *h)
{
    int ng = 0;
    for (size_t i = 0; i < h->s->n_terminals; i++) {
        const struct sim_terminal *t = &h->s->terminals[i];
        char addr[32];
        scenario_terminal_address(t, addr, sizeof addr);
        /* commands carry Tp (5 minutes); a terminal clock far off would drop them */
        int64_t drift = sim_term_clock(h->s, t, ch_now()) - ch_now();
        if (drift > 60 || drift < -60)
            fail_msg("terminal %s drifts %lld s: pick another seed", addr, (long long)drift);
        if (t->kind == SIM_TERM_SPECIAL_TRANSFORMER && t->protocol == SIM_PROTO_GDW1376 && ng < 2) {
            h->s_gdw[ng] = t;
            h->gdw[ng++] = id_of(h, addr);
        } else if (t->kind == SIM_TERM_TRANSFORMER_MONITOR) {
            h->tm698 = id_of(h, addr);
        } else if (t->kind == SIM_TERM_SPECIAL_TRANSFORMER) {
            h->s_698 = t;
            h->d698 = id_of(h, addr);
        } else {
            h->s_conc = t;
            h->conc = id_of(h, addr);
        }
    }
    h->fake = id_of(h, FAKE_ADDR);
}

void ch_control_cfg(struct ch *h, const struct control_cfg *cfg)
{
    control_free(h->ctl);
    struct control_cfg c = {0};
    if (cfg)
        c = *cfg;
    c.utc_offset_min = (int16_t)(h->s->tz_offset_s / 60);
    c.timeout_ms = 1500;
    c.on_finished = on_finished;
    c.on_frame = on_frame;
    c.ctx = h;
    h->ctl = NULL;
    assert_int_equal(control_new(&g.loop, g.fep, h->st, &c, &h->ctl), 0);
}

void ch_start(struct ch *h, const struct control_cfg *cfg)
{
    memset(h, 0, sizeof *h);
    memset(&g, 0, sizeof g);
    g.h = h;
    char err[256];
    assert_int_equal(scenario_parse(SCEN, &h->s, err, sizeof err), 0);
    assert_int_equal(sim_term_state_open(h->s), 0);
    snprintf(h->db, sizeof h->db, "/tmp/mh_control_%d.db", (int)getpid());
    unlink(h->db);
    assert_int_equal(store_open(h->db, NULL, &h->st, err, sizeof err), 0);
    load_archive(h);

    assert_int_equal(uv_loop_init(&g.loop), 0);
    g.cl = chan_loop_new(&g.loop);
    struct collect_cfg cc = {.utc_offset_min = (int16_t)(h->s->tz_offset_s / 60), .utc_offset_set = 1};
    assert_int_equal(collect_new(&g.loop, h->st, &cc, &g.col), 0);
    struct fep_cfg fc = {.login_timeout_ms = 5000, .request_timeout_ms = 1500, .retries = 255,
                         .utc_offset_min = (int16_t)(h->s->tz_offset_s / 60)};
    assert_int_equal(fep_new(&g.loop, &fc, collect_directory(g.col), collect_sink(g.col), &g.fep), 0);
    collect_attach(g.col, g.fep);
    g.port = fep_port_new(g.fep, FEP_PROTO_AUTO);
    struct chan_tcp_listen_cfg lc = {.host = "127.0.0.1"};
    assert_int_equal(chan_tcp_listen(g.cl, &lc, fep_port_events(g.port), &g.lis), 0);
    ch_control_cfg(h, cfg);

    g.opts = (struct sim_net_opts){"127.0.0.1", chan_tcp_listener_port(g.lis), 0, 1, 0, 600, 0,
                                   sim_term_behaviour_for};
    pthread_create(&g.thread, NULL, net_main, NULL);
    fake_login();
    map_terminals(h);
    size_t want = h->s->n_terminals + 1;
    for (int i = 0; i < 1000 && fep_online(g.fep) < want; i++)
        uv_run(&g.loop, UV_RUN_NOWAIT), usleep(10000);
    assert_int_equal(fep_online(g.fep), want);
}

static void closed(void *arg)
{
    (void)arg;
}

void ch_stop(struct ch *h)
{
    control_free(h->ctl);
    h->ctl = NULL;
    uv_poll_stop(&g.fake_poll);
    uv_close((uv_handle_t *)&g.fake_poll, NULL);
    close(g.fake_fd);
    collect_stop(g.col);
    chan_tcp_listener_close(g.lis, closed, NULL);
    fep_close(g.fep, closed, NULL);
    uv_run(&g.loop, UV_RUN_DEFAULT);
    collect_free(g.col);
    chan_loop_free(g.cl);
    uv_loop_close(&g.loop);
    kill(getpid(), SIGTERM); /* the simulator's loop stops on it */
    pthread_join(g.thread, NULL);
    store_close(h->st);
    unlink(h->db);
    sim_term_state_close();
    scenario_free(h->s);
}

int ch_wait(struct ch *h, int64_t id, unsigned ms)
{
    for (unsigned i = 0; i <= ms / 5; i++) {
        for (int k = 0; k < h->n_finished; k++)
            if (h->finished[k] == id)
                return 1;
        uv_run(&g.loop, UV_RUN_NOWAIT);
        usleep(5000);
    }
    return 0;
}

uv_loop_t *ch_loop(void)
{
    return &g.loop;
}

struct collect *ch_collect(void)
{
    return g.col;
}

struct fep *ch_fep(void)
{
    return g.fep;
}

int ch_wait_flag(const int *flag, unsigned ms)
{
    for (unsigned i = 0; i <= ms / 5; i++) {
        if (*flag)
            return 1;
        uv_run(&g.loop, UV_RUN_NOWAIT);
        usleep(5000);
    }
    return *flag;
}

int64_t ch_run(struct ch *h, int kind, int64_t terminal, uint16_t pn, const struct control_params *p,
               const char *who)
{
    struct control_target t = {.terminal = terminal, .pn = pn};
    struct control_request r = {.kind = kind, .who = who ? who : "operator-a", .reason = "control test", .targets = &t, .n_targets = 1};
    if (p)
        r.p = *p;
    int64_t id = control_submit(h->ctl, &r);
    if (id <= 0)
        fail_msg("submit %s: %s", control_kind_name(kind), mh_strerror((int)id));
    if (!ch_wait(h, id, 10000))
        fail_msg("command %s did not finish", control_kind_name(kind));
    return id;
}

void ch_result(struct ch *h, int64_t id, int *state, int *result, char *detail, size_t cap)
{
    struct store_control c;
    struct store_control_target t[4];
    size_t n = 0;
    assert_int_equal(control_get(h->ctl, id, &c, t, 4, &n), 0);
    assert_true(n >= 1);
    *state = c.state;
    *result = t[0].result;
    snprintf(detail, cap, "%s", t[0].detail);
}

void ch_put_registers(struct ch *h, int64_t meter, int64_t t, const int64_t reg[4])
{
    struct store_reading r[4];
    for (unsigned k = 0; k < 4; k++)
        r[k] = (struct store_reading){.meter = meter, .item = MH_OBIS(1, 0, 1, 8, k + 1), .t = t,
                                      .value = mh_dec_make(reg[k], -4), .received_ms = t * 1000};
    assert_int_equal(store_readings_append(h->st, r, 4, 1000, NULL, NULL), 0);
    assert_int_equal(store_readings_sync(h->st, 5000), 0);
}

void ch_wait_idle(struct ch *h)
{
    for (int i = 0; i < 4000 && control_active(h->ctl) > 0; i++)
        ch_wait(h, -1, 5);
    assert_int_equal(control_active(h->ctl), 0);
}
