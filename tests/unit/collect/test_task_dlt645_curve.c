/*
 * DL/T 645-2007 curve task of a DTU meter (load records): the read
 * requests byte for byte (class 4 from 00:00 for 97 records, the other
 * classes from 00:15 for 96), a reply of a first frame and follow-ups made
 * into 96 exact increment points, a register "no data" as two points of no
 * data, class 1 values at their points, and replies that are not the
 * answer asked for (frames out of order, another meter, another DI,
 * records off the day's grid, cut records) as errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/item.h"
#include "task_reply645.h"

static const uint8_t addr[6] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x20}; /* 200000000001 */
static const struct mh_tm day = {2026, 11, 23, 0, 0, 0, 0, 0, MH_TM_DATE};

/* The request of step, FE preambles skipped, must be want with its CS. */
static void request_is(unsigned step, const uint8_t *want, size_t n)
{
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt645_curve_request(&w, addr, step, &day), 0);
    request_bytes_are(buf, mh_wr_len(&w), want, n);
}

static void test_request_bytes(void **state)
{
    (void)state;
    /* 68 A0..A5 68, C 11, L 0A, DI 06040001 (+33h, low byte first), NN 97 (BCD), 00:00 23-11-26 */
    static const uint8_t energy[] = {0x68, 0x01, 0x00, 0x00, 0x00, 0x00, 0x20, 0x68, 0x11, 0x0A, 0x34, 0x33,
                                     0x37, 0x39, 0xCA, 0x33, 0x33, 0x56, 0x44, 0x59, 0x00, 0x16};
    request_is(0, energy, sizeof energy);
    /* class 1 (06010001), NN 96, from 00:15 */
    static const uint8_t volts[] = {0x68, 0x01, 0x00, 0x00, 0x00, 0x00, 0x20, 0x68, 0x11, 0x0A, 0x34, 0x33,
                                    0x34, 0x39, 0xC9, 0x48, 0x33, 0x56, 0x44, 0x59, 0x00, 0x16};
    request_is(1, volts, sizeof volts);
    assert_int_equal(ctask_dlt645_curve_last(), 3);
    assert_int_equal(ctask_dlt645_curve_di(0), 0x06040001u);
    assert_int_equal(ctask_dlt645_curve_di(3), 0x06030001u);
    assert_int_equal(ctask_dlt645_curve_di(4), 0);
    uint8_t buf[64];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt645_curve_request(&w, addr, 4, &day), MH_ERANGE);
}

/* What the decoder reported: points by item and index. */
struct pts {
    int n, nodata;
    uint32_t item[800];
    unsigned index[800];
    struct mh_dec v[800];
};

static void on_point(void *ctx, uint16_t pn, uint32_t item, unsigned index, const struct mh_dec *v)
{
    struct pts *p = ctx;
    assert_int_equal(pn, 7);
    assert_true(index < CCURVE_POINTS);
    if (!v) {
        p->nodata++;
        return;
    }
    assert_true(p->n < 800);
    p->item[p->n] = item;
    p->index[p->n] = index;
    p->v[p->n++] = *v;
}

/* A reply in frames of `per` records each: frame 0 the read's answer, then follow-ups 1, 2 ... */
struct reply {
    uint8_t bytes[8192];
    uint32_t ends[64];
    size_t n;
};

static void add_frame(struct reply *r, const uint8_t *a, uint32_t di, const uint8_t *data, size_t len, int more)
{
    uint32_t from = r->n ? r->ends[r->n - 1] : 0;
    struct mh_wr w;
    mh_wr_init(&w, r->bytes + from, sizeof r->bytes - from);
    assert_int_equal(dlt645_enc_read_response(&w, a, DLT645_2007, di, data, len, more, r->n ? (int)r->n : -1), 0);
    r->ends[r->n++] = from + (uint32_t)mh_wr_len(&w);
}

