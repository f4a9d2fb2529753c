/* SPDX-License-Identifier: MIT */
/* WebAuthn relying-party checks: registration (WebAuthn L3 7.1) and assertion (7.2) verification. */
#ifndef MFA_WEBAUTHN_H
#define MFA_WEBAUTHN_H

#include <stdbool.h>

#include <mfa/common.h>
#include <mfa/cose.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits on what a client sends. Inputs over them return MFA_ERR_TOO_LARGE. */
#define MFA_WEBAUTHN_CLIENT_DATA_MAX 8192      /* bytes of clientDataJSON */
#define MFA_WEBAUTHN_AUTH_DATA_MAX 16384       /* bytes of authenticator data */
#define MFA_WEBAUTHN_ATTESTATION_MAX 65536     /* bytes of attestationObject */
#define MFA_WEBAUTHN_CRED_ID_MAX 1023          /* bytes; WebAuthn L3 sets this limit */
#define MFA_WEBAUTHN_CHALLENGE_MAX 64          /* bytes of decoded challenge */
#define MFA_WEBAUTHN_FMT_MAX 32                /* characters of an attestation fmt */
#define MFA_WEBAUTHN_RP_ID_HASH_LEN 32         /* SHA-256 */
#define MFA_WEBAUTHN_AAGUID_LEN 16

/* Authenticator data flag bits (WebAuthn L3 6.1). */
#define MFA_WEBAUTHN_FLAG_UP 0x01u /* user present */
#define MFA_WEBAUTHN_FLAG_UV 0x04u /* user verified */
#define MFA_WEBAUTHN_FLAG_BE 0x08u /* backup eligible */
#define MFA_WEBAUTHN_FLAG_BS 0x10u /* backup state (backed up now) */
#define MFA_WEBAUTHN_FLAG_AT 0x40u /* attested credential data included */
#define MFA_WEBAUTHN_FLAG_ED 0x80u /* extension data included */

/* Options for mfa_base64url_encode(). */
#define MFA_BASE64URL_PAD 0x1u /* append '=' padding to a multiple of 4 characters */

/*
 * Authenticator data split into its fields. Every pointer borrows from the
 * buffer given to mfa_webauthn_auth_data_parse() and is valid as long as it.
 */
typedef struct {
	const uint8_t *rp_id_hash;  /* MFA_WEBAUTHN_RP_ID_HASH_LEN bytes */
	uint8_t flags;              /* MFA_WEBAUTHN_FLAG_* bits */
	uint32_t sign_count;
	const uint8_t *aaguid;      /* MFA_WEBAUTHN_AAGUID_LEN bytes; NULL without AT */
	const uint8_t *cred_id;     /* NULL without AT */
	size_t cred_id_len;
	const uint8_t *cose_key;    /* CBOR COSE_Key; NULL without AT */
	size_t cose_key_len;
	const uint8_t *extensions;  /* CBOR map; NULL without ED */
	size_t extensions_len;
} mfa_webauthn_auth_data_t;

/* Parsed clientDataJSON. Opaque; read with the getters below. */
typedef struct mfa_webauthn_client_data mfa_webauthn_client_data_t;

/* Trust anchors (root certificates) for attestation. Immutable once filled. */
typedef struct mfa_webauthn_trust mfa_webauthn_trust_t;

typedef enum {
	/* Verify any statement that is sent, never evaluate trust (the default). */
	MFA_WEBAUTHN_ATTESTATION_NONE = 0,
	/* As NONE, and report in attestation_trusted whether x5c chains to the trust anchors. */
	MFA_WEBAUTHN_ATTESTATION_OPTIONAL = 1,
	/* Require an x5c statement that chains to the trust anchors. */
	MFA_WEBAUTHN_ATTESTATION_REQUIRED = 2,
} mfa_webauthn_attestation_policy_t;

typedef enum {
	MFA_WEBAUTHN_ATTESTATION_TYPE_NONE = 0,  /* fmt "none" */
	MFA_WEBAUTHN_ATTESTATION_TYPE_SELF = 1,  /* packed, signed by the credential key */
	MFA_WEBAUTHN_ATTESTATION_TYPE_BASIC = 2, /* x5c; Basic and AttCA look alike without metadata */
	MFA_WEBAUTHN_ATTESTATION_TYPE_ATTCA = 3, /* tpm: an attestation CA certified the AIK */
	MFA_WEBAUTHN_ATTESTATION_TYPE_ANONCA = 4, /* apple: anonymization CA */
} mfa_webauthn_attestation_type_t;

/*
 * Checks shared by both ceremonies. Every pointer is borrowed for the call.
 * origins are compared as exact strings ("https://example.com", no
 * trailing slash); top_origins lists the origins allowed to embed the RP
 * when allow_cross_origin is set. extensions lists the extension
 * identifiers the RP requested; any other extension output is rejected.
 */
