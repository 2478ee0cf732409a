/*
 * The store's listing queries and API tokens (store.h "API tokens" and
 * "listings"), against whichever backend MH_TEST_STORE_URI names: the
 * same expectations hold for SQLite and PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/proto/item.h"
#include "store_test.h"

static void digest(unsigned char h[STORE_TOKEN_HASH], unsigned char seed)
{
    for (size_t i = 0; i < STORE_TOKEN_HASH; i++)
        h[i] = (unsigned char)(seed * 31u + i * 7u);
}

static void test_tokens_add_check_list_revoke(void **state)
{
    (void)state;
    struct store *st = store_test_open(store_test_uri("tokens"), NULL);
    unsigned char a[STORE_TOKEN_HASH], b[STORE_TOKEN_HASH], c[STORE_TOKEN_HASH];
    digest(a, 1);
    digest(b, 2);
    digest(c, 3);
    /* A byte 0x00 inside the digest must not cut it short. */
    a[5] = 0;
    assert_int_equal(store_token_add(st, "ops", 1, a, 1700000000123), 0);
    assert_int_equal(store_token_add(st, "admin", 2, b, 1700000000456), 0);
    assert_int_equal(store_token_add(st, "ops", 0, c, 1), MH_EEXIST);
    assert_int_equal(store_token_add(st, "", 0, c, 1), MH_EINVAL);

    struct store_token t;
    assert_int_equal(store_token_check(st, a, &t), 0);
    assert_string_equal(t.name, "ops");
    assert_int_equal(t.role, 1);
    assert_int_equal(t.created_ms, 1700000000123);
    assert_int_equal(t.revoked, 0);
    assert_int_equal(store_token_check(st, c, &t), MH_ENOENT);

    struct store_token l[4];
    assert_int_equal(store_token_list(st, l, 4), 2);
    assert_string_equal(l[0].name, "admin");
    assert_int_equal(l[0].role, 2);
    assert_string_equal(l[1].name, "ops");
    assert_int_equal(store_token_list(st, l, 1), 1);

    assert_int_equal(store_token_revoke(st, "ops"), 0);
    assert_int_equal(store_token_check(st, a, &t), MH_ENOENT);
    assert_int_equal(store_token_check(st, b, &t), 0);
    assert_string_equal(t.name, "admin");
    assert_int_equal(store_token_revoke(st, "nobody"), MH_ENOENT);
    assert_int_equal(store_token_list(st, l, 4), 2);
    assert_int_equal(l[1].revoked, 1);
    /* A revoked name stays taken. */
    assert_int_equal(store_token_add(st, "ops", 1, c, 2), MH_EEXIST);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_add_check_list_revoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
