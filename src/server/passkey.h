/* SPDX-License-Identifier: MIT */
/*
 * Passkeys: WebAuthn registration, the list of a user's passkeys, and the
 * assertion check that the second-factor and passwordless logons share.
 */
#ifndef MFAD_PASSKEY_H
#define MFAD_PASSKEY_H

#include <jansson.h>
#include <stdint.h>

#include "server/app.h"
#include "server/errors.h"
#include "store/store.h"

#define PASSKEY_CHALLENGE_LEN 32    /* random bytes of a WebAuthn challenge */
#define PASSKEY_CHALLENGE_TTL 300   /* seconds a WebAuthn challenge lives */
#define PASSKEY_USER_HANDLE_LEN 32  /* bytes of the user handle mfad gives users */

/* The relying party: settings turned into what each request needs, made once. */
struct passkey_rp;

/*
 * Build the relying party from the [webauthn] settings and derive the
 * user-handle key from the master key. Returns 0, or -1 with a sentence in err.
 */
int passkey_rp_new(const struct mfad_config *cfg, const struct seal *seal,
    struct passkey_rp **ret, char *err, size_t err_size);

/* Free *rp and set it to NULL. Accepts NULL. */
void passkey_rp_free(struct passkey_rp **rp);

/*
 * The user handle of user_id: an HMAC of the id under a key derived from the
 * master key, so it names the user without telling anything about it.
 */
int passkey_user_handle(const struct passkey_rp *rp, int64_t user_id,
    uint8_t out[PASSKEY_USER_HANDLE_LEN]);

/* A passkey as the API shows it, or NULL when out of memory. */
json_t *passkey_json(const struct store_passkey *pk);

/*
 * Start a registration for the session's user: store a challenge bound to
 * the session and return creation options in *ret_options.
 */
int passkey_registration_start(struct app *app, const struct store_session *session,
    const struct store_user *user, const struct store_account *acct, json_t **ret_options,
    struct srv_status *st);

/*
 * Verify a registration response against the challenge the session was
 * given, and store the passkey under name (NULL: "Passkey N").
 */
int passkey_registration_finish(struct app *app, const struct store_session *session,
    const struct store_user *user, const char *name, json_t *credential,
    struct store_passkey *ret, const char *src, struct srv_status *st);

/* The user's passkeys, oldest first, as a JSON array in *ret. */
int passkey_list(struct app *app, int64_t user_id, json_t **ret, struct srv_status *st);

/* Rename the user's passkey id_text. */
int passkey_rename(struct app *app, int64_t user_id, const char *id_text, const char *name,
    struct store_passkey *ret, struct srv_status *st);

/* Delete the user's passkey id_text. */
int passkey_delete(struct app *app, int64_t user_id, const char *id_text, const char *src,
    struct srv_status *st);

/*
 * Start an assertion: for a second factor (user_id of the logon challenge
 * whose hash is logon_hash, allowCredentials listing the user's passkeys)
 * or, with user_id 0, a passwordless logon. Returns request options.
 */
int passkey_assertion_start(struct app *app, int64_t user_id, const uint8_t *logon_hash,
    json_t **ret_options, struct srv_status *st);

/* A verified assertion, to be recorded with store passkey_use. */
struct passkey_assertion {
	struct store_passkey pk;   /* the credential, as stored before this use */
	uint32_t new_count;
	int backup_state;
	int user_verified;
};

/*
 * Verify an assertion. Second factor: user_id is the logon challenge's user
 * and logon_hash its hash; the credential must be that user's. Passwordless:
 * user_id 0 and logon_hash NULL; the credential's user is found and must
 * match userHandle, and user verification is required. The WebAuthn
 * challenge is spent here, whatever the result. Returns SRV_OK,
 * SRV_ERR_INVALID_CHALLENGE, SRV_ERR_PASSKEY_LOGON_FAILED,
 * SRV_ERR_INVALID_PARAMETER or SRV_ERR_INTERNAL.
 */
int passkey_assertion_verify(struct app *app, json_t *credential, int64_t user_id,
    const uint8_t *logon_hash, struct passkey_assertion *ret, const char *src,
    struct srv_status *st);

#endif
