/*
 * DL/T 645-2007 load records (appendix A.7, identifiers 0600xxxx and
 * 06010000..06060000). Unlike every other reply, a record is a framed
 * structure of its own inside DATA:
 *
 *   A0 A0 (E0 E0: the meter marks the block incorrect)
 *   length (1 byte)
 *   record time mm hh DD MM YY (5)
 *   class 1 voltage A B C, current A B C, frequency (17)   AA
 *   class 2 active power total A B C, reactive total A B C (24) AA
 *   class 3 power factor total A B C (8)                    AA
 *   class 4 forward/reverse active, combined reactive 1/2 energy totals (16) AA
 *   class 5 quadrant I..IV reactive energy totals (16)      AA
 *   class 6 current active and reactive demand (6)          AA
 *   checksum (1), E5
 *
 * A class the meter does not record (its load-record mode word) is just its
 * AA. Several records may follow one another in one reply.
 *
 * The length byte and the checksum are read but not enforced: published
 * implementations disagree on what the length counts, and head-ends in the
 * field disable the checksum test because meters differ from the text. The
 * structure itself (start code, class sizes, separators, end code) is
 * enforced, so a record that decodes is laid out as the standard says.
 */
#include "dlt645_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/item.h"

#define FLD(fmt, bytes, dec, unit, item, name) {DLT645_FMT_##fmt, bytes, dec, MH_UNIT_##unit, item, name}

static const struct dlt645_field class1[] = {
    FLD(BCD, 2, 1, V, MH_ITEM_U_L1, "voltage A"),      FLD(BCD, 2, 1, V, MH_ITEM_U_L2, "voltage B"),
    FLD(BCD, 2, 1, V, MH_ITEM_U_L3, "voltage C"),      FLD(SBCD, 3, 3, A, MH_ITEM_I_L1, "current A"),
    FLD(SBCD, 3, 3, A, MH_ITEM_I_L2, "current B"),     FLD(SBCD, 3, 3, A, MH_ITEM_I_L3, "current C"),
    FLD(BCD, 2, 2, HZ, MH_ITEM_FREQ, "frequency"),
};
const struct dlt645_field dlt645_power_fields[8] = {
    FLD(SBCD, 3, 4, KW, MH_ITEM_P, "active power"),          FLD(SBCD, 3, 4, KW, MH_ITEM_P_L1, "active power A"),
    FLD(SBCD, 3, 4, KW, MH_ITEM_P_L2, "active power B"),     FLD(SBCD, 3, 4, KW, MH_ITEM_P_L3, "active power C"),
    FLD(SBCD, 3, 4, KVAR, MH_ITEM_Q, "reactive power"),      FLD(SBCD, 3, 4, KVAR, MH_ITEM_Q_L1, "reactive power A"),
    FLD(SBCD, 3, 4, KVAR, MH_ITEM_Q_L2, "reactive power B"), FLD(SBCD, 3, 4, KVAR, MH_ITEM_Q_L3, "reactive power C"),
};
static const struct dlt645_field class3[] = {
    FLD(SBCD, 2, 3, NONE, MH_ITEM_PF, "power factor"),      FLD(SBCD, 2, 3, NONE, MH_ITEM_PF_L1, "power factor A"),
    FLD(SBCD, 2, 3, NONE, MH_ITEM_PF_L2, "power factor B"), FLD(SBCD, 2, 3, NONE, MH_ITEM_PF_L3, "power factor C"),
};
static const struct dlt645_field class4[] = {
    FLD(BCD, 4, 2, KWH, MH_ITEM_AE_IMP, "forward active energy"),
    FLD(BCD, 4, 2, KWH, MH_ITEM_AE_EXP, "reverse active energy"),
    FLD(SBCD, 4, 2, KVARH, MH_ITEM_RE_IMP, "combined reactive energy 1"),
    FLD(SBCD, 4, 2, KVARH, MH_ITEM_RE_EXP, "combined reactive energy 2"),
};
static const struct dlt645_field class5[] = {
    FLD(BCD, 4, 2, KVARH, MH_ITEM_RE_Q1, "quadrant I reactive energy"),
    FLD(BCD, 4, 2, KVARH, MH_ITEM_RE_Q2, "quadrant II reactive energy"),
    FLD(BCD, 4, 2, KVARH, MH_ITEM_RE_Q3, "quadrant III reactive energy"),
    FLD(BCD, 4, 2, KVARH, MH_ITEM_RE_Q4, "quadrant IV reactive energy"),
};
static const struct dlt645_field class6[] = {
    FLD(SBCD, 3, 4, KW, MH_ITEM_DEM_AE_IMP, "current active demand"),
    FLD(SBCD, 3, 4, KVAR, MH_ITEM_DEM_RE_IMP, "current reactive demand"),
};
static const struct dlt645_field record_time = FLD(YYMMDDHHMM, 5, 0, NONE, 0, "record time");

