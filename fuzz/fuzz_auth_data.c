/* SPDX-License-Identifier: MIT */
/* Fuzz mfa_webauthn_auth_data_parse(), and mfa_webauthn_assertion_verify() on the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mfa/cose.h>
#include <mfa/mfa.h>
#include <mfa/webauthn.h>

/* Bytes before the attested credential data: rpIdHash, flags and signCount. */
#define FUZZ_AUTH_DATA_HEADER (MFA_WEBAUTHN_RP_ID_HASH_LEN + 1 + 4)
/* Bytes of attested credential data before the credential ID: AAGUID and its 2-byte length. */
#define FUZZ_ATTESTED_HEADER (MFA_WEBAUTHN_AAGUID_LEN + 2)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A credential and one of its assertions, recorded from Chromium's virtual
 * authenticator (tests/data/chromium/es256). The seed chromium-assertion-uv
 * is this assertion's authenticator data, which verifies against them in full.
 */
static const char fuzz_rp_id[] = "localhost";
static const char fuzz_origin[] = "http://localhost:43573";
static const char fuzz_challenge[] = "svNmMZ5CBMt1gpJR9kL7nY60gFHOtQH2MjSc65pDpns";
static const char fuzz_client_data[] =
    "{\"type\":\"webauthn.get\",\"challenge\":\"svNmMZ5CBMt1gpJR9kL7nY60gFHOtQH2MjSc65pDpns\","
    "\"origin\":\"http://localhost:43573\",\"crossOrigin\":false}";
static const uint8_t fuzz_cose_key[] = {
	0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20, 0x3a, 0x22,
	0x87, 0x77, 0x53, 0xdc, 0x0a, 0x5e, 0x28, 0x2c, 0x8a, 0xe8, 0x67, 0x80,
	0xc6, 0xb3, 0xbd, 0x35, 0xf4, 0x4c, 0x22, 0x09, 0x1a, 0xd0, 0x1d, 0xe0,
	0xef, 0x42, 0xb5, 0xe8, 0x57, 0x38, 0x22, 0x58, 0x20, 0xf0, 0x65, 0x4e,
	0x68, 0x5b, 0x18, 0xc8, 0x4e, 0x58, 0x25, 0x44, 0xc6, 0xa9, 0x02, 0xd1,
	0x3e, 0xc9, 0x78, 0xa0, 0xf2, 0xb7, 0xfc, 0x00, 0x90, 0x76, 0x91, 0x1f,
	0x7f, 0xc4, 0x19, 0x6e, 0x84,
};
static const uint8_t fuzz_sig[] = {
	0x30, 0x46, 0x02, 0x21, 0x00, 0x8c, 0x2a, 0x91, 0x37, 0xfc, 0x58, 0xb7,
	0x7c, 0xe3, 0xcd, 0x2d, 0xe3, 0xfb, 0x9a, 0x62, 0x0d, 0xe5, 0x9d, 0xfd,
	0x02, 0x4b, 0x55, 0x4e, 0x33, 0x71, 0x25, 0xaf, 0x21, 0x76, 0xf7, 0xaa,
	0xc3, 0x02, 0x21, 0x00, 0xe3, 0x03, 0x67, 0x16, 0xd2, 0xd3, 0x34, 0x84,
	0x48, 0x4e, 0x53, 0xec, 0xbf, 0x6a, 0x29, 0x77, 0x5b, 0x05, 0xdc, 0x54,
	0x0f, 0xa7, 0x5a, 0x19, 0x26, 0x84, 0x0f, 0x52, 0x8b, 0x12, 0x0b, 0xbe,
};

/* Abort unless the n bytes at p lie inside data[0..size). */
static void
check_inside(const uint8_t *data, size_t size, const uint8_t *p, size_t n)
{
	if (p == NULL || p < data || n > size || (size_t)(p - data) > size - n)
		abort();
}

