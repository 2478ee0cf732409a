/* Q/GDW 1376.1 AFN04 / AFN0A parameters: byte-exact layouts, both directions, rejections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "vectors.h"

static const struct gdw1376_meter_cfg meter1 = {
    .seq = 1, .pn = 1, .baud = 3, .port = 2, .protocol = 30, .addr = "000012345678", .tariffs = 4,
    .int_digits = 6, .dec_digits = 2, .collector = "000000000000", .user_class = 5, .user_sub = 1};

static size_t set_units(uint8_t *u, size_t cap)
{
    uint8_t recs[2 * 27];
    struct mh_wr rw;
    mh_wr_init(&rw, recs, sizeof recs);
    struct gdw1376_meter_cfg m2 = meter1;
    m2.seq = 2;
    m2.pn = 2;
    memcpy(m2.addr, "000012345679", 12);
    m2.protocol = 1;
    assert_int_equal(gdw1376_meter_cfg_put(&rw, &meter1), 0);
    assert_int_equal(gdw1376_meter_cfg_put(&rw, &m2), 0);
    struct gdw1376_param p[4] = {
        {.fn = 1, .u.comm = {0, 5, 30, 3, 0x04, 5}},
        {.fn = 3, .u.master = {{10, 0, 0, 1}, 9000, {10, 0, 0, 2}, 9001, "CMNET"}},
        {.fn = 10, .u.meters = {2, recs}},
        {.pn = 1, .fn = 17, .u.value = {.kind = GDW1376_V_NUM, .num = {500, -1}}},
    };
    struct mh_wr w;
    mh_wr_init(&w, u, cap);
    for (int i = 0; i < 4; i++)
        assert_int_equal(gdw1376_param_put(&w, &p[i]), 0);
    return mh_wr_len(&w);
}

static void test_set_units_byte_exact(void **state)
{
    (void)state;
    uint8_t u[256], want[256];
    size_t n = set_units(u, sizeof u);
    size_t wn = tv_hex("00 00 01 00 00 05 1E 30 04 05"
                       " 00 00 04 00 0A 00 00 01 28 23 0A 00 00 02 29 23 43 4D 4E 45 54 00 00 00 00 00 00 00 00 00 00 00"
                       " 00 00 02 01 02 00"
                       " 01 00 01 00 62 1E 78 56 34 12 00 00 00 00 00 00 00 00 04 09 00 00 00 00 00 00 51"
                       " 02 00 02 00 62 01 79 56 34 12 00 00 00 00 00 00 00 00 04 09 00 00 00 00 00 00 51"
                       " 01 01 01 02 00 A5",
                       want, sizeof want);
    assert_int_equal(n, wn);
    assert_memory_equal(u, want, wn);
}

static void test_terminal_parses_set_and_master_parses_query_reply(void **state)
{
    (void)state;
    uint8_t u[256];
    size_t n = set_units(u, sizeof u);
    struct gdw1376_param p[8];
    assert_int_equal(gdw1376_param_parse(u, n, p, 8), 4);
    assert_int_equal(p[0].u.comm.timeout_s, 30);
    assert_int_equal(p[0].u.comm.retries, 3);
    assert_int_equal(p[0].u.comm.heartbeat_min, 5);
    assert_int_equal(p[1].u.master.port2, 9001);
    assert_string_equal(p[1].u.master.apn, "CMNET");
    assert_int_equal(p[2].u.meters.n, 2);
    struct gdw1376_meter_cfg m;
    assert_int_equal(gdw1376_meter_cfg_get(&p[2], 1, &m), 0);
    assert_int_equal(m.seq, 2);
    assert_int_equal(m.protocol, 1);
    assert_string_equal(m.addr, "000012345679");
    assert_int_equal(gdw1376_meter_cfg_get(&p[2], 0, &m), 0);
    assert_memory_equal(&m, &meter1, sizeof m);
    assert_int_equal(gdw1376_meter_cfg_get(&p[2], 2, &m), MH_EINVAL);
    assert_int_equal(p[3].pn, 1);
    assert_int_equal(mh_dec_cmp(p[3].u.value.num, mh_dec_make(50, 0)), 0);

    /* AFN0A reply over two frames (max 80 bytes), parsed after joining the units */
    struct gdw1376_unit units[4];
    size_t off = 0;
    static const size_t lens[] = {6, 28, 2 + 54, 2};
    for (int i = 0; i < 4; i++) {
        units[i] = (struct gdw1376_unit){u[off], u[off + 1], u[off + 2], u[off + 3], u + off + 4, lens[i]};
        off += 4 + lens[i];
    }
    uint8_t b[512], joined[256];
    struct mh_wr w;
    mh_wr_init(&w, b, sizeof b);
    size_t ends[4];
    struct gdw1376_rsp r = {.addr = {0x0200, 0x1234, 2, 0}, .afn = GDW1376_AFN_QUERY, .rseq = 3};
    assert_int_equal(gdw1376_rsp_encode(&w, &r, units, 4, 80, ends, 4), 3);
    size_t jn = 0, start = 0;
    for (int k = 0; k < 3; k++) {
        struct gdw1376_frame f;
        assert_int_equal(gdw1376_frame_parse(b + start, ends[k] - start, 16, &f), 0);
        memcpy(joined + jn, f.units, f.units_len);
        jn += f.units_len;
        start = ends[k];
    }
    assert_int_equal(jn, n);
    assert_int_equal(gdw1376_param_parse(joined, jn, p, 8), 4);
}

