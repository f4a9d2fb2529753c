/* SPDX-License-Identifier: MIT */
/* Registration verification (WebAuthn L3 7.1, "Registering a New Credential"). */
#include <string.h>

#include "webauthn_internal.h"

#define ATT_OBJ_MEMBERS 3 /* fmt, attStmt, authData (WebAuthn L3 6.5.4) */

/* The three members of an attestationObject, borrowed from its CBOR map. */
struct att_obj {
	cbor_item_t *root;
	char fmt[MFA_WEBAUTHN_FMT_MAX + 1];
	const cbor_item_t *att_stmt;
	const uint8_t *auth_data;
	size_t auth_data_len;
};

static int
register_check_args(const mfa_webauthn_registration_options_t *opts,
    const uint8_t *client_data_json, const uint8_t *attestation_object,
    const mfa_webauthn_credential_t *ret)
{
	if (opts == NULL || client_data_json == NULL || attestation_object == NULL || ret == NULL)
		return MFA_ERR_INVALID_ARGUMENT;
	if (opts->algs == NULL || opts->algs_count == 0)
		return MFA_ERR_INVALID_ARGUMENT;
	if (opts->attestation != MFA_WEBAUTHN_ATTESTATION_NONE &&
	    opts->attestation != MFA_WEBAUTHN_ATTESTATION_OPTIONAL &&
	    opts->attestation != MFA_WEBAUTHN_ATTESTATION_REQUIRED)
		return MFA_ERR_INVALID_ARGUMENT;
	if (opts->attestation == MFA_WEBAUTHN_ATTESTATION_REQUIRED && opts->trust == NULL)
		return MFA_ERR_INVALID_ARGUMENT;
	if ((opts->raw_id == NULL && opts->raw_id_len > 0) || opts->time < 0)
		return MFA_ERR_INVALID_ARGUMENT;

	return webauthn_check_ceremony(&opts->ceremony);
}

/* Take fmt: a text string of 1 to MFA_WEBAUTHN_FMT_MAX characters. */
static bool
att_obj_take_fmt(struct att_obj *obj, const cbor_item_t *v)
{
	size_t len;

	if (!cbor_isa_string(v) || !cbor_string_is_definite(v))
		return false;
	len = cbor_string_length(v);
	if (len == 0 || len > MFA_WEBAUTHN_FMT_MAX || memchr(cbor_string_handle(v), 0, len) != NULL)
		return false;

	memcpy(obj->fmt, cbor_string_handle(v), len);
	obj->fmt[len] = '\0';
	return true;
}

/* Decode the attestationObject, which has exactly fmt, attStmt and authData. */
static int
att_obj_parse(const uint8_t *data, size_t len, struct att_obj *obj)
{
	const cbor_item_t *fmt, *auth_data;
	int r;

	if (len > MFA_WEBAUTHN_ATTESTATION_MAX)
		return MFA_ERR_TOO_LARGE;
	r = cborutil_load(data, len, &obj->root);
	if (r != MFA_OK)
		return r;
	if (!cbor_isa_map(obj->root))
		return MFA_ERR_MALFORMED_ATTESTATION;
	r = cborutil_map_check_keys(obj->root);
	if (r != MFA_OK)
		return r;

	fmt = cborutil_map_text(obj->root, "fmt");
	obj->att_stmt = cborutil_map_text(obj->root, "attStmt");
	auth_data = cborutil_map_text(obj->root, "authData");
	if (cbor_map_size(obj->root) != ATT_OBJ_MEMBERS || fmt == NULL || obj->att_stmt == NULL ||
	    auth_data == NULL)
		return MFA_ERR_MALFORMED_ATTESTATION;
	if (!att_obj_take_fmt(obj, fmt) || !cbor_isa_map(obj->att_stmt) ||
	    !cborutil_is_bytes(auth_data))
		return MFA_ERR_MALFORMED_ATTESTATION;

	/* libcbor has no buffer for an empty byte string. */
	obj->auth_data = cbor_bytestring_handle(auth_data);
	obj->auth_data_len = cbor_bytestring_length(auth_data);
	if (obj->auth_data == NULL || obj->auth_data_len == 0)
		return MFA_ERR_MALFORMED_AUTH_DATA;
	return MFA_OK;
}

/*
 * Check the new credential: attested data present, credential ID equal to
 * rawId (the parse already limited it to 1023 bytes), and a valid key of an
 * algorithm offered in pubKeyCredParams.
 */
