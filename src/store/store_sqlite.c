/* SPDX-License-Identifier: MIT */
/* SQLite backend of the store: one connection and its prepared statements per handle. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "store/store_sqlite.h"

/* Column lists, in the order the sq_read_* functions expect. */
#define SQ_ACCOUNT_COLS "id, alias, created, passkey_logon, save_mfa_ticket"
#define SQ_USER_COLS "id, account_id, name, display_name, is_owner, created, updated"
#define SQ_USER_COLS_U \
	"u.id, u.account_id, u.name, u.display_name, u.is_owner, u.created, u.updated"
#define SQ_PROFILE_COLS \
	"user_id, password_hash, reset_required, mfa_bind_required, password_changed, " \
	"created, updated"
#define SQ_DEVICE_COLS \
	"id, user_id, serial, secret_enc, algorithm, digits, period, bound, last_step, " \
	"created, bound_at"
#define SQ_DEVICE_COLS_D \
	"d.id, d.user_id, d.serial, d.secret_enc, d.algorithm, d.digits, d.period, d.bound, " \
	"d.last_step, d.created, d.bound_at"
#define SQ_DEVICE_NCOLS 11
#define SQ_SESSION_COLS \
	"token_hash, user_id, scope, factors, created, expires, last_seen, mfa_at, public_id, " \
	"src, user_agent, totp_at, passkey_at, email_at, idle_timeout"
#define SQ_ACCESS_TOKEN_COLS "id, token_hash, user_id, description, created, expires, last_used"
#define SQ_BROWSER_COLS "id, token_hash, user_id, user_agent, created, expires, last_used"
#define SQ_SETTINGS_COLS \
	"account_id, mfa_mandatory, allow_change_password, session_hours, idle_minutes, " \
	"allow_manage_mfa, allow_manage_passkeys, allow_manage_email, allow_email_logon, " \
	"allow_email_step_up"
#define SQ_CHALLENGE_COLS "id_hash, user_id, kind, attempts, created, expires"
#define SQ_FAILURE_COLS "principal, failures, locked_until, last_failure"
#define SQ_PWPOLICY_COLS \
	"account_id, min_length, required_classes, max_age_days, hard_expiry, " \
	"reuse_prevention, lockout_attempts, not_contain_user_name, updated"
#define SQ_PASSKEY_COLS_NO_ID \
	"user_id, credential_id, public_key, algorithm, sign_count, aaguid, transports, " \
	"backup_eligible, backup_state, user_verified, fmt, name, created, last_used"
#define SQ_PASSKEY_COLS "id, " SQ_PASSKEY_COLS_NO_ID
#define SQ_WEBAUTHN_COLS \
	"challenge_hash, kind, user_id, account_id, session_hash, mfa_challenge_hash, " \
	"user_verification, created, expires"
#define SQ_SECURITY_EMAIL_COLS "user_id, account_id, address, address_key, created, verified_at"
#define SQ_EMAIL_CODE_COLS \
	"id, user_id, purpose, address, address_key, code_hash, attempts, created, expires, " \
	"logon_hash"
/* The data column comes last so lists can leave it out. */
#define SQ_OUTBOX_COLS_NO_DATA \
	"id, recipient, message_id, state, attempts, created, next_attempt, expires, sent_at, " \
	"last_error"
#define SQ_OUTBOX_COLS SQ_OUTBOX_COLS_NO_DATA ", data"
#define SQ_AUDIT_COLS \
	"id, time, account_id, user_id, actor_id, src, user_agent, event, outcome, detail"

/* Every statement of the backend, prepared once when the handle opens. */
enum sq_stmt_id {
	SQ_BEGIN,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_SAVEPOINT,
	SQ_RELEASE,
	SQ_ROLLBACK_TO,
	SQ_USER_VERSION,
	SQ_ACCOUNT_INSERT,
	SQ_ACCOUNT_BY_ALIAS,
	SQ_ACCOUNT_BY_ID,
	SQ_ACCOUNT_COUNT,
	SQ_ACCOUNT_DELETE,
	SQ_ACCOUNT_SET_PASSKEY_LOGON,
	SQ_SETTINGS_GET,
	SQ_SETTINGS_PUT,
	SQ_USER_INSERT,
	SQ_USER_BY_ID,
	SQ_USER_BY_NAME,
	SQ_USER_OWNER,
	SQ_USER_LIST,
	SQ_USER_UPDATE,
	SQ_USER_DELETE,
	SQ_PROFILE_GET,
	SQ_PROFILE_INSERT,
	SQ_PROFILE_UPDATE,
	SQ_PROFILE_DELETE,
	SQ_DEVICE_DELETE_PENDING,
	SQ_DEVICE_INSERT,
	SQ_DEVICE_BY_USER,
	SQ_DEVICE_BY_SERIAL,
	SQ_DEVICE_BIND,
	SQ_DEVICE_USE_STEP,
	SQ_DEVICE_DELETE,
	SQ_DEVICE_LIST,
	SQ_SESSION_INSERT,
	SQ_SESSION_GET,
	SQ_SESSION_TOUCH,
	SQ_SESSION_SET_MFA,
	SQ_SESSION_DELETE,
	SQ_SESSION_DELETE_BY_USER,
	SQ_CHALLENGE_DELETE_BY_USER,
	SQ_CHALLENGE_INSERT,
	SQ_CHALLENGE_GET,
	SQ_CHALLENGE_ADD_ATTEMPT,
	SQ_CHALLENGE_DELETE,
	SQ_FAILURE_GET,
	SQ_FAILURE_PUT,
	SQ_FAILURE_CLEAR,
	SQ_PASSKEY_INSERT,
	SQ_PASSKEY_CREDENTIAL_TAKEN,
	SQ_PASSKEY_BY_CREDENTIAL,
	SQ_PASSKEY_BY_ID,
	SQ_PASSKEY_LIST,
	SQ_PASSKEY_COUNT,
	SQ_PASSKEY_RENAME,
	SQ_PASSKEY_DELETE,
	SQ_PASSKEY_USE,
	SQ_WEBAUTHN_INSERT,
	SQ_WEBAUTHN_TAKE,
	SQ_SECURITY_EMAIL_GET,
	SQ_SECURITY_EMAIL_PUT,
	SQ_SECURITY_EMAIL_DELETE,
	SQ_SECURITY_EMAIL_COUNT,
	SQ_EMAIL_CODE_DELETE_PURPOSE,
	SQ_EMAIL_CODE_INSERT,
	SQ_EMAIL_CODE_GET,
	SQ_EMAIL_CODE_ADD_ATTEMPT,
	SQ_EMAIL_CODE_DELETE,
	SQ_EMAIL_SEND_INSERT,
	SQ_EMAIL_SEND_STATS,
	SQ_EMAIL_SEND_STATS_ADDRESS,
	SQ_OUTBOX_INSERT,
	SQ_OUTBOX_NEXT_DUE,
	SQ_OUTBOX_CLAIM,
	SQ_OUTBOX_NEXT_ATTEMPT,
	SQ_OUTBOX_MARK_SENT,
	SQ_OUTBOX_MARK_RETRY,
	SQ_OUTBOX_MARK_FAILED,
	SQ_OUTBOX_COUNT,
	SQ_OUTBOX_LIST,
	SQ_PURGE_SESSIONS,
	SQ_PURGE_CHALLENGES,
	SQ_PURGE_FAILURES,
	SQ_PURGE_WEBAUTHN,
	SQ_PURGE_EMAIL_CODES,
	SQ_PURGE_EMAIL_SENDS,
	SQ_PURGE_OUTBOX,
	SQ_AUDIT_INSERT,
	SQ_AUDIT_LIST,
	SQ_AUDIT_LIST_USER,
	SQ_AUDIT_LIST_EVENT,
	SQ_AUDIT_PURGE,
	SQ_AUDIT_COUNT_SINCE,
	SQ_ACCOUNT_GET_NETWORKS,
	SQ_ACCOUNT_SET_NETWORKS,
	SQ_PWPOLICY_GET,
	SQ_PWPOLICY_PUT,
	SQ_PWHISTORY_INSERT,
	SQ_PWHISTORY_TRIM,
	SQ_PWHISTORY_LIST,
	SQ_ACCOUNT_SET_SAVE_MFA_TICKET,
	SQ_SESSION_LIST,
	SQ_SESSION_DELETE_PUBLIC_ID,
	SQ_SESSION_DELETE_BY_USER_EXCEPT,
	SQ_ACCESS_TOKEN_INSERT,
	SQ_ACCESS_TOKEN_GET,
	SQ_ACCESS_TOKEN_LIST,
	SQ_ACCESS_TOKEN_DELETE,
	SQ_ACCESS_TOKEN_TOUCH,
	SQ_BROWSER_INSERT,
	SQ_BROWSER_GET,
	SQ_BROWSER_LIST,
	SQ_BROWSER_DELETE,
	SQ_BROWSER_DELETE_BY_USER,
	SQ_ACCESS_TOKEN_DELETE_BY_USER,
	SQ_BROWSER_DELETE_BY_ACCOUNT,
	SQ_BROWSER_TOUCH,
	SQ_PURGE_ACCESS_TOKENS,
	SQ_PURGE_BROWSERS,
	SQ_STMT_COUNT
};

