/* SPDX-License-Identifier: MIT */
/* Remembered browsers: creation after LoginMFA, the check at Login, and forgetting them. */
#include "server/remember.h"

#include <string.h>

#include <mfa/common.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/audit.h"

struct remember_tx {
	const struct app *app;
	const struct store_user *user;
	struct store_remembered_browser *b;
};

static int
remember_create_fn(struct store *db, void *arg)
{
	struct remember_tx *tx = arg;
	char detail[32];
	int r;

	r = db->ops->remembered_browser_create(db, tx->b);
	if (r != STORE_OK)
		return r;
	/* LoginMFA has no session yet, so the user who logged on is named as the actor. */
	return audit_record(tx->app, db, &(struct audit_event){ "browser_remember", AUDIT_SUCCESS,
	    tx->user->account_id, tx->user->id, tx->user->id, audit_detail(detail, sizeof(detail),
	    "browser_id=%lld", (long long)tx->b->id) });
}

int
remember_create(struct app *app, const struct store_user *user, char text[TOKEN_TEXT_SIZE],
    struct store_remembered_browser *ret)
{
	struct store *db = app_store(app);
	struct store_remembered_browser b;
	struct remember_tx tx = { app, user, &b };
	char src[STORE_AUDIT_SRC_MAX + 1];
	int64_t now = clock_now();

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	memset(&b, 0, sizeof(b));
	if (token_generate(text) != 0 || token_hash(text, b.token_hash) != 0)
		return SRV_ERR_INTERNAL;
	b.user_id = user->id;
	audit_context_copy(src, b.user_agent);
	b.created = now;
	b.expires = now + REMEMBER_TTL;
	if (store_tx(db, remember_create_fn, &tx) != STORE_OK) {
		mfa_memzero(text, TOKEN_TEXT_SIZE);
		return SRV_ERR_INTERNAL;
	}
	log_info("event=browser_remembered user_id=%lld browser_id=%lld", (long long)user->id,
	    (long long)b.id);
	*ret = b;
	return SRV_OK;
}

int
remember_check(struct store *db, const char *text, int64_t user_id, int64_t now,
    int64_t *ret_id)
{
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	struct store_remembered_browser b;
	int r;

	if (token_hash(text, hash) != 0)
		return STORE_NOT_FOUND;
	r = db->ops->remembered_browser_get(db, hash, &b);
	if (r != STORE_OK)
		return r;
	/* A cookie of another user on a shared browser is no proof for this one. */
	if (b.user_id != user_id || now >= b.expires)
		return STORE_NOT_FOUND;
	r = db->ops->remembered_browser_touch(db, b.id, now);
	if (r != STORE_OK)
		return STORE_ERROR;
	*ret_id = b.id;
	return STORE_OK;
}

int
remember_forget_user(const struct app *app, struct store *db, int64_t account_id,
    int64_t user_id, const char *reason, int64_t *ret_count)
{
	int64_t count = 0;
	char detail[64];
	int r;

	r = db->ops->remembered_browser_delete_by_user(db, user_id, &count);
	if (r != STORE_OK)
		return STORE_ERROR;
	if (ret_count != NULL)
		*ret_count = count;
	if (count == 0)
		return STORE_OK;
	return audit_record(app, db, &(struct audit_event){ "browser_forget", AUDIT_SUCCESS,
	    account_id, user_id, 0, audit_detail(detail, sizeof(detail), "reason=%s count=%lld",
	    reason, (long long)count) });
}

struct forget_tx {
	const struct app *app;
	const struct store_user *user;
	int64_t id;
};

static int
remember_forget_fn(struct store *db, void *arg)
{
	struct forget_tx *tx = arg;
	char detail[32];
	int r;

	r = db->ops->remembered_browser_delete(db, tx->id, tx->user->id);
	if (r != STORE_OK)
		return r;
	return audit_record(tx->app, db, &(struct audit_event){ "browser_forget", AUDIT_SUCCESS,
	    tx->user->account_id, tx->user->id, 0, audit_detail(detail, sizeof(detail),
	    "browser_id=%lld", (long long)tx->id) });
}

int
remember_forget(struct app *app, const struct store_user *user, int64_t id)
{
	struct store *db = app_store(app);
	struct forget_tx tx = { app, user, id };
	int r;

	if (db == NULL)
		return SRV_ERR_INTERNAL;
	r = store_tx(db, remember_forget_fn, &tx);
	if (r == STORE_NOT_FOUND)
		return SRV_ERR_BROWSER_NOT_FOUND;
	return r == STORE_OK ? SRV_OK : SRV_ERR_INTERNAL;
}
