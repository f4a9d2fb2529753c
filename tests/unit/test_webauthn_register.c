/* SPDX-License-Identifier: MIT */
/*
 * mfa_webauthn_registration_verify() against responses from the software
 * authenticator: each supported algorithm and format verifies, and a
 * response that breaks one step fails with that step's code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/bn.h>

#include <mfa/err.h>
#include <mfa/webauthn.h>

#include "softauthn.h"

#define RP_ID "example.com"
#define ORIGIN "https://example.com"
#define DAY 86400

static const uint8_t challenge[32] = {
	0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f,
	0x01, 0x12, 0x23, 0x34, 0x45, 0x56, 0x67, 0x78, 0x89, 0x9a, 0xab, 0xbc, 0xcd, 0xde, 0xef, 0xf0,
};
static const char *const origins[] = { ORIGIN, "https://login.example.com" };
static const char *const top_origins[] = { "https://portal.example.org" };
static const char *const requested_extensions[] = { "credProtect" };
static const int all_algs[] = { -7, -8, -35, -36, -37, -257 };
static const int algs_count = sizeof(all_algs) / sizeof(all_algs[0]);

/* Keys and certificates made once, because RSA key generation is slow. */
static softauthn_key_t *keys[6];     /* in the order of all_algs */
static softauthn_key_t *ca_key, *att_key, *other_ca_key;
static X509 *ca_cert, *leaf_cert, *other_ca_cert, *other_leaf_cert;
static mfa_webauthn_trust_t *trust;

static softauthn_key_t *
key_for(int alg)
{
	for (int i = 0; i < algs_count; i++) {
		if (all_algs[i] == alg)
			return keys[i];
	}
	return NULL;
}

static X509 *
make_ca(softauthn_key_t *key, const char *cn)
{
	softauthn_cert_opts_t o;

	memset(&o, 0, sizeof(o));
	o.c = "US";
	o.o = "Softauthn Test CA";
	o.cn = cn;
	o.ca = true;
	/* Valid long before now, so that leaves recorded in the past chain to it. */
	o.not_before = (int64_t)time(NULL) - 1000 * DAY;
	o.not_after = (int64_t)time(NULL) + 1000 * DAY;
	return softauthn_cert_issue(key, NULL, NULL, &o);
}

static int
group_setup(void **state)
{
	softauthn_cert_opts_t o;
	char *pem;

	(void)state;
	for (int i = 0; i < algs_count; i++)
		keys[i] = softauthn_key_new(all_algs[i]);
	ca_key = softauthn_key_new(-7);
	att_key = softauthn_key_new(-7);
	other_ca_key = softauthn_key_new(-7);
	ca_cert = make_ca(ca_key, "Softauthn Root");
	other_ca_cert = make_ca(other_ca_key, "Unknown Root");
	softauthn_cert_opts_packed(&o);
	leaf_cert = softauthn_cert_issue(att_key, ca_key, ca_cert, &o);
	other_leaf_cert = softauthn_cert_issue(att_key, other_ca_key, other_ca_cert, &o);

	pem = softauthn_cert_pem(ca_cert);
	if (mfa_webauthn_trust_new(&trust) != MFA_OK ||
	    mfa_webauthn_trust_add_pem(trust, pem, strlen(pem)) != MFA_OK)
		return -1;
	free(pem);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < algs_count; i++)
		softauthn_key_free(keys[i]);
	softauthn_key_free(ca_key);
	softauthn_key_free(att_key);
	softauthn_key_free(other_ca_key);
	X509_free(ca_cert);
	X509_free(leaf_cert);
	X509_free(other_ca_cert);
	X509_free(other_leaf_cert);
	mfa_webauthn_trust_free(&trust);
	return 0;
}

static void
opts_init(mfa_webauthn_registration_options_t *o)
{
	memset(o, 0, sizeof(*o));
	o->ceremony.challenge = challenge;
	o->ceremony.challenge_len = sizeof(challenge);
	o->ceremony.rp_id = RP_ID;
	o->ceremony.origins = origins;
	o->ceremony.origins_count = 2;
	o->ceremony.top_origins = top_origins;
	o->ceremony.top_origins_count = 1;
	o->ceremony.extensions = requested_extensions;
	o->ceremony.extensions_count = 1;
	o->algs = all_algs;
	o->algs_count = (size_t)algs_count;
	o->attestation = MFA_WEBAUTHN_ATTESTATION_NONE;
	o->trust = trust;
}

static void
reg_init(softauthn_reg_t *reg, int alg)
{
	softauthn_reg_init(reg, key_for(alg), RP_ID, ORIGIN, challenge, sizeof(challenge));
}

/*
 * Build reg, verify it under o (default options when NULL) and return the
 * code. The result must be untouched on failure.
 */
