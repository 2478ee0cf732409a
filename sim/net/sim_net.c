/*
 * Simulated terminals on one libuv loop. See sim_net.h.
 *
 * Timing: one uv_timer drives a binary heap of events (connect attempts,
 * heartbeats, delayed frames), so 20,000 terminals cost one timer, not
 * 20,000. Faults are drawn from a PRNG seeded by the scenario seed and the
 * process rank, so a run is repeatable as far as the network lets it be.
 */
#include "sim_net.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <uv.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"

#define RX_MAX (64u * 1024)   /* largest frame a terminal accepts */
#define FRAME_MAX 16448u      /* largest frame a behaviour writes (a 698.45 day of minute freezes) */
#define BACKOFF_MAX_S 60

enum term_state { TS_IDLE, TS_CONNECTING, TS_ONLINE, TS_CLOSING };

struct sim_term {
    uv_tcp_t tcp;
    uv_connect_t connect_req;
    struct sim_net *net;
    uint32_t idx;  /* the scenario's terminal index */
    uint32_t slot; /* position in sim_net.terms (what events name) */
    uint8_t state;
    uint8_t logged_in;
    uint8_t reconnect_pending;
    uint8_t was_offline;
    uint32_t seq;
    uint32_t backoff_s;
    uint32_t generation; /* bumps on every connection, so stale delayed frames are dropped */
    uint64_t last_send_ms; /* when the last delayed frame goes out: a stream keeps its order */
    uint8_t *rx;
    uint32_t rx_len;
};

enum event_kind { EV_CONNECT, EV_HEARTBEAT, EV_SEND, EV_FAULT_CHECK, EV_REPORT };

struct event {
    uint64_t due_ms;
    uint32_t term;
    uint8_t kind;
    uint32_t generation;
    uint8_t *frame; /* EV_SEND: owned copy */
    uint32_t len;
};

struct sim_net {
    uv_loop_t loop;
    uv_timer_t timer;
    uv_timer_t progress_timer;
    uv_signal_t sigint, sigterm;
    const struct scenario *s;
    const struct sim_net_opts *opts;
    struct sockaddr_storage master;
    struct sim_term *terms;
    uint32_t n_terms;
    struct event *heap;
    size_t heap_len, heap_cap;
    uint64_t rng;
    uint64_t stop_at_ms;
    int stopping;
    uint8_t readbuf[RX_MAX];
    struct sim_net_counters c;
};

struct write_req {
    uv_write_t req;
    struct sim_term *term;
    uint8_t data[];
};

static uint64_t rng_next(struct sim_net *n)
{
    uint64_t z = (n->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int chance_permille(struct sim_net *n, unsigned permille)
{
    return permille && rng_next(n) % 1000 < permille;
}

static int64_t sim_now(const struct sim_net *n)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec + n->opts->clock_offset_s;
}

/* The simulated clock in milliseconds. */
static int64_t sim_now_ms(const struct sim_net *n)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return ((int64_t)tv.tv_sec + n->opts->clock_offset_s) * 1000 + tv.tv_usec / 1000;
}

/* ---- event heap ---- */

static void heap_swap(struct event *a, struct event *b)
{
    struct event t = *a;
    *a = *b;
    *b = t;
}

static int heap_push(struct sim_net *n, struct event ev)
{
    if (n->heap_len == n->heap_cap) {
        size_t cap = n->heap_cap ? n->heap_cap * 2 : 1024;
        struct event *h = realloc(n->heap, cap * sizeof *h);
        if (!h)
            return MH_ENOMEM;
        n->heap = h;
        n->heap_cap = cap;
    }
    size_t i = n->heap_len++;
    n->heap[i] = ev;
    while (i > 0 && n->heap[(i - 1) / 2].due_ms > n->heap[i].due_ms) {
        heap_swap(&n->heap[(i - 1) / 2], &n->heap[i]);
        i = (i - 1) / 2;
    }
    return 0;
}

static struct event heap_pop(struct sim_net *n)
{
    struct event top = n->heap[0];
    n->heap[0] = n->heap[--n->heap_len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n->heap_len && n->heap[l].due_ms < n->heap[m].due_ms)
            m = l;
        if (r < n->heap_len && n->heap[r].due_ms < n->heap[m].due_ms)
            m = r;
        if (m == i)
            break;
        heap_swap(&n->heap[i], &n->heap[m]);
        i = m;
    }
    return top;
}

