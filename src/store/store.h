/* SPDX-License-Identifier: MIT */
/*
 * Storage interface of mfad. Flow code calls the store_* functions below and
 * never sees which backend it has: each backend fills one struct store_ops.
 * A handle is used by one thread at a time; servers open one per worker.
 */
#ifndef MFAD_STORE_H
#define MFAD_STORE_H

#include <stddef.h>
#include <stdint.h>

/* Result codes of every store function. */
enum {
	STORE_OK = 0,
	STORE_NOT_FOUND = 1, /* no row matched */
	STORE_CONFLICT = 2,  /* a unique key exists, or a conditional update matched nothing */
	STORE_ERROR = -1,    /* the database failed; the backend has logged why */
};

#define STORE_ALIAS_MAX 63          /* bytes of an account alias */
#define STORE_NAME_MAX 64           /* bytes of a user logon name */
#define STORE_DISPLAY_NAME_MAX 512  /* bytes: 128 characters of up to 4 UTF-8 bytes */
/* Bytes of an encoded Argon2id hash: libsodium's crypto_pwhash_STRBYTES - 1. */
#define STORE_PW_HASH_MAX 127
#define STORE_SERIAL_MAX 160        /* bytes of a virtual MFA device serial number */
#define STORE_SECRET_ENC_MAX 192    /* bytes of an encrypted TOTP secret */
#define STORE_TOKEN_HASH_LEN 32     /* bytes: SHA-256 of a session token or challenge id */
#define STORE_PRINCIPAL_MAX 160     /* bytes of a normalized principal "name@alias" */
#define STORE_CREDENTIAL_ID_MAX 1023 /* bytes of a WebAuthn credential ID, the WebAuthn Level 3 limit */
#define STORE_COSE_KEY_MAX 2048     /* bytes of a credential public key in COSE_Key form */
#define STORE_AAGUID_LEN 16         /* bytes of an authenticator's AAGUID */
#define STORE_PASSKEY_NAME_CHARS 64 /* characters of a passkey name */
#define STORE_PASSKEY_NAME_MAX 256  /* bytes: 64 characters of up to 4 UTF-8 bytes */
#define STORE_TRANSPORTS_MAX 128    /* bytes of a comma-separated transports list */
#define STORE_FMT_MAX 32            /* bytes of an attestation statement format name */

struct store_account {
	int64_t id;
	char alias[STORE_ALIAS_MAX + 1];
	int64_t created; /* Unix seconds */
	/*
	 * 1 when users may log on with a passkey alone. account_create always
	 * stores 1, whatever this contains, and account_set_passkey_logon
	 * changes it.
	 */
	int passkey_logon;
};

struct store_user {
	int64_t id;
	int64_t account_id;
	char name[STORE_NAME_MAX + 1];
	char display_name[STORE_DISPLAY_NAME_MAX + 1];
	int is_owner; /* the account owner: logs on with the alias alone */
	int64_t created;
	int64_t updated;
};

struct store_login_profile {
	int64_t user_id;
	char password_hash[STORE_PW_HASH_MAX + 1];
	int reset_required;
	int mfa_bind_required;
	int64_t password_changed;
	int64_t created;
	int64_t updated;
};

struct store_mfa_device {
	int64_t id;
	int64_t user_id;
	char serial[STORE_SERIAL_MAX + 1];
	uint8_t secret_enc[STORE_SECRET_ENC_MAX]; /* AES-256-GCM sealed, see server/seal.h */
	size_t secret_enc_len;
	int algorithm;    /* mfa_otp_alg_t */
	int digits;
	int period;       /* seconds */
	int bound;        /* 0 while pending */
	int64_t last_step; /* last accepted TOTP step, -1 when none */
	int64_t created;
	int64_t bound_at; /* 0 while pending */
};

/* What a session may do. */
enum store_session_scope {
	SESSION_SCOPE_FULL = 0,
	SESSION_SCOPE_BIND_MFA = 1,      /* may only create and bind a virtual MFA device */
	SESSION_SCOPE_CHANGE_PASSWORD = 2, /* may only change its own password */
};

/* Factors a session has proven; a bit set. */
enum store_factor {
	FACTOR_PASSWORD = 1 << 0,
	FACTOR_TOTP = 1 << 1,
	FACTOR_PASSKEY = 1 << 2,
	FACTOR_USER_VERIFIED = 1 << 4,   /* the passkey's authenticator verified the user */
};

struct store_session {
	uint8_t token_hash[STORE_TOKEN_HASH_LEN];
	int64_t user_id;
	int scope;        /* enum store_session_scope */
	int factors;      /* enum store_factor bits */
	int64_t created;
	int64_t expires;  /* absolute expiry, Unix seconds */
	int64_t last_seen;
	int64_t mfa_at;   /* when a second factor was last proven, 0 if never */
};

