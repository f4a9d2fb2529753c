/* SPDX-License-Identifier: MIT */
/* Unit tests of the password policy: normalization, rules, blocklist, reuse and expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mfa/common.h>

#include "server/errors.h"
#include "server/password.h"
#include "server/pwpolicy.h"
#include "server/pwpolicy_store.h"

/* A phrase of random words that passes every default rule, 30 characters. */
#define GOOD_PHRASE "vivid otter canyon lantern 47"

static int
check(const struct pwpolicy *p, const char *pw, int alone, struct srv_status *st)
{
	memset(st, 0, sizeof(*st));
	return pwpolicy_check(p, pw, strlen(pw), "alice", "example", alone, st);
}

/* Check that pw is rejected with a message containing reason. */
static void
expect_reject(const struct pwpolicy *p, const char *pw, int alone, const char *reason)
{
	struct srv_status st;
	int r = check(p, pw, alone, &st);

	if (r != SRV_ERR_INVALID_PARAMETER)
		fail_msg("password \"%s\" got %d, expected a rejection for \"%s\"", pw, r, reason);
	if (strstr(st.message, reason) == NULL)
		fail_msg("password \"%s\": message \"%s\" lacks \"%s\"", pw, st.message, reason);
}

static void
expect_accept(const struct pwpolicy *p, const char *pw, int alone)
{
	struct srv_status st;
	int r = check(p, pw, alone, &st);

	if (r != SRV_OK)
		fail_msg("password \"%s\" was rejected: %s", pw, st.message);
}

/* Normalize pw (len bytes) and expect SRV_OK; the caller frees the result. */
static char *
normalize_ok(const char *pw, size_t len, size_t *ret_len)
{
	struct srv_status st;
	char *out = NULL;

	memset(&st, 0, sizeof(st));
	if (pwpolicy_normalize(pw, len, &out, ret_len, &st) != SRV_OK)
		fail_msg("normalizing %zu bytes failed: %s", len, st.message);
	assert_non_null(out);
	assert_int_equal(out[*ret_len], '\0');
	return out;
}

