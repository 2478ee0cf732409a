/*
 * Q/GDW 1376.1 data layer: every appendix A format at its edges (one table,
 * decoded and encoded back), the Fn dictionary (order, items, sizes, walks,
 * truncation), multi-unit frames and curve replies with their point times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/item.h"
#include "vectors.h"

enum { NUM, TIME, TEXT, NODATA };

/*
 * One row: format, wire bytes, what they mean. NUM rows give mantissa and
 * exponent, TIME rows the ISO text, TEXT rows the text. `back` 1 when
 * encoding the decoded value must give the same bytes.
 */
static const struct row {
    enum gdw1376_fmt f;
    const char *hex;
    int kind;
    long long m;
    int exp;
    const char *text;
    int back;
} rows[] = {
    /* A.1 ss mm hh DD (weekday|month) YY */
    {GDW1376_A1, "59 59 23 31 B2 99", TIME, 0, 0, "2099-12-31T23:59:59", 1},   /* weekday 5 in D7..D5 */
    {GDW1376_A1, "00 00 00 01 01 00", TIME, 0, 0, "2000-01-01T00:00:00", 1},
    {GDW1376_A1, "00 00 00 30 02 26", NODATA, 0, 0, NULL, 0},                  /* 30 February */
    {GDW1376_A1, "60 00 00 01 01 26", NODATA, 0, 0, NULL, 0},                  /* second 60 */
    {GDW1376_A1, "0A 00 00 01 01 26", NODATA, 0, 0, NULL, 0},                  /* bad BCD */
    {GDW1376_A1, "EE EE EE EE EE EE", NODATA, 0, 0, NULL, 1},
    {GDW1376_A1, "FF FF FF FF FF FF", NODATA, 0, 0, NULL, 0},
    /* A.2: 3 digits x 10^(4-G), sign D4 of byte 2 */
    {GDW1376_A2, "99 09", NUM, 999, 4, NULL, 1},      /* G = 0: 9 990 000 */
    {GDW1376_A2, "99 F9", NUM, -999, -3, NULL, 1},    /* G = 7, negative: -0.999 */
    {GDW1376_A2, "01 60", NUM, 1, 1, NULL, 1},         /* G = 3: 1 x 10^1 */
    {GDW1376_A2, "10 E0", NUM, 10, -3, NULL, 1},       /* G = 7: 0.010 */
    {GDW1376_A2, "00 00", NUM, 0, 4, NULL, 0},
    {GDW1376_A2, "9A 00", NODATA, 0, 0, NULL, 0},
    {GDW1376_A2, "EE EE", NODATA, 0, 0, NULL, 1},
    /* A.3: 7 digits, D6 of byte 4 MWh, D4 sign */
    {GDW1376_A3, "99 99 99 09", NUM, 9999999, 0, NULL, 1},
    {GDW1376_A3, "99 99 99 59", NUM, -9999999, 3, NULL, 1},
    {GDW1376_A3, "01 00 00 10", NUM, -1, 0, NULL, 1},
    {GDW1376_A3, "EE EE EE EE", NODATA, 0, 0, NULL, 1},
    /* A.4: D7 direction, two digits */
    {GDW1376_A4, "79", NUM, 79, 0, NULL, 1},
    {GDW1376_A4, "F9", NUM, -79, 0, NULL, 1},
    {GDW1376_A4, "00", NUM, 0, 0, NULL, 1},
    {GDW1376_A4, "1A", NODATA, 0, 0, NULL, 0},
    {GDW1376_A4, "EE", NODATA, 0, 0, NULL, 1},
    /* A.5 ±XXX.X */
    {GDW1376_A5, "99 79", NUM, 7999, -1, NULL, 1},
    {GDW1376_A5, "99 F9", NUM, -7999, -1, NULL, 1},
    {GDW1376_A5, "00 10", NUM, 1000, -1, NULL, 1},
    {GDW1376_A5, "EE EE", NODATA, 0, 0, NULL, 1},
    {GDW1376_A5, "FF FF", NODATA, 0, 0, NULL, 0},
    /* A.6 ±XX.XX */
    {GDW1376_A6, "99 79", NUM, 7999, -2, NULL, 1},
    {GDW1376_A6, "01 80", NUM, -1, -2, NULL, 1},
    {GDW1376_A6, "0F 00", NODATA, 0, 0, NULL, 0},
    /* A.7 XXX.X V */
    {GDW1376_A7, "99 99", NUM, 9999, -1, NULL, 1},
    {GDW1376_A7, "00 22", NUM, 2200, -1, NULL, 1},
    {GDW1376_A7, "A0 22", NODATA, 0, 0, NULL, 0},
    /* A.8 XXXX */
    {GDW1376_A8, "99 99", NUM, 9999, 0, NULL, 1},
    {GDW1376_A8, "00 00", NUM, 0, 0, NULL, 1},
    /* A.9 ±XX.XXXX kW */
    {GDW1376_A9, "99 99 79", NUM, 799999, -4, NULL, 1},
    {GDW1376_A9, "99 99 F9", NUM, -799999, -4, NULL, 1},
    {GDW1376_A9, "EE EE EE", NODATA, 0, 0, NULL, 1},
    /* A.10 XXXXXX */
    {GDW1376_A10, "99 99 99", NUM, 999999, 0, NULL, 1},
    /* A.11 XXXXXX.XX */
    {GDW1376_A11, "99 99 99 99", NUM, 99999999, -2, NULL, 1},
    {GDW1376_A11, "12 EE 00 00", NODATA, 0, 0, NULL, 0}, /* partly filled */
    /* A.12 address, 12 digits, printed most significant first */
    {GDW1376_A12, "56 34 12 00 00 00", TEXT, 0, 0, "000000123456", 1},
    {GDW1376_A12, "99 99 99 99 99 99", TEXT, 0, 0, "999999999999", 1},
    {GDW1376_A12, "5A 34 12 00 00 00", NODATA, 0, 0, NULL, 0},
    /* A.13 XXXX.XXXX */
    {GDW1376_A13, "99 99 99 99", NUM, 99999999, -4, NULL, 1},
    /* A.14 XXXXXX.XXXX */
    {GDW1376_A14, "99 99 99 99 99", NUM, 9999999999LL, -4, NULL, 1},
    {GDW1376_A14, "01 00 00 00 00", NUM, 1, -4, NULL, 1},
    /* A.15 mm hh DD MM YY */
    {GDW1376_A15, "59 23 29 02 24", TIME, 0, 0, "2024-02-29T23:59", 1},
    {GDW1376_A15, "59 23 29 02 25", NODATA, 0, 0, NULL, 0}, /* 2025 has no 29 February */
    {GDW1376_A15, "00 24 01 01 26", NODATA, 0, 0, NULL, 0}, /* hour 24 */
    {GDW1376_A15, "00 00 01 13 26", NODATA, 0, 0, NULL, 0}, /* month 13 */
    /* A.16 ss mm hh DD */
    {GDW1376_A16, "39 19 16 28", TIME, 0, 0, NULL, 1},
    {GDW1376_A16, "00 00 00 32", NODATA, 0, 0, NULL, 0},
    /* A.17 mm hh DD MM */
    {GDW1376_A17, "30 12 31 12", TIME, 0, 0, NULL, 1},
    /* A.18 mm hh DD */
    {GDW1376_A18, "45 23 31", TIME, 0, 0, NULL, 1},
    {GDW1376_A18, "60 23 31", NODATA, 0, 0, NULL, 0},
    /* A.19 mm hh */
    {GDW1376_A19, "59 23", TIME, 0, 0, "23:59", 1},
    /* A.20 DD MM YY */
    {GDW1376_A20, "31 12 99", TIME, 0, 0, "2099-12-31", 1},
    {GDW1376_A20, "00 01 26", NODATA, 0, 0, NULL, 0}, /* day 0 */
    /* A.21 MM YY */
    {GDW1376_A21, "11 26", TIME, 0, 0, NULL, 1},
    {GDW1376_A21, "00 26", NODATA, 0, 0, NULL, 0},
    /* A.22 X.X */
    {GDW1376_A22, "99", NUM, 99, -1, NULL, 1},
    {GDW1376_A22, "9F", NODATA, 0, 0, NULL, 0},
    /* A.23 XX.XXXX kW */
    {GDW1376_A23, "99 99 99", NUM, 999999, -4, NULL, 1},
    /* A.24 hh DD */
    {GDW1376_A24, "23 31", TIME, 0, 0, NULL, 1},
    {GDW1376_A24, "24 31", NODATA, 0, 0, NULL, 0},
    /* A.25 ±XXX.XXX A */
    {GDW1376_A25, "99 99 79", NUM, 799999, -3, NULL, 1},
    {GDW1376_A25, "00 05 80", NUM, -500, -3, NULL, 1},
    {GDW1376_A25, "EE EE EE", NODATA, 0, 0, NULL, 1},
    /* A.26 X.XXX */
    {GDW1376_A26, "99 99", NUM, 9999, -3, NULL, 1},
    /* A.27 XXXXXXXX */
    {GDW1376_A27, "99 99 99 99", NUM, 99999999, 0, NULL, 1},
    /* A.28 XXXX.XX */
    {GDW1376_A28, "00 00 10", NUM, 100000, -2, NULL, 1}, /* 1000.00 */
    {GDW1376_A28, "00 00 01", NUM, 10000, -2, NULL, 1},  /* 100.00 % */
    {GDW1376_A28, "EE EE EE", NODATA, 0, 0, NULL, 1},
    /* plain fields */
    {GDW1376_FMT_BIN1, "EE", NUM, 0xEE, 0, NULL, 1},       /* a count is always a count */
    {GDW1376_FMT_BIN2, "A0 05", NUM, 1440, 0, NULL, 1},
    {GDW1376_FMT_BIN2, "EE EE", NODATA, 0, 0, NULL, 1},
    {GDW1376_FMT_BIN4, "00 96 00 00", NUM, 38400, 0, NULL, 1},
    {GDW1376_FMT_BIN4, "FF FF FF FF", NUM, 0xFFFFFFFFLL, 0, NULL, 1},
    {GDW1376_FMT_BS16, "01 80", NUM, 0x8001, 0, NULL, 1},
    {GDW1376_FMT_ASCII4, "56 31 2E 30", TEXT, 0, 0, "V1.0", 1},
    {GDW1376_FMT_ASCII8, "41 42 00 00 00 00 00 00", TEXT, 0, 0, "AB", 1},
    {GDW1376_FMT_ASCII4, "EE EE EE EE", NODATA, 0, 0, NULL, 1},
    {GDW1376_FMT_HEX6, "00 1A 2B 3C 4D 5E", TEXT, 0, 0, "001A2B3C4D5E", 1},
};

