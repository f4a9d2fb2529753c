/* SPDX-License-Identifier: MIT */
/* The "android-key" attestation statement format: valid statements and one rejected statement per check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/x509v3.h>

#include "certgen.h"
#include "lib/webauthn_internal.h"

#define OID_ANDROID_KEY_DESCRIPTION "1.3.6.1.4.1.11129.2.1.17"

/* DER classes and universal tags. */
#define UNIVERSAL 0
#define CONTEXT 2
#define TAG_INTEGER 2
#define TAG_OCTET_STRING 4
#define TAG_NULL 5
#define TAG_ENUMERATED 10
#define TAG_SEQUENCE 16
#define TAG_SET 17

/* AuthorizationList tags and Keymaster values (Android key attestation schema). */
#define KM_TAG_PURPOSE 1
#define KM_TAG_ALGORITHM 2
#define KM_TAG_ALL_APPLICATIONS 600
#define KM_TAG_CREATION_DATETIME 701
#define KM_TAG_ORIGIN 702
#define KM_PURPOSE_SIGN 2
#define KM_PURPOSE_VERIFY 3
#define KM_ALGORITHM_EC 3
#define KM_ORIGIN_GENERATED 0
#define KM_ORIGIN_IMPORTED 2
#define KM_SECURITY_LEVEL_TEE 1

struct fixture {
	EVP_PKEY *ca_key;
	X509 *ca;
	EVP_PKEY *cred;           /* the credential key pair, P-256 */
	EVP_PKEY *other;          /* a key that is not the credential's */
	mfa_cose_key_t *key;
	uint8_t *auth_data;
	size_t auth_data_len;
	mfa_webauthn_auth_data_t ad;
	uint8_t cdh[32];
};

static const uint8_t zero_aaguid[16];

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint8_t *cose;
	size_t cose_len = 0;

	assert_non_null(f);
	f->ca_key = certgen_key_ec("P-256");
	f->ca = certgen_ca(f->ca_key, "Test Android Attestation Root");
	f->cred = certgen_key_ec("P-256");
	f->other = certgen_key_ec("P-256");

	cose = certgen_cose_key(f->cred, MFA_COSE_ES256, &cose_len);
	assert_int_equal(mfa_cose_key_parse(cose, cose_len, &f->key), MFA_OK);
	f->auth_data = certgen_auth_data(zero_aaguid, cose, cose_len, &f->auth_data_len);
	free(cose);
	f->ad.aaguid = f->auth_data + 37;
	memset(f->cdh, 0x3c, sizeof(f->cdh));

	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	mfa_cose_key_free(&f->key);
	free(f->auth_data);
	X509_free(f->ca);
	EVP_PKEY_free(f->ca_key);
	EVP_PKEY_free(f->cred);
	EVP_PKEY_free(f->other);
	free(f);
	return 0;
}

/* Append [tag] EXPLICIT INTEGER value (0 to 127) to an AuthorizationList. */
static void
list_int(struct certgen_buf *list, uint32_t tag, uint8_t value)
{
	struct certgen_buf inner = { .len = 0 };

	certgen_der_put(&inner, UNIVERSAL, false, TAG_INTEGER, &value, 1);
	certgen_der_put(list, CONTEXT, true, tag, inner.buf, inner.len);
}

/* Append purpose: [1] EXPLICIT SET OF INTEGER. */
static void
list_purpose(struct certgen_buf *list, const uint8_t *purposes, size_t n)
{
	struct certgen_buf set = { .len = 0 }, inner = { .len = 0 };

	for (size_t i = 0; i < n; i++)
		certgen_der_put(&set, UNIVERSAL, false, TAG_INTEGER, &purposes[i], 1);
	certgen_der_put(&inner, UNIVERSAL, true, TAG_SET, set.buf, set.len);
	certgen_der_put(list, CONTEXT, true, KM_TAG_PURPOSE, inner.buf, inner.len);
}

static void
list_purpose_sign(struct certgen_buf *list)
{
	static const uint8_t sign = KM_PURPOSE_SIGN;

	list_purpose(list, &sign, 1);
}

/* Append allApplications: [600] EXPLICIT NULL. */
static void
list_all_applications(struct certgen_buf *list)
{
	struct certgen_buf inner = { .len = 0 };

	certgen_der_put(&inner, UNIVERSAL, false, TAG_NULL, NULL, 0);
	certgen_der_put(list, CONTEXT, true, KM_TAG_ALL_APPLICATIONS, inner.buf, inner.len);
}

