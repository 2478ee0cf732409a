/*
 * DL/T 698.45 realtime task: the GET-Request-NormalList and PROXY
 * GetRequestList APDUs are byte-exact, and their replies come out as exact
 * values of the right items dated by the device clock's minute; a meter
 * that did not answer, one not asked and a reply without a clock are told
 * apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collect_int.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/dlt698.h"
#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/dlt698_data.h"
#include "meterhub/proto/item.h"

struct got {
    uint16_t pn[64];
    uint32_t item[64];
    struct mh_tm at[64];
    struct mh_dec v[64];
    int isnull[64];
    int n;
};

static void on_value(void *ctx, uint16_t pn, unsigned fi, uint32_t item, const struct mh_tm *at,
                     const struct mh_dec *v)
{
    struct got *g = ctx;
    /* The registers' totals decide the status (Fn 0 import, 1 export); nothing else does. */
    assert_int_equal(fi, item == MH_ITEM_AE_IMP ? 0u : item == MH_ITEM_AE_EXP ? 1u : 7u);
    if (g->n >= 64)
        return;
    g->pn[g->n] = pn;
    g->item[g->n] = item;
    g->at[g->n] = *at;
    g->isnull[g->n] = v == NULL;
    if (v)
        g->v[g->n] = *v;
    g->n++;
}

static int find(const struct got *g, uint16_t pn, uint32_t item)
{
    for (int i = 0; i < g->n; i++)
        if (g->pn[i] == pn && g->item[i] == item)
            return i;
    return -1;
}

static const uint8_t list_apdu[] = {
    0x05, 0x02, 0x00, 0x08, 0x20, 0x00, 0x02, 0x00, 0x20, 0x01, 0x02, 0x00, 0x20, 0x04,
    0x02, 0x00, 0x20, 0x05, 0x02, 0x00, 0x20, 0x0A, 0x02, 0x00, 0x00, 0x10, 0x02, 0x00,
    0x00, 0x20, 0x02, 0x00, 0x40, 0x00, 0x02, 0x00, 0x00,
};

static void test_request_own_meter(void **state)
{
    (void)state;
    uint8_t buf[256], sa[6];
    struct mh_wr w;
    ctask_dlt698_addr("200000000177", sa);
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt698_realtime_request(&w, sa, NULL, 0), 0);
    struct dlt698_frame f;
    assert_int_equal(dlt698_frame_parse(buf, mh_wr_len(&w), &f), 0);
    assert_int_equal(f.apdu_len, sizeof list_apdu);
    assert_memory_equal(f.apdu, list_apdu, sizeof list_apdu);
}

static void test_request_proxy(void **state)
{
    (void)state;
    uint8_t buf[512], sa[6];
    struct mh_wr w;
    ctask_dlt698_addr("200000000177", sa);
    mh_wr_init(&w, buf, sizeof buf);
    const uint64_t addr[2] = {100000000391ull, 12ull};
    assert_int_equal(ctask_dlt698_realtime_request(&w, sa, addr, 2), 0);
    struct dlt698_frame f;
    assert_int_equal(dlt698_frame_parse(buf, mh_wr_len(&w), &f), 0);
    /* PROXY GetRequestList, PIID 0, 60 s overall, two meters of 10 s each, the list's OADs. */
    static const uint8_t head[] = {0x09, 0x01, 0x00, 0x00, 0x3C, 0x02, 0x07, 0x05, 0x10,
                                   0x00, 0x00, 0x00, 0x03, 0x91, 0x00, 0x0A, 0x08};
    assert_memory_equal(f.apdu, head, sizeof head);
    assert_memory_equal(f.apdu + sizeof head, list_apdu + 4, 32);
    static const uint8_t second[] = {0x07, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x00, 0x0A, 0x08};
    assert_memory_equal(f.apdu + sizeof head + 32, second, sizeof second);
    assert_int_equal(f.apdu_len, sizeof head + 32 + sizeof second + 32 + 1);
    const uint64_t many[CJOB_BATCH + 1] = {0};
    mh_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ctask_dlt698_realtime_request(&w, sa, many, CJOB_BATCH + 1), MH_ERANGE);
}

