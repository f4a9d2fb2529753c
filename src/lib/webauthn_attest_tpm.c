/* SPDX-License-Identifier: MIT */
/* The "tpm" attestation statement format (WebAuthn L3 8.3): a TPM 2.0 certifies the credential key. */
#include <ctype.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509v3.h>

#include "webauthn_internal.h"

/* Constants of the TPM 2.0 Library, Part 2: Structures (TCG). */
#define TPM_GENERATED_VALUE 0xff544347u /* TPMS_ATTEST magic */
#define TPM_ST_ATTEST_CERTIFY 0x8017u
#define TPM_ALG_RSA 0x0001u
#define TPM_ALG_SHA1 0x0004u
#define TPM_ALG_SHA256 0x000bu
#define TPM_ALG_SHA384 0x000cu
#define TPM_ALG_SHA512 0x000du
#define TPM_ALG_NULL 0x0010u
#define TPM_ALG_ECDAA 0x001au
#define TPM_ALG_ECC 0x0023u
#define TPM_ECC_NIST_P256 0x0003u
#define TPM_ECC_NIST_P384 0x0004u
#define TPM_ECC_NIST_P521 0x0005u
#define TPM_RSA_DEFAULT_EXPONENT 65537u /* what an exponent of 0 in TPMS_RSA_PARMS stands for */
#define TPM_ECC_COORD_MAX 66            /* bytes of a P-521 coordinate */

/* OIDs of the TCG EK Credential Profile for the AIK certificate. */
#define OID_TPM_MANUFACTURER "2.23.133.2.1"
#define OID_TPM_MODEL "2.23.133.2.2"
#define OID_TPM_VERSION "2.23.133.2.3"
#define OID_TCG_KP_AIK_CERTIFICATE "2.23.133.8.3"

/* Bytes of TPMS_CLOCK_INFO (clock, resetCount, restartCount, safe) and of firmwareVersion. */
#define TPM_CLOCK_INFO_LEN 17
#define TPM_FIRMWARE_VERSION_LEN 8

/* Unread bytes of a TPM structure, all big-endian. */
struct tpm_buf {
	const uint8_t *p;
	size_t len;
};

/* The parts of a TPMT_PUBLIC that define the key. Pointers borrow from pubArea. */
struct tpm_public {
	uint16_t type;          /* TPM_ALG_RSA or TPM_ALG_ECC */
	uint16_t name_alg;
	uint16_t curve;         /* TPM_ECC_*; ECC only */
	uint32_t exponent;      /* RSA only; 0 for the default */
	struct tpm_buf unique;  /* RSA modulus */
	struct tpm_buf x, y;    /* ECC point */
};

/* The parts of a TPMS_ATTEST of type TPM_ST_ATTEST_CERTIFY that WebAuthn checks. */
struct tpm_attest {
	uint32_t magic;
	uint16_t type;
	struct tpm_buf extra_data;
	struct tpm_buf name;
};

static bool
tpm_read(struct tpm_buf *b, size_t n, const uint8_t **ret)
{
	if (b->len < n)
		return false;
	*ret = b->p;
	b->p += n;
	b->len -= n;
	return true;
}

static bool
tpm_u16(struct tpm_buf *b, uint16_t *ret)
{
	const uint8_t *p;

	if (!tpm_read(b, 2, &p))
		return false;
	*ret = (uint16_t)(p[0] << 8 | p[1]);
	return true;
}

static bool
tpm_u32(struct tpm_buf *b, uint32_t *ret)
{
	const uint8_t *p;

	if (!tpm_read(b, 4, &p))
		return false;
	*ret = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return true;
}

/* Read a TPM2B_* structure: a 16-bit size and that many bytes. */
static bool
tpm_sized(struct tpm_buf *b, struct tpm_buf *ret)
{
	uint16_t size;

	if (!tpm_u16(b, &size) || !tpm_read(b, size, &ret->p))
		return false;
	ret->len = size;
	return true;
}

/*
 * Read a scheme (TPMT_RSA_SCHEME, TPMT_ECC_SCHEME or TPMT_KDF_SCHEME): an
 * algorithm, then a hash algorithm unless it is TPM_ALG_NULL, then for ECDAA
 * a 16-bit count.
 */
