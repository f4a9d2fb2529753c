/* SPDX-License-Identifier: MIT */
/*
 * Result codes of mfad's flows and their HTTP form. Flows return one of
 * these and may put a sentence for the client in a struct srv_status; the
 * HTTP layer maps the code to a status and a "code" string in one table.
 */
#ifndef MFAD_ERRORS_H
#define MFAD_ERRORS_H

#include <stdarg.h>

enum srv_err {
	SRV_OK = 0,
	SRV_ERR_INTERNAL,
	SRV_ERR_MALFORMED_JSON,
	SRV_ERR_MISSING_PARAMETER,
	SRV_ERR_INVALID_PARAMETER,
	SRV_ERR_NOT_AUTHENTICATED,
	SRV_ERR_INVALID_CREDENTIALS,
	SRV_ERR_INVALID_CHALLENGE,
	SRV_ERR_INVALID_MFA_CODE,
	SRV_ERR_MFA_CODE_REUSED,
	SRV_ERR_FORBIDDEN,
	SRV_ERR_SESSION_RESTRICTED,
	SRV_ERR_UNKNOWN_ACTION,
	SRV_ERR_USER_NOT_FOUND,
	SRV_ERR_PROFILE_NOT_FOUND,
	SRV_ERR_DEVICE_NOT_FOUND,
	SRV_ERR_METHOD_NOT_ALLOWED,
	SRV_ERR_USER_EXISTS,
	SRV_ERR_PROFILE_EXISTS,
	SRV_ERR_DEVICE_EXISTS,
	SRV_ERR_ACCOUNT_EXISTS,
	SRV_ERR_TOO_LARGE,
	SRV_ERR_UNSUPPORTED_MEDIA_TYPE,
	SRV_ERR_LOCKED,
	SRV_ERR_BUSY,
	SRV_ERR_PASSKEY_REJECTED,      /* a registration failed a WebAuthn step */
	SRV_ERR_PASSKEY_LOGON_FAILED,  /* an assertion failed, or its credential is unknown */
	SRV_ERR_PASSKEY_NOT_FOUND,
	SRV_ERR_PASSKEY_EXISTS,
	SRV_ERR_PASSKEY_NAME_EXISTS,
	SRV_ERR_PASSKEY_LIMIT,
	SRV_ERR_PASSKEY_LOGON_DISABLED,
	SRV_ERR_THROTTLED,             /* too many requests from this address */
	SRV_ERR_EMAIL_NOT_FOUND,       /* the user has no security email address */
	SRV_ERR_EMAIL_USERS_LIMIT,     /* the address is attached to the most users allowed */
	SRV_ERR_EMAIL_THROTTLED,       /* too soon or too many email codes; retry_after is set */
	SRV_ERR_MFA_REQUIRED,          /* a sensitive action needs a fresh second factor */
	SRV_ERR_CSRF_TOKEN_INVALID,    /* a cookie-authenticated POST without its CSRF token */
	SRV_ERR_ORIGIN_NOT_ALLOWED,    /* a POST whose Origin header is another site */
	SRV_ERR_LOGIN_NETWORK_DENIED,  /* the client address is outside the account's allow-list */
	SRV_ERR_BAD_FORWARDED_FOR,     /* a trusted proxy sent an X-Forwarded-For no proxy writes */
	SRV_ERR_PASSWORD_EXPIRED,      /* past MaxPasswordAge under HardExpiry */
	SRV_ERR_SESSION_NOT_FOUND,     /* no live session of the user has this public id */
	SRV_ERR_ACCESS_TOKEN_NOT_FOUND,
	SRV_ERR_BROWSER_NOT_FOUND,     /* no remembered browser of the user has this id */
	SRV_ERR_ACCESS_TOKEN_DENIED,   /* an API token may not call this action */
	SRV_ERR_COUNT_ /* keep last */
};

#define SRV_MESSAGE_MAX 256

/* Details of a failed flow, for the client. Never holds a secret. */
struct srv_status {
	char message[SRV_MESSAGE_MAX]; /* empty: use the table's default */
	int retry_after;               /* seconds for a Retry-After header, 0 for none */
};

/* HTTP status of code. */
int srv_err_http_status(int code);

/* The "code" string of the JSON error body ("InvalidParameter"). */
const char *srv_err_name(int code);

/* The default message of code. */
const char *srv_err_default_message(int code);

/*
 * Set st's message from a printf format (st may be NULL) and return code,
 * so a flow can write "return srv_fail(st, SRV_ERR_..., "...", ...);".
 */
int srv_fail(struct srv_status *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
