/* SPDX-License-Identifier: MIT */
/* base64url against the RFC 4648 section 10 vectors, and the strict decoder's rejections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mfa/err.h>
#include <mfa/webauthn.h>

/* RFC 4648 section 10 (base64 and base64url agree on these). */
static const struct {
	const char *plain;
	const char *padded;
	const char *unpadded;
} rfc4648[] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

#define NVECTORS (sizeof(rfc4648) / sizeof(rfc4648[0]))

static void
base64url_encode_rfc4648(void **state)
{
	char out[32];

	(void)state;
	for (size_t i = 0; i < NVECTORS; i++) {
		size_t n = strlen(rfc4648[i].plain);

		assert_int_equal(mfa_base64url_encoded_len(n, 0), strlen(rfc4648[i].unpadded));
		assert_int_equal(mfa_base64url_encoded_len(n, MFA_BASE64URL_PAD),
		    strlen(rfc4648[i].padded));
		assert_int_equal(mfa_base64url_encode((const uint8_t *)rfc4648[i].plain, n, 0, out,
		    sizeof(out)), MFA_OK);
		assert_string_equal(out, rfc4648[i].unpadded);
		assert_int_equal(mfa_base64url_encode((const uint8_t *)rfc4648[i].plain, n,
		    MFA_BASE64URL_PAD, out, sizeof(out)), MFA_OK);
		assert_string_equal(out, rfc4648[i].padded);
	}
}

static void
assert_decodes_to(const char *in, const char *expected)
{
	uint8_t out[64];
	size_t len = 999;

	assert_int_equal(mfa_base64url_decode(in, strlen(in), out, sizeof(out), &len), MFA_OK);
	assert_int_equal(len, strlen(expected));
	assert_memory_equal(out, expected, len);
}

static void
base64url_decode_rfc4648(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECTORS; i++) {
		assert_decodes_to(rfc4648[i].padded, rfc4648[i].plain);
		assert_decodes_to(rfc4648[i].unpadded, rfc4648[i].plain);
	}
}

/* The URL-safe characters decode to the bytes that '+' and '/' carry in base64. */
static void
base64url_url_safe_alphabet(void **state)
{
	static const uint8_t bytes[] = { 0xfb, 0xff, 0xbf };
	uint8_t out[4];
	char text[8];
	size_t len = 0;

	(void)state;
	assert_int_equal(mfa_base64url_encode(bytes, sizeof(bytes), 0, text, sizeof(text)), MFA_OK);
	assert_string_equal(text, "-_-_");
	assert_int_equal(mfa_base64url_decode("-_-_", 4, out, sizeof(out), &len), MFA_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(out, bytes, 3);
}

static void
base64url_rejects_invalid(void **state)
{
	static const char *const bad[] = {
		"Zm9v+g", "Zm9v/g", "Zm9 v", "Zm9v\n", "Z",      /* alphabet, 1 char tail */
		"Zm9vY", "Zg=", "Zg===", "Z===", "Zm8==",        /* tails and partial padding */
		"Zg==Zg==", "=Zg=", "Zh", "Zm9", "Zm9vYh==",     /* padding inside, unused bits */
	};
	uint8_t out[64];
	size_t len = 999;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = mfa_base64url_decode(bad[i], strlen(bad[i]), out, sizeof(out), &len);

		if (r != MFA_ERR_BAD_ENCODING)
			fail_msg("\"%s\" returned %d, expected MFA_ERR_BAD_ENCODING", bad[i], r);
		assert_int_equal(len, 999);
	}
}

static void
base64url_buffer_limits(void **state)
{
	uint8_t out[3];
	char text[5];
	size_t len = 999;

	(void)state;
	assert_int_equal(mfa_base64url_decode("Zm9vYg", 6, out, sizeof(out), &len),
	    MFA_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(len, 999);
	assert_int_equal(mfa_base64url_decode("Zm9v", 4, out, sizeof(out), &len), MFA_OK);
	assert_int_equal(len, 3);

	/* The output needs room for the NUL. */
	assert_int_equal(mfa_base64url_encode((const uint8_t *)"foo", 3, 0, text, 4),
	    MFA_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(mfa_base64url_encode((const uint8_t *)"foo", 3, 0, text, 5), MFA_OK);
	assert_int_equal(mfa_base64url_encode((const uint8_t *)"f", 1, MFA_BASE64URL_PAD, text, 4),
	    MFA_ERR_BUFFER_TOO_SMALL);
}

static void
base64url_invalid_arguments(void **state)
{
	uint8_t out[4];
	char text[8];
	size_t len;

	(void)state;
	assert_int_equal(mfa_base64url_decode(NULL, 1, out, sizeof(out), &len),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_base64url_decode("Zg", 2, out, sizeof(out), NULL),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_base64url_encode(NULL, 1, 0, text, sizeof(text)),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_base64url_encode(out, 1, 0x80, text, sizeof(text)),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_base64url_encoded_len(SIZE_MAX, 0), SIZE_MAX);
}

/* Every byte string up to 40 bytes survives encode and decode, in both forms. */
static void
base64url_round_trip(void **state)
{
	uint8_t in[40], out[40];
	char text[64];
	size_t len;

	(void)state;
	for (size_t n = 0; n <= sizeof(in); n++) {
		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)(n * 37 + i * 101);
		for (unsigned flags = 0; flags <= MFA_BASE64URL_PAD; flags++) {
			assert_int_equal(mfa_base64url_encode(in, n, flags, text, sizeof(text)), MFA_OK);
			assert_int_equal(strlen(text), mfa_base64url_encoded_len(n, flags));
			assert_int_equal(mfa_base64url_decode(text, strlen(text), out, sizeof(out),
			    &len), MFA_OK);
			assert_int_equal(len, n);
			assert_memory_equal(in, out, n);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(base64url_encode_rfc4648),
		cmocka_unit_test(base64url_decode_rfc4648),
		cmocka_unit_test(base64url_url_safe_alphabet),
		cmocka_unit_test(base64url_rejects_invalid),
		cmocka_unit_test(base64url_buffer_limits),
		cmocka_unit_test(base64url_invalid_arguments),
		cmocka_unit_test(base64url_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
