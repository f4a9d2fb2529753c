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
} mfa_err_t;

/* Return a sentence describing code, or "unknown error" for other values. */
MFA_API const char *mfa_strerror(int code);

/* Return the enum name of code ("MFA_ERR_NOMEM"), or "MFA_ERR_UNKNOWN". */
MFA_API const char *mfa_strerror_name(int code);

#ifdef __cplusplus
}
#endif

#endif