/* Kinds of logon challenge. */
enum store_challenge_kind {
	CHALLENGE_MFA = 0, /* the password is proven; a second factor is due */
};

struct store_challenge {
	uint8_t id_hash[STORE_TOKEN_HASH_LEN];
	int64_t user_id;
	int kind;         /* enum store_challenge_kind */
	int attempts;     /* wrong second-factor codes so far */
	int64_t created;
	int64_t expires;
};

/* Consecutive logon failures of one principal, known user or not. */
struct store_failure {
	char principal[STORE_PRINCIPAL_MAX + 1];
	int failures;
	int64_t locked_until; /* 0 when not locked */
	int64_t last_failure;
};

/*
 * A WebAuthn credential (passkey) registered to a user. The flags are those
 * of the registration's authenticatorData; backup_state is updated by every
 * passkey_use.
 */
struct store_passkey {
	int64_t id;
	int64_t user_id;
	uint8_t credential_id[STORE_CREDENTIAL_ID_MAX];
	size_t credential_id_len;   /* 1 to STORE_CREDENTIAL_ID_MAX */
	uint8_t public_key[STORE_COSE_KEY_MAX]; /* COSE_Key bytes */
	size_t public_key_len;      /* 1 to STORE_COSE_KEY_MAX */
	int algorithm;              /* COSE algorithm identifier, such as -7 for ES256 */
	int64_t sign_count;         /* signature counter, 0 to UINT32_MAX */
	uint8_t aaguid[STORE_AAGUID_LEN];
	char transports[STORE_TRANSPORTS_MAX + 1]; /* such as "hybrid,internal", may be empty */
	int backup_eligible;        /* BE flag, 0 or 1 */
	int backup_state;           /* BS flag, 0 or 1 */
	int user_verified;          /* UV flag at registration, 0 or 1 */
	char fmt[STORE_FMT_MAX + 1]; /* attestation statement format, such as "none" */
	/*
	 * 1 to STORE_PASSKEY_NAME_CHARS characters, unique per user ignoring
	 * ASCII case. NOTE: SQLite's NOCASE folds ASCII letters only, so "Ä"
	 * and "ä" count as different names.
	 */
	char name[STORE_PASSKEY_NAME_MAX + 1];
	int64_t created;
	int64_t last_used;          /* 0 if never used */
};

/* The unique key that a passkey_create conflicted on. */
enum store_passkey_conflict {
	PASSKEY_CONFLICT_NONE = 0,
	PASSKEY_CONFLICT_CREDENTIAL_ID = 1, /* some user, maybe this one, has the credential ID */
	PASSKEY_CONFLICT_NAME = 2,          /* the user has a passkey of that name */
};

/* The ceremony a WebAuthn challenge was issued for. */
enum store_webauthn_ceremony {
	WEBAUTHN_CEREMONY_REGISTRATION = 0,
	WEBAUTHN_CEREMONY_SECOND_FACTOR = 1, /* an assertion after the password step */
	WEBAUTHN_CEREMONY_PASSWORDLESS = 2,  /* an assertion with a discoverable credential */
};

/* The userVerification value a ceremony was started with. */
enum store_webauthn_uv {
	WEBAUTHN_UV_DISCOURAGED = 0,
	WEBAUTHN_UV_PREFERRED = 1,
	WEBAUTHN_UV_REQUIRED = 2,
};

/*
 * A pending WebAuthn ceremony, keyed by the SHA-256 of its 32-byte
 * challenge. Registration needs user_id and session_hash. A second factor
 * needs user_id and mfa_challenge_hash. An id of 0 is stored as NULL and
 * means none.
 */
struct store_webauthn_challenge {
	uint8_t challenge_hash[STORE_TOKEN_HASH_LEN];
	int kind;                   /* enum store_webauthn_ceremony */
	int64_t user_id;            /* 0 for a passwordless ceremony that names no user */
	int64_t account_id;         /* 0 when none */
	int has_session_hash;
	uint8_t session_hash[STORE_TOKEN_HASH_LEN]; /* the session that started a registration */
	int has_mfa_challenge_hash;
	/* The logon challenge of the password step, for a second factor. */
	uint8_t mfa_challenge_hash[STORE_TOKEN_HASH_LEN];
	int user_verification;      /* enum store_webauthn_uv */
	int64_t created;
	int64_t expires;
};

struct store;

typedef int (*store_user_cb)(void *arg, const struct store_user *user);
typedef int (*store_mfa_device_cb)(void *arg, const struct store_mfa_device *dev,
    const struct store_user *user);
typedef int (*store_passkey_cb)(void *arg, const struct store_passkey *pk);

