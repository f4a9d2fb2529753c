/* SPDX-License-Identifier: MIT */
/* otpauth://totp/ URIs: exact formatting, round trips and the parser's rejects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mfa/mfa.h>

/* RFC 4226's 20-byte ASCII seed and its base32 form (RFC 4648 alphabet, no padding). */
#define SEED "12345678901234567890"
#define SEED_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

/* "Hello!" DE AD BE EF, the key of the examples on Google Authenticator's Key Uri Format wiki page. */
#define HELLO_B32 "JBSWY3DPEHPK3PXP"
#define HELLO_KEY "Hello!\xde\xad\xbe\xef"

static mfa_otpauth_t
key_default(const char *issuer, const char *account)
{
	mfa_otpauth_t key = {
		.issuer = issuer,
		.account = account,
		.secret = (const uint8_t *)SEED,
		.secret_len = strlen(SEED),
		.alg = MFA_OTP_SHA1,
		.digits = 6,
		.period = 30,
	};

	return key;
}

static void
assert_formats_to(const mfa_otpauth_t *key, const char *expected)
{
	char *uri = NULL;

	assert_int_equal(mfa_otpauth_format(key, &uri), MFA_OK);
	assert_non_null(uri);
	assert_string_equal(uri, expected);
	mfa_free_secret_str(uri);
}

static void
assert_format_fails(const mfa_otpauth_t *key, int expected)
{
	char *uri = NULL;

	assert_int_equal(mfa_otpauth_format(key, &uri), expected);
	assert_null(uri);
}

static void
otpauth_format_basic(void **state)
{
	mfa_otpauth_t key = key_default("Example", "alice@example.com");

	(void)state;

	assert_formats_to(&key, "otpauth://totp/Example:alice%40example.com?secret=" SEED_B32
	    "&issuer=Example&algorithm=SHA1&digits=6&period=30");
}

static void
otpauth_format_escapes(void **state)
{
	static const struct {
		const char *issuer;
		const char *account;
		const char *expected_label; /* and the issuer parameter after it */
	} cases[] = {
		{ "ACME Co", "john doe", "ACME%20Co:john%20doe?secret=" SEED_B32 "&issuer=ACME%20Co" },
		{ "x:y", "a:b", "x%3Ay:a%3Ab?secret=" SEED_B32 "&issuer=x%3Ay" },
		{ "Smith & Sons", "a&b=c", "Smith%20%26%20Sons:a%26b%3Dc?secret=" SEED_B32
		    "&issuer=Smith%20%26%20Sons" },
		{ "Caf\xc3\xa9", "Jos\xc3\xa9", "Caf%C3%A9:Jos%C3%A9?secret=" SEED_B32
		    "&issuer=Caf%C3%A9" },
		{ "a-b.c_d~e", "A+B/C?D#E%F", "a-b.c_d~e:A%2BB%2FC%3FD%23E%25F?secret=" SEED_B32
		    "&issuer=a-b.c_d~e" },
	};

	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mfa_otpauth_t key = key_default(cases[i].issuer, cases[i].account);
		char expected[512];

		snprintf(expected, sizeof(expected),
		    "otpauth://totp/%s&algorithm=SHA1&digits=6&period=30", cases[i].expected_label);
		assert_formats_to(&key, expected);
	}
}

static void
otpauth_format_no_issuer(void **state)
{
	mfa_otpauth_t key = key_default(NULL, "alice");

	(void)state;

	key.alg = MFA_OTP_SHA256;
	key.digits = 8;
	key.period = 60;
	assert_formats_to(&key, "otpauth://totp/alice?secret=" SEED_B32
	    "&algorithm=SHA256&digits=8&period=60");
}

