/* SPDX-License-Identifier: MIT */
/* The "tpm" attestation statement format: valid RSA and ECC statements, one rejected statement per check. */
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

/* TPM 2.0 Library Part 2 constants, written out here rather than taken from the code under test. */
#define TPM_GENERATED_VALUE 0xff544347u
#define TPM_ST_ATTEST_CERTIFY 0x8017u
#define TPM_ST_ATTEST_QUOTE 0x8018u
#define TPM_ALG_SHA1 0x0004u
#define TPM_ALG_AES 0x0006u
#define TPM_ALG_KEYEDHASH 0x0008u
#define TPM_ALG_SHA256 0x000bu
#define TPM_ALG_SHA384 0x000cu
#define TPM_ALG_NULL 0x0010u
#define TPM_ECC_NIST_P256 0x0003u
#define TPM_ECC_NIST_P384 0x0004u

#define OID_FIDO_AAGUID "1.3.6.1.4.1.45724.1.1.4"

/* Requirements on the AIK certificate; aik_default() fills a valid set. */
struct aik_opts {
	long version;
	const char *cn;           /* NULL: empty subject */
	bool san;
	const char *manufacturer; /* NULL leaves the attribute out */
	const char *model;
	const char *tpm_version;
	const char *eku;          /* extendedKeyUsage config text, NULL for none */
	const char *basic_constraints;
	const uint8_t *aaguid;    /* NULL: no AAGUID extension */
	size_t aaguid_len;
	bool aaguid_critical;
};

/* The parts of one statement. tpm_default() fills a valid set; each test changes one. */
struct tpm_parts {
	const char *ver;            /* NULL: no ver */
	bool alg_present;
	int64_t alg;
	bool ecdaa_key_id;
	bool x5c;
	struct certgen_buf pub_area;
	uint16_t name_alg;          /* hash of the Name in certInfo */
	uint32_t magic;
	uint16_t type;
	const char *extra_data_md;  /* hash of authData || clientDataHash in extraData */
	bool extra_data_other_cdh;  /* hash another clientDataHash into extraData */
	struct certgen_buf cert_info_tail; /* appended to certInfo */
	size_t cert_info_cut;       /* bytes dropped from the end of certInfo */
	size_t cert_info_flip;      /* 1 + index of a certInfo byte to invert before signing, or 0 */
	EVP_PKEY *signer;           /* signs certInfo */
	struct aik_opts aik;
};

/* A credential key pair with its COSE key and the authenticator data that carries it. */
struct credential {
	EVP_PKEY *pkey;
	mfa_cose_key_t *key;
	uint8_t *auth_data;
	size_t auth_data_len;
};

struct fixture {
	EVP_PKEY *ca_key;
	X509 *ca;
	EVP_PKEY *aik_rsa;
	EVP_PKEY *aik_ec;
	struct credential rsa;       /* RSA-2048, RS256 */
	struct credential ec;        /* P-256, ES256 */
	struct credential p384;      /* P-384, ES384 */
	EVP_PKEY *other_rsa;
	uint8_t cdh[32];
	EVP_PKEY *aik_key;           /* the AIK of the running case */
	const struct credential *cred; /* the credential of the running case */
};

/* The AAGUID of Windows Hello's TPM authenticator. */
static const uint8_t aaguid[16] = {
	0x08, 0x98, 0x70, 0x58, 0xca, 0xdc, 0x4b, 0x81, 0xb6, 0xe1, 0x30, 0xde, 0x50, 0xdc, 0xbe, 0x96,
};

static const char *
md_of(uint16_t alg)
{
	switch (alg) {
	case TPM_ALG_SHA1:
		return "SHA1";
	case TPM_ALG_SHA384:
		return "SHA384";
	default:
		return "SHA256";
	}
}

static void
aik_default(struct aik_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->version = X509_VERSION_3;
	o->san = true;
	o->manufacturer = "id:FFFFF1D0";
	o->model = "FIDO Alliance";
	o->tpm_version = "id:F1D00002";
	o->eku = "2.23.133.8.3";
	o->basic_constraints = "critical,CA:FALSE";
	o->aaguid = aaguid;
	o->aaguid_len = sizeof(aaguid);
}

