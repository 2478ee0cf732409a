/*
 * A 1376.1 terminal's total-add group power now: AFN0C F17, current total
 * active power (Q/GDW 1376.1 5.12; pn is the total-add group; data A.2,
 * three BCD digits with a decimal exponent, kW). It is the load a power
 * control acts on, and the only measure of a large user whose per-phase
 * power is beyond what F25 carries (A.9, at most 79.9999 kW): the terminal
 * sends F25's fields as EE, while A.2 reaches 999 x 10^4 kW.
 */
#include <stdlib.h>
#include <string.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "control_int.h"

#define FN_GROUP_P 17
#define MSA 1 /* master station address in A3 (5.2.2.2), as the commands use */
#define PW_LEN 16

int control_gdw1376_addr(const char *text, struct gdw1376_addr *a)
{
    char *end;
    if (strlen(text) != 8 || strspn(text, "0123456789abcdefABCDEF") != 8)
        return MH_EBADADDR;
    unsigned long v = strtoul(text, &end, 16);
    *a = (struct gdw1376_addr){(uint16_t)(v >> 16), (uint16_t)v, MSA, 0};
    return 0;
}

int64_t control_dec_watts(struct mh_dec d)
{
    int64_t v = d.m;
    for (int e = d.exp + 3; e > 0; e--) /* kW -> W */
        v *= 10;
    for (int e = d.exp + 3; e < 0; e++)
        v /= 10;
    return v;
}

int control_group_power_parse(const uint8_t *frame, size_t len, uint16_t group, int64_t *w)
{
    struct gdw1376_frame f;
    int rc = gdw1376_frame_parse(frame, len, PW_LEN, &f);
    if (rc != 0)
        return rc;
    if (f.afn != GDW1376_AFN_CLASS1)
        return MH_EPROTO; /* AFN00 F2: the terminal has no such group */
    struct gdw1376_units_it it;
    uint16_t pn, fn;
    gdw1376_units_begin(&it, f.units, f.units_len);
    while ((rc = gdw1376_units_next(&it, &pn, &fn)) == 1) {
        if (fn != FN_GROUP_P)
            return MH_EUNKNOWN; /* a unit of another Fn: its length is not known here */
        const uint8_t *p = mh_rd_bytes(&it.r, 2);
        if (!p)
            return MH_ETRUNC;
        if (pn != group)
            continue;
        struct gdw1376_value v;
        rc = gdw1376_fmt_decode(GDW1376_A2, p, 2, &v);
        if (rc != 0)
            return rc;
        if (v.kind != GDW1376_V_NUM)
            return MH_ENOENT; /* EE: the terminal has no value */
        *w = control_dec_watts(v.num);
        return 0;
    }
    return rc < 0 ? rc : MH_ENOENT;
}

int control_group_power_request(struct mh_wr *w, const char *address, uint16_t group)
{
    struct gdw1376_addr a;
    int rc = control_gdw1376_addr(address, &a);
    if (rc == 0)
        rc = gdw1376_enc_read(w, &a, GDW1376_AFN_CLASS1, group, FN_GROUP_P, NULL, 0, 0, NULL);
    return rc ? rc : mh_wr_err(w);
}

struct gp_read {
    uint16_t group;
    control_power_fn done;
    void *ctx;
};

static void gp_done(void *ctx, enum fep_status status, const struct fep_reply *r)
{
    struct gp_read *g = ctx;
    int64_t w = 0;
    int rc = status == FEP_DONE      ? MH_EPROTO
             : status == FEP_TIMEOUT ? MH_ETIMEDOUT
             : status == FEP_DENIED  ? MH_EPROTO
                                     : MH_ECLOSED;
    /* the last frame answers (a single-frame reply for one unit) */
    if (status == FEP_DONE && r && r->n_frames > 0) {
        uint32_t from = r->n_frames > 1 ? r->ends[r->n_frames - 2] : 0;
        rc = control_group_power_parse(r->bytes + from, r->ends[r->n_frames - 1] - from, g->group,
                                       &w);
    }
    g->done(g->ctx, rc, w);
    free(g);
}

int control_group_power(struct control *c, int64_t terminal, uint16_t group, control_power_fn done,
                        void *ctx)
{
    if (!c || !done || group < 1 || group > 8)
        return MH_EINVAL;
    struct store_terminal_row t;
    int rc = store_terminal_get(control_store(c), terminal, &t);
    if (rc != 0)
        return rc;
    if (t.protocol != ARCHIVE_PROTO_GDW1376)
        return MH_ENOTSUP;
    uint8_t frame[64];
    struct mh_wr w;
    mh_wr_init(&w, frame, sizeof frame);
    rc = control_group_power_request(&w, t.address, group);
    if (rc != 0)
        return rc;
    struct gp_read *g = malloc(sizeof *g);
    if (!g)
        return MH_ENOMEM;
    *g = (struct gp_read){group, done, ctx};
    struct fep_request req = {
        FEP_PRIO_DEMAND, frame, mh_wr_len(&w), control_config(c)->timeout_ms, 0, gp_done, g};
    int64_t id = control_request_submit(c, terminal, t.address, &req);
    if (id < 0) {
        free(g);
        return (int)id;
    }
    return 0;
}
