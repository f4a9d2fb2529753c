/* SPDX-License-Identifier: MIT */
/* Test helpers: keys, X.509 certificates, DER, COSE keys and attStmt maps made with OpenSSL and libcbor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/x509v3.h>

#include "certgen.h"

#define CERTGEN_DAY_SECONDS 86400L

/* TPM 2.0 Library Part 2 constants, written out here rather than taken from the code under test. */
#define CERTGEN_TPM_GENERATED_VALUE 0xff544347u
#define CERTGEN_TPM_ST_ATTEST_CERTIFY 0x8017u
#define CERTGEN_TPM_ALG_RSA 0x0001u
#define CERTGEN_TPM_ALG_SHA256 0x000bu
#define CERTGEN_TPM_ALG_NULL 0x0010u
#define CERTGEN_TPM_ALG_ECDSA 0x0018u
#define CERTGEN_TPM_ALG_ECC 0x0023u
#define CERTGEN_TPM_ECC_NIST_P256 0x0003u
#define CERTGEN_TPM_ECC_NIST_P384 0x0004u
/* fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, noDA, sign: a typical credential key. */
#define CERTGEN_TPMA_OBJECT_CREDENTIAL 0x00060472u
#define CERTGEN_YEAR_SECONDS (365L * CERTGEN_DAY_SECONDS)

EVP_PKEY *
certgen_key_ec(const char *group)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);

	assert_non_null(key);
	return key;
}

EVP_PKEY *
certgen_key_rsa(unsigned bits)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);

	assert_non_null(key);
	return key;
}

X509 *
certgen_new(EVP_PKEY *key, long version, const char *cn)
{
	X509 *cert = X509_new();
	BIGNUM *serial = BN_new();

	assert_non_null(cert);
	assert_non_null(serial);
	assert_int_equal(X509_set_version(cert, version), 1);

	assert_int_equal(BN_rand(serial, 64, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY), 1);
	assert_non_null(BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)));
	BN_free(serial);

	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(cert), -CERTGEN_DAY_SECONDS));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(cert), CERTGEN_YEAR_SECONDS));
	assert_int_equal(X509_set_pubkey(cert, key), 1);

	if (cn != NULL)
		assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN",
		    MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0), 1);
	return cert;
}

void
certgen_add_ext_conf(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(cert, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

void
certgen_add_ext_der(X509 *cert, const char *oid, bool critical, const uint8_t *der, size_t len)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *value = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext;

	assert_non_null(obj);
	assert_non_null(value);
	assert_int_equal(ASN1_OCTET_STRING_set(value, der, (int)len), 1);
	ext = X509_EXTENSION_create_by_OBJ(NULL, obj, critical ? 1 : 0, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(cert, ext, -1), 1);

	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(value);
	ASN1_OBJECT_free(obj);
}

static void
certgen_name_add(X509_NAME *name, const char *oid, const char *value)
{
	if (value == NULL)
		return;
	assert_int_equal(X509_NAME_add_entry_by_txt(name, oid, MBSTRING_UTF8,
	    (const unsigned char *)value, -1, -1, 0), 1);
}

void
certgen_add_tpm_san(X509 *cert, const char *manufacturer, const char *model, const char *version)
{
	GENERAL_NAMES *names = GENERAL_NAMES_new();
	GENERAL_NAME *gen = GENERAL_NAME_new();
	X509_NAME *dir = X509_NAME_new();

	assert_non_null(names);
	assert_non_null(gen);
	assert_non_null(dir);
	certgen_name_add(dir, "2.23.133.2.1", manufacturer);
	certgen_name_add(dir, "2.23.133.2.2", model);
	certgen_name_add(dir, "2.23.133.2.3", version);

	GENERAL_NAME_set0_value(gen, GEN_DIRNAME, dir);
	assert_int_equal(sk_GENERAL_NAME_push(names, gen), 1);
	/* RFC 5280 requires a critical subjectAltName when the subject is empty. */
	assert_int_equal(X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 1, X509V3_ADD_DEFAULT), 1);
	GENERAL_NAMES_free(names);
}

void
certgen_sign(X509 *cert, X509 *issuer, EVP_PKEY *issuer_key)
{
	X509_NAME *name = X509_get_subject_name(issuer != NULL ? issuer : cert);

	assert_int_equal(X509_set_issuer_name(cert, name), 1);
	assert_true(X509_sign(cert, issuer_key, EVP_sha256()) > 0);
}

