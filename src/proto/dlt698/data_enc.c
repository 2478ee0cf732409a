/*
 * DL/T 698.45 typed data out (dlt698_data.h): a writer per type, and the
 * tree encoder that is the decoder's inverse (decode -> encode gives the
 * same bytes). Big-endian bodies, A-XDR lengths (clause 8 / appendix A).
 */
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698_data.h"

void dlt698_put_null(struct mh_wr *w)
{
    mh_wr_u8(w, DLT698_NULL);
}

void dlt698_put_array(struct mh_wr *w, size_t n)
{
    mh_wr_u8(w, DLT698_ARRAY);
    dlt698_len_write(w, n);
}

void dlt698_put_struct(struct mh_wr *w, size_t n)
{
    mh_wr_u8(w, DLT698_STRUCT);
    dlt698_len_write(w, n);
}

void dlt698_put_bool(struct mh_wr *w, int v)
{
    mh_wr_u8(w, DLT698_BOOL);
    mh_wr_u8(w, v ? 1 : 0);
}

static void bits_body(struct mh_wr *w, const uint8_t *bytes, size_t bits)
{
    dlt698_len_write(w, bits);
    mh_wr_bytes(w, bytes, (bits + 7) / 8);
}

void dlt698_put_bits(struct mh_wr *w, const uint8_t *bytes, size_t bits)
{
    mh_wr_u8(w, DLT698_BITSTRING);
    bits_body(w, bytes, bits);
}

static void string_body(struct mh_wr *w, const void *p, size_t n)
{
    dlt698_len_write(w, n);
    mh_wr_bytes(w, p, n);
}

static void put_string(struct mh_wr *w, uint8_t type, const void *p, size_t n)
{
    mh_wr_u8(w, type);
    string_body(w, p, n);
}

void dlt698_put_octets(struct mh_wr *w, const uint8_t *p, size_t n)
{
    put_string(w, DLT698_OCTETS, p, n);
}

void dlt698_put_visible(struct mh_wr *w, const char *s, size_t n)
{
    put_string(w, DLT698_VISIBLE, s, n);
}

void dlt698_put_utf8(struct mh_wr *w, const char *s, size_t n)
{
    put_string(w, DLT698_UTF8, s, n);
}

void dlt698_put_mac(struct mh_wr *w, const uint8_t *p, size_t n)
{
    put_string(w, DLT698_MAC, p, n);
}

void dlt698_put_rn(struct mh_wr *w, const uint8_t *p, size_t n)
{
    put_string(w, DLT698_RN, p, n);
}

void dlt698_put_tsa(struct mh_wr *w, const uint8_t *sa, size_t len)
{
    if (len < 1 || len > 16) {
        mh_wr_fail(w, MH_EINVAL);
        return;
    }
    mh_wr_u8(w, DLT698_TSA);
    mh_wr_u8(w, (uint8_t)(len + 1));
    mh_wr_u8(w, (uint8_t)(len - 1)); /* AF: single address, logical 0, length - 1 */
    /*
     * The frame header carries SA low byte first (clause 7.1: 201605190907 goes
     * out as 07 09 19 05 16 20); inside an APDU an address is an octet-string
     * like any other, most significant byte first, as 4001 communication
     * address answers (vectors: 12 34 56 78 90 12 for 123456789012, whose SA
     * is 12 90 78 56 34 12) and as the collector and the terminal's 202A
     * column write a TSA. So the wire-order SA is written reversed.
     */
    for (size_t i = len; i-- > 0;)
        mh_wr_u8(w, sa[i]);
}

/* Fixed-size integers: tag, then the low `size` bytes of v big-endian. */
static void put_int(struct mh_wr *w, uint8_t type, uint64_t v, unsigned size)
{
    uint8_t *q = mh_wr_reserve(w, 1 + size);
    if (!q)
        return;
    q[0] = type;
    for (unsigned k = 0; k < size; k++)
        q[1 + k] = (uint8_t)(v >> (8 * (size - 1 - k)));
}