static int
verify_with(const softauthn_reg_t *reg, const mfa_webauthn_registration_options_t *o,
    mfa_webauthn_credential_t *ret)
{
	mfa_webauthn_registration_options_t def;
	mfa_webauthn_credential_t *cred = malloc(sizeof(*cred)), *before = malloc(sizeof(*cred));
	softauthn_reg_out_t out;
	int r;

	assert_non_null(cred);
	assert_non_null(before);
	if (o == NULL) {
		opts_init(&def);
		o = &def;
	}
	softauthn_reg_build(reg, &out);
	memset(cred, 0xa5, sizeof(*cred));
	memcpy(before, cred, sizeof(*cred));

	r = mfa_webauthn_registration_verify(o, out.client_data_json.data, out.client_data_json.len,
	    out.attestation_object.data, out.attestation_object.len, cred);
	if (r != MFA_OK)
		assert_memory_equal(cred, before, sizeof(*cred));
	else if (ret != NULL)
		memcpy(ret, cred, sizeof(*cred));

	softauthn_reg_out_free(&out);
	free(before);
	free(cred);
	return r;
}

static int
verify(const softauthn_reg_t *reg)
{
	return verify_with(reg, NULL, NULL);
}

/* The stored fields equal what the authenticator wrote. */
static void
reg_none_every_alg(void **state)
{
	(void)state;

	for (int i = 0; i < algs_count; i++) {
		softauthn_reg_t reg;
		softauthn_reg_out_t out;
		mfa_webauthn_credential_t *cred = calloc(1, sizeof(*cred));

		assert_non_null(cred);
		reg_init(&reg, all_algs[i]);
		reg.auth_data.sign_count = 7;
		assert_int_equal(verify_with(&reg, NULL, cred), MFA_OK);

		softauthn_reg_build(&reg, &out);
		assert_int_equal(cred->alg, all_algs[i]);
		assert_int_equal(cred->cred_id_len, sizeof(reg.cred_id));
		assert_memory_equal(cred->cred_id, reg.cred_id, sizeof(reg.cred_id));
		assert_int_equal(cred->cose_key_len, out.cose_key.len);
		assert_memory_equal(cred->cose_key, out.cose_key.data, out.cose_key.len);
		assert_int_equal(cred->sign_count, 7);
		assert_int_equal(cred->flags, 0x45);
		assert_string_equal(cred->fmt, "none");
		assert_int_equal(cred->attestation_type, MFA_WEBAUTHN_ATTESTATION_TYPE_NONE);
		assert_false(cred->attestation_trusted);
		softauthn_reg_out_free(&out);
		free(cred);
	}
}

static void
reg_packed_self_every_alg(void **state)
{
	(void)state;

	for (int i = 0; i < algs_count; i++) {
		softauthn_reg_t reg;
		mfa_webauthn_credential_t *cred = calloc(1, sizeof(*cred));

		assert_non_null(cred);
		reg_init(&reg, all_algs[i]);
		reg.att = SOFTAUTHN_ATT_PACKED_SELF;
		assert_int_equal(verify_with(&reg, NULL, cred), MFA_OK);
		assert_string_equal(cred->fmt, "packed");
		assert_int_equal(cred->attestation_type, MFA_WEBAUTHN_ATTESTATION_TYPE_SELF);
		free(cred);
	}
}

static void
reg_init_x5c(softauthn_reg_t *reg, X509 *leaf, X509 *intermediate)
{
	reg_init(reg, -7);
	reg->att = SOFTAUTHN_ATT_PACKED_X5C;
	reg->att_key = att_key;
	reg->x5c[0] = leaf;
	reg->x5c_count = 1;
	if (intermediate != NULL)
		reg->x5c[reg->x5c_count++] = intermediate;
}

static void
reg_packed_x5c_policies(void **state)
{
	mfa_webauthn_registration_options_t o;
	mfa_webauthn_credential_t *cred = calloc(1, sizeof(*cred));
	softauthn_reg_t reg;

	(void)state;
	assert_non_null(cred);
	reg_init_x5c(&reg, leaf_cert, NULL);
	opts_init(&o);

	assert_int_equal(verify_with(&reg, &o, cred), MFA_OK);
	assert_int_equal(cred->attestation_type, MFA_WEBAUTHN_ATTESTATION_TYPE_BASIC);
	assert_false(cred->attestation_trusted);

	o.attestation = MFA_WEBAUTHN_ATTESTATION_OPTIONAL;
	assert_int_equal(verify_with(&reg, &o, cred), MFA_OK);
	assert_true(cred->attestation_trusted);

	o.attestation = MFA_WEBAUTHN_ATTESTATION_REQUIRED;
	assert_int_equal(verify_with(&reg, &o, cred), MFA_OK);
	assert_true(cred->attestation_trusted);

	/* The root may also travel in x5c. */
	reg_init_x5c(&reg, leaf_cert, ca_cert);
	assert_int_equal(verify_with(&reg, &o, cred), MFA_OK);
	free(cred);
}

