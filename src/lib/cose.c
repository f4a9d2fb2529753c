/* SPDX-License-Identifier: MIT */
/* COSE_Key maps (RFC 9052 section 7, RFC 9053) turned into validated OpenSSL public keys. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "webauthn_internal.h"

/* COSE_Key labels (RFC 9052 section 7.1, RFC 9053 sections 7.1 and 7.2, RFC 8230). */
#define COSE_LABEL_KTY 1
#define COSE_LABEL_ALG 3
#define COSE_LABEL_CRV -1     /* EC2 and OKP */
#define COSE_LABEL_X -2       /* EC2 and OKP */
#define COSE_LABEL_Y -3       /* EC2 */
#define COSE_LABEL_D -4       /* EC2 and OKP private key */
#define COSE_LABEL_RSA_N -1
#define COSE_LABEL_RSA_E -2
#define COSE_LABEL_RSA_D -3   /* -3 to -12 are the RSA private parts */
#define COSE_LABEL_RSA_TI -12

#define COSE_CRV_ED448 7      /* a real curve that libmfa does not verify */
#define COSE_RSA_E_MAX_LEN 8  /* bytes of public exponent accepted */
#define EC_POINT_MAX_LEN (1 + 2 * 66) /* 0x04 || x || y on P-521 */

static const struct cose_alg_info cose_algs[] = {
	{ MFA_COSE_ES256, COSE_KTY_EC2, 1, "P-256", "SHA256", 32 },
	{ MFA_COSE_ES384, COSE_KTY_EC2, 2, "P-384", "SHA384", 48 },
	{ MFA_COSE_ES512, COSE_KTY_EC2, 3, "P-521", "SHA512", 66 },
	{ MFA_COSE_EDDSA, COSE_KTY_OKP, 6, "ED25519", NULL, 32 },
	{ MFA_COSE_PS256, COSE_KTY_RSA, 0, "RSA", "SHA256", 0 },
	{ MFA_COSE_RS256, COSE_KTY_RSA, 0, "RSA", "SHA256", 0 },
};

const struct cose_alg_info *
cose_alg_lookup(int alg)
{
	for (size_t i = 0; i < sizeof(cose_algs) / sizeof(cose_algs[0]); i++) {
		if (cose_algs[i].alg == alg)
			return &cose_algs[i];
	}

	return NULL;
}

const char *
cose_alg_md_name(int alg)
{
	const struct cose_alg_info *info = cose_alg_lookup(alg);

	return info != NULL ? info->md_name : NULL;
}

/* Return the byte string under label, exactly len bytes long unless len is 0, or NULL. */
static const cbor_item_t *
cose_bytes(const cbor_item_t *map, int64_t label, size_t len)
{
	const cbor_item_t *v = cborutil_map_int(map, label);

	if (v == NULL || !cborutil_is_bytes(v))
		return NULL;
	if (len != 0 && cbor_bytestring_length(v) != len)
		return NULL;

	return v;
}

/*
 * Check the curve label against alg. Another curve means the key is
 * mislabelled (MFA_ERR_COSE_KEY), but Ed448 under EdDSA is a real key that
 * libmfa does not verify (MFA_ERR_UNSUPPORTED).
 */
static int
cose_check_crv(const struct cose_alg_info *info, const cbor_item_t *map)
{
	const cbor_item_t *v = cborutil_map_int(map, COSE_LABEL_CRV);
	int64_t crv;

	if (v == NULL || !cborutil_get_int(v, &crv))
		return MFA_ERR_COSE_KEY;
	if (crv == info->crv)
		return MFA_OK;
	if (info->kty == COSE_KTY_OKP && crv == COSE_CRV_ED448)
		return MFA_ERR_UNSUPPORTED;

	return MFA_ERR_COSE_KEY;
}

/* Build a public key of OpenSSL type name from params. */
static int
cose_pkey_fromdata(const char *name, OSSL_PARAM_BLD *bld, EVP_PKEY **ret_pkey)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	int r = MFA_ERR_INTERNAL;

	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1)
		goto out;

	/* OpenSSL rejects EC points that are not on the curve here. */
	if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		r = MFA_ERR_COSE_KEY;
		goto out;
	}

	*ret_pkey = pkey;
	pkey = NULL;
	r = MFA_OK;
out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return r;
}

/* Check a public key fully (EC: on the curve, not infinity, right order). */
static int
cose_pkey_check(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	int r = MFA_ERR_INTERNAL;

	if (ctx == NULL)
		goto out;
	if (EVP_PKEY_public_check(ctx) != 1) {
		r = MFA_ERR_COSE_KEY;
		goto out;
	}

	r = MFA_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	return r;
}

