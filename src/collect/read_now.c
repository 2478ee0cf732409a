/*
 * On-demand reads of current values (collect.h collect_read_now).
 *
 * What is read comes from one const table: per family of items, the Q/GDW
 * 1376.1 AFN0C Fn, the DL/T 698.45 attribute and the DL/T 645-2007 block
 * identifier that carry it. A read asks for the sources of the families of
 * the items requested, decodes each reply with the codec's own dictionary
 * walkers (the 1376.1 Fn walker, dlt698_readings, dlt645_frame_values) and
 * keeps exactly the items asked for: the codecs say which value is which,
 * never this file.
 *
 * Requests go to the fep at FEP_PRIO_DEMAND, so they overtake a round's
 * requests queued for the same terminal, scheduled or started now, and
 * may go out beside the one in flight (fep.h, the lane); they do not take
 * a slot of the channel group: an operator's read is one exchange, and
 * waiting behind a city's round is what it must not do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/dlt698_data.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "meterhub/proto/item.h"

#define MOD "collect"
#define C_CLIENT_REQUEST 0x43 /* DL/T 698.45 clause 7: DIR 0, PRM 1, user data */
#define CA_MASTER 0x10
#define NODES_MAX 64
#define VALUES_MAX 64

/*
 * A family: the items whose OBIS C is one of c[] and D is d (tariffs in E
 * come with the total). 1376.1 AFN0C Fn (Appendix: F25 current power,
 * voltage, current; F129 / F131 forward / reverse active energy), DL/T
 * 698.45 OAD (0010 / 0020 energy, 2000 voltage, 2001 current, 2004 active
 * power, attribute 2) and DL/T 645-2007 DI (A.1 energy blocks, A.3
 * instantaneous blocks: DI1 = FF all phases or tariffs).
 */
static const struct now_src {
    uint8_t c[4], d;
    uint16_t fn;
    uint32_t oad, di;
} now_src[] = {
    {{1}, 8, 129, 0x00100200u, 0x0001FF00u},
    {{2}, 8, 131, 0x00200200u, 0x0002FF00u},
    {{32, 52, 72}, 7, 25, 0x20000200u, 0x0201FF00u},
    {{31, 51, 71}, 7, 25, 0x20010200u, 0x0202FF00u},
    {{1, 21, 41, 61}, 7, 25, 0x20040200u, 0x0203FF00u},
};
#define N_SRC (sizeof now_src / sizeof now_src[0])

static const struct now_src *src_of(uint32_t item)
{
    if (MH_OBIS_A(item) != 1 || MH_OBIS_B(item) != 0)
        return NULL;
    for (size_t i = 0; i < N_SRC; i++) {
        const struct now_src *s = &now_src[i];
        if (MH_OBIS_D(item) != s->d || (s->d == 7 && MH_OBIS_E(item) != 0))
            continue;
        for (size_t k = 0; k < 4 && s->c[k]; k++)
            if (MH_OBIS_C(item) == s->c[k])
                return s;
    }
    return NULL;
}

int collect_read_item_ok(uint32_t item)
{
    return src_of(item) != NULL;
}

/* How a read reaches the meter: the terminal's own data, or through it. */
enum via_kind { VIA_TERMINAL, VIA_FORWARD_1376, VIA_PROXY_698 };

/* One read in progress: its meters, its sources, the DL/T 645 step, the values so far. */
struct now_op {
    struct collect *c;
    struct cterm *t;
    collect_read_fn done;
    void *ctx;
    uint32_t items[COLLECT_READ_ITEMS_MAX];
    size_t n_items;
    uint32_t timeout_ms;
    uint16_t pn[COLLECT_READ_METERS_MAX];
    int64_t meter[COLLECT_READ_METERS_MAX];
    size_t n_meters;
    size_t steps, step; /* requests of the read (DL/T 645: one per source), the one in flight */
    struct collect_read_result res;
    int forward;        /* enum via_kind: to the meter through the terminal */
    uint8_t maddr[6];   /* the meter's DL/T 645 address (wire order) */
    uint8_t mproto;     /* the meter's enum archive_protocol */
};

