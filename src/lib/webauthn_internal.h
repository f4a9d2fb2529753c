/* SPDX-License-Identifier: MIT */
/* Private helpers shared by libmfa's CBOR, COSE and WebAuthn files. */
#ifndef MFA_LIB_WEBAUTHN_INTERNAL_H
#define MFA_LIB_WEBAUTHN_INTERNAL_H

#include <stdbool.h>

#include <cbor.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <mfa/cose.h>
#include <mfa/err.h>
#include <mfa/webauthn.h>

#define CBOR_DEPTH_MAX 8     /* nesting levels: attestationObject > attStmt > x5c > cert is 4 */
#define CBOR_ITEMS_MAX 512   /* data items in one CBOR document, map keys counted */
#define WEBAUTHN_X5C_MAX 8   /* certificates in an attestation x5c array */

/* COSE key types (RFC 9053 "COSE Key Types"). */
#define COSE_KTY_OKP 1
#define COSE_KTY_EC2 2
#define COSE_KTY_RSA 3

/* Key type, curve and digest of one COSE algorithm. */
struct cose_alg_info {
	int alg;             /* mfa_cose_alg_t */
	int kty;             /* COSE_KTY_* */
	int crv;             /* COSE curve identifier, 0 for RSA */
	const char *ossl_name; /* OpenSSL group (EC2) or key type (OKP, RSA) */
	const char *md_name; /* digest the signature covers, NULL for EdDSA */
	size_t coord_len;    /* bytes of each EC2 coordinate or of an OKP key, 0 for RSA */
};

/*
 * Both digests are fetched once in mfa_cose_key_parse(), so that
 * verification does no algorithm lookups.
 */
struct mfa_cose_key {
	EVP_PKEY *pkey;
	int alg;       /* mfa_cose_alg_t */
	const char *md_name; /* digest for EVP_DigestVerifyInit_ex, NULL for EdDSA */
	EVP_MD *md;          /* md_name fetched, NULL for EdDSA */
	EVP_MD *sha256;      /* for clientDataJSON and RP ID hashes in assertions */
	/* ready for EVP_PKEY_verify(): digest and RSA padding set, NULL for EdDSA */
	EVP_PKEY_CTX *verify_ctx;
};

struct mfa_webauthn_trust {
	X509_STORE *store;
};

/*
 * Scan the one CBOR item at the start of data without allocating: check
 * that it is definite-length, within CBOR_DEPTH_MAX and CBOR_ITEMS_MAX and
 * inside len, and store its encoded length in *ret_len. Returns MFA_OK or
 * MFA_ERR_MALFORMED_CBOR.
 */
int cborutil_scan(const uint8_t *data, size_t len, size_t *ret_len);

/*
 * Load exactly len bytes as one CBOR item after cborutil_scan(). Trailing
 * bytes are rejected. Returns MFA_OK, MFA_ERR_MALFORMED_CBOR or MFA_ERR_NOMEM.
 */
int cborutil_load(const uint8_t *data, size_t len, cbor_item_t **ret_item);

/* Return whether item is an unsigned or negative integer, storing it in *ret. */
bool cborutil_get_int(const cbor_item_t *item, int64_t *ret);

/* Return whether key is a text string equal to name. */
bool cborutil_text_is(const cbor_item_t *key, const char *name);

/*
 * Check that the keys of map are integers or text strings and that none
 * repeats. Returns MFA_OK or MFA_ERR_MALFORMED_CBOR.
 */
int cborutil_map_check_keys(const cbor_item_t *map);

/* Return the value of the integer key label in map, or NULL. */
cbor_item_t *cborutil_map_int(const cbor_item_t *map, int64_t label);

/* Return the value of the text key name in map, or NULL. */
cbor_item_t *cborutil_map_text(const cbor_item_t *map, const char *name);

/* Return whether item is a definite byte string (what libcbor gives for definite input). */
bool cborutil_is_bytes(const cbor_item_t *item);

/* Parse a COSE key from an already loaded map. Codes as mfa_cose_key_parse(). */
int cose_key_from_map(const cbor_item_t *map, mfa_cose_key_t **ret_key);

