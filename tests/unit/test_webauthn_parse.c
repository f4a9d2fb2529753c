/* SPDX-License-Identifier: MIT */
/* Authenticator data and clientDataJSON parsers: fields, exact lengths, flags and JSON rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mfa/err.h>
#include <mfa/webauthn.h>

#include "softauthn.h"

static softauthn_key_t *key;

static int
group_setup(void **state)
{
	(void)state;
	key = softauthn_key_new(-7);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	softauthn_key_free(key);
	return 0;
}

/* Authenticator data with attested credential data for key and an optional extension map. */
static void
auth_data_init(softauthn_auth_data_t *ad, softauthn_buf_t *cose, const uint8_t *cred_id,
    size_t cred_id_len)
{
	memset(ad, 0, sizeof(*ad));
	softauthn_key_cose(key, NULL, cose);
	ad->rp_id = "example.com";
	ad->flags = MFA_WEBAUTHN_FLAG_UP | MFA_WEBAUTHN_FLAG_AT;
	ad->sign_count = 0x01020304;
	memset(ad->aaguid, 0xab, sizeof(ad->aaguid));
	ad->cred_id = cred_id;
	ad->cred_id_len = cred_id_len;
	ad->cose_key = cose->data;
	ad->cose_key_len = cose->len;
}

static int
parse(const softauthn_auth_data_t *ad, mfa_webauthn_auth_data_t *ret)
{
	softauthn_buf_t b = { 0 };
	int r;

	softauthn_auth_data(ad, &b);
	r = mfa_webauthn_auth_data_parse(b.data, b.len, ret);
	softauthn_buf_free(&b);
	return r;
}

