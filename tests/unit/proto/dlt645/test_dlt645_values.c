/* DL/T 645 data formats and the dictionary: every entry round-trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/dlt645.h"
#include "meterhub/proto/item.h"

static struct dlt645_value num(int64_t m, int exp)
{
    struct dlt645_value v = {.kind = DLT645_V_NUM, .num = {m, (int8_t)exp}};
    return v;
}

static void test_bcd_formats_decode_with_sign_and_decimals(void **state)
{
    (void)state;
    struct dlt645_value v;
    const uint8_t energy[] = {0x78, 0x56, 0x34, 0x12};
    assert_int_equal(dlt645_value_decode(DLT645_FMT_BCD, 2, energy, 4, &v), 0);
    assert_int_equal(v.kind, DLT645_V_NUM);
    assert_int_equal(mh_dec_cmp(v.num, mh_dec_make(12345678, -2)), 0);
    /* -000.500 A: digits 000500 low byte first, sign in bit 7 of the top byte. (The
     * reference's example writes 00 50 80, which is -005.000 by the same rule.) */
    const uint8_t neg_current[] = {0x00, 0x05, 0x80};
    assert_int_equal(dlt645_value_decode(DLT645_FMT_SBCD, 3, neg_current, 3, &v), 0);
    assert_int_equal(mh_dec_cmp(v.num, mh_dec_make(-500, -3)), 0);
    /* a nibble above 9 is no number, signed or not */
    const uint8_t not_bcd[] = {0x00, 0x05, 0xA0};
    assert_int_equal(dlt645_value_decode(DLT645_FMT_BCD, 3, not_bcd, 3, &v), 0);
    assert_int_equal(v.kind, DLT645_V_NODATA);
    const uint8_t ff[] = {0xFF, 0xFF, 0xFF, 0xFF};
    assert_int_equal(dlt645_value_decode(DLT645_FMT_BCD, 2, ff, 4, &v), 0);
    assert_int_equal(v.kind, DLT645_V_NODATA);
    const uint8_t bad[] = {0x12, 0x3A, 0x00, 0x00};
    assert_int_equal(dlt645_value_decode(DLT645_FMT_BCD, 2, bad, 4, &v), 0);
    assert_int_equal(v.kind, DLT645_V_NODATA);
    assert_int_equal(dlt645_value_decode(DLT645_FMT_BCD, 2, energy, 9, &v), MH_EINVAL);
    assert_int_equal(dlt645_value_decode(DLT645_FMT_DEMAND, 4, energy, 4, &v), MH_EINVAL);
}

static void test_time_formats_and_invalid_dates(void **state)
{
    (void)state;
    struct dlt645_value v;
    const uint8_t t6[] = {0x25, 0x11, 0x02, 0x12, 0x34, 0x56}; /* month 34: not a date */
    assert_int_equal(dlt645_value_decode(DLT645_FMT_YYMMDDHHMMSS, 0, t6, 6, &v), 0);
    assert_int_equal(v.kind, DLT645_V_NODATA);
    const uint8_t ok6[] = {0x00, 0x00, 0x00, 0x30, 0x12, 0x99};
    assert_int_equal(dlt645_value_decode(DLT645_FMT_YYMMDDHHMMSS, 0, ok6, 6, &v), 0);
    assert_int_equal(v.kind, DLT645_V_TIME);
    assert_int_equal(v.time.year, 2099);
    assert_int_equal(v.time.day, 30);
    const uint8_t date[] = {0x00, 0x24, 0x11, 0x26}; /* Sunday is 0 in DL/T 645 */
    assert_int_equal(dlt645_value_decode(DLT645_FMT_YYMMDDWW, 0, date, 4, &v), 0);
    assert_int_equal(v.time.wday, 7);
    const uint8_t hms[] = {0x04, 0x22, 0x22};
    assert_int_equal(dlt645_value_decode(DLT645_FMT_HHMMSS, 0, hms, 3, &v), 0);
    assert_int_equal(v.time.hour, 22);
    assert_int_equal(v.time.sec, 4);
    const uint8_t demand[] = {0x34, 0x12, 0x00, 0x30, 0x14, 0x15, 0x11, 0x26};
    assert_int_equal(dlt645_value_decode(DLT645_FMT_DEMAND, 4, demand, 8, &v), 0);
    assert_int_equal(v.kind, DLT645_V_NUM_TIME);
    assert_int_equal(mh_dec_cmp(v.num, mh_dec_make(1234, -4)), 0);
    assert_int_equal(v.time.hour, 14);
}