static void test_load_control_parameters_round_trip(void **state)
{
    (void)state;
    struct gdw1376_param p[10];
    memset(p, 0, sizeof p);
    p[0] = (struct gdw1376_param){.pn = 1, .fn = 41};
    p[0].u.period_ctrl.schemes = 0x05;
    p[0].u.period_ctrl.periods[0] = 0x03;
    p[0].u.period_ctrl.periods[2] = 0x80;
    p[0].u.period_ctrl.limit[0][0] = (struct gdw1376_value){.kind = GDW1376_V_NUM, .num = {120, 0}};
    p[0].u.period_ctrl.limit[0][1] = (struct gdw1376_value){.kind = GDW1376_V_NUM, .num = {1500, 0}};
    p[0].u.period_ctrl.limit[2][7] = (struct gdw1376_value){.kind = GDW1376_V_NUM, .num = {-25, -1}};
    p[1] = (struct gdw1376_param){.pn = 1, .fn = 42};
    p[1].u.rest.limit = (struct gdw1376_value){.kind = GDW1376_V_NUM, .num = {300, 0}};
    p[1].u.rest.start = (struct mh_tm){.hour = 8, .min = 30, .has = MH_TM_HM};
    p[1].u.rest.duration_half_h = 16;
    p[1].u.rest.weekdays = 0x82; /* Monday and Sunday */
    p[2] = (struct gdw1376_param){.pn = 1, .fn = 43, .u.byte = 15};
    p[3] = (struct gdw1376_param){.pn = 1, .fn = 44};
    p[3].u.stop.from = (struct mh_tm){.year = 2026, .mon = 12, .day = 1, .has = MH_TM_DATE};
    p[3].u.stop.to = (struct mh_tm){.year = 2026, .mon = 12, .day = 31, .has = MH_TM_DATE};
    p[3].u.stop.limit = (struct gdw1376_value){.kind = GDW1376_V_NODATA};
    p[4] = (struct gdw1376_param){.pn = 1, .fn = 45, .u.byte = 0x03};
    p[5] = (struct gdw1376_param){.pn = 1, .fn = 46, .u.value = {.kind = GDW1376_V_NUM, .num = {200000, 0}}};
    p[6] = (struct gdw1376_param){.pn = 1, .fn = 47};
    p[6].u.purchase.order_no = 20261124;
    p[6].u.purchase.flag = 0x55;
    p[6].u.purchase.amount = (struct gdw1376_value){.kind = GDW1376_V_NUM, .num = {5000, 0}};
    p[6].u.purchase.alarm = (struct gdw1376_value){.kind = GDW1376_V_NUM, .num = {500, 0}};
    p[6].u.purchase.trip = (struct gdw1376_value){.kind = GDW1376_V_NUM, .num = {-100, 0}};
    p[7] = (struct gdw1376_param){.pn = 1, .fn = 49, .u.byte = 2};
    static const uint8_t ids[] = {0x01, 0x01, 0x01, 0x10, 0x00, 0x00, 0x02, 0x00};
    p[8] = (struct gdw1376_param){.pn = 3, .fn = 65};
    p[8].u.task = (struct gdw1376_report_task){1, 1, {.year = 2026, .mon = 11, .day = 24, .has = MH_TM_DATE | MH_TM_HMS}, 1, 2, ids};
    p[9] = (struct gdw1376_param){.pn = 3, .fn = 67, .u.byte = 0x55};
    uint8_t u[512];
    struct mh_wr w;
    mh_wr_init(&w, u, sizeof u);
    for (int i = 0; i < 10; i++)
        assert_int_equal(gdw1376_param_put(&w, &p[i]), 0);
    /*
     * Byte for byte, each unit DA DT then its data (Q/GDW 1376.1-2013 5.4.2.4):
     * F41 scheme mask 05, periods 03: 120 kW, 1500 kW (A.2 G = 4, 3), periods 80: -2.5 kW (G = 5, sign D4);
     * F42 limit 300 kW, start A.19 08:30, 16 half hours, Monday and Sunday (D1, D7);
     * F43 15 min; F44 from / to A.20 2026-12-01 / 31, limit EE EE; F45 turns 03;
     * F46 200000 kWh A.3; F47 order 20261124 BIN4, 55 add, 5000 / 500 / -100 kWh A.3 (sign D4 of byte 4);
     * F49 2 min; F65 task 3: 1 hour (D7..D6 = 01, D5..D0 = 1), A.1 2026-11-24 00:00:00, ratio 1,
     * 2 identifiers; F67 task 3 start (55).
     */
    uint8_t want[512];
    size_t wn = tv_hex("01 01 01 05 05 03 20 81 50 61 80 25 B0"
                       " 01 01 02 05 00 83 30 08 10 82"
                       " 01 01 04 05 0F"
                       " 01 01 08 05 01 12 26 31 12 26 EE EE"
                       " 01 01 10 05 03"
                       " 01 01 20 05 00 00 20 00"
                       " 01 01 40 05 04 29 35 01 55 00 50 00 00 00 05 00 00 00 01 00 10"
                       " 01 01 01 06 02"
                       " 04 01 01 08 41 00 00 00 24 11 26 01 02 01 01 01 10 00 00 02 00"
                       " 04 01 04 08 55",
                       want, sizeof want);
    assert_int_equal(mh_wr_len(&w), wn);
    assert_memory_equal(u, want, wn);
    struct gdw1376_param g[12];
    assert_int_equal(gdw1376_param_parse(u, mh_wr_len(&w), g, 12), 10);
    assert_int_equal(mh_dec_cmp(g[0].u.period_ctrl.limit[0][1].num, mh_dec_make(1500, 0)), 0);
    assert_int_equal(mh_dec_cmp(g[0].u.period_ctrl.limit[2][7].num, mh_dec_make(-25, -1)), 0);
    assert_int_equal(g[1].u.rest.start.hour, 8);
    assert_int_equal(g[1].u.rest.start.min, 30);
    assert_int_equal(g[1].u.rest.weekdays, 0x82);
    assert_int_equal(g[3].u.stop.to.day, 31);
    assert_int_equal(g[3].u.stop.limit.kind, GDW1376_V_NODATA);
    assert_int_equal(mh_dec_cmp(g[5].u.value.num, mh_dec_make(200000, 0)), 0);
    assert_int_equal(g[6].u.purchase.order_no, 20261124);
    assert_int_equal(mh_dec_cmp(g[6].u.purchase.trip.num, mh_dec_make(-100, 0)), 0);
    assert_int_equal(g[8].pn, 3);
    assert_int_equal(g[8].u.task.n_ids, 2);
    assert_memory_equal(g[8].u.task.ids, ids, 8);
    assert_int_equal(g[9].u.byte, 0x55);
    /* the parse re-encodes to the same bytes */
    uint8_t again[512];
    mh_wr_init(&w, again, sizeof again);
    for (int i = 0; i < 10; i++)
        assert_int_equal(gdw1376_param_put(&w, &g[i]), 0);
    assert_memory_equal(again, u, mh_wr_len(&w));
}

