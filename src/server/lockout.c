/* SPDX-License-Identifier: MIT */
/* Failure counting and growing lockout delays. */
#include "server/lockout.h"

#include <string.h>

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

int
lockout_record_failure(const struct app *app, struct store *st, const char *key, int64_t now,
    int64_t *ret_locked)
{
	struct store_failure f;
	int64_t locked = 0;
	int r;

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
	if (f.failures >= (int)app->cfg.lockout_threshold) {
		locked = lockout_delay(&app->cfg, f.failures);
		f.locked_until = now + locked;
	}
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
