/*
 * Active reports: a Q/GDW 1376.1 terminal pushes its important events
 * (AFN0E F1, C = C4, CON) and sends them again until the master confirms.
 * Each ERC record becomes an event row (code = ERC, the occurrence time in
 * UTC, the measurement point in the payload); the report is confirmed
 * (fep_report_stored) only once every record of it is in the store, which
 * writes events synchronously. A report that cannot be decoded or stored
 * is left unconfirmed: the terminal sends it again.
 *
 * ERC9 (current loop) and ERC10 (voltage loop abnormal) say in D7..D6 of
 * their flags byte which abnormality it is and in D2..D0 the phases
 * (appendix B, ERC9/ERC10); the payload carries both as "kind" and
 * "phases", so that a phase failure and a voltage loss, one ERC, are told
 * apart without decoding the record again.
 */
#include <stdio.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/proto/gdw1376_afn.h"

#define MOD "collect"

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

int collect_events_store(struct collect *c, const struct cterm *t, const uint8_t *recs,
                         size_t len)
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
            if (mh_tm_to_epoch(&tm, &start) == 0)
                start -= (int64_t)c->cfg.utc_offset_min * 60;
            else
                start = 0;
        }
        char payload[COLLECT_PAYLOAD_MAX];
        rc = collect_erc_payload(&e, payload, sizeof payload);
        if (rc < 0 || (size_t)rc >= sizeof payload)
            return MH_EOVERFLOW;
        struct store_event ev = {.terminal = t->info.id, .code = e.erc, .start_s = start,
                                 .payload_json = payload,
                                 /* the same ERC at the same minute on another pn, or its restore */
                                 .seq = (int64_t)e.pn << 8 | e.start};
        rc = store_event_insert(c->st, &ev);
        if (rc != 0)
            return rc;
        if (c->event_fn)
            c->event_fn(c->event_ctx, t->addr, &ev);
        if (c->obs.event)
            c->obs.event(c->obs.ctx, &t->info, &ev);
    }
    return 0;
}

void collect_on_report(void *ctx, const char *addr, uint64_t token, const uint8_t *frame,
                       size_t len)
{
    struct collect *c = ctx;
    const struct cterm *t = collect_term_find(c, addr);
    if (t && t->proto != FEP_PROTO_GDW1376) {
        /* NEEDSWORK: 698.45 REPORT-Notification records; left unconfirmed, the terminal resends. */
        mh_debug(MOD, "%s: 698.45 report not handled yet", addr);
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
            rc = collect_events_store(c, t, e.recs, e.recs_len);
        off += used;
    }
    if (rc != 0) {
        mh_warn(MOD, "%s: report not stored: %s", addr, mh_strerror(rc));
        return;
    }
    if (token)
        fep_report_stored(c->fep, token);
}

void collect_on_event(struct collect *c, collect_event_fn fn, void *ctx)
{
    c->event_fn = fn;
    c->event_ctx = ctx;
}