typedef struct {
	const uint8_t *challenge;  /* the challenge issued for this ceremony */
	size_t challenge_len;      /* 1 to MFA_WEBAUTHN_CHALLENGE_MAX bytes */
	const char *rp_id;         /* "example.com" */
	const char *const *origins;
	size_t origins_count;      /* at least 1 */
	bool allow_cross_origin;
	const char *const *top_origins;
	size_t top_origins_count;
	bool require_user_verification;
	const char *const *extensions;
	size_t extensions_count;
} mfa_webauthn_ceremony_t;

typedef struct {
	mfa_webauthn_ceremony_t ceremony;
	const int *algs;           /* COSE algorithms offered in pubKeyCredParams */
	size_t algs_count;
	mfa_webauthn_attestation_policy_t attestation;
	const mfa_webauthn_trust_t *trust; /* NULL unless OPTIONAL or REQUIRED */
	const uint8_t *raw_id;     /* the response's rawId, or NULL to skip the comparison */
	size_t raw_id_len;
	/*
	 * Unix time in seconds at which attestation certificates must be valid,
	 * or 0 for now, so that a caller can check a recorded response whose
	 * certificates have expired since. Negative values are invalid.
	 */
	int64_t time;
} mfa_webauthn_registration_options_t;

/* A verified new credential: what the server stores. */
typedef struct {
	uint8_t cred_id[MFA_WEBAUTHN_CRED_ID_MAX];
	size_t cred_id_len;
	uint8_t cose_key[MFA_COSE_KEY_MAX];  /* feed to mfa_cose_key_parse() on later logons */
	size_t cose_key_len;
	int alg;                             /* mfa_cose_alg_t */
	uint32_t sign_count;
	uint8_t aaguid[MFA_WEBAUTHN_AAGUID_LEN];
	uint8_t flags;                       /* MFA_WEBAUTHN_FLAG_*: store UV, BE and BS */
	char fmt[MFA_WEBAUTHN_FMT_MAX + 1];  /* attestation statement format */
	mfa_webauthn_attestation_type_t attestation_type;
	bool attestation_trusted;            /* x5c chains to the trust anchors */
} mfa_webauthn_credential_t;

typedef struct {
	mfa_webauthn_ceremony_t ceremony;
	const mfa_cose_key_t *key;  /* the stored public key of the credential */
	uint32_t stored_sign_count;
	bool stored_backup_eligible;
} mfa_webauthn_assertion_options_t;

typedef struct {
	uint32_t sign_count;        /* store this as the new count */
	uint8_t flags;              /* MFA_WEBAUTHN_FLAG_*: store BS, record UV in the session */
} mfa_webauthn_assertion_result_t;

/* Return the length of the base64url encoding of n bytes with flags, without the NUL. */
MFA_API size_t mfa_base64url_encoded_len(size_t n, unsigned flags);

/*
 * Encode n bytes as base64url (RFC 4648 section 5), unpadded unless flags
 * has MFA_BASE64URL_PAD, and NUL-terminate. out_size must be at least
 * mfa_base64url_encoded_len(n, flags) + 1. Returns MFA_OK,
 * MFA_ERR_INVALID_ARGUMENT or MFA_ERR_BUFFER_TOO_SMALL.
 */
MFA_API int mfa_base64url_encode(const uint8_t *in, size_t n, unsigned flags, char *out,
    size_t out_size);

/*
 * Decode in_len characters of base64url with or without '=' padding.
 * Rejects characters outside the URL-safe alphabet ('+', '/' and spaces
 * too), a length no byte string encodes to, partial padding and non-zero
 * unused bits. Stores the decoded length in *ret_len. Returns MFA_OK,
 * MFA_ERR_BAD_ENCODING, MFA_ERR_BUFFER_TOO_SMALL or MFA_ERR_INVALID_ARGUMENT.
 */
MFA_API int mfa_base64url_decode(const char *in, size_t in_len, uint8_t *out, size_t out_size,
    size_t *ret_len);

/*
 * Split len bytes of authenticator data into *ret. With AT, the credential
 * ID (at most MFA_WEBAUTHN_CRED_ID_MAX bytes) and the COSE key, whose CBOR
 * length is found exactly; with ED, one CBOR map of extensions. Rejects
 * trailing bytes, AT or ED without their data, and BS without BE. Does not
 * validate the COSE key. *ret is written only on success. Returns MFA_OK,
 * MFA_ERR_INVALID_ARGUMENT, MFA_ERR_TOO_LARGE, MFA_ERR_MALFORMED_AUTH_DATA,
 * MFA_ERR_MALFORMED_CBOR, MFA_ERR_WEBAUTHN_CREDENTIAL_ID (ID too long) or
 * MFA_ERR_WEBAUTHN_BACKUP_STATE.
 */
MFA_API int mfa_webauthn_auth_data_parse(const uint8_t *data, size_t len,
    mfa_webauthn_auth_data_t *ret);

