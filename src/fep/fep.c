/* The fep: configuration defaults, ports, the terminal table, shutdown. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fep_int.h"
#include "meterhub/base/err.h"

static const char *const status_names[] = {"done", "timeout", "denied", "decode_error", "offline",
                                           "cancelled"};
static const char *const offline_names[] = {"closed", "heartbeat", "logout", "replaced", "error",
                                            "shutdown"};

const char *fep_status_name(int status)
{
    return status >= 0 && status < (int)(sizeof status_names / sizeof status_names[0]) ? status_names[status]
                                                                                       : "unknown";
}

const char *fep_offline_name(int reason)
{
    return reason >= 0 && reason < (int)(sizeof offline_names / sizeof offline_names[0])
               ? offline_names[reason]
               : "unknown";
}

uint64_t fep_now(const struct fep *f)
{
    return uv_now(f->loop);
}

void fep_wall_tm(const struct fep *f, struct mh_tm *tm)
{
    int64_t ms;
    if (f->cfg.wall_ms) {
        ms = f->cfg.wall_ms(f->cfg.wall_ctx);
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    time_t t = (time_t)(ms / 1000) + (time_t)f->cfg.utc_offset_min * 60;
    struct tm g;
    memset(tm, 0, sizeof *tm);
    if (!gmtime_r(&t, &g))
        return;
    tm->year = (uint16_t)(g.tm_year + 1900);
    tm->mon = (uint8_t)(g.tm_mon + 1);
    tm->day = (uint8_t)g.tm_mday;
    tm->wday = (uint8_t)g.tm_wday; /* 698.45 day_of_week: 0 = Sunday, as struct tm */
    tm->hour = (uint8_t)g.tm_hour;
    tm->min = (uint8_t)g.tm_min;
    tm->sec = (uint8_t)g.tm_sec;
    tm->ms = (uint16_t)(ms % 1000);
    tm->has = MH_TM_DATE | MH_TM_HMS | MH_TM_MS | MH_TM_WDAY;
}

#define DEF(field, value)                                                                          \
    do {                                                                                           \
        if (!c->field)                                                                             \
            c->field = value;                                                                      \
    } while (0)

static void defaults(struct fep_cfg *c)
{
    DEF(login_timeout_ms, 30000);
    DEF(heartbeat_s, 900);
    DEF(heartbeat_misses, 3);
    DEF(request_timeout_ms, 20000);
    DEF(request_timeout_max_ms, 120000);
    if (c->retries == 255)
        c->retries = 0;
    else
        DEF(retries, 2);
    DEF(window, 1);
    DEF(queue_max, 256);
    DEF(max_frame, 16391);
    DEF(reply_max, 65536);
    DEF(max_fps, 100);
    DEF(reports_max, 32);
    if (c->request_timeout_max_ms < c->request_timeout_ms)
        c->request_timeout_max_ms = c->request_timeout_ms;
}

int fep_new(uv_loop_t *loop, const struct fep_cfg *cfg, const struct fep_directory *dir,
            const struct fep_sink *sink, struct fep **out)
{
    struct fep *f = calloc(1, sizeof *f);
    if (!f)
        return MH_ENOMEM;
    f->loop = loop;
    if (cfg)
        f->cfg = *cfg;
    defaults(&f->cfg);
    if (dir)
        f->dir = *dir;
    if (sink)
        f->sink = *sink;
    mh_keymap_init(&f->terminals);
    mh_keymap_init(&f->requests);
    mh_keymap_init(&f->acks);
    *out = f;
    return 0;
}

static void port_open(void *ctx, struct chan *c)
{
    fep_session_open(ctx, c);
}

static void port_data(void *ctx, struct chan *c, const uint8_t *p, size_t n)
{
    (void)ctx;
    if (c->user)
        fep_session_data(c->user, p, n);
}

static void port_close(void *ctx, struct chan *c, int reason)
{
    (void)ctx;
    if (c->user)
        fep_session_closed(c->user, reason);
    c->user = NULL;
}

struct fep_port *fep_port_new(struct fep *f, enum fep_proto_id proto)
{
    struct fep_port *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->fep = f;
    p->proto = (uint8_t)proto;
    p->ev.on_open = port_open;
    p->ev.on_data = port_data;
    p->ev.on_close = port_close;
    p->ev.ctx = p;
    p->next = f->ports;
    f->ports = p;
    return p;
}

const struct chan_events *fep_port_events(struct fep_port *p)
{
    return &p->ev;
}

const struct fep_port_stats *fep_port_stats(const struct fep_port *p)
{
    return &p->st;
}

void fep_maybe_free(struct fep *f)
{
    if (!f->closing || f->n_sessions)
        return;
    while (f->ports) {
        struct fep_port *p = f->ports;
        f->ports = p->next;
        free(p);
    }
    mh_keymap_release(&f->terminals);
    mh_keymap_release(&f->requests);
    mh_keymap_release(&f->acks);
    void (*done)(void *) = f->done;
    void *arg = f->done_arg;
    free(f);
    if (done)
        done(arg);
}

void fep_close(struct fep *f, void (*done)(void *arg), void *arg)
{
    if (f->closing)
        return;
    f->closing = 1;
    f->done = done;
    f->done_arg = arg;
    for (struct fep_session *s = f->sessions; s; s = s->next)
        fep_session_close(s, FEP_OFF_SHUTDOWN);
    fep_maybe_free(f);
}

int fep_terminal_stats(const struct fep *f, const char *addr, struct fep_session_stats *st)
{
    const struct fep_session *s = mh_keymap_get(&f->terminals, addr, strlen(addr));
    if (!s)
        return 0;
    if (st)
        *st = s->st;
    return 1;
}

size_t fep_sessions(const struct fep *f)
{
    return f->n_sessions;
}

size_t fep_online(const struct fep *f)
{
    return f->n_online;
}
