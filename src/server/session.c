/* SPDX-License-Identifier: MIT */
/* Session tokens and their lifetime checks. */
#include "server/session.h"

#include <openssl/evp.h>
#include <string.h>

#include <mfa/common.h>

#include "common/log.h"
#include "server/audit.h"
#include "server/settings.h"

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
token_generate(char text[TOKEN_TEXT_SIZE])
{
	uint8_t raw[TOKEN_BYTES + 1]; /* one spare zero byte keeps the loop simple */
	size_t o = 0;

	if (mfa_random_bytes(raw, TOKEN_BYTES) != 0)
		return -1;
	raw[TOKEN_BYTES] = 0;
	for (size_t i = 0; i < TOKEN_BYTES; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 |
		    (i + 2 < TOKEN_BYTES ? raw[i + 2] : 0);
		text[o++] = b64url[v >> 18 & 63];
		text[o++] = b64url[v >> 12 & 63];
		if (o < TOKEN_TEXT_LEN)
			text[o++] = b64url[v >> 6 & 63];
		if (o < TOKEN_TEXT_LEN)
			text[o++] = b64url[v & 63];
	}
	text[TOKEN_TEXT_LEN] = '\0';
	mfa_memzero(raw, sizeof(raw));
	return 0;
}

int
token_hash(const char *text, uint8_t hash[STORE_TOKEN_HASH_LEN])
{
	unsigned int len = 0;

	if (text == NULL || strlen(text) != TOKEN_TEXT_LEN ||
	    strspn(text, b64url) != TOKEN_TEXT_LEN)
		return -1;
	if (EVP_Digest(text, TOKEN_TEXT_LEN, hash, &len, EVP_sha256(), NULL) != 1 ||
	    len != STORE_TOKEN_HASH_LEN)
		return -1;
	return 0;
}

/* Copy carry's proof times, then set those of proven to now. */
static void
session_set_proofs(struct store_session *s, const struct store_session *carry, int proven,
    int64_t now)
{
	if (carry != NULL) {
		s->mfa_at = carry->mfa_at;
		s->totp_at = carry->totp_at;
		s->passkey_at = carry->passkey_at;
		s->email_at = carry->email_at;
	}
	if (proven & (FACTOR_TOTP | FACTOR_PASSKEY | FACTOR_EMAIL))
		s->mfa_at = now;
	if (proven & FACTOR_TOTP)
		s->totp_at = now;
	if (proven & FACTOR_PASSKEY)
		s->passkey_at = now;
	if (proven & FACTOR_EMAIL)
		s->email_at = now;
}

