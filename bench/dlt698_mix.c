/*
 * The DL/T 698.45 frame mix bench_dlt698 decodes, shared with the
 * differential test of the streaming mapper (tests/unit/proto/dlt698): what a
 * master station receives all day from 698 terminals: login and heartbeats,
 * GET-Response-Normal (energy with tariffs, voltages), NormalList (power,
 * current), a GET-Response-Record of a day's 15-minute curve (96 rows of
 * freeze time, energy, voltages, currents, powers) and active reports (an
 * event record, a normal list), built by the codec's own encoders.
 */
#include "dlt698_mix.h"

#include "meterhub/proto/dlt698_data.h"

static const uint8_t terminal[6] = {0x01, 0x00, 0x19, 0x05, 0x16, 0x20};

static size_t frames;

static void frame(struct mh_wr *out, uint8_t c, const uint8_t *apdu, size_t n)
{
    dlt698_frame_encode(out, c, 0x05, terminal, 0x10, apdu, n);
    frames++;
}

static void link_request(struct mh_wr *out, uint8_t type)
{
    uint8_t a[32];
    struct mh_wr w;
    mh_wr_init(&w, a, sizeof a);
    struct mh_tm t = {.year = 2026, .mon = 11, .day = 24, .wday = 2, .hour = 9, .min = 15, .has = MH_TM_FULL | MH_TM_WDAY | MH_TM_MS};
    mh_wr_u8(&w, 0x01);
    mh_wr_u8(&w, 0x00);
    mh_wr_u8(&w, type);
    mh_wr_u16be(&w, 300);
    dlt698_put_time_body(&w, DLT698_DATETIME, &t);
    frame(out, 0x81, a, mh_wr_len(&w));
}

static void energy(struct mh_wr *w, uint32_t base)
{
    dlt698_put_array(w, 5);
    for (uint32_t k = 0; k < 5; k++)
        dlt698_put_u32(w, base + k * 1111u);
}

static void phases_u16(struct mh_wr *w, uint16_t v)
{
    dlt698_put_array(w, 3);
    for (uint16_t k = 0; k < 3; k++)
        dlt698_put_u16(w, (uint16_t)(v + k));
}

static void phases_i32(struct mh_wr *w, size_t n, int32_t v)
{
    dlt698_put_array(w, n);
    for (size_t k = 0; k < n; k++)
        dlt698_put_i32(w, v + (int32_t)k);
}