static void test_encode_refuses_what_does_not_fit(void **state)
{
    (void)state;
    uint8_t p[8];
    struct dlt645_value v = num(100000000, -2); /* 1,000,000.00 needs 9 digits */
    assert_int_equal(dlt645_value_encode(DLT645_FMT_BCD, 2, &v, p, 4), MH_ERANGE);
    v = num(-1, 0);
    assert_int_equal(dlt645_value_encode(DLT645_FMT_BCD, 0, &v, p, 2), MH_ERANGE);
    v = num(8000, 0); /* the top digit 8 would collide with the sign bit */
    assert_int_equal(dlt645_value_encode(DLT645_FMT_SBCD, 0, &v, p, 2), MH_ERANGE);
    v = num(1234, -3); /* 1.234 into two decimals would lose a digit */
    assert_int_equal(dlt645_value_encode(DLT645_FMT_BCD, 2, &v, p, 4), MH_ERANGE);
    v = num(123, -1); /* 12.3 into two decimals: exact */
    assert_int_equal(dlt645_value_encode(DLT645_FMT_BCD, 2, &v, p, 4), 0);
    assert_int_equal(p[0], 0x30);
    assert_int_equal(p[1], 0x12);
}

static const uint8_t pattern[64] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.";

/*
 * A value that fits a format. Even k gives the largest value the format
 * holds (all nines; for signed formats the largest magnitude the sign bit
 * leaves, negative), odd k a small one; so the walk covers edge values.
 */
static struct dlt645_value sample(unsigned fmt, unsigned bytes, unsigned decimals, size_t k)
{
    struct dlt645_value v = {0};
    int64_t max = 1;
    for (unsigned i = 0; i < 2 * bytes && i < 18; i++)
        max *= 10;
    switch (fmt) {
    case DLT645_FMT_BCD:
        v = num(k % 2 ? (int64_t)(11 + 7 * k) : max - 1, -(int)decimals);
        break;
    case DLT645_FMT_SBCD:
        v = num(k % 2 ? (int64_t)(123 + k) : -(max / 10 * 8 - 1), -(int)decimals);
        break;
    case DLT645_FMT_DEMAND:
        v = num(k % 2 ? (int64_t)(4321 + k) : 999999, -4);
        v.kind = DLT645_V_NUM_TIME;
        v.time = (struct mh_tm){.year = 2026, .mon = 12, .day = 31, .hour = 23, .min = (uint8_t)(k * 7 % 60)};
        break;
    case DLT645_FMT_MMDDNN:
        v = num((int64_t)(k + 1), 0);
        v.kind = DLT645_V_NUM_TIME;
        v.time = (struct mh_tm){.mon = (uint8_t)(1 + k % 12), .day = (uint8_t)(28 - k % 3)};
        break;
    case DLT645_FMT_HHMMNN:
        v = num((int64_t)(k + 1), 0);
        v.kind = DLT645_V_NUM_TIME;
        v.time = (struct mh_tm){.hour = (uint8_t)(23 - k), .min = (uint8_t)(59 - k)};
        break;
    case DLT645_FMT_BITS:
        v.kind = DLT645_V_BITS;
        v.bits = (bytes >= 2 ? 0x5000u : 0x50u) + (uint32_t)k;
        break;
    case DLT645_FMT_ADDRESS:
        v.kind = DLT645_V_ADDRESS;
        memcpy(v.text, "151230011061", 13);
        break;
    case DLT645_FMT_RAW:
    case DLT645_FMT_ASCII:
        v.kind = fmt == DLT645_FMT_RAW ? DLT645_V_RAW : DLT645_V_TEXT;
        v.raw = pattern + k;
        v.raw_len = (uint16_t)(bytes ? bytes : 7); /* 7: a record's variable tail */
        break;
    default:
        v.kind = DLT645_V_TIME;
        v.time = (struct mh_tm){.year = 2026, .mon = 11, .day = 24, .hour = 13, .min = 5, .sec = 9, .wday = 2};
        break;
    }
    return v;
}

