/* SPDX-License-Identifier: MIT */
/* The attestation helpers: DER reading, x5c decoding, certificate extensions and the x5c signature. */
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

#define OID_FIDO_AAGUID "1.3.6.1.4.1.45724.1.1.4"
#define OID_TEST_EXTENSION "1.3.6.1.4.1.99999.1"

struct fixture {
	EVP_PKEY *ca_key;
	X509 *ca;
	EVP_PKEY *leaf_key;
};

static const uint8_t aaguid[16] = {
	0xf8, 0xa0, 0x11, 0xf3, 0x8c, 0x0a, 0x4d, 0x15, 0x80, 0x06, 0x17, 0x11, 0x1f, 0x9e, 0xdc, 0x7d,
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ca_key = certgen_key_ec("P-256");
	f->ca = certgen_ca(f->ca_key, "Test Attestation Root");
	f->leaf_key = certgen_key_ec("P-256");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	X509_free(f->ca);
	EVP_PKEY_free(f->ca_key);
	EVP_PKEY_free(f->leaf_key);
	free(f);
	return 0;
}

/* Read one element from bytes and return whether der_next() accepted it. */
static bool
read_one(const uint8_t *p, size_t len, unsigned *cls, bool *constructed, uint32_t *tag,
    struct der *value, struct der *rest)
{
	struct der in = { p, len };
	bool ok = der_next(&in, cls, constructed, tag, value);

	*rest = in;
	return ok;
}

static void
der_short_form(void **state)
{
	static const uint8_t bytes[] = { 0x04, 0x02, 0xaa, 0xbb, 0x05, 0x00 };
	struct der value, rest;
	unsigned cls = 9;
	bool constructed = true;
	uint32_t tag = 0;

	(void)state;
	assert_true(read_one(bytes, sizeof(bytes), &cls, &constructed, &tag, &value, &rest));
	assert_int_equal(cls, 0);
	assert_false(constructed);
	assert_int_equal(tag, 4);
	assert_int_equal(value.len, 2);
	assert_ptr_equal(value.p, bytes + 2);
	assert_int_equal(rest.len, 2);
	assert_ptr_equal(rest.p, bytes + 4);
}

static void
der_high_tag(void **state)
{
	/* [702] constructed, context class: 0xbf, 0x85 0x3e (702 = 5 * 128 + 62). */
	static const uint8_t bytes[] = { 0xbf, 0x85, 0x3e, 0x03, 0x02, 0x01, 0x00 };
	struct der value, rest;
	unsigned cls = 0;
	bool constructed = false;
	uint32_t tag = 0;

	(void)state;
	assert_true(read_one(bytes, sizeof(bytes), &cls, &constructed, &tag, &value, &rest));
	assert_int_equal(cls, 2);
	assert_true(constructed);
	assert_int_equal(tag, 702);
	assert_int_equal(value.len, 3);
	assert_int_equal(rest.len, 0);
}

static void
der_long_length(void **state)
{
	uint8_t bytes[4 + 300];
	struct der value, rest;
	unsigned cls;
	bool constructed;
	uint32_t tag;

	(void)state;
	memset(bytes, 0x55, sizeof(bytes));
	bytes[0] = 0x04;
	bytes[1] = 0x82;
	bytes[2] = 0x01;
	bytes[3] = 0x2c; /* 300 */
	assert_true(read_one(bytes, sizeof(bytes), &cls, &constructed, &tag, &value, &rest));
	assert_int_equal(value.len, 300);
	assert_int_equal(rest.len, 0);

	/* One byte short of the announced length. */
	assert_false(read_one(bytes, sizeof(bytes) - 1, &cls, &constructed, &tag, &value, &rest));
}

