/* SPDX-License-Identifier: MIT */
/* COSE public keys (RFC 9052, RFC 9053) as WebAuthn credentials carry them, and signature checks. */
#ifndef MFA_COSE_H
#define MFA_COSE_H

#include <mfa/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of CBOR accepted for one COSE key: room for an RSA-8192 modulus. */
#define MFA_COSE_KEY_MAX 2048

/* Smallest RSA modulus accepted, in bits. */
#define MFA_COSE_RSA_BITS_MIN 2048

/* Largest RSA modulus accepted, in bits, to bound verification cost. */
#define MFA_COSE_RSA_BITS_MAX 8192

/* COSE algorithm identifiers (IANA "COSE Algorithms") that libmfa verifies. */
typedef enum {
	MFA_COSE_ES256 = -7,   /* ECDSA P-256 with SHA-256, DER signature */
	MFA_COSE_EDDSA = -8,   /* Ed25519, 64-byte signature */
	MFA_COSE_ES384 = -35,  /* ECDSA P-384 with SHA-384, DER signature */
	MFA_COSE_ES512 = -36,  /* ECDSA P-521 with SHA-512, DER signature */
	MFA_COSE_PS256 = -37,  /* RSASSA-PSS, SHA-256, MGF1 SHA-256, 32-byte salt */
	MFA_COSE_RS256 = -257, /* RSASSA-PKCS1-v1_5 with SHA-256 */
} mfa_cose_alg_t;

/*
 * A parsed and validated COSE public key with its OpenSSL key object, made
 * once so that a server can cache it per credential. Immutable after
 * mfa_cose_key_parse(), so one key may be used by many threads at once.
 */
typedef struct mfa_cose_key mfa_cose_key_t;

/*
 * Parse len bytes of CBOR holding exactly one COSE_Key map (no trailing
 * bytes) and build its public key. Accepts EC2 P-256/-7, P-384/-35,
 * P-521/-36 (x and y of the curve's size, point on the curve), OKP
 * Ed25519/-8 and RSA -257/-37 (modulus of MFA_COSE_RSA_BITS_MIN to
 * MFA_COSE_RSA_BITS_MAX bits). A key that carries a private part (label -4
 * for EC2/OKP) is rejected. On success *ret_key owns a new key for
 * mfa_cose_key_free(). Returns MFA_OK, MFA_ERR_INVALID_ARGUMENT,
 * MFA_ERR_TOO_LARGE (over MFA_COSE_KEY_MAX), MFA_ERR_MALFORMED_CBOR,
 * MFA_ERR_COSE_KEY (bad or missing member, curve not matching alg, point
 * not on the curve, RSA modulus out of range or even exponent, private
 * part), MFA_ERR_UNSUPPORTED (unknown kty or alg, Ed448), MFA_ERR_NOMEM or
 * MFA_ERR_INTERNAL.
 */
MFA_API int mfa_cose_key_parse(const uint8_t *cbor, size_t len, mfa_cose_key_t **ret_key);

/* Free *key and set it to NULL. Accepts NULL and a NULL *key. */
MFA_API void mfa_cose_key_free(mfa_cose_key_t **key);

/* Return the key's COSE algorithm (an mfa_cose_alg_t value). */
MFA_API int mfa_cose_key_alg(const mfa_cose_key_t *key);

/*
 * Verify sig over msg with key, as the key's algorithm defines: ECDSA
 * signatures in ASN.1 DER, EdDSA 64 raw bytes, RSA with SHA-256 (PSS with a
 * salt as long as the digest). Returns MFA_OK, MFA_ERR_INVALID_ARGUMENT,
 * MFA_ERR_VERIFY_FAILED (wrong or malformed signature) or MFA_ERR_INTERNAL.
 */
MFA_API int mfa_cose_key_verify(const mfa_cose_key_t *key, const uint8_t *msg, size_t msg_len,
    const uint8_t *sig, size_t sig_len);

#ifdef __cplusplus
}
#endif

#endif
