/* SPDX-License-Identifier: MIT */
/* Fuzz mfa_base32_decode() and check that decode and encode round-trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mfa/mfa.h>

#define FUZZ_DECODED_MAX (MFA_BASE32_INPUT_MAX * 5 / 8) /* bytes from the longest input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Encode n bytes, decode the text again and abort unless the bytes come back. */
static void
check_round_trip(const uint8_t *in, size_t n)
{
	static char text[MFA_BASE32_INPUT_MAX + 1];
	static uint8_t back[FUZZ_DECODED_MAX];
	size_t len = 0;

	if (mfa_base32_encode(in, n, text, sizeof(text)) != MFA_OK)
		abort();
	if (strlen(text) != mfa_base32_encoded_len(n))
		abort();
	if (mfa_base32_decode(text, strlen(text), back, sizeof(back), &len, NULL) != MFA_OK)
		abort();
	if (len != n || memcmp(back, in, n) != 0)
		abort();
}

static void
check_decode(const char *in, size_t size)
{
	static uint8_t out[FUZZ_DECODED_MAX];
	size_t len = 0, bad_pos = SIZE_MAX;
	int r;

	r = mfa_base32_decode(in, size, out, sizeof(out), &len, &bad_pos);
	if (size > MFA_BASE32_INPUT_MAX) {
		if (r != MFA_ERR_TOO_LARGE)
			abort();
		return;
	}
	if (r == MFA_ERR_BAD_ENCODING) {
		if (bad_pos >= size)
			abort();
		return;
	}
	if (r != MFA_OK || len > size * 5 / 8)
		abort();

	check_round_trip(out, len);

	/* One byte less room than needed must fail cleanly. */
	if (len > 0 && mfa_base32_decode(in, size, out, len - 1, &len, NULL) !=
	    MFA_ERR_BUFFER_TOO_SMALL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_decode((const char *)data, size);

	/* The input as bytes to encode, up to what one decode call can return. */
	check_round_trip(data, size < FUZZ_DECODED_MAX ? size : FUZZ_DECODED_MAX);

	return 0;
}
