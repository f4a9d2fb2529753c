/* SPDX-License-Identifier: MIT */
/*
 * The logon flow: the password step, the second-factor step, and the steps
 * a restricted session must finish (change the password, bind a device).
 */
#ifndef MFAD_LOGON_H
#define MFAD_LOGON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "server/app.h"
#include "server/email.h"
#include "server/errors.h"
#include "server/session.h"

enum logon_status {
	LOGON_OK = 0,             /* a full session */
	LOGON_MFA_REQUIRED = 1,   /* token is a challenge for LoginMFA */
	LOGON_BIND_REQUIRED = 2,  /* a session that may only bind a device */
	LOGON_RESET_REQUIRED = 3, /* a session that may only change the password */
};

struct logon_result {
	int status;                  /* enum logon_status */
	char token[TOKEN_TEXT_SIZE]; /* session token, or challenge id */
	int64_t expires;
	int scope;                   /* enum store_session_scope, for sessions */
	int factors;
	int methods;                 /* FACTOR_* bits the user may prove, with MFA_REQUIRED */
	struct store_user user;
};

/*
 * Check principal and password. A wrong password, an unknown principal and
 * a locked one all return SRV_ERR_INVALID_CREDENTIALS after the same
 * minimum time. remember is the remembered-browser cookie or NULL: when it
 * is the user's and the account allows it, no second factor is asked for.
 * src is the client address, for the log.
 */
int logon_password(struct app *app, const char *principal, const char *password, size_t len,
    const char *remember, const char *src, struct logon_result *res, struct srv_status *st);

/*
 * Check the second factor for challenge: method "totp" or "email" with its
 * code. A wrong code counts against the challenge and the principal.
 * Returns SRV_OK with a session in res, or SRV_ERR_INVALID_CHALLENGE,
 * SRV_ERR_INVALID_MFA_CODE, SRV_ERR_MFA_CODE_REUSED, SRV_ERR_LOCKED (with
 * retry_after in st), SRV_ERR_INVALID_PARAMETER or SRV_ERR_INTERNAL.
 */
int logon_mfa(struct app *app, const char *challenge, const char *method, const char *code,
    const char *src, struct logon_result *res, struct srv_status *st);

/*
 * Mail a code for challenge to its user's attached security email address,
 * spending the user's old logon code. *ret_expires gets when the code stops
 * working and hint the address masked ("a***@example.com"). Returns SRV_OK,
 * SRV_ERR_INVALID_CHALLENGE, SRV_ERR_LOCKED, SRV_ERR_INVALID_PARAMETER (no
 * verified address), SRV_ERR_EMAIL_THROTTLED (retry_after in st) or
 * SRV_ERR_INTERNAL.
 */
int logon_email_start(struct app *app, const char *challenge, const char *src, int64_t *ret_expires,
    char hint[EMAIL_HINT_MAX + 1], struct srv_status *st);

/*
 * Start a passkey assertion: for the second factor of a logon challenge, or
 * (challenge NULL) for a passwordless logon. Returns request options.
 */
int logon_passkey_start(struct app *app, const char *challenge, const char *src,
    json_t **ret_options, struct srv_status *st);

/*
 * Check a passkey assertion as the second factor of challenge. A failure
 * counts as a wrong code. Returns SRV_OK with a session in res, or
 * SRV_ERR_INVALID_CHALLENGE, SRV_ERR_PASSKEY_LOGON_FAILED, SRV_ERR_LOCKED,
 * SRV_ERR_INVALID_PARAMETER or SRV_ERR_INTERNAL.
 */
int logon_mfa_passkey(struct app *app, const char *challenge, json_t *credential, const char *src,
    struct logon_result *res, struct srv_status *st);

/*
 * Passwordless logon with a discoverable passkey and user verification.
 * Also SRV_ERR_PASSKEY_LOGON_DISABLED when the account forbids it.
 */
int logon_passkey(struct app *app, json_t *credential, const char *src, struct logon_result *res,
    struct srv_status *st);

/*
 * Change the session user's password after checking the old one, end every
 * session of the user and start a new one in res.
 */
int logon_change_password(struct app *app, const struct store_session *session,
    const struct store_user *user, const char *old_pw, size_t old_len, const char *new_pw,
    size_t new_len, const char *src, struct logon_result *res, struct srv_status *st);

/*
 * After a device or passkey was bound in a bind-mfa session, replace that
 * session with the one the user has now earned: factor (FACTOR_TOTP or
 * FACTOR_PASSKEY) proved a second factor.
 */
int logon_after_bind(struct app *app, const struct store_session *session,
    const struct store_user *user, int factor, struct logon_result *res);

#endif
