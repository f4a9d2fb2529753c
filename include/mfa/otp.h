/* SPDX-License-Identifier: MIT */
/* HOTP (RFC 4226) and TOTP (RFC 6238) one-time passwords. */
#ifndef MFA_OTP_H
#define MFA_OTP_H

#include <mfa/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MFA_OTP_DIGITS_MIN 6
#define MFA_OTP_DIGITS_MAX 8
#define MFA_OTP_CODE_SIZE (MFA_OTP_DIGITS_MAX + 1) /* digits and a NUL */
#define MFA_OTP_KEY_MAX 128    /* bytes; longer HMAC keys are rejected */
#define MFA_OTP_SECRET_LEN 20  /* bytes (160 bits) for new secrets, as RFC 4226 recommends */
#define MFA_TOTP_PERIOD_DEFAULT 30 /* seconds */
#define MFA_TOTP_WINDOW_MAX 10 /* steps either side that verification will search */

typedef enum {
	MFA_OTP_SHA1 = 0,
	MFA_OTP_SHA256 = 1,
	MFA_OTP_SHA512 = 2,
} mfa_otp_alg_t;

/*
 * Library context: keeps the OpenSSL HMAC implementation fetched once so that
 * later calls do not look it up again. One context may be shared by many
 * threads once created; it must outlive every object made from it.
 */
typedef struct mfa_ctx mfa_ctx_t;

/*
 * Generator for one key. Holds an OpenSSL MAC context with the key already
 * set, so generating or verifying many codes costs only the HMACs. Not safe
 * for use by two threads at once. Keeps a copy of the key, wiped on free.
 */
typedef struct mfa_otp mfa_otp_t;

/* Create a context. Returns MFA_OK, MFA_ERR_NOMEM or MFA_ERR_INTERNAL. */
MFA_API int mfa_ctx_new(mfa_ctx_t **ret_ctx);

/* Free *ctx and set it to NULL. Accepts NULL and a NULL *ctx. */
MFA_API void mfa_ctx_free(mfa_ctx_t **ctx);

/*
 * Create a generator for key (1 to MFA_OTP_KEY_MAX bytes), alg and digits
 * (MFA_OTP_DIGITS_MIN to MFA_OTP_DIGITS_MAX). Returns MFA_OK,
 * MFA_ERR_INVALID_ARGUMENT, MFA_ERR_UNSUPPORTED, MFA_ERR_NOMEM or
 * MFA_ERR_INTERNAL.
 */
MFA_API int mfa_otp_new(const mfa_ctx_t *ctx, mfa_otp_alg_t alg, const uint8_t *key,
    size_t key_len, unsigned digits, mfa_otp_t **ret_otp);

/* Free *otp (wiping its key) and set it to NULL. Accepts NULL. */
MFA_API void mfa_otp_free(mfa_otp_t **otp);

/* Return the digits the generator was created with. */
MFA_API unsigned mfa_otp_digits(const mfa_otp_t *otp);

/*
 * Write the HOTP value for counter to out as a NUL-terminated string of
 * mfa_otp_digits() decimal digits, zero-padded. out must hold
 * MFA_OTP_CODE_SIZE bytes. Returns MFA_OK or MFA_ERR_INTERNAL.
 */
MFA_API int mfa_hotp_generate(mfa_otp_t *otp, uint64_t counter, char out[MFA_OTP_CODE_SIZE]);

/*
 * Compute the TOTP time step floor(now / period). now is Unix time in
 * seconds and must be >= 0; period is in seconds and must be >= 1.
 * Returns MFA_OK, MFA_ERR_TIME_BEFORE_EPOCH or MFA_ERR_INVALID_ARGUMENT.
 */
MFA_API int mfa_totp_step(int64_t now, unsigned period, uint64_t *ret_step);

/* Write the TOTP value at time now (as mfa_totp_step) to out. */
MFA_API int mfa_totp_generate(mfa_otp_t *otp, int64_t now, unsigned period,
    char out[MFA_OTP_CODE_SIZE]);

/*
 * Check code against the steps from step(now) - window to step(now) + window
 * (window at most MFA_TOTP_WINDOW_MAX). Every step in the window is computed
 * and compared in constant time, so the time taken does not tell which step
 * matched. On a match, stores the latest matching step in *ret_step; the
 * caller must refuse it if that step was already used (replay).
 *
 * A code that is not exactly mfa_otp_digits() ASCII digits returns
 * MFA_ERR_VERIFY_FAILED like a wrong one. Returns MFA_OK,
 * MFA_ERR_VERIFY_FAILED, MFA_ERR_TIME_BEFORE_EPOCH, MFA_ERR_INVALID_ARGUMENT
 * or MFA_ERR_INTERNAL.
 */
MFA_API int mfa_totp_verify(mfa_otp_t *otp, const char *code, int64_t now, unsigned period,
    unsigned window, uint64_t *ret_step);

/*
 * Fill secret with MFA_OTP_SECRET_LEN bytes from the OS random generator.
 * Returns MFA_OK or MFA_ERR_INTERNAL.
 */
MFA_API int mfa_otp_secret_generate(uint8_t secret[MFA_OTP_SECRET_LEN]);

/* Return "SHA1", "SHA256" or "SHA512", or NULL for other values. */
MFA_API const char *mfa_otp_alg_name(mfa_otp_alg_t alg);

/*
 * Parse an algorithm name, case-insensitively: "SHA1", "SHA256", "SHA512"
 * (with or without a dash after "SHA"). Returns MFA_OK or MFA_ERR_UNSUPPORTED.
 */
MFA_API int mfa_otp_alg_parse(const char *name, mfa_otp_alg_t *ret_alg);

#ifdef __cplusplus
}
#endif

#endif
