/*
 * DL/T 698.45 typed data into a node tree (dlt698_data.h): every type of
 * clause 8 / appendix A, including the composite ones (ROAD, CSD, RCSD, MS,
 * RSD selectors 0-10, Region, SID, SID_MAC). The same walk, without a node
 * array, validates and skips (dlt698_data_skip and friends), so what the
 * skipper accepts is exactly what the decoder accepts.
 *
 * Recursion is bounded: every level checks DLT698_MAX_DEPTH before going
 * deeper, and every count and length is checked against the bytes left
 * before anything loops on it.
 */
#include <string.h>

#include "data_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698_data.h"

struct dec {
    struct mh_rd *r;
    struct dlt698_node *nodes; /* NULL: validate and skip only */
    size_t cap, n;
    struct dlt698_node scratch;
};

static int fail(struct dec *d, int err)
{
    return mh_rd_fail(d->r, err);
}

/* The next node, or scratch when skipping; NULL (and MH_EOVERFLOW) when full. */
static struct dlt698_node *node_new(struct dec *d, uint8_t type, unsigned depth, size_t off)
{
    struct dlt698_node *nd;
    if (!d->nodes) {
        nd = &d->scratch;
    } else {
        if (d->n == d->cap) {
            fail(d, MH_EOVERFLOW);
            return NULL;
        }
        nd = &d->nodes[d->n++];
    }
    /* every field set here: no memset per node on the hot path */
    nd->type = type;
    nd->depth = (uint8_t)depth;
    nd->choice = 0;
    nd->scaler = 0;
    nd->count = 0;
    nd->next = 0;
    nd->off = (uint32_t)off;
    nd->v.u = 0;
    nd->bytes = NULL;
    return nd;
}

/* A count of elements each at least `unit` bytes long: no more than the bytes left allow. */
static uint32_t count_read(struct dec *d, size_t unit)
{
    struct mh_rd *r = d->r;
    size_t n;
    if (r->err == 0 && r->off < r->len && r->p[r->off] < 0x80) /* the one-byte form, inline */
        n = r->p[r->off++];
    else
        n = dlt698_len_read(r);
    if (mh_rd_err(d->r))
        return 0;
    if (n > mh_rd_left(d->r) / unit) {
        fail(d, MH_EBADLEN);
        return 0;
    }
    /* Room for the children too: refuse now rather than after filling the array. */
    if (d->nodes && n > d->cap - d->n) {
        fail(d, MH_EOVERFLOW);
        return 0;
    }
    return (uint32_t)n;
}

/* Length-prefixed bytes (octet-string and its relatives). */
static const uint8_t *bytes_read(struct mh_rd *r, uint32_t *count)
{
    size_t n = dlt698_len_read(r);
    if (mh_rd_err(r) == 0 && n > mh_rd_left(r)) {
        mh_rd_fail(r, MH_EBADLEN);
        return NULL;
    }
    *count = (uint32_t)n;
    return mh_rd_bytes(r, n);
}

/*
 * The body of a type that has no children (every type but array, structure,
 * Region, ROAD, CSD, RCSD, MS, RSD and SID_MAC) into nd. Returns 1, or 0 for
 * a type it does not read; errors stay in r. Shared with the token reader.
 */
