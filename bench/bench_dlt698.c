/*
 * DL/T 698.45 decode throughput against a validate-only framer over the
 * same bytes, alternating, median ratio of 15 rounds. The mix is what a
 * master station receives all day from 698 terminals: login and
 * heartbeats, GET-Response-Normal (energy with tariffs, voltages),
 * NormalList (power, current), a GET-Response-Record of a day's 15-minute
 * curve (96 rows of freeze time, energy, voltages, currents, powers) and
 * active reports (an event record, a normal list), built by the codec's
 * own encoders.
 *
 * The subject frames (dlt698_frame_scan), parses, walks the APDU, decodes
 * every Data into nodes and maps every integer to its item with the
 * scaler applied; the baseline finds 68, checks L, HCS, FCS and 16.
 *
 *   bench_dlt698              the comparison
 *   bench_dlt698 once N       decode N passes once (for callgrind: instructions per frame)
 *   bench_dlt698 base N       the validate-only framer N passes (its callgrind figure)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "meterhub/proto/crc.h"
#include "meterhub/proto/dlt698_data.h"

#define PASSES 200

static uint8_t *stream;
static size_t stream_len, frames_per_pass;

static const uint8_t terminal[6] = {0x01, 0x00, 0x19, 0x05, 0x16, 0x20};

static void frame(struct mh_wr *out, uint8_t c, const uint8_t *apdu, size_t n)
{
    dlt698_frame_encode(out, c, 0x05, terminal, 0x10, apdu, n);
    frames_per_pass++;
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

static void build_mix(void)
{
    static uint8_t buf[16384];
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    link_request(&w, 0);
    link_request(&w, 1);
    get_responses(&w);
    reports(&w);
    link_request(&w, 1);
    if (mh_wr_err(&w)) {
        fprintf(stderr, "bench_dlt698: mix does not fit\n");
        exit(1);
    }
    size_t one = mh_wr_len(&w);
    stream_len = one * PASSES;
    stream = malloc(stream_len);
    for (size_t k = 0; k < PASSES; k++)
        memcpy(stream + k * one, buf, one);
}

/* Baseline: find 68, check L, HCS, FCS and the end byte; decode nothing. */
static void validate_only(void *ctx)
{
    (void)ctx;
    size_t pos = 0, n = 0;
    while (pos + 12 <= stream_len) {
        if (stream[pos] != 0x68) {
            pos++;
            continue;
        }
        size_t l = (size_t)(stream[pos + 1] | (stream[pos + 2] & 0x3F) << 8);
        size_t hl = 1 + 2 + 1 + 1 + (size_t)(stream[pos + 4] & 0x0F) + 1 + 1 + 2;
        if (pos + l + 2 > stream_len)
            break;
        uint16_t hcs = mh_crc16_x25(stream + pos + 1, hl - 3);
        uint16_t fcs = mh_crc16_x25(stream + pos + 1, l - 2);
        if (stream[pos + hl - 2] == (uint8_t)hcs && stream[pos + hl - 1] == (uint8_t)(hcs >> 8) &&
            stream[pos + l - 1] == (uint8_t)fcs && stream[pos + l] == (uint8_t)(fcs >> 8) && stream[pos + l + 1] == 0x16)
            n++;
        pos += l + 2;
    }
    bench_sink(n);
}

static struct dlt698_node nodes[1024];
static unsigned long errors; /* APDUs that failed to decode: the mix must have none */

static struct dlt698_reading readings[1024];

/* Every value of a decoded Data, mapped to its item with the scaler applied (row: the OAD's object). */
static uint64_t map_values(const struct dlt698_oi_def *row, uint32_t oad, int used)
{
    int n = dlt698_readings_of(row, (uint8_t)oad, nodes, (size_t)used, 0, readings, sizeof readings / sizeof readings[0]);
    uint64_t acc = 0;
    for (int k = 0; k < n; k++)
        acc += (uint64_t)readings[k].value.m + readings[k].item;
    return acc;
}

static uint64_t result_normal(struct mh_rd *r)
{
    uint32_t oad = mh_rd_u32be(r);
    if (mh_rd_u8(r) != 1) {
        mh_rd_skip(r, 1); /* DAR */
        return 0;
    }
    int used = dlt698_data_decode(r, nodes, sizeof nodes / sizeof nodes[0]);
    return used > 0 ? map_values(dlt698_oi_lookup((uint16_t)(oad >> 16), (uint8_t)(oad >> 8)), oad, used) : 0;
}

