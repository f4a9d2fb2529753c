/* SPDX-License-Identifier: MIT */
/* User and login profile administration. */
#include "server/users.h"

#include <string.h>

#include <mfa/common.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/audit.h"
#include "server/lockout.h"
#include "server/notify.h"
#include "server/outbox.h"
#include "server/principal.h"
#include "server/pwpolicy_store.h"
#include "server/remember.h"
#include "server/session.h"

/* Record a change to user u, made by the request's session user, as its own statement. */
static void
users_audit(struct app *app, struct store *db, const struct store_user *u, const char *event,
    const char *detail)
{
	struct audit_event ev = { event, AUDIT_SUCCESS, u->account_id, u->id, 0, detail };

	(void)audit_record(app, db, &ev);
}

/* The profile flags a change set, for the detail of its audit record. */
static const char *
users_profile_detail(char *buf, size_t size, const struct store_login_profile *lp,
    const struct profile_change *change)
{
	return audit_detail(buf, size, "password=%s reset_required=%d mfa_bind_required=%d",
	    change->password != NULL ? "set" : "kept", lp->reset_required, lp->mfa_bind_required);
}

static int
users_bad_name(struct srv_status *st, const char *field)
{
	return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
	    "%s must have 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'.", field);
}

int
users_create(struct app *app, int64_t account_id, const char *name, const char *display_name,
    struct store_user *ret, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct store_user u;
	char name_q[LOG_QUOTE_MAX];
	char quoted[LOG_QUOTE_MAX];
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (!user_name_valid(name))
		return users_bad_name(st, "UserName");
	if (display_name == NULL || display_name[0] == '\0')
		display_name = name;
	if (!display_name_valid(display_name))
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "DisplayName must have 1 to 128 characters and no control character.");

	memset(&u, 0, sizeof(u));
	u.account_id = account_id;
	memcpy(u.name, name, strlen(name) + 1);
	memcpy(u.display_name, display_name, strlen(display_name) + 1);
	u.created = u.updated = clock_now();
	r = db->ops->user_create(db, &u);
	if (r == STORE_CONFLICT)
		return SRV_ERR_USER_EXISTS;
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	users_audit(app, db, &u, "user_create", audit_detail(quoted, sizeof(quoted), "user=%s",
	    log_quote(u.name, name_q, sizeof(name_q))));
	if (ret != NULL)
		*ret = u;
	return SRV_OK;
}

int
users_get(struct app *app, int64_t account_id, const char *name, struct store_user *ret,
    struct srv_status *st)
{
	struct store *db = app_store(app);
	int r;

	(void)st;
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (!user_name_valid(name))
		return SRV_ERR_USER_NOT_FOUND;
	r = db->ops->user_get_by_name(db, account_id, name, ret);
	if (r == STORE_NOT_FOUND || (r == STORE_OK && ret->is_owner))
		return SRV_ERR_USER_NOT_FOUND;
	return r == STORE_OK ? SRV_OK : SRV_ERR_INTERNAL;
}

struct list_state {
	store_user_cb cb;
	void *arg;
	int left;      /* rows still to pass on */
	int truncated; /* a row past the page was seen */
};

static int
users_list_row(void *arg, const struct store_user *user)
{
	struct list_state *ls = arg;

	if (ls->left == 0) {
		ls->truncated = 1;
		return 1;
	}
	ls->left--;
	return ls->cb(ls->arg, user);
}

int
users_list(struct app *app, int64_t account_id, const char *marker, int max_items,
    store_user_cb cb, void *arg, int *ret_truncated, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct list_state ls = { cb, arg, max_items, 0 };
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (max_items < 1 || max_items > USERS_LIST_MAX)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "MaxItems must be from 1 to %d.",
		    USERS_LIST_MAX);
	/* One row more than the page tells whether another page follows. */
	r = db->ops->user_list(db, account_id, marker, max_items + 1, users_list_row, &ls);
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	*ret_truncated = ls.truncated;
	return SRV_OK;
}

int
users_update(struct app *app, int64_t account_id, const char *name, const char *new_name,
    const char *new_display_name, struct store_user *ret, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct store_user u;
	char name_q[LOG_QUOTE_MAX];
	char quoted[LOG_QUOTE_MAX];
	int r;

	r = users_get(app, account_id, name, &u, st);
	if (r != SRV_OK)
		return r;
	if (new_name != NULL) {
		if (!user_name_valid(new_name))
			return users_bad_name(st, "NewUserName");
		memcpy(u.name, new_name, strlen(new_name) + 1);
	}
	if (new_display_name != NULL) {
		if (!display_name_valid(new_display_name))
			return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
			    "NewDisplayName must have 1 to 128 characters and no control character.");
		memcpy(u.display_name, new_display_name, strlen(new_display_name) + 1);
	}
	u.updated = clock_now();
	r = db->ops->user_update(db, &u);
	if (r == STORE_CONFLICT)
		return SRV_ERR_USER_EXISTS;
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	users_audit(app, db, &u, "user_update", audit_detail(quoted, sizeof(quoted),
	    "user=%s renamed=%d display_name_changed=%d", log_quote(u.name, name_q, sizeof(name_q)),
	    new_name != NULL, new_display_name != NULL));
	if (ret != NULL)
		*ret = u;
	return SRV_OK;
}

