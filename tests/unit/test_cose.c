/* SPDX-License-Identifier: MIT */
/* COSE key parsing and verification against keys and signatures made by OpenSSL in softauthn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mfa/cose.h>
#include <mfa/err.h>

#include "softauthn.h"

static const int all_algs[] = { -7, -8, -35, -36, -37, -257 };
#define ALGS_COUNT (sizeof(all_algs) / sizeof(all_algs[0]))

static softauthn_key_t *keys[ALGS_COUNT];

static int
group_setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < ALGS_COUNT; i++)
		keys[i] = softauthn_key_new(all_algs[i]);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < ALGS_COUNT; i++)
		softauthn_key_free(keys[i]);
	return 0;
}

/* Encode key i with knobs and parse it; return the code and free any key made. */
static int
parse_knobs(size_t i, const softauthn_cose_knobs_t *knobs)
{
	softauthn_buf_t cose = { 0 };
	mfa_cose_key_t *key = NULL;
	int r;

	softauthn_key_cose(keys[i], knobs, &cose);
	r = mfa_cose_key_parse(cose.data, cose.len, &key);
	if (r != MFA_OK)
		assert_null(key);
	mfa_cose_key_free(&key);
	softauthn_buf_free(&cose);
	return r;
}

static int
parse_bytes(const softauthn_buf_t *cbor)
{
	mfa_cose_key_t *key = NULL;
	int r = mfa_cose_key_parse(cbor->data, cbor->len, &key);

	mfa_cose_key_free(&key);
	return r;
}

static void
cose_sign_verify_every_alg(void **state)
{
	static const uint8_t msg[] = "message signed by softauthn";

	(void)state;
	for (size_t i = 0; i < ALGS_COUNT; i++) {
		softauthn_buf_t cose = { 0 }, sig = { 0 };
		mfa_cose_key_t *key = NULL;

		softauthn_key_cose(keys[i], NULL, &cose);
		assert_int_equal(mfa_cose_key_parse(cose.data, cose.len, &key), MFA_OK);
		assert_int_equal(mfa_cose_key_alg(key), all_algs[i]);

		softauthn_sign(keys[i], msg, sizeof(msg), &sig);
		assert_int_equal(mfa_cose_key_verify(key, msg, sizeof(msg), sig.data, sig.len), MFA_OK);
		assert_int_equal(mfa_cose_key_verify(key, msg, sizeof(msg) - 1, sig.data, sig.len),
		    MFA_ERR_VERIFY_FAILED);
		sig.data[sig.len - 1] ^= 0x40;
		assert_int_equal(mfa_cose_key_verify(key, msg, sizeof(msg), sig.data, sig.len),
		    MFA_ERR_VERIFY_FAILED);
		assert_int_equal(mfa_cose_key_verify(key, msg, sizeof(msg), sig.data, 1),
		    MFA_ERR_VERIFY_FAILED);

		mfa_cose_key_free(&key);
		assert_null(key);
		softauthn_buf_free(&cose);
		softauthn_buf_free(&sig);
	}
}

/* A key labelled with another algorithm of the same key type, or of another type. */
static void
cose_alg_not_matching_key(void **state)
{
	softauthn_cose_knobs_t k = { 0 };

	(void)state;
	k.alg = -35; /* P-256 key as ES384 */
	assert_int_equal(parse_knobs(0, &k), MFA_ERR_COSE_KEY);
	k.alg = -36; /* P-384 key as ES512 */
	assert_int_equal(parse_knobs(2, &k), MFA_ERR_COSE_KEY);
	k.alg = -7;  /* Ed25519 key as ES256: kty OKP does not fit */
	assert_int_equal(parse_knobs(1, &k), MFA_ERR_COSE_KEY);
	k.alg = -8;  /* RSA key as EdDSA */
	assert_int_equal(parse_knobs(5, &k), MFA_ERR_COSE_KEY);
	k.alg = -999; /* unknown algorithm */
	assert_int_equal(parse_knobs(0, &k), MFA_ERR_UNSUPPORTED);

	/* RS256 and PS256 keys look alike: the label decides. */
	k.alg = -37;
	assert_int_equal(parse_knobs(5, &k), MFA_OK);
}