static void
der_rejects_malformed(void **state)
{
	static const struct {
		const char *name;
		uint8_t bytes[8];
		size_t len;
	} cases[] = {
		{ "empty", { 0 }, 0 },
		{ "no length", { 0x04 }, 1 },
		{ "indefinite length", { 0x30, 0x80, 0x00, 0x00 }, 4 },
		{ "long form for a short length", { 0x04, 0x81, 0x05, 1, 2, 3, 4, 5 }, 8 },
		{ "length with a leading zero", { 0x04, 0x82, 0x00, 0x85 }, 4 },
		{ "length of five octets", { 0x04, 0x85, 1, 0, 0, 0, 0 }, 7 },
		{ "length past the end", { 0x04, 0x05, 1, 2 }, 4 },
		{ "long length past the end", { 0x04, 0x84, 0xff, 0xff, 0xff, 0xff }, 6 },
		{ "high tag truncated", { 0x9f, 0x85 }, 2 },
		{ "high tag padded", { 0x9f, 0x80, 0x05, 0x00 }, 4 },
		{ "high tag below 31", { 0x9f, 0x1e, 0x00 }, 3 },
		{ "high tag over 32 bits", { 0x9f, 0x90, 0x80, 0x80, 0x80, 0x00, 0x00 }, 7 },
		{ "high tag of six octets", { 0x9f, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00 }, 8 },
	};
	struct der value, rest;
	unsigned cls;
	bool constructed;
	uint32_t tag;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].name);
		assert_false(read_one(cases[i].bytes, cases[i].len, &cls, &constructed, &tag, &value,
		    &rest));
		/* The input is left as it was. */
		assert_ptr_equal(rest.p, cases[i].bytes);
		assert_int_equal(rest.len, cases[i].len);
	}
}

static void
der_null_input(void **state)
{
	struct der in = { NULL, 4 }, value;
	unsigned cls;
	bool constructed;
	uint32_t tag;

	(void)state;
	assert_false(der_next(&in, &cls, &constructed, &tag, &value));
}

/* An unsigned leaf for the fixture's leaf key, with a basicConstraints value or none. */
static X509 *
leaf_new(struct fixture *f, long version, const char *basic_constraints)
{
	X509 *cert = certgen_new(f->leaf_key, version, "Test Attestation Leaf");

	if (basic_constraints != NULL)
		certgen_add_ext_conf(cert, f->ca, NID_basic_constraints, basic_constraints);
	return cert;
}

static X509 *
leaf_signed(struct fixture *f, X509 *cert)
{
	certgen_sign(cert, f->ca, f->ca_key);
	return cert;
}

static int
decode_stmt(const cbor_item_t *stmt, STACK_OF(X509) **ret)
{
	return webauthn_x5c_decode(cborutil_map_text(stmt, "x5c"), ret);
}

static void
x5c_decodes_chain(void **state)
{
	struct fixture *f = *state;
	X509 *leaf = leaf_signed(f, leaf_new(f, X509_VERSION_3, "critical,CA:FALSE"));
	X509 *chain[2] = { leaf, f->ca };
	cbor_item_t *stmt = certgen_map_new(1);
	STACK_OF(X509) *x5c = NULL;

	certgen_map_x5c(stmt, chain, 2);
	assert_int_equal(decode_stmt(stmt, &x5c), MFA_OK);
	assert_int_equal(sk_X509_num(x5c), 2);
	assert_int_equal(X509_cmp(sk_X509_value(x5c, 0), leaf), 0);
	assert_int_equal(X509_cmp(sk_X509_value(x5c, 1), f->ca), 0);

	sk_X509_pop_free(x5c, X509_free);
	cbor_decref(&stmt);
	X509_free(leaf);
}

