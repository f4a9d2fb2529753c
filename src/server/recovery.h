/* SPDX-License-Identifier: MIT */
/* Admin recovery: the account owner resets a user who lost their second factors. */
#ifndef MFAD_RECOVERY_H
#define MFAD_RECOVERY_H

#include <stdint.h>

#include "server/app.h"
#include "server/errors.h"

/* The factors and flag that recovery_reset_mfa changed. */
struct recovery_result {
	int totp_removed;        /* a virtual MFA device, bound or pending */
	int64_t passkeys_removed;
	int email_removed;       /* a verified security email address */
	int bind_required;       /* MFABindRequired was set on the login profile */
	int64_t tokens_removed;  /* API tokens, which would outlive the reset otherwise */
};

/*
 * Remove all of user's virtual MFA devices, passkeys and security email
 * (with pending email codes), end all of the user's sessions and set
 * MFABindRequired on the login profile, so the next logon must bind a
 * factor before anything else. All of it, the audit record
 * admin_reset_mfa and a notice to the address removed commit in one
 * transaction. A user without a login profile is reset all the same, but
 * cannot log on until the owner creates one. Returns SRV_OK or
 * SRV_ERR_INTERNAL.
 */
int recovery_reset_mfa(struct app *app, const struct store_user *user, const char *src,
    struct recovery_result *ret, struct srv_status *st);

#endif
