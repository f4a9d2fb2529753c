/* SPDX-License-Identifier: MIT */
/* Fuzz mfa_cose_key_parse() and signature checks with the keys it accepts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mfa/cose.h>
#include <mfa/mfa.h>
#include <mfa/webauthn.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
alg_known(int alg)
{
	switch (alg) {
	case MFA_COSE_ES256:
	case MFA_COSE_EDDSA:
	case MFA_COSE_ES384:
	case MFA_COSE_ES512:
	case MFA_COSE_PS256:
	case MFA_COSE_RS256:
		return true;
	default:
		return false;
	}
}

/*
 * Verify signatures made of the input's own bytes with key: none may pass,
 * and a malformed one is a failed verification, not an internal error.
 */
static void
check_verify(const mfa_cose_key_t *key, const uint8_t *data, size_t size)
{
	/* Too short, then the lengths of DER ECDSA up to P-521, Ed25519 and RSA up to 8192 bits. */
	static const size_t sig_lens[] = { 1, 8, 64, 72, 104, 139, 256, 512, 1024 };
	static uint8_t sig[1024];

	for (size_t i = 0; i < sizeof(sig_lens) / sizeof(sig_lens[0]); i++) {
		size_t n = sig_lens[i];

		/* The input repeated to n bytes, so that the fuzzer also steers the signature. */
		for (size_t j = 0; j < n; j++)
			sig[j] = size > 0 ? data[j % size] : (uint8_t)j;
		if (mfa_cose_key_verify(key, data, size, sig, n) != MFA_ERR_VERIFY_FAILED)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mfa_cose_key_t *key = NULL;
	int r;

	r = mfa_cose_key_parse(data, size, &key);
	if (size > MFA_COSE_KEY_MAX && r != MFA_ERR_TOO_LARGE)
		abort();
	if (r != MFA_OK) {
		/* Empty input is an invalid argument; any other must be a bad-input code. */
		if (key != NULL || (r == MFA_ERR_INVALID_ARGUMENT && size > 0) || r == MFA_ERR_INTERNAL)
			abort();
		return 0;
	}

	if (!alg_known(mfa_cose_key_alg(key)))
		abort();
	check_verify(key, data, size);

	mfa_cose_key_free(&key);
	if (key != NULL)
		abort();
	return 0;
}
