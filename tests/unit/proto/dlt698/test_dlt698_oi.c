/*
 * DL/T 698.45 object dictionary: sorted and unique (the lookup bisects it),
 * every item and type defined, elements mapped to the right items, the
 * objects a master station needs all present, and docs/protocols/dlt698.md
 * listing every object and every data type, so the page cannot drift.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/proto/dlt698_apdu.h"
#include "meterhub/proto/dlt698_data.h"
#include "meterhub/proto/item.h"
#include "vectors.h"

static void test_table_is_sorted_unique_and_defined(void **state)
{
    (void)state;
    size_t n;
    const struct dlt698_oi_def *t = dlt698_oi_table(&n);
    assert_true(n > 400);
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            uint32_t a = (uint32_t)t[i - 1].oi << 16 | (uint32_t)t[i - 1].attr << 8 | t[i - 1].element;
            uint32_t b = (uint32_t)t[i].oi << 16 | (uint32_t)t[i].attr << 8 | t[i].element;
            if (a >= b)
                fail_msg("row %zu (%04X/%u/%u) out of order", i, t[i].oi, t[i].attr, t[i].element);
        }
        assert_true(dlt698_type_known(t[i].type));
        assert_true(t[i].layout <= DLT698_L_STRUCT);
        assert_non_null(t[i].name);
        assert_true(t[i].attr >= 1 && t[i].attr <= 31);
        /* every row is found by its own key */
        assert_ptr_equal(dlt698_oi_find(t[i].oi, t[i].attr, t[i].element), &t[i]);
        for (unsigned el = 0; el <= 4; el++) {
            uint32_t item = dlt698_oi_item(&t[i], el);
            if (item && !mh_item_lookup(item))
                fail_msg("%04X/%u element %u: item %08X not defined", t[i].oi, t[i].attr, el, item);
        }
    }
}

/* The hashed lookup answers exactly what a search of the sorted keys would, for every OI and attribute. */
static void test_lookup_is_the_table_for_every_key(void **state)
{
    (void)state;
    size_t n;
    const struct dlt698_oi_def *t = dlt698_oi_table(&n);
    size_t found = 0;
    for (uint32_t oi = 0; oi <= 0xFFFF; oi++)
        for (uint8_t attr = 0; attr < 32; attr++) {
            uint32_t k = oi << 16 | (uint32_t)attr << 8;
            size_t lo = 0, hi = n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (dlt698_oi_keys[mid] < k)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            const struct dlt698_oi_def *want = lo < n && dlt698_oi_keys[lo] == k ? &t[lo] : NULL;
            assert_ptr_equal(dlt698_oi_lookup((uint16_t)oi, attr), want);
            assert_ptr_equal(dlt698_oi_lookup((uint16_t)oi, (uint8_t)(attr | 0xE0)), want); /* feature bits */
            found += want != NULL;
        }
    size_t attrs = 0;
    for (size_t k = 0; k < n; k++)
        attrs += t[k].element == 0;
    assert_int_equal(found, attrs);
}