static int
cose_ec2_pkey(const struct cose_alg_info *info, const cbor_item_t *map, EVP_PKEY **ret_pkey)
{
	const cbor_item_t *x, *y;
	uint8_t point[EC_POINT_MAX_LEN];
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;
	int r;

	r = cose_check_crv(info, map);
	if (r != MFA_OK)
		goto out;

	/* WebAuthn requires uncompressed points, so y is bytes, never the sign bit. */
	x = cose_bytes(map, COSE_LABEL_X, info->coord_len);
	y = cose_bytes(map, COSE_LABEL_Y, info->coord_len);
	if (x == NULL || y == NULL || cborutil_map_int(map, COSE_LABEL_D) != NULL) {
		r = MFA_ERR_COSE_KEY;
		goto out;
	}
	point[0] = 0x04; /* uncompressed, SEC 1 section 2.3.3 */
	memcpy(point + 1, cbor_bytestring_handle(x), info->coord_len);
	memcpy(point + 1 + info->coord_len, cbor_bytestring_handle(y), info->coord_len);

	r = MFA_ERR_INTERNAL;
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, info->ossl_name, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
	    1 + 2 * info->coord_len) != 1)
		goto out;
	r = cose_pkey_fromdata("EC", bld, &pkey);
	if (r != MFA_OK)
		goto out;
	r = cose_pkey_check(pkey);
	if (r != MFA_OK)
		goto out;

	*ret_pkey = pkey;
	pkey = NULL;
	r = MFA_OK;
out:
	EVP_PKEY_free(pkey);
	OSSL_PARAM_BLD_free(bld);
	return r;
}

static int
cose_okp_pkey(const struct cose_alg_info *info, const cbor_item_t *map, EVP_PKEY **ret_pkey)
{
	const cbor_item_t *x;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;
	int r;

	r = cose_check_crv(info, map);
	if (r != MFA_OK)
		goto out;

	x = cose_bytes(map, COSE_LABEL_X, info->coord_len);
	if (x == NULL || cborutil_map_int(map, COSE_LABEL_D) != NULL) {
		r = MFA_ERR_COSE_KEY;
		goto out;
	}
	/*
	 * OpenSSL takes any 32 bytes as an Ed25519 key. A point of small order
	 * (the identity, say) verifies forged signatures, so only canonical
	 * points of the prime-order subgroup pass.
	 */
	if (sodium_init() < 0) {
		r = MFA_ERR_INTERNAL;
		goto out;
	}
	if (crypto_core_ed25519_is_valid_point(cbor_bytestring_handle(x)) != 1) {
		r = MFA_ERR_COSE_KEY;
		goto out;
	}

	r = MFA_ERR_INTERNAL;
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL || OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    cbor_bytestring_handle(x), info->coord_len) != 1)
		goto out;
	r = cose_pkey_fromdata(info->ossl_name, bld, &pkey);
	if (r != MFA_OK)
		goto out;

	*ret_pkey = pkey;
	pkey = NULL;
	r = MFA_OK;
out:
	EVP_PKEY_free(pkey);
	OSSL_PARAM_BLD_free(bld);
	return r;
}

/* Check n and e: minimal big-endian encodings, n in the accepted size range, e odd and over 1. */
static bool
cose_rsa_params_ok(const cbor_item_t *n, const cbor_item_t *e)
{
	size_t n_len = cbor_bytestring_length(n), e_len = cbor_bytestring_length(e);
	const uint8_t *np = cbor_bytestring_handle(n), *ep = cbor_bytestring_handle(e);
	size_t n_bits;

	if (n_len == 0 || np[0] == 0 || e_len == 0 || e_len > COSE_RSA_E_MAX_LEN || ep[0] == 0)
		return false;
	if ((ep[e_len - 1] & 1u) == 0 || (e_len == 1 && ep[0] == 1))
		return false;

	n_bits = n_len * 8;
	for (uint8_t top = np[0]; (top & 0x80u) == 0; top = (uint8_t)(top << 1))
		n_bits--;

	return n_bits >= MFA_COSE_RSA_BITS_MIN && n_bits <= MFA_COSE_RSA_BITS_MAX;
}

static int
cose_rsa_pkey(const struct cose_alg_info *info, const cbor_item_t *map, EVP_PKEY **ret_pkey)
{
	const cbor_item_t *n, *e;
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	EVP_PKEY *pkey = NULL;
	int r = MFA_ERR_COSE_KEY;

	for (int64_t label = COSE_LABEL_RSA_TI; label <= COSE_LABEL_RSA_D; label++) {
		if (cborutil_map_int(map, label) != NULL)
			goto out;
	}
	n = cose_bytes(map, COSE_LABEL_RSA_N, 0);
	e = cose_bytes(map, COSE_LABEL_RSA_E, 0);
	if (n == NULL || e == NULL || !cose_rsa_params_ok(n, e))
		goto out;

	r = MFA_ERR_NOMEM;
	bn_n = BN_bin2bn(cbor_bytestring_handle(n), (int)cbor_bytestring_length(n), NULL);
	bn_e = BN_bin2bn(cbor_bytestring_handle(e), (int)cbor_bytestring_length(e), NULL);
	bld = OSSL_PARAM_BLD_new();
	if (bn_n == NULL || bn_e == NULL || bld == NULL)
		goto out;
	r = MFA_ERR_INTERNAL;
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1)
		goto out;
	r = cose_pkey_fromdata(info->ossl_name, bld, &pkey);
	if (r != MFA_OK)
		goto out;

	*ret_pkey = pkey;
	pkey = NULL;
	r = MFA_OK;