static bool
tpm_skip_scheme(struct tpm_buf *b)
{
	uint16_t scheme, value;

	if (!tpm_u16(b, &scheme))
		return false;
	if (scheme == TPM_ALG_NULL)
		return true;
	if (!tpm_u16(b, &value))
		return false;
	return scheme != TPM_ALG_ECDAA || tpm_u16(b, &value);
}

/* Read TPMS_RSA_PARMS and the TPM2B_PUBLIC_KEY_RSA of unique. */
static bool
tpm_parse_rsa(struct tpm_buf *b, struct tpm_public *pub)
{
	uint16_t key_bits;

	if (!tpm_skip_scheme(b) || !tpm_u16(b, &key_bits) || !tpm_u32(b, &pub->exponent))
		return false;
	if (!tpm_sized(b, &pub->unique))
		return false;

	return pub->unique.len > 0 && pub->unique.len * 8 == key_bits;
}

/* Read TPMS_ECC_PARMS and the TPMS_ECC_POINT of unique. */
static bool
tpm_parse_ecc(struct tpm_buf *b, struct tpm_public *pub)
{
	if (!tpm_skip_scheme(b) || !tpm_u16(b, &pub->curve) || !tpm_skip_scheme(b))
		return false;

	return tpm_sized(b, &pub->x) && tpm_sized(b, &pub->y);
}

/*
 * Parse pubArea as a TPMT_PUBLIC of an RSA or ECC key. The symmetric
 * algorithm must be TPM_ALG_NULL, as the TPM requires of every key that is
 * not a restricted decryption key, so TPMT_SYM_DEF_OBJECT is one field.
 */
static bool
tpm_parse_public(const uint8_t *data, size_t len, struct tpm_public *ret)
{
	struct tpm_buf b = { data, len }, auth_policy;
	struct tpm_public pub;
	uint32_t object_attributes;
	uint16_t symmetric;
	bool ok;

	memset(&pub, 0, sizeof(pub));
	if (!tpm_u16(&b, &pub.type) || !tpm_u16(&b, &pub.name_alg) ||
	    !tpm_u32(&b, &object_attributes) || !tpm_sized(&b, &auth_policy))
		return false;
	if (!tpm_u16(&b, &symmetric) || symmetric != TPM_ALG_NULL)
		return false;

	if (pub.type == TPM_ALG_RSA)
		ok = tpm_parse_rsa(&b, &pub);
	else if (pub.type == TPM_ALG_ECC)
		ok = tpm_parse_ecc(&b, &pub);
	else
		ok = false;
	if (!ok || b.len != 0)
		return false;

	*ret = pub;
	return true;
}

/* Build an OpenSSL RSA public key from a parsed pubArea. */
static EVP_PKEY *
tpm_rsa_pkey(const struct tpm_public *pub)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *n = NULL, *e = NULL;
	uint32_t exponent = pub->exponent != 0 ? pub->exponent : TPM_RSA_DEFAULT_EXPONENT;

	n = BN_bin2bn(pub->unique.p, (int)pub->unique.len, NULL);
	e = BN_new();
	bld = OSSL_PARAM_BLD_new();
	if (n == NULL || e == NULL || bld == NULL || BN_set_word(e, exponent) != 1)
		goto out;
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1)
		goto out;
	if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pkey;
}

/* Return the OpenSSL group name and coordinate size of a TPM curve, or NULL. */
static const char *
tpm_curve(uint16_t curve, size_t *ret_size)
{
	switch (curve) {
	case TPM_ECC_NIST_P256:
		*ret_size = 32;
		return "prime256v1";
	case TPM_ECC_NIST_P384:
		*ret_size = 48;
		return "secp384r1";
	case TPM_ECC_NIST_P521:
		*ret_size = 66;
		return "secp521r1";
	default:
		return NULL;
	}
}

/*
 * Build an OpenSSL EC public key from a parsed pubArea. Coordinates shorter
 * than the curve's size are left-padded with zeros, as TPM2B values may drop
 * leading zero bytes; longer ones are rejected.
 */
