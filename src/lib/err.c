/* SPDX-License-Identifier: MIT */
/* Names and descriptions of the libmfa result codes. */
#include <mfa/err.h>

struct err_entry {
	const char *name;
	const char *text;
};

/* Indexed by -code, so the order must follow the values in mfa/err.h. */
static const struct err_entry err_table[] = {
	{ "MFA_OK", "success" },
	{ "MFA_ERR_INVALID_ARGUMENT", "invalid argument: a parameter is out of range or NULL" },
	{ "MFA_ERR_NOMEM", "out of memory" },
	{ "MFA_ERR_INTERNAL", "internal error in OpenSSL or another library" },
	{ "MFA_ERR_BAD_ENCODING", "invalid base32 or percent-encoding" },
	{ "MFA_ERR_VERIFY_FAILED", "verification failed: the code or proof does not match" },
	{ "MFA_ERR_TIME_BEFORE_EPOCH", "time is before 1970-01-01T00:00:00Z" },
	{ "MFA_ERR_BUFFER_TOO_SMALL", "output buffer too small" },
	{ "MFA_ERR_BAD_URI", "malformed otpauth:// URI" },
	{ "MFA_ERR_UNSUPPORTED", "unsupported algorithm or option" },
	{ "MFA_ERR_TOO_LARGE", "input over its size limit" },
	{ "MFA_ERR_MALFORMED_CBOR", "malformed CBOR or CBOR over its size, depth or item limits" },
	{ "MFA_ERR_MALFORMED_JSON", "clientDataJSON is not a UTF-8 JSON object with valid members" },
	{ "MFA_ERR_MALFORMED_AUTH_DATA",
	    "authenticator data is truncated, has trailing bytes or inconsistent flags" },
	{ "MFA_ERR_MALFORMED_ATTESTATION",
	    "attestationObject does not have exactly fmt, attStmt and authData" },
	{ "MFA_ERR_COSE_KEY", "COSE key is malformed or its public key is invalid" },
	{ "MFA_ERR_WEBAUTHN_TYPE", "clientDataJSON type does not match the ceremony" },
	{ "MFA_ERR_WEBAUTHN_CHALLENGE", "clientDataJSON challenge differs from the one issued" },
	{ "MFA_ERR_WEBAUTHN_ORIGIN", "clientDataJSON origin is not an allowed origin" },
	{ "MFA_ERR_WEBAUTHN_CROSS_ORIGIN", "cross-origin ceremony not allowed" },
	{ "MFA_ERR_WEBAUTHN_TOP_ORIGIN", "clientDataJSON topOrigin is not an allowed embedding origin" },
	{ "MFA_ERR_WEBAUTHN_TOKEN_BINDING", "token binding status \"present\" is not supported" },
	{ "MFA_ERR_WEBAUTHN_RP_ID_HASH", "authenticator data rpIdHash is not SHA-256 of the RP ID" },
	{ "MFA_ERR_WEBAUTHN_USER_PRESENT", "user present (UP) flag not set" },
	{ "MFA_ERR_WEBAUTHN_USER_VERIFIED", "user verified (UV) flag not set but required" },
	{ "MFA_ERR_WEBAUTHN_BACKUP_STATE", "backup state (BS) flag set without backup eligibility (BE)" },
	{ "MFA_ERR_WEBAUTHN_BACKUP_ELIGIBILITY_CHANGED",
	    "backup eligibility (BE) flag differs from the stored value" },
	{ "MFA_ERR_WEBAUTHN_ATTESTED_DATA", "attested credential data missing (AT flag not set)" },
	{ "MFA_ERR_WEBAUTHN_CREDENTIAL_ID", "credential ID over 1023 bytes or different from rawId" },
	{ "MFA_ERR_WEBAUTHN_ALGORITHM", "credential public key algorithm was not offered" },
	{ "MFA_ERR_WEBAUTHN_EXTENSIONS", "authenticator data has an unrequested extension output" },
	{ "MFA_ERR_WEBAUTHN_ATTESTATION_FORMAT", "attestation statement format is not supported" },
	{ "MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT", "attestation statement is malformed or does not verify" },
	{ "MFA_ERR_WEBAUTHN_ATTESTATION_TRUST", "attestation does not chain to a trusted root" },
	{ "MFA_ERR_WEBAUTHN_SIGNATURE", "assertion signature does not verify with the credential key" },
	{ "MFA_ERR_WEBAUTHN_SIGN_COUNT",
	    "signature counter not greater than the stored one (possible cloned authenticator)" },
};

/* A code appended to mfa_err_t without a row here fails the build. */
_Static_assert(sizeof(err_table) / sizeof(err_table[0]) == 1 - MFA_ERR_LAST,
    "err_table must have one row per mfa_err_t value");

static const struct err_entry *
err_lookup(int code)
{
	if (code > 0 || code < -(int)(sizeof(err_table) / sizeof(err_table[0]) - 1))
		return NULL;

	return &err_table[-code];
}

MFA_API const char *
mfa_strerror(int code)
{
	const struct err_entry *entry = err_lookup(code);

	return entry != NULL ? entry->text : "unknown error";
}

MFA_API const char *
mfa_strerror_name(int code)
{
	const struct err_entry *entry = err_lookup(code);

	return entry != NULL ? entry->name : "MFA_ERR_UNKNOWN";
}