static void test_every_format_row_decodes_and_encodes_back(void **state)
{
    (void)state;
    int seen[GDW1376_FMT_COUNT_] = {0};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        uint8_t b[16], again[16];
        size_t n = tv_hex(r->hex, b, sizeof b);
        assert_int_equal(n, gdw1376_fmt_size(r->f));
        seen[r->f] = 1;
        struct gdw1376_value v;
        if (gdw1376_fmt_decode(r->f, b, n, &v) != 0)
            fail_msg("%s %s: decode failed", gdw1376_fmt_name(r->f), r->hex);
        int kind = v.kind == GDW1376_V_NUM ? NUM : v.kind == GDW1376_V_TIME ? TIME : v.kind == GDW1376_V_TEXT ? TEXT : NODATA;
        if (kind != r->kind)
            fail_msg("%s %s: kind %d, expected %d", gdw1376_fmt_name(r->f), r->hex, kind, r->kind);
        if (kind == NUM && mh_dec_cmp(v.num, mh_dec_make(r->m, r->exp)) != 0)
            fail_msg("%s %s: %lld e%d, expected %lld e%d", gdw1376_fmt_name(r->f), r->hex, (long long)v.num.m,
                     v.num.exp, r->m, r->exp);
        if (kind == TIME && r->text) {
            char t[40];
            mh_tm_format(&v.time, t, sizeof t);
            if (strcmp(t, r->text) != 0)
                fail_msg("%s %s: %s, expected %s", gdw1376_fmt_name(r->f), r->hex, t, r->text);
        }
        if (kind == TEXT && strcmp(v.text, r->text) != 0)
            fail_msg("%s %s: \"%s\", expected \"%s\"", gdw1376_fmt_name(r->f), r->hex, v.text, r->text);
        if (r->back) {
            memset(again, 0, sizeof again);
            if (gdw1376_fmt_encode(r->f, &v, again, n) != 0 || memcmp(again, b, n) != 0)
                fail_msg("%s %s: does not encode back", gdw1376_fmt_name(r->f), r->hex);
        }
        /* one byte short never reads past the end */
        assert_int_equal(gdw1376_fmt_decode(r->f, b, n - 1, &v), MH_ETRUNC);
    }
    for (int f = GDW1376_A1; f < GDW1376_FMT_COUNT_; f++)
        if (!seen[f] && f != GDW1376_FMT_BS8 && f != GDW1376_FMT_ASCII11)
            fail_msg("format %s has no edge row", gdw1376_fmt_name((enum gdw1376_fmt)f));
}