/* Record k's values: time 00:00 + (first + k) quarters, then the class's fields. */
static size_t record(unsigned cls, unsigned q, int nodata, struct dlt645_value *v)
{
    size_t n = 0;
    memset(v, 0, 12 * sizeof *v);
    v[n].kind = DLT645_V_TIME;
    v[n].time = (struct mh_tm){2026, 11, 23, 0, 0, 0, 0, 0, MH_TM_DATE | MH_TM_HM};
    v[n].time.hour = (uint8_t)(q / 4), v[n].time.min = (uint8_t)(q % 4 * 15);
    if (q == 96)
        v[n].time.day = 24, v[n].time.hour = 0, v[n].time.min = 0;
    n++;
    if (cls == 4) {
        /* import 1000.00 kWh + 0.25 kWh a quarter (+ 0.01 every 4th), export 20.00 constant */
        v[n++] = (struct dlt645_value){.kind = nodata ? DLT645_V_NODATA : DLT645_V_NUM, .item = MH_ITEM_AE_IMP,
                                       .num = mh_dec_make(100000 + 25 * (int64_t)q + q / 4, -2)};
        v[n++] = (struct dlt645_value){.kind = DLT645_V_NUM, .item = MH_ITEM_AE_EXP, .num = mh_dec_make(2000, -2)};
        v[n++] = (struct dlt645_value){.kind = DLT645_V_NODATA, .item = MH_ITEM_RE_IMP};
        v[n++] = (struct dlt645_value){.kind = DLT645_V_NODATA, .item = MH_ITEM_RE_EXP};
    } else {
        static const uint32_t items[7] = {MH_ITEM_U_L1, MH_ITEM_U_L2, MH_ITEM_U_L3, MH_ITEM_I_L1,
                                          MH_ITEM_I_L2, MH_ITEM_I_L3, MH_ITEM_FREQ};
        static const int exps[7] = {-1, -1, -1, -3, -3, -3, -2};
        for (int k = 0; k < 7; k++)
            v[n++] = (struct dlt645_value){.kind = k == 1 ? DLT645_V_NODATA : DLT645_V_NUM, .item = items[k],
                                           .num = mh_dec_make(k == 6 ? 5000 : 2200 + (int64_t)q, exps[k])};
    }
    return n;
}

/* Records first .. first + count - 1 of class cls in frames of per records; nodata_q: a register missing. */
static void build(struct reply *r, unsigned cls, unsigned first, unsigned count, unsigned per, int nodata_q)
{
    r->n = 0;
    uint32_t di = 0x06000001u | cls << 16;
    for (unsigned k = 0; k < count; k += per) {
        uint8_t data[200];
        size_t len = 0;
        for (unsigned j = k; j < k + per && j < count; j++) {
            struct dlt645_value v[12];
            size_t nv = record(cls, first + j, (int)(first + j) == nodata_q, v);
            int rn = dlt645_load_encode(v, nv, data + len, sizeof data - len);
            assert_true(rn > 0);
            len += (size_t)rn;
        }
        add_frame(r, addr, di, data, len, k + per < count);
    }
}

static void test_energy_increments_from_registers(void **state)
{
    (void)state;
    static struct reply r;
    static struct pts p;
    build(&r, 4, 0, 97, 6, -1);
    assert_int_equal(r.n, 17);
    memset(&p, 0, sizeof p);
    assert_int_equal(ctask_dlt645_curve_parse(r.bytes, r.ends, r.n, addr, 0, 7, &day, on_point, &p), 97);
    assert_int_equal(p.n, 2 * CCURVE_POINTS);
    assert_int_equal(p.nodata, 0);
    for (int i = 0; i < CCURVE_POINTS; i++) {
        /* import: the interval ending at 00:15 + i quarters, 0.25 kWh (+0.01 where the hour turns) */
        assert_int_equal(p.item[i], MH_ITEM_AE_IMP_INC);
        assert_int_equal(p.index[i], (unsigned)i);
        assert_int_equal(p.v[i].exp, -2);
        assert_int_equal(p.v[i].m, 25 + ((i + 1) % 4 == 0));
        assert_int_equal(p.item[CCURVE_POINTS + i], MH_ITEM_AE_EXP_INC);
        assert_int_equal(p.v[CCURVE_POINTS + i].m, 0);
    }
    /* A register the meter marks "no data" at 12:00: the intervals ending 12:00 and 12:15 have none. */
    build(&r, 4, 0, 97, 6, 48);
    memset(&p, 0, sizeof p);
    assert_int_equal(ctask_dlt645_curve_parse(r.bytes, r.ends, r.n, addr, 0, 7, &day, on_point, &p), 97);
    assert_int_equal(p.nodata, 2);
    assert_int_equal(p.n, 2 * CCURVE_POINTS - 2);
    /* The 00:00 record missing (the meter began later): 95 import points, the first left out. */
    build(&r, 4, 1, 96, 6, -1);
    memset(&p, 0, sizeof p);
    assert_int_equal(ctask_dlt645_curve_parse(r.bytes, r.ends, r.n, addr, 0, 7, &day, on_point, &p), 96);
    assert_int_equal(p.n, 2 * (CCURVE_POINTS - 1));
    assert_int_equal(p.index[0], 1);
}