void dlt698_put_i32(struct mh_wr *w, int32_t v) { put_int(w, DLT698_DOUBLE_LONG, (uint32_t)v, 4); }
void dlt698_put_u32(struct mh_wr *w, uint32_t v) { put_int(w, DLT698_DOUBLE_LONG_U, v, 4); }
void dlt698_put_i8(struct mh_wr *w, int8_t v) { put_int(w, DLT698_INTEGER, (uint8_t)v, 1); }
void dlt698_put_i16(struct mh_wr *w, int16_t v) { put_int(w, DLT698_LONG, (uint16_t)v, 2); }
void dlt698_put_u8(struct mh_wr *w, uint8_t v) { put_int(w, DLT698_UNSIGNED, v, 1); }
void dlt698_put_u16(struct mh_wr *w, uint16_t v) { put_int(w, DLT698_LONG_U, v, 2); }
void dlt698_put_i64(struct mh_wr *w, int64_t v) { put_int(w, DLT698_LONG64, (uint64_t)v, 8); }
void dlt698_put_u64(struct mh_wr *w, uint64_t v) { put_int(w, DLT698_LONG64_U, v, 8); }
void dlt698_put_enum(struct mh_wr *w, uint8_t v) { put_int(w, DLT698_ENUM, v, 1); }
void dlt698_put_oi(struct mh_wr *w, uint16_t oi) { put_int(w, DLT698_OI, oi, 2); }
void dlt698_put_oad(struct mh_wr *w, uint32_t oad) { put_int(w, DLT698_OAD, oad, 4); }
void dlt698_put_omd(struct mh_wr *w, uint32_t omd) { put_int(w, DLT698_OMD, omd, 4); }

void dlt698_put_f32(struct mh_wr *w, float v)
{
    uint32_t b;
    memcpy(&b, &v, sizeof b);
    put_int(w, DLT698_FLOAT32, b, 4);
}

void dlt698_put_f64(struct mh_wr *w, double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    put_int(w, DLT698_FLOAT64, b, 8);
}

/* A time field, or its "unspecified" filler when absent. */
static void tm_u8(struct mh_wr *w, const struct mh_tm *t, unsigned bit, uint8_t v)
{
    mh_wr_u8(w, (t->has & bit) ? v : 0xFF);
}

void dlt698_put_time_body(struct mh_wr *w, uint8_t type, const struct mh_tm *t)
{
    if (type != DLT698_DATETIME && type != DLT698_DATE && type != DLT698_TIME && type != DLT698_DATETIME_S) {
        mh_wr_fail(w, MH_EINVAL);
        return;
    }
    if (type != DLT698_TIME) {
        mh_wr_u16be(w, (t->has & MH_TM_YEAR) ? t->year : 0xFFFF);
        tm_u8(w, t, MH_TM_MON, t->mon);
        tm_u8(w, t, MH_TM_DAY, t->day);
        if (type != DLT698_DATETIME_S)
            tm_u8(w, t, MH_TM_WDAY, (uint8_t)(t->wday % 7)); /* 698 counts Sunday as 0 */
        if (type == DLT698_DATE)
            return;
    }
    tm_u8(w, t, MH_TM_HOUR, t->hour);
    tm_u8(w, t, MH_TM_MIN, t->min);
    tm_u8(w, t, MH_TM_SEC, t->sec);
    if (type == DLT698_DATETIME)
        mh_wr_u16be(w, (t->has & MH_TM_MS) ? t->ms : 0xFFFF);
}

void dlt698_put_time(struct mh_wr *w, uint8_t type, const struct mh_tm *t)
{
    mh_wr_u8(w, type);
    dlt698_put_time_body(w, type, t);
}

static void road_body(struct mh_wr *w, uint32_t oad, const uint32_t *cols, size_t n)
{
    mh_wr_u32be(w, oad);
    dlt698_len_write(w, n);
    for (size_t k = 0; k < n; k++)
        mh_wr_u32be(w, cols[k]);
}

void dlt698_put_road(struct mh_wr *w, uint32_t oad, const uint32_t *cols, size_t n)
{
    mh_wr_u8(w, DLT698_ROAD);
    road_body(w, oad, cols, n);
}

void dlt698_put_ti(struct mh_wr *w, uint8_t unit, uint16_t v)
{
    mh_wr_u8(w, DLT698_TI);
    mh_wr_u8(w, unit);
    mh_wr_u16be(w, v);
}

void dlt698_put_region(struct mh_wr *w, uint8_t unit)
{
    mh_wr_u8(w, DLT698_REGION);
    mh_wr_u8(w, unit);
}