/* One meter's results into w: voltages, a DAR for 0020, the clock 2026-11-24 10:07:42. */
static size_t results(struct mh_wr *w, struct dlt698_result_normal *res, int with_clock)
{
    static uint8_t data[256];
    struct mh_wr d;
    mh_wr_init(&d, data, sizeof data);
    size_t n = 0;
    size_t m = mh_wr_len(&d);
    dlt698_put_array(&d, 3);
    dlt698_put_u16(&d, 2201);
    dlt698_put_u16(&d, 2210);
    dlt698_put_u16(&d, 0);
    res[n++] = (struct dlt698_result_normal){0x20000200u, 0, {data + m, mh_wr_len(&d) - m}};
    m = mh_wr_len(&d);
    dlt698_put_array(&d, 4);
    for (int i = 0; i < 4; i++)
        dlt698_put_i32(&d, i == 0 ? -12345 : 100 * i);
    res[n++] = (struct dlt698_result_normal){0x20040200u, 0, {data + m, mh_wr_len(&d) - m}};
    m = mh_wr_len(&d);
    dlt698_put_array(&d, 2);
    dlt698_put_u32(&d, 123456);
    dlt698_put_u32(&d, 23456);
    res[n++] = (struct dlt698_result_normal){0x00100200u, 0, {data + m, mh_wr_len(&d) - m}};
    res[n++] = (struct dlt698_result_normal){0x00200200u, 6, {NULL, 0}};
    if (with_clock) {
        m = mh_wr_len(&d);
        mh_wr_u8(&d, DLT698_DATETIME_S);
        mh_wr_u16be(&d, 2026);
        mh_wr_u8(&d, 11);
        mh_wr_u8(&d, 24);
        mh_wr_u8(&d, 10);
        mh_wr_u8(&d, 7);
        mh_wr_u8(&d, 42);
        res[n++] = (struct dlt698_result_normal){0x40000200u, 0, {data + m, mh_wr_len(&d) - m}};
    }
    (void)w;
    return n;
}

static void test_parse_own_meter(void **state)
{
    (void)state;
    uint8_t apdu[512];
    struct mh_wr w;
    struct dlt698_result_normal res[8];
    size_t n = results(NULL, res, 1);
    mh_wr_init(&w, apdu, sizeof apdu);
    assert_int_equal(dlt698_enc_get_response_list(&w, 0, res, n, NULL), 0);
    struct got g = {0};
    const uint16_t pn[1] = {1};
    const uint64_t addr[1] = {0};
    assert_int_equal(ctask_dlt698_realtime_parse(apdu, mh_wr_len(&w), addr, pn, 1, on_value, &g), 1);
    int i = find(&g, 1, MH_ITEM_U_L2);
    assert_true(i >= 0);
    assert_int_equal(g.v[i].m, 2210);
    assert_int_equal(g.v[i].exp, -1);
    assert_int_equal(g.at[i].hour, 10);
    assert_int_equal(g.at[i].min, 7);
    assert_int_equal(g.at[i].sec, 0); /* the minute it read */
    i = find(&g, 1, MH_ITEM_P);
    assert_true(i >= 0);
    assert_int_equal(mh_dec_cmp(g.v[i], mh_dec_make(-12345, -4)), 0); /* -1234.5 W in kW */
    i = find(&g, 1, MH_ITEM_AE_IMP);
    assert_true(i >= 0);
    assert_int_equal(mh_dec_cmp(g.v[i], mh_dec_make(123456, -2)), 0);
    i = find(&g, 1, MH_ITEM_AE_EXP);
    assert_true(i >= 0 && g.isnull[i]); /* the DAR: no data */
    /* Without the clock the values have no time. */
    n = results(NULL, res, 0);
    mh_wr_init(&w, apdu, sizeof apdu);
    assert_int_equal(dlt698_enc_get_response_list(&w, 0, res, n, NULL), 0);
    memset(&g, 0, sizeof g);
    assert_int_equal(ctask_dlt698_realtime_parse(apdu, mh_wr_len(&w), addr, pn, 1, on_value, &g),
                     MH_EBADTIME);
    assert_int_equal(g.n, 0);
}

static void test_parse_proxy(void **state)
{
    (void)state;
    uint8_t apdu[1024];
    struct mh_wr w;
    struct dlt698_result_normal res[8], dar[1] = {{0x20000200u, 33, {NULL, 0}}};
    size_t n = results(NULL, res, 1);
    static const uint8_t tsa1[7] = {0x05, 0x10, 0x00, 0x00, 0x00, 0x03, 0x91};
    static const uint8_t tsa2[7] = {0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12};
    static const uint8_t tsa3[7] = {0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x99};
    struct dlt698_proxy_target tg[3] = {{{tsa1, 7}, 0, res, n},
                                        {{tsa2, 7}, 0, dar, 1},
                                        {{tsa3, 7}, 0, res, n}};
    mh_wr_init(&w, apdu, sizeof apdu);
    assert_int_equal(dlt698_enc_proxy_response(&w, 1, 0, tg, 3, NULL), 0);
    struct got g = {0};
    const uint64_t addr[2] = {100000000391ull, 12ull};
    const uint16_t pn[2] = {5, 6};
    /* Meter 12 did not answer; meter 99 was not asked: only pn 5 has values. */
    assert_int_equal(ctask_dlt698_realtime_parse(apdu, mh_wr_len(&w), addr, pn, 2, on_value, &g), 1);
    assert_true(g.n > 0);
    for (int i = 0; i < g.n; i++)
        assert_int_equal(g.pn[i], 5);
    assert_true(find(&g, 5, MH_ITEM_U_L1) >= 0);
    /* A record reply is not this answer. */
    uint8_t other[] = {0x85, 0x03, 0x00, 0x50, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    assert_true(ctask_dlt698_realtime_parse(other, sizeof other, addr, pn, 2, on_value, &g) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_own_meter),
        cmocka_unit_test(test_request_proxy),
        cmocka_unit_test(test_parse_own_meter),
        cmocka_unit_test(test_parse_proxy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
