/* SPDX-License-Identifier: MIT */
/* A software WebAuthn authenticator for tests, built on OpenSSL alone (see softauthn.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "softauthn.h"

#define COSE_ES256 -7
#define COSE_EDDSA -8
#define COSE_ES384 -35
#define COSE_ES512 -36
#define COSE_PS256 -37
#define COSE_RS256 -257

#define FLAG_AT 0x40u
#define RSA_TEST_BITS 2048
#define AAGUID_OID "1.3.6.1.4.1.45724.1.1.4"
#define DAY 86400
#define YEAR (365 * DAY)

struct softauthn_key {
	EVP_PKEY *pkey;
	int alg;
};

/* Stop the test program: a test cannot continue without its input. */
static void
die(const char *what)
{
	fprintf(stderr, "softauthn: %s failed\n", what);
	abort();
}

void
softauthn_buf_free(softauthn_buf_t *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

void
softauthn_buf_append(softauthn_buf_t *buf, const void *data, size_t len)
{
	if (buf->len + len + 1 > buf->cap) {
		size_t cap = (buf->len + len + 1) * 2;
		uint8_t *p = realloc(buf->data, cap);

		if (p == NULL)
			die("realloc");
		buf->data = p;
		buf->cap = cap;
	}
	if (len > 0)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = 0; /* lets text buffers be read as strings */
}

/* Write a CBOR head: major type and argument in the shortest form. */
static void
cbor_head(softauthn_buf_t *buf, unsigned major, uint64_t arg)
{
	uint8_t head[9];
	size_t n;

	if (arg < 24) {
		head[0] = (uint8_t)(major << 5 | arg);
		n = 1;
	} else if (arg <= 0xff) {
		head[0] = (uint8_t)(major << 5 | 24);
		n = 2;
	} else if (arg <= 0xffff) {
		head[0] = (uint8_t)(major << 5 | 25);
		n = 3;
	} else if (arg <= 0xffffffffu) {
		head[0] = (uint8_t)(major << 5 | 26);
		n = 5;
	} else {
		head[0] = (uint8_t)(major << 5 | 27);
		n = 9;
	}
	for (size_t i = 1; i < n; i++)
		head[i] = (uint8_t)(arg >> (8 * (n - 1 - i)));
	softauthn_buf_append(buf, head, n);
}

void
softauthn_cbor_int(softauthn_buf_t *buf, int64_t v)
{
	if (v >= 0)
		cbor_head(buf, 0, (uint64_t)v);
	else
		cbor_head(buf, 1, (uint64_t)(-1 - v));
}

void
softauthn_cbor_bytes(softauthn_buf_t *buf, const uint8_t *data, size_t len)
{
	cbor_head(buf, 2, len);
	softauthn_buf_append(buf, data, len);
}

void
softauthn_cbor_text(softauthn_buf_t *buf, const char *text)
{
	cbor_head(buf, 3, strlen(text));
	softauthn_buf_append(buf, text, strlen(text));
}

void
softauthn_cbor_array(softauthn_buf_t *buf, size_t count)
{
	cbor_head(buf, 4, count);
}

void
softauthn_cbor_map(softauthn_buf_t *buf, size_t count)
{
	cbor_head(buf, 5, count);
}

void
softauthn_cbor_bool(softauthn_buf_t *buf, bool v)
{
	uint8_t b = v ? 0xf5 : 0xf4;

	softauthn_buf_append(buf, &b, 1);
}

void
softauthn_sha256(const void *data, size_t len, uint8_t out[SOFTAUTHN_HASH_LEN])
{
	if (EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL) != 1)
		die("EVP_Digest");
}

softauthn_key_t *
softauthn_key_new(int alg)
{
	softauthn_key_t *key = calloc(1, sizeof(*key));

	if (key == NULL)
		die("calloc");
	key->alg = alg;
	switch (alg) {
	case COSE_ES256:
		key->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case COSE_ES384:
		key->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case COSE_ES512:
		key->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
		break;
	case COSE_EDDSA:
		key->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case COSE_RS256:
	case COSE_PS256:
		key->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)RSA_TEST_BITS);
		break;
	default:
		die("softauthn_key_new: unknown alg");
	}
	if (key->pkey == NULL)
		die("EVP_PKEY_Q_keygen");

	return key;
}

