/* SPDX-License-Identifier: MIT */
/* Private interface of the SQLite backend, for store.c, its migrations and its tests. */
#ifndef MFAD_STORE_SQLITE_H
#define MFAD_STORE_SQLITE_H

#include <sqlite3.h>

#include "store/store.h"

/*
 * Oldest SQLite library the backend runs on: STRICT tables need 3.37.0 and
 * RETURNING needs 3.35.0.
 */
#define STORE_SQLITE_VERSION_MIN 3037000

#define STORE_SQLITE_BUSY_TIMEOUT_MS 5000 /* busy timeout when the options give none */

/* One schema step. Versions start at 1 and go up by one per step. */
struct store_sqlite_migration {
	int version;
	const char *sql; /* one or more statements */
};

extern const struct store_sqlite_migration store_sqlite_migrations[];
extern const size_t store_sqlite_migration_count;

/*
 * Open the SQLite database at path (created with mode 0600 when missing),
 * set its pragmas, migrate it and prepare every statement. Returns STORE_OK
 * or STORE_ERROR and logs why.
 */
int store_sqlite_open(const char *path, const struct store_options *opt, struct store **ret);

/*
 * Apply the steps newer than the database's PRAGMA user_version, each in
 * its own BEGIN IMMEDIATE transaction together with the version bump.
 * Rejects a database newer than the last step. Returns STORE_OK or
 * STORE_ERROR and logs why.
 */
int store_sqlite_migrate(sqlite3 *db, const struct store_sqlite_migration *steps, size_t count);

/* The version of the last migration step. */
int store_sqlite_schema_latest(void);

/*
 * The connection of an SQLite store, so tests and tools can read its
 * pragmas. Returns NULL when st is another backend.
 */
sqlite3 *store_sqlite_db(struct store *st);

#endif
