/* SPDX-License-Identifier: MIT */
/* libmfa result codes. Values are stable: never renumber, only append. */
#ifndef MFA_ERR_H
#define MFA_ERR_H

#include <mfa/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every libmfa function that can fail returns MFA_OK or one of these negative
 * codes. "Bad input" codes (the caller or the peer sent something malformed),
 * MFA_ERR_VERIFY_FAILED (well-formed but wrong) and internal failures are kept
 * apart so a server can map them to 400, 401 and 500 without guessing.
 */
typedef enum {
	MFA_OK = 0,
	MFA_ERR_INVALID_ARGUMENT = -1, /* a parameter is out of range or NULL */
	MFA_ERR_NOMEM = -2,            /* an allocation failed */
	MFA_ERR_INTERNAL = -3,         /* OpenSSL or another library failed */
	MFA_ERR_BAD_ENCODING = -4,     /* base32 or percent-encoding is invalid */
	MFA_ERR_VERIFY_FAILED = -5,    /* a well-formed code or proof did not match */
	MFA_ERR_TIME_BEFORE_EPOCH = -6, /* a time before 1970-01-01T00:00:00Z */
	MFA_ERR_BUFFER_TOO_SMALL = -7, /* the output buffer cannot hold the result */
	MFA_ERR_BAD_URI = -8,          /* an otpauth:// URI is malformed */
	MFA_ERR_UNSUPPORTED = -9,      /* an algorithm or option is not supported */
	MFA_ERR_TOO_LARGE = -10,       /* an input is over its documented limit */
	/*
	 * WebAuthn and COSE. MFA_ERR_MALFORMED_* and MFA_ERR_COSE_KEY are bad input;
	 * MFA_ERR_WEBAUTHN_* are well-formed responses that fail one verification step.
	 */
	/* CBOR is malformed, not definite-length or over its size, depth or item limits */
	MFA_ERR_MALFORMED_CBOR = -11,
	MFA_ERR_MALFORMED_JSON = -12, /* clientDataJSON is not a UTF-8 JSON object with valid members */
	/* authenticator data is truncated, has trailing bytes or bad flags */
	MFA_ERR_MALFORMED_AUTH_DATA = -13,
	/* attestationObject lacks fmt, attStmt or authData, or has other members */
	MFA_ERR_MALFORMED_ATTESTATION = -14,
	MFA_ERR_COSE_KEY = -15, /* COSE key is malformed or its public key is invalid */
	MFA_ERR_WEBAUTHN_TYPE = -16, /* clientDataJSON type is not the one of this ceremony */
	MFA_ERR_WEBAUTHN_CHALLENGE = -17, /* challenge differs from the one issued */
	MFA_ERR_WEBAUTHN_ORIGIN = -18, /* origin is not an allowed origin */
	MFA_ERR_WEBAUTHN_CROSS_ORIGIN = -19, /* cross-origin ceremony not allowed */
	MFA_ERR_WEBAUTHN_TOP_ORIGIN = -20, /* topOrigin is not an allowed embedding origin */
	MFA_ERR_WEBAUTHN_TOKEN_BINDING = -21, /* token binding status is present */
	MFA_ERR_WEBAUTHN_RP_ID_HASH = -22, /* rpIdHash is not SHA-256 of the RP ID */
	MFA_ERR_WEBAUTHN_USER_PRESENT = -23, /* user present flag not set */
	MFA_ERR_WEBAUTHN_USER_VERIFIED = -24, /* user verified flag not set but required */
	MFA_ERR_WEBAUTHN_BACKUP_STATE = -25, /* backup state set without backup eligibility */
	MFA_ERR_WEBAUTHN_BACKUP_ELIGIBILITY_CHANGED = -26, /* backup eligibility differs from stored value */
	MFA_ERR_WEBAUTHN_ATTESTED_DATA = -27, /* attested credential data missing */
	MFA_ERR_WEBAUTHN_CREDENTIAL_ID = -28, /* credential ID too long or differs from rawId */
	MFA_ERR_WEBAUTHN_ALGORITHM = -29, /* credential algorithm was not offered */
	MFA_ERR_WEBAUTHN_EXTENSIONS = -30, /* unrequested extension output */
	MFA_ERR_WEBAUTHN_ATTESTATION_FORMAT = -31, /* attestation format not supported */
	MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT = -32, /* attestation statement invalid */
	MFA_ERR_WEBAUTHN_ATTESTATION_TRUST = -33, /* attestation not trusted */
	MFA_ERR_WEBAUTHN_SIGNATURE = -34, /* assertion signature invalid */
	MFA_ERR_WEBAUTHN_SIGN_COUNT = -35, /* signature counter not greater than stored */
} mfa_err_t;

/* The last (most negative) code, for tables and tests that walk every code. */
#define MFA_ERR_LAST MFA_ERR_WEBAUTHN_SIGN_COUNT


/* Return a sentence describing code, or "unknown error" for other values. */
MFA_API const char *mfa_strerror(int code);

/* Return the enum name of code ("MFA_ERR_NOMEM"), or "MFA_ERR_UNKNOWN". */
MFA_API const char *mfa_strerror_name(int code);

#ifdef __cplusplus
}
#endif

#endif
