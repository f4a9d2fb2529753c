/* SPDX-License-Identifier: MIT */
/* The "tpm" attestation statement format (TPM, WebAuthn L3 8). */
#include "webauthn_internal.h"

int
webauthn_attest_tpm(const struct webauthn_attest_input *in, struct webauthn_attest_result *res)
{
	(void)in;
	(void)res;
	return MFA_ERR_WEBAUTHN_ATTESTATION_FORMAT;
}
