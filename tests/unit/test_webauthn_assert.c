/* SPDX-License-Identifier: MIT */
/*
 * mfa_webauthn_assertion_verify() against assertions signed by the software
 * authenticator: every algorithm verifies, and an assertion that breaks one
 * step fails with that step's code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mfa/cose.h>
#include <mfa/err.h>
#include <mfa/webauthn.h>

#include "softauthn.h"

#define RP_ID "example.com"
#define ORIGIN "https://example.com"

static const uint8_t challenge[16] = {
	0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
};
static const char *const origins[] = { ORIGIN };
static const char *const top_origins[] = { "https://portal.example.org" };
static const int all_algs[] = { -7, -8, -35, -36, -37, -257 };
#define ALGS_COUNT (sizeof(all_algs) / sizeof(all_algs[0]))

static softauthn_key_t *keys[ALGS_COUNT];
static mfa_cose_key_t *cose_keys[ALGS_COUNT]; /* the stored public keys */
static softauthn_key_t *other_key;

static int
group_setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < ALGS_COUNT; i++) {
		softauthn_buf_t cose = { 0 };

		keys[i] = softauthn_key_new(all_algs[i]);
		softauthn_key_cose(keys[i], NULL, &cose);
		if (mfa_cose_key_parse(cose.data, cose.len, &cose_keys[i]) != MFA_OK)
			return -1;
		softauthn_buf_free(&cose);
	}
	other_key = softauthn_key_new(-7);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < ALGS_COUNT; i++) {
		softauthn_key_free(keys[i]);
		mfa_cose_key_free(&cose_keys[i]);
	}
	softauthn_key_free(other_key);
	return 0;
}

static void
opts_init(mfa_webauthn_assertion_options_t *o, size_t key_index)
{
	memset(o, 0, sizeof(*o));
	o->ceremony.challenge = challenge;
	o->ceremony.challenge_len = sizeof(challenge);
	o->ceremony.rp_id = RP_ID;
	o->ceremony.origins = origins;
	o->ceremony.origins_count = 1;
	o->ceremony.top_origins = top_origins;
	o->ceremony.top_origins_count = 1;
	o->key = cose_keys[key_index];
	o->stored_sign_count = 0;
	o->stored_backup_eligible = false;
}

static void
as_init(softauthn_assert_t *as, size_t key_index)
{
	softauthn_assert_init(as, keys[key_index], RP_ID, ORIGIN, challenge, sizeof(challenge));
}

/* Verify out under o; the result must be untouched on failure. */
static int
verify_out(const mfa_webauthn_assertion_options_t *o, const softauthn_assert_out_t *out,
    mfa_webauthn_assertion_result_t *ret)
{
	mfa_webauthn_assertion_result_t res, before;
	int r;

	memset(&res, 0xa5, sizeof(res));
	before = res;
	r = mfa_webauthn_assertion_verify(o, out->client_data_json.data, out->client_data_json.len,
	    out->auth_data.data, out->auth_data.len, out->sig.data, out->sig.len, &res);
	if (r != MFA_OK)
		assert_memory_equal(&res, &before, sizeof(res));
	else if (ret != NULL)
		*ret = res;
	return r;
}

static int
verify_with(const softauthn_assert_t *as, const mfa_webauthn_assertion_options_t *o)
{
	softauthn_assert_out_t out;
	int r;

	softauthn_assert_build(as, &out);
	r = verify_out(o, &out, NULL);
	softauthn_assert_out_free(&out);
	return r;
}

/* Build the default ES256 assertion and verify it under default options. */
static int
verify(const softauthn_assert_t *as)
{
	mfa_webauthn_assertion_options_t o;

	opts_init(&o, 0);
	return verify_with(as, &o);
}

