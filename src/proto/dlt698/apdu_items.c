/*
 * DL/T 698.45 list items (clause 8, service definitions): one reader and one
 * writer per item kind in a const table. Decoders validate a whole list by
 * reading it once with these readers; iteration later re-reads the same
 * bytes with the same readers, so it cannot disagree with the decoder.
 *
 * Writers take the encoder's struct (PROXY_REQ / PROXY_RESP: struct
 * dlt698_proxy_target); readers fill union dlt698_item.
 */
#include "apdu_int.h"

struct item_ops {
    size_t size; /* of the struct a writer takes */
    void (*get)(struct mh_rd *r, uint8_t sub, union dlt698_item *out);
    void (*put)(struct mh_wr *w, uint8_t sub, const void *item);
};

static void get_dar(struct mh_rd *r, uint8_t *dar)
{
    *dar = mh_rd_u8(r);
}

/* Get-Result ::= CHOICE { DAR [0], Data [1] } (clause 8). */
static void get_result(struct mh_rd *r, struct dlt698_result_normal *rn)
{
    rn->oad = mh_rd_u32be(r);
    uint8_t c = mh_rd_u8(r);
    rn->dar = 0;
    rn->data = (struct dlt698_bytes){0};
    if (c == 0)
        get_dar(r, &rn->dar);
    else if (c == 1)
        dlt698_get_data(r, &rn->data);
    else
        mh_rd_fail(r, MH_EPROTO);
}

static void put_result(struct mh_wr *w, const struct dlt698_result_normal *rn)
{
    mh_wr_u32be(w, rn->oad);
    if (rn->data.p) {
        mh_wr_u8(w, 1);
        mh_wr_bytes(w, rn->data.p, rn->data.len);
    } else {
        mh_wr_u8(w, 0);
        mh_wr_u8(w, rn->dar);
    }
}

/* Data OPTIONAL: 00, or 01 + Data. */
static void get_opt_data(struct mh_rd *r, struct dlt698_bytes *out)
{
    uint8_t b = mh_rd_u8(r);
    *out = (struct dlt698_bytes){0};
    if (b == 1)
        dlt698_get_data(r, out);
    else if (b != 0)
        mh_rd_fail(r, MH_EPROTO);
}

static void put_opt_data(struct mh_wr *w, const struct dlt698_bytes *d)
{
    mh_wr_u8(w, d->p ? 1 : 0);
    if (d->p)
        mh_wr_bytes(w, d->p, d->len);
}

static void g_oad(struct mh_rd *r, uint8_t sub, union dlt698_item *o)
{
    (void)sub;
    o->oad = mh_rd_u32be(r);
}

static void p_oad(struct mh_wr *w, uint8_t sub, const void *it)
{
    (void)sub;
    mh_wr_u32be(w, *(const uint32_t *)it);
}

static void g_rn(struct mh_rd *r, uint8_t sub, union dlt698_item *o)
{
    (void)sub;
    get_result(r, &o->rn);
}

static void p_rn(struct mh_wr *w, uint8_t sub, const void *it)
{
    (void)sub;
    put_result(w, it);
}

/*
 * A-ResultRecord (clause 8): OAD, RCSD, CHOICE { DAR [0], SEQUENCE OF
 * A-RecordRow [1] }; a row is one Data per RCSD column, without a length.
 * owns_rest: the record is the last of a list the decoder validated, so
 * its rows run to the end of the reader and need no second walk (the one
 * place a validated list is trusted; a load profile is mostly rows).
 */
static void rr_read(struct mh_rd *r, struct dlt698_result_record *rr, int owns_rest)
{
    *rr = (struct dlt698_result_record){0};
    rr->oad = mh_rd_u32be(r);
    size_t start = r->off;
    if (dlt698_rcsd_read(r, &rr->columns) != 0)
        return;
    rr->rcsd = (struct dlt698_bytes){r->p + start, r->off - start};
    uint8_t c = mh_rd_u8(r);
    if (c == 0) {
        get_dar(r, &rr->dar);
        return;
    }
    if (c != 1) {
        mh_rd_fail(r, MH_EPROTO);
        return;
    }
    rr->nrows = dlt698_get_count(r);
    /* Rows need columns: an empty RCSD in a response cannot carry a row. */
    if (rr->nrows > 0 && rr->columns == 0)
        mh_rd_fail(r, MH_EPROTO);
    start = r->off;
    if (owns_rest)
        mh_rd_skip(r, mh_rd_left(r));
    for (uint32_t k = 0; k < rr->nrows && !owns_rest && mh_rd_err(r) == 0; k++)
        for (uint32_t c2 = 0; c2 < rr->columns && mh_rd_err(r) == 0; c2++)
            dlt698_data_skip(r);
    if (mh_rd_err(r) == 0)
        rr->rows = (struct dlt698_bytes){r->p + start, r->off - start};
}

