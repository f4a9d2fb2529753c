/* SPDX-License-Identifier: MIT */
/* Fuzz mfa_webauthn_registration_verify(): the attestationObject, its statement and authenticator data. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mfa/cose.h>
#include <mfa/mfa.h>
#include <mfa/webauthn.h>

/*
 * Input layout, so that a seed carries the clientDataJSON its statement
 * signs: one byte of FUZZ_OPT_* bits, the clientDataJSON length as 2 bytes
 * big-endian, the clientDataJSON, then the attestationObject up to the end.
 */
#define FUZZ_HEADER_LEN 3
#define FUZZ_OPT_POLICY 0x03u     /* 0 none, 1 optional, 2 required, 3 none */
#define FUZZ_OPT_UV 0x04u         /* require user verification */
#define FUZZ_OPT_ES256_ONLY 0x08u /* offer only ES256 in pubKeyCredParams */

/*
 * Certificates are checked at this fixed time, 2027-01-01T00:00:00Z, so
 * that a saved input gives the same result on any day. Chromium's batch
 * certificate below and the seeds' test certificates (made on 2026-12-04,
 * valid for a year) are valid then.
 */
#define FUZZ_TIME 1798761600

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The trust anchor: the self-signed batch certificate of Chromium's virtual
 * authenticator, from its packed statement in tests/data/chromium/es256-packed
 * as recorded on 2026-12-04 (a new recording may carry another certificate).
 */
static const char fuzz_anchor_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB1DCCAXqgAwIBAgIBATAKBggqhkjOPQQDAjBgMQswCQYDVQQGEwJVUzERMA8G\n"
    "A1UECgwIQ2hyb21pdW0xIjAgBgNVBAsMGUF1dGhlbnRpY2F0b3IgQXR0ZXN0YXRp\n"
    "b24xGjAYBgNVBAMMEUJhdGNoIENlcnRpZmljYXRlMB4XDTE3MDcxNDAyNDAwMFoX\n"
    "DTQ2MTEyOTIxMDQ0NlowYDELMAkGA1UEBhMCVVMxETAPBgNVBAoMCENocm9taXVt\n"
    "MSIwIAYDVQQLDBlBdXRoZW50aWNhdG9yIEF0dGVzdGF0aW9uMRowGAYDVQQDDBFC\n"
    "YXRjaCBDZXJ0aWZpY2F0ZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABI1hfmXJ\n"
    "UI5kvMVnOsgqZ5naPBRGaCwljEY//99Y39L6Pmw3i1PXlcSk3/tBme3Xhi8jq68C\n"
    "A7S4kRugVpmU4QGjJTAjMAwGA1UdEwEB/wQCMAAwEwYLKwYBBAGC5RwCAQEEBAMC\n"
    "AwgwCgYIKoZIzj0EAwIDSAAwRQIhAJ+SyhcHEuZsBgqrHveZKnnLzUWTU2RD4pBm\n"
    "+G2yJJYKAiBl/0cLV2cUgcbMpRxhNgFZTzApyMq55pUx2NZnyQl4GA==\n"
    "-----END CERTIFICATE-----\n";

static const int fuzz_all_algs[] = {
	MFA_COSE_ES256, MFA_COSE_EDDSA, MFA_COSE_ES384, MFA_COSE_ES512, MFA_COSE_PS256,
	MFA_COSE_RS256,
};
static const int fuzz_es256[] = { MFA_COSE_ES256 };

/* Return the trust anchors, made on the first call and kept for the whole run. */
static const mfa_webauthn_trust_t *
fuzz_trust(void)
{
	static mfa_webauthn_trust_t *trust;

	if (trust == NULL && (mfa_webauthn_trust_new(&trust) != MFA_OK ||
	    mfa_webauthn_trust_add_pem(trust, fuzz_anchor_pem, strlen(fuzz_anchor_pem)) != MFA_OK))
		abort();
	return trust;
}

