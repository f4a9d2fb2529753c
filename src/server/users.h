/* SPDX-License-Identifier: MIT */
/* Users of an account and their login profiles: the flows behind RAM's user actions. */
#ifndef MFAD_USERS_H
#define MFAD_USERS_H

#include <stddef.h>

#include "server/app.h"
#include "server/errors.h"

#define USERS_LIST_MAX 1000     /* MaxItems of one ListUsers page */
#define USERS_LIST_DEFAULT 100

/*
 * Create user name in the account. display_name NULL or empty means name.
 * Returns SRV_OK, SRV_ERR_INVALID_PARAMETER, SRV_ERR_USER_EXISTS or
 * SRV_ERR_INTERNAL.
 */
int users_create(struct app *app, int64_t account_id, const char *name, const char *display_name,
    struct store_user *ret, struct srv_status *st);

/* Find a user (not the owner) by name. Returns SRV_OK, SRV_ERR_USER_NOT_FOUND or SRV_ERR_INTERNAL. */
int users_get(struct app *app, int64_t account_id, const char *name, struct store_user *ret,
    struct srv_status *st);

/*
 * List up to max_items users after the name marker (NULL or "" for the
 * first page) through cb. Sets *ret_truncated when more follow.
 */
int users_list(struct app *app, int64_t account_id, const char *marker, int max_items,
    store_user_cb cb, void *arg, int *ret_truncated, struct srv_status *st);

/* Rename a user or change its display name (either may be NULL). */
int users_update(struct app *app, int64_t account_id, const char *name, const char *new_name,
    const char *new_display_name, struct store_user *ret, struct srv_status *st);

/* Delete a user with its login profile, MFA device and sessions. */
int users_delete(struct app *app, int64_t account_id, const char *name, struct srv_status *st);

/* Password and flags to set; reset_required and mfa_bind_required are -1 to keep. */
struct profile_change {
	const char *password; /* NULL to keep */
	size_t password_len;
	int reset_required;
	int mfa_bind_required;
};

/* Give user a login profile. Returns SRV_OK, SRV_ERR_PROFILE_EXISTS and the like. */
int profile_create(struct app *app, const struct store_user *user,
    const struct profile_change *change, struct store_login_profile *ret, struct srv_status *st);

/* Change user's login profile. */
int profile_update(struct app *app, const struct store_user *user,
    const struct profile_change *change, struct store_login_profile *ret, struct srv_status *st);

int profile_get(struct app *app, const struct store_user *user, struct store_login_profile *ret,
    struct srv_status *st);

int profile_delete(struct app *app, const struct store_user *user, struct srv_status *st);

/*
 * Forget user's logon failures, which lifts a lock (MaxLoginAttempts or the
 * growing delays) at once, and record it in the audit log.
 */
int users_unlock(struct app *app, const struct store_account *acct, const struct store_user *user,
    struct srv_status *st);

#endif
