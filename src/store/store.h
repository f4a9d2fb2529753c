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
#define STORE_NETWORKS_MAX 2047    /* bytes of an account's logon network list */
#define STORE_PRINCIPAL_MAX 160     /* bytes of a normalized principal "name@alias" */
#define STORE_CREDENTIAL_ID_MAX 1023 /* bytes of a WebAuthn credential ID, the WebAuthn Level 3 limit */
#define STORE_COSE_KEY_MAX 2048     /* bytes of a credential public key in COSE_Key form */
#define STORE_AAGUID_LEN 16         /* bytes of an authenticator's AAGUID */
#define STORE_PASSKEY_NAME_CHARS 64 /* characters of a passkey name */
#define STORE_PASSKEY_NAME_MAX 256  /* bytes: 64 characters of up to 4 UTF-8 bytes */
#define STORE_TRANSPORTS_MAX 128    /* bytes of a comma-separated transports list */
#define STORE_FMT_MAX 32            /* bytes of an attestation statement format name */
#define STORE_EMAIL_MAX 254         /* bytes of an address: the RFC 5321 path limit less "<>" */
#define STORE_MESSAGE_ID_MAX 127    /* bytes of an outbox Message-ID, without "<>" */
#define STORE_OUTBOX_ERROR_MAX 255  /* bytes of an outbox message's last delivery error */
#define STORE_OUTBOX_DATA_MAX (64 * 1024) /* bytes of an outbox message as stored */
#define STORE_OUTBOX_KEEP (30 * 86400) /* seconds sent and failed outbox rows are kept */
#define STORE_AUDIT_SRC_MAX 63      /* bytes of a client address: INET6_ADDRSTRLEN fits */
#define STORE_AUDIT_UA_MAX 255      /* bytes of a quoted, cut User-Agent */
#define STORE_AUDIT_EVENT_MAX 47    /* bytes of an event name: [a-z0-9_] */
#define STORE_AUDIT_OUTCOME_MAX 15  /* bytes of an outcome: "success" or "failure" */
#define STORE_AUDIT_DETAIL_MAX 255  /* bytes of an event's detail text */
#define STORE_AUDIT_LIST_MAX 10000  /* rows one audit_list call returns at most */
#define STORE_SESSION_ID_LEN 32     /* hex characters of a session's public id: 128 random bits */
#define STORE_TOKEN_DESCRIPTION_MAX 255 /* bytes of an access token's description */

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
	/*
	 * 1 when LoginMFA may remember a browser so that its next logon skips
	 * the second factor. account_create always stores 0, and
	 * account_set_save_mfa_ticket changes it.
	 */
	int save_mfa_ticket;
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
	FACTOR_EMAIL = 1 << 3,    /* a code sent to the security email address: the weakest factor */
	FACTOR_USER_VERIFIED = 1 << 4,   /* the passkey's authenticator verified the user */
	/* A remembered browser stood in for the second factor: never counts as a step-up. */
	FACTOR_REMEMBERED = 1 << 5,
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
	/* Random hex id that names the session in lists and RevokeSession; never the token. */
	char public_id[STORE_SESSION_ID_LEN + 1];
	char src[STORE_AUDIT_SRC_MAX + 1];       /* client address at creation */
	char user_agent[STORE_AUDIT_UA_MAX + 1]; /* quoted User-Agent at creation, or empty */
	/* When each second factor was last proven in the session, Unix seconds, 0 if never. */
	int64_t totp_at;
	int64_t passkey_at;
	int64_t email_at;
	int64_t idle_timeout; /* seconds without a request that end it, 0: security.session_idle */
};

/*
 * An API token: 256 random bits shown once at creation, stored only as the
 * SHA-256 of its text, bound to one user and expiring at expires.
 */
struct store_access_token {
	int64_t id;                             /* set by access_token_create, never reused */
	uint8_t token_hash[STORE_TOKEN_HASH_LEN];
	int64_t user_id;
	char description[STORE_TOKEN_DESCRIPTION_MAX + 1];
	int64_t created;
	int64_t expires;
	int64_t last_used;                      /* 0 if never used */
};

/*
 * A browser whose second factor is remembered: the SHA-256 of the random
 * value in its cookie, bound to one user until expires.
 */
