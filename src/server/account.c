/* SPDX-License-Identifier: MIT */
/* Account set-up. */
#include "server/account.h"

#include <string.h>

#include <mfa/common.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/audit.h"
#include "server/principal.h"
#include "server/pwpolicy_store.h"

struct account_init_tx {
	struct store_account acct;
	struct store_user owner;
	struct store_login_profile lp;
	const struct app *app;
};

static int
account_init_fn(struct store *st, void *arg)
{
	struct account_init_tx *tx = arg;
	int r;

	r = st->ops->account_create(st, &tx->acct);
	if (r != STORE_OK)
		return r;
	tx->owner.account_id = tx->acct.id;
	r = st->ops->user_create(st, &tx->owner);
	if (r != STORE_OK)
		return r == STORE_CONFLICT ? STORE_ERROR : r;
	tx->lp.user_id = tx->owner.id;
	r = st->ops->login_profile_create(st, &tx->lp);
	if (r != STORE_OK)
		return r;
	if (pwpolicy_remember(st, tx->owner.id, tx->lp.password_hash, tx->lp.created) != STORE_OK)
		return STORE_ERROR;
	return audit_record(tx->app, st, &(struct audit_event){ "account_create", AUDIT_SUCCESS,
	    tx->acct.id, tx->owner.id, 0, "" });
}

int
account_init(struct app *app, const char *alias, const char *password, size_t len,
    struct store_account *ret, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct account_init_tx tx;
	int64_t now = clock_now();
	char quoted[LOG_QUOTE_MAX];
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (!alias_valid(alias))
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The alias must have 3 to 63 of a-z, 0-9 and '-', not starting or ending "
		    "with '-'.");
	memset(&tx, 0, sizeof(tx));
	tx.app = app;
	memcpy(tx.acct.alias, alias, strlen(alias) + 1);
	tx.acct.created = now;
	tx.owner.is_owner = 1;
	memcpy(tx.owner.display_name, alias, strlen(alias) + 1);
	tx.owner.created = tx.owner.updated = now;
	tx.lp.created = tx.lp.updated = tx.lp.password_changed = now;
	/* A new owner has no second factor yet, so the password alone logs on. */
	r = pwpolicy_new_password(app, &(struct pwpolicy_subject){ 0, alias, 0, NULL, 1, NULL },
	    password, len, tx.lp.password_hash, st);
	if (r != SRV_OK)
		return r;

	r = store_tx(db, account_init_fn, &tx);
	mfa_memzero(tx.lp.password_hash, sizeof(tx.lp.password_hash));
	if (r == STORE_CONFLICT)
		return SRV_ERR_ACCOUNT_EXISTS;
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	log_info("event=account_created account=%s", log_quote(alias, quoted, sizeof(quoted)));
	if (ret != NULL)
		*ret = tx.acct;
	return SRV_OK;
}

int
account_find(struct app *app, const char *alias, struct store_account *ret, struct srv_status *st)
{
	struct store *db = app_store(app);
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	r = db->ops->account_get_by_alias(db, alias, ret);
	if (r == STORE_NOT_FOUND)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "No account has this alias.");
	return r == STORE_OK ? SRV_OK : SRV_ERR_INTERNAL;
}

struct save_mfa_ticket_tx {
	const struct app *app;
	const struct store_account *acct;
	int on;
};

static int
account_save_mfa_ticket_fn(struct store *db, void *arg)
{
	struct save_mfa_ticket_tx *tx = arg;
	int r;

	r = db->ops->account_set_save_mfa_ticket(db, tx->acct->id, tx->on);
	/* Turning the setting off forgets every browser it let users remember. */
	if (r == STORE_OK && !tx->on)
		r = db->ops->remembered_browser_delete_by_account(db, tx->acct->id);
	return r;
}

int
account_set_save_mfa_ticket(struct app *app, struct store_account *acct, int on, const char *src)
{
	struct store *db = app_store(app);
	struct save_mfa_ticket_tx tx = { app, acct, on != 0 };

	if (db == NULL || store_tx(db, account_save_mfa_ticket_fn, &tx) != STORE_OK)
		return SRV_ERR_INTERNAL;
	acct->save_mfa_ticket = on != 0;
	log_info("event=security_preference account_id=%lld save_mfa_ticket=%d src=%s",
	    (long long)acct->id, on != 0, src);
	return SRV_OK;
}