static void
reg_packed_x5c_untrusted_optional(void **state)
{
	mfa_webauthn_registration_options_t o;
	mfa_webauthn_credential_t *cred = calloc(1, sizeof(*cred));
	softauthn_reg_t reg;

	(void)state;
	assert_non_null(cred);
	reg_init_x5c(&reg, other_leaf_cert, NULL);
	opts_init(&o);
	o.attestation = MFA_WEBAUTHN_ATTESTATION_OPTIONAL;
	assert_int_equal(verify_with(&reg, &o, cred), MFA_OK);
	assert_false(cred->attestation_trusted);
	free(cred);
}

static void
reg_required_rejects_untrusted(void **state)
{
	mfa_webauthn_registration_options_t o;
	softauthn_cert_opts_t co;
	softauthn_reg_t reg;
	X509 *self_signed;

	(void)state;
	opts_init(&o);
	o.attestation = MFA_WEBAUTHN_ATTESTATION_REQUIRED;

	/* Unknown root, with and without the root in x5c. */
	reg_init_x5c(&reg, other_leaf_cert, NULL);
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_ATTESTATION_TRUST);
	reg_init_x5c(&reg, other_leaf_cert, other_ca_cert);
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_ATTESTATION_TRUST);

	/* A self-signed attestation certificate. */
	softauthn_cert_opts_packed(&co);
	self_signed = softauthn_cert_issue(att_key, NULL, NULL, &co);
	reg_init_x5c(&reg, self_signed, NULL);
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_ATTESTATION_TRUST);
	X509_free(self_signed);

	/* Statements without x5c. */
	reg_init(&reg, -7);
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_ATTESTATION_TRUST);
	reg.att = SOFTAUTHN_ATT_PACKED_SELF;
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_ATTESTATION_TRUST);
}

/* Recorded responses keep verifying after their certificates expire, with opts.time. */
static void
reg_required_expired_chain_with_time(void **state)
{
	mfa_webauthn_registration_options_t o;
	softauthn_cert_opts_t co;
	softauthn_reg_t reg;
	X509 *old_leaf;
	int64_t now = (int64_t)time(NULL);

	(void)state;
	softauthn_cert_opts_packed(&co);
	co.not_before = now - 400 * DAY;
	co.not_after = now - 300 * DAY;
	old_leaf = softauthn_cert_issue(att_key, ca_key, ca_cert, &co);
	reg_init_x5c(&reg, old_leaf, NULL);
	opts_init(&o);
	o.attestation = MFA_WEBAUTHN_ATTESTATION_REQUIRED;

	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_ATTESTATION_TRUST);
	o.time = now - 350 * DAY;
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_OK);
	X509_free(old_leaf);
}

static void
reg_fido_u2f_ok(void **state)
{
	mfa_webauthn_credential_t *cred = calloc(1, sizeof(*cred));
	softauthn_reg_t reg;

	(void)state;
	assert_non_null(cred);
	reg_init_x5c(&reg, leaf_cert, NULL);
	reg.att = SOFTAUTHN_ATT_FIDO_U2F;
	assert_int_equal(verify_with(&reg, NULL, cred), MFA_OK);
	assert_string_equal(cred->fmt, "fido-u2f");
	assert_int_equal(cred->attestation_type, MFA_WEBAUTHN_ATTESTATION_TYPE_BASIC);
	free(cred);
}

static void
reg_fido_u2f_nonzero_aaguid(void **state)
{
	softauthn_reg_t reg;

	(void)state;
	reg_init_x5c(&reg, leaf_cert, NULL);
	reg.att = SOFTAUTHN_ATT_FIDO_U2F;
	reg.auth_data.aaguid[15] = 1;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
reg_fido_u2f_rejects_other_keys(void **state)
{
	softauthn_reg_t reg;

	(void)state;
	reg_init_x5c(&reg, leaf_cert, NULL);
	reg.att = SOFTAUTHN_ATT_FIDO_U2F;
	reg.cred_key = key_for(-8);
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
reg_fido_u2f_bad_signature(void **state)
{
	softauthn_reg_t reg;

	(void)state;
	reg_init_x5c(&reg, leaf_cert, NULL);
	reg.att = SOFTAUTHN_ATT_FIDO_U2F;
	reg.att_bad_sig = true;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
reg_fido_u2f_two_certs(void **state)
{
	softauthn_reg_t reg;

	(void)state;
	reg_init_x5c(&reg, leaf_cert, ca_cert);
	reg.att = SOFTAUTHN_ATT_FIDO_U2F;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
reg_wrong_type(void **state)
{
	softauthn_reg_t reg;

	(void)state;
	reg_init(&reg, -7);
	reg.client_data.type = "webauthn.get";
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_TYPE);
}

static void
reg_changed_challenge(void **state)
{
	uint8_t other[sizeof(challenge)];
	softauthn_reg_t reg;

	(void)state;
	memcpy(other, challenge, sizeof(other));
	other[5] ^= 0x01;
	reg_init(&reg, -7);
	reg.client_data.challenge = other;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_CHALLENGE);

	reg.client_data.challenge_len = sizeof(other) - 1;
	reg.client_data.challenge = challenge;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_CHALLENGE);
}

static void
reg_wrong_origins(void **state)
{
	static const char *const bad[] = {
		"https://evil.example", "http://example.com", "https://example.com:8443",
		"https://sub.example.com", "https://example.com/", "HTTPS://EXAMPLE.COM",
	};
	softauthn_reg_t reg;

	(void)state;
	reg_init(&reg, -7);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reg.client_data.origin = bad[i];
		if (verify(&reg) != MFA_ERR_WEBAUTHN_ORIGIN)
			fail_msg("origin %s was not rejected with MFA_ERR_WEBAUTHN_ORIGIN", bad[i]);
	}

	/* The second listed origin is allowed. */
	reg.client_data.origin = "https://login.example.com";
	assert_int_equal(verify(&reg), MFA_OK);
}