static void test_elements_map_to_items(void **state)
{
    (void)state;
    const struct dlt698_oi_def *e = dlt698_oi_lookup(0x0010, 2);
    assert_int_equal(dlt698_oi_item(e, 1), MH_ITEM_AE_IMP);
    assert_int_equal(dlt698_oi_item(e, 5), MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 4));
    assert_int_equal(e->type, DLT698_DOUBLE_LONG_U);
    assert_int_equal(e->scaler, -2);
    e = dlt698_oi_lookup(0x0010, 0x24); /* feature bits ignored: attribute 4 */
    assert_int_equal(e->type, DLT698_LONG64_U);
    assert_int_equal(e->scaler, -4);
    assert_int_equal(dlt698_oi_item(dlt698_oi_lookup(0x0053, 2), 1), MH_ITEM_RE_Q1_L3);
    assert_int_equal(dlt698_oi_item(dlt698_oi_lookup(0x00A2, 4), 1), MH_ITEM_SE_EXP_L2);
    assert_int_equal(dlt698_oi_lookup(0x0030, 2)->type, DLT698_DOUBLE_LONG);
    const struct dlt698_oi_def *u = dlt698_oi_lookup(0x2000, 2);
    assert_int_equal(dlt698_oi_item(u, 2), MH_ITEM_U_L2);
    assert_int_equal(dlt698_oi_item(u, 4), 0);
    const struct dlt698_oi_def *p = dlt698_oi_lookup(0x2004, 2);
    assert_int_equal(dlt698_oi_item(p, 1), MH_ITEM_P);
    assert_int_equal(dlt698_oi_item(p, 4), MH_ITEM_P_L3);
    assert_int_equal(p->to_item, -3);
    assert_int_equal(dlt698_oi_item(dlt698_oi_lookup(0x200A, 2), 3), MH_ITEM_PF_L2);
    assert_int_equal(dlt698_oi_item(dlt698_oi_lookup(0x200B, 2), 3), MH_ITEM_THD_U_L3);
    assert_int_equal(dlt698_oi_item(dlt698_oi_lookup(0x1012, 2), 1), MH_ITEM_MD_AE_IMP_L2);
    assert_int_equal(dlt698_oi_item(dlt698_oi_lookup(0x1012, 2), 2), 0);
    assert_int_equal(dlt698_oi_item(dlt698_oi_lookup(0x4100, 2), 0), MH_ITEM_DEMAND_PERIOD);
    /* element rows: angles, status words, the purse file, traffic */
    assert_int_equal(dlt698_oi_item(dlt698_oi_find(0x2002, 2, 2), 2), MH_ITEM_ANG_U2_U1);
    assert_int_equal(dlt698_oi_item(dlt698_oi_find(0x2003, 2, 3), 3), MH_ITEM_ANG_I3_U3);
    assert_int_equal(dlt698_oi_item(dlt698_oi_find(0x2014, 2, 4), 4), MH_ITEM_STATUS_4);
    const struct dlt698_oi_def *m = dlt698_oi_find(0x202C, 2, 1);
    assert_int_equal(dlt698_oi_item(m, 1), MH_ITEM_BALANCE_MONEY);
    assert_int_equal(m->scaler, -2);
    assert_int_equal(dlt698_oi_find(0x202C, 2, 2)->scaler, 0);
    assert_int_equal(dlt698_oi_find(0x202C, 2, 3), dlt698_oi_lookup(0x202C, 2)); /* falls back to the attribute */
    assert_int_equal(dlt698_oi_item(dlt698_oi_find(0x2200, 2, 2), 2), MH_ITEM_TRAFFIC_MONTH);
    /* demand: tariffs of a structure per element */
    const struct dlt698_oi_def *md = dlt698_oi_lookup(0x1010, 2);
    assert_int_equal(md->type, DLT698_STRUCT);
    assert_int_equal(dlt698_oi_item(md, 2), MH_OBIS_TARIFF(MH_ITEM_MD_AE_IMP, 1));
    /* events: counts; freezes and archives: records and structures without items */
    assert_int_equal(dlt698_oi_item(dlt698_oi_lookup(0x3011, 7), 0), MH_ITEM_CNT_POWER_DOWN);
    assert_int_equal(dlt698_oi_lookup(0x3011, 7)->layout, DLT698_L_EVENT_COUNTS);
    assert_int_equal(dlt698_oi_item(dlt698_oi_lookup(0x3000, 10), 1), MH_ITEM_CNT_V_LOSS);
    assert_int_equal(dlt698_oi_lookup(0x5004, 2)->layout, DLT698_L_RECORD);
    assert_int_equal(dlt698_oi_item(dlt698_oi_lookup(0x5004, 2), 1), 0);
    assert_int_equal(dlt698_oi_lookup(0x4000, 2)->type, DLT698_DATETIME_S);
    assert_int_equal(dlt698_oi_item(dlt698_oi_lookup(0x4000, 2), 0), MH_ITEM_CLOCK);
    assert_null(dlt698_oi_lookup(0x0010, 3));
    assert_null(dlt698_oi_lookup(0x7777, 2));
    assert_null(dlt698_oi_find(0x0000, 1, 0));
}