static void
auth_data_fields(void **state)
{
	static const uint8_t cred_id[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	softauthn_buf_t cose = { 0 }, ext = { 0 }, b = { 0 };
	softauthn_auth_data_t ad;
	mfa_webauthn_auth_data_t p;
	uint8_t hash[32];

	(void)state;
	auth_data_init(&ad, &cose, cred_id, sizeof(cred_id));
	softauthn_cbor_map(&ext, 1);
	softauthn_cbor_text(&ext, "credProtect");
	softauthn_cbor_int(&ext, 1);
	ad.flags |= MFA_WEBAUTHN_FLAG_ED;
	ad.extensions = ext.data;
	ad.extensions_len = ext.len;
	softauthn_auth_data(&ad, &b);

	assert_int_equal(mfa_webauthn_auth_data_parse(b.data, b.len, &p), MFA_OK);
	softauthn_sha256("example.com", 11, hash);
	assert_memory_equal(p.rp_id_hash, hash, 32);
	assert_ptr_equal(p.rp_id_hash, b.data);
	assert_int_equal(p.flags, 0xc1);
	assert_int_equal(p.sign_count, 0x01020304);
	assert_memory_equal(p.aaguid, ad.aaguid, 16);
	assert_int_equal(p.cred_id_len, sizeof(cred_id));
	assert_memory_equal(p.cred_id, cred_id, sizeof(cred_id));
	assert_int_equal(p.cose_key_len, cose.len);
	assert_memory_equal(p.cose_key, cose.data, cose.len);
	assert_int_equal(p.extensions_len, ext.len);
	assert_memory_equal(p.extensions, ext.data, ext.len);

	softauthn_buf_free(&b);
	softauthn_buf_free(&ext);
	softauthn_buf_free(&cose);
}

static void
auth_data_without_attested_data(void **state)
{
	softauthn_auth_data_t ad;
	mfa_webauthn_auth_data_t p;

	(void)state;
	memset(&ad, 0, sizeof(ad));
	ad.rp_id = "example.com";
	ad.flags = MFA_WEBAUTHN_FLAG_UP;
	assert_int_equal(parse(&ad, &p), MFA_OK);
	assert_null(p.aaguid);
	assert_null(p.cred_id);
	assert_null(p.cose_key);
	assert_null(p.extensions);
}

static void
auth_data_lengths(void **state)
{
	static const uint8_t id[4] = { 9, 9, 9, 9 };
	softauthn_buf_t cose = { 0 }, b = { 0 };
	softauthn_auth_data_t ad;
	mfa_webauthn_auth_data_t p;

	(void)state;
	memset(&p, 0x5a, sizeof(p));
	auth_data_init(&ad, &cose, id, sizeof(id));
	softauthn_auth_data(&ad, &b);

	/* Every truncation fails, inside the fixed part or inside the key. */
	for (size_t len = 0; len < b.len; len++) {
		int r = mfa_webauthn_auth_data_parse(b.data, len, &p);

		if (r != MFA_ERR_MALFORMED_AUTH_DATA && r != MFA_ERR_MALFORMED_CBOR)
			fail_msg("%zu of %zu bytes returned %d", len, b.len, r);
	}
	assert_int_equal(p.flags, 0x5a);

	/* AT set, but nothing follows; AT clear, but the key follows. */
	assert_int_equal(mfa_webauthn_auth_data_parse(b.data, 37, &p), MFA_ERR_MALFORMED_AUTH_DATA);
	b.data[32] &= (uint8_t)~MFA_WEBAUTHN_FLAG_AT;
	assert_int_equal(mfa_webauthn_auth_data_parse(b.data, b.len, &p),
	    MFA_ERR_MALFORMED_AUTH_DATA);

	/* ED set without extensions. */
	b.data[32] |= MFA_WEBAUTHN_FLAG_AT | MFA_WEBAUTHN_FLAG_ED;
	assert_int_equal(mfa_webauthn_auth_data_parse(b.data, b.len, &p),
	    MFA_ERR_MALFORMED_AUTH_DATA);

	softauthn_buf_free(&b);
	softauthn_buf_free(&cose);
}

static void
auth_data_credential_id_limit(void **state)
{
	softauthn_buf_t cose = { 0 };
	softauthn_auth_data_t ad;
	mfa_webauthn_auth_data_t p;
	uint8_t *id = calloc(1, 1024);

	(void)state;
	assert_non_null(id);
	auth_data_init(&ad, &cose, id, 1023);
	assert_int_equal(parse(&ad, &p), MFA_OK);
	assert_int_equal(p.cred_id_len, 1023);
	ad.cred_id_len = 1024;
	assert_int_equal(parse(&ad, &p), MFA_ERR_WEBAUTHN_CREDENTIAL_ID);
	free(id);
	softauthn_buf_free(&cose);
}

static void
auth_data_backup_flags(void **state)
{
	softauthn_auth_data_t ad;
	mfa_webauthn_auth_data_t p;

	(void)state;
	memset(&ad, 0, sizeof(ad));
	ad.rp_id = "example.com";
	ad.flags = MFA_WEBAUTHN_FLAG_UP | MFA_WEBAUTHN_FLAG_BS;
	assert_int_equal(parse(&ad, &p), MFA_ERR_WEBAUTHN_BACKUP_STATE);
	ad.flags |= MFA_WEBAUTHN_FLAG_BE;
	assert_int_equal(parse(&ad, &p), MFA_OK);
}

static void
auth_data_extensions_not_map(void **state)
{
	softauthn_buf_t ext = { 0 };
	softauthn_auth_data_t ad;
	mfa_webauthn_auth_data_t p;

	(void)state;
	memset(&ad, 0, sizeof(ad));
	ad.rp_id = "example.com";
	ad.flags = MFA_WEBAUTHN_FLAG_UP | MFA_WEBAUTHN_FLAG_ED;
	softauthn_cbor_array(&ext, 0);
	ad.extensions = ext.data;
	ad.extensions_len = ext.len;
	assert_int_equal(parse(&ad, &p), MFA_ERR_MALFORMED_AUTH_DATA);
	softauthn_buf_free(&ext);
}

static void
auth_data_invalid_arguments(void **state)
{
	mfa_webauthn_auth_data_t p;
	uint8_t *big = calloc(1, MFA_WEBAUTHN_AUTH_DATA_MAX + 1);

	(void)state;
	assert_non_null(big);
	assert_int_equal(mfa_webauthn_auth_data_parse(NULL, 37, &p), MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_webauthn_auth_data_parse(big, 37, NULL), MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_webauthn_auth_data_parse(big, MFA_WEBAUTHN_AUTH_DATA_MAX + 1, &p),
	    MFA_ERR_TOO_LARGE);
	free(big);
}

static int
cd_parse(const char *json, mfa_webauthn_client_data_t **cd)
{
	return mfa_webauthn_client_data_parse((const uint8_t *)json, strlen(json), cd);
}

static void
client_data_members(void **state)
{
	mfa_webauthn_client_data_t *cd = NULL;
	const uint8_t *ch;
	size_t ch_len = 0;

	(void)state;
	assert_int_equal(cd_parse("{\"type\":\"webauthn.get\",\"challenge\":\"AQID\","
	    "\"origin\":\"https://example.com\",\"crossOrigin\":true,"
	    "\"topOrigin\":\"https://top.example\",\"unknown\":[1,{\"a\":null}],"
	    "\"tokenBinding\":{\"status\":\"supported\"}}", &cd), MFA_OK);
	assert_string_equal(mfa_webauthn_client_data_type(cd), "webauthn.get");
	assert_string_equal(mfa_webauthn_client_data_origin(cd), "https://example.com");
	assert_string_equal(mfa_webauthn_client_data_top_origin(cd), "https://top.example");
	assert_true(mfa_webauthn_client_data_cross_origin(cd));
	assert_false(mfa_webauthn_client_data_token_binding_present(cd));
	ch = mfa_webauthn_client_data_challenge(cd, &ch_len);
	assert_int_equal(ch_len, 3);
	assert_memory_equal(ch, "\x01\x02\x03", 3);
	mfa_webauthn_client_data_free(&cd);
	assert_null(cd);

	assert_int_equal(cd_parse("{\"type\":\"webauthn.create\",\"challenge\":\"AQID\","
	    "\"origin\":\"https://example.com\",\"tokenBinding\":{\"status\":\"present\","
	    "\"id\":\"AQID\"}}", &cd), MFA_OK);
	assert_null(mfa_webauthn_client_data_top_origin(cd));
	assert_false(mfa_webauthn_client_data_cross_origin(cd));
	assert_true(mfa_webauthn_client_data_token_binding_present(cd));
	mfa_webauthn_client_data_free(&cd);
}

static void
client_data_rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"", "[]", "\"text\"", "{", "{\"type\":\"webauthn.get\"}",
		/* duplicate member */
		"{\"type\":\"a\",\"type\":\"b\",\"challenge\":\"AQID\",\"origin\":\"o\"}",
		/* wrong member types */
		"{\"type\":1,\"challenge\":\"AQID\",\"origin\":\"o\"}",
		"{\"type\":\"t\",\"challenge\":\"AQID\",\"origin\":null}",
		"{\"type\":\"t\",\"challenge\":\"AQID\",\"origin\":\"o\",\"crossOrigin\":\"true\"}",
		"{\"type\":\"t\",\"challenge\":\"AQID\",\"origin\":\"o\",\"topOrigin\":1}",
		"{\"type\":\"t\",\"challenge\":\"AQID\",\"origin\":\"o\",\"tokenBinding\":\"present\"}",
		"{\"type\":\"t\",\"challenge\":\"AQID\",\"origin\":\"o\",\"tokenBinding\":{}}",
		/* challenge not base64url: padding inside, '+', too long */
		"{\"type\":\"t\",\"challenge\":\"AQ+D\",\"origin\":\"o\"}",
		"{\"type\":\"t\",\"challenge\":\"A\",\"origin\":\"o\"}",
		"{\"type\":\"t\",\"challenge\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"origin\":\"o\"}",
		/* invalid UTF-8, NUL escape, trailing text */
		"{\"type\":\"t\xff\",\"challenge\":\"AQID\",\"origin\":\"o\"}",
		"{\"type\":\"t\\u0000\",\"challenge\":\"AQID\",\"origin\":\"o\"}",
		"{\"type\":\"t\",\"challenge\":\"AQID\",\"origin\":\"o\"} x",
	};
	mfa_webauthn_client_data_t *cd = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = cd_parse(bad[i], &cd);

		if (r != MFA_ERR_MALFORMED_JSON)
			fail_msg("case %zu returned %d, expected MFA_ERR_MALFORMED_JSON", i, r);
		assert_null(cd);
	}
}

