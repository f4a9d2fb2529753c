/* SPDX-License-Identifier: MIT */
/* SQLite schema steps and the runner that applies them in order. */
#include <stdio.h>

#include "common/log.h"
#include "store/store_sqlite.h"

/*
 * Version 1: one table per struct of store.h. Text limits are not CHECKed
 * here because widening one would need a table rebuild. The backend instead
 * rejects a stored value longer than its struct field when it reads it. Flags are
 * CHECKed to 0 or 1 and hashes to their fixed length. AUTOINCREMENT keeps
 * the ids of deleted accounts, users and devices from being given out again,
 * so an id in a log or a stale request names one row only.
 */
static const char sq_schema_v1[] =
    "CREATE TABLE accounts ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " alias TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (alias <> ''),"
    " created INTEGER NOT NULL"
    ") STRICT;"

    /* NOCASE on the column makes lookups, the unique key and paging agree. */
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
    " name TEXT NOT NULL COLLATE NOCASE CHECK (name <> '' OR is_owner = 1),"
    " display_name TEXT NOT NULL,"
    " is_owner INTEGER NOT NULL CHECK (is_owner IN (0, 1)),"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " UNIQUE (account_id, name)"
    ") STRICT;"
    "CREATE UNIQUE INDEX users_one_owner ON users (account_id) WHERE is_owner = 1;"

    "CREATE TABLE login_profiles ("
    " user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,"
    " password_hash TEXT NOT NULL CHECK (password_hash <> ''),"
    " reset_required INTEGER NOT NULL CHECK (reset_required IN (0, 1)),"
    " mfa_bind_required INTEGER NOT NULL CHECK (mfa_bind_required IN (0, 1)),"
    " password_changed INTEGER NOT NULL,"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL"
    ") STRICT;"

    /* user_id UNIQUE: a user has at most one device, pending or bound. */
    "CREATE TABLE mfa_devices ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " user_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,"
    " serial TEXT NOT NULL UNIQUE CHECK (serial <> ''),"
    " secret_enc BLOB NOT NULL CHECK (length(secret_enc) > 0),"
    " algorithm INTEGER NOT NULL CHECK (algorithm IN (0, 1, 2)),"
    " digits INTEGER NOT NULL CHECK (digits BETWEEN 6 AND 8),"
    " period INTEGER NOT NULL CHECK (period > 0),"
    " bound INTEGER NOT NULL CHECK (bound IN (0, 1)),"
    " last_step INTEGER NOT NULL CHECK (last_step >= -1),"
    " created INTEGER NOT NULL,"
    " bound_at INTEGER NOT NULL,"
    " CHECK ((bound = 0) = (bound_at = 0))"
    ") STRICT;"

    "CREATE TABLE sessions ("
    " token_hash BLOB NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),"
    " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " scope INTEGER NOT NULL CHECK (scope >= 0),"
    " factors INTEGER NOT NULL CHECK (factors >= 0),"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL,"
    " mfa_at INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX sessions_user ON sessions (user_id);"
    "CREATE INDEX sessions_expires ON sessions (expires);"

    "CREATE TABLE challenges ("
    " id_hash BLOB NOT NULL PRIMARY KEY CHECK (length(id_hash) = 32),"
    " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " kind INTEGER NOT NULL CHECK (kind >= 0),"
    " attempts INTEGER NOT NULL CHECK (attempts >= 0),"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX challenges_user ON challenges (user_id);"
    "CREATE INDEX challenges_expires ON challenges (expires);"

    "CREATE TABLE logon_failures ("
    " principal TEXT NOT NULL PRIMARY KEY CHECK (principal <> ''),"
    " failures INTEGER NOT NULL CHECK (failures >= 0),"
    " locked_until INTEGER NOT NULL,"
    " last_failure INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;";

/*
 * Version 2: passkeys, their pending WebAuthn ceremonies, and the account
 * switch for passwordless logon. Limits that WebAuthn or COSE fix are
 * CHECKed: credential IDs of 1 to 1023 bytes, 16-byte AAGUIDs, 32-byte
 * hashes and a 32-bit signature counter. The passkey name is CHECKed to 1
 * to 64 characters and 256 bytes, the size of its struct field. Other text
 * and the key length are limited by the struct fields, as in version 1.
 */