void
softauthn_key_free(softauthn_key_t *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

int
softauthn_key_alg(const softauthn_key_t *key)
{
	return key->alg;
}

EVP_PKEY *
softauthn_key_pkey(const softauthn_key_t *key)
{
	return key->pkey;
}

/* Read a big-number parameter as len big-endian bytes (len 0: minimal length). */
static size_t
key_bn_bytes(const softauthn_key_t *key, const char *param, uint8_t *out, size_t len)
{
	BIGNUM *bn = NULL;
	int n;

	if (EVP_PKEY_get_bn_param(key->pkey, param, &bn) != 1)
		die("EVP_PKEY_get_bn_param");
	n = len > 0 ? BN_bn2binpad(bn, out, (int)len) : BN_bn2bin(bn, out);
	BN_free(bn);
	if (n < 0)
		die("BN_bn2binpad");

	return (size_t)n;
}

/* One COSE_Key member: a label and an integer or byte string value. */
struct cose_member {
	int label;
	bool is_bytes;
	int64_t value;
	uint8_t bytes[1024];
	size_t len;
};

/* COSE kty and crv of the key's algorithm, and the EC2 coordinate length. */
static void
cose_key_type(int alg, int *ret_kty, int *ret_crv, size_t *ret_coord)
{
	*ret_coord = 0;
	*ret_crv = 0;
	switch (alg) {
	case COSE_EDDSA:
		*ret_kty = 1;
		*ret_crv = 6;
		break;
	case COSE_RS256:
	case COSE_PS256:
		*ret_kty = 3;
		break;
	case COSE_ES384:
		*ret_kty = 2;
		*ret_crv = 2;
		*ret_coord = 48;
		break;
	case COSE_ES512:
		*ret_kty = 2;
		*ret_crv = 3;
		*ret_coord = 66;
		break;
	default:
		*ret_kty = 2;
		*ret_crv = 1;
		*ret_coord = 32;
		break;
	}
}

static void
member_int(struct cose_member *m, int label, int64_t value)
{
	m->label = label;
	m->value = value;
}

static void
member_bn(struct cose_member *m, int label, const softauthn_key_t *key, const char *param,
    size_t len)
{
	m->label = label;
	m->is_bytes = true;
	m->len = key_bn_bytes(key, param, m->bytes, len);
}

static size_t
cose_members(const softauthn_key_t *key, int alg, struct cose_member *m)
{
	int kty, crv;
	size_t coord;

	cose_key_type(key->alg, &kty, &crv, &coord);
	member_int(&m[0], 1, kty);
	member_int(&m[1], 3, alg);

	if (kty == 3) {
		member_bn(&m[2], -1, key, OSSL_PKEY_PARAM_RSA_N, 0);
		member_bn(&m[3], -2, key, OSSL_PKEY_PARAM_RSA_E, 0);
		return 4;
	}

	member_int(&m[2], -1, crv);
	if (kty == 1) {
		m[3].label = -2;
		m[3].is_bytes = true;
		m[3].len = 32;
		if (EVP_PKEY_get_raw_public_key(key->pkey, m[3].bytes, &m[3].len) != 1)
			die("EVP_PKEY_get_raw_public_key");
		return 4;
	}

	member_bn(&m[3], -2, key, OSSL_PKEY_PARAM_EC_PUB_X, coord);
	member_bn(&m[4], -3, key, OSSL_PKEY_PARAM_EC_PUB_Y, coord);
	return 5;
}

void
softauthn_key_cose(const softauthn_key_t *key, const softauthn_cose_knobs_t *knobs,
    softauthn_buf_t *out)
{
	static const softauthn_cose_knobs_t none;
	struct cose_member *m = calloc(8, sizeof(*m));
	size_t n, count;
	bool rsa = key->alg == COSE_RS256 || key->alg == COSE_PS256;

	if (m == NULL)
		die("calloc");
	if (knobs == NULL)
		knobs = &none;

	n = cose_members(key, knobs->alg != 0 ? knobs->alg : key->alg, m);
	if (knobs->add_private) {
		m[n].label = rsa ? -3 : -4;
		m[n].is_bytes = true;
		m[n].len = rsa ? 256 : 32;
		memset(m[n].bytes, 0x5a, m[n].len);
		n++;
	}

	count = n;
	for (size_t i = 0; i < n; i++) {
		if (knobs->drop_label != 0 && m[i].label == knobs->drop_label)
			count--;
	}
	softauthn_cbor_map(out, count);
	for (size_t i = 0; i < n; i++) {
		if (knobs->drop_label != 0 && m[i].label == knobs->drop_label)
			continue;
		if (knobs->corrupt_label != 0 && m[i].label == knobs->corrupt_label && m[i].is_bytes)
			m[i].bytes[m[i].len - 1] ^= 1;
		softauthn_cbor_int(out, m[i].label);
		if (m[i].is_bytes)
			softauthn_cbor_bytes(out, m[i].bytes, m[i].len);
		else
			softauthn_cbor_int(out, m[i].value);
	}
	free(m);
}

void
softauthn_sign(const softauthn_key_t *key, const uint8_t *msg, size_t len, softauthn_buf_t *sig)
{
	const char *md = NULL;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *out;
	size_t out_len = 0;

	if (key->alg == COSE_ES384)
		md = "SHA384";
	else if (key->alg == COSE_ES512)
		md = "SHA512";
	else if (key->alg != COSE_EDDSA)
		md = "SHA256";

	if (mctx == NULL || EVP_DigestSignInit_ex(mctx, &pctx, md, NULL, NULL, key->pkey, NULL) != 1)
		die("EVP_DigestSignInit_ex");
	if (key->alg == COSE_PS256 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
		die("PSS padding");
	if (EVP_DigestSign(mctx, NULL, &out_len, msg, len) != 1)
		die("EVP_DigestSign");
	out = malloc(out_len);
	if (out == NULL || EVP_DigestSign(mctx, out, &out_len, msg, len) != 1)
		die("EVP_DigestSign");
	softauthn_buf_append(sig, out, out_len);
	free(out);
	EVP_MD_CTX_free(mctx);
}

/* Add the AAGUID extension: an OCTET STRING of 16 bytes inside the extension value. */
static void
cert_add_aaguid(X509 *cert, const uint8_t *aaguid, bool critical)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(AAGUID_OID, 1);
	ASN1_OCTET_STRING *inner = ASN1_OCTET_STRING_new(), *value = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext;
	unsigned char *der = NULL;
	int der_len;

	if (obj == NULL || inner == NULL || value == NULL ||
	    ASN1_OCTET_STRING_set(inner, aaguid, SOFTAUTHN_AAGUID_LEN) != 1)
		die("AAGUID extension");
	der_len = i2d_ASN1_OCTET_STRING(inner, &der);
	if (der_len <= 0 || ASN1_OCTET_STRING_set(value, der, der_len) != 1)
		die("i2d_ASN1_OCTET_STRING");
	ext = X509_EXTENSION_create_by_OBJ(NULL, obj, critical ? 1 : 0, value);
	if (ext == NULL || X509_add_ext(cert, ext, -1) != 1)
		die("X509_add_ext");

	X509_EXTENSION_free(ext);
	OPENSSL_free(der);
	ASN1_OCTET_STRING_free(value);
	ASN1_OCTET_STRING_free(inner);
	ASN1_OBJECT_free(obj);
}

static void
name_add(X509_NAME *name, const char *field, const char *value)
{
	if (value != NULL && X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
	    (const unsigned char *)value, -1, -1, 0) != 1)
		die("X509_NAME_add_entry_by_txt");
}

