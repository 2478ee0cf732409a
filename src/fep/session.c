/*
 * One session per connection (docs/fep.md has the state machine):
 *
 *   WAIT_LOGIN --login of a known terminal--> ONLINE
 *   WAIT_LOGIN --unknown address / idle past login_timeout--> CLOSING
 *   ONLINE --logout / heartbeat silence / peer closed / replaced--> CLOSING
 *
 * Input arrives as views of the loop's read buffer; the session copies only
 * the tail of an incomplete frame (capped at max_frame) and frees it as soon
 * as no partial frame is pending, so an idle terminal holds no read memory.
 * Malformed input is counted, logged once per session and skipped by the
 * framer's resynchronisation; the session goes on (STYLE.md 4).
 */
#include <stdlib.h>
#include <string.h>

#include "fep_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"

static uint64_t heartbeat_ms(const struct fep_session *s)
{
    return (uint64_t)s->heartbeat_s * 1000u * s->fep->cfg.heartbeat_misses;
}

static void on_timer(uv_timer_t *t);
static void send_probe(struct fep_session *s, const struct fep_proto *p);

/*
 * (Re)start the timer for the earliest of: the login deadline or the
 * heartbeat deadline, and the request deadlines. Frames do not re-arm it:
 * when it fires it re-reads last_rx_ms and re-arms, which costs one timer
 * operation per heartbeat period instead of one per frame.
 */
void fep_session_arm(struct fep_session *s)
{
    if (s->state == SS_CLOSING)
        return;
    uint64_t due;
    if (s->state == SS_WAIT_LOGIN) {
        due = s->opened_ms + s->fep->cfg.login_timeout_ms;
        if (s->port->proto == FEP_PROTO_AUTO && !s->probed)
            due = s->opened_ms + s->fep->cfg.login_timeout_ms / 3;
    } else {
        due = s->probing ? s->probe_due : s->last_rx_ms + heartbeat_ms(s);
    }
    uint64_t rq = fep_req_next_deadline(s);
    if (rq < due)
        due = rq;
    if (uv_is_active((uv_handle_t *)&s->timer) && s->timer_due <= due)
        return;
    uint64_t now = fep_now(s->fep);
    s->timer_due = due;
    uv_timer_start(&s->timer, on_timer, due > now ? due - now : 0, 0);
}

static void on_timer(uv_timer_t *t)
{
    struct fep_session *s = t->data;
    struct fep *f = s->fep;
    uint64_t now = fep_now(f);
    if (s->state == SS_WAIT_LOGIN && now >= s->opened_ms + f->cfg.login_timeout_ms) {
        s->port->st.login_timeouts++;
        mh_info("fep", "%s: no login within %u ms, closing", chan_peer(s->chan),
                (unsigned)f->cfg.login_timeout_ms);
        fep_session_close(s, FEP_OFF_CLOSED);
        return;
    }
    if (s->state == SS_WAIT_LOGIN && !s->probed && s->port->proto == FEP_PROTO_AUTO &&
        now >= s->opened_ms + f->cfg.login_timeout_ms / 3) {
        /*
         * No frame yet: perhaps a DTU in front of a DL/T 645 meter, which never
         * logs in (its own registration or keep-alive bytes, if any, are no
         * frame of ours). Asked once.
         */
        s->probed = 1;
        if (s->st.frames_in == 0)
            send_probe(s, &fep_proto_dlt645);
    }
    if (s->state == SS_ONLINE && s->probing && now >= s->probe_due) {
        mh_info("fep", "terminal %s (%s): silent and no answer to the probe, offline", s->addr,
                chan_peer(s->chan));
        fep_session_close(s, FEP_OFF_HEARTBEAT);
        return;
    }
    if (s->state == SS_ONLINE && !s->probing && now >= s->last_rx_ms + heartbeat_ms(s)) {
        if (s->proto->enc_probe) {
            /* No heartbeats in this protocol: ask, and go offline only if nobody answers. */
            s->probing = 1;
            s->probe_due = now + f->cfg.request_timeout_ms;
            send_probe(s, s->proto);
        } else {
            mh_info("fep", "terminal %s (%s): silent for %u heartbeat periods, offline", s->addr,
                    chan_peer(s->chan), (unsigned)f->cfg.heartbeat_misses);
            fep_session_close(s, FEP_OFF_HEARTBEAT);
            return;
        }
    }
    fep_req_expire(s, now);
    fep_session_arm(s);
}

