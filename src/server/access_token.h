/* SPDX-License-Identifier: MIT */
/*
 * API tokens: "mfat_" and 256 random bits in 43 base64url characters, sent
 * as "Authorization: Bearer mfat_...". The store keeps only the SHA-256 of
 * the random part. A token acts for one user with full scope, but it proves
 * no second factor, so the API rejects it for step-up and sensitive actions.
 */
#ifndef MFAD_ACCESS_TOKEN_H
#define MFAD_ACCESS_TOKEN_H

#include <stdint.h>

#include "server/app.h"
#include "server/errors.h"
#include "server/session.h"

#define ACCESS_TOKEN_PREFIX "mfat_"
#define ACCESS_TOKEN_PREFIX_LEN 5
#define ACCESS_TOKEN_TEXT_SIZE (ACCESS_TOKEN_PREFIX_LEN + TOKEN_TEXT_SIZE)
#define ACCESS_TOKEN_DAYS_DEFAULT 90
#define ACCESS_TOKEN_DAYS_MAX 365

/* 1 when text has the form of an API token: ACCESS_TOKEN_PREFIX and 43 more characters. */
int access_token_is(const char *text);

/*
 * Check a description: at most STORE_TOKEN_DESCRIPTION_MAX bytes and no
 * control byte. Returns SRV_OK or SRV_ERR_INVALID_PARAMETER with st filled.
 */
int access_token_check_description(const char *description, struct srv_status *st);

/*
 * Create a token for user that expires days (1 to ACCESS_TOKEN_DAYS_MAX)
 * days from now, and record it in the audit log in the same transaction.
 * Writes the token's text, shown only this once, to text and the row to
 * *ret. Returns SRV_OK, SRV_ERR_INVALID_PARAMETER or SRV_ERR_INTERNAL.
 */
int access_token_create(struct app *app, const struct store_user *user, const char *description,
    int days, char text[ACCESS_TOKEN_TEXT_SIZE], struct store_access_token *ret,
    struct srv_status *st);

/*
 * Find the live token of text at now and refresh its last use at most once
 * a minute. An expired token is recorded in the audit log as an
 * access_token_use failure. An unknown one names no account, so it is only
 * logged. Returns SRV_OK, SRV_ERR_NOT_AUTHENTICATED or
 * SRV_ERR_INTERNAL.
 */
int access_token_lookup(struct app *app, const char *text, int64_t now,
    struct store_access_token *ret);

/*
 * Delete user's token id and record it. Returns SRV_OK,
 * SRV_ERR_ACCESS_TOKEN_NOT_FOUND or SRV_ERR_INTERNAL.
 */
int access_token_delete(struct app *app, const struct store_user *user, int64_t id,
    struct srv_status *st);

/* Record that token t of user tried action, which tokens may not call. */
void access_token_audit_denied(struct app *app, const struct store_user *user,
    const struct store_access_token *t, const char *action);

#endif
