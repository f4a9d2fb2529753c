/* SPDX-License-Identifier: MIT */
/* Password policy: NFKC normalization, length, classes, blocklist, reuse and expiry. */
#include "server/pwpolicy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>
#include <zxcvbn.h>

#include <mfa/common.h>

#include "common/log.h"
#include "server/password.h"

#define PWPOLICY_NAME_MIN 3         /* shorter user names are only rejected as a whole */
#define PWPOLICY_SUFFIX_MAX 5       /* digits or symbols added to a common word: a year and a "!" */
#define PWPOLICY_SECONDS_PER_DAY 86400

void
pwpolicy_init(struct pwpolicy *p)
{
	memset(p, 0, sizeof(*p));
	p->min_length = PWPOLICY_MIN_LENGTH_LOW;
	p->min_length_password_alone = PWPOLICY_MIN_LENGTH_ALONE;
	p->max_length = PWPOLICY_MAX_LENGTH_HIGH;
	p->required_classes = 0;
	p->max_age_days = 0;
	p->reuse_prevention = 0;
	p->lockout_attempts = 0;
	p->must_not_contain_username = 0;
	p->hard_expiry = 0;
}

static int
pwpolicy_range_fail(struct srv_status *st, const char *field, unsigned low, unsigned high)
{
	return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "%s must be from %u to %u.", field, low, high);
}

int
pwpolicy_validate(const struct pwpolicy *p, struct srv_status *st)
{
	if (p->min_length < PWPOLICY_MIN_LENGTH_LOW || p->min_length > PWPOLICY_MIN_LENGTH_HIGH)
		return pwpolicy_range_fail(st, "MinimumPasswordLength", PWPOLICY_MIN_LENGTH_LOW,
		    PWPOLICY_MIN_LENGTH_HIGH);
	if (p->min_length_password_alone < PWPOLICY_MIN_LENGTH_ALONE ||
	    p->min_length_password_alone > PWPOLICY_MAX_LENGTH_LOW)
		return pwpolicy_range_fail(st, "MinimumPasswordLengthWithoutMFA",
		    PWPOLICY_MIN_LENGTH_ALONE, PWPOLICY_MAX_LENGTH_LOW);
	if (p->max_length < PWPOLICY_MAX_LENGTH_LOW || p->max_length > PWPOLICY_MAX_LENGTH_HIGH)
		return pwpolicy_range_fail(st, "MaximumPasswordLength", PWPOLICY_MAX_LENGTH_LOW,
		    PWPOLICY_MAX_LENGTH_HIGH);
	if ((p->required_classes & ~PWPOLICY_CLASS_ALL) != 0)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The required character classes contain an unknown class.");
	if (p->max_age_days > PWPOLICY_MAX_AGE_DAYS_HIGH)
		return pwpolicy_range_fail(st, "MaxPasswordAge", 0, PWPOLICY_MAX_AGE_DAYS_HIGH);
	if (p->reuse_prevention > PWPOLICY_REUSE_HIGH)
		return pwpolicy_range_fail(st, "PasswordReusePrevention", 0, PWPOLICY_REUSE_HIGH);
	if (p->lockout_attempts > PWPOLICY_LOCKOUT_HIGH)
		return pwpolicy_range_fail(st, "MaxLoginAttempts", 0, PWPOLICY_LOCKOUT_HIGH);
	if (p->must_not_contain_username != 0 && p->must_not_contain_username != 1)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "PasswordNotContainUserName must be true or false.");
	if (p->hard_expiry != 0 && p->hard_expiry != 1)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "HardExpiry must be true or false.");
	return SRV_OK;
}