static void test_no_data_fill_is_never_a_number(void **state)
{
    (void)state;
    for (int f = GDW1376_A1; f < GDW1376_FMT_COUNT_; f++) {
        size_t n = gdw1376_fmt_size((enum gdw1376_fmt)f);
        assert_true(n > 0 && n <= 11);
        if (n == 1 && (f == GDW1376_FMT_BIN1 || f == GDW1376_FMT_BS8))
            continue; /* one-byte counts and bit strings have no fill */
        uint8_t ee[11], out[11];
        memset(ee, 0xEE, sizeof ee);
        struct gdw1376_value v;
        assert_int_equal(gdw1376_fmt_decode((enum gdw1376_fmt)f, ee, n, &v), 0);
        if (v.kind != GDW1376_V_NODATA)
            fail_msg("%s: EE fill decodes as kind %d", gdw1376_fmt_name((enum gdw1376_fmt)f), v.kind);
        assert_int_equal(gdw1376_fmt_encode((enum gdw1376_fmt)f, &v, out, n), 0);
        assert_memory_equal(out, ee, n);
    }
    struct gdw1376_value v;
    uint8_t b[8] = {0};
    assert_int_equal(gdw1376_fmt_decode((enum gdw1376_fmt)0, b, 8, &v), MH_EINVAL);
    assert_int_equal(gdw1376_fmt_decode(GDW1376_FMT_COUNT_, b, 8, &v), MH_EINVAL);
    assert_string_equal(gdw1376_fmt_name(GDW1376_A28), "A.28");
}

static void test_encoding_refuses_what_does_not_fit(void **state)
{
    (void)state;
    struct gdw1376_value v = {.kind = GDW1376_V_NUM};
    uint8_t b[8];
    v.num = mh_dec_make(8000, -1); /* A.5 top digit is 7 at most: the sign bit */
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A5, &v, b, 2), MH_ERANGE);
    v.num = mh_dec_make(-1, 0); /* A.7 is unsigned */
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A7, &v, b, 2), MH_ERANGE);
    v.num = mh_dec_make(123456789, -3); /* A.11 has two decimals */
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A11, &v, b, 4), MH_ERANGE);
    v.num = mh_dec_make(1000, 5); /* A.2 tops out at 999 x 10^4 */
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A2, &v, b, 2), MH_ERANGE);
    v.num = mh_dec_make(256, 0);
    assert_int_equal(gdw1376_fmt_encode(GDW1376_FMT_BIN1, &v, b, 1), MH_ERANGE);
    v.num = mh_dec_make(100000000, 0); /* 9 digits into A.27's 8 */
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A27, &v, b, 4), MH_ERANGE);
    v.kind = GDW1376_V_TEXT;
    memcpy(v.text, "12345", 6);
    assert_int_equal(gdw1376_fmt_encode(GDW1376_FMT_ASCII4, &v, b, 4), MH_ERANGE);
    memcpy(v.text, "00000012345X", 13);
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A12, &v, b, 6), MH_EINVAL);
    v.kind = GDW1376_V_NUM;
    v.num = mh_dec_make(1, 0);
    assert_int_equal(gdw1376_fmt_encode(GDW1376_A14, &v, b, 4), MH_EINVAL); /* buffer short */
}

