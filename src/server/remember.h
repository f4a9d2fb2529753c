/* SPDX-License-Identifier: MIT */
/*
 * "Remember MFA on this browser": after a second factor, LoginMFA may set a
 * cookie with 256 random bits. The store keeps only its SHA-256, bound to
 * one user for REMEMBER_TTL seconds. A later Login with the right password
 * and that cookie skips the second factor, and the session records the
 * factor FACTOR_REMEMBERED, which never satisfies a step-up.
 */
#ifndef MFAD_REMEMBER_H
#define MFAD_REMEMBER_H

#include <stdint.h>

#include "server/app.h"
#include "server/errors.h"
#include "server/session.h"

#define REMEMBER_TTL (7 * 86400) /* seconds a browser stays remembered: 7 days */

/*
 * Remember the browser of the current request for user: writes the cookie
 * value to text and the row to *ret, and records browser_remember in the
 * audit log in the same transaction. Returns SRV_OK or SRV_ERR_INTERNAL.
 */
int remember_create(struct app *app, const struct store_user *user,
    char text[TOKEN_TEXT_SIZE], struct store_remembered_browser *ret);

/*
 * Find the remembered browser of cookie text for user_id at now, inside
 * the caller's transaction, and record its use. Returns STORE_OK with its
 * id in *ret_id, STORE_NOT_FOUND when the cookie is malformed, unknown,
 * another user's or expired, or STORE_ERROR.
 */
int remember_check(struct store *db, const char *text, int64_t user_id, int64_t now,
    int64_t *ret_id);

/*
 * Forget every remembered browser of the user, inside the caller's
 * transaction, and record browser_forget with reason when any was
 * remembered. Returns STORE_OK or STORE_ERROR.
 */
int remember_forget_user(const struct app *app, struct store *db, int64_t account_id,
    int64_t user_id, const char *reason, int64_t *ret_count);

/*
 * Forget the user's browser id and record it. Returns SRV_OK,
 * SRV_ERR_BROWSER_NOT_FOUND or SRV_ERR_INTERNAL.
 */
int remember_forget(struct app *app, const struct store_user *user, int64_t id);

#endif