static EVP_PKEY *
tpm_ecc_pkey(const struct tpm_public *pub)
{
	uint8_t point[1 + 2 * TPM_ECC_COORD_MAX];
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	const char *group;
	size_t size = 0;

	group = tpm_curve(pub->curve, &size);
	if (group == NULL || pub->x.len > size || pub->y.len > size)
		return NULL;

	/* SEC 1 uncompressed point: 0x04 || X || Y. */
	memset(point, 0, sizeof(point));
	point[0] = 0x04;
	memcpy(point + 1 + size - pub->x.len, pub->x.p, pub->x.len);
	memcpy(point + 1 + 2 * size - pub->y.len, pub->y.p, pub->y.len);

	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL)
		goto out;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * size) != 1)
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1)
		goto out;
	if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

/* Check that the key of pubArea is the credential public key. */
static int
tpm_check_pub_area(const struct webauthn_attest_input *in, const struct tpm_public *pub)
{
	EVP_PKEY *pkey;
	int r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	if (pub->type == TPM_ALG_RSA)
		pkey = tpm_rsa_pkey(pub);
	else
		pkey = tpm_ecc_pkey(pub);
	if (pkey == NULL)
		return r;

	if (EVP_PKEY_eq(pkey, cose_key_pkey(in->cred_key)) == 1)
		r = MFA_OK;

	EVP_PKEY_free(pkey);
	return r;
}

/* Parse certInfo as a TPMS_ATTEST whose attested member is a TPMS_CERTIFY_INFO. */
static bool
tpm_parse_attest(const uint8_t *data, size_t len, struct tpm_attest *ret)
{
	struct tpm_buf b = { data, len }, qualified_signer, qualified_name;
	struct tpm_attest att;
	const uint8_t *skip;

	memset(&att, 0, sizeof(att));
	if (!tpm_u32(&b, &att.magic) || !tpm_u16(&b, &att.type))
		return false;
	if (!tpm_sized(&b, &qualified_signer) || !tpm_sized(&b, &att.extra_data))
		return false;
	if (!tpm_read(&b, TPM_CLOCK_INFO_LEN + TPM_FIRMWARE_VERSION_LEN, &skip))
		return false;
	if (!tpm_sized(&b, &att.name) || !tpm_sized(&b, &qualified_name) || b.len != 0)
		return false;

	*ret = att;
	return true;
}

/* Return the OpenSSL digest name of a TPM hash algorithm allowed for Names, or NULL. */
static const char *
tpm_name_md(uint16_t name_alg)
{
	/*
	 * NOTE: SHA-1 Names are rejected because SHA-1 collisions are practical,
	 * so a TPM that names keys with SHA-1 fails here.
	 */
	switch (name_alg) {
	case TPM_ALG_SHA256:
		return "SHA256";
	case TPM_ALG_SHA384:
		return "SHA384";
	case TPM_ALG_SHA512:
		return "SHA512";
	default:
		return NULL;
	}
}

/* Hash a and then b (b may be empty) with md_name into out (EVP_MAX_MD_SIZE bytes). */
static int
tpm_digest(const char *md_name, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
    uint8_t *out, unsigned *ret_len)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_MD *md = NULL;
	int r = MFA_ERR_INTERNAL;

	md = EVP_MD_fetch(NULL, md_name, NULL);
	ctx = EVP_MD_CTX_new();
	if (md == NULL || ctx == NULL)
		goto out;
	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1 || EVP_DigestUpdate(ctx, a, a_len) != 1 ||
	    EVP_DigestUpdate(ctx, b, b_len) != 1 || EVP_DigestFinal_ex(ctx, out, ret_len) != 1)
		goto out;

	r = MFA_OK;
out:
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	return r;
}

/*
 * Check certInfo: magic, type, extraData = hash of authData || clientDataHash
 * with the hash of alg, and the certified Name = nameAlg || H_nameAlg(pubArea).
 */