/* A block for d: zeros, with counts M = m, points / count = c. Returns its size. */
static size_t make_block(const struct gdw1376_fn_def *d, uint8_t m, uint8_t c, uint8_t *b, size_t cap)
{
    memset(b, 0, cap);
    size_t s;
    /* counts go where the layout reads them: walk, writing each count as it is reached */
    size_t off = 0;
    unsigned mm = 0, cc = 0;
    for (unsigned k = 0; k < d->n_fields;) {
        const struct gdw1376_field *f = &d->fields[k];
        unsigned span = f->span ? f->span : 1, reps = 1;
        if (f->rep == GDW1376_REP_TARIFFS)
            reps = mm + 1;
        else if (f->rep == GDW1376_REP_COUNT)
            reps = cc;
        else if (f->rep == GDW1376_REP_HARM)
            reps = cc > 1 ? cc - 1 : 0;
        if (f->role == GDW1376_R_TARIFFS)
            b[off] = m, mm = m;
        if (f->role == GDW1376_R_POINTS || f->role == GDW1376_R_COUNT)
            b[off] = c, cc = c;
        if (f->role == GDW1376_R_DENSITY)
            b[off] = 1;
        size_t one = 0;
        for (unsigned j = k; j < k + span; j++)
            one += gdw1376_fmt_size((enum gdw1376_fmt)d->fields[j].fmt);
        off += one * reps;
        k += span;
    }
    assert_true(off <= cap);
    assert_int_equal(gdw1376_fn_data_size(d, b, cap, &s), 0);
    assert_int_equal(s, off);
    return s;
}

static void test_dictionary_is_ordered_and_names_known_items(void **state)
{
    (void)state;
    size_t n;
    const struct gdw1376_fn_def *t = gdw1376_fn_table(&n);
    assert_true(n >= 150);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && !(t[i - 1].afn < t[i].afn || (t[i - 1].afn == t[i].afn && t[i - 1].fn < t[i].fn)))
            fail_msg("table out of order at AFN %02X F%u", t[i].afn, t[i].fn);
        assert_ptr_equal(gdw1376_fn_lookup(t[i].afn, t[i].fn), &t[i]);
        assert_true(t[i].dir != 0 && t[i].n_fields > 0 && t[i].name && t[i].name[0]);
        for (unsigned k = 0; k < t[i].n_fields; k++) {
            const struct gdw1376_field *f = &t[i].fields[k];
            assert_true(gdw1376_fmt_size((enum gdw1376_fmt)f->fmt) > 0);
            assert_true(f->name && f->name[0]);
            assert_true(k + (f->span ? f->span : 1) <= t[i].n_fields);
            if (f->item && !mh_item_lookup(f->item))
                fail_msg("AFN %02X F%u %s: item not in items.def", t[i].afn, t[i].fn, f->name);
            if (f->item && f->rep == GDW1376_REP_TARIFFS &&
                !(mh_item_lookup(f->item)->flags & MH_ITEM_TARIFFED) && f->role == GDW1376_R_VALUE)
                fail_msg("AFN %02X F%u %s: tariff register on an item without tariffs", t[i].afn, t[i].fn, f->name);
        }
        /* counts are read once, outside any repeated group (fn.c reads them at their first place) */
        for (unsigned k = 0; k < t[i].n_fields;) {
            const struct gdw1376_field *f = &t[i].fields[k];
            unsigned span = f->span ? f->span : 1;
            for (unsigned j = k; j < k + span; j++) {
                uint8_t role = t[i].fields[j].role;
                int counts = role == GDW1376_R_TARIFFS || role == GDW1376_R_COUNT || role == GDW1376_R_POINTS;
                if (counts && (f->rep != GDW1376_REP_ONCE || span > 1))
                    fail_msg("AFN %02X F%u: a count inside a repeated group", t[i].afn, t[i].fn);
                if (counts)
                    assert_int_equal(t[i].fields[j].fmt, GDW1376_FMT_BIN1);
            }
            k += span;
        }
        /* AFN0D requests carry their time label; the others none */
        assert_int_equal(gdw1376_fn_request_size(&t[i]) != 0, t[i].afn == 0x0D);
    }
    assert_null(gdw1376_fn_lookup(0x0C, 247));
    assert_null(gdw1376_fn_lookup(0x0B, 1));
    assert_null(gdw1376_fn_lookup(0xFF, 1));
}