static void test_the_objects_a_station_needs_are_there(void **state)
{
    (void)state;
    static const struct {
        uint16_t oi;
        uint8_t attr;
    } need[] = {
        {0x0000, 2}, {0x0010, 2}, {0x0011, 2}, {0x0012, 2}, {0x0013, 2}, {0x0020, 2}, {0x0021, 2},
        {0x0030, 2}, {0x0040, 2}, {0x0050, 2}, {0x0060, 2}, {0x0070, 2}, {0x0080, 2}, {0x0010, 4},
        {0x1010, 2}, {0x1020, 2}, {0x2000, 2}, {0x2001, 2}, {0x2001, 4}, {0x2002, 2}, {0x2003, 2},
        {0x2004, 2}, {0x2005, 2}, {0x2006, 2}, {0x200A, 2}, {0x200F, 2}, {0x2010, 2}, {0x2011, 2},
        {0x2014, 2}, {0x2017, 2}, {0x2026, 2}, {0x2027, 2}, {0x3000, 10}, {0x3001, 10}, {0x3003, 10},
        {0x3005, 10}, {0x3011, 2}, {0x3011, 7}, {0x3013, 2}, {0x3015, 2}, {0x301B, 2}, {0x4000, 2},
        {0x4001, 2}, {0x4002, 2}, {0x4016, 2}, {0x5000, 2}, {0x5002, 2}, {0x5003, 2}, {0x5004, 2},
        {0x5005, 2}, {0x5006, 2}, {0x5004, 3}, {0x6000, 2}, {0x6002, 2}, {0x6012, 2}, {0x6014, 2},
        {0x6016, 2}, {0x6032, 2}, {0x6034, 2}, {0x8000, 2}, {0x8001, 2}, {0x8002, 2}, {0x8103, 2},
        {0x8104, 2}, {0x8105, 2}, {0x8106, 2}, {0x8107, 2}, {0x8108, 2}, {0xF001, 2}, {0xF002, 2},
        {0xF100, 2}, {0xF101, 2},
    };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!dlt698_oi_lookup(need[i].oi, need[i].attr))
            fail_msg("%04X attribute %u missing", need[i].oi, need[i].attr);
}