static int
tpm_check_cert_info(const struct webauthn_attest_input *in, const struct tpm_buf *cert_info,
    const struct tpm_buf *pub_area, const struct tpm_public *pub, int alg)
{
	uint8_t digest[2 + EVP_MAX_MD_SIZE];
	struct tpm_attest att;
	const char *md_name;
	unsigned len = 0;
	int r;

	if (!tpm_parse_attest(cert_info->p, cert_info->len, &att))
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	if (att.magic != TPM_GENERATED_VALUE || att.type != TPM_ST_ATTEST_CERTIFY)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	md_name = cose_alg_md_name(alg);
	if (md_name == NULL)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	r = tpm_digest(md_name, in->auth_data, in->auth_data_len, in->client_data_hash,
	    sizeof(in->client_data_hash), digest, &len);
	if (r != MFA_OK)
		return r;
	if (att.extra_data.len != len || CRYPTO_memcmp(att.extra_data.p, digest, len) != 0)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	md_name = tpm_name_md(pub->name_alg);
	if (md_name == NULL)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	digest[0] = (uint8_t)(pub->name_alg >> 8);
	digest[1] = (uint8_t)pub->name_alg;
	r = tpm_digest(md_name, pub_area->p, pub_area->len, NULL, 0, digest + 2, &len);
	if (r != MFA_OK)
		return r;
	if (att.name.len != 2 + (size_t)len || CRYPTO_memcmp(att.name.p, digest, att.name.len) != 0)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	return MFA_OK;
}

/* Return whether name has exactly one non-empty attribute oid. */
static bool
tpm_name_has(const X509_NAME *name, const char *oid, ASN1_STRING **ret_value)
{
	ASN1_OBJECT *obj;
	ASN1_STRING *value = NULL;
	int pos;
	bool ok = false;

	obj = OBJ_txt2obj(oid, 1);
	if (obj == NULL)
		return false;

	pos = X509_NAME_get_index_by_OBJ(name, obj, -1);
	if (pos >= 0 && X509_NAME_get_index_by_OBJ(name, obj, pos) < 0) {
		value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, pos));
		ok = value != NULL && ASN1_STRING_length(value) > 0;
	}

	ASN1_OBJECT_free(obj);
	if (ok)
		*ret_value = value;
	return ok;
}

/*
 * Check a directoryName of the AIK's subjectAltName: TPM manufacturer
 * ("id:" and 8 hex digits of TPM_PT_MANUFACTURER), model and version, as the
 * TCG EK Credential Profile lays them out.
 */
static bool
tpm_check_dir_name(const X509_NAME *name)
{
	ASN1_STRING *manufacturer = NULL, *model = NULL, *version = NULL;
	const unsigned char *id;

	if (!tpm_name_has(name, OID_TPM_MANUFACTURER, &manufacturer) ||
	    !tpm_name_has(name, OID_TPM_MODEL, &model) ||
	    !tpm_name_has(name, OID_TPM_VERSION, &version))
		return false;

	if (ASN1_STRING_length(manufacturer) != 11)
		return false;
	id = ASN1_STRING_get0_data(manufacturer);
	if (memcmp(id, "id:", 3) != 0)
		return false;
	for (size_t i = 3; i < 11; i++) {
		if (!isxdigit(id[i]))
			return false;
	}

	return true;
}

/*
 * Check that the subjectAltName of cert has one directoryName with the TPM
 * attributes. Its critical flag is not checked, although RFC 5280 requires
 * it with an empty subject, and other name forms beside it are allowed.
 */
static bool
tpm_check_san(X509 *cert)
{
	GENERAL_NAMES *names;
	const GENERAL_NAME *gen;
	int crit = 0, dir_names = 0;
	bool ok = false;

	names = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
	if (names == NULL)
		return false;

	for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		gen = sk_GENERAL_NAME_value(names, i);
		if (gen->type != GEN_DIRNAME)
			continue;
		dir_names++;
		ok = tpm_check_dir_name(gen->d.directoryName);
	}

	GENERAL_NAMES_free(names);
	return ok && dir_names == 1;
}

/* Return whether the extendedKeyUsage of cert lists tcg-kp-AIKCertificate. */
static bool
tpm_check_eku(X509 *cert)
{
	EXTENDED_KEY_USAGE *eku;
	ASN1_OBJECT *aik;
	int crit = 0;
	bool found = false;

	eku = X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, NULL);
	if (eku == NULL)
		return false;
	aik = OBJ_txt2obj(OID_TCG_KP_AIK_CERTIFICATE, 1);

	for (int i = 0; aik != NULL && i < sk_ASN1_OBJECT_num(eku); i++) {
		if (OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), aik) == 0)
			found = true;
	}

	ASN1_OBJECT_free(aik);
	EXTENDED_KEY_USAGE_free(eku);
	return found;
}

