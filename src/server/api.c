/* SPDX-License-Identifier: MIT */
/* Routing, authorization and the thin handlers of the JSON API. */
#include "server/api.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mfa/common.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/access_token.h"
#include "server/account.h"
#include "server/api_internal.h"
#include "server/audit.h"
#include "server/cookie.h"
#include "server/csrf.h"
#include "server/json.h"
#include "server/logon.h"
#include "server/principal.h"
#include "server/recovery.h"
#include "server/session.h"
#include "server/settings.h"
#include "server/stepup.h"
#include "server/users.h"
#include "server/vmfa.h"

typedef int (*api_fn)(struct api_ctx *c);

struct api_action {
	const char *name;
	api_fn fn;
	int flags;
};

/* ---- Helpers shared by handlers ---- */

json_t *
api_user_json(const struct store_user *u)
{
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)u->id);
	return json_pack("{s:s, s:s, s:s, s:I, s:I}", "UserId", id, "UserName",
	    u->is_owner ? "" : u->name, "DisplayName", u->display_name, "CreateDate",
	    (json_int_t)u->created, "UpdateDate", (json_int_t)u->updated);
}

static int
api_set_session_cookie(struct api_ctx *c, const char *token, int64_t max_age)
{
	if (cookie_format(&c->app->cfg, API_COOKIE_NAME, token, max_age, c->resp->set_cookie,
	    sizeof(c->resp->set_cookie)) != 0)
		return SRV_ERR_INTERNAL;
	return SRV_OK;
}

/* Add "CsrfToken" for the session whose token hashes to hash to the success body. */
static int
api_add_csrf_token(struct api_ctx *c, const uint8_t hash[STORE_TOKEN_HASH_LEN])
{
	char csrf[CSRF_TOKEN_SIZE];

	if (csrf_token(c->app, hash, csrf) != 0 ||
	    json_object_set_new(c->out, "CsrfToken", json_string(csrf)) != 0)
		return SRV_ERR_INTERNAL;
	return SRV_OK;
}

static const char *
api_logon_status_name(int status)
{
	switch (status) {
	case LOGON_MFA_REQUIRED:
		return "MFARequired";
	case LOGON_BIND_REQUIRED:
		return "BindMFARequired";
	case LOGON_RESET_REQUIRED:
		return "PasswordResetRequired";
	default:
		return "OK";
	}
}

json_t *
api_factors_json(int factors)
{
	json_t *a = json_array();

	if (a == NULL)
		return NULL;
	if (factors & FACTOR_PASSWORD)
		json_array_append_new(a, json_string("password"));
	if (factors & FACTOR_TOTP)
		json_array_append_new(a, json_string("totp"));
	if (factors & FACTOR_PASSKEY)
		json_array_append_new(a, json_string("passkey"));
	if (factors & FACTOR_EMAIL)
		json_array_append_new(a, json_string("email"));
	if (factors & FACTOR_REMEMBERED)
		json_array_append_new(a, json_string("remembered"));
	return a;
}

int
api_logon_result(struct api_ctx *c, const struct logon_result *res)
{
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	int64_t now = clock_now();
	int r;

	/* The request log names the user who logged on, as it names a session's user. */
	c->resp->user_id = res->user.id;

	if (res->status == LOGON_MFA_REQUIRED) {
		/* The second factors the user can prove: the same bits as proven factors. */
		c->out = json_pack("{s:s, s:s, s:o, s:I}", "Status", "MFARequired", "Challenge",
		    res->token, "Methods", api_factors_json(res->methods), "ChallengeExpires",
		    (json_int_t)res->expires);
		return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
	}
	c->out = json_pack("{s:s, s:s, s:I, s:s, s:o, s:o}", "Status",
	    api_logon_status_name(res->status), "SessionToken", res->token, "SessionExpires",
	    (json_int_t)res->expires, "Scope", session_scope_name(res->scope), "Factors",
	    api_factors_json(res->factors), "User", api_user_json(&res->user));
	if (c->out == NULL || token_hash(res->token, hash) != 0)
		return SRV_ERR_INTERNAL;

	r = api_add_csrf_token(c, hash);
	if (r == SRV_OK)
		r = api_set_session_cookie(c, res->token, res->expires - now);
	mfa_memzero(hash, sizeof(hash));
	c->logon_user_id = res->user.id;
	c->logon_factors = res->factors;
	return r;
}

static int api_target_user_any(struct api_ctx *c, int allow_self, struct store_user *ret);