static void
cert_add_basic_constraints(X509 *cert, X509 *issuer, bool ca)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (ext == NULL || X509_add_ext(cert, ext, -1) != 1)
		die("basicConstraints");
	X509_EXTENSION_free(ext);
	if (!ca)
		return;

	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (ext == NULL || X509_add_ext(cert, ext, -1) != 1)
		die("keyUsage");
	X509_EXTENSION_free(ext);
}

X509 *
softauthn_cert_issue(const softauthn_key_t *subject_key, const softauthn_key_t *issuer_key,
    X509 *issuer, const softauthn_cert_opts_t *opts)
{
	static long serial = 1;
	X509 *cert = X509_new();
	X509_NAME *name;
	time_t now = time(NULL);
	time_t nb = opts->not_before != 0 ? (time_t)opts->not_before : now - DAY;
	time_t na = opts->not_after != 0 ? (time_t)opts->not_after : now + YEAR;
	const softauthn_key_t *signer = issuer_key != NULL ? issuer_key : subject_key;

	if (cert == NULL || X509_set_version(cert, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++) != 1)
		die("X509_new");
	name = X509_get_subject_name(cert);
	name_add(name, "C", opts->c);
	name_add(name, "O", opts->o);
	name_add(name, "OU", opts->ou);
	name_add(name, "CN", opts->cn);
	if (X509_set_issuer_name(cert, issuer != NULL ? X509_get_subject_name(issuer) : name) != 1)
		die("X509_set_issuer_name");
	if (ASN1_TIME_set(X509_getm_notBefore(cert), nb) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(cert), na) == NULL)
		die("ASN1_TIME_set");
	if (X509_set_pubkey(cert, subject_key->pkey) != 1)
		die("X509_set_pubkey");

	cert_add_basic_constraints(cert, issuer, opts->ca);
	if (opts->aaguid != NULL)
		cert_add_aaguid(cert, opts->aaguid, opts->aaguid_critical);

	if (X509_sign(cert, signer->pkey, signer->alg == COSE_EDDSA ? NULL : EVP_sha256()) <= 0)
		die("X509_sign");
	return cert;
}

