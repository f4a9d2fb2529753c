/* SPDX-License-Identifier: MIT */
/* The "apple" attestation statement format: a valid statement and one rejected statement per check. */
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

#define OID_APPLE_NONCE "1.2.840.113635.100.8.2"

struct fixture {
	EVP_PKEY *ca_key;
	X509 *ca;
	EVP_PKEY *cred;           /* the credential key pair */
	EVP_PKEY *other;          /* a key that is not the credential's */
	mfa_cose_key_t *key;
	uint8_t *auth_data;
	size_t auth_data_len;
	mfa_webauthn_auth_data_t ad;
	uint8_t cdh[32];
	uint8_t nonce[32];        /* SHA-256(authData || clientDataHash), computed here */
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
	f->ca = certgen_ca(f->ca_key, "Test Apple WebAuthn Root CA");
	f->cred = certgen_key_ec("P-256");
	f->other = certgen_key_ec("P-256");

	cose = certgen_cose_key(f->cred, MFA_COSE_ES256, &cose_len);
	assert_int_equal(mfa_cose_key_parse(cose, cose_len, &f->key), MFA_OK);
	f->auth_data = certgen_auth_data(zero_aaguid, cose, cose_len, &f->auth_data_len);
	free(cose);
	f->ad.aaguid = f->auth_data + 37;