static void test_every_fn_sizes_walks_and_rejects_truncation(void **state)
{
    (void)state;
    size_t n;
    const struct gdw1376_fn_def *t = gdw1376_fn_table(&n);
    static uint8_t b[4096];
    for (size_t i = 0; i < n; i++) {
        for (int variant = 0; variant < 3; variant++) {
            uint8_t m = variant == 0 ? 0 : variant == 1 ? 4 : 14, c = variant == 0 ? 0 : variant == 1 ? 3 : 96;
            size_t s = make_block(&t[i], m, c, b, sizeof b);
            struct gdw1376_walk w;
            struct gdw1376_dv dv;
            int rc, values = 0;
            gdw1376_walk_init(&w, &t[i], b, s);
            while ((rc = gdw1376_walk_next(&w, &dv)) == 1)
                values++;
            if (rc != 0 || w.off != s)
                fail_msg("AFN %02X F%u: walk ends with %d at %zu of %zu", t[i].afn, t[i].fn, rc, w.off, s);
            assert_true(values > 0);
            size_t s2;
            assert_int_equal(gdw1376_fn_data_size(&t[i], b, s - 1, &s2), MH_ETRUNC);
            gdw1376_walk_init(&w, &t[i], b, s - 1);
            while ((rc = gdw1376_walk_next(&w, &dv)) == 1)
                ;
            assert_int_equal(rc, MH_ETRUNC);
        }
    }
}

/*
 * The walk's inline plans against the format decoder: for every Fn, with
 * the values filled by EE, by digits (sign bits set at random) and by any
 * bytes, each value walked is what gdw1376_fmt_decode reads at its offset,
 * with the field's scale applied to numbers.
 */
static void test_walk_agrees_with_format_decode(void **state)
{
    (void)state;
    size_t n;
    const struct gdw1376_fn_def *t = gdw1376_fn_table(&n);
    static uint8_t b[4096];
    uint32_t seed = 12345;
    for (size_t i = 0; i < n; i++) {
        for (int fill = 0; fill < 3; fill++) {
            size_t s = make_block(&t[i], 4, 3, b, sizeof b), at = 0;
            struct gdw1376_walk w;
            struct gdw1376_dv dv;
            int rc;
            gdw1376_walk_init(&w, &t[i], b, s);
            while ((rc = gdw1376_walk_next(&w, &dv)) == 1) {
                if (dv.field->role == GDW1376_R_VALUE || dv.field->role == GDW1376_R_OCCURRED)
                    for (size_t j = at; j < w.off; j++) {
                        seed = seed * 1103515245u + 12345u;
                        unsigned r = seed >> 8;
                        b[j] = fill == 0 ? 0xEE
                               : fill == 1 ? (uint8_t)((r % 10) << 4 | (r / 10) % 10 | ((r >> 12) & 1 ? 0x80 : 0))
                                           : (uint8_t)r;
                    }
                at = w.off;
            }
            assert_int_equal(rc, 0);
            gdw1376_walk_init(&w, &t[i], b, s);
            at = 0;
            while ((rc = gdw1376_walk_next(&w, &dv)) == 1) {
                struct gdw1376_value v;
                assert_int_equal(gdw1376_fmt_decode((enum gdw1376_fmt)dv.field->fmt, b + at, s - at, &v), 0);
                assert_int_equal(w.off - at, gdw1376_fmt_size((enum gdw1376_fmt)dv.field->fmt));
                if (dv.v.kind != v.kind)
                    fail_msg("AFN %02X F%u at %zu: kind %u, want %u", t[i].afn, t[i].fn, at, dv.v.kind, v.kind);
                if (v.kind == GDW1376_V_NUM) {
                    assert_int_equal(dv.v.num.m, v.num.m);
                    assert_int_equal(dv.v.num.exp, v.num.exp + dv.field->scale);
                } else if (v.kind == GDW1376_V_TIME) {
                    assert_int_equal(dv.v.time.has, v.time.has);
                    assert_int_equal(dv.v.time.year, v.time.year);
                    assert_int_equal(dv.v.time.mon, v.time.mon);
                    assert_int_equal(dv.v.time.day, v.time.day);
                    assert_int_equal(dv.v.time.hour, v.time.hour);
                    assert_int_equal(dv.v.time.min, v.time.min);
                    assert_int_equal(dv.v.time.sec, v.time.sec);
                    assert_int_equal(dv.v.time.wday, v.time.wday);
                } else if (v.kind == GDW1376_V_TEXT) {
                    assert_string_equal(dv.v.text, v.text);
                }
                at = w.off;
            }
            assert_int_equal(rc, 0);
            assert_int_equal(at, s);
        }
    }
}

