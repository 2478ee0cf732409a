/*
 * SQLite backend: collection status and success rates, events, terminal
 * link history, audit. All on the query connection under its mutex; these
 * are few rows (per meter per day at most), not the reading stream.
 */
#include <stdio.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "sqlite_int.h"

void sq_bind_status(sqlite3_stmt *up, const struct store_status *s)
{
    sqlite3_bind_int64(up, 1, s->day);
    sqlite3_bind_int(up, 2, s->item_class);
    sqlite3_bind_int64(up, 3, s->meter);
    sqlite3_bind_int(up, 4, s->reason);
    sqlite3_bind_int(up, 5, s->attempts);
    sqlite3_bind_int64(up, 6, s->updated_ms);
}

void sq_bind_link(sqlite3_stmt *s, const struct store_link_change *l)
{
    sqlite3_bind_int64(s, 1, l->terminal);
    sqlite3_bind_int64(s, 2, l->t_ms);
    sqlite3_bind_int(s, 3, l->online);
    if (l->reason[0])
        sqlite3_bind_text(s, 4, l->reason, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 4);
}

int sq_status_upsert(struct store_be *be, const struct store_status *s, size_t n)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *up = sq_stmt(be, SQ_STATUS_UPSERT);
    int rc = up ? sq_begin(be) : MH_EIO;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sq_bind_status(up, &s[i]);
        rc = sq_exec(up);
    }
    if (rc == 0)
        rc = sq_commit(be);
    else
        sq_rollback(be);
    pthread_mutex_unlock(&be->mu);
    return rc;
}

int sq_success_rate(struct store_be *be, int64_t day, int item_class, int group,
                    struct store_rate *out, size_t cap)
{
    static const enum sq_query by[STORE_GROUP_COUNT_] = {
        [STORE_GROUP_TERMINAL_KIND] = SQ_RATE_KIND,
        [STORE_GROUP_TERMINAL_PROTOCOL] = SQ_RATE_TPROTO,
        [STORE_GROUP_METER_PROTOCOL] = SQ_RATE_MPROTO,
        [STORE_GROUP_CHANNEL_GROUP] = SQ_RATE_CHANNEL,
        [STORE_GROUP_REGION] = SQ_RATE_REGION,
    };
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, by[group]);
    int n = 0, rc = SQLITE_DONE;
    if (s) {
        sqlite3_bind_int64(s, 1, day);
        sqlite3_bind_int(s, 2, item_class);
        sqlite3_bind_int64(s, 3, (int64_t)(cap > INT32_MAX ? INT32_MAX : cap));
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            struct store_rate *r = &out[n++];
            const unsigned char *key = sqlite3_column_text(s, 0);
            snprintf(r->key, sizeof r->key, "%s", key ? (const char *)key : "");
            r->meters = (uint64_t)sqlite3_column_int64(s, 1);
            r->collected = (uint64_t)sqlite3_column_double(s, 2);
            r->failed = (uint64_t)sqlite3_column_double(s, 3);
            r->first_try = (uint64_t)sqlite3_column_double(s, 4);
        }
        sqlite3_reset(s);
    }
    pthread_mutex_unlock(&be->mu);
    return !s ? MH_EIO : rc == SQLITE_DONE ? n : sq_err(rc);
}

int sq_failure_reasons(struct store_be *be, int64_t day, int item_class, uint64_t *out)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, SQ_REASONS);
    int rc = SQLITE_DONE;
    if (s) {
        sqlite3_bind_int64(s, 1, day);
        sqlite3_bind_int(s, 2, item_class);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            int reason = sqlite3_column_int(s, 0);
            if (reason > 0 && reason < STORE_REASON_COUNT_)
                out[reason] = (uint64_t)sqlite3_column_int64(s, 1);
        }
        sqlite3_reset(s);
    }
    pthread_mutex_unlock(&be->mu);
    return !s ? MH_EIO : rc == SQLITE_DONE ? 0 : sq_err(rc);
}

void sq_bind_event(sqlite3_stmt *s, const struct store_event *e)
{
    sqlite3_bind_int64(s, 1, e->meter);
    sqlite3_bind_int64(s, 2, e->terminal);
    sqlite3_bind_int64(s, 3, e->code);
    sqlite3_bind_int64(s, 4, e->start_s);
    sqlite3_bind_int64(s, 5, e->end_s);
    if (e->payload_json)
        sqlite3_bind_text(s, 6, e->payload_json, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 6);
    sqlite3_bind_int64(s, 7, e->seq);
}

int sq_event_insert(struct store_be *be, const struct store_event *e)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, SQ_EVENT_INSERT);
    int rc = MH_EIO;
    if (s) {
        sq_bind_event(s, e);
        rc = sq_exec(s); /* a payload that is not JSON fails the CHECK: MH_EINVAL */
        sqlite3_clear_bindings(s);
    }
    pthread_mutex_unlock(&be->mu);
    return rc;
}

int sq_terminal_links(struct store_be *be, const struct store_link_change *l, size_t n)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, SQ_LINK_INSERT);
    int rc = s ? sq_begin(be) : MH_EIO;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sq_bind_link(s, &l[i]);
        rc = sq_exec(s);
    }
    if (s)
        sqlite3_clear_bindings(s);
    if (rc == 0)
        rc = sq_commit(be);
    else if (s)
        sq_rollback(be);
    pthread_mutex_unlock(&be->mu);
    return rc;
}

/*
 * Online time in [from, to) seconds: the state at `from` is the last change
 * before it (offline when none), then each change inside the window. An
 * offline and an online at the same millisecond count as a reconnection:
 * offline first.
 */
int sq_terminal_online_seconds(struct store_be *be, int64_t terminal, int64_t from, int64_t to,
                               int64_t *out)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *before = sq_stmt(be, SQ_LINK_BEFORE), *range = sq_stmt(be, SQ_LINK_RANGE);
    int rc = SQLITE_DONE, online = 0;
    int64_t since = from * 1000, total = 0;
    if (before && range) {
        sqlite3_bind_int64(before, 1, terminal);
        sqlite3_bind_int64(before, 2, since);
        rc = sqlite3_step(before);
        online = rc == SQLITE_ROW && sqlite3_column_int(before, 0);
        rc = rc == SQLITE_ROW ? SQLITE_DONE : rc;
        sqlite3_reset(before);
    }
    if (before && range && rc == SQLITE_DONE) {
        sqlite3_bind_int64(range, 1, terminal);
        sqlite3_bind_int64(range, 2, since);
        sqlite3_bind_int64(range, 3, to * 1000);
        while ((rc = sqlite3_step(range)) == SQLITE_ROW) {
            int64_t t = sqlite3_column_int64(range, 0);
            if (online)
                total += t - since;
            since = t;
            online = sqlite3_column_int(range, 1);
        }
        sqlite3_reset(range);
        if (online)
            total += to * 1000 - since;
    }
    pthread_mutex_unlock(&be->mu);
    *out = total / 1000;
    return !before || !range ? MH_EIO : rc == SQLITE_DONE ? 0 : sq_err(rc);
}

int sq_audit(struct store_be *be, const char *who, int64_t t_ms, const char *what, int result)
{
    pthread_mutex_lock(&be->mu);
    sqlite3_stmt *s = sq_stmt(be, SQ_AUDIT_INSERT);
    int rc = MH_EIO;
    if (s) {
        sqlite3_bind_text(s, 1, who, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, t_ms);
        sqlite3_bind_text(s, 3, what, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 4, result);
        rc = sq_exec(s);
        sqlite3_clear_bindings(s);
    }
    pthread_mutex_unlock(&be->mu);
    return rc;
}
