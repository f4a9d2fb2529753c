/* SPDX-License-Identifier: MIT */
/* The "apple" attestation statement format (WebAuthn L3 8.8): Apple Anonymous Attestation. */
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "webauthn_internal.h"

/* Apple's nonce extension: SEQUENCE { [1] EXPLICIT OCTET STRING (32 bytes) }. */
#define OID_APPLE_NONCE "1.2.840.113635.100.8.2"

#define DER_CLASS_UNIVERSAL 0
#define DER_CLASS_CONTEXT 2
#define DER_TAG_OCTET_STRING 4
#define DER_TAG_SEQUENCE 16
#define APPLE_NONCE_TAG 1

/* Read the one element of in, which must have class cls, tag and form constructed. */
static bool
apple_der_only(const struct der *in, unsigned cls, bool constructed, uint32_t tag,
    struct der *ret)
{
	struct der cur = *in;
	unsigned got_class;
	bool got_constructed;
	uint32_t got_tag;

	if (!der_next(&cur, &got_class, &got_constructed, &got_tag, ret) || cur.len != 0)
		return false;
	return got_class == cls && got_constructed == constructed && got_tag == tag;
}

/* Borrow the 32-byte nonce from the value of the nonce extension. */
static bool
apple_parse_nonce(const uint8_t *data, size_t len, struct der *ret)
{
	struct der ext = { data, len }, seq, tagged, nonce;

	if (!apple_der_only(&ext, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &seq) ||
	    !apple_der_only(&seq, DER_CLASS_CONTEXT, true, APPLE_NONCE_TAG, &tagged) ||
	    !apple_der_only(&tagged, DER_CLASS_UNIVERSAL, false, DER_TAG_OCTET_STRING, &nonce))
		return false;
	if (nonce.len != SHA256_DIGEST_LENGTH)
		return false;

	*ret = nonce;
	return true;
}

/* Check that the nonce extension of cert is SHA-256(authData || clientDataHash). */
static int
apple_check_nonce(const struct webauthn_attest_input *in, X509 *cert)
{
	uint8_t expected[SHA256_DIGEST_LENGTH];
	struct der nonce;
	const uint8_t *ext;
	size_t len = 0;
	bool critical = false;
	EVP_MD_CTX *ctx;
	int r = MFA_ERR_INTERNAL;

	ext = webauthn_cert_ext(cert, OID_APPLE_NONCE, &len, &critical);
	if (ext == NULL || !apple_parse_nonce(ext, len, &nonce))
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return MFA_ERR_NOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, in->auth_data, in->auth_data_len) != 1 ||
	    EVP_DigestUpdate(ctx, in->client_data_hash, sizeof(in->client_data_hash)) != 1 ||
	    EVP_DigestFinal_ex(ctx, expected, NULL) != 1)
		goto out;

	r = MFA_OK;
	if (CRYPTO_memcmp(nonce.p, expected, sizeof(expected)) != 0)
		r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

int
webauthn_attest_apple(const struct webauthn_attest_input *in, struct webauthn_attest_result *res)
{
	STACK_OF(X509) *x5c = NULL;
	X509 *cert;
	int r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	if (cborutil_map_check_keys(in->att_stmt) != MFA_OK)
		goto out;

	r = webauthn_x5c_decode(cborutil_map_text(in->att_stmt, "x5c"), &x5c);
	if (r != MFA_OK)
		goto out;
	cert = sk_X509_value(x5c, 0);

	r = apple_check_nonce(in, cert);
	if (r != MFA_OK)
		goto out;

	r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	if (!cose_key_matches_cert(in->cred_key, cert))
		goto out;

	res->type = MFA_WEBAUTHN_ATTESTATION_TYPE_ANONCA;
	res->x5c = x5c;
	x5c = NULL;
	r = MFA_OK;
out:
	sk_X509_pop_free(x5c, X509_free);
	return r;
}