void dlt698_put_scaler_unit(struct mh_wr *w, int8_t scaler, uint8_t unit)
{
    mh_wr_u8(w, DLT698_SCALER_UNIT);
    mh_wr_u8(w, (uint8_t)scaler);
    mh_wr_u8(w, unit);
}

void dlt698_put_comdcb(struct mh_wr *w, const uint8_t dcb[5])
{
    mh_wr_u8(w, DLT698_COMDCB);
    mh_wr_bytes(w, dcb, 5);
}

/* ---- from a node tree ---- */

struct enc {
    struct mh_wr *w;
    const struct dlt698_node *nodes;
    size_t n;
    int err;
    unsigned depth;
};

static size_t enc(struct enc *e, size_t i, int tagged);

static size_t bad(struct enc *e)
{
    if (!e->err)
        e->err = MH_EINVAL;
    return e->n;
}

/* Node i must be of `type` (a fixed field of a composite value): written untagged. */
static size_t field(struct enc *e, size_t i, uint8_t type)
{
    if (i >= e->n || e->nodes[i].type != type)
        return bad(e);
    return enc(e, i, 0);
}

/* Children of a compound node: k-th child as tagged Data or a field of `type`. */
static size_t kids(struct enc *e, size_t i, uint32_t count, int tagged, uint8_t type)
{
    for (uint32_t k = 0; k < count && !e->err; k++)
        i = tagged ? enc(e, i, 1) : field(e, i, type);
    return i;
}

static size_t ms(struct enc *e, size_t i, const struct dlt698_node *nd)
{
    static const uint8_t set_type[8] = {0, 0, DLT698_UNSIGNED, DLT698_TSA, DLT698_LONG_U,
                                        DLT698_REGION, DLT698_REGION, DLT698_REGION};
    if (nd->choice >= 8)
        return bad(e);
    mh_wr_u8(e->w, nd->choice);
    if (!set_type[nd->choice])
        return i;
    dlt698_len_write(e->w, nd->count);
    return kids(e, i, nd->count, 0, set_type[nd->choice]);
}

static size_t rsd(struct enc *e, size_t i, const struct dlt698_node *nd, int with_selector)
{
    if (with_selector)
        mh_wr_u8(e->w, nd->choice);
    switch (nd->choice) {
    case 0:
        return i;
    case 1:
        i = field(e, i, DLT698_OAD);
        return enc(e, i, 1);
    case 2:
        i = field(e, i, DLT698_OAD);
        return kids(e, i, 3, 1, 0);
    case 3:
        dlt698_len_write(e->w, nd->count);
        for (uint32_t k = 0; k < nd->count && !e->err; k++) {
            if (i >= e->n || e->nodes[i].type != DLT698_RSD || e->nodes[i].choice != 2)
                return bad(e);
            i = rsd(e, i + 1, &e->nodes[i], 0);
        }
        return i;
    case 4: case 5:
        i = field(e, i, DLT698_DATETIME_S);
        return field(e, i, DLT698_MS);
    case 6: case 7: case 8:
        i = kids(e, i, 2, 0, DLT698_DATETIME_S);
        i = field(e, i, DLT698_TI);
        return field(e, i, DLT698_MS);
    case 9:
        return field(e, i, DLT698_UNSIGNED);
    case 10:
        i = field(e, i, DLT698_UNSIGNED);
        return field(e, i, DLT698_MS);
    default:
        return bad(e);
    }
}

