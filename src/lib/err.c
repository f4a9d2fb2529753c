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
};

/* A code appended to mfa_err_t without a row here fails the build. */
_Static_assert(sizeof(err_table) / sizeof(err_table[0]) == 1 - MFA_ERR_TOO_LARGE,
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