static void g_rr(struct mh_rd *r, uint8_t sub, union dlt698_item *o)
{
    (void)sub;
    rr_read(r, &o->rr, 0);
}

static void p_rr(struct mh_wr *w, uint8_t sub, const void *it)
{
    (void)sub;
    const struct dlt698_result_record *rr = it;
    mh_wr_u32be(w, rr->oad);
    mh_wr_bytes(w, rr->rcsd.p, rr->rcsd.len);
    if (rr->rows.p || rr->nrows) {
        mh_wr_u8(w, 1);
        dlt698_len_write(w, rr->nrows);
        mh_wr_bytes(w, rr->rows.p, rr->rows.len);
    } else {
        mh_wr_u8(w, 0);
        mh_wr_u8(w, rr->dar);
    }
}

/* Whole encoding of a skipped element as a view. */
static void get_span(struct mh_rd *r, int (*skip)(struct mh_rd *), struct dlt698_bytes *out)
{
    size_t start = r->off;
    *out = (struct dlt698_bytes){0};
    if (skip(r) == 0)
        *out = (struct dlt698_bytes){r->p + start, r->off - start};
}

static int rcsd_skip(struct mh_rd *r)
{
    uint32_t cols;
    return dlt698_rcsd_read(r, &cols);
}

static void g_gr(struct mh_rd *r, uint8_t sub, union dlt698_item *o)
{
    (void)sub;
    o->gr.oad = mh_rd_u32be(r);
    get_span(r, dlt698_rsd_skip, &o->gr.rsd);
    get_span(r, rcsd_skip, &o->gr.rcsd);
}

static void p_gr(struct mh_wr *w, uint8_t sub, const void *it)
{
    (void)sub;
    const struct dlt698_get_record *gr = it;
    mh_wr_u32be(w, gr->oad);
    mh_wr_bytes(w, gr->rsd.p, gr->rsd.len);
    mh_wr_bytes(w, gr->rcsd.p, gr->rcsd.len);
}

static void g_od(struct mh_rd *r, uint8_t sub, union dlt698_item *o)
{
    (void)sub;
    o->od.oad = mh_rd_u32be(r);
    dlt698_get_data(r, &o->od.data);
}

static void p_od(struct mh_wr *w, uint8_t sub, const void *it)
{
    (void)sub;
    const struct dlt698_oad_data *od = it;
    mh_wr_u32be(w, od->oad);
    mh_wr_bytes(w, od->data.p, od->data.len);
}

static void g_dar(struct mh_rd *r, uint8_t sub, union dlt698_item *o)
{
    (void)sub;
    o->dar.oad = mh_rd_u32be(r);
    get_dar(r, &o->dar.dar);
}

static void p_dar(struct mh_wr *w, uint8_t sub, const void *it)
{
    (void)sub;
    const struct dlt698_oad_dar *d = it;
    mh_wr_u32be(w, d->oad);
    mh_wr_u8(w, d->dar);
}

static void g_tg(struct mh_rd *r, uint8_t sub, union dlt698_item *o)
{
    (void)sub;
    o->tg.oad = mh_rd_u32be(r);
    dlt698_get_data(r, &o->tg.data);
    o->tg.get_oad = mh_rd_u32be(r);
    o->tg.delay = mh_rd_u8(r);
}

static void p_tg(struct mh_wr *w, uint8_t sub, const void *it)
{
    (void)sub;
    const struct dlt698_then_get *tg = it;
    mh_wr_u32be(w, tg->oad);
    mh_wr_bytes(w, tg->data.p, tg->data.len);
    mh_wr_u32be(w, tg->get_oad);
    mh_wr_u8(w, tg->delay);
}

