/* SPDX-License-Identifier: MIT */
/* Tests of the SQLite store backend against real database files. */
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "store/store.h"
#include "store/store_sqlite.h"

#define T_NOW 1700000000 /* fixed Unix time for created and expiry fields */
#define T_THREADS 8      /* handles racing for one TOTP step */
#define T_ROUNDS 5       /* races per parallel test */

struct t_db {
	char path[PATH_MAX];
	struct store *st;
};

static const char *
t_tmpdir(void)
{
	const char *dir = getenv("MFA_TEST_TMPDIR");

	return dir != NULL && dir[0] != '\0' ? dir : "/tmp";
}

static void
t_unlink_db(const char *path)
{
	char side[PATH_MAX + 8];

	unlink(path);
	if (snprintf(side, sizeof(side), "%s-wal", path) < (int)sizeof(side))
		unlink(side);
	if (snprintf(side, sizeof(side), "%s-shm", path) < (int)sizeof(side))
		unlink(side);
}

/* Give each test its own fresh file and an open handle on it. */
static int
t_setup(void **state)
{
	static unsigned counter;
	struct t_db *db = calloc(1, sizeof(*db));

	if (db == NULL)
		return -1;
	snprintf(db->path, sizeof(db->path), "%s/test_store_sqlite-%ld-%u.db", t_tmpdir(),
	    (long)getpid(), counter++);
	t_unlink_db(db->path);
	if (store_open(db->path, NULL, &db->st) != STORE_OK) {
		free(db);
		return -1;
	}
	*state = db;
	return 0;
}

static int
t_teardown(void **state)
{
	struct t_db *db = *state;

	store_close(&db->st);
	t_unlink_db(db->path);
	free(db);
	return 0;
}

static int64_t
t_account(struct store *st, const char *alias)
{
	struct store_account a = { .created = T_NOW };

	snprintf(a.alias, sizeof(a.alias), "%s", alias);
	assert_int_equal(st->ops->account_create(st, &a), STORE_OK);
	assert_true(a.id > 0);
	return a.id;
}

static int
t_user_try(struct store *st, int64_t account_id, const char *name, int is_owner, int64_t *ret_id)
{
	struct store_user u = {
		.account_id = account_id, .is_owner = is_owner, .created = T_NOW, .updated = T_NOW,
	};
	int r;

	snprintf(u.name, sizeof(u.name), "%s", name);
	snprintf(u.display_name, sizeof(u.display_name), "Display %s", name);
	r = st->ops->user_create(st, &u);
	if (r == STORE_OK && ret_id != NULL)
		*ret_id = u.id;
	return r;
}

static int64_t
t_user(struct store *st, int64_t account_id, const char *name, int is_owner)
{
	int64_t id = 0;

	assert_int_equal(t_user_try(st, account_id, name, is_owner, &id), STORE_OK);
	assert_true(id > 0);
	return id;
}

static void
t_device_init(struct store_mfa_device *d, int64_t user_id, const char *serial)
{
	memset(d, 0, sizeof(*d));
	d->user_id = user_id;
	snprintf(d->serial, sizeof(d->serial), "%s", serial);
	for (size_t i = 0; i < 60; i++)
		d->secret_enc[i] = (uint8_t)(i * 7 + 1);
	d->secret_enc_len = 60;
	d->algorithm = 1;
	d->digits = 6;
	d->period = 30;
	d->last_step = -1;
	d->created = T_NOW;
}

/* Create and bind a device whose last accepted step is last_step. */
static int64_t
t_bound_device(struct store *st, int64_t user_id, const char *serial, int64_t last_step)
{
	struct store_mfa_device d;

	t_device_init(&d, user_id, serial);
	assert_int_equal(st->ops->mfa_device_create(st, &d), STORE_OK);
	assert_int_equal(st->ops->mfa_device_bind(st, d.id, last_step, T_NOW), STORE_OK);
	return d.id;
}

static void
t_hash(uint8_t hash[STORE_TOKEN_HASH_LEN], uint8_t seed)
{
	for (size_t i = 0; i < STORE_TOKEN_HASH_LEN; i++)
		hash[i] = (uint8_t)(seed + i);
}

static void
t_session_init(struct store_session *s, int64_t user_id, uint8_t seed, int64_t expires)
{
	memset(s, 0, sizeof(*s));
	t_hash(s->token_hash, seed);
	s->user_id = user_id;
	s->scope = SESSION_SCOPE_FULL;
	s->factors = FACTOR_PASSWORD | FACTOR_TOTP;
	s->created = T_NOW;
	s->expires = expires;
	s->last_seen = T_NOW;
	s->mfa_at = T_NOW;
	snprintf(s->public_id, sizeof(s->public_id), "%032x", (unsigned)seed);
}

static void
t_challenge_init(struct store_challenge *c, int64_t user_id, uint8_t seed, int64_t expires)
{
	memset(c, 0, sizeof(*c));
	t_hash(c->id_hash, seed);
	c->user_id = user_id;
	c->kind = CHALLENGE_MFA;
	c->created = T_NOW;
	c->expires = expires;
}

static void
t_failure_init(struct store_failure *f, const char *principal, int failures,
    int64_t locked_until, int64_t last_failure)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->principal, sizeof(f->principal), "%s", principal);
	f->failures = failures;
	f->locked_until = locked_until;
	f->last_failure = last_failure;
}

/* Run one SQL query on the raw connection and return its integer result. */
static int64_t
t_sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static void
t_sql_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *stmt = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	snprintf(buf, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
}

/* Open and settings */

static void
test_pragmas_default(void **state)
{
	struct t_db *db = *state;
	sqlite3 *raw = store_sqlite_db(db->st);
	char mode[16];

	assert_non_null(raw);
	t_sql_text(raw, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "wal");
	assert_int_equal(t_sql_int(raw, "PRAGMA synchronous"), 2);
	assert_int_equal(t_sql_int(raw, "PRAGMA foreign_keys"), 1);
	assert_int_equal(t_sql_int(raw, "PRAGMA busy_timeout"), STORE_SQLITE_BUSY_TIMEOUT_MS);
	assert_string_equal(db->st->ops->name, "sqlite");
}

static void
test_pragmas_from_options(void **state)
{
	struct t_db *db = *state;
	struct store_options opt = { .synchronous_full = 0, .busy_timeout_ms = 1234 };
	struct store *st = NULL;
	sqlite3 *raw;

	assert_int_equal(store_open(db->path, &opt, &st), STORE_OK);
	raw = store_sqlite_db(st);
	assert_int_equal(t_sql_int(raw, "PRAGMA synchronous"), 1);
	assert_int_equal(t_sql_int(raw, "PRAGMA busy_timeout"), 1234);
	store_close(&st);
	assert_null(st);

	opt.synchronous_full = 1;
	assert_int_equal(store_open(db->path, &opt, &st), STORE_OK);
	assert_int_equal(t_sql_int(store_sqlite_db(st), "PRAGMA synchronous"), 2);
	store_close(&st);
}

