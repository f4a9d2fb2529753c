/* SPDX-License-Identifier: MIT */
/* Registrations with tpm, android-key and apple statements through mfa_webauthn_registration_verify(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/x509v3.h>

#include <mfa/mfa.h>
#include <mfa/webauthn.h>

#include "certgen.h"
#include "softauthn.h"

#define RP_ID "example.com"
#define ORIGIN "https://example.com"

#define TPM_ALG_SHA256 0x000bu
#define OID_FIDO_AAGUID "1.3.6.1.4.1.45724.1.1.4"
#define OID_ANDROID_KEY_DESCRIPTION "1.3.6.1.4.1.11129.2.1.17"
#define OID_APPLE_NONCE "1.2.840.113635.100.8.2"

enum format { FORMAT_TPM, FORMAT_ANDROID_KEY, FORMAT_APPLE };

/* What the attStmt callback builds: one format, valid or with one byte of its signed data changed. */
struct stmt_request {
	enum format format;
	EVP_PKEY *cred;        /* the credential key pair, borrowed from softauthn */
	bool corrupt;
};

static const uint8_t challenge[32] = { 0x10, 0x20, 0x30, 0x40 };
static const char *const origins[] = { ORIGIN };
static const int algs[] = { MFA_COSE_ES256, MFA_COSE_RS256 };
static const uint8_t tpm_aaguid[16] = {
	0x08, 0x98, 0x70, 0x58, 0xca, 0xdc, 0x4b, 0x81, 0xb6, 0xe1, 0x30, 0xde, 0x50, 0xdc, 0xbe, 0x96,
};

static EVP_PKEY *ca_key, *other_ca_key, *aik_key;
static X509 *ca, *other_ca;
static mfa_webauthn_trust_t *trust, *other_trust;

static mfa_webauthn_trust_t *
trust_of(X509 *root)
{
	mfa_webauthn_trust_t *t = NULL;
	char *pem = softauthn_cert_pem(root);

	assert_int_equal(mfa_webauthn_trust_new(&t), MFA_OK);
	assert_int_equal(mfa_webauthn_trust_add_pem(t, pem, strlen(pem)), MFA_OK);
	free(pem);
	return t;
}

static int
group_setup(void **state)
{
	(void)state;
	ca_key = certgen_key_ec("P-256");
	other_ca_key = certgen_key_ec("P-256");
	aik_key = certgen_key_rsa(2048);
	ca = certgen_ca(ca_key, "Test Attestation Root");
	other_ca = certgen_ca(other_ca_key, "Unknown Root");
	trust = trust_of(ca);
	other_trust = trust_of(other_ca);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	mfa_webauthn_trust_free(&trust);
	mfa_webauthn_trust_free(&other_trust);
	X509_free(ca);
	X509_free(other_ca);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(other_ca_key);
	EVP_PKEY_free(aik_key);
	return 0;
}

/* authData || clientDataHash in a new buffer. */
static uint8_t *
signed_data(const uint8_t *auth_data, size_t auth_data_len, const uint8_t cdh[SOFTAUTHN_HASH_LEN],
    size_t *ret_len)
{
	uint8_t *msg = malloc(auth_data_len + SOFTAUTHN_HASH_LEN);

	assert_non_null(msg);
	memcpy(msg, auth_data, auth_data_len);
	memcpy(msg + auth_data_len, cdh, SOFTAUTHN_HASH_LEN);
	*ret_len = auth_data_len + SOFTAUTHN_HASH_LEN;
	return msg;
}

/* The AIK certificate of WebAuthn's TPM requirements, issued by the test root. */
static X509 *
aik_cert(void)
{
	X509 *cert = certgen_new(aik_key, X509_VERSION_3, NULL);
	uint8_t ext[2 + sizeof(tpm_aaguid)] = { 0x04, sizeof(tpm_aaguid) };

	certgen_add_tpm_san(cert, "id:FFFFF1D0", "FIDO Alliance", "id:F1D00002");
	certgen_add_ext_conf(cert, ca, NID_ext_key_usage, "2.23.133.8.3");
	certgen_add_ext_conf(cert, ca, NID_basic_constraints, "critical,CA:FALSE");
	memcpy(ext + 2, tpm_aaguid, sizeof(tpm_aaguid));
	certgen_add_ext_der(cert, OID_FIDO_AAGUID, false, ext, sizeof(ext));
	certgen_sign(cert, ca, ca_key);
	return cert;
}