void
softauthn_cert_opts_packed(softauthn_cert_opts_t *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->c = "US";
	opts->o = "Softauthn Test Vendor";
	opts->ou = "Authenticator Attestation";
	opts->cn = "Softauthn Attestation Leaf";
}

void
softauthn_cert_der(X509 *cert, softauthn_buf_t *out)
{
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);

	if (len <= 0)
		die("i2d_X509");
	softauthn_buf_append(out, der, (size_t)len);
	OPENSSL_free(der);
}

char *
softauthn_cert_pem(X509 *cert)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *pem;
	long len;

	if (bio == NULL || PEM_write_bio_X509(bio, cert) != 1)
		die("PEM_write_bio_X509");
	len = BIO_get_mem_data(bio, &data);
	pem = malloc((size_t)len + 1);
	if (len <= 0 || pem == NULL)
		die("BIO_get_mem_data");
	memcpy(pem, data, (size_t)len);
	pem[len] = '\0';
	BIO_free(bio);
	return pem;
}

/* Append base64url without padding, through OpenSSL's base64 and the URL-safe swaps. */
static void
append_base64url(softauthn_buf_t *out, const uint8_t *data, size_t len)
{
	char *b64 = malloc(4 * ((len + 2) / 3) + 1);
	int n;

	if (b64 == NULL)
		die("malloc");
	n = EVP_EncodeBlock((unsigned char *)b64, data, (int)len);
	while (n > 0 && b64[n - 1] == '=')
		n--;
	for (int i = 0; i < n; i++) {
		if (b64[i] == '+')
			b64[i] = '-';
		else if (b64[i] == '/')
			b64[i] = '_';
	}
	softauthn_buf_append(out, b64, (size_t)n);
	free(b64);
}

static void
append_str(softauthn_buf_t *out, const char *s)
{
	softauthn_buf_append(out, s, strlen(s));
}

/* Append ,"name":"value" (test strings need no escaping). */
static void
append_member(softauthn_buf_t *out, const char *name, const char *value)
{
	append_str(out, ",\"");
	append_str(out, name);
	append_str(out, "\":\"");
	append_str(out, value);
	append_str(out, "\"");
}

void
softauthn_client_data_json(const softauthn_client_data_t *cd, softauthn_buf_t *out)
{
	if (cd->raw != NULL) {
		append_str(out, cd->raw);
		return;
	}

	append_str(out, "{\"type\":\"");
	append_str(out, cd->type != NULL ? cd->type : "");
	append_str(out, "\",\"challenge\":\"");
	append_base64url(out, cd->challenge, cd->challenge_len);
	append_str(out, "\"");
	if (cd->origin != NULL)
		append_member(out, "origin", cd->origin);
	if (cd->cross_origin >= 0)
		append_str(out, cd->cross_origin ? ",\"crossOrigin\":true" : ",\"crossOrigin\":false");
	if (cd->top_origin != NULL)
		append_member(out, "topOrigin", cd->top_origin);
	if (cd->token_binding != NULL) {
		append_str(out, ",\"tokenBinding\":{\"status\":\"");
		append_str(out, cd->token_binding);
		append_str(out, "\"}");
	}
	append_member(out, "other_keys_can_be_added_here",
	    "do not compare clientDataJSON against a template");
	append_str(out, "}");
}