static void test_known_block_sizes(void **state)
{
    (void)state;
    static const struct {
        uint8_t afn;
        uint16_t fn;
        uint8_t m, c;
        size_t size;
    } want[] = {
        {0x09, 1, 0, 0, 41},  {0x09, 2, 0, 3, 4 + 6 + 6 + 1 + 3 * 12},
        {0x0C, 2, 0, 0, 6},   {0x0C, 25, 0, 0, 67}, {0x0C, 26, 0, 0, 61}, {0x0C, 27, 0, 0, 60},
        {0x0C, 28, 0, 0, 33}, {0x0C, 31, 0, 0, 5 + 3 * 18},
        {0x0C, 33, 4, 0, 5 + 1 + 5 * (5 + 4 + 4 + 4)},
        {0x0C, 35, 4, 0, 5 + 1 + 5 * (3 + 4 + 3 + 4)},
        {0x0C, 41, 4, 0, 1 + 5 * 4},   {0x0C, 49, 0, 0, 12}, {0x0C, 57, 0, 19, 1 + 6 * 18 * 2},
        {0x0C, 58, 0, 19, 1 + 6 * (2 + 18 * 2)},
        {0x0C, 129, 4, 0, 31},          {0x0C, 145, 4, 0, 5 + 1 + 5 * 7}, {0x0C, 161, 0, 0, 18},
        {0x0C, 162, 0, 0, 12},          {0x0C, 165, 0, 0, 23}, {0x0C, 166, 0, 0, 29},
        {0x0C, 170, 0, 0, 18},          {0x0C, 177, 4, 0, 31}, {0x0C, 179, 0, 0, 93},
        {0x0D, 1, 4, 0, 3 + 5 + 1 + 5 * 17},  {0x0D, 3, 4, 0, 3 + 5 + 1 + 5 * 14},
        {0x0D, 5, 4, 0, 3 + 1 + 5 * 4},       {0x0D, 21, 4, 0, 2 + 1 + 5 * 4},
        {0x0D, 25, 0, 0, 3 + 4 * 6 + 4 * 2},  {0x0D, 26, 0, 0, 3 + 4 * 6},
        {0x0D, 27, 0, 0, 3 + 30 + 30 + 6 + 27}, {0x0D, 28, 0, 0, 3 + 4 + 10},
        {0x0D, 29, 0, 0, 3 + 14 + 24},        {0x0D, 30, 0, 0, 7}, {0x0D, 31, 0, 0, 13},
        {0x0D, 32, 0, 0, 3 + 61},             {0x0D, 35, 0, 0, 2 + 93}, {0x0D, 43, 0, 0, 9},
        {0x0D, 49, 0, 0, 7},                  {0x0D, 51, 0, 0, 6},
        {0x0D, 81, 0, 96, 7 + 96 * 3},         {0x0D, 89, 0, 24, 7 + 24 * 2}, {0x0D, 101, 0, 4, 7 + 4 * 4},
        {0x0D, 161, 4, 0, 3 + 5 + 1 + 5 * 5}, {0x0D, 177, 4, 0, 2 + 5 + 1 + 5 * 5},
        {0x0D, 185, 4, 0, 3 + 5 + 1 + 5 * 7}, {0x0D, 193, 14, 0, 2 + 5 + 1 + 15 * 7},
    };
    static uint8_t b[4096];
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct gdw1376_fn_def *d = gdw1376_fn_lookup(want[i].afn, want[i].fn);
        if (!d)
            fail_msg("AFN %02X F%u missing", want[i].afn, want[i].fn);
        size_t s = make_block(d, want[i].m, want[i].c, b, sizeof b);
        if (s != want[i].size)
            fail_msg("AFN %02X F%u: %zu bytes, expected %zu", want[i].afn, want[i].fn, s, want[i].size);
    }
    /* a tariff count past 63 is corrupt, not a huge block */
    uint8_t bad[64] = {0};
    size_t s;
    bad[5] = 64;
    assert_int_equal(gdw1376_fn_data_size(gdw1376_fn_lookup(0x0C, 129), bad, sizeof bad, &s), MH_EPROTO);
    bad[5] = 0xEE;
    assert_int_equal(gdw1376_fn_data_size(gdw1376_fn_lookup(0x0C, 129), bad, sizeof bad, &s), MH_EPROTO);
}

/* Values of one block by item code, for assertions. */
static const struct gdw1376_dv *find_value(const struct gdw1376_dv *vals, int n, uint32_t item, unsigned index)
{
    for (int i = 0; i < n; i++)
        if (vals[i].item == item && vals[i].index == index && vals[i].field->role == GDW1376_R_VALUE)
            return &vals[i];
    return NULL;
}

static int walk_all(const struct gdw1376_fn_def *d, const uint8_t *p, size_t n, struct gdw1376_dv *vals, int cap,
                    size_t *used)
{
    struct gdw1376_walk w;
    int k = 0, rc;
    gdw1376_walk_init(&w, d, p, n);
    while (k < cap && (rc = gdw1376_walk_next(&w, &vals[k])) == 1)
        k++;
    *used = w.off;
    return k;
}

static void check_value(const struct gdw1376_dv *dv, long long m, int exp, const char *when)
{
    assert_non_null(dv);
    assert_int_equal(dv->v.kind, GDW1376_V_NUM);
    if (mh_dec_cmp(dv->v.num, mh_dec_make(m, exp)) != 0)
        fail_msg("%s: %lld e%d, expected %lld e%d", dv->field->name, (long long)dv->v.num.m, dv->v.num.exp, m, exp);
    if (when) {
        char t[40];
        mh_tm_format(&dv->when, t, sizeof t);
        if (strcmp(t, when) != 0)
            fail_msg("%s: data time %s, expected %s", dv->field->name, t, when);
    }
}

/*
 * An AFN0C reply for p1 and p2 x F129 and F130 in one unit, then p3 x F25
 * in a second: blocks come pn ascending, Fn ascending within a pn.
 */