static void get_responses(struct mh_wr *out)
{
    static uint8_t a[8192];
    struct mh_wr w;
    /* Normal: forward active energy, total + 4 tariffs */
    mh_wr_init(&w, a, sizeof a);
    mh_wr_u8(&w, 0x85), mh_wr_u8(&w, 1), mh_wr_u8(&w, 0x01);
    mh_wr_u32be(&w, 0x00100200), mh_wr_u8(&w, 1);
    energy(&w, 123456);
    mh_wr_u8(&w, 0), mh_wr_u8(&w, 0);
    frame(out, 0xC3, a, mh_wr_len(&w));
    /* Normal: voltages */
    mh_wr_init(&w, a, sizeof a);
    mh_wr_u8(&w, 0x85), mh_wr_u8(&w, 1), mh_wr_u8(&w, 0x02);
    mh_wr_u32be(&w, 0x20000200), mh_wr_u8(&w, 1);
    phases_u16(&w, 2301);
    mh_wr_u8(&w, 0), mh_wr_u8(&w, 0);
    frame(out, 0xC3, a, mh_wr_len(&w));
    /* NormalList: active power (total, A, B, C) and current (A, B, C) */
    mh_wr_init(&w, a, sizeof a);
    mh_wr_u8(&w, 0x85), mh_wr_u8(&w, 2), mh_wr_u8(&w, 0x03), mh_wr_u8(&w, 2);
    mh_wr_u32be(&w, 0x20040200), mh_wr_u8(&w, 1);
    phases_i32(&w, 4, 15000);
    mh_wr_u32be(&w, 0x20010200), mh_wr_u8(&w, 1);
    phases_i32(&w, 3, 5123);
    mh_wr_u8(&w, 0), mh_wr_u8(&w, 0);
    frame(out, 0xC3, a, mh_wr_len(&w));
    /* Record: a day of 15-minute points from the minute freeze */
    static const uint32_t cols[] = {0x20210200, 0x00100201, 0x20000200, 0x20010200, 0x20040200};
    mh_wr_init(&w, a, sizeof a);
    mh_wr_u8(&w, 0x85), mh_wr_u8(&w, 3), mh_wr_u8(&w, 0x04);
    mh_wr_u32be(&w, 0x50020200);
    mh_wr_u8(&w, 5);
    for (size_t k = 0; k < 5; k++)
        mh_wr_u8(&w, 0), mh_wr_u32be(&w, cols[k]);
    mh_wr_u8(&w, 1);
    dlt698_len_write(&w, 96);
    for (unsigned k = 0; k < 96; k++) {
        struct mh_tm t = {.year = 2026, .mon = 11, .day = 23, .hour = (uint8_t)(k / 4), .min = (uint8_t)(15 * (k % 4)), .has = MH_TM_FULL};
        dlt698_put_time(&w, DLT698_DATETIME_S, &t);
        dlt698_put_u32(&w, 120000 + k * 25);
        phases_u16(&w, (uint16_t)(2290 + k % 20));
        phases_i32(&w, 3, 4000 + (int32_t)k);
        phases_i32(&w, 4, 12000 + (int32_t)k);
    }
    mh_wr_u8(&w, 0), mh_wr_u8(&w, 0);
    frame(out, 0xC3, a, mh_wr_len(&w));
}

static void reports(struct mh_wr *out)
{
    uint8_t a[256];
    struct mh_wr w;
    /* RecordList: one power-down event (sequence, start, end) */
    mh_wr_init(&w, a, sizeof a);
    mh_wr_u8(&w, 0x88), mh_wr_u8(&w, 2), mh_wr_u8(&w, 0x05), mh_wr_u8(&w, 1);
    mh_wr_u32be(&w, 0x30110200);
    mh_wr_u8(&w, 3);
    mh_wr_u8(&w, 0), mh_wr_u32be(&w, 0x20220200);
    mh_wr_u8(&w, 0), mh_wr_u32be(&w, 0x201E0200);
    mh_wr_u8(&w, 0), mh_wr_u32be(&w, 0x20200200);
    mh_wr_u8(&w, 1), mh_wr_u8(&w, 1);
    struct mh_tm t = {.year = 2026, .mon = 11, .day = 24, .hour = 3, .min = 2, .sec = 1, .has = MH_TM_FULL};
    dlt698_put_u32(&w, 17);
    dlt698_put_time(&w, DLT698_DATETIME_S, &t);
    t.min = 40;
    dlt698_put_time(&w, DLT698_DATETIME_S, &t);
    mh_wr_u8(&w, 0), mh_wr_u8(&w, 0);
    frame(out, 0x83, a, mh_wr_len(&w));
    /* List: energy and the clock */
    mh_wr_init(&w, a, sizeof a);
    mh_wr_u8(&w, 0x88), mh_wr_u8(&w, 1), mh_wr_u8(&w, 0x06), mh_wr_u8(&w, 2);
    mh_wr_u32be(&w, 0x00100200), mh_wr_u8(&w, 1);
    energy(&w, 654321);
    mh_wr_u32be(&w, 0x40000200), mh_wr_u8(&w, 1);
    dlt698_put_time(&w, DLT698_DATETIME_S, &t);
    mh_wr_u8(&w, 0), mh_wr_u8(&w, 0);
    frame(out, 0x83, a, mh_wr_len(&w));
}

size_t dlt698_mix_write(struct mh_wr *w)
{
    frames = 0;
    link_request(w, 0);
    link_request(w, 1);
    get_responses(w);
    reports(w);
    link_request(w, 1);
    return frames;
}
