/* SPDX-License-Identifier: MIT */
/* Signature checks for COSE algorithms: ECDSA (DER), Ed25519, RSASSA-PKCS1-v1_5 and RSASSA-PSS. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "webauthn_internal.h"

#define OSSL_NAME_MAX 32 /* bytes of an OpenSSL group name with its NUL */

/* Set RSA padding on a verification context: PKCS #1 v1.5, or PSS with MGF1 and a digest-long salt. */
static int
cose_set_rsa_padding(EVP_PKEY_CTX *pctx, int alg, const EVP_MD *md)
{
	if (alg == MFA_COSE_RS256)
		return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 ? MFA_OK :
		    MFA_ERR_INTERNAL;

	if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1)
		return MFA_ERR_INTERNAL;

	return MFA_OK;
}

/* Verify an Ed25519 signature, which OpenSSL only takes over the whole message at once. */
static int
cose_verify_eddsa(EVP_PKEY *pkey, const uint8_t *a, size_t a_len, const uint8_t *b,
    size_t b_len, const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *mctx = NULL;
	uint8_t *msg = NULL;
	int r = MFA_ERR_NOMEM;

	msg = malloc(a_len + b_len + 1);
	mctx = EVP_MD_CTX_new();
	if (msg == NULL || mctx == NULL)
		goto out;
	memcpy(msg, a, a_len);
	if (b_len > 0)
		memcpy(msg + a_len, b, b_len);

	r = MFA_ERR_INTERNAL;
	if (EVP_DigestVerifyInit_ex(mctx, NULL, NULL, NULL, NULL, pkey, NULL) != 1)
		goto out;
	if (EVP_DigestVerify(mctx, sig, sig_len, msg, a_len + b_len) != 1) {
		r = MFA_ERR_VERIFY_FAILED;
		goto out;
	}

	r = MFA_OK;
out:
	EVP_MD_CTX_free(mctx);
	free(msg);
	return r;
}

/* Hash a || b with md into out, which has room for EVP_MAX_MD_SIZE bytes. */
static int
cose_digest(const EVP_MD *md, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
    uint8_t *out, unsigned *ret_len)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	int r = MFA_ERR_NOMEM;

	if (mctx == NULL)
		goto out;

	r = MFA_ERR_INTERNAL;
	if (EVP_DigestInit_ex2(mctx, md, NULL) != 1 || EVP_DigestUpdate(mctx, a, a_len) != 1 ||
	    (b_len > 0 && EVP_DigestUpdate(mctx, b, b_len) != 1) ||
	    EVP_DigestFinal_ex(mctx, out, ret_len) != 1)
		goto out;

	r = MFA_OK;
out:
	EVP_MD_CTX_free(mctx);
	return r;
}

int
cose_key_prepare_verify(mfa_cose_key_t *key)
{
	EVP_PKEY_CTX *pctx = NULL;
	int r = MFA_OK;

	if (key->alg == MFA_COSE_EDDSA)
		goto out;

	r = MFA_ERR_INTERNAL;
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (pctx == NULL || EVP_PKEY_verify_init(pctx) != 1)
		goto out;
	if (key->alg == MFA_COSE_RS256 || key->alg == MFA_COSE_PS256) {
		if (EVP_PKEY_CTX_set_signature_md(pctx, key->md) != 1)
			goto out;
		r = cose_set_rsa_padding(pctx, key->alg, key->md);
		if (r != MFA_OK)
			goto out;
	}

	key->verify_ctx = pctx;
	pctx = NULL;
	r = MFA_OK;
out:
	if (r != MFA_OK)
		ERR_clear_error();
	EVP_PKEY_CTX_free(pctx);
	return r;
}

/*
 * Hash first, then verify the digest on a copy of the context that
 * cose_key_prepare_verify() set up. The digest and the padding are set
 * once per key, because setting them cost more than the copy.
 */
