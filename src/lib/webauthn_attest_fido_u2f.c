/* SPDX-License-Identifier: MIT */
/* Attestation statement format "fido-u2f" (WebAuthn L3 8.6) for CTAP1/U2F authenticators. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>

#include "webauthn_internal.h"

#define U2F_POINT_LEN 65 /* 0x04 || x || y on P-256 */
#define SHA256_LEN 32

/* Build verificationData: 0x00 || rpIdHash || clientDataHash || credentialId || publicKeyU2F. */
static uint8_t *
u2f_verification_data(const struct webauthn_attest_input *in, const uint8_t *point,
    size_t *ret_len)
{
	const mfa_webauthn_auth_data_t *ad = in->ad;
	size_t len = 1 + SHA256_LEN + SHA256_LEN + ad->cred_id_len + U2F_POINT_LEN;
	uint8_t *data, *p;

	data = malloc(len);
	if (data == NULL)
		return NULL;
	p = data;
	*p++ = 0x00;
	memcpy(p, ad->rp_id_hash, SHA256_LEN);
	p += SHA256_LEN;
	memcpy(p, in->client_data_hash, SHA256_LEN);
	p += SHA256_LEN;
	memcpy(p, ad->cred_id, ad->cred_id_len);
	p += ad->cred_id_len;
	memcpy(p, point, U2F_POINT_LEN);

	*ret_len = len;
	return data;
}

/* Return whether aaguid is all zeros, as U2F authenticators have no AAGUID. */
static bool
aaguid_is_zero(const uint8_t *aaguid)
{
	for (size_t i = 0; i < MFA_WEBAUTHN_AAGUID_LEN; i++) {
		if (aaguid[i] != 0)
			return false;
	}

	return true;
}

/* Check the statement's form, the credential key and the AAGUID before any signature. */
static int
u2f_check_input(const struct webauthn_attest_input *in, uint8_t point[U2F_POINT_LEN])
{
	static const char *const keys[] = { "sig", "x5c" };
	size_t point_len = 0;
	int r;

	r = webauthn_att_stmt_check_keys(in->att_stmt, keys, sizeof(keys) / sizeof(keys[0]));
	if (r != MFA_OK)
		return r;

	if (mfa_cose_key_alg(in->cred_key) != MFA_COSE_ES256 || !aaguid_is_zero(in->ad->aaguid))
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	/* COSE EC2 keys are built from x and y, so OpenSSL encodes them uncompressed. */
	if (EVP_PKEY_get_octet_string_param(cose_key_pkey(in->cred_key),
	    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, U2F_POINT_LEN, &point_len) != 1 ||
	    point_len != U2F_POINT_LEN || point[0] != 0x04)
		return MFA_ERR_INTERNAL;

	return MFA_OK;
}

int
webauthn_attest_fido_u2f(const struct webauthn_attest_input *in,
    struct webauthn_attest_result *res)
{
	const cbor_item_t *sig;
	STACK_OF(X509) *x5c = NULL;
	uint8_t point[U2F_POINT_LEN];
	uint8_t *data = NULL;
	size_t data_len = 0;
	int r;

	r = u2f_check_input(in, point);
	if (r != MFA_OK)
		goto out;

	/* Exactly one certificate, whose key must be P-256 (checked by the verify below). */
	r = webauthn_x5c_decode(cborutil_map_text(in->att_stmt, "x5c"), &x5c);
	if (r != MFA_OK)
		goto out;
	sig = cborutil_map_text(in->att_stmt, "sig");
	if (sk_X509_num(x5c) != 1 || sig == NULL || !cborutil_is_bytes(sig)) {
		r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
		goto out;
	}

	data = u2f_verification_data(in, point, &data_len);
	if (data == NULL) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	r = cose_verify_pkey(X509_get0_pubkey(sk_X509_value(x5c, 0)), MFA_COSE_ES256, data, data_len,
	    cbor_bytestring_handle(sig), cbor_bytestring_length(sig));
	if (r == MFA_ERR_VERIFY_FAILED || r == MFA_ERR_UNSUPPORTED)
		r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	if (r != MFA_OK)
		goto out;

	res->type = MFA_WEBAUTHN_ATTESTATION_TYPE_BASIC;
	res->x5c = x5c;
	x5c = NULL;
	r = MFA_OK;
out:
	free(data);
	sk_X509_pop_free(x5c, X509_free);
	return r;
}