/* Characters a password may not contain: C0 and C1 controls, DEL, and line breaks. */
static int
pwpolicy_forbidden(ucs4_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

/*
 * Check for valid UTF-8 (u8_check rejects overlong forms, surrogates and
 * values past U+10FFFF) and forbidden characters. Returns SRV_OK or
 * SRV_ERR_INVALID_PARAMETER. On success, the number of code points goes to
 * *ret_chars and whether all of them are white space to *ret_blank.
 */
static int
pwpolicy_scan(const uint8_t *s, size_t len, size_t *ret_chars, int *ret_blank,
    struct srv_status *st)
{
	size_t chars = 0;
	int blank = 1;

	if (u8_check(s, len) != NULL)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "The password is not valid UTF-8.");
	for (size_t i = 0; i < len;) {
		ucs4_t c;
		int n = u8_mbtouc(&c, s + i, len - i);

		if (pwpolicy_forbidden(c))
			return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
			    "The password contains a control character or line separator (U+%04X).",
			    (unsigned)c);
		if (!uc_is_property_white_space(c))
			blank = 0;
		i += (size_t)n;
		chars++;
	}
	*ret_chars = chars;
	*ret_blank = blank;
	return SRV_OK;
}

int
pwpolicy_normalize(const char *password, size_t len, char **ret, size_t *ret_len,
    struct srv_status *st)
{
	uint8_t buf[PWPOLICY_BYTES_MAX];
	uint8_t *norm = NULL;
	size_t norm_len = sizeof(buf);
	char *out = NULL;
	size_t chars;
	int blank;
	int r = SRV_ERR_INTERNAL;

	if (len == 0)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "The password must not be empty.");
	if (len > PWPOLICY_BYTES_MAX)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The password must have at most %d characters.", PWPOLICY_MAX_LENGTH_HIGH);
	r = pwpolicy_scan((const uint8_t *)password, len, &chars, &blank, st);
	if (r != SRV_OK)
		goto out;
	r = SRV_ERR_INVALID_PARAMETER;
	if (chars > PWPOLICY_MAX_LENGTH_HIGH) {
		srv_fail(st, r, "The password must have at most %d characters.",
		    PWPOLICY_MAX_LENGTH_HIGH);
		goto out;
	}

	/* A result of up to PWPOLICY_BYTES_MAX bytes goes to buf, and u8_normalize allocates a longer one. */
	norm = u8_normalize(UNINORM_NFKC, (const uint8_t *)password, len, buf, &norm_len);
	if (norm == NULL) {
		log_error("event=password_normalize_failed errno=%d", errno);
		r = SRV_ERR_INTERNAL;
		goto out;
	}
	if (norm != buf || norm_len > PWPOLICY_BYTES_MAX) {
		srv_fail(st, r, "The password must have at most %d characters.",
		    PWPOLICY_MAX_LENGTH_HIGH);
		goto out;
	}

	/* NFKC maps some characters to spaces or to others, so check the result as well. */
	r = pwpolicy_scan(norm, norm_len, &chars, &blank, st);
	if (r != SRV_OK)
		goto out;
	if (blank) {
		r = srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The password must not consist of white space only.");
		goto out;
	}

	out = malloc(norm_len + 1);
	if (out == NULL) {
		log_error("event=out_of_memory where=pwpolicy_normalize");
		r = SRV_ERR_INTERNAL;
		goto out;
	}
	memcpy(out, norm, norm_len);
	out[norm_len] = '\0';
	*ret = out;
	*ret_len = norm_len;
	out = NULL;
	r = SRV_OK;
out:
	if (norm != NULL && norm != buf)
		mfa_free_secret(norm, norm_len);
	mfa_memzero(buf, sizeof(buf));
	return r;
}

/* Classes of PWPOLICY_CLASS_* that s (valid UTF-8) contains. */
static unsigned
pwpolicy_classes(const uint8_t *s, size_t len)
{
	unsigned classes = 0;

	for (size_t i = 0; i < len;) {
		ucs4_t c;
		int n = u8_mbtouc(&c, s + i, len - i);

		if (uc_is_general_category(c, UC_CATEGORY_Ll))
			classes |= PWPOLICY_CLASS_LOWER;
		else if (uc_is_general_category(c, UC_CATEGORY_Lu) ||
		    uc_is_general_category(c, UC_CATEGORY_Lt))
			classes |= PWPOLICY_CLASS_UPPER;
		else if (uc_is_general_category(c, UC_CATEGORY_Nd))
			classes |= PWPOLICY_CLASS_DIGIT;
		else if (uc_is_general_category(c, UC_CATEGORY_P) ||
		    uc_is_general_category(c, UC_CATEGORY_S))
			classes |= PWPOLICY_CLASS_SYMBOL;
		i += (size_t)n;
	}
	return classes;
}

