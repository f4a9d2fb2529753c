/* SPDX-License-Identifier: MIT */
/*
 * The logon allow-list of an account (SetSecurityPreference
 * LoginProfilePreference.LoginNetworkMasks): up to NETPOLICY_MAX_RANGES
 * IPv4 or IPv6 CIDR ranges. When the list is not empty, every logon step
 * of the account's users from a client address outside it is rejected
 * with SRV_ERR_LOGIN_NETWORK_DENIED and recorded in the audit log. The
 * check runs before the user's password or factors are looked at, so the
 * response is the same for a user that does not exist.
 */
#ifndef MFAD_NETLOGON_H
#define MFAD_NETLOGON_H

#include <stddef.h>
#include <stdint.h>

#include "server/app.h"
#include "server/errors.h"

/*
 * Check that src, the client address of the request, may log on to
 * account_id. user_id (0 for none or unknown) is only recorded. Returns
 * SRV_OK, SRV_ERR_LOGIN_NETWORK_DENIED with a message in st, or
 * SRV_ERR_INTERNAL.
 */
int netlogon_check(const struct app *app, struct store *db, int64_t account_id, int64_t user_id,
    const char *src, struct srv_status *st);

/*
 * As netlogon_check for a logon by principal ("name@alias" or "alias"):
 * a principal that is malformed or names no account passes, because no
 * list applies to it, and the password step then fails as usual.
 */
int netlogon_check_principal(const struct app *app, struct store *db, const char *principal,
    const char *src, struct srv_status *st);

/*
 * Parse text, ranges separated by ",", ";" or white space, and store it as
 * acct's allow-list in canonical form, with an audit record. An empty text
 * allows every address. Returns SRV_OK, SRV_ERR_INVALID_PARAMETER with a
 * message in st that names the bad entry, or SRV_ERR_INTERNAL.
 */
int netlogon_set(struct app *app, const struct store_account *acct, const char *text,
    const char *src, struct srv_status *st);

/* Read acct's allow-list in canonical form into out. Returns SRV_OK or SRV_ERR_INTERNAL. */
int netlogon_get(struct app *app, int64_t account_id, char out[STORE_NETWORKS_MAX + 1]);

#endif