static void
test_file_mode_0600(void **state)
{
	struct t_db *db = *state;
	char wal[PATH_MAX + 8];
	struct stat sb;

	/* A committed write makes sure the -wal file exists. */
	t_account(db->st, "modes");
	assert_int_equal(stat(db->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(wal, sizeof(wal), "%s-wal", db->path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

/*
 * Run this test program again as another process (exec'd, because SQLite's
 * locks do not survive a fork) with --child-write or --child-read on path,
 * and return its exit status.
 */
static int
t_run_child(const char *mode, const char *path)
{
	pid_t child;
	int status = -1;

	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		execl("/proc/self/exe", "test_store_sqlite", mode, path, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The child's side of t_run_child: write an account, or read the parent's one. */
static int
t_child_main(const char *mode, const char *path)
{
	struct store_account a = { .created = T_NOW };
	struct store *st = NULL;
	int ok;

	log_init(NULL, LOG_LEVEL_ERROR);
	if (store_open(path, NULL, &st) != STORE_OK)
		return 1;
	snprintf(a.alias, sizeof(a.alias), "child");
	if (strcmp(mode, "--child-write") == 0)
		ok = st->ops->account_create(st, &a) == STORE_OK;
	else
		ok = st->ops->account_get_by_alias(st, "second", &a) == STORE_OK;
	store_close(&st);
	return ok ? 0 : 1;
}

/*
 * A second handle opened in this process keeps the first handle's locks.
 * Another process that writes and closes must then leave the WAL in place,
 * and a later write of this process must be visible to other processes.
 */
static void
test_second_handle_keeps_locks(void **state)
{
	struct t_db *db = *state;
	struct store *second = NULL;
	char wal[PATH_MAX + 8];
	struct stat sb;

	t_account(db->st, "first");
	assert_int_equal(store_open(db->path, NULL, &second), STORE_OK);

	/* Its close deletes the WAL when it finds no other process using the file. */
	assert_int_equal(t_run_child("--child-write", db->path), 0);
	snprintf(wal, sizeof(wal), "%s-wal", db->path);
	assert_int_equal(stat(wal, &sb), 0);

	t_account(second, "second");
	assert_int_equal(t_run_child("--child-read", db->path), 0);
	store_close(&second);
}

/*
 * Handles on one file share one writer connection. A transaction on one
 * handle reads what another committed, and closing a handle rolls back its
 * open transaction and frees its write lock.
 */
static void
test_handles_share_writer(void **state)
{
	struct store_options opt = { .synchronous_full = 1, .busy_timeout_ms = 300 };
	struct t_db *db = *state;
	struct store *second = NULL;
	struct store_account a;

	assert_int_equal(store_open(db->path, &opt, &second), STORE_OK);
	assert_int_equal(store_begin(db->st), STORE_OK);
	t_account(db->st, "first");
	assert_int_equal(store_commit(db->st), STORE_OK);

	assert_int_equal(store_begin(second), STORE_OK);
	assert_int_equal(second->ops->account_get_by_alias(second, "first", &a), STORE_OK);
	t_account(second, "second");
	assert_int_equal(store_commit(second), STORE_OK);
	assert_int_equal(db->st->ops->account_get_by_alias(db->st, "second", &a), STORE_OK);

	assert_int_equal(store_begin(second), STORE_OK);
	t_account(second, "dropped");
	store_close(&second);
	assert_int_equal(store_begin(db->st), STORE_OK);
	assert_int_equal(db->st->ops->account_get_by_alias(db->st, "dropped", &a),
	    STORE_NOT_FOUND);
	assert_int_equal(store_rollback(db->st), STORE_OK);
}

/* A write transaction on one file does not hold up one on another file. */
static void
test_write_lock_per_file(void **state)
{
	struct store_options opt = { .synchronous_full = 1, .busy_timeout_ms = 300 };
	struct t_db *db = *state;
	struct store *other = NULL;
	char path[PATH_MAX + 8];

	snprintf(path, sizeof(path), "%s-other", db->path);
	t_unlink_db(path);
	assert_int_equal(store_open(path, &opt, &other), STORE_OK);

	assert_int_equal(store_begin(db->st), STORE_OK);
	assert_int_equal(store_begin(other), STORE_OK);
	t_account(other, "other");
	assert_int_equal(store_commit(other), STORE_OK);
	assert_int_equal(store_rollback(db->st), STORE_OK);

	store_close(&other);
	t_unlink_db(path);
}

static void
test_open_url_forms(void **state)
{
	struct t_db *db = *state;
	char url[PATH_MAX + 16];
	struct store *st = NULL;

	snprintf(url, sizeof(url), "sqlite:%s", db->path);
	assert_int_equal(store_open(url, NULL, &st), STORE_OK);
	store_close(&st);

	assert_int_equal(store_open("postgres://user:secret@host/db", NULL, &st), STORE_ERROR);
	assert_null(st);
	assert_int_equal(store_open("sqlite:", NULL, &st), STORE_ERROR);
	assert_int_equal(store_open("", NULL, &st), STORE_ERROR);
	assert_int_equal(store_open("/nonexistent-dir/x/y.db", NULL, &st), STORE_ERROR);
	assert_null(st);
	store_close(&st);
	store_close(NULL);
}

/* Migrations */

static void
test_migrate_fresh_and_reopen(void **state)
{
	struct t_db *db = *state;
	struct store_account a;
	int version = -1;

	assert_true(store_schema_latest() >= 1);
	assert_int_equal(db->st->ops->schema_version(db->st, &version), STORE_OK);
	assert_int_equal(version, store_schema_latest());
	t_account(db->st, "kept");
	store_close(&db->st);

	assert_int_equal(store_open(db->path, NULL, &db->st), STORE_OK);
	assert_int_equal(db->st->ops->schema_version(db->st, &version), STORE_OK);
	assert_int_equal(version, store_schema_latest());
	assert_int_equal(db->st->ops->account_get_by_alias(db->st, "kept", &a), STORE_OK);
	assert_int_equal(t_sql_int(store_sqlite_db(db->st),
	    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"),
	    19);
}

static void
test_migrate_newer_rejected(void **state)
{
	struct t_db *db = *state;
	char sql[64];
	struct store *st = NULL;

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", store_schema_latest() + 1);
	assert_int_equal(sqlite3_exec(store_sqlite_db(db->st), sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_open(db->path, NULL, &st), STORE_ERROR);
	assert_null(st);
}

/* A failing step leaves the version and schema of the step before it. */
static void
test_migrate_failed_step_rolls_back(void **state)
{
	static const struct store_sqlite_migration bad[] = {
		{ 1, "CREATE TABLE a (x INTEGER)" },
		{ 2, "CREATE TABLE b (x INTEGER); INSERT INTO no_such_table VALUES (1)" },
	};
	static const struct store_sqlite_migration good[] = {
		{ 1, "CREATE TABLE a (x INTEGER)" },
		{ 2, "CREATE TABLE b (x INTEGER)" },
	};
	static const struct store_sqlite_migration gap[] = {
		{ 1, "CREATE TABLE a (x INTEGER)" },
		{ 3, "CREATE TABLE c (x INTEGER)" },
	};
	struct t_db *db = *state;
	char path[PATH_MAX + 8];
	sqlite3 *raw = NULL;

	snprintf(path, sizeof(path), "%s-raw", db->path);
	t_unlink_db(path);
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);

	assert_int_equal(store_sqlite_migrate(raw, bad, 2), STORE_ERROR);
	assert_int_equal(t_sql_int(raw, "PRAGMA user_version"), 1);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM sqlite_schema WHERE name = 'a'"), 1);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM sqlite_schema WHERE name = 'b'"), 0);

	assert_int_equal(store_sqlite_migrate(raw, good, 2), STORE_OK);
	assert_int_equal(t_sql_int(raw, "PRAGMA user_version"), 2);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM sqlite_schema WHERE name = 'b'"), 1);
	assert_int_equal(store_sqlite_migrate(raw, good, 2), STORE_OK);
	assert_int_equal(store_sqlite_migrate(raw, gap, 2), STORE_ERROR);

	sqlite3_close(raw);
	t_unlink_db(path);
}

/* Accounts and users */

static void
test_account_alias_conflict(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	struct store_account a = { .created = T_NOW };
	struct store_account got;
	int64_t count = -1;
	int64_t id;

	id = t_account(st, "Acme");
	snprintf(a.alias, sizeof(a.alias), "aCME");
	assert_int_equal(st->ops->account_create(st, &a), STORE_CONFLICT);

	assert_int_equal(st->ops->account_get_by_alias(st, "ACME", &got), STORE_OK);
	assert_int_equal(got.id, id);
	assert_string_equal(got.alias, "Acme");
	assert_int_equal(got.created, T_NOW);
	assert_int_equal(st->ops->account_get(st, id, &got), STORE_OK);
	assert_string_equal(got.alias, "Acme");
	assert_int_equal(st->ops->account_get_by_alias(st, "other", &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->account_get(st, id + 100, &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->account_count(st, &count), STORE_OK);
	assert_int_equal(count, 1);
}

static void
test_user_name_conflict(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	struct store_user got;
	int64_t a1 = t_account(st, "one");
	int64_t a2 = t_account(st, "two");
	int64_t alice = t_user(st, a1, "Alice", 0);

	assert_int_equal(t_user_try(st, a1, "alice", 0, NULL), STORE_CONFLICT);
	assert_int_equal(t_user_try(st, a1, "ALICE", 0, NULL), STORE_CONFLICT);
	t_user(st, a2, "alice", 0);

	assert_int_equal(st->ops->user_get_by_name(st, a1, "aLiCe", &got), STORE_OK);
	assert_int_equal(got.id, alice);
	assert_int_equal(got.account_id, a1);
	assert_string_equal(got.name, "Alice");
	assert_string_equal(got.display_name, "Display Alice");
	assert_int_equal(got.is_owner, 0);
	assert_int_equal(st->ops->user_get_by_name(st, a1, "bob", &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->user_get(st, alice + 100, &got), STORE_NOT_FOUND);
}

static void
test_user_one_owner(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	struct store_user got;
	int64_t a1 = t_account(st, "one");
	int64_t a2 = t_account(st, "two");
	int64_t owner;

	assert_int_equal(st->ops->user_get_owner(st, a1, &got), STORE_NOT_FOUND);
	owner = t_user(st, a1, "root", 1);
	assert_int_equal(t_user_try(st, a1, "root2", 1, NULL), STORE_CONFLICT);
	t_user(st, a2, "root", 1);
	t_user(st, a1, "plain", 0);

	assert_int_equal(st->ops->user_get_owner(st, a1, &got), STORE_OK);
	assert_int_equal(got.id, owner);
	assert_int_equal(got.is_owner, 1);
}

static void
test_user_update(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	struct store_user u;
	int64_t a1 = t_account(st, "one");
	int64_t bob = t_user(st, a1, "bob", 0);

	t_user(st, a1, "carol", 0);
	assert_int_equal(st->ops->user_get(st, bob, &u), STORE_OK);

	snprintf(u.name, sizeof(u.name), "CAROL");
	assert_int_equal(st->ops->user_update(st, &u), STORE_CONFLICT);

	snprintf(u.name, sizeof(u.name), "Robert");
	snprintf(u.display_name, sizeof(u.display_name), "Robert B.");
	u.updated = T_NOW + 5;
	assert_int_equal(st->ops->user_update(st, &u), STORE_OK);
	memset(&u, 0, sizeof(u));
	assert_int_equal(st->ops->user_get(st, bob, &u), STORE_OK);
	assert_string_equal(u.name, "Robert");
	assert_string_equal(u.display_name, "Robert B.");
	assert_int_equal(u.updated, T_NOW + 5);
	assert_int_equal(u.created, T_NOW);

	u.id = bob + 100;
	assert_int_equal(st->ops->user_update(st, &u), STORE_NOT_FOUND);
}

/* A struct field without a NUL must be rejected, not read past. */
static void
test_user_unterminated_field(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	struct store_user u = { .account_id = t_account(st, "one"), .created = T_NOW };

	memset(u.name, 'x', sizeof(u.name));
	assert_int_equal(st->ops->user_create(st, &u), STORE_ERROR);
}

/* A stored value longer than its field is an error, never a cut. */
static void
test_overlong_value_rejected(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	char sql[256];
	struct store_account got;

	memset(&got, 0x5a, sizeof(got));
	snprintf(sql, sizeof(sql), "INSERT INTO accounts (alias, created) VALUES ('%0*d', 1)",
	    STORE_ALIAS_MAX + 1, 7);
	assert_int_equal(sqlite3_exec(store_sqlite_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(st->ops->account_get(st, 1, &got), STORE_ERROR);
	/* The output stays untouched on failure. */
	assert_int_equal(got.alias[0], 0x5a);
}

struct t_names {
	char names[8][STORE_NAME_MAX + 1];
	int count;
	int stop_after; /* 0: never stop */
};

static int
t_collect_user(void *arg, const struct store_user *user)
{
	struct t_names *n = arg;

	snprintf(n->names[n->count], sizeof(n->names[0]), "%s", user->name);
	n->count++;
	return n->stop_after != 0 && n->count >= n->stop_after;
}

static void
t_list_users(struct store *st, int64_t account_id, const char *after, int limit,
    struct t_names *n)
{
	memset(n, 0, sizeof(*n));
	assert_int_equal(st->ops->user_list(st, account_id, after, limit, t_collect_user, n),
	    STORE_OK);
}

static void
test_user_list_paging(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t a1 = t_account(st, "one");
	int64_t a2 = t_account(st, "two");
	struct t_names n;

	t_user(st, a1, "Zed", 1);
	t_user(st, a1, "carol", 0);
	t_user(st, a1, "bob", 0);
	t_user(st, a1, "eve", 0);
	t_user(st, a1, "Dave", 0);
	t_user(st, a1, "Alice", 0);
	t_user(st, a2, "aaron", 0);

	t_list_users(st, a1, NULL, 2, &n);
	assert_int_equal(n.count, 2);
	assert_string_equal(n.names[0], "Alice");
	assert_string_equal(n.names[1], "bob");

	t_list_users(st, a1, "bob", 2, &n);
	assert_int_equal(n.count, 2);
	assert_string_equal(n.names[0], "carol");
	assert_string_equal(n.names[1], "Dave");

	t_list_users(st, a1, "Dave", 2, &n);
	assert_int_equal(n.count, 1);
	assert_string_equal(n.names[0], "eve");

	t_list_users(st, a1, "eve", 2, &n);
	assert_int_equal(n.count, 0);

	/* The owner is never listed, and "" starts from the beginning. */
	t_list_users(st, a1, "", 100, &n);
	assert_int_equal(n.count, 5);
	assert_string_equal(n.names[4], "eve");

	memset(&n, 0, sizeof(n));
	n.stop_after = 1;
	assert_int_equal(st->ops->user_list(st, a1, NULL, 100, t_collect_user, &n), STORE_OK);
	assert_int_equal(n.count, 1);

	assert_int_equal(st->ops->user_list(st, a1, NULL, 0, t_collect_user, &n), STORE_ERROR);
}

/* Cascades */

static void
test_user_delete_cascades(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	sqlite3 *raw = store_sqlite_db(st);
	int64_t a1 = t_account(st, "one");
	int64_t deleted = t_user(st, a1, "deleted", 0);
	int64_t other = t_user(st, a1, "other", 0);
	struct store_login_profile lp = {
		.user_id = deleted, .password_hash = "$argon2id$v=19$stub", .created = T_NOW,
	};
	struct store_session ses;
	struct store_challenge ch;
	struct store_mfa_device dev;

	assert_int_equal(st->ops->login_profile_create(st, &lp), STORE_OK);
	t_bound_device(st, deleted, "arn:mfa/deleted", 10);
	t_session_init(&ses, deleted, 1, T_NOW + 3600);
	assert_int_equal(st->ops->session_create(st, &ses), STORE_OK);
	t_session_init(&ses, deleted, 2, T_NOW + 3600);
	assert_int_equal(st->ops->session_create(st, &ses), STORE_OK);
	t_session_init(&ses, other, 3, T_NOW + 3600);
	assert_int_equal(st->ops->session_create(st, &ses), STORE_OK);
	t_challenge_init(&ch, deleted, 4, T_NOW + 300);
	assert_int_equal(st->ops->challenge_create(st, &ch), STORE_OK);

	assert_int_equal(st->ops->user_delete(st, deleted), STORE_OK);
	assert_int_equal(st->ops->user_delete(st, deleted), STORE_NOT_FOUND);

	assert_int_equal(st->ops->login_profile_get(st, deleted, &lp), STORE_NOT_FOUND);
	assert_int_equal(st->ops->mfa_device_get_by_user(st, deleted, &dev), STORE_NOT_FOUND);
	assert_int_equal(st->ops->challenge_get(st, ch.id_hash, &ch), STORE_NOT_FOUND);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM login_profiles"), 0);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM mfa_devices"), 0);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM challenges"), 0);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM sessions"), 1);
	assert_int_equal(st->ops->session_get(st, ses.token_hash, &ses), STORE_OK);
}

static void
test_account_delete_cascades(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	sqlite3 *raw = store_sqlite_db(st);
	int64_t a1 = t_account(st, "one");
	int64_t a2 = t_account(st, "two");
	int64_t u1 = t_user(st, a1, "u1", 1);
	struct store_session ses;
	int64_t count = 0;

	t_user(st, a2, "u2", 1);
	t_bound_device(st, u1, "arn:mfa/u1", 10);
	t_session_init(&ses, u1, 1, T_NOW + 3600);
	assert_int_equal(st->ops->session_create(st, &ses), STORE_OK);

	assert_int_equal(st->ops->account_delete(st, a1), STORE_OK);
	assert_int_equal(st->ops->account_delete(st, a1), STORE_NOT_FOUND);
	assert_int_equal(st->ops->account_count(st, &count), STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM users"), 1);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM mfa_devices"), 0);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM sessions"), 0);
}

/* Login profiles */

static void
test_login_profile_crud(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	struct store_login_profile lp = {
		.user_id = u, .password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA",
		.reset_required = 1, .mfa_bind_required = 1, .password_changed = T_NOW,
		.created = T_NOW, .updated = T_NOW,
	};
	struct store_login_profile got;

	assert_int_equal(st->ops->login_profile_get(st, u, &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->login_profile_create(st, &lp), STORE_OK);
	assert_int_equal(st->ops->login_profile_create(st, &lp), STORE_CONFLICT);
	assert_int_equal(st->ops->login_profile_get(st, u, &got), STORE_OK);
	assert_memory_equal(&got, &lp, sizeof(got));

	snprintf(lp.password_hash, sizeof(lp.password_hash), "$argon2id$v=19$new");
	lp.reset_required = 0;
	lp.mfa_bind_required = 0;
	lp.password_changed = T_NOW + 10;
	lp.updated = T_NOW + 10;
	assert_int_equal(st->ops->login_profile_update(st, &lp), STORE_OK);
	assert_int_equal(st->ops->login_profile_get(st, u, &got), STORE_OK);
	assert_string_equal(got.password_hash, "$argon2id$v=19$new");
	assert_int_equal(got.reset_required, 0);
	assert_int_equal(got.mfa_bind_required, 0);
	assert_int_equal(got.password_changed, T_NOW + 10);
	assert_int_equal(got.updated, T_NOW + 10);
	assert_int_equal(got.created, T_NOW);

	assert_int_equal(st->ops->login_profile_delete(st, u), STORE_OK);
	assert_int_equal(st->ops->login_profile_delete(st, u), STORE_NOT_FOUND);
	lp.user_id = u + 100;
	assert_int_equal(st->ops->login_profile_update(st, &lp), STORE_NOT_FOUND);
}

/* Virtual MFA devices */

static void
test_device_pending_replaced(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	struct store_mfa_device first;
	struct store_mfa_device second;
	struct store_mfa_device got;

	t_device_init(&first, u, "arn:mfa/first");
	assert_int_equal(st->ops->mfa_device_create(st, &first), STORE_OK);
	t_device_init(&second, u, "arn:mfa/second");
	second.secret_enc[0] = 0xee;
	assert_int_equal(st->ops->mfa_device_create(st, &second), STORE_OK);
	assert_int_not_equal(first.id, second.id);

	assert_int_equal(st->ops->mfa_device_get_by_user(st, u, &got), STORE_OK);
	assert_int_equal(got.id, second.id);
	assert_string_equal(got.serial, "arn:mfa/second");
	assert_int_equal(got.secret_enc_len, second.secret_enc_len);
	assert_memory_equal(got.secret_enc, second.secret_enc, second.secret_enc_len);
	assert_int_equal(got.algorithm, 1);
	assert_int_equal(got.digits, 6);
	assert_int_equal(got.period, 30);
	assert_int_equal(got.bound, 0);
	assert_int_equal(got.last_step, -1);
	assert_int_equal(got.bound_at, 0);
	assert_int_equal(st->ops->mfa_device_get_by_serial(st, "arn:mfa/first", &got),
	    STORE_NOT_FOUND);
	assert_int_equal(st->ops->mfa_device_bind(st, first.id, 5, T_NOW), STORE_NOT_FOUND);
}

static void
test_device_bound_conflict(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t a1 = t_account(st, "one");
	int64_t u = t_user(st, a1, "u", 0);
	int64_t v = t_user(st, a1, "v", 0);
	struct store_mfa_device dev;
	struct store_mfa_device got;
	int64_t id = t_bound_device(st, u, "arn:mfa/u", 100);

	t_device_init(&dev, u, "arn:mfa/u2");
	assert_int_equal(st->ops->mfa_device_create(st, &dev), STORE_CONFLICT);
	assert_int_equal(st->ops->mfa_device_get_by_user(st, u, &got), STORE_OK);
	assert_int_equal(got.id, id);
	assert_int_equal(got.bound, 1);
	assert_int_equal(got.last_step, 100);
	assert_int_equal(got.bound_at, T_NOW);

	/* Serials are unique across users, and a failed create keeps v's pending device. */
	t_device_init(&dev, v, "arn:mfa/v");
	assert_int_equal(st->ops->mfa_device_create(st, &dev), STORE_OK);
	t_device_init(&dev, v, "arn:mfa/u");
	assert_int_equal(st->ops->mfa_device_create(st, &dev), STORE_CONFLICT);
	assert_int_equal(st->ops->mfa_device_get_by_user(st, v, &got), STORE_OK);
	assert_string_equal(got.serial, "arn:mfa/v");

	assert_int_equal(st->ops->mfa_device_bind(st, id, 200, T_NOW), STORE_NOT_FOUND);
	assert_int_equal(st->ops->mfa_device_get_by_serial(st, "arn:mfa/u", &got), STORE_OK);
	assert_int_equal(got.last_step, 100);

	assert_int_equal(st->ops->mfa_device_delete(st, id), STORE_OK);
	assert_int_equal(st->ops->mfa_device_delete(st, id), STORE_NOT_FOUND);
	t_device_init(&dev, u, "arn:mfa/u3");
	assert_int_equal(st->ops->mfa_device_create(st, &dev), STORE_OK);
}

static void
test_device_use_step(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t a1 = t_account(st, "one");
	int64_t u = t_user(st, a1, "u", 0);
	struct store_mfa_device pending;
	struct store_mfa_device got;
	int64_t id = t_bound_device(st, u, "arn:mfa/u", 100);

	assert_int_equal(st->ops->mfa_device_use_step(st, id, 100), STORE_CONFLICT);
	assert_int_equal(st->ops->mfa_device_use_step(st, id, 99), STORE_CONFLICT);
	assert_int_equal(st->ops->mfa_device_use_step(st, id, 101), STORE_OK);
	assert_int_equal(st->ops->mfa_device_use_step(st, id, 101), STORE_CONFLICT);
	assert_int_equal(st->ops->mfa_device_use_step(st, id, 100), STORE_CONFLICT);
	assert_int_equal(st->ops->mfa_device_use_step(st, id, 105), STORE_OK);
	assert_int_equal(st->ops->mfa_device_get_by_user(st, u, &got), STORE_OK);
	assert_int_equal(got.last_step, 105);
	assert_int_equal(st->ops->mfa_device_use_step(st, id + 100, 200), STORE_CONFLICT);

	/* A pending device accepts no step. */
	t_device_init(&pending, t_user(st, a1, "w", 0), "arn:mfa/w");
	assert_int_equal(st->ops->mfa_device_create(st, &pending), STORE_OK);
	assert_int_equal(st->ops->mfa_device_use_step(st, pending.id, 1), STORE_CONFLICT);
}

struct t_devices {
	char serials[8][STORE_SERIAL_MAX + 1];
	char users[8][STORE_NAME_MAX + 1];
	int count;
};

static int
t_collect_device(void *arg, const struct store_mfa_device *dev, const struct store_user *user)
{
	struct t_devices *d = arg;

	snprintf(d->serials[d->count], sizeof(d->serials[0]), "%s", dev->serial);
	snprintf(d->users[d->count], sizeof(d->users[0]), "%s", user->name);
	d->count++;
	return 0;
}

static void
test_device_list_paging(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t a1 = t_account(st, "one");
	int64_t a2 = t_account(st, "two");
	struct store_mfa_device pending;
	struct t_devices d;

	t_bound_device(st, t_user(st, a1, "carl", 0), "arn:mfa/c", 1);
	t_bound_device(st, t_user(st, a1, "anna", 0), "arn:mfa/a", 1);
	t_device_init(&pending, t_user(st, a1, "bert", 0), "arn:mfa/b");
	assert_int_equal(st->ops->mfa_device_create(st, &pending), STORE_OK);
	t_bound_device(st, t_user(st, a2, "other", 0), "arn:mfa/a2", 1);

	memset(&d, 0, sizeof(d));
	assert_int_equal(st->ops->mfa_device_list(st, a1, NULL, 2, t_collect_device, &d), STORE_OK);
	assert_int_equal(d.count, 2);
	assert_string_equal(d.serials[0], "arn:mfa/a");
	assert_string_equal(d.users[0], "anna");
	assert_string_equal(d.serials[1], "arn:mfa/b");
	assert_string_equal(d.users[1], "bert");

	memset(&d, 0, sizeof(d));
	assert_int_equal(st->ops->mfa_device_list(st, a1, "arn:mfa/b", 2, t_collect_device, &d),
	    STORE_OK);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.serials[0], "arn:mfa/c");
	assert_string_equal(d.users[0], "carl");
}

/* Parallel use of one step: each thread has its own handle on the same file. */

struct t_race {
	const char *path;
	int64_t device_id;
	int64_t user_id;
	int64_t step;
	pthread_barrier_t *barrier;
	int in_tx; /* 1: use the step and create a session in one store_tx */
	uint8_t seed;
	int result;
};

static int
t_race_tx(struct store *st, void *arg)
{
	struct t_race *race = arg;
	struct store_session ses;
	int r;

	r = st->ops->mfa_device_use_step(st, race->device_id, race->step);
	if (r != STORE_OK)
		return r;
	t_session_init(&ses, race->user_id, race->seed, T_NOW + 3600);
	return st->ops->session_create(st, &ses);
}

static void *
t_race_thread(void *arg)
{
	struct t_race *race = arg;
	struct store *st = NULL;

	race->result = STORE_ERROR;
	if (store_open(race->path, NULL, &st) != STORE_OK) {
		pthread_barrier_wait(race->barrier);
		return NULL;
	}
	pthread_barrier_wait(race->barrier);
	if (race->in_tx)
		race->result = store_tx(st, t_race_tx, race);
	else
		race->result = st->ops->mfa_device_use_step(st, race->device_id, race->step);
	store_close(&st);
	return NULL;
}

static void
t_race_rounds(struct t_db *db, int in_tx)
{
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "race"), "u", 0);
	int64_t id = t_bound_device(st, u, "arn:mfa/race", 1000);
	struct t_race races[T_THREADS];
	pthread_t threads[T_THREADS];
	pthread_barrier_t barrier;

	for (int round = 0; round < T_ROUNDS; round++) {
		int ok = 0;

		assert_int_equal(pthread_barrier_init(&barrier, NULL, T_THREADS), 0);
		for (int i = 0; i < T_THREADS; i++) {
			races[i] = (struct t_race){
				.path = db->path, .device_id = id, .user_id = u,
				.step = 1001 + round, .barrier = &barrier, .in_tx = in_tx,
				.seed = (uint8_t)(round * T_THREADS + i),
			};
			assert_int_equal(pthread_create(&threads[i], NULL, t_race_thread, &races[i]), 0);
		}
		for (int i = 0; i < T_THREADS; i++) {
			assert_int_equal(pthread_join(threads[i], NULL), 0);
			if (races[i].result == STORE_OK)
				ok++;
			else
				assert_int_equal(races[i].result, STORE_CONFLICT);
		}
		pthread_barrier_destroy(&barrier);
		assert_int_equal(ok, 1);
	}
	if (in_tx)
		assert_int_equal(t_sql_int(store_sqlite_db(st), "SELECT count(*) FROM sessions"),
		    T_ROUNDS);
}

static void
test_use_step_parallel(void **state)
{
	t_race_rounds(*state, 0);
}

static void
test_use_step_parallel_in_tx(void **state)
{
	t_race_rounds(*state, 1);
}

/* Sessions, challenges, failures */

static void
test_session_crud(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t a1 = t_account(st, "one");
	int64_t u = t_user(st, a1, "u", 0);
	int64_t v = t_user(st, a1, "v", 0);
	struct store_session s1;
	struct store_session s2;
	struct store_session s3;
	struct store_session got;

	t_session_init(&s1, u, 1, T_NOW + 3600);
	s1.scope = SESSION_SCOPE_BIND_MFA;
	s1.factors = FACTOR_PASSWORD;
	s1.mfa_at = 0;
	assert_int_equal(st->ops->session_create(st, &s1), STORE_OK);
	assert_int_equal(st->ops->session_create(st, &s1), STORE_CONFLICT);
	assert_int_equal(st->ops->session_get(st, s1.token_hash, &got), STORE_OK);
	assert_memory_equal(&got, &s1, sizeof(got));

	assert_int_equal(st->ops->session_touch(st, s1.token_hash, T_NOW + 60), STORE_OK);
	assert_int_equal(st->ops->session_get(st, s1.token_hash, &got), STORE_OK);
	assert_int_equal(got.last_seen, T_NOW + 60);

	t_session_init(&s2, u, 2, T_NOW + 3600);
	t_session_init(&s3, v, 3, T_NOW + 3600);
	assert_int_equal(st->ops->session_create(st, &s2), STORE_OK);
	assert_int_equal(st->ops->session_create(st, &s3), STORE_OK);

	assert_int_equal(st->ops->session_delete(st, s1.token_hash), STORE_OK);
	assert_int_equal(st->ops->session_delete(st, s1.token_hash), STORE_NOT_FOUND);
	assert_int_equal(st->ops->session_get(st, s1.token_hash, &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->session_touch(st, s1.token_hash, T_NOW), STORE_NOT_FOUND);

	assert_int_equal(st->ops->session_delete_by_user(st, u), STORE_OK);
	assert_int_equal(st->ops->session_delete_by_user(st, u), STORE_OK);
	assert_int_equal(st->ops->session_get(st, s2.token_hash, &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->session_get(st, s3.token_hash, &got), STORE_OK);
}

static void
test_session_set_mfa(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	struct store_session s;
	struct store_session got;

	t_session_init(&s, u, 1, T_NOW + 3600);
	s.factors = FACTOR_PASSWORD | FACTOR_EMAIL;
	s.mfa_at = 0;
	assert_int_equal(st->ops->session_create(st, &s), STORE_OK);

	/* The factor is added to those proven before, and mfa_at moves to the step-up. */
	assert_int_equal(st->ops->session_set_mfa(st, s.token_hash, FACTOR_TOTP, T_NOW + 60),
	    STORE_OK);
	assert_int_equal(st->ops->session_get(st, s.token_hash, &got), STORE_OK);
	assert_int_equal(got.factors, FACTOR_PASSWORD | FACTOR_EMAIL | FACTOR_TOTP);
	assert_int_equal(got.mfa_at, T_NOW + 60);
	assert_int_equal(got.totp_at, T_NOW + 60);
	assert_int_equal(got.passkey_at, 0);
	assert_int_equal(got.email_at, 0);
	assert_int_equal(got.expires, s.expires);
	assert_int_equal(got.created, s.created);

	/* Each factor keeps its own proof time; the others stay as they were. */
	assert_int_equal(st->ops->session_set_mfa(st, s.token_hash, FACTOR_EMAIL, T_NOW + 120),
	    STORE_OK);
	assert_int_equal(st->ops->session_get(st, s.token_hash, &got), STORE_OK);
	assert_int_equal(got.totp_at, T_NOW + 60);
	assert_int_equal(got.email_at, T_NOW + 120);
	assert_int_equal(got.mfa_at, T_NOW + 120);
	assert_int_equal(st->ops->session_set_mfa(st, s.token_hash,
	    FACTOR_PASSKEY | FACTOR_USER_VERIFIED, T_NOW + 180), STORE_OK);
	assert_int_equal(st->ops->session_get(st, s.token_hash, &got), STORE_OK);
	assert_int_equal(got.passkey_at, T_NOW + 180);
	assert_int_equal(got.totp_at, T_NOW + 60);
	assert_int_equal(got.email_at, T_NOW + 120);

	assert_int_equal(st->ops->session_delete(st, s.token_hash), STORE_OK);
	assert_int_equal(st->ops->session_set_mfa(st, s.token_hash, FACTOR_TOTP, T_NOW),
	    STORE_NOT_FOUND);
}

static void
test_challenge_attempts(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	struct store_challenge c;
	struct store_challenge got;
	int attempts = -1;

	t_challenge_init(&c, u, 9, T_NOW + 300);
	assert_int_equal(st->ops->challenge_create(st, &c), STORE_OK);
	assert_int_equal(st->ops->challenge_create(st, &c), STORE_CONFLICT);
	assert_int_equal(st->ops->challenge_get(st, c.id_hash, &got), STORE_OK);
	assert_memory_equal(&got, &c, sizeof(got));

	assert_int_equal(st->ops->challenge_add_attempt(st, c.id_hash, &attempts), STORE_OK);
	assert_int_equal(attempts, 1);
	assert_int_equal(st->ops->challenge_add_attempt(st, c.id_hash, &attempts), STORE_OK);
	assert_int_equal(attempts, 2);
	assert_int_equal(st->ops->challenge_get(st, c.id_hash, &got), STORE_OK);
	assert_int_equal(got.attempts, 2);

	assert_int_equal(st->ops->challenge_delete(st, c.id_hash), STORE_OK);
	assert_int_equal(st->ops->challenge_delete(st, c.id_hash), STORE_NOT_FOUND);
	attempts = -1;
	assert_int_equal(st->ops->challenge_add_attempt(st, c.id_hash, &attempts),
	    STORE_NOT_FOUND);
	assert_int_equal(attempts, -1);
	assert_int_equal(st->ops->challenge_get(st, c.id_hash, &got), STORE_NOT_FOUND);
}

static void
test_failure_upsert_clear(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	struct store_failure f;
	struct store_failure got;

	assert_int_equal(st->ops->failure_get(st, "bob@acme", &got), STORE_NOT_FOUND);
	t_failure_init(&f, "bob@acme", 1, 0, T_NOW);
	assert_int_equal(st->ops->failure_put(st, &f), STORE_OK);
	assert_int_equal(st->ops->failure_get(st, "bob@acme", &got), STORE_OK);
	assert_string_equal(got.principal, "bob@acme");
	assert_int_equal(got.failures, 1);
	assert_int_equal(got.locked_until, 0);
	assert_int_equal(got.last_failure, T_NOW);

	t_failure_init(&f, "bob@acme", 5, T_NOW + 900, T_NOW + 10);
	assert_int_equal(st->ops->failure_put(st, &f), STORE_OK);
	assert_int_equal(st->ops->failure_get(st, "bob@acme", &got), STORE_OK);
	assert_int_equal(got.failures, 5);
	assert_int_equal(got.locked_until, T_NOW + 900);
	assert_int_equal(got.last_failure, T_NOW + 10);

	assert_int_equal(st->ops->failure_clear(st, "bob@acme"), STORE_OK);
	assert_int_equal(st->ops->failure_get(st, "bob@acme", &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->failure_clear(st, "bob@acme"), STORE_OK);
}

static void
test_purge_expired(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	const int64_t now = T_NOW + 10 * 86400;
	struct store_session s_old;
	struct store_session s_edge;
	struct store_session s_live;
	struct store_challenge c_old;
	struct store_challenge c_live;
	struct store_failure f;
	struct store_failure got;

	t_session_init(&s_old, u, 1, now - 1);
	t_session_init(&s_edge, u, 2, now);
	t_session_init(&s_live, u, 3, now + 1);
	assert_int_equal(st->ops->session_create(st, &s_old), STORE_OK);
	assert_int_equal(st->ops->session_create(st, &s_edge), STORE_OK);
	assert_int_equal(st->ops->session_create(st, &s_live), STORE_OK);
	t_challenge_init(&c_old, u, 4, now);
	t_challenge_init(&c_live, u, 5, now + 300);
	assert_int_equal(st->ops->challenge_create(st, &c_old), STORE_OK);
	assert_int_equal(st->ops->challenge_create(st, &c_live), STORE_OK);

	t_failure_init(&f, "stale@one", 3, 0, now - 86400 - 1);
	assert_int_equal(st->ops->failure_put(st, &f), STORE_OK);
	t_failure_init(&f, "lock-ended@one", 9, now - 86400 - 1, now - 86400 - 100);
	assert_int_equal(st->ops->failure_put(st, &f), STORE_OK);
	t_failure_init(&f, "recent@one", 2, 0, now - 3600);
	assert_int_equal(st->ops->failure_put(st, &f), STORE_OK);
	t_failure_init(&f, "locked@one", 9, now - 3600, now - 2 * 86400);
	assert_int_equal(st->ops->failure_put(st, &f), STORE_OK);

	assert_int_equal(st->ops->purge_expired(st, now), STORE_OK);

	assert_int_equal(st->ops->session_get(st, s_old.token_hash, &s_old), STORE_NOT_FOUND);
	assert_int_equal(st->ops->session_get(st, s_edge.token_hash, &s_edge), STORE_NOT_FOUND);
	assert_int_equal(st->ops->session_get(st, s_live.token_hash, &s_live), STORE_OK);
	assert_int_equal(st->ops->challenge_get(st, c_old.id_hash, &c_old), STORE_NOT_FOUND);
	assert_int_equal(st->ops->challenge_get(st, c_live.id_hash, &c_live), STORE_OK);
	assert_int_equal(st->ops->failure_get(st, "stale@one", &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->failure_get(st, "lock-ended@one", &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->failure_get(st, "recent@one", &got), STORE_OK);
	assert_int_equal(st->ops->failure_get(st, "locked@one", &got), STORE_OK);

	/* A purge with nothing to delete still succeeds. */
	assert_int_equal(st->ops->purge_expired(st, now), STORE_OK);
}

/* Transactions */

static int
t_tx_create_then(struct store *st, void *arg)
{
	const int *result = arg;

	t_account(st, "in-tx");
	return *result;
}

static void
test_tx_commit_and_rollback(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	struct store_account a;
	int result = STORE_CONFLICT;

	assert_int_equal(store_tx(st, t_tx_create_then, &result), STORE_CONFLICT);
	assert_int_equal(st->ops->account_get_by_alias(st, "in-tx", &a), STORE_NOT_FOUND);

	result = STORE_OK;
	assert_int_equal(store_tx(st, t_tx_create_then, &result), STORE_OK);
	assert_int_equal(st->ops->account_get_by_alias(st, "in-tx", &a), STORE_OK);

	/* A failed statement inside a transaction leaves the rest of it intact. */
	assert_int_equal(store_begin(st), STORE_OK);
	t_account(st, "second");
	assert_int_equal(t_user_try(st, a.id, "x", 0, NULL), STORE_OK);
	assert_int_equal(t_user_try(st, a.id, "X", 0, NULL), STORE_CONFLICT);
	assert_int_equal(store_commit(st), STORE_OK);
	assert_int_equal(st->ops->account_get_by_alias(st, "second", &a), STORE_OK);

	assert_int_equal(store_begin(st), STORE_OK);
	assert_int_equal(store_begin(st), STORE_ERROR);
	assert_int_equal(store_rollback(st), STORE_OK);
	assert_int_equal(store_rollback(st), STORE_OK);
}

/* Schema version 2: passkeys and WebAuthn challenges */

static void
t_passkey_init(struct store_passkey *pk, int64_t user_id, uint8_t seed, const char *name)
{
	memset(pk, 0, sizeof(*pk));
	pk->user_id = user_id;
	for (size_t i = 0; i < 16; i++)
		pk->credential_id[i] = (uint8_t)(seed * 3 + i);
	pk->credential_id_len = 16;
	for (size_t i = 0; i < 77; i++)
		pk->public_key[i] = (uint8_t)(seed + i * 5);
	pk->public_key_len = 77;
	pk->algorithm = -7;
	pk->sign_count = 0;
	memset(pk->aaguid, 0xad, sizeof(pk->aaguid));
	snprintf(pk->transports, sizeof(pk->transports), "hybrid,internal");
	pk->backup_eligible = 1;
	pk->backup_state = 1;
	pk->user_verified = 1;
	snprintf(pk->fmt, sizeof(pk->fmt), "none");
	snprintf(pk->name, sizeof(pk->name), "%s", name);
	pk->created = T_NOW;
}

static int64_t
t_passkey(struct store *st, int64_t user_id, uint8_t seed, const char *name)
{
	struct store_passkey pk;
	int conflict = -1;

	t_passkey_init(&pk, user_id, seed, name);
	assert_int_equal(st->ops->passkey_create(st, &pk, &conflict), STORE_OK);
	assert_int_equal(conflict, PASSKEY_CONFLICT_NONE);
	assert_true(pk.id > 0);
	return pk.id;
}

/* Compare field by field: the struct has padding that a copy need not keep. */
static void
t_passkey_equal(const struct store_passkey *got, const struct store_passkey *want)
{
	assert_int_equal(got->id, want->id);
	assert_int_equal(got->user_id, want->user_id);
	assert_int_equal(got->credential_id_len, want->credential_id_len);
	assert_memory_equal(got->credential_id, want->credential_id, want->credential_id_len);
	assert_int_equal(got->public_key_len, want->public_key_len);
	assert_memory_equal(got->public_key, want->public_key, want->public_key_len);
	assert_int_equal(got->algorithm, want->algorithm);
	assert_int_equal(got->sign_count, want->sign_count);
	assert_memory_equal(got->aaguid, want->aaguid, STORE_AAGUID_LEN);
	assert_string_equal(got->transports, want->transports);
	assert_int_equal(got->backup_eligible, want->backup_eligible);
	assert_int_equal(got->backup_state, want->backup_state);
	assert_int_equal(got->user_verified, want->user_verified);
	assert_string_equal(got->fmt, want->fmt);
	assert_string_equal(got->name, want->name);
	assert_int_equal(got->created, want->created);
	assert_int_equal(got->last_used, want->last_used);
}

static void
t_webauthn_init(struct store_webauthn_challenge *c, int kind, int64_t user_id, uint8_t seed,
    int64_t expires)
{
	memset(c, 0, sizeof(*c));
	t_hash(c->challenge_hash, seed);
	c->kind = kind;
	c->user_id = user_id;
	if (kind == WEBAUTHN_CEREMONY_REGISTRATION) {
		c->has_session_hash = 1;
		t_hash(c->session_hash, (uint8_t)(seed + 100));
	}
	if (kind == WEBAUTHN_CEREMONY_SECOND_FACTOR) {
		c->has_mfa_challenge_hash = 1;
		t_hash(c->mfa_challenge_hash, (uint8_t)(seed + 200));
	}
	c->user_verification = WEBAUTHN_UV_PREFERRED;
	c->created = T_NOW;
	c->expires = expires;
}

static void
t_webauthn_equal(const struct store_webauthn_challenge *got,
    const struct store_webauthn_challenge *want)
{
	assert_memory_equal(got->challenge_hash, want->challenge_hash, STORE_TOKEN_HASH_LEN);
	assert_int_equal(got->kind, want->kind);
	assert_int_equal(got->user_id, want->user_id);
	assert_int_equal(got->account_id, want->account_id);
	assert_int_equal(got->has_session_hash, want->has_session_hash);
	assert_memory_equal(got->session_hash, want->session_hash, STORE_TOKEN_HASH_LEN);
	assert_int_equal(got->has_mfa_challenge_hash, want->has_mfa_challenge_hash);
	assert_memory_equal(got->mfa_challenge_hash, want->mfa_challenge_hash,
	    STORE_TOKEN_HASH_LEN);
	assert_int_equal(got->user_verification, want->user_verification);
	assert_int_equal(got->created, want->created);
	assert_int_equal(got->expires, want->expires);
}

static int64_t
t_passkey_rows(struct store *st)
{
	return t_sql_int(store_sqlite_db(st), "SELECT count(*) FROM passkeys");
}

/*
 * A version 1 database with a row in every table, made by running only the
 * first migration step, keeps its rows when the store opens it.
 */
static void
test_migrate_v1_to_v2_keeps_data(void **state)
{
	static const char rows[] =
	    "INSERT INTO accounts (alias, created) VALUES ('legacy', 1600000000);"
	    "INSERT INTO users (account_id, name, display_name, is_owner, created, updated)"
	    " VALUES (1, '', 'Owner', 1, 1600000000, 1600000000),"
	    " (1, 'alice', 'Alice', 0, 1600000001, 1600000002);"
	    "INSERT INTO login_profiles VALUES (2, '$argon2id$v=19$stub', 0, 1, 1600000003,"
	    " 1600000003, 1600000003);"
	    "INSERT INTO mfa_devices (user_id, serial, secret_enc, algorithm, digits, period, bound,"
	    " last_step, created, bound_at) VALUES (2, 'arn:mfa/alice', x'0102030405', 1, 6, 30,"
	    " 1, 55, 1600000004, 1600000005);"
	    "INSERT INTO sessions VALUES (zeroblob(32), 2, 0, 3, 1600000006, 1900000000,"
	    " 1600000006, 1600000006);"
	    "INSERT INTO challenges VALUES (zeroblob(32), 2, 0, 1, 1600000007, 1900000000);"
	    "INSERT INTO logon_failures VALUES ('alice@legacy', 2, 0, 1600000008);";
	struct t_db *db = *state;
	struct store *st = NULL;
	struct store_account a;
	struct store_user u;
	struct store_login_profile lp;
	struct store_mfa_device dev;
	struct store_session ses;
	struct store_challenge ch;
	struct store_failure f;
	uint8_t zero[STORE_TOKEN_HASH_LEN] = { 0 };
	char path[PATH_MAX + 8];
	sqlite3 *raw = NULL;
	int version = -1;

	snprintf(path, sizeof(path), "%s-v1", db->path);
	t_unlink_db(path);
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(store_sqlite_migrate(raw, store_sqlite_migrations, 1), STORE_OK);
	assert_int_equal(t_sql_int(raw, "PRAGMA user_version"), 1);
	assert_int_equal(sqlite3_exec(raw, rows, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(raw), SQLITE_OK);
	assert_int_equal(chmod(path, 0600), 0);

	assert_int_equal(store_open(path, NULL, &st), STORE_OK);
	assert_int_equal(st->ops->schema_version(st, &version), STORE_OK);
	assert_int_equal(version, store_schema_latest());

	/* Accounts from version 1 allow passkey logon, as new ones do. */
	assert_int_equal(st->ops->account_get_by_alias(st, "legacy", &a), STORE_OK);
	assert_int_equal(a.id, 1);
	assert_int_equal(a.created, 1600000000);
	assert_int_equal(a.passkey_logon, 1);
	assert_int_equal(st->ops->user_get_by_name(st, 1, "alice", &u), STORE_OK);
	assert_int_equal(u.id, 2);
	assert_string_equal(u.display_name, "Alice");
	assert_int_equal(u.updated, 1600000002);
	assert_int_equal(st->ops->user_get_owner(st, 1, &u), STORE_OK);
	assert_int_equal(u.id, 1);
	assert_int_equal(st->ops->login_profile_get(st, 2, &lp), STORE_OK);
	assert_int_equal(lp.mfa_bind_required, 1);
	assert_int_equal(st->ops->mfa_device_get_by_user(st, 2, &dev), STORE_OK);
	assert_string_equal(dev.serial, "arn:mfa/alice");
	assert_int_equal(dev.secret_enc_len, 5);
	assert_int_equal(dev.last_step, 55);
	assert_int_equal(st->ops->session_get(st, zero, &ses), STORE_OK);
	assert_int_equal(ses.factors, 3);
	assert_int_equal(st->ops->challenge_get(st, zero, &ch), STORE_OK);
	assert_int_equal(ch.attempts, 1);
	assert_int_equal(st->ops->failure_get(st, "alice@legacy", &f), STORE_OK);
	assert_int_equal(f.failures, 2);

	/* The new tables work with the old rows. */
	assert_int_equal(t_passkey_rows(st), 0);
	t_passkey(st, 2, 1, "Old user's key");
	assert_int_equal(st->ops->account_set_passkey_logon(st, 1, 0), STORE_OK);
	assert_int_equal(st->ops->account_get(st, 1, &a), STORE_OK);
	assert_int_equal(a.passkey_logon, 0);
	assert_int_not_equal(sqlite3_exec(store_sqlite_db(st),
	    "UPDATE accounts SET passkey_logon = 2", NULL, NULL, NULL), SQLITE_OK);

	store_close(&st);
	t_unlink_db(path);
}

static void
test_account_passkey_logon(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	struct store_account a = { .created = T_NOW, .passkey_logon = 0 };
	struct store_account got;

	snprintf(a.alias, sizeof(a.alias), "acme");
	assert_int_equal(st->ops->account_create(st, &a), STORE_OK);
	assert_int_equal(a.passkey_logon, 1);
	assert_int_equal(st->ops->account_get(st, a.id, &got), STORE_OK);
	assert_int_equal(got.passkey_logon, 1);

	assert_int_equal(st->ops->account_set_passkey_logon(st, a.id, 0), STORE_OK);
	assert_int_equal(st->ops->account_get(st, a.id, &got), STORE_OK);
	assert_int_equal(got.passkey_logon, 0);
	assert_int_equal(st->ops->account_get_by_alias(st, "ACME", &got), STORE_OK);
	assert_int_equal(got.passkey_logon, 0);

	/* Any non-zero value turns it on. */
	assert_int_equal(st->ops->account_set_passkey_logon(st, a.id, 7), STORE_OK);
	assert_int_equal(st->ops->account_get_by_alias(st, "acme", &got), STORE_OK);
	assert_int_equal(got.passkey_logon, 1);

	assert_int_equal(st->ops->account_set_passkey_logon(st, a.id + 100, 0), STORE_NOT_FOUND);
}

static void
test_account_settings(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t a = t_account(st, "acme");
	struct store_account_settings set;
	struct store_account_settings got;

	assert_int_equal(st->ops->account_settings_get(st, a, &got), STORE_NOT_FOUND);
	store_account_settings_default(a, &set);
	assert_int_equal(set.session_hours, STORE_SESSION_HOURS_DEFAULT);
	assert_int_equal(set.idle_minutes, 0);
	assert_int_equal(set.allow_email_logon, 1);

	set.mfa_mandatory = 1;
	set.allow_email_step_up = 0;
	set.session_hours = 8;
	set.idle_minutes = 30;
	assert_int_equal(st->ops->account_settings_put(st, &set), STORE_OK);
	assert_int_equal(st->ops->account_settings_get(st, a, &got), STORE_OK);
	assert_memory_equal(&got, &set, sizeof(got));

	/* A second put replaces the row. */
	set.session_hours = 24;
	assert_int_equal(st->ops->account_settings_put(st, &set), STORE_OK);
	assert_int_equal(st->ops->account_settings_get(st, a, &got), STORE_OK);
	assert_int_equal(got.session_hours, 24);

	/* The schema rejects values outside the API's ranges, and unknown accounts. */
	set.session_hours = 25;
	assert_int_equal(st->ops->account_settings_put(st, &set), STORE_ERROR);
	set.session_hours = 6;
	set.idle_minutes = 4;
	assert_int_equal(st->ops->account_settings_put(st, &set), STORE_ERROR);
	set.idle_minutes = 0;
	set.account_id = a + 100;
	assert_int_equal(st->ops->account_settings_put(st, &set), STORE_ERROR);

	/* Deleting the account deletes its settings. */
	assert_int_equal(st->ops->account_delete(st, a), STORE_OK);
	assert_int_equal(st->ops->account_settings_get(st, a, &got), STORE_NOT_FOUND);
}

static void
test_passkey_create_get(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	struct store_passkey pk;
	struct store_passkey got;
	int conflict = -1;

	t_passkey_init(&pk, u, 1, "Laptop");
	pk.sign_count = 42;
	pk.backup_state = 0;
	pk.transports[0] = '\0';
	assert_int_equal(st->ops->passkey_create(st, &pk, &conflict), STORE_OK);
	assert_int_equal(conflict, PASSKEY_CONFLICT_NONE);
	assert_true(pk.id > 0);

	assert_int_equal(st->ops->passkey_get(st, pk.id, &got), STORE_OK);
	t_passkey_equal(&got, &pk);
	memset(&got, 0, sizeof(got));
	assert_int_equal(st->ops->passkey_get_by_credential(st, pk.credential_id,
	    pk.credential_id_len, &got), STORE_OK);
	t_passkey_equal(&got, &pk);

	/* A prefix of a credential ID is another credential ID. */
	assert_int_equal(st->ops->passkey_get_by_credential(st, pk.credential_id,
	    pk.credential_id_len - 1, &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->passkey_get(st, pk.id + 100, &got), STORE_NOT_FOUND);
}

static void
test_passkey_create_conflicts(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t a1 = t_account(st, "one");
	int64_t u = t_user(st, a1, "u", 0);
	int64_t v = t_user(st, a1, "v", 0);
	struct store_passkey pk;
	int conflict = -1;

	t_passkey(st, u, 1, "Laptop");
	t_passkey(st, u, 2, "Phone");

	/* A credential ID is unique across users. */
	t_passkey_init(&pk, v, 1, "Other");
	pk.id = -5;
	assert_int_equal(st->ops->passkey_create(st, &pk, &conflict), STORE_CONFLICT);
	assert_int_equal(conflict, PASSKEY_CONFLICT_CREDENTIAL_ID);
	assert_int_equal(pk.id, -5);

	t_passkey_init(&pk, u, 1, "New name");
	assert_int_equal(st->ops->passkey_create(st, &pk, &conflict), STORE_CONFLICT);
	assert_int_equal(conflict, PASSKEY_CONFLICT_CREDENTIAL_ID);

	/* Names are unique per user, ignoring ASCII case. */
	t_passkey_init(&pk, u, 3, "LAPTOP");
	assert_int_equal(st->ops->passkey_create(st, &pk, &conflict), STORE_CONFLICT);
	assert_int_equal(conflict, PASSKEY_CONFLICT_NAME);

	/* With both keys taken, the credential ID is reported. */
	t_passkey_init(&pk, u, 2, "laptop");
	assert_int_equal(st->ops->passkey_create(st, &pk, &conflict), STORE_CONFLICT);
	assert_int_equal(conflict, PASSKEY_CONFLICT_CREDENTIAL_ID);

	t_passkey_init(&pk, u, 3, "Phone");
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_CONFLICT);
	assert_int_equal(t_passkey_rows(st), 2);

	/* Another user may use the same name. */
	t_passkey_init(&pk, v, 3, "Laptop");
	conflict = -1;
	assert_int_equal(st->ops->passkey_create(st, &pk, &conflict), STORE_OK);
	assert_int_equal(conflict, PASSKEY_CONFLICT_NONE);

	/* A conflict inside a transaction leaves the rest of it intact. */
	assert_int_equal(store_begin(st), STORE_OK);
	t_passkey(st, v, 4, "Tablet");
	t_passkey_init(&pk, v, 5, "tablet");
	assert_int_equal(st->ops->passkey_create(st, &pk, &conflict), STORE_CONFLICT);
	assert_int_equal(conflict, PASSKEY_CONFLICT_NAME);
	assert_int_equal(store_commit(st), STORE_OK);
	assert_int_equal(t_passkey_rows(st), 4);
}

/* Each invalid field gives STORE_ERROR and stores nothing. */
static void
test_passkey_create_limits(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	struct store_passkey pk;
	struct store_passkey got;
	char text[STORE_PASSKEY_NAME_MAX + 2];
	int conflict = -1;

	t_passkey_init(&pk, u, 1, "x");
	for (size_t bad = 0; bad < 3; bad++) {
		const size_t lens[] = { 0, STORE_CREDENTIAL_ID_MAX + 1, SIZE_MAX };

		pk.credential_id_len = lens[bad];
		assert_int_equal(st->ops->passkey_create(st, &pk, &conflict), STORE_ERROR);
		assert_int_equal(conflict, PASSKEY_CONFLICT_NONE);
	}
	t_passkey_init(&pk, u, 1, "x");
	pk.public_key_len = 0;
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_ERROR);
	pk.public_key_len = STORE_COSE_KEY_MAX + 1;
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_ERROR);

	t_passkey_init(&pk, u, 1, "x");
	pk.sign_count = -1;
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_ERROR);
	pk.sign_count = (int64_t)UINT32_MAX + 1;
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_ERROR);

	t_passkey_init(&pk, u, 1, "x");
	pk.backup_eligible = 0;
	pk.backup_state = 1;
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_ERROR);

	t_passkey_init(&pk, u, 1, "x");
	memset(pk.transports, 'h', sizeof(pk.transports));
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_ERROR);
	t_passkey_init(&pk, u, 1, "x");
	memset(pk.fmt, 'f', sizeof(pk.fmt));
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_ERROR);

	t_passkey_init(&pk, u, 1, "");
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_ERROR);
	memset(pk.name, 'n', sizeof(pk.name));
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_ERROR);
	memset(text, 'n', STORE_PASSKEY_NAME_CHARS + 1);
	text[STORE_PASSKEY_NAME_CHARS + 1] = '\0';
	t_passkey_init(&pk, u, 1, text);
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_ERROR);
	/* 65 two-byte characters fit the field but are one character too many. */
	t_passkey_init(&pk, u, 1, "");
	for (size_t i = 0; i < STORE_PASSKEY_NAME_CHARS + 1; i++)
		memcpy(pk.name + 2 * i, "\xc3\xa4", 2);
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_ERROR);
	/* Stray continuation bytes count one character each, as in SQLite's length(). */
	t_passkey_init(&pk, u, 1, "");
	memset(pk.name, 0x80, STORE_PASSKEY_NAME_CHARS + 1);
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_ERROR);
	memset(pk.name, 0x80, STORE_PASSKEY_NAME_CHARS);
	pk.name[STORE_PASSKEY_NAME_CHARS] = '\0';
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_OK);
	assert_int_equal(st->ops->passkey_delete(st, pk.id, u), STORE_OK);

	t_passkey_init(&pk, u + 100, 1, "x");
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_ERROR);
	assert_int_equal(t_passkey_rows(st), 0);

	/* The limits themselves are accepted and read back whole. */
	t_passkey_init(&pk, u, 1, "");
	memset(pk.credential_id, 0xc1, STORE_CREDENTIAL_ID_MAX);
	pk.credential_id_len = STORE_CREDENTIAL_ID_MAX;
	memset(pk.public_key, 0x7e, STORE_COSE_KEY_MAX);
	pk.public_key_len = STORE_COSE_KEY_MAX;
	pk.sign_count = UINT32_MAX;
	memset(pk.transports, 't', STORE_TRANSPORTS_MAX);
	memset(pk.fmt, 'f', STORE_FMT_MAX);
	for (size_t i = 0; i < STORE_PASSKEY_NAME_CHARS; i++)
		memcpy(pk.name + 4 * i, "\xf0\x9f\x94\x91", 4);
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_OK);
	assert_int_equal(st->ops->passkey_get(st, pk.id, &got), STORE_OK);
	t_passkey_equal(&got, &pk);
	assert_int_equal(strlen(got.name), STORE_PASSKEY_NAME_MAX);

	/* Lookups by an impossible credential ID length find nothing. */
	assert_int_equal(st->ops->passkey_get_by_credential(st, pk.credential_id, 0, &got),
	    STORE_NOT_FOUND);
	assert_int_equal(st->ops->passkey_get_by_credential(st, pk.credential_id,
	    STORE_CREDENTIAL_ID_MAX + 1, &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->passkey_get_by_credential(st, NULL, 16, &got), STORE_NOT_FOUND);
}