X509 *
certgen_ca(EVP_PKEY *key, const char *cn)
{
	X509 *cert = certgen_new(key, X509_VERSION_3, cn);

	certgen_add_ext_conf(cert, NULL, NID_basic_constraints, "critical,CA:TRUE");
	certgen_add_ext_conf(cert, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
	certgen_add_ext_conf(cert, NULL, NID_subject_key_identifier, "hash");
	certgen_sign(cert, NULL, key);
	return cert;
}

uint8_t *
certgen_cert_der(X509 *cert, size_t *ret_len)
{
	unsigned char *der = NULL;
	uint8_t *copy;
	int len = i2d_X509(cert, &der);

	assert_true(len > 0);
	copy = malloc((size_t)len);
	assert_non_null(copy);
	memcpy(copy, der, (size_t)len);
	OPENSSL_free(der);

	*ret_len = (size_t)len;
	return copy;
}

uint8_t *
certgen_sign_data(EVP_PKEY *key, const char *md, const uint8_t *msg, size_t msg_len,
    size_t *ret_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t *sig;
	size_t len = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit_ex(ctx, NULL, md, NULL, NULL, key, NULL), 1);
	assert_int_equal(EVP_DigestSign(ctx, NULL, &len, msg, msg_len), 1);
	sig = malloc(len);
	assert_non_null(sig);
	assert_int_equal(EVP_DigestSign(ctx, sig, &len, msg, msg_len), 1);
	EVP_MD_CTX_free(ctx);

	*ret_len = len;
	return sig;
}

size_t
certgen_digest(const char *md, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
    uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_MD *fetched = EVP_MD_fetch(NULL, md, NULL);
	unsigned len = 0;

	assert_non_null(ctx);
	assert_non_null(fetched);
	assert_int_equal(EVP_DigestInit_ex2(ctx, fetched, NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, a, a_len), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, b, b_len), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, out, &len), 1);
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(fetched);
	return len;
}

uint8_t *
certgen_ec_point(EVP_PKEY *key, size_t *ret_len)
{
	uint8_t *point;
	size_t len = 0;

	assert_int_equal(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
	    NULL, 0, &len), 1);
	point = malloc(len);
	assert_non_null(point);
	assert_int_equal(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
	    point, len, &len), 1);
	assert_int_equal(point[0], 0x04);

	*ret_len = len;
	return point;
}

/* Big-endian bytes of one BIGNUM parameter of key, in a new buffer. */
static uint8_t *
certgen_bn_param(EVP_PKEY *key, const char *param, size_t *ret_len)
{
	BIGNUM *bn = NULL;
	uint8_t *p;
	int len;

	assert_int_equal(EVP_PKEY_get_bn_param(key, param, &bn), 1);
	len = BN_num_bytes(bn);
	p = malloc((size_t)len);
	assert_non_null(p);
	assert_int_equal(BN_bn2bin(bn, p), len);
	BN_free(bn);

	*ret_len = (size_t)len;
	return p;
}

uint8_t *
certgen_rsa_modulus(EVP_PKEY *key, size_t *ret_len)
{
	return certgen_bn_param(key, OSSL_PKEY_PARAM_RSA_N, ret_len);
}

/* Append an identifier (with a high tag number when tag is 31 or more) and a definite length. */
static void
certgen_der_head(struct certgen_buf *out, unsigned cls, bool constructed, uint32_t tag, size_t len)
{
	uint8_t first = (uint8_t)(cls << 6 | (constructed ? 0x20u : 0));
	uint8_t tmp[8];
	size_t n = 0;

	if (tag < 31) {
		certgen_buf_put(out, &(uint8_t){ (uint8_t)(first | tag) }, 1);
	} else {
		certgen_buf_put(out, &(uint8_t){ (uint8_t)(first | 0x1f) }, 1);
		for (uint32_t t = tag; t != 0; t >>= 7)
			tmp[n++] = (uint8_t)(t & 0x7f);
		while (n > 0) {
			n--;
			certgen_buf_put(out, &(uint8_t){ (uint8_t)(tmp[n] | (n > 0 ? 0x80 : 0)) }, 1);
		}
	}

	if (len < 0x80) {
		certgen_buf_put(out, &(uint8_t){ (uint8_t)len }, 1);
		return;
	}
	for (size_t l = len; l != 0; l >>= 8)
		tmp[n++] = (uint8_t)l;
	certgen_buf_put(out, &(uint8_t){ (uint8_t)(0x80 | n) }, 1);
	while (n > 0)
		certgen_buf_put(out, &tmp[--n], 1);
}

void
certgen_der_put(struct certgen_buf *out, unsigned cls, bool constructed, uint32_t tag,
    const uint8_t *content, size_t len)
{
	certgen_der_head(out, cls, constructed, tag, len);
	certgen_buf_put(out, content, len);
}