static void
x5c_rejects_bad_arrays(void **state)
{
	struct fixture *f = *state;
	X509 *chain[WEBAUTHN_X5C_MAX + 1];
	STACK_OF(X509) *x5c = NULL;
	cbor_item_t *stmt, *array;
	uint8_t *der;
	size_t len = 0;

	for (size_t i = 0; i <= WEBAUTHN_X5C_MAX; i++)
		chain[i] = f->ca;

	/* Missing, empty and one certificate too many. */
	assert_int_equal(webauthn_x5c_decode(NULL, &x5c), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	stmt = certgen_map_new(1);
	certgen_map_x5c(stmt, chain, 0);
	assert_int_equal(decode_stmt(stmt, &x5c), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	cbor_decref(&stmt);
	stmt = certgen_map_new(1);
	certgen_map_x5c(stmt, chain, WEBAUTHN_X5C_MAX + 1);
	assert_int_equal(decode_stmt(stmt, &x5c), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	cbor_decref(&stmt);

	/* The largest array accepted. */
	stmt = certgen_map_new(1);
	certgen_map_x5c(stmt, chain, WEBAUTHN_X5C_MAX);
	assert_int_equal(decode_stmt(stmt, &x5c), MFA_OK);
	assert_int_equal(sk_X509_num(x5c), WEBAUTHN_X5C_MAX);
	sk_X509_pop_free(x5c, X509_free);
	x5c = NULL;
	cbor_decref(&stmt);

	/* A text string, a certificate with a trailing byte and a truncated one. */
	der = certgen_cert_der(f->ca, &len);
	array = cbor_new_definite_array(1);
	assert_non_null(array);
	assert_true(cbor_array_push(array, cbor_move(cbor_build_string("MIIB"))));
	assert_int_equal(webauthn_x5c_decode(array, &x5c), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	cbor_decref(&array);

	der = realloc(der, len + 1);
	assert_non_null(der);
	der[len] = 0;
	array = cbor_new_definite_array(1);
	assert_non_null(array);
	assert_true(cbor_array_push(array, cbor_move(cbor_build_bytestring(der, len + 1))));
	assert_int_equal(webauthn_x5c_decode(array, &x5c), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	cbor_decref(&array);

	array = cbor_new_definite_array(1);
	assert_non_null(array);
	assert_true(cbor_array_push(array, cbor_move(cbor_build_bytestring(der, len - 1))));
	assert_int_equal(webauthn_x5c_decode(array, &x5c), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	cbor_decref(&array);

	/* A byte string where the array belongs. */
	array = cbor_build_bytestring(der, len);
	assert_non_null(array);
	assert_int_equal(webauthn_x5c_decode(array, &x5c), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	cbor_decref(&array);

	assert_null(x5c);
	free(der);
}

static void
cert_ext_found_once(void **state)
{
	struct fixture *f = *state;
	X509 *cert = leaf_new(f, X509_VERSION_3, NULL);
	static const uint8_t value[] = { 0x05, 0x00 };
	const uint8_t *p;
	size_t len = 0;
	bool critical = false;

	certgen_add_ext_der(cert, OID_TEST_EXTENSION, true, value, sizeof(value));
	leaf_signed(f, cert);

	p = webauthn_cert_ext(cert, OID_TEST_EXTENSION, &len, &critical);
	assert_non_null(p);
	assert_int_equal(len, sizeof(value));
	assert_memory_equal(p, value, sizeof(value));
	assert_true(critical);
	assert_null(webauthn_cert_ext(cert, OID_FIDO_AAGUID, &len, &critical));
	X509_free(cert);
}

static void
cert_ext_repeated(void **state)
{
	struct fixture *f = *state;
	X509 *cert = leaf_new(f, X509_VERSION_3, NULL);
	static const uint8_t value[] = { 0x05, 0x00 };
	size_t len = 0;
	bool critical = false;

	certgen_add_ext_der(cert, OID_TEST_EXTENSION, false, value, sizeof(value));
	certgen_add_ext_der(cert, OID_TEST_EXTENSION, false, value, sizeof(value));
	leaf_signed(f, cert);
	assert_null(webauthn_cert_ext(cert, OID_TEST_EXTENSION, &len, &critical));
	X509_free(cert);
}

/* Check the AAGUID of a leaf whose AAGUID extension has value der (NULL: no extension). */
static int
check_aaguid(struct fixture *f, const uint8_t *der, size_t len, bool critical, int copies)
{
	X509 *cert = leaf_new(f, X509_VERSION_3, NULL);
	int r;

	for (int i = 0; der != NULL && i < copies; i++)
		certgen_add_ext_der(cert, OID_FIDO_AAGUID, critical, der, len);
	leaf_signed(f, cert);
	r = webauthn_cert_check_aaguid(cert, aaguid);
	X509_free(cert);
	return r;
}

static void
aaguid_extension_checks(void **state)
{
	struct fixture *f = *state;
	uint8_t der[2 + 17];

	der[0] = 0x04;
	der[1] = 16;
	memcpy(der + 2, aaguid, 16);

	assert_int_equal(check_aaguid(f, NULL, 0, false, 0), MFA_OK);
	assert_int_equal(check_aaguid(f, der, 18, false, 1), MFA_OK);
	assert_int_equal(check_aaguid(f, der, 18, true, 1), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	assert_int_equal(check_aaguid(f, der, 18, false, 2), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);

	/* Trailing byte, short value, another AAGUID, wrong type. */
	der[18] = 0;
	assert_int_equal(check_aaguid(f, der, 19, false, 1), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	der[1] = 15;
	assert_int_equal(check_aaguid(f, der, 17, false, 1), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	der[1] = 16;
	der[17] ^= 0x01;
	assert_int_equal(check_aaguid(f, der, 18, false, 1), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	der[17] ^= 0x01;
	der[0] = 0x0c; /* UTF8String */
	assert_int_equal(check_aaguid(f, der, 18, false, 1), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static bool
is_v3_leaf(struct fixture *f, long version, const char *basic_constraints)
{
	X509 *cert = leaf_signed(f, leaf_new(f, version, basic_constraints));
	bool ok = webauthn_cert_is_v3_leaf(cert);

	X509_free(cert);
	return ok;
}

static void
v3_leaf_checks(void **state)
{
	struct fixture *f = *state;

	assert_true(is_v3_leaf(f, X509_VERSION_3, "critical,CA:FALSE"));
	assert_true(is_v3_leaf(f, X509_VERSION_3, "CA:FALSE"));
	assert_true(is_v3_leaf(f, X509_VERSION_3, NULL));
	assert_false(is_v3_leaf(f, X509_VERSION_3, "critical,CA:TRUE"));
	assert_false(is_v3_leaf(f, X509_VERSION_1, NULL));
	assert_false(is_v3_leaf(f, X509_VERSION_2, "critical,CA:FALSE"));
	assert_false(webauthn_cert_is_v3_leaf(f->ca));
}

static void
v3_leaf_repeated_constraints(void **state)
{
	struct fixture *f = *state;
	X509 *cert = leaf_new(f, X509_VERSION_3, "CA:FALSE");

	certgen_add_ext_conf(cert, f->ca, NID_basic_constraints, "CA:FALSE");
	leaf_signed(f, cert);
	assert_false(webauthn_cert_is_v3_leaf(cert));
	X509_free(cert);
}

/* Run webauthn_attest_check_sig() over fixed authData with sig signed by signer. */
static int
check_sig(EVP_PKEY *signer, EVP_PKEY *verifier, int alg, bool with_sig)
{
	static const uint8_t auth_data[37] = { 0xa0, 0xa1, 0xa2 };
	uint8_t msg[37 + 32], *sig;
	size_t sig_len = 0;
	cbor_item_t *stmt = certgen_map_new(1);
	struct webauthn_attest_input in = {
		.att_stmt = stmt,
		.auth_data = auth_data,
		.auth_data_len = sizeof(auth_data),
	};
	int r;

	memset(in.client_data_hash, 0x42, sizeof(in.client_data_hash));
	memcpy(msg, auth_data, sizeof(auth_data));
	memcpy(msg + sizeof(auth_data), in.client_data_hash, 32);
	sig = certgen_sign_data(signer, "SHA256", msg, sizeof(msg), &sig_len);
	if (with_sig)
		certgen_map_bytes(stmt, "sig", sig, sig_len);

	r = webauthn_attest_check_sig(&in, verifier, alg);
	free(sig);
	cbor_decref(&stmt);
	return r;
}

static void
x5c_signature_checks(void **state)
{
	struct fixture *f = *state;
	EVP_PKEY *rsa = certgen_key_rsa(2048);

	assert_int_equal(check_sig(f->leaf_key, f->leaf_key, MFA_COSE_ES256, true), MFA_OK);
	assert_int_equal(check_sig(rsa, rsa, MFA_COSE_RS256, true), MFA_OK);
	assert_int_equal(check_sig(f->ca_key, f->leaf_key, MFA_COSE_ES256, true),
	    MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	assert_int_equal(check_sig(f->leaf_key, f->leaf_key, MFA_COSE_ES256, false),
	    MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	/* alg names another key type or curve than the key. */
	assert_int_equal(check_sig(f->leaf_key, f->leaf_key, MFA_COSE_RS256, true),
	    MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	assert_int_equal(check_sig(f->leaf_key, f->leaf_key, MFA_COSE_ES384, true),
	    MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	EVP_PKEY_free(rsa);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(der_short_form),
		cmocka_unit_test(der_high_tag),
		cmocka_unit_test(der_long_length),
		cmocka_unit_test(der_rejects_malformed),
		cmocka_unit_test(der_null_input),
		cmocka_unit_test(x5c_decodes_chain),
		cmocka_unit_test(x5c_rejects_bad_arrays),
		cmocka_unit_test(cert_ext_found_once),
		cmocka_unit_test(cert_ext_repeated),
		cmocka_unit_test(aaguid_extension_checks),
		cmocka_unit_test(v3_leaf_checks),
		cmocka_unit_test(v3_leaf_repeated_constraints),
		cmocka_unit_test(x5c_signature_checks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