/* A stored value longer than its field is an error, and the output stays untouched. */
static void
test_passkey_overlong_stored(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	int64_t id = t_passkey(st, u, 1, "Laptop");
	struct store_passkey got;
	char sql[256];

	snprintf(sql, sizeof(sql), "UPDATE passkeys SET public_key = zeroblob(%d)",
	    STORE_COSE_KEY_MAX + 1);
	assert_int_equal(sqlite3_exec(store_sqlite_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
	memset(&got, 0x5a, sizeof(got));
	assert_int_equal(st->ops->passkey_get(st, id, &got), STORE_ERROR);
	assert_int_equal(got.public_key[0], 0x5a);
	assert_int_equal(got.id, (int64_t)0x5a5a5a5a5a5a5a5a);

	snprintf(sql, sizeof(sql), "UPDATE passkeys SET public_key = x'01', transports = '%0*d'",
	    STORE_TRANSPORTS_MAX + 1, 1);
	assert_int_equal(sqlite3_exec(store_sqlite_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(st->ops->passkey_get(st, id, &got), STORE_ERROR);
}

struct t_passkeys {
	char names[8][STORE_PASSKEY_NAME_MAX + 1];
	int count;
	int stop_after; /* 0: never stop */
	struct store *st; /* when set, the callback lists again on this handle */
	int nested_result;
};

static int
t_collect_passkey(void *arg, const struct store_passkey *pk)
{
	struct t_passkeys *p = arg;

	snprintf(p->names[p->count], sizeof(p->names[0]), "%s", pk->name);
	p->count++;
	if (p->st != NULL)
		p->nested_result = p->st->ops->passkey_list_by_user(p->st, pk->user_id,
		    t_collect_passkey, p);
	return p->stop_after != 0 && p->count >= p->stop_after;
}

static void
test_passkey_list_rename_delete(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t a1 = t_account(st, "one");
	int64_t u = t_user(st, a1, "u", 0);
	int64_t v = t_user(st, a1, "v", 0);
	struct store_passkey pk;
	struct store_passkey got;
	struct t_passkeys p;
	int64_t count = -1;
	int64_t phone;
	int64_t tablet;

	t_passkey_init(&pk, u, 1, "Laptop");
	pk.created = T_NOW + 2;
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_OK);
	phone = t_passkey(st, u, 2, "Phone");
	t_passkey_init(&pk, u, 3, "Tablet");
	pk.created = T_NOW + 1;
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_OK);
	tablet = pk.id;
	t_passkey(st, v, 4, "Other user");

	memset(&p, 0, sizeof(p));
	assert_int_equal(st->ops->passkey_list_by_user(st, u, t_collect_passkey, &p), STORE_OK);
	assert_int_equal(p.count, 3);
	assert_string_equal(p.names[0], "Phone");
	assert_string_equal(p.names[1], "Tablet");
	assert_string_equal(p.names[2], "Laptop");
	assert_int_equal(st->ops->passkey_count_by_user(st, u, &count), STORE_OK);
	assert_int_equal(count, 3);

	memset(&p, 0, sizeof(p));
	p.stop_after = 1;
	assert_int_equal(st->ops->passkey_list_by_user(st, u, t_collect_passkey, &p), STORE_OK);
	assert_int_equal(p.count, 1);

	/* The same list from its own callback is refused. */
	memset(&p, 0, sizeof(p));
	p.stop_after = 1;
	p.st = st;
	assert_int_equal(st->ops->passkey_list_by_user(st, u, t_collect_passkey, &p), STORE_OK);
	assert_int_equal(p.nested_result, STORE_ERROR);

	assert_int_equal(st->ops->passkey_rename(st, phone, u, "TABLET"), STORE_CONFLICT);
	assert_int_equal(st->ops->passkey_rename(st, phone, u, "PHONE"), STORE_OK);
	assert_int_equal(st->ops->passkey_rename(st, phone, u, "Other user"), STORE_OK);
	assert_int_equal(st->ops->passkey_get(st, phone, &got), STORE_OK);
	assert_string_equal(got.name, "Other user");
	assert_int_equal(st->ops->passkey_rename(st, phone, v, "Stolen"), STORE_NOT_FOUND);
	assert_int_equal(st->ops->passkey_rename(st, phone + 100, u, "Gone"), STORE_NOT_FOUND);
	assert_int_equal(st->ops->passkey_rename(st, phone, u, NULL), STORE_ERROR);
	assert_int_equal(st->ops->passkey_rename(st, phone, u, ""), STORE_ERROR);
	assert_int_equal(st->ops->passkey_rename(st, phone, u,
	    "12345678901234567890123456789012345678901234567890123456789012345"), STORE_ERROR);
	assert_int_equal(st->ops->passkey_get(st, phone, &got), STORE_OK);
	assert_string_equal(got.name, "Other user");

	assert_int_equal(st->ops->passkey_delete(st, tablet, v), STORE_NOT_FOUND);
	assert_int_equal(st->ops->passkey_delete(st, tablet, u), STORE_OK);
	assert_int_equal(st->ops->passkey_delete(st, tablet, u), STORE_NOT_FOUND);
	assert_int_equal(st->ops->passkey_get(st, tablet, &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->passkey_count_by_user(st, u, &count), STORE_OK);
	assert_int_equal(count, 2);
	assert_int_equal(st->ops->passkey_count_by_user(st, u + 100, &count), STORE_OK);
	assert_int_equal(count, 0);
}

static void
test_passkey_use_counter(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	struct store_passkey pk;
	struct store_passkey got;
	int64_t zero;

	t_passkey_init(&pk, u, 1, "Counting");
	pk.sign_count = 10;
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_OK);

	assert_int_equal(st->ops->passkey_use(st, pk.id, 10, 11, 0, T_NOW + 5), STORE_OK);
	assert_int_equal(st->ops->passkey_get(st, pk.id, &got), STORE_OK);
	assert_int_equal(got.sign_count, 11);
	assert_int_equal(got.backup_state, 0);
	assert_int_equal(got.last_used, T_NOW + 5);

	/* A second assertion read at the old counter loses. */
	assert_int_equal(st->ops->passkey_use(st, pk.id, 10, 12, 1, T_NOW + 6), STORE_CONFLICT);
	assert_int_equal(st->ops->passkey_get(st, pk.id, &got), STORE_OK);
	assert_int_equal(got.sign_count, 11);
	assert_int_equal(got.last_used, T_NOW + 5);
	assert_int_equal(st->ops->passkey_use(st, pk.id, 11, UINT32_MAX, 1, T_NOW + 7), STORE_OK);
	assert_int_equal(st->ops->passkey_get(st, pk.id, &got), STORE_OK);
	assert_int_equal(got.sign_count, UINT32_MAX);
	assert_int_equal(got.backup_state, 1);
	assert_int_equal(st->ops->passkey_use(st, pk.id + 100, 0, 1, 0, T_NOW), STORE_CONFLICT);

	/* Counters out of range, and BS without BE, are errors. */
	assert_int_equal(st->ops->passkey_use(st, pk.id, UINT32_MAX, (int64_t)UINT32_MAX + 1, 1,
	    T_NOW), STORE_ERROR);
	assert_int_equal(st->ops->passkey_use(st, pk.id, UINT32_MAX, -1, 1, T_NOW), STORE_ERROR);
	t_passkey_init(&pk, u, 2, "Not synced");
	pk.backup_eligible = 0;
	pk.backup_state = 0;
	assert_int_equal(st->ops->passkey_create(st, &pk, NULL), STORE_OK);
	assert_int_equal(st->ops->passkey_use(st, pk.id, 0, 1, 1, T_NOW), STORE_ERROR);
	assert_int_equal(st->ops->passkey_get(st, pk.id, &got), STORE_OK);
	assert_int_equal(got.sign_count, 0);

	/* A counter that stays 0 succeeds each time. */
	zero = t_passkey(st, u, 3, "No counter");
	assert_int_equal(st->ops->passkey_use(st, zero, 0, 0, 1, T_NOW + 1), STORE_OK);
	assert_int_equal(st->ops->passkey_use(st, zero, 0, 0, 1, T_NOW + 2), STORE_OK);
	assert_int_equal(st->ops->passkey_get(st, zero, &got), STORE_OK);
	assert_int_equal(got.last_used, T_NOW + 2);
}

/* Two handles read one counter value; only the first update wins. */
static void
test_passkey_use_two_handles(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	int64_t id = t_passkey(st, u, 1, "Shared");
	struct store *other = NULL;
	struct store_passkey seen_a;
	struct store_passkey seen_b;

	assert_int_equal(st->ops->passkey_use(st, id, 0, 5, 1, T_NOW), STORE_OK);
	assert_int_equal(store_open(db->path, NULL, &other), STORE_OK);
	assert_int_equal(st->ops->passkey_get(st, id, &seen_a), STORE_OK);
	assert_int_equal(other->ops->passkey_get(other, id, &seen_b), STORE_OK);
	assert_int_equal(seen_a.sign_count, 5);
	assert_int_equal(seen_b.sign_count, 5);

	assert_int_equal(other->ops->passkey_use(other, id, seen_b.sign_count, 7, 1, T_NOW + 1),
	    STORE_OK);
	assert_int_equal(st->ops->passkey_use(st, id, seen_a.sign_count, 6, 1, T_NOW + 2),
	    STORE_CONFLICT);
	assert_int_equal(st->ops->passkey_get(st, id, &seen_a), STORE_OK);
	assert_int_equal(seen_a.sign_count, 7);
	assert_int_equal(seen_a.last_used, T_NOW + 1);
	store_close(&other);
}

static void
test_webauthn_challenge_take(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t a1 = t_account(st, "one");
	int64_t u = t_user(st, a1, "u", 0);
	struct store_webauthn_challenge c[3];
	struct store_webauthn_challenge got;

	t_webauthn_init(&c[0], WEBAUTHN_CEREMONY_REGISTRATION, u, 1, T_NOW + 300);
	t_webauthn_init(&c[1], WEBAUTHN_CEREMONY_SECOND_FACTOR, u, 2, T_NOW + 300);
	c[1].user_verification = WEBAUTHN_UV_DISCOURAGED;
	t_webauthn_init(&c[2], WEBAUTHN_CEREMONY_PASSWORDLESS, 0, 3, T_NOW + 300);
	c[2].account_id = a1;
	c[2].user_verification = WEBAUTHN_UV_REQUIRED;
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(st->ops->webauthn_challenge_create(st, &c[i]), STORE_OK);
		assert_int_equal(st->ops->webauthn_challenge_create(st, &c[i]), STORE_CONFLICT);
	}
	assert_int_equal(t_sql_int(store_sqlite_db(st),
	    "SELECT count(*) FROM webauthn_challenges WHERE user_id IS NULL"), 1);

	for (size_t i = 0; i < 3; i++) {
		memset(&got, 0x5a, sizeof(got));
		assert_int_equal(st->ops->webauthn_challenge_take(st, c[i].challenge_hash, &got),
		    STORE_OK);
		t_webauthn_equal(&got, &c[i]);
		memset(&got, 0x5a, sizeof(got));
		assert_int_equal(st->ops->webauthn_challenge_take(st, c[i].challenge_hash, &got),
		    STORE_NOT_FOUND);
		assert_int_equal(got.kind, 0x5a5a5a5a);
	}
	assert_int_equal(t_sql_int(store_sqlite_db(st), "SELECT count(*) FROM webauthn_challenges"),
	    0);

	/* An expired challenge is still returned; the caller checks expires. */
	t_webauthn_init(&c[0], WEBAUTHN_CEREMONY_SECOND_FACTOR, u, 4, T_NOW - 1);
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c[0]), STORE_OK);
	assert_int_equal(st->ops->webauthn_challenge_take(st, c[0].challenge_hash, &got), STORE_OK);
	assert_int_equal(got.expires, T_NOW - 1);
}

