/*
 * The collector: terminals as the archive knows them (the fep's
 * directory), their online state (the fep's sink), and the job engine that
 * reads one terminal-day at a time under the channel groups' capacity.
 *
 * A terminal runs one request at a time (1376.1 §11.3: the fep's window is
 * 1 anyway); a channel group runs at most group_max at once. A terminal
 * that finds its group full joins the group's FIFO and is woken by the next
 * request of the group that completes, so a busy cell is shared fairly
 * between its terminals and never overrun.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect_int.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/item.h"

#define MOD "collect"

int64_t collect_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t collect_local_day(const struct collect *c, int64_t t)
{
    int64_t l = t + (int64_t)c->cfg.utc_offset_min * 60;
    return l >= 0 ? l / 86400 : -((-l + 86399) / 86400);
}

/* ---- the directory: archive lookups at login ---- */

static struct cgroup *group_get(struct collect *c, const char *name)
{
    struct cgroup *g = mh_keymap_get(&c->groups, name, strlen(name));
    if (g)
        return g;
    g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    snprintf(g->name, sizeof g->name, "%s", name);
    if (mh_keymap_set(&c->groups, name, strlen(name), g) != 0) {
        free(g);
        return NULL;
    }
    g->all_next = c->all_groups;
    c->all_groups = g;
    return g;
}

static void term_timer_cb(uv_timer_t *h);

/*
 * Q/GDW 1376.1 addresses are "RRRRAAAA": the region's BCD digits read as
 * hex, then A2 in hex (fep.h). Other protocols are not looked up yet.
 */
static int parse_1376(const char *addr, uint16_t *a1, uint16_t *a2)
{
    if (strlen(addr) != 8)
        return MH_EBADADDR;
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        char ch = addr[i];
        unsigned d = ch >= '0' && ch <= '9'   ? (unsigned)(ch - '0')
                     : ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10)
                     : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
                                              : 16u;
        if (d > 15)
            return MH_EBADADDR;
        v = v << 4 | d;
    }
    *a1 = (uint16_t)(v >> 16);
    *a2 = (uint16_t)v;
    return 0;
}

uint32_t collect_owner(int64_t terminal_id, uint32_t n)
{
    if (n <= 1)
        return 0;
    /* splitmix64's finaliser: archive ids are dense, the low bits of a mix are even. */
    uint64_t z = (uint64_t)terminal_id + 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (uint32_t)(z % n);
}

int collect_holds(const struct collect *c, int64_t terminal_id)
{
    return c->cfg.part_n <= 1 || collect_owner(terminal_id, c->cfg.part_n) == c->cfg.part_i;
}

struct cterm *collect_term_find(struct collect *c, const char *addr)
{
    return mh_keymap_get(&c->terms, addr, strlen(addr));
}

static int dir_lookup(void *ctx, enum fep_proto_id proto, const char *addr,
                      struct fep_terminal_info *info)
{
    struct collect *c = ctx;
    uint16_t a1 = 0, a2 = 0;
    uint8_t sa[6] = {0};
    struct store_terminal st;
    int rc;
    if (proto == FEP_PROTO_GDW1376 && parse_1376(addr, &a1, &a2) == 0)
        rc = store_terminal_lookup(c->st, a1, addr, &st);
    else if (proto == FEP_PROTO_DLT698 && ctask_dlt698_addr(addr, sa) == 0)
        rc = store_terminal_lookup(c->st, STORE_REGION_ANY, addr, &st); /* no region in 698 */
    else if (proto == FEP_PROTO_DLT645 && strlen(addr) == 12 && dlt645_addr_parse(addr, sa) == 0)
        rc = store_terminal_lookup(c->st, STORE_REGION_ANY, addr, &st); /* a DTU: its meter's address */
    else
        rc = MH_ENOENT;
    if (rc != 0)
        return MH_ENOENT;
    if (!collect_holds(c, st.id)) {
        info->elsewhere = (uint16_t)(1 + collect_owner(st.id, c->cfg.part_n));
        return 0;
    }
    struct cterm *t = collect_term_find(c, addr);
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t)
            return MH_ENOENT;
        t->c = c;
        snprintf(t->addr, sizeof t->addr, "%s", addr);
        t->job_day = -1;
        if (mh_keymap_set(&c->terms, t->addr, strlen(t->addr), t) != 0 ||
            mh_keymap_set(&c->terms_by_id, &st.id, sizeof st.id, t) != 0) {
            mh_keymap_del(&c->terms, t->addr, strlen(t->addr));
            free(t);
            return MH_ENOENT;
        }
        uv_timer_init(c->loop, &t->timer);
        t->timer.data = t;
        t->all_next = c->all_terms;
        c->all_terms = t;
        c->n_terms++;
    }
    t->info = st;
    t->a1 = a1;
    t->a2 = a2;
    t->proto = (uint8_t)proto;
    memcpy(t->sa, sa, sizeof sa);
    t->group = group_get(c, st.channel_group);
    info->heartbeat_s = 0;
    info->pw_len = 16;
    return 0;
}

/* ---- the sink: link history ---- */

/*
 * The link history goes through the store's writer: after a restart a
 * city's terminals log in by the thousand, and a transaction each on the
 * loop waited for the database's write lock every time. Written here, on
 * the loop, only when the writer's queue is full.
 */
static int link_put(struct collect *c, const struct cterm *t, int online, int64_t now, const char *why)
{
    int rc = store_terminal_link_queue(c->st, t->info.id, online, now, why);
    if (rc == MH_EAGAIN)
        rc = store_terminal_link(c->st, t->info.id, online, now, why);
    if (rc != 0)
        mh_warn(MOD, "%s: %s not kept in the link history: %s", t->addr, online ? "login" : "logout",
                mh_strerror(rc));
    return rc;
}