static void
reg_token_binding(void **state)
{
	softauthn_reg_t reg;

	(void)state;
	reg_init(&reg, -7);
	reg.client_data.token_binding = "present";
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_TOKEN_BINDING);
	reg.client_data.token_binding = "supported";
	assert_int_equal(verify(&reg), MFA_OK);
}

static void
reg_cross_origin(void **state)
{
	mfa_webauthn_registration_options_t o;
	softauthn_reg_t reg;

	(void)state;
	reg_init(&reg, -7);
	reg.client_data.cross_origin = 1;
	reg.client_data.top_origin = "https://portal.example.org";
	opts_init(&o);
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_CROSS_ORIGIN);

	o.ceremony.allow_cross_origin = true;
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_OK);

	reg.client_data.top_origin = "https://evil.example";
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_TOP_ORIGIN);
}

/* Build a "none" response and apply edit to its attestationObject bytes. */
static int
verify_att_obj_edit(void (*edit)(softauthn_buf_t *obj))
{
	mfa_webauthn_registration_options_t o;
	mfa_webauthn_credential_t *cred = malloc(sizeof(*cred));
	softauthn_reg_t reg;
	softauthn_reg_out_t out;
	int r;

	assert_non_null(cred);
	opts_init(&o);
	reg_init(&reg, -7);
	softauthn_reg_build(&reg, &out);
	edit(&out.attestation_object);
	r = mfa_webauthn_registration_verify(&o, out.client_data_json.data, out.client_data_json.len,
	    out.attestation_object.data, out.attestation_object.len, cred);
	softauthn_reg_out_free(&out);
	free(cred);
	return r;
}

static void
edit_truncate(softauthn_buf_t *obj)
{
	obj->len--;
}

static void
edit_indefinite_map(softauthn_buf_t *obj)
{
	obj->data[0] = 0xbf; /* map of indefinite length */
}

static void
reg_broken_cbor(void **state)
{
	(void)state;
	assert_int_equal(verify_att_obj_edit(edit_truncate), MFA_ERR_MALFORMED_CBOR);
	assert_int_equal(verify_att_obj_edit(edit_indefinite_map), MFA_ERR_MALFORMED_CBOR);
}

static void
reg_missing_member(void **state)
{
	static const char *const members[] = { "fmt", "attStmt", "authData" };
	softauthn_reg_t reg;

	(void)state;
	reg_init(&reg, -7);
	for (size_t i = 0; i < 3; i++) {
		reg.drop_member = members[i];
		assert_int_equal(verify(&reg), MFA_ERR_MALFORMED_ATTESTATION);
	}
}

static void
reg_trailing_bytes(void **state)
{
	softauthn_reg_t reg;

	(void)state;
	reg_init(&reg, -7);
	reg.att_obj_trailing = 1;
	assert_int_equal(verify(&reg), MFA_ERR_MALFORMED_CBOR);

	reg_init(&reg, -7);
	reg.auth_data.trailing = 1;
	assert_int_equal(verify(&reg), MFA_ERR_MALFORMED_AUTH_DATA);
}

static void
reg_other_rp_id(void **state)
{
	softauthn_reg_t reg;

	(void)state;
	reg_init(&reg, -7);
	reg.auth_data.rp_id = "evil.example";
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_RP_ID_HASH);
}

static void
reg_flags(void **state)
{
	mfa_webauthn_registration_options_t o;
	softauthn_reg_t reg;

	(void)state;
	opts_init(&o);
	reg_init(&reg, -7);
	reg.auth_data.flags &= (uint8_t)~MFA_WEBAUTHN_FLAG_UP;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_USER_PRESENT);

	reg_init(&reg, -7);
	reg.auth_data.flags &= (uint8_t)~MFA_WEBAUTHN_FLAG_UV;
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_OK);
	o.ceremony.require_user_verification = true;
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_USER_VERIFIED);

	reg_init(&reg, -7);
	reg.auth_data.flags |= MFA_WEBAUTHN_FLAG_BS;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_BACKUP_STATE);
	reg.auth_data.flags |= MFA_WEBAUTHN_FLAG_BE;
	assert_int_equal(verify(&reg), MFA_OK);

	reg_init(&reg, -7);
	reg.auth_data.flags &= (uint8_t)~MFA_WEBAUTHN_FLAG_AT;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_ATTESTED_DATA);
}