/* Abort unless a verified credential is consistent with itself and with the options. */
static void
check_credential(const mfa_webauthn_registration_options_t *opts,
    const mfa_webauthn_credential_t *cred)
{
	mfa_cose_key_t *key = NULL;
	size_t fmt_len = strnlen(cred->fmt, sizeof(cred->fmt));
	bool offered = false;

	if (cred->cred_id_len > MFA_WEBAUTHN_CRED_ID_MAX || cred->cose_key_len == 0 ||
	    cred->cose_key_len > MFA_COSE_KEY_MAX || fmt_len == 0 || fmt_len > MFA_WEBAUTHN_FMT_MAX)
		abort();
	if ((cred->flags & MFA_WEBAUTHN_FLAG_UP) == 0 || (cred->flags & MFA_WEBAUTHN_FLAG_AT) == 0)
		abort();
	if (opts->ceremony.require_user_verification && (cred->flags & MFA_WEBAUTHN_FLAG_UV) == 0)
		abort();
	if (opts->attestation == MFA_WEBAUTHN_ATTESTATION_REQUIRED && !cred->attestation_trusted)
		abort();
	if (opts->attestation == MFA_WEBAUTHN_ATTESTATION_NONE && cred->attestation_trusted)
		abort();

	for (size_t i = 0; i < opts->algs_count; i++)
		offered = offered || opts->algs[i] == cred->alg;
	if (!offered)
		abort();

	/* The stored key must parse again on later logons, to the same algorithm. */
	if (mfa_cose_key_parse(cred->cose_key, cred->cose_key_len, &key) != MFA_OK ||
	    mfa_cose_key_alg(key) != cred->alg)
		abort();
	mfa_cose_key_free(&key);
}

/*
 * Expect the challenge and origin that the clientDataJSON holds, when it
 * parses, so that mutated inputs get past those comparisons to the
 * attestation checks. Returns false when it does not parse.
 */
static bool
expect_client_data(const uint8_t *json, size_t len, uint8_t *challenge, size_t *ret_challenge_len,
    char *origin, size_t origin_size)
{
	mfa_webauthn_client_data_t *cd = NULL;
	const uint8_t *c;
	size_t n = 0;

	if (mfa_webauthn_client_data_parse(json, len, &cd) != MFA_OK)
		return false;
	c = mfa_webauthn_client_data_challenge(cd, &n);
	memcpy(challenge, c, n);
	*ret_challenge_len = n;
	snprintf(origin, origin_size, "%s", mfa_webauthn_client_data_origin(cd));
	mfa_webauthn_client_data_free(&cd);
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char origin[MFA_WEBAUTHN_CLIENT_DATA_MAX + 1];
	uint8_t challenge[MFA_WEBAUTHN_CHALLENGE_MAX] = { 1 };
	const char *origins[] = { origin };
	mfa_webauthn_registration_options_t opts = { 0 };
	mfa_webauthn_credential_t cred;
	size_t challenge_len = 1, json_len;
	unsigned options;
	int r;

	if (size < FUZZ_HEADER_LEN)
		return 0;
	options = data[0];
	json_len = (size_t)data[1] << 8 | data[2];
	if (json_len > size - FUZZ_HEADER_LEN)
		return 0;

	snprintf(origin, sizeof(origin), "https://example.com");
	expect_client_data(data + FUZZ_HEADER_LEN, json_len, challenge, &challenge_len, origin,
	    sizeof(origin));
	opts.ceremony.challenge = challenge;
	opts.ceremony.challenge_len = challenge_len;
	opts.ceremony.rp_id = "localhost";
	opts.ceremony.origins = origins;
	opts.ceremony.origins_count = 1;
	opts.ceremony.require_user_verification = (options & FUZZ_OPT_UV) != 0;
	opts.algs = (options & FUZZ_OPT_ES256_ONLY) != 0 ? fuzz_es256 : fuzz_all_algs;
	opts.algs_count = (options & FUZZ_OPT_ES256_ONLY) != 0 ? 1 :
	    sizeof(fuzz_all_algs) / sizeof(fuzz_all_algs[0]);
	opts.attestation = (options & FUZZ_OPT_POLICY) == 3 ? MFA_WEBAUTHN_ATTESTATION_NONE :
	    (mfa_webauthn_attestation_policy_t)(options & FUZZ_OPT_POLICY);
	opts.trust = opts.attestation != MFA_WEBAUTHN_ATTESTATION_NONE ? fuzz_trust() : NULL;
	opts.time = FUZZ_TIME;

	r = mfa_webauthn_registration_verify(&opts, data + FUZZ_HEADER_LEN, json_len,
	    data + FUZZ_HEADER_LEN + json_len, size - FUZZ_HEADER_LEN - json_len, &cred);
	if (r == MFA_OK)
		check_credential(&opts, &cred);
	if (r == MFA_ERR_INVALID_ARGUMENT || r == MFA_ERR_INTERNAL)
		abort();
	return 0;
}
