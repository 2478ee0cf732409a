/*
 * Every DL/T 698.45 APDU decoder on arbitrary bytes: the dispatcher, each
 * list walked item by item (PROXY entries, record rows cell by cell,
 * FollowReport), SECURITY unwrapping with no hook, and the same bytes as a
 * frame stream through the fragment receiver and confirm encoder. Views
 * must stay inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/proto/dlt698_apdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *lo, *hi;

static void inside(const struct dlt698_bytes *b)
{
    if (b->p && (b->p < lo || b->p + b->len > hi))
        abort();
}

static void walk_rows(const struct dlt698_result_record *rr)
{
    inside(&rr->rcsd);
    inside(&rr->rows);
    struct mh_rd r;
    struct dlt698_bytes cell;
    uint64_t cells = 0;
    mh_rd_init(&r, rr->rows.p, rr->rows.p ? rr->rows.len : 0);
    while (dlt698_data_view(&r, &cell) == 1) {
        inside(&cell);
        cells++;
    }
    if (mh_rd_err(&r) || cells != (uint64_t)rr->nrows * rr->columns)
        abort(); /* the decoder validated these rows */
}

static void walk(const struct dlt698_items *items, int depth)
{
    struct dlt698_iter it;
    union dlt698_item x;
    uint32_t seen = 0;
    int rc;
    inside(&items->raw);
    dlt698_items_begin(items, &it);
    while ((rc = dlt698_items_next(&it, &x)) == 1) {
        seen++;
        switch (items->kind) {
        case DLT698_ITEM_RESULT_NORMAL:
            inside(&x.rn.data);
            break;
        case DLT698_ITEM_RESULT_RECORD:
            walk_rows(&x.rr);
            break;
        case DLT698_ITEM_GET_RECORD:
            inside(&x.gr.rsd);
            inside(&x.gr.rcsd);
            break;
        case DLT698_ITEM_OAD_DATA:
            inside(&x.od.data);
            break;
        case DLT698_ITEM_THEN_GET:
            inside(&x.tg.data);
            break;
        case DLT698_ITEM_SET_GET_RESULT:
            inside(&x.sg.get.data);
            break;
        case DLT698_ITEM_ACTION_RESULT:
        case DLT698_ITEM_ACTION_GET_RESULT:
            inside(&x.ar.data);
            inside(&x.ar.get.data);
            break;
        case DLT698_ITEM_PROXY_REQ:
        case DLT698_ITEM_PROXY_RESP:
            inside(&x.px.tsa);
            if (depth > 0)
                abort(); /* proxies never nest */
            walk(&x.px.sub, depth + 1);
            break;
        case DLT698_ITEM_OCTETS:
            inside(&x.octets);
            break;
        default:
            break;
        }
    }
    if (rc != 0 || seen != items->n)
        abort(); /* a validated list iterates without error */
}

static void apdu(const uint8_t *p, size_t n)
{
    struct dlt698_apdu a;
    if (dlt698_apdu_decode(p, n, &a) != 0)
        return;
    walk(&a.items, 0);
    if (a.has_follow)
        walk(&a.follow, 0);
    if (a.tag == DLT698_SECURITY_REQUEST || a.tag == DLT698_SECURITY_RESPONSE) {
        inside(&a.u.sec.body);
        uint8_t out[256];
        const struct dlt698_security_ops none = {0};
        int rc = dlt698_security_unwrap(&a, &none, NULL, out, sizeof out);
        if (rc > (int)sizeof out)
            abort();
    }
}

static void frames(const uint8_t *p, size_t n)
{
    uint8_t rb[512], cb[64];
    struct dlt698_frag_rx rx;
    struct mh_frame_span sp;
    size_t off = 0;
    dlt698_frag_rx_init(&rx, rb, sizeof rb);
    while (off < n) {
        int rc = dlt698_frame_scan(p + off, n - off, &sp);
        if (rc == 0)
            break;
        if (rc < 0) {
            off += sp.off + (sp.len ? sp.len : 1);
            continue;
        }
        struct dlt698_frame f;
        if (dlt698_frame_parse(p + off + sp.off, sp.len, &f) == 0 && (f.c & DLT698_C_FRAG)) {
            struct mh_wr w;
            mh_wr_init(&w, cb, sizeof cb);
            dlt698_frag_confirm_encode(&w, &f);
            if (dlt698_frag_rx_push(&rx, &f) == 1) {
                if (rx.len > sizeof rb)
                    abort();
                lo = rb;
                hi = rb + rx.len;
                apdu(rb, rx.len);
            }
        }
        off += sp.off + sp.len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    lo = copy;
    hi = copy + size;
    apdu(copy, size);
    frames(copy, size);
    free(copy);
    return 0;
}
