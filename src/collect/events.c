/*
 * Active reports: a Q/GDW 1376.1 terminal pushes its important events
 * (AFN0E F1, C = C4, CON) and sends them again until the master confirms.
 * Each ERC record becomes an event row (code = ERC, the occurrence time in
 * UTC, the measurement point in the payload); the report is confirmed
 * (fep_report_stored) only once every record of it is committed: the
 * records go to the store's writer as one batch and the confirmation is
 * sent from its commit (reports.c). A report that cannot be decoded or
 * stored is left unconfirmed: the terminal sends it again.
 *
 * ERC9 (current loop) and ERC10 (voltage loop abnormal) say in D7..D6 of
 * their flags byte which abnormality it is and in D2..D0 the phases
 * (appendix B, ERC9/ERC10); the payload carries both as "kind" and
 * "phases", so that a phase failure and a voltage loss, one ERC, are told
 * apart without decoding the record again.
 *
 * A DL/T 698.45 terminal pushes REPORT-Notification (C = 83) of event
 * records (task_dlt698_events.c). Each record becomes an event row with the
 * object's 1376.1 ERC as its code where one exists (else the OI), the
 * meter the record names (202A / 2024 TSA; none: the terminal's own meter
 * for a meter event 30xx, the terminal itself for 31xx) as its meter and
 * measurement point, and a second row, start 0 at the end time, once the
 * record carries an end: the restoration a 1376.1 terminal reports as a
 * record of its own. The fep's REPORT-Response goes out once all are stored.
 */
#include <stdio.h>
#include <stdlib.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/gdw1376_afn.h"

#define MOD "collect"
#define POINTS_698_MAX 2048 /* measurement points of one 698.45 terminal looked up for its events */

/* Local wall-clock time of the terminal as UTC epoch seconds (minute and second kept); 0: none. */
static int64_t local_to_utc(const struct collect *c, const struct mh_tm *tm)
{
    int64_t s;
    if (mh_tm_to_epoch(tm, &s) != 0)
        return 0;
    return s - (int64_t)c->cfg.utc_offset_min * 60;
}

/* ERC9 / ERC10 flags D7..D6 (appendix B): the abnormality's name; NULL for the reserved 00. */
static const struct {
    uint8_t erc;
    const char *kind[4];
} loop_kinds[] = {
    {9, {NULL, "short_circuit", "open_circuit", "reverse"}},
    {10, {NULL, "phase_failure", "voltage_loss", NULL}},
};

/*
 * The record's payload: ERC, pn, start flag, name and, for ERC9/ERC10, the
 * abnormality and its phases. Returns the length written (snprintf's).
 */
int collect_erc_payload(const struct gdw1376_erc *e, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "{\"erc\":%u,\"pn\":%u,\"start\":%u,\"name\":\"%s\"", e->erc,
                     e->pn, e->start, e->name ? e->name : "");
    for (size_t i = 0; i < sizeof loop_kinds / sizeof loop_kinds[0]; i++) {
        /* fields: time, pn, flags (BIN1) */
        if (loop_kinds[i].erc != e->erc || !e->known || e->n_fields < 3 ||
            e->v[2].kind != GDW1376_V_NUM || n < 0 || (size_t)n >= cap)
            continue;
        int64_t flags = e->v[2].num.m;
        const char *kind = loop_kinds[i].kind[(flags >> 6) & 3];
        char ph[4];
        size_t k = 0;
        for (int b = 0; b < 3; b++)
            if (flags & (1 << b))
                ph[k++] = (char)('A' + b);
        ph[k] = 0;
        n += snprintf(buf + n, cap - (size_t)n, ",\"kind\":\"%s\",\"phases\":\"%s\"",
                      kind ? kind : "reserved", ph);
    }
    if (n >= 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, "}");
    return n;
}

int collect_events_store(struct collect *c, const struct cterm *t, const uint8_t *recs, size_t len,
                         struct cev_batch *b)
{
    struct mh_rd r;
    mh_rd_init(&r, recs, len);
    while (mh_rd_left(&r) > 0) {
        struct gdw1376_erc e;
        size_t before = r.off;
        int rc = gdw1376_erc_next(&r, &e);
        if (rc != 0 && r.off == before)
            return rc;
        if (rc != 0)
            continue; /* a whole record with a bad field: skipped, the others kept */
        int64_t start = 0;
        if (e.known && e.n_fields > 0 && e.v[0].kind == GDW1376_V_TIME) {
            struct mh_tm tm = e.v[0].time;
            tm.sec = 0;
            tm.has |= MH_TM_SEC;
            start = local_to_utc(c, &tm);
        }
        char payload[COLLECT_PAYLOAD_MAX];
        rc = collect_erc_payload(&e, payload, sizeof payload);
        if (rc < 0 || (size_t)rc >= sizeof payload)
            return MH_EOVERFLOW;
        struct store_event ev = {.terminal = t->info.id, .code = e.erc, .start_s = start,
                                 .payload_json = payload,
                                 /* the same ERC at the same minute on another pn, or its restore */
                                 .seq = (int64_t)e.pn << 8 | e.start};
        rc = cev_batch_add(b, &ev);
        if (rc != 0)
            return rc;
    }
    return 0;
}

struct report698 {
    struct collect *c;
    const struct cterm *t;
    const struct store_point *pts;
    int n;
    struct cev_batch *b;
};

