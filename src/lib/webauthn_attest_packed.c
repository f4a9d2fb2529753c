/* SPDX-License-Identifier: MIT */
/* Attestation statement format "packed" (WebAuthn L3 8.2): self attestation or an x5c chain. */
#include <string.h>

#include <openssl/objects.h>

#include "webauthn_internal.h"

#define COUNTRY_CODE_LEN 2 /* ISO 3166 alpha-2 */

/* Return the UTF-8 value of the only entry nid in name, or NULL; free with OPENSSL_free(). */
static char *
name_entry_utf8(const X509_NAME *name, int nid)
{
	const X509_NAME_ENTRY *entry;
	unsigned char *utf8 = NULL;
	int idx, len;

	idx = X509_NAME_get_index_by_NID(name, nid, -1);
	if (idx < 0 || X509_NAME_get_index_by_NID(name, nid, idx) >= 0)
		return NULL;
	entry = X509_NAME_get_entry(name, idx);
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
	if (len <= 0 || strlen((char *)utf8) != (size_t)len) {
		OPENSSL_free(utf8);
		return NULL;
	}

	return (char *)utf8;
}

/*
 * Check the subject of a packed attestation certificate (8.2.1): C an ISO
 * 3166 code, O the vendor, OU the literal "Authenticator Attestation" and
 * a CN, each present once.
 */
static bool
packed_subject_ok(X509 *cert)
{
	const X509_NAME *subject = X509_get_subject_name(cert);
	char *c = name_entry_utf8(subject, NID_countryName);
	char *o = name_entry_utf8(subject, NID_organizationName);
	char *ou = name_entry_utf8(subject, NID_organizationalUnitName);
	char *cn = name_entry_utf8(subject, NID_commonName);
	bool ok;

	ok = c != NULL && strlen(c) == COUNTRY_CODE_LEN && o != NULL && o[0] != '\0' &&
	    ou != NULL && strcmp(ou, "Authenticator Attestation") == 0 && cn != NULL &&
	    cn[0] != '\0';

	OPENSSL_free(c);
	OPENSSL_free(o);
	OPENSSL_free(ou);
	OPENSSL_free(cn);
	return ok;
}

/* x5c present: the leaf signs, meets 8.2.1 and names the authenticator's AAGUID if it names one. */
static int
packed_x5c(const struct webauthn_attest_input *in, const cbor_item_t *x5c_item, int alg,
    struct webauthn_attest_result *res)
{
	STACK_OF(X509) *x5c = NULL;
	X509 *leaf;
	int r;

	r = webauthn_x5c_decode(x5c_item, &x5c);
	if (r != MFA_OK)
		goto out;
	leaf = sk_X509_value(x5c, 0);

	r = webauthn_attest_check_sig(in, X509_get0_pubkey(leaf), alg);
	if (r != MFA_OK)
		goto out;

	r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	if (!webauthn_cert_is_v3_leaf(leaf) || !packed_subject_ok(leaf))
		goto out;
	r = webauthn_cert_check_aaguid(leaf, in->ad->aaguid);
	if (r != MFA_OK)
		goto out;

	/* Without metadata, Basic and AttCA attestation look the same. */
	res->type = MFA_WEBAUTHN_ATTESTATION_TYPE_BASIC;
	res->x5c = x5c;
	x5c = NULL;
	r = MFA_OK;
out:
	sk_X509_pop_free(x5c, X509_free);
	return r;
}

int
webauthn_attest_packed(const struct webauthn_attest_input *in, struct webauthn_attest_result *res)
{
	static const char *const keys[] = { "alg", "sig", "x5c" };
	const cbor_item_t *alg_item, *x5c_item;
	int64_t alg;
	int r;

	r = webauthn_att_stmt_check_keys(in->att_stmt, keys, sizeof(keys) / sizeof(keys[0]));
	if (r != MFA_OK)
		return r;
	alg_item = cborutil_map_text(in->att_stmt, "alg");
	if (alg_item == NULL || !cborutil_get_int(alg_item, &alg) || alg < INT32_MIN ||
	    alg > INT32_MAX)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	x5c_item = cborutil_map_text(in->att_stmt, "x5c");
	if (x5c_item != NULL)
		return packed_x5c(in, x5c_item, (int)alg, res);

	/* Self attestation: the credential key signs, with its own algorithm. */
	if (alg != mfa_cose_key_alg(in->cred_key))
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	r = webauthn_attest_check_sig(in, cose_key_pkey(in->cred_key), (int)alg);
	if (r != MFA_OK)
		return r;

	res->type = MFA_WEBAUTHN_ATTESTATION_TYPE_SELF;
	res->x5c = NULL;
	return MFA_OK;
}