int
cose_key_verify_parts(const mfa_cose_key_t *key, const uint8_t *a, size_t a_len,
    const uint8_t *b, size_t b_len, const uint8_t *sig, size_t sig_len)
{
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned digest_len = 0;
	EVP_PKEY_CTX *pctx = NULL;
	int r;

	if (key->alg == MFA_COSE_EDDSA) {
		r = cose_verify_eddsa(key->pkey, a, a_len, b, b_len, sig, sig_len);
		goto out;
	}

	r = cose_digest(key->md, a, a_len, b, b_len, digest, &digest_len);
	if (r != MFA_OK)
		goto out;

	/*
	 * EVP_PKEY_CTX_dup() takes a const context, which openssl-threads(7) of
	 * OpenSSL 3.0 allows many threads to use at once, as mfa_cose_key_t promises.
	 */
	r = MFA_ERR_INTERNAL;
	pctx = EVP_PKEY_CTX_dup(key->verify_ctx);
	if (pctx == NULL)
		goto out;

	/* 0 is a wrong signature, a negative value one that does not parse. */
	if (EVP_PKEY_verify(pctx, sig, sig_len, digest, digest_len) != 1) {
		r = MFA_ERR_VERIFY_FAILED;
		goto out;
	}

	r = MFA_OK;
out:
	if (r != MFA_OK)
		ERR_clear_error();
	EVP_PKEY_CTX_free(pctx);
	return r;
}

MFA_API int
mfa_cose_key_verify(const mfa_cose_key_t *key, const uint8_t *msg, size_t msg_len,
    const uint8_t *sig, size_t sig_len)
{
	if (key == NULL || (msg == NULL && msg_len > 0) || sig == NULL || sig_len == 0)
		return MFA_ERR_INVALID_ARGUMENT;

	return cose_key_verify_parts(key, msg != NULL ? msg : (const uint8_t *)"", msg_len, NULL, 0,
	    sig, sig_len);
}

/* Return whether pkey is of the key type and curve that alg signs with. */
static bool
cose_pkey_fits(EVP_PKEY *pkey, const struct cose_alg_info *info)
{
	char group[OSSL_NAME_MAX];

	if (info->kty == COSE_KTY_RSA)
		return EVP_PKEY_is_a(pkey, "RSA") == 1;
	if (info->kty == COSE_KTY_OKP)
		return EVP_PKEY_is_a(pkey, info->ossl_name) == 1;

	if (EVP_PKEY_is_a(pkey, "EC") != 1 ||
	    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
	    NULL) != 1)
		return false;

	/* OpenSSL reports the SEC 2 name ("prime256v1"), COSE tables use the NIST one ("P-256"). */
	return OBJ_txt2nid(group) == EC_curve_nist2nid(info->ossl_name);
}

int
cose_verify_pkey(EVP_PKEY *pkey, int alg, const uint8_t *msg, size_t msg_len,
    const uint8_t *sig, size_t sig_len)
{
	const struct cose_alg_info *info = cose_alg_lookup(alg);
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int r;

	if (info == NULL || !cose_pkey_fits(pkey, info)) {
		r = MFA_ERR_UNSUPPORTED;
		goto out;
	}

	r = MFA_ERR_NOMEM;
	mctx = EVP_MD_CTX_new();
	if (mctx == NULL)
		goto out;

	r = MFA_ERR_INTERNAL;
	if (EVP_DigestVerifyInit_ex(mctx, &pctx, info->md_name, NULL, NULL, pkey, NULL) != 1)
		goto out;
	if (info->kty == COSE_KTY_RSA) {
		r = cose_set_rsa_padding(pctx, alg, EVP_MD_CTX_get0_md(mctx));
		if (r != MFA_OK)
			goto out;
	}

	if (EVP_DigestVerify(mctx, sig, sig_len, msg, msg_len) != 1) {
		r = MFA_ERR_VERIFY_FAILED;
		goto out;
	}

	r = MFA_OK;
out:
	if (r != MFA_OK)
		ERR_clear_error();
	EVP_MD_CTX_free(mctx);
	return r;
}