void
certgen_buf_put(struct certgen_buf *out, const uint8_t *p, size_t len)
{
	assert_true(len <= sizeof(out->buf) - out->len);
	if (len > 0)
		memcpy(out->buf + out->len, p, len);
	out->len += len;
}

void
certgen_buf_u16(struct certgen_buf *out, uint16_t value)
{
	uint8_t b[2] = { (uint8_t)(value >> 8), (uint8_t)value };

	certgen_buf_put(out, b, 2);
}

static void
certgen_buf_u32(struct certgen_buf *out, uint32_t value)
{
	certgen_buf_u16(out, (uint16_t)(value >> 16));
	certgen_buf_u16(out, (uint16_t)value);
}

/* A TPM2B: 16-bit size, then the bytes. */
static void
certgen_buf_2b(struct certgen_buf *out, const uint8_t *p, size_t len)
{
	certgen_buf_u16(out, (uint16_t)len);
	certgen_buf_put(out, p, len);
}

void
certgen_tpm_pub_area(struct certgen_buf *out, EVP_PKEY *key, uint16_t name_alg, uint32_t exponent)
{
	uint8_t *p;
	size_t len = 0;

	out->len = 0;
	certgen_buf_u16(out, EVP_PKEY_is_a(key, "RSA") ? CERTGEN_TPM_ALG_RSA : CERTGEN_TPM_ALG_ECC);
	certgen_buf_u16(out, name_alg);
	certgen_buf_u32(out, CERTGEN_TPMA_OBJECT_CREDENTIAL);
	certgen_buf_2b(out, NULL, 0);                    /* authPolicy */
	certgen_buf_u16(out, CERTGEN_TPM_ALG_NULL);      /* symmetric */

	if (EVP_PKEY_is_a(key, "RSA")) {
		p = certgen_rsa_modulus(key, &len);
		certgen_buf_u16(out, CERTGEN_TPM_ALG_NULL);  /* scheme */
		certgen_buf_u16(out, (uint16_t)(len * 8));
		certgen_buf_u32(out, exponent);
		certgen_buf_2b(out, p, len);
	} else {
		p = certgen_ec_point(key, &len);
		certgen_buf_u16(out, CERTGEN_TPM_ALG_ECDSA); /* scheme, with its hash */
		certgen_buf_u16(out, CERTGEN_TPM_ALG_SHA256);
		certgen_buf_u16(out, len == 65 ? CERTGEN_TPM_ECC_NIST_P256 : CERTGEN_TPM_ECC_NIST_P384);
		certgen_buf_u16(out, CERTGEN_TPM_ALG_NULL);  /* kdf */
		certgen_buf_2b(out, p + 1, (len - 1) / 2);
		certgen_buf_2b(out, p + 1 + (len - 1) / 2, (len - 1) / 2);
	}
	free(p);
}

void
certgen_tpm_cert_info(struct certgen_buf *out, const uint8_t *extra_data, size_t extra_len,
    uint16_t name_alg, const char *md, const uint8_t *pub_area, size_t pub_area_len)
{
	uint8_t name[2 + EVP_MAX_MD_SIZE], qualified[34], clock[17 + 8];
	size_t len;

	out->len = 0;
	certgen_buf_u32(out, CERTGEN_TPM_GENERATED_VALUE);
	certgen_buf_u16(out, CERTGEN_TPM_ST_ATTEST_CERTIFY);
	memset(qualified, 0x11, sizeof(qualified));
	certgen_buf_2b(out, qualified, sizeof(qualified)); /* qualifiedSigner */
	certgen_buf_2b(out, extra_data, extra_len);
	memset(clock, 0x01, sizeof(clock));
	certgen_buf_put(out, clock, sizeof(clock));        /* clockInfo, firmwareVersion */

	name[0] = (uint8_t)(name_alg >> 8);
	name[1] = (uint8_t)name_alg;
	len = certgen_digest(md, pub_area, pub_area_len, NULL, 0, name + 2);
	certgen_buf_2b(out, name, 2 + len);                /* attested.name */
	memset(qualified, 0x22, sizeof(qualified));
	certgen_buf_2b(out, qualified, sizeof(qualified)); /* attested.qualifiedName */
}

static void
certgen_map_put(cbor_item_t *map, const char *key, cbor_item_t *value)
{
	assert_non_null(value);
	assert_true(cbor_map_add(map, (struct cbor_pair){
		.key = cbor_move(cbor_build_string(key)),
		.value = cbor_move(value),
	}));
}

