/*
 * DL/T 698.45 realtime values: what a meter measures now, once a round.
 *
 * The terminal's own meter (the area or transformer it measures) is read
 * with GET-Request-NormalList; the meters behind a concentrator with
 * PROXY-Request GetRequestList (clause 8, PROXY choice 1: up to eight
 * meters by TSA in one request, each with its own OAD list), the service
 * the standard gives a client for a server's current values — the
 * concentrator's task records (6012) hold only what its own acquisition
 * plans chose to store, and MS-selected record reads return frozen data.
 * Each list asks voltage 2000, current 2001, active power 2004, reactive
 * power 2005, power factor 200A, forward / reverse active energy 0010 /
 * 0020 (attribute 2 each) and the clock 4000 0200 last: the values'
 * data time is the minute of that clock, the time the device says it read
 * them (as 1376.1's Td_c is), in local time. Values map to items through
 * the codec's dictionary (dlt698_readings): U_L1..3, I_L1..3, P, P_L1..3,
 * Q, Q_L1..3, PF, PF_L1..3, AE_IMP and AE_EXP with tariffs.
 */
#include <string.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/dlt698_data.h"
#include "meterhub/proto/item.h"

#define OAD_CLOCK 0x40000200u
#define OAD_AE_IMP 0x00100200u
#define OAD_AE_EXP 0x00200200u
#define C_CLIENT_REQUEST 0x43 /* DIR 0, PRM 1, function 3: user data (clause 7) */
#define CA_MASTER 0x10
#define TSA_AF_6 0x05           /* address type 0 (single), 6 bytes: length - 1 */
#define PROXY_TIMEOUT_S 10      /* each meter's answer, over the concentrator's RS-485 or carrier */
#define PROXY_ALL_TIMEOUT_S 60  /* the whole request */
#define NODES_MAX 16
#define VALUES_MAX 16

/* What each list asks, the clock last (its position does not matter to the parser). */
static const uint32_t rt_oads[] = {0x20000200u, 0x20010200u, 0x20040200u, 0x20050200u,
                                   0x200A0200u, OAD_AE_IMP,  OAD_AE_EXP,  OAD_CLOCK};
#define N_OADS (sizeof rt_oads / sizeof rt_oads[0])

/* A realtime task of 698.45 terminals: two bits, the import and the other values (value_at). */
const struct ctask_kind ctask_dlt698_realtime = {STORE_CLASS_REALTIME, {0x0010, 0x0020}, 2, 0, 0, 0, 0};

/* A 12-digit address as TSA content: AF, then the BCD digits highest pair first. */
static void tsa_content(uint64_t addr, uint8_t out[7])
{
    out[0] = TSA_AF_6;
    for (int i = 6; i >= 1; i--, addr /= 100)
        out[i] = (uint8_t)((addr % 100 / 10) << 4 | addr % 10);
}

int ctask_dlt698_realtime_request(struct mh_wr *w, const uint8_t sa[6], const uint64_t *addr,
                                  size_t n)
{
    uint8_t apdu[64 + CJOB_BATCH * (16 + N_OADS * 4)];
    struct mh_wr aw;
    mh_wr_init(&aw, apdu, sizeof apdu);
    int rc;
    if (n == 0) {
        rc = dlt698_enc_get_normal_list(&aw, DLT698_PIID(0, 0), rt_oads, N_OADS, NULL);
    } else {
        if (n > CJOB_BATCH)
            return MH_ERANGE;
        uint8_t tsa[CJOB_BATCH][7];
        struct dlt698_proxy_target tg[CJOB_BATCH];
        for (size_t k = 0; k < n; k++) {
            tsa_content(addr[k], tsa[k]);
            tg[k] = (struct dlt698_proxy_target){{tsa[k], 7}, PROXY_TIMEOUT_S, rt_oads, N_OADS};
        }
        rc = dlt698_enc_proxy_request(&aw, 1, DLT698_PIID(0, 0), PROXY_ALL_TIMEOUT_S, tg, n, NULL);
    }
    if (rc != 0)
        return rc;
    return dlt698_frame_encode(w, C_CLIENT_REQUEST, 0x05, sa, CA_MASTER, apdu, mh_wr_len(&aw));
}