static void timer_cb(uv_timer_t *t);

static void rearm(struct sim_net *n)
{
    if (n->stopping)
        return;
    if (n->heap_len == 0) {
        uv_timer_stop(&n->timer);
        return;
    }
    uint64_t now = uv_now(&n->loop), due = n->heap[0].due_ms;
    uv_timer_start(&n->timer, timer_cb, due > now ? due - now : 0, 0);
}

static void schedule(struct sim_net *n, struct sim_term *t, enum event_kind kind, uint64_t delay_ms,
                     uint8_t *frame, uint32_t len)
{
    struct event ev = {uv_now(&n->loop) + delay_ms, t->slot, (uint8_t)kind, t->generation, frame, len};
    if (heap_push(n, ev) != 0) {
        free(frame);
        return;
    }
    if (n->heap[0].due_ms == ev.due_ms)
        rearm(n);
}

/* ---- connections ---- */

static const struct sim_terminal *terminal_of(const struct sim_net *n, const struct sim_term *t)
{
    return &n->s->terminals[t->idx];
}

static void on_closed(uv_handle_t *h)
{
    struct sim_term *t = h->data;
    struct sim_net *n = t->net;
    t->state = TS_IDLE;
    free(t->rx);
    t->rx = NULL;
    t->rx_len = 0;
    if (n->stopping)
        return;
    /* Back off 1, 2, 4 ... 60 s with jitter, as terminals do after a drop. */
    uint32_t b = t->backoff_s ? t->backoff_s : 1;
    t->backoff_s = b * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : b * 2;
    schedule(n, t, EV_CONNECT, b * 1000 + rng_next(n) % 1000, NULL, 0);
}

static void term_close(struct sim_term *t)
{
    if (t->state == TS_ONLINE || t->state == TS_CONNECTING) {
        if (t->state == TS_ONLINE && t->net->c.online > 0)
            t->net->c.online--;
        t->state = TS_CLOSING;
        t->generation++;
        uv_close((uv_handle_t *)&t->tcp, on_closed);
    }
}

static void on_written(uv_write_t *req, int status)
{
    struct write_req *w = (struct write_req *)req;
    if (status < 0 && status != UV_ECANCELED)
        term_close(w->term);
    free(w);
}

/* Send now, no faults: the fault decisions are made in sim_emit_frame. */
static void send_raw(struct sim_term *t, const uint8_t *frame, size_t len)
{
    if (t->state != TS_ONLINE)
        return;
    struct write_req *w = malloc(sizeof *w + len);
    if (!w)
        return;
    w->term = t;
    memcpy(w->data, frame, len);
    uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)len);
    if (uv_write(&w->req, (uv_stream_t *)&t->tcp, &buf, 1, on_written) != 0) {
        free(w);
        term_close(t);
        return;
    }
    t->net->c.frames_out++;
}

int sim_emit_frame(struct sim_emit *em, const uint8_t *frame, size_t len)
{
    struct sim_net *n = em->net;
    struct sim_term *t = em->term;
    const struct sim_fault_rates *f = &n->s->faults;
    if (len == 0 || len > FRAME_MAX)
        return MH_EINVAL;
    if (chance_permille(n, f->loss_permille)) {
        n->c.dropped++;
        return 0;
    }
    if (chance_permille(n, f->reset_permille)) {
        n->c.resets++;
        term_close(t);
        return 0;
    }
    uint8_t *copy = malloc(len);
    if (!copy)
        return MH_ENOMEM;
    memcpy(copy, frame, len);
    if (chance_permille(n, f->corrupt_permille)) {
        copy[len / 2] ^= (uint8_t)(1u << (rng_next(n) % 8));
        n->c.corrupted++;
    }
    uint32_t lat = f->latency_max_ms;
    if (lat) {
        uint32_t d = f->latency_min_ms + (uint32_t)(rng_next(n) % (lat - f->latency_min_ms + 1));
        /*
         * A TCP stream delivers in order: a frame waits for the one sent
         * before it (a multi-frame reply must not arrive shuffled), and
         * goes a millisecond later so the timer heap cannot swap them.
         */
        uint64_t now = uv_now(&n->loop), due = now + d;
        if (due <= t->last_send_ms)
            due = t->last_send_ms + 1;
        t->last_send_ms = due;
        n->c.delayed++;
        schedule(n, t, EV_SEND, due - now, copy, (uint32_t)len);
        return 0;
    }
    send_raw(t, copy, len);
    free(copy);
    return 0;
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct sim_term *t = h->data;
    /* One read buffer per loop: a terminal keeps bytes only while a frame is incomplete. */
    buf->base = (char *)t->net->readbuf;
    buf->len = sizeof t->net->readbuf;
}

