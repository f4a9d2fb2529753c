/* SPDX-License-Identifier: MIT */
/*
 * Session tokens and logon challenge ids: 256 random bits sent as 43
 * base64url characters, stored only as their SHA-256.
 */
#ifndef MFAD_SESSION_H
#define MFAD_SESSION_H

#include <stdint.h>

#include "server/app.h"
#include "server/errors.h"

#define TOKEN_BYTES 32
#define TOKEN_TEXT_LEN 43 /* base64url of 32 bytes, no padding */
#define TOKEN_TEXT_SIZE (TOKEN_TEXT_LEN + 1)

/* Minimum seconds between two writes of a session's last_seen time. */
#define SESSION_TOUCH_INTERVAL 60

/* Fill text with a new random token. Returns 0 or -1. */
int token_generate(char text[TOKEN_TEXT_SIZE]);

/*
 * SHA-256 of a token's text. Returns 0, or -1 when text is not 43 base64url
 * characters (so junk never reaches the database).
 */
int token_hash(const char *text, uint8_t hash[STORE_TOKEN_HASH_LEN]);

/* Fill id with a new random public session id: 32 lower-case hex digits. Returns 0 or -1. */
int session_public_id(char id[STORE_SESSION_ID_LEN + 1]);

/*
 * Create a session for user_id with scope and the factors bits. proven has
 * the second factors proven at now, and carry (or NULL) is an older session
 * of the user whose proof times the new one keeps. The account's settings
 * give its lifetime and idle timeout (see settings.h). Writes the token to
 * text and the row to *ret when not NULL. The row keeps the request's client
 * address and User-Agent from the audit context. Call inside a transaction.
 * Returns SRV_OK or SRV_ERR_INTERNAL.
 */
int session_create(const struct app *app, struct store *st, int64_t user_id, int scope,
    int factors, int64_t now, int proven, const struct store_session *carry,
    char text[TOKEN_TEXT_SIZE], struct store_session *ret);

/*
 * Find the live session of token at now: not past its absolute expiry nor
 * idle longer than its idle timeout or security.session_idle, whichever is
 * shorter. Refreshes last_seen at most once per
 * SESSION_TOUCH_INTERVAL. Returns SRV_OK, SRV_ERR_NOT_AUTHENTICATED or
 * SRV_ERR_INTERNAL.
 */
int session_lookup(const struct app *app, struct store *st, const char *token, int64_t now,
    struct store_session *ret);

/* Delete the session of token. Returns SRV_OK or SRV_ERR_INTERNAL. */
int session_end(struct store *st, const uint8_t hash[STORE_TOKEN_HASH_LEN]);

/*
 * Delete the user's sessions except keep (NULL deletes all), and the user's
 * logon challenges, inside the caller's transaction. Records session_revoke
 * with reason and the count, which goes to *ret_count when not NULL.
 * Returns STORE_OK or STORE_ERROR.
 */
int session_revoke_user(const struct app *app, struct store *db, int64_t account_id,
    int64_t user_id, const uint8_t *keep, const char *reason, int64_t *ret_count);

/*
 * Delete the user's session public_id and record it. Returns SRV_OK,
 * SRV_ERR_SESSION_NOT_FOUND or SRV_ERR_INTERNAL.
 */
int session_revoke_one(struct app *app, const struct store_user *user, const char *public_id);

/* "full", "bind-mfa" or "change-password". */
const char *session_scope_name(int scope);

#endif
