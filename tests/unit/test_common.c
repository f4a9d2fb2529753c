/* SPDX-License-Identifier: MIT */
/* Wiping, constant-time comparison and random bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mfa/mfa.h>

static void
memzero_clears_bytes(void **state)
{
	uint8_t buf[33];
	const uint8_t zero[sizeof(buf)] = { 0 };

	(void)state;

	memset(buf, 0xa5, sizeof(buf));
	mfa_memzero(buf, sizeof(buf));
	assert_memory_equal(buf, zero, sizeof(buf));

	mfa_memzero(NULL, 0);
}

static void
memcmp_ct_results(void **state)
{
	(void)state;

	assert_int_equal(mfa_memcmp_ct("abcdef", "abcdef", 6), 0);
	assert_int_not_equal(mfa_memcmp_ct("abcdef", "abcdeg", 6), 0);
	assert_int_not_equal(mfa_memcmp_ct("xbcdef", "abcdef", 6), 0);
	assert_int_equal(mfa_memcmp_ct("abc", "abd", 2), 0);
	assert_int_equal(mfa_memcmp_ct(NULL, NULL, 0), 0);
}

static void
random_bytes_fill(void **state)
{
	uint8_t a[32], b[32];

	(void)state;

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(mfa_random_bytes(a, sizeof(a)), MFA_OK);
	assert_int_equal(mfa_random_bytes(b, sizeof(b)), MFA_OK);
	assert_memory_not_equal(a, b, sizeof(a));

	assert_int_equal(mfa_random_bytes(a, 0), MFA_OK);
	assert_int_equal(mfa_random_bytes(NULL, 0), MFA_OK);
	assert_int_equal(mfa_random_bytes(NULL, 1), MFA_ERR_INVALID_ARGUMENT);
}

/* Run under ASan, which would report a double free or a leak. */
static void
free_secret_accepts_null(void **state)
{
	uint8_t *p = malloc(16);
	char *s = strdup("JBSWY3DPEHPK3PXP");

	(void)state;

	assert_non_null(p);
	assert_non_null(s);
	mfa_free_secret(p, 16);
	mfa_free_secret_str(s);
	mfa_free_secret(NULL, 16);
	mfa_free_secret_str(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memzero_clears_bytes),
		cmocka_unit_test(memcmp_ct_results),
		cmocka_unit_test(random_bytes_fill),
		cmocka_unit_test(free_secret_accepts_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