/* A concrete identifier for a row: tariff 2 / phase 1 / last 1 / daily freeze where it has parameters. */
static uint32_t concrete_di(const struct dlt645_di_def *d, int block)
{
    uint32_t di = d->di;
    if (d->edition == DLT645_1997) {
        if (d->flags & (DLT645_DI_1997_TARIFF | DLT645_DI_1997_PHASE))
            di |= block ? 0xF : 0x1;
        return di;
    }
    if (d->flags & DLT645_DI_TARIFF)
        di |= block ? 0xFF00 : 0x0200;
    if (d->flags & DLT645_DI_PHASE_DI1)
        di |= block ? 0xFF00 : 0x0100;
    if (d->flags & (DLT645_DI_SETTLE | DLT645_DI_LAST_N))
        di |= 0x01;
    if (d->flags & DLT645_DI_FREEZE)
        di |= 0x060000;
    return di;
}

/*
 * The same data inside a read response, decoded straight from the wire
 * (dlt645_frame_values): the identifier, the count and every value agree
 * with dlt645_values_decode field by field, and raw points at the same
 * bytes as they are on the wire (+0x33).
 */
static void same_from_wire(uint32_t di, enum dlt645_edition ed, const uint8_t *data, size_t len,
                           const struct dlt645_value *plain_vals, int count)
{
    static const uint8_t addr[6] = {0x61, 0x10, 0x01, 0x30, 0x12, 0x15};
    size_t dil = ed == DLT645_1997 ? 2 : 4;
    if (len + dil > DLT645_MAX_DATA)
        return; /* does not fit one frame */
    uint8_t field[DLT645_MAX_DATA], buf[300];
    for (size_t i = 0; i < dil; i++)
        field[i] = (uint8_t)(di >> (8 * i));
    memcpy(field + dil, data, len);
    struct mh_wr w;
    mh_wr_init(&w, buf, sizeof buf);
    uint8_t ctrl = DLT645_CTRL_DIR | (ed == DLT645_1997 ? DLT645_97_READ : DLT645_READ);
    assert_int_equal(dlt645_frame_encode(&w, 0, addr, ctrl, field, dil + len), 0);
    struct mh_frame_span sp;
    struct dlt645_frame f;
    assert_int_equal(dlt645_frame_next(buf, mh_wr_len(&w), &sp, &f), 1);
    struct dlt645_value v[40];
    uint32_t got_di = 0;
    int n = dlt645_frame_values(&f, ed, &got_di, v, 40);
    if (n != count)
        fail_msg("DI %08X: %d values from the wire, %d from plain data", di, n, count);
    assert_int_equal(got_di, di);
    for (int k = 0; k < n; k++) {
        const struct dlt645_value *a = &plain_vals[k], *b = &v[k];
        assert_int_equal(b->kind, a->kind);
        assert_int_equal(b->tariff, a->tariff);
        assert_int_equal(b->phase, a->phase);
        assert_int_equal(b->settlement, a->settlement);
        assert_int_equal(b->unit, a->unit);
        assert_int_equal(b->item, a->item);
        assert_ptr_equal(b->name, a->name);
        assert_int_equal(b->raw_len, a->raw_len);
        assert_ptr_equal(b->raw, f.data + dil + (a->raw - data));
        for (size_t i = 0; i < a->raw_len; i++)
            assert_int_equal(b->raw[i], (uint8_t)(a->raw[i] + 0x33));
        if (a->kind == DLT645_V_NUM || a->kind == DLT645_V_NUM_TIME) {
            assert_int_equal(b->num.m, a->num.m);
            assert_int_equal(b->num.exp, a->num.exp);
        }
        if (a->kind == DLT645_V_TIME || a->kind == DLT645_V_NUM_TIME)
            assert_memory_equal(&b->time, &a->time, sizeof a->time);
        if (a->kind == DLT645_V_BITS)
            assert_int_equal(b->bits, a->bits);
        if (a->kind == DLT645_V_ADDRESS)
            assert_string_equal(b->text, a->text);
    }
}

