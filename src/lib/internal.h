/* SPDX-License-Identifier: MIT */
/* Bodies of libmfa's opaque types, shared by the files of src/lib/ only. */
#ifndef MFA_LIB_INTERNAL_H
#define MFA_LIB_INTERNAL_H

#include <openssl/evp.h>

#include <mfa/mfa.h>

struct mfa_ctx {
	EVP_MAC *mac; /* HMAC implementation, fetched once in mfa_ctx_new() */
};

struct mfa_otp {
	EVP_MAC_CTX *mac_ctx;          /* key and digest already set */
	uint8_t key[MFA_OTP_KEY_MAX];  /* copy of the key, wiped on free */
	size_t key_len;
	size_t mac_len;                /* HMAC output bytes for alg */
	mfa_otp_alg_t alg;
	unsigned digits;
	uint32_t modulus;              /* 10^digits */
};

struct mfa_otpauth_parsed {
	char *issuer;     /* NULL when the URI names no issuer */
	char *account;
	uint8_t *secret;  /* wiped on free */
	size_t secret_len;
	mfa_otp_alg_t alg;
	unsigned digits;
	unsigned period;  /* seconds */
};

#endif
