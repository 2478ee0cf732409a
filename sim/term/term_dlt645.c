/*
 * The DL/T 645-2007 meter side: what a simulated meter answers to a read
 * (energy, daily freezes, instantaneous values, its clock and address),
 * and the DTU behaviour, a transparent TCP channel in front of one meter:
 * no login, no heartbeat, the meter's frames as they are.
 *
 * Values go through the codec's dictionary (dlt645_di_lookup gives format,
 * size and decimals; dlt645_values_encode writes them), so the simulator and
 * the master's decoder read one table. The model counts 0.1 Wh; a 645
 * register carries 0.01 kWh, so it shows the model's value truncated, as
 * the ground truth's notes say.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "term.h"

#define DAY_S 86400

/* ERR byte of an abnormal reply (DL/T 645-2007 7.1.2): bit 0 other, bit 1 no requested data, bit 2 password. */
#define ERR_OTHER 0x01
#define ERR_NO_DATA 0x02
#define ERR_PASSWORD 0x04

/* The meter's control password (PA 02 or 04, P0..P2 BCD, as commissioned in the field when not ESAM-protected). */
#define RC_PASSWORD 0x000000u

void sim_term_addr_wire(uint64_t address, uint8_t out[6])
{
    for (int i = 0; i < 6; i++) {
        unsigned two = (unsigned)(address % 100);
        out[i] = (uint8_t)((two / 10) << 4 | (two % 10));
        address /= 100;
    }
}

long sim_term_meter_by_addr(const struct scenario *s, const struct sim_terminal *t, const uint8_t addr[6])
{
    for (uint32_t k = 0; k < t->meter_count; k++) {
        uint8_t a[6];
        size_t idx = t->first_meter + k;
        sim_term_addr_wire(s->meters[idx].address, a);
        if (memcmp(a, addr, 6) == 0)
            return (long)idx;
    }
    return -1;
}

/* A number m x 10^exp truncated to `decimals` decimals (what a register of that resolution shows). */
static struct mh_dec trunc_dec(int64_t m, int exp, unsigned decimals)
{
    for (; exp < -(int)decimals; exp++)
        m /= 10;
    return mh_dec_make(m, exp);
}

/* Up to five values of one quantity: total + tariffs, phases, or one. */
struct q645 {
    int64_t v[5];
    int exp;  /* decimal exponent of v (0.1 Wh registers: -4 kWh) */
    size_t n; /* values present from first */
    size_t first;
};

/* Registers of a meter: import (dir 1) or export (dir 2), total and tariffs 1..4, at t. */
static void reg_q(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t when, int dir,
                  struct q645 *q)
{
    struct sim_registers r;
    sim_term_registers_at(s, t, idx, when, &r);
    for (int i = 0; i < 5; i++)
        q->v[i] = dir == 1 ? r.import_wh10[i] : r.export_wh10[i];
    q->exp = -4;
    q->n = 5;
    q->first = 0;
}

/* Instantaneous quantity DI2 of 02xx: 01 voltage, 02 current, 03 active, 04 reactive, 06 power factor. */
static int instant_q(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t now, unsigned di2,
                     struct q645 *q)
{
    struct sim_instant in;
    sim_term_instant_at(s, t, idx, now, &in);
    q->first = 0;
    switch (di2) {
    case 0x01:
        for (int i = 0; i < 3; i++)
            q->v[i] = in.voltage_dv[i];
        q->exp = -1, q->n = 3;
        return 0;
    case 0x02:
        for (int i = 0; i < 3; i++)
            q->v[i] = in.current_ma[i];
        q->exp = -3, q->n = 3;
        return 0;
    case 0x03:
    case 0x04:
        for (int i = 0; i < 4; i++)
            q->v[i] = (int64_t)(di2 == 0x03 ? in.p_w[i] : in.q_var[i]) * 10; /* W -> 0.0001 kW */
        q->exp = -4, q->n = 4;
        return 0;
    case 0x06:
        for (int i = 0; i < 4; i++)
            q->v[i] = in.pf_milli[i];
        q->exp = -3, q->n = 4;
        return 0;
    default:
        return MH_EUNKNOWN;
    }
}

