/* SPDX-License-Identifier: MIT */
/* otpauth://totp/ key URIs: formatting and a strict parser. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define OTPAUTH_PREFIX "otpauth://"
#define OTPAUTH_SECRET_B32_SIZE ((MFA_OTP_KEY_MAX + 4) / 5 * 8 + 1) /* base32 of the longest key, NUL */
#define OTPAUTH_SHORT_VALUE_MAX 16 /* decoded bytes of an algorithm, digits or period value */

/* Bits of the known parameters seen so far. */
enum {
	OTPAUTH_SEEN_SECRET = 1u << 0,
	OTPAUTH_SEEN_ISSUER = 1u << 1,
	OTPAUTH_SEEN_ALGORITHM = 1u << 2,
	OTPAUTH_SEEN_DIGITS = 1u << 3,
	OTPAUTH_SEEN_PERIOD = 1u << 4,
};

/* Output buffer of fixed capacity that records when an append did not fit. */
struct otpauth_writer {
	char *buf;
	size_t len;
	size_t cap; /* bytes, including room for the NUL */
	bool overflow;
};

static bool
otpauth_is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 3986 pchar without pct-encoded: unreserved, sub-delims, ':' and '@'. */
static bool
otpauth_is_pchar(unsigned char c)
{
	return otpauth_is_unreserved(c) || (c != '\0' && strchr("!$&'()*+,;=:@", c) != NULL);
}

static int
otpauth_hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;

	return -1;
}

/*
 * Tell whether n bytes are UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) with no C0 control character or DEL,
 * which have no place in a name shown to users.
 */
static bool
otpauth_text_is_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
		size_t more;

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}

		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			lo = c == 0xe0 ? 0xa0 : 0x80;
			hi = c == 0xed ? 0x9f : 0xbf;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			lo = c == 0xf0 ? 0x90 : 0x80;
			hi = c == 0xf4 ? 0x8f : 0xbf;
		} else {
			return false;
		}

		if (n - i - 1 < more || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= more; k++) {
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return false;
		}
		i += more + 1;
	}

	return true;
}

static void
otpauth_write(struct otpauth_writer *w, const char *s, size_t n)
{
	if (w->overflow || n >= w->cap - w->len) {
		w->overflow = true;
		return;
	}

	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void
otpauth_write_str(struct otpauth_writer *w, const char *s)
{
	otpauth_write(w, s, strlen(s));
}

static void
otpauth_write_uint(struct otpauth_writer *w, unsigned v)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", v);
	otpauth_write_str(w, num);
}

/* Append s with every byte outside RFC 3986 "unreserved" written as %XX. */
static void
otpauth_write_pct(struct otpauth_writer *w, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		char esc[3] = { '%', hex[*p >> 4], hex[*p & 0x0f] };

		if (otpauth_is_unreserved(*p))
			otpauth_write(w, (const char *)p, 1);
		else
			otpauth_write(w, esc, sizeof(esc));
	}
}

/* Check an issuer or account name for mfa_otpauth_format(). */
static int
otpauth_check_name(const char *name)
{
	size_t len = strnlen(name, MFA_OTPAUTH_LABEL_MAX + 1);

	if (len == 0)
		return MFA_ERR_INVALID_ARGUMENT;
	if (len > MFA_OTPAUTH_LABEL_MAX)
		return MFA_ERR_TOO_LARGE;
	if (!otpauth_text_is_valid((const unsigned char *)name, len))
		return MFA_ERR_INVALID_ARGUMENT;

	return MFA_OK;
}

static int
otpauth_check_key(const mfa_otpauth_t *key)
{
	int r;

	if (key->account == NULL || key->secret == NULL || key->secret_len == 0 ||
	    key->secret_len > MFA_OTP_KEY_MAX || mfa_otp_alg_name(key->alg) == NULL ||
	    key->digits < MFA_OTP_DIGITS_MIN || key->digits > MFA_OTP_DIGITS_MAX ||
	    key->period == 0)
		return MFA_ERR_INVALID_ARGUMENT;

	r = otpauth_check_name(key->account);
	if (r != MFA_OK)
		return r;
	if (key->issuer != NULL)
		return otpauth_check_name(key->issuer);

	return MFA_OK;
}

