/* SPDX-License-Identifier: MIT */
/* base32 against the RFC 4648 section 10 vectors and the decoder's leniency and limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mfa/mfa.h>

/* RFC 4648 section 10, with and without the padding that otpauth:// URIs drop. */
static const struct {
	const char *plain;
	const char *padded;
	const char *unpadded;
} rfc4648[] = {
	{ "", "", "" },
	{ "f", "MY======", "MY" },
	{ "fo", "MZXQ====", "MZXQ" },
	{ "foo", "MZXW6===", "MZXW6" },
	{ "foob", "MZXW6YQ=", "MZXW6YQ" },
	{ "fooba", "MZXW6YTB", "MZXW6YTB" },
	{ "foobar", "MZXW6YTBOI======", "MZXW6YTBOI" },
};

#define NVECTORS (sizeof(rfc4648) / sizeof(rfc4648[0]))

/* Decode a NUL-terminated string that must be valid and equal expected. */
static void
assert_decodes_to(const char *in, const char *expected)
{
	uint8_t out[64];
	size_t len = 999;

	assert_int_equal(mfa_base32_decode(in, strlen(in), out, sizeof(out), &len, NULL), MFA_OK);
	assert_int_equal(len, strlen(expected));
	assert_memory_equal(out, expected, len);
}

/* Decode a string that must fail with MFA_ERR_BAD_ENCODING at bad_pos. */
static void
assert_bad_at(const char *in, size_t bad_pos)
{
	uint8_t out[64];
	size_t len = 999, pos = 999;

	assert_int_equal(mfa_base32_decode(in, strlen(in), out, sizeof(out), &len, &pos),
	    MFA_ERR_BAD_ENCODING);
	if (pos != bad_pos)
		fail_msg("\"%s\": bad character reported at %zu, expected %zu", in, pos, bad_pos);
	assert_int_equal(len, 999);
}

static void
base32_encode_rfc4648(void **state)
{
	char out[32];

	(void)state;

	for (size_t i = 0; i < NVECTORS; i++) {
		size_t n = strlen(rfc4648[i].plain);

		assert_int_equal(mfa_base32_encoded_len(n), strlen(rfc4648[i].unpadded));
		assert_int_equal(mfa_base32_encode((const uint8_t *)rfc4648[i].plain, n, out,
		    sizeof(out)), MFA_OK);
		assert_string_equal(out, rfc4648[i].unpadded);
	}
}

static void
base32_decode_rfc4648(void **state)
{
	(void)state;

	for (size_t i = 0; i < NVECTORS; i++) {
		assert_decodes_to(rfc4648[i].padded, rfc4648[i].plain);
		assert_decodes_to(rfc4648[i].unpadded, rfc4648[i].plain);
	}
}

static void
base32_decode_lower_case(void **state)
{
	(void)state;

	assert_decodes_to("mzxw6ytboi", "foobar");
	assert_decodes_to("mzxw6ytboi======", "foobar");
	assert_decodes_to("MzXw6YtBoI", "foobar");
}

static void
base32_decode_spaces(void **state)
{
	(void)state;

	assert_decodes_to("MZXW 6YTB OI", "foobar");
	assert_decodes_to("  MZXW6YTBOI  ", "foobar");
	assert_decodes_to("mzxw 6ytb oi== ====", "foobar");
	assert_decodes_to(" ", "");
}

/* JBSWY3DPEHPK3PXP is "Hello!" DE AD BE EF, per Google Authenticator's Key Uri Format wiki page. */
static void
base32_decode_authenticator_key(void **state)
{
	(void)state;

	assert_decodes_to("JBSWY3DPEHPK3PXP", "Hello!\xde\xad\xbe\xef");
	assert_decodes_to("jbsw y3dp ehpk 3pxp", "Hello!\xde\xad\xbe\xef");
}

static void
base32_decode_bad_character(void **state)
{
	(void)state;

	assert_bad_at("MZX1W6", 3);   /* '1' is not in the alphabet */
	assert_bad_at("MZXW6YTB0I", 8); /* nor is '0' */
	assert_bad_at("8ZXW6YTBOI", 0);
	assert_bad_at("MZXW6!", 5);
	assert_bad_at("MZ-XW6", 2);
	assert_bad_at("MZXW\t6YTB", 4); /* only spaces are ignored */
	assert_bad_at("MZXW\xc3\xa9", 4);
	assert_bad_at("MZXW6YTB\nOI", 8);
}

static void
base32_decode_embedded_nul(void **state)
{
	const char in[] = { 'M', 'Z', '\0', 'X', 'Q' };
	uint8_t out[8];
	size_t len = 0, pos = 999;

	(void)state;

	assert_int_equal(mfa_base32_decode(in, sizeof(in), out, sizeof(out), &len, &pos),
	    MFA_ERR_BAD_ENCODING);
	assert_int_equal(pos, 2);
}

static void
base32_decode_data_after_padding(void **state)
{
	(void)state;

	assert_bad_at("MY=A", 3);
	assert_bad_at("MY======MY", 8);
	assert_bad_at("MZXW6===YTB", 8);
	assert_bad_at("MZ=XW6", 3);
}

/* A last group of 1, 3 or 6 characters encodes no byte string. Its last character is reported. */
static void
base32_decode_impossible_length(void **state)
{
	(void)state;

	assert_bad_at("M", 0);
	assert_bad_at("MZX", 2);
	assert_bad_at("MZXW6Y", 5);
	assert_bad_at("MZXW6YTBO", 8);
	assert_bad_at("M ZX ", 3);
	assert_bad_at("MZX=====", 2);
}

