/* SPDX-License-Identifier: MIT */
/* HOTP (RFC 4226) and TOTP (RFC 6238) on an OpenSSL HMAC context keyed once. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "internal.h"

#define OTP_MAC_MAX 64        /* bytes of HMAC-SHA512 output, the longest */
#define OTP_DIGEST_NAME_MAX 8 /* bytes of the longest digest name and its NUL */

struct otp_alg_info {
	const char *name; /* OpenSSL digest name, also the otpauth:// spelling */
	size_t mac_len;   /* bytes */
};

static const struct otp_alg_info otp_algs[] = {
	[MFA_OTP_SHA1] = { "SHA1", 20 },
	[MFA_OTP_SHA256] = { "SHA256", 32 },
	[MFA_OTP_SHA512] = { "SHA512", 64 },
};

static const struct otp_alg_info *
otp_alg_lookup(mfa_otp_alg_t alg)
{
	if ((unsigned)alg >= sizeof(otp_algs) / sizeof(otp_algs[0]))
		return NULL;

	return &otp_algs[alg];
}

MFA_API int
mfa_ctx_new(mfa_ctx_t **ret_ctx)
{
	mfa_ctx_t *ctx = NULL;
	int r = MFA_ERR_INTERNAL;

	if (ret_ctx == NULL) {
		r = MFA_ERR_INVALID_ARGUMENT;
		goto out;
	}

	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		r = MFA_ERR_NOMEM;
		goto out;
	}

	ctx->mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (ctx->mac == NULL)
		goto out;

	*ret_ctx = ctx;
	ctx = NULL;
	r = MFA_OK;
out:
	mfa_ctx_free(&ctx);
	return r;
}

MFA_API void
mfa_ctx_free(mfa_ctx_t **ctx)
{
	if (ctx == NULL || *ctx == NULL)
		return;

	EVP_MAC_free((*ctx)->mac);
	free(*ctx);
	*ctx = NULL;
}

/* Create an HMAC context with digest and key set, ready for re-init with a NULL key. */
static int
otp_mac_ctx_new(const mfa_ctx_t *ctx, const char *digest, const uint8_t *key,
    size_t key_len, EVP_MAC_CTX **ret_mac_ctx)
{
	EVP_MAC_CTX *mac_ctx = NULL;
	char digest_name[OTP_DIGEST_NAME_MAX]; /* OSSL_PARAM takes a non-const string */
	OSSL_PARAM params[2];
	size_t digest_len = strlen(digest);
	int r = MFA_ERR_INTERNAL;

	if (digest_len >= sizeof(digest_name))
		goto out;
	memcpy(digest_name, digest, digest_len + 1);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0);
	params[1] = OSSL_PARAM_construct_end();

	mac_ctx = EVP_MAC_CTX_new(ctx->mac);
	if (mac_ctx == NULL)
		goto out;

	if (EVP_MAC_init(mac_ctx, key, key_len, params) != 1)
		goto out;

	*ret_mac_ctx = mac_ctx;
	mac_ctx = NULL;
	r = MFA_OK;
out:
	EVP_MAC_CTX_free(mac_ctx);
	return r;
}

/* Return 10^digits, the modulus that keeps the last digits of a HOTP value. */
static uint32_t
otp_modulus(unsigned digits)
{
	uint32_t modulus = 1;

	for (unsigned i = 0; i < digits; i++)
		modulus *= 10;

	return modulus;
}