static void test_multi_pn_multi_fn_reply_walks_in_order(void **state)
{
    (void)state;
    uint8_t u[512];
    size_t n = tv_hex(
        "03 01 03 10"                                     /* p1 p2, F129 F130 */
        "30 14 24 11 26 01 00 00 00 01 00 00 00 50 00 00" /* p1 F129 M=1: 100.0000, 50.0000 */
        "30 14 24 11 26 01 00 00 20 00 00 00 10 00"       /* p1 F130 M=1: 2000.00, 1000.00 */
        "31 14 24 11 26 02 11 11 11 00 00 EE EE EE EE EE 01 00 00 00 00" /* p2 F129 M=2, tariff 1 no data */
        "31 14 24 11 26 00 99 99 99 99"                   /* p2 F130 M=0: 999999.99 */
        "04 01 01 03"                                     /* p3 F25 */
        "32 14 24 11 26"
        "00 50 01 00 50 00 00 00 80 00 00 00"             /* P Pa Pb Pc */
        "00 00 00 00 00 00 00 00 00 00 00 00"             /* Q Qa Qb Qc */
        "00 10 50 09 EE EE 00 80"                         /* PF PFa PFb PFc (%) */
        "20 22 10 22 EE EE"                               /* Ua Ub Uc */
        "00 05 00 00 00 00 EE EE EE 00 00 80"             /* Ia Ib Ic I0 */
        "00 00 00 00 00 00 00 00 00 00 00 00",            /* S Sa Sb Sc */
        u, sizeof u);
    static const uint16_t want_pn[] = {1, 1, 2, 2, 3}, want_fn[] = {129, 130, 129, 130, 25};
    size_t k = 0;
    int block = 0;
    struct gdw1376_dv vals[64];
    while (k + 4 <= n) {
        uint16_t pn[8], fn[8];
        int np = gdw1376_da_decode(u[k], u[k + 1], pn), nf = gdw1376_dt_decode(u[k + 2], u[k + 3], fn);
        assert_true(np > 0 && nf > 0);
        k += 4;
        for (int a = 0; a < np; a++)
            for (int b = 0; b < nf; b++) {
                assert_int_equal(pn[a], want_pn[block]);
                assert_int_equal(fn[b], want_fn[block]);
                const struct gdw1376_fn_def *d = gdw1376_fn_lookup(0x0C, fn[b]);
                size_t s, used;
                assert_int_equal(gdw1376_fn_data_size(d, u + k, n - k, &s), 0);
                int nv = walk_all(d, u + k, s, vals, 64, &used);
                assert_int_equal(used, s);
                if (block == 0) {
                    check_value(find_value(vals, nv, MH_ITEM_AE_IMP, 0), 1000000, -4, "2026-11-24T14:30");
                    check_value(find_value(vals, nv, MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 1), 1), 500000, -4, NULL);
                } else if (block == 1) {
                    check_value(find_value(vals, nv, MH_ITEM_RE_IMP, 0), 200000, -2, NULL);
                } else if (block == 2) {
                    check_value(find_value(vals, nv, MH_ITEM_AE_IMP, 0), 111111, -4, "2026-11-24T14:31");
                    const struct gdw1376_dv *t1 = find_value(vals, nv, MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 1), 1);
                    assert_non_null(t1);
                    assert_int_equal(t1->v.kind, GDW1376_V_NODATA);
                    check_value(find_value(vals, nv, MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 2), 2), 1, -4, NULL);
                } else if (block == 3) {
                    check_value(find_value(vals, nv, MH_ITEM_RE_IMP, 0), 99999999, -2, NULL);
                } else {
                    check_value(find_value(vals, nv, MH_ITEM_P, 0), 15000, -4, "2026-11-24T14:32");
                    check_value(find_value(vals, nv, MH_ITEM_P_L2, 0), -0, -4, NULL);
                    check_value(find_value(vals, nv, MH_ITEM_PF, 0), 1000, -3, NULL);   /* 100.0 % = 1.000 */
                    check_value(find_value(vals, nv, MH_ITEM_PF_L1, 0), 950, -3, NULL); /* 95.0 % */
                    assert_int_equal(find_value(vals, nv, MH_ITEM_PF_L2, 0)->v.kind, GDW1376_V_NODATA);
                    check_value(find_value(vals, nv, MH_ITEM_PF_L3, 0), -0, -3, NULL);
                    check_value(find_value(vals, nv, MH_ITEM_U_L1, 0), 2220, -1, NULL);
                    check_value(find_value(vals, nv, MH_ITEM_I_L1, 0), 500, -3, NULL);
                    check_value(find_value(vals, nv, MH_ITEM_I_N, 0), -0, -3, NULL);
                }
                k += s;
                block++;
            }
    }
    assert_int_equal(block, 5);
    assert_int_equal(k, n);
    /* the same area one byte short: the last block is truncated, never read past */
    size_t s;
    const uint8_t *last = u + n - 67;
    assert_int_equal(gdw1376_fn_data_size(gdw1376_fn_lookup(0x0C, 25), last, 66, &s), MH_ETRUNC);
}