static int wanted(const struct now_op *op, uint32_t item)
{
    for (size_t i = 0; i < op->n_items; i++)
        if (op->items[i] == item)
            return 1;
    return 0;
}

static void take(void *ctx, uint16_t pn, uint32_t item, const struct mh_dec *v)
{
    struct now_op *op = ctx;
    if (!v || !wanted(op, item) || op->res.n >= COLLECT_READ_VALUES_MAX)
        return;
    for (size_t k = 0; k < op->n_meters; k++) {
        if (op->pn[k] != pn)
            continue;
        struct collect_read_value *o = &op->res.v[op->res.n++];
        o->meter = op->meter[k];
        o->item = item;
        o->value = *v;
        return;
    }
}

/* ---- requests ---- */

/* The distinct sources of items, in the order first needed; 0 when an item has none. */
static size_t sources(const uint32_t *items, size_t n, const struct now_src **src)
{
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        const struct now_src *s = src_of(items[i]);
        if (!s)
            return 0;
        size_t k = 0;
        while (k < ns && src[k] != s)
            k++;
        if (k == ns)
            src[ns++] = s;
    }
    return ns;
}

int ctask_now_steps(uint8_t proto, const uint32_t *items, size_t n)
{
    const struct now_src *src[N_SRC];
    size_t ns = n ? sources(items, n, src) : 0;
    if (ns == 0)
        return MH_EINVAL;
    return proto == FEP_PROTO_DLT645 ? (int)ns : 1;
}

uint32_t ctask_now_di(const uint32_t *items, size_t n, unsigned step)
{
    const struct now_src *src[N_SRC];
    size_t ns = sources(items, n, src);
    return step < ns ? src[step]->di : 0;
}

/* AFN0C for pn[0..n) (one DA group): one unit per group of eight Fn (DT, 5.2.3.3.2). */
static int request_1376(struct mh_wr *w, uint16_t a1, uint16_t a2, const uint16_t *pn, size_t n,
                        const struct now_src **src, size_t ns)
{
    struct gdw1376_unit u[N_SRC];
    size_t nu = 0;
    uint8_t da1, da2;
    int rc = gdw1376_da_set(pn, n, &da1, &da2);
    for (size_t i = 0; i < ns && rc == 0; i++) {
        uint16_t fns[N_SRC];
        size_t nf = 0, g = (src[i]->fn - 1u) / 8u;
        int seen = 0;
        for (size_t k = 0; k < i; k++)
            seen |= (src[k]->fn - 1u) / 8u == g;
        if (seen)
            continue;
        for (size_t k = i; k < ns; k++) {
            int dup = 0;
            for (size_t m = 0; m < nf; m++)
                dup |= fns[m] == src[k]->fn;
            if ((src[k]->fn - 1u) / 8u == g && !dup)
                fns[nf++] = src[k]->fn;
        }
        u[nu] = (struct gdw1376_unit){da1, da2, 0, 0, NULL, 0};
        rc = gdw1376_dt_set(fns, nf, &u[nu].dt1, &u[nu].dt2);
        nu++;
    }
    if (rc != 0)
        return rc;
    struct gdw1376_req r = {.addr = {a1, a2, CTASK_MSA, 0}, .afn = GDW1376_AFN_CLASS1};
    return gdw1376_req_encode(w, &r, u, nu);
}

/* The APDU in aw (its encoder returned rc) as a client request frame to sa. */
static int client_frame(struct mh_wr *w, const uint8_t sa[6], int rc, const struct mh_wr *aw)
{
    if (rc == 0)
        rc = mh_wr_err(aw);
    if (rc != 0)
        return rc;
    return dlt698_frame_encode(w, C_CLIENT_REQUEST, 0x05, sa, CA_MASTER, aw->p, mh_wr_len(aw));
}

