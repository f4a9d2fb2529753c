/* SPDX-License-Identifier: MIT */
/* Secret wiping, constant-time comparison and random bytes for libmfa. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <mfa/common.h>
#include <mfa/err.h>

MFA_API void
mfa_memzero(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return;

	OPENSSL_cleanse(p, n);
}

MFA_API int
mfa_memcmp_ct(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return 0;

	return CRYPTO_memcmp(a, b, n);
}

MFA_API void
mfa_free_secret(void *p, size_t n)
{
	if (p == NULL)
		return;

	mfa_memzero(p, n);
	free(p);
}

MFA_API void
mfa_free_secret_str(char *s)
{
	if (s == NULL)
		return;

	mfa_free_secret(s, strlen(s));
}

MFA_API int
mfa_random_bytes(uint8_t *out, size_t n)
{
	int r = MFA_ERR_INTERNAL;

	if (out == NULL && n > 0) {
		r = MFA_ERR_INVALID_ARGUMENT;
		goto out;
	}

	/* RAND_priv_bytes() takes an int count, so fill large requests in parts. */
	while (n > 0) {
		size_t chunk = n < (size_t)INT_MAX ? n : (size_t)INT_MAX;

		if (RAND_priv_bytes(out, (int)chunk) != 1)
			goto out;
		out += chunk;
		n -= chunk;
	}

	r = MFA_OK;
out:
	return r;
}