static void on_online(void *ctx, const char *addr, enum fep_proto_id proto, const char *peer)
{
    struct collect *c = ctx;
    struct cterm *t = collect_term_find(c, addr);
    (void)proto;
    if (!t)
        return;
    if (!t->online)
        c->online++;
    t->online = 1;
    /* A new session: its round trips are measured afresh from the channel's initial timeout. */
    crtt_init(&t->rtt, crtt_channel(t->info.channel_group, t->info.kind));
    int64_t now = collect_wall_ms();
    if (link_put(c, t, 1, now, peer) == 0 && c->obs.link)
        c->obs.link(c->obs.ctx, &t->info, 1, now, peer);
    mh_debug(MOD, "%s online from %s", addr, peer);
    collect_events_due(t); /* after login: what happened while it was away */
    collect_round_join(c, t);
    collect_term_kick(t);
}

static void on_offline(void *ctx, const char *addr, enum fep_offline_reason reason)
{
    struct collect *c = ctx;
    struct cterm *t = collect_term_find(c, addr);
    if (!t)
        return;
    if (t->online)
        c->online--;
    t->online = 0;
    int64_t now = collect_wall_ms();
    const char *why = fep_offline_name(reason);
    if (link_put(c, t, 0, now, why) == 0 && c->obs.link)
        c->obs.link(c->obs.ctx, &t->info, 0, now, why);
}

/* ---- the job engine ---- */

static uint64_t loop_ms(const struct collect *c)
{
    return uv_now(c->loop);
}

static void group_wait(struct cterm *t)
{
    struct cgroup *g = t->group;
    if (t->waiting)
        return;
    t->waiting = 1;
    t->wait_next = NULL;
    if (g->wait_tail)
        g->wait_tail->wait_next = t;
    else
        g->wait_head = t;
    g->wait_tail = t;
}

static void group_wake(struct cgroup *g)
{
    struct cterm *t = g->wait_head;
    if (!t)
        return;
    g->wait_head = t->wait_next;
    if (!g->wait_head)
        g->wait_tail = NULL;
    t->waiting = 0;
    collect_term_kick(t);
}

static void term_timer_cb(uv_timer_t *h)
{
    struct cterm *t = h->data;
    t->timer_on = 0;
    collect_term_kick(t);
}

static void arm(struct cterm *t, uint64_t at_ms)
{
    uint64_t now = loop_ms(t->c);
    uv_timer_start(&t->timer, term_timer_cb, at_ms > now ? at_ms - now : 0, 0);
    t->timer_on = 1;
}

/* The values of a reply land on the meters of the request. */
struct reply_ctx {
    struct cterm *t;
    struct cjob *j;
    struct store_reading r[CJOB_BATCH * 4 * CCURVE_POINTS]; /* a curve request's points at most */
    uint64_t addr[CJOB_BATCH * 4 * CCURVE_POINTS];           /* r[i]'s meter address, for the observer */
    size_t n;
    int rc645; /* DL/T 645: what the reply of the read in flight said (ctask_dlt645_day_parse) */
    uint8_t p_gap[CJOB_BATCH][CCURVE_POINTS / 8]; /* 1376.1 F81 points that came as no data */
    int64_t received_ms;
};

static uint8_t reading_protocol(const struct cterm *t)
{
    return t->proto == FEP_PROTO_DLT698   ? ARCHIVE_PROTO_DLT698
           : t->proto == FEP_PROTO_DLT645 ? t->info.protocol
                                          : ARCHIVE_PROTO_GDW1376;
}

/* A reading of meter m from the reply (v a number), kept for the store while there is room. */
static void push_reading(struct reply_ctx *x, const struct cmeter *m, uint32_t item, int64_t at,
                         const struct mh_dec *v)
{
    if (x->n >= sizeof x->r / sizeof x->r[0])
        return;
    x->addr[x->n] = m->address;
    x->r[x->n++] = (struct store_reading){.meter = m->id, .item = item, .quality = STORE_Q_VALID,
                                          .protocol = reading_protocol(x->t), .t = at,
                                          .value = *v, .terminal = x->t->info.id,
                                          .received_ms = x->received_ms};
}

/*
 * A value of pn at data time at (UTC). Frozen registers (fi < 0): bit 1
 * import total, bit 2 export total. Realtime (fi >= 0): bit fi once any
 * value of the task's Fn fi came as a number (a single-phase meter's
 * phases B and C are "no data" in a whole answer), "no data" when none did.
 */
static void value_at(struct reply_ctx *x, uint16_t pn, int fi, uint32_t item, int64_t at,
                     const struct mh_dec *v)
{
    struct cterm *t = x->t;
    for (size_t k = 0; k < t->req_n; k++) {
        struct cmeter *m = &x->j->m[t->req_idx[k]];
        if (m->pn != pn)
            continue;
        unsigned bit = MH_OBIS_C(item) == MH_OBIS_C(MH_ITEM_AE_IMP) ? 1u : 2u;
        if (fi >= 0 && fi < 8) {
            if (v)
                m->got |= (uint8_t)(1u << fi);
            else
                m->nodata |= (uint8_t)(1u << fi);
        } else if (MH_OBIS_E(item) == 0) {
            if (v)
                m->got |= (uint8_t)bit;
            else
                m->nodata |= (uint8_t)bit;
        }
        if (v)
            push_reading(x, m, item, at, v);
        return;
    }
}

static void on_value(void *ctx, uint16_t pn, uint32_t item, const struct mh_dec *v)
{
    struct reply_ctx *x = ctx;
    value_at(x, pn, -1, item, x->j->data_time, v);
}

/*
 * A realtime value: its data time is when the terminal read it (local),
 * in UTC, kept off the freezes' keys (realtime_time.c).
 */
static void on_value_read(void *ctx, uint16_t pn, unsigned fi, uint32_t item,
                          const struct mh_tm *at, const struct mh_dec *v)
{
    struct reply_ctx *x = ctx;
    int64_t e;
    if (mh_tm_to_epoch(at, &e) == 0)
        value_at(x, pn, (int)fi, item,
                 ctask_realtime_time(e - (int64_t)x->t->c->cfg.utc_offset_min * 60), v);
}

/*
 * A DL/T 645 realtime value: at the master's time its reply arrived
 * (task_dlt645_realtime.c). The energy registers' totals decide the
 * meter's status as a freeze's do; the other values (Fn 7) none.
 */