/* The clock among one meter's results: its minute (local), MH_EBADTIME when absent or no time. */
static int results_clock(const struct dlt698_items *res, struct mh_tm *at)
{
    struct dlt698_iter it;
    union dlt698_item item;
    int rc;
    dlt698_items_begin(res, &it);
    while ((rc = dlt698_items_next(&it, &item)) == 1) {
        if (item.rn.oad != OAD_CLOCK || !item.rn.data.p)
            continue;
        if (ctask_dlt698_get_datetime_s(item.rn.data.p, item.rn.data.len, at) != 0)
            return MH_EBADTIME;
        at->sec = 0; /* the minute it read, as Td_c */
        at->has |= MH_TM_SEC;
        return 0;
    }
    return rc < 0 ? rc : MH_EBADTIME;
}

/*
 * One meter's results (A-ResultNormal each): every numeric value with the
 * clock's minute; an energy register answered with a DAR or null is "no
 * data" for its total. Results of OADs not asked are ignored.
 */
static int meter_results(const struct dlt698_items *res, uint16_t pn, ctask_value_at_fn fn,
                         void *ctx)
{
    struct mh_tm at;
    int rc = results_clock(res, &at);
    if (rc != 0)
        return rc;
    struct dlt698_iter it;
    union dlt698_item item;
    dlt698_items_begin(res, &it);
    while ((rc = dlt698_items_next(&it, &item)) == 1) {
        uint32_t oad = item.rn.oad;
        size_t k = 0;
        while (k < N_OADS - 1 && rt_oads[k] != oad)
            k++;
        if (k == N_OADS - 1)
            continue; /* the clock, or not asked */
        uint32_t total = oad == OAD_AE_IMP ? MH_ITEM_AE_IMP : oad == OAD_AE_EXP ? MH_ITEM_AE_EXP : 0;
        struct dlt698_node nodes[NODES_MAX];
        struct dlt698_reading rd[VALUES_MAX];
        int nn = 0;
        if (item.rn.data.p) {
            struct mh_rd r;
            mh_rd_init(&r, item.rn.data.p, item.rn.data.len);
            nn = dlt698_data_decode(&r, nodes, NODES_MAX);
            if (nn < 0)
                return nn;
        }
        int nr = nn > 0 ? dlt698_readings(oad, nodes, (size_t)nn, 0, rd, VALUES_MAX) : 0;
        if (nr < 0)
            return nr;
        /* The task's Fn 0 and 1 are the import and export registers (they decide the meter's
         * status); the other values go as Fn 7, which no status looks at. */
        unsigned fi = oad == OAD_AE_IMP ? 0u : oad == OAD_AE_EXP ? 1u : 7u;
        int any = 0;
        for (int i = 0; i < nr; i++) {
            if (rd[i].numeric) {
                fn(ctx, pn, rd[i].item == total ? fi : 7u, rd[i].item, &at, &rd[i].value);
                any |= rd[i].item == total;
            }
        }
        if (total && !any)
            fn(ctx, pn, fi, total, &at, NULL); /* a DAR or a null register: no data */
    }
    return rc;
}

int ctask_dlt698_realtime_parse(const uint8_t *apdu, size_t len, const uint64_t *addr,
                                const uint16_t *pn, size_t n, ctask_value_at_fn fn, void *ctx)
{
    struct dlt698_apdu a;
    int rc = dlt698_apdu_decode(apdu, len, &a);
    if (rc != 0)
        return rc;
    if (n == 0)
        return MH_EINVAL;
    if (a.tag == DLT698_GET_RESPONSE && a.items.kind == DLT698_ITEM_RESULT_NORMAL) {
        rc = meter_results(&a.items, pn[0], fn, ctx);
        return rc < 0 ? rc : 1;
    }
    if (a.tag != DLT698_PROXY_RESPONSE || a.choice != 1 || a.items.kind != DLT698_ITEM_PROXY_RESP)
        return MH_EPROTO;
    struct dlt698_iter it;
    union dlt698_item item;
    int meters = 0;
    dlt698_items_begin(&a.items, &it);
    while ((rc = dlt698_items_next(&it, &item)) == 1) {
        size_t m = 0;
        uint8_t want[7];
        for (; m < n; m++) {
            tsa_content(addr[m], want);
            if (item.px.tsa.len == 7 && memcmp(item.px.tsa.p, want, 7) == 0)
                break;
        }
        if (m == n || item.px.sub.kind != DLT698_ITEM_RESULT_NORMAL)
            continue; /* a meter not asked for */
        int r = meter_results(&item.px.sub, pn[m], fn, ctx);
        if (r == MH_EBADTIME)
            continue; /* that meter did not answer (a DAR for every OAD): no time, no values */
        if (r < 0)
            return r;
        meters++;
    }
    return rc < 0 ? rc : meters;
}