static X509 *
aik_new(struct fixture *f, const struct aik_opts *o)
{
	X509 *cert = certgen_new(f->aik_key, o->version, o->cn);
	uint8_t ext[2 + 64];

	if (o->san)
		certgen_add_tpm_san(cert, o->manufacturer, o->model, o->tpm_version);
	if (o->eku != NULL)
		certgen_add_ext_conf(cert, f->ca, NID_ext_key_usage, o->eku);
	if (o->basic_constraints != NULL)
		certgen_add_ext_conf(cert, f->ca, NID_basic_constraints, o->basic_constraints);
	if (o->aaguid != NULL) {
		/* OCTET STRING { aaguid } */
		ext[0] = 0x04;
		ext[1] = (uint8_t)o->aaguid_len;
		memcpy(ext + 2, o->aaguid, o->aaguid_len);
		certgen_add_ext_der(cert, OID_FIDO_AAGUID, o->aaguid_critical, ext, 2 + o->aaguid_len);
	}

	certgen_sign(cert, f->ca, f->ca_key);
	return cert;
}

/* Fill a valid statement for cred, signed by aik with alg. */
static void
tpm_default(struct fixture *f, struct tpm_parts *p, const struct credential *cred, EVP_PKEY *aik,
    int64_t alg)
{
	memset(p, 0, sizeof(*p));
	f->cred = cred;
	f->aik_key = aik;
	p->ver = "2.0";
	p->alg_present = true;
	p->alg = alg;
	p->x5c = true;
	p->name_alg = TPM_ALG_SHA256;
	certgen_tpm_pub_area(&p->pub_area, cred->pkey, TPM_ALG_SHA256, 0);
	p->magic = TPM_GENERATED_VALUE;
	p->type = TPM_ST_ATTEST_CERTIFY;
	p->extra_data_md = alg == MFA_COSE_ES384 ? "SHA384" : "SHA256";
	p->signer = aik;
	aik_default(&p->aik);
}

/* Build certInfo (TPMS_ATTEST with TPMS_CERTIFY_INFO) from the parts. */
static void
cert_info(struct fixture *f, const struct tpm_parts *p, const uint8_t *auth_data,
    size_t auth_data_len, struct certgen_buf *out)
{
	uint8_t digest[EVP_MAX_MD_SIZE], cdh[32];
	size_t len;

	memcpy(cdh, f->cdh, sizeof(cdh));
	if (p->extra_data_other_cdh)
		cdh[0] ^= 0x01;
	len = certgen_digest(p->extra_data_md, auth_data, auth_data_len, cdh, sizeof(cdh), digest);
	certgen_tpm_cert_info(out, digest, len, p->name_alg, md_of(p->name_alg), p->pub_area.buf,
	    p->pub_area.len);

	/* magic at offset 0, type at offset 4 */
	out->buf[0] = (uint8_t)(p->magic >> 24);
	out->buf[1] = (uint8_t)(p->magic >> 16);
	out->buf[2] = (uint8_t)(p->magic >> 8);
	out->buf[3] = (uint8_t)p->magic;
	out->buf[4] = (uint8_t)(p->type >> 8);
	out->buf[5] = (uint8_t)p->type;

	certgen_buf_put(out, p->cert_info_tail.buf, p->cert_info_tail.len);
	assert_true(p->cert_info_cut <= out->len);
	out->len -= p->cert_info_cut;
	if (p->cert_info_flip > 0) {
		assert_true(p->cert_info_flip <= out->len);
		out->buf[p->cert_info_flip - 1] ^= 0xff;
	}
}