int
session_public_id(char id[STORE_SESSION_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t raw[STORE_SESSION_ID_LEN / 2];

	if (mfa_random_bytes(raw, sizeof(raw)) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(raw); i++) {
		id[2 * i] = hex[raw[i] >> 4];
		id[2 * i + 1] = hex[raw[i] & 15];
	}
	id[STORE_SESSION_ID_LEN] = '\0';
	return 0;
}

int
session_create(const struct app *app, struct store *st, int64_t user_id, int scope, int factors,
    int64_t now, int proven, const struct store_session *carry, char text[TOKEN_TEXT_SIZE],
    struct store_session *ret)
{
	struct store_account_settings set;
	struct store_session s;
	struct store_user u;

	memset(&s, 0, sizeof(s));
	if (st->ops->user_get(st, user_id, &u) != STORE_OK ||
	    settings_load(st, u.account_id, &set) != STORE_OK)
		return SRV_ERR_INTERNAL;
	if (token_generate(text) != 0 || token_hash(text, s.token_hash) != 0 ||
	    session_public_id(s.public_id) != 0)
		return SRV_ERR_INTERNAL;
	audit_context_copy(s.src, s.user_agent);
	s.user_id = user_id;
	s.scope = scope;
	s.factors = factors;
	s.created = now;
	s.last_seen = now;
	session_set_proofs(&s, carry, proven, now);
	/* Restricted sessions only finish a logon, so they live as long as a challenge. */
	s.expires = now + (scope == SESSION_SCOPE_FULL ? settings_session_ttl(app, &set) :
	    app->cfg.challenge_ttl * 3);
	s.idle_timeout = settings_session_idle(app, &set);
	if (st->ops->session_create(st, &s) != STORE_OK)
		return SRV_ERR_INTERNAL;
	if (ret != NULL)
		*ret = s;
	return SRV_OK;
}

int
session_lookup(const struct app *app, struct store *st, const char *token, int64_t now,
    struct store_session *ret)
{
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	struct store_session s;
	int64_t idle;
	int r;

	if (token_hash(token, hash) != 0)
		return SRV_ERR_NOT_AUTHENTICATED;
	r = st->ops->session_get(st, hash, &s);
	if (r == STORE_NOT_FOUND)
		return SRV_ERR_NOT_AUTHENTICATED;
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	/* The idle time fixed at creation, or the server's if it has since been lowered. */
	idle = s.idle_timeout > 0 && s.idle_timeout < app->cfg.session_idle ? s.idle_timeout :
	    app->cfg.session_idle;
	if (now >= s.expires || now - s.last_seen >= idle) {
		(void)st->ops->session_delete(st, hash);
		return SRV_ERR_NOT_AUTHENTICATED;
	}
	/* Writing on every request would cost a commit each; a minute of slack is harmless. */
	if (now - s.last_seen >= SESSION_TOUCH_INTERVAL) {
		if (st->ops->session_touch(st, hash, now) != STORE_OK)
			return SRV_ERR_INTERNAL;
		s.last_seen = now;
	}
	*ret = s;
	return SRV_OK;
}

int
session_end(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN])
{
	return st->ops->session_delete(st, hash) == STORE_ERROR ? SRV_ERR_INTERNAL : SRV_OK;
}

int
session_revoke_user(const struct app *app, struct store *db, int64_t account_id,
    int64_t user_id, const uint8_t *keep, const char *reason, int64_t *ret_count)
{
	int64_t count = 0;
	char detail[64];

	if (db->ops->session_revoke_by_user(db, user_id, keep, &count) != STORE_OK)
		return STORE_ERROR;
	if (ret_count != NULL)
		*ret_count = count;
	return audit_record(app, db, &(struct audit_event){ "session_revoke", AUDIT_SUCCESS,
	    account_id, user_id, 0, audit_detail(detail, sizeof(detail), "reason=%s count=%lld",
	    reason, (long long)count) });
}

struct revoke_one_tx {
	const struct app *app;
	const struct store_user *user;
	const char *public_id;
};

static int
session_revoke_one_fn(struct store *db, void *arg)
{
	struct revoke_one_tx *tx = arg;
	char detail[64];
	int r;

	r = db->ops->session_delete_by_public_id(db, tx->user->id, tx->public_id);
	if (r != STORE_OK)
		return r;
	return audit_record(tx->app, db, &(struct audit_event){ "session_revoke", AUDIT_SUCCESS,
	    tx->user->account_id, tx->user->id, 0, audit_detail(detail, sizeof(detail),
	    "session_id=%s", tx->public_id) });
}

int
session_revoke_one(struct app *app, const struct store_user *user, const char *public_id)
{
	struct store *db = app_store(app);
	struct revoke_one_tx tx = { app, user, public_id };
	int r;

	/* Only a well-formed id reaches the database or the audit record. */
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (strlen(public_id) != STORE_SESSION_ID_LEN ||
	    strspn(public_id, "0123456789abcdef") != STORE_SESSION_ID_LEN)
		return SRV_ERR_SESSION_NOT_FOUND;
	r = store_tx(db, session_revoke_one_fn, &tx);
	if (r == STORE_NOT_FOUND)
		return SRV_ERR_SESSION_NOT_FOUND;
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	log_info("event=session_revoked user_id=%lld session_id=%s", (long long)user->id,
	    public_id);
	return SRV_OK;
}

const char *
session_scope_name(int scope)
{
	switch (scope) {
	case SESSION_SCOPE_FULL:
		return "full";
	case SESSION_SCOPE_BIND_MFA:
		return "bind-mfa";
	case SESSION_SCOPE_CHANGE_PASSWORD:
		return "change-password";
	default:
		return "unknown";
	}
}
