/*
 * Requests to a terminal: three FIFO queues by priority (control before
 * on-demand before scheduled), a window of outstanding requests (1 by
 * default: 1376.1 §11.3 "only one outstanding request per terminal is
 * safe"), each stamped with a free sequence number (PSEQ mod 16, PIID mod 64)
 * and matched to its reply by it. A timeout re-sends the request (same
 * sequence, as the standard asks; a 1376.1 Tp send time refreshed) with a
 * doubled timeout, then fails.
 * Multi-frame replies (1376.1 FIR/FIN, RSEQ + 1 per further frame) are
 * collected before the callback runs. So are the replies a DL/T 645 master
 * continues itself (C.D5 set: "read subsequent data" 0x12 with SEQ 1, 2 ...,
 * 2007 7.3.2): each follow-up request gets the request's timeout and
 * re-sends, a frame out of sequence is a stray, and a reply of more than
 * FEP_FOLLOW_MAX follow-ups fails with FEP_DECODE.
 */
#include <stdlib.h>
#include <string.h>

#include "fep_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"

static void unlink_req(struct fep_req **head, struct fep_req **tail, struct fep_req *r)
{
    struct fep_req *prev = NULL;
    for (struct fep_req *q = *head; q; prev = q, q = q->next) {
        if (q != r)
            continue;
        if (prev)
            prev->next = q->next;
        else
            *head = q->next;
        if (tail && *tail == q)
            *tail = prev;
        return;
    }
}

static void detach(struct fep_req *r)
{
    struct fep_session *s = r->s;
    if (r->state == RQ_PENDING) {
        unlink_req(&s->pending, NULL, r);
        s->st.pending--;
    } else {
        unlink_req(&s->q_head[r->prio], &s->q_tail[r->prio], r);
        s->st.queued--;
    }
    r->next = NULL;
}

static void reset_reply(struct fep_req *r)
{
    free(r->reply);
    free(r->ends);
    r->reply = NULL;
    r->ends = NULL;
    r->reply_len = 0;
    r->n_frames = r->ends_cap = 0;
    r->frag_active = 0;
    r->fol_len = 0;
}

/* Detach, run the callback once (with rep when FEP_DONE), free. */
static void complete_with(struct fep_req *r, enum fep_status status, const struct fep_reply *rep)
{
    struct fep *f = r->s->fep;
    detach(r);
    mh_keymap_del(&f->requests, &r->id, sizeof r->id);
    /*
     * The channel's share by the high-resolution clock, not the loop's
     * (cached once an iteration, whole ms): callers subtract it from their
     * own latency to find the station's, a few ms at most.
     */
    struct fep_reply out = *rep;
    uint64_t wire = (uv_hrtime() - r->first_ns + 500000) / 1000000;
    out.wire_ms = wire == 0 ? 1 : wire > UINT32_MAX ? UINT32_MAX : (uint32_t)wire;
    if (r->done)
        r->done(r->ctx, status, status == FEP_DONE ? &out : NULL);
    reset_reply(r);
    free(r);
}

static void complete(struct fep_req *r, enum fep_status status)
{
    struct fep_reply rep = {r->reply, r->ends, r->n_frames, r->rtt_ms, 0};
    complete_with(r, status, &rep);
}

static void enqueue(struct fep_session *s, struct fep_req *r)
{
    r->s = s;
    r->state = RQ_QUEUED;
    r->next = NULL;
    if (s->q_tail[r->prio])
        s->q_tail[r->prio]->next = r;
    else
        s->q_head[r->prio] = r;
    s->q_tail[r->prio] = r;
    s->st.queued++;
}

static int seq_in_use(const struct fep_session *s, unsigned seq)
{
    for (const struct fep_req *q = s->pending; q; q = q->next)
        if (q->seq == seq)
            return 1;
    return 0;
}

static void transmit(struct fep_req *r)
{
    struct fep_session *s = r->s;
    if (s->proto->has_time_label && s->proto->has_time_label(r->frame, r->len)) {
        struct mh_tm now;
        fep_wall_tm(s->fep, &now);
        s->proto->refresh_time_label(r->frame, r->len, &now);
    }
    r->sent = fep_now(s->fep);
    r->deadline = r->sent + r->timeout_ms;
    fep_session_send(s, r->frame, r->len);
}