int dlt698_scalar_read(struct mh_rd *r, uint8_t type, struct dlt698_node *nd)
{
    switch (type) {
    case DLT698_NULL:
        break;
    case DLT698_BOOL:
    case DLT698_UNSIGNED:
    case DLT698_ENUM:
        nd->v.u = mh_rd_u8(r);
        break;
    case DLT698_INTEGER:
        nd->v.i = (int8_t)mh_rd_u8(r);
        break;
    case DLT698_LONG:
        nd->v.i = (int16_t)mh_rd_u16be(r);
        break;
    case DLT698_LONG_U:
    case DLT698_OI:
        nd->v.u = mh_rd_u16be(r);
        break;
    case DLT698_DOUBLE_LONG:
        nd->v.i = (int32_t)mh_rd_u32be(r);
        break;
    case DLT698_DOUBLE_LONG_U:
    case DLT698_OAD:
    case DLT698_OMD:
        nd->v.u = mh_rd_u32be(r);
        break;
    case DLT698_LONG64:
        nd->v.i = (int64_t)mh_rd_u64be(r);
        break;
    case DLT698_LONG64_U:
        nd->v.u = mh_rd_u64be(r);
        break;
    case DLT698_FLOAT32: {
        uint32_t b = mh_rd_u32be(r);
        float x;
        memcpy(&x, &b, sizeof x);
        nd->v.f = x;
        break;
    }
    case DLT698_FLOAT64: {
        uint64_t b = mh_rd_u64be(r);
        memcpy(&nd->v.f, &b, sizeof nd->v.f);
        break;
    }
    case DLT698_BITSTRING: {
        size_t bits = dlt698_len_read(r);
        size_t len = (bits + 7) / 8;
        if (mh_rd_err(r) == 0 && len > mh_rd_left(r))
            return mh_rd_fail(r, MH_EBADLEN);
        nd->count = (uint32_t)bits;
        nd->bytes = mh_rd_bytes(r, len);
        break;
    }
    case DLT698_OCTETS:
    case DLT698_VISIBLE:
    case DLT698_UTF8:
    case DLT698_TSA:
    case DLT698_MAC:
    case DLT698_RN:
        nd->bytes = bytes_read(r, &nd->count);
        break;
    case DLT698_DATETIME:
    case DLT698_DATE:
    case DLT698_TIME:
    case DLT698_DATETIME_S:
        dlt698_time_read(r, type, &nd->v.time);
        break;
    case DLT698_TI:
        nd->choice = mh_rd_u8(r);
        nd->v.u = mh_rd_u16be(r);
        break;
    case DLT698_SCALER_UNIT:
        nd->scaler = (int8_t)mh_rd_u8(r);
        nd->choice = mh_rd_u8(r);
        break;
    case DLT698_SID:
        nd->v.u = mh_rd_u32be(r);
        nd->bytes = bytes_read(r, &nd->count);
        break;
    case DLT698_COMDCB:
        nd->bytes = mh_rd_bytes(r, 5);
        nd->count = 5;
        break;
    default:
        return 0;
    }
    return 1;
}

static int value(struct dec *d, uint8_t type, unsigned depth, size_t off);

/*
 * Fixed-size integers by tag (data_int.h). Most of what a record carries is
 * these, so data() reads them with one bounds check instead of the general
 * walk (same nodes either way).
 */
const struct dlt698_fixed dlt698_fixed[256] = {
    [DLT698_BOOL] = {1, 0},   [DLT698_DOUBLE_LONG] = {4, 1}, [DLT698_DOUBLE_LONG_U] = {4, 0},
    [DLT698_INTEGER] = {1, 1}, [DLT698_LONG] = {2, 1},       [DLT698_UNSIGNED] = {1, 0},
    [DLT698_LONG_U] = {2, 0},  [DLT698_LONG64] = {8, 1},     [DLT698_LONG64_U] = {8, 0},
    [DLT698_ENUM] = {1, 0},    [DLT698_OI] = {2, 0},         [DLT698_OAD] = {4, 0},
    [DLT698_OMD] = {4, 0},
};

/* The fast path of data(): 1 when it read a fixed-size integer, 0 to take the general walk. */
static inline int data_fixed(struct dec *d, unsigned depth)
{
    struct mh_rd *r = d->r;
    size_t off = r->off;
    if (r->err || off >= r->len || depth > DLT698_MAX_DEPTH)
        return 0;
    uint8_t type = r->p[off];
    unsigned size = dlt698_fixed[type].size;
    if (size == 0 || size >= r->len - off || (d->nodes && d->n == d->cap))
        return 0;
    uint64_t v = dlt698_fixed_get(r->p + off + 1, type);
    r->off = off + 1 + size;
    if (d->nodes) {
        struct dlt698_node *nd = &d->nodes[d->n++];
        nd->type = type;
        nd->depth = (uint8_t)depth;
        nd->choice = 0;
        nd->scaler = 0;
        nd->count = 0;
        nd->next = (uint32_t)d->n;
        nd->off = (uint32_t)off;
        nd->v.u = v;
        nd->bytes = NULL;
    }
    return 1;
}

/* A tagged Data: the tag, then its value. */
static int data(struct dec *d, unsigned depth)
{
    if (data_fixed(d, depth))
        return 0;
    size_t off = d->r->off;
    uint8_t type = mh_rd_u8(d->r);
    if (mh_rd_err(d->r))
        return mh_rd_err(d->r);
    return value(d, type, depth, off); /* an undefined tag fails there (MH_EUNKNOWN) */
}

/* An untagged field of a fixed type (inside RSD, MS, CSD, ROAD, SID_MAC). */
static int field(struct dec *d, uint8_t type, unsigned depth)
{
    return value(d, type, depth, d->r->off);
}