	memset(f->cdh, 0x5a, sizeof(f->cdh));
	assert_int_equal(certgen_digest("SHA256", f->auth_data, f->auth_data_len, f->cdh,
	    sizeof(f->cdh), f->nonce), 32);

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

/* The nonce extension value SEQUENCE { [1] { OCTET STRING nonce } }. */
static void
nonce_ext(struct certgen_buf *out, const uint8_t *nonce, size_t len)
{
	struct certgen_buf octet = { .len = 0 }, tagged = { .len = 0 };

	certgen_der_put(&octet, 0, false, 4, nonce, len);
	certgen_der_put(&tagged, 2, true, 1, octet.buf, octet.len);
	certgen_der_put(out, 0, true, 16, tagged.buf, tagged.len);
}

/* A credential certificate for key with ext (NULL for none) as the nonce extension. */
static X509 *
leaf_new(struct fixture *f, EVP_PKEY *key, const struct certgen_buf *ext)
{
	X509 *cert = certgen_new(key, X509_VERSION_3, "Test Apple credential");

	if (ext != NULL)
		certgen_add_ext_der(cert, OID_APPLE_NONCE, false, ext->buf, ext->len);
	certgen_sign(cert, f->ca, f->ca_key);
	return cert;
}

/* Verify an attStmt that contains x5c [leaf, CA], and free leaf. */
static int
verify_leaf(struct fixture *f, X509 *leaf, struct webauthn_attest_result *res)
{
	X509 *chain[2] = { leaf, f->ca };
	cbor_item_t *stmt = certgen_map_new(1);
	struct webauthn_attest_input in = {
		.att_stmt = stmt,
		.auth_data = f->auth_data,
		.auth_data_len = f->auth_data_len,
		.ad = &f->ad,
		.cred_key = f->key,
	};
	int r;

	memcpy(in.client_data_hash, f->cdh, sizeof(f->cdh));
	certgen_map_x5c(stmt, chain, 2);
	r = webauthn_attest_apple(&in, res);

	cbor_decref(&stmt);
	X509_free(leaf);
	return r;
}

static int
verify_nonce_ext(struct fixture *f, const struct certgen_buf *ext)
{
	struct webauthn_attest_result res = { .x5c = NULL };
	int r = verify_leaf(f, leaf_new(f, f->cred, ext), &res);

	assert_null(res.x5c);
	return r;
}

static void
apple_valid(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf ext = { .len = 0 };
	struct webauthn_attest_result res = { .x5c = NULL };
	X509 *leaf;

	nonce_ext(&ext, f->nonce, sizeof(f->nonce));
	leaf = leaf_new(f, f->cred, &ext);
	assert_int_equal(X509_up_ref(leaf), 1); /* verify_leaf() frees one reference */

	assert_int_equal(verify_leaf(f, leaf, &res), MFA_OK);
	assert_int_equal(res.type, MFA_WEBAUTHN_ATTESTATION_TYPE_ANONCA);
	assert_non_null(res.x5c);
	assert_int_equal(sk_X509_num(res.x5c), 2);
	assert_int_equal(X509_cmp(sk_X509_value(res.x5c, 0), leaf), 0);
	assert_int_equal(X509_cmp(sk_X509_value(res.x5c, 1), f->ca), 0);

	sk_X509_pop_free(res.x5c, X509_free);
	X509_free(leaf);
}

static void
apple_nonce_mismatch(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf ext = { .len = 0 };
	uint8_t nonce[32];

	memcpy(nonce, f->nonce, sizeof(nonce));
	nonce[31] ^= 0x01;
	nonce_ext(&ext, nonce, sizeof(nonce));
	assert_int_equal(verify_nonce_ext(f, &ext), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
apple_nonce_missing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(verify_nonce_ext(f, NULL), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
apple_nonce_repeated(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf ext = { .len = 0 };
	struct webauthn_attest_result res = { .x5c = NULL };
	X509 *leaf = certgen_new(f->cred, X509_VERSION_3, "Test Apple credential");

	nonce_ext(&ext, f->nonce, sizeof(f->nonce));
	certgen_add_ext_der(leaf, OID_APPLE_NONCE, false, ext.buf, ext.len);
	certgen_add_ext_der(leaf, OID_APPLE_NONCE, false, ext.buf, ext.len);
	certgen_sign(leaf, f->ca, f->ca_key);

	assert_int_equal(verify_leaf(f, leaf, &res), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	assert_null(res.x5c);
}

static void
apple_nonce_untagged(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf octet = { .len = 0 }, ext = { .len = 0 };

	/* SEQUENCE { OCTET STRING } without the [1] wrapper. */
	certgen_der_put(&octet, 0, false, 4, f->nonce, sizeof(f->nonce));
	certgen_der_put(&ext, 0, true, 16, octet.buf, octet.len);
	assert_int_equal(verify_nonce_ext(f, &ext), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
apple_nonce_short(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf ext = { .len = 0 };

	nonce_ext(&ext, f->nonce, sizeof(f->nonce) - 1);
	assert_int_equal(verify_nonce_ext(f, &ext), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
apple_nonce_trailing_byte(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf ext = { .len = 0 };

	nonce_ext(&ext, f->nonce, sizeof(f->nonce));
	certgen_buf_put(&ext, (const uint8_t *)"", 1);
	assert_int_equal(verify_nonce_ext(f, &ext), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
apple_nonce_truncated(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf ext = { .len = 0 };

	nonce_ext(&ext, f->nonce, sizeof(f->nonce));
	for (size_t len = 0; len < ext.len; len++) {
		struct certgen_buf cut = { .len = 0 };

		certgen_buf_put(&cut, ext.buf, len);
		assert_int_equal(verify_nonce_ext(f, &cut), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	}
}

static void
apple_key_mismatch(void **state)
{
	struct fixture *f = *state;
	struct certgen_buf ext = { .len = 0 };
	struct webauthn_attest_result res = { .x5c = NULL };

	nonce_ext(&ext, f->nonce, sizeof(f->nonce));
	assert_int_equal(verify_leaf(f, leaf_new(f, f->other, &ext), &res),
	    MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	assert_null(res.x5c);
}

/* Verify an attStmt built by the caller. */
static int
verify_stmt(struct fixture *f, cbor_item_t *stmt)
{
	struct webauthn_attest_result res = { .x5c = NULL };
	struct webauthn_attest_input in = {
		.att_stmt = stmt,
		.auth_data = f->auth_data,
		.auth_data_len = f->auth_data_len,
		.ad = &f->ad,
		.cred_key = f->key,
	};
	int r;

	memcpy(in.client_data_hash, f->cdh, sizeof(f->cdh));
	r = webauthn_attest_apple(&in, &res);
	assert_null(res.x5c);
	cbor_decref(&stmt);
	return r;
}

static void
apple_x5c_missing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(verify_stmt(f, certgen_map_new(0)), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
apple_x5c_empty(void **state)
{
	struct fixture *f = *state;
	cbor_item_t *stmt = certgen_map_new(1);

	certgen_map_x5c(stmt, NULL, 0);
	assert_int_equal(verify_stmt(f, stmt), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
apple_x5c_not_array(void **state)
{
	struct fixture *f = *state;
	cbor_item_t *stmt = certgen_map_new(1);

	certgen_map_bytes(stmt, "x5c", (const uint8_t *)"\x30\x00", 2);
	assert_int_equal(verify_stmt(f, stmt), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
apple_stmt_not_map(void **state)
{
	struct fixture *f = *state;
	cbor_item_t *array = cbor_new_definite_array(0);

	assert_non_null(array);
	assert_int_equal(verify_stmt(f, array), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(apple_valid),
		cmocka_unit_test(apple_nonce_mismatch),
		cmocka_unit_test(apple_nonce_missing),
		cmocka_unit_test(apple_nonce_repeated),
		cmocka_unit_test(apple_nonce_untagged),
		cmocka_unit_test(apple_nonce_short),
		cmocka_unit_test(apple_nonce_trailing_byte),
		cmocka_unit_test(apple_nonce_truncated),
		cmocka_unit_test(apple_key_mismatch),
		cmocka_unit_test(apple_x5c_missing),
		cmocka_unit_test(apple_x5c_empty),
		cmocka_unit_test(apple_x5c_not_array),
		cmocka_unit_test(apple_stmt_not_map),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
