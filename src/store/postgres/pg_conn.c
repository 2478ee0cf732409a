/*
 * PostgreSQL backend: connections, the reader pool, prepared statements,
 * results and errors.
 *
 * Errors map from the SQLSTATE class (PostgreSQL manual, appendix A):
 * 22 data exception and 23 integrity constraint violation are the
 * caller's input (MH_EINVAL, as a CHECK failing in SQLite); 40
 * transaction rollback (serialization, deadlock) and 55 object not in
 * prerequisite state (lock not available) are MH_EBUSY; 53 insufficient
 * resources is MH_ENOMEM; the rest, and a lost connection, MH_EIO.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "pg_int.h"

static const struct {
    char cls[3];
    int rc;
} sqlstate_class[] = {
    {"22", MH_EINVAL}, {"23", MH_EINVAL}, {"40", MH_EBUSY},
    {"55", MH_EBUSY},  {"53", MH_ENOMEM},
};

#define SESSION_REST "SET TIME ZONE 'UTC'; SET jit = off"

static int session_setup(struct pg_conn *pc, int relaxed)
{
    /*
     * synchronous_commit = on: COMMIT returns once the commit record is
     * flushed to the server's WAL (and to synchronous standbys, if the
     * server has any), so an acknowledged batch survives a crash or power
     * loss of the server. Relaxed durability turns it off for this session
     * only (an asynchronous commit: a server crash may lose the last
     * commits, never corrupt).
     *
     * jit = off: meterhub's statements are key probes and range scans of a
     * few thousand rows; a query over a million meters has a plan cost past
     * jit_above_cost, and compiling it took longer (about 9 ms a call, JIT
     * "Emission") than the call saved.
     */
    memset(pc->prepared, 0, sizeof pc->prepared);
    return pg_simple(pc, relaxed ? "SET synchronous_commit = off; " SESSION_REST
                                 : "SET synchronous_commit = on; " SESSION_REST);
}

int pg_connect(struct pg_conn *pc, const char *conninfo, int relaxed, char *err, size_t cap)
{
    memset(pc->prepared, 0, sizeof pc->prepared);
    pc->c = PQconnectdb(conninfo);
    if (!pc->c || PQstatus(pc->c) != CONNECTION_OK) {
        if (err && cap) {
            const char *why = pc->c ? PQerrorMessage(pc->c) : "out of memory";
            size_t len = strcspn(why, "\n");
            snprintf(err, cap, "cannot connect to PostgreSQL: %.*s", (int)len, why);
        }
        pg_disconnect(pc);
        return MH_EIO;
    }
    int rc = session_setup(pc, relaxed);
    if (rc < 0) {
        if (err && cap)
            snprintf(err, cap, "PostgreSQL session setup: %s", PQerrorMessage(pc->c));
        pg_disconnect(pc);
    }
    return rc;
}

int pg_reconnect(struct pg_conn *pc, int relaxed)
{
    PQreset(pc->c);
    if (PQstatus(pc->c) != CONNECTION_OK)
        return MH_EIO;
    return session_setup(pc, relaxed);
}

void pg_disconnect(struct pg_conn *pc)
{
    if (pc->c)
        PQfinish(pc->c);
    pc->c = NULL;
    memset(pc->prepared, 0, sizeof pc->prepared);
}

int pg_lost(const struct pg_conn *pc)
{
    return !pc->c || PQstatus(pc->c) != CONNECTION_OK;
}

struct pg_conn *pg_acquire(struct store_be *be)
{
    pthread_mutex_lock(&be->mu);
    for (;;) {
        for (int i = 0; i < PG_POOL_SIZE; i++) {
            if (be->busy[i])
                continue;
            be->busy[i] = 1;
            pthread_mutex_unlock(&be->mu);
            struct pg_conn *pc = &be->pool[i];
            if (pg_lost(pc) && pg_reconnect(pc, be->relaxed) < 0)
                mh_warn("store", "postgres: reconnecting: %s", PQerrorMessage(pc->c));
            return pc;
        }
        pthread_cond_wait(&be->cv, &be->mu);
    }
}

void pg_release(struct store_be *be, struct pg_conn *pc)
{
    pthread_mutex_lock(&be->mu);
    be->busy[pc - be->pool] = 0;
    pthread_cond_signal(&be->cv);
    pthread_mutex_unlock(&be->mu);
}

void pp_i64(struct pg_params *p, int64_t x)
{
    snprintf(p->buf[p->n], sizeof p->buf[p->n], "%" PRId64, x);
    p->v[p->n] = p->buf[p->n];
    p->n++;
}

void pp_text(struct pg_params *p, const char *s)
{
    p->v[p->n++] = s;
}

PGresult *pg_exec(struct pg_conn *pc, enum pg_query q, const struct pg_params *p)
{
    char name[16];
    snprintf(name, sizeof name, "mh%d", (int)q);
    if (!(pc->prepared[q / 8] & (1u << (q % 8)))) {
        PGresult *r = PQprepare(pc->c, name, pg_sql(q), 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            return r; /* the caller reports it */
        PQclear(r);
        pc->prepared[q / 8] |= (uint8_t)(1u << (q % 8));
    }
    return PQexecPrepared(pc->c, name, p ? p->n : 0, p ? p->v : NULL, NULL, NULL, 0);
}

int pg_check(struct pg_conn *pc, const PGresult *res, const char *what)
{
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return 0;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    int rc = MH_EIO;
    for (size_t i = 0; state && i < sizeof sqlstate_class / sizeof sqlstate_class[0]; i++)
        if (strncmp(state, sqlstate_class[i].cls, 2) == 0)
            rc = sqlstate_class[i].rc;
    const char *msg = PQresultErrorMessage(res);
    if (!msg || !*msg)
        msg = PQerrorMessage(pc->c);
    mh_warn("store", "postgres: %s: [%s] %.*s", what, state ? state : "-", (int)strcspn(msg, "\n"),
            msg);
    return rc;
}

int pg_simple(struct pg_conn *pc, const char *sql)
{
    PGresult *r = PQexec(pc->c, sql);
    int rc = pg_check(pc, r, sql);
    PQclear(r);
    return rc;
}

int64_t pg_i64(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

int64_t pg_changed(const PGresult *res)
{
    return strtoll(PQcmdTuples((PGresult *)res), NULL, 10);
}

int pg_one(struct store_be *be, enum pg_query q, const struct pg_params *p,
           int (*rows)(void *ctx, const PGresult *res), void *ctx)
{
    struct pg_conn *pc = pg_acquire(be);
    int rc = MH_EIO;
    for (int attempt = 0; attempt < 2; attempt++) {
        PGresult *r = pg_exec(pc, q, p);
        rc = pg_check(pc, r, "query");
        if (rc == 0 && rows)
            rc = rows(ctx, r);
        PQclear(r);
        /* A statement outside a transaction is safe to run again on a new connection. */
        if (rc == 0 || !pg_lost(pc) || pg_reconnect(pc, be->relaxed) < 0)
            break;
    }
    pg_release(be, pc);
    return rc;
}
