/*
 * The catalogue of application functions (gdw1376_afn_fn_table, the table
 * of docs/protocols/gdw1376-afn.md) against the code: ordered, its
 * AFN04/0A and AFN05 rows exactly the Fn the layout tables lay out, its
 * AFN01/02/0E rows exactly the Fn the parsers accept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376.h"
#include "meterhub/proto/gdw1376_afn.h"

static int listed(uint8_t afn, uint16_t fn)
{
    size_t n;
    const struct gdw1376_afn_fn *t = gdw1376_afn_fn_table(&n);
    for (size_t i = 0; i < n; i++)
        if (t[i].afn == afn && t[i].fn == fn)
            return 1;
    return 0;
}

static void test_ordered_and_described(void **state)
{
    (void)state;
    size_t n;
    const struct gdw1376_afn_fn *t = gdw1376_afn_fn_table(&n);
    assert_true(n > 60);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].what);
        assert_true(strlen(t[i].what) > 5);
        assert_true(t[i].dir != 0 && (t[i].dir & ~(GDW1376_DIR_UP | GDW1376_DIR_DOWN)) == 0);
        if (i)
            assert_true(t[i - 1].afn < t[i].afn || (t[i - 1].afn == t[i].afn && t[i - 1].fn < t[i].fn));
        /* the AFN0A reply carries the AFN04 layouts back: every AFN04 row says so */
        assert_true((t[i].afn == GDW1376_AFN_SET) == (t[i].also == GDW1376_AFN_QUERY));
    }
}

/* AFN04/0A and AFN05: a row for every Fn of the layout tables, and no other. */
static void test_parameter_and_control_rows_are_the_layout_tables(void **state)
{
    (void)state;
    for (uint16_t fn = 1; fn <= 248; fn++) {
        if ((gdw1376_param_name(fn) != NULL) != listed(GDW1376_AFN_SET, fn))
            fail_msg("AFN04 F%u: layout table and catalogue disagree", fn);
        if ((gdw1376_ctrl_name(fn) != NULL) != listed(GDW1376_AFN_CONTROL, fn))
            fail_msg("AFN05 F%u: layout table and catalogue disagree", fn);
    }
}

/* One p0 unit of fn with no data. */
static size_t p0(uint8_t *u, uint16_t fn)
{
    u[0] = u[1] = 0;
    gdw1376_dt_encode(fn, &u[2], &u[3]);
    return 4;
}

/* AFN01, AFN02 and AFN0E: the rows are what the parsers accept. */
static void test_fixed_rows_are_what_the_parsers_accept(void **state)
{
    (void)state;
    uint8_t u[16];
    for (uint16_t fn = 1; fn <= 248; fn++) {
        uint16_t got;
        struct mh_tm clock;
        int has_clock;
        size_t n = p0(u, fn);
        if ((gdw1376_reset_parse(u, n, &got) == 0) != listed(GDW1376_AFN_RESET, fn))
            fail_msg("AFN01 F%u: parser and catalogue disagree", fn);
        if ((gdw1376_link_parse(u, n, &got, &clock, &has_clock) == 0) != listed(GDW1376_AFN_LINK, fn))
            fail_msg("AFN02 F%u: parser and catalogue disagree", fn);
        struct mh_wr w;
        mh_wr_init(&w, u, sizeof u);
        if ((gdw1376_event_req_put(&w, fn, 0, 1) == 0) != listed(GDW1376_AFN_CLASS3, fn))
            fail_msg("AFN0E F%u: encoder and catalogue disagree", fn);
    }
    /* the file and forward rows: F1 each */
    assert_true(listed(GDW1376_AFN_FILE, 1));
    assert_true(listed(GDW1376_AFN_FORWARD, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordered_and_described),
        cmocka_unit_test(test_parameter_and_control_rows_are_the_layout_tables),
        cmocka_unit_test(test_fixed_rows_are_what_the_parsers_accept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
