/* SPDX-License-Identifier: MIT */
/* API tokens: creation, lookup on each request, deletion and their audit records. */
#include "server/access_token.h"

#include <stdio.h>
#include <string.h>

#include <mfa/common.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/audit.h"

/* Minimum seconds between two writes of a token's last use, as for sessions. */
#define ACCESS_TOKEN_TOUCH_INTERVAL SESSION_TOUCH_INTERVAL

int
access_token_is(const char *text)
{
	/* The length keeps a 43-character session token that happens to start "mfat_" a session. */
	return text != NULL && strncmp(text, ACCESS_TOKEN_PREFIX, ACCESS_TOKEN_PREFIX_LEN) == 0 &&
	    strlen(text) == ACCESS_TOKEN_PREFIX_LEN + TOKEN_TEXT_LEN;
}

int
access_token_check_description(const char *description, struct srv_status *st)
{
	size_t n = strlen(description);

	if (n > STORE_TOKEN_DESCRIPTION_MAX)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "Description is %zu bytes long: use at most %d.", n,
		    STORE_TOKEN_DESCRIPTION_MAX);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)description[i] < 0x20 || description[i] == 0x7f)
			return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
			    "Description must not contain control characters.");
	}
	return SRV_OK;
}

struct token_create_tx {
	const struct app *app;
	const struct store_user *user;
	struct store_access_token *t;
};

static int
access_token_create_fn(struct store *db, void *arg)
{
	struct token_create_tx *tx = arg;
	char detail[64];
	int r;

	r = db->ops->access_token_create(db, tx->t);
	if (r != STORE_OK)
		return r;
	return audit_record(tx->app, db, &(struct audit_event){ "access_token_create",
	    AUDIT_SUCCESS, tx->user->account_id, tx->user->id, 0, audit_detail(detail,
	    sizeof(detail), "token_id=%lld days=%lld", (long long)tx->t->id,
	    (long long)((tx->t->expires - tx->t->created) / 86400)) });
}

int
access_token_create(struct app *app, const struct store_user *user, const char *description,
    int days, char text[ACCESS_TOKEN_TEXT_SIZE], struct store_access_token *ret,
    struct srv_status *st)
{
	struct store *db = app_store(app);
	struct store_access_token t;
	struct token_create_tx tx = { app, user, &t };
	int64_t now = clock_now();
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (days < 1 || days > ACCESS_TOKEN_DAYS_MAX)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "ExpiresInDays must be 1 to %d.", ACCESS_TOKEN_DAYS_MAX);
	r = access_token_check_description(description, st);
	if (r != SRV_OK)
		return r;

	memset(&t, 0, sizeof(t));
	memcpy(text, ACCESS_TOKEN_PREFIX, ACCESS_TOKEN_PREFIX_LEN);
	if (token_generate(text + ACCESS_TOKEN_PREFIX_LEN) != 0 ||
	    token_hash(text + ACCESS_TOKEN_PREFIX_LEN, t.token_hash) != 0)
		return SRV_ERR_INTERNAL;
	t.user_id = user->id;
	snprintf(t.description, sizeof(t.description), "%s", description);
	t.created = now;
	t.expires = now + (int64_t)days * 86400;

	if (store_tx(db, access_token_create_fn, &tx) != STORE_OK) {
		mfa_memzero(text, ACCESS_TOKEN_TEXT_SIZE);
		return SRV_ERR_INTERNAL;
	}
	log_info("event=access_token_created user_id=%lld token_id=%lld days=%d",
	    (long long)user->id, (long long)t.id, days);
	*ret = t;
	return SRV_OK;
}

/* Record a failed use of user's token token_id. */
static void
access_token_audit_failure(struct app *app, struct store *db, const struct store_user *user,
    int64_t token_id, const char *reason)
{
	char detail[64];

	log_info("event=access_token_rejected user_id=%lld token_id=%lld reason=%s",
	    (long long)user->id, (long long)token_id, reason);
	(void)audit_record(app, db, &(struct audit_event){ "access_token_use", AUDIT_FAILURE,
	    user->account_id, user->id, 0, audit_detail(detail, sizeof(detail),
	    "token_id=%lld reason=%s", (long long)token_id, reason) });
}

int
access_token_lookup(struct app *app, const char *text, int64_t now,
    struct store_access_token *ret)
{
	struct store *db = app_store(app);
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	struct store_access_token t;
	struct store_user u;
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	if (!access_token_is(text) || token_hash(text + ACCESS_TOKEN_PREFIX_LEN, hash) != 0)
		return SRV_ERR_NOT_AUTHENTICATED;
	r = db->ops->access_token_get(db, hash, &t);
	if (r == STORE_NOT_FOUND) {
		/*
		 * A deleted token, or a guess. It names no account, so it goes to the
		 * log only, as an unknown passkey credential does.
		 */
		log_info("event=access_token_rejected reason=unknown");
		return SRV_ERR_NOT_AUTHENTICATED;
	}
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	if (now >= t.expires) {
		if (db->ops->user_get(db, t.user_id, &u) == STORE_OK)
			access_token_audit_failure(app, db, &u, t.id, "expired");
		return SRV_ERR_NOT_AUTHENTICATED;
	}
	if (now - t.last_used >= ACCESS_TOKEN_TOUCH_INTERVAL) {
		if (db->ops->access_token_touch(db, t.id, now) == STORE_ERROR)
			return SRV_ERR_INTERNAL;
		t.last_used = now;
	}
	*ret = t;
	return SRV_OK;
}

struct token_delete_tx {
	const struct app *app;
	const struct store_user *user;
	int64_t id;
};

static int
access_token_delete_fn(struct store *db, void *arg)
{
	struct token_delete_tx *tx = arg;
	char detail[32];
	int r;

	r = db->ops->access_token_delete(db, tx->id, tx->user->id);
	if (r != STORE_OK)
		return r;
	return audit_record(tx->app, db, &(struct audit_event){ "access_token_delete",
	    AUDIT_SUCCESS, tx->user->account_id, tx->user->id, 0, audit_detail(detail,
	    sizeof(detail), "token_id=%lld", (long long)tx->id) });
}

int
access_token_delete(struct app *app, const struct store_user *user, int64_t id,
    struct srv_status *st)
{
	struct store *db = app_store(app);
	struct token_delete_tx tx = { app, user, id };
	int r;

	(void)st;
	if (db == NULL)
		return SRV_ERR_INTERNAL;
	r = store_tx(db, access_token_delete_fn, &tx);
	if (r == STORE_NOT_FOUND)
		return SRV_ERR_ACCESS_TOKEN_NOT_FOUND;
	if (r != STORE_OK)
		return SRV_ERR_INTERNAL;
	log_info("event=access_token_deleted user_id=%lld token_id=%lld", (long long)user->id,
	    (long long)id);
	return SRV_OK;
}

void
access_token_audit_denied(struct app *app, const struct store_user *user,
    const struct store_access_token *t, const char *action)
{
	char detail[96];

	log_info("event=access_token_denied user_id=%lld token_id=%lld action=%s",
	    (long long)user->id, (long long)t->id, action);
	(void)audit_record(app, app_store(app), &(struct audit_event){ "access_token_use",
	    AUDIT_FAILURE, user->account_id, user->id, 0, audit_detail(detail, sizeof(detail),
	    "token_id=%lld reason=denied action=%s", (long long)t->id, action) });
}
