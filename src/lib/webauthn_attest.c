/* SPDX-License-Identifier: MIT */
/* Attestation statement dispatch by fmt (WebAuthn L3 8), fmt "none" and trust evaluation. */
#include <string.h>

#include "webauthn_internal.h"

typedef int (*attest_fn)(const struct webauthn_attest_input *in,
    struct webauthn_attest_result *res);

/* fmt "none" (8.7): attStmt is an empty map. */
static int
attest_none(const struct webauthn_attest_input *in, struct webauthn_attest_result *res)
{
	if (cbor_map_size(in->att_stmt) != 0)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	res->type = MFA_WEBAUTHN_ATTESTATION_TYPE_NONE;
	res->x5c = NULL;
	return MFA_OK;
}

/* The registered formats libmfa verifies; android-safetynet is deprecated and not among them. */
static const struct {
	const char *fmt;
	attest_fn verify;
} attest_formats[] = {
	{ "none", attest_none },
	{ "packed", webauthn_attest_packed },
	{ "fido-u2f", webauthn_attest_fido_u2f },
	{ "tpm", webauthn_attest_tpm },
	{ "android-key", webauthn_attest_android_key },
	{ "apple", webauthn_attest_apple },
};

int
webauthn_att_stmt_check_keys(const cbor_item_t *att_stmt, const char *const *names, size_t count)
{
	struct cbor_pair *pairs;

	if (!cbor_isa_map(att_stmt) || cborutil_map_check_keys(att_stmt) != MFA_OK)
		return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;

	pairs = cbor_map_handle(att_stmt);
	for (size_t i = 0; i < cbor_map_size(att_stmt); i++) {
		bool known = false;

		for (size_t j = 0; j < count && !known; j++)
			known = cborutil_text_is(pairs[i].key, names[j]);
		if (!known)
			return MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT;
	}

	return MFA_OK;
}

/*
 * Evaluate trust: NONE evaluates nothing, OPTIONAL reports whether x5c
 * chains to the anchors, and REQUIRED also rejects statements without such
 * a chain, self attestation and "none" included.
 */
static int
attest_evaluate_trust(const mfa_webauthn_registration_options_t *opts, STACK_OF(X509) *x5c,
    bool *ret_trusted)
{
	bool trusted = false;
	int r;

	if (opts->attestation != MFA_WEBAUTHN_ATTESTATION_NONE && opts->trust != NULL &&
	    x5c != NULL && sk_X509_num(x5c) > 0) {
		r = webauthn_trust_check_chain(opts->trust, x5c, opts->time, &trusted);
		if (r != MFA_OK)
			return r;
	}

	if (opts->attestation == MFA_WEBAUTHN_ATTESTATION_REQUIRED && !trusted)
		return MFA_ERR_WEBAUTHN_ATTESTATION_TRUST;

	*ret_trusted = trusted;
	return MFA_OK;
}

int
webauthn_attest_verify(const char *fmt, const struct webauthn_attest_input *in,
    const mfa_webauthn_registration_options_t *opts, mfa_webauthn_attestation_type_t *ret_type,
    bool *ret_trusted)
{
	struct webauthn_attest_result res = { MFA_WEBAUTHN_ATTESTATION_TYPE_NONE, NULL };
	attest_fn verify = NULL;
	bool trusted = false;
	int r;

	/* fmt is compared as an exact, case-sensitive string. */
	for (size_t i = 0; i < sizeof(attest_formats) / sizeof(attest_formats[0]); i++) {
		if (strcmp(fmt, attest_formats[i].fmt) == 0)
			verify = attest_formats[i].verify;
	}
	if (verify == NULL) {
		r = MFA_ERR_WEBAUTHN_ATTESTATION_FORMAT;
		goto out;
	}

	/* Under every policy, a statement that is sent must verify. */
	r = verify(in, &res);
	if (r != MFA_OK)
		goto out;

	r = attest_evaluate_trust(opts, res.x5c, &trusted);
	if (r != MFA_OK)
		goto out;

	*ret_type = res.type;
	*ret_trusted = trusted;
	r = MFA_OK;
out:
	sk_X509_pop_free(res.x5c, X509_free);
	return r;
}