/* Each invalid challenge gives STORE_ERROR and stores nothing. */
static void
test_webauthn_challenge_invalid(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	struct store_webauthn_challenge c;

	t_webauthn_init(&c, 3, u, 1, T_NOW + 300);
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_ERROR);
	t_webauthn_init(&c, -1, u, 1, T_NOW + 300);
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_ERROR);
	t_webauthn_init(&c, WEBAUTHN_CEREMONY_PASSWORDLESS, 0, 1, T_NOW + 300);
	c.user_verification = 3;
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_ERROR);
	c.user_verification = WEBAUTHN_UV_REQUIRED;
	c.account_id = -1;
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_ERROR);

	t_webauthn_init(&c, WEBAUTHN_CEREMONY_REGISTRATION, u, 1, T_NOW + 300);
	c.has_session_hash = 0;
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_ERROR);
	t_webauthn_init(&c, WEBAUTHN_CEREMONY_REGISTRATION, 0, 1, T_NOW + 300);
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_ERROR);
	t_webauthn_init(&c, WEBAUTHN_CEREMONY_SECOND_FACTOR, u, 1, T_NOW + 300);
	c.has_mfa_challenge_hash = 0;
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_ERROR);
	t_webauthn_init(&c, WEBAUTHN_CEREMONY_SECOND_FACTOR, 0, 1, T_NOW + 300);
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_ERROR);

	/* Unknown ids break the foreign keys. */
	t_webauthn_init(&c, WEBAUTHN_CEREMONY_SECOND_FACTOR, u + 100, 1, T_NOW + 300);
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_ERROR);
	t_webauthn_init(&c, WEBAUTHN_CEREMONY_PASSWORDLESS, 0, 1, T_NOW + 300);
	c.account_id = 999;
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_ERROR);

	assert_int_equal(t_sql_int(store_sqlite_db(st), "SELECT count(*) FROM webauthn_challenges"),
	    0);
}

