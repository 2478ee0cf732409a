/*
 * The streaming mapper (dlt698_map.h) against the tree path
 * (dlt698_data_decode + dlt698_readings_of): for every Data of every
 * vector, of the benchmark's frame mix, and of a set of shapes under
 * every attribute of the dictionary, both accept or refuse the same
 * bytes with the same error, stop at the same offset and yield the same
 * readings in the same order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dlt698_mix.h"
#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/dlt698_data.h"
#include "meterhub/proto/dlt698_map.h"
#include "vectors.h"

#define MAXV 4096

static struct dlt698_node nodes[DLT698_MAX_NODES];
static struct dlt698_reading readings[MAXV];
static struct dlt698_value values[MAXV];
static size_t nvalues, compared;

static int collect(void *ctx, const struct dlt698_value *v)
{
    (void)ctx;
    assert_true(nvalues < MAXV);
    values[nvalues++] = *v;
    return 0;
}

/* The tree path's readings of one Data (column col) from r; returns the decoder's or the mapper's answer. */
static int tree_path(struct mh_rd *r, const struct dlt698_col *col, int *nread)
{
    int used = dlt698_data_decode(r, nodes, DLT698_MAX_NODES);
    *nread = 0;
    if (used < 0)
        return used;
    int n = dlt698_readings_of(col->row, col->element, nodes, (size_t)used, 0, readings, MAXV);
    assert_true(n >= 0);
    *nread = n;
    return 0;
}

static void same_reading(const struct dlt698_reading *t, const struct dlt698_value *s, uint32_t oad)
{
    const struct dlt698_node *nd = &nodes[t->node];
    assert_int_equal(s->oad, oad);
    assert_int_equal(s->off, nd->off);
    assert_int_equal(s->type, nd->type);
    assert_int_equal(s->item, t->item);
    assert_ptr_equal(s->def, t->def);
    assert_int_equal(s->numeric, t->numeric);
    assert_true(s->value.m == t->value.m && s->value.exp == t->value.exp);
    assert_true(s->device.m == t->device.m && s->device.exp == t->device.exp);
    if (s->numeric)
        assert_true(s->raw == nd->v.i);
}

/* One Data at p[at..len) under oad, both ways. Returns the tree decoder's answer (0 or MH_E*). */
static int check_at(const uint8_t *p, size_t len, size_t at, uint32_t oad)
{
    struct dlt698_col col;
    dlt698_col_init(&col, oad);
    struct mh_rd rt, rs;
    mh_rd_init(&rt, p, len);
    mh_rd_init(&rs, p, len);
    rt.off = rs.off = at;
    int nread;
    int rc = tree_path(&rt, &col, &nread);
    nvalues = 0;
    int got = dlt698_data_map(&rs, &col, collect, NULL);
    if (rc < 0) {
        assert_int_equal(got, rc);
        assert_int_equal(mh_rd_err(&rs), rc);
        return rc;
    }
    assert_int_equal(got, nread);
    assert_int_equal(nvalues, (size_t)nread);
    assert_int_equal(rs.off, rt.off);
    for (int k = 0; k < nread; k++)
        same_reading(&readings[k], &values[k], oad);
    compared += (size_t)nread;
    return 0;
}

static int check(const uint8_t *p, size_t len, uint32_t oad)
{
    return check_at(p, len, 0, oad);
}

/* The columns of an encoded RCSD (OAD, or a ROAD's record OAD). */
static uint32_t rcsd_columns(const struct dlt698_bytes *rcsd, uint32_t *cols, uint32_t cap)
{
    static struct dlt698_node rn[256];
    struct mh_rd r;
    mh_rd_init(&r, rcsd->p, rcsd->len);
    int used = dlt698_value_decode(&r, DLT698_RCSD, rn, 256);
    assert_true(used >= 1);
    uint32_t n = rn[0].count;
    assert_true(n <= cap);
    for (uint32_t k = 0, j = 1; k < n; k++, j = rn[j].next)
        cols[k] = (uint32_t)rn[j + 1].v.u;
    return n;
}