static int
pwpolicy_check_classes(unsigned required, const uint8_t *s, size_t len, struct srv_status *st)
{
	static const struct {
		unsigned bit;
		const char *description;
	} names[] = {
		{ PWPOLICY_CLASS_LOWER, "a lower-case letter" },
		{ PWPOLICY_CLASS_UPPER, "an upper-case letter" },
		{ PWPOLICY_CLASS_DIGIT, "a digit" },
		{ PWPOLICY_CLASS_SYMBOL, "a symbol" },
	};
	unsigned missing = required & ~pwpolicy_classes(s, len);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((missing & names[i].bit) != 0)
			return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
			    "The password must contain %s.", names[i].description);
	}
	return SRV_OK;
}

static char
pwpolicy_ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * Return 1 when name occurs in s, ignoring ASCII case. User names are ASCII,
 * so bytes of multibyte characters never match them.
 */
static int
pwpolicy_contains_name(const char *s, size_t len, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; n <= len && i <= len - n; i++) {
		size_t k = 0;

		while (k < n && pwpolicy_ascii_lower(s[i + k]) == pwpolicy_ascii_lower(name[k]))
			k++;
		if (k == n)
			return 1;
	}
	return 0;
}

/* Type of a zxcvbn match, with the "repeated" flag cleared. */
static ZxcTypeMatch_t
pwpolicy_base_type(ZxcTypeMatch_t type)
{
	return (ZxcTypeMatch_t)((unsigned)type & ~(unsigned)MULTIPLE_MATCH);
}

enum pwpolicy_word {
	PWPOLICY_WORD_NONE,
	PWPOLICY_WORD_COMMON,  /* a dictionary word or common password */
	PWPOLICY_WORD_CONTEXT, /* the user name, the alias or the service name */
};

/*
 * Run zxcvbn on the NUL-terminated s of len bytes. Returns the kind of word
 * when a single dictionary or user-word match covers all of s, also with
 * look-alike substitutions or repeated, else PWPOLICY_WORD_NONE. The entropy
 * in bits goes to *ret_bits unless it is NULL.
 */
static enum pwpolicy_word
pwpolicy_whole_word(const char *s, size_t len, const char **words, double *ret_bits)
{
	ZxcMatch_t *info = NULL;
	enum pwpolicy_word word = PWPOLICY_WORD_NONE;
	/* NOTE: libzxcvbn keeps single characters of s in its stack frames, which nobody wipes. */
	double bits = ZxcvbnMatch(s, words, &info);

	if (info != NULL && info->Next == NULL && info->Begin == 0 && (size_t)info->Length == len) {
		switch (pwpolicy_base_type(info->Type)) {
		case DICTIONARY_MATCH:
		case DICT_LEET_MATCH:
			word = PWPOLICY_WORD_COMMON;
			break;
		case USER_MATCH:
		case USER_LEET_MATCH:
			word = PWPOLICY_WORD_CONTEXT;
			break;
		default:
			break;
		}
	}
	ZxcvbnFreeInfo(info);
	if (ret_bits != NULL)
		*ret_bits = bits;
	return word;
}