static const char *const sq_sql[SQ_STMT_COUNT] = {
	[SQ_BEGIN] = "BEGIN IMMEDIATE",
	[SQ_COMMIT] = "COMMIT",
	[SQ_ROLLBACK] = "ROLLBACK",
	/* One savepoint name is enough because savepoint users never nest. */
	[SQ_SAVEPOINT] = "SAVEPOINT sq_op",
	[SQ_RELEASE] = "RELEASE sq_op",
	[SQ_ROLLBACK_TO] = "ROLLBACK TO sq_op",
	[SQ_USER_VERSION] = "PRAGMA user_version",

	[SQ_ACCOUNT_INSERT] = "INSERT INTO accounts (alias, created) VALUES (?1, ?2)",
	[SQ_ACCOUNT_BY_ALIAS] = "SELECT " SQ_ACCOUNT_COLS " FROM accounts WHERE alias = ?1",
	[SQ_ACCOUNT_BY_ID] = "SELECT " SQ_ACCOUNT_COLS " FROM accounts WHERE id = ?1",
	[SQ_ACCOUNT_COUNT] = "SELECT count(*) FROM accounts",
	[SQ_ACCOUNT_DELETE] = "DELETE FROM accounts WHERE id = ?1",
	[SQ_ACCOUNT_SET_PASSKEY_LOGON] = "UPDATE accounts SET passkey_logon = ?2 WHERE id = ?1",
	[SQ_SETTINGS_GET] = "SELECT " SQ_SETTINGS_COLS " FROM account_settings WHERE account_id = ?1",
	[SQ_SETTINGS_PUT] = "INSERT OR REPLACE INTO account_settings (" SQ_SETTINGS_COLS ")"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",

	[SQ_USER_INSERT] = "INSERT INTO users (account_id, name, display_name, is_owner, created, "
	    "updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[SQ_USER_BY_ID] = "SELECT " SQ_USER_COLS " FROM users WHERE id = ?1",
	[SQ_USER_BY_NAME] = "SELECT " SQ_USER_COLS " FROM users WHERE account_id = ?1 AND name = ?2",
	[SQ_USER_OWNER] = "SELECT " SQ_USER_COLS " FROM users WHERE account_id = ?1 AND is_owner = 1",
	[SQ_USER_LIST] = "SELECT " SQ_USER_COLS " FROM users"
	    " WHERE account_id = ?1 AND is_owner = 0 AND name > ?2 ORDER BY name LIMIT ?3",
	[SQ_USER_UPDATE] = "UPDATE users SET name = ?2, display_name = ?3, updated = ?4 WHERE id = ?1",
	[SQ_USER_DELETE] = "DELETE FROM users WHERE id = ?1",

	[SQ_PROFILE_GET] = "SELECT " SQ_PROFILE_COLS " FROM login_profiles WHERE user_id = ?1",
	[SQ_PROFILE_INSERT] = "INSERT INTO login_profiles (" SQ_PROFILE_COLS ")"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[SQ_PROFILE_UPDATE] = "UPDATE login_profiles SET password_hash = ?2, reset_required = ?3,"
	    " mfa_bind_required = ?4, password_changed = ?5, updated = ?6 WHERE user_id = ?1",
	[SQ_PROFILE_DELETE] = "DELETE FROM login_profiles WHERE user_id = ?1",

	[SQ_DEVICE_DELETE_PENDING] = "DELETE FROM mfa_devices WHERE user_id = ?1 AND bound = 0",
	[SQ_DEVICE_INSERT] = "INSERT INTO mfa_devices (user_id, serial, secret_enc, algorithm,"
	    " digits, period, bound, last_step, created, bound_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[SQ_DEVICE_BY_USER] = "SELECT " SQ_DEVICE_COLS " FROM mfa_devices WHERE user_id = ?1",
	[SQ_DEVICE_BY_SERIAL] = "SELECT " SQ_DEVICE_COLS " FROM mfa_devices WHERE serial = ?1",
	[SQ_DEVICE_BIND] = "UPDATE mfa_devices SET bound = 1, last_step = ?2, bound_at = ?3"
	    " WHERE id = ?1 AND bound = 0",
	/* The whole replay check is this one statement, so it is atomic across handles. */
	[SQ_DEVICE_USE_STEP] = "UPDATE mfa_devices SET last_step = ?2"
	    " WHERE id = ?1 AND bound = 1 AND last_step < ?2",
	[SQ_DEVICE_DELETE] = "DELETE FROM mfa_devices WHERE id = ?1",
	[SQ_DEVICE_LIST] = "SELECT " SQ_DEVICE_COLS_D ", " SQ_USER_COLS_U
	    " FROM mfa_devices AS d JOIN users AS u ON u.id = d.user_id"
	    " WHERE u.account_id = ?1 AND d.serial > ?2 ORDER BY d.serial LIMIT ?3",

	[SQ_SESSION_INSERT] = "INSERT INTO sessions (" SQ_SESSION_COLS ")"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	[SQ_SESSION_GET] = "SELECT " SQ_SESSION_COLS " FROM sessions WHERE token_hash = ?1",
	[SQ_SESSION_TOUCH] = "UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1",
	[SQ_SESSION_SET_MFA] =
	    "UPDATE sessions SET factors = factors | ?2, mfa_at = ?3,"
	    " totp_at = CASE WHEN ?2 & 2 THEN ?3 ELSE totp_at END,"
	    " passkey_at = CASE WHEN ?2 & 4 THEN ?3 ELSE passkey_at END,"
	    " email_at = CASE WHEN ?2 & 8 THEN ?3 ELSE email_at END"
	    " WHERE token_hash = ?1",
	[SQ_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?1",
	[SQ_SESSION_DELETE_BY_USER] = "DELETE FROM sessions WHERE user_id = ?1",
	[SQ_CHALLENGE_DELETE_BY_USER] = "DELETE FROM challenges WHERE user_id = ?1",

	[SQ_CHALLENGE_INSERT] = "INSERT INTO challenges (" SQ_CHALLENGE_COLS ")"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[SQ_CHALLENGE_GET] = "SELECT " SQ_CHALLENGE_COLS " FROM challenges WHERE id_hash = ?1",
	[SQ_CHALLENGE_ADD_ATTEMPT] = "UPDATE challenges SET attempts = attempts + 1"
	    " WHERE id_hash = ?1 RETURNING attempts",
	[SQ_CHALLENGE_DELETE] = "DELETE FROM challenges WHERE id_hash = ?1",

	[SQ_FAILURE_GET] = "SELECT " SQ_FAILURE_COLS " FROM logon_failures WHERE principal = ?1",
	[SQ_FAILURE_PUT] = "INSERT INTO logon_failures (" SQ_FAILURE_COLS ") VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT (principal) DO UPDATE SET failures = excluded.failures,"
	    " locked_until = excluded.locked_until, last_failure = excluded.last_failure",
	[SQ_FAILURE_CLEAR] = "DELETE FROM logon_failures WHERE principal = ?1",

	[SQ_PASSKEY_INSERT] = "INSERT INTO passkeys (" SQ_PASSKEY_COLS_NO_ID ")"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	[SQ_PASSKEY_CREDENTIAL_TAKEN] = "SELECT count(*) FROM passkeys WHERE credential_id = ?1",
	[SQ_PASSKEY_BY_CREDENTIAL] = "SELECT " SQ_PASSKEY_COLS " FROM passkeys"
	    " WHERE credential_id = ?1",
	[SQ_PASSKEY_BY_ID] = "SELECT " SQ_PASSKEY_COLS " FROM passkeys WHERE id = ?1",
	[SQ_PASSKEY_LIST] = "SELECT " SQ_PASSKEY_COLS " FROM passkeys WHERE user_id = ?1"
	    " ORDER BY created, id",
	[SQ_PASSKEY_COUNT] = "SELECT count(*) FROM passkeys WHERE user_id = ?1",
	[SQ_PASSKEY_RENAME] = "UPDATE passkeys SET name = ?3 WHERE id = ?1 AND user_id = ?2",
	[SQ_PASSKEY_DELETE] = "DELETE FROM passkeys WHERE id = ?1 AND user_id = ?2",
	/* The whole counter check is this one statement, so it is atomic across handles. */
	[SQ_PASSKEY_USE] = "UPDATE passkeys SET sign_count = ?3, backup_state = ?4, last_used = ?5"
	    " WHERE id = ?1 AND sign_count = ?2",

	[SQ_WEBAUTHN_INSERT] = "INSERT INTO webauthn_challenges (" SQ_WEBAUTHN_COLS ")"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[SQ_WEBAUTHN_TAKE] = "DELETE FROM webauthn_challenges WHERE challenge_hash = ?1"
	    " RETURNING " SQ_WEBAUTHN_COLS,

	[SQ_SECURITY_EMAIL_GET] = "SELECT " SQ_SECURITY_EMAIL_COLS " FROM security_emails"
	    " WHERE user_id = ?1",
	/*
	 * Take account_id from the user's row, so an address cannot be stored
	 * under an account the user is not in. No row is inserted when the
	 * user is not in ?2.
	 */
	[SQ_SECURITY_EMAIL_PUT] = "INSERT INTO security_emails (" SQ_SECURITY_EMAIL_COLS ")"
	    " SELECT id, account_id, ?3, ?4, ?5, ?6 FROM users WHERE id = ?1 AND account_id = ?2"
	    " ON CONFLICT (user_id) DO UPDATE SET address = excluded.address,"
	    " address_key = excluded.address_key, created = excluded.created,"
	    " verified_at = excluded.verified_at",
	[SQ_SECURITY_EMAIL_DELETE] = "DELETE FROM security_emails WHERE user_id = ?1",
	[SQ_SECURITY_EMAIL_COUNT] = "SELECT count(*) FROM security_emails"
	    " WHERE account_id = ?1 AND address_key = ?2 AND user_id <> ?3",

	[SQ_EMAIL_CODE_DELETE_PURPOSE] = "DELETE FROM email_codes WHERE user_id = ?1 AND purpose = ?2",
	[SQ_EMAIL_CODE_INSERT] = "INSERT INTO email_codes (user_id, purpose, address, address_key,"
	    " code_hash, attempts, created, expires, logon_hash)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[SQ_EMAIL_CODE_GET] = "SELECT " SQ_EMAIL_CODE_COLS " FROM email_codes"
	    " WHERE user_id = ?1 AND purpose = ?2",
	[SQ_EMAIL_CODE_ADD_ATTEMPT] = "UPDATE email_codes SET attempts = attempts + 1"
	    " WHERE id = ?1 RETURNING attempts",
	[SQ_EMAIL_CODE_DELETE] = "DELETE FROM email_codes WHERE id = ?1",

	[SQ_EMAIL_SEND_INSERT] = "INSERT INTO email_sends (user_id, address_key, sent_at)"
	    " VALUES (?1, ?2, ?3)",
	[SQ_EMAIL_SEND_STATS] = "SELECT count(*), coalesce(max(sent_at), 0) FROM email_sends"
	    " WHERE user_id = ?1 AND sent_at >= ?2",
	[SQ_EMAIL_SEND_STATS_ADDRESS] = "SELECT count(*), coalesce(max(sent_at), 0)"
	    " FROM email_sends WHERE address_key = ?1 AND sent_at >= ?2",

	[SQ_OUTBOX_INSERT] = "INSERT INTO outbox (recipient, message_id, data, state, attempts,"
	    " created, next_attempt, expires, sent_at, last_error)"
	    " VALUES (?1, ?2, ?3, 0, 0, ?4, ?5, ?6, 0, '')",
	[SQ_OUTBOX_NEXT_DUE] = "SELECT " SQ_OUTBOX_COLS " FROM outbox"
	    " WHERE state = 0 AND next_attempt <= ?1 ORDER BY next_attempt, id LIMIT 1",
	/* One statement, so of senders claiming at once each gets another message. */
	[SQ_OUTBOX_CLAIM] = "UPDATE outbox SET next_attempt = ?2 WHERE id ="
	    " (SELECT id FROM outbox WHERE state = 0 AND next_attempt <= ?1"
	    " ORDER BY next_attempt, id LIMIT 1)"
	    " RETURNING " SQ_OUTBOX_COLS,
	[SQ_OUTBOX_NEXT_ATTEMPT] = "SELECT min(next_attempt) FROM outbox WHERE state = 0",
	[SQ_OUTBOX_MARK_SENT] = "UPDATE outbox SET state = 1, sent_at = ?2, data = x'',"
	    " last_error = '' WHERE id = ?1 AND state = 0",
	[SQ_OUTBOX_MARK_RETRY] = "UPDATE outbox SET attempts = ?2, next_attempt = ?3,"
	    " last_error = ?4 WHERE id = ?1 AND state = 0",
	[SQ_OUTBOX_MARK_FAILED] = "UPDATE outbox SET state = 2, data = x'', last_error = ?2"
	    " WHERE id = ?1 AND state = 0",
	[SQ_OUTBOX_COUNT] = "SELECT count(*) FROM outbox WHERE state = ?1",
	[SQ_OUTBOX_LIST] = "SELECT " SQ_OUTBOX_COLS_NO_DATA " FROM outbox"
	    " WHERE state = ?1 AND attempts >= ?2 ORDER BY id DESC LIMIT ?3",

	[SQ_PURGE_SESSIONS] = "DELETE FROM sessions WHERE expires <= ?1",
	[SQ_PURGE_CHALLENGES] = "DELETE FROM challenges WHERE expires <= ?1",
	/* 86400 seconds: a day. */
	[SQ_PURGE_FAILURES] = "DELETE FROM logon_failures WHERE locked_until < ?1 - 86400"
	    " AND last_failure < ?1 - 86400",
	[SQ_PURGE_WEBAUTHN] = "DELETE FROM webauthn_challenges WHERE expires <= ?1",
	[SQ_PURGE_EMAIL_CODES] = "DELETE FROM email_codes WHERE expires <= ?1",
	/* The daily limit looks back one day, 86400 seconds, at most. */
	[SQ_PURGE_EMAIL_SENDS] = "DELETE FROM email_sends WHERE sent_at < ?1 - 86400",
	/* 2592000 seconds: STORE_OUTBOX_KEEP, checked below. */
	[SQ_PURGE_OUTBOX] = "DELETE FROM outbox WHERE state <> 0 AND created < ?1 - 2592000",

	[SQ_AUDIT_INSERT] = "INSERT INTO audit_events (time, account_id, user_id, actor_id, src,"
	    " user_agent, event, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	/*
	 * 0 or NULL in a filter parameter matches every row. SQLite uses no
	 * index for a term such as "(?3 = 0 OR user_id = ?3)", so a filter by
	 * user or by event has its own statement, which the matching index of
	 * schema version 4 serves in id order.
	 */
	[SQ_AUDIT_LIST] = "SELECT " SQ_AUDIT_COLS " FROM audit_events"
	    " WHERE account_id = ?1 AND id > ?2 AND ?3 = 0"
	    " AND (?4 IS NULL OR event = ?4) AND (?5 = 0 OR time >= ?5)"
	    " AND (?6 = 0 OR time <= ?6) ORDER BY id LIMIT ?7",
	[SQ_AUDIT_LIST_USER] = "SELECT " SQ_AUDIT_COLS " FROM audit_events"
	    " WHERE account_id = ?1 AND user_id = ?3 AND id > ?2"
	    " AND (?4 IS NULL OR event = ?4) AND (?5 = 0 OR time >= ?5)"
	    " AND (?6 = 0 OR time <= ?6) ORDER BY id LIMIT ?7",
	[SQ_AUDIT_LIST_EVENT] = "SELECT " SQ_AUDIT_COLS " FROM audit_events"
	    " WHERE account_id = ?1 AND event = ?4 AND id > ?2 AND ?3 = 0"
	    " AND (?5 = 0 OR time >= ?5) AND (?6 = 0 OR time <= ?6) ORDER BY id LIMIT ?7",
	[SQ_AUDIT_PURGE] = "DELETE FROM audit_events WHERE time < ?1",
	/* Both parts are served by the index on (account_id, user_id, id). */
	[SQ_AUDIT_COUNT_SINCE] = "SELECT count(*) FROM audit_events"
	    " WHERE account_id = ?1 AND user_id = ?2 AND event = ?3 AND id > coalesce("
	    "(SELECT max(id) FROM audit_events WHERE account_id = ?1 AND user_id = ?2"
	    " AND event = ?4), 0)",
	[SQ_ACCOUNT_GET_NETWORKS] = "SELECT login_network_masks FROM accounts WHERE id = ?1",
	[SQ_ACCOUNT_SET_NETWORKS] = "UPDATE accounts SET login_network_masks = ?2 WHERE id = ?1",

	[SQ_PWPOLICY_GET] = "SELECT " SQ_PWPOLICY_COLS " FROM password_policy WHERE account_id = ?1",
	[SQ_PWPOLICY_PUT] = "INSERT OR REPLACE INTO password_policy (" SQ_PWPOLICY_COLS ")"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[SQ_PWHISTORY_INSERT] = "INSERT INTO password_history (user_id, password_hash, created)"
	    " VALUES (?1, ?2, ?3)",
	[SQ_PWHISTORY_TRIM] = "DELETE FROM password_history WHERE user_id = ?1 AND id NOT IN"
	    " (SELECT id FROM password_history WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2)",
	[SQ_PWHISTORY_LIST] = "SELECT password_hash FROM password_history WHERE user_id = ?1"
	    " ORDER BY id DESC LIMIT ?2",

	[SQ_ACCOUNT_SET_SAVE_MFA_TICKET] = "UPDATE accounts SET save_mfa_ticket = ?2 WHERE id = ?1",
	[SQ_SESSION_LIST] = "SELECT " SQ_SESSION_COLS " FROM sessions"
	    " WHERE user_id = ?1 AND expires > ?2 ORDER BY created DESC, public_id",
	[SQ_SESSION_DELETE_PUBLIC_ID] =
	    "DELETE FROM sessions WHERE user_id = ?1 AND public_id = ?2",
	/* ?2 NULL keeps none: "token_hash IS NOT NULL" is true for every row. */
	[SQ_SESSION_DELETE_BY_USER_EXCEPT] = "DELETE FROM sessions"
	    " WHERE user_id = ?1 AND token_hash IS NOT ?2",
	[SQ_ACCESS_TOKEN_INSERT] = "INSERT INTO access_tokens"
	    " (token_hash, user_id, description, created, expires, last_used)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[SQ_ACCESS_TOKEN_GET] = "SELECT " SQ_ACCESS_TOKEN_COLS " FROM access_tokens"
	    " WHERE token_hash = ?1",
	[SQ_ACCESS_TOKEN_LIST] = "SELECT " SQ_ACCESS_TOKEN_COLS " FROM access_tokens"
	    " WHERE user_id = ?1 AND expires > ?2 ORDER BY id",
	[SQ_ACCESS_TOKEN_DELETE] = "DELETE FROM access_tokens WHERE id = ?1 AND user_id = ?2",
	[SQ_ACCESS_TOKEN_TOUCH] = "UPDATE access_tokens SET last_used = ?2 WHERE id = ?1",
	[SQ_BROWSER_INSERT] = "INSERT INTO remembered_browsers"
	    " (token_hash, user_id, user_agent, created, expires, last_used)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[SQ_BROWSER_GET] = "SELECT " SQ_BROWSER_COLS " FROM remembered_browsers"
	    " WHERE token_hash = ?1",
	[SQ_BROWSER_LIST] = "SELECT " SQ_BROWSER_COLS " FROM remembered_browsers"
	    " WHERE user_id = ?1 AND expires > ?2 ORDER BY id DESC",
	[SQ_BROWSER_DELETE] = "DELETE FROM remembered_browsers WHERE id = ?1 AND user_id = ?2",
	[SQ_BROWSER_DELETE_BY_USER] = "DELETE FROM remembered_browsers WHERE user_id = ?1",
	[SQ_ACCESS_TOKEN_DELETE_BY_USER] = "DELETE FROM access_tokens WHERE user_id = ?1",
	[SQ_BROWSER_DELETE_BY_ACCOUNT] = "DELETE FROM remembered_browsers"
	    " WHERE user_id IN (SELECT id FROM users WHERE account_id = ?1)",
	[SQ_BROWSER_TOUCH] = "UPDATE remembered_browsers SET last_used = ?2 WHERE id = ?1",
	[SQ_PURGE_ACCESS_TOKENS] = "DELETE FROM access_tokens WHERE expires <= ?1",
	[SQ_PURGE_BROWSERS] = "DELETE FROM remembered_browsers WHERE expires <= ?1",
};

_Static_assert(STORE_OUTBOX_KEEP == 2592000, "SQ_PURGE_OUTBOX spells out STORE_OUTBOX_KEEP");

/* A connection and its statements, prepared once when it opens. */
struct sq_conn {
	sqlite3 *db;
	sqlite3_stmt *stmt[SQ_STMT_COUNT];
};

/*
 * The connection that runs every write transaction of this process on one
 * database file, shared by all handles open on that file with the same
 * synchronous setting.
 *
 * Each SQLite connection has its own page cache, and a commit by another
 * connection empties it. With one connection per worker thread, every write
 * transaction therefore read its B-tree pages again with pread while the
 * other threads waited for the write lock. The writer's cache stays valid
 * from one of its commits to the next, because no other connection of this
 * process writes inside a transaction.
 *
 * Write transactions take turns on lock before BEGIN IMMEDIATE. Without it,
 * threads that find SQLite's write lock taken sleep in SQLite's busy
 * handler for 1 to 100 ms at a time and can lose the lock again and again.
 * With 8 threads logging on, the 99th percentile of a TOTP logon reached
 * 0.5 to 1.2 s (bench/, docs/benchmarks.md). A blocked thread wakes as soon
 * as the mutex is released. Other processes on the same file still meet
 * SQLite's busy handler.
 */
struct sq_writer {
	struct sq_conn conn;     /* used only by the thread that holds lock, opened at first use */
	pthread_mutex_t lock;    /* held from BEGIN IMMEDIATE to COMMIT or ROLLBACK */
	dev_t dev;               /* the database file's device and inode */
	ino_t ino;
	char *path;              /* the database path that conn is opened with */
	int busy_ms;
	int synchronous_full;
	int refs;                /* handles using this writer */
	struct sq_writer *next;
};

/* Open writers of this process. sq_writers_lock guards the list and the refs counts. */
static pthread_mutex_t sq_writers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sq_writer *sq_writers;

struct sq_store {
	struct store base;        /* first, so a struct store pointer converts to this one */
	struct sq_conn own;       /* reads and single statements outside a transaction */
	struct sq_conn *cur;      /* own, or the writer's connection while a transaction is open */
	struct sq_writer *writer;
	int busy_ms;              /* how long to wait for the write lock */
	int write_locked;         /* this handle holds writer->lock */
};

static const struct store_ops sq_ops;

static int sq_writer_connect(struct sq_writer *w);

static struct sq_store *
sq_from(struct store *st)
{
	return (struct sq_store *)st;
}

/* Log the connection's last error for op and return STORE_ERROR. */
static int
sq_error(struct sq_store *s, const char *op)
{
	char quoted[LOG_QUOTE_MAX];

	log_error("event=db_error op=%s err=%s code=%d", op,
	    log_quote(sqlite3_errmsg(s->cur->db), quoted, sizeof(quoted)),
	    sqlite3_extended_errcode(s->cur->db));
	return STORE_ERROR;
}

/*
 * Make a statement ready for its next use. Clearing the bindings also drops
 * the SQLITE_STATIC pointers into the caller's memory.
 */
static void
sq_done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

/* Bind helpers: each does nothing once *rc contains an error, so callers check once. */

static void
sq_bind_i64(sqlite3_stmt *stmt, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_int64(stmt, i, v);
}

/* Bind a fixed-size struct field, which must hold a NUL within its size. */
static void
sq_bind_field(sqlite3_stmt *stmt, int i, const char *field, size_t size, int *rc)
{
	const char *nul;

	if (*rc != SQLITE_OK)
		return;
	nul = memchr(field, '\0', size);
	if (nul == NULL) {
		*rc = SQLITE_TOOBIG;
		return;
	}
	*rc = sqlite3_bind_text(stmt, i, field, (int)(nul - field), SQLITE_STATIC);
}

#define SQ_BIND_FIELD(stmt, i, field, rc) sq_bind_field(stmt, i, field, sizeof(field), rc)

/*
 * Bind a caller's string. SQLITE_STATIC is safe because the statement runs
 * and is cleared before the function returns. List functions pass
 * SQLITE_TRANSIENT because their callbacks could change the string mid-query.
 */
static void
sq_bind_str(sqlite3_stmt *stmt, int i, const char *str, sqlite3_destructor_type how, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_text(stmt, i, str != NULL ? str : "", -1, how);
}

static void
sq_bind_hash(sqlite3_stmt *stmt, int i, const uint8_t hash[STORE_TOKEN_HASH_LEN], int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_blob(stmt, i, hash, STORE_TOKEN_HASH_LEN, SQLITE_STATIC);
}

static void
sq_bind_blob(sqlite3_stmt *stmt, int i, const uint8_t *data, size_t len, int *rc)
{
	if (*rc != SQLITE_OK)
		return;
	if (len > INT32_MAX) {
		*rc = SQLITE_TOOBIG;
		return;
	}
	*rc = sqlite3_bind_blob(stmt, i, data, (int)len, SQLITE_STATIC);
}

/* Bind an optional hash: NULL unless has is set. */
static void
sq_bind_hash_or_null(sqlite3_stmt *stmt, int i, int has, const uint8_t hash[STORE_TOKEN_HASH_LEN],
    int *rc)
{
	if (has)
		sq_bind_hash(stmt, i, hash, rc);
	else if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_null(stmt, i);
}

/* Bind an optional row id: NULL for 0, which means none. */
static void
sq_bind_id_or_null(sqlite3_stmt *stmt, int i, int64_t id, int *rc)
{
	if (id != 0)
		sq_bind_i64(stmt, i, id, rc);
	else if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_null(stmt, i);
}

/* Log a failed bind for op, clear the statement and return STORE_ERROR. */
static int
sq_bind_error(sqlite3_stmt *stmt, int rc, const char *op)
{
	log_error("event=db_error op=%s err=\"binding a parameter failed: %s\" code=%d", op,
	    sqlite3_errstr(rc), rc);
	sq_done(stmt);
	return STORE_ERROR;
}

static int
sq_is_unique_violation(int rc)
{
	return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY;
}

/*
 * Run a bound statement that returns no rows and clear it. Returns STORE_OK,
 * STORE_CONFLICT on a unique key, or STORE_ERROR. *ret_changes (may be NULL)
 * gets the number of rows changed.
 */
static int
sq_exec(struct sq_store *s, sqlite3_stmt *stmt, const char *op, int *ret_changes)
{
	int r;

	if (sqlite3_step(stmt) == SQLITE_DONE) {
		r = STORE_OK;
		if (ret_changes != NULL)
			*ret_changes = sqlite3_changes(s->cur->db);
	} else if (sq_is_unique_violation(sqlite3_extended_errcode(s->cur->db))) {
		r = STORE_CONFLICT;
	} else {
		r = sq_error(s, op);
	}
	sq_done(stmt);
	return r;
}

/* Run a bound single-row UPDATE or DELETE: STORE_NOT_FOUND when no row matched. */
static int
sq_exec_one(struct sq_store *s, sqlite3_stmt *stmt, const char *op)
{
	int changes = 0;
	int r;

	r = sq_exec(s, stmt, op, &changes);
	if (r == STORE_OK && changes == 0)
		r = STORE_NOT_FOUND;
	return r;
}

/*
 * Copy a text column into a fixed-size field. A value that does not fit is
 * an error, never a silent cut.
 */
static int
sq_column_field(sqlite3_stmt *stmt, int col, char *field, size_t size)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);
	int len = sqlite3_column_bytes(stmt, col);

	if (text == NULL) {
		log_error("event=db_error op=read_column column=%s err=\"NULL text or out of memory\"",
		    sqlite3_column_name(stmt, col));
		return STORE_ERROR;
	}
	if (len < 0 || (size_t)len >= size) {
		log_error("event=db_error op=read_column column=%s err=\"stored value longer than "
		    "the field\" bytes=%d max=%zu", sqlite3_column_name(stmt, col), len, size - 1);
		return STORE_ERROR;
	}
	memcpy(field, text, (size_t)len);
	field[len] = '\0';
	return STORE_OK;
}

