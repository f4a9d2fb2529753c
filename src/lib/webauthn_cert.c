/* SPDX-License-Identifier: MIT */
/* X.509 and DER helpers for attestation statements: x5c decoding, extensions, the x5c signature. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "webauthn_internal.h"

#define DER_TAG_OCTET_STRING 4
#define DER_TAG_LONG_FORM 0x1fu      /* low five identifier bits announcing a multi-byte tag */
#define DER_LENGTH_BYTES_MAX 4       /* long-form length octets; 4 covers any size we accept */
#define DER_TAG_BYTES_MAX 5          /* base-128 tag octets; 5 x 7 bits hold a uint32_t */

/* FIDO's id-fido-gen-ce-aaguid: the AAGUID of an attestation certificate. */
#define OID_FIDO_AAGUID "1.3.6.1.4.1.45724.1.1.4"

/* Read a high-tag-number tag (X.690 8.1.2.4) at in->p, which points after the first octet. */
static bool
der_read_long_tag(struct der *in, uint32_t *ret_tag)
{
	uint32_t tag = 0;

	for (size_t i = 0; i < DER_TAG_BYTES_MAX; i++) {
		if (in->len == 0)
			return false;
		/* A leading 0x80 octet would pad the tag, which DER forbids. */
		if (i == 0 && in->p[0] == 0x80)
			return false;
		if (tag > (UINT32_MAX >> 7))
			return false;
		tag = tag << 7 | (in->p[0] & 0x7fu);
		in->len--;
		if ((*in->p++ & 0x80u) == 0) {
			/* Tags below 31 must use the one-octet form. */
			if (tag < DER_TAG_LONG_FORM)
				return false;
			*ret_tag = tag;
			return true;
		}
	}

	return false;
}