static void
otpauth_format_rejects(void **state)
{
	static const uint8_t long_secret[MFA_OTP_KEY_MAX + 1];
	char long_name[MFA_OTPAUTH_LABEL_MAX + 2];
	mfa_otpauth_t key;
	char *uri = NULL;

	(void)state;

	key = key_default("Example", NULL);
	assert_format_fails(&key, MFA_ERR_INVALID_ARGUMENT);
	key = key_default("Example", "");
	assert_format_fails(&key, MFA_ERR_INVALID_ARGUMENT);
	key = key_default("", "alice");
	assert_format_fails(&key, MFA_ERR_INVALID_ARGUMENT);
	key = key_default("Example", "bad\xff" "utf8");
	assert_format_fails(&key, MFA_ERR_INVALID_ARGUMENT);
	key = key_default("Example", "line\nbreak");
	assert_format_fails(&key, MFA_ERR_INVALID_ARGUMENT);

	key = key_default("Example", "alice");
	key.secret_len = 0;
	assert_format_fails(&key, MFA_ERR_INVALID_ARGUMENT);
	key.secret = long_secret;
	key.secret_len = sizeof(long_secret);
	assert_format_fails(&key, MFA_ERR_INVALID_ARGUMENT);
	key.secret = NULL;
	key.secret_len = 20;
	assert_format_fails(&key, MFA_ERR_INVALID_ARGUMENT);

	key = key_default("Example", "alice");
	key.digits = 5;
	assert_format_fails(&key, MFA_ERR_INVALID_ARGUMENT);
	key.digits = 9;
	assert_format_fails(&key, MFA_ERR_INVALID_ARGUMENT);

	key = key_default("Example", "alice");
	key.period = 0;
	assert_format_fails(&key, MFA_ERR_INVALID_ARGUMENT);

	key = key_default("Example", "alice");
	key.alg = (mfa_otp_alg_t)7;
	assert_format_fails(&key, MFA_ERR_INVALID_ARGUMENT);

	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	key = key_default("Example", long_name);
	assert_format_fails(&key, MFA_ERR_TOO_LARGE);
	key = key_default(long_name, "alice");
	assert_format_fails(&key, MFA_ERR_TOO_LARGE);

	assert_int_equal(mfa_otpauth_format(NULL, &uri), MFA_ERR_INVALID_ARGUMENT);
	key = key_default("Example", "alice");
	assert_int_equal(mfa_otpauth_format(&key, NULL), MFA_ERR_INVALID_ARGUMENT);
}

/* Names within their own limit can still make a URI longer than mfa_otpauth_parse() takes. */
static void
otpauth_format_uri_too_long(void **state)
{
	char name[MFA_OTPAUTH_LABEL_MAX + 1];
	mfa_otpauth_t key;

	(void)state;

	/* 128 copies of "é": 256 bytes, 768 characters once escaped. */
	for (size_t i = 0; i < MFA_OTPAUTH_LABEL_MAX; i += 2)
		memcpy(name + i, "\xc3\xa9", 2);
	name[MFA_OTPAUTH_LABEL_MAX] = '\0';

	key = key_default(name, name);
	assert_format_fails(&key, MFA_ERR_TOO_LARGE);

	key = key_default(NULL, name);
	{
		char *uri = NULL;

		assert_int_equal(mfa_otpauth_format(&key, &uri), MFA_OK);
		mfa_free_secret_str(uri);
	}
}

static void
assert_keys_equal(const mfa_otpauth_t *a, const mfa_otpauth_t *b)
{
	if (a->issuer == NULL || b->issuer == NULL)
		assert_ptr_equal(a->issuer, b->issuer);
	else
		assert_string_equal(a->issuer, b->issuer);
	assert_string_equal(a->account, b->account);
	assert_int_equal(a->secret_len, b->secret_len);
	assert_memory_equal(a->secret, b->secret, a->secret_len);
	assert_int_equal(a->alg, b->alg);
	assert_int_equal(a->digits, b->digits);
	assert_int_equal(a->period, b->period);
}