/* Encode node i (tagged or not); returns the index after its subtree. */
static size_t enc_node(struct enc *e, size_t i, int tagged)
{
    if (e->err || i >= e->n)
        return bad(e);
    const struct dlt698_node *nd = &e->nodes[i];
    struct mh_wr *w = e->w;
    if (!dlt698_type_known(nd->type))
        return bad(e);
    if (tagged)
        mh_wr_u8(w, nd->type);
    i++;
    switch (nd->type) {
    case DLT698_NULL:
        return i;
    case DLT698_ARRAY:
    case DLT698_STRUCT:
        dlt698_len_write(w, nd->count);
        return kids(e, i, nd->count, 1, 0);
    case DLT698_BOOL:
    case DLT698_UNSIGNED:
    case DLT698_ENUM:
    case DLT698_INTEGER:
        mh_wr_u8(w, (uint8_t)nd->v.u);
        return i;
    case DLT698_LONG:
    case DLT698_LONG_U:
    case DLT698_OI:
        mh_wr_u16be(w, (uint16_t)nd->v.u);
        return i;
    case DLT698_DOUBLE_LONG:
    case DLT698_DOUBLE_LONG_U:
    case DLT698_OAD:
    case DLT698_OMD:
        mh_wr_u32be(w, (uint32_t)nd->v.u);
        return i;
    case DLT698_LONG64:
    case DLT698_LONG64_U:
        mh_wr_u64be(w, nd->v.u);
        return i;
    case DLT698_FLOAT32: {
        float f = (float)nd->v.f;
        uint32_t b;
        memcpy(&b, &f, sizeof b);
        mh_wr_u32be(w, b);
        return i;
    }
    case DLT698_FLOAT64:
        mh_wr_u64be(w, nd->v.u);
        return i;
    case DLT698_BITSTRING:
        bits_body(w, nd->bytes, nd->count);
        return i;
    case DLT698_OCTETS:
    case DLT698_VISIBLE:
    case DLT698_UTF8:
    case DLT698_TSA:
    case DLT698_MAC:
    case DLT698_RN:
        string_body(w, nd->bytes, nd->count);
        return i;
    case DLT698_DATETIME:
    case DLT698_DATE:
    case DLT698_TIME:
    case DLT698_DATETIME_S:
        dlt698_put_time_body(w, nd->type, &nd->v.time);
        return i;
    case DLT698_ROAD:
        mh_wr_u32be(w, (uint32_t)nd->v.u);
        dlt698_len_write(w, nd->count);
        return kids(e, i, nd->count, 0, DLT698_OAD);
    case DLT698_TI:
        mh_wr_u8(w, nd->choice);
        mh_wr_u16be(w, (uint16_t)nd->v.u);
        return i;
    case DLT698_REGION:
        mh_wr_u8(w, nd->choice);
        return kids(e, i, 2, 1, 0);
    case DLT698_SCALER_UNIT:
        mh_wr_u8(w, (uint8_t)nd->scaler);
        mh_wr_u8(w, nd->choice);
        return i;
    case DLT698_RSD:
        return rsd(e, i, nd, 1);
    case DLT698_CSD:
        if (nd->choice > 1)
            return bad(e);
        mh_wr_u8(w, nd->choice);
        return field(e, i, nd->choice == 0 ? DLT698_OAD : DLT698_ROAD);
    case DLT698_MS:
        return ms(e, i, nd);
    case DLT698_SID:
        mh_wr_u32be(w, (uint32_t)nd->v.u);
        string_body(w, nd->bytes, nd->count);
        return i;
    case DLT698_SID_MAC:
        i = field(e, i, DLT698_SID);
        string_body(w, nd->bytes, nd->count);
        return i;
    case DLT698_COMDCB:
        if (nd->count != 5)
            return bad(e);
        mh_wr_bytes(w, nd->bytes, 5);
        return i;
    case DLT698_RCSD:
        dlt698_len_write(w, nd->count);
        return kids(e, i, nd->count, 0, DLT698_CSD);
    default:
        return bad(e);
    }
}

/* Hand-built trees are bounded like decoded ones: no deeper than DLT698_MAX_DEPTH. */
static size_t enc(struct enc *e, size_t i, int tagged)
{
    if (e->depth > DLT698_MAX_DEPTH) {
        if (!e->err)
            e->err = MH_EDEPTH;
        return e->n;
    }
    e->depth++;
    i = enc_node(e, i, tagged);
    e->depth--;
    return i;
}

static int run(struct mh_wr *w, const struct dlt698_node *nodes, size_t n, int tagged)
{
    struct enc e = {w, nodes, n, 0, 0};
    size_t end = enc(&e, 0, tagged);
    if (e.err)
        return e.err;
    if (mh_wr_err(w))
        return mh_wr_err(w);
    return (int)end;
}

int dlt698_data_encode(struct mh_wr *w, const struct dlt698_node *nodes, size_t n)
{
    return run(w, nodes, n, 1);
}

int dlt698_value_encode(struct mh_wr *w, const struct dlt698_node *nodes, size_t n)
{
    return run(w, nodes, n, 0);
}