static void on_value_now(void *ctx, uint16_t pn, uint32_t item, const struct mh_dec *v)
{
    struct reply_ctx *x = ctx;
    int fi = item == MH_ITEM_AE_IMP || item == MH_ITEM_AE_EXP ? -1 : 7;
    value_at(x, pn, fi, item, ctask_realtime_time(x->received_ms / 1000), v);
}

/* A curve point: a reading at the point's time; Fn fi is whole when all its points came. */
static void on_point(void *ctx, uint16_t pn, unsigned fi, uint32_t item, unsigned index,
                     const struct mh_dec *v)
{
    struct reply_ctx *x = ctx;
    struct cterm *t = x->t;
    for (size_t k = 0; k < t->req_n; k++) {
        struct cmeter *m = &x->j->m[t->req_idx[k]];
        if (m->pn != pn || fi >= sizeof m->npts)
            continue;
        if (!v) {
            m->nodata |= (uint8_t)(1u << fi);
            if (item == MH_ITEM_P && index < CCURVE_POINTS) /* beyond A.9: curve_fill.c */
                x->p_gap[k][index / 8] |= (uint8_t)(1u << (index % 8));
            return;
        }
        if (++m->npts[fi] == CCURVE_POINTS)
            m->got |= (uint8_t)(1u << fi);
        push_reading(x, m, item, x->j->data_time + (int64_t)index * CCURVE_STEP_S, v);
        return;
    }
}

/*
 * A DL/T 698.45 curve value: the import and export totals count towards
 * the curve being whole (Fn 0 and 1 of the task); powers, voltages,
 * currents and tariffs are stored at the point's time beside them.
 */
static void on_point_698(void *ctx, uint16_t pn, uint32_t item, unsigned index,
                         const struct mh_dec *v)
{
    struct reply_ctx *x = ctx;
    if (item == MH_ITEM_AE_IMP || item == MH_ITEM_AE_EXP) {
        on_point(ctx, pn, item == MH_ITEM_AE_EXP, item, index, v);
        return;
    }
    for (size_t k = 0; k < x->t->req_n; k++) {
        const struct cmeter *m = &x->j->m[x->t->req_idx[k]];
        if (m->pn == pn && v)
            push_reading(x, m, item, x->j->data_time + (int64_t)index * CCURVE_STEP_S, v);
    }
}

/*
 * A DL/T 645 load-record point: the import and export increments decide
 * the curve's status (Fn 0 and 1 of the task); the other values are
 * stored at the point's time beside them.
 */
static void on_point_645(void *ctx, uint16_t pn, uint32_t item, unsigned index, const struct mh_dec *v)
{
    struct reply_ctx *x = ctx;
    if (item == MH_ITEM_AE_IMP_INC || item == MH_ITEM_AE_EXP_INC) {
        on_point(ctx, pn, item == MH_ITEM_AE_EXP_INC, item, index, v);
        return;
    }
    if (v)
        push_reading(x, &x->j->m[x->t->req_idx[0]], item, x->j->data_time + (int64_t)index * CCURVE_STEP_S, v);
}

/* 0, or the store's refusal (its writer's queue stayed full): the readings are not kept. */
static int append_readings(struct collect *c, const struct cterm *t, const struct store_reading *r,
                           const uint64_t *addr, size_t n)
{
    if (n == 0)
        return 0;
    /* The observer hears of the readings from the store's callback: only once they are durable. */
    const struct collect_observer *o = &c->obs;
    void *batch = o->readings ? o->readings(o->ctx, &t->info, r, addr, n) : NULL;
    /*
     * A round's requests wait while the writer's queue is half full
     * (store_behind), so a reply finds room here. NEEDSWORK: replies in
     * flight when it filled may still find it full and wait, up to a
     * second, on the loop; a deferred retry from a timer would keep it free.
     */
    int rc = store_readings_append(c->st, r, n, 1000, batch ? o->readings_done : NULL, batch);
    if (rc != 0) {
        mh_warn(MOD, "readings not stored: %s", mh_strerror(rc));
        if (batch)
            o->readings_done(batch, rc);
    } else
        c->prog.readings += n;
    return rc;
}

void collect_observe(struct collect *c, const struct collect_observer *o)
{
    if (o)
        c->obs = *o;
    else
        memset(&c->obs, 0, sizeof c->obs);
}

/* The local freeze time a DL/T 698.45 or 645 daily record carries: 00:00 after the day. */
static void freeze_tm_698(const struct cjob *j, struct mh_tm *tm)
{
    mh_tm_from_epoch((j->day + 1) * 86400, tm);
}

/* A curve's first point, local: 00:15 of the job's day. */
static void curve_start_tm(const struct cjob *j, struct mh_tm *tm)
{
    mh_tm_from_epoch(j->day * 86400 + CCURVE_STEP_S, tm);
}

/* DL/T 645 has no freeze by date: the job's day is the nth-last daily freeze (1: last midnight's). */
static unsigned dlt645_nth(const struct cterm *t, const struct cjob *j)
{
    int64_t nth = collect_local_day(t->c, collect_wall_ms() / 1000) - j->day;
    return nth < 1 || nth > 255 ? 0 : (unsigned)nth;
}