struct store_remembered_browser {
	int64_t id;                             /* set by remembered_browser_create, never reused */
	uint8_t token_hash[STORE_TOKEN_HASH_LEN];
	int64_t user_id;
	char user_agent[STORE_AUDIT_UA_MAX + 1]; /* quoted User-Agent at creation, or empty */
	int64_t created;
	int64_t expires;
	int64_t last_used;                      /* 0 if never used */
};

/* Limits of the account settings that SetSecurityPreference checks and the schema CHECKs. */
#define STORE_SESSION_HOURS_MIN 1
#define STORE_SESSION_HOURS_MAX 24
#define STORE_SESSION_HOURS_DEFAULT 6
#define STORE_IDLE_MINUTES_MIN 5
#define STORE_IDLE_MINUTES_MAX 1440

/*
 * Security settings of an account. An account without a stored row has
 * the values of store_account_settings_default. Flags are 0 or 1.
 */
struct store_account_settings {
	int64_t account_id;
	int mfa_mandatory;          /* every user must have a second factor to log on */
	int allow_change_password;  /* users other than the owner may change their password */
	int session_hours;          /* STORE_SESSION_HOURS_MIN..MAX: lifetime of a full session */
	int idle_minutes;           /* STORE_IDLE_MINUTES_MIN..MAX, or 0: security.session_idle */
	int allow_manage_mfa;       /* users may create and bind their virtual MFA device */
	int allow_manage_passkeys;  /* users may register, rename and delete their passkeys */
	int allow_manage_email;     /* users may set, verify and delete their security email */
	int allow_email_logon;      /* an email code may be the second factor of a logon */
	int allow_email_step_up;    /* an email code may be the proof of a step-up */
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

/*
 * An account's password policy. server/pwpolicy.h gives the meaning and
 * ranges, and the table's CHECK constraints repeat the ranges.
 */
struct store_password_policy {
	int64_t account_id;
	int min_length;            /* code points */
	int required_classes;      /* PWPOLICY_CLASS_* bits */
	int max_age_days;          /* 0: passwords never expire */
	int hard_expiry;           /* 1: an expired password no longer logs on */
	int reuse_prevention;      /* previous passwords a new one must differ from */
	int lockout_attempts;      /* failed logons before a one-hour lock, 0: off */
	int not_contain_user_name; /* 1: a password must not contain the user name */
	int64_t updated;
};

/* Previous password hashes kept per user: the maximum PasswordReusePrevention. */
#define STORE_PASSWORD_HISTORY_MAX 24

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
 * needs user_id and mfa_challenge_hash, which is the hash of the logon
 * challenge, or for a step-up the hash of the session's token. Both are
 * SHA-256 of 256 random bits, so a logon and a step-up never match each
 * other's hash. An id of 0 is stored as NULL and means none.
 */
struct store_webauthn_challenge {
	uint8_t challenge_hash[STORE_TOKEN_HASH_LEN];
	int kind;                   /* enum store_webauthn_ceremony */
	int64_t user_id;            /* 0 for a passwordless ceremony that names no user */
	int64_t account_id;         /* 0 when none */
	int has_session_hash;
	uint8_t session_hash[STORE_TOKEN_HASH_LEN]; /* the session that started a registration */
	int has_mfa_challenge_hash;
	/* The logon challenge of the password step, or the step-up's session. */
	uint8_t mfa_challenge_hash[STORE_TOKEN_HASH_LEN];
	int user_verification;      /* enum store_webauthn_uv */
	int64_t created;
	int64_t expires;
};

/* The purpose of an email code. */
enum store_email_purpose {
	EMAIL_CODE_VERIFY = 0,  /* confirms the address before it becomes the security email */
	EMAIL_CODE_LOGON = 1,   /* the second factor of a logon */
	EMAIL_CODE_STEP_UP = 2, /* proof for a sensitive action in a session */
};

/*
 * A user's security email address: verified, and one per user. Addresses
 * must be non-empty and contain no control byte (below 0x20, or 0x7f).
 */
struct store_security_email {
	int64_t user_id;
	int64_t account_id;                     /* the user's account */
	char address[STORE_EMAIL_MAX + 1];      /* as normalized: trimmed, domain lower-cased */
	char address_key[STORE_EMAIL_MAX + 1];  /* the address lower-cased whole, for comparisons */
	int64_t created;
	int64_t verified_at;
};

/*
 * The one live code of a user for a purpose. The store keeps only the
 * server's HMAC of the code, never the code itself.
 */
struct store_email_code {
	int64_t id;                             /* set by email_code_replace, never reused */
	int64_t user_id;
	int purpose;                            /* enum store_email_purpose */
	char address[STORE_EMAIL_MAX + 1];      /* where the code went */
	char address_key[STORE_EMAIL_MAX + 1];
	uint8_t code_hash[STORE_TOKEN_HASH_LEN];
	int attempts;                           /* wrong codes entered so far */
	int64_t created;
	int64_t expires;
	/* The logon challenge of the password step: required for EMAIL_CODE_LOGON. */
	int has_logon_hash;
	uint8_t logon_hash[STORE_TOKEN_HASH_LEN];
};

/* Delivery states of an outbox message. */
enum store_outbox_state {
	OUTBOX_QUEUED = 0, /* waiting for its first or next attempt */
	OUTBOX_SENT = 1,   /* accepted by the SMTP server or written to the maildir */
	OUTBOX_FAILED = 2, /* rejected for good, expired, or retried for too long */
};

/*
 * A mail waiting for delivery, or the record of one delivered or given up.
 * data is what the server queued (mfad seals it with the master key) and is
 * dropped when the message leaves OUTBOX_QUEUED, because it may contain a code.
 */
struct store_outbox_message {
	int64_t id;                             /* set by outbox_enqueue */
	char recipient[STORE_EMAIL_MAX + 1];
	char message_id[STORE_MESSAGE_ID_MAX + 1]; /* "random@domain", unique */
	/*
	 * outbox_enqueue reads data_len bytes (1 to STORE_OUTBOX_DATA_MAX) and
	 * does not keep the pointer. outbox_next_due returns a malloc'd copy,
	 * which the caller releases with store_outbox_message_clear(). Lists
	 * return NULL.
	 */
	char *data;
	size_t data_len;
	int state;                              /* enum store_outbox_state */
	int attempts;                           /* delivery attempts made */
	int64_t created;
	int64_t next_attempt;                   /* when a queued message is due */
	int64_t expires;                        /* give up after this time; 0: no expiry */
	int64_t sent_at;                        /* 0 unless sent */
	char last_error[STORE_OUTBOX_ERROR_MAX + 1]; /* empty when none */
};

struct store;

typedef int (*store_user_cb)(void *arg, const struct store_user *user);
typedef int (*store_mfa_device_cb)(void *arg, const struct store_mfa_device *dev,
    const struct store_user *user);
typedef int (*store_passkey_cb)(void *arg, const struct store_passkey *pk);
typedef int (*store_outbox_cb)(void *arg, const struct store_outbox_message *msg);
typedef int (*store_session_cb)(void *arg, const struct store_session *s);
typedef int (*store_access_token_cb)(void *arg, const struct store_access_token *t);
typedef int (*store_remembered_browser_cb)(void *arg, const struct store_remembered_browser *b);

/*
 * One audit record: a security event of an account. Ids of 0 mean none
 * (stored as NULL): a failed logon of an unknown name has no user, and a
 * name in an unknown account has no account either. Ids are kept after the
 * account or user they name is deleted. No field may contain a secret.
 */
struct store_audit_event {
	int64_t id;          /* set by audit_append; grows with every append, never reused */
	int64_t time;        /* Unix seconds */
	int64_t account_id;
	int64_t user_id;     /* the subject: whose logon, factor or profile */
	int64_t actor_id;    /* who did it: the subject, the owner, or 0 for an anonymous client */
	char src[STORE_AUDIT_SRC_MAX + 1];         /* client address, "local" for mfactl */
	char user_agent[STORE_AUDIT_UA_MAX + 1];   /* quoted User-Agent, or empty */
	char event[STORE_AUDIT_EVENT_MAX + 1];     /* such as "logon_success" */
	char outcome[STORE_AUDIT_OUTCOME_MAX + 1]; /* "success" or "failure" */
	char detail[STORE_AUDIT_DETAIL_MAX + 1];   /* key=value words, may be empty */
};

/* A selection of audit records for audit_list. Fields of 0 or NULL match every row. */
struct store_audit_filter {
	int64_t account_id;  /* required: records of this account only */
	int64_t user_id;     /* the subject */
	const char *event;
	int64_t since;       /* time >= since */
	int64_t until;       /* time <= until */
};

typedef int (*store_audit_cb)(void *arg, const struct store_audit_event *e);
/* Receives one stored Argon2id password hash. Return non-zero to stop. */
typedef int (*store_password_hash_cb)(void *arg, const char *hash);

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
	/* The settings of account_id, or STORE_NOT_FOUND while it has the defaults. */
	int (*account_settings_get)(struct store *st, int64_t account_id,
	    struct store_account_settings *ret);
	/* Insert or replace the settings of s->account_id. */
	int (*account_settings_put)(struct store *st, const struct store_account_settings *s);

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
	/*
	 * Add the factors bits to the session's factors and set its mfa_at and
	 * the proof time of each second factor in factors: a step-up.
	 */
	int (*session_set_mfa)(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN],
	    int factors, int64_t mfa_at);
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

	/* Security email addresses (see struct store_security_email). */
	int (*security_email_get)(struct store *st, int64_t user_id, struct store_security_email *ret);
	/*
	 * Insert or replace the user's address. STORE_NOT_FOUND when the user
	 * does not exist in e->account_id. An invalid address gives STORE_ERROR.
	 */
	int (*security_email_put)(struct store *st, const struct store_security_email *e);
	int (*security_email_delete)(struct store *st, int64_t user_id);
	/*
	 * Count the users of account_id whose address_key is address_key,
	 * leaving out exclude_user_id (0 leaves out none).
	 */
	int (*security_email_count_by_address)(struct store *st, int64_t account_id,
	    const char *address_key, int64_t exclude_user_id, int64_t *ret_count);

	/*
	 * Delete the user's code for code->purpose, if any, insert code and set
	 * code->id, in one savepoint. An id is never given out again, so a
	 * delete of a replaced code gets STORE_NOT_FOUND. An unknown purpose,
	 * invalid address, negative attempts, or EMAIL_CODE_LOGON without
	 * has_logon_hash give STORE_ERROR.
	 */
	int (*email_code_replace)(struct store *st, struct store_email_code *code);
	/*
	 * The user's code for purpose. An expired code is still returned; the
	 * caller compares ret->expires with the current time.
	 */
	int (*email_code_get)(struct store *st, int64_t user_id, int purpose,
	    struct store_email_code *ret);
	/* Count one more wrong code, atomically, and return the new count. */
	int (*email_code_add_attempt)(struct store *st, int64_t id, int *ret_attempts);
	/*
	 * Spend a code: STORE_NOT_FOUND when it is already gone. Run it in the
	 * transaction that acts on the code, so of two requests with one code
	 * only one succeeds.
	 */
	int (*email_code_delete)(struct store *st, int64_t id);

	/* Record a code mail sent to the user at time at, for rate limits. */
	int (*email_send_record)(struct store *st, int64_t user_id, int64_t at);
	/*
	 * As email_send_record, also recording the address_key the mail went
	 * to, so email_send_stats_by_address counts it.
	 */
	int (*email_send_record_to)(struct store *st, int64_t user_id, const char *address_key,
	    int64_t at);
	/*
	 * Count the user's records at or after since, and the time of the last
	 * one (0 when none, *ret_count is then 0).
	 */
	int (*email_send_stats)(struct store *st, int64_t user_id, int64_t since,
	    int64_t *ret_count, int64_t *ret_last_at);
	/* As email_send_stats, over records of every user to address_key. */
	int (*email_send_stats_by_address)(struct store *st, const char *address_key,
	    int64_t since, int64_t *ret_count, int64_t *ret_last_at);

	/*
	 * Queue msg (state, attempts, sent_at and last_error are ignored: it
	 * starts OUTBOX_QUEUED with no attempt) and set msg->id. Call it in the
	 * transaction that makes the change the mail reports, so both commit
	 * or neither. STORE_CONFLICT when the message_id exists. Invalid fields
	 * give STORE_ERROR.
	 */
	int (*outbox_enqueue)(struct store *st, struct store_outbox_message *msg);
	/*
	 * The queued message due first at now (next_attempt <= now), oldest
	 * first, with its data. STORE_NOT_FOUND when none is due. Release ret
	 * with store_outbox_message_clear().
	 */
	int (*outbox_next_due)(struct store *st, int64_t now, struct store_outbox_message *ret);
	/*
	 * As outbox_next_due, and move the message's next_attempt to
	 * lease_until in the same statement, so no other sender takes it
	 * while this one delivers it. ret->next_attempt is lease_until. The
	 * sender then marks the message sent, failed or for a retry, which
	 * ends the lease. A sender that dies meanwhile leaves the message due
	 * again at lease_until.
	 */
	int (*outbox_claim)(struct store *st, int64_t now, int64_t lease_until,
	    struct store_outbox_message *ret);
	/* The earliest next_attempt of any queued message: STORE_NOT_FOUND when none is queued. */
	int (*outbox_next_attempt)(struct store *st, int64_t *ret_at);
	/*
	 * Record a delivery and drop the data. STORE_NOT_FOUND unless the
	 * message is queued, as when another process delivered it first.
	 */
	int (*outbox_mark_sent)(struct store *st, int64_t id, int64_t at);
	/* Record a failed attempt of a queued message and when to try again. */
	int (*outbox_mark_retry)(struct store *st, int64_t id, int attempts, int64_t next_attempt,
	    const char *error);
	/* Give a queued message up and drop its data. */
	int (*outbox_mark_failed)(struct store *st, int64_t id, const char *error);
	int (*outbox_count)(struct store *st, int state, int64_t *ret_count);
	/*
	 * Call cb for at most limit messages in state with at least
	 * min_attempts attempts, newest first, without their data, until cb
	 * returns non-zero.
	 */
	int (*outbox_list)(struct store *st, int state, int min_attempts, int limit,
	    store_outbox_cb cb, void *arg);

	/*
	 * Also deletes expired WebAuthn challenges and email codes, email send
	 * records more than a day old, and sent or failed outbox messages more
	 * than STORE_OUTBOX_KEEP seconds old.
	 */
	int (*purge_expired)(struct store *st, int64_t now);

	/*
	 * The audit log is append-only: no operation changes or deletes one
	 * record, and the SQLite schema rejects an UPDATE. audit_append
	 * checks e with store_audit_event_check, stores it and sets e->id.
	 * Call it in the transaction of the change it records, so both
	 * commit or neither.
	 */
	int (*audit_append)(struct store *st, struct store_audit_event *e);
	/*
	 * Call cb for at most limit (1 to STORE_AUDIT_LIST_MAX) records that
	 * match f and have an id above after_id, in id order (oldest first),
	 * until cb returns non-zero. f->account_id must be positive.
	 */
	int (*audit_list)(struct store *st, const struct store_audit_filter *f, int64_t after_id,
	    int limit, store_audit_cb cb, void *arg);
	/* The retention purge: delete the records older than before (Unix seconds). */
	int (*audit_purge)(struct store *st, int64_t before);
	/*
	 * Count the records of event about user_id in account_id that were
	 * appended after the user's latest since_event record (all of them when
	 * there is none).
	 */
	int (*audit_count_since)(struct store *st, int64_t account_id, int64_t user_id,
	    const char *event, const char *since_event, int64_t *ret_count);

	/*
	 * The networks an account's users may log on from, as the text
	 * netpolicy_list_format() writes; empty means every address.
	 * STORE_NOT_FOUND when the account does not exist.
	 */
	int (*account_get_login_networks)(struct store *st, int64_t id,
	    char ret[STORE_NETWORKS_MAX + 1]);
	int (*account_set_login_networks)(struct store *st, int64_t id, const char *text);

	/* The account's policy: STORE_NOT_FOUND when the owner never set one. */
	int (*password_policy_get)(struct store *st, int64_t account_id,
	    struct store_password_policy *ret);
	/* Insert or replace the account's policy. Values out of range give STORE_ERROR. */
	int (*password_policy_put)(struct store *st, const struct store_password_policy *p);
	/*
	 * Add a password hash to the user's history and delete all but the
	 * newest STORE_PASSWORD_HISTORY_MAX entries, in one savepoint.
	 */
	int (*password_history_add)(struct store *st, int64_t user_id, const char *hash,
	    int64_t created);
	/* Call cb for at most limit of the user's previous hashes, newest first. */
	int (*password_history_list)(struct store *st, int64_t user_id, int limit,
	    store_password_hash_cb cb, void *arg);

	/* Allow (on = 1) or forbid (on = 0) remembered browsers in an account. */
	int (*account_set_save_mfa_ticket)(struct store *st, int64_t id, int on);

	/*
	 * Sessions by public id. session_list_by_user calls cb for each of the
	 * user's sessions that have not expired at now (absolute expiry only),
	 * newest first, until cb returns non-zero.
	 */
	int (*session_list_by_user)(struct store *st, int64_t user_id, int64_t now,
	    store_session_cb cb, void *arg);
	/* Delete the user's session public_id: STORE_NOT_FOUND when it is not the user's. */
	int (*session_delete_by_public_id)(struct store *st, int64_t user_id, const char *public_id);
	/*
	 * Delete the user's sessions except keep (NULL keeps none) and the
	 * user's logon challenges. *ret_count (may be NULL) gets the number of
	 * sessions deleted.
	 */
	int (*session_revoke_by_user)(struct store *st, int64_t user_id,
	    const uint8_t *keep_hash, int64_t *ret_count);

	/* API tokens (see struct store_access_token). Create sets t->id. */
	int (*access_token_create)(struct store *st, struct store_access_token *t);
	int (*access_token_get)(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN],
	    struct store_access_token *ret);
	/* Call cb for each of the user's tokens not expired at now, oldest first. */
	int (*access_token_list_by_user)(struct store *st, int64_t user_id, int64_t now,
	    store_access_token_cb cb, void *arg);
	/* Delete the user's token id: STORE_NOT_FOUND when id is not the user's. */
	int (*access_token_delete)(struct store *st, int64_t id, int64_t user_id);
	int (*access_token_touch)(struct store *st, int64_t id, int64_t last_used);

	/* Remembered browsers (see struct store_remembered_browser). Create sets b->id. */
	int (*remembered_browser_create)(struct store *st, struct store_remembered_browser *b);
	int (*remembered_browser_get)(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN],
	    struct store_remembered_browser *ret);
	/* Call cb for each of the user's browsers not expired at now, newest first. */
	int (*remembered_browser_list_by_user)(struct store *st, int64_t user_id, int64_t now,
	    store_remembered_browser_cb cb, void *arg);
	/* Delete the user's browser id: STORE_NOT_FOUND when id is not the user's. */
	int (*remembered_browser_delete)(struct store *st, int64_t id, int64_t user_id);
	/*
	 * Delete every remembered browser of the user, for a password change or
	 * a reset of the user's MFA. *ret_count (may be NULL) gets how many.
	 */
	int (*remembered_browser_delete_by_user)(struct store *st, int64_t user_id,
	    int64_t *ret_count);
	/*
	 * Delete every API token of the user, for a reset of the user's MFA.
	 * *ret_count (may be NULL) gets how many.
	 */
	int (*access_token_delete_by_user)(struct store *st, int64_t user_id, int64_t *ret_count);
	/* Delete every remembered browser of the account's users. */
	int (*remembered_browser_delete_by_account)(struct store *st, int64_t account_id);
	int (*remembered_browser_touch)(struct store *st, int64_t id, int64_t last_used);
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