/* Encode in[0..n) under di, decode, compare, encode again: the bytes must agree. */
static void round_trip(const struct dlt645_di_def *d, uint32_t di, const struct dlt645_value *in, size_t n)
{
    enum dlt645_edition ed = (enum dlt645_edition)d->edition;
    const struct dlt645_di_def *found = dlt645_di_lookup(di, ed);
    if (found != d)
        fail_msg("DI %08X finds '%s', not '%s'", di, found ? found->name : "nothing", d->name);
    uint8_t data[256], again[256];
    struct dlt645_value out[40];
    int len = dlt645_values_encode(di, ed, in, n, data, sizeof data);
    if (len < 0)
        fail_msg("DI %08X (%s): encode failed %d", di, d->name, len);
    int got = dlt645_values_decode(di, ed, data, (size_t)len, out, 40);
    if (got != (int)n)
        fail_msg("DI %08X (%s): %d values back, expected %zu", di, d->name, got, n);
    same_from_wire(di, ed, data, (size_t)len, out, got);
    int len2 = dlt645_values_encode(di, ed, out, n, again, sizeof again);
    if (len2 != len || memcmp(again, data, (size_t)len) != 0)
        fail_msg("DI %08X (%s): decoded values encode to other bytes", di, d->name);
    for (size_t k = 0; k < n; k++) {
        if (out[k].kind != in[k].kind)
            fail_msg("DI %08X (%s): value %zu kind %d, expected %d", di, d->name, k, out[k].kind, in[k].kind);
        if (in[k].kind == DLT645_V_NUM || in[k].kind == DLT645_V_NUM_TIME)
            assert_int_equal(mh_dec_cmp(out[k].num, in[k].num), 0);
        if (in[k].kind == DLT645_V_BITS)
            assert_int_equal(out[k].bits, in[k].bits);
        if (in[k].kind == DLT645_V_ADDRESS)
            assert_string_equal(out[k].text, in[k].text);
        if (in[k].kind == DLT645_V_RAW || in[k].kind == DLT645_V_TEXT)
            assert_memory_equal(out[k].raw, in[k].raw, in[k].raw_len);
        /* Items named in the table exist, in the entry's unit, and carry the tariff in E. */
        if (out[k].item) {
            const struct mh_item_def *it = mh_item_lookup(out[k].item);
            if (!it)
                fail_msg("DI %08X (%s): value %zu item %08X is not in items.def", di, d->name, k, out[k].item);
            if ((unsigned)it->unit != out[k].unit)
                fail_msg("DI %08X (%s): unit %s, item %s says %s", di, d->name, mh_unit_name(out[k].unit), it->sym,
                         mh_unit_name(it->unit));
            if (out[k].tariff)
                assert_int_equal(MH_OBIS_E(out[k].item), out[k].tariff);
        }
    }
}

/*
 * A load record with classes 1, 4 and 6 (2, 3 and 5 not recorded): A0 A0,
 * length, 2026-11-24 00:15, class 1 (229.7 / 230.1 / 0 V, 5.000 / -0.500 /
 * 0 A, 50.00 Hz) AA, AA, AA, class 4 (1234.56 kWh, 0, 0, -1.00 kvarh) AA,
 * AA, class 6 (1.5000 kW, 0) AA, checksum, E5.
 */
