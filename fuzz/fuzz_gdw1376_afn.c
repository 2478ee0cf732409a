/*
 * Q/GDW 1376.1 application-frame parsers on arbitrary bytes: every frame
 * found in the input goes through the parser of its AFN and through the
 * reassembler; the raw input also goes straight to each data parser (ERC
 * records, AFN04 parameters with the F10 meter table, AFN05 commands,
 * AFN10 forwarding, AFN0F segments, AFN09 version). Views handed out must
 * stay inside the input; whatever parses must re-encode.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/proto/gdw1376_afn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A view of n bytes at p must lie inside [base, base + len). */
static void inside(const void *p, size_t n, const uint8_t *base, size_t len)
{
    const uint8_t *q = p;
    if (n && (q < base || n > len || (size_t)(q - base) > len - n))
        abort();
}

static void units(uint8_t afn, const uint8_t *u, size_t n)
{
    static struct gdw1376_ctrl c[16];
    static struct gdw1376_param p[16];
    uint8_t out[4096];
    struct mh_wr w;
    int k = gdw1376_ctrl_parse(u, n, c, 16);
    for (int i = 0; i < k; i++) {
        if (c[i].fn == 32)
            inside(c[i].u.msg.text, c[i].u.msg.len, u, n);
        mh_wr_init(&w, out, sizeof out);
        /* whatever parses is in range, so it encodes again, and that encoding parses to itself */
        if (gdw1376_ctrl_put(&w, &c[i]) != 0)
            abort();
        struct gdw1376_ctrl again;
        uint8_t twice[512];
        struct mh_wr w2;
        mh_wr_init(&w2, twice, sizeof twice);
        if (gdw1376_ctrl_parse(out, mh_wr_len(&w), &again, 1) != 1 || gdw1376_ctrl_put(&w2, &again) != 0 ||
            mh_wr_len(&w2) != mh_wr_len(&w) || memcmp(out, twice, mh_wr_len(&w)) != 0)
            abort();
    }
    static struct gdw1376_query_item q[16];
    k = gdw1376_query_parse(u, n, q, 16);
    for (int i = 0; i < k; i++)
        inside(q[i].data, q[i].len, u, n);
    k = gdw1376_param_parse(u, n, p, 16);
    for (int i = 0; i < k; i++) {
        if (p[i].fn == 10) {
            inside(p[i].u.meters.recs, (size_t)p[i].u.meters.n * 27, u, n);
            struct gdw1376_meter_cfg m;
            for (size_t j = 0; j < p[i].u.meters.n; j++)
                if (gdw1376_meter_cfg_get(&p[i], j, &m) != 0)
                    abort(); /* parse checked every record */
        }
        mh_wr_init(&w, out, sizeof out);
        (void)gdw1376_param_put(&w, &p[i]);
    }
    struct gdw1376_ack a;
    if (gdw1376_ack_parse(u, n, &a) == 0 && a.n_items)
        inside(a.items, a.n_items * 5, u, n);
    struct gdw1376_event_reply e;
    size_t used;
    if (gdw1376_event_reply_parse(u, n, &e, &used) == 0) {
        inside(e.recs, e.recs_len, u, n);
        if (used > n)
            abort();
    }
    uint16_t fn, len;
    const uint8_t *blob;
    struct mh_tm t;
    int has;
    if (gdw1376_auth_parse(u, n, &fn, &blob, &len) == 0)
        inside(blob, len, u, n);
    (void)gdw1376_link_parse(u, n, &fn, &t, &has);
    (void)gdw1376_reset_parse(u, n, &fn);
    (void)afn;
}

static void data_parsers(const uint8_t *d, size_t n)
{
    struct mh_rd r;
    struct gdw1376_erc e;
    mh_rd_init(&r, d, n);
    while (mh_rd_left(&r) && gdw1376_erc_next(&r, &e) == 0) {
        inside(e.data, e.le, d, n);
        for (unsigned i = 0; e.known && i < e.n_fields; i++)
            if (e.raw[i] < e.data || e.raw[i] > e.data + e.le)
                abort(); /* a field (possibly empty, at the end) of this record */
    }
    struct gdw1376_forward f;
    size_t used;
    if (gdw1376_forward_parse(d, n, &f, &used) == 0)
        inside(f.frame, f.len, d, n);
    if (gdw1376_forward_reply_parse(d, n, &f, &used) == 0)
        inside(f.frame, f.len, d, n);
    struct gdw1376_file_seg s;
    if (gdw1376_file_parse(d, n, &s, &used) == 0)
        inside(s.data, s.len, d, n);
    struct gdw1376_version v;
    (void)gdw1376_version_parse(d, n, &v);
    uint16_t seq[64];
    size_t count;
    (void)gdw1376_query_f10_parse(d, n, seq, 64, &count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[8192];
    struct gdw1376_reasm m;
    gdw1376_reasm_init(&m, buf, sizeof buf);
    data_parsers(data, size);
    units(0xFF, data, size);
    size_t pos = 0;
    while (pos < size) {
        struct mh_frame_span sp;
        int rc = gdw1376_frame_scan(data + pos, size - pos, &sp);
        if (rc == 0)
            break;
        if (rc == 1) {
            struct gdw1376_frame f;
            if (gdw1376_frame_parse(data + pos + sp.off, sp.len, 16, &f) == 0) {
                units(f.afn, f.units, f.units_len);
                if (gdw1376_reasm_feed(&m, &f) == 1) {
                    if (m.len > m.cap)
                        abort();
                    units(f.afn, m.buf, m.len);
                }
            }
        }
        pos += sp.off + sp.len;
    }
    return 0;
}
