/* SPDX-License-Identifier: MIT */
/* State shared by every request of one mfad process (or one mfactl run). */
#ifndef MFAD_APP_H
#define MFAD_APP_H

#include <pthread.h>

#include <mfa/otp.h>

#include "server/config.h"
#include "server/password.h"
#include "server/seal.h"
#include "store/store.h"

struct outbox;
struct passkey_rp;
struct ratelimit;

struct app {
	struct mfad_config cfg;
	mfa_ctx_t *mfa;           /* libmfa context, shared by all threads */
	struct seal *seal;        /* master key for TOTP seeds */
	struct pwhash *pw;        /* Argon2id with its concurrency cap */
	struct passkey_rp *rp;    /* WebAuthn relying party */
	struct ratelimit *open_challenges; /* passwordless challenges anyone may ask for */
	pthread_key_t store_key;  /* each thread's own store handle */
	int store_key_made;
	struct outbox *outbox;    /* the mail sender; NULL unless outbox_start() ran */
};

/*
 * Open the database (running migrations), load or create the master key
 * and prepare hashing. The key file is created only for an empty database,
 * so a lost key stops the start instead of leaving seeds unreadable.
 * Returns 0, or -1 with a sentence in err.
 */
int app_init(struct app *app, const struct mfad_config *cfg, char *err, size_t err_size);

/*
 * Release what app_init made, stopping the mail sender first when it runs.
 * The calling thread's store is closed too.
 */
void app_shutdown(struct app *app);

/*
 * The calling thread's store handle, opened on first use and closed when the
 * thread ends. Returns NULL (and logs) when the database cannot be opened.
 */
struct store *app_store(struct app *app);

#endif