static const uint8_t load_rec[] = {
    0xA0, 0xA0, 0x31, 0x15, 0x00, 0x24, 0x11, 0x26,
    0x97, 0x22, 0x01, 0x23, 0x00, 0x00, 0x00, 0x50, 0x00, 0x00, 0x05, 0x80, 0x00, 0x00, 0x00, 0x00, 0x50, 0xAA,
    0xAA, 0xAA,
    0x56, 0x34, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x80, 0xAA,
    0xAA,
    0x00, 0x50, 0x01, 0x00, 0x00, 0x00, 0xAA,
    0x00, 0xE5,
};

/* Decode a load record, encode the values, decode again: same values, same bytes but length and checksum. */
static void load_round_trip(const struct dlt645_di_def *d)
{
    struct dlt645_value v[40], again[40];
    uint8_t data[256];
    int n = dlt645_values_decode(d->di, DLT645_2007, load_rec, sizeof load_rec, v, 40);
    if (n != 1 + 7 + 4 + 2)
        fail_msg("DI %08X (%s): %d values from the load record", d->di, d->name, n);
    same_from_wire(d->di, DLT645_2007, load_rec, sizeof load_rec, v, n);
    int len = dlt645_values_encode(d->di, DLT645_2007, v, (size_t)n, data, sizeof data);
    assert_int_equal(len, sizeof load_rec);
    assert_memory_equal(data, load_rec, 2);
    assert_memory_equal(data + 3, load_rec + 3, sizeof load_rec - 5);
    assert_int_equal(data[len - 1], 0xE5);
    assert_int_equal(dlt645_values_decode(d->di, DLT645_2007, data, (size_t)len, again, 40), n);
    for (int k = 0; k < n; k++) {
        assert_int_equal(again[k].kind, v[k].kind);
        assert_int_equal(again[k].item, v[k].item);
        if (v[k].item)
            assert_int_equal(v[k].unit, mh_item_lookup(v[k].item)->unit);
        if (v[k].kind == DLT645_V_NUM)
            assert_int_equal(mh_dec_cmp(again[k].num, v[k].num), 0);
    }
}

static void test_every_dictionary_entry_round_trips(void **state)
{
    (void)state;
    size_t n = dlt645_di_count(), blocks = 0, records = 0;
    if (n < 290)
        fail_msg("only %zu dictionary entries", n);
    assert_null(dlt645_di_entry(n));
    for (size_t i = 0; i < n; i++) {
        const struct dlt645_di_def *d = dlt645_di_entry(i);
        assert_non_null(d);
        struct dlt645_value in[40];
        if (d->fmt == DLT645_FMT_RECORD) {
            assert_true(d->nfields > 0 && d->nfields <= 40);
            for (size_t k = 0; k < d->nfields; k++)
                in[k] = sample(d->fields[k].fmt, d->fields[k].bytes, d->fields[k].decimals, k);
            round_trip(d, concrete_di(d, 0), in, d->nfields);
            records++;
            continue;
        }
        if (d->fmt == DLT645_FMT_LOAD) {
            load_round_trip(d);
            records++;
            continue;
        }
        assert_true(d->fmt < DLT645_FMT_VALUE_COUNT_);
        in[0] = sample(d->fmt, d->bytes, d->decimals, 0);
        round_trip(d, concrete_di(d, 0), in, 1);
        in[0] = sample(d->fmt, d->bytes, d->decimals, 1);
        round_trip(d, concrete_di(d, 0), in, 1);
        /* Blocks: total + tariffs 1..4, phases A, B, C (after the total where there is one), table rows. */
        int param_block = (d->flags & (DLT645_DI_TARIFF | DLT645_DI_PHASE_DI1 | DLT645_DI_1997_TARIFF |
                                       DLT645_DI_1997_PHASE)) != 0;
        if (param_block || (d->flags & DLT645_DI_BLOCK)) {
            int phases = (d->flags & (DLT645_DI_PHASE_DI1 | DLT645_DI_1997_PHASE)) != 0;
            size_t count = phases ? ((d->flags & DLT645_DI_PHASE_TOTAL) ? 4 : 3) : 5;
            for (size_t k = 0; k < count; k++)
                in[k] = sample(d->fmt, d->bytes, d->decimals, k);
            round_trip(d, concrete_di(d, param_block), in, count);
            blocks++;
        }
    }
    assert_true(blocks > 50);
    assert_true(records > 20);
}