/* Return the digest name a COSE alg signs with, or NULL when unknown or EdDSA. */
const char *cose_alg_md_name(int alg);

/* Return the description of a COSE alg that libmfa verifies, or NULL. */
const struct cose_alg_info *cose_alg_lookup(int alg);

/*
 * Set up key->verify_ctx, the context every verification with key copies.
 * Returns MFA_OK or MFA_ERR_INTERNAL.
 */
int cose_key_prepare_verify(mfa_cose_key_t *key);

/*
 * Verify sig over the concatenation a || b with key, hashing with the
 * digest fetched at parse time. b may be NULL when b_len is 0. Returns
 * MFA_OK, MFA_ERR_VERIFY_FAILED, MFA_ERR_NOMEM or MFA_ERR_INTERNAL.
 */
int cose_key_verify_parts(const mfa_cose_key_t *key, const uint8_t *a, size_t a_len,
    const uint8_t *b, size_t b_len, const uint8_t *sig, size_t sig_len);

/*
 * Verify sig over msg with any OpenSSL public key, as COSE alg defines,
 * checking first that the key's type and curve fit alg. Returns MFA_OK,
 * MFA_ERR_VERIFY_FAILED, MFA_ERR_UNSUPPORTED (alg does not fit the key) or
 * MFA_ERR_INTERNAL.
 */
int cose_verify_pkey(EVP_PKEY *pkey, int alg, const uint8_t *msg, size_t msg_len,
    const uint8_t *sig, size_t sig_len);

/* Return whether the public key of cert equals that of key. */
bool cose_key_matches_cert(const mfa_cose_key_t *key, X509 *cert);

/*
 * Run the checks too slow for every parse on a key about to be registered:
 * for RSA, OpenSSL's public key validation (n odd, composite, no small
 * factors), so a prime modulus whose private key anyone can compute is
 * refused. Returns MFA_OK, MFA_ERR_COSE_KEY or MFA_ERR_INTERNAL.
 */
int cose_key_check_public(const mfa_cose_key_t *key);

/* Borrow the OpenSSL key of a COSE key. */
EVP_PKEY *cose_key_pkey(const mfa_cose_key_t *key);

/* Inputs that every attestation statement format verifies against. */
struct webauthn_attest_input {
	const cbor_item_t *att_stmt;       /* map */
	const uint8_t *auth_data;
	size_t auth_data_len;
	const mfa_webauthn_auth_data_t *ad;
	const mfa_cose_key_t *cred_key;
	uint8_t client_data_hash[32];
};

/* Outcome of verifying one statement. */
struct webauthn_attest_result {
	mfa_webauthn_attestation_type_t type;
	STACK_OF(X509) *x5c;               /* owned; leaf first; NULL for none and self */
};

/*
 * Verify the statement of one format. Each returns MFA_OK,
 * MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT, MFA_ERR_NOMEM or MFA_ERR_INTERNAL,
 * and fills *res only on success.
 */
int webauthn_attest_packed(const struct webauthn_attest_input *in,
    struct webauthn_attest_result *res);
int webauthn_attest_fido_u2f(const struct webauthn_attest_input *in,
    struct webauthn_attest_result *res);
int webauthn_attest_apple(const struct webauthn_attest_input *in,
    struct webauthn_attest_result *res);
int webauthn_attest_android_key(const struct webauthn_attest_input *in,
    struct webauthn_attest_result *res);
int webauthn_attest_tpm(const struct webauthn_attest_input *in,
    struct webauthn_attest_result *res);

/*
 * Decode the x5c array of att_stmt (1 to WEBAUTHN_X5C_MAX DER certificates,
 * leaf first) into *ret. Returns MFA_OK, MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT
 * or MFA_ERR_NOMEM.
 */
int webauthn_x5c_decode(const cbor_item_t *x5c, STACK_OF(X509) **ret);

/*
 * Find the extension oid (dotted text) in cert and return its value bytes,
 * borrowed from cert. Returns NULL when absent or repeated; *ret_critical
 * tells whether it is marked critical.
 */