#define SQ_COLUMN_FIELD(stmt, col, field) sq_column_field(stmt, col, field, sizeof(field))

/* Copy a blob column of exactly len bytes. */
static int
sq_column_hash(sqlite3_stmt *stmt, int col, uint8_t hash[STORE_TOKEN_HASH_LEN])
{
	const void *blob = sqlite3_column_blob(stmt, col);

	if (blob == NULL || sqlite3_column_bytes(stmt, col) != STORE_TOKEN_HASH_LEN) {
		log_error("event=db_error op=read_column column=%s err=\"hash has the wrong length\"",
		    sqlite3_column_name(stmt, col));
		return STORE_ERROR;
	}
	memcpy(hash, blob, STORE_TOKEN_HASH_LEN);
	return STORE_OK;
}

/* Copy an optional hash column: *ret_has is 0 for NULL, else the hash must have its length. */
static int
sq_column_hash_or_null(sqlite3_stmt *stmt, int col, int *ret_has,
    uint8_t hash[STORE_TOKEN_HASH_LEN])
{
	if (sqlite3_column_type(stmt, col) == SQLITE_NULL) {
		*ret_has = 0;
		return STORE_OK;
	}
	*ret_has = 1;
	return sq_column_hash(stmt, col, hash);
}

/* Copy a blob column of 1 to size bytes into buf and set *ret_len. */
static int
sq_column_blob(sqlite3_stmt *stmt, int col, uint8_t *buf, size_t size, size_t *ret_len)
{
	const void *blob = sqlite3_column_blob(stmt, col);
	int len = sqlite3_column_bytes(stmt, col);

	if (blob == NULL || len <= 0 || (size_t)len > size) {
		log_error("event=db_error op=read_column column=%s "
		    "err=\"stored blob is empty or longer than the field\" bytes=%d max=%zu",
		    sqlite3_column_name(stmt, col), len, size);
		return STORE_ERROR;
	}
	memcpy(buf, blob, (size_t)len);
	*ret_len = (size_t)len;
	return STORE_OK;
}

/*
 * Row readers: fill *out from the columns starting at col. They zero it
 * first so no byte after a string's NUL is left uninitialized.
 */

static int
sq_read_account(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_account *a = out;

	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(stmt, col);
	a->created = sqlite3_column_int64(stmt, col + 2);
	a->passkey_logon = sqlite3_column_int(stmt, col + 3);
	a->save_mfa_ticket = sqlite3_column_int(stmt, col + 4);
	return SQ_COLUMN_FIELD(stmt, col + 1, a->alias);
}

static int
sq_read_user(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_user *u = out;

	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(stmt, col);
	u->account_id = sqlite3_column_int64(stmt, col + 1);
	u->is_owner = sqlite3_column_int(stmt, col + 4);
	u->created = sqlite3_column_int64(stmt, col + 5);
	u->updated = sqlite3_column_int64(stmt, col + 6);
	if (SQ_COLUMN_FIELD(stmt, col + 2, u->name) != STORE_OK)
		return STORE_ERROR;
	return SQ_COLUMN_FIELD(stmt, col + 3, u->display_name);
}

static int
sq_read_profile(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_login_profile *lp = out;

	memset(lp, 0, sizeof(*lp));
	lp->user_id = sqlite3_column_int64(stmt, col);
	lp->reset_required = sqlite3_column_int(stmt, col + 2);
	lp->mfa_bind_required = sqlite3_column_int(stmt, col + 3);
	lp->password_changed = sqlite3_column_int64(stmt, col + 4);
	lp->created = sqlite3_column_int64(stmt, col + 5);
	lp->updated = sqlite3_column_int64(stmt, col + 6);
	return SQ_COLUMN_FIELD(stmt, col + 1, lp->password_hash);
}

static int
sq_read_device(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_mfa_device *d = out;
	const void *secret = sqlite3_column_blob(stmt, col + 3);
	int secret_len = sqlite3_column_bytes(stmt, col + 3);

	memset(d, 0, sizeof(*d));
	if (secret == NULL || secret_len <= 0 || secret_len > STORE_SECRET_ENC_MAX) {
		log_error("event=db_error op=read_column column=secret_enc "
		    "err=\"sealed secret is empty or longer than the field\" bytes=%d max=%d",
		    secret_len, STORE_SECRET_ENC_MAX);
		return STORE_ERROR;
	}
	memcpy(d->secret_enc, secret, (size_t)secret_len);
	d->secret_enc_len = (size_t)secret_len;

	d->id = sqlite3_column_int64(stmt, col);
	d->user_id = sqlite3_column_int64(stmt, col + 1);
	d->algorithm = sqlite3_column_int(stmt, col + 4);
	d->digits = sqlite3_column_int(stmt, col + 5);
	d->period = sqlite3_column_int(stmt, col + 6);
	d->bound = sqlite3_column_int(stmt, col + 7);
	d->last_step = sqlite3_column_int64(stmt, col + 8);
	d->created = sqlite3_column_int64(stmt, col + 9);
	d->bound_at = sqlite3_column_int64(stmt, col + 10);
	return SQ_COLUMN_FIELD(stmt, col + 2, d->serial);
}

static int
sq_read_session(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_session *ses = out;

	memset(ses, 0, sizeof(*ses));
	ses->user_id = sqlite3_column_int64(stmt, col + 1);
	ses->scope = sqlite3_column_int(stmt, col + 2);
	ses->factors = sqlite3_column_int(stmt, col + 3);
	ses->created = sqlite3_column_int64(stmt, col + 4);
	ses->expires = sqlite3_column_int64(stmt, col + 5);
	ses->last_seen = sqlite3_column_int64(stmt, col + 6);
	ses->mfa_at = sqlite3_column_int64(stmt, col + 7);
	if (SQ_COLUMN_FIELD(stmt, col + 8, ses->public_id) != STORE_OK ||
	    SQ_COLUMN_FIELD(stmt, col + 9, ses->src) != STORE_OK ||
	    SQ_COLUMN_FIELD(stmt, col + 10, ses->user_agent) != STORE_OK)
		return STORE_ERROR;
	ses->totp_at = sqlite3_column_int64(stmt, col + 11);
	ses->passkey_at = sqlite3_column_int64(stmt, col + 12);
	ses->email_at = sqlite3_column_int64(stmt, col + 13);
	ses->idle_timeout = sqlite3_column_int64(stmt, col + 14);
	return sq_column_hash(stmt, col, ses->token_hash);
}

static int
sq_read_challenge(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_challenge *c = out;

	memset(c, 0, sizeof(*c));
	c->user_id = sqlite3_column_int64(stmt, col + 1);
	c->kind = sqlite3_column_int(stmt, col + 2);
	c->attempts = sqlite3_column_int(stmt, col + 3);
	c->created = sqlite3_column_int64(stmt, col + 4);
	c->expires = sqlite3_column_int64(stmt, col + 5);
	return sq_column_hash(stmt, col, c->id_hash);
}

static int
sq_read_failure(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_failure *f = out;

	memset(f, 0, sizeof(*f));
	f->failures = sqlite3_column_int(stmt, col + 1);
	f->locked_until = sqlite3_column_int64(stmt, col + 2);
	f->last_failure = sqlite3_column_int64(stmt, col + 3);
	return SQ_COLUMN_FIELD(stmt, col, f->principal);
}

static int
sq_read_passkey(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_passkey *pk = out;
	size_t aaguid_len = 0;

	memset(pk, 0, sizeof(*pk));
	pk->id = sqlite3_column_int64(stmt, col);
	pk->user_id = sqlite3_column_int64(stmt, col + 1);
	pk->algorithm = sqlite3_column_int(stmt, col + 4);
	pk->sign_count = sqlite3_column_int64(stmt, col + 5);
	pk->backup_eligible = sqlite3_column_int(stmt, col + 8);
	pk->backup_state = sqlite3_column_int(stmt, col + 9);
	pk->user_verified = sqlite3_column_int(stmt, col + 10);
	pk->created = sqlite3_column_int64(stmt, col + 13);
	pk->last_used = sqlite3_column_int64(stmt, col + 14);

	if (sq_column_blob(stmt, col + 2, pk->credential_id, sizeof(pk->credential_id),
	    &pk->credential_id_len) != STORE_OK)
		return STORE_ERROR;
	if (sq_column_blob(stmt, col + 3, pk->public_key, sizeof(pk->public_key),
	    &pk->public_key_len) != STORE_OK)
		return STORE_ERROR;
	if (sq_column_blob(stmt, col + 6, pk->aaguid, sizeof(pk->aaguid), &aaguid_len) != STORE_OK)
		return STORE_ERROR;
	if (aaguid_len != STORE_AAGUID_LEN) {
		log_error("event=db_error op=read_column column=aaguid err=\"AAGUID has the wrong "
		    "length\" bytes=%zu", aaguid_len);
		return STORE_ERROR;
	}
	if (SQ_COLUMN_FIELD(stmt, col + 7, pk->transports) != STORE_OK ||
	    SQ_COLUMN_FIELD(stmt, col + 11, pk->fmt) != STORE_OK)
		return STORE_ERROR;
	return SQ_COLUMN_FIELD(stmt, col + 12, pk->name);
}

static int
sq_read_webauthn(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_webauthn_challenge *c = out;

	memset(c, 0, sizeof(*c));
	c->kind = sqlite3_column_int(stmt, col + 1);
	c->user_id = sqlite3_column_int64(stmt, col + 2); /* NULL reads as 0 */
	c->account_id = sqlite3_column_int64(stmt, col + 3);
	c->user_verification = sqlite3_column_int(stmt, col + 6);
	c->created = sqlite3_column_int64(stmt, col + 7);
	c->expires = sqlite3_column_int64(stmt, col + 8);
	if (sq_column_hash(stmt, col, c->challenge_hash) != STORE_OK)
		return STORE_ERROR;
	if (sq_column_hash_or_null(stmt, col + 4, &c->has_session_hash, c->session_hash) !=
	    STORE_OK)
		return STORE_ERROR;
	return sq_column_hash_or_null(stmt, col + 5, &c->has_mfa_challenge_hash,
	    c->mfa_challenge_hash);
}

typedef int (*sq_reader)(sqlite3_stmt *stmt, int col, void *out);

/*
 * Run a bound query for at most one row, read it into out with read and
 * clear the statement. Returns STORE_OK, STORE_NOT_FOUND or STORE_ERROR.
 * Callers pass a scratch struct because out may be partly written on error.
 */
static int
sq_query_one(struct sq_store *s, sqlite3_stmt *stmt, const char *op, sq_reader read, void *out)
{
	int rc = sqlite3_step(stmt);
	int r;

	if (rc == SQLITE_ROW)
		r = read(stmt, 0, out);
	else if (rc == SQLITE_DONE)
		r = STORE_NOT_FOUND;
	else
		r = sq_error(s, op);
	sq_done(stmt);
	return r;
}

/*
 * Savepoints group the statements of one store call. They work both inside
 * a transaction from begin() and alone, where they open and commit their own.
 */
static int
sq_savepoint(struct sq_store *s)
{
	return sq_exec(s, s->cur->stmt[SQ_SAVEPOINT], "savepoint", NULL);
}

/* Release the savepoint, first undoing its changes unless r is STORE_OK. */
static int
sq_savepoint_end(struct sq_store *s, int r)
{
	if (r != STORE_OK && sq_exec(s, s->cur->stmt[SQ_ROLLBACK_TO], "rollback_to", NULL) != STORE_OK)
		r = STORE_ERROR;
	if (sq_exec(s, s->cur->stmt[SQ_RELEASE], "release", NULL) != STORE_OK)
		r = STORE_ERROR;
	return r;
}

/* Transactions */

static void
sq_write_unlock(struct sq_store *s)
{
	if (s->write_locked) {
		s->write_locked = 0;
		s->cur = &s->own;
		pthread_mutex_unlock(&s->writer->lock);
	}
}

static int
sq_begin(struct store *st)
{
	struct sq_store *s = sq_from(st);
	struct timespec deadline;
	int r;

	/* Wait as long as SQLite's busy timeout would, so a stuck transaction still ends in an error. */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += s->busy_ms / 1000;
	deadline.tv_nsec += (long)(s->busy_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	if (!s->write_locked) {
		r = pthread_mutex_timedlock(&s->writer->lock, &deadline);
		if (r != 0) {
			log_error("event=db_error op=begin err=\"write lock not free after %d ms\"",
			    s->busy_ms);
			return STORE_ERROR;
		}
		s->write_locked = 1;
		s->cur = &s->writer->conn;
	}
	if (s->writer->conn.db == NULL && sq_writer_connect(s->writer) != STORE_OK) {
		sq_write_unlock(s);
		return STORE_ERROR;
	}
	r = sq_exec(s, s->cur->stmt[SQ_BEGIN], "begin", NULL);
	if (r != STORE_OK)
		sq_write_unlock(s);
	return r;
}

static int
sq_commit(struct store *st)
{
	struct sq_store *s = sq_from(st);
	int r;

	r = sq_exec(s, s->cur->stmt[SQ_COMMIT], "commit", NULL);
	/* A failed COMMIT leaves the transaction open for the caller's rollback. */
	if (r == STORE_OK || sqlite3_get_autocommit(s->cur->db))
		sq_write_unlock(s);
	return r;
}

/* Roll back, doing nothing when SQLite already ended the transaction after an error. */
static int
sq_rollback(struct store *st)
{
	struct sq_store *s = sq_from(st);

	int r = STORE_OK;

	if (!sqlite3_get_autocommit(s->cur->db))
		r = sq_exec(s, s->cur->stmt[SQ_ROLLBACK], "rollback", NULL);
	sq_write_unlock(s);
	return r;
}

static int
sq_schema_version(struct store *st, int *ret_version)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_USER_VERSION];
	int r = STORE_ERROR;

	if (sqlite3_step(stmt) != SQLITE_ROW) {
		r = sq_error(s, "schema_version");
		goto out;
	}
	*ret_version = sqlite3_column_int(stmt, 0);
	r = STORE_OK;
out:
	sq_done(stmt);
	return r;
}

/* Accounts */

static int
sq_account_create(struct store *st, struct store_account *acct)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_ACCOUNT_INSERT];
	int rc = SQLITE_OK;
	int r;

	SQ_BIND_FIELD(stmt, 1, acct->alias, &rc);
	sq_bind_i64(stmt, 2, acct->created, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "account_create");

	r = sq_exec(s, stmt, "account_create", NULL);
	if (r == STORE_OK) {
		acct->id = sqlite3_last_insert_rowid(s->cur->db);
		acct->passkey_logon = 1; /* the column default */
	}
	return r;
}

static int
sq_account_get_by_alias(struct store *st, const char *alias, struct store_account *ret)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_ACCOUNT_BY_ALIAS];
	struct store_account acct;
	int rc = SQLITE_OK;
	int r;

	sq_bind_str(stmt, 1, alias, SQLITE_STATIC, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "account_get_by_alias");

	r = sq_query_one(s, stmt, "account_get_by_alias", sq_read_account, &acct);
	if (r == STORE_OK)
		*ret = acct;
	return r;
}

/* Run the statement id, which takes one integer key, for at most one row. */
static int
sq_get_by_id(struct sq_store *s, enum sq_stmt_id id, int64_t key, const char *op,
    sq_reader read, void *out)
{
	sqlite3_stmt *stmt = s->cur->stmt[id];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, key, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, op);
	return sq_query_one(s, stmt, op, read, out);
}