/* GET-Request-NormalList of the sources' attributes (clause 7.3.2, ServiceType 2). */
static int request_698(struct mh_wr *w, const uint8_t sa[6], const struct now_src **src, size_t ns)
{
    uint32_t oads[N_SRC];
    uint8_t apdu[16 + N_SRC * 4];
    for (size_t i = 0; i < ns; i++)
        oads[i] = src[i]->oad;
    struct mh_wr aw;
    mh_wr_init(&aw, apdu, sizeof apdu);
    int rc = dlt698_enc_get_list(&aw, DLT698_PIID(0, 0), oads, ns);
    return client_frame(w, sa, rc, &aw);
}

int ctask_now_request(struct mh_wr *w, uint8_t proto, uint16_t a1, uint16_t a2,
                      const uint8_t sa[6], const uint16_t *pn, size_t n, const uint32_t *items,
                      size_t n_items, unsigned step)
{
    const struct now_src *src[N_SRC];
    size_t ns = n_items ? sources(items, n_items, src) : 0;
    if (ns == 0 || n == 0)
        return MH_EINVAL;
    if (proto == FEP_PROTO_DLT645)
        return step < ns ? dlt645_enc_read(w, sa, DLT645_2007, src[step]->di) : MH_ERANGE;
    return proto == FEP_PROTO_DLT698 ? request_698(w, sa, src, ns)
                                     : request_1376(w, a1, a2, pn, n, src, ns);
}

/* ---- replies ---- */

static int reply_1376(const uint8_t *p, size_t len, ctask_value_fn out, void *ctx)
{
    struct gdw1376_frame f;
    int rc = gdw1376_frame_parse(p, len, 16, &f);
    if (rc != 0)
        return rc;
    if (f.afn != GDW1376_AFN_CLASS1)
        return MH_EPROTO;
    struct gdw1376_units_it it;
    uint16_t pn, fn;
    gdw1376_units_begin(&it, f.units, f.units_len);
    while ((rc = gdw1376_units_next(&it, &pn, &fn)) == 1) {
        const struct gdw1376_fn_def *d = gdw1376_fn_lookup(GDW1376_AFN_CLASS1, fn);
        if (!d)
            return MH_EUNKNOWN; /* its length cannot be known: the rest is lost */
        const uint8_t *q = it.r.p + it.r.off;
        size_t size;
        rc = gdw1376_fn_data_size(d, q, mh_rd_left(&it.r), &size);
        if (rc != 0)
            return rc;
        struct gdw1376_walk wk;
        struct gdw1376_dv dv;
        gdw1376_walk_init(&wk, d, q, size);
        while ((rc = gdw1376_walk_next(&wk, &dv)) == 1)
            if (dv.field->role == GDW1376_R_VALUE && dv.item && dv.v.kind == GDW1376_V_NUM)
                out(ctx, pn, dv.item, &dv.v.num);
        if (rc < 0)
            return rc;
        mh_rd_skip(&it.r, size);
    }
    return rc;
}

static int normal_values(const struct dlt698_items *items, uint16_t pn, ctask_value_fn fn,
                         void *ctx);

static int reply_698(const uint8_t *p, size_t len, uint16_t pn, ctask_value_fn fn, void *ctx)
{
    struct dlt698_frame f;
    struct dlt698_apdu a;
    int rc = dlt698_frame_parse(p, len, &f);
    if (rc == 0)
        rc = dlt698_apdu_decode(f.apdu, f.apdu_len, &a);
    if (rc != 0)
        return rc;
    if (a.tag != DLT698_GET_RESPONSE || a.items.kind != DLT698_ITEM_RESULT_NORMAL)
        return MH_EPROTO;
    return normal_values(&a.items, pn, fn, ctx);
}

