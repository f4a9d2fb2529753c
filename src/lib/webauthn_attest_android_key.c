/* SPDX-License-Identifier: MIT */
/* The "android-key" attestation statement format (WebAuthn L3 8.4): Android Keystore key attestation. */
#include <openssl/crypto.h>

#include "webauthn_internal.h"

/* Android's key attestation extension; its value is a DER KeyDescription. */
#define OID_ANDROID_KEY_DESCRIPTION "1.3.6.1.4.1.11129.2.1.17"

/* ASN.1 universal tags and the class numbers der_next() returns. */
#define DER_CLASS_UNIVERSAL 0
#define DER_CLASS_CONTEXT 2
#define DER_TAG_INTEGER 2
#define DER_TAG_OCTET_STRING 4
#define DER_TAG_NULL 5
#define DER_TAG_ENUMERATED 10
#define DER_TAG_SEQUENCE 16
#define DER_TAG_SET 17

/* AuthorizationList fields, as context tags, and Keymaster values. */
#define KM_TAG_PURPOSE 1
#define KM_TAG_ALL_APPLICATIONS 600
#define KM_TAG_ORIGIN 702
#define KM_PURPOSE_SIGN 2
#define KM_ORIGIN_GENERATED 0

/* Fields of one AuthorizationList that WebAuthn checks. */
struct android_auth_list {
	bool all_applications;
	bool has_origin;
	uint32_t origin;
	bool purpose_sign;
};

/* Read the next element of in, which must have class cls, tag and form constructed. */
static bool
der_expect(struct der *in, unsigned cls, bool constructed, uint32_t tag, struct der *ret)
{
	unsigned got_class;
	bool got_constructed;
	uint32_t got_tag;

	if (!der_next(in, &got_class, &got_constructed, &got_tag, ret))
		return false;
	return got_class == cls && got_constructed == constructed && got_tag == tag;
}

/* Decode a DER INTEGER or ENUMERATED content of 0 to UINT32_MAX, minimally encoded. */
static bool
der_uint32(const struct der *value, uint32_t *ret)
{
	uint64_t v = 0;

	/* Minimal encoding: at most one leading zero byte, and only before a high bit. */
	if (value->len == 0 || value->len > 5 || (value->p[0] & 0x80u) != 0)
		return false;
	if (value->len > 1 && value->p[0] == 0 && (value->p[1] & 0x80u) == 0)
		return false;
	for (size_t i = 0; i < value->len; i++)
		v = v << 8 | value->p[i];
	if (v > UINT32_MAX)
		return false;

	*ret = (uint32_t)v;
	return true;
}

/*
 * Read purpose: [1] EXPLICIT SET OF INTEGER. WebAuthn asks for purpose
 * "equal to KM_PURPOSE_SIGN", which for a set is read as containing it.
 */
static bool
android_read_purpose(const struct der *field, struct android_auth_list *list)
{
	struct der in = *field, set, value;
	uint32_t purpose;

	if (!der_expect(&in, DER_CLASS_UNIVERSAL, true, DER_TAG_SET, &set) || in.len != 0)
		return false;
	while (set.len > 0) {
		if (!der_expect(&set, DER_CLASS_UNIVERSAL, false, DER_TAG_INTEGER, &value) ||
		    !der_uint32(&value, &purpose))
			return false;
		if (purpose == KM_PURPOSE_SIGN)
			list->purpose_sign = true;
	}

	return true;
}

/* Read origin: [702] EXPLICIT INTEGER. */
static bool
android_read_origin(const struct der *field, struct android_auth_list *list)
{
	struct der in = *field, value;

	if (!der_expect(&in, DER_CLASS_UNIVERSAL, false, DER_TAG_INTEGER, &value) || in.len != 0)
		return false;
	list->has_origin = true;
	return der_uint32(&value, &list->origin);
}

/*
 * Read the fields of an AuthorizationList that WebAuthn checks and skip the
 * others. Fields may come in any order, as some devices emit them unsorted,
 * but none of the three read here may repeat.
 */
static bool
android_read_auth_list(const struct der *seq, struct android_auth_list *ret)
{
	struct android_auth_list list = { 0 };
	struct der in = *seq, field, value;
	bool seen_purpose = false, constructed;
	unsigned cls;
	uint32_t tag;

	while (in.len > 0) {
		if (!der_next(&in, &cls, &constructed, &tag, &field))
			return false;
		/* Every AuthorizationList field is an EXPLICIT context tag. */
		if (cls != DER_CLASS_CONTEXT || !constructed)
			return false;

		if (tag == KM_TAG_PURPOSE) {
			if (seen_purpose || !android_read_purpose(&field, &list))
				return false;
			seen_purpose = true;
		} else if (tag == KM_TAG_ORIGIN) {
			if (list.has_origin || !android_read_origin(&field, &list))
				return false;
		} else if (tag == KM_TAG_ALL_APPLICATIONS) {
			if (list.all_applications ||
			    !der_expect(&field, DER_CLASS_UNIVERSAL, false, DER_TAG_NULL, &value) ||
			    value.len != 0 || field.len != 0)
				return false;
			list.all_applications = true;
		}
	}

	*ret = list;
	return true;
}

