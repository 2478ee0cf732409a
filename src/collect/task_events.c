/*
 * Q/GDW 1376.1 events read by counter: after a terminal logs in and in
 * every round, the collector reads its event counters (AFN0C F7: EC1 for
 * important, EC2 for normal events, 0..255 and wrapping) and fetches with
 * AFN0E F1 / F2 exactly the records between the counter value up to which
 * the store holds them and the terminal's (pointers Pm, Pn: records Pm ..
 * Pn - 1 modulo 256, 5.14 and the session rule that "the master reads
 * AFN0E F1 from its last pointer up to EC1"). An event whose active
 * report was lost on the channel, or came while the station was down, is
 * stored at the next read; one that did arrive is stored once (the
 * events table keys on terminal, code, start and point).
 *
 * The store's value moves only once a reply's records are stored, to the
 * reply's own Pn: a terminal that answers fewer records than asked (one
 * data unit's worth) is asked again from there. A terminal first met has
 * no stored value: it is read from 0 (a terminal keeps its last 256).
 * Records the terminal denies (AFN00 F2: overwritten since) are passed
 * over. The counters are read at most once a login or round; anything
 * else failing (timeout, bad reply) ends the read until the next one.
 */
#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/proto/gdw1376_afn.h"

#define MOD "collect"
#define EC_FN 7 /* AFN0C F7: terminal event counters now (5.12.2.4.5) */

int ctask_gdw1376_ec_request(struct mh_wr *w, uint16_t a1, uint16_t a2)
{
    return ctask_gdw1376_p0_read(w, a1, a2, EC_FN);
}

int ctask_gdw1376_ec_parse(const uint8_t *units, size_t len, uint8_t ec[2])
{
    struct mh_rd d;
    int rc = ctask_gdw1376_p0_unit(units, len, EC_FN, &d);
    if (rc != 0)
        return rc;
    ec[0] = mh_rd_u8(&d);
    ec[1] = mh_rd_u8(&d);
    return mh_rd_err(&d) ? MH_ETRUNC : 0;
}

int ctask_gdw1376_events_request(struct mh_wr *w, uint16_t a1, uint16_t a2, int counter,
                                 uint8_t pm, uint8_t pn)
{
    uint8_t unit[8];
    struct mh_wr uw;
    mh_wr_init(&uw, unit, sizeof unit);
    int rc = gdw1376_event_req_put(&uw, (uint16_t)counter, pm, pn);
    if (rc == 0)
        rc = mh_wr_err(&uw);
    if (rc != 0)
        return rc;
    struct gdw1376_req r = {.addr = {a1, a2, CTASK_MSA, 0}, .afn = GDW1376_AFN_CLASS3};
    struct gdw1376_unit u = {unit[0], unit[1], unit[2], unit[3], unit + 4, mh_wr_len(&uw) - 4};
    return gdw1376_req_encode(w, &r, &u, 1);
}

void collect_events_due(struct cterm *t)
{
    if (t->proto != FEP_PROTO_GDW1376)
        return;
    t->ev_due = 1;
    t->ev_step = CEV_COUNTERS;
}

static void events_done(void *ctx, enum fep_status status, const struct fep_reply *r);

/* The stored value of counter: records before it are in the store (MH_ENOENT: none yet). */
static int stored_value(struct cterm *t, int counter, uint8_t *v)
{
    int x = 0;
    int rc = store_event_counter_get(t->c->st, t->info.id, counter, &x);
    if (rc == 0)
        *v = (uint8_t)x;
    return rc;
}

/*
 * Where a terminal's counter stands when it has nothing to be read: by
 * the store's writer, since no record depends on it and a city's
 * terminals say so by the thousand after a restart (a transaction each on
 * the loop waited for the database every time); here only when the
 * writer's queue is full. Lost, it is put again at the next login. Should
 * it land after a later synchronous put (within one turn of the writer),
 * the records since are read again and stored once: events are idempotent.
 */
static void remember(struct cterm *t, uint8_t value)
{
    int64_t now = collect_wall_ms();
    int rc = store_event_counter_queue(t->c->st, t->info.id, t->ev_counter, value, now);
    if (rc == MH_EAGAIN)
        rc = store_event_counter_put(t->c->st, t->info.id, t->ev_counter, value, now);
    if (rc != 0)
        mh_warn(MOD, "%s: EC%u not remembered: %s", t->addr, t->ev_counter, mh_strerror(rc));
}

/*
 * The next counter from ev_counter on whose stored value is behind the
 * terminal's: ev_from/ev_to set, 1. 0 when every counter is read.
 */
static int next_range(struct cterm *t)
{
    for (; t->ev_counter <= STORE_EC_NORMAL; t->ev_counter++) {
        uint8_t from = 0, to = t->ev_ec[t->ev_counter - 1];
        int rc = stored_value(t, t->ev_counter, &from);
        if (rc != 0 && rc != MH_ENOENT)
            return 0; /* the store cannot say: read next time */
        if (from != to) {
            t->ev_from = from;
            t->ev_to = to;
            return 1;
        }
        if (rc == MH_ENOENT) /* none yet and none to read: remember where the terminal is */
            remember(t, to);
    }
    return 0;
}