static void reply_frames(struct reply_ctx *x, const struct fep_reply *r, uint8_t *reason)
{
    uint32_t from = 0;
    if (x->t->proto == FEP_PROTO_DLT645 && x->j->kind == &ctask_dlt645_curve) {
        /* One load-record read: its frames (the read's answer and the follow-ups) together. */
        const struct cmeter *m = &x->j->m[x->t->req_idx[0]];
        int rc = ctask_dlt645_curve_parse(r->bytes, r->ends, r->n_frames, x->t->sa, x->t->step645, m->pn,
                                          &x->j->date, on_point_645, x);
        x->rc645 = rc >= 0 ? 1 : rc;
        if (rc == 0 && x->t->step645 == 0) { /* no energy record of the day: the meter has no curve */
            on_point(x, m->pn, 0, MH_ITEM_AE_IMP_INC, 0, NULL);
            on_point(x, m->pn, 1, MH_ITEM_AE_EXP_INC, 0, NULL);
        }
        if (rc == MH_ESTALE)
            *reason = STORE_REASON_CLOCK_ERROR;
        else if (rc < 0)
            *reason = STORE_REASON_DECODE_ERROR;
        return;
    }
    for (unsigned i = 0; i < r->n_frames; i++) {
        const uint8_t *p = r->bytes + from;
        size_t len = r->ends[i] - from;
        from = r->ends[i];
        int rc;
        if (x->t->proto == FEP_PROTO_DLT645 && x->j->kind == &ctask_dlt645_realtime) {
            const struct cmeter *m = &x->j->m[x->t->req_idx[0]];
            rc = ctask_dlt645_realtime_parse(p, len, x->t->sa, x->t->step645, m->pn, on_value_now,
                                             x);
            x->rc645 = rc == 0 ? 1 : rc; /* answered (or without the block): the next block */
        } else if (x->t->proto == FEP_PROTO_DLT645) {
            struct mh_tm freeze;
            freeze_tm_698(x->j, &freeze);
            uint32_t di = ctask_dlt645_day_di(x->t->step645, dlt645_nth(x->t, x->j));
            const struct cmeter *m = &x->j->m[x->t->req_idx[0]];
            rc = ctask_dlt645_day_parse(p, len, x->t->sa, di, m->pn, &freeze, on_value, x);
            x->rc645 = rc;
            if (rc == 0 && x->t->step645 == CTASK_645_TIME) { /* no such freeze: no data */
                on_value(x, m->pn, MH_ITEM_AE_IMP, NULL);
                on_value(x, m->pn, MH_ITEM_AE_EXP, NULL);
            }
        } else if (x->t->proto == FEP_PROTO_DLT698) {
            struct dlt698_frame f;
            struct mh_tm freeze;
            freeze_tm_698(x->j, &freeze);
            rc = dlt698_frame_parse(p, len, &f);
            const struct cmeter *m0 = &x->j->m[x->t->req_idx[0]];
            uint64_t addr[CJOB_BATCH];
            uint16_t pn[CJOB_BATCH];
            for (size_t k = 0; k < x->t->req_n; k++) {
                addr[k] = x->j->m[x->t->req_idx[k]].address;
                pn[k] = x->j->m[x->t->req_idx[k]].pn;
            }
            if (rc == 0 && x->j->kind == &ctask_dlt698_curve) {
                struct mh_tm start;
                curve_start_tm(x->j, &start);
                rc = m0->behind ? ctask_dlt698_meter_curve_parse(f.apdu, f.apdu_len, m0->address,
                                                                 m0->pn, &start, on_point_698, x)
                                : ctask_dlt698_curve_parse(f.apdu, f.apdu_len, m0->pn, &start,
                                                           on_point_698, x);
            } else if (rc == 0 && x->j->kind == &ctask_dlt698_realtime) {
                rc = ctask_dlt698_realtime_parse(f.apdu, f.apdu_len, addr, pn, x->t->req_n,
                                                 on_value_read, x);
            } else if (rc == 0 && m0->behind) {
                rc = ctask_dlt698_meters_parse(f.apdu, f.apdu_len, addr, pn, x->t->req_n, &freeze,
                                               on_value, x);
            } else if (rc == 0 && x->t->req_n == 1) {
                rc = ctask_dlt698_day_parse(f.apdu, f.apdu_len, m0->pn, &freeze, on_value, x);
            } else if (rc == 0) {
                rc = MH_EPROTO;
            }
        } else {
            struct gdw1376_frame f;
            rc = gdw1376_frame_parse(p, len, 16, &f);
            if (rc == 0 && f.afn == GDW1376_AFN_CLASS2 && x->j->kind->label == GDW1376_A15) {
                struct mh_tm start;
                curve_start_tm(x->j, &start);
                rc = ctask_gdw1376_curve_parse(f.units, f.units_len, x->j->kind, &start,
                                               CCURVE_DENSITY, CCURVE_POINTS, on_point, x);
            } else if (rc == 0 && f.afn == GDW1376_AFN_CLASS1 &&
                       x->j->kind->item_class == STORE_CLASS_REALTIME) {
                rc = ctask_gdw1376_realtime_parse(f.units, f.units_len, x->j->kind,
                                                  on_value_read, x);
            } else if (rc == 0 && f.afn == GDW1376_AFN_CLASS2)
                rc = ctask_gdw1376_frozen_parse(f.units, f.units_len, x->j->kind, &x->j->date,
                                                on_value, x);
            else if (rc == 0 && f.afn != GDW1376_AFN_CONFIRM) /* AFN00 in a data reply: nothing */
                rc = MH_EPROTO;
        }
        if (rc == MH_ESTALE)
            *reason = STORE_REASON_CLOCK_ERROR;
        else if (rc < 0)
            *reason = STORE_REASON_DECODE_ERROR;
    }
}

/* The terminal's clock in a clock read's reply (its local time). */
static int reply_clock(const struct cterm *t, const struct fep_reply *r, struct mh_tm *tm)
{
    if (t->proto == FEP_PROTO_DLT698) {
        struct dlt698_frame f;
        int rc = dlt698_frame_parse(r->bytes, r->ends[0], &f);
        return rc != 0 ? rc : ctask_dlt698_clock_parse(f.apdu, f.apdu_len, tm);
    }
    struct gdw1376_frame f;
    int rc = gdw1376_frame_parse(r->bytes, r->ends[0], 16, &f);
    return rc != 0 ? rc : ctask_gdw1376_clock_parse(f.units, f.units_len, tm);
}

/* Whether a clock set's reply says it was done: a 698.45 DAR; a 1376.1 terminal's
 * confirmation is the fep's matching of its reply. */
static int reply_set(const struct cterm *t, const struct fep_reply *r)
{
    if (t->proto != FEP_PROTO_DLT698 || r->n_frames < 1)
        return 0;
    struct dlt698_frame f;
    int rc = dlt698_frame_parse(r->bytes, r->ends[0], &f);
    return rc != 0 ? rc : ctask_dlt698_clock_set_parse(f.apdu, f.apdu_len);
}