static void
normalize_reject(const char *pw, size_t len, const char *reason)
{
	struct srv_status st;
	char *out = NULL;
	size_t out_len = 99;

	memset(&st, 0, sizeof(st));
	assert_int_equal(pwpolicy_normalize(pw, len, &out, &out_len, &st), SRV_ERR_INVALID_PARAMETER);
	assert_null(out);
	assert_int_equal(out_len, 99); /* outputs untouched on failure */
	if (strstr(st.message, reason) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", st.message, reason);
}

static void
policy_defaults(void **state)
{
	struct pwpolicy p;
	struct srv_status st;

	(void)state;
	memset(&p, 0xff, sizeof(p));
	pwpolicy_init(&p);
	assert_int_equal(p.min_length, 8);
	assert_int_equal(p.min_length_password_alone, 15);
	assert_int_equal(p.max_length, 1024);
	assert_int_equal(p.required_classes, 0);
	assert_int_equal(p.max_age_days, 0);
	assert_int_equal(p.reuse_prevention, 0);
	assert_int_equal(p.lockout_attempts, 0);
	assert_int_equal(p.hard_expiry, 0);
	assert_int_equal(p.must_not_contain_username, 0);
	assert_int_equal(pwpolicy_validate(&p, &st), SRV_OK);
}

static void
policy_validate_ranges(void **state)
{
	static const struct {
		size_t offset;
		unsigned bad;
		unsigned good;
		const char *field;
	} cases[] = {
		{ offsetof(struct pwpolicy, min_length), 7, 8, "MinimumPasswordLength" },
		{ offsetof(struct pwpolicy, min_length), 33, 32, "MinimumPasswordLength" },
		{ offsetof(struct pwpolicy, min_length_password_alone), 14, 15,
		  "MinimumPasswordLengthWithoutMFA" },
		{ offsetof(struct pwpolicy, min_length_password_alone), 65, 64,
		  "MinimumPasswordLengthWithoutMFA" },
		{ offsetof(struct pwpolicy, max_length), 63, 64, "MaximumPasswordLength" },
		{ offsetof(struct pwpolicy, max_length), 1025, 1024, "MaximumPasswordLength" },
		{ offsetof(struct pwpolicy, required_classes), 0x10, 0xf, "character classes" },
		{ offsetof(struct pwpolicy, max_age_days), 1096, 1095, "MaxPasswordAge" },
		{ offsetof(struct pwpolicy, reuse_prevention), 25, 24, "PasswordReusePrevention" },
		{ offsetof(struct pwpolicy, lockout_attempts), 33, 32, "MaxLoginAttempts" },
		{ offsetof(struct pwpolicy, lockout_attempts), 33, 0, "MaxLoginAttempts" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pwpolicy p;
		struct srv_status st;

		pwpolicy_init(&p);
		memcpy((char *)&p + cases[i].offset, &cases[i].bad, sizeof(unsigned));
		memset(&st, 0, sizeof(st));
		if (pwpolicy_validate(&p, &st) != SRV_ERR_INVALID_PARAMETER)
			fail_msg("case %zu: %s = %u was accepted", i, cases[i].field, cases[i].bad);
		if (strstr(st.message, cases[i].field) == NULL)
			fail_msg("case %zu: message \"%s\" lacks the field", i, st.message);
		memcpy((char *)&p + cases[i].offset, &cases[i].good, sizeof(unsigned));
		if (pwpolicy_validate(&p, &st) != SRV_OK)
			fail_msg("case %zu: %s = %u was rejected", i, cases[i].field, cases[i].good);
	}
}

static void
policy_validate_flag(void **state)
{
	struct pwpolicy p;
	struct srv_status st;

	(void)state;
	pwpolicy_init(&p);
	p.must_not_contain_username = 2;
	assert_int_equal(pwpolicy_validate(&p, &st), SRV_ERR_INVALID_PARAMETER);
	assert_non_null(strstr(st.message, "PasswordNotContainUserName"));
	p.must_not_contain_username = 0;
	assert_int_equal(pwpolicy_validate(&p, &st), SRV_OK);
}

static void
check_rejects_invalid_policy(void **state)
{
	struct pwpolicy p;
	struct srv_status st;

	(void)state;
	pwpolicy_init(&p);
	p.min_length = 0;
	assert_int_equal(check(&p, GOOD_PHRASE, 0, &st), SRV_ERR_INTERNAL);
}

static void
normalize_keeps_ascii(void **state)
{
	const char *pw = " Tr0ub4dor&3 with spaces ";
	size_t len;
	char *out;

	(void)state;
	out = normalize_ok(pw, strlen(pw), &len);
	assert_int_equal(len, strlen(pw));
	assert_string_equal(out, pw); /* leading and trailing spaces are kept */
	mfa_free_secret_str(out);
}

static void
normalize_composed_equals_decomposed(void **state)
{
	const char composed[] = "caf\xc3\xa9-cr\xc3\xa8me-br\xc3\xbbl\xc3\xa9" "e";
	const char decomposed[] = "cafe\xcc\x81-cre\xcc\x80me-bru\xcc\x82le\xcc\x81" "e";
	size_t a_len;
	size_t b_len;
	char *a;
	char *b;

	(void)state;
	assert_string_not_equal(composed, decomposed);
	a = normalize_ok(composed, strlen(composed), &a_len);
	b = normalize_ok(decomposed, strlen(decomposed), &b_len);
	assert_int_equal(a_len, b_len);
	assert_memory_equal(a, b, a_len);
	assert_string_equal(a, composed); /* NFKC composes */
	mfa_free_secret_str(a);
	mfa_free_secret_str(b);
}

static void
normalize_compatibility_forms(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "\xef\xbc\xa1\xef\xbd\x82\xef\xbd\x83", "Abc" },   /* full-width letters */
		{ "\xef\xac\x81le", "file" },                          /* the ligature U+FB01 */
		{ "a\xc2\xa0" "b", "a b" },                             /* no-break space */
		{ "x\xe2\x84\xa2", "xTM" },                             /* trade mark sign */
		{ "\xe2\x91\xa0\xe2\x91\xa1", "12" },                   /* circled digits */
		{ "\xe3\x80\x80z", " z" },                              /* ideographic space */
		{ "Stra\xc3\x9f" "e", "Stra\xc3\x9f" "e" },             /* no case folding */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		char *out = normalize_ok(cases[i].in, strlen(cases[i].in), &len);

		if (strcmp(out, cases[i].out) != 0)
			fail_msg("case %zu: got \"%s\", expected \"%s\"", i, out, cases[i].out);
		assert_int_equal(len, strlen(cases[i].out));
		mfa_free_secret_str(out);
	}
}

