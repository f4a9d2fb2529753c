/* SPDX-License-Identifier: MIT */
/* Request context and helpers shared by the API's handler files. */
#ifndef MFAD_API_INTERNAL_H
#define MFAD_API_INTERNAL_H

#include <jansson.h>

#include "server/api.h"
#include "server/errors.h"
#include "server/logon.h"
#include "store/store.h"

/* Who may call an action. */
enum {
	API_PUBLIC = 1 << 0,       /* no session needed */
	API_OWNER = 1 << 1,        /* the account owner only */
	API_BIND_SCOPE = 1 << 2,   /* also allowed in a bind-mfa session */
	API_PASSWORD_SCOPE = 1 << 3, /* also allowed in a change-password session */
	API_GET = 1 << 4,          /* GET is allowed besides POST */
	API_TEST = 1 << 5,         /* only with --test-clock */
	API_STEP_UP = 1 << 6,      /* sensitive: needs a fresh second factor (stepup.h) */
	API_STEP_UP_BIND = 1 << 7, /* adds a factor: as API_STEP_UP unless the user has none */
	/* Changes the caller's own credentials: a setting can forbid it to users (api_settings.c). */
	API_SELF_PASSWORD = 1 << 8,  /* LoginProfilePreference.AllowUserToChangePassword */
	API_SELF_MFA = 1 << 9,       /* MFAPreference.AllowUserToManageMFADevices */
	API_SELF_PASSKEYS = 1 << 10, /* MFAPreference.AllowUserToManagePasskeys */
	API_SELF_EMAIL = 1 << 11,    /* MFAPreference.AllowUserToManageSecurityEmail */
	/* Needs a session: an API token may not call it (nor any API_STEP_UP* action). */
	API_NO_TOKEN = 1 << 12,
	/* An API token may call it on itself without a step-up (revoking a leaked token). */
	API_TOKEN_SELF = 1 << 13,
};

struct api_ctx {
	struct app *app;
	const struct api_request *req;
	struct api_response *resp;
	json_t *body;
	json_t *out;                 /* the success body */
	struct srv_status st;
	int authed;
	int methods;                 /* FACTOR_* bits for an MFARequired body */
	struct store_session session; /* for an API token: full scope, no factors, no token hash */
	int64_t token_id;            /* the API token of the request, 0 for a session */
	int64_t logon_user_id;       /* set by api_logon_result: the user who logged on */
	int logon_factors;           /* set by api_logon_result: the factors of the new session */
	struct store_user user;
	struct store_account acct;
	struct store_account_settings settings; /* of acct */
};

/* The API form of a user, or NULL when out of memory. */
json_t *api_user_json(const struct store_user *u);

/* The API form of FACTOR_* bits: an array of names, or NULL when out of memory. */
json_t *api_factors_json(int factors);

/* Put a logon result in the body: a challenge, or a session and its cookie. */
int api_logon_result(struct api_ctx *c, const struct logon_result *res);

/*
 * The user an action is about: the one named by UserName, or the session's
 * own user when UserName is missing and self is allowed. Only the owner may
 * name another user.
 */
int api_target_user(struct api_ctx *c, int allow_self, struct store_user *ret);

/* Passkey actions, in api_passkey.c. */
int api_login_mfa_passkey(struct api_ctx *c, const char *challenge);
int api_start_passkey_registration(struct api_ctx *c);
int api_finish_passkey_registration(struct api_ctx *c);
int api_list_passkeys(struct api_ctx *c);
int api_update_passkey(struct api_ctx *c);
int api_delete_passkey(struct api_ctx *c);
int api_start_passkey_login(struct api_ctx *c);
int api_login_passkey(struct api_ctx *c);

/* The account's security preference, in api_settings.c. */
int api_get_security_preference(struct api_ctx *c);
int api_set_security_preference(struct api_ctx *c);

/*
 * Check the API_SELF_* bits of flags against the account's settings.
 * Returns SRV_OK, or SRV_ERR_FORBIDDEN naming the setting.
 */
int api_settings_permit(struct api_ctx *c, int flags);

/* The audit log, in api_audit.c. */
int api_list_audit_events(struct api_ctx *c);

/* Security email actions, in api_email.c. */
int api_set_verification_info(struct api_ctx *c);
int api_verify_verification_info(struct api_ctx *c);
int api_get_verification_info(struct api_ctx *c);
int api_delete_verification_info(struct api_ctx *c);
int api_send_login_email_code(struct api_ctx *c);

/* Password policy actions and UnlockUser, in api_pwpolicy.c. */
int api_get_password_policy(struct api_ctx *c);
int api_set_password_policy(struct api_ctx *c);
int api_unlock_user(struct api_ctx *c);
/* Sessions, API tokens and remembered browsers, in api_sessions.c. */
int api_authorize_access_token(struct api_ctx *c, const char *action, int flags);
int api_remember_browser(struct api_ctx *c);
int api_list_sessions(struct api_ctx *c);
int api_revoke_session(struct api_ctx *c);
int api_revoke_other_sessions(struct api_ctx *c);
int api_create_access_token(struct api_ctx *c);
int api_list_access_tokens(struct api_ctx *c);
int api_delete_access_token(struct api_ctx *c);
int api_list_remembered_browsers(struct api_ctx *c);
int api_forget_remembered_browser(struct api_ctx *c);
int api_forget_all_remembered_browsers(struct api_ctx *c);

/* Step-up actions, in api_stepup.c. */
int api_step_up(struct api_ctx *c);
int api_send_step_up_email_code(struct api_ctx *c);
int api_start_step_up_passkey(struct api_ctx *c);

#endif