/* Encode the statement of the parts. */
static cbor_item_t *
tpm_stmt(struct fixture *f, const struct tpm_parts *p, const uint8_t *auth_data,
    size_t auth_data_len)
{
	cbor_item_t *stmt = certgen_map_new(7);
	struct certgen_buf info = { .len = 0 };
	uint8_t *sig;
	size_t sig_len = 0;
	X509 *chain[2];

	cert_info(f, p, auth_data, auth_data_len, &info);
	sig = certgen_sign_data(p->signer, p->alg == MFA_COSE_ES384 ? "SHA384" : "SHA256", info.buf,
	    info.len, &sig_len);

	if (p->ver != NULL)
		certgen_map_text(stmt, "ver", p->ver);
	if (p->alg_present)
		certgen_map_int(stmt, "alg", p->alg);
	if (p->x5c) {
		chain[0] = aik_new(f, &p->aik);
		chain[1] = f->ca;
		certgen_map_x5c(stmt, chain, 2);
		X509_free(chain[0]);
	}
	if (p->ecdaa_key_id)
		certgen_map_bytes(stmt, "ecdaaKeyId", aaguid, sizeof(aaguid));
	certgen_map_bytes(stmt, "sig", sig, sig_len);
	certgen_map_bytes(stmt, "certInfo", info.buf, info.len);
	certgen_map_bytes(stmt, "pubArea", p->pub_area.buf, p->pub_area.len);
	free(sig);
	return stmt;
}

/* Verify the statement of the parts for the running credential. */
static int
tpm_verify(struct fixture *f, const struct tpm_parts *p)
{
	const uint8_t *auth_data = f->cred->auth_data;
	size_t auth_data_len = f->cred->auth_data_len;
	mfa_webauthn_auth_data_t ad = { .aaguid = auth_data + 37 };
	struct webauthn_attest_result res = { .x5c = NULL };
	struct webauthn_attest_input in = {
		.auth_data = auth_data,
		.auth_data_len = auth_data_len,
		.ad = &ad,
		.cred_key = f->cred->key,
	};
	cbor_item_t *stmt = tpm_stmt(f, p, auth_data, auth_data_len);
	int r;

	in.att_stmt = stmt;
	memcpy(in.client_data_hash, f->cdh, sizeof(f->cdh));
	r = webauthn_attest_tpm(&in, &res);
	if (r == MFA_OK) {
		assert_int_equal(res.type, MFA_WEBAUTHN_ATTESTATION_TYPE_ATTCA);
		assert_int_equal(sk_X509_num(res.x5c), 2);
		assert_int_equal(X509_NAME_entry_count(X509_get_subject_name(sk_X509_value(res.x5c, 0))),
		    0);
		assert_int_equal(X509_cmp(sk_X509_value(res.x5c, 1), f->ca), 0);
		sk_X509_pop_free(res.x5c, X509_free);
	} else {
		assert_null(res.x5c);
	}

	cbor_decref(&stmt);
	return r;
}

static void
credential_new(struct credential *c, EVP_PKEY *pkey, int alg)
{
	uint8_t *cose;
	size_t cose_len = 0;

	c->pkey = pkey;
	cose = certgen_cose_key(pkey, alg, &cose_len);
	assert_int_equal(mfa_cose_key_parse(cose, cose_len, &c->key), MFA_OK);
	c->auth_data = certgen_auth_data(aaguid, cose, cose_len, &c->auth_data_len);
	free(cose);
}

static void
credential_free(struct credential *c)
{
	mfa_cose_key_free(&c->key);
	free(c->auth_data);
	EVP_PKEY_free(c->pkey);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ca_key = certgen_key_ec("P-256");
	f->ca = certgen_ca(f->ca_key, "Test TPM Attestation CA");
	f->aik_rsa = certgen_key_rsa(2048);
	f->aik_ec = certgen_key_ec("P-256");
	credential_new(&f->rsa, certgen_key_rsa(2048), MFA_COSE_RS256);
	credential_new(&f->ec, certgen_key_ec("P-256"), MFA_COSE_ES256);
	credential_new(&f->p384, certgen_key_ec("P-384"), MFA_COSE_ES384);
	f->other_rsa = certgen_key_rsa(2048);
	memset(f->cdh, 0x7e, sizeof(f->cdh));

	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	credential_free(&f->rsa);
	credential_free(&f->ec);
	credential_free(&f->p384);
	X509_free(f->ca);
	EVP_PKEY_free(f->ca_key);
	EVP_PKEY_free(f->aik_rsa);
	EVP_PKEY_free(f->aik_ec);
	EVP_PKEY_free(f->other_rsa);
	free(f);
	return 0;
}