/* The teeEnforced list of a generated signing key, in schema order. */
static void
list_tee_default(struct certgen_buf *list)
{
	list_purpose_sign(list);
	list_int(list, KM_TAG_ALGORITHM, KM_ALGORITHM_EC);
	list_int(list, KM_TAG_ORIGIN, KM_ORIGIN_GENERATED);
}

/* The softwareEnforced list: creationDateTime only, as devices with a TEE send. */
static void
list_sw_default(struct certgen_buf *list)
{
	list_int(list, KM_TAG_CREATION_DATETIME, 1);
}

/* A KeyDescription (attestation version 3, TEE) with challenge and the two lists. */
static void
key_description(struct certgen_buf *out, const uint8_t *challenge, size_t challenge_len,
    const struct certgen_buf *sw, const struct certgen_buf *tee)
{
	struct certgen_buf body = { .len = 0 };
	const uint8_t version = 3, level = KM_SECURITY_LEVEL_TEE, km_version = 4;

	certgen_der_put(&body, UNIVERSAL, false, TAG_INTEGER, &version, 1);
	certgen_der_put(&body, UNIVERSAL, false, TAG_ENUMERATED, &level, 1);
	certgen_der_put(&body, UNIVERSAL, false, TAG_INTEGER, &km_version, 1);
	certgen_der_put(&body, UNIVERSAL, false, TAG_ENUMERATED, &level, 1);
	certgen_der_put(&body, UNIVERSAL, false, TAG_OCTET_STRING, challenge, challenge_len);
	certgen_der_put(&body, UNIVERSAL, false, TAG_OCTET_STRING, NULL, 0);
	certgen_der_put(&body, UNIVERSAL, true, TAG_SEQUENCE, sw->buf, sw->len);
	certgen_der_put(&body, UNIVERSAL, true, TAG_SEQUENCE, tee->buf, tee->len);
	certgen_der_put(out, UNIVERSAL, true, TAG_SEQUENCE, body.buf, body.len);
}

/* The key description of a valid statement, with the given lists. */
static void
key_description_lists(struct fixture *f, struct certgen_buf *out, const struct certgen_buf *sw,
    const struct certgen_buf *tee)
{
	key_description(out, f->cdh, sizeof(f->cdh), sw, tee);
}

/* A credential certificate for key with ext (NULL for none) as the key description. */
static X509 *
leaf_new(struct fixture *f, EVP_PKEY *key, const struct certgen_buf *ext)
{
	X509 *cert = certgen_new(key, X509_VERSION_3, "Android Keystore Key");

	if (ext != NULL)
		certgen_add_ext_der(cert, OID_ANDROID_KEY_DESCRIPTION, false, ext->buf, ext->len);
	certgen_sign(cert, f->ca, f->ca_key);
	return cert;
}

/* Run the format on stmt with the fixture's inputs; free stmt. */
static int
verify_stmt_with(struct fixture *f, const mfa_cose_key_t *key, cbor_item_t *stmt,
    struct webauthn_attest_result *res)
{
	struct webauthn_attest_input in = {
		.att_stmt = stmt,
		.auth_data = f->auth_data,
		.auth_data_len = f->auth_data_len,
		.ad = &f->ad,
		.cred_key = key,
	};
	int r;

	memcpy(in.client_data_hash, f->cdh, sizeof(f->cdh));
	r = webauthn_attest_android_key(&in, res);
	cbor_decref(&stmt);
	return r;
}

/* A statement {alg, sig, x5c [leaf, CA]} whose sig is signer's over authData || clientDataHash. */
static cbor_item_t *
stmt_new(struct fixture *f, X509 *leaf, EVP_PKEY *signer, int64_t alg)
{
	X509 *chain[2] = { leaf, f->ca };
	cbor_item_t *stmt = certgen_map_new(3);
	uint8_t *msg = malloc(f->auth_data_len + sizeof(f->cdh)), *sig;
	size_t sig_len = 0;

	assert_non_null(msg);
	memcpy(msg, f->auth_data, f->auth_data_len);
	memcpy(msg + f->auth_data_len, f->cdh, sizeof(f->cdh));
	sig = certgen_sign_data(signer, "SHA256", msg, f->auth_data_len + sizeof(f->cdh), &sig_len);

	certgen_map_int(stmt, "alg", alg);
	certgen_map_bytes(stmt, "sig", sig, sig_len);
	certgen_map_x5c(stmt, chain, 2);
	free(sig);
	free(msg);
	return stmt;
}