static void test_param_rejections(void **state)
{
    (void)state;
    uint8_t u[256];
    size_t n = set_units(u, sizeof u);
    struct gdw1376_param p[8];
    /* every cut inside a unit is an error; cuts between units yield fewer */
    static const size_t bounds[] = {10, 42, 102};
    for (size_t k = 1; k < n; k++) {
        int rc = gdw1376_param_parse(u, k, p, 8);
        int at = -1;
        for (int b = 0; b < 3; b++)
            if (bounds[b] == k)
                at = b + 1;
        if (at > 0)
            assert_int_equal(rc, at);
        else
            assert_true(rc < 0);
    }
    /* F10 count past the standard's 2040 */
    uint8_t big[] = {0, 0, 0x02, 0x01, 0xF9, 0x07};
    assert_int_equal(gdw1376_param_parse(big, sizeof big, p, 8), MH_ERANGE);
    /* F10 count larger than the records present */
    uint8_t shortf10[] = {0, 0, 0x02, 0x01, 0x05, 0x00, 1, 0, 1, 0};
    assert_int_equal(gdw1376_param_parse(shortf10, sizeof shortf10, p, 8), MH_ETRUNC);
    /* a record with seq 0 */
    u[48] = 0;
    assert_int_equal(gdw1376_param_parse(u, n, p, 8), MH_ERANGE);
    u[48] = 1;
    /* unknown Fn */
    uint8_t unk[] = {0, 0, 0x02, 0x00};
    assert_int_equal(gdw1376_param_parse(unk, sizeof unk, p, 8), MH_EUNKNOWN);
    assert_int_equal(gdw1376_param_parse(u, n, p, 3), MH_EOVERFLOW);
    /* encoder range checks */
    struct mh_wr w;
    mh_wr_init(&w, u, sizeof u);
    struct gdw1376_meter_cfg m = meter1;
    m.int_digits = 8;
    assert_int_equal(gdw1376_meter_cfg_put(&w, &m), MH_ERANGE);
    mh_wr_init(&w, u, sizeof u);
    m = meter1;
    memcpy(m.addr, "00001234567A", 12);
    assert_int_equal(gdw1376_meter_cfg_put(&w, &m), MH_ERANGE);
    mh_wr_init(&w, u, sizeof u);
    struct gdw1376_param c = {.fn = 1, .u.comm = {.timeout_s = 4096}};
    assert_int_equal(gdw1376_param_put(&w, &c), MH_ERANGE);
    /* F65 with more identifiers than allowed */
    uint8_t task[] = {0x04, 1, 0x01, 0x08, 0x41, 0, 0, 0, 1, 1, 0x26, 1, 65};
    assert_int_equal(gdw1376_param_parse(task, sizeof task, p, 8), MH_ERANGE);
}