static void
cose_missing_members(void **state)
{
	static const struct {
		size_t key;
		int label;
	} cases[] = {
		{ 0, 1 }, { 0, 3 }, { 0, -1 }, { 0, -2 }, { 0, -3 },
		{ 1, -1 }, { 1, -2 }, { 5, -1 }, { 5, -2 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		softauthn_cose_knobs_t k = { 0 };

		k.drop_label = cases[i].label;
		if (parse_knobs(cases[i].key, &k) != MFA_ERR_COSE_KEY)
			fail_msg("alg %d without label %d was not rejected", all_algs[cases[i].key],
			    cases[i].label);
	}
}

static void
cose_point_not_on_curve(void **state)
{
	softauthn_cose_knobs_t k = { 0 };

	(void)state;
	k.corrupt_label = -3;
	assert_int_equal(parse_knobs(0, &k), MFA_ERR_COSE_KEY);
	assert_int_equal(parse_knobs(2, &k), MFA_ERR_COSE_KEY);
	assert_int_equal(parse_knobs(3, &k), MFA_ERR_COSE_KEY);
	k.corrupt_label = -2;
	assert_int_equal(parse_knobs(0, &k), MFA_ERR_COSE_KEY);
}

static void
cose_private_parts(void **state)
{
	softauthn_cose_knobs_t k = { 0 };

	(void)state;
	k.add_private = true;
	for (size_t i = 0; i < ALGS_COUNT; i++) {
		if (parse_knobs(i, &k) != MFA_ERR_COSE_KEY)
			fail_msg("alg %d with a private part was not rejected", all_algs[i]);
	}
}

/* Write an EC2 P-256 key by hand with the given coordinate lengths and curve. */
static void
write_ec2(softauthn_buf_t *b, int64_t crv, size_t x_len, size_t y_len)
{
	uint8_t coord[66];

	memset(coord, 0x11, sizeof(coord));
	softauthn_cbor_map(b, 5);
	softauthn_cbor_int(b, 1);
	softauthn_cbor_int(b, 2);
	softauthn_cbor_int(b, 3);
	softauthn_cbor_int(b, -7);
	softauthn_cbor_int(b, -1);
	softauthn_cbor_int(b, crv);
	softauthn_cbor_int(b, -2);
	softauthn_cbor_bytes(b, coord, x_len);
	softauthn_cbor_int(b, -3);
	softauthn_cbor_bytes(b, coord, y_len);
}

static void
cose_malformed_ec2(void **state)
{
	softauthn_buf_t b = { 0 };

	(void)state;
	write_ec2(&b, 1, 31, 32);
	assert_int_equal(parse_bytes(&b), MFA_ERR_COSE_KEY);
	softauthn_buf_free(&b);
	write_ec2(&b, 1, 32, 33);
	assert_int_equal(parse_bytes(&b), MFA_ERR_COSE_KEY);
	softauthn_buf_free(&b);

	/* crv P-384 under ES256. */
	write_ec2(&b, 2, 48, 48);
	assert_int_equal(parse_bytes(&b), MFA_ERR_COSE_KEY);
	softauthn_buf_free(&b);

	/* 0x11... is not a point on P-256. */
	write_ec2(&b, 1, 32, 32);
	assert_int_equal(parse_bytes(&b), MFA_ERR_COSE_KEY);
	softauthn_buf_free(&b);
}

static void
cose_malformed_cbor(void **state)
{
	softauthn_buf_t b = { 0 };
	mfa_cose_key_t *key = NULL;

	(void)state;
	softauthn_key_cose(keys[0], NULL, &b);
	assert_int_equal(mfa_cose_key_parse(b.data, b.len - 1, &key), MFA_ERR_MALFORMED_CBOR);
	softauthn_buf_append(&b, "", 1);
	assert_int_equal(mfa_cose_key_parse(b.data, b.len, &key), MFA_ERR_MALFORMED_CBOR);
	softauthn_buf_free(&b);

	/* A duplicate label. */
	softauthn_cbor_map(&b, 2);
	softauthn_cbor_int(&b, 1);
	softauthn_cbor_int(&b, 2);
	softauthn_cbor_int(&b, 1);
	softauthn_cbor_int(&b, 2);
	assert_int_equal(parse_bytes(&b), MFA_ERR_MALFORMED_CBOR);
	softauthn_buf_free(&b);

	/* Not a map. */
	softauthn_cbor_array(&b, 0);
	assert_int_equal(parse_bytes(&b), MFA_ERR_COSE_KEY);
	softauthn_buf_free(&b);

	/* kty 4 (symmetric) is not a public key type. */
	softauthn_cbor_map(&b, 2);
	softauthn_cbor_int(&b, 1);
	softauthn_cbor_int(&b, 4);
	softauthn_cbor_int(&b, 3);
	softauthn_cbor_int(&b, -7);
	assert_int_equal(parse_bytes(&b), MFA_ERR_UNSUPPORTED);
	softauthn_buf_free(&b);
	assert_null(key);
}

/* Write an RSA key with an n of n_len bytes (top bit set) and e = 65537. */
static void
write_rsa(softauthn_buf_t *b, size_t n_len, uint8_t e_last)
{
	static uint8_t n[1100];
	const uint8_t e[3] = { 0x01, 0x00, e_last };

	memset(n, 0xc5, sizeof(n));
	softauthn_cbor_map(b, 4);
	softauthn_cbor_int(b, 1);
	softauthn_cbor_int(b, 3);
	softauthn_cbor_int(b, 3);
	softauthn_cbor_int(b, -257);
	softauthn_cbor_int(b, -1);
	softauthn_cbor_bytes(b, n, n_len);
	softauthn_cbor_int(b, -2);
	softauthn_cbor_bytes(b, e, sizeof(e));
}

static void
cose_rsa_modulus_range(void **state)
{
	softauthn_buf_t b = { 0 };

	(void)state;
	write_rsa(&b, 255, 0x01); /* 2040 bits */
	assert_int_equal(parse_bytes(&b), MFA_ERR_COSE_KEY);
	softauthn_buf_free(&b);
	write_rsa(&b, 256, 0x01); /* 2048 bits */
	assert_int_equal(parse_bytes(&b), MFA_OK);
	softauthn_buf_free(&b);
	write_rsa(&b, 1025, 0x01); /* 8200 bits */
	assert_int_equal(parse_bytes(&b), MFA_ERR_COSE_KEY);
	softauthn_buf_free(&b);
	write_rsa(&b, 256, 0x00); /* even exponent */
	assert_int_equal(parse_bytes(&b), MFA_ERR_COSE_KEY);
	softauthn_buf_free(&b);
}

static void
cose_invalid_arguments(void **state)
{
	mfa_cose_key_t *key = NULL;
	uint8_t big[MFA_COSE_KEY_MAX + 1];
	uint8_t x = 0;

	(void)state;
	memset(big, 0, sizeof(big));
	assert_int_equal(mfa_cose_key_parse(NULL, 1, &key), MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_cose_key_parse(&x, 0, &key), MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_cose_key_parse(&x, 1, NULL), MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_cose_key_parse(big, sizeof(big), &key), MFA_ERR_TOO_LARGE);
	assert_int_equal(mfa_cose_key_verify(NULL, &x, 1, &x, 1), MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_cose_key_alg(NULL), 0);
	mfa_cose_key_free(NULL);
	mfa_cose_key_free(&key);
	assert_null(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cose_sign_verify_every_alg),
		cmocka_unit_test(cose_alg_not_matching_key),
		cmocka_unit_test(cose_missing_members),
		cmocka_unit_test(cose_point_not_on_curve),
		cmocka_unit_test(cose_private_parts),
		cmocka_unit_test(cose_malformed_ec2),
		cmocka_unit_test(cose_malformed_cbor),
		cmocka_unit_test(cose_rsa_modulus_range),
		cmocka_unit_test(cose_invalid_arguments),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