static void test_bcd_edge_values(void **state)
{
    (void)state;
    struct dlt645_value v;
    /* the largest register: 999999.99 kWh */
    const uint8_t max4[] = {0x99, 0x99, 0x99, 0x99};
    assert_int_equal(dlt645_value_decode(DLT645_FMT_BCD, 2, max4, 4, &v), 0);
    assert_int_equal(mh_dec_cmp(v.num, mh_dec_make(99999999, -2)), 0);
    /* signed: the largest magnitude is 79.9999 (the top bit is the sign), -79.9999 with it set */
    const uint8_t smax[] = {0x99, 0x99, 0x79};
    assert_int_equal(dlt645_value_decode(DLT645_FMT_SBCD, 4, smax, 3, &v), 0);
    assert_int_equal(mh_dec_cmp(v.num, mh_dec_make(799999, -4)), 0);
    const uint8_t smin[] = {0x99, 0x99, 0xF9};
    assert_int_equal(dlt645_value_decode(DLT645_FMT_SBCD, 4, smin, 3, &v), 0);
    assert_int_equal(mh_dec_cmp(v.num, mh_dec_make(-799999, -4)), 0);
    /* -0.0 decodes as zero */
    const uint8_t negzero[] = {0x00, 0x80};
    assert_int_equal(dlt645_value_decode(DLT645_FMT_SBCD, 1, negzero, 2, &v), 0);
    assert_int_equal(v.kind, DLT645_V_NUM);
    assert_int_equal(v.num.m, 0);
    /* eight bytes: sixteen digits */
    const uint8_t eight[] = {0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99};
    assert_int_equal(dlt645_value_decode(DLT645_FMT_BCD, 0, eight, 8, &v), 0);
    assert_int_equal(v.num.m, 9999999999999999LL);
    /* every invalid digit position is caught, low and high nibble, signed and not */
    for (size_t pos = 0; pos < 4; pos++)
        for (int hi = 0; hi < 2; hi++) {
            uint8_t b[4] = {0x12, 0x34, 0x56, 0x07};
            b[pos] = hi ? (uint8_t)(0xA0 | (b[pos] & 0x0F)) : (uint8_t)(0x0B | (b[pos] & 0xF0));
            assert_int_equal(dlt645_value_decode(DLT645_FMT_BCD, 2, b, 4, &v), 0);
            assert_int_equal(v.kind, DLT645_V_NODATA);
            if (pos == 3 && hi)
                continue; /* signed: the top bit of the top byte is the sign, A0 is -20 */
            assert_int_equal(dlt645_value_decode(DLT645_FMT_SBCD, 2, b, 4, &v), 0);
            assert_int_equal(v.kind, DLT645_V_NODATA);
        }
    /* EE fill (concentrators) is no data too */
    const uint8_t ee[] = {0xEE, 0xEE, 0xEE};
    assert_int_equal(dlt645_value_decode(DLT645_FMT_SBCD, 3, ee, 3, &v), 0);
    assert_int_equal(v.kind, DLT645_V_NODATA);
    /* encode: the largest signed magnitude fits, one more does not */
    uint8_t p[3];
    v = num(-799999, -4);
    assert_int_equal(dlt645_value_encode(DLT645_FMT_SBCD, 4, &v, p, 3), 0);
    assert_memory_equal(p, smin, 3);
    v = num(800000, -4);
    assert_int_equal(dlt645_value_encode(DLT645_FMT_SBCD, 4, &v, p, 3), MH_ERANGE);
}

