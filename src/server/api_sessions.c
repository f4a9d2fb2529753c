/* SPDX-License-Identifier: MIT */
/* Handlers for session lists and revocation, API tokens and remembered browsers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mfa/common.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/access_token.h"
#include "server/api_internal.h"
#include "server/cookie.h"
#include "server/audit.h"
#include "server/json.h"
#include "server/remember.h"
#include "server/session.h"
#include "server/settings.h"

/* ---- API tokens as credentials ---- */

int
api_authorize_access_token(struct api_ctx *c, const char *action, int flags)
{
	struct store *db = app_store(c->app);
	struct store_access_token t;
	int64_t now = clock_now();
	int r;

	/* Only the header carries a token: a browser sends a cookie on its own. */
	if (!c->req->token_is_bearer)
		return SRV_ERR_NOT_AUTHENTICATED;
	r = access_token_lookup(c->app, c->req->token, now, &t);
	if (r != SRV_OK)
		return r;
	if (db->ops->user_get(db, t.user_id, &c->user) != STORE_OK ||
	    db->ops->account_get(db, c->user.account_id, &c->acct) != STORE_OK)
		return SRV_ERR_NOT_AUTHENTICATED;
	/* The account's settings, because GetSecurityPreference shows them for a token too. */
	if (settings_load(db, c->acct.id, &c->settings) != STORE_OK) {
		log_error("event=settings_load_failed account_id=%lld token_id=%lld",
		    (long long)c->acct.id, (long long)t.id);
		return SRV_ERR_INTERNAL;
	}

	/* Full scope, but no factor: the token proves neither a password nor a second factor. */
	memset(&c->session, 0, sizeof(c->session));
	c->session.user_id = t.user_id;
	c->session.scope = SESSION_SCOPE_FULL;
	c->session.created = t.created;
	c->session.expires = t.expires;
	c->session.last_seen = now;
	c->token_id = t.id;
	c->authed = 1;
	c->resp->user_id = c->user.id;
	audit_context_actor(c->user.id);

	/* API_TOKEN_SELF: the handler limits the token to acting on itself. */
	if ((flags & (API_STEP_UP | API_STEP_UP_BIND | API_NO_TOKEN)) &&
	    !(flags & API_TOKEN_SELF)) {
		access_token_audit_denied(c->app, &c->user, &t, action);
		if (strcmp(action, "Logout") == 0)
			return srv_fail(&c->st, SRV_ERR_ACCESS_TOKEN_DENIED, "An API token cannot "
			    "log out: end it with DeleteAccessToken and its own TokenId instead.");
		return srv_fail(&c->st, SRV_ERR_ACCESS_TOKEN_DENIED, "An API token may not call %s: "
		    "do this in a session that Login starts.", action);
	}
	if ((flags & API_OWNER) && !c->user.is_owner)
		return srv_fail(&c->st, SRV_ERR_FORBIDDEN, "Only the account owner may call %s.",
		    action);
	return SRV_OK;
}

/* ---- Remembered browsers ---- */

int
api_remember_browser(struct api_ctx *c)
{
	struct store *db = app_store(c->app);
	struct store_remembered_browser b;
	struct store_account acct;
	struct store_user u;
	char text[TOKEN_TEXT_SIZE];
	int remembered = 0;

	/* Only a proven second factor is worth remembering, and only where the owner allows it. */
	if (!(c->logon_factors & (FACTOR_TOTP | FACTOR_PASSKEY | FACTOR_EMAIL)) ||
	    db->ops->user_get(db, c->logon_user_id, &u) != STORE_OK ||
	    db->ops->account_get(db, u.account_id, &acct) != STORE_OK || !acct.save_mfa_ticket)
		goto out;
	if (remember_create(c->app, &u, text, &b) != SRV_OK) {
		log_error("event=browser_remember_failed user_id=%lld", (long long)u.id);
		goto out;
	}
	if (cookie_format(&c->app->cfg, API_REMEMBER_COOKIE_NAME, text, REMEMBER_TTL,
	    c->resp->set_cookie_remember, sizeof(c->resp->set_cookie_remember)) != 0)
		log_error("event=browser_remember_failed user_id=%lld err=\"cookie too long\"",
		    (long long)u.id);
	mfa_memzero(text, sizeof(text));
	remembered = 1;
out:
	json_object_set_new(c->out, "BrowserRemembered", json_boolean(remembered));
	return SRV_OK;
}

struct browser_list {
	json_t *rows;
	int has_cookie;
	uint8_t cookie_hash[STORE_TOKEN_HASH_LEN];
};

static int
api_browser_row(void *arg, const struct store_remembered_browser *b)
{
	struct browser_list *l = arg;
	int current = l->has_cookie &&
	    mfa_memcmp_ct(l->cookie_hash, b->token_hash, STORE_TOKEN_HASH_LEN) == 0;
	json_t *row = json_pack("{s:s, s:I, s:I, s:I, s:b}", "UserAgent", b->user_agent,
	    "CreateDate", (json_int_t)b->created, "ExpireDate", (json_int_t)b->expires,
	    "LastUsedDate", (json_int_t)b->last_used, "Current", current);

	if (row == NULL)
		return 1;
	json_object_set_new(row, "Id", json_sprintf("%lld", (long long)b->id));
	return json_array_append_new(l->rows, row) == 0 ? 0 : 1;
}

