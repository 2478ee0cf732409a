/* Q/GDW 1376.1 application parsers over the frames captured from real masters and terminals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/base/err.h"
#include "meterhub/proto/gdw1376_afn.h"
#include "vectors.h"

/* Parse one vector's frame with the PW length its profile uses. */
static int load(json_t *v, uint8_t *b, size_t cap, struct gdw1376_frame *f)
{
    json_t *e = json_object_get(v, "expect");
    size_t n = tv_hex(tv_str(v, "hex"), b, cap);
    const char *pw = tv_str(e, "PW");
    unsigned pw_len = pw ? (unsigned)(strlen(pw) + 1) / 3 : 16;
    return gdw1376_frame_parse(b, n, pw_len, f);
}

static void test_every_vector_goes_through_its_afn_parser(void **state)
{
    (void)state;
    json_t *file = tv_load("gdw1376-1.json");
    size_t i, seen = 0;
    json_t *v;
    json_array_foreach(tv_vectors(file), i, v) {
        const char *id = tv_str(v, "id");
        uint8_t b[1024];
        struct gdw1376_frame f;
        assert_int_equal(load(v, b, sizeof b, &f), 0);
        int up = (f.c & GDW1376_C_DIR) != 0;
        uint16_t fn;
        int rc = 0;
        switch (f.afn) {
        case GDW1376_AFN_LINK: {
            struct mh_tm t;
            int has;
            rc = gdw1376_link_parse(f.units, f.units_len, &fn, &t, &has);
            break;
        }
        case GDW1376_AFN_CONFIRM: {
            struct gdw1376_ack a;
            rc = gdw1376_ack_parse(f.units, f.units_len, &a);
            break;
        }
        case GDW1376_AFN_RESET:
            rc = gdw1376_reset_parse(f.units, f.units_len, &fn);
            break;
        case GDW1376_AFN_CONTROL: {
            struct gdw1376_ctrl c[4];
            rc = gdw1376_ctrl_parse(f.units, f.units_len, c, 4);
            rc = rc == 1 ? 0 : -1;
            break;
        }
        case GDW1376_AFN_CLASS3: {
            struct gdw1376_event_reply e;
            size_t used;
            rc = gdw1376_event_reply_parse(f.units, f.units_len, &e, &used);
            break;
        }
        case GDW1376_AFN_FORWARD: {
            struct gdw1376_forward fw;
            size_t used;
            rc = up ? gdw1376_forward_reply_parse(f.units + 4, f.units_len - 4, &fw, &used)
                    : gdw1376_forward_parse(f.units + 4, f.units_len - 4, &fw, &used);
            if (rc == 0 && used != f.units_len - 4)
                rc = -1;
            break;
        }
        default:
            continue; /* AFN0C/0D: fn.c's dictionary */
        }
        if (rc != 0)
            fail_msg("%s: AFN%02X parser returns %d", id, f.afn, rc);
        seen++;
    }
    assert_int_equal(seen, 14); /* every vector but the AFN0C/0D ones */
    json_decref(file);
}

static json_t *find(json_t *file, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(tv_vectors(file), i, v) if (strcmp(tv_str(v, "id"), id) == 0) return v;
    fail_msg("no vector %s", id);
    return NULL;
}

static void test_vector_fields(void **state)
{
    (void)state;
    json_t *file = tv_load("gdw1376-1.json");
    uint8_t b[1024];
    struct gdw1376_frame f;

    /* clock set through a 2-byte PW profile: 2015-03-12 10:30:55, Thursday */
    assert_int_equal(load(find(file, "376-time-sync-2byte-pw-variant"), b, sizeof b, &f), 0);
    struct gdw1376_ctrl c[2];
    assert_int_equal(gdw1376_ctrl_parse(f.units, f.units_len, c, 2), 1);
    assert_int_equal(c[0].fn, 31);
    assert_int_equal(c[0].u.clock.year, 2015);
    assert_int_equal(c[0].u.clock.mon, 3);
    assert_int_equal(c[0].u.clock.day, 12);
    assert_int_equal(c[0].u.clock.sec, 55);
    assert_int_equal(c[0].u.clock.wday, 4);

    assert_int_equal(load(find(file, "376-ctrl-f49-req"), b, sizeof b, &f), 0);
    assert_int_equal(gdw1376_ctrl_parse(f.units, f.units_len, c, 2), 1);
    assert_int_equal(c[0].fn, 49);
    assert_int_equal(c[0].u.port, 1);

    /* per-item confirm coded with DT 03 00 */
    assert_int_equal(load(find(file, "376-confirm-per-item-quirk"), b, sizeof b, &f), 0);
    struct gdw1376_ack a;
    assert_int_equal(gdw1376_ack_parse(f.units, f.units_len, &a), 0);
    assert_int_equal(a.fn, 3);
    assert_int_equal(a.afn, 2);
    assert_int_equal(a.n_items, 1);

    /* forward to port 31 at 2400 8E1 and the meter's answer */
    struct gdw1376_forward fw;
    size_t used;
    assert_int_equal(load(find(file, "376-relay-close-req"), b, sizeof b, &f), 0);
    assert_int_equal(gdw1376_forward_parse(f.units + 4, f.units_len - 4, &fw, &used), 0);
    assert_int_equal(fw.port, 31);
    assert_int_equal(gdw1376_forward_baud(fw.ctrl), 2400);
    assert_int_equal(fw.len, 28);
    assert_int_equal(fw.frame[0], 0x68);
    assert_int_equal(fw.frame[fw.len - 1], 0x16);
    assert_int_equal(load(find(file, "376-relay-read-resp"), b, sizeof b, &f), 0);
    assert_int_equal(gdw1376_forward_reply_parse(f.units + 4, f.units_len - 4, &fw, &used), 0);
    assert_int_equal(fw.port, 31);
    assert_int_equal(fw.len, 20);
    assert_int_equal(fw.frame[fw.len - 1], 0x16);
    json_decref(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_vector_goes_through_its_afn_parser),
        cmocka_unit_test(test_vector_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