/*
 * Parse a KeyDescription: attestationVersion, attestationSecurityLevel,
 * keymasterVersion, keymasterSecurityLevel, attestationChallenge, uniqueId,
 * softwareEnforced, teeEnforced. Later versions may append fields, which are
 * skipped.
 */
static bool
android_parse_key_description(const uint8_t *data, size_t len, struct der *ret_challenge,
    struct android_auth_list *ret_sw, struct android_auth_list *ret_tee)
{
	struct der in = { data, len }, desc, value, challenge;
	struct der sw, tee;

	if (!der_expect(&in, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &desc) || in.len != 0)
		return false;

	if (!der_expect(&desc, DER_CLASS_UNIVERSAL, false, DER_TAG_INTEGER, &value) ||
	    !der_expect(&desc, DER_CLASS_UNIVERSAL, false, DER_TAG_ENUMERATED, &value) ||
	    !der_expect(&desc, DER_CLASS_UNIVERSAL, false, DER_TAG_INTEGER, &value) ||
	    !der_expect(&desc, DER_CLASS_UNIVERSAL, false, DER_TAG_ENUMERATED, &value))
		return false;
	if (!der_expect(&desc, DER_CLASS_UNIVERSAL, false, DER_TAG_OCTET_STRING, &challenge) ||
	    !der_expect(&desc, DER_CLASS_UNIVERSAL, false, DER_TAG_OCTET_STRING, &value))
		return false;
	if (!der_expect(&desc, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &sw) ||
	    !der_expect(&desc, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &tee))
		return false;

	if (!android_read_auth_list(&sw, ret_sw) || !android_read_auth_list(&tee, ret_tee))
		return false;
	*ret_challenge = challenge;
	return true;
}

/*
 * Check the key description extension of the credential certificate.
 * origin and purpose are taken from the union of softwareEnforced and
 * teeEnforced, which WebAuthn allows for RPs that also accept keys outside a
 * trusted execution environment.
 */
static int
android_check_extension(const struct webauthn_attest_input *in, X509 *cert)
{
	struct android_auth_list sw, tee;
	struct der challenge;
	const uint8_t *ext;
	size_t len = 0;
	bool critical = false;

	ext = webauthn_cert_ext(cert, OID_ANDROID_KEY_DESCRIPTION, &len, &critical);
	if (ext == NULL || !android_parse_key_description(ext, len, &challenge, &sw, &tee))
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	if (challenge.len != sizeof(in->client_data_hash) ||
	    CRYPTO_memcmp(challenge.p, in->client_data_hash, challenge.len) != 0)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	/* allApplications would let every app on the device use the key, not only this RP's. */
	if (sw.all_applications || tee.all_applications)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	/* Every origin present must be KM_ORIGIN_GENERATED, and at least one must be. */
	if (!sw.has_origin && !tee.has_origin)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	if ((sw.has_origin && sw.origin != KM_ORIGIN_GENERATED) ||
	    (tee.has_origin && tee.origin != KM_ORIGIN_GENERATED))
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	if (!sw.purpose_sign && !tee.purpose_sign)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	return MFA_OK;
}

int
webauthn_attest_android_key(const struct webauthn_attest_input *in,
    struct webauthn_attest_result *res)
{
	STACK_OF(X509) *x5c = NULL;
	EVP_PKEY *pkey;
	X509 *cert;
	const cbor_item_t *alg_item;
	int64_t alg;
	int r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	if (cborutil_map_check_keys(in->att_stmt) != MFA_OK)
		goto out;
	alg_item = cborutil_map_text(in->att_stmt, "alg");
	if (alg_item == NULL || !cborutil_get_int(alg_item, &alg) || alg < INT32_MIN || alg > INT32_MAX)
		goto out;

	r = webauthn_x5c_decode(cborutil_map_text(in->att_stmt, "x5c"), &x5c);
	if (r != MFA_OK)
		goto out;
	cert = sk_X509_value(x5c, 0);
	pkey = X509_get0_pubkey(cert);
	r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	if (pkey == NULL)
		goto out;

	r = webauthn_attest_check_sig(in, pkey, (int)alg);
	if (r != MFA_OK)
		goto out;

	r = MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	if (!cose_key_matches_cert(in->cred_key, cert))
		goto out;

	r = android_check_extension(in, cert);
	if (r != MFA_OK)
		goto out;

	res->type = MFA_WEBAUTHN_ATTESTATION_TYPE_BASIC;
	res->x5c = x5c;
	x5c = NULL;
	r = MFA_OK;
out:
	sk_X509_pop_free(x5c, X509_free);
	return r;
}