/* n children: tagged Data, or untagged fields of one type. */
static int children(struct dec *d, uint32_t n, int tagged, uint8_t type, unsigned depth)
{
    for (uint32_t k = 0; k < n && mh_rd_err(d->r) == 0; k++) {
        if (tagged)
            data(d, depth);
        else
            field(d, type, depth);
    }
    return mh_rd_err(d->r);
}

/* MS (meter set) body: choice then its set (clause 8, MS ::= CHOICE). */
static void ms_body(struct dec *d, struct dlt698_node *nd, unsigned depth)
{
    static const struct {
        uint8_t type; /* element type, 0 for no set */
        uint8_t unit; /* minimum encoded size of one element */
    } sets[8] = {{0, 0}, {0, 0}, {DLT698_UNSIGNED, 1}, {DLT698_TSA, 1}, {DLT698_LONG_U, 2},
                 {DLT698_REGION, 3}, {DLT698_REGION, 3}, {DLT698_REGION, 3}};
    uint8_t choice = mh_rd_u8(d->r);
    nd->choice = choice;
    if (mh_rd_err(d->r))
        return;
    if (choice >= 8) {
        fail(d, MH_EPROTO);
        return;
    }
    if (!sets[choice].type)
        return;
    uint32_t n = count_read(d, sets[choice].unit);
    nd->count = n;
    children(d, n, 0, sets[choice].type, depth + 1);
}

/* RSD body: selector then its fields (clause 8, RSD ::= CHOICE, Selector1..10). */
static void rsd_body(struct dec *d, struct dlt698_node *nd, unsigned depth, int selector)
{
    unsigned cd = depth + 1;
    if (selector < 0) {
        selector = mh_rd_u8(d->r);
        if (mh_rd_err(d->r))
            return;
    }
    nd->choice = (uint8_t)selector;
    switch (selector) {
    case 0:
        break;
    case 1: /* OAD, value */
        nd->count = 2;
        field(d, DLT698_OAD, cd);
        data(d, cd);
        break;
    case 2: /* OAD, start, end, interval */
        nd->count = 4;
        field(d, DLT698_OAD, cd);
        children(d, 3, 1, 0, cd);
        break;
    case 3: { /* SEQUENCE OF Selector2 */
        uint32_t n = count_read(d, 7);
        nd->count = n;
        for (uint32_t k = 0; k < n && mh_rd_err(d->r) == 0; k++) {
            struct dlt698_node *s = node_new(d, DLT698_RSD, cd, d->r->off);
            if (!s)
                return;
            size_t at = d->nodes ? d->n - 1 : 0;
            rsd_body(d, s, cd, 2);
            if (d->nodes)
                d->nodes[at].next = (uint32_t)d->n;
        }
        break;
    }
    case 4: case 5: /* time, MS */
        nd->count = 2;
        field(d, DLT698_DATETIME_S, cd);
        field(d, DLT698_MS, cd);
        break;
    case 6: case 7: case 8: /* start, end, interval, MS */
        nd->count = 4;
        field(d, DLT698_DATETIME_S, cd);
        field(d, DLT698_DATETIME_S, cd);
        field(d, DLT698_TI, cd);
        field(d, DLT698_MS, cd);
        break;
    case 9: /* last n-th record */
        nd->count = 1;
        field(d, DLT698_UNSIGNED, cd);
        break;
    case 10: /* last n records, MS */
        nd->count = 2;
        field(d, DLT698_UNSIGNED, cd);
        field(d, DLT698_MS, cd);
        break;
    default:
        fail(d, MH_EPROTO);
    }
}

/*
 * One value of a known type whose tag (if any, at off) has been read. Adds its node
 * (and its children's) and returns 0, or the reader's error.
 */
