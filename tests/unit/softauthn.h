/* SPDX-License-Identifier: MIT */
/*
 * A software WebAuthn authenticator for tests. It makes OpenSSL key pairs,
 * encodes COSE keys, authenticator data, clientDataJSON and attestation
 * objects, and signs them with OpenSSL, so that expected results never come
 * from the code under test. Every field has a default that verifies; a test
 * changes one field to break one step.
 *
 * All functions abort the test program on allocation or OpenSSL failure,
 * because a test cannot go on without its input.
 */
#ifndef MFA_TESTS_SOFTAUTHN_H
#define MFA_TESTS_SOFTAUTHN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define SOFTAUTHN_AAGUID_LEN 16
#define SOFTAUTHN_HASH_LEN 32 /* SHA-256 */
#define SOFTAUTHN_X5C_MAX 4

/* A growable byte buffer, also used as a CBOR writer. Free with softauthn_buf_free(). */
typedef struct {
	uint8_t *data;
	size_t len;
	size_t cap;
} softauthn_buf_t;

void softauthn_buf_free(softauthn_buf_t *buf);
void softauthn_buf_append(softauthn_buf_t *buf, const void *data, size_t len);

/* CBOR writers (RFC 8949), definite lengths, shortest heads. */
void softauthn_cbor_int(softauthn_buf_t *buf, int64_t v);
void softauthn_cbor_bytes(softauthn_buf_t *buf, const uint8_t *data, size_t len);
void softauthn_cbor_text(softauthn_buf_t *buf, const char *text);
void softauthn_cbor_array(softauthn_buf_t *buf, size_t count); /* then count items */
void softauthn_cbor_map(softauthn_buf_t *buf, size_t count);   /* then count key, value pairs */
void softauthn_cbor_bool(softauthn_buf_t *buf, bool v);

/* A key pair for one COSE algorithm (mfa_cose_alg_t). */
typedef struct softauthn_key softauthn_key_t;

/* Make a new key: -7 P-256, -35 P-384, -36 P-521, -8 Ed25519, -257 and -37 RSA-2048. */
softauthn_key_t *softauthn_key_new(int alg);
void softauthn_key_free(softauthn_key_t *key);
int softauthn_key_alg(const softauthn_key_t *key);
EVP_PKEY *softauthn_key_pkey(const softauthn_key_t *key); /* borrowed */

/* Changes to a COSE_Key encoding, each breaking one property. Zero means none. */
typedef struct {
	int alg;          /* alg label to write instead of the key's own */
	int drop_label;   /* leave out this label (e.g. -3 for y) */
	int corrupt_label; /* flip the low bit of the last byte of this byte string label */
	bool add_private; /* add the private part (label -4 for EC2/OKP, -3 for RSA) */
} softauthn_cose_knobs_t;

/* Append the public key as a COSE_Key map; knobs may be NULL. */
void softauthn_key_cose(const softauthn_key_t *key, const softauthn_cose_knobs_t *knobs,
    softauthn_buf_t *out);

/* Sign msg as the key's algorithm does (ECDSA DER, Ed25519 raw, RSA PKCS #1 or PSS). */
void softauthn_sign(const softauthn_key_t *key, const uint8_t *msg, size_t len,
    softauthn_buf_t *sig);

/* Subject and extensions of a test certificate. */
typedef struct {
	const char *c, *o, *ou, *cn; /* NULL leaves the attribute out */
	bool ca;                     /* basicConstraints CA:TRUE */
	const uint8_t *aaguid;       /* id-fido-gen-ce-aaguid value, NULL for none */
	bool aaguid_critical;
	int64_t not_before, not_after; /* Unix seconds; 0 for now - 1 day and now + 1 year */
} softauthn_cert_opts_t;

/*
 * Issue a version 3 certificate for subject_key signed by issuer_key; a
 * NULL issuer makes it self-signed. Free with X509_free().
 */
X509 *softauthn_cert_issue(const softauthn_key_t *subject_key, const softauthn_key_t *issuer_key,
    X509 *issuer, const softauthn_cert_opts_t *opts);

/* Fill opts for a packed attestation leaf (8.2.1) that verifies. */
void softauthn_cert_opts_packed(softauthn_cert_opts_t *opts);

/* Append the DER encoding of cert. */
void softauthn_cert_der(X509 *cert, softauthn_buf_t *out);

/* Return cert as PEM text; free with free(). */
char *softauthn_cert_pem(X509 *cert);

/* clientDataJSON members. NULL strings are left out. */
typedef struct {
	const char *type;
	const uint8_t *challenge;
	size_t challenge_len;
	const char *origin;
	int cross_origin;          /* -1 absent, 0 false, 1 true */
	const char *top_origin;
	const char *token_binding; /* tokenBinding.status */
	const char *raw;           /* if set, used verbatim instead of all the above */
} softauthn_client_data_t;

/*
 * Append clientDataJSON. It ends with the member "other_keys_can_be_added_here"
 * as browsers send it, whose text a test may change without breaking the JSON.
 */
void softauthn_client_data_json(const softauthn_client_data_t *cd, softauthn_buf_t *out);