int
api_target_user(struct api_ctx *c, int allow_self, struct store_user *ret)
{
	int r;

	/* A restricted session acts for its own user only, the owner's too. */
	if (c->session.scope != SESSION_SCOPE_FULL) {
		r = api_target_user_any(c, allow_self, ret);
		if (r == SRV_OK && ret->id != c->user.id)
			return srv_fail(&c->st, SRV_ERR_SESSION_RESTRICTED,
			    "This session may act only for its own user.");
		return r;
	}
	return api_target_user_any(c, allow_self, ret);
}

static int
api_target_user_any(struct api_ctx *c, int allow_self, struct store_user *ret)
{
	const char *name;
	int r;

	r = jreq_string(c->body, "UserName", !allow_self, &name, NULL, &c->st);
	if (r != SRV_OK)
		return r;
	if (name == NULL || (!c->user.is_owner && strcasecmp(name, c->user.name) == 0)) {
		*ret = c->user;
		return SRV_OK;
	}
	if (!c->user.is_owner)
		return srv_fail(&c->st, SRV_ERR_FORBIDDEN, "Only the account owner may act on "
		    "another user.");
	return users_get(c->app, c->acct.id, name, ret, &c->st);
}

/* ---- Logon ---- */

static int
api_login(struct api_ctx *c)
{
	struct logon_result res;
	const char *principal;
	const char *password;
	size_t len;
	int r;

	if ((r = jreq_string(c->body, "Principal", 1, &principal, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_string(c->body, "Password", 1, &password, &len, &c->st)) != SRV_OK)
		return r;
	/* An over-long password is checked as a wrong one (no hash of it), so it is counted. */
	r = logon_password(c->app, principal, password, len, c->req->remember, c->req->src, &res,
	    &c->st);
	if (r == SRV_OK)
		r = api_logon_result(c, &res);
	mfa_memzero(&res, sizeof(res));
	return r;
}

static int
api_login_mfa(struct api_ctx *c)
{
	struct logon_result res;
	const char *challenge;
	const char *method;
	const char *code;
	int remember;
	int r;

	if ((r = jreq_string(c->body, "Challenge", 1, &challenge, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_string(c->body, "Method", 0, &method, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_bool(c->body, "RememberBrowser", &remember, &c->st)) != SRV_OK)
		return r;
	if (method != NULL && strcmp(method, "passkey") == 0) {
		r = api_login_mfa_passkey(c, challenge);
		goto out;
	}
	if ((r = jreq_string(c->body, "Code", 1, &code, NULL, &c->st)) != SRV_OK)
		return r;
	r = logon_mfa(c->app, challenge, method != NULL ? method : "totp", code, c->req->src, &res,
	    &c->st);
	if (r == SRV_OK)
		r = api_logon_result(c, &res);
	mfa_memzero(&res, sizeof(res));
out:
	/* The logon succeeds even when remembering the browser fails: it then sets no cookie. */
	if (r == SRV_OK && remember > 0)
		r = api_remember_browser(c);
	return r;
}

static int
api_logout(struct api_ctx *c)
{
	int r = session_end(app_store(c->app), c->session.token_hash);

	if (r != SRV_OK)
		return r;
	r = api_set_session_cookie(c, "", 0);
	if (r != SRV_OK)
		return r;
	c->out = json_object();
	return SRV_OK;
}

static int
api_whoami(struct api_ctx *c)
{
	char principal[STORE_NAME_MAX + STORE_ALIAS_MAX + 2];

	principal_format(&c->user, &c->acct, principal, sizeof(principal));
	c->out = json_pack("{s:o, s:s, s:s, s:b, s:s, s:o, s:b, s:I}", "User",
	    api_user_json(&c->user), "Principal", principal, "Account", c->acct.alias, "IsOwner",
	    c->user.is_owner, "Scope", session_scope_name(c->session.scope), "Factors",
	    api_factors_json(c->session.factors), "UserVerified",
	    (c->session.factors & FACTOR_USER_VERIFIED) != 0, "SessionExpires",
	    (json_int_t)c->session.expires);
	if (c->out != NULL && c->token_id != 0)
		json_object_set_new(c->out, "AccessTokenId", json_sprintf("%lld",
		    (long long)c->token_id));
	if (c->out == NULL)
		return SRV_ERR_INTERNAL;
	/* An API token travels in a header that browsers never add, so it needs no CSRF token. */
	return c->token_id != 0 ? SRV_OK : api_add_csrf_token(c, c->session.token_hash);
}

static int
api_change_password(struct api_ctx *c)
{
	struct logon_result res;
	const char *old_pw;
	const char *new_pw;
	size_t old_len;
	size_t new_len;
	int r;

	if ((r = jreq_string(c->body, "OldPassword", 1, &old_pw, &old_len, &c->st)) != SRV_OK ||
	    (r = jreq_string(c->body, "NewPassword", 1, &new_pw, &new_len, &c->st)) != SRV_OK)
		return r;
	r = logon_change_password(c->app, &c->session, &c->user, old_pw, old_len, new_pw, new_len,
	    c->req->src, &res, &c->st);
	if (r == SRV_OK)
		r = api_logon_result(c, &res);
	mfa_memzero(&res, sizeof(res));
	return r;
}

/* ---- Users ---- */

static int
api_create_user(struct api_ctx *c)
{
	struct store_user u;
	const char *name;
	const char *display;
	int r;

	if ((r = jreq_string(c->body, "UserName", 1, &name, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_string(c->body, "DisplayName", 0, &display, NULL, &c->st)) != SRV_OK)
		return r;
	r = users_create(c->app, c->acct.id, name, display, &u, &c->st);
	if (r != SRV_OK)
		return r;
	c->out = json_pack("{s:o}", "User", api_user_json(&u));
	return SRV_OK;
}

static int
api_get_user(struct api_ctx *c)
{
	struct store_user u;
	int r = api_target_user(c, 0, &u);

	if (r != SRV_OK)
		return r;
	c->out = json_pack("{s:o}", "User", api_user_json(&u));
	return SRV_OK;
}

static int
api_list_users_row(void *arg, const struct store_user *u)
{
	return json_array_append_new(arg, api_user_json(u)) == 0 ? 0 : 1;
}

static int
api_list_users(struct api_ctx *c)
{
	json_t *users = json_array();
	const char *marker;
	long long max;
	int truncated = 0;
	size_t n;
	int r;

	if (users == NULL)
		return SRV_ERR_INTERNAL;
	if ((r = jreq_string(c->body, "Marker", 0, &marker, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_int(c->body, "MaxItems", USERS_LIST_DEFAULT, 1, USERS_LIST_MAX, &max,
	    &c->st)) != SRV_OK ||
	    (r = users_list(c->app, c->acct.id, marker, (int)max, api_list_users_row, users,
	    &truncated, &c->st)) != SRV_OK) {
		json_decref(users);
		return r;
	}
	n = json_array_size(users);
	c->out = json_pack("{s:o, s:b}", "Users", users, "IsTruncated", truncated);
	if (c->out != NULL && truncated && n > 0)
		json_object_set(c->out, "Marker",
		    json_object_get(json_array_get(users, n - 1), "UserName"));
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

static int
api_update_user(struct api_ctx *c)
{
	struct store_user u;
	const char *name;
	const char *new_name;
	const char *new_display;
	int r;

	if ((r = jreq_string(c->body, "UserName", 1, &name, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_string(c->body, "NewUserName", 0, &new_name, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_string(c->body, "NewDisplayName", 0, &new_display, NULL, &c->st)) != SRV_OK)
		return r;
	r = users_update(c->app, c->acct.id, name, new_name, new_display, &u, &c->st);
	if (r != SRV_OK)
		return r;
	c->out = json_pack("{s:o}", "User", api_user_json(&u));
	return SRV_OK;
}

static int
api_delete_user(struct api_ctx *c)
{
	const char *name;
	int r;

	if ((r = jreq_string(c->body, "UserName", 1, &name, NULL, &c->st)) != SRV_OK ||
	    (r = users_delete(c->app, c->acct.id, name, &c->st)) != SRV_OK)
		return r;
	c->out = json_object();
	return SRV_OK;
}

/* ---- Login profiles ---- */

static json_t *
api_profile_json(const struct store_user *u, const struct store_login_profile *lp)
{
	return json_pack("{s:{s:s, s:b, s:b, s:I, s:I}}", "LoginProfile", "UserName",
	    u->is_owner ? "" : u->name, "PasswordResetRequired", lp->reset_required,
	    "MFABindRequired", lp->mfa_bind_required, "CreateDate", (json_int_t)lp->created,
	    "UpdateDate", (json_int_t)lp->updated);
}

static int
api_profile_change(struct api_ctx *c, struct profile_change *pc)
{
	int r;

	memset(pc, 0, sizeof(*pc));
	if ((r = jreq_string(c->body, "Password", 0, &pc->password, &pc->password_len,
	    &c->st)) != SRV_OK ||
	    (r = jreq_bool(c->body, "PasswordResetRequired", &pc->reset_required, &c->st)) != SRV_OK ||
	    (r = jreq_bool(c->body, "MFABindRequired", &pc->mfa_bind_required, &c->st)) != SRV_OK)
		return r;
	return SRV_OK;
}

static int
api_create_login_profile(struct api_ctx *c)
{
	struct store_login_profile lp;
	struct profile_change pc;
	struct store_user u;
	int r;

	if ((r = api_target_user(c, 0, &u)) != SRV_OK || (r = api_profile_change(c, &pc)) != SRV_OK ||
	    (r = profile_create(c->app, &u, &pc, &lp, &c->st)) != SRV_OK)
		return r;
	c->out = api_profile_json(&u, &lp);
	return SRV_OK;
}

static int
api_update_login_profile(struct api_ctx *c)
{
	struct store_login_profile lp;
	struct profile_change pc;
	struct store_user u;
	int r;

	if ((r = api_target_user(c, 0, &u)) != SRV_OK || (r = api_profile_change(c, &pc)) != SRV_OK ||
	    (r = profile_update(c->app, &u, &pc, &lp, &c->st)) != SRV_OK)
		return r;
	c->out = api_profile_json(&u, &lp);
	return SRV_OK;
}

static int
api_get_login_profile(struct api_ctx *c)
{
	struct store_login_profile lp;
	struct store_user u;
	int r;

	if ((r = api_target_user(c, 0, &u)) != SRV_OK || (r = profile_get(c->app, &u, &lp, &c->st)) != SRV_OK)
		return r;
	mfa_memzero(lp.password_hash, sizeof(lp.password_hash));
	c->out = api_profile_json(&u, &lp);
	return SRV_OK;
}

static int
api_delete_login_profile(struct api_ctx *c)
{
	struct store_user u;
	int r;

	if ((r = api_target_user(c, 0, &u)) != SRV_OK || (r = profile_delete(c->app, &u, &c->st)) != SRV_OK)
		return r;
	c->out = json_object();
	return SRV_OK;
}

/* ---- Admin recovery ---- */

static int
api_reset_user_mfa(struct api_ctx *c)
{
	struct recovery_result res;
	struct store_user u;
	int r;

	if ((r = api_target_user(c, 0, &u)) != SRV_OK)
		return r;
	/* An owner's reset would end the calling session, so mfactl user reset-mfa does that one. */
	if (u.is_owner)
		return srv_fail(&c->st, SRV_ERR_FORBIDDEN, "The account owner's MFA cannot be reset "
		    "with ResetUserMFA: use mfactl user reset-mfa on the server.");
	r = recovery_reset_mfa(c->app, &u, c->req->src, &res, &c->st);
	if (r != SRV_OK)
		return r;
	c->out = json_pack("{s:s, s:b, s:I, s:b, s:b, s:I}", "UserName", u.name,
	    "VirtualMFADeviceRemoved", res.totp_removed, "PasskeysRemoved",
	    (json_int_t)res.passkeys_removed, "SecurityEmailRemoved", res.email_removed,
	    "MFABindRequired", res.bind_required, "AccessTokensRemoved",
	    (json_int_t)res.tokens_removed);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

/* ---- Virtual MFA devices ---- */

/* Base64 of PNG bytes, malloc'd; the QR code holds the secret, so it is wiped on free. */
static char *
api_base64(const uint8_t *data, size_t len)
{
	size_t size = 4 * ((len + 2) / 3) + 1;
	char *out;

	if (len > (size_t)INT32_MAX)
		return NULL;
	out = malloc(size);
	if (out != NULL)
		EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

/*
 * Check the step-up of an owner who adds a factor to another user. A free
 * first binding is for the session user's own factor only.
 */
static int
api_step_up_for_other(struct api_ctx *c, const struct store_user *u)
{
	if (u->id == c->user.id)
		return SRV_OK;
	return stepup_require(c->app, &c->session, &c->user, STEPUP_SENSITIVE, &c->methods,
	    &c->st);
}

static int
api_create_vmfa(struct api_ctx *c)
{
	struct vmfa_new n;
	struct store_user u;
	char *png_b64 = NULL;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK ||
	    (r = api_step_up_for_other(c, &u)) != SRV_OK)
		return r;
	r = vmfa_create(c->app, &c->acct, &u, &n, &c->st);
	if (r != SRV_OK)
		return r;
	png_b64 = api_base64(n.png, n.png_len);
	if (png_b64 == NULL) {
		r = SRV_ERR_INTERNAL;
		goto out;
	}
	c->out = json_pack("{s:{s:s, s:s, s:s, s:s, s:s}}", "VirtualMFADevice", "SerialNumber",
	    n.serial, "Base32StringSeed", n.secret_b32, "OTPAuthURI", n.uri, "QRCodePNG", png_b64,
	    "QRCodeSVG", n.svg);
	r = c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
out:
	mfa_free_secret_str(png_b64);
	vmfa_new_clear(&n);
	return r;
}

static int
api_bind_mfa(struct api_ctx *c)
{
	struct logon_result res;
	struct store_user u;
	const char *serial;
	const char *code1;
	const char *code2;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK ||
	    (r = api_step_up_for_other(c, &u)) != SRV_OK ||
	    (r = jreq_string(c->body, "SerialNumber", 1, &serial, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_string(c->body, "AuthenticationCode1", 1, &code1, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_string(c->body, "AuthenticationCode2", 1, &code2, NULL, &c->st)) != SRV_OK)
		return r;
	r = vmfa_bind(c->app, &u, serial, code1, code2, c->req->src, &c->st);
	if (r != SRV_OK)
		return r;
	if (c->session.scope != SESSION_SCOPE_BIND_MFA) {
		/* Binding proved the device now, which counts as a step-up of the user's own session. */
		if (u.id == c->user.id && (r = stepup_record(c->app, &c->session, FACTOR_TOTP)) != SRV_OK)
			return r;
		c->out = json_object();
		return SRV_OK;
	}
	/* Binding proved the device, so the restricted session gives way to a full one. */
	r = logon_after_bind(c->app, &c->session, &c->user, FACTOR_TOTP, &res);
	if (r == SRV_OK)
		r = api_logon_result(c, &res);
	mfa_memzero(&res, sizeof(res));
	return r;
}

static int
api_unbind_mfa(struct api_ctx *c)
{
	char serial[STORE_SERIAL_MAX + 1];
	struct store_user u;
	int r;

	if ((r = api_target_user(c, 0, &u)) != SRV_OK ||
	    (r = vmfa_unbind(c->app, &u, serial, c->req->src, &c->st)) != SRV_OK)
		return r;
	c->out = json_pack("{s:{s:s}}", "MFADevice", "SerialNumber", serial);
	return SRV_OK;
}

static int
api_get_user_mfa_info(struct api_ctx *c)
{
	struct store_mfa_device dev;
	struct store_user u;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK || (r = vmfa_get(c->app, &u, &dev)) != SRV_OK)
		return r;
	c->out = json_pack("{s:{s:s, s:s, s:s, s:I, s:I}}", "MFADevice", "SerialNumber", dev.serial,
	    "Type", "VMFA", "Status", dev.bound ? "bound" : "pending", "CreateDate",
	    (json_int_t)dev.created, "BindDate", (json_int_t)dev.bound_at);
	return SRV_OK;
}

static int
api_list_vmfa_row(void *arg, const struct store_mfa_device *dev, const struct store_user *u)
{
	json_t *row = json_pack("{s:s, s:s, s:I, s:{s:s, s:s}}", "SerialNumber", dev->serial,
	    "Status", dev->bound ? "bound" : "pending", "ActivateDate", (json_int_t)dev->bound_at,
	    "User", "UserName", u->is_owner ? "" : u->name, "DisplayName", u->display_name);

	return json_array_append_new(arg, row) == 0 ? 0 : 1;
}

static int
api_list_vmfa(struct api_ctx *c)
{
	struct store *db = app_store(c->app);
	json_t *devices = json_array();
	const char *marker;
	long long max;
	size_t n;
	int r;

	if (devices == NULL)
		return SRV_ERR_INTERNAL;
	if ((r = jreq_string(c->body, "Marker", 0, &marker, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_int(c->body, "MaxItems", USERS_LIST_DEFAULT, 1, USERS_LIST_MAX, &max,
	    &c->st)) != SRV_OK) {
		json_decref(devices);
		return r;
	}
	/* One row past the page tells whether another page follows. */
	if (db->ops->mfa_device_list(db, c->acct.id, marker, (int)max + 1, api_list_vmfa_row,
	    devices) != STORE_OK) {
		json_decref(devices);
		return SRV_ERR_INTERNAL;
	}
	n = json_array_size(devices);
	if (n > (size_t)max)
		json_array_remove(devices, n - 1);
	c->out = json_pack("{s:o, s:b}", "VirtualMFADevices", devices, "IsTruncated", n > (size_t)max);
	if (c->out != NULL && n > (size_t)max)
		json_object_set(c->out, "Marker",
		    json_object_get(json_array_get(devices, (size_t)max - 1), "SerialNumber"));
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

static int
api_test_set_clock(struct api_ctx *c)
{
	long long offset;
	int r = jreq_int(c->body, "Offset", 0, -100LL * 365 * 86400, 100LL * 365 * 86400, &offset,
	    &c->st);

	if (r != SRV_OK)
		return r;
	clock_set_offset(offset);
	log_warn("event=test_clock_set offset_s=%lld", offset);
	c->out = json_pack("{s:I}", "Now", (json_int_t)clock_now());
	return SRV_OK;
}

static const struct api_action api_actions[] = {
	{ "Login", api_login, API_PUBLIC },
	{ "LoginMFA", api_login_mfa, API_PUBLIC },
	{ "Logout", api_logout, API_BIND_SCOPE | API_PASSWORD_SCOPE | API_NO_TOKEN },
	{ "WhoAmI", api_whoami, API_BIND_SCOPE | API_PASSWORD_SCOPE | API_GET },
	{ "ChangePassword", api_change_password, API_PASSWORD_SCOPE | API_STEP_UP | API_SELF_PASSWORD },
	{ "CreateUser", api_create_user, API_OWNER },
	{ "GetUser", api_get_user, 0 },
	{ "ListUsers", api_list_users, API_OWNER },
	{ "UpdateUser", api_update_user, API_OWNER },
	{ "DeleteUser", api_delete_user, API_OWNER | API_STEP_UP },
	{ "CreateLoginProfile", api_create_login_profile, API_OWNER | API_STEP_UP },
	{ "UpdateLoginProfile", api_update_login_profile, API_OWNER | API_STEP_UP },
	{ "GetLoginProfile", api_get_login_profile, API_OWNER },
	{ "DeleteLoginProfile", api_delete_login_profile, API_OWNER | API_STEP_UP },
	{ "ResetUserMFA", api_reset_user_mfa, API_OWNER | API_STEP_UP },
	{ "CreateVirtualMFADevice", api_create_vmfa, API_BIND_SCOPE | API_STEP_UP_BIND | API_SELF_MFA },
	{ "BindMFADevice", api_bind_mfa, API_BIND_SCOPE | API_STEP_UP_BIND | API_SELF_MFA },
	{ "UnbindMFADevice", api_unbind_mfa, API_OWNER | API_STEP_UP },
	{ "GetUserMFAInfo", api_get_user_mfa_info, 0 },
	{ "ListVirtualMFADevices", api_list_vmfa, API_OWNER },
	{ "StartPasskeyRegistration", api_start_passkey_registration,
	    API_BIND_SCOPE | API_STEP_UP_BIND | API_SELF_PASSKEYS },
	{ "FinishPasskeyRegistration", api_finish_passkey_registration,
	    API_BIND_SCOPE | API_STEP_UP_BIND | API_SELF_PASSKEYS },
	{ "ListPasskeys", api_list_passkeys, 0 },
	{ "UpdatePasskey", api_update_passkey, API_STEP_UP | API_SELF_PASSKEYS },
	{ "DeletePasskey", api_delete_passkey, API_STEP_UP | API_SELF_PASSKEYS },
	{ "StartPasskeyLogin", api_start_passkey_login, API_PUBLIC },
	{ "LoginPasskey", api_login_passkey, API_PUBLIC },
	{ "GetSecurityPreference", api_get_security_preference, API_OWNER },
	{ "SetSecurityPreference", api_set_security_preference, API_OWNER | API_STEP_UP },
	{ "SetVerificationInfo", api_set_verification_info, API_STEP_UP_BIND | API_SELF_EMAIL },
	{ "VerifyVerificationInfo", api_verify_verification_info, API_STEP_UP_BIND | API_SELF_EMAIL },
	{ "GetVerificationInfo", api_get_verification_info, 0 },
	{ "DeleteVerificationInfo", api_delete_verification_info, API_STEP_UP | API_SELF_EMAIL },
	{ "SendLoginEmailCode", api_send_login_email_code, API_PUBLIC },
	/* Restricted sessions may step up, or a stale one could never bind or change the password. */
	{ "StepUp", api_step_up, API_BIND_SCOPE | API_PASSWORD_SCOPE | API_NO_TOKEN },
	{ "SendStepUpEmailCode", api_send_step_up_email_code,
	    API_BIND_SCOPE | API_PASSWORD_SCOPE | API_NO_TOKEN },
	{ "StartStepUpPasskey", api_start_step_up_passkey,
	    API_BIND_SCOPE | API_PASSWORD_SCOPE | API_NO_TOKEN },
	{ "ListAuditEvents", api_list_audit_events, API_OWNER },
	{ "GetPasswordPolicy", api_get_password_policy, API_OWNER },
	{ "SetPasswordPolicy", api_set_password_policy, API_OWNER | API_STEP_UP },
	{ "UnlockUser", api_unlock_user, API_OWNER | API_STEP_UP },
	{ "ListSessions", api_list_sessions, 0 },
	{ "RevokeSession", api_revoke_session, 0 },
	{ "RevokeOtherSessions", api_revoke_other_sessions, 0 },
	{ "CreateAccessToken", api_create_access_token, API_STEP_UP | API_NO_TOKEN },
	{ "ListAccessTokens", api_list_access_tokens, 0 },
	{ "DeleteAccessToken", api_delete_access_token, API_STEP_UP | API_TOKEN_SELF },
	{ "ListRememberedBrowsers", api_list_remembered_browsers, 0 },
	{ "ForgetRememberedBrowser", api_forget_remembered_browser, 0 },
	{ "ForgetAllRememberedBrowsers", api_forget_all_remembered_browsers, 0 },
	{ "_test/SetClock", api_test_set_clock, API_PUBLIC | API_TEST },
};

static const struct api_action *
api_find(const struct app *app, const char *path)
{
	const char *name;

	if (strncmp(path, API_PREFIX, strlen(API_PREFIX)) != 0)
		return NULL;
	name = path + strlen(API_PREFIX);
	for (size_t i = 0; i < sizeof(api_actions) / sizeof(api_actions[0]); i++) {
		if (strcmp(api_actions[i].name, name) != 0)
			continue;
		if ((api_actions[i].flags & API_TEST) && !app->cfg.test_clock)
			return NULL;
		return &api_actions[i];
	}
	return NULL;
}

/* Check the session and whether its user may call a. */
static int
api_authorize(struct api_ctx *c, const struct api_action *a)
{
	struct store *db = app_store(c->app);
	int r;

	if (a->flags & API_PUBLIC)
		return SRV_OK;
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (c->req->token == NULL)
		return SRV_ERR_NOT_AUTHENTICATED;
	if (access_token_is(c->req->token))
		return api_authorize_access_token(c, a->name, a->flags);
	r = session_lookup(c->app, db, c->req->token, clock_now(), &c->session);
	if (r != SRV_OK)
		return r;
	/* A browser adds the cookie to a forged cross-site POST, but cannot add this header. */
	if (c->req->token_from_cookie && strcmp(c->req->method, "POST") == 0 &&
	    !csrf_check(c->app, c->session.token_hash, c->req->csrf_token))
		return SRV_ERR_CSRF_TOKEN_INVALID;
	if (db->ops->user_get(db, c->session.user_id, &c->user) != STORE_OK ||
	    db->ops->account_get(db, c->user.account_id, &c->acct) != STORE_OK)
		return SRV_ERR_NOT_AUTHENTICATED;
	if (settings_load(db, c->acct.id, &c->settings) != STORE_OK)
		return SRV_ERR_INTERNAL;
	c->authed = 1;
	c->resp->user_id = c->user.id;

	if (c->session.scope == SESSION_SCOPE_BIND_MFA && !(a->flags & API_BIND_SCOPE))
		return srv_fail(&c->st, SRV_ERR_SESSION_RESTRICTED,
		    "Bind a virtual MFA device or a passkey first: this session may only call "
		    "CreateVirtualMFADevice, BindMFADevice, StartPasskeyRegistration, "
		    "FinishPasskeyRegistration, the step-up actions, WhoAmI and Logout.");
	if (c->session.scope == SESSION_SCOPE_CHANGE_PASSWORD && !(a->flags & API_PASSWORD_SCOPE))
		return srv_fail(&c->st, SRV_ERR_SESSION_RESTRICTED,
		    "Change the password first: this session may only call ChangePassword, the "
		    "step-up actions, WhoAmI and Logout.");
	if ((a->flags & API_OWNER) && !c->user.is_owner)
		return srv_fail(&c->st, SRV_ERR_FORBIDDEN, "Only the account owner may call %s.",
		    a->name);
	/* Checked before the step-up, so a forbidden call gets Forbidden and never MFARequired. */
	if ((r = api_settings_permit(c, a->flags)) != SRV_OK)
		return r;
	if (a->flags & (API_STEP_UP | API_STEP_UP_BIND))
		return stepup_require(c->app, &c->session, &c->user,
		    (a->flags & API_STEP_UP_BIND) ? STEPUP_BINDING : STEPUP_SENSITIVE, &c->methods,
		    &c->st);
	return SRV_OK;
}

/*
 * Serialize v into a plain malloc'd string. json_dumps allocates through
 * jansson's allocator, so its copy is released (and wiped) through jansson.
 */
static char *
api_dump(const json_t *v)
{
	void *(*jmalloc)(size_t);
	void (*jfree)(void *);
	char *dump = json_dumps(v, JSON_COMPACT);
	char *out;

	if (dump == NULL)
		return NULL;
	out = strdup(dump);
	json_get_alloc_funcs(&jmalloc, &jfree);
	jfree(dump);
	return out;
}

static void
api_error_body(struct api_ctx *c, int code)
{
	json_t *e;

	c->resp->status = srv_err_http_status(code);
	c->resp->retry_after = c->st.retry_after;
	e = json_pack("{s:s, s:s}", "code", srv_err_name(code), "message",
	    c->st.message[0] != '\0' ? c->st.message : srv_err_default_message(code));
	/* The factors the session's user can prove now with StepUp. */
	if (e != NULL && code == SRV_ERR_MFA_REQUIRED)
		json_object_set_new(e, "Methods", api_factors_json(c->methods));
	c->resp->body = e != NULL ? api_dump(e) : NULL;
	json_decref(e);
}

static int
api_check_request(struct api_ctx *c, const struct api_action **ret)
{
	const struct api_request *req = c->req;
	const struct api_action *a = api_find(c->app, req->path);

	if (a == NULL)
		return srv_fail(&c->st, SRV_ERR_UNKNOWN_ACTION,
		    "No operation has this path: use POST /api/v1/<Action> (see docs/api.md).");
	c->resp->action = a->name;
	if (strcmp(req->method, "POST") != 0 &&
	    !((a->flags & API_GET) && strcmp(req->method, "GET") == 0))
		return SRV_ERR_METHOD_NOT_ALLOWED;
	if (strcmp(req->method, "POST") == 0 &&
	    !csrf_origin_allowed(&c->app->cfg, req->origin, req->host))
		return SRV_ERR_ORIGIN_NOT_ALLOWED;
	if (req->too_large)
		return SRV_ERR_TOO_LARGE;
	if (req->bad_forwarded_for)
		return SRV_ERR_BAD_FORWARDED_FOR;
	if (req->body_len > 0 && !req->body_is_json)
		return SRV_ERR_UNSUPPORTED_MEDIA_TYPE;
	*ret = a;
	return SRV_OK;
}

void
api_handle(struct app *app, const struct api_request *req, struct api_response *resp)
{
	struct api_ctx c;
	const struct api_action *a = NULL;
	int r;

	memset(resp, 0, sizeof(*resp));
	memset(&c, 0, sizeof(c));
	c.app = app;
	c.req = req;
	c.resp = resp;

	audit_context_begin(req->src, req->user_agent);
	r = api_check_request(&c, &a);
	if (r == SRV_OK)
		r = jreq_parse(req->body, req->body_len, &c.body, &c.st);
	if (r == SRV_OK)
		r = api_authorize(&c, a);
	if (c.authed)
		audit_context_actor(c.user.id);
	if (r == SRV_OK)
		r = a->fn(&c);
	audit_context_end();
	if (r == SRV_OK && c.out == NULL)
		r = SRV_ERR_INTERNAL;

	if (r == SRV_OK) {
		resp->status = 200;
		resp->body = api_dump(c.out);
	} else {
		/* An error never sets a cookie, even if a handler prepared one. */
		resp->set_cookie[0] = '\0';
		resp->set_cookie_remember[0] = '\0';
		api_error_body(&c, r);
	}
	if (resp->body == NULL)
		resp->status = 500;
	json_decref(c.out);
	json_decref(c.body);
	mfa_memzero(&c.session, sizeof(c.session));
}

void
api_response_clear(struct api_response *resp)
{
	mfa_free_secret_str(resp->body);
	resp->body = NULL;
	mfa_memzero(resp->set_cookie, sizeof(resp->set_cookie));
	mfa_memzero(resp->set_cookie_remember, sizeof(resp->set_cookie_remember));
}