static int value(struct dec *d, uint8_t type, unsigned depth, size_t off)
{
    struct mh_rd *r = d->r;
    if (mh_rd_err(r))
        return mh_rd_err(r);
    if (depth > DLT698_MAX_DEPTH)
        return fail(d, MH_EDEPTH);
    struct dlt698_node *nd = node_new(d, type, depth, off);
    if (!nd)
        return mh_rd_err(r);
    size_t at = d->nodes ? d->n - 1 : 0;
    unsigned cd = depth + 1;
    uint32_t n;
    switch (type) {
    case DLT698_ARRAY:
    case DLT698_STRUCT:
        n = count_read(d, 1);
        nd->count = n;
        children(d, n, 1, 0, cd);
        break;
    case DLT698_ROAD:
        nd->v.u = mh_rd_u32be(r);
        n = count_read(d, 4);
        nd->count = n;
        children(d, n, 0, DLT698_OAD, cd);
        break;
    case DLT698_REGION:
        nd->choice = mh_rd_u8(r);
        nd->count = 2;
        children(d, 2, 1, 0, cd);
        break;
    case DLT698_RSD:
        rsd_body(d, nd, depth, -1);
        break;
    case DLT698_CSD:
        nd->choice = mh_rd_u8(r);
        nd->count = 1;
        if (mh_rd_err(r) == 0 && nd->choice > 1)
            return fail(d, MH_EPROTO);
        field(d, nd->choice == 0 ? DLT698_OAD : DLT698_ROAD, cd);
        break;
    case DLT698_MS:
        ms_body(d, nd, depth);
        break;
    case DLT698_SID_MAC:
        field(d, DLT698_SID, cd);
        nd = d->nodes ? &d->nodes[at] : &d->scratch; /* the child reused scratch */
        nd->bytes = bytes_read(r, &nd->count);
        break;
    case DLT698_RCSD:
        n = count_read(d, 5);
        nd->count = n;
        children(d, n, 0, DLT698_CSD, cd);
        break;
    default:
        if (!dlt698_scalar_read(r, type, nd))
            return fail(d, MH_EUNKNOWN);
    }
    if (d->nodes)
        d->nodes[at].next = (uint32_t)d->n;
    return mh_rd_err(r);
}

static int run(struct mh_rd *r, int tagged, uint8_t type, struct dlt698_node *nodes, size_t cap)
{
    struct dec d;
    d.r = r;
    d.nodes = nodes;
    d.cap = cap;
    d.n = 0;
    if (nodes && cap == 0)
        return mh_rd_fail(r, MH_EOVERFLOW);
    if (mh_rd_err(r))
        return mh_rd_err(r);
    if (tagged)
        data(&d, 0);
    else if (!dlt698_type_known(type))
        fail(&d, MH_EINVAL);
    else
        field(&d, type, 0);
    if (mh_rd_err(r))
        return mh_rd_err(r);
    return nodes ? (int)d.n : 0;
}

int dlt698_value_skip_at(struct mh_rd *r, uint8_t type, unsigned depth, size_t off)
{
    struct dec d = {r, NULL, 0, 0, {0}};
    return value(&d, type, depth, off);
}

int dlt698_data_skip_at(struct mh_rd *r, unsigned depth)
{
    struct dec d = {r, NULL, 0, 0, {0}};
    data(&d, depth);
    return mh_rd_err(r);
}

int dlt698_data_decode(struct mh_rd *r, struct dlt698_node *nodes, size_t cap)
{
    return run(r, 1, 0, nodes, cap);
}

int dlt698_value_decode(struct mh_rd *r, uint8_t type, struct dlt698_node *nodes, size_t cap)
{
    return run(r, 0, type, nodes, cap);
}

int dlt698_value_skip(struct mh_rd *r, uint8_t type)
{
    return run(r, 0, type, NULL, 0);
}

int dlt698_data_skip(struct mh_rd *r)
{
    return run(r, 1, 0, NULL, 0);
}

int dlt698_rsd_skip(struct mh_rd *r)
{
    return dlt698_value_skip(r, DLT698_RSD);
}

int dlt698_csd_skip(struct mh_rd *r)
{
    return dlt698_value_skip(r, DLT698_CSD);
}

int dlt698_ms_skip(struct mh_rd *r)
{
    return dlt698_value_skip(r, DLT698_MS);
}

int dlt698_rcsd_read(struct mh_rd *r, uint32_t *columns)
{
    struct mh_rd peek = *r;
    *columns = (uint32_t)dlt698_len_read(&peek);
    return dlt698_value_skip(r, DLT698_RCSD);
}

int dlt698_node_dec(const struct dlt698_node *n, int scaler, struct mh_dec *out)
{
    switch (n->type) {
    case DLT698_INTEGER: case DLT698_LONG: case DLT698_DOUBLE_LONG: case DLT698_LONG64:
    case DLT698_UNSIGNED: case DLT698_LONG_U: case DLT698_DOUBLE_LONG_U: case DLT698_ENUM:
        *out = mh_dec_make(n->v.i, scaler);
        return 0;
    case DLT698_LONG64_U:
        if (n->v.u > INT64_MAX)
            return MH_ERANGE;
        *out = mh_dec_make(n->v.i, scaler);
        return 0;
    default:
        return MH_EINVAL;
    }
}
