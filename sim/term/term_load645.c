/*
 * DL/T 645-2007 load records (0x11 on 0600xxxx / 0601xxxx..0604xxxx with a
 * block count and start time, appendix A.7) and the follow-up reads (0x12)
 * their long replies need, as a meter answers them.
 *
 * A record every 15 minutes from the start time asked (rounded up to the
 * quarter), at most LOAD_BLOCKS, never past now nor before the scenario:
 * class 1 voltages, currents, frequency; class 2 powers; class 3 power
 * factors; class 4 active energy (reactive registers are not modelled:
 * "no data"). Records are laid out by the codec (dlt645_load_encode). A
 * reply carries whole records, as many as fit one frame's data; when more
 * are left the reply has the follow bit and the master asks for frame
 * seq = 1, 2 ... with 0x12, which the meter answers from the request it
 * keeps (one per terminal: the meter in front of it).
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/bcd.h"
#include "meterhub/proto/item.h"
#include "term.h"

#define LOAD_BLOCKS 99     /* records one request may ask: NN is two BCD digits */
#define LOAD_STEP 900      /* the meter's record period (s) */
#define FRAME_DATA 192     /* record bytes per reply frame: DI (4) + SEQ (1) + records within 200 */
#define RECORD_MAX 100     /* bytes of one record with every class */

/* The values of one record at `at` (time first, then the classes DI1 selects: 0 = all). */
static size_t record_values(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t at,
                            unsigned cls, struct dlt645_value *v)
{
    struct sim_instant in;
    struct sim_registers r;
    size_t n = 0;
    memset(v, 0, 32 * sizeof *v);
    v[n].kind = DLT645_V_TIME;
    sim_term_local_tm(s, at, &v[n].time);
    v[n].time.has = MH_TM_FULL;
    v[n].time.sec = 0;
    n++;
    sim_term_instant_at(s, t, idx, at, &in);
    sim_term_registers_at(s, t, idx, at, &r);
    /* A value past what its field holds goes out as "no data", as a meter's register would overflow. */
#define PUT_MAX(it, m, e, max)                                                                     \
    (v[n].item = (it), v[n].num = mh_dec_make((m), (e)),                                           \
     v[n].kind = (m) < (max) && (m) > -(int64_t)(max) ? DLT645_V_NUM : DLT645_V_NODATA, n++)
#define PUT(it, m, e) PUT_MAX(it, m, e, 80000) /* 3-byte signed BCD fields: 79.999 (kW, A ...) */
    if (cls == 0 || cls == 1) {
        static const uint32_t u[3] = {MH_ITEM_U_L1, MH_ITEM_U_L2, MH_ITEM_U_L3};
        static const uint32_t i[3] = {MH_ITEM_I_L1, MH_ITEM_I_L2, MH_ITEM_I_L3};
        for (int k = 0; k < 3; k++)
            PUT_MAX(u[k], in.voltage_dv[k], -1, 10000);
        for (int k = 0; k < 3; k++)
            PUT_MAX(i[k], in.current_ma[k], -3, 800000);
        PUT_MAX(MH_ITEM_FREQ, in.freq_chz, -2, 10000);
    }
    if (cls == 0 || cls == 2) {
        static const uint32_t p[4] = {MH_ITEM_P, MH_ITEM_P_L1, MH_ITEM_P_L2, MH_ITEM_P_L3};
        static const uint32_t q[4] = {MH_ITEM_Q, MH_ITEM_Q_L1, MH_ITEM_Q_L2, MH_ITEM_Q_L3};
        for (int k = 0; k < 4; k++)
            PUT(p[k], in.p_w[k], -3);
        for (int k = 0; k < 4; k++)
            PUT(q[k], in.q_var[k], -3);
    }
    if (cls == 0 || cls == 3) {
        static const uint32_t pf[4] = {MH_ITEM_PF, MH_ITEM_PF_L1, MH_ITEM_PF_L2, MH_ITEM_PF_L3};
        for (int k = 0; k < 4; k++)
            PUT_MAX(pf[k], in.pf_milli[k], -3, 8000);
    }
    if (cls == 0 || cls == 4) {
        PUT_MAX(MH_ITEM_AE_IMP, r.import_wh10[0] / 100, -2, 100000000); /* 0.01 kWh, truncated */
        PUT_MAX(MH_ITEM_AE_EXP, r.export_wh10[0] / 100, -2, 100000000);
        v[n].kind = DLT645_V_NODATA, v[n].item = MH_ITEM_RE_IMP, n++;
        v[n].kind = DLT645_V_NODATA, v[n].item = MH_ITEM_RE_EXP, n++;
    }
#undef PUT
#undef PUT_MAX
    return n;
}

int sim_term_645_load(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t now,
                      uint32_t di, const uint8_t *args, size_t n_args, int seq, uint8_t *data, size_t cap,
                      int *more)
{
    unsigned cls = di >> 16 & 0xFF;
    if ((di >> 24) != 0x06 || cls > 4)
        return MH_EUNKNOWN;
    struct sim_term_load_req *q = sim_term_load_state(t, seq == 0);
    if (!q)
        return seq == 0 ? MH_ENOMEM : MH_EUNKNOWN;
    if (seq == 0) {
        /* N, then the start time mm hh DD MM YY */
        struct dlt645_value st;
        int64_t from;
        /* NN is BCD (A.7, as the codec's dlt645_enc_read_records writes it): 97 is 0x97. */
        if (n_args != 6 || !mh_bcd_byte_valid(args[0]) || args[0] == 0 || dlt645_value_decode(DLT645_FMT_YYMMDDHHMM, 0, args + 1, 5, &st) != 0 ||
            st.kind != DLT645_V_TIME || sim_term_local_epoch(s, &st.time, &from) != 0)
            return MH_EUNKNOWN;
        from = (from + LOAD_STEP - 1) / LOAD_STEP * LOAD_STEP;
        if (from < s->start)
            from = (s->start + LOAD_STEP - 1) / LOAD_STEP * LOAD_STEP;
        uint8_t nn = mh_bcd_byte_value(args[0]);
        *q = (struct sim_term_load_req){di, (uint8_t)(nn > LOAD_BLOCKS ? LOAD_BLOCKS : nn), from,
                                        (int32_t)idx, 1};
    } else if (!q->valid || q->di != di || q->meter != (int32_t)idx) {
        return MH_EUNKNOWN; /* a follow-up read of nothing asked */
    }
    /* Records of frame seq: whole records, as many as fit FRAME_DATA. */
    size_t len = 0, frame = 0, k = 0;
    *more = 0;
    for (; k < q->n; k++) {
        int64_t at = q->start + (int64_t)k * LOAD_STEP;
        if (at > now)
            break;
        struct dlt645_value v[32];
        uint8_t rec[RECORD_MAX];
        size_t nv = record_values(s, t, idx, at, cls, v);
        int rn = dlt645_load_encode(v, nv, rec, sizeof rec);
        if (rn < 0)
            return rn;
        if (len + (size_t)rn > FRAME_DATA) {
            if (frame == (size_t)seq) {
                *more = 1;
                break;
            }
            frame++;
            len = 0;
        }
        if (frame == (size_t)seq) {
            if (len + (size_t)rn > cap)
                return MH_ENOSPC;
            memcpy(data + len, rec, (size_t)rn);
        }
        len += (size_t)rn;
    }
    return frame == (size_t)seq && len > 0 ? (int)len : MH_EUNKNOWN;
}