/* Each A-ResultNormal of items with data: its readings as fn(pn, item, value). 0 or MH_E*. */
static int normal_values(const struct dlt698_items *items, uint16_t pn, ctask_value_fn fn,
                         void *ctx)
{
    int rc;
    struct dlt698_iter it;
    union dlt698_item item;
    dlt698_items_begin(items, &it);
    while ((rc = dlt698_items_next(&it, &item)) == 1) {
        if (!item.rn.data.p)
            continue; /* a DAR: the terminal has no such object */
        struct dlt698_node nodes[NODES_MAX];
        struct dlt698_reading rd[VALUES_MAX];
        struct mh_rd r;
        mh_rd_init(&r, item.rn.data.p, item.rn.data.len);
        int nn = dlt698_data_decode(&r, nodes, NODES_MAX);
        if (nn < 0)
            return nn;
        int nr = dlt698_readings(item.rn.oad, nodes, (size_t)nn, 0, rd, VALUES_MAX);
        if (nr < 0)
            return nr;
        for (int i = 0; i < nr; i++)
            if (rd[i].numeric)
                fn(ctx, pn, rd[i].item, &rd[i].value);
    }
    return rc;
}

static int reply_645(const uint8_t *p, size_t len, const uint8_t sa[6], uint32_t want,
                     uint16_t pn, ctask_value_fn fn, void *ctx)
{
    struct dlt645_frame f;
    int rc = dlt645_frame_parse(p, len, &f);
    if (rc != 0)
        return rc;
    if (!(f.ctrl & DLT645_CTRL_DIR) || (f.ctrl & DLT645_CTRL_FUNC) != DLT645_READ ||
        memcmp(f.addr, sa, 6) != 0)
        return MH_EPROTO;
    if (f.ctrl & DLT645_CTRL_ABNORMAL)
        return 0; /* the meter has no such block: nothing of it */
    struct dlt645_value v[VALUES_MAX];
    uint32_t di = 0;
    int n = dlt645_frame_values(&f, DLT645_2007, &di, v, VALUES_MAX);
    if (n < 0)
        return n;
    if (di != want)
        return MH_EPROTO;
    for (int i = 0; i < n; i++)
        if (v[i].kind == DLT645_V_NUM)
            fn(ctx, pn, v[i].item, &v[i].num);
    return 0;
}

int ctask_now_parse(uint8_t proto, const uint8_t *frame, size_t len, const uint8_t sa[6],
                    uint32_t di, uint16_t pn, ctask_value_fn fn, void *ctx)
{
    return proto == FEP_PROTO_DLT645   ? reply_645(frame, len, sa, di, pn, fn, ctx)
           : proto == FEP_PROTO_DLT698 ? reply_698(frame, len, pn, fn, ctx)
                                       : reply_1376(frame, len, fn, ctx);
}

/* ---- through the terminal's transparent forward ---- */

/*
 * The forward's serial settings (AFN10 F1, 5.16.1.2): 2400 baud, even
 * parity, 8 data bits, one stop bit (DL/T 645-2007 4.1), the meter's
 * answer awaited 5 s, 100 ms between its bytes.
 */
#define FWD_CTRL (3u << 5 | 1u << 3 | 3u)
#define FWD_TIMEOUT (0x80u | 5u)
#define FWD_BYTE_10MS 10u