/* Every cell of a record both ways, then the whole rows through dlt698_rows_map. */
static void check_record(const struct dlt698_result_record *rr)
{
    if (!rr->rows.p)
        return;
    uint32_t oads[64];
    uint32_t n = rcsd_columns(&rr->rcsd, oads, 64);
    size_t at = 0, total = 0;
    for (uint32_t row = 0; row < rr->nrows; row++)
        for (uint32_t c = 0; c < n; c++) {
            struct mh_rd r;
            mh_rd_init(&r, rr->rows.p, rr->rows.len);
            r.off = at;
            assert_int_equal(check_at(rr->rows.p, rr->rows.len, at, oads[c]), 0);
            total += nvalues;
            assert_int_equal(dlt698_data_skip(&r), 0);
            at = r.off;
        }
    struct dlt698_col cols[64];
    for (uint32_t c = 0; c < n; c++)
        dlt698_col_init(&cols[c], oads[c]);
    struct mh_rd r;
    mh_rd_init(&r, rr->rows.p, rr->rows.len);
    nvalues = 0;
    assert_int_equal(dlt698_rows_map(&r, cols, n, rr->nrows, collect, NULL), (int)total);
    assert_int_equal(r.off, at);
}

static void check_items(const struct dlt698_items *items)
{
    struct dlt698_iter it;
    union dlt698_item u;
    dlt698_items_begin(items, &it);
    int rc;
    while ((rc = dlt698_items_next(&it, &u)) == 1) {
        switch (items->kind) {
        case DLT698_ITEM_RESULT_NORMAL:
            if (u.rn.data.p)
                assert_int_equal(check(u.rn.data.p, u.rn.data.len, u.rn.oad), 0);
            break;
        case DLT698_ITEM_RESULT_RECORD:
            check_record(&u.rr);
            break;
        case DLT698_ITEM_OAD_DATA:
            assert_int_equal(check(u.od.data.p, u.od.data.len, u.od.oad), 0);
            break;
        default:
            break;
        }
    }
    assert_int_equal(rc, 0);
}

/* Every Data an APDU carries (a plaintext SECURITY envelope's inner APDU included). */
static void check_apdu(const uint8_t *p, size_t len)
{
    struct dlt698_apdu a;
    if (dlt698_apdu_decode(p, len, &a) != 0)
        return;
    if ((a.tag == DLT698_SECURITY_REQUEST || a.tag == DLT698_SECURITY_RESPONSE) && a.u.sec.kind == 0) {
        check_apdu(a.u.sec.body.p, a.u.sec.body.len);
        return;
    }
    if (a.items.n)
        check_items(&a.items);
    if (a.has_follow)
        check_items(&a.follow);
}

static void check_frames(const uint8_t *p, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        struct mh_frame_span sp;
        int rc = dlt698_frame_scan(p + pos, len - pos, &sp);
        if (rc == 0)
            break;
        struct dlt698_frame f;
        if (rc == 1 && dlt698_frame_parse_scanned(p + pos + sp.off, sp.len, &f) == 0 && !(f.c & DLT698_C_SC))
            check_apdu(f.apdu, f.apdu_len);
        pos += sp.off + sp.len;
    }
}

static void test_every_vector(void **state)
{
    (void)state;
    json_t *file = tv_load("dlt698-45.json");
    size_t i;
    json_t *v;
    compared = 0;
    json_array_foreach(tv_vectors(file), i, v) {
        uint8_t b[4096];
        size_t n = tv_hex(tv_str(v, "hex"), b, sizeof b);
        if (json_object_get(json_object_get(v, "expect"), "SA"))
            check_frames(b, n);
        else
            check_apdu(b, n);
    }
    json_decref(file);
    assert_true(compared >= 10); /* energy, reactive, voltages, a list, a security-wrapped event table ... */
}

static void test_bench_mix(void **state)
{
    (void)state;
    static uint8_t buf[16384];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    size_t frames = dlt698_mix_write(&w);
    assert_int_equal(mh_wr_err(&w), 0);
    assert_true(frames >= 8);
    compared = 0;
    check_frames(buf, mh_wr_len(&w));
    assert_true(compared > 1000); /* the 96-row curve alone is 1,056 readings */
}

