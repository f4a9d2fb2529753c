/* SPDX-License-Identifier: MIT */
/*
 * Step-up: sensitive actions need a second factor proven in the session
 * within the last security.step_up_ttl seconds. A step-up proves one of the
 * user's factors again and sets that factor's proof time in the session.
 * An email code counts only while the account's AllowEmailForStepUp is
 * true. Adding a factor needs a proof of the user's strongest factor
 * (passkey, then TOTP, then email) or of a stronger one. A user with no
 * factor that counts may act in a session whose password step is younger
 * than step_up_ttl, and may bind a first factor in any session.
 */
#ifndef MFAD_STEPUP_H
#define MFAD_STEPUP_H

#include <jansson.h>
#include <stdint.h>

#include "server/app.h"
#include "server/email.h"
#include "server/errors.h"
#include "store/store.h"

/* Kind of sensitive action, for stepup_require. */
enum stepup_kind {
	STEPUP_SENSITIVE = 0, /* always needs a fresh factor */
	STEPUP_BINDING = 1,   /* adds a factor: free while the user has none */
};

/*
 * Check that session may run a sensitive action of kind now. On
 * SRV_ERR_MFA_REQUIRED *ret_methods gets the FACTOR_* bits the user can
 * prove with StepUp for this kind: for a binding only the strongest (0
 * when the user has none and must log on again).
 * Returns SRV_OK, SRV_ERR_MFA_REQUIRED or SRV_ERR_INTERNAL.
 */
int stepup_require(struct app *app, const struct store_session *session,
    const struct store_user *user, int kind, int *ret_methods, struct srv_status *st);

/*
 * Prove method ("totp" or "email") with code for session. A wrong code and
 * a replayed one count against the principal's lockout. Returns SRV_OK
 * (the session's factors and mfa_at are updated), SRV_ERR_INVALID_MFA_CODE,
 * SRV_ERR_MFA_CODE_REUSED, SRV_ERR_INVALID_CHALLENGE (no live email code),
 * SRV_ERR_LOCKED (retry_after in st), SRV_ERR_INVALID_PARAMETER or
 * SRV_ERR_INTERNAL.
 */
int stepup_code(struct app *app, const struct store_session *session,
    const struct store_user *user, const char *method, const char *code, const char *src,
    struct srv_status *st);

/*
 * Mail a step-up code to the user's security email address. *ret_expires
 * gets when the code stops working and hint the masked address. Returns
 * SRV_OK, SRV_ERR_LOCKED, SRV_ERR_INVALID_PARAMETER (no address),
 * SRV_ERR_EMAIL_THROTTLED or SRV_ERR_INTERNAL.
 */
int stepup_email_start(struct app *app, const struct store_session *session,
    const struct store_user *user, const char *src, int64_t *ret_expires,
    char hint[EMAIL_HINT_MAX + 1], struct srv_status *st);

/* Start a passkey assertion bound to session. Returns request options. */
int stepup_passkey_start(struct app *app, const struct store_session *session,
    const struct store_user *user, json_t **ret_options, struct srv_status *st);

/*
 * Prove a passkey for session with the assertion credential. A failed
 * assertion counts against the principal's lockout. Returns SRV_OK,
 * SRV_ERR_PASSKEY_LOGON_FAILED, SRV_ERR_INVALID_CHALLENGE, SRV_ERR_LOCKED,
 * SRV_ERR_INVALID_PARAMETER or SRV_ERR_INTERNAL.
 */
int stepup_passkey(struct app *app, const struct store_session *session,
    const struct store_user *user, json_t *credential, const char *src, struct srv_status *st);

/*
 * Record in session that factor was proven now, outside a step-up. Binding
 * a device, a passkey or an address in the session proves that factor.
 */
int stepup_record(struct app *app, const struct store_session *session, int factor);

#endif