static cbor_item_t *
tpm_stmt(const struct stmt_request *req, const uint8_t *msg, size_t msg_len)
{
	struct certgen_buf pub = { .len = 0 }, info = { .len = 0 };
	uint8_t extra[EVP_MAX_MD_SIZE], *sig;
	size_t extra_len, sig_len = 0;
	cbor_item_t *stmt = certgen_map_new(6);
	X509 *chain[2] = { aik_cert(), ca };

	certgen_tpm_pub_area(&pub, req->cred, TPM_ALG_SHA256, 0);
	extra_len = certgen_digest("SHA256", msg, msg_len, NULL, 0, extra);
	certgen_tpm_cert_info(&info, extra, extra_len, TPM_ALG_SHA256, "SHA256", pub.buf, pub.len);
	sig = certgen_sign_data(aik_key, "SHA256", info.buf, info.len, &sig_len);

	certgen_map_text(stmt, "ver", "2.0");
	certgen_map_int(stmt, "alg", MFA_COSE_RS256);
	certgen_map_x5c(stmt, chain, 2);
	certgen_map_bytes(stmt, "sig", sig, sig_len);
	certgen_map_bytes(stmt, "certInfo", info.buf, info.len);
	certgen_map_bytes(stmt, "pubArea", pub.buf, pub.len);

	free(sig);
	X509_free(chain[0]);
	return stmt;
}

/* A KeyDescription with challenge, empty softwareEnforced and a generated signing key in teeEnforced. */
static void
key_description(struct certgen_buf *out, const uint8_t *cdh)
{
	static const uint8_t version = 3, level = 1, sign = 2, generated = 0;
	struct certgen_buf body = { .len = 0 }, tee = { .len = 0 }, tmp = { .len = 0 };
	struct certgen_buf set = { .len = 0 };

	certgen_der_put(&set, 0, false, 2, &sign, 1);
	certgen_der_put(&tmp, 0, true, 17, set.buf, set.len);
	certgen_der_put(&tee, 2, true, 1, tmp.buf, tmp.len);       /* purpose */
	tmp.len = 0;
	certgen_der_put(&tmp, 0, false, 2, &generated, 1);
	certgen_der_put(&tee, 2, true, 702, tmp.buf, tmp.len);     /* origin */

	certgen_der_put(&body, 0, false, 2, &version, 1);
	certgen_der_put(&body, 0, false, 10, &level, 1);
	certgen_der_put(&body, 0, false, 2, &version, 1);
	certgen_der_put(&body, 0, false, 10, &level, 1);
	certgen_der_put(&body, 0, false, 4, cdh, SOFTAUTHN_HASH_LEN);
	certgen_der_put(&body, 0, false, 4, NULL, 0);
	certgen_der_put(&body, 0, true, 16, NULL, 0);
	certgen_der_put(&body, 0, true, 16, tee.buf, tee.len);
	certgen_der_put(out, 0, true, 16, body.buf, body.len);
}

static cbor_item_t *
android_stmt(const struct stmt_request *req, const uint8_t *msg, size_t msg_len,
    const uint8_t *cdh)
{
	struct certgen_buf ext = { .len = 0 };
	cbor_item_t *stmt = certgen_map_new(3);
	X509 *chain[2] = { certgen_new(req->cred, X509_VERSION_3, "Android Keystore Key"), ca };
	uint8_t *sig;
	size_t sig_len = 0;

	key_description(&ext, cdh);
	certgen_add_ext_der(chain[0], OID_ANDROID_KEY_DESCRIPTION, false, ext.buf, ext.len);
	certgen_sign(chain[0], ca, ca_key);
	sig = certgen_sign_data(req->cred, "SHA256", msg, msg_len, &sig_len);

	certgen_map_int(stmt, "alg", EVP_PKEY_is_a(req->cred, "RSA") ? MFA_COSE_RS256 : MFA_COSE_ES256);
	certgen_map_bytes(stmt, "sig", sig, sig_len);
	certgen_map_x5c(stmt, chain, 2);

	free(sig);
	X509_free(chain[0]);
	return stmt;
}