static const char sq_schema_v2[] =
    /* An existing account keeps passwordless logon allowed, as a new one gets. */
    "ALTER TABLE accounts ADD COLUMN"
    " passkey_logon INTEGER NOT NULL DEFAULT 1 CHECK (passkey_logon IN (0, 1));"

    /*
     * UNIQUE (user_id, name) is also the index for lookups and cascades by
     * user_id. NOCASE on name folds ASCII letters only.
     */
    "CREATE TABLE passkeys ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " credential_id BLOB NOT NULL UNIQUE"
    "  CHECK (length(credential_id) BETWEEN 1 AND 1023),"
    " public_key BLOB NOT NULL CHECK (length(public_key) > 0),"
    " algorithm INTEGER NOT NULL,"
    " sign_count INTEGER NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),"
    " aaguid BLOB NOT NULL CHECK (length(aaguid) = 16),"
    " transports TEXT NOT NULL,"
    " backup_eligible INTEGER NOT NULL CHECK (backup_eligible IN (0, 1)),"
    " backup_state INTEGER NOT NULL CHECK (backup_state IN (0, 1)),"
    " user_verified INTEGER NOT NULL CHECK (user_verified IN (0, 1)),"
    " fmt TEXT NOT NULL,"
    " name TEXT NOT NULL COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 64"
    "  AND length(CAST(name AS BLOB)) <= 256),"
    " created INTEGER NOT NULL,"
    " last_used INTEGER NOT NULL,"
    " UNIQUE (user_id, name),"
    /* The WebAuthn rule: a credential with BS = 1 must also have BE = 1. */
    " CHECK (backup_state = 0 OR backup_eligible = 1)"
    ") STRICT;"

    /*
     * kind: 0 registration, 1 second factor, 2 passwordless. Registration
     * and second factor name a user, registration its session, and second
     * factor the logon challenge of its password step.
     */
    "CREATE TABLE webauthn_challenges ("
    " challenge_hash BLOB NOT NULL PRIMARY KEY CHECK (length(challenge_hash) = 32),"
    " kind INTEGER NOT NULL CHECK (kind IN (0, 1, 2)),"
    " user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,"
    " account_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE,"
    " session_hash BLOB CHECK (session_hash IS NULL OR length(session_hash) = 32),"
    " mfa_challenge_hash BLOB"
    "  CHECK (mfa_challenge_hash IS NULL OR length(mfa_challenge_hash) = 32),"
    " user_verification INTEGER NOT NULL CHECK (user_verification IN (0, 1, 2)),"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " CHECK (kind = 2 OR user_id IS NOT NULL),"
    " CHECK (kind <> 0 OR session_hash IS NOT NULL),"
    " CHECK (kind <> 1 OR mfa_challenge_hash IS NOT NULL)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX webauthn_challenges_user ON webauthn_challenges (user_id);"
    "CREATE INDEX webauthn_challenges_account ON webauthn_challenges (account_id);"
    "CREATE INDEX webauthn_challenges_expires ON webauthn_challenges (expires);";

/*
 * Version 3: the security email factor and the mail outbox. Addresses are
 * CHECKed to 1 to 254 bytes, the RFC 5321 path limit, and hashes to 32
 * bytes. An outbox row keeps its data only while it is queued (state 0),
 * because the data may contain a code.
 */
