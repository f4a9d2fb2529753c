/* SPDX-License-Identifier: MIT */
/* Failure counting and growing lockout delays. */
#include "server/lockout.h"

#include <string.h>

#include "server/principal.h"
#include "server/pwpolicy_store.h"

int
lockout_remaining(struct store *st, const char *key, int64_t now, int64_t *ret_seconds)
{
	struct store_failure f;
	int r;

	r = st->ops->failure_get(st, key, &f);
	if (r == STORE_NOT_FOUND || (r == STORE_OK && f.locked_until <= now)) {
		*ret_seconds = 0;
		return STORE_OK;
	}
	if (r != STORE_OK)
		return STORE_ERROR;
	*ret_seconds = f.locked_until - now;
	return STORE_OK;
}

static int64_t
lockout_delay(const struct mfad_config *cfg, int failures)
{
	int64_t delay = cfg->lockout_base_delay;
	int extra = failures - (int)cfg->lockout_threshold;

	/* Double per failure past the threshold; stop before the shift can overflow. */
	for (int i = 0; i < extra && delay < cfg->lockout_max_delay; i++)
		delay *= 2;
	return delay < cfg->lockout_max_delay ? delay : cfg->lockout_max_delay;
}

/*
 * The MaxLoginAttempts of key's account, 0 when it has none or the account
 * does not exist. Returns STORE_OK or STORE_ERROR.
 */
static int
lockout_policy_attempts(struct store *st, const char *key, int *ret_attempts)
{
	char name[STORE_NAME_MAX + 1];
	char alias[STORE_ALIAS_MAX + 1];
	struct store_account acct;
	struct pwpolicy p;
	int r;

	*ret_attempts = 0;
	if (principal_parse(key, name, alias) != 0)
		return STORE_OK;
	r = st->ops->account_get_by_alias(st, alias, &acct);
	if (r == STORE_NOT_FOUND)
		return STORE_OK;
	if (r != STORE_OK || pwpolicy_load(st, acct.id, &p) != STORE_OK)
		return STORE_ERROR;
	*ret_attempts = (int)p.lockout_attempts;
	return STORE_OK;
}

int
lockout_threshold(const struct app *app, struct store *st, const char *key, int *ret_threshold)
{
	int attempts;

	if (lockout_policy_attempts(st, key, &attempts) != STORE_OK)
		return STORE_ERROR;
	*ret_threshold = (int)app->cfg.lockout_threshold;
	if (attempts > 0 && attempts < *ret_threshold)
		*ret_threshold = attempts;
	return STORE_OK;
}

int
lockout_record_failure(const struct app *app, struct store *st, const char *key, int64_t now,
    int64_t *ret_locked)
{
	struct store_failure f;
	int64_t locked = 0;
	int attempts;
	int r;

	if (lockout_policy_attempts(st, key, &attempts) != STORE_OK)
		return STORE_ERROR;
	r = st->ops->failure_get(st, key, &f);
	if (r == STORE_NOT_FOUND) {
		memset(&f, 0, sizeof(f));
		strncpy(f.principal, key, sizeof(f.principal) - 1);
	} else if (r != STORE_OK) {
		return STORE_ERROR;
	}

	if (f.failures < 1000000)
		f.failures++;
	f.last_failure = now;
	if (f.failures >= (int)app->cfg.lockout_threshold)
		locked = lockout_delay(&app->cfg, f.failures);
	/* The account's MaxLoginAttempts locks for an hour, or longer when the delays have grown. */
	if (attempts > 0 && f.failures >= attempts && locked < PWPOLICY_LOCK_SECONDS)
		locked = PWPOLICY_LOCK_SECONDS;
	if (locked > 0)
		f.locked_until = now + locked;
	if (st->ops->failure_put(st, &f) != STORE_OK)
		return STORE_ERROR;
	if (ret_locked != NULL)
		*ret_locked = locked;
	return STORE_OK;
}

int
lockout_clear(struct store *st, const char *key)
{
	return st->ops->failure_clear(st, key) == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

/* Run one admission in the caller's transaction. */
static int
lockout_admit_fn(const struct app *app, struct store *st, const char *key, int64_t now,
    struct lockout_ticket *t, int64_t *ret_locked)
{
	int r = st->ops->failure_get(st, key, &t->before);

	if (r == STORE_ERROR)
		return STORE_ERROR;
	t->had_row = r == STORE_OK;
	if (t->had_row && t->before.locked_until > now) {
		*ret_locked = t->before.locked_until - now;
		return STORE_OK;
	}
	*ret_locked = 0;
	if (lockout_record_failure(app, st, key, now, NULL) != STORE_OK)
		return STORE_ERROR;
	t->failures = (t->had_row ? t->before.failures : 0) + 1;
	t->admitted = 1;
	return STORE_OK;
}

int
lockout_admit(const struct app *app, struct store *st, const char *key, int64_t now,
    struct lockout_ticket *ret_ticket, int64_t *ret_locked)
{
	memset(ret_ticket, 0, sizeof(*ret_ticket));
	if (store_begin(st) != STORE_OK)
		return STORE_ERROR;
	if (lockout_admit_fn(app, st, key, now, ret_ticket, ret_locked) != STORE_OK ||
	    store_commit(st) != STORE_OK) {
		(void)store_rollback(st);
		return STORE_ERROR;
	}
	return STORE_OK;
}

int
lockout_undo(const struct app *app, struct store *st, const char *key,
    const struct lockout_ticket *t)
{
	struct store_failure f;
	int threshold;
	int r;

	if (!t->admitted)
		return STORE_OK;
	if (lockout_threshold(app, st, key, &threshold) != STORE_OK)
		return STORE_ERROR;
	r = st->ops->failure_get(st, key, &f);
	if (r == STORE_NOT_FOUND)
		return STORE_OK;
	if (r != STORE_OK)
		return STORE_ERROR;

	/* Untouched since the admission: put back what was there. */
	if (f.failures == t->failures) {
		if (!t->had_row)
			return lockout_clear(st, key);
		return st->ops->failure_put(st, &t->before) == STORE_OK ? STORE_OK : STORE_ERROR;
	}
	/*
	 * Other attempts counted meanwhile: take back this one. Their lock stays
	 * only while their own failures still reach the threshold.
	 */
	if (f.failures > 0)
		f.failures--;
	if (f.failures < threshold)
		f.locked_until = 0;
	return st->ops->failure_put(st, &f) == STORE_OK ? STORE_OK : STORE_ERROR;
}