static void
reg_credential_id(void **state)
{
	mfa_webauthn_registration_options_t o;
	softauthn_reg_t reg;
	uint8_t raw_id[32], *long_id;

	(void)state;
	reg_init(&reg, -7);
	opts_init(&o);
	memcpy(raw_id, reg.cred_id, sizeof(raw_id));
	o.raw_id = raw_id;
	o.raw_id_len = sizeof(raw_id);
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_OK);

	raw_id[0] ^= 1;
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_CREDENTIAL_ID);
	raw_id[0] ^= 1;
	o.raw_id_len--;
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_CREDENTIAL_ID);

	/* 1023 bytes is the longest credential ID, 1024 is rejected. */
	long_id = calloc(1, 1024);
	assert_non_null(long_id);
	reg.auth_data.cred_id = long_id;
	reg.auth_data.cred_id_len = 1023;
	assert_int_equal(verify(&reg), MFA_OK);
	reg.auth_data.cred_id_len = 1024;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_CREDENTIAL_ID);
	free(long_id);
}

static void
reg_alg_not_offered(void **state)
{
	static const int only_es256[] = { -7 };
	mfa_webauthn_registration_options_t o;
	softauthn_reg_t reg;

	(void)state;
	opts_init(&o);
	o.algs = only_es256;
	o.algs_count = 1;
	reg_init(&reg, -8);
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_ALGORITHM);
	reg_init(&reg, -257);
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_ALGORITHM);
}

static void
reg_bad_cose_keys(void **state)
{
	softauthn_reg_t reg;

	(void)state;
	/* A P-256 key labelled ES384. */
	reg_init(&reg, -7);
	reg.cose_knobs.alg = -35;
	assert_int_equal(verify(&reg), MFA_ERR_COSE_KEY);

	reg_init(&reg, -7);
	reg.cose_knobs.drop_label = -3;
	assert_int_equal(verify(&reg), MFA_ERR_COSE_KEY);

	reg_init(&reg, -7);
	reg.cose_knobs.corrupt_label = -3;
	assert_int_equal(verify(&reg), MFA_ERR_COSE_KEY);

	reg_init(&reg, -7);
	reg.cose_knobs.add_private = true;
	assert_int_equal(verify(&reg), MFA_ERR_COSE_KEY);
}

/* Write {1: 3 (RSA), 3: -257, -1: n, -2: 65537} with a 2048-bit n into cbor. */
static size_t
rsa_cose_with_modulus(const BIGNUM *n, uint8_t *cbor)
{
	static const uint8_t head[] = { 0xa4, 0x01, 0x03, 0x03, 0x39, 0x01, 0x00, 0x20, 0x59,
		0x01, 0x00 };
	static const uint8_t tail[] = { 0x21, 0x43, 0x01, 0x00, 0x01 };

	memcpy(cbor, head, sizeof(head));
	assert_int_equal(BN_bn2binpad(n, cbor + sizeof(head), 256), 256);
	memcpy(cbor + sizeof(head) + 256, tail, sizeof(tail));
	return sizeof(head) + 256 + sizeof(tail);
}

/* RSA moduli whose private key anyone can compute: a prime, and an even number. */
static void
reg_weak_rsa_keys(void **state)
{
	uint8_t cbor[11 + 256 + 5];
	softauthn_reg_t reg;
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *n = BN_new();

	(void)state;
	assert_non_null(n);
	assert_non_null(ctx);
	assert_int_equal(BN_generate_prime_ex2(n, 2048, 0, NULL, NULL, NULL, ctx), 1);
	BN_CTX_free(ctx);
	reg_init(&reg, -257);
	reg.auth_data.cose_key = cbor;
	reg.auth_data.cose_key_len = rsa_cose_with_modulus(n, cbor);
	assert_int_equal(verify(&reg), MFA_ERR_COSE_KEY);

	assert_int_equal(BN_add_word(n, 1), 1);
	reg_init(&reg, -257);
	reg.auth_data.cose_key = cbor;
	reg.auth_data.cose_key_len = rsa_cose_with_modulus(n, cbor);
	assert_int_equal(verify(&reg), MFA_ERR_COSE_KEY);
	BN_free(n);
}

static void
reg_empty_credential_id(void **state)
{
	softauthn_reg_t reg;

	(void)state;
	reg_init(&reg, -7);
	reg.auth_data.cred_id = reg.cred_id;
	reg.auth_data.cred_id_len = 0;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_CREDENTIAL_ID);
}