static const char sq_schema_v3[] =
    /* The index serves the count of users per address within an account. */
    "CREATE TABLE security_emails ("
    " user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,"
    " account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
    " address TEXT NOT NULL CHECK (length(address) > 0"
    "  AND length(CAST(address AS BLOB)) <= 254),"
    " address_key TEXT NOT NULL CHECK (length(address_key) > 0"
    "  AND length(CAST(address_key AS BLOB)) <= 254),"
    " created INTEGER NOT NULL,"
    " verified_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX security_emails_address ON security_emails (account_id, address_key);"

    /*
     * purpose: 0 verify, 1 logon, 2 step-up. UNIQUE (user_id, purpose)
     * keeps one live code per user and purpose. A logon code names the
     * logon challenge of its password step.
     */
    "CREATE TABLE email_codes ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " purpose INTEGER NOT NULL CHECK (purpose IN (0, 1, 2)),"
    " address TEXT NOT NULL CHECK (length(address) > 0"
    "  AND length(CAST(address AS BLOB)) <= 254),"
    " address_key TEXT NOT NULL CHECK (length(address_key) > 0"
    "  AND length(CAST(address_key AS BLOB)) <= 254),"
    " code_hash BLOB NOT NULL CHECK (length(code_hash) = 32),"
    " attempts INTEGER NOT NULL CHECK (attempts >= 0),"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " logon_hash BLOB CHECK (logon_hash IS NULL OR length(logon_hash) = 32),"
    " UNIQUE (user_id, purpose),"
    " CHECK (purpose <> 1 OR logon_hash IS NOT NULL)"
    ") STRICT;"
    "CREATE INDEX email_codes_expires ON email_codes (expires);"

    /* One row per code mail, for the limits per user and per address. */
    "CREATE TABLE email_sends ("
    " id INTEGER PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " address_key TEXT CHECK (address_key IS NULL OR length(address_key) > 0),"
    " sent_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX email_sends_user ON email_sends (user_id, sent_at);"
    "CREATE INDEX email_sends_address ON email_sends (address_key, sent_at)"
    " WHERE address_key IS NOT NULL;"
    "CREATE INDEX email_sends_time ON email_sends (sent_at);"

    /*
     * state: 0 queued, 1 sent, 2 failed. Rows do not name a user, so a
     * deleted user's notice is still delivered.
     */
    "CREATE TABLE outbox ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " recipient TEXT NOT NULL CHECK (length(recipient) > 0"
    "  AND length(CAST(recipient AS BLOB)) <= 254),"
    " message_id TEXT NOT NULL UNIQUE CHECK (length(message_id) BETWEEN 1 AND 127),"
    " data BLOB NOT NULL CHECK (length(data) <= 65536),"
    " state INTEGER NOT NULL CHECK (state IN (0, 1, 2)),"
    " attempts INTEGER NOT NULL CHECK (attempts >= 0),"
    " created INTEGER NOT NULL,"
    " next_attempt INTEGER NOT NULL,"
    " expires INTEGER NOT NULL CHECK (expires >= 0),"
    " sent_at INTEGER NOT NULL,"
    " last_error TEXT NOT NULL,"
    " CHECK ((state = 0) = (length(data) > 0))"
    ") STRICT;"
    "CREATE INDEX outbox_due ON outbox (state, next_attempt);";

/*
 * Version 4: the audit log. Rows name no foreign key, so a record outlives
 * the account and user it names until the retention purge deletes it.
 * AUTOINCREMENT keeps ids from being given out again after a purge, so a
 * paging marker never skips new rows. The trigger makes the table
 * append-only for every writer of the file, not only for this backend,
 * which has no UPDATE statement for it. DELETE stays allowed for the
 * purge. The indexes serve audit_list by account, by subject and by event
 * in id order, and the purge by time.
 */
static const char sq_schema_v4[] =
    "CREATE TABLE audit_events ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " time INTEGER NOT NULL CHECK (time > 0),"
    " account_id INTEGER CHECK (account_id IS NULL OR account_id > 0),"
    " user_id INTEGER CHECK (user_id IS NULL OR user_id > 0),"
    " actor_id INTEGER CHECK (actor_id IS NULL OR actor_id > 0),"
    " src TEXT NOT NULL CHECK (length(CAST(src AS BLOB)) <= 63),"
    " user_agent TEXT NOT NULL CHECK (length(CAST(user_agent AS BLOB)) <= 255),"
    " event TEXT NOT NULL CHECK (length(event) BETWEEN 1 AND 47),"
    " outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),"
    " detail TEXT NOT NULL CHECK (length(CAST(detail AS BLOB)) <= 255)"
    ") STRICT;"
    "CREATE INDEX audit_events_account ON audit_events (account_id, id);"
    "CREATE INDEX audit_events_user ON audit_events (account_id, user_id, id);"
    "CREATE INDEX audit_events_event ON audit_events (account_id, event, id);"
    "CREATE INDEX audit_events_time ON audit_events (time);"
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events"
    " BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;";

/*
 * Version 5: each account's logon allow-list, as canonical CIDR ranges
 * separated by ", " (netpolicy_list_format). Empty allows every address.
 */
static const char sq_schema_v5[] =
    "ALTER TABLE accounts ADD COLUMN login_network_masks TEXT NOT NULL DEFAULT ''"
    " CHECK (length(CAST(login_network_masks AS BLOB)) <= 2047);";

/*
 * Version 6: per-account password policies and each user's previous
 * password hashes. An account without a policy row uses the defaults of
 * pwpolicy_init. The history keeps at most 24 rows per user (the highest
 * PasswordReusePrevention), because password_history_add deletes older ones.
 */
static const char sq_schema_v6[] =
    "CREATE TABLE password_policy ("
    " account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,"
    " min_length INTEGER NOT NULL CHECK (min_length BETWEEN 8 AND 32),"
    " required_classes INTEGER NOT NULL CHECK (required_classes BETWEEN 0 AND 15),"
    " max_age_days INTEGER NOT NULL CHECK (max_age_days BETWEEN 0 AND 1095),"
    " hard_expiry INTEGER NOT NULL CHECK (hard_expiry IN (0, 1)),"
    " reuse_prevention INTEGER NOT NULL CHECK (reuse_prevention BETWEEN 0 AND 24),"
    " lockout_attempts INTEGER NOT NULL CHECK (lockout_attempts BETWEEN 0 AND 32),"
    " not_contain_user_name INTEGER NOT NULL CHECK (not_contain_user_name IN (0, 1)),"
    " updated INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE password_history ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " password_hash TEXT NOT NULL CHECK (length(password_hash) BETWEEN 1 AND 127),"
    " created INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX password_history_user ON password_history (user_id, id);";

/*
 * Version 7: session listing, API tokens and remembered browsers. Existing
 * sessions get a random public id, so they can be listed and revoked too.
 * Tokens and browsers are stored as the SHA-256 of their random value only.
 * Text limits are CHECKed in bytes to the struct fields.
 */
static const char sq_schema_v7[] =
    "ALTER TABLE sessions ADD COLUMN public_id TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE sessions ADD COLUMN src TEXT NOT NULL DEFAULT ''"
    " CHECK (length(CAST(src AS BLOB)) <= 63);"
    "ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT ''"
    " CHECK (length(CAST(user_agent AS BLOB)) <= 255);"
    "UPDATE sessions SET public_id = lower(hex(randomblob(16)));"
    "CREATE UNIQUE INDEX sessions_public_id ON sessions (public_id);"

    /* Off by default: remembering a browser weakens the second factor. */
    "ALTER TABLE accounts ADD COLUMN"
    " save_mfa_ticket INTEGER NOT NULL DEFAULT 0 CHECK (save_mfa_ticket IN (0, 1));"

    "CREATE TABLE access_tokens ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
    " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " description TEXT NOT NULL CHECK (length(CAST(description AS BLOB)) <= 255),"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " last_used INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX access_tokens_user ON access_tokens (user_id);"
    "CREATE INDEX access_tokens_expires ON access_tokens (expires);"

    "CREATE TABLE remembered_browsers ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
    " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " user_agent TEXT NOT NULL CHECK (length(CAST(user_agent AS BLOB)) <= 255),"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " last_used INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX remembered_browsers_user ON remembered_browsers (user_id);"
    "CREATE INDEX remembered_browsers_expires ON remembered_browsers (expires);";

/*
 * Version 8: per-account security settings and per-factor proof times of
 * sessions. An account without a settings row has the defaults of
 * store_account_settings_default, so existing accounts need no row. Limits
 * are CHECKed as in store.h. Sessions that existed before this step read
 * 0 for every proof time, so they must step up again before a sensitive
 * action, and 0 for idle_timeout, which means security.session_idle.
 */
static const char sq_schema_v8[] =
    "CREATE TABLE account_settings ("
    " account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,"
    " mfa_mandatory INTEGER NOT NULL CHECK (mfa_mandatory IN (0, 1)),"
    " allow_change_password INTEGER NOT NULL CHECK (allow_change_password IN (0, 1)),"
    " session_hours INTEGER NOT NULL CHECK (session_hours BETWEEN 1 AND 24),"
    " idle_minutes INTEGER NOT NULL CHECK (idle_minutes = 0 OR idle_minutes BETWEEN 5 AND 1440),"
    " allow_manage_mfa INTEGER NOT NULL CHECK (allow_manage_mfa IN (0, 1)),"
    " allow_manage_passkeys INTEGER NOT NULL CHECK (allow_manage_passkeys IN (0, 1)),"
    " allow_manage_email INTEGER NOT NULL CHECK (allow_manage_email IN (0, 1)),"
    " allow_email_logon INTEGER NOT NULL CHECK (allow_email_logon IN (0, 1)),"
    " allow_email_step_up INTEGER NOT NULL CHECK (allow_email_step_up IN (0, 1))"
    ") STRICT;"
    "ALTER TABLE sessions ADD COLUMN totp_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sessions ADD COLUMN passkey_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sessions ADD COLUMN email_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sessions ADD COLUMN idle_timeout INTEGER NOT NULL DEFAULT 0"
    " CHECK (idle_timeout >= 0);";

/* Append new steps only; never edit a step that has shipped. */
const struct store_sqlite_migration store_sqlite_migrations[] = {
	{ 1, sq_schema_v1 },
	{ 2, sq_schema_v2 },
	{ 3, sq_schema_v3 },
	{ 4, sq_schema_v4 },
	{ 5, sq_schema_v5 },
	{ 6, sq_schema_v6 },
	{ 7, sq_schema_v7 },
	{ 8, sq_schema_v8 },
};

const size_t store_sqlite_migration_count =
    sizeof(store_sqlite_migrations) / sizeof(store_sqlite_migrations[0]);

int
store_sqlite_schema_latest(void)
{
	return store_sqlite_migrations[store_sqlite_migration_count - 1].version;
}

static int
sq_exec(sqlite3 *db, const char *sql, const char *op)
{
	char quoted[LOG_QUOTE_MAX];

	if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return STORE_OK;
	log_error("event=db_error op=%s err=%s code=%d", op,
	    log_quote(sqlite3_errmsg(db), quoted, sizeof(quoted)), sqlite3_extended_errcode(db));
	return STORE_ERROR;
}

static int
sq_user_version(sqlite3 *db, int *ret_version)
{
	char quoted[LOG_QUOTE_MAX];
	sqlite3_stmt *stmt = NULL;
	int r = STORE_ERROR;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW) {
		log_error("event=db_error op=read_schema_version err=%s code=%d",
		    log_quote(sqlite3_errmsg(db), quoted, sizeof(quoted)),
		    sqlite3_extended_errcode(db));
		goto out;
	}
	*ret_version = sqlite3_column_int(stmt, 0);
	r = STORE_OK;
out:
	sqlite3_finalize(stmt);
	return r;
}

