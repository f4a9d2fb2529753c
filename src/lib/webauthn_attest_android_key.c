/* SPDX-License-Identifier: MIT */
/* The "android-key" attestation statement format (Android Key, WebAuthn L3 8). */
#include "webauthn_internal.h"

int
webauthn_attest_android_key(const struct webauthn_attest_input *in, struct webauthn_attest_result *res)
{
	(void)in;
	(void)res;
	return MFA_ERR_WEBAUTHN_ATTESTATION_FORMAT;
}
