/* SPDX-License-Identifier: MIT */
/*
 * The password policy applied: an account's stored policy, the checks and
 * the history a new password goes through wherever it is set, and logon's
 * verification of hashes made before NFKC normalization.
 */
#ifndef MFAD_PWPOLICY_STORE_H
#define MFAD_PWPOLICY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "server/app.h"
#include "server/errors.h"
#include "server/pwpolicy.h"
#include "store/store.h"

#define PWPOLICY_LOCK_SECONDS 3600 /* seconds of the lock after MaxLoginAttempts failures */

/*
 * Load the policy of account_id into p, or the defaults of pwpolicy_init
 * when the owner never set one (or account_id is 0). Returns STORE_OK or
 * STORE_ERROR.
 */
int pwpolicy_load(struct store *db, int64_t account_id, struct pwpolicy *p);

/* Store p as the policy of account_id. Returns STORE_OK or STORE_ERROR. */
int pwpolicy_save(struct store *db, int64_t account_id, const struct pwpolicy *p, int64_t now);

/*
 * Store in *ret 1 when user_id could log on with the password alone: no
 * bound virtual MFA device, no passkey, no verified security email, and
 * mfa_bind_required is 0. Returns STORE_OK or STORE_ERROR.
 */
int pwpolicy_password_alone(struct store *db, int64_t user_id, int mfa_bind_required, int *ret);

/* Whose new password is checked. */
struct pwpolicy_subject {
	int64_t account_id;         /* 0: an account being created, with the default policy */
	const char *alias;
	int64_t user_id;            /* 0: a user without a password history */
	const char *user_name;      /* NULL or "" for the account owner */
	int password_alone;         /* pwpolicy_password_alone()'s answer */
	const char *current_hash;   /* the current password's hash, or NULL */
};

/*
 * Normalize password (NFKC), check it against the subject's policy and its
 * last reuse_prevention passwords, and hash the normalized form into out.
 * Returns SRV_OK, SRV_ERR_INVALID_PARAMETER with a message naming the rule,
 * SRV_ERR_BUSY or SRV_ERR_INTERNAL.
 */
int pwpolicy_new_password(struct app *app, const struct pwpolicy_subject *who,
    const char *password, size_t len, char out[STORE_PW_HASH_MAX + 1], struct srv_status *st);

/*
 * Add hash, just set as user_id's password, to the history, which keeps
 * the newest STORE_PASSWORD_HISTORY_MAX. Returns STORE_OK or STORE_ERROR.
 */
int pwpolicy_remember(struct store *db, int64_t user_id, const char *hash, int64_t now);

/*
 * Verify password against hash (NULL: the dummy hash of an unknown user).
 * The NFKC form is tried first. When it fails and differs from the bytes
 * as typed, those are tried too, because a hash made before normalization
 * existed is of the typed bytes. An unknown user gets the same two checks.
 * When the typed bytes match and new_hash is not NULL, new_hash gets a hash
 * of the normalized form (or "" when that failed), to replace the old one.
 * Returns SRV_OK, SRV_ERR_INVALID_CREDENTIALS, SRV_ERR_BUSY or
 * SRV_ERR_INTERNAL.
 */
int pwpolicy_verify(struct pwhash *pw, const char *hash, const char *password, size_t len,
    char new_hash[STORE_PW_HASH_MAX + 1]);

/*
 * Return 1 when a password changed at changed has expired at now under the
 * account's policy, and store in *ret_hard whether the policy's HardExpiry
 * refuses it (never for the owner, who would otherwise lose the account).
 */
int pwpolicy_password_expired(const struct pwpolicy *p, int is_owner, int64_t changed,
    int64_t now, int *ret_hard);

#endif