static void g_sg(struct mh_rd *r, uint8_t sub, union dlt698_item *o)
{
    (void)sub;
    o->sg.oad = mh_rd_u32be(r);
    get_dar(r, &o->sg.dar);
    get_result(r, &o->sg.get);
}

static void p_sg(struct mh_wr *w, uint8_t sub, const void *it)
{
    (void)sub;
    const struct dlt698_set_get_result *sg = it;
    mh_wr_u32be(w, sg->oad);
    mh_wr_u8(w, sg->dar);
    put_result(w, &sg->get);
}

static void g_ar(struct mh_rd *r, uint8_t sub, union dlt698_item *o)
{
    (void)sub;
    o->ar = (struct dlt698_action_result){0};
    o->ar.omd = mh_rd_u32be(r);
    get_dar(r, &o->ar.dar);
    get_opt_data(r, &o->ar.data);
}

static void p_ar(struct mh_wr *w, uint8_t sub, const void *it)
{
    (void)sub;
    const struct dlt698_action_result *ar = it;
    mh_wr_u32be(w, ar->omd);
    mh_wr_u8(w, ar->dar);
    put_opt_data(w, &ar->data);
}

static void g_agr(struct mh_rd *r, uint8_t sub, union dlt698_item *o)
{
    g_ar(r, sub, o);
    get_result(r, &o->ar.get);
}

static void p_agr(struct mh_wr *w, uint8_t sub, const void *it)
{
    p_ar(w, sub, it);
    put_result(w, &((const struct dlt698_action_result *)it)->get);
}

static void g_pxq(struct mh_rd *r, uint8_t sub, union dlt698_item *o)
{
    o->px = (struct dlt698_proxy_entry){0};
    dlt698_get_tsa(r, &o->px.tsa);
    o->px.timeout = mh_rd_u16be(r);
    dlt698_items_get(r, sub, 0, &o->px.sub);
}

static void g_pxr(struct mh_rd *r, uint8_t sub, union dlt698_item *o)
{
    o->px = (struct dlt698_proxy_entry){0};
    dlt698_get_tsa(r, &o->px.tsa);
    dlt698_items_get(r, sub, 0, &o->px.sub);
}

static void p_px(struct mh_wr *w, uint8_t sub, const void *it, int req)
{
    const struct dlt698_proxy_target *t = it;
    dlt698_put_octets_body(w, &t->tsa);
    if (req)
        mh_wr_u16be(w, t->timeout);
    dlt698_items_put(w, sub, 0, t->items, t->n);
}

static void p_pxq(struct mh_wr *w, uint8_t sub, const void *it)
{
    p_px(w, sub, it, 1);
}

static void p_pxr(struct mh_wr *w, uint8_t sub, const void *it)
{
    p_px(w, sub, it, 0);
}

static void g_oct(struct mh_rd *r, uint8_t sub, union dlt698_item *o)
{
    (void)sub;
    dlt698_get_octets(r, &o->octets);
}

static void p_oct(struct mh_wr *w, uint8_t sub, const void *it)
{
    (void)sub;
    dlt698_put_octets_body(w, it);
}

static const struct item_ops ops[DLT698_ITEM_KIND_COUNT] = {
    [DLT698_ITEM_OAD] = {sizeof(uint32_t), g_oad, p_oad},
    [DLT698_ITEM_RESULT_NORMAL] = {sizeof(struct dlt698_result_normal), g_rn, p_rn},
    [DLT698_ITEM_RESULT_RECORD] = {sizeof(struct dlt698_result_record), g_rr, p_rr},
    [DLT698_ITEM_GET_RECORD] = {sizeof(struct dlt698_get_record), g_gr, p_gr},
    [DLT698_ITEM_OAD_DATA] = {sizeof(struct dlt698_oad_data), g_od, p_od},
    [DLT698_ITEM_OAD_DAR] = {sizeof(struct dlt698_oad_dar), g_dar, p_dar},
    [DLT698_ITEM_THEN_GET] = {sizeof(struct dlt698_then_get), g_tg, p_tg},
    [DLT698_ITEM_SET_GET_RESULT] = {sizeof(struct dlt698_set_get_result), g_sg, p_sg},
    [DLT698_ITEM_ACTION_RESULT] = {sizeof(struct dlt698_action_result), g_ar, p_ar},
    [DLT698_ITEM_ACTION_GET_RESULT] = {sizeof(struct dlt698_action_result), g_agr, p_agr},
    [DLT698_ITEM_PROXY_REQ] = {sizeof(struct dlt698_proxy_target), g_pxq, p_pxq},
    [DLT698_ITEM_PROXY_RESP] = {sizeof(struct dlt698_proxy_target), g_pxr, p_pxr},
    [DLT698_ITEM_OCTETS] = {sizeof(struct dlt698_bytes), g_oct, p_oct},
};