/* Encode q's values selected by sel (index, or 0xFF for all) as the dictionary entry of di says. */
static int put_q(uint32_t di, const struct q645 *q, unsigned sel, uint8_t *data, size_t cap)
{
    const struct dlt645_di_def *def = dlt645_di_lookup(di, DLT645_2007);
    if (!def)
        return MH_EUNKNOWN;
    struct dlt645_value v[5];
    size_t n = 0;
    memset(v, 0, sizeof v);
    for (size_t i = 0; i < q->n; i++) {
        if (sel != 0xFF && i != sel)
            continue;
        v[n].kind = DLT645_V_NUM;
        v[n].num = trunc_dec(q->v[i], q->exp, def->decimals);
        n++;
    }
    if (n == 0)
        return MH_EUNKNOWN;
    return dlt645_values_encode(di, DLT645_2007, v, n, data, cap);
}

static int put_time(uint32_t di, const struct mh_tm *tm, uint8_t *data, size_t cap)
{
    struct dlt645_value v;
    memset(&v, 0, sizeof v);
    v.kind = DLT645_V_TIME;
    v.time = *tm;
    return dlt645_values_encode(di, DLT645_2007, &v, 1, data, cap);
}

/*
 * Freeze n (1 = last) of a meter: daily freezes happen at 00:00 of the
 * meter's day, so the last one is today's midnight. 0 when it exists.
 */
static int freeze_time(const struct scenario *s, int64_t now, unsigned n, int64_t *at)
{
    if (n < 1 || n > SIM_645_DAILY_FREEZES)
        return MH_EUNKNOWN;
    int64_t day = scenario_local_day(s, now) - (int64_t)(n - 1);
    *at = scenario_day_start(s, day);
    return *at >= s->start ? 0 : MH_EUNKNOWN;
}

/* Data of a read of di: byte count, or MH_EUNKNOWN for what this meter does not have. */
static int read_data(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t now, uint32_t di,
                     uint8_t *data, size_t cap)
{
    unsigned d3 = di >> 24, d2 = di >> 16 & 0xFF, d1 = di >> 8 & 0xFF, d0 = di & 0xFF;
    struct q645 q;
    if (d3 == 0x00 && (d2 == 0x01 || d2 == 0x02) && d0 == 0x00 && (d1 <= 4 || d1 == 0xFF)) {
        reg_q(s, t, idx, now, (int)d2, &q);
        return put_q(di, &q, d1, data, cap);
    }
    if (d3 == 0x02 && d2 >= 0x01 && d2 <= 0x06 && d0 == 0x00) {
        if (instant_q(s, t, idx, now, d2, &q) != 0)
            return MH_EUNKNOWN;
        /* Voltage and current: DI1 1..3 = phase A..C; powers and PF: 0 total, 1..3 phases. */
        unsigned sel = d1 == 0xFF ? 0xFF : (d2 <= 0x02 ? d1 - 1 : d1);
        if (sel != 0xFF && sel >= q.n)
            return MH_EUNKNOWN;
        return put_q(di, &q, sel, data, cap);
    }
    if (di == 0x02800002) {
        struct sim_instant in;
        sim_term_instant_at(s, t, idx, now, &in);
        q = (struct q645){{in.freq_chz}, -2, 1, 0};
        return put_q(di, &q, 0, data, cap);
    }
    if (di == 0x04000101 || di == 0x04000102) {
        struct mh_tm tm;
        sim_term_local_tm(s, sim_meter_clock(&s->meters[idx].model, now), &tm);
        return put_time(di, &tm, data, cap);
    }
    if (di == 0x04000503) {
        /* Status word 3 (2007 appendix; protocols/dlt645.md): bit 4 relay open, bit 6 trip commanded, bit 12
         * keep-power. Low byte first. */
        if (cap < 2)
            return MH_ENOSPC;
        int single = t->meter_count == 1;
        int open = single ? sim_term_tripped(t, now) : sim_term_meter_open(idx, now);
        int keep = single ? sim_term_switch(t, SIM_SW_PROTECT) != 0 : sim_term_meter_keeps_power(idx);
        data[0] = open ? 0x50 : 0x00;
        data[1] = keep ? 0x10 : 0x00;
        return 2;
    }
    if (di == 0x04000401) {
        if (cap < 6)
            return MH_ENOSPC;
        sim_term_addr_wire(s->meters[idx].address, data); /* stored low byte first, as addresses travel */
        return 6;
    }
    /* 0501 timed freeze (configured daily at 00:00) and 0506 daily freeze: DI1 00 time, 01/02 energy. */
    if (d3 == 0x05 && (d2 == 0x01 || d2 == 0x06) && d1 <= 0x02) {
        int64_t at;
        if (freeze_time(s, now, d0, &at) != 0)
            return MH_EUNKNOWN;
        if (d1 == 0x00) {
            struct mh_tm tm;
            sim_term_local_tm(s, at, &tm);
            return put_time(di, &tm, data, cap);
        }
        reg_q(s, t, idx, at, (int)d1, &q);
        return put_q(di, &q, 0xFF, data, cap);
    }
    return MH_EUNKNOWN;
}