/*
 * One backend. Every function returns a STORE_* code unless noted. Creates
 * return STORE_CONFLICT on a unique key. Gets and single-row updates or
 * deletes return STORE_NOT_FOUND when no row matched. Deletes of many rows
 * (session_delete_by_user, failure_clear, purge_expired) return STORE_OK even
 * when nothing matched. A list callback must not call the same list function
 * on the same handle.
 */
struct store_ops {
	const char *name;
	void (*close)(struct store *st);

	/* A write transaction (BEGIN IMMEDIATE on SQLite); they do not nest. */
	int (*begin)(struct store *st);
	int (*commit)(struct store *st);
	int (*rollback)(struct store *st);

	int (*schema_version)(struct store *st, int *ret_version);

	int (*account_create)(struct store *st, struct store_account *acct);
	int (*account_get_by_alias)(struct store *st, const char *alias, struct store_account *ret);
	int (*account_get)(struct store *st, int64_t id, struct store_account *ret);
	int (*account_count)(struct store *st, int64_t *ret_count);
	/* Delete an account with its users and everything they own. */
	int (*account_delete)(struct store *st, int64_t id);
	/* Allow (on = 1) or forbid (on = 0) passwordless logon with passkeys in an account. */
	int (*account_set_passkey_logon)(struct store *st, int64_t id, int on);

	int (*user_create)(struct store *st, struct store_user *user);
	int (*user_get)(struct store *st, int64_t id, struct store_user *ret);
	int (*user_get_by_name)(struct store *st, int64_t account_id, const char *name,
	    struct store_user *ret);
	int (*user_get_owner)(struct store *st, int64_t account_id, struct store_user *ret);
	int (*user_list)(struct store *st, int64_t account_id, const char *after_name, int limit,
	    store_user_cb cb, void *arg);
	int (*user_update)(struct store *st, const struct store_user *user);
	int (*user_delete)(struct store *st, int64_t id);

	int (*login_profile_get)(struct store *st, int64_t user_id, struct store_login_profile *ret);
	int (*login_profile_create)(struct store *st, const struct store_login_profile *lp);
	int (*login_profile_update)(struct store *st, const struct store_login_profile *lp);
	int (*login_profile_delete)(struct store *st, int64_t user_id);

	int (*mfa_device_create)(struct store *st, struct store_mfa_device *dev);
	int (*mfa_device_get_by_user)(struct store *st, int64_t user_id, struct store_mfa_device *ret);
	int (*mfa_device_get_by_serial)(struct store *st, const char *serial,
	    struct store_mfa_device *ret);
	/* Bind a pending device: STORE_NOT_FOUND when it is gone or already bound. */
	int (*mfa_device_bind)(struct store *st, int64_t id, int64_t last_step, int64_t bound_at);
	/* Accept step once: STORE_CONFLICT unless the device is bound and step > last_step. */
	int (*mfa_device_use_step)(struct store *st, int64_t id, int64_t step);
	int (*mfa_device_delete)(struct store *st, int64_t id);
	int (*mfa_device_list)(struct store *st, int64_t account_id, const char *after_serial,
	    int limit, store_mfa_device_cb cb, void *arg);