/* Control and on-demand read requests outstanding (the lane beside the window). */
static unsigned urgent_pending(const struct fep_session *s)
{
    unsigned n = 0;
    for (const struct fep_req *q = s->pending; q; q = q->next)
        n += q->prio < FEP_PRIO_ROUND;
    return n;
}

/*
 * The window holds a round's requests (scheduled, or a round started now:
 * FEP_PRIO_ROUND). A control or on-demand read request may go out beside
 * them, one at a time (a lane of its own): an operator's
 * read must not wait in the station for a round's request in flight, a
 * cellular round trip or a whole timeout. The terminal answers it by its
 * own sequence number, at once or after the request it is busy with;
 * either way the wait is the device's, not the station's queue. Not for
 * protocols without sequence numbers (DL/T 645): replies could not be told
 * apart.
 */
void fep_req_pump(struct fep_session *s)
{
    struct fep *f = s->fep;
    /* Never more outstanding than there are distinct sequence numbers to tell them apart. */
    unsigned mod = s->proto->seq_mod, window = mod == 1 ? 1 : f->cfg.window < mod ? f->cfg.window : mod - 1u;
    while (s->state == SS_ONLINE) {
        struct fep_req *r = NULL;
        for (int p = 0; p < FEP_PRIO_COUNT_ && !r; p++)
            r = s->q_head[p];
        if (!r)
            return;
        int lane = r->prio < FEP_PRIO_ROUND && window + 1 < mod && urgent_pending(s) == 0;
        if (s->st.pending >= window + (unsigned)lane)
            return;
        unsigned seq = s->next_seq;
        for (unsigned k = 0; k < s->proto->seq_mod && seq_in_use(s, seq); k++)
            seq = (seq + 1) % s->proto->seq_mod;
        s->next_seq = (uint8_t)((seq + 1) % s->proto->seq_mod);
        detach(r);
        r->seq = (uint8_t)seq;
        r->state = RQ_PENDING;
        r->attempts = 1;
        r->rtt_ms = 0;
        r->next = s->pending;
        s->pending = r;
        s->st.pending++;
        s->st.requests++;
        s->proto->stamp_seq(r->frame, r->len, seq);
        transmit(r);
        r->first_ns = uv_hrtime();
        fep_session_arm(s);
    }
}

int64_t fep_request_submit(struct fep *f, const char *addr, const struct fep_request *rq)
{
    struct fep_session *s = addr ? mh_keymap_get(&f->terminals, addr, strlen(addr)) : NULL;
    if (!s || s->state != SS_ONLINE)
        return MH_ENOENT;
    if (!rq->frame || rq->prio > FEP_PRIO_SCHEDULED || rq->len > f->cfg.max_frame ||
        s->proto->check_request(rq->frame, rq->len) != 0)
        return MH_EINVAL;
    if (s->st.queued >= f->cfg.queue_max)
        return MH_EBUSY;
    struct fep_req *r = calloc(1, sizeof *r + rq->len);
    if (!r)
        return MH_ENOMEM;
    r->id = ++f->next_id;
    if (mh_keymap_set(&f->requests, &r->id, sizeof r->id, r) != 0) {
        free(r);
        return MH_ENOMEM;
    }
    r->prio = (uint8_t)rq->prio;
    r->len = (uint32_t)rq->len;
    memcpy(r->frame, rq->frame, rq->len);
    r->timeout_ms = rq->timeout_ms ? rq->timeout_ms : f->cfg.request_timeout_ms;
    r->retries = rq->retries == 255 ? 0 : rq->retries ? rq->retries : f->cfg.retries;
    r->done = rq->done;
    r->ctx = rq->ctx;
    enqueue(s, r);
    fep_req_pump(s);
    return r->id;
}

int fep_request_cancel(struct fep *f, int64_t id)
{
    struct fep_req *r = mh_keymap_get(&f->requests, &id, sizeof id);
    if (!r)
        return MH_ENOENT;
    struct fep_session *s = r->s;
    complete(r, FEP_CANCELLED);
    fep_req_pump(s);
    return 0;
}

