/* SPDX-License-Identifier: MIT */
/* mfa_strerror() and mfa_strerror_name() have a string for every result code. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mfa/mfa.h>

static void
err_every_code_has_strings(void **state)
{
	(void)state;

	for (int code = MFA_OK; code >= MFA_ERR_LAST; code--) {
		const char *name = mfa_strerror_name(code);
		const char *text = mfa_strerror(code);

		assert_non_null(name);
		assert_non_null(text);
		assert_true(strlen(name) > 0);
		assert_true(strlen(text) > 0);
		if (strcmp(name, "MFA_ERR_UNKNOWN") == 0)
			fail_msg("code %d has no name", code);
		if (strstr(text, "unknown") != NULL)
			fail_msg("code %d has no description: \"%s\"", code, text);
	}
}

/* Each name must be the enum identifier of its value, as written in mfa/err.h. */
static void
err_names_match_enum(void **state)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ MFA_OK, "MFA_OK" },
		{ MFA_ERR_INVALID_ARGUMENT, "MFA_ERR_INVALID_ARGUMENT" },
		{ MFA_ERR_NOMEM, "MFA_ERR_NOMEM" },
		{ MFA_ERR_INTERNAL, "MFA_ERR_INTERNAL" },
		{ MFA_ERR_BAD_ENCODING, "MFA_ERR_BAD_ENCODING" },
		{ MFA_ERR_VERIFY_FAILED, "MFA_ERR_VERIFY_FAILED" },
		{ MFA_ERR_TIME_BEFORE_EPOCH, "MFA_ERR_TIME_BEFORE_EPOCH" },
		{ MFA_ERR_BUFFER_TOO_SMALL, "MFA_ERR_BUFFER_TOO_SMALL" },
		{ MFA_ERR_BAD_URI, "MFA_ERR_BAD_URI" },
		{ MFA_ERR_UNSUPPORTED, "MFA_ERR_UNSUPPORTED" },
		{ MFA_ERR_TOO_LARGE, "MFA_ERR_TOO_LARGE" },
		{ MFA_ERR_MALFORMED_CBOR, "MFA_ERR_MALFORMED_CBOR" },
		{ MFA_ERR_MALFORMED_JSON, "MFA_ERR_MALFORMED_JSON" },
		{ MFA_ERR_MALFORMED_AUTH_DATA, "MFA_ERR_MALFORMED_AUTH_DATA" },
		{ MFA_ERR_MALFORMED_ATTESTATION, "MFA_ERR_MALFORMED_ATTESTATION" },
		{ MFA_ERR_COSE_KEY, "MFA_ERR_COSE_KEY" },
		{ MFA_ERR_WEBAUTHN_TYPE, "MFA_ERR_WEBAUTHN_TYPE" },
		{ MFA_ERR_WEBAUTHN_CHALLENGE, "MFA_ERR_WEBAUTHN_CHALLENGE" },
		{ MFA_ERR_WEBAUTHN_ORIGIN, "MFA_ERR_WEBAUTHN_ORIGIN" },
		{ MFA_ERR_WEBAUTHN_CROSS_ORIGIN, "MFA_ERR_WEBAUTHN_CROSS_ORIGIN" },
		{ MFA_ERR_WEBAUTHN_TOP_ORIGIN, "MFA_ERR_WEBAUTHN_TOP_ORIGIN" },
		{ MFA_ERR_WEBAUTHN_TOKEN_BINDING, "MFA_ERR_WEBAUTHN_TOKEN_BINDING" },
		{ MFA_ERR_WEBAUTHN_RP_ID_HASH, "MFA_ERR_WEBAUTHN_RP_ID_HASH" },
		{ MFA_ERR_WEBAUTHN_USER_PRESENT, "MFA_ERR_WEBAUTHN_USER_PRESENT" },
		{ MFA_ERR_WEBAUTHN_USER_VERIFIED, "MFA_ERR_WEBAUTHN_USER_VERIFIED" },
		{ MFA_ERR_WEBAUTHN_BACKUP_STATE, "MFA_ERR_WEBAUTHN_BACKUP_STATE" },
		{ MFA_ERR_WEBAUTHN_BACKUP_ELIGIBILITY_CHANGED,
		    "MFA_ERR_WEBAUTHN_BACKUP_ELIGIBILITY_CHANGED" },
		{ MFA_ERR_WEBAUTHN_ATTESTED_DATA, "MFA_ERR_WEBAUTHN_ATTESTED_DATA" },
		{ MFA_ERR_WEBAUTHN_CREDENTIAL_ID, "MFA_ERR_WEBAUTHN_CREDENTIAL_ID" },
		{ MFA_ERR_WEBAUTHN_ALGORITHM, "MFA_ERR_WEBAUTHN_ALGORITHM" },
		{ MFA_ERR_WEBAUTHN_EXTENSIONS, "MFA_ERR_WEBAUTHN_EXTENSIONS" },
		{ MFA_ERR_WEBAUTHN_ATTESTATION_FORMAT, "MFA_ERR_WEBAUTHN_ATTESTATION_FORMAT" },
		{ MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT, "MFA_ERR_WEBAUTHN_ATTESTATION_STATEMENT" },
		{ MFA_ERR_WEBAUTHN_ATTESTATION_TRUST, "MFA_ERR_WEBAUTHN_ATTESTATION_TRUST" },
		{ MFA_ERR_WEBAUTHN_SIGNATURE, "MFA_ERR_WEBAUTHN_SIGNATURE" },
		{ MFA_ERR_WEBAUTHN_SIGN_COUNT, "MFA_ERR_WEBAUTHN_SIGN_COUNT" },
	};

	(void)state;

	assert_int_equal(sizeof(names) / sizeof(names[0]), 1 - MFA_ERR_LAST);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(mfa_strerror_name(names[i].code), names[i].name);
}

static void
err_descriptions_are_distinct(void **state)
{
	(void)state;

	for (int a = MFA_OK; a >= MFA_ERR_LAST; a--) {
		for (int b = a - 1; b >= MFA_ERR_LAST; b--)
			assert_string_not_equal(mfa_strerror(a), mfa_strerror(b));
	}
}

static void
err_unknown_codes(void **state)
{
	static const int unknown[] = { 1, MFA_ERR_LAST - 1, -1000, INT_MIN, INT_MAX };

	(void)state;

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_string_equal(mfa_strerror(unknown[i]), "unknown error");
		assert_string_equal(mfa_strerror_name(unknown[i]), "MFA_ERR_UNKNOWN");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(err_every_code_has_strings),
		cmocka_unit_test(err_names_match_enum),
		cmocka_unit_test(err_descriptions_are_distinct),
		cmocka_unit_test(err_unknown_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
