/*
 * SQLite backend: the protect list and load-management commands
 * (migration control, tables protect_list, control_commands,
 * control_targets). Commands are few and human-paced, so each call
 * prepares its statement on the query connection under the backend's
 * mutex rather than keeping it in the statement cache.
 */
#include <stdio.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "sqlite_int.h"

/* One bound argument: text (s != NULL) or integer. */
struct sq_arg {
    const char *s;
    int64_t i;
};
#define SI(x) {NULL, (x)}
#define ST(x) {(x), 0}

typedef void (*sq_row_fn)(sqlite3_stmt *s, void *out, size_t k);

/*
 * Run sql with args; each result row k < cap goes to row(s, out, k). The
 * row count (or, for a statement without rows, the rows it changed), or
 * MH_E*; a UNIQUE conflict is MH_EEXIST.
 */
static int run(struct store_be *be, const char *sql, const struct sq_arg *a, int n, sq_row_fn row,
               void *out, size_t cap)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(be->q, sql, -1, &s, NULL) == SQLITE_OK ? 0 : MH_EIO;
    for (int i = 0; rc == 0 && i < n; i++)
        if ((a[i].s ? sqlite3_bind_text(s, i + 1, a[i].s, -1, SQLITE_STATIC)
                    : sqlite3_bind_int64(s, i + 1, a[i].i)) != SQLITE_OK)
            rc = MH_EIO;
    size_t k = 0;
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (row && k < cap)
            row(s, out, k);
        k++;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = sqlite3_extended_errcode(be->q) == SQLITE_CONSTRAINT_UNIQUE ||
                     sqlite3_extended_errcode(be->q) == SQLITE_CONSTRAINT_PRIMARYKEY
                 ? MH_EEXIST
                 : sq_err(step);
    if (rc == 0)
        rc = row ? (int)(k < cap ? k : cap) : sqlite3_changes(be->q);
    sqlite3_finalize(s);
    pthread_mutex_unlock(&be->mu);
    return rc;
}