int
api_list_remembered_browsers(struct api_ctx *c)
{
	struct store *db = app_store(c->app);
	struct browser_list l;
	struct store_user u;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK)
		return r;
	memset(&l, 0, sizeof(l));
	l.has_cookie = c->req->remember != NULL && token_hash(c->req->remember, l.cookie_hash) == 0;
	l.rows = json_array();
	if (l.rows == NULL)
		return SRV_ERR_INTERNAL;
	if (db->ops->remembered_browser_list_by_user(db, u.id, clock_now(), api_browser_row,
	    &l) != STORE_OK) {
		json_decref(l.rows);
		return SRV_ERR_INTERNAL;
	}
	c->out = json_pack("{s:o}", "RememberedBrowsers", l.rows);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

/* Parse a decimal row id. Returns 0, which no row has, for invalid text. */
static int64_t
api_parse_id(const char *text)
{
	char *end = NULL;
	long long v;

	if (text == NULL || text[0] < '1' || text[0] > '9')
		return 0;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return 0;
	return v;
}

int
api_forget_remembered_browser(struct api_ctx *c)
{
	struct store_user u;
	const char *id;
	int64_t n;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK ||
	    (r = jreq_string(c->body, "Id", 1, &id, NULL, &c->st)) != SRV_OK)
		return r;
	n = api_parse_id(id);
	if (n == 0)
		return SRV_ERR_BROWSER_NOT_FOUND;
	if ((r = remember_forget(c->app, &u, n)) != SRV_OK)
		return r;
	c->out = json_object();
	return SRV_OK;
}

struct forget_all_tx {
	const struct app *app;
	const struct store_user *user;
	int64_t count;
};

static int
api_forget_all_fn(struct store *db, void *arg)
{
	struct forget_all_tx *tx = arg;

	return remember_forget_user(tx->app, db, tx->user->account_id, tx->user->id,
	    "user_request", &tx->count);
}

int
api_forget_all_remembered_browsers(struct api_ctx *c)
{
	struct forget_all_tx tx;
	struct store_user u;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK)
		return r;
	tx = (struct forget_all_tx){ c->app, &u, 0 };
	if (store_tx(app_store(c->app), api_forget_all_fn, &tx) != STORE_OK)
		return SRV_ERR_INTERNAL;
	/* The caller's own cookie is now worthless: drop it from the browser too. */
	if (u.id == c->user.id && c->req->remember != NULL)
		cookie_format(&c->app->cfg, API_REMEMBER_COOKIE_NAME, "", 0,
		    c->resp->set_cookie_remember, sizeof(c->resp->set_cookie_remember));
	c->out = json_pack("{s:I}", "ForgottenCount", (json_int_t)tx.count);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

/* ---- Sessions ---- */

struct session_list {
	json_t *rows;
	const struct api_ctx *c;
	int64_t now;
};

static int
api_session_row(void *arg, const struct store_session *s)
{
	struct session_list *l = arg;
	const struct api_ctx *c = l->c;
	int current;
	json_t *row;

	/* An idle session is dead even before the purge deletes it. */
	if (l->now - s->last_seen >= c->app->cfg.session_idle)
		return 0;
	current = c->token_id == 0 &&
	    mfa_memcmp_ct(s->token_hash, c->session.token_hash, STORE_TOKEN_HASH_LEN) == 0;
	row = json_pack("{s:s, s:I, s:I, s:I, s:s, s:o, s:s, s:s, s:b}", "SessionId",
	    s->public_id, "CreateDate", (json_int_t)s->created, "LastSeenDate",
	    (json_int_t)s->last_seen, "ExpireDate", (json_int_t)s->expires, "Scope",
	    session_scope_name(s->scope), "Factors", api_factors_json(s->factors),
	    "SourceAddress", s->src, "UserAgent", s->user_agent, "Current", current);
	return json_array_append_new(l->rows, row) == 0 ? 0 : 1;
}

int
api_list_sessions(struct api_ctx *c)
{
	struct store *db = app_store(c->app);
	struct session_list l;
	struct store_user u;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK)
		return r;
	l = (struct session_list){ json_array(), c, clock_now() };
	if (l.rows == NULL)
		return SRV_ERR_INTERNAL;
	if (db->ops->session_list_by_user(db, u.id, l.now, api_session_row, &l) != STORE_OK) {
		json_decref(l.rows);
		return SRV_ERR_INTERNAL;
	}
	c->out = json_pack("{s:o}", "Sessions", l.rows);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

