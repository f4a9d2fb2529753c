/* SPDX-License-Identifier: MIT */
/* Decoding of WebAuthn credential responses sent as JSON. */
#include "server/passkey_cred.h"

#include <stdlib.h>
#include <string.h>

#include <mfa/common.h>
#include <mfa/err.h>
#include <mfa/webauthn.h>

/* Transports WebAuthn Level 3 defines; others are dropped, not stored. */
static const char *const passkey_transports[] = { "usb", "nfc", "ble", "smart-card", "hybrid",
	"internal" };

/* Decode base64url field key of obj into a new buffer. */
static int
cred_bytes(json_t *obj, const char *key, const char *what, uint8_t **ret, size_t *ret_len,
    struct srv_status *st)
{
	json_t *v = json_object_get(obj, key);
	const char *text;
	size_t len;
	uint8_t *buf;

	if (v == NULL)
		return srv_fail(st, SRV_ERR_MISSING_PARAMETER, "%s is missing.", what);
	if (!json_is_string(v))
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "%s must be a base64url string.", what);
	text = json_string_value(v);
	len = json_string_length(v);
	buf = malloc(len * 3 / 4 + 3);
	if (buf == NULL)
		return SRV_ERR_INTERNAL;
	if (len == 0 || mfa_base64url_decode(text, len, buf, len * 3 / 4 + 3, ret_len) != MFA_OK) {
		free(buf);
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "%s is not valid base64url.", what);
	}
	*ret = buf;
	return SRV_OK;
}

/* Whether text is base64url of n bytes of data, with or without padding. */
static int
passkey_b64_equal(const char *text, const uint8_t *data, size_t n)
{
	char enc[(STORE_CREDENTIAL_ID_MAX + 2) / 3 * 4 + 1];
	size_t len = strlen(text);

	if (mfa_base64url_encode(data, n, 0, enc, sizeof(enc)) != MFA_OK)
		return 0;
	while (len > 0 && text[len - 1] == '=')
		len--;
	return len == strlen(enc) && memcmp(text, enc, len) == 0; /* not secret */
}

/* Check type and id, and decode rawId; registration picks the error of a too long ID. */
static int
cred_common(json_t *cred, int registration, struct passkey_cred *c, struct srv_status *st)
{
	json_t *type = json_object_get(cred, "type");
	json_t *id = json_object_get(cred, "id");
	uint8_t *raw = NULL;
	size_t len = 0;
	int r;

	if (!json_is_object(cred))
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER, "Credential must be an object.");
	if (!json_is_string(type) || strcmp(json_string_value(type), "public-key") != 0)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "Credential.type must be \"public-key\".");
	r = cred_bytes(cred, "rawId", "Credential.rawId", &raw, &len, st);
	if (r != SRV_OK)
		return r;
	if (len > STORE_CREDENTIAL_ID_MAX) {
		/* Well-formed but over the WebAuthn limit: a failed step, not bad JSON. */
		free(raw);
		return srv_fail(st, registration ? SRV_ERR_PASSKEY_REJECTED :
		    SRV_ERR_PASSKEY_LOGON_FAILED, "The passkey %s failed: %s (%s).",
		    registration ? "registration" : "assertion",
		    mfa_strerror(MFA_ERR_WEBAUTHN_CREDENTIAL_ID),
		    mfa_strerror_name(MFA_ERR_WEBAUTHN_CREDENTIAL_ID));
	}
	memcpy(c->raw_id, raw, len);
	c->raw_id_len = len;
	free(raw);

	/* id is base64url(rawId) as text; padding is not part of the canonical form. */
	if (!json_is_string(id) || !passkey_b64_equal(json_string_value(id), c->raw_id, len))
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "Credential.id does not match Credential.rawId.");
	return SRV_OK;
}