static cbor_item_t *
apple_stmt(const struct stmt_request *req, const uint8_t *msg, size_t msg_len)
{
	struct certgen_buf octet = { .len = 0 }, tagged = { .len = 0 }, ext = { .len = 0 };
	cbor_item_t *stmt = certgen_map_new(1);
	X509 *chain[2] = { certgen_new(req->cred, X509_VERSION_3, "Apple credential"), ca };
	uint8_t nonce[32];

	assert_int_equal(certgen_digest("SHA256", msg, msg_len, NULL, 0, nonce), 32);
	certgen_der_put(&octet, 0, false, 4, nonce, sizeof(nonce));
	certgen_der_put(&tagged, 2, true, 1, octet.buf, octet.len);
	certgen_der_put(&ext, 0, true, 16, tagged.buf, tagged.len);
	certgen_add_ext_der(chain[0], OID_APPLE_NONCE, false, ext.buf, ext.len);
	certgen_sign(chain[0], ca, ca_key);

	certgen_map_x5c(stmt, chain, 2);
	X509_free(chain[0]);
	return stmt;
}

/* softauthn_att_stmt_fn: write the statement of the request over the final authData. */
static void
write_stmt(void *arg, const uint8_t *auth_data, size_t auth_data_len,
    const uint8_t client_data_hash[SOFTAUTHN_HASH_LEN], softauthn_buf_t *att_stmt)
{
	const struct stmt_request *req = arg;
	cbor_item_t *stmt = NULL;
	unsigned char *cbor = NULL;
	size_t msg_len = 0, size = 0, len;
	uint8_t *msg = signed_data(auth_data, auth_data_len, client_data_hash, &msg_len);

	/* Sign over other data, so that only the signature or binding check can fail. */
	if (req->corrupt)
		msg[0] ^= 0x01;

	if (req->format == FORMAT_TPM)
		stmt = tpm_stmt(req, msg, msg_len);
	else if (req->format == FORMAT_ANDROID_KEY)
		stmt = android_stmt(req, msg, msg_len, client_data_hash);
	else
		stmt = apple_stmt(req, msg, msg_len);

	len = cbor_serialize_alloc(stmt, &cbor, &size);
	assert_true(len > 0);
	softauthn_buf_append(att_stmt, cbor, len);

	free(cbor);
	cbor_decref(&stmt);
	free(msg);
}

static void
opts_init(mfa_webauthn_registration_options_t *o, const mfa_webauthn_trust_t *t)
{
	memset(o, 0, sizeof(*o));
	o->ceremony.challenge = challenge;
	o->ceremony.challenge_len = sizeof(challenge);
	o->ceremony.rp_id = RP_ID;
	o->ceremony.origins = origins;
	o->ceremony.origins_count = 1;
	o->algs = algs;
	o->algs_count = sizeof(algs) / sizeof(algs[0]);
	o->attestation = MFA_WEBAUTHN_ATTESTATION_REQUIRED;
	o->trust = t;
}

/* Register a new credential of alg with a statement of format, verified against t. */
static int
register_with(enum format format, int alg, bool corrupt, const mfa_webauthn_trust_t *t,
    mfa_webauthn_credential_t *cred)
{
	static const char *const fmts[] = { "tpm", "android-key", "apple" };
	softauthn_key_t *key = softauthn_key_new(alg);
	struct stmt_request req = { format, softauthn_key_pkey(key), corrupt };
	mfa_webauthn_registration_options_t o;
	softauthn_reg_out_t out;
	softauthn_reg_t reg;
	int r;

	softauthn_reg_init(&reg, key, RP_ID, ORIGIN, challenge, sizeof(challenge));
	reg.att = SOFTAUTHN_ATT_CUSTOM;
	reg.fmt = fmts[format];
	reg.att_stmt_fn = write_stmt;
	reg.att_stmt_arg = &req;
	if (format == FORMAT_TPM)
		memcpy(reg.auth_data.aaguid, tpm_aaguid, sizeof(tpm_aaguid));
	softauthn_reg_build(&reg, &out);

	opts_init(&o, t);
	r = mfa_webauthn_registration_verify(&o, out.client_data_json.data, out.client_data_json.len,
	    out.attestation_object.data, out.attestation_object.len, cred);

	softauthn_reg_out_free(&out);
	softauthn_key_free(key);
	return r;
}

