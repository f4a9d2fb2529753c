/* SPDX-License-Identifier: MIT */
/* Export macro and small helpers shared by every libmfa header. */
#ifndef MFA_COMMON_H
#define MFA_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(MFA_BUILDING_LIB)
#define MFA_API __attribute__((visibility("default")))
#else
#define MFA_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Overwrite n bytes at p with zeros in a way the compiler cannot remove.
 * Accepts p == NULL when n == 0.
 */
MFA_API void mfa_memzero(void *p, size_t n);

/*
 * Compare n bytes in time that depends only on n. Returns 0 when equal and
 * non-zero otherwise, so it reads like memcmp() in a condition.
 */
MFA_API int mfa_memcmp_ct(const void *a, const void *b, size_t n);

/* Wipe n bytes at p and free p. Accepts NULL. */
MFA_API void mfa_free_secret(void *p, size_t n);

/* Wipe a NUL-terminated string and free it. Accepts NULL. */
MFA_API void mfa_free_secret_str(char *s);

/*
 * Fill out with n bytes from OpenSSL's private random generator, which the
 * OS seeds. Returns MFA_OK or MFA_ERR_INTERNAL.
 */
MFA_API int mfa_random_bytes(uint8_t *out, size_t n);

#ifdef __cplusplus
}
#endif

#endif
