/* SPDX-License-Identifier: MIT */
/* Thin handlers of the passkey actions. */
#include <mfa/common.h>

#include "server/api_internal.h"
#include "server/json.h"
#include "server/netlogon.h"
#include "server/passkey.h"
#include "server/stepup.h"

/* The Credential object of the body. */
static int
api_credential(struct api_ctx *c, json_t **ret)
{
	json_t *cred = json_object_get(c->body, "Credential");

	if (cred == NULL)
		return srv_fail(&c->st, SRV_ERR_MISSING_PARAMETER, "Credential is missing.");
	if (!json_is_object(cred))
		return srv_fail(&c->st, SRV_ERR_INVALID_PARAMETER, "Credential must be an object.");
	*ret = cred;
	return SRV_OK;
}

int
api_login_mfa_passkey(struct api_ctx *c, const char *challenge)
{
	struct logon_result res;
	json_t *cred = NULL;
	int r;

	if ((r = api_credential(c, &cred)) != SRV_OK)
		return r;
	r = logon_mfa_passkey(c->app, challenge, cred, c->req->src, &res, &c->st);
	if (r == SRV_OK)
		r = api_logon_result(c, &res);
	mfa_memzero(&res, sizeof(res));
	return r;
}

int
api_start_passkey_registration(struct api_ctx *c)
{
	json_t *options = NULL;
	int r;

	r = passkey_registration_start(c->app, &c->session, &c->user, &c->acct, &options, &c->st);
	if (r != SRV_OK)
		return r;
	c->out = json_pack("{s:o}", "Options", options);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

int
api_finish_passkey_registration(struct api_ctx *c)
{
	struct store_passkey pk;
	struct logon_result res;
	json_t *cred = NULL;
	const char *name;
	int r;

	if ((r = jreq_string(c->body, "Name", 0, &name, NULL, &c->st)) != SRV_OK ||
	    (r = api_credential(c, &cred)) != SRV_OK)
		return r;
	r = passkey_registration_finish(c->app, &c->session, &c->user, name, cred, &pk, c->req->src,
	    &c->st);
	if (r != SRV_OK)
		return r;
	if (c->session.scope == SESSION_SCOPE_BIND_MFA) {
		/* The new passkey is the second factor the restricted session waited for. */
		r = logon_after_bind(c->app, &c->session, &c->user, FACTOR_PASSKEY, &res);
		if (r == SRV_OK)
			r = api_logon_result(c, &res);
		mfa_memzero(&res, sizeof(res));
		if (r != SRV_OK)
			return r;
		json_object_set_new(c->out, "Passkey", passkey_json(&pk));
		return SRV_OK;
	}
	/* The registration proved the passkey now, which counts as a step-up of this session. */
	if ((r = stepup_record(c->app, &c->session, FACTOR_PASSKEY)) != SRV_OK)
		return r;
	c->out = json_pack("{s:o}", "Passkey", passkey_json(&pk));
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

int
api_list_passkeys(struct api_ctx *c)
{
	struct store_user u;
	json_t *list = NULL;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK ||
	    (r = passkey_list(c->app, u.id, &list, &c->st)) != SRV_OK)
		return r;
	c->out = json_pack("{s:o}", "Passkeys", list);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

int
api_update_passkey(struct api_ctx *c)
{
	struct store_passkey pk;
	const char *id;
	const char *name;
	int r;

	if ((r = jreq_string(c->body, "PasskeyId", 1, &id, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_string(c->body, "NewName", 1, &name, NULL, &c->st)) != SRV_OK ||
	    (r = passkey_rename(c->app, c->user.id, id, name, &pk, &c->st)) != SRV_OK)
		return r;
	c->out = json_pack("{s:o}", "Passkey", passkey_json(&pk));
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

int
api_delete_passkey(struct api_ctx *c)
{
	struct store_user u;
	const char *id;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK ||
	    (r = jreq_string(c->body, "PasskeyId", 1, &id, NULL, &c->st)) != SRV_OK ||
	    (r = passkey_delete(c->app, u.id, id, c->req->src, &c->st)) != SRV_OK)
		return r;
	c->out = json_object();
	return SRV_OK;
}

int
api_start_passkey_login(struct api_ctx *c)
{
	json_t *options = NULL;
	const char *challenge;
	int r;

	if ((r = jreq_string(c->body, "Challenge", 0, &challenge, NULL, &c->st)) != SRV_OK ||
	    (r = logon_passkey_start(c->app, challenge, c->req->src, &options,
	    &c->st)) != SRV_OK)
		return r;
	c->out = json_pack("{s:o}", "Options", options);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

int
api_login_passkey(struct api_ctx *c)
{
	struct logon_result res;
	json_t *cred = NULL;
	int r;

	if ((r = api_credential(c, &cred)) != SRV_OK)
		return r;
	r = logon_passkey(c->app, cred, c->req->src, &res, &c->st);
	if (r == SRV_OK)
		r = api_logon_result(c, &res);
	mfa_memzero(&res, sizeof(res));
	return r;
}
