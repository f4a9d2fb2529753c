/* SPDX-License-Identifier: MIT */
/* otpauth://totp/ key URIs, the format authenticator apps scan from QR codes. */
#ifndef MFA_OTPAUTH_H
#define MFA_OTPAUTH_H

#include <mfa/common.h>
#include <mfa/otp.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MFA_OTPAUTH_LABEL_MAX 256 /* bytes of issuer or account name, before encoding */
#define MFA_OTPAUTH_URI_MAX 2048  /* bytes accepted by mfa_otpauth_parse */

/* Fields of a TOTP key URI. Strings are UTF-8. */
typedef struct {
	const char *issuer;     /* may be NULL; then the label has no issuer prefix */
	const char *account;    /* required, not empty */
	const uint8_t *secret;  /* 1 to MFA_OTP_KEY_MAX bytes */
	size_t secret_len;
	mfa_otp_alg_t alg;
	unsigned digits;        /* MFA_OTP_DIGITS_MIN to MFA_OTP_DIGITS_MAX */
	unsigned period;        /* seconds, at least 1 */
} mfa_otpauth_t;

/*
 * Format otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...&algorithm=...
 * &digits=...&period=... with the label and issuer percent-encoded (every
 * byte outside RFC 3986 "unreserved" is escaped, so spaces, ':', '@', '&' and
 * non-ASCII UTF-8 all are). The secret is unpadded base32. Stores a malloc'd
 * string in *ret_uri; it contains the secret, so free it with
 * mfa_free_secret_str(). Returns MFA_OK, MFA_ERR_INVALID_ARGUMENT,
 * MFA_ERR_TOO_LARGE or MFA_ERR_NOMEM.
 */
MFA_API int mfa_otpauth_format(const mfa_otpauth_t *key, char **ret_uri);

/* A parsed URI; owns its strings and secret. */
typedef struct mfa_otpauth_parsed mfa_otpauth_parsed_t;

/*
 * Parse a totp URI of at most MFA_OTPAUTH_URI_MAX bytes. Missing algorithm,
 * digits and period take RFC 6238's defaults (SHA1, 6, 30). Returns MFA_OK,
 * MFA_ERR_BAD_URI, MFA_ERR_BAD_ENCODING, MFA_ERR_UNSUPPORTED,
 * MFA_ERR_TOO_LARGE or MFA_ERR_NOMEM.
 */
MFA_API int mfa_otpauth_parse(const char *uri, mfa_otpauth_parsed_t **ret);

/*
 * Borrow the fields of a parsed URI. The pointers in *ret_key stay valid
 * until mfa_otpauth_parsed_free().
 */
MFA_API void mfa_otpauth_parsed_get(const mfa_otpauth_parsed_t *p, mfa_otpauth_t *ret_key);

/* Free *p, wiping its secret, and set it to NULL. Accepts NULL. */
MFA_API void mfa_otpauth_parsed_free(mfa_otpauth_parsed_t **p);

#ifdef __cplusplus
}
#endif

#endif