/* Run the statement id, which takes one integer key, as a single-row change. */
static int
sq_change_by_id(struct sq_store *s, enum sq_stmt_id id, int64_t key, const char *op)
{
	sqlite3_stmt *stmt = s->cur->stmt[id];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, key, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, op);
	return sq_exec_one(s, stmt, op);
}

static int
sq_account_get(struct store *st, int64_t id, struct store_account *ret)
{
	struct store_account acct;
	int r;

	r = sq_get_by_id(sq_from(st), SQ_ACCOUNT_BY_ID, id, "account_get", sq_read_account, &acct);
	if (r == STORE_OK)
		*ret = acct;
	return r;
}

static int
sq_account_count(struct store *st, int64_t *ret_count)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_ACCOUNT_COUNT];
	int r = STORE_ERROR;

	if (sqlite3_step(stmt) != SQLITE_ROW) {
		r = sq_error(s, "account_count");
		goto out;
	}
	*ret_count = sqlite3_column_int64(stmt, 0);
	r = STORE_OK;
out:
	sq_done(stmt);
	return r;
}

static int
sq_account_delete(struct store *st, int64_t id)
{
	return sq_change_by_id(sq_from(st), SQ_ACCOUNT_DELETE, id, "account_delete");
}

static int
sq_account_set_passkey_logon(struct store *st, int64_t id, int on)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_ACCOUNT_SET_PASSKEY_LOGON];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, id, &rc);
	sq_bind_i64(stmt, 2, on != 0, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "account_set_passkey_logon");
	return sq_exec_one(s, stmt, "account_set_passkey_logon");
}

static int
sq_read_networks(sqlite3_stmt *stmt, int col, void *out)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);
	int n = sqlite3_column_bytes(stmt, col);

	if (text == NULL || n < 0 || n > STORE_NETWORKS_MAX) {
		log_error("event=db_error op=account_get_login_networks err=\"stored list too long\"");
		return STORE_ERROR;
	}
	memcpy(out, text, (size_t)n);
	((char *)out)[n] = '\0';
	return STORE_OK;
}

static int
sq_account_get_login_networks(struct store *st, int64_t id, char ret[STORE_NETWORKS_MAX + 1])
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_ACCOUNT_GET_NETWORKS];
	char text[STORE_NETWORKS_MAX + 1];
	int rc = SQLITE_OK;
	int r;

	sq_bind_i64(stmt, 1, id, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "account_get_login_networks");
	r = sq_query_one(s, stmt, "account_get_login_networks", sq_read_networks, text);
	if (r == STORE_OK)
		memcpy(ret, text, strlen(text) + 1);
	return r;
}

static int
sq_account_set_login_networks(struct store *st, int64_t id, const char *text)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_ACCOUNT_SET_NETWORKS];
	int rc = SQLITE_OK;

	if (text == NULL || strnlen(text, STORE_NETWORKS_MAX + 1) > STORE_NETWORKS_MAX) {
		log_error("event=db_error op=account_set_login_networks err=\"list too long\"");
		return STORE_ERROR;
	}
	sq_bind_i64(stmt, 1, id, &rc);
	sq_bind_str(stmt, 2, text, SQLITE_STATIC, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "account_set_login_networks");
	return sq_exec_one(s, stmt, "account_set_login_networks");
}

/* Users */

static int
sq_user_create(struct store *st, struct store_user *user)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_USER_INSERT];
	int rc = SQLITE_OK;
	int r;

	sq_bind_i64(stmt, 1, user->account_id, &rc);
	SQ_BIND_FIELD(stmt, 2, user->name, &rc);
	SQ_BIND_FIELD(stmt, 3, user->display_name, &rc);
	sq_bind_i64(stmt, 4, user->is_owner != 0, &rc);
	sq_bind_i64(stmt, 5, user->created, &rc);
	sq_bind_i64(stmt, 6, user->updated, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "user_create");

	r = sq_exec(s, stmt, "user_create", NULL);
	if (r == STORE_OK)
		user->id = sqlite3_last_insert_rowid(s->cur->db);
	return r;
}

static int
sq_user_get(struct store *st, int64_t id, struct store_user *ret)
{
	struct store_user user;
	int r;

	r = sq_get_by_id(sq_from(st), SQ_USER_BY_ID, id, "user_get", sq_read_user, &user);
	if (r == STORE_OK)
		*ret = user;
	return r;
}

static int
sq_user_get_by_name(struct store *st, int64_t account_id, const char *name, struct store_user *ret)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_USER_BY_NAME];
	struct store_user user;
	int rc = SQLITE_OK;
	int r;

	sq_bind_i64(stmt, 1, account_id, &rc);
	sq_bind_str(stmt, 2, name, SQLITE_STATIC, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "user_get_by_name");

	r = sq_query_one(s, stmt, "user_get_by_name", sq_read_user, &user);
	if (r == STORE_OK)
		*ret = user;
	return r;
}

static int
sq_user_get_owner(struct store *st, int64_t account_id, struct store_user *ret)
{
	struct store_user user;
	int r;

	r = sq_get_by_id(sq_from(st), SQ_USER_OWNER, account_id, "user_get_owner", sq_read_user,
	    &user);
	if (r == STORE_OK)
		*ret = user;
	return r;
}

/* Check that no list of the same kind is already running on this handle from a callback. */
static int
sq_list_idle(sqlite3_stmt *stmt, const char *op)
{
	if (sqlite3_stmt_busy(stmt)) {
		log_error("event=db_error op=%s err=\"list called again from its own callback\"", op);
		return STORE_ERROR;
	}
	return STORE_OK;
}

/* Check a paged list call before its statement is bound: a positive limit, and sq_list_idle. */
static int
sq_list_check(sqlite3_stmt *stmt, int limit, const char *op)
{
	if (limit <= 0) {
		log_error("event=db_error op=%s err=\"list limit must be positive\" limit=%d", op,
		    limit);
		return STORE_ERROR;
	}
	return sq_list_idle(stmt, op);
}

static int
sq_user_list(struct store *st, int64_t account_id, const char *after_name, int limit,
    store_user_cb cb, void *arg)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_USER_LIST];
	struct store_user user;
	int rc = SQLITE_OK;
	int r = STORE_OK;

	if (sq_list_check(stmt, limit, "user_list") != STORE_OK)
		return STORE_ERROR;
	sq_bind_i64(stmt, 1, account_id, &rc);
	sq_bind_str(stmt, 2, after_name, SQLITE_TRANSIENT, &rc);
	sq_bind_i64(stmt, 3, limit, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "user_list");

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r = sq_read_user(stmt, 0, &user);
		if (r != STORE_OK || cb(arg, &user) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sq_error(s, "user_list");
	sq_done(stmt);
	return r;
}

static int
sq_user_update(struct store *st, const struct store_user *user)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_USER_UPDATE];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, user->id, &rc);
	SQ_BIND_FIELD(stmt, 2, user->name, &rc);
	SQ_BIND_FIELD(stmt, 3, user->display_name, &rc);
	sq_bind_i64(stmt, 4, user->updated, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "user_update");
	return sq_exec_one(s, stmt, "user_update");
}

static int
sq_user_delete(struct store *st, int64_t id)
{
	return sq_change_by_id(sq_from(st), SQ_USER_DELETE, id, "user_delete");
}

/* Login profiles */

static int
sq_login_profile_get(struct store *st, int64_t user_id, struct store_login_profile *ret)
{
	struct store_login_profile lp;
	int r;

	r = sq_get_by_id(sq_from(st), SQ_PROFILE_GET, user_id, "login_profile_get",
	    sq_read_profile, &lp);
	if (r == STORE_OK)
		*ret = lp;
	return r;
}

/* Bind the columns that insert and update share, from ?2 on. */
static void
sq_bind_profile(sqlite3_stmt *stmt, const struct store_login_profile *lp, int *rc)
{
	sq_bind_i64(stmt, 1, lp->user_id, rc);
	SQ_BIND_FIELD(stmt, 2, lp->password_hash, rc);
	sq_bind_i64(stmt, 3, lp->reset_required != 0, rc);
	sq_bind_i64(stmt, 4, lp->mfa_bind_required != 0, rc);
	sq_bind_i64(stmt, 5, lp->password_changed, rc);
}

static int
sq_login_profile_create(struct store *st, const struct store_login_profile *lp)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_PROFILE_INSERT];
	int rc = SQLITE_OK;

	sq_bind_profile(stmt, lp, &rc);
	sq_bind_i64(stmt, 6, lp->created, &rc);
	sq_bind_i64(stmt, 7, lp->updated, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "login_profile_create");
	return sq_exec(s, stmt, "login_profile_create", NULL);
}

static int
sq_login_profile_update(struct store *st, const struct store_login_profile *lp)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_PROFILE_UPDATE];
	int rc = SQLITE_OK;

	sq_bind_profile(stmt, lp, &rc);
	sq_bind_i64(stmt, 6, lp->updated, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "login_profile_update");
	return sq_exec_one(s, stmt, "login_profile_update");
}

static int
sq_login_profile_delete(struct store *st, int64_t user_id)
{
	return sq_change_by_id(sq_from(st), SQ_PROFILE_DELETE, user_id, "login_profile_delete");
}

/* Virtual MFA devices */

static int
sq_device_insert(struct sq_store *s, const struct store_mfa_device *dev)
{
	sqlite3_stmt *stmt = s->cur->stmt[SQ_DEVICE_INSERT];
	int rc = SQLITE_OK;

	if (dev->secret_enc_len == 0 || dev->secret_enc_len > STORE_SECRET_ENC_MAX)
		return sq_bind_error(stmt, SQLITE_TOOBIG, "mfa_device_create");
	sq_bind_i64(stmt, 1, dev->user_id, &rc);
	SQ_BIND_FIELD(stmt, 2, dev->serial, &rc);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_blob(stmt, 3, dev->secret_enc, (int)dev->secret_enc_len,
		    SQLITE_STATIC);
	sq_bind_i64(stmt, 4, dev->algorithm, &rc);
	sq_bind_i64(stmt, 5, dev->digits, &rc);
	sq_bind_i64(stmt, 6, dev->period, &rc);
	sq_bind_i64(stmt, 7, dev->bound != 0, &rc);
	sq_bind_i64(stmt, 8, dev->last_step, &rc);
	sq_bind_i64(stmt, 9, dev->created, &rc);
	sq_bind_i64(stmt, 10, dev->bound_at, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "mfa_device_create");
	return sq_exec(s, stmt, "mfa_device_create", NULL);
}

/*
 * Replace the user's pending device, if any, with dev. The unique key on
 * user_id turns an existing bound device into STORE_CONFLICT, and the
 * savepoint then restores a pending device deleted on the way.
 */
static int
sq_mfa_device_create(struct store *st, struct store_mfa_device *dev)
{
	struct sq_store *s = sq_from(st);
	int64_t id = 0;
	int r;

	if (sq_savepoint(s) != STORE_OK)
		return STORE_ERROR;

	r = sq_change_by_id(s, SQ_DEVICE_DELETE_PENDING, dev->user_id, "mfa_device_create");
	if (r == STORE_NOT_FOUND)
		r = STORE_OK;
	if (r == STORE_OK)
		r = sq_device_insert(s, dev);
	if (r == STORE_OK)
		id = sqlite3_last_insert_rowid(s->cur->db);

	r = sq_savepoint_end(s, r);
	if (r == STORE_OK)
		dev->id = id;
	return r;
}

static int
sq_mfa_device_get_by_user(struct store *st, int64_t user_id, struct store_mfa_device *ret)
{
	struct store_mfa_device dev;
	int r;

	r = sq_get_by_id(sq_from(st), SQ_DEVICE_BY_USER, user_id, "mfa_device_get_by_user",
	    sq_read_device, &dev);
	if (r == STORE_OK)
		*ret = dev;
	return r;
}

static int
sq_mfa_device_get_by_serial(struct store *st, const char *serial, struct store_mfa_device *ret)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_DEVICE_BY_SERIAL];
	struct store_mfa_device dev;
	int rc = SQLITE_OK;
	int r;

	sq_bind_str(stmt, 1, serial, SQLITE_STATIC, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "mfa_device_get_by_serial");

	r = sq_query_one(s, stmt, "mfa_device_get_by_serial", sq_read_device, &dev);
	if (r == STORE_OK)
		*ret = dev;
	return r;
}

/* Bind a pending device. STORE_NOT_FOUND when it is gone or already bound. */
static int
sq_mfa_device_bind(struct store *st, int64_t id, int64_t last_step, int64_t bound_at)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_DEVICE_BIND];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, id, &rc);
	sq_bind_i64(stmt, 2, last_step, &rc);
	sq_bind_i64(stmt, 3, bound_at, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "mfa_device_bind");
	return sq_exec_one(s, stmt, "mfa_device_bind");
}

/*
 * Use TOTP step once. STORE_CONFLICT when the step is not newer than the
 * last accepted one (a replay), or the device is pending or gone.
 */
static int
sq_mfa_device_use_step(struct store *st, int64_t id, int64_t step)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_DEVICE_USE_STEP];
	int rc = SQLITE_OK;
	int r;

	sq_bind_i64(stmt, 1, id, &rc);
	sq_bind_i64(stmt, 2, step, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "mfa_device_use_step");
	r = sq_exec_one(s, stmt, "mfa_device_use_step");
	return r == STORE_NOT_FOUND ? STORE_CONFLICT : r;
}

static int
sq_mfa_device_delete(struct store *st, int64_t id)
{
	return sq_change_by_id(sq_from(st), SQ_DEVICE_DELETE, id, "mfa_device_delete");
}

static int
sq_mfa_device_list(struct store *st, int64_t account_id, const char *after_serial, int limit,
    store_mfa_device_cb cb, void *arg)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_DEVICE_LIST];
	struct store_mfa_device dev;
	struct store_user user;
	int rc = SQLITE_OK;
	int r = STORE_OK;

	if (sq_list_check(stmt, limit, "mfa_device_list") != STORE_OK)
		return STORE_ERROR;
	sq_bind_i64(stmt, 1, account_id, &rc);
	sq_bind_str(stmt, 2, after_serial, SQLITE_TRANSIENT, &rc);
	sq_bind_i64(stmt, 3, limit, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "mfa_device_list");

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r = sq_read_device(stmt, 0, &dev);
		if (r == STORE_OK)
			r = sq_read_user(stmt, SQ_DEVICE_NCOLS, &user);
		if (r != STORE_OK || cb(arg, &dev, &user) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sq_error(s, "mfa_device_list");
	sq_done(stmt);
	return r;
}

/* Account settings */

static int
sq_read_settings(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_account_settings *a = out;

	memset(a, 0, sizeof(*a));
	a->account_id = sqlite3_column_int64(stmt, col);
	a->mfa_mandatory = sqlite3_column_int(stmt, col + 1);
	a->allow_change_password = sqlite3_column_int(stmt, col + 2);
	a->session_hours = sqlite3_column_int(stmt, col + 3);
	a->idle_minutes = sqlite3_column_int(stmt, col + 4);
	a->allow_manage_mfa = sqlite3_column_int(stmt, col + 5);
	a->allow_manage_passkeys = sqlite3_column_int(stmt, col + 6);
	a->allow_manage_email = sqlite3_column_int(stmt, col + 7);
	a->allow_email_logon = sqlite3_column_int(stmt, col + 8);
	a->allow_email_step_up = sqlite3_column_int(stmt, col + 9);
	return STORE_OK;
}

static int
sq_account_settings_get(struct store *st, int64_t account_id, struct store_account_settings *ret)
{
	struct store_account_settings a;
	int r;

	r = sq_get_by_id(sq_from(st), SQ_SETTINGS_GET, account_id, "account_settings_get",
	    sq_read_settings, &a);
	if (r == STORE_OK)
		*ret = a;
	return r;
}

static int
sq_account_settings_put(struct store *st, const struct store_account_settings *a)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_SETTINGS_PUT];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, a->account_id, &rc);
	sq_bind_i64(stmt, 2, a->mfa_mandatory != 0, &rc);
	sq_bind_i64(stmt, 3, a->allow_change_password != 0, &rc);
	sq_bind_i64(stmt, 4, a->session_hours, &rc);
	sq_bind_i64(stmt, 5, a->idle_minutes, &rc);
	sq_bind_i64(stmt, 6, a->allow_manage_mfa != 0, &rc);
	sq_bind_i64(stmt, 7, a->allow_manage_passkeys != 0, &rc);
	sq_bind_i64(stmt, 8, a->allow_manage_email != 0, &rc);
	sq_bind_i64(stmt, 9, a->allow_email_logon != 0, &rc);
	sq_bind_i64(stmt, 10, a->allow_email_step_up != 0, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "account_settings_put");
	return sq_exec_one(s, stmt, "account_settings_put");
}

/* Sessions */

static int
sq_session_create(struct store *st, const struct store_session *ses)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_SESSION_INSERT];
	int rc = SQLITE_OK;

	sq_bind_hash(stmt, 1, ses->token_hash, &rc);
	sq_bind_i64(stmt, 2, ses->user_id, &rc);
	sq_bind_i64(stmt, 3, ses->scope, &rc);
	sq_bind_i64(stmt, 4, ses->factors, &rc);
	sq_bind_i64(stmt, 5, ses->created, &rc);
	sq_bind_i64(stmt, 6, ses->expires, &rc);
	sq_bind_i64(stmt, 7, ses->last_seen, &rc);
	sq_bind_i64(stmt, 8, ses->mfa_at, &rc);
	SQ_BIND_FIELD(stmt, 9, ses->public_id, &rc);
	SQ_BIND_FIELD(stmt, 10, ses->src, &rc);
	SQ_BIND_FIELD(stmt, 11, ses->user_agent, &rc);
	sq_bind_i64(stmt, 12, ses->totp_at, &rc);
	sq_bind_i64(stmt, 13, ses->passkey_at, &rc);
	sq_bind_i64(stmt, 14, ses->email_at, &rc);
	sq_bind_i64(stmt, 15, ses->idle_timeout, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "session_create");
	return sq_exec(s, stmt, "session_create", NULL);
}