static const struct item_ops *ops_of(uint8_t kind)
{
    return kind < DLT698_ITEM_KIND_COUNT && ops[kind].get ? &ops[kind] : NULL;
}

void dlt698_items_put_n(struct mh_wr *w, uint8_t kind, uint8_t sub, const void *arr, size_t n)
{
    const struct item_ops *o = ops_of(kind);
    if (!o || (n && !arr)) {
        mh_wr_fail(w, MH_EINVAL);
        return;
    }
    const unsigned char *b = arr;
    for (size_t k = 0; k < n && mh_wr_err(w) == 0; k++)
        o->put(w, sub, b + k * o->size);
}

void dlt698_items_put(struct mh_wr *w, uint8_t kind, uint8_t sub, const void *arr, size_t n)
{
    if (!dlt698_count_ok(n)) {
        mh_wr_fail(w, MH_EINVAL);
        return;
    }
    dlt698_len_write(w, n);
    dlt698_items_put_n(w, kind, sub, arr, n);
}

void dlt698_items_get_n(struct mh_rd *r, uint8_t kind, uint8_t sub, uint32_t n,
                        struct dlt698_items *out)
{
    const struct item_ops *o = ops_of(kind);
    *out = (struct dlt698_items){.kind = kind, .sub = sub, .n = n};
    if (!o) {
        mh_rd_fail(r, MH_EINVAL);
        return;
    }
    size_t start = r->off;
    union dlt698_item scratch;
    for (uint32_t k = 0; k < n && mh_rd_err(r) == 0; k++)
        o->get(r, sub, &scratch);
    if (mh_rd_err(r) == 0)
        out->raw = (struct dlt698_bytes){r->p + start, r->off - start};
    else
        out->n = 0;
}

void dlt698_items_get(struct mh_rd *r, uint8_t kind, uint8_t sub, struct dlt698_items *out)
{
    uint32_t n = dlt698_get_count(r);
    dlt698_items_get_n(r, kind, sub, n, out);
    out->kind = kind;
}

void dlt698_items_begin(const struct dlt698_items *items, struct dlt698_iter *it)
{
    mh_rd_init(&it->r, items->raw.p, items->raw.len);
    it->kind = items->kind;
    it->sub = items->sub;
    it->left = items->raw.p ? items->n : 0;
}

int dlt698_items_next(struct dlt698_iter *it, union dlt698_item *out)
{
    const struct item_ops *o = ops_of(it->kind);
    if (it->left == 0)
        return 0; /* also the empty list of an APDU without items */
    if (!o)
        return MH_EINVAL;
    if (it->kind == DLT698_ITEM_RESULT_RECORD && it->left == 1)
        rr_read(&it->r, &out->rr, 1);
    else
        o->get(&it->r, it->sub, out);
    it->left--;
    return mh_rd_err(&it->r) ? mh_rd_err(&it->r) : 1;
}

int dlt698_put_service(struct mh_wr *w, uint8_t tag, uint8_t choice, uint8_t piid, int list,
                       uint8_t kind, const void *arr, size_t n, const struct dlt698_tail *tail)
{
    if (!list && n != 1)
        return MH_EINVAL;
    dlt698_put_head(w, tag, choice, piid);
    if (list)
        dlt698_items_put(w, kind, 0, arr, n);
    else
        dlt698_items_put_n(w, kind, 0, arr, 1);
    return dlt698_put_tail(w, tag & 0x80, tail);
}