/* The first frame of a reply to a request sent once: its round trip (Karn's rule, fep.h). */
static void take_rtt(struct fep_req *r, uint64_t now)
{
    if (r->attempts == 1 && r->rtt_ms == 0) {
        uint64_t d = now > r->sent ? now - r->sent : 1;
        r->rtt_ms = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    }
}

/* The pending request a reply frame belongs to: first frames by sequence, later ones by RSEQ + k. */
static struct fep_req *match(struct fep_session *s, const struct fep_frame_info *fi)
{
    unsigned mod = s->proto->seq_mod;
    for (struct fep_req *r = s->pending; r; r = r->next) {
        if (r->frag_active)
            continue;
        if (mod == 1)
            return r; /* no sequence numbers (DL/T 645): the one outstanding request */
        /*
         * A first frame (FIR: 1376.1 5.2.3.4.2) by PSEQ, a later one by RSEQ + k:
         * with two outstanding, a continuation's RSEQ may equal the other's PSEQ.
         */
        if (r->n_frames == 0 && fi->fir && r->seq == fi->seq)
            return r;
        if (r->n_frames > 0 && !fi->fir && (r->seq + r->n_frames) % mod == fi->seq)
            return r;
    }
    return NULL;
}

static int append_frame(struct fep_req *r, const uint8_t *p, size_t n, uint32_t cap)
{
    if (n > cap - r->reply_len)
        return MH_EOVERFLOW;
    if (r->n_frames == r->ends_cap) {
        uint16_t c = r->ends_cap ? (uint16_t)(r->ends_cap * 2) : 4;
        uint32_t *e = realloc(r->ends, c * sizeof *e);
        if (!e)
            return MH_ENOMEM;
        r->ends = e;
        r->ends_cap = c;
    }
    uint8_t *b = realloc(r->reply, r->reply_len + n);
    if (!b)
        return MH_ENOMEM;
    memcpy(b + r->reply_len, p, n);
    r->reply = b;
    r->reply_len += (uint32_t)n;
    r->ends[r->n_frames++] = r->reply_len;
    return 0;
}

/*
 * 698.45 §6 link-layer fragments of a reply: the first is matched by its
 * PIID, later ones must follow in index order; each is confirmed (stop and
 * wait), the payloads are concatenated, and the last delivers one rebuilt
 * frame, as if the reply had never been fragmented.
 */
static void on_fragment(struct fep_session *s, const uint8_t *p, size_t n, const struct fep_frame_info *fi)
{
    struct fep *f = s->fep;
    struct fep_req *r = NULL;
    for (struct fep_req *q = s->pending; q && !r; q = q->next)
        if (fi->frag == FRAG_FIRST ? (!q->frag_active && q->seq == fi->seq) : q->frag_active)
            r = q;
    if (!r || !s->proto->frag_payload) {
        s->st.stray++;
        s->port->st.stray++;
        return;
    }
    if (fi->frag == FRAG_FIRST) {
        reset_reply(r);
        r->frag_active = 1;
        take_rtt(r, fep_now(f));
    } else if (fi->frag_index != r->frag_next) {
        mh_warn("fep", "terminal %s: fragment %u where %u was due, request failed", s->addr,
                (unsigned)fi->frag_index, (unsigned)r->frag_next);
        complete(r, FEP_DECODE);
        fep_req_pump(s);
        return;
    }
    r->frag_next = (uint16_t)((fi->frag_index + 1) & 0x0FFF);
    uint8_t *b = r->reply_len + n <= f->cfg.reply_max ? realloc(r->reply, r->reply_len + n) : NULL;
    int got = b ? s->proto->frag_payload(p, n, b + r->reply_len, n) : MH_EOVERFLOW;
    if (b)
        r->reply = b;
    if (got < 0) {
        complete(r, FEP_DECODE);
        fep_req_pump(s);
        return;
    }
    r->reply_len += (uint32_t)got;
    uint8_t ack[FEP_ACK_MAX];
    struct mh_wr w;
    mh_wr_init(&w, ack, sizeof ack);
    if (s->proto->enc_frag_ack(&w, p, n, fi) == 0 && fep_session_send(s, ack, mh_wr_len(&w)) != 0)
        return; /* the session closed: r has been failed and freed */
    if (fi->frag != FRAG_LAST) {
        r->deadline = fep_now(f) + r->timeout_ms;
        return;
    }
    size_t cap = (size_t)r->reply_len + 64;
    uint8_t *whole = malloc(cap);
    mh_wr_init(&w, whole, whole ? cap : 0);
    if (!whole || s->proto->frag_rebuild(&w, p, n, r->reply, r->reply_len) != 0) {
        free(whole);
        complete(r, FEP_DECODE);
    } else {
        uint32_t end = (uint32_t)mh_wr_len(&w);
        struct fep_reply rep = {whole, &end, 1, r->rtt_ms, 0};
        s->st.replies++;
        complete_with(r, FEP_DONE, &rep);
        free(whole);
    }
    fep_req_pump(s);
}