/* Authenticator data fields. */
typedef struct {
	const char *rp_id;
	const uint8_t *rp_id_hash;   /* if set, used instead of SHA-256(rp_id) */
	uint8_t flags;
	uint32_t sign_count;
	/* Attested credential data, written when flags has AT (0x40). */
	uint8_t aaguid[SOFTAUTHN_AAGUID_LEN];
	const uint8_t *cred_id;
	size_t cred_id_len;
	const uint8_t *cose_key;     /* encoded COSE_Key */
	size_t cose_key_len;
	/* Written when set, even when flags lacks ED. */
	const uint8_t *extensions;   /* CBOR map */
	size_t extensions_len;
	size_t trailing;             /* zero bytes appended at the end */
} softauthn_auth_data_t;

void softauthn_auth_data(const softauthn_auth_data_t *ad, softauthn_buf_t *out);

typedef enum {
	SOFTAUTHN_ATT_NONE,        /* fmt "none", empty attStmt */
	SOFTAUTHN_ATT_PACKED_SELF, /* packed, signed by the credential key */
	SOFTAUTHN_ATT_PACKED_X5C,  /* packed, signed by att_key with x5c */
	SOFTAUTHN_ATT_FIDO_U2F,    /* fido-u2f, signed by att_key with x5c */
	SOFTAUTHN_ATT_CUSTOM,      /* att_stmt_fn writes attStmt */
} softauthn_att_t;

/*
 * Writes the attStmt map for SOFTAUTHN_ATT_CUSTOM, e.g. a tpm, android-key
 * or apple statement, given the final authData and clientDataHash.
 */
typedef void (*softauthn_att_stmt_fn)(void *arg, const uint8_t *auth_data, size_t auth_data_len,
    const uint8_t client_data_hash[SOFTAUTHN_HASH_LEN], softauthn_buf_t *att_stmt);

/* A registration response to build. softauthn_reg_init() sets every field. */
typedef struct {
	softauthn_client_data_t client_data;
	softauthn_auth_data_t auth_data;
	const softauthn_key_t *cred_key;
	softauthn_cose_knobs_t cose_knobs;  /* applied when auth_data.cose_key is NULL */
	uint8_t cred_id[32];                /* default credential ID, in auth_data.cred_id */

	softauthn_att_t att;
	const char *fmt;                    /* NULL for the one att implies, "custom" for CUSTOM */
	int att_alg;                        /* alg member to write; 0 for the signer's alg */
	bool att_bad_sig;                   /* flip one bit of the statement signature */
	const softauthn_key_t *att_key;     /* signer for PACKED_X5C and FIDO_U2F */
	X509 *x5c[SOFTAUTHN_X5C_MAX];       /* borrowed, leaf first */
	size_t x5c_count;
	const uint8_t *att_stmt;            /* if set, this CBOR map is the attStmt */
	size_t att_stmt_len;
	softauthn_att_stmt_fn att_stmt_fn;  /* for SOFTAUTHN_ATT_CUSTOM */
	void *att_stmt_arg;

	const char *drop_member;            /* attestationObject member to leave out */
	size_t att_obj_trailing;            /* zero bytes after the attestationObject */
} softauthn_reg_t;

/* The encoded response; free with softauthn_reg_out_free(). */
typedef struct {
	softauthn_buf_t client_data_json;
	softauthn_buf_t attestation_object;
	softauthn_buf_t auth_data;          /* copy of the authData member */
	softauthn_buf_t cose_key;           /* copy of the credential COSE key written */
} softauthn_reg_out_t;

/*
 * Fill reg for a "none" registration that verifies: type webauthn.create,
 * flags UP UV AT, sign count 0, zero AAGUID, a 32-byte credential ID.
 * Strings and the challenge are borrowed.
 */
void softauthn_reg_init(softauthn_reg_t *reg, const softauthn_key_t *cred_key, const char *rp_id,
    const char *origin, const uint8_t *challenge, size_t challenge_len);

void softauthn_reg_build(const softauthn_reg_t *reg, softauthn_reg_out_t *out);
void softauthn_reg_out_free(softauthn_reg_out_t *out);

/* An assertion to build. softauthn_assert_init() sets every field. */
typedef struct {
	softauthn_client_data_t client_data;
	softauthn_auth_data_t auth_data;    /* AT is never set by default */
	const softauthn_key_t *key;         /* signer */
} softauthn_assert_t;

typedef struct {
	softauthn_buf_t client_data_json;
	softauthn_buf_t auth_data;
	softauthn_buf_t sig;
} softauthn_assert_out_t;

/* Fill as for softauthn_reg_init(), with type webauthn.get, flags UP UV and count 1. */
void softauthn_assert_init(softauthn_assert_t *as, const softauthn_key_t *key, const char *rp_id,
    const char *origin, const uint8_t *challenge, size_t challenge_len);

/* Build and sign over authData || SHA-256(clientDataJSON). */
void softauthn_assert_build(const softauthn_assert_t *as, softauthn_assert_out_t *out);
void softauthn_assert_out_free(softauthn_assert_out_t *out);

/* SHA-256 of len bytes. */
void softauthn_sha256(const void *data, size_t len, uint8_t out[SOFTAUTHN_HASH_LEN]);

#endif