/* A 15-minute curve across midnight and the month end: each point has its own time. */
static void test_curve_points_carry_their_times(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n = tv_hex("30 23 30 11 26 01 04" /* 2026-11-30 23:30, 15 min, 4 points */
                      "00 50 01  EE EE EE  00 00 80  99 99 79",
                      b, sizeof b);
    const struct gdw1376_fn_def *d = gdw1376_fn_lookup(0x0D, 81);
    size_t s, used;
    assert_int_equal(gdw1376_fn_data_size(d, b, n, &s), 0);
    assert_int_equal(s, n);
    struct gdw1376_dv vals[16];
    int nv = walk_all(d, b, n, vals, 16, &used);
    assert_int_equal(nv, 3 + 4);
    check_value(&vals[3], 15000, -4, "2026-11-30T23:30");
    assert_int_equal(vals[4].v.kind, GDW1376_V_NODATA);
    char t[40];
    mh_tm_format(&vals[4].when, t, sizeof t);
    assert_string_equal(t, "2026-11-30T23:45");
    check_value(&vals[5], 0, -4, "2026-12-01T00:00");
    check_value(&vals[6], 799999, -4, "2026-12-01T00:15");
    assert_int_equal(vals[6].index, 3);
    assert_int_equal(vals[6].item, MH_ITEM_P);
    /* density 255 = 1 minute, 254 = 5 minutes */
    b[5] = 254;
    nv = walk_all(d, b, n, vals, 16, &used);
    check_value(&vals[6], 799999, -4, "2026-11-30T23:45");
    assert_int_equal(gdw1376_density_minutes(255), 1);
    assert_int_equal(gdw1376_density_minutes(3), 60);
    assert_int_equal(gdw1376_density_minutes(9), 0);
    /* 255 points claimed, 4 sent */
    b[6] = 255;
    assert_int_equal(gdw1376_fn_data_size(d, b, n, &s), MH_ETRUNC);
}

/* Daily frozen demand interleaves each demand with its time; the values carry the freeze date. */
static void test_frozen_demand_pairs_and_freeze_date(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n = tv_hex("23 11 26"       /* Td_d 2026-11-23 */
                      "05 00 24 11 26" /* read 2026-11-24 00:05 */
                      "01"             /* M = 1 */
                      "00 50 12 15 09 23 11" /* total 12.5000 kW at 11-23 09:15 */
                      "EE EE EE EE EE EE EE", /* tariff 1: no data */
                      b, sizeof b);
    const struct gdw1376_fn_def *d = gdw1376_fn_lookup(0x0D, 185);
    struct gdw1376_dv vals[16];
    size_t used;
    int nv = walk_all(d, b, n, vals, 16, &used);
    assert_int_equal(used, n);
    assert_int_equal(nv, 3 + 4);
    check_value(&vals[3], 125000, -4, "2026-11-23");
    assert_int_equal(vals[3].item, MH_ITEM_MD_AE_IMP);
    assert_int_equal(vals[4].field->role, GDW1376_R_OCCURRED);
    assert_int_equal(vals[4].v.kind, GDW1376_V_TIME);
    assert_int_equal(vals[4].v.time.hour, 9);
    assert_int_equal(vals[5].item, MH_OBIS_TARIFF(MH_ITEM_MD_AE_IMP, 1));
    assert_int_equal(vals[5].v.kind, GDW1376_V_NODATA);
    assert_int_equal(vals[6].v.kind, GDW1376_V_NODATA);
}

/* AFN09 F1: text fields and release dates. */
static void test_terminal_version(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n = tv_hex("4E 52 45 43"                   /* NREC */
                      "30 30 30 30 30 30 30 31"       /* 00000001 */
                      "31 2E 30 32" "15 06 24"        /* 1.02, 2024-06-15 */
                      "43 41 50 41 43 49 54 59 30 30 31" /* CAPACITY001 */
                      "31 33 37 36" "48 57 31 30" "01 01 23",
                      b, sizeof b);
    const struct gdw1376_fn_def *d = gdw1376_fn_lookup(0x09, 1);
    struct gdw1376_dv vals[16];
    size_t used;
    int nv = walk_all(d, b, n, vals, 16, &used);
    assert_int_equal(nv, 8);
    assert_int_equal(used, 41);
    assert_string_equal(vals[0].v.text, "NREC");
    assert_string_equal(vals[2].v.text, "1.02");
    assert_int_equal(vals[2].item, MH_ITEM_FW_VERSION);
    assert_int_equal(vals[3].v.time.year, 2024);
    assert_string_equal(vals[4].v.text, "CAPACITY001");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_format_row_decodes_and_encodes_back),
        cmocka_unit_test(test_no_data_fill_is_never_a_number),
        cmocka_unit_test(test_encoding_refuses_what_does_not_fit),
        cmocka_unit_test(test_dictionary_is_ordered_and_names_known_items),
        cmocka_unit_test(test_every_fn_sizes_walks_and_rejects_truncation),
        cmocka_unit_test(test_walk_agrees_with_format_decode),
        cmocka_unit_test(test_known_block_sizes),
        cmocka_unit_test(test_multi_pn_multi_fn_reply_walks_in_order),
        cmocka_unit_test(test_curve_points_carry_their_times),
        cmocka_unit_test(test_frozen_demand_pairs_and_freeze_date),
        cmocka_unit_test(test_terminal_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