static void text_col(sqlite3_stmt *s, int col, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

/* ---- protect list ---- */

static void protect_row(sqlite3_stmt *s, void *out, size_t k)
{
    struct store_protect *p = (struct store_protect *)out + k;
    p->kind = sqlite3_column_int(s, 0);
    text_col(s, 1, p->ref, sizeof p->ref);
    text_col(s, 2, p->reason, sizeof p->reason);
    text_col(s, 3, p->added_by, sizeof p->added_by);
    p->added_ms = sqlite3_column_int64(s, 4);
}

int sq_protect_add(struct store_be *be, const struct store_protect *p)
{
    const struct sq_arg a[] = {SI(p->kind), ST(p->ref), ST(p->reason), ST(p->added_by), SI(p->added_ms)};
    int rc = run(be, "INSERT INTO protect_list (kind, ref, reason, added_by, added_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                 a, 5, NULL, NULL, 0);
    return rc < 0 ? rc : 0;
}

int sq_protect_remove(struct store_be *be, int kind, const char *ref)
{
    const struct sq_arg a[] = {SI(kind), ST(ref)};
    int rc = run(be, "DELETE FROM protect_list WHERE kind = ?1 AND ref = ?2", a, 2, NULL, NULL, 0);
    return rc < 0 ? rc : rc == 0 ? MH_ENOENT : 0;
}

int sq_protect_get(struct store_be *be, int kind, const char *ref, struct store_protect *out)
{
    const struct sq_arg a[] = {SI(kind), ST(ref)};
    int rc = run(be, "SELECT kind, ref, reason, added_by, added_ms FROM protect_list WHERE kind = ?1 AND ref = ?2",
                 a, 2, protect_row, out, 1);
    return rc < 0 ? rc : rc == 0 ? MH_ENOENT : 0;
}

int sq_protect_list(struct store_be *be, struct store_protect *out, size_t cap)
{
    const struct sq_arg a[] = {SI((int64_t)(cap > INT32_MAX ? INT32_MAX : cap))};
    return run(be, "SELECT kind, ref, reason, added_by, added_ms FROM protect_list ORDER BY kind, ref LIMIT ?1", a,
               1, protect_row, out, cap);
}

/* ---- commands ---- */

static void control_row(sqlite3_stmt *s, void *out, size_t k)
{
    struct store_control *c = (struct store_control *)out + k;
    c->id = sqlite3_column_int64(s, 0);
    c->kind = sqlite3_column_int(s, 1);
    text_col(s, 2, c->params, sizeof c->params);
    text_col(s, 3, c->who, sizeof c->who);
    text_col(s, 4, c->reason, sizeof c->reason);
    c->created_ms = sqlite3_column_int64(s, 5);
    c->state = sqlite3_column_int(s, 6);
    text_col(s, 7, c->confirmer, sizeof c->confirmer);
    c->confirmed_ms = sqlite3_column_int64(s, 8);
    c->finished_ms = sqlite3_column_int64(s, 9);
}

static void id_row(sqlite3_stmt *s, void *out, size_t k)
{
    (void)k;
    *(int64_t *)out = sqlite3_column_int64(s, 0);
}

int sq_control_insert(struct store_be *be, struct store_control *c)
{
    const struct sq_arg a[] = {SI(c->kind), ST(c->params), ST(c->who), ST(c->reason), SI(c->created_ms),
                               SI(c->state), ST(c->confirmer), SI(c->confirmed_ms), SI(c->finished_ms)};
    int rc = run(be,
                 "INSERT INTO control_commands (kind, params, who, reason, created_ms, state, confirmer,"
                 " confirmed_ms, finished_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                 a, 9, id_row, &c->id, 1);
    return rc < 0 ? rc : rc == 1 ? 0 : MH_EIO;
}

int sq_control_update(struct store_be *be, const struct store_control *c)
{
    const struct sq_arg a[] = {SI(c->id), SI(c->state), ST(c->confirmer), SI(c->confirmed_ms), SI(c->finished_ms)};
    int rc = run(be,
                 "UPDATE control_commands SET state = ?2, confirmer = ?3, confirmed_ms = ?4, finished_ms = ?5"
                 " WHERE id = ?1",
                 a, 5, NULL, NULL, 0);
    return rc < 0 ? rc : rc == 0 ? MH_ENOENT : 0;
}

int sq_control_list(struct store_be *be, int64_t id, int64_t after, struct store_control *out, size_t cap)
{
    const struct sq_arg a[] = {SI(id), SI(after), SI((int64_t)(cap > INT32_MAX ? INT32_MAX : cap))};
    return run(be,
               "SELECT id, kind, params, who, reason, created_ms, state, confirmer, confirmed_ms, finished_ms"
               " FROM control_commands WHERE (?1 = 0 OR id = ?1) AND id > ?2 ORDER BY id LIMIT ?3",
               a, 3, control_row, out, cap);
}

static void target_row(sqlite3_stmt *s, void *out, size_t k)
{
    struct store_control_target *t = (struct store_control_target *)out + k;
    t->terminal = sqlite3_column_int64(s, 0);
    t->pn = (uint16_t)sqlite3_column_int(s, 1);
    t->result = sqlite3_column_int(s, 2);
    text_col(s, 3, t->detail, sizeof t->detail);
    t->updated_ms = sqlite3_column_int64(s, 4);
}

int sq_control_target_put(struct store_be *be, int64_t command, const struct store_control_target *t)
{
    const struct sq_arg a[] = {SI(command), SI(t->terminal), SI(t->pn), SI(t->result), ST(t->detail),
                               SI(t->updated_ms)};
    int rc = run(be,
                 "INSERT INTO control_targets (command_id, terminal_id, pn, result, detail, updated_ms)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (command_id, terminal_id, pn) DO UPDATE SET"
                 " result = excluded.result, detail = excluded.detail, updated_ms = excluded.updated_ms",
                 a, 6, NULL, NULL, 0);
    return rc < 0 ? rc : 0;
}

int sq_control_targets(struct store_be *be, int64_t command, struct store_control_target *out, size_t cap)
{
    const struct sq_arg a[] = {SI(command), SI((int64_t)(cap > INT32_MAX ? INT32_MAX : cap))};
    return run(be,
               "SELECT terminal_id, pn, result, detail, updated_ms FROM control_targets WHERE command_id = ?1"
               " ORDER BY terminal_id, pn LIMIT ?2",
               a, 2, target_row, out, cap);
}

/* ---- prepayment ---- */

static void prepay_row(sqlite3_stmt *s, void *out, size_t k)
{
    struct store_prepay *a = (struct store_prepay *)out + k;
    a->meter = sqlite3_column_int64(s, 0);
    a->balance_e4 = sqlite3_column_int64(s, 1);
    a->warn_e4 = sqlite3_column_int64(s, 2);
    a->state = sqlite3_column_int(s, 3);
    a->settled_t = sqlite3_column_int64(s, 4);
    for (int i = 0; i < 4; i++)
        a->reg_e4[i] = sqlite3_column_int64(s, 5 + i);
    a->command = sqlite3_column_int64(s, 9);
    a->updated_ms = sqlite3_column_int64(s, 10);
}

int sq_prepay_put(struct store_be *be, const struct store_prepay *a)
{
    const struct sq_arg v[] = {SI(a->meter),     SI(a->balance_e4), SI(a->warn_e4),    SI(a->state),
                               SI(a->settled_t), SI(a->reg_e4[0]),  SI(a->reg_e4[1]),  SI(a->reg_e4[2]),
                               SI(a->reg_e4[3]), SI(a->command),    SI(a->updated_ms)};
    int rc = run(be,
                 "INSERT OR REPLACE INTO prepay_accounts (meter_id, balance_e4, warn_e4, state, settled_t, reg1_e4,"
                 " reg2_e4, reg3_e4, reg4_e4, command_id, updated_ms)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                 v, 11, NULL, NULL, 0);
    return rc < 0 ? rc : 0;
}

int sq_prepay_get(struct store_be *be, int64_t meter, struct store_prepay *out)
{
    const struct sq_arg v[] = {SI(meter)};
    int rc = run(be,
                 "SELECT meter_id, balance_e4, warn_e4, state, settled_t, reg1_e4, reg2_e4, reg3_e4, reg4_e4,"
                 " command_id, updated_ms FROM prepay_accounts WHERE meter_id = ?1",
                 v, 1, prepay_row, out, 1);
    return rc < 0 ? rc : rc == 0 ? MH_ENOENT : 0;
}

int sq_prepay_list(struct store_be *be, int64_t after, struct store_prepay *out, size_t cap)
{
    const struct sq_arg v[] = {SI(after), SI((int64_t)(cap > INT32_MAX ? INT32_MAX : cap))};
    return run(be,
               "SELECT meter_id, balance_e4, warn_e4, state, settled_t, reg1_e4, reg2_e4, reg3_e4, reg4_e4,"
               " command_id, updated_ms FROM prepay_accounts WHERE meter_id > ?1 ORDER BY meter_id LIMIT ?2",
               v, 2, prepay_row, out, cap);
}

int sq_prepay_payment(struct store_be *be, int64_t meter, int64_t amount_e4, const char *who, const char *ref,
                      int64_t t_ms)
{
    const struct sq_arg v[] = {SI(meter), SI(amount_e4), ST(who), ST(ref), SI(t_ms)};
    int rc = run(be, "INSERT INTO prepay_payments (meter_id, amount_e4, who, ref, t_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                 v, 5, NULL, NULL, 0);
    return rc < 0 ? rc : 0;
}
