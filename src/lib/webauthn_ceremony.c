/* SPDX-License-Identifier: MIT */
/* Verification steps that registration and assertion share: client data, RP ID hash, flags, extensions. */
#include <string.h>

#include "webauthn_internal.h"

#define SHA256_LEN 32

/* Return whether every one of count strings is set. */
static bool
strings_set(const char *const *list, size_t count)
{
	if (count > 0 && list == NULL)
		return false;
	for (size_t i = 0; i < count; i++) {
		if (list[i] == NULL)
			return false;
	}

	return true;
}

int
webauthn_check_ceremony(const mfa_webauthn_ceremony_t *c)
{
	if (c->challenge == NULL || c->challenge_len == 0 ||
	    c->challenge_len > MFA_WEBAUTHN_CHALLENGE_MAX || c->rp_id == NULL)
		return MFA_ERR_INVALID_ARGUMENT;
	if (c->origins_count == 0 || !strings_set(c->origins, c->origins_count))
		return MFA_ERR_INVALID_ARGUMENT;
	if (!strings_set(c->top_origins, c->top_origins_count) ||
	    !strings_set(c->extensions, c->extensions_count))
		return MFA_ERR_INVALID_ARGUMENT;

	return MFA_OK;
}

int
webauthn_sha256(const EVP_MD *sha256, const void *data, size_t len, uint8_t out[32])
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	int r = MFA_ERR_NOMEM;

	if (mctx == NULL)
		goto out;

	r = MFA_ERR_INTERNAL;
	if (EVP_DigestInit_ex2(mctx, sha256 != NULL ? sha256 : EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(mctx, data, len) != 1 || EVP_DigestFinal_ex(mctx, out, NULL) != 1)
		goto out;

	r = MFA_OK;
out:
	EVP_MD_CTX_free(mctx);
	return r;
}

/* Return whether s is one of count strings, compared exactly. */
static bool
string_listed(const char *s, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(s, list[i]) == 0)
			return true;
	}

	return false;
}

/*
 * Check crossOrigin and topOrigin. A topOrigin also means the page was
 * embedded, so it needs allow_cross_origin even when crossOrigin is false
 * or absent.
 */
static int
check_cross_origin(const mfa_webauthn_ceremony_t *c, const mfa_webauthn_client_data_t *cd)
{
	const char *top = mfa_webauthn_client_data_top_origin(cd);

	if (mfa_webauthn_client_data_cross_origin(cd) && !c->allow_cross_origin)
		return MFA_ERR_WEBAUTHN_CROSS_ORIGIN;
	if (top == NULL)
		return MFA_OK;
	if (!c->allow_cross_origin)
		return MFA_ERR_WEBAUTHN_CROSS_ORIGIN;
	if (!string_listed(top, c->top_origins, c->top_origins_count))
		return MFA_ERR_WEBAUTHN_TOP_ORIGIN;

	return MFA_OK;
}

/* Check the parsed members in the order WebAuthn L3 7.1 and 7.2 list them. */
static int
check_client_data_members(const mfa_webauthn_ceremony_t *c, const char *type,
    const mfa_webauthn_client_data_t *cd)
{
	const uint8_t *challenge;
	size_t challenge_len = 0;
	int r;

	if (strcmp(mfa_webauthn_client_data_type(cd), type) != 0)
		return MFA_ERR_WEBAUTHN_TYPE;

	challenge = mfa_webauthn_client_data_challenge(cd, &challenge_len);
	if (challenge_len != c->challenge_len ||
	    mfa_memcmp_ct(challenge, c->challenge, challenge_len) != 0)
		return MFA_ERR_WEBAUTHN_CHALLENGE;

	if (!string_listed(mfa_webauthn_client_data_origin(cd), c->origins, c->origins_count))
		return MFA_ERR_WEBAUTHN_ORIGIN;

	r = check_cross_origin(c, cd);
	if (r != MFA_OK)
		return r;

	/* libmfa supports no token binding, so a "present" status can never match (WebAuthn L2). */
	if (mfa_webauthn_client_data_token_binding_present(cd))
		return MFA_ERR_WEBAUTHN_TOKEN_BINDING;

	return MFA_OK;
}

int
webauthn_check_client_data(const mfa_webauthn_ceremony_t *c, const char *type,
    const EVP_MD *sha256, const uint8_t *json, size_t len, uint8_t hash[32])
{
	mfa_webauthn_client_data_t *cd = NULL;
	int r;

	r = mfa_webauthn_client_data_parse(json, len, &cd);
	if (r != MFA_OK)
		goto out;
	r = check_client_data_members(c, type, cd);
	if (r != MFA_OK)
		goto out;

	r = webauthn_sha256(sha256, json, len, hash);
out:
	mfa_webauthn_client_data_free(&cd);
	return r;
}

/* Check that every authenticator extension output was requested. */
static int
check_extensions(const mfa_webauthn_ceremony_t *c, const mfa_webauthn_auth_data_t *ad)
{
	cbor_item_t *map = NULL;
	struct cbor_pair *pairs;
	int r;

	if (ad->extensions == NULL)
		return MFA_OK;

	r = cborutil_load(ad->extensions, ad->extensions_len, &map);
	if (r != MFA_OK)
		goto out;
	r = cborutil_map_check_keys(map);
	if (r != MFA_OK)
		goto out;

	pairs = cbor_map_handle(map);
	for (size_t i = 0; i < cbor_map_size(map); i++) {
		bool requested = false;

		for (size_t j = 0; j < c->extensions_count && !requested; j++)
			requested = cborutil_text_is(pairs[i].key, c->extensions[j]);
		if (!requested) {
			r = MFA_ERR_WEBAUTHN_EXTENSIONS;
			goto out;
		}
	}

	r = MFA_OK;
out:
	if (map != NULL)
		cbor_decref(&map);
	return r;
}

int
webauthn_check_auth_data(const mfa_webauthn_ceremony_t *c, const EVP_MD *sha256,
    const mfa_webauthn_auth_data_t *ad)
{
	uint8_t rp_id_hash[SHA256_LEN];
	int r;

	r = webauthn_sha256(sha256, c->rp_id, strlen(c->rp_id), rp_id_hash);
	if (r != MFA_OK)
		return r;
	if (mfa_memcmp_ct(ad->rp_id_hash, rp_id_hash, SHA256_LEN) != 0)
		return MFA_ERR_WEBAUTHN_RP_ID_HASH;

	/* NOTE: UP is always required. No option lets a caller accept UP clear at registration. */
	if (!(ad->flags & MFA_WEBAUTHN_FLAG_UP))
		return MFA_ERR_WEBAUTHN_USER_PRESENT;
	if (c->require_user_verification && !(ad->flags & MFA_WEBAUTHN_FLAG_UV))
		return MFA_ERR_WEBAUTHN_USER_VERIFIED;

	/* mfa_webauthn_auth_data_parse() already rejected BS without BE. */
	return check_extensions(c, ad);
}