out:
	EVP_PKEY_free(pkey);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return r;
}

/* Read kty and alg and find the algorithm they name. */
static int
cose_key_alg_info(const cbor_item_t *map, const struct cose_alg_info **ret_info)
{
	const cbor_item_t *kty_item = cborutil_map_int(map, COSE_LABEL_KTY);
	const cbor_item_t *alg_item = cborutil_map_int(map, COSE_LABEL_ALG);
	const struct cose_alg_info *info;
	int64_t kty, alg;

	/* kty may also be a text name in COSE, which WebAuthn keys never use. */
	if (kty_item == NULL || alg_item == NULL || !cborutil_get_int(kty_item, &kty) ||
	    !cborutil_get_int(alg_item, &alg))
		return MFA_ERR_COSE_KEY;
	if (kty != COSE_KTY_OKP && kty != COSE_KTY_EC2 && kty != COSE_KTY_RSA)
		return MFA_ERR_UNSUPPORTED;

	info = alg >= INT32_MIN && alg <= INT32_MAX ? cose_alg_lookup((int)alg) : NULL;
	if (info == NULL)
		return MFA_ERR_UNSUPPORTED;
	if (info->kty != kty)
		return MFA_ERR_COSE_KEY;

	*ret_info = info;
	return MFA_OK;
}

/* Fetch the digests verification uses, so that no call to verify looks them up. */
static int
cose_key_fetch_digests(mfa_cose_key_t *key)
{
	key->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (key->sha256 == NULL)
		return MFA_ERR_INTERNAL;
	if (key->md_name == NULL)
		return MFA_OK;

	key->md = EVP_MD_fetch(NULL, key->md_name, NULL);
	return key->md != NULL ? MFA_OK : MFA_ERR_INTERNAL;
}

int
cose_key_from_map(const cbor_item_t *map, mfa_cose_key_t **ret_key)
{
	const struct cose_alg_info *info = NULL;
	mfa_cose_key_t *key = NULL;
	int r;

	r = cborutil_map_check_keys(map);
	if (r != MFA_OK)
		goto out;
	r = cose_key_alg_info(map, &info);
	if (r != MFA_OK)
		goto out;

	key = calloc(1, sizeof(*key));
	if (key == NULL) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	key->alg = info->alg;
	key->md_name = info->md_name;

	if (info->kty == COSE_KTY_EC2)
		r = cose_ec2_pkey(info, map, &key->pkey);
	else if (info->kty == COSE_KTY_OKP)
		r = cose_okp_pkey(info, map, &key->pkey);
	else
		r = cose_rsa_pkey(info, map, &key->pkey);
	if (r != MFA_OK)
		goto out;

	r = cose_key_fetch_digests(key);
	if (r != MFA_OK)
		goto out;
	r = cose_key_prepare_verify(key);
	if (r != MFA_OK)
		goto out;

	*ret_key = key;
	key = NULL;
	r = MFA_OK;
out:
	mfa_cose_key_free(&key);
	return r;
}

MFA_API int
mfa_cose_key_parse(const uint8_t *cbor, size_t len, mfa_cose_key_t **ret_key)
{
	cbor_item_t *map = NULL;
	int r;

	if (cbor == NULL || len == 0 || ret_key == NULL) {
		r = MFA_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if (len > MFA_COSE_KEY_MAX) {
		r = MFA_ERR_TOO_LARGE;
		goto out;
	}

	r = cborutil_load(cbor, len, &map);
	if (r != MFA_OK)
		goto out;
	if (!cbor_isa_map(map)) {
		r = MFA_ERR_COSE_KEY;
		goto out;
	}

	r = cose_key_from_map(map, ret_key);
out:
	if (map != NULL)
		cbor_decref(&map);
	return r;
}

MFA_API void
mfa_cose_key_free(mfa_cose_key_t **key)
{
	if (key == NULL || *key == NULL)
		return;

	EVP_PKEY_CTX_free((*key)->verify_ctx);
	EVP_PKEY_free((*key)->pkey);
	EVP_MD_free((*key)->md);
	EVP_MD_free((*key)->sha256);
	free(*key);
	*key = NULL;
}

MFA_API int
mfa_cose_key_alg(const mfa_cose_key_t *key)
{
	return key != NULL ? key->alg : 0;
}

EVP_PKEY *
cose_key_pkey(const mfa_cose_key_t *key)
{
	return key->pkey;
}

bool
cose_key_matches_cert(const mfa_cose_key_t *key, X509 *cert)
{
	EVP_PKEY *cert_key = X509_get0_pubkey(cert);

	return cert_key != NULL && EVP_PKEY_eq(key->pkey, cert_key) == 1;
}

int
cose_key_check_public(const mfa_cose_key_t *key)
{
	/* EC2 points were checked by the parse; Ed25519 points too. */
	if (key->alg != MFA_COSE_RS256 && key->alg != MFA_COSE_PS256)
		return MFA_OK;
	return cose_pkey_check(key->pkey);
}