/* Abort unless the parsed fields cover the input exactly, in order, as WebAuthn L3 6.1 lays them out. */
static void
check_fields(const uint8_t *data, size_t size, const mfa_webauthn_auth_data_t *ad)
{
	size_t end = FUZZ_AUTH_DATA_HEADER;

	if (size < FUZZ_AUTH_DATA_HEADER || ad->rp_id_hash != data || ad->flags != data[32])
		abort();
	if ((ad->flags & MFA_WEBAUTHN_FLAG_BS) != 0 && (ad->flags & MFA_WEBAUTHN_FLAG_BE) == 0)
		abort();

	if ((ad->flags & MFA_WEBAUTHN_FLAG_AT) != 0) {
		if (ad->aaguid != data + end || ad->cred_id_len > MFA_WEBAUTHN_CRED_ID_MAX)
			abort();
		end += FUZZ_ATTESTED_HEADER;
		if (ad->cred_id_len > 0)
			check_inside(data, size, ad->cred_id, ad->cred_id_len);
		end += ad->cred_id_len;
		if (ad->cose_key != data + end || ad->cose_key_len == 0)
			abort();
		check_inside(data, size, ad->cose_key, ad->cose_key_len);
		end += ad->cose_key_len;
	} else if (ad->aaguid != NULL || ad->cred_id != NULL || ad->cose_key != NULL) {
		abort();
	}

	if ((ad->flags & MFA_WEBAUTHN_FLAG_ED) != 0) {
		if (ad->extensions != data + end || ad->extensions_len == 0)
			abort();
		check_inside(data, size, ad->extensions, ad->extensions_len);
		end += ad->extensions_len;
	} else if (ad->extensions != NULL) {
		abort();
	}

	/* Trailing bytes must have been rejected. */
	if (end != size)
		abort();
}

/* Parse the attested COSE key, which the parse leaves unchecked, and check that it cannot verify junk. */
static void
check_cose_key(const mfa_webauthn_auth_data_t *ad)
{
	mfa_cose_key_t *key = NULL;
	int r;

	if (ad->cose_key == NULL || mfa_cose_key_parse(ad->cose_key, ad->cose_key_len, &key) != MFA_OK)
		return;
	r = mfa_cose_key_verify(key, ad->rp_id_hash, MFA_WEBAUTHN_RP_ID_HASH_LEN, fuzz_sig,
	    sizeof(fuzz_sig));
	if (r != MFA_ERR_VERIFY_FAILED)
		abort();
	mfa_cose_key_free(&key);
}

/* Run the bytes as an assertion's authenticator data with the recorded client data and signature. */
static void
check_assertion(const uint8_t *data, size_t size)
{
	static mfa_cose_key_t *key;
	static uint8_t challenge[MFA_WEBAUTHN_CHALLENGE_MAX];
	static size_t challenge_len;
	const char *origins[] = { fuzz_origin };
	mfa_webauthn_assertion_options_t opts = { 0 };
	mfa_webauthn_assertion_result_t res;
	int r;

	/* Set up once and kept for the whole run. */
	if (key == NULL && (mfa_cose_key_parse(fuzz_cose_key, sizeof(fuzz_cose_key), &key) != MFA_OK ||
	    mfa_base64url_decode(fuzz_challenge, strlen(fuzz_challenge), challenge, sizeof(challenge),
	    &challenge_len) != MFA_OK))
		abort();

	opts.ceremony.challenge = challenge;
	opts.ceremony.challenge_len = challenge_len;
	opts.ceremony.rp_id = fuzz_rp_id;
	opts.ceremony.origins = origins;
	opts.ceremony.origins_count = 1;
	opts.key = key;
	opts.stored_sign_count = 1;
	r = mfa_webauthn_assertion_verify(&opts, (const uint8_t *)fuzz_client_data,
	    strlen(fuzz_client_data), data, size, fuzz_sig, sizeof(fuzz_sig), &res);
	if (r == MFA_OK && (res.sign_count <= 1 || (res.flags & MFA_WEBAUTHN_FLAG_UP) == 0))
		abort();
	if (r == MFA_ERR_INVALID_ARGUMENT || r == MFA_ERR_INTERNAL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mfa_webauthn_auth_data_t ad;
	int r;

	r = mfa_webauthn_auth_data_parse(data, size, &ad);
	if (size > MFA_WEBAUTHN_AUTH_DATA_MAX && r != MFA_ERR_TOO_LARGE)
		abort();
	if (r == MFA_OK) {
		check_fields(data, size, &ad);
		check_cose_key(&ad);
	}

	check_assertion(data, size);
	return 0;
}