/* A valid statement for the RSA credential, signed RS256 by the RSA AIK. */
static void
rsa_default(void **state, struct tpm_parts *p)
{
	struct fixture *f = *state;

	tpm_default(f, p, &f->rsa, f->aik_rsa, MFA_COSE_RS256);
}

static void
tpm_valid_rsa(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	assert_int_equal(tpm_verify(*state, &p), MFA_OK);
}

static void
tpm_valid_ecc(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;

	tpm_default(f, &p, &f->ec, f->aik_rsa, MFA_COSE_RS256);
	assert_int_equal(tpm_verify(f, &p), MFA_OK);
}

static void
tpm_valid_ecdsa_aik(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;

	tpm_default(f, &p, &f->ec, f->aik_ec, MFA_COSE_ES256);
	assert_int_equal(tpm_verify(f, &p), MFA_OK);
}

static void
tpm_valid_ecc_p384(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;

	tpm_default(f, &p, &f->p384, f->aik_rsa, MFA_COSE_RS256);
	assert_int_equal(tpm_verify(f, &p), MFA_OK);
}

static void
tpm_valid_rsa_explicit_exponent(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;

	rsa_default(state, &p);
	certgen_tpm_pub_area(&p.pub_area, f->rsa.pkey, TPM_ALG_SHA256, 65537);
	assert_int_equal(tpm_verify(f, &p), MFA_OK);
}

static void
tpm_valid_sha384_name(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;

	rsa_default(state, &p);
	certgen_tpm_pub_area(&p.pub_area, f->rsa.pkey, TPM_ALG_SHA384, 0);
	p.name_alg = TPM_ALG_SHA384;
	assert_int_equal(tpm_verify(f, &p), MFA_OK);
}

static void
tpm_valid_without_aaguid_extension(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.aik.aaguid = NULL;
	assert_int_equal(tpm_verify(*state, &p), MFA_OK);
}