static void
otpauth_write_uri(struct otpauth_writer *w, const mfa_otpauth_t *key, const char *secret_b32)
{
	otpauth_write_str(w, OTPAUTH_PREFIX "totp/");
	if (key->issuer != NULL) {
		otpauth_write_pct(w, key->issuer);
		otpauth_write_str(w, ":");
	}
	otpauth_write_pct(w, key->account);

	otpauth_write_str(w, "?secret=");
	otpauth_write_str(w, secret_b32);
	if (key->issuer != NULL) {
		otpauth_write_str(w, "&issuer=");
		otpauth_write_pct(w, key->issuer);
	}
	otpauth_write_str(w, "&algorithm=");
	otpauth_write_str(w, mfa_otp_alg_name(key->alg));
	otpauth_write_str(w, "&digits=");
	otpauth_write_uint(w, key->digits);
	otpauth_write_str(w, "&period=");
	otpauth_write_uint(w, key->period);
}

MFA_API int
mfa_otpauth_format(const mfa_otpauth_t *key, char **ret_uri)
{
	char buf[MFA_OTPAUTH_URI_MAX + 1];
	char secret_b32[OTPAUTH_SECRET_B32_SIZE];
	struct otpauth_writer w = { buf, 0, sizeof(buf), false };
	char *uri = NULL;
	int r = MFA_ERR_INTERNAL;

	if (key == NULL || ret_uri == NULL) {
		r = MFA_ERR_INVALID_ARGUMENT;
		goto out;
	}

	r = otpauth_check_key(key);
	if (r != MFA_OK)
		goto out;

	r = mfa_base32_encode(key->secret, key->secret_len, secret_b32, sizeof(secret_b32));
	if (r != MFA_OK)
		goto out;

	/* Longer URIs would be rejected by mfa_otpauth_parse(), so never make one. */
	otpauth_write_uri(&w, key, secret_b32);
	if (w.overflow) {
		r = MFA_ERR_TOO_LARGE;
		goto out;
	}

	/* Copy to an exact-size buffer here: realloc() could leave a copy of the secret behind. */
	uri = malloc(w.len + 1);
	if (uri == NULL) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	memcpy(uri, buf, w.len + 1);

	*ret_uri = uri;
	r = MFA_OK;
out:
	mfa_memzero(buf, sizeof(buf));
	mfa_memzero(secret_b32, sizeof(secret_b32));
	return r;
}

/*
 * Check that n bytes of a URI part are pchar (with '/' and '?' too in a
 * query) or a '%' with two hex digits. Returns MFA_OK, MFA_ERR_BAD_URI or
 * MFA_ERR_BAD_ENCODING.
 */
static int
otpauth_check_chars(const char *s, size_t n, bool query)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (n - i < 3 || otpauth_hex_value((unsigned char)s[i + 1]) < 0 ||
			    otpauth_hex_value((unsigned char)s[i + 2]) < 0)
				return MFA_ERR_BAD_ENCODING;
			i += 2;
			continue;
		}
		if (!otpauth_is_pchar(c) && !(query && (c == '/' || c == '?')))
			return MFA_ERR_BAD_URI;
	}

	return MFA_OK;
}

/*
 * Percent-decode n bytes of src into dst, which has room for n + 1 bytes, and
 * NUL-terminate. otpauth_check_chars() has checked the escapes already.
 * %00 is rejected because a C string cannot carry it.
 */