/* An array of n integers: double-long up to 64, unsigned beyond. */
static void counted(struct mh_wr *w, int n)
{
    dlt698_put_array(w, (size_t)n);
    for (int k = 0; k < n; k++) {
        if (n <= 64)
            dlt698_put_i32(w, -k);
        else
            dlt698_put_u8(w, (uint8_t)k);
    }
}

/* Shapes every layout meets, encoded once; each is checked under every attribute and a few elements. */
static size_t shapes(uint8_t *buf, size_t cap, size_t *at, size_t max)
{
    struct mh_wr w;
    mh_wr_init(&w, buf, cap);
    size_t n = 0;
    struct mh_tm t = {.year = 2026, .mon = 11, .day = 24, .hour = 9, .has = MH_TM_FULL};
#define SHAPE(body)                                                                                                    \
    do {                                                                                                               \
        if (n < max)                                                                                                   \
            at[n++] = mh_wr_len(&w);                                                                                   \
        body;                                                                                                          \
    } while (0)
    SHAPE(dlt698_put_u32(&w, 123456));
    SHAPE(dlt698_put_i16(&w, -2301));
    SHAPE(dlt698_put_u64(&w, UINT64_MAX)); /* beyond a signed mantissa: not numeric */
    SHAPE(dlt698_put_i64(&w, INT64_MIN));
    SHAPE(dlt698_put_enum(&w, 3));
    SHAPE(dlt698_put_null(&w));
    SHAPE(dlt698_put_time(&w, DLT698_DATETIME_S, &t));
    SHAPE(dlt698_put_f32(&w, 1.5f));
    SHAPE(dlt698_put_octets(&w, (const uint8_t *)"\x12\x34", 2));
    SHAPE(dlt698_put_scaler_unit(&w, -2, 32));
    SHAPE((dlt698_put_array(&w, 5), dlt698_put_u32(&w, 1), dlt698_put_null(&w), dlt698_put_u32(&w, 3),
           dlt698_put_u32(&w, 4), dlt698_put_u32(&w, 5)));
    SHAPE((dlt698_put_array(&w, 3), dlt698_put_u16(&w, 2301), dlt698_put_u16(&w, 2302), dlt698_put_u16(&w, 2303)));
    SHAPE(counted(&w, 12));
    /* maximum demand: {value, time} elements */
    SHAPE((dlt698_put_array(&w, 2), dlt698_put_struct(&w, 2), dlt698_put_u32(&w, 77),
           dlt698_put_time(&w, DLT698_DATETIME_S, &t), dlt698_put_struct(&w, 2), dlt698_put_u32(&w, 78),
           dlt698_put_time(&w, DLT698_DATETIME_S, &t)));
    SHAPE((dlt698_put_struct(&w, 2), dlt698_put_u32(&w, 79), dlt698_put_time(&w, DLT698_DATETIME_S, &t)));
    /* event current values: {source, {count, seconds}} */
    SHAPE((dlt698_put_array(&w, 2), dlt698_put_struct(&w, 2), dlt698_put_enum(&w, 0), dlt698_put_struct(&w, 2),
           dlt698_put_u32(&w, 5), dlt698_put_u32(&w, 600), dlt698_put_struct(&w, 2), dlt698_put_null(&w),
           dlt698_put_struct(&w, 2), dlt698_put_u32(&w, 6), dlt698_put_u32(&w, 660)));
    /* a parameter structure with nested members and a Region */
    SHAPE((dlt698_put_struct(&w, 4), dlt698_put_u8(&w, 1), dlt698_put_struct(&w, 2), dlt698_put_u16(&w, 2),
           dlt698_put_bits(&w, (const uint8_t *)"\xA5", 8), dlt698_put_region(&w, 2), dlt698_put_u8(&w, 1),
           dlt698_put_u8(&w, 9), dlt698_put_oad(&w, 0x00100200)));
    /* more than 255 elements: the ones past 255 have no element number */
    SHAPE(counted(&w, 300));
#undef SHAPE
    assert_int_equal(mh_wr_err(&w), 0);
    return n;
}

