/* SPDX-License-Identifier: MIT */
/* Per-account security settings and the strength order of second factors. */
#include "server/settings.h"

#include "common/log.h"
#include "server/audit.h"

int
settings_load(struct store *db, int64_t account_id, struct store_account_settings *ret)
{
	int r = db->ops->account_settings_get(db, account_id, ret);

	if (r == STORE_NOT_FOUND) {
		store_account_settings_default(account_id, ret);
		return STORE_OK;
	}
	return r == STORE_OK ? STORE_OK : STORE_ERROR;
}

int64_t
settings_session_ttl(const struct app *app, const struct store_account_settings *s)
{
	int64_t ttl = (int64_t)s->session_hours * 3600;

	return ttl < app->cfg.session_ttl ? ttl : app->cfg.session_ttl;
}

int64_t
settings_session_idle(const struct app *app, const struct store_account_settings *s)
{
	int64_t idle = (int64_t)s->idle_minutes * 60;

	return idle > 0 && idle < app->cfg.session_idle ? idle : app->cfg.session_idle;
}

int
settings_logon_methods(const struct store_account_settings *s, int methods)
{
	return s->allow_email_logon ? methods : methods & ~FACTOR_EMAIL;
}

int
settings_step_up_methods(const struct store_account_settings *s, int methods)
{
	return s->allow_email_step_up ? methods : methods & ~FACTOR_EMAIL;
}

int
settings_strongest(int methods)
{
	if (methods & FACTOR_PASSKEY)
		return FACTOR_PASSKEY;
	if (methods & FACTOR_TOTP)
		return FACTOR_TOTP;
	return methods & FACTOR_EMAIL;
}

int
settings_at_least(int factor)
{
	switch (factor) {
	case FACTOR_PASSKEY:
		return FACTOR_PASSKEY;
	case FACTOR_TOTP:
		return FACTOR_PASSKEY | FACTOR_TOTP;
	default:
		return FACTOR_PASSKEY | FACTOR_TOTP | FACTOR_EMAIL;
	}
}

struct settings_tx {
	const struct app *app;
	const struct store_account *acct;
	const struct store_account_settings *s;
	int passkey_logon;
	const char *detail;
};

static int
settings_update_fn(struct store *db, void *arg)
{
	struct settings_tx *tx = arg;
	int r;

	if (tx->passkey_logon != tx->acct->passkey_logon) {
		r = db->ops->account_set_passkey_logon(db, tx->acct->id, tx->passkey_logon);
		if (r != STORE_OK)
			return STORE_ERROR;
	}
	if (db->ops->account_settings_put(db, tx->s) != STORE_OK)
		return STORE_ERROR;
	return audit_record(tx->app, db, &(struct audit_event){ "security_preference",
	    AUDIT_SUCCESS, tx->acct->id, 0, 0, tx->detail });
}

int
settings_update(struct app *app, struct store_account *acct,
    const struct store_account_settings *s, int passkey_logon, const char *detail,
    const char *src)
{
	struct store *db = app_store(app);
	struct settings_tx tx = { app, acct, s, passkey_logon != 0, detail };

	if (db == NULL || store_tx(db, settings_update_fn, &tx) != STORE_OK)
		return SRV_ERR_INTERNAL;
	acct->passkey_logon = passkey_logon != 0;
	log_info("event=security_preference account_id=%lld changed=\"%s\" src=%s",
	    (long long)acct->id, detail, src);
	return SRV_OK;
}