/*
 * Remote control (0x1C, 2007 7.10): PA P0..P2 C0..C3 N1 N2 and the
 * command's validity (YYMMDDhhmmss). The password must be the meter's
 * (level 02 or 04) and the validity not past at the meter's clock. Trip
 * (1A) and close (1B allowed, 1C direct) cut and restore the load from now
 * on; keep-power (3A / 3B) protects against trips; alarm (2A / 2B) is the
 * urge-fee alarm. Where the terminal is in front of one meter (a DTU, a
 * special-transformer terminal) the load relay is the terminal's state;
 * a meter behind a concentrator keeps its own relay and keep-power, and
 * has no urge-fee alarm here. 0 done, else the ERR byte.
 */
static uint8_t remote_control(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t now,
                              const uint8_t *d, size_t len)
{
    if (len != 16)
        return ERR_OTHER;
    uint32_t pw = (uint32_t)d[1] | (uint32_t)d[2] << 8 | (uint32_t)d[3] << 16;
    if ((d[0] != 0x02 && d[0] != 0x04) || pw != RC_PASSWORD)
        return ERR_PASSWORD;
    struct dlt645_value until;
    int64_t valid, clock;
    if (dlt645_value_decode(DLT645_FMT_YYMMDDHHMMSS, 0, d + 10, 6, &until) != 0 || until.kind != DLT645_V_TIME ||
        sim_term_local_epoch(s, &until.time, &valid) != 0)
        return ERR_OTHER;
    clock = sim_meter_clock(&s->meters[idx].model, now);
    if (valid < clock)
        return ERR_OTHER; /* expired */
    int rc;
    if (t->meter_count != 1) {
        switch (d[8]) {
        case DLT645_RC_TRIP: rc = sim_term_meter_relay(idx, 1, now); break;
        case DLT645_RC_CLOSE_ALLOWED:
        case DLT645_RC_CLOSE_DIRECT: rc = sim_term_meter_relay(idx, 0, now); break;
        case DLT645_RC_KEEP_POWER:
        case DLT645_RC_KEEP_POWER_RELEASE: rc = sim_term_meter_keep_power(idx, d[8] == DLT645_RC_KEEP_POWER); break;
        default: return ERR_OTHER;
        }
        return rc == 0 ? 0 : ERR_OTHER;
    }
    switch (d[8]) {
    case DLT645_RC_TRIP: rc = sim_term_control(t, 1, now); break;
    case DLT645_RC_CLOSE_ALLOWED:
    case DLT645_RC_CLOSE_DIRECT: rc = sim_term_control(t, 0, now); break;
    case DLT645_RC_KEEP_POWER:
    case DLT645_RC_KEEP_POWER_RELEASE: rc = sim_term_switch_set(t, SIM_SW_PROTECT, 1, d[8] == DLT645_RC_KEEP_POWER); break;
    case DLT645_RC_ALARM:
    case DLT645_RC_ALARM_RELEASE: rc = sim_term_switch_set(t, SIM_SW_URGE_FEE, 1, d[8] == DLT645_RC_ALARM); break;
    default: return ERR_OTHER;
    }
    return rc == 0 ? 0 : ERR_OTHER;
}

