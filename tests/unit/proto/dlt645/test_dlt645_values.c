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

/* A value that fits every entry's format: the largest small number, signed where allowed. */
static struct dlt645_value sample(const struct dlt645_di_def *d, size_t k)
{
    struct dlt645_value v = {0};
    switch (d->fmt) {
    case DLT645_FMT_BCD:
        v = num((int64_t)(11 + 7 * k), -(int)d->decimals);
        break;
    case DLT645_FMT_SBCD:
        v = num(k % 2 ? -(int64_t)(123 + k) : (int64_t)(123 + k), -(int)d->decimals);
        break;
    case DLT645_FMT_DEMAND:
        v = num((int64_t)(4321 + k), -4);
        v.kind = DLT645_V_NUM_TIME;
        v.time = (struct mh_tm){.year = 2026, .mon = 11, .day = 24, .hour = 13, .min = (uint8_t)k, .has = MH_TM_DATE | MH_TM_HM};
        break;
    case DLT645_FMT_BITS:
        v.kind = DLT645_V_BITS;
        v.bits = 0x0050 + (uint32_t)k;
        break;
    case DLT645_FMT_ADDRESS:
        v.kind = DLT645_V_ADDRESS;
        memcpy(v.text, "151230011061", 13);
        break;
    default:
        v.kind = DLT645_V_TIME;
        v.time = (struct mh_tm){.year = 2026, .mon = 11, .day = 24, .hour = 13, .min = 5, .sec = 9, .wday = 2};
        break;
    }
    return v;
}

static void test_every_dictionary_entry_round_trips(void **state)
{
    (void)state;
    size_t n;
    const struct dlt645_di_def *t = dlt645_di_table(&n);
    assert_true(n > 90);
    for (size_t i = 0; i < n; i++) {
        const struct dlt645_di_def *d = &t[i];
        if (d->fmt == DLT645_FMT_RAW)
            continue;
        /* A concrete identifier for the row: tariff 2 / phase 1 / last 1 where it has parameters. */
        uint32_t di = d->di;
        enum dlt645_edition ed = (enum dlt645_edition)d->edition;
        if (ed == DLT645_2007) {
            if (d->flags & DLT645_DI_TARIFF)
                di |= 0x0200;
            if (d->flags & DLT645_DI_PHASE_DI1)
                di |= 0x0100;
            if ((d->flags & DLT645_DI_LAST_N) && (d->mask & 0xFF) == 0)
                di |= 0x01;
        } else if (d->flags & (DLT645_DI_1997_TARIFF | DLT645_DI_1997_PHASE)) {
            di |= 0x1;
        }
        const struct dlt645_di_def *found = dlt645_di_lookup(di, ed);
        if (found != d)
            fail_msg("DI %08X finds '%s', not '%s'", di, found ? found->name : "nothing", d->name);
        int block = (d->flags & DLT645_DI_BLOCK) != 0;
        size_t count = block ? 5 : 1;
        struct dlt645_value in[5], out[8];
        for (size_t k = 0; k < count; k++)
            in[k] = sample(d, k);
        uint8_t data[256];
        int len = dlt645_values_encode(di, ed, in, count, data, sizeof data);
        if (len < 0)
            fail_msg("DI %08X (%s): encode failed %d", di, d->name, len);
        int got = dlt645_values_decode(di, ed, data, (size_t)len, out, 8);
        if (got != (int)count)
            fail_msg("DI %08X (%s): %d values back, expected %zu", di, d->name, got, count);
        for (size_t k = 0; k < count; k++) {
            if (out[k].kind != in[k].kind)
                fail_msg("DI %08X (%s): value %zu kind %d, expected %d", di, d->name, k, out[k].kind, in[k].kind);
            if (in[k].kind == DLT645_V_NUM || in[k].kind == DLT645_V_NUM_TIME)
                assert_int_equal(mh_dec_cmp(out[k].num, in[k].num), 0);
            if (in[k].kind == DLT645_V_BITS)
                assert_int_equal(out[k].bits, in[k].bits);
            if (in[k].kind == DLT645_V_ADDRESS)
                assert_string_equal(out[k].text, in[k].text);
            /* Items named in the table exist, and carry the tariff in E. */
            if (out[k].item) {
                assert_non_null(mh_item_lookup(out[k].item));
                if (out[k].tariff)
                    assert_int_equal(MH_OBIS_E(out[k].item), out[k].tariff);
            }
        }
    }
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcd_formats_decode_with_sign_and_decimals),
        cmocka_unit_test(test_time_formats_and_invalid_dates),
        cmocka_unit_test(test_encode_refuses_what_does_not_fit),
        cmocka_unit_test(test_every_dictionary_entry_round_trips),
        cmocka_unit_test(test_blocks_assign_tariffs_and_phases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