int ctask_now_forward_request(struct mh_wr *w, uint16_t a1, uint16_t a2, uint8_t port,
                              const uint8_t maddr[6], const uint32_t *items, size_t n_items,
                              unsigned step)
{
    uint32_t di = n_items ? ctask_now_di(items, n_items, step) : 0;
    if (di == 0)
        return MH_EINVAL;
    uint8_t m[DLT645_MAX_DATA + 16], data[DLT645_MAX_DATA + 24]; /* a read: a few bytes */
    struct mh_wr mw, dw;
    mh_wr_init(&mw, m, sizeof m);
    int rc = dlt645_enc_read(&mw, maddr, DLT645_2007, di);
    if (rc == 0)
        rc = mh_wr_err(&mw);
    struct gdw1376_forward f = {.port = port, .ctrl = FWD_CTRL, .timeout = FWD_TIMEOUT,
                                .byte_timeout_10ms = FWD_BYTE_10MS,
                                .len = (uint16_t)mh_wr_len(&mw), .frame = m};
    mh_wr_init(&dw, data, sizeof data);
    if (rc == 0)
        rc = gdw1376_forward_put(&dw, &f);
    if (rc == 0)
        rc = mh_wr_err(&dw);
    if (rc != 0)
        return rc;
    struct gdw1376_unit u = {0, 0, 0x01, 0x00, data, mh_wr_len(&dw)}; /* p0, F1 */
    struct gdw1376_req r = {.addr = {a1, a2, CTASK_MSA, 0}, .afn = GDW1376_AFN_FORWARD,
                            .pw_len = 16};
    return gdw1376_req_encode(w, &r, &u, 1);
}

int ctask_now_forward_parse(const uint8_t *frame, size_t len, const uint8_t maddr[6], uint32_t di,
                            uint16_t pn, ctask_value_fn fn, void *ctx)
{
    struct gdw1376_frame f;
    int rc = gdw1376_frame_parse(frame, len, 16, &f);
    if (rc != 0)
        return rc;
    struct gdw1376_forward fw;
    rc = gdw1376_forward_answer(&f, &fw);
    if (rc != 0)
        return rc;
    return reply_645(fw.frame, fw.len, maddr, di, pn, fn, ctx);
}

/*
 * DL/T 698.45 PROXY-Request GetRequestList (clause 8, choice 1): the items'
 * attributes of the meter behind the terminal, named by its TSA (flags 05:
 * a 6-byte server address; the address most significant byte first).
 */
#define PROXY_TIMEOUT_S 10 /* the whole request */
#define PROXY_METER_S 5    /* the meter's answer */

int ctask_now_proxy_request(struct mh_wr *w, const uint8_t sa[6], const uint8_t maddr[6],
                            const uint32_t *items, size_t n_items)
{
    const struct now_src *src[N_SRC];
    size_t ns = n_items ? sources(items, n_items, src) : 0;
    if (ns == 0)
        return MH_EINVAL;
    uint32_t oads[N_SRC];
    for (size_t i = 0; i < ns; i++)
        oads[i] = src[i]->oad;
    uint8_t tsa[7] = {0x05};
    for (int i = 0; i < 6; i++)
        tsa[1 + i] = maddr[5 - i];
    struct dlt698_proxy_target tg = {{tsa, sizeof tsa}, PROXY_METER_S, oads, ns};
    uint8_t apdu[32 + N_SRC * 4];
    struct mh_wr aw;
    mh_wr_init(&aw, apdu, sizeof apdu);
    int rc = dlt698_enc_proxy_request(&aw, 1, DLT698_PIID(0, 0), PROXY_TIMEOUT_S, &tg, 1, NULL);
    return client_frame(w, sa, rc, &aw);
}

int ctask_now_proxy_parse(const uint8_t *frame, size_t len, uint16_t pn, ctask_value_fn fn,
                          void *ctx)
{
    struct dlt698_frame f;
    struct dlt698_apdu a;
    int rc = dlt698_frame_parse(frame, len, &f);
    if (rc == 0)
        rc = dlt698_apdu_decode(f.apdu, f.apdu_len, &a);
    if (rc != 0)
        return rc;
    if (a.tag != DLT698_PROXY_RESPONSE || a.items.kind != DLT698_ITEM_PROXY_RESP ||
        a.items.sub != DLT698_ITEM_RESULT_NORMAL)
        return MH_EPROTO;
    struct dlt698_iter it;
    union dlt698_item entry;
    dlt698_items_begin(&a.items, &it);
    while ((rc = dlt698_items_next(&it, &entry)) == 1) {
        rc = normal_values(&entry.px.sub, pn, fn, ctx); /* one meter asked: its entry */
        if (rc < 0)
            return rc;
    }
    return rc;
}

