/* SPDX-License-Identifier: MIT */
/* Assertion verification (WebAuthn L3 7.2, "Verifying an Authentication Assertion"). */
#include <string.h>

#include "webauthn_internal.h"

#define SHA256_LEN 32

static int
assert_check_args(const mfa_webauthn_assertion_options_t *opts, const uint8_t *client_data_json,
    const uint8_t *auth_data, const uint8_t *sig, size_t sig_len,
    const mfa_webauthn_assertion_result_t *ret)
{
	if (opts == NULL || opts->key == NULL || client_data_json == NULL || auth_data == NULL ||
	    (sig == NULL && sig_len > 0) || ret == NULL)
		return MFA_ERR_INVALID_ARGUMENT;

	return webauthn_check_ceremony(&opts->ceremony);
}

/*
 * Reject a counter that does not grow, because it may mean a cloned
 * authenticator. Authenticators without a counter send 0 every time, which
 * is accepted while the stored count is 0 too.
 */
static int
assert_check_sign_count(uint32_t stored, uint32_t count)
{
	if ((stored != 0 || count != 0) && count <= stored)
		return MFA_ERR_WEBAUTHN_SIGN_COUNT;

	return MFA_OK;
}

MFA_API int
mfa_webauthn_assertion_verify(const mfa_webauthn_assertion_options_t *opts,
    const uint8_t *client_data_json, size_t client_data_len, const uint8_t *auth_data,
    size_t auth_data_len, const uint8_t *sig, size_t sig_len,
    mfa_webauthn_assertion_result_t *ret)
{
	uint8_t client_data_hash[SHA256_LEN];
	mfa_webauthn_auth_data_t ad;
	bool be;
	int r;

	r = assert_check_args(opts, client_data_json, auth_data, sig, sig_len, ret);
	if (r != MFA_OK)
		return r;

	/* clientDataJSON members, then its hash. */
	r = webauthn_check_client_data(&opts->ceremony, "webauthn.get", opts->key->sha256,
	    client_data_json, client_data_len, client_data_hash);
	if (r != MFA_OK)
		return r;

	/* rpIdHash, UP, UV and extension outputs. */
	r = mfa_webauthn_auth_data_parse(auth_data, auth_data_len, &ad);
	if (r != MFA_OK)
		return r;
	r = webauthn_check_auth_data(&opts->ceremony, opts->key->sha256, &ad);
	if (r != MFA_OK)
		return r;

	/* BE never changes for a credential. BS without BE already failed in the parse. */
	be = (ad.flags & MFA_WEBAUTHN_FLAG_BE) != 0;
	if (be != opts->stored_backup_eligible)
		return MFA_ERR_WEBAUTHN_BACKUP_ELIGIBILITY_CHANGED;

	/* The signature covers authData || SHA-256(clientDataJSON). A client may send it empty. */
	if (sig_len == 0)
		return MFA_ERR_WEBAUTHN_SIGNATURE;
	r = cose_key_verify_parts(opts->key, auth_data, auth_data_len, client_data_hash,
	    sizeof(client_data_hash), sig, sig_len);
	if (r == MFA_ERR_VERIFY_FAILED)
		return MFA_ERR_WEBAUTHN_SIGNATURE;
	if (r != MFA_OK)
		return r;

	r = assert_check_sign_count(opts->stored_sign_count, ad.sign_count);
	if (r != MFA_OK)
		return r;

	ret->sign_count = ad.sign_count;
	ret->flags = ad.flags;
	return MFA_OK;
}
