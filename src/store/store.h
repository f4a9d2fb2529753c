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

struct store_account {
	int64_t id;
	char alias[STORE_ALIAS_MAX + 1];
	int64_t created; /* Unix seconds */
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

struct store;

typedef int (*store_user_cb)(void *arg, const struct store_user *user);
typedef int (*store_mfa_device_cb)(void *arg, const struct store_mfa_device *dev,
    const struct store_user *user);

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

#define store_begin(st) ((st)->ops->begin(st))
#define store_commit(st) ((st)->ops->commit(st))
#define store_rollback(st) ((st)->ops->rollback(st))

#endif