int fep_session_send(struct fep_session *s, const uint8_t *p, size_t n)
{
    if (s->state == SS_CLOSING)
        return MH_ECLOSED;
    int r = chan_send(s->chan, p, n);
    if (r == 0) {
        s->st.frames_out++;
        s->port->st.frames_out++;
    } else if (r != MH_ECLOSED) {
        mh_warn("fep", "terminal %s (%s): send failed (%s), closing", s->addr, chan_peer(s->chan),
                mh_strerror(r));
        fep_session_close(s, FEP_OFF_ERROR);
    }
    return r;
}

/* The question that makes a device without login say who it is (DL/T 645 read-address). */
static void send_probe(struct fep_session *s, const struct fep_proto *p)
{
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    s->probed = 1;
    if (p->enc_probe && p->enc_probe(&w) == 0)
        fep_session_send(s, buf, mh_wr_len(&w));
}

void fep_session_close(struct fep_session *s, enum fep_offline_reason reason)
{
    if (s->state == SS_CLOSING)
        return;
    if (s->state == SS_ONLINE) {
        struct fep *f = s->fep;
        if (mh_keymap_get(&f->terminals, s->addr, strlen(s->addr)) == s) {
            mh_keymap_del(&f->terminals, s->addr, strlen(s->addr));
            f->n_online--;
            if (f->sink.on_offline)
                f->sink.on_offline(f->sink.ctx, s->addr, reason);
        }
    }
    s->state = SS_CLOSING;
    s->off_reason = (uint8_t)reason;
    uv_timer_stop(&s->timer);
    fep_req_fail_all(s, FEP_OFFLINE);
    fep_report_drop_all(s);
    chan_close(s->chan);
}

static void send_link_ack(struct fep_session *s, const uint8_t *p, size_t n,
                          const struct fep_frame_info *fi, int refuse)
{
    uint8_t buf[FEP_ACK_MAX];
    struct mh_wr w;
    struct mh_tm now;
    fep_wall_tm(s->fep, &now);
    mh_wr_init(&w, buf, sizeof buf);
    if (s->proto->enc_link_ack(&w, p, n, fi, refuse, &now) == 0 && mh_wr_len(&w) > 0)
        fep_session_send(s, buf, mh_wr_len(&w));
}

/*
 * A login: known terminals go online (taking over from an older connection
 * of the same address, whose queued requests move here), unknown ones are
 * refused with the protocol's negative answer and cut.
 */
static void login(struct fep_session *s, const uint8_t *p, size_t n, const struct fep_frame_info *fi)
{
    struct fep *f = s->fep;
    struct fep_terminal_info info = {.heartbeat_s = 0, .pw_len = 16, .elsewhere = 0};
    int r = f->dir.lookup ? f->dir.lookup(f->dir.ctx, s->proto->id, fi->addr, &info) : MH_ENOENT;
    if (r == 0 && info.elsewhere && f->cfg.handoff) {
        /* process() hands the connection over with the bytes from this frame on. */
        memcpy(s->addr, fi->addr, sizeof s->addr);
        s->handoff = info.elsewhere;
        return;
    }
    if (r != 0 || info.elsewhere) {
        s->port->st.login_refused++;
        mh_warn("fep", "%s: login of unknown terminal %s (%s) refused", chan_peer(s->chan), fi->addr,
                s->proto->name);
        send_link_ack(s, p, n, fi, 1);
        fep_session_close(s, FEP_OFF_CLOSED);
        return;
    }
    memcpy(s->addr, fi->addr, sizeof s->addr);
    s->heartbeat_s = info.heartbeat_s ? info.heartbeat_s
                     : fi->heartbeat_s ? fi->heartbeat_s
                                       : f->cfg.heartbeat_s;
    s->pw_len = info.pw_len;
    size_t klen = strlen(s->addr);
    struct fep_session *old = mh_keymap_get(&f->terminals, s->addr, klen);
    if (mh_keymap_set(&f->terminals, s->addr, klen, s) != 0) {
        fep_session_close(s, FEP_OFF_ERROR);
        return;
    }
    s->state = SS_ONLINE;
    s->port->st.logins++;
    if (old) {
        s->port->st.replaced++;
        mh_info("fep", "terminal %s: new login from %s replaces %s", s->addr, chan_peer(s->chan),
                chan_peer(old->chan));
        fep_req_move(old, s);
        fep_session_close(old, FEP_OFF_REPLACED);
    } else {
        f->n_online++;
    }
    send_link_ack(s, p, n, fi, 0);
    if (s->state != SS_ONLINE)
        return;
    if (f->sink.on_online)
        f->sink.on_online(f->sink.ctx, s->addr, s->proto->id, chan_peer(s->chan));
    fep_session_arm(s);
    fep_req_pump(s);
}