static char *read_doc(const char *name)
{
    const char *v = getenv("MH_VECTORS_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/../../docs/protocols/%s", v ? v : "tests/vectors", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* The page's object row for t, as scripts/gen-dlt698-objects.py writes it. */
static void object_row(const struct dlt698_oi_def *t, char *line, size_t cap)
{
    static const char *const layouts[] = {"value", "phases", "total_phases", "total_tariffs", "record",
                                          "event_counts", "struct"};
    char item[96] = "";
    if (t->item) {
        const struct mh_item_def *d = mh_item_lookup(t->item);
        char code[24];
        assert_non_null(d);
        assert_true(mh_item_format(t->item, code, sizeof code) > 0);
        snprintf(item, sizeof item, "%s (%s)", code, d->sym);
    }
    assert_true(t->layout < sizeof layouts / sizeof layouts[0]);
    snprintf(line, cap, "\n| %04X | %u | %u | %u | %s | %d | %s | %d | %s | %s | %s |\n", t->oi, t->attr, t->element,
             t->ic, dlt698_type_name(t->type), t->scaler, t->unit, t->to_item, layouts[t->layout], item, t->name);
}

static void test_the_protocol_page_lists_every_object_and_type(void **state)
{
    (void)state;
    const char *doc = read_doc("dlt698.md");
    size_t n;
    const struct dlt698_oi_def *t = dlt698_oi_table(&n);
    for (size_t i = 0; i < n; i++) {
        char line[512];
        object_row(&t[i], line, sizeof line);
        if (!strstr(doc, line))
            fail_msg("docs/protocols/dlt698.md lacks \"%s\" (rerun scripts/gen-dlt698-objects.py)", line + 1);
    }
    /* and nothing else: the generated block has exactly the table's rows */
    const char *a = strstr(doc, "<!-- objects:begin"), *b = strstr(doc, "<!-- objects:end -->");
    assert_non_null(a);
    assert_non_null(b);
    size_t rows = 0;
    for (const char *p = a; p && p < b; p = strchr(p + 1, '\n'))
        rows += strncmp(p, "\n| ", 3) == 0 && !(p[3] == 'O' && p[4] == 'I');
    assert_int_equal(rows, n);
    for (unsigned ty = 0; ty < 256; ty++) {
        if (!dlt698_type_known((uint8_t)ty))
            continue;
        char line[64];
        snprintf(line, sizeof line, "| %02X | %s |", ty, dlt698_type_name((uint8_t)ty));
        if (!strstr(doc, line))
            fail_msg("docs/protocols/dlt698.md lacks the data type row \"%s\"", line);
    }
}

/*
 * docs/protocols/dlt698-apdu.md lists exactly the APDUs the decoder takes:
 * a tag and choice pair is implemented when its first three bytes fail
 * as truncated rather than as unknown or malformed; a tag whose every second byte passes has
 * no service choice (the page writes "-").
 */
static void test_the_apdu_page_lists_every_apdu(void **state)
{
    (void)state;
    const char *doc = read_doc("dlt698-apdu.md");
    static uint8_t listed[256][256];
    memset(listed, 0, sizeof listed);
    const char *p = strstr(doc, "## APDUs implemented");
    assert_non_null(p);
    size_t rows = 0;
    static const char dash[] = "\xe2\x80\x93"; /* the page's en dash: "-" (no choice) and ranges */
    for (; (p = strstr(p, "\n| ")) != NULL; p++) {
        char *end;
        unsigned long tag = strtoul(p + 3, &end, 16);
        if (end != p + 5 || strncmp(end, " | ", 3) != 0 || tag > 0xFF)
            continue; /* the header and separator rows */
        const char *c = end + 3;
        rows++;
        if (strncmp(c, dash, 3) == 0) { /* every second byte */
            memset(listed[tag], 1, 256);
            continue;
        }
        while (*c >= '0' && *c <= '9') { /* "1", "1, 2", "0\u20132" */
            unsigned long lo = strtoul(c, &end, 10), hi = lo;
            if (strncmp(end, dash, 3) == 0)
                hi = strtoul(end + 3, &end, 10);
            for (unsigned long k = lo; k <= hi && k < 256; k++)
                listed[tag][k] = 1;
            c = end;
            if (strncmp(c, ", ", 2) == 0)
                c += 2;
        }
    }
    assert_true(rows >= 50); /* one per tag and choice, both directions */
    for (unsigned tag = 0; tag < 256; tag++)
        for (unsigned c = 0; c < 256; c++) {
            uint8_t head[3] = {(uint8_t)tag, (uint8_t)c, 0}; /* tag, choice, PIID: the service is chosen */
            struct dlt698_apdu a;
            int rc = dlt698_apdu_decode(head, sizeof head, &a);
            int known = rc != MH_EUNKNOWN && rc != MH_EPROTO;
            if (known != listed[tag][c])
                fail_msg("APDU %02X choice %u: %s by the decoder (%d), %s on the page", tag, c,
                         known ? "taken" : "refused", rc, listed[tag][c] ? "listed" : "not listed");
        }
}

static int decode(const char *hex, struct dlt698_node *nodes, size_t cap)
{
    static uint8_t b[512];
    size_t n = tv_hex(hex, b, sizeof b);
    struct mh_rd r;
    mh_rd_init(&r, b, n);
    return dlt698_data_decode(&r, nodes, cap);
}

static void test_readings_apply_layouts_and_scalers(void **state)
{
    (void)state;
    struct dlt698_node nd[64];
    struct dlt698_reading rd[16];
    /* active power, total + A + B + C, W with scaler -1 -> kW */
    int n = decode("01 04 05 00 00 3A 98 05 00 00 13 88 05 FF FF EC 78 00", nd, 64);
    assert_int_equal(dlt698_readings(0x20040200, nd, (size_t)n, 0, rd, 16), 3);
    assert_int_equal(rd[0].item, MH_ITEM_P);
    assert_int_equal(rd[0].value.m, 15000);
    assert_int_equal(rd[0].value.exp, -4);
    assert_int_equal(rd[0].device.exp, -1);
    assert_int_equal(rd[2].item, MH_ITEM_P_L2);
    assert_int_equal(rd[2].value.m, -5000);
    assert_int_equal(rd[2].node, 3);
    /* one element asked for: 20040203 is phase B */
    n = decode("05 FF FF EC 78", nd, 64);
    assert_int_equal(dlt698_readings(0x20040203, nd, (size_t)n, 0, rd, 16), 1);
    assert_int_equal(rd[0].item, MH_ITEM_P_L2);
    /* maximum demand: the value of each {value, time}, per tariff */
    n = decode("01 02 02 02 06 00 00 30 39 1C 07 EA 0B 18 0A 00 00 02 02 06 00 00 04 D2 1C 07 EA 0B 17 0B 00 00", nd, 64);
    assert_int_equal(dlt698_readings(0x10100200, nd, (size_t)n, 0, rd, 16), 2);
    assert_int_equal(rd[1].item, MH_OBIS_TARIFF(MH_ITEM_MD_AE_IMP, 1));
    assert_int_equal(rd[1].value.m, 1234);
    assert_int_equal(rd[1].value.exp, -4);
    /* event counts: {source, {count, seconds}} -> the count carries the item */
    n = decode("01 01 02 02 00 02 02 06 00 00 00 07 06 00 00 0E 10", nd, 64);
    assert_int_equal(dlt698_readings(0x30110700, nd, (size_t)n, 0, rd, 16), 2);
    assert_int_equal(rd[0].item, MH_ITEM_CNT_POWER_DOWN);
    assert_int_equal(rd[0].value.m, 7);
    assert_int_equal(rd[1].item, 0);
    /* element rows: status words; the clock as a time with its item */
    n = decode("01 02 04 10 00 01 04 10 00 02", nd, 64);
    assert_int_equal(dlt698_readings(0x20140200, nd, (size_t)n, 0, rd, 16), 2);
    assert_int_equal(rd[1].item, MH_ITEM_STATUS_2);
    assert_int_equal(rd[1].numeric, 0);
    n = decode("1C 07 EA 0B 18 0A 00 00", nd, 64);
    assert_int_equal(dlt698_readings(0x40000200, nd, (size_t)n, 0, rd, 16), 1);
    assert_int_equal(rd[0].item, MH_ITEM_CLOCK);
    /* energy with a null tariff: no reading for the null */
    n = decode("01 03 06 00 01 E2 40 00 06 00 00 00 02", nd, 64);
    assert_int_equal(dlt698_readings(0x00100200, nd, (size_t)n, 0, rd, 16), 2);
    assert_int_equal(rd[1].item, MH_OBIS_TARIFF(MH_ITEM_AE_IMP, 2));
    /* unknown objects give nothing; too small an output is refused; a bad root too */
    assert_int_equal(dlt698_readings(0x77770200, nd, (size_t)n, 0, rd, 16), 0);
    assert_int_equal(dlt698_readings(0x00100200, nd, (size_t)n, 0, rd, 1), MH_EOVERFLOW);
    assert_int_equal(dlt698_readings(0x00100200, nd, (size_t)n, (size_t)n, rd, 16), MH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_sorted_unique_and_defined),
        cmocka_unit_test(test_lookup_is_the_table_for_every_key),
        cmocka_unit_test(test_elements_map_to_items),
        cmocka_unit_test(test_the_objects_a_station_needs_are_there),
        cmocka_unit_test(test_the_protocol_page_lists_every_object_and_type),
        cmocka_unit_test(test_the_apdu_page_lists_every_apdu),
        cmocka_unit_test(test_readings_apply_layouts_and_scalers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
