/* SPDX-License-Identifier: MIT */
/*
 * Password hashing with Argon2id (libsodium), with a cap on the hashes
 * running at once so a flood of logons cannot exhaust memory or CPU.
 */
#ifndef MFAD_PASSWORD_H
#define MFAD_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

#include "server/errors.h"
#include "store/store.h"

#define PASSWORD_MIN_CHARS 8     /* code points */
#define PASSWORD_MAX_BYTES 1024  /* longer input is rejected, never truncated */

struct pwhash;

/*
 * Prepare hashing: at most concurrency hashes at once, a caller waits up to
 * wait_ms for a slot. Starts a thread that hashes a dummy password once,
 * both to time a hash and to have a hash to verify against for unknown
 * users. The calls that need either wait for that thread. Returns 0 or -1.
 */
int pwhash_init(unsigned concurrency, int64_t wait_ms, struct pwhash **ret);

void pwhash_free(struct pwhash **p);

/*
 * Milliseconds one hash took at start-up, waiting for it if it still runs;
 * 1000 if it failed.
 */
int64_t pwhash_typical_ms(struct pwhash *p);

/*
 * Hash password (len bytes) with Argon2id at libsodium's interactive
 * limits into out. Returns SRV_OK, SRV_ERR_BUSY or SRV_ERR_INTERNAL.
 */
int pwhash_hash(struct pwhash *p, const char *password, size_t len,
    char out[STORE_PW_HASH_MAX + 1]);

/*
 * Verify password against hash, or against the dummy hash when hash is
 * NULL (an unknown user), so both take the same time. Returns SRV_OK,
 * SRV_ERR_INVALID_CREDENTIALS or SRV_ERR_BUSY.
 */
int pwhash_verify(struct pwhash *p, const char *hash, const char *password, size_t len);

/*
 * Check a new password: valid UTF-8 without NUL or control characters,
 * PASSWORD_MIN_CHARS code points or more and PASSWORD_MAX_BYTES bytes or
 * fewer. Returns SRV_OK or SRV_ERR_INVALID_PARAMETER with a reason in st.
 */
int password_check_new(const char *password, size_t len, struct srv_status *st);

#endif