static void test_records_decode_field_by_field(void **state)
{
    (void)state;
    struct dlt645_value out[40];
    /* last-1 power-down record 03110001: start 2026-11-23 22:04:05, end 2026-11-24 06:30:00 */
    const uint8_t pd[] = {0x05, 0x04, 0x22, 0x23, 0x11, 0x26, 0x00, 0x30, 0x06, 0x24, 0x11, 0x26};
    assert_int_equal(dlt645_values_decode(0x03110001, DLT645_2007, pd, sizeof pd, out, 40), 2);
    assert_int_equal(out[0].kind, DLT645_V_TIME);
    assert_string_equal(out[0].name, "start");
    assert_int_equal(out[0].time.hour, 22);
    assert_int_equal(out[1].time.day, 24);
    assert_int_equal(out[1].settlement, 1);
    assert_int_equal(dlt645_values_decode(0x03110001, DLT645_2007, pd, sizeof pd - 1, out, 40), MH_EBADLEN);
    /* the count under the same DI3..DI1 is a single number */
    const uint8_t cnt[] = {0x12, 0x00, 0x00};
    assert_int_equal(dlt645_values_decode(0x03110000, DLT645_2007, cnt, 3, out, 40), 1);
    assert_int_equal(out[0].item, MH_ITEM_CNT_POWER_DOWN);
    assert_int_equal(out[0].unit, MH_UNIT_COUNT);
    /* voltage loss summary: counts and minutes per phase */
    const uint8_t vl[18] = {0x03, 0, 0, 0x20, 0x01, 0, 0x01, 0, 0, 0x05, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(dlt645_values_decode(0x03010000, DLT645_2007, vl, 18, out, 40), 6);
    assert_int_equal(out[1].num.m, 120);
    assert_int_equal(out[1].unit, MH_UNIT_MIN);
    /* daily frozen variables 05061001: P total, A, B, C, Q total, A, B, C */
    uint8_t fv[24] = {0};
    fv[0] = 0x00, fv[1] = 0x50, fv[2] = 0x01; /* 1.5000 kW */
    fv[14] = 0x80;                          /* phase A reactive -0.0000 */
    assert_int_equal(dlt645_values_decode(0x05061001, DLT645_2007, fv, 24, out, 40), 8);
    assert_int_equal(out[0].item, MH_ITEM_P);
    assert_int_equal(mh_dec_cmp(out[0].num, mh_dec_make(15, -1)), 0);
    assert_int_equal(out[5].item, MH_ITEM_Q_L1);
    /* freeze type 08 does not exist */
    assert_null(dlt645_di_lookup(0x05081001, DLT645_2007));
}

static void test_blocks_assign_tariffs_and_phases(void **state)
{
    (void)state;
    struct dlt645_value out[8];
    /* 0201FF00 voltage block: A, B, C */
    const uint8_t u[] = {0x00, 0x22, 0x10, 0x22, 0x20, 0x22};
    assert_int_equal(dlt645_values_decode(0x0201FF00, DLT645_2007, u, 6, out, 8), 3);
    assert_int_equal(out[0].item, MH_ITEM_U_L1);
    assert_int_equal(out[2].item, MH_ITEM_U_L3);
    assert_int_equal(mh_dec_cmp(out[1].num, mh_dec_make(2210, -1)), 0);
    /* 0203FF00 power block: total, A, B, C */
    const uint8_t p[12] = {0x00, 0x00, 0x01, 0x00, 0x50, 0x00, 0x00, 0x30, 0x00, 0x00, 0x20, 0x00};
    assert_int_equal(dlt645_values_decode(0x0203FF00, DLT645_2007, p, 12, out, 8), 4);
    assert_int_equal(out[0].item, MH_ITEM_P);
    assert_int_equal(out[1].item, MH_ITEM_P_L1);
    assert_int_equal(out[3].item, MH_ITEM_P_L3);
    /* 1997 901F block ends with AA */
    const uint8_t b97[] = {0x03, 0, 0, 0, 0, 0, 0, 0, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xAA};
    assert_int_equal(dlt645_values_decode(0x901F, DLT645_1997, b97, sizeof b97, out, 8), 5);
    assert_int_equal(out[2].item, MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 2));
    /* a single item with a block's length is refused */
    assert_int_equal(dlt645_values_decode(0x02010100, DLT645_2007, u, 6, out, 8), MH_EBADLEN);
    assert_int_equal(dlt645_values_decode(0x00010000, DLT645_2007, u, 3, out, 8), MH_EBADLEN);
    assert_int_equal(dlt645_values_decode(0x7F000000, DLT645_2007, u, 3, out, 8), MH_EUNKNOWN);
    /* tariff 0x40 and settlement 0x0D are outside the standard's ranges */
    assert_null(dlt645_di_lookup(0x00014000, DLT645_2007));
    assert_null(dlt645_di_lookup(0x0001000D, DLT645_2007));
}