/* The clock read or set answered: set it when it is off, then go on with the registers. */
static void clock_done(struct cterm *t, struct cjob *j, enum fep_status status,
                       const struct fep_reply *r)
{
    struct collect *c = t->c;
    int64_t off = (int64_t)c->cfg.utc_offset_min * 60, now = collect_wall_ms() / 1000;
    if (j->clock == CCLOCK_SET) {
        int rc = status == FEP_DONE ? reply_set(t, r) : MH_ETIMEDOUT;
        if (rc == 0)
            c->prog.clocks_set++;
        else if (status != FEP_DONE)
            mh_warn(MOD, "%s: clock not set: %s", t->addr, fep_status_name((int)status));
        else
            mh_warn(MOD, "%s: clock not set: %s", t->addr, mh_strerror(rc));
        j->clock = CCLOCK_DONE;
        return;
    }
    j->clock = CCLOCK_DONE;
    struct mh_tm tm;
    int64_t term;
    if (status != FEP_DONE || r->n_frames < 1 || reply_clock(t, r, &tm) != 0 ||
        mh_tm_to_epoch(&tm, &term) != 0)
        return; /* the registers are read all the same; the clock is checked next round */
    c->prog.clocks_read++;
    int64_t drift = term - off - now;
    int64_t mag = drift < 0 ? -drift : drift;
    if (mag > (int64_t)c->cfg.clock_alarm_s) {
        c->prog.clocks_far++;
        mh_warn(MOD, "%s: terminal clock off by %lld s: set", t->addr, (long long)drift);
    }
    if (mag > (int64_t)c->cfg.clock_sync_s)
        j->clock = CCLOCK_SET;
}

void collect_term_replied(struct cterm *t, enum fep_status status, const struct fep_reply *r)
{
    t->busy = 0;
    t->group->inflight--;
    /*
     * A reply without a round trip came after a re-send: the timer expired
     * although the terminal answered, so back off as after a timeout
     * (RFC 6298 5.5) until a reply is measured again.
     */
    if (status == FEP_DONE && r->rtt_ms)
        crtt_sample(&t->rtt, r->rtt_ms);
    else if (status == FEP_DONE || status == FEP_TIMEOUT)
        crtt_backoff(&t->rtt);
}

void collect_term_resume(struct cterm *t)
{
    group_wake(t->group);
    collect_term_kick(t);
}

/* DL/T 645: the same meter's next read of its job (the meter stays the request's). */
static void next_step645(struct cterm *t, struct cjob *j)
{
    t->step645++;
    j->cursor = t->req_idx[0];
    t->req_n = 0;
    group_wake(t->group);
    collect_term_kick(t);
}

static void request_done(void *ctx, enum fep_status status, const struct fep_reply *r)
{
    struct cterm *t = ctx;
    struct collect *c = t->c;
    struct cjob *j = t->jobs;
    collect_term_replied(t, status, r);
    if (t->req_clock) {
        t->req_clock = 0;
        clock_done(t, j, status, r);
        group_wake(t->group);
        collect_term_kick(t);
        return;
    }
    uint8_t reason = STORE_REASON_METER_NO_ANSWER;
    /* The Fn that decide the status (the others add data: their "no data" is not the meter's). */
    size_t nfn = j->kind->status_fns ? j->kind->status_fns : j->kind->n_fns;
    uint8_t all = (uint8_t)((1u << nfn) - 1);
    if (status == FEP_DONE) {
        static struct reply_ctx x; /* one loop thread; too large for the stack */
        x.t = t;
        x.j = j;
        x.n = 0;
        x.rc645 = 0;
        x.received_ms = collect_wall_ms();
        memset(x.p_gap, 0, sizeof x.p_gap);
        reply_frames(&x, r, &reason);
        for (size_t k = 0; k < t->req_n; k++) {
            const struct cmeter *m = &j->m[t->req_idx[k]];
            x.n += ccurve_power_fill(x.r, x.addr, x.n, sizeof x.r / sizeof x.r[0], m->id,
                                     m->address, j->data_time, x.p_gap[k]);
        }
        if (append_readings(c, t, x.r, x.addr, x.n) != 0) {
            /* Not stored is not collected: the meters are read again by the next pass. */
            for (size_t k = 0; k < t->req_n; k++)
                j->m[t->req_idx[k]].got = j->m[t->req_idx[k]].nodata = 0;
            reason = STORE_REASON_STORE_BUSY;
        }
        if (reason == STORE_REASON_DECODE_ERROR)
            c->prog.decode_errors++;
        /* DL/T 645: the freeze time matched, or a register came: go on with the next read. */
        unsigned last645 = j->kind == &ctask_dlt645_realtime ? ctask_dlt645_realtime_last()
                           : j->kind == &ctask_dlt645_curve  ? ctask_dlt645_curve_last()
                                                             : CTASK_645_EXPORT;
        if (t->proto == FEP_PROTO_DLT645 && x.rc645 == 1 && t->step645 < last645) {
            next_step645(t, j);
            return;
        }
    } else if (status == FEP_DENIED && j->kind == &ctask_dlt645_curve && t->step645 > 0 &&
               t->step645 < ctask_dlt645_curve_last()) {
        /* A meter that does not record this class (its load-record mode word): the next class. */
        next_step645(t, j);
        return;
    } else if (status == FEP_DENIED) {
        reason = STORE_REASON_NO_DATA; /* AFN00 F2: the terminal keeps none of it */
        c->prog.denied++;
    } else if (status == FEP_TIMEOUT) {
        reason = STORE_REASON_CHANNEL_TIMEOUT;
        c->prog.timeouts++;
    } else if (status == FEP_DECODE) {
        reason = STORE_REASON_DECODE_ERROR;
        c->prog.decode_errors++;
    } else {
        reason = STORE_REASON_TERMINAL_OFFLINE;
    }
    t->step645 = CTASK_645_TIME; /* the meter-day is over (or read again from its freeze time) */
    for (size_t k = 0; k < t->req_n; k++) {
        struct cmeter *m = &j->m[t->req_idx[k]];
        if ((m->got & all) == all) {
            m->reason = STORE_REASON_NONE;
            m->done = 1;
        } else if (((m->got | m->nodata) & all) == all && (m->nodata & all)) {
            m->reason = STORE_REASON_NO_DATA;
            m->done = 1;
        } else {
            m->reason = status == FEP_DENIED ? STORE_REASON_NO_DATA : reason;
            m->done = status == FEP_DENIED;
        }
    }
    t->req_n = 0;
    group_wake(t->group);
    collect_term_kick(t);
}