static void bad_frame(struct fep_session *s, int err, size_t len)
{
    s->st.bad_frames++;
    s->port->st.bad_frames++;
    if (!s->warned_bad) {
        s->warned_bad = 1;
        mh_warn("fep", "%s%s%s: malformed frame (%s, %zu bytes) dropped; further ones only counted",
                chan_peer(s->chan), s->addr[0] ? " terminal " : "", s->addr, mh_strerror(err), len);
    }
}

static void on_frame(struct fep_session *s, const uint8_t *p, size_t n)
{
    struct fep *f = s->fep;
    uint64_t now = fep_now(f);
    s->st.frames_in++;
    s->port->st.frames_in++;
    if (n > f->cfg.max_frame) {
        s->st.oversize++;
        s->port->st.oversize++;
        return;
    }
    /* Frames per second cap: a flooding terminal loses frames, not the loop. */
    if (now / 1000 != s->fps_sec) {
        s->fps_sec = now / 1000;
        s->fps_n = 0;
    }
    if (s->fps_n >= f->cfg.max_fps) {
        s->st.rate_dropped++;
        s->port->st.rate_dropped++;
        return;
    }
    s->fps_n++;
    struct fep_frame_info fi;
    memset(&fi, 0, sizeof fi);
    int r = s->proto->classify(p, n, s->pw_len, &fi);
    if (r != 0) {
        bad_frame(s, r, n);
        return;
    }
    if (s->state == SS_WAIT_LOGIN) {
        if (fi.kind == FK_LOGIN) {
            login(s, p, n, &fi);
            return;
        }
        s->st.stray++; /* nothing is accepted before a login */
        s->port->st.stray++;
        if (s->port->proto == FEP_PROTO_AUTO)
            s->proto = NULL; /* a stray frame does not decide the protocol; the login will */
        return;
    }
    if (strcmp(fi.addr, s->addr) != 0 && fi.kind != FK_OTHER) {
        s->st.stray++;
        s->port->st.stray++;
        return; /* another terminal's frame on this connection (a cascade) is not ours */
    }
    s->last_rx_ms = now;
    s->probing = 0;
    switch (fi.kind) {
    case FK_LOGIN:
    case FK_HEARTBEAT:
        send_link_ack(s, p, n, &fi, 0);
        break;
    case FK_LOGOUT:
        send_link_ack(s, p, n, &fi, 0);
        fep_session_close(s, FEP_OFF_LOGOUT);
        return;
    case FK_REPLY:
        fep_req_on_reply(s, p, n, &fi);
        break;
    case FK_REPORT:
        fep_report_on_frame(s, p, n, &fi);
        break;
    default:
        s->st.stray++;
        s->port->st.stray++;
        break;
    }
    if (fi.acd && s->state == SS_ONLINE && f->sink.on_events_pending)
        f->sink.on_events_pending(f->sink.ctx, s->addr, fi.ec1, fi.ec2);
}

/*
 * The framer of an AUTO port before the first frame: every protocol starts
 * with 68, so each framer is asked, and whichever finds a complete frame
 * first decides. Until then a byte is dropped only when neither framer can
 * start a frame there (for each: its "skip" is off on need-more, off + len
 * on a bad frame).
 */
static int detect_scan(struct fep_session *s, const uint8_t *p, size_t n, struct mh_frame_span *sp)
{
    /* DL/T 645 joins once the probe has asked a silent connection who it is. */
    static const struct fep_proto *const protos[3] = {&fep_proto_gdw1376, &fep_proto_dlt698, &fep_proto_dlt645};
    int k = s->probed ? 3 : 2, best = -1, first = 0;
    struct mh_frame_span span[3];
    int rc[3];
    size_t skip[3];
    for (int i = 0; i < k; i++) {
        rc[i] = protos[i]->scan(p, n, &span[i]);
        skip[i] = rc[i] < 0 ? span[i].off + span[i].len : span[i].off;
        if (rc[i] == 1 && (best < 0 || span[i].off < span[best].off))
            best = i; /* ties go to the earlier protocol in the list */
        if (skip[i] < skip[first])
            first = i;
    }
    if (best >= 0) {
        s->proto = protos[best];
        *sp = span[best];
        return 1;
    }
    if (rc[first] < 0) {
        sp->off = 0;
        sp->len = skip[first];
        return rc[first];
    }
    sp->off = skip[first];
    sp->len = 0;
    return 0;
}

/*
 * The login just seen belongs to another process: the connection goes to it
 * with the bytes from the login frame on (the owner logs it in from them),
 * and the session ends here silently (it was never online).
 */
