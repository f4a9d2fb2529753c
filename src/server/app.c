/* SPDX-License-Identifier: MIT */
/* Process-wide state: configuration, keys, hashing and per-thread stores. */
#include "server/app.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "server/json.h"
#include "server/outbox.h"
#include "server/passkey.h"
#include "server/ratelimit.h"

static void
app_close_store(void *handle)
{
	struct store *st = handle;

	store_close(&st);
}

struct store *
app_store(struct app *app)
{
	struct store_options opt = { app->cfg.synchronous_full, 5000 };
	struct store *st = pthread_getspecific(app->store_key);

	if (st != NULL)
		return st;
	if (store_open(app->cfg.database, &opt, &st) != STORE_OK)
		return NULL;
	if (pthread_setspecific(app->store_key, st) != 0) {
		store_close(&st);
		return NULL;
	}
	return st;
}

static int
app_make_data_dir(const struct mfad_config *cfg, char *err, size_t err_size)
{
	if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, err_size, "cannot create data directory %s: %s", cfg->data_dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
app_init(struct app *app, const struct mfad_config *cfg, char *err, size_t err_size)
{
	struct store *st;
	int64_t accounts = 0;

	memset(app, 0, sizeof(*app));
	app->cfg = *cfg;
	jreq_use_wiping_allocator();
	if (app_make_data_dir(cfg, err, err_size) != 0)
		return -1;
	if (pthread_key_create(&app->store_key, app_close_store) != 0) {
		snprintf(err, err_size, "cannot create a thread key");
		return -1;
	}
	app->store_key_made = 1;

	st = app_store(app);
	if (st == NULL) {
		snprintf(err, err_size, "cannot open database %s (see the log above)", cfg->database);
		return -1;
	}
	if (st->ops->account_count(st, &accounts) != STORE_OK) {
		snprintf(err, err_size, "cannot read database %s", cfg->database);
		return -1;
	}
	if (accounts > 0 && access(cfg->key_file, F_OK) != 0) {
		snprintf(err, err_size,
		    "key file %s is missing but the database has accounts: restore the key file",
		    cfg->key_file);
		return -1;
	}
	if (seal_load(cfg->key_file, accounts == 0, &app->seal, err, err_size) != 0)
		return -1;
	if (mfa_ctx_new(&app->mfa) != 0) {
		snprintf(err, err_size, "cannot set up libmfa (OpenSSL HMAC)");
		return -1;
	}
	if (pwhash_init(cfg->hash_concurrency, cfg->hash_wait_ms, &app->pw) != 0) {
		snprintf(err, err_size, "cannot set up password hashing");
		return -1;
	}
	if (passkey_rp_new(cfg, app->seal, &app->rp, err, err_size) != 0)
		return -1;
	/*
	 * Each passwordless start stores a challenge for 5 minutes: 5 a second
	 * per address (20 at once) and 200 a second in all bound the rows.
	 */
	app->open_challenges = ratelimit_new(5, 20, 200);
	if (app->open_challenges == NULL) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	return 0;
}

void
app_shutdown(struct app *app)
{
	struct store *st;

	outbox_stop(app);
	if (app->store_key_made) {
		st = pthread_getspecific(app->store_key);
		pthread_setspecific(app->store_key, NULL);
		store_close(&st);
		pthread_key_delete(app->store_key);
		app->store_key_made = 0;
	}
	ratelimit_free(&app->open_challenges);
	passkey_rp_free(&app->rp);
	pwhash_free(&app->pw);
	mfa_ctx_free(&app->mfa);
	seal_free(&app->seal);
}