/* One 698.45 event record: its row, and its restoration's when it has ended. */
static int store_698_event(void *ctx, const struct ctask_698_event *e)
{
    struct report698 *r = ctx;
    int64_t meter = 0;
    int pn = -1;
    if (e->has_meter) {
        for (int k = 0; k < r->n && pn < 0; k++)
            if (r->pts[k].address == e->meter)
                meter = r->pts[k].meter, pn = r->pts[k].pn;
    } else if (e->oi < 0x3100 && r->n > 0) {
        meter = r->pts[0].meter; /* a meter event of the terminal's own meter (its first point) */
        pn = r->pts[0].pn;
    } else {
        pn = 0; /* the terminal's own event */
    }
    uint32_t code = ctask_dlt698_event_code(e->oi);
    int64_t start = local_to_utc(r->c, &e->start);
    int64_t end = e->end.has ? local_to_utc(r->c, &e->end) : 0;
    /* ERC10 covers both 3000 and 3003: the analysis tells them apart by "kind" (as for a
     * 1376.1 record's D7-D6). */
    const char *kind = e->oi == 0x3000 ? ",\"kind\":\"voltage_loss\""
                       : e->oi == 0x3003 ? ",\"kind\":\"phase_failure\""
                                         : "";
    char who[80] = "";
    if (e->has_meter)
        snprintf(who, sizeof who, "%s,\"meter\":\"%012llu\"", kind, (unsigned long long)e->meter);
    else
        snprintf(who, sizeof who, "%s", kind);
    for (int restored = 0; restored <= (end > 0); restored++) {
        char payload[160];
        if (pn >= 0)
            snprintf(payload, sizeof payload,
                     "{\"erc\":%u,\"pn\":%d,\"start\":%d,\"oi\":\"%04X\",\"record\":%u%s}", code,
                     pn, !restored, e->oi, e->seqno, who);
        else /* a meter the archive does not list under this terminal */
            snprintf(payload, sizeof payload,
                     "{\"erc\":%u,\"start\":%d,\"oi\":\"%04X\",\"record\":%u%s}", code,
                     !restored, e->oi, e->seqno, who);
        struct store_event ev = {.meter = meter, .terminal = r->t->info.id, .code = code,
                                 .start_s = restored ? end : start, .end_s = restored ? 0 : end,
                                 .payload_json = payload,
                                 .seq = (int64_t)(pn < 0 ? 0 : pn) << 8 | !restored};
        int rc = cev_batch_add(r->b, &ev);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A 698.45 REPORT-Notification frame: every event record into b, or an error. */
static int store_698_report(struct collect *c, const struct cterm *t, const uint8_t *frame,
                            size_t len, struct cev_batch *b)
{
    struct dlt698_frame f;
    int rc = dlt698_frame_parse(frame, len, &f);
    if (rc != 0)
        return rc;
    uint8_t *apdu = malloc(f.apdu_len + 1);
    struct store_point *pts = malloc(POINTS_698_MAX * sizeof *pts);
    if (!apdu || !pts) {
        free(apdu);
        free(pts);
        return MH_ENOMEM;
    }
    for (size_t i = 0; i < f.apdu_len; i++) /* C.D3 SC: each byte + 0x33 on the wire */
        apdu[i] = (uint8_t)((f.c & DLT698_C_SC) ? f.apdu[i] - 0x33 : f.apdu[i]);
    int n = store_terminal_points(c->st, t->info.id, pts, POINTS_698_MAX);
    struct report698 r = {c, t, pts, n > 0 ? n : 0, b};
    rc = ctask_dlt698_report_parse(apdu, f.apdu_len, store_698_event, &r);
    free(apdu);
    free(pts);
    return rc < 0 ? rc : 0;
}

/*
 * The report's records decoded into b, then stored and confirmed: through
 * the writer (confirmed after its commit), or, without the reports' queue,
 * one by one now and confirmed at once.
 */
static void report_store(struct collect *c, const struct cterm *t, uint64_t token,
                         struct cev_batch *b)
{
    int rc = c->reports ? collect_report_submit(c, t, token, b) : cev_batch_store(c, t, b);
    if (rc != 0)
        mh_warn(MOD, "%s: report not stored: %s", t->addr, mh_strerror(rc));
    else if (!c->reports && token)
        fep_report_stored(c->fep, token);
}

void collect_on_report(void *ctx, const char *addr, uint64_t token, const uint8_t *frame,
                       size_t len)
{
    struct collect *c = ctx;
    const struct cterm *t = collect_term_find(c, addr);
    struct cev_batch b = {0};
    if (t && t->proto == FEP_PROTO_DLT698) {
        int rc = store_698_report(c, t, frame, len, &b);
        if (rc != 0)
            mh_warn(MOD, "%s: 698.45 report not stored: %s", addr, mh_strerror(rc));
        else
            report_store(c, t, token, &b);
        cev_batch_release(&b);
        return;
    }
    if (t && t->proto != FEP_PROTO_GDW1376) {
        mh_debug(MOD, "%s: report of protocol %u not handled", addr, (unsigned)t->proto);
        return;
    }
    struct gdw1376_frame f;
    int rc = t ? gdw1376_frame_parse(frame, len, 16, &f) : MH_ENOENT;
    if (rc == 0 && f.afn != GDW1376_AFN_CLASS3)
        rc = MH_ENOTSUP;
    size_t off = 0;
    while (rc == 0 && off < f.units_len) {
        struct gdw1376_event_reply e;
        size_t used;
        rc = gdw1376_event_reply_parse(f.units + off, f.units_len - off, &e, &used);
        if (rc == 0)
            rc = collect_events_store(c, t, e.recs, e.recs_len, &b);
        off += used;
    }
    if (rc != 0)
        mh_warn(MOD, "%s: report not stored: %s", addr, mh_strerror(rc));
    else
        report_store(c, t, token, &b);
    cev_batch_release(&b);
}

void collect_on_event(struct collect *c, collect_event_fn fn, void *ctx)
{
    c->event_fn = fn;
    c->event_ctx = ctx;
}