static void
base32_decode_bad_padding(void **state)
{
	(void)state;

	assert_bad_at("MY=", 2);             /* incomplete */
	assert_bad_at("MY=====", 2);
	assert_bad_at("MY=======", 8);       /* one '=' too many */
	assert_bad_at("MZXW6YTB=", 8);       /* a full group takes none */
	assert_bad_at("MZXW6YTB========", 8);
	assert_bad_at("========", 0);
	assert_bad_at("=", 0);
}

static void
base32_decode_buffer_too_small(void **state)
{
	uint8_t out[6];
	size_t len = 999;

	(void)state;

	assert_int_equal(mfa_base32_decode("MZXW6YTBOI", 10, out, 5, &len, NULL),
	    MFA_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(len, 999);
	assert_int_equal(mfa_base32_decode("MZXW6YTBOI", 10, out, 6, &len, NULL), MFA_OK);
	assert_int_equal(len, 6);
	assert_memory_equal(out, "foobar", 6);

	/* Nothing to write needs no buffer. */
	assert_int_equal(mfa_base32_decode("", 0, NULL, 0, &len, NULL), MFA_OK);
	assert_int_equal(len, 0);
}

static void
base32_decode_input_limit(void **state)
{
	static char in[MFA_BASE32_INPUT_MAX + 1];
	static uint8_t out[MFA_BASE32_INPUT_MAX];
	size_t len = 0;

	(void)state;

	memset(in, 'A', sizeof(in));
	assert_int_equal(mfa_base32_decode(in, MFA_BASE32_INPUT_MAX, out, sizeof(out), &len, NULL),
	    MFA_OK);
	assert_int_equal(len, MFA_BASE32_INPUT_MAX * 5 / 8);
	assert_int_equal(mfa_base32_decode(in, MFA_BASE32_INPUT_MAX + 1, out, sizeof(out), &len,
	    NULL), MFA_ERR_TOO_LARGE);
}

static void
base32_decode_null_arguments(void **state)
{
	uint8_t out[8];
	size_t len = 0;

	(void)state;

	assert_int_equal(mfa_base32_decode(NULL, 2, out, sizeof(out), &len, NULL),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_base32_decode("MY", 2, NULL, 8, &len, NULL),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_base32_decode("MY", 2, out, sizeof(out), NULL, NULL),
	    MFA_ERR_INVALID_ARGUMENT);
}

static void
base32_encode_buffer_too_small(void **state)
{
	char out[11];

	(void)state;

	/* "foobar" takes 10 characters and the NUL. */
	assert_int_equal(mfa_base32_encode((const uint8_t *)"foobar", 6, out, 10),
	    MFA_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(mfa_base32_encode((const uint8_t *)"foobar", 6, out, 11), MFA_OK);
	assert_string_equal(out, "MZXW6YTBOI");
	assert_int_equal(mfa_base32_encode((const uint8_t *)"", 0, out, 0),
	    MFA_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(mfa_base32_encode(NULL, 0, out, 1), MFA_OK);
	assert_string_equal(out, "");
	assert_int_equal(mfa_base32_encode(NULL, 1, out, sizeof(out)), MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_base32_encode((const uint8_t *)"f", 1, NULL, 8),
	    MFA_ERR_INVALID_ARGUMENT);
}

static void
base32_encoded_len_values(void **state)
{
	(void)state;

	assert_int_equal(mfa_base32_encoded_len(0), 0);
	assert_int_equal(mfa_base32_encoded_len(1), 2);
	assert_int_equal(mfa_base32_encoded_len(5), 8);
	assert_int_equal(mfa_base32_encoded_len(20), 32);
	assert_int_equal(mfa_base32_encoded_len(128), 205);
	assert_int_equal(mfa_base32_encoded_len(SIZE_MAX), SIZE_MAX);
}

/* Every byte value survives encoding and decoding, at every length up to 40. */
static void
base32_round_trip(void **state)
{
	uint8_t in[40], back[40];
	char text[80];

	(void)state;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 250);

	for (size_t n = 0; n <= sizeof(in); n++) {
		size_t len = 999;

		assert_int_equal(mfa_base32_encode(in, n, text, sizeof(text)), MFA_OK);
		assert_int_equal(strlen(text), mfa_base32_encoded_len(n));
		assert_int_equal(mfa_base32_decode(text, strlen(text), back, sizeof(back), &len,
		    NULL), MFA_OK);
		assert_int_equal(len, n);
		assert_memory_equal(back, in, n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(base32_encode_rfc4648),
		cmocka_unit_test(base32_decode_rfc4648),
		cmocka_unit_test(base32_decode_lower_case),
		cmocka_unit_test(base32_decode_spaces),
		cmocka_unit_test(base32_decode_authenticator_key),
		cmocka_unit_test(base32_decode_bad_character),
		cmocka_unit_test(base32_decode_embedded_nul),
		cmocka_unit_test(base32_decode_data_after_padding),
		cmocka_unit_test(base32_decode_impossible_length),
		cmocka_unit_test(base32_decode_bad_padding),
		cmocka_unit_test(base32_decode_buffer_too_small),
		cmocka_unit_test(base32_decode_input_limit),
		cmocka_unit_test(base32_decode_null_arguments),
		cmocka_unit_test(base32_encode_buffer_too_small),
		cmocka_unit_test(base32_encoded_len_values),
		cmocka_unit_test(base32_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