/* Run the statement id, which takes one hash key, for at most one row. */
static int
sq_get_by_hash(struct sq_store *s, enum sq_stmt_id id, const uint8_t hash[STORE_TOKEN_HASH_LEN],
    const char *op, sq_reader read, void *out)
{
	sqlite3_stmt *stmt = s->cur->stmt[id];
	int rc = SQLITE_OK;

	sq_bind_hash(stmt, 1, hash, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, op);
	return sq_query_one(s, stmt, op, read, out);
}

/* Run the statement id, which takes one hash key, as a single-row change. */
static int
sq_change_by_hash(struct sq_store *s, enum sq_stmt_id id,
    const uint8_t hash[STORE_TOKEN_HASH_LEN], const char *op)
{
	sqlite3_stmt *stmt = s->cur->stmt[id];
	int rc = SQLITE_OK;

	sq_bind_hash(stmt, 1, hash, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, op);
	return sq_exec_one(s, stmt, op);
}

static int
sq_session_get(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN],
    struct store_session *ret)
{
	struct store_session ses;
	int r;

	r = sq_get_by_hash(sq_from(st), SQ_SESSION_GET, hash, "session_get", sq_read_session, &ses);
	if (r == STORE_OK)
		*ret = ses;
	return r;
}

static int
sq_session_touch(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN], int64_t last_seen)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_SESSION_TOUCH];
	int rc = SQLITE_OK;

	sq_bind_hash(stmt, 1, hash, &rc);
	sq_bind_i64(stmt, 2, last_seen, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "session_touch");
	return sq_exec_one(s, stmt, "session_touch");
}

static int
sq_session_set_mfa(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN], int factors,
    int64_t mfa_at)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_SESSION_SET_MFA];
	int rc = SQLITE_OK;

	sq_bind_hash(stmt, 1, hash, &rc);
	sq_bind_i64(stmt, 2, factors, &rc);
	sq_bind_i64(stmt, 3, mfa_at, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "session_set_mfa");
	return sq_exec_one(s, stmt, "session_set_mfa");
}

static int
sq_session_delete(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN])
{
	return sq_change_by_hash(sq_from(st), SQ_SESSION_DELETE, hash, "session_delete");
}

static int
sq_session_delete_by_user(struct store *st, int64_t user_id)
{
	int r;

	r = sq_change_by_id(sq_from(st), SQ_SESSION_DELETE_BY_USER, user_id,
	    "session_delete_by_user");
	if (r == STORE_ERROR)
		return r;
	r = sq_change_by_id(sq_from(st), SQ_CHALLENGE_DELETE_BY_USER, user_id,
	    "session_delete_by_user");
	return r == STORE_NOT_FOUND ? STORE_OK : r;
}

/* Logon challenges */

static int
sq_challenge_create(struct store *st, const struct store_challenge *c)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_CHALLENGE_INSERT];
	int rc = SQLITE_OK;

	sq_bind_hash(stmt, 1, c->id_hash, &rc);
	sq_bind_i64(stmt, 2, c->user_id, &rc);
	sq_bind_i64(stmt, 3, c->kind, &rc);
	sq_bind_i64(stmt, 4, c->attempts, &rc);
	sq_bind_i64(stmt, 5, c->created, &rc);
	sq_bind_i64(stmt, 6, c->expires, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "challenge_create");
	return sq_exec(s, stmt, "challenge_create", NULL);
}

static int
sq_challenge_get(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN],
    struct store_challenge *ret)
{
	struct store_challenge c;
	int r;

	r = sq_get_by_hash(sq_from(st), SQ_CHALLENGE_GET, hash, "challenge_get", sq_read_challenge,
	    &c);
	if (r == STORE_OK)
		*ret = c;
	return r;
}

/* Count one more wrong code, atomically, and return the new count. */
static int
sq_challenge_add_attempt(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN],
    int *ret_attempts)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_CHALLENGE_ADD_ATTEMPT];
	int attempts = 0;
	int rc = SQLITE_OK;
	int r;

	sq_bind_hash(stmt, 1, hash, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "challenge_add_attempt");

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		attempts = sqlite3_column_int(stmt, 0);
		/* Step to the end so the UPDATE ... RETURNING finishes before the reset. */
		rc = sqlite3_step(stmt);
		r = STORE_OK;
	} else {
		r = STORE_NOT_FOUND;
	}
	if (rc != SQLITE_DONE)
		r = sq_error(s, "challenge_add_attempt");
	sq_done(stmt);
	if (r == STORE_OK)
		*ret_attempts = attempts;
	return r;
}

/* Spend a challenge. STORE_NOT_FOUND when it is gone, as on a replay. */
static int
sq_challenge_delete(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN])
{
	return sq_change_by_hash(sq_from(st), SQ_CHALLENGE_DELETE, hash, "challenge_delete");
}

/* Logon failures */

static int
sq_failure_get(struct store *st, const char *principal, struct store_failure *ret)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_FAILURE_GET];
	struct store_failure f;
	int rc = SQLITE_OK;
	int r;

	sq_bind_str(stmt, 1, principal, SQLITE_STATIC, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "failure_get");

	r = sq_query_one(s, stmt, "failure_get", sq_read_failure, &f);
	if (r == STORE_OK)
		*ret = f;
	return r;
}

static int
sq_failure_put(struct store *st, const struct store_failure *f)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_FAILURE_PUT];
	int rc = SQLITE_OK;

	SQ_BIND_FIELD(stmt, 1, f->principal, &rc);
	sq_bind_i64(stmt, 2, f->failures, &rc);
	sq_bind_i64(stmt, 3, f->locked_until, &rc);
	sq_bind_i64(stmt, 4, f->last_failure, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "failure_put");
	return sq_exec(s, stmt, "failure_put", NULL);
}

static int
sq_failure_clear(struct store *st, const char *principal)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_FAILURE_CLEAR];
	int rc = SQLITE_OK;

	sq_bind_str(stmt, 1, principal, SQLITE_STATIC, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "failure_clear");
	return sq_exec(s, stmt, "failure_clear", NULL);
}

/* Passkeys */

static int
sq_passkey_insert(struct sq_store *s, const struct store_passkey *pk)
{
	sqlite3_stmt *stmt = s->cur->stmt[SQ_PASSKEY_INSERT];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, pk->user_id, &rc);
	sq_bind_blob(stmt, 2, pk->credential_id, pk->credential_id_len, &rc);
	sq_bind_blob(stmt, 3, pk->public_key, pk->public_key_len, &rc);
	sq_bind_i64(stmt, 4, pk->algorithm, &rc);
	sq_bind_i64(stmt, 5, pk->sign_count, &rc);
	sq_bind_blob(stmt, 6, pk->aaguid, sizeof(pk->aaguid), &rc);
	SQ_BIND_FIELD(stmt, 7, pk->transports, &rc);
	sq_bind_i64(stmt, 8, pk->backup_eligible != 0, &rc);
	sq_bind_i64(stmt, 9, pk->backup_state != 0, &rc);
	sq_bind_i64(stmt, 10, pk->user_verified != 0, &rc);
	SQ_BIND_FIELD(stmt, 11, pk->fmt, &rc);
	SQ_BIND_FIELD(stmt, 12, pk->name, &rc);
	sq_bind_i64(stmt, 13, pk->created, &rc);
	sq_bind_i64(stmt, 14, pk->last_used, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "passkey_create");
	return sq_exec(s, stmt, "passkey_create", NULL);
}

/*
 * Find which unique key an insert of pk failed on. The credential ID is
 * checked first, so it wins when both are taken.
 */
static int
sq_passkey_conflict(struct sq_store *s, const struct store_passkey *pk, int *ret_conflict)
{
	sqlite3_stmt *stmt = s->cur->stmt[SQ_PASSKEY_CREDENTIAL_TAKEN];
	int rc = SQLITE_OK;
	int r = STORE_ERROR;

	sq_bind_blob(stmt, 1, pk->credential_id, pk->credential_id_len, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "passkey_create");
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		r = sq_error(s, "passkey_create");
		goto out;
	}
	*ret_conflict = sqlite3_column_int64(stmt, 0) > 0 ? PASSKEY_CONFLICT_CREDENTIAL_ID :
	    PASSKEY_CONFLICT_NAME;
	r = STORE_OK;
out:
	sq_done(stmt);
	return r;
}

/*
 * Insert first, then look up the conflict, both in one savepoint. The
 * failed INSERT already took the write lock, which the savepoint keeps, so
 * no other handle can change the result in between. Reading before writing
 * would instead risk SQLITE_BUSY_SNAPSHOT in WAL mode.
 */
static int
sq_passkey_create(struct store *st, struct store_passkey *pk, int *ret_conflict)
{
	struct sq_store *s = sq_from(st);
	int conflict = PASSKEY_CONFLICT_NONE;
	int64_t id = 0;
	int r;

	if (ret_conflict != NULL)
		*ret_conflict = PASSKEY_CONFLICT_NONE;
	if (store_passkey_check(pk, "passkey_create") != STORE_OK)
		return STORE_ERROR;
	if (sq_savepoint(s) != STORE_OK)
		return STORE_ERROR;

	r = sq_passkey_insert(s, pk);
	if (r == STORE_OK)
		id = sqlite3_last_insert_rowid(s->cur->db);
	else if (r == STORE_CONFLICT && sq_passkey_conflict(s, pk, &conflict) != STORE_OK)
		r = STORE_ERROR;

	r = sq_savepoint_end(s, r);
	if (r == STORE_OK)
		pk->id = id;
	if (r == STORE_CONFLICT && ret_conflict != NULL)
		*ret_conflict = conflict;
	return r;
}

static int
sq_passkey_get_by_credential(struct store *st, const uint8_t *credential_id, size_t len,
    struct store_passkey *ret)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_PASSKEY_BY_CREDENTIAL];
	struct store_passkey pk;
	int rc = SQLITE_OK;
	int r;

	/* No stored credential ID has such a length, so skip the query. */
	if (credential_id == NULL || len == 0 || len > STORE_CREDENTIAL_ID_MAX)
		return STORE_NOT_FOUND;
	sq_bind_blob(stmt, 1, credential_id, len, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "passkey_get_by_credential");

	r = sq_query_one(s, stmt, "passkey_get_by_credential", sq_read_passkey, &pk);
	if (r == STORE_OK)
		*ret = pk;
	return r;
}

static int
sq_passkey_get(struct store *st, int64_t id, struct store_passkey *ret)
{
	struct store_passkey pk;
	int r;

	r = sq_get_by_id(sq_from(st), SQ_PASSKEY_BY_ID, id, "passkey_get", sq_read_passkey, &pk);
	if (r == STORE_OK)
		*ret = pk;
	return r;
}

static int
sq_passkey_list_by_user(struct store *st, int64_t user_id, store_passkey_cb cb, void *arg)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_PASSKEY_LIST];
	struct store_passkey pk;
	int rc = SQLITE_OK;
	int r = STORE_OK;

	if (sq_list_idle(stmt, "passkey_list_by_user") != STORE_OK)
		return STORE_ERROR;
	sq_bind_i64(stmt, 1, user_id, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "passkey_list_by_user");

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r = sq_read_passkey(stmt, 0, &pk);
		if (r != STORE_OK || cb(arg, &pk) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sq_error(s, "passkey_list_by_user");
	sq_done(stmt);
	return r;
}

static int
sq_passkey_count_by_user(struct store *st, int64_t user_id, int64_t *ret_count)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_PASSKEY_COUNT];
	int rc = SQLITE_OK;
	int r = STORE_ERROR;

	sq_bind_i64(stmt, 1, user_id, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "passkey_count_by_user");
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		r = sq_error(s, "passkey_count_by_user");
		goto out;
	}
	*ret_count = sqlite3_column_int64(stmt, 0);
	r = STORE_OK;
out:
	sq_done(stmt);
	return r;
}

static int
sq_passkey_rename(struct store *st, int64_t id, int64_t user_id, const char *name)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_PASSKEY_RENAME];
	int rc = SQLITE_OK;

	if (store_passkey_name_check(name, "passkey_rename") != STORE_OK)
		return STORE_ERROR;
	sq_bind_i64(stmt, 1, id, &rc);
	sq_bind_i64(stmt, 2, user_id, &rc);
	sq_bind_str(stmt, 3, name, SQLITE_STATIC, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "passkey_rename");
	return sq_exec_one(s, stmt, "passkey_rename");
}

static int
sq_passkey_delete(struct store *st, int64_t id, int64_t user_id)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_PASSKEY_DELETE];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, id, &rc);
	sq_bind_i64(stmt, 2, user_id, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "passkey_delete");
	return sq_exec_one(s, stmt, "passkey_delete");
}

/*
 * Accept an assertion's counter once. STORE_CONFLICT when the counter is no
 * longer old_count (a parallel or replayed assertion) or the passkey is gone.
 */
static int
sq_passkey_use(struct store *st, int64_t id, int64_t old_count, int64_t new_count,
    int backup_state, int64_t last_used)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_PASSKEY_USE];
	int rc = SQLITE_OK;
	int r;

	if (new_count < 0 || new_count > UINT32_MAX) {
		log_error("event=db_error op=passkey_use err=\"signature counter out of range\" "
		    "passkey_id=%lld", (long long)id);
		return STORE_ERROR;
	}
	sq_bind_i64(stmt, 1, id, &rc);
	sq_bind_i64(stmt, 2, old_count, &rc);
	sq_bind_i64(stmt, 3, new_count, &rc);
	sq_bind_i64(stmt, 4, backup_state != 0, &rc);
	sq_bind_i64(stmt, 5, last_used, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "passkey_use");
	r = sq_exec_one(s, stmt, "passkey_use");
	return r == STORE_NOT_FOUND ? STORE_CONFLICT : r;
}

/* WebAuthn challenges */

static int
sq_webauthn_challenge_create(struct store *st, const struct store_webauthn_challenge *c)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_WEBAUTHN_INSERT];
	int rc = SQLITE_OK;

	if (store_webauthn_challenge_check(c, "webauthn_challenge_create") != STORE_OK)
		return STORE_ERROR;
	sq_bind_hash(stmt, 1, c->challenge_hash, &rc);
	sq_bind_i64(stmt, 2, c->kind, &rc);
	sq_bind_id_or_null(stmt, 3, c->user_id, &rc);
	sq_bind_id_or_null(stmt, 4, c->account_id, &rc);
	sq_bind_hash_or_null(stmt, 5, c->has_session_hash, c->session_hash, &rc);
	sq_bind_hash_or_null(stmt, 6, c->has_mfa_challenge_hash, c->mfa_challenge_hash, &rc);
	sq_bind_i64(stmt, 7, c->user_verification, &rc);
	sq_bind_i64(stmt, 8, c->created, &rc);
	sq_bind_i64(stmt, 9, c->expires, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "webauthn_challenge_create");
	return sq_exec(s, stmt, "webauthn_challenge_create", NULL);
}

/*
 * Delete a challenge and return its row in one DELETE ... RETURNING, so of
 * handles taking one challenge at once only one gets STORE_OK.
 */
static int
sq_webauthn_challenge_take(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN],
    struct store_webauthn_challenge *ret)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_WEBAUTHN_TAKE];
	struct store_webauthn_challenge c;
	int rc = SQLITE_OK;
	int r;

	sq_bind_hash(stmt, 1, hash, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "webauthn_challenge_take");

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		r = sq_read_webauthn(stmt, 0, &c);
		/* Step to the end so the DELETE ... RETURNING finishes before the reset. */
		rc = sqlite3_step(stmt);
	} else {
		r = STORE_NOT_FOUND;
	}
	if (rc != SQLITE_DONE)
		r = sq_error(s, "webauthn_challenge_take");
	sq_done(stmt);
	if (r == STORE_OK)
		*ret = c;
	return r;
}

/* Security email addresses */

static int
sq_read_security_email(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_security_email *e = out;

	memset(e, 0, sizeof(*e));
	e->user_id = sqlite3_column_int64(stmt, col);
	e->account_id = sqlite3_column_int64(stmt, col + 1);
	e->created = sqlite3_column_int64(stmt, col + 4);
	e->verified_at = sqlite3_column_int64(stmt, col + 5);
	if (SQ_COLUMN_FIELD(stmt, col + 2, e->address) != STORE_OK)
		return STORE_ERROR;
	return SQ_COLUMN_FIELD(stmt, col + 3, e->address_key);
}

static int
sq_security_email_get(struct store *st, int64_t user_id, struct store_security_email *ret)
{
	struct store_security_email e;
	int r;

	r = sq_get_by_id(sq_from(st), SQ_SECURITY_EMAIL_GET, user_id, "security_email_get",
	    sq_read_security_email, &e);
	if (r == STORE_OK)
		*ret = e;
	return r;
}

static int
sq_security_email_put(struct store *st, const struct store_security_email *e)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_SECURITY_EMAIL_PUT];
	int rc = SQLITE_OK;

	if (store_security_email_check(e, "security_email_put") != STORE_OK)
		return STORE_ERROR;
	sq_bind_i64(stmt, 1, e->user_id, &rc);
	sq_bind_i64(stmt, 2, e->account_id, &rc);
	SQ_BIND_FIELD(stmt, 3, e->address, &rc);
	SQ_BIND_FIELD(stmt, 4, e->address_key, &rc);
	sq_bind_i64(stmt, 5, e->created, &rc);
	sq_bind_i64(stmt, 6, e->verified_at, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "security_email_put");
	return sq_exec_one(s, stmt, "security_email_put");
}