/* Ask for the next frame of r's reply (enc_follow): 0, or the request has been completed. */
static int follow_up(struct fep_session *s, struct fep_req *r)
{
    struct mh_wr w;
    mh_wr_init(&w, r->fol, sizeof r->fol);
    int rc = r->n_frames > FEP_FOLLOW_MAX ? MH_EOVERFLOW : s->proto->enc_follow(&w, r->frame, r->len, r->n_frames);
    if (rc == 0)
        rc = mh_wr_err(&w);
    if (rc != 0) {
        mh_warn("fep", "terminal %s: reply of %u frames not continued: %s", s->addr, (unsigned)r->n_frames,
                mh_strerror(rc));
        complete(r, FEP_DECODE);
        fep_req_pump(s);
        return 1;
    }
    r->fol_len = (uint8_t)mh_wr_len(&w);
    r->fol_attempts = 1;
    r->deadline = fep_now(s->fep) + r->timeout_ms;
    fep_session_send(s, r->fol, r->fol_len);
    return 0;
}

/* A frame of a reply the master continues: the first (no frame yet) or follow-up n_frames. */
static int follow_in_sequence(const struct fep_req *r, const struct fep_frame_info *fi)
{
    return r->n_frames == 0 ? fi->fir : !fi->fir && fi->seq == r->n_frames;
}

void fep_req_on_reply(struct fep_session *s, const uint8_t *p, size_t n, const struct fep_frame_info *fi)
{
    struct fep *f = s->fep;
    if (fi->frag) {
        on_fragment(s, p, n, fi);
        return;
    }
    struct fep_req *r = match(s, fi);
    if (!r) {
        s->st.stray++;
        s->port->st.stray++;
        mh_debug("fep", "terminal %s: reply seq %u matches no pending request, ignored", s->addr,
                 (unsigned)fi->seq);
        return;
    }
    if (s->proto->enc_follow && !fi->denied && !follow_in_sequence(r, fi)) {
        /* A late copy of a frame already taken, or one not asked for: the deadline stands. */
        s->st.stray++;
        s->port->st.stray++;
        mh_debug("fep", "terminal %s: follow-up frame %u out of sequence (%u expected), ignored", s->addr,
                 fi->fir ? 0u : (unsigned)fi->seq, (unsigned)r->n_frames);
        return;
    }
    take_rtt(r, fep_now(f));
    if (fi->denied) {
        complete(r, FEP_DENIED);
        fep_req_pump(s);
        return;
    }
    if (r->n_frames == 0 && fi->fin && !fi->con) {
        /* The common single-frame reply: delivered straight from the read buffer, no copy. */
        uint32_t end = (uint32_t)n;
        struct fep_reply rep = {p, &end, 1, r->rtt_ms, 0};
        s->st.replies++;
        complete_with(r, FEP_DONE, &rep);
        fep_req_pump(s);
        return;
    }
    if (append_frame(r, p, n, f->cfg.reply_max) != 0 || r->n_frames >= UINT16_MAX) {
        mh_warn("fep", "terminal %s: reply over %u bytes, request failed", s->addr,
                (unsigned)f->cfg.reply_max);
        complete(r, FEP_DECODE);
        fep_req_pump(s);
        return;
    }
    if (fi->con) {
        /* 1376.1 §11.4: a multi-frame reply with CON set is confirmed frame by frame. */
        uint8_t buf[FEP_ACK_MAX];
        struct mh_wr w;
        mh_wr_init(&w, buf, sizeof buf);
        if (s->proto->enc_report_ack(&w, p, n, fi) == 0 && fep_session_send(s, buf, mh_wr_len(&w)) != 0)
            return; /* the session closed: r has been failed and freed */
    }
    if (fi->fin) {
        s->st.replies++;
        complete(r, FEP_DONE);
        fep_req_pump(s);
    } else if (s->proto->enc_follow) {
        follow_up(s, r);
    } else {
        r->deadline = fep_now(f) + r->timeout_ms; /* the next frame gets a full timeout */
    }
}