static void handle_window(struct sim_term *t, const uint8_t *win, size_t len, size_t *consumed)
{
    struct sim_net *n = t->net;
    const struct sim_terminal *st = terminal_of(n, t);
    const struct sim_behaviour *b = n->opts->behaviour_for(st);
    size_t pos = 0;
    while (pos < len && t->state == TS_ONLINE) {
        struct mh_frame_span sp = {0, 0};
        int rc = b->scan(win + pos, len - pos, &sp);
        if (rc == 0) {
            pos += sp.off;
            break;
        }
        if (rc < 0) {
            n->c.bad_frames_in++;
            pos += sp.off + (sp.len ? sp.len : 1);
            continue;
        }
        n->c.frames_in++;
        struct sim_emit em = {n, t};
        b->on_frame(n->s, st, &t->seq, win + pos + sp.off, sp.len, sim_now(n), &em);
        t->logged_in = 1;
        t->backoff_s = 0;
        pos += sp.off + sp.len;
    }
    *consumed = pos;
}

static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct sim_term *t = stream->data;
    (void)buf;
    if (nread < 0) {
        term_close(t);
        return;
    }
    if (nread == 0)
        return;
    const uint8_t *win = t->net->readbuf;
    size_t len = (size_t)nread;
    if (t->rx_len) {
        if (t->rx_len + len > RX_MAX) {
            mh_warn("sim", "terminal %u: reply larger than %u bytes, dropping the connection", t->idx, RX_MAX);
            term_close(t);
            return;
        }
        uint8_t *grown = realloc(t->rx, t->rx_len + len);
        if (!grown) {
            term_close(t);
            return;
        }
        t->rx = grown;
        memcpy(t->rx + t->rx_len, win, len);
        t->rx_len += (uint32_t)len;
        win = t->rx;
        len = t->rx_len;
    }
    size_t used = 0;
    handle_window(t, win, len, &used);
    if (t->state != TS_ONLINE)
        return;
    size_t rest = len - used;
    if (rest == 0) {
        free(t->rx);
        t->rx = NULL;
        t->rx_len = 0;
    } else if (win != t->rx) {
        t->rx = malloc(rest);
        if (!t->rx) {
            term_close(t);
            return;
        }
        memcpy(t->rx, win + used, rest);
        t->rx_len = (uint32_t)rest;
    } else {
        memmove(t->rx, t->rx + used, rest);
        t->rx_len = (uint32_t)rest;
    }
}

static void send_built(struct sim_term *t,
                       void (*build)(const struct scenario *, const struct sim_terminal *, uint32_t *,
                                     int64_t, struct mh_wr *))
{
    uint8_t frame[FRAME_MAX];
    struct mh_wr w;
    mh_wr_init(&w, frame, sizeof frame);
    build(t->net->s, terminal_of(t->net, t), &t->seq, sim_now(t->net), &w);
    if (mh_wr_err(&w) == 0 && mh_wr_len(&w) > 0) {
        struct sim_emit em = {t->net, t};
        sim_emit_frame(&em, frame, mh_wr_len(&w));
    }
}

/* Wake the terminal when it next wants to report of its own accord (sim_behaviour.report_next). */
static void schedule_report(struct sim_net *n, struct sim_term *t)
{
    const struct sim_behaviour *b = n->opts->behaviour_for(terminal_of(n, t));
    if (!b->report || !b->report_next)
        return;
    int64_t now_ms = sim_now_ms(n), at = b->report_next(n->s, terminal_of(n, t), now_ms / 1000);
    if (at == INT64_MAX)
        return;
    int64_t delay = at > INT64_MAX / 1000 ? INT64_MAX : at * 1000 - now_ms;
    if (delay > (int64_t)n->s->heartbeat_s * 1000)
        delay = (int64_t)n->s->heartbeat_s * 1000; /* far off: look again then, the clock may have been set */
    else
        delay += t->idx * 7919u % 1000; /* terminals' clocks are not in step: each its own millisecond */
    schedule(n, t, EV_REPORT, delay > 0 ? (uint64_t)delay : 0, NULL, 0);
}