static cbor_item_t *
certgen_cbor_int(int64_t value)
{
	if (value >= 0)
		return cbor_build_uint64((uint64_t)value);
	return cbor_build_negint64((uint64_t)(-1 - value));
}

/* Add an integer label to a COSE map. */
static void
certgen_cose_put(cbor_item_t *map, int64_t label, cbor_item_t *value)
{
	assert_non_null(value);
	assert_true(cbor_map_add(map, (struct cbor_pair){
		.key = cbor_move(certgen_cbor_int(label)),
		.value = cbor_move(value),
	}));
}

static uint8_t *
certgen_cbor_encode(cbor_item_t *item, size_t *ret_len)
{
	unsigned char *buf = NULL;
	size_t size = 0, len;

	len = cbor_serialize_alloc(item, &buf, &size);
	assert_true(len > 0);
	*ret_len = len;
	return buf;
}

uint8_t *
certgen_cose_key(EVP_PKEY *key, int alg, size_t *ret_len)
{
	cbor_item_t *map = cbor_new_definite_map(5);
	uint8_t *p, *out;
	size_t len = 0, e_len = 0;

	assert_non_null(map);
	if (EVP_PKEY_is_a(key, "EC")) {
		/* RFC 9053: kty 2 (EC2), crv 1/2/3 for P-256/P-384/P-521. */
		int crv = 3;

		if (alg == -7)
			crv = 1;
		else if (alg == -35)
			crv = 2;

		p = certgen_ec_point(key, &len);
		certgen_cose_put(map, 1, certgen_cbor_int(2));
		certgen_cose_put(map, 3, certgen_cbor_int(alg));
		certgen_cose_put(map, -1, certgen_cbor_int(crv));
		certgen_cose_put(map, -2, cbor_build_bytestring(p + 1, (len - 1) / 2));
		certgen_cose_put(map, -3, cbor_build_bytestring(p + 1 + (len - 1) / 2, (len - 1) / 2));
		free(p);
	} else {
		uint8_t *e;

		p = certgen_rsa_modulus(key, &len);
		e = certgen_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e_len);
		certgen_cose_put(map, 1, certgen_cbor_int(3));
		certgen_cose_put(map, 3, certgen_cbor_int(alg));
		certgen_cose_put(map, -1, cbor_build_bytestring(p, len));
		certgen_cose_put(map, -2, cbor_build_bytestring(e, e_len));
		free(p);
		free(e);
	}

	out = certgen_cbor_encode(map, ret_len);
	cbor_decref(&map);
	return out;
}

uint8_t *
certgen_auth_data(const uint8_t *aaguid, const uint8_t *cose, size_t cose_len, size_t *ret_len)
{
	static const char rp_id[] = "example.com";
	size_t len = 32 + 1 + 4 + 16 + 2 + 16 + cose_len;
	uint8_t *p = malloc(len), *w;

	assert_non_null(p);
	assert_int_equal(certgen_digest("SHA256", (const uint8_t *)rp_id, strlen(rp_id), NULL, 0, p), 32);
	w = p + 32;
	*w++ = 0x45; /* UP | UV | AT */
	memset(w, 0, 4);
	w += 4;
	memcpy(w, aaguid, 16);
	w += 16;
	*w++ = 0;
	*w++ = 16;
	memset(w, 0xc1, 16);
	w += 16;
	memcpy(w, cose, cose_len);

	*ret_len = len;
	return p;
}

cbor_item_t *
certgen_map_new(size_t n)
{
	cbor_item_t *map = cbor_new_definite_map(n);

	assert_non_null(map);
	return map;
}

void
certgen_map_bytes(cbor_item_t *map, const char *key, const uint8_t *p, size_t len)
{
	certgen_map_put(map, key, cbor_build_bytestring(p, len));
}

void
certgen_map_text(cbor_item_t *map, const char *key, const char *value)
{
	certgen_map_put(map, key, cbor_build_string(value));
}

void
certgen_map_int(cbor_item_t *map, const char *key, int64_t value)
{
	certgen_map_put(map, key, certgen_cbor_int(value));
}

void
certgen_map_x5c(cbor_item_t *map, X509 *const *certs, size_t n)
{
	cbor_item_t *array = cbor_new_definite_array(n);
	uint8_t *der;
	size_t len = 0;

	assert_non_null(array);
	for (size_t i = 0; i < n; i++) {
		der = certgen_cert_der(certs[i], &len);
		assert_true(cbor_array_push(array, cbor_move(cbor_build_bytestring(der, len))));
		free(der);
	}
	certgen_map_put(map, "x5c", array);
}