static void
assert_every_alg(void **state)
{
	(void)state;

	for (size_t i = 0; i < ALGS_COUNT; i++) {
		mfa_webauthn_assertion_options_t o;
		mfa_webauthn_assertion_result_t res;
		softauthn_assert_t as;
		softauthn_assert_out_t out;

		as_init(&as, i);
		as.auth_data.sign_count = 42;
		opts_init(&o, i);
		o.stored_sign_count = 41;
		softauthn_assert_build(&as, &out);
		if (verify_out(&o, &out, &res) != MFA_OK)
			fail_msg("alg %d: assertion did not verify", all_algs[i]);
		assert_int_equal(res.sign_count, 42);
		assert_int_equal(res.flags, MFA_WEBAUTHN_FLAG_UP | MFA_WEBAUTHN_FLAG_UV);
		softauthn_assert_out_free(&out);
	}
}

/* Flip one bit of one of the three signed parts, for every algorithm. */
static void
assert_one_bit_changed(void **state)
{
	(void)state;

	for (size_t i = 0; i < ALGS_COUNT; i++) {
		mfa_webauthn_assertion_options_t o;
		softauthn_assert_t as;
		softauthn_assert_out_t out;
		size_t text;

		as_init(&as, i);
		opts_init(&o, i);
		softauthn_assert_build(&as, &out);

		out.sig.data[out.sig.len / 2] ^= 0x10;
		assert_int_equal(verify_out(&o, &out, NULL), MFA_ERR_WEBAUTHN_SIGNATURE);
		out.sig.data[out.sig.len / 2] ^= 0x10;

		/* The sign count's low byte: only the signature notices. */
		out.auth_data.data[36] ^= 0x02;
		assert_int_equal(verify_out(&o, &out, NULL), MFA_ERR_WEBAUTHN_SIGNATURE);
		out.auth_data.data[36] ^= 0x02;

		/* A letter of the filler member: still valid JSON with the same members. */
		text = (size_t)(strstr((char *)out.client_data_json.data, "template") -
		    (char *)out.client_data_json.data);
		out.client_data_json.data[text] ^= 0x01;
		assert_int_equal(verify_out(&o, &out, NULL), MFA_ERR_WEBAUTHN_SIGNATURE);
		out.client_data_json.data[text] ^= 0x01;

		assert_int_equal(verify_out(&o, &out, NULL), MFA_OK);
		softauthn_assert_out_free(&out);
	}
}

static void
assert_signed_by_other_key(void **state)
{
	softauthn_assert_t as;

	(void)state;
	as_init(&as, 0);
	as.key = other_key;
	assert_int_equal(verify(&as), MFA_ERR_WEBAUTHN_SIGNATURE);
}

static void
assert_malformed_der(void **state)
{
	mfa_webauthn_assertion_options_t o;
	mfa_webauthn_assertion_result_t res;
	softauthn_assert_t as;
	softauthn_assert_out_t out;

	(void)state;
	as_init(&as, 0);
	opts_init(&o, 0);
	softauthn_assert_build(&as, &out);

	/* SEQUENCE length one more than the bytes that follow. */
	out.sig.data[1]++;
	assert_int_equal(verify_out(&o, &out, NULL), MFA_ERR_WEBAUTHN_SIGNATURE);
	out.sig.data[1]--;

	/* A trailing byte after the DER SEQUENCE. */
	softauthn_buf_append(&out.sig, "", 1);
	assert_int_equal(verify_out(&o, &out, NULL), MFA_ERR_WEBAUTHN_SIGNATURE);
	out.sig.len--;

	/* An empty signature is the client's fault, not the caller's. */
	assert_int_equal(mfa_webauthn_assertion_verify(&o, out.client_data_json.data,
	    out.client_data_json.len, out.auth_data.data, out.auth_data.len, out.sig.data, 0, &res),
	    MFA_ERR_WEBAUTHN_SIGNATURE);

	/* Raw r || s instead of DER. */
	out.sig.data[0] = 0x00;
	assert_int_equal(verify_out(&o, &out, NULL), MFA_ERR_WEBAUTHN_SIGNATURE);
	softauthn_assert_out_free(&out);
}