	int (*session_create)(struct store *st, const struct store_session *s);
	int (*session_get)(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN],
	    struct store_session *ret);
	int (*session_touch)(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN],
	    int64_t last_seen);
	int (*session_delete)(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN]);
	/* Also deletes the user's logon challenges: whatever the old password started ends. */
	int (*session_delete_by_user)(struct store *st, int64_t user_id);

	int (*challenge_create)(struct store *st, const struct store_challenge *c);
	int (*challenge_get)(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN],
	    struct store_challenge *ret);
	int (*challenge_add_attempt)(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN],
	    int *ret_attempts);
	int (*challenge_delete)(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN]);

	int (*failure_get)(struct store *st, const char *principal, struct store_failure *ret);
	int (*failure_put)(struct store *st, const struct store_failure *f);
	int (*failure_clear)(struct store *st, const char *principal);

	/*
	 * Register a passkey and set pk->id. STORE_CONFLICT when the credential
	 * ID is taken (by any user) or the user has a passkey of that name.
	 * *ret_conflict (may be NULL) then names the key, checking the credential
	 * ID first, and is PASSKEY_CONFLICT_NONE otherwise. Lengths outside the
	 * limits of struct store_passkey, a name of more than
	 * STORE_PASSKEY_NAME_CHARS characters, or an unknown user give STORE_ERROR.
	 */
	int (*passkey_create)(struct store *st, struct store_passkey *pk, int *ret_conflict);
	/*
	 * Find a passkey by credential ID, for an assertion; ret->user_id names
	 * its owner. STORE_NOT_FOUND also for a NULL credential_id or a length
	 * of 0 or more than STORE_CREDENTIAL_ID_MAX, which no stored passkey
	 * can have.
	 */
	int (*passkey_get_by_credential)(struct store *st, const uint8_t *credential_id, size_t len,
	    struct store_passkey *ret);
	int (*passkey_get)(struct store *st, int64_t id, struct store_passkey *ret);
	/* Call cb for each of the user's passkeys, oldest first, until cb returns non-zero. */
	int (*passkey_list_by_user)(struct store *st, int64_t user_id, store_passkey_cb cb, void *arg);
	int (*passkey_count_by_user)(struct store *st, int64_t user_id, int64_t *ret_count);
	/*
	 * Rename the user's passkey id. STORE_CONFLICT when the user has another
	 * passkey of that name, STORE_NOT_FOUND when id is not the user's.
	 */
	int (*passkey_rename)(struct store *st, int64_t id, int64_t user_id, const char *name);
	/* Delete the user's passkey id: STORE_NOT_FOUND when id is not the user's. */
	int (*passkey_delete)(struct store *st, int64_t id, int64_t user_id);
	/*
	 * Record an accepted assertion: set the counter to new_count, the stored
	 * BS flag to backup_state and last_used, only if the counter still is
	 * old_count. This is one conditional UPDATE, so of parallel assertions
	 * read at one counter value only one gets STORE_OK. The others, and a
	 * passkey that is gone, get STORE_CONFLICT. The caller checks that
	 * new_count is greater than old_count unless both are 0. When both are
	 * 0 every call succeeds, and only the single-use challenge stops a replay.
	 * A new_count outside 0 to UINT32_MAX, or backup_state 1 on a passkey
	 * that is not backup eligible, gives STORE_ERROR.
	 */
	int (*passkey_use)(struct store *st, int64_t id, int64_t old_count, int64_t new_count,
	    int backup_state, int64_t last_used);

	/*
	 * Store a pending ceremony. STORE_CONFLICT when the challenge hash
	 * exists. A kind or user_verification outside its enum, or a missing
	 * field that the kind needs, gives STORE_ERROR.
	 */
	int (*webauthn_challenge_create)(struct store *st, const struct store_webauthn_challenge *c);
	/*
	 * Delete the challenge and return it, in one statement, so a challenge
	 * can be taken once: STORE_NOT_FOUND when it is gone or was never
	 * issued. An expired challenge is still returned; the caller must
	 * compare ret->expires with the current time.
	 */
	int (*webauthn_challenge_take)(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN],
	    struct store_webauthn_challenge *ret);

	/* Also deletes expired WebAuthn challenges. */
	int (*purge_expired)(struct store *st, int64_t now);
};

/* The head of every backend's handle. */
struct store {
	const struct store_ops *ops;
};

/* Options for opening a store. */
struct store_options {
	int synchronous_full; /* 1: SQLite synchronous=FULL (the default); 0: NORMAL */
	int busy_timeout_ms;  /* how long a writer waits for the lock */
};

/*
 * Open the store at url: "sqlite:PATH" or a bare PATH for SQLite. Creates
 * the database when missing and runs pending migrations, each in its own
 * transaction. Returns STORE_OK or STORE_ERROR and logs why.
 */
int store_open(const char *url, const struct store_options *opt, struct store **ret);

/* Close *st and set it to NULL. Accepts NULL. */
void store_close(struct store **st);

/* The schema version this build migrates to. */
int store_schema_latest(void);

/*
 * Run fn inside a write transaction, committing when it returns STORE_OK and
 * rolling back otherwise. Returns what fn returned, or STORE_ERROR when the
 * transaction itself fails.
 */
int store_tx(struct store *st, int (*fn)(struct store *st, void *arg), void *arg);

/*
 * Check a passkey against the limits of struct store_passkey before a
 * backend stores it: lengths, the name (store_passkey_name_check), a
 * signature counter of 0 to UINT32_MAX, and no BS flag without the BE flag.
 * Logs what is wrong, under op, and returns STORE_ERROR, else STORE_OK.
 */
int store_passkey_check(const struct store_passkey *pk, const char *op);

/*
 * Check a passkey name: a NUL within STORE_PASSKEY_NAME_MAX + 1 bytes, and
 * 1 to STORE_PASSKEY_NAME_CHARS characters, which are code points for valid
 * UTF-8. Logs what is wrong, under op, and returns STORE_ERROR, else
 * STORE_OK.
 */
int store_passkey_name_check(const char *name, const char *op);

/*
 * Check a WebAuthn challenge before a backend stores it: kind and
 * user_verification within their enums, no negative id, and the fields its
 * kind needs. Logs what is wrong, under op, and returns STORE_ERROR, else
 * STORE_OK.
 */
int store_webauthn_challenge_check(const struct store_webauthn_challenge *c, const char *op);

#define store_begin(st) ((st)->ops->begin(st))
#define store_commit(st) ((st)->ops->commit(st))
#define store_rollback(st) ((st)->ops->rollback(st))

#endif
