/*
 * AFN0E class-3 data: the event query by pointer range and its reply
 * (Q/GDW 1376.1-2013 5.14), and the event records (ERC) of appendix B as
 * const rows of typed fields. Unknown ERCs are skipped by their Le, as
 * terminals add vendor and later-edition records.
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"

#define F(fmt, name) {GDW1376_ERC_FMT, GDW1376_##fmt, name}
#define K(kind, name) {GDW1376_ERC_##kind, 0, name}
#define TIME F(A15, "time")

static const struct gdw1376_erc_field erc1[] = {TIME, K(BIN1, "flags"), K(ASCII4, "old_version"),
                                                K(ASCII4, "new_version")};
static const struct gdw1376_erc_field erc2[] = {TIME, K(BIN1, "flags")};
static const struct gdw1376_erc_field erc3[] = {TIME, K(BIN1, "master"), K(UNITS, "changed")};
static const struct gdw1376_erc_field erc8[] = {TIME, K(PN, "pn"), K(BIN1, "flags")};
/* ERC9 current loop and ERC10 voltage loop share one layout (D7..D6 of flags: the kind). */
static const struct gdw1376_erc_field erc9[] = {
    TIME, K(PN, "pn"), K(BIN1, "flags"), F(A7, "ua"), F(A7, "ub"), F(A7, "uc"),
    F(A25, "ia"), F(A25, "ib"), F(A25, "ic"), F(A14, "import_kwh")};
static const struct gdw1376_erc_field erc11[] = {
    TIME, K(PN, "pn"), F(A5, "angle_ua"), F(A5, "angle_ub"), F(A5, "angle_uc"),
    F(A5, "angle_ia"), F(A5, "angle_ib"), F(A5, "angle_ic"), F(A14, "import_kwh")};
static const struct gdw1376_erc_field erc12[] = {TIME, K(PN, "pn")};
static const struct gdw1376_erc_field erc14[] = {F(A15, "off_time"), F(A15, "on_time")};
static const struct gdw1376_erc_field erc17[] = {
    TIME, K(PN, "pn"), K(BIN1, "flags"), F(A5, "u_unbalance"), F(A5, "i_unbalance"),
    F(A7, "ua"), F(A7, "ub"), F(A7, "uc"), F(A25, "ia"), F(A25, "ib"), F(A25, "ic")};
static const struct gdw1376_erc_field erc20[] = {TIME, K(PW16, "pw"), K(BIN1, "master")};
static const struct gdw1376_erc_field erc27[] = {TIME, K(PN, "pn"), F(A14, "before_kwh"), F(A14, "after_kwh")};
/* ERC28 energy exceeded and ERC29 meter flying: readings before / after, threshold. */
static const struct gdw1376_erc_field erc28[] = {TIME, K(PN, "pn"), F(A14, "before_kwh"), F(A14, "after_kwh"),
                                                 F(A22, "threshold")};
static const struct gdw1376_erc_field erc30[] = {TIME, K(PN, "pn"), F(A14, "import_kwh"), K(BIN1, "threshold_15min")};
static const struct gdw1376_erc_field erc31[] = {TIME, K(PN, "pn"), F(A15, "last_ok"), F(A14, "import_kwh"),
                                                 F(A11, "import_kvarh")};
/* ERC37 meter cover and ERC38 terminal-box cover: count, from/to, six registers before and after. */
static const struct gdw1376_erc_field erc37[] = {
    TIME, K(PN, "pn"), F(A10, "count"), F(A1, "open_time"), F(A1, "close_time"),
    F(A14, "before_import_kwh"), F(A14, "before_export_kwh"), F(A11, "before_q1_kvarh"),
    F(A11, "before_q2_kvarh"), F(A11, "before_q3_kvarh"), F(A11, "before_q4_kvarh"),
    F(A14, "after_import_kwh"), F(A14, "after_export_kwh"), F(A11, "after_q1_kvarh"),
    F(A11, "after_q2_kvarh"), F(A11, "after_q3_kvarh"), F(A11, "after_q4_kvarh")};

static const struct gdw1376_erc_field erc4[] = {TIME, K(BIN1, "changed"), K(BIN1, "state")};
static const struct gdw1376_erc_field erc5[] = {TIME, K(BIN1, "turns"), F(A2, "power_kw"), F(A2, "power_after_2min_kw")};
static const struct gdw1376_erc_field erc6[] = {TIME, K(BIN1, "group"), K(BIN1, "turns"), K(BIN1, "kind"),
                                                F(A2, "power_before_kw"), F(A2, "power_after_2min_kw"),
                                                F(A2, "limit_kw")};
static const struct gdw1376_erc_field erc7[] = {TIME, K(BIN1, "group"), K(BIN1, "turns"), K(BIN1, "kind"),
                                                F(A3, "energy_kwh"), F(A3, "limit_kwh")};
static const struct gdw1376_erc_field erc21[] = {TIME, K(BIN1, "fault_code")};
static const struct gdw1376_erc_field erc24[] = {TIME, K(PN, "pn"), K(BIN1, "flags"), F(A7, "ua"), F(A7, "ub"),
                                                 F(A7, "uc")};
