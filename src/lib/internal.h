/* SPDX-License-Identifier: MIT */
/* Bodies of libmfa's opaque types, shared by the files of src/lib/ only. */
#ifndef MFA_LIB_INTERNAL_H
#define MFA_LIB_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <mfa/mfa.h>

struct mfa_ctx {
	EVP_MAC *mac; /* HMAC implementation, fetched once in mfa_ctx_new() */
};

/* A hash state of one of the OTP algorithms. Each is a plain struct, copied by value. */
union otp_hash_state {
	SHA_CTX sha1;
	SHA256_CTX sha256;
	SHA512_CTX sha512;
};

struct mfa_otp {
	union otp_hash_state inner;    /* HMAC: the hash state after key ^ ipad, wiped on free */
	union otp_hash_state outer;    /* HMAC: the hash state after key ^ opad, wiped on free */
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