int collect_term_send(struct cterm *t, enum fep_prio prio, const uint8_t *frame, size_t len,
                      fep_done_fn done)
{
    struct collect *c = t->c;
    struct fep_request req = {.prio = prio, .frame = frame, .len = len,
                              .timeout_ms = c->cfg.request_timeout_ms ? c->cfg.request_timeout_ms
                                                                      : t->rtt.rto_ms,
                              .done = done,
                              .ctx = t};
    int64_t id = fep_request_submit(c->fep, t->addr, &req);
    if (id < 0)
        return (int)id;
    t->busy = 1;
    t->group->inflight++;
    c->prog.requests++;
    return 1;
}

static int send_request(struct cterm *t, struct cjob *j, const uint8_t *frame, size_t len)
{
    return collect_term_send(t, j->prio, frame, len, request_done);
}

/* The clock step of a job: read, or set to the station's local time. */
static int submit_clock(struct cterm *t, struct cjob *j)
{
    uint8_t buf[CREQ_MAX];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    int rc;
    int g = t->proto == FEP_PROTO_GDW1376;
    if (j->clock == CCLOCK_READ) {
        rc = g ? ctask_gdw1376_clock_read(&w, t->a1, t->a2) : ctask_dlt698_clock_read(&w, t->sa);
    } else {
        struct mh_tm now;
        mh_tm_from_epoch(collect_wall_ms() / 1000 + (int64_t)t->c->cfg.utc_offset_min * 60, &now);
        rc = g ? ctask_gdw1376_clock_set(&w, t->a1, t->a2, &now)
               : ctask_dlt698_clock_set(&w, t->sa, &now);
    }
    if (rc == 0)
        rc = mh_wr_err(&w);
    if (rc == 0)
        rc = send_request(t, j, buf, mh_wr_len(&w));
    if (rc == 1)
        t->req_clock = 1;
    else if (rc != MH_EBUSY && rc != MH_ENOMEM)
        j->clock = CCLOCK_DONE; /* not online or not buildable: go on without it */
    return rc;
}

static int submit(struct cterm *t, struct cjob *j)
{
    uint16_t pn[CJOB_BATCH];
    size_t n = 0;
    /* Next meters not done, in one group of eight pn (one DA). */
    while (j->cursor < j->n && n < CJOB_BATCH) {
        struct cmeter *m = &j->m[j->cursor];
        if (m->done) {
            j->cursor++;
            continue;
        }
        if (n > 0 && (t->proto == FEP_PROTO_DLT645 ? 1
                      : t->proto == FEP_PROTO_DLT698
                          ? !m->behind || !j->m[t->req_idx[0]].behind ||
                                j->kind == &ctask_dlt698_curve
                          : (m->pn - 1) / 8 != (pn[0] - 1) / 8))
            break; /* 1376.1: one DA group of eight; 698.45: the own meter alone, or eight
                      behind (a curve: one meter's day fills a reply) */
        t->req_idx[n] = j->cursor++;
        pn[n++] = m->pn;
    }
    if (n == 0)
        return 0;
    uint8_t buf[CREQ_MAX];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    int rc;
    if (t->proto == FEP_PROTO_DLT698) {
        struct mh_tm freeze;
        freeze_tm_698(j, &freeze);
        uint64_t addr[CJOB_BATCH];
        for (size_t k = 0; k < n; k++)
            addr[k] = j->m[t->req_idx[k]].address;
        int behind = j->m[t->req_idx[0]].behind;
        struct mh_tm start;
        curve_start_tm(j, &start);
        if (j->kind == &ctask_dlt698_curve)
            rc = behind ? ctask_dlt698_meter_curve_request(&w, t->sa, &start, addr[0])
                        : ctask_dlt698_curve_request(&w, t->sa, &start);
        else if (j->kind == &ctask_dlt698_realtime)
            rc = ctask_dlt698_realtime_request(&w, t->sa, addr, behind ? n : 0);
        else
            rc = behind ? ctask_dlt698_meters_request(&w, t->sa, &freeze, addr, n)
                        : ctask_dlt698_day_request(&w, t->sa, &freeze);
    } else if (t->proto == FEP_PROTO_DLT645 && j->kind == &ctask_dlt645_curve) {
        rc = ctask_dlt645_curve_request(&w, t->sa, t->step645, &j->date);
    } else if (t->proto == FEP_PROTO_DLT645 && j->kind == &ctask_dlt645_realtime) {
        rc = ctask_dlt645_realtime_request(&w, t->sa, t->step645);
    } else if (t->proto == FEP_PROTO_DLT645) {
        rc = ctask_dlt645_day_request(&w, t->sa, t->step645, dlt645_nth(t, j));
        if (rc == MH_ERANGE) { /* the day is not among the meter's freezes (or not over yet) */
            j->m[t->req_idx[0]].reason = STORE_REASON_NO_DATA;
            j->m[t->req_idx[0]].done = 1;
            return 0;
        }
    } else if (j->kind->item_class == STORE_CLASS_REALTIME) {
        rc = ctask_gdw1376_realtime_request(&w, t->a1, t->a2, pn, n, j->kind);
    } else if (j->kind->label == GDW1376_A15) {
        struct mh_tm start;
        curve_start_tm(j, &start);
        rc = ctask_gdw1376_curve_request(&w, t->a1, t->a2, pn, n, j->kind, &start,
                                         CCURVE_DENSITY, CCURVE_POINTS);
    } else {
        rc = ctask_gdw1376_frozen_request(&w, t->a1, t->a2, pn, n, j->kind, &j->date);
    }
    if (rc == 0)
        rc = mh_wr_err(&w);
    if (rc != 0) {
        mh_warn(MOD, "%s: request not built: %s", t->addr, mh_strerror(rc));
        return rc;
    }
    t->req_n = n;
    rc = send_request(t, j, buf, mh_wr_len(&w));
    if (rc < 0) {
        j->cursor = t->req_idx[0]; /* asked again when the fep takes requests */
        t->req_n = 0;
        return rc;
    }
    for (size_t k = 0; k < n && t->step645 == CTASK_645_TIME; k++) {
        struct cmeter *m = &j->m[t->req_idx[k]];
        m->got = m->nodata = 0;
        memset(m->npts, 0, sizeof m->npts);
    }
    return 1;
}