static void test_class1_values_at_points(void **state)
{
    (void)state;
    static struct reply r;
    static struct pts p;
    build(&r, 1, 1, 96, 5, -1); /* 00:15 .. 24:00 */
    memset(&p, 0, sizeof p);
    assert_int_equal(ctask_dlt645_curve_parse(r.bytes, r.ends, r.n, addr, 1, 7, &day, on_point, &p), 96);
    assert_int_equal(p.n, 6 * CCURVE_POINTS); /* voltage B "no data": not reported */
    assert_int_equal(p.item[0], MH_ITEM_U_L1);
    assert_int_equal(p.index[0], 0);
    assert_int_equal(p.v[0].m, 2201);
    assert_int_equal(p.v[0].exp, -1);
    assert_int_equal(p.item[5], MH_ITEM_FREQ);
    assert_int_equal(p.v[5].m, 5000);
    assert_int_equal(p.item[6 * 95], MH_ITEM_U_L1);
    assert_int_equal(p.index[6 * 95], 95);
    assert_int_equal(p.v[6 * 95].m, 2296);
}

static void test_rejects_what_was_not_asked(void **state)
{
    (void)state;
    static struct reply r;
    static struct pts p;
    /* Frames swapped: follow-up 2 where 1 belongs. */
    build(&r, 1, 1, 15, 5, -1);
    assert_int_equal(r.n, 3);
    static struct reply s;
    memcpy(&s, &r, sizeof s);
    uint32_t l0 = r.ends[0], l1 = r.ends[1] - r.ends[0], l2 = r.ends[2] - r.ends[1];
    memcpy(s.bytes + l0, r.bytes + r.ends[1], l2);
    memcpy(s.bytes + l0 + l2, r.bytes + l0, l1);
    s.ends[1] = l0 + l2;
    assert_int_equal(ctask_dlt645_curve_parse(s.bytes, s.ends, s.n, addr, 1, 7, &day, on_point, &p), MH_EPROTO);
    /* Another meter, or the class asked at another step. */
    static const uint8_t other[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x20};
    assert_int_equal(ctask_dlt645_curve_parse(r.bytes, r.ends, r.n, other, 1, 7, &day, on_point, &p), MH_EPROTO);
    assert_int_equal(ctask_dlt645_curve_parse(r.bytes, r.ends, r.n, addr, 2, 7, &day, on_point, &p), MH_EPROTO);
    /* Records of another day (a meter's clock or store off): not this day's points. */
    const struct mh_tm next = {2026, 11, 24, 0, 0, 0, 0, 0, MH_TM_DATE};
    assert_int_equal(ctask_dlt645_curve_parse(r.bytes, r.ends, r.n, addr, 1, 7, &next, on_point, &p), MH_ESTALE);
    /* The 00:00 record is no point of a class 1 curve (from 00:15). */
    build(&r, 1, 0, 3, 5, -1);
    assert_int_equal(ctask_dlt645_curve_parse(r.bytes, r.ends, r.n, addr, 1, 7, &day, on_point, &p), MH_ESTALE);
    /* A record cut short inside its frame. */
    uint8_t data[200];
    struct dlt645_value v[12];
    size_t nv = record(1, 5, 0, v);
    int rn = dlt645_load_encode(v, nv, data, sizeof data);
    assert_true(rn > 10);
    r.n = 0;
    add_frame(&r, addr, 0x06010001u, data, (size_t)rn - 3, 0);
    assert_true(ctask_dlt645_curve_parse(r.bytes, r.ends, r.n, addr, 1, 7, &day, on_point, &p) < 0);
    /* An abnormal reply is not a reply of records. */
    r.n = 0;
    struct mh_wr w;
    mh_wr_init(&w, r.bytes, sizeof r.bytes);
    assert_int_equal(dlt645_enc_error(&w, addr, DLT645_READ, 0x02), 0);
    r.ends[r.n++] = (uint32_t)mh_wr_len(&w);
    assert_int_equal(ctask_dlt645_curve_parse(r.bytes, r.ends, r.n, addr, 1, 7, &day, on_point, &p), MH_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_bytes),
        cmocka_unit_test(test_energy_increments_from_registers),
        cmocka_unit_test(test_class1_values_at_points),
        cmocka_unit_test(test_rejects_what_was_not_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
