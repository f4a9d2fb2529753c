/* SPDX-License-Identifier: MIT */
/* Virtual MFA devices: TOTP secrets held by an authenticator app, one per user. */
#ifndef MFAD_VMFA_H
#define MFAD_VMFA_H

#include <stdint.h>

#include <mfa/otp.h>

#include "server/app.h"
#include "server/errors.h"

/* What CreateVirtualMFADevice returns; every field but serial carries the secret. */
struct vmfa_new {
	char serial[STORE_SERIAL_MAX + 1];
	char secret_b32[64];
	char *uri;      /* otpauth:// URI */
	uint8_t *png;   /* QR code of uri */
	size_t png_len;
	char *svg;
};

/* Wipe and free the fields of n. */
void vmfa_new_clear(struct vmfa_new *n);

/*
 * Create a pending device with a new 160-bit secret for user, replacing a
 * pending one. Returns SRV_OK, SRV_ERR_DEVICE_EXISTS (one is bound) or
 * SRV_ERR_INTERNAL.
 */
int vmfa_create(struct app *app, const struct store_account *acct, const struct store_user *user,
    struct vmfa_new *ret, struct srv_status *st);

/*
 * Bind user's pending device serial with two consecutive codes: code2 for a
 * step within the window around now, code1 for the step before it. Equal,
 * non-consecutive or stale codes return SRV_ERR_INVALID_PARAMETER; the last
 * step is stored so neither code works again.
 */
int vmfa_bind(struct app *app, const struct store_user *user, const char *serial,
    const char *code1, const char *code2, const char *src, struct srv_status *st);

/*
 * Remove user's device, bound or pending, and copy its serial to
 * serial_out. src names the client for the log ("cli" for mfactl).
 */
int vmfa_unbind(struct app *app, const struct store_user *user,
    char serial_out[STORE_SERIAL_MAX + 1], const char *src, struct srv_status *st);

/* user's device. Returns SRV_OK, SRV_ERR_DEVICE_NOT_FOUND or SRV_ERR_INTERNAL. */
int vmfa_get(struct app *app, const struct store_user *user, struct store_mfa_device *ret);

/*
 * Check code against dev at now within the configured window, without
 * changing anything. Returns SRV_OK with the matched step, SRV_ERR_INVALID_MFA_CODE
 * or SRV_ERR_INTERNAL.
 */
int vmfa_check(struct app *app, const struct store_mfa_device *dev, const char *code,
    int64_t now, uint64_t *ret_step);

#endif