static void
assert_sign_count(void **state)
{
	mfa_webauthn_assertion_options_t o;
	softauthn_assert_t as;

	(void)state;
	as_init(&as, 0);
	opts_init(&o, 0);

	as.auth_data.sign_count = 10;
	o.stored_sign_count = 10;
	assert_int_equal(verify_with(&as, &o), MFA_ERR_WEBAUTHN_SIGN_COUNT);
	o.stored_sign_count = 11;
	assert_int_equal(verify_with(&as, &o), MFA_ERR_WEBAUTHN_SIGN_COUNT);
	o.stored_sign_count = 9;
	assert_int_equal(verify_with(&as, &o), MFA_OK);

	/* An authenticator without a counter: 0 after 0 is fine, 0 after 5 is not. */
	as.auth_data.sign_count = 0;
	o.stored_sign_count = 0;
	assert_int_equal(verify_with(&as, &o), MFA_OK);
	o.stored_sign_count = 5;
	assert_int_equal(verify_with(&as, &o), MFA_ERR_WEBAUTHN_SIGN_COUNT);

	as.auth_data.sign_count = UINT32_MAX;
	o.stored_sign_count = UINT32_MAX - 1;
	assert_int_equal(verify_with(&as, &o), MFA_OK);
}

static void
assert_backup_eligibility(void **state)
{
	mfa_webauthn_assertion_options_t o;
	softauthn_assert_t as;

	(void)state;
	as_init(&as, 0);
	opts_init(&o, 0);

	as.auth_data.flags |= MFA_WEBAUTHN_FLAG_BE;
	assert_int_equal(verify_with(&as, &o), MFA_ERR_WEBAUTHN_BACKUP_ELIGIBILITY_CHANGED);
	o.stored_backup_eligible = true;
	assert_int_equal(verify_with(&as, &o), MFA_OK);
	as.auth_data.flags |= MFA_WEBAUTHN_FLAG_BS;
	assert_int_equal(verify_with(&as, &o), MFA_OK);

	as.auth_data.flags &= (uint8_t)~(MFA_WEBAUTHN_FLAG_BE | MFA_WEBAUTHN_FLAG_BS);
	assert_int_equal(verify_with(&as, &o), MFA_ERR_WEBAUTHN_BACKUP_ELIGIBILITY_CHANGED);

	/* BS without BE is its own step. */
	as.auth_data.flags |= MFA_WEBAUTHN_FLAG_BS;
	o.stored_backup_eligible = false;
	assert_int_equal(verify_with(&as, &o), MFA_ERR_WEBAUTHN_BACKUP_STATE);
}

static void
assert_client_data_steps(void **state)
{
	static const char *const bad_origins[] = {
		"https://evil.example", "http://example.com", "https://example.com:444",
		"https://www.example.com",
	};
	uint8_t other[sizeof(challenge)];
	mfa_webauthn_assertion_options_t o;
	softauthn_assert_t as;

	(void)state;
	as_init(&as, 0);
	as.client_data.type = "webauthn.create";
	assert_int_equal(verify(&as), MFA_ERR_WEBAUTHN_TYPE);

	as_init(&as, 0);
	memcpy(other, challenge, sizeof(other));
	other[0] ^= 0x80;
	as.client_data.challenge = other;
	assert_int_equal(verify(&as), MFA_ERR_WEBAUTHN_CHALLENGE);

	for (size_t i = 0; i < sizeof(bad_origins) / sizeof(bad_origins[0]); i++) {
		as_init(&as, 0);
		as.client_data.origin = bad_origins[i];
		if (verify(&as) != MFA_ERR_WEBAUTHN_ORIGIN)
			fail_msg("origin %s was not rejected", bad_origins[i]);
	}

	as_init(&as, 0);
	as.client_data.token_binding = "present";
	assert_int_equal(verify(&as), MFA_ERR_WEBAUTHN_TOKEN_BINDING);

	as_init(&as, 0);
	as.client_data.cross_origin = 1;
	assert_int_equal(verify(&as), MFA_ERR_WEBAUTHN_CROSS_ORIGIN);
	opts_init(&o, 0);
	o.ceremony.allow_cross_origin = true;
	as.client_data.top_origin = "https://evil.example";
	assert_int_equal(verify_with(&as, &o), MFA_ERR_WEBAUTHN_TOP_ORIGIN);
	as.client_data.top_origin = "https://portal.example.org";
	assert_int_equal(verify_with(&as, &o), MFA_OK);
}