static int
sq_security_email_delete(struct store *st, int64_t user_id)
{
	return sq_change_by_id(sq_from(st), SQ_SECURITY_EMAIL_DELETE, user_id,
	    "security_email_delete");
}

/* Run a bound statement that returns one row of one or two integers, and clear it. */
static int
sq_query_ints(struct sq_store *s, sqlite3_stmt *stmt, const char *op, int64_t *ret_first,
    int64_t *ret_second)
{
	int r = STORE_ERROR;

	if (sqlite3_step(stmt) != SQLITE_ROW) {
		r = sq_error(s, op);
		goto out;
	}
	*ret_first = sqlite3_column_int64(stmt, 0);
	if (ret_second != NULL)
		*ret_second = sqlite3_column_int64(stmt, 1);
	r = STORE_OK;
out:
	sq_done(stmt);
	return r;
}

static int
sq_security_email_count_by_address(struct store *st, int64_t account_id, const char *address_key,
    int64_t exclude_user_id, int64_t *ret_count)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_SECURITY_EMAIL_COUNT];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, account_id, &rc);
	sq_bind_str(stmt, 2, address_key, SQLITE_STATIC, &rc);
	sq_bind_i64(stmt, 3, exclude_user_id, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "security_email_count_by_address");
	return sq_query_ints(s, stmt, "security_email_count_by_address", ret_count, NULL);
}

/* Email codes */

static int
sq_read_email_code(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_email_code *c = out;

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(stmt, col);
	c->user_id = sqlite3_column_int64(stmt, col + 1);
	c->purpose = sqlite3_column_int(stmt, col + 2);
	c->attempts = sqlite3_column_int(stmt, col + 6);
	c->created = sqlite3_column_int64(stmt, col + 7);
	c->expires = sqlite3_column_int64(stmt, col + 8);
	if (SQ_COLUMN_FIELD(stmt, col + 3, c->address) != STORE_OK ||
	    SQ_COLUMN_FIELD(stmt, col + 4, c->address_key) != STORE_OK)
		return STORE_ERROR;
	if (sq_column_hash(stmt, col + 5, c->code_hash) != STORE_OK)
		return STORE_ERROR;
	return sq_column_hash_or_null(stmt, col + 9, &c->has_logon_hash, c->logon_hash);
}

static int
sq_email_code_insert(struct sq_store *s, const struct store_email_code *c)
{
	sqlite3_stmt *stmt = s->cur->stmt[SQ_EMAIL_CODE_INSERT];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, c->user_id, &rc);
	sq_bind_i64(stmt, 2, c->purpose, &rc);
	SQ_BIND_FIELD(stmt, 3, c->address, &rc);
	SQ_BIND_FIELD(stmt, 4, c->address_key, &rc);
	sq_bind_hash(stmt, 5, c->code_hash, &rc);
	sq_bind_i64(stmt, 6, c->attempts, &rc);
	sq_bind_i64(stmt, 7, c->created, &rc);
	sq_bind_i64(stmt, 8, c->expires, &rc);
	sq_bind_hash_or_null(stmt, 9, c->has_logon_hash, c->logon_hash, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "email_code_replace");
	return sq_exec(s, stmt, "email_code_replace", NULL);
}

/*
 * Delete the user's code for the purpose, then insert the new one, in one
 * savepoint. A replaced code's id is gone for good (AUTOINCREMENT), so a
 * request still holding it cannot spend the new code.
 */
static int
sq_email_code_replace(struct store *st, struct store_email_code *code)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_EMAIL_CODE_DELETE_PURPOSE];
	int64_t id = 0;
	int rc = SQLITE_OK;
	int r;

	if (store_email_code_check(code, "email_code_replace") != STORE_OK)
		return STORE_ERROR;
	if (sq_savepoint(s) != STORE_OK)
		return STORE_ERROR;

	sq_bind_i64(stmt, 1, code->user_id, &rc);
	sq_bind_i64(stmt, 2, code->purpose, &rc);
	if (rc != SQLITE_OK)
		r = sq_bind_error(stmt, rc, "email_code_replace");
	else
		r = sq_exec(s, stmt, "email_code_replace", NULL);
	if (r == STORE_OK)
		r = sq_email_code_insert(s, code);
	if (r == STORE_OK)
		id = sqlite3_last_insert_rowid(s->cur->db);

	r = sq_savepoint_end(s, r);
	if (r == STORE_OK)
		code->id = id;
	return r;
}

static int
sq_email_code_get(struct store *st, int64_t user_id, int purpose, struct store_email_code *ret)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_EMAIL_CODE_GET];
	struct store_email_code c;
	int rc = SQLITE_OK;
	int r;

	sq_bind_i64(stmt, 1, user_id, &rc);
	sq_bind_i64(stmt, 2, purpose, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "email_code_get");

	r = sq_query_one(s, stmt, "email_code_get", sq_read_email_code, &c);
	if (r == STORE_OK)
		*ret = c;
	return r;
}

/* Count one more wrong code, atomically, and return the new count. */
static int
sq_email_code_add_attempt(struct store *st, int64_t id, int *ret_attempts)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_EMAIL_CODE_ADD_ATTEMPT];
	int attempts = 0;
	int rc = SQLITE_OK;
	int r;

	sq_bind_i64(stmt, 1, id, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "email_code_add_attempt");

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		attempts = sqlite3_column_int(stmt, 0);
		/* Step to the end so the UPDATE ... RETURNING finishes before the reset. */
		rc = sqlite3_step(stmt);
		r = STORE_OK;
	} else {
		r = STORE_NOT_FOUND;
	}
	if (rc != SQLITE_DONE)
		r = sq_error(s, "email_code_add_attempt");
	sq_done(stmt);
	if (r == STORE_OK)
		*ret_attempts = attempts;
	return r;
}

/* Spend a code. STORE_NOT_FOUND when it is gone, as on a replay. */
static int
sq_email_code_delete(struct store *st, int64_t id)
{
	return sq_change_by_id(sq_from(st), SQ_EMAIL_CODE_DELETE, id, "email_code_delete");
}

/* Email send records */

static int
sq_email_send_record_to(struct store *st, int64_t user_id, const char *address_key, int64_t at)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_EMAIL_SEND_INSERT];
	int rc = SQLITE_OK;

	if (address_key != NULL &&
	    store_email_address_check(address_key, "email_send_record") != STORE_OK)
		return STORE_ERROR;
	sq_bind_i64(stmt, 1, user_id, &rc);
	if (address_key != NULL)
		sq_bind_str(stmt, 2, address_key, SQLITE_STATIC, &rc);
	else if (rc == SQLITE_OK)
		rc = sqlite3_bind_null(stmt, 2);
	sq_bind_i64(stmt, 3, at, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "email_send_record");
	return sq_exec(s, stmt, "email_send_record", NULL);
}

static int
sq_email_send_record(struct store *st, int64_t user_id, int64_t at)
{
	return sq_email_send_record_to(st, user_id, NULL, at);
}

static int
sq_email_send_stats(struct store *st, int64_t user_id, int64_t since, int64_t *ret_count,
    int64_t *ret_last_at)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_EMAIL_SEND_STATS];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, user_id, &rc);
	sq_bind_i64(stmt, 2, since, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "email_send_stats");
	return sq_query_ints(s, stmt, "email_send_stats", ret_count, ret_last_at);
}

static int
sq_email_send_stats_by_address(struct store *st, const char *address_key, int64_t since,
    int64_t *ret_count, int64_t *ret_last_at)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_EMAIL_SEND_STATS_ADDRESS];
	int rc = SQLITE_OK;

	sq_bind_str(stmt, 1, address_key, SQLITE_STATIC, &rc);
	sq_bind_i64(stmt, 2, since, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "email_send_stats_by_address");
	return sq_query_ints(s, stmt, "email_send_stats_by_address", ret_count, ret_last_at);
}

/* Outbox */

/* Read the columns of SQ_OUTBOX_COLS_NO_DATA; data stays NULL. */
static int
sq_read_outbox(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_outbox_message *m = out;

	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(stmt, col);
	m->state = sqlite3_column_int(stmt, col + 3);
	m->attempts = sqlite3_column_int(stmt, col + 4);
	m->created = sqlite3_column_int64(stmt, col + 5);
	m->next_attempt = sqlite3_column_int64(stmt, col + 6);
	m->expires = sqlite3_column_int64(stmt, col + 7);
	m->sent_at = sqlite3_column_int64(stmt, col + 8);
	if (SQ_COLUMN_FIELD(stmt, col + 1, m->recipient) != STORE_OK ||
	    SQ_COLUMN_FIELD(stmt, col + 2, m->message_id) != STORE_OK)
		return STORE_ERROR;
	return SQ_COLUMN_FIELD(stmt, col + 9, m->last_error);
}

/* Read SQ_OUTBOX_COLS: the columns of sq_read_outbox, then a malloc'd copy of data. */
static int
sq_read_outbox_with_data(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_outbox_message *m = out;
	const void *blob;
	int len;

	if (sq_read_outbox(stmt, col, m) != STORE_OK)
		return STORE_ERROR;
	blob = sqlite3_column_blob(stmt, col + 10);
	len = sqlite3_column_bytes(stmt, col + 10);
	if (blob == NULL || len <= 0 || len > STORE_OUTBOX_DATA_MAX) {
		log_error("event=db_error op=read_column column=data outbox_id=%lld "
		    "err=\"queued message data is empty or too long\" bytes=%d",
		    (long long)m->id, len);
		return STORE_ERROR;
	}
	m->data = malloc((size_t)len);
	if (m->data == NULL) {
		log_error("event=db_error op=read_column column=data err=\"out of memory\"");
		return STORE_ERROR;
	}
	memcpy(m->data, blob, (size_t)len);
	m->data_len = (size_t)len;
	return STORE_OK;
}

static int
sq_outbox_enqueue(struct store *st, struct store_outbox_message *msg)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_OUTBOX_INSERT];
	int rc = SQLITE_OK;
	int r;

	if (store_outbox_message_check(msg, "outbox_enqueue") != STORE_OK)
		return STORE_ERROR;
	SQ_BIND_FIELD(stmt, 1, msg->recipient, &rc);
	SQ_BIND_FIELD(stmt, 2, msg->message_id, &rc);
	sq_bind_blob(stmt, 3, (const uint8_t *)msg->data, msg->data_len, &rc);
	sq_bind_i64(stmt, 4, msg->created, &rc);
	sq_bind_i64(stmt, 5, msg->next_attempt, &rc);
	sq_bind_i64(stmt, 6, msg->expires, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "outbox_enqueue");

	r = sq_exec(s, stmt, "outbox_enqueue", NULL);
	if (r == STORE_OK) {
		msg->id = sqlite3_last_insert_rowid(s->cur->db);
		msg->state = OUTBOX_QUEUED;
		msg->attempts = 0;
		msg->sent_at = 0;
		msg->last_error[0] = '\0';
	}
	return r;
}

static int
sq_outbox_next_due(struct store *st, int64_t now, struct store_outbox_message *ret)
{
	struct store_outbox_message m = { 0 };
	int r;

	r = sq_get_by_id(sq_from(st), SQ_OUTBOX_NEXT_DUE, now, "outbox_next_due",
	    sq_read_outbox_with_data, &m);
	if (r == STORE_OK)
		*ret = m;
	else
		store_outbox_message_clear(&m);
	return r;
}

static int
sq_outbox_claim(struct store *st, int64_t now, int64_t lease_until,
    struct store_outbox_message *ret)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_OUTBOX_CLAIM];
	struct store_outbox_message m = { 0 };
	int rc = SQLITE_OK;
	int r;

	sq_bind_i64(stmt, 1, now, &rc);
	sq_bind_i64(stmt, 2, lease_until, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "outbox_claim");

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		r = sq_read_outbox_with_data(stmt, 0, &m);
		/* Step to the end so the UPDATE ... RETURNING finishes before the reset. */
		rc = sqlite3_step(stmt);
	} else {
		r = STORE_NOT_FOUND;
	}
	if (rc != SQLITE_DONE)
		r = sq_error(s, "outbox_claim");
	sq_done(stmt);
	if (r == STORE_OK)
		*ret = m;
	else
		store_outbox_message_clear(&m);
	return r;
}

static int
sq_outbox_next_attempt(struct store *st, int64_t *ret_at)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_OUTBOX_NEXT_ATTEMPT];
	int r = STORE_ERROR;

	if (sqlite3_step(stmt) != SQLITE_ROW) {
		r = sq_error(s, "outbox_next_attempt");
		goto out;
	}
	/* min() of no rows is NULL. */
	if (sqlite3_column_type(stmt, 0) == SQLITE_NULL) {
		r = STORE_NOT_FOUND;
		goto out;
	}
	*ret_at = sqlite3_column_int64(stmt, 0);
	r = STORE_OK;
out:
	sq_done(stmt);
	return r;
}

static int
sq_outbox_mark_sent(struct store *st, int64_t id, int64_t at)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_OUTBOX_MARK_SENT];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, id, &rc);
	sq_bind_i64(stmt, 2, at, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "outbox_mark_sent");
	return sq_exec_one(s, stmt, "outbox_mark_sent");
}

/* Bind an error text, cut to STORE_OUTBOX_ERROR_MAX bytes so a long server reply still fits. */
static void
sq_bind_error_text(sqlite3_stmt *stmt, int i, const char *error, int *rc)
{
	size_t len = error != NULL ? strnlen(error, STORE_OUTBOX_ERROR_MAX) : 0;

	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_text(stmt, i, error != NULL ? error : "", (int)len,
		    SQLITE_STATIC);
}

static int
sq_outbox_mark_retry(struct store *st, int64_t id, int attempts, int64_t next_attempt,
    const char *error)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_OUTBOX_MARK_RETRY];
	int rc = SQLITE_OK;

	if (attempts < 0) {
		log_error("event=db_error op=outbox_mark_retry err=\"negative attempts\"");
		return STORE_ERROR;
	}
	sq_bind_i64(stmt, 1, id, &rc);
	sq_bind_i64(stmt, 2, attempts, &rc);
	sq_bind_i64(stmt, 3, next_attempt, &rc);
	sq_bind_error_text(stmt, 4, error, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "outbox_mark_retry");
	return sq_exec_one(s, stmt, "outbox_mark_retry");
}

static int
sq_outbox_mark_failed(struct store *st, int64_t id, const char *error)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_OUTBOX_MARK_FAILED];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, id, &rc);
	sq_bind_error_text(stmt, 2, error, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "outbox_mark_failed");
	return sq_exec_one(s, stmt, "outbox_mark_failed");
}

static int
sq_outbox_count(struct store *st, int state, int64_t *ret_count)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_OUTBOX_COUNT];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, state, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "outbox_count");
	return sq_query_ints(s, stmt, "outbox_count", ret_count, NULL);
}

static int
sq_outbox_list(struct store *st, int state, int min_attempts, int limit, store_outbox_cb cb,
    void *arg)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_OUTBOX_LIST];
	struct store_outbox_message m;
	int rc = SQLITE_OK;
	int r = STORE_OK;

	if (sq_list_check(stmt, limit, "outbox_list") != STORE_OK)
		return STORE_ERROR;
	sq_bind_i64(stmt, 1, state, &rc);
	sq_bind_i64(stmt, 2, min_attempts, &rc);
	sq_bind_i64(stmt, 3, limit, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "outbox_list");

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r = sq_read_outbox(stmt, 0, &m);
		if (r != STORE_OK || cb(arg, &m) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sq_error(s, "outbox_list");
	sq_done(stmt);
	return r;
}

/*
 * Delete expired sessions, logon challenges, WebAuthn challenges, email
 * codes, API tokens and remembered browsers. Also delete failure rows whose lock ended and whose last failure
 * are both more than a day before now, email send records more than a day
 * old, and sent or failed outbox rows queued more than STORE_OUTBOX_KEEP
 * seconds before now. One savepoint makes it one commit.
 */
static int
sq_purge_expired(struct store *st, int64_t now)
{
	static const enum sq_stmt_id purges[] = {
		SQ_PURGE_SESSIONS, SQ_PURGE_CHALLENGES, SQ_PURGE_FAILURES, SQ_PURGE_WEBAUTHN,
		SQ_PURGE_EMAIL_CODES, SQ_PURGE_EMAIL_SENDS, SQ_PURGE_OUTBOX, SQ_PURGE_ACCESS_TOKENS,
		SQ_PURGE_BROWSERS,
	};
	struct sq_store *s = sq_from(st);
	int r = STORE_OK;

	if (sq_savepoint(s) != STORE_OK)
		return STORE_ERROR;
	for (size_t i = 0; i < sizeof(purges) / sizeof(purges[0]) && r == STORE_OK; i++) {
		r = sq_change_by_id(s, purges[i], now, "purge_expired");
		if (r == STORE_NOT_FOUND)
			r = STORE_OK;
	}
	return sq_savepoint_end(s, r);
}

/* Audit log */

static int
sq_audit_append(struct store *st, struct store_audit_event *e)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_AUDIT_INSERT];
	int rc = SQLITE_OK;
	int r;

	if (store_audit_event_check(e, "audit_append") != STORE_OK)
		return STORE_ERROR;
	sq_bind_i64(stmt, 1, e->time, &rc);
	sq_bind_id_or_null(stmt, 2, e->account_id, &rc);
	sq_bind_id_or_null(stmt, 3, e->user_id, &rc);
	sq_bind_id_or_null(stmt, 4, e->actor_id, &rc);
	SQ_BIND_FIELD(stmt, 5, e->src, &rc);
	SQ_BIND_FIELD(stmt, 6, e->user_agent, &rc);
	SQ_BIND_FIELD(stmt, 7, e->event, &rc);
	SQ_BIND_FIELD(stmt, 8, e->outcome, &rc);
	SQ_BIND_FIELD(stmt, 9, e->detail, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "audit_append");

	r = sq_exec(s, stmt, "audit_append", NULL);
	if (r == STORE_OK)
		e->id = sqlite3_last_insert_rowid(s->cur->db);
	return r;
}