static void test_every_attribute_and_shape(void **state)
{
    (void)state;
    static uint8_t buf[8192];
    size_t at[32];
    size_t n = shapes(buf, sizeof buf, at, 32);
    size_t rows;
    const struct dlt698_oi_def *table = dlt698_oi_table(&rows);
    static const uint8_t elements[] = {0, 1, 2, 4, 9, 200};
    compared = 0;
    for (size_t k = 0; k < rows; k++) {
        if (table[k].element)
            continue;
        for (size_t e = 0; e < sizeof elements; e++) {
            uint32_t oad = (uint32_t)table[k].oi << 16 | (uint32_t)table[k].attr << 8 | elements[e];
            for (size_t s = 0; s < n; s++)
                assert_int_equal(check_at(buf, s + 1 < n ? at[s + 1] : sizeof buf, at[s], oad), 0);
        }
    }
    assert_true(compared > 10000);
    /* an OAD the dictionary does not know: validated and skipped, nothing yielded */
    assert_int_equal(check_at(buf, at[1], at[0], 0xEEEE0200), 0);
}

/* Refused bytes are refused the same way: every truncation of every shape, a lying count, depth. */
static void test_errors_agree(void **state)
{
    (void)state;
    static uint8_t buf[8192];
    size_t at[32];
    size_t n = shapes(buf, sizeof buf, at, 32);
    for (size_t s = 0; s + 1 < n; s++)
        for (size_t end = at[s]; end < at[s + 1]; end++)
            assert_true(check_at(buf, end, at[s], 0x00100200) < 0);
    static const uint8_t lying[] = {0x01, 0x09, 0x06, 0, 0, 0, 1};
    assert_int_equal(check(lying, sizeof lying, 0x00100200), MH_EBADLEN);
    static const uint8_t unknown[] = {0x01, 0x01, 0x07, 0};
    assert_int_equal(check(unknown, sizeof unknown, 0x00100200), MH_EUNKNOWN);
    uint8_t deep[2 * (DLT698_MAX_DEPTH + 2) + 5];
    size_t k = 0;
    for (int d = 0; d < DLT698_MAX_DEPTH + 2; d++)
        deep[k++] = DLT698_ARRAY, deep[k++] = 1;
    deep[k++] = DLT698_DOUBLE_LONG_U, deep[k++] = 0, deep[k++] = 0, deep[k++] = 0, deep[k++] = 1;
    assert_int_equal(check(deep, k, 0x00100200), MH_EDEPTH);
    /* at the limit exactly: accepted by both */
    assert_int_equal(check(deep + 4, k - 4, 0x00100200), 0);
}

static int stop_at_two(void *ctx, const struct dlt698_value *v)
{
    (void)v;
    return ++*(int *)ctx == 2 ? 42 : 0;
}

static void test_callback_stops_the_walk(void **state)
{
    (void)state;
    static const uint8_t energy[] = {0x01, 0x03, 0x06, 0, 0, 0, 1, 0x06, 0, 0, 0, 2, 0x06, 0, 0, 0, 3};
    struct dlt698_col col;
    dlt698_col_init(&col, 0x00100200);
    struct mh_rd r;
    mh_rd_init(&r, energy, sizeof energy);
    int calls = 0;
    assert_int_equal(dlt698_data_map(&r, &col, stop_at_two, &calls), 42);
    assert_int_equal(calls, 2);
    /* the values themselves: total and tariff 1 in kWh, 0.01 resolution */
    mh_rd_init(&r, energy, sizeof energy);
    nvalues = 0;
    assert_int_equal(dlt698_data_map(&r, &col, collect, NULL), 3);
    assert_int_equal(values[0].element, 1);
    assert_int_equal(values[1].element, 2);
    assert_true(values[2].value.m == 3 && values[2].value.exp == -2);
    assert_int_equal(values[0].oad, 0x00100200);
    assert_int_equal(values[0].off, 2);
    /* rows of no columns read nothing, whatever the row count claims */
    mh_rd_init(&r, energy, sizeof energy);
    assert_int_equal(dlt698_rows_map(&r, &col, 0, SIZE_MAX, collect, NULL), 0);
    assert_int_equal(r.off, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_vector),
        cmocka_unit_test(test_bench_mix),
        cmocka_unit_test(test_every_attribute_and_shape),
        cmocka_unit_test(test_errors_agree),
        cmocka_unit_test(test_callback_stops_the_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