static void hand_over(struct fep_session *s, const uint8_t *p, size_t n)
{
    struct fep *f = s->fep;
    int r = f->cfg.handoff(f->cfg.handoff_ctx, s->handoff - 1u, s->addr, s->chan, p, n);
    if (r == 0)
        s->port->st.handed_off++;
    else
        mh_warn("fep", "%s: terminal %s not handed to its owner (%s), closing", chan_peer(s->chan),
                s->addr, mh_strerror(r));
    fep_session_close(s, FEP_OFF_CLOSED);
}

/* Consume complete frames from p[0..n); returns the bytes consumed (the rest is a partial frame). */
static size_t process(struct fep_session *s, const uint8_t *p, size_t n)
{
    size_t pos = 0;
    while (pos < n && s->state != SS_CLOSING) {
        struct mh_frame_span sp = {0, 0};
        int rc = s->proto ? s->proto->scan(p + pos, n - pos, &sp) : detect_scan(s, p + pos, n - pos, &sp);
        if (rc == 1) {
            on_frame(s, p + pos + sp.off, sp.len);
            if (s->handoff) {
                hand_over(s, p + pos + sp.off, n - pos - sp.off);
                return n;
            }
            pos += sp.off + sp.len;
        } else if (rc < 0) {
            bad_frame(s, rc, sp.len);
            pos += sp.off + (sp.len ? sp.len : 1);
        } else {
            pos += sp.off;
            if (n - pos <= s->fep->cfg.max_frame)
                break;
            /* A "frame" longer than allowed is still incomplete: drop its start, resync. */
            s->st.oversize++;
            s->port->st.oversize++;
            pos++;
        }
    }
    return s->state == SS_CLOSING ? n : pos;
}

void fep_session_data(struct fep_session *s, const uint8_t *p, size_t n)
{
    if (s->state == SS_CLOSING)
        return;
    if (s->rx_len == 0) {
        size_t used = process(s, p, n);
        if (used < n && s->state != SS_CLOSING) {
            s->rx = malloc(n - used);
            if (!s->rx) {
                fep_session_close(s, FEP_OFF_ERROR);
                return;
            }
            memcpy(s->rx, p + used, n - used);
            s->rx_len = (uint32_t)(n - used);
        }
    } else {
        /* Bounded: the tail is at most max_frame, a read at most CHAN_READ_BUFFER. */
        uint8_t *b = realloc(s->rx, s->rx_len + n);
        if (!b) {
            fep_session_close(s, FEP_OFF_ERROR);
            return;
        }
        memcpy(b + s->rx_len, p, n);
        size_t total = s->rx_len + n, used = process(s, b, total);
        if (s->state == SS_CLOSING || used == total) {
            free(b);
            s->rx = NULL;
            s->rx_len = 0;
        } else {
            memmove(b, b + used, total - used);
            uint8_t *shrunk = realloc(b, total - used);
            s->rx = shrunk ? shrunk : b;
            s->rx_len = (uint32_t)(total - used);
        }
    }
    s->st.rx_buffered = s->rx_len;
}

static void timer_closed(uv_handle_t *h)
{
    struct fep_session *s = h->data;
    struct fep *f = s->fep;
    free(s);
    f->n_sessions--; /* counted until here: the fep outlives every session handle */
    fep_maybe_free(f);
}

void fep_session_open(struct fep_port *port, struct chan *c)
{
    struct fep *f = port->fep;
    port->st.connections++;
    struct fep_session *s = calloc(1, sizeof *s);
    if (!s || f->closing) {
        free(s);
        chan_close(c);
        return;
    }
    s->fep = f;
    s->port = port;
    s->chan = c;
    static const struct fep_proto *const fixed[] = {NULL, &fep_proto_gdw1376, &fep_proto_dlt698,
                                                    &fep_proto_dlt645};
    s->proto = port->proto < sizeof fixed / sizeof fixed[0] ? fixed[port->proto] : NULL;
    s->opened_ms = s->last_rx_ms = fep_now(f);
    uv_timer_init(f->loop, &s->timer);
    s->timer.data = s;
    s->next = f->sessions;
    if (f->sessions)
        f->sessions->prev = s;
    f->sessions = s;
    f->n_sessions++;
    c->user = s;
    fep_session_arm(s);
    if (s->proto && s->proto->enc_probe)
        send_probe(s, s->proto); /* a DL/T 645 port: ask at once */
}

void fep_session_closed(struct fep_session *s, int reason)
{
    (void)reason;
    fep_session_close(s, FEP_OFF_CLOSED);
    struct fep *f = s->fep;
    free(s->rx);
    s->rx = NULL;
    if (s->prev)
        s->prev->next = s->next;
    else
        f->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    uv_close((uv_handle_t *)&s->timer, timer_closed);
}