/* Retry for these reasons; "no data" and collected are final. */
static int retryable(uint8_t reason)
{
    return reason != STORE_REASON_NONE && reason != STORE_REASON_NO_DATA;
}

static void pass_end(struct cterm *t, struct cjob *j)
{
    struct collect *c = t->c;
    size_t retry = 0;
    /* A secondary task adds to the points' data: their day's status is another task's. */
    int counted = !j->kind->secondary;
    if (counted)
        collect_status_write(c, j);
    int curve = j->kind->item_class == STORE_CLASS_CURVE;
    int realtime = j->kind->item_class == STORE_CLASS_REALTIME;
    for (size_t k = 0; k < j->n; k++) {
        if (counted && (j->round || curve || realtime) && j->m[k].reason == STORE_REASON_NONE &&
            j->m[k].done != 2) {
            if (curve) {
                c->prog.curve_collected++;
            } else if (realtime) {
                c->prog.realtime_collected++;
            } else {
                c->prog.first_try += j->pass == 0;
                c->prog.collected++;
            }
            j->m[k].done = 2; /* counted */
        }
        retry += !j->m[k].done;
        if (!j->m[k].done && !retryable(j->m[k].reason))
            j->m[k].done = 1;
    }
    if (retry && j->pass < c->cfg.passes) {
        j->pass++;
        j->cursor = 0;
        j->not_before_ms = loop_ms(c) + c->cfg.patch_delay_ms;
        return;
    }
    /* The job is over. */
    t->jobs = j->next;
    if (!t->jobs)
        t->jobs_tail = NULL;
    c->prog.jobs_done += j->round;
    c->jobs--;
    free(j->m);
    free(j);
}

/*
 * Events read by counter go first, a few small exchanges the analysis
 * waits for, except before a round's registers that are ready to be sent:
 * the day's frozen registers are what billing waits for and what a round
 * is judged by (the floor: login, clock, registers), while an event that
 * matters came as an active report already. So the counters wait until
 * the terminal's round job has had its first pass, or is waiting anyway
 * (spread over the hour, between patch passes).
 */
static int events_now(const struct cterm *t)
{
    const struct cjob *j = t->jobs;
    return !j || !j->round || j->pass > 0 || j->not_before_ms > loop_ms(t->c);
}

/*
 * The store's writer is behind when half its reading queue is taken. A
 * round's request (started now or scheduled) then waits STORE_WAIT_MS
 * instead of going out, so the replies in flight find room and
 * append_readings does not hold the loop (and every session and operator's
 * read on it) waiting for the database: the round goes at the writer's
 * pace either way. Asked of the writer at most once per STORE_ASK_MS of
 * loop time.
 */
#define STORE_WAIT_MS 100
#define STORE_ASK_MS 10
static int store_behind(struct collect *c)
{
    uint64_t now = loop_ms(c);
    if (now - c->store_seen_ms >= STORE_ASK_MS || c->store_seen_ms == 0) {
        struct store_writer_stats ws;
        store_writer_stats(c->st, &ws);
        c->store_was_behind = ws.queued * 2 >= ws.capacity;
        c->store_seen_ms = now;
    }
    return c->store_was_behind;
}

void collect_term_kick(struct cterm *t)
{
    struct collect *c = t->c;
    while (!t->busy && t->online && !c->closing) {
        if (t->ev_due && events_now(t)) {
            if (t->group->inflight >= c->cfg.group_max) {
                group_wait(t);
                return;
            }
            if (collect_events_submit(t) == 1)
                return;
            continue; /* ev_due is clear: nothing to read, or not now */
        }
        if (!t->jobs)
            return;
        struct cjob *j = t->jobs;
        if (j->not_before_ms > loop_ms(c)) {
            arm(t, j->not_before_ms);
            return;
        }
        if (j->cursor >= j->n && j->clock == CCLOCK_DONE) {
            pass_end(t, j);
            continue;
        }
        if (t->group->inflight >= c->cfg.group_max) {
            group_wait(t);
            return;
        }
        if (j->prio >= FEP_PRIO_ROUND && store_behind(c)) {
            c->prog.store_waits++;
            arm(t, loop_ms(c) + STORE_WAIT_MS);
            return;
        }
        int rc = j->clock != CCLOCK_DONE ? submit_clock(t, j) : submit(t, j);
        if (rc == MH_EBUSY || rc == MH_ENOMEM) {
            j->not_before_ms = loop_ms(c) + 1000;
            continue;
        }
        if (rc < 0) {
            /* Not online after all (a race with the fep) or a bad frame: end this pass. */
            for (size_t k = 0; k < j->n; k++)
                if (!j->m[k].done && rc == MH_ENOENT)
                    j->m[k].reason = STORE_REASON_TERMINAL_OFFLINE;
            j->cursor = j->n;
        }
    }
}

int64_t collect_freeze_time(const struct collect *c, const struct ctask_kind *k, int64_t day)
{
    int64_t off = (int64_t)c->cfg.utc_offset_min * 60;
    if (k->label == GDW1376_A15)
        return day * 86400 + CCURVE_STEP_S - off; /* a curve's first point */
    if (k->label != ctask_gdw1376_month.label)
        return (day + 1) * 86400 - off; /* 24:00 of the day */
    struct mh_tm tm;
    int64_t e;
    mh_tm_from_epoch(day * 86400, &tm);
    tm.mon = (uint8_t)(tm.mon == 12 ? 1 : tm.mon + 1);
    tm.year = (uint16_t)(tm.mon == 1 ? tm.year + 1 : tm.year);
    tm.day = 1;
    tm.hour = tm.min = tm.sec = 0;
    tm.has = MH_TM_FULL;
    mh_tm_to_epoch(&tm, &e);
    return e - off; /* 00:00 of the next month's first day */
}

