/* SPDX-License-Identifier: MIT */
/* clientDataJSON (WebAuthn L3 5.8.1) parsed with jansson: strict UTF-8, no duplicate members. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "webauthn_internal.h"

struct mfa_webauthn_client_data {
	json_t *root;            /* owns the strings below */
	const char *type;
	const char *origin;
	const char *top_origin;  /* NULL when absent */
	bool cross_origin;
	bool token_binding_present;
	uint8_t challenge[MFA_WEBAUTHN_CHALLENGE_MAX];
	size_t challenge_len;
};

/* Return the string member name, or NULL when it is missing or not a string. */
static const char *
client_data_string(json_t *root, const char *name)
{
	json_t *v = json_object_get(root, name);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Read the optional members crossOrigin, topOrigin and tokenBinding. */
static int
client_data_optional(mfa_webauthn_client_data_t *cd)
{
	json_t *cross = json_object_get(cd->root, "crossOrigin");
	json_t *top = json_object_get(cd->root, "topOrigin");
	json_t *tb = json_object_get(cd->root, "tokenBinding");
	const char *status;

	if (cross != NULL && !json_is_boolean(cross))
		return MFA_ERR_MALFORMED_JSON;
	cd->cross_origin = json_is_true(cross);

	if (top != NULL && !json_is_string(top))
		return MFA_ERR_MALFORMED_JSON;
	cd->top_origin = top != NULL ? json_string_value(top) : NULL;

	/* tokenBinding is {"status": "present" | "supported", "id": ...} (WebAuthn L2 5.8.1). */
	if (tb != NULL) {
		if (!json_is_object(tb))
			return MFA_ERR_MALFORMED_JSON;
		status = client_data_string(tb, "status");
		if (status == NULL)
			return MFA_ERR_MALFORMED_JSON;
		cd->token_binding_present = strcmp(status, "present") == 0;
	}

	return MFA_OK;
}

static int
client_data_challenge(mfa_webauthn_client_data_t *cd)
{
	const char *text = client_data_string(cd->root, "challenge");

	if (text == NULL)
		return MFA_ERR_MALFORMED_JSON;
	if (mfa_base64url_decode(text, strlen(text), cd->challenge, sizeof(cd->challenge),
	    &cd->challenge_len) != MFA_OK)
		return MFA_ERR_MALFORMED_JSON;

	return MFA_OK;
}

MFA_API int
mfa_webauthn_client_data_parse(const uint8_t *json, size_t len,
    mfa_webauthn_client_data_t **ret_cd)
{
	mfa_webauthn_client_data_t *cd = NULL;
	json_error_t error;
	int r;

	if (json == NULL || ret_cd == NULL) {
		r = MFA_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if (len > MFA_WEBAUTHN_CLIENT_DATA_MAX) {
		r = MFA_ERR_TOO_LARGE;
		goto out;
	}

	cd = calloc(1, sizeof(*cd));
	if (cd == NULL) {
		r = MFA_ERR_NOMEM;
		goto out;
	}

	/* Without JSON_ALLOW_NUL, jansson rejects \u0000 in strings, and it always rejects invalid UTF-8. */
	r = MFA_ERR_MALFORMED_JSON;
	cd->root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &error);
	if (cd->root == NULL || !json_is_object(cd->root))
		goto out;

	cd->type = client_data_string(cd->root, "type");
	cd->origin = client_data_string(cd->root, "origin");
	if (cd->type == NULL || cd->origin == NULL)
		goto out;
	r = client_data_challenge(cd);
	if (r != MFA_OK)
		goto out;
	r = client_data_optional(cd);
	if (r != MFA_OK)
		goto out;

	*ret_cd = cd;
	cd = NULL;
	r = MFA_OK;
out:
	mfa_webauthn_client_data_free(&cd);
	return r;
}

MFA_API void
mfa_webauthn_client_data_free(mfa_webauthn_client_data_t **cd)
{
	if (cd == NULL || *cd == NULL)
		return;

	json_decref((*cd)->root);
	free(*cd);
	*cd = NULL;
}

MFA_API const char *
mfa_webauthn_client_data_type(const mfa_webauthn_client_data_t *cd)
{
	return cd != NULL ? cd->type : NULL;
}

MFA_API const char *
mfa_webauthn_client_data_origin(const mfa_webauthn_client_data_t *cd)
{
	return cd != NULL ? cd->origin : NULL;
}

MFA_API const char *
mfa_webauthn_client_data_top_origin(const mfa_webauthn_client_data_t *cd)
{
	return cd != NULL ? cd->top_origin : NULL;
}

MFA_API bool
mfa_webauthn_client_data_cross_origin(const mfa_webauthn_client_data_t *cd)
{
	return cd != NULL && cd->cross_origin;
}

MFA_API const uint8_t *
mfa_webauthn_client_data_challenge(const mfa_webauthn_client_data_t *cd, size_t *ret_len)
{
	if (cd == NULL || ret_len == NULL)
		return NULL;

	*ret_len = cd->challenge_len;
	return cd->challenge;
}

MFA_API bool
mfa_webauthn_client_data_token_binding_present(const mfa_webauthn_client_data_t *cd)
{
	return cd != NULL && cd->token_binding_present;
}