static void
reg_extensions(void **state)
{
	softauthn_buf_t ext = { 0 };
	softauthn_reg_t reg;

	(void)state;
	softauthn_cbor_map(&ext, 1);
	softauthn_cbor_text(&ext, "credProtect");
	softauthn_cbor_int(&ext, 2);
	reg_init(&reg, -7);
	reg.auth_data.flags |= MFA_WEBAUTHN_FLAG_ED;
	reg.auth_data.extensions = ext.data;
	reg.auth_data.extensions_len = ext.len;
	assert_int_equal(verify(&reg), MFA_OK);
	softauthn_buf_free(&ext);

	softauthn_cbor_map(&ext, 1);
	softauthn_cbor_text(&ext, "hmac-secret");
	softauthn_cbor_bool(&ext, true);
	reg.auth_data.extensions = ext.data;
	reg.auth_data.extensions_len = ext.len;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_EXTENSIONS);
	softauthn_buf_free(&ext);
}

static void
reg_unknown_fmt(void **state)
{
	softauthn_reg_t reg;

	(void)state;
	reg_init(&reg, -7);
	reg.fmt = "foo";
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_ATTESTATION_FORMAT);
	reg.fmt = "Packed";
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_ATTESTATION_FORMAT);
}

static void
reg_packed_bad_signature(void **state)
{
	mfa_webauthn_registration_options_t o;
	softauthn_reg_t reg;

	(void)state;
	opts_init(&o);
	reg_init(&reg, -7);
	reg.att = SOFTAUTHN_ATT_PACKED_SELF;
	reg.att_bad_sig = true;
	/* Under NONE too: a statement that is sent must verify. */
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);

	reg_init_x5c(&reg, leaf_cert, NULL);
	reg.att_bad_sig = true;
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	o.attestation = MFA_WEBAUTHN_ATTESTATION_OPTIONAL;
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
reg_packed_self_alg_mismatch(void **state)
{
	softauthn_reg_t reg;

	(void)state;
	reg_init(&reg, -7);
	reg.att = SOFTAUTHN_ATT_PACKED_SELF;
	reg.att_alg = -35;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

/* Leaf requirements of packed attestation certificates (WebAuthn L3 8.2.1). */
static void
reg_packed_x5c_leaf_requirements(void **state)
{
	static const uint8_t aaguid[16] = { 0xaa, 0xbb, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };
	softauthn_cert_opts_t co;
	softauthn_reg_t reg;
	X509 *leaf;

	(void)state;
	softauthn_cert_opts_packed(&co);
	co.ou = "Engineering";
	leaf = softauthn_cert_issue(att_key, ca_key, ca_cert, &co);
	reg_init_x5c(&reg, leaf, NULL);
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	X509_free(leaf);

	softauthn_cert_opts_packed(&co);
	co.ca = true;
	leaf = softauthn_cert_issue(att_key, ca_key, ca_cert, &co);
	reg_init_x5c(&reg, leaf, NULL);
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	X509_free(leaf);

	/* The AAGUID extension must match authData's AAGUID. */
	softauthn_cert_opts_packed(&co);
	co.aaguid = aaguid;
	leaf = softauthn_cert_issue(att_key, ca_key, ca_cert, &co);
	reg_init_x5c(&reg, leaf, NULL);
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	memcpy(reg.auth_data.aaguid, aaguid, sizeof(aaguid));
	assert_int_equal(verify(&reg), MFA_OK);
	X509_free(leaf);
}

static void
reg_none_with_statement(void **state)
{
	softauthn_buf_t stmt = { 0 };
	softauthn_reg_t reg;

	(void)state;
	softauthn_cbor_map(&stmt, 1);
	softauthn_cbor_text(&stmt, "alg");
	softauthn_cbor_int(&stmt, -7);
	reg_init(&reg, -7);
	reg.att_stmt = stmt.data;
	reg.att_stmt_len = stmt.len;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	softauthn_buf_free(&stmt);
}

static void
reg_invalid_options(void **state)
{
	mfa_webauthn_registration_options_t o;
	mfa_webauthn_credential_t *cred = malloc(sizeof(*cred));
	const uint8_t x = 0;

	(void)state;
	assert_non_null(cred);
	opts_init(&o);
	assert_int_equal(mfa_webauthn_registration_verify(NULL, &x, 1, &x, 1, cred),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_webauthn_registration_verify(&o, &x, 1, &x, 1, NULL),
	    MFA_ERR_INVALID_ARGUMENT);
	o.algs_count = 0;
	assert_int_equal(mfa_webauthn_registration_verify(&o, &x, 1, &x, 1, cred),
	    MFA_ERR_INVALID_ARGUMENT);
	opts_init(&o);
	o.ceremony.origins_count = 0;
	assert_int_equal(mfa_webauthn_registration_verify(&o, &x, 1, &x, 1, cred),
	    MFA_ERR_INVALID_ARGUMENT);
	opts_init(&o);
	o.ceremony.challenge_len = MFA_WEBAUTHN_CHALLENGE_MAX + 1;
	assert_int_equal(mfa_webauthn_registration_verify(&o, &x, 1, &x, 1, cred),
	    MFA_ERR_INVALID_ARGUMENT);
	opts_init(&o);
	o.attestation = MFA_WEBAUTHN_ATTESTATION_REQUIRED;
	o.trust = NULL;
	assert_int_equal(mfa_webauthn_registration_verify(&o, &x, 1, &x, 1, cred),
	    MFA_ERR_INVALID_ARGUMENT);
	opts_init(&o);
	o.time = -1;
	assert_int_equal(mfa_webauthn_registration_verify(&o, &x, 1, &x, 1, cred),
	    MFA_ERR_INVALID_ARGUMENT);
	free(cred);
}

static void
reg_oversized_inputs(void **state)
{
	mfa_webauthn_registration_options_t o;
	mfa_webauthn_credential_t *cred = malloc(sizeof(*cred));
	uint8_t *big = calloc(1, MFA_WEBAUTHN_ATTESTATION_MAX + 1);
	softauthn_reg_t reg;
	softauthn_reg_out_t out;

	(void)state;
	assert_non_null(cred);
	assert_non_null(big);
	opts_init(&o);
	reg_init(&reg, -7);
	softauthn_reg_build(&reg, &out);
	assert_int_equal(mfa_webauthn_registration_verify(&o, out.client_data_json.data,
	    out.client_data_json.len, big, MFA_WEBAUTHN_ATTESTATION_MAX + 1, cred),
	    MFA_ERR_TOO_LARGE);
	assert_int_equal(mfa_webauthn_registration_verify(&o, big, MFA_WEBAUTHN_CLIENT_DATA_MAX + 1,
	    out.attestation_object.data, out.attestation_object.len, cred), MFA_ERR_TOO_LARGE);
	softauthn_reg_out_free(&out);
	free(big);
	free(cred);
}

/* Packed x5c with attestation keys of other algorithms, and an alg that does not fit the leaf key. */
static void
reg_packed_x5c_other_algs(void **state)
{
	static const int att_algs[] = { -8, -35, -36, -37, -257 };
	softauthn_cert_opts_t co;
	softauthn_reg_t reg;

	(void)state;
	softauthn_cert_opts_packed(&co);
	for (size_t i = 0; i < sizeof(att_algs) / sizeof(att_algs[0]); i++) {
		softauthn_key_t *k = key_for(att_algs[i]);
		X509 *leaf = softauthn_cert_issue(k, ca_key, ca_cert, &co);

		reg_init_x5c(&reg, leaf, NULL);
		reg.att_key = k;
		if (verify(&reg) != MFA_OK)
			fail_msg("packed x5c with alg %d did not verify", att_algs[i]);
		X509_free(leaf);
	}

	reg_init_x5c(&reg, leaf_cert, NULL);
	reg.att_alg = -257;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	reg.att_alg = -35;
	assert_int_equal(verify(&reg), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

/*
 * Verify an attestationObject written by hand with the given member names.
 * kinds[i] picks each value: 0 the valid one, 1 an integer, 2 a text of 33
 * characters, 3 an empty array.
 */
static int
verify_att_obj_members(const char *const *names, const int *kinds, size_t members)
{
	mfa_webauthn_registration_options_t o;
	mfa_webauthn_credential_t *cred = malloc(sizeof(*cred));
	softauthn_buf_t obj = { 0 };
	softauthn_reg_t reg;
	softauthn_reg_out_t out;
	int r;

	assert_non_null(cred);
	opts_init(&o);
	reg_init(&reg, -7);
	softauthn_reg_build(&reg, &out);

	softauthn_cbor_map(&obj, members);
	for (size_t i = 0; i < members; i++) {
		softauthn_cbor_text(&obj, names[i]);
		switch (kinds[i]) {
		case 0: /* the valid value of this member */
			if (strcmp(names[i], "fmt") == 0)
				softauthn_cbor_text(&obj, "none");
			else if (strcmp(names[i], "attStmt") == 0)
				softauthn_cbor_map(&obj, 0);
			else
				softauthn_cbor_bytes(&obj, out.auth_data.data, out.auth_data.len);
			break;
		case 1: /* an integer */
			softauthn_cbor_int(&obj, 1);
			break;
		case 2: /* a text string of 33 characters */
			softauthn_cbor_text(&obj, "abcdefghijklmnopqrstuvwxyz0123456");
			break;
		default: /* an empty array */
			softauthn_cbor_array(&obj, 0);
			break;
		}
	}

	r = mfa_webauthn_registration_verify(&o, out.client_data_json.data, out.client_data_json.len,
	    obj.data, obj.len, cred);
	softauthn_buf_free(&obj);
	softauthn_reg_out_free(&out);
	free(cred);
	return r;
}

static void
reg_attestation_object_members(void **state)
{
	static const char *const names[] = { "fmt", "attStmt", "authData", "extra" };
	static const char *const twice[] = { "fmt", "attStmt", "authData", "fmt" };
	int kinds[4] = { 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(verify_att_obj_members(names, kinds, 3), MFA_OK);
	assert_int_equal(verify_att_obj_members(names, kinds, 4), MFA_ERR_MALFORMED_ATTESTATION);
	assert_int_equal(verify_att_obj_members(twice, kinds, 4), MFA_ERR_MALFORMED_CBOR);

	for (size_t member = 0; member < 3; member++) {
		for (int kind = 1; kind <= 3; kind++) {
			int r;

			kinds[member] = kind;
			r = verify_att_obj_members(names, kinds, 3);
			if (r != MFA_ERR_MALFORMED_ATTESTATION)
				fail_msg("%s of kind %d returned %d", names[member], kind, r);
		}
		kinds[member] = 0;
	}
}

static void
trust_add_pem_rejects_bad_text(void **state)
{
	static const char garbage[] = "not a certificate";
	mfa_webauthn_trust_t *t = NULL;
	mfa_webauthn_registration_options_t o;
	softauthn_reg_t reg;
	char *pem, *broken;
	size_t len;

	(void)state;
	assert_int_equal(mfa_webauthn_trust_new(&t), MFA_OK);
	assert_int_equal(mfa_webauthn_trust_add_pem(t, garbage, sizeof(garbage) - 1),
	    MFA_ERR_BAD_ENCODING);
	assert_int_equal(mfa_webauthn_trust_add_pem(t, garbage, 0), MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_webauthn_trust_add_pem(NULL, garbage, 1), MFA_ERR_INVALID_ARGUMENT);

	/* A good certificate followed by a cut one: neither is added. */
	pem = softauthn_cert_pem(other_ca_cert);
	len = strlen(pem);
	broken = malloc(2 * len + 1);
	assert_non_null(broken);
	memcpy(broken, pem, len);
	memcpy(broken + len, pem, len / 2);
	broken[len + len / 2] = '\0';
	assert_int_equal(mfa_webauthn_trust_add_pem(t, broken, strlen(broken)),
	    MFA_ERR_BAD_ENCODING);

	opts_init(&o);
	o.attestation = MFA_WEBAUTHN_ATTESTATION_REQUIRED;
	o.trust = t;
	reg_init_x5c(&reg, other_leaf_cert, NULL);
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_ERR_WEBAUTHN_ATTESTATION_TRUST);

	/* The good certificate alone is added and trusted. */
	assert_int_equal(mfa_webauthn_trust_add_pem(t, pem, len), MFA_OK);
	assert_int_equal(verify_with(&reg, &o, NULL), MFA_OK);

	free(broken);
	free(pem);
	mfa_webauthn_trust_free(&t);
	assert_null(t);
	mfa_webauthn_trust_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reg_none_every_alg),
		cmocka_unit_test(reg_weak_rsa_keys),
		cmocka_unit_test(reg_empty_credential_id),
		cmocka_unit_test(reg_packed_self_every_alg),
		cmocka_unit_test(reg_packed_x5c_policies),
		cmocka_unit_test(reg_packed_x5c_untrusted_optional),
		cmocka_unit_test(reg_required_rejects_untrusted),
		cmocka_unit_test(reg_required_expired_chain_with_time),
		cmocka_unit_test(reg_fido_u2f_ok),
		cmocka_unit_test(reg_fido_u2f_nonzero_aaguid),
		cmocka_unit_test(reg_fido_u2f_rejects_other_keys),
		cmocka_unit_test(reg_fido_u2f_bad_signature),
		cmocka_unit_test(reg_fido_u2f_two_certs),
		cmocka_unit_test(reg_wrong_type),
		cmocka_unit_test(reg_changed_challenge),
		cmocka_unit_test(reg_wrong_origins),
		cmocka_unit_test(reg_token_binding),
		cmocka_unit_test(reg_cross_origin),
		cmocka_unit_test(reg_broken_cbor),
		cmocka_unit_test(reg_missing_member),
		cmocka_unit_test(reg_trailing_bytes),
		cmocka_unit_test(reg_other_rp_id),
		cmocka_unit_test(reg_flags),
		cmocka_unit_test(reg_credential_id),
		cmocka_unit_test(reg_alg_not_offered),
		cmocka_unit_test(reg_bad_cose_keys),
		cmocka_unit_test(reg_extensions),
		cmocka_unit_test(reg_unknown_fmt),
		cmocka_unit_test(reg_packed_bad_signature),
		cmocka_unit_test(reg_packed_self_alg_mismatch),
		cmocka_unit_test(reg_packed_x5c_leaf_requirements),
		cmocka_unit_test(reg_none_with_statement),
		cmocka_unit_test(reg_invalid_options),
		cmocka_unit_test(reg_oversized_inputs),
		cmocka_unit_test(trust_add_pem_rejects_bad_text),
		cmocka_unit_test(reg_packed_x5c_other_algs),
		cmocka_unit_test(reg_attestation_object_members),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