static void
client_data_size_limit(void **state)
{
	mfa_webauthn_client_data_t *cd = NULL;
	char *json = malloc(MFA_WEBAUTHN_CLIENT_DATA_MAX + 2);
	const char *head = "{\"type\":\"t\",\"challenge\":\"AQID\",\"origin\":\"o\",\"pad\":\"";
	size_t n = strlen(head);

	(void)state;
	assert_non_null(json);
	memcpy(json, head, n);
	memset(json + n, 'x', MFA_WEBAUTHN_CLIENT_DATA_MAX - n - 2);
	memcpy(json + MFA_WEBAUTHN_CLIENT_DATA_MAX - 2, "\"}", 3);
	assert_int_equal(mfa_webauthn_client_data_parse((uint8_t *)json,
	    MFA_WEBAUTHN_CLIENT_DATA_MAX, &cd), MFA_OK);
	mfa_webauthn_client_data_free(&cd);

	json[MFA_WEBAUTHN_CLIENT_DATA_MAX - 2] = 'x';
	memcpy(json + MFA_WEBAUTHN_CLIENT_DATA_MAX - 1, "\"}", 3);
	assert_int_equal(mfa_webauthn_client_data_parse((uint8_t *)json,
	    MFA_WEBAUTHN_CLIENT_DATA_MAX + 1, &cd), MFA_ERR_TOO_LARGE);
	assert_null(cd);
	free(json);
}

static void
client_data_invalid_arguments(void **state)
{
	mfa_webauthn_client_data_t *cd = NULL;
	size_t len = 7;

	(void)state;
	assert_int_equal(mfa_webauthn_client_data_parse(NULL, 1, &cd), MFA_ERR_INVALID_ARGUMENT);
	assert_int_equal(mfa_webauthn_client_data_parse((const uint8_t *)"{}", 2, NULL),
	    MFA_ERR_INVALID_ARGUMENT);
	assert_null(mfa_webauthn_client_data_type(NULL));
	assert_null(mfa_webauthn_client_data_challenge(NULL, &len));
	assert_int_equal(len, 7);
	mfa_webauthn_client_data_free(NULL);
	mfa_webauthn_client_data_free(&cd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(auth_data_fields),
		cmocka_unit_test(auth_data_without_attested_data),
		cmocka_unit_test(auth_data_lengths),
		cmocka_unit_test(auth_data_credential_id_limit),
		cmocka_unit_test(auth_data_backup_flags),
		cmocka_unit_test(auth_data_extensions_not_map),
		cmocka_unit_test(auth_data_invalid_arguments),
		cmocka_unit_test(client_data_members),
		cmocka_unit_test(client_data_rejects_malformed),
		cmocka_unit_test(client_data_size_limit),
		cmocka_unit_test(client_data_invalid_arguments),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