int collect_events_submit(struct cterm *t)
{
    uint8_t buf[CREQ_MAX];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    int rc = t->ev_step == CEV_COUNTERS
                 ? ctask_gdw1376_ec_request(&w, t->a1, t->a2)
                 : ctask_gdw1376_events_request(&w, t->a1, t->a2, t->ev_counter, t->ev_from,
                                                t->ev_to);
    if (rc == 0)
        rc = mh_wr_err(&w);
    if (rc == 0)
        rc = collect_term_send(t, FEP_PRIO_SCHEDULED, buf, mh_wr_len(&w), events_done);
    if (rc != 1)
        t->ev_due = 0; /* not online after all, or not buildable: the next login or round */
    return rc;
}

/*
 * A reply of records: store them, then the counter up to the reply's Pn.
 * Returns 1 when the counter is read up to the terminal's, 0 when more
 * is to be asked from the new value, MH_E* when the read must stop.
 */
static int records_stored(struct cterm *t, const struct fep_reply *r)
{
    uint32_t from = 0;
    int rc = 0, got = 0;
    uint8_t end = t->ev_from;
    struct cev_batch b = {0};
    for (unsigned i = 0; i < r->n_frames && rc == 0; i++) {
        struct gdw1376_frame f;
        rc = gdw1376_frame_parse(r->bytes + from, r->ends[i] - from, 16, &f);
        from = r->ends[i];
        if (rc == 0 && f.afn != GDW1376_AFN_CLASS3)
            rc = MH_EPROTO;
        for (size_t off = 0; rc == 0 && off < f.units_len;) {
            struct gdw1376_event_reply e;
            size_t used;
            rc = gdw1376_event_reply_parse(f.units + off, f.units_len - off, &e, &used);
            /* records of the counter asked for, from where they were asked */
            if (rc == 0 && (e.fn != t->ev_counter || e.pm != end))
                rc = MH_EPROTO;
            if (rc == 0)
                rc = collect_events_store(t->c, t, e.recs, e.recs_len, &b);
            if (rc == 0) {
                end = e.pn;
                got = 1;
            }
            off += used;
        }
    }
    if (rc == 0 && !got)
        rc = MH_EPROTO;
    /* Stored before the counter moves past them (read again if this fails). */
    if (rc == 0)
        rc = cev_batch_store(t->c, t, &b);
    cev_batch_release(&b);
    if (rc == 0)
        rc = store_event_counter_put(t->c->st, t->info.id, t->ev_counter, end, collect_wall_ms());
    if (rc != 0)
        return rc;
    if (end == t->ev_to)
        return 1;
    if (end == t->ev_from)
        return MH_EPROTO; /* no progress: asked again next time */
    t->ev_from = end;
    return 0;
}

static void events_done(void *ctx, enum fep_status status, const struct fep_reply *r)
{
    struct cterm *t = ctx;
    collect_term_replied(t, status, r);
    int rc = status == FEP_DONE || (status == FEP_DENIED && t->ev_step == CEV_RECORDS) ? 0
                                                                                   : MH_EAGAIN;
    if (rc == 0 && t->ev_step == CEV_COUNTERS) {
        struct gdw1376_frame f;
        rc = r->n_frames < 1 ? MH_EPROTO : gdw1376_frame_parse(r->bytes, r->ends[0], 16, &f);
        if (rc == 0)
            rc = ctask_gdw1376_ec_parse(f.units, f.units_len, t->ev_ec);
        t->ev_counter = STORE_EC_IMPORTANT;
        if (rc == 0 && next_range(t))
            t->ev_step = CEV_RECORDS;
        else
            t->ev_due = 0;
    } else if (status == FEP_DENIED) {
        /* AFN00 F2: the terminal keeps none of them (overwritten): go on from its counter. */
        mh_warn(MOD, "%s: events %u..%u of EC%u no longer kept", t->addr, t->ev_from, t->ev_to,
                t->ev_counter);
        rc = store_event_counter_put(t->c->st, t->info.id, t->ev_counter, t->ev_to,
                                     collect_wall_ms());
        t->ev_counter++;
        if (rc == 0 && !next_range(t))
            t->ev_due = 0;
    } else if (rc == 0) {
        rc = records_stored(t, r);
        if (rc == 1) {
            t->ev_counter++;
            if (!next_range(t))
                t->ev_due = 0;
        }
    }
    if (rc < 0) {
        if (status == FEP_DONE)
            mh_warn(MOD, "%s: events not read: %s", t->addr, mh_strerror(rc));
        t->ev_due = 0;
    }
    collect_term_resume(t);
}