/*
 * Apply one step. The version is read again inside the write lock because
 * another process may have applied the step while this one waited.
 */
static int
sq_apply(sqlite3 *db, const struct store_sqlite_migration *step)
{
	char bump[64];
	int version;

	if (sq_exec(db, "BEGIN IMMEDIATE", "migrate_begin") != STORE_OK)
		return STORE_ERROR;
	if (sq_user_version(db, &version) != STORE_OK)
		goto fail;
	if (version >= step->version)
		return sq_exec(db, "COMMIT", "migrate_commit");
	if (version != step->version - 1) {
		log_error("event=db_error op=migrate err=\"schema version skips a step\" "
		    "version=%d step=%d", version, step->version);
		goto fail;
	}

	if (sq_exec(db, step->sql, "migrate") != STORE_OK)
		goto fail;
	/* PRAGMA takes no bound parameter; the version is our own integer. */
	snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", step->version);
	if (sq_exec(db, bump, "migrate_version") != STORE_OK)
		goto fail;
	if (sq_exec(db, "COMMIT", "migrate_commit") != STORE_OK)
		goto fail;
	log_info("event=db_migrated version=%d", step->version);
	return STORE_OK;
fail:
	/* A failed COMMIT may already have ended the transaction. */
	if (!sqlite3_get_autocommit(db))
		(void)sq_exec(db, "ROLLBACK", "migrate_rollback");
	return STORE_ERROR;
}

int
store_sqlite_migrate(sqlite3 *db, const struct store_sqlite_migration *steps, size_t count)
{
	int latest;
	int version;

	for (size_t i = 0; i < count; i++) {
		if (steps[i].version != (int)i + 1) {
			log_error("event=db_error op=migrate err=\"migration steps out of order\" "
			    "index=%zu version=%d", i, steps[i].version);
			return STORE_ERROR;
		}
	}
	latest = (int)count;

	if (sq_user_version(db, &version) != STORE_OK)
		return STORE_ERROR;
	if (version < 0) {
		log_error("event=db_error op=migrate err=\"negative schema version\" version=%d",
		    version);
		return STORE_ERROR;
	}
	if (version > latest) {
		log_error("event=db_schema_too_new version=%d latest=%d "
		    "err=\"database was written by a newer mfad; run that version or restore a backup\"",
		    version, latest);
		return STORE_ERROR;
	}

	for (size_t i = (size_t)version; i < count; i++) {
		if (sq_apply(db, &steps[i]) != STORE_OK)
			return STORE_ERROR;
	}
	return STORE_OK;
}