int
api_revoke_session(struct api_ctx *c)
{
	struct store_user u;
	const char *id;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK ||
	    (r = jreq_string(c->body, "SessionId", 1, &id, NULL, &c->st)) != SRV_OK ||
	    (r = session_revoke_one(c->app, &u, id)) != SRV_OK)
		return r;
	/* Revoking the caller's own session works as a Logout. */
	if (c->token_id == 0 && strcmp(id, c->session.public_id) == 0 &&
	    cookie_format(&c->app->cfg, API_COOKIE_NAME, "", 0, c->resp->set_cookie,
	    sizeof(c->resp->set_cookie)) != 0)
		log_error("event=session_cookie_clear_failed user_id=%lld err=\"cookie too long\"",
		    (long long)u.id);
	c->out = json_object();
	return SRV_OK;
}

struct revoke_others_tx {
	const struct app *app;
	const struct store_user *user;
	const uint8_t *keep;
	const char *reason;
	int64_t count;
};

static int
api_revoke_others_fn(struct store *db, void *arg)
{
	struct revoke_others_tx *tx = arg;

	return session_revoke_user(tx->app, db, tx->user->account_id, tx->user->id, tx->keep,
	    tx->reason, &tx->count);
}

int
api_revoke_other_sessions(struct api_ctx *c)
{
	struct revoke_others_tx tx;
	struct store_user u;
	int self;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK)
		return r;
	/* The caller's session stays; a request with an API token has none to keep. */
	self = u.id == c->user.id;
	tx = (struct revoke_others_tx){ c->app, &u,
		self && c->token_id == 0 ? c->session.token_hash : NULL,
		self ? "revoke_others" : "owner_revoke", 0 };
	if (store_tx(app_store(c->app), api_revoke_others_fn, &tx) != STORE_OK)
		return SRV_ERR_INTERNAL;
	log_info("event=sessions_revoked user_id=%lld count=%lld by_user_id=%lld",
	    (long long)u.id, (long long)tx.count, (long long)c->user.id);
	c->out = json_pack("{s:I}", "RevokedCount", (json_int_t)tx.count);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

/* ---- API tokens ---- */

static json_t *
api_access_token_json(const struct store_access_token *t)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I}", "Description", t->description,
	    "CreateDate", (json_int_t)t->created, "ExpireDate", (json_int_t)t->expires,
	    "LastUsedDate", (json_int_t)t->last_used);

	if (o != NULL)
		json_object_set_new(o, "TokenId", json_sprintf("%lld", (long long)t->id));
	return o;
}

int
api_create_access_token(struct api_ctx *c)
{
	struct store_access_token t;
	char text[ACCESS_TOKEN_TEXT_SIZE];
	const char *description;
	long long days;
	json_t *o;
	int r;

	if ((r = jreq_string(c->body, "Description", 0, &description, NULL, &c->st)) != SRV_OK ||
	    (r = jreq_int(c->body, "ExpiresInDays", ACCESS_TOKEN_DAYS_DEFAULT, 1,
	    ACCESS_TOKEN_DAYS_MAX, &days, &c->st)) != SRV_OK)
		return r;
	r = access_token_create(c->app, &c->user, description != NULL ? description : "",
	    (int)days, text, &t, &c->st);
	if (r != SRV_OK)
		return r;
	o = api_access_token_json(&t);
	if (o != NULL)
		json_object_set_new(o, "Token", json_string(text));
	mfa_memzero(text, sizeof(text));
	c->out = json_pack("{s:o}", "AccessToken", o);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

static int
api_access_token_row(void *arg, const struct store_access_token *t)
{
	return json_array_append_new(arg, api_access_token_json(t)) == 0 ? 0 : 1;
}

int
api_list_access_tokens(struct api_ctx *c)
{
	struct store *db = app_store(c->app);
	struct store_user u;
	json_t *rows;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK)
		return r;
	rows = json_array();
	if (rows == NULL)
		return SRV_ERR_INTERNAL;
	if (db->ops->access_token_list_by_user(db, u.id, clock_now(), api_access_token_row,
	    rows) != STORE_OK) {
		json_decref(rows);
		return SRV_ERR_INTERNAL;
	}
	c->out = json_pack("{s:o}", "AccessTokens", rows);
	return c->out != NULL ? SRV_OK : SRV_ERR_INTERNAL;
}

int
api_delete_access_token(struct api_ctx *c)
{
	struct store_user u;
	const char *id;
	int64_t n;
	int r;

	if ((r = api_target_user(c, 1, &u)) != SRV_OK ||
	    (r = jreq_string(c->body, "TokenId", 1, &id, NULL, &c->st)) != SRV_OK)
		return r;
	n = api_parse_id(id);
	if (n == 0)
		return SRV_ERR_ACCESS_TOKEN_NOT_FOUND;
	/* Without a step-up, a token may revoke itself and nothing else. */
	if (c->token_id != 0 && n != c->token_id)
		return srv_fail(&c->st, SRV_ERR_ACCESS_TOKEN_DENIED, "An API token may delete only "
		    "itself: delete other tokens in a session that Login starts.");
	if ((r = access_token_delete(c->app, &u, n, &c->st)) != SRV_OK)
		return r;
	c->out = json_object();
	return SRV_OK;
}