/*
 * Parse len bytes of clientDataJSON: a UTF-8 JSON object with string
 * members type, challenge (base64url, at most MFA_WEBAUTHN_CHALLENGE_MAX
 * bytes decoded) and origin, optional boolean crossOrigin, optional string
 * topOrigin and optional tokenBinding object. Unknown members are ignored,
 * duplicate members rejected. On success *ret_cd owns a new object for
 * mfa_webauthn_client_data_free(). Returns MFA_OK, MFA_ERR_INVALID_ARGUMENT,
 * MFA_ERR_TOO_LARGE (over MFA_WEBAUTHN_CLIENT_DATA_MAX),
 * MFA_ERR_MALFORMED_JSON or MFA_ERR_NOMEM.
 */
MFA_API int mfa_webauthn_client_data_parse(const uint8_t *json, size_t len,
    mfa_webauthn_client_data_t **ret_cd);

/* Free *cd and set it to NULL. Accepts NULL and a NULL *cd. */
MFA_API void mfa_webauthn_client_data_free(mfa_webauthn_client_data_t **cd);

/* Return the type member ("webauthn.create"); borrowed until the free. */
MFA_API const char *mfa_webauthn_client_data_type(const mfa_webauthn_client_data_t *cd);

/* Return the origin member; borrowed until the free. */
MFA_API const char *mfa_webauthn_client_data_origin(const mfa_webauthn_client_data_t *cd);

/* Return the topOrigin member, or NULL when absent; borrowed until the free. */
MFA_API const char *mfa_webauthn_client_data_top_origin(const mfa_webauthn_client_data_t *cd);

/* Return the crossOrigin member, false when absent. */
MFA_API bool mfa_webauthn_client_data_cross_origin(const mfa_webauthn_client_data_t *cd);

/* Return the decoded challenge and store its length in *ret_len; borrowed until the free. */
MFA_API const uint8_t *mfa_webauthn_client_data_challenge(const mfa_webauthn_client_data_t *cd,
    size_t *ret_len);

/* Return whether tokenBinding.status is "present", which libmfa always rejects. */
MFA_API bool mfa_webauthn_client_data_token_binding_present(
    const mfa_webauthn_client_data_t *cd);

/* Create an empty set of trust anchors. Returns MFA_OK, MFA_ERR_NOMEM or MFA_ERR_INTERNAL. */
MFA_API int mfa_webauthn_trust_new(mfa_webauthn_trust_t **ret_trust);

/*
 * Add every certificate of len bytes of PEM text as a trust anchor. Not
 * safe while another thread verifies with trust. Returns MFA_OK,
 * MFA_ERR_INVALID_ARGUMENT, MFA_ERR_BAD_ENCODING (no certificate or
 * unreadable PEM) or MFA_ERR_NOMEM.
 */
MFA_API int mfa_webauthn_trust_add_pem(mfa_webauthn_trust_t *trust, const char *pem, size_t len);

/* Free *trust and set it to NULL. Accepts NULL and a NULL *trust. */
MFA_API void mfa_webauthn_trust_free(mfa_webauthn_trust_t **trust);

/*
 * Verify a registration response as WebAuthn L3 7.1 does, from the
 * response's clientDataJSON and attestationObject bytes. The caller keeps
 * checking that the credential ID is not registered yet. Attestation
 * formats: none, packed, fido-u2f, apple, android-key, tpm. *ret is written
 * only on success. Returns MFA_OK, MFA_ERR_INVALID_ARGUMENT (bad options),
 * a bad-input code (MFA_ERR_TOO_LARGE, MFA_ERR_MALFORMED_*,
 * MFA_ERR_COSE_KEY, MFA_ERR_UNSUPPORTED for an unknown key type), one
 * MFA_ERR_WEBAUTHN_* code naming the failed step, MFA_ERR_NOMEM or
 * MFA_ERR_INTERNAL.
 */
MFA_API int mfa_webauthn_registration_verify(const mfa_webauthn_registration_options_t *opts,
    const uint8_t *client_data_json, size_t client_data_len, const uint8_t *attestation_object,
    size_t attestation_len, mfa_webauthn_credential_t *ret);

/*
 * Verify an assertion as WebAuthn L3 7.2 does, from the response's
 * clientDataJSON, authenticatorData and signature. The caller keeps the
 * allowCredentials, ownership and userHandle checks and must store the new
 * sign count and BS atomically. A count not above a non-zero stored or new
 * count returns MFA_ERR_WEBAUTHN_SIGN_COUNT; 0 after 0 is accepted. *ret is
 * written only on success. Returns MFA_OK, MFA_ERR_INVALID_ARGUMENT, a
 * bad-input code (MFA_ERR_TOO_LARGE, MFA_ERR_MALFORMED_*), one
 * MFA_ERR_WEBAUTHN_* code naming the failed step, MFA_ERR_NOMEM or
 * MFA_ERR_INTERNAL.
 */
MFA_API int mfa_webauthn_assertion_verify(const mfa_webauthn_assertion_options_t *opts,
    const uint8_t *client_data_json, size_t client_data_len, const uint8_t *auth_data,
    size_t auth_data_len, const uint8_t *sig, size_t sig_len,
    mfa_webauthn_assertion_result_t *ret);

#ifdef __cplusplus
}
#endif

#endif