/* ---- the exchange ---- */

static int submit_next(struct now_op *op);

/* The readings are committed (or their batch failed): now, and only now, the caller hears. */
static void durable(void *ctx, int status)
{
    struct now_op *op = ctx;
    if (status != 0 && op->res.status == 0)
        op->res.status = MH_EIO;
    op->done(op->ctx, &op->res);
    free(op);
}

/*
 * The read is over: its values go to the store's writer, and done runs once
 * they are committed, on the writer's thread (store.h), so a caller that
 * answers with the values never answers before they are durable. Without
 * values (or when the append is refused) done runs here, on the loop.
 * They go by the writer's urgent queue: during a round the main queue
 * holds the round's readings by the hundred thousand, and an operator's
 * read would otherwise wait for all of them to be committed.
 *
 * Under serve --procs several processes write one SQLite file; the
 * urgent transaction claims the next turn at its write lock
 * (src/store/sqlite/sqlite_turns.c), so the reading batches of both
 * processes give way to it: during the city's round this commit took at
 * most 65 ms (it took up to 3.1 s while it waited for its turn like any
 * other writer).
 */
static void finish(struct now_op *op, int status)
{
    struct cterm *t = op->t;
    op->res.status = status;
    if (op->res.n) {
        struct store_reading r[COLLECT_READ_VALUES_MAX];
        for (size_t i = 0; i < op->res.n; i++)
            r[i] = (struct store_reading){
                .meter = op->res.v[i].meter, .item = op->res.v[i].item, .quality = STORE_Q_VALID,
                .protocol = t->proto == FEP_PROTO_DLT698   ? ARCHIVE_PROTO_DLT698
                            : t->proto == FEP_PROTO_DLT645 ? t->info.protocol
                                                           : ARCHIVE_PROTO_GDW1376,
                .t = ctask_realtime_time(op->res.t), .value = op->res.v[i].value, .terminal = t->info.id,
                .received_ms = op->res.received_ms};
        int rc = store_readings_append_urgent(op->c->st, r, op->res.n, 0, durable, op);
        if (rc == 0)
            return;
        mh_warn(MOD, "%s: on-demand readings not stored: %s", t->addr, mh_strerror(rc));
        op->res.status = status ? status : MH_EIO;
    }
    op->done(op->ctx, &op->res);
    free(op);
}

static int status_err(enum fep_status s)
{
    switch (s) {
    case FEP_DONE: return 0;
    case FEP_TIMEOUT: return MH_ETIMEDOUT;
    case FEP_DENIED: return MH_EPROTO;
    case FEP_DECODE: return MH_EPROTO;
    case FEP_OFFLINE: return MH_ECLOSED;
    default: return MH_ECLOSED;
    }
}

static void on_reply(void *ctx, enum fep_status status, const struct fep_reply *r)
{
    struct now_op *op = ctx;
    op->res.fep_status = (int)status;
    op->res.received_ms = collect_wall_ms();
    if (r)
        op->res.device_ms += r->wire_ms;
    if (status != FEP_DONE) {
        finish(op, status_err(status));
        return;
    }
    int rc = 0;
    uint32_t from = 0;
    for (unsigned i = 0; i < r->n_frames && rc == 0; i++) {
        const uint8_t *p = r->bytes + from;
        size_t len = r->ends[i] - from;
        from = r->ends[i];
        uint32_t di = ctask_now_di(op->items, op->n_items, (unsigned)op->step);
        rc = op->forward == VIA_FORWARD_1376
                 ? ctask_now_forward_parse(p, len, op->maddr, di, op->pn[0], take, op)
             : op->forward == VIA_PROXY_698
                 ? ctask_now_proxy_parse(p, len, op->pn[0], take, op)
                 : ctask_now_parse(op->t->proto, p, len, op->t->sa, di, op->pn[0], take, op);
    }
    if (rc < 0)
        mh_warn(MOD, "%s: on-demand reply not decoded: %s", op->t->addr, mh_strerror(rc));
    if (rc >= 0 && ++op->step < op->steps) {
        rc = submit_next(op);
        if (rc == 0)
            return;
    }
    finish(op, rc < 0 ? rc : 0);
}

