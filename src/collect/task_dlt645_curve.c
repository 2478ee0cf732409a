/*
 * DL/T 645-2007 15-minute curves of the meter behind a DTU, from its load
 * records (appendix A.7: 0x11 on 06cc0001, "records from a given time",
 * with the record count NN and the start time mm hh DD MM YY). One read
 * a step, each a long reply the front end continues with 0x12 follow-ups:
 *   step 0  class 4, active energy    97 records from 00:00 of the day
 *   step 1  class 1, U I f            96 records from 00:15
 *   step 2  class 2, P Q              96 records from 00:15
 *   step 3  class 3, power factors    96 records from 00:15
 * stored as the 1376.1 curves are (task_curve.c): a point at T is the
 * value recorded at T, and the energy of the interval ending at T is an
 * increment point at T (AE_IMP_INC / AE_EXP_INC, as AFN0D F97 / F99), so
 * the day is the points 00:15 .. 24:00. A load record carries energy
 * registers, not increments: the increment at T is the register at T less
 * the one at T - 15 min, which is why the energy read starts at 00:00 and
 * asks for one record more. The registers themselves are not stored: the
 * one at 24:00 has the key of the daily freeze (as F101 / F103 would,
 * tasks.c). The reactive registers of class 4 (combined reactive 1 and 2)
 * are not increments of any 1376.1 curve item and are not stored either.
 * The increments decide the meter's curve status (the task's two Fn);
 * voltages, currents, frequency, powers and power factors add to its data.
 */
#include <string.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/item.h"

#define LOAD_DI(cls) (0x06000001u | (uint32_t)(cls) << 16) /* DI0 01: records from a given time */
#define VALUES_MAX 128 /* values of one frame: a 200-byte frame holds at most 12 records of 12 */
#define REGS (CCURVE_POINTS + 1) /* 00:00 .. 24:00 */

/* The load-record class read at each step, energy first (its increments decide the status). */
static const uint8_t step_class[] = {4, 1, 2, 3};
#define N_STEPS (sizeof step_class / sizeof step_class[0])

/* Fn 0 and 1: the import and export increments (on_point's bits); the DI2 of class 4 stands for them. */
const struct ctask_kind ctask_dlt645_curve = {STORE_CLASS_CURVE, {0x0604, 0x0604}, 2, GDW1376_A15, 0, 0, 0};

unsigned ctask_dlt645_curve_last(void)
{
    return (unsigned)N_STEPS - 1;
}

uint32_t ctask_dlt645_curve_di(unsigned step)
{
    return step < N_STEPS ? LOAD_DI(step_class[step]) : 0;
}

/* The first record time of step, local: 00:00 of the day for the registers, else 00:15. */
static int step_start(unsigned step, const struct mh_tm *day, int64_t *start)
{
    struct mh_tm d = *day;
    d.hour = d.min = d.sec = 0;
    d.has = MH_TM_FULL;
    if (mh_tm_to_epoch(&d, start) != 0)
        return MH_EBADTIME;
    *start += step == 0 ? 0 : CCURVE_STEP_S;
    return 0;
}

int ctask_dlt645_curve_request(struct mh_wr *w, const uint8_t addr[6], unsigned step, const struct mh_tm *day)
{
    int64_t s;
    if (step >= N_STEPS)
        return MH_ERANGE;
    int rc = step_start(step, day, &s);
    if (rc != 0)
        return rc;
    struct mh_tm start;
    mh_tm_from_epoch(s, &start);
    start.has = MH_TM_DATE | MH_TM_HM;
    return dlt645_enc_read_records(w, addr, LOAD_DI(step_class[step]), step == 0 ? REGS : CCURVE_POINTS, &start);
}

/* What the energy step gathers before it can difference: registers by record index. */
struct regs {
    struct mh_dec v[2][REGS];
    uint8_t state[2][REGS]; /* 0 no record, 1 a number, 2 the meter's "no data" */
};

/*
 * Frame i of the reply: the meter's (addr) normal answer, the first to the
 * read (0x91 / B1), the others follow-up i (0x92 / B2 with SEQ i), each
 * carrying di. Its records into v (the DI and the SEQ stripped).
 */