static void on_connected(uv_connect_t *req, int status)
{
    struct sim_term *t = req->data;
    struct sim_net *n = t->net;
    if (t->state != TS_CONNECTING)
        return;
    if (status < 0) {
        n->c.connect_failures++;
        t->state = TS_CLOSING;
        uv_close((uv_handle_t *)&t->tcp, on_closed);
        return;
    }
    t->state = TS_ONLINE;
    n->c.online++;
    n->c.connects++;
    uv_tcp_nodelay(&t->tcp, 1);
    if (uv_read_start((uv_stream_t *)&t->tcp, alloc_cb, read_cb) != 0) {
        term_close(t);
        return;
    }
    const struct sim_terminal *st = terminal_of(n, t);
    if (st->fault == SIM_FAULT_NEVER_LOGIN)
        return; /* connects, says nothing: the master must time it out */
    const struct sim_behaviour *b = n->opts->behaviour_for(st);
    send_built(t, b->login);
    n->c.logins++;
    schedule(n, t, EV_HEARTBEAT, (uint64_t)n->s->heartbeat_s * 1000, NULL, 0);
    schedule_report(n, t);
}

static void term_connect(struct sim_term *t)
{
    struct sim_net *n = t->net;
    if (t->state != TS_IDLE || n->stopping)
        return;
    if (scenario_terminal_offline(n->s, terminal_of(n, t), sim_now(n))) {
        schedule(n, t, EV_CONNECT, 30000, NULL, 0); /* look again in half a minute */
        return;
    }
    if (uv_tcp_init(&n->loop, &t->tcp) != 0)
        return;
    t->tcp.data = t;
    t->connect_req.data = t;
    t->state = TS_CONNECTING;
    t->generation++;
    if (uv_tcp_connect(&t->connect_req, &t->tcp, (const struct sockaddr *)&n->master, on_connected) != 0) {
        n->c.connect_failures++;
        t->state = TS_CLOSING;
        uv_close((uv_handle_t *)&t->tcp, on_closed);
    }
}

static void run_event(struct sim_net *n, struct event *ev)
{
    struct sim_term *t = &n->terms[ev->term];
    switch (ev->kind) {
    case EV_CONNECT:
        term_connect(t);
        break;
    case EV_HEARTBEAT:
        if (t->state != TS_ONLINE || ev->generation != t->generation)
            break;
        if (scenario_terminal_offline(n->s, terminal_of(n, t), sim_now(n))) {
            n->c.offline_windows++;
            term_close(t); /* the channel goes down; reconnect attempts wait for the window's end */
            break;
        }
        send_built(t, n->opts->behaviour_for(terminal_of(n, t))->heartbeat);
        schedule(n, t, EV_HEARTBEAT, (uint64_t)n->s->heartbeat_s * 1000, NULL, 0);
        break;
    case EV_REPORT:
        if (t->state != TS_ONLINE || ev->generation != t->generation)
            break;
        send_built(t, n->opts->behaviour_for(terminal_of(n, t))->report);
        schedule_report(n, t);
        break;
    case EV_SEND:
        if (ev->generation == t->generation)
            send_raw(t, ev->frame, ev->len);
        free(ev->frame);
        break;
    default:
        break;
    }
}

static void timer_cb(uv_timer_t *timer)
{
    struct sim_net *n = timer->data;
    uint64_t now = uv_now(&n->loop);
    while (n->heap_len && n->heap[0].due_ms <= now) {
        struct event ev = heap_pop(n);
        run_event(n, &ev);
    }
    if (n->stop_at_ms && now >= n->stop_at_ms) {
        uv_stop(&n->loop);
        return;
    }
    rearm(n);
}