static int submit_next(struct now_op *op)
{
    uint8_t buf[CREQ_MAX];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    /* A concentrator reaches its meters over its carrier port 31, others over RS-485 port 2
       (AFN04 F10's port numbers). */
    uint8_t port = op->t->info.kind == ARCHIVE_KIND_CONCENTRATOR ? 31 : 2;
    int rc = op->forward == VIA_FORWARD_1376
                 ? ctask_now_forward_request(&w, op->t->a1, op->t->a2, port, op->maddr, op->items,
                                             op->n_items, (unsigned)op->step)
             : op->forward == VIA_PROXY_698
                 ? ctask_now_proxy_request(&w, op->t->sa, op->maddr, op->items, op->n_items)
                 : ctask_now_request(&w, op->t->proto, op->t->a1, op->t->a2, op->t->sa, op->pn,
                                     op->n_meters, op->items, op->n_items, (unsigned)op->step);
    if (rc == 0)
        rc = mh_wr_err(&w);
    if (rc != 0)
        return rc;
    struct fep_request req = {.prio = FEP_PRIO_DEMAND, .frame = buf, .len = mh_wr_len(&w),
                              .timeout_ms = op->timeout_ms, .done = on_reply, .ctx = op};
    int64_t id = fep_request_submit(op->c->fep, op->t->addr, &req);
    if (id < 0)
        return id == MH_ENOENT ? MH_ECLOSED : (int)id;
    return 0;
}

/*
 * Whether the read goes to the meter through its terminal: asked for, or
 * (auto) when the terminal does not hold the items: instantaneous values
 * of a meter behind a 1376.1 concentrator (which keeps its meters'
 * registers only), anything of a meter behind a DL/T 698.45 terminal other
 * than its own (behind). 1376.1: AFN10 F1 carrying DL/T 645-2007 reads;
 * 698.45: PROXY GetRequestList. MH_ENOTSUP for what cannot be forwarded.
 */
static int choose_via(const struct collect_read *rq, struct now_op *op, const struct cterm *t,
                      int behind)
{
    int fwd = rq->via == COLLECT_VIA_PROXY || (rq->via == COLLECT_VIA_AUTO && behind);
    for (size_t i = 0; rq->via == COLLECT_VIA_AUTO && i < op->n_items; i++)
        fwd |= rq->meter > 0 && t->proto == FEP_PROTO_GDW1376 &&
               t->info.kind == ARCHIVE_KIND_CONCENTRATOR && src_of(op->items[i])->d == 7;
    if (!fwd)
        return behind ? MH_ENOTSUP : 0;
    if (rq->meter <= 0)
        return MH_EINVAL;
    if (t->proto == FEP_PROTO_DLT698)
        op->forward = VIA_PROXY_698;
    else if (t->proto == FEP_PROTO_GDW1376 && op->mproto == ARCHIVE_PROTO_DLT645_2007)
        op->forward = VIA_FORWARD_1376;
    else
        return MH_ENOTSUP;
    op->n_meters = 1;
    return 0;
}

