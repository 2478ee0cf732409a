/*
 * Serial ports: RS-232/485 adapters and radio modems. The port is opened
 * non-blocking, set raw with termios (line settings from the config), and
 * handed to libuv as a pipe, so reads, writes and the write cap are the
 * stream code TCP uses. An error (an unplugged USB adapter reads EIO)
 * closes the channel and the port is reopened with backoff (redial.c).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "chan_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"

struct chan_serial {
    struct chan_redial r; /* first */
    struct chan_serial_cfg cfg;
    speed_t speed;
    char path[56]; /* fits "serial <path>" in a channel name */
    uint8_t warned;
};

static const struct {
    uint32_t baud;
    speed_t speed;
} speeds[] = {{1200, B1200},   {2400, B2400},   {4800, B4800},   {9600, B9600},
              {19200, B19200}, {38400, B38400}, {57600, B57600}, {115200, B115200}};

static int configure(int fd, const struct chan_serial *s)
{
    struct termios tio;
    if (tcgetattr(fd, &tio) != 0)
        return MH_EIO;
    cfmakeraw(&tio);
    tio.c_cflag &= (tcflag_t) ~(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
    tio.c_cflag |= CLOCAL | CREAD | (s->cfg.data_bits == 7 ? CS7 : CS8);
    if (s->cfg.parity != 'N')
        tio.c_cflag |= PARENB | (s->cfg.parity == 'O' ? PARODD : 0);
    if (s->cfg.stop_bits == 2)
        tio.c_cflag |= CSTOPB;
    tio.c_cc[VMIN] = 0; /* non-blocking reads: libuv waits */
    tio.c_cc[VTIME] = 0;
    cfsetispeed(&tio, s->speed);
    cfsetospeed(&tio, s->speed);
    return tcsetattr(fd, TCSANOW, &tio) == 0 ? 0 : MH_EIO;
}

static void attempt(struct chan_redial *r)
{
    struct chan_serial *s = (struct chan_serial *)r;
    int fd = open(s->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 || configure(fd, s) != 0) {
        if (!s->warned) {
            s->warned = 1; /* once per outage, not once per retry */
            mh_warn("chan", "serial %s: cannot open or configure; retrying", s->path);
        }
        if (fd >= 0)
            close(fd);
        chan_redial_failed(r);
        return;
    }
    struct chan_tcp *t = calloc(1, sizeof *t);
    if (!t) {
        close(fd);
        chan_redial_failed(r);
        return;
    }
    t->is_pipe = 1;
    uv_pipe_init(r->cl->loop, &t->pipe, 0);
    t->pipe.data = t;
    t->owner = &r->owner;
    r->conn = t;
    if (uv_pipe_open(&t->pipe, fd) != 0) {
        close(fd);
        r->st.failures++;
        chan_tcp_discard(t);
        return;
    }
    s->warned = 0;
    r->st.connects++;
    snprintf(t->peer, sizeof t->peer, "serial %s", s->path);
    chan_tcp_setup(t, r->cl, r->ev, &r->owner, r->write_cap);
    chan_tcp_start(t);
}

int chan_serial_open(struct chan_loop *cl, const struct chan_serial_cfg *cfg, const struct chan_events *ev,
                     struct chan_serial **out)
{
    struct chan_serial *s = calloc(1, sizeof *s);
    if (!s)
        return MH_ENOMEM;
    s->cfg = *cfg;
    if (!s->cfg.baud)
        s->cfg.baud = 9600;
    if (!s->cfg.data_bits)
        s->cfg.data_bits = 8;
    if (!s->cfg.parity)
        s->cfg.parity = 'E';
    if (!s->cfg.stop_bits)
        s->cfg.stop_bits = 1;
    int ok = cfg->path && strlen(cfg->path) < sizeof s->path &&
             (s->cfg.data_bits == 7 || s->cfg.data_bits == 8) &&
             (s->cfg.parity == 'N' || s->cfg.parity == 'E' || s->cfg.parity == 'O') &&
             (s->cfg.stop_bits == 1 || s->cfg.stop_bits == 2);
    s->speed = 0;
    for (size_t i = 0; i < sizeof speeds / sizeof speeds[0]; i++)
        if (speeds[i].baud == s->cfg.baud)
            s->speed = speeds[i].speed;
    if (!ok || s->speed == 0) {
        free(s);
        return MH_EINVAL;
    }
    memcpy(s->path, cfg->path, strlen(cfg->path) + 1);
    s->cfg.path = NULL;
    *out = s;
    chan_redial_start(&s->r, cl, ev, cfg->reopen_min_ms, cfg->reopen_max_ms, cfg->write_cap, attempt);
    return 0;
}

const struct chan_dial_stats *chan_serial_stats(const struct chan_serial *s)
{
    return &s->r.st;
}

void chan_serial_close(struct chan_serial *s, void (*done)(void *arg), void *arg)
{
    chan_redial_close(&s->r, done, arg);
}