int
users_delete(struct app *app, int64_t account_id, const char *name, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct store_user u;
	char quoted[LOG_QUOTE_MAX];
	char detail[LOG_QUOTE_MAX + 8];
	int r;

	r = users_get(app, account_id, name, &u, st);
	if (r != SRV_OK)
		return r;
	/* The schema's cascades remove the profile, device, sessions and challenges. */
	r = db->ops->user_delete(db, u.id);
	if (r == STORE_NOT_FOUND)
		return SRV_ERR_USER_NOT_FOUND;
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	log_info("event=user_deleted user_id=%lld user=%s", (long long)u.id,
	    log_quote(u.name, quoted, sizeof(quoted)));
	users_audit(app, db, &u, "user_delete", audit_detail(detail, sizeof(detail), "user=%s",
	    quoted));
	return SRV_OK;
}

/*
 * End every session of user, and after a new password also forget the
 * user's remembered browsers, recording both with reason.
 */
static int
profile_revoke(struct app *app, struct store *db, const struct store_user *user,
    const char *reason)
{
	if (session_revoke_user(app, db, user->account_id, user->id, NULL, reason, NULL) !=
	    STORE_OK)
		return STORE_ERROR;
	if (strcmp(reason, "password_set") != 0)
		return STORE_OK;
	return remember_forget_user(app, db, user->account_id, user->id, reason, NULL);
}

/*
 * Check a new password against the account's policy and the user's history
 * and put its hash in lp. lp's flags are already the new ones, because
 * MFABindRequired decides whether the password alone logs on.
 */
static int
profile_set_password(struct app *app, const struct store_user *user,
    const struct profile_change *change, struct store_login_profile *lp, int is_new,
    struct srv_status *st)
{
	struct store *db = app_store(app);
	struct pwpolicy_subject subject;
	struct store_account acct;
	char hash[STORE_PW_HASH_MAX + 1];
	int alone;
	int r;

	if (db->ops->account_get(db, user->account_id, &acct) != STORE_OK ||
	    pwpolicy_password_alone(db, user->id, lp->mfa_bind_required, &alone) != STORE_OK)
		return SRV_ERR_INTERNAL;
	subject = (struct pwpolicy_subject){ acct.id, acct.alias, user->id,
		user->is_owner ? NULL : user->name, alone, is_new ? NULL : lp->password_hash };
	r = pwpolicy_new_password(app, &subject, change->password, change->password_len, hash, st);
	if (r == SRV_OK)
		memcpy(lp->password_hash, hash, sizeof(hash));
	mfa_memzero(hash, sizeof(hash));
	return r;
}

static int
profile_apply(struct app *app, const struct store_user *user, const struct profile_change *change,
    struct store_login_profile *lp, int is_new, int64_t now, struct srv_status *st)
{
	int r;

	if (change->reset_required >= 0)
		lp->reset_required = change->reset_required != 0;
	if (change->mfa_bind_required >= 0)
		lp->mfa_bind_required = change->mfa_bind_required != 0;
	if (change->password != NULL) {
		r = profile_set_password(app, user, change, lp, is_new, st);
		if (r != SRV_OK)
			return r;
		lp->password_changed = now;
	}
	lp->updated = now;
	return SRV_OK;
}

int
profile_create(struct app *app, const struct store_user *user, const struct profile_change *change,
    struct store_login_profile *ret, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct store_login_profile lp;
	int64_t now = clock_now();
	char detail[96];
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (change->password == NULL)
		return srv_fail(st, SRV_ERR_MISSING_PARAMETER, "Password is required.");
	memset(&lp, 0, sizeof(lp));
	lp.user_id = user->id;
	lp.created = now;
	r = profile_apply(app, user, change, &lp, 1, now, st);
	if (r != SRV_OK)
		goto out;
	r = db->ops->login_profile_create(db, &lp);
	if (r == STORE_CONFLICT) {
		r = SRV_ERR_PROFILE_EXISTS;
		goto out;
	}
	if (r != STORE_OK || pwpolicy_remember(db, user->id, lp.password_hash, now) != STORE_OK) {
		r = SRV_ERR_INTERNAL;
		goto out;
	}
	if (profile_revoke(app, db, user, "password_set") != STORE_OK) {
		r = SRV_ERR_INTERNAL;
		goto out;
	}
	log_info("event=password_set user_id=%lld by=owner", (long long)user->id);
	users_audit(app, db, user, "login_profile_create",
	    users_profile_detail(detail, sizeof(detail), &lp, change));
	users_audit(app, db, user, "password_set", "by=owner");
	if (ret != NULL)
		*ret = lp;
	r = SRV_OK;
out:
	mfa_memzero(lp.password_hash, sizeof(lp.password_hash));
	return r;
}