/* Two handles take one challenge in turn; the second finds it gone. */
static void
test_webauthn_take_two_handles(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	struct store_webauthn_challenge c;
	struct store_webauthn_challenge got;
	struct store *other = NULL;

	assert_int_equal(store_open(db->path, NULL, &other), STORE_OK);
	t_webauthn_init(&c, WEBAUTHN_CEREMONY_SECOND_FACTOR, u, 1, T_NOW + 300);
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_OK);
	assert_int_equal(other->ops->webauthn_challenge_take(other, c.challenge_hash, &got),
	    STORE_OK);
	assert_int_equal(got.user_id, u);
	assert_int_equal(st->ops->webauthn_challenge_take(st, c.challenge_hash, &got),
	    STORE_NOT_FOUND);
	store_close(&other);
}

/* Many handles on one file run one operation at once, released by a barrier. */

struct t_op_race {
	const char *path;
	pthread_barrier_t *barrier;
	int (*op)(struct store *st, struct t_op_race *race);
	int64_t passkey_id;
	int64_t old_count;
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	int64_t got_user_id;
	int result;
};

static int
t_op_passkey_use(struct store *st, struct t_op_race *race)
{
	return st->ops->passkey_use(st, race->passkey_id, race->old_count, race->old_count + 1, 1,
	    T_NOW);
}

static int
t_op_challenge_take(struct store *st, struct t_op_race *race)
{
	struct store_webauthn_challenge c;
	int r;

	r = st->ops->webauthn_challenge_take(st, race->hash, &c);
	if (r == STORE_OK)
		race->got_user_id = c.user_id;
	return r;
}

static void *
t_op_race_thread(void *arg)
{
	struct t_op_race *race = arg;
	struct store *st = NULL;

	race->result = STORE_ERROR;
	if (store_open(race->path, NULL, &st) != STORE_OK) {
		pthread_barrier_wait(race->barrier);
		return NULL;
	}
	pthread_barrier_wait(race->barrier);
	race->result = race->op(st, race);
	store_close(&st);
	return NULL;
}

/* Run T_THREADS copies of *proto at once; return how many got STORE_OK, checking the rest. */
static int
t_op_race_run(const struct t_op_race *proto, int loser_result)
{
	struct t_op_race races[T_THREADS];
	pthread_t threads[T_THREADS];
	pthread_barrier_t barrier;
	int ok = 0;

	assert_int_equal(pthread_barrier_init(&barrier, NULL, T_THREADS), 0);
	for (int i = 0; i < T_THREADS; i++) {
		races[i] = *proto;
		races[i].barrier = &barrier;
		assert_int_equal(pthread_create(&threads[i], NULL, t_op_race_thread, &races[i]), 0);
	}
	for (int i = 0; i < T_THREADS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		if (races[i].result == STORE_OK) {
			ok++;
			assert_int_equal(races[i].got_user_id, proto->got_user_id);
		} else {
			assert_int_equal(races[i].result, loser_result);
		}
	}
	pthread_barrier_destroy(&barrier);
	return ok;
}

static void
test_passkey_use_parallel(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "race"), "u", 0);
	struct t_op_race proto = {
		.path = db->path, .op = t_op_passkey_use, .passkey_id = t_passkey(st, u, 1, "Raced"),
	};
	struct store_passkey got;

	/* Each round's winner leaves the counter at the next round's old_count. */
	assert_int_equal(st->ops->passkey_use(st, proto.passkey_id, 0, 100, 1, T_NOW), STORE_OK);
	for (int round = 0; round < T_ROUNDS; round++) {
		proto.old_count = 100 + round;
		assert_int_equal(t_op_race_run(&proto, STORE_CONFLICT), 1);
		assert_int_equal(st->ops->passkey_get(st, proto.passkey_id, &got), STORE_OK);
		assert_int_equal(got.sign_count, proto.old_count + 1);
	}
}

static void
test_webauthn_take_parallel(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "race"), "u", 0);
	struct t_op_race proto = { .path = db->path, .op = t_op_challenge_take, .got_user_id = u };
	struct store_webauthn_challenge c;

	for (int round = 0; round < T_ROUNDS; round++) {
		t_webauthn_init(&c, WEBAUTHN_CEREMONY_SECOND_FACTOR, u, (uint8_t)round, T_NOW + 300);
		assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_OK);
		memcpy(proto.hash, c.challenge_hash, sizeof(proto.hash));
		assert_int_equal(t_op_race_run(&proto, STORE_NOT_FOUND), 1);
	}
	assert_int_equal(t_sql_int(store_sqlite_db(st), "SELECT count(*) FROM webauthn_challenges"),
	    0);
}

static void
test_purge_expired_webauthn(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	const int64_t now = T_NOW + 3600;
	struct store_webauthn_challenge c_old;
	struct store_webauthn_challenge c_edge;
	struct store_webauthn_challenge c_live;
	struct store_webauthn_challenge got;

	t_webauthn_init(&c_old, WEBAUTHN_CEREMONY_REGISTRATION, u, 1, now - 1);
	t_webauthn_init(&c_edge, WEBAUTHN_CEREMONY_PASSWORDLESS, 0, 2, now);
	t_webauthn_init(&c_live, WEBAUTHN_CEREMONY_SECOND_FACTOR, u, 3, now + 1);
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c_old), STORE_OK);
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c_edge), STORE_OK);
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c_live), STORE_OK);
	t_passkey(st, u, 1, "Kept");

	assert_int_equal(st->ops->purge_expired(st, now), STORE_OK);
	assert_int_equal(st->ops->webauthn_challenge_take(st, c_old.challenge_hash, &got),
	    STORE_NOT_FOUND);
	assert_int_equal(st->ops->webauthn_challenge_take(st, c_edge.challenge_hash, &got),
	    STORE_NOT_FOUND);
	assert_int_equal(st->ops->webauthn_challenge_take(st, c_live.challenge_hash, &got),
	    STORE_OK);
	assert_int_equal(t_passkey_rows(st), 1);
}

static void
test_delete_cascades_passkeys(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	sqlite3 *raw = store_sqlite_db(st);
	int64_t a1 = t_account(st, "one");
	int64_t a2 = t_account(st, "two");
	int64_t deleted = t_user(st, a1, "deleted", 0);
	int64_t other = t_user(st, a1, "other", 0);
	int64_t far = t_user(st, a2, "far", 0);
	struct store_webauthn_challenge c;
	struct store_passkey pk;
	int64_t count = 0;
	int64_t kept_id;

	t_passkey(st, deleted, 1, "Gone 1");
	t_passkey(st, deleted, 2, "Gone 2");
	kept_id = t_passkey(st, other, 3, "Kept");
	t_passkey(st, far, 4, "Far");
	t_webauthn_init(&c, WEBAUTHN_CEREMONY_REGISTRATION, deleted, 1, T_NOW + 300);
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_OK);
	t_webauthn_init(&c, WEBAUTHN_CEREMONY_SECOND_FACTOR, other, 2, T_NOW + 300);
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_OK);
	t_webauthn_init(&c, WEBAUTHN_CEREMONY_PASSWORDLESS, 0, 3, T_NOW + 300);
	c.account_id = a1;
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_OK);
	t_webauthn_init(&c, WEBAUTHN_CEREMONY_PASSWORDLESS, 0, 4, T_NOW + 300);
	assert_int_equal(st->ops->webauthn_challenge_create(st, &c), STORE_OK);

	assert_int_equal(st->ops->user_delete(st, deleted), STORE_OK);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM passkeys"), 2);
	assert_int_equal(st->ops->passkey_get(st, kept_id, &pk), STORE_OK);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM webauthn_challenges"), 3);

	/* The account takes its users' passkeys and challenges, and challenges naming it. */
	assert_int_equal(st->ops->account_delete(st, a1), STORE_OK);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM passkeys"), 1);
	assert_int_equal(st->ops->passkey_count_by_user(st, far, &count), STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM webauthn_challenges"), 1);
	assert_int_equal(t_sql_int(raw,
	    "SELECT count(*) FROM webauthn_challenges WHERE account_id IS NULL"), 1);
}

/* Security email factor and outbox (schema version 3) */

static void
t_security_email_init(struct store_security_email *e, int64_t user_id, int64_t account_id,
    const char *address)
{
	memset(e, 0, sizeof(*e));
	e->user_id = user_id;
	e->account_id = account_id;
	snprintf(e->address, sizeof(e->address), "%s", address);
	for (size_t i = 0; e->address[i] != '\0'; i++) {
		char c = e->address[i];

		e->address_key[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	e->created = T_NOW;
	e->verified_at = T_NOW + 1;
}

static void
t_email_code_init(struct store_email_code *c, int64_t user_id, int purpose, uint8_t seed,
    int64_t expires)
{
	memset(c, 0, sizeof(*c));
	c->user_id = user_id;
	c->purpose = purpose;
	snprintf(c->address, sizeof(c->address), "User@Example.com");
	snprintf(c->address_key, sizeof(c->address_key), "user@example.com");
	t_hash(c->code_hash, seed);
	c->created = T_NOW;
	c->expires = expires;
	if (purpose == EMAIL_CODE_LOGON) {
		c->has_logon_hash = 1;
		t_hash(c->logon_hash, (uint8_t)(seed + 100));
	}
}

static void
t_outbox_init(struct store_outbox_message *m, const char *id, char *data, int64_t at)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->recipient, sizeof(m->recipient), "alice@example.com");
	snprintf(m->message_id, sizeof(m->message_id), "%s@localhost", id);
	m->data = data;
	m->data_len = strlen(data);
	m->created = at;
	m->next_attempt = at;
}

/*
 * A version 2 database with accounts, users and a passkey keeps them when
 * the store opens it, and gets the empty email tables.
 */