static void test_load_records(void **state)
{
    (void)state;
    struct dlt645_value v[64];
    int n = dlt645_values_decode(0x06000001, DLT645_2007, load_rec, sizeof load_rec, v, 64);
    assert_int_equal(n, 14);
    assert_int_equal(v[0].kind, DLT645_V_TIME);
    assert_int_equal(v[0].time.min, 15);
    assert_int_equal(v[1].item, MH_ITEM_U_L1);
    assert_int_equal(mh_dec_cmp(v[1].num, mh_dec_make(2297, -1)), 0);
    assert_int_equal(mh_dec_cmp(v[5].num, mh_dec_make(-500, -3)), 0);
    assert_int_equal(v[8].item, MH_ITEM_AE_IMP);
    assert_int_equal(mh_dec_cmp(v[8].num, mh_dec_make(123456, -2)), 0);
    assert_int_equal(mh_dec_cmp(v[11].num, mh_dec_make(-100, -2)), 0);
    assert_int_equal(v[12].item, MH_ITEM_DEM_AE_IMP);
    /* two records back to back; the second marked incorrect by the meter (E0 E0) */
    uint8_t two[2 * sizeof load_rec];
    memcpy(two, load_rec, sizeof load_rec);
    memcpy(two + sizeof load_rec, load_rec, sizeof load_rec);
    two[sizeof load_rec] = two[sizeof load_rec + 1] = 0xE0;
    n = dlt645_values_decode(0x06000001, DLT645_2007, two, sizeof two, v, 64);
    assert_int_equal(n, 28);
    assert_int_equal(v[14].kind, DLT645_V_NODATA);
    assert_int_equal(v[15].kind, DLT645_V_NODATA);
    /* structure errors */
    uint8_t bad[sizeof load_rec];
    memcpy(bad, load_rec, sizeof bad);
    bad[0] = 0xA1;
    assert_int_equal(dlt645_values_decode(0x06000001, DLT645_2007, bad, sizeof bad, v, 64), MH_EBADSTART);
    memcpy(bad, load_rec, sizeof bad);
    bad[25] = 0xAB; /* class 1 not closed by AA */
    assert_int_equal(dlt645_values_decode(0x06000001, DLT645_2007, bad, sizeof bad, v, 64), MH_EBADLEN);
    memcpy(bad, load_rec, sizeof bad);
    bad[sizeof bad - 1] = 0x16;
    assert_int_equal(dlt645_values_decode(0x06000001, DLT645_2007, bad, sizeof bad, v, 64), MH_EBADEND);
    for (size_t cut = 0; cut < sizeof load_rec; cut++)
        assert_true(dlt645_values_decode(0x06000001, DLT645_2007, load_rec, cut, v, 64) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcd_formats_decode_with_sign_and_decimals),
        cmocka_unit_test(test_time_formats_and_invalid_dates),
        cmocka_unit_test(test_encode_refuses_what_does_not_fit),
        cmocka_unit_test(test_every_dictionary_entry_round_trips),
        cmocka_unit_test(test_blocks_assign_tariffs_and_phases),
        cmocka_unit_test(test_bcd_edge_values),
        cmocka_unit_test(test_records_decode_field_by_field),
        cmocka_unit_test(test_load_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