/* A login profile change with its audit records and notice, in one transaction. */
struct profile_update_tx {
	struct app *app;
	const struct store_user *user;
	const struct profile_change *change;
	const struct store_login_profile *lp;
	int revoke;  /* end the user's sessions */
};

static int
profile_update_fn(struct store *db, void *arg)
{
	struct profile_update_tx *tx = arg;
	char detail[96];
	int r;

	r = db->ops->login_profile_update(db, tx->lp);
	if (r != STORE_OK)
		return r;
	if (tx->revoke && profile_revoke(tx->app, db, tx->user,
	    tx->change->password != NULL ? "password_set" : "reset_required") != STORE_OK)
		return STORE_ERROR;
	users_audit(tx->app, db, tx->user, "login_profile_update",
	    users_profile_detail(detail, sizeof(detail), tx->lp, tx->change));
	if (tx->change->password == NULL)
		return STORE_OK;
	if (pwpolicy_remember(db, tx->user->id, tx->lp->password_hash, tx->lp->updated) != STORE_OK)
		return STORE_ERROR;
	users_audit(tx->app, db, tx->user, "password_set", "by=owner");
	return notify_user(tx->app, db, tx->user->id, NOTIFY_PASSWORD_SET);
}

int
profile_update(struct app *app, const struct store_user *user, const struct profile_change *change,
    struct store_login_profile *ret, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct store_login_profile lp;
	struct profile_update_tx tx;
	int r;

	r = profile_get(app, user, &lp, st);
	if (r != SRV_OK)
		return r;
	r = profile_apply(app, user, change, &lp, 0, clock_now(), st);
	if (r != SRV_OK)
		goto out;
	/*
	 * A new password, or a reset the owner demands, ends the user's sessions
	 * and logons, so a person who has the old password loses access at once.
	 */
	tx = (struct profile_update_tx){ app, user, change, &lp,
		change->password != NULL || change->reset_required > 0 };
	r = store_tx(db, profile_update_fn, &tx);
	outbox_wake(app);
	if (r == STORE_NOT_FOUND) {
		r = SRV_ERR_PROFILE_NOT_FOUND;
		goto out;
	}
	if (r != STORE_OK) {
		r = SRV_ERR_INTERNAL;
		goto out;
	}
	if (change->password != NULL)
		log_info("event=password_set user_id=%lld by=owner", (long long)user->id);
	if (tx.revoke)
		log_info("event=sessions_revoked user_id=%lld reason=profile_update",
		    (long long)user->id);
	if (ret != NULL)
		*ret = lp;
	r = SRV_OK;
out:
	mfa_memzero(lp.password_hash, sizeof(lp.password_hash));
	return r;
}

int
profile_get(struct app *app, const struct store_user *user, struct store_login_profile *ret,
    struct srv_status *st)
{
	struct store *db = app_store(app);
	int r;

	(void)st;
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	r = db->ops->login_profile_get(db, user->id, ret);
	if (r == STORE_NOT_FOUND)
		return SRV_ERR_PROFILE_NOT_FOUND;
	return r == STORE_OK ? SRV_OK : SRV_ERR_INTERNAL;
}

int
profile_delete(struct app *app, const struct store_user *user, struct srv_status *st)
{
	struct store *db = app_store(app);
	int r;

	(void)st;
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (user->is_owner)
		return srv_fail(st, SRV_ERR_FORBIDDEN,
		    "The account owner's login profile cannot be deleted.");
	r = db->ops->login_profile_delete(db, user->id);
	if (r == STORE_NOT_FOUND)
		return SRV_ERR_PROFILE_NOT_FOUND;
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	users_audit(app, db, user, "login_profile_delete", "");
	return db->ops->session_delete_by_user(db, user->id) == STORE_ERROR ? SRV_ERR_INTERNAL :
	    SRV_OK;
}

int
users_unlock(struct app *app, const struct store_account *acct, const struct store_user *user,
    struct srv_status *st)
{
	struct store *db = app_store(app);
	char key[STORE_PRINCIPAL_MAX + 1];
	char name_q[LOG_QUOTE_MAX];
	char detail[LOG_QUOTE_MAX + 8];

	(void)st;
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	principal_format(user, acct, key, sizeof(key));
	principal_key(key, key);
	if (store_begin(db) != STORE_OK)
		return SRV_ERR_INTERNAL;
	if (lockout_clear(db, key) != STORE_OK ||
	    audit_record(app, db, &(struct audit_event){ "user_unlock", AUDIT_SUCCESS,
	    user->account_id, user->id, 0, audit_detail(detail, sizeof(detail), "user=%s",
	    log_quote(user->is_owner ? "" : user->name, name_q, sizeof(name_q))) }) != STORE_OK ||
	    store_commit(db) != STORE_OK) {
		(void)store_rollback(db);
		return SRV_ERR_INTERNAL;
	}
	log_info("event=user_unlocked user_id=%lld user=%s", (long long)user->id, name_q);
	return SRV_OK;
}