static void test_query_f10_request(void **state)
{
    (void)state;
    uint16_t seq[] = {1, 2, 2040};
    uint8_t d[16];
    struct mh_wr w;
    mh_wr_init(&w, d, sizeof d);
    assert_int_equal(gdw1376_query_f10_put(&w, seq, 3), 0);
    uint8_t want[] = {3, 0, 1, 0, 2, 0, 0xF8, 0x07};
    assert_int_equal(mh_wr_len(&w), sizeof want);
    assert_memory_equal(d, want, sizeof want);
    uint16_t got[4];
    size_t c;
    assert_int_equal(gdw1376_query_f10_parse(d, sizeof want, got, 4, &c), 0);
    assert_int_equal(c, 3);
    assert_int_equal(got[2], 2040);
    assert_int_equal(gdw1376_query_f10_parse(d, sizeof want - 1, got, 4, &c), MH_ETRUNC);
    assert_int_equal(gdw1376_query_f10_parse(d, sizeof want, got, 2, &c), MH_EOVERFLOW);
    assert_string_equal(gdw1376_param_name(10), "meter_config");

    /* the terminal's view of a whole AFN0A request: p0 F1+F3, F10 for records 1,2,2040, p1 F17 */
    uint8_t u[32];
    mh_wr_init(&w, u, sizeof u);
    uint8_t h[4] = {0, 0, 0x05, 0x00};
    mh_wr_bytes(&w, h, 4);
    assert_int_equal(gdw1376_unit_put(&w, 0, 10, d, sizeof want), 0);
    assert_int_equal(gdw1376_unit_put(&w, 1, 17, NULL, 0), 0);
    struct gdw1376_query_item q[8];
    assert_int_equal(gdw1376_query_parse(u, mh_wr_len(&w), q, 8), 4);
    assert_int_equal(q[0].fn, 1);
    assert_int_equal(q[1].fn, 3);
    assert_null(q[1].data);
    assert_int_equal(q[2].fn, 10);
    assert_int_equal(q[2].len, sizeof want);
    assert_int_equal(gdw1376_query_f10_parse(q[2].data, q[2].len, got, 4, &c), 0);
    assert_int_equal(got[1], 2);
    assert_int_equal(q[3].pn, 1);
    assert_int_equal(q[3].fn, 17);
    /* cut inside the F10 record list, and a zero count */
    assert_int_equal(gdw1376_query_parse(u, 4 + 4 + 5, q, 8), MH_ETRUNC);
    u[8] = 0;
    u[9] = 0;
    assert_int_equal(gdw1376_query_parse(u, mh_wr_len(&w), q, 8), MH_ERANGE);
}

