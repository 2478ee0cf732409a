/*
 * PostgreSQL backend: the protect list and load-management commands, the
 * same rows as sqlite_control.c. Commands are few and human-paced, so each
 * call sends its SQL with PQexecParams on a pool connection (retried once
 * on a fresh connection when the server dropped the first, as pg_one does):
 * preparing them on every connection would buy nothing.
 */
#include <stdio.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "pg_int.h"

typedef void (*pg_row_fn)(const PGresult *r, int row, void *out, size_t k);

/* Rows (each k < cap to row()), or for a command the rows it changed; MH_EEXIST on a unique conflict. */
static int run(struct store_be *be, const char *sql, const struct pg_params *p, pg_row_fn row, void *out,
               size_t cap)
{
    struct pg_conn *pc = pg_acquire(be);
    int rc = MH_EIO;
    for (int attempt = 0; attempt < 2; attempt++) {
        PGresult *r = PQexecParams(pc->c, sql, p->n, NULL, p->v, NULL, NULL, 0);
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (state && strcmp(state, "23505") == 0) {
            rc = MH_EEXIST; /* unique_violation */
        } else {
            rc = pg_check(pc, r, "control");
            if (rc == 0 && row) {
                int n = PQntuples(r);
                for (int i = 0; i < n && (size_t)i < cap; i++)
                    row(r, i, out, (size_t)i);
                rc = (size_t)n < cap ? n : (int)cap;
            } else if (rc == 0) {
                rc = (int)pg_changed(r);
            }
        }
        PQclear(r);
        if (rc >= 0 || rc == MH_EEXIST || !pg_lost(pc) || pg_reconnect(pc, be->relaxed) < 0)
            break;
    }
    pg_release(be, pc);
    return rc;
}

static void text_col(const PGresult *r, int row, int col, char *dst, size_t cap)
{
    snprintf(dst, cap, "%s", PQgetvalue(r, row, col));
}

static size_t cap_limit(size_t cap)
{
    return cap > INT32_MAX ? INT32_MAX : cap;
}

/* ---- protect list ---- */

static void protect_row(const PGresult *r, int row, void *out, size_t k)
{
    struct store_protect *p = (struct store_protect *)out + k;
    p->kind = (int)pg_i64(r, row, 0);
    text_col(r, row, 1, p->ref, sizeof p->ref);
    text_col(r, row, 2, p->reason, sizeof p->reason);
    text_col(r, row, 3, p->added_by, sizeof p->added_by);
    p->added_ms = pg_i64(r, row, 4);
}

int pg_protect_add(struct store_be *be, const struct store_protect *p)
{
    struct pg_params a = {0};
    pp_i64(&a, p->kind);
    pp_text(&a, p->ref);
    pp_text(&a, p->reason);
    pp_text(&a, p->added_by);
    pp_i64(&a, p->added_ms);
    int rc = run(be,
                 "INSERT INTO protect_list (kind, ref, reason, added_by, added_ms)"
                 " VALUES ($1::int, $2, $3, $4, $5::bigint)",
                 &a, NULL, NULL, 0);
    return rc < 0 ? rc : 0;
}

int pg_protect_remove(struct store_be *be, int kind, const char *ref)
{
    struct pg_params a = {0};
    pp_i64(&a, kind);
    pp_text(&a, ref);
    int rc = run(be, "DELETE FROM protect_list WHERE kind = $1::int AND ref = $2", &a, NULL, NULL, 0);
    return rc < 0 ? rc : rc == 0 ? MH_ENOENT : 0;
}

int pg_protect_get(struct store_be *be, int kind, const char *ref, struct store_protect *out)
{
    struct pg_params a = {0};
    pp_i64(&a, kind);
    pp_text(&a, ref);
    int rc = run(be,
                 "SELECT kind, ref, reason, added_by, added_ms FROM protect_list"
                 " WHERE kind = $1::int AND ref = $2",
                 &a, protect_row, out, 1);
    return rc < 0 ? rc : rc == 0 ? MH_ENOENT : 0;
}

int pg_protect_list(struct store_be *be, struct store_protect *out, size_t cap)
{
    struct pg_params a = {0};
    pp_i64(&a, (int64_t)cap_limit(cap));
    return run(be,
               "SELECT kind, ref, reason, added_by, added_ms FROM protect_list"
               " ORDER BY kind, ref COLLATE \"C\" LIMIT $1::bigint",
               &a, protect_row, out, cap);
}

/* ---- commands ---- */