/* Verify a statement for the credential key whose certificate carries ext. */
static int
verify_ext(struct fixture *f, const struct certgen_buf *ext)
{
	struct webauthn_attest_result res = { .x5c = NULL };
	X509 *leaf = leaf_new(f, f->cred, ext);
	int r;

	r = verify_stmt_with(f, f->key, stmt_new(f, leaf, f->cred, MFA_COSE_ES256), &res);
	if (r == MFA_OK) {
		assert_int_equal(res.type, MFA_WEBAUTHN_ATTESTATION_TYPE_BASIC);
		assert_int_equal(sk_X509_num(res.x5c), 2);
		assert_int_equal(X509_cmp(sk_X509_value(res.x5c, 0), leaf), 0);
		assert_int_equal(X509_cmp(sk_X509_value(res.x5c, 1), f->ca), 0);
		sk_X509_pop_free(res.x5c, X509_free);
	} else {
		assert_null(res.x5c);
	}

	X509_free(leaf);
	return r;
}

/* Verify a statement whose key description has the lists sw and tee. */
static int
verify_lists(struct fixture *f, const struct certgen_buf *sw, const struct certgen_buf *tee)
{
	struct certgen_buf ext = { .len = 0 };

	key_description_lists(f, &ext, sw, tee);
	return verify_ext(f, &ext);
}

static void
android_valid(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 };

	list_sw_default(&sw);
	list_tee_default(&tee);
	assert_int_equal(verify_lists(f, &sw, &tee), MFA_OK);
}

static void
android_valid_rsa(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 }, ext = { .len = 0 };
	struct webauthn_attest_result res = { .x5c = NULL };
	mfa_webauthn_auth_data_t ad = f->ad;
	EVP_PKEY *rsa = certgen_key_rsa(2048);
	mfa_cose_key_t *key = NULL;
	uint8_t *cose, *auth_data = f->auth_data;
	size_t cose_len = 0, auth_data_len = f->auth_data_len;
	X509 *leaf;

	cose = certgen_cose_key(rsa, MFA_COSE_RS256, &cose_len);
	assert_int_equal(mfa_cose_key_parse(cose, cose_len, &key), MFA_OK);
	f->auth_data = certgen_auth_data(zero_aaguid, cose, cose_len, &f->auth_data_len);
	f->ad.aaguid = f->auth_data + 37;

	list_sw_default(&sw);
	list_tee_default(&tee);
	key_description_lists(f, &ext, &sw, &tee);
	leaf = leaf_new(f, rsa, &ext);
	assert_int_equal(verify_stmt_with(f, key, stmt_new(f, leaf, rsa, MFA_COSE_RS256), &res),
	    MFA_OK);
	assert_int_equal(res.type, MFA_WEBAUTHN_ATTESTATION_TYPE_BASIC);
	sk_X509_pop_free(res.x5c, X509_free);

	free(f->auth_data);
	f->auth_data = auth_data;
	f->auth_data_len = auth_data_len;
	f->ad = ad;
	X509_free(leaf);
	mfa_cose_key_free(&key);
	free(cose);
	EVP_PKEY_free(rsa);
}

/* WebAuthn lets an RP take origin and purpose from softwareEnforced too. */
static void
android_valid_software_lists(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 };

	list_purpose_sign(&sw);
	list_int(&sw, KM_TAG_ORIGIN, KM_ORIGIN_GENERATED);
	assert_int_equal(verify_lists(f, &sw, &tee), MFA_OK);
}

static void
android_valid_unsorted_fields(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 };

	list_int(&tee, KM_TAG_ORIGIN, KM_ORIGIN_GENERATED);
	list_int(&tee, KM_TAG_ALGORITHM, KM_ALGORITHM_EC);
	list_purpose_sign(&tee);
	assert_int_equal(verify_lists(f, &sw, &tee), MFA_OK);
}

static void
android_valid_sign_and_verify(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 };
	static const uint8_t purposes[] = { KM_PURPOSE_SIGN, KM_PURPOSE_VERIFY };

	list_purpose(&tee, purposes, 2);
	list_int(&tee, KM_TAG_ORIGIN, KM_ORIGIN_GENERATED);
	assert_int_equal(verify_lists(f, &sw, &tee), MFA_OK);
}

static void
android_sig_invalid(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 }, ext = { .len = 0 };
	struct webauthn_attest_result res = { .x5c = NULL };
	X509 *leaf;

	list_tee_default(&tee);
	key_description_lists(f, &ext, &sw, &tee);
	leaf = leaf_new(f, f->cred, &ext);

	/* A valid signature by another key over the same message. */
	assert_int_equal(verify_stmt_with(f, f->key, stmt_new(f, leaf, f->other, MFA_COSE_ES256), &res),
	    MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	assert_null(res.x5c);
	X509_free(leaf);
}