/* Read a definite DER length (X.690 8.1.3 with the minimal-encoding rule of 10.1). */
static bool
der_read_length(struct der *in, size_t *ret_len)
{
	size_t n, len = 0;
	uint8_t first;

	if (in->len == 0)
		return false;
	first = *in->p++;
	in->len--;

	if ((first & 0x80u) == 0) {
		*ret_len = first;
		return true;
	}

	/* 0x80 is the indefinite form, which DER forbids. */
	n = first & 0x7fu;
	if (n == 0 || n > DER_LENGTH_BYTES_MAX || n > in->len)
		return false;
	if (in->p[0] == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		len = len << 8 | in->p[i];
	in->p += n;
	in->len -= n;

	/* The long form is only allowed for lengths that do not fit the short one. */
	if (len < 0x80)
		return false;
	*ret_len = len;
	return true;
}

bool
der_next(struct der *in, unsigned *ret_class, bool *ret_constructed, uint32_t *ret_tag,
    struct der *ret_value)
{
	struct der cur = *in;
	uint8_t first;
	uint32_t tag;
	size_t len;

	if (cur.p == NULL || cur.len == 0)
		return false;
	first = *cur.p++;
	cur.len--;

	tag = first & DER_TAG_LONG_FORM;
	if (tag == DER_TAG_LONG_FORM && !der_read_long_tag(&cur, &tag))
		return false;
	if (!der_read_length(&cur, &len) || len > cur.len)
		return false;

	*ret_class = first >> 6;
	*ret_constructed = (first & 0x20u) != 0;
	*ret_tag = tag;
	ret_value->p = cur.p;
	ret_value->len = len;
	in->p = cur.p + len;
	in->len = cur.len - len;
	return true;
}

/* Decode one DER certificate, rejecting trailing bytes. */
static X509 *
x5c_decode_one(const cbor_item_t *item)
{
	const unsigned char *p;
	size_t len;
	X509 *cert;

	if (!cborutil_is_bytes(item))
		return NULL;
	p = cbor_bytestring_handle(item);
	len = cbor_bytestring_length(item);
	if (p == NULL || len == 0 || len > MFA_WEBAUTHN_ATTESTATION_MAX)
		return NULL;

	cert = d2i_X509(NULL, &p, (long)len);
	if (cert == NULL)
		return NULL;
	if (p != cbor_bytestring_handle(item) + len) {
		X509_free(cert);
		return NULL;
	}

	return cert;
}

int
webauthn_x5c_decode(const cbor_item_t *x5c, STACK_OF(X509) **ret)
{
	STACK_OF(X509) *chain = NULL;
	cbor_item_t **items;
	X509 *cert = NULL;
	size_t n;
	int r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	if (x5c == NULL || !cbor_isa_array(x5c) || !cbor_array_is_definite(x5c))
		goto out;
	n = cbor_array_size(x5c);
	if (n == 0 || n > WEBAUTHN_X5C_MAX)
		goto out;

	chain = sk_X509_new_null();
	if (chain == NULL) {
		r = MFA_ERR_NOMEM;
		goto out;
	}

	items = cbor_array_handle(x5c);
	for (size_t i = 0; i < n; i++) {
		/* d2i_X509 also fails on allocation; treat that as a bad statement. */
		cert = x5c_decode_one(items[i]);
		if (cert == NULL)
			goto out;
		if (sk_X509_push(chain, cert) == 0) {
			r = MFA_ERR_NOMEM;
			goto out;
		}
		cert = NULL; /* owned by chain */
	}

	*ret = chain;
	chain = NULL;
	r = MFA_OK;
out:
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	return r;
}

/*
 * Find the extension oid in cert. Returns how many times it occurs and
 * stores the first in *ret_ext, or returns -1 when oid cannot be converted
 * (an allocation failure for the OIDs used here), so callers fail closed.
 */
static int
cert_ext_find(X509 *cert, const char *oid, X509_EXTENSION **ret_ext)
{
	ASN1_OBJECT *obj;
	X509_EXTENSION *ext = NULL;
	int count = 0, pos = -1;

	obj = OBJ_txt2obj(oid, 1);
	if (obj == NULL)
		return -1;

	for (;;) {
		pos = X509_get_ext_by_OBJ(cert, obj, pos);
		if (pos < 0)
			break;
		if (count++ == 0)
			ext = X509_get_ext(cert, pos);
	}
	ASN1_OBJECT_free(obj);

	*ret_ext = ext;
	return count;
}

const uint8_t *
webauthn_cert_ext(X509 *cert, const char *oid, size_t *ret_len, bool *ret_critical)
{
	X509_EXTENSION *ext = NULL;
	ASN1_OCTET_STRING *value;
	int len;

	if (cert_ext_find(cert, oid, &ext) != 1 || ext == NULL)
		return NULL;

	value = X509_EXTENSION_get_data(ext);
	if (value == NULL)
		return NULL;
	len = ASN1_STRING_length(value);
	if (len < 0)
		return NULL;

	*ret_len = (size_t)len;
	*ret_critical = X509_EXTENSION_get_critical(ext) != 0;
	return ASN1_STRING_get0_data(value);
}

int
webauthn_cert_check_aaguid(X509 *cert, const uint8_t *aaguid)
{
	struct der ext, value;
	const uint8_t *p;
	size_t len = 0;
	bool critical = false, constructed;
	unsigned cls;
	uint32_t tag;
	X509_EXTENSION *found = NULL;

	/* Absent is fine, but repeated is not, and webauthn_cert_ext() returns NULL for both. */
	if (cert_ext_find(cert, OID_FIDO_AAGUID, &found) == 0)
		return MFA_OK;
	p = webauthn_cert_ext(cert, OID_FIDO_AAGUID, &len, &critical);
	if (p == NULL || critical || aaguid == NULL)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	/* The value is the DER of an OCTET STRING of 16 bytes, nothing after it. */
	ext.p = p;
	ext.len = len;
	if (!der_next(&ext, &cls, &constructed, &tag, &value) || ext.len != 0)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	if (cls != 0 || constructed || tag != DER_TAG_OCTET_STRING ||
	    value.len != MFA_WEBAUTHN_AAGUID_LEN)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	if (CRYPTO_memcmp(value.p, aaguid, MFA_WEBAUTHN_AAGUID_LEN) != 0)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	return MFA_OK;
}

/*
 * A missing basicConstraints extension counts as CA false, because RFC 5280
 * 4.2.1.9 forbids using such a key to verify certificates. A repeated or
 * undecodable extension fails the check.
 */
bool
webauthn_cert_is_v3_leaf(X509 *cert)
{
	BASIC_CONSTRAINTS *bc;
	int crit = 0;
	bool ca;

	if (X509_get_version(cert) != X509_VERSION_3)
		return false;

	bc = X509_get_ext_d2i(cert, NID_basic_constraints, &crit, NULL);
	if (bc == NULL)
		return crit == -1;
	ca = bc->ca != 0;
	BASIC_CONSTRAINTS_free(bc);

	return !ca;
}

/* Join authData and clientDataHash into one new buffer. */
static uint8_t *
attest_message(const struct webauthn_attest_input *in, size_t *ret_len)
{
	size_t len = in->auth_data_len + sizeof(in->client_data_hash);
	uint8_t *msg;

	msg = malloc(len);
	if (msg == NULL)
		return NULL;
	memcpy(msg, in->auth_data, in->auth_data_len);
	memcpy(msg + in->auth_data_len, in->client_data_hash, sizeof(in->client_data_hash));

	*ret_len = len;
	return msg;
}

int
webauthn_attest_check_sig(const struct webauthn_attest_input *in, EVP_PKEY *pkey, int alg)
{
	const cbor_item_t *sig;
	uint8_t *msg = NULL;
	size_t msg_len = 0;
	int r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	if (!cbor_isa_map(in->att_stmt))
		goto out;
	sig = cborutil_map_text(in->att_stmt, "sig");
	if (sig == NULL || !cborutil_is_bytes(sig) || cbor_bytestring_length(sig) == 0)
		goto out;

	msg = attest_message(in, &msg_len);
	if (msg == NULL) {
		r = MFA_ERR_NOMEM;
		goto out;
	}

	r = cose_verify_pkey(pkey, alg, msg, msg_len, cbor_bytestring_handle(sig),
	    cbor_bytestring_length(sig));
	/* A wrong signature and an alg that does not fit the key both make the statement invalid. */
	if (r == MFA_ERR_VERIFY_FAILED || r == MFA_ERR_UNSUPPORTED)
		r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
out:
	free(msg);
	return r;
}