static void
otpauth_round_trip(void **state)
{
	static const struct {
		const char *issuer;
		const char *account;
	} names[] = {
		{ "Example", "alice@example.com" }, { NULL, "alice" }, { "ACME Co", "john doe" },
		{ "x:y", "a:b" }, { "Smith & Sons", "a&b=c?d#e" }, { "Caf\xc3\xa9", "Jos\xc3\xa9" },
		{ "%41", "%%" }, { "\xf0\x9f\x94\x91", "\xe2\x82\xac" },
	};
	static const uint8_t secret[MFA_OTP_KEY_MAX] = { 0xff, 0x00, 0x80 };

	(void)state;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		mfa_otpauth_t key = key_default(names[i].issuer, names[i].account);
		mfa_otpauth_t got;
		mfa_otpauth_parsed_t *parsed = NULL;
		char *uri = NULL;

		key.alg = (mfa_otp_alg_t)(i % 3);
		key.digits = MFA_OTP_DIGITS_MIN + (unsigned)(i % 3);
		key.period = (unsigned)(15 * (i + 1));
		if (i % 2 == 1) {
			key.secret = secret;
			key.secret_len = 1 + i * 18;
		}

		assert_int_equal(mfa_otpauth_format(&key, &uri), MFA_OK);
		assert_int_equal(mfa_otpauth_parse(uri, &parsed), MFA_OK);
		mfa_otpauth_parsed_get(parsed, &got);
		assert_keys_equal(&got, &key);

		mfa_otpauth_parsed_free(&parsed);
		assert_null(parsed);
		mfa_free_secret_str(uri);
	}
}

static mfa_otpauth_parsed_t *
parse_ok(const char *uri, mfa_otpauth_t *ret_key)
{
	mfa_otpauth_parsed_t *parsed = NULL;
	int r = mfa_otpauth_parse(uri, &parsed);

	if (r != MFA_OK)
		fail_msg("\"%s\": %s", uri, mfa_strerror_name(r));
	mfa_otpauth_parsed_get(parsed, ret_key);
	return parsed;
}

static void
otpauth_parse_google_example(void **state)
{
	mfa_otpauth_t key;
	mfa_otpauth_parsed_t *p;

	(void)state;

	p = parse_ok("otpauth://totp/Example:alice@google.com?secret=" HELLO_B32 "&issuer=Example",
	    &key);
	assert_string_equal(key.issuer, "Example");
	assert_string_equal(key.account, "alice@google.com");
	assert_int_equal(key.secret_len, strlen(HELLO_KEY));
	assert_memory_equal(key.secret, HELLO_KEY, key.secret_len);
	assert_int_equal(key.alg, MFA_OTP_SHA1);
	assert_int_equal(key.digits, 6);
	assert_int_equal(key.period, 30);
	mfa_otpauth_parsed_free(&p);
}

static void
otpauth_parse_issuer_sources(void **state)
{
	mfa_otpauth_t key;
	mfa_otpauth_parsed_t *p;

	(void)state;

	/* The parameter wins over the label prefix. */
	p = parse_ok("otpauth://totp/Label:bob?issuer=Param&secret=" HELLO_B32, &key);
	assert_string_equal(key.issuer, "Param");
	assert_string_equal(key.account, "bob");
	mfa_otpauth_parsed_free(&p);

	p = parse_ok("otpauth://totp/Label:bob?secret=" HELLO_B32, &key);
	assert_string_equal(key.issuer, "Label");
	mfa_otpauth_parsed_free(&p);

	p = parse_ok("otpauth://totp/bob?secret=" HELLO_B32 "&issuer=Param", &key);
	assert_string_equal(key.issuer, "Param");
	mfa_otpauth_parsed_free(&p);

	p = parse_ok("otpauth://totp/bob?secret=" HELLO_B32, &key);
	assert_null(key.issuer);
	assert_string_equal(key.account, "bob");
	mfa_otpauth_parsed_free(&p);

	/* An escaped colon is part of the account name, not a separator. */
	p = parse_ok("otpauth://totp/Label%3Abob?secret=" HELLO_B32, &key);
	assert_null(key.issuer);
	assert_string_equal(key.account, "Label:bob");
	mfa_otpauth_parsed_free(&p);
}

static void
otpauth_parse_lenient_parts(void **state)
{
	mfa_otpauth_t key;
	mfa_otpauth_parsed_t *p;

	(void)state;

	/* Scheme and type in any case, lower-case and spaced secret, unknown parameters. */
	p = parse_ok("OTPAUTH://TOTP/a?secret=jbsw%20y3dp%20ehpk%203pxp&image=https%3A%2F%2Fx/y.png"
	    "&foo=&algorithm=sha512&digits=8&period=60", &key);
	assert_memory_equal(key.secret, HELLO_KEY, key.secret_len);
	assert_int_equal(key.alg, MFA_OTP_SHA512);
	assert_int_equal(key.digits, 8);
	assert_int_equal(key.period, 60);
	mfa_otpauth_parsed_free(&p);

	/* A padded secret: "foo" in base32. */
	p = parse_ok("otpauth://totp/a?secret=MZXW6===&algorithm=SHA-256", &key);
	assert_int_equal(key.secret_len, 3);
	assert_memory_equal(key.secret, "foo", 3);
	assert_int_equal(key.alg, MFA_OTP_SHA256);
	mfa_otpauth_parsed_free(&p);

	/* Sub-delimiters may stand unescaped in the label. */
	p = parse_ok("otpauth://totp/A&B:c+d!?secret=" HELLO_B32, &key);
	assert_string_equal(key.issuer, "A&B");
	assert_string_equal(key.account, "c+d!");
	mfa_otpauth_parsed_free(&p);
}