void
softauthn_auth_data(const softauthn_auth_data_t *ad, softauthn_buf_t *out)
{
	uint8_t hash[SOFTAUTHN_HASH_LEN];
	uint8_t count[4], id_len[2];
	uint8_t zeros[64] = { 0 };

	if (ad->rp_id_hash != NULL)
		memcpy(hash, ad->rp_id_hash, sizeof(hash));
	else
		softauthn_sha256(ad->rp_id, strlen(ad->rp_id), hash);
	softauthn_buf_append(out, hash, sizeof(hash));
	softauthn_buf_append(out, &ad->flags, 1);
	for (size_t i = 0; i < 4; i++)
		count[i] = (uint8_t)(ad->sign_count >> (24 - 8 * i));
	softauthn_buf_append(out, count, sizeof(count));

	if (ad->flags & FLAG_AT) {
		softauthn_buf_append(out, ad->aaguid, SOFTAUTHN_AAGUID_LEN);
		id_len[0] = (uint8_t)(ad->cred_id_len >> 8);
		id_len[1] = (uint8_t)ad->cred_id_len;
		softauthn_buf_append(out, id_len, sizeof(id_len));
		softauthn_buf_append(out, ad->cred_id, ad->cred_id_len);
		softauthn_buf_append(out, ad->cose_key, ad->cose_key_len);
	}
	if (ad->extensions != NULL)
		softauthn_buf_append(out, ad->extensions, ad->extensions_len);
	for (size_t left = ad->trailing; left > 0;) {
		size_t n = left < sizeof(zeros) ? left : sizeof(zeros);

		softauthn_buf_append(out, zeros, n);
		left -= n;
	}
}

static void
client_data_init(softauthn_client_data_t *cd, const char *type, const char *origin,
    const uint8_t *challenge, size_t challenge_len)
{
	memset(cd, 0, sizeof(*cd));
	cd->type = type;
	cd->origin = origin;
	cd->challenge = challenge;
	cd->challenge_len = challenge_len;
	cd->cross_origin = 0;
}

void
softauthn_reg_init(softauthn_reg_t *reg, const softauthn_key_t *cred_key, const char *rp_id,
    const char *origin, const uint8_t *challenge, size_t challenge_len)
{
	memset(reg, 0, sizeof(*reg));
	client_data_init(&reg->client_data, "webauthn.create", origin, challenge, challenge_len);
	reg->auth_data.rp_id = rp_id;
	reg->auth_data.flags = 0x01 | 0x04 | FLAG_AT; /* UP, UV, AT */
	for (size_t i = 0; i < sizeof(reg->cred_id); i++)
		reg->cred_id[i] = (uint8_t)(0xc0 + i);
	reg->cred_key = cred_key;
	reg->att = SOFTAUTHN_ATT_NONE;
}

static const char *
att_fmt(const softauthn_reg_t *reg)
{
	if (reg->fmt != NULL)
		return reg->fmt;
	switch (reg->att) {
	case SOFTAUTHN_ATT_PACKED_SELF:
	case SOFTAUTHN_ATT_PACKED_X5C:
		return "packed";
	case SOFTAUTHN_ATT_FIDO_U2F:
		return "fido-u2f";
	case SOFTAUTHN_ATT_CUSTOM:
		return "custom";
	default:
		return "none";
	}
}

static void
flip_last_bit(softauthn_buf_t *sig)
{
	sig->data[sig->len - 1] ^= 1;
}

static void
write_x5c(const softauthn_reg_t *reg, softauthn_buf_t *out)
{
	softauthn_cbor_text(out, "x5c");
	softauthn_cbor_array(out, reg->x5c_count);
	for (size_t i = 0; i < reg->x5c_count; i++) {
		softauthn_buf_t der = { 0 };

		softauthn_cert_der(reg->x5c[i], &der);
		softauthn_cbor_bytes(out, der.data, der.len);
		softauthn_buf_free(&der);
	}
}

