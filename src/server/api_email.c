/* SPDX-License-Identifier: MIT */
/* Thin handlers of the security email actions and of the logon code request. */
#include "server/api_internal.h"
#include "server/email.h"
#include "server/json.h"
#include "server/principal.h"
#include "server/stepup.h"

static json_t *
api_email_info_json(const struct email_info *info)
{
	json_t *o = json_pack("{s:o, s:b, s:o}", "Email",
	    info->has_email ? json_string(info->email.address) : json_null(), "Verified",
	    info->has_email, "PendingEmail",
	    info->has_pending ? json_string(info->pending) : json_null());

	if (o != NULL && info->has_email)
		json_object_set_new(o, "VerifiedDate", json_integer(info->email.verified_at));
	if (o != NULL && info->has_pending)
		json_object_set_new(o, "PendingExpires", json_integer(info->pending_expires));
	return o;
}

int
api_set_verification_info(struct api_ctx *c)
{
	char principal[STORE_NAME_MAX + STORE_ALIAS_MAX + 2];
	struct email_pending pending;
	const char *email;
	int r;

	if ((r = jreq_string(c->body, "Email", 1, &email, NULL, &c->st)) != SRV_OK)
		return r;
	principal_format(&c->user, &c->acct, principal, sizeof(principal));
	r = email_set(c->app, &c->session, &c->user, principal, email, c->req->src, &pending,
	    &c->st);
	if (r != SRV_OK)
		return r;
	c->out = json_pack("{s:s, s:I}", "PendingEmail", pending.address, "CodeExpires",
	    (json_int_t)pending.expires);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

int
api_verify_verification_info(struct api_ctx *c)
{
	struct store_security_email e;
	const char *code;
	int r;

	if ((r = jreq_string(c->body, "Code", 1, &code, NULL, &c->st)) != SRV_OK ||
	    (r = email_verify(c->app, &c->user, code, c->req->src, &e, &c->st)) != SRV_OK)
		return r;
	/* The code proved the mailbox now, which counts as a step-up of this session. */
	if ((r = stepup_record(c->app, &c->session, FACTOR_EMAIL)) != SRV_OK)
		return r;
	c->out = json_pack("{s:s, s:b, s:I}", "Email", e.address, "Verified", 1, "VerifiedDate",
	    (json_int_t)e.verified_at);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

int
api_get_verification_info(struct api_ctx *c)
{
	struct email_info info;
	struct store_user u;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK ||
	    (r = email_info_get(c->app, &u, &info)) != SRV_OK)
		return r;
	c->out = api_email_info_json(&info);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

int
api_delete_verification_info(struct api_ctx *c)
{
	struct store_user u;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK ||
	    (r = email_remove(c->app, &c->session, &u, c->user.id, c->req->src, &c->st)) != SRV_OK)
		return r;
	c->out = json_object();
	return SRV_OK;
}

int
api_send_login_email_code(struct api_ctx *c)
{
	char hint[EMAIL_HINT_MAX + 1];
	const char *challenge;
	int64_t expires = 0;
	int r;

	if ((r = jreq_string(c->body, "Challenge", 1, &challenge, NULL, &c->st)) != SRV_OK ||
	    (r = logon_email_start(c->app, challenge, c->req->src, &expires, hint, &c->st)) != SRV_OK)
		return r;
	c->out = json_pack("{s:s, s:I}", "Destination", hint, "CodeExpires", (json_int_t)expires);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}