static int frame_records(const uint8_t *p, size_t len, unsigned i, const uint8_t addr[6], uint32_t di,
                         struct dlt645_value *v, size_t max)
{
    struct dlt645_frame f;
    uint8_t plain[DLT645_MAX_DATA];
    int rc = dlt645_frame_parse(p, len, &f);
    if (rc != 0)
        return rc;
    uint8_t func = i == 0 ? DLT645_READ : DLT645_READ_FOLLOW;
    if (!(f.ctrl & DLT645_CTRL_DIR) || (f.ctrl & DLT645_CTRL_ABNORMAL) || (f.ctrl & DLT645_CTRL_FUNC) != func ||
        memcmp(f.addr, addr, 6) != 0)
        return MH_EPROTO;
    size_t tail = i == 0 ? 0 : 1;
    if (f.len < 4 + tail)
        return MH_EBADLEN;
    dlt645_data_plain(&f, plain);
    uint32_t got = (uint32_t)plain[0] | (uint32_t)plain[1] << 8 | (uint32_t)plain[2] << 16 | (uint32_t)plain[3] << 24;
    if (got != di || (i > 0 && plain[f.len - 1] != (uint8_t)i))
        return MH_EPROTO;
    if (f.len == 4 + tail)
        return 0; /* no record (yet) at that time */
    return dlt645_load_decode(plain + 4, f.len - 4 - tail, 0, v, max);
}

/* The point index of a record time: 0 .. n - 1 from start, or MH_ESTALE off the day's grid. */
static int record_index(const struct dlt645_value *t, int64_t start, unsigned n)
{
    int64_t at;
    struct mh_tm tm = t->time;
    tm.sec = 0;
    tm.has = MH_TM_FULL; /* a record time has minutes: second 0 */
    if (t->kind != DLT645_V_TIME || mh_tm_to_epoch(&tm, &at) != 0)
        return MH_ESTALE;
    int64_t off = at - start;
    if (off < 0 || off % CCURVE_STEP_S != 0 || off / CCURVE_STEP_S >= (int64_t)n)
        return MH_ESTALE;
    return (int)(off / CCURVE_STEP_S);
}

/* The increments of the day from the registers: a point needs both ends; a counter that went back is no data. */
static void emit_increments(const struct regs *g, uint16_t pn, ctask_curve698_fn fn, void *ctx)
{
    static const uint32_t inc[2] = {MH_ITEM_AE_IMP_INC, MH_ITEM_AE_EXP_INC};
    for (int d = 0; d < 2; d++)
        for (unsigned k = 1; k < REGS; k++) {
            uint8_t a = g->state[d][k - 1], b = g->state[d][k];
            if (a == 0 || b == 0)
                continue; /* a record missing: the point stays missing */
            struct mh_dec x = g->v[d][k], y = g->v[d][k - 1];
            if (a == 1 && b == 1 && x.exp == y.exp && x.m >= y.m) {
                struct mh_dec v = mh_dec_make(x.m - y.m, x.exp);
                fn(ctx, pn, inc[d], k - 1, &v);
            } else {
                fn(ctx, pn, inc[d], k - 1, NULL);
            }
        }
}

int ctask_dlt645_curve_parse(const uint8_t *bytes, const uint32_t *ends, size_t n_frames, const uint8_t addr[6],
                             unsigned step, uint16_t pn, const struct mh_tm *day, ctask_curve698_fn fn, void *ctx)
{
    int64_t start;
    if (step >= N_STEPS)
        return MH_ERANGE;
    int rc = step_start(step, day, &start);
    if (rc != 0)
        return rc;
    unsigned n_idx = step == 0 ? REGS : CCURVE_POINTS;
    static struct regs g; /* one loop thread; the registers of 97 records are too large for the stack */
    memset(&g, 0, sizeof g);
    int records = 0;
    uint32_t from = 0;
    for (size_t i = 0; i < n_frames; i++) {
        if (ends[i] < from || i > 255)
            return MH_EPROTO;
        struct dlt645_value v[VALUES_MAX];
        int n = frame_records(bytes + from, ends[i] - from, (unsigned)i, addr, LOAD_DI(step_class[step]), v,
                              VALUES_MAX);
        from = ends[i];
        if (n < 0)
            return n;
        int idx = -1;
        for (int k = 0; k < n; k++) {
            if (v[k].item == 0) { /* a record's time opens it */
                if (v[k].kind == DLT645_V_NODATA) {
                    idx = -1; /* a block the meter marks incorrect (E0 E0): its values are not placed */
                    continue;
                }
                if ((idx = record_index(&v[k], start, n_idx)) < 0)
                    return idx;
                records++;
                continue;
            }
            if (idx < 0)
                continue;
            if (step == 0) {
                int d = v[k].item == MH_ITEM_AE_IMP ? 0 : v[k].item == MH_ITEM_AE_EXP ? 1 : -1;
                if (d >= 0) {
                    g.state[d][idx] = v[k].kind == DLT645_V_NUM ? 1 : 2;
                    g.v[d][idx] = v[k].num;
                }
            } else if (v[k].kind == DLT645_V_NUM) {
                fn(ctx, pn, v[k].item, (unsigned)idx, &v[k].num);
            }
        }
    }
    if (step == 0)
        emit_increments(&g, pn, fn, ctx);
    return records;
}