static void control_row(const PGresult *r, int row, void *out, size_t k)
{
    struct store_control *c = (struct store_control *)out + k;
    c->id = pg_i64(r, row, 0);
    c->kind = (int)pg_i64(r, row, 1);
    text_col(r, row, 2, c->params, sizeof c->params);
    text_col(r, row, 3, c->who, sizeof c->who);
    text_col(r, row, 4, c->reason, sizeof c->reason);
    c->created_ms = pg_i64(r, row, 5);
    c->state = (int)pg_i64(r, row, 6);
    text_col(r, row, 7, c->confirmer, sizeof c->confirmer);
    c->confirmed_ms = pg_i64(r, row, 8);
    c->finished_ms = pg_i64(r, row, 9);
}

static void id_row(const PGresult *r, int row, void *out, size_t k)
{
    (void)k;
    *(int64_t *)out = pg_i64(r, row, 0);
}

int pg_control_insert(struct store_be *be, struct store_control *c)
{
    struct pg_params a = {0};
    pp_i64(&a, c->kind);
    pp_text(&a, c->params);
    pp_text(&a, c->who);
    pp_text(&a, c->reason);
    pp_i64(&a, c->created_ms);
    pp_i64(&a, c->state);
    pp_text(&a, c->confirmer);
    pp_i64(&a, c->confirmed_ms);
    pp_i64(&a, c->finished_ms);
    int rc = run(be,
                 "INSERT INTO control_commands (kind, params, who, reason, created_ms, state, confirmer,"
                 " confirmed_ms, finished_ms) VALUES ($1::int, $2, $3, $4, $5::bigint, $6::int, $7,"
                 " $8::bigint, $9::bigint) RETURNING id",
                 &a, id_row, &c->id, 1);
    return rc < 0 ? rc : rc == 1 ? 0 : MH_EIO;
}

int pg_control_update(struct store_be *be, const struct store_control *c)
{
    struct pg_params a = {0};
    pp_i64(&a, c->id);
    pp_i64(&a, c->state);
    pp_text(&a, c->confirmer);
    pp_i64(&a, c->confirmed_ms);
    pp_i64(&a, c->finished_ms);
    int rc = run(be,
                 "UPDATE control_commands SET state = $2::int, confirmer = $3, confirmed_ms = $4::bigint,"
                 " finished_ms = $5::bigint WHERE id = $1::bigint",
                 &a, NULL, NULL, 0);
    return rc < 0 ? rc : rc == 0 ? MH_ENOENT : 0;
}

int pg_control_list(struct store_be *be, int64_t id, int64_t after, struct store_control *out, size_t cap)
{
    struct pg_params a = {0};
    pp_i64(&a, id);
    pp_i64(&a, after);
    pp_i64(&a, (int64_t)cap_limit(cap));
    return run(be,
               "SELECT id, kind, params, who, reason, created_ms, state, confirmer, confirmed_ms, finished_ms"
               " FROM control_commands WHERE ($1::bigint = 0 OR id = $1::bigint) AND id > $2::bigint"
               " ORDER BY id LIMIT $3::bigint",
               &a, control_row, out, cap);
}

static void target_row(const PGresult *r, int row, void *out, size_t k)
{
    struct store_control_target *t = (struct store_control_target *)out + k;
    t->terminal = pg_i64(r, row, 0);
    t->pn = (uint16_t)pg_i64(r, row, 1);
    t->result = (int)pg_i64(r, row, 2);
    text_col(r, row, 3, t->detail, sizeof t->detail);
    t->updated_ms = pg_i64(r, row, 4);
}

int pg_control_target_put(struct store_be *be, int64_t command, const struct store_control_target *t)
{
    struct pg_params a = {0};
    pp_i64(&a, command);
    pp_i64(&a, t->terminal);
    pp_i64(&a, t->pn);
    pp_i64(&a, t->result);
    pp_text(&a, t->detail);
    pp_i64(&a, t->updated_ms);
    int rc = run(be,
                 "INSERT INTO control_targets (command_id, terminal_id, pn, result, detail, updated_ms)"
                 " VALUES ($1::bigint, $2::bigint, $3::int, $4::int, $5, $6::bigint)"
                 " ON CONFLICT (command_id, terminal_id, pn) DO UPDATE SET result = excluded.result,"
                 " detail = excluded.detail, updated_ms = excluded.updated_ms",
                 &a, NULL, NULL, 0);
    return rc < 0 ? rc : 0;
}