static int
otpauth_pct_decode(const char *src, size_t n, char *dst, size_t *ret_len)
{
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (src[i] != '%') {
			dst[j++] = src[i];
			continue;
		}

		if (n - i < 3)
			return MFA_ERR_BAD_ENCODING;
		hi = otpauth_hex_value((unsigned char)src[i + 1]);
		lo = otpauth_hex_value((unsigned char)src[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return MFA_ERR_BAD_ENCODING;
		dst[j++] = (char)(hi << 4 | lo);
		i += 2;
	}
	dst[j] = '\0';

	*ret_len = j;
	return MFA_OK;
}

/*
 * Decode an issuer or account name into a new string: not empty, UTF-8,
 * at most MFA_OTPAUTH_LABEL_MAX bytes.
 */
static int
otpauth_decode_name(const char *src, size_t n, char **ret_name)
{
	char *name = NULL;
	size_t len = 0;
	int r = MFA_ERR_INTERNAL;

	name = malloc(n + 1);
	if (name == NULL) {
		r = MFA_ERR_NOMEM;
		goto out;
	}

	r = otpauth_pct_decode(src, n, name, &len);
	if (r != MFA_OK)
		goto out;

	if (len == 0) {
		r = MFA_ERR_BAD_URI;
		goto out;
	}
	if (len > MFA_OTPAUTH_LABEL_MAX) {
		r = MFA_ERR_TOO_LARGE;
		goto out;
	}
	if (!otpauth_text_is_valid((const unsigned char *)name, len)) {
		r = MFA_ERR_BAD_ENCODING;
		goto out;
	}

	*ret_name = name;
	name = NULL;
	r = MFA_OK;
out:
	free(name);
	return r;
}

/* Check "otpauth://totp/" (scheme and type in any case) and store where the label starts. */
static int
otpauth_parse_prefix(const char *uri, const char **ret_label)
{
	const char *type, *slash;

	if (strncasecmp(uri, OTPAUTH_PREFIX, strlen(OTPAUTH_PREFIX)) != 0)
		return MFA_ERR_BAD_URI;

	type = uri + strlen(OTPAUTH_PREFIX);
	slash = strchr(type, '/');
	if (slash == NULL)
		return MFA_ERR_BAD_URI;

	if (slash - type == 4 && strncasecmp(type, "hotp", 4) == 0)
		return MFA_ERR_UNSUPPORTED;
	if (slash - type != 4 || strncasecmp(type, "totp", 4) != 0)
		return MFA_ERR_BAD_URI;

	*ret_label = slash + 1;
	return MFA_OK;
}

/*
 * Parse "ISSUER:ACCOUNT" or "ACCOUNT". Only a literal ':' separates, so "%3A"
 * stays in a name and mfa_otpauth_format() output round-trips.
 * NOTE: Google Authenticator's Key Uri Format page also allows "%3A" and
 * leading "%20"s as the separator; such a label parses as one account name.
 */
static int
otpauth_parse_label(mfa_otpauth_parsed_t *p, const char *label, size_t n)
{
	const char *colon = memchr(label, ':', n);
	const char *account = label;
	int r;

	r = otpauth_check_chars(label, n, false);
	if (r != MFA_OK)
		return r;

	if (colon != NULL) {
		size_t issuer_len = (size_t)(colon - label);

		if (memchr(colon + 1, ':', n - issuer_len - 1) != NULL)
			return MFA_ERR_BAD_URI;
		r = otpauth_decode_name(label, issuer_len, &p->issuer);
		if (r != MFA_OK)
			return r;
		account = colon + 1;
	}

	return otpauth_decode_name(account, n - (size_t)(account - label), &p->account);
}

static int
otpauth_parse_secret(mfa_otpauth_parsed_t *p, const char *value, size_t n)
{
	char text[MFA_OTPAUTH_URI_MAX + 1];
	uint8_t key[MFA_OTP_KEY_MAX];
	size_t text_len = 0, key_len = 0;
	int r = MFA_ERR_INTERNAL;

	r = otpauth_pct_decode(value, n, text, &text_len);
	if (r != MFA_OK)
		goto out;

	r = mfa_base32_decode(text, text_len, key, sizeof(key), &key_len, NULL);
	if (r == MFA_ERR_BUFFER_TOO_SMALL)
		r = MFA_ERR_TOO_LARGE;
	if (r != MFA_OK)
		goto out;
	if (key_len == 0) {
		r = MFA_ERR_BAD_URI;
		goto out;
	}

	p->secret = malloc(key_len);
	if (p->secret == NULL) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	memcpy(p->secret, key, key_len);
	p->secret_len = key_len;
	r = MFA_OK;
out:
	mfa_memzero(text, sizeof(text));
	mfa_memzero(key, sizeof(key));
	return r;
}

/* Decode a short value such as "SHA256" or "30". Longer values are unsupported. */
static int
otpauth_decode_short(const char *value, size_t n, char out[OTPAUTH_SHORT_VALUE_MAX + 1])
{
	char text[OTPAUTH_SHORT_VALUE_MAX * 3 + 1]; /* room for every byte escaped */
	size_t len = 0;
	int r;

	if (n > OTPAUTH_SHORT_VALUE_MAX * 3)
		return MFA_ERR_UNSUPPORTED;

	r = otpauth_pct_decode(value, n, text, &len);
	if (r != MFA_OK)
		return r;
	if (len > OTPAUTH_SHORT_VALUE_MAX)
		return MFA_ERR_UNSUPPORTED;

	memcpy(out, text, len + 1);
	return MFA_OK;
}

/* Parse a decimal number without sign. Values over UINT32_MAX are unsupported. */
static int
otpauth_parse_uint(const char *value, size_t n, unsigned *ret)
{
	char text[OTPAUTH_SHORT_VALUE_MAX + 1];
	uint64_t number = 0;
	int r;

	r = otpauth_decode_short(value, n, text);
	if (r != MFA_OK)
		return r;
	if (text[0] == '\0')
		return MFA_ERR_BAD_URI;

	for (const char *c = text; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return MFA_ERR_BAD_URI;
		number = number * 10 + (uint64_t)(*c - '0');
		if (number > UINT32_MAX)
			return MFA_ERR_UNSUPPORTED;
	}

	*ret = (unsigned)number;
	return MFA_OK;
}

static int
otpauth_parse_algorithm(mfa_otpauth_parsed_t *p, const char *value, size_t n)
{
	char text[OTPAUTH_SHORT_VALUE_MAX + 1];
	int r;

	r = otpauth_decode_short(value, n, text);
	if (r != MFA_OK)
		return r;

	return mfa_otp_alg_parse(text, &p->alg);
}

static int
otpauth_parse_digits(mfa_otpauth_parsed_t *p, const char *value, size_t n)
{
	unsigned digits = 0;
	int r;

	r = otpauth_parse_uint(value, n, &digits);
	if (r != MFA_OK)
		return r;
	if (digits < MFA_OTP_DIGITS_MIN || digits > MFA_OTP_DIGITS_MAX)
		return MFA_ERR_UNSUPPORTED;

	p->digits = digits;
	return MFA_OK;
}

static int
otpauth_parse_period(mfa_otpauth_parsed_t *p, const char *value, size_t n)
{
	unsigned period = 0;
	int r;

	r = otpauth_parse_uint(value, n, &period);
	if (r != MFA_OK)
		return r;
	if (period == 0)
		return MFA_ERR_BAD_URI;

	p->period = period;
	return MFA_OK;
}

/* The issuer parameter replaces an issuer taken from the label prefix. */
static int
otpauth_parse_issuer(mfa_otpauth_parsed_t *p, const char *value, size_t n)
{
	char *issuer = NULL;
	int r;

	r = otpauth_decode_name(value, n, &issuer);
	if (r != MFA_OK)
		return r;

	free(p->issuer);
	p->issuer = issuer;
	return MFA_OK;
}

typedef int (*otpauth_param_fn)(mfa_otpauth_parsed_t *p, const char *value, size_t n);

static const struct {
	const char *name;
	unsigned bit;
	otpauth_param_fn parse;
} otpauth_params[] = {
	{ "secret", OTPAUTH_SEEN_SECRET, otpauth_parse_secret },
	{ "issuer", OTPAUTH_SEEN_ISSUER, otpauth_parse_issuer },
	{ "algorithm", OTPAUTH_SEEN_ALGORITHM, otpauth_parse_algorithm },
	{ "digits", OTPAUTH_SEEN_DIGITS, otpauth_parse_digits },
	{ "period", OTPAUTH_SEEN_PERIOD, otpauth_parse_period },
};

/* Tell whether a parameter in query[0..before) has the name name[0..n). */
static bool
otpauth_name_seen(const char *query, size_t before, const char *name, size_t n)
{
	size_t i = 0;

	while (i < before) {
		const char *param = query + i;
		const char *amp = memchr(param, '&', before - i);
		size_t param_len = amp != NULL ? (size_t)(amp - param) : before - i;
		const char *eq = memchr(param, '=', param_len);
		size_t name_len = eq != NULL ? (size_t)(eq - param) : param_len;

		if (name_len == n && memcmp(param, name, n) == 0)
			return true;
		i += param_len + 1;
	}

	return false;
}

/*
 * Parse the parameter at query[start..start+n). Names are matched as raw
 * bytes and may not contain '%', so no two spellings of one name exist.
 * Any name seen twice is rejected, known or not.
 */
static int
otpauth_parse_param(mfa_otpauth_parsed_t *p, const char *query, size_t start, size_t n,
    unsigned *seen)
{
	const char *param = query + start;
	const char *eq = memchr(param, '=', n);
	size_t name_len;

	if (eq == NULL || eq == param)
		return MFA_ERR_BAD_URI;
	name_len = (size_t)(eq - param);
	if (memchr(param, '%', name_len) != NULL)
		return MFA_ERR_BAD_URI;
	if (otpauth_name_seen(query, start, param, name_len))
		return MFA_ERR_BAD_URI;

	for (size_t i = 0; i < sizeof(otpauth_params) / sizeof(otpauth_params[0]); i++) {
		if (strlen(otpauth_params[i].name) != name_len ||
		    memcmp(otpauth_params[i].name, param, name_len) != 0)
			continue;

		*seen |= otpauth_params[i].bit;
		return otpauth_params[i].parse(p, eq + 1, n - name_len - 1);
	}

	/* Unknown parameters such as "image" are ignored. */
	return MFA_OK;
}

static int
otpauth_parse_query(mfa_otpauth_parsed_t *p, const char *query, size_t n)
{
	unsigned seen = 0;
	size_t start = 0;
	int r;

	r = otpauth_check_chars(query, n, true);
	if (r != MFA_OK)
		return r;

	for (;;) {
		const char *amp = memchr(query + start, '&', n - start);
		size_t param_len = amp != NULL ? (size_t)(amp - query) - start : n - start;

		r = otpauth_parse_param(p, query, start, param_len, &seen);
		if (r != MFA_OK)
			return r;
		if (amp == NULL)
			break;
		start += param_len + 1;
	}

	if (!(seen & OTPAUTH_SEEN_SECRET))
		return MFA_ERR_BAD_URI;

	return MFA_OK;
}

MFA_API int
mfa_otpauth_parse(const char *uri, mfa_otpauth_parsed_t **ret)
{
	mfa_otpauth_parsed_t *p = NULL;
	const char *label = NULL, *query;
	size_t uri_len;
	int r = MFA_ERR_INTERNAL;

	if (uri == NULL || ret == NULL) {
		r = MFA_ERR_INVALID_ARGUMENT;
		goto out;
	}

	uri_len = strnlen(uri, MFA_OTPAUTH_URI_MAX + 1);
	if (uri_len > MFA_OTPAUTH_URI_MAX) {
		r = MFA_ERR_TOO_LARGE;
		goto out;
	}

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	p->alg = MFA_OTP_SHA1;
	p->digits = MFA_OTP_DIGITS_MIN;
	p->period = MFA_TOTP_PERIOD_DEFAULT;

	r = otpauth_parse_prefix(uri, &label);
	if (r != MFA_OK)
		goto out;

	/* The secret is required, so a URI without a query is malformed. */
	query = strchr(label, '?');
	if (query == NULL) {
		r = MFA_ERR_BAD_URI;
		goto out;
	}

	r = otpauth_parse_label(p, label, (size_t)(query - label));
	if (r != MFA_OK)
		goto out;

	query++;
	r = otpauth_parse_query(p, query, uri_len - (size_t)(query - uri));
	if (r != MFA_OK)
		goto out;

	*ret = p;
	p = NULL;
	r = MFA_OK;
out:
	mfa_otpauth_parsed_free(&p);
	return r;
}

MFA_API void
mfa_otpauth_parsed_get(const mfa_otpauth_parsed_t *p, mfa_otpauth_t *ret_key)
{
	if (p == NULL || ret_key == NULL)
		return;

	ret_key->issuer = p->issuer;
	ret_key->account = p->account;
	ret_key->secret = p->secret;
	ret_key->secret_len = p->secret_len;
	ret_key->alg = p->alg;
	ret_key->digits = p->digits;
	ret_key->period = p->period;
}

MFA_API void
mfa_otpauth_parsed_free(mfa_otpauth_parsed_t **p)
{
	if (p == NULL || *p == NULL)
		return;

	mfa_free_secret((*p)->secret, (*p)->secret_len);
	free((*p)->issuer);
	free((*p)->account);
	free(*p);
	*p = NULL;
}