MFA_API int
mfa_otp_new(const mfa_ctx_t *ctx, mfa_otp_alg_t alg, const uint8_t *key, size_t key_len,
    unsigned digits, mfa_otp_t **ret_otp)
{
	const struct otp_alg_info *info = otp_alg_lookup(alg);
	mfa_otp_t *otp = NULL;
	int r = MFA_ERR_INTERNAL;

	if (ctx == NULL || key == NULL || ret_otp == NULL || key_len == 0 ||
	    key_len > MFA_OTP_KEY_MAX || digits < MFA_OTP_DIGITS_MIN ||
	    digits > MFA_OTP_DIGITS_MAX) {
		r = MFA_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if (info == NULL) {
		r = MFA_ERR_UNSUPPORTED;
		goto out;
	}

	otp = calloc(1, sizeof(*otp));
	if (otp == NULL) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	memcpy(otp->key, key, key_len);
	otp->key_len = key_len;
	otp->mac_len = info->mac_len;
	otp->alg = alg;
	otp->digits = digits;
	otp->modulus = otp_modulus(digits);

	r = otp_mac_ctx_new(ctx, info->name, key, key_len, &otp->mac_ctx);
	if (r != MFA_OK)
		goto out;

	*ret_otp = otp;
	otp = NULL;
	r = MFA_OK;
out:
	mfa_otp_free(&otp);
	return r;
}

MFA_API void
mfa_otp_free(mfa_otp_t **otp)
{
	if (otp == NULL || *otp == NULL)
		return;

	EVP_MAC_CTX_free((*otp)->mac_ctx);
	mfa_free_secret(*otp, sizeof(**otp));
	*otp = NULL;
}

MFA_API unsigned
mfa_otp_digits(const mfa_otp_t *otp)
{
	return otp != NULL ? otp->digits : 0;
}

/*
 * Compute the HOTP value for counter: HMAC of the 8-byte big-endian counter,
 * dynamic truncation to 31 bits (RFC 4226 section 5.3), then modulo 10^digits.
 */
static int
otp_hotp_value(mfa_otp_t *otp, uint64_t counter, uint32_t *ret_value)
{
	uint8_t msg[8];
	uint8_t mac[OTP_MAC_MAX];
	size_t mac_len = 0;
	unsigned offset;
	uint32_t bin;
	int r = MFA_ERR_INTERNAL;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(counter >> (8 * (sizeof(msg) - 1 - i)));

	/* A NULL key reuses the key set in mfa_otp_new(), so no key schedule runs here. */
	if (EVP_MAC_init(otp->mac_ctx, NULL, 0, NULL) != 1)
		goto out;
	if (EVP_MAC_update(otp->mac_ctx, msg, sizeof(msg)) != 1)
		goto out;
	if (EVP_MAC_final(otp->mac_ctx, mac, &mac_len, sizeof(mac)) != 1)
		goto out;
	if (mac_len != otp->mac_len)
		goto out;

	offset = mac[mac_len - 1] & 0x0fu;
	bin = (uint32_t)(mac[offset] & 0x7fu) << 24 |
	    (uint32_t)mac[offset + 1] << 16 |
	    (uint32_t)mac[offset + 2] << 8 |
	    (uint32_t)mac[offset + 3];
	*ret_value = bin % otp->modulus;
	r = MFA_OK;
out:
	mfa_memzero(mac, sizeof(mac));
	return r;
}

/* Write value as exactly digits decimal digits, zero-padded, and a NUL. */
static void
otp_format(uint32_t value, unsigned digits, char out[MFA_OTP_CODE_SIZE])
{
	out[digits] = '\0';
	for (unsigned i = digits; i > 0; i--) {
		out[i - 1] = (char)('0' + value % 10);
		value /= 10;
	}
}

MFA_API int
mfa_hotp_generate(mfa_otp_t *otp, uint64_t counter, char out[MFA_OTP_CODE_SIZE])
{
	uint32_t value = 0;
	int r = MFA_ERR_INTERNAL;

	if (otp == NULL || out == NULL) {
		r = MFA_ERR_INVALID_ARGUMENT;
		goto out;
	}

	r = otp_hotp_value(otp, counter, &value);
	if (r != MFA_OK)
		goto out;

	otp_format(value, otp->digits, out);
	r = MFA_OK;
out:
	return r;
}

MFA_API int
mfa_totp_step(int64_t now, unsigned period, uint64_t *ret_step)
{
	if (ret_step == NULL || period == 0)
		return MFA_ERR_INVALID_ARGUMENT;
	if (now < 0)
		return MFA_ERR_TIME_BEFORE_EPOCH;

	*ret_step = (uint64_t)now / period;
	return MFA_OK;
}

MFA_API int
mfa_totp_generate(mfa_otp_t *otp, int64_t now, unsigned period, char out[MFA_OTP_CODE_SIZE])
{
	uint64_t step = 0;
	int r = MFA_ERR_INTERNAL;

	r = mfa_totp_step(now, period, &step);
	if (r != MFA_OK)
		goto out;

	r = mfa_hotp_generate(otp, step, out);
out:
	return r;
}

/* Tell whether code is exactly digits ASCII digits. No byte past the first non-digit is read. */
static bool
otp_code_is_wellformed(const char *code, unsigned digits)
{
	for (unsigned i = 0; i < digits; i++) {
		if (code[i] < '0' || code[i] > '9')
			return false;
	}

	return code[digits] == '\0';
}

MFA_API int
mfa_totp_verify(mfa_otp_t *otp, const char *code, int64_t now, unsigned period,
    unsigned window, uint64_t *ret_step)
{
	char expected[MFA_OTP_CODE_SIZE];
	uint64_t step = 0, first, last;
	uint64_t found = 0; /* all ones once any step matched */
	uint64_t latest = 0;
	int r = MFA_ERR_INTERNAL;

	if (otp == NULL || code == NULL || ret_step == NULL || window > MFA_TOTP_WINDOW_MAX) {
		r = MFA_ERR_INVALID_ARGUMENT;
		goto out;
	}

	r = mfa_totp_step(now, period, &step);
	if (r != MFA_OK)
		goto out;

	if (!otp_code_is_wellformed(code, otp->digits)) {
		r = MFA_ERR_VERIFY_FAILED;
		goto out;
	}

	/*
	 * step <= INT64_MAX, so step + window cannot wrap. Steps before 0 do
	 * not exist and are skipped. Every step is computed and compared with
	 * no branch on the result, so timing does not depend on which matched.
	 */
	first = step >= window ? step - window : 0;
	last = step + window;
	for (uint64_t s = first; s <= last; s++) {
		uint32_t value = 0;
		uint64_t mask;

		r = otp_hotp_value(otp, s, &value);
		if (r != MFA_OK)
			goto out;
		otp_format(value, otp->digits, expected);

		mask = (uint64_t)0 - (uint64_t)(mfa_memcmp_ct(expected, code, otp->digits) == 0);
		latest = (latest & ~mask) | (s & mask);
		found |= mask;
	}

	if (found == 0) {
		r = MFA_ERR_VERIFY_FAILED;
		goto out;
	}

	*ret_step = latest;
	r = MFA_OK;
out:
	mfa_memzero(expected, sizeof(expected));
	return r;
}

MFA_API int
mfa_otp_secret_generate(uint8_t secret[MFA_OTP_SECRET_LEN])
{
	return mfa_random_bytes(secret, MFA_OTP_SECRET_LEN);
}

MFA_API const char *
mfa_otp_alg_name(mfa_otp_alg_t alg)
{
	const struct otp_alg_info *info = otp_alg_lookup(alg);

	return info != NULL ? info->name : NULL;
}

MFA_API int
mfa_otp_alg_parse(const char *name, mfa_otp_alg_t *ret_alg)
{
	const char *bits;

	if (name == NULL || ret_alg == NULL)
		return MFA_ERR_INVALID_ARGUMENT;

	if (strncasecmp(name, "SHA", 3) != 0)
		return MFA_ERR_UNSUPPORTED;
	bits = name + 3;
	if (*bits == '-')
		bits++;

	/* Compare what follows "SHA" in both names: "1", "256" or "512". */
	for (size_t i = 0; i < sizeof(otp_algs) / sizeof(otp_algs[0]); i++) {
		if (strcmp(bits, otp_algs[i].name + 3) == 0) { /* not secret */
			*ret_alg = (mfa_otp_alg_t)i;
			return MFA_OK;
		}
	}

	return MFA_ERR_UNSUPPORTED;
}
