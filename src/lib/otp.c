/* SPDX-License-Identifier: MIT */
/* HOTP (RFC 4226) and TOTP (RFC 6238) on HMAC hash states computed once per key. */
/*
 * OpenSSL 3 marks the SHA1_*, SHA256_* and SHA512_* functions deprecated
 * but still ships them. They are the only interface that exposes a hash
 * state as a plain struct, so the HMAC key blocks are hashed once and each
 * step costs two SHA*_Transform() calls. Through EVP_MAC, a 3-step TOTP
 * check took about 2.4 times as much CPU time (docs/benchmarks.md).
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include "internal.h"

#define OTP_MAC_MAX 64        /* bytes of HMAC-SHA512 output, the longest */
#define OTP_BLOCK_MAX 128     /* bytes of a SHA-512 block, the longest */
#define OTP_HOTP_MSG_LEN 8    /* bytes of the big-endian counter HOTP signs */

struct otp_alg_info {
	const char *name;  /* OpenSSL digest name, also the otpauth:// spelling */
	size_t mac_len;    /* bytes */
	size_t block_len;  /* bytes of the hash's input block, the HMAC key block */
};

static const struct otp_alg_info otp_algs[] = {
	[MFA_OTP_SHA1] = { "SHA1", 20, 64 },
	[MFA_OTP_SHA256] = { "SHA256", 32, 64 },
	[MFA_OTP_SHA512] = { "SHA512", 64, 128 },
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

/* Start a hash state for alg and feed it len bytes. */
static void
otp_hash_begin(mfa_otp_alg_t alg, union otp_hash_state *h, const uint8_t *data, size_t len)
{
	switch (alg) {
	case MFA_OTP_SHA1:
		SHA1_Init(&h->sha1);
		SHA1_Update(&h->sha1, data, len);
		break;
	case MFA_OTP_SHA256:
		SHA256_Init(&h->sha256);
		SHA256_Update(&h->sha256, data, len);
		break;
	case MFA_OTP_SHA512:
		SHA512_Init(&h->sha512);
		SHA512_Update(&h->sha512, data, len);
		break;
	}
}

/*
 * Working memory of HMAC computations, derived from the key. Callers wipe
 * it once when done instead of after every step, because wiping costs as
 * much as a SHA-1 compression here.
 *
 * HOTP's 8-byte counter and every inner digest fit in one block together
 * with the padding and the bit length (FIPS 180-4 section 5.1). So each
 * hash after the key block is one compression of a block that
 * otp_scratch_init() pads once: a step only writes its counter into
 * inner_block and the inner digest into outer_block.
 */
struct otp_scratch {
	union otp_hash_state h;
	uint8_t inner_block[OTP_BLOCK_MAX]; /* the counter, then padding */
	uint8_t outer_block[OTP_BLOCK_MAX]; /* the inner digest, then padding */
	uint8_t mac[OTP_MAC_MAX];
};

static void
otp_store_be32(uint8_t *out, uint32_t v)
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

static void
otp_store_be64(uint8_t *out, uint64_t v)
{
	otp_store_be32(out, (uint32_t)(v >> 32));
	otp_store_be32(out + 4, (uint32_t)v);
}

/* Pad block for len message bytes that follow one key block of block_len bytes. */
static void
otp_pad_block(uint8_t *block, size_t block_len, size_t len)
{
	memset(block, 0, block_len);
	block[len] = 0x80;
	otp_store_be64(block + block_len - 8, (uint64_t)(block_len + len) * 8);
}

static void
otp_scratch_init(const mfa_otp_t *otp, struct otp_scratch *sc)
{
	const struct otp_alg_info *info = &otp_algs[otp->alg];

	otp_pad_block(sc->inner_block, info->block_len, OTP_HOTP_MSG_LEN);
	otp_pad_block(sc->outer_block, info->block_len, info->mac_len);
}

/* Compress block into a copy of state and write the digest to out. */
static void
otp_hash_block(mfa_otp_alg_t alg, const union otp_hash_state *state, const uint8_t *block,
    union otp_hash_state *h, uint8_t *out)
{
	switch (alg) {
	case MFA_OTP_SHA1:
		h->sha1 = state->sha1;
		SHA1_Transform(&h->sha1, block);
		otp_store_be32(out, h->sha1.h0);
		otp_store_be32(out + 4, h->sha1.h1);
		otp_store_be32(out + 8, h->sha1.h2);
		otp_store_be32(out + 12, h->sha1.h3);
		otp_store_be32(out + 16, h->sha1.h4);
		break;
	case MFA_OTP_SHA256:
		h->sha256 = state->sha256;
		SHA256_Transform(&h->sha256, block);
		for (size_t i = 0; i < 8; i++)
			otp_store_be32(out + 4 * i, h->sha256.h[i]);
		break;
	case MFA_OTP_SHA512:
		h->sha512 = state->sha512;
		SHA512_Transform(&h->sha512, block);
		for (size_t i = 0; i < 8; i++)
			otp_store_be64(out + 8 * i, h->sha512.h[i]);
		break;
	}
}

/*
 * Hash the key blocks of HMAC (RFC 2104) once: the states after key ^ ipad
 * and key ^ opad. A key longer than a block is replaced by its hash first.
 */
static int
otp_hmac_keys(mfa_otp_t *otp, const struct otp_alg_info *info, const uint8_t *key,
    size_t key_len)
{
	uint8_t block[OTP_BLOCK_MAX];
	uint8_t pad[OTP_BLOCK_MAX];
	unsigned int hashed_len = 0;
	int r = MFA_ERR_INTERNAL;

	memset(block, 0, sizeof(block));
	if (key_len > info->block_len) {
		if (EVP_Digest(key, key_len, block, &hashed_len, EVP_get_digestbyname(info->name),
		    NULL) != 1 || hashed_len != info->mac_len)
			goto out;
	} else {
		memcpy(block, key, key_len);
	}

	for (size_t i = 0; i < info->block_len; i++)
		pad[i] = block[i] ^ 0x36u;
	otp_hash_begin(otp->alg, &otp->inner, pad, info->block_len);

	for (size_t i = 0; i < info->block_len; i++)
		pad[i] = block[i] ^ 0x5cu;
	otp_hash_begin(otp->alg, &otp->outer, pad, info->block_len);
	r = MFA_OK;
out:
	mfa_memzero(block, sizeof(block));
	mfa_memzero(pad, sizeof(pad));
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
	otp->mac_len = info->mac_len;
	otp->alg = alg;
	otp->digits = digits;
	otp->modulus = otp_modulus(digits);

	r = otp_hmac_keys(otp, info, key, key_len);
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
static void
otp_hotp_value(const mfa_otp_t *otp, uint64_t counter, struct otp_scratch *sc,
    uint32_t *ret_value)
{
	const uint8_t *mac = sc->mac;
	size_t mac_len = otp->mac_len;
	unsigned offset;
	uint32_t bin;

	/* HMAC = H(key ^ opad || H(key ^ ipad || counter)), from the two states kept per key. */
	otp_store_be64(sc->inner_block, counter);
	otp_hash_block(otp->alg, &otp->inner, sc->inner_block, &sc->h, sc->outer_block);
	otp_hash_block(otp->alg, &otp->outer, sc->outer_block, &sc->h, sc->mac);

	offset = mac[mac_len - 1] & 0x0fu;
	bin = (uint32_t)(mac[offset] & 0x7fu) << 24 |
	    (uint32_t)mac[offset + 1] << 16 |
	    (uint32_t)mac[offset + 2] << 8 |
	    (uint32_t)mac[offset + 3];
	*ret_value = bin % otp->modulus;
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
	struct otp_scratch sc;
	uint32_t value = 0;

	if (otp == NULL || out == NULL)
		return MFA_ERR_INVALID_ARGUMENT;

	otp_scratch_init(otp, &sc);
	otp_hotp_value(otp, counter, &sc, &value);
	mfa_memzero(&sc, sizeof(sc));
	otp_format(value, otp->digits, out);
	return MFA_OK;
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
	struct otp_scratch sc;
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
	otp_scratch_init(otp, &sc);
	for (uint64_t s = first; s <= last; s++) {
		uint32_t value = 0;
		uint64_t mask;

		otp_hotp_value(otp, s, &sc, &value);
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
	mfa_memzero(&sc, sizeof(sc));
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