int collect_job_add(struct cterm *t, const struct ctask_kind *k, int64_t day, int round,
                    enum fep_prio prio, struct cmeter *m, size_t n, uint64_t not_before_ms)
{
    struct cjob *j = calloc(1, sizeof *j);
    if (!j) {
        free(m);
        return MH_ENOMEM;
    }
    j->kind = k;
    j->day = day;
    mh_tm_from_epoch(day * 86400, &j->date);
    j->data_time = collect_freeze_time(t->c, k, day);
    j->round = round;
    /* A terminal's clock is checked before a round's registers (DL/T 645 DTUs: the meter's, by its own task). */
    j->clock = round && (t->proto == FEP_PROTO_GDW1376 || t->proto == FEP_PROTO_DLT698) &&
                       k->item_class <= STORE_CLASS_MONTH_FREEZE
                   ? CCLOCK_READ
                   : CCLOCK_DONE;
    j->prio = prio;
    j->m = m;
    j->n = n;
    j->not_before_ms = not_before_ms;
    if (t->jobs_tail)
        t->jobs_tail->next = j;
    else
        t->jobs = j;
    t->jobs_tail = j;
    t->c->jobs++;
    if (k->item_class == STORE_CLASS_CURVE && !k->secondary)
        t->c->prog.curve_meters += n;
    else if (k->item_class == STORE_CLASS_REALTIME)
        t->c->prog.realtime_meters += n;
    else if (round)
        t->c->prog.meters_asked += n;
    return 0;
}

/* ---- life cycle ---- */

int collect_new(uv_loop_t *loop, struct store *st, const struct collect_cfg *cfg,
                struct collect **out)
{
    struct collect *c = calloc(1, sizeof *c);
    if (!c)
        return MH_ENOMEM;
    c->loop = loop;
    c->st = st;
    if (cfg)
        c->cfg = *cfg;
    if (!c->cfg.utc_offset_min && !c->cfg.utc_offset_set)
        c->cfg.utc_offset_min = 480;
    if (!c->cfg.group_max)
        c->cfg.group_max = 64;
    c->cfg.passes = c->cfg.passes == 255 ? 0 : c->cfg.passes ? c->cfg.passes : 3;
    if (!c->cfg.patch_delay_ms)
        c->cfg.patch_delay_ms = 20000;
    c->cfg.patch_days = c->cfg.patch_days == 255 ? 0 : c->cfg.patch_days ? c->cfg.patch_days : 3;
    if (!c->cfg.start_after_s)
        c->cfg.start_after_s = 300;
    if (!c->cfg.spread_s)
        c->cfg.spread_s = 3600;
    if (!c->cfg.clock_sync_s)
        c->cfg.clock_sync_s = 60;
    if (!c->cfg.clock_alarm_s)
        c->cfg.clock_alarm_s = 300;
    mh_keymap_init(&c->terms);
    mh_keymap_init(&c->terms_by_id);
    mh_keymap_init(&c->groups);
    c->dir.lookup = dir_lookup;
    c->dir.ctx = c;
    c->sink.on_online = on_online;
    c->sink.on_offline = on_offline;
    c->sink.on_report = collect_on_report;
    c->sink.ctx = c;
    c->round_day = c->round_month = -1;
    uv_timer_init(loop, &c->daily);
    c->daily.data = c;
    uv_timer_init(loop, &c->sflush);
    c->sflush.data = c;
    c->handles = 2;
    if (collect_reports_init(c) == 0)
        c->handles++;
    else
        mh_error(MOD, "active reports will be stored one by one: no queue for them");
    *out = c;
    return 0;
}

const struct fep_directory *collect_directory(struct collect *c)
{
    return &c->dir;
}

const struct fep_sink *collect_sink(struct collect *c)
{
    return &c->sink;
}

void collect_attach(struct collect *c, struct fep *f)
{
    c->fep = f;
    if (c->cfg.scheduled)
        collect_schedule_next(c);
}

void collect_progress(const struct collect *c, struct collect_progress *p)
{
    *p = c->prog;
    p->day = c->round_day >= 0 ? c->round_day : c->round_month;
    p->terminals_online = c->online;
    p->jobs_queued = p->jobs_running = 0;
    for (const struct cterm *t = c->all_terms; t; t = t->all_next) {
        if (t->busy)
            p->jobs_running++;
        else if (t->jobs)
            p->jobs_queued++;
    }
}

int collect_idle(const struct collect *c)
{
    for (const struct cterm *t = c->all_terms; t; t = t->all_next)
        if (t->busy || ((t->jobs || t->ev_due) && t->online))
            return 0; /* events read by counter may follow a round's registers */
    return 1;
}

static void collect_unref(struct collect *c)
{
    if (--c->handles == 0)
        free(c);
}

void collect_handle_closed(struct collect *c)
{
    collect_unref(c);
}

static void term_closed(uv_handle_t *h)
{
    struct cterm *t = h->data;
    struct collect *c = t->c;
    free(t);
    collect_unref(c);
}

/* The collector's own timers (daily, status flush): the last handle frees it. */
static void daily_closed(uv_handle_t *h)
{
    collect_unref(h->data);
}

void collect_stop(struct collect *c)
{
    collect_status_flush(c);
    c->closing = 1;
}

void collect_free(struct collect *c)
{
    if (!c)
        return;
    c->closing = 1;
    for (struct cterm *t = c->all_terms, *next; t; t = next) {
        next = t->all_next;
        for (struct cjob *j = t->jobs, *jn; j; j = jn) {
            jn = j->next;
            free(j->m);
            free(j);
        }
        c->handles++;
        uv_close((uv_handle_t *)&t->timer, term_closed);
    }
    for (struct cgroup *g = c->all_groups, *gn; g; g = gn) {
        gn = g->all_next;
        free(g);
    }
    collect_status_flush(c);
    free(c->sbuf);
    c->sbuf = NULL;
    collect_patch_free(c);
    mh_keymap_release(&c->terms);
    mh_keymap_release(&c->terms_by_id);
    mh_keymap_release(&c->groups);
    collect_reports_detach(c);
    uv_close((uv_handle_t *)&c->daily, daily_closed);
    uv_close((uv_handle_t *)&c->sflush, daily_closed);
}
