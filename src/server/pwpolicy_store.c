/* SPDX-License-Identifier: MIT */
/* Stored password policies, new-password checks and history, and NFKC-aware verification. */
#include "server/pwpolicy_store.h"

#include <string.h>

#include <mfa/common.h>

#include "common/log.h"
#include "server/password.h"

int
pwpolicy_load(struct store *db, int64_t account_id, struct pwpolicy *p)
{
	struct store_password_policy sp;
	int r;

	pwpolicy_init(p);
	if (account_id == 0)
		return STORE_OK;
	r = db->ops->password_policy_get(db, account_id, &sp);
	if (r == STORE_NOT_FOUND)
		return STORE_OK;
	if (r != STORE_OK)
		return STORE_ERROR;
	p->min_length = (unsigned)sp.min_length;
	p->required_classes = (unsigned)sp.required_classes;
	p->max_age_days = (unsigned)sp.max_age_days;
	p->hard_expiry = sp.hard_expiry != 0;
	p->reuse_prevention = (unsigned)sp.reuse_prevention;
	p->lockout_attempts = (unsigned)sp.lockout_attempts;
	p->must_not_contain_username = sp.not_contain_user_name != 0;
	return STORE_OK;
}

int
pwpolicy_save(struct store *db, int64_t account_id, const struct pwpolicy *p, int64_t now)
{
	struct store_password_policy sp = {
		.account_id = account_id,
		.min_length = (int)p->min_length,
		.required_classes = (int)p->required_classes,
		.max_age_days = (int)p->max_age_days,
		.hard_expiry = p->hard_expiry != 0,
		.reuse_prevention = (int)p->reuse_prevention,
		.lockout_attempts = (int)p->lockout_attempts,
		.not_contain_user_name = p->must_not_contain_username != 0,
		.updated = now,
	};

	return db->ops->password_policy_put(db, &sp) == STORE_OK ? STORE_OK : STORE_ERROR;
}

int
pwpolicy_password_alone(struct store *db, int64_t user_id, int mfa_bind_required, int *ret)
{
	struct store_mfa_device dev;
	struct store_security_email email;
	int64_t passkeys = 0;
	int r;

	*ret = 0;
	if (mfa_bind_required || user_id == 0) {
		*ret = !mfa_bind_required;
		return STORE_OK;
	}
	r = db->ops->mfa_device_get_by_user(db, user_id, &dev);
	if (r == STORE_ERROR)
		return STORE_ERROR;
	if (r == STORE_OK && dev.bound) {
		mfa_memzero(&dev, sizeof(dev));
		return STORE_OK;
	}
	mfa_memzero(&dev, sizeof(dev));
	r = db->ops->security_email_get(db, user_id, &email);
	if (r == STORE_ERROR)
		return STORE_ERROR;
	if (r == STORE_OK)
		return STORE_OK;
	if (db->ops->passkey_count_by_user(db, user_id, &passkeys) != STORE_OK)
		return STORE_ERROR;
	*ret = passkeys == 0;
	return STORE_OK;
}

/* The previous hashes a new password is compared with. */
struct pwpolicy_history {
	char hashes[PWPOLICY_REUSE_HIGH][STORE_PW_HASH_MAX + 1];
	const char *list[PWPOLICY_REUSE_HIGH];
	size_t n;
};

static int
pwpolicy_history_row(void *arg, const char *hash)
{
	struct pwpolicy_history *h = arg;
	size_t len = strlen(hash);

	if (h->n >= PWPOLICY_REUSE_HIGH || len > STORE_PW_HASH_MAX)
		return 1;
	memcpy(h->hashes[h->n], hash, len + 1);
	h->list[h->n] = h->hashes[h->n];
	h->n++;
	return 0;
}

/*
 * Reject a password that matches one of the subject's last `keep` hashes.
 * A user whose history is empty (a password set before the history
 * existed) is compared with the current hash alone.
 */
static int
pwpolicy_check_reuse(struct app *app, const struct pwpolicy_subject *who, unsigned keep,
    const char *normalized, size_t len, struct srv_status *st)
{
	struct store *db = app_store(app);
	struct pwpolicy_history h;
	int r;

	if (keep == 0 || who->user_id == 0)
		return SRV_OK;
	memset(&h, 0, sizeof(h));
	if (db->ops->password_history_list(db, who->user_id, (int)keep, pwpolicy_history_row,
	    &h) != STORE_OK)
		return SRV_ERR_INTERNAL;
	if (h.n == 0 && who->current_hash != NULL)
		pwpolicy_history_row(&h, who->current_hash);

	r = pwpolicy_reused(normalized, len, h.list, h.n, app->pw);
	mfa_memzero(&h, sizeof(h));
	if (r < 0)
		return SRV_ERR_BUSY;
	if (r > 0)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The password reused one of the last %u passwords: choose a new one.", keep);
	return SRV_OK;
}

int
pwpolicy_new_password(struct app *app, const struct pwpolicy_subject *who,
    const char *password, size_t len, char out[STORE_PW_HASH_MAX + 1], struct srv_status *st)
{
	struct store *db = app_store(app);
	struct pwpolicy p;
	char *norm = NULL;
	size_t norm_len = 0;
	int r;

	if (db == NULL || pwpolicy_load(db, who->account_id, &p) != STORE_OK)
		return SRV_ERR_INTERNAL;
	r = pwpolicy_normalize(password, len, &norm, &norm_len, st);
	if (r != SRV_OK)
		return r;

	r = pwpolicy_check(&p, norm, norm_len, who->user_name, who->alias, who->password_alone, st);
	if (r == SRV_OK)
		r = pwpolicy_check_reuse(app, who, p.reuse_prevention, norm, norm_len, st);
	if (r == SRV_OK)
		r = pwhash_hash(app->pw, norm, norm_len, out);
	mfa_free_secret_str(norm);
	return r;
}

int
pwpolicy_remember(struct store *db, int64_t user_id, const char *hash, int64_t now)
{
	return db->ops->password_history_add(db, user_id, hash, now) == STORE_OK ? STORE_OK :
	    STORE_ERROR;
}

int
pwpolicy_verify(struct pwhash *pw, const char *hash, const char *password, size_t len,
    char new_hash[STORE_PW_HASH_MAX + 1])
{
	char *norm = NULL;
	size_t norm_len = 0;
	int r;

	if (new_hash != NULL)
		new_hash[0] = '\0';
	/* Only a hash made before normalization can match input that the normalizer rejects. */
	if (pwpolicy_normalize(password, len, &norm, &norm_len, NULL) != SRV_OK)
		return pwhash_verify(pw, hash, password, len);

	r = pwhash_verify(pw, hash, norm, norm_len);
	if (r == SRV_ERR_INVALID_CREDENTIALS &&
	    (norm_len != len || mfa_memcmp_ct(norm, password, len) != 0)) {
		r = pwhash_verify(pw, hash, password, len);
		/* NOTE: a failed rehash keeps the old hash, which still verifies next time. */
		if (r == SRV_OK && new_hash != NULL &&
		    pwhash_hash(pw, norm, norm_len, new_hash) != SRV_OK)
			new_hash[0] = '\0';
	}
	mfa_free_secret_str(norm);
	return r;
}

int
pwpolicy_password_expired(const struct pwpolicy *p, int is_owner, int64_t changed, int64_t now,
    int *ret_hard)
{
	int expired = pwpolicy_expired(p, changed, now);

	*ret_hard = expired && p->hard_expiry && !is_owner;
	return expired;
}
