/*
 * The store interface: picks a backend by URI and forwards every call to
 * it. The reading queue and writer thread are in writer.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "store_int.h"

/*
 * URI schemes. A backend that is not built yet has a NULL entry and a
 * reason, so "postgres://" gets a clear answer rather than being taken for
 * a file name.
 */
static const struct {
    const char *scheme; /* prefix, matched case-sensitively */
    size_t strip;       /* bytes of the prefix the backend does not want */
    const struct store_backend *be;
    const char *missing;
} schemes[] = {
    {"sqlite:", 7, &store_backend_sqlite, NULL},
    {"postgres://", 0, &store_backend_postgres, NULL},
    {"postgresql://", 0, &store_backend_postgres, NULL},
};

static const char *const reason_text[] = {
#define STORE_REASON_TEXT(sym, num, text) [num] = text,
    STORE_REASON_MAP(STORE_REASON_TEXT)
#undef STORE_REASON_TEXT
};

const char *store_reason_text(int reason)
{
    return reason >= 0 && reason < STORE_REASON_COUNT_ ? reason_text[reason] : "?";
}

static int fail(char *err, size_t cap, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t cap, int rc, const char *fmt, ...)
{
    if (err && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int store_open(const char *uri, const struct store_options *opt, struct store **out, char *err,
               size_t cap)
{
    if (!uri || !*uri || !out)
        return fail(err, cap, MH_EINVAL, "no store URI");
    *out = NULL;
    const struct store_backend *ops = &store_backend_sqlite; /* a plain path */
    const char *target = uri;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        if (strncmp(uri, schemes[i].scheme, strlen(schemes[i].scheme)) != 0)
            continue;
        if (!schemes[i].be)
            return fail(err, cap, MH_ENOTSUP, "%s: %s", uri, schemes[i].missing);
        ops = schemes[i].be;
        target = uri + schemes[i].strip;
        break;
    }
    if (!*target)
        return fail(err, cap, MH_EINVAL, "%s: no database named", uri);
    if (ops == &store_backend_sqlite && strstr(target, "://"))
        return fail(err, cap, MH_ENOTSUP, "%s: unknown store scheme", uri);

    struct store *st = calloc(1, sizeof *st);
    if (!st)
        return fail(err, cap, MH_ENOMEM, "out of memory");
    st->be_ops = ops;
    int rc = ops->open(target, opt, &st->be, err, cap);
    if (rc < 0) {
        free(st);
        return rc;
    }
    if (ops->writer_flag)
        ops->writer_flag(st->be, &st->w.ur_waiting);
    rc = store_writer_start(st, opt);
    if (rc < 0) {
        ops->close(st->be);
        free(st);
        return fail(err, cap, rc, "cannot start the writer: %s", mh_strerror(rc));
    }
    *out = st;
    return 0;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    store_writer_stop(st);
    st->be_ops->close(st->be);
    free(st);
}

const char *store_backend_name(const struct store *st)
{
    return st->be_ops->name;
}

int store_schema_version(struct store *st)
{
    return st->be_ops->schema_version(st->be);
}

int store_readings_range(struct store *st, int64_t meter, uint32_t item, int64_t from, int64_t to,
                         struct store_reading *out, size_t cap)
{
    if (!out && cap)
        return MH_EINVAL;
    return st->be_ops->readings_range(st->be, meter, item, from, to, out, cap);
}

int store_reading_latest(struct store *st, int64_t meter, uint32_t item, struct store_reading *out)
{
    return out ? st->be_ops->reading_latest(st->be, meter, item, out) : MH_EINVAL;
}

int store_readings_missing(struct store *st, uint32_t item, int64_t from, int64_t to, int64_t after,
                           struct store_meter_ref *out, size_t cap)
{
    if (!out && cap)
        return MH_EINVAL;
    return st->be_ops->readings_missing(st->be, item, from, to, after, out, cap);
}

int store_status_check(const struct store_status *s, size_t n)
{
    if (!s && n)
        return MH_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (s[i].item_class >= STORE_CLASS_COUNT_ || s[i].reason >= STORE_REASON_COUNT_)
            return MH_EINVAL;
    return 0;
}

int store_status_upsert(struct store *st, const struct store_status *s, size_t n)
{
    if (store_status_check(s, n) != 0)
        return MH_EINVAL;
    return n ? st->be_ops->status_upsert(st->be, s, n) : 0;
}

int store_success_rate(struct store *st, int64_t day, int item_class, int group,
                       struct store_rate *out, size_t cap)
{
    if ((!out && cap) || item_class < 0 || item_class >= STORE_CLASS_COUNT_ || group < 0 ||
        group >= STORE_GROUP_COUNT_)
        return MH_EINVAL;
    return st->be_ops->success_rate(st->be, day, item_class, group, out, cap);
}

int store_failure_reasons(struct store *st, int64_t day, int item_class, uint64_t *out)
{
    if (!out || item_class < 0 || item_class >= STORE_CLASS_COUNT_)
        return MH_EINVAL;
    memset(out, 0, STORE_REASON_COUNT_ * sizeof *out);
    return st->be_ops->failure_reasons(st->be, day, item_class, out);
}

int store_archive_import(struct store *st, const struct archive *a, struct store_import_stats *out,
                         char *err, size_t cap)
{
    struct store_import_stats ignored;
    if (!a)
        return fail(err, cap, MH_EINVAL, "no archive");
    memset(out ? out : &ignored, 0, sizeof ignored);
    return st->be_ops->archive_import(st->be, a, out ? out : &ignored, err, cap);
}

int store_terminal_lookup(struct store *st, uint16_t region, const char *address,
                          struct store_terminal *out)
{
    if (!address || !out)
        return MH_EINVAL;
    return st->be_ops->terminal_lookup(st->be, region, address, out);
}

int store_terminal_points(struct store *st, int64_t terminal, struct store_point *out, size_t cap)
{
    if (!out && cap)
        return MH_EINVAL;
    return st->be_ops->terminal_points(st->be, terminal, out, cap);
}

int store_event_insert(struct store *st, const struct store_event *e)
{
    return e ? st->be_ops->event_insert(st->be, e) : MH_EINVAL;
}

int store_terminal_link(struct store *st, int64_t terminal, int online, int64_t t_ms,
                        const char *reason)
{
    struct store_link_change l = {.terminal = terminal, .t_ms = t_ms, .online = online != 0};
    if (reason)
        snprintf(l.reason, sizeof l.reason, "%s", reason);
    return st->be_ops->terminal_links(st->be, &l, 1);
}

int store_terminal_online_seconds(struct store *st, int64_t terminal, int64_t from, int64_t to,
                                  int64_t *out)
{
    if (!out || to < from)
        return MH_EINVAL;
    return st->be_ops->terminal_online_seconds(st->be, terminal, from, to, out);
}

int store_audit(struct store *st, const char *who, int64_t t_ms, const char *what, int result)
{
    if (!who || !what)
        return MH_EINVAL;
    return st->be_ops->audit(st->be, who, t_ms, what, result);
}

/* ---- API tokens ---- */

int store_token_add(struct store *st, const char *name, int role,
                    const unsigned char hash[STORE_TOKEN_HASH], int64_t created_ms)
{
    if (!name || !*name || strlen(name) > STORE_TOKEN_NAME_MAX || !hash)
        return MH_EINVAL;
    return st->be_ops->token_add(st->be, name, role, hash, created_ms);
}

int store_token_check(struct store *st, const unsigned char hash[STORE_TOKEN_HASH],
                      struct store_token *out)
{
    if (!hash || !out)
        return MH_EINVAL;
    return st->be_ops->token_check(st->be, hash, out);
}

int store_token_list(struct store *st, struct store_token *out, size_t cap)
{
    if (!out && cap)
        return MH_EINVAL;
    return st->be_ops->token_list(st->be, out, cap);
}

int store_token_revoke(struct store *st, const char *name)
{
    if (!name || !*name)
        return MH_EINVAL;
    return st->be_ops->token_revoke(st->be, name);
}

/* ---- load management ---- */

static int protect_kind_ok(int kind)
{
    return kind >= STORE_PROTECT_CUSTOMER && kind <= STORE_PROTECT_TERMINAL;
}

int store_protect_add(struct store *st, const struct store_protect *p)
{
    if (!p || !protect_kind_ok(p->kind) || !p->ref[0])
        return MH_EINVAL;
    return st->be_ops->protect_add(st->be, p);
}

int store_protect_remove(struct store *st, int kind, const char *ref)
{
    if (!protect_kind_ok(kind) || !ref || !*ref)
        return MH_EINVAL;
    return st->be_ops->protect_remove(st->be, kind, ref);
}

int store_protect_get(struct store *st, int kind, const char *ref, struct store_protect *out)
{
    if (!protect_kind_ok(kind) || !ref || !*ref || !out)
        return MH_EINVAL;
    return st->be_ops->protect_get(st->be, kind, ref, out);
}

int store_protect_list(struct store *st, struct store_protect *out, size_t cap)
{
    if (!out && cap)
        return MH_EINVAL;
    return st->be_ops->protect_list(st->be, out, cap);
}

int store_control_insert(struct store *st, struct store_control *c)
{
    if (!c || !c->who[0])
        return MH_EINVAL;
    return st->be_ops->control_insert(st->be, c);
}

int store_control_update(struct store *st, const struct store_control *c)
{
    if (!c || c->id <= 0)
        return MH_EINVAL;
    return st->be_ops->control_update(st->be, c);
}

int store_control_get(struct store *st, int64_t id, struct store_control *out)
{
    if (id <= 0 || !out)
        return MH_EINVAL;
    int n = st->be_ops->control_list(st->be, id, 0, out, 1);
    return n < 0 ? n : n == 0 ? MH_ENOENT : 0;
}

int store_control_list(struct store *st, int64_t after, struct store_control *out, size_t cap)
{
    if (!out && cap)
        return MH_EINVAL;
    return st->be_ops->control_list(st->be, 0, after, out, cap);
}

int store_control_target_put(struct store *st, int64_t command, const struct store_control_target *t)
{
    if (command <= 0 || !t)
        return MH_EINVAL;
    return st->be_ops->control_target_put(st->be, command, t);
}

int store_control_targets(struct store *st, int64_t command, struct store_control_target *out, size_t cap)
{
    if (command <= 0 || (!out && cap))
        return MH_EINVAL;
    return st->be_ops->control_targets(st->be, command, out, cap);
}

/* ---- prepayment ---- */

int store_prepay_put(struct store *st, const struct store_prepay *a)
{
    if (!a || a->meter <= 0)
        return MH_EINVAL;
    return st->be_ops->prepay_put(st->be, a);
}

int store_prepay_get(struct store *st, int64_t meter, struct store_prepay *out)
{
    if (meter <= 0 || !out)
        return MH_EINVAL;
    return st->be_ops->prepay_get(st->be, meter, out);
}

int store_prepay_list(struct store *st, int64_t after, struct store_prepay *out, size_t cap)
{
    if (!out || cap == 0)
        return MH_EINVAL;
    return st->be_ops->prepay_list(st->be, after, out, cap);
}

int store_prepay_payment(struct store *st, int64_t meter, int64_t amount_e4, const char *who, const char *ref,
                         int64_t t_ms)
{
    if (meter <= 0 || amount_e4 <= 0 || !who || !*who)
        return MH_EINVAL;
    return st->be_ops->prepay_payment(st->be, meter, amount_e4, who, ref ? ref : "", t_ms);
}