static void
tpm_ver_wrong(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.ver = "1.2";
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_ver_missing(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.ver = NULL;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_alg_missing(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.alg_present = false;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_alg_not_fitting_aik(void **state)
{
	struct tpm_parts p;

	/* ES256 names an EC key, but the AIK is RSA. extraData still uses SHA-256. */
	rsa_default(state, &p);
	p.alg = MFA_COSE_ES256;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_ecdaa_rejected(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.ecdaa_key_id = true;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_x5c_missing(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.x5c = false;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_pub_area_other_key(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;

	rsa_default(state, &p);
	certgen_tpm_pub_area(&p.pub_area, f->other_rsa, TPM_ALG_SHA256, 0);
	assert_int_equal(tpm_verify(f, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_pub_area_other_type(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;

	/* The ECC pubArea of the EC key, for the RSA credential. */
	rsa_default(state, &p);
	certgen_tpm_pub_area(&p.pub_area, f->ec.pkey, TPM_ALG_SHA256, 0);
	assert_int_equal(tpm_verify(f, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_pub_area_rsa_exponent(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;

	rsa_default(state, &p);
	certgen_tpm_pub_area(&p.pub_area, f->rsa.pkey, TPM_ALG_SHA256, 3);
	assert_int_equal(tpm_verify(f, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_pub_area_ecc_curve(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;

	/* Claim P-384 for the P-256 point: offset 16 is curveID, after the ECDSA scheme and its hash. */
	tpm_default(f, &p, &f->ec, f->aik_rsa, MFA_COSE_RS256);
	assert_int_equal(p.pub_area.buf[16] << 8 | p.pub_area.buf[17], TPM_ECC_NIST_P256);
	p.pub_area.buf[17] = TPM_ECC_NIST_P384;
	assert_int_equal(tpm_verify(f, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_pub_area_ecc_coordinate(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;

	tpm_default(f, &p, &f->ec, f->aik_rsa, MFA_COSE_RS256);
	p.pub_area.buf[p.pub_area.len - 1] ^= 0x01;
	assert_int_equal(tpm_verify(f, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_pub_area_symmetric(void **state)
{
	struct tpm_parts p;

	/* Offset 10 is symmetric, after type, nameAlg, objectAttributes and an empty authPolicy. */
	rsa_default(state, &p);
	assert_int_equal(p.pub_area.buf[10] << 8 | p.pub_area.buf[11], TPM_ALG_NULL);
	p.pub_area.buf[11] = TPM_ALG_AES;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_pub_area_keyedhash(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.pub_area.buf[1] = TPM_ALG_KEYEDHASH;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_pub_area_trailing_byte(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	certgen_buf_put(&p.pub_area, (const uint8_t *)"", 1);
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_pub_area_truncated(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;

	/* Every shorter pubArea, with certInfo naming exactly that prefix. */
	tpm_default(f, &p, &f->ec, f->aik_rsa, MFA_COSE_RS256);
	for (size_t len = p.pub_area.len - 1; len > 0; len--) {
		p.pub_area.len = len;
		assert_int_equal(tpm_verify(f, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	}
}

static void
tpm_cert_info_magic(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.magic = TPM_GENERATED_VALUE ^ 1;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_cert_info_type(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.type = TPM_ST_ATTEST_QUOTE;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_cert_info_extra_data_hash(void **state)
{
	struct tpm_parts p;

	/* extraData with SHA-384 where alg RS256 calls for SHA-256. */
	rsa_default(state, &p);
	p.extra_data_md = "SHA384";
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_cert_info_extra_data_other(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.extra_data_other_cdh = true;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_cert_info_name_alg(void **state)
{
	struct tpm_parts p;

	/* The Name hashed with SHA-384 while pubArea's nameAlg is SHA-256. */
	rsa_default(state, &p);
	p.name_alg = TPM_ALG_SHA384;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_cert_info_name_sha1(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;

	rsa_default(state, &p);
	certgen_tpm_pub_area(&p.pub_area, f->rsa.pkey, TPM_ALG_SHA1, 0);
	p.name_alg = TPM_ALG_SHA1;
	assert_int_equal(tpm_verify(f, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_cert_info_trailing_byte(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	certgen_buf_put(&p.cert_info_tail, (const uint8_t *)"", 1);
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_cert_info_truncated(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;
	struct certgen_buf full = { .len = 0 };

	rsa_default(state, &p);
	cert_info(f, &p, f->rsa.auth_data, f->rsa.auth_data_len, &full);
	for (p.cert_info_cut = 1; p.cert_info_cut < full.len; p.cert_info_cut++)
		assert_int_equal(tpm_verify(f, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_sig_other_key(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;

	rsa_default(state, &p);
	p.signer = f->other_rsa;
	assert_int_equal(tpm_verify(f, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_aik_version_1(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.aik.version = X509_VERSION_1;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_aik_subject_not_empty(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.aik.cn = "TPM AIK";
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_aik_san_missing(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.aik.san = false;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_aik_san_without_model(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.aik.model = NULL;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_aik_san_without_version(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.aik.tpm_version = NULL;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_aik_san_manufacturer_format(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.aik.manufacturer = "id:FFFFF1DZ";
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	p.aik.manufacturer = "Infineon";
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_aik_eku_missing(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.aik.eku = NULL;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_aik_eku_other(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.aik.eku = "serverAuth,clientAuth";
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_aik_ca_true(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.aik.basic_constraints = "critical,CA:TRUE";
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_aik_aaguid_mismatch(void **state)
{
	struct tpm_parts p;
	uint8_t other[16];

	memcpy(other, aaguid, sizeof(other));
	other[15] ^= 0x01;
	rsa_default(state, &p);
	p.aik.aaguid = other;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_aik_aaguid_critical(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.aik.aaguid_critical = true;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

static void
tpm_aik_aaguid_length(void **state)
{
	struct tpm_parts p;

	rsa_default(state, &p);
	p.aik.aaguid_len = 15;
	assert_int_equal(tpm_verify(*state, &p), MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
}

/* Flip each byte of pubArea and of certInfo in turn: a clean accept or reject, never a crash. */
static void
tpm_bit_flips(void **state)
{
	struct fixture *f = *state;
	struct tpm_parts p;
	struct certgen_buf info;
	int r;

	tpm_default(f, &p, &f->ec, f->aik_rsa, MFA_COSE_RS256);
	for (size_t i = 0; i < p.pub_area.len; i++) {
		p.pub_area.buf[i] ^= 0xff;
		r = tpm_verify(f, &p);
		assert_true(r == MFA_OK || r == MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
		p.pub_area.buf[i] ^= 0xff;
	}

	info.len = 0;
	cert_info(f, &p, f->ec.auth_data, f->ec.auth_data_len, &info);
	for (p.cert_info_flip = 1; p.cert_info_flip <= info.len; p.cert_info_flip++) {
		r = tpm_verify(f, &p);
		assert_true(r == MFA_OK || r == MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tpm_valid_rsa),
		cmocka_unit_test(tpm_valid_ecc),
		cmocka_unit_test(tpm_valid_ecdsa_aik),
		cmocka_unit_test(tpm_valid_ecc_p384),
		cmocka_unit_test(tpm_valid_rsa_explicit_exponent),
		cmocka_unit_test(tpm_valid_sha384_name),
		cmocka_unit_test(tpm_valid_without_aaguid_extension),
		cmocka_unit_test(tpm_ver_wrong),
		cmocka_unit_test(tpm_ver_missing),
		cmocka_unit_test(tpm_alg_missing),
		cmocka_unit_test(tpm_alg_not_fitting_aik),
		cmocka_unit_test(tpm_ecdaa_rejected),
		cmocka_unit_test(tpm_x5c_missing),
		cmocka_unit_test(tpm_pub_area_other_key),
		cmocka_unit_test(tpm_pub_area_other_type),
		cmocka_unit_test(tpm_pub_area_rsa_exponent),
		cmocka_unit_test(tpm_pub_area_ecc_curve),
		cmocka_unit_test(tpm_pub_area_ecc_coordinate),
		cmocka_unit_test(tpm_pub_area_symmetric),
		cmocka_unit_test(tpm_pub_area_keyedhash),
		cmocka_unit_test(tpm_pub_area_trailing_byte),
		cmocka_unit_test(tpm_pub_area_truncated),
		cmocka_unit_test(tpm_cert_info_magic),
		cmocka_unit_test(tpm_cert_info_type),
		cmocka_unit_test(tpm_cert_info_extra_data_hash),
		cmocka_unit_test(tpm_cert_info_extra_data_other),
		cmocka_unit_test(tpm_cert_info_name_alg),
		cmocka_unit_test(tpm_cert_info_name_sha1),
		cmocka_unit_test(tpm_cert_info_trailing_byte),
		cmocka_unit_test(tpm_cert_info_truncated),
		cmocka_unit_test(tpm_sig_other_key),
		cmocka_unit_test(tpm_aik_version_1),
		cmocka_unit_test(tpm_aik_subject_not_empty),
		cmocka_unit_test(tpm_aik_san_missing),
		cmocka_unit_test(tpm_aik_san_without_model),
		cmocka_unit_test(tpm_aik_san_without_version),
		cmocka_unit_test(tpm_aik_san_manufacturer_format),
		cmocka_unit_test(tpm_aik_eku_missing),
		cmocka_unit_test(tpm_aik_eku_other),
		cmocka_unit_test(tpm_aik_ca_true),
		cmocka_unit_test(tpm_aik_aaguid_mismatch),
		cmocka_unit_test(tpm_aik_aaguid_critical),
		cmocka_unit_test(tpm_aik_aaguid_length),
		cmocka_unit_test(tpm_bit_flips),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
