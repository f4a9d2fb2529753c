/* SPDX-License-Identifier: MIT */
/* Thin handlers of the step-up actions, which refresh a session's second factor. */
#include <string.h>

#include "common/clock.h"
#include "server/api_internal.h"
#include "server/json.h"
#include "server/stepup.h"

static int
api_step_up_done(struct api_ctx *c)
{
	c->out = json_pack("{s:s, s:I}", "Status", "OK", "StepUpExpires",
	    (json_int_t)(clock_now() + c->app->cfg.step_up_ttl));
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

int
api_step_up(struct api_ctx *c)
{
	json_t *cred;
	const char *method;
	const char *code;
	int r;

	if ((r = jreq_string(c->body, "Method", 1, &method, NULL, &c->st)) != SRV_OK)
		return r;
	if (strcmp(method, "passkey") == 0) { /* not secret */
		cred = json_object_get(c->body, "Credential");
		if (cred == NULL)
			return srv_fail(&c->st, SRV_ERR_MISSING_PARAMETER, "Credential is missing.");
		if (!json_is_object(cred))
			return srv_fail(&c->st, SRV_ERR_INVALID_PARAMETER,
			    "Credential must be an object.");
		r = stepup_passkey(c->app, &c->session, &c->user, cred, c->req->src, &c->st);
		return r == SRV_OK ? api_step_up_done(c) : r;
	}
	if ((r = jreq_string(c->body, "Code", 1, &code, NULL, &c->st)) != SRV_OK)
		return r;
	r = stepup_code(c->app, &c->session, &c->user, method, code, c->req->src, &c->st);
	return r == SRV_OK ? api_step_up_done(c) : r;
}

int
api_send_step_up_email_code(struct api_ctx *c)
{
	char hint[EMAIL_HINT_MAX + 1];
	int64_t expires = 0;
	int r;

	r = stepup_email_start(c->app, &c->session, &c->user, c->req->src, &expires, hint, &c->st);
	if (r != SRV_OK)
		return r;
	c->out = json_pack("{s:s, s:I}", "Destination", hint, "CodeExpires", (json_int_t)expires);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

int
api_start_step_up_passkey(struct api_ctx *c)
{
	json_t *options = NULL;
	int r;

	r = stepup_passkey_start(c->app, &c->session, &c->user, &options, &c->st);
	if (r != SRV_OK)
		return r;
	c->out = json_pack("{s:o}", "Options", options);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}