/*
 * Check an address field: a NUL within STORE_EMAIL_MAX + 1 bytes, not
 * empty, and no control byte. Logs what is wrong, under op, and returns
 * STORE_ERROR, else STORE_OK.
 */
int store_email_address_check(const char *address, const char *op);

/* Check a security email before a backend stores it. As store_email_address_check. */
int store_security_email_check(const struct store_security_email *e, const char *op);

/* Check an email code before a backend stores it. As store_email_address_check. */
int store_email_code_check(const struct store_email_code *c, const char *op);

/*
 * Check a message before outbox_enqueue stores it: the recipient, a
 * Message-ID of printable ASCII without spaces or angle brackets, and 1 to
 * STORE_OUTBOX_DATA_MAX bytes of data. As store_email_address_check.
 */
int store_outbox_message_check(const struct store_outbox_message *msg, const char *op);

/*
 * Check an audit record before a backend stores it: a positive time, no
 * negative id, an event name of [a-z0-9_], outcome "success" or "failure",
 * and text fields with a NUL within their size and no control byte. As
 * store_email_address_check.
 */
int store_audit_event_check(const struct store_audit_event *e, const char *op);

/* Wipe and free msg->data and set it to NULL. Accepts NULL. */
void store_outbox_message_clear(struct store_outbox_message *msg);

/* Fill s with the settings of an account that never changed them. */
void store_account_settings_default(int64_t account_id, struct store_account_settings *s);

#define store_begin(st) ((st)->ops->begin(st))
#define store_commit(st) ((st)->ops->commit(st))
#define store_rollback(st) ((st)->ops->rollback(st))

#endif
