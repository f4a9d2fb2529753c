/* SPDX-License-Identifier: MIT */
/* Fuzz mfa_webauthn_client_data_parse() and base64url decoding, which its challenge goes through. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mfa/cose.h>
#include <mfa/mfa.h>
#include <mfa/webauthn.h>

/* Bytes base64url-decoded per input: past MFA_WEBAUTHN_CLIENT_DATA_MAX, less than an attestationObject. */
#define FUZZ_B64_MAX (2 * MFA_WEBAUTHN_CLIENT_DATA_MAX)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Written so that the compiler keeps reads whose value is otherwise unused. */
static volatile uint8_t fuzz_sink;

/* Abort unless s is a NUL-terminated string no longer than the input it came from. */
static void
check_string(const char *s, size_t size)
{
	if (s == NULL || strlen(s) > size)
		abort();
}

static void
check_client_data(const uint8_t *data, size_t size)
{
	mfa_webauthn_client_data_t *cd = NULL;
	const uint8_t *challenge;
	size_t challenge_len = SIZE_MAX;
	int r;

	r = mfa_webauthn_client_data_parse(data, size, &cd);
	if (size > MFA_WEBAUTHN_CLIENT_DATA_MAX && r != MFA_ERR_TOO_LARGE)
		abort();
	if (r != MFA_OK) {
		if (cd != NULL || (r != MFA_ERR_MALFORMED_JSON && r != MFA_ERR_TOO_LARGE &&
		    r != MFA_ERR_NOMEM))
			abort();
		return;
	}

	check_string(mfa_webauthn_client_data_type(cd), size);
	check_string(mfa_webauthn_client_data_origin(cd), size);
	if (mfa_webauthn_client_data_top_origin(cd) != NULL)
		check_string(mfa_webauthn_client_data_top_origin(cd), size);
	(void)mfa_webauthn_client_data_cross_origin(cd);
	(void)mfa_webauthn_client_data_token_binding_present(cd);
	challenge = mfa_webauthn_client_data_challenge(cd, &challenge_len);
	if (challenge == NULL || challenge_len > MFA_WEBAUTHN_CHALLENGE_MAX)
		abort();
	/* Read every byte, so that AddressSanitizer catches a buffer shorter than challenge_len. */
	for (size_t i = 0; i < challenge_len; i++)
		fuzz_sink ^= challenge[i];

	mfa_webauthn_client_data_free(&cd);
	if (cd != NULL)
		abort();
}

/* Decode the input as base64url; abort unless what decodes encodes back to the same bytes. */
static void
check_base64url(const uint8_t *data, size_t size)
{
	static uint8_t bytes[FUZZ_B64_MAX];
	static uint8_t again[FUZZ_B64_MAX];
	static char text[FUZZ_B64_MAX * 2];
	size_t len = 0, len2 = 0;
	int r;

	if (size > FUZZ_B64_MAX)
		size = FUZZ_B64_MAX;
	r = mfa_base64url_decode((const char *)data, size, bytes, sizeof(bytes), &len);
	if (r != MFA_OK) {
		if (r != MFA_ERR_BAD_ENCODING)
			abort();
		return;
	}
	if (len > size * 3 / 4)
		abort();

	if (mfa_base64url_encode(bytes, len, 0, text, sizeof(text)) != MFA_OK ||
	    strlen(text) != mfa_base64url_encoded_len(len, 0))
		abort();
	if (mfa_base64url_decode(text, strlen(text), again, sizeof(again), &len2) != MFA_OK ||
	    len2 != len || memcmp(again, bytes, len) != 0)
		abort();

	/* The padded form decodes to the same bytes too. */
	if (mfa_base64url_encode(bytes, len, MFA_BASE64URL_PAD, text, sizeof(text)) != MFA_OK ||
	    strlen(text) % 4 != 0 ||
	    mfa_base64url_decode(text, strlen(text), again, sizeof(again), &len2) != MFA_OK ||
	    len2 != len || memcmp(again, bytes, len) != 0)
		abort();

	/* One byte less room than needed must fail cleanly. */
	if (len > 0 && mfa_base64url_decode((const char *)data, size, bytes, len - 1, &len2) !=
	    MFA_ERR_BUFFER_TOO_SMALL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_client_data(data, size);
	check_base64url(data, size);
	return 0;
}