/* Check the AIK certificate requirements of WebAuthn L3 8.3.1 and its AAGUID extension. */
static int
tpm_check_aik_cert(const struct webauthn_attest_input *in, X509 *aik)
{
	if (!webauthn_cert_is_v3_leaf(aik))
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	if (X509_NAME_entry_count(X509_get_subject_name(aik)) != 0)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	if (!tpm_check_san(aik) || !tpm_check_eku(aik))
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	return webauthn_cert_check_aaguid(aik, in->ad->aaguid);
}

/* Borrow the non-empty byte string name of att_stmt. */
static bool
tpm_stmt_bytes(const cbor_item_t *att_stmt, const char *name, struct tpm_buf *ret)
{
	const cbor_item_t *item = cborutil_map_text(att_stmt, name);

	if (item == NULL || !cborutil_is_bytes(item) || cbor_bytestring_length(item) == 0)
		return false;
	ret->p = cbor_bytestring_handle(item);
	ret->len = cbor_bytestring_length(item);
	return true;
}

/* Read ver, alg, sig, certInfo and pubArea of att_stmt, and reject ECDAA. */
static bool
tpm_read_stmt(const cbor_item_t *att_stmt, int *ret_alg, struct tpm_buf *ret_sig,
    struct tpm_buf *ret_cert_info, struct tpm_buf *ret_pub_area)
{
	const cbor_item_t *ver, *alg_item;
	int64_t alg;

	if (cborutil_map_check_keys(att_stmt) != MFA_OK)
		return false;

	ver = cborutil_map_text(att_stmt, "ver");
	if (ver == NULL || !cborutil_text_is(ver, "2.0"))
		return false;
	alg_item = cborutil_map_text(att_stmt, "alg");
	if (alg_item == NULL || !cborutil_get_int(alg_item, &alg) || alg < INT32_MIN || alg > INT32_MAX)
		return false;
	if (cborutil_map_text(att_stmt, "ecdaaKeyId") != NULL)
		return false;

	*ret_alg = (int)alg;
	return tpm_stmt_bytes(att_stmt, "sig", ret_sig) &&
	    tpm_stmt_bytes(att_stmt, "certInfo", ret_cert_info) &&
	    tpm_stmt_bytes(att_stmt, "pubArea", ret_pub_area);
}

int
webauthn_attest_tpm(const struct webauthn_attest_input *in, struct webauthn_attest_result *res)
{
	struct tpm_buf sig, cert_info, pub_area;
	struct tpm_public pub;
	STACK_OF(X509) *x5c = NULL;
	X509 *aik;
	int alg = 0, r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	if (in->ad == NULL || in->ad->aaguid == NULL)
		goto out;
	if (!tpm_read_stmt(in->att_stmt, &alg, &sig, &cert_info, &pub_area))
		goto out;

	if (!tpm_parse_public(pub_area.p, pub_area.len, &pub))
		goto out;
	r = tpm_check_pub_area(in, &pub);
	if (r != MFA_OK)
		goto out;

	r = tpm_check_cert_info(in, &cert_info, &pub_area, &pub, alg);
	if (r != MFA_OK)
		goto out;

	r = webauthn_x5c_decode(cborutil_map_text(in->att_stmt, "x5c"), &x5c);
	if (r != MFA_OK)
		goto out;
	aik = sk_X509_value(x5c, 0);
	if (X509_get0_pubkey(aik) == NULL) {
		r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
		goto out;
	}

	r = cose_verify_pkey(X509_get0_pubkey(aik), alg, cert_info.p, cert_info.len, sig.p, sig.len);
	if (r == MFA_ERR_VERIFY_FAILED || r == MFA_ERR_UNSUPPORTED)
		r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	if (r != MFA_OK)
		goto out;

	r = tpm_check_aik_cert(in, aik);
	if (r != MFA_OK)
		goto out;

	res->type = MFA_WEBAUTHN_ATTESTATION_TYPE_ATTCA;
	res->x5c = x5c;
	x5c = NULL;
	r = MFA_OK;
out:
	sk_X509_pop_free(x5c, X509_free);
	return r;
}