int pg_control_targets(struct store_be *be, int64_t command, struct store_control_target *out, size_t cap)
{
    struct pg_params a = {0};
    pp_i64(&a, command);
    pp_i64(&a, (int64_t)cap_limit(cap));
    return run(be,
               "SELECT terminal_id, pn, result, detail, updated_ms FROM control_targets"
               " WHERE command_id = $1::bigint ORDER BY terminal_id, pn LIMIT $2::bigint",
               &a, target_row, out, cap);
}

/* ---- prepayment ---- */

static void prepay_row(const PGresult *r, int row, void *out, size_t k)
{
    struct store_prepay *a = (struct store_prepay *)out + k;
    a->meter = pg_i64(r, row, 0);
    a->balance_e4 = pg_i64(r, row, 1);
    a->warn_e4 = pg_i64(r, row, 2);
    a->state = (int)pg_i64(r, row, 3);
    a->settled_t = pg_i64(r, row, 4);
    for (int i = 0; i < 4; i++)
        a->reg_e4[i] = pg_i64(r, row, 5 + i);
    a->command = pg_i64(r, row, 9);
    a->updated_ms = pg_i64(r, row, 10);
}

int pg_prepay_put(struct store_be *be, const struct store_prepay *a)
{
    struct pg_params p = {0};
    pp_i64(&p, a->meter);
    pp_i64(&p, a->balance_e4);
    pp_i64(&p, a->warn_e4);
    pp_i64(&p, a->state);
    pp_i64(&p, a->settled_t);
    for (int i = 0; i < 4; i++)
        pp_i64(&p, a->reg_e4[i]);
    pp_i64(&p, a->command);
    pp_i64(&p, a->updated_ms);
    int rc = run(be,
                 "INSERT INTO prepay_accounts (meter_id, balance_e4, warn_e4, state, settled_t, reg1_e4, reg2_e4,"
                 " reg3_e4, reg4_e4, command_id, updated_ms) VALUES ($1::bigint, $2::bigint, $3::bigint, $4::int,"
                 " $5::bigint, $6::bigint, $7::bigint, $8::bigint, $9::bigint, $10::bigint, $11::bigint)"
                 " ON CONFLICT (meter_id) DO UPDATE SET balance_e4 = excluded.balance_e4, warn_e4 = excluded.warn_e4,"
                 " state = excluded.state, settled_t = excluded.settled_t, reg1_e4 = excluded.reg1_e4,"
                 " reg2_e4 = excluded.reg2_e4, reg3_e4 = excluded.reg3_e4, reg4_e4 = excluded.reg4_e4,"
                 " command_id = excluded.command_id, updated_ms = excluded.updated_ms",
                 &p, NULL, NULL, 0);
    return rc < 0 ? rc : 0;
}

int pg_prepay_get(struct store_be *be, int64_t meter, struct store_prepay *out)
{
    struct pg_params p = {0};
    pp_i64(&p, meter);
    int rc = run(be,
                 "SELECT meter_id, balance_e4, warn_e4, state, settled_t, reg1_e4, reg2_e4, reg3_e4, reg4_e4,"
                 " command_id, updated_ms FROM prepay_accounts WHERE meter_id = $1::bigint",
                 &p, prepay_row, out, 1);
    return rc < 0 ? rc : rc == 0 ? MH_ENOENT : 0;
}

int pg_prepay_list(struct store_be *be, int64_t after, struct store_prepay *out, size_t cap)
{
    struct pg_params p = {0};
    pp_i64(&p, after);
    pp_i64(&p, (int64_t)cap_limit(cap));
    return run(be,
               "SELECT meter_id, balance_e4, warn_e4, state, settled_t, reg1_e4, reg2_e4, reg3_e4, reg4_e4,"
               " command_id, updated_ms FROM prepay_accounts WHERE meter_id > $1::bigint ORDER BY meter_id"
               " LIMIT $2::bigint",
               &p, prepay_row, out, cap);
}

int pg_prepay_payment(struct store_be *be, int64_t meter, int64_t amount_e4, const char *who, const char *ref,
                      int64_t t_ms)
{
    struct pg_params p = {0};
    pp_i64(&p, meter);
    pp_i64(&p, amount_e4);
    pp_text(&p, who);
    pp_text(&p, ref);
    pp_i64(&p, t_ms);
    int rc = run(be,
                 "INSERT INTO prepay_payments (meter_id, amount_e4, who, ref, t_ms)"
                 " VALUES ($1::bigint, $2::bigint, $3, $4, $5::bigint)",
                 &p, NULL, NULL, 0);
    return rc < 0 ? rc : 0;
}