/* The meters of the read: the one asked for, or the terminal's first group of eight points. */
static int resolve(struct collect *c, const struct collect_read *rq, struct now_op *op,
                   int64_t *terminal)
{
    if (rq->meter > 0) {
        struct store_meter_row m;
        int rc = store_meter_get(c->st, rq->meter, &m);
        if (rc != 0)
            return rc == MH_ENOENT ? MH_ENOENT : MH_EIO;
        if (m.terminal <= 0 || m.pn < 0 || (rq->terminal > 0 && rq->terminal != m.terminal))
            return MH_ENOENT;
        *terminal = m.terminal;
        char a[16];
        snprintf(a, sizeof a, "%012llu", (unsigned long long)m.address);
        if (dlt645_addr_parse(a, op->maddr) != 0)
            return MH_EIO;
        op->mproto = m.protocol;
        op->pn[0] = (uint16_t)m.pn;
        op->meter[0] = m.id;
        op->n_meters = 1;
        return 0;
    }
    struct store_point pts[COLLECT_READ_METERS_MAX];
    int n = store_terminal_points(c->st, rq->terminal, pts, COLLECT_READ_METERS_MAX);
    if (n <= 0)
        return n < 0 ? MH_EIO : MH_ENOENT;
    *terminal = rq->terminal;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (pts[i].pn - 1) / 8 != (pts[0].pn - 1) / 8)
            break; /* one DA group of eight */
        op->pn[op->n_meters] = pts[i].pn;
        op->meter[op->n_meters++] = pts[i].meter;
    }
    return 0;
}

int collect_read_now(struct collect *c, const struct collect_read *rq, collect_read_fn done,
                     void *ctx, uint32_t *bad_item)
{
    if (!rq || rq->n_items == 0 || rq->n_items > COLLECT_READ_ITEMS_MAX ||
        (rq->meter <= 0 && rq->terminal <= 0))
        return MH_EINVAL;
    struct now_op *op = calloc(1, sizeof *op);
    if (!op)
        return MH_ENOMEM;
    op->c = c;
    op->done = done;
    op->ctx = ctx;
    op->timeout_ms = rq->timeout_ms ? rq->timeout_ms : c->cfg.request_timeout_ms;
    for (size_t i = 0; i < rq->n_items; i++) {
        if (!src_of(rq->items[i])) {
            if (bad_item)
                *bad_item = rq->items[i];
            free(op);
            return MH_EINVAL;
        }
        op->items[op->n_items++] = rq->items[i];
    }
    int64_t tid = 0;
    int rc = resolve(c, rq, op, &tid);
    struct cterm *t = rc == 0 ? mh_keymap_get(&c->terms_by_id, &tid, sizeof tid) : NULL;
    if (rc == 0 && !collect_holds(c, tid)) {
        /* Another front-end process holds it (serve --procs): its owner reads it, as here. */
        free(op);
        if (!c->cfg.read_remote)
            return MH_EPERM;
        return c->cfg.read_remote(c->cfg.remote_ctx, collect_owner(tid, c->cfg.part_n), rq, done, ctx);
    }
    if (rc == 0 && (!t || !t->online))
        rc = MH_ECLOSED;
    /* A DL/T 698.45 concentrator's own meter is pn of its first point; the others need PROXY. */
    int behind = 0;
    if (rc == 0 && t->proto == FEP_PROTO_DLT698) {
        struct store_point first;
        behind = store_terminal_points(c->st, tid, &first, 1) != 1 || first.pn != op->pn[0];
        op->n_meters = 1;
    }
    if (rc == 0 && t->proto == FEP_PROTO_DLT645)
        op->n_meters = 1;
    if (rc == 0)
        rc = choose_via(rq, op, t, behind);
    if (rc != 0) {
        free(op);
        return rc;
    }
    op->t = t;
    op->steps = (size_t)ctask_now_steps(op->forward == VIA_FORWARD_1376 ? FEP_PROTO_DLT645
                                                                          : t->proto,
                                        op->items, op->n_items);
    op->res.terminal = tid;
    op->res.t = collect_wall_ms() / 1000;
    rc = submit_next(op);
    if (rc != 0)
        free(op);
    return rc;
}