static void
check_registered(enum format format, int alg, const char *fmt, mfa_webauthn_attestation_type_t type)
{
	mfa_webauthn_credential_t *cred = calloc(1, sizeof(*cred));

	assert_non_null(cred);
	assert_int_equal(register_with(format, alg, false, trust, cred), MFA_OK);
	assert_string_equal(cred->fmt, fmt);
	assert_int_equal(cred->alg, alg);
	assert_int_equal(cred->attestation_type, type);
	assert_true(cred->attestation_trusted);
	free(cred);
}

static void
register_tpm_rsa(void **state)
{
	(void)state;
	check_registered(FORMAT_TPM, MFA_COSE_RS256, "tpm", MFA_WEBAUTHN_ATTESTATION_TYPE_ATTCA);
}

static void
register_tpm_ecc(void **state)
{
	(void)state;
	check_registered(FORMAT_TPM, MFA_COSE_ES256, "tpm", MFA_WEBAUTHN_ATTESTATION_TYPE_ATTCA);
}

static void
register_android_key(void **state)
{
	(void)state;
	check_registered(FORMAT_ANDROID_KEY, MFA_COSE_ES256, "android-key",
	    MFA_WEBAUTHN_ATTESTATION_TYPE_BASIC);
	check_registered(FORMAT_ANDROID_KEY, MFA_COSE_RS256, "android-key",
	    MFA_WEBAUTHN_ATTESTATION_TYPE_BASIC);
}

static void
register_apple(void **state)
{
	(void)state;
	check_registered(FORMAT_APPLE, MFA_COSE_ES256, "apple", MFA_WEBAUTHN_ATTESTATION_TYPE_ANONCA);
}

static void
register_rejects_corrupt_statements(void **state)
{
	mfa_webauthn_credential_t *cred = calloc(1, sizeof(*cred));

	(void)state;
	assert_non_null(cred);
	assert_int_equal(register_with(FORMAT_TPM, MFA_COSE_RS256, true, trust, cred),
	    MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	assert_int_equal(register_with(FORMAT_ANDROID_KEY, MFA_COSE_ES256, true, trust, cred),
	    MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	assert_int_equal(register_with(FORMAT_APPLE, MFA_COSE_ES256, true, trust, cred),
	    MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	free(cred);
}

static void
register_rejects_unknown_root(void **state)
{
	mfa_webauthn_credential_t *cred = calloc(1, sizeof(*cred));

	(void)state;
	assert_non_null(cred);
	assert_int_equal(register_with(FORMAT_TPM, MFA_COSE_RS256, false, other_trust, cred),
	    MFA_ERR_WEBAUTHN_ATTESTATION_TRUST);
	assert_int_equal(register_with(FORMAT_ANDROID_KEY, MFA_COSE_ES256, false, other_trust, cred),
	    MFA_ERR_WEBAUTHN_ATTESTATION_TRUST);
	assert_int_equal(register_with(FORMAT_APPLE, MFA_COSE_ES256, false, other_trust, cred),
	    MFA_ERR_WEBAUTHN_ATTESTATION_TRUST);
	free(cred);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(register_tpm_rsa),
		cmocka_unit_test(register_tpm_ecc),
		cmocka_unit_test(register_android_key),
		cmocka_unit_test(register_apple),
		cmocka_unit_test(register_rejects_corrupt_statements),
		cmocka_unit_test(register_rejects_unknown_root),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