/* Keep the known names of the optional response.transports array. */
static int
cred_transports(json_t *resp, struct passkey_cred *c, struct srv_status *st)
{
	json_t *list = json_object_get(resp, "transports");
	size_t used = 0;
	size_t i;
	json_t *v;

	if (list == NULL)
		return SRV_OK;
	if (!json_is_array(list))
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "Credential.response.transports must be an array.");
	json_array_foreach(list, i, v) {
		const char *name = json_string_value(v);
		size_t n;

		if (name == NULL)
			return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
			    "Credential.response.transports must hold strings.");
		for (size_t k = 0; k < sizeof(passkey_transports) / sizeof(passkey_transports[0]);
		    k++) {
			if (strcmp(name, passkey_transports[k]) != 0 || strstr(c->transports, name))
				continue;
			n = strlen(name);
			if (used + n + 2 > sizeof(c->transports))
				break;
			if (used > 0)
				c->transports[used++] = ',';
			memcpy(c->transports + used, name, n + 1);
			used += n;
		}
	}
	return SRV_OK;
}

static int
cred_response(json_t *cred, json_t **ret, struct srv_status *st)
{
	json_t *resp = json_object_get(cred, "response");

	if (resp == NULL)
		return srv_fail(st, SRV_ERR_MISSING_PARAMETER, "Credential.response is missing.");
	if (!json_is_object(resp))
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "Credential.response must be an object.");
	*ret = resp;
	return SRV_OK;
}

int
passkey_cred_parse_registration(json_t *cred, struct passkey_cred *ret, struct srv_status *st)
{
	json_t *resp = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = cred_common(cred, 1, ret, st);
	if (r != SRV_OK)
		goto out;
	r = cred_response(cred, &resp, st);
	if (r != SRV_OK)
		goto out;
	r = cred_bytes(resp, "clientDataJSON", "Credential.response.clientDataJSON",
	    &ret->client_data, &ret->client_data_len, st);
	if (r == SRV_OK)
		r = cred_bytes(resp, "attestationObject", "Credential.response.attestationObject",
		    &ret->attestation, &ret->attestation_len, st);
	if (r == SRV_OK)
		r = cred_transports(resp, ret, st);
out:
	if (r != SRV_OK)
		passkey_cred_free(ret);
	return r;
}

/* Decode the optional userHandle; null counts as absent, as toJSON() may send it. */
static int
cred_user_handle(json_t *resp, struct passkey_cred *c, struct srv_status *st)
{
	json_t *v = json_object_get(resp, "userHandle");
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (v == NULL || json_is_null(v))
		return SRV_OK;
	r = cred_bytes(resp, "userHandle", "Credential.response.userHandle", &buf, &len, st);
	if (r != SRV_OK)
		return r;
	if (len > PASSKEY_USER_HANDLE_MAX) {
		free(buf);
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "Credential.response.userHandle is longer than %d bytes.",
		    PASSKEY_USER_HANDLE_MAX);
	}
	memcpy(c->user_handle, buf, len);
	c->user_handle_len = len;
	c->has_user_handle = 1;
	free(buf);
	return SRV_OK;
}

int
passkey_cred_parse_assertion(json_t *cred, struct passkey_cred *ret, struct srv_status *st)
{
	json_t *resp = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = cred_common(cred, 0, ret, st);
	if (r != SRV_OK)
		goto out;
	r = cred_response(cred, &resp, st);
	if (r != SRV_OK)
		goto out;
	r = cred_bytes(resp, "clientDataJSON", "Credential.response.clientDataJSON",
	    &ret->client_data, &ret->client_data_len, st);
	if (r == SRV_OK)
		r = cred_bytes(resp, "authenticatorData", "Credential.response.authenticatorData",
		    &ret->auth_data, &ret->auth_data_len, st);
	if (r == SRV_OK)
		r = cred_bytes(resp, "signature", "Credential.response.signature", &ret->signature,
		    &ret->signature_len, st);
	if (r == SRV_OK)
		r = cred_user_handle(resp, ret, st);
out:
	if (r != SRV_OK)
		passkey_cred_free(ret);
	return r;
}

void
passkey_cred_free(struct passkey_cred *c)
{
	free(c->client_data);
	free(c->attestation);
	free(c->auth_data);
	free(c->signature);
	memset(c, 0, sizeof(*c));
}

json_t *
passkey_b64_json(const uint8_t *data, size_t n)
{
	size_t size = mfa_base64url_encoded_len(n, 0) + 1;
	char *text = malloc(size);
	json_t *v = NULL;

	if (text == NULL)
		return NULL;
	if (mfa_base64url_encode(data, n, 0, text, size) == MFA_OK)
		v = json_stringn(text, size - 1);
	free(text);
	return v;
}