int sim_term_645_answer(const struct scenario *s, const struct sim_terminal *t, size_t idx, int64_t now,
                        const uint8_t *frame, size_t len, struct mh_wr *w)
{
    struct dlt645_frame f;
    int rc = dlt645_frame_parse(frame, len, &f);
    if (rc != 0)
        return rc;
    if (f.ctrl & DLT645_CTRL_DIR)
        return 0; /* another meter's reply on the line */
    uint8_t addr[6], plain[DLT645_MAX_DATA];
    sim_term_addr_wire(s->meters[idx].address, addr);
    uint8_t func = f.ctrl & DLT645_CTRL_FUNC;
    static const uint8_t wildcard[6] = {0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA};
    if (func == DLT645_READ_ADDRESS && memcmp(f.addr, wildcard, 6) == 0)
        return dlt645_enc_ack(w, addr, DLT645_READ_ADDRESS, addr, 6) == 0 ? 1 : MH_ENOSPC;
    if (memcmp(f.addr, addr, 6) != 0)
        return 0;
    dlt645_data_plain(&f, plain);
    if (func == DLT645_REMOTE_CONTROL) {
        uint8_t err = remote_control(s, t, idx, now, plain, f.len);
        return (err ? dlt645_enc_error(w, addr, func, err) : dlt645_enc_ack(w, addr, func, NULL, 0)) == 0 ? 1
                                                                                                     : MH_ENOSPC;
    }
    if ((func != DLT645_READ && func != DLT645_READ_FOLLOW) || f.len < 4 ||
        (func == DLT645_READ_FOLLOW && f.len != 5))
        return dlt645_enc_error(w, addr, func, ERR_NO_DATA) == 0 ? 1 : MH_ENOSPC;
    uint32_t di = (uint32_t)plain[0] | (uint32_t)plain[1] << 8 | (uint32_t)plain[2] << 16 | (uint32_t)plain[3] << 24;
    uint8_t data[200];
    if (di >> 24 == 0x06 || func == DLT645_READ_FOLLOW) {
        /* Load records, and the follow-up frames of a long reply (2007 7.2, 7.3). */
        int more = 0, seq = func == DLT645_READ_FOLLOW ? plain[4] : 0;
        int n = seq == 0 && func == DLT645_READ_FOLLOW
                    ? MH_EUNKNOWN
                    : sim_term_645_load(s, t, idx, now, di, plain + 4, f.len - 4u, seq, data, sizeof data - 5, &more);
        if (n < 0)
            return dlt645_enc_error(w, addr, func, ERR_NO_DATA) == 0 ? 1 : MH_ENOSPC;
        return dlt645_enc_read_response(w, addr, DLT645_2007, di, data, (size_t)n, more, seq ? seq : -1) == 0
                   ? 1
                   : MH_ENOSPC;
    }
    int n = read_data(s, t, idx, now, di, data, sizeof data - 4);
    if (n < 0)
        return dlt645_enc_error(w, addr, func, ERR_NO_DATA) == 0 ? 1 : MH_ENOSPC;
    return dlt645_enc_read_response(w, addr, DLT645_2007, di, data, (size_t)n, 0, -1) == 0 ? 1 : MH_ENOSPC;
}

/* ---- the DTU: a transparent channel, no login ---- */

static void dtu_silent(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, int64_t now,
                       struct mh_wr *w)
{
    (void)s, (void)t, (void)seq, (void)now, (void)w;
}

static void dtu_on_frame(const struct scenario *s, const struct sim_terminal *t, uint32_t *seq, const uint8_t *frame,
                         size_t len, int64_t now, struct sim_emit *em)
{
    (void)seq;
    if (t->meter_count == 0)
        return;
    uint8_t out[DLT645_MAX_DATA + 32];
    struct mh_wr w;
    mh_wr_init(&w, out, sizeof out);
    if (sim_term_645_answer(s, t, t->first_meter, now, frame, len, &w) == 1)
        sim_emit_frame(em, out, mh_wr_len(&w));
}

/* A DL/T 645 meter reports nothing of its own accord: no report hooks. */
const struct sim_behaviour sim_term_dtu645 = {"dlt645-dtu", dlt645_frame_scan, dtu_silent, dtu_silent,
                                               dtu_on_frame, NULL, NULL};