static const struct gdw1376_erc_field erc25[] = {TIME, K(PN, "pn"), K(BIN1, "flags"), F(A25, "ia"), F(A25, "ib"),
                                                 F(A25, "ic")};
static const struct gdw1376_erc_field erc26[] = {TIME, K(PN, "pn"), K(BIN1, "flags"), F(A23, "apparent_kva"),
                                                 F(A23, "limit_kva")};

struct erc_def {
    uint8_t erc;
    uint8_t n;
    const struct gdw1376_erc_field *f;
    const char *name;
};

#define ROW(num, tab, name) {num, sizeof tab / sizeof tab[0], tab, name}
static const struct erc_def ercs[] = {
    ROW(1, erc1, "init_version_change"), ROW(2, erc2, "parameter_loss"),
    ROW(3, erc3, "parameter_change"), ROW(4, erc4, "state_change"),
    ROW(5, erc5, "remote_trip"), ROW(6, erc6, "power_control_trip"),
    ROW(7, erc7, "energy_control_trip"), ROW(8, erc8, "meter_parameter_change"),
    ROW(9, erc9, "current_loop_abnormal"), ROW(10, erc9, "voltage_loop_abnormal"),
    ROW(11, erc11, "phase_sequence_abnormal"), ROW(12, erc12, "meter_time_beyond"),
    ROW(13, erc8, "meter_fault"), ROW(14, erc14, "power_off_on"),
    ROW(17, erc17, "unbalance_beyond"), ROW(20, erc20, "authentication_error"),
    ROW(21, erc21, "terminal_fault"), ROW(24, erc24, "voltage_beyond"),
    ROW(25, erc25, "current_beyond"), ROW(26, erc26, "apparent_power_beyond"),
    ROW(27, erc27, "energy_decrease"), ROW(28, erc28, "energy_exceeded"),
    ROW(29, erc28, "meter_flying"), ROW(30, erc30, "meter_stopped"),
    ROW(31, erc31, "read_failure"), ROW(37, erc37, "meter_cover_open"),
    ROW(38, erc37, "terminal_box_open"),
};

const struct gdw1376_erc_field *gdw1376_erc_fields(uint8_t erc, size_t *n, const char **name)
{
    for (size_t i = 0; i < sizeof ercs / sizeof ercs[0]; i++)
        if (ercs[i].erc == erc) {
            *n = ercs[i].n;
            if (name)
                *name = ercs[i].name;
            return ercs[i].f;
        }
    return NULL;
}

static size_t field_size(const struct gdw1376_erc_field *f)
{
    switch (f->kind) {
    case GDW1376_ERC_FMT: return gdw1376_fmt_size((enum gdw1376_fmt)f->fmt);
    case GDW1376_ERC_PN: return 2;
    case GDW1376_ERC_BIN1: return 1;
    case GDW1376_ERC_BIN3: return 3;
    case GDW1376_ERC_ASCII4: return 4;
    case GDW1376_ERC_PW16: return 16;
    default: return 0; /* UNITS: the rest */
    }
}

int gdw1376_erc_next(struct mh_rd *r, struct gdw1376_erc *e)
{
    memset(e, 0, sizeof *e);
    e->erc = mh_rd_u8(r);
    e->le = mh_rd_u8(r);
    e->data = mh_rd_bytes(r, e->le);
    if (mh_rd_err(r))
        return MH_ETRUNC;
    size_t n;
    const struct gdw1376_erc_field *f = gdw1376_erc_fields(e->erc, &n, &e->name);
    if (!f)
        return 0; /* unknown: skipped by Le */
    e->known = 1;
    e->fields = f;
    e->n_fields = (uint8_t)n;
    struct mh_rd d;
    mh_rd_init(&d, e->data, e->le);
    for (size_t i = 0; i < n; i++) {
        size_t s = field_size(&f[i]);
        if (f[i].kind == GDW1376_ERC_UNITS) {
            s = mh_rd_left(&d);
            if (s % 4)
                return MH_ETRUNC;
        }
        const uint8_t *p = mh_rd_bytes(&d, s);
        if (!p)
            return MH_ETRUNC;
        e->raw[i] = p;
        struct gdw1376_value *v = &e->v[i];
        switch (f[i].kind) {
        case GDW1376_ERC_FMT:
            gdw1376_fmt_decode((enum gdw1376_fmt)f[i].fmt, p, s, v);
            break;
        case GDW1376_ERC_PN:
            e->pn = (uint16_t)((p[0] | p[1] << 8) & 0x0FFF);
            e->start = p[1] >> 7;
            *v = (struct gdw1376_value){.kind = GDW1376_V_NUM, .num = {e->pn, 0}};
            break;
        case GDW1376_ERC_BIN1:
        case GDW1376_ERC_BIN3:
            *v = (struct gdw1376_value){.kind = GDW1376_V_NUM,
                                        .num = {s == 1 ? p[0] : (p[0] | p[1] << 8 | p[2] << 16), 0}};
            break;
        case GDW1376_ERC_ASCII4:
            v->kind = GDW1376_V_TEXT;
            memcpy(v->text, p, 4);
            break;
        case GDW1376_ERC_UNITS:
            *v = (struct gdw1376_value){.kind = GDW1376_V_NUM, .num = {(int64_t)(s / 4), 0}};
            break;
        default: /* PW16: raw only */
            v->kind = GDW1376_V_NODATA;
            break;
        }
    }
    return 0;
}

