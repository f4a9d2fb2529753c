/* SPDX-License-Identifier: MIT */
/* Accounts and their owners. */
#ifndef MFAD_ACCOUNT_H
#define MFAD_ACCOUNT_H

#include <stddef.h>

#include "server/app.h"
#include "server/errors.h"

/*
 * Create an account with alias and its owner, whose password is password
 * (len bytes), in one transaction. Returns SRV_OK, SRV_ERR_INVALID_PARAMETER,
 * SRV_ERR_ACCOUNT_EXISTS, SRV_ERR_BUSY or SRV_ERR_INTERNAL.
 */
int account_init(struct app *app, const char *alias, const char *password, size_t len,
    struct store_account *ret, struct srv_status *st);

/* Find the account of alias. Returns SRV_OK, SRV_ERR_INVALID_PARAMETER or SRV_ERR_INTERNAL. */
int account_find(struct app *app, const char *alias, struct store_account *ret,
    struct srv_status *st);

/*
 * Allow (on = 1) or forbid (on = 0) remembered browsers in the account;
 * forbidding them also forgets every remembered browser of its users.
 * SetSecurityPreference records the change in the audit log.
 */
int account_set_save_mfa_ticket(struct app *app, struct store_account *acct, int on,
    const char *src);

#endif