static int
pwpolicy_is_digit_or_symbol(char c)
{
	return (c >= '!' && c <= '/') || (c >= '0' && c <= '9') || (c >= ':' && c <= '@') ||
	    (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

/*
 * Check s (NUL-terminated, len bytes) against zxcvbn's dictionaries and the
 * context words, as a whole, as a common word with up to PWPOLICY_SUFFIX_MAX
 * ASCII digits or symbols after it, and by its estimated entropy.
 */
static int
pwpolicy_check_common(char *s, size_t len, const char **words, struct srv_status *st)
{
	enum pwpolicy_word word;
	double bits;
	size_t suffix = 0;
	char saved;

	word = pwpolicy_whole_word(s, len, words, &bits);
	while (suffix < len && pwpolicy_is_digit_or_symbol(s[len - suffix - 1]))
		suffix++;
	if (word == PWPOLICY_WORD_NONE && suffix > 0 && suffix <= PWPOLICY_SUFFIX_MAX && suffix < len) {
		saved = s[len - suffix];
		s[len - suffix] = '\0';
		word = pwpolicy_whole_word(s, len - suffix, words, NULL);
		s[len - suffix] = saved;
	}

	if (word == PWPOLICY_WORD_CONTEXT)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The password must not be based on the user name, the account alias or "
		    "the service name.");
	if (word == PWPOLICY_WORD_COMMON)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The password is too common: it is commonly used, or is a common word with a "
		    "few characters added. Choose a longer passphrase.");
	if (bits < PWPOLICY_MIN_ENTROPY_BITS)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The password is too common: it is commonly used or too easy to guess (a "
		    "keyboard pattern, sequence, repetition or date). Choose a longer passphrase.");
	return SRV_OK;
}

int
pwpolicy_check(const struct pwpolicy *p, const char *normalized, size_t len,
    const char *user_name, const char *account_alias, int password_alone, struct srv_status *st)
{
	const char *words[4];
	size_t nwords = 0;
	char *copy = NULL;
	size_t chars;
	unsigned min;
	int r;

	if (pwpolicy_validate(p, NULL) != SRV_OK) {
		log_error("event=password_policy_invalid");
		return SRV_ERR_INTERNAL;
	}
	if (len > PWPOLICY_BYTES_MAX || u8_check((const uint8_t *)normalized, len) != NULL ||
	    memchr(normalized, '\0', len) != NULL)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "The password is not valid UTF-8.");

	chars = u8_mbsnlen((const uint8_t *)normalized, len);
	min = p->min_length;
	if (password_alone && p->min_length_password_alone > min)
		min = p->min_length_password_alone;
	if (chars < min)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The password must have at least %u characters%s.", min,
		    password_alone && min > p->min_length ?
		    " for a user without a second factor" : "");
	if (chars > p->max_length)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The password must have at most %u characters.", p->max_length);

	r = pwpolicy_check_classes(p->required_classes, (const uint8_t *)normalized, len, st);
	if (r != SRV_OK)
		return r;

	if (p->must_not_contain_username && user_name != NULL &&
	    strlen(user_name) >= PWPOLICY_NAME_MIN &&
	    pwpolicy_contains_name(normalized, len, user_name))
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The password must not contain the user name.");

	if (user_name != NULL && user_name[0] != '\0')
		words[nwords++] = user_name;
	if (account_alias != NULL && account_alias[0] != '\0')
		words[nwords++] = account_alias;
	words[nwords++] = "mfad";
	words[nwords] = NULL;

	/* zxcvbn needs a NUL-terminated string, and the suffix check cuts it in place. */
	copy = malloc(len + 1);
	if (copy == NULL) {
		log_error("event=out_of_memory where=pwpolicy_check");
		return SRV_ERR_INTERNAL;
	}
	memcpy(copy, normalized, len);
	copy[len] = '\0';
	r = pwpolicy_check_common(copy, len, words, st);
	mfa_free_secret(copy, len + 1);
	return r;
}

int
pwpolicy_reused(const char *normalized, size_t len, const char *const *old_hashes, size_t n,
    struct pwhash *pw)
{
	for (size_t i = 0; i < n; i++) {
		int r;

		if (old_hashes[i] == NULL || old_hashes[i][0] == '\0')
			continue;
		r = pwhash_verify(pw, old_hashes[i], normalized, len);
		if (r == SRV_OK)
			return 1;
		if (r != SRV_ERR_INVALID_CREDENTIALS)
			return -1;
	}
	return 0;
}

int
pwpolicy_expired(const struct pwpolicy *p, int64_t password_changed, int64_t now)
{
	uint64_t max_age = (uint64_t)p->max_age_days * PWPOLICY_SECONDS_PER_DAY;

	if (p->max_age_days == 0 || password_changed > now)
		return 0;
	/* The difference of two int64_t values with now >= password_changed fits in uint64_t. */
	return (uint64_t)now - (uint64_t)password_changed >= max_age;
}