static void test_point_base_f25(void **state)
{
    (void)state;
    struct gdw1376_param p = {.pn = 1, .fn = 25};
    p.u.point.pt = 100; /* 10 kV / 100 V */
    p.u.point.ct = 40;  /* 200 A / 5 A */
    p.u.point.rated_v = (struct gdw1376_value){.kind = GDW1376_V_NUM, .num = {1000, -1}};
    p.u.point.rated_i = (struct gdw1376_value){.kind = GDW1376_V_NUM, .num = {15, -1}};
    p.u.point.rated_kva = (struct gdw1376_value){.kind = GDW1376_V_NUM, .num = {50, 0}};
    p.u.point.wiring = 1;
    uint8_t u[32];
    struct mh_wr w;
    mh_wr_init(&w, u, sizeof u);
    assert_int_equal(gdw1376_param_put(&w, &p), 0);
    /* 100 = 64 00, 40 = 28 00, 100.0 V = 00 10, 1.5 A = 15, 50 kVA (A.23 XX.XXXX) = 00 00 50 */
    uint8_t want[] = {0x01, 0x01, 0x01, 0x03, 0x64, 0x00, 0x28, 0x00, 0x00, 0x10, 0x15, 0x00, 0x00, 0x50, 0x01};
    assert_int_equal(mh_wr_len(&w), sizeof want);
    assert_memory_equal(u, want, sizeof want);
    struct gdw1376_param g;
    assert_int_equal(gdw1376_param_parse(u, sizeof want, &g, 1), 1);
    assert_int_equal(g.u.point.ct, 40);
    assert_int_equal(mh_dec_cmp(g.u.point.rated_v.num, mh_dec_make(100, 0)), 0);
    assert_int_equal(mh_dec_cmp(g.u.point.rated_kva.num, mh_dec_make(50, 0)), 0);
    assert_int_equal(gdw1376_param_parse(u, sizeof want - 1, &g, 1), MH_ETRUNC);
}

static void test_event_config_f9(void **state)
{
    (void)state;
    /* ERC1-14 recorded, ERC1, ERC14 important; ERC64 recorded */
    struct gdw1376_param p = {.fn = 9, .u.events = {0x8000000000003FFFull, 0x2001}};
    uint8_t u[32];
    struct mh_wr w;
    mh_wr_init(&w, u, sizeof u);
    assert_int_equal(gdw1376_param_put(&w, &p), 0);
    uint8_t want[] = {0, 0, 0x01, 0x01, 0xFF, 0x3F, 0, 0, 0, 0, 0, 0x80, 0x01, 0x20, 0, 0, 0, 0, 0, 0};
    assert_int_equal(mh_wr_len(&w), sizeof want);
    assert_memory_equal(u, want, sizeof want);
    struct gdw1376_param g;
    assert_int_equal(gdw1376_param_parse(u, sizeof want, &g, 1), 1);
    assert_true(g.u.events.valid == p.u.events.valid);
    assert_true(g.u.events.important == p.u.events.important);
    assert_int_equal(gdw1376_param_parse(u, sizeof want - 1, &g, 1), MH_ETRUNC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_units_byte_exact),
        cmocka_unit_test(test_terminal_parses_set_and_master_parses_query_reply),
        cmocka_unit_test(test_load_control_parameters_round_trip),
        cmocka_unit_test(test_param_rejections),
        cmocka_unit_test(test_query_f10_request),
        cmocka_unit_test(test_point_base_f25),
        cmocka_unit_test(test_event_config_f9),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