static void
assert_parse_fails(const char *uri, int expected)
{
	mfa_otpauth_parsed_t *p = NULL;
	int r = mfa_otpauth_parse(uri, &p);

	if (r != expected)
		fail_msg("\"%s\": got %s, expected %s", uri, mfa_strerror_name(r),
		    mfa_strerror_name(expected));
	assert_null(p);
}

#define OK_SECRET "secret=" HELLO_B32

static void
otpauth_parse_rejects(void **state)
{
	static const struct {
		const char *uri;
		int expected;
	} cases[] = {
		/* Scheme and type. */
		{ "http://totp/a?" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth:/totp/a?" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth//totp/a?" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth://", MFA_ERR_BAD_URI },
		{ "", MFA_ERR_BAD_URI },
		{ "otpauth://hotp/a?" OK_SECRET "&counter=0", MFA_ERR_UNSUPPORTED },
		{ "otpauth://xotp/a?" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth://totpx/a?" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth://totp?" OK_SECRET, MFA_ERR_BAD_URI },

		/* Label. */
		{ "otpauth://totp/?" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth://totp/Issuer:?" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth://totp/:alice?" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth://totp/a:b:c?" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth://totp/a/b?" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth://totp/john doe?" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth://totp/a#b?" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth://totp/Jos\xc3\xa9?" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth://totp/a", MFA_ERR_BAD_URI },
		{ "otpauth://totp/%FF?" OK_SECRET, MFA_ERR_BAD_ENCODING },
		{ "otpauth://totp/%C0%AF?" OK_SECRET, MFA_ERR_BAD_ENCODING },
		{ "otpauth://totp/a%0Ab?" OK_SECRET, MFA_ERR_BAD_ENCODING },
		{ "otpauth://totp/a%00b?" OK_SECRET, MFA_ERR_BAD_ENCODING },

		/* Percent-escapes. */
		{ "otpauth://totp/a%G1?" OK_SECRET, MFA_ERR_BAD_ENCODING },
		{ "otpauth://totp/a%4?" OK_SECRET, MFA_ERR_BAD_ENCODING },
		{ "otpauth://totp/a?" OK_SECRET "&issuer=%", MFA_ERR_BAD_ENCODING },
		{ "otpauth://totp/a?" OK_SECRET "&issuer=x%2", MFA_ERR_BAD_ENCODING },
		{ "otpauth://totp/a?" OK_SECRET "&issuer=%zz", MFA_ERR_BAD_ENCODING },

		/* Secret. */
		{ "otpauth://totp/a?issuer=x", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?secret=", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?secret=%20", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?secret=ABC1", MFA_ERR_BAD_ENCODING },
		{ "otpauth://totp/a?secret=A", MFA_ERR_BAD_ENCODING },
		{ "otpauth://totp/a?SECRET=" HELLO_B32, MFA_ERR_BAD_URI },

		/* Other parameters. */
		{ "otpauth://totp/a?" OK_SECRET "&digits=5", MFA_ERR_UNSUPPORTED },
		{ "otpauth://totp/a?" OK_SECRET "&digits=9", MFA_ERR_UNSUPPORTED },
		{ "otpauth://totp/a?" OK_SECRET "&digits=0", MFA_ERR_UNSUPPORTED },
		{ "otpauth://totp/a?" OK_SECRET "&digits=99999999999", MFA_ERR_UNSUPPORTED },
		{ "otpauth://totp/a?" OK_SECRET "&digits=six", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&digits=", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&digits=-6", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&digits=6.0", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&period=0", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&period=30s", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&period=4294967296", MFA_ERR_UNSUPPORTED },
		{ "otpauth://totp/a?" OK_SECRET "&algorithm=MD5", MFA_ERR_UNSUPPORTED },
		{ "otpauth://totp/a?" OK_SECRET "&algorithm=", MFA_ERR_UNSUPPORTED },
		{ "otpauth://totp/a?" OK_SECRET "&issuer=", MFA_ERR_BAD_URI },

		/* Query syntax and duplicates. */
		{ "otpauth://totp/a?" OK_SECRET "&" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&secret=GEZDGNBV", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&digits=6&digits=6", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&issuer=x&issuer=y", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&image=x&image=y", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?&" OK_SECRET, MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&&digits=6", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&digits", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&=6", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&s%65cret=" HELLO_B32, MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "#frag", MFA_ERR_BAD_URI },
		{ "otpauth://totp/a?" OK_SECRET "&issuer=a b", MFA_ERR_BAD_URI },
	};

	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_parse_fails(cases[i].uri, cases[i].expected);
}

static void
otpauth_parse_limits(void **state)
{
	static char uri[MFA_OTPAUTH_URI_MAX + 64];
	static const char head[] = "otpauth://totp/";
	static const char tail[] = "?" OK_SECRET;
	size_t n;

	(void)state;

	/* A URI of exactly MFA_OTPAUTH_URI_MAX bytes passes the length check... */
	n = (size_t)snprintf(uri, sizeof(uri), "otpauth://totp/a?" OK_SECRET "&x=");
	memset(uri + n, 'y', MFA_OTPAUTH_URI_MAX - n);
	uri[MFA_OTPAUTH_URI_MAX] = '\0';
	{
		mfa_otpauth_parsed_t *p = NULL;

		assert_int_equal(mfa_otpauth_parse(uri, &p), MFA_OK);
		mfa_otpauth_parsed_free(&p);
	}

	/* ...and one byte more does not. */
	uri[MFA_OTPAUTH_URI_MAX] = 'y';
	uri[MFA_OTPAUTH_URI_MAX + 1] = '\0';
	assert_parse_fails(uri, MFA_ERR_TOO_LARGE);

	/* An account of MFA_OTPAUTH_LABEL_MAX + 1 bytes. */
	n = (size_t)snprintf(uri, sizeof(uri), "%s", head);
	memset(uri + n, 'a', MFA_OTPAUTH_LABEL_MAX + 1);
	snprintf(uri + n + MFA_OTPAUTH_LABEL_MAX + 1, sizeof(uri) - n - MFA_OTPAUTH_LABEL_MAX - 1,
	    "%s", tail);
	assert_parse_fails(uri, MFA_ERR_TOO_LARGE);

	/* A secret of MFA_OTP_KEY_MAX + 5 bytes (8 base32 characters per 5 bytes). */
	memset(uri, 0, sizeof(uri));
	n = (size_t)snprintf(uri, sizeof(uri), "otpauth://totp/a?secret=");
	memset(uri + n, 'A', (MFA_OTP_KEY_MAX / 5 + 2) * 8);
	assert_parse_fails(uri, MFA_ERR_TOO_LARGE);

	assert_int_equal(mfa_otpauth_parse(NULL, NULL), MFA_ERR_INVALID_ARGUMENT);
	{
		mfa_otpauth_parsed_t *p = NULL;

		assert_int_equal(mfa_otpauth_parse(NULL, &p), MFA_ERR_INVALID_ARGUMENT);
		mfa_otpauth_parsed_free(&p);
		mfa_otpauth_parsed_free(NULL);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(otpauth_format_basic),
		cmocka_unit_test(otpauth_format_escapes),
		cmocka_unit_test(otpauth_format_no_issuer),
		cmocka_unit_test(otpauth_format_rejects),
		cmocka_unit_test(otpauth_format_uri_too_long),
		cmocka_unit_test(otpauth_round_trip),
		cmocka_unit_test(otpauth_parse_google_example),
		cmocka_unit_test(otpauth_parse_issuer_sources),
		cmocka_unit_test(otpauth_parse_lenient_parts),
		cmocka_unit_test(otpauth_parse_rejects),
		cmocka_unit_test(otpauth_parse_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