static void
android_sig_changed_data(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 }, ext = { .len = 0 };
	struct webauthn_attest_result res = { .x5c = NULL };
	cbor_item_t *stmt;
	X509 *leaf;

	list_tee_default(&tee);
	key_description_lists(f, &ext, &sw, &tee);
	leaf = leaf_new(f, f->cred, &ext);
	stmt = stmt_new(f, leaf, f->cred, MFA_COSE_ES256);

	/* Signed over other authenticator data: flip the sign count after signing. */
	f->auth_data[36] ^= 0x01;
	assert_int_equal(verify_stmt_with(f, f->key, stmt, &res),
	    MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	f->auth_data[36] ^= 0x01;
	assert_null(res.x5c);
	X509_free(leaf);
}

static void
android_alg_mismatch(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 }, ext = { .len = 0 };
	struct webauthn_attest_result res = { .x5c = NULL };
	X509 *leaf;

	list_tee_default(&tee);
	key_description_lists(f, &ext, &sw, &tee);
	leaf = leaf_new(f, f->cred, &ext);

	/* RS256 does not fit the P-256 key of the certificate. */
	assert_int_equal(verify_stmt_with(f, f->key, stmt_new(f, leaf, f->cred, MFA_COSE_RS256), &res),
	    MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	assert_null(res.x5c);
	X509_free(leaf);
}

static void
android_alg_missing(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 }, ext = { .len = 0 };
	struct webauthn_attest_result res = { .x5c = NULL };
	X509 *leaf, *chain[1];
	cbor_item_t *stmt = certgen_map_new(2);

	list_tee_default(&tee);
	key_description_lists(f, &ext, &sw, &tee);
	leaf = leaf_new(f, f->cred, &ext);
	chain[0] = leaf;
	certgen_map_bytes(stmt, "sig", (const uint8_t *)"\x30\x00", 2);
	certgen_map_x5c(stmt, chain, 1);

	assert_int_equal(verify_stmt_with(f, f->key, stmt, &res),
	    MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	assert_null(res.x5c);
	X509_free(leaf);
}

static void
android_key_mismatch(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 }, ext = { .len = 0 };
	struct webauthn_attest_result res = { .x5c = NULL };
	X509 *leaf;

	list_tee_default(&tee);
	key_description_lists(f, &ext, &sw, &tee);
	leaf = leaf_new(f, f->other, &ext);

	/* The certificate's key signed, but it is not the credential key. */
	assert_int_equal(verify_stmt_with(f, f->key, stmt_new(f, leaf, f->other, MFA_COSE_ES256), &res),
	    MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	assert_null(res.x5c);
	X509_free(leaf);
}