static void
test_migrate_v2_to_v3_keeps_data(void **state)
{
	static const char rows[] =
	    "INSERT INTO accounts (alias, created, passkey_logon) VALUES ('legacy', 1600000000, 0);"
	    "INSERT INTO users (account_id, name, display_name, is_owner, created, updated)"
	    " VALUES (1, '', 'Owner', 1, 1600000000, 1600000000),"
	    " (1, 'alice', 'Alice', 0, 1600000001, 1600000002);"
	    "INSERT INTO passkeys (user_id, credential_id, public_key, algorithm, sign_count,"
	    " aaguid, transports, backup_eligible, backup_state, user_verified, fmt, name, created,"
	    " last_used) VALUES (2, x'01020304', x'a5', -7, 9, zeroblob(16), 'usb', 0, 0, 1,"
	    " 'none', 'Key', 1600000003, 0);";
	struct t_db *db = *state;
	struct store *st = NULL;
	struct store_account a;
	struct store_passkey pk;
	struct store_security_email e;
	struct store_email_code c;
	char path[PATH_MAX + 8];
	sqlite3 *raw = NULL;
	int version = -1;

	snprintf(path, sizeof(path), "%s-v2", db->path);
	t_unlink_db(path);
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(store_sqlite_migrate(raw, store_sqlite_migrations, 2), STORE_OK);
	assert_int_equal(t_sql_int(raw, "PRAGMA user_version"), 2);
	assert_int_equal(sqlite3_exec(raw, rows, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(raw), SQLITE_OK);
	assert_int_equal(chmod(path, 0600), 0);

	assert_int_equal(store_open(path, NULL, &st), STORE_OK);
	assert_int_equal(st->ops->schema_version(st, &version), STORE_OK);
	assert_int_equal(version, store_schema_latest());
	assert_int_equal(st->ops->account_get_by_alias(st, "legacy", &a), STORE_OK);
	assert_int_equal(a.passkey_logon, 0);
	assert_int_equal(st->ops->passkey_get(st, 1, &pk), STORE_OK);
	assert_int_equal(pk.user_id, 2);
	assert_int_equal(pk.sign_count, 9);
	assert_string_equal(pk.name, "Key");

	/* The new tables start empty and work with the old rows. */
	assert_int_equal(st->ops->security_email_get(st, 2, &e), STORE_NOT_FOUND);
	t_security_email_init(&e, 2, 1, "alice@example.com");
	assert_int_equal(st->ops->security_email_put(st, &e), STORE_OK);
	t_email_code_init(&c, 2, EMAIL_CODE_VERIFY, 1, T_NOW + 600);
	assert_int_equal(st->ops->email_code_replace(st, &c), STORE_OK);
	assert_int_equal(t_sql_int(store_sqlite_db(st), "SELECT count(*) FROM outbox"), 0);

	store_close(&st);
	t_unlink_db(path);
}

static void
test_security_email_put_get_delete(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t acct = t_account(st, "one");
	int64_t other = t_account(st, "two");
	int64_t u = t_user(st, acct, "u", 0);
	struct store_security_email e;
	struct store_security_email got;

	t_security_email_init(&e, u, acct, "Alice@Example.com");
	assert_int_equal(st->ops->security_email_put(st, &e), STORE_OK);
	assert_int_equal(st->ops->security_email_get(st, u, &got), STORE_OK);
	assert_int_equal(got.user_id, u);
	assert_int_equal(got.account_id, acct);
	assert_string_equal(got.address, "Alice@Example.com");
	assert_string_equal(got.address_key, "alice@example.com");
	assert_int_equal(got.created, T_NOW);
	assert_int_equal(got.verified_at, T_NOW + 1);

	/* A second put replaces the address: one per user. */
	t_security_email_init(&e, u, acct, "bob@example.org");
	e.verified_at = T_NOW + 50;
	assert_int_equal(st->ops->security_email_put(st, &e), STORE_OK);
	assert_int_equal(st->ops->security_email_get(st, u, &got), STORE_OK);
	assert_string_equal(got.address, "bob@example.org");
	assert_int_equal(got.verified_at, T_NOW + 50);
	assert_int_equal(t_sql_int(store_sqlite_db(st), "SELECT count(*) FROM security_emails"), 1);

	/* The user must be in the account given, and exist. */
	e.account_id = other;
	assert_int_equal(st->ops->security_email_put(st, &e), STORE_NOT_FOUND);
	e.account_id = acct;
	e.user_id = u + 100;
	assert_int_equal(st->ops->security_email_put(st, &e), STORE_NOT_FOUND);

	assert_int_equal(st->ops->security_email_delete(st, u), STORE_OK);
	assert_int_equal(st->ops->security_email_delete(st, u), STORE_NOT_FOUND);
	assert_int_equal(st->ops->security_email_get(st, u, &got), STORE_NOT_FOUND);
}

static void
test_security_email_invalid(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t acct = t_account(st, "one");
	int64_t u = t_user(st, acct, "u", 0);
	struct store_security_email e;

	t_security_email_init(&e, u, acct, "a@b.c\r\nBcc: x@y.z");
	assert_int_equal(st->ops->security_email_put(st, &e), STORE_ERROR);
	t_security_email_init(&e, u, acct, "");
	assert_int_equal(st->ops->security_email_put(st, &e), STORE_ERROR);
	t_security_email_init(&e, u, acct, "a@b.c");
	e.address_key[0] = '\0';
	assert_int_equal(st->ops->security_email_put(st, &e), STORE_ERROR);
	t_security_email_init(&e, u, acct, "a@b.c");
	memset(e.address, 'a', sizeof(e.address)); /* no NUL within the field */
	assert_int_equal(st->ops->security_email_put(st, &e), STORE_ERROR);
	t_security_email_init(&e, u, acct, "a@b.c");
	e.account_id = 0;
	assert_int_equal(st->ops->security_email_put(st, &e), STORE_ERROR);
	assert_int_equal(t_sql_int(store_sqlite_db(st), "SELECT count(*) FROM security_emails"), 0);
}

static void
test_security_email_count_by_address(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t acct = t_account(st, "one");
	int64_t other = t_account(st, "two");
	int64_t users[3];
	int64_t stranger = t_user(st, other, "x", 0);
	struct store_security_email e;
	int64_t count = -1;

	for (int i = 0; i < 3; i++) {
		char name[8];

		snprintf(name, sizeof(name), "u%d", i);
		users[i] = t_user(st, acct, name, 0);
		t_security_email_init(&e, users[i], acct, i == 0 ? "Shared@Example.com" :
		    "shared@example.com");
		assert_int_equal(st->ops->security_email_put(st, &e), STORE_OK);
	}
	t_security_email_init(&e, stranger, other, "shared@example.com");
	assert_int_equal(st->ops->security_email_put(st, &e), STORE_OK);

	/* Counted by address_key within one account. */
	assert_int_equal(st->ops->security_email_count_by_address(st, acct, "shared@example.com",
	    0, &count), STORE_OK);
	assert_int_equal(count, 3);
	assert_int_equal(st->ops->security_email_count_by_address(st, acct, "shared@example.com",
	    users[1], &count), STORE_OK);
	assert_int_equal(count, 2);
	assert_int_equal(st->ops->security_email_count_by_address(st, other, "shared@example.com",
	    0, &count), STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(st->ops->security_email_count_by_address(st, acct, "none@example.com",
	    0, &count), STORE_OK);
	assert_int_equal(count, 0);
}

static void
test_email_code_replace(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	struct store_email_code first;
	struct store_email_code second;
	struct store_email_code logon;
	struct store_email_code got;
	int attempts = -1;

	t_email_code_init(&first, u, EMAIL_CODE_VERIFY, 1, T_NOW + 600);
	first.attempts = 2;
	assert_int_equal(st->ops->email_code_replace(st, &first), STORE_OK);
	assert_true(first.id > 0);
	assert_int_equal(st->ops->email_code_get(st, u, EMAIL_CODE_VERIFY, &got), STORE_OK);
	assert_int_equal(got.id, first.id);
	assert_int_equal(got.attempts, 2);
	assert_memory_equal(got.code_hash, first.code_hash, STORE_TOKEN_HASH_LEN);
	assert_string_equal(got.address, "User@Example.com");
	assert_string_equal(got.address_key, "user@example.com");
	assert_int_equal(got.expires, T_NOW + 600);
	assert_int_equal(got.has_logon_hash, 0);

	/* A new code of the same purpose replaces the old one, with a new id. */
	t_email_code_init(&second, u, EMAIL_CODE_VERIFY, 2, T_NOW + 900);
	assert_int_equal(st->ops->email_code_replace(st, &second), STORE_OK);
	assert_true(second.id > first.id);
	assert_int_equal(st->ops->email_code_get(st, u, EMAIL_CODE_VERIFY, &got), STORE_OK);
	assert_int_equal(got.id, second.id);
	assert_int_equal(got.attempts, 0);
	assert_memory_equal(got.code_hash, second.code_hash, STORE_TOKEN_HASH_LEN);
	assert_int_equal(st->ops->email_code_delete(st, first.id), STORE_NOT_FOUND);
	assert_int_equal(st->ops->email_code_add_attempt(st, first.id, &attempts), STORE_NOT_FOUND);

	/* Other purposes live beside it. */
	t_email_code_init(&logon, u, EMAIL_CODE_LOGON, 3, T_NOW + 600);
	assert_int_equal(st->ops->email_code_replace(st, &logon), STORE_OK);
	assert_int_equal(st->ops->email_code_get(st, u, EMAIL_CODE_LOGON, &got), STORE_OK);
	assert_int_equal(got.has_logon_hash, 1);
	assert_memory_equal(got.logon_hash, logon.logon_hash, STORE_TOKEN_HASH_LEN);
	assert_int_equal(st->ops->email_code_get(st, u, EMAIL_CODE_STEP_UP, &got),
	    STORE_NOT_FOUND);
	assert_int_equal(t_sql_int(store_sqlite_db(st), "SELECT count(*) FROM email_codes"), 2);

	/* Wrong codes count atomically on the live code. */
	assert_int_equal(st->ops->email_code_add_attempt(st, second.id, &attempts), STORE_OK);
	assert_int_equal(attempts, 1);
	assert_int_equal(st->ops->email_code_add_attempt(st, second.id, &attempts), STORE_OK);
	assert_int_equal(attempts, 2);

	/* Spent once. */
	assert_int_equal(st->ops->email_code_delete(st, second.id), STORE_OK);
	assert_int_equal(st->ops->email_code_delete(st, second.id), STORE_NOT_FOUND);
	assert_int_equal(st->ops->email_code_get(st, u, EMAIL_CODE_VERIFY, &got), STORE_NOT_FOUND);
}

static void
test_email_code_invalid(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	struct store_email_code c;
	struct store_email_code kept;

	t_email_code_init(&kept, u, EMAIL_CODE_STEP_UP, 1, T_NOW + 600);
	assert_int_equal(st->ops->email_code_replace(st, &kept), STORE_OK);

	t_email_code_init(&c, u, EMAIL_CODE_LOGON, 2, T_NOW + 600);
	c.has_logon_hash = 0;
	assert_int_equal(st->ops->email_code_replace(st, &c), STORE_ERROR);
	t_email_code_init(&c, u, 3, 2, T_NOW + 600);
	assert_int_equal(st->ops->email_code_replace(st, &c), STORE_ERROR);
	t_email_code_init(&c, u, EMAIL_CODE_STEP_UP, 2, T_NOW + 600);
	c.attempts = -1;
	assert_int_equal(st->ops->email_code_replace(st, &c), STORE_ERROR);
	t_email_code_init(&c, u, EMAIL_CODE_STEP_UP, 2, T_NOW + 600);
	snprintf(c.address, sizeof(c.address), "a@b.c\n");
	assert_int_equal(st->ops->email_code_replace(st, &c), STORE_ERROR);

	/* An unknown user fails the insert, and the savepoint keeps the old code. */
	t_email_code_init(&c, u, EMAIL_CODE_STEP_UP, 2, T_NOW + 600);
	assert_int_equal(st->ops->email_code_replace(st, &c), STORE_OK);
	t_email_code_init(&c, u + 100, EMAIL_CODE_STEP_UP, 3, T_NOW + 600);
	assert_int_equal(st->ops->email_code_replace(st, &c), STORE_ERROR);
	assert_int_equal(st->ops->email_code_get(st, u, EMAIL_CODE_STEP_UP, &kept), STORE_OK);
	assert_int_equal(kept.code_hash[0], 2);
}

/* Two handles spend one code in turn; the second finds it gone. */
static void
test_email_code_delete_two_handles(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	struct store_email_code c;
	struct store *other = NULL;

	assert_int_equal(store_open(db->path, NULL, &other), STORE_OK);
	t_email_code_init(&c, u, EMAIL_CODE_LOGON, 1, T_NOW + 600);
	assert_int_equal(st->ops->email_code_replace(st, &c), STORE_OK);

	/* As a flow does: the delete runs in the transaction that makes the session. */
	assert_int_equal(store_begin(other), STORE_OK);
	assert_int_equal(other->ops->email_code_delete(other, c.id), STORE_OK);
	assert_int_equal(store_commit(other), STORE_OK);
	assert_int_equal(store_begin(st), STORE_OK);
	assert_int_equal(st->ops->email_code_delete(st, c.id), STORE_NOT_FOUND);
	assert_int_equal(store_rollback(st), STORE_OK);
	store_close(&other);
}

static int
t_op_email_code_delete(struct store *st, struct t_op_race *race)
{
	int r;

	if (store_begin(st) != STORE_OK)
		return STORE_ERROR;
	r = st->ops->email_code_delete(st, race->passkey_id);
	if (r != STORE_OK) {
		(void)store_rollback(st);
		return r;
	}
	return store_commit(st);
}

static void
test_email_code_delete_parallel(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t u = t_user(st, t_account(st, "race"), "u", 0);
	struct t_op_race proto = { .path = db->path, .op = t_op_email_code_delete };
	struct store_email_code c;

	for (int round = 0; round < T_ROUNDS; round++) {
		t_email_code_init(&c, u, EMAIL_CODE_STEP_UP, (uint8_t)round, T_NOW + 600);
		assert_int_equal(st->ops->email_code_replace(st, &c), STORE_OK);
		proto.passkey_id = c.id; /* the id field of the race carries the code's id */
		assert_int_equal(t_op_race_run(&proto, STORE_NOT_FOUND), 1);
	}
}

static void
test_email_send_stats(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t acct = t_account(st, "one");
	int64_t u = t_user(st, acct, "u", 0);
	int64_t v = t_user(st, acct, "v", 0);
	int64_t count = -1;
	int64_t last = -1;

	assert_int_equal(st->ops->email_send_stats(st, u, 0, &count, &last), STORE_OK);
	assert_int_equal(count, 0);
	assert_int_equal(last, 0);

	assert_int_equal(st->ops->email_send_record(st, u, T_NOW - 90000), STORE_OK);
	assert_int_equal(st->ops->email_send_record_to(st, u, "a@example.com", T_NOW - 3600),
	    STORE_OK);
	assert_int_equal(st->ops->email_send_record_to(st, u, "a@example.com", T_NOW - 30),
	    STORE_OK);
	assert_int_equal(st->ops->email_send_record_to(st, v, "a@example.com", T_NOW - 10),
	    STORE_OK);

	/* One code per 60 s: the last one was 30 s ago. */
	assert_int_equal(st->ops->email_send_stats(st, u, T_NOW - 60, &count, &last), STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(last, T_NOW - 30);
	/* Ten a day: the one 25 hours ago no longer counts. */
	assert_int_equal(st->ops->email_send_stats(st, u, T_NOW - 86400, &count, &last),
	    STORE_OK);
	assert_int_equal(count, 2);
	assert_int_equal(st->ops->email_send_stats(st, u, 0, &count, &last), STORE_OK);
	assert_int_equal(count, 3);

	/* Per address, over every user; records without an address do not count. */
	assert_int_equal(st->ops->email_send_stats_by_address(st, "a@example.com", T_NOW - 86400,
	    &count, &last), STORE_OK);
	assert_int_equal(count, 3);
	assert_int_equal(last, T_NOW - 10);
	assert_int_equal(st->ops->email_send_stats_by_address(st, "b@example.com", 0, &count,
	    &last), STORE_OK);
	assert_int_equal(count, 0);
	assert_int_equal(last, 0);
	assert_int_equal(st->ops->email_send_record_to(st, u, "bad\r\n", T_NOW), STORE_ERROR);
}

static void
test_outbox_queue_and_deliver(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	sqlite3 *raw = store_sqlite_db(st);
	char body_a[] = "Subject: a\r\n\r\ncode 123456\r\n";
	char body_b[] = "Subject: b\r\n\r\nsecond\r\n";
	struct store_outbox_message a;
	struct store_outbox_message b;
	struct store_outbox_message got = { 0 };
	int64_t count = -1;
	int64_t at = -1;

	assert_int_equal(st->ops->outbox_next_attempt(st, &at), STORE_NOT_FOUND);
	t_outbox_init(&a, "aaaa", body_a, T_NOW);
	t_outbox_init(&b, "bbbb", body_b, T_NOW + 5);
	a.expires = T_NOW + 600;
	assert_int_equal(st->ops->outbox_enqueue(st, &a), STORE_OK);
	assert_int_equal(st->ops->outbox_enqueue(st, &b), STORE_OK);
	assert_true(a.id > 0 && b.id > a.id);
	assert_int_equal(a.state, OUTBOX_QUEUED);
	assert_int_equal(st->ops->outbox_next_attempt(st, &at), STORE_OK);
	assert_int_equal(at, T_NOW);

	/* Only a is due at T_NOW; its data comes back whole. */
	assert_int_equal(st->ops->outbox_next_due(st, T_NOW - 1, &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->outbox_next_due(st, T_NOW, &got), STORE_OK);
	assert_int_equal(got.id, a.id);
	assert_string_equal(got.recipient, "alice@example.com");
	assert_string_equal(got.message_id, "aaaa@localhost");
	assert_int_equal(got.data_len, strlen(body_a));
	assert_memory_equal(got.data, body_a, got.data_len);
	assert_int_equal(got.state, OUTBOX_QUEUED);
	assert_int_equal(got.attempts, 0);
	assert_int_equal(got.expires, T_NOW + 600);
	store_outbox_message_clear(&got);
	assert_null(got.data);

	/* A retry moves a behind b. */
	assert_int_equal(st->ops->outbox_mark_retry(st, a.id, 1, T_NOW + 10, "450 busy"), STORE_OK);
	assert_int_equal(st->ops->outbox_next_due(st, T_NOW + 5, &got), STORE_OK);
	assert_int_equal(got.id, b.id);
	store_outbox_message_clear(&got);
	assert_int_equal(st->ops->outbox_next_due(st, T_NOW + 10, &got), STORE_OK);
	assert_int_equal(got.id, b.id); /* due earlier */
	store_outbox_message_clear(&got);

	/* Sent: its data is dropped, and it is no longer due. */
	assert_int_equal(st->ops->outbox_mark_sent(st, b.id, T_NOW + 6), STORE_OK);
	assert_int_equal(st->ops->outbox_mark_sent(st, b.id, T_NOW + 7), STORE_NOT_FOUND);
	assert_int_equal(t_sql_int(raw, "SELECT length(data) FROM outbox WHERE message_id = "
	    "'bbbb@localhost'"), 0);
	assert_int_equal(st->ops->outbox_next_due(st, T_NOW + 10, &got), STORE_OK);
	assert_int_equal(got.id, a.id);
	assert_int_equal(got.attempts, 1);
	assert_string_equal(got.last_error, "450 busy");
	store_outbox_message_clear(&got);

	/* Failed: also dropped, and a failed message cannot be marked again. */
	assert_int_equal(st->ops->outbox_mark_failed(st, a.id, "550 no such user"), STORE_OK);
	assert_int_equal(st->ops->outbox_mark_retry(st, a.id, 2, T_NOW, "x"), STORE_NOT_FOUND);
	assert_int_equal(st->ops->outbox_mark_sent(st, a.id, T_NOW), STORE_NOT_FOUND);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM outbox WHERE length(data) > 0"), 0);
	assert_int_equal(st->ops->outbox_next_due(st, T_NOW + 86400, &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->outbox_next_attempt(st, &at), STORE_NOT_FOUND);

	assert_int_equal(st->ops->outbox_count(st, OUTBOX_QUEUED, &count), STORE_OK);
	assert_int_equal(count, 0);
	assert_int_equal(st->ops->outbox_count(st, OUTBOX_SENT, &count), STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(st->ops->outbox_count(st, OUTBOX_FAILED, &count), STORE_OK);
	assert_int_equal(count, 1);
}

static int
t_collect_outbox(void *arg, const struct store_outbox_message *m)
{
	int64_t *ids = arg;

	assert_null(m->data);
	for (int i = 0; i < 4; i++) {
		if (ids[i] == 0) {
			ids[i] = m->id;
			break;
		}
	}
	return 0;
}

static void
test_outbox_list_and_limits(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	char body[] = "x";
	char *big = malloc(STORE_OUTBOX_DATA_MAX + 2);
	struct store_outbox_message m;
	int64_t first = 0;
	int64_t ids[4] = { 0 };
	char id[16];

	for (int i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "m%d", i);
		t_outbox_init(&m, id, body, T_NOW);
		assert_int_equal(st->ops->outbox_enqueue(st, &m), STORE_OK);
		if (i == 0)
			first = m.id;
	}
	/* Newest first, at most limit. */
	assert_int_equal(st->ops->outbox_list(st, OUTBOX_QUEUED, 0, 2, t_collect_outbox, ids),
	    STORE_OK);
	assert_int_equal(ids[0], first + 2);
	assert_int_equal(ids[1], first + 1);
	assert_int_equal(ids[2], 0);
	assert_int_equal(st->ops->outbox_list(st, OUTBOX_QUEUED, 0, 0, t_collect_outbox, ids),
	    STORE_ERROR);

	/* With min_attempts 1, only messages that had an attempt. */
	assert_int_equal(st->ops->outbox_mark_retry(st, first, 1, T_NOW + 5, "451"), STORE_OK);
	memset(ids, 0, sizeof(ids));
	assert_int_equal(st->ops->outbox_list(st, OUTBOX_QUEUED, 1, 10, t_collect_outbox, ids),
	    STORE_OK);
	assert_int_equal(ids[0], first);
	assert_int_equal(ids[1], 0);

	/* A Message-ID is unique. */
	t_outbox_init(&m, "m0", body, T_NOW);
	assert_int_equal(st->ops->outbox_enqueue(st, &m), STORE_CONFLICT);

	/* Invalid fields. */
	t_outbox_init(&m, "bad id", body, T_NOW);
	assert_int_equal(st->ops->outbox_enqueue(st, &m), STORE_ERROR);
	t_outbox_init(&m, "<m9>", body, T_NOW);
	assert_int_equal(st->ops->outbox_enqueue(st, &m), STORE_ERROR);
	t_outbox_init(&m, "m9", body, T_NOW);
	snprintf(m.recipient, sizeof(m.recipient), "a@b.c\r\nBcc: d@e.f");
	assert_int_equal(st->ops->outbox_enqueue(st, &m), STORE_ERROR);
	t_outbox_init(&m, "m9", body, T_NOW);
	m.data_len = 0;
	assert_int_equal(st->ops->outbox_enqueue(st, &m), STORE_ERROR);
	assert_non_null(big);
	memset(big, 'x', STORE_OUTBOX_DATA_MAX + 1);
	big[STORE_OUTBOX_DATA_MAX + 1] = '\0';
	t_outbox_init(&m, "m9", big, T_NOW);
	assert_int_equal(st->ops->outbox_enqueue(st, &m), STORE_ERROR);
	m.data_len = STORE_OUTBOX_DATA_MAX;
	assert_int_equal(st->ops->outbox_enqueue(st, &m), STORE_OK);
	assert_int_equal(st->ops->outbox_mark_retry(st, m.id, -1, T_NOW, "x"), STORE_ERROR);
	free(big);
}

static void
test_outbox_claim_lease(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	char body_a[] = "first";
	char body_b[] = "second";
	struct store_outbox_message a;
	struct store_outbox_message b;
	struct store_outbox_message got = { 0 };
	int64_t at = 0;

	t_outbox_init(&a, "aaaa", body_a, T_NOW);
	t_outbox_init(&b, "bbbb", body_b, T_NOW);
	assert_int_equal(st->ops->outbox_enqueue(st, &a), STORE_OK);
	assert_int_equal(st->ops->outbox_enqueue(st, &b), STORE_OK);

	/* Each claim takes another message, with its data, until none is due. */
	assert_int_equal(st->ops->outbox_claim(st, T_NOW, T_NOW + 60, &got), STORE_OK);
	assert_int_equal(got.id, a.id);
	assert_int_equal(got.next_attempt, T_NOW + 60);
	assert_int_equal(got.data_len, strlen(body_a));
	assert_memory_equal(got.data, body_a, got.data_len);
	store_outbox_message_clear(&got);
	assert_int_equal(st->ops->outbox_claim(st, T_NOW, T_NOW + 60, &got), STORE_OK);
	assert_int_equal(got.id, b.id);
	store_outbox_message_clear(&got);
	assert_int_equal(st->ops->outbox_claim(st, T_NOW + 59, T_NOW + 120, &got),
	    STORE_NOT_FOUND);
	assert_int_equal(st->ops->outbox_next_attempt(st, &at), STORE_OK);
	assert_int_equal(at, T_NOW + 60);

	/* A sender that never reported back: the message is due again when the lease ends. */
	assert_int_equal(st->ops->outbox_mark_sent(st, b.id, T_NOW + 1), STORE_OK);
	assert_int_equal(st->ops->outbox_claim(st, T_NOW + 60, T_NOW + 120, &got), STORE_OK);
	assert_int_equal(got.id, a.id);
	assert_int_equal(got.attempts, 0);
	store_outbox_message_clear(&got);
}

static int
t_op_outbox_claim(struct store *st, struct t_op_race *race)
{
	struct store_outbox_message m = { 0 };
	int r;

	r = st->ops->outbox_claim(st, T_NOW, T_NOW + 60, &m);
	if (r == STORE_OK)
		race->got_user_id = m.id; /* the id field of the race carries the message's id */
	store_outbox_message_clear(&m);
	return r;
}

/* Senders of several processes claim at once: each message goes to one of them. */
static void
test_outbox_claim_parallel(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	struct t_op_race proto = { .path = db->path, .op = t_op_outbox_claim };
	struct store_outbox_message m;
	char body[] = "x";
	char id[16];

	for (int round = 0; round < T_ROUNDS; round++) {
		snprintf(id, sizeof(id), "race%d", round);
		t_outbox_init(&m, id, body, T_NOW);
		assert_int_equal(st->ops->outbox_enqueue(st, &m), STORE_OK);
		proto.got_user_id = m.id;
		assert_int_equal(t_op_race_run(&proto, STORE_NOT_FOUND), 1);
	}
}

/* An enqueue rolled back with its transaction leaves no message. */
static void
test_outbox_enqueue_rolls_back(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	char body[] = "x";
	struct store_outbox_message m;
	int64_t count = -1;

	assert_int_equal(store_begin(st), STORE_OK);
	t_outbox_init(&m, "gone", body, T_NOW);
	assert_int_equal(st->ops->outbox_enqueue(st, &m), STORE_OK);
	assert_int_equal(store_rollback(st), STORE_OK);
	assert_int_equal(st->ops->outbox_count(st, OUTBOX_QUEUED, &count), STORE_OK);
	assert_int_equal(count, 0);
}

static void
test_purge_expired_email(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	sqlite3 *raw = store_sqlite_db(st);
	int64_t u = t_user(st, t_account(st, "one"), "u", 0);
	const int64_t now = T_NOW + 40 * 86400;
	struct store_email_code old_code;
	struct store_email_code live_code;
	struct store_email_code got;
	struct store_outbox_message m;
	char body[] = "x";
	int64_t count = -1;
	int64_t last = 0;

	t_email_code_init(&old_code, u, EMAIL_CODE_VERIFY, 1, now);
	t_email_code_init(&live_code, u, EMAIL_CODE_STEP_UP, 2, now + 1);
	assert_int_equal(st->ops->email_code_replace(st, &old_code), STORE_OK);
	assert_int_equal(st->ops->email_code_replace(st, &live_code), STORE_OK);
	assert_int_equal(st->ops->email_send_record(st, u, now - 86400 - 1), STORE_OK);
	assert_int_equal(st->ops->email_send_record(st, u, now - 86400), STORE_OK);

	/* Queued long ago (kept), sent long ago (purged), failed recently (kept). */
	t_outbox_init(&m, "old-queued", body, now - 31 * 86400);
	assert_int_equal(st->ops->outbox_enqueue(st, &m), STORE_OK);
	t_outbox_init(&m, "old-sent", body, now - 31 * 86400);
	assert_int_equal(st->ops->outbox_enqueue(st, &m), STORE_OK);
	assert_int_equal(st->ops->outbox_mark_sent(st, m.id, now - 31 * 86400), STORE_OK);
	t_outbox_init(&m, "new-failed", body, now - 86400);
	assert_int_equal(st->ops->outbox_enqueue(st, &m), STORE_OK);
	assert_int_equal(st->ops->outbox_mark_failed(st, m.id, "550"), STORE_OK);

	assert_int_equal(st->ops->purge_expired(st, now), STORE_OK);

	assert_int_equal(st->ops->email_code_get(st, u, EMAIL_CODE_VERIFY, &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->email_code_get(st, u, EMAIL_CODE_STEP_UP, &got), STORE_OK);
	assert_int_equal(st->ops->email_send_stats(st, u, 0, &count, &last), STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(last, now - 86400);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM outbox WHERE message_id IN"
	    " ('old-queued@localhost', 'new-failed@localhost')"), 2);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM outbox"), 2);
}

static void
test_delete_cascades_email(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	sqlite3 *raw = store_sqlite_db(st);
	int64_t acct = t_account(st, "one");
	int64_t u = t_user(st, acct, "u", 0);
	int64_t v = t_user(st, t_account(st, "two"), "v", 0);
	struct store_security_email e;
	struct store_email_code c;
	struct store_outbox_message m;
	char body[] = "notice";

	t_security_email_init(&e, u, acct, "u@example.com");
	assert_int_equal(st->ops->security_email_put(st, &e), STORE_OK);
	t_email_code_init(&c, u, EMAIL_CODE_LOGON, 1, T_NOW + 600);
	assert_int_equal(st->ops->email_code_replace(st, &c), STORE_OK);
	assert_int_equal(st->ops->email_send_record_to(st, u, "u@example.com", T_NOW), STORE_OK);
	t_email_code_init(&c, v, EMAIL_CODE_VERIFY, 2, T_NOW + 600);
	assert_int_equal(st->ops->email_code_replace(st, &c), STORE_OK);
	t_outbox_init(&m, "notice", body, T_NOW);
	assert_int_equal(st->ops->outbox_enqueue(st, &m), STORE_OK);

	assert_int_equal(st->ops->user_delete(st, u), STORE_OK);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM security_emails"), 0);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM email_codes WHERE user_id = 1"), 0);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM email_sends"), 0);
	/* The other account's code stays, and a queued notice is still delivered. */
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM email_codes"), 1);
	assert_int_equal(t_sql_int(raw, "SELECT count(*) FROM outbox"), 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, t_setup, t_teardown)

/* Audit log (schema version 4) */

static void
t_audit_init(struct store_audit_event *e, int64_t account_id, int64_t user_id, const char *event,
    int64_t time)
{
	memset(e, 0, sizeof(*e));
	e->time = time;
	e->account_id = account_id;
	e->user_id = user_id;
	e->actor_id = user_id;
	snprintf(e->src, sizeof(e->src), "127.0.0.1");
	snprintf(e->user_agent, sizeof(e->user_agent), "\"test agent\"");
	snprintf(e->event, sizeof(e->event), "%s", event);
	snprintf(e->outcome, sizeof(e->outcome), "success");
	snprintf(e->detail, sizeof(e->detail), "k=v");
}

static int64_t
t_audit(struct store *st, int64_t account_id, int64_t user_id, const char *event, int64_t time)
{
	struct store_audit_event e;

	t_audit_init(&e, account_id, user_id, event, time);
	assert_int_equal(st->ops->audit_append(st, &e), STORE_OK);
	assert_true(e.id > 0);
	return e.id;
}

/* Collects the ids a list call returns. */
struct t_audit_rows {
	int64_t ids[16];
	size_t n;
	struct store_audit_event last;
};

static int
t_audit_row(void *arg, const struct store_audit_event *e)
{
	struct t_audit_rows *rows = arg;

	assert_true(rows->n < sizeof(rows->ids) / sizeof(rows->ids[0]));
	rows->ids[rows->n++] = e->id;
	rows->last = *e;
	return 0;
}

static size_t
t_audit_list(struct store *st, const struct store_audit_filter *f, int64_t after, int limit,
    struct t_audit_rows *rows)
{
	memset(rows, 0, sizeof(*rows));
	assert_int_equal(st->ops->audit_list(st, f, after, limit, t_audit_row, rows), STORE_OK);
	return rows->n;
}

static void
test_audit_count_since(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t acct = t_account(st, "one");
	int64_t alice = t_user(st, acct, "alice", 0);
	int64_t bob = t_user(st, acct, "bob", 0);
	int64_t n = -1;

	/* With no success yet, every failure counts. */
	t_audit(st, acct, alice, "logon_failure", T_NOW);
	t_audit(st, acct, alice, "logon_failure", T_NOW + 1);
	t_audit(st, acct, bob, "logon_failure", T_NOW + 2);
	assert_int_equal(st->ops->audit_count_since(st, acct, alice, "logon_failure",
	    "logon_success", &n), STORE_OK);
	assert_int_equal(n, 2);

	/* A success starts the count again; other users and events do not count. */
	t_audit(st, acct, alice, "logon_success", T_NOW + 3);
	t_audit(st, acct, alice, "logon_failure", T_NOW + 4);
	t_audit(st, acct, alice, "lockout", T_NOW + 5);
	t_audit(st, acct, bob, "logon_failure", T_NOW + 6);
	assert_int_equal(st->ops->audit_count_since(st, acct, alice, "logon_failure",
	    "logon_success", &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(st->ops->audit_count_since(st, acct, bob, "logon_failure",
	    "logon_success", &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(st->ops->audit_count_since(st, acct, alice, NULL, "logon_success", &n),
	    STORE_ERROR);
}

static void
test_account_login_networks(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t acct = t_account(st, "one");
	char text[STORE_NETWORKS_MAX + 2];

	/* A new account allows every address. */
	assert_int_equal(st->ops->account_get_login_networks(st, acct, text), STORE_OK);
	assert_string_equal(text, "");
	assert_int_equal(st->ops->account_set_login_networks(st, acct, "10.0.0.0/8, ::1/128"),
	    STORE_OK);
	assert_int_equal(st->ops->account_get_login_networks(st, acct, text), STORE_OK);
	assert_string_equal(text, "10.0.0.0/8, ::1/128");

	assert_int_equal(st->ops->account_set_login_networks(st, acct + 100, ""), STORE_NOT_FOUND);
	assert_int_equal(st->ops->account_get_login_networks(st, acct + 100, text),
	    STORE_NOT_FOUND);
	memset(text, 'a', STORE_NETWORKS_MAX + 1);
	text[STORE_NETWORKS_MAX + 1] = '\0';
	assert_int_equal(st->ops->account_set_login_networks(st, acct, text), STORE_ERROR);
}

static void
test_audit_append_and_list(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t acct = t_account(st, "one");
	int64_t other = t_account(st, "two");
	int64_t alice = t_user(st, acct, "alice", 0);
	int64_t bob = t_user(st, acct, "bob", 0);
	int64_t first = t_audit(st, acct, alice, "logon_success", T_NOW);
	int64_t second = t_audit(st, acct, bob, "logon_failure", T_NOW + 10);
	int64_t third = t_audit(st, acct, alice, "logon_failure", T_NOW + 20);
	struct store_audit_filter f = { .account_id = acct };
	struct t_audit_rows rows;

	t_audit(st, other, 0, "logon_failure", T_NOW + 5);
	assert_true(first < second && second < third);

	/* Every field comes back as written, oldest first, and only of the account. */
	assert_int_equal(t_audit_list(st, &f, 0, 10, &rows), 3);
	assert_int_equal(rows.ids[0], first);
	assert_int_equal(rows.ids[2], third);
	assert_int_equal(rows.last.time, T_NOW + 20);
	assert_int_equal(rows.last.account_id, acct);
	assert_int_equal(rows.last.user_id, alice);
	assert_int_equal(rows.last.actor_id, alice);
	assert_string_equal(rows.last.src, "127.0.0.1");
	assert_string_equal(rows.last.user_agent, "\"test agent\"");
	assert_string_equal(rows.last.event, "logon_failure");
	assert_string_equal(rows.last.outcome, "success");
	assert_string_equal(rows.last.detail, "k=v");

	/* Paging by id, and each filter alone. */
	assert_int_equal(t_audit_list(st, &f, 0, 2, &rows), 2);
	assert_int_equal(t_audit_list(st, &f, rows.ids[1], 2, &rows), 1);
	assert_int_equal(rows.ids[0], third);
	f.user_id = alice;
	assert_int_equal(t_audit_list(st, &f, 0, 10, &rows), 2);
	assert_int_equal(t_audit_list(st, &f, first, 10, &rows), 1);
	assert_int_equal(rows.ids[0], third);
	f.event = "logon_success";
	assert_int_equal(t_audit_list(st, &f, 0, 10, &rows), 1);
	assert_int_equal(rows.ids[0], first);
	f.event = NULL;
	f.user_id = 0;
	f.event = "logon_failure";
	assert_int_equal(t_audit_list(st, &f, 0, 10, &rows), 2);
	assert_int_equal(t_audit_list(st, &f, second, 10, &rows), 1);
	assert_int_equal(rows.ids[0], third);
	f.since = T_NOW + 15;
	assert_int_equal(t_audit_list(st, &f, 0, 10, &rows), 1);
	f.since = 0;
	f.event = NULL;
	f.since = T_NOW + 10;
	assert_int_equal(t_audit_list(st, &f, 0, 10, &rows), 2);
	f.until = T_NOW + 10;
	assert_int_equal(t_audit_list(st, &f, 0, 10, &rows), 1);
	assert_int_equal(rows.ids[0], second);
	f.since = 0;
	f.until = 0;
	f.account_id = other;
	assert_int_equal(t_audit_list(st, &f, 0, 10, &rows), 1);
	assert_int_equal(rows.last.user_id, 0);
}

static void
test_audit_records_outlive_user(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t acct = t_account(st, "one");
	int64_t alice = t_user(st, acct, "alice", 0);
	struct store_audit_filter f = { .account_id = acct };
	struct t_audit_rows rows;

	t_audit(st, acct, alice, "user_create", T_NOW);
	assert_int_equal(st->ops->user_delete(st, alice), STORE_OK);
	t_audit(st, acct, alice, "user_delete", T_NOW + 1);
	assert_int_equal(t_audit_list(st, &f, 0, 10, &rows), 2);
	assert_int_equal(rows.last.user_id, alice);
}

static void
test_audit_invalid(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t acct = t_account(st, "one");
	struct store_audit_filter f = { .account_id = acct };
	struct store_audit_event e;
	struct t_audit_rows rows;

	t_audit_init(&e, acct, 0, "Logon-Success", T_NOW);
	assert_int_equal(st->ops->audit_append(st, &e), STORE_ERROR);
	t_audit_init(&e, acct, 0, "", T_NOW);
	assert_int_equal(st->ops->audit_append(st, &e), STORE_ERROR);
	t_audit_init(&e, acct, 0, "logon_success", 0);
	assert_int_equal(st->ops->audit_append(st, &e), STORE_ERROR);
	t_audit_init(&e, acct, -1, "logon_success", T_NOW);
	assert_int_equal(st->ops->audit_append(st, &e), STORE_ERROR);
	t_audit_init(&e, acct, 0, "logon_success", T_NOW);
	snprintf(e.outcome, sizeof(e.outcome), "maybe");
	assert_int_equal(st->ops->audit_append(st, &e), STORE_ERROR);
	t_audit_init(&e, acct, 0, "logon_success", T_NOW);
	snprintf(e.detail, sizeof(e.detail), "a\nb");
	assert_int_equal(st->ops->audit_append(st, &e), STORE_ERROR);
	t_audit_init(&e, acct, 0, "logon_success", T_NOW);
	memset(e.user_agent, 'x', sizeof(e.user_agent));
	assert_int_equal(st->ops->audit_append(st, &e), STORE_ERROR);

	assert_int_equal(st->ops->audit_list(st, &f, 0, 0, t_audit_row, &rows), STORE_ERROR);
	assert_int_equal(st->ops->audit_list(st, &f, 0, STORE_AUDIT_LIST_MAX + 1, t_audit_row,
	    &rows), STORE_ERROR);
	f.account_id = 0;
	assert_int_equal(st->ops->audit_list(st, &f, 0, 10, t_audit_row, &rows), STORE_ERROR);
	assert_int_equal(t_sql_int(store_sqlite_db(st), "SELECT count(*) FROM audit_events"), 0);
}

/*
 * The store has no operation that changes or deletes one record, and the
 * schema rejects an UPDATE from any writer. Only the retention purge
 * deletes, by age, and ids are not given out again after it.
 */
static void
test_audit_append_only_and_purge(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	sqlite3 *raw = store_sqlite_db(st);
	int64_t acct = t_account(st, "one");
	struct store_audit_filter f = { .account_id = acct };
	struct t_audit_rows rows;
	int64_t old_id = t_audit(st, acct, 0, "logon_failure", T_NOW - 100);
	int64_t new_id = t_audit(st, acct, 0, "logon_failure", T_NOW);

	assert_int_not_equal(sqlite3_exec(raw, "UPDATE audit_events SET outcome = 'failure'",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(t_sql_int(raw,
	    "SELECT count(*) FROM audit_events WHERE outcome = 'success'"), 2);

	assert_int_equal(st->ops->audit_purge(st, T_NOW - 50), STORE_OK);
	assert_int_equal(t_audit_list(st, &f, 0, 10, &rows), 1);
	assert_int_equal(rows.ids[0], new_id);
	assert_int_equal(st->ops->audit_purge(st, T_NOW - 50), STORE_OK);

	/* The newest row purged, the next id still grows. */
	assert_int_equal(st->ops->audit_purge(st, T_NOW + 1), STORE_OK);
	assert_true(t_audit(st, acct, 0, "logon_success", T_NOW + 2) > new_id);
	assert_true(old_id < new_id);
}

/* A version 3 database keeps its rows when the store adds the audit table. */
static void
test_migrate_v3_to_v4_keeps_data(void **state)
{
	static const char rows_sql[] =
	    "INSERT INTO accounts (alias, created, passkey_logon) VALUES ('legacy', 1600000000, 1);"
	    "INSERT INTO users (account_id, name, display_name, is_owner, created, updated)"
	    " VALUES (1, '', 'Owner', 1, 1600000000, 1600000000),"
	    " (1, 'alice', 'Alice', 0, 1600000001, 1600000002);"
	    "INSERT INTO security_emails (user_id, account_id, address, address_key, created,"
	    " verified_at) VALUES (2, 1, 'alice@example.com', 'alice@example.com', 1, 2);";
	struct t_db *db = *state;
	struct store *st = NULL;
	struct store_user u;
	struct store_security_email e;
	struct store_audit_filter f = { .account_id = 1 };
	struct t_audit_rows rows;
	char path[PATH_MAX + 8];
	sqlite3 *raw = NULL;
	int version = -1;

	snprintf(path, sizeof(path), "%s-v3", db->path);
	t_unlink_db(path);
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(store_sqlite_migrate(raw, store_sqlite_migrations, 3), STORE_OK);
	assert_int_equal(sqlite3_exec(raw, rows_sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(raw), SQLITE_OK);
	assert_int_equal(chmod(path, 0600), 0);

	assert_int_equal(store_open(path, NULL, &st), STORE_OK);
	assert_int_equal(st->ops->schema_version(st, &version), STORE_OK);
	assert_int_equal(version, store_schema_latest());
	assert_int_equal(st->ops->user_get(st, 2, &u), STORE_OK);
	assert_string_equal(u.name, "alice");
	assert_int_equal(st->ops->security_email_get(st, 2, &e), STORE_OK);
	assert_string_equal(e.address, "alice@example.com");
	assert_int_equal(t_audit_list(st, &f, 0, 10, &rows), 0);
	t_audit(st, 1, 2, "logon_success", T_NOW);
	assert_int_equal(t_audit_list(st, &f, 0, 10, &rows), 1);

	store_close(&st);
	t_unlink_db(path);
}

/* Password policies and history (schema version 6) */

static void
test_password_policy_put_and_get(void **state)
{
	struct store *st = ((struct t_db *)*state)->st;
	int64_t acct = t_account(st, "policy");
	struct store_password_policy p = {
		.account_id = acct, .min_length = 12, .required_classes = 5, .max_age_days = 90,
		.hard_expiry = 1, .reuse_prevention = 3, .lockout_attempts = 4,
		.not_contain_user_name = 1, .updated = T_NOW,
	};
	struct store_password_policy got;

	assert_int_equal(st->ops->password_policy_get(st, acct, &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->password_policy_put(st, &p), STORE_OK);
	assert_int_equal(st->ops->password_policy_get(st, acct, &got), STORE_OK);
	assert_int_equal(got.min_length, 12);
	assert_int_equal(got.required_classes, 5);
	assert_int_equal(got.max_age_days, 90);
	assert_int_equal(got.hard_expiry, 1);
	assert_int_equal(got.reuse_prevention, 3);
	assert_int_equal(got.lockout_attempts, 4);
	assert_int_equal(got.not_contain_user_name, 1);

	/* A second put replaces the row. */
	p.min_length = 8;
	assert_int_equal(st->ops->password_policy_put(st, &p), STORE_OK);
	assert_int_equal(st->ops->password_policy_get(st, acct, &got), STORE_OK);
	assert_int_equal(got.min_length, 8);

	/* The CHECK constraints repeat the API's ranges. */
	p.min_length = 7;
	assert_int_equal(st->ops->password_policy_put(st, &p), STORE_ERROR);
	p.min_length = 8;
	p.lockout_attempts = 33;
	assert_int_equal(st->ops->password_policy_put(st, &p), STORE_ERROR);
}

struct t_hashes {
	char hashes[STORE_PASSWORD_HISTORY_MAX + 1][32];
	int n;
};

static int
t_hash_row(void *arg, const char *hash)
{
	struct t_hashes *h = arg;

	snprintf(h->hashes[h->n++], sizeof(h->hashes[0]), "%s", hash);
	return 0;
}

static void
test_password_history_bounded(void **state)
{
	struct store *st = ((struct t_db *)*state)->st;
	int64_t acct = t_account(st, "history");
	int64_t alice = t_user(st, acct, "alice", 0);
	int64_t bob = t_user(st, acct, "bob", 0);
	struct t_hashes h;
	char hash[32];
	char sql[96];

	for (int i = 0; i < STORE_PASSWORD_HISTORY_MAX + 6; i++) {
		snprintf(hash, sizeof(hash), "hash-%d", i);
		assert_int_equal(st->ops->password_history_add(st, alice, hash, T_NOW + i), STORE_OK);
	}
	assert_int_equal(st->ops->password_history_add(st, bob, "bob-hash", T_NOW), STORE_OK);
	assert_int_equal(st->ops->password_history_add(st, alice, "", T_NOW), STORE_ERROR);

	/* Only the newest 24 stay, listed newest first. */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM password_history WHERE user_id = %lld",
	    (long long)alice);
	assert_int_equal(t_sql_int(store_sqlite_db(st), sql), STORE_PASSWORD_HISTORY_MAX);
	memset(&h, 0, sizeof(h));
	assert_int_equal(st->ops->password_history_list(st, alice, STORE_PASSWORD_HISTORY_MAX + 1,
	    t_hash_row, &h), STORE_OK);
	assert_int_equal(h.n, STORE_PASSWORD_HISTORY_MAX);
	assert_string_equal(h.hashes[0], "hash-29");
	assert_string_equal(h.hashes[STORE_PASSWORD_HISTORY_MAX - 1], "hash-6");

	memset(&h, 0, sizeof(h));
	assert_int_equal(st->ops->password_history_list(st, alice, 2, t_hash_row, &h), STORE_OK);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.hashes[1], "hash-28");

	/* Deleting a user deletes its history, and other users keep theirs. */
	assert_int_equal(st->ops->user_delete(st, alice), STORE_OK);
	memset(&h, 0, sizeof(h));
	assert_int_equal(st->ops->password_history_list(st, alice, 24, t_hash_row, &h), STORE_OK);
	assert_int_equal(h.n, 0);
	assert_int_equal(st->ops->password_history_list(st, bob, 24, t_hash_row, &h), STORE_OK);
	assert_int_equal(h.n, 1);
}

/* Sessions, API tokens and remembered browsers (schema version 7) */

struct t_ids {
	int n;
	char ids[8][STORE_SESSION_ID_LEN + 1];
	int64_t nums[8];
};

static int
t_session_row(void *arg, const struct store_session *s)
{
	struct t_ids *l = arg;

	snprintf(l->ids[l->n++], sizeof(l->ids[0]), "%s", s->public_id);
	return l->n >= 8;
}

static void
test_session_list_and_revoke(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t acct = t_account(st, "one");
	int64_t u = t_user(st, acct, "u", 0);
	int64_t v = t_user(st, acct, "v", 0);
	struct store_session s[4];
	struct store_session got;
	struct store_challenge c;
	struct t_ids l;
	int64_t count = -1;

	for (int i = 0; i < 3; i++) {
		t_session_init(&s[i], u, (uint8_t)(10 + i), T_NOW + 3600);
		s[i].created = T_NOW + i;
		assert_int_equal(st->ops->session_create(st, &s[i]), STORE_OK);
	}
	t_session_init(&s[3], v, 20, T_NOW + 3600);
	snprintf(s[3].src, sizeof(s[3].src), "127.0.0.1");
	snprintf(s[3].user_agent, sizeof(s[3].user_agent), "\"agent\"");
	assert_int_equal(st->ops->session_create(st, &s[3]), STORE_OK);
	assert_int_equal(st->ops->session_get(st, s[3].token_hash, &got), STORE_OK);
	assert_memory_equal(&got, &s[3], sizeof(got));

	/* A second session with a taken public id conflicts. */
	t_session_init(&got, v, 30, T_NOW + 3600);
	snprintf(got.public_id, sizeof(got.public_id), "%s", s[3].public_id);
	assert_int_equal(st->ops->session_create(st, &got), STORE_CONFLICT);

	/* Newest first, and expired ones left out. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(st->ops->session_list_by_user(st, u, T_NOW, t_session_row, &l), STORE_OK);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.ids[0], s[2].public_id);
	assert_string_equal(l.ids[2], s[0].public_id);
	memset(&l, 0, sizeof(l));
	assert_int_equal(st->ops->session_list_by_user(st, u, T_NOW + 3600, t_session_row, &l),
	    STORE_OK);
	assert_int_equal(l.n, 0);

	/* Another user's public id is not found for u. */
	assert_int_equal(st->ops->session_delete_by_public_id(st, u, s[3].public_id),
	    STORE_NOT_FOUND);
	assert_int_equal(st->ops->session_delete_by_public_id(st, u, s[0].public_id), STORE_OK);
	assert_int_equal(st->ops->session_get(st, s[0].token_hash, &got), STORE_NOT_FOUND);

	/* Revoke all but s[1], with the user's logon challenges. */
	t_challenge_init(&c, u, 40, T_NOW + 60);
	assert_int_equal(st->ops->challenge_create(st, &c), STORE_OK);
	assert_int_equal(st->ops->session_revoke_by_user(st, u, s[1].token_hash, &count), STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(st->ops->session_get(st, s[1].token_hash, &got), STORE_OK);
	assert_int_equal(st->ops->session_get(st, s[2].token_hash, &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->challenge_get(st, c.id_hash, &c), STORE_NOT_FOUND);
	assert_int_equal(st->ops->session_get(st, s[3].token_hash, &got), STORE_OK);

	/* NULL keeps none. */
	assert_int_equal(st->ops->session_revoke_by_user(st, u, NULL, &count), STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(st->ops->session_get(st, s[1].token_hash, &got), STORE_NOT_FOUND);
	assert_int_equal(st->ops->session_get(st, s[3].token_hash, &got), STORE_OK);
}

static int
t_token_row(void *arg, const struct store_access_token *t)
{
	struct t_ids *l = arg;

	l->nums[l->n++] = t->id;
	return l->n >= 8;
}

static void
test_access_token_crud(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t acct = t_account(st, "one");
	int64_t u = t_user(st, acct, "u", 0);
	int64_t v = t_user(st, acct, "v", 0);
	struct store_access_token t1 = { .user_id = u, .created = T_NOW, .expires = T_NOW + 100 };
	struct store_access_token t2 = { .user_id = u, .created = T_NOW, .expires = T_NOW + 10 };
	struct store_access_token got;
	struct t_ids l;

	t_hash(t1.token_hash, 50);
	t_hash(t2.token_hash, 51);
	snprintf(t1.description, sizeof(t1.description), "deploy bot");
	assert_int_equal(st->ops->access_token_create(st, &t1), STORE_OK);
	assert_int_equal(st->ops->access_token_create(st, &t2), STORE_OK);
	assert_true(t2.id > t1.id);
	/* The hash is unique across users. */
	got = t1;
	got.user_id = v;
	assert_int_equal(st->ops->access_token_create(st, &got), STORE_CONFLICT);

	assert_int_equal(st->ops->access_token_get(st, t1.token_hash, &got), STORE_OK);
	assert_memory_equal(&got, &t1, sizeof(got));
	assert_int_equal(st->ops->access_token_touch(st, t1.id, T_NOW + 5), STORE_OK);
	assert_int_equal(st->ops->access_token_get(st, t1.token_hash, &got), STORE_OK);
	assert_int_equal(got.last_used, T_NOW + 5);

	memset(&l, 0, sizeof(l));
	assert_int_equal(st->ops->access_token_list_by_user(st, u, T_NOW + 10, t_token_row, &l),
	    STORE_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.nums[0], t1.id);

	assert_int_equal(st->ops->access_token_delete(st, t1.id, v), STORE_NOT_FOUND);
	assert_int_equal(st->ops->access_token_delete(st, t1.id, u), STORE_OK);
	assert_int_equal(st->ops->access_token_get(st, t1.token_hash, &got), STORE_NOT_FOUND);

	/* The purge deletes expired tokens, and deleting the user deletes the rest. */
	assert_int_equal(st->ops->purge_expired(st, T_NOW + 10), STORE_OK);
	assert_int_equal(st->ops->access_token_get(st, t2.token_hash, &got), STORE_NOT_FOUND);
	t_hash(t2.token_hash, 52);
	t2.expires = T_NOW + 1000;
	assert_int_equal(st->ops->access_token_create(st, &t2), STORE_OK);
	assert_int_equal(st->ops->user_delete(st, u), STORE_OK);
	assert_int_equal(st->ops->access_token_get(st, t2.token_hash, &got), STORE_NOT_FOUND);
}

static int
t_browser_row(void *arg, const struct store_remembered_browser *b)
{
	struct t_ids *l = arg;

	l->nums[l->n++] = b->id;
	return l->n >= 8;
}

static void
test_remembered_browser_crud(void **state)
{
	struct t_db *db = *state;
	struct store *st = db->st;
	int64_t acct = t_account(st, "one");
	int64_t other = t_account(st, "two");
	int64_t u = t_user(st, acct, "u", 0);
	int64_t v = t_user(st, acct, "v", 0);
	int64_t w = t_user(st, other, "w", 0);
	struct store_remembered_browser b[4];
	struct store_remembered_browser got;
	struct store_account a;
	struct t_ids l;
	int64_t count = -1;

	for (int i = 0; i < 4; i++) {
		memset(&b[i], 0, sizeof(b[i]));
		t_hash(b[i].token_hash, (uint8_t)(60 + i));
		b[i].user_id = u;
		if (i == 2)
			b[i].user_id = v;
		if (i == 3)
			b[i].user_id = w;
		b[i].created = T_NOW;
		b[i].expires = T_NOW + 100;
		snprintf(b[i].user_agent, sizeof(b[i].user_agent), "\"ua %d\"", i);
		assert_int_equal(st->ops->remembered_browser_create(st, &b[i]), STORE_OK);
	}
	assert_int_equal(st->ops->remembered_browser_get(st, b[0].token_hash, &got), STORE_OK);
	assert_memory_equal(&got, &b[0], sizeof(got));
	assert_int_equal(st->ops->remembered_browser_touch(st, b[0].id, T_NOW + 3), STORE_OK);

	memset(&l, 0, sizeof(l));
	assert_int_equal(st->ops->remembered_browser_list_by_user(st, u, T_NOW, t_browser_row, &l),
	    STORE_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.nums[0], b[1].id);

	assert_int_equal(st->ops->remembered_browser_delete(st, b[0].id, v), STORE_NOT_FOUND);
	assert_int_equal(st->ops->remembered_browser_delete(st, b[0].id, u), STORE_OK);
	assert_int_equal(st->ops->remembered_browser_delete_by_user(st, u, &count), STORE_OK);
	assert_int_equal(count, 1);

	/* The account switch: off by default, and its delete spares other accounts. */
	assert_int_equal(st->ops->account_get(st, acct, &a), STORE_OK);
	assert_int_equal(a.save_mfa_ticket, 0);
	assert_int_equal(st->ops->account_set_save_mfa_ticket(st, acct, 1), STORE_OK);
	assert_int_equal(st->ops->account_get(st, acct, &a), STORE_OK);
	assert_int_equal(a.save_mfa_ticket, 1);
	assert_int_equal(st->ops->remembered_browser_delete_by_account(st, acct), STORE_OK);
	assert_int_equal(st->ops->remembered_browser_get(st, b[2].token_hash, &got),
	    STORE_NOT_FOUND);
	assert_int_equal(st->ops->remembered_browser_get(st, b[3].token_hash, &got), STORE_OK);
	assert_int_equal(st->ops->purge_expired(st, T_NOW + 100), STORE_OK);
	assert_int_equal(st->ops->remembered_browser_get(st, b[3].token_hash, &got),
	    STORE_NOT_FOUND);
}

/* A version 4 database gets a distinct public id for each live session. */
static void
test_migrate_v4_to_v5_session_ids(void **state)
{
	static const char rows_sql[] =
	    "INSERT INTO accounts (alias, created, passkey_logon) VALUES ('legacy', 1600000000, 1);"
	    "INSERT INTO users (account_id, name, display_name, is_owner, created, updated)"
	    " VALUES (1, '', 'Owner', 1, 1600000000, 1600000000);"
	    "INSERT INTO sessions (token_hash, user_id, scope, factors, created, expires,"
	    " last_seen, mfa_at) VALUES (randomblob(32), 1, 0, 1, 1, 2, 1, 0),"
	    " (randomblob(32), 1, 0, 1, 1, 2, 1, 0);";
	struct t_db *db = *state;
	struct store *st = NULL;
	struct store_account a;
	char path[PATH_MAX + 8];
	sqlite3 *raw = NULL;

	snprintf(path, sizeof(path), "%s-v4", db->path);
	t_unlink_db(path);
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(store_sqlite_migrate(raw, store_sqlite_migrations, 4), STORE_OK);
	assert_int_equal(sqlite3_exec(raw, rows_sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(raw), SQLITE_OK);
	assert_int_equal(chmod(path, 0600), 0);

	assert_int_equal(store_open(path, NULL, &st), STORE_OK);
	raw = store_sqlite_db(st);
	assert_int_equal(t_sql_int(raw, "SELECT count(DISTINCT public_id) FROM sessions"
	    " WHERE length(public_id) = 32"), 2);
	assert_int_equal(st->ops->account_get(st, 1, &a), STORE_OK);
	assert_int_equal(a.save_mfa_ticket, 0);

	store_close(&st);
	t_unlink_db(path);
}

/*
 * A version 4 session keeps its rows when the store adds account settings
 * and per-factor proof times, which read 0 so the session must step up again.
 */
static void
test_migrate_v4_to_v5_keeps_data(void **state)
{
	static const char rows_sql[] =
	    "INSERT INTO accounts (alias, created, passkey_logon) VALUES ('legacy', 1600000000, 0);"
	    "INSERT INTO users (account_id, name, display_name, is_owner, created, updated)"
	    " VALUES (1, '', 'Owner', 1, 1600000000, 1600000000);"
	    "INSERT INTO sessions (token_hash, user_id, scope, factors, created, expires, last_seen,"
	    " mfa_at) VALUES (zeroblob(32), 1, 0, 3, 1600000000, 1600003600, 1600000000,"
	    " 1600000000);";
	static const uint8_t zero[STORE_TOKEN_HASH_LEN];
	struct t_db *db = *state;
	struct store *st = NULL;
	struct store_account_settings set;
	struct store_account a;
	struct store_session ses;
	char path[PATH_MAX + 8];
	sqlite3 *raw = NULL;
	int version = -1;

	snprintf(path, sizeof(path), "%s-v4", db->path);
	t_unlink_db(path);
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(store_sqlite_migrate(raw, store_sqlite_migrations, 4), STORE_OK);
	assert_int_equal(sqlite3_exec(raw, rows_sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(raw), SQLITE_OK);
	assert_int_equal(chmod(path, 0600), 0);

	assert_int_equal(store_open(path, NULL, &st), STORE_OK);
	assert_int_equal(st->ops->schema_version(st, &version), STORE_OK);
	assert_int_equal(version, store_schema_latest());
	assert_int_equal(st->ops->account_get(st, 1, &a), STORE_OK);
	assert_int_equal(a.passkey_logon, 0);
	assert_int_equal(st->ops->account_settings_get(st, 1, &set), STORE_NOT_FOUND);
	assert_int_equal(st->ops->session_get(st, zero, &ses), STORE_OK);
	assert_int_equal(ses.factors, 3);
	assert_int_equal(ses.mfa_at, 1600000000);
	assert_int_equal(ses.totp_at, 0);
	assert_int_equal(ses.passkey_at, 0);
	assert_int_equal(ses.email_at, 0);
	assert_int_equal(ses.idle_timeout, 0);

	store_account_settings_default(1, &set);
	assert_int_equal(st->ops->account_settings_put(st, &set), STORE_OK);

	store_close(&st);
	t_unlink_db(path);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_session_list_and_revoke),
		T(test_access_token_crud),
		T(test_remembered_browser_crud),
		T(test_migrate_v4_to_v5_session_ids),
		T(test_pragmas_default),
		T(test_pragmas_from_options),
		T(test_file_mode_0600),
		T(test_second_handle_keeps_locks),
		T(test_handles_share_writer),
		T(test_write_lock_per_file),
		T(test_open_url_forms),
		T(test_migrate_fresh_and_reopen),
		T(test_migrate_newer_rejected),
		T(test_migrate_failed_step_rolls_back),
		T(test_account_alias_conflict),
		T(test_user_name_conflict),
		T(test_user_one_owner),
		T(test_user_update),
		T(test_user_unterminated_field),
		T(test_overlong_value_rejected),
		T(test_user_list_paging),
		T(test_user_delete_cascades),
		T(test_account_delete_cascades),
		T(test_login_profile_crud),
		T(test_device_pending_replaced),
		T(test_device_bound_conflict),
		T(test_device_use_step),
		T(test_device_list_paging),
		T(test_use_step_parallel),
		T(test_use_step_parallel_in_tx),
		T(test_session_crud),
		T(test_session_set_mfa),
		T(test_challenge_attempts),
		T(test_failure_upsert_clear),
		T(test_purge_expired),
		T(test_tx_commit_and_rollback),
		T(test_migrate_v1_to_v2_keeps_data),
		T(test_migrate_v4_to_v5_keeps_data),
		T(test_account_passkey_logon),
		T(test_account_settings),
		T(test_passkey_create_get),
		T(test_passkey_create_conflicts),
		T(test_passkey_create_limits),
		T(test_passkey_overlong_stored),
		T(test_passkey_list_rename_delete),
		T(test_passkey_use_counter),
		T(test_passkey_use_two_handles),
		T(test_passkey_use_parallel),
		T(test_webauthn_challenge_take),
		T(test_webauthn_challenge_invalid),
		T(test_webauthn_take_two_handles),
		T(test_webauthn_take_parallel),
		T(test_purge_expired_webauthn),
		T(test_delete_cascades_passkeys),
		T(test_migrate_v2_to_v3_keeps_data),
		T(test_security_email_put_get_delete),
		T(test_security_email_invalid),
		T(test_security_email_count_by_address),
		T(test_email_code_replace),
		T(test_email_code_invalid),
		T(test_email_code_delete_two_handles),
		T(test_email_code_delete_parallel),
		T(test_email_send_stats),
		T(test_outbox_queue_and_deliver),
		T(test_outbox_list_and_limits),
		T(test_outbox_claim_lease),
		T(test_outbox_claim_parallel),
		T(test_outbox_enqueue_rolls_back),
		T(test_purge_expired_email),
		T(test_delete_cascades_email),
		T(test_audit_append_and_list),
		T(test_audit_count_since),
		T(test_account_login_networks),
		T(test_audit_records_outlive_user),
		T(test_audit_invalid),
		T(test_audit_append_only_and_purge),
		T(test_migrate_v3_to_v4_keeps_data),
		T(test_password_policy_put_and_get),
		T(test_password_history_bounded),
	};

	if (argc == 3 && strncmp(argv[1], "--child-", 8) == 0)
		return t_child_main(argv[1], argv[2]);

	/* Expected errors of the tests above go to stderr; nothing parses them. */
	log_init(NULL, LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