/* packed (self or x5c): alg, sig over authData || clientDataHash, and x5c. */
static void
att_stmt_packed(const softauthn_reg_t *reg, const softauthn_buf_t *msg, softauthn_buf_t *out)
{
	const softauthn_key_t *signer = reg->att == SOFTAUTHN_ATT_PACKED_SELF ? reg->cred_key :
	    reg->att_key;
	softauthn_buf_t sig = { 0 };

	softauthn_sign(signer, msg->data, msg->len, &sig);
	if (reg->att_bad_sig)
		flip_last_bit(&sig);
	softauthn_cbor_map(out, reg->att == SOFTAUTHN_ATT_PACKED_X5C ? 3 : 2);
	softauthn_cbor_text(out, "alg");
	softauthn_cbor_int(out, reg->att_alg != 0 ? reg->att_alg : signer->alg);
	softauthn_cbor_text(out, "sig");
	softauthn_cbor_bytes(out, sig.data, sig.len);
	if (reg->att == SOFTAUTHN_ATT_PACKED_X5C)
		write_x5c(reg, out);
	softauthn_buf_free(&sig);
}

/* fido-u2f: sig over 0x00 || rpIdHash || clientDataHash || credId || 0x04 || x || y. */
static void
att_stmt_u2f(const softauthn_reg_t *reg, const softauthn_buf_t *auth_data,
    const uint8_t *cd_hash, softauthn_buf_t *out)
{
	softauthn_buf_t data = { 0 }, sig = { 0 };
	uint8_t zero = 0, point[65];

	/* A key of another type leaves the point zero, for tests that expect a rejection. */
	memset(point, 0, sizeof(point));
	point[0] = 0x04;
	if (reg->cred_key->alg == COSE_ES256) {
		key_bn_bytes(reg->cred_key, OSSL_PKEY_PARAM_EC_PUB_X, point + 1, 32);
		key_bn_bytes(reg->cred_key, OSSL_PKEY_PARAM_EC_PUB_Y, point + 33, 32);
	}
	softauthn_buf_append(&data, &zero, 1);
	softauthn_buf_append(&data, auth_data->data, SOFTAUTHN_HASH_LEN);
	softauthn_buf_append(&data, cd_hash, SOFTAUTHN_HASH_LEN);
	softauthn_buf_append(&data, reg->auth_data.cred_id, reg->auth_data.cred_id_len);
	softauthn_buf_append(&data, point, sizeof(point));

	softauthn_sign(reg->att_key, data.data, data.len, &sig);
	if (reg->att_bad_sig)
		flip_last_bit(&sig);
	softauthn_cbor_map(out, 2);
	softauthn_cbor_text(out, "sig");
	softauthn_cbor_bytes(out, sig.data, sig.len);
	write_x5c(reg, out);
	softauthn_buf_free(&sig);
	softauthn_buf_free(&data);
}

static void
att_stmt_write(const softauthn_reg_t *reg, const softauthn_buf_t *auth_data,
    const uint8_t *cd_hash, softauthn_buf_t *out)
{
	softauthn_buf_t msg = { 0 };

	if (reg->att_stmt != NULL) {
		softauthn_buf_append(out, reg->att_stmt, reg->att_stmt_len);
		return;
	}

	softauthn_buf_append(&msg, auth_data->data, auth_data->len);
	softauthn_buf_append(&msg, cd_hash, SOFTAUTHN_HASH_LEN);
	switch (reg->att) {
	case SOFTAUTHN_ATT_PACKED_SELF:
	case SOFTAUTHN_ATT_PACKED_X5C:
		att_stmt_packed(reg, &msg, out);
		break;
	case SOFTAUTHN_ATT_FIDO_U2F:
		att_stmt_u2f(reg, auth_data, cd_hash, out);
		break;
	case SOFTAUTHN_ATT_CUSTOM:
		reg->att_stmt_fn(reg->att_stmt_arg, auth_data->data, auth_data->len, cd_hash, out);
		break;
	default:
		softauthn_cbor_map(out, 0);
		break;
	}
	softauthn_buf_free(&msg);
}