static void
android_extension_missing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(verify_ext(f, NULL), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
android_challenge_mismatch(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 }, ext = { .len = 0 };
	uint8_t challenge[32];

	memcpy(challenge, f->cdh, sizeof(challenge));
	challenge[0] ^= 0x80;
	list_tee_default(&tee);
	key_description(&ext, challenge, sizeof(challenge), &sw, &tee);
	assert_int_equal(verify_ext(f, &ext), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
android_challenge_short(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 }, ext = { .len = 0 };

	list_tee_default(&tee);
	key_description(&ext, f->cdh, sizeof(f->cdh) - 1, &sw, &tee);
	assert_int_equal(verify_ext(f, &ext), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
android_all_applications_software(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 };

	list_all_applications(&sw);
	list_tee_default(&tee);
	assert_int_equal(verify_lists(f, &sw, &tee), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
android_all_applications_tee(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 };

	list_tee_default(&tee);
	list_all_applications(&tee);
	assert_int_equal(verify_lists(f, &sw, &tee), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
android_origin_imported(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 };

	list_purpose_sign(&tee);
	list_int(&tee, KM_TAG_ORIGIN, KM_ORIGIN_IMPORTED);
	assert_int_equal(verify_lists(f, &sw, &tee), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
android_origin_missing(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 };

	list_purpose_sign(&tee);
	assert_int_equal(verify_lists(f, &sw, &tee), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

/* A generated origin in one list does not excuse an imported one in the other. */
static void
android_origin_conflict(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 };

	list_int(&sw, KM_TAG_ORIGIN, KM_ORIGIN_IMPORTED);
	list_tee_default(&tee);
	assert_int_equal(verify_lists(f, &sw, &tee), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
android_origin_repeated(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 };

	list_tee_default(&tee);
	list_int(&tee, KM_TAG_ORIGIN, KM_ORIGIN_GENERATED);
	assert_int_equal(verify_lists(f, &sw, &tee), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
android_origin_not_minimal(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 }, value = { .len = 0 };
	static const uint8_t padded_zero[] = { 0x00, 0x00 };

	list_purpose_sign(&tee);
	certgen_der_put(&value, UNIVERSAL, false, TAG_INTEGER, padded_zero, sizeof(padded_zero));
	certgen_der_put(&tee, CONTEXT, true, KM_TAG_ORIGIN, value.buf, value.len);
	assert_int_equal(verify_lists(f, &sw, &tee), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
android_purpose_verify_only(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 };
	static const uint8_t verify = KM_PURPOSE_VERIFY;

	list_purpose(&tee, &verify, 1);
	list_int(&tee, KM_TAG_ORIGIN, KM_ORIGIN_GENERATED);
	assert_int_equal(verify_lists(f, &sw, &tee), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
android_purpose_missing(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 };

	list_int(&tee, KM_TAG_ORIGIN, KM_ORIGIN_GENERATED);
	assert_int_equal(verify_lists(f, &sw, &tee), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
android_purpose_repeated(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 };

	list_purpose_sign(&tee);
	list_tee_default(&tee);
	assert_int_equal(verify_lists(f, &sw, &tee), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
android_extension_truncated(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 }, ext = { .len = 0 };

	list_sw_default(&sw);
	list_tee_default(&tee);
	key_description_lists(f, &ext, &sw, &tee);
	for (size_t len = 0; len < ext.len; len++) {
		struct certgen_buf cut = { .len = 0 };

		certgen_buf_put(&cut, ext.buf, len);
		assert_int_equal(verify_ext(f, &cut), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	}
}

static void
android_extension_trailing_byte(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 }, ext = { .len = 0 };

	list_tee_default(&tee);
	key_description_lists(f, &ext, &sw, &tee);
	certgen_buf_put(&ext, (const uint8_t *)"", 1);
	assert_int_equal(verify_ext(f, &ext), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

/* Every single-byte change of a valid extension is rejected or, where harmless, accepted: never a crash. */
static void
android_extension_bit_flips(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf sw = { .len = 0 }, tee = { .len = 0 }, ext = { .len = 0 };
	int r;

	list_sw_default(&sw);
	list_tee_default(&tee);
	key_description_lists(f, &ext, &sw, &tee);
	for (size_t i = 0; i < ext.len; i++) {
		ext.buf[i] ^= 0x80;
		r = verify_ext(f, &ext);
		assert_true(r == MFA_OK || r == MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
		ext.buf[i] ^= 0x80;
	}
}

static void
android_x5c_missing(void **state)
{
	struct fixture *f = *state;
	struct webauthn_attest_result res = { .x5c = NULL };
	cbor_item_t *stmt = certgen_map_new(2);

	certgen_map_int(stmt, "alg", MFA_COSE_ES256);
	certgen_map_bytes(stmt, "sig", (const uint8_t *)"\x30\x00", 2);
	assert_int_equal(verify_stmt_with(f, f->key, stmt, &res),
	    MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	assert_null(res.x5c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(android_valid),
		cmocka_unit_test(android_valid_rsa),
		cmocka_unit_test(android_valid_software_lists),
		cmocka_unit_test(android_valid_unsorted_fields),
		cmocka_unit_test(android_valid_sign_and_verify),
		cmocka_unit_test(android_sig_invalid),
		cmocka_unit_test(android_sig_changed_data),
		cmocka_unit_test(android_alg_mismatch),
		cmocka_unit_test(android_alg_missing),
		cmocka_unit_test(android_key_mismatch),
		cmocka_unit_test(android_extension_missing),
		cmocka_unit_test(android_challenge_mismatch),
		cmocka_unit_test(android_challenge_short),
		cmocka_unit_test(android_all_applications_software),
		cmocka_unit_test(android_all_applications_tee),
		cmocka_unit_test(android_origin_imported),
		cmocka_unit_test(android_origin_missing),
		cmocka_unit_test(android_origin_conflict),
		cmocka_unit_test(android_origin_repeated),
		cmocka_unit_test(android_origin_not_minimal),
		cmocka_unit_test(android_purpose_verify_only),
		cmocka_unit_test(android_purpose_missing),
		cmocka_unit_test(android_purpose_repeated),
		cmocka_unit_test(android_extension_truncated),
		cmocka_unit_test(android_extension_trailing_byte),
		cmocka_unit_test(android_extension_bit_flips),
		cmocka_unit_test(android_x5c_missing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
