/* SPDX-License-Identifier: MIT */
/* Admin recovery: ResetUserMFA and mfactl user reset-mfa. */
#include "server/recovery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mfa/common.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/audit.h"
#include "server/notify.h"
#include "server/outbox.h"
#include "server/remember.h"

/* The ids of a user's passkeys, read before they are deleted. */
struct recovery_ids {
	int64_t *ids;
	size_t count;
	size_t cap;
	int failed;
};

static int
recovery_passkey_row(void *arg, const struct store_passkey *pk)
{
	struct recovery_ids *list = arg;
	int64_t *grown;
	size_t cap;

	if (list->count == list->cap) {
		cap = list->cap == 0 ? 8 : list->cap * 2;
		grown = realloc(list->ids, cap * sizeof(*grown));
		if (grown == NULL) {
			list->failed = 1;
			return 1;
		}
		list->ids = grown;
		list->cap = cap;
	}
	list->ids[list->count++] = pk->id;
	return 0;
}

static int
recovery_delete_passkeys(struct store *db, int64_t user_id, int64_t *ret_count)
{
	struct recovery_ids list = { NULL, 0, 0, 0 };
	int r;

	r = db->ops->passkey_list_by_user(db, user_id, recovery_passkey_row, &list);
	if (r == STORE_OK && list.failed)
		r = STORE_ERROR;
	for (size_t i = 0; r == STORE_OK && i < list.count; i++)
		r = db->ops->passkey_delete(db, list.ids[i], user_id);
	*ret_count = (int64_t)list.count;
	free(list.ids);
	return r;
}

/* Delete the device, bound or pending. */
static int
recovery_delete_device(struct store *db, int64_t user_id, int *ret_removed)
{
	struct store_mfa_device dev;
	int r = db->ops->mfa_device_get_by_user(db, user_id, &dev);

	*ret_removed = 0;
	if (r == STORE_NOT_FOUND)
		return STORE_OK;
	if (r == STORE_OK)
		r = db->ops->mfa_device_delete(db, dev.id);
	mfa_memzero(&dev, sizeof(dev));
	*ret_removed = r == STORE_OK;
	return r;
}

/* Delete the address and every pending code, which could still attach or prove one. */
static int
recovery_delete_email(struct store *db, int64_t user_id)
{
	static const int purposes[] = { EMAIL_CODE_VERIFY, EMAIL_CODE_LOGON, EMAIL_CODE_STEP_UP };
	struct store_email_code c;
	int r;

	if (db->ops->security_email_delete(db, user_id) == STORE_ERROR)
		return STORE_ERROR;
	for (size_t i = 0; i < sizeof(purposes) / sizeof(purposes[0]); i++) {
		r = db->ops->email_code_get(db, user_id, purposes[i], &c);
		if (r == STORE_OK)
			r = db->ops->email_code_delete(db, c.id);
		mfa_memzero(&c, sizeof(c));
		if (r == STORE_ERROR)
			return STORE_ERROR;
	}
	return STORE_OK;
}

/* Require a binding at the next logon. A user without a profile has nothing to set. */
static int
recovery_require_bind(struct store *db, int64_t user_id, int *ret_set)
{
	struct store_login_profile lp;
	int r = db->ops->login_profile_get(db, user_id, &lp);

	*ret_set = 0;
	if (r == STORE_NOT_FOUND)
		return STORE_OK;
	if (r == STORE_OK) {
		lp.mfa_bind_required = 1;
		lp.updated = clock_now();
		r = db->ops->login_profile_update(db, &lp);
	}
	mfa_memzero(&lp, sizeof(lp));
	*ret_set = r == STORE_OK;
	return r;
}

struct recovery_tx {
	struct app *app;
	const struct store_user *user;
	struct recovery_result res;
};

static int
recovery_reset_fn(struct store *db, void *arg)
{
	struct recovery_tx *tx = arg;
	struct store_security_email old;
	int64_t uid = tx->user->id;
	char detail[96];
	int r;

	r = db->ops->security_email_get(db, uid, &old);
	if (r == STORE_ERROR)
		return r;
	tx->res.email_removed = r == STORE_OK;

	if (recovery_delete_device(db, uid, &tx->res.totp_removed) != STORE_OK ||
	    recovery_delete_passkeys(db, uid, &tx->res.passkeys_removed) != STORE_OK ||
	    recovery_delete_email(db, uid) != STORE_OK ||
	    recovery_require_bind(db, uid, &tx->res.bind_required) != STORE_OK)
		return STORE_ERROR;
	/*
	 * A remembered browser would skip the factors the owner just removed, and
	 * a reset usually follows a takeover, so the API tokens are deleted too.
	 */
	if (remember_forget_user(tx->app, db, tx->user->account_id, uid, "mfa_reset", NULL) !=
	    STORE_OK || db->ops->session_delete_by_user(db, uid) == STORE_ERROR ||
	    db->ops->access_token_delete_by_user(db, uid, &tx->res.tokens_removed) != STORE_OK)
		return STORE_ERROR;

	if (audit_record(tx->app, db, &(struct audit_event){ "admin_reset_mfa", AUDIT_SUCCESS,
	    tx->user->account_id, uid, 0, audit_detail(detail, sizeof(detail),
	    "totp=%d passkeys=%lld email=%d bind_required=%d tokens=%lld", tx->res.totp_removed,
	    (long long)tx->res.passkeys_removed, tx->res.email_removed,
	    tx->res.bind_required, (long long)tx->res.tokens_removed) }) != STORE_OK)
		return STORE_ERROR;
	if (!tx->res.email_removed)
		return STORE_OK;
	return notify_send(tx->app, db, uid, old.address, NOTIFY_ADMIN_RESET, 0);
}

int
recovery_reset_mfa(struct app *app, const struct store_user *user, const char *src,
    struct recovery_result *ret, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct recovery_tx tx;
	int r;

	(void)st;
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	memset(&tx, 0, sizeof(tx));
	tx.app = app;
	tx.user = user;
	r = store_tx(db, recovery_reset_fn, &tx);
	outbox_wake(app);
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	log_info("event=admin_reset_mfa user_id=%lld totp=%d passkeys=%lld email=%d src=%s",
	    (long long)user->id, tx.res.totp_removed, (long long)tx.res.passkeys_removed,
	    tx.res.email_removed, src);
	if (ret != NULL)
		*ret = tx.res;
	return SRV_OK;
}
