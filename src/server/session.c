/* SPDX-License-Identifier: MIT */
/* Session tokens and their lifetime checks. */
#include "server/session.h"

#include <openssl/evp.h>
#include <string.h>

#include <mfa/common.h>

#include "common/log.h"
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
	if (token_generate(text) != 0 || token_hash(text, s.token_hash) != 0)
		return SRV_ERR_INTERNAL;
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