int gdw1376_erc_put(struct mh_wr *w, uint8_t erc, const struct gdw1376_value *v, size_t n, int start,
                    const uint8_t *blob, size_t blob_len)
{
    size_t nf;
    const struct gdw1376_erc_field *f = gdw1376_erc_fields(erc, &nf, NULL);
    if (!f)
        return MH_EUNKNOWN;
    if (n != nf)
        return MH_EINVAL;
    uint8_t b[255];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        size_t s = field_size(&f[i]);
        if (f[i].kind == GDW1376_ERC_UNITS || f[i].kind == GDW1376_ERC_PW16) {
            if ((f[i].kind == GDW1376_ERC_UNITS && blob_len % 4) ||
                (f[i].kind == GDW1376_ERC_PW16 && blob_len != 16) || blob_len > sizeof b - o)
                return MH_EINVAL;
            if (blob_len)
                memcpy(b + o, blob, blob_len);
            o += blob_len;
            continue;
        }
        if (s > sizeof b - o)
            return MH_EOVERFLOW;
        int64_t m = v[i].num.m;
        switch (f[i].kind) {
        case GDW1376_ERC_FMT:
            if (gdw1376_fmt_encode((enum gdw1376_fmt)f[i].fmt, &v[i], b + o, s) != 0)
                return MH_ERANGE;
            break;
        case GDW1376_ERC_PN:
            if (m < 0 || m > 2040)
                return MH_ERANGE;
            b[o] = (uint8_t)m;
            b[o + 1] = (uint8_t)(m >> 8 | (start ? 0x80 : 0));
            break;
        case GDW1376_ERC_ASCII4:
            memcpy(b + o, v[i].text, 4);
            break;
        default: /* BIN1, BIN3 */
            if (m < 0 || m >= (int64_t)1 << (8 * s))
                return MH_ERANGE;
            for (size_t k = 0; k < s; k++)
                b[o + k] = (uint8_t)(m >> (8 * k));
            break;
        }
        o += s;
    }
    mh_wr_u8(w, erc);
    mh_wr_u8(w, (uint8_t)o);
    mh_wr_bytes(w, b, o);
    return mh_wr_err(w);
}

int gdw1376_event_req_put(struct mh_wr *w, uint16_t fn, uint8_t pm, uint8_t pn)
{
    if (fn != 1 && fn != 2)
        return MH_EINVAL;
    uint8_t d[2] = {pm, pn};
    return gdw1376_unit_put(w, 0, fn, d, 2);
}

/* Step over `count` records by their Le (5.14: ERC 1, Le 1, Le bytes). */
static int walk_records(struct mh_rd *r, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        mh_rd_skip(r, 1);
        mh_rd_skip(r, mh_rd_u8(r));
    }
    return mh_rd_err(r) ? MH_ETRUNC : 0;
}

int gdw1376_event_reply_parse(const uint8_t *units, size_t n, struct gdw1376_event_reply *e, size_t *used)
{
    struct mh_rd r;
    mh_rd_init(&r, units, n);
    const uint8_t *h = mh_rd_bytes(&r, 8);
    if (!h)
        return MH_ETRUNC;
    if (h[0] != 0 || h[1] != 0 || h[3] != 0 || (h[2] != 1 && h[2] != 2))
        return MH_EPROTO;
    *e = (struct gdw1376_event_reply){.fn = h[2], .ec1 = h[4], .ec2 = h[5], .pm = h[6], .pn = h[7]};
    size_t start = r.off;
    int rc = walk_records(&r, (uint8_t)(e->pn - e->pm));
    if (rc)
        return rc;
    e->recs = units + start;
    e->recs_len = r.off - start;
    *used = r.off;
    return 0;
}

int gdw1376_event_reply_put(struct mh_wr *w, uint16_t fn, uint8_t ec1, uint8_t ec2, uint8_t pm, uint8_t pn,
                            const uint8_t *recs, size_t recs_len)
{
    if (fn != 1 && fn != 2)
        return MH_EINVAL;
    struct mh_rd r;
    mh_rd_init(&r, recs, recs_len);
    if (walk_records(&r, (uint8_t)(pn - pm)) != 0 || mh_rd_left(&r) != 0)
        return MH_EINVAL; /* the records must be exactly (pn - pm) mod 256 */
    uint8_t h[4] = {ec1, ec2, pm, pn};
    gdw1376_unit_put(w, 0, fn, h, 4);
    mh_wr_bytes(w, recs, recs_len);
    return mh_wr_err(w);
}