static int
register_check_credential(const mfa_webauthn_registration_options_t *opts,
    const mfa_webauthn_auth_data_t *ad, mfa_cose_key_t **ret_key)
{
	mfa_cose_key_t *key = NULL;
	bool offered = false;
	int r;

	if (!(ad->flags & MFA_WEBAUTHN_FLAG_AT))
		return MFA_ERR_WEBAUTHN_ATTESTED_DATA;
	/* WebAuthn sets no minimum, but an empty ID could never be looked up or stored. */
	if (ad->cred_id_len == 0)
		return MFA_ERR_WEBAUTHN_CREDENTIAL_ID;
	if (opts->raw_id != NULL && (opts->raw_id_len != ad->cred_id_len ||
	    memcmp(opts->raw_id, ad->cred_id, ad->cred_id_len) != 0))
		return MFA_ERR_WEBAUTHN_CREDENTIAL_ID;

	r = mfa_cose_key_parse(ad->cose_key, ad->cose_key_len, &key);
	if (r == MFA_OK)
		r = cose_key_check_public(key);
	if (r != MFA_OK)
		goto out;
	for (size_t i = 0; i < opts->algs_count && !offered; i++)
		offered = opts->algs[i] == mfa_cose_key_alg(key);
	if (!offered) {
		r = MFA_ERR_WEBAUTHN_ALGORITHM;
		goto out;
	}

	*ret_key = key;
	key = NULL;
	r = MFA_OK;
out:
	mfa_cose_key_free(&key);
	return r;
}

/* Copy what the caller stores for the credential. */
static void
register_fill(mfa_webauthn_credential_t *cred, const struct att_obj *obj,
    const mfa_webauthn_auth_data_t *ad, int alg)
{
	memset(cred, 0, sizeof(*cred));
	memcpy(cred->cred_id, ad->cred_id, ad->cred_id_len);
	cred->cred_id_len = ad->cred_id_len;
	memcpy(cred->cose_key, ad->cose_key, ad->cose_key_len);
	cred->cose_key_len = ad->cose_key_len;
	cred->alg = alg;
	cred->sign_count = ad->sign_count;
	memcpy(cred->aaguid, ad->aaguid, MFA_WEBAUTHN_AAGUID_LEN);
	cred->flags = ad->flags;
	memcpy(cred->fmt, obj->fmt, sizeof(cred->fmt));
}

MFA_API int
mfa_webauthn_registration_verify(const mfa_webauthn_registration_options_t *opts,
    const uint8_t *client_data_json, size_t client_data_len, const uint8_t *attestation_object,
    size_t attestation_len, mfa_webauthn_credential_t *ret)
{
	struct att_obj obj = { NULL, { 0 }, NULL, NULL, 0 };
	struct webauthn_attest_input in;
	mfa_webauthn_auth_data_t ad;
	mfa_webauthn_attestation_type_t type = MFA_WEBAUTHN_ATTESTATION_TYPE_NONE;
	mfa_cose_key_t *key = NULL;
	bool trusted = false;
	int r;

	r = register_check_args(opts, client_data_json, attestation_object, ret);
	if (r != MFA_OK)
		goto out;

	/* clientDataJSON members, then its hash. */
	memset(&in, 0, sizeof(in));
	r = webauthn_check_client_data(&opts->ceremony, "webauthn.create", NULL, client_data_json,
	    client_data_len, in.client_data_hash);
	if (r != MFA_OK)
		goto out;

	/* attestationObject, then rpIdHash, UP, UV, BS without BE and extension outputs. */
	r = att_obj_parse(attestation_object, attestation_len, &obj);
	if (r != MFA_OK)
		goto out;
	r = mfa_webauthn_auth_data_parse(obj.auth_data, obj.auth_data_len, &ad);
	if (r != MFA_OK)
		goto out;
	r = webauthn_check_auth_data(&opts->ceremony, NULL, &ad);
	if (r != MFA_OK)
		goto out;

	r = register_check_credential(opts, &ad, &key);
	if (r != MFA_OK)
		goto out;

	/* The attestation statement, then its trust under the caller's policy. */
	in.att_stmt = obj.att_stmt;
	in.auth_data = obj.auth_data;
	in.auth_data_len = obj.auth_data_len;
	in.ad = &ad;
	in.cred_key = key;
	r = webauthn_attest_verify(obj.fmt, &in, opts, &type, &trusted);
	if (r != MFA_OK)
		goto out;

	register_fill(ret, &obj, &ad, mfa_cose_key_alg(key));
	ret->attestation_type = type;
	ret->attestation_trusted = trusted;
	r = MFA_OK;
out:
	mfa_cose_key_free(&key);
	if (obj.root != NULL)
		cbor_decref(&obj.root);
	return r;
}