static const struct {
    const struct dlt645_field *fields;
    uint8_t n, bytes;
} classes[6] = {
    {class1, 7, 17}, {dlt645_power_fields, 8, 24}, {class3, 4, 8}, {class4, 4, 16}, {class5, 4, 16}, {class6, 2, 6},
};

static void put_value(const struct dlt645_field *f, const uint8_t *p, uint8_t last, struct dlt645_value *v)
{
    dlt645_value_decode((enum dlt645_fmt)f->fmt, f->decimals, p, f->bytes, v);
    v->item = f->item;
    v->unit = f->unit;
    v->name = f->name;
    v->settlement = last;
}

int dlt645_load_decode(const uint8_t *p, size_t len, uint8_t last, struct dlt645_value *out, size_t max)
{
    size_t off = 0, count = 0;
    while (off < len) {
        /* A0 A0 len time ... CS E5: at least 3 + 5 + 6 separators + 2. */
        if (len - off < 16)
            return MH_EBADLEN;
        if (!((p[off] == 0xA0 && p[off + 1] == 0xA0) || (p[off] == 0xE0 && p[off + 1] == 0xE0)))
            return MH_EBADSTART;
        int bad_block = p[off] == 0xE0;
        off += 3;
        if (count < max) {
            put_value(&record_time, p + off, last, &out[count]);
            if (bad_block)
                out[count].kind = DLT645_V_NODATA; /* the meter says this block is not right */
            count++;
        }
        off += 5;
        for (unsigned c = 0; c < 6; c++) {
            if (off >= len)
                return MH_EBADLEN;
            if (p[off] == 0xAA) { /* class not recorded */
                off++;
                continue;
            }
            if (len - off < (size_t)classes[c].bytes + 1u || p[off + classes[c].bytes] != 0xAA)
                return MH_EBADLEN;
            for (unsigned i = 0; i < classes[c].n; i++) {
                const struct dlt645_field *f = &classes[c].fields[i];
                if (count < max) {
                    put_value(f, p + off, last, &out[count]);
                    if (bad_block)
                        out[count].kind = DLT645_V_NODATA;
                    count++;
                }
                off += f->bytes;
            }
            off++; /* AA */
        }
        if (len - off < 2 || p[off + 1] != 0xE5)
            return MH_EBADEND;
        off += 2; /* checksum (not enforced, see above), E5 */
    }
    return count ? (int)count : MH_EBADLEN;
}

/* Which class the value at v starts, or -1: by its item (each class starts with an item no other has). */
static int class_of(const struct dlt645_value *v)
{
    for (int c = 0; c < 6; c++)
        if (v->item == classes[c].fields[0].item)
            return c;
    return -1;
}

/* A record starts with its time: a time (or the "no data" of a block marked E0 E0) without an item. */
static int is_record_time(const struct dlt645_value *v)
{
    return v->item == 0 && (v->kind == DLT645_V_TIME || v->kind == DLT645_V_NODATA);
}

int dlt645_load_encode(const struct dlt645_value *v, size_t n, uint8_t *data, size_t cap)
{
    size_t k = 0, len = 0;
    while (k < n) {
        if (!is_record_time(&v[k]))
            return MH_EINVAL;
        if (cap - len < 16)
            return MH_ENOSPC;
        size_t start = len;
        data[len++] = 0xA0;
        data[len++] = 0xA0;
        size_t len_at = len++;
        int rc = dlt645_value_encode(DLT645_FMT_YYMMDDHHMM, 0, &v[k++], data + len, 5);
        if (rc)
            return rc;
        len += 5;
        for (int c = 0; c < 6; c++) {
            if (k < n && class_of(&v[k]) == c) {
                if (n - k < classes[c].n || cap - len < (size_t)classes[c].bytes + 1u)
                    return n - k < classes[c].n ? MH_EINVAL : MH_ENOSPC;
                for (unsigned i = 0; i < classes[c].n; i++, k++) {
                    const struct dlt645_field *f = &classes[c].fields[i];
                    if (v[k].item != f->item)
                        return MH_EINVAL;
                    rc = dlt645_value_encode((enum dlt645_fmt)f->fmt, f->decimals, &v[k], data + len, f->bytes);
                    if (rc)
                        return rc;
                    len += f->bytes;
                }
            }
            if (cap - len < 1)
                return MH_ENOSPC;
            data[len++] = 0xAA;
        }
        if (cap - len < 2)
            return MH_ENOSPC;
        /* Length: the bytes from the record time through the last separator. */
        data[len_at] = (uint8_t)(len - len_at - 1);
        uint8_t cs = 0;
        for (size_t i = start; i < len; i++)
            cs = (uint8_t)(cs + data[i]);
        data[len++] = cs; /* sum from the first A0 through the last AA */
        data[len++] = 0xE5;
    }
    return (int)len;
}