const uint8_t *webauthn_cert_ext(X509 *cert, const char *oid, size_t *ret_len,
    bool *ret_critical);

/*
 * Check the AAGUID extension (1.3.6.1.4.1.45724.1.1.4) of cert, when present:
 * not critical and an OCTET STRING equal to aaguid. Returns MFA_OK or
 * MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT.
 */
int webauthn_cert_check_aaguid(X509 *cert, const uint8_t *aaguid);

/* Return whether cert is version 3 with basicConstraints CA false. */
bool webauthn_cert_is_v3_leaf(X509 *cert);

/*
 * Check that the signature of att_stmt ("sig" bytes, "alg" integer) over
 * authData || clientDataHash verifies with pkey. Returns MFA_OK or
 * MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT (MFA_ERR_NOMEM, MFA_ERR_INTERNAL).
 */
int webauthn_attest_check_sig(const struct webauthn_attest_input *in, EVP_PKEY *pkey,
    int alg);

/* Read one DER element from in and move in past it (webauthn_cert.c). */
struct der {
	const uint8_t *p;
	size_t len;
};
bool der_next(struct der *in, unsigned *ret_class, bool *ret_constructed, uint32_t *ret_tag,
    struct der *ret_value);

/*
 * Hash len bytes with SHA-256 into out. sha256 is a fetched digest, or NULL
 * to let OpenSSL look it up. Returns MFA_OK, MFA_ERR_NOMEM or MFA_ERR_INTERNAL.
 */
int webauthn_sha256(const EVP_MD *sha256, const void *data, size_t len, uint8_t out[32]);

/*
 * Check clientDataJSON against the ceremony: type, challenge, origin,
 * crossOrigin, topOrigin and token binding. Also stores SHA-256 of it in
 * hash (sha256 as for webauthn_sha256()). Returns MFA_OK, a parse code or
 * the MFA_ERR_WEBAUTHN_* of the failing check.
 */
int webauthn_check_client_data(const mfa_webauthn_ceremony_t *c, const char *type,
    const EVP_MD *sha256, const uint8_t *json, size_t len, uint8_t hash[32]);

/*
 * Check authenticator data against the ceremony: rpIdHash, UP, UV, the
 * extension outputs. Returns MFA_OK or the MFA_ERR_WEBAUTHN_* of the
 * failing check.
 */
int webauthn_check_auth_data(const mfa_webauthn_ceremony_t *c, const EVP_MD *sha256,
    const mfa_webauthn_auth_data_t *ad);

/*
 * Check that the chain x5c (leaf first) leads to one of the trust anchors,
 * with certificates valid at time (Unix seconds, 0 for now). Stores the
 * outcome in *ret_trusted. Returns MFA_OK, MFA_ERR_NOMEM or MFA_ERR_INTERNAL.
 */
int webauthn_trust_check_chain(const mfa_webauthn_trust_t *trust, STACK_OF(X509) *x5c,
    int64_t time, bool *ret_trusted);

/*
 * Verify the attestation statement of format fmt and evaluate its trust
 * under opts->attestation. Stores the
 * attestation type and whether x5c chains to opts->trust. Returns MFA_OK,
 * MFA_ERR_WEBAUTHN_ATTESTATION_FORMAT, _STATEMENT or _TRUST, MFA_ERR_NOMEM
 * or MFA_ERR_INTERNAL.
 */
int webauthn_attest_verify(const char *fmt, const struct webauthn_attest_input *in,
    const mfa_webauthn_registration_options_t *opts, mfa_webauthn_attestation_type_t *ret_type,
    bool *ret_trusted);

/*
 * Check that the keys of att_stmt are text strings among the count names
 * and that none repeats. Returns MFA_OK or MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT.
 */
int webauthn_att_stmt_check_keys(const cbor_item_t *att_stmt, const char *const *names,
    size_t count);

/* Check the ceremony fields of options. Returns MFA_OK or MFA_ERR_INVALID_ARGUMENT. */
int webauthn_check_ceremony(const mfa_webauthn_ceremony_t *c);

#endif
