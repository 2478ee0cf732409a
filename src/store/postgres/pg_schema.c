/*
 * PostgreSQL backend: the schema and its migrations.
 *
 * meterhub's tables live in the connection's current schema (the first of
 * search_path that exists, normally "public"); a URI can name another with
 * options=-csearch_path%3Dname, and meterhub creates that schema when it
 * does not exist yet (the role needs CREATE on the database for that).
 *
 * Migrations are src/store/schema/postgres/NNN_name.sql (the same
 * versioning as SQLite's): each missing step runs in its own transaction
 * with its schema_version row, under a transaction-scoped advisory lock so
 * that two processes opening one new database do not both migrate it. A
 * database whose version is newer than this build is refused with
 * MH_ENOTSUP and left untouched; a schema with other tables and no
 * schema_version is refused as not a meterhub store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterhub/base/err.h"
#include "meterhub/base/log.h"
#include "pg_int.h"
#include "schema.h"

#define MIGRATION_LOCK 0x4D485542 /* "MHUB" */

static int say(char *err, size_t cap, int rc, const char *what, PGconn *c)
{
    if (err && cap) {
        const char *why = PQerrorMessage(c);
        snprintf(err, cap, "%s: %.*s", what, (int)strcspn(why, "\n"), why);
    }
    return rc;
}

/* One integer (0 when NULL or no row) from sql, or MH_E*. */
static int query_int(struct pg_conn *pc, const char *sql, int64_t *out)
{
    PGresult *r = PQexec(pc->c, sql);
    int rc = pg_check(pc, r, sql);
    *out = rc == 0 && PQntuples(r) > 0 ? pg_i64(r, 0, 0) : 0;
    PQclear(r);
    return rc;
}

/* Create the schema search_path names first when none of it exists. */
static int ensure_schema(struct pg_conn *pc, char *err, size_t cap)
{
    PGresult *r = PQexec(pc->c, "SELECT current_schema() IS NULL, current_setting('search_path')");
    int rc = pg_check(pc, r, "current_schema");
    if (rc < 0) {
        PQclear(r);
        return say(err, cap, rc, "reading the schema", pc->c);
    }
    char name[128] = "";
    if (PQgetvalue(r, 0, 0)[0] == 't') {
        const char *path = PQgetvalue(r, 0, 1);
        size_t len = strcspn(path, ",");
        while (len && path[len - 1] == ' ')
            len--;
        if (len >= 2 && path[0] == '"' && path[len - 1] == '"') {
            path++;
            len -= 2;
        }
        snprintf(name, sizeof name, "%.*s", (int)len, path);
        if (strcmp(name, "$user") == 0)
            snprintf(name, sizeof name, "%s", PQuser(pc->c));
    }
    PQclear(r);
    if (!name[0])
        return 0;
    char *id = PQescapeIdentifier(pc->c, name, strlen(name));
    if (!id)
        return say(err, cap, MH_ENOMEM, "schema name", pc->c);
    char sql[320];
    snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS %s", id);
    PQfreemem(id);
    rc = pg_simple(pc, sql);
    if (rc < 0)
        return say(err, cap, rc, "creating the schema", pc->c);
    mh_info("store", "postgres: created schema %s", name);
    return 0;
}

/* The schema's version (0: empty), in the migration transaction; MH_ENOTSUP if foreign. */
static int current_version(struct pg_conn *pc, int *version)
{
    int64_t has, tables, v = 0;
    int rc = query_int(pc, "SELECT (to_regclass(quote_ident(current_schema()) || '.schema_version')"
                          " IS NOT NULL)::int", &has);
    if (rc == 0)
        rc = query_int(pc,
                       "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                       " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')",
                       &tables);
    if (rc < 0)
        return rc;
    if (!has)
        return tables ? MH_ENOTSUP : (*version = 0, 0);
    rc = query_int(pc, "SELECT max(version) FROM schema_version", &v);
    *version = (int)v;
    return rc;
}

int pg_migrate(struct pg_conn *pc, int *version, char *err, size_t cap)
{
    int latest = (int)store_postgres_migrations_n;
    int rc = ensure_schema(pc, err, cap);
    if (rc < 0)
        return rc;
    for (;;) {
        char text[192];
        snprintf(text, sizeof text, "BEGIN; SELECT pg_advisory_xact_lock(%d)", MIGRATION_LOCK);
        int v = 0;
        rc = pg_simple(pc, text);
        if (rc < 0)
            return say(err, cap, rc, "cannot lock the schema", pc->c);
        rc = current_version(pc, &v);
        if (rc == MH_ENOTSUP || v > latest) {
            pg_simple(pc, "ROLLBACK");
            if (err && cap && rc == MH_ENOTSUP)
                snprintf(err, cap, "not a meterhub store (the schema has other tables)");
            else if (err && cap)
                snprintf(err, cap,
                         "schema version %d is newer than this meterhub knows (%d): "
                         "upgrade meterhub, the database is left untouched",
                         v, latest);
            return MH_ENOTSUP;
        }
        if (rc < 0) {
            pg_simple(pc, "ROLLBACK");
            return say(err, cap, rc, "reading the schema version", pc->c);
        }
        if (v >= latest) {
            *version = v;
            return pg_simple(pc, "COMMIT") < 0 ? say(err, cap, MH_EIO, "commit", pc->c) : 0;
        }
        const struct store_migration *m = &store_postgres_migrations[v];
        if (v == 0)
            rc = pg_simple(pc, "CREATE TABLE schema_version (version integer PRIMARY KEY,"
                               " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        if (rc == 0)
            rc = pg_simple(pc, m->sql);
        if (rc == 0) {
            snprintf(text, sizeof text, "INSERT INTO schema_version (version, name) VALUES (%d, '%s')",
                     m->version, m->name);
            rc = pg_simple(pc, text);
        }
        if (rc == 0)
            rc = pg_simple(pc, "COMMIT");
        if (rc < 0) {
            snprintf(text, sizeof text, "migration %d (%s)", m->version, m->name);
            say(err, cap, rc, text, pc->c);
            pg_simple(pc, "ROLLBACK");
            return rc;
        }
        mh_info("store", "postgres: schema migrated to version %d (%s)", m->version, m->name);
    }
}