uint64_t fep_req_next_deadline(const struct fep_session *s)
{
    uint64_t due = UINT64_MAX;
    for (const struct fep_req *r = s->pending; r; r = r->next)
        if (r->deadline < due)
            due = r->deadline;
    return due;
}

uint64_t fep_req_expire(struct fep_session *s, uint64_t now)
{
    struct fep *f = s->fep;
    struct fep_req *r = s->pending;
    while (r && s->state == SS_ONLINE) {
        struct fep_req *next = r->next;
        if (r->deadline <= now && r->fol_len && r->fol_attempts <= r->retries) {
            /* The follow-up went unanswered: ask for the same frame again, keeping those taken. */
            r->fol_attempts++;
            s->st.retries++;
            uint64_t t = (uint64_t)r->timeout_ms * 2;
            r->timeout_ms = (uint32_t)(t < f->cfg.request_timeout_max_ms ? t : f->cfg.request_timeout_max_ms);
            r->deadline = now + r->timeout_ms;
            fep_session_send(s, r->fol, r->fol_len);
        } else if (r->deadline <= now && r->fol_len) {
            s->st.timeouts++;
            mh_info("fep", "terminal %s: request %lld timed out at follow-up frame %u", s->addr,
                    (long long)r->id, (unsigned)r->n_frames);
            complete(r, FEP_TIMEOUT);
            fep_req_pump(s);
            next = s->pending;
        } else if (r->deadline <= now) {
            if (r->attempts <= r->retries) {
                r->attempts++;
                r->rtt_ms = 0; /* a reply now answers either copy */
                s->st.retries++;
                reset_reply(r);
                uint64_t t = (uint64_t)r->timeout_ms * 2;
                r->timeout_ms = (uint32_t)(t < f->cfg.request_timeout_max_ms ? t : f->cfg.request_timeout_max_ms);
                mh_debug("fep", "terminal %s: seq %u timed out, attempt %u", s->addr, (unsigned)r->seq,
                         (unsigned)r->attempts);
                transmit(r);
            } else {
                s->st.timeouts++;
                mh_info("fep", "terminal %s: request %lld timed out after %u attempts", s->addr,
                        (long long)r->id, (unsigned)r->attempts);
                complete(r, FEP_TIMEOUT);
                fep_req_pump(s);
                next = s->pending; /* the list changed: start over (deadlines already passed are handled) */
            }
        }
        r = next;
    }
    return fep_req_next_deadline(s);
}

void fep_req_move(struct fep_session *from, struct fep_session *to)
{
    while (from->pending) {
        struct fep_req *r = from->pending;
        detach(r);
        reset_reply(r);
        enqueue(to, r);
    }
    for (int p = 0; p < FEP_PRIO_COUNT_; p++) {
        while (from->q_head[p]) {
            struct fep_req *r = from->q_head[p];
            detach(r);
            enqueue(to, r);
        }
    }
}

void fep_req_fail_all(struct fep_session *s, enum fep_status status)
{
    while (s->pending)
        complete(s->pending, status);
    for (int p = 0; p < FEP_PRIO_COUNT_; p++)
        while (s->q_head[p])
            complete(s->q_head[p], status);
}
