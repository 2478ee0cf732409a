/* Shared checks of the DL/T 698.45 APDU tests (apdu_check.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "apdu_check.h"
#include "vectors.h"

size_t ac_decode(const char *hex, uint8_t *buf, struct dlt698_apdu *a)
{
    size_t n = tv_hex(hex, buf, AC_MAX - 1);
    assert_int_equal(dlt698_apdu_decode(buf, n, a), 0);
    /* Every prefix ends inside a field: never accepted, never read past. */
    struct dlt698_apdu b;
    for (size_t k = 0; k < n; k++)
        assert_int_not_equal(dlt698_apdu_decode(buf, k, &b), 0);
    buf[n] = 0x00;
    assert_int_equal(dlt698_apdu_decode(buf, n + 1, &b), MH_ETRAILING);
    assert_int_equal(dlt698_apdu_decode(buf, n, a), 0);
    return n;
}

void ac_reject(const char *hex, int err)
{
    uint8_t buf[AC_MAX];
    size_t n = tv_hex(hex, buf, sizeof buf);
    struct dlt698_apdu a;
    assert_int_equal(dlt698_apdu_decode(buf, n, &a), err);
}

void ac_expect(int rc, const struct mh_wr *w, const char *hex)
{
    uint8_t want[AC_MAX];
    size_t n = tv_hex(hex, want, sizeof want);
    assert_int_equal(rc, 0);
    assert_int_equal(mh_wr_len(w), n);
    assert_memory_equal(w->p, want, n);
}

size_t ac_items(const struct dlt698_items *items, union dlt698_item *out, size_t cap)
{
    struct dlt698_iter it;
    size_t k = 0;
    dlt698_items_begin(items, &it);
    while (k < cap) {
        int rc = dlt698_items_next(&it, &out[k]);
        assert_true(rc >= 0);
        if (rc == 0)
            break;
        k++;
    }
    assert_int_equal(k, items->n);
    return k;
}

void ac_view(const struct dlt698_bytes *b, const char *hex)
{
    uint8_t want[AC_MAX];
    size_t n = tv_hex(hex, want, sizeof want);
    assert_non_null(b->p);
    assert_int_equal(b->len, n);
    assert_memory_equal(b->p, want, n);
}