static void progress_cb(uv_timer_t *timer)
{
    struct sim_net *n = timer->data;
    if (n->stop_at_ms && uv_now(&n->loop) >= n->stop_at_ms)
        uv_stop(&n->loop);
    if (n->opts->progress)
        fprintf(stderr,
                "\rsim[%u]: online %u/%u  frames in %llu out %llu  dropped %llu corrupted %llu resets %llu  ",
                n->opts->rank, n->c.online, n->n_terms, (unsigned long long)n->c.frames_in,
                (unsigned long long)n->c.frames_out, (unsigned long long)n->c.dropped,
                (unsigned long long)n->c.corrupted, (unsigned long long)n->c.resets);
}

static void signal_cb(uv_signal_t *sig, int signum)
{
    (void)signum;
    uv_stop(sig->loop);
}

static void close_any(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

int sim_net_run(const struct scenario *s, const struct sim_net_opts *opts,
                struct sim_net_counters *out)
{
    struct sim_net *n = calloc(1, sizeof *n);
    if (!n)
        return MH_ENOMEM;
    n->s = s;
    n->opts = opts;
    n->rng = s->seed * 0x9E3779B97F4A7C15ull + opts->rank;
    int rc = uv_ip4_addr(opts->host, opts->port, (struct sockaddr_in *)&n->master);
    if (rc != 0)
        rc = uv_ip6_addr(opts->host, opts->port, (struct sockaddr_in6 *)&n->master);
    if (rc != 0 || opts->nprocs == 0 || opts->rank >= opts->nprocs) {
        free(n);
        return MH_EINVAL;
    }
    size_t mine = s->n_terminals / opts->nprocs + 1;
    n->terms = calloc(mine ? mine : 1, sizeof *n->terms);
    if (!n->terms || uv_loop_init(&n->loop) != 0) {
        free(n->terms);
        free(n);
        return MH_ENOMEM;
    }
    for (size_t i = opts->rank; i < s->n_terminals; i += opts->nprocs) {
        struct sim_term *t = &n->terms[n->n_terms];
        t->net = n;
        t->idx = (uint32_t)i;
        t->slot = n->n_terms++;
    }
    /*
     * The supply meters of this process's areas summed up to today's
     * midnight before any terminal connects (each sums its users interval
     * by interval since the origin: seconds of CPU for a city), so a
     * master's round meets a field that answers as fast as the one it
     * models, not one stalled by its own bookkeeping.
     */
    int64_t midnight = scenario_day_start(s, scenario_local_day(s, sim_now(n)));
    for (size_t a = 0; a < s->n_areas; a++) {
        uint32_t m = s->areas[a].area_meter;
        if (m < s->n_meters && s->meters[m].terminal % opts->nprocs == opts->rank) {
            struct sim_registers r;
            scenario_meter_primary_at(s, m, midnight, &r);
        }
    }
    n->c.terminals = n->n_terms;
    uv_timer_init(&n->loop, &n->timer);
    n->timer.data = n;
    uv_timer_init(&n->loop, &n->progress_timer);
    n->progress_timer.data = n;
    uv_timer_start(&n->progress_timer, progress_cb, 1000, 1000);
    uv_signal_init(&n->loop, &n->sigint);
    uv_signal_init(&n->loop, &n->sigterm);
    uv_signal_start(&n->sigint, signal_cb, SIGINT);
    uv_signal_start(&n->sigterm, signal_cb, SIGTERM);
    if (opts->duration_s > 0)
        n->stop_at_ms = uv_now(&n->loop) + (uint64_t)opts->duration_s * 1000;
    /* A login storm is a test of its own: spread first connections over a few seconds. */
    uint64_t spread = n->n_terms > 1000 ? 5000 : 1000;
    for (uint32_t k = 0; k < n->n_terms; k++) {
        struct event ev = {uv_now(&n->loop) + rng_next(n) % spread, k, EV_CONNECT, 0, NULL, 0};
        if (heap_push(n, ev) != 0)
            break;
    }
    rearm(n);
    uv_run(&n->loop, UV_RUN_DEFAULT);

    n->stopping = 1;
    if (opts->progress)
        fputc('\n', stderr);
    uv_walk(&n->loop, close_any, NULL);
    uv_run(&n->loop, UV_RUN_DEFAULT);
    uv_loop_close(&n->loop);
    for (size_t i = 0; i < n->heap_len; i++)
        free(n->heap[i].frame);
    for (uint32_t k = 0; k < n->n_terms; k++)
        free(n->terms[k].rx);
    if (out)
        *out = n->c;
    free(n->heap);
    free(n->terms);
    free(n);
    return 0;
}