static int
sq_read_audit(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_audit_event *e = out;

	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(stmt, col);
	e->time = sqlite3_column_int64(stmt, col + 1);
	/* A NULL id reads as 0, which means none. */
	e->account_id = sqlite3_column_int64(stmt, col + 2);
	e->user_id = sqlite3_column_int64(stmt, col + 3);
	e->actor_id = sqlite3_column_int64(stmt, col + 4);
	if (SQ_COLUMN_FIELD(stmt, col + 5, e->src) != STORE_OK ||
	    SQ_COLUMN_FIELD(stmt, col + 6, e->user_agent) != STORE_OK ||
	    SQ_COLUMN_FIELD(stmt, col + 7, e->event) != STORE_OK ||
	    SQ_COLUMN_FIELD(stmt, col + 8, e->outcome) != STORE_OK ||
	    SQ_COLUMN_FIELD(stmt, col + 9, e->detail) != STORE_OK)
		return STORE_ERROR;
	return STORE_OK;
}

static int
sq_audit_list(struct store *st, const struct store_audit_filter *f, int64_t after_id, int limit,
    store_audit_cb cb, void *arg)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt;
	struct store_audit_event e;
	int rc = SQLITE_OK;
	int r = STORE_OK;

	if (f == NULL || f->account_id <= 0 || f->user_id < 0 || after_id < 0) {
		log_error("event=db_error op=audit_list err=\"needs an account and no negative id\"");
		return STORE_ERROR;
	}
	if (limit > STORE_AUDIT_LIST_MAX) {
		log_error("event=db_error op=audit_list err=\"list limit too large\" limit=%d", limit);
		return STORE_ERROR;
	}
	if (f->user_id != 0)
		stmt = s->cur->stmt[SQ_AUDIT_LIST_USER];
	else if (f->event != NULL)
		stmt = s->cur->stmt[SQ_AUDIT_LIST_EVENT];
	else
		stmt = s->cur->stmt[SQ_AUDIT_LIST];
	if (sq_list_check(stmt, limit, "audit_list") != STORE_OK)
		return STORE_ERROR;
	sq_bind_i64(stmt, 1, f->account_id, &rc);
	sq_bind_i64(stmt, 2, after_id, &rc);
	sq_bind_i64(stmt, 3, f->user_id, &rc);
	if (f->event != NULL)
		sq_bind_str(stmt, 4, f->event, SQLITE_TRANSIENT, &rc);
	sq_bind_i64(stmt, 5, f->since, &rc);
	sq_bind_i64(stmt, 6, f->until, &rc);
	sq_bind_i64(stmt, 7, limit, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "audit_list");

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r = sq_read_audit(stmt, 0, &e);
		if (r != STORE_OK || cb(arg, &e) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sq_error(s, "audit_list");
	sq_done(stmt);
	return r;
}

static int
sq_audit_count_since(struct store *st, int64_t account_id, int64_t user_id, const char *event,
    const char *since_event, int64_t *ret_count)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_AUDIT_COUNT_SINCE];
	int rc = SQLITE_OK;

	if (event == NULL || since_event == NULL) {
		log_error("event=db_error op=audit_count_since err=\"missing event name\"");
		return STORE_ERROR;
	}
	sq_bind_i64(stmt, 1, account_id, &rc);
	sq_bind_i64(stmt, 2, user_id, &rc);
	sq_bind_str(stmt, 3, event, SQLITE_STATIC, &rc);
	sq_bind_str(stmt, 4, since_event, SQLITE_STATIC, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "audit_count_since");
	return sq_query_ints(s, stmt, "audit_count_since", ret_count, NULL);
}

static int
sq_audit_purge(struct store *st, int64_t before)
{
	int r = sq_change_by_id(sq_from(st), SQ_AUDIT_PURGE, before, "audit_purge");

	return r == STORE_NOT_FOUND ? STORE_OK : r;
}

/* Password policies and history */

static int
sq_read_pwpolicy(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_password_policy *p = out;

	memset(p, 0, sizeof(*p));
	p->account_id = sqlite3_column_int64(stmt, col);
	p->min_length = sqlite3_column_int(stmt, col + 1);
	p->required_classes = sqlite3_column_int(stmt, col + 2);
	p->max_age_days = sqlite3_column_int(stmt, col + 3);
	p->hard_expiry = sqlite3_column_int(stmt, col + 4);
	p->reuse_prevention = sqlite3_column_int(stmt, col + 5);
	p->lockout_attempts = sqlite3_column_int(stmt, col + 6);
	p->not_contain_user_name = sqlite3_column_int(stmt, col + 7);
	p->updated = sqlite3_column_int64(stmt, col + 8);
	return STORE_OK;
}

static int
sq_password_policy_get(struct store *st, int64_t account_id, struct store_password_policy *ret)
{
	struct store_password_policy p;
	int r;

	r = sq_get_by_id(sq_from(st), SQ_PWPOLICY_GET, account_id, "password_policy_get",
	    sq_read_pwpolicy, &p);
	if (r == STORE_OK)
		*ret = p;
	return r;
}

static int
sq_password_policy_put(struct store *st, const struct store_password_policy *p)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_PWPOLICY_PUT];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, p->account_id, &rc);
	sq_bind_i64(stmt, 2, p->min_length, &rc);
	sq_bind_i64(stmt, 3, p->required_classes, &rc);
	sq_bind_i64(stmt, 4, p->max_age_days, &rc);
	sq_bind_i64(stmt, 5, p->hard_expiry, &rc);
	sq_bind_i64(stmt, 6, p->reuse_prevention, &rc);
	sq_bind_i64(stmt, 7, p->lockout_attempts, &rc);
	sq_bind_i64(stmt, 8, p->not_contain_user_name, &rc);
	sq_bind_i64(stmt, 9, p->updated, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "password_policy_put");
	return sq_exec(s, stmt, "password_policy_put", NULL);
}

static int
sq_password_history_add_fn(struct sq_store *s, int64_t user_id, const char *hash,
    int64_t created)
{
	sqlite3_stmt *stmt = s->cur->stmt[SQ_PWHISTORY_INSERT];
	int rc = SQLITE_OK;
	int r;

	sq_bind_i64(stmt, 1, user_id, &rc);
	sq_bind_str(stmt, 2, hash, SQLITE_STATIC, &rc);
	sq_bind_i64(stmt, 3, created, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "password_history_add");
	r = sq_exec(s, stmt, "password_history_add", NULL);
	if (r != STORE_OK)
		return STORE_ERROR;

	stmt = s->cur->stmt[SQ_PWHISTORY_TRIM];
	sq_bind_i64(stmt, 1, user_id, &rc);
	sq_bind_i64(stmt, 2, STORE_PASSWORD_HISTORY_MAX, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "password_history_trim");
	return sq_exec(s, stmt, "password_history_trim", NULL);
}

static int
sq_password_history_add(struct store *st, int64_t user_id, const char *hash, int64_t created)
{
	struct sq_store *s = sq_from(st);

	if (hash == NULL || hash[0] == '\0' || strlen(hash) > STORE_PW_HASH_MAX)
		return STORE_ERROR;
	if (sq_savepoint(s) != STORE_OK)
		return STORE_ERROR;
	return sq_savepoint_end(s, sq_password_history_add_fn(s, user_id, hash, created));
}

static int
sq_password_history_list(struct store *st, int64_t user_id, int limit,
    store_password_hash_cb cb, void *arg)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_PWHISTORY_LIST];
	int rc = SQLITE_OK;
	int r = STORE_OK;

	sq_bind_i64(stmt, 1, user_id, &rc);
	sq_bind_i64(stmt, 2, limit, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "password_history_list");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const unsigned char *hash = sqlite3_column_text(stmt, 0);

		if (hash != NULL && cb(arg, (const char *)hash) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sq_error(s, "password_history_list");
	sq_done(stmt);
	return r;
}

/* Opening and closing */

/* Log db's last error for op and return STORE_ERROR. */
static int
sq_db_error(sqlite3 *db, const char *op)
{
	char quoted[LOG_QUOTE_MAX];

	log_error("event=db_error op=%s err=%s code=%d", op,
	    log_quote(sqlite3_errmsg(db), quoted, sizeof(quoted)), sqlite3_extended_errcode(db));
	return STORE_ERROR;
}

/* Finalize the statements and close. Closing with a transaction open rolls it back. */
static void
sq_conn_close(struct sq_conn *c)
{
	char quoted[LOG_QUOTE_MAX];

	for (size_t i = 0; i < SQ_STMT_COUNT; i++)
		sqlite3_finalize(c->stmt[i]);
	if (sqlite3_close(c->db) != SQLITE_OK)
		log_error("event=db_error op=close err=%s",
		    log_quote(sqlite3_errmsg(c->db), quoted, sizeof(quoted)));
}

/* Drop one handle's use of w, closing it after the last. */
static void
sq_writer_release(struct sq_writer *w)
{
	struct sq_writer **p;

	if (w == NULL)
		return;
	pthread_mutex_lock(&sq_writers_lock);
	if (--w->refs > 0) {
		pthread_mutex_unlock(&sq_writers_lock);
		return;
	}
	for (p = &sq_writers; *p != NULL; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	pthread_mutex_unlock(&sq_writers_lock);
	sq_conn_close(&w->conn);
	pthread_mutex_destroy(&w->lock);
	free(w->path);
	free(w);
}

static void
sq_close(struct store *st)
{
	struct sq_store *s = sq_from(st);

	/* A transaction left open on the shared writer must not outlive its handle. */
	if (s->write_locked && !sqlite3_get_autocommit(s->writer->conn.db))
		(void)sq_exec(s, s->cur->stmt[SQ_ROLLBACK], "rollback", NULL);
	sq_write_unlock(s);
	sq_writer_release(s->writer);
	sq_conn_close(&s->own);
	free(s);
}

/*
 * Create the file with mode 0600 before SQLite opens it. SQLite gives the
 * -wal and -shm files the mode of the database file. An existing file keeps
 * its mode, with a warning when others may read it.
 *
 * An existing file is only stat'ed, never opened: closing any descriptor of
 * a file drops every POSIX lock this process holds on it, including those of
 * SQLite connections that other threads have open. Another process would
 * then see the database unused, and could checkpoint and delete the WAL
 * those connections still write to.
 */
static int
sq_create_file(const char *path)
{
	char quoted[LOG_QUOTE_MAX];
	struct stat sb;
	int fd;

	/* O_EXCL: only a file this call created is closed here. */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		return STORE_OK;
	}
	if (errno != EEXIST) {
		log_error("event=db_error op=open path=%s err=%s",
		    log_quote(path, quoted, sizeof(quoted)), strerror(errno));
		return STORE_ERROR;
	}
	if (stat(path, &sb) != 0) {
		log_error("event=db_error op=stat path=%s err=%s",
		    log_quote(path, quoted, sizeof(quoted)), strerror(errno));
		return STORE_ERROR;
	}
	if (!S_ISREG(sb.st_mode)) {
		log_error("event=db_error op=open path=%s err=\"not a regular file\"",
		    log_quote(path, quoted, sizeof(quoted)));
		return STORE_ERROR;
	}
	if ((sb.st_mode & 077) != 0)
		log_warn("event=db_file_mode path=%s mode=%03o "
		    "err=\"database is readable by other users; chmod 600 it\"",
		    log_quote(path, quoted, sizeof(quoted)), (unsigned)(sb.st_mode & 0777));
	return STORE_OK;
}

/* Run a PRAGMA that sets a value, ignoring the row some of them return. */
static int
sq_pragma_set(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int rc;
	int r = STORE_ERROR;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		r = sq_db_error(db, "pragma");
		goto out;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		r = sq_db_error(db, "pragma");
		goto out;
	}
	r = STORE_OK;
out:
	sqlite3_finalize(stmt);
	return r;
}

/* Run a PRAGMA that reads a value, and return it as text in buf. */
static int
sq_pragma_get(sqlite3 *db, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *stmt = NULL;
	const unsigned char *text;
	int r = STORE_ERROR;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW) {
		r = sq_db_error(db, "pragma");
		goto out;
	}
	text = sqlite3_column_text(stmt, 0);
	snprintf(buf, size, "%s", text != NULL ? (const char *)text : "");
	r = STORE_OK;
out:
	sqlite3_finalize(stmt);
	return r;
}

/*
 * Set a pragma, then read it back with get and require expect, because
 * SQLite ignores some settings silently: journal_mode stays "memory" for an
 * in-memory database, and foreign_keys is a no-op in a build without them.
 */
static int
sq_pragma_require(sqlite3 *db, const char *set, const char *get, const char *expect)
{
	char value[32];

	if (sq_pragma_set(db, set) != STORE_OK)
		return STORE_ERROR;
	if (sq_pragma_get(db, get, value, sizeof(value)) != STORE_OK)
		return STORE_ERROR;
	if (strcasecmp(value, expect) != 0) {
		log_error("event=db_error op=pragma pragma=\"%s\" expected=%s got=%s "
		    "err=\"setting did not take effect\"", get, expect, value);
		return STORE_ERROR;
	}
	return STORE_OK;
}

/* Set the pragmas every connection of the backend needs, reading each one back. */
static int
sq_configure(sqlite3 *db, int busy_ms, int full)
{
	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_busy_timeout(db, busy_ms) != SQLITE_OK)
		return sq_db_error(db, "busy_timeout");

	if (sq_pragma_require(db, "PRAGMA foreign_keys = ON", "PRAGMA foreign_keys", "1") !=
	    STORE_OK)
		return STORE_ERROR;
	if (sq_pragma_require(db, "PRAGMA journal_mode = WAL", "PRAGMA journal_mode", "wal") !=
	    STORE_OK)
		return STORE_ERROR;
	/* synchronous reads back as 2 for FULL and 1 for NORMAL. */
	if (sq_pragma_require(db, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
	    "PRAGMA synchronous", full ? "2" : "1") != STORE_OK)
		return STORE_ERROR;
	return STORE_OK;
}

static int
sq_prepare_all(struct sq_conn *c)
{
	for (size_t i = 0; i < SQ_STMT_COUNT; i++) {
		if (sqlite3_prepare_v3(c->db, sq_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[i],
		    NULL) != SQLITE_OK) {
			char quoted[LOG_QUOTE_MAX];

			log_error("event=db_error op=prepare stmt=%zu err=%s code=%d", i,
			    log_quote(sqlite3_errmsg(c->db), quoted, sizeof(quoted)),
			    sqlite3_extended_errcode(c->db));
			return STORE_ERROR;
		}
	}
	return STORE_OK;
}

/* Open path on c, set its pragmas and prepare its statements, migrating first when asked. */
static int
sq_conn_open(struct sq_conn *c, const char *path, int busy_ms, int full, int migrate)
{
	char quoted[LOG_QUOTE_MAX];

	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		log_error("event=db_error op=open path=%s err=%s",
		    log_quote(path, quoted, sizeof(quoted)),
		    c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
		return STORE_ERROR;
	}
	if (sq_configure(c->db, busy_ms, full) != STORE_OK)
		return STORE_ERROR;
	if (migrate && store_sqlite_migrate(c->db, store_sqlite_migrations,
	    store_sqlite_migration_count) != STORE_OK)
		return STORE_ERROR;
	return sq_prepare_all(c);
}

/*
 * Open the writer's connection, under w->lock. Opening it at the first write
 * transaction instead of with the handle keeps an idle process smaller.
 */
static int
sq_writer_connect(struct sq_writer *w)
{
	if (sq_conn_open(&w->conn, w->path, w->busy_ms, w->synchronous_full, 0) == STORE_OK)
		return STORE_OK;
	sq_conn_close(&w->conn);
	memset(&w->conn, 0, sizeof(w->conn));
	return STORE_ERROR;
}

/* Find the writer of the file sb describes, or add one, and count one more user. */
static int
sq_writer_get(const char *path, const struct stat *sb, int busy_ms, int full,
    struct sq_writer **ret)
{
	struct sq_writer *w;
	int r = STORE_ERROR;

	pthread_mutex_lock(&sq_writers_lock);
	for (w = sq_writers; w != NULL; w = w->next) {
		if (w->dev == sb->st_dev && w->ino == sb->st_ino && w->synchronous_full == full)
			break;
	}
	if (w == NULL) {
		w = calloc(1, sizeof(*w));
		if (w == NULL) {
			log_error("event=db_error op=open err=\"out of memory\"");
			goto out;
		}
		w->path = strdup(path);
		if (w->path == NULL) {
			log_error("event=db_error op=open err=\"out of memory\"");
			free(w);
			goto out;
		}
		pthread_mutex_init(&w->lock, NULL);
		w->busy_ms = busy_ms;
		w->dev = sb->st_dev;
		w->ino = sb->st_ino;
		w->synchronous_full = full;
		w->next = sq_writers;
		sq_writers = w;
	}
	w->refs++;
	*ret = w;
	r = STORE_OK;
out:
	pthread_mutex_unlock(&sq_writers_lock);
	return r;
}

