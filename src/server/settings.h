/* SPDX-License-Identifier: MIT */
/*
 * Per-account security settings (SetSecurityPreference) and the strength
 * order of second factors: passkey, then virtual MFA device (TOTP), then
 * an email code.
 */
#ifndef MFAD_SETTINGS_H
#define MFAD_SETTINGS_H

#include <stdint.h>

#include "server/app.h"
#include "server/errors.h"
#include "store/store.h"

/* Bytes of the audit detail that lists the changed settings. */
#define SETTINGS_DETAIL_MAX 255

/*
 * Load the settings of account_id into *ret, or the defaults when the
 * account never changed them. Returns STORE_OK or STORE_ERROR.
 */
int settings_load(struct store *db, int64_t account_id, struct store_account_settings *ret);

/* Seconds a full session of the account lives: the setting, or security.session_ttl if lower. */
int64_t settings_session_ttl(const struct app *app, const struct store_account_settings *s);

/*
 * Seconds without a request that end a session of the account: the
 * setting, or security.session_idle when the setting is unset or longer.
 */
int64_t settings_session_idle(const struct app *app, const struct store_account_settings *s);

/* The FACTOR_* bits of methods that may finish a logon under s. */
int settings_logon_methods(const struct store_account_settings *s, int methods);

/* The FACTOR_* bits of methods that may prove a step-up under s. */
int settings_step_up_methods(const struct store_account_settings *s, int methods);

/* The strongest factor bit in methods: FACTOR_PASSKEY, FACTOR_TOTP, FACTOR_EMAIL or 0. */
int settings_strongest(int methods);

/* The second-factor bits at least as strong as factor (one FACTOR_* bit). */
int settings_at_least(int factor);

/*
 * Store s and the account's passkey switch (passkey_logon: 0 or 1) and
 * record a security_preference audit event with detail, all in one
 * transaction, then update *acct. detail names the changed settings and
 * their new values. Returns SRV_OK or SRV_ERR_INTERNAL.
 */
int settings_update(struct app *app, struct store_account *acct,
    const struct store_account_settings *s, int passkey_logon, const char *detail,
    const char *src);

#endif