static uint64_t result_record(struct mh_rd *r)
{
    static struct dlt698_node rcsd[64];
    uint32_t cols[16];
    const struct dlt698_oi_def *rows_of[16]; /* each column's object, looked up once per record */
    mh_rd_skip(r, 4);
    int used = dlt698_value_decode(r, DLT698_RCSD, rcsd, 64);
    if (used < 0)
        return 0;
    uint32_t n = rcsd[0].count < 16 ? rcsd[0].count : 16;
    size_t j = 1;
    for (uint32_t k = 0; k < n; k++) {
        cols[k] = (uint32_t)rcsd[j + 1].v.u;
        rows_of[k] = dlt698_oi_lookup((uint16_t)(cols[k] >> 16), (uint8_t)(cols[k] >> 8));
        j = rcsd[j].next;
    }
    if (mh_rd_u8(r) != 1)
        return 0;
    uint64_t acc = 0;
    size_t rows = dlt698_len_read(r);
    for (size_t row = 0; row < rows && mh_rd_err(r) == 0; row++)
        for (uint32_t k = 0; k < n; k++) {
            int u = dlt698_data_decode(r, nodes, sizeof nodes / sizeof nodes[0]);
            if (u > 0)
                acc += map_values(rows_of[k], cols[k], u);
        }
    return acc;
}

static uint64_t apdu(const uint8_t *p, size_t len)
{
    struct mh_rd r;
    mh_rd_init(&r, p, len);
    uint8_t tag = mh_rd_u8(&r);
    uint64_t acc = 0;
    if (tag == 0x01) { /* LINK-Request: PIID-ACD, type, heartbeat, date_time */
        mh_rd_skip(&r, 4);
        int u = dlt698_value_decode(&r, DLT698_DATETIME, nodes, 1);
        if (u < 0 || mh_rd_left(&r) != 0)
            errors++;
        return u > 0 ? nodes[0].v.time.sec : 0;
    }
    uint8_t choice = mh_rd_u8(&r);
    mh_rd_skip(&r, 1); /* PIID(-ACD) */
    switch (tag << 8 | choice) {
    case 0x8501:
        acc += result_normal(&r);
        break;
    case 0x8502:
    case 0x8801: {
        size_t n = dlt698_len_read(&r);
        for (size_t k = 0; k < n && mh_rd_err(&r) == 0; k++)
            acc += result_normal(&r);
        break;
    }
    case 0x8503:
        acc += result_record(&r);
        break;
    case 0x8802: {
        size_t n = dlt698_len_read(&r);
        for (size_t k = 0; k < n && mh_rd_err(&r) == 0; k++)
            acc += result_record(&r);
        break;
    }
    default:
        break;
    }
    if (mh_rd_err(&r) || mh_rd_left(&r) != 2) /* FollowReport and TimeTag remain */
        errors++;
    return acc;
}

/* Subject: frame, parse, walk the APDU, decode every Data and map it to items. */
static void decode_all(void *ctx)
{
    (void)ctx;
    size_t pos = 0;
    uint64_t acc = 0;
    while (pos < stream_len) {
        struct mh_frame_span sp;
        int rc = dlt698_frame_scan(stream + pos, stream_len - pos, &sp);
        if (rc == 0)
            break;
        if (rc == 1) {
            struct dlt698_frame f;
            if (dlt698_frame_parse_scanned(stream + pos + sp.off, sp.len, &f) == 0)
                acc += apdu(f.apdu, f.apdu_len);
        }
        pos += sp.off + sp.len;
    }
    bench_sink(acc);
}

int main(int argc, char **argv)
{
    build_mix();
    double frames = (double)frames_per_pass * PASSES;
    if (argc == 3 && (strcmp(argv[1], "once") == 0 || strcmp(argv[1], "base") == 0)) {
        long n = strtol(argv[2], NULL, 10);
        for (long k = 0; k < n; k++)
            (argv[1][0] == 'o' ? decode_all : validate_only)(NULL);
        printf("decoded %.0f frames, %lu errors\n", frames * (double)n, errors);
        return errors != 0;
    }
    uint64_t a0 = bench_allocs();
    decode_all(NULL);
    if (errors) {
        fprintf(stderr, "bench_dlt698: %lu APDUs of the mix did not decode\n", errors);
        return 1;
    }
    double allocs = (double)(bench_allocs() - a0) / frames;
    double base_rate, rate;
    double ratio = bench_compare(validate_only, NULL, decode_all, NULL, frames, 15, &base_rate, &rate);
    double bytes_per_frame = (double)stream_len / frames;
    bench_report("dlt698 validate-only framer", base_rate / 1e6, "Mframes/s", -1);
    bench_report("dlt698 validate-only framer", base_rate * bytes_per_frame / 1e6, "MB/s", -1);
    bench_report("dlt698 full decode", rate / 1e6, "Mframes/s", ratio);
    bench_report("dlt698 full decode", rate * bytes_per_frame / 1e6, "MB/s", ratio);
    bench_report("dlt698 bytes per frame", bytes_per_frame, "B", -1);
    bench_report("dlt698 allocations per frame", allocs, "allocs", -1);
    return 0;
}