static void
assert_auth_data_steps(void **state)
{
	mfa_webauthn_assertion_options_t o;
	softauthn_assert_t as;
	softauthn_buf_t ext = { 0 };

	(void)state;
	as_init(&as, 0);
	as.auth_data.rp_id = "example.org";
	assert_int_equal(verify(&as), MFA_ERR_WEBAUTHN_RP_ID_HASH);

	as_init(&as, 0);
	as.auth_data.flags &= (uint8_t)~MFA_WEBAUTHN_FLAG_UP;
	assert_int_equal(verify(&as), MFA_ERR_WEBAUTHN_USER_PRESENT);

	as_init(&as, 0);
	as.auth_data.flags &= (uint8_t)~MFA_WEBAUTHN_FLAG_UV;
	assert_int_equal(verify(&as), MFA_OK);
	opts_init(&o, 0);
	o.ceremony.require_user_verification = true;
	assert_int_equal(verify_with(&as, &o), MFA_ERR_WEBAUTHN_USER_VERIFIED);

	as_init(&as, 0);
	as.auth_data.trailing = 1;
	assert_int_equal(verify(&as), MFA_ERR_MALFORMED_AUTH_DATA);

	softauthn_cbor_map(&ext, 1);
	softauthn_cbor_text(&ext, "appid");
	softauthn_cbor_bool(&ext, true);
	as_init(&as, 0);
	as.auth_data.flags |= MFA_WEBAUTHN_FLAG_ED;
	as.auth_data.extensions = ext.data;
	as.auth_data.extensions_len = ext.len;
	assert_int_equal(verify(&as), MFA_ERR_WEBAUTHN_EXTENSIONS);
	softauthn_buf_free(&ext);
}

static void
assert_invalid_arguments(void **state)
{
	mfa_webauthn_assertion_options_t o;
	mfa_webauthn_assertion_result_t res;
	const uint8_t x = 0;

	(void)state;
	opts_init(&o, 0);
	assert_int_equal(mfa_webauthn_assertion_verify(NULL, &x, 1, &x, 1, &x, 1, &res),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_webauthn_assertion_verify(&o, &x, 1, &x, 1, NULL, 1, &res),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_webauthn_assertion_verify(&o, &x, 1, &x, 1, &x, 1, NULL),
	    MFA_ERR_INVALID_ARGUMENT);
	o.key = NULL;
	assert_int_equal(mfa_webauthn_assertion_verify(&o, &x, 1, &x, 1, &x, 1, &res),
	    MFA_ERR_INVALID_ARGUMENT);
	opts_init(&o, 0);
	o.ceremony.rp_id = NULL;
	assert_int_equal(mfa_webauthn_assertion_verify(&o, &x, 1, &x, 1, &x, 1, &res),
	    MFA_ERR_INVALID_ARGUMENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(assert_every_alg),
		cmocka_unit_test(assert_one_bit_changed),
		cmocka_unit_test(assert_signed_by_other_key),
		cmocka_unit_test(assert_malformed_der),
		cmocka_unit_test(assert_sign_count),
		cmocka_unit_test(assert_backup_eligibility),
		cmocka_unit_test(assert_client_data_steps),
		cmocka_unit_test(assert_auth_data_steps),
		cmocka_unit_test(assert_invalid_arguments),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
