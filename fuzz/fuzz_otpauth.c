/* SPDX-License-Identifier: MIT */
/* Fuzz mfa_otpauth_parse() and check that what it accepts formats and parses back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mfa/mfa.h>

#define FUZZ_INPUT_MAX (2 * MFA_OTPAUTH_URI_MAX) /* bytes passed on, enough to cross MFA_OTPAUTH_URI_MAX */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same_string(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;

	return strcmp(a, b) == 0;
}

static void
check_fields(const mfa_otpauth_t *k)
{
	if (k->account == NULL || k->account[0] == '\0' || strlen(k->account) > MFA_OTPAUTH_LABEL_MAX)
		abort();
	if (k->issuer != NULL && (k->issuer[0] == '\0' || strlen(k->issuer) > MFA_OTPAUTH_LABEL_MAX))
		abort();
	if (k->secret == NULL || k->secret_len == 0 || k->secret_len > MFA_OTP_KEY_MAX)
		abort();
	if (mfa_otp_alg_name(k->alg) == NULL || k->digits < MFA_OTP_DIGITS_MIN ||
	    k->digits > MFA_OTP_DIGITS_MAX || k->period == 0)
		abort();
}

/* Format the parsed key and parse the result, then abort unless both keys are equal. */
static void
check_round_trip(const mfa_otpauth_t *k)
{
	mfa_otpauth_parsed_t *p = NULL;
	mfa_otpauth_t k2;
	char *uri = NULL;
	int r;

	/* Escaping can make the URI longer than the input, past MFA_OTPAUTH_URI_MAX. */
	r = mfa_otpauth_format(k, &uri);
	if (r == MFA_ERR_TOO_LARGE)
		return;
	if (r != MFA_OK)
		abort();

	if (mfa_otpauth_parse(uri, &p) != MFA_OK)
		abort();
	mfa_otpauth_parsed_get(p, &k2);
	if (!same_string(k->issuer, k2.issuer) || strcmp(k->account, k2.account) != 0 ||
	    k->secret_len != k2.secret_len || memcmp(k->secret, k2.secret, k->secret_len) != 0 ||
	    k->alg != k2.alg || k->digits != k2.digits || k->period != k2.period)
		abort();

	mfa_otpauth_parsed_free(&p);
	mfa_free_secret_str(uri);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mfa_otpauth_parsed_t *p = NULL;
	mfa_otpauth_t key;
	char *uri;
	int r;

	if (size > FUZZ_INPUT_MAX)
		size = FUZZ_INPUT_MAX;

	/* The parser takes a C string: copy the input and add the NUL. */
	uri = malloc(size + 1);
	if (uri == NULL)
		return 0;
	memcpy(uri, data, size);
	uri[size] = '\0';

	r = mfa_otpauth_parse(uri, &p);
	if (r != MFA_OK) {
		if (p != NULL || (r != MFA_ERR_BAD_URI && r != MFA_ERR_BAD_ENCODING &&
		    r != MFA_ERR_UNSUPPORTED && r != MFA_ERR_TOO_LARGE))
			abort();
		goto out;
	}

	mfa_otpauth_parsed_get(p, &key);
	check_fields(&key);
	check_round_trip(&key);
out:
	mfa_otpauth_parsed_free(&p);
	free(uri);
	return 0;
}