static void
normalize_rejects_invalid_utf8(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} cases[] = {
		{ "abcdefg\x80", 8 },                  /* lone continuation byte */
		{ "abcdefg\xc3", 8 },                  /* truncated sequence */
		{ "abc\xc0\x80" "defg", 9 },           /* overlong NUL */
		{ "abc\xe0\x80\xaf" "defg", 10 },      /* overlong '/' */
		{ "abc\xed\xa0\x80" "defg", 10 },      /* UTF-16 surrogate */
		{ "abc\xf4\x90\x80\x80" "defg", 11 },  /* past U+10FFFF */
		{ "abc\xff" "defgh", 9 },              /* never valid */
		{ "abc\xfe" "defgh", 9 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		normalize_reject(cases[i].s, cases[i].len, "not valid UTF-8");
}

static void
normalize_rejects_controls(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} cases[] = {
		{ "abcd\0efgh", 9 },               /* NUL inside the length */
		{ "abcd\x01" "efgh", 9 },
		{ "abcd\tefgh", 9 },               /* tab */
		{ "abcd\nefgh", 9 },
		{ "abcd\refgh", 9 },
		{ "abcd\x1f" "efgh", 9 },
		{ "abcd\x7f" "efgh", 9 },          /* DEL */
		{ "abcd\xc2\x80" "efgh", 10 },     /* U+0080, C1 */
		{ "abcd\xc2\x85" "efgh", 10 },     /* U+0085, next line */
		{ "abcd\xc2\x9f" "efgh", 10 },     /* U+009F, last C1 */
		{ "abcd\xe2\x80\xa8" "efgh", 11 }, /* U+2028, line separator */
		{ "abcd\xe2\x80\xa9" "efgh", 11 }, /* U+2029, paragraph separator */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		normalize_reject(cases[i].s, cases[i].len, "control character");
}

static void
normalize_accepts_neighbours_of_controls(void **state)
{
	/* U+00A0 (after C1), U+2027 and U+202A (around the separators), space and '~'. */
	const char pw[] = "a\xc2\xa0" "b\xe2\x80\xa7" "c\xe2\x80\xaa" "d ~";
	size_t len;
	char *out;

	(void)state;
	out = normalize_ok(pw, strlen(pw), &len);
	mfa_free_secret_str(out);
}

static void
normalize_rejects_blank(void **state)
{
	static const char *const cases[] = {
		"        ",
		"\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0", /* no-break spaces */
		"\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80", /* ideographic spaces */
		" \xe2\x80\x83 \xe2\x80\x89 \xe2\x80\x8a ", /* em, thin and hair spaces */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		normalize_reject(cases[i], strlen(cases[i]), "white space only");
	normalize_reject("", 0, "must not be empty");
}

static void
normalize_never_truncates(void **state)
{
	/* U+1F600, four bytes: 1024 of them are the most bytes a password may have. */
	static const char emoji[] = "\xf0\x9f\x98\x80";
	char *big = malloc(PWPOLICY_BYTES_MAX + 8);
	size_t len;
	char *out;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', PWPOLICY_MAX_LENGTH_HIGH + 1);
	out = normalize_ok(big, PWPOLICY_MAX_LENGTH_HIGH, &len);
	assert_int_equal(len, PWPOLICY_MAX_LENGTH_HIGH);
	mfa_free_secret_str(out);
	normalize_reject(big, PWPOLICY_MAX_LENGTH_HIGH + 1, "at most 1024 characters");

	for (size_t i = 0; i < PWPOLICY_MAX_LENGTH_HIGH; i++)
		memcpy(big + 4 * i, emoji, 4);
	out = normalize_ok(big, PWPOLICY_BYTES_MAX, &len);
	assert_int_equal(len, PWPOLICY_BYTES_MAX);
	assert_memory_equal(out, big, len);
	mfa_free_secret_str(out);
	big[PWPOLICY_BYTES_MAX] = 'x';
	normalize_reject(big, PWPOLICY_BYTES_MAX + 1, "at most 1024 characters");
	free(big);
}

static void
normalize_rejects_expansion(void **state)
{
	/* U+FDFA, three bytes, becomes 18 code points (33 bytes) under NFKC. */
	static const char ligature[] = "\xef\xb7\xba";
	char big[3 * 200];
	size_t len;
	char *out;

	(void)state;
	for (size_t i = 0; i < 200; i++)
		memcpy(big + 3 * i, ligature, 3);
	normalize_reject(big, sizeof(big), "at most 1024 characters"); /* 6,600 bytes */

	/* 100 of them give 1,800 code points in 3,300 bytes, which the length rule rejects. */
	out = normalize_ok(big, 300, &len);
	assert_int_equal(len, 3300);
	{
		struct pwpolicy p;
		struct srv_status st;

		pwpolicy_init(&p);
		assert_int_equal(pwpolicy_check(&p, out, len, "alice", "example", 0, &st),
		    SRV_ERR_INVALID_PARAMETER);
		assert_non_null(strstr(st.message, "at most 1024 characters"));
	}
	mfa_free_secret_str(out);
}

static void
check_min_length(void **state)
{
	struct pwpolicy p;

	(void)state;
	pwpolicy_init(&p);
	expect_reject(&p, "Xq7#vR2", 0, "at least 8 characters.");
	expect_accept(&p, "Xq7#vR2m", 0);
	expect_reject(&p, "Xq7#vR2m", 1, "at least 15 characters for a user without a second factor");
	expect_reject(&p, "Xq7#vR2mK9$wL4", 1, "at least 15 characters"); /* 14 */
	expect_accept(&p, "Xq7#vR2mK9$wL4p", 1); /* 15 */

	/* A min_length above 15 applies to every user, with the plain message. */
	p.min_length = 20;
	expect_reject(&p, "Xq7#vR2mK9$wL4pZ8&n", 1, "at least 20 characters.");
	expect_reject(&p, "Xq7#vR2mK9$wL4pZ8&n", 0, "at least 20 characters.");
	expect_accept(&p, "Xq7#vR2mK9$wL4pZ8&nT", 1);

	/* The stricter one wins for a password alone. */
	p.min_length = 8;
	p.min_length_password_alone = 24;
	expect_reject(&p, "Xq7#vR2mK9$wL4pZ8&nTb5!", 1, "at least 24 characters");
	expect_accept(&p, "Xq7#vR2mK9$wL4pZ8&nTb5!c", 1);
	expect_accept(&p, "Xq7#vR2mK9$wL4pZ8&nTb5!", 0);
}

static void
check_counts_code_points(void **state)
{
	struct pwpolicy p;

	(void)state;
	pwpolicy_init(&p);
	/* Seven euro signs and a letter: 8 characters in 22 bytes. */
	expect_accept(&p, "\xe2\x82\xac" "q\xe2\x82\xac" "7\xe2\x82\xacz\xe2\x82\xac" "k", 0);
	/* Seven characters in 16 bytes (Greek, Cyrillic and a CJK character). */
	expect_reject(&p, "\xce\xb4\xd0\xb6\xe5\xbc\xa0" "q7zk", 0, "at least 8 characters");
}

static void
check_max_length(void **state)
{
	char pw[80];
	struct pwpolicy p;

	(void)state;
	pwpolicy_init(&p);
	p.max_length = 64;
	/* A random-looking string: every 64-character prefix passes the blocklist. */
	for (size_t i = 0; i < 65; i++)
		pw[i] = "Kq3vX9mRz7LpW2tN"[(i * 7 + i / 16) % 16];
	pw[64] = '\0';
	expect_accept(&p, pw, 1);
	pw[64] = 'j';
	pw[65] = '\0';
	expect_reject(&p, pw, 1, "at most 64 characters");
}

static void
check_required_classes(void **state)
{
	static const struct {
		unsigned classes;
		const char *pw;
		const char *missing;
	} rejects[] = {
		{ PWPOLICY_CLASS_LOWER, "VIVID OTTER CANYON 47", "a lower-case letter" },
		{ PWPOLICY_CLASS_UPPER, GOOD_PHRASE, "an upper-case letter" },
		{ PWPOLICY_CLASS_DIGIT, "vivid otter canyon lantern", "a digit" },
		{ PWPOLICY_CLASS_SYMBOL, "vivid otter canyon lantern 47", "a symbol" },
		{ PWPOLICY_CLASS_ALL, "vivid otter canyon 47!", "an upper-case letter" },
	};
	static const struct {
		unsigned classes;
		const char *pw;
	} accepts[] = {
		{ PWPOLICY_CLASS_ALL, "Vivid otter canyon 47!" },
		/* Unicode classes: sharp s (Ll), A umlaut (Lu), Arabic-Indic three (Nd), euro (Sc). */
		{ PWPOLICY_CLASS_LOWER, "VIVID OTTER CANYON \xc3\x9f" },
		{ PWPOLICY_CLASS_UPPER, "vivid otter canyon \xc3\x84" },
		{ PWPOLICY_CLASS_DIGIT, "vivid otter canyon \xd9\xa3" },
		{ PWPOLICY_CLASS_SYMBOL, "vivid otter canyon \xe2\x82\xac" },
		/* Title case (U+01C5) counts as upper case. */
		{ PWPOLICY_CLASS_UPPER, "vivid otter canyon \xc7\x85" },
	};
	struct pwpolicy p;

	(void)state;
	pwpolicy_init(&p);
	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		p.required_classes = rejects[i].classes;
		expect_reject(&p, rejects[i].pw, 0, rejects[i].missing);
	}
	for (size_t i = 0; i < sizeof(accepts) / sizeof(accepts[0]); i++) {
		p.required_classes = accepts[i].classes;
		expect_accept(&p, accepts[i].pw, 0);
	}
	/* A space is not a symbol. */
	p.required_classes = PWPOLICY_CLASS_SYMBOL;
	expect_reject(&p, "vivid otter canyon lantern", 0, "a symbol");
}

static void
check_user_name_inside(void **state)
{
	struct pwpolicy p;
	struct srv_status st;

	(void)state;
	pwpolicy_init(&p);
	expect_accept(&p, "vivid alice canyon 47", 0);
	p.must_not_contain_username = 1;
	expect_reject(&p, "vivid alice canyon 47", 0, "must not contain the user name");
	expect_reject(&p, "vivid ALICE canyon 47", 0, "must not contain the user name");
	expect_reject(&p, "vividAlIcEcanyon47", 0, "must not contain the user name");
	p.must_not_contain_username = 0;
	expect_accept(&p, "vivid alice canyon 47", 0);

	/* A name of fewer than 3 characters is only rejected as the whole password. */
	pwpolicy_init(&p);
	p.must_not_contain_username = 1;
	memset(&st, 0, sizeof(st));
	assert_int_equal(pwpolicy_check(&p, GOOD_PHRASE " al", strlen(GOOD_PHRASE) + 3, "al",
	    "example", 0, &st), SRV_OK);
	/* No user name: the rule has nothing to check. */
	assert_int_equal(pwpolicy_check(&p, GOOD_PHRASE, strlen(GOOD_PHRASE), NULL, NULL, 0, &st),
	    SRV_OK);
}

static void
check_user_name_after_normalizing(void **state)
{
	/* Full-width "alice" becomes ASCII under NFKC, and then contains the name. */
	const char pw[] = "vivid \xef\xbd\x81\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x83\xef\xbd\x85 canyon 47";
	struct pwpolicy p;
	size_t len;
	char *out;

	(void)state;
	pwpolicy_init(&p);
	p.must_not_contain_username = 1;
	expect_accept(&p, pw, 0);
	out = normalize_ok(pw, strlen(pw), &len);
	expect_reject(&p, out, 0, "must not contain the user name");
	mfa_free_secret_str(out);
}

static void
check_blocklist_common(void **state)
{
	static const char *const common[] = {
		"password", "12345678", "qwertyuiop", "iloveyou1", "Password1", "letmein!",
		"p@ssw0rd", "P@ssw0rd!", "passw0rd", "trustno1", "baseball1", "princess1",
		"football", "sunshine", "1q2w3e4r5t", "zaq12wsx", "superman", "starwars77",
		"passwordpassword", "drowssap", "basketball", "Password123", "qwerty123456",
		"Welcome1!", "monkey12345", "abc12345", "11111111", "aaaaaaaaaaaaaaaa",
		"abcdefghijklmnop", "Summer2024!", "December2023", "jessica1989", "thisisapassword",
		"letmeinplease", "mypassword", "01011990", "zxcvbnm,./", "elephant", "Elephant2024",
		"unbelievable",
	};
	struct pwpolicy p;

	(void)state;
	pwpolicy_init(&p);
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		expect_reject(&p, common[i], 0, "commonly used");
}

static void
check_blocklist_deep_entries(void **state)
{
	/*
	 * Entries from the last thousand of zxcvbn-c's words-10k-pass.txt, the
	 * 10,000 most common passwords: random-looking, so only the list catches
	 * them, which shows the dictionary reaches the end of that list.
	 */
	static const char *const deep[] = {
		"368ejhih", "hzze929b", "save13tx", "qcmfd454", "ssptx452", "yvtte545", "pxx3eftp",
		"551scasi", "mwq6qlzo", "474jdvff", "554uzpad", "iqzzt580", "201jedlz", "ozlq6qwm",
	};
	struct pwpolicy p;

	(void)state;
	pwpolicy_init(&p);
	for (size_t i = 0; i < sizeof(deep) / sizeof(deep[0]); i++)
		expect_reject(&p, deep[i], 0, "commonly used, or is a common word");
	/* Random strings of the same shape are not on the list. */
	expect_accept(&p, "fjkdlsqz", 0);
	expect_accept(&p, "qv7mz3kd", 0);
}

static void
check_blocklist_suffix(void **state)
{
	struct pwpolicy p;

	(void)state;
	pwpolicy_init(&p);
	/* A common word and up to 5 ASCII digits or symbols. */
	expect_reject(&p, "xylophone83920", 0, "common word with a few characters added");
	expect_reject(&p, "Kangaroo!1984", 0, "common word with a few characters added");
	expect_reject(&p, "p@ssw0rd!!", 0, "common word with a few characters added");
	/* Six are past the rule, and here zxcvbn's estimate is high enough. */
	expect_accept(&p, "xylophone839201", 0);
	/* A digit or symbol before the word is not a suffix. */
	expect_accept(&p, "8xylophone3920", 0);
}

static void
check_blocklist_long_repeats(void **state)
{
	char pw[201];
	struct pwpolicy p;

	(void)state;
	pwpolicy_init(&p);
	memset(pw, 'a', 200);
	pw[200] = '\0';
	expect_reject(&p, pw, 1, "commonly used"); /* past zxcvbn's 100 detailed characters */
	for (size_t i = 0; i < 20; i++)
		memcpy(pw + 8 * i, "password", 8);
	pw[160] = '\0';
	expect_reject(&p, pw, 1, "commonly used");
	/* Nine composed e-acute: zxcvbn finds the repeated bytes. */
	expect_reject(&p, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
	    0, "commonly used");
}

static void
check_blocklist_context_words(void **state)
{
	static const char *const based[] = {
		"alice2024!", "ALICE1234", "al1ce!!!", "alicealice", "example123", "Example1",
		"exampleexample", "mfadmfad", "mfad1234",
	};
	struct pwpolicy p;

	(void)state;
	pwpolicy_init(&p);
	p.must_not_contain_username = 0; /* the blocklist rejects these without the rule */
	for (size_t i = 0; i < sizeof(based) / sizeof(based[0]); i++)
		expect_reject(&p, based[i], 0, "based on the user name, the account alias");
}

static void
check_blocklist_accepts_strong(void **state)
{
	static const char *const strong[] = {
		"correct horse battery staple",
		GOOD_PHRASE,
		"purple-monkey-dishwasher",
		"Kangaroo sandwich on Tuesday",
		"xk7#Qm2!vLp9",
		"kqzmvbtw",
		"Tr0ub4dor&3",
		/* A common word inside a longer password: the comparison is on the whole. */
		"my password is not password-shaped",
		"iloveyou, but not like that, Margot",
		/* Non-Latin scripts are outside zxcvbn's dictionaries. */
		"\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c-\xd0\xba\xd0\xbe\xd1\x82 42",
		"\xc3\x9cn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9-P\xc3\xa4ssw\xc3\xb6rd-2024",
	};
	struct pwpolicy p;

	(void)state;
	pwpolicy_init(&p);
	for (size_t i = 0; i < sizeof(strong) / sizeof(strong[0]); i++)
		expect_accept(&p, strong[i], 0);
	/* The passphrases are long enough for a password alone too. */
	expect_accept(&p, "correct horse battery staple", 1);
	expect_accept(&p, GOOD_PHRASE, 1);
}

static void
check_rejects_bad_input(void **state)
{
	struct pwpolicy p;
	struct srv_status st;

	(void)state;
	pwpolicy_init(&p);
	assert_int_equal(pwpolicy_check(&p, "vivid otter\xff canyon 47", 21, "alice", "example", 0,
	    &st), SRV_ERR_INVALID_PARAMETER);
	assert_int_equal(pwpolicy_check(&p, "vivid otter\0canyon 47", 21, "alice", "example", 0,
	    &st), SRV_ERR_INVALID_PARAMETER);
}

static void
reused_matches_old_hashes(void **state)
{
	const char composed[] = "caf\xc3\xa9 lantern canyon 47";
	const char decomposed[] = "cafe\xcc\x81 lantern canyon 47";
	char h1[STORE_PW_HASH_MAX + 1];
	char h2[STORE_PW_HASH_MAX + 1];
	struct pwhash *pw = NULL;
	size_t len;
	char *norm;

	(void)state;
	assert_int_equal(pwhash_init(1, 10000, &pw), 0);
	assert_int_equal(pwhash_hash(pw, GOOD_PHRASE, strlen(GOOD_PHRASE), h1), SRV_OK);
	assert_int_equal(pwhash_hash(pw, composed, strlen(composed), h2), SRV_OK);
	{
		const char *const old[] = { h1, NULL, "", h2 };

		assert_int_equal(pwpolicy_reused(GOOD_PHRASE, strlen(GOOD_PHRASE), old, 4, pw), 1);
		assert_int_equal(pwpolicy_reused("vivid otter canyon lantern 48", 29, old, 4, pw), 0);
		/* The same phrase typed decomposed is the same password once normalized. */
		norm = normalize_ok(decomposed, strlen(decomposed), &len);
		assert_int_equal(pwpolicy_reused(norm, len, old, 4, pw), 1);
		mfa_free_secret_str(norm);
		/* Only the first n hashes count, and NULL entries are skipped. */
		assert_int_equal(pwpolicy_reused(composed, strlen(composed), old, 3, pw), 0);
		assert_int_equal(pwpolicy_reused(composed, strlen(composed), old, 0, pw), 0);
	}
	{
		const char *const garbage[] = { "not a hash" };

		assert_int_equal(pwpolicy_reused(GOOD_PHRASE, strlen(GOOD_PHRASE), garbage, 1, pw), 0);
	}
	pwhash_free(&pw);
}

static void
reused_busy_fails_closed(void **state)
{
	const char *const old[] = { "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA" };
	struct pwhash *pw = NULL;

	(void)state;
	/* No hashing slot at all, so every verification times out after 1 ms. */
	assert_int_equal(pwhash_init(0, 1, &pw), 0);
	assert_int_equal(pwpolicy_reused(GOOD_PHRASE, strlen(GOOD_PHRASE), old, 1, pw), -1);
	pwhash_free(&pw);
}

/*
 * A hash made before normalization is of the bytes as typed. Logon still
 * accepts those bytes, returns a hash of the NFKC form to store instead,
 * and never accepts another form against the old hash.
 */
static void
verify_old_hash_then_rehash(void **state)
{
	const char composed[] = "caf\xc3\xa9 lantern canyon 47";
	const char decomposed[] = "cafe\xcc\x81 lantern canyon 47";
	char old[STORE_PW_HASH_MAX + 1];
	char fresh[STORE_PW_HASH_MAX + 1];
	struct pwhash *pw = NULL;

	(void)state;
	assert_int_equal(pwhash_init(1, 10000, &pw), 0);
	assert_int_equal(pwhash_hash(pw, decomposed, strlen(decomposed), old), SRV_OK);

	assert_int_equal(pwpolicy_verify(pw, old, decomposed, strlen(decomposed), fresh), SRV_OK);
	assert_true(fresh[0] != '\0');
	assert_int_equal(pwhash_verify(pw, fresh, composed, strlen(composed)), SRV_OK);
	/* The new hash serves both forms through normalization, the old one the typed form only. */
	assert_int_equal(pwpolicy_verify(pw, fresh, decomposed, strlen(decomposed), old), SRV_OK);
	assert_string_equal(old, "");

	assert_int_equal(pwhash_hash(pw, decomposed, strlen(decomposed), old), SRV_OK);
	assert_int_equal(pwpolicy_verify(pw, old, composed, strlen(composed), fresh),
	    SRV_ERR_INVALID_CREDENTIALS);
	assert_string_equal(fresh, "");
	assert_int_equal(pwpolicy_verify(pw, NULL, decomposed, strlen(decomposed), fresh),
	    SRV_ERR_INVALID_CREDENTIALS);
	/* A wrong password fails against an old hash too. */
	assert_int_equal(pwpolicy_verify(pw, old, "wrong lantern canyon 47", 23, NULL),
	    SRV_ERR_INVALID_CREDENTIALS);
	pwhash_free(&pw);
}

static void
expired_by_age(void **state)
{
	const int64_t day = 86400;
	const int64_t now = 1800000000;
	struct pwpolicy p;

	(void)state;
	pwpolicy_init(&p);
	assert_false(pwpolicy_expired(&p, 0, now)); /* max_age_days 0: never */
	assert_false(pwpolicy_expired(&p, INT64_MIN, INT64_MAX));

	p.max_age_days = 90;
	assert_false(pwpolicy_expired(&p, now, now));
	assert_false(pwpolicy_expired(&p, now - 90 * day + 1, now));
	assert_true(pwpolicy_expired(&p, now - 90 * day, now));
	assert_true(pwpolicy_expired(&p, now - 365 * day, now));
	assert_false(pwpolicy_expired(&p, now + day, now)); /* changed in the future */
	/* Extreme times neither overflow nor wrap. */
	assert_true(pwpolicy_expired(&p, INT64_MIN, INT64_MAX));
	assert_true(pwpolicy_expired(&p, INT64_MIN, 0));
	assert_false(pwpolicy_expired(&p, INT64_MAX, INT64_MIN));
	assert_false(pwpolicy_expired(&p, INT64_MAX, INT64_MAX));

	p.max_age_days = PWPOLICY_MAX_AGE_DAYS_HIGH;
	assert_false(pwpolicy_expired(&p, now - 1094 * day, now));
	assert_true(pwpolicy_expired(&p, now - 1095 * day, now));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(policy_defaults),
		cmocka_unit_test(verify_old_hash_then_rehash),
		cmocka_unit_test(policy_validate_ranges),
		cmocka_unit_test(policy_validate_flag),
		cmocka_unit_test(check_rejects_invalid_policy),
		cmocka_unit_test(normalize_keeps_ascii),
		cmocka_unit_test(normalize_composed_equals_decomposed),
		cmocka_unit_test(normalize_compatibility_forms),
		cmocka_unit_test(normalize_rejects_invalid_utf8),
		cmocka_unit_test(normalize_rejects_controls),
		cmocka_unit_test(normalize_accepts_neighbours_of_controls),
		cmocka_unit_test(normalize_rejects_blank),
		cmocka_unit_test(normalize_never_truncates),
		cmocka_unit_test(normalize_rejects_expansion),
		cmocka_unit_test(check_min_length),
		cmocka_unit_test(check_counts_code_points),
		cmocka_unit_test(check_max_length),
		cmocka_unit_test(check_required_classes),
		cmocka_unit_test(check_user_name_inside),
		cmocka_unit_test(check_user_name_after_normalizing),
		cmocka_unit_test(check_blocklist_common),
		cmocka_unit_test(check_blocklist_deep_entries),
		cmocka_unit_test(check_blocklist_suffix),
		cmocka_unit_test(check_blocklist_long_repeats),
		cmocka_unit_test(check_blocklist_context_words),
		cmocka_unit_test(check_blocklist_accepts_strong),
		cmocka_unit_test(check_rejects_bad_input),
		cmocka_unit_test(reused_matches_old_hashes),
		cmocka_unit_test(reused_busy_fails_closed),
		cmocka_unit_test(expired_by_age),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