void
softauthn_reg_build(const softauthn_reg_t *reg, softauthn_reg_out_t *out)
{
	softauthn_auth_data_t ad = reg->auth_data;
	uint8_t cd_hash[SOFTAUTHN_HASH_LEN];
	softauthn_buf_t *obj = &out->attestation_object;
	size_t members = 3;
	uint8_t zeros[16] = { 0 };

	memset(out, 0, sizeof(*out));
	softauthn_client_data_json(&reg->client_data, &out->client_data_json);
	softauthn_sha256(out->client_data_json.data, out->client_data_json.len, cd_hash);

	if (ad.cred_id == NULL) {
		ad.cred_id = reg->cred_id;
		ad.cred_id_len = sizeof(reg->cred_id);
	}
	if (ad.cose_key == NULL) {
		softauthn_key_cose(reg->cred_key, &reg->cose_knobs, &out->cose_key);
		ad.cose_key = out->cose_key.data;
		ad.cose_key_len = out->cose_key.len;
	} else {
		softauthn_buf_append(&out->cose_key, ad.cose_key, ad.cose_key_len);
	}
	softauthn_auth_data(&ad, &out->auth_data);

	if (reg->drop_member != NULL)
		members--;
	softauthn_cbor_map(obj, members);
	if (reg->drop_member == NULL || strcmp(reg->drop_member, "fmt") != 0) {
		softauthn_cbor_text(obj, "fmt");
		softauthn_cbor_text(obj, att_fmt(reg));
	}
	if (reg->drop_member == NULL || strcmp(reg->drop_member, "attStmt") != 0) {
		softauthn_reg_t with_id = *reg;

		with_id.auth_data = ad;
		softauthn_cbor_text(obj, "attStmt");
		att_stmt_write(&with_id, &out->auth_data, cd_hash, obj);
	}
	if (reg->drop_member == NULL || strcmp(reg->drop_member, "authData") != 0) {
		softauthn_cbor_text(obj, "authData");
		softauthn_cbor_bytes(obj, out->auth_data.data, out->auth_data.len);
	}
	for (size_t left = reg->att_obj_trailing; left > 0;) {
		size_t n = left < sizeof(zeros) ? left : sizeof(zeros);

		softauthn_buf_append(obj, zeros, n);
		left -= n;
	}
}

void
softauthn_reg_out_free(softauthn_reg_out_t *out)
{
	softauthn_buf_free(&out->client_data_json);
	softauthn_buf_free(&out->attestation_object);
	softauthn_buf_free(&out->auth_data);
	softauthn_buf_free(&out->cose_key);
}

void
softauthn_assert_init(softauthn_assert_t *as, const softauthn_key_t *key, const char *rp_id,
    const char *origin, const uint8_t *challenge, size_t challenge_len)
{
	memset(as, 0, sizeof(*as));
	client_data_init(&as->client_data, "webauthn.get", origin, challenge, challenge_len);
	as->auth_data.rp_id = rp_id;
	as->auth_data.flags = 0x01 | 0x04; /* UP, UV */
	as->auth_data.sign_count = 1;
	as->key = key;
}

void
softauthn_assert_build(const softauthn_assert_t *as, softauthn_assert_out_t *out)
{
	uint8_t cd_hash[SOFTAUTHN_HASH_LEN];
	softauthn_buf_t msg = { 0 };

	memset(out, 0, sizeof(*out));
	softauthn_client_data_json(&as->client_data, &out->client_data_json);
	softauthn_sha256(out->client_data_json.data, out->client_data_json.len, cd_hash);
	softauthn_auth_data(&as->auth_data, &out->auth_data);

	softauthn_buf_append(&msg, out->auth_data.data, out->auth_data.len);
	softauthn_buf_append(&msg, cd_hash, sizeof(cd_hash));
	softauthn_sign(as->key, msg.data, msg.len, &out->sig);
	softauthn_buf_free(&msg);
}

void
softauthn_assert_out_free(softauthn_assert_out_t *out)
{
	softauthn_buf_free(&out->client_data_json);
	softauthn_buf_free(&out->auth_data);
	softauthn_buf_free(&out->sig);
}
