/*
 * Schema migrations, one per version, as SQL text embedded at build time
 * from src/store/schema/<backend>/NNN_name.sql (embed.cmake). Version N
 * turns a database at version N - 1 into version N; they are applied in
 * order, each in its own transaction together with its schema_version row.
 * A released migration is never edited: a change is a new file.
 */
#ifndef MH_STORE_SCHEMA_H
#define MH_STORE_SCHEMA_H

#include <stddef.h>

struct store_migration {
    int version;
    const char *name;
    const char *sql;
};

/* Ascending by version, 1..n with no gap (embed.cmake checks). */
extern const struct store_migration store_sqlite_migrations[];
extern const size_t store_sqlite_migrations_n;
extern const struct store_migration store_postgres_migrations[];
extern const size_t store_postgres_migrations_n;

#endif