int
store_sqlite_open(const char *path, const struct store_options *opt, struct store **ret)
{
	char quoted[LOG_QUOTE_MAX];
	struct sq_store *s = NULL;
	struct stat sb;
	int busy_ms = STORE_SQLITE_BUSY_TIMEOUT_MS;
	int full = 1;
	int r = STORE_ERROR;

	if (sqlite3_libversion_number() < STORE_SQLITE_VERSION_MIN) {
		log_error("event=db_error op=open err=\"SQLite %s is too old; 3.37.0 or newer is "
		    "required\"", sqlite3_libversion());
		goto out;
	}
	if (opt != NULL) {
		if (opt->busy_timeout_ms > 0)
			busy_ms = opt->busy_timeout_ms;
		full = opt->synchronous_full != 0;
	}
	if (sq_create_file(path) != STORE_OK)
		goto out;

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		log_error("event=db_error op=open err=\"out of memory\"");
		goto out;
	}
	s->base.ops = &sq_ops;
	s->cur = &s->own;
	s->busy_ms = busy_ms;
	if (sq_conn_open(&s->own, path, busy_ms, full, 1) != STORE_OK)
		goto out;

	/* Writers are found by device and inode, so two spellings of one path share one. */
	if (stat(path, &sb) != 0) {
		log_error("event=db_error op=stat path=%s err=%s",
		    log_quote(path, quoted, sizeof(quoted)), strerror(errno));
		goto out;
	}
	if (sq_writer_get(path, &sb, busy_ms, full, &s->writer) != STORE_OK)
		goto out;
	if (!full)
		log_warn("event=db_synchronous_normal "
		    "err=\"commits since the last checkpoint can be lost on power loss or an OS crash\"");

	*ret = &s->base;
	s = NULL;
	r = STORE_OK;
out:
	if (s != NULL)
		sq_close(&s->base);
	return r;
}

sqlite3 *
store_sqlite_db(struct store *st)
{
	if (st == NULL || st->ops != &sq_ops)
		return NULL;
	return sq_from(st)->own.db;
}

/* Session lists, API tokens and remembered browsers */

static int
sq_account_set_save_mfa_ticket(struct store *st, int64_t id, int on)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_ACCOUNT_SET_SAVE_MFA_TICKET];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, id, &rc);
	sq_bind_i64(stmt, 2, on != 0, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "account_set_save_mfa_ticket");
	return sq_exec_one(s, stmt, "account_set_save_mfa_ticket");
}

/* Bind a user id and a time to stmt, for the lists of a user's live rows. */
static int
sq_list_user_begin(sqlite3_stmt *stmt, int64_t user_id, int64_t now, const char *op)
{
	int rc = SQLITE_OK;

	if (sq_list_idle(stmt, op) != STORE_OK)
		return STORE_ERROR;
	sq_bind_i64(stmt, 1, user_id, &rc);
	sq_bind_i64(stmt, 2, now, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, op);
	return STORE_OK;
}

static int
sq_session_list_by_user(struct store *st, int64_t user_id, int64_t now, store_session_cb cb,
    void *arg)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_SESSION_LIST];
	struct store_session ses;
	int rc;
	int r = STORE_OK;

	if (sq_list_user_begin(stmt, user_id, now, "session_list_by_user") != STORE_OK)
		return STORE_ERROR;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r = sq_read_session(stmt, 0, &ses);
		if (r != STORE_OK || cb(arg, &ses) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sq_error(s, "session_list_by_user");
	sq_done(stmt);
	return r;
}

static int
sq_session_delete_by_public_id(struct store *st, int64_t user_id, const char *public_id)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_SESSION_DELETE_PUBLIC_ID];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, user_id, &rc);
	sq_bind_str(stmt, 2, public_id, SQLITE_STATIC, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "session_delete_by_public_id");
	return sq_exec_one(s, stmt, "session_delete_by_public_id");
}

static int
sq_session_revoke_by_user(struct store *st, int64_t user_id, const uint8_t *keep_hash,
    int64_t *ret_count)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_SESSION_DELETE_BY_USER_EXCEPT];
	int changes = 0;
	int rc = SQLITE_OK;
	int r;

	sq_bind_i64(stmt, 1, user_id, &rc);
	if (keep_hash != NULL)
		sq_bind_hash(stmt, 2, keep_hash, &rc);
	else if (rc == SQLITE_OK)
		rc = sqlite3_bind_null(stmt, 2);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "session_revoke_by_user");
	if (sq_savepoint(s) != STORE_OK) {
		sq_done(stmt);
		return STORE_ERROR;
	}
	r = sq_exec(s, stmt, "session_revoke_by_user", &changes);
	if (r == STORE_OK) {
		r = sq_change_by_id(s, SQ_CHALLENGE_DELETE_BY_USER, user_id, "session_revoke_by_user");
		if (r == STORE_NOT_FOUND)
			r = STORE_OK;
	}
	r = sq_savepoint_end(s, r);
	if (r == STORE_OK && ret_count != NULL)
		*ret_count = changes;
	return r;
}

static int
sq_read_access_token(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_access_token *t = out;

	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(stmt, col);
	t->user_id = sqlite3_column_int64(stmt, col + 2);
	t->created = sqlite3_column_int64(stmt, col + 4);
	t->expires = sqlite3_column_int64(stmt, col + 5);
	t->last_used = sqlite3_column_int64(stmt, col + 6);
	if (sq_column_hash(stmt, col + 1, t->token_hash) != STORE_OK)
		return STORE_ERROR;
	return SQ_COLUMN_FIELD(stmt, col + 3, t->description);
}

static int
sq_access_token_create(struct store *st, struct store_access_token *t)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_ACCESS_TOKEN_INSERT];
	int rc = SQLITE_OK;
	int r;

	sq_bind_hash(stmt, 1, t->token_hash, &rc);
	sq_bind_i64(stmt, 2, t->user_id, &rc);
	SQ_BIND_FIELD(stmt, 3, t->description, &rc);
	sq_bind_i64(stmt, 4, t->created, &rc);
	sq_bind_i64(stmt, 5, t->expires, &rc);
	sq_bind_i64(stmt, 6, t->last_used, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "access_token_create");
	r = sq_exec(s, stmt, "access_token_create", NULL);
	if (r == STORE_OK)
		t->id = sqlite3_last_insert_rowid(s->cur->db);
	return r;
}

static int
sq_access_token_get(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN],
    struct store_access_token *ret)
{
	struct store_access_token t;
	int r;

	r = sq_get_by_hash(sq_from(st), SQ_ACCESS_TOKEN_GET, hash, "access_token_get",
	    sq_read_access_token, &t);
	if (r == STORE_OK)
		*ret = t;
	return r;
}

static int
sq_access_token_list_by_user(struct store *st, int64_t user_id, int64_t now,
    store_access_token_cb cb, void *arg)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_ACCESS_TOKEN_LIST];
	struct store_access_token t;
	int rc;
	int r = STORE_OK;

	if (sq_list_user_begin(stmt, user_id, now, "access_token_list_by_user") != STORE_OK)
		return STORE_ERROR;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r = sq_read_access_token(stmt, 0, &t);
		if (r != STORE_OK || cb(arg, &t) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sq_error(s, "access_token_list_by_user");
	sq_done(stmt);
	return r;
}

/* Run the statement id, which takes a row id and a second integer, as a single-row change. */
static int
sq_change_by_id_pair(struct sq_store *s, enum sq_stmt_id id, int64_t key, int64_t second,
    const char *op)
{
	sqlite3_stmt *stmt = s->cur->stmt[id];
	int rc = SQLITE_OK;

	sq_bind_i64(stmt, 1, key, &rc);
	sq_bind_i64(stmt, 2, second, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, op);
	return sq_exec_one(s, stmt, op);
}

static int
sq_access_token_delete(struct store *st, int64_t id, int64_t user_id)
{
	return sq_change_by_id_pair(sq_from(st), SQ_ACCESS_TOKEN_DELETE, id, user_id,
	    "access_token_delete");
}

static int
sq_access_token_touch(struct store *st, int64_t id, int64_t last_used)
{
	return sq_change_by_id_pair(sq_from(st), SQ_ACCESS_TOKEN_TOUCH, id, last_used,
	    "access_token_touch");
}

static int
sq_read_browser(sqlite3_stmt *stmt, int col, void *out)
{
	struct store_remembered_browser *b = out;

	memset(b, 0, sizeof(*b));
	b->id = sqlite3_column_int64(stmt, col);
	b->user_id = sqlite3_column_int64(stmt, col + 2);
	b->created = sqlite3_column_int64(stmt, col + 4);
	b->expires = sqlite3_column_int64(stmt, col + 5);
	b->last_used = sqlite3_column_int64(stmt, col + 6);
	if (sq_column_hash(stmt, col + 1, b->token_hash) != STORE_OK)
		return STORE_ERROR;
	return SQ_COLUMN_FIELD(stmt, col + 3, b->user_agent);
}

static int
sq_remembered_browser_create(struct store *st, struct store_remembered_browser *b)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_BROWSER_INSERT];
	int rc = SQLITE_OK;
	int r;

	sq_bind_hash(stmt, 1, b->token_hash, &rc);
	sq_bind_i64(stmt, 2, b->user_id, &rc);
	SQ_BIND_FIELD(stmt, 3, b->user_agent, &rc);
	sq_bind_i64(stmt, 4, b->created, &rc);
	sq_bind_i64(stmt, 5, b->expires, &rc);
	sq_bind_i64(stmt, 6, b->last_used, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "remembered_browser_create");
	r = sq_exec(s, stmt, "remembered_browser_create", NULL);
	if (r == STORE_OK)
		b->id = sqlite3_last_insert_rowid(s->cur->db);
	return r;
}

static int
sq_remembered_browser_get(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN],
    struct store_remembered_browser *ret)
{
	struct store_remembered_browser b;
	int r;

	r = sq_get_by_hash(sq_from(st), SQ_BROWSER_GET, hash, "remembered_browser_get",
	    sq_read_browser, &b);
	if (r == STORE_OK)
		*ret = b;
	return r;
}

static int
sq_remembered_browser_list_by_user(struct store *st, int64_t user_id, int64_t now,
    store_remembered_browser_cb cb, void *arg)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_BROWSER_LIST];
	struct store_remembered_browser b;
	int rc;
	int r = STORE_OK;

	if (sq_list_user_begin(stmt, user_id, now, "remembered_browser_list_by_user") != STORE_OK)
		return STORE_ERROR;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r = sq_read_browser(stmt, 0, &b);
		if (r != STORE_OK || cb(arg, &b) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sq_error(s, "remembered_browser_list_by_user");
	sq_done(stmt);
	return r;
}

static int
sq_remembered_browser_delete(struct store *st, int64_t id, int64_t user_id)
{
	return sq_change_by_id_pair(sq_from(st), SQ_BROWSER_DELETE, id, user_id,
	    "remembered_browser_delete");
}

static int
sq_remembered_browser_delete_by_user(struct store *st, int64_t user_id, int64_t *ret_count)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_BROWSER_DELETE_BY_USER];
	int changes = 0;
	int rc = SQLITE_OK;
	int r;

	sq_bind_i64(stmt, 1, user_id, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "remembered_browser_delete_by_user");
	r = sq_exec(s, stmt, "remembered_browser_delete_by_user", &changes);
	if (r == STORE_OK && ret_count != NULL)
		*ret_count = changes;
	return r;
}

static int
sq_access_token_delete_by_user(struct store *st, int64_t user_id, int64_t *ret_count)
{
	struct sq_store *s = sq_from(st);
	sqlite3_stmt *stmt = s->cur->stmt[SQ_ACCESS_TOKEN_DELETE_BY_USER];
	int changes = 0;
	int rc = SQLITE_OK;
	int r;

	sq_bind_i64(stmt, 1, user_id, &rc);
	if (rc != SQLITE_OK)
		return sq_bind_error(stmt, rc, "access_token_delete_by_user");
	r = sq_exec(s, stmt, "access_token_delete_by_user", &changes);
	if (r == STORE_OK && ret_count != NULL)
		*ret_count = changes;
	return r;
}

static int
sq_remembered_browser_delete_by_account(struct store *st, int64_t account_id)
{
	int r = sq_change_by_id(sq_from(st), SQ_BROWSER_DELETE_BY_ACCOUNT, account_id,
	    "remembered_browser_delete_by_account");

	return r == STORE_NOT_FOUND ? STORE_OK : r;
}

static int
sq_remembered_browser_touch(struct store *st, int64_t id, int64_t last_used)
{
	return sq_change_by_id_pair(sq_from(st), SQ_BROWSER_TOUCH, id, last_used,
	    "remembered_browser_touch");
}

static const struct store_ops sq_ops = {
	.name = "sqlite",
	.close = sq_close,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.schema_version = sq_schema_version,

	.account_create = sq_account_create,
	.account_get_by_alias = sq_account_get_by_alias,
	.account_get = sq_account_get,
	.account_count = sq_account_count,
	.account_delete = sq_account_delete,
	.account_set_passkey_logon = sq_account_set_passkey_logon,
	.account_settings_get = sq_account_settings_get,
	.account_settings_put = sq_account_settings_put,

	.user_create = sq_user_create,
	.user_get = sq_user_get,
	.user_get_by_name = sq_user_get_by_name,
	.user_get_owner = sq_user_get_owner,
	.user_list = sq_user_list,
	.user_update = sq_user_update,
	.user_delete = sq_user_delete,

	.login_profile_get = sq_login_profile_get,
	.login_profile_create = sq_login_profile_create,
	.login_profile_update = sq_login_profile_update,
	.login_profile_delete = sq_login_profile_delete,

	.mfa_device_create = sq_mfa_device_create,
	.mfa_device_get_by_user = sq_mfa_device_get_by_user,
	.mfa_device_get_by_serial = sq_mfa_device_get_by_serial,
	.mfa_device_bind = sq_mfa_device_bind,
	.mfa_device_use_step = sq_mfa_device_use_step,
	.mfa_device_delete = sq_mfa_device_delete,
	.mfa_device_list = sq_mfa_device_list,

	.session_create = sq_session_create,
	.session_get = sq_session_get,
	.session_touch = sq_session_touch,
	.session_set_mfa = sq_session_set_mfa,
	.session_delete = sq_session_delete,
	.session_delete_by_user = sq_session_delete_by_user,

	.challenge_create = sq_challenge_create,
	.challenge_get = sq_challenge_get,
	.challenge_add_attempt = sq_challenge_add_attempt,
	.challenge_delete = sq_challenge_delete,

	.failure_get = sq_failure_get,
	.failure_put = sq_failure_put,
	.failure_clear = sq_failure_clear,

	.passkey_create = sq_passkey_create,
	.passkey_get_by_credential = sq_passkey_get_by_credential,
	.passkey_get = sq_passkey_get,
	.passkey_list_by_user = sq_passkey_list_by_user,
	.passkey_count_by_user = sq_passkey_count_by_user,
	.passkey_rename = sq_passkey_rename,
	.passkey_delete = sq_passkey_delete,
	.passkey_use = sq_passkey_use,

	.webauthn_challenge_create = sq_webauthn_challenge_create,
	.webauthn_challenge_take = sq_webauthn_challenge_take,

	.security_email_get = sq_security_email_get,
	.security_email_put = sq_security_email_put,
	.security_email_delete = sq_security_email_delete,
	.security_email_count_by_address = sq_security_email_count_by_address,

	.email_code_replace = sq_email_code_replace,
	.email_code_get = sq_email_code_get,
	.email_code_add_attempt = sq_email_code_add_attempt,
	.email_code_delete = sq_email_code_delete,

	.email_send_record = sq_email_send_record,
	.email_send_record_to = sq_email_send_record_to,
	.email_send_stats = sq_email_send_stats,
	.email_send_stats_by_address = sq_email_send_stats_by_address,

	.outbox_enqueue = sq_outbox_enqueue,
	.outbox_next_due = sq_outbox_next_due,
	.outbox_claim = sq_outbox_claim,
	.outbox_next_attempt = sq_outbox_next_attempt,
	.outbox_mark_sent = sq_outbox_mark_sent,
	.outbox_mark_retry = sq_outbox_mark_retry,
	.outbox_mark_failed = sq_outbox_mark_failed,
	.outbox_count = sq_outbox_count,
	.outbox_list = sq_outbox_list,

	.purge_expired = sq_purge_expired,

	.audit_append = sq_audit_append,
	.audit_list = sq_audit_list,
	.audit_purge = sq_audit_purge,
	.audit_count_since = sq_audit_count_since,
	.account_get_login_networks = sq_account_get_login_networks,
	.account_set_login_networks = sq_account_set_login_networks,
	.password_policy_get = sq_password_policy_get,
	.password_policy_put = sq_password_policy_put,
	.password_history_add = sq_password_history_add,
	.password_history_list = sq_password_history_list,

	.account_set_save_mfa_ticket = sq_account_set_save_mfa_ticket,
	.session_list_by_user = sq_session_list_by_user,
	.session_delete_by_public_id = sq_session_delete_by_public_id,
	.session_revoke_by_user = sq_session_revoke_by_user,
	.access_token_create = sq_access_token_create,
	.access_token_get = sq_access_token_get,
	.access_token_list_by_user = sq_access_token_list_by_user,
	.access_token_delete = sq_access_token_delete,
	.access_token_touch = sq_access_token_touch,
	.remembered_browser_create = sq_remembered_browser_create,
	.remembered_browser_get = sq_remembered_browser_get,
	.remembered_browser_list_by_user = sq_remembered_browser_list_by_user,
	.remembered_browser_delete = sq_remembered_browser_delete,
	.remembered_browser_delete_by_user = sq_remembered_browser_delete_by_user,
	.access_token_delete_by_user = sq_access_token_delete_by_user,
	.remembered_browser_delete_by_account = sq_remembered_browser_delete_by_account,
	.remembered_browser_touch = sq_remembered_browser_touch,
};
